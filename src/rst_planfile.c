/*
 * rst_planfile.c - restore plans as YAML files (jrnkit-plan(5)): read one
 * into a struct rst_plan, write one back.
 *
 * A plan file is one YAML mapping whose keys are the plan's fields:
 *
 *	version            1, optional
 *	instance           the instance the restore runs in, optional
 *	files              the journal files, a list, in the order processed
 *	journal_log        ... or a history log (with search: directories)
 *	journal_dirs       ... or directories searched for PREFIXYYYYMMDD.NNN
 *	                   (with prefix); with either of these two, from and
 *	                   through cut the list
 *	databases          all, or a list of {source, target, globals}
 *	start, stop        points in rst_point_parse's syntax
 *	switch journal_updates database_errors journal_errors rollback
 *	check_links        the switches
 *
 * Reading walks libyaml's events, not a composed document, as inst.c does
 * for jrnkit.yaml: the composer keeps both of two equal keys, and the
 * events carry the place of every key and value for the message.  Every
 * error names the place, "NAME:LINE:COL: message", the key or value at
 * fault, and the first one found ends the parse.  Values are taken as
 * text whatever YAML would make of them (20261120.001 is a file name, not
 * a float); only the switches are YAML words, yes/no/true/false, and only
 * unquoted.
 *
 * Invariants:
 *
 *  1. The parse fills a plan of its own and hands it over only whole: on
 *     error the caller's plan is as it was.
 *  2. A history log or directories are resolved into a file list when the
 *     file is read, once every key is known (search, prefix, from and
 *     through may come after the key they qualify); a plan file written
 *     back lists the files, so running it again reads the same files even
 *     after the log has grown.
 *  3. rst_plan_write writes only what rst_plan_parse reads back to the same
 *     plan, field by field: every string double-quoted (yml_add_quoted),
 *     every point re-read before it is written.  A plan it cannot write
 *     that way (a string that is not UTF-8, a stop at the last restore, all
 *     databases and a list, a bad pattern, a source listed twice) is
 *     refused with JK_EUSAGE, not written wrong.
 */
#include "rst.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "gref.h"
#include "inst.h"
#include "rst_int.h"
#include "yml.h"

/* Longest piece of a bad value quoted back in a message. */
#define SHOW 64

/* The keys of a plan file, in the order rst_plan_write writes them. */
enum key_id {
	K_VERSION,
	K_INSTANCE,
	K_FILES,
	K_JOURNAL_LOG,
	K_SEARCH,
	K_JOURNAL_DIRS,
	K_PREFIX,
	K_FROM,
	K_THROUGH,
	K_DATABASES,
	K_START,
	K_STOP,
	K_SWITCH,
	K_JOURNAL_UPDATES,
	K_DATABASE_ERRORS,
	K_JOURNAL_ERRORS,
	K_ROLLBACK,
	K_CHECK_LINKS,
	NKEYS
};

static const char *const key_names[NKEYS] = {
	[K_VERSION] = "version",
	[K_INSTANCE] = "instance",
	[K_FILES] = "files",
	[K_JOURNAL_LOG] = "journal_log",
	[K_SEARCH] = "search",
	[K_JOURNAL_DIRS] = "journal_dirs",
	[K_PREFIX] = "prefix",
	[K_FROM] = "from",
	[K_THROUGH] = "through",
	[K_DATABASES] = "databases",
	[K_START] = "start",
	[K_STOP] = "stop",
	[K_SWITCH] = "switch",
	[K_JOURNAL_UPDATES] = "journal_updates",
	[K_DATABASE_ERRORS] = "database_errors",
	[K_JOURNAL_ERRORS] = "journal_errors",
	[K_ROLLBACK] = "rollback",
	[K_CHECK_LINKS] = "check_links",
};

#define PLAN_VERSION	"1"

/* ---- reading ------------------------------------------------------------------ */

/* Strings read from a list, each with the place of its value. */
struct strs {
	char **v;
	yaml_mark_t *mark;
	size_t n;
};

struct pf {
	yaml_parser_t yp;
	yaml_event_t ev;		/* the current event */
	const char *name;		/* the file, for messages */
	const char *text;
	size_t len;
	struct jk_err *err;
	struct rst_plan q;		/* filled here, handed over whole (invariant 1) */
	bool have[NKEYS];
	yaml_mark_t kmark[NKEYS];	/* the place of each key given */
	/* The journal file sources, resolved at the end (invariant 2). */
	char *log, *prefix, *from, *through;
	struct strs files, search, dirs;
	yaml_mark_t *srcmark;		/* the source value of each of q.dbs */
};

#define AT(pf, mark, ...) yml_at((pf)->err, (pf)->name, (mark), __VA_ARGS__)

static int
nomem(struct pf *pf)
{
	return jk_errf(pf->err, JK_ENOMEM, "%s: out of memory", pf->name);
}

/*
 * An error of a call the file asked for, at the place that asked: the
 * call's code (JK_EFORMAT when code is 0) and "NAME:LINE:COL: its message".
 */
static int
at_call(struct pf *pf, yaml_mark_t m, int code, const struct jk_err *e)
{
	if (code == 0)
		code = JK_EFORMAT;
	jk_errf(pf->err, code, "%s:%zu:%zu: %s", pf->name, m.line + 1, m.column + 1, e->msg);
	if (pf->err != NULL)
		pf->err->sys_errno = e->sys_errno;
	return code;
}

static int
next(struct pf *pf)
{
	return yml_next_event(&pf->yp, &pf->ev, pf->name, pf->text, pf->len, pf->err);
}

/* The current scalar (borrowed until the next event). */
static const char *
sval(const struct pf *pf)
{
	return (const char *)pf->ev.data.scalar.value;
}

static bool
plain(const struct pf *pf)
{
	return pf->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/*
 * No value: an empty string however quoted, or a plain YAML null (a key
 * with nothing after it, ~, null).
 */
static bool
is_null(const struct pf *pf)
{
	const char *s = sval(pf);

	return s[0] == '\0' || (plain(pf) && (strcmp(s, "~") == 0 ||
	    strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0));
}

/* The current event as a message names it: a scalar by its value, else by its kind. */
static const char *
noun(const struct pf *pf, char *b, size_t size)
{
	if (pf->ev.type != YAML_SCALAR_EVENT)
		return yml_event_noun(pf->ev.type);
	snprintf(b, size, "'%.*s'", SHOW, sval(pf));
	return b;
}

/* The next event, which must be a scalar: what names it in the message. */
static int
text_value(struct pf *pf, const char *what)
{
	int rc;

	if ((rc = next(pf)) != 0)
		return rc;
	if (pf->ev.type != YAML_SCALAR_EVENT)
		return AT(pf, pf->ev.start_mark, "%s must be text, not %s", what,
		    yml_event_noun(pf->ev.type));
	if (strlen(sval(pf)) != pf->ev.data.scalar.length)
		return AT(pf, pf->ev.start_mark, "%s contains a NUL character", what);
	return 0;
}

static void
strs_release(struct strs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->mark);
	memset(s, 0, sizeof *s);
}

static int
strs_add(struct strs *s, const char *x, yaml_mark_t m)
{
	char **v;
	yaml_mark_t *mv;
	char *c;

	if ((c = strdup(x)) == NULL)
		return JK_ENOMEM;
	if ((v = realloc(s->v, (s->n + 1) * sizeof *v)) == NULL) {
		free(c);
		return JK_ENOMEM;
	}
	s->v = v;
	if ((mv = realloc(s->mark, (s->n + 1) * sizeof *mv)) == NULL) {
		free(c);
		return JK_ENOMEM;
	}
	s->mark = mv;
	s->v[s->n] = c;
	s->mark[s->n++] = m;
	return 0;
}

/* A list of non-empty texts into out (appended). */
static int
get_strs(struct pf *pf, const char *what, struct strs *out)
{
	char nb[SHOW + 3];
	int rc;

	if ((rc = next(pf)) != 0)
		return rc;
	if (pf->ev.type != YAML_SEQUENCE_START_EVENT)
		return AT(pf, pf->ev.start_mark, "%s must be a list, not %s", what,
		    noun(pf, nb, sizeof nb));
	for (;;) {
		if ((rc = next(pf)) != 0)
			return rc;
		if (pf->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (pf->ev.type != YAML_SCALAR_EVENT)
			return AT(pf, pf->ev.start_mark, "an item of %s must be text, not %s", what,
			    yml_event_noun(pf->ev.type));
		if (strlen(sval(pf)) != pf->ev.data.scalar.length)
			return AT(pf, pf->ev.start_mark, "an item of %s contains a NUL character",
			    what);
		if (is_null(pf))
			return AT(pf, pf->ev.start_mark, "an item of %s is empty", what);
		if (strs_add(out, sval(pf), pf->ev.start_mark) != 0)
			return nomem(pf);
	}
}

/* A text into *out (owned), NULL for no value. */
static int
get_opt_text(struct pf *pf, const char *what, char **out)
{
	int rc;

	if ((rc = text_value(pf, what)) != 0)
		return rc;
	free(*out);
	*out = NULL;
	if (!is_null(pf) && (*out = strdup(sval(pf))) == NULL)
		return nomem(pf);
	return 0;
}

/* 1 true, 0 false, -1 not a flag. */
static int
flag_word(const char *s)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0)
		return 1;
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0)
		return 0;
	return -1;
}

static int
get_flag(struct pf *pf, const char *what, bool *out)
{
	int rc, v;

	if ((rc = text_value(pf, what)) != 0)
		return rc;
	v = flag_word(sval(pf));
	if (v >= 0 && !plain(pf))
		return AT(pf, pf->ev.start_mark, "%s must be yes or no, unquoted", what);
	if (v < 0)
		return AT(pf, pf->ev.start_mark, "%s must be yes or no, not '%.*s'", what, SHOW,
		    sval(pf));
	*out = v == 1;
	return 0;
}

static int
get_policy(struct pf *pf, const char *what, enum rst_policy *out)
{
	int rc;

	if ((rc = text_value(pf, what)) != 0)
		return rc;
	if (strcasecmp(sval(pf), "continue") == 0)
		*out = RST_CONTINUE;
	else if (strcasecmp(sval(pf), "abort") == 0)
		*out = RST_ABORT;
	else
		return AT(pf, pf->ev.start_mark, "%s must be continue or abort, not '%.*s'", what,
		    SHOW, sval(pf));
	return 0;
}

static int
get_version(struct pf *pf)
{
	const char *s;
	int rc;

	if ((rc = text_value(pf, "version")) != 0)
		return rc;
	s = sval(pf);
	if (plain(pf) && strcmp(s, PLAN_VERSION) == 0)
		return 0;
	/* A later version of the format: say so, with its own code. */
	if (plain(pf) && s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == strlen(s)) {
		rc = AT(pf, pf->ev.start_mark, "plan file version %.*s; this jrnkit reads version "
		    PLAN_VERSION, SHOW, s);
		if (pf->err != NULL)
			pf->err->code = JK_EVERSION;
		return JK_EVERSION;
	}
	return AT(pf, pf->ev.start_mark, "version must be " PLAN_VERSION ", not '%.*s'", SHOW, s);
}

/* A start or stop point. */
static int
get_point(struct pf *pf, bool stop)
{
	struct rst_point *pt = stop ? &pf->q.stop : &pf->q.start;
	const char *what = stop ? "stop" : "start";
	struct jk_err e;
	int rc;

	if ((rc = text_value(pf, what)) != 0)
		return rc;
	if (strcmp(sval(pf), stop ? "begin" : "end") == 0)
		return AT(pf, pf->ev.start_mark, "%s must be %s or a point, not %s", what,
		    stop ? "end" : "begin", sval(pf));
	jk_err_clear(&e);
	if ((rc = rst_point_parse(pt, sval(pf), &e)) != 0)
		return at_call(pf, pf->ev.start_mark, rc == JK_ENOMEM ? rc : JK_EFORMAT, &e);
	if (stop && pt->kind == RST_LAST_RESTORE)
		return AT(pf, pf->ev.start_mark,
		    "the stop cannot be last: the last restore is where a restore starts, "
		    "not where it stops");
	return 0;
}

static int
get_instance(struct pf *pf)
{
	struct jk_err e;
	int rc;

	if ((rc = text_value(pf, "instance")) != 0)
		return rc;
	if (is_null(pf))
		return AT(pf, pf->ev.start_mark, "instance must not be empty");
	jk_err_clear(&e);
	if ((rc = rst_plan_set_inst(&pf->q, sval(pf), &e)) != 0)
		return at_call(pf, pf->ev.start_mark, rc, &e);
	return 0;
}

/* One item of databases: a mapping of source, target and globals. */
static int
get_db(struct pf *pf)
{
	static const char *const names[] = { "source", "target", "globals" };
	yaml_mark_t map = pf->ev.start_mark, seen[3], srcmark = { 0, 0, 0 }, *mv;
	bool have[3] = { false, false, false };
	char *source = NULL, *target = NULL, nb[SHOW + 3];
	struct strs globals = { NULL, NULL, 0 };
	struct jk_err e;
	size_t i, k, last;
	int rc;

	for (;;) {
		if ((rc = next(pf)) != 0)
			goto out;
		if (pf->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (pf->ev.type != YAML_SCALAR_EVENT) {
			rc = AT(pf, pf->ev.start_mark, "expected a key of a database, found %s",
			    noun(pf, nb, sizeof nb));
			goto out;
		}
		for (k = 0; k < 3; k++)
			if (strlen(names[k]) == pf->ev.data.scalar.length &&
			    strcmp(names[k], sval(pf)) == 0)
				break;
		if (k == 3) {
			rc = AT(pf, pf->ev.start_mark,
			    "unknown key '%.*s' (a database has source, target and globals)", SHOW,
			    sval(pf));
			goto out;
		}
		if (have[k]) {
			rc = AT(pf, pf->ev.start_mark, "duplicate key '%s' (first at line %zu)",
			    names[k], seen[k].line + 1);
			goto out;
		}
		have[k] = true;
		seen[k] = pf->ev.start_mark;
		switch (k) {
		case 0:
			if ((rc = text_value(pf, "source")) != 0)
				goto out;
			if (is_null(pf)) {
				rc = AT(pf, pf->ev.start_mark, "source must not be empty");
				goto out;
			}
			srcmark = pf->ev.start_mark;
			if ((source = strdup(sval(pf))) == NULL)
				goto nomem;
			break;
		case 1:
			if ((rc = get_opt_text(pf, "target", &target)) != 0)
				goto out;
			break;
		default:
			if ((rc = get_strs(pf, "globals", &globals)) != 0)
				goto out;
			for (i = 0; i < globals.n; i++)
				if (!gref_pattern_valid(globals.v[i], strlen(globals.v[i]))) {
					rc = AT(pf, globals.mark[i],
					    "bad global pattern '%.*s': a global name starts with a "
					    "letter, %%, * or ?, then letters, digits, *, ? or .", SHOW,
					    globals.v[i]);
					goto out;
				}
			break;
		}
	}
	if (source == NULL) {
		rc = AT(pf, map, "missing key 'source' (the directory the journals name)");
		goto out;
	}
	jk_err_clear(&e);
	if ((rc = rst_plan_add_db(&pf->q, source, target, globals.v, globals.n, &e)) != 0) {
		rc = at_call(pf, srcmark, rc, &e);
		goto out;
	}
	if ((mv = realloc(pf->srcmark, pf->q.ndbs * sizeof *mv)) == NULL)
		goto nomem;
	pf->srcmark = mv;
	last = pf->q.ndbs - 1;
	mv[last] = srcmark;
	for (i = 0; i < last; i++)
		if (strcmp(pf->q.dbs[i].source, pf->q.dbs[last].source) == 0) {
			rc = AT(pf, srcmark, "directory %s is listed twice (first at line %zu)",
			    pf->q.dbs[last].source, mv[i].line + 1);
			goto out;
		}
	rc = 0;
	goto out;
nomem:
	rc = nomem(pf);
out:
	free(source);
	free(target);
	strs_release(&globals);
	return rc;
}

static int
get_databases(struct pf *pf)
{
	char nb[SHOW + 3];
	int rc;

	if ((rc = next(pf)) != 0)
		return rc;
	if (pf->ev.type == YAML_SCALAR_EVENT && strcmp(sval(pf), "all") == 0 &&
	    pf->ev.data.scalar.length == 3) {
		pf->q.all = true;
		return 0;
	}
	if (pf->ev.type != YAML_SEQUENCE_START_EVENT)
		return AT(pf, pf->ev.start_mark, "databases must be all or a list of databases, "
		    "not %s", noun(pf, nb, sizeof nb));
	for (;;) {
		if ((rc = next(pf)) != 0)
			return rc;
		if (pf->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (pf->ev.type != YAML_MAPPING_START_EVENT)
			return AT(pf, pf->ev.start_mark, "a database must be a mapping of source, "
			    "target and globals, not %s", noun(pf, nb, sizeof nb));
		if ((rc = get_db(pf)) != 0)
			return rc;
	}
}

/* The value of key k, the current event being the key. */
static int
get_value(struct pf *pf, enum key_id k)
{
	const char *name = key_names[k];
	int rc;

	switch (k) {
	case K_VERSION:
		return get_version(pf);
	case K_INSTANCE:
		return get_instance(pf);
	case K_FILES:
		return get_strs(pf, name, &pf->files);
	case K_JOURNAL_LOG:
		if ((rc = get_opt_text(pf, name, &pf->log)) == 0 && pf->log == NULL)
			rc = AT(pf, pf->ev.start_mark, "journal_log must not be empty");
		return rc;
	case K_SEARCH:
		return get_strs(pf, name, &pf->search);
	case K_JOURNAL_DIRS:
		return get_strs(pf, name, &pf->dirs);
	case K_PREFIX:
		return get_opt_text(pf, name, &pf->prefix);
	case K_FROM:
		return get_opt_text(pf, name, &pf->from);
	case K_THROUGH:
		return get_opt_text(pf, name, &pf->through);
	case K_DATABASES:
		return get_databases(pf);
	case K_START:
		return get_point(pf, false);
	case K_STOP:
		return get_point(pf, true);
	case K_SWITCH:
		return get_flag(pf, name, &pf->q.switch_first);
	case K_JOURNAL_UPDATES:
		return get_flag(pf, name, &pf->q.journal_updates);
	case K_DATABASE_ERRORS:
		return get_policy(pf, name, &pf->q.db_errors);
	case K_JOURNAL_ERRORS:
		return get_policy(pf, name, &pf->q.jrn_errors);
	case K_ROLLBACK:
		return get_flag(pf, name, &pf->q.rollback);
	case K_CHECK_LINKS:
		return get_flag(pf, name, &pf->q.check_links);
	case NKEYS:
		break;
	}
	return AT(pf, pf->ev.start_mark, "%s: unhandled key", name);
}

/* The keys that only qualify another: each with the keys it goes with. */
static int
check_companions(struct pf *pf)
{
	if (pf->have[K_SEARCH] && !pf->have[K_JOURNAL_LOG])
		return AT(pf, pf->kmark[K_SEARCH], "search goes with journal_log: it names "
		    "directories to look for the logged files in");
	if (pf->have[K_PREFIX] && !pf->have[K_JOURNAL_DIRS])
		return AT(pf, pf->kmark[K_PREFIX], "prefix goes with journal_dirs: it begins the "
		    "names of the files searched for");
	if (pf->have[K_FROM] && pf->have[K_FILES])
		return AT(pf, pf->kmark[K_FROM], "from goes with journal_log or journal_dirs, "
		    "not files: list the files wanted");
	if (pf->have[K_THROUGH] && pf->have[K_FILES])
		return AT(pf, pf->kmark[K_THROUGH], "through goes with journal_log or "
		    "journal_dirs, not files: list the files wanted");
	return 0;
}

/* The journal files from the source given, cut by from and through (invariant 2). */
static int
resolve_files(struct pf *pf)
{
	struct rst_files *f = &pf->q.files;
	const char *from = pf->from, *through = pf->through;
	struct jk_err e;
	size_t i;
	int rc;

	jk_err_clear(&e);
	if (pf->have[K_FILES]) {
		for (i = 0; i < pf->files.n; i++)
			if ((rc = rst_files_add(f, pf->files.v[i], &e)) != 0)
				return at_call(pf, pf->files.mark[i], rc, &e);
		return 0;
	}
	if (pf->have[K_JOURNAL_LOG]) {
		if ((rc = rst_files_from_log(f, pf->log, pf->search.v, pf->search.n, &e)) != 0)
			return at_call(pf, pf->kmark[K_JOURNAL_LOG], rc, &e);
	} else {
		rc = rst_files_from_dirs(f, pf->prefix != NULL ? pf->prefix : "", pf->dirs.v,
		    pf->dirs.n, &e);
		if (rc != 0)
			return at_call(pf, pf->kmark[K_JOURNAL_DIRS], rc, &e);
	}
	/* Each name's own error at its own key; their order at through's. */
	if (from != NULL && rst_files_find(f, from) < 0) {
		rc = rst_files_range(f, from, NULL, &e);
		return at_call(pf, pf->kmark[K_FROM], rc, &e);
	}
	if (through != NULL && rst_files_find(f, through) < 0) {
		rc = rst_files_range(f, NULL, through, &e);
		return at_call(pf, pf->kmark[K_THROUGH], rc, &e);
	}
	if ((from != NULL || through != NULL) && (rc = rst_files_range(f, from, through, &e)) != 0)
		return at_call(pf, pf->kmark[through != NULL ? K_THROUGH : K_FROM], rc, &e);
	return 0;
}

/* The three places journal files can come from; one only. */
static bool
is_source(enum key_id k)
{
	return k == K_FILES || k == K_JOURNAL_LOG || k == K_JOURNAL_DIRS;
}

static int
parse_map(struct pf *pf)
{
	yaml_mark_t map;
	char nb[SHOW + 3];
	enum key_id k, o;
	int rc;

	if ((rc = next(pf)) != 0)	/* stream start */
		return rc;
	if ((rc = next(pf)) != 0)
		return rc;
	if (pf->ev.type == YAML_DOCUMENT_START_EVENT && (rc = next(pf)) != 0)
		return rc;
	if (pf->ev.type != YAML_MAPPING_START_EVENT)
		return AT(pf, pf->ev.start_mark, "expected a mapping (a restore plan), found %s",
		    yml_event_noun(pf->ev.type));
	map = pf->ev.start_mark;

	for (;;) {
		if ((rc = next(pf)) != 0)
			return rc;
		if (pf->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (pf->ev.type != YAML_SCALAR_EVENT)
			return AT(pf, pf->ev.start_mark, "expected a key of the plan, found %s",
			    noun(pf, nb, sizeof nb));
		for (k = 0; k < NKEYS; k++)
			if (strlen(key_names[k]) == pf->ev.data.scalar.length &&
			    strcmp(key_names[k], sval(pf)) == 0)
				break;
		if (k == NKEYS)
			return AT(pf, pf->ev.start_mark, "unknown key '%.*s'", SHOW, sval(pf));
		if (pf->have[k])
			return AT(pf, pf->ev.start_mark, "duplicate key '%s' (first at line %zu)",
			    key_names[k], pf->kmark[k].line + 1);
		for (o = 0; is_source(k) && o < NKEYS; o++)
			if (o != k && is_source(o) && pf->have[o])
				return AT(pf, pf->ev.start_mark, "%s (line %zu) and %s both given: "
				    "the journal files come from one of files, journal_log or "
				    "journal_dirs", key_names[o], pf->kmark[o].line + 1, key_names[k]);
		pf->have[k] = true;
		pf->kmark[k] = pf->ev.start_mark;
		if ((rc = get_value(pf, k)) != 0)
			return rc;
	}

	if ((rc = next(pf)) != 0)	/* document end */
		return rc;
	if ((rc = next(pf)) != 0)
		return rc;
	if (pf->ev.type != YAML_STREAM_END_EVENT)
		return AT(pf, pf->ev.start_mark, "expected one document, found more");

	if (!pf->have[K_FILES] && !pf->have[K_JOURNAL_LOG] && !pf->have[K_JOURNAL_DIRS])
		return AT(pf, map, "missing key 'files', 'journal_log' or 'journal_dirs' "
		    "(the journal files to process)");
	if (!pf->have[K_DATABASES])
		return AT(pf, map, "missing key 'databases' (all, or a list of databases)");
	if ((rc = check_companions(pf)) != 0)
		return rc;
	return resolve_files(pf);
}

int
rst_plan_parse(struct rst_plan *p, const char *name, const char *text, size_t len,
    struct jk_err *err)
{
	struct pf pf;
	int rc;

	memset(&pf, 0, sizeof pf);
	pf.name = name;
	pf.text = text;
	pf.len = len;
	pf.err = err;
	rst_plan_init(&pf.q);
	if (!yaml_parser_initialize(&pf.yp))
		return nomem(&pf);
	yaml_parser_set_input_string(&pf.yp, (const unsigned char *)text, len);

	if ((rc = parse_map(&pf)) != 0)
		goto out;
	/* The instance the caller named, unless the file names one. */
	if (!pf.have[K_INSTANCE] && p->inst != NULL && (pf.q.inst = strdup(p->inst)) == NULL) {
		rc = nomem(&pf);
		goto out;
	}
	pf.q.dry_run = p->dry_run;
	rst_plan_release(p);
	*p = pf.q;
	rst_plan_init(&pf.q);
out:
	rst_plan_release(&pf.q);
	yaml_event_delete(&pf.ev);
	yaml_parser_delete(&pf.yp);
	free(pf.log);
	free(pf.prefix);
	free(pf.from);
	free(pf.through);
	strs_release(&pf.files);
	strs_release(&pf.search);
	strs_release(&pf.dirs);
	free(pf.srcmark);
	return rc;
}

int
rst_plan_load(struct rst_plan *p, const char *path, struct jk_err *err)
{
	struct buf text = BUF_INIT;
	ssize_t r;
	int fd, rc = 0, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		rc = jk_errno(err, e, "cannot open plan file '%s'", path);
		if (e != ENOENT)
			return rc;
		if (err != NULL)
			err->code = JK_ENOTFOUND;
		return JK_ENOTFOUND;
	}
	for (;;) {
		if (buf_grow(&text, 8192) != 0) {
			rc = jk_errf(err, JK_ENOMEM, "out of memory reading '%s'", path);
			break;
		}
		r = read(fd, text.data + text.len, text.cap - text.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = jk_errno(err, errno, "cannot read plan file '%s'", path);
			break;
		}
		if (r == 0)
			break;
		text.len += (size_t)r;
		text.data[text.len] = '\0';
	}
	close(fd);
	if (rc == 0)
		rc = rst_plan_parse(p, path, buf_str(&text), text.len, err);
	buf_release(&text);
	return rc;
}

/* ---- writing -------------------------------------------------------------------- */

/* s double-quoted; what names it when it cannot be (not UTF-8). */
static int
add_str(struct buf *out, const char *s, const char *what, struct jk_err *err)
{
	int rc = yml_add_quoted(out, s);

	if (rc == JK_EUSAGE)
		return jk_errf(err, JK_EUSAGE, "%s is not UTF-8, which a plan file cannot hold: %s",
		    what, s);
	if (rc != 0)
		return jk_errf(err, rc, "out of memory");
	return 0;
}

/* Whether two points mean the same place: the fields of their kind. */
static bool
point_same(const struct rst_point *a, const struct rst_point *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case RST_LOCATION:
		return a->offset == b->offset && a->path != NULL && b->path != NULL &&
		    strcmp(a->path, b->path) == 0;
	case RST_MARKER_ID:
		return a->marker_id == b->marker_id;
	case RST_MARKER_TEXT:
		return a->marker_text != NULL && b->marker_text != NULL &&
		    strcmp(a->marker_text, b->marker_text) == 0;
	case RST_TIME:
		return a->time_us == b->time_us;
	case RST_SEQ:
		return a->seq == b->seq;
	default:
		return true;
	}
}

/* A point as the key's value, only if it reads back the same (invariant 3). */
static int
add_point(struct buf *out, const char *key, const struct rst_point *pt, bool stop,
    struct jk_err *err)
{
	struct buf s = BUF_INIT;
	struct rst_point back;
	int rc;

	memset(&back, 0, sizeof back);
	if (stop && pt->kind == RST_LAST_RESTORE)
		return jk_errf(err, JK_EUSAGE, "the stop point is the last restore, which is where "
		    "a restore starts, not where it stops");
	if ((rc = rst_point_format(pt, stop, &s)) != 0) {
		rc = jk_errf(err, rc, "out of memory");
		goto out;
	}
	if (rst_point_parse(&back, buf_str(&s), NULL) != 0 || !point_same(pt, &back)) {
		rc = jk_errf(err, JK_EUSAGE, "the %s point '%s' does not read back as itself",
		    key, buf_str(&s));
		goto out;
	}
	if (buf_addf(out, "%s: ", key) != 0)
		rc = jk_errf(err, JK_ENOMEM, "out of memory");
	else if ((rc = add_str(out, buf_str(&s), key, err)) == 0 && buf_adds(out, "\n") != 0)
		rc = jk_errf(err, JK_ENOMEM, "out of memory");
out:
	rst_point_clear(&back);
	buf_release(&s);
	return rc;
}

static const char *
yes_no(bool b)
{
	return b ? "yes" : "no";
}

static const char *
policy_word(enum rst_policy x)
{
	return x == RST_ABORT ? "abort" : "continue";
}

static int
plan_format(const struct rst_plan *p, struct buf *out, struct jk_err *err)
{
	const struct rst_db *d;
	size_t i, k;
	int rc;

#define TRY(x) do { if ((rc = (x)) != 0) goto fail; } while (0)
	if (p->all && p->ndbs > 0)
		return jk_errf(err, JK_EUSAGE, "the plan restores all databases and a list of "
		    "them; a plan file holds one or the other");
	if ((unsigned)p->db_errors > RST_ABORT || (unsigned)p->jrn_errors > RST_ABORT)
		return jk_errf(err, JK_EUSAGE, "unknown error policy");
	if (p->csns != NULL)
		return jk_errf(err, JK_EUSAGE, "a cluster restore cannot be saved as a plan file yet");
	TRY(buf_adds(out, "# jrnkit restore plan (jrnkit-plan(5))\nversion: " PLAN_VERSION "\n"));
	if (p->inst != NULL) {
		TRY(buf_adds(out, "instance: "));
		TRY(add_str(out, p->inst, "the instance", err));
		TRY(buf_adds(out, "\n"));
	}
	TRY(buf_adds(out, "# the journal files, in the order processed\nfiles:"));
	if (p->files.n == 0)
		TRY(buf_adds(out, " []"));
	for (i = 0; i < p->files.n; i++) {
		TRY(buf_adds(out, "\n  - "));
		TRY(add_str(out, p->files.paths[i], "a journal file name", err));
	}
	TRY(buf_adds(out, "\n"));
	if (p->all)
		TRY(buf_adds(out, "databases: all\n"));
	else if (p->ndbs == 0)
		TRY(buf_adds(out, "databases: []\n"));
	else
		TRY(buf_adds(out, "databases:\n"));
	for (i = 0; i < p->ndbs; i++) {
		d = &p->dbs[i];
		if (d->source == NULL)
			return jk_errf(err, JK_EUSAGE, "database %zu has no source", i + 1);
		for (k = 0; k < i; k++)
			if (strcmp(p->dbs[k].source, d->source) == 0)
				return jk_errf(err, JK_EUSAGE, "directory %s is listed twice",
				    d->source);
		for (k = 0; k < d->nglobals; k++)
			if (!gref_pattern_valid(d->globals[k], strlen(d->globals[k])))
				return jk_errf(err, JK_EUSAGE, "bad global pattern '%s' for %s",
				    d->globals[k], d->source);
		TRY(buf_adds(out, "  - source: "));
		TRY(add_str(out, d->source, "a source directory", err));
		if (d->target != NULL && strcmp(d->target, d->source) != 0) {
			TRY(buf_adds(out, "\n    target: "));
			TRY(add_str(out, d->target, "a target directory", err));
		}
		if (d->nglobals > 0) {
			TRY(buf_adds(out, "\n    globals: ["));
			for (k = 0; k < d->nglobals; k++) {
				if (k > 0)
					TRY(buf_adds(out, ", "));
				TRY(add_str(out, d->globals[k], "a global pattern", err));
			}
			TRY(buf_adds(out, "]"));
		}
		TRY(buf_adds(out, "\n"));
	}
	TRY(add_point(out, "start", &p->start, false, err));
	TRY(add_point(out, "stop", &p->stop, true, err));
	TRY(buf_addf(out, "switch: %s\njournal_updates: %s\ndatabase_errors: %s\n"
	    "journal_errors: %s\nrollback: %s\ncheck_links: %s\n", yes_no(p->switch_first),
	    yes_no(p->journal_updates), policy_word(p->db_errors), policy_word(p->jrn_errors),
	    yes_no(p->rollback), yes_no(p->check_links)));
#undef TRY
	return 0;
fail:
	if (rc == JK_ENOMEM)
		jk_errf(err, rc, "out of memory");
	return rc;
}

int
rst_plan_write(const struct rst_plan *p, struct buf *out)
{
	size_t len = out->len;
	int rc;

	if ((rc = plan_format(p, out, NULL)) != 0 && out->data != NULL) {
		out->len = len;		/* nothing appended */
		out->data[len] = '\0';
	}
	return rc;
}

int
rst_plan_save(const struct rst_plan *p, const char *path, struct jk_err *err)
{
	struct buf b = BUF_INIT;
	struct jk_err e;
	int rc;

	jk_err_clear(&e);
	if ((rc = plan_format(p, &b, &e)) != 0)
		rc = jk_errf(err, rc, "cannot write plan file '%s': %s", path, e.msg);
	else
		rc = jk_write_file_atomic(path, b.data, b.len, err);
	buf_release(&b);
	return rc;
}
