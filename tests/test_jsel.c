/*
 * test_jsel.c - the record filter, the record formats and the counters of
 * jsel.h, on records made here with the journal encoder: each filter
 * against the set of records worked out by hand, the text and JSON lines
 * byte for byte, and the counters' totals against the records counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gref.h"
#include "jsel.h"

/* 2026-11-20 10:00:00 UTC */
#define T0 1795168800000000ull

/* The records: index, what they are. */
struct spec {
	uint8_t type, flags, tlevel;
	uint32_t pid, dbnum;
	uint64_t txid, seq, dt;		/* dt: seconds after T0 */
	const char *ref;		/* ZWR reference for updates */
	const char *val;		/* new value (SET), text (MARKER), path (DBMAP) */
	const char *old;		/* old value when JRN_F_OLD */
};

static const struct spec specs[] = {
	/* 0 */ { JRN_DBMAP, 0, 0, 100, 1, 0, 0, 0, NULL, "/srv/db/acct/", NULL },
	/* 1 */ { JRN_DBMAP, 0, 0, 100, 2, 0, 0, 0, NULL, "/srv/db/tmp/", NULL },
	/* 2 */ { JRN_SET, 0, 0, 100, 1, 0, 5, 10, "^Acct(1042,\"bal\")", "1500.25", NULL },
	/* 3 */ { JRN_SET, 0, 0, 200, 2, 0, 6, 20, "^Acct(1)", "x", NULL },
	/* 4 */ { JRN_TBEGIN, 0, 1, 200, 0, 77, 0, 30, NULL, NULL, NULL },
	/* 5 */ { JRN_SET, JRN_F_TX | JRN_F_OLD, 1, 200, 1, 77, 7, 30, "^Balax", "5", "4" },
	/* 6 */ { JRN_ZKILL, JRN_F_TX, 1, 200, 1, 77, 8, 30, "^Acct(77)", NULL, NULL },
	/* 7 */ { JRN_TCOMMIT, 0, 1, 200, 0, 77, 0, 30, NULL, NULL, NULL },
	/* 8 */ { JRN_KILLDESC, 0, 0, 300, 2, 0, 9, 40, "^Acct2", NULL, NULL },
	/* 9 */ { JRN_MARKER, 0, 0, 300, 0, 0, 0, 50, NULL, "before \"batch\"", NULL },
};
#define NREC (sizeof specs / sizeof specs[0])

static struct buf raw;
static struct jrn_rec recs[NREC];
static struct jsel_file jf;

static int
setup(void **state)
{
	struct jk_key k;
	struct jk_err e;
	size_t i, start, end, off = 0;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	buf_init(&raw);
	for (i = 0; i < NREC; i++) {
		const struct spec *s = &specs[i];
		struct jrn_rec p;

		memset(&p, 0, sizeof p);
		p.type = s->type;
		p.flags = s->flags;
		p.tlevel = s->tlevel;
		p.time_us = T0 + s->dt * 1000000 + 123456;
		p.pid = s->pid;
		p.dbnum = s->dbnum;
		p.txid = s->txid;
		p.seq = s->seq;
		assert_int_equal(jrn_rec_begin(&raw, &p, &start), 0);
		if (s->ref != NULL) {
			assert_int_equal(gref_parse(s->ref, strlen(s->ref), &k, &end, &e), 0);
			assert_int_equal(jrn_put_key(&raw, k.b, k.len), 0);
		}
		switch (s->type) {
		case JRN_SET:
			assert_int_equal(jrn_put_val(&raw, s->val, strlen(s->val)), 0);
			if (s->old != NULL) {
				assert_int_equal(jrn_put_u8(&raw, 1), 0);
				assert_int_equal(jrn_put_val(&raw, s->old, strlen(s->old)), 0);
			}
			break;
		case JRN_DBMAP:
			assert_int_equal(jrn_put_u64(&raw, 1000 + i), 0);
			assert_int_equal(jrn_put_str16(&raw, s->val, strlen(s->val)), 0);
			break;
		case JRN_TCOMMIT:
			assert_int_equal(jrn_put_u32(&raw, 2), 0);
			break;
		case JRN_MARKER:
			assert_int_equal(jrn_put_u64(&raw, 3), 0);
			assert_int_equal(jrn_put_u64(&raw, 1), 0);
			assert_int_equal(jrn_put_u64(&raw, 0), 0);
			assert_int_equal(jrn_put_str16(&raw, s->val, strlen(s->val)), 0);
			break;
		default:
			break;
		}
		assert_int_equal(jrn_rec_end(&raw, start), 0);
	}
	/* decode them where they lie (buf may have moved while growing) */
	jsel_file_init(&jf, "/srv/jrn/journal/20261120.001");
	for (i = 0; i < NREC; i++) {
		assert_int_equal(jrn_rec_decode(raw.data + off, raw.len - off, &recs[i], true), 0);
		recs[i].offset = 100 + off;
		off += recs[i].len;
		assert_int_equal(jsel_file_note(&jf, &recs[i]), 0);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	jsel_file_release(&jf);
	buf_release(&raw);
	return 0;
}

/* The indexes of the records s passes, as "2 3 5". */
static const char *
passed(struct jsel *s)
{
	static char out[64];
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < NREC; i++)
		if (jsel_match(s, &jf, &recs[i]))
			n += (size_t)snprintf(out + n, sizeof out - n, "%s%zu", n ? " " : "", i);
	return out;
}

/* The records the filter terms pass. */
static const char *
with(const char *terms)
{
	static char out[64];
	struct jsel s;
	struct jk_err e;

	jsel_init(&s);
	jk_err_clear(&e);
	if (jsel_parse(&s, terms, &e) != 0)
		fail_msg("jsel_parse('%s'): %s", terms, e.msg);
	snprintf(out, sizeof out, "%s", passed(&s));
	jsel_release(&s);
	return out;
}

static void
test_jsel_empty_filter_passes_everything(void **state)
{
	(void)state;
	assert_string_equal(with(""), "0 1 2 3 4 5 6 7 8 9");
}

static void
test_jsel_op_codes(void **state)
{
	(void)state;
	assert_string_equal(with("op=S"), "2 3 5");
	assert_string_equal(with("op=ST"), "5");		/* S in a transaction only */
	assert_string_equal(with("op=k"), "6 8");		/* kill descendants and zkill */
	assert_string_equal(with("op=kT"), "6");
	assert_string_equal(with("op=BT,CT"), "4 7");
	assert_string_equal(with("op=BTL,M"), "4 9");
	assert_string_equal(with("op=DB"), "0 1");
}

static void
test_jsel_pid_dir_tx(void **state)
{
	(void)state;
	assert_string_equal(with("pid=200"), "3 4 5 6 7");
	assert_string_equal(with("pid=100 pid=300"), "0 1 2 8 9");	/* either */
	assert_string_equal(with("dir=/srv/db/tmp"), "1 3 8");
	assert_string_equal(with("dir=/srv/db/acct/ op=S"), "2 5");
	assert_string_equal(with("tx=77"), "4 5 6 7");
	assert_string_equal(with("tx=yes"), "4 5 6 7");
	assert_string_equal(with("tx=no op=S"), "2 3");
}

static void
test_jsel_globals(void **state)
{
	(void)state;
	assert_string_equal(with("global=Acct"), "2 3 6");		/* every node of ^Acct */
	assert_string_equal(with("global=^Acct(1)"), "3");		/* that node only */
	assert_string_equal(with("global=Acct(1042,\"bal\")"), "2");
	assert_string_equal(with("global=Acct*"), "2 3 6 8");	/* a pattern */
	assert_string_equal(with("global=Bal?x"), "5");
	assert_string_equal(with("contains=(77)"), "6");
	assert_string_equal(with("contains=\"bal\""), "2");
	assert_string_equal(with("global=Acct global=Balax"), "2 3 5 6");
}

static void
test_jsel_ranges(void **state)
{
	(void)state;
	assert_string_equal(with("since=20261120 10:00:30"), "4 5 6 7 8 9");
	assert_string_equal(with("until=20261120 10:00:20.123456"), "0 1 2 3");
	assert_string_equal(with("since=20261120 10:00:20 until=20261120 10:00:30.5"), "3 4 5 6 7");
	assert_string_equal(with("seq=6-8"), "3 5 6");
	assert_string_equal(with("seq=9-"), "8");
	assert_string_equal(with("seq=7"), "5");
	assert_string_equal(with("offset=-100"), "0");
	assert_string_equal(with("offset=101-"), "1 2 3 4 5 6 7 8 9");
}

static void
test_jsel_parse_errors_name_the_term(void **state)
{
	static const struct { const char *terms, *msg; } bad[] = {
		{ "op=X", "unknown op code 'X'" },
		{ "op=BTT", "unknown op code 'BTT'" },
		{ "colour=red", "unknown filter 'colour'" },
		{ "seq=9-3", "bad range '9-3'" },
		{ "since=yesterday", "bad time 'yesterday'" },
		{ "pid=abc", "bad process id 'abc'" },
		{ "global=1Acct", "bad global reference '1Acct'" },
		{ "global=Ac-ct*", "bad global pattern 'Ac-ct*'" },
		{ "tx=maybe", "bad tx 'maybe'" },
		{ "S", "bad filter 'S'" },
	};
	struct jsel s;
	struct jk_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		jsel_init(&s);
		jk_err_clear(&e);
		assert_int_equal(jsel_parse(&s, bad[i].terms, &e), JK_EFORMAT);
		if (strstr(e.msg, bad[i].msg) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].terms, e.msg, bad[i].msg);
		jsel_release(&s);
	}
}

/* What a filter describes itself as reads back as the same filter. */
static void
test_jsel_describe_reads_back(void **state)
{
	const char *terms = "global=Acct* contains=(1) op=S,kT pid=200 dir=/srv/db/acct/ tx=yes "
	    "since=20261120 10:00:20.000000 until=20261120 10:00:40.000000 seq=5-8 offset=100-";
	struct jsel s, t;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct jk_err e;

	(void)state;
	jsel_init(&s);
	jsel_init(&t);
	jk_err_clear(&e);
	assert_int_equal(jsel_parse(&s, terms, &e), 0);
	assert_int_equal(jsel_describe(&s, &a), 0);
	assert_string_equal(buf_str(&a), terms);
	assert_int_equal(jsel_parse(&t, buf_str(&a), &e), 0);
	assert_int_equal(jsel_describe(&t, &b), 0);
	assert_string_equal(buf_str(&a), buf_str(&b));
	jsel_release(&s);
	jsel_release(&t);
	buf_release(&a);
	buf_release(&b);
}

static const char *
line_of(size_t i, bool json)
{
	static struct buf out;
	struct jsel_fmt fm;

	buf_reset(&out);
	jsel_fmt_init(&fm, json);
	assert_int_equal(jsel_line(&out, &fm, &jf, &recs[i]), 0);
	return buf_str(&out);
}

static void
test_jsel_text_lines(void **state)
{
	char want[512];

	(void)state;
	snprintf(want, sizeof want, "20261120.001 %llu 2026-11-20 10:00:10.123456 "
	    "pid=100 op=S len=%u seq=5 ^[\"/srv/db/acct/\"]Acct(1042,\"bal\")=1500.25\n",
	    (unsigned long long)recs[2].offset, recs[2].len);
	assert_string_equal(line_of(2, false), want);
	snprintf(want, sizeof want, "20261120.001 %llu 2026-11-20 10:00:30.123456 "
	    "pid=200 op=ST len=%u tx=77 seq=7 ^[\"/srv/db/acct/\"]Balax=5 old=4\n",
	    (unsigned long long)recs[5].offset, recs[5].len);
	assert_string_equal(line_of(5, false), want);
	snprintf(want, sizeof want, "20261120.001 %llu 2026-11-20 10:00:30.123456 "
	    "pid=200 op=CT len=%u tx=77 level=1 updates=2\n",
	    (unsigned long long)recs[7].offset, recs[7].len);
	assert_string_equal(line_of(7, false), want);
	snprintf(want, sizeof want, "20261120.001 %llu 2026-11-20 10:00:50.123456 "
	    "pid=300 op=M len=%u id=3 seq=1 prev=0 text=\"before \"\"batch\"\"\"\n",
	    (unsigned long long)recs[9].offset, recs[9].len);
	assert_string_equal(line_of(9, false), want);
}

static void
test_jsel_json_lines(void **state)
{
	char want[512];

	(void)state;
	snprintf(want, sizeof want, "{\"file\":\"/srv/jrn/journal/20261120.001\",\"offset\":%llu,"
	    "\"len\":%u,\"type\":\"Set\",\"op\":\"ST\",\"time\":\"2026-11-20 10:00:30.123456\","
	    "\"time_us\":%llu,\"pid\":200,\"tx\":77,\"level\":1,\"seq\":7,\"dbnum\":1,"
	    "\"db\":\"/srv/db/acct/\",\"global\":\"^Balax\",\"value\":\"5\",\"old\":\"4\"}\n",
	    (unsigned long long)recs[5].offset, recs[5].len,
	    (unsigned long long)recs[5].time_us);
	assert_string_equal(line_of(5, true), want);
	snprintf(want, sizeof want, "{\"file\":\"/srv/jrn/journal/20261120.001\",\"offset\":%llu,"
	    "\"len\":%u,\"type\":\"Set\",\"op\":\"S\",\"time\":\"2026-11-20 10:00:10.123456\","
	    "\"time_us\":%llu,\"pid\":100,\"seq\":5,\"dbnum\":1,\"db\":\"/srv/db/acct/\","
	    "\"global\":\"^Acct(1042,\\\"bal\\\")\",\"value\":\"1500.25\"}\n",
	    (unsigned long long)recs[2].offset, recs[2].len,
	    (unsigned long long)recs[2].time_us);
	assert_string_equal(line_of(2, true), want);
}

static void
test_jsel_gv_column(void **state)
{
	struct buf b = BUF_INIT;
	char op[5];

	(void)state;
	assert_int_equal(jsel_gv(&b, &jf, &recs[2]), 0);
	assert_string_equal(buf_str(&b), "Acct(1042,\"bal\") = 1500.25");
	buf_reset(&b);
	assert_int_equal(jsel_gv(&b, &jf, &recs[6]), 0);
	assert_string_equal(buf_str(&b), "Acct(77)");
	jsel_op(&recs[6], op);
	assert_string_equal(op, "kT");
	jsel_op(&recs[4], op);
	assert_string_equal(op, "BT");
	buf_release(&b);
}

/*
 * The numbers of a text line (offset, pid, tx, seq) are written without
 * printf: at every width, 1 to 20 digits, and on both sides of each power
 * of ten they read as printf writes them.
 */
static void
test_jsel_text_numbers_at_every_width(void **state)
{
	struct jrn_rec r = recs[5];	/* a set in a transaction: it has tx= and seq= */
	struct jsel_fmt fm;
	struct buf out = BUF_INIT;
	char want[512];
	uint64_t v[64], p = 1;
	size_t n = 0, i;

	(void)state;
	v[n++] = 1;
	v[n++] = UINT64_MAX;
	v[n++] = UINT64_MAX - 1;
	for (i = 1; i < 20; i++) {
		p *= 10;
		v[n++] = p - 1;
		v[n++] = p;
		v[n++] = p + 1;
	}
	jsel_fmt_init(&fm, false);
	for (i = 0; i < n; i++) {
		r.offset = v[i] - 1;	/* 0 as well */
		r.pid = (uint32_t)v[i];
		r.txid = v[i];
		r.seq = v[n - 1 - i];
		buf_reset(&out);
		assert_int_equal(jsel_line(&out, &fm, &jf, &r), 0);
		snprintf(want, sizeof want, "20261120.001 %llu 2026-11-20 10:00:30.123456 "
		    "pid=%u op=ST len=%u tx=%llu seq=%llu ^[\"/srv/db/acct/\"]Balax=5 old=4\n",
		    (unsigned long long)r.offset, r.pid, r.len, (unsigned long long)r.txid,
		    (unsigned long long)r.seq);
		assert_string_equal(buf_str(&out), want);
	}
	buf_release(&out);
}

/* Every breakdown's total is the number of records counted, and its bytes theirs. */
static void
test_jsel_stats_totals_equal_records(void **state)
{
	struct jsel_stats st;
	struct buf out = BUF_INIT;
	uint64_t bytes = 0, sum;
	size_t i, k, rep;
	const struct jsel_table *tabs[3];
	char want[80];

	(void)state;
	jsel_stats_init(&st);
	jsel_stats_file(&st);
	/* many rounds, so the tables grow past their first size */
	for (rep = 0; rep < 50; rep++)
		for (i = 0; i < NREC; i++) {
			struct jrn_rec r = recs[i];

			r.pid += (uint32_t)rep;
			assert_int_equal(jsel_stats_add(&st, &jf, &r), 0);
			bytes += r.len;
		}
	assert_int_equal(st.records, 50 * NREC);
	assert_int_equal(st.bytes, bytes);
	tabs[0] = &st.globals;
	tabs[1] = &st.dbs;
	tabs[2] = &st.pids;
	for (k = 0; k < 3; k++) {
		uint64_t b = 0;

		for (sum = 0, i = 0; i < tabs[k]->cap; i++)
			if (tabs[k]->v[i].name != NULL) {
				sum += tabs[k]->v[i].records;
				b += tabs[k]->v[i].bytes;
			}
		assert_int_equal(sum, st.records);
		assert_int_equal(b, st.bytes);
	}
	assert_int_equal(st.pids.n, 150);	/* 100..149, 200..249, 300..349 */
	assert_int_equal(st.type_records[JRN_SET], 150);
	assert_int_equal(st.globals.n, 4);	/* Acct Balax Acct2 and the row of no global */
	assert_int_equal(jsel_stats_format(&st, &out, false), 0);
	assert_non_null(strstr(buf_str(&out), "500 records,"));
	snprintf(want, sizeof want, "\n%-32s %12d ", "Acct", 150);
	assert_non_null(strstr(buf_str(&out), want));
	buf_reset(&out);
	assert_int_equal(jsel_stats_format(&st, &out, true), 0);
	assert_non_null(strstr(buf_str(&out), "{\"name\":\"Acct\",\"records\":150,"));
	jsel_stats_release(&st);
	buf_release(&out);
}

/*
 * Counting in ranges and merging gives what counting in order gives: a
 * sequence where sets come before their database is defined, a number
 * defined again with another directory, cut at every pair of points into
 * three ranges (the later two counting under numbers what they cannot name).
 */
static void
count_in_order(const struct jrn_rec *seq, size_t lo, size_t hi, struct jsel_file *f, struct jsel_stats *st)
{
	size_t i;

	for (i = lo; i < hi; i++) {
		assert_int_equal(jsel_file_note(f, &seq[i]), 0);
		assert_int_equal(jsel_stats_add(st, f, &seq[i]), 0);
	}
}

static void
test_jsel_stats_ranges_merge_as_in_order(void **state)
{
	static const int order[] = { 2, 3, 0, 2, 3, 8, 1, 3, 4, 5, 6, 7, -1, 2, 3, 8, 9, 2, 0, 2, 8 };
	struct jrn_rec seq[sizeof order / sizeof order[0]];
	size_t n = sizeof order / sizeof order[0], a, b, j;
	struct buf want = BUF_INIT, wantj = BUF_INIT, got = BUF_INIT;
	struct jsel_stats all, part[3];
	struct jsel_file f, pf[3], acc;
	size_t cut[4];

	(void)state;
	for (j = 0; j < n; j++) {
		if (order[j] >= 0) {
			seq[j] = recs[order[j]];
		} else {
			seq[j] = recs[1];	/* number 1 defined again: /srv/db/tmp/ */
			seq[j].dbnum = 1;
		}
	}
	jsel_stats_init(&all);
	jsel_stats_file(&all);
	jsel_file_init(&f, "x");
	count_in_order(seq, 0, n, &f, &all);
	jsel_file_release(&f);
	assert_int_equal(jsel_stats_format(&all, &want, false), 0);
	assert_int_equal(jsel_stats_format(&all, &wantj, true), 0);
	/* worked out by hand: sets before their number's DBMAP have no database; DBMAPs count under their own directory */
	assert_non_null(strstr(buf_str(&want), "\n/srv/db/acct/                               6 "));
	assert_non_null(strstr(buf_str(&want), "\n/srv/db/tmp/                                8 "));
	assert_non_null(strstr(buf_str(&want), "\n(no database)                               7 "));
	jsel_stats_release(&all);

	for (a = 0; a <= n; a++)
		for (b = a; b <= n; b++) {
			cut[0] = 0, cut[1] = a, cut[2] = b, cut[3] = n;
			for (j = 0; j < 3; j++) {
				jsel_stats_init(&part[j]);
				if (j > 0)
					jsel_stats_defer_dbs(&part[j]);
				jsel_file_init(&pf[j], "x");
				count_in_order(seq, cut[j], cut[j + 1], &pf[j], &part[j]);
			}
			jsel_stats_file(&part[0]);
			jsel_file_init(&acc, "x");
			for (j = 0; j < 3; j++) {
				if (j > 0)
					assert_int_equal(jsel_stats_merge(&part[0], &part[j], &acc), 0);
				assert_int_equal(jsel_file_overlay(&acc, &pf[j]), 0);
			}
			buf_reset(&got);
			assert_int_equal(jsel_stats_format(&part[0], &got, false), 0);
			if (strcmp(buf_str(&got), buf_str(&want)) != 0)
				fail_msg("ranges 0-%zu-%zu-%zu:\n%s\nnot\n%s", a, b, n, buf_str(&got), buf_str(&want));
			buf_reset(&got);
			assert_int_equal(jsel_stats_format(&part[0], &got, true), 0);
			assert_string_equal(buf_str(&got), buf_str(&wantj));
			/* the directories known after the last range are those known in order */
			assert_string_equal(jsel_file_db(&acc, 1), "/srv/db/acct/");
			assert_string_equal(jsel_file_db(&acc, 2), "/srv/db/tmp/");
			for (j = 0; j < 3; j++) {
				jsel_stats_release(&part[j]);
				jsel_file_release(&pf[j]);
			}
			jsel_file_release(&acc);
		}
	buf_release(&want);
	buf_release(&wantj);
	buf_release(&got);
}

/* A view of a filter matches as the filter does, with a scratch of its own. */
static void
test_jsel_view_matches_as_the_filter(void **state)
{
	struct jsel s, v;
	struct jk_err e;
	size_t i;

	(void)state;
	jsel_init(&s);
	jk_err_clear(&e);
	assert_int_equal(jsel_parse(&s, "contains=Acct( pid=200", &e), 0);
	assert_false(jsel_needs_dbmap(&s));
	jsel_view(&v, &s);
	for (i = 0; i < NREC; i++)
		assert_int_equal(jsel_match(&v, &jf, &recs[i]), jsel_match(&s, &jf, &recs[i]));
	assert_true(jsel_match(&v, &jf, &recs[3]));
	assert_ptr_not_equal(v.scratch.data, s.scratch.data);
	jsel_view_release(&v);
	assert_int_equal(jsel_parse(&s, "dir=/srv/db/tmp", &e), 0);
	assert_true(jsel_needs_dbmap(&s));
	jsel_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsel_empty_filter_passes_everything),
		cmocka_unit_test(test_jsel_op_codes),
		cmocka_unit_test(test_jsel_pid_dir_tx),
		cmocka_unit_test(test_jsel_globals),
		cmocka_unit_test(test_jsel_ranges),
		cmocka_unit_test(test_jsel_parse_errors_name_the_term),
		cmocka_unit_test(test_jsel_describe_reads_back),
		cmocka_unit_test(test_jsel_text_lines),
		cmocka_unit_test(test_jsel_json_lines),
		cmocka_unit_test(test_jsel_gv_column),
		cmocka_unit_test(test_jsel_text_numbers_at_every_width),
		cmocka_unit_test(test_jsel_stats_totals_equal_records),
		cmocka_unit_test(test_jsel_stats_ranges_merge_as_in_order),
		cmocka_unit_test(test_jsel_view_matches_as_the_filter),
	};

	return cmocka_run_group_tests_name("jsel", tests, setup, teardown);
}
