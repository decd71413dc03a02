/*
 * clu_merge.c - the k-way merge of the members' journal chains by
 * sequence number; see clu.h.
 *
 * One slot per member: its chain and its head, the next record not yet
 * returned (borrowed from the chain's mapping, so it stays valid until the
 * chain moves on).  A record returned stays valid until the next call:
 * its member's chain moves on only then.  Choosing: a head without a
 * sequence number first (it sticks to its predecessor in its file), else
 * the smallest number -- a linear scan, k is small.
 *
 * Checks, each raised once (skip acknowledges it):
 *
 *	within a member   each number above the member's last (DISORDER)
 *	the stream        each number the last one returned plus one
 *	                  (equal: DUPLICATE, but for the copies of a
 *	                  cluster marker, a marker in each member's journal
 *	                  under one number; more: GAP; less: DISORDER)
 *
 * The first number of the stream is not checked: a restore may begin in
 * the middle of a session.
 */
#include "clu.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jrn/jrn.h"

struct slot {
	int csn;
	struct jrn_chain *c;
	size_t *fis;		/* the member's files: indices in paths */
	uint64_t *sizes;	/* their sizes at open (progress) */
	size_t nf;
	struct jrn_rec head;
	size_t head_fi;
	bool have, done;
	bool seq_ok;		/* the head's sequence error was acknowledged */
	uint64_t last_seq;	/* the member's last numbered record ... */
	size_t last_fi;		/* ... where it is */
	uint64_t last_off;
};

enum pending {
	NONE,
	FILE_ERR,		/* a slot's chain failed */
	SEQ_ERR,		/* a head broke the sequence */
};

struct clu_merge {
	char **paths;		/* borrowed names for messages: copies */
	size_t npaths;
	struct slot *s;
	size_t k;
	int out;		/* slot returned last, -1 none */
	uint64_t g_seq;		/* the last number returned, 0 none ... */
	size_t g_fi;		/* ... where it is */
	uint64_t g_off;
	bool g_marker;		/* ... and it was a marker */
	enum pending pend;
	size_t pend_slot;
	size_t err_fi;
	uint64_t err_end;
	unsigned torn;
	struct jk_err err;
};

static int
nomem(struct jk_err *err)
{
	return jk_errf(err, JK_ENOMEM, "out of memory opening the cluster merge");
}

int
clu_merge_open(char *const *paths, const int *csn, size_t n, struct clu_merge **out,
    struct jk_err *err)
{
	struct clu_merge *m;
	char **mp = NULL;
	struct slot *sl;
	struct stat st;
	size_t i, j;
	int rc;

	*out = NULL;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return nomem(err);
	m->out = -1;
	if (n > 0 && (m->paths = calloc(n, sizeof *m->paths)) == NULL)
		goto nomem;
	m->npaths = n;
	for (i = 0; i < n; i++) {
		if ((m->paths[i] = strdup(paths[i])) == NULL)
			goto nomem;
		for (j = 0; j < m->k && m->s[j].csn != csn[i]; j++)
			;
		if (j == m->k) {
			if ((sl = realloc(m->s, (m->k + 1) * sizeof *sl)) == NULL)
				goto nomem;
			m->s = sl;
			memset(&sl[m->k], 0, sizeof *sl);
			sl[m->k++].csn = csn[i];
		}
		sl = &m->s[j];
		if ((sl->fis = realloc(sl->fis, (sl->nf + 1) * sizeof *sl->fis)) == NULL ||
		    (sl->sizes = realloc(sl->sizes, (sl->nf + 1) * sizeof *sl->sizes)) == NULL)
			goto nomem;
		sl->fis[sl->nf] = i;
		sl->sizes[sl->nf++] = stat(paths[i], &st) == 0 ? (uint64_t)st.st_size : 0;
	}
	for (j = 0; j < m->k; j++) {
		sl = &m->s[j];
		free(mp);
		if ((mp = calloc(sl->nf, sizeof *mp)) == NULL)
			goto nomem;
		for (i = 0; i < sl->nf; i++)
			mp[i] = m->paths[sl->fis[i]];
		if ((rc = jrn_chain_open(mp, sl->nf, &sl->c, err)) != 0) {
			free(mp);
			clu_merge_close(m);
			return rc;
		}
	}
	free(mp);
	*out = m;
	return 0;
nomem:
	free(mp);
	clu_merge_close(m);
	return nomem(err);
}

void
clu_merge_close(struct clu_merge *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->k; i++) {
		jrn_chain_close(m->s[i].c);
		free(m->s[i].fis);
		free(m->s[i].sizes);
	}
	for (i = 0; i < m->npaths; i++)
		free(m->paths[i]);
	free(m->paths);
	free(m->s);
	free(m);
}

void
clu_merge_check_links(struct clu_merge *m, bool check)
{
	size_t i;

	for (i = 0; i < m->k; i++)
		jrn_chain_check_links(m->s[i].c, check);
}

const struct jk_err *
clu_merge_err(const struct clu_merge *m)
{
	return &m->err;
}

size_t
clu_merge_index(const struct clu_merge *m)
{
	return m->err_fi;
}

uint64_t
clu_merge_valid_end(const struct clu_merge *m)
{
	return m->err_end;
}

unsigned
clu_merge_torn(const struct clu_merge *m)
{
	unsigned t = m->torn;
	size_t i;

	for (i = 0; i < m->k; i++)
		t += jrn_chain_torn(m->s[i].c, NULL);
	return t;
}

uint64_t
clu_merge_bytes(const struct clu_merge *m)
{
	uint64_t b = 0;
	size_t i, f, ci;

	for (i = 0; i < m->k; i++) {
		const struct slot *s = &m->s[i];

		if (s->done) {
			for (f = 0; f < s->nf; f++)
				b += s->sizes[f];
			continue;
		}
		ci = jrn_chain_index(s->c);
		for (f = 0; f < ci && f < s->nf; f++)
			b += s->sizes[f];
		if (s->have)
			b += s->head.offset;
	}
	return b;
}

void
clu_merge_skip(struct clu_merge *m)
{
	struct slot *s;

	if (m->pend == NONE)
		return;
	s = &m->s[m->pend_slot];
	if (m->pend == FILE_ERR)
		jrn_chain_skip(s->c);
	else
		s->seq_ok = true;
	m->pend = NONE;
}

static const char *
mpath(const struct clu_merge *m, size_t fi)
{
	return fi < m->npaths ? m->paths[fi] : "?";
}

static int
seq_error(struct clu_merge *m, size_t k, const char *what, uint64_t was, size_t was_fi,
    uint64_t was_off)
{
	struct slot *s = &m->s[k];

	m->pend = SEQ_ERR;
	m->pend_slot = k;
	m->err_fi = s->head_fi;
	m->err_end = s->head.offset;
	return jk_errf(&m->err, JK_ECORRUPT,
	    "cluster sequence %s: #%" PRIu64 " at offset %" PRIu64 " of %s, then #%" PRIu64
	    " at offset %" PRIu64 " of %s", what, was, was_off, mpath(m, was_fi),
	    s->head.seq, s->head.offset, mpath(m, s->head_fi));
}

/* Load slot k's head.  0 loaded or done, <0 a file error (pending). */
static int
load(struct clu_merge *m, size_t k)
{
	struct slot *s = &m->s[k];
	size_t ci;
	int rc;

	rc = jrn_chain_next(s->c, &s->head, NULL);
	ci = jrn_chain_index(s->c);
	if (rc > 0) {
		s->done = true;
		return 0;
	}
	if (rc < 0) {
		if (rc == JK_ETORN && ci + 1 >= s->nf) {
			/* The member's journal ends here: a crash, then nothing. */
			m->torn++;
			s->done = true;
			return 0;
		}
		m->pend = FILE_ERR;
		m->pend_slot = k;
		m->err_fi = ci < s->nf ? s->fis[ci] : s->fis[s->nf - 1];
		m->err_end = jrn_chain_valid_end(s->c);
		m->err = *jrn_chain_err(s->c);
		return rc;
	}
	s->head_fi = s->fis[ci < s->nf ? ci : s->nf - 1];
	s->have = true;
	s->seq_ok = false;
	return 0;
}

int
clu_merge_next(struct clu_merge *m, struct jrn_rec *rec, size_t *fi)
{
	struct slot *s;
	size_t i, best = SIZE_MAX;
	int rc;

	if (m->pend == FILE_ERR)
		return m->err.code;
	if (m->out >= 0) {
		m->s[m->out].have = false;
		m->out = -1;
	}
	for (i = 0; i < m->k; i++) {
		s = &m->s[i];
		if (s->have || s->done)
			continue;
		if ((rc = load(m, i)) != 0)
			return rc;
		if (s->have && s->head.seq != 0 && s->last_seq != 0 && s->head.seq <= s->last_seq)
			return seq_error(m, i, "out of order in one member", s->last_seq, s->last_fi, s->last_off);
	}
	for (i = 0; i < m->k; i++) {
		s = &m->s[i];
		if (!s->have)
			continue;
		if (s->head.seq == 0) {
			best = i;
			break;
		}
		if (best == SIZE_MAX || s->head.seq < m->s[best].head.seq)
			best = i;
	}
	if (best == SIZE_MAX)
		return 1;
	s = &m->s[best];
	/* A cluster marker is one number in every member's journal: the same number again is its copy. */
	if (s->head.seq != 0 && m->g_seq != 0 && !s->seq_ok && s->head.seq != m->g_seq + 1 &&
	    !(s->head.seq == m->g_seq && m->g_marker && s->head.type == JRN_MARKER)) {
		const char *what = s->head.seq == m->g_seq ? "number used twice" :
		    s->head.seq > m->g_seq ? "gap" : "out of order";

		return seq_error(m, best, what, m->g_seq, m->g_fi, m->g_off);
	}
	if (s->head.seq != 0) {
		m->g_seq = s->last_seq = s->head.seq;
		m->g_fi = s->last_fi = s->head_fi;
		m->g_off = s->last_off = s->head.offset;
		m->g_marker = s->head.type == JRN_MARKER;
	}
	m->out = (int)best;
	*rec = s->head;
	*fi = s->head_fi;
	return 0;
}
