/*
 * test_clu.c - the cluster: the sequence counter and the records it
 * stamps, sessions, members, the cluster journal log and journal-file
 * redirection; the merge of crafted member journals by sequence number,
 * with a gap, a number used twice and disorder each reported with both
 * records' places; a cluster restore that meets a gap.
 *
 * The crafted journals are made with the format's own encoders
 * (jrn_hdr_encode, jrn_rec_begin/end), so each record is valid and only
 * its sequence number is what the test chose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clu.h"
#include "db.h"
#include "gref.h"
#include "inst.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "rst.h"
#include "util/dbdump.h"
#include "util/tmpdir.h"

static char top[4096];
static char cdir[4200];

static int
setup(void **state)
{
	struct jk_err err;

	(void)state;
	assert_int_equal(tu_mkdtemp(top, sizeof top, "test_clu"), 0);
	snprintf(cdir, sizeof cdir, "%s/clu", top);
	jk_err_clear(&err);
	if (clu_create(cdir, &err) != 0)
		fail_msg("clu_create: %s", err.msg);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmtree(top);
	return 0;
}

static struct clu *
open_clu(int csn)
{
	struct jk_err err;
	struct clu *c;

	jk_err_clear(&err);
	if (clu_open(cdir, csn, &c, &err) != 0)
		fail_msg("clu_open: %s", err.msg);
	return c;
}

/* ---- crafted records ------------------------------------------------------------------- */

static void
rec_simple(struct buf *b, uint8_t type, uint64_t seq)
{
	struct jrn_rec r;
	size_t st;

	memset(&r, 0, sizeof r);
	r.type = type;
	r.seq = seq;
	r.time_us = 1;
	assert_int_equal(jrn_rec_begin(b, &r, &st), 0);
	if (type == JRN_TCOMMIT)
		assert_int_equal(jrn_put_u32(b, 1), 0);
	assert_int_equal(jrn_rec_end(b, st), 0);
}

/* A SET of ^A(sub)=val in database 1. */
static void
rec_set(struct buf *b, uint64_t seq, unsigned sub, const char *val)
{
	struct jk_key k;
	struct jrn_rec r;
	char s[16];
	size_t st;

	snprintf(s, sizeof s, "%u", sub);
	assert_int_equal(gref_key_init(&k, "A", 1, NULL), 0);
	assert_int_equal(gref_key_add(&k, (const uint8_t *)s, strlen(s), NULL), 0);
	memset(&r, 0, sizeof r);
	r.type = JRN_SET;
	r.seq = seq;
	r.dbnum = 1;
	r.time_us = 1;
	assert_int_equal(jrn_rec_begin(b, &r, &st), 0);
	assert_int_equal(jrn_put_key(b, k.b, k.len), 0);
	assert_int_equal(jrn_put_val(b, val, strlen(val)), 0);
	assert_int_equal(jrn_rec_end(b, st), 0);
}

static void
rec_marker(struct buf *b, uint64_t seq, const char *text)
{
	struct jrn_rec r;
	size_t st;

	memset(&r, 0, sizeof r);
	r.type = JRN_MARKER;
	r.seq = seq;
	assert_int_equal(jrn_rec_begin(b, &r, &st), 0);
	assert_int_equal(jrn_put_u64(b, 7), 0);
	assert_int_equal(jrn_put_u64(b, 1), 0);
	assert_int_equal(jrn_put_u64(b, 0), 0);
	assert_int_equal(jrn_put_str16(b, text, strlen(text)), 0);
	assert_int_equal(jrn_rec_end(b, st), 0);
}

/*
 * A member's journal file at path: header, JSTART, a map of database 1 to
 * dbpath, then the records described by spec: "s5" a SET with number 5,
 * "m5" a marker, "b5"/"c5" TBEGIN/TCOMMIT.  offs[i] gets each spec
 * record's offset.
 */
static void
craft(const char *path, int csn, const char *dbpath, const char *const *spec, uint64_t *offs)
{
	struct buf b = BUF_INIT;
	struct jrn_hdr h;
	struct jrn_rec r;
	size_t st, i;
	FILE *f;

	memset(&h, 0, sizeof h);
	h.file_id = 1000 + (uint64_t)csn;
	h.created_us = 1;
	h.csi = 42;
	h.csn = (uint32_t)csn;
	assert_int_equal(jrn_hdr_encode(&b, &h), 0);
	rec_simple(&b, JRN_JSTART, 0);
	memset(&r, 0, sizeof r);
	r.type = JRN_DBMAP;
	r.dbnum = 1;
	assert_int_equal(jrn_rec_begin(&b, &r, &st), 0);
	assert_int_equal(jrn_put_u64(&b, 9), 0);
	assert_int_equal(jrn_put_str16(&b, dbpath, strlen(dbpath)), 0);
	assert_int_equal(jrn_rec_end(&b, st), 0);
	for (i = 0; spec[i] != NULL; i++) {
		uint64_t seq = strtoull(spec[i] + 1, NULL, 10);

		if (offs != NULL)
			offs[i] = b.len;
		switch (spec[i][0]) {
		case 's': rec_set(&b, seq, (unsigned)seq, spec[i]); break;
		case 'm': rec_marker(&b, seq, "eod"); break;
		case 'b': rec_simple(&b, JRN_TBEGIN, seq); break;
		case 'c': rec_simple(&b, JRN_TCOMMIT, seq); break;
		default: fail_msg("bad spec %s", spec[i]);
		}
	}
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);
	buf_release(&b);
}

/* ---- the counter ----------------------------------------------------------------------- */

static void
test_stamp_gives_consecutive_numbers_and_valid_records(void **state)
{
	struct clu *c = open_clu(0);
	struct buf b = BUF_INIT;
	struct jrn_rec r;
	uint64_t first, off;
	int i;

	(void)state;
	rec_simple(&b, JRN_TBEGIN, 0);
	rec_set(&b, 0, 1, "x");
	rec_simple(&b, JRN_TCOMMIT, 0);
	assert_int_equal(clu_stamp(c, b.data, b.len, &first), JK_ESTATE);	/* without the lock */
	assert_int_equal(clu_lock(c), 0);
	assert_int_equal(clu_stamp(c, b.data, b.len, &first), 0);
	assert_int_equal(first, 1);
	for (off = 0, i = 0; off < b.len; off += r.len, i++) {
		assert_int_equal(jrn_rec_decode(b.data + off, b.len - off, &r, true), 0);
		assert_int_equal(r.seq, 1 + (uint64_t)i);
	}
	assert_int_equal(i, 3);
	assert_int_equal(clu_seq_next(c), 4);
	/* an append that failed gives them back: no gap */
	clu_unstamp(c, first);
	assert_int_equal(clu_seq_next(c), 1);
	/* a cut record is refused, and nothing is taken */
	assert_int_equal(clu_stamp(c, b.data, b.len - 1, &first), JK_EUSAGE);
	assert_int_equal(clu_seq_next(c), 1);
	clu_unlock(c);
	clu_close(c);
	buf_release(&b);
}

static void
test_counter_read_and_written_agrees_with_the_map(void **state)
{
	struct clu *a = open_clu(-1), *b = open_clu(-1);
	uint64_t s;

	(void)state;
	assert_true(clu_mapped(a));	/* the test directory is local */
	clu_set_mapped(b, false);
	assert_false(clu_mapped(b));
	assert_int_equal(clu_lock(a), 0);
	assert_int_equal(clu_seq_take(a, 10, &s), 0);
	assert_int_equal(s, 1);
	clu_unlock(a);
	assert_int_equal(clu_lock(b), 0);
	assert_int_equal(clu_seq_take(b, 5, &s), 0);
	assert_int_equal(s, 11);
	clu_unlock(b);
	assert_int_equal(clu_seq_next(a), 16);
	assert_int_equal(clu_lock(a), 0);
	assert_int_equal(clu_seq_raise(a, 100), 0);
	assert_int_equal(clu_seq_raise(a, 50), 0);	/* never down */
	clu_unlock(a);
	assert_int_equal(clu_seq_next(b), 100);
	clu_close(a);
	clu_close(b);
}

static void
test_session_begins_when_a_member_comes_up_after_all_stopped(void **state)
{
	struct clu *c = open_clu(0);
	uint64_t s1, s2;

	(void)state;
	assert_int_equal(clu_csi(c), 0);
	assert_int_equal(clu_member_up(c, 0), JK_ESTATE);	/* without the lock */
	assert_int_equal(clu_lock(c), 0);
	assert_int_equal(clu_member_up(c, 0), 0);
	s1 = clu_csi(c);
	assert_true(s1 > 0);
	assert_int_equal(clu_member_up(c, 2), 0);
	assert_int_equal(clu_csi(c), s1);		/* joins the session */
	assert_int_equal(clu_member_down(c, 0), 0);
	assert_int_equal(clu_member_up(c, 0), 0);
	assert_int_equal(clu_csi(c), s1);		/* member 2 kept it going */
	assert_int_equal(clu_member_down(c, 0), 0);
	assert_int_equal(clu_member_down(c, 2), 0);
	assert_false(clu_member_up_now(c, 2));
	assert_int_equal(clu_member_up(c, 1), 0);
	s2 = clu_csi(c);
	assert_true(s2 > s1);				/* all had stopped: a new one */
	assert_true(clu_member_up_now(c, 1));
	assert_int_equal(clu_member_up(c, 64), JK_EUSAGE);
	clu_unlock(c);
	clu_close(c);
}

static void
test_join_refuses_a_taken_number_and_a_second_cluster(void **state)
{
	struct clu_member *m;
	struct inst_conf conf;
	struct jk_err err;
	char a[4300], b[4300], other[4300];
	size_t n;

	(void)state;
	snprintf(a, sizeof a, "%s/a", top);
	snprintf(b, sizeof b, "%s/b", top);
	snprintf(other, sizeof other, "%s/other", top);
	assert_int_equal(inst_create(a, NULL), 0);
	assert_int_equal(inst_create(b, NULL), 0);
	jk_err_clear(&err);
	assert_int_equal(clu_join(cdir, a, 3, &err), 0);
	assert_int_equal(clu_join(cdir, a, 3, &err), 0);	/* again: nothing to do */
	assert_int_equal(clu_join(cdir, b, 3, &err), JK_EEXIST);
	assert_non_null(strstr(err.msg, "cluster member 3 is"));
	assert_int_equal(clu_join(cdir, b, -1, &err), JK_EUSAGE);
	assert_int_equal(clu_join(cdir, a, 4, &err), JK_ESTATE);
	assert_int_equal(clu_create(other, NULL), 0);
	assert_int_equal(clu_join(other, a, 3, &err), JK_ESTATE);
	assert_int_equal(inst_conf_load(a, &conf, NULL), 0);
	assert_int_equal(conf.csn, 3);
	assert_non_null(strstr(conf.cluster_dir, "/clu/"));
	assert_int_equal(clu_members(cdir, &m, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].csn, 3);
	clu_members_free(m, n);
}

static void
test_log_reads_entries_and_names_a_bad_line(void **state)
{
	struct clu *c = open_clu(1);
	struct clu_log l;
	struct jk_err err;
	char path[4300];
	FILE *f;

	(void)state;
	clu_log_init(&l);
	jk_err_clear(&err);
	assert_int_equal(clu_log_append(c, 1, "/j/a/20261121.001"), 0);
	assert_int_equal(clu_log_append(c, 0, "/j/b/20261121.001"), 0);
	assert_int_equal(clu_log_append(c, 1, "relative"), JK_EUSAGE);
	snprintf(path, sizeof path, "%s/%s", cdir, CLU_LOG_FILE);
	assert_int_equal(clu_log_read(path, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.e[0].csn, 1);
	assert_string_equal(l.e[1].path, "/j/b/20261121.001");
	assert_non_null(f = fopen(path, "a"));
	fputs("x,/j\n", f);
	fclose(f);
	assert_int_equal(clu_log_read(path, &l, &err), JK_EFORMAT);
	assert_non_null(strstr(err.msg, "entry 3"));
	assert_non_null(strstr(err.msg, "'x,/j'"));
	assert_int_equal(l.n, 0);
	clu_close(c);
}

static void
test_redirect_many_to_one_longest_prefix(void **state)
{
	struct clu_redirect r;
	struct buf out = BUF_INIT;
	struct jk_err err;

	(void)state;
	clu_redirect_init(&r);
	jk_err_clear(&err);
	assert_int_equal(clu_redirect_add(&r, "/old/n0", "/new", &err), 0);
	assert_int_equal(clu_redirect_add(&r, "/old/n1/", "/new", &err), 0);	/* many to one */
	assert_int_equal(clu_redirect_add(&r, "/old/n0/deep", "/deeper", &err), 0);
	assert_int_equal(clu_redirect_add(&r, "/old/n0", "/new/", &err), 0);	/* the same again */
	assert_int_equal(clu_redirect_add(&r, "/old/n0", "/elsewhere", &err), JK_EUSAGE);
	assert_non_null(strstr(err.msg, "cannot go to two"));
	assert_int_equal(clu_redirect_apply(&r, "/old/n0/j.001", &out), 0);
	assert_string_equal(buf_str(&out), "/new/j.001");
	assert_int_equal(clu_redirect_apply(&r, "/old/n0/deep/j.001", &out), 0);
	assert_string_equal(buf_str(&out), "/deeper/j.001");
	assert_int_equal(clu_redirect_apply(&r, "/old/n10/j.001", &out), 0);
	assert_string_equal(buf_str(&out), "/old/n10/j.001");	/* a prefix is a directory */
	clu_redirect_release(&r);
	buf_release(&out);
}

/* ---- the merge ---------------------------------------------------------------------------- */

static char p0[4300], p1[4300];
static uint64_t o0[16], o1[16];

/* Two members' files from specs; a merge over them. */
static struct clu_merge *
merge2(const char *const *s0, const char *const *s1)
{
	char *paths[2];
	int csns[2] = { 0, 1 };
	struct clu_merge *m;
	struct jk_err err;

	snprintf(p0, sizeof p0, "%s/n0.001", top);
	snprintf(p1, sizeof p1, "%s/n1.001", top);
	craft(p0, 0, "/db/x/", s0, o0);
	craft(p1, 1, "/db/x/", s1, o1);
	paths[0] = p0;
	paths[1] = p1;
	jk_err_clear(&err);
	if (clu_merge_open(paths, csns, 2, &m, &err) != 0)
		fail_msg("clu_merge_open: %s", err.msg);
	return m;
}

/* The next numbered record's number (records without one are passed over); <0 an error. */
static int64_t
next_seq(struct clu_merge *m, size_t *fi, uint64_t *off)
{
	struct jrn_rec r;
	int rc;

	while ((rc = clu_merge_next(m, &r, fi)) == 0 && r.seq == 0)
		;
	if (rc != 0)
		return rc < 0 ? rc : 0;
	*off = r.offset;
	return (int64_t)r.seq;
}

static void
test_merge_orders_by_sequence_and_keeps_marker_copies(void **state)
{
	static const char *const s0[] = { "s1", "b3", "s4", "c5", "m7", "s9", NULL };
	static const char *const s1[] = { "s2", "s6", "m7", "s8", NULL };
	static const int64_t want[] = { 1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 0 };
	struct clu_merge *m = merge2(s0, s1);
	uint64_t off;
	size_t fi, i;

	(void)state;
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_int_equal(next_seq(m, &fi, &off), want[i]);
	assert_true(clu_merge_bytes(m) > 0);
	assert_int_equal(clu_merge_torn(m), 0);
	clu_merge_close(m);
}

static void
test_merge_reports_a_gap_with_both_places(void **state)
{
	static const char *const s0[] = { "s1", "s2", NULL };
	static const char *const s1[] = { "s5", "s6", NULL };
	struct clu_merge *m = merge2(s0, s1);
	char want[9000];
	uint64_t off;
	size_t fi;

	(void)state;
	assert_int_equal(next_seq(m, &fi, &off), 1);
	assert_int_equal(next_seq(m, &fi, &off), 2);
	assert_int_equal(next_seq(m, &fi, &off), JK_ECORRUPT);
	snprintf(want, sizeof want, "cluster sequence gap: #2 at offset %" PRIu64 " of %s, then #5 at offset %"
	    PRIu64 " of %s", o0[1], p0, o1[0], p1);
	assert_string_equal(clu_merge_err(m)->msg, want);
	assert_int_equal(clu_merge_index(m), 1);
	assert_int_equal(clu_merge_valid_end(m), o1[0]);
	/* raised again until acknowledged; then the stream goes on with that record */
	assert_int_equal(next_seq(m, &fi, &off), JK_ECORRUPT);
	clu_merge_skip(m);
	assert_int_equal(next_seq(m, &fi, &off), 5);
	assert_int_equal(fi, 1);
	assert_int_equal(off, o1[0]);
	assert_int_equal(next_seq(m, &fi, &off), 6);
	assert_int_equal(next_seq(m, &fi, &off), 0);
	clu_merge_close(m);
}

static void
test_merge_reports_a_number_used_twice(void **state)
{
	static const char *const s0[] = { "s1", "s2", NULL };
	static const char *const s1[] = { "s2", "s3", NULL };
	struct clu_merge *m = merge2(s0, s1);
	uint64_t off;
	size_t fi;

	(void)state;
	assert_int_equal(next_seq(m, &fi, &off), 1);
	assert_int_equal(next_seq(m, &fi, &off), 2);
	assert_int_equal(next_seq(m, &fi, &off), JK_ECORRUPT);
	assert_non_null(strstr(clu_merge_err(m)->msg, "number used twice: #2 at offset"));
	assert_non_null(strstr(clu_merge_err(m)->msg, p0));
	assert_non_null(strstr(clu_merge_err(m)->msg, p1));
	clu_merge_close(m);
}

static void
test_merge_reports_disorder_in_one_member(void **state)
{
	static const char *const s0[] = { "s1", "s4", "s3", NULL };
	static const char *const s1[] = { "s2", NULL };
	struct clu_merge *m = merge2(s0, s1);
	char want[9000];
	uint64_t off;
	size_t fi;

	(void)state;
	assert_int_equal(next_seq(m, &fi, &off), 1);
	assert_int_equal(next_seq(m, &fi, &off), 2);
	/* #3 is missing when #4 comes: a gap first */
	assert_int_equal(next_seq(m, &fi, &off), JK_ECORRUPT);
	clu_merge_skip(m);
	assert_int_equal(next_seq(m, &fi, &off), 4);
	assert_int_equal(next_seq(m, &fi, &off), JK_ECORRUPT);
	snprintf(want, sizeof want, "cluster sequence out of order in one member: #4 at offset %" PRIu64
	    " of %s, then #3 at offset %" PRIu64 " of %s", o0[1], p0, o0[2], p0);
	assert_string_equal(clu_merge_err(m)->msg, want);
	clu_merge_close(m);
}

/* ---- a cluster restore -------------------------------------------------------------------- */

static void
test_restore_stops_at_a_gap_naming_both_places(void **state)
{
	static const char *const s0[] = { "s1", "s2", "s3", NULL };
	static const char *const s1[] = { "s4", "s7", NULL };
	struct rst_result res;
	struct rst_plan p;
	struct clu_log l;
	struct jk_err err;
	struct buf dump = BUF_INIT;
	char inst[4300], tgt[4300], log[4300];
	int pass;

	(void)state;
	snprintf(inst, sizeof inst, "%s/inst", top);
	snprintf(p0, sizeof p0, "%s/n0.001", top);
	snprintf(p1, sizeof p1, "%s/n1.001", top);
	snprintf(log, sizeof log, "%s/copy.log", top);
	jk_err_clear(&err);
	assert_int_equal(jk_init(inst, &err), 0);
	craft(p0, 0, "/db/x/", s0, o0);
	craft(p1, 1, "/db/x/", s1, o1);
	clu_log_init(&l);
	assert_int_equal(clu_log_add(&l, 0, p0, &err), 0);
	assert_int_equal(clu_log_add(&l, 1, p1, &err), 0);
	assert_int_equal(clu_log_write(&l, log, &err), 0);
	clu_log_release(&l);
	for (pass = 0; pass < 2; pass++) {
		snprintf(tgt, sizeof tgt, "%s/t%d", top, pass);
		assert_int_equal(db_create(tgt, NULL), 0);
		rst_plan_init(&p);
		assert_int_equal(rst_plan_set_inst(&p, inst, &err), 0);
		assert_int_equal(rst_plan_set_cluster(&p, log, NULL, &err), 0);
		assert_non_null(p.csns);
		assert_int_equal(rst_plan_add_db(&p, "/db/x/", tgt, NULL, 0, &err), 0);
		p.jrn_errors = pass == 0 ? RST_ABORT : RST_CONTINUE;
		rst_result_init(&res);
		if (pass == 0) {
			assert_int_equal(rst_run(&p, NULL, &res), JK_ECORRUPT);
			assert_int_equal(res.status, RST_ABORTED);
			assert_int_equal(res.applied, 4);		/* all before the gap */
			assert_int_equal(res.next_offset, o1[1]);	/* the record after it */
			assert_string_equal(res.next_path, p1);
		} else {
			assert_int_equal(rst_run(&p, NULL, &res), 0);
			assert_int_equal(res.status, RST_DONE);
			assert_int_equal(res.applied, 5);
			assert_true(res.damage[0].skipped);
		}
		assert_int_equal(res.ndamage, 1);
		assert_non_null(strstr(res.damage[0].msg, "gap: #4 at offset"));
		assert_non_null(strstr(res.damage[0].msg, p1));
		tu_db_dump(tgt, &dump);
		assert_non_null(strstr(buf_str(&dump), pass == 0 ? "^A(4)=\"s4\"" : "^A(7)=\"s7\""));
		assert_null(strstr(buf_str(&dump), pass == 0 ? "^A(7)" : "^A(5)"));
		rst_result_release(&res);
		rst_plan_release(&p);
	}
	buf_release(&dump);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stamp_gives_consecutive_numbers_and_valid_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter_read_and_written_agrees_with_the_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_begins_when_a_member_comes_up_after_all_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_refuses_a_taken_number_and_a_second_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_reads_entries_and_names_a_bad_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redirect_many_to_one_longest_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_orders_by_sequence_and_keeps_marker_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_reports_a_gap_with_both_places, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_reports_a_number_used_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_reports_disorder_in_one_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_stops_at_a_gap_naming_both_places, setup, teardown),
	};

	return cmocka_run_group_tests_name("clu", tests, NULL, NULL);
}
