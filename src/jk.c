/*
 * jk.c - the open instance and its update path; see jk.h.
 *
 * State of a transaction (level > 0):
 *
 *	- the journal lock is held;
 *	- each database touched has an LMDB write transaction open (txs[]);
 *	- the records so far are in tx (BT, updates with old values, nested
 *	  BT/CT); when tx grows past TX_FLUSH they are appended early: the
 *	  journal then holds a TBEGIN without TCOMMIT, which every reader
 *	  treats as a transaction that never committed, and a rollback
 *	  appends a TROLLBACK so it is explicit.
 *
 * The outermost commit appends tx with the busy word in phase 2, commits
 * every database, and clears the busy word.  A failure in a database
 * commit leaves the busy word set, so the next lock holder redoes the
 * transaction from the journal and the databases end up as it says.
 */
#include "jk.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bkp.h"
#include "clu.h"
#include "dblock.h"
#include "rcv.h"

#define TX_FLUSH	(4u << 20)
#define MAX_DBS		64

struct jkdb {
	struct jk_db *db;
	bool journaled;
	uint64_t dbid;
	uint32_t dbnum;		/* in the journal file of writer generation gen */
	uint64_t gen;		/* 0: not known */
	struct db_txn *txn;	/* open write transaction, or NULL */
	struct dblock *use;	/* restore.lock held shared since the first update */
	bool nolock;		/* restore.lock could not be opened: writes go on without it */
	bool listed;		/* in state/databases, so startup recovery knows it (rcv.h) */
};

struct jk {
	char dir[PATH_MAX];
	struct inst_conf conf;
	struct jrn_writer *w;
	struct clu *clu;	/* a cluster member: the cluster lock and sequence numbers (clu.h) */
	struct jkdb dbs[MAX_DBS];
	int ndbs;
	int tlevel;
	uint64_t txid;
	uint32_t nupd;		/* updates in the open transaction */
	bool tx_flushed;	/* part of it is in the journal already ... */
	uint64_t tx_first;	/* ... starting at this offset */
	bool locked;
	struct rcv_session *rs;	/* the instance lock and running flag (rcv.h); NULL inside a recovery */
	struct buf tx;		/* records not yet appended */
	struct buf scratch;
	pid_t pid;
	struct bkp_gate *gate;	/* backup write lock (bkp.h), opened at the first update */
	struct jk_err err;
};

/* ---- opening ------------------------------------------------------------ */

int
jk_init(const char *dir, struct jk_err *err)
{
	char def[PATH_MAX + 16];
	struct jk *j;
	int rc;

	if ((rc = inst_create(dir, err)) != 0)
		return rc;
	if ((rc = jk_open(dir, &j, err)) != 0)
		return rc;
	/* The default database is the instance's from the start (state/databases, rcv.h). */
	snprintf(def, sizeof def, "%sdb/user/", j->dir);
	if ((rc = jk_db_register(j, def, true)) == 0)
		rc = jk_start(j);
	if (rc != 0 && err != NULL)
		*err = j->err;
	jk_close(j);
	return rc;
}

/* The writer's cluster hooks (jrn_writer_set_cluster). */
static uint64_t
member_csi(void *arg)
{
	struct jk *j = arg;

	return clu_csi(j->clu);
}

static int
member_file_begun(void *arg, const char *path, struct jk_err *err)
{
	struct jk *j = arg;
	int rc;

	if ((rc = clu_log_append(j->clu, j->conf.csn, path)) != 0)
		*err = *clu_err(j->clu);
	return rc;
}

int
jk_open(const char *dir, struct jk **out, struct jk_err *err)
{
	struct jk *j;
	char *real;
	int rc;

	*out = NULL;
	if (!inst_exists(dir))
		return jk_errf(err, JK_ENOTFOUND, "no jrnkit instance in '%s' (no jrnkit.yaml)", dir);
	j = calloc(1, sizeof *j);
	if (j == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	real = realpath(dir, NULL);
	if (real == NULL) {
		free(j);
		return jk_errno(err, errno, "cannot resolve '%s'", dir);
	}
	snprintf(j->dir, sizeof j->dir, "%s%s", real, real[strlen(real) - 1] == '/' ? "" : "/");
	free(real);
	j->pid = getpid();
	if ((rc = inst_conf_load(j->dir, &j->conf, err)) != 0)
		goto out_free;
	if ((rc = jrn_writer_open(j->dir, &j->conf, &j->w, err)) != 0)
		goto out_free;
	if (j->conf.cluster_dir[0] != '\0' && j->conf.csn >= 0) {
		struct jrn_cluster cl;

		if ((rc = clu_open(j->conf.cluster_dir, j->conf.csn, &j->clu, err)) != 0) {
			jrn_writer_close(j->w);
			goto out_free;
		}
		cl.csn = (uint32_t)j->conf.csn;
		cl.arg = j;
		cl.csi = member_csi;
		cl.file_begun = member_file_begun;
		jrn_writer_set_cluster(j->w, &cl);
	}
	/* An instance not shut down cleanly is recovered here, before anything reads or writes. */
	if ((rc = rcv_session_open(j, &j->rs, err)) != 0) {
		clu_close(j->clu);
		jrn_writer_close(j->w);
		goto out_free;
	}
	*out = j;
	return 0;
out_free:
	free(j);
	return rc;
}

void
jk_close(struct jk *j)
{
	int i;

	if (j == NULL)
		return;
	if (j->tlevel > 0)
		jk_trollback(j);
	rcv_session_close(j->rs, j);
	j->rs = NULL;
	jrn_writer_close(j->w);
	clu_close(j->clu);
	for (i = 0; i < j->ndbs; i++) {
		db_close(j->dbs[i].db);
		dblock_close(j->dbs[i].use);
	}
	buf_release(&j->tx);
	buf_release(&j->scratch);
	bkp_gate_close(j->gate);
	free(j);
}

const struct jk_err *
jk_err(const struct jk *j)
{
	return &j->err;
}

const struct inst_conf *
jk_conf(const struct jk *j)
{
	return &j->conf;
}

const char *
jk_dir(const struct jk *j)
{
	return j->dir;
}

struct jrn_writer *
jk_writer(struct jk *j)
{
	return j->w;
}

static int
werr(struct jk *j, int rc)
{
	j->err = *jrn_writer_err(j->w);
	j->err.code = rc;
	return rc;
}

static int
dberr(struct jk *j, struct jk_db *db, int rc)
{
	j->err = *db_err(db);
	j->err.code = rc;
	return rc;
}

static int list_state(struct jk *j, const char *canon);

static struct jkdb *
find_db(struct jk *j, const struct jk_db *db)
{
	int i;

	for (i = 0; i < j->ndbs; i++)
		if (j->dbs[i].db == db)
			return &j->dbs[i];
	return NULL;
}

int
jk_db(struct jk *j, const char *dir, struct jk_db **out)
{
	char def[PATH_MAX + 16];
	struct buf canon = BUF_INIT;
	struct db_meta m;
	struct jkdb *d;
	int i, rc;

	if (dir == NULL) {
		snprintf(def, sizeof def, "%sdb/user/", j->dir);
		dir = def;
	}
	if ((rc = db_canon_path(dir, &canon, &j->err)) != 0) {
		if (rc == JK_EIO && j->err.sys_errno == ENOENT)
			rc = jk_errf(&j->err, JK_ENOTFOUND, "no database in '%s'", dir);
		goto out;
	}
	for (i = 0; i < j->ndbs; i++) {
		if (strcmp(db_path(j->dbs[i].db), buf_str(&canon)) == 0) {
			*out = j->dbs[i].db;
			goto out;
		}
	}
	if ((i = list_state(j, buf_str(&canon))) == 0) {
		rc = jk_errf(&j->err, JK_ESTATE, "database %s is dismounted (jrnkit db mount %s)",
		    buf_str(&canon), buf_str(&canon));
		goto out;
	}
	if (j->ndbs >= MAX_DBS) {
		rc = jk_errf(&j->err, JK_ELIMIT, "more than %d databases mounted at once", MAX_DBS);
		goto out;
	}
	d = &j->dbs[j->ndbs];
	memset(d, 0, sizeof *d);
	d->listed = i == 1;
	if ((rc = db_open(buf_str(&canon), 0, &d->db, &j->err)) != 0)
		goto out;
	if ((rc = db_meta_get(d->db, &m)) != 0) {
		dberr(j, d->db, rc);
		db_close(d->db);
		goto out;
	}
	d->journaled = m.journaled;
	d->dbid = m.id;
	j->ndbs++;
	*out = d->db;
out:
	buf_release(&canon);
	return rc;
}

void
jk_db_release(struct jk *j, struct jk_db *db)
{
	struct jkdb *d = find_db(j, db);

	if (d == NULL || d->txn != NULL)
		return;
	db_close(d->db);
	dblock_close(d->use);
	*d = j->dbs[--j->ndbs];
}

/* ---- applying records ---------------------------------------------------------- */

static const enum db_kill_mode kill_modes[] = {
	[JRN_KILL] = DB_KILL_TREE, [JRN_KILLDESC] = DB_KILL_DESC, [JRN_ZKILL] = DB_KILL_NODE,
};

int
jk_apply_rec(struct db_txn *t, const struct jrn_rec *r, struct jk_err *err)
{
	int rc = 0;

	switch (r->type) {
	case JRN_SET:
	case JRN_INCR:
		rc = db_put(t, r->key, r->keylen, r->val, r->vallen);
		break;
	case JRN_KILL:
	case JRN_KILLDESC:
	case JRN_ZKILL:
		rc = db_kill(t, r->key, r->keylen, kill_modes[r->type], NULL, NULL, NULL);
		break;
	default:
		return 0;
	}
	if (rc != 0 && err != NULL)
		*err = *db_err(db_txn_db(t));
	return rc;
}

int
jk_batch_rec(struct db_batch *b, const struct jrn_rec *r, struct jk_err *err)
{
	int rc = 0;

	switch (r->type) {
	case JRN_SET:
	case JRN_INCR:
		rc = db_batch_put(b, r->key, r->keylen, r->val, r->vallen);
		break;
	case JRN_KILL:
	case JRN_KILLDESC:
	case JRN_ZKILL:
		rc = db_batch_kill(b, r->key, r->keylen, kill_modes[r->type]);
		break;
	default:
		return 0;
	}
	if (rc != 0 && err != NULL)
		*err = *db_batch_err(b);
	return rc;
}

/*
 * A process died after appending a commit's records and perhaps before its
 * databases committed: apply those records again.  Updates in a
 * transaction count only when its TCOMMIT is there (it is, or the process
 * would have died in phase 1).
 */
static int
redo(struct jk *j, uint64_t from)
{
	struct jrn_reader *r;
	struct jrn_rec rec;
	const char **paths;
	const uint32_t *nums;
	struct jk_db *db;
	struct db_txn *t;
	size_t n, i;
	int rc;

	if ((rc = jrn_reader_open(jrn_writer_path(j->w), &r, &j->err)) != 0)
		return rc;
	jrn_reader_seek(r, from);
	n = jrn_writer_dbs(j->w, &paths, &nums);
	while ((rc = jrn_reader_next(r, &rec)) == 0 && rec.offset < jrn_writer_end(j->w)) {
		if (!jrn_type_is_update(rec.type))
			continue;
		for (i = 0; i < n && nums[i] != rec.dbnum; i++)
			;
		if (i == n) {
			rc = jk_errf(&j->err, JK_ECORRUPT, "record at offset %llu of %s names database %u, which is not mapped",
			    (unsigned long long)rec.offset, jrn_reader_path(r), rec.dbnum);
			break;
		}
		if ((rc = jk_db(j, paths[i], &db)) != 0)
			break;
		if ((rc = db_txn_begin(db, true, &t)) != 0) {
			dberr(j, db, rc);
			break;
		}
		if ((rc = jk_apply_rec(t, &rec, &j->err)) != 0) {
			db_txn_abort(t);
			break;
		}
		if ((rc = db_txn_commit(t)) != 0) {
			dberr(j, db, rc);
			break;
		}
	}
	if (rc > 0)
		rc = 0;
	else if (rc < 0 && j->err.code == 0)
		j->err = *jrn_reader_err(r);
	jrn_reader_close(r);
	return rc;
}

static int
cerr(struct jk *j, int rc)
{
	j->err = *clu_err(j->clu);
	j->err.code = rc;
	return rc;
}

static void
unlock(struct jk *j)
{
	if (!j->locked)
		return;
	if (j->clu != NULL)
		clu_unlock(j->clu);
	jrn_writer_unlock(j->w);
	j->locked = false;
}

/*
 * The journal lock is held: a member takes the cluster lock too (clu.h:
 * it orders the writes of every member), and a member that journals is
 * up (it joined while journaling, or its state was lost).
 */
static int
lock_cluster(struct jk *j)
{
	int rc;

	if (j->clu == NULL)
		return 0;
	if ((rc = clu_lock(j->clu)) != 0)
		return cerr(j, rc);
	if (jrn_writer_journaling(j->w) && !clu_member_up_now(j->clu, j->conf.csn) &&
	    (rc = clu_member_up(j->clu, j->conf.csn)) != 0)
		return cerr(j, rc);
	return 0;
}

/* Under the locks: re-apply what a writer that died inside a commit left (from != UINT64_MAX). */
static int
redo_pending(struct jk *j, uint64_t from)
{
	int rc;

	if (from == UINT64_MAX)
		return 0;
	if ((rc = redo(j, from)) != 0)
		return rc;
	jrn_writer_committed(j->w);
	return 0;
}

static int
lock(struct jk *j)
{
	uint64_t from;
	int rc;

	if (j->locked)
		return 0;
	/* Refused while startup errors are unresolved; the running flag made before the first write. */
	if ((rc = rcv_session_write(j->rs, &j->err)) != 0)
		return rc;
	if (jk_gate(j) == NULL)
		return j->err.code;
	/* While writes are locked for a backup, wait (bounded) without the journal lock (bkp.h). */
	for (;;) {
		if ((rc = jrn_writer_lock(j->w, &from)) != 0)
			return werr(j, rc);
		if (!bkp_gate_shut(j->gate))
			break;
		jrn_writer_unlock(j->w);
		if ((rc = bkp_gate_wait(j->gate, j->conf.lock_wait_ms, &j->err)) != 0)
			return rc;
	}
	j->locked = true;
	if ((rc = lock_cluster(j)) != 0 || (rc = redo_pending(j, from)) != 0) {
		unlock(j);
		return rc;
	}
	return 0;
}

/*
 * Append the records in tx: a member stamps them with sequence numbers
 * first (under the cluster lock), and gives the numbers back when the
 * append fails.  The error is on j.
 */
static int
append_tx(struct jk *j, bool commit_follows)
{
	uint64_t first = 0;
	int rc;

	if (j->clu != NULL && (rc = clu_stamp(j->clu, j->tx.data, j->tx.len, &first)) != 0)
		return cerr(j, rc);
	if ((rc = jrn_writer_append(j->w, j->tx.data, j->tx.len, commit_follows)) != 0) {
		if (j->clu != NULL)
			clu_unstamp(j->clu, first);
		return werr(j, rc);
	}
	return 0;
}

/* ---- transactions -------------------------------------------------------------- */

static void
abort_txns(struct jk *j)
{
	int i;

	for (i = 0; i < j->ndbs; i++) {
		if (j->dbs[i].txn != NULL) {
			db_txn_abort(j->dbs[i].txn);
			j->dbs[i].txn = NULL;
		}
	}
}

static struct jrn_rec
proto(struct jk *j, uint8_t type)
{
	struct jrn_rec r;

	memset(&r, 0, sizeof r);
	r.type = type;
	r.time_us = jrn_now_us();
	r.pid = (uint32_t)j->pid;
	r.tlevel = (uint8_t)(j->tlevel > 255 ? 255 : j->tlevel);
	r.txid = j->txid;
	return r;
}

static int
add_simple(struct jk *j, uint8_t type, uint32_t count)
{
	struct jrn_rec r = proto(j, type);
	size_t st;
	int rc;

	if ((rc = jrn_rec_begin(&j->tx, &r, &st)) != 0 ||
	    (type == JRN_TCOMMIT && (rc = jrn_put_u32(&j->tx, count)) != 0) ||
	    (rc = jrn_rec_end(&j->tx, st)) != 0)
		return jk_errf(&j->err, rc, "cannot build a %s record", jrn_type_name(type));
	return 0;
}

int
jk_tlevel(const struct jk *j)
{
	return j->tlevel;
}

int
jk_tstart(struct jk *j)
{
	int rc;

	if (j->tlevel == 0) {
		if ((rc = lock(j)) != 0)
			return rc;
		buf_reset(&j->tx);
		j->txid = jrn_writer_txid(j->w);
		j->nupd = 0;
		j->tx_flushed = false;
	} else if (j->tlevel >= 127) {
		return jk_errf(&j->err, JK_ELIMIT, "transaction level %d is the deepest allowed", j->tlevel);
	}
	j->tlevel++;
	return add_simple(j, JRN_TBEGIN, 0);
}

/* Commit every open database transaction; the records are in the journal. */
static int
commit_txns(struct jk *j)
{
	int i, rc = 0;

	for (i = 0; i < j->ndbs; i++) {
		struct jkdb *d = &j->dbs[i];

		if (d->txn == NULL)
			continue;
		if (rc == 0) {
			rc = db_txn_commit(d->txn);
			if (rc != 0)
				dberr(j, d->db, rc);
		} else {
			db_txn_abort(d->txn);
		}
		d->txn = NULL;
	}
	return rc;
}

static int maybe_checkpoint(struct jk *j);

/* Append what tx holds, commit, release: the outermost commit or an implicit one. */
static int
finish(struct jk *j)
{
	bool journaled = j->tx.len > 0 && jrn_writer_journaling(j->w);
	int rc;

	if (journaled) {
		rc = append_tx(j, true);
		if (rc != 0) {
			abort_txns(j);
			goto out;
		}
		if (j->tx_flushed)
			jrn_writer_redo_from(j->w, j->tx_first);
	}
	rc = commit_txns(j);
	if (rc != 0) {
		/* The journal has it: leave the busy word set so the next lock holder redoes it. */
		char m[JK_ERR_MSG_MAX];

		snprintf(m, sizeof m, "%s", j->err.msg);
		jk_errf(&j->err, rc, "%s; the journal holds the commit, and the next writer re-applies it", m);
		goto out;
	}
	if (journaled)
		jrn_writer_committed(j->w);
	rc = maybe_checkpoint(j);
out:
	buf_reset(&j->tx);
	unlock(j);
	if (rc == 0 && journaled && (rc = jrn_writer_sync(j->w, false)) != 0)
		werr(j, rc);
	return rc;
}

int
jk_tcommit(struct jk *j)
{
	int rc;

	if (j->tlevel == 0)
		return jk_errf(&j->err, JK_ESTATE, "no transaction to commit");
	if ((rc = add_simple(j, JRN_TCOMMIT, j->nupd)) != 0)
		return rc;
	if (--j->tlevel > 0)
		return 0;
	return finish(j);
}

int
jk_trollback(struct jk *j)
{
	int rc = 0;

	if (j->tlevel == 0)
		return jk_errf(&j->err, JK_ESTATE, "no transaction to roll back");
	abort_txns(j);
	buf_reset(&j->tx);
	if (j->tx_flushed && jrn_writer_journaling(j->w)) {
		/* Part of it is in the journal: say plainly that it never committed. */
		j->tlevel = 1;
		if ((rc = add_simple(j, JRN_TROLLBACK, 0)) == 0)
			rc = append_tx(j, false);
		buf_reset(&j->tx);
	}
	j->tlevel = 0;
	unlock(j);
	return rc;
}

/* ---- updates ---------------------------------------------------------------------- */

/*
 * Common front of an update: lock (implicit transaction outside one), the
 * database's write transaction, and the record prototype with the database
 * number of the current journal file.  *jr says whether to journal it.
 */
static int
begin_update(struct jk *j, struct jk_db *db, uint8_t type, struct jkdb **dp,
    struct jrn_rec *r, bool *jr)
{
	struct jkdb *d = find_db(j, db);
	int rc;

	if (d == NULL)
		return jk_errf(&j->err, JK_EUSAGE, "database %s is not mounted in this instance", db_path(db));
	if (d->use == NULL && !d->nolock) {
		/* A database being restored is not written (dblock.h). */
		struct jk_err e;

		rc = dblock_open(db_path(db), false, &d->use, &e);
		if (rc == JK_ELOCKED) {
			j->err = e;
			return rc;
		}
		d->nolock = rc != 0;
	}
	if (j->tlevel == 0) {
		if ((rc = lock(j)) != 0)
			return rc;
		buf_reset(&j->tx);
		j->txid = 0;
	}
	if (!d->listed) {
		/* A database written through the instance is one recovery looks after. */
		if ((rc = jk_db_register(j, db_path(db), true)) != 0)
			goto fail;
		d->listed = true;
	}
	if (d->txn == NULL && (rc = db_txn_begin(db, true, &d->txn)) != 0) {
		dberr(j, db, rc);
		goto fail;
	}
	*r = proto(j, type);
	*jr = d->journaled && jrn_writer_journaling(j->w);
	if (*jr) {
		if (d->gen == 0 || d->gen != jrn_writer_generation(j->w)) {
			rc = jrn_writer_dbnum(j->w, db_path(db), d->dbid, &d->dbnum);
			if (rc != 0) {
				werr(j, rc);
				goto fail;
			}
			d->gen = jrn_writer_generation(j->w);
		}
		r->dbnum = d->dbnum;
		if (j->tlevel > 0)
			r->flags |= JRN_F_TX | JRN_F_OLD;
	}
	*dp = d;
	return 0;
fail:
	if (j->tlevel == 0) {
		abort_txns(j);
		unlock(j);
	}
	return rc;
}

/* Back end of an update: count it, flush a big transaction, or commit an implicit one. */
static int
end_update(struct jk *j, int rc)
{
	if (rc != 0) {
		if (j->tlevel == 0) {
			abort_txns(j);
			buf_reset(&j->tx);
			unlock(j);
		}
		return rc;
	}
	if (j->tlevel == 0)
		return finish(j);
	j->nupd++;
	if (j->tx.len >= TX_FLUSH && jrn_writer_journaling(j->w)) {
		if (!j->tx_flushed)
			j->tx_first = jrn_writer_end(j->w);
		if ((rc = append_tx(j, false)) != 0)
			return rc;
		j->tx_flushed = true;
		buf_reset(&j->tx);
	}
	return 0;
}

static int
build_fail(struct jk *j, int rc)
{
	return jk_errf(&j->err, rc, "cannot build a journal record: %s", jk_strerror(rc));
}

static int
put_value(struct jk *j, struct jkdb *d, const struct jk_key *k, const uint8_t *v, size_t vn,
    const uint8_t *inc, size_t incn, uint8_t type, struct jrn_rec *r, bool jr)
{
	const uint8_t *old = NULL;
	size_t oldn = 0, st;
	int rc, had;

	if (jr && (r->flags & JRN_F_OLD)) {
		rc = db_get(d->txn, k->b, k->len, &old, &oldn);
		if (rc != 0 && rc != JK_ENOTFOUND)
			return dberr(j, d->db, rc);
		had = rc == 0;
		/* old points into the database; copy it before the put changes the page */
		buf_reset(&j->scratch);
		if (had && buf_add(&j->scratch, old, oldn) != 0)
			return jk_errf(&j->err, JK_ENOMEM, "out of memory");
		if ((rc = jrn_rec_begin(&j->tx, r, &st)) != 0 ||
		    (rc = jrn_put_key(&j->tx, k->b, k->len)) != 0 ||
		    (type == JRN_INCR && (rc = jrn_put_val(&j->tx, inc, incn)) != 0) ||
		    (rc = jrn_put_val(&j->tx, v, vn)) != 0 ||
		    (rc = jrn_put_u8(&j->tx, (uint8_t)had)) != 0 ||
		    (rc = jrn_put_val(&j->tx, j->scratch.data, had ? oldn : 0)) != 0 ||
		    (rc = jrn_rec_end(&j->tx, st)) != 0)
			return build_fail(j, rc);
	} else if (jr) {
		if ((rc = jrn_rec_begin(&j->tx, r, &st)) != 0 ||
		    (rc = jrn_put_key(&j->tx, k->b, k->len)) != 0 ||
		    (type == JRN_INCR && (rc = jrn_put_val(&j->tx, inc, incn)) != 0) ||
		    (rc = jrn_put_val(&j->tx, v, vn)) != 0 ||
		    (rc = jrn_rec_end(&j->tx, st)) != 0)
			return build_fail(j, rc);
	}
	if ((rc = db_put(d->txn, k->b, k->len, v, vn)) != 0)
		return dberr(j, d->db, rc);
	return 0;
}

int
jk_set(struct jk *j, struct jk_db *db, const struct jk_key *k, const uint8_t *v, size_t vn)
{
	struct jkdb *d;
	struct jrn_rec r;
	size_t mark;
	bool jr;
	int rc;

	if (vn > JK_VAL_MAX)
		return jk_errf(&j->err, JK_ELIMIT, "value of %zu bytes is over the limit of %u bytes; nothing written",
		    vn, JK_VAL_MAX);
	if (k->len > JK_KEY_MAX)
		return jk_errf(&j->err, JK_ELIMIT, "key of %zu bytes is over the limit of %d bytes; nothing written",
		    k->len, JK_KEY_MAX);
	if ((rc = begin_update(j, db, JRN_SET, &d, &r, &jr)) != 0)
		return rc;
	mark = j->tx.len;
	rc = put_value(j, d, k, v, vn, NULL, 0, JRN_SET, &r, jr);
	if (rc != 0)
		j->tx.len = mark;	/* in a transaction, drop the half-built record */
	return end_update(j, rc);
}

int
jk_incr(struct jk *j, struct jk_db *db, const struct jk_key *k, const uint8_t *inc,
    size_t incn, struct buf *result)
{
	struct jkdb *d;
	struct jrn_rec r;
	struct buf sum = BUF_INIT, cur = BUF_INIT;
	const uint8_t *v;
	size_t vn, mark;
	bool jr;
	int rc;

	if ((rc = begin_update(j, db, JRN_INCR, &d, &r, &jr)) != 0)
		return rc;
	mark = j->tx.len;
	rc = db_get(d->txn, k->b, k->len, &v, &vn);
	if (rc == JK_ENOTFOUND) {
		v = (const uint8_t *)"";
		vn = 0;
		rc = 0;
	}
	if (rc != 0) {
		dberr(j, db, rc);
	} else if (buf_add(&cur, v, vn) != 0) {
		rc = jk_errf(&j->err, JK_ENOMEM, "out of memory");
	} else if ((rc = m_incr(cur.data ? cur.data : (const uint8_t *)"", cur.len, inc, incn, &sum, &j->err)) == 0) {
		rc = put_value(j, d, k, sum.data, sum.len, inc, incn, JRN_INCR, &r, jr);
		if (rc == 0 && result != NULL) {
			buf_reset(result);
			if (buf_add(result, sum.data, sum.len) != 0)
				rc = jk_errf(&j->err, JK_ENOMEM, "out of memory");
		}
	}
	if (rc != 0)
		j->tx.len = mark;
	buf_release(&sum);
	buf_release(&cur);
	return end_update(j, rc);
}

struct kill_ctx {
	struct jk *j;
	uint32_t n;
	int rc;
};

static int
kill_old(void *arg, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
	struct kill_ctx *c = arg;
	int rc;

	if ((rc = jrn_put_key(&c->j->tx, k, kn)) != 0 || (rc = jrn_put_val(&c->j->tx, v, vn)) != 0)
		return c->rc = rc;
	c->n++;
	return 0;
}

int
jk_kill(struct jk *j, struct jk_db *db, const struct jk_key *k, enum db_kill_mode mode)
{
	static const uint8_t types[] = { JRN_KILL, JRN_ZKILL, JRN_KILLDESC };
	struct kill_ctx c = { j, 0, 0 };
	struct jkdb *d;
	struct jrn_rec r;
	size_t st = 0, cnt_at = 0, mark;
	bool jr, old;
	int rc;

	if ((unsigned)mode > DB_KILL_DESC)
		return jk_errf(&j->err, JK_EUSAGE, "bad kill mode %d", (int)mode);
	if ((rc = begin_update(j, db, types[mode], &d, &r, &jr)) != 0)
		return rc;
	mark = j->tx.len;
	old = jr && (r.flags & JRN_F_OLD);
	if (jr) {
		if ((rc = jrn_rec_begin(&j->tx, &r, &st)) != 0 ||
		    (rc = jrn_put_key(&j->tx, k->b, k->len)) != 0) {
			rc = build_fail(j, rc);
			goto out;
		}
		cnt_at = j->tx.len;
		if (old && (rc = jrn_put_u32(&j->tx, 0)) != 0) {
			rc = build_fail(j, rc);
			goto out;
		}
	}
	rc = db_kill(d->txn, k->b, k->len, mode, old ? kill_old : NULL, &c, NULL);
	if (rc != 0) {
		if (c.rc != 0)
			rc = build_fail(j, c.rc);
		else
			dberr(j, db, rc);
		goto out;
	}
	if (jr) {
		if (old) {
			uint8_t *p = j->tx.data + cnt_at;

			p[0] = (uint8_t)c.n;
			p[1] = (uint8_t)(c.n >> 8);
			p[2] = (uint8_t)(c.n >> 16);
			p[3] = (uint8_t)(c.n >> 24);
		}
		if ((rc = jrn_rec_end(&j->tx, st)) != 0)
			rc = build_fail(j, rc);
	}
out:
	if (rc != 0)
		j->tx.len = mark;
	return end_update(j, rc);
}

int
jk_get(struct jk *j, struct jk_db *db, const struct jk_key *k, struct buf *val)
{
	struct jkdb *d = find_db(j, db);
	struct db_txn *t;
	const uint8_t *v;
	size_t vn;
	int rc;

	if (d == NULL)
		return jk_errf(&j->err, JK_EUSAGE, "database %s is not mounted in this instance", db_path(db));
	if (d->txn != NULL) {
		t = d->txn;
	} else if ((rc = db_txn_begin(db, false, &t)) != 0) {
		return dberr(j, db, rc);
	}
	rc = db_get(t, k->b, k->len, &v, &vn);
	if (rc == 0) {
		buf_reset(val);
		if (buf_add(val, v, vn) != 0)
			rc = jk_errf(&j->err, JK_ENOMEM, "out of memory");
	} else if (rc != JK_ENOTFOUND) {
		dberr(j, db, rc);
	}
	if (t != d->txn)
		db_txn_abort(t);
	return rc;
}

static int
walk(struct jk *j, struct jk_db *db, const struct jk_key *k, int dir, struct jk_key *next, bool query)
{
	struct jkdb *d = find_db(j, db);
	struct db_txn *t;
	int rc;

	if (d == NULL)
		return jk_errf(&j->err, JK_EUSAGE, "database %s is not mounted in this instance", db_path(db));
	if (d->txn != NULL)
		t = d->txn;
	else if ((rc = db_txn_begin(db, false, &t)) != 0)
		return dberr(j, db, rc);
	rc = query ? db_query(t, k->b, k->len, dir, next) : db_order(t, k->b, k->len, dir, next);
	if (rc != 0 && rc != JK_ENOTFOUND)
		dberr(j, db, rc);
	if (t != d->txn)
		db_txn_abort(t);
	return rc;
}

int
jk_order(struct jk *j, struct jk_db *db, const struct jk_key *k, int dir, struct jk_key *next)
{
	return walk(j, db, k, dir, next, false);
}

int
jk_query(struct jk *j, struct jk_db *db, const struct jk_key *k, int dir, struct jk_key *next)
{
	return walk(j, db, k, dir, next, true);
}

/* ---- the database list -------------------------------------------------------------- */

int
jk_db_list(struct jk *j, char ***paths, bool **mounted, size_t *n)
{
	char path[PATH_MAX + 32], *line = NULL;
	size_t cap = 0, k = 0, alloc = 0;
	ssize_t len;
	FILE *f;
	char **p = NULL, **np;
	bool *m = NULL, *nm;
	int rc = 0;

	*paths = NULL;
	*mounted = NULL;
	*n = 0;
	snprintf(path, sizeof path, "%sstate/databases", j->dir);
	f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? 0 : jk_errno(&j->err, errno, "cannot read '%s'", path);
	while ((len = getline(&line, &cap, f)) > 0) {
		bool mt;
		char *sp;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		sp = strchr(line, ' ');
		if (sp == NULL)
			continue;
		*sp = '\0';
		if (strcmp(line, "mounted") == 0)
			mt = true;
		else if (strcmp(line, "dismounted") == 0)
			mt = false;
		else
			continue;
		if (k == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			np = realloc(p, alloc * sizeof *p);
			if (np != NULL)
				p = np;
			nm = realloc(m, alloc * sizeof *m);
			if (nm != NULL)
				m = nm;
			if (np == NULL || nm == NULL) {
				rc = jk_errf(&j->err, JK_ENOMEM, "out of memory");
				break;
			}
		}
		if ((p[k] = strdup(sp + 1)) == NULL) {
			rc = jk_errf(&j->err, JK_ENOMEM, "out of memory");
			break;
		}
		m[k++] = mt;
	}
	free(line);
	fclose(f);
	*paths = p;
	*mounted = m;
	*n = k;
	return rc;
}

int
jk_db_register(struct jk *j, const char *dir, bool mounted)
{
	struct buf canon = BUF_INIT, out = BUF_INIT;
	char path[PATH_MAX + 32], **paths;
	bool *mt, found = false;
	size_t n, i;
	int rc;

	if ((rc = db_canon_path(dir, &canon, &j->err)) != 0)
		return rc;
	if ((rc = jk_db_list(j, &paths, &mt, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(paths[i], buf_str(&canon)) == 0) {
			mt[i] = mounted;
			found = true;
		}
		buf_addf(&out, "%s %s\n", mt[i] ? "mounted" : "dismounted", paths[i]);
		free(paths[i]);
	}
	free(paths);
	free(mt);
	if (!found)
		buf_addf(&out, "%s %s\n", mounted ? "mounted" : "dismounted", buf_str(&canon));
	snprintf(path, sizeof path, "%sstate/databases", j->dir);
	rc = jk_write_file_atomic(path, out.data, out.len, &j->err);
out:
	buf_release(&canon);
	buf_release(&out);
	return rc;
}

/* What the list says of the database at canonical path: 1 mounted, 0 dismounted, -1 not in it. */
static int
list_state(struct jk *j, const char *canon)
{
	char **paths;
	bool *mt;
	size_t n, i;
	int r = -1;

	if (jk_db_list(j, &paths, &mt, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(paths[i], canon) == 0)
			r = mt[i];
		free(paths[i]);
	}
	free(paths);
	free(mt);
	return r;
}

/* ---- journal operations ---------------------------------------------------------- */

static int
in_tx_refuse(struct jk *j, const char *what)
{
	return jk_errf(&j->err, JK_ESTATE, "cannot %s inside a transaction", what);
}

/* Under the locks: write a marker; a member's takes a sequence number unless seq is given. */
static int
mark_locked(struct jk *j, int64_t id, const char *text, uint64_t seq, struct jk_loc *loc)
{
	bool took = false;
	int rc;

	if (j->clu != NULL && seq == 0 && jrn_writer_journaling(j->w)) {
		if ((rc = clu_seq_take(j->clu, 1, &seq)) != 0)
			return cerr(j, rc);
		took = true;
	}
	if ((rc = jrn_writer_mark_seq(j->w, id, text, seq, loc)) != 0) {
		if (took)
			clu_unstamp(j->clu, seq);
		return werr(j, rc);
	}
	return 0;
}

int
jk_mark(struct jk *j, int64_t id, const char *text, struct jk_loc *loc)
{
	int rc;

	if (j->tlevel > 0)
		return in_tx_refuse(j, "set a marker");
	if ((rc = lock(j)) != 0)
		return rc;
	rc = mark_locked(j, id, text, 0, loc);
	unlock(j);
	if (rc == 0 && (rc = jrn_writer_sync(j->w, true)) != 0)
		werr(j, rc);
	return rc;
}

int
jk_mark_cluster(struct jk **m, size_t n, int64_t id, const char *text,
    int (*held)(void *arg), void *arg, struct jk_loc *locs, struct jk_err *err)
{
	uint64_t from[CLU_MAX_MEMBERS], seq = 0;
	size_t i, k = 0, up = 0;
	int rc = 0;

	if (n == 0 || n > CLU_MAX_MEMBERS)
		return jk_errf(err, JK_EUSAGE, "a cluster marker needs 1 to %d members, not %zu",
		    CLU_MAX_MEMBERS, n);
	for (i = 0; i < n; i++) {
		if (m[i]->clu == NULL || strcmp(clu_dir(m[i]->clu), clu_dir(m[0]->clu)) != 0)
			return jk_errf(err, JK_EUSAGE, "instance %s is not a member of the cluster in %s",
			    m[i]->dir, m[0]->clu != NULL ? clu_dir(m[0]->clu) : m[0]->conf.cluster_dir);
		if (i > 0 && m[i]->conf.csn <= m[i - 1]->conf.csn)
			return jk_errf(err, JK_EUSAGE, "cluster members must be given in member number order");
		if (m[i]->tlevel > 0)
			return jk_errf(err, JK_ESTATE, "cannot set a cluster marker: member %d is in a transaction",
			    m[i]->conf.csn);
		memset(&locs[i], 0, sizeof locs[i]);
	}
	/* Lock order (clu.h): every journal lock by member number, then the cluster lock. */
	for (k = 0; k < n; k++) {
		if ((rc = jrn_writer_lock(m[k]->w, &from[k])) != 0) {
			werr(m[k], rc);
			*err = m[k]->err;
			goto out;
		}
		m[k]->locked = true;
	}
	if ((rc = clu_lock(m[0]->clu)) != 0) {
		*err = *clu_err(m[0]->clu);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((rc = redo_pending(m[i], from[i])) != 0) {
			*err = m[i]->err;
			goto out;
		}
		up += jrn_writer_journaling(m[i]->w);
	}
	if (up == 0) {
		rc = jk_errf(err, JK_ESTATE, "no member of the cluster in %s is journaling", clu_dir(m[0]->clu));
		goto out;
	}
	if ((rc = clu_seq_take(m[0]->clu, 1, &seq)) != 0) {
		*err = *clu_err(m[0]->clu);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!jrn_writer_journaling(m[i]->w))
			continue;
		if ((rc = mark_locked(m[i], id, text, seq, &locs[i])) != 0) {
			*err = m[i]->err;
			goto out;
		}
	}
	if (held != NULL && held(arg) != 0)
		rc = jk_errf(err, JK_EUSAGE, "the markers are written, but what ran while writes were held failed");
out:
	/* k journal locks are held; m[0] holds the cluster lock, and unlock lets it go. */
	while (k > 0)
		unlock(m[--k]);
	/* Whatever failed after they were written, the markers written are made durable. */
	for (i = 0; i < n; i++) {
		int e;

		if (locs[i].path[0] != '\0' && (e = jrn_writer_sync(m[i]->w, true)) != 0 && rc == 0) {
			rc = werr(m[i], e);
			*err = m[i]->err;
		}
	}
	return rc;
}

int
jk_switch(struct jk *j, struct buf *from, struct buf *to)
{
	int rc;

	if (j->tlevel > 0)
		return in_tx_refuse(j, "switch the journal");
	if ((rc = lock(j)) != 0)
		return rc;
	if (!jrn_writer_journaling(j->w)) {
		rc = jk_errf(&j->err, JK_ESTATE, "Not journaling now.");
		goto out;
	}
	if (from != NULL) {
		buf_reset(from);
		buf_adds(from, jrn_writer_path(j->w));
	}
	if ((rc = jrn_writer_switch(j->w, false)) != 0) {
		werr(j, rc);
		goto out;
	}
	if (to != NULL) {
		buf_reset(to);
		buf_adds(to, jrn_writer_path(j->w));
	}
out:
	unlock(j);
	return rc;
}

int
jk_start(struct jk *j)
{
	int rc;

	if ((rc = lock(j)) != 0)
		return rc;
	/* A member comes up before its first file, which carries the session that makes. */
	if (j->clu != NULL && !jrn_writer_journaling(j->w) &&
	    (rc = clu_member_up(j->clu, j->conf.csn)) != 0)
		cerr(j, rc);
	else if ((rc = jrn_writer_start(j->w)) != 0)
		werr(j, rc);
	unlock(j);
	return rc;
}

int
jk_stop(struct jk *j)
{
	int rc;

	if (j->tlevel > 0)
		return in_tx_refuse(j, "stop journaling");
	if ((rc = lock(j)) != 0)
		return rc;
	if ((rc = jrn_writer_stop(j->w)) != 0)
		werr(j, rc);
	else if (j->clu != NULL && (rc = clu_member_down(j->clu, j->conf.csn)) != 0)
		cerr(j, rc);
	unlock(j);
	return rc;
}

/*
 * Under the lock: every database of the current journal file is flushed,
 * told (in its meta) that everything before the checkpoint's place is in
 * it, and then the CHECKPOINT record goes at that place.  A database that
 * cannot be opened is left out of the record (its older checkpoint stands).
 */
static int
checkpoint_locked(struct jk *j)
{
	const char **paths;
	const uint32_t *nums;
	uint32_t done[64];
	struct jk_loc loc;
	struct db_meta m;
	struct jk_db *db;
	size_t n, i;
	uint32_t nd = 0;
	int rc;

	if (!jrn_writer_journaling(j->w))
		return 0;
	n = jrn_writer_dbs(j->w, &paths, &nums);
	loc.file_id = jrn_writer_file_id(j->w);
	loc.offset = jrn_writer_end(j->w);
	snprintf(loc.path, sizeof loc.path, "%s", jrn_writer_path(j->w));
	for (i = 0; i < n && nd < 64; i++) {
		if (jk_db(j, paths[i], &db) != 0)
			continue;
		if (db_meta_get(db, &m) != 0)
			continue;
		m.ckpt = loc;
		if ((rc = db_meta_set(db, &m)) != 0 || (rc = db_sync(db)) != 0)
			return dberr(j, db, rc);
		done[nd++] = nums[i];
	}
	if ((rc = jrn_writer_checkpoint(j->w, done, nd, NULL)) != 0)
		return werr(j, rc);
	return 0;
}

static int
maybe_checkpoint(struct jk *j)
{
	if (!jrn_writer_checkpoint_due(j->w))
		return 0;
	return checkpoint_locked(j);
}

int
jk_checkpoint(struct jk *j)
{
	int rc;

	if (j->tlevel > 0)
		return in_tx_refuse(j, "checkpoint");
	if ((rc = lock(j)) != 0)
		return rc;
	rc = checkpoint_locked(j);
	unlock(j);
	return rc;
}

struct bkp_gate *
jk_gate(struct jk *j)
{
	if (j->gate == NULL && bkp_gate_open(j->dir, &j->gate, &j->err) != 0)
		return NULL;
	return j->gate;
}

int
jk_status(struct jk *j, struct jrn_status *st)
{
	int rc;

	if ((rc = jrn_writer_status(j->w, st)) != 0)
		return werr(j, rc);
	return 0;
}

int
jk_sync_point(struct jk *j, struct jk_loc *end)
{
	int rc;

	memset(end, 0, sizeof *end);
	if (j->tlevel > 0)
		return in_tx_refuse(j, "take a sync point");
	if ((rc = lock(j)) != 0)
		return rc;
	if (jrn_writer_path(j->w)[0] != '\0') {
		end->file_id = jrn_writer_file_id(j->w);
		end->offset = jrn_writer_end(j->w);
		snprintf(end->path, sizeof end->path, "%s", jrn_writer_path(j->w));
	}
	unlock(j);
	if ((rc = jrn_writer_sync(j->w, true)) != 0)
		werr(j, rc);
	return rc;
}
