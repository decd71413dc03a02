/*
 * rcv.h - startup recovery: finding out that an instance was not shut down
 * cleanly, bringing its databases back to exactly what the journal says was
 * committed, and telling the DBA what was done or what went wrong.
 *
 * SHUT DOWN CLEANLY OR NOT.  Two things in state/:
 *
 *	instance.lock	byte 0 is an OFD lock.  Every open handle (jk_open)
 *			holds it shared; it vanishes with its holder, so a
 *			killed process holds nothing.  Exclusive means "no
 *			other process has the instance open": taken (without
 *			waiting) to recover at open and to shut down at close.
 *	running		the dirty flag.  Made, and made durable (file and
 *			directory synced), before a handle's first write;
 *			removed only by the last handle to close, after every
 *			database of the instance is flushed (db_sync) and its
 *			checkpoint (db meta) set to the end of the journal, and
 *			the journal synced.
 *
 * Invariants:
 *
 *	1. While any database write may be unflushed, running exists: it is
 *	   made before the first write and removed after the last flush.
 *	2. Only a holder of the exclusive lock makes running go away or
 *	   recovers; writers hold the lock shared, so neither happens under
 *	   a live writer.
 *	3. A process killed while others go on needs no recovery: its LMDB
 *	   transaction vanishes whole, and the next journal lock holder
 *	   truncates its partial records or redoes its journaled commit
 *	   (jrn/writer.c).  Recovery is for the instance as a whole going
 *	   down (every process killed, the machine stopping).
 *
 * So jk_open, finding the lock free and running there, knows the instance
 * went down uncleanly and recovers before anything else happens.  While it
 * recovers it holds the lock exclusively: other openers wait.
 *
 * RECOVERY (rcv_run).  For every mounted database in state/databases: its
 * last checkpoint (db meta: "everything before this place of the journal
 * is in the data file").  Databases sharing a checkpoint are replayed
 * together by the restore engine (rst.h) from that place to the end of
 * the journal, each to itself, all globals, incomplete transactions rolled
 * back (not applied: they never committed, and their updates never reached
 * a database, whose LMDB transactions commit only after the journal has the
 * TCOMMIT), journal damage aborting.  Replay is idempotent (SET and KILL
 * records carry their result), so a database that already holds some of
 * what is replayed ends the same.  The time taken is that of reading the
 * journal since the checkpoint: checkpoints are automatic (checkpoint_bytes,
 * checkpoint_secs in jrnkit.yaml) and the clean shutdown is one.  The
 * instance's journal is first locked once (a dead writer's partial records
 * cut off) and switched (the restore engine will not read a file being
 * written), so each recovery starts a new journal file.
 *
 * GROUPS.  A database with no update before its checkpoint in the journal
 * (a checkpoint at the start of the first file: one never written since)
 * replays with those without a checkpoint, from the first file: one pass
 * over the journal for both, not two.
 *
 * CLUSTER MEMBERS.  Before anything is replayed, the cluster's sequence
 * counter (clu.h) is raised above the last number in the journal of every
 * member whose journal.log can be read (this member's, and those of the
 * others that went down with the host): the counter is not synced at every
 * number, so a host crash can leave it behind the journals, and a number
 * given twice would be a duplicate to every merged restore.  The report
 * gives the counter's next number (seq_next).  Then each group is replayed
 * from the cluster journal log (CLUJRN.LOG: every member's files, merged
 * by sequence number, rst.h), not from this member's journal alone: a
 * database the members share gets their updates in the order they were
 * committed, which replaying one member's journal after another's would
 * not give.  The replay starts after the last number at or before the
 * checkpoint (a checkpoint is taken under the cluster lock, so everything
 * numbered up to there was in the databases), or at the start of the log.
 * A gap in the numbers (a process killed between taking a number and its
 * append) is passed over; any other journal damage is recorded as always.
 *
 * ERRORS.  A database that cannot be opened, a database error while
 * replaying (a full disk), journal damage before its end, journal files
 * missing: each is recorded with time, database, file, offset, global and
 * message in state/startup-errors.yaml.  A database error is retried with
 * the replay of its group started again, so the error's place is exact;
 * after RCV_MAX_ERRORS errors in one database it is dismounted
 * (state/databases) and the others are finished.  While errors are
 * recorded and not resolved the instance refuses writes (the first write
 * of every handle gets JK_ESTATE saying so), open does not recover again
 * by itself, and running stays: the DBA resolves it with sturecov(8),
 * which runs recovery again, mounts, dismounts, repairs and checks, and
 * either marks the errors resolved (the next open recovers normally) or
 * resets the instance so the journal is not restored at startup.
 *
 * FILES.  state/recovery.yaml, the report of the last recovery, and
 * state/startup-errors.yaml: formats in jrnkit(8), FILES; written
 * atomically.  state/recovery.log: one line per recovery, resolution and
 * reset, appended.  state/recovery-restore.yaml: the restore record of
 * recovery's replays (jrnresto's own stays state/restore.yaml).
 *
 * Ownership: reports and error lists are the caller's (_release / _free).
 */
#ifndef JK_RCV_H
#define JK_RCV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct jk;

#define RCV_RUNNING	"state/running"
#define RCV_LOCK	"state/instance.lock"
#define RCV_REPORT	"state/recovery.yaml"
#define RCV_ERRORS	"state/startup-errors.yaml"
#define RCV_LOG		"state/recovery.log"
#define RCV_RECORD	"state/recovery-restore.yaml"
#define RCV_MAX_ERRORS	3	/* errors in one database before it is dismounted */

/* ---- the session: what jk_open, the first write and jk_close do ------------------- */

struct rcv_session;

/*
 * At jk_open of j: hold the instance lock shared, recovering first when
 * the instance was not shut down cleanly.  A recovery that records errors
 * is no failure here (writes are refused later); an error that stops
 * recovery from recording anything is.  Inside a recovery (the restore
 * engine opens the instance again) *out is NULL and nothing is done.
 */
int rcv_session_open(struct jk *j, struct rcv_session **out, struct jk_err *err);
/*
 * Before the first write of the handle (cheap after it): JK_ESTATE while
 * startup errors are unresolved; else running is made durable.
 */
int rcv_session_write(struct rcv_session *s, struct jk_err *err);
/*
 * At jk_close, the journal writer still open: the last handle of the
 * instance flushes every database, sets their checkpoints, syncs the
 * journal and removes running (unless errors are unresolved).  Frees s.
 */
void rcv_session_close(struct rcv_session *s, struct jk *j);

/* ---- recovery ---------------------------------------------------------------------------- */

/* A transaction recovery rolled back (its TCOMMIT never reached the journal). */
struct rcv_tx {
	uint64_t txid;
	uint32_t pid;
	char *path;		/* its first record */
	uint64_t offset;
	uint64_t updates;
	char *db;		/* the first database it updates */
};

struct rcv_db {
	char *path;
	char *from_path;	/* replayed from here: its checkpoint ("" = the first file) */
	uint64_t from_offset;
	bool from_start;	/* no update before its checkpoint: replayed with those from the first file */
	char *to_path;		/* up to here: the end of the journal, or where an error stopped it */
	uint64_t to_offset;
	char **files;		/* the journal files read, in order */
	size_t nfiles;
	uint64_t applied;	/* updates applied */
	unsigned errors;	/* errors recorded for it in this run */
	bool recovered;		/* replayed to the end of the journal */
	bool dismounted;	/* skipped (dismounted before), or dismounted after RCV_MAX_ERRORS */
};

struct rcv_report {
	char why[32];		/* "crash" (found at open), "on demand" */
	uint64_t started_us, finished_us;
	struct rcv_db *dbs;
	size_t ndbs;
	struct rcv_tx *txs;	/* rolled back */
	size_t ntxs;
	uint64_t records;	/* journal records read */
	unsigned errors;	/* recorded in this run */
	char *switched_to;	/* the journal file begun by the recovery, or NULL */
	uint64_t seq_next;	/* a cluster member: the sequence counter's next number after it was raised, else 0 */
};

void rcv_report_init(struct rcv_report *r);
void rcv_report_release(struct rcv_report *r);

/*
 * Recover the instance in inst now.  The caller must make sure no other
 * process writes to it (jk_open holds the lock exclusively; `jrnkit
 * recover` and sturecov take it with rcv_exclusive).  0 when it ran, even
 * with errors (rep->errors counts them; they are in state/); otherwise an
 * error that kept it from running or from recording.  Writes
 * state/recovery.yaml and appends to state/recovery.log.
 */
int rcv_run(const char *inst, const char *why, struct rcv_report *rep, struct jk_err *err);

/*
 * rcv_run with the instance to itself: rcv_exclusive, rcv_run, release.
 * What `jrnkit recover`, sturecov and main-menu item 11 run.
 */
int rcv_recover(const char *inst, const char *why, struct rcv_report *rep, struct jk_err *err);

/*
 * Take the instance lock exclusively, without waiting: JK_ELOCKED when
 * another process has the instance open.  *fd to rcv_release.
 */
int rcv_exclusive(const char *inst, int *fd, struct jk_err *err);
void rcv_release(int fd);

/* The report as recovery.yaml holds it, and as text for people (what `jrnkit recover` prints). */
int rcv_report_yaml(const struct rcv_report *r, struct buf *out);
int rcv_report_text(const struct rcv_report *r, struct buf *out);

/* Whether the instance's running flag is there (not shut down cleanly). */
bool rcv_running(const char *inst);

/* ---- recorded errors ------------------------------------------------------------------------- */

struct rcv_error {
	uint64_t time_us;
	char *db;		/* "" when it concerns no one database */
	char *file;		/* journal file, "" when none */
	uint64_t offset;
	char *global;		/* "" when not known */
	char *msg;
};

struct rcv_errors {
	bool resolved;		/* the DBA resolved them (sturecov) */
	struct rcv_error *v;
	size_t n;
};

/* Read state/startup-errors.yaml; none (n 0, resolved) when there is no file. */
int rcv_errors_read(const char *inst, struct rcv_errors *e, struct jk_err *err);
void rcv_errors_release(struct rcv_errors *e);
/* Whether errors are recorded and not resolved (an unreadable file counts as unresolved). */
bool rcv_errors_pending(const char *inst);
/* Errors recorded for database path (canonical) and not resolved. */
unsigned rcv_errors_count(const struct rcv_errors *e, const char *db);
/*
 * Mark the errors resolved (sturecov's "bring down"): the next open
 * recovers as after any crash.  Logged in state/recovery.log.
 */
int rcv_resolve(const char *inst, struct jk_err *err);
/*
 * Reset (sturecov's last option): errors resolved and running removed, so
 * the journal is not restored at the next startup.  Logged.
 */
int rcv_reset(const char *inst, struct jk_err *err);
/* Whether a rollback is pending: errors unresolved and the last recovery left a database not recovered. */
bool rcv_rollback_pending(const char *inst);
/* Read the last report (state/recovery.yaml) as text into out (replaced).  JK_ENOTFOUND when none. */
int rcv_report_load(const char *inst, struct buf *out, struct jk_err *err);

/* ---- repair --------------------------------------------------------------------------------- */

struct rcv_repair {
	uint64_t copied;	/* nodes copied */
	uint64_t refused;	/* nodes read but not taken (a key or value the database refuses) */
	bool damaged;		/* part of the database could not be read */
	char unread[1200];	/* what could not be read: "between ^A(5) and ^B(1)", "" when all was */
	char first_refused[600];	/* the first node refused and why, "" when none */
};

/*
 * Copy every readable node of the (damaged) database in from into a new
 * database made in to (which must hold none): a forward walk up to the
 * first node that cannot be read, then a backward walk from the end down
 * to it, so only the damaged stretch between is lost, and named.  The
 * meta (id, journaled flag, checkpoint) is copied when it can be read.
 * 0 when the copy was made (r says what was lost); an error when from
 * cannot be opened at all or to cannot be written.
 */
int rcv_repair(const char *from, const char *to, struct rcv_repair *r, struct jk_err *err);

#endif
