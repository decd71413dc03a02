/*
 * cvt.c - the common journal format: writing it from journals, reading it,
 * applying record sources, and writing record sources as journal files.
 * cvt.h says what; man/jrnkit-common.5 is the format.
 *
 * THE LINE FORMAT, in short (the man page has it all):
 *
 *	JRNKIT-COMMON 1                            first line: magic and version
 *	# text                                     comment (and blank lines)
 *	DIR n "path"                               directory n, before its first use
 *	SET TIME PID TX DIR ^ref=value
 *	INCR TIME PID TX DIR inc ^ref=result
 *	KILL | KILLDESC | ZKILL TIME PID TX DIR ^ref
 *	TSTART | TCOMMIT | TROLLBACK TIME PID TX
 *	MARK TIME PID id "text"
 *	X-anything ...                             a later kind: skipped, counted
 *	END n                                      last line: n record lines before it
 *
 * TIME is 2026-11-21T02:56:10.123456Z (UTC), TX and DIR are numbers or "-".
 * Strings are ZWR ("" doubled, $C(n,...) for other bytes, joined by _) with
 * only printable ASCII and well-formed UTF-8 (U+00A0 and up) inside quotes,
 * so the file is UTF-8 text and every byte 0-255 comes back as it was.
 */
#include "cvt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clu.h"
#include "db.h"
#include "dblock.h"
#include "inst.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "jrn/ofile.h"
#include "rst_int.h"

#define WRITE_FLUSH	(1u << 20)	/* output buffered up to this */
#define APPLY_BATCH	100000		/* updates per LMDB commit without journaling */

static int
nomem(struct jk_err *err)
{
	return jk_errf(err, JK_ENOMEM, "out of memory");
}

/* ---- records ------------------------------------------------------------------------- */

static const char *const kind_names[] = {
	[CVT_SET] = "SET", [CVT_INCR] = "INCR", [CVT_KILL] = "KILL", [CVT_KILLDESC] = "KILLDESC",
	[CVT_ZKILL] = "ZKILL", [CVT_TSTART] = "TSTART", [CVT_TCOMMIT] = "TCOMMIT",
	[CVT_TROLLBACK] = "TROLLBACK", [CVT_MARK] = "MARK",
};

bool
cvt_kind_is_update(enum cvt_kind k)
{
	return k == CVT_SET || k == CVT_INCR || k == CVT_KILL || k == CVT_KILLDESC || k == CVT_ZKILL;
}

void
cvt_rec_init(struct cvt_rec *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->val);
	buf_init(&r->inc);
}

void
cvt_rec_release(struct cvt_rec *r)
{
	buf_release(&r->val);
	buf_release(&r->inc);
	cvt_rec_init(r);
}

/* ---- the text form of strings, references, times ----------------------------------------- */

/*
 * Length of the run of bytes at s[0..n) that may stand inside quotes as one
 * character: a printable ASCII byte, or a well-formed UTF-8 sequence of a
 * code point from U+00A0 (not a C1 control, not a surrogate); 0 otherwise.
 */
static size_t
graphic(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t len, i;
	uint8_t c = s[0];

	if (c >= 32 && c <= 126)
		return 1;
	if (c < 0xC2 || c > 0xF4)
		return 0;
	len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (n < len)
		return 0;
	cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp < 0xA0)
		return 0;
	return len;
}

int
cvt_format_str(struct buf *out, const uint8_t *s, size_t n)
{
	size_t i = 0, k, mark = out->len;
	char num[4];
	int rc = 0, nd;

	if (n == 0)
		return buf_add(out, "\"\"", 2);
	while (i < n && rc == 0) {
		if (i > 0)
			rc = buf_addc(out, '_');
		if (rc == 0 && graphic(s + i, n - i) > 0) {
			rc = buf_addc(out, '"');
			while (rc == 0 && i < n && (k = graphic(s + i, n - i)) > 0) {
				if (s[i] == '"')
					rc = buf_addc(out, '"');
				if (rc == 0)
					rc = buf_add(out, s + i, k);
				i += k;
			}
			if (rc == 0)
				rc = buf_addc(out, '"');
		} else if (rc == 0) {
			rc = buf_add(out, "$C(", 3);
			for (k = 0; rc == 0 && i < n && graphic(s + i, n - i) == 0; i++, k++) {
				nd = snprintf(num, sizeof num, "%u", s[i]);
				if (k > 0)
					rc = buf_addc(out, ',');
				if (rc == 0)
					rc = buf_add(out, num, (size_t)nd);
			}
			if (rc == 0)
				rc = buf_addc(out, ')');
		}
	}
	if (rc != 0) {
		out->len = mark;
		if (out->data != NULL)
			out->data[mark] = '\0';
	}
	return rc;
}

/* A value: a canonical number bare, anything else as a string. */
static int
format_value(struct buf *out, const uint8_t *v, size_t n)
{
	if (m_is_canonic(v, n))
		return buf_add(out, v, n);
	return cvt_format_str(out, v, n);
}

int
cvt_format_ref(struct buf *out, const uint8_t *key, size_t len)
{
	struct buf sub = BUF_INIT;
	const char *name;
	size_t nl, mark = out->len;
	bool isnum;
	int nsubs, i, rc;

	if (gref_key_name(key, len, &name, &nl) != 0 || (nsubs = gref_key_nsubs(key, len)) < 0)
		return JK_ECORRUPT;
	if ((rc = buf_addc(out, '^')) != 0 || (rc = buf_add(out, name, nl)) != 0)
		goto out;
	for (i = 0; i < nsubs; i++) {
		if ((rc = buf_addc(out, i == 0 ? '(' : ',')) != 0)
			goto out;
		if ((rc = gref_key_sub(key, len, i, &sub, &isnum)) != 0)
			goto out;
		rc = isnum ? buf_add(out, sub.data, sub.len) : cvt_format_str(out, sub.data, sub.len);
		if (rc != 0)
			goto out;
	}
	if (nsubs > 0)
		rc = buf_addc(out, ')');
out:
	buf_release(&sub);
	if (rc != 0) {
		out->len = mark;
		if (out->data != NULL)
			out->data[mark] = '\0';
	}
	return rc;
}

/* The seconds part of a time, formatted once per second. */
struct tcache {
	uint64_t sec;
	char txt[40];
};

static int
format_time(struct buf *out, uint64_t us, struct tcache *c)
{
	uint64_t sec = us / 1000000;
	time_t t;
	struct tm tm;

	if (c->txt[0] == '\0' || sec != c->sec) {
		t = (time_t)sec;
		gmtime_r(&t, &tm);
		strftime(c->txt, sizeof c->txt, "%Y-%m-%dT%H:%M:%S", &tm);
		c->sec = sec;
	}
	return buf_addf(out, "%s.%06uZ", c->txt, (unsigned)(us % 1000000));
}

/* ---- writing: the records of a plan ---------------------------------------------------------- */

/* A database as the journal names it. */
struct wsrc {
	char *path;
	const struct rst_db *entry;	/* its plan entry; NULL with plan.all */
	bool selected;
	const char *target;		/* written as (plan.all: path) */
	char last[GREF_NAME_MAX + 1];	/* the last global name looked at ... */
	size_t lastn;
	bool last_sel;			/* ... and whether it is selected */
};

struct wmap {
	uint32_t num;
	size_t fi;		/* the file whose map record it is (a merged stream keeps every file's) */
	size_t src;
};

struct wtx {
	bool active;
	uint64_t txid;
	struct rst_pos begin;
	uint64_t end_off;	/* after its last record read so far, in its file */
};

struct wr {
	const struct rst_plan *p;
	bool dirs;
	char *const *globals;		/* with plan.all */
	size_t nglobals;
	int fd;
	struct buf out;
	struct cvt_write_result *res;
	struct jk_err *err;
	struct wsrc *srcs;
	size_t nsrcs;
	char **dirnames;		/* DIR n = dirnames[n - 1] */
	size_t ndirnames;
	struct wmap *map;
	size_t nmap, mapcap;
	size_t fi;			/* the file of the record being read */
	uint64_t mark_seq;		/* the sequence number of the last marker written */
	struct wtx tx;
	struct jrn_reader *rr;		/* re-reads a transaction */
	size_t rr_fi;
	struct tcache tc;
	uint64_t lines_total;		/* record lines, for END */
};

static int
wr_flush(struct wr *w)
{
	size_t off = 0;
	ssize_t n;

	while (off < w->out.len) {
		n = write(w->fd, w->out.data + off, w->out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return jk_errno(w->err, n < 0 ? errno : EIO, "cannot write the common-format file");
		off += (size_t)n;
	}
	buf_reset(&w->out);
	return 0;
}

/* End a line; flush when the buffer is full. */
static int
wr_eol(struct wr *w, bool record)
{
	if (buf_addc(&w->out, '\n') != 0)
		return nomem(w->err);
	if (record)
		w->lines_total++;
	return w->out.len >= WRITE_FLUSH ? wr_flush(w) : 0;
}

/* A comment line: text that is not printable UTF-8 (a newline in a path) becomes '?'. */
static int
wr_comment(struct wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
wr_comment(struct wr *w, const char *fmt, ...)
{
	char m[JK_ERR_MSG_MAX + 64];
	const uint8_t *p = (const uint8_t *)m;
	size_t n, i, k;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	n = strlen(m);
	if (buf_add(&w->out, "# ", 2) != 0)
		return nomem(w->err);
	for (i = 0; i < n; i += k) {
		if ((k = graphic(p + i, n - i)) == 0) {
			k = 1;
			if (buf_addc(&w->out, '?') != 0)
				return nomem(w->err);
		} else if (buf_add(&w->out, p + i, k) != 0)
			return nomem(w->err);
	}
	return wr_eol(w, false);
}

static int
wsrc_add(struct wr *w, const char *path)
{
	struct wsrc *v, *s;
	size_t i;

	for (i = 0; i < w->nsrcs; i++)
		if (strcmp(w->srcs[i].path, path) == 0)
			return (int)i;
	if ((v = realloc(w->srcs, (w->nsrcs + 1) * sizeof *v)) == NULL)
		return -1;
	w->srcs = v;
	s = &v[w->nsrcs];
	memset(s, 0, sizeof *s);
	if ((s->path = strdup(path)) == NULL)
		return -1;
	if (w->p->all) {
		s->selected = true;
		s->target = s->path;
	} else {
		for (i = 0; i < w->p->ndbs; i++)
			if (strcmp(w->p->dbs[i].source, path) == 0) {
				s->entry = &w->p->dbs[i];
				s->selected = true;
				s->target = s->entry->target;
			}
	}
	return (int)w->nsrcs++;
}

static int
map_add(struct wr *w, const struct jrn_rec *r)
{
	char path[JRN_PATH_MAX + 1];
	struct wmap *v;
	size_t i;
	int s;

	memcpy(path, r->val, r->vallen);
	path[r->vallen] = '\0';
	if ((s = wsrc_add(w, path)) < 0)
		return nomem(w->err);
	for (i = 0; i < w->nmap; i++)
		if (w->map[i].num == r->dbnum && w->map[i].fi == w->fi) {
			w->map[i].src = (size_t)s;
			return 0;
		}
	if (w->nmap == w->mapcap) {
		w->mapcap = w->mapcap ? w->mapcap * 2 : 8;
		if ((v = realloc(w->map, w->mapcap * sizeof *v)) == NULL)
			return nomem(w->err);
		w->map = v;
	}
	w->map[w->nmap].num = r->dbnum;
	w->map[w->nmap].fi = w->fi;
	w->map[w->nmap++].src = (size_t)s;
	return 0;
}

static struct wsrc *
map_get(struct wr *w, uint32_t num)
{
	size_t i;

	for (i = 0; i < w->nmap; i++)
		if (w->map[i].num == num && w->map[i].fi == w->fi)
			return &w->srcs[w->map[i].src];
	return NULL;
}

/* Whether the update is selected: its database, then its global. */
static bool
wselected(const struct wr *w, struct wsrc *s, const struct jrn_rec *r)
{
	char *const *pats = s->entry ? s->entry->globals : w->globals;
	size_t npats = s->entry ? s->entry->nglobals : w->nglobals;
	const char *name;
	size_t n, i;

	if (!s->selected)
		return false;
	if (npats == 0)
		return true;
	if (gref_key_name(r->key, r->keylen, &name, &n) != 0 || n > GREF_NAME_MAX)
		return true;	/* written as the journal has it */
	if (n == s->lastn && memcmp(name, s->last, n) == 0)
		return s->last_sel;
	memcpy(s->last, name, n);
	s->lastn = n;
	s->last_sel = false;
	for (i = 0; i < npats && !s->last_sel; i++)
		s->last_sel = gref_name_match(pats[i], strlen(pats[i]), name, n);
	return s->last_sel;
}

/* The DIR number of a target, writing its DIR line the first time. */
static int
dir_number(struct wr *w, const char *target, size_t *num)
{
	char **v;
	size_t i;
	int rc;

	for (i = 0; i < w->ndirnames; i++)
		if (strcmp(w->dirnames[i], target) == 0) {
			*num = i + 1;
			return 0;
		}
	if ((v = realloc(w->dirnames, (w->ndirnames + 1) * sizeof *v)) == NULL)
		return nomem(w->err);
	w->dirnames = v;
	if ((v[w->ndirnames] = strdup(target)) == NULL)
		return nomem(w->err);
	*num = ++w->ndirnames;
	if (buf_addf(&w->out, "DIR %zu ", *num) != 0 ||
	    cvt_format_str(&w->out, (const uint8_t *)target, strlen(target)) != 0)
		return nomem(w->err);
	if ((rc = wr_eol(w, true)) != 0)
		return rc;
	return 0;
}

static int
line_head(struct wr *w, const char *kind, const struct jrn_rec *r, uint64_t tx)
{
	if (buf_adds(&w->out, kind) != 0 || buf_addc(&w->out, ' ') != 0 ||
	    format_time(&w->out, r->time_us, &w->tc) != 0 ||
	    buf_addf(&w->out, " %" PRIu32 " ", r->pid) != 0)
		return JK_ENOMEM;
	return tx == 0 ? buf_addc(&w->out, '-') : buf_addf(&w->out, "%" PRIu64, tx);
}

static const char *
update_kind(uint8_t type)
{
	switch (type) {
	case JRN_SET: return "SET";
	case JRN_INCR: return "INCR";
	case JRN_KILL: return "KILL";
	case JRN_KILLDESC: return "KILLDESC";
	default: return "ZKILL";
	}
}

/* One update line (the database is selected). */
static int
write_update(struct wr *w, struct wsrc *s, const struct jrn_rec *r, uint64_t tx)
{
	size_t num = 0;
	int rc;

	if (w->dirs && (rc = dir_number(w, s->target, &num)) != 0)
		return rc;
	if (line_head(w, update_kind(r->type), r, tx) != 0)
		return nomem(w->err);
	if ((num > 0 ? buf_addf(&w->out, " %zu ", num) : buf_add(&w->out, " - ", 3)) != 0)
		return nomem(w->err);
	if (r->type == JRN_INCR && (format_value(&w->out, r->inc, r->inclen) != 0 || buf_addc(&w->out, ' ') != 0))
		return nomem(w->err);
	rc = cvt_format_ref(&w->out, r->key, r->keylen);
	if (rc == JK_ECORRUPT)
		return jk_errf(w->err, JK_ECORRUPT, "the update at offset %" PRIu64 " has a key that does not decode",
		    r->offset);
	if (rc != 0)
		return nomem(w->err);
	if (r->type == JRN_SET || r->type == JRN_INCR) {
		if (buf_addc(&w->out, '=') != 0 || format_value(&w->out, r->val, r->vallen) != 0)
			return nomem(w->err);
	}
	w->res->updates++;
	return wr_eol(w, true);
}

static int
write_simple(struct wr *w, const char *kind, const struct jrn_rec *r, uint64_t tx)
{
	if (line_head(w, kind, r, tx) != 0)
		return nomem(w->err);
	return wr_eol(w, true);
}

static int
write_marker(struct wr *w, const struct jrn_rec *r)
{
	if (buf_adds(&w->out, "MARK ") != 0 || format_time(&w->out, r->time_us, &w->tc) != 0 ||
	    buf_addf(&w->out, " %" PRIu32 " %" PRId64 " ", r->pid, r->marker_id) != 0 ||
	    cvt_format_str(&w->out, r->val, r->vallen) != 0)
		return nomem(w->err);
	w->res->markers++;
	return wr_eol(w, true);
}

/*
 * The transaction being read, from its first record to before end_off in
 * that file: its selected updates between TSTART and (commit != NULL) the
 * commit.  Nothing when none is selected.
 */
static int
write_tx(struct wr *w, uint64_t end_off, const struct jrn_rec *commit)
{
	const char *path = w->p->files.paths[w->tx.begin.fi];
	struct jrn_rec r, head;
	struct wsrc *s;
	bool opened = false, have_head = false;
	int rc;

	if (w->rr == NULL || w->rr_fi != w->tx.begin.fi) {
		jrn_reader_close(w->rr);
		w->rr = NULL;
		if ((rc = jrn_reader_open(path, &w->rr, w->err)) != 0)
			return rc;
		w->rr_fi = w->tx.begin.fi;
	}
	if ((rc = jrn_reader_seek(w->rr, w->tx.begin.off)) != 0)
		return jk_errf(w->err, rc, "%s", jrn_reader_err(w->rr)->msg);
	w->fi = w->tx.begin.fi;		/* its maps are its file's */
	while (jrn_reader_next(w->rr, &r) == 0 && r.offset < end_off) {
		if (r.type == JRN_TBEGIN && r.txid == w->tx.txid && !have_head) {
			head = r;
			have_head = true;
			continue;
		}
		if (!jrn_type_is_update(r.type) || !(r.flags & JRN_F_TX) || r.txid != w->tx.txid)
			continue;
		if ((s = map_get(w, r.dbnum)) == NULL || !wselected(w, s, &r)) {
			w->res->filtered++;
			continue;
		}
		if (!opened) {
			if ((rc = write_simple(w, "TSTART", have_head ? &head : &r, w->tx.txid)) != 0)
				return rc;
			opened = true;
		}
		if ((rc = write_update(w, s, &r, w->tx.txid)) != 0)
			return rc;
	}
	if (!opened)
		return 0;
	if (commit != NULL) {
		w->res->tx++;
		return write_simple(w, "TCOMMIT", commit, w->tx.txid);
	}
	w->res->incomplete++;
	return wr_comment(w, "transaction %" PRIu64 " (offset %" PRIu64 " of %s) has no commit in the range",
	    w->tx.txid, w->tx.begin.off, path);
}

/*
 * The transaction being read ends without its commit before end_off, an
 * offset in file fi.  In a merged stream the record that ends it may be
 * another member's: then it ends after its last record read.
 */
static int
tx_abandon(struct wr *w, bool started, size_t fi, uint64_t end_off)
{
	if (!w->tx.active)
		return 0;
	w->tx.active = false;
	if (fi != w->tx.begin.fi)
		end_off = w->tx.end_off;
	return started ? write_tx(w, end_off, NULL) : 0;
}

/*
 * The record source: the chain of the plan's files from the start file on,
 * or, for a cluster plan, the merge of the members' files by sequence
 * number (clu.h), whose points are sequence numbers (rst.h).
 */
struct wsource {
	struct jrn_chain *c;
	struct clu_merge *m;
	size_t base;
};

static int
ws_open(struct wsource *ws, const struct rst_plan *p, const struct rst_bound *start, struct jk_err *err)
{
	int rc;

	memset(ws, 0, sizeof *ws);
	if (p->csns != NULL) {
		if ((rc = clu_merge_open(p->files.paths, p->csns, p->files.n, &ws->m, err)) != 0)
			return rc;
		clu_merge_check_links(ws->m, p->check_links);
		return 0;
	}
	ws->base = start->kind == RST_LOCATION ? start->pos.fi : 0;
	if ((rc = jrn_chain_open(p->files.paths + ws->base, p->files.n - ws->base, &ws->c, err)) != 0)
		return rc;
	jrn_chain_check_links(ws->c, p->check_links);
	return 0;
}

static int
ws_next(struct wsource *ws, struct jrn_rec *r, size_t *fi)
{
	int rc;

	if (ws->m != NULL)
		return clu_merge_next(ws->m, r, fi);
	if ((rc = jrn_chain_next(ws->c, r, NULL)) == 0)
		*fi = ws->base + jrn_chain_index(ws->c);
	return rc;
}

static const struct jk_err *
ws_err(const struct wsource *ws)
{
	return ws->m != NULL ? clu_merge_err(ws->m) : jrn_chain_err(ws->c);
}

static size_t
ws_index(const struct wsource *ws)
{
	return ws->m != NULL ? clu_merge_index(ws->m) : ws->base + jrn_chain_index(ws->c);
}

static void
ws_skip(struct wsource *ws)
{
	if (ws->m != NULL)
		clu_merge_skip(ws->m);
	else
		jrn_chain_skip(ws->c);
}

static void
ws_close(struct wsource *ws)
{
	clu_merge_close(ws->m);
	jrn_chain_close(ws->c);
}

/* The stream: the records of the plan's files from the start on. */
static int
wr_stream(struct wr *w, const struct rst_bound *start, const struct rst_bound *stop)
{
	const struct rst_plan *p = w->p;
	struct wsource ws;
	struct jrn_rec r;
	struct rst_pos pos = { 0, 0, 0 };
	struct wsrc *s;
	size_t fi, cur = SIZE_MAX, bad;
	bool started = start->kind == RST_EDGE;
	int rc;

	if ((rc = ws_open(&ws, p, start, w->err)) != 0)
		return rc;
	for (;;) {
		rc = ws_next(&ws, &r, &fi);
		if (rc > 0) {
			rc = tx_abandon(w, started, SIZE_MAX, UINT64_MAX);
			break;
		}
		if (rc < 0) {
			bad = ws_index(&ws);
			if (bad >= p->files.n)
				bad = p->files.n - 1;
			if ((rc = tx_abandon(w, started, SIZE_MAX, UINT64_MAX)) != 0)
				break;
			/* a crash ended the journal there: its end (a merge ends a member there itself) */
			if (ws.m == NULL && bad + 1 == p->files.n && ws_err(&ws)->code == JK_ETORN)
				break;
			if (p->jrn_errors == RST_ABORT) {
				rc = jk_errf(w->err, ws_err(&ws)->code ? ws_err(&ws)->code : JK_ECORRUPT,
				    "%s", ws_err(&ws)->msg);
				break;
			}
			w->res->damaged = true;
			if ((rc = wr_comment(w, "skipped: %s", ws_err(&ws)->msg)) != 0)
				break;
			if (ws.m == NULL && bad + 1 == p->files.n)
				break;
			ws_skip(&ws);
			continue;
		}
		if (fi != cur && ws.m == NULL) {
			/* one file after the other: a transaction ends with its file, maps are per file */
			if ((rc = tx_abandon(w, started, SIZE_MAX, UINT64_MAX)) != 0)
				break;
			w->nmap = 0;
		}
		cur = w->fi = fi;
		pos.fi = fi;
		pos.off = r.offset;
		if (ws.m != NULL)
			pos.ord++;
		w->res->records++;
		if (r.type == JRN_DBMAP) {
			if ((rc = map_add(w, &r)) != 0)
				break;
			continue;
		}
		if (rst_bound_past(stop, &r, pos)) {
			rc = tx_abandon(w, started, fi, r.offset);
			break;
		}
		if (!started && rst_bound_past(start, &r, pos))
			started = true;
		if (w->tx.active && !rst_tx_owns(w->tx.txid, &r) && (rc = tx_abandon(w, started, fi, r.offset)) != 0)
			break;
		w->fi = fi;
		if (w->tx.active && fi == w->tx.begin.fi)
			w->tx.end_off = r.offset + r.len;
		if (jrn_type_is_update(r.type)) {
			if ((s = map_get(w, r.dbnum)) == NULL) {
				if (p->jrn_errors == RST_ABORT) {
					rc = jk_errf(w->err, JK_ECORRUPT,
					    "the update at offset %" PRIu64 " of %s names database number %u, "
					    "which no database map record of the file defines",
					    r.offset, p->files.paths[fi], r.dbnum);
					break;
				}
				w->res->damaged = true;
				continue;
			}
			if (r.flags & JRN_F_TX) {
				if (!w->tx.active) {
					/* its beginning was lost to damage */
					w->tx.active = true;
					w->tx.txid = r.txid;
					w->tx.begin = pos;
					w->tx.end_off = r.offset + r.len;
				}
				continue;
			}
			if (!started)
				continue;
			if (!wselected(w, s, &r)) {
				w->res->filtered++;
				continue;
			}
			if ((rc = write_update(w, s, &r, 0)) != 0)
				break;
			continue;
		}
		switch (r.type) {
		case JRN_TBEGIN:
			if (!w->tx.active) {
				w->tx.active = true;
				w->tx.txid = r.txid;
				w->tx.begin = pos;
				w->tx.end_off = r.offset + r.len;
			}
			break;
		case JRN_TCOMMIT:
			if (!w->tx.active || r.tlevel > 1)
				break;
			w->tx.active = false;
			if (started)
				rc = write_tx(w, r.offset, &r);
			break;
		case JRN_TROLLBACK:
			if (w->tx.active && started)
				w->res->rolledback++;
			w->tx.active = false;
			break;
		case JRN_MARKER:
			/* a cluster-wide marker is one copy in each member's journal, under one number */
			if (started && (r.seq == 0 || r.seq != w->mark_seq))
				rc = write_marker(w, &r);
			w->mark_seq = r.seq;
			break;
		default:
			break;
		}
		if (rc != 0)
			break;
	}
	ws_close(&ws);
	return rc;
}

int
cvt_write_plan_fd(const struct rst_plan *p, const struct cvt_write_opts *o, int fd,
    struct cvt_write_result *res, struct jk_err *err)
{
	struct cvt_write_result dummy;
	struct rst_bound start, stop;
	struct wr w;
	size_t i;
	int rc;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof *res);
	if ((rc = rst_resolve_range(p, &start, &stop, err)) != 0)
		return rc;
	memset(&w, 0, sizeof w);
	w.p = p;
	w.dirs = o == NULL || !o->no_dirs;
	if (o != NULL && p->all) {
		w.globals = o->globals;
		w.nglobals = o->nglobals;
	}
	for (i = 0; i < w.nglobals; i++)
		if (!gref_pattern_valid(w.globals[i], strlen(w.globals[i])))
			return jk_errf(err, JK_EUSAGE, "bad global pattern '%s': a global name starts with a letter, "
			    "%%, * or ?, then letters, digits, *, ? or .", w.globals[i]);
	w.fd = fd;
	w.res = res;
	w.err = err;
	buf_init(&w.out);
	if (buf_addf(&w.out, "%s %d\n", CVT_MAGIC, CVT_VERSION) != 0) {
		rc = nomem(err);
		goto out;
	}
	if ((rc = wr_comment(&w, "jrnkit common journal format (man jrnkit-common): %zu journal file%s from %s",
	    p->files.n, p->files.n == 1 ? "" : "s", p->files.paths[0])) != 0)
		goto out;
	if ((rc = wr_stream(&w, &start, &stop)) != 0)
		goto out;
	if (buf_addf(&w.out, "END %" PRIu64 "\n", w.lines_total) != 0) {
		rc = nomem(err);
		goto out;
	}
	res->lines = w.lines_total - w.ndirnames;
	rc = wr_flush(&w);
out:
	if (rc != 0 && w.out.len > 0)
		wr_flush(&w);	/* what was read before the error, for a look; it has no END */
	buf_release(&w.out);
	for (i = 0; i < w.nsrcs; i++)
		free(w.srcs[i].path);
	free(w.srcs);
	for (i = 0; i < w.ndirnames; i++)
		free(w.dirnames[i]);
	free(w.dirnames);
	free(w.map);
	jrn_reader_close(w.rr);
	return rc;
}

/* fsync the directory holding path. */
static void
sync_dir_of(const char *path)
{
	char *d = strdup(path);
	int fd;

	if (d == NULL)
		return;
	if ((fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(d);
}

int
cvt_write_plan(const struct rst_plan *p, const struct cvt_write_opts *o, const char *out,
    struct cvt_write_result *res, struct jk_err *err)
{
	struct buf tmp = BUF_INIT;
	int fd, rc;

	if (buf_addf(&tmp, "%s.tmp", out) != 0)
		return nomem(err);
	if ((fd = open(buf_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
		rc = jk_errno(err, errno, "cannot create '%s'", buf_str(&tmp));
		buf_release(&tmp);
		return rc;
	}
	rc = cvt_write_plan_fd(p, o, fd, res, err);
	if (rc == 0 && fsync(fd) != 0)
		rc = jk_errno(err, errno, "cannot sync '%s'", buf_str(&tmp));
	if (close(fd) != 0 && rc == 0)
		rc = jk_errno(err, errno, "cannot write '%s'", buf_str(&tmp));
	if (rc == 0 && rename(buf_str(&tmp), out) != 0)
		rc = jk_errno(err, errno, "cannot rename '%s' to '%s'", buf_str(&tmp), out);
	if (rc != 0)
		unlink(buf_str(&tmp));
	else
		sync_dir_of(out);
	buf_release(&tmp);
	return rc;
}

/* ---- reading a common-format file ------------------------------------------------------------- */

struct cvt_reader {
	char *path;
	FILE *f;
	char *line;
	size_t cap;
	unsigned long lineno;
	bool ended;
	uint64_t count;		/* record lines so far */
	uint64_t ignored;
	char **dirs;		/* DIR n = dirs[n - 1], NULL while undefined */
	size_t ndirs;
	struct buf tmp;
};

/* A field cursor over one line. */
struct lp {
	const char *s;
	size_t n, i;
	struct cvt_reader *r;
	struct jk_err *err;
};

static int
lerr(struct lp *l, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
lerr(struct lp *l, int code, const char *fmt, ...)
{
	char m[JK_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return jk_errf(l->err, code, "%s:%lu: %s", l->r->path, l->r->lineno, m);
}

/* The next space-delimited word (not empty). */
static int
word(struct lp *l, const char **w, size_t *wn, const char *what)
{
	size_t j;

	if (l->i < l->n && l->s[l->i] == ' ')
		l->i++;
	else if (l->i > 0)
		return lerr(l, JK_EFORMAT, "column %zu: expected a space before the %s", l->i + 1, what);
	for (j = l->i; j < l->n && l->s[j] != ' '; j++)
		;
	if (j == l->i)
		return lerr(l, JK_EFORMAT, "column %zu: expected the %s", l->i + 1, what);
	*w = l->s + l->i;
	*wn = j - l->i;
	l->i = j;
	return 0;
}

static bool
parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 20)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

/* A number, or "-" for 0 when dash is allowed. */
static int
field_u64(struct lp *l, const char *what, bool dash, uint64_t max, uint64_t *v)
{
	const char *w;
	size_t wn, col;
	int rc;

	if ((rc = word(l, &w, &wn, what)) != 0)
		return rc;
	col = (size_t)(w - l->s) + 1;
	if (dash && wn == 1 && w[0] == '-') {
		*v = 0;
		return 0;
	}
	if (!parse_u64(w, wn, v) || *v > max || (dash && *v == 0))
		return lerr(l, JK_EFORMAT, "column %zu: bad %s '%.*s'%s", col, what, (int)(wn > 40 ? 40 : wn), w,
		    dash ? " (a number from 1, or -)" : "");
	return 0;
}

/* 2026-11-21T02:56:10.123456Z: UTC, up to six digits of fraction. */
static int
field_time(struct lp *l, uint64_t *us)
{
	const char *w;
	size_t wn, k, col;
	struct tm tm;
	uint64_t frac = 0;
	int y, mo, d, h, mi, s, used = 0, rc;
	time_t t;

	if ((rc = word(l, &w, &wn, "time")) != 0)
		return rc;
	col = (size_t)(w - l->s) + 1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(w, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6 || used != 19)
		goto bad;
	k = 19;
	if (k < wn && w[k] == '.') {
		unsigned digits = 0;

		for (k++; k < wn && w[k] >= '0' && w[k] <= '9' && digits < 6; k++, digits++)
			frac = frac * 10 + (uint64_t)(w[k] - '0');
		if (digits == 0)
			goto bad;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (k + 1 != wn || w[k] != 'Z' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || s > 60)
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	if ((t = timegm(&tm)) < 0)
		goto bad;
	*us = (uint64_t)t * 1000000 + frac;
	return 0;
bad:
	return lerr(l, JK_EFORMAT, "column %zu: bad time '%.*s' (expected YYYY-MM-DDTHH:MM:SS.ffffffZ)", col,
	    (int)(wn > 40 ? 40 : wn), w);
}

/* Rewrite a gref/zwr message "column N: ..." to count from the line's start. */
static int
sub_err(struct lp *l, int code, size_t at, const char *what, const struct jk_err *e)
{
	unsigned long col;
	char *end;

	if (strncmp(e->msg, "column ", 7) == 0 && (col = strtoul(e->msg + 7, &end, 10)) > 0 &&
	    strncmp(end, ": ", 2) == 0)
		return lerr(l, code, "column %lu: %s: %s", col + at, what, end + 2);
	return lerr(l, code, "column %zu: %s: %s", at + 1, what, e->msg);
}

static int
field_space(struct lp *l, const char *what)
{
	if (l->i >= l->n || l->s[l->i] != ' ')
		return lerr(l, JK_EFORMAT, "column %zu: expected a space before the %s", l->i + 1, what);
	l->i++;
	return 0;
}

/* A ZWR value expression into out. */
static int
field_value(struct lp *l, struct buf *out, const char *what)
{
	struct jk_err e;
	size_t end, at = l->i;
	int rc;

	jk_err_clear(&e);
	if ((rc = zwr_parse_value(l->s + at, l->n - at, out, &end, &e)) != 0)
		return sub_err(l, rc, at, what, &e);
	l->i = at + end;
	return 0;
}

static int
field_ref(struct lp *l, struct jk_key *k)
{
	struct jk_err e;
	size_t end, at = l->i;
	int rc;

	jk_err_clear(&e);
	if ((rc = gref_parse(l->s + at, l->n - at, k, &end, &e)) != 0)
		return sub_err(l, rc, at, "bad global reference", &e);
	l->i = at + end;
	return 0;
}

static int
line_end(struct lp *l)
{
	if (l->i != l->n)
		return lerr(l, JK_EFORMAT, "column %zu: unexpected text at the end of the line", l->i + 1);
	return 0;
}

static int
field_dir(struct lp *l, const char **dir)
{
	uint64_t n;
	int rc;

	if ((rc = field_u64(l, "directory number", true, SIZE_MAX, &n)) != 0)
		return rc;
	if (n == 0) {
		*dir = NULL;
		return 0;
	}
	if (n > l->r->ndirs || l->r->dirs[n - 1] == NULL)
		return lerr(l, JK_EFORMAT, "directory %" PRIu64 " is not defined (a DIR line must come first)", n);
	*dir = l->r->dirs[n - 1];
	return 0;
}

static int
parse_dir_line(struct lp *l)
{
	struct cvt_reader *r = l->r;
	struct jk_err e;
	struct buf canon = BUF_INIT;
	uint64_t n;
	char **v;
	int rc;

	if ((rc = field_u64(l, "directory number", false, 1000000, &n)) != 0 ||
	    (rc = field_space(l, "directory")) != 0 || (rc = field_value(l, &r->tmp, "bad directory")) != 0 ||
	    (rc = line_end(l)) != 0)
		return rc;
	if (n == 0)
		return lerr(l, JK_EFORMAT, "directory numbers start at 1");
	if (n <= r->ndirs && r->dirs[n - 1] != NULL)
		return lerr(l, JK_EFORMAT, "directory %" PRIu64 " is defined twice", n);
	if (r->tmp.len == 0 || memchr(r->tmp.data, 0, r->tmp.len) != NULL || r->tmp.data[0] != '/')
		return lerr(l, JK_EFORMAT, "directory %" PRIu64 " is not an absolute path", n);
	jk_err_clear(&e);
	if ((rc = rst_canon_dir(buf_str(&r->tmp), &canon, &e)) != 0) {
		buf_release(&canon);
		return lerr(l, rc, "directory %" PRIu64 ": %s", n, e.msg);
	}
	if (n > r->ndirs) {
		if ((v = realloc(r->dirs, n * sizeof *v)) == NULL) {
			buf_release(&canon);
			return nomem(l->err);
		}
		memset(v + r->ndirs, 0, (n - r->ndirs) * sizeof *v);
		r->dirs = v;
		r->ndirs = n;
	}
	r->dirs[n - 1] = strdup(buf_str(&canon));
	buf_release(&canon);
	return r->dirs[n - 1] == NULL ? nomem(l->err) : 0;
}

static enum cvt_kind
kind_of(const char *w, size_t n)
{
	size_t k;

	for (k = 1; k < sizeof kind_names / sizeof kind_names[0]; k++)
		if (strlen(kind_names[k]) == n && memcmp(kind_names[k], w, n) == 0)
			return (enum cvt_kind)k;
	return 0;
}

/* A record line into rec. */
static int
parse_record(struct lp *l, enum cvt_kind kind, struct cvt_rec *rec)
{
	uint64_t v;
	int rc;

	rec->kind = kind;
	rec->dir = NULL;
	rec->tx = 0;
	buf_reset(&rec->val);
	buf_reset(&rec->inc);
	if ((rc = field_time(l, &rec->time_us)) != 0 ||
	    (rc = field_u64(l, "process id", false, UINT32_MAX, &v)) != 0)
		return rc;
	rec->pid = (uint32_t)v;
	if (kind == CVT_MARK) {
		const char *w;
		size_t wn;
		char *end;
		long long id;

		if ((rc = word(l, &w, &wn, "marker id")) != 0)
			return rc;
		errno = 0;
		id = strtoll(w, &end, 10);
		if (end != w + wn || errno != 0)
			return lerr(l, JK_EFORMAT, "bad marker id '%.*s'", (int)(wn > 40 ? 40 : wn), w);
		rec->marker_id = id;
		if ((rc = field_space(l, "marker text")) != 0 || (rc = field_value(l, &rec->val, "bad marker text")) != 0)
			return rc;
		return line_end(l);
	}
	if ((rc = field_u64(l, "transaction", true, UINT64_MAX, &rec->tx)) != 0)
		return rc;
	if (!cvt_kind_is_update(kind)) {
		if (rec->tx == 0)
			return lerr(l, JK_EFORMAT, "%s names no transaction", kind_names[kind]);
		return line_end(l);
	}
	if ((rc = field_dir(l, &rec->dir)) != 0 || (rc = field_space(l, "global reference")) != 0)
		return rc;
	if (kind == CVT_INCR) {
		if ((rc = field_value(l, &rec->inc, "bad increment")) != 0 || (rc = field_space(l, "global reference")) != 0)
			return rc;
	}
	if ((rc = field_ref(l, &rec->key)) != 0)
		return rc;
	if (kind == CVT_SET || kind == CVT_INCR) {
		if (l->i >= l->n || l->s[l->i] != '=')
			return lerr(l, JK_EFORMAT, "column %zu: expected = and the value", l->i + 1);
		l->i++;
		if ((rc = field_value(l, &rec->val, "bad value")) != 0)
			return rc;
		if (rec->val.len > JK_VAL_MAX)
			return lerr(l, JK_ELIMIT, "value of %zu bytes is over the limit of %u bytes", rec->val.len,
			    JK_VAL_MAX);
	}
	return line_end(l);
}

static int
reader_rewind(void *arg, struct jk_err *err)
{
	struct cvt_reader *r = arg;
	size_t i;

	if (fseeko(r->f, 0, SEEK_SET) != 0)
		return jk_errno(err, errno, "cannot read '%s'", r->path);
	clearerr(r->f);
	r->lineno = 0;
	r->ended = false;
	r->count = 0;
	r->ignored = 0;
	for (i = 0; i < r->ndirs; i++)
		free(r->dirs[i]);
	free(r->dirs);
	r->dirs = NULL;
	r->ndirs = 0;
	return 0;
}

static int
reader_next(void *arg, struct cvt_rec *rec, struct jk_err *err)
{
	struct cvt_reader *r = arg;
	struct lp l;
	const char *w;
	size_t wn;
	ssize_t len;
	enum cvt_kind kind;
	uint64_t n;
	int rc;

	l.r = r;
	l.err = err;
	for (;;) {
		errno = 0;
		len = getline(&r->line, &r->cap, r->f);
		if (len < 0) {
			if (ferror(r->f))
				return jk_errno(err, errno ? errno : EIO, "cannot read '%s'", r->path);
			if (r->lineno == 0)
				return jk_errf(err, JK_EFORMAT, "%s: empty file: not a jrnkit common journal file",
				    r->path);
			if (!r->ended)
				return jk_errf(err, JK_EFORMAT,
				    "%s:%lu: the file ends without its END line: it is cut short", r->path,
				    r->lineno);
			return 1;
		}
		r->lineno++;
		l.s = r->line;
		l.i = 0;
		if (r->line[len - 1] != '\n')
			return jk_errf(err, JK_EFORMAT, "%s:%lu: the last line has no newline: the file is cut short",
			    r->path, r->lineno);
		len--;
		if (len > 0 && r->line[len - 1] == '\r')
			len--;
		l.n = (size_t)len;
		if (r->lineno == 1) {
			size_t ml = strlen(CVT_MAGIC);

			if ((size_t)len <= ml + 1 || memcmp(r->line, CVT_MAGIC " ", ml + 1) != 0)
				return jk_errf(err, JK_EFORMAT,
				    "%s:1: not a jrnkit common journal file (it does not start with %s)", r->path,
				    CVT_MAGIC);
			if (!parse_u64(r->line + ml + 1, (size_t)len - ml - 1, &n) || n == 0)
				return jk_errf(err, JK_EFORMAT, "%s:1: bad format version", r->path);
			if (n > CVT_VERSION)
				return jk_errf(err, JK_EVERSION,
				    "%s:1: format version %" PRIu64 " is newer than this jrnkit reads (%d)", r->path,
				    n, CVT_VERSION);
			continue;
		}
		if (len == 0 || r->line[0] == '#')
			continue;
		if (memchr(r->line, 0, (size_t)len) != NULL)
			return lerr(&l, JK_EFORMAT, "a NUL byte in the line (bytes other than text are written as $C())");
		if (r->ended)
			return lerr(&l, JK_EFORMAT, "a record after the END line");
		for (wn = 0; wn < l.n && l.s[wn] != ' '; wn++)
			;
		w = l.s;
		l.i = wn;
		if (wn == 3 && memcmp(w, "END", 3) == 0) {
			if ((rc = field_u64(&l, "record count", false, UINT64_MAX, &n)) != 0 || (rc = line_end(&l)) != 0)
				return rc;
			if (n != r->count)
				return lerr(&l, JK_EFORMAT,
				    "END counts %" PRIu64 " records, but there are %" PRIu64 ": lines are missing or added",
				    n, r->count);
			r->ended = true;
			continue;
		}
		r->count++;
		if (wn == 3 && memcmp(w, "DIR", 3) == 0) {
			if ((rc = parse_dir_line(&l)) != 0)
				return rc;
			continue;
		}
		if (wn > 2 && w[0] == 'X' && w[1] == '-') {
			r->ignored++;
			continue;
		}
		if ((kind = kind_of(w, wn)) == 0)
			return lerr(&l, JK_EFORMAT, "unknown record kind '%.*s'", (int)(wn > 40 ? 40 : wn), w);
		if ((rc = parse_record(&l, kind, rec)) != 0)
			return rc;
		rec->line = r->lineno;
		return 0;
	}
}

int
cvt_reader_open(const char *path, struct cvt_reader **out, struct jk_err *err)
{
	struct cvt_reader *r;
	int rc;

	*out = NULL;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return nomem(err);
	buf_init(&r->tmp);
	if ((r->path = strdup(path)) == NULL) {
		free(r);
		return nomem(err);
	}
	if ((r->f = fopen(path, "r")) == NULL) {
		rc = errno == ENOENT ? jk_errf(err, JK_ENOTFOUND, "cannot open '%s': %s", path, strerror(errno)) :
		    jk_errno(err, errno, "cannot open '%s'", path);
		free(r->path);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void
cvt_reader_close(struct cvt_reader *r)
{
	size_t i;

	if (r == NULL)
		return;
	fclose(r->f);
	free(r->line);
	for (i = 0; i < r->ndirs; i++)
		free(r->dirs[i]);
	free(r->dirs);
	buf_release(&r->tmp);
	free(r->path);
	free(r);
}

struct cvt_src
cvt_reader_src(struct cvt_reader *r)
{
	struct cvt_src s = { r->path, r, reader_rewind, reader_next };

	return s;
}

uint64_t
cvt_reader_ignored(const struct cvt_reader *r)
{
	return r->ignored;
}

/* ---- applying a source ---------------------------------------------------------------------- */

/* A directory the source names (or none: path NULL). */
struct asrc {
	const char *key;	/* as the source gave it in this pass (borrowed): found by pointer first */
	char *path;		/* owned copy; NULL for records naming none */
	int tgt;		/* index in targets, -1 not selected */
};

struct atgt {
	char *path;
	struct jk_db *db;	/* own (direct) or the instance's (journaled) */
	struct db_txn *txn;
	struct dblock *lock;
};

struct ap {
	const struct cvt_src *src;
	const struct cvt_apply_opts *o;
	struct cvt_apply_result *res;
	struct jk_err *err;
	struct asrc *srcs;
	size_t nsrcs;
	struct atgt *tgts;
	size_t ntgts;
	struct jk *j;
	uint8_t *bits;		/* transaction n (in TSTART order) is applied */
	size_t nbits;
	uint64_t pending;	/* updates in the open batch */
	unsigned long batch_line;	/* the batch's first unit */
	char gname[GREF_NAME_MAX + 1];
	size_t gnamelen;
	bool gsel;
};

void
cvt_apply_result_init(struct cvt_apply_result *r)
{
	memset(r, 0, sizeof *r);
}

void
cvt_apply_result_release(struct cvt_apply_result *r)
{
	size_t i;

	free(r->incomplete);
	for (i = 0; i < r->ntargets; i++)
		free(r->targets[i]);
	free(r->targets);
	cvt_apply_result_init(r);
}

/* A new pass: the source's strings of the last one are gone. */
static void
asrc_forget_keys(struct ap *a)
{
	size_t i;

	for (i = 0; i < a->nsrcs; i++)
		a->srcs[i].key = NULL;
}

static int
asrc_find(struct ap *a, const char *dir)
{
	struct asrc *v;
	size_t i;

	for (i = 0; i < a->nsrcs && dir != NULL; i++)
		if (a->srcs[i].key == dir)
			return (int)i;
	for (i = 0; i < a->nsrcs; i++)
		if ((dir == NULL) == (a->srcs[i].path == NULL) && (dir == NULL || strcmp(a->srcs[i].path, dir) == 0)) {
			a->srcs[i].key = dir;
			return (int)i;
		}
	if ((v = realloc(a->srcs, (a->nsrcs + 1) * sizeof *v)) == NULL)
		return -1;
	a->srcs = v;
	v[a->nsrcs].key = dir;
	v[a->nsrcs].tgt = -1;
	v[a->nsrcs].path = NULL;
	if (dir != NULL && (v[a->nsrcs].path = strdup(dir)) == NULL)
		return -1;
	return (int)a->nsrcs++;
}

static int
bit_set(struct ap *a, size_t n, bool on)
{
	uint8_t *v;
	size_t need = n / 8 + 1;

	if (need > a->nbits) {
		size_t cap = a->nbits ? a->nbits : 64;

		while (cap < need)
			cap *= 2;
		if ((v = realloc(a->bits, cap)) == NULL)
			return -1;
		memset(v + a->nbits, 0, cap - a->nbits);
		a->bits = v;
		a->nbits = cap;
	}
	if (on)
		a->bits[n / 8] |= (uint8_t)(1u << (n % 8));
	else
		a->bits[n / 8] &= (uint8_t)~(1u << (n % 8));
	return 0;
}

static bool
bit_get(const struct ap *a, size_t n)
{
	return n / 8 < a->nbits && (a->bits[n / 8] >> (n % 8) & 1);
}

static int
add_incomplete(struct ap *a, unsigned long line, uint64_t tx, uint64_t updates)
{
	struct cvt_incomplete *v;

	if ((v = realloc(a->res->incomplete, (a->res->nincomplete + 1) * sizeof *v)) == NULL)
		return nomem(a->err);
	a->res->incomplete = v;
	v[a->res->nincomplete].line = line;
	v[a->res->nincomplete].tx = tx;
	v[a->res->nincomplete++].updates = updates;
	return 0;
}

/* The first pass: structure, directories, transactions; writes nothing. */
static int
check_pass(struct ap *a, struct cvt_rec *rec)
{
	const char *name = a->src->name;
	bool open = false;
	uint64_t otx = 0, onupd = 0;
	unsigned long oline = 0;
	size_t ord = 0, oord = 0;
	int rc;

	asrc_forget_keys(a);
	if ((rc = a->src->rewind(a->src->arg, a->err)) != 0)
		return rc;
	while ((rc = a->src->next(a->src->arg, rec, a->err)) == 0) {
		a->res->records++;
		if (cvt_kind_is_update(rec->kind)) {
			if (asrc_find(a, rec->dir) < 0)
				return nomem(a->err);
			if (rec->tx != 0) {
				if (!open || rec->tx != otx)
					return jk_errf(a->err, JK_EFORMAT,
					    "%s:%lu: an update of transaction %" PRIu64 " outside it (no TSTART %" PRIu64
					    " before it)", name, rec->line, rec->tx, rec->tx);
				onupd++;
			} else if (open) {
				open = false;
				if (add_incomplete(a, oline, otx, onupd) != 0)
					return JK_ENOMEM;
			}
			continue;
		}
		switch (rec->kind) {
		case CVT_TSTART:
			if (open && add_incomplete(a, oline, otx, onupd) != 0)
				return JK_ENOMEM;
			open = true;
			otx = rec->tx;
			oline = rec->line;
			onupd = 0;
			oord = ord++;
			if (bit_set(a, oord, false) != 0)
				return nomem(a->err);
			break;
		case CVT_TCOMMIT:
		case CVT_TROLLBACK:
			if (!open || rec->tx != otx)
				return jk_errf(a->err, JK_EFORMAT, "%s:%lu: %s of transaction %" PRIu64
				    ", which is not open", name, rec->line, kind_names[rec->kind], rec->tx);
			open = false;
			if (rec->kind == CVT_TCOMMIT) {
				a->res->tx++;
				if (bit_set(a, oord, true) != 0)
					return nomem(a->err);
			} else {
				a->res->rolledback++;
			}
			break;
		case CVT_MARK:
			a->res->markers++;
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		return rc;
	if (open && add_incomplete(a, oline, otx, onupd) != 0)
		return JK_ENOMEM;
	return 0;
}

static int
tgt_add(struct ap *a, const char *path)
{
	struct atgt *v;
	size_t i;

	for (i = 0; i < a->ntgts; i++)
		if (strcmp(a->tgts[i].path, path) == 0)
			return (int)i;
	if ((v = realloc(a->tgts, (a->ntgts + 1) * sizeof *v)) == NULL)
		return -1;
	a->tgts = v;
	memset(&v[a->ntgts], 0, sizeof *v);
	if ((v[a->ntgts].path = strdup(path)) == NULL)
		return -1;
	return (int)a->ntgts++;
}

/*
 * Each directory the source names to its target (redirect, the list, or
 * itself), checked as a restore plan is (rst_plan_check_dbs: targets hold
 * databases, patterns, the same-target rule).
 */
static int
select_targets(struct ap *a)
{
	const struct cvt_apply_opts *o = a->o;
	struct rst_plan p;
	struct buf canon = BUF_INIT;
	size_t i, k;
	int rc = 0, t;

	rst_plan_init(&p);
	for (i = 0; i < o->nredirect && rc == 0; i++) {
		char *d = strdup(o->redirect[i]), *eq;

		if (d == NULL) {
			rc = nomem(a->err);
			break;
		}
		if ((eq = strchr(d, '=')) == NULL || eq == d || eq[1] == '\0')
			rc = jk_errf(a->err, JK_EUSAGE, "redirect '%s': expected OLD=NEW, two directories", d);
		else {
			*eq++ = '\0';
			rc = rst_plan_add_db(&p, d, eq, o->globals, o->nglobals, a->err);
		}
		free(d);
	}
	for (i = 0; i < o->ndbs && rc == 0; i++)
		rc = rst_plan_add_db(&p, o->dbs[i], NULL, o->globals, o->nglobals, a->err);
	if (rc == 0 && o->nredirect == 0 && o->ndbs == 0) {
		/* every directory the source names, to itself */
		for (i = 0; i < a->nsrcs && rc == 0; i++)
			if (a->srcs[i].path != NULL)
				rc = rst_plan_add_db(&p, a->srcs[i].path, NULL, o->globals, o->nglobals, a->err);
	}
	if (rc == 0 && p.ndbs > 0)
		rc = rst_plan_check_dbs(&p, a->err);
	for (i = 0; i < a->nsrcs && rc == 0; i++) {
		struct asrc *s = &a->srcs[i];

		if (s->path == NULL) {
			char def[PATH_MAX + 16];
			const char *dd = o->default_db;

			if (dd == NULL) {
				snprintf(def, sizeof def, "%s%sdb/user/", o->inst,
				    o->inst[0] && o->inst[strlen(o->inst) - 1] == '/' ? "" : "/");
				dd = def;
			}
			if (!db_exists(dd)) {
				rc = jk_errf(a->err, JK_ENOTFOUND,
				    "No database exists in that directory: %s (where records that name no directory go)",
				    dd);
				break;
			}
			if ((rc = db_canon_path(dd, &canon, a->err)) != 0)
				break;
			if ((t = tgt_add(a, buf_str(&canon))) < 0)
				rc = nomem(a->err);
			s->tgt = t;
			continue;
		}
		for (k = 0; k < p.ndbs; k++)
			if (strcmp(p.dbs[k].source, s->path) == 0) {
				/* the target as a database path: canonical, symlinks resolved */
				if ((rc = db_canon_path(p.dbs[k].target, &canon, a->err)) != 0)
					break;
				if ((t = tgt_add(a, buf_str(&canon))) < 0)
					rc = nomem(a->err);
				s->tgt = t;
				break;
			}
	}
	buf_release(&canon);
	rst_plan_release(&p);
	return rc;
}

/* Whether the update's global is selected. */
static bool
global_selected(struct ap *a, const struct jk_key *k)
{
	const char *name;
	size_t n, i;

	if (a->o->nglobals == 0)
		return true;
	if (gref_key_name(k->b, k->len, &name, &n) != 0 || n > GREF_NAME_MAX)
		return true;
	if (n == a->gnamelen && memcmp(name, a->gname, n) == 0)
		return a->gsel;
	memcpy(a->gname, name, n);
	a->gnamelen = n;
	a->gsel = false;
	for (i = 0; i < a->o->nglobals && !a->gsel; i++)
		a->gsel = gref_name_match(a->o->globals[i], strlen(a->o->globals[i]), name, n);
	return a->gsel;
}

static int
dberr_at(struct ap *a, unsigned long line, int code, const char *msg)
{
	return jk_errf(a->err, code, "%s:%lu: %s", a->src->name, line, msg);
}

/* Open (and, without journaling, lock) every target before anything is written. */
static int
open_targets(struct ap *a)
{
	size_t i;
	int rc;

	if (a->o->journal && (rc = jk_open(a->o->inst, &a->j, a->err)) != 0)
		return rc;
	for (i = 0; i < a->ntgts; i++) {
		struct atgt *t = &a->tgts[i];

		if (a->o->journal) {
			if ((rc = jk_db(a->j, t->path, &t->db)) != 0) {
				*a->err = *jk_err(a->j);
				return rc;
			}
			continue;
		}
		if ((rc = dblock_open(t->path, true, &t->lock, a->err)) != 0 ||
		    (rc = db_open(t->path, 0, &t->db, a->err)) != 0)
			return rc;
	}
	return 0;
}

static void
close_targets(struct ap *a)
{
	size_t i;

	for (i = 0; i < a->ntgts; i++) {
		struct atgt *t = &a->tgts[i];

		if (!a->o->journal) {
			if (t->txn != NULL)
				db_txn_abort(t->txn);
			db_close(t->db);
			dblock_close(t->lock);
		}
		free(t->path);
	}
	free(a->tgts);
	a->tgts = NULL;
	a->ntgts = 0;
	jk_close(a->j);
	a->j = NULL;
}

/* Commit every target's batch (direct mode). */
static int
commit_batch(struct ap *a, unsigned long next_line)
{
	size_t i;
	int rc;

	for (i = 0; i < a->ntgts; i++) {
		struct atgt *t = &a->tgts[i];

		if (t->txn == NULL)
			continue;
		rc = db_txn_commit(t->txn);
		t->txn = NULL;
		if (rc != 0)
			return jk_errf(a->err, rc, "%s: cannot commit the updates before line %lu to %s: %s",
			    a->src->name, next_line, t->path, db_err(t->db)->msg);
	}
	a->pending = 0;
	a->res->done_line = next_line;
	return 0;
}

static void
abort_batch(struct ap *a)
{
	size_t i;

	for (i = 0; i < a->ntgts; i++)
		if (a->tgts[i].txn != NULL) {
			db_txn_abort(a->tgts[i].txn);
			a->tgts[i].txn = NULL;
		}
	a->pending = 0;
}

static enum db_kill_mode
kill_mode(enum cvt_kind k)
{
	return k == CVT_KILL ? DB_KILL_TREE : k == CVT_KILLDESC ? DB_KILL_DESC : DB_KILL_NODE;
}

/*
 * One update: counted, and applied unless a dry run.  *jtx: a journaled
 * transaction was begun for its unit.
 */
static int
apply_update(struct ap *a, const struct cvt_rec *rec, bool in_tx, bool *jtx)
{
	struct asrc *s;
	struct atgt *t;
	int si, rc;

	if ((si = asrc_find(a, rec->dir)) < 0)
		return nomem(a->err);
	s = &a->srcs[si];
	if (s->tgt < 0) {
		a->res->skipped++;
		return 0;
	}
	if (!global_selected(a, &rec->key)) {
		a->res->filtered++;
		return 0;
	}
	a->res->applied++;
	if (a->o->dry_run)
		return 0;
	t = &a->tgts[s->tgt];
	if (a->o->journal) {
		if (in_tx && !*jtx) {
			if ((rc = jk_tstart(a->j)) != 0)
				return dberr_at(a, rec->line, rc, jk_err(a->j)->msg);
			*jtx = true;
		}
		if (rec->kind == CVT_SET || rec->kind == CVT_INCR)
			rc = jk_set(a->j, t->db, &rec->key, rec->val.data, rec->val.len);
		else
			rc = jk_kill(a->j, t->db, &rec->key, kill_mode(rec->kind));
		if (rc != 0)
			return dberr_at(a, rec->line, rc, jk_err(a->j)->msg);
		return 0;
	}
	if (t->txn == NULL && (rc = db_txn_begin(t->db, true, &t->txn)) != 0)
		return dberr_at(a, rec->line, rc, db_err(t->db)->msg);
	if (rec->kind == CVT_SET || rec->kind == CVT_INCR)
		rc = db_defer_put(t->txn, rec->key.b, rec->key.len, rec->val.data, rec->val.len);
	else
		rc = db_defer_kill(t->txn, rec->key.b, rec->key.len, kill_mode(rec->kind));
	if (rc != 0)
		return dberr_at(a, rec->line, rc, db_err(t->db)->msg);
	a->pending++;
	return 0;
}

/* A unit is done: commit the batch when it is full (direct mode). */
static int
unit_done(struct ap *a, unsigned long next_line)
{
	if (a->o->dry_run)
		return 0;
	if (a->o->journal) {
		a->res->done_line = next_line;
		return 0;
	}
	return a->pending >= APPLY_BATCH ? commit_batch(a, next_line) : 0;
}

/* The second pass: apply (or, dry, count) the units. */
static int
apply_pass(struct ap *a, struct cvt_rec *rec)
{
	bool cur_apply = false, cur_open = false, jtx = false;
	unsigned long unit_line = 0;
	size_t ord = 0;
	int rc;

	a->res->records = 0;
	a->res->done_line = 1;
	asrc_forget_keys(a);
	if ((rc = a->src->rewind(a->src->arg, a->err)) != 0)
		return rc;
	while ((rc = a->src->next(a->src->arg, rec, a->err)) == 0) {
		a->res->records++;
		if (cvt_kind_is_update(rec->kind)) {
			if (rec->tx != 0) {
				if (cur_apply && (rc = apply_update(a, rec, true, &jtx)) != 0)
					goto fail;
				continue;
			}
			cur_open = cur_apply = false;
			unit_line = rec->line;
			if ((rc = apply_update(a, rec, false, &jtx)) != 0)
				goto fail;
			if ((rc = unit_done(a, rec->line + 1)) != 0)
				goto fail;
			continue;
		}
		switch (rec->kind) {
		case CVT_TSTART:
			cur_apply = bit_get(a, ord++);
			cur_open = true;
			jtx = false;
			unit_line = rec->line;
			break;
		case CVT_TCOMMIT:
			if (!cur_open || !cur_apply)
				break;
			cur_open = cur_apply = false;
			if (jtx) {
				jtx = false;
				if ((rc = jk_tcommit(a->j)) != 0) {
					rc = dberr_at(a, rec->line, rc, jk_err(a->j)->msg);
					goto fail;
				}
			}
			if ((rc = unit_done(a, rec->line + 1)) != 0)
				goto fail;
			break;
		case CVT_TROLLBACK:
			cur_open = cur_apply = false;
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		goto fail;
	if (!a->o->dry_run && !a->o->journal) {
		size_t i;

		if ((rc = commit_batch(a, ULONG_MAX)) != 0)
			goto fail;
		for (i = 0; i < a->ntgts; i++)
			if (db_sync(a->tgts[i].db) != 0)
				return jk_errf(a->err, db_err(a->tgts[i].db)->code ? db_err(a->tgts[i].db)->code : JK_EIO,
				    "cannot flush %s: %s", a->tgts[i].path, db_err(a->tgts[i].db)->msg);
	}
	a->res->done_line = 0;
	return 0;
fail:
	if (jtx)
		jk_trollback(a->j);
	if (!a->o->journal)
		abort_batch(a);
	else if (a->res->done_line < unit_line)
		a->res->done_line = unit_line;
	return rc;
}

int
cvt_apply(const struct cvt_src *src, const struct cvt_apply_opts *o, struct cvt_apply_result *res,
    struct jk_err *err)
{
	struct cvt_rec rec;
	struct ap a;
	size_t i;
	int rc;

	cvt_apply_result_release(res);
	memset(&a, 0, sizeof a);
	a.src = src;
	a.o = o;
	a.res = res;
	a.err = err;
	cvt_rec_init(&rec);
	if (o->inst == NULL) {
		rc = jk_errf(err, JK_EUSAGE, "no instance: records are applied in an instance");
		goto out;
	}
	if ((rc = check_pass(&a, &rec)) != 0 || (rc = select_targets(&a)) != 0)
		goto out;
	if (!o->dry_run && (rc = open_targets(&a)) != 0)
		goto out;
	/* the transactions are the first pass's counts; the updates the second's */
	rc = apply_pass(&a, &rec);
	if ((res->targets = calloc(a.ntgts ? a.ntgts : 1, sizeof *res->targets)) == NULL) {
		if (rc == 0)
			rc = nomem(err);
		goto out;
	}
	for (i = 0; i < a.ntgts; i++)
		if ((res->targets[res->ntargets] = strdup(a.tgts[i].path)) != NULL)
			res->ntargets++;
out:
	close_targets(&a);
	for (i = 0; i < a.nsrcs; i++)
		free(a.srcs[i].path);
	free(a.srcs);
	free(a.bits);
	cvt_rec_release(&rec);
	return rc;
}

/* ---- records -> a journal file ------------------------------------------------------------------- */

/* The file name for a first record at time_us, after the files already in dir. */
static int
journal_name(const char *dir, const char *prefix, uint64_t time_us, struct buf *path, struct buf *prev,
    uint64_t *prev_id, struct jk_err *err)
{
	struct rst_files f;
	struct jrn_reader *r;
	char day[16], *d = (char *)dir;
	time_t t = (time_t)(time_us / 1000000);
	struct tm tm;
	const char *last, *base;
	unsigned nnn = 1;
	int rc;

	localtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y%m%d", &tm);
	buf_reset(prev);
	*prev_id = 0;
	rst_files_init(&f);
	rc = rst_files_from_dirs(&f, prefix, &d, 1, err);
	if (rc == JK_ENOTFOUND)
		rc = 0;
	else if (rc == 0 && f.n > 0) {
		last = f.paths[f.n - 1];
		base = strrchr(last, '/') ? strrchr(last, '/') + 1 : last;
		base += strlen(prefix);
		/* names sort as the chain runs: never before the last one */
		if (strncmp(day, base, 8) <= 0) {
			memcpy(day, base, 8);
			day[8] = '\0';
			nnn = (unsigned)atoi(base + 9) + 1;
		}
		if ((rc = jrn_reader_open(last, &r, err)) == 0) {
			*prev_id = jrn_reader_hdr(r)->file_id;
			jrn_reader_close(r);
			if (buf_adds(prev, last) != 0)
				rc = nomem(err);
		}
	}
	rst_files_release(&f);
	if (rc != 0)
		return rc;
	if (nnn > 999)
		return jk_errf(err, JK_ELIMIT, "%s already holds journal file %s%s.999", dir, prefix, day);
	buf_reset(path);
	if (buf_addf(path, "%s%s%s%s.%03u", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", prefix,
	    day, nnn) != 0)
		return nomem(err);
	return 0;
}

static uint8_t
jrn_update_type(enum cvt_kind k)
{
	switch (k) {
	case CVT_SET: return JRN_SET;
	case CVT_INCR: return JRN_INCR;
	case CVT_KILL: return JRN_KILL;
	case CVT_KILLDESC: return JRN_KILLDESC;
	default: return JRN_ZKILL;
	}
}

/* Encode rec (of the journal transaction txid, 0 none) into b. */
static int
encode_rec(const struct cvt_rec *rec, uint32_t dbnum, uint64_t txid, uint32_t nupd, struct buf *b)
{
	struct jrn_rec r;
	size_t st;
	int rc;

	memset(&r, 0, sizeof r);
	r.time_us = rec->time_us;
	r.pid = rec->pid;
	r.txid = txid;
	r.tlevel = txid != 0;
	if (cvt_kind_is_update(rec->kind)) {
		r.type = jrn_update_type(rec->kind);
		r.dbnum = dbnum;
		r.flags = txid != 0 ? JRN_F_TX : 0;
		if ((rc = jrn_rec_begin(b, &r, &st)) != 0 || (rc = jrn_put_key(b, rec->key.b, rec->key.len)) != 0 ||
		    (rec->kind == CVT_INCR && (rc = jrn_put_val(b, rec->inc.data, rec->inc.len)) != 0) ||
		    ((rec->kind == CVT_SET || rec->kind == CVT_INCR) &&
		    (rc = jrn_put_val(b, rec->val.data, rec->val.len)) != 0))
			return rc;
		return jrn_rec_end(b, st);
	}
	switch (rec->kind) {
	case CVT_TSTART:
		r.type = JRN_TBEGIN;
		break;
	case CVT_TCOMMIT:
		r.type = JRN_TCOMMIT;
		break;
	case CVT_TROLLBACK:
		r.type = JRN_TROLLBACK;
		break;
	default:
		r.type = JRN_MARKER;
		break;
	}
	if ((rc = jrn_rec_begin(b, &r, &st)) != 0)
		return rc;
	if (r.type == JRN_TCOMMIT && (rc = jrn_put_u32(b, nupd)) != 0)
		return rc;
	if (r.type == JRN_MARKER && ((rc = jrn_put_u64(b, (uint64_t)rec->marker_id)) != 0 ||
	    (rc = jrn_put_u64(b, 0)) != 0 || (rc = jrn_put_u64(b, 0)) != 0 ||
	    (rc = jrn_put_str16(b, rec->val.data, rec->val.len > JRN_MARKER_TEXT_MAX ?
	    JRN_MARKER_TEXT_MAX : rec->val.len)) != 0))
		return rc;
	return jrn_rec_end(b, st);
}

int
cvt_to_journal(const struct cvt_src *src, const char *dbdir, const char *dir, const char *prefix,
    struct cvt_journal_result *res, struct jk_err *err)
{
	struct cvt_rec rec;
	struct jrn_ofile *f = NULL;
	struct buf path = BUF_INIT, prev = BUF_INIT, b = BUF_INIT;
	uint64_t prev_id, txid = 0, ntx = 0, last_us = 0;
	uint32_t dbnum, nupd = 0;
	int rc;

	memset(res, 0, sizeof *res);
	cvt_rec_init(&rec);
	if ((rc = src->rewind(src->arg, err)) != 0)
		goto out;
	rc = src->next(src->arg, &rec, err);
	if (rc > 0) {
		rc = jk_errf(err, JK_ENOTFOUND, "%s holds no records to write", src->name);
		goto out;
	}
	if (rc < 0 || (rc = journal_name(dir, prefix, rec.time_us, &path, &prev, &prev_id, err)) != 0 ||
	    (rc = jrn_ofile_create(buf_str(&path), rec.time_us, prev_id, buf_str(&prev), &f, err)) != 0)
		goto out;
	do {
		dbnum = 0;
		if (cvt_kind_is_update(rec.kind) &&
		    (rc = jrn_ofile_dbnum(f, rec.dir ? rec.dir : dbdir, rec.time_us, &dbnum, err)) != 0)
			goto out;
		if (rec.kind == CVT_TSTART) {
			txid = ++ntx;
			nupd = 0;
		}
		if (cvt_kind_is_update(rec.kind)) {
			res->updates++;
			if (rec.tx != 0 && txid != 0)
				nupd++;
		}
		buf_reset(&b);
		rc = encode_rec(&rec, dbnum, cvt_kind_is_update(rec.kind) && rec.tx == 0 ? 0 : txid, nupd, &b);
		if (rc != 0) {
			rc = jk_errf(err, rc, "%s:%lu: cannot make a journal record of it: %s", src->name, rec.line,
			    jk_strerror(rc));
			goto out;
		}
		if ((rc = jrn_ofile_append(f, b.data, b.len, err)) != 0)
			goto out;
		res->records++;
		last_us = rec.time_us;
		if (rec.kind == CVT_TCOMMIT) {
			res->tx++;
			txid = 0;
		} else if (rec.kind == CVT_TROLLBACK) {
			txid = 0;
		} else if (cvt_kind_is_update(rec.kind) && rec.tx == 0) {
			txid = 0;	/* a transaction left open is over */
		}
	} while ((rc = src->next(src->arg, &rec, err)) == 0);
	if (rc < 0)
		goto out;
	rc = jrn_ofile_close(f, last_us, err);
	f = NULL;
	if (rc == 0)
		snprintf(res->path, sizeof res->path, "%s", buf_str(&path));
out:
	jrn_ofile_abort(f);
	cvt_rec_release(&rec);
	buf_release(&path);
	buf_release(&prev);
	buf_release(&b);
	return rc;
}
