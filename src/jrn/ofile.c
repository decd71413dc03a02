/*
 * ofile.c - a journal file written outside any instance (ofile.h).
 *
 * Records are gathered in a buffer and written in large pieces; the file
 * exists under its journal name only once it is whole and on disk.
 */
#include "jrn/ofile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jrn/jrn.h"

#define FLUSH_AT	(1u << 20)
#define MAX_DBS		64

struct jrn_ofile {
	char *path;
	char *tmp;
	int fd;
	uint64_t file_id;
	uint64_t written;	/* bytes on the file */
	struct buf pending;	/* bytes not yet written */
	char *dbs[MAX_DBS];	/* database number i + 1 */
	size_t ndbs;
};

static uint64_t
new_file_id(void)
{
	uint64_t v = 0;

	while (v == 0)
		if (getrandom(&v, sizeof v, 0) != sizeof v)
			v = jrn_now_us() ^ ((uint64_t)getpid() << 40);
	return v;
}

static int
flush(struct jrn_ofile *f, struct jk_err *err)
{
	size_t off = 0;
	ssize_t n;

	while (off < f->pending.len) {
		n = write(f->fd, f->pending.data + off, f->pending.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return jk_errno(err, n < 0 ? errno : EIO, "cannot write journal '%s'", f->tmp);
		off += (size_t)n;
	}
	f->written += f->pending.len;
	buf_reset(&f->pending);
	return 0;
}

static void
ofile_free(struct jrn_ofile *f)
{
	size_t i;

	if (f->fd >= 0)
		close(f->fd);
	for (i = 0; i < f->ndbs; i++)
		free(f->dbs[i]);
	buf_release(&f->pending);
	free(f->path);
	free(f->tmp);
	free(f);
}

void
jrn_ofile_abort(struct jrn_ofile *f)
{
	if (f == NULL)
		return;
	unlink(f->tmp);
	ofile_free(f);
}

/* A record without payload (JSTART) or with the JEND payload. */
static int
simple_rec(struct jrn_ofile *f, uint8_t type, uint64_t time_us)
{
	struct jrn_rec r;
	size_t st;
	int rc;

	memset(&r, 0, sizeof r);
	r.type = type;
	r.time_us = time_us;
	r.pid = (uint32_t)getpid();
	if ((rc = jrn_rec_begin(&f->pending, &r, &st)) != 0)
		return rc;
	if (type == JRN_JEND && ((rc = jrn_put_u64(&f->pending, 0)) != 0 ||
	    (rc = jrn_put_str16(&f->pending, "", 0)) != 0))
		return rc;
	return jrn_rec_end(&f->pending, st);
}

int
jrn_ofile_create(const char *path, uint64_t created_us, uint64_t prev_id, const char *prev_path,
    struct jrn_ofile **out, struct jk_err *err)
{
	struct jrn_ofile *f;
	struct jrn_hdr h;
	struct stat st;
	int rc;

	*out = NULL;
	if (prev_path != NULL && strlen(prev_path) > JRN_PATH_MAX)
		return jk_errf(err, JK_ELIMIT, "previous file path longer than %d bytes", JRN_PATH_MAX);
	if (stat(path, &st) == 0)
		return jk_errf(err, JK_EEXIST, "journal file '%s' already exists", path);
	if ((f = calloc(1, sizeof *f)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	f->fd = -1;
	buf_init(&f->pending);
	if ((f->path = strdup(path)) == NULL || (f->tmp = malloc(strlen(path) + 5)) == NULL) {
		ofile_free(f);
		return jk_errf(err, JK_ENOMEM, "out of memory");
	}
	sprintf(f->tmp, "%s.tmp", path);
	if ((f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
		rc = jk_errno(err, errno, "cannot create journal '%s'", f->tmp);
		ofile_free(f);
		return rc;
	}
	memset(&h, 0, sizeof h);
	f->file_id = h.file_id = new_file_id();
	h.created_us = created_us;
	h.prev_id = prev_id;
	if (prev_path != NULL)
		snprintf(h.prev_path, sizeof h.prev_path, "%s", prev_path);
	if ((rc = jrn_hdr_encode(&f->pending, &h)) != 0 ||
	    (rc = simple_rec(f, JRN_JSTART, created_us)) != 0) {
		jrn_ofile_abort(f);
		return jk_errf(err, rc, "cannot build the header of '%s'", path);
	}
	*out = f;
	return 0;
}

int
jrn_ofile_append(struct jrn_ofile *f, const void *p, size_t n, struct jk_err *err)
{
	if (buf_add(&f->pending, p, n) != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	return f->pending.len >= FLUSH_AT ? flush(f, err) : 0;
}

int
jrn_ofile_dbnum(struct jrn_ofile *f, const char *dbpath, uint64_t time_us, uint32_t *num,
    struct jk_err *err)
{
	struct jrn_rec r;
	size_t i, st;
	int rc;

	for (i = 0; i < f->ndbs; i++)
		if (strcmp(f->dbs[i], dbpath) == 0) {
			*num = (uint32_t)i + 1;
			return 0;
		}
	if (f->ndbs == MAX_DBS)
		return jk_errf(err, JK_ELIMIT, "more than %d databases in one journal file", MAX_DBS);
	if (strlen(dbpath) > JRN_PATH_MAX)
		return jk_errf(err, JK_ELIMIT, "database path longer than %d bytes", JRN_PATH_MAX);
	if ((f->dbs[f->ndbs] = strdup(dbpath)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	memset(&r, 0, sizeof r);
	r.type = JRN_DBMAP;
	r.time_us = time_us;
	r.pid = (uint32_t)getpid();
	r.dbnum = (uint32_t)f->ndbs + 1;
	if ((rc = jrn_rec_begin(&f->pending, &r, &st)) != 0 ||
	    (rc = jrn_put_u64(&f->pending, 0)) != 0 ||
	    (rc = jrn_put_str16(&f->pending, dbpath, strlen(dbpath))) != 0 ||
	    (rc = jrn_rec_end(&f->pending, st)) != 0) {
		free(f->dbs[f->ndbs]);
		return jk_errf(err, rc, "cannot build a database map record");
	}
	*num = r.dbnum;
	f->ndbs++;
	return 0;
}

uint64_t
jrn_ofile_size(const struct jrn_ofile *f)
{
	return f->written + f->pending.len;
}

uint64_t
jrn_ofile_id(const struct jrn_ofile *f)
{
	return f->file_id;
}

int
jrn_ofile_close(struct jrn_ofile *f, uint64_t time_us, struct jk_err *err)
{
	char *dir;
	int rc, dfd;

	if ((rc = simple_rec(f, JRN_JEND, time_us)) != 0) {
		rc = jk_errf(err, rc, "cannot build the end record of '%s'", f->path);
		goto fail;
	}
	if ((rc = flush(f, err)) != 0)
		goto fail;
	if (fsync(f->fd) != 0) {
		rc = jk_errno(err, errno, "cannot sync journal '%s'", f->tmp);
		goto fail;
	}
	if (rename(f->tmp, f->path) != 0) {
		rc = jk_errno(err, errno, "cannot rename '%s' to '%s'", f->tmp, f->path);
		goto fail;
	}
	/* the rename is durable once the directory is */
	if ((dir = strdup(f->path)) != NULL) {
		if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	ofile_free(f);
	return 0;
fail:
	jrn_ofile_abort(f);
	return rc;
}
