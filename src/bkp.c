/*
 * bkp.c - backups, the write lock, the backup history and the purge; the
 * contract and the on-disk formats are in bkp.h.
 *
 * THE COPY.  Each database is copied by db_copy_fd (LMDB's compacting copy)
 * into a pipe, in a thread of its own; a second thread drains the pipe into
 * the backup file.  LMDB begins the copy's read transaction -- the snapshot
 * -- before it writes its first byte, so the first byte out of the pipe
 * tells that the snapshot of that database is taken.  Once every database's
 * first byte has come, writes are unlocked, and the copies go on from their
 * snapshots while writers work.  A drain that cannot write (a full disk)
 * keeps reading and dropping, so the copy thread always ends, and the error
 * is the backup's.
 *
 *	main:    lock -> switch -> marker -> start copy+drain per db
 *	         -> wait for each first byte -> unlock -> join -> fsync dirs
 *	         -> manifest -> history
 *	copy:    db_copy_fd(db, pipe) ; close(pipe)
 *	drain:   read pipe -> write file (bkp_io) ... EOF -> fsync file
 */
#include "bkp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clu.h"
#include "dblock.h"
#include "inst.h"
#include "jrn/jrn.h"
#include "rst.h"

#define GATE_SIZE	4096
#define LOCK_WRITES	0	/* byte of backup.lock: the write lock */
#define LOCK_HISTORY	1	/* byte of backup.lock: one history writer at a time */
#define POLL_NS		2000000L	/* 2 ms between looks at a lock held by another */
#define COPY_BUF	(1u << 20)
#define COPY_FLUSH	(8u << 20)	/* a copy's dirty pages: written back every 8 MiB, at most 16 MiB waiting */

/* The mapped start of state/backup.lock.  Zero bytes: unlocked. */
struct gate_word {
	uint64_t token;		/* non-zero while writes are locked (atomic) */
	uint32_t pid;		/* the holder */
	uint32_t kind;		/* enum bkp_holder */
	uint64_t since_us;
};

struct bkp_gate {
	int fd;
	struct gate_word *w;
	bool held;		/* this handle holds the write lock */
	char path[PATH_MAX];
};

static struct bkp_io io = { NULL, NULL };

void
bkp_set_io(const struct bkp_io *t)
{
	if (t == NULL)
		memset(&io, 0, sizeof io);
	else
		io = *t;
}

static ssize_t
io_write(int fd, const void *p, size_t n)
{
	return io.write != NULL ? io.write(fd, p, n) : write(fd, p, n);
}

static int
io_fsync(int fd)
{
	return io.fsync != NULL ? io.fsync(fd) : fsync(fd);
}

static uint64_t
now_us(void)
{
	return jrn_now_us();
}

static void
pause_poll(void)
{
	struct timespec ts = { 0, POLL_NS };

	nanosleep(&ts, NULL);
}

static int
nomem(struct jk_err *err)
{
	return jk_errf(err, JK_ENOMEM, "out of memory");
}

/* ---- the gate -------------------------------------------------------------------- */

/* Whether another open file holds a write lock on byte of fd: 1 yes, 0 no, -1 with errno. */
static int
write_locked(int fd, off_t byte)
{
	struct flock fl;

	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	if (fcntl(fd, F_OFD_GETLK, &fl) != 0)
		return -1;
	return fl.l_type != F_UNLCK;
}

int
bkp_gate_open(const char *dir, struct bkp_gate **out, struct jk_err *err)
{
	struct bkp_gate *g;
	struct stat st;
	void *m;

	*out = NULL;
	if ((g = calloc(1, sizeof *g)) == NULL)
		return nomem(err);
	snprintf(g->path, sizeof g->path, "%s%s", dir, BKP_LOCK_FILE);
	g->fd = open(g->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (g->fd < 0) {
		int e = errno;

		free(g);
		return jk_errno(err, e, "cannot open '%s%s'", dir, BKP_LOCK_FILE);
	}
	/* A short file is grown (by whoever comes first; growing twice is harmless). */
	if (fstat(g->fd, &st) != 0 || (st.st_size < GATE_SIZE && ftruncate(g->fd, GATE_SIZE) != 0))
		goto fail;
	m = mmap(NULL, GATE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	if (m == MAP_FAILED)
		goto fail;
	g->w = m;
	*out = g;
	return 0;
fail:
	jk_errno(err, errno, "cannot map '%s'", g->path);
	close(g->fd);
	free(g);
	return err != NULL ? err->code : JK_EIO;
}

static void
gate_release(struct bkp_gate *g)
{
	if (!g->held)
		return;
	/* token first, then the record lock: a token without a lock is a dead holder's */
	__atomic_store_n(&g->w->token, 0, __ATOMIC_SEQ_CST);
	g->w->pid = 0;
	g->w->kind = 0;
	jk_lock_byte(g->fd, LOCK_WRITES, F_UNLCK, false);
	g->held = false;
}

void
bkp_gate_close(struct bkp_gate *g)
{
	if (g == NULL)
		return;
	gate_release(g);
	munmap(g->w, GATE_SIZE);
	close(g->fd);
	free(g);
}

bool
bkp_gate_shut(const struct bkp_gate *g)
{
	return !g->held && __atomic_load_n(&g->w->token, __ATOMIC_ACQUIRE) != 0;
}

static const char *
holder_name(uint32_t kind)
{
	return kind == BKP_HOLDER_BACKUP ? "a backup (jrnkit backup)" :
	    kind == BKP_HOLDER_LOCK ? "jrnkit lock (jrnkit unlock releases it)" : "another process";
}

int
bkp_gate_wait(struct bkp_gate *g, unsigned ms, struct jk_err *err)
{
	uint64_t start = now_us(), tok;
	int held;

	for (;;) {
		tok = __atomic_load_n(&g->w->token, __ATOMIC_ACQUIRE);
		if (tok == 0 || g->held)
			return 0;
		held = write_locked(g->fd, LOCK_WRITES);
		if (held < 0)
			return jk_errno(err, errno, "cannot test the lock of '%s'", g->path);
		if (held == 0) {
			/* its holder died: clear its token, unless a new holder has put its own */
			__atomic_compare_exchange_n(&g->w->token, &tok, 0, false, __ATOMIC_SEQ_CST,
			    __ATOMIC_SEQ_CST);
			return 0;
		}
		if (now_us() - start >= (uint64_t)ms * 1000)
			return jk_errf(err, JK_ELOCKED,
			    "writes are locked for a backup by %s, pid %u, in %.*s; waited %u ms "
			    "(lock_wait_ms in jrnkit.yaml)", holder_name(g->w->kind), (unsigned)g->w->pid,
			    (int)(strlen(g->path) - strlen(BKP_LOCK_FILE)), g->path, ms);
		pause_poll();
	}
}

/* Take the write lock for this handle, waiting at most ms for another holder. */
static int
gate_hold(struct bkp_gate *g, enum bkp_holder kind, unsigned ms, struct jk_err *err)
{
	uint64_t start = now_us(), tok = 0;

	if (g->held)
		return jk_errf(err, JK_ESTATE, "writes are already locked by this process");
	while (jk_lock_byte(g->fd, LOCK_WRITES, F_WRLCK, false) != 0) {
		if (errno != EAGAIN && errno != EACCES)
			return jk_errno(err, errno, "cannot lock '%s'", g->path);
		if (now_us() - start >= (uint64_t)ms * 1000)
			return jk_errf(err, JK_ELOCKED, "writes are already locked by %s, pid %u; waited %u ms",
			    holder_name(g->w->kind), (unsigned)g->w->pid, ms);
		pause_poll();
	}
	while (tok == 0 && getrandom(&tok, sizeof tok, 0) != (ssize_t)sizeof tok)
		tok = now_us() ^ ((uint64_t)getpid() << 32);
	g->w->pid = (uint32_t)getpid();
	g->w->kind = (uint32_t)kind;
	g->w->since_us = now_us();
	__atomic_store_n(&g->w->token, tok | 1, __ATOMIC_SEQ_CST);
	g->held = true;
	return 0;
}

int
bkp_locked(const char *dir, struct bkp_lock_state *st, struct jk_err *err)
{
	struct bkp_gate *g;
	int rc, held;

	memset(st, 0, sizeof *st);
	if ((rc = bkp_gate_open(dir, &g, err)) != 0)
		return rc;
	held = write_locked(g->fd, LOCK_WRITES);
	if (held < 0) {
		rc = jk_errno(err, errno, "cannot test the lock of '%s'", g->path);
	} else if (held > 0) {
		st->locked = true;
		st->pid = (pid_t)g->w->pid;
		st->kind = (enum bkp_holder)g->w->kind;
		st->since_us = g->w->since_us;
	}
	bkp_gate_close(g);
	return rc;
}

/* ---- lock and flush ----------------------------------------------------------------- */

/*
 * The instance's databases: the list (jk_db_list) and the default db/user/,
 * which is not always on it.  Owned as jk_db_list's.
 */
static int
all_dbs(struct jk *j, char ***paths, bool **mounted, size_t *n, struct jk_err *err)
{
	struct buf def = BUF_INIT, canon = BUF_INIT;
	char **np;
	bool *nm;
	size_t i;
	int rc;

	if ((rc = jk_db_list(j, paths, mounted, n)) != 0) {
		*err = *jk_err(j);
		return rc;
	}
	if (buf_addf(&def, "%sdb/user/", jk_dir(j)) != 0)
		return nomem(err);
	if (db_exists(buf_str(&def)) && db_canon_path(buf_str(&def), &canon, NULL) == 0) {
		for (i = 0; i < *n && strcmp((*paths)[i], buf_str(&canon)) != 0; i++)
			;
		if (i == *n) {
			if ((np = realloc(*paths, (*n + 1) * sizeof *np)) != NULL)
				*paths = np;
			if ((nm = realloc(*mounted, (*n + 1) * sizeof *nm)) != NULL)
				*mounted = nm;
			if (np == NULL || nm == NULL || ((*paths)[*n] = strdup(buf_str(&canon))) == NULL)
				rc = nomem(err);
			else
				(*mounted)[(*n)++] = true;
		}
	}
	buf_release(&def);
	buf_release(&canon);
	return rc;
}

static void
dbs_free(char **paths, bool *mounted, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(mounted);
}

/* The end of j's journal now, as a checkpoint location; false when not journaling. */
static int
journal_end(struct jk *j, struct jk_loc *loc, bool *journaling, struct jk_err *err)
{
	struct jrn_status st;
	int rc;

	if ((rc = jk_status(j, &st)) != 0) {
		*err = *jk_err(j);
		return rc;
	}
	loc->file_id = st.file_id;
	loc->offset = st.end;
	snprintf(loc->path, sizeof loc->path, "%s", st.path);
	*journaling = st.journaling;
	return 0;
}

/*
 * Flush every mounted database (a database not written in the current
 * journal file is not covered by jk_checkpoint) and, when ckpt is not
 * NULL, move its checkpoint there first.  ckpt must be a place before which
 * everything committed is in the data files: the end of the journal at a
 * moment when writes were locked and the journal lock had been had once.
 * Writers may go on meanwhile: a checkpoint only says what is in the data
 * file, and what they add comes after it.
 */
static int
flush_all(struct jk *j, const struct jk_loc *ckpt, struct jk_err *err)
{
	struct db_meta m;
	struct jk_db *db;
	char **paths;
	bool *mounted;
	size_t n, i;
	int rc;

	if ((rc = all_dbs(j, &paths, &mounted, &n, err)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		if (!mounted[i] || !db_exists(paths[i]))
			continue;
		if ((rc = jk_db(j, paths[i], &db)) != 0) {
			*err = *jk_err(j);
			break;
		}
		if (ckpt != NULL && (rc = db_meta_get(db, &m)) == 0 && m.journaled) {
			m.ckpt = *ckpt;
			rc = db_meta_set(db, &m);
		}
		if (rc == 0)
			rc = db_sync(db);
		if (rc != 0)
			*err = *db_err(db);
	}
	dbs_free(paths, mounted, n);
	return rc;
}

/* Lock writes: the gate, then the journal lock once (a switch), so a transaction in progress ends first. */
static int
lock_writes(struct jk *j, enum bkp_holder kind, unsigned wait_ms, struct jk_err *err)
{
	struct bkp_gate *g;
	int rc;

	if (jk_tlevel(j) > 0)
		return jk_errf(err, JK_ESTATE, "cannot lock writes inside a transaction");
	if ((g = jk_gate(j)) == NULL) {
		*err = *jk_err(j);
		return err->code;
	}
	/* most of the flush before writes are locked: then writers wait only for what comes meanwhile */
	if ((rc = flush_all(j, NULL, err)) != 0)
		return rc;
	return gate_hold(g, kind, wait_ms, err);
}

int
bkp_lock(struct jk *j, enum bkp_holder kind, unsigned wait_ms, struct jk_err *err)
{
	struct jk_loc loc;
	bool journaling;
	int rc;

	if ((rc = lock_writes(j, kind, wait_ms, err)) != 0)
		return rc;
	/* the checkpoint takes the journal lock: a transaction in progress ends first */
	if ((rc = jk_checkpoint(j)) != 0) {
		*err = *jk_err(j);
		goto fail;
	}
	if ((rc = journal_end(j, &loc, &journaling, err)) != 0 ||
	    (rc = flush_all(j, journaling ? &loc : NULL, err)) != 0)
		goto fail;
	return 0;
fail:
	gate_release(jk_gate(j));
	return rc;
}

void
bkp_unlock(struct jk *j)
{
	struct bkp_gate *g = jk_gate(j);

	if (g != NULL)
		gate_release(g);
}

/* ---- the history ------------------------------------------------------------------------ */

static void
entry_release(struct bkp_entry *e)
{
	size_t i;

	free(e->name);
	free(e->type);
	free(e->marker_path);
	free(e->dir);
	for (i = 0; i < e->ndbs; i++) {
		free(e->dbs[i].source);
		free(e->dbs[i].copy);
	}
	free(e->dbs);
	memset(e, 0, sizeof *e);
}

void
bkp_entry_release(struct bkp_entry *e)
{
	entry_release(e);
}

void
bkp_history_release(struct bkp_history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		entry_release(&h->e[i]);
	free(h->e);
	h->e = NULL;
	h->n = 0;
}

static bool
u64_field(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end == '\0' && errno == 0;
}

/* One line's fields (split in place at TABs) into e. */
static int
parse_line(char **f, size_t nf, struct bkp_entry *e)
{
	size_t i, base, nd;
	uint64_t v;

	memset(e, 0, sizeof *e);
	if (nf >= 11 && strcmp(f[0], "backup") == 0) {
		e->restored = false;
		if (!u64_field(f[3], &e->time_us) || !u64_field(f[4], &e->marker_offset) ||
		    !u64_field(f[7], &e->bytes) || !u64_field(f[8], &e->locked_us) ||
		    !u64_field(f[9], &v))
			return JK_EFORMAT;
		if ((e->type = strdup(f[2])) == NULL || (e->marker_path = strdup(f[5])) == NULL ||
		    (e->dir = strdup(f[6])) == NULL)
			return JK_ENOMEM;
		base = 10;
	} else if (nf >= 4 && strcmp(f[0], "restored") == 0) {
		e->restored = true;
		if (!u64_field(f[2], &e->time_us) || !u64_field(f[3], &v))
			return JK_EFORMAT;
		base = 4;
	} else {
		return JK_EFORMAT;
	}
	if ((e->name = strdup(f[1])) == NULL)
		return JK_ENOMEM;
	nd = (size_t)v;
	if (v > 4096 || nf != base + 2 * nd)
		return JK_EFORMAT;
	if (nd > 0 && (e->dbs = calloc(nd, sizeof *e->dbs)) == NULL)
		return JK_ENOMEM;
	for (i = 0; i < nd; i++, e->ndbs++)
		if ((e->dbs[i].source = strdup(f[base + 2 * i])) == NULL ||
		    (e->dbs[i].copy = strdup(f[base + 2 * i + 1])) == NULL)
			return JK_ENOMEM;
	return 0;
}

static int
history_parse(const char *name, char *text, struct bkp_history *h, struct jk_err *err)
{
	char *line, *next, *f[4096 * 2 + 16];
	size_t lineno = 0, nf;
	struct bkp_entry *ne;
	int rc;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (nf = 0, f[nf++] = line; nf < sizeof f / sizeof f[0]; nf++) {
			char *t = strchr(f[nf - 1], '\t');

			if (t == NULL)
				break;
			*t = '\0';
			f[nf] = t + 1;
		}
		if ((ne = realloc(h->e, (h->n + 1) * sizeof *h->e)) == NULL)
			return nomem(err);
		h->e = ne;
		rc = parse_line(f, nf, &h->e[h->n]);
		h->n++;
		if (rc == JK_ENOMEM)
			return nomem(err);
		if (rc != 0)
			return jk_errf(err, JK_EFORMAT, "%s:%zu: not a backup history line (see jrnkit(8), FILES)",
			    name, lineno);
	}
	return 0;
}

int
bkp_history_read(const char *dir, struct bkp_history *h, struct jk_err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int rc;

	h->e = NULL;
	h->n = 0;
	if (buf_addf(&path, "%s%s", dir, BKP_HISTORY) != 0)
		return nomem(err);
	rc = jk_read_file(buf_str(&path), &text, err);
	if (rc == JK_ENOTFOUND) {
		jk_err_clear(err);
		rc = 0;
	} else if (rc == 0 && text.len > 0) {
		rc = history_parse(buf_str(&path), (char *)text.data, h, err);
	}
	if (rc != 0)
		bkp_history_release(h);
	buf_release(&path);
	buf_release(&text);
	return rc;
}

const struct bkp_entry *
bkp_history_find(const struct bkp_history *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (!h->e[i].restored && strcmp(h->e[i].name, name) == 0)
			return &h->e[i];
	return NULL;
}

const struct bkp_entry *
bkp_history_restored(const struct bkp_history *h, uint64_t *restored_us)
{
	if (h->n == 0 || !h->e[h->n - 1].restored)
		return NULL;
	*restored_us = h->e[h->n - 1].time_us;
	return bkp_history_find(h, h->e[h->n - 1].name);
}

/* A field of a line: no TAB, no newline (they separate fields and lines). */
static int
field(struct buf *b, const char *s, struct jk_err *err)
{
	if (strpbrk(s, "\t\n") != NULL)
		return jk_errf(err, JK_EUSAGE, "'%s' holds a tab or a newline: the backup history cannot name it", s);
	if (buf_addc(b, '\t') != 0 || buf_adds(b, s) != 0)
		return nomem(err);
	return 0;
}

/* The history line of e, with its newline. */
static int
format_line(const struct bkp_entry *e, struct buf *b, struct jk_err *err)
{
	size_t i;
	int rc;

	if (e->restored)
		rc = buf_addf(b, "restored\t%s\t%" PRIu64 "\t%zu", e->name, e->time_us, e->ndbs);
	else
		rc = buf_addf(b, "backup\t%s\t%s\t%" PRIu64 "\t%" PRIu64, e->name, e->type, e->time_us,
		    e->marker_offset);
	if (rc != 0)
		return nomem(err);
	if (!e->restored) {
		if ((rc = field(b, e->marker_path, err)) != 0 || (rc = field(b, e->dir, err)) != 0)
			return rc;
		if (buf_addf(b, "\t%" PRIu64 "\t%" PRIu64 "\t%zu", e->bytes, e->locked_us, e->ndbs) != 0)
			return nomem(err);
	}
	for (i = 0; i < e->ndbs; i++)
		if ((rc = field(b, e->dbs[i].source, err)) != 0 || (rc = field(b, e->dbs[i].copy, err)) != 0)
			return rc;
	return buf_addc(b, '\n') != 0 ? nomem(err) : 0;
}

static const char history_head[] =
    "# jrnkit backup history (jrnkit(8), FILES): one event a line, fields separated by TAB\n"
    "# backup NAME TYPE TIME_US MARKER_OFFSET MARKER_PATH DIR BYTES LOCKED_US N (SOURCE COPY) x N\n"
    "# restored NAME TIME_US N (SOURCE TARGET) x N\n";

/* Append e to the history, under the history lock (one writer at a time). */
static int
history_append(struct jk *j, const struct bkp_entry *e, struct jk_err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct bkp_gate *g = jk_gate(j);
	int rc;

	if (g == NULL) {
		*err = *jk_err(j);
		return err->code;
	}
	if (jk_lock_byte(g->fd, LOCK_HISTORY, F_WRLCK, true) != 0)
		return jk_errno(err, errno, "cannot lock '%s'", g->path);
	if (buf_addf(&path, "%s%s", jk_dir(j), BKP_HISTORY) != 0) {
		rc = nomem(err);
		goto out;
	}
	rc = jk_read_file(buf_str(&path), &text, err);
	if (rc == JK_ENOTFOUND || (rc == 0 && text.len == 0)) {
		jk_err_clear(err);
		buf_reset(&text);
		rc = buf_adds(&text, history_head) != 0 ? nomem(err) : 0;
	}
	if (rc == 0 && text.len > 0 && text.data[text.len - 1] != '\n' && buf_addc(&text, '\n') != 0)
		rc = nomem(err);
	if (rc == 0 && (rc = format_line(e, &text, err)) == 0)
		rc = jk_write_file_atomic(buf_str(&path), text.data, text.len, err);
out:
	jk_lock_byte(g->fd, LOCK_HISTORY, F_UNLCK, false);
	buf_release(&path);
	buf_release(&text);
	return rc;
}

/* ---- the marker --------------------------------------------------------------------------- */

/*
 * On a cluster member the backup marker is cluster-wide (jk_mark_cluster):
 * one sequence number, a copy in every member's journal, so a cluster
 * restore can start from it.  The other members are opened for it; loc is
 * this member's copy.
 */
static int
cluster_marker(struct jk *j, const char *text, struct jk_loc *loc, struct jk_err *err)
{
	struct jk *m[CLU_MAX_MEMBERS];
	struct jk_loc locs[CLU_MAX_MEMBERS];
	struct clu_member *mem = NULL;
	size_t n = 0, i, k = 0, self = SIZE_MAX;
	int rc;

	if ((rc = clu_members(jk_conf(j)->cluster_dir, &mem, &n, err)) != 0)
		return rc;
	if (n > CLU_MAX_MEMBERS)
		n = CLU_MAX_MEMBERS;
	for (k = 0; k < n; k++) {
		if (mem[k].csn == jk_conf(j)->csn) {
			m[k] = j;
			self = k;
		} else if ((rc = jk_open(mem[k].inst, &m[k], err)) != 0) {
			break;
		}
	}
	if (rc == 0 && self == SIZE_MAX)
		rc = jk_errf(err, JK_ESTATE, "%s is not in the members list of the cluster in %s", jk_dir(j),
		    jk_conf(j)->cluster_dir);
	if (rc == 0 && (rc = jk_mark_cluster(m, n, JRN_BACKUP_MARKER_ID, text, NULL, NULL, locs, err)) == 0)
		*loc = locs[self];
	for (i = 0; i < k; i++)
		if (i != self)
			jk_close(m[i]);
	clu_members_free(mem, n);
	return rc;
}

int
bkp_marker(struct jk *j, const char *type, uint64_t time_us, struct jk_loc *loc, struct jk_err *err)
{
	char text[64];
	struct tm tm;
	time_t t = (time_t)(time_us / 1000000);
	int rc;

	localtime_r(&t, &tm);
	snprintf(text, sizeof text, "%04d%02d%02d;%02d:%02d:%02d;%.16s", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, type);
	if (jk_conf(j)->cluster_dir[0] != '\0')
		return cluster_marker(j, text, loc, err);
	if ((rc = jk_mark(j, JRN_BACKUP_MARKER_ID, text, loc)) != 0)
		*err = *jk_err(j);
	return rc;
}

/* ---- backups ----------------------------------------------------------------------------------- */

struct copy {
	struct jk_db *db;
	struct dblock *use;
	char file[PATH_MAX + 64];	/* the copy's data.mdb */
	int out;		/* its descriptor */
	int pipe[2];
	pthread_t copier, drainer;
	bool copier_on, drainer_on;
	int crc;		/* the copy's result */
	struct jk_err cerr;
	int werr;		/* errno of a failed write or sync, 0 */
	const char *wwhat;
	uint64_t bytes;
	uint64_t flushed;	/* bytes [0, flushed) are being written back (copy_flush) */
	uint64_t flush_prev;	/* the range [flush_prev, flushed) was started last */
	bool begun;		/* the first read returned: the snapshot is taken */
	pthread_mutex_t *mu;
	pthread_cond_t *cv;
};

static void *
copier(void *arg)
{
	struct copy *c = arg;

	c->crc = db_copy_fd(c->db, c->pipe[1]);
	if (c->crc != 0)
		c->cerr = *db_err(c->db);
	close(c->pipe[1]);
	c->pipe[1] = -1;
	return NULL;
}

/*
 * Start the write-back of what c wrote since the last call, once it is
 * COPY_FLUSH bytes, and wait for the range started the time before.  A
 * gigabyte written and synced at the end would fill the disk's queue in one
 * go and stall the writers' journal syncs behind it; so the copy keeps at
 * most two ranges unwritten.  Only a hint: the fsync at the end is what
 * makes the copy durable, so a failure here is left to it.
 */
static void
copy_flush(struct copy *c)
{
	uint64_t from = c->flushed;

	if (c->bytes - from < COPY_FLUSH)
		return;
	sync_file_range(c->out, (off_t)from, (off_t)(c->bytes - from), SYNC_FILE_RANGE_WRITE);
	if (from > c->flush_prev)
		sync_file_range(c->out, (off_t)c->flush_prev, (off_t)(from - c->flush_prev),
		    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
	c->flush_prev = from;
	c->flushed = c->bytes;
}

static void *
drainer(void *arg)
{
	struct copy *c = arg;
	uint8_t *b = malloc(COPY_BUF);
	ssize_t n, w;
	size_t off;

	if (b == NULL) {
		c->werr = ENOMEM;
		c->wwhat = "cannot copy to";
	}
	for (;;) {
		uint8_t small[4096];

		n = read(c->pipe[0], b != NULL ? b : small, b != NULL ? COPY_BUF : sizeof small);
		if (n < 0 && errno == EINTR)
			continue;
		if (!c->begun) {
			pthread_mutex_lock(c->mu);
			c->begun = true;
			pthread_cond_broadcast(c->cv);
			pthread_mutex_unlock(c->mu);
		}
		if (n < 0 && c->werr == 0) {
			c->werr = errno;
			c->wwhat = "cannot read the copy of the database for";
		}
		if (n <= 0)
			break;
		for (off = 0; c->werr == 0 && off < (size_t)n; off += (size_t)w) {
			w = io_write(c->out, b + off, (size_t)n - off);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w <= 0) {
				c->werr = w < 0 ? errno : ENOSPC;
				c->wwhat = "cannot write";
				break;
			}
			c->bytes += (size_t)w;
		}
		if (c->werr == 0)
			copy_flush(c);
	}
	if (c->werr == 0 && c->crc == 0 && io_fsync(c->out) != 0) {
		c->werr = errno;
		c->wwhat = "cannot sync";
	}
	free(b);
	return NULL;
}

static void
copies_cleanup(struct copy *cs, size_t n, const char *bdir)
{
	char p[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < n; i++) {
		if (cs[i].out >= 0)
			close(cs[i].out);
		if (cs[i].file[0] != '\0') {
			unlink(cs[i].file);
			snprintf(p, sizeof p, "%s", cs[i].file);
			*strrchr(p, '/') = '\0';
			rmdir(p);
		}
		dblock_close(cs[i].use);
	}
	if (bdir != NULL && bdir[0] != '\0') {
		snprintf(p, sizeof p, "%smanifest", bdir);
		unlink(p);
		rmdir(bdir);
	}
}

/* The backup's directory: dir/TYPE-YYYYMMDD-HHMMSS[-N]/, made. */
static int
make_backup_dir(const char *dir, const char *type, uint64_t t_us, struct buf *name, struct buf *bdir,
    struct jk_err *err)
{
	time_t t = (time_t)(t_us / 1000000);
	struct tm tm;
	int k;

	localtime_r(&t, &tm);
	for (k = 1; k < 1000; k++) {
		buf_reset(name);
		buf_reset(bdir);
		if (buf_addf(name, "%s-%04d%02d%02d-%02d%02d%02d", type, tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) != 0 ||
		    (k > 1 && buf_addf(name, "-%d", k) != 0) ||
		    buf_addf(bdir, "%s%s/", dir, buf_str(name)) != 0)
			return nomem(err);
		if (mkdir(buf_str(bdir), 0777) == 0)
			return 0;
		if (errno != EEXIST)
			return jk_errno(err, errno, "cannot create backup directory '%s'", buf_str(bdir));
	}
	return jk_errf(err, JK_EEXIST, "too many backups named %s in %s", buf_str(name), dir);
}

static int
add_db(struct bkp_entry *e, const char *source, const char *copy)
{
	struct bkp_db *n = realloc(e->dbs, (e->ndbs + 1) * sizeof *n);

	if (n == NULL)
		return JK_ENOMEM;
	e->dbs = n;
	n[e->ndbs].source = strdup(source);
	n[e->ndbs].copy = strdup(copy);
	e->ndbs++;
	if (n[e->ndbs - 1].source == NULL || n[e->ndbs - 1].copy == NULL)
		return JK_ENOMEM;
	return 0;
}

/* Prepare the copies: a directory and an empty data.mdb each, before writes are locked. */
static int
prepare_copies(struct jk *j, struct bkp_entry *e, struct copy *cs, size_t *ncs,
    char **paths, bool *mounted, size_t n, struct jk_err *err)
{
	char sub[PATH_MAX + 32];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct copy *c = &cs[*ncs];

		if (!mounted[i] || !db_exists(paths[i]))
			continue;
		memset(c, 0, sizeof *c);
		c->out = -1;
		c->pipe[0] = c->pipe[1] = -1;
		snprintf(sub, sizeof sub, "%sdb%zu/", e->dir, *ncs + 1);
		if (add_db(e, paths[i], sub) != 0)
			return nomem(err);
		if (mkdir(sub, 0777) != 0)
			return jk_errno(err, errno, "cannot create '%s'", sub);
		snprintf(c->file, sizeof c->file, "%sdata.mdb", sub);
		(*ncs)++;
		c->out = open(c->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (c->out < 0)
			return jk_errno(err, errno, "cannot create '%s'", c->file);
		if ((rc = jk_db(j, paths[i], &c->db)) != 0) {
			*err = *jk_err(j);
			return rc;
		}
		/* a database being restored is not backed up (dblock.h) */
		if ((rc = dblock_open(db_path(c->db), false, &c->use, err)) != 0)
			return rc;
	}
	if (*ncs == 0)
		return jk_errf(err, JK_ESTATE, "no mounted database to back up in %s", jk_dir(j));
	return 0;
}

/* Start the copy and drain threads of c; wait until its snapshot is taken. */
static int
start_copy(struct copy *c, pthread_mutex_t *mu, pthread_cond_t *cv, struct jk_err *err)
{
	int rc;

	c->mu = mu;
	c->cv = cv;
	if (pipe2(c->pipe, O_CLOEXEC) != 0)
		return jk_errno(err, errno, "cannot make a pipe for the copy of %s", db_path(c->db));
	if ((rc = pthread_create(&c->drainer, NULL, drainer, c)) != 0)
		return jk_errno(err, rc, "cannot start the copy of %s", db_path(c->db));
	c->drainer_on = true;
	if ((rc = pthread_create(&c->copier, NULL, copier, c)) != 0) {
		close(c->pipe[1]);	/* the drainer sees its end */
		c->pipe[1] = -1;
		return jk_errno(err, rc, "cannot start the copy of %s", db_path(c->db));
	}
	c->copier_on = true;
	pthread_mutex_lock(mu);
	while (!c->begun)
		pthread_cond_wait(cv, mu);
	pthread_mutex_unlock(mu);
	return 0;
}

/* Join c's threads; its error into err (the first one kept). */
static int
join_copy(struct copy *c, int rc, struct jk_err *err)
{
	if (c->copier_on)
		pthread_join(c->copier, NULL);
	if (c->drainer_on)
		pthread_join(c->drainer, NULL);
	c->copier_on = c->drainer_on = false;
	if (c->pipe[0] >= 0)
		close(c->pipe[0]);
	if (c->pipe[1] >= 0)
		close(c->pipe[1]);
	c->pipe[0] = c->pipe[1] = -1;
	if (rc != 0)
		return rc;
	if (c->crc != 0) {
		*err = c->cerr;
		return c->crc;
	}
	if (c->werr != 0)
		return jk_errno(err, c->werr, "%s '%s'", c->wwhat, c->file);
	return 0;
}

static int
write_manifest(const struct bkp_entry *e, struct jk_err *err)
{
	struct buf b = BUF_INIT, p = BUF_INIT;
	int rc;

	if (buf_adds(&b, history_head) != 0 || buf_addf(&p, "%smanifest", e->dir) != 0)
		rc = nomem(err);
	else if ((rc = format_line(e, &b, err)) == 0)
		rc = jk_write_file_atomic(buf_str(&p), b.data, b.len, err);
	buf_release(&b);
	buf_release(&p);
	return rc;
}

int
bkp_backup(struct jk *j, const char *dir, const char *type, struct bkp_entry *out, struct jk_err *err)
{
	struct buf canon = BUF_INIT, name = BUF_INIT, bdir = BUF_INIT;
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	struct jrn_status st;
	struct copy *cs = NULL;
	struct jk_loc loc, ckpt;
	char **paths = NULL;
	bool *mounted = NULL, locked = false, journaling;
	size_t n = 0, ncs = 0, i;
	uint64_t t0, t_lock;
	int rc;

	memset(out, 0, sizeof *out);
	if (strcmp(type, "full") != 0)
		return jk_errf(err, JK_EUSAGE, "backup type '%s': jrnkit takes full backups (--type full)", type);
	if (jk_tlevel(j) > 0)
		return jk_errf(err, JK_ESTATE, "cannot take a backup inside a transaction");
	if ((rc = db_canon_path(dir, &canon, err)) != 0) {
		if (rc == JK_EIO && err->sys_errno == ENOENT)
			rc = jk_errf(err, JK_ENOTFOUND, "backup directory '%s' does not exist", dir);
		goto out;
	}
	if (access(buf_str(&canon), W_OK | X_OK) != 0) {
		rc = jk_errno(err, errno, "cannot write in backup directory '%s'", buf_str(&canon));
		goto out;
	}
	if ((rc = jk_status(j, &st)) != 0) {
		*err = *jk_err(j);
		goto out;
	}
	if (!st.journaling) {
		rc = jk_errf(err, JK_ESTATE, "journaling is stopped in %s: a backup's marker goes in the "
		    "journal (jrnkit start)", jk_dir(j));
		goto out;
	}
	if ((rc = all_dbs(j, &paths, &mounted, &n, err)) != 0)
		goto out;
	if (n > 0 && (cs = calloc(n, sizeof *cs)) == NULL) {
		rc = nomem(err);
		goto out;
	}
	t0 = now_us();
	if ((rc = make_backup_dir(buf_str(&canon), type, t0, &name, &bdir, err)) != 0)
		goto out;
	out->restored = false;
	out->time_us = t0;
	if ((out->name = strdup(buf_str(&name))) == NULL || (out->type = strdup(type)) == NULL ||
	    (out->dir = strdup(buf_str(&bdir))) == NULL) {
		rc = nomem(err);
		goto out;
	}
	if ((rc = prepare_copies(j, out, cs, &ncs, paths, mounted, n, err)) != 0)
		goto out;

	/* Writes locked from here to the unlock below, whatever happens between. */
	if ((rc = lock_writes(j, BKP_HOLDER_BACKUP, jk_conf(j)->lock_wait_ms, err)) != 0)
		goto out;
	locked = true;
	t_lock = jk_gate(j)->w->since_us;	/* when the lock was taken, after the pre-flush */
	/* the switch takes the journal lock: a transaction in progress ends first */
	if ((rc = jk_switch(j, NULL, NULL)) != 0) {
		*err = *jk_err(j);
		goto out;
	}
	if ((rc = bkp_marker(j, type, t0, &loc, err)) != 0)
		goto out;
	out->marker_offset = loc.offset;
	if ((out->marker_path = strdup(loc.path)) == NULL) {
		rc = nomem(err);
		goto out;
	}
	if ((rc = journal_end(j, &ckpt, &journaling, err)) != 0)
		goto out;
	for (i = 0; i < ncs && rc == 0; i++)
		rc = start_copy(&cs[i], &mu, &cv, err);
	bkp_unlock(j);
	locked = false;
	out->locked_at_us = t_lock;
	out->locked_us = now_us() - t_lock;
	/* everything before the marker is in the data files: the checkpoints move past it (so
	 * recovery needs nothing before the marker's file), flushed while writers go on */
	if (rc == 0)
		rc = flush_all(j, &ckpt, err);

	for (i = 0; i < ncs; i++) {
		rc = join_copy(&cs[i], rc, err);
		out->bytes += cs[i].bytes;
	}
	for (i = 0; i < ncs && rc == 0; i++) {
		rc = jk_fsync_dir(out->dbs[i].copy, err);
	}
	if (rc == 0 && (rc = write_manifest(out, err)) == 0 && (rc = jk_fsync_dir(buf_str(&canon), err)) == 0)
		rc = history_append(j, out, err);
out:
	if (locked)
		bkp_unlock(j);
	for (i = 0; i < ncs; i++)
		join_copy(&cs[i], 1, err);
	if (rc != 0) {
		copies_cleanup(cs, ncs, bdir.len > 0 && out->dir != NULL ? buf_str(&bdir) : NULL);
		entry_release(out);
	} else {
		for (i = 0; i < ncs; i++) {
			close(cs[i].out);
			cs[i].out = -1;
			dblock_close(cs[i].use);
		}
	}
	dbs_free(paths, mounted, n);
	free(cs);
	buf_release(&canon);
	buf_release(&name);
	buf_release(&bdir);
	return rc;
}

/* ---- restoring a backup ------------------------------------------------------------------ */

/* Whether a process other than this one has the LMDB environment in dir open (its lock.mdb locked). */
static int
env_open_elsewhere(const char *dir, bool *open_, struct jk_err *err)
{
	char p[PATH_MAX + 16];
	struct flock fl;
	int fd;

	*open_ = false;
	snprintf(p, sizeof p, "%slock.mdb", dir);
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : jk_errno(err, errno, "cannot open '%s'", p);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	/* LMDB holds a read lock on byte 0 of lock.mdb while the environment is open */
	if (fcntl(fd, F_GETLK, &fl) != 0) {
		int e = errno;

		close(fd);
		return jk_errno(err, e, "cannot test '%s'", p);
	}
	close(fd);
	*open_ = fl.l_type != F_UNLCK;
	return 0;
}

/*
 * Copy file from to a new file to (created, synced), holes kept: a data
 * file that LMDB has opened for writing is as long as its map (1 TiB) and
 * sparse, and only its data is copied.
 */
static int
copy_file(const char *from, const char *to, struct jk_err *err)
{
	uint8_t *b = malloc(COPY_BUF);
	int in = -1, out = -1, rc = 0;
	off_t data, hole, off, size;
	ssize_t n, w;
	size_t done;
	struct stat st;

	if (b == NULL)
		return nomem(err);
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &st) != 0) {
		rc = jk_errno(err, errno, "cannot open '%s'", from);
		goto out;
	}
	size = st.st_size;
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
		rc = jk_errno(err, errno, "cannot create '%s'", to);
		goto out;
	}
	for (off = 0; off < size; off = hole) {
		if ((data = lseek(in, off, SEEK_DATA)) < 0) {
			if (errno == ENXIO)
				break;	/* a hole to the end */
			rc = jk_errno(err, errno, "cannot read '%s'", from);
			goto out;
		}
		if ((hole = lseek(in, data, SEEK_HOLE)) < 0 || lseek(in, data, SEEK_SET) < 0 ||
		    lseek(out, data, SEEK_SET) < 0) {
			rc = jk_errno(err, errno, "cannot copy '%s'", from);
			goto out;
		}
		for (off = data; off < hole; off += n) {
			n = read(in, b, (size_t)(hole - off < (off_t)COPY_BUF ? hole - off : (off_t)COPY_BUF));
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0) {
				rc = jk_errno(err, n < 0 ? errno : EIO, "cannot read '%s'", from);
				goto out;
			}
			for (done = 0; done < (size_t)n; done += (size_t)w) {
				w = io_write(out, b + done, (size_t)n - done);
				if (w < 0 && errno == EINTR) {
					w = 0;
					continue;
				}
				if (w <= 0) {
					rc = jk_errno(err, w < 0 ? errno : ENOSPC, "cannot write '%s'", to);
					goto out;
				}
			}
		}
	}
	if (ftruncate(out, size) != 0)
		rc = jk_errno(err, errno, "cannot write '%s'", to);
	else if (io_fsync(out) != 0)
		rc = jk_errno(err, errno, "cannot sync '%s'", to);
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (rc != 0)
		unlink(to);
	free(b);
	return rc;
}

/* Set the checkpoint of the database in dir to loc (it needs nothing of the journal before). */
static int
set_ckpt(const char *dir, const struct jk_loc *loc, struct jk_err *err)
{
	struct jk_db *db;
	struct db_meta m;
	int rc;

	if ((rc = db_open(dir, 0, &db, err)) != 0)
		return rc;
	if ((rc = db_meta_get(db, &m)) == 0) {
		m.ckpt = *loc;
		if ((rc = db_meta_set(db, &m)) == 0)
			rc = db_sync(db);
	}
	if (rc != 0)
		*err = *db_err(db);
	db_close(db);
	return rc;
}

int
bkp_restore(struct jk *j, const char *name, char *const *olds, char *const *news, size_t nredir,
    struct bkp_entry *out, struct jk_err *err)
{
	struct bkp_history h;
	const struct bkp_entry *b;
	struct dblock **locks = NULL;
	char **targets = NULL;
	struct buf c = BUF_INIT, t = BUF_INIT;
	struct jrn_status st;
	struct jk_loc loc;
	struct stat sb;
	size_t i, k;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = bkp_history_read(jk_dir(j), &h, err)) != 0)
		return rc;
	if ((b = bkp_history_find(&h, name)) == NULL) {
		rc = jk_errf(err, JK_ENOTFOUND, "no backup named '%s' in %s%s (jrnkit backup --list)", name,
		    jk_dir(j), BKP_HISTORY);
		goto out;
	}
	if ((targets = calloc(b->ndbs + 1, sizeof *targets)) == NULL ||
	    (locks = calloc(b->ndbs + 1, sizeof *locks)) == NULL) {
		rc = nomem(err);
		goto out;
	}
	/* the redirects: each names a database of the backup */
	for (k = 0; k < nredir; k++) {
		if ((rc = rst_canon_dir(olds[k], &c, err)) != 0 || (rc = rst_canon_dir(news[k], &t, err)) != 0)
			goto out;
		for (i = 0; i < b->ndbs && strcmp(b->dbs[i].source, buf_str(&c)) != 0; i++)
			;
		if (i == b->ndbs) {
			rc = jk_errf(err, JK_EUSAGE, "backup %s holds no database %s", name, buf_str(&c));
			goto out;
		}
		free(targets[i]);
		if ((targets[i] = strdup(buf_str(&t))) == NULL) {
			rc = nomem(err);
			goto out;
		}
	}
	/* nothing is written before every target is checked and locked */
	for (i = 0; i < b->ndbs; i++) {
		char f[PATH_MAX + 16];
		bool busy;

		if (targets[i] == NULL && (targets[i] = strdup(b->dbs[i].source)) == NULL) {
			rc = nomem(err);
			goto out;
		}
		snprintf(f, sizeof f, "%sdata.mdb", b->dbs[i].copy);
		if (stat(f, &sb) != 0) {
			rc = jk_errno(err, errno, "the copy of %s in backup %s is missing: '%s'",
			    b->dbs[i].source, name, f);
			goto out;
		}
		if ((rc = jk_mkdir_p(targets[i], err)) != 0 ||
		    (rc = dblock_open(targets[i], true, &locks[i], err)) != 0 ||
		    (rc = env_open_elsewhere(targets[i], &busy, err)) != 0)
			goto out;
		if (busy) {
			rc = jk_errf(err, JK_ELOCKED, "database %s is open in another process: stop the "
			    "programs using it, then restore the backup", targets[i]);
			goto out;
		}
	}
	if ((rc = jk_status(j, &st)) != 0) {
		*err = *jk_err(j);
		goto out;
	}
	loc.file_id = st.file_id;
	loc.offset = st.end;
	snprintf(loc.path, sizeof loc.path, "%s", st.path);
	out->restored = true;
	out->time_us = now_us();
	if ((out->name = strdup(name)) == NULL) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < b->ndbs; i++) {
		char from[PATH_MAX + 16], tmp[PATH_MAX + 16], dst[PATH_MAX + 16], lk[PATH_MAX + 16];

		snprintf(from, sizeof from, "%sdata.mdb", b->dbs[i].copy);
		snprintf(tmp, sizeof tmp, "%sdata.mdb.tmp", targets[i]);
		snprintf(dst, sizeof dst, "%sdata.mdb", targets[i]);
		snprintf(lk, sizeof lk, "%slock.mdb", targets[i]);
		if ((rc = copy_file(from, tmp, err)) != 0)
			goto out;
		if (rename(tmp, dst) != 0) {
			rc = jk_errno(err, errno, "cannot rename '%s' to '%s'", tmp, dst);
			unlink(tmp);
			goto out;
		}
		if (unlink(lk) != 0 && errno != ENOENT) {
			rc = jk_errno(err, errno, "cannot remove '%s'", lk);
			goto out;
		}
		if ((rc = jk_fsync_dir(targets[i], err)) != 0 || (rc = set_ckpt(targets[i], &loc, err)) != 0)
			goto out;
		if (add_db(out, b->dbs[i].source, targets[i]) != 0) {
			rc = nomem(err);
			goto out;
		}
	}
	rc = history_append(j, out, err);
out:
	for (i = 0; b != NULL && i < b->ndbs; i++) {
		if (locks != NULL)
			dblock_close(locks[i]);
		if (targets != NULL)
			free(targets[i]);
	}
	free(locks);
	free(targets);
	if (rc != 0)
		entry_release(out);
	buf_release(&c);
	buf_release(&t);
	bkp_history_release(&h);
	return rc;
}

/* ---- purge ---------------------------------------------------------------------------------- */

static long
file_index(char **paths, size_t n, const char *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(paths[i], p) == 0)
			return (long)i;
	return -1;
}

/*
 * The first file of the log that recovery may need: the oldest checkpoint
 * of every listed database; for one without a checkpoint, the first file
 * last changed after the database was created.
 */
static int
recovery_floor(struct jk *j, char **log, size_t nlog, size_t *floor, struct jk_err *err)
{
	char **paths;
	bool *mounted;
	size_t n, i, k;
	int rc;

	*floor = nlog;
	if ((rc = all_dbs(j, &paths, &mounted, &n, err)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct jk_db *db;
		struct db_meta m;
		long at;

		if (!db_exists(paths[i]))
			continue;	/* nothing left to recover */
		if ((rc = db_open(paths[i], DB_RDONLY, &db, err)) != 0)
			break;
		rc = db_meta_get(db, &m);
		if (rc != 0)
			*err = *db_err(db);
		db_close(db);
		if (rc != 0)
			break;
		at = m.ckpt.path[0] != '\0' ? file_index(log, nlog, m.ckpt.path) : -1;
		if (at < 0) {
			/* no checkpoint, or one in a file the log does not list: what came after the creation */
			for (k = 0; k < nlog; k++) {
				struct stat sb;

				if (stat(log[k], &sb) != 0 || (uint64_t)sb.st_mtime >= m.created)
					break;
			}
			at = (long)k;
		}
		if ((size_t)at < *floor)
			*floor = (size_t)at;
	}
	dbs_free(paths, mounted, n);
	return rc;
}

static int
purged_append(struct jk *j, const char *path, struct jk_err *err)
{
	char p[PATH_MAX + 32];
	struct buf line = BUF_INIT;
	int fd, rc = 0;

	snprintf(p, sizeof p, "%s%s", jk_dir(j), BKP_PURGED);
	if (buf_addf(&line, "%" PRIu64 "\t%s\n", now_us(), path) != 0)
		return nomem(err);
	fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0 || write(fd, line.data, line.len) != (ssize_t)line.len || fsync(fd) != 0)
		rc = jk_errno(err, errno, "cannot write '%s'", p);
	if (fd >= 0)
		close(fd);
	buf_release(&line);
	return rc;
}

int
bkp_purged_when(const char *dir, const char *path, uint64_t *when_us, struct jk_err *err)
{
	struct buf p = BUF_INIT, text = BUF_INIT;
	char *line, *next, *tab;
	uint64_t t;
	int rc;

	if (buf_addf(&p, "%s%s", dir, BKP_PURGED) != 0)
		return nomem(err);
	if ((rc = jk_read_file(buf_str(&p), &text, err)) == 0) {
		rc = JK_ENOTFOUND;
		for (line = (char *)buf_str(&text); *line != '\0'; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			else
				next = line + strlen(line);
			if ((tab = strchr(line, '\t')) == NULL)
				continue;
			*tab = '\0';
			if (strcmp(tab + 1, path) == 0 && u64_field(line, &t)) {
				*when_us = t;
				rc = 0;
			}
		}
	}
	if (rc == JK_ENOTFOUND)
		jk_errf(err, JK_ENOTFOUND, "%s names no purge of %s", buf_str(&p), path);
	buf_release(&p);
	buf_release(&text);
	return rc;
}

int
bkp_purge(struct jk *j, const struct bkp_purge_opts *o, char ***out, size_t *nout, struct jk_err *err)
{
	const struct inst_conf *conf = jk_conf(j);
	unsigned days = o->days >= 0 ? (unsigned)o->days : conf->purge_days;
	unsigned backups = o->backups >= 0 ? (unsigned)o->backups : conf->purge_backups;
	struct bkp_history h = { NULL, 0 };
	struct jrn_status st;
	char **log = NULL, **np;
	size_t nlog = 0, floor, by_backup = 0, i, seen;
	uint64_t now = now_us() / 1000000;
	int rc;

	if ((rc = jk_status(j, &st)) != 0) {
		*err = *jk_err(j);
		return rc;
	}
	if ((rc = inst_log_read(jk_dir(j), &log, &nlog, err)) != 0) {
		if (rc != JK_ENOTFOUND)
			return rc;
		jk_err_clear(err);
		return 0;
	}
	if ((rc = recovery_floor(j, log, nlog, &floor, err)) != 0)
		goto out;
	if (backups > 0) {
		if ((rc = bkp_history_read(jk_dir(j), &h, err)) != 0)
			goto out;
		/* files before the marker file of the backups-th latest backup */
		for (i = h.n, seen = 0; i-- > 0;) {
			long at;

			if (h.e[i].restored || ++seen < backups)
				continue;
			if ((at = file_index(log, nlog, h.e[i].marker_path)) > 0)
				by_backup = (size_t)at;
			break;
		}
	}
	for (i = 0; i < floor && i < nlog; i++) {
		struct stat sb;
		bool old_days, old_backups;

		if (strcmp(log[i], st.path) == 0)
			break;	/* the current file, and everything after it */
		if (stat(log[i], &sb) != 0)
			continue;	/* gone already */
		old_days = days > 0 && (uint64_t)sb.st_mtime + (uint64_t)days * 86400 <= now;
		old_backups = backups > 0 && i < by_backup;
		if (!old_days && !old_backups)
			continue;
		if (!o->dry_run) {
			if (unlink(log[i]) != 0) {
				rc = jk_errno(err, errno, "cannot remove journal file '%s'", log[i]);
				goto out;
			}
			if ((rc = purged_append(j, log[i], err)) != 0)
				goto out;
		}
		if ((np = realloc(*out, (*nout + 1) * sizeof *np)) == NULL) {
			rc = nomem(err);
			goto out;
		}
		*out = np;
		if ((np[*nout] = strdup(log[i])) == NULL) {
			rc = nomem(err);
			goto out;
		}
		(*nout)++;
	}
	/* the directory of each file removed, each directory once in a row */
	for (i = 0; i < *nout && !o->dry_run && rc == 0; i++) {
		char d[PATH_MAX], prev[PATH_MAX] = "";

		snprintf(d, sizeof d, "%s", (*out)[i]);
		*(strrchr(d, '/') + 1) = '\0';
		if (i > 0) {
			snprintf(prev, sizeof prev, "%s", (*out)[i - 1]);
			*(strrchr(prev, '/') + 1) = '\0';
		}
		if (strcmp(d, prev) != 0)
			rc = jk_fsync_dir(d, err);
	}
out:
	inst_log_free(log, nlog);
	bkp_history_release(&h);
	return rc;
}
