/*
 * dialogue.c - the single-instance restore dialogue (spec/dialogues.md
 * section 2, ^JRNRESTO), on the prompts of menus/jrnresto.yaml (resto.h).
 *
 * The dialogue fills a struct rst_plan step by step, checking each answer
 * as it comes (a directory without a database, a file not in the list,
 * the same-target rule), shows the plan, and runs it only after "Start the
 * restore? Yes".  The questions are asked in the order of the spec; the
 * words are in the YAML file, the flow is here.
 *
 * ROLLBACK.  The spec asks "Rollback incomplete transactions?" after the
 * run, but the engine decides before.  So the run leaves incomplete
 * transactions out (plan.rollback), and a No to the question runs the same
 * plan again from the first incomplete transaction with rollback off.  That
 * gives exactly the databases of one run with rollback off: every update
 * is a SET or a KILL of a definite result, so the state after a stream
 * depends only on the last update of each key, and the two runs agree on
 * everything before that transaction.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "gref.h"
#include "inst.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "resto.h"
#include "ui/menu.h"

/* Every prompt the dialogue asks: checked at start-up, so a menu file that lacks one is refused then. */
static const char *const prompt_ids[] = {
	"restore_journal", "all_globals", "foreign_os", "directory", "redirect", "all_in_dir",
	"global", "same_target_fix", "specs_ok", "own_journals", "first_file", "final_file",
	"prompt_next", "next_file", "history_log", "journal_dir", "from", "through", "prefix",
	"search_dir", "check_missing", "continue_broken", "check_integrity", "switch",
	"disable_journaling", "change_policy", "db_abort", "jrn_continue", "start", "rollback",
	"save_plan", "plan_file", "cluster_restore", NULL,
};

/* Every text it prints, checked likewise. */
static const char *const text_ids[] = {
	"banner", "foreign_os_same", "need_directory", "no_db", "range_intro", "no_files",
	"need_file_name", "need_search_dir", "search_emptied", "missing_check", "files_in_order",
	"files_again", "current_file", "journaled", "not_journaled", "journaling_stopped", "policy",
	"nothing_written", "aborted", NULL,
};

static const struct menu_action no_actions[] = { { NULL, NULL } };

struct dlg {
	struct ui *ui;
	struct menu_file *mf;
	struct jk_err *err;
	struct rst_plan plan;
	struct ui_answer a;
	const char *dir;		/* ${dir} */
	/* the directory being chosen */
	char **globals;
	size_t nglobals;
	char **words;			/* its target's global names, for Tab */
	size_t nwords;
	/* the file list questions */
	const struct rst_files *list;
	long first;			/* index of the first file chosen */
	bool switched;
	bool cluster;			/* the CLUMENU's words (menus/clumenu.yaml): resto_ask_dbs */
};

static const char *
var(void *ctx, const char *name)
{
	struct dlg *d = ctx;

	if (strcmp(name, "dir") == 0)
		return d->dir;
	return NULL;
}

static int
strv_push(char ***v, size_t *n, const char *s)
{
	char **x = realloc(*v, (*n + 2) * sizeof *x);

	if (x == NULL)
		return JK_ENOMEM;
	*v = x;
	if ((x[*n] = strdup(s)) == NULL)
		return JK_ENOMEM;
	x[++*n] = NULL;
	return 0;
}

/* Ask the prompt id with the dialogue's ${} and these extras (opts may be NULL). */
static int
ask(struct dlg *d, const char *id, struct ui_ask_opts *opts)
{
	struct ui_ask_opts o = { 0 };

	if (opts != NULL)
		o = *opts;
	o.var = var;
	if (o.ctx == NULL)
		o.ctx = d;
	return ui_ask(d->ui, menu_prompt(d->mf, id), &o, &d->a);
}

/* Ask a yes/no question: 0 with *yes, or UI_BACK / an error. */
static int
ask_yn(struct dlg *d, const char *id, bool *yes)
{
	int rc = ask(d, id, NULL);

	if (rc == 0)
		*yes = d->a.yes;
	return rc;
}

/* Print the text id of menus/jrnresto.yaml (each is there: checked at start-up). */
static void
say(struct dlg *d, const char *id)
{
	menu_say(d->ui, d->mf, id, var, d);
}

static int
nomem(struct dlg *d)
{
	return jk_errf(d->err, JK_ENOMEM, "out of memory");
}

/* ---- directories and globals ------------------------------------------------------------ */

/* The global names in the database at dir, for Tab completion (none when it cannot be read). */
static void
load_words(struct dlg *d, const char *dir)
{
	struct jk_db *db = NULL;
	struct db_txn *t = NULL;
	struct jk_key k, next;
	struct jk_err e;
	const char *name;
	size_t n;
	char tmp[GREF_NAME_MAX + 1];

	strv_free(d->words, d->nwords);
	d->words = NULL;
	d->nwords = 0;
	if (!d->ui->tty || !db_exists(dir) || db_open(dir, DB_RDONLY, &db, &e) != 0)
		return;
	if (db_txn_begin(db, false, &t) == 0) {
		k.len = 0;
		while (d->nwords < 10000 && db_order(t, k.b, k.len, 1, &next) == 0) {
			k = next;
			if (gref_key_name(k.b, k.len, &name, &n) != 0 || n > GREF_NAME_MAX)
				break;
			memcpy(tmp, name, n);
			tmp[n] = '\0';
			if (strv_push(&d->words, &d->nwords, tmp) != 0)
				break;
		}
		db_txn_abort(t);
	}
	db_close(db);
}

/* "?L": the globals chosen so far; "?": the help. */
static int
list_globals(struct ui *ui, const char *arg, void *ctx)
{
	struct dlg *d = ctx;
	const struct ui_prompt *p = menu_prompt(d->mf, "global");
	struct buf h = BUF_INIT;
	size_t i;

	if (strcasecmp(arg, "L") != 0) {
		if (ui_expand(p->help, var, d, &h) != 0)
			return JK_ENOMEM;
		ui_printf(ui, "%s", buf_str(&h));
		buf_release(&h);
		return 0;
	}
	if (d->nglobals == 0)
		ui_puts(ui, "No globals selected yet.");
	for (i = 0; i < d->nglobals; i++)
		ui_printf(ui, "^%s\n", d->globals[i]);
	return 0;
}

/* Whether the directory already in the plan as a source. */
static bool
listed(const struct dlg *d, const char *src)
{
	size_t i;

	for (i = 0; i < d->plan.ndbs; i++)
		if (strcmp(d->plan.dbs[i].source, src) == 0)
			return true;
	return false;
}

/* Drop the last database of the plan. */
static void
drop_last_db(struct rst_plan *p)
{
	struct rst_db *x = &p->dbs[--p->ndbs];

	free(x->source);
	free(x->target);
	strv_free(x->globals, x->nglobals);
}

/* A redirect answer as a directory: "." is the directory being chosen (the CLUMENU's words). */
static int
redirect_target(const struct dlg *d, const char *text, struct buf *out)
{
	if (strcmp(text, ".") == 0) {
		buf_reset(out);
		return buf_adds(out, d->dir) ? JK_ENOMEM : 0;
	}
	return ui_canon_path(text, true, out) == JK_ENOMEM ? JK_ENOMEM : 0;
}

/* ${} as the redirect prompt shows it: ${default} is the directory being chosen. */
static const char *
var_default(void *ctx, const char *name)
{
	struct dlg *d = ctx;

	return strcmp(name, "default") == 0 ? d->dir : var(ctx, name);
}

/*
 * The CLUMENU echoes the directory on a line of its own, its "-->" under
 * the prompt's "=>":  "Redirect to Directory: /a/ => /b/" then "   --> /b/".
 */
static int
echo_below(struct dlg *d, const char *target, struct buf *echo)
{
	struct buf t = BUF_INIT;
	const char *line;
	size_t col;
	int rc;

	if (ui_expand(menu_prompt(d->mf, "redirect")->text, var_default, d, &t) != 0) {
		buf_release(&t);
		return JK_ENOMEM;
	}
	line = strrchr(buf_str(&t), '\n');
	line = line != NULL ? line + 1 : buf_str(&t);
	col = strlen(line) >= 2 ? strlen(line) - 2 : 0;
	rc = buf_addf(echo, "\n%*s--> %s", (int)col, "", target) ? JK_ENOMEM : 0;
	buf_release(&t);
	return rc;
}

static int
check_redirect(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	struct dlg *d = ctx;
	struct buf dir = BUF_INIT;
	int rc;

	if ((rc = redirect_target(d, text, &dir)) != 0)
		return rc;
	if (db_exists(buf_str(&dir)))
		rc = d->cluster ? echo_below(d, buf_str(&dir), echo) : 0;
	else if (strcmp(buf_str(&dir), d->dir) == 0)
		rc = buf_adds(msg, "No database exists in that directory.") ? JK_ENOMEM : 1;
	else
		rc = buf_addf(msg, "No database exists in that directory: %s", buf_str(&dir)) ? JK_ENOMEM : 1;
	buf_release(&dir);
	return rc;
}

/* The globals of one directory into d->globals: 0 (none: all), UI_BACK, or an error. */
static int
ask_globals(struct dlg *d)
{
	struct ui_ask_opts o = { .list = list_globals, .ctx = d };
	size_t i;
	bool all, dup;
	int rc;

	for (;;) {
		strv_free(d->globals, d->nglobals);
		d->globals = NULL;
		d->nglobals = 0;
		if ((rc = ask_yn(d, "all_in_dir", &all)) != 0 || all)
			return rc;
		o.words = (const char *const *)d->words;
		for (;;) {
			if ((rc = ask(d, "global", &o)) != 0)
				return rc;
			if (d->a.empty)
				break;
			for (i = 0, dup = false; i < d->nglobals; i++)
				dup |= strcmp(d->globals[i], buf_str(&d->a.text)) == 0;
			if (dup) {
				ui_printf(d->ui, "^%s is already selected.\n", buf_str(&d->a.text));
				continue;
			}
			if (strv_push(&d->globals, &d->nglobals, buf_str(&d->a.text)) != 0)
				return nomem(d);
		}
		if (d->nglobals > 0)
			return 0;
		ui_printf(d->ui, "No globals selected in %s.\n", d->dir);
	}
}

/* One directory: its redirection and globals, added to the plan.  0, UI_BACK, or an error. */
static int
ask_one_dir(struct dlg *d, const char *src)
{
	struct ui_ask_opts ro = { .def = src, .check = check_redirect, .ctx = d };
	struct buf target = BUF_INIT;
	int rc;

	d->dir = src;
	if (!db_exists(src)) {
		say(d, "no_db");
	}
redirect:
	if ((rc = ask(d, "redirect", &ro)) != 0)
		goto out;
	if (redirect_target(d, buf_str(&d->a.text), &target) != 0) {
		rc = nomem(d);
		goto out;
	}
	load_words(d, buf_str(&target));
globals:
	if ((rc = ask_globals(d)) != 0)
		goto out;
	if ((rc = rst_plan_add_db(&d->plan, src, buf_str(&target), d->globals, d->nglobals,
	    d->err)) != 0)
		goto out;
	if (rst_plan_check_dbs(&d->plan, d->err) == JK_EUSAGE) {
		/* the same-target rule (the only rule the answers so far can break) */
		ui_puts(d->ui, d->err->msg);
		jk_err_clear(d->err);
		drop_last_db(&d->plan);
		if ((rc = ask(d, "same_target_fix", NULL)) != 0)
			goto out;
		if (d->a.choice == 0)
			goto redirect;
		goto globals;
	}
	jk_err_clear(d->err);
	rc = 0;
	if (d->cluster)
		ui_puts(d->ui, "");
out:
	buf_release(&target);
	return rc;
}

/* "Processing globals from the following datasets:" */
static int
show_dbs(struct dlg *d)
{
	struct buf b = BUF_INIT;
	const char *s, *head = menu_text(d->mf, "datasets");

	if (rst_plan_describe_dbs(&d->plan, &b) != 0) {
		buf_release(&b);
		return nomem(d);
	}
	s = buf_str(&b);
	if (head != NULL && !d->plan.all && (s = strchr(s, '\n')) != NULL) {
		/* the heading in the menu file's words */
		say(d, "datasets");
		s++;
	}
	ui_printf(d->ui, "%s", s != NULL ? s : buf_str(&b));
	if (d->cluster)
		ui_puts(d->ui, "");
	buf_release(&b);
	return 0;
}

/* The databases and globals, up to "Specifications correct? Yes". */
static int
ask_databases(struct dlg *d)
{
	bool all, yes;
	int rc;

	for (;;) {
		while (d->plan.ndbs > 0)
			drop_last_db(&d->plan);
		d->plan.all = false;
		if ((rc = ask_yn(d, "all_globals", &all)) != 0)
			return rc;
		/* (a question the menu file leaves out, as the CLUMENU's does, is not asked) */
		if (menu_prompt(d->mf, "foreign_os") != NULL) {
			if ((rc = ask_yn(d, "foreign_os", &yes)) != 0)
				return rc;
			if (yes)
				say(d, "foreign_os_same");
		}
		d->plan.all = all;
		while (!all) {
			if ((rc = ask(d, "directory", NULL)) != 0)
				return rc;
			if (d->a.empty) {
				if (d->plan.ndbs > 0)
					break;
				say(d, "need_directory");
				continue;
			}
			if (listed(d, buf_str(&d->a.text))) {
				ui_printf(d->ui, "%s is already in the list.\n", buf_str(&d->a.text));
				continue;
			}
			char *src = strdup(buf_str(&d->a.text));

			if (src == NULL)
				return nomem(d);
			rc = ask_one_dir(d, src);
			free(src);
			d->dir = NULL;
			if (rc != 0)
				return rc;
		}
		if ((rc = show_dbs(d)) != 0)
			return rc;
		if ((rc = ask_yn(d, "specs_ok", &yes)) != 0 || yes)
			return rc;
	}
}

/* ---- journal files ---------------------------------------------------------------------- */

static int
list_files(struct ui *ui, const char *arg, void *ctx)
{
	struct dlg *d = ctx;
	size_t i;

	(void)arg;
	for (i = 0; i < d->list->n; i++)
		ui_printf(ui, "%zu) %s\n", i + 1, d->list->paths[i]);
	return 0;
}

/* A file answer: a number in the list, a path or a name in it.  Index or -1. */
static long
file_index(const struct rst_files *f, const char *s)
{
	char *end;
	long n;
	size_t i;

	n = strtol(s, &end, 10);
	if (*s != '\0' && *end == '\0')
		return n >= 1 && (size_t)n <= f->n ? n - 1 : -1;
	for (i = 0; i < f->n; i++) {
		const char *base = strrchr(f->paths[i], '/');

		if (strcmp(f->paths[i], s) == 0 || (base != NULL && strcmp(base + 1, s) == 0))
			return (long)i;
	}
	return -1;
}

static int
check_first(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	struct dlg *d = ctx;
	long i = file_index(d->list, text);

	if (i < 0)
		return buf_addf(msg, "%s is not one of the %zu journal files; enter ? for the list",
		    text, d->list->n) ? JK_ENOMEM : 1;
	if (strcmp(text, d->list->paths[i]) != 0 && buf_addf(echo, " %s", d->list->paths[i]) != 0)
		return JK_ENOMEM;
	return 0;
}

static int
check_final(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	struct dlg *d = ctx;
	long i = file_index(d->list, text);

	if (i >= 0 && i < d->first)
		return buf_addf(msg, "%s comes before the first file, %s", d->list->paths[i],
		    d->list->paths[d->first]) ? JK_ENOMEM : 1;
	return check_first(ctx, text, echo, msg);
}

/* A path answer that must name a file that is there (echoed in canonical form). */
static int
check_file(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	struct stat st;

	(void)ctx;
	(void)echo;
	if (stat(text, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	return buf_addf(msg, "There is no journal file %s", text) ? JK_ENOMEM : 1;
}

/* A history log: a file, or an instance directory holding journal.log. */
static int
check_log(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int rc = 0;

	(void)ctx;
	(void)echo;
	if (stat(text, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (buf_addf(&b, "%s/journal.log", text) != 0)
			return JK_ENOMEM;
		if (stat(buf_str(&b), &st) != 0 || !S_ISREG(st.st_mode))
			rc = buf_addf(msg, "There is no history log (journal.log) in %s", text) ? JK_ENOMEM : 1;
	} else if (stat(text, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = buf_addf(msg, "There is no history log %s", text) ? JK_ENOMEM : 1;
	}
	buf_release(&b);
	return rc;
}

/* A directory that must be there. */
static int
check_dir(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	struct stat st;

	(void)ctx;
	(void)echo;
	if (stat(text, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return buf_addf(msg, "There is no directory %s", text) ? JK_ENOMEM : 1;
}

/* First and final file of the list in d->plan.files, then more files if asked.  0, UI_BACK, error. */
static int
ask_range(struct dlg *d)
{
	struct ui_ask_opts fo = { .list = list_files, .check = check_first, .ctx = d };
	struct ui_ask_opts lo = { .list = list_files, .check = check_final, .ctx = d };
	struct rst_files *f = &d->plan.files;
	long first, last;
	char *a = NULL, *b = NULL;
	bool more;
	int rc;

	if (f->n == 0) {
		say(d, "no_files");
		return UI_BACK;
	}
	d->list = f;
	say(d, "range_intro");
	if ((rc = ask(d, "first_file", &fo)) != 0)
		return rc;
	first = d->a.empty ? 0 : file_index(f, buf_str(&d->a.text));
	d->first = first;
	lo.def = f->paths[f->n - 1];
	if ((rc = ask(d, "final_file", &lo)) != 0)
		return rc;
	last = file_index(f, buf_str(&d->a.text));
	if ((a = strdup(f->paths[first])) == NULL || (b = strdup(f->paths[last])) == NULL) {
		free(a);
		return nomem(d);
	}
	rc = rst_files_range(f, a, b, d->err);
	free(a);
	free(b);
	if (rc != 0)
		return rc;
	if ((rc = ask_yn(d, "prompt_next", &more)) != 0)
		return rc;
	while (more) {
		struct ui_ask_opts no = { .check = check_file, .ctx = d };

		if ((rc = ask(d, "next_file", &no)) != 0)
			return rc;
		if (d->a.empty)
			break;
		if ((rc = rst_files_add(f, buf_str(&d->a.text), d->err)) != 0)
			return rc;
	}
	return 0;
}

/* Whether s is a journal file name's date and number, YYYYMMDD.NNN. */
static bool
file_name_ok(const char *s)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	if (s[8] != '.')
		return false;
	for (i = 9; s[i] != '\0'; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return i >= 12;
}

static int
check_name(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	(void)ctx;
	(void)echo;
	if (file_name_ok(text))
		return 0;
	return buf_addf(msg, "enter a journal file name as YYYYMMDD.NNN, such as 20261120.001, please") ?
	    JK_ENOMEM : 1;
}

/* The instance's own first and last file names, for the from/through defaults. */
static void
own_names(struct dlg *d, char *first, char *last, size_t n)
{
	struct rst_files own;
	struct jk_err e;
	const char *s;

	rst_files_init(&own);
	snprintf(first, n, "%s", "");
	snprintf(last, n, "%s", "");
	if (rst_files_from_log(&own, d->plan.inst, NULL, 0, &e) == 0 && own.n > 0) {
		s = strrchr(own.paths[0], '/');
		snprintf(first, n, "%s", s ? s + 1 : own.paths[0]);
		s = strrchr(own.paths[own.n - 1], '/');
		snprintf(last, n, "%s", s ? s + 1 : own.paths[own.n - 1]);
		/* without the prefix: the last 12 characters are YYYYMMDD.NNN */
		if (strlen(first) > 12 && file_name_ok(first + strlen(first) - 12))
			memmove(first, first + strlen(first) - 12, 13);
		if (strlen(last) > 12 && file_name_ok(last + strlen(last) - 12))
			memmove(last, last + strlen(last) - 12, 13);
	}
	rst_files_release(&own);
}

/* A directory to search: "-", or a directory that exists, echoed in canonical form. */
static int
check_search_dir(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	struct buf canon = BUF_INIT;
	struct stat st;
	int rc = 0;

	(void)ctx;
	if (strcmp(text, "-") == 0)
		return 0;
	if (ui_canon_path(text, true, &canon) != 0 || stat(buf_str(&canon), &st) != 0 ||
	    !S_ISDIR(st.st_mode))
		rc = buf_addf(msg, "There is no directory %s", text) ? JK_ENOMEM : 1;
	else if (buf_addf(echo, "  %s", buf_str(&canon)) != 0)
		rc = JK_ENOMEM;
	buf_release(&canon);
	return rc;
}

/* from/through, prefix and the search list: files found by name. */
static int
ask_by_name(struct dlg *d)
{
	struct ui_ask_opts fo = { .check = check_name, .ctx = d }, to = fo;
	char def_from[64], def_to[64], from[64], to_name[64];
	char **dirs = NULL;
	struct buf canon = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	const char *prefix;
	size_t ndirs = 0;
	int rc;

	own_names(d, def_from, def_to, sizeof def_from);
	fo.def = def_from[0] ? def_from : NULL;
	to.def = def_to[0] ? def_to : NULL;
	for (;;) {
		if ((rc = ask(d, "from", &fo)) != 0)
			return rc;
		if (!d->a.empty)
			break;
		say(d, "need_file_name");
	}
	snprintf(from, sizeof from, "%s", buf_str(&d->a.text));
	for (;;) {
		if ((rc = ask(d, "through", &to)) != 0)
			return rc;
		if (d->a.empty) {
			say(d, "need_file_name");
			continue;
		}
		if (strcmp(buf_str(&d->a.text), from) >= 0)
			break;
		ui_printf(d->ui, "%s comes before %s\n", buf_str(&d->a.text), from);
	}
	snprintf(to_name, sizeof to_name, "%s", buf_str(&d->a.text));
	if ((rc = ask(d, "prefix", NULL)) != 0)
		return rc;
	prefix = "";
	char pfx[64];

	snprintf(pfx, sizeof pfx, "%s", buf_str(&d->a.text));
	prefix = pfx;
	for (;;) {
		struct ui_ask_opts so = { .files = true, .check = check_search_dir, .ctx = d };

		if ((rc = ask(d, "search_dir", &so)) != 0)
			goto out;
		if (d->a.empty) {
			if (ndirs > 0)
				break;
			say(d, "need_search_dir");
			continue;
		}
		if (strcmp(buf_str(&d->a.text), "-") == 0) {
			strv_free(dirs, ndirs);
			dirs = NULL;
			ndirs = 0;
			say(d, "search_emptied");
			continue;
		}
		if ((rc = ui_canon_path(buf_str(&d->a.text), true, &canon)) != 0 ||
		    strv_push(&dirs, &ndirs, buf_str(&canon)) != 0) {
			rc = nomem(d);
			goto out;
		}
	}
	rc = rst_files_from_dirs(&d->plan.files, prefix, dirs, ndirs, d->err);
	if (rc == 0 && (buf_addf(&a, "%s%s", prefix, from) != 0 || buf_addf(&b, "%s%s", prefix, to_name) != 0))
		rc = nomem(d);
	if (rc == 0)
		rc = rst_files_range(&d->plan.files, buf_str(&a), buf_str(&b), d->err);
out:
	strv_free(dirs, ndirs);
	buf_release(&canon);
	buf_release(&a);
	buf_release(&b);
	return rc;
}

/* Which journal files: the instance's log, another's, or names in directories. */
static int
ask_files_once(struct dlg *d)
{
	char **dirs = NULL;
	size_t ndirs = 0;
	char *log = NULL;
	bool own;
	int rc;

	rst_files_release(&d->plan.files);
	rst_files_init(&d->plan.files);
	if ((rc = ask_yn(d, "own_journals", &own)) != 0)
		return rc;
	if (own) {
		if ((rc = rst_files_from_log(&d->plan.files, d->plan.inst, NULL, 0, d->err)) != 0)
			return rc;
		return ask_range(d);
	}
	struct ui_ask_opts lo = { .check = check_log, .ctx = d }, dop = { .check = check_dir, .ctx = d };

	if ((rc = ask(d, "history_log", &lo)) != 0)
		return rc;
	if (d->a.empty)
		return ask_by_name(d);
	if ((log = strdup(buf_str(&d->a.text))) == NULL)
		return nomem(d);
	for (;;) {
		if ((rc = ask(d, "journal_dir", &dop)) != 0)
			goto out;
		if (d->a.empty)
			break;
		if (strv_push(&dirs, &ndirs, buf_str(&d->a.text)) != 0) {
			rc = nomem(d);
			goto out;
		}
	}
	if ((rc = rst_files_from_log(&d->plan.files, log, dirs, ndirs, d->err)) == 0)
		rc = ask_range(d);
out:
	free(log);
	strv_free(dirs, ndirs);
	return rc;
}

/* The files, asked again after an answer the files refuse (a log that cannot be read, names not found). */
static int
ask_files(struct dlg *d)
{
	int rc;

	while ((rc = ask_files_once(d)) < 0 && rc != JK_ENOMEM) {
		ui_puts(d->ui, d->err->msg);
		jk_err_clear(d->err);
	}
	return rc;
}

/* ask_checks: the files do not do; ask for them again. */
#define AGAIN 2

/* The missing-file check and the list; the integrity check. */
static int
ask_checks(struct dlg *d)
{
	const struct rst_files *f = &d->plan.files;
	struct jrn_verify v;
	struct jk_err e;
	bool yes;
	size_t i;
	int rc;

	say(d, "missing_check");
	if ((rc = ask_yn(d, "check_missing", &yes)) != 0)
		return rc;
	say(d, "files_in_order");
	for (i = 0; i < f->n; i++)
		ui_printf(d->ui, "%zu. %s\n", i + 1, f->paths[i]);
	d->plan.check_links = false;
	if (rst_files_check(f, false, &e) != 0) {
		/* a file that is not there or cannot be read */
		ui_puts(d->ui, e.msg);
		return AGAIN;
	}
	if (yes && rst_files_check(f, true, &e) != 0) {
		ui_puts(d->ui, e.msg);
		if ((rc = ask_yn(d, "continue_broken", &yes)) != 0)
			return rc;
		if (!yes)
			return AGAIN;
	} else
		d->plan.check_links = yes;
	if ((rc = ask_yn(d, "check_integrity", &yes)) != 0 || !yes)
		return rc;
	for (i = 0; i < f->n; i++) {
		jk_err_clear(&e);
		rc = jrn_verify_file(f->paths[i], &v, &e);
		if (rc == 0)
			ui_printf(d->ui, "%s: %" PRIu64 " records, whole\n", f->paths[i], v.records);
		else
			ui_printf(d->ui, "%s: %s\n", f->paths[i], e.msg);
	}
	return 0;
}

/* The current file in the range: switch now, or stop. */
static int
ask_switch(struct dlg *d)
{
	struct jrn_status st;
	struct buf from = BUF_INIT, to = BUF_INIT;
	struct jk *j;
	bool yes;
	int rc;

	if ((rc = jk_open(d->plan.inst, &j, d->err)) != 0)
		return rc;
	if ((rc = jk_status(j, &st)) != 0) {
		*d->err = *jk_err(j);
		goto out;
	}
	d->plan.switch_first = false;
	if (!st.journaling || file_index(&d->plan.files, st.path) < 0)
		goto out;
	say(d, "current_file");
	if ((rc = ask_yn(d, "switch", &yes)) != 0)
		goto out;
	if (!yes) {
		rc = UI_BACK;
		goto out;
	}
	if ((rc = jk_switch(j, &from, &to)) != 0) {
		*d->err = *jk_err(j);
		goto out;
	}
	ui_printf(d->ui, "Journaling switched to %s\n", buf_str(&to));
	d->switched = true;
out:
	buf_release(&from);
	buf_release(&to);
	jk_close(j);
	return rc;
}

static int
ask_journaling(struct dlg *d)
{
	struct jrn_status st;
	struct jk *j;
	bool yes, on = false;
	int rc;

	if ((rc = ask_yn(d, "disable_journaling", &yes)) != 0)
		return rc;
	d->plan.journal_updates = false;
	if (!yes) {
		if (jk_open(d->plan.inst, &j, d->err) == 0) {
			on = jk_status(j, &st) == 0 && st.journaling;
			jk_close(j);
		}
		jk_err_clear(d->err);
		if (!on) {
			say(d, "journaling_stopped");
			return 0;
		}
		d->plan.journal_updates = true;
	}
	say(d, d->plan.journal_updates ? "journaled" : "not_journaled");
	return 0;
}

static int
ask_policy(struct dlg *d)
{
	bool yes;
	int rc;

	say(d, "policy");
	d->plan.db_errors = RST_CONTINUE;
	d->plan.jrn_errors = RST_ABORT;
	if ((rc = ask_yn(d, "change_policy", &yes)) != 0 || !yes)
		return rc;
	if ((rc = ask_yn(d, "db_abort", &yes)) != 0)
		return rc;
	d->plan.db_errors = yes ? RST_ABORT : RST_CONTINUE;
	if ((rc = ask_yn(d, "jrn_continue", &yes)) != 0)
		return rc;
	d->plan.jrn_errors = yes ? RST_CONTINUE : RST_ABORT;
	return 0;
}

/* ---- the run ---------------------------------------------------------------------------- */

/* After the run: the rollback question, and the second run when it is declined. */
static int
rollback_question(struct dlg *d, const struct resto_out *o, struct rst_result *res, int *code)
{
	struct resto_out o2 = *o;
	struct rst_result again;
	bool yes;
	int rc;

	rc = ask_yn(d, "rollback", &yes);
	if (rc == UI_BACK || (rc == 0 && yes)) {
		/* backing out changes nothing: they are left out, as the run left them */
		ui_printf(d->ui, "%zu incomplete transaction%s rolled back.\n", res->nincomplete,
		    res->nincomplete == 1 ? "" : "s");
		d->plan.rollback = true;
		return rc;
	}
	if (rc != 0)
		return rc;
	/* Again from the first incomplete transaction, applying them. */
	d->plan.rollback = false;
	if ((rc = rst_point_location(&d->plan.start, res->incomplete[0].path,
	    res->incomplete[0].offset, d->err)) != 0)
		return rc;
	ui_printf(d->ui, "Applying the incomplete transactions: restoring again from %" PRIu64 ",%s\n",
	    res->incomplete[0].offset, res->incomplete[0].path);
	o2.rollback_pending = false;
	rst_result_init(&again);
	rc = resto_run(&d->plan, &o2, &again);
	*code = resto_exit(rc, &again);
	if (rc != 0 || again.status != RST_DONE)
		resto_report(&o2, &d->plan, &again);
	else
		ui_printf(d->ui, "%zu incomplete transaction%s applied.\n", again.nincomplete,
		    again.nincomplete == 1 ? "" : "s");
	rst_result_release(&again);
	/* the plan as the operator chose it: from the beginning */
	rst_point_clear(&d->plan.start);
	return 0;
}

static int
ask_save(struct dlg *d)
{
	struct jk_err e;
	bool yes;
	int rc;

	if ((rc = ask_yn(d, "save_plan", &yes)) != 0 || !yes)
		return rc;
	d->plan.switch_first = d->switched;
	for (;;) {
		if ((rc = ask(d, "plan_file", NULL)) != 0)
			return rc;
		if (d->a.empty)
			return 0;
		jk_err_clear(&e);
		if (rst_plan_save(&d->plan, buf_str(&d->a.text), &e) == 0) {
			ui_printf(d->ui, "Plan saved in %s; jrnresto --plan %s runs it again.\n",
			    buf_str(&d->a.text), buf_str(&d->a.text));
			return 0;
		}
		ui_puts(d->ui, e.msg);
	}
}

static int
run(struct dlg *d, int *code)
{
	struct resto_out o = { .ui = d->ui, .live = d->ui->tty, .rollback_pending = true };
	struct rst_result res;
	size_t i, k;
	bool yes, ask_rb, dberr;
	int rc;

	d->plan.rollback = true;	/* decided after the run: see the top of the file */
	if (d->plan.start.kind == RST_EDGE) {
		/* after restore-backup: from that backup's marker (rst_plan_default_start) */
		struct buf note = BUF_INIT;

		if (rst_plan_default_start(&d->plan, &note, d->err) != 0) {
			ui_puts(d->ui, d->err->msg);
			jk_err_clear(d->err);
		} else if (note.len > 0) {
			ui_printf(d->ui, "The restore starts at %s.\n", buf_str(&note));
		}
		buf_release(&note);
	}
	ui_puts(d->ui, "");
	ui_printf(d->ui, "The restore will apply the updates of %zu journal file%s, from %s\n",
	    d->plan.files.n, d->plan.files.n == 1 ? "" : "s", d->plan.files.paths[0]);
	ui_printf(d->ui, "through %s, to %s\n", d->plan.files.paths[d->plan.files.n - 1],
	    d->plan.all ? "the databases they were made in." : "these databases:");
	for (i = 0; !d->plan.all && i < d->plan.ndbs; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(d->plan.dbs[k].target, d->plan.dbs[i].target) == 0)
				break;
		if (k == i)
			ui_printf(d->ui, "   %s\n", d->plan.dbs[i].target);
	}
	say(d, "nothing_written");
	if (rst_plan_check(&d->plan, d->err) != 0) {
		ui_puts(d->ui, d->err->msg);
		jk_err_clear(d->err);
		say(d, "aborted");
		return 0;
	}
	if ((rc = ask_yn(d, "start", &yes)) != 0)
		return rc;
	if (!yes) {
		say(d, "aborted");
		return 0;
	}
	rst_result_init(&res);
	rc = resto_run(&d->plan, &o, &res);
	*code = resto_exit(rc, &res);
	for (i = 0, dberr = false; i < res.ndbs; i++)
		dberr |= res.dbs[i].error != 0;
	/* the question needs a run that reached its end or its damage, every database written */
	ask_rb = res.nincomplete > 0 && res.status != RST_STOPPED && !dberr;
	o.rollback_pending = ask_rb;
	resto_report(&o, &d->plan, &res);
	rc = 0;
	if (ask_rb)
		rc = rollback_question(d, &o, &res, code);
	else if (res.nincomplete > 0)
		ui_printf(d->ui, "The incomplete transactions were left out (rolled back)%s.\n",
		    res.status == RST_STOPPED ? "; running the same restore again finishes it" :
		    "; a database error stopped part of the restore");
	else
		d->plan.rollback = false;	/* none: a saved plan applies them, as the default */
	if (rc == 0 && *code != RESTO_EXIT_STOPPED)
		rc = ask_save(d);
	rst_result_release(&res);
	/* the restore has run: backing out of the questions after it changes nothing more */
	return rc == UI_BACK ? 0 : rc;
}

int
resto_dialogue(struct ui *ui, const char *inst, struct jk_err *err)
{
	int code;

	return resto_dialogue_exit(ui, inst, &code, err);
}

int
resto_ask_dbs(struct ui *ui, const struct menu_file *mf, struct rst_plan *plan, struct jk_err *err)
{
	struct dlg d;
	int rc;

	memset(&d, 0, sizeof d);
	d.ui = ui;
	d.mf = (struct menu_file *)mf;
	d.err = err;
	d.cluster = true;
	d.plan = *plan;		/* lent, and given back below */
	ui_answer_init(&d.a);
	rc = ask_databases(&d);
	*plan = d.plan;
	ui_answer_release(&d.a);
	strv_free(d.globals, d.nglobals);
	strv_free(d.words, d.nwords);
	return rc;
}

/* Whether the instance is a cluster member (its settings name a cluster). */
static bool
member(const char *inst)
{
	struct inst_conf conf;
	struct jk_err e;

	return inst_conf_load(inst, &conf, &e) == 0 && conf.cluster_dir[0] != '\0';
}

static int dialogue(struct ui *ui, const char *inst, bool ask_cluster, int *exit_code, struct jk_err *err);

int
resto_dialogue_exit(struct ui *ui, const char *inst, int *exit_code, struct jk_err *err)
{
	return dialogue(ui, inst, true, exit_code, err);
}

int
resto_private_dialogue(struct ui *ui, const char *inst, int *exit_code, struct jk_err *err)
{
	return dialogue(ui, inst, false, exit_code, err);
}

static int
dialogue(struct ui *ui, const char *inst, bool ask_cluster, int *exit_code, struct jk_err *err)
{
	const struct menu_binds binds = { no_actions, NULL, NULL };
	struct dlg d;
	bool yes;
	size_t i;
	int rc;

	*exit_code = RESTO_EXIT_OK;
	memset(&d, 0, sizeof d);
	d.ui = ui;
	d.err = err;
	rst_plan_init(&d.plan);
	ui_answer_init(&d.a);
	if ((rc = menu_open("jrnresto", &binds, &d.mf, err)) != 0)
		goto out;
	for (i = 0; prompt_ids[i] != NULL; i++)
		if (menu_prompt(d.mf, prompt_ids[i]) == NULL) {
			rc = jk_errf(err, JK_EFORMAT, "menus/jrnresto.yaml: no prompt '%s' (the restore dialogue asks it)",
			    prompt_ids[i]);
			goto out;
		}
	for (i = 0; text_ids[i] != NULL; i++)
		if (menu_text(d.mf, text_ids[i]) == NULL) {
			rc = jk_errf(err, JK_EFORMAT, "menus/jrnresto.yaml: no text '%s' (the restore dialogue prints it)",
			    text_ids[i]);
			goto out;
		}
	if ((rc = rst_plan_set_inst(&d.plan, inst, err)) != 0)
		goto out;
	if (ask_cluster && member(inst)) {
		/* a cluster member: the CLUMENU (section 3), or this instance's own journals */
		if ((rc = ask_yn(&d, "cluster_restore", &yes)) != 0)
			goto out;
		if (yes) {
			rc = resto_clumenu(ui, inst, exit_code, err);
			goto done;
		}
	}
	say(&d, "banner");
	if ((rc = ask_yn(&d, "restore_journal", &yes)) != 0 || !yes)
		goto out;
	if ((rc = ask_databases(&d)) != 0)
		goto out;
	for (;;) {
		if ((rc = ask_files(&d)) != 0)
			goto out;
		if ((rc = ask_checks(&d)) != AGAIN)
			break;
		say(&d, "files_again");
	}
	if (rc != 0 || (rc = ask_switch(&d)) != 0 || (rc = ask_journaling(&d)) != 0 ||
	    (rc = ask_policy(&d)) != 0)
		goto out;
	rc = run(&d, exit_code);
out:
	if (rc < 0 && rc != JK_ENOMEM && d.mf != NULL && d.plan.inst != NULL) {
		/* after start-up: say why and leave, changing nothing more */
		ui_puts(ui, err->msg);
		jk_err_clear(err);
		*exit_code = RESTO_EXIT_ERR;
		rc = UI_BACK;
	}
	if (rc == UI_BACK && d.mf != NULL)
		say(&d, "aborted");
done:
	rst_plan_release(&d.plan);
	ui_answer_release(&d.a);
	strv_free(d.globals, d.nglobals);
	strv_free(d.words, d.nwords);
	menu_file_free(d.mf);
	return rc;
}
