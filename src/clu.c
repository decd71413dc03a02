/*
 * clu.c - the cluster directory, the cluster lock and the sequence
 * counter; see clu.h for the design.
 *
 * CLUSEQ, the sequence file (little-endian, one page):
 *
 *	off  size  field
 *	  0     8  magic "JKCLUSEQ"
 *	  8     4  version (1)
 *	 12     4  header length (64)
 *	 16     8  CSI: the current session's id, microseconds (0: none yet)
 *	 24     8  the next sequence number to give (starts at 1)
 *	 32     8  members up: bit n set while member n journals
 *	 40     8  sessions begun so far
 *	 48    16  reserved, 0
 *
 * Locks (open-file-description fcntl record locks on CLUSEQ, which hold
 * whatever the file's size): byte 0 is the cluster lock; byte 1 serialises
 * appends to CLUJRN.LOG and to members (O_APPEND is not atomic between
 * NFS clients).
 *
 * Crash invariants: CLUSEQ is created whole (temp file, rename) and is the
 * last thing clu_create makes, so a cluster exists exactly when it does.
 * Changes to the members-up bitmap and the session are synced before the
 * lock is let go.  The counter is not synced at every number (that would
 * double the cost of a commit); after a machine crash it may be behind
 * the journals, and clu_seq_raise puts it above them.
 */
#include "clu.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "bytes.h"
#include "crc32c.h"
#include "inst.h"
#include "jrn/format.h"
#include "jrn/jrn.h"
#include "rst.h"

#define SEQ_MAGIC	"JKCLUSEQ"
#define SEQ_VERSION	1
#define SEQ_HDR		64
#define SEQ_SIZE	4096
#define OFF_CSI		16
#define OFF_NEXT	24
#define OFF_UP		32
#define OFF_SESSIONS	40

#define LOCK_SEQ	0
#define LOCK_LOG	1

/* Where format.h puts a record's sequence number. */
#define REC_SEQ_OFF	32

/* File systems whose pages are not coherent between machines. */
#define FS_NFS		0x6969
#define FS_SMB		0x517B
#define FS_CIFS		0xFF534D42
#define FS_SMB2		0xFE534D42
#define FS_CEPH		0x00C36400
#define FS_FUSE		0x65735546

struct clu {
	char dir[PATH_MAX];
	int csn;
	int fd;			/* CLUSEQ */
	uint8_t *map;		/* CLUSEQ mapped (a local file system), or NULL */
	bool use_map;
	uint8_t hdr[SEQ_HDR];	/* the header, read under the lock, without the map */
	bool locked;
	struct jk_err err;
};

static int
nomem(struct jk_err *err)
{
	return jk_errf(err, JK_ENOMEM, "out of memory");
}

static int
path_in(char *out, size_t outsz, const char *dir, const char *name, struct jk_err *err)
{
	size_t dl = strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if ((size_t)snprintf(out, outsz, "%.*s/%s", (int)dl, dir, name) >= outsz)
		return jk_errf(err, JK_ELIMIT, "path too long: '%s/%s'", dir, name);
	return 0;
}

/* ---- the cluster directory ------------------------------------------------------- */

bool
clu_exists(const char *dir)
{
	char p[PATH_MAX];

	return path_in(p, sizeof p, dir, CLU_SEQ_FILE, NULL) == 0 && access(p, F_OK) == 0;
}

/* An empty file at dir/name unless there is one. */
static int
touch(const char *dir, const char *name, struct jk_err *err)
{
	char p[PATH_MAX];
	int fd, rc;

	if ((rc = path_in(p, sizeof p, dir, name, err)) != 0)
		return rc;
	if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0)
		return jk_errno(err, errno, "cannot create '%s'", p);
	rc = fsync(fd) != 0 ? jk_errno(err, errno, "cannot sync '%s'", p) : 0;
	close(fd);
	return rc;
}

int
clu_create(const char *dir, struct jk_err *err)
{
	uint8_t page[SEQ_SIZE];
	char p[PATH_MAX];
	int rc;

	if (clu_exists(dir))
		return jk_errf(err, JK_EEXIST, "there is a cluster in '%s' already", dir);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return jk_errno(err, errno, "cannot create the cluster directory '%s'", dir);
	if ((rc = touch(dir, CLU_LOG_FILE, err)) != 0 || (rc = touch(dir, CLU_MEMBERS, err)) != 0)
		return rc;
	memset(page, 0, sizeof page);
	memcpy(page, SEQ_MAGIC, 8);
	put_u32(page + 8, SEQ_VERSION);
	put_u32(page + 12, SEQ_HDR);
	put_u64(page + OFF_NEXT, 1);
	if ((rc = path_in(p, sizeof p, dir, CLU_SEQ_FILE, err)) != 0)
		return rc;
	return jk_write_file_atomic(p, page, sizeof page, err);
}

/* "N rest" or "N,rest": the number and where rest starts; -1 when the line is not so. */
static int
csn_prefix(const char *line, char sep, const char **rest)
{
	char *e;
	long v;

	if (line[0] < '0' || line[0] > '9')
		return -1;
	errno = 0;
	v = strtol(line, &e, 10);
	if (errno != 0 || *e != sep || v >= CLU_MAX_MEMBERS || e[1] == '\0')
		return -1;
	*rest = e + 1;
	return (int)v;
}

void
clu_members_free(struct clu_member *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(m[i].inst);
	free(m);
}

static int
member_cmp(const void *a, const void *b)
{
	const struct clu_member *x = a, *y = b;

	return (x->csn > y->csn) - (x->csn < y->csn);
}

int
clu_members(const char *dir, struct clu_member **out, size_t *n, struct jk_err *err)
{
	struct clu_member *m = NULL;
	char p[PATH_MAX], **lines = NULL;
	const char *rest;
	size_t nl = 0, i, k = 0;
	int rc, csn;

	*out = NULL;
	*n = 0;
	if ((rc = path_in(p, sizeof p, dir, CLU_MEMBERS, err)) != 0)
		return rc;
	if ((rc = inst_log_read_file(p, &lines, &nl, err)) != 0)
		return rc;
	if (nl > 0 && (m = calloc(nl, sizeof *m)) == NULL) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < nl; i++) {
		if ((csn = csn_prefix(lines[i], ' ', &rest)) < 0) {
			rc = jk_errf(err, JK_EFORMAT, "%s: line %zu: expected 'CSN DIRECTORY', not '%s'",
			    p, i + 1, lines[i]);
			goto out;
		}
		if ((m[k].inst = strdup(rest)) == NULL) {
			rc = nomem(err);
			goto out;
		}
		m[k++].csn = csn;
	}
	if (k > 1)
		qsort(m, k, sizeof *m, member_cmp);
	*out = m;
	*n = k;
	m = NULL;
out:
	if (m != NULL)
		clu_members_free(m, k);
	inst_log_free(lines, nl);
	return rc;
}

int
clu_join(const char *dir, const char *inst, int csn, struct jk_err *err)
{
	struct inst_conf conf;
	struct clu_member *m = NULL;
	struct clu *c = NULL;
	char cdir[PATH_MAX], idir[PATH_MAX], p[PATH_MAX], line[PATH_MAX + 16], *real;
	size_t n = 0, i;
	bool listed = false;
	int rc;

	if (csn < 0 || csn >= CLU_MAX_MEMBERS)
		return jk_errf(err, JK_EUSAGE, "a cluster member number is 0 to %d, not %d",
		    CLU_MAX_MEMBERS - 1, csn);
	if (!clu_exists(dir))
		return jk_errf(err, JK_ENOTFOUND, "no cluster in '%s' (jrnkit cluster init %s)", dir, dir);
	if ((real = realpath(dir, NULL)) == NULL)
		return jk_errno(err, errno, "cannot resolve '%s'", dir);
	snprintf(cdir, sizeof cdir, "%s%s", real, strcmp(real, "/") == 0 ? "" : "/");
	free(real);
	if ((real = realpath(inst, NULL)) == NULL)
		return jk_errno(err, errno, "cannot resolve '%s'", inst);
	snprintf(idir, sizeof idir, "%s%s", real, strcmp(real, "/") == 0 ? "" : "/");
	free(real);
	if ((rc = inst_conf_load(idir, &conf, err)) != 0)
		return rc;
	if (conf.cluster_dir[0] != '\0' && (strcmp(conf.cluster_dir, cdir) != 0 || conf.csn != csn))
		return jk_errf(err, JK_ESTATE, "instance %s is member %d of the cluster in %s already",
		    idir, conf.csn, conf.cluster_dir);
	if ((rc = clu_open(cdir, -1, &c, err)) != 0)
		return rc;
	/* The members file changes under the log lock: two joins at once do not both take a csn. */
	if (jk_lock_byte(c->fd, LOCK_LOG, F_WRLCK, true) != 0) {
		rc = jk_errno(err, errno, "cannot lock the cluster in '%s'", cdir);
		goto out;
	}
	if ((rc = clu_members(cdir, &m, &n, err)) != 0)
		goto out_unlock;
	for (i = 0; i < n; i++) {
		if (m[i].csn == csn && strcmp(m[i].inst, idir) == 0) {
			listed = true;
		} else if (m[i].csn == csn) {
			rc = jk_errf(err, JK_EEXIST, "cluster member %d is %s already", csn, m[i].inst);
			goto out_unlock;
		} else if (strcmp(m[i].inst, idir) == 0) {
			rc = jk_errf(err, JK_ESTATE, "instance %s is member %d of this cluster already",
			    idir, m[i].csn);
			goto out_unlock;
		}
	}
	snprintf(line, sizeof line, "%d %s", csn, idir);
	if (!listed && ((rc = path_in(p, sizeof p, cdir, CLU_MEMBERS, err)) != 0 ||
	    (rc = jk_append_line(p, line, err)) != 0))
		goto out_unlock;
	snprintf(conf.cluster_dir, sizeof conf.cluster_dir, "%s", cdir);
	conf.csn = csn;
	rc = inst_conf_save(idir, &conf, err);
out_unlock:
	jk_lock_byte(c->fd, LOCK_LOG, F_UNLCK, true);
out:
	clu_members_free(m, n);
	clu_close(c);
	return rc;
}

/* ---- the handle -------------------------------------------------------------------- */

static bool
local_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) != 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case FS_NFS: case FS_SMB: case FS_CIFS: case FS_SMB2: case FS_CEPH: case FS_FUSE:
		return false;
	default:
		return true;
	}
}

int
clu_open(const char *dir, int csn, struct clu **out, struct jk_err *err)
{
	struct clu *c;
	char p[PATH_MAX], *real;
	ssize_t r;
	void *m;
	int rc;

	*out = NULL;
	if (!clu_exists(dir))
		return jk_errf(err, JK_ENOTFOUND, "no cluster in '%s' (no %s)", dir, CLU_SEQ_FILE);
	if ((c = calloc(1, sizeof *c)) == NULL)
		return nomem(err);
	c->fd = -1;
	c->csn = csn;
	if ((real = realpath(dir, NULL)) == NULL) {
		rc = jk_errno(err, errno, "cannot resolve '%s'", dir);
		goto out_free;
	}
	snprintf(c->dir, sizeof c->dir, "%s%s", real, strcmp(real, "/") == 0 ? "" : "/");
	free(real);
	if ((rc = path_in(p, sizeof p, c->dir, CLU_SEQ_FILE, err)) != 0)
		goto out_free;
	if ((c->fd = open(p, O_RDWR | O_CLOEXEC)) < 0) {
		rc = jk_errno(err, errno, "cannot open '%s'", p);
		goto out_free;
	}
	do
		r = pread(c->fd, c->hdr, SEQ_HDR, 0);
	while (r < 0 && errno == EINTR);
	if (r != SEQ_HDR || memcmp(c->hdr, SEQ_MAGIC, 8) != 0) {
		rc = jk_errf(err, JK_EFORMAT, "'%s' is not a jrnkit cluster sequence file", p);
		goto out_free;
	}
	if (get_u32(c->hdr + 8) != SEQ_VERSION) {
		rc = jk_errf(err, JK_EVERSION, "'%s' is version %u; this jrnkit reads version %d",
		    p, get_u32(c->hdr + 8), SEQ_VERSION);
		goto out_free;
	}
	if (local_fs(c->fd)) {
		m = mmap(NULL, SEQ_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
		if (m != MAP_FAILED) {
			c->map = m;
			c->use_map = true;
		}
	}
	*out = c;
	return 0;
out_free:
	clu_close(c);
	return rc;
}

void
clu_close(struct clu *c)
{
	if (c == NULL)
		return;
	if (c->locked)
		clu_unlock(c);
	if (c->map != NULL)
		munmap(c->map, SEQ_SIZE);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

const struct jk_err *
clu_err(const struct clu *c)
{
	return &c->err;
}

const char *
clu_dir(const struct clu *c)
{
	return c->dir;
}

bool
clu_mapped(const struct clu *c)
{
	return c->use_map;
}

void
clu_set_mapped(struct clu *c, bool mapped)
{
	c->use_map = mapped && c->map != NULL;
}

/* The header as the lock holder sees it: the map, or the copy read at clu_lock. */
static uint8_t *
hdr(struct clu *c)
{
	return c->use_map ? c->map : c->hdr;
}

/* Without the map, read the header (a peek, or at clu_lock). */
static int
hdr_load(struct clu *c)
{
	ssize_t r;

	if (c->use_map)
		return 0;
	do
		r = pread(c->fd, c->hdr, SEQ_HDR, 0);
	while (r < 0 && errno == EINTR);
	if (r != SEQ_HDR)
		return jk_errno(&c->err, r < 0 ? errno : EIO, "cannot read %s%s", c->dir, CLU_SEQ_FILE);
	return 0;
}

/* Without the map, write the header back (under the lock). */
static int
hdr_store(struct clu *c)
{
	ssize_t r;

	if (c->use_map)
		return 0;
	do
		r = pwrite(c->fd, c->hdr, SEQ_HDR, 0);
	while (r < 0 && errno == EINTR);
	if (r != SEQ_HDR)
		return jk_errno(&c->err, r < 0 ? errno : ENOSPC, "cannot write %s%s", c->dir, CLU_SEQ_FILE);
	return 0;
}

int
clu_lock(struct clu *c)
{
	int rc;

	if (c->locked)
		return jk_errf(&c->err, JK_ESTATE, "the cluster lock of %s is held already", c->dir);
	if (jk_lock_byte(c->fd, LOCK_SEQ, F_WRLCK, true) != 0)
		return jk_errno(&c->err, errno, "cannot take the cluster lock of %s", c->dir);
	c->locked = true;
	if ((rc = hdr_load(c)) != 0) {
		clu_unlock(c);
		return rc;
	}
	return 0;
}

void
clu_unlock(struct clu *c)
{
	if (!c->locked)
		return;
	jk_lock_byte(c->fd, LOCK_SEQ, F_UNLCK, true);
	c->locked = false;
}

bool
clu_locked(const struct clu *c)
{
	return c->locked;
}

static int
need_lock(struct clu *c, const char *what)
{
	return jk_errf(&c->err, JK_ESTATE, "%s needs the cluster lock of %s", what, c->dir);
}

int
clu_seq_take(struct clu *c, uint64_t n, uint64_t *first)
{
	uint8_t *h = hdr(c);
	uint64_t next;

	if (!c->locked)
		return need_lock(c, "taking sequence numbers");
	next = get_u64(h + OFF_NEXT);
	*first = next;
	put_u64(h + OFF_NEXT, next + n);
	return hdr_store(c);
}

int
clu_stamp(struct clu *c, uint8_t *p, size_t len, uint64_t *first)
{
	uint64_t seq, n = 0;
	size_t off;
	uint32_t l;
	int rc;

	*first = 0;
	if (!c->locked)
		return need_lock(c, "stamping records");
	for (off = 0; off + JRN_REC_MIN <= len; off += l, n++) {
		l = get_u32(p + off);
		if (l < JRN_REC_MIN || l > len - off)
			return jk_errf(&c->err, JK_EUSAGE, "not a whole record at byte %zu of %zu to stamp", off, len);
	}
	if (off != len)
		return jk_errf(&c->err, JK_EUSAGE, "not a whole record at byte %zu of %zu to stamp", off, len);
	if (n == 0)
		return 0;
	/* Published first: a holder that dies before its append leaves a gap, never a number used twice. */
	if ((rc = clu_seq_take(c, n, &seq)) != 0)
		return rc;
	*first = seq;
	for (off = 0; off < len; off += l) {
		l = get_u32(p + off);
		put_u64(p + off + REC_SEQ_OFF, seq++);
		put_u32(p + off + l - JRN_REC_TRAILER, crc32c(0, p + off, l - JRN_REC_TRAILER));
	}
	return 0;
}

void
clu_unstamp(struct clu *c, uint64_t first)
{
	if (!c->locked || first == 0)
		return;
	put_u64(hdr(c) + OFF_NEXT, first);
	hdr_store(c);
}

uint64_t
clu_seq_next(struct clu *c)
{
	if (!c->locked && hdr_load(c) != 0)
		return 0;
	return get_u64(hdr(c) + OFF_NEXT);
}

int
clu_seq_raise(struct clu *c, uint64_t next)
{
	uint8_t *h = hdr(c);

	if (!c->locked)
		return need_lock(c, "raising the sequence counter");
	if (get_u64(h + OFF_NEXT) >= next)
		return 0;
	put_u64(h + OFF_NEXT, next);
	return hdr_store(c);
}

uint64_t
clu_csi(struct clu *c)
{
	if (!c->locked && hdr_load(c) != 0)
		return 0;
	return get_u64(hdr(c) + OFF_CSI);
}

bool
clu_member_up_now(struct clu *c, int csn)
{
	if (csn < 0 || csn >= CLU_MAX_MEMBERS || (!c->locked && hdr_load(c) != 0))
		return false;
	return (get_u64(hdr(c) + OFF_UP) >> csn) & 1;
}

/* Under the lock: the header changed in a way that must survive a crash. */
static int
hdr_sync(struct clu *c)
{
	int rc;

	if ((rc = hdr_store(c)) != 0)
		return rc;
	if (c->use_map && msync(c->map, SEQ_SIZE, MS_SYNC) != 0)
		return jk_errno(&c->err, errno, "cannot sync %s%s", c->dir, CLU_SEQ_FILE);
	if (!c->use_map && fdatasync(c->fd) != 0)
		return jk_errno(&c->err, errno, "cannot sync %s%s", c->dir, CLU_SEQ_FILE);
	return 0;
}

int
clu_member_up(struct clu *c, int csn)
{
	uint8_t *h = hdr(c);
	uint64_t up, now;

	if (!c->locked)
		return need_lock(c, "a member coming up");
	if (csn < 0 || csn >= CLU_MAX_MEMBERS)
		return jk_errf(&c->err, JK_EUSAGE, "bad cluster member number %d", csn);
	up = get_u64(h + OFF_UP);
	if ((up >> csn) & 1)
		return 0;
	if (up == 0) {
		/* The first member up: a new session, named by the time, after every earlier one. */
		now = jrn_now_us();
		if (now <= get_u64(h + OFF_CSI))
			now = get_u64(h + OFF_CSI) + 1;
		put_u64(h + OFF_CSI, now);
		put_u64(h + OFF_SESSIONS, get_u64(h + OFF_SESSIONS) + 1);
	}
	put_u64(h + OFF_UP, up | (uint64_t)1 << csn);
	return hdr_sync(c);
}

int
clu_member_down(struct clu *c, int csn)
{
	uint8_t *h = hdr(c);
	uint64_t up;

	if (!c->locked)
		return need_lock(c, "a member going down");
	if (csn < 0 || csn >= CLU_MAX_MEMBERS)
		return jk_errf(&c->err, JK_EUSAGE, "bad cluster member number %d", csn);
	up = get_u64(h + OFF_UP);
	if (!((up >> csn) & 1))
		return 0;
	put_u64(h + OFF_UP, up & ~((uint64_t)1 << csn));
	return hdr_sync(c);
}

int
clu_log_append(struct clu *c, int csn, const char *path)
{
	char p[PATH_MAX], line[JRN_PATH_MAX + 32];
	int rc;

	if (strchr(path, '\n') != NULL || path[0] != '/')
		return jk_errf(&c->err, JK_EUSAGE, "cannot log journal file '%s' in %s%s: not an absolute path on one line",
		    path, c->dir, CLU_LOG_FILE);
	if ((rc = path_in(p, sizeof p, c->dir, CLU_LOG_FILE, &c->err)) != 0)
		return rc;
	snprintf(line, sizeof line, "%d,%s", csn, path);
	if (jk_lock_byte(c->fd, LOCK_LOG, F_WRLCK, true) != 0)
		return jk_errno(&c->err, errno, "cannot lock %s", p);
	rc = jk_append_line(p, line, &c->err);
	jk_lock_byte(c->fd, LOCK_LOG, F_UNLCK, true);
	return rc;
}

/* ---- cluster journal logs -------------------------------------------------------------- */

void
clu_log_init(struct clu_log *l)
{
	l->e = NULL;
	l->n = 0;
}

void
clu_log_release(struct clu_log *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->e[i].path);
	free(l->e);
	clu_log_init(l);
}

int
clu_log_add(struct clu_log *l, int csn, const char *path, struct jk_err *err)
{
	struct clu_log_ent *v;

	if (csn < 0 || csn >= CLU_MAX_MEMBERS)
		return jk_errf(err, JK_EUSAGE, "bad cluster member number %d", csn);
	if (path[0] != '/' || strchr(path, '\n') != NULL)
		return jk_errf(err, JK_EUSAGE, "'%s' is not an absolute path on one line", path);
	if ((v = realloc(l->e, (l->n + 1) * sizeof *v)) == NULL)
		return nomem(err);
	l->e = v;
	if ((v[l->n].path = strdup(path)) == NULL)
		return nomem(err);
	v[l->n++].csn = csn;
	return 0;
}

int
clu_log_read(const char *path, struct clu_log *l, struct jk_err *err)
{
	char **lines = NULL;
	const char *rest;
	size_t n = 0, i;
	int rc, csn;

	clu_log_release(l);
	if ((rc = inst_log_read_file(path, &lines, &n, err)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		if ((csn = csn_prefix(lines[i], ',', &rest)) < 0 || rest[0] != '/')
			rc = jk_errf(err, JK_EFORMAT, "%s: entry %zu: expected 'CSN,PATH', not '%s'",
			    path, i + 1, lines[i]);
		else
			rc = clu_log_add(l, csn, rest, err);
	}
	if (rc != 0)
		clu_log_release(l);
	inst_log_free(lines, n);
	return rc;
}

int
clu_log_write(const struct clu_log *l, const char *path, struct jk_err *err)
{
	struct buf b = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < l->n && rc == 0; i++)
		rc = buf_addf(&b, "%d,%s\n", l->e[i].csn, l->e[i].path);
	if (rc != 0)
		rc = nomem(err);
	else
		rc = jk_write_file_atomic(path, b.data ? b.data : (const uint8_t *)"", b.len, err);
	buf_release(&b);
	return rc;
}

/* ---- redirection ------------------------------------------------------------------------ */

void
clu_redirect_init(struct clu_redirect *r)
{
	r->from = r->to = NULL;
	r->n = 0;
}

void
clu_redirect_release(struct clu_redirect *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->from[i]);
		free(r->to[i]);
	}
	free(r->from);
	free(r->to);
	clu_redirect_init(r);
}

int
clu_redirect_add(struct clu_redirect *r, const char *from, const char *to, struct jk_err *err)
{
	struct buf f = BUF_INIT, t = BUF_INIT;
	char **nf, **nt;
	size_t i;
	int rc;

	if ((rc = rst_canon_dir(from, &f, err)) != 0 || (rc = rst_canon_dir(to, &t, err)) != 0)
		goto out;
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->from[i], buf_str(&f)) != 0)
			continue;
		if (strcmp(r->to[i], buf_str(&t)) != 0)
			rc = jk_errf(err, JK_EUSAGE, "%s goes to %s already: one directory cannot go to two",
			    r->from[i], r->to[i]);
		goto out;
	}
	nf = realloc(r->from, (r->n + 1) * sizeof *nf);
	if (nf != NULL)
		r->from = nf;
	nt = realloc(r->to, (r->n + 1) * sizeof *nt);
	if (nt != NULL)
		r->to = nt;
	if (nf == NULL || nt == NULL) {
		rc = nomem(err);
		goto out;
	}
	r->from[r->n] = strdup(buf_str(&f));
	r->to[r->n] = strdup(buf_str(&t));
	if (r->from[r->n] == NULL || r->to[r->n] == NULL) {
		free(r->from[r->n]);
		free(r->to[r->n]);
		rc = nomem(err);
		goto out;
	}
	r->n++;
out:
	buf_release(&f);
	buf_release(&t);
	return rc;
}

int
clu_redirect_apply(const struct clu_redirect *r, const char *path, struct buf *out)
{
	size_t i, best = SIZE_MAX, bl = 0, l;

	for (i = 0; i < r->n; i++) {
		l = strlen(r->from[i]);
		if (l > bl && strncmp(path, r->from[i], l) == 0) {
			best = i;
			bl = l;
		}
	}
	buf_reset(out);
	if (best == SIZE_MAX)
		return buf_adds(out, path);
	if (buf_adds(out, r->to[best]) != 0 || buf_adds(out, path + bl) != 0)
		return JK_ENOMEM;
	return 0;
}
