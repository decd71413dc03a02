/*
 * gtmx.c - the GT.M / YottaDB simple journal extract as a record source
 * (gtmx.h has the format).
 */
#include "gtmx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gref.h"

#define HOROLOG_1970	47117	/* $HOROLOG day of 1970-01-01 */
#define MAX_FIELDS	12

struct gtmx {
	char *path;
	FILE *f;
	char *line;
	size_t cap;
	unsigned long lineno;
	char label[16];
	bool open;		/* a transaction is open */
	uint64_t token;		/* ... its token */
	uint64_t ntx;		/* transactions begun: the tx numbers handed out */
	struct gtmx_stats st;
};

static int
xerr(struct gtmx *x, struct jk_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
xerr(struct gtmx *x, struct jk_err *err, const char *fmt, ...)
{
	char m[JK_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return jk_errf(err, JK_EFORMAT, "%s:%lu: %s", x->path, x->lineno, m);
}

static bool
digits(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

int
gtmx_horolog(const char *s, size_t n, uint64_t *us)
{
	const char *c1 = memchr(s, ',', n), *c2;
	uint64_t days, secs, micro = 0;
	struct tm day, tm;
	time_t t;

	if (c1 == NULL || !digits(s, (size_t)(c1 - s), &days))
		return JK_EFORMAT;
	c1++;
	c2 = memchr(c1, ',', n - (size_t)(c1 - s));
	if (!digits(c1, (size_t)((c2 ? c2 : s + n) - c1), &secs) || secs >= 86400)
		return JK_EFORMAT;
	if (c2 != NULL && (!digits(c2 + 1, n - (size_t)(c2 + 1 - s), &micro) || micro >= 1000000))
		return JK_EFORMAT;
	if (days < HOROLOG_1970 || days > HOROLOG_1970 + 2932896)	/* up to the year 9999 */
		return JK_EFORMAT;
	/* the calendar day, then that day's clock time in the local zone */
	t = (time_t)(days - HOROLOG_1970) * 86400;
	gmtime_r(&t, &day);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = day.tm_year;
	tm.tm_mon = day.tm_mon;
	tm.tm_mday = day.tm_mday;
	tm.tm_hour = (int)(secs / 3600);
	tm.tm_min = (int)(secs / 60 % 60);
	tm.tm_sec = (int)(secs % 60);
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1 || t < 0)
		return JK_EFORMAT;
	*us = (uint64_t)t * 1000000 + micro;
	return 0;
}

/* Split line into at most nf fields at backslashes; the last takes the rest. */
static size_t
split(char *s, size_t n, size_t nf, char **f, size_t *fl)
{
	size_t k = 0, start = 0, i;

	for (i = 0; i < n && k + 1 < nf; i++) {
		if (s[i] == '\\') {
			f[k] = s + start;
			fl[k++] = i - start;
			start = i + 1;
		}
	}
	f[k] = s + start;
	fl[k++] = n - start;
	return k;
}

/* A reference, and for a SET "=value", from the node field. */
static int
parse_node(struct gtmx *x, const char *s, size_t n, bool set, struct cvt_rec *rec, struct jk_err *err)
{
	struct jk_err e;
	size_t end, vend;
	int rc;

	jk_err_clear(&e);
	if ((rc = gref_parse(s, n, &rec->key, &end, &e)) != 0) {
		xerr(x, err, "bad global reference in the node field: %s", e.msg);
		return err->code = rc;
	}
	if (!set) {
		if (end != n)
			return xerr(x, err, "unexpected text after the reference of a kill: '%.*s'",
			    (int)(n - end > 40 ? 40 : n - end), s + end);
		return 0;
	}
	if (end >= n || s[end] != '=')
		return xerr(x, err, "a SET without =value after its reference");
	end++;
	if ((rc = zwr_parse_value(s + end, n - end, &rec->val, &vend, &e)) != 0) {
		xerr(x, err, "bad value: %s", e.msg);
		return err->code = rc;
	}
	if (end + vend != n)
		return xerr(x, err, "unexpected text after the value: '%.*s'",
		    (int)(n - end - vend > 40 ? 40 : n - end - vend), s + end + vend);
	return 0;
}

/* The fields every record has: time and pid. */
static int
head(struct gtmx *x, char **f, size_t *fl, size_t nf, size_t want, struct cvt_rec *rec, struct jk_err *err)
{
	uint64_t pid;

	if (nf < want)
		return xerr(x, err, "a type %.2s record has %zu fields, not the %zu expected", f[0], nf, want);
	if (gtmx_horolog(f[1], fl[1], &rec->time_us) != 0)
		return xerr(x, err, "bad $HOROLOG time '%.*s'", (int)(fl[1] > 40 ? 40 : fl[1]), f[1]);
	if (!digits(f[3], fl[3], &pid) || pid > UINT32_MAX)
		return xerr(x, err, "bad process id '%.*s'", (int)(fl[3] > 40 ? 40 : fl[3]), f[3]);
	rec->pid = (uint32_t)pid;
	return 0;
}

static int
token_of(struct gtmx *x, const char *s, size_t n, uint64_t *v, struct jk_err *err)
{
	if (!digits(s, n, v))
		return xerr(x, err, "bad transaction token '%.*s'", (int)(n > 40 ? 40 : n), s);
	return 0;
}

/* One record line: 0 a record in rec, 1 a line skipped (counted). */
static int
parse_line(struct gtmx *x, char *s, size_t n, struct cvt_rec *rec, struct jk_err *err)
{
	char *f[MAX_FIELDS];
	size_t fl[MAX_FIELDS], nf;
	uint64_t type, token;
	int rc;

	if (n < 2 || !digits(s, 2, &type) || (n > 2 && s[2] != '\\'))
		return xerr(x, err, "not an extract record: '%.*s'", (int)(n > 40 ? 40 : n), s);
	rec->dir = NULL;
	rec->tx = 0;
	buf_reset(&rec->val);
	buf_reset(&rec->inc);
	switch (type) {
	case 0: x->st.null++; return 1;
	case 1: x->st.pini++; return 1;
	case 2: x->st.pfin++; return 1;
	case 3: x->st.eof++; return 1;
	case 11: case 12: case 13: x->st.triggers++; return 1;
	case 4: case 5: case 10:
		nf = split(s, n, 11, f, fl);
		if ((rc = head(x, f, fl, nf, 11, rec, err)) != 0 || (rc = token_of(x, f[5], fl[5], &token, err)) != 0)
			return rc;
		rec->kind = type == 5 ? CVT_SET : type == 4 ? CVT_KILL : CVT_ZKILL;
		if ((rc = parse_node(x, f[10], fl[10], type == 5, rec, err)) != 0)
			return rc;
		if (x->open) {
			if (token != x->token)
				return xerr(x, err, "an update of transaction token %llu inside transaction %llu",
				    (unsigned long long)token, (unsigned long long)x->token);
			rec->tx = x->ntx;
		}
		if (type == 5)
			x->st.sets++;
		else if (type == 4)
			x->st.kills++;
		else
			x->st.zkills++;
		return 0;
	case 6: case 8:
		nf = split(s, n, MAX_FIELDS, f, fl);
		if ((rc = head(x, f, fl, nf, type == 8 ? 8 : 6, rec, err)) != 0 ||
		    (rc = token_of(x, f[5], fl[5], &token, err)) != 0)
			return rc;
		if (x->open)
			return xerr(x, err, "TSTART inside transaction %llu, which has no TCOM",
			    (unsigned long long)x->token);
		x->open = true;
		x->token = token;
		rec->kind = CVT_TSTART;
		rec->tx = ++x->ntx;
		x->st.tstarts++;
		return 0;
	case 7: case 9:
		nf = split(s, n, MAX_FIELDS, f, fl);
		if ((rc = head(x, f, fl, nf, type == 9 ? 9 : 6, rec, err)) != 0 ||
		    (rc = token_of(x, f[5], fl[5], &token, err)) != 0)
			return rc;
		if (!x->open || token != x->token)
			return xerr(x, err, "TCOM of transaction token %llu, which is not open",
			    (unsigned long long)token);
		x->open = false;
		rec->kind = CVT_TCOMMIT;
		rec->tx = x->ntx;
		x->st.tcommits++;
		return 0;
	default:
		return xerr(x, err, "unknown record type %02llu", (unsigned long long)type);
	}
}

static int
x_rewind(void *arg, struct jk_err *err)
{
	struct gtmx *x = arg;

	if (fseeko(x->f, 0, SEEK_SET) != 0)
		return jk_errno(err, errno, "cannot read '%s'", x->path);
	clearerr(x->f);
	x->lineno = 0;
	x->open = false;
	x->ntx = 0;
	memset(&x->st, 0, sizeof x->st);
	return 0;
}

static int
x_next(void *arg, struct cvt_rec *rec, struct jk_err *err)
{
	struct gtmx *x = arg;
	ssize_t len;
	int rc;

	for (;;) {
		errno = 0;
		if ((len = getline(&x->line, &x->cap, x->f)) < 0) {
			if (ferror(x->f))
				return jk_errno(err, errno ? errno : EIO, "cannot read '%s'", x->path);
			if (x->lineno == 0)
				return jk_errf(err, JK_EFORMAT, "%s: empty file: not a journal extract", x->path);
			return 1;
		}
		x->lineno++;
		if (len > 0 && x->line[len - 1] == '\n')
			len--;
		if (x->lineno == 1) {
			x->line[len] = '\0';
			if (strcmp(x->line, "GDSJEX07") == 0 || strcmp(x->line, "YDBJEX08") == 0) {
				snprintf(x->label, sizeof x->label, "%s", x->line);
				continue;
			}
			if (strncmp(x->line, "GDSJEX07 ", 9) == 0 || strncmp(x->line, "YDBJEX08 ", 9) == 0)
				return xerr(x, err, "a UTF-8 mode extract (%s): extract with gtm_chset (ydb_chset) "
				    "set to M", x->line);
			if (strncmp(x->line, "GDSJDX", 6) == 0 || strncmp(x->line, "YDBJDX", 6) == 0)
				return xerr(x, err, "a detail extract (%.8s): extract without -detail", x->line);
			return xerr(x, err, "not a simple journal extract: the label is '%.*s', not GDSJEX07 or YDBJEX08",
			    (int)(len > 40 ? 40 : len), x->line);
		}
		if (len == 0)
			continue;
		x->st.lines++;
		rc = parse_line(x, x->line, (size_t)len, rec, err);
		if (rc == 1)
			continue;
		if (rc == 0)
			rec->line = x->lineno;
		return rc;
	}
}

int
gtmx_open(const char *path, struct gtmx **out, struct jk_err *err)
{
	struct gtmx *x;
	int rc;

	*out = NULL;
	if ((x = calloc(1, sizeof *x)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	if ((x->path = strdup(path)) == NULL) {
		free(x);
		return jk_errf(err, JK_ENOMEM, "out of memory");
	}
	if ((x->f = fopen(path, "r")) == NULL) {
		rc = errno == ENOENT ? jk_errf(err, JK_ENOTFOUND, "cannot open '%s': %s", path, strerror(errno)) :
		    jk_errno(err, errno, "cannot open '%s'", path);
		free(x->path);
		free(x);
		return rc;
	}
	*out = x;
	return 0;
}

void
gtmx_close(struct gtmx *x)
{
	if (x == NULL)
		return;
	fclose(x->f);
	free(x->line);
	free(x->path);
	free(x);
}

struct cvt_src
gtmx_src(struct gtmx *x)
{
	struct cvt_src s = { x->path, x, x_rewind, x_next };

	return s;
}

const struct gtmx_stats *
gtmx_stats(const struct gtmx *x)
{
	return &x->st;
}

const char *
gtmx_label(const struct gtmx *x)
{
	return x->label;
}
