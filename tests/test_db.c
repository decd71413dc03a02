/*
 * test_db.c - databases: create/open/close, nodes, the three kills, $DATA,
 * $ORDER, $QUERY, limits, meta, sharing one environment, two processes,
 * db_check, read-only handles.  Every test gets a fresh database under a
 * temporary directory in $TMPDIR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <lmdb.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "gref.h"
#include "util/tmpdir.h"

struct fx {
	char top[PATH_MAX / 2];	/* temporary directory, removed at the end */
	char dir[PATH_MAX];	/* the database: top/db */
	struct jk_db *db;
};

/* --- helpers ------------------------------------------------------------ */

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint64_t
rng(void)
{
	/* xorshift64: deterministic, so a failure reproduces */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The key of a ZWR reference that must parse. */
static struct jk_key
K(const char *ref)
{
	struct jk_key k;
	struct jk_err err;
	size_t end;

	if (gref_parse(ref, strlen(ref), &k, &end, &err) != 0 || end != strlen(ref))
		fail_msg("bad reference in test: %s: %s", ref, err.msg);
	return k;
}

static void
must(struct jk_db *db, int rc, const char *what)
{
	if (rc != 0)
		fail_msg("%s: %d %s", what, rc, db_err(db)->msg);
}

/* Set each ref (a ZWR reference) to val in one transaction. */
static void
set_all(struct jk_db *db, const char *const *refs, size_t n, const char *val)
{
	struct db_txn *t;
	struct jk_key k;
	size_t i;

	must(db, db_txn_begin(db, true, &t), "begin");
	for (i = 0; i < n; i++) {
		k = K(refs[i]);
		must(db, db_put(t, k.b, k.len, (const uint8_t *)val, strlen(val)), refs[i]);
	}
	must(db, db_txn_commit(t), "commit");
}

static void
set1(struct jk_db *db, const char *ref, const char *val)
{
	set_all(db, &ref, 1, val);
}

/* Every node as "ref=value" lines, in collation order (a $QUERY walk). */
static char *
dump(struct jk_db *db)
{
	struct buf out = BUF_INIT;
	struct db_txn *t;
	struct jk_key k;
	const uint8_t *v;
	size_t vn;
	int rc;

	must(db, db_txn_begin(db, false, &t), "begin");
	k.len = 0;
	while ((rc = db_query(t, k.b, k.len, 1, &k)) == 0) {
		must(db, db_get(t, k.b, k.len, &v, &vn), "get");
		assert_int_equal(zwr_format_line(&out, k.b, k.len, v, vn), 0);
		buf_addc(&out, '\n');
	}
	assert_int_equal(rc, JK_ENOTFOUND);
	db_txn_abort(t);
	if (out.data == NULL)
		return strdup("");
	return (char *)out.data;
}

/* The same for keys that are not global references: hex bytes. */
static char *
dump_raw(struct jk_db *db)
{
	struct buf out = BUF_INIT;
	struct db_txn *t;
	struct jk_key k;
	const uint8_t *v;
	size_t vn, i;
	int rc;

	must(db, db_txn_begin(db, false, &t), "begin");
	k.len = 0;
	while ((rc = db_query(t, k.b, k.len, 1, &k)) == 0) {
		must(db, db_get(t, k.b, k.len, &v, &vn), "get");
		for (i = 0; i < k.len; i++)
			buf_addf(&out, "%02x", k.b[i]);
		buf_addc(&out, '=');
		buf_add(&out, v, vn);
		buf_addc(&out, '\n');
	}
	assert_int_equal(rc, JK_ENOTFOUND);
	db_txn_abort(t);
	if (out.data == NULL)
		return strdup("");
	return (char *)out.data;
}

static void
assert_dump(struct jk_db *db, const char *want)
{
	char *got = dump(db);

	assert_string_equal(got, want);
	free(got);
}

/* The value of ref as a string, or NULL when it has none. */
static char *
get(struct jk_db *db, const char *ref)
{
	struct db_txn *t;
	struct jk_key k = K(ref);
	const uint8_t *v;
	size_t vn;
	char *s = NULL;
	int rc;

	must(db, db_txn_begin(db, false, &t), "begin");
	rc = db_get(t, k.b, k.len, &v, &vn);
	if (rc == 0) {
		s = malloc(vn + 1);
		memcpy(s, v, vn);
		s[vn] = '\0';
	} else {
		assert_int_equal(rc, JK_ENOTFOUND);
	}
	db_txn_abort(t);
	return s;
}

static void
assert_value(struct jk_db *db, const char *ref, const char *want)
{
	char *got = get(db, ref);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("%s has value '%s', expected none", ref, got);
		return;
	}
	if (got == NULL)
		fail_msg("%s has no value, expected '%s'", ref, want);
	assert_string_equal(got, want);
	free(got);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	struct jk_err err;

	if (fx == NULL || tu_mkdtemp(fx->top, sizeof fx->top, "test_db") != 0)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "%s/db", fx->top);
	if (db_create(fx->dir, &err) != 0 || db_open(fx->dir, 0, &fx->db, &err) != 0) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	db_close(fx->db);
	tu_rmtree(fx->top);
	free(fx);
	return 0;
}

/* --- create, open, close ---------------------------------------------------- */

static void
test_create_open_close_reopen_keeps_data(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;
	char deep[PATH_MAX];

	assert_true(db_exists(fx->dir));
	set1(fx->db, "^A(1)", "one");
	db_close(fx->db);
	fx->db = NULL;
	assert_int_equal(db_open(fx->dir, 0, &fx->db, &err), 0);
	assert_value(fx->db, "^A(1)", "one");

	/* parents are made; an empty directory is not a database */
	snprintf(deep, sizeof deep, "%s/x/y/z", fx->top);
	assert_false(db_exists(deep));
	assert_int_equal(db_create(deep, &err), 0);
	assert_true(db_exists(deep));
	snprintf(deep, sizeof deep, "%s/x/y", fx->top);
	assert_false(db_exists(deep));
}

static void
test_create_refuses_an_existing_database(void **state)
{
	struct fx *fx = *state;
	struct jk_err err;

	assert_int_equal(db_create(fx->dir, &err), JK_EEXIST);
	assert_non_null(strstr(err.msg, "exists"));
	/* also when this process does not have it open */
	db_close(fx->db);
	fx->db = NULL;
	assert_int_equal(db_create(fx->dir, &err), JK_EEXIST);
	assert_int_equal(db_open(fx->dir, 0, &fx->db, &err), 0);
}

static void
test_open_without_a_database_is_notfound(void **state)
{
	struct fx *fx = *state;
	struct jk_db *db = NULL;
	struct jk_err err;
	char p[PATH_MAX];

	snprintf(p, sizeof p, "%s/none", fx->top);
	assert_int_equal(db_open(p, 0, &db, &err), JK_ENOTFOUND);
	assert_null(db);
	assert_int_equal(mkdir(p, 0777), 0);
	assert_int_equal(db_open(p, 0, &db, &err), JK_ENOTFOUND);
	assert_non_null(strstr(err.msg, p));
	/* and nothing was made there */
	assert_false(db_exists(p));
}

static void
test_canon_path_is_absolute_resolved_with_one_trailing_slash(void **state)
{
	struct fx *fx = *state;
	struct buf b = BUF_INIT;
	struct jk_err err;
	char link[PATH_MAX], want[PATH_MAX + 2], *real;

	real = realpath(fx->dir, NULL);
	snprintf(want, sizeof want, "%s/", real);
	free(real);
	snprintf(link, sizeof link, "%s/link", fx->top);
	assert_int_equal(symlink(fx->dir, link), 0);
	assert_int_equal(db_canon_path(link, &b, &err), 0);
	assert_string_equal(buf_str(&b), want);
	strcat(link, "/");
	assert_int_equal(db_canon_path(link, &b, &err), 0);
	assert_string_equal(buf_str(&b), want);
	assert_string_equal(db_path(fx->db), want);
	assert_int_equal(db_canon_path("/", &b, &err), 0);
	assert_string_equal(buf_str(&b), "/");
	assert_int_equal(db_canon_path("/no/such/dir/here", &b, &err), JK_EIO);
	buf_release(&b);
}

/* --- nodes ------------------------------------------------------------------ */

static void
test_put_get_overwrite_empty_value_and_missing(void **state)
{
	struct fx *fx = *state;

	set1(fx->db, "^A", "top");
	set1(fx->db, "^A(1,\"x\")", "v1");
	set1(fx->db, "^A(1,\"x\")", "v2");
	set1(fx->db, "^A(2)", "");
	assert_value(fx->db, "^A", "top");
	assert_value(fx->db, "^A(1,\"x\")", "v2");
	assert_value(fx->db, "^A(2)", "");
	assert_value(fx->db, "^A(1)", NULL);
	assert_value(fx->db, "^B", NULL);
}

static void
test_abort_discards_the_transaction(void **state)
{
	struct fx *fx = *state;
	struct db_txn *t;
	struct jk_key k = K("^A(1)");

	must(fx->db, db_txn_begin(fx->db, true, &t), "begin");
	must(fx->db, db_put(t, k.b, k.len, (const uint8_t *)"x", 1), "put");
	db_txn_abort(t);
	assert_value(fx->db, "^A(1)", NULL);
	db_txn_abort(NULL);
}

static void
test_transaction_state_errors(void **state)
{
	struct fx *fx = *state;
	struct db_txn *t, *t2;
	struct jk_key k = K("^A(1)");
	struct db_meta m;
	uint64_t n;

	must(fx->db, db_txn_begin(fx->db, false, &t), "begin");
	assert_ptr_equal(db_txn_db(t), fx->db);
	assert_int_equal(db_txn_begin(fx->db, false, &t2), JK_ESTATE);
	assert_int_equal(db_put(t, k.b, k.len, (const uint8_t *)"x", 1), JK_ESTATE);
	assert_int_equal(db_kill(t, k.b, k.len, DB_KILL_TREE, NULL, NULL, &n), JK_ESTATE);
	/* meta_set needs its own transaction; meta_get reads in the open one */
	must(fx->db, db_meta_get(fx->db, &m), "meta get");
	assert_int_equal(db_meta_set(fx->db, &m), JK_ESTATE);
	must(fx->db, db_txn_commit(t), "commit");
	assert_int_equal(db_txn_commit(t), JK_ESTATE);
	assert_int_equal(db_get(t, k.b, k.len, &(const uint8_t *){ NULL },
	    &(size_t){ 0 }), JK_ESTATE);
	assert_non_null(strstr(db_err(fx->db)->msg, "outside a transaction"));
}

static void
test_second_write_transaction_on_one_thread_is_refused(void **state)
{
	struct fx *fx = *state;
	struct jk_db *db2;
	struct db_txn *t, *t2;
	struct jk_err err;

	assert_int_equal(db_open(fx->dir, 0, &db2, &err), 0);
	must(fx->db, db_txn_begin(fx->db, true, &t), "begin");
	/* LMDB's writer lock would wait for ever: this thread holds it */
	assert_int_equal(db_txn_begin(db2, true, &t2), JK_ELOCKED);
	db_txn_abort(t);
	must(db2, db_txn_begin(db2, true, &t2), "begin after abort");
	must(db2, db_txn_commit(t2), "commit");
	db_close(db2);
}

static void
test_read_transaction_sees_its_snapshot_while_a_writer_commits(void **state)
{
	struct fx *fx = *state;
	struct jk_db *db2;
	struct db_txn *r;
	struct jk_key k = K("^A(1)");
	const uint8_t *v;
	size_t vn;
	struct jk_err err;

	set1(fx->db, "^A(1)", "old");
	assert_int_equal(db_open(fx->dir, 0, &db2, &err), 0);
	must(db2, db_txn_begin(db2, false, &r), "begin read");
	/* the writer is not blocked by the open reader */
	set1(fx->db, "^A(1)", "new");
	must(db2, db_get(r, k.b, k.len, &v, &vn), "get");
	assert_memory_equal(v, "old", 3);
	db_txn_abort(r);
	assert_value(db2, "^A(1)", "new");
	db_close(db2);
}

/* --- kills ------------------------------------------------------------------ */

/* Neighbours of ^A(1) that no kill of it may touch. */
static const char *const kill_fixture[] = {
	"^A", "^A(-1)", "^A(-1,1)", "^A(0)", "^A(1)", "^A(1,2)", "^A(1,2,3)",
	"^A(1,\"x\")", "^A(1.5)", "^A(10)", "^A(10,1)", "^A(2)", "^A(\"a\",1)",
	"^AB", "^AB(1)", "^B(1)",
};

struct seen {
	struct buf lines;
	int stop_after;		/* 0: never stop */
	int calls;
};

static int
record(void *arg, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
	struct seen *s = arg;

	zwr_format_line(&s->lines, k, kn, v, vn);
	buf_addc(&s->lines, '\n');
	if (++s->calls == s->stop_after)
		return 42;
	return 0;
}

/* Kill ref with mode in its own transaction; the callback's lines go to s. */
static int
kill1(struct jk_db *db, const char *ref, enum db_kill_mode mode, struct seen *s,
    uint64_t *n)
{
	struct db_txn *t;
	struct jk_key k = K(ref);
	int rc;

	must(db, db_txn_begin(db, true, &t), "begin");
	rc = db_kill(t, k.b, k.len, mode, s != NULL ? record : NULL, s, n);
	must(db, db_txn_commit(t), "commit");
	return rc;
}

static void
set_kill_fixture(struct jk_db *db)
{
	struct db_txn *t;
	struct jk_key k;
	size_t i;

	must(db, db_txn_begin(db, true, &t), "begin");
	for (i = 0; i < sizeof kill_fixture / sizeof kill_fixture[0]; i++) {
		k = K(kill_fixture[i]);
		/* each node's value is its own reference, so the callback shows both */
		must(db, db_put(t, k.b, k.len, (const uint8_t *)kill_fixture[i] + 1,
		    strlen(kill_fixture[i]) - 1), kill_fixture[i]);
	}
	must(db, db_txn_commit(t), "commit");
}

static void
test_kill_tree_removes_exactly_the_subtree(void **state)
{
	struct fx *fx = *state;
	struct seen s = { BUF_INIT, 0, 0 };
	uint64_t n;

	set_kill_fixture(fx->db);
	assert_int_equal(kill1(fx->db, "^A(1)", DB_KILL_TREE, &s, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(buf_str(&s.lines),
	    "^A(1)=\"A(1)\"\n"
	    "^A(1,2)=\"A(1,2)\"\n"
	    "^A(1,2,3)=\"A(1,2,3)\"\n"
	    "^A(1,\"x\")=\"A(1,\"\"x\"\")\"\n");
	assert_dump(fx->db,
	    "^A=\"A\"\n"
	    "^A(-1)=\"A(-1)\"\n"
	    "^A(-1,1)=\"A(-1,1)\"\n"
	    "^A(0)=\"A(0)\"\n"
	    "^A(1.5)=\"A(1.5)\"\n"
	    "^A(2)=\"A(2)\"\n"
	    "^A(10)=\"A(10)\"\n"
	    "^A(10,1)=\"A(10,1)\"\n"
	    "^A(\"a\",1)=\"A(\"\"a\"\",1)\"\n"
	    "^AB=\"AB\"\n"
	    "^AB(1)=\"AB(1)\"\n"
	    "^B(1)=\"B(1)\"\n");
	buf_release(&s.lines);
}

static void
test_kill_tree_of_a_negative_subscript_stops_at_its_terminator(void **state)
{
	struct fx *fx = *state;
	uint64_t n;

	/* a negative number's encoding ends in 0xFF: its subtree is still exact */
	set_kill_fixture(fx->db);
	assert_int_equal(kill1(fx->db, "^A(-1)", DB_KILL_TREE, NULL, &n), 0);
	assert_int_equal(n, 2);
	assert_value(fx->db, "^A", "A");
	assert_value(fx->db, "^A(0)", "A(0)");
	assert_value(fx->db, "^A(-1,1)", NULL);
}

static void
test_kill_tree_of_a_global_leaves_other_globals(void **state)
{
	struct fx *fx = *state;
	uint64_t n;

	set_kill_fixture(fx->db);
	assert_int_equal(kill1(fx->db, "^A", DB_KILL_TREE, NULL, &n), 0);
	assert_int_equal(n, 13);
	assert_dump(fx->db, "^AB=\"AB\"\n^AB(1)=\"AB(1)\"\n^B(1)=\"B(1)\"\n");
}

static void
test_kill_node_removes_only_the_node(void **state)
{
	struct fx *fx = *state;
	struct seen s = { BUF_INIT, 0, 0 };
	uint64_t n;

	set_kill_fixture(fx->db);
	assert_int_equal(kill1(fx->db, "^A(1)", DB_KILL_NODE, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(buf_str(&s.lines), "^A(1)=\"A(1)\"\n");
	assert_value(fx->db, "^A(1)", NULL);
	assert_value(fx->db, "^A(1,2)", "A(1,2)");
	assert_value(fx->db, "^A(1,2,3)", "A(1,2,3)");
	assert_value(fx->db, "^A(10)", "A(10)");
	/* a node without a value: nothing to remove, descendants stay */
	assert_int_equal(kill1(fx->db, "^A(1)", DB_KILL_NODE, NULL, &n), 0);
	assert_int_equal(n, 0);
	assert_value(fx->db, "^A(1,2)", "A(1,2)");
	buf_release(&s.lines);
}

static void
test_kill_desc_keeps_the_node(void **state)
{
	struct fx *fx = *state;
	struct seen s = { BUF_INIT, 0, 0 };
	uint64_t n;

	set_kill_fixture(fx->db);
	assert_int_equal(kill1(fx->db, "^A(1)", DB_KILL_DESC, &s, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(buf_str(&s.lines),
	    "^A(1,2)=\"A(1,2)\"\n"
	    "^A(1,2,3)=\"A(1,2,3)\"\n"
	    "^A(1,\"x\")=\"A(1,\"\"x\"\")\"\n");
	assert_value(fx->db, "^A(1)", "A(1)");
	assert_value(fx->db, "^A(10,1)", "A(10,1)");
	assert_value(fx->db, "^A(1.5)", "A(1.5)");
	buf_release(&s.lines);
}

static void
test_kill_of_a_missing_node_removes_nothing(void **state)
{
	struct fx *fx = *state;
	char *before, *after;
	uint64_t n = 99;

	set_kill_fixture(fx->db);
	before = dump(fx->db);
	assert_int_equal(kill1(fx->db, "^A(3)", DB_KILL_TREE, NULL, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(kill1(fx->db, "^AA", DB_KILL_TREE, NULL, &n), 0);
	assert_int_equal(kill1(fx->db, "^A(1,2,3)", DB_KILL_DESC, NULL, &n), 0);
	assert_int_equal(n, 0);
	after = dump(fx->db);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void
test_kill_callback_nonzero_stops_the_kill_and_is_returned(void **state)
{
	struct fx *fx = *state;
	struct seen s = { BUF_INIT, 2, 0 };
	uint64_t n;

	set_kill_fixture(fx->db);
	assert_int_equal(kill1(fx->db, "^A(1)", DB_KILL_TREE, &s, &n), 42);
	/* the first was removed; the second was refused before its removal */
	assert_int_equal(n, 1);
	assert_int_equal(s.calls, 2);
	assert_value(fx->db, "^A(1)", NULL);
	assert_value(fx->db, "^A(1,2)", "A(1,2)");
	buf_release(&s.lines);
}

static void
test_kill_of_a_large_subtree_spanning_many_pages(void **state)
{
	struct fx *fx = *state;
	struct db_txn *t;
	struct jk_key k;
	char ref[64], val[100];
	uint64_t n;
	int i;

	/* big enough for hundreds of leaf pages; neighbours on both sides */
	memset(val, 'v', sizeof val - 1);
	val[sizeof val - 1] = '\0';
	must(fx->db, db_txn_begin(fx->db, true, &t), "begin");
	for (i = 0; i < 20000; i++) {
		snprintf(ref, sizeof ref, "^A(%d,%d)", i % 3, i);
		k = K(ref);
		must(fx->db, db_put(t, k.b, k.len, (const uint8_t *)val, strlen(val)), ref);
	}
	must(fx->db, db_txn_commit(t), "commit");
	assert_int_equal(kill1(fx->db, "^A(1)", DB_KILL_DESC, NULL, &n), 0);
	assert_int_equal(n, 6667);
	assert_value(fx->db, "^A(0,19998)", val);
	assert_value(fx->db, "^A(2,19997)", val);
	assert_value(fx->db, "^A(1,19999)", NULL);
	assert_value(fx->db, "^A(1,1)", NULL);
	assert_int_equal(kill1(fx->db, "^A", DB_KILL_TREE, NULL, &n), 0);
	assert_int_equal(n, 20000 - 6667);
	assert_dump(fx->db, "");
}

/* --- $DATA, $ORDER, $QUERY ---------------------------------------------------- */

static int
data_of(struct jk_db *db, const char *ref)
{
	struct db_txn *t;
	struct jk_key k = K(ref);
	int d = -1;

	must(db, db_txn_begin(db, false, &t), "begin");
	must(db, db_data(t, k.b, k.len, &d), ref);
	db_txn_abort(t);
	return d;
}

static void
test_data_reports_all_four_values(void **state)
{
	struct fx *fx = *state;

	set_kill_fixture(fx->db);
	assert_int_equal(data_of(fx->db, "^A"), 11);
	assert_int_equal(data_of(fx->db, "^A(1)"), 11);
	assert_int_equal(data_of(fx->db, "^A(1,2,3)"), 1);
	assert_int_equal(data_of(fx->db, "^A(\"a\")"), 10);
	assert_int_equal(data_of(fx->db, "^B"), 10);
	assert_int_equal(data_of(fx->db, "^A(3)"), 0);
	assert_int_equal(data_of(fx->db, "^AA"), 0);
	assert_int_equal(data_of(fx->db, "^C"), 0);
	assert_int_equal(data_of(fx->db, "^A(1,2,3,4)"), 0);
}

/*
 * $ORDER from ref in direction dir, as the ZWR text of the sibling, or ""
 * at the end.  ref "" is the empty key: before the first global.
 */
static char *
order(struct jk_db *db, const char *ref, int dir)
{
	static char out[256];
	struct buf b = BUF_INIT;
	struct db_txn *t;
	struct jk_key k, nx;
	int rc;

	if (*ref == '\0')
		k.len = 0;
	else
		k = K(ref);
	must(db, db_txn_begin(db, false, &t), "begin");
	rc = db_order(t, k.b, k.len, dir, &nx);
	db_txn_abort(t);
	if (rc == JK_ENOTFOUND)
		return "";
	must(db, rc, ref);
	assert_int_equal(gref_format(&b, nx.b, nx.len, true), 0);
	snprintf(out, sizeof out, "%s", buf_str(&b));
	buf_release(&b);
	return out;
}

static void
test_order_walks_siblings_forwards_and_backwards_at_each_level(void **state)
{
	struct fx *fx = *state;

	set_kill_fixture(fx->db);
	/* first level, over the subtrees of each sibling */
	assert_string_equal(order(fx->db, "^A(-1)", 1), "^A(0)");
	assert_string_equal(order(fx->db, "^A(0)", 1), "^A(1)");
	assert_string_equal(order(fx->db, "^A(1)", 1), "^A(1.5)");
	assert_string_equal(order(fx->db, "^A(1.5)", 1), "^A(2)");
	assert_string_equal(order(fx->db, "^A(2)", 1), "^A(10)");
	assert_string_equal(order(fx->db, "^A(10)", 1), "^A(\"a\")");
	assert_string_equal(order(fx->db, "^A(\"a\")", 1), "");
	assert_string_equal(order(fx->db, "^A(\"a\")", -1), "^A(10)");
	assert_string_equal(order(fx->db, "^A(10)", -1), "^A(2)");
	assert_string_equal(order(fx->db, "^A(1.5)", -1), "^A(1)");
	assert_string_equal(order(fx->db, "^A(1)", -1), "^A(0)");
	assert_string_equal(order(fx->db, "^A(0)", -1), "^A(-1)");
	assert_string_equal(order(fx->db, "^A(-1)", -1), "");
	/* second and third level */
	assert_string_equal(order(fx->db, "^A(1,2)", 1), "^A(1,\"x\")");
	assert_string_equal(order(fx->db, "^A(1,\"x\")", 1), "");
	assert_string_equal(order(fx->db, "^A(1,\"x\")", -1), "^A(1,2)");
	assert_string_equal(order(fx->db, "^A(1,2)", -1), "");
	assert_string_equal(order(fx->db, "^A(1,2,3)", 1), "");
	assert_string_equal(order(fx->db, "^A(1,2,3)", -1), "");
	assert_string_equal(order(fx->db, "^A(10,1)", -1), "");
	assert_string_equal(order(fx->db, "^AB(1)", -1), "");
}

static void
test_order_starts_from_missing_keys_and_the_empty_string(void **state)
{
	struct fx *fx = *state;

	set_kill_fixture(fx->db);
	assert_string_equal(order(fx->db, "^A(\"\")", 1), "^A(-1)");
	assert_string_equal(order(fx->db, "^A(\"\")", -1), "^A(\"a\")");
	assert_string_equal(order(fx->db, "^A(1,\"\")", 1), "^A(1,2)");
	assert_string_equal(order(fx->db, "^A(1,\"\")", -1), "^A(1,\"x\")");
	assert_string_equal(order(fx->db, "^A(1,2,\"\")", 1), "^A(1,2,3)");
	assert_string_equal(order(fx->db, "^A(3,\"\")", 1), "");
	assert_string_equal(order(fx->db, "^A(3,\"\")", -1), "");
	assert_string_equal(order(fx->db, "^A(5)", 1), "^A(10)");
	assert_string_equal(order(fx->db, "^A(5)", -1), "^A(2)");
	assert_string_equal(order(fx->db, "^A(-5)", 1), "^A(-1)");
	assert_string_equal(order(fx->db, "^A(-.5)", -1), "^A(-1)");
	assert_string_equal(order(fx->db, "^A(\"b\")", -1), "^A(\"a\")");
	assert_string_equal(order(fx->db, "^A(1,1)", 1), "^A(1,2)");
	assert_string_equal(order(fx->db, "^A(1,3)", -1), "^A(1,2)");
}

static void
test_order_without_subscripts_walks_global_names(void **state)
{
	struct fx *fx = *state;

	set_kill_fixture(fx->db);
	set1(fx->db, "^%Z(1)", "z");
	assert_string_equal(order(fx->db, "", 1), "^%Z");
	assert_string_equal(order(fx->db, "^%Z", 1), "^A");
	assert_string_equal(order(fx->db, "^A", 1), "^AB");
	assert_string_equal(order(fx->db, "^AB", 1), "^B");
	assert_string_equal(order(fx->db, "^B", 1), "");
	assert_string_equal(order(fx->db, "", -1), "^B");
	assert_string_equal(order(fx->db, "^B", -1), "^AB");
	assert_string_equal(order(fx->db, "^AB", -1), "^A");
	assert_string_equal(order(fx->db, "^A", -1), "^%Z");
	assert_string_equal(order(fx->db, "^%Z", -1), "");
	/* from names that are not there */
	assert_string_equal(order(fx->db, "^AA", 1), "^AB");
	assert_string_equal(order(fx->db, "^AA", -1), "^A");
	assert_string_equal(order(fx->db, "^Z", -1), "^B");
	assert_string_equal(order(fx->db, "^Z", 1), "");
}

static int
cmp_keys(const void *a, const void *b)
{
	const struct jk_key *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->b, y->b, n);

	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static void
test_query_walk_equals_the_sorted_key_list(void **state)
{
	struct fx *fx = *state;
	enum { N = 3000 };
	static struct jk_key keys[N];
	static const char *const names[] = { "A", "AB", "B", "%x", "Zz9" };
	struct db_txn *t;
	struct jk_key k;
	struct jk_err err;
	char sub[32];
	size_t n = 0, i;
	int rc, d, nsub;

	must(fx->db, db_txn_begin(fx->db, true, &t), "begin");
	for (i = 0; i < N; i++) {
		const char *name = names[rng() % 5];

		assert_int_equal(gref_key_init(&k, name, strlen(name), &err), 0);
		nsub = (int)(rng() % 4);
		for (d = 0; d < nsub; d++) {
			switch (rng() % 3) {
			case 0:
				snprintf(sub, sizeof sub, "%d", (int)(rng() % 200) - 100);
				break;
			case 1:
				snprintf(sub, sizeof sub, "%d.%d", (int)(rng() % 20) - 10,
				    (int)(rng() % 9) + 1);
				break;
			default:
				snprintf(sub, sizeof sub, "s%d", (int)(rng() % 50));
				break;
			}
			assert_int_equal(gref_key_add(&k, (uint8_t *)sub, strlen(sub), &err), 0);
		}
		must(fx->db, db_put(t, k.b, k.len, (const uint8_t *)"v", 1), "put");
		keys[n++] = k;
	}
	must(fx->db, db_txn_commit(t), "commit");
	qsort(keys, n, sizeof keys[0], cmp_keys);
	/* drop duplicates: the same node set twice */
	for (i = 1, d = 1; i < n; i++)
		if (cmp_keys(&keys[i], &keys[d - 1]) != 0)
			keys[d++] = keys[i];
	n = (size_t)d;

	must(fx->db, db_txn_begin(fx->db, false, &t), "begin");
	k.len = 0;
	for (i = 0; (rc = db_query(t, k.b, k.len, 1, &k)) == 0; i++) {
		assert_true(i < n);
		assert_int_equal(cmp_keys(&k, &keys[i]), 0);
	}
	assert_int_equal(rc, JK_ENOTFOUND);
	assert_int_equal(i, n);
	k.len = 0;
	for (i = n; (rc = db_query(t, k.b, k.len, -1, &k)) == 0; i--) {
		assert_true(i > 0);
		assert_int_equal(cmp_keys(&k, &keys[i - 1]), 0);
	}
	assert_int_equal(rc, JK_ENOTFOUND);
	assert_int_equal(i, 0);
	db_txn_abort(t);
}

static void
test_query_from_missing_nodes_and_nodes_without_value(void **state)
{
	struct fx *fx = *state;
	struct db_txn *t;
	struct jk_key k, nx;
	struct buf b = BUF_INIT;

	set_kill_fixture(fx->db);
	must(fx->db, db_txn_begin(fx->db, false, &t), "begin");
	k = K("^A(\"a\")");	/* no value, has a descendant */
	must(fx->db, db_query(t, k.b, k.len, 1, &nx), "query");
	assert_int_equal(gref_format(&b, nx.b, nx.len, true), 0);
	assert_string_equal(buf_str(&b), "^A(\"a\",1)");
	k = K("^A(5)");
	must(fx->db, db_query(t, k.b, k.len, -1, &nx), "query");
	buf_reset(&b);
	assert_int_equal(gref_format(&b, nx.b, nx.len, true), 0);
	assert_string_equal(buf_str(&b), "^A(2)");
	k = K("^C");
	assert_int_equal(db_query(t, k.b, k.len, 1, &nx), JK_ENOTFOUND);
	k = K("^%");
	assert_int_equal(db_query(t, k.b, k.len, -1, &nx), JK_ENOTFOUND);
	db_txn_abort(t);
	buf_release(&b);
}

/* --- limits ------------------------------------------------------------------ */

static void
test_limits_are_refused_with_nothing_written(void **state)
{
	struct fx *fx = *state;
	struct db_txn *t;
	uint8_t key[JK_KEY_MAX + 1];
	uint8_t *big = calloc(1, JK_VAL_MAX + 1);
	struct jk_key k = K("^A(1)");
	const uint8_t *v;
	size_t vn;

	/* ^A("xxx...") with a string subscript long enough to pass the limit */
	memcpy(key, "A\0\x80", 3);
	memset(key + 3, 'x', sizeof key - 4);
	key[sizeof key - 1] = 0;

	must(fx->db, db_txn_begin(fx->db, true, &t), "begin");
	assert_int_equal(db_put(t, key, sizeof key, (const uint8_t *)"v", 1), JK_ELIMIT);
	assert_non_null(strstr(db_err(fx->db)->msg, "512 bytes"));
	assert_non_null(strstr(db_err(fx->db)->msg, db_path(fx->db)));
	assert_int_equal(db_put(t, k.b, k.len, big, JK_VAL_MAX + 1), JK_ELIMIT);
	assert_non_null(strstr(db_err(fx->db)->msg, "^A(1)"));
	/* the transaction is still good; the largest allowed fit */
	key[sizeof key - 2] = 0;
	must(fx->db, db_put(t, key, sizeof key - 1, (const uint8_t *)"v", 1), "511-byte key");
	must(fx->db, db_put(t, k.b, k.len, big, JK_VAL_MAX), "1 MiB value");
	must(fx->db, db_txn_commit(t), "commit");

	must(fx->db, db_txn_begin(fx->db, false, &t), "begin");
	must(fx->db, db_get(t, k.b, k.len, &v, &vn), "get");
	assert_int_equal(vn, JK_VAL_MAX);
	assert_int_equal(db_get(t, key, sizeof key, &v, &vn), JK_ELIMIT);
	db_txn_abort(t);
	assert_int_equal(data_of(fx->db, "^A"), 10);
	assert_int_equal(data_of(fx->db, "^A(1)"), 1);
	free(big);
}

/* --- meta --------------------------------------------------------------------- */

static void
test_meta_defaults_round_trip_and_persist(void **state)
{
	struct fx *fx = *state;
	struct db_meta m, m2;
	struct jk_err err;
	uint64_t now = (uint64_t)time(NULL);

	must(fx->db, db_meta_get(fx->db, &m), "meta get");
	assert_true(m.id != 0);
	assert_true(m.journaled);
	assert_int_equal(m.ckpt.file_id, 0);
	assert_int_equal(m.ckpt.offset, 0);
	assert_string_equal(m.ckpt.path, "");
	assert_true(m.created <= now && m.created + 60 >= now);

	m.journaled = false;
	m.ckpt.file_id = 0x0102030405060708ull;
	m.ckpt.offset = 134388;
	snprintf(m.ckpt.path, sizeof m.ckpt.path, "/srv/jrn/journal/20261120.002");
	must(fx->db, db_meta_set(fx->db, &m), "meta set");
	db_close(fx->db);
	fx->db = NULL;
	assert_int_equal(db_open(fx->dir, 0, &fx->db, &err), 0);
	must(fx->db, db_meta_get(fx->db, &m2), "meta get");
	assert_int_equal(m2.id, m.id);
	assert_false(m2.journaled);
	assert_int_equal(m2.ckpt.file_id, m.ckpt.file_id);
	assert_int_equal(m2.ckpt.offset, 134388);
	assert_string_equal(m2.ckpt.path, m.ckpt.path);
	assert_int_equal(m2.created, m.created);

	/* a path filling the field has no room for its NUL */
	memset(m.ckpt.path, 'p', sizeof m.ckpt.path);
	assert_int_equal(db_meta_set(fx->db, &m), JK_EUSAGE);
	must(fx->db, db_meta_get(fx->db, &m2), "meta get");
	assert_string_equal(m2.ckpt.path, "/srv/jrn/journal/20261120.002");
}

static void
test_two_databases_get_different_ids(void **state)
{
	struct fx *fx = *state;
	struct jk_db *db2;
	struct db_meta m, m2;
	struct jk_err err;
	char p[PATH_MAX];

	snprintf(p, sizeof p, "%s/db2", fx->top);
	assert_int_equal(db_create(p, &err), 0);
	assert_int_equal(db_open(p, 0, &db2, &err), 0);
	must(fx->db, db_meta_get(fx->db, &m), "meta get");
	must(db2, db_meta_get(db2, &m2), "meta get");
	assert_true(m.id != m2.id);
	db_close(db2);
}

/* --- sharing ------------------------------------------------------------------ */

static void
test_same_dir_opened_twice_shares_one_environment(void **state)
{
	struct fx *fx = *state;
	struct jk_db *db2, *db3;
	struct jk_err err;
	char link[PATH_MAX];

	snprintf(link, sizeof link, "%s/alias", fx->top);
	assert_int_equal(symlink("db", link), 0);
	assert_int_equal(db_open(fx->dir, 0, &db2, &err), 0);
	assert_int_equal(db_open(link, DB_RDONLY, &db3, &err), 0);
	assert_string_equal(db_path(db3), db_path(fx->db));
	set1(db2, "^S(1)", "from db2");
	assert_value(fx->db, "^S(1)", "from db2");
	assert_value(db3, "^S(1)", "from db2");
	db_close(db2);
	/* the others keep the environment */
	set1(fx->db, "^S(2)", "after");
	assert_value(db3, "^S(2)", "after");
	db_close(db3);
	assert_value(fx->db, "^S(1)", "from db2");
}

/* Write ^P(who,i) for i in 1..n in transactions of 10, in a fresh handle. */
static int
write_many(const char *dir, int who, int n)
{
	struct jk_db *db;
	struct db_txn *t;
	struct jk_key k;
	struct jk_err err;
	char ref[64], val[32];
	int i, rc;

	if ((rc = db_open(dir, 0, &db, &err)) != 0)
		return rc;
	for (i = 1; i <= n && rc == 0; i++) {
		if ((i - 1) % 10 == 0 && (rc = db_txn_begin(db, true, &t)) != 0)
			break;
		snprintf(ref, sizeof ref, "^P(%d,%d)", who, i);
		snprintf(val, sizeof val, "%d:%d", who, i);
		k = K(ref);
		rc = db_put(t, k.b, k.len, (const uint8_t *)val, strlen(val));
		if (rc == 0 && (i % 10 == 0 || i == n))
			rc = db_txn_commit(t);
	}
	db_close(db);
	return rc;
}

static void
test_two_processes_write_concurrently_and_all_writes_are_there(void **state)
{
	struct fx *fx = *state;
	enum { N = 3000 };
	pid_t kid;
	int status, i, n = 0;
	char ref[64], val[32];
	struct db_txn *t;
	struct jk_key k;
	const uint8_t *v;
	size_t vn;

	/* the parent has the database open: the child must not use that environment */
	set1(fx->db, "^P(0,0)", "before");
	kid = fork();
	assert_true(kid >= 0);
	if (kid == 0)
		_exit(write_many(fx->dir, 1, N) == 0 ? 0 : 1);
	assert_int_equal(write_many(fx->dir, 2, N), 0);
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	must(fx->db, db_txn_begin(fx->db, false, &t), "begin");
	for (int who = 1; who <= 2; who++)
		for (i = 1; i <= N; i++) {
			snprintf(ref, sizeof ref, "^P(%d,%d)", who, i);
			snprintf(val, sizeof val, "%d:%d", who, i);
			k = K(ref);
			must(fx->db, db_get(t, k.b, k.len, &v, &vn), ref);
			assert_int_equal(vn, strlen(val));
			assert_memory_equal(v, val, vn);
			n++;
		}
	db_txn_abort(t);
	assert_int_equal(n, 2 * N);
	assert_value(fx->db, "^P(0,0)", "before");
}

/* --- check --------------------------------------------------------------------- */

static void
test_check_is_clean_on_a_good_database(void **state)
{
	struct fx *fx = *state;
	struct db_check_report r;
	struct jk_err err;

	set_kill_fixture(fx->db);
	assert_int_equal(db_check(fx->dir, &r, &err), 0);
	assert_int_equal(r.nodes, 16);
	assert_int_equal(r.globals, 3);
	assert_int_equal(r.bad_keys, 0);
	assert_int_equal(r.bad_values, 0);
	assert_true(r.meta_ok);
	assert_string_equal(r.first_problem, "");
}

/* Put key -> val in the named LMDB table of dir, behind the library's back. */
static void
raw_put(const char *dir, const char *table, const void *key, size_t kn,
    const void *val, size_t vn)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { kn, (void *)key }, v = { vn, (void *)val };

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_WRITEMAP, 0666), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, table, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
test_check_reports_a_key_that_does_not_decode(void **state)
{
	struct fx *fx = *state;
	struct db_check_report r;
	struct jk_err err;
	/* ^A with a "positive number" subscript missing its terminator */
	static const uint8_t bad[] = { 'A', 0, 0x60, 0x81 };

	set_kill_fixture(fx->db);
	db_close(fx->db);	/* LMDB allows one environment per file per process */
	fx->db = NULL;
	raw_put(fx->dir, "data", bad, sizeof bad, "v", 1);
	assert_int_equal(db_check(fx->dir, &r, &err), JK_ECORRUPT);
	assert_int_equal(r.nodes, 17);
	assert_int_equal(r.bad_keys, 1);
	assert_true(r.meta_ok);
	/* ^A, ^A(-1), ^A(-1,1), ^A(0), then the bad key: 0x60 sorts after 0x40 (zero) */
	assert_string_equal(r.first_problem,
	    "key at position 5 does not decode: 41006081");
	assert_non_null(strstr(err.msg, r.first_problem));
}

static void
test_check_reports_a_damaged_meta_record(void **state)
{
	struct fx *fx = *state;
	struct db_check_report r;
	struct jk_err err;
	uint8_t junk[60];

	memset(junk, 0, sizeof junk);
	memcpy(junk, "JKDB\1\0", 6);
	db_close(fx->db);
	fx->db = NULL;
	raw_put(fx->dir, "meta", "db", 2, junk, sizeof junk);
	assert_int_equal(db_check(fx->dir, &r, &err), JK_ECORRUPT);
	assert_false(r.meta_ok);
	assert_int_equal(r.bad_keys, 0);
	assert_non_null(strstr(r.first_problem, "meta record"));
}

static void
test_check_of_a_directory_without_a_database_is_notfound(void **state)
{
	struct fx *fx = *state;
	struct db_check_report r;
	struct jk_err err;

	assert_int_equal(db_check(fx->top, &r, &err), JK_ENOTFOUND);
	assert_string_not_equal(r.first_problem, "");
}

/* --- read only ----------------------------------------------------------------- */

static void
test_read_only_open_refuses_writes_and_reads(void **state)
{
	struct fx *fx = *state;
	struct jk_db *ro;
	struct db_txn *t;
	struct db_meta m;
	struct jk_err err;

	set1(fx->db, "^R", "r");
	assert_int_equal(db_open(fx->dir, DB_RDONLY, &ro, &err), 0);
	assert_int_equal(db_txn_begin(ro, true, &t), JK_ESTATE);
	assert_null(t);
	assert_non_null(strstr(db_err(ro)->msg, "read-only"));
	must(ro, db_meta_get(ro, &m), "meta get");
	assert_int_equal(db_meta_set(ro, &m), JK_ESTATE);
	assert_value(ro, "^R", "r");
	must(ro, db_sync(ro), "sync");
	db_close(ro);
	assert_int_equal(db_open(fx->dir, 0x100, &ro, &err), JK_EUSAGE);
}

static void
test_sync_flushes_without_error(void **state)
{
	struct fx *fx = *state;

	set1(fx->db, "^S", "s");
	must(fx->db, db_sync(fx->db), "sync");
}

/* --- deferred updates ------------------------------------------------------- */

/* A random reference among keys that share long prefixes and nest, so kills overlap sets. */
static struct jk_key
random_key(char *text, size_t n)
{
	static const char *const names[] = { "A", "ABCDEFGHIJ", "ABCDEFGHIK" };
	const char *name = names[rng() % 3];

	switch (rng() % 16) {
	case 15:
		snprintf(text, n, "^%s", name);
		break;
	case 0: case 1: case 2: case 3: case 4:
		snprintf(text, n, "^%s(%u)", name, (unsigned)(rng() % 40));
		break;
	case 5: case 6: case 7: case 8: case 9:
		snprintf(text, n, "^%s(%u,%u)", name, (unsigned)(rng() % 40), (unsigned)(rng() % 5));
		break;
	default:
		snprintf(text, n, "^%s(%u,\"%c\")", name, (unsigned)(rng() % 40), 'a' + (int)(rng() % 3));
		break;
	}
	return K(text);
}

/*
 * Raw keys that are prefixes of one another and differ only in trailing
 * zero bytes ("k", "k\0", "k\0\0\1"...): the database takes any bytes, and
 * the sort pads keys with zeros, so these tie on padded bytes and must be
 * put in order by length.
 */
static struct jk_key
raw_key(char *text, size_t n)
{
	static const uint8_t alpha[] = { 0, 0, 0, 1, 'k' };
	struct jk_key k;
	size_t len = 1 + rng() % 20, i;

	k.b[0] = 'k';
	for (i = 1; i < len; i++)
		k.b[i] = alpha[rng() % sizeof alpha];
	k.len = len;
	snprintf(text, n, "raw key of %zu bytes", len);
	return k;
}

/*
 * Random puts and kills of the three kinds, applied in order to one database
 * and deferred in another, committing at random points: the two must hold
 * the same nodes after every commit.  Kills of every kind at every level,
 * whole globals included, meet sets before and after them in one batch.
 */
static void
deferred_against_in_order(struct fx *fx, struct jk_key (*key)(char *, size_t), char *(*dumpf)(struct jk_db *),
    int rounds, int most)
{
	struct jk_db *db2;
	struct db_txn *t1, *t2;
	struct jk_err err;
	struct jk_key k;
	char dir2[PATH_MAX + 8], text[64], val[32];
	char *a, *b;
	int round, i, op;

	snprintf(dir2, sizeof dir2, "%s/db2", fx->top);
	assert_int_equal(db_create(dir2, &err), 0);
	assert_int_equal(db_open(dir2, 0, &db2, &err), 0);
	for (round = 0; round < rounds; round++) {
		must(fx->db, db_txn_begin(fx->db, true, &t1), "begin 1");
		must(db2, db_txn_begin(db2, true, &t2), "begin 2");
		for (i = (int)(rng() % (unsigned)most); i > 0; i--) {
			k = key(text, sizeof text);
			op = (int)(rng() % 20);
			if (op < 17) {
				snprintf(val, sizeof val, "v%d.%d", round, i);
				must(fx->db, db_put(t1, k.b, k.len, (const uint8_t *)val, strlen(val)), text);
				must(db2, db_defer_put(t2, k.b, k.len, (const uint8_t *)val, strlen(val)), text);
			} else {
				enum db_kill_mode m = op == 17 ? DB_KILL_TREE : op == 18 ? DB_KILL_NODE : DB_KILL_DESC;

				must(fx->db, db_kill(t1, k.b, k.len, m, NULL, NULL, NULL), text);
				must(db2, db_defer_kill(t2, k.b, k.len, m), text);
			}
		}
		if (rng() % 7 == 0) {
			/* an abort drops the deferred updates too */
			db_txn_abort(t1);
			db_txn_abort(t2);
			continue;
		}
		must(fx->db, db_txn_commit(t1), "commit 1");
		must(db2, db_txn_commit(t2), "commit 2");
		a = dumpf(fx->db);
		b = dumpf(db2);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	a = dumpf(fx->db);
	assert_true(strlen(a) > 100);
	free(a);
	db_close(db2);
}

static void
test_deferred_updates_give_the_same_database_as_applying_in_order(void **state)
{
	deferred_against_in_order(*state, random_key, dump, 120, 400);
}

static void
test_deferred_raw_keys_that_tie_on_padding_keep_their_order(void **state)
{
	deferred_against_in_order(*state, raw_key, dump_raw, 60, 600);
}

/*
 * The batch writer against updates applied in order: batches handed over
 * with and without a commit at random points, some dropped (db_batch_abort
 * against an abort of the same updates), the database read through a
 * second handle after each commit.
 */
static void
test_batch_writer_gives_the_same_database_as_applying_in_order(void **state)
{
	struct fx *fx = *state;
	struct jk_db *db2, *rd;
	struct db_batch *b;
	struct db_txn *t1;
	struct jk_err err;
	struct jk_key k;
	char dir2[PATH_MAX + 8], text[64], val[32];
	char *x, *y;
	int round, i, op;

	snprintf(dir2, sizeof dir2, "%s/db2", fx->top);
	assert_int_equal(db_create(dir2, &err), 0);
	assert_int_equal(db_open(dir2, 0, &db2, &err), 0);
	assert_int_equal(db_open(dir2, DB_RDONLY, &rd, &err), 0);
	must(db2, db_batch_open(db2, &b), "batch open");
	for (round = 0; round < 150; round++) {
		must(fx->db, db_txn_begin(fx->db, true, &t1), "begin 1");
		for (i = (int)(rng() % 600); i > 0; i--) {
			k = random_key(text, sizeof text);
			op = (int)(rng() % 20);
			if (op < 17) {
				snprintf(val, sizeof val, "v%d.%d", round, i);
				must(fx->db, db_put(t1, k.b, k.len, (const uint8_t *)val, strlen(val)), text);
				assert_int_equal(db_batch_put(b, k.b, k.len, (const uint8_t *)val, strlen(val)), 0);
			} else {
				enum db_kill_mode m = op == 17 ? DB_KILL_TREE : op == 18 ? DB_KILL_NODE : DB_KILL_DESC;

				must(fx->db, db_kill(t1, k.b, k.len, m, NULL, NULL, NULL), text);
				assert_int_equal(db_batch_kill(b, k.b, k.len, m), 0);
			}
			if (rng() % 150 == 0)	/* a part, into the writer's open transaction */
				assert_int_equal(db_batch_submit(b, false), 0);
		}
		if (rng() % 7 == 0) {
			db_txn_abort(t1);
			assert_int_equal(db_batch_abort(b), 0);
			continue;
		}
		must(fx->db, db_txn_commit(t1), "commit 1");
		assert_int_equal(db_batch_submit(b, true), 0);
		if (rng() % 3 != 0)
			continue;	/* compared later, with the next batch in the writer's hands */
		assert_int_equal(db_batch_wait(b), 0);
		x = dump(fx->db);
		y = dump(rd);
		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	assert_int_equal(db_batch_wait(b), 0);
	x = dump(fx->db);
	y = dump(rd);
	assert_string_equal(x, y);
	assert_true(strlen(x) > 100);
	free(x);
	free(y);
	db_batch_close(b);
	db_close(rd);
	db_close(db2);
}

/* A refused update changes nothing and says why on the batch; what is not committed at close is dropped. */
static void
test_batch_writer_checks_and_close(void **state)
{
	struct fx *fx = *state;
	struct db_batch *b;
	struct jk_key k = K("^C(1)");
	static uint8_t big[JK_VAL_MAX + 1];

	must(fx->db, db_batch_open(fx->db, &b), "batch open");
	assert_int_equal(db_batch_put(b, k.b, 0, big, 1), JK_EUSAGE);
	assert_non_null(strstr(db_batch_err(b)->msg, "empty key"));
	assert_int_equal(db_batch_put(b, k.b, k.len, big, sizeof big), JK_ELIMIT);
	assert_non_null(strstr(db_batch_err(b)->msg, "over the limit"));
	assert_int_equal(db_batch_kill(b, k.b, k.len, (enum db_kill_mode)9), JK_EUSAGE);
	assert_int_equal(db_batch_put(b, k.b, k.len, (const uint8_t *)"one", 3), 0);
	assert_int_equal(db_batch_submit(b, true), 0);
	assert_int_equal(db_batch_put(b, k.b, k.len, (const uint8_t *)"two", 3), 0);
	assert_int_equal(db_batch_submit(b, false), 0);	/* written, not committed */
	assert_int_equal(db_batch_put(b, k.b, k.len, (const uint8_t *)"three", 5), 0);
	db_batch_close(b);
	assert_value(fx->db, "^C(1)", "one");
	/* the handle is free again */
	must(fx->db, db_batch_open(fx->db, &b), "batch open again");
	db_batch_close(b);
}

/* More deferred updates than are held go into the transaction as they come, still in order. */
static void
test_deferred_updates_past_the_bound_are_flushed_in_order(void **state)
{
	struct fx *fx = *state;
	struct db_txn *t;
	struct jk_key k;
	char text[64], val[32];
	int i;

	must(fx->db, db_txn_begin(fx->db, true, &t), "begin");
	for (i = 0; i < 300000; i++) {
		snprintf(text, sizeof text, "^B(%d)", i % 1000);
		snprintf(val, sizeof val, "%d", i);
		k = K(text);
		must(fx->db, db_defer_put(t, k.b, k.len, (const uint8_t *)val, strlen(val)), text);
	}
	k = K("^B(999)");
	must(fx->db, db_defer_kill(t, k.b, k.len, DB_KILL_TREE), "kill");
	must(fx->db, db_txn_commit(t), "commit");
	assert_value(fx->db, "^B(0)", "299000");
	assert_value(fx->db, "^B(998)", "299998");
	assert_value(fx->db, "^B(999)", NULL);
}

static void
test_deferred_updates_are_checked_as_they_come(void **state)
{
	struct fx *fx = *state;
	struct db_txn *t;
	uint8_t big[JK_KEY_MAX + 8];

	memset(big, 'x', sizeof big);
	must(fx->db, db_txn_begin(fx->db, true, &t), "begin");
	assert_int_equal(db_defer_put(t, big, 0, big, 1), JK_EUSAGE);
	assert_int_equal(db_defer_kill(t, big, 0, DB_KILL_TREE), JK_EUSAGE);
	db_txn_abort(t);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_open_close_reopen_keeps_data),
		T(test_create_refuses_an_existing_database),
		T(test_open_without_a_database_is_notfound),
		T(test_canon_path_is_absolute_resolved_with_one_trailing_slash),
		T(test_put_get_overwrite_empty_value_and_missing),
		T(test_abort_discards_the_transaction),
		T(test_transaction_state_errors),
		T(test_second_write_transaction_on_one_thread_is_refused),
		T(test_read_transaction_sees_its_snapshot_while_a_writer_commits),
		T(test_kill_tree_removes_exactly_the_subtree),
		T(test_kill_tree_of_a_negative_subscript_stops_at_its_terminator),
		T(test_kill_tree_of_a_global_leaves_other_globals),
		T(test_kill_node_removes_only_the_node),
		T(test_kill_desc_keeps_the_node),
		T(test_kill_of_a_missing_node_removes_nothing),
		T(test_kill_callback_nonzero_stops_the_kill_and_is_returned),
		T(test_kill_of_a_large_subtree_spanning_many_pages),
		T(test_data_reports_all_four_values),
		T(test_order_walks_siblings_forwards_and_backwards_at_each_level),
		T(test_order_starts_from_missing_keys_and_the_empty_string),
		T(test_order_without_subscripts_walks_global_names),
		T(test_query_walk_equals_the_sorted_key_list),
		T(test_query_from_missing_nodes_and_nodes_without_value),
		T(test_limits_are_refused_with_nothing_written),
		T(test_meta_defaults_round_trip_and_persist),
		T(test_two_databases_get_different_ids),
		T(test_same_dir_opened_twice_shares_one_environment),
		T(test_two_processes_write_concurrently_and_all_writes_are_there),
		T(test_check_is_clean_on_a_good_database),
		T(test_check_reports_a_key_that_does_not_decode),
		T(test_check_reports_a_damaged_meta_record),
		T(test_check_of_a_directory_without_a_database_is_notfound),
		T(test_read_only_open_refuses_writes_and_reads),
		T(test_sync_flushes_without_error),
		T(test_deferred_updates_give_the_same_database_as_applying_in_order),
		T(test_deferred_raw_keys_that_tie_on_padding_keep_their_order),
		T(test_batch_writer_gives_the_same_database_as_applying_in_order),
		T(test_batch_writer_checks_and_close),
		T(test_deferred_updates_past_the_bound_are_flushed_in_order),
		T(test_deferred_updates_are_checked_as_they_come),
	};
#undef T
	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
