/*
 * db.c - databases on LMDB; the contract is db.h.
 *
 * A database is a directory holding one LMDB environment (data.mdb,
 * lock.mdb) with two named LMDB databases:
 *
 *	"data"	encoded key (gref.h) -> value bytes, one entry per node
 *	"meta"	one entry, key "db", the record below
 *
 * Environment settings and why:
 *
 *	MDB_NOSYNC	commits do not fsync: the journal is what makes a
 *			commit durable; db_sync() (mdb_env_sync, forced) is
 *			the checkpoint that lets recovery start later.  A
 *			process crash loses nothing; an OS crash may lose or
 *			damage what came after the last db_sync(), which is
 *			why recovery replays the journal from the checkpoint.
 *	MDB_NOTLS	a transaction is not bound to the thread that began
 *			it, and a read transaction keeps its reader slot across
 *			mdb_txn_reset/renew, so a handle reuses one slot.
 *	MDB_WRITEMAP	pages are written in the map, not with one pwrite per
 *			dirty page at commit: 2-2.5 times the put rate for
 *			random puts in transactions of 100 (400k -> 760k-1M
 *			puts/s on a 2-core VM).  LMDB sets the file's size to
 *			the map size, but the file stays sparse: only pages
 *			written take disk space.  All writers use the flag, as
 *			LMDB requires; read-only opens drop it.
 *	map size	1 TiB on 64-bit hosts (1 GiB on 32-bit): address space,
 *			and the apparent size of data.mdb (ls shows 1 TiB, du
 *			the data).  Copy it with mdb_env_copy or a sparse-aware
 *			tool, never a plain byte copy.
 *	reserve		a page faulted into a hole of the sparse file when the
 *			disk is full raises SIGBUS, not an error.  So a write
 *			transaction first makes sure RESERVE bytes past the
 *			last used page are allocated (fallocate), and reports
 *			a full disk as JK_EIO there; only a transaction that
 *			grows the file by more than RESERVE can still meet it.
 *
 * The meta record (format version 1), little-endian, never a raw struct:
 *
 *	offset	size	field
 *	0	4	magic "JKDB"
 *	4	2	format version (1)
 *	6	2	flags: bit 0 journaled; other bits zero
 *	8	8	database id (random, never 0)
 *	16	8	created, unix seconds
 *	24	8	checkpoint: journal file id
 *	32	8	checkpoint: offset in that file
 *	40	4	checkpoint: path length n (< 4096, no NUL bytes)
 *	44	n	checkpoint: journal file path
 *	44+n	4	CRC-32C of bytes 0 .. 44+n
 *
 * Changing the meta format: bump META_VERSION, keep decoding version 1,
 * add a fixture database under tests/data, update this table.
 *
 * The process-wide registry: LMDB forbids opening one environment twice in
 * a process (its locks are per process), so every handle on a canonical path
 * shares one struct env, refcounted under reg_lock.  An environment does not
 * survive fork(): entries remember the pid that opened them and a child never
 * uses (nor closes) its parent's.
 *
 * A handle holds at most one transaction at a time, embedded in the handle,
 * so beginning one allocates nothing.  A read transaction is reset, not
 * freed, when it ends and renewed by the next one; its cursor is renewed
 * with it.  A write transaction opens a cursor only when a kill or a walk
 * needs one: db_get and db_put go straight to mdb_get/mdb_put, which use a
 * cursor on LMDB's stack.
 */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "crc32c.h"

#define META_MAGIC	"JKDB"
#define META_VERSION	1
#define META_JOURNALED	0x1
#define META_FIXED	44		/* bytes before the path */
#define META_KEY	"db"
#define PATH_FIELD_MAX	(sizeof(((struct jk_loc *)0)->path))

#define MAX_READERS	510		/* reader slots: one per open handle */
#define DATA_FILE	"data.mdb"
#define RESERVE		((off_t)64 << 20)	/* disk kept allocated past the data */

_Static_assert(META_FIXED == 4 + 2 + 2 + 8 + 8 + 8 + 8 + 4, "meta layout");
_Static_assert(JK_VAL_MAX <= UINT32_MAX, "value sizes fit LMDB");

/* One LMDB environment, shared by every handle on its path in this process. */
struct env {
	struct env *next;
	char *path;		/* canonical, owned */
	pid_t pid;		/* process that opened it */
	int refs;
	MDB_env *env;
	MDB_dbi data;
	MDB_dbi meta;
	bool rdonly;		/* opened MDB_RDONLY (the files are not writable) */
	size_t maxkey;		/* min(JK_KEY_MAX, LMDB's limit) */
	bool writing;		/* a write transaction is open in this process, */
	pthread_t writer;	/* begun by this thread (both under reg_lock) */
	off_t reserved;		/* data.mdb is allocated up to here (writer only) */
	unsigned psize;		/* LMDB page size */
};

/* A deferred update (db_defer_*): a put or a kill. */
struct defer_ent {
	uint64_t dig;		/* sorting: the digit of the level being sorted */
	uint32_t seq;		/* order of arrival */
	size_t off;		/* key, then value, in the arena */
	uint32_t vlen;
	uint16_t klen;
	uint8_t kill;		/* 0 put, else 1 + enum db_kill_mode */
};

struct defer {
	struct defer_ent *v;
	size_t n, cap;
	uint8_t *arena;
	size_t alen, acap;
	bool sorted;		/* v is in key order (defer_order) */
	struct defer_ent *tmp;	/* the sort's scratch, tcap entries, kept */
	size_t tcap;
};

struct db_txn {
	struct jk_db *db;
	MDB_txn *txn;
	MDB_cursor *cur;	/* NULL until a cursor is needed */
	bool write;
	bool active;
	struct defer def;	/* deferred updates, kept allocated between transactions */
};

static void
defer_free(struct defer *d)
{
	free(d->v);
	free(d->arena);
	free(d->tmp);
	memset(d, 0, sizeof *d);
}

struct jk_db {
	struct env *e;
	pid_t pid;
	unsigned flags;
	MDB_txn *rtxn;		/* reset read transaction kept for renewal */
	MDB_cursor *rcur;	/* cursor of read transactions, renewed with them */
	struct db_txn t;
	struct jk_err err;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static int (*db_fault)(const char *op, const char *path);	/* db_set_fault */

void
db_set_fault(int (*fault)(const char *op, const char *path))
{
	db_fault = fault;
}

/* The injected fault for op on db's file, as the error the disk would give; 0: none. */
static int
fault_check(struct jk_db *db, const char *op)
{
	int e = db_fault != NULL ? db_fault(op, db->e->path) : 0;

	return e == 0 ? 0 : jk_errno(&db->err, e, "cannot %s %s", op, db->e->path);
}
static struct env *reg_head;

/* --- errors ------------------------------------------------------------ */

/*
 * An LMDB return code as a jrnkit error: errno values are I/O errors (errno
 * kept), a damaged file is JK_ECORRUPT, anything else of LMDB's (map full,
 * transaction full, readers full, ...) is JK_EDB.  The message carries
 * LMDB's text and the database path.
 */
static int
lmdb_err(struct jk_err *err, int rc, const char *what, const char *path)
{
	if (rc > 0)
		return jk_errno(err, rc, "%s in %s", what, path);
	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND)
		return jk_errf(err, JK_ECORRUPT, "%s in %s: %s", what, path,
		    mdb_strerror(rc));
	return jk_errf(err, JK_EDB, "%s in %s: %s", what, path,
	    mdb_strerror(rc));
}

/* Lowercase hex of at most max bytes of p into out, "..." when cut short. */
static void
hex(char *out, size_t outsz, const uint8_t *p, size_t n, size_t max)
{
	static const char digits[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n && i < max && o + 3 < outsz; i++) {
		out[o++] = digits[p[i] >> 4];
		out[o++] = digits[p[i] & 0xf];
	}
	if (i < n && o + 4 <= outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/*
 * A key as people read it, for messages: ZWR when it decodes (cut to fit),
 * hex otherwise.  Only on error paths.
 */
static void
key_text(char *out, size_t outsz, const uint8_t *k, size_t kn)
{
	struct buf b = BUF_INIT;

	if (gref_key_valid(k, kn) && gref_format(&b, k, kn, true) == 0) {
		if (b.len < outsz) {
			memcpy(out, b.data, b.len + 1);
		} else {
			memcpy(out, b.data, outsz - 4);
			memcpy(out + outsz - 4, "...", 4);
		}
	} else {
		char h[2 * 64 + 4];

		hex(h, sizeof h, k, kn, 64);
		snprintf(out, outsz, "key %s", h);
	}
	buf_release(&b);
}

/* --- paths --------------------------------------------------------------- */

int
db_canon_path(const char *dir, struct buf *out, struct jk_err *err)
{
	char *real;
	size_t n;
	int rc;

	real = realpath(dir, NULL);
	if (real == NULL) {
		if (errno == ENOMEM)
			return jk_errf(err, JK_ENOMEM, "out of memory");
		return jk_errno(err, errno, "cannot resolve '%s'", dir);
	}
	buf_reset(out);
	n = strlen(real);
	rc = buf_add(out, real, n);
	if (rc == 0 && (n == 0 || real[n - 1] != '/'))
		rc = buf_addc(out, '/');
	free(real);
	if (rc != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	return 0;
}

/* mkdir -p: every missing directory on the way, then dir itself. */
static int
mkdir_p(const char *dir, struct jk_err *err)
{
	struct stat st;
	char *p, *s, c;
	int rc = 0;

	if ((p = strdup(dir)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			rc = jk_errno(err, errno, "cannot create directory '%s'", p);
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	if (rc != 0)
		return rc;
	if (stat(dir, &st) != 0)
		return jk_errno(err, errno, "cannot create directory '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return jk_errf(err, JK_EEXIST, "'%s' exists and is not a directory", dir);
	return 0;
}

/* Whether canon (with its trailing '/') holds an LMDB data file. */
static bool
has_data_file(const char *canon)
{
	struct stat st;
	struct buf b = BUF_INIT;
	bool ok;

	if (buf_adds(&b, canon) != 0 || buf_adds(&b, DATA_FILE) != 0) {
		buf_release(&b);
		return false;
	}
	ok = stat(buf_str(&b), &st) == 0 && S_ISREG(st.st_mode);
	buf_release(&b);
	return ok;
}

bool
db_exists(const char *dir)
{
	struct buf canon = BUF_INIT;
	bool ok;

	ok = db_canon_path(dir, &canon, NULL) == 0 && has_data_file(buf_str(&canon));
	buf_release(&canon);
	return ok;
}

/* --- the meta record ------------------------------------------------------- */

/* Encode m into b (replaced).  JK_EUSAGE for a path without its NUL. */
static int
meta_encode(const struct db_meta *m, struct buf *b, struct jk_err *err)
{
	size_t n = strnlen(m->ckpt.path, PATH_FIELD_MAX);
	uint8_t *p;

	if (n == PATH_FIELD_MAX)
		return jk_errf(err, JK_EUSAGE,
		    "checkpoint path is not NUL-terminated");
	buf_reset(b);
	if (buf_grow(b, META_FIXED + n + 4) != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	p = b->data;
	memcpy(p, META_MAGIC, 4);
	put_u16(p + 4, META_VERSION);
	put_u16(p + 6, m->journaled ? META_JOURNALED : 0);
	put_u64(p + 8, m->id);
	put_u64(p + 16, m->created);
	put_u64(p + 24, m->ckpt.file_id);
	put_u64(p + 32, m->ckpt.offset);
	put_u32(p + 40, (uint32_t)n);
	memcpy(p + META_FIXED, m->ckpt.path, n);
	put_u32(p + META_FIXED + n, crc32c(0, p, META_FIXED + n));
	b->len = META_FIXED + n + 4;
	b->data[b->len] = '\0';
	return 0;
}

/* Decode and check a meta record; JK_ECORRUPT/JK_EVERSION with what is wrong. */
static int
meta_decode(const uint8_t *p, size_t len, struct db_meta *m, const char *path,
    struct jk_err *err)
{
	uint32_t n;
	uint16_t flags;

	if (len < META_FIXED + 4 || memcmp(p, META_MAGIC, 4) != 0)
		return jk_errf(err, JK_ECORRUPT,
		    "meta record of %s is not a jrnkit meta record (%zu bytes)",
		    path, len);
	if (get_u16(p + 4) != META_VERSION)
		return jk_errf(err, JK_EVERSION,
		    "meta record of %s has format version %u, this build reads %u",
		    path, get_u16(p + 4), META_VERSION);
	n = get_u32(p + 40);
	if (n >= PATH_FIELD_MAX || len != META_FIXED + (size_t)n + 4)
		return jk_errf(err, JK_ECORRUPT,
		    "meta record of %s: path length %" PRIu32 " does not fit its %zu bytes",
		    path, n, len);
	if (get_u32(p + META_FIXED + n) != crc32c(0, p, META_FIXED + n))
		return jk_errf(err, JK_ECORRUPT,
		    "meta record of %s: checksum mismatch", path);
	flags = get_u16(p + 6);
	if ((flags & ~META_JOURNALED) != 0)
		return jk_errf(err, JK_ECORRUPT,
		    "meta record of %s: unknown flags 0x%x", path, flags);
	if (memchr(p + META_FIXED, '\0', n) != NULL)
		return jk_errf(err, JK_ECORRUPT,
		    "meta record of %s: checkpoint path holds a NUL byte", path);
	memset(m, 0, sizeof *m);
	m->journaled = (flags & META_JOURNALED) != 0;
	m->id = get_u64(p + 8);
	m->created = get_u64(p + 16);
	m->ckpt.file_id = get_u64(p + 24);
	m->ckpt.offset = get_u64(p + 32);
	memcpy(m->ckpt.path, p + META_FIXED, n);
	m->ckpt.path[n] = '\0';
	if (m->id == 0)
		return jk_errf(err, JK_ECORRUPT, "meta record of %s: id is 0", path);
	return 0;
}

/* --- the registry ------------------------------------------------------------ */

static void
env_free(struct env *e)
{
	if (e == NULL)
		return;
	if (e->env != NULL)
		mdb_env_close(e->env);
	free(e->path);
	free(e);
}

/*
 * Open the environment at canon.  create: make the files and the named
 * databases.  rdonly: the caller only reads, so files we may not write are
 * opened MDB_RDONLY.  Called with reg_lock held.
 */
static int
env_open(const char *canon, bool create, bool rdonly, struct env **out,
    struct jk_err *err)
{
	struct env *e;
	MDB_txn *txn;
	MDB_stat st;
	unsigned flags = MDB_NOSYNC | MDB_NOTLS | MDB_WRITEMAP;
	size_t mapsize = sizeof(size_t) >= 8 ? (size_t)1 << 40 : (size_t)1 << 30;
	int dead, rc, ks;

	if ((e = calloc(1, sizeof *e)) == NULL || (e->path = strdup(canon)) == NULL) {
		free(e);
		return jk_errf(err, JK_ENOMEM, "out of memory");
	}
	e->pid = getpid();
	for (;;) {
		if ((rc = mdb_env_create(&e->env)) != 0 ||
		    (rc = mdb_env_set_maxdbs(e->env, 4)) != 0 ||
		    (rc = mdb_env_set_maxreaders(e->env, MAX_READERS)) != 0 ||
		    (rc = mdb_env_set_mapsize(e->env, mapsize)) != 0) {
			rc = lmdb_err(err, rc, "cannot set up LMDB", canon);
			goto fail;
		}
		rc = mdb_env_open(e->env, canon, flags | (e->rdonly ? MDB_RDONLY : 0), 0666);
		if (rc == 0)
			break;
		mdb_env_close(e->env);
		e->env = NULL;
		/* A reader of files it may not write: try again read-only. */
		if ((rc == EACCES || rc == EROFS) && rdonly && !e->rdonly) {
			e->rdonly = true;
			continue;
		}
		rc = lmdb_err(err, rc, "cannot open LMDB environment", canon);
		goto fail;
	}
	/* Free the reader slots of processes that died holding them. */
	mdb_reader_check(e->env, &dead);

	if ((rc = mdb_env_stat(e->env, &st)) != 0) {
		rc = lmdb_err(err, rc, "cannot read the environment", canon);
		goto fail;
	}
	e->psize = st.ms_psize;
	ks = mdb_env_get_maxkeysize(e->env);
	e->maxkey = ks > 0 && (size_t)ks < JK_KEY_MAX ? (size_t)ks : JK_KEY_MAX;

	rc = mdb_txn_begin(e->env, NULL, create ? 0 : MDB_RDONLY, &txn);
	if (rc != 0) {
		rc = lmdb_err(err, rc, "cannot begin a transaction", canon);
		goto fail;
	}
	if ((rc = mdb_dbi_open(txn, "data", create ? MDB_CREATE : 0, &e->data)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", create ? MDB_CREATE : 0, &e->meta)) != 0) {
		mdb_txn_abort(txn);
		if (rc == MDB_NOTFOUND)
			rc = jk_errf(err, JK_EFORMAT,
			    "%s is not a jrnkit database: no \"data\" and \"meta\" tables",
			    canon);
		else
			rc = lmdb_err(err, rc, "cannot open the tables", canon);
		goto fail;
	}
	/* Committing (even a read transaction) keeps the dbi handles. */
	if ((rc = mdb_txn_commit(txn)) != 0) {
		rc = lmdb_err(err, rc, "cannot open the tables", canon);
		goto fail;
	}
	*out = e;
	return 0;
fail:
	env_free(e);
	return rc;
}

/* Find or open the environment at canon and take a reference. */
static int
env_acquire(const char *canon, bool rdonly, struct env **out, struct jk_err *err)
{
	struct env *e;
	pid_t pid = getpid();
	int rc = 0;

	pthread_mutex_lock(&reg_lock);
	for (e = reg_head; e != NULL; e = e->next)
		if (e->pid == pid && strcmp(e->path, canon) == 0)
			break;
	if (e != NULL) {
		if (e->rdonly && !rdonly)
			rc = jk_errf(err, JK_ESTATE,
			    "%s is open read-only in this process (its files are not writable)",
			    canon);
	} else if ((rc = env_open(canon, false, rdonly, &e, err)) == 0) {
		e->next = reg_head;
		reg_head = e;
	}
	if (rc == 0) {
		e->refs++;
		*out = e;
	}
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

static void
env_release(struct env *e)
{
	struct env **pp;

	pthread_mutex_lock(&reg_lock);
	if (--e->refs > 0) {
		pthread_mutex_unlock(&reg_lock);
		return;
	}
	for (pp = &reg_head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	pthread_mutex_unlock(&reg_lock);
	env_free(e);
}

/* --- create, open, close -------------------------------------------------------- */

int
db_create(const char *dir, struct jk_err *err)
{
	struct buf canon = BUF_INIT, rec = BUF_INIT;
	struct db_meta m;
	struct env *e = NULL, *o;
	MDB_txn *txn;
	MDB_val k = { sizeof META_KEY - 1, (void *)META_KEY }, v;
	int rc;

	if ((rc = mkdir_p(dir, err)) != 0 ||
	    (rc = db_canon_path(dir, &canon, err)) != 0)
		goto out;

	memset(&m, 0, sizeof m);
	m.journaled = true;
	m.created = (uint64_t)time(NULL);
	while (m.id == 0)
		if (getrandom(&m.id, sizeof m.id, 0) != sizeof m.id) {
			rc = jk_errno(err, errno, "cannot draw an id for %s",
			    buf_str(&canon));
			goto out;
		}
	if ((rc = meta_encode(&m, &rec, err)) != 0)
		goto out;

	/* Under the registry lock, so no handle of ours opens it half made. */
	pthread_mutex_lock(&reg_lock);
	for (o = reg_head; o != NULL; o = o->next)
		if (o->pid == getpid() && strcmp(o->path, buf_str(&canon)) == 0)
			break;
	if (o != NULL) {
		rc = jk_errf(err, JK_EEXIST, "a database exists in %s",
		    buf_str(&canon));
		goto out_unlock;
	}
	if ((rc = env_open(buf_str(&canon), true, false, &e, err)) != 0)
		goto out_unlock;
	if ((rc = mdb_txn_begin(e->env, NULL, 0, &txn)) != 0) {
		rc = lmdb_err(err, rc, "cannot begin a transaction", buf_str(&canon));
		goto out_unlock;
	}
	/* The meta record is the mark of a database: another creator may have won. */
	rc = mdb_get(txn, e->meta, &k, &v);
	if (rc == 0) {
		mdb_txn_abort(txn);
		rc = jk_errf(err, JK_EEXIST, "a database exists in %s",
		    buf_str(&canon));
		goto out_unlock;
	}
	v.mv_size = rec.len;
	v.mv_data = rec.data;
	if ((rc = mdb_put(txn, e->meta, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		rc = lmdb_err(err, rc, "cannot write the meta record", buf_str(&canon));
		goto out_unlock;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		rc = lmdb_err(err, rc, "cannot commit the new database", buf_str(&canon));
		goto out_unlock;
	}
	/* Creation is rare: make it durable at once. */
	if ((rc = mdb_env_sync(e->env, 1)) != 0)
		rc = lmdb_err(err, rc, "cannot sync the new database", buf_str(&canon));
out_unlock:
	pthread_mutex_unlock(&reg_lock);
	env_free(e);
out:
	buf_release(&rec);
	buf_release(&canon);
	return rc;
}

int
db_open(const char *dir, unsigned flags, struct jk_db **out, struct jk_err *err)
{
	struct buf canon = BUF_INIT;
	struct jk_db *db;
	int rc;

	*out = NULL;
	if ((flags & ~(unsigned)DB_RDONLY) != 0)
		return jk_errf(err, JK_EUSAGE, "unknown flags 0x%x opening '%s'",
		    flags, dir);
	if (db_canon_path(dir, &canon, NULL) != 0 || !has_data_file(buf_str(&canon))) {
		buf_release(&canon);
		return jk_errf(err, JK_ENOTFOUND, "no database in '%s'", dir);
	}
	if ((db = calloc(1, sizeof *db)) == NULL) {
		buf_release(&canon);
		return jk_errf(err, JK_ENOMEM, "out of memory");
	}
	rc = env_acquire(buf_str(&canon), (flags & DB_RDONLY) != 0, &db->e, err);
	buf_release(&canon);
	if (rc != 0) {
		free(db);
		return rc;
	}
	db->pid = getpid();
	db->flags = flags;
	db->t.db = db;
	*out = db;
	return 0;
}

void
db_close(struct jk_db *db)
{
	if (db == NULL)
		return;
	/* A handle inherited across fork() is not ours to touch: LMDB forbids it. */
	if (db->pid == getpid()) {
		if (db->t.active)
			db_txn_abort(&db->t);
		if (db->rcur != NULL)
			mdb_cursor_close(db->rcur);
		if (db->rtxn != NULL)
			mdb_txn_abort(db->rtxn);
		env_release(db->e);
	}
	defer_free(&db->t.def);
	free(db);
}

const char *
db_path(const struct jk_db *db)
{
	return db->e->path;
}

const struct jk_err *
db_err(const struct jk_db *db)
{
	return &db->err;
}

int
db_sync(struct jk_db *db)
{
	int rc;

	if (db->e->rdonly)
		return 0;	/* nothing of ours to flush */
	if ((rc = fault_check(db, "sync")) != 0)
		return rc;
	if ((rc = mdb_env_sync(db->e->env, 1)) != 0)
		return lmdb_err(&db->err, rc, "cannot flush the data file", db->e->path);
	return 0;
}

/* --- transactions ------------------------------------------------------------- */

/*
 * Keep RESERVE bytes allocated past the last used page (see the top of the
 * file).  Called in a write transaction, which makes this thread the only
 * one touching e->reserved.
 */
static int
reserve(struct jk_db *db)
{
	struct env *e = db->e;
	MDB_envinfo info;
	off_t used;
	int fd, rc;

	if (e->reserved == -1)
		return 0;
	if ((rc = mdb_env_info(e->env, &info)) != 0)
		return lmdb_err(&db->err, rc, "cannot read the environment", e->path);
	used = ((off_t)info.me_last_pgno + 1) * e->psize;
	if (used + RESERVE / 2 <= e->reserved)
		return 0;
	if ((rc = mdb_env_get_fd(e->env, &fd)) != 0)
		return lmdb_err(&db->err, rc, "cannot read the environment", e->path);
	/* Not posix_fallocate: where the file system cannot, it writes zeros. */
	if (fallocate(fd, 0, used, RESERVE) != 0) {
		if (errno == EOPNOTSUPP || errno == ENOSYS) {
			e->reserved = -1;	/* live without the reserve */
			return 0;
		}
		return jk_errno(&db->err, errno, "cannot allocate %lld bytes in %s%s",
		    (long long)RESERVE, e->path, DATA_FILE);
	}
	e->reserved = used + RESERVE;
	return 0;
}

int
db_txn_begin(struct jk_db *db, bool write, struct db_txn **out)
{
	struct db_txn *t = &db->t;
	struct env *e = db->e;
	bool self;
	int rc;

	*out = NULL;
	if (t->active)
		return jk_errf(&db->err, JK_ESTATE,
		    "a transaction is already open on this handle of %s", e->path);
	if (!write) {
		if (db->rtxn != NULL) {
			rc = mdb_txn_renew(db->rtxn);
		} else {
			rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, &db->rtxn);
			if (rc != 0)
				db->rtxn = NULL;
		}
		if (rc != 0)
			return lmdb_err(&db->err, rc, "cannot begin a read transaction",
			    e->path);
		t->txn = db->rtxn;
		t->cur = NULL;
		t->write = false;
		t->active = true;
		*out = t;
		return 0;
	}
	if ((db->flags & DB_RDONLY) != 0 || e->rdonly)
		return jk_errf(&db->err, JK_ESTATE, "%s is open read-only", e->path);

	/* LMDB's writer lock is not recursive: a second writer on this thread would hang. */
	pthread_mutex_lock(&reg_lock);
	self = e->writing && pthread_equal(e->writer, pthread_self());
	pthread_mutex_unlock(&reg_lock);
	if (self)
		return jk_errf(&db->err, JK_ELOCKED,
		    "this thread already has a write transaction open on %s", e->path);

	if ((rc = mdb_txn_begin(e->env, NULL, 0, &t->txn)) != 0)
		return lmdb_err(&db->err, rc, "cannot begin a write transaction",
		    e->path);
	if ((rc = reserve(db)) != 0) {
		mdb_txn_abort(t->txn);
		return rc;
	}
	pthread_mutex_lock(&reg_lock);
	e->writing = true;
	e->writer = pthread_self();
	pthread_mutex_unlock(&reg_lock);
	t->cur = NULL;
	t->write = true;
	t->active = true;
	*out = t;
	return 0;
}

/* Forget the write transaction; called once LMDB has ended it. */
static void
writer_done(struct db_txn *t)
{
	struct env *e = t->db->e;

	pthread_mutex_lock(&reg_lock);
	e->writing = false;
	pthread_mutex_unlock(&reg_lock);
}

int
db_txn_commit(struct db_txn *t)
{
	struct jk_db *db = t->db;
	int rc;

	if (!t->active)
		return jk_errf(&db->err, JK_ESTATE,
		    "no transaction to commit on %s", db->e->path);
	if (t->write && t->def.n > 0 && (rc = db_defer_flush(t)) != 0) {
		db_txn_abort(t);
		return rc;
	}
	if (t->write && (rc = fault_check(db, "commit")) != 0) {
		db_txn_abort(t);
		return rc;
	}
	t->active = false;
	if (!t->write) {
		mdb_txn_reset(t->txn);
		return 0;
	}
	if (t->cur != NULL)
		mdb_cursor_close(t->cur);
	t->cur = NULL;
	/* mdb_txn_commit ends the transaction whether or not it succeeds. */
	rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	writer_done(t);
	if (rc != 0)
		return lmdb_err(&db->err, rc, "cannot commit", db->e->path);
	return 0;
}

void
db_txn_abort(struct db_txn *t)
{
	if (t == NULL || !t->active)
		return;
	t->active = false;
	t->def.n = t->def.alen = 0;
	if (!t->write) {
		mdb_txn_reset(t->txn);
		return;
	}
	if (t->cur != NULL)
		mdb_cursor_close(t->cur);
	t->cur = NULL;
	mdb_txn_abort(t->txn);
	t->txn = NULL;
	writer_done(t);
}

struct jk_db *
db_txn_db(struct db_txn *t)
{
	return t->db;
}

/* The transaction's cursor on "data", opened (or renewed) at first need. */
static int
txn_cursor(struct db_txn *t, MDB_cursor **out)
{
	struct jk_db *db = t->db;
	int rc;

	if (t->cur == NULL) {
		if (t->write) {
			rc = mdb_cursor_open(t->txn, db->e->data, &t->cur);
		} else if (db->rcur != NULL) {
			rc = mdb_cursor_renew(t->txn, db->rcur);
			if (rc == 0)
				t->cur = db->rcur;
		} else {
			rc = mdb_cursor_open(t->txn, db->e->data, &db->rcur);
			if (rc == 0)
				t->cur = db->rcur;
			else
				db->rcur = NULL;
		}
		if (rc != 0) {
			t->cur = NULL;
			return lmdb_err(&db->err, rc, "cannot open a cursor", db->e->path);
		}
	}
	*out = t->cur;
	return 0;
}

static int
txn_ok(struct db_txn *t, const char *what)
{
	if (!t->active)
		return jk_errf(&t->db->err, JK_ESTATE,
		    "%s outside a transaction on %s", what, t->db->e->path);
	return 0;
}

/* Check a key given to any call: present, and within what LMDB can hold. */
/* A key db can hold: not empty, not over LMDB's limit.  The error goes to *err. */
static int
key_fits(const struct jk_db *db, struct jk_err *err, const uint8_t *k, size_t kn, const char *what)
{
	char text[256];

	if (kn == 0)
		return jk_errf(err, JK_EUSAGE, "%s with an empty key on %s",
		    what, db->e->path);
	if (kn > db->e->maxkey) {
		key_text(text, sizeof text, k, kn);
		return jk_errf(err, JK_ELIMIT,
		    "%s: key of %zu bytes is over the limit of %zu bytes: %s in %s",
		    what, kn, db->e->maxkey, text, db->e->path);
	}
	return 0;
}

/* A value db can hold. */
static int
val_fits(const struct jk_db *db, struct jk_err *err, const uint8_t *k, size_t kn, size_t vn)
{
	char text[256];

	if (vn <= JK_VAL_MAX)
		return 0;
	key_text(text, sizeof text, k, kn);
	return jk_errf(err, JK_ELIMIT,
	    "value of %zu bytes for %s is over the limit of %u bytes in %s",
	    vn, text, JK_VAL_MAX, db->e->path);
}

static int
key_ok(struct db_txn *t, const uint8_t *k, size_t kn, const char *what)
{
	int rc;

	if ((rc = txn_ok(t, what)) != 0)
		return rc;
	return key_fits(t->db, &t->db->err, k, kn, what);
}

/* --- nodes -------------------------------------------------------------- */

int
db_get(struct db_txn *t, const uint8_t *k, size_t kn, const uint8_t **v, size_t *vn)
{
	MDB_val mk, mv;
	int rc;

	if ((rc = key_ok(t, k, kn, "get")) != 0)
		return rc;
	mk.mv_size = kn;
	mk.mv_data = (void *)k;
	rc = mdb_get(t->txn, t->db->e->data, &mk, &mv);
	if (rc == MDB_NOTFOUND)
		return JK_ENOTFOUND;	/* common: no message */
	if (rc != 0)
		return lmdb_err(&t->db->err, rc, "cannot read", t->db->e->path);
	*v = mv.mv_data;
	*vn = mv.mv_size;
	return 0;
}

int
db_put(struct db_txn *t, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
	struct jk_db *db = t->db;
	MDB_val mk, mv;
	char text[256];
	int rc;

	if ((rc = key_ok(t, k, kn, "put")) != 0)
		return rc;
	if (!t->write)
		return jk_errf(&db->err, JK_ESTATE, "put in a read transaction on %s",
		    db->e->path);
	if ((rc = val_fits(db, &db->err, k, kn, vn)) != 0)
		return rc;
	mk.mv_size = kn;
	mk.mv_data = (void *)k;
	mv.mv_size = vn;
	mv.mv_data = (void *)v;
	if ((rc = mdb_put(t->txn, db->e->data, &mk, &mv, 0)) != 0) {
		char what[300];

		/* LMDB has marked the transaction failed: only an abort is left. */
		key_text(text, sizeof text, k, kn);
		snprintf(what, sizeof what, "cannot set %s", text);
		return lmdb_err(&db->err, rc, what, db->e->path);
	}
	return 0;
}

/* Whether key x starts with p. */
static bool
has_prefix(const MDB_val *x, const uint8_t *p, size_t pn)
{
	return x->mv_size >= pn && memcmp(x->mv_data, p, pn) == 0;
}

/*
 * Position c at the first key >= k (op MDB_SET_RANGE); *found false when
 * there is none.  Errors other than "not found" are returned.
 */
static int
seek(struct db_txn *t, MDB_cursor *c, const uint8_t *k, size_t kn,
    MDB_val *x, MDB_val *xv, bool *found)
{
	int rc;

	x->mv_size = kn;
	x->mv_data = (void *)k;
	rc = mdb_cursor_get(c, x, xv, MDB_SET_RANGE);
	*found = rc == 0;
	if (rc == 0 || rc == MDB_NOTFOUND)
		return 0;
	return lmdb_err(&t->db->err, rc, "cannot read", t->db->e->path);
}

/* Move c by op (MDB_NEXT, MDB_PREV, MDB_FIRST, MDB_LAST); *found as seek. */
static int
step(struct db_txn *t, MDB_cursor *c, MDB_cursor_op op, MDB_val *x, MDB_val *xv,
    bool *found)
{
	int rc;

	rc = mdb_cursor_get(c, x, xv, op);
	*found = rc == 0;
	if (rc == 0 || rc == MDB_NOTFOUND)
		return 0;
	return lmdb_err(&t->db->err, rc, "cannot read", t->db->e->path);
}

int
db_kill(struct db_txn *t, const uint8_t *k, size_t kn, enum db_kill_mode mode,
    db_kill_cb cb, void *arg, uint64_t *nremoved)
{
	struct jk_db *db = t->db;
	MDB_cursor *c;
	MDB_val x, xv;
	uint64_t n = 0;
	bool found;
	int rc;

	if (nremoved != NULL)
		*nremoved = 0;
	if ((rc = key_ok(t, k, kn, "kill")) != 0)
		return rc;
	if (!t->write)
		return jk_errf(&db->err, JK_ESTATE, "kill in a read transaction on %s",
		    db->e->path);
	if (mode != DB_KILL_TREE && mode != DB_KILL_NODE && mode != DB_KILL_DESC)
		return jk_errf(&db->err, JK_EUSAGE, "unknown kill mode %d", (int)mode);
	if ((rc = txn_cursor(t, &c)) != 0)
		return rc;

	/*
	 * The node is k itself; its descendants are exactly the longer keys
	 * starting with k (gref.h), which follow it: one forward sweep.
	 */
	if ((rc = seek(t, c, k, kn, &x, &xv, &found)) != 0)
		return rc;
	if (mode == DB_KILL_DESC && found && x.mv_size == kn &&
	    memcmp(x.mv_data, k, kn) == 0 &&
	    (rc = step(t, c, MDB_NEXT, &x, &xv, &found)) != 0)
		return rc;
	while (found && has_prefix(&x, k, kn)) {
		if (mode == DB_KILL_NODE && x.mv_size != kn)
			break;
		if (cb != NULL && (rc = cb(arg, x.mv_data, x.mv_size,
		    xv.mv_data, xv.mv_size)) != 0)
			break;
		if ((rc = mdb_cursor_del(c, 0)) != 0) {
			rc = lmdb_err(&db->err, rc, "cannot delete", db->e->path);
			break;
		}
		n++;
		if (mode == DB_KILL_NODE)
			break;
		/* After a delete the cursor rests on the next key, and NEXT returns it. */
		if ((rc = step(t, c, MDB_NEXT, &x, &xv, &found)) != 0)
			break;
	}
	if (nremoved != NULL)
		*nremoved = n;
	return rc;
}

int
db_data(struct db_txn *t, const uint8_t *k, size_t kn, int *data)
{
	MDB_cursor *c;
	MDB_val x, xv;
	bool found;
	int rc, d = 0;

	*data = 0;
	if ((rc = key_ok(t, k, kn, "$data")) != 0 || (rc = txn_cursor(t, &c)) != 0)
		return rc;
	if ((rc = seek(t, c, k, kn, &x, &xv, &found)) != 0)
		return rc;
	if (found && x.mv_size == kn && memcmp(x.mv_data, k, kn) == 0) {
		d = 1;
		if ((rc = step(t, c, MDB_NEXT, &x, &xv, &found)) != 0)
			return rc;
	}
	if (found && x.mv_size > kn && memcmp(x.mv_data, k, kn) == 0)
		d += 10;
	*data = d;
	return 0;
}

/*
 * The least byte string greater than every string starting with p: p with
 * trailing 0xFF bytes dropped and the last byte incremented.  Encoded keys
 * end in a subscript terminator, and a negative number's is 0xFF.  Returns
 * the length, 0 when there is no such string (p all 0xFF).
 */
static size_t
prefix_successor(const uint8_t *p, size_t pn, uint8_t *out)
{
	while (pn > 0 && p[pn - 1] == 0xFF)
		pn--;
	if (pn == 0)
		return 0;
	memcpy(out, p, pn);
	out[pn - 1]++;
	return pn;
}

/* The ancestor of stored key x with nsubs subscripts into out. */
static int
sibling_key(struct db_txn *t, const MDB_val *x, int nsubs, struct jk_key *out)
{
	char h[2 * 64 + 4];
	size_t len;

	if (gref_key_prefix(x->mv_data, x->mv_size, nsubs, &len) != 0) {
		hex(h, sizeof h, x->mv_data, x->mv_size, 64);
		return jk_errf(&t->db->err, JK_ECORRUPT,
		    "stored key does not decode: %s in %s", h, t->db->e->path);
	}
	memcpy(out->b, x->mv_data, len);
	out->len = len;
	return 0;
}

int
db_order(struct db_txn *t, const uint8_t *k, size_t kn, int dir, struct jk_key *next)
{
	struct jk_db *db = t->db;
	MDB_cursor *c;
	MDB_val x, xv;
	uint8_t succ[JK_KEY_MAX];
	size_t plen = 0, klen = 0, sn;
	bool found, from_end;
	int n = 0, rc;

	if (dir == 0)
		return jk_errf(&db->err, JK_EUSAGE, "$order direction 0");
	/* An empty key stands before the first global and after the last. */
	if ((rc = kn == 0 ? txn_ok(t, "$order") : key_ok(t, k, kn, "$order")) != 0)
		return rc;
	if (kn > 0) {
		if ((n = gref_key_nsubs(k, kn)) < 0 ||
		    gref_key_prefix(k, kn, n, &klen) != 0 ||
		    (n > 0 && gref_key_prefix(k, kn, n - 1, &plen) != 0)) {
			char h[2 * 64 + 4];

			hex(h, sizeof h, k, kn, 64);
			return jk_errf(&db->err, JK_EFORMAT,
			    "$order of a key that does not decode: %s", h);
		}
	}
	if ((rc = txn_cursor(t, &c)) != 0)
		return rc;

	/*
	 * Siblings share the parent's key (k's first plen bytes; none for
	 * global names).  Forwards: the first key past k's whole subtree.
	 * Backwards: the last key before k.  A last subscript "" means
	 * "from the end" backwards, as in M; forwards it sorts first anyway.
	 */
	from_end = kn == 0 || (dir < 0 && n > 0 && klen == plen + 1 && k[plen] == 0x10);
	if (dir > 0) {
		if (kn == 0)
			rc = step(t, c, MDB_FIRST, &x, &xv, &found);
		else if ((sn = prefix_successor(k, klen, succ)) == 0)
			found = false;
		else
			rc = seek(t, c, succ, sn, &x, &xv, &found);
	} else {
		if (from_end && plen > 0)
			sn = prefix_successor(k, plen, succ);
		else if (from_end)
			sn = 0;
		else {
			memcpy(succ, k, klen);
			sn = klen;
		}
		if (sn > 0)
			rc = seek(t, c, succ, sn, &x, &xv, &found);
		else
			found = false;
		if (rc == 0)
			rc = step(t, c, found ? MDB_PREV : MDB_LAST, &x, &xv, &found);
	}
	if (rc != 0)
		return rc;
	if (!found || !has_prefix(&x, k, plen) || x.mv_size == plen)
		return JK_ENOTFOUND;
	return sibling_key(t, &x, n, next);
}

int
db_query(struct db_txn *t, const uint8_t *k, size_t kn, int dir, struct jk_key *next)
{
	struct jk_db *db = t->db;
	MDB_cursor *c;
	MDB_val x, xv;
	bool found;
	int rc;

	if (dir == 0)
		return jk_errf(&db->err, JK_EUSAGE, "$query direction 0");
	if ((rc = kn == 0 ? txn_ok(t, "$query") : key_ok(t, k, kn, "$query")) != 0)
		return rc;
	if ((rc = txn_cursor(t, &c)) != 0)
		return rc;
	if (kn == 0) {
		rc = step(t, c, dir > 0 ? MDB_FIRST : MDB_LAST, &x, &xv, &found);
	} else {
		rc = seek(t, c, k, kn, &x, &xv, &found);
		if (rc == 0 && dir > 0 && found && x.mv_size == kn &&
		    memcmp(x.mv_data, k, kn) == 0)
			rc = step(t, c, MDB_NEXT, &x, &xv, &found);
		else if (rc == 0 && dir < 0)
			rc = step(t, c, found ? MDB_PREV : MDB_LAST, &x, &xv, &found);
	}
	if (rc != 0)
		return rc;
	if (!found)
		return JK_ENOTFOUND;
	memcpy(next->b, x.mv_data, x.mv_size);
	next->len = x.mv_size;
	return 0;
}

/* --- meta ----------------------------------------------------------------- */

int
db_meta_get(struct jk_db *db, struct db_meta *m)
{
	struct db_txn *t = &db->t;
	MDB_val k = { sizeof META_KEY - 1, (void *)META_KEY }, v;
	bool own = !t->active;
	int rc;

	if (own && (rc = db_txn_begin(db, false, &t)) != 0)
		return rc;
	rc = mdb_get(t->txn, db->e->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = jk_errf(&db->err, JK_ECORRUPT, "%s has no meta record",
		    db->e->path);
	else if (rc != 0)
		rc = lmdb_err(&db->err, rc, "cannot read the meta record", db->e->path);
	else
		rc = meta_decode(v.mv_data, v.mv_size, m, db->e->path, &db->err);
	if (own)
		db_txn_abort(t);
	return rc;
}

int
db_meta_set(struct jk_db *db, const struct db_meta *m)
{
	struct buf rec = BUF_INIT;
	struct db_txn *t;
	MDB_val k = { sizeof META_KEY - 1, (void *)META_KEY }, v;
	int rc;

	if (m->id == 0)
		return jk_errf(&db->err, JK_EUSAGE, "meta id 0 for %s", db->e->path);
	if ((rc = meta_encode(m, &rec, &db->err)) != 0)
		return rc;
	if ((rc = db_txn_begin(db, true, &t)) != 0)
		goto out;
	v.mv_size = rec.len;
	v.mv_data = rec.data;
	if ((rc = mdb_put(t->txn, db->e->meta, &k, &v, 0)) != 0) {
		db_txn_abort(t);
		rc = lmdb_err(&db->err, rc, "cannot write the meta record", db->e->path);
		goto out;
	}
	rc = db_txn_commit(t);
out:
	buf_release(&rec);
	return rc;
}

/* --- check ----------------------------------------------------------------- */

static void
problem(struct db_check_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Keep the first problem only: it is where a repair starts. */
static void
problem(struct db_check_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->first_problem[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->first_problem, sizeof r->first_problem, fmt, ap);
	va_end(ap);
}

int
db_check(const char *dir, struct db_check_report *r, struct jk_err *err)
{
	struct jk_db *db;
	struct db_txn *t;
	struct db_meta m;
	MDB_cursor *c;
	MDB_val x, xv;
	uint8_t last[GREF_NAME_MAX + 1];
	size_t lastn = 0, nn;
	uint64_t pos = 0;
	char h[2 * 64 + 4], text[200];
	bool found, first = true;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = db_open(dir, DB_RDONLY, &db, err)) != 0) {
		problem(r, "%s", err != NULL ? err->msg : jk_strerror(rc));
		return rc;
	}
	if ((rc = db_txn_begin(db, false, &t)) != 0)
		goto out_err;

	if (db_meta_get(db, &m) == 0) {
		r->meta_ok = true;
	} else {
		problem(r, "%s", db->err.msg);
	}

	if ((rc = txn_cursor(t, &c)) != 0)
		goto out_abort;
	for (rc = step(t, c, MDB_FIRST, &x, &xv, &found); rc == 0 && found;
	    rc = step(t, c, MDB_NEXT, &x, &xv, &found)) {
		const uint8_t *p = x.mv_data;
		const uint8_t *z = memchr(p, '\0', x.mv_size);

		pos++;
		r->nodes++;
		/* Keys are sorted, so one global's keys are contiguous. */
		nn = z != NULL ? (size_t)(z - p) : x.mv_size;
		if (nn > sizeof last)
			nn = sizeof last;
		if (first || nn != lastn || memcmp(p, last, nn) != 0) {
			r->globals++;
			memcpy(last, p, nn);
			lastn = nn;
			first = false;
		}
		if (!gref_key_valid(p, x.mv_size)) {
			r->bad_keys++;
			hex(h, sizeof h, p, x.mv_size, 64);
			problem(r, "key at position %" PRIu64 " does not decode: %s",
			    pos, h);
			continue;
		}
		if (xv.mv_size > JK_VAL_MAX) {
			r->bad_values++;
			key_text(text, sizeof text, p, x.mv_size);
			problem(r, "value of %s at position %" PRIu64
			    " is %zu bytes, over the limit of %u",
			    text, pos, xv.mv_size, JK_VAL_MAX);
		}
	}
	if (rc != 0) {
		problem(r, "%s", db->err.msg);
		goto out_abort;
	}
	db_txn_abort(t);
	db_close(db);
	if (r->first_problem[0] == '\0')
		return 0;
	return jk_errf(err, JK_ECORRUPT, "%s: %s", dir, r->first_problem);

out_abort:
	db_txn_abort(t);
out_err:
	if (err != NULL && err != &db->err)
		*err = db->err;
	problem(r, "%s", db->err.msg);
	db_close(db);
	return rc;
}

/* --- deferred updates --------------------------------------------------- */

#define DEFER_MAX_ENTS	262144		/* flushed into the transaction past these ... */
#define DEFER_MAX_BYTES	(64u << 20)	/* ... or these bytes of keys and values */

/* Append an update to d (no checks: the callers made them). */
static int
defer_push(struct defer *d, struct jk_err *err, const uint8_t *k, size_t kn,
    const uint8_t *v, size_t vn, uint8_t kill)
{
	struct defer_ent *x;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4096;
		struct defer_ent *nv = realloc(d->v, cap * sizeof *nv);

		if (nv == NULL)
			return jk_errf(err, JK_ENOMEM, "out of memory");
		d->v = nv;
		d->cap = cap;
	}
	if (d->alen + kn + vn > d->acap) {
		size_t cap = d->acap ? d->acap : 1u << 20;
		uint8_t *na;

		while (cap < d->alen + kn + vn)
			cap *= 2;
		if ((na = realloc(d->arena, cap)) == NULL)
			return jk_errf(err, JK_ENOMEM, "out of memory");
		d->arena = na;
		d->acap = cap;
	}
	x = &d->v[d->n];
	x->seq = (uint32_t)d->n;
	x->off = d->alen;
	x->klen = (uint16_t)kn;
	x->vlen = (uint32_t)vn;
	x->kill = kill;
	memcpy(d->arena + d->alen, k, kn);
	if (vn > 0)
		memcpy(d->arena + d->alen + kn, v, vn);
	d->alen += kn + vn;
	d->n++;
	d->sorted = false;
	return 0;
}

static bool
defer_full(const struct defer *d, size_t more)
{
	return d->n >= DEFER_MAX_ENTS || d->alen + more > DEFER_MAX_BYTES;
}

static int defer_flush(struct db_txn *t, struct defer *d);

static int
defer_add(struct db_txn *t, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn, uint8_t kill)
{
	int rc;

	if (defer_full(&t->def, kn + vn) && (rc = db_defer_flush(t)) != 0)
		return rc;
	return defer_push(&t->def, &t->db->err, k, kn, v, vn, kill);
}

int
db_defer_put(struct db_txn *t, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
	struct jk_db *db = t->db;
	int rc;

	if ((rc = key_ok(t, k, kn, "put")) != 0)
		return rc;
	if (!t->write)
		return jk_errf(&db->err, JK_ESTATE, "put in a read transaction on %s", db->e->path);
	if ((rc = val_fits(db, &db->err, k, kn, vn)) != 0)
		return rc;
	return defer_add(t, k, kn, v, vn, 0);
}

int
db_defer_kill(struct db_txn *t, const uint8_t *k, size_t kn, enum db_kill_mode mode)
{
	struct jk_db *db = t->db;
	int rc;

	if ((rc = key_ok(t, k, kn, "kill")) != 0)
		return rc;
	if (!t->write)
		return jk_errf(&db->err, JK_ESTATE, "kill in a read transaction on %s", db->e->path);
	if (mode != DB_KILL_TREE && mode != DB_KILL_NODE && mode != DB_KILL_DESC)
		return jk_errf(&db->err, JK_EUSAGE, "unknown kill mode %d", (int)mode);
	return defer_add(t, k, kn, NULL, 0, (uint8_t)(1 + mode));
}

/* Key order, then arrival, of two entries whose keys agree before byte at. */
static int
defer_cmp_from(const uint8_t *arena, const struct defer_ent *x, const struct defer_ent *y, size_t at)
{
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = n > at ? memcmp(arena + x->off + at, arena + y->off + at, n - at) : 0;

	if (c != 0)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Stable sort of v[0..n) by .dig, a byte a pass, passes where every entry has the same byte skipped. */
static void
defer_radix(struct defer_ent *v, struct defer_ent *tmp, size_t n)
{
	struct defer_ent *src = v, *dst = tmp, *sw;
	size_t count[256], i, k, sum;
	unsigned shift;

	for (shift = 0; shift < 64; shift += 8) {
		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[(src[i].dig >> shift) & 0xff]++;
		if (count[(src[0].dig >> shift) & 0xff] == n)
			continue;
		for (k = 0, sum = 0; k < 256; k++) {
			size_t c = count[k];

			count[k] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i].dig >> shift) & 0xff]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
}

/*
 * Sort v[0..n), whose keys agree before byte at, by key and then arrival
 * (v is in arrival order): a most-significant-digit-first radix sort, 8
 * key bytes a level (zero past a key's end), each level a stable radix
 * sort; entries equal in a level's 8 bytes go down to the next, or, when
 * none of them goes on past them, are equal keys or keys one the prefix
 * of another, put in order of length.  Short runs: insertion sort.
 * tmp holds n entries.
 */
static void
defer_sort(const uint8_t *arena, struct defer_ent *v, struct defer_ent *tmp, size_t n, size_t at)
{
	size_t i, j, a;

	if (n < 32) {
		for (i = 1; i < n; i++) {
			struct defer_ent x = v[i];

			for (j = i; j > 0 && defer_cmp_from(arena, &v[j - 1], &x, at) > 0; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *k = arena + v[i].off;
		uint64_t x = 0;

		for (j = at; j < at + 8; j++)
			x = x << 8 | (j < v[i].klen ? k[j] : 0);
		v[i].dig = x;
	}
	defer_radix(v, tmp, n);
	for (a = 0; a < n; a = i) {
		bool longer = v[a].klen > at + 8, lens = false;

		for (i = a + 1; i < n && v[i].dig == v[a].dig; i++) {
			longer |= v[i].klen > at + 8;
			lens |= v[i].klen != v[a].klen;
		}
		if (i - a < 2)
			continue;
		if (longer) {
			defer_sort(arena, v + a, tmp + a, i - a, at + 8);
		} else if (lens) {
			for (j = a; j < i; j++)
				v[j].dig = v[j].klen;
			defer_radix(v + a, tmp + a, i - a);
		}
	}
}

static bool
same_key(const struct defer *d, const struct defer_ent *x, const struct defer_ent *y)
{
	return x->klen == y->klen && memcmp(d->arena + x->off, d->arena + y->off, x->klen) == 0;
}

/* Whether the key of p is a proper prefix of the key of x: x is p's descendant. */
static bool
is_desc(const struct defer *d, const struct defer_ent *p, const struct defer_ent *x)
{
	return p->klen < x->klen && memcmp(d->arena + p->off, d->arena + x->off, p->klen) == 0;
}

static int
defer_put1(struct db_txn *t, const struct defer_ent *x, const uint8_t *k)
{
	MDB_cursor *c;
	MDB_val mk, mv;
	int rc;

	if ((rc = txn_cursor(t, &c)) != 0)
		return rc;
	mk.mv_size = x->klen;
	mk.mv_data = (void *)k;
	mv.mv_size = x->vlen;
	mv.mv_data = (void *)(k + x->klen);
	if ((rc = mdb_cursor_put(c, &mk, &mv, 0)) != 0) {
		char text[256], what[300];

		key_text(text, sizeof text, k, x->klen);
		snprintf(what, sizeof what, "cannot set %s", text);
		rc = lmdb_err(&t->db->err, rc, what, t->db->e->path);
	}
	return rc;
}

/*
 * A kill in force over the keys that follow in key order: those starting
 * with the key of v[idx].  cov is 1 + the arrival of the latest kill that
 * covers them, this one's or an enclosing one's.
 */
struct defer_frame {
	size_t idx;
	uint32_t cov;
};

/*
 * Every entry, puts and kills alike, sorted by key, then arrival.  A kill of
 * K reaches only K or the keys starting with K (gref.h), and those sort
 * right after K; so one walk in key order settles each key from the entries
 * of its own key and the kills of its ancestors still open on a stack:
 *
 *   - the kills of the key are applied to the database first: they remove
 *     what was there before this batch, which is gone at the end whatever
 *     the order (nothing of the batch under K has been written yet);
 *   - then its last put is written, unless a kill that covers the key
 *     (its own kill of the node, or an open kill of an ancestor's
 *     descendants) came after it.
 *
 * The database ends as if the updates had been applied in arrival order,
 * and the pages are visited in key order: through the transaction's
 * cursor, which LMDB searches in its current leaf page first, keys close
 * together cost a page search each instead of a descent from the root.
 */
int
db_defer_flush(struct db_txn *t)
{
	return defer_flush(t, &t->def);
}

/* Put d in key order, then arrival (see defer_flush). */
static int
defer_order(struct defer *d, struct jk_err *err)
{
	if (d->sorted || d->n < 2) {
		d->sorted = true;
		return 0;
	}
	if (d->tcap < d->n) {
		free(d->tmp);
		if ((d->tmp = malloc(d->cap * sizeof *d->tmp)) == NULL) {
			d->tcap = 0;
			return jk_errf(err, JK_ENOMEM, "out of memory");
		}
		d->tcap = d->cap;
	}
	defer_sort(d->arena, d->v, d->tmp, d->n, 0);
	d->sorted = true;
	return 0;
}

static int
defer_flush(struct db_txn *t, struct defer *d)
{
	struct defer_frame *st = NULL;
	size_t i, j, sp = 0, scap = 0;
	int rc = 0;

	if (d->n == 0)
		return 0;
	if ((rc = defer_order(d, &t->db->err)) != 0)
		return rc;
	for (i = 0; i < d->n && rc == 0; i = j) {
		const struct defer_ent *x = &d->v[i], *put = NULL;
		uint32_t cov, node = 0, desc = 0;

		while (sp > 0 && !is_desc(d, &d->v[st[sp - 1].idx], x))
			sp--;
		cov = sp > 0 ? st[sp - 1].cov : 0;
		for (j = i; j < d->n && (j == i || same_key(d, x, &d->v[j])) && rc == 0; j++) {
			const struct defer_ent *y = &d->v[j];
			enum db_kill_mode mode = (enum db_kill_mode)(y->kill - 1);

			if (!y->kill) {
				put = y;
				continue;
			}
			rc = db_kill(t, d->arena + y->off, y->klen, mode, NULL, NULL, NULL);
			if (mode != DB_KILL_DESC)
				node = y->seq + 1;
			if (mode != DB_KILL_NODE)
				desc = y->seq + 1;
		}
		if (rc != 0)
			break;
		if (put != NULL && put->seq + 1 > cov && put->seq + 1 > node)
			rc = defer_put1(t, put, d->arena + put->off);
		if (desc > cov) {
			if (sp == scap) {
				size_t ncap = scap ? scap * 2 : 16;
				struct defer_frame *ns = realloc(st, ncap * sizeof *ns);

				if (ns == NULL) {
					rc = jk_errf(&t->db->err, JK_ENOMEM, "out of memory");
					break;
				}
				st = ns;
				scap = ncap;
			}
			st[sp].idx = i;
			st[sp].cov = desc;
			sp++;
		}
	}
	free(st);
	d->n = d->alen = 0;
	return rc;
}

/* --- the batch writer ----------------------------------------------------- */

/*
 * Two buffers: the caller fills fill; the thread writes the other one, job,
 * while busy.  Everything below mu is shared; the caller touches the
 * handle (db) only while the thread is idle, and the thread only while
 * busy.  A failure ends the thread's transaction; the caller learns of it
 * at the next submit or wait.
 */
struct db_batch {
	struct jk_db *db;
	struct defer bufs[2];
	int fill;		/* index of the buffer being filled */
	struct jk_err err;	/* the caller's side: checks, and outcomes handed over */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool busy;		/* the thread has a job */
	bool commit;		/* ... that ends with a commit */
	bool abort;		/* ... that is to abort the open transaction */
	bool quit;
	bool open;		/* the thread's transaction is open */
	int rc;			/* outcome of the last job */
	struct jk_err jerr;	/* its message */
};


static void
batch_job(struct db_batch *b, struct defer *d, bool commit, bool abort)
{
	struct jk_db *db = b->db;
	struct db_txn *t = &db->t;
	int rc = 0;

	if (abort) {
		if (b->open)
			db_txn_abort(t);
		b->open = false;
		d->n = d->alen = 0;
		b->rc = 0;
		return;
	}
	if (!b->open && d->n > 0) {
		struct db_txn *nt;

		if ((rc = db_txn_begin(db, true, &nt)) == 0)
			b->open = true;
	}
	if (rc == 0 && d->n > 0 && (rc = defer_flush(t, d)) != 0) {
		db_txn_abort(t);
		b->open = false;
	}
	d->n = d->alen = 0;
	if (rc == 0 && commit && b->open) {
		b->open = false;
		rc = db_txn_commit(t);
	}
	b->rc = rc;
	if (rc != 0)
		b->jerr = db->err;
}

static void *
batch_thread(void *arg)
{
	struct db_batch *b = arg;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->busy && !b->quit)
			pthread_cond_wait(&b->cv, &b->mu);
		if (!b->busy)
			break;
		pthread_mutex_unlock(&b->mu);
		batch_job(b, &b->bufs[1 - b->fill], b->commit, b->abort);
		pthread_mutex_lock(&b->mu);
		b->busy = false;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

int
db_batch_open(struct jk_db *db, struct db_batch **out)
{
	struct db_batch *b;
	int rc;

	*out = NULL;
	if ((db->flags & DB_RDONLY) != 0 || db->e->rdonly)
		return jk_errf(&db->err, JK_ESTATE, "%s is open read-only", db->e->path);
	if (db->t.active)
		return jk_errf(&db->err, JK_ESTATE,
		    "a transaction is already open on this handle of %s", db->e->path);
	if ((b = calloc(1, sizeof *b)) == NULL)
		return jk_errf(&db->err, JK_ENOMEM, "out of memory");
	b->db = db;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	if ((rc = pthread_create(&b->th, NULL, batch_thread, b)) != 0) {
		pthread_mutex_destroy(&b->mu);
		pthread_cond_destroy(&b->cv);
		free(b);
		return jk_errf(&db->err, JK_EIO, "cannot start a writer thread for %s: %s",
		    db->e->path, strerror(rc));
	}
	*out = b;
	return 0;
}

/* Wait until the thread is idle; its last outcome, the message in b->err. */
static int
batch_idle(struct db_batch *b)
{
	int rc;

	pthread_mutex_lock(&b->mu);
	while (b->busy)
		pthread_cond_wait(&b->cv, &b->mu);
	rc = b->rc;
	b->rc = 0;
	pthread_mutex_unlock(&b->mu);
	if (rc != 0)
		b->err = b->jerr;
	return rc;
}

static void
batch_start(struct db_batch *b, bool commit, bool abort)
{
	pthread_mutex_lock(&b->mu);
	b->fill = 1 - b->fill;
	b->commit = commit;
	b->abort = abort;
	b->busy = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

int
db_batch_submit(struct db_batch *b, bool commit)
{
	/* sorted here, while the thread may still write the batch before */
	int sorted, rc;

	sorted = defer_order(&b->bufs[b->fill], &b->err);
	rc = batch_idle(b);

	if (rc == 0 && sorted != 0) {
		/* nothing lost yet, but this batch cannot be written: as a failure of it */
		if (b->open) {
			batch_start(b, false, true);
			batch_idle(b);
		}
		rc = sorted;
	}
	if (rc != 0) {
		/* the transaction is gone: so is what was added to it since */
		b->bufs[b->fill].n = b->bufs[b->fill].alen = 0;
		return rc;
	}
	batch_start(b, commit, false);
	return 0;
}

int
db_batch_wait(struct db_batch *b)
{
	return batch_idle(b);
}

int
db_batch_abort(struct db_batch *b)
{
	int rc = batch_idle(b);

	b->bufs[b->fill].n = b->bufs[b->fill].alen = 0;
	batch_start(b, false, true);
	batch_idle(b);
	return rc;
}

void
db_batch_close(struct db_batch *b)
{
	if (b == NULL)
		return;
	(void)db_batch_abort(b);
	pthread_mutex_lock(&b->mu);
	b->quit = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->th, NULL);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	defer_free(&b->bufs[0]);
	defer_free(&b->bufs[1]);
	free(b);
}

bool
db_batch_full(const struct db_batch *b)
{
	return defer_full(&b->bufs[b->fill], 0);
}

int
db_batch_put(struct db_batch *b, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
	int rc;

	if ((rc = key_fits(b->db, &b->err, k, kn, "put")) != 0 ||
	    (rc = val_fits(b->db, &b->err, k, kn, vn)) != 0)
		return rc;
	return defer_push(&b->bufs[b->fill], &b->err, k, kn, v, vn, 0);
}

int
db_batch_kill(struct db_batch *b, const uint8_t *k, size_t kn, enum db_kill_mode mode)
{
	int rc;

	if ((rc = key_fits(b->db, &b->err, k, kn, "kill")) != 0)
		return rc;
	if (mode != DB_KILL_TREE && mode != DB_KILL_NODE && mode != DB_KILL_DESC)
		return jk_errf(&b->err, JK_EUSAGE, "unknown kill mode %d", (int)mode);
	return defer_push(&b->bufs[b->fill], &b->err, k, kn, NULL, 0, (uint8_t)(1 + mode));
}

const struct jk_err *
db_batch_err(const struct db_batch *b)
{
	return &b->err;
}
/* --- copies ---------------------------------------------------------------------- */

int
db_copy_fd(struct jk_db *db, int fd)
{
	int rc;

	if ((rc = mdb_env_copyfd2(db->e->env, fd, MDB_CP_COMPACT)) != 0)
		return lmdb_err(&db->err, rc, "cannot copy the database", db->e->path);
	return 0;
}
