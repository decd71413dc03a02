/*
 * clu_files.c - what the files of a cluster journal log hold: each file's
 * member, session, first and last sequence numbers (clu.h), for the
 * listings (jrndump's cluster file list) and the CLUMENU's choices.
 */
#include <stdlib.h>
#include <string.h>

#include "clu.h"
#include "jrn/jrn.h"

static int
nomem(struct jk_err *err)
{
	return jk_errf(err, JK_ENOMEM, "out of memory");
}

void
clu_files_init(struct clu_files *fs)
{
	fs->f = NULL;
	fs->n = 0;
}

void
clu_files_release(struct clu_files *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		free(fs->f[i].logged);
		free(fs->f[i].path);
	}
	free(fs->f);
	clu_files_init(fs);
}

/* The header and the first and last numbered records of one file. */
static void
probe(struct clu_file *f)
{
	struct jrn_reader *r;
	struct jrn_rec rec;
	struct jk_err e;
	const struct jrn_hdr *h;

	if (jrn_reader_open(f->path, &r, &e) != 0)
		return;
	f->exists = true;
	h = jrn_reader_hdr(r);
	f->csi = h->csi;
	f->created_us = h->created_us;
	f->explicit_start = (h->flags & 1) != 0;
	while (jrn_reader_next(r, &rec) == 0)
		if (rec.seq != 0) {
			f->first_seq = rec.seq;
			break;
		}
	/* from the end back: the reader stops before a torn tail */
	if (f->first_seq != 0 && jrn_reader_seek(r, jrn_reader_valid_end(r)) == 0)
		while (jrn_reader_prev(r, &rec) == 0)
			if (rec.seq != 0) {
				f->last_seq = rec.seq;
				break;
			}
	if (f->last_seq == 0)
		f->last_seq = f->first_seq;
	jrn_reader_close(r);
}

int
clu_files_of(const struct clu_log *l, const struct clu_redirect *r, struct clu_files *out,
    struct jk_err *err)
{
	struct buf b = BUF_INIT;
	struct clu_file *f;
	size_t i, k;

	clu_files_init(out);
	if (l->n > 0 && (out->f = calloc(l->n, sizeof *out->f)) == NULL)
		return nomem(err);
	for (i = 0; i < l->n; i++) {
		f = &out->f[out->n++];
		f->csn = l->e[i].csn;
		if ((f->logged = strdup(l->e[i].path)) == NULL ||
		    (r != NULL ? clu_redirect_apply(r, l->e[i].path, &b) : buf_adds(&b, l->e[i].path)) != 0 ||
		    (f->path = strdup(buf_str(&b))) == NULL) {
			buf_release(&b);
			clu_files_release(out);
			return nomem(err);
		}
		buf_reset(&b);
		probe(f);
	}
	buf_release(&b);
	/* a file that is gone: in the session of its member's file before it (or after it) */
	for (i = 0; i < out->n; i++) {
		if (out->f[i].exists)
			continue;
		for (k = i; k-- > 0 && out->f[i].csi == 0;)
			if (out->f[k].csn == out->f[i].csn && out->f[k].csi != 0)
				out->f[i].csi = out->f[k].csi;
		for (k = i + 1; k < out->n && out->f[i].csi == 0; k++)
			if (out->f[k].csn == out->f[i].csn && out->f[k].csi != 0)
				out->f[i].csi = out->f[k].csi;
	}
	return 0;
}

int
clu_files_read(const char *log, const struct clu_redirect *r, struct clu_files *out,
    struct jk_err *err)
{
	struct clu_log l;
	int rc;

	clu_log_init(&l);
	if ((rc = clu_log_read(log, &l, err)) == 0)
		rc = clu_files_of(&l, r, out, err);
	clu_log_release(&l);
	return rc;
}

static int
by_csi(const void *a, const void *b)
{
	const struct clu_session *x = a, *y = b;

	return x->csi < y->csi ? -1 : x->csi > y->csi;
}

int
clu_files_sessions(const struct clu_files *fs, struct clu_session **out, size_t *n)
{
	struct clu_session *s = NULL, *v;
	size_t i, k, ns = 0;

	for (i = 0; i < fs->n; i++) {
		const struct clu_file *f = &fs->f[i];

		for (k = 0; k < ns && s[k].csi != f->csi; k++)
			;
		if (k == ns) {
			if ((v = realloc(s, (ns + 1) * sizeof *v)) == NULL) {
				free(s);
				return JK_ENOMEM;
			}
			s = v;
			memset(&s[ns++], 0, sizeof *s);
			s[k].csi = f->csi;
		}
		if (f->first_seq != 0 && (s[k].first_seq == 0 || f->first_seq < s[k].first_seq))
			s[k].first_seq = f->first_seq;
		if (f->last_seq > s[k].last_seq)
			s[k].last_seq = f->last_seq;
		s[k].nfiles++;
	}
	if (ns > 1)
		qsort(s, ns, sizeof *s, by_csi);
	*out = s;
	*n = ns;
	return 0;
}
