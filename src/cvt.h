/*
 * cvt.h - the common journal format (man/jrnkit-common.5, spec/dialogues.md
 * section 7): journal records as portable UTF-8 text, one record a line,
 * and back into databases.
 *
 * WRITING (jrnkit convert, CLUMENU option 2).  cvt_write_plan streams the
 * records a restore plan selects -- its files (list, range, history log),
 * its start and stop points, its databases (source, redirect target,
 * global patterns) or all of them -- and writes them as lines.  The
 * selection is the restore engine's (rst.h) record for record: the start
 * latches, the stop is exclusive, a transaction is written whole at its
 * commit (one the start point cuts included), one the journal rolled back
 * is left out, one without its commit in the range is written without it
 * (so that reading it reports it and applies nothing of it).  Nothing is
 * written to a database; the targets need not exist here.
 *
 * READING (jrnkit read, jrnkit import-gtm --apply).  A record source
 * (struct cvt_src: a common-format file, cvt_reader; or a GT.M extract,
 * gtmx.h) is read twice.  The first pass checks every record and writes
 * nothing: a bad line stops everything, with "FILE:LINE: what" in the
 * error.  The second applies units -- an update outside a transaction, or
 * a whole transaction whose commit is in the source -- to the target
 * databases.  So read is all-or-nothing against bad input, and per unit
 * against the databases: a database error stops at that unit, with every
 * unit before it committed (per batch without journaling: see
 * cvt_apply_opts.journal), and reading the file again finishes the job
 * (SETs and KILLs are idempotent; an INCR carries its result).
 *
 * The library never prints; messages name file and line.  Ownership is
 * stated per function; every struct has an _init/_release pair where it
 * owns memory.
 */
#ifndef JK_CVT_H
#define JK_CVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "gref.h"
#include "rst.h"

#define CVT_MAGIC	"JRNKIT-COMMON"
#define CVT_VERSION	1

/* ---- records -------------------------------------------------------------------- */

enum cvt_kind {
	CVT_SET = 1,
	CVT_INCR,		/* val: the result; inc: the increment */
	CVT_KILL,		/* node and descendants */
	CVT_KILLDESC,		/* descendants only */
	CVT_ZKILL,		/* node only */
	CVT_TSTART,
	CVT_TCOMMIT,
	CVT_TROLLBACK,
	CVT_MARK,		/* marker_id, val = text; changes nothing */
};

/* Whether the kind changes a database. */
bool cvt_kind_is_update(enum cvt_kind k);

/* One record, as a source hands it out. */
struct cvt_rec {
	enum cvt_kind kind;
	uint64_t time_us;
	uint32_t pid;
	uint64_t tx;		/* transaction it belongs to (TSTART..TCOMMIT), 0 outside */
	const char *dir;	/* database directory, canonical with '/'; NULL: none named (borrowed from the source) */
	struct jk_key key;	/* updates */
	struct buf val;
	struct buf inc;
	int64_t marker_id;
	unsigned long line;	/* where it is in the source (1-based line) */
};

void cvt_rec_init(struct cvt_rec *r);
void cvt_rec_release(struct cvt_rec *r);

/*
 * A source of records, read from the start as often as rewind is called.
 * next: 0 a record (its buffers reused at the next call), >0 the end, <0 an
 * error with "NAME:LINE: what" in err.
 */
struct cvt_src {
	const char *name;	/* for messages: the file */
	void *arg;
	int (*rewind)(void *arg, struct jk_err *err);
	int (*next)(void *arg, struct cvt_rec *r, struct jk_err *err);
};

/* ---- writing: journal -> common format ------------------------------------------- */

struct cvt_write_result {
	uint64_t records;	/* journal records read */
	uint64_t lines;		/* record lines written (not the header, comments, END) */
	uint64_t updates;	/* updates written */
	uint64_t filtered;	/* updates not selected (database or global) */
	uint64_t tx;		/* transactions written whole */
	uint64_t incomplete;	/* transactions written without their commit */
	uint64_t rolledback;	/* transactions the journal rolled back: left out */
	uint64_t markers;
	bool damaged;		/* a journal error was skipped (plan.jrn_errors RST_CONTINUE) */
};

struct cvt_write_opts {
	bool no_dirs;			/* write no directory references */
	char *const *globals;		/* with plan.all: only these globals (* and ?) of every database */
	size_t nglobals;
};

/*
 * Write the records of plan p's range and selection to fd as a common-format
 * file (header, DIR lines before first use, records, END).  o may be NULL
 * (directory references, every global).  The plan is checked as
 * rst_plan_check does but for the instance's state and the targets
 * (rst_resolve_range): convert reads journals from anywhere, and the
 * targets are only names here; journal_updates, switch_first, db_errors,
 * dry_run and rollback do not apply.  A record's directory is its
 * database's target (the source unless redirected).  Journal damage:
 * RST_ABORT stops there (the chain's code, message with file and offset;
 * no END line is written, so the output reads as cut short); RST_CONTINUE
 * writes a comment line naming it and goes on with the next file.  A torn
 * tail ending the last file is the end of the journal.  res may be NULL.
 */
int cvt_write_plan_fd(const struct rst_plan *p, const struct cvt_write_opts *o, int fd,
    struct cvt_write_result *res, struct jk_err *err);
/*
 * The same into the file out, replaced atomically (out.tmp, fsync, rename):
 * on any error out is left as it was.  This is "write the records of this
 * plan's range to a common-format file" (CLUMENU option 2).
 */
int cvt_write_plan(const struct rst_plan *p, const struct cvt_write_opts *o, const char *out,
    struct cvt_write_result *res, struct jk_err *err);

/* Append one value or subscript string in the format's ZWR form (exact for any bytes, UTF-8 text). */
int cvt_format_str(struct buf *out, const uint8_t *s, size_t n);
/* Append ^Name(subs...) of an encoded key in the format's form.  JK_ECORRUPT for a key that does not decode. */
int cvt_format_ref(struct buf *out, const uint8_t *key, size_t len);

/* ---- reading: a common-format file ------------------------------------------------ */

struct cvt_reader;

/* Open path (the header is checked at the first next).  *out owned: cvt_reader_close. */
int cvt_reader_open(const char *path, struct cvt_reader **out, struct jk_err *err);
void cvt_reader_close(struct cvt_reader *r);
/* The reader as a record source (valid while r is open). */
struct cvt_src cvt_reader_src(struct cvt_reader *r);
/* Records of kinds this version skips (X-...), in the last pass. */
uint64_t cvt_reader_ignored(const struct cvt_reader *r);

/* ---- applying a source ------------------------------------------------------------ */

struct cvt_apply_opts {
	const char *inst;		/* the instance (journal, locks) */
	char *const *redirect;		/* "OLD=NEW" each: OLD's records go to NEW */
	size_t nredirect;
	char *const *dbs;		/* directories applied to themselves */
	size_t ndbs;			/* with nredirect 0 and ndbs 0: every directory, to itself */
	char *const *globals;		/* global name patterns (* and ?); none = all */
	size_t nglobals;
	const char *default_db;		/* records naming no directory go here; NULL: the instance's db/user/ */
	bool journal;			/* through the instance, journaled (one commit per unit);
					 * false: straight into the databases, locked, in batches */
	bool dry_run;			/* the first pass only: check and count */
};

struct cvt_incomplete {
	unsigned long line;		/* its TSTART (or first record) */
	uint64_t tx;
	uint64_t updates;
};

struct cvt_apply_result {
	uint64_t records;		/* records read (a pass) */
	uint64_t applied;		/* updates applied (dry run: to apply) */
	uint64_t filtered;		/* updates of globals not selected */
	uint64_t skipped;		/* updates of directories not selected */
	uint64_t tx;			/* transactions applied (to apply) */
	uint64_t rolledback;		/* transactions the source rolled back */
	uint64_t markers;
	struct cvt_incomplete *incomplete;	/* transactions without their commit: not applied */
	size_t nincomplete;
	char **targets;			/* databases written (or to write) */
	size_t ntargets;
	unsigned long done_line;	/* a database error: every unit before this line is committed */
};

void cvt_apply_result_init(struct cvt_apply_result *r);
void cvt_apply_result_release(struct cvt_apply_result *r);

/*
 * Check src from its start, then (unless dry_run) apply it.  Errors: the
 * source's own ("NAME:LINE: ..."), a selection that does not check
 * ("No database exists in that directory: ..."), a database error
 * ("NAME:LINE: ...": res->done_line says how far it is committed).
 */
int cvt_apply(const struct cvt_src *src, const struct cvt_apply_opts *o, struct cvt_apply_result *res,
    struct jk_err *err);

/* ---- records -> a journal file ------------------------------------------------------ */

struct cvt_journal_result {
	char path[4200];		/* the file written */
	uint64_t records;		/* records written (all kinds) */
	uint64_t updates;
	uint64_t tx;
};

/*
 * Write src's records as one new journal file in dir, named
 * PREFIX + YYYYMMDD.NNN by the local date of its first record (or after the
 * last file already in dir with that prefix, which it then names as the
 * file before it, so the files read as one chain).  Every update is
 * written for database dbdir (canonical) and records naming another
 * directory keep it.  A file that cannot be written whole is not left
 * behind.
 */
int cvt_to_journal(const struct cvt_src *src, const char *dbdir, const char *dir, const char *prefix,
    struct cvt_journal_result *res, struct jk_err *err);

#endif
