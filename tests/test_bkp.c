/*
 * test_bkp.c - the backup write lock, backups and purge: writers wait for a
 * bounded time and then fail clearly while writes are locked; a lock whose
 * holder is killed is gone; a backup equals the database at its marker;
 * every failure (a full disk at the target, a failing sync, a missing
 * directory) leaves writes unlocked and no backup behind; purge keeps what
 * recovery needs.
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
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bkp.h"
#include "jk.h"
#include "rst.h"
#include "util/tmpdir.h"

static char top[4096], dir[4200], bdir[4200];

static int
setup(void **state)
{
	struct inst_conf c;
	struct jk_err err;

	(void)state;
	assert_int_equal(tu_mkdtemp(top, sizeof top, "test_bkp"), 0);
	snprintf(dir, sizeof dir, "%s/inst/", top);
	snprintf(bdir, sizeof bdir, "%s/bk/", top);
	assert_int_equal(mkdir(bdir, 0777), 0);
	jk_err_clear(&err);
	if (jk_init(dir, &err) != 0)
		fail_msg("jk_init: %s", err.msg);
	assert_int_equal(inst_conf_load(dir, &c, NULL), 0);
	c.lock_wait_ms = 100;
	assert_int_equal(inst_conf_save(dir, &c, NULL), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	bkp_set_io(NULL);
	return tu_rmtree(top);
}

static struct jk *
open_j(void)
{
	struct jk_err err;
	struct jk *j;

	jk_err_clear(&err);
	if (jk_open(dir, &j, &err) != 0)
		fail_msg("jk_open: %s", err.msg);
	return j;
}

static void
key(struct jk_key *k, const char *ref)
{
	struct jk_err err;
	size_t end;

	if (gref_parse(ref, strlen(ref), k, &end, &err) != 0)
		fail_msg("key %s: %s", ref, err.msg);
}

static int
set(struct jk *j, const char *ref, const char *v)
{
	struct jk_db *db;
	struct jk_key k;

	assert_int_equal(jk_db(j, NULL, &db), 0);
	key(&k, ref);
	return jk_set(j, db, &k, (const uint8_t *)v, strlen(v));
}

static void
check_value(struct jk *j, const char *ref, const char *want)
{
	struct buf v = BUF_INIT;
	struct jk_db *db;
	struct jk_key k;

	assert_int_equal(jk_db(j, NULL, &db), 0);
	key(&k, ref);
	assert_int_equal(jk_get(j, db, &k, &v), 0);
	assert_string_equal(buf_str(&v), want);
	buf_release(&v);
}

static bool
locked(void)
{
	struct bkp_lock_state st;

	assert_int_equal(bkp_locked(dir, &st, NULL), 0);
	return st.locked;
}

static void
test_writer_times_out_while_locked(void **state)
{
	struct jk *a = open_j(), *b = open_j();
	struct jk_err err;
	struct timeval t0, t1;
	long ms;

	(void)state;
	assert_int_equal(set(a, "^A", "1"), 0);
	jk_err_clear(&err);
	assert_int_equal(bkp_lock(a, BKP_HOLDER_LOCK, 0, &err), 0);
	assert_true(locked());
	/* the holder's own handle writes; another waits lock_wait_ms and fails */
	assert_int_equal(set(a, "^A", "2"), 0);
	gettimeofday(&t0, NULL);
	assert_int_equal(set(b, "^A", "3"), JK_ELOCKED);
	gettimeofday(&t1, NULL);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
	assert_true(ms >= 100);
	assert_non_null(strstr(jk_err(b)->msg, "writes are locked for a backup"));
	assert_non_null(strstr(jk_err(b)->msg, "waited 100 ms"));
	/* a second holder is refused after its own wait */
	assert_int_equal(bkp_lock(b, BKP_HOLDER_BACKUP, 10, &err), JK_ELOCKED);
	assert_non_null(strstr(err.msg, "already locked"));
	bkp_unlock(a);
	assert_false(locked());
	assert_int_equal(set(b, "^A", "3"), 0);
	check_value(a, "^A", "3");
	jk_close(a);
	jk_close(b);
}

static void
test_lock_of_killed_holder_is_released(void **state)
{
	struct jk *j;
	int p[2], status;
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct jk_err err;
		struct jk *h = open_j();

		close(p[0]);
		if (bkp_lock(h, BKP_HOLDER_LOCK, 0, &err) != 0)
			_exit(1);
		if (write(p[1], "k", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_true(locked());
	j = open_j();
	assert_int_equal(set(j, "^K", "1"), JK_ELOCKED);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* the record lock died with its holder; the token it left is cleared by the next writer */
	assert_false(locked());
	assert_int_equal(set(j, "^K", "2"), 0);
	assert_int_equal(set(j, "^K", "3"), 0);
	check_value(j, "^K", "3");
	jk_close(j);
}

static int
count_entries(const char *d)
{
	char cmd[4400];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", d);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

static void
test_backup_is_the_database_at_its_marker(void **state)
{
	struct jk *j = open_j(), *c;
	struct bkp_entry e;
	struct bkp_history h;
	struct jk_err err;
	struct jk_db *db;
	struct jk_key k;
	struct buf v = BUF_INIT;
	struct timeval tv;
	char copy[4300];

	(void)state;
	assert_int_equal(set(j, "^B(1)", "before"), 0);
	jk_err_clear(&err);
	if (bkp_backup(j, bdir, "full", &e, &err) != 0)
		fail_msg("bkp_backup: %s", err.msg);
	assert_false(locked());
	assert_int_equal(e.ndbs, 1);
	assert_true(e.marker_offset > 0);
	assert_true(e.bytes > 0);
	/* writes were locked after the backup began, and let go before it returned */
	gettimeofday(&tv, NULL);
	assert_true(e.locked_at_us >= e.time_us);
	assert_true(e.locked_at_us + e.locked_us <= (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec);
	assert_int_equal(set(j, "^B(1)", "after"), 0);
	/* the copy holds the value before the marker */
	snprintf(copy, sizeof copy, "%s", e.dbs[0].copy);
	c = open_j();
	assert_int_equal(jk_db(c, copy, &db), 0);
	key(&k, "^B(1)");
	assert_int_equal(jk_get(c, db, &k, &v), 0);
	assert_string_equal(buf_str(&v), "before");
	jk_close(c);
	/* the history has it, and the marker is a backup marker in that file */
	assert_int_equal(bkp_history_read(dir, &h, &err), 0);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.e[0].name, e.name);
	assert_int_equal(h.e[0].marker_offset, e.marker_offset);
	assert_string_equal(h.e[0].dbs[0].copy, copy);
	bkp_history_release(&h);
	{
		struct jrn_reader *r;
		struct jrn_rec rec;

		assert_int_equal(jrn_reader_open(e.marker_path, &r, NULL), 0);
		assert_int_equal(jrn_reader_seek(r, e.marker_offset), 0);
		assert_int_equal(jrn_reader_next(r, &rec), 0);
		assert_int_equal(rec.type, JRN_MARKER);
		assert_int_equal(rec.marker_id, -1);
		assert_non_null(memmem(rec.val, rec.vallen, ";full", 5));
		jrn_reader_close(r);
	}
	buf_release(&v);
	bkp_entry_release(&e);
	jk_close(j);
}

static ssize_t
write_enospc(int fd, const void *p, size_t n)
{
	(void)fd;
	(void)p;
	(void)n;
	errno = ENOSPC;
	return -1;
}

static ssize_t
pwrite_enospc(int fd, const void *p, size_t n, off_t off)
{
	(void)fd;
	(void)p;
	(void)n;
	(void)off;
	errno = ENOSPC;
	return -1;
}

static int
fsync_eio(int fd)
{
	(void)fd;
	errno = EIO;
	return -1;
}

/* A failed backup: the error, writes unlocked, nothing in the backup directory or the history. */
static void
expect_failed_backup(struct jk *j, const char *to, const char *type, int code, const char *msg)
{
	struct bkp_history h;
	struct bkp_entry e;
	struct jk_err err;
	struct jk *other = open_j();

	jk_err_clear(&err);
	assert_int_equal(bkp_backup(j, to, type, &e, &err), code);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, msg);
	assert_false(locked());
	assert_int_equal(set(other, "^F", "written"), 0);
	assert_int_equal(count_entries(bdir), 0);
	assert_int_equal(bkp_history_read(dir, &h, &err), 0);
	assert_int_equal(h.n, 0);
	jk_close(other);
}

static void
test_failed_backups_unlock_and_leave_nothing(void **state)
{
	struct bkp_io full = { write_enospc, NULL }, badsync = { NULL, fsync_eio };
	struct bkp_entry e;
	struct jk_err err;
	char missing[4300];
	struct jk *j = open_j();

	(void)state;
	assert_int_equal(set(j, "^F", "1"), 0);
	bkp_set_io(&full);
	expect_failed_backup(j, bdir, "full", JK_EIO, "No space left on device");
	bkp_set_io(&badsync);
	expect_failed_backup(j, bdir, "full", JK_EIO, "cannot sync");
	bkp_set_io(NULL);
	{
		/* the journal full while writes are locked: the switch or the marker fails */
		struct jrn_io jfull = { pwrite_enospc, NULL }, sys = { NULL, NULL };

		jrn_writer_set_io(jk_writer(j), &jfull);
		expect_failed_backup(j, bdir, "full", JK_EIO, "No space left on device");
		jrn_writer_set_io(jk_writer(j), &sys);
	}
	snprintf(missing, sizeof missing, "%s/nowhere", top);
	expect_failed_backup(j, missing, "full", JK_ENOTFOUND, "does not exist");
	expect_failed_backup(j, bdir, "incremental", JK_EUSAGE, "full backups");
	/* and then one that works */
	jk_err_clear(&err);
	assert_int_equal(bkp_backup(j, bdir, "full", &e, &err), 0);
	assert_false(locked());
	bkp_entry_release(&e);
	jk_close(j);
}

static void
test_restore_backup_and_default_start(void **state)
{
	struct jk *j = open_j();
	struct bkp_entry e, r;
	struct rst_plan p;
	struct buf note = BUF_INIT;
	struct jk_err err;
	char tgt[4300], *olds[1], *news[1];

	(void)state;
	assert_int_equal(set(j, "^R", "1"), 0);
	jk_err_clear(&err);
	assert_int_equal(bkp_backup(j, bdir, "full", &e, &err), 0);
	assert_int_equal(set(j, "^R", "2"), 0);
	/* no backup restored yet: the start stays the first record */
	rst_plan_init(&p);
	assert_int_equal(rst_plan_set_inst(&p, dir, &err), 0);
	assert_int_equal(rst_files_from_log(&p.files, dir, NULL, 0, &err), 0);
	assert_int_equal(rst_plan_default_start(&p, &note, &err), 0);
	assert_int_equal(p.start.kind, RST_EDGE);
	assert_int_equal(note.len, 0);
	/* restored elsewhere: the copy is as of the marker, and the default start is the marker */
	snprintf(tgt, sizeof tgt, "%s/restored/", top);
	olds[0] = e.dbs[0].source;
	news[0] = tgt;
	assert_int_equal(bkp_restore(j, "nosuch", olds, news, 1, &r, &err), JK_ENOTFOUND);
	if (bkp_restore(j, e.name, olds, news, 1, &r, &err) != 0)
		fail_msg("bkp_restore: %s", err.msg);
	assert_string_equal(r.dbs[0].copy, tgt);
	bkp_entry_release(&r);
	assert_int_equal(rst_plan_default_start(&p, &note, &err), 0);
	assert_int_equal(p.start.kind, RST_LOCATION);
	assert_int_equal(p.start.offset, e.marker_offset);
	assert_string_equal(p.start.path, e.marker_path);
	assert_non_null(strstr(buf_str(&note), e.name));
	{
		struct jk_db *db;
		struct jk_key k;
		struct buf v = BUF_INIT;

		assert_int_equal(jk_db(j, tgt, &db), 0);
		key(&k, "^R");
		assert_int_equal(jk_get(j, db, &k, &v), 0);
		assert_string_equal(buf_str(&v), "1");
		buf_release(&v);
	}
	rst_plan_release(&p);
	buf_release(&note);
	bkp_entry_release(&e);
	jk_close(j);
}

static void
age(const char *path, int days)
{
	struct timeval tv[2];

	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= (time_t)days * 86400;
	tv[1] = tv[0];
	assert_int_equal(utimes(path, tv), 0);
}

static void
test_purge_keeps_what_recovery_needs(void **state)
{
	struct bkp_purge_opts o = { -1, -1, false };
	struct jk *j = open_j();
	struct jk_err err;
	char **log, **out = NULL;
	size_t nlog, n = 0, i;

	(void)state;
	/* .001 set; .002 set + checkpoint; .003 set; .004 current */
	assert_int_equal(set(j, "^P", "1"), 0);
	assert_int_equal(jk_switch(j, NULL, NULL), 0);
	assert_int_equal(set(j, "^P", "2"), 0);
	assert_int_equal(jk_checkpoint(j), 0);
	assert_int_equal(jk_switch(j, NULL, NULL), 0);
	assert_int_equal(set(j, "^P", "3"), 0);
	assert_int_equal(jk_switch(j, NULL, NULL), 0);
	assert_int_equal(inst_log_read(dir, &log, &nlog, &err), 0);
	assert_int_equal(nlog, 4);
	/* the rules off: nothing goes, whatever the age */
	for (i = 0; i < nlog; i++)
		age(log[i], 30);
	assert_int_equal(bkp_purge(j, &o, &out, &n, &err), 0);
	assert_int_equal(n, 0);
	/* 10 days: only .001; .002 holds the checkpoint, .003 follows it, .004 is current */
	o.days = 10;
	o.dry_run = true;
	assert_int_equal(bkp_purge(j, &o, &out, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], log[0]);
	assert_int_equal(access(log[0], F_OK), 0);
	strv_free(out, n);
	out = NULL;
	n = 0;
	o.dry_run = false;
	assert_int_equal(bkp_purge(j, &o, &out, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(access(log[0], F_OK), -1);
	for (i = 1; i < nlog; i++)
		assert_int_equal(access(log[i], F_OK), 0);
	strv_free(out, n);
	out = NULL;
	n = 0;
	/* again: none */
	assert_int_equal(bkp_purge(j, &o, &out, &n, &err), 0);
	assert_int_equal(n, 0);
	/* journal.log keeps every line */
	inst_log_free(log, nlog);
	assert_int_equal(inst_log_read(dir, &log, &nlog, &err), 0);
	assert_int_equal(nlog, 4);
	inst_log_free(log, nlog);
	jk_close(j);
}

static void
test_purge_by_backups(void **state)
{
	struct bkp_purge_opts o = { 0, 1, false };
	struct jk *j = open_j();
	struct bkp_entry e;
	struct jk_err err;
	struct timeval t0, t1;
	char **out = NULL;
	size_t n = 0;
	uint64_t when;

	(void)state;
	assert_int_equal(set(j, "^Q", "1"), 0);
	assert_int_equal(jk_switch(j, NULL, NULL), 0);
	assert_int_equal(set(j, "^Q", "2"), 0);
	/* no backup: none */
	assert_int_equal(bkp_purge(j, &o, &out, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bkp_backup(j, bdir, "full", &e, &err), 0);
	/* the backup switched to .003 and checkpointed every database: .001 and .002 go */
	assert_int_equal(bkp_purged_when(dir, e.marker_path, &when, &err), JK_ENOTFOUND);
	gettimeofday(&t0, NULL);
	assert_int_equal(bkp_purge(j, &o, &out, &n, &err), 0);
	gettimeofday(&t1, NULL);
	assert_int_equal(n, 2);
	/* state/purged tells when each went; the marker's file was not purged */
	assert_int_equal(bkp_purged_when(dir, out[1], &when, &err), 0);
	assert_true(when >= (uint64_t)t0.tv_sec * 1000000 + (uint64_t)t0.tv_usec);
	assert_true(when <= (uint64_t)t1.tv_sec * 1000000 + (uint64_t)t1.tv_usec);
	assert_int_equal(bkp_purged_when(dir, e.marker_path, &when, &err), JK_ENOTFOUND);
	assert_non_null(strstr(out[0], ".001"));
	assert_non_null(strstr(out[1], ".002"));
	assert_string_equal(e.marker_path + strlen(e.marker_path) - 4, ".003");
	assert_int_equal(access(e.marker_path, F_OK), 0);
	strv_free(out, n);
	bkp_entry_release(&e);
	jk_close(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writer_times_out_while_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_of_killed_holder_is_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_is_the_database_at_its_marker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_backups_unlock_and_leave_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_backup_and_default_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_keeps_what_recovery_needs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_by_backups, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
