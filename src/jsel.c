/*
 * jsel.c - the record filter, the record formats and the counters of
 * jsel.h.
 *
 * Speed matters here: jrndump --select and --stats go through every record
 * of journals of gigabytes.  So the text line is built with byte copies and
 * a hand-written number writer (no printf per field), the local time is
 * worked out once a second, and the counters keep the last row each
 * breakdown hit, which for a journal's long runs of one global, one process
 * and one database is nearly always the next one too.
 */
#include "jsel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rst.h"

/* ---- files ------------------------------------------------------------------ */

/* path and the name the text lines give it (without its directory: the same on every line, and long). */
static void
file_path(struct jsel_file *f, const char *path)
{
	const char *slash = path != NULL ? strrchr(path, '/') : NULL;

	f->path = path;
	f->name = slash != NULL ? slash + 1 : path != NULL ? path : "";
	f->namelen = strlen(f->name);
}

void
jsel_file_init(struct jsel_file *f, const char *path)
{
	memset(f, 0, sizeof *f);
	file_path(f, path);
}

void
jsel_file_reset(struct jsel_file *f, const char *path)
{
	uint32_t i;

	for (i = 0; i < f->ndbs; i++) {
		free(f->dbs[i]);
		free(f->xrefs[i]);
		f->dbs[i] = f->xrefs[i] = NULL;
	}
	file_path(f, path);
}

void
jsel_file_release(struct jsel_file *f)
{
	jsel_file_reset(f, NULL);
	free(f->dbs);
	free(f->xrefs);
	free(f->xlens);
	f->dbs = f->xrefs = NULL;
	f->xlens = NULL;
	f->ndbs = 0;
}

/* Make room for database number dbnum.  0 or JK_ENOMEM. */
static int
file_room(struct jsel_file *f, uint32_t dbnum)
{
	size_t *l;
	char **v;
	uint32_t n;

	if (dbnum < f->ndbs)
		return 0;
	n = dbnum + 8;
	if ((v = realloc(f->dbs, n * sizeof *v)) == NULL)
		return JK_ENOMEM;
	memset(v + f->ndbs, 0, (n - f->ndbs) * sizeof *v);
	f->dbs = v;
	if ((v = realloc(f->xrefs, n * sizeof *v)) == NULL)
		return JK_ENOMEM;
	memset(v + f->ndbs, 0, (n - f->ndbs) * sizeof *v);
	f->xrefs = v;
	if ((l = realloc(f->xlens, n * sizeof *l)) == NULL)
		return JK_ENOMEM;
	memset(l + f->ndbs, 0, (n - f->ndbs) * sizeof *l);
	f->xlens = l;
	f->ndbs = n;
	return 0;
}

int
jsel_file_note(struct jsel_file *f, const struct jrn_rec *r)
{
	struct buf x = BUF_INIT;
	char *p;

	if (r->type != JRN_DBMAP || r->dbnum == 0)
		return 0;
	if (file_room(f, r->dbnum) != 0)
		return JK_ENOMEM;
	if ((p = strndup((const char *)r->val, r->vallen)) == NULL)
		return JK_ENOMEM;
	if (buf_adds(&x, "^[") != 0 || zwr_format_value_quoted(&x, r->val, r->vallen) != 0 ||
	    buf_addc(&x, ']') != 0) {
		free(p);
		buf_release(&x);
		return JK_ENOMEM;
	}
	free(f->dbs[r->dbnum]);
	free(f->xrefs[r->dbnum]);
	f->dbs[r->dbnum] = p;
	f->xrefs[r->dbnum] = (char *)x.data;	/* the buffer's storage, handed over */
	f->xlens[r->dbnum] = x.len;
	return 0;
}

const char *
jsel_file_db(const struct jsel_file *f, uint32_t n)
{
	return n < f->ndbs ? f->dbs[n] : NULL;
}

int
jsel_file_overlay(struct jsel_file *dst, const struct jsel_file *src)
{
	char *d, *x;
	uint32_t n;

	for (n = 0; n < src->ndbs; n++) {
		if (src->dbs[n] == NULL)
			continue;
		if (file_room(dst, n) != 0)
			return JK_ENOMEM;
		d = strdup(src->dbs[n]);
		x = strdup(src->xrefs[n]);
		if (d == NULL || x == NULL) {
			free(d);
			free(x);
			return JK_ENOMEM;
		}
		free(dst->dbs[n]);
		free(dst->xrefs[n]);
		dst->dbs[n] = d;
		dst->xrefs[n] = x;
		dst->xlens[n] = src->xlens[n];
	}
	return 0;
}

/* ---- the filter ----------------------------------------------------------------- */

void
jsel_init(struct jsel *s)
{
	memset(s, 0, sizeof *s);
	buf_init(&s->scratch);
	jsel_clear(s);
}

void
jsel_clear(struct jsel *s)
{
	size_t i;

	for (i = 0; i < s->ndirs; i++)
		free(s->dirs[i]);
	for (i = 0; i < s->nglobs; i++)
		free(s->globs[i].text);
	s->ndirs = s->nglobs = s->npids = 0;
	s->any = s->has_types = false;
	memset(s->types, 0, sizeof s->types);
	memset(s->types_tx, 0, sizeof s->types_tx);
	s->time_lo = s->seq_lo = s->off_lo = 0;
	s->time_hi = s->seq_hi = s->off_hi = UINT64_MAX;
	s->txid = 0;
	s->in_tx = -1;
}

void
jsel_release(struct jsel *s)
{
	jsel_clear(s);
	free(s->pids);
	free(s->dirs);
	free(s->globs);
	buf_release(&s->scratch);
	memset(s, 0, sizeof *s);
}

static int
grow(void *vp, size_t n, size_t size)
{
	void **p = vp, *x;

	if ((x = realloc(*p, (n + 1) * size)) == NULL)
		return JK_ENOMEM;
	*p = x;
	return 0;
}

int
jsel_add_pid(struct jsel *s, uint32_t pid, struct jk_err *err)
{
	if (grow(&s->pids, s->npids, sizeof *s->pids) != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	s->pids[s->npids++] = pid;
	s->any = true;
	return 0;
}

int
jsel_add_dir(struct jsel *s, const char *dir, struct jk_err *err)
{
	struct buf b = BUF_INIT;
	char *d;
	int rc;

	if ((rc = rst_canon_dir(dir, &b, err)) != 0)
		return rc;
	d = strdup(buf_str(&b));
	buf_release(&b);
	if (d == NULL || grow(&s->dirs, s->ndirs, sizeof *s->dirs) != 0) {
		free(d);
		return jk_errf(err, JK_ENOMEM, "out of memory");
	}
	s->dirs[s->ndirs++] = d;
	s->any = true;
	return 0;
}

int
jsel_add_global(struct jsel *s, const char *text, bool contains, struct jk_err *err)
{
	struct jsel_glob g;
	const char *t = text[0] == '^' ? text + 1 : text;
	size_t n = strlen(t), end;
	struct jk_err e;

	memset(&g, 0, sizeof g);
	if (contains) {
		if (*text == '\0')
			return jk_errf(err, JK_EFORMAT, "empty text for a global reference to contain");
		g.kind = JSEL_GCONTAINS;
		t = text;
	} else if (strpbrk(t, "*?") != NULL) {
		if (!gref_pattern_valid(t, n))
			return jk_errf(err, JK_EFORMAT,
			    "bad global pattern '%s': a letter, %%, * or ? first, then letters, digits, *, ? or .",
			    text);
		g.kind = JSEL_GPATTERN;
	} else {
		struct buf ref = BUF_INIT;
		int rc;

		jk_err_clear(&e);
		/* gref_parse wants the ^, which is optional here */
		if (buf_addc(&ref, '^') != 0 || buf_adds(&ref, t) != 0) {
			buf_release(&ref);
			return jk_errf(err, JK_ENOMEM, "out of memory");
		}
		rc = gref_parse(buf_str(&ref), ref.len, &g.key, &end, &e);
		if (rc == 0 && end != ref.len)
			jk_errf(&e, JK_EFORMAT, "column %zu: text after the reference", end + (t == text));
		buf_release(&ref);
		if (e.code != 0)
			return jk_errf(err, JK_EFORMAT, "bad global reference '%s': %s", text, e.msg);
		g.kind = gref_key_nsubs(g.key.b, g.key.len) > 0 ? JSEL_GNODE : JSEL_GNAME;
		if (g.kind == JSEL_GNAME)
			n = strcspn(t, "(");
	}
	if ((g.text = strndup(t, g.kind == JSEL_GCONTAINS ? strlen(t) : n)) == NULL ||
	    grow(&s->globs, s->nglobs, sizeof *s->globs) != 0) {
		free(g.text);
		return jk_errf(err, JK_ENOMEM, "out of memory");
	}
	s->globs[s->nglobs++] = g;
	s->any = true;
	return 0;
}

static void
set_bit(uint64_t *v, unsigned b)
{
	v[b / 64] |= 1ull << (b % 64);
}

static bool
has_bit(const uint64_t *v, unsigned b)
{
	return (v[b / 64] >> (b % 64)) & 1;
}

/* The record types an op code stands for (up to two), and whether it asks for a transaction. */
static int
op_types(const char *op, size_t n, int t[2], bool *tx)
{
	static const struct { const char *op; int t0, t1; } ops[] = {
		{ "S", JRN_SET, 0 }, { "SI", JRN_INCR, 0 }, { "K", JRN_KILL, 0 },
		{ "k", JRN_KILLDESC, JRN_ZKILL }, { "BT", JRN_TBEGIN, 0 }, { "BTL", JRN_TBEGIN, 0 },
		{ "CT", JRN_TCOMMIT, 0 }, { "CTL", JRN_TCOMMIT, 0 }, { "RB", JRN_TROLLBACK, 0 },
		{ "M", JRN_MARKER, 0 }, { "JS", JRN_JSTART, 0 }, { "JE", JRN_JEND, 0 },
		{ "DB", JRN_DBMAP, 0 }, { "CP", JRN_CHECKPOINT, 0 }, { "BK", JRN_BACKUP, 0 },
	};
	size_t i, k;

	for (k = 0; k < 2; k++) {
		/* "ST": S inside a transaction; only updates take the suffix */
		*tx = k == 1;
		if (k == 1 && (n < 2 || op[n - 1] != 'T'))
			break;
		for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
			size_t m = n - (size_t)k;

			if (strlen(ops[i].op) == m && memcmp(ops[i].op, op, m) == 0 &&
			    (k == 0 || jrn_type_is_update(ops[i].t0))) {
				t[0] = ops[i].t0;
				t[1] = ops[i].t1;
				return 0;
			}
		}
	}
	return -1;
}

int
jsel_add_ops(struct jsel *s, const char *list, struct jk_err *err)
{
	const char *p = list, *e;
	int t[2];
	bool tx;
	size_t n;

	for (;;) {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (op_types(p, n, t, &tx) != 0)
			return jk_errf(err, JK_EFORMAT,
			    "unknown op code '%.*s': S SI K k BT CT RB M JS JE DB CP BK, updates with T "
			    "inside a transaction (ST)", (int)n, p);
		set_bit(tx ? s->types_tx : s->types, (unsigned)t[0]);
		if (t[1] != 0)
			set_bit(tx ? s->types_tx : s->types, (unsigned)t[1]);
		if (e == NULL)
			break;
		p = e + 1;
	}
	s->has_types = s->any = true;
	return 0;
}

static void
set_range(struct jsel *s, uint64_t *plo, uint64_t *phi, uint64_t lo, uint64_t hi)
{
	*plo = lo;
	*phi = hi;
	s->any = true;
}

void
jsel_set_time(struct jsel *s, uint64_t lo, uint64_t hi)
{
	set_range(s, &s->time_lo, &s->time_hi, lo, hi);
}

void
jsel_set_seq(struct jsel *s, uint64_t lo, uint64_t hi)
{
	set_range(s, &s->seq_lo, &s->seq_hi, lo, hi);
}

void
jsel_set_offset(struct jsel *s, uint64_t lo, uint64_t hi)
{
	set_range(s, &s->off_lo, &s->off_hi, lo, hi);
}

void
jsel_set_tx(struct jsel *s, uint64_t txid, int in_tx)
{
	s->txid = txid;
	s->in_tx = in_tx;
	s->any = true;
}

static bool
parse_u64(const char *s, size_t n, uint64_t *v)
{
	char tmp[32], *end;

	if (n == 0 || n >= sizeof tmp || *s < '0' || *s > '9')
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*v = strtoull(tmp, &end, 10);
	return errno == 0 && *end == '\0';
}

int
jsel_parse_range(const char *text, uint64_t *lo, uint64_t *hi, struct jk_err *err)
{
	const char *dash = strchr(text, '-');
	size_t n = strlen(text);

	*lo = 0;
	*hi = UINT64_MAX;
	if (dash == NULL) {
		if (!parse_u64(text, n, lo))
			goto bad;
		*hi = *lo;
		return 0;
	}
	if ((dash > text && !parse_u64(text, (size_t)(dash - text), lo)) ||
	    (dash[1] != '\0' && !parse_u64(dash + 1, strlen(dash + 1), hi)) ||
	    (dash == text && dash[1] == '\0') || *lo > *hi)
		goto bad;
	return 0;
bad:
	return jk_errf(err, JK_EFORMAT, "bad range '%s': LO-HI, LO-, -HI or one number, LO not above HI", text);
}

int
jsel_parse_time(const char *text, uint64_t *us, struct jk_err *err)
{
	struct rst_point pt;
	struct buf b = BUF_INIT;
	struct jk_err e;
	int rc;

	memset(&pt, 0, sizeof pt);
	jk_err_clear(&e);
	if (buf_addf(&b, "time=%s", text) != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	rc = rst_point_parse(&pt, buf_str(&b), &e);
	buf_release(&b);
	if (rc == 0 && pt.kind == RST_TIME) {
		*us = pt.time_us;
		rst_point_clear(&pt);
		return 0;
	}
	rst_point_clear(&pt);
	return jk_errf(err, JK_EFORMAT,
	    "bad time '%s': YYYYMMDD HH:MM:SS (local time, up to six decimals) or @MICROSECONDS", text);
}

/* One term "name=value" of jsel_parse. */
static int
parse_term(struct jsel *s, const char *name, const char *val, struct jk_err *err)
{
	uint64_t lo, hi, v;
	int rc;

	if (strcmp(name, "global") == 0)
		return jsel_add_global(s, val, false, err);
	if (strcmp(name, "contains") == 0)
		return jsel_add_global(s, val, true, err);
	if (strcmp(name, "op") == 0)
		return jsel_add_ops(s, val, err);
	if (strcmp(name, "dir") == 0)
		return jsel_add_dir(s, val, err);
	if (strcmp(name, "pid") == 0) {
		if (!parse_u64(val, strlen(val), &v) || v > UINT32_MAX)
			return jk_errf(err, JK_EFORMAT, "bad process id '%s'", val);
		return jsel_add_pid(s, (uint32_t)v, err);
	}
	if (strcmp(name, "tx") == 0) {
		if (strcmp(val, "yes") == 0)
			jsel_set_tx(s, 0, 1);
		else if (strcmp(val, "no") == 0)
			jsel_set_tx(s, 0, 0);
		else if (parse_u64(val, strlen(val), &v) && v > 0)
			jsel_set_tx(s, v, 1);
		else
			return jk_errf(err, JK_EFORMAT, "bad tx '%s': a transaction id, yes or no", val);
		return 0;
	}
	if (strcmp(name, "since") == 0 || strcmp(name, "until") == 0) {
		if ((rc = jsel_parse_time(val, &v, err)) != 0)
			return rc;
		if (name[0] == 's')
			jsel_set_time(s, v, s->time_hi);
		else
			jsel_set_time(s, s->time_lo, v);
		return 0;
	}
	if (strcmp(name, "seq") == 0 || strcmp(name, "offset") == 0) {
		if ((rc = jsel_parse_range(val, &lo, &hi, err)) != 0)
			return rc;
		if (name[0] == 's')
			jsel_set_seq(s, lo, hi);
		else
			jsel_set_offset(s, lo, hi);
		return 0;
	}
	return jk_errf(err, JK_EFORMAT,
	    "unknown filter '%s': global, contains, op, pid, dir, tx, since, until, seq or offset", name);
}

int
jsel_parse(struct jsel *s, const char *terms, struct jk_err *err)
{
	char *copy, *w, *save = NULL, *name = NULL;
	struct buf val = BUF_INIT;
	int rc = 0;

	if ((copy = strdup(terms)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	for (w = strtok_r(copy, " \t", &save);; w = strtok_r(NULL, " \t", &save)) {
		char *eq = w != NULL ? strchr(w, '=') : NULL;

		if (w != NULL && (eq == NULL || eq == w)) {
			/* continues the term before: "since=20261120 10:00:00" */
			if (name == NULL) {
				rc = jk_errf(err, JK_EFORMAT, "bad filter '%s': NAME=VALUE, such as op=S", w);
				break;
			}
			if (buf_addc(&val, ' ') != 0 || buf_adds(&val, w) != 0) {
				rc = jk_errf(err, JK_ENOMEM, "out of memory");
				break;
			}
			continue;
		}
		if (name != NULL) {
			struct jk_err e;

			jk_err_clear(&e);
			if ((rc = parse_term(s, name, buf_str(&val), &e)) != 0) {
				jk_errf(err, rc, "%s", e.msg);
				break;
			}
		}
		if (w == NULL)
			break;
		*eq = '\0';
		name = w;
		buf_reset(&val);
		if (buf_adds(&val, eq + 1) != 0) {
			rc = jk_errf(err, JK_ENOMEM, "out of memory");
			break;
		}
	}
	buf_release(&val);
	free(copy);
	return rc;
}

static const char *
op_name(int type)
{
	const char *op = jrn_type_op(type);

	return op != NULL ? op : "?";
}

/* A time as jsel_parse_time reads it back: YYYYMMDD HH:MM:SS.ffffff. */
static void
term_time(uint64_t us, char out[32])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	strftime(out, 24, "%Y%m%d %H:%M:%S", &tm);
	snprintf(out + strlen(out), 8, ".%06u", (unsigned)(us % 1000000));
}

int
jsel_describe(const struct jsel *s, struct buf *out)
{
	char t[32];
	size_t i;
	int rc = 0, b;
	bool first;

#define SEP() (out->len > start ? buf_addc(out, ' ') : 0)
	size_t start = out->len;

	for (i = 0; rc == 0 && i < s->nglobs; i++) {
		rc = SEP();
		if (rc == 0)
			rc = buf_addf(out, "%s=%s", s->globs[i].kind == JSEL_GCONTAINS ? "contains" : "global",
			    s->globs[i].text);
	}
	if (rc == 0 && s->has_types) {
		for (first = true, b = 0; rc == 0 && b < 256; b++) {
			/* k is two types: name it once */
			if (b == JRN_ZKILL && has_bit(s->types, JRN_KILLDESC))
				continue;
			if (has_bit(s->types, (unsigned)b))
				rc = first ? (SEP() || buf_addf(out, "op=%s", op_name(b))) :
				    buf_addf(out, ",%s", op_name(b));
			else if (has_bit(s->types_tx, (unsigned)b) &&
			    !(b == JRN_ZKILL && has_bit(s->types_tx, JRN_KILLDESC)))
				rc = first ? (SEP() || buf_addf(out, "op=%sT", op_name(b))) :
				    buf_addf(out, ",%sT", op_name(b));
			else
				continue;
			first = false;
		}
	}
	for (i = 0; rc == 0 && i < s->npids; i++)
		rc = SEP() || buf_addf(out, "pid=%" PRIu32, s->pids[i]);
	for (i = 0; rc == 0 && i < s->ndirs; i++)
		rc = SEP() || buf_addf(out, "dir=%s", s->dirs[i]);
	if (rc == 0 && (s->txid != 0 || s->in_tx >= 0)) {
		if (s->txid != 0)
			rc = SEP() || buf_addf(out, "tx=%" PRIu64, s->txid);
		else
			rc = SEP() || buf_addf(out, "tx=%s", s->in_tx ? "yes" : "no");
	}
	if (rc == 0 && s->time_lo != 0) {
		term_time(s->time_lo, t);
		rc = SEP() || buf_addf(out, "since=%s", t);
	}
	if (rc == 0 && s->time_hi != UINT64_MAX) {
		term_time(s->time_hi, t);
		rc = SEP() || buf_addf(out, "until=%s", t);
	}
	if (rc == 0 && (s->seq_lo != 0 || s->seq_hi != UINT64_MAX))
		rc = SEP() || buf_addf(out, "seq=%" PRIu64 "-", s->seq_lo) ||
		    (s->seq_hi != UINT64_MAX ? buf_addf(out, "%" PRIu64, s->seq_hi) : 0);
	if (rc == 0 && (s->off_lo != 0 || s->off_hi != UINT64_MAX))
		rc = SEP() || buf_addf(out, "offset=%" PRIu64 "-", s->off_lo) ||
		    (s->off_hi != UINT64_MAX ? buf_addf(out, "%" PRIu64, s->off_hi) : 0);
#undef SEP
	return rc != 0 ? JK_ENOMEM : 0;
}

static bool
glob_match(struct jsel *s, const struct jsel_glob *g, const struct jrn_rec *r)
{
	const char *name;
	size_t n;

	switch (g->kind) {
	case JSEL_GNODE:
		return r->keylen == g->key.len && memcmp(r->key, g->key.b, g->key.len) == 0;
	case JSEL_GNAME:
		return gref_key_name(r->key, r->keylen, &name, &n) == 0 &&
		    n == strlen(g->text) && memcmp(name, g->text, n) == 0;
	case JSEL_GPATTERN:
		return gref_key_name(r->key, r->keylen, &name, &n) == 0 &&
		    gref_name_match(g->text, strlen(g->text), name, n);
	case JSEL_GCONTAINS:
		buf_reset(&s->scratch);
		return gref_format(&s->scratch, r->key, r->keylen, true) == 0 &&
		    strstr(buf_str(&s->scratch), g->text) != NULL;
	}
	return false;
}

bool
jsel_match(struct jsel *s, const struct jsel_file *f, const struct jrn_rec *r)
{
	size_t i;

	if (!s->any)
		return true;
	if (s->has_types && !has_bit(s->types, r->type) &&
	    !((r->flags & JRN_F_TX) && has_bit(s->types_tx, r->type)))
		return false;
	if (r->time_us < s->time_lo || r->time_us > s->time_hi ||
	    r->seq < s->seq_lo || r->seq > s->seq_hi ||
	    r->offset < s->off_lo || r->offset > s->off_hi)
		return false;
	if (s->txid != 0 && r->txid != s->txid)
		return false;
	if (s->in_tx >= 0 && (r->txid != 0 || (r->flags & JRN_F_TX)) != (s->in_tx == 1))
		return false;
	if (s->npids > 0) {
		for (i = 0; i < s->npids && s->pids[i] != r->pid; i++)
			;
		if (i == s->npids)
			return false;
	}
	if (s->ndirs > 0) {
		const char *d = jsel_file_db(f, r->dbnum);

		if (r->dbnum == 0 || d == NULL)
			return false;
		for (i = 0; i < s->ndirs && strcmp(s->dirs[i], d) != 0; i++)
			;
		if (i == s->ndirs)
			return false;
	}
	if (s->nglobs > 0) {
		if (r->key == NULL)
			return false;
		for (i = 0; i < s->nglobs && !glob_match(s, &s->globs[i], r); i++)
			;
		if (i == s->nglobs)
			return false;
	}
	return true;
}

bool
jsel_needs_dbmap(const struct jsel *s)
{
	return s->ndirs > 0;
}

void
jsel_view(struct jsel *t, const struct jsel *s)
{
	*t = *s;
	buf_init(&t->scratch);
}

void
jsel_view_release(struct jsel *t)
{
	buf_release(&t->scratch);
	memset(t, 0, sizeof *t);
}

/* ---- describing records ---------------------------------------------------------- */

void
jsel_op(const struct jrn_rec *r, char op[5])
{
	const char *o = jrn_type_op(r->type);
	size_t n;

	if (o == NULL) {
		snprintf(op, 5, "%u", r->type);
		return;
	}
	n = strlen(o);
	memcpy(op, o, n);
	if ((r->type == JRN_TBEGIN || r->type == JRN_TCOMMIT) && r->tlevel > 1)
		op[n++] = 'L';
	else if (jrn_type_is_update(r->type) && (r->flags & JRN_F_TX))
		op[n++] = 'T';
	op[n] = '\0';
}

void
jsel_time(uint64_t us, int decimals, char out[32])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char frac[8];

	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
	if (decimals > 0) {
		snprintf(frac, sizeof frac, "%06u", (unsigned)(us % 1000000));
		frac[decimals > 6 ? 6 : decimals] = '\0';
		strcat(out, ".");
		strcat(out, frac);
	}
}

/* "00" .. "99": numbers are written two digits a step (a division each). */
static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* 10^k for k = 0..19 */
static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
};

/* Decimal digits of v, 1..20: log10 from the bit length (1233/4096 ~ log10(2)), then one compare. */
static inline unsigned
dec_len(uint64_t v)
{
	unsigned n = ((64 - (unsigned)__builtin_clzll(v | 1)) * 1233) >> 12;

	n += v >= pow10_u64[n];
	return n == 0 ? 1 : n;
}

/* w < 10^8 as exactly eight digits at p: halves, then quarters, so the divisions overlap. */
static inline void
put8(uint8_t *p, uint32_t w)
{
	uint32_t a = w / 10000, b = w % 10000;

	memcpy(p, digits2 + 2 * (a / 100), 2);
	memcpy(p + 2, digits2 + 2 * (a % 100), 2);
	memcpy(p + 4, digits2 + 2 * (b / 100), 2);
	memcpy(p + 6, digits2 + 2 * (b % 100), 2);
}

/*
 * Write v in decimal at q; the end.  From the last digit back: eight at a
 * time while more are left (tx ids have 16), then two a step in 32 bits.
 */
static uint8_t *
put_u64(uint8_t *q, uint64_t v)
{
	uint8_t *e = q + dec_len(v), *p = e;
	uint32_t w;

	while (v >= 100000000) {
		p -= 8;
		put8(p, (uint32_t)(v % 100000000));
		v /= 100000000;
	}
	for (w = (uint32_t)v; w >= 100; w /= 100) {
		p -= 2;
		memcpy(p, digits2 + 2 * (w % 100), 2);
	}
	if (w >= 10) {
		p -= 2;
		memcpy(p, digits2 + 2 * w, 2);
	} else
		*--p = (uint8_t)('0' + w);
	return e;
}

/* Write ".ffffff", the microseconds of us, at q; the end. */
static uint8_t *
put_frac(uint8_t *q, uint64_t us)
{
	uint32_t v = (uint32_t)(us % 1000000), b = v % 10000;

	q[0] = '.';
	memcpy(q + 1, digits2 + 2 * (v / 10000), 2);
	memcpy(q + 3, digits2 + 2 * (b / 100), 2);
	memcpy(q + 5, digits2 + 2 * (b % 100), 2);
	return q + 7;
}

/* Append c: in place when there is room, as there mostly is (jsel_line reserves it). */
static int
put_c(struct buf *out, uint8_t c)
{
	if (out->len + 2 > out->cap)
		return buf_addc(out, c);
	out->data[out->len++] = c;
	out->data[out->len] = '\0';
	return 0;
}

/* Append v in decimal. */
static int
add_u64(struct buf *out, uint64_t v)
{
	if (buf_grow(out, 20) != 0)
		return JK_ENOMEM;
	out->len = (size_t)(put_u64(out->data + out->len, v) - out->data);
	out->data[out->len] = '\0';
	return 0;
}

/* Append s[0..n): inline, so a literal's strlen and its copy are worked out by the compiler. */
static inline int
add_mem(struct buf *out, const void *s, size_t n)
{
	if (n >= out->cap - out->len && buf_grow(out, n) != 0)
		return JK_ENOMEM;
	memcpy(out->data + out->len, s, n);
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

static inline int
add_lit(struct buf *out, const char *s)
{
	return add_mem(out, s, strlen(s));
}

/* ZWR text of a string that is not a value (marker text): always quoted. */
static int
add_zwr_str(struct buf *out, const uint8_t *p, size_t n)
{
	return zwr_format_value_quoted(out, p, n);
}

int
jsel_gv(struct buf *out, const struct jsel_file *f, const struct jrn_rec *r)
{
	int rc = 0;

	(void)f;
	switch (r->type) {
	case JRN_SET:
	case JRN_INCR:
		rc = gref_format(out, r->key, r->keylen, false);
		if (rc == 0)
			rc = add_lit(out, " = ");
		if (rc == 0)
			rc = zwr_format_value(out, r->val, r->vallen);
		break;
	case JRN_KILL:
	case JRN_KILLDESC:
	case JRN_ZKILL:
		rc = gref_format(out, r->key, r->keylen, false);
		break;
	case JRN_MARKER:
		rc = buf_addf(out, "%" PRId64 " ", r->marker_id);
		if (rc == 0)
			rc = add_zwr_str(out, r->val, r->vallen);
		break;
	case JRN_TCOMMIT:
		rc = buf_addf(out, "%" PRIu32 " updates", r->count);
		break;
	case JRN_JEND:
		rc = r->vallen > 0 ? buf_addf(out, "next %.*s", (int)r->vallen, (const char *)r->val) :
		    add_lit(out, "journaling stopped");
		break;
	case JRN_DBMAP:
		rc = buf_addf(out, "database %" PRIu32, r->dbnum);
		break;
	case JRN_BACKUP:
		rc = add_zwr_str(out, r->val, r->vallen);
		break;
	case JRN_CHECKPOINT:
		rc = buf_addf(out, "%" PRIu32 " database%s", r->count, r->count == 1 ? "" : "s");
		break;
	case JRN_JSTART:
		if (r->flags & JRN_F_EXPLICIT)
			rc = add_lit(out, "started by an operator");
		break;
	default:
		break;
	}
	return rc == 0 ? 0 : JK_ENOMEM;
}

void
jsel_fmt_init(struct jsel_fmt *fm, bool json)
{
	fm->json = json;
	fm->sec = -1;
	fm->tbuf[0] = '\0';
	fm->pidlen = fm->txlen = 0;
}

/* "YYYY-MM-DD HH:MM:SS" of the record's second, from the cache when it is the same second. */
static const char *
fmt_sec(struct jsel_fmt *fm, uint64_t us)
{
	int64_t s = (int64_t)(us / 1000000);

	if (s != fm->sec) {
		char t[32];

		jsel_time(us, 0, t);
		memcpy(fm->tbuf, t, 20);
		fm->sec = s;
	}
	return fm->tbuf;
}

/* ^["DIR"]REF: the extended reference naming the database ("?" when the file has not defined it). */
static int
add_xref(struct buf *out, const struct jsel_file *f, const struct jrn_rec *r)
{
	const char *x = r->dbnum < f->ndbs ? f->xrefs[r->dbnum] : NULL;
	size_t n = x != NULL ? f->xlens[r->dbnum] : 0;

	if (x == NULL) {
		x = "^[\"?\"]";
		n = strlen(x);
	}
	if (buf_grow(out, n) != 0)
		return JK_ENOMEM;
	memcpy(out->data + out->len, x, n);
	out->len += n;
	return gref_format(out, r->key, r->keylen, false);
}

static int
text_detail(struct buf *out, const struct jsel_file *f, const struct jrn_rec *r)
{
	int rc = 0;
	uint32_t i;

	switch (r->type) {
	case JRN_SET:
	case JRN_INCR:
		rc = add_xref(out, f, r);
		if (rc == 0)
			rc = put_c(out, '=');
		if (rc == 0)
			rc = zwr_format_value(out, r->val, r->vallen);
		if (rc == 0 && r->type == JRN_INCR) {
			rc = add_lit(out, " by=");
			if (rc == 0)
				rc = zwr_format_value(out, r->inc, r->inclen);
		}
		if (rc == 0 && (r->flags & JRN_F_OLD)) {
			if (r->had_old) {
				rc = add_lit(out, " old=");
				if (rc == 0)
					rc = zwr_format_value(out, r->old, r->oldlen);
			} else
				rc = add_lit(out, " old=<undef>");
		}
		break;
	case JRN_KILL:
	case JRN_KILLDESC:
	case JRN_ZKILL:
		rc = add_xref(out, f, r);
		if (rc == 0 && (r->flags & JRN_F_OLD)) {
			rc = add_lit(out, " removed=");
			if (rc == 0)
				rc = add_u64(out, r->nold);
		}
		break;
	case JRN_TBEGIN:
	case JRN_TROLLBACK:
		rc = add_lit(out, "level=");
		if (rc == 0)
			rc = add_u64(out, r->tlevel);
		break;
	case JRN_TCOMMIT:
		rc = buf_addf(out, "level=%u updates=%" PRIu32, r->tlevel, r->count);
		break;
	case JRN_MARKER:
		rc = buf_addf(out, "id=%" PRId64 " seq=%" PRIu64 " prev=%" PRIu64 " text=",
		    r->marker_id, r->marker_seq, r->prev_marker);
		if (rc == 0)
			rc = add_zwr_str(out, r->val, r->vallen);
		break;
	case JRN_JSTART:
		rc = add_lit(out, r->flags & JRN_F_EXPLICIT ? "explicit=yes" : "explicit=no");
		break;
	case JRN_JEND:
		rc = buf_addf(out, "next_id=%016" PRIx64 " next=%.*s", r->id, (int)r->vallen,
		    (const char *)r->val);
		break;
	case JRN_DBMAP:
		rc = buf_addf(out, "db=%" PRIu32 " id=%016" PRIx64 " dir=%.*s", r->dbnum, r->id,
		    (int)r->vallen, (const char *)r->val);
		break;
	case JRN_CHECKPOINT:
		rc = add_lit(out, "dbs=");
		for (i = 0; rc == 0 && i < r->count; i++) {
			if (i > 0)
				rc = buf_addc(out, ',');
			if (rc == 0)
				rc = add_u64(out, (uint32_t)(r->dbnums[4 * i] | r->dbnums[4 * i + 1] << 8 |
				    r->dbnums[4 * i + 2] << 16 | (uint32_t)r->dbnums[4 * i + 3] << 24));
		}
		break;
	case JRN_BACKUP:
		rc = add_lit(out, "text=");
		if (rc == 0)
			rc = add_zwr_str(out, r->val, r->vallen);
		break;
	default:
		break;
	}
	return rc;
}

/* "name":value pairs of the JSON form. */
static int
json_key(struct buf *out, const char *k)
{
	int rc = buf_addc(out, ',');

	if (rc == 0)
		rc = buf_add_json(out, k);
	return rc == 0 ? buf_addc(out, ':') : rc;
}

static int
json_u64(struct buf *out, const char *k, uint64_t v)
{
	int rc = json_key(out, k);

	return rc == 0 ? add_u64(out, v) : rc;
}

static int
json_str(struct buf *out, const char *k, const char *v)
{
	int rc = json_key(out, k);

	return rc == 0 ? buf_add_json(out, v) : rc;
}

/* k: the value in ZWR form (what zwr_fn makes of p[0..n)) as a JSON string. */
static int
json_zwr(struct buf *out, struct buf *tmp, const char *k, const uint8_t *p, size_t n, bool quoted)
{
	int rc;

	buf_reset(tmp);
	rc = quoted ? zwr_format_value_quoted(tmp, p, n) : zwr_format_value(tmp, p, n);
	return rc == 0 ? json_str(out, k, buf_str(tmp)) : rc;
}

static int
json_line(struct buf *out, struct jsel_fmt *fm, const struct jsel_file *f, const struct jrn_rec *r)
{
	struct buf tmp = BUF_INIT;
	const char *d, *tn = jrn_type_name(r->type);
	char op[5], t[32];
	int rc;

	jsel_op(r, op);
	jsel_time(r->time_us, 6, t);
	(void)fm;
	rc = add_lit(out, "{\"file\":");
	if (rc == 0)
		rc = buf_add_json(out, f->path != NULL ? f->path : "");
	if (rc == 0)
		rc = json_u64(out, "offset", r->offset);
	if (rc == 0)
		rc = json_u64(out, "len", r->len);
	if (rc == 0)
		rc = json_str(out, "type", tn != NULL ? tn : "unknown");
	if (rc == 0)
		rc = json_str(out, "op", op);
	if (rc == 0)
		rc = json_str(out, "time", t);
	if (rc == 0)
		rc = json_u64(out, "time_us", r->time_us);
	if (rc == 0)
		rc = json_u64(out, "pid", r->pid);
	if (rc == 0 && r->txid != 0)
		rc = json_u64(out, "tx", r->txid);
	if (rc == 0 && r->tlevel != 0)
		rc = json_u64(out, "level", r->tlevel);
	if (rc == 0 && r->seq != 0)
		rc = json_u64(out, "seq", r->seq);
	if (rc == 0 && r->dbnum != 0) {
		rc = json_u64(out, "dbnum", r->dbnum);
		d = r->type == JRN_DBMAP ? NULL : jsel_file_db(f, r->dbnum);
		if (rc == 0 && d != NULL)
			rc = json_str(out, "db", d);
	}
	if (rc == 0 && r->key != NULL) {
		buf_reset(&tmp);
		rc = gref_format(&tmp, r->key, r->keylen, true);
		if (rc == 0)
			rc = json_str(out, "global", buf_str(&tmp));
	}
	switch (r->type) {
	case JRN_SET:
	case JRN_INCR:
		if (rc == 0)
			rc = json_zwr(out, &tmp, "value", r->val, r->vallen, false);
		if (rc == 0 && r->type == JRN_INCR)
			rc = json_zwr(out, &tmp, "increment", r->inc, r->inclen, false);
		if (rc == 0 && (r->flags & JRN_F_OLD)) {
			if (r->had_old)
				rc = json_zwr(out, &tmp, "old", r->old, r->oldlen, false);
			else
				rc = add_lit(out, ",\"old\":null");
		}
		break;
	case JRN_KILL:
	case JRN_KILLDESC:
	case JRN_ZKILL:
		if (rc == 0 && (r->flags & JRN_F_OLD))
			rc = json_u64(out, "removed", r->nold);
		break;
	case JRN_TCOMMIT:
		if (rc == 0)
			rc = json_u64(out, "updates", r->count);
		break;
	case JRN_MARKER:
		if (rc == 0)
			rc = buf_addf(out, ",\"marker_id\":%" PRId64 ",\"marker_seq\":%" PRIu64
			    ",\"prev_marker\":%" PRIu64, r->marker_id, r->marker_seq, r->prev_marker);
		if (rc == 0)
			rc = json_zwr(out, &tmp, "text", r->val, r->vallen, true);
		break;
	case JRN_JSTART:
		if (rc == 0)
			rc = add_lit(out, r->flags & JRN_F_EXPLICIT ? ",\"explicit\":true" : ",\"explicit\":false");
		break;
	case JRN_JEND:
	case JRN_DBMAP:
		if (rc == 0)
			rc = json_u64(out, r->type == JRN_JEND ? "next_id" : "db_id", r->id);
		buf_reset(&tmp);
		if (rc == 0)
			rc = buf_add(&tmp, r->val, r->vallen);
		if (rc == 0)
			rc = json_str(out, r->type == JRN_JEND ? "next" : "dir", buf_str(&tmp));
		break;
	case JRN_CHECKPOINT:
		if (rc == 0) {
			buf_reset(&tmp);
			rc = text_detail(&tmp, f, r);
			if (rc == 0)
				rc = json_str(out, "dbs", buf_str(&tmp) + 4);
		}
		break;
	case JRN_BACKUP:
		if (rc == 0)
			rc = json_zwr(out, &tmp, "text", r->val, r->vallen, true);
		break;
	default:
		break;
	}
	if (rc == 0)
		rc = add_lit(out, "}\n");
	buf_release(&tmp);
	return rc;
}

int
jsel_line(struct buf *out, struct jsel_fmt *fm, const struct jsel_file *f, const struct jrn_rec *r)
{
	size_t mark = out->len, pl;
	char op[5];
	int rc;

	if (fm->json)
		rc = json_line(out, fm, f, r);
	else {
		uint8_t *q;

		jsel_op(r, op);
		pl = f->namelen;
		/*
		 * Room for the line as it mostly is, so the pieces below seldom
		 * grow the buffer: the fixed part in place (name, numbers, time,
		 * op: at most pl + 160 bytes, the cached texts copied whole),
		 * then a reference and values in ZWR form (a byte takes at most
		 * 5 there, as ",255)").
		 */
		if ((rc = buf_grow(out, pl + 256 + 5 * ((size_t)r->keylen + r->vallen + r->oldlen +
		    r->inclen))) != 0)
			goto out;
		q = out->data + out->len;
		memcpy(q, f->name, pl);
		q += pl;
		*q++ = ' ';
		q = put_u64(q, r->offset);
		*q++ = ' ';
		memcpy(q, fmt_sec(fm, r->time_us), 19);
		q = put_frac(q + 19, r->time_us);
		if (fm->pidlen == 0 || fm->pid != r->pid) {
			memcpy(fm->pidtext, " pid=", 5);
			fm->pidlen = (uint8_t)(put_u64((uint8_t *)fm->pidtext + 5, r->pid) - (uint8_t *)fm->pidtext);
			fm->pid = r->pid;
		}
		memcpy(q, fm->pidtext, sizeof fm->pidtext);	/* a fixed size: one move; the room is there */
		q += fm->pidlen;
		memcpy(q, " op=", 4);
		q += 4;
		for (pl = 0; op[pl] != '\0'; pl++)
			*q++ = (uint8_t)op[pl];
		memcpy(q, " len=", 5);
		q = put_u64(q + 5, r->len);
		if (r->txid != 0) {
			if (fm->txlen == 0 || fm->txid != r->txid) {
				memcpy(fm->txtext, " tx=", 4);
				fm->txlen = (uint8_t)(put_u64((uint8_t *)fm->txtext + 4, r->txid) -
				    (uint8_t *)fm->txtext);
				fm->txid = r->txid;
			}
			memcpy(q, fm->txtext, sizeof fm->txtext);
			q += fm->txlen;
		}
		if (r->seq != 0) {
			memcpy(q, " seq=", 5);
			q = put_u64(q + 5, r->seq);
		}
		*q++ = ' ';
		out->len = (size_t)(q - out->data);
		if ((rc = text_detail(out, f, r)) != 0)
			goto out;
		/* types without detail leave a trailing blank: take it back */
		if (out->data[out->len - 1] == ' ')
			out->len--;
		rc = put_c(out, '\n');
	}
out:
	if (rc != 0) {
		out->len = mark;
		if (out->data != NULL)
			out->data[mark] = '\0';
		return JK_ENOMEM;
	}
	return 0;
}

/* ---- counting ------------------------------------------------------------------ */

void
jsel_stats_init(struct jsel_stats *st)
{
	memset(st, 0, sizeof *st);
}

static void
table_release(struct jsel_table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->v[i].name);
	free(t->v);
	memset(t, 0, sizeof *t);
}

void
jsel_stats_release(struct jsel_stats *st)
{
	table_release(&st->globals);
	table_release(&st->dbs);
	table_release(&st->pids);
	table_release(&st->undef);
	memset(st, 0, sizeof *st);
}

void
jsel_stats_file(struct jsel_stats *st)
{
	st->files++;
	st->last_file = NULL;
	st->last_db = NULL;
}

static uint64_t
hash_bytes(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint64_t h = 1469598103934665603ull;

	while (n-- > 0)
		h = (h ^ *s++) * 1099511628211ull;
	return h;
}

static struct jsel_count *
table_slot(struct jsel_table *t, const void *name, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);

	while (t->v[i].name != NULL &&
	    !(t->v[i].hash == h && t->v[i].nlen == n && memcmp(t->v[i].name, name, n) == 0))
		i = (i + 1) & (t->cap - 1);
	return &t->v[i];
}

/* The row for name, made when new; NULL when out of memory. */
static struct jsel_count *
table_get(struct jsel_table *t, const void *name, size_t n)
{
	uint64_t h = hash_bytes(name, n);
	struct jsel_count *c;
	size_t i;

	if (t->n * 2 >= t->cap) {
		struct jsel_table g = { NULL, 0, t->cap ? t->cap * 2 : 64 };

		if ((g.v = calloc(g.cap, sizeof *g.v)) == NULL)
			return NULL;
		for (i = 0; i < t->cap; i++)
			if (t->v[i].name != NULL)
				*table_slot(&g, t->v[i].name, t->v[i].nlen, t->v[i].hash) = t->v[i];
		g.n = t->n;
		free(t->v);
		*t = g;
	}
	c = table_slot(t, name, n, h);
	if (c->name == NULL) {
		if ((c->name = malloc(n + 1)) == NULL)
			return NULL;
		memcpy(c->name, name, n);
		c->name[n] = '\0';
		c->nlen = n;
		c->hash = h;
		t->n++;
	}
	return c;
}

/* a == b for n bytes: global names are short, and a loop beats a call of memcmp on them */
static inline bool
same_name(const char *a, const char *b, size_t n)
{
	size_t i;

	if (n > 16)
		return memcmp(a, b, n) == 0;
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

int
jsel_stats_add(struct jsel_stats *st, const struct jsel_file *f, const struct jrn_rec *r)
{
	const char *name = "", *d;
	size_t n = 0;
	struct jsel_count *c;

	st->records++;
	st->bytes += r->len;
	st->type_records[r->type]++;
	st->type_bytes[r->type] += r->len;

	/* globals: updates by name; everything else in one row */
	if (r->key != NULL && gref_key_name(r->key, r->keylen, &name, &n) == 0) {
		c = st->last_global;
		if (c == NULL || c->nlen != n || !same_name(c->name, name, n)) {
			if ((c = st->last_global = table_get(&st->globals, name, n)) == NULL)
				return JK_ENOMEM;
		}
	} else {
		size_t cap = st->globals.cap;

		if ((c = table_get(&st->globals, "", 0)) == NULL)
			return JK_ENOMEM;
		if (st->globals.cap != cap)
			st->last_global = NULL;	/* the rows moved */
	}
	c->records++;
	c->bytes += r->len;

	/* databases: by directory, the last one remembered per file and number */
	if (st->last_db == NULL || st->last_file != f || st->last_dbnum != r->dbnum ||
	    r->type == JRN_DBMAP) {
		d = r->dbnum != 0 ? jsel_file_db(f, r->dbnum) : NULL;
		if (d == NULL && r->dbnum != 0 && st->defer)
			c = table_get(&st->undef, &r->dbnum, sizeof r->dbnum);
		else
			c = d != NULL ? table_get(&st->dbs, d, strlen(d)) : table_get(&st->dbs, "", 0);
		if (c == NULL)
			return JK_ENOMEM;
		st->last_db = c;
		st->last_file = f;
		st->last_dbnum = r->dbnum;
	}
	st->last_db->records++;
	st->last_db->bytes += r->len;

	/* processes */
	if (st->last_pid == NULL || st->last_pidv != r->pid) {
		if ((c = table_get(&st->pids, &r->pid, sizeof r->pid)) == NULL)
			return JK_ENOMEM;
		st->last_pid = c;
		st->last_pidv = r->pid;
	}
	st->last_pid->records++;
	st->last_pid->bytes += r->len;
	return 0;
}

void
jsel_stats_defer_dbs(struct jsel_stats *st)
{
	st->defer = true;
}

/* Add a row's counts to the row of name in t. */
static int
table_add(struct jsel_table *t, const void *name, size_t n, const struct jsel_count *from)
{
	struct jsel_count *c = table_get(t, name, n);

	if (c == NULL)
		return JK_ENOMEM;
	c->records += from->records;
	c->bytes += from->bytes;
	return 0;
}

int
jsel_stats_merge(struct jsel_stats *dst, const struct jsel_stats *src, const struct jsel_file *before)
{
	const struct jsel_table *ts[3] = { &src->globals, &src->dbs, &src->pids };
	struct jsel_table *td[3] = { &dst->globals, &dst->dbs, &dst->pids };
	const struct jsel_count *c;
	const char *d;
	uint32_t num;
	size_t i, k;
	int t, rc = 0;

	/* rows move as the tables grow: the fast path starts again */
	dst->last_global = dst->last_pid = dst->last_db = NULL;
	dst->last_file = NULL;
	dst->records += src->records;
	dst->bytes += src->bytes;
	dst->files += src->files;
	for (t = 0; t < 256; t++) {
		dst->type_records[t] += src->type_records[t];
		dst->type_bytes[t] += src->type_bytes[t];
	}
	for (k = 0; k < 3; k++)
		for (i = 0; rc == 0 && i < ts[k]->cap; i++)
			if ((c = &ts[k]->v[i])->name != NULL)
				rc = table_add(td[k], c->name, c->nlen, c);
	for (i = 0; rc == 0 && i < src->undef.cap; i++) {
		if ((c = &src->undef.v[i])->name == NULL)
			continue;
		memcpy(&num, c->name, sizeof num);
		d = before != NULL ? jsel_file_db(before, num) : NULL;
		if (d == NULL && dst->defer)
			rc = table_add(&dst->undef, c->name, c->nlen, c);
		else
			rc = d != NULL ? table_add(&dst->dbs, d, strlen(d), c) : table_add(&dst->dbs, "", 0, c);
	}
	return rc;
}

/* Rows of a table, sorted by name (pids by number); owned array of borrowed rows. */
static int
cmp_name(const void *a, const void *b)
{
	const struct jsel_count *x = *(const struct jsel_count *const *)a;
	const struct jsel_count *y = *(const struct jsel_count *const *)b;

	/* the unnamed row ("" : no global, no database) last */
	if (x->nlen == 0 || y->nlen == 0)
		return (x->nlen == 0) - (y->nlen == 0);
	return strcmp(x->name, y->name);
}

static int
cmp_pid(const void *a, const void *b)
{
	const struct jsel_count *x = *(const struct jsel_count *const *)a;
	const struct jsel_count *y = *(const struct jsel_count *const *)b;
	uint32_t p, q;

	memcpy(&p, x->name, 4);
	memcpy(&q, y->name, 4);
	return (p > q) - (p < q);
}

static struct jsel_count **
table_sorted(const struct jsel_table *t, bool pids)
{
	struct jsel_count **v = calloc(t->n + 1, sizeof *v);
	size_t i, k = 0;

	if (v == NULL)
		return NULL;
	for (i = 0; i < t->cap; i++)
		if (t->v[i].name != NULL)
			v[k++] = &t->v[i];
	qsort(v, k, sizeof *v, pids ? cmp_pid : cmp_name);
	return v;
}

static double
pct(uint64_t a, uint64_t b)
{
	return b == 0 ? 0.0 : 100.0 * (double)a / (double)b;
}

static int
text_row(struct buf *out, const char *name, uint64_t recs, uint64_t bytes, const struct jsel_stats *st)
{
	return buf_addf(out, "%-32s %12" PRIu64 " %6.2f%% %14" PRIu64 " %6.2f%%\n", name, recs,
	    pct(recs, st->records), bytes, pct(bytes, st->bytes));
}

static int
text_table(struct buf *out, const char *title, const char *head, const struct jsel_table *t,
    bool pids, const char *none, const struct jsel_stats *st)
{
	struct jsel_count **v = table_sorted(t, pids);
	char name[40];
	uint64_t tr = 0, tb = 0;
	size_t i;
	int rc;

	if (v == NULL)
		return JK_ENOMEM;
	rc = buf_addf(out, "\n%s\n%-32s %12s %7s %14s %7s\n", title, head, "Records", "%", "Bytes", "%");
	for (i = 0; rc == 0 && v[i] != NULL; i++) {
		const char *nm = v[i]->name;

		if (pids) {
			uint32_t p;

			memcpy(&p, v[i]->name, 4);
			snprintf(name, sizeof name, "%" PRIu32, p);
			nm = name;
		} else if (v[i]->nlen == 0)
			nm = none;
		rc = text_row(out, nm, v[i]->records, v[i]->bytes, st);
		tr += v[i]->records;
		tb += v[i]->bytes;
	}
	if (rc == 0)
		rc = text_row(out, "Total", tr, tb, st);
	free(v);
	return rc;
}

static int
json_table(struct buf *out, const char *key, const struct jsel_table *t, bool pids)
{
	struct jsel_count **v = table_sorted(t, pids);
	size_t i;
	int rc;

	if (v == NULL)
		return JK_ENOMEM;
	rc = buf_addf(out, ",\"%s\":[", key);
	for (i = 0; rc == 0 && v[i] != NULL; i++) {
		rc = add_lit(out, i > 0 ? ",{" : "{");
		if (rc == 0 && pids) {
			uint32_t p;

			memcpy(&p, v[i]->name, 4);
			rc = buf_addf(out, "\"pid\":%" PRIu32, p);
		} else if (rc == 0) {
			rc = add_lit(out, "\"name\":");
			if (rc == 0)
				rc = v[i]->nlen == 0 ? add_lit(out, "null") : buf_add_json(out, v[i]->name);
		}
		if (rc == 0)
			rc = buf_addf(out, ",\"records\":%" PRIu64 ",\"bytes\":%" PRIu64 "}", v[i]->records,
			    v[i]->bytes);
	}
	if (rc == 0)
		rc = buf_addc(out, ']');
	free(v);
	return rc;
}

int
jsel_stats_format(const struct jsel_stats *st, struct buf *out, bool json)
{
	char op[8];
	int t, rc;

	if (json) {
		rc = buf_addf(out, "{\"files\":%" PRIu64 ",\"records\":%" PRIu64 ",\"bytes\":%" PRIu64
		    ",\"types\":[", st->files, st->records, st->bytes);
		for (t = 0, op[0] = 0; rc == 0 && t < 256; t++) {
			const char *tn = jrn_type_name(t);

			if (st->type_records[t] == 0)
				continue;
			rc = buf_addf(out, "%s{\"type\":", op[0] ? "," : "");
			op[0] = 1;
			if (rc == 0)
				rc = buf_add_json(out, tn != NULL ? tn : "unknown");
			if (rc == 0)
				rc = buf_addf(out, ",\"code\":%d,\"records\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
				    t, st->type_records[t], st->type_bytes[t]);
		}
		if (rc == 0)
			rc = buf_addc(out, ']');
		if (rc == 0)
			rc = json_table(out, "databases", &st->dbs, false);
		if (rc == 0)
			rc = json_table(out, "globals", &st->globals, false);
		if (rc == 0)
			rc = json_table(out, "processes", &st->pids, true);
		if (rc == 0)
			rc = add_lit(out, "}\n");
		return rc != 0 ? JK_ENOMEM : 0;
	}
	rc = buf_addf(out, "%" PRIu64 " record%s, %" PRIu64 " bytes of records in %" PRIu64 " file%s\n",
	    st->records, st->records == 1 ? "" : "s", st->bytes, st->files, st->files == 1 ? "" : "s");
	if (rc == 0)
		rc = buf_addf(out, "\nRecords by type\n%-32s %12s %7s %14s %7s\n", "Type (op)", "Records",
		    "%", "Bytes", "%");
	for (t = 0; rc == 0 && t < 256; t++) {
		char name[48];
		const char *tn = jrn_type_name(t), *o = jrn_type_op(t);

		if (st->type_records[t] == 0)
			continue;
		if (tn != NULL)
			snprintf(name, sizeof name, "%s (%s)", tn, o);
		else
			snprintf(name, sizeof name, "unknown type %d", t);
		rc = text_row(out, name, st->type_records[t], st->type_bytes[t], st);
	}
	if (rc == 0)
		rc = text_row(out, "Total", st->records, st->bytes, st);
	if (rc == 0)
		rc = text_table(out, "Records by database", "Directory", &st->dbs, false,
		    "(no database)", st);
	if (rc == 0)
		rc = text_table(out, "Records by global", "Global", &st->globals, false,
		    "(no global)", st);
	if (rc == 0)
		rc = text_table(out, "Records by process", "Process ID", &st->pids, true, "", st);
	return rc != 0 ? JK_ENOMEM : 0;
}
