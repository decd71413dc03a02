/*
 * clumenu.c - the cluster journal restore menu (spec/dialogues.md section
 * 3, the CLUMENU): jrnresto -c, the main menu's item 10, and a Yes to
 * "Cluster journal restore?" on a member (resto.h).  The words are in
 * menus/clumenu.yaml; the databases and globals questions are the restore
 * dialogue's (resto_ask_dbs).
 *
 * THE SETTINGS.  Where the journal files are (a cluster journal log: this
 * cluster's CLUJRN.LOG, another one, or one made from directories; and
 * journal directories redirected), where to start (a session's beginning,
 * a marker, a backup's marker, where the last restore stopped, the log's
 * beginning) and where to stop (a session's end, the current location,
 * the end of the log, a marker), and the two switches.  Nothing is read
 * into a plan before the operator accepts them: then the plan is a cluster
 * plan (rst.h) whose points are sequence numbers -- each place chosen is
 * the number of the record there -- and the run is the one jrnresto
 * --cluster makes of the same choices.
 *
 * THE CURRENT LOCATION.  Stopping "at the current journal location" stops
 * before the next sequence number the cluster will give, taken when the
 * restore starts: everything committed by then is restored, nothing later.
 * The location shown is where this member writes next.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bkp.h"
#include "clu.h"
#include "cvt.h"
#include "inst.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "resto.h"
#include "ui/menu.h"

enum start_kind { ST_SESSION, ST_LOG, ST_MARKER, ST_BACKUP, ST_LAST };
enum stop_kind { SP_CURRENT, SP_LOG, SP_SESSION, SP_MARKER };

/* A place chosen: a file as the log names it, an offset. */
struct place {
	char *path;
	uint64_t off;
};

enum { V_LOG, V_SESSION, V_SEQ, V_LOC, V_BACKUP, V_MARK, V_CSN, V_OFFSET, V_PATH, V_DIR, NVARS };
static const char *const var_names[NVARS] = {
	"log", "session", "seq", "loc", "backup", "mark", "csn", "offset", "path", "dir",
};

struct cm {
	struct ui *ui;
	struct menu_file *mf;
	struct jk_err *err;
	struct ui_answer a;
	const char *inst;
	struct inst_conf conf;
	int code;			/* the exit code of the last restore */
	int option;			/* 1..4: the menu item being run */
	struct buf vars[NVARS];
	/* where the journal files are */
	struct buf own_log;		/* this cluster's CLUJRN.LOG */
	struct buf log;			/* the log used ("" for one made and not written) */
	bool made;			/* made from directories ([C]) */
	struct clu_log clog;
	struct clu_redirect red;
	struct clu_files files;
	struct clu_session *ses;
	size_t nses;
	/* where to start and stop */
	enum start_kind start;
	uint64_t start_csi;
	struct place start_at;
	char *backup;			/* ST_BACKUP: its name */
	enum stop_kind stop;
	uint64_t stop_csi;
	struct place stop_at;
	bool sw, disable;
	struct rst_plan plan;		/* the instance and the databases */
};

static int
nomem(struct cm *c)
{
	return jk_errf(c->err, JK_ENOMEM, "out of memory");
}

static const char *
var(void *ctx, const char *name)
{
	struct cm *c = ctx;
	size_t i;

	for (i = 0; i < NVARS; i++)
		if (strcmp(name, var_names[i]) == 0)
			return buf_str(&c->vars[i]);
	return NULL;
}

static void
setv(struct cm *c, int v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
setv(struct cm *c, int v, const char *fmt, ...)
{
	char tmp[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_reset(&c->vars[v]);
	buf_adds(&c->vars[v], tmp);
}

/* Print text id with ${} filled, each line without trailing blanks (a line whose ${mark} is empty). */
static void
say(struct cm *c, const char *id)
{
	struct buf t = BUF_INIT, o = BUF_INIT;
	const char *s, *e;
	size_t n;

	if (ui_expand(menu_text(c->mf, id), var, c, &t) == 0) {
		for (s = buf_str(&t); *s != '\0'; s = *e ? e + 1 : e) {
			e = strchr(s, '\n');
			if (e == NULL)
				e = s + strlen(s);
			for (n = (size_t)(e - s); n > 0 && s[n - 1] == ' '; n--)
				;
			buf_add(&o, s, n);
			buf_addc(&o, '\n');
		}
		ui_printf(c->ui, "%s", buf_str(&o));
	}
	buf_release(&t);
	buf_release(&o);
}

static int
ask(struct cm *c, const char *id, struct ui_ask_opts *opts)
{
	struct ui_ask_opts o = { 0 };

	if (opts != NULL)
		o = *opts;
	o.var = var;
	if (o.ctx == NULL)
		o.ctx = c;
	return ui_ask(c->ui, menu_prompt(c->mf, id), &o, &c->a);
}

static void
set_session(struct cm *c, uint64_t csi)
{
	char t[32];

	resto_fmt_time(csi, t, sizeof t);
	setv(c, V_SESSION, "%s", t);
}

static void
place_set(struct place *p, const char *path, uint64_t off)
{
	free(p->path);
	p->path = path != NULL ? strdup(path) : NULL;
	p->off = off;
}

/* The file of the log a path names: as logged, as redirected, or by its name.  Or NULL. */
static const struct clu_file *
find_file(const struct cm *c, const char *path)
{
	const char *base, *b;
	size_t i;

	for (i = 0; i < c->files.n; i++)
		if (strcmp(c->files.f[i].logged, path) == 0 || strcmp(c->files.f[i].path, path) == 0)
			return &c->files.f[i];
	base = strrchr(path, '/');
	if (base != NULL)
		return NULL;
	for (i = 0; i < c->files.n; i++)
		if ((b = strrchr(c->files.f[i].logged, '/')) != NULL && strcmp(b + 1, path) == 0)
			return &c->files.f[i];
	return NULL;
}

/* ${loc}: "offset,path" as logged, and "          -> newpath" under it when redirected. */
static void
set_loc(struct cm *c, const char *path, uint64_t off)
{
	const struct clu_file *f = find_file(c, path);

	if (f != NULL && strcmp(f->logged, f->path) != 0)
		setv(c, V_LOC, "%" PRIu64 ",%s\n          -> %s", off, f->logged, f->path);
	else
		setv(c, V_LOC, "%" PRIu64 ",%s", off, f != NULL ? f->logged : path);
}

/* ---- the log and its files ---------------------------------------------------------------- */

/* Read the files of c->clog through the redirections, and their sessions. */
static int
load_files(struct cm *c)
{
	int rc;

	clu_files_release(&c->files);
	free(c->ses);
	c->ses = NULL;
	c->nses = 0;
	if ((rc = clu_files_of(&c->clog, &c->red, &c->files, c->err)) != 0)
		return rc;
	if (clu_files_sessions(&c->files, &c->ses, &c->nses) != 0)
		return nomem(c);
	return 0;
}

/* Use the log file at path: read it (its error names the line at fault). */
static int
use_log(struct cm *c, const char *path)
{
	struct clu_log l;
	int rc;

	clu_log_init(&l);
	if ((rc = clu_log_read(path, &l, c->err)) != 0) {
		clu_log_release(&l);
		return rc;
	}
	clu_log_release(&c->clog);
	c->clog = l;
	clu_redirect_release(&c->red);
	clu_redirect_init(&c->red);
	c->made = false;
	buf_reset(&c->log);
	buf_adds(&c->log, path);
	return load_files(c);
}

/* Whether the log used is this cluster's own (current locations exist only there). */
static bool
own(const struct cm *c)
{
	return !c->made && strcmp(buf_str(&c->log), buf_str(&c->own_log)) == 0;
}

/* The cluster now: its session and the next sequence number.  0 or an error. */
static int
cluster_now(struct cm *c, uint64_t *csi, uint64_t *next)
{
	struct clu *cl;
	int rc;

	if ((rc = clu_open(c->conf.cluster_dir, -1, &cl, c->err)) != 0)
		return rc;
	*csi = clu_csi(cl);
	*next = clu_seq_next(cl);
	clu_close(cl);
	return 0;
}

/* Where this member writes next. */
static int
current_place(struct cm *c, struct place *p)
{
	struct jrn_status st;
	struct jk *j;
	int rc;

	if ((rc = jk_open(c->inst, &j, c->err)) != 0)
		return rc;
	if ((rc = jk_status(j, &st)) != 0)
		*c->err = *jk_err(j);
	else
		place_set(p, st.path, st.end);
	jk_close(j);
	return rc;
}

/* ---- defaults ------------------------------------------------------------------------------- */

/* The backup restored last and its marker, when it is among the files; else NULL. */
static const struct bkp_entry *
restored_backup(struct cm *c, struct bkp_history *h, uint64_t *when)
{
	const struct bkp_entry *b;
	struct jk_err e;

	if (bkp_history_read(c->inst, h, &e) != 0)
		return NULL;
	b = bkp_history_restored(h, when);
	return b != NULL && find_file(c, b->marker_path) != NULL ? b : NULL;
}

static void
start_backup(struct cm *c, const struct bkp_entry *b)
{
	c->start = ST_BACKUP;
	place_set(&c->start_at, b->marker_path, b->marker_offset);
	free(c->backup);
	c->backup = strdup(b->name);
}

/* The defaults rule (spec section 3). */
static void
defaults(struct cm *c)
{
	struct bkp_history h;
	const struct bkp_entry *b;
	struct rst_record rec;
	uint64_t when = 0, csi, next;
	struct jk_err e;

	c->start = ST_LOG;
	memset(&h, 0, sizeof h);
	if ((b = restored_backup(c, &h, &when)) != NULL) {
		if (rst_record_read(c->inst, &rec, &e) == 0 && rec.started_us > when &&
		    strcmp(rec.status, "running") != 0 && rec.next_path[0] != '\0' &&
		    find_file(c, rec.next_path) != NULL) {
			c->start = ST_LAST;
			place_set(&c->start_at, rec.next_path, rec.next_offset);
		} else
			start_backup(c, b);
	} else if (own(c) && cluster_now(c, &csi, &next) == 0) {
		size_t i;

		/* the current session, or the last one with files */
		c->start = ST_SESSION;
		c->start_csi = c->nses > 0 ? c->ses[c->nses - 1].csi : csi;
		for (i = 0; i < c->nses; i++)
			if (c->ses[i].csi == csi)
				c->start_csi = csi;
	}
	jk_err_clear(c->err);
	bkp_history_release(&h);
	c->stop = own(c) ? SP_CURRENT : SP_LOG;
}

/* ---- the main settings -------------------------------------------------------------------- */

static void
show_settings(struct cm *c)
{
	uint64_t csi = 0, next = 0;
	struct place cur = { NULL, 0 };
	size_t i;

	say(c, "settings_title");
	setv(c, V_LOG, "%s", c->made && c->log.len == 0 ? menu_text(c->mf, "unnamed_log") : buf_str(&c->log));
	say(c, c->made ? "locate_created" : "locate");
	if (c->red.n == 0)
		say(c, "no_redirections");
	else {
		say(c, "redirections");
		for (i = 0; i < c->red.n; i++)
			ui_printf(c->ui, "      %s -> %s\n", c->red.from[i], c->red.to[i]);
	}
	switch (c->start) {
	case ST_SESSION:
		set_session(c, c->start_csi);
		say(c, "start_session");
		break;
	case ST_LOG:
		say(c, "start_log");
		break;
	case ST_MARKER:
	case ST_LAST:
		set_loc(c, c->start_at.path, c->start_at.off);
		say(c, c->start == ST_MARKER ? "start_marker" : "start_last");
		break;
	case ST_BACKUP:
		set_loc(c, c->start_at.path, c->start_at.off);
		setv(c, V_BACKUP, "%s", c->backup);
		say(c, "start_backup");
		break;
	}
	switch (c->stop) {
	case SP_CURRENT:
		if (cluster_now(c, &csi, &next) == 0 && current_place(c, &cur) == 0) {
			setv(c, V_SEQ, "%" PRIu64, next);
			set_session(c, csi);
			setv(c, V_LOC, "%" PRIu64 ",%s", cur.off, cur.path);
			say(c, "stop_current");
		} else {
			ui_puts(c->ui, c->err->msg);
			jk_err_clear(c->err);
		}
		free(cur.path);
		break;
	case SP_LOG:
		say(c, "stop_log");
		break;
	case SP_SESSION:
		set_session(c, c->stop_csi);
		say(c, "stop_session");
		break;
	case SP_MARKER:
		set_loc(c, c->stop_at.path, c->stop_at.off);
		say(c, "stop_marker");
		break;
	}
	if (c->option != 2) {
		say(c, c->sw ? "switch_on" : "switch_off");
		say(c, c->disable ? "disable_on" : "disable_off");
	}
	ui_puts(c->ui, "");
}

/* ---- journal file info -------------------------------------------------------------------- */

/* The directories of the log's files, as logged, each once, in order. */
static int
log_dirs(const struct cm *c, char ***out, size_t *n)
{
	char **v = NULL, **x, *d, *slash;
	size_t i, k;

	*n = 0;
	for (i = 0; i < c->clog.n; i++) {
		if ((d = strdup(c->clog.e[i].path)) == NULL)
			goto fail;
		if ((slash = strrchr(d, '/')) != NULL)
			slash[1] = '\0';
		for (k = 0; k < *n && strcmp(v[k], d) != 0; k++)
			;
		if (k < *n) {
			free(d);
			continue;
		}
		if ((x = realloc(v, (*n + 1) * sizeof *x)) == NULL) {
			free(d);
			goto fail;
		}
		v = x;
		v[(*n)++] = d;
	}
	*out = v;
	return 0;
fail:
	for (i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	return JK_ENOMEM;
}

/* [R]: pairs of directories; each mapping that results echoed. */
static int
redirect_files(struct cm *c)
{
	struct buf from = BUF_INIT, to = BUF_INIT;
	char **dirs = NULL;
	size_t ndirs = 0, i;
	int rc;

	if (log_dirs(c, &dirs, &ndirs) != 0)
		return nomem(c);
	say(c, "journal_dirs");
	for (i = 0; i < ndirs; i++)
		ui_printf(c->ui, "   %s\n", dirs[i]);
	for (;;) {
		if ((rc = ask(c, "originally_from", NULL)) != 0 || c->a.empty)
			break;
		buf_reset(&from);
		buf_adds(&from, buf_str(&c->a.text));
		if ((rc = ask(c, "located_in", NULL)) != 0)
			break;
		if (c->a.empty)
			continue;
		jk_err_clear(c->err);
		if (clu_redirect_add(&c->red, buf_str(&from), buf_str(&c->a.text), c->err) != 0) {
			ui_puts(c->ui, c->err->msg);
			jk_err_clear(c->err);
			continue;
		}
		for (i = 0; i < ndirs; i++) {
			if (clu_redirect_apply(&c->red, dirs[i], &to) != 0) {
				rc = nomem(c);
				goto out;
			}
			if (strcmp(buf_str(&to), dirs[i]) != 0)
				ui_printf(c->ui, "    %s -> %s\n", dirs[i], buf_str(&to));
		}
	}
	if (rc == 0 || rc == UI_BACK)
		rc = load_files(c);
out:
	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	buf_release(&from);
	buf_release(&to);
	return rc;
}

/* [C]: a log from the member count, prefixes and directories. */
static int
create_log(struct cm *c)
{
	struct clu_log l;
	struct buf name = BUF_INIT;
	struct rst_files f;
	char **dirs = NULL;
	size_t ndirs, i;
	long long n;
	int rc, csn;
	char prefix[256];

	say(c, "warning");
	if ((rc = ask(c, "create_log", NULL)) != 0)
		return rc;
	buf_adds(&name, buf_str(&c->a.text));
	for (;;) {
		if ((rc = ask(c, "members", NULL)) != 0)
			goto out;
		if (strcasecmp(buf_str(&c->a.text), "Q") == 0)
			goto out;
		if (ui_number(buf_str(&c->a.text), &n) && n >= 1 && n <= CLU_MAX_MEMBERS)
			break;
		ui_printf(c->ui, "enter a number of members from 1 to %d, or Q, please\n", CLU_MAX_MEMBERS);
	}
	clu_log_init(&l);
	for (csn = 0; csn < (int)n; csn++) {
		setv(c, V_CSN, "%d", csn);
		if ((rc = ask(c, "member_prefix", NULL)) != 0)
			goto fail;
		snprintf(prefix, sizeof prefix, "%s", buf_str(&c->a.text));
		ndirs = 0;
		for (;;) {
			char **x;

			if ((rc = ask(c, "member_dir", NULL)) != 0)
				goto fail;
			if (c->a.empty)
				break;
			if ((x = realloc(dirs, (ndirs + 1) * sizeof *x)) == NULL ||
			    (x[ndirs] = strdup(buf_str(&c->a.text))) == NULL) {
				if (x != NULL)
					dirs = x;
				rc = nomem(c);
				goto fail;
			}
			dirs = x;
			ndirs++;
		}
		rst_files_init(&f);
		jk_err_clear(c->err);
		if (ndirs == 0 || rst_files_from_dirs(&f, prefix, dirs, ndirs, c->err) != 0) {
			say(c, "no_files_found");
			jk_err_clear(c->err);
		}
		for (i = 0; i < f.n && rc == 0; i++)
			rc = clu_log_add(&l, csn, f.paths[i], c->err);
		rst_files_release(&f);
		for (i = 0; i < ndirs; i++)
			free(dirs[i]);
		ndirs = 0;
		if (rc != 0)
			goto fail;
	}
	if (name.len > 0) {
		if ((rc = clu_log_write(&l, buf_str(&name), c->err)) != 0) {
			ui_puts(c->ui, c->err->msg);
			jk_err_clear(c->err);
			rc = 0;
			goto fail;
		}
		setv(c, V_LOG, "%s", buf_str(&name));
		say(c, "log_written");
	}
	clu_log_release(&c->clog);
	c->clog = l;
	clu_redirect_release(&c->red);
	clu_redirect_init(&c->red);
	c->made = true;
	buf_reset(&c->log);
	buf_adds(&c->log, buf_str(&name));
	if ((rc = load_files(c)) == 0)
		defaults(c);
	goto out;
fail:
	clu_log_release(&l);
out:
	free(dirs);
	buf_release(&name);
	return rc;
}

/* Item 1. */
static int
file_info(struct cm *c)
{
	const char *s;
	int rc;

	say(c, "jfi_title");
	setv(c, V_LOG, "%s", c->made && c->log.len == 0 ? menu_text(c->mf, "unnamed_log") : buf_str(&c->log));
	say(c, "jfi_identify");
	if (!own(c))
		say(c, "jfi_redirect");
	say(c, "jfi_or");
	say(c, "jfi_create");
	for (;;) {
		if ((rc = ask(c, "selection", NULL)) != 0 || c->a.empty)
			return rc;
		s = buf_str(&c->a.text);
		if (strcasecmp(s, "I") == 0 || strcasecmp(s, "C") == 0 || (strcasecmp(s, "R") == 0 && !own(c)))
			break;
		say(c, "bad_selection");
	}
	if (strcasecmp(s, "R") == 0)
		return redirect_files(c);
	if (strcasecmp(s, "C") == 0)
		return create_log(c);
	say(c, "warning");
	for (;;) {
		if ((rc = ask(c, "identify_log", NULL)) != 0 || c->a.empty)
			return rc;
		jk_err_clear(c->err);
		if (use_log(c, buf_str(&c->a.text)) == 0)
			break;
		if (c->err->code == JK_ENOMEM)
			return c->err->code;
		ui_puts(c->ui, c->err->msg);
		jk_err_clear(c->err);
	}
	defaults(c);
	return 0;
}

/* ---- where to start and stop ---------------------------------------------------------------- */

/* A session from the list: its index, or -1 for no change. */
static int
pick_session(struct cm *c, const char *intro, long *idx)
{
	char t[32];
	long long n;
	size_t i;
	int rc;

	*idx = -1;
	if (c->nses == 0) {
		say(c, "no_sessions");
		return 0;
	}
	say(c, intro);
	for (i = 0; i < c->nses; i++) {
		resto_fmt_time(c->ses[i].csi, t, sizeof t);
		ui_printf(c->ui, "%zu. %s\n", i + 1, t);
	}
	for (;;) {
		if ((rc = ask(c, "session", NULL)) != 0 || c->a.empty)
			return rc;
		if (ui_number(buf_str(&c->a.text), &n) && n >= 1 && (size_t)n <= c->nses) {
			*idx = (long)n - 1;
			return 0;
		}
		ui_printf(c->ui, "enter a number from 1 to %zu, or Enter alone, please\n", c->nses);
	}
}

/* The record at a place: 0 and *rec (its bytes only valid until the reader closes: not kept). */
static int
marker_at(const struct clu_file *f, uint64_t off, int64_t *id, uint64_t *seq)
{
	struct jrn_reader *r;
	struct jrn_rec rec;
	struct jk_err e;
	int rc = 1;

	if (jrn_reader_open(f->path, &r, &e) != 0)
		return 1;
	if (jrn_reader_seek(r, off) == 0 && jrn_reader_next(r, &rec) == 0 && rec.offset == off &&
	    rec.type == JRN_MARKER) {
		*id = rec.marker_id;
		*seq = rec.seq;
		rc = 0;
	}
	jrn_reader_close(r);
	return rc;
}

/* The backup whose marker is the cluster marker with number seq, if any (its name into V_BACKUP). */
static bool
backup_of(struct cm *c, uint64_t seq)
{
	struct bkp_history h;
	const struct clu_file *f;
	struct jk_err e;
	int64_t id;
	uint64_t s;
	size_t i;
	bool found = false;

	if (bkp_history_read(c->inst, &h, &e) != 0)
		return false;
	for (i = 0; i < h.n && !found; i++) {
		const struct bkp_entry *b = &h.e[i];

		if (b->restored || b->marker_path == NULL || (f = find_file(c, b->marker_path)) == NULL)
			continue;
		if (marker_at(f, b->marker_offset, &id, &s) == 0 && (s == seq && seq != 0)) {
			setv(c, V_BACKUP, "%s", b->name);
			found = true;
		}
	}
	bkp_history_release(&h);
	return found;
}

/* A marker by file and offset (in original form): 0 with *p set, or no change. */
static int
pick_marker(struct cm *c, const char *intro, const char *chosen, struct place *p, bool *done)
{
	const struct clu_file *f;
	int64_t id;
	uint64_t seq, off;
	int rc;

	*done = false;
	say(c, intro);
	for (;;) {
		if ((rc = ask(c, "marker_file", NULL)) != 0 || c->a.empty)
			return rc;
		if ((f = find_file(c, buf_str(&c->a.text))) != NULL)
			break;
		ui_printf(c->ui, "%s is not one of the journal files of %s\n", buf_str(&c->a.text),
		    buf_str(&c->vars[V_LOG]));
	}
	if ((rc = ask(c, "marker_offset", NULL)) != 0)
		return rc;
	if (c->a.empty)
		return 0;
	off = (uint64_t)c->a.num;
	if (marker_at(f, off, &id, &seq) != 0) {
		setv(c, V_OFFSET, "%" PRIu64, off);
		setv(c, V_PATH, "%s", f->logged);
		say(c, "not_marker");
		return 0;
	}
	place_set(p, f->logged, off);
	set_loc(c, f->logged, off);
	say(c, chosen);
	if (id == JRN_BACKUP_MARKER_ID && backup_of(c, seq))
		say(c, "backup_location");
	*done = true;
	return 0;
}

static int
selection(struct cm *c, const char *ok, char *out)
{
	int rc;

	for (;;) {
		if ((rc = ask(c, "selection", NULL)) != 0)
			return rc;
		*out = '\0';
		if (c->a.empty)
			return 0;
		if (c->a.text.len == 1 && strchr(ok, buf_str(&c->a.text)[0]) != NULL) {
			*out = buf_str(&c->a.text)[0];
			return 0;
		}
		say(c, "bad_selection");
	}
}

/* Item 2. */
static int
where_start(struct cm *c)
{
	struct bkp_history h;
	const struct bkp_entry *b;
	uint64_t when;
	char ok[4] = "12", sel;
	long idx;
	bool done;
	int rc;

	memset(&h, 0, sizeof h);
	b = restored_backup(c, &h, &when);
	say(c, "start_title");
	setv(c, V_MARK, "%s", c->start == ST_SESSION || c->start == ST_LOG ? "(*)" : "");
	say(c, "start_opt_session");
	setv(c, V_MARK, "%s", c->start == ST_MARKER || c->start == ST_LAST ? "(*)" : "");
	say(c, "start_opt_marker");
	if (b != NULL) {
		setv(c, V_MARK, "%s", c->start == ST_BACKUP ? "(*)" : "");
		setv(c, V_BACKUP, "%s", b->name);
		set_loc(c, b->marker_path, b->marker_offset);
		say(c, "start_opt_backup");
		strcat(ok, "3");
	}
	ui_puts(c->ui, "");
	if ((rc = selection(c, ok, &sel)) != 0)
		goto out;
	if (sel == '1') {
		if ((rc = pick_session(c, "start_sessions", &idx)) == 0 && idx >= 0) {
			c->start = ST_SESSION;
			c->start_csi = c->ses[idx].csi;
		}
	} else if (sel == '2') {
		if ((rc = pick_marker(c, "start_at_marker", "start_chosen", &c->start_at, &done)) == 0 && done)
			c->start = ST_MARKER;
	} else if (sel == '3') {
		start_backup(c, b);
	}
out:
	bkp_history_release(&h);
	return rc;
}

/* Item 3. */
static int
where_stop(struct cm *c)
{
	struct place p = { NULL, 0 };
	char sel;
	long idx;
	bool done;
	int rc;

	say(c, "stop_title");
	setv(c, V_MARK, "%s", c->stop == SP_SESSION ? "(*)" : "");
	say(c, "stop_opt_session");
	setv(c, V_MARK, "%s", c->stop == SP_CURRENT || c->stop == SP_LOG ? "(*)" : "");
	setv(c, V_LOG, "%s", c->made && c->log.len == 0 ? menu_text(c->mf, "unnamed_log") : buf_str(&c->log));
	say(c, own(c) ? "stop_opt_current" : "stop_opt_log");
	setv(c, V_MARK, "%s", c->stop == SP_MARKER ? "(*)" : "");
	say(c, "stop_opt_marker");
	ui_puts(c->ui, "");
	if ((rc = selection(c, "123", &sel)) != 0)
		return rc;
	if (sel == '1') {
		if ((rc = pick_session(c, "stop_sessions", &idx)) == 0 && idx >= 0) {
			c->stop = SP_SESSION;
			c->stop_csi = c->ses[idx].csi;
		}
	} else if (sel == '2') {
		c->stop = own(c) ? SP_CURRENT : SP_LOG;
	} else if (sel == '3') {
		if ((rc = pick_marker(c, "stop_at_marker", "stop_chosen", &p, &done)) == 0 && done) {
			c->stop = SP_MARKER;
			place_set(&c->stop_at, p.path, p.off);
		}
	}
	free(p.path);
	return rc;
}

/* ---- the plan ----------------------------------------------------------------------------- */

/*
 * The sequence number a place stands for: the number of the first
 * numbered record at or after it in its file; at the end of the file, the
 * one after its last.  0 when the file has no numbered record there.
 */
static uint64_t
seq_at(const struct cm *c, const struct place *p)
{
	const struct clu_file *f = find_file(c, p->path);
	struct jrn_reader *r;
	struct jrn_rec rec;
	struct jk_err e;
	uint64_t seq = 0;

	if (f == NULL || jrn_reader_open(f->path, &r, &e) != 0)
		return 0;
	if (jrn_reader_seek(r, p->off) == 0)
		while (seq == 0 && jrn_reader_next(r, &rec) == 0)
			seq = rec.seq;
	if (seq == 0 && f->last_seq != 0)
		seq = f->last_seq + 1;
	jrn_reader_close(r);
	return seq;
}

/* The session after csi's first number (0: none: the end). */
static uint64_t
session_end(const struct cm *c, uint64_t csi)
{
	size_t i;

	for (i = 0; i + 1 < c->nses; i++)
		if (c->ses[i].csi == csi)
			return c->ses[i + 1].first_seq;
	return 0;
}

static uint64_t
session_first(const struct cm *c, uint64_t csi)
{
	size_t i;

	for (i = 0; i < c->nses; i++)
		if (c->ses[i].csi == csi)
			return c->ses[i].first_seq;
	return 0;
}

/*
 * The settings as a cluster plan in c->plan: the files (those of sessions
 * before the start's left out), the points as sequence numbers, the
 * switches.
 */
static int
make_plan(struct cm *c, uint64_t stop_next)
{
	struct rst_plan *p = &c->plan;
	uint64_t from = 0, to = 0, start_csi = 0;
	size_t i, n = 0;
	int *csns;

	rst_point_clear(&p->start);
	rst_point_clear(&p->stop);
	switch (c->start) {
	case ST_SESSION:
		from = session_first(c, c->start_csi);
		start_csi = c->start_csi;
		break;
	case ST_LOG:
		break;
	default:
		from = seq_at(c, &c->start_at);
		if (find_file(c, c->start_at.path) != NULL)
			start_csi = find_file(c, c->start_at.path)->csi;
		break;
	}
	switch (c->stop) {
	case SP_CURRENT:
		to = stop_next;
		break;
	case SP_LOG:
		break;
	case SP_SESSION:
		to = session_end(c, c->stop_csi);
		break;
	case SP_MARKER:
		to = seq_at(c, &c->stop_at);
		break;
	}
	rst_files_release(&p->files);
	rst_files_init(&p->files);
	free(p->csns);
	if ((p->csns = csns = calloc(c->files.n + 1, sizeof *csns)) == NULL)
		return nomem(c);
	for (i = 0; i < c->files.n; i++) {
		const struct clu_file *f = &c->files.f[i];

		/*
		 * A file of a session before the start's is left out (a purged
		 * one does not matter); within a session every file is read, the
		 * merge checking that the numbers follow each other from there.
		 */
		if (f->csi != 0 && f->csi < start_csi)
			continue;
		if (rst_files_add(&p->files, f->path, c->err) != 0)
			return c->err->code;
		csns[n++] = f->csn;
	}
	if (n == 0)
		return jk_errf(c->err, JK_ENOTFOUND, "no journal file of %s is in the range",
		    buf_str(&c->vars[V_LOG]));
	if (from != 0)
		rst_point_seq(&p->start, from);
	if (to != 0)
		rst_point_seq(&p->stop, to);
	p->switch_first = c->sw;
	p->journal_updates = !c->disable;
	p->check_links = true;
	return 0;
}

/* Enter at the settings: option 2 writes the file, the others restore.  0: back to the settings. */
static int
accept(struct cm *c, bool *done)
{
	struct resto_out o = { .ui = c->ui, .live = c->ui->tty };
	struct cvt_write_result wres;
	struct rst_result res;
	struct place cur = { NULL, 0 };
	uint64_t csi, next = 0;
	bool yes;
	int rc;

	*done = false;
	if (c->option == 2) {
		if ((rc = ask(c, "common_file", NULL)) != 0 || c->a.empty)
			return rc;
		jk_err_clear(c->err);
		if (c->stop == SP_CURRENT && (rc = cluster_now(c, &csi, &next)) != 0)
			goto refused;
		if ((rc = make_plan(c, next)) != 0 ||
		    (rc = cvt_write_plan(&c->plan, NULL, buf_str(&c->a.text), &wres, c->err)) != 0)
			goto refused;
		setv(c, V_SEQ, "%" PRIu64, wres.lines);
		setv(c, V_PATH, "%s", buf_str(&c->a.text));
		say(c, "common_written");
		*done = true;
		return 0;
	}
	if (c->stop == SP_CURRENT) {
		if ((rc = cluster_now(c, &csi, &next)) != 0 || (rc = current_place(c, &cur)) != 0)
			goto refused;
		setv(c, V_OFFSET, "%" PRIu64, cur.off);
		setv(c, V_PATH, "%s", cur.path);
		free(cur.path);
		say(c, "current_stop");
	}
	if ((rc = ask(c, "start", NULL)) != 0)
		return rc;
	if (!c->a.yes)
		return 0;
	jk_err_clear(c->err);
	if ((rc = make_plan(c, next)) != 0 || (rc = rst_plan_check(&c->plan, c->err)) != 0)
		goto refused;
	(void)yes;
	rst_result_init(&res);
	rc = resto_run(&c->plan, &o, &res);
	c->code = resto_exit(rc, &res);
	resto_report(&o, &c->plan, &res);
	rst_result_release(&res);
	*done = true;
	return 0;
refused:
	if (rc == JK_ENOMEM)
		return rc;
	ui_puts(c->ui, c->err->msg);
	jk_err_clear(c->err);
	return 0;
}

/* Q: the private restore, or nothing. */
static int
quit(struct cm *c)
{
	int rc, code = RESTO_EXIT_OK;

	if ((rc = ask(c, "private", NULL)) != 0)
		return rc;
	if (!c->a.yes) {
		say(c, "aborted");
		return 0;
	}
	rc = resto_private_dialogue(c->ui, c->inst, &code, c->err);
	c->code = code;
	return rc < 0 ? rc : 0;
}

/* The settings screen until the restore runs or the operator quits.  0, UI_BACK or an error. */
static int
settings(struct cm *c)
{
	const char *s;
	bool done;
	int rc;

	for (;;) {
		show_settings(c);
		for (;;) {
			if ((rc = ask(c, "settings", NULL)) != 0)
				return rc;
			s = buf_str(&c->a.text);
			if (c->a.empty || strcasecmp(s, "Q") == 0 ||
			    (strlen(s) == 1 && s[0] >= '1' && s[0] <= (c->option == 2 ? '3' : '5')))
				break;
			say(c, "bad_item");
		}
		if (c->a.empty) {
			if ((rc = accept(c, &done)) != 0 || done)
				return rc;
			continue;
		}
		switch (s[0]) {
		case 'q':
		case 'Q':
			return quit(c);
		case '1':
			rc = file_info(c);
			break;
		case '2':
			rc = where_start(c);
			break;
		case '3':
			rc = where_stop(c);
			break;
		case '4':
			c->sw = !c->sw;
			break;
		case '5':
			c->disable = !c->disable;
			break;
		}
		if (rc < 0)
			return rc;
		/* ^ in a screen of an item backs out to the settings */
	}
}

/* ---- the four options ------------------------------------------------------------------------ */

/* A fresh start for an option: the cluster's own log, the defaults, no databases. */
static int
reset(struct cm *c, int option)
{
	int rc;

	c->option = option;
	c->sw = c->disable = true;
	while (c->plan.ndbs > 0) {
		struct rst_db *x = &c->plan.dbs[--c->plan.ndbs];
		size_t i;

		free(x->source);
		free(x->target);
		for (i = 0; i < x->nglobals; i++)
			free(x->globals[i]);
		free(x->globals);
	}
	c->plan.all = false;
	if ((rc = use_log(c, buf_str(&c->own_log))) != 0)
		return rc;
	defaults(c);
	return 0;
}

/* An option's errors: said, and back to the menu. */
static int
done_option(struct cm *c, int rc)
{
	if (rc < 0 && rc != JK_ENOMEM) {
		ui_puts(c->ui, c->err->msg);
		jk_err_clear(c->err);
		c->code = RESTO_EXIT_ERR;
		rc = 0;
	}
	return rc == UI_BACK ? 0 : rc;
}

static int
run_option(struct cm *c, int option)
{
	int rc;

	if ((rc = reset(c, option)) != 0)
		return done_option(c, rc);
	if ((rc = resto_ask_dbs(c->ui, c->mf, &c->plan, c->err)) != 0)
		return done_option(c, rc);
	if (option != 2)
		say(c, "not_replicated");
	return done_option(c, settings(c));
}

static int
act_restore(struct ui *ui, void *ctx)
{
	(void)ui;
	return run_option(ctx, 1);
}

static int
act_common(struct ui *ui, void *ctx)
{
	(void)ui;
	return run_option(ctx, 2);
}

static int
act_after_backup(struct ui *ui, void *ctx)
{
	struct cm *c = ctx;
	struct bkp_history h;
	const struct bkp_entry *b;
	uint64_t when;
	int rc;

	(void)ui;
	if ((rc = reset(c, 3)) != 0)
		return done_option(c, rc);
	memset(&h, 0, sizeof h);
	if ((b = restored_backup(c, &h, &when)) == NULL) {
		say(c, "no_restored_backup");
		bkp_history_release(&h);
		return 0;
	}
	start_backup(c, b);
	bkp_history_release(&h);
	if ((rc = resto_ask_dbs(c->ui, c->mf, &c->plan, c->err)) != 0)
		return done_option(c, rc);
	say(c, "not_replicated");
	return done_option(c, settings(c));
}

/* Option 4: a backup of the history; its databases, where it was restored last (else themselves). */
static int
act_from_backup(struct ui *ui, void *ctx)
{
	struct cm *c = ctx;
	struct bkp_history h;
	const struct bkp_entry *b = NULL, *r;
	struct buf desc = BUF_INIT;
	size_t i, k, nb = 0, *idx = NULL;
	long long n;
	char t[32];
	int rc;

	(void)ui;
	if ((rc = reset(c, 4)) != 0)
		return done_option(c, rc);
	memset(&h, 0, sizeof h);
	jk_err_clear(c->err);
	if (bkp_history_read(c->inst, &h, c->err) != 0)
		return done_option(c, c->err->code);
	if ((idx = calloc(h.n + 1, sizeof *idx)) == NULL) {
		bkp_history_release(&h);
		return nomem(c);
	}
	for (i = 0; i < h.n; i++)
		if (!h.e[i].restored && find_file(c, h.e[i].marker_path) != NULL)
			idx[nb++] = i;
	if (nb == 0) {
		say(c, "no_backups");
		goto out;
	}
	say(c, "backups_title");
	for (i = 0; i < nb; i++) {
		b = &h.e[idx[i]];
		resto_fmt_time(b->time_us, t, sizeof t);
		ui_printf(c->ui, "%zu. %s  %s  %" PRIu64 ",%s\n", i + 1, b->name, t, b->marker_offset,
		    b->marker_path);
	}
	for (;;) {
		if ((rc = ask(c, "backup", NULL)) != 0 || c->a.empty)
			goto out;
		if (ui_number(buf_str(&c->a.text), &n) && n >= 1 && (size_t)n <= nb)
			break;
		ui_printf(c->ui, "enter a number from 1 to %zu, or Enter alone, please\n", nb);
	}
	b = &h.e[idx[n - 1]];
	for (r = NULL, i = 0; i < h.n; i++)
		if (h.e[i].restored && strcmp(h.e[i].name, b->name) == 0)
			r = &h.e[i];
	for (k = 0; k < b->ndbs && rc == 0; k++) {
		const char *target = b->dbs[k].source;

		for (i = 0; r != NULL && i < r->ndbs; i++)
			if (strcmp(r->dbs[i].source, b->dbs[k].source) == 0)
				target = r->dbs[i].copy;
		rc = rst_plan_add_db(&c->plan, b->dbs[k].source, target, NULL, 0, c->err);
	}
	if (rc != 0)
		goto out;
	start_backup(c, b);
	setv(c, V_BACKUP, "%s", b->name);
	say(c, "backup_dbs");
	if (rst_plan_describe_dbs(&c->plan, &desc) == 0) {
		const char *s = strchr(buf_str(&desc), '\n');

		ui_printf(c->ui, "%s", s != NULL ? s + 1 : "");
	}
	say(c, "not_replicated");
	rc = settings(c);
out:
	buf_release(&desc);
	free(idx);
	bkp_history_release(&h);
	return done_option(c, rc);
}

static const struct menu_action actions[] = {
	{ "restore", act_restore },
	{ "common", act_common },
	{ "after_backup", act_after_backup },
	{ "from_backup", act_from_backup },
	{ NULL, NULL },
};

/* Every prompt and text the menu uses: checked at start-up. */
static const char *const prompt_ids[] = {
	"all_globals", "directory", "redirect", "all_in_dir", "global", "same_target_fix", "specs_ok",
	"settings", "selection", "identify_log", "originally_from", "located_in", "create_log",
	"members", "member_prefix", "member_dir", "session", "marker_file", "marker_offset", "start",
	"private", "common_file", "backup", NULL,
};

static const char *const text_ids[] = {
	"no_db", "need_directory", "datasets", "not_replicated", "settings_title", "locate",
	"locate_created", "unnamed_log", "no_redirections", "redirections", "start_session",
	"start_log", "start_marker", "start_backup", "start_last", "stop_current", "stop_session",
	"stop_log", "stop_marker", "switch_on", "switch_off", "disable_on", "disable_off", "bad_item",
	"bad_selection", "current_stop", "aborted", "jfi_title", "jfi_identify", "jfi_redirect",
	"jfi_or", "jfi_create", "warning", "journal_dirs", "log_written", "no_files_found",
	"start_title", "start_opt_session", "start_opt_marker", "start_opt_backup", "start_sessions",
	"start_at_marker", "start_chosen", "backup_location", "stop_title", "stop_opt_session",
	"stop_opt_log", "stop_opt_current", "stop_opt_marker", "stop_sessions", "stop_at_marker",
	"stop_chosen", "no_sessions", "not_marker", "common_written", "no_restored_backup",
	"no_backups", "backups_title", "backup_dbs", "not_member", NULL,
};

int
resto_clumenu(struct ui *ui, const char *inst, int *exit_code, struct jk_err *err)
{
	const struct menu_binds binds = { actions, NULL, NULL };
	const struct menu *m;
	struct cm c;
	size_t i;
	int rc;

	*exit_code = RESTO_EXIT_OK;
	memset(&c, 0, sizeof c);
	c.ui = ui;
	c.err = err;
	c.inst = inst;
	ui_answer_init(&c.a);
	rst_plan_init(&c.plan);
	clu_log_init(&c.clog);
	clu_redirect_init(&c.red);
	clu_files_init(&c.files);
	if ((rc = menu_open("clumenu", &binds, &c.mf, err)) != 0)
		goto out;
	for (i = 0; prompt_ids[i] != NULL; i++)
		if (menu_prompt(c.mf, prompt_ids[i]) == NULL) {
			rc = jk_errf(err, JK_EFORMAT, "menus/clumenu.yaml: no prompt '%s' (the CLUMENU asks it)",
			    prompt_ids[i]);
			goto out;
		}
	for (i = 0; text_ids[i] != NULL; i++)
		if (menu_text(c.mf, text_ids[i]) == NULL) {
			rc = jk_errf(err, JK_EFORMAT, "menus/clumenu.yaml: no text '%s' (the CLUMENU prints it)",
			    text_ids[i]);
			goto out;
		}
	if ((m = menu_find(c.mf, "clumenu")) == NULL) {
		rc = jk_errf(err, JK_EFORMAT, "menus/clumenu.yaml: no menu 'clumenu'");
		goto out;
	}
	if ((rc = rst_plan_set_inst(&c.plan, inst, err)) != 0 ||
	    (rc = inst_conf_load(inst, &c.conf, err)) != 0)
		goto out;
	c.inst = c.plan.inst;		/* canonical, with its '/': the history and the restore record are under it */
	if (c.conf.cluster_dir[0] == '\0') {
		say(&c, "not_member");
		*exit_code = RESTO_EXIT_USAGE;
		goto out;
	}
	buf_addf(&c.own_log, "%s%s", c.conf.cluster_dir, CLU_LOG_FILE);
	rc = menu_run(ui, m, &binds, &c);
	*exit_code = c.code;
out:
	for (i = 0; i < NVARS; i++)
		buf_release(&c.vars[i]);
	buf_release(&c.own_log);
	buf_release(&c.log);
	clu_log_release(&c.clog);
	clu_redirect_release(&c.red);
	clu_files_release(&c.files);
	free(c.ses);
	free(c.start_at.path);
	free(c.stop_at.path);
	free(c.backup);
	rst_plan_release(&c.plan);
	ui_answer_release(&c.a);
	menu_file_free(c.mf);
	return rc;
}
