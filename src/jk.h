/*
 * jk.h - an open instance: its settings, its journal, its databases, and
 * the update path that journals every change before it commits it.
 *
 * An update (set, increment, kill, zkill, kill descendants) runs under the
 * journal lock: the database is changed in an LMDB write transaction, the
 * record is built (with old values inside a transaction), the records are
 * appended to the journal, and only then do the databases commit (format.h
 * invariant 1).  Outside a transaction each update is its own commit.
 * jk_tstart() .. jk_tcommit() groups updates into one commit; levels nest,
 * and only the outermost commit commits.  The journal lock is held from the
 * outermost jk_tstart() to its jk_tcommit() / jk_trollback(), so keep
 * transactions short.
 *
 * Ownership: jk_open returns an owned handle (jk_close).  Database handles
 * from jk_db are borrowed from the instance and closed by jk_close.
 */
#ifndef JK_JK_H
#define JK_JK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "err.h"
#include "gref.h"
#include "inst.h"
#include "jrn/jrn.h"

struct jk;
struct bkp_gate;

/* Create an instance in dir and begin journaling to its first file. */
int jk_init(const char *dir, struct jk_err *err);
/* Open the instance in dir.  JK_ENOTFOUND when dir holds none. */
int jk_open(const char *dir, struct jk **out, struct jk_err *err);
/* Close: rolls back an open transaction, syncs per the commit mode, closes the databases. */
void jk_close(struct jk *j);
const struct jk_err *jk_err(const struct jk *j);
const struct inst_conf *jk_conf(const struct jk *j);
/* Canonical instance directory with a trailing '/'. */
const char *jk_dir(const struct jk *j);
struct jrn_writer *jk_writer(struct jk *j);

/* Mount a database (cached per instance; dir NULL = the default db/user/). */
int jk_db(struct jk *j, const char *dir, struct jk_db **db);
/* Dismount a database mounted with jk_db (no transaction may use it). */
void jk_db_release(struct jk *j, struct jk_db *db);

int jk_tstart(struct jk *j);
int jk_tcommit(struct jk *j);
int jk_trollback(struct jk *j);
/* Current transaction level, 0 outside. */
int jk_tlevel(const struct jk *j);

/* JK_ELIMIT for a value over JK_VAL_MAX: nothing is written. */
int jk_set(struct jk *j, struct jk_db *db, const struct jk_key *k, const uint8_t *v, size_t vn);
/* $INCREMENT; the new value goes to result (replaced) when result is not NULL. */
int jk_incr(struct jk *j, struct jk_db *db, const struct jk_key *k, const uint8_t *inc,
    size_t incn, struct buf *result);
int jk_kill(struct jk *j, struct jk_db *db, const struct jk_key *k, enum db_kill_mode mode);

/* Read a node outside any transaction of ours (or inside it: sees our own updates). */
int jk_get(struct jk *j, struct jk_db *db, const struct jk_key *k, struct buf *val);

/*
 * $ORDER / $QUERY through the instance: inside a transaction they see its
 * updates.  JK_ENOTFOUND at the end.
 */
int jk_order(struct jk *j, struct jk_db *db, const struct jk_key *k, int dir, struct jk_key *next);
int jk_query(struct jk *j, struct jk_db *db, const struct jk_key *k, int dir, struct jk_key *next);

/*
 * The instance's database list, state/databases: one line per database,
 * "mounted PATH" or "dismounted PATH".  jk_db refuses a dismounted one.
 * jk_db_register adds or changes a line (atomically).
 */
int jk_db_register(struct jk *j, const char *dir, bool mounted);
/* Lines of the list: *paths and *mounted owned by the caller (free each path, then the arrays). */
int jk_db_list(struct jk *j, char ***paths, bool **mounted, size_t *n);

/* Write a marker and make it durable; loc gets offset and path. */
int jk_mark(struct jk *j, int64_t id, const char *text, struct jk_loc *loc);
/*
 * A cluster-wide marker (clu.h).  m[0..n) are open members of one
 * cluster, in CSN order.  Takes every member's journal lock, then the
 * cluster lock -- so nobody in the cluster writes meanwhile --, takes one
 * sequence number, and writes the marker under it in the current journal
 * of every member that journals.  held(arg), when not NULL, runs while the
 * writes are held (a snapshot of the databases at the marker); its
 * nonzero return fails the call after the markers are written.  locs[i]
 * gets member i's marker place (offset 0 and path "" for a member that
 * does not journal).  The markers are synced before the return.
 * JK_ESTATE when no member journals or a member is in a transaction; the
 * reason in err.
 */
int jk_mark_cluster(struct jk **m, size_t n, int64_t id, const char *text,
    int (*held)(void *arg), void *arg, struct jk_loc *locs, struct jk_err *err);
/* Switch to a new journal file; old and new paths into the buffers (may be NULL). */
int jk_switch(struct jk *j, struct buf *from, struct buf *to);
int jk_start(struct jk *j);
int jk_stop(struct jk *j);
/* Flush the databases written in the current journal file and write a CHECKPOINT. */
int jk_checkpoint(struct jk *j);
int jk_status(struct jk *j, struct jrn_status *st);
/*
 * The gate of the backup write lock (bkp.h) this handle's updates honour,
 * opened at first use; borrowed (jk_close closes it).  NULL with jk_err
 * set when state/backup.lock cannot be opened.
 */
struct bkp_gate *jk_gate(struct jk *j);
/*
 * Take the journal lock once (a dead writer's partial records cut off, its
 * journaled commit redone), sync the journal, and give its end: where a
 * checkpoint of databases flushed now may say they are complete (file_id 0
 * when there is no journal file).  For the clean shutdown (rcv.h).
 */
int jk_sync_point(struct jk *j, struct jk_loc *end);

/*
 * Apply one update record to a database transaction: SET and INCR store the
 * value the record carries, the kills kill.  Used by redo, restore and
 * recovery.  Non-update records are ignored (0).
 */
int jk_apply_rec(struct db_txn *t, const struct jrn_rec *r, struct jk_err *err);
/* The same into a batch writer (db_batch_put / db_batch_kill): written, sorted, by its thread. */
int jk_batch_rec(struct db_batch *b, const struct jrn_rec *r, struct jk_err *err);

#endif
