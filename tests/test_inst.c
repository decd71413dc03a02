/* test_inst.c - journal.log and the atomic file replace. */
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

#include "inst.h"

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
	char tmpl[PATH_MAX], *real;
	const char *base = getenv("TMPDIR");
	struct fx *fx;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(tmpl, sizeof tmpl, "%s/test_inst.XXXXXX", base);
	if (mkdtemp(tmpl) == NULL)
		return -1;
	if ((real = realpath(tmpl, NULL)) == NULL)
		return -1;
	fx = calloc(1, sizeof *fx);
	if (fx == NULL || strlen(real) >= sizeof fx->dir)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "%s", real);
	free(real);
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
	int rc;

	rc = nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
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
	};

	return cmocka_run_group_tests_name("inst", tests, NULL, NULL);
}
