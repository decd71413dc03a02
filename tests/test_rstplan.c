/*
 * test_rstplan.c - restore plan files (rst_planfile.c, jrnkit-plan(5)):
 * every error with its line and column; each way of naming the journal
 * files resolved against a real instance; write then parse gives the same
 * plan, field by field; a plan file run gives the same databases as the
 * same plan built in C.
 *
 * The fixture: an instance in a directory whose name needs quoting in YAML
 * ("inst #1: a b"), with a second database beside it.  Tests that need
 * journals make a few files (journals()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dblock.h"
#include "jk.h"
#include "rst.h"
#include "util/dbdump.h"
#include "util/tmpdir.h"

#define NAME "plan.yaml"

static char top[4096];
static char inst[4200];		/* as given to jk_init */
static char cinst[4200];	/* canonical, trailing '/' */
static char user[4200];		/* inst's db/user/, canonical */
static char acctdb[4200];		/* top/db/acct/, canonical */

static void
sh(const char *fmt, ...)
{
	char cmd[9000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static void
canon(const char *dir, char *out, size_t n)
{
	struct buf b = BUF_INIT;

	assert_int_equal(db_canon_path(dir, &b, NULL), 0);
	snprintf(out, n, "%s", buf_str(&b));
	buf_release(&b);
}

static int
setup(void **state)
{
	struct inst_conf c;
	struct jk_err err;
	char d[4300];

	(void)state;
	assert_int_equal(tu_mkdtemp(top, sizeof top, "test_rstplan"), 0);
	snprintf(inst, sizeof inst, "%s/inst #1: a b", top);
	jk_err_clear(&err);
	if (jk_init(inst, &err) != 0)
		fail_msg("jk_init: %s", err.msg);
	assert_int_equal(inst_conf_load(inst, &c, NULL), 0);
	c.commit = JK_COMMIT_NONE;
	assert_int_equal(inst_conf_save(inst, &c, NULL), 0);
	canon(inst, cinst, sizeof cinst);
	snprintf(d, sizeof d, "%s/db/user", inst);
	canon(d, user, sizeof user);
	snprintf(d, sizeof d, "%s/db/acct", top);
	assert_int_equal(db_create(d, NULL), 0);
	canon(d, acctdb, sizeof acctdb);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmtree(top);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static void
set(struct jk *j, struct jk_db *db, const char *ref, const char *v)
{
	struct jk_err err;
	struct jk_key k;
	size_t end;

	if (gref_parse(ref, strlen(ref), &k, &end, &err) != 0)
		fail_msg("gref_parse %s: %s", ref, err.msg);
	if (jk_set(j, db, &k, (const uint8_t *)v, strlen(v)) != 0)
		fail_msg("jk_set %s: %s", ref, jk_err(j)->msg);
}

/* A copy of the database at from, at top/name, unlocked; its canonical path into out. */
static void
copy_db(const char *from, const char *name, char *out, size_t n)
{
	char d[4300];

	snprintf(d, sizeof d, "%s/%s", top, name);
	sh("rm -rf '%s' && cp -a '%s' '%s' && rm -f '%s/%s'", d, from, d, d, DBLOCK_FILE);
	canon(d, out, n);
}


/*
 * Journals: ^A and ^B in db/user and ^Acct in acct, a marker "backup" (id
 * 1000) after the first part, five files in all.  The instance is closed
 * and journaling stopped, so a restore may include every file.  Before the
 * marker, the databases are copied to top/bk-user and top/bk-acct.
 */
static void
journals(char bk_user[4200], char bk_acct[4200])
{
	struct jk_db *u, *a;
	struct jk_err err;
	struct jk *j;
	char ref[64], v[64];
	int i, f;

	jk_err_clear(&err);
	if (jk_open(inst, &j, &err) != 0)
		fail_msg("jk_open: %s", err.msg);
	assert_int_equal(jk_db(j, user, &u), 0);
	assert_int_equal(jk_db(j, acctdb, &a), 0);
	for (i = 0; i < 20; i++) {
		snprintf(ref, sizeof ref, "^A(%d)", i);
		set(j, u, ref, "before");
	}
	jk_close(j);
	if (bk_user != NULL) {
		copy_db(user, "bk-user", bk_user, 4200);
		copy_db(acctdb, "bk-acct", bk_acct, 4200);
	}
	if (jk_open(inst, &j, &err) != 0)
		fail_msg("jk_open: %s", err.msg);
	assert_int_equal(jk_db(j, user, &u), 0);
	assert_int_equal(jk_db(j, acctdb, &a), 0);
	assert_int_equal(jk_mark(j, 1000, "backup", NULL), 0);
	for (f = 0; f < 4; f++) {
		for (i = 0; i < 30; i++) {
			snprintf(ref, sizeof ref, "^A(%d)", (f * 7 + i) % 25);
			snprintf(v, sizeof v, "a%d.%d", f, i);
			set(j, u, ref, v);
			snprintf(ref, sizeof ref, "^B(%d,\"x\")", i);
			set(j, u, ref, v);
			snprintf(ref, sizeof ref, "^Acct(%d)", i % 11);
			set(j, a, ref, v);
		}
		assert_int_equal(jk_switch(j, NULL, NULL), 0);
	}
	assert_int_equal(jk_stop(j), 0);
	jk_close(j);
}

/* The instance's journal files, from its journal.log. */
static void
logged(struct rst_files *f)
{
	struct jk_err err;

	rst_files_init(f);
	if (rst_files_from_log(f, inst, NULL, 0, &err) != 0)
		fail_msg("from_log: %s", err.msg);
	assert_int_equal(f->n, 5);
}

static const char *
base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static int
parse(struct rst_plan *p, const char *text, struct jk_err *err)
{
	jk_err_clear(err);
	return rst_plan_parse(p, NAME, text, strlen(text), err);
}

/* text parses; the plan into p (initialised here). */
static void
parse_ok(struct rst_plan *p, const char *text)
{
	struct jk_err err;

	rst_plan_init(p);
	if (parse(p, text, &err) != 0)
		fail_msg("parse failed: %s\n--- the plan:\n%s", err.msg, text);
}

/* printf into one of a few static buffers, used in turn (borrowed). */
static char *
textf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *
textf(const char *fmt, ...)
{
	static char out[8][16384];
	static int i;
	va_list ap;

	i = (i + 1) % 8;
	va_start(ap, fmt);
	vsnprintf(out[i], sizeof out[i], fmt, ap);
	va_end(ap);
	return out[i];
}

/*
 * text fails with code and exactly msg, and leaves the caller's plan as it
 * was: a sentinel plan here, with an instance and a database.
 */
static void
expect_error_at(int line, const char *text, int code, const char *msg)
{
	struct rst_plan p;
	struct jk_err err;
	int rc;

	rst_plan_init(&p);
	assert_int_equal(rst_plan_set_inst(&p, inst, NULL), 0);
	assert_int_equal(rst_plan_add_db(&p, "/sentinel", NULL, NULL, 0, NULL), 0);
	p.dry_run = true;
	rc = parse(&p, text, &err);
	if (rc != code || strcmp(err.msg, msg) != 0)
		fail_msg("case at line %d:\n%s\nexpected %s '%s'\n     got %s '%s'", line, text,
		    jk_strerror(code), msg, jk_strerror(rc), err.msg);
	assert_int_equal(err.code, code);
	assert_string_equal(p.inst, cinst);
	assert_int_equal(p.ndbs, 1);
	assert_string_equal(p.dbs[0].source, "/sentinel/");
	assert_int_equal(p.files.n, 0);
	assert_true(p.dry_run);
	rst_plan_release(&p);
}

#define expect_error(text, code, msg) expect_error_at(__LINE__, (text), (code), (msg))

/* NAME:LINE:COL: and the message rst_point_parse gives for s. */
static const char *
point_msg(int line, int col, const char *s)
{
	struct rst_point pt;
	struct jk_err err;

	memset(&pt, 0, sizeof pt);
	assert_int_equal(rst_point_parse(&pt, s, &err), JK_EFORMAT);
	return textf(NAME ":%d:%d: %s", line, col, err.msg);
}

/* ---- errors ------------------------------------------------------------------------------- */

static void
test_keys_and_structure_errors_name_line_and_column(void **state)
{
	(void)state;
	expect_error("files: [a]\ndatabases: all\nswitchh: yes\n", JK_EFORMAT,
	    NAME ":3:1: unknown key 'switchh'");
	expect_error("files: [a]\ndatabases: all\n  # a comment\nfiles: [b]\n", JK_EFORMAT,
	    NAME ":4:1: duplicate key 'files' (first at line 1)");
	expect_error("files: [a]\ndatabases: all\nrollback: no\nrollback: yes\n", JK_EFORMAT,
	    NAME ":4:1: duplicate key 'rollback' (first at line 3)");
	expect_error("databases: all\n", JK_EFORMAT,
	    NAME ":1:1: missing key 'files', 'journal_log' or 'journal_dirs' "
	    "(the journal files to process)");
	expect_error("# only files\n\nfiles: [a]\n", JK_EFORMAT,
	    NAME ":3:1: missing key 'databases' (all, or a list of databases)");
	expect_error("- files\n", JK_EFORMAT,
	    NAME ":1:1: expected a mapping (a restore plan), found a list");
	expect_error("", JK_EFORMAT,
	    NAME ":1:1: expected a mapping (a restore plan), found nothing");
	expect_error("# nothing but a comment\n", JK_EFORMAT,
	    NAME ":2:1: expected a mapping (a restore plan), found nothing");
	expect_error("files: [a]\ndatabases: all\n---\nfiles: [b]\n", JK_EFORMAT,
	    NAME ":3:1: expected one document, found more");
	expect_error("files: [a]\n? [b]\n: c\n", JK_EFORMAT,
	    NAME ":2:3: expected a key of the plan, found a list");
	/* YAML itself: libyaml's words, our place */
	expect_error("files: [a\ndatabases: all\n", JK_EFORMAT,
	    NAME ":2:10: did not find expected ',' or ']' while parsing a flow sequence");
	expect_error("files: [\xff]\n", JK_EFORMAT,
	    NAME ":1:9: invalid leading UTF-8 octet");
}

static void
test_sources_of_the_files_exclude_each_other(void **state)
{
	(void)state;
	expect_error("files: [a]\njournal_log: /x\ndatabases: all\n", JK_EFORMAT,
	    NAME ":2:1: files (line 1) and journal_log both given: the journal files come from "
	    "one of files, journal_log or journal_dirs");
	expect_error("journal_dirs: [/x]\ndatabases: all\nfiles: [a]\n", JK_EFORMAT,
	    NAME ":3:1: journal_dirs (line 1) and files both given: the journal files come from "
	    "one of files, journal_log or journal_dirs");
	expect_error("journal_log: /x\njournal_dirs: [/x]\n", JK_EFORMAT,
	    NAME ":2:1: journal_log (line 1) and journal_dirs both given: the journal files come "
	    "from one of files, journal_log or journal_dirs");
	expect_error("files: [a]\nsearch: [/d]\ndatabases: all\n", JK_EFORMAT,
	    NAME ":2:1: search goes with journal_log: it names directories to look for the "
	    "logged files in");
	expect_error("search: [/d]\njournal_dirs: [/d]\ndatabases: all\n", JK_EFORMAT,
	    NAME ":1:1: search goes with journal_log: it names directories to look for the "
	    "logged files in");
	expect_error("journal_log: /x\nprefix: A\ndatabases: all\n", JK_EFORMAT,
	    NAME ":2:1: prefix goes with journal_dirs: it begins the names of the files "
	    "searched for");
	expect_error("files: [a]\ndatabases: all\nfrom: a\n", JK_EFORMAT,
	    NAME ":3:1: from goes with journal_log or journal_dirs, not files: list the files "
	    "wanted");
	expect_error("files: [a]\ndatabases: all\nthrough: a\n", JK_EFORMAT,
	    NAME ":3:1: through goes with journal_log or journal_dirs, not files: list the "
	    "files wanted");
}

static void
test_wrong_types_name_line_and_column(void **state)
{
	(void)state;
	expect_error("instance: [a]\n", JK_EFORMAT,
	    NAME ":1:11: instance must be text, not a list");
	expect_error("instance:\n  a: b\n", JK_EFORMAT,
	    NAME ":2:3: instance must be text, not a mapping");
	expect_error("files: [a]\ndatabases: all\nstart: *x\n", JK_EFORMAT,
	    NAME ":3:8: start must be text, not an alias");
	expect_error("files: [a]\ndatabases: all\nstop: {a: b}\n", JK_EFORMAT,
	    NAME ":3:7: stop must be text, not a mapping");
	expect_error("files: /a\n", JK_EFORMAT,
	    NAME ":1:8: files must be a list, not '/a'");
	expect_error("files: [a, [b]]\n", JK_EFORMAT,
	    NAME ":1:12: an item of files must be text, not a list");
	expect_error("files:\n  - a\n  - ''\n", JK_EFORMAT,
	    NAME ":3:5: an item of files is empty");
	expect_error("journal_log: /x\nsearch: {a: b}\n", JK_EFORMAT,
	    NAME ":2:9: search must be a list, not a mapping");
	expect_error("journal_dirs: /x\n", JK_EFORMAT,
	    NAME ":1:15: journal_dirs must be a list, not '/x'");
	expect_error("instance: \"a\\0b\"\n", JK_EFORMAT,
	    NAME ":1:11: instance contains a NUL character");
	expect_error("instance:\nfiles: [a]\n", JK_EFORMAT,
	    NAME ":1:10: instance must not be empty");
	expect_error("journal_log: ~\n", JK_EFORMAT,
	    NAME ":1:14: journal_log must not be empty");
	expect_error("files: [a]\ndatabases: {source: /a}\n", JK_EFORMAT,
	    NAME ":2:12: databases must be all or a list of databases, not a mapping");
	expect_error("files: [a]\ndatabases: some\n", JK_EFORMAT,
	    NAME ":2:12: databases must be all or a list of databases, not 'some'");
	expect_error("files: [a]\ndatabases:\n  - /a\n", JK_EFORMAT,
	    NAME ":3:5: a database must be a mapping of source, target and globals, not '/a'");
	expect_error("files: [a]\ndatabases:\n  - source: /a\n    targte: /b\n", JK_EFORMAT,
	    NAME ":4:5: unknown key 'targte' (a database has source, target and globals)");
	expect_error("files: [a]\ndatabases:\n  - source: /a\n    source: /b\n", JK_EFORMAT,
	    NAME ":4:5: duplicate key 'source' (first at line 3)");
	expect_error("files: [a]\ndatabases:\n  - target: /b\n", JK_EFORMAT,
	    NAME ":3:5: missing key 'source' (the directory the journals name)");
	expect_error("files: [a]\ndatabases:\n  - source: ''\n", JK_EFORMAT,
	    NAME ":3:13: source must not be empty");
	expect_error("files: [a]\ndatabases:\n  - source: [/a]\n", JK_EFORMAT,
	    NAME ":3:13: source must be text, not a list");
	expect_error("files: [a]\ndatabases:\n  - source: /a\n    globals: Acct\n", JK_EFORMAT,
	    NAME ":4:14: globals must be a list, not 'Acct'");
	expect_error("files: [a]\ndatabases: all\nswitch: maybe\n", JK_EFORMAT,
	    NAME ":3:9: switch must be yes or no, not 'maybe'");
	expect_error("files: [a]\ndatabases: all\nrollback: \"yes\"\n", JK_EFORMAT,
	    NAME ":3:11: rollback must be yes or no, unquoted");
	expect_error("files: [a]\ndatabases: all\ncheck_links: 1\n", JK_EFORMAT,
	    NAME ":3:14: check_links must be yes or no, not '1'");
	expect_error("files: [a]\ndatabases: all\ndatabase_errors: stop\n", JK_EFORMAT,
	    NAME ":3:18: database_errors must be continue or abort, not 'stop'");
	expect_error("files: [a]\ndatabases: all\njournal_errors: [abort]\n", JK_EFORMAT,
	    NAME ":3:17: journal_errors must be text, not a list");
	expect_error("version: one\n", JK_EFORMAT,
	    NAME ":1:10: version must be 1, not 'one'");
	expect_error("version: \"1\"\n", JK_EFORMAT,
	    NAME ":1:10: version must be 1, not '1'");
	expect_error("# from the future\nversion: 2\nfiles: [a]\n", JK_EVERSION,
	    NAME ":2:10: plan file version 2; this jrnkit reads version 1");
}

static void
test_bad_points_patterns_and_sources_name_line_and_column(void **state)
{
	(void)state;
	expect_error("files: [a]\ndatabases: all\nstart: marker=x\n", JK_EFORMAT,
	    point_msg(3, 8, "marker=x"));
	expect_error("files: [a]\ndatabases: all\nstop: \"bogus\"\n", JK_EFORMAT,
	    point_msg(3, 7, "bogus"));
	expect_error("files: [a]\ndatabases: all\nstop: time=20261120\n", JK_EFORMAT,
	    point_msg(3, 7, "time=20261120"));
	expect_error("files: [a]\ndatabases: all\nstart: ',/x'\n", JK_EFORMAT,
	    point_msg(3, 8, ",/x"));
	expect_error("files: [a]\ndatabases: all\nstop: last\n", JK_EFORMAT,
	    NAME ":3:7: the stop cannot be last: the last restore is where a restore starts, "
	    "not where it stops");
	expect_error("files: [a]\ndatabases: all\nstart: end\n", JK_EFORMAT,
	    NAME ":3:8: start must be begin or a point, not end");
	expect_error("files: [a]\ndatabases: all\nstop: begin\n", JK_EFORMAT,
	    NAME ":3:7: stop must be end or a point, not begin");
	expect_error("files: [a]\ndatabases:\n  - source: /a\n    globals: [Acct*, \"9x\"]\n",
	    JK_EFORMAT, NAME ":4:22: bad global pattern '9x': a global name starts with a "
	    "letter, %, * or ?, then letters, digits, *, ? or .");
	expect_error("files: [a]\ndatabases:\n  - source: /a\n    globals:\n      - A\n      - B-C\n",
	    JK_EFORMAT, NAME ":6:9: bad global pattern 'B-C': a global name starts with a "
	    "letter, %, * or ?, then letters, digits, *, ? or .");
	expect_error("files: [a]\ndatabases:\n  - source: /a\n    globals: [A, '']\n",
	    JK_EFORMAT, NAME ":4:18: an item of globals is empty");
	/* the same directory, however spelled */
	expect_error("files: [a]\ndatabases:\n  - source: /nonexistent-jrnkit/a\n"
	    "    target: /nonexistent-jrnkit/b\n  - source: /nonexistent-jrnkit/./a/\n",
	    JK_EFORMAT, NAME ":5:13: directory /nonexistent-jrnkit/a/ is listed twice "
	    "(first at line 3)");
	/* an instance that is not one: rst_plan_set_inst's code and message */
	expect_error("instance: /nonexistent-jrnkit/i\nfiles: [a]\ndatabases: all\n", JK_ENOTFOUND,
	    NAME ":1:11: no jrnkit instance in '/nonexistent-jrnkit/i' (no jrnkit.yaml)");
}

/* From a history log or directories: the rst_files_* call's code and message, at the key that asked. */
static void
test_resolution_errors_name_the_key_that_asked(void **state)
{
	struct rst_files f, g;
	struct jk_err err;
	char empty[4300], *dirs[1];

	(void)state;
	journals(NULL, NULL);
	logged(&f);

	expect_error(textf("databases: all\njournal_log: %s/no.log\n", top), JK_ENOTFOUND,
	    textf(NAME ":2:1: no history log '%s/no.log'", top));

	snprintf(empty, sizeof empty, "%s/empty", top);
	sh("mkdir '%s'", empty);
	dirs[0] = empty;
	rst_files_init(&g);
	assert_int_equal(rst_files_from_dirs(&g, "", dirs, 1, &err), JK_ENOTFOUND);
	expect_error(textf("databases: all\n\njournal_dirs: ['%s']\n", empty), JK_ENOTFOUND,
	    textf(NAME ":3:1: %s", err.msg));
	expect_error(textf("databases: all\njournal_dirs: ['%s/nodir']\n", top), JK_EIO,
	    textf(NAME ":2:1: cannot search directory '%s/nodir': %s", top, strerror(ENOENT)));

	/* from / through: a name not in the list at its own key, the order at through */
	expect_error(textf("journal_log: '%s'\nfrom: 20991231.001\ndatabases: all\n", inst),
	    JK_ENOTFOUND, NAME ":2:1: journal file 20991231.001 is not in the list");
	expect_error(textf("journal_log: '%s'\nfrom: %s\nthrough: /x/20991231.001\ndatabases: all\n",
	    inst, base(f.paths[1])),
	    JK_ENOTFOUND, NAME ":3:1: journal file /x/20991231.001 is not in the list");
	expect_error(textf("through: %s\njournal_log: '%s'\nfrom: '%s'\ndatabases: all\n",
	    base(f.paths[1]), inst, f.paths[3]), JK_EUSAGE,
	    textf(NAME ":1:1: the final file %s comes before the first file %s", f.paths[1],
	    f.paths[3]));
	rst_files_release(&f);
}

/* ---- what a plan file means ----------------------------------------------------------------- */

static void
assert_files(const struct rst_files *got, char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(got->n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(got->paths[i], want[i]);
}

static void
test_each_source_form_resolves_to_the_journal_files(void **state)
{
	struct rst_plan p;
	struct rst_files f;
	char moved[4300], other[4300], logcopy[4300], *want[5];
	size_t i;

	(void)state;
	journals(NULL, NULL);
	logged(&f);

	/* files: as listed, in that order, checked later by rst_plan_check */
	parse_ok(&p, "files:\n  - /x/b\n  - \"/x/a #1\"\n  - rel/c\ndatabases: all\n");
	want[0] = "/x/b";
	want[1] = "/x/a #1";
	want[2] = "rel/c";
	assert_files(&p.files, want, 3);
	rst_plan_release(&p);

	/* journal_log: the instance directory, or its log file */
	parse_ok(&p, textf("journal_log: \"%s\"\ndatabases: all\n", inst));
	assert_files(&p.files, f.paths, 5);
	rst_plan_release(&p);
	parse_ok(&p, textf("journal_log: \"%s/journal.log\"\ndatabases: all\n", inst));
	assert_files(&p.files, f.paths, 5);
	rst_plan_release(&p);

	/* a copy of the log, its files moved: found by name in search */
	snprintf(moved, sizeof moved, "%s/moved", top);
	snprintf(other, sizeof other, "%s/other", top);
	snprintf(logcopy, sizeof logcopy, "%s/copy.log", top);
	sh("mkdir '%s' '%s' && cp '%s'/journal/* '%s/' && cp '%s/journal.log' '%s'", moved, other,
	    inst, moved, inst, logcopy);
	parse_ok(&p, textf("journal_log: %s\nsearch: [%s, %s]\nfrom: %s\nthrough: %s/%s\n"
	    "databases: all\n", logcopy, other, moved, base(f.paths[1]), moved, base(f.paths[3])));
	assert_int_equal(p.files.n, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(p.files.paths[i], textf("%s/%s", moved, base(f.paths[i + 1])));
	rst_plan_release(&p);

	/* directories: files named PREFIXYYYYMMDD.NNN, ordered by name, the first directory's first */
	sh("cp '%s' '%s/' && touch '%s/notajournal.001' '%s/ACCT%s'", f.paths[4], other, moved,
	    moved, base(f.paths[0]));
	parse_ok(&p, textf("journal_dirs: [%s, %s]\nprefix: \"\"\ndatabases: all\n", other, moved));
	for (i = 0; i < 4; i++)
		want[i] = textf("%s/%s", moved, base(f.paths[i]));
	want[4] = textf("%s/%s", other, base(f.paths[4]));
	assert_files(&p.files, want, 5);
	rst_plan_release(&p);
	parse_ok(&p, textf("journal_dirs: [%s]\nthrough: %s\ndatabases: all\n", moved,
	    base(f.paths[0])));
	want[0] = textf("%s/%s", moved, base(f.paths[0]));
	assert_files(&p.files, want, 1);
	rst_plan_release(&p);
	parse_ok(&p, textf("journal_dirs: [%s]\nprefix: ACCT\ndatabases: all\n", moved));
	want[0] = textf("%s/ACCT%s", moved, base(f.paths[0]));
	assert_files(&p.files, want, 1);
	rst_plan_release(&p);
	rst_files_release(&f);
}

/* Whether two plans are the same, field by field (the points by the fields of their kind). */
static void
assert_point_same(const struct rst_point *a, const struct rst_point *b)
{
	assert_int_equal(a->kind, b->kind);
	switch (a->kind) {
	case RST_LOCATION:
		assert_string_equal(a->path, b->path);
		assert_int_equal(a->offset, b->offset);
		break;
	case RST_MARKER_ID:
		assert_int_equal(a->marker_id, b->marker_id);
		break;
	case RST_MARKER_TEXT:
		assert_string_equal(a->marker_text, b->marker_text);
		break;
	case RST_TIME:
		assert_int_equal(a->time_us, b->time_us);
		break;
	case RST_SEQ:
		assert_int_equal(a->seq, b->seq);
		break;
	default:
		break;
	}
}

static void
assert_plan_same(const struct rst_plan *a, const struct rst_plan *b)
{
	size_t i, k;

	if (a->inst == NULL || b->inst == NULL)
		assert_ptr_equal(a->inst, b->inst);
	else
		assert_string_equal(a->inst, b->inst);
	assert_files(&b->files, a->files.paths, a->files.n);
	assert_int_equal(a->all, b->all);
	assert_int_equal(a->ndbs, b->ndbs);
	for (i = 0; i < a->ndbs; i++) {
		assert_string_equal(a->dbs[i].source, b->dbs[i].source);
		assert_string_equal(a->dbs[i].target, b->dbs[i].target);
		assert_int_equal(a->dbs[i].nglobals, b->dbs[i].nglobals);
		for (k = 0; k < a->dbs[i].nglobals; k++)
			assert_string_equal(a->dbs[i].globals[k], b->dbs[i].globals[k]);
	}
	assert_point_same(&a->start, &b->start);
	assert_point_same(&a->stop, &b->stop);
	assert_int_equal(a->switch_first, b->switch_first);
	assert_int_equal(a->journal_updates, b->journal_updates);
	assert_int_equal(a->db_errors, b->db_errors);
	assert_int_equal(a->jrn_errors, b->jrn_errors);
	assert_int_equal(a->rollback, b->rollback);
	assert_int_equal(a->check_links, b->check_links);
	assert_int_equal(a->dry_run, b->dry_run);
}

/* write(p), parsed back, is p; and written again, the same text. */
static void
round_trip(const struct rst_plan *p)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct rst_plan q;
	struct jk_err err;

	if (rst_plan_write(p, &a) != 0) {
		rst_plan_save(p, "/nonexistent-jrnkit/plan.yaml", &err);	/* for the reason */
		fail_msg("write: %s", err.msg);
	}
	rst_plan_init(&q);
	if (rst_plan_parse(&q, NAME, buf_str(&a), a.len, &err) != 0)
		fail_msg("parse: %s\n--- written:\n%s", err.msg, buf_str(&a));
	assert_plan_same(p, &q);
	assert_int_equal(rst_plan_write(&q, &b), 0);
	assert_string_equal(buf_str(&a), buf_str(&b));
	rst_plan_release(&q);
	buf_release(&a);
	buf_release(&b);
}

static void
test_defaults_and_the_instance_p_names(void **state)
{
	struct rst_plan p, d;

	(void)state;
	/* nothing but the required keys: rst_plan_init's defaults, p's instance, p's dry_run */
	rst_plan_init(&p);
	assert_int_equal(rst_plan_set_inst(&p, inst, NULL), 0);
	assert_int_equal(rst_plan_add_db(&p, "/replaced", NULL, NULL, 0, NULL), 0);
	p.dry_run = true;
	p.rollback = true;
	assert_int_equal(rst_plan_parse(&p, NAME, "files: [a]\ndatabases: all\n", 26, NULL), 0);
	rst_plan_init(&d);
	assert_int_equal(rst_plan_set_inst(&d, inst, NULL), 0);
	assert_int_equal(rst_files_add(&d.files, "a", NULL), 0);
	d.all = true;
	d.dry_run = true;
	assert_plan_same(&d, &p);
	rst_plan_release(&p);

	/* without an instance anywhere: none */
	parse_ok(&p, "version: 1\nfiles: []\ndatabases: []\n");
	assert_null(p.inst);
	assert_int_equal(p.files.n, 0);
	assert_false(p.all);
	assert_int_equal(p.ndbs, 0);
	rst_plan_release(&p);

	/* the file's instance wins; every switch read, in any case */
	parse_ok(&p, textf("instance: '%s'\nfiles: [a]\ndatabases:\n  - source: /d\n    target:\n"
	    "    globals: []\nswitch: Yes\njournal_updates: TRUE\ndatabase_errors: Abort\n"
	    "journal_errors: continue\nrollback: true\ncheck_links: NO\nstart: marker=-1\n"
	    "stop: seq=12\n", inst));
	assert_string_equal(p.inst, cinst);
	assert_int_equal(p.ndbs, 1);
	assert_string_equal(p.dbs[0].source, "/d/");
	assert_string_equal(p.dbs[0].target, "/d/");
	assert_int_equal(p.dbs[0].nglobals, 0);
	assert_true(p.switch_first);
	assert_true(p.journal_updates);
	assert_int_equal(p.db_errors, RST_ABORT);
	assert_int_equal(p.jrn_errors, RST_CONTINUE);
	assert_true(p.rollback);
	assert_false(p.check_links);
	assert_int_equal(p.start.kind, RST_MARKER_ID);
	assert_int_equal(p.start.marker_id, -1);
	assert_int_equal(p.stop.kind, RST_SEQ);
	assert_int_equal(p.stop.seq, 12);
	rst_plan_release(&p);
	rst_plan_release(&d);
}

static void
test_write_then_parse_gives_the_same_plan(void **state)
{
	static const char *const odd[] = {
		"/srv/jrn/journal/20261120.001",
		"/mnt/copy of jrn/20261120.002",
		"/mnt/#hash: colon/x",
		"/mnt/\"quoted\" \\back\\slash",
		"/mnt/tab\there/new\nline/cr\rx",
		"/mnt/\x01\x1f\x7f control",
		"/mnt/caf\xc3\xa9 \xe2\x80\xa8 \xef\xbb\xbf \xf0\x9f\x98\x80",
		"- dash",
		"~",
		"null",
		"yes",
		"123",
		" leading and trailing ",
		"*alias",
		"&anchor",
		"!tag",
		"{flow}",
		"[list]",
		"%percent",
		"@at `tick",
		"'single'",
		"a,b",
	};
	static char *const pats[] = { "*x", "?y", "^Acct*", "Bal?x", "%Z.9" };
	struct rst_plan p;
	struct rst_point starts[7], stops[6];
	struct jk_err err;
	size_t i, n = sizeof odd / sizeof odd[0];
	char src[4300], tgt[4300];

	(void)state;
	memset(starts, 0, sizeof starts);
	memset(stops, 0, sizeof stops);
	assert_int_equal(rst_point_location(&starts[1], odd[4], 134388, &err), 0);
	rst_point_marker_id(&starts[2], -1);
	assert_int_equal(rst_point_marker_text(&starts[3], "backup: \"full\" # 1\n\\", &err), 0);
	rst_point_time(&starts[4], 1795172452123456ULL);
	rst_point_seq(&starts[5], 9223372036854775809ULL);
	rst_point_last_restore(&starts[6]);
	assert_int_equal(rst_point_location(&stops[1], "a,b, c", 0, &err), 0);
	rst_point_marker_id(&stops[2], INT64_MIN);
	assert_int_equal(rst_point_marker_text(&stops[3], " ", &err), 0);
	rst_point_time(&stops[4], 0);
	rst_point_seq(&stops[5], 1);

	rst_plan_init(&p);
	round_trip(&p);			/* nothing: no instance, no files, no databases */

	assert_int_equal(rst_plan_set_inst(&p, inst, &err), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(rst_files_add(&p.files, odd[i], &err), 0);
	p.all = true;
	round_trip(&p);

	/* a list: redirected or not, patterns or not, odd directory names */
	p.all = false;
	for (i = 0; i < n; i++) {
		snprintf(src, sizeof src, "/nonexistent-jrnkit/src/%s", odd[i]);
		snprintf(tgt, sizeof tgt, "/nonexistent-jrnkit/tgt/%s", odd[i]);
		assert_int_equal(rst_plan_add_db(&p, src, i % 2 ? tgt : NULL, pats + i % 5,
		    i % 3 == 0 ? 0 : 5 - i % 5, &err), 0);
	}
	assert_int_equal(rst_plan_add_db(&p, top, user, NULL, 0, &err), 0);
	round_trip(&p);

	/* every point, and every switch both ways */
	for (i = 0; i < 7 * 6; i++) {
		rst_point_clear(&p.start);
		rst_point_clear(&p.stop);
		p.start = starts[i % 7];
		p.stop = stops[i / 7];
		p.switch_first = i & 1;
		p.journal_updates = i & 2;
		p.db_errors = i & 4 ? RST_ABORT : RST_CONTINUE;
		p.jrn_errors = i & 8 ? RST_CONTINUE : RST_ABORT;
		p.rollback = i & 16;
		p.check_links = !(i & 32);
		round_trip(&p);
		memset(&p.start, 0, sizeof p.start);	/* borrowed from the arrays */
		memset(&p.stop, 0, sizeof p.stop);
	}
	rst_plan_release(&p);
	for (i = 0; i < 7; i++)
		rst_point_clear(&starts[i]);
	for (i = 0; i < 6; i++)
		rst_point_clear(&stops[i]);
}

static void
test_the_written_file_reads_as_documented(void **state)
{
	struct rst_plan p;
	struct buf b = BUF_INIT;
	char *pats[] = { "*x", "Bal?x" };

	(void)state;
	rst_plan_init(&p);
	assert_int_equal(rst_plan_set_inst(&p, inst, NULL), 0);
	assert_int_equal(rst_files_add(&p.files, "/j/20261120.001", NULL), 0);
	assert_int_equal(rst_files_add(&p.files, "/j/20261120.002", NULL), 0);
	assert_int_equal(rst_plan_add_db(&p, "/a", "/b", pats, 2, NULL), 0);
	assert_int_equal(rst_plan_add_db(&p, "/c", NULL, NULL, 0, NULL), 0);
	rst_point_marker_text(&p.start, "backup", NULL);
	p.dry_run = true;	/* not written */
	assert_int_equal(buf_adds(&b, "kept\n"), 0);
	assert_int_equal(rst_plan_write(&p, &b), 0);
	assert_string_equal(buf_str(&b), textf("kept\n"
	    "# jrnkit restore plan (jrnkit-plan(5))\n"
	    "version: 1\n"
	    "instance: \"%s\"\n"
	    "# the journal files, in the order processed\n"
	    "files:\n"
	    "  - \"/j/20261120.001\"\n"
	    "  - \"/j/20261120.002\"\n"
	    "databases:\n"
	    "  - source: \"/a/\"\n"
	    "    target: \"/b/\"\n"
	    "    globals: [\"*x\", \"Bal?x\"]\n"
	    "  - source: \"/c/\"\n"
	    "start: \"marker:backup\"\n"
	    "stop: \"end\"\n"
	    "switch: no\n"
	    "journal_updates: no\n"
	    "database_errors: continue\n"
	    "journal_errors: abort\n"
	    "rollback: no\n"
	    "check_links: yes\n", cinst));
	buf_release(&b);
	rst_plan_release(&p);
}

/* Take the last database off p's list. */
static void
db_drop_last(struct rst_plan *p)
{
	struct rst_db *d = &p->dbs[--p->ndbs];
	size_t i;

	free(d->source);
	free(d->target);
	for (i = 0; i < d->nglobals; i++)
		free(d->globals[i]);
	free(d->globals);
}

/* What YAML cannot hold, or parse would not give back, is refused; out is left as it was. */
static void
test_write_refuses_a_plan_no_file_can_hold(void **state)
{
	char *bad[] = { "A*", "9x" };
	struct rst_plan p;
	struct buf b = BUF_INIT;
	struct jk_err err;
	char path[4300];

	(void)state;
	snprintf(path, sizeof path, "%s/plan.yaml", top);
	rst_plan_init(&p);
	assert_int_equal(rst_files_add(&p.files, "/j/\xff\xfe", NULL), 0);
	p.all = true;
	assert_int_equal(buf_adds(&b, "kept"), 0);
	assert_int_equal(rst_plan_write(&p, &b), JK_EUSAGE);
	assert_string_equal(buf_str(&b), "kept");
	assert_int_equal(rst_plan_save(&p, path, &err), JK_EUSAGE);
	assert_string_equal(err.msg, textf("cannot write plan file '%s': a journal file name is "
	    "not UTF-8, which a plan file cannot hold: /j/\xff\xfe", path));
	assert_int_equal(access(path, F_OK), -1);
	rst_files_release(&p.files);

	assert_int_equal(rst_files_add(&p.files, "/j/a", NULL), 0);
	rst_point_last_restore(&p.stop);
	assert_int_equal(rst_plan_write(&p, &b), JK_EUSAGE);
	assert_int_equal(rst_plan_save(&p, path, &err), JK_EUSAGE);
	assert_non_null(strstr(err.msg, "the stop point is the last restore"));
	rst_point_clear(&p.stop);

	p.start.kind = RST_LOCATION;	/* no path: "0," would not read back */
	assert_int_equal(rst_plan_write(&p, &b), JK_EUSAGE);
	p.start.kind = RST_EDGE;

	assert_int_equal(rst_plan_add_db(&p, "/a", NULL, NULL, 0, NULL), 0);
	assert_int_equal(rst_plan_write(&p, &b), JK_EUSAGE);	/* all and a list */
	p.all = false;
	assert_int_equal(rst_plan_add_db(&p, "/b", NULL, bad, 2, NULL), 0);
	assert_int_equal(rst_plan_save(&p, path, &err), JK_EUSAGE);
	assert_string_equal(err.msg, textf("cannot write plan file '%s': bad global pattern "
	    "'9x' for /b/", path));
	db_drop_last(&p);
	assert_int_equal(rst_plan_add_db(&p, "/x/../a/", NULL, NULL, 0, NULL), 0);
	assert_int_equal(rst_plan_save(&p, path, &err), JK_EUSAGE);
	assert_string_equal(err.msg, textf("cannot write plan file '%s': directory /a/ is "
	    "listed twice", path));
	db_drop_last(&p);
	assert_int_equal(rst_plan_write(&p, &b), 0);
	assert_int_equal(strncmp(buf_str(&b), "kept# jrnkit", 12), 0);
	rst_plan_release(&p);
	buf_release(&b);
}

static void
test_save_replaces_atomically_and_load_reads_it_back(void **state)
{
	struct rst_plan p, q;
	struct jk_err err;
	char path[4300], dir[4300];
	struct stat st;

	(void)state;
	snprintf(path, sizeof path, "%s/plans/a plan #1.yaml", top);
	snprintf(dir, sizeof dir, "%s/plans", top);
	sh("mkdir '%s' && echo old > '%s'", dir, path);
	rst_plan_init(&p);
	assert_int_equal(rst_plan_set_inst(&p, inst, NULL), 0);
	assert_int_equal(rst_files_add(&p.files, "/j/20261120.001", NULL), 0);
	assert_int_equal(rst_plan_add_db(&p, acctdb, user, NULL, 0, NULL), 0);
	rst_point_seq(&p.start, 7);
	if (rst_plan_save(&p, path, &err) != 0)
		fail_msg("save: %s", err.msg);
	sh("test \"$(ls -A '%s' | wc -l)\" = 1", dir);	/* no temporary file left */
	rst_plan_init(&q);
	if (rst_plan_load(&q, path, &err) != 0)
		fail_msg("load: %s", err.msg);
	assert_plan_same(&p, &q);
	rst_plan_release(&q);

	/* messages name the file */
	sh("printf 'files: [a]\\ndatabases: al\\n' > '%s'", path);
	rst_plan_init(&q);
	assert_int_equal(rst_plan_load(&q, path, &err), JK_EFORMAT);
	assert_string_equal(err.msg, textf("%s:2:12: databases must be all or a list of "
	    "databases, not 'al'", path));

	/* a file that cannot be read */
	assert_int_equal(rst_plan_load(&q, textf("%s/none.yaml", dir), &err), JK_ENOTFOUND);
	assert_string_equal(err.msg, textf("cannot open plan file '%s/none.yaml': %s", dir,
	    strerror(ENOENT)));
	assert_int_equal(rst_plan_load(&q, dir, &err), JK_EIO);
	assert_string_equal(err.msg, textf("cannot read plan file '%s': %s", dir,
	    strerror(EISDIR)));
	assert_int_equal(err.sys_errno, EISDIR);
	assert_null(q.inst);
	assert_int_equal(stat(path, &st), 0);
	rst_plan_release(&q);
	rst_plan_release(&p);
}

/* ---- running one ------------------------------------------------------------------------------ */

static void
run_ok(const struct rst_plan *p)
{
	struct rst_result r;
	int rc;

	rst_result_init(&r);
	if ((rc = rst_run(p, NULL, &r)) != 0)
		fail_msg("rst_run: %s (%s)", r.err.msg, jk_strerror(rc));
	assert_int_equal(r.status, RST_DONE);
	assert_true(r.applied > 0);
	rst_result_release(&r);
}

static void
assert_same_db(const char *a, const char *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;

	tu_db_dump(a, &x);
	tu_db_dump(b, &y);
	if (x.len != y.len || memcmp(buf_str(&x), buf_str(&y), x.len) != 0)
		fail_msg("%s and %s differ:\n--- %s\n%.2000s\n--- %s\n%.2000s", a, b, a, buf_str(&x),
		    b, buf_str(&y));
	buf_release(&x);
	buf_release(&y);
}

static void
test_a_plan_file_runs_like_the_same_plan_built_in_c(void **state)
{
	char bk_user[4200], bk_acct[4200], c_user[4200], c_acct[4200], f_user[4200], f_acct[4200];
	char s_user[4200], s_acct[4200], path[4300];
	char *pats[] = { "A*" };
	struct rst_plan c, f, s;
	struct jk_err err;
	struct buf x = BUF_INIT, y = BUF_INIT;

	(void)state;
	journals(bk_user, bk_acct);
	copy_db(bk_user, "c-user", c_user, sizeof c_user);
	copy_db(bk_acct, "c-acct", c_acct, sizeof c_acct);
	copy_db(bk_user, "f-user", f_user, sizeof f_user);
	copy_db(bk_acct, "f-acct", f_acct, sizeof f_acct);
	copy_db(bk_user, "s-user", s_user, sizeof s_user);
	copy_db(bk_acct, "s-acct", s_acct, sizeof s_acct);

	/* in C: ^A* of db/user and all of acct, from the backup marker, all but the last file */
	rst_plan_init(&c);
	assert_int_equal(rst_plan_set_inst(&c, inst, &err), 0);
	assert_int_equal(rst_files_from_log(&c.files, inst, NULL, 0, &err), 0);
	assert_int_equal(rst_files_range(&c.files, NULL, base(c.files.paths[3]), &err), 0);
	assert_int_equal(rst_plan_add_db(&c, user, c_user, pats, 1, &err), 0);
	assert_int_equal(rst_plan_add_db(&c, acctdb, c_acct, NULL, 0, &err), 0);
	assert_int_equal(rst_point_marker_text(&c.start, "backup", &err), 0);
	c.rollback = true;
	run_ok(&c);

	/* the same as a file, by hand */
	parse_ok(&f, textf("# the same restore\n"
	    "instance: \"%s\"\n"
	    "journal_log: \"%s\"\n"
	    "through: %s\n"
	    "databases:\n"
	    "  - source: \"%s\"\n"
	    "    target: %s\n"
	    "    globals: [A*]\n"
	    "  - {source: %s, target: %s}\n"
	    "start: marker:backup\n"
	    "rollback: yes\n",
	    inst, inst, base(c.files.paths[3]), user, f_user, acctdb, f_acct));
	assert_int_equal(f.files.n, 4);
	run_ok(&f);
	assert_same_db(c_user, f_user);
	assert_same_db(c_acct, f_acct);

	/* ... and as rst_plan_save writes it, loaded */
	rst_plan_init(&s);
	assert_int_equal(rst_plan_set_inst(&s, inst, &err), 0);
	assert_int_equal(rst_files_from_log(&s.files, inst, NULL, 0, &err), 0);
	assert_int_equal(rst_files_range(&s.files, NULL, base(s.files.paths[3]), &err), 0);
	assert_int_equal(rst_plan_add_db(&s, user, s_user, pats, 1, &err), 0);
	assert_int_equal(rst_plan_add_db(&s, acctdb, s_acct, NULL, 0, &err), 0);
	assert_int_equal(rst_point_marker_text(&s.start, "backup", &err), 0);
	s.rollback = true;
	snprintf(path, sizeof path, "%s/saved.yaml", top);
	assert_int_equal(rst_plan_save(&s, path, &err), 0);
	rst_plan_release(&s);
	rst_plan_init(&s);
	if (rst_plan_load(&s, path, &err) != 0)
		fail_msg("load: %s", err.msg);
	run_ok(&s);
	assert_same_db(c_user, s_user);
	assert_same_db(c_acct, s_acct);

	/* and the restore did something: ^B not selected, ^A changed, acct changed */
	tu_db_dump(c_user, &x);
	tu_db_dump(bk_user, &y);
	assert_null(strstr(buf_str(&x), "^B("));
	assert_string_not_equal(buf_str(&x), buf_str(&y));
	assert_same_db(acctdb, c_acct);	/* its updates all after the marker, none in the last file */
	buf_release(&x);
	buf_release(&y);
	rst_plan_release(&c);
	rst_plan_release(&f);
	rst_plan_release(&s);
}

/* The selection of a command line (jrnresto, jrnkit convert): the same files as the forms it stands for; conflicts named. */
static void
test_command_line_selection(void **state)
{
	struct rst_plan p;
	struct rst_files f;
	struct jk_err err;
	char *dirs[1], *dbs[1], *redir[2], *globs[1];
	char jdir[4300];

	(void)state;
	journals(NULL, NULL);
	logged(&f);
	snprintf(jdir, sizeof jdir, "%s/journal", inst);
	dirs[0] = jdir;

	/* no files given: the instance's journal.log; then from/through */
	rst_plan_init(&p);
	assert_int_equal(rst_plan_set_inst(&p, inst, &err), 0);
	{
		struct rst_select s = { .from = base(f.paths[1]), .through = base(f.paths[2]) };

		assert_int_equal(rst_plan_select_files(&p, &s, &err), 0);
	}
	assert_files(&p.files, f.paths + 1, 2);
	rst_plan_release(&p);

	/* journal directories, as rst_files_from_dirs */
	rst_plan_init(&p);
	{
		struct rst_select s = { .jdirs = dirs, .njdirs = 1, .prefix = "" };

		assert_int_equal(rst_plan_select_files(&p, &s, &err), 0);
	}
	assert_files(&p.files, f.paths, 5);
	rst_plan_release(&p);

	/* conflicts, and no way to the files */
	rst_plan_init(&p);
	{
		struct rst_select s1 = { .log = inst, .jdirs = dirs, .njdirs = 1 };
		struct rst_select s2 = { .search = dirs, .nsearch = 1 };
		struct rst_select s3 = { .prefix = "X" };
		struct rst_select s4 = { 0 };

		assert_int_equal(rst_plan_select_files(&p, &s1, &err), JK_EUSAGE);
		assert_non_null(strstr(err.msg, "one way"));
		assert_int_equal(rst_plan_select_files(&p, &s2, &err), JK_EUSAGE);
		assert_string_equal(err.msg, "--search goes with --log");
		assert_int_equal(rst_plan_select_files(&p, &s3, &err), JK_EUSAGE);
		assert_string_equal(err.msg, "--prefix goes with --journal-dir");
		assert_int_equal(rst_plan_select_files(&p, &s4, &err), JK_EUSAGE);
		assert_non_null(strstr(err.msg, "which journal files?"));
	}
	assert_int_equal(p.files.n, 0);

	/* databases: in place, redirected, with the globals; a redirection that is not OLD=NEW */
	dbs[0] = user;
	redir[0] = textf("%s=%s/copy", acctdb, top);
	globs[0] = "A*";
	{
		struct rst_select s = { .dbs = dbs, .ndbs = 1, .redirects = redir, .nredirects = 1,
		    .globals = globs, .nglobals = 1 };

		assert_int_equal(rst_plan_select_dbs(&p, &s, &err), 0);
	}
	assert_int_equal(p.ndbs, 2);
	assert_string_equal(p.dbs[0].source, user);
	assert_string_equal(p.dbs[0].target, user);	/* in place */
	assert_string_equal(p.dbs[1].source, acctdb);
	assert_string_equal(p.dbs[1].target, textf("%s/copy/", top));
	assert_int_equal(p.dbs[1].nglobals, 1);
	redir[1] = "=nowhere";
	{
		struct rst_select s = { .redirects = redir + 1, .nredirects = 1 };

		assert_int_equal(rst_plan_select_dbs(&p, &s, &err), JK_EUSAGE);
		assert_non_null(strstr(err.msg, "OLD=NEW"));
	}
	rst_plan_release(&p);
	rst_files_release(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_keys_and_structure_errors_name_line_and_column),
		T(test_sources_of_the_files_exclude_each_other),
		T(test_wrong_types_name_line_and_column),
		T(test_bad_points_patterns_and_sources_name_line_and_column),
		T(test_resolution_errors_name_the_key_that_asked),
		T(test_each_source_form_resolves_to_the_journal_files),
		T(test_defaults_and_the_instance_p_names),
		T(test_write_then_parse_gives_the_same_plan),
		T(test_the_written_file_reads_as_documented),
		T(test_write_refuses_a_plan_no_file_can_hold),
		T(test_save_replaces_atomically_and_load_reads_it_back),
		T(test_a_plan_file_runs_like_the_same_plan_built_in_c),
		T(test_command_line_selection),
#undef T
	};
	return cmocka_run_group_tests_name("rstplan", tests, NULL, NULL);
}
