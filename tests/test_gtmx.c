/*
 * test_gtmx.c - the GT.M/YottaDB extract parser on hand-written extracts:
 * both labels, $HOROLOG converted in the local zone, every record type
 * (updates, fences, skipped and counted ones), values holding backslashes
 * and control bytes, and the errors a broken extract gets, by line.
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

#include "gtmx.h"
#include "util/tmpdir.h"

static char top[4096];
static char path[4200];

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(tu_mkdtemp(top, sizeof top, "test_gtmx"), 0);
	snprintf(path, sizeof path, "%s/x.mjf", top);
	setenv("TZ", "UTC0", 1);
	tzset();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmtree(top);
	return 0;
}

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Every record of the extract at path, as "KIND tx time pid ref=value" lines. */
static int
records(struct buf *out, struct gtmx **keep, struct jk_err *err)
{
	static const char *const names[] = { "", "SET", "INCR", "KILL", "KILLDESC", "ZKILL", "TSTART",
	    "TCOMMIT", "TROLLBACK", "MARK" };
	struct gtmx *x;
	struct cvt_src src;
	struct cvt_rec r;
	int rc;

	buf_reset(out);
	jk_err_clear(err);
	assert_int_equal(gtmx_open(path, &x, err), 0);
	src = gtmx_src(x);
	cvt_rec_init(&r);
	assert_int_equal(src.rewind(src.arg, err), 0);
	while ((rc = src.next(src.arg, &r, err)) == 0) {
		buf_addf(out, "%s %llu %llu %u", names[r.kind], (unsigned long long)r.tx,
		    (unsigned long long)r.time_us, r.pid);
		if (cvt_kind_is_update(r.kind)) {
			buf_addc(out, ' ');
			if (r.kind == CVT_SET)
				zwr_format_line(out, r.key.b, r.key.len, r.val.data, r.val.len);
			else
				gref_format(out, r.key.b, r.key.len, true);
		}
		buf_addf(out, " @%lu\n", r.line);
	}
	cvt_rec_release(&r);
	if (keep != NULL)
		*keep = x;
	else
		gtmx_close(x);
	return rc < 0 ? rc : 0;
}

#define H0 "67895,12282"
#define T0 "1795231482000000"	/* (67895 - 47117) * 86400 + 12282 seconds, UTC */

static void
test_horolog_converted_in_the_local_zone(void **state)
{
	uint64_t us;

	(void)state;
	assert_int_equal(gtmx_horolog("47117,0", 7, &us), 0);
	assert_int_equal(us, 0);
	assert_int_equal(gtmx_horolog(H0, strlen(H0), &us), 0);
	assert_int_equal(us, strtoull(T0, NULL, 10));
	assert_int_equal(gtmx_horolog("67895,12282,250", 15, &us), 0);
	assert_int_equal(us, strtoull(T0, NULL, 10) + 250);
	/* five hours behind UTC, no summer time: the same clock reading is five hours later */
	setenv("TZ", "XST5", 1);
	tzset();
	assert_int_equal(gtmx_horolog(H0, strlen(H0), &us), 0);
	assert_int_equal(us, strtoull(T0, NULL, 10) + 5 * 3600 * 1000000ull);
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(gtmx_horolog("67895", 5, &us), JK_EFORMAT);
	assert_int_equal(gtmx_horolog("67895,86400", 11, &us), JK_EFORMAT);
	assert_int_equal(gtmx_horolog("100,5", 5, &us), JK_EFORMAT);
	assert_int_equal(gtmx_horolog("6789a,5", 7, &us), JK_EFORMAT);
}

static void
test_both_labels_and_every_record_type(void **state)
{
	static const char *const labels[] = { "GDSJEX07", "YDBJEX08" };
	struct buf got = BUF_INIT;
	struct jk_err err;
	struct gtmx *x;
	char text[4096];
	const struct gtmx_stats *st;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		snprintf(text, sizeof text,
		    "%s\n"
		    "01\\" H0 "\\1\\25209\\vm\\root\\\\0\\\\\\\n"
		    "00\\" H0 "\\1\\25209\\0\\0\n"
		    "05\\" H0 "\\1\\25211\\0\\0\\0\\0\\0\\0\\^A(1)=\"x\"_$C(0,10,13)_\"a\\b\"\n"
		    "05\\" H0 "\\2\\25211\\0\\0\\0\\0\\0\\0\\^A(\"k\"_$C(1),2)=\"5\"\n"
		    "08\\" H0 "\\3\\25211\\0\\108280420499457\\0\\0\n"
		    "05\\" H0 "\\3\\25211\\0\\108280420499457\\0\\0\\1\\0\\^B(1)=\"1\"\n"
		    "04\\" H0 "\\3\\25211\\0\\108280420499457\\0\\0\\2\\0\\^A(1)\n"
		    "11\\" H0 "\\3\\25211\\0\\108280420499457\\0\\0\\3\\wormhole\n"
		    "09\\" H0 "\\3\\25211\\0\\108280420499457\\0\\0\\1\\\n"
		    "10\\" H0 "\\4\\25211\\0\\0\\0\\0\\0\\0\\^A(\"k\"_$C(1),2)\n"
		    "12\\" H0 "\\5\\25211\\0\\0\\0\\0\\0\\0\\^T(1)\n"
		    "13\\" H0 "\\6\\25211\\0\\0\\0\\0\\0\\+^T -commands=S -xecute=\"do ^X\"\n"
		    "\n"
		    "02\\" H0 "\\13\\25211\\0\n"
		    "03\\" H0 "\\13\\25211\\0\\0\n", labels[i]);
		write_file(text);
		if (records(&got, &x, &err) != 0)
			fail_msg("%s: %s", labels[i], err.msg);
		assert_string_equal(buf_str(&got),
		    "SET 0 " T0 " 25211 ^A(1)=\"x\"_$C(0,10,13)_\"a\\b\" @4\n"
		    "SET 0 " T0 " 25211 ^A(\"k\"_$C(1),2)=5 @5\n"
		    "TSTART 1 " T0 " 25211 @6\n"
		    "SET 1 " T0 " 25211 ^B(1)=1 @7\n"
		    "KILL 1 " T0 " 25211 ^A(1) @8\n"
		    "TCOMMIT 1 " T0 " 25211 @10\n"
		    "ZKILL 0 " T0 " 25211 ^A(\"k\"_$C(1),2) @11\n");
		assert_string_equal(gtmx_label(x), labels[i]);
		st = gtmx_stats(x);
		assert_int_equal(st->sets, 3);
		assert_int_equal(st->kills, 1);
		assert_int_equal(st->zkills, 1);
		assert_int_equal(st->tstarts, 1);
		assert_int_equal(st->tcommits, 1);
		assert_int_equal(st->triggers, 3);
		assert_int_equal(st->pini, 1);
		assert_int_equal(st->pfin, 1);
		assert_int_equal(st->eof, 1);
		assert_int_equal(st->null, 1);
		assert_int_equal(st->lines, 14);
		gtmx_close(x);
	}
	buf_release(&got);
}

static void
test_broken_extracts_are_named_by_line(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "GDSJEX07 UTF-8\n", ":1: a UTF-8 mode extract" },
		{ "YDBJDX08\n", ":1: a detail extract" },
		{ "^A(1)=\"1\"\n", ":1: not a simple journal extract" },
		{ "GDSJEX07\n05\\" H0 "\\1\\1\\0\\0\\0\\0\\0\\0\\^A(1\n", ":2: bad global reference" },
		{ "GDSJEX07\n05\\" H0 "\\1\\1\\0\\0\\0\\0\\0\\0\\^A(1)\n", ":2: a SET without =value" },
		{ "GDSJEX07\n05\\" H0 "\\1\\1\\0\\0\\0\\0\\0\\0\\^A(1)=\"x\"y\n", ":2: unexpected text after the value" },
		{ "GDSJEX07\n05\\99,x\\1\\1\\0\\0\\0\\0\\0\\0\\^A=1\n", ":2: bad $HOROLOG time '99,x'" },
		{ "GDSJEX07\n05\\" H0 "\\1\\1\\0\\0\n", ":2: a type 05 record has 6 fields, not the 11 expected" },
		{ "GDSJEX07\n77\\" H0 "\\1\\1\\0\n", ":2: unknown record type 77" },
		{ "GDSJEX07\n\n09\\" H0 "\\1\\1\\0\\5\\0\\0\\1\\\n", ":3: TCOM of transaction token 5, which is not open" },
		{ "GDSJEX07\n08\\" H0 "\\1\\1\\0\\5\\0\\0\n05\\" H0 "\\1\\1\\0\\6\\0\\0\\1\\0\\^A=\"1\"\n",
		    ":3: an update of transaction token 6 inside transaction 5" },
		{ "", ": empty file" },
	};
	struct buf got = BUF_INIT;
	struct jk_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(cases[i].text);
		if (records(&got, NULL, &err) != JK_EFORMAT || strstr(err.msg, cases[i].want) == NULL ||
		    strncmp(err.msg, path, strlen(path)) != 0)
			fail_msg("case %zu: '%s', wanted '%s'", i, err.msg, cases[i].want);
	}
	buf_release(&got);
}

static void
test_transaction_left_open_and_fences(void **state)
{
	struct buf got = BUF_INIT;
	struct jk_err err;

	(void)state;
	write_file("YDBJEX08\n"
	    "06\\" H0 "\\1\\7\\0\\77\n"
	    "05\\" H0 "\\1\\7\\0\\77\\0\\0\\1\\0\\^Z=\"z\"\n"
	    "07\\" H0 "\\1\\7\\0\\77\\1\n"
	    "08\\" H0 "\\2\\7\\0\\88\\0\\0\n"
	    "05\\" H0 "\\2\\7\\0\\88\\0\\0\\1\\0\\^Y=\"open\"\n");
	if (records(&got, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(buf_str(&got),
	    "TSTART 1 " T0 " 7 @2\n"
	    "SET 1 " T0 " 7 ^Z=\"z\" @3\n"
	    "TCOMMIT 1 " T0 " 7 @4\n"
	    "TSTART 2 " T0 " 7 @5\n"
	    "SET 2 " T0 " 7 ^Y=\"open\" @6\n");
	buf_release(&got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_horolog_converted_in_the_local_zone),
		T(test_both_labels_and_every_record_type),
		T(test_broken_extracts_are_named_by_line),
		T(test_transaction_left_open_and_fences),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
