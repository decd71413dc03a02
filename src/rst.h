/*
 * rst.h - the restore engine: bring databases up to date from journal files
 * (the engine under jrnresto, ^JRNRESTO's screens in spec/dialogues.md 2).
 *
 * Two steps.  THE PLAN (struct rst_plan) is plain data, built by a
 * dialogue, flags or a spec file and shown to the operator before anything
 * runs: the journal files in order, the databases (source directory as the
 * journal names it, redirect target, global patterns), start and stop
 * points, and the switches.  rst_plan_check() validates it and writes
 * nothing.  THE RUN, rst_run(), checks it again, then streams the records
 * of the files in order and applies the selected updates.
 *
 * WHICH RECORDS.  A point is either an edge (start: the first record of
 * the first file; stop: after the last record of the last file) or names
 * a place in the stream, and a record is "at or past" it when
 *
 *	location (offset in a file of the list)  the record starts there or later
 *	marker (id or text, the first match)     the record is that marker or later
 *	time (microseconds)                      the record's timestamp >= it
 *	sequence number                          its cluster sequence number >= it
 *	                                         (0, not clustered, never is)
 *
 * The start is inclusive: the first record at or past it is the first one
 * restored, and every later one is too (the start latches).  The stop is
 * exclusive: the first record at or past it ends the run unapplied.  So a
 * stop at a marker applies everything up to that marker, as ^JRNRESTO
 * does; a marker itself changes nothing.  The restore record's "next" is a
 * location, so "start at the last restore" continues exactly there.
 *
 * TRANSACTIONS.  A transaction's updates are applied together when its
 * TCOMMIT (level 1) is reached inside the range, all of them: one that
 * began before the start point but committed after it is applied whole.
 * TROLLBACK discards.  A transaction with no commit in the range is
 * incomplete: the next record of the stream is not its own (format.h
 * invariant 2: a transaction's records are contiguous), its file ends or is
 * damaged, or the range ends.  Then plan.rollback discards it, or else its
 * updates are applied where the journal has them (at the place it is known
 * to be abandoned, so nothing after it is overtaken); either way
 * result.incomplete lists it.  Nothing is buffered: the engine remembers
 * where a transaction began and reads its records again from the file at
 * its commit, so memory does not grow with a transaction's size.
 *
 * APPLYING.  Without plan.journal_updates (the default) each target is
 * opened directly (db_open) and written by a batch writer (db_batch_*, a
 * thread of its own), one LMDB write transaction per batch; every target's
 * batch is handed over for commit together after RST_BATCH updates, when the
 * run stops, and at the end, and only between journal units (an update
 * outside a transaction, or a whole transaction), so a commit never holds
 * half a journal transaction.  The targets are flushed (db_sync) before the
 * restore record is written.  With plan.journal_updates the updates go
 * through the instance (jk_set/jk_kill, a journal transaction as
 * jk_tstart..jk_tcommit), one commit per unit, journaled and synced as the
 * instance's commit mode says; slower.  An INCR is restored as the value
 * its record carries.
 *
 * LOCKS.  Each target's restore.lock is taken exclusively for the whole
 * run, without waiting (dblock.h): a database that another process writes
 * is refused ("database X is in use: ..."), and writers refuse a database
 * being restored.  All targets are locked before anything is written; if
 * one cannot be, nothing is.  (With plan.all the databases are known only
 * as the journal names them, so each is locked when first met, and one
 * that cannot be is a database error.)  state/restore.lock in the instance
 * lets one restore run there at a time, so the restore record is one run's.
 *
 * ERRORS.  A database error (a target that cannot be opened or written):
 * the unit it happened in is taken back whole -- the batch since the last
 * commit is dropped and replayed up to that unit -- so every target holds
 * each unit before it and nothing of it.  Then RST_CONTINUE (the default)
 * stops updates to that database, reports it, and goes on with the others
 * from that unit; RST_ABORT stops there.  A failing commit of a batch
 * leaves that database as of its previous commit; the restore record then
 * points at the batch's beginning, so restoring again from the last
 * restore repairs it.  A journal error (damage in a file, a file that
 * cannot be read, a broken link, an update naming an unmapped database):
 * RST_ABORT (the default) stops at the damage with everything before it
 * applied; RST_CONTINUE skips the rest of that file (or the record) and
 * goes on with the next.  result.damage names file and valid-up-to offset.
 * A torn tail ending a file before the last is a crash followed by a new
 * file, the normal end of that file (result.torn); one ending the last file
 * is the end of the journal.
 *
 * THE RESTORE RECORD.  state/restore.yaml in the instance, replaced
 * atomically: "running" when a run starts, then where it stopped (the next
 * record not processed), why, and counts per database.  A run that never
 * finished (a crash) leaves "running", and starting at the last restore is
 * refused until the run is repeated.
 *
 * SAME PLAN, SAME DATABASES.  SETs and KILLs are idempotent and an INCR
 * carries its result, so running a plan again -- after an interruption, or
 * after a crash -- gives the same databases as one uninterrupted run.
 *
 * The library never prints: errors are codes with a message in a jk_err.
 * Ownership: every char * in these structs is owned by the struct and freed
 * by its _release; set them through the functions below or with malloc'd
 * strings.
 */
#ifndef JK_RST_H
#define JK_RST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define RST_BATCH	100000	/* updates per LMDB commit ... */
#define RST_BATCH_BYTES	(64u << 20)	/* ... or bytes of keys and values */
#define RST_RECORD	"state/restore.yaml"

/* ---- journal files ---------------------------------------------------------- */

/* Journal file paths in the order they are processed. */
struct rst_files {
	char **paths;
	size_t n;
};

void rst_files_init(struct rst_files *f);
void rst_files_release(struct rst_files *f);
int rst_files_add(struct rst_files *f, const char *path, struct jk_err *err);
/*
 * Append the files a history log lists: log is an instance directory (its
 * journal.log) or a log file, such as a copy of another instance's
 * journal.log.  With dirs, each file is looked for by name in dirs in that
 * order (journals moved or copied from elsewhere); one found nowhere keeps
 * its logged path, and rst_plan_check names it as missing.
 */
int rst_files_from_log(struct rst_files *f, const char *log, char *const *dirs,
    size_t ndirs, struct jk_err *err);
/*
 * Append the files named prefix + YYYYMMDD.NNN in dirs, ordered by name; a
 * name in several directories is taken from the first.  JK_ENOTFOUND when
 * there are none.
 */
int rst_files_from_dirs(struct rst_files *f, const char *prefix, char *const *dirs,
    size_t ndirs, struct jk_err *err);
/*
 * Keep first through last (either NULL: from the first / to the last), each
 * given as a path of the list or a file name in it.  JK_ENOTFOUND naming a
 * file not in the list, JK_EUSAGE when last comes before first.
 */
int rst_files_range(struct rst_files *f, const char *first, const char *last,
    struct jk_err *err);

/* ---- start and stop points -------------------------------------------------- */

enum rst_point_kind {
	RST_EDGE = 0,		/* start: the beginning; stop: the end */
	RST_LOCATION,		/* path + offset; path is a file of the list */
	RST_MARKER_ID,		/* the first marker with marker_id */
	RST_MARKER_TEXT,	/* the first marker with marker_text */
	RST_TIME,		/* time_us, microseconds since 1970 UTC */
	RST_SEQ,		/* cluster sequence number seq */
	RST_LAST_RESTORE,	/* start only: where the last restore here stopped */
};

struct rst_point {
	enum rst_point_kind kind;
	char *path;
	uint64_t offset;
	int64_t marker_id;
	char *marker_text;
	uint64_t time_us;
	uint64_t seq;
};

/* Back to RST_EDGE, freeing the strings. */
void rst_point_clear(struct rst_point *pt);
int rst_point_location(struct rst_point *pt, const char *path, uint64_t offset, struct jk_err *err);
int rst_point_marker_text(struct rst_point *pt, const char *text, struct jk_err *err);
void rst_point_marker_id(struct rst_point *pt, int64_t id);
void rst_point_time(struct rst_point *pt, uint64_t time_us);
void rst_point_seq(struct rst_point *pt, uint64_t seq);
void rst_point_last_restore(struct rst_point *pt);
/*
 * Parse a point from text (flags, spec files):
 *
 *	begin | end                   RST_EDGE
 *	OFFSET,PATH                   RST_LOCATION (as locations print: 134388,/srv/jrn/x)
 *	marker=ID                     RST_MARKER_ID (an integer; backups use -1)
 *	marker:TEXT                   RST_MARKER_TEXT
 *	time=YYYYMMDD HH:MM:SS[.ffffff]  RST_TIME, local time as the dialogues show it
 *	time=@MICROSECONDS            RST_TIME, exact
 *	seq=N                         RST_SEQ
 *	last                          RST_LAST_RESTORE
 *
 * JK_EFORMAT with a message saying what was expected.  *pt is replaced only
 * on success.
 */
int rst_point_parse(struct rst_point *pt, const char *s, struct jk_err *err);
/* Append the point in that syntax (time exact, as time=@N; edge as "begin" or "end"). */
int rst_point_format(const struct rst_point *pt, bool stop, struct buf *out);

/* ---- the plan ------------------------------------------------------------------ */

enum rst_policy {
	RST_CONTINUE = 0,
	RST_ABORT = 1,
};

/* A database to restore. */
struct rst_db {
	char *source;		/* canonical directory as the journal names it, trailing '/' */
	char *target;		/* canonical directory written; equal to source when not redirected */
	char **globals;		/* name patterns with * and ? (a leading ^ is allowed); none = all */
	size_t nglobals;
};

struct rst_plan {
	char *inst;			/* the instance the restore runs in (canonical, trailing '/') */
	struct rst_files files;
	bool all;			/* every database the journals name, to itself, all globals */
	struct rst_db *dbs;		/* otherwise these */
	size_t ndbs;
	struct rst_point start;
	struct rst_point stop;
	bool switch_first;		/* switch the instance's journal file first, when it is being
					 * written and is one of the files (default no) */
	bool journal_updates;		/* journal the restored updates (default no) */
	enum rst_policy db_errors;	/* default RST_CONTINUE */
	enum rst_policy jrn_errors;	/* default RST_ABORT */
	bool rollback;			/* discard incomplete transactions (default no, as the dialogue) */
	bool check_links;		/* each file must name the one before it (default yes) */
	bool dry_run;			/* read, select and count; write nothing at all */
	int *csns;			/* a cluster restore: files.paths[i] is a journal file of
					 * member csns[i], and the members' files are merged by
					 * sequence number; NULL: one instance's chain */
	bool maps_at_start;		/* a start location where the file's database maps are
					 * repeated (a checkpoint's, JRN_F_MAPS): its file is
					 * read from there, not from its first record */
	const char *record;		/* the restore record, relative to inst; NULL: RST_RECORD.
					 * Not owned: a string that outlives the plan (recovery
					 * keeps its own, so jrnresto's "last restore" stays) */
};

void rst_plan_init(struct rst_plan *p);
void rst_plan_release(struct rst_plan *p);
/* The instance: JK_ENOTFOUND when dir holds none. */
int rst_plan_set_inst(struct rst_plan *p, const char *dir, struct jk_err *err);
/*
 * Add a database: source as the journals name it (it need not exist here),
 * target NULL or "" for the same directory, and n global patterns.  The
 * directories are made canonical (rst_canon_dir); nothing else is checked
 * here.
 */
int rst_plan_add_db(struct rst_plan *p, const char *source, const char *target,
    char *const *globals, size_t n, struct jk_err *err);
/*
 * A selection as a program's command line gives it (jrnresto, jrnkit
 * convert), the options' names in the messages.  Files, one way at most:
 * files (these, in this order), log (a history log, with search
 * directories: rst_files_from_log), jdirs (journal directories and a
 * prefix: rst_files_from_dirs); with none of them, the instance's
 * journal.log; then from/through (rst_files_range).  Databases: dbs
 * (sources restored in place) and redirects ("OLD=NEW"), each with the
 * global patterns.
 */
struct rst_select {
	char *const *files;
	size_t nfiles;
	const char *log;		/* --log */
	char *const *search;		/* --search */
	size_t nsearch;
	char *const *jdirs;		/* --journal-dir */
	size_t njdirs;
	const char *prefix;		/* --prefix */
	const char *from, *through;	/* --from, --through */
	char *const *dbs;		/* --db */
	size_t ndbs;
	char *const *redirects;		/* --redirect OLD=NEW */
	size_t nredirects;
	char *const *globals;		/* --global */
	size_t nglobals;
};
/*
 * The files of s into p->files.  JK_EUSAGE for options that do not go
 * together (the message names them) and when there is no way to find the
 * files (no instance either); the errors of the rst_files_* functions.
 */
int rst_plan_select_files(struct rst_plan *p, const struct rst_select *s, struct jk_err *err);
/* The databases of s into p (rst_plan_add_db); JK_EUSAGE for a redirection that is not OLD=NEW. */
int rst_plan_select_dbs(struct rst_plan *p, const struct rst_select *s, struct jk_err *err);
/*
 * Validate, writing nothing: the instance; the files (each there and
 * readable, each naming the one before it unless check_links is off: a
 * missing file is named); the databases (a target without a database: "No
 * database exists in that directory: /x/"; bad patterns; a source listed
 * twice; the same-target rule: sources redirected to one target select the
 * same globals); the points (files in the list, markers found -- this
 * reads the journal --, the stop not before the start, the last restore
 * finished and in the list); the current journal file in the range while
 * journaling, unless switch_first; journal_updates while not journaling.
 * JK_EUSAGE, JK_ENOTFOUND or JK_ESTATE with one message, the first problem.
 */
int rst_plan_check(const struct rst_plan *p, struct jk_err *err);
/*
 * Parts of rst_plan_check, for a dialogue that asks step by step: the
 * files (each there and readable; with links, each naming the one before
 * it: a missing file is named), and the databases (the list, patterns,
 * targets holding a database, the same-target rule).
 */
int rst_files_check(const struct rst_files *f, bool links, struct jk_err *err);
int rst_plan_check_dbs(const struct rst_plan *p, struct jk_err *err);
/*
 * The start a restore takes when none is given (jrnresto without --start,
 * the dialogue): after restore-backup (bkp.h) -- a restore of a backup is
 * the latest event of state/backups -- the marker of that backup, or, once
 * a journal restore has run since, where the last restore stopped
 * (RST_LAST_RESTORE); otherwise the start is left as it is.  Only a point
 * in p->files is taken.  note gets what was chosen, for the operator
 * ("the marker of backup NAME, 134120,/srv/jrn/journal/20261120.008"), or
 * stays empty.
 */
int rst_plan_default_start(struct rst_plan *p, struct buf *note, struct jk_err *err);
/* Append the plan as text: the databases, the files, the points and switches. */
int rst_plan_describe(const struct rst_plan *p, struct buf *out);
/* Only the databases, as the dialogue lists them ("Processing globals from the following datasets:"). */
int rst_plan_describe_dbs(const struct rst_plan *p, struct buf *out);

/*
 * THE CLUSTER LOG AS SOURCE (clu.h).  The files are those of a cluster
 * journal log (CLUJRN.LOG or a copy), each path redirected through r (NULL:
 * none), and the run merges the members' files by sequence number instead
 * of reading one after the other (clu_merge): the records come in the
 * order the updates were committed to the shared databases, and a gap or
 * disorder in the numbers is a journal error naming both records.  Links
 * are checked within each member's files.  Points in a cluster plan are
 * sequence numbers: a location or a marker stands for the sequence number
 * of the record there (the first matching marker in sequence order); a
 * cluster marker carries one number in every member's journal, so a stop
 * there applies exactly what was committed before it.  The last restore,
 * and a time, are not cluster points (JK_EUSAGE).  Replaces the files.
 */
struct clu_redirect;
int rst_plan_set_cluster(struct rst_plan *p, const char *log, const struct clu_redirect *r,
    struct jk_err *err);

/* Canonical form of a directory that may not exist here: absolute, no . or .., trailing '/'; symlinks resolved when it exists. */
int rst_canon_dir(const char *dir, struct buf *out, struct jk_err *err);

/* ---- the run --------------------------------------------------------------------- */

struct rst_progress {
	const char *file;		/* the file being read (borrowed) */
	size_t file_index, nfiles;
	bool new_file;			/* the first report for this file */
	uint64_t offset;		/* in that file */
	uint64_t bytes_done, bytes_total;	/* over the files of the run */
	uint64_t records, applied;
};

/* Every member may be NULL. */
struct rst_hooks {
	void *arg;
	/* At each new file, at most every ~100 ms of work between, and once at the end. */
	void (*progress)(void *arg, const struct rst_progress *p);
	/*
	 * Polled before each record (but not before a start location is
	 * reached: reading a file up to it is short); true stops the run
	 * there, between journal units.  A transaction being read is left
	 * whole for the next run, which starts at its first record.
	 */
	bool (*stop)(void *arg);
};

enum rst_status {
	RST_DONE = 0,		/* reached the stop point or the end of the files */
	RST_STOPPED,		/* the stop hook stopped it */
	RST_ABORTED,		/* an error and RST_ABORT (or an error no policy covers) */
};

struct rst_db_result {
	char *source;		/* as the journal names it */
	char *target;		/* NULL: not selected, its updates skipped */
	uint64_t applied;	/* updates applied (committed) */
	uint64_t filtered;	/* updates of globals not selected */
	uint64_t skipped;	/* updates not applied otherwise: not selected, or after a database error */
	int error;		/* the database error that stopped its updates, or 0 */
	char *errmsg;
};

/* Updates of one global of one source database (a dry run only). */
struct rst_global_result {
	size_t db;		/* index in result.dbs */
	char name[32];		/* the global's name, without '^' */
	uint64_t applied;	/* would be applied */
	uint64_t filtered;	/* not selected by the patterns */
	uint64_t skipped;	/* its database not selected */
};

struct rst_tx {
	uint64_t txid;
	uint32_t pid;
	char *path;		/* its first record */
	uint64_t offset;
	uint64_t updates;
	char **dbs;		/* source directories it updates */
	size_t ndbs;
	bool applied;		/* false: discarded (rolled back) */
};

struct rst_damage {
	char *path;
	uint64_t valid_end;	/* the file is valid up to this offset */
	int code;		/* JK_ECORRUPT, JK_ETORN (last file), JK_EIO, ... */
	char *msg;
	bool skipped;		/* RST_CONTINUE went on past it */
};

struct rst_result {
	enum rst_status status;
	struct jk_err err;		/* why it aborted or failed (code 0 otherwise) */
	char *next_path;		/* where it stopped: the next record not processed; NULL
					 * when stopped before a time or sequence start point */
	uint64_t next_offset;
	const char *why;		/* "end of journal", "stop point", "interrupted", "database error", "journal error" */
	struct rst_db_result *dbs;
	size_t ndbs;
	char **updated;			/* targets that received updates */
	size_t nupdated;
	char **skipped;			/* sources seen and not selected */
	size_t nskipped;
	struct rst_tx *incomplete;
	size_t nincomplete;
	struct rst_damage *damage;
	size_t ndamage;
	unsigned torn;			/* files before the last that ended torn (crashes) */
	uint64_t records;		/* records read */
	uint64_t applied, filtered, skipped_updates;
	uint64_t tx_complete;		/* transactions applied whole (their commit in range) */
	uint64_t tx_rolledback;		/* transactions the journal itself rolled back */
	struct rst_global_result *globals;	/* a dry run: per global, by db then name */
	size_t nglobals;
	char *switched_from, *switched_to;	/* the journal switch, when one was made */
	uint64_t started_us, finished_us;
};

void rst_result_init(struct rst_result *r);
void rst_result_release(struct rst_result *r);

/*
 * Run the plan; res must have been initialised (rst_result_init) and is
 * filled anew.  0 when it reached its end or the stop hook stopped it
 * (result.status says which); otherwise the error code, with result.err
 * saying what and where, and result filled as far as the run got.  Before
 * anything is written the plan is checked (rst_plan_check) and every
 * target locked.  hooks may be NULL.
 */
int rst_run(const struct rst_plan *plan, const struct rst_hooks *hooks, struct rst_result *res);

/* ---- the restore record ------------------------------------------------------------ */

struct rst_record {
	char status[16];		/* running, done, stopped, aborted */
	char why[JK_ERR_MSG_MAX];
	char next_path[4096];
	uint64_t next_offset;
	uint64_t started_us, finished_us;
	uint64_t records, applied;
};

/* Read the instance's state/restore.yaml.  JK_ENOTFOUND when no restore has run there. */
int rst_record_read(const char *inst, struct rst_record *rec, struct jk_err *err);

/* ---- plan files ---------------------------------------------------------------------- */

/*
 * A plan as a YAML file (jrnkit-plan(5)), so a restore can be run again
 * without questions (jrnresto --plan FILE) and a dialogue's answers saved.
 *
 * rst_plan_parse replaces p (initialised) with the plan in text, all of it
 * or, on error, none: p is then as it was.  Everything not in the file
 * takes rst_plan_init's default, but for the instance -- the file's
 * "instance" when given (rst_plan_set_inst), else the one p already names
 * -- and dry_run, which p keeps.  name stands for the file in messages,
 * which read "NAME:LINE:COL: message" (from 1, at the key or value at
 * fault) with JK_EFORMAT: YAML syntax, unknown or duplicate keys, wrong
 * types, bad points (rst_point_parse's message), bad patterns, a stop at
 * the last restore, a source listed twice, two of files / journal_log /
 * journal_dirs given; JK_EVERSION for a later version of the format.
 * Sources given as a history log or directories + prefix are resolved
 * into p->files here (rst_files_from_log / _from_dirs / _range); an error
 * of one of those calls, or of rst_plan_set_inst, keeps its code and reads
 * "NAME:LINE:COL: <its message>" at the key that asked for it.  Nothing is
 * checked against the journals: that is rst_plan_check's job.
 */
int rst_plan_parse(struct rst_plan *p, const char *name, const char *text, size_t len,
    struct jk_err *err);
/*
 * The same from the file at path, named by path in messages; when it
 * cannot be read, JK_ENOTFOUND (it does not exist) or JK_EIO, with
 * "cannot open plan file 'PATH': <strerror>" (or "cannot read").
 */
int rst_plan_load(struct rst_plan *p, const char *path, struct jk_err *err);
/*
 * Append p as a plan file that rst_plan_parse reads back to the same plan,
 * field by field: the files as an explicit list, every setting written out
 * (dry_run is not: a plan file describes a restore, not how it is run),
 * every string double-quoted.  JK_EUSAGE for a plan no file can hold or
 * rst_plan_parse would refuse (a string that is not UTF-8, a stop at the
 * last restore, a point that does not read back as itself, all databases
 * and a list, a bad pattern, a source listed twice), JK_ENOMEM; out is
 * then unchanged.
 */
int rst_plan_write(const struct rst_plan *p, struct buf *out);
/* rst_plan_write into path, replaced atomically (jk_write_file_atomic); the reason in err. */
int rst_plan_save(const struct rst_plan *p, const char *path, struct jk_err *err);

#endif
