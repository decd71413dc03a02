/* test_inst.c - instance settings, creation, journal.log, atomic replace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "inst.h"
#include "util/tmpdir.h"

/*
 * The fixture: a fresh directory under $TMPDIR, symlinks resolved.  Half of
 * PATH_MAX, so that every path the tests build from it fits in PATH_MAX.
 */
struct fx {
	char dir[PATH_MAX / 2];
};

/* A path from fmt into out (PATH_MAX bytes); the test fails if it does not fit. */
static void
pathf(char *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
pathf(char *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && n < PATH_MAX);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);

	if (fx == NULL || tu_mkdtemp(fx->dir, sizeof fx->dir, "test_inst") != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	int rc;

	rc = tu_rmtree(fx->dir);
	free(fx);
	return rc;
}

/* fx->dir + "/" + name; a static buffer per call site is enough here. */
static const char *
at_fx(const struct fx *fx, const char *name, char *out)
{
	pathf(out, "%s/%s", fx->dir, name);
	return out;
}

static void
put_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* The whole file, NUL-terminated; owned. */
static char *
get_file(const char *path, size_t *n)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "rb");
	int c;

	assert_non_null(f);
	s = malloc(1);
	assert_non_null(s);
	while ((c = getc(f)) != EOF) {
		s = realloc(s, len + 2);
		assert_non_null(s);
		s[len++] = (char)c;
	}
	s[len] = '\0';
	fclose(f);
	if (n != NULL)
		*n = len;
	return s;
}

/* Entries in dir other than . and .. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static bool
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
put_conf(const struct fx *fx, const char *text)
{
	char p[PATH_MAX];

	put_file(at_fx(fx, "jrnkit.yaml", p), text, strlen(text));
}

/* Loading text fails with JK_EFORMAT and exactly msg. */
static void
expect_load_error(const struct fx *fx, const char *text, const char *msg)
{
	struct inst_conf c;
	struct jk_err err;

	jk_err_clear(&err);
	put_conf(fx, text);
	assert_int_equal(inst_conf_load(fx->dir, &c, &err), JK_EFORMAT);
	assert_int_equal(err.code, JK_EFORMAT);
	assert_string_equal(err.msg, msg);
}

static void
load_ok(const struct fx *fx, const char *text, struct inst_conf *c)
{
	struct jk_err err;

	jk_err_clear(&err);
	put_conf(fx, text);
	if (inst_conf_load(fx->dir, c, &err) != 0)
		fail_msg("load failed: %s", err.msg);
}

/* --- defaults and names ---------------------------------------------------- */

static void
test_conf_defaults_are_the_documented_values(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;
	char want[PATH_MAX];

	inst_conf_defaults(&c, fx->dir);
	pathf(want, "%s/journal/", fx->dir);
	assert_string_equal(c.jrn_dir, want);
	assert_string_equal(c.alt_dir, "");
	assert_string_equal(c.prefix, "");
	assert_int_equal(c.max_size, 1024ULL * 1024 * 1024);
	assert_int_equal(c.commit, JK_COMMIT_GROUP);
	assert_int_equal(c.group_ms, 10);
	assert_int_equal(c.purge_days, 0);
	assert_int_equal(c.purge_backups, 0);
	assert_int_equal(c.ckpt_bytes, 64ULL * 1024 * 1024);
	assert_int_equal(c.ckpt_secs, 300);
	assert_string_equal(c.cluster_dir, "");
	assert_int_equal(c.csn, -1);
}

static void
test_conf_defaults_draw_a_fresh_nonzero_instance_id(void **state)
{
	struct fx *fx = *state;
	struct inst_conf a, b;

	inst_conf_defaults(&a, fx->dir);
	inst_conf_defaults(&b, fx->dir);
	assert_true(a.instance_id != 0);
	assert_true(b.instance_id != 0);
	assert_true(a.instance_id != b.instance_id);
}

static void
test_conf_defaults_tolerate_trailing_slash_in_dir(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;
	char dir[PATH_MAX], want[PATH_MAX];

	pathf(dir, "%s//", fx->dir);
	pathf(want, "%s/journal/", fx->dir);
	inst_conf_defaults(&c, dir);
	assert_string_equal(c.jrn_dir, want);
}

static void
test_commit_mode_names_round_trip(void **state)
{
	(void)state;
	assert_int_equal(inst_commit_mode("sync"), JK_COMMIT_SYNC);
	assert_int_equal(inst_commit_mode("group"), JK_COMMIT_GROUP);
	assert_int_equal(inst_commit_mode("none"), JK_COMMIT_NONE);
	assert_int_equal(inst_commit_mode("Sync"), -1);
	assert_int_equal(inst_commit_mode(""), -1);
	assert_string_equal(inst_commit_name(JK_COMMIT_SYNC), "sync");
	assert_string_equal(inst_commit_name(JK_COMMIT_GROUP), "group");
	assert_string_equal(inst_commit_name(JK_COMMIT_NONE), "none");
	assert_string_equal(inst_commit_name((enum jk_commit_mode)7), "unknown");
}

/* --- save and load ----------------------------------------------------------- */

static void
assert_conf_equal(const struct inst_conf *a, const struct inst_conf *b)
{
	assert_string_equal(a->jrn_dir, b->jrn_dir);
	assert_string_equal(a->alt_dir, b->alt_dir);
	assert_string_equal(a->prefix, b->prefix);
	assert_int_equal(a->max_size, b->max_size);
	assert_int_equal(a->commit, b->commit);
	assert_int_equal(a->group_ms, b->group_ms);
	assert_int_equal(a->purge_days, b->purge_days);
	assert_int_equal(a->purge_backups, b->purge_backups);
	assert_int_equal(a->ckpt_bytes, b->ckpt_bytes);
	assert_int_equal(a->ckpt_secs, b->ckpt_secs);
	assert_int_equal(a->instance_id, b->instance_id);
	assert_string_equal(a->cluster_dir, b->cluster_dir);
	assert_int_equal(a->csn, b->csn);
}

static void
save_ok(const struct fx *fx, const struct inst_conf *c)
{
	struct jk_err err;

	jk_err_clear(&err);
	if (inst_conf_save(fx->dir, c, &err) != 0)
		fail_msg("save failed: %s", err.msg);
}

static void
test_conf_save_load_round_trips_every_field_and_awkward_paths(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c, back;
	struct jk_err err;

	memset(&c, 0, sizeof c);
	/* Absolute, normalised, not existing: kept byte for byte. */
	snprintf(c.jrn_dir, sizeof c.jrn_dir, "%s",
	    "/no such/j: \"dq\" 'sq' #hash, [x] {y} &a *b !t |l >f %p @ `q`/"
	    "\xc3\xbcn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
	    "\xf0\x9f\x98\x80/- dash/? q/null/~/true/0x10/ lead trail  /");
	snprintf(c.alt_dir, sizeof c.alt_dir, "%s",
	    "/ctl/back\\slash/tab\there/nl\nhere/cr\rhere/\x01\x1f\x7f/"
	    "c1 \xc2\x80 nel \xc2\x85 nbsp \xc2\xa0/"
	    "ls \xe2\x80\xa8 ps \xe2\x80\xa9 bom \xef\xbb\xbf end/"
	    "nonchar \xef\xbf\xbe\xef\xbf\xbf/");
	snprintf(c.prefix, sizeof c.prefix, "%s", " p: #\"'\\\xc3\xa9 ");
	c.max_size = 12345;
	c.commit = JK_COMMIT_SYNC;
	c.group_ms = 7;
	c.purge_days = 30;
	c.purge_backups = 4;
	c.ckpt_bytes = 3ULL << 30;
	c.ckpt_secs = 4000000000u;
	c.instance_id = 0xfedcba9876543210ULL;
	snprintf(c.cluster_dir, sizeof c.cluster_dir, "%s", "/srv/cluster:1/");
	c.csn = 3;

	save_ok(fx, &c);
	memset(&back, 0x5a, sizeof back);
	jk_err_clear(&err);
	if (inst_conf_load(fx->dir, &back, &err) != 0)
		fail_msg("load failed: %s", err.msg);
	assert_conf_equal(&c, &back);

	/* Unset directories are written as "" and read back as unset. */
	back.alt_dir[0] = '\0';
	back.cluster_dir[0] = '\0';
	c = back;
	save_ok(fx, &back);
	memset(&back, 0, sizeof back);
	assert_int_equal(inst_conf_load(fx->dir, &back, &err), 0);
	assert_conf_equal(&c, &back);

	/* And again, from what was read: the file is a fixed point. */
	save_ok(fx, &back);
	memset(&back, 0, sizeof back);
	assert_int_equal(inst_conf_load(fx->dir, &back, &err), 0);
	assert_conf_equal(&c, &back);
}

static void
test_conf_save_writes_a_comment_above_every_key(void **state)
{
	struct fx *fx = *state;
	static const char *const keys[] = {
		"journal_dir", "alternate_dir", "prefix", "max_size", "commit",
		"group_ms", "purge_days", "purge_backups", "checkpoint_bytes",
		"checkpoint_secs", "instance_id", "cluster_dir", "csn",
	};
	struct inst_conf c;
	char p[PATH_MAX], want[64], *text, *line;
	size_t i;

	inst_conf_defaults(&c, fx->dir);
	save_ok(fx, &c);
	text = get_file(at_fx(fx, "jrnkit.yaml", p), NULL);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		pathf(want, "\n%s: ", keys[i]);
		line = strstr(text, want);
		if (line == NULL)
			fail_msg("no line for %s", keys[i]);
		/* The line before starts with '#'. */
		do
			line--;
		while (line > text && line[-1] != '\n');
		if (line[0] != '#')
			fail_msg("no comment above %s", keys[i]);
	}
	free(text);
}

static void
test_conf_save_writes_sizes_with_the_largest_exact_suffix(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;
	char p[PATH_MAX], *text;

	inst_conf_defaults(&c, fx->dir);
	c.max_size = 3ULL << 20;
	c.ckpt_bytes = 1000;
	save_ok(fx, &c);
	text = get_file(at_fx(fx, "jrnkit.yaml", p), NULL);
	assert_non_null(strstr(text, "\nmax_size: 3M\n"));
	assert_non_null(strstr(text, "\ncheckpoint_bytes: 1000\n"));
	free(text);
}

static void
test_conf_save_writes_dirs_inside_the_instance_relative(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c, back;
	struct jk_err err;
	char p[PATH_MAX], moved[PATH_MAX], want[PATH_MAX], *text;

	at_fx(fx, "a", p);
	assert_int_equal(mkdir(p, 0777), 0);
	inst_conf_defaults(&c, p);	/* journal dir fx/a/journal/ */
	jk_err_clear(&err);
	assert_int_equal(inst_conf_save(p, &c, &err), 0);
	pathf(moved, "%s/a/jrnkit.yaml", fx->dir);
	text = get_file(moved, NULL);
	assert_non_null(strstr(text, "\njournal_dir: \"journal/\"\n"));
	free(text);

	/* An instance moved elsewhere keeps its own journal directory. */
	at_fx(fx, "b", moved);
	assert_int_equal(rename(p, moved), 0);
	assert_int_equal(inst_conf_load(moved, &back, &err), 0);
	pathf(want, "%s/journal/", moved);
	assert_string_equal(back.jrn_dir, want);
}

static void
test_conf_save_refuses_settings_it_cannot_write(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;
	struct jk_err err;
	char p[PATH_MAX];

	inst_conf_defaults(&c, fx->dir);
	snprintf(c.alt_dir, sizeof c.alt_dir, "/bad/\xff/");
	assert_int_equal(inst_conf_save(fx->dir, &c, &err), JK_EUSAGE);
	assert_non_null(strstr(err.msg, "not UTF-8"));

	inst_conf_defaults(&c, fx->dir);
	snprintf(c.jrn_dir, sizeof c.jrn_dir, "relative/");
	assert_int_equal(inst_conf_save(fx->dir, &c, &err), JK_EUSAGE);
	assert_non_null(strstr(err.msg, "not absolute"));

	inst_conf_defaults(&c, fx->dir);
	snprintf(c.prefix, sizeof c.prefix, "a/b");
	assert_int_equal(inst_conf_save(fx->dir, &c, &err), JK_EUSAGE);

	/* Nothing was written. */
	assert_int_equal(access(at_fx(fx, "jrnkit.yaml", p), F_OK), -1);
}

/*
 * What the options editor does: load, change one setting, save.  The file
 * comes back the same but for that setting's line - comments, order, the
 * instance id and the relative journal directory included.
 */
static void
test_conf_edit_of_one_setting_changes_only_its_line(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;
	struct jk_err err;
	char inst[PATH_MAX], p[PATH_MAX], *before, *after, *at;
	const char *was = "\nmax_size: 1G\n", *now = "\nmax_size: 64M\n";
	size_t head;

	at_fx(fx, "i", inst);
	jk_err_clear(&err);
	if (inst_create(inst, &err) != 0)
		fail_msg("create: %s", err.msg);
	pathf(p, "%s/jrnkit.yaml", inst);
	before = get_file(p, NULL);
	assert_int_equal(inst_conf_load(inst, &c, &err), 0);
	c.max_size = 64ULL << 20;
	assert_int_equal(inst_conf_save(inst, &c, &err), 0);
	after = get_file(p, NULL);

	at = strstr(before, was);
	assert_non_null(at);
	head = (size_t)(at - before);
	assert_int_equal(strlen(after), strlen(before) + strlen(now) - strlen(was));
	assert_memory_equal(after, before, head);
	assert_memory_equal(after + head, now, strlen(now));
	assert_string_equal(after + head + strlen(now), at + strlen(was));
	assert_non_null(strstr(after, "\njournal_dir: \"journal/\"\n"));
	free(before);
	free(after);

	/* Clearing a directory and the prefix writes them as "" and reads back unset. */
	snprintf(c.alt_dir, sizeof c.alt_dir, "%s/", fx->dir);
	snprintf(c.prefix, sizeof c.prefix, "JK_");
	assert_int_equal(inst_conf_save(inst, &c, &err), 0);
	c.alt_dir[0] = '\0';
	c.prefix[0] = '\0';
	assert_int_equal(inst_conf_save(inst, &c, &err), 0);
	after = get_file(p, NULL);
	assert_non_null(strstr(after, "\nalternate_dir: \"\"\n"));
	assert_non_null(strstr(after, "\nprefix: \"\"\n"));
	free(after);
	memset(&c, 0x5a, sizeof c);
	assert_int_equal(inst_conf_load(inst, &c, &err), 0);
	assert_string_equal(c.alt_dir, "");
	assert_string_equal(c.prefix, "");
	assert_int_equal(c.max_size, 64ULL << 20);
}

static void
test_conf_load_without_file_is_not_found(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;
	struct jk_err err;
	char p[PATH_MAX];

	jk_err_clear(&err);
	assert_int_equal(inst_conf_load(fx->dir, &c, &err), JK_ENOTFOUND);
	assert_non_null(strstr(err.msg, at_fx(fx, "jrnkit.yaml", p)));
	assert_int_equal(err.sys_errno, ENOENT);
	assert_false(inst_exists(fx->dir));
}

static void
test_conf_load_error_leaves_caller_conf_untouched(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c, before;
	struct jk_err err;

	memset(&c, 0x3c, sizeof c);
	before = c;
	put_conf(fx, "instance_id: 1\nprefix: ok\ngroup_ms: x\n");
	assert_int_equal(inst_conf_load(fx->dir, &c, &err), JK_EFORMAT);
	assert_memory_equal(&c, &before, sizeof c);
}

static void
test_conf_load_fills_missing_keys_with_defaults(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c, d;

	load_ok(fx, "# only the id\ninstance_id: 0x2a\ncommit: none\n", &c);
	inst_conf_defaults(&d, fx->dir);
	d.instance_id = 0x2a;
	d.commit = JK_COMMIT_NONE;
	assert_conf_equal(&c, &d);
}

static void
test_conf_relative_journal_dir_is_absolute_with_trailing_slash(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;
	char want[PATH_MAX];

	load_ok(fx, "instance_id: 1\njournal_dir: a/./b/../c//d\n", &c);
	pathf(want, "%s/a/c/d/", fx->dir);
	assert_string_equal(c.jrn_dir, want);

	load_ok(fx, "instance_id: 1\njournal_dir: /x/../y\n"
	    "alternate_dir: alt\ncluster_dir: \"\"\n", &c);
	assert_string_equal(c.jrn_dir, "/y/");
	pathf(want, "%s/alt/", fx->dir);
	assert_string_equal(c.alt_dir, want);
	assert_string_equal(c.cluster_dir, "");
}

static void
test_conf_existing_journal_dir_has_symlinks_resolved(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;
	char real[PATH_MAX], link[PATH_MAX], want[PATH_MAX];

	assert_int_equal(mkdir(at_fx(fx, "real", real), 0777), 0);
	assert_int_equal(symlink(real, at_fx(fx, "link", link)), 0);
	load_ok(fx, "instance_id: 1\njournal_dir: link\n", &c);
	pathf(want, "%s/", real);
	assert_string_equal(c.jrn_dir, want);
}

static void
test_conf_size_suffixes_are_powers_of_1024(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *text;
		uint64_t bytes;
	} t[] = {
		{ "123", 123 },
		{ "4K", 4096 },
		{ "4k", 4096 },
		{ "2M", 2ULL << 20 },
		{ "3G", 3ULL << 30 },
		{ "16777215G", 16777215ULL << 30 },
		{ "18446744073709551615", UINT64_MAX },
	};
	struct inst_conf c;
	char text[256];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(text, sizeof text,
		    "instance_id: 1\nmax_size: %s\ncheckpoint_bytes: %s\n",
		    t[i].text, t[i].text);
		load_ok(fx, text, &c);
		assert_int_equal(c.max_size, t[i].bytes);
		assert_int_equal(c.ckpt_bytes, t[i].bytes);
	}
	load_ok(fx, "instance_id: 1\ncheckpoint_bytes: 0\n", &c);
	assert_int_equal(c.ckpt_bytes, 0);
}

static void
test_conf_bad_sizes_name_line_and_column(void **state)
{
	struct fx *fx = *state;

	expect_load_error(fx, "max_size: 12X\n", "jrnkit.yaml:1:11: max_size "
	    "must be a size in bytes, optionally with suffix K, M or G, not '12X'");
	expect_load_error(fx, "max_size: G\n", "jrnkit.yaml:1:11: max_size "
	    "must be a size in bytes, optionally with suffix K, M or G, not 'G'");
	expect_load_error(fx, "max_size: 1.5G\n", "jrnkit.yaml:1:11: max_size "
	    "must be a size in bytes, optionally with suffix K, M or G, not '1.5G'");
	expect_load_error(fx, "checkpoint_bytes: -1\n", "jrnkit.yaml:1:19: "
	    "checkpoint_bytes must be a size in bytes, optionally with suffix "
	    "K, M or G, not '-1'");
	expect_load_error(fx, "max_size:\n", "jrnkit.yaml:1:10: max_size "
	    "must be a size in bytes, optionally with suffix K, M or G, not ''");
	expect_load_error(fx, "max_size: 17179869184G\n",
	    "jrnkit.yaml:1:11: max_size is too large: '17179869184G'");
	expect_load_error(fx, "max_size: 18446744073709551616\n",
	    "jrnkit.yaml:1:11: max_size is too large: '18446744073709551616'");
	expect_load_error(fx, "max_size: 0\n",
	    "jrnkit.yaml:1:11: max_size must not be 0");
	expect_load_error(fx, "max_size: \"1G\"\n",
	    "jrnkit.yaml:1:11: max_size must be a number, not a quoted string");
}

/* --- each kind of error, with its place ------------------------------------ */

static void
test_conf_unknown_key_names_line_and_column(void **state)
{
	struct fx *fx = *state;

	expect_load_error(fx, "instance_id: 1\ncomit: sync\n",
	    "jrnkit.yaml:2:1: unknown key 'comit'");
	expect_load_error(fx, "{instance_id: 1,   comit: x}\n",
	    "jrnkit.yaml:1:20: unknown key 'comit'");
}

static void
test_conf_duplicate_key_names_second_occurrence(void **state)
{
	struct fx *fx = *state;

	expect_load_error(fx, "prefix: a\ninstance_id: 1\n  \nprefix: b\n",
	    "jrnkit.yaml:4:1: duplicate key 'prefix' (first at line 1)");
}

static void
test_conf_value_of_wrong_type_names_line_and_column(void **state)
{
	struct fx *fx = *state;

	expect_load_error(fx, "instance_id: 1\nprefix: [a, b]\n",
	    "jrnkit.yaml:2:9: prefix must be a single value, not a list");
	expect_load_error(fx, "journal_dir:\n  a: b\n",
	    "jrnkit.yaml:2:3: journal_dir must be a single value, not a mapping");
	expect_load_error(fx, "group_ms: &x 3\npurge_days: *x\n",
	    "jrnkit.yaml:2:13: purge_days must be a single value, not an alias");
	expect_load_error(fx, "group_ms: \"10\"\n",
	    "jrnkit.yaml:1:11: group_ms must be a number, not a quoted string");
	expect_load_error(fx, "? [a]\n: 1\n",
	    "jrnkit.yaml:1:3: expected a setting name, found a list");
}

static void
test_conf_bad_values_name_line_and_column(void **state)
{
	struct fx *fx = *state;

	expect_load_error(fx, "commit: fast\n",
	    "jrnkit.yaml:1:9: commit must be sync, group or none, not 'fast'");
	expect_load_error(fx, "group_ms: ten\n",
	    "jrnkit.yaml:1:11: group_ms must be a whole number, not 'ten'");
	expect_load_error(fx, "purge_days: 4294967296\n",
	    "jrnkit.yaml:1:13: purge_days is too large: '4294967296'");
	expect_load_error(fx, "instance_id: 0xZZ\n", "jrnkit.yaml:1:14: "
	    "instance_id must be at most 16 hex digits, not '0xZZ'");
	expect_load_error(fx, "instance_id: 0x12345678901234567\n",
	    "jrnkit.yaml:1:14: instance_id must be at most 16 hex digits, "
	    "not '0x12345678901234567'");
	expect_load_error(fx, "csn: -2\n",
	    "jrnkit.yaml:1:6: csn must be -1 or a member number, not '-2'");
	expect_load_error(fx, "prefix: a/b\n",
	    "jrnkit.yaml:1:9: prefix must not contain '/'");
	expect_load_error(fx, "prefix: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    "jrnkit.yaml:1:9: prefix is longer than 63 bytes");
	expect_load_error(fx, "prefix: \"a\\0b\"\n",
	    "jrnkit.yaml:1:9: prefix contains a NUL character");
	expect_load_error(fx, "journal_dir: ~\n",
	    "jrnkit.yaml:1:14: journal_dir must not be empty");
}

static void
test_conf_hex_instance_id_with_or_without_0x(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;

	load_ok(fx, "instance_id: 0xDEADbeef00000001\n", &c);
	assert_int_equal(c.instance_id, 0xdeadbeef00000001ULL);
	load_ok(fx, "instance_id: ffffffffffffffff\n", &c);
	assert_int_equal(c.instance_id, UINT64_MAX);
	load_ok(fx, "instance_id: 10\ncsn: 0\n", &c);
	assert_int_equal(c.instance_id, 16);
	assert_int_equal(c.csn, 0);
}

static void
test_conf_not_a_mapping_names_line_and_column(void **state)
{
	struct fx *fx = *state;

	expect_load_error(fx, "- a\n- b\n",
	    "jrnkit.yaml:1:1: expected a mapping of settings, found a list");
	expect_load_error(fx, "\n  hello\n",
	    "jrnkit.yaml:2:3: expected a mapping of settings, found a single value");
	expect_load_error(fx, "",
	    "jrnkit.yaml:1:1: expected a mapping of settings, found nothing");
	expect_load_error(fx, "instance_id: 1\n---\nprefix: a\n",
	    "jrnkit.yaml:2:1: expected one document, found more");
}

static void
test_conf_missing_instance_id_is_an_error(void **state)
{
	struct fx *fx = *state;

	expect_load_error(fx, "# settings\nprefix: a\n",
	    "jrnkit.yaml:2:1: missing key 'instance_id'");
}

static void
test_conf_yaml_syntax_error_names_line_and_column(void **state)
{
	struct fx *fx = *state;

	expect_load_error(fx, "journal_dir: x\n  foo\n bar: 1\n",
	    "jrnkit.yaml:3:5: mapping values are not allowed in this context");
	expect_load_error(fx, "instance_id: 1\njournal_dir: \"abc\n",
	    "jrnkit.yaml:3:1: found unexpected end of stream "
	    "while scanning a quoted scalar");
	expect_load_error(fx, "instance_id: 1\nprefix: \xc3\xa9\xff\n",
	    "jrnkit.yaml:2:10: invalid leading UTF-8 octet");
	expect_load_error(fx, "prefix: a\x01\n",
	    "jrnkit.yaml:1:10: control characters are not allowed");
}

/* --- inst_create -------------------------------------------------------------- */

static void
test_create_makes_the_whole_layout(void **state)
{
	struct fx *fx = *state;
	struct inst_conf c;
	struct jk_err err;
	char dir[PATH_MAX], p[PATH_MAX], want[PATH_MAX];
	struct stat st;

	/* Parents that do not exist yet are made too. */
	pathf(dir, "%s/x/y/inst", fx->dir);
	jk_err_clear(&err);
	if (inst_create(dir, &err) != 0)
		fail_msg("create failed: %s", err.msg);
	assert_true(inst_exists(dir));
	pathf(p, "%s/journal", dir);
	assert_true(is_dir(p));
	pathf(p, "%s/state", dir);
	assert_true(is_dir(p));
	pathf(p, "%s/journal.log", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	pathf(p, "%s/db/user", dir);
	assert_true(db_exists(p));

	assert_int_equal(inst_conf_load(dir, &c, &err), 0);
	pathf(want, "%s/journal/", dir);
	assert_string_equal(c.jrn_dir, want);
	assert_string_equal(c.alt_dir, "");
	assert_string_equal(c.cluster_dir, "");
	assert_int_equal(c.commit, JK_COMMIT_GROUP);
	assert_true(c.instance_id != 0);
}

static void
test_create_refuses_an_existing_instance(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char p[PATH_MAX], *before, *after;

	jk_err_clear(&err);
	assert_int_equal(inst_create(fx->dir, &err), 0);
	before = get_file(at_fx(fx, "jrnkit.yaml", p), NULL);
	assert_int_equal(inst_log_append(fx->dir, "/j/a", &err), 0);

	assert_int_equal(inst_create(fx->dir, &err), JK_EEXIST);
	assert_int_equal(err.code, JK_EEXIST);
	assert_non_null(strstr(err.msg, fx->dir));
	after = get_file(p, NULL);
	assert_string_equal(before, after);	/* same instance id */
	free(before);
	free(after);
	/* Nor was the history touched. */
	after = get_file(at_fx(fx, "journal.log", p), NULL);
	assert_string_equal(after, "/j/a\n");
	free(after);
}

static void
test_create_completes_after_a_crash_before_the_settings(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char p[PATH_MAX], *text;

	/* A create that died before writing jrnkit.yaml, with history kept. */
	assert_int_equal(mkdir(at_fx(fx, "journal", p), 0777), 0);
	put_file(at_fx(fx, "journal.log", p), "/j/old\n", 7);
	jk_err_clear(&err);
	if (inst_create(fx->dir, &err) != 0)
		fail_msg("create failed: %s", err.msg);
	assert_true(inst_exists(fx->dir));
	text = get_file(p, NULL);
	assert_string_equal(text, "/j/old\n");
	free(text);
}

/* --- journal.log ---------------------------------------------------------------- */

static void
test_log_append_then_read_gives_paths_oldest_first(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char p[PATH_MAX], **paths, *text;
	size_t n;

	put_file(at_fx(fx, "journal.log", p), "", 0);
	assert_int_equal(inst_log_read(fx->dir, &paths, &n, &err), 0);
	assert_int_equal(n, 0);
	inst_log_free(paths, n);

	jk_err_clear(&err);
	assert_int_equal(inst_log_append(fx->dir, "/j/20261120.001", &err), 0);
	assert_int_equal(inst_log_append(fx->dir, "/j/20261120.002", &err), 0);
	assert_int_equal(inst_log_append(fx->dir, "/other dir/x: #1", &err), 0);
	text = get_file(p, NULL);
	assert_string_equal(text,
	    "/j/20261120.001\n/j/20261120.002\n/other dir/x: #1\n");
	free(text);

	assert_int_equal(inst_log_read(fx->dir, &paths, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(paths[0], "/j/20261120.001");
	assert_string_equal(paths[1], "/j/20261120.002");
	assert_string_equal(paths[2], "/other dir/x: #1");
	inst_log_free(paths, n);
}

static void
test_log_read_skips_blank_lines_and_keeps_a_torn_last_line(void **state)
{
	struct fx *fx = *state;
	static const char text[] = "\n/j/a\n\n\n/j/b\n/j/c.0";
	struct jk_err err;
	char p[PATH_MAX], **paths;
	size_t n;

	put_file(at_fx(fx, "journal.log", p), text, sizeof text - 1);
	jk_err_clear(&err);
	assert_int_equal(inst_log_read(fx->dir, &paths, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(paths[0], "/j/a");
	assert_string_equal(paths[1], "/j/b");
	assert_string_equal(paths[2], "/j/c.0");
	inst_log_free(paths, n);
}

static void
test_log_read_skips_a_zero_filled_tail(void **state)
{
	struct fx *fx = *state;
	static const char text[] = "/j/a\n\0\0\0\0";
	struct jk_err err;
	char p[PATH_MAX], **paths;
	size_t n;

	put_file(at_fx(fx, "journal.log", p), text, sizeof text - 1);
	assert_int_equal(inst_log_read(fx->dir, &paths, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], "/j/a");
	inst_log_free(paths, n);
}

static void
test_log_append_after_a_torn_line_starts_a_new_line(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char p[PATH_MAX], **paths, *text;
	size_t n;

	put_file(at_fx(fx, "journal.log", p), "/j/a\n/j/b.0", 11);
	jk_err_clear(&err);
	assert_int_equal(inst_log_append(fx->dir, "/j/c", &err), 0);
	text = get_file(p, NULL);
	assert_string_equal(text, "/j/a\n/j/b.0\n/j/c\n");
	free(text);
	assert_int_equal(inst_log_read(fx->dir, &paths, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(paths[2], "/j/c");
	inst_log_free(paths, n);
}

static void
test_log_append_refuses_a_path_it_cannot_store(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char p[PATH_MAX];
	size_t len;

	put_file(at_fx(fx, "journal.log", p), "", 0);
	assert_int_equal(inst_log_append(fx->dir, "/j/a\n/j/b", &err), JK_EUSAGE);
	assert_int_equal(inst_log_append(fx->dir, "", &err), JK_EUSAGE);
	free(get_file(p, &len));
	assert_int_equal(len, 0);
}

static void
test_log_without_a_log_file_is_not_found(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char **paths;
	size_t n;

	assert_int_equal(inst_log_read(fx->dir, &paths, &n, &err), JK_ENOTFOUND);
	assert_null(paths);
	assert_int_equal(n, 0);
	/* Not created behind the caller's back in a directory that is no instance. */
	assert_int_equal(inst_log_append(fx->dir, "/j/a", &err), JK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "journal.log"));
	assert_int_equal(count_entries(fx->dir), 0);
}

/* --- atomic replace ---------------------------------------------------------------- */

static void
test_atomic_write_replaces_content_and_leaves_no_temp_file(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char p[PATH_MAX], *text;

	at_fx(fx, "f", p);
	jk_err_clear(&err);
	assert_int_equal(jk_write_file_atomic(p, "first version\n", 14, &err), 0);
	assert_int_equal(jk_write_file_atomic(p, "second", 6, &err), 0);
	text = get_file(p, NULL);
	assert_string_equal(text, "second");
	free(text);
	assert_int_equal(jk_write_file_atomic(p, "", 0, &err), 0);
	text = get_file(p, NULL);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(count_entries(fx->dir), 1);
}

static void
test_atomic_write_in_a_missing_directory_names_the_path(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char p[PATH_MAX];

	at_fx(fx, "no/such/f", p);
	jk_err_clear(&err);
	assert_int_equal(jk_write_file_atomic(p, "x", 1, &err), JK_EIO);
	assert_int_equal(err.code, JK_EIO);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_non_null(strstr(err.msg, p));
	assert_int_equal(count_entries(fx->dir), 0);
}

static void
test_atomic_write_failing_rename_keeps_old_and_removes_temp(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char p[PATH_MAX], inner[PATH_MAX];

	/* A non-empty directory in the way: everything succeeds but rename. */
	assert_int_equal(mkdir(at_fx(fx, "target", p), 0777), 0);
	pathf(inner, "%s/keep", p);
	put_file(inner, "old", 3);
	jk_err_clear(&err);
	assert_int_equal(jk_write_file_atomic(p, "new", 3, &err), JK_EIO);
	assert_non_null(strstr(err.msg, "cannot rename"));
	assert_non_null(strstr(err.msg, p));
	assert_true(is_dir(p));
	assert_int_equal(count_entries(fx->dir), 1);
	assert_int_equal(count_entries(p), 1);
}

static void
test_atomic_write_in_read_only_dir_keeps_the_old_file(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char d[PATH_MAX], p[PATH_MAX], *text;
	int rc;

	if (geteuid() == 0)
		skip();	/* root writes through the permission bits */
	assert_int_equal(mkdir(at_fx(fx, "ro", d), 0777), 0);
	pathf(p, "%s/f", d);
	put_file(p, "old", 3);
	assert_int_equal(chmod(d, 0555), 0);
	jk_err_clear(&err);
	rc = jk_write_file_atomic(p, "new", 3, &err);
	chmod(d, 0777);
	assert_int_equal(rc, JK_EIO);
	assert_int_equal(err.sys_errno, EACCES);
	assert_non_null(strstr(err.msg, p));
	text = get_file(p, NULL);
	assert_string_equal(text, "old");
	free(text);
	assert_int_equal(count_entries(d), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_conf_defaults_are_the_documented_values),
		T(test_conf_defaults_draw_a_fresh_nonzero_instance_id),
		T(test_conf_defaults_tolerate_trailing_slash_in_dir),
		T(test_commit_mode_names_round_trip),
		T(test_conf_save_load_round_trips_every_field_and_awkward_paths),
		T(test_conf_save_writes_a_comment_above_every_key),
		T(test_conf_save_writes_sizes_with_the_largest_exact_suffix),
		T(test_conf_save_writes_dirs_inside_the_instance_relative),
		T(test_conf_save_refuses_settings_it_cannot_write),
		T(test_conf_edit_of_one_setting_changes_only_its_line),
		T(test_conf_load_without_file_is_not_found),
		T(test_conf_load_error_leaves_caller_conf_untouched),
		T(test_conf_load_fills_missing_keys_with_defaults),
		T(test_conf_relative_journal_dir_is_absolute_with_trailing_slash),
		T(test_conf_existing_journal_dir_has_symlinks_resolved),
		T(test_conf_size_suffixes_are_powers_of_1024),
		T(test_conf_bad_sizes_name_line_and_column),
		T(test_conf_unknown_key_names_line_and_column),
		T(test_conf_duplicate_key_names_second_occurrence),
		T(test_conf_value_of_wrong_type_names_line_and_column),
		T(test_conf_bad_values_name_line_and_column),
		T(test_conf_hex_instance_id_with_or_without_0x),
		T(test_conf_not_a_mapping_names_line_and_column),
		T(test_conf_missing_instance_id_is_an_error),
		T(test_conf_yaml_syntax_error_names_line_and_column),
		T(test_log_append_then_read_gives_paths_oldest_first),
		T(test_log_read_skips_blank_lines_and_keeps_a_torn_last_line),
		T(test_log_read_skips_a_zero_filled_tail),
		T(test_log_append_after_a_torn_line_starts_a_new_line),
		T(test_log_append_refuses_a_path_it_cannot_store),
		T(test_log_without_a_log_file_is_not_found),
		T(test_atomic_write_replaces_content_and_leaves_no_temp_file),
		T(test_atomic_write_in_a_missing_directory_names_the_path),
		T(test_atomic_write_failing_rename_keeps_old_and_removes_temp),
		T(test_atomic_write_in_read_only_dir_keeps_the_old_file),
		T(test_create_makes_the_whole_layout),
		T(test_create_refuses_an_existing_instance),
		T(test_create_completes_after_a_crash_before_the_settings),
	};

	return cmocka_run_group_tests_name("inst", tests, NULL, NULL);
}
