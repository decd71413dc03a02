/*
 * jsel.h - choosing, describing and counting journal records: the engine
 * under jrndump's record pages, its live filters and its batch modes
 * (--select, --json, --stats).  One filter, one formatter, one set of
 * counters, so the browser and the batch agree on every record.
 *
 * A filter (struct jsel) is plain data: conditions of different kinds are
 * ANDed, several values of one kind are ORed (--pid 1 --pid 2 is either
 * process).  An empty filter selects every record.
 *
 * Records name their database by a number that a DBMAP record earlier in
 * the same file defines; struct jsel_file learns those as the records of
 * one file go by (jsel_file_note) and answers dbnum -> directory.
 *
 * Nothing here prints: text goes into a struct buf the caller owns.
 * Errors are JK_ENOMEM, or JK_EUSAGE / JK_EFORMAT with a message on the
 * caller's struct jk_err saying which condition is wrong and why.
 */
#ifndef JK_JSEL_H
#define JK_JSEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "gref.h"
#include "jrn/format.h"

/* ---- what a file's records refer to --------------------------------------- */

struct jsel_file {
	const char *path;	/* borrowed: the file, as the output names it */
	const char *name;	/* path without its directory ("" for none); in path */
	size_t namelen;
	char **dbs;		/* dbnum -> canonical directory (owned), NULL when not defined */
	char **xrefs;		/* dbnum -> ^["directory"] as the text lines start a reference (owned) */
	size_t *xlens;		/* ... and its length */
	uint32_t ndbs;
};

void jsel_file_init(struct jsel_file *f, const char *path);
/* Forget the databases (a new file); path replaced. */
void jsel_file_reset(struct jsel_file *f, const char *path);
void jsel_file_release(struct jsel_file *f);
/* Learn from r: a DBMAP record defines its number.  0 or JK_ENOMEM. */
int jsel_file_note(struct jsel_file *f, const struct jrn_rec *r);
/* The directory of database number n, or NULL when the file has not defined it (yet).  Borrowed. */
const char *jsel_file_db(const struct jsel_file *f, uint32_t n);
/*
 * The numbers src defines, defined so in dst too (copied), the others of
 * dst kept: dst, what a file defined up to some offset, becomes what it
 * defined up to the end of src's range when src learnt from the records
 * that follow it.  0 or JK_ENOMEM (dst then partly updated).
 */
int jsel_file_overlay(struct jsel_file *dst, const struct jsel_file *src);

/* ---- the filter ----------------------------------------------------------- */

enum jsel_gkind {
	JSEL_GNAME,		/* every node of one global: Acct */
	JSEL_GNODE,		/* one node exactly: Acct(1042,"bal") */
	JSEL_GPATTERN,		/* a name pattern with * and ?: Acct*, Bal?x */
	JSEL_GCONTAINS,		/* the ZWR reference contains the text */
};

struct jsel_glob {
	enum jsel_gkind kind;
	char *text;		/* as given, without a leading ^ (owned) */
	struct jk_key key;	/* JSEL_GNODE: the encoded key */
};

struct jsel {
	bool any;			/* some condition is set */
	bool has_types;
	uint64_t types[4];		/* record types selected (bit per code) */
	uint64_t types_tx[4];		/* ... only inside a transaction ("ST") */
	uint32_t *pids;
	size_t npids;
	char **dirs;			/* canonical, trailing '/' */
	size_t ndirs;
	struct jsel_glob *globs;
	size_t nglobs;
	uint64_t time_lo, time_hi;	/* microseconds, inclusive */
	uint64_t seq_lo, seq_hi;	/* cluster sequence numbers, inclusive */
	uint64_t off_lo, off_hi;	/* offsets in a file, inclusive */
	uint64_t txid;			/* 0: any */
	int in_tx;			/* -1 any, 0 outside a transaction, 1 inside */
	struct buf scratch;		/* for contains: the reference as text */
};

void jsel_init(struct jsel *s);
void jsel_release(struct jsel *s);
/* Back to "every record" (storage kept). */
void jsel_clear(struct jsel *s);

/* A process id. */
int jsel_add_pid(struct jsel *s, uint32_t pid, struct jk_err *err);
/* A database directory: made canonical with a trailing '/' (it need not exist). */
int jsel_add_dir(struct jsel *s, const char *dir, struct jk_err *err);
/*
 * A global: a name (Acct: all its nodes), a reference with subscripts
 * (Acct(1042,"bal"): that node), or a pattern (Acct*, Bal?x); a leading ^
 * is allowed.  contains=true: records whose ZWR reference (^ included)
 * contains text.  JK_EFORMAT naming what is wrong.
 */
int jsel_add_global(struct jsel *s, const char *text, bool contains, struct jk_err *err);
/*
 * Op codes separated by commas, as the record pages show them: S SI K k BT
 * CT RB M JS JE DB CP BK; with a T suffix (ST, KT, kT, SIT) only inside a
 * transaction; BTL and CTL are BT and CT.  JK_EFORMAT for an unknown code.
 */
int jsel_add_ops(struct jsel *s, const char *list, struct jk_err *err);
/* Ranges, inclusive; either end may be open (0, UINT64_MAX). */
void jsel_set_time(struct jsel *s, uint64_t lo, uint64_t hi);
void jsel_set_seq(struct jsel *s, uint64_t lo, uint64_t hi);
void jsel_set_offset(struct jsel *s, uint64_t lo, uint64_t hi);
/* Transaction id (records of that transaction); in_tx -1 any, 0 outside, 1 inside. */
void jsel_set_tx(struct jsel *s, uint64_t txid, int in_tx);

/*
 * A filter written as terms, the form the browser's filter prompt takes:
 *
 *	global=PAT  contains=TEXT  op=S,K  pid=N  dir=PATH  tx=ID|yes|no
 *	since=TIME  until=TIME  seq=LO-HI  offset=LO-HI
 *
 * separated by blanks; a word without '=' continues the term before it, so
 * "since=20261120 10:00:00" is one term.  TIME is as jsel_parse_time takes
 * it; ranges may leave an end out (seq=100-, offset=-4096); a single
 * number is that value alone.  Terms add to s: clear it first for a new
 * filter.  JK_EFORMAT naming the term.
 */
int jsel_parse(struct jsel *s, const char *terms, struct jk_err *err);
/* The filter as terms (as jsel_parse reads them), "" for none; appended. */
int jsel_describe(const struct jsel *s, struct buf *out);

/*
 * A time: YYYYMMDD HH:MM:SS[.ffffff] local time (as the restore points take
 * it), or @MICROSECONDS.  JK_EFORMAT.
 */
int jsel_parse_time(const char *text, uint64_t *us, struct jk_err *err);
/* A range LO-HI, LO-, -HI or N.  JK_EFORMAT. */
int jsel_parse_range(const char *text, uint64_t *lo, uint64_t *hi, struct jk_err *err);

/* Whether r (from the file f) passes the filter. */
bool jsel_match(struct jsel *s, const struct jsel_file *f, const struct jrn_rec *r);
/*
 * Whether the filter asks what a database number names (dir=): then it
 * needs every DBMAP record before a record, and cannot be matched on a
 * range that starts in the middle of a file.
 */
bool jsel_needs_dbmap(const struct jsel *s);
/*
 * A filter for another thread: *t reads the conditions of s (borrowed: s
 * stays unchanged and outlives t) and has a scratch buffer of its own,
 * the only thing jsel_match writes.  Released with jsel_view_release,
 * never jsel_release.
 */
void jsel_view(struct jsel *t, const struct jsel *s);
void jsel_view_release(struct jsel *t);

/* ---- describing records ---------------------------------------------------- */

/* The op code as the record pages show it: S, ST, SI, K, k, BT, BTL, CT, CTL, RB, M, ... */
void jsel_op(const struct jrn_rec *r, char op[5]);
/* Local time of us as "2026-11-20 14:36:19.418" with decimals (0..6) digits of the seconds. */
void jsel_time(uint64_t us, int decimals, char out[32]);

/*
 * The "Global & Value" column of a record page: Acct(1042,"bal") = 1500.25
 * for a set, the reference for a kill, a marker's id and text, a database
 * map's directory, ...; appended.  Values in ZWR form.
 */
int jsel_gv(struct buf *out, const struct jsel_file *f, const struct jrn_rec *r);

/*
 * One line per record, appended with its newline.  Text:
 *
 *	NAME OFFSET YYYY-MM-DD HH:MM:SS.ffffff pid=P op=OP len=L [tx=ID] [seq=N] DETAIL
 *
 * NAME is the file's name without its directory (JSON: "file", the path).
 * DETAIL by type: ^["DIR"]REF=VALUE [by=INCREMENT] [old=VALUE|old=<undef>]
 * for sets; ^["DIR"]REF [removed=N] for kills; level=N [updates=N] for
 * transactions; id=N seq=N prev=N text=ZWR for markers; ... (jrndump(8)).
 * JSON: one object a line with the same fields (jrndump(8)).  The caller
 * keeps fm between records: it caches the time of the last second and
 * the text of the last process and transaction ids.
 */
struct jsel_fmt {
	bool json;
	int64_t sec;		/* the second tbuf holds, -1 none */
	char tbuf[24];
	/* the text of the last process id and transaction id (runs of records share them) */
	uint32_t pid;		/* pidtext: " pid=N" (pidlen 0: none yet) */
	uint8_t pidlen, txlen;
	uint64_t txid;		/* txtext: " tx=N" (txlen 0: none yet) */
	char pidtext[16];
	char txtext[24];
};
void jsel_fmt_init(struct jsel_fmt *fm, bool json);
int jsel_line(struct buf *out, struct jsel_fmt *fm, const struct jsel_file *f,
    const struct jrn_rec *r);

/* ---- counting ------------------------------------------------------------- */

/* One row of a breakdown: a name and its records and bytes. */
struct jsel_count {
	char *name;		/* owned */
	size_t nlen;
	uint64_t hash;
	uint64_t records, bytes;
};

struct jsel_table {
	struct jsel_count *v;
	size_t n, cap;		/* cap a power of two, open addressing */
};

struct jsel_stats {
	uint64_t records, bytes, files;
	uint64_t type_records[256], type_bytes[256];
	struct jsel_table globals, dbs, pids;
	/* a range inside a file (jsel_stats_defer_dbs): rows by database number not yet defined */
	bool defer;
	struct jsel_table undef;
	/* fast path: the last rows hit */
	struct jsel_count *last_global, *last_pid, *last_db;
	const struct jsel_file *last_file;
	uint32_t last_dbnum, last_pidv;
};

void jsel_stats_init(struct jsel_stats *st);
void jsel_stats_release(struct jsel_stats *st);
/* Count r (from file f).  0 or JK_ENOMEM.  Call jsel_stats_file at each new file. */
int jsel_stats_add(struct jsel_stats *st, const struct jsel_file *f, const struct jrn_rec *r);
void jsel_stats_file(struct jsel_stats *st);
/*
 * Counting starts in the middle of a file (a range of it read by another
 * thread): a record whose database number the range has not defined (yet)
 * is counted under its number, for jsel_stats_merge to name from what the
 * file defined before the range.
 */
void jsel_stats_defer_dbs(struct jsel_stats *st);
/*
 * Add the counts of src to dst.  When src counted a range inside a file
 * (jsel_stats_defer_dbs), before is what the file defined before that
 * range (the numbers src could not name are named from it; one it does
 * not define either counts as no database, as it would have read in
 * order).  0 or JK_ENOMEM (dst then partly added to).
 */
int jsel_stats_merge(struct jsel_stats *dst, const struct jsel_stats *src,
    const struct jsel_file *before);
/*
 * The counts by record type, database, global and process (each list
 * ending with a total equal to the records counted), as a table or as one
 * JSON object; appended.
 */
int jsel_stats_format(const struct jsel_stats *st, struct buf *out, bool json);

#endif
