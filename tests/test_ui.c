/*
 * test_ui.c - the menu engine: the menu file loader and its messages, the
 * line dialogue driven by answer scripts with exact transcripts, and the
 * menus of menus/ rendered and run.
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

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "ui/menu.h"
#include "ui/ui.h"
#include "util/tmpdir.h"

/* --- fixture: a fresh directory, the working directory for the test ---------- */

struct fx {
	char dir[PATH_MAX / 2];	/* symlinks resolved */
	char old[PATH_MAX];	/* the working directory before */
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);

	if (fx == NULL || tu_mkdtemp(fx->dir, sizeof fx->dir, "test_ui") != 0)
		return -1;
	if (getcwd(fx->old, sizeof fx->old) == NULL || chdir(fx->dir) != 0 ||
	    mkdir("menus", 0777) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	int rc = 0;

	if (chdir(fx->old) != 0)
		rc = -1;
	if (tu_rmtree(fx->dir) != 0)
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

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* --- the caller's side: actions, conditions, variables ------------------------- */

struct app {
	char called[256];	/* the actions run, space-separated */
	bool cluster, rollback, encryption;
	int ret;		/* what the actions return */
	const char *dir;	/* ${dir} */
};

static int
record(void *ctx, const char *name)
{
	struct app *app = ctx;
	size_t n = strlen(app->called);

	snprintf(app->called + n, sizeof app->called - n, "%s%s", n > 0 ? " " : "", name);
	return app->ret;
}

#define ACTION(n) \
	static int act_##n(struct ui *ui, void *ctx) \
	{ \
		ui_puts(ui, "[" #n "]"); \
		return record(ctx, #n); \
	}
ACTION(start)
ACTION(stop)
ACTION(switch)
ACTION(restore)
ACTION(dump)
ACTION(purge)
ACTION(options)
ACTION(encryption)
ACTION(status)
ACTION(cluster_restore)
ACTION(rollback)

static const struct menu_action actions[] = {
	{ "start", act_start }, { "stop", act_stop }, { "switch", act_switch },
	{ "restore", act_restore }, { "dump", act_dump }, { "purge", act_purge },
	{ "options", act_options }, { "encryption", act_encryption },
	{ "status", act_status }, { "cluster_restore", act_cluster_restore },
	{ "rollback", act_rollback }, { NULL, NULL },
};

static bool
is_cluster(void *ctx)
{
	return ((struct app *)ctx)->cluster;
}

static bool
has_rollback(void *ctx)
{
	return ((struct app *)ctx)->rollback;
}

static bool
has_encryption(void *ctx)
{
	return ((struct app *)ctx)->encryption;
}

/* jrndump and purge: the test app has both (jrnkit's own conditions are in src/cmd/mainmenu.c). */
static bool
always(void *ctx)
{
	(void)ctx;
	return true;
}

static const struct menu_cond conds[] = {
	{ "cluster_member", is_cluster }, { "rollback_pending", has_rollback },
	{ "encryption", has_encryption }, { "have_jrndump", always }, { "have_purge", always },
	{ NULL, NULL },
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

static const struct menu_binds binds = { actions, conds, app_var };

/* The top of the source tree: $JRNKIT_SRC, else the directory the tests started in. */
static char src_top[PATH_MAX];

/* The menus/ of the source tree. */
static char *
src_menu(const char *name)
{
	return fmt("%s/menus/%s", src_top, name);
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

/* --- loader ------------------------------------------------------------------- */

/* Write text to menus/x.yaml, load it: it must fail with JK_EFORMAT and exactly msg. */
static void
load_fails(const char *text, const char *msg)
{
	struct menu_file *mf = (void *)1;
	struct jk_err err;

	put_file("menus/x.yaml", text);
	jk_err_clear(&err);
	assert_int_equal(menu_file_load("menus/x.yaml", &binds, &mf, &err), JK_EFORMAT);
	assert_null(mf);
	assert_string_equal(err.msg, msg);
}

static struct menu_file *
load_ok(const char *text)
{
	struct menu_file *mf = NULL;
	struct jk_err err;

	put_file("menus/x.yaml", text);
	jk_err_clear(&err);
	if (menu_file_load("menus/x.yaml", &binds, &mf, &err) != 0)
		fail_msg("%s", err.msg);
	return mf;
}

static void
test_load_main_menu_binds_every_item(void **state)
{
	struct menu_file *mf = NULL;
	const struct menu *m;
	struct jk_err err;
	char *path = src_menu("main.yaml");

	(void)state;
	if (menu_file_load(path, &binds, &mf, &err) != 0)
		fail_msg("%s", err.msg);
	m = menu_find(mf, "main");
	assert_non_null(m);
	assert_int_equal(m->nitems, 12);
	assert_int_equal(m->style, MENU_OPTION);
	assert_string_equal(m->items[3].key, "4");
	assert_ptr_equal(m->items[3].action->run, act_restore);
	assert_ptr_equal(m->items[9].when->test, is_cluster);
	assert_ptr_equal(m->items[10].when->test, has_rollback);
	assert_ptr_equal(m->items[7].when->test, has_encryption);
	assert_true(m->items[11].never);
	assert_null(menu_find(mf, "nope"));
	assert_null(menu_prompt(mf, "main"));
	menu_file_free(mf);
	free(path);
}

static void
test_load_reads_every_key_of_the_schema(void **state)
{
	struct menu_file *mf;
	const struct ui_prompt *p;
	const struct menu *m;

	(void)state;
	mf = load_ok(
	    "menus:\n"
	    "  - id: m\n"
	    "    title: Options for ${dir}\n"
	    "    style: choice\n"
	    "    help: The help.\n"
	    "    items:\n"
	    "      - key: a\n"
	    "        label: Start\n"
	    "        action: start\n"
	    "        when: cluster_member\n"
	    "        hide: yes\n"
	    "        help: |\n"
	    "          Starts.\n"
	    "      - {key: 12, available: false}\n"
	    "prompts:\n"
	    "  - id: n\n"
	    "    text: How many?\n"
	    "    kind: number\n"
	    "    min: -3\n"
	    "    max: 7\n"
	    "    default: 2\n"
	    "    help: Some.\n"
	    "  - id: c\n"
	    "    text: Type?\n"
	    "    kind: choice\n"
	    "    values: [JRN, CLUJRN]\n"
	    "    default: clujrn\n"
	    "  - id: p\n"
	    "    text: File?\n"
	    "    kind: path\n"
	    "    dir: false\n"
	    "    echo: arrow\n"
	    "  - id: y\n"
	    "    text: Sure?\n"
	    "    kind: yesno\n"
	    "    default: Y\n"
	    "  - {id: g, text: Global ^, kind: global, default: ^A*}\n"
	    "  - {id: t, text: \"Name:\", kind: text}\n");
	m = menu_find(mf, "m");
	assert_non_null(m);
	assert_string_equal(m->title, "Options for ${dir}");
	assert_int_equal(m->style, MENU_CHOICE);
	assert_string_equal(m->help, "The help.");
	assert_string_equal(m->items[0].key, "A");
	assert_true(m->items[0].hide);
	assert_string_equal(m->items[0].help, "Starts.\n");
	assert_string_equal(m->items[1].key, "12");
	assert_null(m->items[1].label);
	assert_null(m->items[1].action);
	p = menu_prompt(mf, "n");
	assert_int_equal(p->kind, UI_NUMBER);
	assert_true(p->has_min && p->has_max);
	assert_int_equal(p->min, -3);
	assert_int_equal(p->max, 7);
	assert_string_equal(p->def, "2");
	p = menu_prompt(mf, "c");
	assert_int_equal(p->nvalues, 2);
	assert_string_equal(p->values[1], "CLUJRN");
	p = menu_prompt(mf, "p");
	assert_int_equal(p->kind, UI_PATH);
	assert_false(p->dir);
	assert_int_equal(p->echo, UI_ECHO_ARROW);
	p = menu_prompt(mf, "y");
	assert_string_equal(p->def, "yes");	/* normalised */
	assert_int_equal(menu_prompt(mf, "g")->kind, UI_GLOBAL);
	assert_int_equal(menu_prompt(mf, "t")->kind, UI_TEXT);
	assert_true(menu_prompt(mf, "t")->dir);	/* the default, unused */
	menu_file_free(mf);
}

static void
test_load_unknown_key_names_the_keys_allowed(void **state)
{
	(void)state;
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - key: 1\n"
	    "        lable: Start\n",
	    "menus/x.yaml:5:9: unknown key 'lable' (an item has key, label, action, when, "
	    "hide, available, help)");
	load_fails("menu: []\n",
	    "menus/x.yaml:1:1: unknown key 'menu' (a menu file has menus, prompts, texts)");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    colour: red\n"
	    "    items: []\n",
	    "menus/x.yaml:3:5: unknown key 'colour' (a menu has id, title, style, help, items)");
	load_fails(
	    "prompts:\n"
	    "  - id: p\n"
	    "    text: Sure?\n"
	    "    kind: yesno\n"
	    "    defualt: yes\n",
	    "menus/x.yaml:5:5: unknown key 'defualt' (a prompt has id, text, kind, default, "
	    "help, min, max, values, dir, echo)");
}

static void
test_load_wrong_type_names_what_was_found(void **state)
{
	(void)state;
	load_fails("- a\n- b\n", "menus/x.yaml:1:1: a menu file must be a mapping, not a list");
	load_fails("menus: main\n", "menus/x.yaml:1:8: menus must be a list, not 'main'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      key: 1\n",
	    "menus/x.yaml:4:7: items must be a list, not a mapping");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - key: 1\n"
	    "        label: [Start]\n"
	    "        action: start\n",
	    "menus/x.yaml:5:16: label must be text, not a list");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - 1\n",
	    "menus/x.yaml:4:9: an item must be a mapping, not '1'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - key: 1\n"
	    "        label: Start\n"
	    "        action: start\n"
	    "        when: cluster_member\n"
	    "        hide: maybe\n",
	    "menus/x.yaml:8:15: hide must be true or false, not 'maybe'");
	load_fails(
	    "prompts:\n"
	    "  - id: n\n"
	    "    text: How many?\n"
	    "    kind: number\n"
	    "    min: \"1\"\n",
	    "menus/x.yaml:5:10: min must be a whole number, not '1'");
	load_fails(
	    "prompts:\n"
	    "  - id: n\n"
	    "    text: How many?\n"
	    "    kind: number\n"
	    "    max: 1.5\n",
	    "menus/x.yaml:5:10: max must be a whole number, not '1.5'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    style: fancy\n"
	    "    items: []\n",
	    "menus/x.yaml:3:12: style must be option or choice, not 'fancy'");
	load_fails(
	    "prompts:\n"
	    "  - id: p\n"
	    "    text: Sure?\n"
	    "    kind: bool\n",
	    "menus/x.yaml:4:11: kind must be yesno, number, choice, path, global or text, "
	    "not 'bool'");
	load_fails(
	    "prompts:\n"
	    "  - id: p\n"
	    "    text: Where?\n"
	    "    kind: path\n"
	    "    echo: loud\n",
	    "menus/x.yaml:5:11: echo must be spaced, arrow or none, not 'loud'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - {[key]: 1}\n",
	    "menus/x.yaml:4:10: expected a key name, found a list");
}

static void
test_load_missing_required_key_points_at_the_mapping(void **state)
{
	(void)state;
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - key: 1\n"
	    "        action: start\n",
	    "menus/x.yaml:4:9: missing key 'label'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - label: Start\n"
	    "        action: start\n",
	    "menus/x.yaml:4:9: missing key 'key'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - key: 1\n"
	    "        label: Start\n",
	    "menus/x.yaml:4:9: missing key 'action'");
	load_fails(
	    "menus:\n"
	    "  - title: Menu\n"
	    "    items: []\n",
	    "menus/x.yaml:2:5: missing key 'id'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n",
	    "menus/x.yaml:2:5: missing key 'items'");
	load_fails(
	    "prompts:\n"
	    "  - id: p\n"
	    "    kind: yesno\n",
	    "menus/x.yaml:2:5: missing key 'text'");
	load_fails(
	    "prompts:\n"
	    "  - id: p\n"
	    "    text: Type?\n"
	    "    kind: choice\n",
	    "menus/x.yaml:2:5: missing key 'values'");
}

static void
test_load_duplicate_option_key(void **state)
{
	(void)state;
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - {key: 1, label: One, action: start}\n"
	    "      - {key: 2, label: Two, action: stop}\n"
	    "      - {key: 1, label: Again, action: dump}\n",
	    "menus/x.yaml:6:15: duplicate option key '1' (first at line 4)");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - {key: Q, label: Quit, action: start}\n"
	    "      - {key: q, label: Quiet, action: stop}\n",
	    "menus/x.yaml:5:15: duplicate option key 'Q' (first at line 4)");
}

static void
test_load_bad_option_key(void **state)
{
	(void)state;
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - {key: 01, label: One, action: start}\n",
	    "menus/x.yaml:4:15: key must be a number from 1 to 99 or a letter other than "
	    "E and H, not '01'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - {key: e, label: Exit, action: start}\n",
	    "menus/x.yaml:4:15: key must be a number from 1 to 99 or a letter other than "
	    "E and H, not 'e'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - {key: 100, label: Many, action: start}\n",
	    "menus/x.yaml:4:15: key must be a number from 1 to 99 or a letter other than "
	    "E and H, not '100'");
}

static void
test_load_duplicate_id_across_menus_and_prompts(void **state)
{
	(void)state;
	load_fails(
	    "menus:\n"
	    "  - id: main\n"
	    "    items:\n"
	    "      - {key: 1, label: One, action: start}\n"
	    "prompts:\n"
	    "  - id: main\n"
	    "    text: Sure?\n"
	    "    kind: yesno\n",
	    "menus/x.yaml:6:9: duplicate id 'main' (first at line 2)");
	load_fails(
	    "prompts:\n"
	    "  - {id: p, text: A?, kind: yesno}\n"
	    "  - {id: p, text: B?, kind: yesno}\n",
	    "menus/x.yaml:3:10: duplicate id 'p' (first at line 2)");
}

static void
test_load_duplicate_mapping_key(void **state)
{
	(void)state;
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - key: 1\n"
	    "        label: One\n"
	    "        action: start\n"
	    "        label: Uno\n",
	    "menus/x.yaml:7:9: duplicate key 'label' (first at line 5)");
}

static void
test_load_action_or_condition_not_registered(void **state)
{
	(void)state;
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - key: 1\n"
	    "        label: Start\n"
	    "        action: strat\n",
	    "menus/x.yaml:6:17: action 'strat' is not registered");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - key: 1\n"
	    "        label: Start\n"
	    "        action: start\n"
	    "        when: clustr\n",
	    "menus/x.yaml:7:15: condition 'clustr' is not registered");
}

static void
test_load_checks_values_by_kind(void **state)
{
	(void)state;
	load_fails(
	    "prompts:\n"
	    "  - {id: p, text: Sure?, kind: yesno, min: 1}\n",
	    "menus/x.yaml:2:39: min applies only to number prompts");
	load_fails(
	    "prompts:\n"
	    "  - {id: p, text: Sure?, kind: text, values: [a]}\n",
	    "menus/x.yaml:2:38: values applies only to choice prompts");
	load_fails(
	    "prompts:\n"
	    "  - {id: p, text: Sure?, kind: text, echo: none}\n",
	    "menus/x.yaml:2:38: echo applies only to path prompts");
	load_fails(
	    "prompts:\n"
	    "  - {id: n, text: N?, kind: number, min: 5, max: 2}\n",
	    "menus/x.yaml:2:50: max 2 is less than min 5");
	load_fails(
	    "prompts:\n"
	    "  - {id: n, text: N?, kind: number, min: 1, max: 9, default: 10}\n",
	    "menus/x.yaml:2:62: default must be a number in the range allowed, not '10'");
	load_fails(
	    "prompts:\n"
	    "  - {id: y, text: Sure?, kind: yesno, default: perhaps}\n",
	    "menus/x.yaml:2:48: default must be yes or no, not 'perhaps'");
	load_fails(
	    "prompts:\n"
	    "  - {id: c, text: Type?, kind: choice, values: [JRN, CLUJRN], default: X}\n",
	    "menus/x.yaml:2:72: default must be one of the values, not 'X'");
	load_fails(
	    "prompts:\n"
	    "  - {id: c, text: Type?, kind: choice, values: [JRN, jrn]}\n",
	    "menus/x.yaml:2:54: duplicate value 'jrn'");
	load_fails(
	    "prompts:\n"
	    "  - {id: c, text: Type?, kind: choice, values: []}\n",
	    "menus/x.yaml:2:48: values must not be empty");
	load_fails(
	    "prompts:\n"
	    "  - {id: g, text: Global ^, kind: global, default: 9x}\n",
	    "menus/x.yaml:2:52: default must be a global name pattern, not '9x'");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items: []\n",
	    "menus/x.yaml:3:12: items must not be empty");
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - {key: 1, label: One, action: start, hide: true}\n",
	    "menus/x.yaml:4:45: hide applies only with when");
	load_fails(
	    "menus:\n"
	    "  - id: \"\"\n"
	    "    items: []\n",
	    "menus/x.yaml:2:9: id must not be empty");
}

static void
test_load_bad_variable_reference(void **state)
{
	(void)state;
	load_fails(
	    "menus:\n"
	    "  - id: m\n"
	    "    items:\n"
	    "      - {key: 1, label: \"Dir ${di r}\", action: start}\n",
	    "menus/x.yaml:4:25: label: '${di r}' is not a ${name}");
	load_fails(
	    "prompts:\n"
	    "  - {id: p, text: \"In ${dir\", kind: text}\n",
	    "menus/x.yaml:2:19: text: '${dir' is not a ${name}");
}

static void
test_load_syntax_errors_and_files(void **state)
{
	struct menu_file *mf = (void *)1;
	struct jk_err err;

	(void)state;
	load_fails("menus:\n  - id: m\n   items: []\n",
	    "menus/x.yaml:3:4: did not find expected '-' indicator while parsing a "
	    "block collection");
	load_fails("menus: [\n", "menus/x.yaml:2:1: did not find expected node content "
	    "while parsing a flow node");
	load_fails("# nothing\n", "menus/x.yaml:1:1: no menus, prompts or texts: the file is empty");
	load_fails("menus: *a\n", "menus/x.yaml:1:8: found undefined alias");
	load_fails("prompts: []\n---\nmenus: []\n",
	    "menus/x.yaml:2:1: expected one document, found more");
	load_fails("prompts: [\xff]\n",
	    "menus/x.yaml:1:11: invalid leading UTF-8 octet");

	jk_err_clear(&err);
	assert_int_equal(menu_file_load("menus/none.yaml", &binds, &mf, &err), JK_EIO);
	assert_null(mf);
	assert_string_equal(err.msg, "cannot open 'menus/none.yaml': No such file or directory");

	/* Aliases resolve; an empty file of lists is fine. */
	mf = load_ok(
	    "prompts:\n"
	    "  - &p {id: a, text: A?, kind: yesno}\n"
	    "menus: []\n");
	assert_non_null(menu_prompt(mf, "a"));
	menu_file_free(mf);
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

/* Prompts from a menu file, asked in the order of section 2's opening. */
static void
test_dialogue_from_menu_file_reads_like_section_2(void **state)
{
	struct fx *fx = *state;
	struct menu_file *mf;
	struct ui_answer a;
	struct script s;
	char *in, *want;
	static const char *const ids[] = { "restore", "all", "imported", "dir", NULL };
	int i;

	mf = load_ok(
	    "prompts:\n"
	    "  - id: restore\n"
	    "    text: Restore the Journal?\n"
	    "    kind: yesno\n"
	    "    default: yes\n"
	    "  - id: all\n"
	    "    text: Process all journaled globals in all directories?\n"
	    "    kind: yesno\n"
	    "  - id: imported\n"
	    "    text: Are journal files imported from a different operating system?\n"
	    "    kind: yesno\n"
	    "    default: no\n"
	    "  - id: dir\n"
	    "    text: \"Directory to restore [? for help]:\"\n"
	    "    kind: path\n"
	    "    help: The directory of a database whose updates are to be restored.\n");
	assert_int_equal(mkdir("acct", 0777), 0);
	in = fmt("\nNo\n\n?\n%s/acct\n", fx->dir);
	want = fmt(
	    "Restore the Journal? Yes => Yes\n"
	    "Process all journaled globals in all directories? No\n"
	    "Are journal files imported from a different operating system? No => No\n"
	    "Directory to restore [? for help]: ?\n"
	    "The directory of a database whose updates are to be restored.\n"
	    "Directory to restore [? for help]: %s/acct  %s/acct/\n", fx->dir, fx->dir);
	ui_answer_init(&a);
	script_open(&s, in);
	for (i = 0; ids[i] != NULL; i++)
		assert_int_equal(ui_ask(&s.ui, menu_prompt(mf, ids[i]), NULL, &a), 0);
	assert_string_equal(script_out(&s), want);
	script_close(&s);
	ui_answer_release(&a);
	menu_file_free(mf);
	free(in);
	free(want);
}

/* --- menus --------------------------------------------------------------------- */

/* spec/dialogues.md section 1, with "Option? " as the operator sees it. */
static const char main_screen[] =
	" 1) Begin Journaling (jrnkit start)\n"
	" 2) Stop Journaling (jrnkit stop)\n"
	" 3) Switch Journal File (jrnkit switch)\n"
	" 4) Restore Globals From Journal (jrnresto)\n"
	" 5) Display Journal File (jrndump)\n"
	" 6) Purge Journal Files (jrnkit purge)\n"
	" 7) Edit Journal Properties (jrnkit options)\n"
	" 8) Activate or Deactivate Journal Encryption\n"
	" 9) Display Journal status (jrnkit status)\n"
	"10) Cluster Journal Restore (jrnresto -c)\n"
	"11) Manage pending or in progress transaction rollback\n"
	"12) -not available-\n"
	"\n"
	"Option? ";

/* The same on an instance that is no cluster member, with no rollback pending. */
static const char main_screen_single[] =
	" 1) Begin Journaling (jrnkit start)\n"
	" 2) Stop Journaling (jrnkit stop)\n"
	" 3) Switch Journal File (jrnkit switch)\n"
	" 4) Restore Globals From Journal (jrnresto)\n"
	" 5) Display Journal File (jrndump)\n"
	" 6) Purge Journal Files (jrnkit purge)\n"
	" 7) Edit Journal Properties (jrnkit options)\n"
	" 8) -not available-\n"
	" 9) Display Journal status (jrnkit status)\n"
	"10) -not available-\n"
	"11) -not available-\n"
	"12) -not available-\n"
	"\n"
	"Option? ";

static struct menu_file *
load_main(void)
{
	struct menu_file *mf = NULL;
	struct jk_err err;
	char *path = src_menu("main.yaml");

	if (menu_file_load(path, &binds, &mf, &err) != 0)
		fail_msg("%s", err.msg);
	free(path);
	return mf;
}

/* Run menu id of mf with the answers; the transcript must be want. */
static int
run_menu(const struct menu_file *mf, const char *id, struct app *app, const char *answers,
    const char *want)
{
	struct script s;
	int rc;

	script_open(&s, answers);
	rc = menu_run(&s.ui, menu_find(mf, id), &binds, app);
	assert_string_equal(script_out(&s), want);
	script_close(&s);
	return rc;
}

static void
test_main_menu_renders_as_section_1(void **state)
{
	struct app app = { .cluster = true, .rollback = true, .encryption = true };
	struct buf screen = BUF_INIT, prompt = BUF_INIT;
	struct menu_file *mf = load_main();
	char *want;

	(void)state;
	assert_int_equal(menu_render(menu_find(mf, "main"), &binds, &app, &screen, &prompt), 0);
	assert_string_equal(prompt.data, "Option? ");
	assert_int_equal(buf_adds(&screen, buf_str(&prompt)), 0);
	assert_string_equal(buf_str(&screen), main_screen);

	/* Enter leaves at once. */
	want = fmt("%s\n", main_screen);
	assert_int_equal(run_menu(mf, "main", &app, "\n", want), 0);
	assert_string_equal(app.called, "");
	free(want);
	buf_release(&screen);
	buf_release(&prompt);
	menu_file_free(mf);
}

static void
test_main_menu_conditions_false_read_not_available(void **state)
{
	struct app app = { 0 };
	struct menu_file *mf = load_main();
	char *want;

	(void)state;
	want = fmt("%sE\n", main_screen_single);
	assert_int_equal(run_menu(mf, "main", &app, "E\n", want), 0);
	free(want);

	/* Unavailable items cannot be chosen; nothing runs. */
	want = fmt("%s10\noption 10 is not available\nOption? 11\n"
	    "option 11 is not available\nOption? 12\noption 12 is not available\nOption? 8\n"
	    "option 8 is not available\nOption? e\n", main_screen_single);
	assert_int_equal(run_menu(mf, "main", &app, "10\n11\n12\n8\ne\n", want), 0);
	assert_string_equal(app.called, "");
	free(want);
	menu_file_free(mf);
}

/* A cluster member, with no rollback pending and no encryption. */
static const char main_screen_member[] =
	" 1) Begin Journaling (jrnkit start)\n"
	" 2) Stop Journaling (jrnkit stop)\n"
	" 3) Switch Journal File (jrnkit switch)\n"
	" 4) Restore Globals From Journal (jrnresto)\n"
	" 5) Display Journal File (jrndump)\n"
	" 6) Purge Journal Files (jrnkit purge)\n"
	" 7) Edit Journal Properties (jrnkit options)\n"
	" 8) -not available-\n"
	" 9) Display Journal status (jrnkit status)\n"
	"10) Cluster Journal Restore (jrnresto -c)\n"
	"11) -not available-\n"
	"12) -not available-\n"
	"\n"
	"Option? ";

static void
test_main_menu_choice_runs_its_action_and_redraws(void **state)
{
	struct app app = { .cluster = true };
	struct menu_file *mf = load_main();
	const char *m = main_screen_member;
	char *want;

	(void)state;
	want = fmt("%s4\n[restore]\n\n%s 9 \n[status]\n\n%s10\n[cluster_restore]\n\n%s\n",
	    m, m, m, m);
	assert_int_equal(run_menu(mf, "main", &app, "4\n 9 \n10\n\n", want), 0);
	assert_string_equal(app.called, "restore status cluster_restore");
	free(want);
	menu_file_free(mf);
}

static void
test_menu_unknown_choice_is_refused_without_redraw(void **state)
{
	struct app app = { .cluster = true, .rollback = true, .encryption = true };
	struct menu_file *mf = load_main();
	char *want;

	(void)state;
	want = fmt("%s13\nenter one of the options shown, E to exit or H for help\n"
	    "Option? start\nenter one of the options shown, E to exit or H for help\n"
	    "Option? ^\n", main_screen);
	assert_int_equal(run_menu(mf, "main", &app, "13\nstart\n^\n", want), 0);
	assert_string_equal(app.called, "");
	free(want);
	menu_file_free(mf);
}

static void
test_menu_end_of_input_leaves(void **state)
{
	struct app app = { 0 };
	struct menu_file *mf = load_main();
	char *want;

	(void)state;
	want = fmt("%s\n", main_screen_single);
	assert_int_equal(run_menu(mf, "main", &app, "", want), 0);
	free(want);
	want = fmt("%s1\n[start]\n\n%s\n", main_screen_single, main_screen_single);
	assert_int_equal(run_menu(mf, "main", &app, "1", want), 0);
	assert_string_equal(app.called, "start");
	free(want);
	menu_file_free(mf);
}

/* spec/dialogues.md section 3, and a menu's help. */
static const char clu_yaml[] =
	"menus:\n"
	"  - id: clumenu\n"
	"    title: Cluster Journal Restore Menu\n"
	"    style: choice\n"
	"    help: |\n"
	"      Restore the databases of a cluster from its members' journals.\n"
	"    items:\n"
	"      - key: 1\n"
	"        label: Cluster journal restore\n"
	"        action: restore\n"
	"        help: |\n"
	"          Restore from the cluster journal log,\n"
	"\n"
	"          merged in update order.\n"
	"      - key: 2\n"
	"        label: Generate common journal file from specific journal files\n"
	"        action: dump\n"
	"      - key: 3\n"
	"        label: Cluster journal restore after backup restore\n"
	"        action: status\n"
	"        help: From the marker of the backup just restored.\n"
	"      - key: 4\n"
	"        label: Cluster journal restore corresponding to jrnkit backups\n"
	"        action: purge\n"
	"      - key: X\n"
	"        label: Rollback in ${dir}\n"
	"        action: rollback\n"
	"        when: rollback_pending\n"
	"        hide: true\n";

static const char clu_screen[] =
	"Cluster Journal Restore Menu\n"
	"--------------------------------------------------------------\n"
	"1) Cluster journal restore\n"
	"2) Generate common journal file from specific journal files\n"
	"3) Cluster journal restore after backup restore\n"
	"4) Cluster journal restore corresponding to jrnkit backups\n"
	"--------------------------------------------------------------\n"
	"H) Display Help\n"
	"E) Exit this utility\n"
	"--------------------------------------------------------------\n"
	"\n"
	"Enter choice (1-4) or [E]xit/[H]elp? ";

static void
test_choice_menu_renders_as_section_3_and_helps(void **state)
{
	struct app app = { .dir = "/srv/db/" };
	struct menu_file *mf;
	char *want;

	(void)state;
	mf = load_ok(clu_yaml);
	want = fmt("%sH\n"
	    "Restore the databases of a cluster from its members' journals.\n"
	    "1) Cluster journal restore\n"
	    "   Restore from the cluster journal log,\n"
	    "\n"
	    "   merged in update order.\n"
	    "2) Generate common journal file from specific journal files\n"
	    "3) Cluster journal restore after backup restore\n"
	    "   From the marker of the backup just restored.\n"
	    "4) Cluster journal restore corresponding to jrnkit backups\n"
	    "\n%sx\nenter one of the options shown, E to exit or H for help\n"
	    "Enter choice (1-4) or [E]xit/[H]elp? 3\n[status]\n\n%s\n",
	    clu_screen, clu_screen, clu_screen);
	assert_int_equal(run_menu(mf, "clumenu", &app, "H\nx\n3\n\n", want), 0);
	assert_string_equal(app.called, "status");
	free(want);

	/* The hidden item shows when its condition holds, with its variable filled. */
	app.rollback = true;
	app.called[0] = '\0';
	want = fmt("Cluster Journal Restore Menu\n"
	    "--------------------------------------------------------------\n"
	    "1) Cluster journal restore\n"
	    "2) Generate common journal file from specific journal files\n"
	    "3) Cluster journal restore after backup restore\n"
	    "4) Cluster journal restore corresponding to jrnkit backups\n"
	    "X) Rollback in /srv/db/\n"
	    "--------------------------------------------------------------\n"
	    "H) Display Help\n"
	    "E) Exit this utility\n"
	    "--------------------------------------------------------------\n"
	    "\n"
	    "Enter choice (1-4) or [E]xit/[H]elp? x\n[rollback]\n\n");
	{
		struct script s;

		script_open(&s, "x\n");
		assert_int_equal(menu_run(&s.ui, menu_find(mf, "clumenu"), &binds, &app), 0);
		assert_true(strncmp(script_out(&s), want, strlen(want)) == 0);
		script_close(&s);
	}
	assert_string_equal(app.called, "rollback");
	free(want);
	menu_file_free(mf);
}

static void
test_menu_action_may_leave_or_fail(void **state)
{
	struct app app = { .ret = MENU_LEAVE };
	struct menu_file *mf = load_main();
	char *want;

	(void)state;
	want = fmt("%s2\n[stop]\n", main_screen_single);
	assert_int_equal(run_menu(mf, "main", &app, "2\n3\n", want), 0);
	assert_string_equal(app.called, "stop");
	free(want);

	app.ret = JK_EIO;
	app.called[0] = '\0';
	want = fmt("%s3\n[switch]\n", main_screen_single);
	assert_int_equal(run_menu(mf, "main", &app, "3\n2\n", want), JK_EIO);
	assert_string_equal(app.called, "switch");
	free(want);

	/* An action whose dialogue backed out: the menu again. */
	app.ret = UI_BACK;
	app.called[0] = '\0';
	want = fmt("%s5\n[dump]\n\n%s\n", main_screen_single, main_screen_single);
	assert_int_equal(run_menu(mf, "main", &app, "5\n\n", want), 0);
	free(want);
	menu_file_free(mf);
}

/* --- terminal mode ------------------------------------------------------------- */

/*
 * Read the pty master into seen until want shows after *from (then *from
 * moves past it); false after 10 s without it or at the end of output.
 */
static bool
pty_wait(int fd, struct buf *seen, size_t *from, const char *want)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	const char *hit;
	char chunk[512];
	ssize_t n;
	size_t i;

	for (;;) {
		if ((hit = strstr(buf_str(seen) + *from, want)) != NULL) {
			*from = (size_t)(hit - buf_str(seen)) + strlen(want);
			return true;
		}
		if (poll(&pfd, 1, 10000) <= 0)
			return false;
		if ((n = read(fd, chunk, sizeof chunk)) <= 0)
			return false;
		for (i = 0; i < (size_t)n; i++)	/* readline pads with NULs */
			if (chunk[i] != '\0')
				assert_int_equal(buf_addc(seen, (uint8_t)chunk[i]), 0);
	}
}

static void
pty_send(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static const char *const global_words[] = { "Acct", "Bal", "Balance", NULL };

/*
 * The child's side: three questions on the terminal, the answers into the
 * file "result", one a line, then a fourth that must meet end of input.
 */
static int
pty_child(int tty, const char *statedir)
{
	struct ui_prompt dir = {
		.text = "Directory to restore [? for help]:", .kind = UI_PATH, .dir = true,
	};
	struct ui_prompt glo = { .text = "Global ^", .kind = UI_GLOBAL };
	struct ui_ask_opts gopts = { .words = global_words };
	struct ui_answer a;
	struct ui ui;
	FILE *res;

	alarm(30);	/* a child stuck on a terminal nobody writes to must not outlive the test */
	/* The terminal as a program meets it: its own, on stdin and stdout. */
	if (setsid() < 0 || ioctl(tty, TIOCSCTTY, 0) != 0 || dup2(tty, 0) != 0 ||
	    dup2(tty, 1) != 1 || close(tty) != 0 ||
	    setenv("XDG_STATE_HOME", statedir, 1) != 0 || setenv("TERM", "xterm", 1) != 0)
		return 10;
	if ((res = fopen("result", "w")) == NULL)
		return 11;
	if (ui_init(&ui, stdin, stdout, 0) != 0 || !ui.tty)
		return 12;
	ui_answer_init(&a);
	if (ui_ask(&ui, &dir, NULL, &a) != 0)
		return 13;
	fprintf(res, "%s\n", buf_str(&a.text));
	if (ui_ask(&ui, &glo, &gopts, &a) != 0)
		return 14;
	fprintf(res, "%s\n", buf_str(&a.text));
	if (ui_ask(&ui, &restore_q, NULL, &a) != 0)
		return 15;
	fprintf(res, "%s\n", buf_str(&a.text));
	if (ui_ask(&ui, &restore_q, NULL, &a) != UI_BACK || !ui.eof)
		return 16;
	ui_answer_release(&a);
	ui_release(&ui);
	return fclose(res) == 0 && fflush(stdout) == 0 ? 0 : 17;
}

static void
test_terminal_mode_reads_with_readline(void **state)
{
	struct fx *fx = *state;
	struct winsize ws = { .ws_row = 40, .ws_col = 200 };
	struct buf seen = BUF_INIT;
	char *statedir, *want, *hist;
	size_t from = 0;
	int master, slave, status;
	FILE *f;
	char line[PATH_MAX];
	pid_t pid;

	if (openpty(&master, &slave, NULL, NULL, &ws) != 0)
		skip();
	assert_int_equal(mkdir("srv", 0777), 0);
	assert_int_equal(mkdir("srv/db", 0777), 0);
	assert_int_equal(mkdir("srv/db/acct", 0777), 0);
	statedir = fmt("%s/state", fx->dir);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(master);
		_exit(pty_child(slave, statedir));
	}
	close(slave);

	/* Tab completes a file name: "sr" to "srv/". */
	assert_true(pty_wait(master, &seen, &from, "Directory to restore [? for help]: "));
	pty_send(master, "sr\t");
	assert_true(pty_wait(master, &seen, &from, "srv/"));
	pty_send(master, "db/acct\r");
	/* The line redrawn with the canonical echo. */
	want = fmt("\033[A\rDirectory to restore [? for help]: srv/db/acct  %s/srv/db/acct/",
	    fx->dir);
	assert_true(pty_wait(master, &seen, &from, want));
	free(want);

	/* Tab completes the caller's words: "Ac" to "Acct". */
	assert_true(pty_wait(master, &seen, &from, "Global ^"));
	pty_send(master, "Ac\t");
	assert_true(pty_wait(master, &seen, &from, "Acct"));
	pty_send(master, "\r");

	/* Enter takes the default, and the line shows it. */
	assert_true(pty_wait(master, &seen, &from, "Restore the Journal? Yes => "));
	pty_send(master, "\r");
	assert_true(pty_wait(master, &seen, &from, "\033[A\rRestore the Journal? Yes => Yes"));

	/* Ctrl-D: end of input. */
	assert_true(pty_wait(master, &seen, &from, "Restore the Journal? Yes => "));
	pty_send(master, "\004");
	while (pty_wait(master, &seen, &from, "\1"))
		;	/* drain until the child is gone */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(master);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	f = fopen("result", "r");
	assert_non_null(f);
	want = fmt("%s/srv/db/acct/\n", fx->dir);
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, want);
	free(want);
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "Acct\n");
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "Yes\n");
	fclose(f);

	/* The history file: what was typed, blank answers left out. */
	hist = fmt("%s/jrnkit/history", statedir);
	f = fopen(hist, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "srv/db/acct\n");
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "Acct \n");
	assert_null(fgets(line, sizeof line, f));
	fclose(f);
	free(hist);
	free(statedir);
	buf_release(&seen);
}

/* Texts: printed with ${} filled and a newline; checked like the rest. */
static void
test_texts_load_print_and_are_checked(void **state)
{
	struct menu_file *mf;
	struct app app = { 0 };
	struct script s;

	(void)state;
	mf = load_ok("texts:\n"
	    "  - id: banner\n"
	    "    text: |\n"
	    "      two lines\n"
	    "      about ${dir}\n"
	    "  - id: one\n"
	    "    text: one line\n");
	app.dir = "/srv/db/acct/";
	script_open(&s, "");
	assert_int_equal(menu_say(&s.ui, mf, "banner", app_var, &app), 0);
	assert_int_equal(menu_say(&s.ui, mf, "one", app_var, &app), 0);
	assert_int_equal(menu_say(&s.ui, mf, "none", app_var, &app), JK_ENOTFOUND);
	assert_string_equal(script_out(&s), "two lines\nabout /srv/db/acct/\none line\n");
	script_close(&s);
	assert_null(menu_text(mf, "none"));
	menu_file_free(mf);
	load_fails("texts:\n  - id: a\n    txt: x\n",
	    "menus/x.yaml:3:5: unknown key 'txt' (a text has id, text)");
	load_fails("texts:\n  - id: a\n", "menus/x.yaml:2:5: missing key 'text'");
	load_fails("prompts:\n  - id: a\n    text: q?\n    kind: text\ntexts:\n  - id: a\n    text: x\n",
	    "menus/x.yaml:6:9: duplicate id 'a' (first at line 2)");
	load_fails("texts:\n  - id: a\n    text: ${bad\n", "menus/x.yaml:3:11: text: '${bad' is not a ${name}");
}

int
main(void)
{
	const char *top = getenv("JRNKIT_SRC");

	if (top != NULL && top[0] != '\0')
		snprintf(src_top, sizeof src_top, "%s", top);
	else if (getcwd(src_top, sizeof src_top) == NULL)
		return 1;
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_load_main_menu_binds_every_item),
		T(test_texts_load_print_and_are_checked),
		T(test_load_reads_every_key_of_the_schema),
		T(test_load_unknown_key_names_the_keys_allowed),
		T(test_load_wrong_type_names_what_was_found),
		T(test_load_missing_required_key_points_at_the_mapping),
		T(test_load_duplicate_option_key),
		T(test_load_bad_option_key),
		T(test_load_duplicate_id_across_menus_and_prompts),
		T(test_load_duplicate_mapping_key),
		T(test_load_action_or_condition_not_registered),
		T(test_load_checks_values_by_kind),
		T(test_load_bad_variable_reference),
		T(test_load_syntax_errors_and_files),
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
		T(test_dialogue_from_menu_file_reads_like_section_2),
		T(test_main_menu_renders_as_section_1),
		T(test_main_menu_conditions_false_read_not_available),
		T(test_main_menu_choice_runs_its_action_and_redraws),
		T(test_menu_unknown_choice_is_refused_without_redraw),
		T(test_menu_end_of_input_leaves),
		T(test_choice_menu_renders_as_section_3_and_helps),
		T(test_menu_action_may_leave_or_fail),
		T(test_terminal_mode_reads_with_readline),
	};
#undef T
	return cmocka_run_group_tests_name("ui", tests, NULL, NULL);
}
