/*
 * reader.c - read journal files forwards and backwards, verify them, and
 * read a chain of them as one stream.
 *
 * The file is mapped read-only.  The valid end starts as "unknown" (the file
 * size); the first damaged record found fixes it, and from then on nothing
 * at or past it is returned, in either direction.
 *
 * Telling a torn tail from damage: a record at R that does not decode is a
 * torn tail (JK_ETORN) when nothing whole follows it -- everything from R on
 * is zero bytes (a file extended by a crash), or no record with a valid
 * checksum starts anywhere after R.  Damage followed by whole records is
 * JK_ECORRUPT.  Both report "valid up to offset R".
 */
#include "jrn/jrn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"

struct jrn_reader {
	char *path;
	int fd;
	const uint8_t *map;
	uint64_t size;		/* bytes mapped */
	uint64_t pos;		/* cursor */
	uint64_t valid_end;	/* nothing at or past this is returned */
	uint64_t win_end;	/* pages are populated up to here (reading forwards) */
	uint64_t dropped;	/* pages before this were let go */
	int damage;		/* 0, or JK_ETORN / JK_ECORRUPT found at valid_end */
	struct jrn_hdr hdr;
	struct jk_err err;
};

static int
map_file(struct jrn_reader *r)
{
	struct stat st;
	void *m;

	if (fstat(r->fd, &st) != 0)
		return jk_errno(&r->err, errno, "cannot stat journal '%s'", r->path);
	if (r->map != NULL && (uint64_t)st.st_size == r->size)
		return 0;
	if (r->map != NULL)
		munmap((void *)r->map, r->size);
	r->map = NULL;
	r->win_end = r->dropped = 0;
	r->size = (uint64_t)st.st_size;
	if (r->size == 0)
		return 0;
	m = mmap(NULL, r->size, PROT_READ, MAP_SHARED, r->fd, 0);
	if (m == MAP_FAILED)
		return jk_errno(&r->err, errno, "cannot map journal '%s'", r->path);
	madvise(m, r->size, MADV_SEQUENTIAL);
	r->map = m;
	return 0;
}

/*
 * Reading forwards, the file is taken in windows: the next window's pages
 * are populated at once (one pass through the page cache instead of a
 * fault per page), and those more than a window behind the cursor are let
 * go, so a reader's resident memory stays about two windows however large
 * the file.  Pages let go are read again from the page cache if needed.
 */
#define WINDOW	(8ull << 20)

static void
advance_window(struct jrn_reader *r)
{
	uint64_t from = r->pos & ~(uint64_t)4095, to, rel;

	to = from + WINDOW < r->size ? from + WINDOW : r->size;
	if (to > from && madvise((void *)(r->map + from), to - from, MADV_POPULATE_READ) != 0)
		madvise((void *)(r->map + from), to - from, MADV_WILLNEED);	/* older kernels */
	r->win_end = to;
	if (from > WINDOW) {
		rel = from - WINDOW;
		if (rel > r->dropped) {
			madvise((void *)(r->map + r->dropped), rel - r->dropped, MADV_DONTNEED);
			r->dropped = rel;
		}
	}
}

int
jrn_reader_open(const char *path, struct jrn_reader **out, struct jk_err *err)
{
	struct jrn_reader *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL || (r->path = strdup(path)) == NULL) {
		free(r);
		return jk_errf(err, JK_ENOMEM, "out of memory opening '%s'", path);
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		rc = jk_errno(err, errno, "cannot open journal '%s'", path);
		goto out_free;
	}
	if ((rc = map_file(r)) != 0) {
		if (err != NULL)
			*err = r->err;
		goto out_close;
	}
	rc = jrn_hdr_decode(r->map, r->size, &r->hdr, path, err);
	if (rc != 0)
		goto out_close;
	r->pos = r->hdr.hdr_len;
	r->valid_end = r->size;
	*out = r;
	return 0;

out_close:
	if (r->map != NULL)
		munmap((void *)r->map, r->size);
	close(r->fd);
out_free:
	free(r->path);
	free(r);
	return rc;
}

void
jrn_reader_close(struct jrn_reader *r)
{
	if (r == NULL)
		return;
	if (r->map != NULL)
		munmap((void *)r->map, r->size);
	close(r->fd);
	free(r->path);
	free(r);
}

const struct jrn_hdr *
jrn_reader_hdr(const struct jrn_reader *r)
{
	return &r->hdr;
}

const char *
jrn_reader_path(const struct jrn_reader *r)
{
	return r->path;
}

uint64_t
jrn_reader_size(const struct jrn_reader *r)
{
	return r->size;
}

uint64_t
jrn_reader_tell(const struct jrn_reader *r)
{
	return r->pos;
}

uint64_t
jrn_reader_valid_end(const struct jrn_reader *r)
{
	return r->valid_end;
}

const struct jk_err *
jrn_reader_err(const struct jrn_reader *r)
{
	return &r->err;
}

int
jrn_reader_refresh(struct jrn_reader *r)
{
	int rc;

	if ((rc = map_file(r)) != 0)
		return rc;
	/* A torn tail of a file being written may since have been completed. */
	if (r->damage == JK_ETORN || r->valid_end < r->size) {
		r->damage = 0;
		r->valid_end = r->size;
	}
	return 0;
}

static bool
all_zero(const uint8_t *p, uint64_t n)
{
	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	return n == 0;
}

/*
 * Whether any whole record (by its checksum) starts after off.  A torn tail
 * has none: the damage runs to the end of the file.  A damaged length field
 * in the middle of a file would otherwise pass for a torn tail.
 */
static bool
valid_record_after(const struct jrn_reader *r, uint64_t off)
{
	struct jrn_rec rec;
	uint64_t p;

	for (p = off + 1; p + JRN_REC_MIN <= r->size; p++)
		if (jrn_rec_decode(r->map + p, r->size - p, &rec, true) == 0)
			return true;
	return false;
}

/* Record damage found at off, fix the valid end there, and return the error. */
static int
damage_at(struct jrn_reader *r, uint64_t off)
{
	uint64_t left = r->size - off;
	uint32_t len = left >= 4 ? get_u32(r->map + off) : 0;
	bool torn;



	torn = all_zero(r->map + off, left) || !valid_record_after(r, off);
	r->damage = torn ? JK_ETORN : JK_ECORRUPT;
	r->valid_end = off;
	if (torn)
		return jk_errf(&r->err, JK_ETORN,
		    "torn tail at offset %llu of %s: valid up to offset %llu",
		    (unsigned long long)off, r->path, (unsigned long long)off);
	return jk_errf(&r->err, JK_ECORRUPT,
	    "damaged record at offset %llu of %s (%s): valid up to offset %llu",
	    (unsigned long long)off, r->path,
	    len < JRN_REC_MIN || len > JRN_REC_MAX ? "bad length" : "checksum or content mismatch",
	    (unsigned long long)off);
}

static int
decode_at(struct jrn_reader *r, uint64_t off, struct jrn_rec *rec)
{
	int rc;

	rc = jrn_rec_decode(r->map + off, r->valid_end - off, rec, true);
	if (rc != 0) {
		/* Past an earlier-found valid end the bytes are not ours to judge again. */
		if (r->damage != 0 && rc == JK_ETORN && off < r->valid_end)
			rc = JK_ECORRUPT;
		return rc;
	}
	rec->offset = off;
	return 0;
}

int
jrn_reader_next(struct jrn_reader *r, struct jrn_rec *rec)
{
	int rc;

	if (r->pos >= r->valid_end) {
		if (r->damage != 0)
			return r->damage;
		return 1;
	}
	if (r->win_end < r->size && r->pos + (1u << 20) > r->win_end)
		advance_window(r);
	rc = decode_at(r, r->pos, rec);
	if (rc != 0) {
		if (r->damage != 0 && r->pos >= r->valid_end)
			return r->damage;
		return damage_at(r, r->pos);
	}
	r->pos += rec->len;
	return 0;
}

/*
 * Find the valid end by reading forwards from the cursor (or the first
 * record); backward reading needs it when the file may end torn.
 */
static void
find_valid_end(struct jrn_reader *r)
{
	struct jrn_rec rec;
	uint64_t save = r->pos;

	r->pos = r->hdr.hdr_len;
	while (jrn_reader_next(r, &rec) == 0)
		;
	r->pos = save;
}

int
jrn_reader_prev(struct jrn_reader *r, struct jrn_rec *rec)
{
	uint64_t end = r->pos;
	uint32_t len;
	int rc;

	if (end > r->valid_end)
		end = r->pos = r->valid_end;
	if (end <= r->hdr.hdr_len)
		return 1;
	len = get_u32(r->map + end - 4);
	if (len < JRN_REC_MIN || len > end - r->hdr.hdr_len)
		return jk_errf(&r->err, JK_ECORRUPT,
		    "damaged record ending at offset %llu of %s (bad trailing length)",
		    (unsigned long long)end, r->path);
	rc = decode_at(r, end - len, rec);
	if (rc != 0 || rec->len != len)
		return jk_errf(&r->err, JK_ECORRUPT,
		    "damaged record at offset %llu of %s (checksum or content mismatch)",
		    (unsigned long long)(end - len), r->path);
	r->pos = end - len;
	return 0;
}

int
jrn_reader_seek(struct jrn_reader *r, uint64_t off)
{
	struct jrn_rec rec;
	uint64_t p;

	if (off == UINT64_MAX) {
		/* The end: the file may end torn, and backwards reading must not start inside it. */
		find_valid_end(r);
		r->pos = r->valid_end;
		return 0;
	}
	if (off <= r->hdr.hdr_len) {
		r->pos = r->hdr.hdr_len;
		return 0;
	}
	for (p = off; p < r->valid_end; p++) {
		if (decode_at(r, p, &rec) == 0) {
			r->pos = p;
			return 0;
		}
	}
	r->pos = r->valid_end;
	return 0;
}

/* ---- verify ----------------------------------------------------------------- */

int
jrn_verify_file(const char *path, struct jrn_verify *v, struct jk_err *err)
{
	struct jrn_reader *r;
	struct jrn_rec rec;
	int rc;

	memset(v, 0, sizeof *v);
	if ((rc = jrn_reader_open(path, &r, err)) != 0)
		return rc;
	v->bytes = r->size;
	while ((rc = jrn_reader_next(r, &rec)) == 0) {
		v->records++;
		v->by_type[rec.type]++;
		if (rec.type == JRN_JEND) {
			v->closed = true;
			v->next_id = rec.id;
			memcpy(v->next_path, rec.val, rec.vallen);
			v->next_path[rec.vallen] = '\0';
		} else if (!jrn_type_known(rec.type)) {
			rc = damage_at(r, rec.offset);
			break;
		}
	}
	v->valid_end = r->valid_end;
	if (rc > 0)
		rc = 0;
	else if (err != NULL)
		*err = r->err;
	jrn_reader_close(r);
	return rc;
}

/* ---- chain ------------------------------------------------------------------- */

struct jrn_chain {
	char **paths;
	size_t n, i;
	struct jrn_reader *cur;
	uint64_t prev_id;
	bool links;		/* check that each file names the one before it */
	bool nolink;		/* ... except the next one: the one before was given up */
	unsigned torn;		/* files that ended torn before the last */
	struct jk_err warn;	/* the last of them */
	struct jk_err err;
	uint64_t first_off;	/* where the first file is begun (jrn_chain_start_at) */
};

int
jrn_chain_open(char *const *paths, size_t n, struct jrn_chain **out, struct jk_err *err)
{
	struct jrn_chain *c;
	size_t i;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL || (c->paths = calloc(n ? n : 1, sizeof *c->paths)) == NULL)
		goto nomem;
	c->n = n;
	c->links = true;
	for (i = 0; i < n; i++)
		if ((c->paths[i] = strdup(paths[i])) == NULL)
			goto nomem;
	*out = c;
	return 0;
nomem:
	jrn_chain_close(c);
	return jk_errf(err, JK_ENOMEM, "out of memory opening a journal chain");
}

void
jrn_chain_close(struct jrn_chain *c)
{
	size_t i;

	if (c == NULL)
		return;
	jrn_reader_close(c->cur);
	if (c->paths != NULL)
		for (i = 0; i < c->n; i++)
			free(c->paths[i]);
	free(c->paths);
	free(c);
}

const struct jk_err *
jrn_chain_err(const struct jrn_chain *c)
{
	return &c->err;
}

size_t
jrn_chain_index(const struct jrn_chain *c)
{
	return c->i;
}

uint64_t
jrn_chain_valid_end(const struct jrn_chain *c)
{
	return c->cur != NULL ? c->cur->valid_end : 0;
}

void
jrn_chain_check_links(struct jrn_chain *c, bool check)
{
	c->links = check;
}

void
jrn_chain_skip(struct jrn_chain *c)
{
	if (c->i >= c->n)
		return;
	jrn_reader_close(c->cur);
	c->cur = NULL;
	c->i++;
	c->nolink = true;
}

unsigned
jrn_chain_torn(const struct jrn_chain *c, const char **last)
{
	if (last != NULL)
		*last = c->warn.msg;
	return c->torn;
}

int
jrn_chain_next(struct jrn_chain *c, struct jrn_rec *rec, struct jrn_reader **reader)
{
	int rc;

	for (;;) {
		if (c->cur == NULL) {
			if (c->i >= c->n)
				return 1;
			if (access(c->paths[c->i], F_OK) != 0)
				return jk_errf(&c->err, JK_ENOTFOUND,
				    "journal file %s (number %zu of %zu in the chain) is missing",
				    c->paths[c->i], c->i + 1, c->n);
			rc = jrn_reader_open(c->paths[c->i], &c->cur, &c->err);
			if (rc != 0)
				return rc;
			if (c->links && !c->nolink && c->i > 0 &&
			    c->cur->hdr.prev_id != c->prev_id) {
				rc = jk_errf(&c->err, JK_ECORRUPT,
				    "journal chain broken: %s does not follow %s (its previous file is '%s')",
				    c->paths[c->i], c->paths[c->i - 1], c->cur->hdr.prev_path);
				/* Not read: asked again, the same answer; skipped, the next file. */
				jrn_reader_close(c->cur);
				c->cur = NULL;
				return rc;
			}
			c->nolink = false;
			c->prev_id = c->cur->hdr.file_id;
			if (c->i == 0 && c->first_off > 0 &&
			    (rc = jrn_reader_seek(c->cur, c->first_off)) != 0)
				return jk_errf(&c->err, rc, "%s", c->cur->err.msg);
		}
		rc = jrn_reader_next(c->cur, rec);
		if (rc == 0) {
			if (reader != NULL)
				*reader = c->cur;
			return 0;
		}
		if (rc < 0) {
			/*
			 * A crash leaves the file it was writing torn; the
			 * writer then goes on in a new file that links back to
			 * it.  That is the end of this file, not of the chain.
			 */
			if (rc != JK_ETORN || c->i + 1 >= c->n) {
				c->err = c->cur->err;
				return rc;
			}
			c->torn++;
			c->warn = c->cur->err;
		}
		jrn_reader_close(c->cur);
		c->cur = NULL;
		c->i++;
	}
}

void
jrn_chain_start_at(struct jrn_chain *c, uint64_t off)
{
	c->first_off = off;
}
