/*
 * writer.c - appending to the journal: one journal per instance, shared by
 * every process that writes to the instance's databases.
 *
 * SHARED STATE.  state/journal.shm is a small file every writer maps.  It
 * holds the current file, its committed end, what is known synced, the
 * database numbers of the current file, counters (transaction ids, marker
 * sequence) and the busy word below.  It persists, but it is a cache of
 * what the journal says: when it is missing or not ours, it is rebuilt from
 * journal.log and the last journal file.
 *
 * LOCKS.  Open-file-description (OFD) record locks on the .shm file; they
 * belong to the holder's open file and vanish when the holder dies, so a
 * killed process never leaves the journal locked.
 *
 *	byte 0	the journal lock: one writer appends and commits at a time.
 *		Every database write happens under it, so records reach the
 *		file in commit order (format.h invariant 3).
 *	byte 1	the sync lock: one process calls fdatasync at a time; the
 *		others wait and usually find their records already synced
 *		(group commit).
 *
 * A COMMIT under the journal lock:
 *
 *	1. busy = pid, phase 1, busy_from = end      (records being written)
 *	2. pwrite the records at end
 *	3. end += n, phase 2                         (written, not yet committed)
 *	4. the databases commit (caller)
 *	5. busy = 0                                  (jrn_writer_committed)
 *
 * The next lock holder that finds busy set knows its predecessor died:
 * phase 1 -> truncate the file back to end (nothing was committed);
 * phase 2 -> the records are whole; the caller re-applies them
 * (idempotent) so the databases match the journal;
 * phase 3 -> it died inside a switch (busy_from = the old file's end):
 * when journal.log names the new file, the state is rebuilt from
 * journal.log (the new file is current); when it does not, the old file
 * is cut back to busy_from (an end record naming the new file goes) and
 * writing goes on there.  Either way every file of journal.log names the
 * one before it.
 *
 * DURABILITY after the lock is released: sync mode waits until `synced`
 * covers its records.  One committer at a time takes the sync lock (try,
 * never queue) and syncs up to the latest end; the others sleep on the
 * futex word sync_seq, which every sync bumps, and look again.  Queueing
 * on the lock instead makes a convoy: the releaser comes straight back
 * for it and syncs one record at a time while covered waiters never get
 * to see that they are covered.  The futex wait has a timeout, so a
 * syncer that dies (its OFD lock vanishes) is replaced.  Group mode leaves
 * syncing to a thread that syncs every group_ms; none leaves it to the OS.
 *
 * A file found damaged at its end when the state is rebuilt is left as it
 * is: writing goes on in a new file, so nothing that might be evidence is
 * overwritten.
 */
#include "jrn/jrn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <linux/futex.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"

#define SHM_MAGIC	0x31304d48534b4a4aULL	/* "JJKSHM01" */
#define SHM_VERSION	3
#define SHM_DBS		128

#define LOCK_JOURNAL	0
#define LOCK_SYNC	1

struct shm_db {
	uint32_t num;
	uint32_t pad;
	uint64_t dbid;
	char path[JRN_PATH_MAX + 1];
};

struct shm {
	uint64_t magic;
	uint32_t version;
	uint32_t size;
	uint64_t instance_id;
	uint64_t generation;	/* bumps when the file or the db map changes */
	uint32_t journaling;
	uint32_t need_switch;	/* the current file ended damaged: write a new one */
	uint32_t busy;		/* pid of a writer inside a commit, 0 if none */
	uint32_t busy_phase;
	uint64_t busy_from;
	uint64_t file_id;
	uint64_t end;
	uint64_t synced;	/* atomic: bytes of file sync_id known on disk */
	uint64_t sync_id;	/* atomic */
	uint64_t last_sync_us;	/* atomic */
	uint32_t sync_seq;	/* futex word: bumped after every sync */
	uint32_t inflight;	/* processes holding or waiting for the journal lock */
	uint64_t next_txid;
	uint64_t marker_seq;
	uint64_t last_marker;	/* offset of the last marker in the current file */
	uint64_t total_bytes;	/* appended since the state was made */
	uint64_t ckpt_bytes;	/* total_bytes at the last checkpoint */
	uint64_t ckpt_us;
	uint32_t ndb;
	uint32_t pad;
	char path[JRN_PATH_MAX + 1];
	struct shm_db db[SHM_DBS];
};

struct jrn_writer {
	char *dir;
	struct inst_conf conf;
	int shm_fd;
	struct shm *shm;
	bool locked;
	bool stale_checked;	/* check_stale has run in this process */
	int fd;			/* current journal file, or -1 */
	uint64_t fd_file_id;
	uint64_t gen;		/* shm generation fd and cache belong to */
	uint64_t my_end;	/* end after this process's last append ... */
	uint64_t my_file_id;	/* ... in this file */
	pid_t pid;
	struct jrn_io io;
	struct jrn_cluster clu;	/* csi == NULL: not a cluster member */
	struct buf rec;		/* scratch for records the writer makes itself */
	const char *dbpaths[SHM_DBS];
	uint32_t dbnums[SHM_DBS];

	/* group mode sync thread */
	pthread_t thr;
	bool thr_running;
	bool thr_stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;

	struct jk_err err;
};

uint64_t
jrn_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t
random_u64(void)
{
	uint64_t v = 0;

	while (v == 0)
		if (getrandom(&v, sizeof v, 0) != sizeof v)
			v = jrn_now_us() ^ ((uint64_t)getpid() << 40);
	return v;
}

/* ---- locks -------------------------------------------------------------- */

/* ---- small I/O helpers ----------------------------------------------------- */

static int
pwrite_all(const struct jrn_writer *w, int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *b = p;
	ssize_t k;

	while (n > 0) {
		k = w->io.pwrite(fd, b, n, (off_t)off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0) {
			errno = ENOSPC;
			return -1;
		}
		b += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int
fsync_dir_of(const char *path)
{
	char d[PATH_MAX];
	char *slash;
	int fd, rc;

	snprintf(d, sizeof d, "%s", path);
	slash = strrchr(d, '/');
	if (slash == NULL)
		return 0;
	*(slash == d ? slash + 1 : slash) = '\0';
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Human words for the state, for error messages that must say it. */
static const char *
state_words(const struct jrn_writer *w)
{
	return w->shm->journaling ? "journaling is still enabled" : "journaling is disabled";
}

/* ---- the current file ------------------------------------------------------- */

/* Make fd refer to the shm's current file (after another process switched). */
static int
refresh(struct jrn_writer *w)
{
	struct shm *s = w->shm;
	uint32_t i;
	int fd;

	if (w->gen == s->generation && (w->fd >= 0 || s->path[0] == '\0'))
		return 0;
	if (s->path[0] != '\0' && w->fd_file_id != s->file_id) {
		fd = open(s->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return jk_errno(&w->err, errno, "cannot open journal '%s'", s->path);
		pthread_mutex_lock(&w->mu);
		if (w->fd >= 0)
			close(w->fd);
		w->fd = fd;
		w->fd_file_id = s->file_id;
		pthread_mutex_unlock(&w->mu);
	}
	for (i = 0; i < s->ndb && i < SHM_DBS; i++) {
		w->dbpaths[i] = s->db[i].path;
		w->dbnums[i] = s->db[i].num;
	}
	w->gen = s->generation;
	return 0;
}

/*
 * Append bytes at end.  phase2=true leaves the busy word in phase 2 for the
 * caller's commit; otherwise the append is complete on return.
 */
static int
append_raw(struct jrn_writer *w, const void *p, size_t n, bool phase2)
{
	struct shm *s = w->shm;
	int e;

	s->busy_from = s->end;
	s->busy_phase = 1;
	__atomic_store_n(&s->busy, (uint32_t)w->pid, __ATOMIC_RELEASE);
	if (pwrite_all(w, w->fd, p, n, s->end) != 0) {
		e = errno;
		/* Take back whatever part was written: the file ends where it did. */
		if (ftruncate(w->fd, (off_t)s->end) != 0) {
			/* The partial record stays; readers see a torn tail there. */
		}
		s->busy = 0;
		return jk_errno(&w->err, e, "cannot write journal '%s' at offset %llu (%s)",
		    s->path, (unsigned long long)s->end, state_words(w));
	}
	s->end += n;
	s->total_bytes += n;
	w->my_end = s->end;
	w->my_file_id = s->file_id;
	if (phase2)
		s->busy_phase = 2;
	else
		__atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
	return 0;
}

static struct jrn_rec
proto(const struct jrn_writer *w, uint8_t type)
{
	struct jrn_rec r;

	memset(&r, 0, sizeof r);
	r.type = type;
	r.time_us = jrn_now_us();
	r.pid = (uint32_t)w->pid;
	return r;
}

/* Name the next file: [prefix]YYYYMMDD.NNN, NNN counting up within the day. */
static int
next_name(struct jrn_writer *w, char *out, size_t outsz, int *nnn)
{
	char day[16];
	time_t now = time(NULL);
	struct tm tm;
	const char *last, *base;
	size_t plen = strlen(w->conf.prefix);

	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y%m%d", &tm);
	*nnn = 1;
	last = w->shm->path;
	base = strrchr(last, '/');
	base = base ? base + 1 : last;
	if (last[0] != '\0' && strncmp(base, w->conf.prefix, plen) == 0 &&
	    strncmp(base + plen, day, 8) == 0 && base[plen + 8] == '.')
		*nnn = atoi(base + plen + 9) + 1;
	if (snprintf(out, outsz, "%s%s%s.%03d", w->conf.jrn_dir, w->conf.prefix, day, *nnn) >= (int)outsz)
		return jk_errf(&w->err, JK_ELIMIT, "journal path too long in '%s'", w->conf.jrn_dir);
	return 0;
}

int
jrn_writer_switch(struct jrn_writer *w, bool explicit_start)
{
	struct shm *s = w->shm;
	struct jrn_hdr h;
	struct jrn_rec r;
	struct buf b = BUF_INIT;
	char path[JRN_PATH_MAX + 1];
	size_t st;
	int fd = -1, nnn, rc, e;
	uint64_t old_end = s->end;
	/* A damaged or stale file is left as it is: no end record is appended to it. */
	bool had_file = s->journaling && w->fd >= 0 && !s->need_switch;

	if ((rc = next_name(w, path, sizeof path, &nnn)) != 0)
		return rc;
	/* A death from here to the state's update is undone by the next holder (phase 3). */
	s->busy_from = old_end;
	s->busy_phase = 3;
	__atomic_store_n(&s->busy, (uint32_t)w->pid, __ATOMIC_RELEASE);
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			break;
		if (errno != EEXIST || nnn >= 999) {
			s->busy = 0;
			return jk_errno(&w->err, errno, "cannot create journal '%s'", path);
		}
		nnn++;
		{
			char *d = path + strlen(path) - 3;

			d[0] = (char)('0' + nnn / 100 % 10);
			d[1] = (char)('0' + nnn / 10 % 10);
			d[2] = (char)('0' + nnn % 10);
		}
	}
	memset(&h, 0, sizeof h);
	h.file_id = random_u64();
	h.created_us = jrn_now_us();
	h.instance_id = w->conf.instance_id;
	h.flags = explicit_start ? 1 : 0;
	h.max_size = w->conf.max_size;
	if (w->clu.csi != NULL) {
		h.csi = w->clu.csi(w->clu.arg);
		h.csn = w->clu.csn;
	}
	if (s->path[0] != '\0') {
		h.prev_id = s->file_id;
		snprintf(h.prev_path, sizeof h.prev_path, "%s", s->path);
	}
	r = proto(w, JRN_JSTART);
	r.flags = explicit_start ? JRN_F_EXPLICIT : 0;
	if ((rc = jrn_hdr_encode(&b, &h)) != 0 || (rc = jrn_rec_begin(&b, &r, &st)) != 0 ||
	    (rc = jrn_rec_end(&b, st)) != 0) {
		jk_errf(&w->err, rc, "cannot build the header of '%s'", path);
		goto out_unlink;
	}
	if (pwrite_all(w, fd, b.data, b.len, 0) != 0 || w->io.fdatasync(fd) != 0 || fsync_dir_of(path) != 0) {
		rc = jk_errno(&w->err, errno, "cannot write journal '%s' (%s)", path, state_words(w));
		goto out_unlink;
	}
	/* Close the old file with a record naming the new one. */
	if (had_file) {
		buf_reset(&w->rec);
		r = proto(w, JRN_JEND);
		if ((rc = jrn_rec_begin(&w->rec, &r, &st)) != 0 ||
		    (rc = jrn_put_u64(&w->rec, h.file_id)) != 0 ||
		    (rc = jrn_put_str16(&w->rec, path, strlen(path))) != 0 ||
		    (rc = jrn_rec_end(&w->rec, st)) != 0)
			goto out_unlink;
		if ((rc = append_raw(w, w->rec.data, w->rec.len, false)) != 0)
			goto out_unlink;
		s->busy_from = old_end;
		s->busy_phase = 3;
		__atomic_store_n(&s->busy, (uint32_t)w->pid, __ATOMIC_RELEASE);
		if (w->io.fdatasync(w->fd) != 0) {
			rc = jk_errno(&w->err, errno, "cannot sync journal '%s' (%s)", s->path, state_words(w));
			goto out_untail;
		}
	}
	if ((rc = inst_log_append(w->dir, path, &w->err)) != 0)
		goto out_untail;
	if (w->clu.file_begun != NULL && (rc = w->clu.file_begun(w->clu.arg, path, &w->err)) != 0)
		goto out_untail;

	pthread_mutex_lock(&w->mu);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	w->fd_file_id = h.file_id;
	pthread_mutex_unlock(&w->mu);
	snprintf(s->path, sizeof s->path, "%s", path);
	s->file_id = h.file_id;
	s->end = b.len;
	s->total_bytes += b.len;
	s->last_marker = 0;
	s->ndb = 0;
	s->journaling = 1;
	s->need_switch = 0;
	__atomic_store_n(&s->sync_id, h.file_id, __ATOMIC_RELEASE);
	__atomic_store_n(&s->synced, (uint64_t)b.len, __ATOMIC_RELEASE);
	s->generation++;
	w->gen = s->generation;
	w->my_end = s->end;
	w->my_file_id = s->file_id;
	__atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
	buf_release(&b);
	return 0;

out_untail:
	if (had_file) {
		e = ftruncate(w->fd, (off_t)old_end);
		(void)e;
		s->end = old_end;
	}
out_unlink:
	unlink(path);
	close(fd);
	buf_release(&b);
	s->busy = 0;
	return rc;
}

/* ---- building the shared state ------------------------------------------------ */

/*
 * The shm is new or not ours: rebuild it from journal.log and the last file.
 * Called with the journal lock held.
 */
static int
rebuild(struct jrn_writer *w)
{
	struct shm *s = w->shm;
	struct jrn_verify v;
	struct jrn_reader *r;
	struct jrn_rec rec;
	char **paths = NULL;
	size_t n = 0;
	int rc;

	memset(s, 0, sizeof *s);
	s->version = SHM_VERSION;
	s->size = sizeof *s;
	s->instance_id = w->conf.instance_id;
	s->next_txid = jrn_now_us();
	s->ckpt_us = jrn_now_us();
	if ((rc = inst_log_read(w->dir, &paths, &n, &w->err)) != 0)
		return rc;
	if (n > 0) {
		const char *last = paths[n - 1];

		snprintf(s->path, sizeof s->path, "%s", last);
		rc = jrn_verify_file(last, &v, &w->err);
		if (rc == JK_ENOTFOUND || (rc == JK_EIO && w->err.sys_errno == ENOENT)) {
			/* journal.log names a file that is gone: start afresh when journaling starts */
			s->path[0] = '\0';
			rc = 0;
		} else if (rc == JK_ETORN || rc == JK_ECORRUPT) {
			s->journaling = 1;
			s->need_switch = 1;
			rc = 0;
		} else if (rc != 0) {
			goto out;
		} else {
			s->journaling = !v.closed;
		}
		if (s->path[0] != '\0' && jrn_reader_open(last, &r, NULL) == 0) {
			s->file_id = jrn_reader_hdr(r)->file_id;
			/* The db map and the marker chain of the current file. */
			while (jrn_reader_next(r, &rec) == 0) {
				if (rec.type == JRN_DBMAP && s->ndb < SHM_DBS) {
					s->db[s->ndb].num = rec.dbnum;
					s->db[s->ndb].dbid = rec.id;
					memcpy(s->db[s->ndb].path, rec.val, rec.vallen);
					s->db[s->ndb].path[rec.vallen] = '\0';
					s->ndb++;
				} else if (rec.type == JRN_MARKER) {
					s->last_marker = rec.offset;
					s->marker_seq = rec.marker_seq;
				}
			}
			s->end = jrn_reader_valid_end(r);
			jrn_reader_close(r);
			__atomic_store_n(&s->sync_id, s->file_id, __ATOMIC_RELEASE);
			__atomic_store_n(&s->synced, s->end, __ATOMIC_RELEASE);
		}
	}
	s->generation = (uint64_t)jrn_now_us();
	/* Magic last: a process that dies here leaves a state that is rebuilt again. */
	__atomic_store_n(&s->magic, SHM_MAGIC, __ATOMIC_RELEASE);
out:
	inst_log_free(paths, n);
	return rc;
}

/* ---- open / close -------------------------------------------------------------- */

static void *sync_thread(void *arg);

int
jrn_writer_open(const char *dir, const struct inst_conf *conf,
    struct jrn_writer **out, struct jk_err *err)
{
	struct jrn_writer *w;
	char path[PATH_MAX];
	struct stat st;
	void *m;
	int rc;

	*out = NULL;
	w = calloc(1, sizeof *w);
	if (w == NULL || (w->dir = strdup(dir)) == NULL) {
		free(w);
		return jk_errf(err, JK_ENOMEM, "out of memory");
	}
	w->conf = *conf;
	w->fd = -1;
	w->shm_fd = -1;
	w->pid = getpid();
	jrn_writer_set_io(w, NULL);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	snprintf(path, sizeof path, "%s/state/journal.shm", dir);
	w->shm_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (w->shm_fd < 0) {
		rc = jk_errno(err, errno, "cannot open '%s'", path);
		goto out_free;
	}
	if (fstat(w->shm_fd, &st) != 0) {
		rc = jk_errno(err, errno, "cannot stat '%s'", path);
		goto out_free;
	}
	if ((size_t)st.st_size < sizeof(struct shm) &&
	    ftruncate(w->shm_fd, sizeof(struct shm)) != 0) {
		rc = jk_errno(err, errno, "cannot size '%s'", path);
		goto out_free;
	}
	m = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE, MAP_SHARED, w->shm_fd, 0);
	if (m == MAP_FAILED) {
		rc = jk_errno(err, errno, "cannot map '%s'", path);
		goto out_free;
	}
	w->shm = m;
	*out = w;
	return 0;

out_free:
	if (err != NULL && w->err.code != 0)
		*err = w->err;
	jrn_writer_close(w);
	return rc;
}

void
jrn_writer_close(struct jrn_writer *w)
{
	if (w == NULL)
		return;
	if (w->thr_running) {
		pthread_mutex_lock(&w->mu);
		w->thr_stop = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thr, NULL);
	}
	if (w->shm != NULL && w->conf.commit != JK_COMMIT_NONE && !w->locked)
		jrn_writer_sync(w, true);
	if (w->locked)
		jrn_writer_unlock(w);
	if (w->shm != NULL)
		munmap(w->shm, sizeof(struct shm));
	if (w->fd >= 0)
		close(w->fd);
	if (w->shm_fd >= 0)
		close(w->shm_fd);
	buf_release(&w->rec);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->dir);
	free(w);
}

const struct jk_err *
jrn_writer_err(const struct jrn_writer *w)
{
	return &w->err;
}

/* ---- the journal lock ------------------------------------------------------------ */

/*
 * Whether the file agrees with the state: its size must be the committed
 * end.  After a machine crash the state file and the journal may each have
 * lost their last writes; a file longer than the state knows holds records
 * nobody may overwrite, a shorter one lost its tail.  Either way writing
 * goes on in a new file and this one is left as it is.
 */
static void
check_stale(struct jrn_writer *w)
{
	struct shm *s = w->shm;
	struct stat st;

	/*
	 * Once per process: while any writer lives, the state is kept exact;
	 * a machine crash that could make it stale ends every process.
	 */
	if (w->stale_checked || w->fd < 0 || !s->journaling || s->need_switch)
		return;
	w->stale_checked = true;
	if (fstat(w->fd, &st) == 0 && (uint64_t)st.st_size != s->end)
		s->need_switch = 1;
}

/* Phase 3: a switch that died; the journal lock is held. */
static int
switch_undo(struct jrn_writer *w)
{
	struct shm *s = w->shm;
	char **paths = NULL, orphan[JRN_PATH_MAX + 1];
	struct jrn_reader *r;
	size_t n = 0;
	bool logged;
	int rc, nnn;

	if ((rc = inst_log_read(w->dir, &paths, &n, &w->err)) != 0 && rc != JK_ENOTFOUND)
		return rc;
	logged = n > 0 && strcmp(paths[n - 1], s->path) != 0;
	inst_log_free(paths, n);
	if (logged)
		return rebuild(w);	/* the new file is in journal.log: it is the current one */
	/*
	 * Not logged: the old file goes on, without an end record naming a
	 * file nobody knows, and that file (the next name, naming the old
	 * file as the one before it) goes.
	 */
	if (next_name(w, orphan, sizeof orphan, &nnn) == 0 && jrn_reader_open(orphan, &r, NULL) == 0) {
		bool ours = jrn_reader_hdr(r)->prev_id == s->file_id;

		jrn_reader_close(r);
		if (ours)
			unlink(orphan);
	}
	if (w->fd >= 0 && w->fd_file_id == s->file_id && ftruncate(w->fd, (off_t)s->busy_from) != 0)
		return jk_errno(&w->err, errno, "cannot cut the end record of a switch that died from '%s'", s->path);
	s->end = s->busy_from;
	__atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
	return 0;
}

static int
lock_state(struct jrn_writer *w, uint64_t *redo_from, bool may_switch)
{
	struct shm *s = w->shm;
	uint32_t dead;
	int rc;

	*redo_from = UINT64_MAX;
	__atomic_add_fetch(&s->inflight, 1, __ATOMIC_ACQ_REL);
	if (jk_lock_byte(w->shm_fd, LOCK_JOURNAL, F_WRLCK, true) != 0) {
		__atomic_sub_fetch(&s->inflight, 1, __ATOMIC_ACQ_REL);
		return jk_errno(&w->err, errno, "cannot take the journal lock of '%s'", w->dir);
	}
	w->locked = true;
	if (__atomic_load_n(&s->magic, __ATOMIC_ACQUIRE) != SHM_MAGIC ||
	    s->version != SHM_VERSION || s->size != sizeof *s ||
	    s->instance_id != w->conf.instance_id) {
		if ((rc = rebuild(w)) != 0)
			goto out_unlock;
	}
	if ((rc = refresh(w)) != 0)
		goto out_unlock;
	dead = __atomic_load_n(&s->busy, __ATOMIC_ACQUIRE);
	if (dead != 0 && s->busy_phase == 3) {
		/* The previous holder died inside a switch (see the top of this file). */
		if ((rc = switch_undo(w)) != 0 || (rc = refresh(w)) != 0)
			goto out_unlock;
		dead = 0;
	}
	if (dead != 0) {
		/* The previous holder died inside a commit (see the top of this file). */
		if (s->busy_phase == 1) {
			if (w->fd >= 0 && ftruncate(w->fd, (off_t)s->end) != 0) {
				rc = jk_errno(&w->err, errno,
				    "cannot cut the partial records of dead process %u from '%s'",
				    dead, s->path);
				goto out_unlock;
			}
			s->busy = 0;
		} else {
			/*
			 * Left set until the caller has redone them
			 * (jrn_writer_committed); nothing else may be
			 * appended or switched before that.
			 */
			*redo_from = s->busy_from;
			return 0;
		}
	}
	check_stale(w);
	if (may_switch && s->journaling &&
	    (s->need_switch || w->fd < 0 || s->end >= w->conf.max_size)) {
		if ((rc = jrn_writer_switch(w, false)) != 0)
			goto out_unlock;
	}
	return 0;

out_unlock:
	jrn_writer_unlock(w);
	return rc;
}

int
jrn_writer_lock(struct jrn_writer *w, uint64_t *redo_from)
{
	return lock_state(w, redo_from, true);
}

void
jrn_writer_unlock(struct jrn_writer *w)
{
	if (!w->locked)
		return;
	jk_lock_byte(w->shm_fd, LOCK_JOURNAL, F_UNLCK, true);
	w->locked = false;
	/* A count left high by a process that died only makes syncs wait their bound. */
	if (__atomic_load_n(&w->shm->inflight, __ATOMIC_ACQUIRE) > 0)
		__atomic_sub_fetch(&w->shm->inflight, 1, __ATOMIC_ACQ_REL);
}

bool
jrn_writer_journaling(const struct jrn_writer *w)
{
	return w->shm->journaling != 0;
}

uint64_t
jrn_writer_end(const struct jrn_writer *w)
{
	return w->shm->end;
}

const char *
jrn_writer_path(const struct jrn_writer *w)
{
	return w->shm->path;
}

uint64_t
jrn_writer_generation(const struct jrn_writer *w)
{
	return w->shm->generation;
}

uint64_t
jrn_writer_file_id(const struct jrn_writer *w)
{
	return w->shm->file_id;
}

uint64_t
jrn_writer_txid(struct jrn_writer *w)
{
	return ++w->shm->next_txid;
}

int
jrn_writer_dbnum(struct jrn_writer *w, const char *dbpath, uint64_t dbid, uint32_t *num)
{
	struct shm *s = w->shm;
	struct jrn_rec r;
	size_t st, plen = strlen(dbpath);
	uint32_t i;
	int rc;

	for (i = 0; i < s->ndb; i++) {
		if (strcmp(s->db[i].path, dbpath) == 0) {
			*num = s->db[i].num;
			return 0;
		}
	}
	if (s->ndb >= SHM_DBS)
		return jk_errf(&w->err, JK_ELIMIT,
		    "more than %d databases written in journal file %s", SHM_DBS, s->path);
	if (plen > JRN_PATH_MAX)
		return jk_errf(&w->err, JK_ELIMIT, "database path too long: %s", dbpath);
	buf_reset(&w->rec);
	r = proto(w, JRN_DBMAP);
	r.dbnum = s->ndb + 1;
	if ((rc = jrn_rec_begin(&w->rec, &r, &st)) != 0 ||
	    (rc = jrn_put_u64(&w->rec, dbid)) != 0 ||
	    (rc = jrn_put_str16(&w->rec, dbpath, plen)) != 0 ||
	    (rc = jrn_rec_end(&w->rec, st)) != 0)
		return jk_errf(&w->err, rc, "cannot build a database map record");
	if ((rc = append_raw(w, w->rec.data, w->rec.len, false)) != 0)
		return rc;
	s->db[s->ndb].num = r.dbnum;
	s->db[s->ndb].dbid = dbid;
	memcpy(s->db[s->ndb].path, dbpath, plen + 1);
	w->dbpaths[s->ndb] = s->db[s->ndb].path;
	w->dbnums[s->ndb] = r.dbnum;
	s->ndb++;
	*num = r.dbnum;
	return 0;
}

size_t
jrn_writer_dbs(struct jrn_writer *w, const char ***paths, const uint32_t **nums)
{
	uint32_t i;

	for (i = 0; i < w->shm->ndb; i++) {
		w->dbpaths[i] = w->shm->db[i].path;
		w->dbnums[i] = w->shm->db[i].num;
	}
	*paths = w->dbpaths;
	*nums = w->dbnums;
	return w->shm->ndb;
}

int
jrn_writer_append(struct jrn_writer *w, const void *p, size_t n, bool commit_follows)
{
	if (!w->shm->journaling || w->fd < 0)
		return jk_errf(&w->err, JK_ESTATE, "not journaling");
	return append_raw(w, p, n, commit_follows);
}

void
jrn_writer_redo_from(struct jrn_writer *w, uint64_t off)
{
	if (w->shm->busy != 0 && w->shm->busy_phase == 2 && off < w->shm->busy_from)
		w->shm->busy_from = off;
}

void
jrn_writer_committed(struct jrn_writer *w)
{
	__atomic_store_n(&w->shm->busy, 0, __ATOMIC_RELEASE);
}

/* ---- durability ---------------------------------------------------------------------- */

/* Sync the current file up to the latest end; the sync lock is held. */
static int
sync_now(struct jrn_writer *w)
{
	struct shm *s = w->shm;
	uint64_t id, target;
	int fd, rc = 0;

	pthread_mutex_lock(&w->mu);
	id = __atomic_load_n(&s->file_id, __ATOMIC_ACQUIRE);
	target = __atomic_load_n(&s->end, __ATOMIC_ACQUIRE);
	fd = w->fd_file_id == id && w->fd >= 0 ? dup(w->fd) : -1;
	pthread_mutex_unlock(&w->mu);
	if (fd < 0) {
		/* This process's descriptor is of an older file, synced when it was switched. */
		if (s->path[0] == '\0' || (fd = open(s->path, O_RDONLY | O_CLOEXEC)) < 0)
			return 0;
	}
	if (w->io.fdatasync(fd) != 0)
		rc = jk_errno(&w->err, errno, "cannot sync journal '%s' (%s)", s->path, state_words(w));
	close(fd);
	if (rc == 0 && __atomic_load_n(&s->file_id, __ATOMIC_ACQUIRE) == id) {
		__atomic_store_n(&s->sync_id, id, __ATOMIC_RELEASE);
		if (__atomic_load_n(&s->synced, __ATOMIC_ACQUIRE) < target)
			__atomic_store_n(&s->synced, target, __ATOMIC_RELEASE);
		__atomic_store_n(&s->last_sync_us, jrn_now_us(), __ATOMIC_RELEASE);
	}
	return rc;
}

static bool
covered(const struct jrn_writer *w)
{
	const struct shm *s = w->shm;

	if (w->my_file_id == 0)
		return true;
	/* A switch syncs the file it closes. */
	if (__atomic_load_n(&s->file_id, __ATOMIC_ACQUIRE) != w->my_file_id)
		return true;
	return __atomic_load_n(&s->sync_id, __ATOMIC_ACQUIRE) == w->my_file_id &&
	    __atomic_load_n(&s->synced, __ATOMIC_ACQUIRE) >= w->my_end;
}

static void *
sync_thread(void *arg)
{
	struct jrn_writer *w = arg;
	struct timespec ts;
	uint64_t ns;

	pthread_mutex_lock(&w->mu);
	while (!w->thr_stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ns = (uint64_t)ts.tv_nsec + (uint64_t)w->conf.group_ms * 1000000u;
		ts.tv_sec += (time_t)(ns / 1000000000u);
		ts.tv_nsec = (long)(ns % 1000000000u);
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		if (w->thr_stop || covered(w))
			continue;
		pthread_mutex_unlock(&w->mu);
		/* Someone else syncing is as good: skip this round rather than queue. */
		if (jk_lock_byte(w->shm_fd, LOCK_SYNC, F_WRLCK, false) == 0) {
			sync_now(w);
			jk_lock_byte(w->shm_fd, LOCK_SYNC, F_UNLCK, true);
		}
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void
futex_wait(uint32_t *word, uint32_t val, long ns)
{
	struct timespec ts = { 0, ns };

	syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0);
}

static void
futex_wake_all(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

/*
 * Before a sync: while other processes hold or wait for the journal lock,
 * their commits are moments from the file; yield for a bounded time so
 * this sync takes them too (PostgreSQL's commit_delay, driven by the
 * count instead of a fixed sleep).  Alone, nobody waits.
 */
#define GATHER_NS	200000

static void
gather(struct jrn_writer *w)
{
	struct timespec t0, t;

	if (__atomic_load_n(&w->shm->inflight, __ATOMIC_ACQUIRE) == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (__atomic_load_n(&w->shm->inflight, __ATOMIC_ACQUIRE) > 0 &&
	    (t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < GATHER_NS);
}

int
jrn_writer_sync(struct jrn_writer *w, bool force)
{
	int rc = 0;

	if (covered(w))
		return 0;
	if (!force && w->conf.commit == JK_COMMIT_NONE)
		return 0;
	if (!force && w->conf.commit == JK_COMMIT_GROUP) {
		if (!w->thr_running && w->conf.group_ms > 0) {
			if (pthread_create(&w->thr, NULL, sync_thread, w) == 0)
				w->thr_running = true;
		}
		if (w->thr_running)
			return 0;
	}
	while (!covered(w)) {
		uint32_t seq = __atomic_load_n(&w->shm->sync_seq, __ATOMIC_ACQUIRE);

		if (jk_lock_byte(w->shm_fd, LOCK_SYNC, F_WRLCK, false) == 0) {
			if (!covered(w)) {
				gather(w);
				rc = sync_now(w);
			}
			__atomic_add_fetch(&w->shm->sync_seq, 1, __ATOMIC_ACQ_REL);
			jk_lock_byte(w->shm_fd, LOCK_SYNC, F_UNLCK, true);
			futex_wake_all(&w->shm->sync_seq);
			if (rc != 0)
				return rc;
			continue;
		}
		if (errno != EAGAIN && errno != EACCES)
			return jk_errno(&w->err, errno, "cannot take the journal sync lock of '%s'", w->dir);
		futex_wait(&w->shm->sync_seq, seq, 2000000);
	}
	return rc;
}

/* ---- start, stop, markers, checkpoints ---------------------------------------------------- */

int
jrn_writer_start(struct jrn_writer *w)
{
	if (w->shm->journaling)
		return jk_errf(&w->err, JK_ESTATE, "Already journaling to %s", w->shm->path);
	return jrn_writer_switch(w, true);
}

int
jrn_writer_stop(struct jrn_writer *w)
{
	struct shm *s = w->shm;
	struct jrn_rec r;
	size_t st;
	int rc;

	if (!s->journaling)
		return jk_errf(&w->err, JK_ESTATE, "Not journaling now.");
	buf_reset(&w->rec);
	r = proto(w, JRN_JEND);
	if ((rc = jrn_rec_begin(&w->rec, &r, &st)) != 0 ||
	    (rc = jrn_put_u64(&w->rec, 0)) != 0 ||
	    (rc = jrn_put_str16(&w->rec, "", 0)) != 0 ||
	    (rc = jrn_rec_end(&w->rec, st)) != 0)
		return jk_errf(&w->err, rc, "cannot build a journal end record");
	if ((rc = append_raw(w, w->rec.data, w->rec.len, false)) != 0)
		return rc;
	if (w->io.fdatasync(w->fd) != 0)
		return jk_errno(&w->err, errno, "cannot sync journal '%s'", s->path);
	__atomic_store_n(&s->synced, s->end, __ATOMIC_RELEASE);
	s->journaling = 0;
	s->generation++;
	return 0;
}

int
jrn_writer_mark(struct jrn_writer *w, int64_t id, const char *text, struct jk_loc *loc)
{
	return jrn_writer_mark_seq(w, id, text, 0, loc);
}

int
jrn_writer_mark_seq(struct jrn_writer *w, int64_t id, const char *text, uint64_t seq,
    struct jk_loc *loc)
{
	struct shm *s = w->shm;
	struct jrn_rec r;
	size_t st, n = strlen(text);
	uint64_t off = s->end;
	int rc;

	if (!s->journaling)
		return jk_errf(&w->err, JK_ESTATE, "not journaling: a marker needs a journal");
	if (n > JRN_MARKER_TEXT_MAX)
		return jk_errf(&w->err, JK_ELIMIT, "marker text is %zu bytes; at most %d are allowed",
		    n, JRN_MARKER_TEXT_MAX);
	buf_reset(&w->rec);
	r = proto(w, JRN_MARKER);
	r.seq = seq;
	if ((rc = jrn_rec_begin(&w->rec, &r, &st)) != 0 ||
	    (rc = jrn_put_u64(&w->rec, (uint64_t)id)) != 0 ||
	    (rc = jrn_put_u64(&w->rec, s->marker_seq + 1)) != 0 ||
	    (rc = jrn_put_u64(&w->rec, s->last_marker)) != 0 ||
	    (rc = jrn_put_str16(&w->rec, text, n)) != 0 ||
	    (rc = jrn_rec_end(&w->rec, st)) != 0)
		return jk_errf(&w->err, rc, "cannot build a marker record");
	if ((rc = append_raw(w, w->rec.data, w->rec.len, false)) != 0)
		return rc;
	s->marker_seq++;
	s->last_marker = off;
	if (loc != NULL) {
		loc->file_id = s->file_id;
		loc->offset = off;
		snprintf(loc->path, sizeof loc->path, "%s", s->path);
	}
	return 0;
}

bool
jrn_writer_checkpoint_due(struct jrn_writer *w)
{
	struct shm *s = w->shm;

	if (!s->journaling)
		return false;
	return s->total_bytes - s->ckpt_bytes >= w->conf.ckpt_bytes ||
	    (w->conf.ckpt_secs > 0 && jrn_now_us() - s->ckpt_us >= (uint64_t)w->conf.ckpt_secs * 1000000u);
}

int
jrn_writer_checkpoint(struct jrn_writer *w, const uint32_t *dbnums, uint32_t n, struct jk_loc *loc)
{
	struct shm *s = w->shm;
	struct jrn_rec r;
	size_t st;
	uint64_t off;
	uint32_t i;
	int rc;

	if (!s->journaling)
		return jk_errf(&w->err, JK_ESTATE, "not journaling");
	/* the file's maps again, so a reader may begin here (JRN_F_MAPS) */
	buf_reset(&w->rec);
	for (i = 0; i < s->ndb; i++) {
		r = proto(w, JRN_DBMAP);
		r.dbnum = s->db[i].num;
		r.flags |= JRN_F_MAPS;
		if ((rc = jrn_rec_begin(&w->rec, &r, &st)) != 0 ||
		    (rc = jrn_put_u64(&w->rec, s->db[i].dbid)) != 0 ||
		    (rc = jrn_put_str16(&w->rec, s->db[i].path, strlen(s->db[i].path))) != 0 ||
		    (rc = jrn_rec_end(&w->rec, st)) != 0)
			return jk_errf(&w->err, rc, "cannot build a database map record");
	}
	r = proto(w, JRN_CHECKPOINT);
	r.flags |= JRN_F_MAPS;
	if ((rc = jrn_rec_begin(&w->rec, &r, &st)) != 0 || (rc = jrn_put_u32(&w->rec, n)) != 0)
		return jk_errf(&w->err, rc, "cannot build a checkpoint record");
	for (i = 0; i < n; i++)
		if ((rc = jrn_put_u32(&w->rec, dbnums[i])) != 0)
			return jk_errf(&w->err, rc, "cannot build a checkpoint record");
	if ((rc = jrn_rec_end(&w->rec, st)) != 0)
		return jk_errf(&w->err, rc, "cannot build a checkpoint record");
	off = s->end + st;	/* the CHECKPOINT, after the maps */
	if ((rc = append_raw(w, w->rec.data, w->rec.len, false)) != 0)
		return rc;
	s->ckpt_bytes = s->total_bytes;
	s->ckpt_us = jrn_now_us();
	if (loc != NULL) {
		loc->file_id = s->file_id;
		loc->offset = off;
		snprintf(loc->path, sizeof loc->path, "%s", s->path);
	}
	return 0;
}

int
jrn_writer_status(struct jrn_writer *w, struct jrn_status *st)
{
	struct shm *s = w->shm;
	uint64_t redo;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = lock_state(w, &redo, false)) != 0)
		return rc;
	st->journaling = s->journaling != 0;
	snprintf(st->path, sizeof st->path, "%s", s->path);
	st->file_id = s->file_id;
	st->end = s->end;
	st->synced = __atomic_load_n(&s->sync_id, __ATOMIC_ACQUIRE) == s->file_id ? s->synced : 0;
	st->max_size = w->conf.max_size;
	st->marker_seq = s->marker_seq;
	jrn_writer_unlock(w);
	return 0;
}

void
jrn_writer_set_cluster(struct jrn_writer *w, const struct jrn_cluster *cl)
{
	if (cl != NULL)
		w->clu = *cl;
	else
		memset(&w->clu, 0, sizeof w->clu);
}

void
jrn_writer_set_io(struct jrn_writer *w, const struct jrn_io *io)
{
	w->io.pwrite = io != NULL && io->pwrite != NULL ? io->pwrite : pwrite;
	w->io.fdatasync = io != NULL && io->fdatasync != NULL ? io->fdatasync : fdatasync;
}
