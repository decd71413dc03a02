/*
 * rst.c - running a restore plan; rst.h says what it does, this file how.
 *
 * A run is one or more PASSES over the stream of records.  A pass reads
 * the files from a place `from` (it always reads a file from its first
 * record, so that the file's database maps are known, and ignores the
 * records before `from`), keeps the state of the transaction being read,
 * and applies journal UNITS: an update outside a transaction, or a whole
 * transaction at its commit.  State of a pass:
 *
 *	reading ---TBEGIN---> in transaction ---TCOMMIT(1)---> apply it, reading
 *	   ^                    |   |
 *	   |                    |   +--TROLLBACK--> forget it, reading
 *	   +---a record not of--+
 *	       that transaction, the file's end or damage, the range's end:
 *	       incomplete -> listed, applied unless rollback
 *
 * A transaction is applied by reading its records again from its first
 * one (a second reader on the same file), so nothing is buffered.
 *
 * BATCHES (without journaling the updates): every target has a batch
 * writer (db_batch_*, a thread that sorts and writes a batch while the
 * next one is read); after RST_BATCH updates, between units, every
 * target's batch is handed over for commit, and `batch_from` moves to the
 * next record.  The outcome of a target's commit is known at its next
 * hand-over or when the engine waits for its writer (drain): until then
 * its applied counts are "in flight".  Invariants:
 *
 *	1. Every target holds exactly the units before batch_from plus,
 *	   uncommitted, those from batch_from to the current place, once its
 *	   writer is drained; a target whose commit failed is marked, and
 *	   the restore record goes back to where its lost batch began.
 *	2. batch_from is never inside a journal transaction.
 *	3. Counts per source database are split the same way (committed /
 *	   pending), and so is the list of incomplete transactions.
 *
 * A DATABASE ERROR in unit U (at place u) rewinds: every open LMDB
 * transaction is aborted (invariant 1: the targets are back at
 * batch_from), a replay pass applies batch_from..u again, all commit, and
 * the failing target is marked.  RST_ABORT stops at u; RST_CONTINUE starts
 * a new pass at u, which applies U without the failed target.  With
 * journaled updates every unit is its own instance transaction, so a
 * failure rolls back just that unit and the same two choices follow.
 *
 * "Started" latches (rst.h): a pass records whether the start point had
 * been passed at batch_from, so a replay from there decides the same way.
 */
#include "rst.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clu.h"
#include "db.h"
#include "dblock.h"
#include "gref.h"
#include "inst.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "rst_int.h"

#define TICK_RECORDS	64		/* look at the clock this often */
#define REPORT_NS	100000000ull	/* progress at most every 100 ms */

/* A source database, as the journal names it. */
struct src {
	char *path;
	int entry;		/* index in plan->dbs, -1 with plan->all or when not selected */
	int tgt;		/* index in e->tgts, -1: not selected */
	uint64_t applied, filtered, skipped;		/* committed */
	uint64_t p_applied, p_filtered, p_skipped;	/* in the open batch */
	uint64_t f_applied;		/* in a batch its target's writer thread is committing */
	char name[GREF_NAME_MAX + 1];	/* the last global name looked at ... */
	size_t namelen;
	bool name_sel;			/* ... and whether it is selected */
};

/* A database written. */
struct tgt {
	char *path;
	struct jk_db *db;	/* own (db_open), or borrowed from the instance when journaled */
	struct db_batch *bw;	/* writes the batches (without journaling) */
	bool dirty;		/* updates in the open batch */
	bool inflight;		/* a batch handed to bw for commit, outcome not known yet ... */
	struct rst_pos flight_from;	/* ... which began here */
	struct dblock *lock;
	bool ready;
	int error;		/* updates stopped by this error */
	char *errmsg;
};

struct mapent {
	uint32_t num;
	int src;
	size_t fi;		/* the file that defines it (a cluster's files interleave) */
};

/* The transaction being read. */
struct txscan {
	bool active;
	uint64_t txid;
	uint32_t pid;
	struct rst_pos begin;
	uint64_t end_off;	/* just after its last record read (in begin's file) */
	uint64_t nupd;
	int *srcs;		/* sources it updates */
	size_t nsrcs, cap;
};

struct pass {
	struct rst_pos from;
	struct rst_pos until;	/* replay: stop before the unit here */
	bool replay;
	bool started;
	struct jrn_chain *c;
	struct clu_merge *m;	/* a cluster plan: the members' files merged, instead of c */
	uint64_t ord;		/* ... and the number of the record read in that stream */
	size_t base;		/* plan file index of the chain's first file */
	size_t fi;		/* file of the last record, SIZE_MAX before the first */
	struct rst_pos last_end;	/* just after the last record read */
	struct mapent *map;
	size_t nmap, mapcap;
	struct jrn_reader *rr;	/* re-reads transactions in file rr_fi */
	size_t rr_fi;
	/* a merged stream goes from member to member: each member's reader is kept */
	struct jrn_reader *park[CLU_MAX_MEMBERS];
	size_t park_fi[CLU_MAX_MEMBERS];
	struct txscan tx;
};

enum outcome {
	P_END,		/* the end of the files */
	P_STOP,		/* the stop point */
	P_UNTIL,	/* a replay reached its end */
	P_INTERRUPTED,	/* the stop hook */
	P_DBERR,	/* a database error, dealt with; see e->fail_* */
	P_JRNERR,	/* a journal error and RST_ABORT */
	P_FATAL,	/* anything else: e->res->err says */
};

/* A pass's internal return: a database error in the unit at e->fail_pos. */
#define DBERR	1

struct eng {
	const struct rst_plan *p;
	const struct rst_hooks *h;
	struct rst_result *res;
	struct rst_bound start, stop;
	uint64_t *before;	/* bytes in the files before file i */
	uint64_t total;
	struct src *srcs;
	size_t nsrcs;
	struct tgt *tgts;
	size_t ntgts;
	struct jk *j;		/* the instance, when journaling the updates */
	bool journaled, dry;
	uint64_t pending;	/* updates in the open batch */
	uint64_t pending_bytes;	/* their keys and values */
	struct rst_pos batch_from;
	bool batch_started;
	size_t batch_ninc;
	struct rst_pos hw;	/* records up to here are counted */
	bool hw_set;
	struct rst_pos next;	/* where the run stopped */
	bool no_next;		/* stopped before a start point that is not a place */
	struct rst_pos repair;	/* a failed commit: the earliest place updates were lost from */
	bool repair_set;
	/* the database error being dealt with */
	int fail_tgt;
	struct rst_pos fail_pos;
	bool fail_started;	/* the start latch at fail_pos */
	struct jk_err commit_err;	/* the last failed batch commit */
	int lost_rc;		/* a writer failed inside a unit: for the next commit to return */
	/* progress */
	uint64_t last_ns;
	unsigned tick;
	size_t announced;	/* the last file reported as new, SIZE_MAX none */
	bool *seen;		/* a cluster plan: the files reported as new */
	struct clu_merge *merge;	/* ... the merge of the pass being reported, or NULL */
	uint64_t mbytes;	/* ... and the bytes a finished pass's merge read */
	int lock_fd;
	/* transactions: pending in the open batch, settled with it */
	uint64_t p_tx, p_txrb;
	/* a dry run's per-global counts: an open-addressing table into gl */
	struct rst_global_result *gl;
	size_t ngl, glcap;
	uint32_t *glhash;	/* index + 1, 0 empty; size glhcap, a power of 2 */
	size_t glhcap;
};

static int
nomem(struct jk_err *err)
{
	return jk_errf(err, JK_ENOMEM, "out of memory");
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *
fpath(const struct eng *e, size_t fi)
{
	return e->p->files.paths[fi];
}

/* ---- result ----------------------------------------------------------------------- */

void
rst_result_init(struct rst_result *r)
{
	memset(r, 0, sizeof *r);
	r->why = "";
}

void
rst_result_release(struct rst_result *r)
{
	size_t i;

	free(r->next_path);
	for (i = 0; i < r->ndbs; i++) {
		free(r->dbs[i].source);
		free(r->dbs[i].target);
		free(r->dbs[i].errmsg);
	}
	free(r->dbs);
	strv_free(r->updated, r->nupdated);
	strv_free(r->skipped, r->nskipped);
	for (i = 0; i < r->nincomplete; i++) {
		free(r->incomplete[i].path);
		strv_free(r->incomplete[i].dbs, r->incomplete[i].ndbs);
	}
	free(r->incomplete);
	for (i = 0; i < r->ndamage; i++) {
		free(r->damage[i].path);
		free(r->damage[i].msg);
	}
	free(r->damage);
	free(r->globals);
	free(r->switched_from);
	free(r->switched_to);
	rst_result_init(r);
}

static void
drop_incomplete(struct rst_result *r, size_t keep)
{
	while (r->nincomplete > keep) {
		struct rst_tx *t = &r->incomplete[--r->nincomplete];

		free(t->path);
		strv_free(t->dbs, t->ndbs);
	}
}

static int
add_damage(struct eng *e, size_t fi, uint64_t valid_end, int code, const char *msg, bool skipped)
{
	struct rst_result *r = e->res;
	struct rst_damage *v, *d;

	if ((v = realloc(r->damage, (r->ndamage + 1) * sizeof *v)) == NULL)
		return nomem(&r->err);
	r->damage = v;
	d = &v[r->ndamage];
	memset(d, 0, sizeof *d);
	d->path = strdup(fpath(e, fi));
	d->msg = strdup(msg);
	if (d->path == NULL || d->msg == NULL) {
		free(d->path);
		free(d->msg);
		return nomem(&r->err);
	}
	d->valid_end = valid_end;
	d->code = code;
	d->skipped = skipped;
	r->ndamage++;
	return 0;
}

/* ---- sources, targets, the database map ------------------------------------------------ */

static int
tgt_find_or_add(struct eng *e, const char *path)
{
	struct tgt *v;
	size_t i;

	for (i = 0; i < e->ntgts; i++)
		if (strcmp(e->tgts[i].path, path) == 0)
			return (int)i;
	if ((v = realloc(e->tgts, (e->ntgts + 1) * sizeof *v)) == NULL)
		return -1;
	e->tgts = v;
	memset(&v[e->ntgts], 0, sizeof *v);
	if ((v[e->ntgts].path = strdup(path)) == NULL)
		return -1;
	return (int)e->ntgts++;
}

/* The source database at path, added (with its selection) when new; -1 out of memory. */
static int
src_find_or_add(struct eng *e, const char *path)
{
	struct src *v, *s;
	size_t i;

	for (i = 0; i < e->nsrcs; i++)
		if (strcmp(e->srcs[i].path, path) == 0)
			return (int)i;
	if ((v = realloc(e->srcs, (e->nsrcs + 1) * sizeof *v)) == NULL)
		return -1;
	e->srcs = v;
	s = &v[e->nsrcs];
	memset(s, 0, sizeof *s);
	if ((s->path = strdup(path)) == NULL)
		return -1;
	s->entry = -1;
	s->tgt = -1;
	if (e->p->all) {
		if ((s->tgt = tgt_find_or_add(e, path)) < 0)
			return -1;
	} else {
		for (i = 0; i < e->p->ndbs; i++)
			if (strcmp(e->p->dbs[i].source, path) == 0)
				break;
		if (i < e->p->ndbs) {
			s->entry = (int)i;
			if ((s->tgt = tgt_find_or_add(e, e->p->dbs[i].target)) < 0)
				return -1;
		}
	}
	return (int)e->nsrcs++;
}

static int
map_add(struct eng *e, struct pass *ps, const struct jrn_rec *r)
{
	char path[JRN_PATH_MAX + 1];
	struct mapent *v;
	size_t i;
	int s;

	memcpy(path, r->val, r->vallen);
	path[r->vallen] = '\0';
	if ((s = src_find_or_add(e, path)) < 0)
		return nomem(&e->res->err);
	for (i = 0; i < ps->nmap; i++)
		if (ps->map[i].num == r->dbnum && ps->map[i].fi == ps->fi) {
			ps->map[i].src = s;
			return 0;
		}
	if (ps->nmap == ps->mapcap) {
		ps->mapcap = ps->mapcap ? ps->mapcap * 2 : 8;
		if ((v = realloc(ps->map, ps->mapcap * sizeof *v)) == NULL)
			return nomem(&e->res->err);
		ps->map = v;
	}
	ps->map[ps->nmap].num = r->dbnum;
	ps->map[ps->nmap].fi = ps->fi;
	ps->map[ps->nmap++].src = s;
	return 0;
}

static int
map_get(const struct pass *ps, uint32_t num)
{
	size_t i;

	for (i = 0; i < ps->nmap; i++)
		if (ps->map[i].num == num && ps->map[i].fi == ps->fi)
			return ps->map[i].src;
	return -1;
}

/* Whether the key's global is selected for source s. */
static bool
selected(struct eng *e, struct src *s, const uint8_t *key, size_t keylen)
{
	const struct rst_db *d;
	const char *name;
	size_t n, i;

	if (s->entry < 0)
		return true;
	d = &e->p->dbs[s->entry];
	if (d->nglobals == 0)
		return true;
	if (gref_key_name(key, keylen, &name, &n) != 0 || n > GREF_NAME_MAX)
		return true;	/* the record is whole (its checksum says); restore it as written */
	if (n == s->namelen && memcmp(name, s->name, n) == 0)
		return s->name_sel;
	memcpy(s->name, name, n);
	s->namelen = n;
	s->name_sel = false;
	for (i = 0; i < d->nglobals && !s->name_sel; i++)
		s->name_sel = gref_name_match(d->globals[i], strlen(d->globals[i]), name, n);
	return s->name_sel;
}

/* Open and lock a target (the first time). */
static int
tgt_ready(struct eng *e, struct tgt *t, struct jk_err *err)
{
	int rc;

	if (t->ready || e->dry)
		return 0;
	if (!db_exists(t->path))
		return jk_errf(err, JK_ENOTFOUND, "No database exists in that directory: %s", t->path);
	if (t->lock == NULL && (rc = dblock_open(t->path, true, &t->lock, err)) != 0)
		return rc;
	if (e->journaled) {
		if ((rc = jk_db(e->j, t->path, &t->db)) != 0) {
			*err = *jk_err(e->j);
			return rc;
		}
	} else if ((rc = db_open(t->path, 0, &t->db, err)) != 0) {
		return rc;
	}
	t->ready = true;
	return 0;
}

static void
tgt_close(struct eng *e, struct tgt *t)
{
	db_batch_close(t->bw);	/* aborts what is not committed */
	t->bw = NULL;
	t->dirty = t->inflight = false;
	if (!e->journaled)
		db_close(t->db);
	t->db = NULL;
	dblock_close(t->lock);
	t->lock = NULL;
	t->ready = false;
}

/* ---- commits --------------------------------------------------------------------------- */

/* What becomes of the updates of a batch. */
enum fate {
	F_APPLIED,	/* committed (journaled units, dry runs) */
	F_FLIGHT,	/* handed to the target's writer for commit */
	F_LANDED,	/* the writer's commit succeeded */
	F_LOST,		/* the writer failed: the batch in flight and the open one are lost */
};

/*
 * The counts of the sources written to target ti (all, ti -1): filtered
 * and skipped of the open batch are final whatever the fate; applied ones
 * go where the fate says.
 */
static void
settle_counts(struct eng *e, int ti, enum fate to)
{
	size_t i;

	for (i = 0; i < e->nsrcs; i++) {
		struct src *s = &e->srcs[i];

		if (ti >= 0 && s->tgt != ti)
			continue;
		switch (to) {
		case F_APPLIED:
			s->applied += s->p_applied;
			break;
		case F_FLIGHT:
			s->f_applied += s->p_applied;
			break;
		case F_LANDED:
			s->applied += s->f_applied;
			s->f_applied = 0;
			continue;	/* the open batch is not concerned */
		case F_LOST:
			s->skipped += s->f_applied + s->p_applied;
			s->f_applied = 0;
			break;
		}
		s->filtered += s->p_filtered;
		s->skipped += s->p_skipped;
		s->p_applied = s->p_filtered = s->p_skipped = 0;
	}
}

static void set_tgt_error(struct tgt *t, int code, const char *msg);

/*
 * Target ti's writer failed with code: the batch it was committing (from
 * flight_from) or, with none, the open batch (from batch_from) on is lost.
 * The target is marked and the restore record will point back there.  The
 * first such error of a commit goes to e->commit_err.
 */
static void
batch_lost(struct eng *e, size_t ti, int code, int *first)
{
	struct tgt *t = &e->tgts[ti];
	struct rst_pos from = t->inflight ? t->flight_from : e->batch_from;
	char msg[JK_ERR_MSG_MAX + 256];

	snprintf(msg, sizeof msg, "%s; its updates from offset %" PRIu64 " of %s on were lost",
	    db_batch_err(t->bw)->msg, from.off, fpath(e, from.fi));
	set_tgt_error(t, code, msg);
	settle_counts(e, (int)ti, F_LOST);
	t->inflight = t->dirty = false;
	if (!e->repair_set || rst_pos_cmp(from, e->repair) < 0)
		e->repair = from;
	e->repair_set = true;
	if (first != NULL && *first == 0) {
		*first = code;
		jk_errf(&e->commit_err, code, "%s", msg);
	}
}

/* Target ti's writer took a new job: the commit before it, if any, succeeded. */
static void
batch_landed(struct eng *e, size_t ti)
{
	if (e->tgts[ti].inflight)
		settle_counts(e, (int)ti, F_LANDED);
	e->tgts[ti].inflight = false;
}

/* Wait for every writer: each commit in flight landed or was lost (the first error returned). */
static int
drain(struct eng *e)
{
	int rc = 0, k;
	size_t i;

	for (i = 0; i < e->ntgts; i++) {
		if (e->tgts[i].bw == NULL)
			continue;
		if ((k = db_batch_wait(e->tgts[i].bw)) == 0)
			batch_landed(e, i);
		else
			batch_lost(e, i, k, &rc);
	}
	return rc;
}

/* Forget the open batch: abort every transaction, drop pending counts and incomplete transactions. */
static void
abort_batch(struct eng *e)
{
	size_t i;

	(void)drain(e);	/* the batches before: committed or marked lost */
	for (i = 0; i < e->ntgts; i++) {
		if (e->tgts[i].bw != NULL)
			(void)db_batch_abort(e->tgts[i].bw);
		e->tgts[i].dirty = false;
	}
	for (i = 0; i < e->nsrcs; i++)
		e->srcs[i].p_applied = e->srcs[i].p_filtered = e->srcs[i].p_skipped = 0;
	drop_incomplete(e->res, e->batch_ninc);
	e->p_tx = e->p_txrb = 0;
	e->pending = e->pending_bytes = 0;
}

static void
set_tgt_error(struct tgt *t, int code, const char *msg)
{
	t->error = code;
	free(t->errmsg);
	t->errmsg = strdup(msg);	/* NULL when out of memory: the code still says it */
}

/* A place past the end of its file ("the rest of file i") as the beginning of the next, or that end. */
static struct rst_pos
norm_pos(const struct eng *e, struct rst_pos pos)
{
	size_t n = e->p->files.n;
	uint64_t size;

	if (pos.ord != 0)
		return pos;	/* a merged stream's place is its number */
	if (pos.fi >= n) {
		pos.fi = n - 1;
		pos.off = UINT64_MAX;
	}
	size = e->before[pos.fi + 1] - e->before[pos.fi];
	if (pos.off > size) {
		if (pos.fi + 1 < n) {
			pos.fi++;
			pos.off = 0;
		} else {
			pos.off = size;
		}
	}
	return pos;
}

/*
 * Commit the open batch; the next one starts at next.  Each target's batch
 * goes to its writer; with wait, the writers are drained.  A target whose
 * writer reports a failure (of this commit, or of the one before) is
 * marked (batch_lost) and the return is that error, its message in
 * e->commit_err.
 */
static int
commit_batch(struct eng *e, struct rst_pos next, bool started, bool wait)
{
	int rc = e->lost_rc, k;
	size_t i;

	e->lost_rc = 0;
	for (i = 0; i < e->ntgts; i++) {
		struct tgt *t = &e->tgts[i];

		if (!t->dirty)
			continue;
		if ((k = db_batch_submit(t->bw, true)) != 0) {
			batch_lost(e, i, k, &rc);
			continue;
		}
		batch_landed(e, i);
		settle_counts(e, (int)i, F_FLIGHT);
		t->dirty = false;
		t->inflight = true;
		t->flight_from = e->batch_from;
	}
	settle_counts(e, -1, F_APPLIED);	/* the rest: journaled units, dry runs, filtered, skipped */
	e->res->tx_complete += e->p_tx;
	e->res->tx_rolledback += e->p_txrb;
	e->p_tx = e->p_txrb = 0;
	e->pending = e->pending_bytes = 0;
	e->batch_from = norm_pos(e, next);
	e->batch_started = started;
	e->batch_ninc = e->res->nincomplete;
	if (wait && (k = drain(e)) != 0 && rc == 0)
		rc = k;
	return rc;
}

/*
 * Between units: a batch commits when it is full, and after every unit
 * when each unit is its own commit (journaled updates, a dry run).  A
 * replay commits nothing: its batch is committed by take_back().
 */
static int
unit_done(struct eng *e, struct pass *ps, struct rst_pos next)
{
	if (ps->replay)
		return 0;
	if (e->journaled || e->dry || e->pending >= RST_BATCH || e->pending_bytes >= RST_BATCH_BYTES)
		return commit_batch(e, next, ps->started, false);
	return 0;
}

/* ---- applying -------------------------------------------------------------------------- */

/* Record a database error of target ti in the unit at u; the pass deals with it. */
static int
db_error(struct eng *e, int ti, struct rst_pos u, int code, const char *msg)
{
	e->fail_tgt = ti;
	e->fail_pos = u;
	jk_errf(&e->res->err, code, "%s (restoring the update at offset %" PRIu64 " of %s)",
	    msg, u.off, fpath(e, u.fi));
	return DBERR;
}

/* One update through the instance: journaled as the instance journals. */
static int
apply_via_jk(struct eng *e, struct tgt *t, const struct jrn_rec *r, struct jk_err *err)
{
	struct jk_key k;
	int rc = 0;

	if (r->keylen > JK_KEY_MAX)
		return jk_errf(err, JK_ELIMIT, "key of %u bytes is over the limit of %d bytes",
		    r->keylen, JK_KEY_MAX);
	memcpy(k.b, r->key, r->keylen);
	k.len = r->keylen;
	switch (r->type) {
	case JRN_SET:
	case JRN_INCR:
		rc = jk_set(e->j, t->db, &k, r->val, r->vallen);
		break;
	case JRN_KILL:
		rc = jk_kill(e->j, t->db, &k, DB_KILL_TREE);
		break;
	case JRN_KILLDESC:
		rc = jk_kill(e->j, t->db, &k, DB_KILL_DESC);
		break;
	case JRN_ZKILL:
		rc = jk_kill(e->j, t->db, &k, DB_KILL_NODE);
		break;
	}
	if (rc != 0)
		*err = *jk_err(e->j);
	return rc;
}

enum gcount { G_APPLIED, G_FILTERED, G_SKIPPED };

static uint32_t
gl_hash(size_t si, const char *name, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)si;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h;
}

/* Count a dry run's update of source si under its global's name; out of memory is not fatal (the totals still say). */
static void
gl_count(struct eng *e, size_t si, const struct jrn_rec *r, enum gcount what)
{
	struct rst_global_result *g;
	const char *name;
	size_t n, i, k;
	uint32_t h;

	if (gref_key_name(r->key, r->keylen, &name, &n) != 0 || n >= sizeof g->name)
		return;
	if (e->ngl * 2 >= e->glhcap) {
		size_t cap = e->glhcap ? e->glhcap * 2 : 64;
		uint32_t *t = calloc(cap, sizeof *t);

		if (t == NULL)
			return;
		for (i = 0; i < e->ngl; i++) {
			k = gl_hash(e->gl[i].db, e->gl[i].name, strlen(e->gl[i].name)) & (cap - 1);
			while (t[k] != 0)
				k = (k + 1) & (cap - 1);
			t[k] = (uint32_t)i + 1;
		}
		free(e->glhash);
		e->glhash = t;
		e->glhcap = cap;
	}
	h = gl_hash(si, name, n);
	for (k = h & (e->glhcap - 1); e->glhash[k] != 0; k = (k + 1) & (e->glhcap - 1)) {
		g = &e->gl[e->glhash[k] - 1];
		if (g->db == si && strncmp(g->name, name, n) == 0 && g->name[n] == '\0')
			goto found;
	}
	if (e->ngl == e->glcap) {
		size_t cap = e->glcap ? e->glcap * 2 : 32;
		struct rst_global_result *v = realloc(e->gl, cap * sizeof *v);

		if (v == NULL)
			return;
		e->gl = v;
		e->glcap = cap;
	}
	g = &e->gl[e->ngl];
	memset(g, 0, sizeof *g);
	g->db = si;
	memcpy(g->name, name, n);
	e->glhash[k] = (uint32_t)++e->ngl;
found:
	if (what == G_APPLIED)
		g->applied++;
	else if (what == G_FILTERED)
		g->filtered++;
	else
		g->skipped++;
}

/*
 * One update of a unit at u: filtered, skipped, or applied to its target
 * (inside the instance transaction *in_tx opens, when journaling).
 */
static int
apply_update(struct eng *e, struct pass *ps, const struct jrn_rec *r, struct rst_pos u, bool *in_tx)
{
	struct jk_err err;
	struct src *s;
	struct tgt *t;
	int si = map_get(ps, r->dbnum), rc;

	if (si < 0)
		return 0;	/* the first pass over the record said so already */
	s = &e->srcs[si];
	if (s->tgt < 0) {
		s->p_skipped++;
		if (e->dry)
			gl_count(e, (size_t)si, r, G_SKIPPED);
		return 0;
	}
	if (!selected(e, s, r->key, r->keylen)) {
		s->p_filtered++;
		if (e->dry)
			gl_count(e, (size_t)si, r, G_FILTERED);
		return 0;
	}
	t = &e->tgts[s->tgt];
	if (t->error != 0) {
		s->p_skipped++;
		return 0;
	}
	if (e->dry) {
		s->p_applied++;
		gl_count(e, (size_t)si, r, G_APPLIED);
		return 0;
	}
	jk_err_clear(&err);
	if ((rc = tgt_ready(e, t, &err)) != 0)
		return db_error(e, s->tgt, u, rc, err.msg);
	if (e->journaled) {
		if (in_tx != NULL && !*in_tx) {
			if ((rc = jk_tstart(e->j)) != 0)
				return db_error(e, s->tgt, u, rc, jk_err(e->j)->msg);
			*in_tx = true;
		}
		if ((rc = apply_via_jk(e, t, r, &err)) != 0)
			return db_error(e, s->tgt, u, rc, err.msg);
	} else {
		if (t->bw == NULL && (rc = db_batch_open(t->db, &t->bw)) != 0)
			return db_error(e, s->tgt, u, rc, db_err(t->db)->msg);
		if ((rc = jk_batch_rec(t->bw, r, &err)) != 0)
			return db_error(e, s->tgt, u, rc, err.msg);
		t->dirty = true;
	}
	s->p_applied++;
	e->pending++;
	e->pending_bytes += r->keylen + r->vallen;
	if (!e->journaled && db_batch_full(t->bw)) {
		/* a transaction larger than a batch: into the writer's transaction, uncommitted */
		if ((rc = db_batch_submit(t->bw, false)) == 0)
			batch_landed(e, (size_t)s->tgt);
		else
			batch_lost(e, (size_t)s->tgt, rc, &e->lost_rc);
	}
	return 0;
}

static int
reader_for(struct eng *e, struct pass *ps, size_t fi)
{
	int rc;

	if (ps->rr != NULL && ps->rr_fi == fi)
		return 0;
	if (ps->m != NULL) {
		int was = ps->rr != NULL ? e->p->csns[ps->rr_fi] : -1, now = e->p->csns[fi];

		if (was >= 0) {
			jrn_reader_close(ps->park[was]);
			ps->park[was] = ps->rr;
			ps->park_fi[was] = ps->rr_fi;
			ps->rr = NULL;
		}
		if (ps->park[now] != NULL && ps->park_fi[now] == fi) {
			ps->rr = ps->park[now];
			ps->park[now] = NULL;
			ps->rr_fi = fi;
			return 0;
		}
	}
	jrn_reader_close(ps->rr);
	ps->rr = NULL;
	if ((rc = jrn_reader_open(fpath(e, fi), &ps->rr, &e->res->err)) != 0)
		return rc;
	ps->rr_fi = fi;
	return 0;
}

/* Apply the transaction txid whose records run from begin to before end_off in begin's file. */
static int
apply_tx(struct eng *e, struct pass *ps, uint64_t txid, struct rst_pos begin, uint64_t end_off)
{
	struct jrn_rec r;
	bool in_tx = false;
	int rc;

	if ((rc = reader_for(e, ps, begin.fi)) != 0)
		return rc;
	if ((rc = jrn_reader_seek(ps->rr, begin.off)) != 0)
		return jk_errf(&e->res->err, rc, "%s", jrn_reader_err(ps->rr)->msg);
	while (jrn_reader_next(ps->rr, &r) == 0 && r.offset < end_off) {
		if (!jrn_type_is_update(r.type) || !(r.flags & JRN_F_TX) || r.txid != txid)
			continue;
		if ((rc = apply_update(e, ps, &r, begin, &in_tx)) != 0) {
			if (in_tx)
				jk_trollback(e->j);	/* none of the unit, as without journaling */
			return rc;
		}
	}
	if (in_tx && (rc = jk_tcommit(e->j)) != 0) {
		int ti = 0;
		size_t i;

		for (i = 0; i < ps->tx.nsrcs; i++)
			if (e->srcs[ps->tx.srcs[i]].tgt >= 0)
				ti = e->srcs[ps->tx.srcs[i]].tgt;
		return db_error(e, ti, begin, rc, jk_err(e->j)->msg);
	}
	return 0;
}

/* ---- the transaction being read ---------------------------------------------------------- */

static void
tx_open(struct pass *ps, const struct jrn_rec *r, struct rst_pos pos)
{
	ps->tx.active = true;
	ps->tx.txid = r->txid;
	ps->tx.pid = r->pid;
	ps->tx.begin = pos;
	ps->tx.end_off = r->offset + r->len;
	ps->tx.nupd = 0;
	ps->tx.nsrcs = 0;
}

static int
tx_touch(struct eng *e, struct pass *ps, int si)
{
	size_t i;
	int *v;

	for (i = 0; i < ps->tx.nsrcs; i++)
		if (ps->tx.srcs[i] == si)
			return 0;
	if (ps->tx.nsrcs == ps->tx.cap) {
		ps->tx.cap = ps->tx.cap ? ps->tx.cap * 2 : 4;
		if ((v = realloc(ps->tx.srcs, ps->tx.cap * sizeof *v)) == NULL)
			return nomem(&e->res->err);
		ps->tx.srcs = v;
	}
	ps->tx.srcs[ps->tx.nsrcs++] = si;
	return 0;
}

/* Whether r is part of the transaction being read (database maps are nobody's). */
static bool
tx_owns(const struct txscan *tx, const struct jrn_rec *r)
{
	return rst_tx_owns(tx->txid, r);
}

/*
 * The transaction being read will not commit in the range: list it, and
 * apply what it has before end_off unless the plan rolls it back.
 */
static int
tx_abandon(struct eng *e, struct pass *ps, uint64_t end_off)
{
	struct rst_result *res = e->res;
	struct rst_tx *v, *t;
	struct rst_pos end;
	size_t i;
	int rc;

	if (!ps->tx.active)
		return 0;
	ps->tx.active = false;
	if (!ps->started)
		return 0;	/* all before the start point: not ours */
	if ((v = realloc(res->incomplete, (res->nincomplete + 1) * sizeof *v)) == NULL)
		return nomem(&res->err);
	res->incomplete = v;
	t = &v[res->nincomplete];
	memset(t, 0, sizeof *t);
	t->txid = ps->tx.txid;
	t->pid = ps->tx.pid;
	t->offset = ps->tx.begin.off;
	t->updates = ps->tx.nupd;
	if ((t->path = strdup(fpath(e, ps->tx.begin.fi))) == NULL ||
	    (ps->tx.nsrcs > 0 && (t->dbs = calloc(ps->tx.nsrcs, sizeof *t->dbs)) == NULL)) {
		free(t->path);
		return nomem(&res->err);
	}
	res->nincomplete++;
	for (i = 0; i < ps->tx.nsrcs; i++, t->ndbs++)
		if ((t->dbs[i] = strdup(e->srcs[ps->tx.srcs[i]].path)) == NULL)
			return nomem(&res->err);
	/* In a merged stream the record that ends it may be another member's: its own end counts. */
	end.fi = ps->tx.begin.fi;
	end.off = end_off;
	end.ord = 0;
	if (ps->m != NULL) {
		end.ord = end_off == UINT64_MAX ? ps->ord + 1 : ps->ord;
		end_off = ps->tx.end_off;
	}
	if (!e->p->rollback) {
		if ((rc = apply_tx(e, ps, ps->tx.txid, ps->tx.begin, end_off)) != 0)
			return rc;
		res->incomplete[res->nincomplete - 1].applied = true;
	}
	/* A unit of its own: its list entry belongs to the batch it is in. */
	return unit_done(e, ps, end);
}

/* ---- points ---------------------------------------------------------------------------- */

static bool
past(const struct rst_bound *b, const struct jrn_rec *r, struct rst_pos pos)
{
	return rst_bound_past(b, r, pos);
}

/* ---- progress ---------------------------------------------------------------------------- */

static void
report(struct eng *e, size_t fi, uint64_t off, bool new_file)
{
	struct rst_progress pr;
	uint64_t now;

	if (e->h == NULL || e->h->progress == NULL)
		return;
	if (new_file) {
		if (e->announced != SIZE_MAX && fi <= e->announced)
			return;		/* a pass that began again in the same file */
		e->announced = fi;
	}
	now = mono_ns();
	if (!new_file && now - e->last_ns < REPORT_NS)
		return;
	e->last_ns = now;
	memset(&pr, 0, sizeof pr);
	pr.file = fpath(e, fi);
	pr.file_index = fi;
	pr.nfiles = e->p->files.n;
	pr.new_file = new_file;
	pr.offset = off;
	pr.bytes_total = e->total;
	if (e->p->csns != NULL)
		pr.bytes_done = e->merge != NULL ? clu_merge_bytes(e->merge) : e->mbytes;
	else
		pr.bytes_done = e->before[fi] + off;
	if (pr.bytes_done > e->total)
		pr.bytes_done = e->total;
	pr.records = e->res->records;
	for (size_t i = 0; i < e->nsrcs; i++)
		pr.applied += e->srcs[i].applied + e->srcs[i].p_applied;
	e->h->progress(e->h->arg, &pr);
}

/* ---- a pass ------------------------------------------------------------------------------- */

static void
pass_release(struct eng *e, struct pass *ps)
{
	unsigned torn = ps->c != NULL ? jrn_chain_torn(ps->c, NULL) :
	    ps->m != NULL ? clu_merge_torn(ps->m) : 0;

	/* passes may read a file twice (a replay): the most any pass saw */
	if (torn > e->res->torn)
		e->res->torn = torn;
	jrn_chain_close(ps->c);
	if (ps->m != NULL && e->merge == ps->m) {
		e->mbytes = clu_merge_bytes(ps->m);
		e->merge = NULL;
	}
	clu_merge_close(ps->m);
	jrn_reader_close(ps->rr);
	for (size_t i = 0; i < CLU_MAX_MEMBERS; i++)
		jrn_reader_close(ps->park[i]);
	free(ps->map);
	free(ps->tx.srcs);
}

static enum outcome take_back(struct eng *e, struct pass *ps);

/*
 * Deal with a pass's internal return rc: DBERR is a database error (see
 * rewind), 0 nothing, anything else fatal.
 */
static enum outcome
failed(struct eng *e, struct pass *ps, int rc)
{
	if (rc == DBERR)
		return ps->replay ? P_FATAL : take_back(e, ps);
	return P_FATAL;
}

/* A new file begins: the transaction of the last one cannot go on. */
static int
new_file(struct eng *e, struct pass *ps, size_t fi)
{
	int rc = 0;

	if (ps->m != NULL) {
		/*
		 * A merged stream goes from member to member: a transaction ends
		 * at a record not its own (below), and each file keeps its maps.
		 */
		ps->fi = fi;
		if (!ps->replay && !e->seen[fi]) {
			e->seen[fi] = true;
			e->announced = SIZE_MAX;
			report(e, fi, 0, true);
		}
		return 0;
	}
	if (ps->tx.active)
		rc = tx_abandon(e, ps, UINT64_MAX);
	ps->nmap = 0;
	ps->fi = fi;
	if (!ps->replay)
		report(e, fi, 0, true);
	return rc;
}

/* A failed batch commit: RST_ABORT stops the run; RST_CONTINUE goes on without that target. */
static enum outcome
commit_failed(struct eng *e)
{
	if (e->p->db_errors == RST_CONTINUE)
		return P_END;
	e->res->err = e->commit_err;
	return P_DBERR;
}

/* The pass's record source: the chain of the files, or a cluster's merge. */
static void
src_skip(struct pass *ps)
{
	if (ps->m != NULL)
		clu_merge_skip(ps->m);
	else
		jrn_chain_skip(ps->c);
}

static int
src_open(struct eng *e, struct pass *ps)
{
	const struct rst_plan *p = e->p;
	int rc;

	if (p->csns != NULL) {
		/* Always from the first records: places in a merged stream are numbers counted from there. */
		if (e->seen == NULL && (e->seen = calloc(p->files.n, sizeof *e->seen)) == NULL)
			return nomem(&e->res->err);
		if ((rc = clu_merge_open(p->files.paths, p->csns, p->files.n, &ps->m, &e->res->err)) != 0)
			return rc;
		clu_merge_check_links(ps->m, p->check_links);
		ps->base = 0;
		return 0;
	}
	if ((rc = jrn_chain_open(p->files.paths + ps->from.fi, p->files.n - ps->from.fi, &ps->c,
	    &e->res->err)) != 0)
		return rc;
	jrn_chain_check_links(ps->c, p->check_links);
	if (p->maps_at_start && e->start.kind == RST_LOCATION && ps->from.fi == e->start.pos.fi)
		jrn_chain_start_at(ps->c, e->start.pos.off);
	ps->base = ps->from.fi;
	return 0;
}

/* Next record and its file index in the plan's list. */
static int
src_next(struct eng *e, struct pass *ps, struct jrn_rec *r, size_t *fi)
{
	int rc;

	if (ps->m != NULL) {
		if ((rc = clu_merge_next(ps->m, r, fi)) == 0) {
			ps->ord++;
			if (!ps->replay)
				e->merge = ps->m;
		}
		return rc;
	}
	if ((rc = jrn_chain_next(ps->c, r, NULL)) == 0)
		*fi = ps->base + jrn_chain_index(ps->c);
	return rc;
}

/*
 * A journal error while reading file bad (chain error jrc): list it, and
 * either stop (the outcome) or skip the rest of the file (P_END means go on).
 */
static enum outcome
journal_error(struct eng *e, struct pass *ps, int jrc)
{
	const struct rst_plan *p = e->p;
	size_t bad = ps->m != NULL ? clu_merge_index(ps->m) : ps->base + jrn_chain_index(ps->c);
	uint64_t valid = ps->m != NULL ? clu_merge_valid_end(ps->m) : jrn_chain_valid_end(ps->c);
	const char *msg = ps->m != NULL ? clu_merge_err(ps->m)->msg : jrn_chain_err(ps->c)->msg;
	bool last, go_on;
	int rc;

	if (bad >= p->files.n)
		bad = p->files.n - 1;
	/* A merge ends a member's journal at its torn tail itself: nothing it reports is the end. */
	last = bad + 1 == p->files.n && ps->m == NULL;
	if ((rc = tx_abandon(e, ps, UINT64_MAX)) != 0)
		return failed(e, ps, rc);
	if (ps->replay) {
		/* The pass that found it listed it and went on; a replay does the same, quietly. */
		if (jrc == JK_ETORN && last)
			return P_STOP;
		if (p->jrn_errors == RST_CONTINUE) {
			src_skip(ps);
			return P_END;
		}
		jk_errf(&e->res->err, jrc, "%s", msg);
		return P_FATAL;
	}
	/* A crash ended the journal here: its end, not an error; still worth saying. */
	go_on = jrc == JK_ETORN && last ? false : p->jrn_errors == RST_CONTINUE;
	if (add_damage(e, bad, valid, jrc, msg, go_on) != 0)
		return P_FATAL;
	if ((jrc == JK_ETORN && last) || (go_on && last)) {
		e->next.fi = bad;
		e->next.off = valid;
		return P_STOP;		/* the end: nothing after the last file to go on with */
	}
	if (!go_on) {
		e->next = ps->tx.active ? ps->tx.begin : ps->last_end;
		e->next.fi = bad;
		e->next.off = valid;
		jk_errf(&e->res->err, jrc, "%s", msg);
		return P_JRNERR;
	}
	src_skip(ps);
	return P_END;
}

static enum outcome
pass_run(struct eng *e, struct pass *ps)
{
	const struct rst_plan *p = e->p;
	struct jrn_rec r;
	struct rst_pos pos, after;
	enum outcome o;
	size_t fi;
	int rc, si;

	if (src_open(e, ps) != 0)
		return P_FATAL;
	ps->fi = SIZE_MAX;
	ps->last_end = ps->from;
	for (;;) {
		rc = src_next(e, ps, &r, &fi);
		if (rc > 0) {
			if ((rc = tx_abandon(e, ps, UINT64_MAX)) != 0)
				return failed(e, ps, rc);
			e->next = ps->last_end;
			return ps->replay ? P_UNTIL : P_END;
		}
		if (rc < 0) {
			o = journal_error(e, ps, rc);
			if (o == P_STOP)
				return ps->replay ? P_UNTIL : P_END;
			if (o != P_END)
				return o;
			continue;
		}
		if (fi != ps->fi && (rc = new_file(e, ps, fi)) != 0)
			return failed(e, ps, rc);
		pos.fi = after.fi = fi;
		pos.off = r.offset;
		after.off = r.offset + r.len;
		pos.ord = ps->m != NULL ? ps->ord : 0;
		after.ord = ps->m != NULL ? ps->ord + 1 : 0;
		ps->last_end = after;
		if (!e->hw_set || rst_pos_cmp(pos, e->hw) >= 0) {
			e->hw = after;
			e->hw_set = true;
			e->res->records++;
		}
		if (!ps->replay && ++e->tick % TICK_RECORDS == 0)
			report(e, fi, r.offset, false);
		if (r.type == JRN_DBMAP) {
			if (map_add(e, ps, &r) != 0)
				return P_FATAL;
			continue;
		}
		if (rst_pos_cmp(pos, ps->from) < 0)
			continue;
		if (ps->replay && rst_pos_cmp(pos, ps->until) >= 0) {
			if ((rc = tx_abandon(e, ps, r.offset)) != 0)
				return failed(e, ps, rc);
			return P_UNTIL;
		}
		/*
		 * The stop hook.  Not while reading the start of a file up to
		 * a start location: that is short, and it would let a run that
		 * is stopped again and again never get past it.
		 */
		if (!ps->replay && e->h != NULL && e->h->stop != NULL &&
		    (ps->started || e->start.kind != RST_LOCATION) && e->h->stop(e->h->arg)) {
			/* A transaction being read is left for the next run, whole. */
			e->next = ps->tx.active ? ps->tx.begin : pos;
			ps->tx.active = false;
			/* Before a time or sequence start point there is no place to go on from. */
			e->no_next = !ps->started;
			return P_INTERRUPTED;
		}
		if (past(&e->stop, &r, pos)) {
			if ((rc = tx_abandon(e, ps, r.offset)) != 0)
				return failed(e, ps, rc);
			e->next = pos;
			return ps->replay ? P_UNTIL : P_STOP;
		}
		if (!ps->started && (e->start.kind == RST_EDGE || past(&e->start, &r, pos)))
			ps->started = true;
		if (ps->tx.active && !tx_owns(&ps->tx, &r) && (rc = tx_abandon(e, ps, r.offset)) != 0)
			return failed(e, ps, rc);
		if (ps->tx.active)
			ps->tx.end_off = after.off;

		if (jrn_type_is_update(r.type)) {
			if ((si = map_get(ps, r.dbnum)) < 0) {
				char m[JRN_PATH_MAX + 256];

				snprintf(m, sizeof m,
				    "the update at offset %" PRIu64 " of %s names database number %u, "
				    "which no database map record of the file defines",
				    r.offset, fpath(e, fi), r.dbnum);
				if (p->jrn_errors == RST_ABORT) {
					if (!ps->replay && add_damage(e, fi, r.offset, JK_ECORRUPT, m, false) != 0)
						return P_FATAL;
					jk_errf(&e->res->err, JK_ECORRUPT, "%s", m);
					e->next = ps->tx.active ? ps->tx.begin : pos;
					return ps->replay ? P_FATAL : P_JRNERR;
				}
				if (!ps->replay && add_damage(e, fi, r.offset, JK_ECORRUPT, m, true) != 0)
					return P_FATAL;
				continue;
			}
			if (r.flags & JRN_F_TX) {
				if (!ps->tx.active)
					tx_open(ps, &r, pos);	/* its beginning was lost to damage */
				ps->tx.nupd++;
				if (tx_touch(e, ps, si) != 0)
					return P_FATAL;
				continue;
			}
			if (ps->started && (rc = apply_update(e, ps, &r, pos, NULL)) != 0)
				return failed(e, ps, rc);
			if (unit_done(e, ps, after) != 0 && (o = commit_failed(e)) != P_END) {
				e->next = after;
				return o;
			}
			continue;
		}
		switch (r.type) {
		case JRN_TBEGIN:
			if (!ps->tx.active)
				tx_open(ps, &r, pos);
			break;
		case JRN_TCOMMIT:
			if (!ps->tx.active || r.tlevel > 1)
				break;
			ps->tx.active = false;
			if (ps->started && (rc = apply_tx(e, ps, ps->tx.txid, ps->tx.begin, after.off)) != 0)
				return failed(e, ps, rc);
			if (ps->started)
				e->p_tx++;
			if (unit_done(e, ps, after) != 0 && (o = commit_failed(e)) != P_END) {
				e->next = after;
				return o;
			}
			break;
		case JRN_TROLLBACK:
			if (ps->tx.active && ps->started)
				e->p_txrb++;
			ps->tx.active = false;
			break;
		default:
			break;
		}
	}
}

/*
 * A database error in the unit at e->fail_pos, found by pass ps.  Without
 * journaling: abort the batch, replay it up to the failing unit, commit
 * (invariant 1 of the top of the file).  Then mark the target.
 */
static enum outcome
take_back(struct eng *e, struct pass *ps)
{
	struct tgt *t = &e->tgts[e->fail_tgt];
	struct jk_err saved = e->res->err;
	char then[JK_ERR_MSG_MAX];
	struct pass rp;
	enum outcome o;
	bool started = ps->started;

	if (!e->journaled) {
		abort_batch(e);
		started = e->batch_started;
		if (rst_pos_cmp(e->batch_from, e->fail_pos) < 0) {
			memset(&rp, 0, sizeof rp);
			rp.from = e->batch_from;
			rp.until = e->fail_pos;
			rp.replay = true;
			rp.started = e->batch_started;
			o = pass_run(e, &rp);
			started = rp.started;
			pass_release(e, &rp);
			if (o != P_UNTIL) {
				snprintf(then, sizeof then, "%s", e->res->err.msg);
				jk_errf(&e->res->err, saved.code, "%s; then replaying the updates before it failed: %s",
				    saved.msg, then);
				abort_batch(e);
				e->next = e->batch_from;
				return P_FATAL;
			}
		}
		if (commit_batch(e, e->fail_pos, started, false) != 0) {
			e->res->err = e->commit_err;
			e->next = e->batch_from;
			return P_FATAL;
		}
	} else {
		/* The unit was rolled back in the instance: only its counts and listing remain to drop. */
		size_t i;

		for (i = 0; i < e->nsrcs; i++)
			e->srcs[i].p_applied = e->srcs[i].p_filtered = e->srcs[i].p_skipped = 0;
		drop_incomplete(e->res, e->batch_ninc);
		e->pending = e->pending_bytes = 0;
	}
	e->res->err = saved;
	set_tgt_error(t, saved.code, saved.msg);
	e->fail_started = started;
	e->next = e->fail_pos;
	return P_DBERR;
}

/* ---- the restore record ---------------------------------------------------------------------- */

static int
yaml_quoted(struct buf *b, const char *s)
{
	int rc = buf_addc(b, '"');

	for (; rc == 0 && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			rc = buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			rc = buf_addf(b, "\\x%02x", c);
		else
			rc = buf_addc(b, c);
	}
	return rc == 0 ? buf_addc(b, '"') : rc;
}

static int
write_record(struct eng *e, const char *status, const char *why, bool final)
{
	struct rst_result *res = e->res;
	struct buf b = BUF_INIT, path = BUF_INIT, loc = BUF_INIT;
	int rc = 0;
	size_t i;

#define ADD(...) do { if (rc == 0) rc = buf_addf(&b, __VA_ARGS__); } while (0)
	ADD("# jrnkit restore record, written by the restore engine (src/rst.h).\n"
	    "# next: the place of the next record not processed; a restore that starts\n"
	    "# at the last restore starts there.\n");
	ADD("status: %s\nwhy: ", status);
	if (rc == 0)
		rc = yaml_quoted(&b, why);
	ADD("\nstarted_us: %" PRIu64 "\n", res->started_us);
	if (final) {
		ADD("finished_us: %" PRIu64 "\nnext: ", res->finished_us);
		if (rc == 0 && !e->no_next)
			rc = buf_addf(&loc, "%" PRIu64 ",%s", e->next.off, fpath(e, e->next.fi));
		if (rc == 0)
			rc = yaml_quoted(&b, buf_str(&loc));
		ADD("\nrecords: %" PRIu64 "\napplied: %" PRIu64 "\n", res->records, res->applied);
		ADD("databases:\n");
		for (i = 0; i < res->ndbs; i++) {
			const struct rst_db_result *d = &res->dbs[i];

			ADD("  - source: ");
			if (rc == 0)
				rc = yaml_quoted(&b, d->source);
			if (d->target != NULL) {
				ADD("\n    target: ");
				if (rc == 0)
					rc = yaml_quoted(&b, d->target);
			}
			ADD("\n    applied: %" PRIu64 "\n    filtered: %" PRIu64 "\n    skipped: %" PRIu64 "\n",
			    d->applied, d->filtered, d->skipped);
			if (d->errmsg != NULL) {
				ADD("    error: ");
				if (rc == 0)
					rc = yaml_quoted(&b, d->errmsg);
				ADD("\n");
			}
		}
	}
#undef ADD
	if (rc == 0)
		rc = buf_addf(&path, "%s%s", e->p->inst, e->p->record != NULL ? e->p->record : RST_RECORD);
	if (rc != 0)
		rc = nomem(&res->err);
	else
		rc = jk_write_file_atomic(buf_str(&path), b.data, b.len, &res->err);
	buf_release(&b);
	buf_release(&path);
	buf_release(&loc);
	return rc;
}

/* ---- the run ----------------------------------------------------------------------------------- */

static int
lock_instance(struct eng *e)
{
	char path[4200];

	snprintf(path, sizeof path, "%sstate/restore.lock", e->p->inst);
	if ((e->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0)
		return jk_errno(&e->res->err, errno, "cannot open '%s'", path);
	if (jk_lock_byte(e->lock_fd, 0, F_WRLCK, false) != 0) {
		if (errno == EAGAIN || errno == EACCES)
			return jk_errf(&e->res->err, JK_ELOCKED,
			    "another restore is running in %s", e->p->inst);
		return jk_errno(&e->res->err, errno, "cannot lock '%s'", path);
	}
	return 0;
}

static int
setup(struct eng *e)
{
	const struct rst_plan *p = e->p;
	struct stat st;
	size_t i;
	int rc;

	if ((e->before = calloc(p->files.n + 1, sizeof *e->before)) == NULL)
		return nomem(&e->res->err);
	for (i = 0; i < p->files.n; i++) {
		e->before[i + 1] = e->before[i];
		if (stat(p->files.paths[i], &st) == 0)
			e->before[i + 1] += (uint64_t)st.st_size;
	}
	e->total = e->before[p->files.n];
	/* Every selected database is known from the start, seen or not. */
	for (i = 0; i < p->ndbs; i++)
		if (src_find_or_add(e, p->dbs[i].source) < 0)
			return nomem(&e->res->err);
	if (e->dry)
		return 0;
	if ((rc = lock_instance(e)) != 0)
		return rc;
	if (e->journaled || p->switch_first) {
		if ((rc = jk_open(p->inst, &e->j, &e->res->err)) != 0)
			return rc;
	}
	/* Lock and open every named target before anything is written: all or nothing. */
	for (i = 0; i < e->ntgts; i++)
		if ((rc = tgt_ready(e, &e->tgts[i], &e->res->err)) != 0)
			return rc;
	if (p->switch_first) {
		struct jrn_status js;
		struct buf from = BUF_INIT, to = BUF_INIT;

		if ((rc = jk_status(e->j, &js)) != 0) {
			e->res->err = *jk_err(e->j);
			return rc;
		}
		/* only when the file being written is one to restore: nothing else needs it */
		if (js.journaling && rst_files_find(&p->files, js.path) >= 0) {
			if ((rc = jk_switch(e->j, &from, &to)) != 0) {
				e->res->err = *jk_err(e->j);
			} else if ((e->res->switched_from = strdup(buf_str(&from))) == NULL ||
			    (e->res->switched_to = strdup(buf_str(&to))) == NULL) {
				rc = nomem(&e->res->err);
			}
		}
		buf_release(&from);
		buf_release(&to);
		if (rc != 0)
			return rc;
		if (!e->journaled) {
			jk_close(e->j);
			e->j = NULL;
		}
	}
	return write_record(e, "running", "", false);
}

static int
gl_cmp(const void *a, const void *b)
{
	const struct rst_global_result *x = a, *y = b;

	if (x->db != y->db)
		return x->db < y->db ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Fill the result's lists from the engine's sources and targets. */
static int
fill_result(struct eng *e)
{
	struct rst_result *res = e->res;
	size_t i, k;

	if (e->nsrcs > 0 && (res->dbs = calloc(e->nsrcs, sizeof *res->dbs)) == NULL)
		return nomem(&res->err);
	for (i = 0; i < e->nsrcs; i++, res->ndbs++) {
		const struct src *s = &e->srcs[i];
		struct rst_db_result *d = &res->dbs[i];

		d->applied = s->applied;
		d->filtered = s->filtered;
		d->skipped = s->skipped;
		res->applied += s->applied;
		res->filtered += s->filtered;
		res->skipped_updates += s->skipped;
		if ((d->source = strdup(s->path)) == NULL)
			return nomem(&res->err);
		if (s->tgt < 0)
			continue;
		if ((d->target = strdup(e->tgts[s->tgt].path)) == NULL)
			return nomem(&res->err);
		d->error = e->tgts[s->tgt].error;
		if (e->tgts[s->tgt].errmsg != NULL && (d->errmsg = strdup(e->tgts[s->tgt].errmsg)) == NULL)
			return nomem(&res->err);
	}
	if (e->nsrcs > 0 && (res->skipped = calloc(e->nsrcs, sizeof *res->skipped)) == NULL)
		return nomem(&res->err);
	if (e->ntgts > 0 && (res->updated = calloc(e->ntgts, sizeof *res->updated)) == NULL)
		return nomem(&res->err);
	for (i = 0; i < e->nsrcs; i++)
		if (e->srcs[i].tgt < 0 && (res->skipped[res->nskipped++] = strdup(e->srcs[i].path)) == NULL)
			return nomem(&res->err);
	for (k = 0; k < e->ntgts; k++) {
		uint64_t n = 0;

		for (i = 0; i < e->nsrcs; i++)
			if (e->srcs[i].tgt == (int)k)
				n += e->srcs[i].applied;
		if (n > 0 && (res->updated[res->nupdated++] = strdup(e->tgts[k].path)) == NULL)
			return nomem(&res->err);
	}
	if (e->ngl > 0) {
		qsort(e->gl, e->ngl, sizeof *e->gl, gl_cmp);
		res->globals = e->gl;
		res->nglobals = e->ngl;
		e->gl = NULL;
		e->ngl = e->glcap = 0;
	}
	return 0;
}

static void
teardown(struct eng *e)
{
	size_t i;

	for (i = 0; i < e->ntgts; i++) {
		tgt_close(e, &e->tgts[i]);
		free(e->tgts[i].path);
		free(e->tgts[i].errmsg);
	}
	free(e->tgts);
	for (i = 0; i < e->nsrcs; i++)
		free(e->srcs[i].path);
	free(e->srcs);
	jk_close(e->j);
	if (e->lock_fd >= 0)
		close(e->lock_fd);
	free(e->before);
	free(e->seen);
	free(e->gl);
	free(e->glhash);
}

int
rst_run(const struct rst_plan *plan, const struct rst_hooks *hooks, struct rst_result *res)
{
	struct eng e;
	struct pass ps;
	enum outcome o;
	struct rst_pos from = { 0, 0, 0 }, stop_at = { 0, 0, 0 };
	bool started;
	const char *status;
	size_t i, last = plan->files.n ? plan->files.n - 1 : 0;
	int rc;

	rst_result_release(res);
	res->started_us = jrn_now_us();
	memset(&e, 0, sizeof e);
	e.p = plan;
	e.h = hooks;
	e.res = res;
	e.lock_fd = -1;
	e.announced = SIZE_MAX;
	e.journaled = plan->journal_updates && !plan->dry_run;
	e.dry = plan->dry_run;
	if ((rc = rst_resolve(plan, &e.start, &e.stop, &res->err)) != 0 || (rc = setup(&e)) != 0) {
		res->status = RST_ABORTED;
		res->why = "the plan";
		goto out;
	}
	/* A file is read from its first record: its database maps, and a transaction the start point cuts. */
	if (e.start.kind == RST_LOCATION)
		from.fi = e.start.pos.fi;
	started = e.start.kind == RST_EDGE;
	e.batch_from = e.next = from;
	e.batch_started = started;
	for (;;) {
		memset(&ps, 0, sizeof ps);
		ps.from = from;
		ps.started = started;
		o = pass_run(&e, &ps);
		started = ps.started;
		pass_release(&e, &ps);
		if (o != P_DBERR || plan->db_errors == RST_ABORT)
			break;
		from = e.fail_pos;
		started = e.fail_started;
	}
	if (o == P_FATAL) {
		abort_batch(&e);
	} else if (commit_batch(&e, e.next, started, true) != 0 && plan->db_errors == RST_ABORT &&
	    o != P_DBERR && o != P_JRNERR) {
		res->err = e.commit_err;
		o = P_DBERR;
	}
	/* The data files first, then the record that says they hold it. */
	for (i = 0; i < e.ntgts && !e.journaled; i++) {
		if (e.tgts[i].ready && db_sync(e.tgts[i].db) != 0 && o != P_FATAL) {
			res->err = *db_err(e.tgts[i].db);
			o = P_FATAL;
		}
	}
	if (e.repair_set && rst_pos_cmp(e.repair, e.next) < 0)
		e.next = e.repair;
	switch (o) {
	case P_END:
	case P_UNTIL:
		res->status = RST_DONE;
		res->why = "end of journal";
		status = "done";
		break;
	case P_STOP:
		res->status = RST_DONE;
		res->why = "stop point";
		status = "done";
		break;
	case P_INTERRUPTED:
		res->status = RST_STOPPED;
		res->why = "interrupted";
		status = "stopped";
		break;
	case P_DBERR:
		res->why = "database error";
		goto aborted;
	case P_JRNERR:
		res->why = "journal error";
		goto aborted;
	default:
		res->why = "error";
aborted:
		res->status = RST_ABORTED;
		status = "aborted";
		break;
	}
	if (res->status == RST_ABORTED) {
		if (res->err.code == 0)
			jk_errf(&res->err, JK_EDB, "the restore failed");
		rc = res->err.code;
	} else {
		jk_err_clear(&res->err);
	}
	stop_at = e.next;
	e.next = norm_pos(&e, e.next);
	res->next_offset = e.no_next ? 0 : e.next.off;
	if ((!e.no_next && (res->next_path = strdup(fpath(&e, e.next.fi))) == NULL) ||
	    fill_result(&e) != 0) {
		rc = nomem(&res->err);
		goto out;
	}
	res->finished_us = jrn_now_us();
	if (res->status == RST_DONE) {
		/* the last word: the end of the files, or the stopping record (in a file announced) */
		e.last_ns = 0;
		if (o != P_STOP)
			e.mbytes = e.total;	/* a merge read everything */
		if (o == P_STOP)
			report(&e, stop_at.fi, stop_at.off, false);
		else
			report(&e, last, e.before[last + 1] - e.before[last], false);
	}
	if (!e.dry) {
		struct jk_err keep = res->err;
		int k = write_record(&e, status, res->status == RST_ABORTED ? res->err.msg : res->why, true);

		if (k != 0 && rc == 0)
			rc = k;
		else
			res->err = keep;
	}
out:
	teardown(&e);
	if (res->finished_us == 0)
		res->finished_us = jrn_now_us();
	return rc;
}
