/*
 * db.h - databases: a directory holding an LMDB environment.
 *
 * The environment has two named LMDB databases: "data" (encoded keys from
 * gref.h -> value bytes) and "meta" (the database's id, its journaled flag and
 * its last checkpoint location).  A database is named everywhere by its
 * canonical path: absolute, symlinks resolved, with a trailing '/'.
 *
 * Ownership: db_open returns an owned handle freed by db_close.  A process
 * may open the same directory more than once; the handles share one LMDB
 * environment (LMDB forbids two in one process).  Values returned by db_get
 * are borrowed from LMDB and valid until the transaction ends.
 *
 * Concurrency: any number of readers; one write transaction at a time per
 * database across all processes (LMDB's writer lock).  Higher layers hold the
 * instance's journal lock around write transactions, so journal order is
 * commit order.  The environment runs with MDB_NOSYNC: durability comes from
 * the journal; db_sync() is the checkpoint flush.  A handle does not survive
 * fork(): a child opens its own (db_close of an inherited one only frees it).
 */
#ifndef JK_DB_H
#define JK_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "gref.h"

struct jk_db;
struct db_txn;

#define DB_RDONLY	0x1	/* db_open: read only */

/* A place in the journal: file id, byte offset, and the file's path. */
struct jk_loc {
	uint64_t file_id;
	uint64_t offset;
	char path[4096];
};

struct db_meta {
	uint64_t id;		/* random, set at creation */
	bool journaled;		/* updates are journaled (default yes) */
	struct jk_loc ckpt;	/* last checkpoint: everything before it is in the data file */
	uint64_t created;	/* unix seconds */
};

/* Canonical form of dir (which must exist) into out (replaced): "/abs/path/". */
int db_canon_path(const char *dir, struct buf *out, struct jk_err *err);

/* Create the directory (parents too) and an empty database in it.  JK_EEXIST if one is there. */
int db_create(const char *dir, struct jk_err *err);
/* Whether dir holds a database. */
bool db_exists(const char *dir);

/*
 * Mount: open the database in dir.  JK_ENOTFOUND when there is none.  With
 * DB_RDONLY, write transactions and db_meta_set are refused (JK_ESTATE).
 */
int db_open(const char *dir, unsigned flags, struct jk_db **out, struct jk_err *err);
/* Dismount.  NULL is fine.  Aborts a transaction left open. */
void db_close(struct jk_db *db);
/* Canonical path (borrowed, valid until db_close). */
const char *db_path(const struct jk_db *db);
/* The last error on this handle. */
const struct jk_err *db_err(const struct jk_db *db);
/* Flush the data file to disk (checkpoint). */
int db_sync(struct jk_db *db);

/* Reads in the handle's open transaction if there is one. */
int db_meta_get(struct jk_db *db, struct db_meta *m);
/*
 * Writes the meta in its own write transaction: JK_ESTATE while the handle
 * has one open; JK_EUSAGE for id 0 or a path without its NUL.
 */
int db_meta_set(struct jk_db *db, const struct db_meta *m);

/* --- transactions ------------------------------------------------------ */

/*
 * One transaction per handle at a time (JK_ESTATE otherwise); a write
 * transaction waits for LMDB's writer lock, except that a thread already
 * holding it for this database (through any handle) gets JK_ELOCKED rather
 * than waiting for ever.  The transaction is borrowed from the handle.
 */
int db_txn_begin(struct jk_db *db, bool write, struct db_txn **out);
int db_txn_commit(struct db_txn *t);
void db_txn_abort(struct db_txn *t);
struct jk_db *db_txn_db(struct db_txn *t);

/* JK_ENOTFOUND (no message: it is common) when the node has no value. */
int db_get(struct db_txn *t, const uint8_t *k, size_t kn, const uint8_t **v, size_t *vn);
/*
 * JK_ELIMIT (nothing written, the transaction goes on) for a key over
 * JK_KEY_MAX or a value over JK_VAL_MAX.  After JK_EDB (map full, ...) LMDB
 * has failed the transaction: abort it.
 */
int db_put(struct db_txn *t, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn);

enum db_kill_mode {
	DB_KILL_TREE = 0,	/* node and descendants (KILL) */
	DB_KILL_NODE = 1,	/* node only (ZKILL) */
	DB_KILL_DESC = 2,	/* descendants only */
};
/*
 * Called for every node about to be removed, in collation order, with its
 * value (for the old values a journal record carries).  Non-zero stops the
 * kill and is returned by db_kill.
 */
typedef int (*db_kill_cb)(void *arg, const uint8_t *k, size_t kn,
    const uint8_t *v, size_t vn);
int db_kill(struct db_txn *t, const uint8_t *k, size_t kn, enum db_kill_mode mode,
    db_kill_cb cb, void *arg, uint64_t *nremoved);

/*
 * Deferred updates, for applying many at once (a restore): db_defer_put and
 * db_defer_kill check an update as db_put and db_kill do -- one they would
 * refuse is refused here -- and record it in t without applying it.
 * db_defer_flush applies what is recorded walking the keys once in order (a
 * kill reaches only its key or the keys below it, which follow it), so the
 * database pages are visited in order; of several sets of one key only the
 * last is written, and none that a later kill undoes.  The result is the
 * same as applying the updates in the order given.  db_txn_commit flushes first (a flush error aborts the
 * transaction and is returned); db_txn_abort drops them; past 262144 updates
 * or 64 MiB they are flushed into the transaction as they come, so memory
 * stays bounded.  Reads in t do not see updates not yet flushed.
 */
int db_defer_put(struct db_txn *t, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn);
int db_defer_kill(struct db_txn *t, const uint8_t *k, size_t kn, enum db_kill_mode mode);
int db_defer_flush(struct db_txn *t);

/*
 * A batch writer: deferred updates written by a thread of its own, so the
 * caller goes on (reading a journal) while the last batch is written.  The
 * caller fills a batch with db_batch_put / db_batch_kill, checked as db_put
 * and db_kill check (a refused update changes nothing; the message is on
 * the batch).  db_batch_submit hands the batch to the thread, which writes
 * it as db_defer_flush does into its write transaction on db (begun when
 * needed) and, with commit, commits; the caller has a new, empty batch at
 * once.  Submit first waits for the job before it and returns that job's
 * outcome: after a failure (message: db_batch_err) the thread's
 * transaction is aborted, the batch filled since is dropped and nothing is
 * handed over; the next submit starts afresh.  db_batch_wait waits for the
 * job in hand and returns its outcome.  db_batch_abort waits, drops the
 * batch being filled and aborts the thread's transaction; it returns the
 * outcome of the job it waited for.  db_batch_full: the batch being filled
 * is at the bound of 262144 updates or 64 MiB (submit it without commit to
 * keep memory bounded).  While a batch writer is open, the handle db is its
 * own: no other transaction on it, no db_err reading.  db_batch_close
 * aborts what is not committed.
 */
struct db_batch;
int db_batch_open(struct jk_db *db, struct db_batch **out);
void db_batch_close(struct db_batch *b);
int db_batch_put(struct db_batch *b, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn);
int db_batch_kill(struct db_batch *b, const uint8_t *k, size_t kn, enum db_kill_mode mode);
bool db_batch_full(const struct db_batch *b);
int db_batch_submit(struct db_batch *b, bool commit);
int db_batch_wait(struct db_batch *b);
int db_batch_abort(struct db_batch *b);
const struct jk_err *db_batch_err(const struct db_batch *b);

/* $DATA: 0 none, 1 value, 10 descendants, 11 both. */
int db_data(struct db_txn *t, const uint8_t *k, size_t kn, int *data);
/*
 * $ORDER: the next (dir > 0) or previous (dir < 0) sibling of k at the level
 * of k's last subscript that has data or descendants; k may name a node that
 * does not exist.  For a key without subscripts it walks global names.
 * JK_ENOTFOUND at the end.  The result is the sibling's key (no descendants).
 * A last subscript "" starts from the first sibling forwards and from the
 * last backwards, as in M.  The empty key (kn 0) stands before the first
 * global forwards and after the last backwards.
 */
int db_order(struct db_txn *t, const uint8_t *k, size_t kn, int dir, struct jk_key *next);
/*
 * $QUERY: the next/previous node with a value in collation order, across
 * global names (M's $QUERY stops where the name changes: the caller checks).
 * kn 0 as for db_order.  JK_ENOTFOUND at the end.
 */
int db_query(struct db_txn *t, const uint8_t *k, size_t kn, int dir, struct jk_key *next);

/*
 * Fault injection for tests, process-wide: before every write commit and
 * every db_sync, fault(op, path) is asked ("commit" or "sync", the
 * database's canonical path); a non-zero errno fails the call as the disk
 * would (JK_EIO with that errno, the transaction aborted).  NULL: none.
 */
void db_set_fault(int (*fault)(const char *op, const char *path));

/* --- checks ------------------------------------------------------------- */

struct db_check_report {
	uint64_t nodes;		/* keys read */
	uint64_t globals;	/* distinct global names */
	uint64_t bad_keys;	/* keys that do not decode */
	uint64_t bad_values;	/* values over JK_VAL_MAX */
	bool meta_ok;
	char first_problem[512];	/* "" when clean; positions count keys from 1 */
};
/*
 * Copy the database to fd as one compacted LMDB data file (mdb_env_copyfd2
 * with MDB_CP_COMPACT): a consistent snapshot, taken when the copy begins,
 * while writers go on.  The file written is a data.mdb that db_open reads
 * in a directory of its own.  fd may be a pipe: the bytes go in order, and
 * the first arrives only once the snapshot is taken.  The handle's error
 * says why a copy failed.
 */
int db_copy_fd(struct jk_db *db, int fd);

/* Integrity check: LMDB readable, every key decodes, meta consistent.  0 when clean, JK_ECORRUPT if not. */
int db_check(const char *dir, struct db_check_report *r, struct jk_err *err);

#endif
