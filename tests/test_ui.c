/*
 * test_ui.c - the line dialogue driven by answer scripts with exact
 * transcripts.
 *
 * A script is a string of answers, one a line, read through fmemopen; what
 * the dialogue writes goes to an open_memstream and is compared whole with
 * the transcript a terminal would show (ui.h: plain mode echoes answers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "ui/ui.h"

/* --- fixture: a fresh directory, the working directory for the test ---------- */

struct fx {
	char dir[PATH_MAX / 2];	/* symlinks resolved */
	char old[PATH_MAX];	/* the working directory before */
};

static int
setup(void **state)
{
	char tmpl[PATH_MAX], *real;
	const char *base = getenv("TMPDIR");
	struct fx *fx;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(tmpl, sizeof tmpl, "%s/test_ui.XXXXXX", base);
	if (mkdtemp(tmpl) == NULL || (real = realpath(tmpl, NULL)) == NULL)
		return -1;
	if ((fx = calloc(1, sizeof *fx)) == NULL || strlen(real) >= sizeof fx->dir)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "%s", real);
	free(real);
	if (getcwd(fx->old, sizeof fx->old) == NULL || chdir(fx->dir) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	int rc = 0;

	if (chdir(fx->old) != 0)
		rc = -1;
	if (nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		rc = -1;
	free(fx);
	return rc;
}

/* printf into an owned string. */
static char *
fmt(const char *f, ...)
	__attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	assert_true(vasprintf(&s, f, ap) >= 0);
	va_end(ap);
	return s;
}

/* --- the caller's side: actions, conditions, variables ------------------------- */

struct app {
	char called[256];	/* the actions run, space-separated */
	bool cluster, rollback, encryption;
	int ret;		/* what the actions return */
	const char *dir;	/* ${dir} */
};

static const char *
app_var(void *ctx, const char *name)
{
	struct app *app = ctx;

	if (strcmp(name, "dir") == 0)
		return app->dir;
	if (strcmp(name, "log") == 0)
		return "/srv/clu/pij/CLUJRN.LOG";
	return NULL;
}

/* --- scripts ------------------------------------------------------------------ */

struct script {
	FILE *in;
	FILE *out;
	char *buf;
	size_t len;
	struct ui ui;
};

static void
script_open(struct script *s, const char *answers)
{
	memset(s, 0, sizeof *s);
	if (answers[0] != '\0')
		s->in = fmemopen((void *)answers, strlen(answers), "r");
	else
		s->in = fopen("/dev/null", "r");
	assert_non_null(s->in);
	s->out = open_memstream(&s->buf, &s->len);
	assert_non_null(s->out);
	assert_int_equal(ui_init(&s->ui, s->in, s->out, 0), 0);
	assert_false(s->ui.tty);
}

/* What was written so far. */
static const char *
script_out(struct script *s)
{
	fflush(s->out);
	return s->buf;
}

static void
script_close(struct script *s)
{
	ui_release(&s->ui);
	fclose(s->in);
	fclose(s->out);
	free(s->buf);
}

/* Ask p once with the answers; the transcript must be want; returns ui_ask's code. */
static int
ask(const struct ui_prompt *p, const struct ui_ask_opts *o, const char *answers,
    const char *want, struct ui_answer *a)
{
	struct script s;
	int rc;

	script_open(&s, answers);
	rc = ui_ask(&s.ui, p, o, a);
	assert_string_equal(script_out(&s), want);
	script_close(&s);
	return rc;
}

/* --- templates and paths --------------------------------------------------------- */

static void
test_expand_fills_known_names_and_keeps_the_rest(void **state)
{
	struct app app = { .dir = "/srv/db/acct/" };
	struct buf b = BUF_INIT;
	size_t bad = 0;

	(void)state;
	assert_int_equal(ui_expand("In ${dir}: ${nope} $5 ${ $", app_var, &app, &b), 0);
	assert_string_equal(buf_str(&b), "In /srv/db/acct/: ${nope} $5 ${ $");
	buf_reset(&b);
	assert_int_equal(ui_expand("${dir}", NULL, NULL, &b), 0);
	assert_string_equal(buf_str(&b), "${dir}");
	buf_release(&b);
	assert_true(ui_template_ok("a ${b_1} $c {d}", &bad));
	assert_false(ui_template_ok("a ${b} ${1x}", &bad));
	assert_int_equal(bad, 7);
	assert_false(ui_template_ok("${", &bad));
	assert_int_equal(bad, 0);
}

static void
test_canon_path_resolves_what_exists_and_joins_the_rest(void **state)
{
	struct fx *fx = *state;
	struct buf b = BUF_INIT;
	char *want;

	assert_int_equal(mkdir("srv", 0777), 0);
	assert_int_equal(mkdir("srv/db", 0777), 0);
	assert_int_equal(mkdir("srv/db/acct", 0777), 0);
	assert_int_equal(symlink("srv/db", "lnk"), 0);

	want = fmt("%s/srv/db/acct/", fx->dir);
	assert_int_equal(ui_canon_path("srv/db/acct", true, &b), 0);
	assert_string_equal(buf_str(&b), want);
	assert_int_equal(ui_canon_path("./srv//db/./acct/", true, &b), 0);
	assert_string_equal(buf_str(&b), want);
	assert_int_equal(ui_canon_path("lnk/acct", true, &b), 0);
	assert_string_equal(buf_str(&b), want);
	assert_int_equal(ui_canon_path("srv/db/new/../acct", true, &b), 0);
	assert_string_equal(buf_str(&b), want);
	free(want);

	want = fmt("%s/srv/restore/acct/", fx->dir);
	assert_int_equal(ui_canon_path("lnk/../restore/acct", true, &b), 0);
	assert_string_equal(buf_str(&b), want);
	free(want);

	want = fmt("%s/srv/db/f.txt", fx->dir);
	assert_int_equal(ui_canon_path("srv/db/acct/../f.txt", false, &b), 0);
	assert_string_equal(buf_str(&b), want);
	free(want);

	assert_int_equal(ui_canon_path("/", true, &b), 0);
	assert_string_equal(buf_str(&b), "/");
	assert_int_equal(ui_canon_path("/..", false, &b), 0);
	assert_string_equal(buf_str(&b), "/");
	assert_int_equal(ui_canon_path("", true, &b), JK_EUSAGE);
	buf_release(&b);
}

static void
test_global_names_and_patterns(void **state)
{
	(void)state;
	assert_true(ui_global_ok("Acct"));
	assert_true(ui_global_ok("%Sys"));
	assert_true(ui_global_ok("Acct*"));
	assert_true(ui_global_ok("Bal?x"));
	assert_true(ui_global_ok("*"));
	assert_true(ui_global_ok("?x.y"));
	assert_true(ui_global_ok("A234567890123456789012345678901"));
	assert_false(ui_global_ok("A2345678901234567890123456789012"));
	assert_false(ui_global_ok(""));
	assert_false(ui_global_ok("1A"));
	assert_false(ui_global_ok(".A"));
	assert_false(ui_global_ok("A%"));
	assert_false(ui_global_ok("A(1)"));
	assert_false(ui_global_ok("^A"));
}

/* --- the dialogue: yes / no ------------------------------------------------------- */

static const struct ui_prompt restore_q = {
	.id = "restore", .text = "Restore the Journal?", .kind = UI_YESNO, .def = "yes",
	.help = "Yes restores globals from journal files; No leaves.",
};

static void
test_ask_yesno_enter_takes_the_default_and_shows_it(void **state)
{
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	assert_int_equal(ask(&restore_q, NULL, "\n", "Restore the Journal? Yes => Yes\n", &a), 0);
	assert_true(a.yes);
	assert_false(a.empty);
	assert_string_equal(buf_str(&a.text), "Yes");

	{
		struct ui_prompt q = restore_q;

		q.text = "Prompt for name of the next file to process?";
		q.def = "no";
		assert_int_equal(ask(&q, NULL, "\n",
		    "Prompt for name of the next file to process? No => No\n", &a), 0);
		assert_false(a.yes);
		assert_string_equal(buf_str(&a.text), "No");
	}
	ui_answer_release(&a);
}

static void
test_ask_yesno_accepts_y_yes_n_no_in_any_case(void **state)
{
	static const struct { const char *in; bool yes; } t[] = {
		{ "Y", true }, { "y", true }, { "YES", true }, { "yes", true }, { "yEs", true },
		{ "N", false }, { "n", false }, { "NO", false }, { "no", false }, { "nO", false },
		{ "  no  ", false },
	};
	struct ui_answer a;
	size_t i;
	char *in, *want;

	(void)state;
	ui_answer_init(&a);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		in = fmt("%s\n", t[i].in);
		want = fmt("Restore the Journal? Yes => %s\n", t[i].in);
		assert_int_equal(ask(&restore_q, NULL, in, want, &a), 0);
		assert_int_equal(a.yes, t[i].yes);
		assert_string_equal(buf_str(&a.text), t[i].yes ? "Yes" : "No");
		free(in);
		free(want);
	}
	ui_answer_release(&a);
}

static void
test_ask_yesno_garbage_is_refused_and_asked_again(void **state)
{
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	assert_int_equal(ask(&restore_q, NULL, "maybe\nyess\nOK\nno\n",
	    "Restore the Journal? Yes => maybe\n"
	    "enter Yes or No, please\n"
	    "Restore the Journal? Yes => yess\n"
	    "enter Yes or No, please\n"
	    "Restore the Journal? Yes => OK\n"
	    "enter Yes or No, please\n"
	    "Restore the Journal? Yes => no\n", &a), 0);
	assert_false(a.yes);
	ui_answer_release(&a);
}

static void
test_ask_yesno_without_default_wants_an_answer(void **state)
{
	struct ui_prompt q = {
		.text = "Process all journaled globals in all directories?", .kind = UI_YESNO,
	};
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	assert_int_equal(ask(&q, NULL, "\nNo\n",
	    "Process all journaled globals in all directories? \n"
	    "enter Yes or No, please\n"
	    "Process all journaled globals in all directories? No\n", &a), 0);
	assert_false(a.yes);
	ui_answer_release(&a);
}

static void
test_ask_question_mark_prints_help_and_asks_again(void **state)
{
	struct ui_prompt q = restore_q;
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	assert_int_equal(ask(&restore_q, NULL, "?\ny\n",
	    "Restore the Journal? Yes => ?\n"
	    "Yes restores globals from journal files; No leaves.\n"
	    "Restore the Journal? Yes => y\n", &a), 0);
	assert_true(a.yes);

	/* Without help text, what the question wants. */
	q.help = NULL;
	assert_int_equal(ask(&q, NULL, " ? \n\n",
	    "Restore the Journal? Yes =>  ? \n"
	    "enter Yes or No\n"
	    "Restore the Journal? Yes => Yes\n", &a), 0);
	ui_answer_release(&a);
}

static void
test_ask_caret_backs_out(void **state)
{
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	assert_int_equal(ask(&restore_q, NULL, "maybe\n^\nyes\n",
	    "Restore the Journal? Yes => maybe\n"
	    "enter Yes or No, please\n"
	    "Restore the Journal? Yes => ^\n", &a), UI_BACK);
	assert_string_equal(buf_str(&a.text), "");
	ui_answer_release(&a);
}

static void
test_ask_end_of_input_backs_out_for_good(void **state)
{
	struct ui_answer a;
	struct script s;

	(void)state;
	ui_answer_init(&a);
	script_open(&s, "maybe");	/* the last line without its newline is a line */
	assert_int_equal(ui_ask(&s.ui, &restore_q, NULL, &a), UI_BACK);
	assert_string_equal(script_out(&s),
	    "Restore the Journal? Yes => maybe\n"
	    "enter Yes or No, please\n"
	    "Restore the Journal? Yes => \n");
	assert_true(s.ui.eof);
	/* Every question after backs out at once, writing nothing. */
	assert_int_equal(ui_ask(&s.ui, &restore_q, NULL, &a), UI_BACK);
	assert_string_equal(script_out(&s),
	    "Restore the Journal? Yes => maybe\n"
	    "enter Yes or No, please\n"
	    "Restore the Journal? Yes => \n");
	script_close(&s);

	assert_int_equal(ask(&restore_q, NULL, "", "Restore the Journal? Yes => \n", &a),
	    UI_BACK);
	ui_answer_release(&a);
}

/* --- numbers, choices, text ------------------------------------------------------ */

static void
test_ask_number_in_range(void **state)
{
	struct ui_prompt q = {
		.text = "How many cluster members were involved?", .kind = UI_NUMBER,
		.has_min = true, .min = 1, .has_max = true, .max = 16,
	};
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	assert_int_equal(ask(&q, NULL, "three\n0\n17\n3x\n99999999999999999999\n+3\n",
	    "How many cluster members were involved? three\n"
	    "enter a number from 1 to 16, please\n"
	    "How many cluster members were involved? 0\n"
	    "enter a number from 1 to 16, please\n"
	    "How many cluster members were involved? 17\n"
	    "enter a number from 1 to 16, please\n"
	    "How many cluster members were involved? 3x\n"
	    "enter a number from 1 to 16, please\n"
	    "How many cluster members were involved? 99999999999999999999\n"
	    "enter a number from 1 to 16, please\n"
	    "How many cluster members were involved? +3\n", &a), 0);
	assert_int_equal(a.num, 3);
	assert_string_equal(buf_str(&a.text), "3");

	q.def = "2";
	assert_int_equal(ask(&q, NULL, "\n", "How many cluster members were involved? 2 => \n",
	    &a), 0);
	assert_int_equal(a.num, 2);

	/* Only a minimum; no default: Enter is an empty answer. */
	q.def = NULL;
	q.has_max = false;
	assert_int_equal(ask(&q, NULL, "-1\n\n",
	    "How many cluster members were involved? -1\n"
	    "enter a number of at least 1, please\n"
	    "How many cluster members were involved? \n", &a), 0);
	assert_true(a.empty);
	ui_answer_release(&a);
}

static const char *const err_types[] = { "JRN", "CLUJRN" };

static void
test_ask_choice_matches_any_case_and_prints_help_as_spec(void **state)
{
	/* spec/dialogues.md section 5 */
	struct ui_prompt q = {
		.text = "Enter error type (? for list) [^] =>", .kind = UI_CHOICE,
		.values = err_types, .nvalues = 2,
		.help = "\nSupported error types are:\n"
		    "     JRN - Journal restore and transaction rollback\n"
		    "     CLUJRN - Cluster journal restore and transaction rollback\n\n",
	};
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	assert_int_equal(ask(&q, NULL, "?\nJRN\n",
	    "Enter error type (? for list) [^] => ?\n"
	    "\n"
	    "Supported error types are:\n"
	    "     JRN - Journal restore and transaction rollback\n"
	    "     CLUJRN - Cluster journal restore and transaction rollback\n"
	    "\n"
	    "Enter error type (? for list) [^] => JRN\n", &a), 0);
	assert_int_equal(a.choice, 0);
	assert_string_equal(buf_str(&a.text), "JRN");

	assert_int_equal(ask(&q, NULL, "BOTH\nclujrn\n",
	    "Enter error type (? for list) [^] => BOTH\n"
	    "enter one of JRN, CLUJRN, please\n"
	    "Enter error type (? for list) [^] => clujrn\n", &a), 0);
	assert_int_equal(a.choice, 1);
	assert_string_equal(buf_str(&a.text), "CLUJRN");

	assert_int_equal(ask(&q, NULL, "^\n", "Enter error type (? for list) [^] => ^\n", &a),
	    UI_BACK);
	ui_answer_release(&a);
}

/* The "? for a list" of section 2: the caller prints the journal files. */
static int
list_files(struct ui *ui, const char *arg, void *ctx)
{
	(void)ctx;
	assert_string_equal(arg, "");
	ui_puts(ui, "1) /srv/jrn/journal/20261119.001");
	ui_puts(ui, "2) /srv/jrn/journal/20261120.001");
	ui_puts(ui, "3) /srv/jrn/journal/20261120.002");
	return 0;
}

static void
test_ask_list_callback_answers_question_mark(void **state)
{
	struct ui_prompt q = {
		.text = "First file to process:  ", .kind = UI_NUMBER,
		.has_min = true, .min = 1, .has_max = true, .max = 3, .help = "not this",
	};
	struct ui_ask_opts o = { .list = list_files };
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	assert_int_equal(ask(&q, &o, "?\n2\n",
	    "First file to process:  ?\n"
	    "1) /srv/jrn/journal/20261119.001\n"
	    "2) /srv/jrn/journal/20261120.001\n"
	    "3) /srv/jrn/journal/20261120.002\n"
	    "First file to process:  2\n", &a), 0);
	assert_int_equal(a.num, 2);
	ui_answer_release(&a);
}

static void
test_ask_text_with_variables_and_placed_default(void **state)
{
	struct app app = { .dir = "/srv/db/acct/" };
	struct ui_prompt q = {
		.text = "from: <${default}> [?] =>", .kind = UI_TEXT, .def = "20261119.001",
	};
	struct ui_prompt y = {
		.text = "Process all globals in ${dir}?", .kind = UI_YESNO, .def = "NO",
	};
	struct ui_ask_opts o = { .var = app_var, .ctx = &app };
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	assert_int_equal(ask(&q, NULL, "\n", "from: <20261119.001> [?] => \n", &a), 0);
	assert_string_equal(buf_str(&a.text), "20261119.001");
	assert_int_equal(ask(&q, NULL, " 20261120.002 \n", "from: <20261119.001> [?] =>  "
	    "20261120.002 \n", &a), 0);
	assert_string_equal(buf_str(&a.text), "20261120.002");

	assert_int_equal(ask(&y, &o, "no\n", "Process all globals in /srv/db/acct/? No => no\n",
	    &a), 0);
	assert_false(a.yes);

	/* The caller's default replaces the prompt's; a text without one may be empty. */
	o.def = "yes";
	assert_int_equal(ask(&y, &o, "\n", "Process all globals in /srv/db/acct/? Yes => Yes\n",
	    &a), 0);
	assert_true(a.yes);
	q.def = NULL;
	q.text = "Journal history log:";
	assert_int_equal(ask(&q, NULL, "\n", "Journal history log: \n", &a), 0);
	assert_true(a.empty);
	assert_string_equal(buf_str(&a.text), "");
	ui_answer_release(&a);
}

/* --- paths and globals ------------------------------------------------------------ */

static void
test_ask_path_echoes_the_canonical_form(void **state)
{
	struct fx *fx = *state;
	struct app app = { 0 };
	struct ui_prompt q = {
		.text = "Directory to restore [? for help]:", .kind = UI_PATH, .dir = true,
	};
	struct ui_prompt r = {
		.text = "Redirect to Directory: ${default}\n =>", .kind = UI_PATH, .dir = true,
		.def = "${dir}", .echo = UI_ECHO_ARROW,
	};
	struct ui_ask_opts o = { .var = app_var, .ctx = &app };
	struct ui_answer a;
	char *in, *want, *dir;

	assert_int_equal(mkdir("srv", 0777), 0);
	assert_int_equal(mkdir("srv/db", 0777), 0);
	assert_int_equal(mkdir("srv/db/acct", 0777), 0);
	dir = fmt("%s/srv/db/acct/", fx->dir);
	app.dir = dir;
	ui_answer_init(&a);

	/* As in section 2: "Directory to restore [? for help]: /srv/db/acct  /srv/db/acct/" */
	in = fmt("%s/srv/db/acct\n", fx->dir);
	want = fmt("Directory to restore [? for help]: %s/srv/db/acct  %s\n", fx->dir, dir);
	assert_int_equal(ask(&q, NULL, in, want, &a), 0);
	assert_string_equal(buf_str(&a.text), dir);
	free(in);
	free(want);

	want = fmt("Directory to restore [? for help]: srv/db/../db/acct/  %s\n", dir);
	assert_int_equal(ask(&q, NULL, "srv/db/../db/acct/\n", want, &a), 0);
	assert_string_equal(buf_str(&a.text), dir);
	free(want);

	/* Enter with no default: an empty answer, the end of a directory loop. */
	assert_int_equal(ask(&q, NULL, "\n", "Directory to restore [? for help]: \n", &a), 0);
	assert_true(a.empty);

	/* The redirection: default placed by the text, echo as an arrow; need not exist. */
	want = fmt("Redirect to Directory: %s\n => srv/restore/acct--> %s/srv/restore/acct/\n",
	    dir, fx->dir);
	assert_int_equal(ask(&r, &o, "srv/restore/acct\n", want, &a), 0);
	free(want);
	want = fmt("%s/srv/restore/acct/", fx->dir);
	assert_string_equal(buf_str(&a.text), want);
	free(want);

	/* Enter takes the default, canonical, and adds nothing to the line. */
	want = fmt("Redirect to Directory: %s\n => \n", dir);
	assert_int_equal(ask(&r, &o, "\n", want, &a), 0);
	assert_string_equal(buf_str(&a.text), dir);
	free(want);

	/* A file, without echo. */
	q.text = "Journal history log:";
	q.dir = false;
	q.echo = UI_ECHO_NONE;
	want = fmt("%s/srv/journal.log", fx->dir);
	assert_int_equal(ask(&q, NULL, "srv/db/../journal.log\n",
	    "Journal history log: srv/db/../journal.log\n", &a), 0);
	assert_string_equal(buf_str(&a.text), want);
	free(want);
	free(dir);
	ui_answer_release(&a);
}

static int
list_globals(struct ui *ui, const char *arg, void *ctx)
{
	(void)ctx;
	ui_printf(ui, "list '%s'\n", arg);
	return 0;
}

static void
test_ask_global_pattern(void **state)
{
	struct ui_prompt q = { .text = "Global ^", .kind = UI_GLOBAL };
	struct ui_ask_opts o = { .list = list_globals };
	struct ui_answer a;

	(void)state;
	ui_answer_init(&a);
	/* Section 2's loop, one question at a time. */
	assert_int_equal(ask(&q, NULL, "Acct*\n", "Global ^Acct*\n", &a), 0);
	assert_string_equal(buf_str(&a.text), "Acct*");
	assert_int_equal(ask(&q, NULL, "^Bal?x\n", "Global ^^Bal?x\n", &a), 0);
	assert_string_equal(buf_str(&a.text), "Bal?x");
	assert_int_equal(ask(&q, NULL, "\n", "Global ^\n", &a), 0);
	assert_true(a.empty);

	assert_int_equal(ask(&q, NULL, "1abc\nA(1)\n%Z\n",
	    "Global ^1abc\n"
	    "enter a global name or pattern (* any characters, ? one), such as Acct or "
	    "Acct*, please\n"
	    "Global ^A(1)\n"
	    "enter a global name or pattern (* any characters, ? one), such as Acct or "
	    "Acct*, please\n"
	    "Global ^%Z\n", &a), 0);
	assert_string_equal(buf_str(&a.text), "%Z");

	/* "?" and "?L" go to the list; "?x*" is a pattern. */
	assert_int_equal(ask(&q, &o, "?\n?L\n?x*\n",
	    "Global ^?\nlist ''\nGlobal ^?L\nlist 'L'\nGlobal ^?x*\n", &a), 0);
	assert_string_equal(buf_str(&a.text), "?x*");
	ui_answer_release(&a);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_expand_fills_known_names_and_keeps_the_rest),
		T(test_canon_path_resolves_what_exists_and_joins_the_rest),
		T(test_global_names_and_patterns),
		T(test_ask_yesno_enter_takes_the_default_and_shows_it),
		T(test_ask_yesno_accepts_y_yes_n_no_in_any_case),
		T(test_ask_yesno_garbage_is_refused_and_asked_again),
		T(test_ask_yesno_without_default_wants_an_answer),
		T(test_ask_question_mark_prints_help_and_asks_again),
		T(test_ask_caret_backs_out),
		T(test_ask_end_of_input_backs_out_for_good),
		T(test_ask_number_in_range),
		T(test_ask_choice_matches_any_case_and_prints_help_as_spec),
		T(test_ask_list_callback_answers_question_mark),
		T(test_ask_text_with_variables_and_placed_default),
		T(test_ask_path_echoes_the_canonical_form),
		T(test_ask_global_pattern),
	};
#undef T
	return cmocka_run_group_tests_name("ui", tests, NULL, NULL);
}
