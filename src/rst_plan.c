/*
 * rst_plan.c - the restore plan: journal file lists, start and stop points,
 * databases, the check that runs before anything is written, and reading
 * the restore record.  See rst.h for what the plan means; rst.c runs it.
 *
 * The check stops at the first problem and says it in words the operator
 * can act on, naming the file, directory or pattern.  It reads headers of
 * every file, and whole files only to find markers.
 */
#include "rst.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bkp.h"
#include "clu.h"
#include "db.h"
#include "gref.h"
#include "inst.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "rst_int.h"

static int
nomem(struct jk_err *err)
{
	return jk_errf(err, JK_ENOMEM, "out of memory");
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* ---- journal files --------------------------------------------------------------- */

void
rst_files_init(struct rst_files *f)
{
	f->paths = NULL;
	f->n = 0;
}

void
rst_files_release(struct rst_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->paths[i]);
	free(f->paths);
	rst_files_init(f);
}

int
rst_files_add(struct rst_files *f, const char *path, struct jk_err *err)
{
	char **v, *s;

	if (path == NULL || path[0] == '\0')
		return jk_errf(err, JK_EUSAGE, "empty journal file name");
	if ((s = strdup(path)) == NULL)
		return nomem(err);
	/* Doubling by powers of two: n is the capacity's measure. */
	if ((f->n & (f->n - 1)) == 0) {
		v = realloc(f->paths, (f->n ? f->n * 2 : 1) * sizeof *v);
		if (v == NULL) {
			free(s);
			return nomem(err);
		}
		f->paths = v;
	}
	f->paths[f->n++] = s;
	return 0;
}

long
rst_files_find(const struct rst_files *f, const char *path)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->paths[i], path) == 0)
			return (long)i;
	if (strchr(path, '/') == NULL)
		for (i = 0; i < f->n; i++)
			if (strcmp(base_name(f->paths[i]), path) == 0)
				return (long)i;
	return -1;
}

static int
read_text(const char *path, struct buf *b, struct jk_err *err)
{
	char chunk[65536];
	size_t k;
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "rb")) == NULL) {
		if (errno == ENOENT)
			return jk_errf(err, JK_ENOTFOUND, "no history log '%s'", path);
		return jk_errno(err, errno, "cannot open '%s'", path);
	}
	while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (buf_add(b, chunk, k) != 0) {
			rc = nomem(err);
			break;
		}
	if (rc == 0 && ferror(fp))
		rc = jk_errno(err, errno, "cannot read '%s'", path);
	fclose(fp);
	return rc;
}

/* A logged path, or the file of that name in the first of dirs that has it. */
static int
add_located(struct rst_files *f, const char *path, char *const *dirs, size_t ndirs,
    struct jk_err *err)
{
	struct buf p = BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < ndirs; i++) {
		buf_reset(&p);
		if (buf_addf(&p, "%s%s%s", dirs[i],
		    dirs[i][0] && dirs[i][strlen(dirs[i]) - 1] == '/' ? "" : "/", base_name(path)) != 0) {
			buf_release(&p);
			return nomem(err);
		}
		if (access(buf_str(&p), F_OK) == 0) {
			rc = rst_files_add(f, buf_str(&p), err);
			buf_release(&p);
			return rc;
		}
	}
	buf_release(&p);
	return rst_files_add(f, path, err);
}

int
rst_files_from_log(struct rst_files *f, const char *log, char *const *dirs, size_t ndirs,
    struct jk_err *err)
{
	struct stat st;
	char **paths;
	size_t n, i;
	int rc;

	/* An instance directory, or a copy of a journal.log: the same reader. */
	if (stat(log, &st) == 0 && S_ISDIR(st.st_mode))
		rc = inst_log_read(log, &paths, &n, err);
	else
		rc = inst_log_read_file(log, &paths, &n, err);
	if (rc == JK_ENOTFOUND)
		return jk_errf(err, JK_ENOTFOUND, "no history log '%s'", log);
	if (rc != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++)
		rc = add_located(f, paths[i], dirs, ndirs, err);
	inst_log_free(paths, n);
	return rc;
}

/* Whether name is prefix + YYYYMMDD.NNN. */
static bool
journal_name(const char *name, const char *prefix)
{
	size_t pn = strlen(prefix), i;

	if (strncmp(name, prefix, pn) != 0 || strlen(name) != pn + 12)
		return false;
	name += pn;
	for (i = 0; i < 12; i++)
		if (i == 8 ? name[i] != '.' : !isdigit((unsigned char)name[i]))
			return false;
	return true;
}

struct found {
	char *name;
	char *path;
	size_t dir;
};

static int
found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->dir < y->dir ? -1 : x->dir > y->dir;
}

int
rst_files_from_dirs(struct rst_files *f, const char *prefix, char *const *dirs, size_t ndirs,
    struct jk_err *err)
{
	struct found *v = NULL, *nv;
	struct dirent *de;
	struct buf p = BUF_INIT;
	size_t n = 0, cap = 0, i;
	DIR *d;
	int rc = 0;

	if (prefix == NULL)
		prefix = "";
	for (i = 0; i < ndirs && rc == 0; i++) {
		if ((d = opendir(dirs[i])) == NULL) {
			rc = jk_errno(err, errno, "cannot search directory '%s'", dirs[i]);
			break;
		}
		while ((de = readdir(d)) != NULL) {
			if (!journal_name(de->d_name, prefix))
				continue;
			buf_reset(&p);
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if ((nv = realloc(v, cap * sizeof *v)) == NULL) {
					rc = nomem(err);
					break;
				}
				v = nv;
			}
			if (buf_addf(&p, "%s%s%s", dirs[i],
			    dirs[i][0] && dirs[i][strlen(dirs[i]) - 1] == '/' ? "" : "/", de->d_name) != 0 ||
			    (v[n].name = strdup(de->d_name)) == NULL) {
				rc = nomem(err);
				break;
			}
			if ((v[n].path = strdup(buf_str(&p))) == NULL) {
				free(v[n].name);
				rc = nomem(err);
				break;
			}
			v[n++].dir = i;
		}
		closedir(d);
	}
	if (rc == 0 && n == 0) {
		rc = jk_errf(err, JK_ENOTFOUND, "no journal files named %sYYYYMMDD.NNN in %s%s",
		    prefix, ndirs ? dirs[0] : "(no directories)", ndirs > 1 ? " or the other directories" : "");
	}
	if (rc == 0) {
		qsort(v, n, sizeof *v, found_cmp);
		for (i = 0; i < n && rc == 0; i++)
			if (i == 0 || strcmp(v[i].name, v[i - 1].name) != 0)
				rc = rst_files_add(f, v[i].path, err);
	}
	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
	buf_release(&p);
	return rc;
}

int
rst_files_range(struct rst_files *f, const char *first, const char *last, struct jk_err *err)
{
	long a = 0, b = (long)f->n - 1, i;

	if (first != NULL && first[0] != '\0' && (a = rst_files_find(f, first)) < 0)
		return jk_errf(err, JK_ENOTFOUND, "journal file %s is not in the list", first);
	if (last != NULL && last[0] != '\0' && (b = rst_files_find(f, last)) < 0)
		return jk_errf(err, JK_ENOTFOUND, "journal file %s is not in the list", last);
	if (b < a)
		return jk_errf(err, JK_EUSAGE, "the final file %s comes before the first file %s",
		    f->paths[b], f->paths[a]);
	for (i = 0; i < (long)f->n; i++)
		if (i < a || i > b)
			free(f->paths[i]);
	memmove(f->paths, f->paths + a, (size_t)(b - a + 1) * sizeof *f->paths);
	f->n = (size_t)(b - a + 1);
	return 0;
}

/* ---- points ----------------------------------------------------------------------- */

void
rst_point_clear(struct rst_point *pt)
{
	free(pt->path);
	free(pt->marker_text);
	memset(pt, 0, sizeof *pt);
	pt->kind = RST_EDGE;
}

int
rst_point_location(struct rst_point *pt, const char *path, uint64_t offset, struct jk_err *err)
{
	char *s = strdup(path);

	if (s == NULL)
		return nomem(err);
	rst_point_clear(pt);
	pt->kind = RST_LOCATION;
	pt->path = s;
	pt->offset = offset;
	return 0;
}

int
rst_point_marker_text(struct rst_point *pt, const char *text, struct jk_err *err)
{
	char *s;

	if (strlen(text) > JRN_MARKER_TEXT_MAX)
		return jk_errf(err, JK_ELIMIT, "marker text is %zu bytes; markers hold at most %d",
		    strlen(text), JRN_MARKER_TEXT_MAX);
	if ((s = strdup(text)) == NULL)
		return nomem(err);
	rst_point_clear(pt);
	pt->kind = RST_MARKER_TEXT;
	pt->marker_text = s;
	return 0;
}

void
rst_point_marker_id(struct rst_point *pt, int64_t id)
{
	rst_point_clear(pt);
	pt->kind = RST_MARKER_ID;
	pt->marker_id = id;
}

void
rst_point_time(struct rst_point *pt, uint64_t time_us)
{
	rst_point_clear(pt);
	pt->kind = RST_TIME;
	pt->time_us = time_us;
}

void
rst_point_seq(struct rst_point *pt, uint64_t seq)
{
	rst_point_clear(pt);
	pt->kind = RST_SEQ;
	pt->seq = seq;
}

void
rst_point_last_restore(struct rst_point *pt)
{
	rst_point_clear(pt);
	pt->kind = RST_LAST_RESTORE;
}

/* Digits only, the whole of s, no overflow. */
static bool
parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (!isdigit((unsigned char)*s) || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* "YYYYMMDD HH:MM:SS[.ffffff]" in local time. */
static bool
parse_local_time(const char *s, uint64_t *us)
{
	struct tm tm;
	unsigned y, mo, d, h, mi, se;
	uint64_t frac = 0;
	int n = 0, digits;
	time_t t;

	if (sscanf(s, "%4u%2u%2u %2u:%2u:%2u%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
	    n != 17 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	s += n;
	if (*s == '.') {
		for (s++, digits = 0; isdigit((unsigned char)*s) && digits < 6; s++, digits++)
			frac = frac * 10 + (uint64_t)(*s - '0');
		if (digits == 0)
			return false;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (*s != '\0')
		return false;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)se;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1 || t < 0)
		return false;
	*us = (uint64_t)t * 1000000u + frac;
	return true;
}

int
rst_point_parse(struct rst_point *pt, const char *s, struct jk_err *err)
{
	struct rst_point x;
	const char *comma;
	uint64_t v;
	char *end;
	int rc;

	memset(&x, 0, sizeof x);
	if (strcmp(s, "begin") == 0 || strcmp(s, "end") == 0) {
		x.kind = RST_EDGE;
	} else if (strcmp(s, "last") == 0) {
		x.kind = RST_LAST_RESTORE;
	} else if (strncmp(s, "marker=", 7) == 0) {
		long long id;

		errno = 0;
		id = strtoll(s + 7, &end, 10);
		if (s[7] == '\0' || *end != '\0' || errno != 0)
			return jk_errf(err, JK_EFORMAT, "bad marker id '%s': an integer, such as 7 or -1", s + 7);
		x.kind = RST_MARKER_ID;
		x.marker_id = id;
	} else if (strncmp(s, "marker:", 7) == 0) {
		rst_point_clear(&x);
		if ((rc = rst_point_marker_text(&x, s + 7, err)) != 0)
			return rc;
	} else if (strncmp(s, "time=@", 6) == 0) {
		if (!parse_u64(s + 6, &v))
			return jk_errf(err, JK_EFORMAT, "bad time '%s': microseconds since 1970 after the @", s + 5);
		x.kind = RST_TIME;
		x.time_us = v;
	} else if (strncmp(s, "time=", 5) == 0) {
		if (!parse_local_time(s + 5, &v))
			return jk_errf(err, JK_EFORMAT,
			    "bad time '%s': YYYYMMDD HH:MM:SS with up to six decimals, such as 20261120 11:00:52",
			    s + 5);
		x.kind = RST_TIME;
		x.time_us = v;
	} else if (strncmp(s, "seq=", 4) == 0) {
		if (!parse_u64(s + 4, &v))
			return jk_errf(err, JK_EFORMAT, "bad sequence number '%s'", s + 4);
		x.kind = RST_SEQ;
		x.seq = v;
	} else if ((comma = strchr(s, ',')) != NULL && comma > s && comma[1] != '\0') {
		char num[32];

		if ((size_t)(comma - s) >= sizeof num)
			goto bad;
		memcpy(num, s, (size_t)(comma - s));
		num[comma - s] = '\0';
		if (!parse_u64(num, &v))
			goto bad;
		rst_point_clear(&x);
		if ((rc = rst_point_location(&x, comma + 1, v, err)) != 0)
			return rc;
	} else {
		goto bad;
	}
	rst_point_clear(pt);
	*pt = x;
	return 0;
bad:
	return jk_errf(err, JK_EFORMAT,
	    "bad restore point '%s': expected begin, end, last, OFFSET,PATH, marker=ID, "
	    "marker:TEXT, time=YYYYMMDD HH:MM:SS, time=@MICROSECONDS or seq=N", s);
}

int
rst_point_format(const struct rst_point *pt, bool stop, struct buf *out)
{
	switch (pt->kind) {
	case RST_EDGE:
		return buf_adds(out, stop ? "end" : "begin");
	case RST_LOCATION:
		return buf_addf(out, "%" PRIu64 ",%s", pt->offset, pt->path ? pt->path : "");
	case RST_MARKER_ID:
		return buf_addf(out, "marker=%" PRId64, pt->marker_id);
	case RST_MARKER_TEXT:
		return buf_addf(out, "marker:%s", pt->marker_text ? pt->marker_text : "");
	case RST_TIME:
		return buf_addf(out, "time=@%" PRIu64, pt->time_us);
	case RST_SEQ:
		return buf_addf(out, "seq=%" PRIu64, pt->seq);
	case RST_LAST_RESTORE:
		return buf_adds(out, "last");
	}
	return buf_adds(out, "?");
}

/* ---- directories -------------------------------------------------------------------- */

/* Append the components of rel to out ("/a/b/"), resolving . and .. by name. */
static int
add_components(struct buf *out, const char *rel)
{
	const char *p = rel, *e;
	size_t n;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (out->len > 1) {
				out->len--;	/* the trailing '/' */
				while (out->len > 0 && out->data[out->len - 1] != '/')
					out->len--;
				out->data[out->len] = '\0';
			}
		} else if (buf_add(out, p, n) != 0 || buf_addc(out, '/') != 0) {
			return JK_ENOMEM;
		}
		p += n;
	}
	return 0;
}

int
rst_canon_dir(const char *dir, struct buf *out, struct jk_err *err)
{
	struct buf abs = BUF_INIT, head = BUF_INIT;
	char cwd[PATH_MAX], *real;
	size_t cut;
	int rc = 0;

	if (dir == NULL || dir[0] == '\0')
		return jk_errf(err, JK_EUSAGE, "empty directory name");
	buf_reset(out);
	if (dir[0] != '/') {
		if (getcwd(cwd, sizeof cwd) == NULL)
			return jk_errno(err, errno, "cannot find the current directory");
		rc = buf_addf(&abs, "/");
		if (rc == 0)
			rc = add_components(&abs, cwd);
	} else {
		rc = buf_adds(&abs, "/");
	}
	if (rc == 0)
		rc = add_components(&abs, dir);
	if (rc != 0) {
		rc = nomem(err);
		goto out;
	}
	/*
	 * Resolve symlinks in the longest part that exists, so that a path
	 * typed through a link names the database as its journal does.
	 */
	cut = abs.len;
	for (;;) {
		buf_reset(&head);
		if (buf_add(&head, abs.data, cut) != 0) {
			rc = nomem(err);
			goto out;
		}
		if ((real = realpath(buf_str(&head), NULL)) != NULL)
			break;
		if (cut <= 1)
			break;
		cut--;		/* drop the trailing '/' and the last component */
		while (cut > 1 && abs.data[cut - 1] != '/')
			cut--;
	}
	if (real != NULL) {
		rc = buf_adds(out, "/");
		if (rc == 0)
			rc = add_components(out, real);
		free(real);
		if (rc == 0)
			rc = add_components(out, (const char *)abs.data + cut);
	} else {
		rc = buf_add(out, abs.data, abs.len);
	}
	if (rc != 0)
		rc = nomem(err);
out:
	buf_release(&abs);
	buf_release(&head);
	return rc;
}

/* ---- the plan ---------------------------------------------------------------------------- */

void
rst_plan_init(struct rst_plan *p)
{
	memset(p, 0, sizeof *p);
	rst_files_init(&p->files);
	p->start.kind = RST_EDGE;
	p->stop.kind = RST_EDGE;
	p->db_errors = RST_CONTINUE;
	p->jrn_errors = RST_ABORT;
	p->check_links = true;
}

static void
db_free(struct rst_db *d)
{
	size_t i;

	free(d->source);
	free(d->target);
	for (i = 0; i < d->nglobals; i++)
		free(d->globals[i]);
	free(d->globals);
}

void
rst_plan_release(struct rst_plan *p)
{
	size_t i;

	free(p->inst);
	rst_files_release(&p->files);
	for (i = 0; i < p->ndbs; i++)
		db_free(&p->dbs[i]);
	free(p->dbs);
	rst_point_clear(&p->start);
	rst_point_clear(&p->stop);
	free(p->csns);
	rst_plan_init(p);
}

int
rst_plan_set_cluster(struct rst_plan *p, const char *log, const struct clu_redirect *r,
    struct jk_err *err)
{
	struct clu_log l;
	struct rst_files f;
	struct buf path = BUF_INIT;
	int *csns = NULL;
	size_t i;
	int rc;

	clu_log_init(&l);
	rst_files_init(&f);
	if ((rc = clu_log_read(log, &l, err)) != 0)
		goto out;
	if (l.n == 0) {
		rc = jk_errf(err, JK_ENOTFOUND, "the cluster journal log %s lists no journal files", log);
		goto out;
	}
	if ((csns = calloc(l.n, sizeof *csns)) == NULL) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		if (r != NULL ? clu_redirect_apply(r, l.e[i].path, &path) != 0 :
		    (buf_reset(&path), buf_adds(&path, l.e[i].path)) != 0) {
			rc = nomem(err);
			goto out;
		}
		if ((rc = rst_files_add(&f, buf_str(&path), err)) != 0)
			goto out;
		csns[i] = l.e[i].csn;
	}
	rst_files_release(&p->files);
	p->files = f;
	rst_files_init(&f);
	free(p->csns);
	p->csns = csns;
	csns = NULL;
out:
	free(csns);
	rst_files_release(&f);
	buf_release(&path);
	clu_log_release(&l);
	return rc;
}

int
rst_plan_set_inst(struct rst_plan *p, const char *dir, struct jk_err *err)
{
	struct buf c = BUF_INIT;
	char *s;
	int rc;

	if (!inst_exists(dir))
		return jk_errf(err, JK_ENOTFOUND, "no jrnkit instance in '%s' (no jrnkit.yaml)", dir);
	if ((rc = db_canon_path(dir, &c, err)) != 0)
		return rc;
	if ((s = strdup(buf_str(&c))) == NULL)
		rc = nomem(err);
	buf_release(&c);
	if (rc == 0) {
		free(p->inst);
		p->inst = s;
	}
	return rc;
}

int
rst_plan_add_db(struct rst_plan *p, const char *source, const char *target,
    char *const *globals, size_t n, struct jk_err *err)
{
	struct rst_db d, *v;
	struct buf c = BUF_INIT;
	size_t i;
	int rc;

	memset(&d, 0, sizeof d);
	if ((rc = rst_canon_dir(source, &c, err)) != 0)
		goto fail;
	if ((d.source = strdup(buf_str(&c))) == NULL)
		goto nomem;
	if (target != NULL && target[0] != '\0') {
		if ((rc = rst_canon_dir(target, &c, err)) != 0)
			goto fail;
		d.target = strdup(buf_str(&c));
	} else {
		d.target = strdup(d.source);
	}
	if (d.target == NULL)
		goto nomem;
	if (n > 0 && (d.globals = calloc(n, sizeof *d.globals)) == NULL)
		goto nomem;
	for (i = 0; i < n; i++, d.nglobals++)
		if ((d.globals[i] = strdup(globals[i])) == NULL)
			goto nomem;
	if ((v = realloc(p->dbs, (p->ndbs + 1) * sizeof *v)) == NULL)
		goto nomem;
	p->dbs = v;
	p->dbs[p->ndbs++] = d;
	buf_release(&c);
	return 0;
nomem:
	rc = nomem(err);
fail:
	db_free(&d);
	buf_release(&c);
	return rc;
}

int
rst_plan_select_files(struct rst_plan *p, const struct rst_select *s, struct jk_err *err)
{
	struct buf b = BUF_INIT;
	char **canon;
	size_t i;
	int rc = 0;

	if ((s->nfiles > 0) + (s->log != NULL) + (s->njdirs > 0) > 1)
		return jk_errf(err, JK_EUSAGE, "give the journal files one way: %s--log or --journal-dir",
		    s->nfiles > 0 ? "FILE..., " : "");
	if (s->nsearch > 0 && s->log == NULL)
		return jk_errf(err, JK_EUSAGE, "--search goes with --log");
	if (s->prefix != NULL && s->njdirs == 0)
		return jk_errf(err, JK_EUSAGE, "--prefix goes with --journal-dir");
	if (s->nfiles > 0) {
		for (i = 0; i < s->nfiles && rc == 0; i++)
			rc = rst_files_add(&p->files, s->files[i], err);
	} else if (s->njdirs > 0) {
		/* made canonical, so the report names them as the log would */
		if ((canon = calloc(s->njdirs, sizeof *canon)) == NULL)
			return nomem(err);
		for (i = 0; i < s->njdirs && rc == 0; i++)
			if ((rc = rst_canon_dir(s->jdirs[i], &b, err)) == 0 &&
			    (canon[i] = strdup(buf_str(&b))) == NULL)
				rc = nomem(err);
		if (rc == 0)
			rc = rst_files_from_dirs(&p->files, s->prefix ? s->prefix : "", canon, s->njdirs, err);
		for (i = 0; i < s->njdirs; i++)
			free(canon[i]);
		free(canon);
		buf_release(&b);
	} else if (s->log != NULL || p->inst != NULL) {
		rc = rst_files_from_log(&p->files, s->log ? s->log : p->inst, s->search, s->nsearch, err);
	} else {
		return jk_errf(err, JK_EUSAGE, "which journal files? give %s--log, --journal-dir, or an "
		    "instance (-I DIR or JRNKIT_HOME) whose journal.log lists them",
		    s->nfiles > 0 ? "FILE..., " : "");
	}
	if (rc == 0 && (s->from != NULL || s->through != NULL))
		rc = rst_files_range(&p->files, s->from, s->through, err);
	return rc;
}

int
rst_plan_select_dbs(struct rst_plan *p, const struct rst_select *s, struct jk_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < s->ndbs && rc == 0; i++)
		rc = rst_plan_add_db(p, s->dbs[i], NULL, s->globals, s->nglobals, err);
	for (i = 0; i < s->nredirects && rc == 0; i++) {
		const char *eq = strchr(s->redirects[i], '=');
		char *src;

		if (eq == NULL || eq == s->redirects[i] || eq[1] == '\0')
			return jk_errf(err, JK_EUSAGE, "--redirect wants OLD=NEW, two directories, not '%s'",
			    s->redirects[i]);
		if ((src = strndup(s->redirects[i], (size_t)(eq - s->redirects[i]))) == NULL)
			return nomem(err);
		rc = rst_plan_add_db(p, src, eq + 1, s->globals, s->nglobals, err);
		free(src);
	}
	return rc;
}

static const char *
policy_text(enum rst_policy x, bool db)
{
	if (db)
		return x == RST_ABORT ? "abort, leaving the databases consistent as of the failing record" :
		    "continue, skipping further updates to that database";
	return x == RST_ABORT ? "abort" : "continue, skipping the damaged part of the file";
}

int
rst_plan_describe_dbs(const struct rst_plan *p, struct buf *out)
{
	size_t i, k, len;
	int rc = 0;

#define ADD(...) do { if (rc == 0) rc = buf_addf(out, __VA_ARGS__); } while (0)
	if (p->all) {
		ADD("Processing all journaled globals in all directories\n");
		return rc;
	}
	ADD("Processing globals from the following datasets:\n");
	for (i = 0; i < p->ndbs; i++) {
		const struct rst_db *d = &p->dbs[i];

		/* the kinds in a column, at least three spaces after the directory */
		len = strlen(d->source);
		ADD(" %zu. %s%*s%s\n", i + 1, d->source, (int)(len + 3 > 18 ? 3 : 18 - len), "",
		    d->nglobals ? "Selected Globals:" : "All Globals");
		for (k = 0; k < d->nglobals; k++)
			ADD("    %s%s\n", d->globals[k][0] == '^' ? "" : "^", d->globals[k]);
		if (strcmp(d->source, d->target) != 0)
			ADD("    (Redirect to: %s)\n", d->target);
	}
#undef ADD
	return rc;
}

int
rst_plan_describe(const struct rst_plan *p, struct buf *out)
{
	size_t i;
	int rc = rst_plan_describe_dbs(p, out);

#define ADD(...) do { if (rc == 0) rc = buf_addf(out, __VA_ARGS__); } while (0)
	if (p->csns != NULL) {
		/* a cluster's files are read together, merged by sequence number */
		ADD("Journal files of the cluster members, merged by sequence number:\n");
		for (i = 0; i < p->files.n; i++)
			ADD("%zu. member %d: %s\n", i + 1, p->csns[i], p->files.paths[i]);
	} else {
		ADD("Journal files in the order they will be processed:\n");
		for (i = 0; i < p->files.n; i++)
			ADD("%zu. %s\n", i + 1, p->files.paths[i]);
	}
	ADD("Start: ");
	if (rc == 0)
		rc = rst_point_format(&p->start, false, out);
	ADD("\nStop: ");
	if (rc == 0)
		rc = rst_point_format(&p->stop, true, out);
	ADD("\n%s\n", p->switch_first ? "Switch the journal file before the restore" :
	    "Do not switch the journal file");
	ADD("%s\n", p->journal_updates ? "Updates will be journaled" : "Updates will NOT be journaled");
	ADD("Database errors: %s\n", policy_text(p->db_errors, true));
	ADD("Journal errors: %s\n", policy_text(p->jrn_errors, false));
	ADD("Incomplete transactions: %s\n", p->rollback ? "rolled back" : "applied");
	if (p->dry_run)
		ADD("Dry run: nothing will be written\n");
#undef ADD
	return rc;
}

/* ---- the check ------------------------------------------------------------------------------ */

/*
 * " (purged on DATE by jrnkit purge" when state/purged of the instance inst
 * names the missing file f, else "" (no instance, no line, unreadable:
 * the message stays as it was).  sep ends the note: ")" or "; ".
 */
static const char *
purged_note(const char *inst, const char *f, const char *sep, char *b, size_t n)
{
	struct jk_err e;
	uint64_t us;
	time_t t;
	struct tm tm;
	char when[32];

	b[0] = '\0';
	jk_err_clear(&e);
	if (inst == NULL || bkp_purged_when(inst, f, &us, &e) != 0)
		return b;
	t = (time_t)(us / 1000000);
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(b, n, " (purged on %s by jrnkit purge%s", when, sep);
	return b;
}

/* rst_files_check; a missing file that state/purged of inst names is said to be purged, and when. */
static int
files_check(const struct rst_files *files, bool links, const char *inst, struct jk_err *err)
{
	struct jrn_reader *r;
	uint64_t prev_id = 0;
	char prev_path[JRN_PATH_MAX + 1] = "", note[96];
	struct stat st;
	size_t i;
	int rc;

	if (files->n == 0)
		return jk_errf(err, JK_EUSAGE, "no journal files to process");
	for (i = 0; i < files->n; i++) {
		const char *f = files->paths[i];

		if (stat(f, &st) != 0) {
			if (errno == ENOENT) {
				purged_note(inst, f, "; ", note, sizeof note);
				return jk_errf(err, JK_ENOTFOUND,
				    "journal file %s is missing (%snumber %zu of the %zu to process)",
				    f, note[0] ? note + 2 : "", i + 1, files->n);
			}
			return jk_errno(err, errno, "cannot read journal file '%s'", f);
		}
		if ((rc = jrn_reader_open(f, &r, err)) != 0)
			return rc;
		if (links && i > 0 && jrn_reader_hdr(r)->prev_id != prev_id) {
			const char *named = jrn_reader_hdr(r)->prev_path;

			if (named[0] != '\0' && strcmp(named, files->paths[i - 1]) != 0)
				rc = jk_errf(err, JK_ENOTFOUND,
				    "journal file %s is missing%s: %s follows it, but the file before it in the list is %s",
				    named, purged_note(inst, named, ")", note, sizeof note), f, files->paths[i - 1]);
			else
				rc = jk_errf(err, JK_ENOTFOUND,
				    "%s does not follow %s: it names %s as the file before it",
				    f, files->paths[i - 1], named[0] ? "another file of that name" : "no file");
		}
		prev_id = jrn_reader_hdr(r)->file_id;
		snprintf(prev_path, sizeof prev_path, "%s", f);
		jrn_reader_close(r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
rst_files_check(const struct rst_files *files, bool links, struct jk_err *err)
{
	return files_check(files, links, NULL, err);
}

/* Pattern text without its ^, for comparing selections. */
static const char *
pat_body(const char *s)
{
	return s[0] == '^' ? s + 1 : s;
}

static bool
has_pattern(const struct rst_db *d, const char *pat)
{
	size_t k;

	for (k = 0; k < d->nglobals; k++)
		if (strcmp(pat_body(d->globals[k]), pat_body(pat)) == 0)
			return true;
	return false;
}

/* The same globals: every pattern of each is one of the other's (none = all). */
static bool
same_selection(const struct rst_db *a, const struct rst_db *b)
{
	size_t k;

	if ((a->nglobals == 0) != (b->nglobals == 0))
		return false;
	for (k = 0; k < a->nglobals; k++)
		if (!has_pattern(b, a->globals[k]))
			return false;
	for (k = 0; k < b->nglobals; k++)
		if (!has_pattern(a, b->globals[k]))
			return false;
	return true;
}

/* The database list; need_targets: each target must hold a database here. */
static int
check_dbs(const struct rst_plan *p, bool need_targets, struct jk_err *err)
{
	size_t i, k;

	if (p->all && p->ndbs > 0)
		return jk_errf(err, JK_EUSAGE,
		    "choose all journaled globals in all directories, or a list of directories, not both");
	if (!p->all && p->ndbs == 0)
		return jk_errf(err, JK_EUSAGE,
		    "no databases to restore: name a directory, or all journaled globals in all directories");
	for (i = 0; i < p->ndbs; i++) {
		const struct rst_db *d = &p->dbs[i];

		for (k = 0; k < i; k++)
			if (strcmp(p->dbs[k].source, d->source) == 0)
				return jk_errf(err, JK_EUSAGE, "directory %s is listed twice", d->source);
		for (k = 0; k < d->nglobals; k++)
			if (!gref_pattern_valid(d->globals[k], strlen(d->globals[k])))
				return jk_errf(err, JK_EUSAGE,
				    "bad global pattern '%s' for %s: a global name starts with a letter, %%, * or ?, "
				    "then letters, digits, *, ? or .", d->globals[k], d->source);
		if (need_targets && !db_exists(d->target)) {
			if (strcmp(d->source, d->target) == 0)
				return jk_errf(err, JK_ENOTFOUND,
				    "No database exists in that directory: %s (redirect it to a directory that holds one)",
				    d->target);
			return jk_errf(err, JK_ENOTFOUND,
			    "No database exists in that directory: %s (where %s is redirected)", d->target, d->source);
		}
	}
	/* The same-target rule: one database, one selection. */
	for (i = 0; i < p->ndbs; i++)
		for (k = 0; k < i; k++)
			if (strcmp(p->dbs[i].target, p->dbs[k].target) == 0 &&
			    !same_selection(&p->dbs[i], &p->dbs[k]))
				return jk_errf(err, JK_EUSAGE,
				    "%s and %s are both redirected to %s but select different globals: "
				    "select the same globals, or redirect one of them elsewhere",
				    p->dbs[k].source, p->dbs[i].source, p->dbs[i].target);
	return 0;
}

int
rst_plan_check_dbs(const struct rst_plan *p, struct jk_err *err)
{
	return check_dbs(p, true, err);
}

int
rst_record_read(const char *inst, struct rst_record *rec, struct jk_err *err)
{
	struct buf text = BUF_INIT, path = BUF_INIT;
	const char *p, *end, *nl, *colon;
	char key[32], val[4200];
	int rc;

	memset(rec, 0, sizeof *rec);
	if (buf_addf(&path, "%s%s%s", inst, inst[0] && inst[strlen(inst) - 1] == '/' ? "" : "/",
	    RST_RECORD) != 0)
		return nomem(err);
	rc = read_text(buf_str(&path), &text, err);
	if (rc == JK_ENOTFOUND)
		rc = jk_errf(err, JK_ENOTFOUND, "no restore has run in %s yet (no %s)", inst, RST_RECORD);
	if (rc != 0)
		goto out;
	p = buf_str(&text);
	end = p + text.len;
	/* The top-level "key: value" lines that rst.c writes; values may be double-quoted. */
	for (; p < end; p = nl + 1) {
		size_t kn, vn = 0;
		const char *v;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (p[0] == ' ' || p[0] == '#' || p[0] == '-' ||
		    (colon = memchr(p, ':', (size_t)(nl - p))) == NULL)
			continue;
		kn = (size_t)(colon - p);
		if (kn >= sizeof key)
			continue;
		memcpy(key, p, kn);
		key[kn] = '\0';
		v = colon + 1;
		while (v < nl && *v == ' ')
			v++;
		if (v < nl && *v == '"') {
			for (v++; v < nl && *v != '"' && vn + 1 < sizeof val; v++) {
				if (*v == '\\' && v + 1 < nl) {
					v++;
					if (*v == 'x' && v + 2 < nl && isxdigit((unsigned char)v[1]) &&
					    isxdigit((unsigned char)v[2])) {
						char h[3] = { v[1], v[2], 0 };

						val[vn++] = (char)strtoul(h, NULL, 16);
						v += 2;
						continue;
					}
				}
				val[vn++] = *v;
			}
		} else {
			for (; v < nl && vn + 1 < sizeof val; v++)
				val[vn++] = *v;
			while (vn > 0 && val[vn - 1] == ' ')
				vn--;
		}
		val[vn] = '\0';
		if (strcmp(key, "status") == 0) {
			snprintf(rec->status, sizeof rec->status, "%.*s", (int)sizeof rec->status - 1, val);
		} else if (strcmp(key, "why") == 0) {
			snprintf(rec->why, sizeof rec->why, "%.*s", (int)sizeof rec->why - 1, val);
		} else if (strcmp(key, "next") == 0) {
			char *c = strchr(val, ',');

			if (c != NULL) {
				*c = '\0';
				parse_u64(val, &rec->next_offset);
				snprintf(rec->next_path, sizeof rec->next_path, "%.*s",
				    (int)sizeof rec->next_path - 1, c + 1);
			}
		} else if (strcmp(key, "started_us") == 0) {
			parse_u64(val, &rec->started_us);
		} else if (strcmp(key, "finished_us") == 0) {
			parse_u64(val, &rec->finished_us);
		} else if (strcmp(key, "records") == 0) {
			parse_u64(val, &rec->records);
		} else if (strcmp(key, "applied") == 0) {
			parse_u64(val, &rec->applied);
		}
	}
	if (rec->status[0] == '\0')
		rc = jk_errf(err, JK_EFORMAT, "%s has no status line", buf_str(&path));
out:
	buf_release(&text);
	buf_release(&path);
	return rc;
}

/* A location of the plan: the file must be in the list, the offset inside it. */
static int
resolve_location(const struct rst_plan *p, const char *path, uint64_t off, struct rst_pos *pos,
    const char *what, struct jk_err *err)
{
	struct stat st;
	long i = rst_files_find(&p->files, path);

	if (i < 0)
		return jk_errf(err, JK_ENOTFOUND, "the %s point's journal file %s is not among the files to process",
		    what, path);
	if (stat(p->files.paths[i], &st) == 0 && off > (uint64_t)st.st_size)
		return jk_errf(err, JK_EUSAGE, "the %s point's offset %" PRIu64 " is past the end of %s (%lld bytes)",
		    what, off, p->files.paths[i], (long long)st.st_size);
	pos->fi = (size_t)i;
	pos->off = off;
	return 0;
}

static bool
marker_matches(const struct rst_point *pt, const struct jrn_rec *r)
{
	if (r->type != JRN_MARKER)
		return false;
	if (pt->kind == RST_MARKER_ID)
		return r->marker_id == pt->marker_id;
	return r->vallen == strlen(pt->marker_text) &&
	    memcmp(r->val, pt->marker_text, r->vallen) == 0;
}

/* The first marker matching pt at or after from; its place and time. */
static int
find_marker(const struct rst_plan *p, const struct rst_point *pt, struct rst_pos from,
    const char *what, struct rst_pos *at, uint64_t *time_us, struct jk_err *err)
{
	struct jrn_chain *c;
	struct jrn_rec r;
	struct buf desc = BUF_INIT;
	size_t fi;
	int rc;

	if ((rc = jrn_chain_open(p->files.paths + from.fi, p->files.n - from.fi, &c, err)) != 0)
		return rc;
	jrn_chain_check_links(c, p->check_links);
	while ((rc = jrn_chain_next(c, &r, NULL)) == 0) {
		fi = from.fi + jrn_chain_index(c);
		if (fi == from.fi && r.offset < from.off)
			continue;
		if (marker_matches(pt, &r)) {
			at->fi = fi;
			at->off = r.offset;
			*time_us = r.time_us;
			jrn_chain_close(c);
			return 0;
		}
	}
	rst_point_format(pt, false, &desc);
	if (rc > 0)
		rc = jk_errf(err, JK_ENOTFOUND, "the %s point %s is not in the journal files to process%s",
		    what, buf_str(&desc), from.fi > 0 || from.off > 0 ? " after the start point" : "");
	else
		rc = jk_errf(err, JK_ENOTFOUND, "the %s point %s was not found before a journal error: %s",
		    what, buf_str(&desc), jrn_chain_err(c)->msg);
	buf_release(&desc);
	jrn_chain_close(c);
	return rc;
}

/* The time of the first record at or after pos; false at the end of its file. */
static bool
time_at(const struct rst_plan *p, struct rst_pos pos, uint64_t *time_us)
{
	struct jrn_reader *r;
	struct jrn_rec rec;
	bool ok = false;

	if (jrn_reader_open(p->files.paths[pos.fi], &r, NULL) != 0)
		return false;
	if (jrn_reader_seek(r, pos.off) == 0 && jrn_reader_next(r, &rec) == 0) {
		*time_us = rec.time_us;
		ok = true;
	}
	jrn_reader_close(r);
	return ok;
}

static int
resolve_point(const struct rst_plan *p, const struct rst_point *pt, bool stop, struct rst_pos from,
    struct rst_bound *b, struct jk_err *err)
{
	const char *what = stop ? "stop" : "start";
	struct rst_record rec;
	int rc;

	memset(b, 0, sizeof *b);
	switch (pt->kind) {
	case RST_EDGE:
		b->kind = RST_EDGE;
		return 0;
	case RST_LOCATION:
		b->kind = RST_LOCATION;
		return resolve_location(p, pt->path ? pt->path : "", pt->offset, &b->pos, what, err);
	case RST_MARKER_ID:
	case RST_MARKER_TEXT:
		if (pt->kind == RST_MARKER_TEXT && pt->marker_text == NULL)
			return jk_errf(err, JK_EUSAGE, "the %s point is a marker text, but there is no text", what);
		b->kind = RST_LOCATION;
		return find_marker(p, pt, from, what, &b->pos, &b->time_us, err);
	case RST_TIME:
		b->kind = RST_TIME;
		b->time_us = pt->time_us;
		return 0;
	case RST_SEQ:
		b->kind = RST_SEQ;
		b->seq = pt->seq;
		return 0;
	case RST_LAST_RESTORE:
		if (stop)
			return jk_errf(err, JK_EUSAGE, "the last restore is where a restore starts, not where it stops");
		if ((rc = rst_record_read(p->inst, &rec, err)) != 0)
			return rc;
		if (strcmp(rec.status, "running") == 0)
			return jk_errf(err, JK_ESTATE,
			    "the last restore in %s did not finish (it may have crashed): run it again "
			    "from its own start point", p->inst);
		b->kind = RST_LOCATION;
		if (rec.next_path[0] == '\0')
			return jk_errf(err, JK_ESTATE,
			    "the last restore in %s was stopped before it reached its start point: "
			    "run it again from its own start point", p->inst);
		if (rst_files_find(&p->files, rec.next_path) < 0)
			return jk_errf(err, JK_ENOTFOUND,
			    "the last restore stopped at offset %" PRIu64 " of %s, which is not among the files to process",
			    rec.next_offset, rec.next_path);
		return resolve_location(p, rec.next_path, rec.next_offset, &b->pos, what, err);
	}
	return jk_errf(err, JK_EUSAGE, "unknown %s point kind %d", what, (int)pt->kind);
}

/* Whether the stop lies before the start, where the two can be compared. */
static bool
stop_before_start(const struct rst_plan *p, const struct rst_bound *a, const struct rst_bound *b)
{
	uint64_t t;

	if (a->kind == RST_EDGE || b->kind == RST_EDGE)
		return false;
	if (a->kind == RST_LOCATION && b->kind == RST_LOCATION)
		return rst_pos_cmp(b->pos, a->pos) < 0;
	if (a->kind == RST_TIME && b->kind == RST_TIME)
		return b->time_us < a->time_us;
	if (a->kind == RST_SEQ && b->kind == RST_SEQ)
		return b->seq < a->seq;
	if (a->kind == RST_LOCATION && b->kind == RST_TIME)
		return time_at(p, a->pos, &t) && t > b->time_us;
	if (a->kind == RST_TIME && b->kind == RST_LOCATION)
		return time_at(p, b->pos, &t) && t < a->time_us;
	return false;
}

/* The instance's current file while journaling, into cur ("" when not journaling). */
static int
check_current(const struct rst_plan *p, struct jk_err *err)
{
	struct jrn_status st;
	struct jk *j;
	int rc;

	if ((rc = jk_open(p->inst, &j, err)) != 0)
		return rc;
	if ((rc = jk_status(j, &st)) != 0) {
		*err = *jk_err(j);
		goto out;
	}
	if (st.journaling && !p->switch_first && rst_files_find(&p->files, st.path) >= 0) {
		rc = jk_errf(err, JK_ESTATE,
		    "The journal restore includes the current journal file %s. You cannot do that "
		    "unless you stop journaling or switch journaling to another file.", st.path);
		goto out;
	}
	if (p->journal_updates && !st.journaling)
		rc = jk_errf(err, JK_ESTATE,
		    "Updates cannot be journaled: journaling is stopped in %s (start it, or do not journal the updates)",
		    p->inst);
out:
	jk_close(j);
	return rc;
}

/* A cluster plan's files: each member's, in order, checked as a chain of their own. */
static int
check_members(const struct rst_plan *p, struct jk_err *err)
{
	struct rst_files f;
	bool *done;
	size_t i, k;
	int rc = 0;

	if ((done = calloc(p->files.n, sizeof *done)) == NULL)
		return nomem(err);
	for (i = 0; i < p->files.n && rc == 0; i++) {
		if (done[i])
			continue;
		f.n = 0;
		if ((f.paths = calloc(p->files.n, sizeof *f.paths)) == NULL) {
			rc = nomem(err);
			break;
		}
		for (k = i; k < p->files.n; k++) {
			if (p->csns[k] == p->csns[i]) {
				f.paths[f.n++] = p->files.paths[k];
				done[k] = true;
			}
		}
		rc = rst_files_check(&f, p->check_links, err);
		free(f.paths);		/* the strings are the plan's */
	}
	free(done);
	return rc;
}

/*
 * A point of a cluster plan as a sequence number (rst_plan_set_cluster):
 * a location is the number of the record there; a marker, the smallest
 * number of the markers that match.
 */
static int
resolve_cluster_point(const struct rst_plan *p, const struct rst_point *pt, bool stop,
    struct rst_bound *b, struct jk_err *err)
{
	const char *what = stop ? "stop" : "start";
	struct jrn_reader *r;
	struct jrn_rec rec;
	struct rst_pos pos, pos0 = { 0, 0, 0 };
	struct buf desc = BUF_INIT;
	size_t i;
	int rc;

	memset(b, 0, sizeof *b);
	switch (pt->kind) {
	case RST_EDGE:
	case RST_SEQ:
		return resolve_point(p, pt, stop, pos0, b, err);
	case RST_LOCATION:
		if ((rc = resolve_location(p, pt->path ? pt->path : "", pt->offset, &pos, what, err)) != 0)
			return rc;
		if ((rc = jrn_reader_open(p->files.paths[pos.fi], &r, err)) != 0)
			return rc;
		if ((rc = jrn_reader_seek(r, pos.off)) == 0 && (rc = jrn_reader_next(r, &rec)) == 0 &&
		    rec.offset == pos.off && rec.seq != 0) {
			b->kind = RST_SEQ;
			b->seq = rec.seq;
		} else {
			rc = jk_errf(err, JK_EUSAGE, "the %s point %" PRIu64 ",%s is not a record with a "
			    "cluster sequence number", what, pt->offset, p->files.paths[pos.fi]);
		}
		jrn_reader_close(r);
		return rc;
	case RST_MARKER_ID:
	case RST_MARKER_TEXT:
		if (pt->kind == RST_MARKER_TEXT && pt->marker_text == NULL)
			return jk_errf(err, JK_EUSAGE, "the %s point is a marker text, but there is no text", what);
		for (i = 0; i < p->files.n; i++) {
			if (jrn_reader_open(p->files.paths[i], &r, NULL) != 0)
				continue;
			while (jrn_reader_next(r, &rec) == 0)
				if (marker_matches(pt, &rec) && rec.seq != 0 && (b->seq == 0 || rec.seq < b->seq))
					b->seq = rec.seq;
			jrn_reader_close(r);
		}
		if (b->seq != 0) {
			b->kind = RST_SEQ;
			return 0;
		}
		rst_point_format(pt, false, &desc);
		rc = jk_errf(err, JK_ENOTFOUND, "the %s point %s is not among the cluster's journal files",
		    what, buf_str(&desc));
		buf_release(&desc);
		return rc;
	default:
		return jk_errf(err, JK_EUSAGE, "a cluster restore starts and stops at sequence numbers, "
		    "markers or locations, not at %s", pt->kind == RST_TIME ? "a time" : "the last restore");
	}
}

/* The files, the database list (targets only when need_targets), the points. */
static int
resolve(const struct rst_plan *p, struct rst_bound *start, struct rst_bound *stop,
    bool need_targets, struct jk_err *err)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct rst_pos from = { 0, 0, 0 };
	int rc;

	if (p->csns != NULL) {
		if ((rc = check_members(p, err)) != 0 || (rc = check_dbs(p, need_targets, err)) != 0 ||
		    (rc = resolve_cluster_point(p, &p->start, false, start, err)) != 0 ||
		    (rc = resolve_cluster_point(p, &p->stop, true, stop, err)) != 0)
			return rc;
		goto points_done;
	}
	if ((rc = files_check(&p->files, p->check_links, p->inst, err)) != 0 ||
	    (rc = check_dbs(p, need_targets, err)) != 0)
		return rc;
	if (p->inst == NULL && p->start.kind == RST_LAST_RESTORE)
		return jk_errf(err, JK_EUSAGE, "no instance: the last restore is an instance's");
	if ((rc = resolve_point(p, &p->start, false, from, start, err)) != 0)
		return rc;
	/* A stop marker is the first one after the start, when the start is a place. */
	if (start->kind == RST_LOCATION)
		from = start->pos;
	if ((rc = resolve_point(p, &p->stop, true, from, stop, err)) != 0)
		return rc;
points_done:
	if (stop_before_start(p, start, stop)) {
		rst_point_format(&p->start, false, &a);
		rst_point_format(&p->stop, true, &b);
		rc = jk_errf(err, JK_EUSAGE, "the stop point (%s) is before the start point (%s)",
		    buf_str(&b), buf_str(&a));
		buf_release(&a);
		buf_release(&b);
		return rc;
	}
	return 0;
}

int
rst_resolve(const struct rst_plan *p, struct rst_bound *start, struct rst_bound *stop,
    struct jk_err *err)
{
	int rc;

	if (p->inst == NULL)
		return jk_errf(err, JK_EUSAGE, "no instance: a restore runs in an instance (its restore record, its journal)");
	if (!inst_exists(p->inst))
		return jk_errf(err, JK_ENOTFOUND, "no jrnkit instance in '%s' (no jrnkit.yaml)", p->inst);
	if ((rc = resolve(p, start, stop, true, err)) != 0)
		return rc;
	if (!p->dry_run && (rc = check_current(p, err)) != 0)
		return rc;
	return 0;
}

int
rst_resolve_range(const struct rst_plan *p, struct rst_bound *start, struct rst_bound *stop,
    struct jk_err *err)
{
	return resolve(p, start, stop, false, err);
}

int
rst_plan_default_start(struct rst_plan *p, struct buf *note, struct jk_err *err)
{
	struct bkp_history h;
	const struct bkp_entry *b;
	struct rst_record rec;
	uint64_t restored_us;
	int rc;

	if (p->inst == NULL || (rc = bkp_history_read(p->inst, &h, err)) != 0)
		return p->inst == NULL ? 0 : rc;
	b = bkp_history_restored(&h, &restored_us);
	if (b == NULL || rst_files_find(&p->files, b->marker_path) < 0) {
		rc = 0;
	} else if (rst_record_read(p->inst, &rec, NULL) == 0 && rec.started_us > restored_us &&
	    strcmp(rec.status, "running") != 0 && rec.next_path[0] != '\0' &&
	    rst_files_find(&p->files, rec.next_path) >= 0) {
		rst_point_last_restore(&p->start);
		rc = buf_addf(note, "where the last restore stopped, %" PRIu64 ",%s (after backup %s)",
		    rec.next_offset, rec.next_path, b->name) != 0 ? nomem(err) : 0;
	} else if ((rc = rst_point_location(&p->start, b->marker_path, b->marker_offset, err)) == 0) {
		rc = buf_addf(note, "the marker of backup %s, %" PRIu64 ",%s", b->name, b->marker_offset,
		    b->marker_path) != 0 ? nomem(err) : 0;
	}
	bkp_history_release(&h);
	return rc;
}

int
rst_plan_check(const struct rst_plan *p, struct jk_err *err)
{
	struct rst_bound a, b;

	return rst_resolve(p, &a, &b, err);
}
