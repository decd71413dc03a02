/*
 * test_rcv.c - startup recovery: a clean close needs none; after a crash
 * the next open replays from each database's checkpoint (not before it),
 * rolls back what never committed and reports it; errors (a full disk,
 * journal damage) are recorded with their place, a database with three is
 * dismounted and the others finished, writes are refused until the errors
 * are resolved, and recovery run again after the cause is gone finishes
 * the job; the repair copies every node; a cluster member's recovery puts
 * the cluster's sequence counter above every member's journal and replays
 * a shared database from every member's journal in sequence order.
 *
 * A crash is a child process that writes and is killed (SIGKILL); a
 * machine crash that lost a data file's last writes is that, then nodes
 * removed from the database behind the instance's back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clu.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "rcv.h"
#include "util/dbdump.h"
#include "util/tmpdir.h"

static char top[4096], dir[4200], dbx[4300];

static int
setup(void **state)
{
	struct jk_err err;

	(void)state;
	assert_int_equal(tu_mkdtemp(top, sizeof top, "test_rcv"), 0);
	snprintf(dir, sizeof dir, "%s/inst", top);
	snprintf(dbx, sizeof dbx, "%s/x", top);
	jk_err_clear(&err);
	if (jk_init(dir, &err) != 0)
		fail_msg("jk_init: %s", err.msg);
	assert_int_equal(db_create(dbx, &err), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_set_fault(NULL);
	return tu_rmtree(top);
}

static struct jk *
open_jk(void)
{
	struct jk_err err;
	struct jk *j;

	jk_err_clear(&err);
	if (jk_open(dir, &j, &err) != 0)
		fail_msg("jk_open: %s", err.msg);
	return j;
}

static struct jk_db *
db_of(struct jk *j, const char *d)
{
	struct jk_db *db;

	if (jk_db(j, d, &db) != 0)
		fail_msg("jk_db: %s", jk_err(j)->msg);
	return db;
}

static void
ref(struct jk_key *k, const char *s)
{
	size_t end;

	if (gref_parse(s, strlen(s), k, &end, NULL) != 0)
		fail_msg("bad reference %s", s);
}

static int
set(struct jk *j, struct jk_db *db, const char *r, const char *v)
{
	struct jk_key k;

	ref(&k, r);
	return jk_set(j, db, &k, (const uint8_t *)v, strlen(v));
}

static void
must_set(struct jk *j, struct jk_db *db, const char *r, const char *v)
{
	if (set(j, db, r, v) != 0)
		fail_msg("jk_set %s: %s", r, jk_err(j)->msg);
}

static bool
exists(const char *name)
{
	char p[4400];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* Read a state file into b (replaced). */
static void
slurp(const char *name, struct buf *b)
{
	char p[4400], chunk[4096];
	size_t n;
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	buf_reset(b);
	if ((f = fopen(p, "r")) == NULL)
		fail_msg("no %s", p);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
}

/* Run fn in a child that is killed at its end, as a crash would stop it. */
static void
crash(void (*fn)(void))
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* Remove a node straight from the data file: a write the machine crash lost. */
static void
lose(const char *d, const char *r)
{
	struct jk_db *db;
	struct db_txn *t;
	struct jk_key k;

	ref(&k, r);
	assert_int_equal(db_open(d, 0, &db, NULL), 0);
	assert_int_equal(db_txn_begin(db, true, &t), 0);
	assert_int_equal(db_kill(t, k.b, k.len, DB_KILL_NODE, NULL, NULL, NULL), 0);
	assert_int_equal(db_txn_commit(t), 0);
	db_close(db);
}

static void
test_rcv_clean_close_needs_no_recovery(void **state)
{
	struct jk *j;

	(void)state;
	j = open_jk();
	must_set(j, db_of(j, NULL), "^A(1)", "x");
	assert_true(exists(RCV_RUNNING));	/* made before the first write */
	jk_close(j);
	assert_false(exists(RCV_RUNNING));
	j = open_jk();
	jk_close(j);
	assert_false(exists(RCV_REPORT));	/* nothing to recover */
}

static void
writes_after_checkpoint(void)
{
	struct jk *j = open_jk();
	struct jk_db *db = db_of(j, NULL);

	must_set(j, db, "^A(1)", "before");
	must_set(j, db, "^A(2)", "before");
	assert_int_equal(jk_checkpoint(j), 0);
	must_set(j, db, "^A(3)", "after");
	assert_int_equal(jk_tstart(j), 0);
	must_set(j, db, "^A(4)", "after");
	must_set(j, db, "^A(5)", "after");
	assert_int_equal(jk_tcommit(j), 0);
}

static void
test_rcv_crash_replays_from_the_checkpoint(void **state)
{
	struct buf b = BUF_INIT, dump = BUF_INIT;
	char d[4400];
	struct jk *j;

	(void)state;
	crash(writes_after_checkpoint);
	assert_true(exists(RCV_RUNNING));
	snprintf(d, sizeof d, "%s/db/user", dir);
	/* the data file lost writes on both sides of the checkpoint */
	lose(d, "^A(2)");
	lose(d, "^A(4)");
	j = open_jk();		/* recovers */
	jk_close(j);
	assert_false(exists(RCV_RUNNING));
	tu_db_dump(d, &dump);
	/* after the checkpoint: replayed; before it: the data file is trusted, as recovery must */
	assert_string_equal(buf_str(&dump), "^A(1)=\"before\"\n^A(3)=\"after\"\n^A(4)=\"after\"\n^A(5)=\"after\"\n");
	slurp(RCV_REPORT, &b);
	assert_non_null(strstr(buf_str(&b), "why: crash\n"));
	assert_non_null(strstr(buf_str(&b), "status: recovered\n"));
	assert_non_null(strstr(buf_str(&b), "    applied: 3\n"));
	assert_non_null(strstr(buf_str(&b), "rolled_back: []\n"));
	assert_null(strstr(buf_str(&b), "from_file: \"\""));	/* from a checkpoint, not the first file */
	assert_false(exists(RCV_ERRORS));
	slurp(RCV_LOG, &b);
	assert_non_null(strstr(buf_str(&b), "recovery (crash): 1 databases, 1 recovered, 0 errors"));
	buf_release(&b);
	buf_release(&dump);
}

/* Many updates, a checkpoint, three more, then a crash. */
static void
long_file_then_checkpoint(void)
{
	struct jk *j = open_jk();
	struct jk_db *db = db_of(j, NULL);
	char r[32];
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(r, sizeof r, "^L(%d)", i);
		must_set(j, db, r, "before");
	}
	assert_int_equal(jk_checkpoint(j), 0);
	must_set(j, db, "^L(1)", "after");
	must_set(j, db, "^L(2000)", "after");
	must_set(j, db, "^M", "after");
}

/*
 * Recovery reads the journal since the checkpoint, not the file before it:
 * the checkpoint repeats the file's database maps (JRN_F_MAPS) and the
 * replay begins at them.
 */
static void
test_rcv_reads_only_the_journal_since_the_checkpoint(void **state)
{
	struct buf b = BUF_INIT, dump = BUF_INIT;
	const char *rec;
	char d[4400];
	struct jk *j;

	(void)state;
	crash(long_file_then_checkpoint);
	snprintf(d, sizeof d, "%s/db/user", dir);
	lose(d, "^L(2000)");	/* written after the checkpoint, lost by the data file */
	j = open_jk();		/* recovers */
	jk_close(j);
	tu_db_dump(d, &dump);
	assert_non_null(strstr(buf_str(&dump), "^L(1)=\"after\"\n"));
	assert_non_null(strstr(buf_str(&dump), "^L(2000)=\"after\"\n^M=\"after\"\n"));
	assert_non_null(strstr(buf_str(&dump), "^L(1999)=\"before\"\n"));
	slurp(RCV_REPORT, &b);
	assert_non_null(strstr(buf_str(&b), "    applied: 3\n"));
	/* the maps, the checkpoint, three updates: not the 2000 before */
	assert_non_null(rec = strstr(buf_str(&b), "\nrecords: "));
	assert_true(strtoull(rec + 10, NULL, 10) < 10);
	buf_release(&b);
	buf_release(&dump);
}

/* A transaction big enough that part of it reaches the journal before its commit, then a crash. */
static void
big_uncommitted(void)
{
	struct jk *j = open_jk();
	struct jk_db *db = db_of(j, NULL);
	char v[20000], r[32];
	int i;

	must_set(j, db, "^B(0)", "committed");
	memset(v, 'v', sizeof v - 1);
	v[sizeof v - 1] = '\0';
	assert_int_equal(jk_tstart(j), 0);
	for (i = 1; i <= 300; i++) {	/* 6 MB: over the 4 MB flush of jk.c */
		snprintf(r, sizeof r, "^B(%d)", i);
		must_set(j, db, r, v);
	}
}

static void
test_rcv_rolls_back_what_never_committed(void **state)
{
	struct buf b = BUF_INIT, dump = BUF_INIT;
	char d[4400];
	struct jk *j;

	(void)state;
	crash(big_uncommitted);
	j = open_jk();
	jk_close(j);
	snprintf(d, sizeof d, "%s/db/user", dir);
	tu_db_dump(d, &dump);
	assert_string_equal(buf_str(&dump), "^B(0)=\"committed\"\n");
	slurp(RCV_REPORT, &b);
	assert_null(strstr(buf_str(&b), "rolled_back: []"));
	assert_non_null(strstr(buf_str(&b), "rolled_back:\n  - txid: "));
	assert_non_null(strstr(buf_str(&b), "    database: \""));
	buf_release(&b);
	buf_release(&dump);
}

static int
full_disk(const char *op, const char *path)
{
	(void)op;
	return strstr(path, "/x/") != NULL ? ENOSPC : 0;
}

static void
writes_two_dbs(void)
{
	struct jk *j = open_jk();
	struct jk_db *u = db_of(j, NULL), *x = db_of(j, dbx);

	assert_int_equal(jk_checkpoint(j), 0);
	must_set(j, u, "^U(1)", "u");
	must_set(j, x, "^Xg(1)", "x1");
	must_set(j, x, "^Xg(2)", "x2");
	must_set(j, u, "^U(2)", "u");
}

static void
test_rcv_full_disk_recorded_dismounted_and_resumable(void **state)
{
	struct buf b = BUF_INIT, dump = BUF_INIT;
	struct rcv_errors e;
	struct rcv_report rep;
	struct jk_err err;
	char d[4400];
	struct jk *j;
	int fd;

	(void)state;
	crash(writes_two_dbs);
	db_set_fault(full_disk);
	j = open_jk();		/* recovery meets the full disk in x, three times */
	snprintf(d, sizeof d, "%s/db/user", dir);
	tu_db_dump(d, &dump);
	assert_string_equal(buf_str(&dump), "^U(1)=\"u\"\n^U(2)=\"u\"\n");	/* the other one finished */
	assert_int_equal(rcv_errors_read(dir, &e, &err), 0);
	assert_false(e.resolved);
	assert_int_equal(e.n, RCV_MAX_ERRORS);
	assert_non_null(strstr(e.v[0].db, "/x/"));
	assert_non_null(strstr(e.v[0].msg, "No space left on device"));
	assert_non_null(strstr(e.v[0].file, "/journal/"));
	assert_true(e.v[0].offset > 0);
	assert_string_equal(e.v[0].global, "Xg");
	rcv_errors_release(&e);
	slurp("state/databases", &b);
	assert_non_null(strstr(buf_str(&b), "dismounted "));
	slurp(RCV_REPORT, &b);
	assert_non_null(strstr(buf_str(&b), "status: dismounted\n"));
	/* writes are refused, with a message saying why and what to do */
	assert_int_equal(set(j, db_of(j, NULL), "^U(3)", "no"), JK_ESTATE);
	assert_non_null(strstr(jk_err(j)->msg, "sturecov"));
	jk_close(j);
	assert_true(exists(RCV_RUNNING));	/* not a clean state yet */

	/* the DBA frees space, mounts x, runs recovery again, resolves */
	db_set_fault(NULL);
	j = open_jk();
	assert_int_equal(jk_db_register(j, dbx, true), 0);
	jk_close(j);
	assert_int_equal(rcv_exclusive(dir, &fd, &err), 0);
	rcv_report_init(&rep);
	assert_int_equal(rcv_run(dir, "on demand", &rep, &err), 0);
	rcv_release(fd);
	assert_int_equal(rep.errors, 0);
	assert_true(rep.ndbs == 2 && rep.dbs[0].recovered && rep.dbs[1].recovered);
	rcv_report_release(&rep);
	tu_db_dump(dbx, &dump);
	assert_string_equal(buf_str(&dump), "^Xg(1)=\"x1\"\n^Xg(2)=\"x2\"\n");
	assert_true(rcv_errors_pending(dir));	/* until the DBA says so */
	assert_int_equal(rcv_resolve(dir, &err), 0);
	assert_false(rcv_errors_pending(dir));
	j = open_jk();
	assert_int_equal(set(j, db_of(j, NULL), "^U(3)", "yes"), 0);
	jk_close(j);
	buf_release(&b);
	buf_release(&dump);
}

/* Flip a byte inside the first update after the last checkpoint of the last journal file. */
static void
damage_after_checkpoint(void)
{
	struct jrn_reader *r;
	struct jrn_rec rec;
	char **paths;
	size_t n;
	uint64_t at = 0;
	bool seen = false;
	char byte;
	int fd;

	assert_int_equal(inst_log_read(dir, &paths, &n, NULL), 0);
	assert_int_equal(jrn_reader_open(paths[n - 1], &r, NULL), 0);
	while (jrn_reader_next(r, &rec) == 0) {
		if (rec.type == JRN_CHECKPOINT) {
			seen = true;
			at = 0;
		} else if (seen && at == 0 && jrn_type_is_update(rec.type)) {
			at = rec.offset + 30;
		}
	}
	jrn_reader_close(r);
	assert_true(at > 0);
	fd = open(paths[n - 1], O_RDWR);
	assert_true(fd >= 0);
	assert_true(pread(fd, &byte, 1, (off_t)at) == 1);
	byte ^= 0x5a;
	assert_true(pwrite(fd, &byte, 1, (off_t)at) == 1);
	close(fd);
	inst_log_free(paths, n);
}

static void
test_rcv_journal_damage_recorded(void **state)
{
	struct rcv_errors e;
	struct jk_err err;
	struct jk *j;

	(void)state;
	crash(writes_after_checkpoint);
	damage_after_checkpoint();
	j = open_jk();
	assert_int_equal(rcv_errors_read(dir, &e, &err), 0);
	assert_false(e.resolved);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.v[0].file, "/journal/"));
	assert_true(e.v[0].offset > 0);
	assert_true(e.v[0].msg[0] != '\0');
	rcv_errors_release(&e);
	assert_true(rcv_rollback_pending(dir));
	assert_int_equal(set(j, db_of(j, NULL), "^A(9)", "no"), JK_ESTATE);
	jk_close(j);
	/* reset: the journal is not restored at the next startup, writes allowed */
	assert_int_equal(rcv_reset(dir, &err), 0);
	assert_false(exists(RCV_RUNNING));
	assert_false(rcv_errors_pending(dir));
	assert_false(rcv_rollback_pending(dir));
	j = open_jk();
	assert_int_equal(set(j, db_of(j, NULL), "^A(9)", "yes"), 0);
	jk_close(j);
}

static void
test_rcv_repair_copies_every_node(void **state)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct rcv_repair r;
	struct jk_err err;
	char d[4400], to[4400];
	struct jk *j;
	struct jk_db *db;
	int i;

	(void)state;
	j = open_jk();
	db = db_of(j, NULL);
	for (i = 0; i < 2500; i++) {
		char ref_[32], v[32];

		snprintf(ref_, sizeof ref_, "^R(%d,\"s\")", i);
		snprintf(v, sizeof v, "v%d", i);
		must_set(j, db, ref_, v);
	}
	jk_close(j);
	snprintf(d, sizeof d, "%s/db/user", dir);
	snprintf(to, sizeof to, "%s/fixed", top);
	assert_int_equal(rcv_repair(d, to, &r, &err), 0);
	assert_int_equal(r.copied, 2500);
	assert_false(r.damaged);
	assert_int_equal(r.refused, 0);
	tu_db_dump(d, &a);
	tu_db_dump(to, &b);
	assert_string_equal(buf_str(&a), buf_str(&b));
	/* a directory that holds a database already is refused */
	assert_int_equal(rcv_repair(d, to, &r, &err), JK_EEXIST);
	buf_release(&a);
	buf_release(&b);
}

/* Writes to x only, which has no checkpoint; the default database is not written. */
static void
writes_x_only(void)
{
	struct jk *j = open_jk();

	must_set(j, db_of(j, dbx), "^X(1)", "1");
	must_set(j, db_of(j, dbx), "^X(2)", "2");
}

/*
 * A database checkpointed at the start of the journal (never written since)
 * and one without a checkpoint are replayed in one pass, not two: the
 * records read are those of the journal once.
 */
static void
test_rcv_start_checkpoint_and_none_replay_in_one_pass(void **state)
{
	struct rcv_report rep;
	struct jrn_verify v;
	struct jk_err err;
	size_t i;

	(void)state;
	crash(writes_x_only);
	jk_err_clear(&err);
	rcv_report_init(&rep);
	if (rcv_recover(dir, "crash", &rep, &err) != 0)
		fail_msg("rcv_recover: %s", err.msg);
	assert_int_equal(rep.ndbs, 2);
	for (i = 0; i < rep.ndbs; i++) {
		assert_true(rep.dbs[i].recovered);
		assert_int_equal(rep.dbs[i].nfiles, 1);
	}
	/* one of them has a checkpoint (at the start), the other none */
	assert_true(rep.dbs[0].from_path[0] != '\0' || rep.dbs[1].from_path[0] != '\0');
	assert_true(rep.dbs[0].from_path[0] == '\0' || rep.dbs[1].from_path[0] == '\0');
	assert_int_equal(jrn_verify_file(rep.dbs[0].files[0], &v, &err), 0);
	assert_int_equal(rep.records, v.records);
	rcv_report_release(&rep);
}

static char bdir[4300];

/* As `jrnkit cluster join` does: a new journal file, begun in the cluster (CLUJRN.LOG). */
static void
member_switch(const char *d)
{
	struct buf from = BUF_INIT, to = BUF_INIT;
	struct jk_err err;
	struct jk *j;

	jk_err_clear(&err);
	if (jk_open(d, &j, &err) != 0)
		fail_msg("jk_open: %s", err.msg);
	if (jk_switch(j, &from, &to) != 0)
		fail_msg("jk_switch: %s", jk_err(j)->msg);
	jk_close(j);
	buf_release(&from);
	buf_release(&to);
}

/* A cluster in cdir: dir is member 0, bdir (made) member 1, each journaling in it. */
static void
make_cluster(char *cdir, size_t n)
{
	struct jk_err err;

	snprintf(cdir, n, "%s/clu", top);
	snprintf(bdir, sizeof bdir, "%s/b", top);
	jk_err_clear(&err);
	assert_int_equal(clu_create(cdir, &err), 0);
	assert_int_equal(jk_init(bdir, &err), 0);
	assert_int_equal(clu_join(cdir, dir, 0, &err), 0);
	assert_int_equal(clu_join(cdir, bdir, 1, &err), 0);
	member_switch(dir);
	member_switch(bdir);
}

/* Member 0 (dir) writes 3 updates, a crash. */
static void
member0_writes(void)
{
	struct jk *j = open_jk();
	struct jk_db *db = db_of(j, NULL);

	must_set(j, db, "^M0(1)", "a");
	must_set(j, db, "^M0(2)", "b");
	must_set(j, db, "^M0(3)", "c");
}

/* Member 1 (bdir) writes 5 updates after member 0, a crash. */
static void
member1_writes(void)
{
	struct jk_err err;
	struct jk_db *db;
	struct jk *j;
	int i;

	jk_err_clear(&err);
	if (jk_open(bdir, &j, &err) != 0)
		fail_msg("jk_open: %s", err.msg);
	if (jk_db(j, NULL, &db) != 0)
		fail_msg("jk_db: %s", jk_err(j)->msg);
	for (i = 0; i < 5; i++)
		must_set(j, db, "^M1(1)", "x");
}

/*
 * A host crash that lost the counter's last writes (it is not synced at
 * every number): the next member to recover puts it above the last number
 * of every member's journal, its own and those of the others that went
 * down with the host, so no number is given twice.
 */
static void
test_rcv_cluster_member_raises_the_sequence_counter(void **state)
{
	char cdir[4300];
	struct buf b = BUF_INIT;
	struct jk_err err;
	struct clu *c;
	struct jk *j;
	uint64_t next;

	(void)state;
	make_cluster(cdir, sizeof cdir);
	crash(member0_writes);
	crash(member1_writes);
	assert_int_equal(clu_open(cdir, -1, &c, &err), 0);
	next = clu_seq_next(c);
	assert_true(next >= 9);			/* 8 updates numbered, from 1 */
	/* the counter as the host crash left it: back at the start */
	assert_int_equal(clu_lock(c), 0);
	clu_unstamp(c, 1);
	clu_unlock(c);
	assert_int_equal(clu_seq_next(c), 1);
	j = open_jk();				/* member 0 recovers */
	assert_int_equal(clu_seq_next(c), next);	/* above member 1's last number too */
	must_set(j, db_of(j, NULL), "^M0(4)", "d");
	jk_close(j);
	assert_int_equal(clu_seq_next(c), next + 1);
	slurp(RCV_REPORT, &b);
	assert_non_null(strstr(buf_str(&b), "seq_next: "));
	clu_close(c);
	buf_release(&b);
}

/* Both members write the shared database x in turn (one process, a handle each), then a crash. */
static void
members_interleave(void)
{
	struct jk_err err;
	struct jk *a = open_jk(), *b;

	jk_err_clear(&err);
	if (jk_open(bdir, &b, &err) != 0)
		fail_msg("jk_open: %s", err.msg);
	must_set(a, db_of(a, dbx), "^S(1)", "a1");
	must_set(b, db_of(b, dbx), "^S(1)", "b1");
	must_set(a, db_of(a, dbx), "^S(2)", "a2");
	must_set(b, db_of(b, dbx), "^S(2)", "b2");
	must_set(a, db_of(a, dbx), "^S(1)", "a3");
}

/*
 * Members sharing a database: a member's recovery replays every member's
 * journal merged in sequence order, so the shared database ends as the
 * cluster committed it; its own journal alone would put its older ^S(2)
 * back over the other member's newer one.
 */
static void
test_rcv_cluster_member_replays_the_shared_database_in_sequence_order(void **state)
{
	char cdir[4300];
	struct buf dump = BUF_INIT;
	struct jk *j;

	(void)state;
	make_cluster(cdir, sizeof cdir);
	crash(members_interleave);
	/* the host crash lost the data file's last writes */
	lose(dbx, "^S(1)");
	lose(dbx, "^S(2)");
	j = open_jk();				/* member 0 recovers */
	jk_close(j);
	tu_db_dump(dbx, &dump);
	assert_string_equal(buf_str(&dump), "^S(1)=\"a3\"\n^S(2)=\"b2\"\n");
	assert_false(exists(RCV_ERRORS));
	buf_release(&dump);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_rcv_clean_close_needs_no_recovery),
		T(test_rcv_crash_replays_from_the_checkpoint),
		T(test_rcv_reads_only_the_journal_since_the_checkpoint),
		T(test_rcv_rolls_back_what_never_committed),
		T(test_rcv_full_disk_recorded_dismounted_and_resumable),
		T(test_rcv_journal_damage_recorded),
		T(test_rcv_repair_copies_every_node),
		T(test_rcv_start_checkpoint_and_none_replay_in_one_pass),
		T(test_rcv_cluster_member_raises_the_sequence_counter),
		T(test_rcv_cluster_member_replays_the_shared_database_in_sequence_order),
	};

	return cmocka_run_group_tests_name("rcv", tests, NULL, NULL);
}
