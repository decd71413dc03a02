/*
 * test_jk.c - the update path end to end: every update is journaled before
 * it commits, transactions carry old values, files switch and link, several
 * processes journal in commit order, a full disk or a dead writer loses
 * nothing that was committed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dblock.h"
#include "jk.h"
#include "util/tmpdir.h"

static char dir[4096];

static int
setup(void **state)
{
	struct jk_err err;
	char d[4200];

	(void)state;
	assert_int_equal(tu_mkdtemp(dir, sizeof dir - 8, "test_jk"), 0);
	snprintf(d, sizeof d, "%s/inst", dir);
	jk_err_clear(&err);
	if (jk_init(d, &err) != 0)
		fail_msg("jk_init: %s", err.msg);
	snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/inst");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	*strrchr(dir, '/') = '\0';	/* the temp dir, not its inst/ */
	return tu_rmtree(dir);
}

/* Change settings before the instance is opened. */
static void
conf_set(uint64_t max_size, enum jk_commit_mode mode)
{
	struct inst_conf c;

	assert_int_equal(inst_conf_load(dir, &c, NULL), 0);
	if (max_size)
		c.max_size = max_size;
	c.commit = mode;
	assert_int_equal(inst_conf_save(dir, &c, NULL), 0);
}

static struct jk *
open_jk(struct jk_db **db)
{
	struct jk_err err;
	struct jk *j;

	jk_err_clear(&err);
	if (jk_open(dir, &j, &err) != 0)
		fail_msg("jk_open: %s", err.msg);
	if (db != NULL && jk_db(j, NULL, db) != 0)
		fail_msg("jk_db: %s", jk_err(j)->msg);
	return j;
}

static void
ref(struct jk_key *k, const char *s)
{
	struct jk_err err;
	size_t end;

	if (gref_parse(s, strlen(s), k, &end, &err) != 0)
		fail_msg("gref_parse %s: %s", s, err.msg);
}

static void
set(struct jk *j, struct jk_db *db, const char *r, const char *v)
{
	struct jk_key k;

	ref(&k, r);
	if (jk_set(j, db, &k, (const uint8_t *)v, strlen(v)) != 0)
		fail_msg("jk_set %s: %s", r, jk_err(j)->msg);
}

/* The value of r, or NULL when undefined (static storage). */
static const char *
get(struct jk *j, struct jk_db *db, const char *r)
{
	static struct buf v = BUF_INIT;
	struct jk_key k;
	int rc;

	ref(&k, r);
	rc = jk_get(j, db, &k, &v);
	if (rc == JK_ENOTFOUND)
		return NULL;
	assert_int_equal(rc, 0);
	return buf_str(&v);
}

/* The journal files, oldest first. */
static size_t
journal_files(char ***paths)
{
	size_t n;

	assert_int_equal(inst_log_read(dir, paths, &n, NULL), 0);
	return n;
}

/* All records of all files, as a string of op codes "JS DB S ..." for easy checks. */
struct seen {
	char ops[8192];
	int n;
	uint64_t incr_results[4096];
	int nincr;
	int commits;
};

static void
scan(struct seen *s)
{
	struct jrn_chain *c;
	struct jrn_rec r;
	char **paths;
	size_t n = journal_files(&paths);
	int rc;

	memset(s, 0, sizeof *s);
	assert_int_equal(jrn_chain_open(paths, n, &c, NULL), 0);
	while ((rc = jrn_chain_next(c, &r, NULL)) == 0) {
		if (strlen(s->ops) + 8 < sizeof s->ops) {
			strcat(s->ops, s->n ? " " : "");
			strcat(s->ops, jrn_type_op(r.type));
			if (r.flags & JRN_F_TX && jrn_type_is_update(r.type))
				strcat(s->ops, "T");
		}
		s->n++;
		if (r.type == JRN_INCR && s->nincr < 4096) {
			char v[32];

			snprintf(v, sizeof v, "%.*s", (int)r.vallen, r.val);
			s->incr_results[s->nincr++] = strtoull(v, NULL, 10);
		}
		if (r.type == JRN_TCOMMIT && r.tlevel == 1)
			s->commits++;
	}
	if (rc != 1)
		fail_msg("chain: %s", jrn_chain_err(c)->msg);
	jrn_chain_close(c);
	inst_log_free(paths, n);
}

static void
test_updates_are_journaled_in_order(void **state)
{
	struct jk_db *db;
	struct jk *j = open_jk(&db);
	struct jk_key k;
	struct buf v = BUF_INIT;
	struct seen s;

	(void)state;
	set(j, db, "^Acct(1042,\"bal\")", "1500.25");
	set(j, db, "^Acct(1043,\"bal\")", "99");
	ref(&k, "^Acct(1043,\"bal\")");
	assert_int_equal(jk_incr(j, db, &k, (const uint8_t *)"1", 1, &v), 0);
	assert_string_equal(buf_str(&v), "100");
	ref(&k, "^Acct(1042)");
	assert_int_equal(jk_kill(j, db, &k, DB_KILL_TREE), 0);
	ref(&k, "^Acct(1043,\"bal\")");
	assert_int_equal(jk_kill(j, db, &k, DB_KILL_NODE), 0);
	assert_null(get(j, db, "^Acct(1042,\"bal\")"));
	assert_null(get(j, db, "^Acct(1043,\"bal\")"));
	jk_close(j);
	scan(&s);
	assert_string_equal(s.ops, "JS DB S S SI K k");
	buf_release(&v);
}

static void
test_transaction_records_carry_old_values(void **state)
{
	struct jk_db *db;
	struct jk *j = open_jk(&db);
	struct jrn_reader *r;
	struct jrn_rec rec;
	struct jk_key k;
	char **paths;
	size_t n;
	uint64_t txid = 0;
	int seen_kill = 0;

	(void)state;
	set(j, db, "^A(1)", "one");
	set(j, db, "^A(1,2)", "child");
	assert_int_equal(jk_tstart(j), 0);
	set(j, db, "^A(1)", "uno");
	ref(&k, "^A(1)");
	assert_int_equal(jk_kill(j, db, &k, DB_KILL_TREE), 0);
	assert_null(get(j, db, "^A(1)"));	/* the transaction sees itself */
	assert_int_equal(jk_tcommit(j), 0);
	jk_close(j);

	n = journal_files(&paths);
	assert_int_equal(jrn_reader_open(paths[n - 1], &r, NULL), 0);
	while (jrn_reader_next(r, &rec) == 0) {
		if (rec.type == JRN_TBEGIN)
			txid = rec.txid;
		if (rec.type == JRN_SET && (rec.flags & JRN_F_TX)) {
			assert_true(rec.flags & JRN_F_OLD);
			assert_true(rec.had_old);
			assert_memory_equal(rec.old, "one", 3);
			assert_int_equal(rec.txid, txid);
		}
		if (rec.type == JRN_KILL) {
			assert_int_equal(rec.nold, 2);	/* every node it removed */
			seen_kill = 1;
		}
		if (rec.type == JRN_TCOMMIT) {
			assert_int_equal(rec.count, 2);
			assert_int_equal(rec.txid, txid);
		}
	}
	assert_true(seen_kill);
	assert_true(txid != 0);
	jrn_reader_close(r);
	inst_log_free(paths, n);
}

static void
test_rollback_and_nested_levels(void **state)
{
	struct jk_db *db;
	struct jk *j = open_jk(&db);
	struct seen s;

	(void)state;
	set(j, db, "^B", "before");
	assert_int_equal(jk_tstart(j), 0);
	set(j, db, "^B", "inside");
	assert_int_equal(jk_trollback(j), 0);
	assert_string_equal(get(j, db, "^B"), "before");

	assert_int_equal(jk_tstart(j), 0);
	assert_int_equal(jk_tstart(j), 0);
	set(j, db, "^B", "nested");
	assert_int_equal(jk_tcommit(j), 0);
	assert_int_equal(jk_tlevel(j), 1);
	assert_int_equal(jk_tcommit(j), 0);
	assert_int_equal(jk_tlevel(j), 0);
	assert_string_equal(get(j, db, "^B"), "nested");
	assert_int_equal(jk_tcommit(j), JK_ESTATE);
	jk_close(j);
	scan(&s);
	/* the rolled-back transaction never reached the journal */
	assert_string_equal(s.ops, "JS DB S BT BT ST CT CT");
}

static void
test_oversized_value_is_refused_and_nothing_written(void **state)
{
	struct jk_db *db;
	struct jk *j = open_jk(&db);
	struct jk_key k;
	struct jrn_status st1, st2;
	uint8_t *big = calloc(1, JK_VAL_MAX + 1);

	(void)state;
	set(j, db, "^C", "small");
	assert_int_equal(jk_status(j, &st1), 0);
	ref(&k, "^C");
	assert_int_equal(jk_set(j, db, &k, big, JK_VAL_MAX + 1), JK_ELIMIT);
	assert_non_null(strstr(jk_err(j)->msg, "nothing written"));
	assert_int_equal(jk_status(j, &st2), 0);
	assert_int_equal(st1.end, st2.end);
	assert_string_equal(get(j, db, "^C"), "small");
	/* the largest value is fine */
	assert_int_equal(jk_set(j, db, &k, big, JK_VAL_MAX), 0);
	jk_close(j);
	free(big);
}

static void
test_switch_at_size_limit_links_the_files(void **state)
{
	struct jk_db *db;
	struct jk *j;
	struct jrn_reader *r;
	char **paths, ref_s[64];
	size_t n, i;
	struct seen s;

	(void)state;
	conf_set(64 * 1024, JK_COMMIT_GROUP);
	j = open_jk(&db);
	for (i = 0; i < 3000; i++) {
		snprintf(ref_s, sizeof ref_s, "^S(%zu)", i);
		set(j, db, ref_s, "a value of some forty bytes, more or less");
	}
	jk_close(j);
	n = journal_files(&paths);
	assert_true(n >= 3);
	for (i = 1; i < n; i++) {
		struct jrn_verify v;

		assert_int_equal(jrn_verify_file(paths[i - 1], &v, NULL), 0);
		assert_true(v.closed);
		assert_string_equal(v.next_path, paths[i]);
		assert_int_equal(jrn_reader_open(paths[i], &r, NULL), 0);
		assert_string_equal(jrn_reader_hdr(r)->prev_path, paths[i - 1]);
		jrn_reader_close(r);
	}
	inst_log_free(paths, n);
	scan(&s);	/* the chain reads through every link */
	j = open_jk(&db);
	assert_string_equal(get(j, db, "^S(2999)"), "a value of some forty bytes, more or less");
	jk_close(j);
}

static void
test_marker_returns_its_place(void **state)
{
	struct jk *j = open_jk(NULL);
	struct jk_loc loc;
	struct jrn_reader *r;
	struct jrn_rec rec;

	(void)state;
	assert_int_equal(jk_mark(j, 7, "before batch", &loc), 0);
	assert_int_equal(jrn_reader_open(loc.path, &r, NULL), 0);
	assert_int_equal(jrn_reader_seek(r, loc.offset), 0);
	assert_int_equal(jrn_reader_next(r, &rec), 0);
	assert_int_equal(rec.offset, loc.offset);
	assert_int_equal(rec.type, JRN_MARKER);
	assert_int_equal(rec.marker_id, 7);
	assert_int_equal(rec.marker_seq, 1);
	assert_memory_equal(rec.val, "before batch", 12);
	jrn_reader_close(r);
	assert_int_equal(jk_mark(j, 8, "second", &loc), 0);
	assert_int_equal(jrn_reader_open(loc.path, &r, NULL), 0);
	assert_int_equal(jrn_reader_seek(r, loc.offset), 0);
	assert_int_equal(jrn_reader_next(r, &rec), 0);
	assert_int_equal(rec.marker_seq, 2);
	assert_true(rec.prev_marker > 0);
	jrn_reader_close(r);
	jk_close(j);
}

static void
test_stop_and_start_journaling(void **state)
{
	struct jk_db *db;
	struct jk *j = open_jk(&db);
	struct jrn_status st;
	struct jrn_reader *r;

	(void)state;
	assert_int_equal(jk_start(j), JK_ESTATE);
	assert_non_null(strstr(jk_err(j)->msg, "Already journaling to"));
	assert_int_equal(jk_stop(j), 0);
	assert_int_equal(jk_status(j, &st), 0);
	assert_false(st.journaling);
	assert_int_equal(jk_stop(j), JK_ESTATE);
	set(j, db, "^U", "unjournaled");	/* data goes on; the journal does not */
	assert_int_equal(jk_start(j), 0);
	assert_int_equal(jk_status(j, &st), 0);
	assert_true(st.journaling);
	assert_int_equal(jrn_reader_open(st.path, &r, NULL), 0);
	assert_int_equal(jrn_reader_hdr(r)->flags & 1, 1);	/* explicit start */
	jrn_reader_close(r);
	assert_string_equal(get(j, db, "^U"), "unjournaled");
	jk_close(j);
}

static void
test_checkpoint_records_its_place_in_the_database(void **state)
{
	struct jk_db *db;
	struct jk *j = open_jk(&db);
	struct jrn_status st;
	struct db_meta m;
	struct jrn_reader *r;
	struct jrn_rec rec;

	(void)state;
	set(j, db, "^K", "1");
	assert_int_equal(jk_status(j, &st), 0);
	assert_int_equal(jk_checkpoint(j), 0);
	assert_int_equal(db_meta_get(db, &m), 0);
	assert_int_equal(m.ckpt.offset, st.end);
	assert_string_equal(m.ckpt.path, st.path);
	assert_int_equal(jrn_reader_open(st.path, &r, NULL), 0);
	assert_int_equal(jrn_reader_seek(r, m.ckpt.offset), 0);
	/* the file's one database map again, then the checkpoint (JRN_F_MAPS) */
	assert_int_equal(jrn_reader_next(r, &rec), 0);
	assert_int_equal(rec.type, JRN_DBMAP);
	assert_true(rec.flags & JRN_F_MAPS);
	assert_int_equal(rec.dbnum, 1);
	assert_int_equal(jrn_reader_next(r, &rec), 0);
	assert_int_equal(rec.type, JRN_CHECKPOINT);
	assert_true(rec.flags & JRN_F_MAPS);
	assert_int_equal(rec.count, 1);
	jrn_reader_close(r);
	jk_close(j);
}

/* Each process: tstart, $INCREMENT ^ctr, set ^log(n)=pid, tcommit. */
static void
counter_worker(int txs)
{
	struct jk_db *db;
	struct jk *j = open_jk(&db);
	struct jk_key k;
	struct buf v = BUF_INIT;
	char r[64];
	int i;

	for (i = 0; i < txs; i++) {
		if (jk_tstart(j) != 0)
			_exit(10);
		ref(&k, "^ctr");
		if (jk_incr(j, db, &k, (const uint8_t *)"1", 1, &v) != 0)
			_exit(11);
		snprintf(r, sizeof r, "^log(%s)", buf_str(&v));
		ref(&k, r);
		snprintf(r, sizeof r, "%d", (int)getpid());
		if (jk_set(j, db, &k, (const uint8_t *)r, strlen(r)) != 0)
			_exit(12);
		if (jk_tcommit(j) != 0)
			_exit(13);
	}
	jk_close(j);
	buf_release(&v);
	_exit(0);
}

static void
run_counter_procs(int procs, int txs)
{
	pid_t pid[8];
	int i, status;

	for (i = 0; i < procs; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0)
			counter_worker(txs);
	}
	for (i = 0; i < procs; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

static void
check_counter(int total)
{
	struct jk_db *db;
	struct jk *j;
	struct seen s;
	char r[64];
	int i;

	scan(&s);
	/* journal order is commit order: the counter's values rise by one, record after record */
	assert_int_equal(s.nincr, total);
	for (i = 0; i < s.nincr; i++)
		assert_int_equal(s.incr_results[i], (uint64_t)i + 1);
	assert_int_equal(s.commits, total);
	j = open_jk(&db);
	snprintf(r, sizeof r, "%d", total);
	assert_string_equal(get(j, db, "^ctr"), r);
	for (i = 1; i <= total; i++) {
		snprintf(r, sizeof r, "^log(%d)", i);
		assert_non_null(get(j, db, r));
	}
	jk_close(j);
}

static void
test_four_processes_journal_in_commit_order(void **state)
{
	(void)state;
	conf_set(0, JK_COMMIT_GROUP);
	run_counter_procs(4, 250);
	check_counter(1000);
}

static void
test_sync_mode_with_concurrent_committers(void **state)
{
	(void)state;
	conf_set(0, JK_COMMIT_SYNC);
	run_counter_procs(8, 30);
	check_counter(240);
}

/* ---- faults ------------------------------------------------------------------ */

static int fault_errno;
static ssize_t
half_then_fail(int fd, const void *p, size_t n, off_t off)
{
	if (n > 1) {
		ssize_t k = pwrite(fd, p, n / 2, off);

		if (k > 0)
			return k;
	}
	errno = fault_errno;
	return -1;
}

static int
fail_sync(int fd)
{
	(void)fd;
	errno = EIO;
	return -1;
}

static void
test_full_disk_while_journaling_loses_nothing_committed(void **state)
{
	struct jk_db *db;
	struct jk *j;
	struct jk_key k;
	struct jrn_io io = { half_then_fail, NULL };
	struct jrn_status st1, st2;
	struct jrn_verify v;
	int e;

	(void)state;
	j = open_jk(&db);
	set(j, db, "^D(1)", "committed");
	assert_int_equal(jk_status(j, &st1), 0);
	for (e = 0; e < 2; e++) {
		fault_errno = e == 0 ? ENOSPC : EIO;
		jrn_writer_set_io(jk_writer(j), &io);
		ref(&k, "^D(1)");
		assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"lost", 4), JK_EIO);
		assert_non_null(strstr(jk_err(j)->msg, e == 0 ? "No space left" : "Input/output error"));
		assert_non_null(strstr(jk_err(j)->msg, "journaling is still enabled"));
		jrn_writer_set_io(jk_writer(j), NULL);
		assert_string_equal(get(j, db, "^D(1)"), "committed");
		assert_int_equal(jk_status(j, &st2), 0);
		assert_int_equal(st2.end, st1.end);	/* the half record was taken back */
		/* in a transaction too: the whole transaction fails, nothing applied */
		jrn_writer_set_io(jk_writer(j), &io);
		assert_int_equal(jk_tstart(j), 0);
		set(j, db, "^D(2)", "in tx");
		assert_int_equal(jk_tcommit(j), JK_EIO);
		jrn_writer_set_io(jk_writer(j), NULL);
		assert_null(get(j, db, "^D(2)"));
	}
	set(j, db, "^D(3)", "after");
	jk_close(j);
	assert_int_equal(jrn_verify_file(st1.path, &v, NULL), 0);
}

static void
test_failing_fsync_in_sync_mode_is_reported(void **state)
{
	struct jk_db *db;
	struct jk *j;
	struct jk_key k;
	struct jrn_io io = { NULL, fail_sync };

	(void)state;
	conf_set(0, JK_COMMIT_SYNC);
	j = open_jk(&db);
	jrn_writer_set_io(jk_writer(j), &io);
	ref(&k, "^F");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"x", 1), JK_EIO);
	assert_non_null(strstr(jk_err(j)->msg, "cannot sync journal"));
	jrn_writer_set_io(jk_writer(j), NULL);
	jk_close(j);
}

/*
 * A process that appended a commit's records and died before its database
 * commit: the next writer re-applies the records.
 */
static void
test_dead_writer_after_append_is_redone(void **state)
{
	struct jk_db *db;
	struct jk *j;
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct jrn_writer *w;
		struct inst_conf c;
		struct jk_key k;
		struct buf b = BUF_INIT;
		struct jrn_rec r;
		uint64_t redo;
		uint32_t num;
		size_t st;
		struct buf canon = BUF_INIT;
		char d[4200];

		snprintf(d, sizeof d, "%s/db/user", dir);
		if (inst_conf_load(dir, &c, NULL) != 0 || jrn_writer_open(dir, &c, &w, NULL) != 0 ||
		    jrn_writer_lock(w, &redo) != 0 || db_canon_path(d, &canon, NULL) != 0 ||
		    jrn_writer_dbnum(w, buf_str(&canon), 1, &num) != 0)
			_exit(20);
		memset(&r, 0, sizeof r);
		r.type = JRN_SET;
		r.dbnum = num;
		ref(&k, "^Redo(1)");
		jrn_rec_begin(&b, &r, &st);
		jrn_put_key(&b, k.b, k.len);
		jrn_put_val(&b, "from the journal", 16);
		jrn_rec_end(&b, st);
		if (jrn_writer_append(w, b.data, b.len, true) != 0)
			_exit(21);
		_exit(0);	/* dies holding the lock, before any database commit */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	j = open_jk(&db);
	assert_null(get(j, db, "^Redo(1)"));
	set(j, db, "^Other", "1");	/* the next writer takes the lock ... */
	assert_string_equal(get(j, db, "^Redo(1)"), "from the journal");	/* ... and redoes */
	jk_close(j);
}

/*
 * Kill a writer with SIGKILL at various moments: the journal reads cleanly
 * (or to a torn tail), and once the next writer has run, the databases
 * hold exactly the committed transactions.
 */
static void
test_sigkilled_writer_leaves_a_consistent_journal(void **state)
{
	struct jk_db *db;
	struct jk *j;
	struct seen s;
	char **paths, b[64];
	size_t n, i;
	int round, fds[2], status, got;
	pid_t pid;

	(void)state;
	for (round = 0; round < 8; round++) {
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct jk_key k;
			struct buf v = BUF_INIT;
			char c = 'c';

			close(fds[0]);
			j = open_jk(&db);
			for (;;) {
				jk_tstart(j);
				ref(&k, "^ctr");
				jk_incr(j, db, &k, (const uint8_t *)"1", 1, &v);
				set(j, db, "^pad(1)", "some padding to make the records longer");
				jk_tcommit(j);
				if (write(fds[1], &c, 1) != 1)
					_exit(1);
			}
		}
		close(fds[1]);
		for (got = 0; got < 20 + round * 37; got++)
			if (read(fds[0], b, 1) != 1)
				break;
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(fds[0]);

		n = journal_files(&paths);
		for (i = 0; i < n; i++) {
			struct jrn_verify v;
			int rc = jrn_verify_file(paths[i], &v, NULL);

			assert_true(rc == 0 || rc == JK_ETORN);
		}
		inst_log_free(paths, n);
		j = open_jk(&db);
		set(j, db, "^after", "x");	/* takes the lock: a dead holder is dealt with */
		jk_close(j);
		scan(&s);
		j = open_jk(&db);
		snprintf(b, sizeof b, "%d", s.commits);
		assert_string_equal(get(j, db, "^ctr"), b);
		jk_close(j);
	}
}

/* A last file found damaged is left as it is; writing goes on in a new file. */
static void
test_damaged_last_file_is_left_and_writing_goes_on(void **state)
{
	struct jk_db *db;
	struct jk *j;
	struct jrn_status st1, st2;
	struct jrn_verify v;
	struct jrn_chain *c;
	struct jrn_rec r;
	char **paths;
	const char *msg;
	size_t n;
	int rc;

	(void)state;
	j = open_jk(&db);
	set(j, db, "^T(1)", "one");
	set(j, db, "^T(2)", "two");
	assert_int_equal(jk_status(j, &st1), 0);
	jk_close(j);
	assert_int_equal(truncate(st1.path, (off_t)st1.end - 3), 0);	/* a torn last record */

	j = open_jk(&db);
	set(j, db, "^T(3)", "three");
	assert_int_equal(jk_status(j, &st2), 0);
	jk_close(j);
	assert_string_not_equal(st1.path, st2.path);
	assert_int_equal(jrn_verify_file(st1.path, &v, NULL), JK_ETORN);
	assert_int_equal(v.bytes, st1.end - 3);	/* untouched */
	assert_false(v.closed);

	n = journal_files(&paths);
	assert_int_equal(jrn_chain_open(paths, n, &c, NULL), 0);
	while ((rc = jrn_chain_next(c, &r, NULL)) == 0)
		;
	assert_int_equal(rc, 1);
	assert_int_equal(jrn_chain_torn(c, &msg), 1);
	assert_non_null(strstr(msg, "valid up to offset"));
	jrn_chain_close(c);
	inst_log_free(paths, n);
}

/*
 * restore.lock: a process holding it exclusively (a restore) makes updates
 * refuse the database; a process that has written the database makes an
 * exclusive hold refuse; within one process the holds share one lock.
 */
static void
test_restore_lock_and_writers_refuse_each_other(void **state)
{
	struct jk_db *db;
	struct jk *j;
	struct dblock *l, *l2;
	struct jk_err err;
	struct jk_key k;
	char canon[4200], c;
	int go[2], done[2], status;
	pid_t pid;

	(void)state;
	j = open_jk(&db);
	snprintf(canon, sizeof canon, "%s", db_path(db));
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dblock *x;

		if (dblock_open(canon, true, &x, NULL) != 0)
			_exit(1);
		if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	assert_int_equal(read(go[0], &c, 1), 1);
	ref(&k, "^R");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"1", 1), JK_ELOCKED);
	assert_non_null(strstr(jk_err(j)->msg, "is being restored by another process"));
	assert_int_equal(write(done[1], "d", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	set(j, db, "^R", "1");	/* the restore is over: the writer holds it shared now */

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dblock *x;
		struct jk_err e;

		if (dblock_open(canon, true, &x, &e) != JK_ELOCKED || strstr(e.msg, "is in use") == NULL)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);

	/* this process's own writer does not stand in the way of its restore */
	jk_err_clear(&err);
	assert_int_equal(dblock_open(canon, true, &l, &err), 0);
	assert_int_equal(dblock_open(canon, true, &l2, &err), 0);
	set(j, db, "^R", "2");
	dblock_close(l2);
	dblock_close(l);
	jk_close(j);
	/* every hold given back: an exclusive one is free again */
	assert_int_equal(dblock_open(canon, true, &l, &err), 0);
	dblock_close(l);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_updates_are_journaled_in_order),
		T(test_transaction_records_carry_old_values),
		T(test_rollback_and_nested_levels),
		T(test_oversized_value_is_refused_and_nothing_written),
		T(test_switch_at_size_limit_links_the_files),
		T(test_marker_returns_its_place),
		T(test_stop_and_start_journaling),
		T(test_checkpoint_records_its_place_in_the_database),
		T(test_four_processes_journal_in_commit_order),
		T(test_sync_mode_with_concurrent_committers),
		T(test_full_disk_while_journaling_loses_nothing_committed),
		T(test_failing_fsync_in_sync_mode_is_reported),
		T(test_dead_writer_after_append_is_redone),
		T(test_sigkilled_writer_leaves_a_consistent_journal),
		T(test_damaged_last_file_is_left_and_writing_goes_on),
		T(test_restore_lock_and_writers_refuse_each_other),
#undef T
	};
	return cmocka_run_group_tests_name("jk", tests, NULL, NULL);
}
