/*
 * test_rst.c - the restore engine: a backup plus the journals gives the
 * live databases back, node for node; every start and stop point; redirection
 * and global patterns; incomplete transactions rolled back or applied; an
 * interrupted restore resumed equals an uninterrupted one; damaged journals
 * under both policies; database errors under both policies; the plan's
 * validation messages; locks against writers.
 *
 * The fixture: an instance whose journal files switch every 48 KiB, with
 * three databases (its own db/user/ and two beside it).  Most tests take a
 * "backup" (copies of the database directories while no one writes), run a
 * random workload, and restore the journals onto the copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dblock.h"
#include "jk.h"
#include "rst.h"
#include "util/dbdump.h"
#include "util/tmpdir.h"

#define NDB 3

static char top[4096];
static char inst[4200];
static char live[NDB][4200];	/* canonical, trailing '/' */
static uint64_t seed;

static uint64_t
rnd(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return seed >> 33;
}

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
	assert_int_equal(tu_mkdtemp(top, sizeof top, "test_rst"), 0);
	snprintf(inst, sizeof inst, "%s/inst", top);
	jk_err_clear(&err);
	if (jk_init(inst, &err) != 0)
		fail_msg("jk_init: %s", err.msg);
	assert_int_equal(inst_conf_load(inst, &c, NULL), 0);
	c.max_size = 48 * 1024;
	c.commit = JK_COMMIT_NONE;
	assert_int_equal(inst_conf_save(inst, &c, NULL), 0);
	snprintf(d, sizeof d, "%s/db/user", inst);
	canon(d, live[0], sizeof live[0]);
	snprintf(d, sizeof d, "%s/db/acct", top);
	assert_int_equal(db_create(d, NULL), 0);
	canon(d, live[1], sizeof live[1]);
	snprintf(d, sizeof d, "%s/db/tmp", top);
	assert_int_equal(db_create(d, NULL), 0);
	canon(d, live[2], sizeof live[2]);
	seed = 20261120;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmtree(top);
	return 0;
}

static struct jk *
open_inst(struct jk_db *dbs[NDB])
{
	struct jk_err err;
	struct jk *j;
	int i;

	jk_err_clear(&err);
	if (jk_open(inst, &j, &err) != 0)
		fail_msg("jk_open: %s", err.msg);
	for (i = 0; dbs != NULL && i < NDB; i++)
		if (jk_db(j, live[i], &dbs[i]) != 0)
			fail_msg("jk_db %s: %s", live[i], jk_err(j)->msg);
	return j;
}

static void
key(struct jk_key *k, const char *ref)
{
	struct jk_err err;
	size_t end;

	if (gref_parse(ref, strlen(ref), k, &end, &err) != 0)
		fail_msg("gref_parse %s: %s", ref, err.msg);
}

static void
set(struct jk *j, struct jk_db *db, const char *ref, const char *v)
{
	struct jk_key k;

	key(&k, ref);
	if (jk_set(j, db, &k, (const uint8_t *)v, strlen(v)) != 0)
		fail_msg("jk_set %s: %s", ref, jk_err(j)->msg);
}

/* A copy of database i (or any directory) at top/name. */
static void
copy_db(const char *from, const char *name, char *out, size_t n)
{
	char d[4300];

	snprintf(d, sizeof d, "%s/%s", top, name);
	sh("rm -rf '%s' && cp -a '%s' '%s' && rm -f '%s/%s'", d, from, d, d, DBLOCK_FILE);
	canon(d, out, n);
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

static int
count_nodes(const char *dir)
{
	struct buf x = BUF_INIT;
	size_t i;
	int n = 0;

	tu_db_dump(dir, &x);
	for (i = 0; i < x.len; i++)
		n += x.data[i] == '\n';
	buf_release(&x);
	return n;
}

/* The value of ref in the database at dir, or NULL (static storage). */
static const char *
value(const char *dir, const char *ref)
{
	static char out[256];
	struct jk_db *db;
	struct db_txn *t;
	struct jk_key k;
	const uint8_t *v;
	size_t vn;
	const char *r = NULL;

	key(&k, ref);
	assert_int_equal(db_open(dir, DB_RDONLY, &db, NULL), 0);
	assert_int_equal(db_txn_begin(db, false, &t), 0);
	if (db_get(t, k.b, k.len, &v, &vn) == 0) {
		snprintf(out, sizeof out, "%.*s", (int)vn, (const char *)v);
		r = out;
	}
	db_txn_abort(t);
	db_close(db);
	return r;
}

/* ---- the workload ---------------------------------------------------------------- */

static const char *const globals[] = { "A", "B", "Acct", "Bal1x", "Balzx", "Zz" };

static void
rand_ref(char *out, size_t n)
{
	const char *g = globals[rnd() % 6];
	unsigned i = (unsigned)(rnd() % 12);

	switch (rnd() % 4) {
	case 0:
		snprintf(out, n, "^%s", g);
		break;
	case 1:
		snprintf(out, n, "^%s(%u)", g, i);
		break;
	default:
		snprintf(out, n, "^%s(%u,\"s%u\")", g, i, (unsigned)(rnd() % 5));
	}
}

static void
rand_update(struct jk *j, struct jk_db *dbs[NDB])
{
	struct jk_db *db = dbs[rnd() % NDB];
	struct buf res = BUF_INIT;
	struct jk_key k;
	char ref[128], v[64];
	unsigned op = (unsigned)(rnd() % 100);
	int rc = 0;

	rand_ref(ref, sizeof ref);
	key(&k, ref);
	if (op < 55) {
		snprintf(v, sizeof v, "v%" PRIu64 "%s", rnd(), op % 7 == 0 ? "\x01\x02" : "");
		rc = jk_set(j, db, &k, (const uint8_t *)v, strlen(v));
	} else if (op < 70) {
		snprintf(v, sizeof v, "%u", (unsigned)(rnd() % 9) + 1);
		rc = jk_incr(j, db, &k, (const uint8_t *)v, strlen(v), &res);
	} else if (op < 82) {
		rc = jk_kill(j, db, &k, DB_KILL_TREE);
	} else if (op < 91) {
		rc = jk_kill(j, db, &k, DB_KILL_NODE);
	} else {
		rc = jk_kill(j, db, &k, DB_KILL_DESC);
	}
	if (rc != 0)
		fail_msg("update %s: %s", ref, jk_err(j)->msg);
	buf_release(&res);
}

/*
 * n steps: updates, transactions (some nested, some rolled back), markers
 * with ids from *marker, switches.
 */
static void
workload(struct jk *j, struct jk_db *dbs[NDB], int n, int64_t *marker)
{
	char text[32];
	int i, k, m;

	for (i = 0; i < n; i++) {
		unsigned op = (unsigned)(rnd() % 100);

		if (op < 70) {
			rand_update(j, dbs);
		} else if (op < 92) {
			assert_int_equal(jk_tstart(j), 0);
			m = 1 + (int)(rnd() % 5);
			for (k = 0; k < m; k++) {
				if (rnd() % 6 == 0) {
					assert_int_equal(jk_tstart(j), 0);
					rand_update(j, dbs);
					assert_int_equal(jk_tcommit(j), 0);
				} else {
					rand_update(j, dbs);
				}
			}
			if (rnd() % 8 == 0)
				assert_int_equal(jk_trollback(j), 0);
			else
				assert_int_equal(jk_tcommit(j), 0);
		} else if (op < 96) {
			if (marker != NULL) {
				snprintf(text, sizeof text, "m%" PRId64, *marker);
				assert_int_equal(jk_mark(j, *marker, text, NULL), 0);
				++*marker;
			}
		} else {
			assert_int_equal(jk_switch(j, NULL, NULL), 0);
		}
	}
}

/* ---- plans ----------------------------------------------------------------------------- */

static struct jk_err perr;

/* A plan over every journal file of the instance, nothing else yet. */
static void
plan_new(struct rst_plan *p)
{
	rst_plan_init(p);
	jk_err_clear(&perr);
	if (rst_plan_set_inst(p, inst, &perr) != 0 ||
	    rst_files_from_log(&p->files, inst, NULL, 0, &perr) != 0)
		fail_msg("plan: %s", perr.msg);
}

static void
plan_db(struct rst_plan *p, const char *source, const char *target, const char *pats)
{
	char *v[8], buf[256], *s, *save = NULL;
	size_t n = 0;

	if (pats != NULL) {
		snprintf(buf, sizeof buf, "%s", pats);
		for (s = strtok_r(buf, " ", &save); s != NULL && n < 8; s = strtok_r(NULL, " ", &save))
			v[n++] = s;
	}
	if (rst_plan_add_db(p, source, target, v, n, &perr) != 0)
		fail_msg("add_db: %s", perr.msg);
}

static void
run_ok(const struct rst_plan *p, const struct rst_hooks *h, struct rst_result *r)
{
	int rc = rst_run(p, h, r);

	if (rc != 0)
		fail_msg("rst_run: %s (%s)", r->err.msg, jk_strerror(rc));
}

/* Stop journaling, so the files are closed and a restore may include them all. */
static void
stop_journaling(void)
{
	struct jk *j = open_inst(NULL);

	assert_int_equal(jk_stop(j), 0);
	jk_close(j);
}

/* Backup of every database now, under top/bk<i>; the instance is closed. */
static void
backup(char bk[NDB][4200])
{
	char name[16];
	int i;

	for (i = 0; i < NDB; i++) {
		snprintf(name, sizeof name, "bk%d", i);
		copy_db(live[i], name, bk[i], sizeof bk[i]);
	}
}

/*
 * The common scene: a first load, a backup followed by marker 1000
 * ("backup"), a workload of n steps, journaling stopped.
 */
static void
scene(int n, char bk[NDB][4200])
{
	struct jk_db *dbs[NDB];
	struct jk *j = open_inst(dbs);
	int64_t m = 1;

	workload(j, dbs, 150, &m);
	jk_close(j);
	backup(bk);
	j = open_inst(dbs);
	assert_int_equal(jk_mark(j, 1000, "backup", NULL), 0);
	workload(j, dbs, n, &m);
	jk_close(j);
	stop_journaling();
}

/* ---- tests ------------------------------------------------------------------------------- */

static void
test_backup_plus_journal_restore_equals_the_live_databases(void **state)
{
	char bk[NDB][4200];
	struct rst_plan p;
	struct rst_result r;
	uint64_t applied = 0;
	size_t i;

	(void)state;
	scene(1500, bk);
	plan_new(&p);
	assert_true(p.files.n >= 4);	/* several files, switched by size and on request */
	for (i = 0; i < NDB; i++)
		plan_db(&p, live[i], bk[i], NULL);
	rst_point_marker_text(&p.start, "backup", NULL);
	rst_result_init(&r);
	run_ok(&p, NULL, &r);
	assert_int_equal(r.status, RST_DONE);
	assert_string_equal(r.why, "end of journal");
	for (i = 0; i < NDB; i++)
		assert_same_db(live[i], bk[i]);
	assert_int_equal(r.ndbs, NDB);
	for (i = 0; i < r.ndbs; i++) {
		applied += r.dbs[i].applied;
		assert_int_equal(r.dbs[i].filtered, 0);
		assert_non_null(r.dbs[i].target);
	}
	assert_true(applied > 1000);
	assert_int_equal(applied, r.applied);
	assert_int_equal(r.nupdated, NDB);
	assert_int_equal(r.nincomplete, 0);
	assert_int_equal(r.ndamage, 0);
	/* where it stopped: the end of the last file */
	assert_string_equal(r.next_path, p.files.paths[p.files.n - 1]);
	{
		struct stat st;

		assert_int_equal(stat(r.next_path, &st), 0);
		assert_int_equal(r.next_offset, (uint64_t)st.st_size);
	}
	/* the same plan again: the same databases */
	run_ok(&p, NULL, &r);
	for (i = 0; i < NDB; i++)
		assert_same_db(live[i], bk[i]);
	rst_result_release(&r);
	rst_plan_release(&p);
}

/* Sets ^S(1..n) one by one in db 0, a marker id i and text "t<i>" before each tenth. */
struct seq_journal {
	struct jk_loc before[61];	/* marker place before ^S(i), i = 10, 20, ... */
	uint64_t time_before[61];	/* a time between ^S(i-1) and ^S(i) */
};

static void
sequence(struct seq_journal *sj, int n)
{
	struct jk_db *dbs[NDB];
	struct jk *j = open_inst(dbs);
	char ref[32], v[32], text[32];
	uint64_t t;
	int i;

	for (i = 1; i <= n; i++) {
		if (i % 10 == 0) {
			snprintf(text, sizeof text, "t%d", i);
			assert_int_equal(jk_mark(j, i, text, &sj->before[i / 10]), 0);
			t = jrn_now_us();
			while (jrn_now_us() <= t)
				;	/* the next record's time is after t, the last one's not */
			sj->time_before[i / 10] = jrn_now_us();
		}
		snprintf(ref, sizeof ref, "^S(%d)", i);
		snprintf(v, sizeof v, "%d", i);
		set(j, dbs[0], ref, v);
	}
	jk_close(j);
	stop_journaling();
}

/* Restore db 0 onto a fresh copy of an empty database; which ^S(i) came back: "a-b" */
static void
restored_range(const struct rst_plan *p0, const char *target, char *out, size_t n)
{
	struct rst_result r;
	int i, lo = 0, hi = 0;
	char ref[32];

	rst_result_init(&r);
	run_ok(p0, NULL, &r);
	for (i = 1; i <= 600; i++) {
		snprintf(ref, sizeof ref, "^S(%d)", i);
		if (value(target, ref) != NULL) {
			if (lo == 0)
				lo = i;
			if (hi != 0 && hi != i - 1)
				fail_msg("a gap before ^S(%d)", i);
			hi = i;
		}
	}
	snprintf(out, n, "%d-%d", lo, hi);
	rst_result_release(&r);
}

static void
fresh(const char *name, char *out, size_t n)
{
	char d[4300];

	snprintf(d, sizeof d, "%s/%s", top, name);
	sh("rm -rf '%s'", d);
	assert_int_equal(db_create(d, NULL), 0);
	canon(d, out, n);
}

static void
test_every_start_and_stop_point(void **state)
{
	struct seq_journal sj;
	struct rst_plan p;
	char t[4200], got[64];

	(void)state;
	sequence(&sj, 600);

#define CASE(setup_points, want) do {                                   \
		fresh("pt", t, sizeof t);                               \
		plan_new(&p);                                           \
		plan_db(&p, live[0], t, NULL);                          \
		setup_points;                                           \
		restored_range(&p, t, got, sizeof got);                 \
		assert_string_equal(got, want);                         \
		rst_plan_release(&p);                                   \
	} while (0)

	CASE((void)0, "1-600");
	/* markers: start after it (inclusive of what follows), stop before it */
	CASE(rst_point_marker_id(&p.start, 100), "100-600");
	CASE(rst_point_marker_id(&p.stop, 250), "1-249");
	CASE((rst_point_marker_text(&p.start, "t30", NULL), rst_point_marker_text(&p.stop, "t40", NULL)),
	    "30-39");
	/* locations, as markers return them */
	CASE((rst_point_location(&p.start, sj.before[12].path, sj.before[12].offset, NULL),
	    rst_point_location(&p.stop, sj.before[50].path, sj.before[50].offset, NULL)), "120-499");
	/* times: records at or after the start time, before the stop time */
	CASE((rst_point_time(&p.start, sj.time_before[7]), rst_point_time(&p.stop, sj.time_before[45])),
	    "70-449");
	/* sequence numbers: none in a journal that is not clustered */
	CASE(rst_point_seq(&p.stop, 5), "1-600");
	CASE((rst_point_seq(&p.start, 5), rst_point_marker_id(&p.stop, 20)), "0-0");
#undef CASE
}

static void
test_points_parse_and_print(void **state)
{
	static const char *const ok[] = {
		"begin", "end", "last", "134388,/srv/jrn/journal/20261120.002", "marker=7",
		"marker=-1", "marker:before batch, with a comma", "time=@1763636452123456", "seq=319",
	};
	struct rst_point pt;
	struct buf b = BUF_INIT;
	struct jk_err err;
	size_t i;

	(void)state;
	memset(&pt, 0, sizeof pt);
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (rst_point_parse(&pt, ok[i], &err) != 0)
			fail_msg("%s: %s", ok[i], err.msg);
		buf_reset(&b);
		assert_int_equal(rst_point_format(&pt, strcmp(ok[i], "end") == 0, &b), 0);
		assert_string_equal(buf_str(&b), ok[i]);
	}
	assert_int_equal(rst_point_parse(&pt, "seq=319", NULL), 0);
	assert_int_equal(pt.kind, RST_SEQ);
	assert_int_equal(pt.seq, 319);
	/* local time as the dialogues print it */
	assert_int_equal(rst_point_parse(&pt, "time=20261120 11:00:52.25", &err), 0);
	assert_int_equal(pt.kind, RST_TIME);
	assert_int_equal(pt.time_us % 1000000, 250000);
	{
		struct tm tm;
		time_t s = (time_t)(pt.time_us / 1000000);

		localtime_r(&s, &tm);
		assert_int_equal(tm.tm_year, 126);
		assert_int_equal(tm.tm_hour, 11);
		assert_int_equal(tm.tm_sec, 52);
	}
	assert_int_equal(rst_point_parse(&pt, "marker=7x", &err), JK_EFORMAT);
	assert_non_null(strstr(err.msg, "marker id"));
	assert_int_equal(rst_point_parse(&pt, "seq=-1", &err), JK_EFORMAT);
	assert_int_equal(rst_point_parse(&pt, "time=2026-11-20", &err), JK_EFORMAT);
	assert_int_equal(rst_point_parse(&pt, "yesterday", &err), JK_EFORMAT);
	assert_non_null(strstr(err.msg, "OFFSET,PATH"));
	assert_int_equal(pt.kind, RST_TIME);	/* left as it was */
	rst_point_clear(&pt);
	buf_release(&b);
}

/*
 * Records with sequence numbers, appended as a cluster member would write
 * them: a start or stop at a sequence number selects by them.
 */
static void
test_sequence_numbers_select_records(void **state)
{
	struct jk_db *dbs[NDB];
	struct jk *j = open_inst(dbs);
	struct jrn_writer *w = jk_writer(j);
	struct buf b = BUF_INIT;
	struct jrn_rec r;
	struct jk_key k;
	struct rst_plan p;
	char t[4200], got[64], v[32];
	uint64_t redo;
	uint32_t num;
	size_t st;
	int i;

	(void)state;
	set(j, dbs[0], "^S(0)", "0");	/* the database's map record exists */
	assert_int_equal(jrn_writer_lock(w, &redo), 0);
	assert_int_equal(jrn_writer_dbnum(w, live[0], 1, &num), 0);
	for (i = 1; i <= 8; i++) {
		memset(&r, 0, sizeof r);
		r.type = JRN_SET;
		r.dbnum = num;
		r.seq = 100 + (uint64_t)i;
		r.time_us = jrn_now_us();
		snprintf(v, sizeof v, "^S(%d)", i);
		key(&k, v);
		snprintf(v, sizeof v, "%d", i);
		jrn_rec_begin(&b, &r, &st);
		jrn_put_key(&b, k.b, k.len);
		jrn_put_val(&b, v, strlen(v));
		assert_int_equal(jrn_rec_end(&b, st), 0);
	}
	assert_int_equal(jrn_writer_append(w, b.data, b.len, false), 0);
	jrn_writer_unlock(w);
	jk_close(j);
	stop_journaling();

	fresh("seq", t, sizeof t);
	plan_new(&p);
	plan_db(&p, live[0], t, NULL);
	rst_point_seq(&p.start, 103);
	rst_point_seq(&p.stop, 106);
	restored_range(&p, t, got, sizeof got);
	assert_string_equal(got, "3-5");
	assert_null(value(t, "^S(0)"));	/* seq 0: never past a sequence number */
	rst_plan_release(&p);
	buf_release(&b);
}

static void
test_redirection_and_global_patterns(void **state)
{
	char bk[NDB][4200];
	struct rst_plan p;
	struct rst_result r;
	struct buf x = BUF_INIT;
	size_t i;

	(void)state;
	scene(800, bk);
	/* db 1 -> a fresh database, ^Acct* and ^Bal?x only; db 2 is not selected */
	fresh("sel", bk[1], sizeof bk[1]);
	plan_new(&p);
	plan_db(&p, live[0], bk[0], NULL);
	plan_db(&p, live[1], bk[1], "^Acct* Bal?x");
	rst_result_init(&r);
	run_ok(&p, NULL, &r);
	assert_same_db(live[0], bk[0]);
	tu_db_dump(bk[1], &x);
	assert_true(x.len > 0);
	for (i = 0; i < x.len; i++) {
		if (i == 0 || x.data[i - 1] == '\n')
			assert_true(strncmp((char *)x.data + i, "^Acct", 5) == 0 ||
			    strncmp((char *)x.data + i, "^Bal1x", 6) == 0 ||
			    strncmp((char *)x.data + i, "^Balzx", 6) == 0);
	}
	for (i = 0; i < r.ndbs; i++) {
		if (strcmp(r.dbs[i].source, live[1]) == 0) {
			assert_string_equal(r.dbs[i].target, bk[1]);
			assert_true(r.dbs[i].filtered > 0);
			assert_true(r.dbs[i].applied > 0);
		} else if (strcmp(r.dbs[i].source, live[2]) == 0) {
			assert_null(r.dbs[i].target);
			assert_true(r.dbs[i].skipped > 0);
		}
	}
	assert_int_equal(r.nskipped, 1);
	assert_string_equal(r.skipped[0], live[2]);
	assert_int_equal(r.nupdated, 2);
	rst_result_release(&r);
	rst_plan_release(&p);
	buf_release(&x);
}

/* A transaction a writer began and never committed, then more records. */
static void
abandoned_transaction(struct jk *j, struct jk_db *db, const char *dbpath, bool at_end)
{
	struct jrn_writer *w = jk_writer(j);
	struct buf b = BUF_INIT;
	struct jrn_rec r;
	struct jk_key k;
	uint64_t redo;
	uint32_t num;
	size_t st;

	set(j, db, "^T(\"before\")", "1");
	assert_int_equal(jrn_writer_lock(w, &redo), 0);
	assert_int_equal(jrn_writer_dbnum(w, dbpath, 1, &num), 0);
	memset(&r, 0, sizeof r);
	r.type = JRN_TBEGIN;
	r.tlevel = 1;
	r.txid = 424242;
	r.pid = 4587;
	r.time_us = jrn_now_us();
	jrn_rec_begin(&b, &r, &st);
	jrn_rec_end(&b, st);
	r.type = JRN_SET;
	r.flags = JRN_F_TX | JRN_F_OLD;
	r.dbnum = num;
	key(&k, "^T(\"never committed\")");
	jrn_rec_begin(&b, &r, &st);
	jrn_put_key(&b, k.b, k.len);
	jrn_put_val(&b, "x", 1);
	jrn_put_u8(&b, 0);
	jrn_put_val(&b, "", 0);
	assert_int_equal(jrn_rec_end(&b, st), 0);
	assert_int_equal(jrn_writer_append(w, b.data, b.len, false), 0);
	jrn_writer_unlock(w);
	if (!at_end)
		set(j, db, "^T(\"after\")", "1");
	buf_release(&b);
}

static void
test_incomplete_transactions_rolled_back_or_applied(void **state)
{
	struct jk_db *dbs[NDB];
	struct jk *j;
	struct rst_plan p;
	struct rst_result r;
	char t[4200];
	int rollback;

	(void)state;
	j = open_inst(dbs);
	abandoned_transaction(j, dbs[0], live[0], false);	/* abandoned mid-stream */
	abandoned_transaction(j, dbs[1], live[1], true);	/* still open at the end */
	jk_close(j);
	stop_journaling();
	for (rollback = 0; rollback < 2; rollback++) {
		fresh("inc0", t, sizeof t);
		plan_new(&p);
		plan_db(&p, live[0], t, NULL);
		fresh("inc1", t, sizeof t);
		plan_db(&p, live[1], t, NULL);
		p.rollback = rollback;
		rst_result_init(&r);
		run_ok(&p, NULL, &r);
		assert_int_equal(r.nincomplete, 2);
		assert_int_equal(r.incomplete[0].txid, 424242);
		assert_int_equal(r.incomplete[0].pid, 4587);
		assert_int_equal(r.incomplete[0].updates, 1);
		assert_int_equal(r.incomplete[0].ndbs, 1);
		assert_string_equal(r.incomplete[0].dbs[0], live[0]);
		assert_string_equal(r.incomplete[1].dbs[0], live[1]);
		assert_true(r.incomplete[0].offset > 0);
		assert_int_equal(r.incomplete[0].applied, !rollback);
		assert_int_equal(r.incomplete[1].applied, !rollback);
		if (rollback) {
			assert_null(value(p.dbs[0].target, "^T(\"never committed\")"));
			assert_null(value(p.dbs[1].target, "^T(\"never committed\")"));
		} else {
			assert_string_equal(value(p.dbs[0].target, "^T(\"never committed\")"), "x");
			assert_string_equal(value(p.dbs[1].target, "^T(\"never committed\")"), "x");
		}
		assert_string_equal(value(p.dbs[0].target, "^T(\"after\")"), "1");
		rst_result_release(&r);
		rst_plan_release(&p);
	}
}

struct stopper {
	int left;
	int polls;
};

static bool
stop_after(void *arg)
{
	struct stopper *s = arg;

	s->polls++;
	return --s->left < 0;
}

struct prog {
	int calls, files;
	uint64_t last_done, total;
	bool monotonic;
};

static void
on_progress(void *arg, const struct rst_progress *pr)
{
	struct prog *g = arg;

	g->calls++;
	g->files += pr->new_file;
	if (pr->bytes_done < g->last_done)
		g->monotonic = false;
	g->last_done = pr->bytes_done;
	g->total = pr->bytes_total;
}

static void
test_interrupted_restore_resumed_equals_uninterrupted(void **state)
{
	static const int every[] = { 1, 37, 400 };
	char bk[NDB][4200], t[NDB][4200], name[16];
	struct rst_plan p;
	struct rst_result r;
	struct rst_record rec;
	struct rst_hooks h;
	struct stopper s;
	size_t i, k;
	int runs;

	(void)state;
	scene(1200, bk);
	for (k = 0; k < sizeof every / sizeof every[0]; k++) {
		for (i = 0; i < NDB; i++) {
			snprintf(name, sizeof name, "int%zu", i);
			copy_db(bk[i], name, t[i], sizeof t[i]);
		}
		plan_new(&p);
		for (i = 0; i < NDB; i++)
			plan_db(&p, live[i], t[i], NULL);
		rst_point_marker_id(&p.start, 1000);
		memset(&h, 0, sizeof h);
		h.arg = &s;
		h.stop = stop_after;
		rst_result_init(&r);
		for (runs = 0;; runs++) {
			s.left = every[k] == 1 ? 1 + runs % 50 : every[k];
			run_ok(&p, &h, &r);
			assert_int_equal(rst_record_read(inst, &rec, NULL), 0);
			assert_string_equal(rec.next_path, r.next_path);
			assert_int_equal(rec.next_offset, r.next_offset);
			if (r.status == RST_DONE) {
				assert_string_equal(rec.status, "done");
				break;
			}
			assert_int_equal(r.status, RST_STOPPED);
			assert_string_equal(rec.status, "stopped");
			assert_string_equal(r.why, "interrupted");
			rst_point_last_restore(&p.start);
			if (every[k] == 1 && runs >= 30)
				h.stop = NULL;	/* enough small steps: finish */
		}
		assert_true(runs > 1);
		for (i = 0; i < NDB; i++)
			assert_same_db(live[i], t[i]);
		rst_result_release(&r);
		rst_plan_release(&p);
	}
}

static void
test_progress_reports_each_file_and_the_end(void **state)
{
	char bk[NDB][4200];
	struct rst_plan p;
	struct rst_result r;
	struct rst_hooks h;
	struct prog g = { 0, 0, 0, 0, true };
	size_t i;

	(void)state;
	scene(600, bk);
	plan_new(&p);
	for (i = 0; i < NDB; i++)
		plan_db(&p, live[i], bk[i], NULL);
	memset(&h, 0, sizeof h);
	h.arg = &g;
	h.progress = on_progress;
	rst_result_init(&r);
	run_ok(&p, &h, &r);
	assert_int_equal(g.files, (int)p.files.n);
	assert_true(g.monotonic);
	assert_true(g.total > 0);
	assert_int_equal(g.last_done, g.total);	/* the last report: 100% */
	rst_result_release(&r);
	rst_plan_release(&p);
}

/* The index of the file that holds the middle of the journal, and a copy of it. */
static size_t
damage_middle_file(const struct rst_plan *p, uint64_t *where)
{
	size_t k = p->files.n / 2;
	struct jrn_reader *rd;
	struct jrn_rec rec;
	uint64_t size;
	FILE *f;
	int c, n = 0;

	assert_true(k > 0 && k + 1 < p->files.n);
	assert_int_equal(jrn_reader_open(p->files.paths[k], &rd, NULL), 0);
	size = jrn_reader_size(rd);
	while (jrn_reader_next(rd, &rec) == 0)
		if (rec.offset > size / 2 && n++ == 0)
			*where = rec.offset;
	jrn_reader_close(rd);
	f = fopen(p->files.paths[k], "r+b");
	assert_non_null(f);
	fseek(f, (long)*where + 20, SEEK_SET);	/* its database number */
	c = fgetc(f);
	fseek(f, (long)*where + 20, SEEK_SET);
	fputc(c ^ 0x5a, f);
	fclose(f);
	return k;
}

static void
test_damaged_journal_under_each_policy(void **state)
{
	char bk[NDB][4200], ref[NDB][4200], name[16];
	struct rst_plan p, q;
	struct rst_result r;
	uint64_t where = 0;
	size_t i, k;
	int rc;

	(void)state;
	scene(1500, bk);
	plan_new(&p);
	sh("cp -a '%s/journal' '%s/journal.orig'", inst, top);

	/* what the damaged file k means: everything before it ... */
	k = damage_middle_file(&p, &where);
	sh("cp '%s' '%s/damaged' && cp '%s/journal.orig/%s' '%s'", p.files.paths[k], top, top,
	    strrchr(p.files.paths[k], '/') + 1, p.files.paths[k]);
	for (i = 0; i < NDB; i++) {
		snprintf(name, sizeof name, "ref%zu", i);
		copy_db(bk[i], name, ref[i], sizeof ref[i]);
	}
	plan_new(&q);
	for (i = 0; i < NDB; i++)
		plan_db(&q, live[i], ref[i], NULL);
	rst_point_marker_id(&q.start, 1000);
	rst_point_location(&q.stop, q.files.paths[k], where, NULL);
	rst_result_init(&r);
	run_ok(&q, NULL, &r);
	sh("cp '%s/damaged' '%s'", top, p.files.paths[k]);

	/* RST_ABORT: stops at the damage, everything before it applied */
	for (i = 0; i < NDB; i++) {
		snprintf(name, sizeof name, "ab%zu", i);
		copy_db(bk[i], name, bk[i], sizeof bk[i]);
		plan_db(&p, live[i], bk[i], NULL);
	}
	rst_point_marker_id(&p.start, 1000);
	rc = rst_run(&p, NULL, &r);
	assert_int_equal(rc, JK_ECORRUPT);
	assert_int_equal(r.status, RST_ABORTED);
	assert_string_equal(r.why, "journal error");
	assert_non_null(strstr(r.err.msg, "valid up to offset"));
	assert_int_equal(r.ndamage, 1);
	assert_string_equal(r.damage[0].path, p.files.paths[k]);
	assert_int_equal(r.damage[0].valid_end, where);
	assert_false(r.damage[0].skipped);
	assert_string_equal(r.next_path, p.files.paths[k]);
	assert_int_equal(r.next_offset, where);
	for (i = 0; i < NDB; i++)
		assert_same_db(ref[i], p.dbs[i].target);

	/* RST_CONTINUE: the rest of file k skipped, the files after it applied */
	rst_point_location(&q.start, q.files.paths[k + 1], 0, NULL);
	rst_point_clear(&q.stop);
	run_ok(&q, NULL, &r);
	p.jrn_errors = RST_CONTINUE;
	run_ok(&p, NULL, &r);
	assert_int_equal(r.status, RST_DONE);
	assert_int_equal(r.ndamage, 1);
	assert_true(r.damage[0].skipped);
	assert_int_equal(r.damage[0].valid_end, where);
	for (i = 0; i < NDB; i++)
		assert_same_db(ref[i], p.dbs[i].target);
	rst_result_release(&r);
	rst_plan_release(&p);
	rst_plan_release(&q);
}

static void
test_torn_last_file_is_the_end_of_the_journal(void **state)
{
	char bk[NDB][4200];
	struct rst_plan p;
	struct rst_result r;
	struct stat st;
	const char *last;
	size_t i;

	(void)state;
	scene(300, bk);
	plan_new(&p);
	last = p.files.paths[p.files.n - 1];
	assert_int_equal(stat(last, &st), 0);
	assert_int_equal(truncate(last, st.st_size - 5), 0);
	for (i = 0; i < NDB; i++)
		plan_db(&p, live[i], bk[i], NULL);
	p.jrn_errors = RST_ABORT;
	rst_result_init(&r);
	run_ok(&p, NULL, &r);
	assert_int_equal(r.status, RST_DONE);
	assert_int_equal(r.ndamage, 1);
	assert_int_equal(r.damage[0].code, JK_ETORN);
	assert_string_equal(r.next_path, last);
	assert_int_equal(r.next_offset, r.damage[0].valid_end);
	rst_result_release(&r);
	rst_plan_release(&p);
}

/*
 * A transaction over two databases whose second update the database
 * refuses (a key over the limit), in the middle of a batch.
 */
static uint64_t
bad_transaction(void)
{
	struct jk_db *dbs[NDB];
	struct jk *j = open_inst(dbs);
	struct jrn_writer *w = jk_writer(j);
	struct jk_loc loc;
	struct buf b = BUF_INIT;
	struct jrn_rec r;
	struct jk_key k;
	uint8_t bigkey[600];
	uint64_t redo, at;
	uint32_t n0, n1;
	size_t st;

	set(j, dbs[0], "^Good(1)", "before");
	set(j, dbs[1], "^Good(1)", "before");
	assert_int_equal(jk_mark(j, 77, "before the bad one", &loc), 0);
	assert_int_equal(jrn_writer_lock(w, &redo), 0);
	assert_int_equal(jrn_writer_dbnum(w, live[0], 1, &n0), 0);
	assert_int_equal(jrn_writer_dbnum(w, live[1], 2, &n1), 0);
	at = jrn_writer_end(w);
	memset(&r, 0, sizeof r);
	r.type = JRN_TBEGIN;
	r.tlevel = 1;
	r.txid = 99;
	jrn_rec_begin(&b, &r, &st);
	jrn_rec_end(&b, st);
	r.type = JRN_SET;
	r.flags = JRN_F_TX;
	r.dbnum = n0;
	key(&k, "^Good(2)");
	jrn_rec_begin(&b, &r, &st);
	jrn_put_key(&b, k.b, k.len);
	jrn_put_val(&b, "in the bad transaction", 22);
	jrn_rec_end(&b, st);
	r.dbnum = n1;
	memset(bigkey, 'K', sizeof bigkey);
	bigkey[1] = 0;
	jrn_rec_begin(&b, &r, &st);
	jrn_put_key(&b, bigkey, sizeof bigkey);
	jrn_put_val(&b, "refused", 7);
	jrn_rec_end(&b, st);
	r.type = JRN_TCOMMIT;
	r.flags = 0;
	r.dbnum = 0;
	jrn_rec_begin(&b, &r, &st);
	jrn_put_u32(&b, 2);
	assert_int_equal(jrn_rec_end(&b, st), 0);
	assert_int_equal(jrn_writer_append(w, b.data, b.len, false), 0);
	jrn_writer_unlock(w);
	set(j, dbs[0], "^Good(3)", "after");
	set(j, dbs[1], "^Good(3)", "after");
	jk_close(j);
	buf_release(&b);
	return at;
}

static void
test_database_error_under_each_policy(void **state)
{
	char bk[NDB][4200], ref[2][4200], name[16];
	struct rst_plan p, q;
	struct rst_result r;
	uint64_t at;
	size_t i;
	int rc;

	(void)state;
	{
		struct jk_db *dbs[NDB];
		struct jk *j = open_inst(dbs);
		int64_t m = 1;

		workload(j, dbs, 300, &m);
		jk_close(j);
	}
	at = bad_transaction();
	{
		struct jk_db *dbs[NDB];
		struct jk *j = open_inst(dbs);
		int64_t m = 500;

		workload(j, dbs, 300, &m);
		jk_close(j);
	}
	stop_journaling();

	/* references: both databases up to the bad transaction */
	plan_new(&q);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "ref%zu", i);
		fresh(name, ref[i], sizeof ref[i]);
		plan_db(&q, live[i], ref[i], NULL);
	}
	rst_point_marker_id(&q.stop, 77);
	rst_result_init(&r);
	run_ok(&q, NULL, &r);

	/* RST_ABORT: nothing of the failing transaction, everything before it */
	plan_new(&p);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "t%zu", i);
		fresh(name, bk[i], sizeof bk[i]);
		plan_db(&p, live[i], bk[i], NULL);
	}
	p.db_errors = RST_ABORT;
	rc = rst_run(&p, NULL, &r);
	assert_int_equal(rc, JK_ELIMIT);
	assert_int_equal(r.status, RST_ABORTED);
	assert_string_equal(r.why, "database error");
	assert_non_null(strstr(r.err.msg, "over the limit"));
	assert_int_equal(r.next_offset, at);
	for (i = 0; i < 2; i++)
		assert_same_db(ref[i], bk[i]);
	assert_null(value(bk[0], "^Good(2)"));

	/* RST_CONTINUE: the other database gets everything, this one stops there */
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "t%zu", i);
		fresh(name, bk[i], sizeof bk[i]);
	}
	p.db_errors = RST_CONTINUE;
	run_ok(&p, NULL, &r);
	assert_int_equal(r.status, RST_DONE);
	assert_same_db(ref[1], bk[1]);
	/* database 0 alone, all of it: its part of the failing transaction too */
	rst_plan_release(&q);
	plan_new(&q);
	fresh("ref0", ref[0], sizeof ref[0]);
	plan_db(&q, live[0], ref[0], NULL);
	run_ok(&q, NULL, &r);
	assert_same_db(ref[0], bk[0]);
	assert_string_equal(value(bk[0], "^Good(2)"), "in the bad transaction");
	run_ok(&p, NULL, &r);	/* again, for the counts */
	for (i = 0; i < r.ndbs; i++) {
		if (strcmp(r.dbs[i].source, live[1]) == 0) {
			assert_int_equal(r.dbs[i].error, JK_ELIMIT);
			assert_non_null(strstr(r.dbs[i].errmsg, "over the limit"));
			assert_true(r.dbs[i].skipped > 0);
		} else {
			assert_int_equal(r.dbs[i].error, 0);
		}
	}

	/* journaling the restored updates: each unit its own commit, the same outcome */
	{
		struct jk *j = open_inst(NULL);

		assert_int_equal(jk_start(j), 0);	/* a new current file, not in the plan */
		jk_close(j);
	}
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "t%zu", i);
		fresh(name, bk[i], sizeof bk[i]);
	}
	p.journal_updates = true;
	run_ok(&p, NULL, &r);
	assert_same_db(ref[0], bk[0]);
	rst_plan_release(&q);
	plan_new(&q);
	fresh("ref1", ref[1], sizeof ref[1]);
	plan_db(&q, live[1], ref[1], NULL);
	rst_point_marker_id(&q.stop, 77);
	rst_files_range(&q.files, NULL, p.files.paths[p.files.n - 1], NULL);
	run_ok(&q, NULL, &r);
	assert_same_db(ref[1], bk[1]);
	p.db_errors = RST_ABORT;
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "t%zu", i);
		fresh(name, bk[i], sizeof bk[i]);
	}
	assert_int_equal(rst_run(&p, NULL, &r), JK_ELIMIT);
	assert_same_db(ref[1], bk[1]);
	assert_null(value(bk[0], "^Good(2)"));
	assert_string_equal(value(bk[0], "^Good(1)"), "before");
	assert_int_equal(r.next_offset, at);
	rst_result_release(&r);
	rst_plan_release(&p);
	rst_plan_release(&q);
}

/*
 * A target whose batch writer fails: a database on a 1 MiB tmpfs, where
 * the writer cannot reserve room for its first transaction (root only;
 * skipped where tmpfs cannot be mounted).  RST_CONTINUE: the other target
 * gets everything, this one is marked with what was lost and from where,
 * its updates counted skipped, and the restore record points back to
 * where its lost batch began.  RST_ABORT: the run stops with the error.
 */
static void
test_a_target_whose_writer_fails_is_marked_and_the_rest_goes_on(void **state)
{
	char mnt[4200], full[4300], ref[4200], ok[4200];
	struct rst_plan p, q;
	struct rst_result r;
	size_t i, seen;
	int rc;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(mnt, sizeof mnt, "%s/full", top);
	assert_int_equal(mkdir(mnt, 0755), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0) {
		rmdir(mnt);
		skip();
	}
	{
		struct jk_db *dbs[NDB];
		struct jk *j = open_inst(dbs);

		workload(j, dbs, 200, NULL);
		jk_close(j);
	}
	stop_journaling();
	plan_new(&q);
	fresh("wref", ref, sizeof ref);
	plan_db(&q, live[1], ref, NULL);
	rst_result_init(&r);
	run_ok(&q, NULL, &r);

	for (int pol = 0; pol < 2; pol++) {
		snprintf(full, sizeof full, "%s/db%d", mnt, pol);
		assert_int_equal(db_create(full, NULL), 0);
		fresh(pol ? "wok1" : "wok0", ok, sizeof ok);
		plan_new(&p);
		plan_db(&p, live[0], full, NULL);
		plan_db(&p, live[1], ok, NULL);
		p.db_errors = pol ? RST_ABORT : RST_CONTINUE;
		rc = rst_run(&p, NULL, &r);
		if (pol == 0) {
			if (rc != 0)
				fail_msg("rst_run: %s", r.err.msg);
			assert_same_db(ref, ok);
			/* the restore record: back to the lost batch, the first one */
			assert_non_null(r.next_path);
			assert_string_equal(r.next_path, p.files.paths[0]);
		} else {
			assert_int_equal(rc, JK_EIO);
			assert_int_equal(r.status, RST_ABORTED);
			assert_non_null(strstr(r.err.msg, "were lost"));
		}
		for (i = 0, seen = 0; i < r.ndbs; i++) {
			if (strcmp(r.dbs[i].source, live[0]) != 0)
				continue;
			seen++;
			assert_int_equal(r.dbs[i].error, JK_EIO);
			assert_non_null(strstr(r.dbs[i].errmsg, "were lost"));
			assert_int_equal(r.dbs[i].applied, 0);
			assert_true(r.dbs[i].skipped > 0);
		}
		assert_int_equal(seen, 1);
		rst_plan_release(&p);
	}
	rst_result_release(&r);
	rst_plan_release(&q);
	assert_int_equal(umount(mnt), 0);
	rmdir(mnt);
}

static void
check_says(struct rst_plan *p, int code, const char *words)
{
	struct jk_err err;
	int rc;

	jk_err_clear(&err);
	rc = rst_plan_check(p, &err);
	if (rc != code || strstr(err.msg, words) == NULL)
		fail_msg("check: %d '%s', wanted %d with '%s'", rc, err.msg, code, words);
}

static void
test_validation_names_each_problem_and_writes_nothing(void **state)
{
	struct jk_db *dbs[NDB];
	struct jk *j = open_inst(dbs);
	struct rst_plan p;
	struct rst_result r;
	struct jk_loc m1, m2;
	char t[4200], nowhere[4300], restore_yaml[4300];
	int64_t mk = 1;

	(void)state;
	workload(j, dbs, 200, &mk);
	assert_int_equal(jk_mark(j, 5000, "first", &m1), 0);
	assert_int_equal(jk_switch(j, NULL, NULL), 0);
	workload(j, dbs, 200, NULL);
	assert_int_equal(jk_mark(j, 5001, "second", &m2), 0);
	workload(j, dbs, 50, NULL);
	jk_close(j);
	snprintf(restore_yaml, sizeof restore_yaml, "%s/%s", inst, RST_RECORD);
	fresh("v", t, sizeof t);
	snprintf(nowhere, sizeof nowhere, "%s/nowhere/db", top);

	/* the current journal file, unless switching first */
	plan_new(&p);
	plan_db(&p, live[0], t, NULL);
	check_says(&p, JK_ESTATE, "includes the current journal file");
	p.switch_first = true;
	check_says(&p, 0, "");
	rst_plan_release(&p);
	stop_journaling();

	plan_new(&p);
	check_says(&p, JK_EUSAGE, "no databases to restore");
	p.all = true;
	plan_db(&p, live[0], t, NULL);
	check_says(&p, JK_EUSAGE, "not both");
	rst_plan_release(&p);

	plan_new(&p);
	plan_db(&p, nowhere, NULL, NULL);
	check_says(&p, JK_ENOTFOUND, "No database exists in that directory: ");
	check_says(&p, JK_ENOTFOUND, "/nowhere/db/");
	rst_plan_release(&p);
	plan_new(&p);
	plan_db(&p, live[1], nowhere, NULL);
	check_says(&p, JK_ENOTFOUND, "where ");
	rst_plan_release(&p);

	plan_new(&p);
	plan_db(&p, live[0], t, "^Acct* 9bad");
	check_says(&p, JK_EUSAGE, "bad global pattern '9bad'");
	rst_plan_release(&p);

	plan_new(&p);
	plan_db(&p, live[0], t, NULL);
	plan_db(&p, live[0], live[1], NULL);
	check_says(&p, JK_EUSAGE, "is listed twice");
	rst_plan_release(&p);

	/* the same-target rule */
	plan_new(&p);
	plan_db(&p, live[0], t, "^A* ^B");
	plan_db(&p, live[1], t, "B ^A*");
	check_says(&p, 0, "");
	plan_db(&p, live[2], t, "^A*");
	check_says(&p, JK_EUSAGE, "select different globals");
	check_says(&p, JK_EUSAGE, t);
	rst_plan_release(&p);

	/* points */
	plan_new(&p);
	plan_db(&p, live[0], t, NULL);
	rst_point_location(&p.start, m2.path, m2.offset, NULL);
	rst_point_location(&p.stop, m1.path, m1.offset, NULL);
	check_says(&p, JK_EUSAGE, "is before the start point");
	rst_point_marker_text(&p.start, "second", NULL);
	rst_point_marker_text(&p.stop, "first", NULL);
	check_says(&p, JK_ENOTFOUND, "after the start point");
	rst_point_time(&p.start, 2000);
	rst_point_time(&p.stop, 1000);
	check_says(&p, JK_EUSAGE, "is before the start point");
	rst_point_clear(&p.start);
	rst_point_marker_id(&p.stop, 123456);
	check_says(&p, JK_ENOTFOUND, "marker=123456 is not in the journal files");
	rst_point_location(&p.stop, "/srv/jrn/elsewhere.001", 0, NULL);
	check_says(&p, JK_ENOTFOUND, "is not among the files to process");
	rst_point_location(&p.stop, m1.path, 1u << 30, NULL);
	check_says(&p, JK_EUSAGE, "past the end");
	rst_point_clear(&p.stop);
	rst_point_last_restore(&p.start);
	check_says(&p, JK_ENOTFOUND, "no restore has run");
	rst_point_clear(&p.start);
	rst_point_last_restore(&p.stop);
	check_says(&p, JK_EUSAGE, "not where it stops");
	rst_point_clear(&p.stop);
	check_says(&p, 0, "");

	/* a missing file is named; the run refuses too, and writes nothing */
	assert_true(p.files.n >= 3);
	sh("mv '%s' '%s/hidden'", p.files.paths[1], top);
	check_says(&p, JK_ENOTFOUND, p.files.paths[1]);
	rst_result_init(&r);
	assert_int_equal(rst_run(&p, NULL, &r), JK_ENOTFOUND);
	assert_non_null(strstr(r.err.msg, "is missing"));
	assert_int_equal(access(restore_yaml, F_OK), -1);
	assert_int_equal(count_nodes(t), 0);
	rst_files_range(&p.files, p.files.paths[2], NULL, NULL);	/* after the gap: fine */
	check_says(&p, 0, "");
	sh("mv '%s/hidden' '%s/journal/'", top, inst);
	rst_result_release(&r);
	rst_plan_release(&p);
}

static void
test_journal_file_lists(void **state)
{
	struct jk_db *dbs[NDB];
	struct jk *j = open_inst(dbs);
	struct rst_files f, g;
	struct jk_err err;
	char **paths, moved[4300], logcopy[4300], *dirs[2];
	size_t n, i;

	(void)state;
	workload(j, dbs, 400, NULL);
	jk_close(j);
	assert_int_equal(inst_log_read(inst, &paths, &n, NULL), 0);
	assert_true(n >= 3);

	rst_files_init(&f);
	assert_int_equal(rst_files_from_log(&f, inst, NULL, 0, &err), 0);
	assert_int_equal(f.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(f.paths[i], paths[i]);
	/* a range by name or path */
	assert_int_equal(rst_files_range(&f, strrchr(paths[1], '/') + 1, paths[n - 1], &err), 0);
	assert_int_equal(f.n, n - 1);
	assert_string_equal(f.paths[0], paths[1]);
	assert_int_equal(rst_files_range(&f, paths[n - 1], paths[1], &err), JK_EUSAGE);
	assert_non_null(strstr(err.msg, "comes before"));
	assert_int_equal(rst_files_range(&f, "20991231.001", NULL, &err), JK_ENOTFOUND);
	rst_files_release(&f);

	/* another instance's log, its files moved to a new directory */
	snprintf(moved, sizeof moved, "%s/moved", top);
	snprintf(logcopy, sizeof logcopy, "%s/other.log", top);
	sh("mkdir -p '%s' && cp %s/journal/* '%s/' && cp '%s/journal.log' '%s'", moved, inst, moved,
	    inst, logcopy);
	dirs[0] = top;
	dirs[1] = moved;
	rst_files_init(&f);
	assert_int_equal(rst_files_from_log(&f, logcopy, dirs, 2, &err), 0);
	assert_int_equal(f.n, n);
	for (i = 0; i < n; i++) {
		assert_true(strncmp(f.paths[i], moved, strlen(moved)) == 0);
		assert_string_equal(strrchr(f.paths[i], '/'), strrchr(paths[i], '/'));
	}
	/* the same files found by searching directories for prefix + YYYYMMDD.NNN */
	sh("touch '%s/notajournal.001' '%s/2026112.001'", moved, moved);
	rst_files_init(&g);
	dirs[0] = moved;
	assert_int_equal(rst_files_from_dirs(&g, "", dirs, 1, &err), 0);
	assert_int_equal(g.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(g.paths[i], f.paths[i]);
	rst_files_release(&g);
	assert_int_equal(rst_files_from_dirs(&g, "ACCT", dirs, 1, &err), JK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "ACCTYYYYMMDD.NNN"));
	rst_files_release(&g);
	rst_files_release(&f);
	inst_log_free(paths, n);
}

/* In place: the live databases put back to the backup, then every directory restored to itself. */
static void
test_all_globals_in_all_directories(void **state)
{
	char bk[NDB][4200], saved[NDB][4200], name[16];
	struct rst_plan p;
	struct rst_result r;
	size_t i;

	(void)state;
	scene(700, bk);
	for (i = 0; i < NDB; i++) {
		snprintf(name, sizeof name, "saved%zu", i);
		copy_db(live[i], name, saved[i], sizeof saved[i]);
		sh("rm -rf '%s' && cp -a '%s' '%s'", live[i], bk[i], live[i]);
	}
	plan_new(&p);
	p.all = true;
	rst_point_marker_text(&p.start, "backup", NULL);
	rst_result_init(&r);
	run_ok(&p, NULL, &r);
	for (i = 0; i < NDB; i++)
		assert_same_db(saved[i], live[i]);
	assert_int_equal(r.nupdated, NDB);

	/* a directory the journals name that holds no database here: reported, the others restored */
	for (i = 0; i < NDB; i++)
		sh("rm -rf '%s' && cp -a '%s' '%s'", live[i], bk[i], live[i]);
	sh("rm -rf '%s'", live[2]);
	run_ok(&p, NULL, &r);
	assert_int_equal(r.status, RST_DONE);
	for (i = 0; i < 2; i++)
		assert_same_db(saved[i], live[i]);
	assert_int_equal(r.nupdated, 2);
	for (i = 0; i < r.ndbs; i++) {
		if (strcmp(r.dbs[i].source, live[2]) == 0) {
			assert_int_equal(r.dbs[i].error, JK_ENOTFOUND);
			assert_non_null(strstr(r.dbs[i].errmsg, "No database exists in that directory: "));
			assert_int_equal(r.dbs[i].applied, 0);
			assert_true(r.dbs[i].skipped > 0);
		}
	}
	/* ... or, with RST_ABORT, the restore stops at its first update */
	for (i = 0; i < 2; i++)
		sh("rm -rf '%s' && cp -a '%s' '%s'", live[i], bk[i], live[i]);
	p.db_errors = RST_ABORT;
	assert_int_equal(rst_run(&p, NULL, &r), JK_ENOTFOUND);
	assert_int_equal(r.status, RST_ABORTED);
	assert_non_null(strstr(r.err.msg, live[2]));
	rst_result_release(&r);
	rst_plan_release(&p);
}

static void
test_dry_run_counts_and_writes_nothing(void **state)
{
	char bk[NDB][4200], yaml[4300];
	struct rst_plan p;
	struct rst_result r, dry;
	int before;
	size_t i;

	(void)state;
	scene(400, bk);
	snprintf(yaml, sizeof yaml, "%s/%s", inst, RST_RECORD);
	before = count_nodes(bk[1]);
	plan_new(&p);
	for (i = 0; i < NDB; i++)
		plan_db(&p, live[i], bk[i], i == 1 ? "^Acct*" : NULL);
	rst_point_marker_text(&p.start, "backup", NULL);
	p.dry_run = true;
	rst_result_init(&dry);
	run_ok(&p, NULL, &dry);
	assert_int_equal(count_nodes(bk[1]), before);
	assert_int_equal(access(yaml, F_OK), -1);
	p.dry_run = false;
	rst_result_init(&r);
	run_ok(&p, NULL, &r);
	assert_int_equal(dry.applied, r.applied);
	assert_int_equal(dry.filtered, r.filtered);
	assert_int_equal(dry.records, r.records);
	assert_true(r.filtered > 0);
	assert_int_equal(access(yaml, F_OK), 0);
	rst_result_release(&r);
	rst_result_release(&dry);
	rst_plan_release(&p);
}

static void
test_a_database_another_process_writes_is_refused(void **state)
{
	char bk[NDB][4200], yaml[4300], c;
	struct rst_plan p;
	struct rst_result r;
	int go[2], done[2], status;
	pid_t pid;

	(void)state;
	scene(100, bk);
	snprintf(yaml, sizeof yaml, "%s/%s", inst, RST_RECORD);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct jk_err err;
		struct jk_db *db;
		struct jk *j;
		struct jk_key k;
		char d[4300];

		/* a process of another instance writing to the backup copy */
		snprintf(d, sizeof d, "%s/other", top);
		if (jk_init(d, &err) != 0 || jk_open(d, &j, &err) != 0 || jk_db(j, bk[2], &db) != 0)
			_exit(1);
		key(&k, "^Busy");
		if (jk_set(j, db, &k, (const uint8_t *)"1", 1) != 0)
			_exit(2);
		if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(3);
		jk_close(j);
		_exit(0);
	}
	assert_int_equal(read(go[0], &c, 1), 1);
	plan_new(&p);
	plan_db(&p, live[0], bk[0], NULL);
	plan_db(&p, live[2], bk[2], NULL);
	rst_result_init(&r);
	assert_int_equal(rst_run(&p, NULL, &r), JK_ELOCKED);
	assert_non_null(strstr(r.err.msg, "is in use"));
	assert_non_null(strstr(r.err.msg, bk[2]));
	assert_int_equal(access(yaml, F_OK), -1);
	assert_int_equal(write(done[1], "d", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	run_ok(&p, NULL, &r);	/* the writer is gone */
	assert_same_db(live[0], bk[0]);
	assert_string_equal(value(bk[2], "^Busy"), "1");
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	rst_result_release(&r);
	rst_plan_release(&p);
}

/* The range holds the current file: switch first; and journal the restored updates. */
static void
test_switch_first_and_journaled_updates(void **state)
{
	struct jk_db *dbs[NDB];
	struct jk *j;
	struct inst_conf conf;
	struct rst_plan p;
	struct rst_result r;
	struct jrn_status st;
	struct jrn_chain *c;
	struct jrn_rec rec;
	char t[4200], *path;
	size_t n0, sets = 0, in_tx = 0;
	int64_t m = 1;
	int rc;

	(void)state;
	/* files large enough that the restored updates stay in one */
	assert_int_equal(inst_conf_load(inst, &conf, NULL), 0);
	conf.max_size = 64u << 20;
	assert_int_equal(inst_conf_save(inst, &conf, NULL), 0);
	j = open_inst(dbs);
	workload(j, dbs, 400, &m);
	jk_close(j);
	fresh("jt", t, sizeof t);
	plan_new(&p);
	n0 = p.files.n;
	plan_db(&p, live[1], t, NULL);
	p.switch_first = true;
	p.journal_updates = true;
	rst_result_init(&r);
	run_ok(&p, NULL, &r);
	assert_non_null(r.switched_from);
	assert_string_equal(r.switched_from, p.files.paths[n0 - 1]);
	assert_same_db(live[1], t);

	/* the restored updates are in the instance's new journal file, to the target */
	j = open_inst(NULL);
	assert_int_equal(jk_status(j, &st), 0);
	jk_close(j);
	assert_string_equal(st.path, r.switched_to);
	path = st.path;
	assert_int_equal(jrn_chain_open(&path, 1, &c, NULL), 0);
	while ((rc = jrn_chain_next(c, &rec, NULL)) == 0) {
		if (rec.type == JRN_DBMAP)
			assert_memory_equal(rec.val, t, strlen(t));
		if (jrn_type_is_update(rec.type)) {
			sets++;
			in_tx += (rec.flags & JRN_F_TX) != 0;
		}
	}
	assert_int_equal(rc, 1);
	jrn_chain_close(c);
	assert_true(sets > 0);
	assert_true(in_tx > 0);		/* transactions restored as transactions */
	assert_int_equal(r.dbs[0].applied, sets);
	rst_result_release(&r);
	rst_plan_release(&p);
}

/* Records forged after an ordinary update of database 0: type, flags, dbnum as given. */
static void
forge(const struct jrn_rec *recs, const char *const *refs, size_t n)
{
	struct jk_db *dbs[NDB];
	struct jk *j = open_inst(dbs);
	struct jrn_writer *w = jk_writer(j);
	struct buf b = BUF_INIT;
	struct jrn_rec r;
	struct jk_key k;
	uint64_t redo;
	uint32_t num;
	size_t i, st;

	set(j, dbs[0], "^F(0)", "first");
	assert_int_equal(jrn_writer_lock(w, &redo), 0);
	assert_int_equal(jrn_writer_dbnum(w, live[0], 1, &num), 0);
	for (i = 0; i < n; i++) {
		r = recs[i];
		r.time_us = jrn_now_us();
		if (r.dbnum == 1)
			r.dbnum = num;
		jrn_rec_begin(&b, &r, &st);
		if (jrn_type_is_update(r.type)) {
			key(&k, refs[i]);
			jrn_put_key(&b, k.b, k.len);
			jrn_put_val(&b, "forged", 6);
			if (r.flags & JRN_F_OLD) {
				jrn_put_u8(&b, 0);
				jrn_put_val(&b, "", 0);
			}
		} else if (r.type == JRN_TCOMMIT) {
			jrn_put_u32(&b, 1);
		}
		assert_int_equal(jrn_rec_end(&b, st), 0);
	}
	assert_int_equal(jrn_writer_append(w, b.data, b.len, false), 0);
	jrn_writer_unlock(w);
	set(j, dbs[0], "^F(9)", "last");
	jk_close(j);
	buf_release(&b);
	stop_journaling();
}

static void
test_a_rollback_in_the_journal_discards_its_transaction(void **state)
{
	static const struct jrn_rec recs[] = {
		{ .type = JRN_TBEGIN, .tlevel = 1, .txid = 5 },
		{ .type = JRN_SET, .flags = JRN_F_TX | JRN_F_OLD, .tlevel = 1, .txid = 5, .dbnum = 1 },
		{ .type = JRN_TROLLBACK, .tlevel = 1, .txid = 5 },
		{ .type = JRN_TBEGIN, .tlevel = 1, .txid = 6 },
		{ .type = JRN_SET, .flags = JRN_F_TX | JRN_F_OLD, .tlevel = 1, .txid = 6, .dbnum = 1 },
		{ .type = JRN_TCOMMIT, .tlevel = 1, .txid = 6 },
	};
	static const char *const refs[] = { "", "^F(1)", "", "", "^F(2)", "" };
	struct rst_plan p;
	struct rst_result r;
	char t[4200];

	(void)state;
	forge(recs, refs, 6);
	fresh("rb", t, sizeof t);
	plan_new(&p);
	plan_db(&p, live[0], t, NULL);
	rst_result_init(&r);
	run_ok(&p, NULL, &r);
	assert_null(value(t, "^F(1)"));
	assert_string_equal(value(t, "^F(2)"), "forged");
	assert_string_equal(value(t, "^F(9)"), "last");
	assert_int_equal(r.nincomplete, 0);
	rst_result_release(&r);
	rst_plan_release(&p);
}

static void
test_an_update_naming_an_unmapped_database_is_a_journal_error(void **state)
{
	static const struct jrn_rec recs[] = {
		{ .type = JRN_SET, .dbnum = 77 },
		{ .type = JRN_SET, .dbnum = 1 },
	};
	static const char *const refs[] = { "^F(1)", "^F(2)" };
	struct rst_plan p;
	struct rst_result r;
	char t[4200];

	(void)state;
	forge(recs, refs, 2);
	fresh("um", t, sizeof t);
	plan_new(&p);
	plan_db(&p, live[0], t, NULL);
	rst_result_init(&r);
	assert_int_equal(rst_run(&p, NULL, &r), JK_ECORRUPT);
	assert_non_null(strstr(r.err.msg, "names database number 77"));
	assert_string_equal(value(t, "^F(0)"), "first");
	assert_null(value(t, "^F(2)"));
	p.jrn_errors = RST_CONTINUE;
	run_ok(&p, NULL, &r);
	assert_int_equal(r.ndamage, 1);
	assert_true(r.damage[0].skipped);
	assert_string_equal(value(t, "^F(2)"), "forged");
	assert_string_equal(value(t, "^F(9)"), "last");
	rst_result_release(&r);
	rst_plan_release(&p);
}

static void
test_canonical_directory_names(void **state)
{
	struct buf b = BUF_INIT;
	char want[4300], d[4300], cwd[4096];

	(void)state;
	assert_int_equal(rst_canon_dir("/srv/db/../db/./acct//", &b, NULL), 0);
	assert_string_equal(buf_str(&b), "/srv/db/acct/");
	assert_int_equal(rst_canon_dir("/", &b, NULL), 0);
	assert_string_equal(buf_str(&b), "/");
	/* through a symlink that exists, to a database that does not */
	snprintf(d, sizeof d, "%s/link", top);
	assert_int_equal(symlink(inst, d), 0);
	snprintf(d, sizeof d, "%s/link/db/gone/", top);
	assert_int_equal(rst_canon_dir(d, &b, NULL), 0);
	canon(inst, want, sizeof want);
	strcat(want, "db/gone/");
	assert_string_equal(buf_str(&b), want);
	/* relative to the current directory */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(inst), 0);
	assert_int_equal(rst_canon_dir("db/user", &b, NULL), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(buf_str(&b), live[0]);
	assert_int_equal(rst_canon_dir("", &b, NULL), JK_EUSAGE);
	buf_release(&b);
}

/* Files found by a directory search, one of them gone: the check names it by its old path. */
static void
test_a_gap_in_the_chain_names_the_missing_file(void **state)
{
	struct jk_db *dbs[NDB];
	struct jk *j = open_inst(dbs);
	struct rst_plan p;
	char copy[4300], *dirs[1], **paths;
	size_t n;

	(void)state;
	workload(j, dbs, 400, NULL);
	jk_close(j);
	stop_journaling();
	assert_int_equal(inst_log_read(inst, &paths, &n, NULL), 0);
	assert_true(n >= 3);
	snprintf(copy, sizeof copy, "%s/copy", top);
	sh("mkdir -p '%s' && cp %s/journal/* '%s/' && rm '%s/%s'", copy, inst, copy, copy,
	    strrchr(paths[1], '/') + 1);
	rst_plan_init(&p);
	assert_int_equal(rst_plan_set_inst(&p, inst, NULL), 0);
	dirs[0] = copy;
	assert_int_equal(rst_files_from_dirs(&p.files, NULL, dirs, 1, NULL), 0);
	assert_int_equal(p.files.n, n - 1);
	plan_db(&p, live[0], NULL, NULL);
	check_says(&p, JK_ENOTFOUND, "is missing: ");
	check_says(&p, JK_ENOTFOUND, paths[1]);
	p.check_links = false;		/* "Check for missing journal files? No" */
	check_says(&p, 0, "");
	inst_log_free(paths, n);
	rst_plan_release(&p);
}

/* One restore at a time in an instance. */
static void
test_a_second_restore_in_the_instance_is_refused(void **state)
{
	char bk[NDB][4200], path[4300];
	struct rst_plan p;
	struct rst_result r;
	struct flock fl;
	int fd;

	(void)state;
	scene(50, bk);
	snprintf(path, sizeof path, "%s/state/restore.lock", inst);
	fd = open(path, O_RDWR | O_CREAT, 0666);
	assert_true(fd >= 0);
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_len = 1;
	assert_int_equal(fcntl(fd, F_OFD_SETLK, &fl), 0);
	plan_new(&p);
	plan_db(&p, live[0], bk[0], NULL);
	rst_result_init(&r);
	assert_int_equal(rst_run(&p, NULL, &r), JK_ELOCKED);
	assert_non_null(strstr(r.err.msg, "another restore is running"));
	close(fd);
	run_ok(&p, NULL, &r);
	rst_result_release(&r);
	rst_plan_release(&p);
}

static void
test_plan_describes_itself(void **state)
{
	struct rst_plan p;
	struct buf b = BUF_INIT;
	char t[4200];

	(void)state;
	fresh("d", t, sizeof t);
	plan_new(&p);
	plan_db(&p, live[1], t, "^Acct* Bal?x");
	plan_db(&p, live[2], NULL, NULL);
	assert_int_equal(rst_plan_describe(&p, &b), 0);
	assert_non_null(strstr(buf_str(&b), "Processing globals from the following datasets:\n"));
	assert_non_null(strstr(buf_str(&b), "Selected Globals:\n    ^Acct*\n    ^Bal?x\n    (Redirect to: "));
	assert_non_null(strstr(buf_str(&b), "All Globals"));
	assert_non_null(strstr(buf_str(&b), "Updates will NOT be journaled"));
	assert_non_null(strstr(buf_str(&b), "Journal files in the order they will be processed:\n1. "));
	rst_plan_release(&p);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_backup_plus_journal_restore_equals_the_live_databases),
		T(test_every_start_and_stop_point),
		T(test_points_parse_and_print),
		T(test_sequence_numbers_select_records),
		T(test_redirection_and_global_patterns),
		T(test_incomplete_transactions_rolled_back_or_applied),
		T(test_interrupted_restore_resumed_equals_uninterrupted),
		T(test_progress_reports_each_file_and_the_end),
		T(test_damaged_journal_under_each_policy),
		T(test_torn_last_file_is_the_end_of_the_journal),
		T(test_database_error_under_each_policy),
		T(test_validation_names_each_problem_and_writes_nothing),
		T(test_journal_file_lists),
		T(test_all_globals_in_all_directories),
		T(test_dry_run_counts_and_writes_nothing),
		T(test_a_database_another_process_writes_is_refused),
		T(test_switch_first_and_journaled_updates),
		T(test_plan_describes_itself),
		T(test_a_target_whose_writer_fails_is_marked_and_the_rest_goes_on),
		T(test_a_rollback_in_the_journal_discards_its_transaction),
		T(test_an_update_naming_an_unmapped_database_is_a_journal_error),
		T(test_canonical_directory_names),
		T(test_a_gap_in_the_chain_names_the_missing_file),
		T(test_a_second_restore_in_the_instance_is_refused),
#undef T
	};
	return cmocka_run_group_tests_name("rst", tests, NULL, NULL);
}
