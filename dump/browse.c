/*
 * browse.c - the journal browser of spec/dialogues.md section 4 as a model:
 * keys in, text screens out.  The front ends (ncurses, key scripts, the
 * line mode) only draw what browse_render gives and pass keys on, so a
 * screen replayed from a script is the screen an operator sees.
 *
 * Views:
 *
 *	FILES --E--> RECS --E--> REC       Q goes back one step; Q in FILES quits
 *	  |            ^
 *	  +--I--> INFO +--D--> DBS
 *
 * The records of the file list form one stream: a position is (file,
 * offset), and reading past the end of a file goes on at the first record
 * of the next one (and back).  A file is read lazily, so that a page of a
 * gigabyte file costs a page's records: its end is found from the back
 * (the last record's repeated length and checksum, file_tail), a database
 * number is looked up in the DBMAP records from where the last look
 * stopped (need_db), and the whole file is read (file_scan: the counts,
 * the oldest transaction left open, the next file) only for its header
 * screen, or when its tail is torn or reading meets damage.  A damaged
 * file then reads as ending where its damage starts, and the damage is
 * named on its pages and in its header screen.
 *
 * The file list is a list of rows.  For one instance every row is a file,
 * in the order of its journal.log, and the files are one chain: the stream
 * runs from each file into the next.  On a cluster member the list is the
 * cluster's (browse_new_cluster): the files of CLUJRN.LOG, kept in the
 * log's order, shown grouped by session with a heading row for each
 * session, ordered in a session by first sequence number; the stream runs
 * through each member's own files (next, prev), as for one instance.
 */
#include "dump.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clu.h"
#include "jrn/jrn.h"
#include "jsel.h"

volatile sig_atomic_t browse_stop;

const char *const browse_texts[] = {
	"files_head", "files_jrnstart", "files_missing", "files_none", "files_keys", "files_help",
	"info", "info_none", "info_current", "info_keys", "info_help", "dbs_head", "dbs_none",
	"dbs_keys", "recs_journal", "recs_select", "recs_head", "recs_next_file", "recs_none",
	"recs_last", "recs_keys", "recs_help", "detail", "detail_yes", "detail_no", "detail_undef",
	"detail_keys", "detail_help", "no_more", "at_start", "not_found", "bad_address", "bad_key",
	"help_more", "clu_head", "clu_session", "clu_session_unknown", "clu_gone", "clu_start",
	"clu_none", "clu_keys", "clu_help", NULL,
};
const char *const browse_prompts[] = {
	"goto_file", "goto_address", "find", "select", "time", NULL,
};

enum view { V_FILES, V_INFO, V_DBS, V_RECS, V_REC };

/* A journal file of the list, and what its scan found. */
struct bfile {
	char *path;
	struct jrn_reader *rd;	/* NULL when closed */
	bool have_hdr;
	struct jrn_hdr hdr;
	bool ready;		/* open, first and (provisional) end set */
	bool tailed;		/* the end checked from the back */
	bool scanned;		/* read whole: counts, min trans, next file, damage */
	uint64_t dbs_upto;	/* DBMAP records before this offset are known */
	int open_rc;		/* the file could not be opened (msg says why) */
	char *msg;		/* why it cannot be opened, or its damage */
	int damage;		/* 0, JK_ETORN or JK_ECORRUPT */
	struct jsel_file jf;
	uint64_t first, end;	/* first record; valid end (after the last record) */
	uint64_t last;		/* offset of the last record; 0 none */
	uint64_t records;
	uint64_t min_trans;	/* offset of the oldest transaction left open; 0 none */
	bool closed;
	uint64_t next_id;
	char *next_path;
	size_t next, prev;	/* the files the stream goes on into; NONE at the ends */
	/* a cluster's file, as CLUJRN.LOG and the file have it (clu.h) */
	int csn;
	uint64_t csi, first_seq, last_seq;
	bool gone, explicit_start;
};

#define NONE SIZE_MAX

/* A row of the file list: a file, or (a cluster's list) the heading of a session. */
struct frow {
	bool session;
	size_t file;		/* a file row: the file */
	uint64_t csi;		/* a heading: the session */
};

struct pos {
	size_t fi;
	uint64_t off;
};

/* A line of a record page: a record, or the start of the next file. */
struct pline {
	bool divider;
	struct pos at;
	size_t text;		/* offset of its text in page.text */
};

enum ask { A_NONE, A_FILE, A_ADDRESS, A_FIND, A_SELECT, A_TIME };

struct browse {
	const struct menu_file *mf;
	int rows, cols;
	enum view view;

	struct bfile *files;
	size_t nfiles;
	bool cluster;		/* a cluster's list (browse_new_cluster) */
	struct frow *frows;
	size_t nfrows;
	size_t cur, ftop;	/* file list: cursor row, first row shown */
	size_t ifile;		/* the file of INFO and DBS */

	struct jsel sel;	/* the records shown */
	struct pos top;		/* the page's first record */
	bool laid_out;
	struct pline *lines;
	size_t nlines;
	struct buf ptext;	/* the page's lines, NUL-separated */
	struct pos after;	/* where the next page starts */
	size_t hl;		/* selected line of the page */

	struct pos rec;		/* REC: the record shown */

	enum ask asking;
	const char *help;	/* help shown until the next key */
	struct buf helpbuf;
	struct buf msg;		/* a message for the next screen */

	struct buf tmp, tmp2;	/* scratch */
	struct buf vars;	/* render: ${} values, NUL-separated pairs */
	bool missing;		/* render: a ${} had no value */
};

static int add_text(struct browse *b, struct buf *out, const char *id);

/* ---- files ------------------------------------------------------------------- */

static void
file_close(struct bfile *f)
{
	jrn_reader_close(f->rd);
	f->rd = NULL;
}

static void
set_msg(char **dst, const char *m)
{
	free(*dst);
	*dst = m != NULL ? strdup(m) : NULL;
}

/* The file's reader, opened when closed.  0 or the error of opening it (f->msg). */
static int
file_open(struct bfile *f)
{
	struct jk_err err;
	int rc;

	if (f->rd != NULL)
		return 0;
	if (f->open_rc != 0)
		return f->open_rc;
	jk_err_clear(&err);
	if ((rc = jrn_reader_open(f->path, &f->rd, &err)) != 0) {
		f->open_rc = rc;
		set_msg(&f->msg, err.msg);
		return rc;
	}
	f->hdr = *jrn_reader_hdr(f->rd);
	f->have_hdr = true;
	return 0;
}

/* Read the header (for the file list) without keeping the file open. */
static void
file_hdr(struct bfile *f)
{
	bool was_open = f->rd != NULL;

	if (f->have_hdr || file_open(f) != 0)
		return;
	if (!was_open)
		file_close(f);
}

/*
 * The file open for reading records: its first record and, until its end
 * is known, the file size as its end.  0 or the error of opening it.
 */
static int
file_ready(struct bfile *f)
{
	int rc;

	if (f->ready && (f->open_rc != 0 || f->rd != NULL))
		return f->open_rc;
	if (f->ready)
		/* closed by trim_readers since: opened again, where it was known to be */
		return file_open(f);
	f->ready = true;
	if ((rc = file_open(f)) != 0) {
		f->first = f->end = 0;
		return rc;
	}
	f->first = f->dbs_upto = f->hdr.hdr_len;
	f->end = jrn_reader_size(f->rd);
	return 0;
}

static int file_scan(struct bfile *f);

/*
 * The end of the file from its back: when the last record (found by the
 * length repeated at the end) is whole, the file ends there and nothing
 * before it needs reading now.  Otherwise (a torn tail) the whole file is
 * read to find where it is valid up to.
 */
static int
file_tail(struct bfile *f)
{
	struct jrn_rec r;
	int rc;

	if ((rc = file_ready(f)) != 0 || f->tailed || f->scanned)
		return rc;
	f->tailed = true;
	jrn_reader_seek(f->rd, f->end);
	if (f->end > f->first && jrn_reader_prev(f->rd, &r) == 0 && r.offset + r.len == f->end) {
		f->last = r.offset;
		return 0;
	}
	return file_scan(f);
}

/* Damage met reading: the file ends where it starts, and it is named. */
static void
file_damaged(struct bfile *f, int rc)
{
	if (f->damage == 0) {
		f->damage = rc;
		set_msg(&f->msg, jrn_reader_err(f->rd)->msg);
	}
	f->end = jrn_reader_valid_end(f->rd);
	/* the last record before the damage, the counts: one pass, up to the damage */
	if (!f->scanned)
		file_scan(f);
}

/*
 * Learn database number n of file f, reading DBMAP records on from where
 * the last look stopped (they come before the records that use them, most
 * near the start).  The reader's cursor is put back.
 */
static void
need_db(struct bfile *f, uint32_t n)
{
	struct jrn_rec r;
	uint64_t save;

	if (n == 0 || jsel_file_db(&f->jf, n) != NULL || f->scanned || f->rd == NULL)
		return;
	save = jrn_reader_tell(f->rd);
	jrn_reader_seek(f->rd, f->dbs_upto);
	while (jsel_file_db(&f->jf, n) == NULL && jrn_reader_next(f->rd, &r) == 0) {
		f->dbs_upto = r.offset + r.len;
		if (jsel_file_note(&f->jf, &r) != 0)
			break;
	}
	jrn_reader_seek(f->rd, save);
}

/* The one pass over a file (see the top). */
static int
file_scan(struct bfile *f)
{
	struct jrn_rec r;
	uint64_t open_tx = 0, open_at = 0;
	int rc;

	if (f->scanned)
		return f->open_rc;
	if ((rc = file_ready(f)) != 0)
		return rc;
	f->scanned = true;
	f->records = 0;
	jrn_reader_seek(f->rd, 0);
	while ((rc = jrn_reader_next(f->rd, &r)) == 0) {
		f->records++;
		f->last = r.offset;
		if (jsel_file_note(&f->jf, &r) != 0)
			return JK_ENOMEM;
		if (r.type == JRN_TBEGIN && r.tlevel <= 1 && open_tx == 0) {
			open_tx = r.txid != 0 ? r.txid : 1;
			open_at = r.offset;
		} else if ((r.type == JRN_TCOMMIT || r.type == JRN_TROLLBACK) && r.tlevel <= 1)
			open_tx = 0;
		else if (r.type == JRN_JEND) {
			f->closed = true;
			f->next_id = r.id;
			free(f->next_path);
			f->next_path = strndup((const char *)r.val, r.vallen);
		}
	}
	f->min_trans = open_tx != 0 ? open_at : 0;
	f->end = f->dbs_upto = jrn_reader_valid_end(f->rd);
	if (rc < 0) {
		f->damage = rc;
		set_msg(&f->msg, jrn_reader_err(f->rd)->msg);
		f->end = jrn_reader_valid_end(f->rd);
	}
	return 0;
}

/* Close the readers no screen needs now (a long list must not hold every file open). */
static void
trim_readers(struct browse *b)
{
	size_t i, lo = b->top.fi, hi = b->after.fi;

	if (b->view == V_REC) {
		lo = lo < b->rec.fi ? lo : b->rec.fi;
		hi = hi > b->rec.fi ? hi : b->rec.fi;
	}
	for (i = 0; i < b->nfiles; i++)
		if ((i + 1 < lo || i > hi + 1) && b->files[i].rd != NULL)
			file_close(&b->files[i]);
}

/* ---- the stream of records ---------------------------------------------------- */

/* The record at p, moving p past it; on into the next files.  0, 1 at the end, < 0. */
static int
read_fwd(struct browse *b, struct pos *p, struct jrn_rec *r)
{
	struct bfile *f;
	int rc;

	for (;;) {
		if (browse_stop)
			return 1;
		f = &b->files[p->fi];
		rc = file_ready(f);
		if (p->off < f->first)
			p->off = f->first;
		if (rc == 0 && p->off < f->end) {
			if (jrn_reader_tell(f->rd) != p->off)
				jrn_reader_seek(f->rd, p->off);
			if ((rc = jrn_reader_next(f->rd, r)) == 0) {
				p->off = r->offset + r->len;
				need_db(f, r->dbnum);
				return 0;
			}
			if (rc < 0) {
				file_damaged(f, rc);
				/* the reading cursor may have moved: read the record again */
				if (p->off < f->end)
					continue;
			}
		}
		if (f->next == NONE) {
			p->off = f->end;
			return 1;
		}
		p->fi = f->next;
		p->off = 0;
	}
}

/* The record before p, moving p to it; back into the files before.  0, 1 at the start, < 0. */
static int
read_back(struct browse *b, struct pos *p, struct jrn_rec *r)
{
	struct bfile *f;
	int rc;

	for (;;) {
		if (browse_stop)
			return 1;
		f = &b->files[p->fi];
		rc = file_ready(f);
		if (p->off > f->end)
			p->off = f->end;
		if (rc == 0 && p->off > f->first) {
			if (jrn_reader_tell(f->rd) != p->off)
				jrn_reader_seek(f->rd, p->off);
			if ((rc = jrn_reader_prev(f->rd, r)) == 0) {
				p->off = r->offset;
				need_db(f, r->dbnum);
				return 0;
			}
			if (rc < 0) {
				/* damage met backwards: named, and the start of what can be shown */
				set_msg(&f->msg, jrn_reader_err(f->rd)->msg);
				return 1;
			}
		}
		if (f->prev == NONE) {
			p->off = f->first;
			return 1;
		}
		p->fi = f->prev;
		file_tail(&b->files[p->fi]);
		p->off = b->files[p->fi].end;
	}
}

static bool
matches(struct browse *b, size_t fi, const struct jrn_rec *r)
{
	return jsel_match(&b->sel, &b->files[fi].jf, r);
}

static int
next_match(struct browse *b, struct pos *p, struct jrn_rec *r)
{
	int rc;

	while ((rc = read_fwd(b, p, r)) == 0 && !matches(b, p->fi, r))
		;
	return rc;
}

static int
prev_match(struct browse *b, struct pos *p, struct jrn_rec *r)
{
	int rc;

	while ((rc = read_back(b, p, r)) == 0 && !matches(b, p->fi, r))
		;
	return rc;
}

/* The record at p exactly (p not moved). */
static int
read_at(struct browse *b, struct pos p, struct jrn_rec *r)
{
	return read_fwd(b, &p, r);
}

/* ---- formatting ------------------------------------------------------------------ */

/* Directory of r, or "" */
static const char *
rec_dir(const struct bfile *f, const struct jrn_rec *r)
{
	const char *d;

	if (r->type == JRN_DBMAP) {
		d = jsel_file_db(&f->jf, r->dbnum);
		return d != NULL ? d : "";
	}
	if (r->dbnum == 0)
		return "";
	d = jsel_file_db(&f->jf, r->dbnum);
	return d != NULL ? d : "?";
}

/* Directory and Global & Value as F searches them. */
static int
rec_text(struct browse *b, const struct bfile *f, const struct jrn_rec *r, struct buf *out)
{
	buf_reset(out);
	if (buf_adds(out, rec_dir(f, r)) != 0 || buf_addc(out, ' ') != 0)
		return JK_ENOMEM;
	(void)b;
	return jsel_gv(out, &f->jf, r);
}

/* One line of a record page (the column layout of the spec). */
static int
rec_line(struct browse *b, const struct bfile *f, const struct jrn_rec *r, struct buf *out)
{
	const char *d = rec_dir(f, r);
	char op[5];
	size_t dl = strlen(d);
	int rc;

	jsel_op(r, op);
	rc = buf_addf(out, "%9" PRIu64 " %7" PRIu32 " %-2s ", r->offset, r->pid, op);
	/* the directory column is 16 wide: a longer one shows its end */
	if (rc == 0 && dl > 16)
		rc = buf_addf(out, "...%s ", d + dl - 13);
	else if (rc == 0)
		rc = buf_addf(out, "%-16s ", d);
	(void)b;
	return rc == 0 ? jsel_gv(out, &f->jf, r) : rc;
}

/* ---- ${} values -------------------------------------------------------------------- */

static int
var_set(struct browse *b, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
var_set(struct browse *b, const char *name, const char *fmt, ...)
{
	va_list ap;
	char v[4200];

	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	if (buf_adds(&b->vars, name) != 0 || buf_addc(&b->vars, '\0') != 0 ||
	    buf_adds(&b->vars, v) != 0 || buf_addc(&b->vars, '\0') != 0)
		return JK_ENOMEM;
	return 0;
}

static const char *
var_get(void *ctx, const char *name)
{
	struct browse *b = ctx;
	const char *p = (const char *)b->vars.data, *end = p + b->vars.len;

	while (p != NULL && p < end) {
		const char *v = p + strlen(p) + 1;

		if (strcmp(p, name) == 0)
			return v;
		p = v + strlen(v) + 1;
	}
	b->missing = true;
	return NULL;
}

/*
 * Append text id with ${} filled, leaving out each line that names a value
 * not set (see jrndump.yaml).  Every line ends in '\n'.
 */
static int
add_text(struct browse *b, struct buf *out, const char *id)
{
	const char *t = menu_text(b->mf, id), *nl;
	struct buf line = BUF_INIT, piece = BUF_INIT;
	int rc = 0;

	if (t == NULL)
		return JK_ENOTFOUND;
	while (rc == 0 && *t != '\0') {
		nl = strchr(t, '\n');
		buf_reset(&line);
		buf_reset(&piece);
		if (buf_add(&piece, t, nl != NULL ? (size_t)(nl - t) : strlen(t)) != 0) {
			rc = JK_ENOMEM;
			break;
		}
		b->missing = false;
		if (ui_expand(buf_str(&piece), var_get, b, &line) != 0)
			rc = JK_ENOMEM;
		else if (!b->missing && (buf_add(out, line.data, line.len) != 0 || buf_addc(out, '\n') != 0))
			rc = JK_ENOMEM;
		if (nl == NULL)
			break;
		t = nl + 1;
	}
	buf_release(&line);
	buf_release(&piece);
	return rc;
}

/* The text id, one line, no newline, into out (replaced). */
static const char *
word(struct browse *b, const char *id, struct buf *out)
{
	buf_reset(out);
	if (add_text(b, out, id) != 0)
		return "";
	while (out->len > 0 && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
	return buf_str(out);
}

static void
say(struct browse *b, const char *id)
{
	buf_reset(&b->msg);
	add_text(b, &b->msg, id);
}

/* ---- the browser ------------------------------------------------------------------ */

int
browse_new(char *const *files, size_t n, size_t cur, const struct menu_file *mf,
    struct browse **out, struct jk_err *err)
{
	struct browse *b;
	size_t i;

	*out = NULL;
	for (i = 0; browse_texts[i] != NULL; i++)
		if (menu_text(mf, browse_texts[i]) == NULL)
			return jk_errf(err, JK_EFORMAT, "menus/jrndump.yaml: no text '%s' (the browser shows it)",
			    browse_texts[i]);
	for (i = 0; browse_prompts[i] != NULL; i++)
		if (menu_prompt(mf, browse_prompts[i]) == NULL)
			return jk_errf(err, JK_EFORMAT, "menus/jrndump.yaml: no prompt '%s' (the browser asks it)",
			    browse_prompts[i]);
	if ((b = calloc(1, sizeof *b)) == NULL)
		goto nomem;
	b->mf = mf;
	b->rows = 24;
	b->cols = 80;
	jsel_init(&b->sel);
	if (n > 0 && ((b->files = calloc(n, sizeof *b->files)) == NULL ||
	    (b->frows = calloc(n, sizeof *b->frows)) == NULL))
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((b->files[i].path = strdup(files[i])) == NULL)
			goto nomem;
		jsel_file_init(&b->files[i].jf, b->files[i].path);
		b->files[i].prev = i > 0 ? i - 1 : NONE;
		b->files[i].next = i + 1 < n ? i + 1 : NONE;
		b->files[i].csn = -1;
		b->nfiles++;
		b->frows[b->nfrows++].file = i;
	}
	b->cur = cur < n ? cur : 0;
	*out = b;
	return 0;
nomem:
	browse_free(b);
	return jk_errf(err, JK_ENOMEM, "out of memory");
}

/* ---- a cluster's list ------------------------------------------------------------- */

struct rowkey {
	uint64_t csi, seq;
	size_t file;
};

static int
by_session(const void *a, const void *b)
{
	const struct rowkey *x = a, *y = b;

	if (x->csi != y->csi)
		return x->csi < y->csi ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->file < y->file ? -1 : x->file > y->file;
}

/* The row of file fi (0 when it has none). */
static size_t
row_of(const struct browse *b, size_t fi)
{
	size_t i;

	for (i = 0; i < b->nfrows; i++)
		if (!b->frows[i].session && b->frows[i].file == fi)
			return i;
	return 0;
}

/*
 * The rows of a cluster's list, made anew: the files by session, in a
 * session by first sequence number, then in the log's order; a heading
 * before each session's files.  The cursor stays on its file.
 */
static int
clu_rows(struct browse *b)
{
	size_t i, n = 0, at = b->nfrows > 0 ? b->frows[b->cur].file : NONE;
	struct rowkey *k = NULL;
	struct frow *r = NULL;

	if (b->nfiles > 0 && ((k = calloc(b->nfiles, sizeof *k)) == NULL ||
	    (r = calloc(2 * b->nfiles, sizeof *r)) == NULL)) {
		free(k);
		return JK_ENOMEM;
	}
	for (i = 0; i < b->nfiles; i++)
		k[i] = (struct rowkey){ b->files[i].csi, b->files[i].first_seq, i };
	if (b->nfiles > 1)
		qsort(k, b->nfiles, sizeof *k, by_session);
	for (i = 0; i < b->nfiles; i++) {
		if (i == 0 || k[i].csi != k[i - 1].csi)
			r[n++] = (struct frow){ .session = true, .csi = k[i].csi };
		r[n++] = (struct frow){ .file = k[i].file };
	}
	free(k);
	free(b->frows);
	b->frows = r;
	b->nfrows = n;
	b->cur = at != NONE ? row_of(b, at) : 0;
	return 0;
}

int
browse_new_cluster(const struct clu_files *fs, int csn, const struct menu_file *mf,
    struct browse **out, struct jk_err *err)
{
	size_t last[CLU_MAX_MEMBERS], i;
	struct browse *b;
	char **paths = NULL;
	int rc;

	*out = NULL;
	if (fs->n > 0 && (paths = calloc(fs->n, sizeof *paths)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	for (i = 0; i < fs->n; i++)
		paths[i] = fs->f[i].path;
	rc = browse_new(paths, fs->n, 0, mf, &b, err);
	free(paths);
	if (rc != 0)
		return rc;
	b->cluster = true;
	for (i = 0; i < CLU_MAX_MEMBERS; i++)
		last[i] = NONE;
	/* each member's files are a chain, in the log's order */
	for (i = 0; i < fs->n; i++) {
		const struct clu_file *cf = &fs->f[i];
		struct bfile *f = &b->files[i];

		f->csn = cf->csn;
		f->csi = cf->csi;
		f->first_seq = cf->first_seq;
		f->last_seq = cf->last_seq;
		f->gone = !cf->exists;
		f->explicit_start = cf->explicit_start;
		f->prev = f->next = NONE;
		if (cf->csn >= 0 && cf->csn < CLU_MAX_MEMBERS) {
			if ((f->prev = last[cf->csn]) != NONE)
				b->files[f->prev].next = i;
			last[cf->csn] = i;
		}
	}
	if (clu_rows(b) != 0) {
		browse_free(b);
		return jk_errf(err, JK_ENOMEM, "out of memory");
	}
	/* the cursor on this member's current file: the last it began */
	if (csn >= 0 && csn < CLU_MAX_MEMBERS && last[csn] != NONE)
		b->cur = row_of(b, last[csn]);
	else
		b->cur = b->nfrows > 0 ? b->nfrows - 1 : 0;
	*out = b;
	return 0;
}

/*
 * A file not in the cluster's log joins its list (G, or jrndump FILE): its
 * member and session from its header, its sequence numbers read as
 * clu_files reads them; it is a chain of its own.
 */
static int
clu_probe(struct bfile *f)
{
	struct clu_log l;
	struct clu_files one;
	struct jk_err err;
	int rc;

	clu_log_init(&l);
	clu_files_init(&one);
	jk_err_clear(&err);
	if ((rc = clu_log_add(&l, 0, f->path, &err)) == 0 &&
	    (rc = clu_files_of(&l, NULL, &one, &err)) == 0) {
		f->csi = one.f[0].csi;
		f->first_seq = one.f[0].first_seq;
		f->last_seq = one.f[0].last_seq;
		f->gone = !one.f[0].exists;
		f->explicit_start = one.f[0].explicit_start;
	}
	clu_files_release(&one);
	clu_log_release(&l);
	file_hdr(f);
	f->csn = f->have_hdr && f->hdr.csi != 0 ? (int)f->hdr.csn : -1;
	return rc;
}

void
browse_free(struct browse *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nfiles; i++) {
		file_close(&b->files[i]);
		jsel_file_release(&b->files[i].jf);
		free(b->files[i].path);
		free(b->files[i].msg);
		free(b->files[i].next_path);
	}
	free(b->files);
	free(b->frows);
	free(b->lines);
	jsel_release(&b->sel);
	buf_release(&b->ptext);
	buf_release(&b->helpbuf);
	buf_release(&b->msg);
	buf_release(&b->tmp);
	buf_release(&b->tmp2);
	buf_release(&b->vars);
	free(b);
}

void
browse_size(struct browse *b, int rows, int cols)
{
	if (rows < 10)
		rows = 10;
	if (cols < 40)
		cols = 40;
	if (rows != b->rows || cols != b->cols)
		b->laid_out = false;
	b->rows = rows;
	b->cols = cols;
}

const char *
browse_help(const struct browse *b)
{
	return b->help;
}

/* Records per page: the screen less the title, select, heads (4), message, footer and bar (3). */
static size_t
page_rows(const struct browse *b)
{
	return (size_t)(b->rows - 7);
}

/* Lay the page out from b->top. */
static int
fill_page(struct browse *b)
{
	size_t n = page_rows(b), prev_fi = b->top.fi;
	struct pos p = b->top, at;

	at = p;
	struct jrn_rec r;
	int rc = 0;

	free(b->lines);
	if ((b->lines = calloc(n, sizeof *b->lines)) == NULL)
		return JK_ENOMEM;
	b->nlines = 0;
	buf_reset(&b->ptext);
	while (b->nlines < n) {
		if ((rc = next_match(b, &p, &r)) != 0)
			break;
		/* p is in the file the record came from: the stream may have crossed into it */
		at = (struct pos){ p.fi, r.offset };
		if (b->nlines == 0) {
			b->top = at;	/* the first record at or after top */
			prev_fi = at.fi;
		}
		if (at.fi != prev_fi) {
			struct pline *l = &b->lines[b->nlines++];

			l->divider = true;
			l->at = (struct pos){ at.fi, 0 };
			l->text = b->ptext.len;
			if (var_set(b, "file", "%s", b->files[at.fi].path) != 0 ||
			    buf_adds(&b->ptext, word(b, "recs_next_file", &b->tmp)) != 0 ||
			    buf_addc(&b->ptext, '\0') != 0)
				return JK_ENOMEM;
			buf_reset(&b->vars);
			prev_fi = at.fi;
			if (b->nlines == n) {
				p = at;
				break;
			}
		}
		b->lines[b->nlines].divider = false;
		b->lines[b->nlines].at = at;
		b->lines[b->nlines].text = b->ptext.len;
		if (rec_line(b, &b->files[at.fi], &r, &b->ptext) != 0 || buf_addc(&b->ptext, '\0') != 0)
			return JK_ENOMEM;
		b->nlines++;
	}
	if (rc < 0)
		return rc;
	if (b->nlines == 0 && rc > 0) {
		/* nothing at or after top: an empty page at the end */
		b->top = p;
	}
	b->after = p;
	if (b->hl >= b->nlines)
		b->hl = b->nlines > 0 ? b->nlines - 1 : 0;
	while (b->hl > 0 && b->lines[b->hl].divider)
		b->hl--;
	if (b->nlines > 0 && b->lines[b->hl].divider && b->hl + 1 < b->nlines)
		b->hl++;
	b->laid_out = true;
	trim_readers(b);
	return 0;
}

/* The page whose first record is at or after p. */
static int
page_at(struct browse *b, struct pos p, size_t hl)
{
	b->top = p;
	b->hl = hl;
	return fill_page(b);
}

/* Back k matching records from p; whether any was found. */
static int
back_records(struct browse *b, struct pos *p, size_t k, size_t *got)
{
	struct jrn_rec r;
	int rc = 0;

	*got = 0;
	while (*got < k && (rc = prev_match(b, p, &r)) == 0)
		(*got)++;
	return rc < 0 ? rc : 0;
}

/* The last page of file fi's records (and those before it). */
static int
page_end_of(struct browse *b, size_t fi)
{
	struct pos p;
	size_t got;
	int rc;

	if ((rc = file_tail(&b->files[fi])) == JK_ENOMEM)
		return rc;
	p = (struct pos){ fi, b->files[fi].end };
	if ((rc = back_records(b, &p, page_rows(b), &got)) != 0)
		return rc;
	return page_at(b, p, got > 0 ? got - 1 : 0);
}

int
browse_examine(struct browse *b)
{
	if (b->nfrows == 0)
		return 0;
	b->view = V_RECS;
	return page_at(b, (struct pos){ b->frows[b->cur].file, 0 }, 0);
}

/* ---- rendering ------------------------------------------------------------------------ */

/* Append s as one screen line: cut at cols, and a newline. */
static int
put_line(struct browse *b, struct buf *out, const char *s, size_t n)
{
	if (n > (size_t)b->cols)
		n = (size_t)b->cols;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (buf_add(out, s, n) != 0 || buf_addc(out, '\n') != 0)
		return JK_ENOMEM;
	return 0;
}

/* Append text (lines) cut to the screen width. */
static int
put_lines(struct browse *b, struct buf *out, const char *text)
{
	const char *nl;
	int rc = 0;

	while (rc == 0 && *text != '\0') {
		nl = strchr(text, '\n');
		rc = put_line(b, out, text, nl != NULL ? (size_t)(nl - text) : strlen(text));
		if (nl == NULL)
			break;
		text = nl + 1;
	}
	return rc;
}

static size_t
count_lines(const struct buf *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->len; i++)
		n += s->data[i] == '\n';
	return n;
}

/* Blank lines until the screen has lines lines. */
static int
pad_to(struct browse *b, struct buf *screen, size_t lines)
{
	(void)b;
	while (count_lines(screen) < lines)
		if (buf_addc(screen, '\n') != 0)
			return JK_ENOMEM;
	return 0;
}

/* The name and "directory & prefix" of a journal path: 20261120.002 and /srv/jrn/journal/. */
static void
split_name(const char *path, const char **name, size_t *dirlen)
{
	const char *base = strrchr(path, '/');
	size_t bl;

	base = base != NULL ? base + 1 : path;
	bl = strlen(base);
	/* [prefix]YYYYMMDD.NNN: the prefix goes with the directory */
	if (bl > 12 && base[bl - 4] == '.')
		base += bl - 12;
	*name = base;
	*dirlen = (size_t)(base - path);
}

/* The widths of a cluster list's FirstSeq and LastSeq: as the spec's, wider for wider numbers. */
static void
seq_widths(const struct browse *b, int *wf, int *wl)
{
	uint64_t mf = 0, ml = 0;
	size_t i;
	int n;

	for (i = 0; i < b->nfiles; i++) {
		mf = b->files[i].first_seq > mf ? b->files[i].first_seq : mf;
		ml = b->files[i].last_seq > ml ? b->files[i].last_seq : ml;
	}
	*wf = (n = snprintf(NULL, 0, "%" PRIu64, mf)) > 4 ? n : 4;
	*wl = (n = snprintf(NULL, 0, "%" PRIu64, ml)) > 10 ? n : 10;
}

/*
 * Row i of a cluster's list, appended to out: a session's heading, or
 * a file: FirstSeq, LastSeq, D (gone) or * (begun by an explicit start),
 * the path indented one space per member number.
 */
static int
clu_row(struct browse *b, size_t i, int wf, int wl, struct buf *out)
{
	const struct frow *r = &b->frows[i];
	const struct bfile *f = &b->files[r->file];
	char flag[16], t[32];
	time_t sec;
	struct tm tm;

	if (r->session) {
		if (r->csi == 0)
			return buf_adds(out, word(b, "clu_session_unknown", &b->tmp));
		sec = (time_t)(r->csi / 1000000);
		if (localtime_r(&sec, &tm) == NULL)
			memset(&tm, 0, sizeof tm);
		strftime(t, sizeof t, "%Y%m%d %H:%M:%S", &tm);
		buf_reset(&b->vars);
		if (var_set(b, "time", "%s", t) != 0)
			return JK_ENOMEM;
		return buf_adds(out, word(b, "clu_session", &b->tmp));
	}
	snprintf(flag, sizeof flag, "%s", f->gone ? word(b, "clu_gone", &b->tmp) :
	    f->explicit_start ? word(b, "clu_start", &b->tmp) : "");
	return buf_addf(out, "%c%*" PRIu64 " %*" PRIu64 " %-1s %*s%s", i == b->cur ? '>' : ' ',
	    wf, f->first_seq, wl, f->last_seq, flag, f->csn > 0 ? f->csn : 0, "", f->path);
}

static int
render_files(struct browse *b, struct buf *s, int *hl)
{
	size_t n = (size_t)b->rows - 5, i, dl;
	const char *name, *flag;
	char jrnstart[64], missing[64];
	int rc = add_text(b, s, b->cluster ? "clu_head" : "files_head"), wf = 0, wl = 0;

	snprintf(jrnstart, sizeof jrnstart, "%s", word(b, "files_jrnstart", &b->tmp));
	snprintf(missing, sizeof missing, "%s", word(b, "files_missing", &b->tmp));
	if (b->nfrows == 0)
		rc = rc != 0 ? rc : add_text(b, s, b->cluster ? "clu_none" : "files_none");
	if (b->cur < b->ftop)
		b->ftop = b->cur;
	if (b->cur >= b->ftop + n)
		b->ftop = b->cur - n + 1;
	/* a session's first file shows under its heading */
	if (b->cur == b->ftop && b->ftop > 0 && b->frows[b->ftop - 1].session)
		b->ftop--;
	if (b->cluster)
		seq_widths(b, &wf, &wl);
	for (i = b->ftop; rc == 0 && i < b->nfrows && i < b->ftop + n; i++) {
		struct bfile *f = &b->files[b->frows[i].file];

		buf_reset(&b->tmp2);
		if (b->cluster)
			rc = clu_row(b, i, wf, wl, &b->tmp2);
		else {
			file_hdr(f);
			split_name(f->path, &name, &dl);
			flag = !f->have_hdr ? missing : (f->hdr.flags & 1) ? jrnstart : "";
			rc = buf_addf(&b->tmp2, "%c  %-12s %-10s %.*s", i == b->cur ? '>' : ' ', name, flag,
			    (int)dl, f->path);
		}
		if (rc == 0)
			rc = put_line(b, s, buf_str(&b->tmp2), b->tmp2.len);
		if (i == b->cur)
			*hl = (int)count_lines(s) - 1;
	}
	if (rc == 0)
		rc = pad_to(b, s, (size_t)b->rows - 2);
	if (rc == 0)
		rc = put_lines(b, s, b->msg.len > 0 ? buf_str(&b->msg) : "\n");
	return rc;
}

static const char *
id_hex(uint64_t id, char *t, size_t n)
{
	snprintf(t, n, "%016" PRIx64, id);
	return t;
}

static int
render_info(struct browse *b, struct buf *s)
{
	struct bfile *f = &b->files[b->ifile];
	char t[32], u[32], v[32];
	int rc = 0;

	buf_reset(&b->vars);
	file_scan(f);
	rc = var_set(b, "file", "%s", f->path);
	if (f->have_hdr) {
		const struct jrn_hdr *h = &f->hdr;
		const char *none = menu_text(b->mf, "info_none");

		jsel_time(h->created_us, 0, t);
		rc = rc || var_set(b, "file_id", "%s", id_hex(h->file_id, u, sizeof u)) ||
		    var_set(b, "max_size", "%" PRIu64, h->max_size) ||
		    var_set(b, "created", "%s", t) ||
		    var_set(b, "count", "%zu of %zu", b->ifile + 1, b->nfiles) ||
		    var_set(b, "records", "%" PRIu64, f->records) ||
		    var_set(b, "valid", "%" PRIu64, f->end);
		if (f->min_trans != 0)
			rc = rc || var_set(b, "min_trans", "%" PRIu64, f->min_trans);
		else
			rc = rc || var_set(b, "min_trans", "%s", none);
		if (h->prev_path[0] != '\0')
			rc = rc || var_set(b, "prev", "%s (id %s)", h->prev_path, id_hex(h->prev_id, u, sizeof u));
		else
			rc = rc || var_set(b, "prev", "%s", none);
		if (f->closed && f->next_path != NULL && f->next_path[0] != '\0')
			rc = rc || var_set(b, "next", "%s (id %s)", f->next_path, id_hex(f->next_id, v, sizeof v));
		else
			rc = rc || var_set(b, "next", "%s", word(b, f->closed ? "info_none" : "info_current", &b->tmp));
		if (h->csi != 0) {
			jsel_time(h->csi, 0, t);
			rc = rc || var_set(b, "csi", "%s", t) || var_set(b, "csn", "%" PRIu32, h->csn);
		} else
			rc = rc || var_set(b, "csi", "%s", none);
	}
	if (f->msg != NULL)
		rc = rc || var_set(b, "damage", "%s", f->msg);
	if (rc != 0)
		return JK_ENOMEM;
	rc = add_text(b, s, "info");
	if (rc == 0)
		rc = pad_to(b, s, (size_t)b->rows - 2);
	if (rc == 0)
		rc = put_lines(b, s, b->msg.len > 0 ? buf_str(&b->msg) : "\n");
	return rc;
}

static int
render_dbs(struct browse *b, struct buf *s)
{
	struct bfile *f = &b->files[b->ifile];
	uint32_t i;
	bool any = false;
	int rc;

	buf_reset(&b->vars);
	file_scan(f);
	if (var_set(b, "file", "%s", f->path) != 0)
		return JK_ENOMEM;
	rc = add_text(b, s, "dbs_head");
	for (i = 0; rc == 0 && i < f->jf.ndbs; i++) {
		if (f->jf.dbs[i] == NULL)
			continue;
		buf_reset(&b->tmp);
		rc = buf_addf(&b->tmp, "%5" PRIu32 "  %s", i, f->jf.dbs[i]);
		if (rc == 0)
			rc = put_line(b, s, buf_str(&b->tmp), b->tmp.len);
		any = true;
	}
	if (rc == 0 && !any)
		rc = add_text(b, s, "dbs_none");
	if (rc == 0)
		rc = pad_to(b, s, (size_t)b->rows - 2);
	if (rc == 0)
		rc = put_lines(b, s, b->msg.len > 0 ? buf_str(&b->msg) : "\n");
	return rc;
}

static int
render_recs(struct browse *b, struct buf *s, int *hl)
{
	struct bfile *f;
	size_t i;
	int rc;

	if (!b->laid_out && (rc = fill_page(b)) != 0)
		return rc;
	f = &b->files[b->top.fi];
	file_tail(f);
	buf_reset(&b->vars);
	rc = var_set(b, "file", "%s", f->path);
	if (rc == 0 && b->sel.any) {
		buf_reset(&b->tmp2);
		rc = jsel_describe(&b->sel, &b->tmp2);
		if (rc == 0)
			rc = var_set(b, "select", "%s", buf_str(&b->tmp2));
	}
	rc = rc != 0 ? rc : put_lines(b, s, word(b, "recs_journal", &b->tmp));
	if (rc == 0 && b->sel.any)
		rc = put_lines(b, s, word(b, "recs_select", &b->tmp));
	else if (rc == 0)
		rc = buf_addc(s, '\n');
	if (rc == 0)
		rc = add_text(b, s, "recs_head");
	if (rc == 0 && b->nlines == 0)
		rc = add_text(b, s, "recs_none");
	for (i = 0; rc == 0 && i < b->nlines; i++) {
		const char *t = (const char *)b->ptext.data + b->lines[i].text;

		if (i == b->hl && !b->lines[i].divider) {
			*hl = (int)count_lines(s);
			buf_reset(&b->tmp);
			rc = buf_adds(&b->tmp, t);
			if (rc == 0 && b->tmp.len > 0 && b->tmp.data[0] == ' ')
				b->tmp.data[0] = '>';
			if (rc == 0)
				rc = put_line(b, s, buf_str(&b->tmp), b->tmp.len);
		} else
			rc = put_line(b, s, t, strlen(t));
	}
	if (rc == 0)
		rc = pad_to(b, s, (size_t)b->rows - 3);
	/* the message line: what the last key said, else the file's damage */
	if (rc == 0) {
		if (b->msg.len > 0)
			rc = put_lines(b, s, buf_str(&b->msg));
		else if (f->msg != NULL)
			rc = put_lines(b, s, f->msg);
		else
			rc = buf_addc(s, '\n');
	}
	buf_reset(&b->vars);
	if (rc == 0)
		rc = var_set(b, "last", "%" PRIu64, f->last) ||
		    var_set(b, "max_size", "%" PRIu64, f->have_hdr ? f->hdr.max_size : 0);
	if (rc == 0)
		rc = put_lines(b, s, word(b, "recs_last", &b->tmp));
	return rc;
}

/* The values of one record for the detail text. */
static int
detail_vars(struct browse *b, const struct bfile *f, const struct jrn_rec *r)
{
	const char *tn = jrn_type_name(r->type);
	struct pos p;
	struct jrn_rec o;
	char t[32];
	int rc;

	buf_reset(&b->vars);
	jsel_time(r->time_us, 3, t);
	rc = var_set(b, "address", "%" PRIu64, r->offset) ||
	    var_set(b, "type", "%s", tn != NULL ? tn : "unknown") ||
	    var_set(b, "pid", "%" PRIu32, r->pid) || var_set(b, "time", "%s", t);
	if (jrn_type_is_update(r->type) || r->txid != 0)
		rc = rc || var_set(b, "in_tx", "%s", word(b, (r->flags & JRN_F_TX) || r->txid != 0 ?
		    "detail_yes" : "detail_no", &b->tmp));
	if (r->txid != 0)
		rc = rc || var_set(b, "txid", "%" PRIu64, r->txid);
	rc = rc || var_set(b, "seq", "%" PRIu64, r->seq);
	p = b->rec;
	if (read_back(b, &p, &o) == 0)
		rc = rc || var_set(b, "prev", "%" PRIu64, o.offset);
	p = b->rec;
	if (read_fwd(b, &p, &o) == 0 && read_fwd(b, &p, &o) == 0)
		rc = rc || var_set(b, "next", "%" PRIu64, o.offset);
	if (r->key != NULL) {
		buf_reset(&b->tmp2);
		rc = rc || buf_adds(&b->tmp2, "^[") ||
		    zwr_format_value_quoted(&b->tmp2, (const uint8_t *)rec_dir(f, r), strlen(rec_dir(f, r))) ||
		    buf_addc(&b->tmp2, ']') || gref_format(&b->tmp2, r->key, r->keylen, false) ||
		    var_set(b, "global", "%s", buf_str(&b->tmp2));
	}
	if (r->type == JRN_SET || r->type == JRN_INCR) {
		buf_reset(&b->tmp2);
		rc = rc || zwr_format_value(&b->tmp2, r->val, r->vallen) ||
		    var_set(b, "new", "%s", buf_str(&b->tmp2));
		if (r->type == JRN_INCR) {
			buf_reset(&b->tmp2);
			rc = rc || zwr_format_value(&b->tmp2, r->inc, r->inclen) ||
			    var_set(b, "increment", "%s", buf_str(&b->tmp2));
		}
		if (r->flags & JRN_F_OLD) {
			buf_reset(&b->tmp2);
			if (r->had_old)
				rc = rc || zwr_format_value(&b->tmp2, r->old, r->oldlen);
			else
				rc = rc || buf_adds(&b->tmp2, word(b, "detail_undef", &b->tmp));
			rc = rc || var_set(b, "old", "%s", buf_str(&b->tmp2));
		}
	}
	if (jrn_type_is_update(r->type) && r->type != JRN_SET && r->type != JRN_INCR &&
	    (r->flags & JRN_F_OLD)) {
		const uint8_t *k, *v;
		uint16_t kn;
		uint32_t vn, at = 0;

		rc = rc || var_set(b, "removed", "%" PRIu32, r->nold);
		/* the first node removed, as ZWR; the count says whether there were more */
		buf_reset(&b->tmp2);
		if (jrn_old_next(r, &at, &k, &kn, &v, &vn) == 0)
			rc = rc || zwr_format_line(&b->tmp2, k, kn, v, vn) ||
			    (r->nold > 1 && buf_addf(&b->tmp2, " ...") != 0) ||
			    var_set(b, "old", "%s", buf_str(&b->tmp2));
	}
	switch (r->type) {
	case JRN_MARKER:
		buf_reset(&b->tmp2);
		rc = rc || var_set(b, "marker_id", "%" PRId64, r->marker_id) ||
		    buf_add(&b->tmp2, r->val, r->vallen) ||
		    var_set(b, "marker_text", "%s", buf_str(&b->tmp2)) ||
		    var_set(b, "marker_seq", "%" PRIu64, r->marker_seq) ||
		    var_set(b, "prev_marker", "%" PRIu64, r->prev_marker);
		break;
	case JRN_TBEGIN:
	case JRN_TROLLBACK:
		rc = rc || var_set(b, "level", "%u", r->tlevel);
		break;
	case JRN_TCOMMIT:
		rc = rc || var_set(b, "level", "%u", r->tlevel) || var_set(b, "updates", "%" PRIu32, r->count);
		break;
	case JRN_DBMAP:
		rc = rc || var_set(b, "dbnum", "%" PRIu32, r->dbnum) ||
		    var_set(b, "dir", "%.*s", (int)r->vallen, (const char *)r->val);
		break;
	case JRN_JEND:
		rc = rc || var_set(b, "next_file", "%.*s", (int)r->vallen, (const char *)r->val);
		break;
	case JRN_CHECKPOINT:
		buf_reset(&b->tmp2);
		rc = rc || jsel_gv(&b->tmp2, &f->jf, r) || var_set(b, "dbs", "%s", buf_str(&b->tmp2));
		break;
	case JRN_BACKUP:
		rc = rc || var_set(b, "backup", "%.*s", (int)r->vallen, (const char *)r->val);
		break;
	default:
		break;
	}
	if (r->dbnum != 0 && r->type != JRN_DBMAP && r->key == NULL)
		rc = rc || var_set(b, "dbnum", "%" PRIu32, r->dbnum);
	return rc != 0 ? JK_ENOMEM : 0;
}

static int
render_rec(struct browse *b, struct buf *s)
{
	struct jrn_rec r;
	struct bfile *f = &b->files[b->rec.fi];
	int rc;

	if ((rc = read_at(b, b->rec, &r)) != 0)
		return rc < 0 ? rc : 0;
	if ((rc = detail_vars(b, f, &r)) != 0)
		return rc;
	rc = add_text(b, s, "detail");
	if (rc == 0)
		rc = pad_to(b, s, (size_t)b->rows - 2);
	if (rc == 0)
		rc = put_lines(b, s, b->msg.len > 0 ? buf_str(&b->msg) : "\n");
	return rc;
}

int
browse_render(struct browse *b, struct buf *screen, int *hl, struct buf *bar)
{
	static const char *const keys[] = {
		[V_FILES] = "files_keys", [V_INFO] = "info_keys", [V_DBS] = "dbs_keys",
		[V_RECS] = "recs_keys", [V_REC] = "detail_keys",
	};
	size_t n;
	int rc = 0;

	buf_reset(screen);
	buf_reset(bar);
	*hl = -1;
	if (b->help != NULL) {
		rc = put_lines(b, screen, b->help);
		if (rc == 0)
			rc = pad_to(b, screen, (size_t)b->rows - 1);
		if (rc == 0)
			rc = buf_adds(bar, word(b, "help_more", &b->tmp));
		return rc != 0 ? JK_ENOMEM : 0;
	}
	switch (b->view) {
	case V_FILES: rc = render_files(b, screen, hl); break;
	case V_INFO: rc = render_info(b, screen); break;
	case V_DBS: rc = render_dbs(b, screen); break;
	case V_RECS: rc = render_recs(b, screen, hl); break;
	case V_REC: rc = render_rec(b, screen); break;
	}
	if (rc != 0)
		return rc;
	/* exactly rows-1 lines: a long message or help must not push the bar off */
	n = count_lines(screen);
	while (n > (size_t)b->rows - 1) {
		char *last = strrchr((char *)screen->data, '\n');

		*last = '\0';
		screen->len = (size_t)(last - (char *)screen->data);
		last = strrchr((char *)screen->data, '\n');
		screen->len = last != NULL ? (size_t)(last - (char *)screen->data) + 1 : 0;
		screen->data[screen->len] = '\0';
		n--;
	}
	if (pad_to(b, screen, (size_t)b->rows - 1) != 0)
		return JK_ENOMEM;
	if (b->asking != A_NONE) {
		static const char *const ids[] = {
			[A_FILE] = "goto_file", [A_ADDRESS] = "goto_address", [A_FIND] = "find",
			[A_SELECT] = "select", [A_TIME] = "time",
		};
		const struct ui_prompt *p = menu_prompt(b->mf, ids[b->asking]);

		return buf_adds(bar, p->text) != 0 ? JK_ENOMEM : 0;
	}
	return buf_adds(bar, word(b, b->cluster && b->view == V_FILES ? "clu_keys" : keys[b->view],
	    &b->tmp)) != 0 ? JK_ENOMEM : 0;
}

/* ---- keys ------------------------------------------------------------------------------ */

static int
ask(struct browse *b, enum ask a, const struct ui_prompt **prompt)
{
	static const char *const ids[] = {
		[A_FILE] = "goto_file", [A_ADDRESS] = "goto_address", [A_FIND] = "find",
		[A_SELECT] = "select", [A_TIME] = "time",
	};

	b->asking = a;
	*prompt = menu_prompt(b->mf, ids[a]);
	return BROWSE_ASK;
}

static void
show_help(struct browse *b, const char *id)
{
	buf_reset(&b->helpbuf);
	add_text(b, &b->helpbuf, id);
	b->help = buf_str(&b->helpbuf);
}

/* The cursor off a session's heading: onto the file below it (a heading always has one). */
static void
cur_on_file(struct browse *b)
{
	while (b->cur + 1 < b->nfrows && b->frows[b->cur].session)
		b->cur++;
}

static int
key_files(struct browse *b, int key, const struct ui_prompt **prompt)
{
	size_t page = (size_t)b->rows - 5, i;

	switch (key) {
	case 'D': case BK_PGDN:
		if (b->cur + 1 < b->nfrows) {
			b->cur = b->cur + page < b->nfrows ? b->cur + page : b->nfrows - 1;
			b->ftop = b->ftop + page < b->nfrows ? b->ftop + page : b->ftop;
		}
		cur_on_file(b);
		return 0;
	case 'U': case BK_PGUP:
		b->cur = b->cur > page ? b->cur - page : 0;
		b->ftop = b->ftop > page ? b->ftop - page : 0;
		cur_on_file(b);
		return 0;
	case 'N': case BK_DOWN:
		for (i = b->cur + 1; i < b->nfrows && b->frows[i].session; i++)
			;
		if (i < b->nfrows)
			b->cur = i;
		return 0;
	case 'P': case BK_UP:
		for (i = b->cur; i > 0 && b->frows[i - 1].session; i--)
			;
		if (i > 0)
			b->cur = i - 1;
		return 0;
	case 'G':
		return ask(b, A_FILE, prompt);
	case 'E': case BK_ENTER:
		/* a cluster's file that is gone (D): why, rather than the member's next file */
		if (b->cluster && b->nfrows > 0 && file_ready(&b->files[b->frows[b->cur].file]) != 0) {
			buf_reset(&b->msg);
			return buf_adds(&b->msg, b->files[b->frows[b->cur].file].msg) != 0 ? JK_ENOMEM : 0;
		}
		return browse_examine(b);
	case 'I':
		if (b->nfrows > 0) {
			b->ifile = b->frows[b->cur].file;
			b->view = V_INFO;
		}
		return 0;
	case 'Q':
		return BROWSE_QUIT;
	}
	say(b, "bad_key");
	return 0;
}

/* The page after the current one. */
static int
next_page(struct browse *b)
{
	struct pos p = b->after;
	struct jrn_rec r;
	int rc;

	if ((rc = next_match(b, &p, &r)) != 0) {
		if (rc > 0)
			say(b, "no_more");
		return rc < 0 ? rc : 0;
	}
	return page_at(b, b->after, 0);
}

static int
prev_page(struct browse *b, size_t hl)
{
	struct pos p = b->top;
	size_t got;
	int rc;

	if ((rc = back_records(b, &p, page_rows(b), &got)) != 0)
		return rc;
	if (got == 0) {
		say(b, "at_start");
		return 0;
	}
	return page_at(b, p, hl == SIZE_MAX ? got - 1 : hl);
}

static int
key_recs(struct browse *b, int key, const struct ui_prompt **prompt)
{
	switch (key) {
	case 'N': case BK_PGDN:
		return next_page(b);
	case 'P': case BK_PGUP:
		return prev_page(b, 0);
	case BK_DOWN:
		if (b->hl + 1 < b->nlines) {
			b->hl++;
			if (b->lines[b->hl].divider && b->hl + 1 < b->nlines)
				b->hl++;
			return 0;
		}
		return next_page(b);
	case BK_UP:
		if (b->hl > 0 && !(b->hl == 1 && b->lines[0].divider)) {
			b->hl--;
			if (b->lines[b->hl].divider && b->hl > 0)
				b->hl--;
			return 0;
		}
		return prev_page(b, SIZE_MAX);
	case 'G':
		return ask(b, A_ADDRESS, prompt);
	case 'F':
		return ask(b, A_FIND, prompt);
	case 'S':
		return ask(b, A_SELECT, prompt);
	case 'T':
		return ask(b, A_TIME, prompt);
	case 'E': case BK_ENTER:
		if (b->nlines > 0 && !b->lines[b->hl].divider) {
			b->rec = b->lines[b->hl].at;
			b->view = V_REC;
		}
		return 0;
	case 'Q':
		b->view = V_FILES;
		return 0;
	}
	say(b, "bad_key");
	return 0;
}

static int
key_rec(struct browse *b, int key)
{
	struct pos p = b->rec;
	struct jrn_rec r;
	size_t i;
	int rc;

	switch (key) {
	case 'N': case BK_DOWN: case BK_PGDN:
		if ((rc = next_match(b, &p, &r)) == 0 && (rc = next_match(b, &p, &r)) == 0)
			b->rec = (struct pos){ p.fi, r.offset };
		else if (rc > 0)
			say(b, "no_more");
		return rc < 0 ? rc : 0;
	case 'P': case BK_UP: case BK_PGUP:
		if ((rc = prev_match(b, &p, &r)) == 0)
			b->rec = p;
		else if (rc > 0)
			say(b, "at_start");
		return rc < 0 ? rc : 0;
	case 'Q':
		b->view = V_RECS;
		/* back to the page, which shows this record selected */
		for (i = 0; i < b->nlines; i++)
			if (!b->lines[i].divider && b->lines[i].at.fi == b->rec.fi &&
			    b->lines[i].at.off == b->rec.off) {
				b->hl = i;
				return 0;
			}
		return page_at(b, b->rec, 0);
	}
	say(b, "bad_key");
	return 0;
}

int
browse_key(struct browse *b, int key, const struct ui_prompt **prompt)
{
	int rc;

	if (key >= 'a' && key <= 'z')
		key -= 'a' - 'A';
	buf_reset(&b->msg);
	if (b->help != NULL) {
		/* any key closes the help */
		b->help = NULL;
		return 0;
	}
	if (key == '?' || key == 'H') {
		static const char *const ids[] = {
			[V_FILES] = "files_help", [V_INFO] = "info_help", [V_DBS] = "info_help",
			[V_RECS] = "recs_help", [V_REC] = "detail_help",
		};

		show_help(b, b->cluster && b->view == V_FILES ? "clu_help" : ids[b->view]);
		return 0;
	}
	switch (b->view) {
	case V_FILES:
		rc = key_files(b, key, prompt);
		break;
	case V_INFO:
		if (key == 'D')
			b->view = V_DBS;
		else if (key == 'Q')
			b->view = V_FILES;
		else
			say(b, "bad_key");
		rc = 0;
		break;
	case V_DBS:
		if (key == 'Q')
			b->view = V_INFO;
		else
			say(b, "bad_key");
		rc = 0;
		break;
	case V_RECS:
		rc = key_recs(b, key, prompt);
		break;
	case V_REC:
		rc = key_rec(b, key);
		break;
	default:
		rc = 0;
	}
	return rc;
}

/* ---- answers --------------------------------------------------------------------------- */

/* The row of the file at path (the same path, or the same file by another), or NONE. */
static size_t
find_row(const struct browse *b, const char *path)
{
	char rp[PATH_MAX], rq[PATH_MAX];
	bool real = realpath(path, rq) != NULL;
	size_t i;

	for (i = 0; i < b->nfrows; i++) {
		const char *p = b->files[b->frows[i].file].path;

		if (!b->frows[i].session && (strcmp(p, path) == 0 ||
		    (real && realpath(p, rp) != NULL && strcmp(rp, rq) == 0)))
			return i;
	}
	return NONE;
}

/*
 * Any path joins the list: for one instance at its end, the stream going
 * on into it from the last file; in a cluster's, in its session.  *row
 * gets its row.
 */
static int
append_file(struct browse *b, const char *path, size_t *row)
{
	struct bfile *nf, *f;
	struct frow *nr;
	size_t i;

	if ((nf = realloc(b->files, (b->nfiles + 1) * sizeof *nf)) == NULL)
		return JK_ENOMEM;
	b->files = nf;
	if ((nr = realloc(b->frows, (b->nfrows + 1) * sizeof *nr)) == NULL)
		return JK_ENOMEM;
	b->frows = nr;
	f = &b->files[b->nfiles];
	memset(f, 0, sizeof *f);
	if ((f->path = strdup(path)) == NULL)
		return JK_ENOMEM;
	/* the jsel_files name their path: the array moved */
	for (i = 0; i < b->nfiles; i++)
		b->files[i].jf.path = b->files[i].path;
	jsel_file_init(&f->jf, f->path);
	f->next = NONE;
	f->prev = b->cluster || b->nfiles == 0 ? NONE : b->nfiles - 1;
	if (f->prev != NONE)
		b->files[f->prev].next = b->nfiles;
	f->csn = -1;
	b->nfiles++;
	if (!b->cluster) {
		b->frows[b->nfrows++] = (struct frow){ .file = b->nfiles - 1 };
		*row = b->nfrows - 1;
		return 0;
	}
	if (clu_probe(f) == JK_ENOMEM || clu_rows(b) != 0)
		return JK_ENOMEM;
	*row = row_of(b, b->nfiles - 1);
	return 0;
}

static int
answer_file(struct browse *b, const char *text)
{
	size_t i;
	int rc;

	if ((i = find_row(b, text)) == NONE && (rc = append_file(b, text, &i)) != 0)
		return rc;
	b->cur = i;
	file_ready(&b->files[b->frows[i].file]);
	if (b->files[b->frows[i].file].open_rc != 0) {
		buf_reset(&b->msg);
		buf_adds(&b->msg, b->files[b->frows[i].file].msg);
		return 0;
	}
	return browse_examine(b);
}

int
browse_goto(struct browse *b, const char *path)
{
	return answer_file(b, path);
}

static int
answer_address(struct browse *b, const char *text)
{
	struct bfile *f;
	size_t fi = b->nlines > 0 ? b->lines[b->hl].at.fi : b->top.fi;
	uint64_t off;
	char *end;
	int rc;

	f = &b->files[fi];
	if (strcmp(text, "-1") == 0)
		return page_end_of(b, fi);
	off = strtoull(text, &end, 10);
	if (*text < '0' || *text > '9' || *end != '\0') {
		say(b, "bad_address");
		return 0;
	}
	if ((rc = file_tail(f)) != 0)
		return rc == JK_ENOMEM ? rc : 0;
	if (off >= f->end)
		return page_end_of(b, fi);
	/* not exact: the first record at or after it, found by its checksum */
	if (off > f->first)
		jrn_reader_seek(f->rd, off);
	else
		jrn_reader_seek(f->rd, 0);
	return page_at(b, (struct pos){ fi, jrn_reader_tell(f->rd) }, 0);
}

static int
answer_find(struct browse *b, const char *text)
{
	struct pos p = b->nlines > 0 ? b->lines[b->hl].at : b->top;
	struct jrn_rec r;
	const char *what;
	int rc;

	if (b->nlines > 0 && !b->lines[b->hl].divider && (rc = read_fwd(b, &p, &r)) != 0)
		return rc < 0 ? rc : 0;
	/* the page shows references without their ^ */
	what = *text == '^' ? text + 1 : text;
	while ((rc = next_match(b, &p, &r)) == 0) {
		if ((rc = rec_text(b, &b->files[p.fi], &r, &b->tmp2)) != 0)
			return rc;
		if (strstr(buf_str(&b->tmp2), what) != NULL)
			return page_at(b, (struct pos){ p.fi, r.offset }, 0);
	}
	if (rc < 0)
		return rc;
	buf_reset(&b->vars);
	if (var_set(b, "text", "%s", text) != 0)
		return JK_ENOMEM;
	say(b, "not_found");
	return 0;
}

static int
answer_select(struct browse *b, const char *text)
{
	struct jsel s;
	struct jk_err err;
	int rc;

	jsel_init(&s);
	jk_err_clear(&err);
	if ((rc = jsel_parse(&s, text, &err)) != 0) {
		jsel_release(&s);
		if (rc == JK_ENOMEM)
			return rc;
		buf_reset(&b->msg);
		return buf_adds(&b->msg, err.msg) != 0 ? JK_ENOMEM : 0;
	}
	jsel_release(&b->sel);
	b->sel = s;
	return page_at(b, b->top, 0);
}

static int
answer_time(struct browse *b, const char *text)
{
	struct jk_err err;
	struct jrn_rec r;
	struct pos p;
	uint64_t t;
	size_t i, from;
	int rc;

	jk_err_clear(&err);
	if (jsel_parse_time(text, &t, &err) != 0) {
		buf_reset(&b->msg);
		return buf_adds(&b->msg, err.msg) != 0 ? JK_ENOMEM : 0;
	}
	/* the last file of the chain shown created at or before t; a chain is in time order */
	for (from = b->top.fi; b->files[from].prev != NONE; from = b->files[from].prev)
		;
	for (i = from; i != NONE; i = b->files[i].next) {
		file_hdr(&b->files[i]);
		if (b->files[i].have_hdr && b->files[i].hdr.created_us <= t)
			from = i;
	}
	p = (struct pos){ from, 0 };
	while ((rc = next_match(b, &p, &r)) == 0)
		if (r.time_us >= t)
			return page_at(b, (struct pos){ p.fi, r.offset }, 0);
	if (rc < 0)
		return rc;
	say(b, "no_more");
	return 0;
}

int
browse_answer(struct browse *b, const char *text, const struct ui_prompt **prompt)
{
	enum ask a = b->asking;
	size_t n;

	b->help = NULL;
	buf_reset(&b->msg);
	if (text != NULL && strcmp(text, "?") == 0) {
		*prompt = menu_prompt(b->mf, ((const char *const[]){ NULL, "goto_file", "goto_address",
		    "find", "select", "time" })[a]);
		buf_reset(&b->helpbuf);
		buf_adds(&b->helpbuf, (*prompt)->help != NULL ? (*prompt)->help : "");
		b->help = buf_str(&b->helpbuf);
		return BROWSE_ASK;
	}
	b->asking = A_NONE;
	if (text == NULL)
		return 0;
	while (*text == ' ')
		text++;
	n = strlen(text);
	while (n > 0 && text[n - 1] == ' ')
		n--;
	buf_reset(&b->tmp);
	if (buf_add(&b->tmp, text, n) != 0)
		return JK_ENOMEM;
	{
		char *t = strdup(buf_str(&b->tmp));
		int rc;

		if (t == NULL)
			return JK_ENOMEM;
		switch (a) {
		case A_FILE: rc = n > 0 ? answer_file(b, t) : 0; break;
		case A_ADDRESS: rc = n > 0 ? answer_address(b, t) : 0; break;
		case A_FIND: rc = n > 0 ? answer_find(b, t) : 0; break;
		case A_SELECT: rc = answer_select(b, t); break;
		case A_TIME: rc = n > 0 ? answer_time(b, t) : 0; break;
		default: rc = 0;
		}
		free(t);
		return rc;
	}
}
