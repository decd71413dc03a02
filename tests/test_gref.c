/*
 * test_gref.c - global references: names, M numbers, the key encoding and
 * the ZWR text form, checked against tables, against a plainly written
 * reference of M collation, and against GT.M itself when it is installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gref.h"
#include "util/tmpdir.h"

/* --- helpers ------------------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t
rng(void)
{
	/* xorshift64*: deterministic, so a failure reproduces */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static unsigned
rnd(unsigned n)
{
	return (unsigned)(rng() % n);
}

/* Parse a reference that must be good. */
static void
parse_ok(const char *ref, struct jk_key *k)
{
	struct jk_err err;
	size_t end = 0;
	int rc;

	jk_err_clear(&err);
	rc = gref_parse(ref, strlen(ref), k, &end, &err);
	if (rc != 0)
		fail_msg("gref_parse(%s): %d %s", ref, rc, err.msg);
	assert_int_equal(end, strlen(ref));
}

/* The ZWR text of a key, in a static buffer. */
static const char *
fmt_key(const struct jk_key *k)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	assert_int_equal(gref_format(&b, k->b, k->len, true), 0);
	return buf_str(&b);
}

static int
key_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

/* --- names -------------------------------------------------------------- */

static void
test_name_valid_is_percent_or_letter_then_letters_digits(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} t[] = {
		{ "A", true }, { "%", true }, { "%a9", true }, { "Acct", true },
		{ "x1Y2", true }, { "abcdefghijklmnopqrstuvwxyzABCDE", true },
		{ "abcdefghijklmnopqrstuvwxyzABCDEF", false }, { "", false },
		{ "1A", false }, { "A%", false }, { "A_B", false }, { "A.B", false },
		{ "^A", false }, { "A B", false }, { "\xe9", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (gref_name_valid(t[i].name, strlen(t[i].name)) != t[i].ok)
			fail_msg("gref_name_valid(\"%s\") != %d", t[i].name, t[i].ok);
}

static void
test_key_init_refuses_bad_and_long_names(void **state)
{
	struct jk_key k;
	struct jk_err err;

	(void)state;
	assert_int_equal(gref_key_init(&k, "Acct", 4, &err), 0);
	assert_int_equal(k.len, 5);
	assert_memory_equal(k.b, "Acct", 5);
	assert_int_equal(gref_key_init(&k, "9x", 2, &err), JK_EFORMAT);
	assert_non_null(strstr(err.msg, "9x"));
	assert_int_equal(gref_key_init(&k, "", 0, &err), JK_EFORMAT);
	assert_int_equal(gref_key_init(&k, "^A", 2, &err), JK_EFORMAT);
	assert_int_equal(gref_key_init(&k, "abcdefghijklmnopqrstuvwxyzABCDE", 31, &err), 0);
	assert_int_equal(gref_key_init(&k, "abcdefghijklmnopqrstuvwxyzABCDEF", 32, &err),
	    JK_ELIMIT);
}

/* --- numbers ------------------------------------------------------------ */

static void
test_canonic_table(void **state)
{
	static const struct {
		const char *s;
		bool canon;
	} t[] = {
		{ "0", true }, { "1", true }, { "-1", true }, { "-1.5", true },
		{ ".5", true }, { "-.5", true }, { "10", true }, { "100.25", true },
		{ "123456789012345678", true }, { "123456789012345678000", true },
		{ ".123456789012345678", true }, { "-999999999999999999", true },
		{ "10000000000000000000000000000000000000000000000", true },	/* 1E46 */
		{ ".0000000000000000000000000000000000000000001", true },	/* 1E-43 */
		{ "", false }, { "01", false }, { "1.0", false }, { "1E3", false },
		{ "-0", false }, { "+1", false }, { "1.", false }, { "0.5", false },
		{ "-", false }, { ".", false }, { "-.", false }, { " 1", false },
		{ "1 ", false }, { "00", false }, { ".50", false }, { "--1", false },
		{ "1e3", false }, { "1-", false }, { "1.5.5", false }, { "-00", false },
		{ "1234567890123456789", false },			/* 19 digits */
		{ ".1234567890123456789", false },
		{ "100000000000000000000000000000000000000000000000", false },	/* 1E47 */
		{ ".00000000000000000000000000000000000000000001", false },	/* 1E-44 */
	};
	struct buf b = BUF_INIT;
	struct jk_err err;
	size_t i, n;

	(void)state;
	/* a NUL after a number makes it a string */
	assert_false(m_is_canonic((const uint8_t *)"1\0", 2));
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		n = strlen(t[i].s);
		if (m_is_canonic((const uint8_t *)t[i].s, n) != t[i].canon)
			fail_msg("m_is_canonic(\"%s\") != %d", t[i].s, t[i].canon);
		/* a canonical number reads back as itself */
		if (t[i].canon) {
			assert_int_equal(m_num_canon((const uint8_t *)t[i].s, n, &b, &err), 0);
			assert_string_equal(buf_str(&b), t[i].s);
		}
	}
	buf_release(&b);
}

/* Results GT.M V7.0-005 gives for +s (write +"...") */
static void
test_num_canon_takes_longest_numeric_prefix_like_gtm(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "", "0" }, { "abc", "0" }, { "12abc", "12" }, { "1E3", "1000" },
		{ "-.50", "-.5" }, { "01", "1" }, { "1.0", "1" }, { "-0", "0" },
		{ "+1", "1" }, { "1.", "1" }, { "1.50", "1.5" }, { "00012.3400x", "12.34" },
		{ "-", "0" }, { "-.", "0" }, { ".", "0" }, { "--1", "1" }, { "+-1", "-1" },
		{ "-+1", "-1" }, { " 1", "0" }, { "1.5.5", "1.5" }, { "-0.0", "0" },
		{ ".e5", "0" }, { "5e", "5" }, { "5e-", "5" }, { "1e3", "1" }, { "1E", "1" },
		{ "1E-", "1" }, { "1E+2", "100" }, { "1E-2", ".01" }, { "1E+-2", "1" },
		{ "1E2E3", "100" }, { "1.5E1", "15" }, { ".5E1", "5" }, { "5.E1", "50" },
		{ "-.E1", "0" }, { "1E0002", "100" }, { "1E-999999999999", "0" },
		{ "000000000000000000000000000000000000000000000000000000001", "1" },
		{ "12345678901234567890E-25", ".00000123456789012345678" },
		{ ".00000000000000000000000000000000000000000000000000001E60", "10000000" },
		{ "1E-43", ".0000000000000000000000000000000000000000001" },
		{ "1E-44", "0" }, { "1E-50", "0" },
		{ "1E46", "10000000000000000000000000000000000000000000000" },
		{ "9.99E46", "99900000000000000000000000000000000000000000000" },
		/* past 18 digits GT.M truncates toward zero */
		{ "1234567890123456789", "1234567890123456780" },
		{ "9999999999999999999", "9999999999999999990" },
		{ "123456789012345678901", "123456789012345678000" },
		{ ".1234567890123456789012", ".123456789012345678" },
		{ "999999999999999999.5", "999999999999999999" },
		{ "-999999999999999999.5", "-999999999999999999" },
		{ "9223372036854775807", "9223372036854775800" },
	};
	struct buf b = BUF_INIT;
	struct jk_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (m_num_canon((const uint8_t *)t[i].in, strlen(t[i].in), &b, &err) != 0)
			fail_msg("m_num_canon(\"%s\"): %s", t[i].in, err.msg);
		if (strcmp(buf_str(&b), t[i].out) != 0)
			fail_msg("+\"%s\" is %s, want %s", t[i].in, buf_str(&b), t[i].out);
		assert_true(m_is_canonic(b.data, b.len));
	}
	buf_release(&b);
}

static void
test_num_canon_overflow_is_elimit(void **state)
{
	static const char *t[] = {
		"1E47", "-1E47", "1E99999999999", "1E4294967297", "99999999999999999999E28",
		"100000000000000000000000000000000000000000000000",
	};
	struct buf b = BUF_INIT;
	struct jk_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		jk_err_clear(&err);
		assert_int_equal(m_num_canon((const uint8_t *)t[i], strlen(t[i]), &b, &err),
		    JK_ELIMIT);
		assert_non_null(strstr(err.msg, "overflow"));
	}
	buf_release(&b);
}

static void
test_incr_table(void **state)
{
	static const struct {
		const char *old, *inc, *out;
	} t[] = {
		{ "", "1", "1" }, { "41", "1", "42" }, { "1.5abc", "0", "1.5" },
		{ "1.5", "-1.5", "0" }, { "-1", "1", "0" }, { "x", "y", "0" },
		{ ".1", ".2", ".3" }, { "999999999999999999", "1", "1000000000000000000" },
		{ "99999999999999999.5", ".5", "100000000000000000" },
		{ "100000000000000000", "1.5", "100000000000000001" },
		{ "123456789012345678", ".9", "123456789012345678" },
		{ "-123456789012345678", "-.9", "-123456789012345678" },
		{ "99999999999999999", ".99", "99999999999999999.9" },
		/* exact sum, then truncation (GT.M gives 1000000000000000000 here) */
		{ "1000000000000000000", "-.5", "999999999999999999" },
		{ "-1000000000000000000", ".5", "-999999999999999999" },
		{ "1E-43", "-1E-43", "0" }, { "1E-43", "1E-43", ".0000000000000000000000000000000000000000002" },
		{ "5", "-7.25", "-2.25" }, { "-5", "7.25", "2.25" }, { "-.001", "-.009", "-.01" },
		{ "1E46", "-1", "9999999999999999990000000000000000000000000000" },
		{ "1E20", "1", "100000000000000000000" },
		{ "12345678901234567", "-12345678901234567", "0" },
		{ "0", "-0", "0" }, { "1E3", "01", "1001" },
	};
	struct buf b = BUF_INIT;
	struct jk_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (m_incr((const uint8_t *)t[i].old, strlen(t[i].old),
		    (const uint8_t *)t[i].inc, strlen(t[i].inc), &b, &err) != 0)
			fail_msg("m_incr(%s, %s): %s", t[i].old, t[i].inc, err.msg);
		if (strcmp(buf_str(&b), t[i].out) != 0)
			fail_msg("%s + %s is %s, want %s", t[i].old, t[i].inc, buf_str(&b),
			    t[i].out);
	}
	assert_int_equal(m_incr((const uint8_t *)"9E46", 4, (const uint8_t *)"9E46", 4,
	    &b, &err), JK_ELIMIT);
	assert_int_equal(m_incr((const uint8_t *)"1E47", 4, (const uint8_t *)"1", 1,
	    &b, &err), JK_ELIMIT);
	buf_release(&b);
}

/* Format a scaled integer v * 10^-scale canonically, plainly. */
static void
scaled_str(__int128 v, int scale, char *out)
{
	char d[64];
	int n = 0, i, intn;
	bool neg = v < 0;
	char *q = out;

	if (v == 0) {
		strcpy(out, "0");
		return;
	}
	if (neg)
		v = -v;
	while (v > 0) {
		d[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	}
	/* d holds digits least significant first; pad to scale + 1 */
	while (n <= scale)
		d[n++] = '0';
	if (neg)
		*q++ = '-';
	intn = n - scale;
	for (i = n - 1; i >= scale; i--)
		if (!(i == n - 1 && d[i] == '0' && intn == 1))
			*q++ = d[i];
	if (scale > 0) {
		int last = 0;

		while (last < scale && d[last] == '0')
			last++;
		if (last < scale) {
			*q++ = '.';
			for (i = scale - 1; i >= last; i--)
				*q++ = d[i];
		}
	}
	*q = '\0';
	if (strcmp(out, "-") == 0 || out[0] == '\0')
		strcpy(out, "0");
}

static void
test_incr_random_sums_are_exact(void **state)
{
	struct buf b = BUF_INIT;
	struct jk_err err;
	char sa[80], sb[80], want[80];
	__int128 a, c;
	int i, scale;

	(void)state;
	for (i = 0; i < 20000; i++) {
		/* 17 digits at most, so the exact sum fits in 18 */
		scale = (int)rnd(8);
		a = (__int128)(rng() % 100000000000000000ull) >> rnd(50);
		c = (__int128)(rng() % 100000000000000000ull) >> rnd(50);
		if (rng() & 1)
			a = -a;
		if (rng() & 1)
			c = -c;
		scaled_str(a, scale, sa);
		scaled_str(c, scale, sb);
		scaled_str(a + c, scale, want);
		assert_true(m_is_canonic((const uint8_t *)sa, strlen(sa)));
		assert_int_equal(m_incr((const uint8_t *)sa, strlen(sa),
		    (const uint8_t *)sb, strlen(sb), &b, &err), 0);
		if (strcmp(buf_str(&b), want) != 0)
			fail_msg("%s + %s is %s, want %s", sa, sb, buf_str(&b), want);
	}
	buf_release(&b);
}

/* --- references and values: round trips --------------------------------- */

static void
test_parse_evaluates_literals_and_canonical_strings(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "^A", "^A" }, { "^%z9", "^%z9" }, { "^A(1)", "^A(1)" },
		{ "^A(01)", "^A(1)" }, { "^A(1E3)", "^A(1000)" }, { "^A(1.50)", "^A(1.5)" },
		{ "^A(-0)", "^A(0)" }, { "^A(+1)", "^A(1)" }, { "^A(1.)", "^A(1)" },
		{ "^A(.5E1)", "^A(5)" }, { "^A(1E-2)", "^A(.01)" }, { "^A(-.50)", "^A(-.5)" },
		{ "^A(\"1\")", "^A(1)" }, { "^A(\"-1.5\")", "^A(-1.5)" },
		{ "^A(\"01\")", "^A(\"01\")" }, { "^A(\"1E3\")", "^A(\"1E3\")" },
		{ "^A(\"-0\")", "^A(\"-0\")" }, { "^A(\"\")", "^A(\"\")" },
		{ "^A(\"\",\"\")", "^A(\"\",\"\")" },
		{ "^Acct(1042,\"bal\")", "^Acct(1042,\"bal\")" },
		{ "^A(\"a\"\"b\")", "^A(\"a\"\"b\")" }, { "^A($C(34))", "^A(\"\"\"\")" },
		{ "^A($C(97,98))", "^A(\"ab\")" }, { "^A(\"a\"_\"b\")", "^A(\"ab\")" },
		{ "^A($C(49))", "^A(1)" }, { "^A(\"1\"_\"0\")", "^A(10)" },
		{ "^A(\"a\"_$C(0)_\"b\")", "^A(\"a\"_$C(0)_\"b\")" },
		{ "^A($C(0,1,2))", "^A($C(0,1,2))" }, { "^A($C(200))", "^A(\"\xc8\")" },
		{ "^A(\"\xc8\")", "^A(\"\xc8\")" }, { "^A(\"\x80\")", "^A($C(128))" },
		{ "^A(1,2,3,\"a\",-5.5,\"\")", "^A(1,2,3,\"a\",-5.5,\"\")" },
		{ "^A(123456789012345678901)", "^A(123456789012345678000)" },
		{ "^A(1E46)", "^A(10000000000000000000000000000000000000000000000)" },
		{ "^A(1E-44)", "^A(0)" },
		{ "^A(\"1234567890123456789\")", "^A(\"1234567890123456789\")" },
	};
	struct jk_key k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		parse_ok(t[i].in, &k);
		assert_true(gref_key_valid(k.b, k.len));
		if (strcmp(fmt_key(&k), t[i].out) != 0)
			fail_msg("%s formats as %s, want %s", t[i].in, fmt_key(&k), t[i].out);
	}
}

static void
test_parse_stops_after_reference(void **state)
{
	struct jk_key k;
	struct jk_err err;
	size_t end;

	(void)state;
	assert_int_equal(gref_parse("^A(1)=5", 7, &k, &end, &err), 0);
	assert_int_equal(end, 5);
	assert_int_equal(gref_parse("^AB=5", 5, &k, &end, &err), 0);
	assert_int_equal(end, 3);
	assert_string_equal(fmt_key(&k), "^AB");
	assert_int_equal(gref_parse("^A(\"x)\")xyz", 11, &k, &end, &err), 0);
	assert_int_equal(end, 8);
}

static void
test_format_without_caret(void **state)
{
	struct jk_key k;
	struct buf b = BUF_INIT;

	(void)state;
	parse_ok("^Acct(1042,\"bal\")", &k);
	assert_int_equal(gref_format(&b, k.b, k.len, false), 0);
	assert_string_equal(buf_str(&b), "Acct(1042,\"bal\")");
	buf_release(&b);
}

/* Expected strings are what GT.M V7.0-005 ZWRITE printed for the same data. */
static void
test_value_format_matches_gtm_examples(void **state)
{
	static const struct {
		const char *v;
		size_t n;
		const char *zwr;
	} t[] = {
		{ "", 0, "\"\"" }, { "1", 1, "1" }, { "-1.5", 4, "-1.5" }, { ".5", 2, ".5" },
		{ "1E3", 3, "\"1E3\"" }, { "01", 2, "\"01\"" }, { "-0", 2, "\"-0\"" },
		{ "a\"b", 3, "\"a\"\"b\"" }, { "\"", 1, "\"\"\"\"" },
		{ "a\nb", 3, "\"a\"_$C(10)_\"b\"" }, { "\0", 1, "$C(0)" },
		{ "\0\0a\1", 4, "$C(0,0)_\"a\"_$C(1)" },
		{ "a\x7f\x80\xc8\xff" "b", 6, "\"a\"_$C(127,128)_\"\xc8\"_$C(255)_\"b\"" },
		{ "\"\n\"", 3, "\"\"\"\"_$C(10)_\"\"\"\"" }, { " ", 1, "\" \"" },
		{ "~\x7f", 2, "\"~\"_$C(127)" }, { "\xa0\xfe", 2, "\"\xa0\xfe\"" },
		{ "\x9f", 1, "$C(159)" }, { "1234567890123456789", 19, "\"1234567890123456789\"" },
		{ "123456789012345678000", 21, "123456789012345678000" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		buf_reset(&b);
		assert_int_equal(zwr_format_value(&b, (const uint8_t *)t[i].v, t[i].n), 0);
		if (strcmp(buf_str(&b), t[i].zwr) != 0)
			fail_msg("value %zu formats as %s, want %s", i, buf_str(&b), t[i].zwr);
	}
	/* mupip extract quotes numbers too */
	buf_reset(&b);
	assert_int_equal(zwr_format_value_quoted(&b, (const uint8_t *)"-1.5", 4), 0);
	assert_string_equal(buf_str(&b), "\"-1.5\"");
	buf_reset(&b);
	assert_int_equal(zwr_format_value_quoted(&b, (const uint8_t *)"a\n", 2), 0);
	assert_string_equal(buf_str(&b), "\"a\"_$C(10)");
	buf_release(&b);
}

/* GT.M puts at most 256 codes in one $C(): 256 -> one, 257 -> two, 513 -> three. */
static void
test_value_format_splits_c_runs_at_256_codes(void **state)
{
	static const size_t lens[] = { 255, 256, 257, 512, 513, 1000 };
	uint8_t v[1000];
	struct buf b = BUF_INIT, want = BUF_INIT;
	size_t i, j;

	(void)state;
	memset(v, 1, sizeof v);
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		buf_reset(&b);
		buf_reset(&want);
		assert_int_equal(zwr_format_value(&b, v, lens[i]), 0);
		for (j = 0; j < lens[i]; j++) {
			if (j % 256 == 0)
				buf_adds(&want, j ? ")_$C(" : "$C(");
			else
				buf_addc(&want, ',');
			buf_addc(&want, '1');
		}
		buf_addc(&want, ')');
		assert_string_equal(buf_str(&b), buf_str(&want));
	}
	buf_release(&b);
	buf_release(&want);
}

/*
 * The ZWR form of s[0..n) written plainly from its rule (gref.h), a byte at
 * a time: the reference the block scans of zwr_str are checked against.
 */
static void
zwr_ref(struct buf *b, const uint8_t *s, size_t n)
{
	size_t i;
	int codes = 0;		/* codes in the open $C(), 0: none open */
	bool inq = false;	/* a quoted run is open */

	if (n == 0) {
		buf_adds(b, "\"\"");
		return;
	}
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if ((c >= 32 && c <= 126) || (c >= 160 && c <= 254)) {
			if (codes > 0) {
				buf_addc(b, ')');
				codes = 0;
			}
			if (!inq) {
				buf_adds(b, i > 0 ? "_\"" : "\"");
				inq = true;
			}
			if (c == '"')
				buf_addc(b, '"');
			buf_addc(b, c);
		} else {
			if (inq) {
				buf_addc(b, '"');
				inq = false;
			}
			if (codes == 256) {
				buf_addc(b, ')');
				codes = 0;
			}
			if (codes == 0)
				buf_adds(b, i > 0 ? "_$C(" : "$C(");
			else
				buf_addc(b, ',');
			buf_addf(b, "%u", c);
			codes++;
		}
	}
	if (inq)
		buf_addc(b, '"');
	if (codes > 0)
		buf_addc(b, ')');
}

/* s[0..n) formatted after some text already in the buffer, checked against zwr_ref. */
static void
check_value_zwr(const uint8_t *s, size_t n, const char *what)
{
	struct buf got = BUF_INIT, want = BUF_INIT;

	buf_adds(&got, "x=");
	buf_adds(&want, "x=");
	if (m_is_canonic(s, n))
		buf_add(&want, s, n);
	else
		zwr_ref(&want, s, n);
	assert_int_equal(zwr_format_value(&got, s, n), 0);
	if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0 || got.data[got.len] != '\0')
		fail_msg("%s (%zu bytes): got %s, want %s", what, n, buf_str(&got), buf_str(&want));
	/* mupip extract's form: quoted, numbers too */
	buf_reset(&got);
	buf_reset(&want);
	zwr_ref(&want, s, n);
	assert_int_equal(zwr_format_value_quoted(&got, s, n), 0);
	if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
		fail_msg("%s (%zu bytes) quoted: got %s, want %s", what, n, buf_str(&got), buf_str(&want));
	buf_release(&got);
	buf_release(&want);
}

/*
 * Quoted runs are scanned sixteen and eight bytes at a time: a quote, a
 * control byte, DEL, a byte of 128..159 or 255 ($C) and one of 160..254
 * (quoted) at each position of and around a block, at the start and end of
 * runs of every length up to 40, come out as the byte-at-a-time rule says.
 */
static void
test_value_format_block_edges(void **state)
{
	static const uint8_t odd[] = { '"', 0, 10, 31, 127, 128, 159, 160, 200, 254, 255 };
	uint8_t v[48];
	char what[64];
	size_t n, pos, o;

	(void)state;
	for (n = 1; n <= 40; n++)
		for (pos = 0; pos < n; pos++)
			for (o = 0; o < sizeof odd; o++) {
				memset(v, 'a', n);
				v[pos] = odd[o];
				snprintf(what, sizeof what, "byte %u at %zu", odd[o], pos);
				check_value_zwr(v, n, what);
				/* two in a row, and one at the last byte as well */
				if (pos + 1 < n) {
					v[pos + 1] = odd[o];
					v[n - 1] = odd[(o + 3) % sizeof odd];
					snprintf(what, sizeof what, "bytes %u at %zu, %zu", odd[o], pos, n - 1);
					check_value_zwr(v, n, what);
				}
			}
	/* all plain, every length: no quote or $C to stop at */
	for (n = 0; n <= 40; n++) {
		memset(v, '~', n);
		check_value_zwr(v, n, "plain");
	}
	/* literal examples at the block edges (GT.M's form) */
	{
		struct buf b = BUF_INIT;

		assert_int_equal(zwr_format_value(&b, (const uint8_t *)"abcdefghijklmno\"p", 17), 0);
		assert_string_equal(buf_str(&b), "\"abcdefghijklmno\"\"p\"");
		buf_reset(&b);
		assert_int_equal(zwr_format_value(&b, (const uint8_t *)"abcdefghijklmnop\n", 17), 0);
		assert_string_equal(buf_str(&b), "\"abcdefghijklmnop\"_$C(10)");
		buf_reset(&b);
		assert_int_equal(zwr_format_value(&b, (const uint8_t *)"abcdefg\xff\xa0", 9), 0);
		assert_string_equal(buf_str(&b), "\"abcdefg\"_$C(255)_\"\xa0\"");
		buf_reset(&b);
		assert_int_equal(zwr_format_value(&b, (const uint8_t *)"12345678901234567", 17), 0);
		assert_string_equal(buf_str(&b), "12345678901234567");
		buf_release(&b);
	}
}

/*
 * Random strings, mostly plain with the bytes that stop a block scan mixed
 * in, at every alignment, as values and as string subscripts, against the
 * byte-at-a-time rule.
 */
static void
test_value_and_subscript_format_random_against_rule(void **state)
{
	static const uint8_t odd[] = { '"', 0, 1, 10, 31, 32, 126, 127, 128, 159, 160, 200, 254, 255,
		'0', '1', '.', '-', 'E' };
	uint8_t buf[128 + 16];
	struct buf got = BUF_INIT, want = BUF_INIT;
	struct jk_key k;
	struct jk_err err;
	int it;
	size_t n, i, al;

	(void)state;
	for (it = 0; it < 20000; it++) {
		uint8_t *v;

		al = rnd(16);
		v = buf + al;
		n = rnd(it % 10 == 0 ? 128 : 48);
		for (i = 0; i < n; i++)
			v[i] = rnd(4) == 0 ? odd[rnd(sizeof odd)] : (uint8_t)(' ' + rnd(95));
		check_value_zwr(v, n, "random");
		/* as a string subscript: ^x("s",v) */
		assert_int_equal(gref_key_init(&k, "x", 1, &err), 0);
		assert_int_equal(gref_key_add(&k, (const uint8_t *)"s", 1, &err), 0);
		assert_int_equal(gref_key_add(&k, v, n, &err), 0);
		buf_reset(&got);
		buf_reset(&want);
		assert_int_equal(gref_format(&got, k.b, k.len, true), 0);
		buf_adds(&want, "^x(\"s\",");
		if (m_is_canonic(v, n)) {
			/* a numeric subscript: its canonical form is itself */
			buf_add(&want, v, n);
		} else
			zwr_ref(&want, v, n);
		buf_addc(&want, ')');
		if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
			fail_msg("subscript of %zu bytes: got %s, want %s", n, buf_str(&got), buf_str(&want));
	}
	buf_release(&got);
	buf_release(&want);
}

static void
test_every_byte_roundtrips_in_values_and_subscripts(void **state)
{
	struct buf line = BUF_INIT, val = BUF_INIT, sub = BUF_INIT;
	struct jk_key k, k2;
	struct jk_err err;
	uint8_t v[3], all[256];
	bool isnum;
	int c, shape;

	(void)state;
	for (c = 0; c < 256; c++)
		all[c] = (uint8_t)c;
	for (c = 0; c < 256 + 1; c++) {
		for (shape = 0; shape < 3; shape++) {
			const uint8_t *p = v;
			size_t n;

			v[0] = 'a';
			v[1] = (uint8_t)c;
			v[2] = 'b';
			if (c == 256) {
				p = all;
				n = 256;
			} else if (shape == 0)
				n = 3;
			else if (shape == 1) {
				p = v + 1;
				n = 1;
			} else
				n = 2;
			assert_int_equal(gref_key_init(&k, "x", 1, &err), 0);
			assert_int_equal(gref_key_add(&k, (const uint8_t *)"s", 1, &err), 0);
			assert_int_equal(gref_key_add(&k, p, n, &err), 0);
			buf_reset(&line);
			assert_int_equal(zwr_format_line(&line, k.b, k.len, p, n), 0);
			if (zwr_parse_line((const char *)line.data, line.len, &k2, &val, &err) != 0)
				fail_msg("byte %d shape %d: %s: %s", c, shape, buf_str(&line), err.msg);
			assert_int_equal(k2.len, k.len);
			assert_memory_equal(k2.b, k.b, k.len);
			assert_int_equal(val.len, n);
			assert_memory_equal(val.data, p, n);
			assert_int_equal(gref_key_sub(k.b, k.len, 1, &sub, &isnum), 0);
			assert_int_equal(sub.len, n);
			assert_memory_equal(sub.data, p, n);
			assert_int_equal(isnum, n == 1 && c >= '0' && c <= '9');
		}
	}
	buf_release(&line);
	buf_release(&val);
	buf_release(&sub);
}

static void
test_value_parse_table(void **state)
{
	static const struct {
		const char *in;
		const char *v;
		size_t n;
	} t[] = {
		{ "1", "1", 1 }, { "01", "1", 1 }, { "1E3", "1000", 4 }, { "-0", "0", 1 },
		{ "1.50", "1.5", 3 }, { "\"01\"", "01", 2 }, { "\"\"", "", 0 },
		{ "$C(0)", "\0", 1 }, { "\"a\"_$C(10,13)_\"b\"", "a\n\rb", 4 },
		{ "$C(255)_$C(0)", "\xff\0", 2 }, { "\"\"\"\"", "\"", 1 },
		{ "\"x\"\"\"_\"y\"", "x\"y", 3 }, { "\"\xe2\x82\xac\"", "\xe2\x82\xac", 3 },
		{ "$C(007)", "\a", 1 },
	};
	struct buf b = BUF_INIT;
	struct jk_err err;
	size_t i, end;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (zwr_parse_value(t[i].in, strlen(t[i].in), &b, &end, &err) != 0)
			fail_msg("zwr_parse_value(%s): %s", t[i].in, err.msg);
		assert_int_equal(end, strlen(t[i].in));
		assert_int_equal(b.len, t[i].n);
		assert_memory_equal(b.data, t[i].v, t[i].n);
	}
	assert_int_equal(zwr_parse_value("12,x", 4, &b, &end, &err), 0);
	assert_int_equal(end, 2);
	buf_release(&b);
}

static void
test_line_allows_trailing_blanks_and_one_newline(void **state)
{
	static const char *good[] = {
		"^A=1", "^A=1\n", "^A=1  \n", "^A=\"x\" \r\n", "^A(1)=\"a b\"\t",
	};
	static const char *bad[] = {
		"^A=1\n\n", "^A=1 x", "^A", "^A 1", "^A=", "^A=1_\"x\"", " ^A=1",
	};
	struct jk_key k;
	struct buf v = BUF_INIT;
	struct jk_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		if (zwr_parse_line(good[i], strlen(good[i]), &k, &v, &err) != 0)
			fail_msg("refused \"%s\": %s", good[i], err.msg);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		jk_err_clear(&err);
		if (zwr_parse_line(bad[i], strlen(bad[i]), &k, &v, &err) != JK_EFORMAT)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(strncmp(err.msg, "column ", 7) == 0);
	}
	buf_release(&v);
}

static void
test_parse_bad_input_names_column(void **state)
{
	static const struct {
		const char *in;
		int code;
		const char *msg;
	} t[] = {
		{ "", JK_EFORMAT, "column 1: expected ^" },
		{ "A(1)", JK_EFORMAT, "column 1: expected ^" },
		{ "^", JK_EFORMAT, "column 2: expected a global name" },
		{ "^1A", JK_EFORMAT, "column 2: expected a global name" },
		{ "^A()", JK_EFORMAT, "column 4: expected a subscript" },
		{ "^A(1", JK_EFORMAT, "column 5: expected , or )" },
		{ "^A(1,", JK_EFORMAT, "column 6: expected a subscript" },
		{ "^A(1;2)", JK_EFORMAT, "column 5: expected , or )" },
		{ "^A(x)", JK_EFORMAT, "column 4: expected a subscript" },
		{ "^A(1e3)", JK_EFORMAT, "column 5: expected , or )" },
		{ "^A(1E)", JK_EFORMAT, "column 6: expected digits after E" },
		{ "^A(1E+)", JK_EFORMAT, "column 7: expected digits after E" },
		{ "^A(-)", JK_EFORMAT, "column 4: expected a number" },
		{ "^A(.)", JK_EFORMAT, "column 4: expected a number" },
		{ "^A(\"abc)", JK_EFORMAT, "column 4: string not terminated" },
		{ "^A(\"a\"\")", JK_EFORMAT, "column 4: string not terminated" },
		{ "^A(\"a\"_)", JK_EFORMAT, "column 8: expected \"string\" or $C() after _" },
		{ "^A($C(256))", JK_EFORMAT, "column 7: character code 256 out of range" },
		{ "^A($C())", JK_EFORMAT, "column 7: expected a character code" },
		{ "^A($C(1,))", JK_EFORMAT, "column 9: expected a character code" },
		{ "^A($C(1;2))", JK_EFORMAT, "column 8: expected , or ) in $C()" },
		{ "^A($c(1))", JK_EFORMAT, "column 4: expected \"string\" or $C()" },
		{ "^A($CHAR(1))", JK_EFORMAT, "column 4: expected \"string\" or $C()" },
		{ "^A(1,2,1E47)", JK_ELIMIT, "column 8: number too large" },
		{ "^abcdefghijklmnopqrstuvwxyzABCDEF(1)", JK_ELIMIT,
		  "column 2: global name longer than 31 bytes" },
	};
	struct jk_key k;
	struct jk_err err;
	struct buf v = BUF_INIT;
	size_t i, end;
	int rc;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		jk_err_clear(&err);
		rc = gref_parse(t[i].in, strlen(t[i].in), &k, &end, &err);
		if (rc != t[i].code || strncmp(err.msg, t[i].msg, strlen(t[i].msg)) != 0)
			fail_msg("%s: got %d \"%s\", want %d \"%s...\"", t[i].in, rc, err.msg,
			    t[i].code, t[i].msg);
	}
	/* values and lines count columns from the start of the line */
	assert_int_equal(zwr_parse_line("^A(1)=\"x\"_$C(300)", 17, &k, &v, &err), JK_EFORMAT);
	assert_string_equal(err.msg, "column 14: character code 300 out of range 0-255");
	assert_int_equal(zwr_parse_line("^A(1):2", 7, &k, &v, &err), JK_EFORMAT);
	assert_string_equal(err.msg, "column 6: expected = after the reference");
	buf_release(&v);
}

/* --- key limits --------------------------------------------------------- */

static void
test_key_limits_are_elimit_never_truncation(void **state)
{
	struct jk_key k;
	struct jk_err err;
	struct buf ref = BUF_INIT;
	uint8_t s[600];
	size_t end, room;
	int i;

	(void)state;
	/* 31 subscripts fit, a 32nd does not */
	assert_int_equal(gref_key_init(&k, "A", 1, &err), 0);
	for (i = 0; i < GREF_SUBS_MAX; i++)
		assert_int_equal(gref_key_add(&k, (const uint8_t *)"7", 1, &err), 0);
	assert_int_equal(gref_key_nsubs(k.b, k.len), 31);
	end = k.len;
	assert_int_equal(gref_key_add(&k, (const uint8_t *)"7", 1, &err), JK_ELIMIT);
	assert_string_equal(err.msg, "^A: more than 31 subscripts");
	assert_int_equal(gref_key_add(&k, (const uint8_t *)"", 0, &err), JK_ELIMIT);
	assert_int_equal(gref_key_add(&k, (const uint8_t *)"x", 1, &err), JK_ELIMIT);
	assert_int_equal(k.len, end);

	/* the longest string subscript: name "A", 0x00, 0x80 ... 0x00 = 511 */
	memset(s, 'x', sizeof s);
	room = JK_KEY_MAX - 4;
	assert_int_equal(gref_key_init(&k, "A", 1, &err), 0);
	assert_int_equal(gref_key_add(&k, s, room, &err), 0);
	assert_int_equal(k.len, JK_KEY_MAX);
	assert_int_equal(gref_key_init(&k, "A", 1, &err), 0);
	assert_int_equal(gref_key_add(&k, s, room + 1, &err), JK_ELIMIT);
	assert_string_equal(err.msg, "^A: key longer than 511 bytes");
	assert_int_equal(k.len, 2);
	/* 0x00 and 0x01 take two bytes each */
	memset(s, 0, sizeof s);
	assert_int_equal(gref_key_add(&k, s, room / 2, &err), 0);
	assert_int_equal(gref_key_init(&k, "A", 1, &err), 0);
	assert_int_equal(gref_key_add(&k, s, room / 2 + 1, &err), JK_ELIMIT);

	/* a number that does not fit at the end of a full key */
	memset(s, 'x', sizeof s);
	assert_int_equal(gref_key_init(&k, "A", 1, &err), 0);
	assert_int_equal(gref_key_add(&k, s, room - 4, &err), 0);
	assert_int_equal(gref_key_add(&k, (const uint8_t *)"-1234567.5", 10, &err), JK_ELIMIT);
	assert_int_equal(gref_key_add(&k, (const uint8_t *)"5", 1, &err), 0);
	assert_int_equal(k.len, JK_KEY_MAX);

	/* the same limits through the parser, naming the subscript's column */
	buf_adds(&ref, "^A(1,\"");
	for (i = 0; i < 508; i++)
		buf_addc(&ref, 'y');
	buf_adds(&ref, "\")");
	assert_int_equal(gref_parse(buf_str(&ref), ref.len, &k, &end, &err), JK_ELIMIT);
	assert_string_equal(err.msg, "column 6: key longer than 511 bytes");
	buf_reset(&ref);
	buf_adds(&ref, "^A(");
	for (i = 0; i < 32; i++)
		buf_adds(&ref, i ? ",1" : "1");
	buf_addc(&ref, ')');
	assert_int_equal(gref_parse(buf_str(&ref), ref.len, &k, &end, &err), JK_ELIMIT);
	assert_string_equal(err.msg, "column 66: more than 31 subscripts");
	buf_release(&ref);
}

static void
test_value_longer_than_limit_is_elimit(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct jk_err err;
	size_t end;

	(void)state;
	buf_addc(&in, '"');
	assert_int_equal(buf_grow(&in, JK_VAL_MAX + 2), 0);
	memset(in.data + 1, 'v', JK_VAL_MAX);
	in.len += JK_VAL_MAX;
	buf_addc(&in, '"');
	assert_int_equal(zwr_parse_value((const char *)in.data, in.len, &out, &end, &err), 0);
	assert_int_equal(out.len, JK_VAL_MAX);
	in.len--;
	buf_adds(&in, "\"_$C(1)");
	assert_int_equal(zwr_parse_value((const char *)in.data, in.len, &out, &end, &err),
	    JK_ELIMIT);
	assert_string_equal(err.msg, "column 1: value longer than 1048576 bytes");
	buf_release(&in);
	buf_release(&out);
}

/* --- decoding ----------------------------------------------------------- */

static void
test_key_accessors_decode_name_subscripts_and_prefixes(void **state)
{
	struct jk_key k, p;
	struct buf b = BUF_INIT;
	const char *name;
	size_t n, plen;
	bool isnum;

	(void)state;
	parse_ok("^Acct(1042,\"bal\",\"\",-.5)", &k);
	assert_int_equal(gref_key_name(k.b, k.len, &name, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(name, "Acct", 4);
	assert_int_equal(gref_key_nsubs(k.b, k.len), 4);
	assert_int_equal(gref_key_sub(k.b, k.len, 0, &b, &isnum), 0);
	assert_string_equal(buf_str(&b), "1042");
	assert_true(isnum);
	assert_int_equal(gref_key_sub(k.b, k.len, 1, &b, &isnum), 0);
	assert_string_equal(buf_str(&b), "bal");
	assert_false(isnum);
	assert_int_equal(gref_key_sub(k.b, k.len, 2, &b, &isnum), 0);
	assert_int_equal(b.len, 0);
	assert_false(isnum);
	assert_int_equal(gref_key_sub(k.b, k.len, 3, &b, &isnum), 0);
	assert_string_equal(buf_str(&b), "-.5");
	assert_true(isnum);
	assert_int_equal(gref_key_sub(k.b, k.len, 4, &b, &isnum), JK_EUSAGE);
	assert_int_equal(gref_key_sub(k.b, k.len, -1, &b, &isnum), JK_EUSAGE);

	assert_int_equal(gref_key_prefix(k.b, k.len, 0, &plen), 0);
	assert_int_equal(plen, 5);
	parse_ok("^Acct(1042,\"bal\")", &p);
	assert_int_equal(gref_key_prefix(k.b, k.len, 2, &plen), 0);
	assert_int_equal(plen, p.len);
	assert_memory_equal(k.b, p.b, p.len);
	assert_int_equal(gref_key_prefix(k.b, k.len, 4, &plen), 0);
	assert_int_equal(plen, k.len);
	assert_int_equal(gref_key_prefix(k.b, k.len, 5, &plen), JK_EUSAGE);
	assert_int_equal(gref_key_prefix(k.b, k.len, -1, &plen), JK_EUSAGE);

	parse_ok("^Z", &k);
	assert_int_equal(gref_key_nsubs(k.b, k.len), 0);
	buf_release(&b);
}

/* Hand-made keys that are not the one encoding of any node. */
static void
test_key_valid_refuses_corrupt_and_noncanonical_keys(void **state)
{
	static const struct {
		const char *what;
		const char *b;
		size_t n;
	} bad[] = {
		{ "empty", "", 0 },
		{ "no name end", "A", 1 },
		{ "empty name", "\0", 1 },
		{ "name starts with digit", "1\0", 2 },
		{ "unknown tag", "A\0\x11", 3 },
		{ "positive without end", "A\0\x60\x81\x0b", 5 },
		{ "positive without digits", "A\0\x60\x81\0", 5 },
		{ "leading zero digit", "A\0\x60\x81\x02\0", 6 },
		{ "trailing zero pair", "A\0\x60\x82\x0c\x01\0", 7 },
		{ "pair over 100", "A\0\x60\x81\x65\0", 6 },
		{ "exponent too big", "A\0\x60\xb0\x0b\0", 6 },	/* 128+48 */
		{ "exponent too small", "A\0\x60\x55\x0b\0", 6 },	/* 128-43 */
		{ "ten pairs", "A\0\x60\x94\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\0", 15 },
		{ "negative without end", "A\0\x20\x7e\xf4", 5 },
		{ "empty string as 0x80", "A\0\x80\0", 4 },
		{ "string without end", "A\0\x80xy", 5 },
		{ "bad escape", "A\0\x80\x01\x03\0", 6 },
		{ "escape at end", "A\0\x80\x01", 4 },
		{ "canonical number as string", "A\0\x80" "12\0", 6 },
		{ "canonical negative as string", "A\0\x80-.5\0", 7 },
	};
	uint8_t many[80];
	struct buf b = BUF_INIT;
	size_t i;
	int j;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const uint8_t *k = (const uint8_t *)bad[i].b;

		if (gref_key_valid(k, bad[i].n))
			fail_msg("accepted: %s", bad[i].what);
		if (bad[i].n > 0 && gref_key_nsubs(k, bad[i].n) != JK_ECORRUPT)
			fail_msg("nsubs of %s", bad[i].what);
		buf_reset(&b);
		buf_adds(&b, "keep");
		if (gref_format(&b, k, bad[i].n, true) != JK_ECORRUPT)
			fail_msg("formatted: %s", bad[i].what);
		assert_string_equal(buf_str(&b), "keep");
	}
	/* 32 subscripts */
	many[0] = 'A';
	many[1] = 0;
	for (j = 0; j < 32; j++)
		many[2 + j] = 0x40;
	assert_false(gref_key_valid(many, 34));
	assert_true(gref_key_valid(many, 33));
	/* over JK_KEY_MAX */
	{
		uint8_t big[JK_KEY_MAX + 1];

		memset(big, 'z', sizeof big);
		big[0] = 'A';
		big[1] = 0;
		big[2] = 0x80;
		big[JK_KEY_MAX - 1] = 0;
		assert_true(gref_key_valid(big, JK_KEY_MAX));
		big[JK_KEY_MAX] = 0x40;
		assert_false(gref_key_valid(big, JK_KEY_MAX + 1));
	}
	buf_release(&b);
}

/* --- collation: memcmp of encoded keys against M's order ----------------- */

/*
 * The reference: M collation written out directly.  A subscript is its M
 * string value; "" comes first, canonical numbers next in numeric order,
 * then every other string byte by byte.
 */
static bool
ref_canonic(const uint8_t *s, size_t n)
{
	static regex_t re;
	static bool made;
	char t[128];
	size_t i, intlen, lead, sig;
	const char *p, *dot;

	if (!made) {
		if (regcomp(&re, "^(0|-?([1-9][0-9]*(\\.[0-9]*[1-9])?|\\.[0-9]*[1-9]))$",
		    REG_EXTENDED | REG_NOSUB) != 0)
			fail_msg("regcomp");
		made = true;
	}
	if (n == 0 || n >= sizeof t)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == 0 || strchr("-.0123456789", s[i]) == NULL)
			return false;
	memcpy(t, s, n);
	t[n] = '\0';
	if (regexec(&re, t, 0, NULL, 0) != 0)
		return false;
	p = t[0] == '-' ? t + 1 : t;
	dot = strchr(p, '.');
	intlen = dot ? (size_t)(dot - p) : strlen(p);
	if (intlen > 47)
		return false;
	/* significant digits: strip the point, then leading and trailing zeros */
	{
		char d[128];
		size_t dn = 0, a = 0, z;

		for (i = 0; p[i]; i++)
			if (p[i] != '.')
				d[dn++] = p[i];
		while (a < dn && d[a] == '0')
			a++;
		z = dn;
		while (z > a && d[z - 1] == '0')
			z--;
		sig = z - a;
		lead = (intlen == 0) ? a : 0;
	}
	return sig <= 18 && lead <= 42;
}

/* Compare magnitudes of two canonical strings without sign. */
static int
ref_magcmp(const char *a, const char *b)
{
	const char *da = strchr(a, '.'), *db = strchr(b, '.');
	size_t ia = da ? (size_t)(da - a) : strlen(a);
	size_t ib = db ? (size_t)(db - b) : strlen(b);
	const char *fa = da ? da + 1 : "", *fb = db ? db + 1 : "";
	int c;

	if (strcmp(a, "0") == 0)
		ia = 0;
	if (strcmp(b, "0") == 0)
		ib = 0;
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if ((c = strncmp(a, b, ia)) != 0)
		return c < 0 ? -1 : 1;
	c = strcmp(fa, fb);
	return c < 0 ? -1 : c > 0;
}

static int
ref_numcmp(const char *a, const char *b)
{
	bool na = a[0] == '-', nb = b[0] == '-';

	if (na != nb)
		return na ? -1 : 1;
	return na ? -ref_magcmp(a + 1, b + 1) : ref_magcmp(a, b);
}

struct rsub {
	uint8_t s[72];
	size_t n;
};

struct rkey {
	const char *name;
	int nsubs;
	struct rsub sub[4];
};

static int
ref_subcmp(const struct rsub *a, const struct rsub *b)
{
	int ca = a->n == 0 ? 0 : ref_canonic(a->s, a->n) ? 1 : 2;
	int cb = b->n == 0 ? 0 : ref_canonic(b->s, b->n) ? 1 : 2;
	char ta[80], tb[80];
	int c;

	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (ca == 0)
		return 0;
	if (ca == 1) {
		memcpy(ta, a->s, a->n);
		ta[a->n] = '\0';
		memcpy(tb, b->s, b->n);
		tb[b->n] = '\0';
		return ref_numcmp(ta, tb);
	}
	c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
	if (c != 0)
		return c < 0 ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

static int
ref_keycmp(const struct rkey *a, const struct rkey *b)
{
	int c = strcmp(a->name, b->name), i;

	if (c != 0)
		return c < 0 ? -1 : 1;
	for (i = 0; i < a->nsubs && i < b->nsubs; i++)
		if ((c = ref_subcmp(&a->sub[i], &b->sub[i])) != 0)
			return c;
	return a->nsubs < b->nsubs ? -1 : a->nsubs > b->nsubs;
}

/* A random canonical number, built as text. */
static void
rand_number(struct rsub *r)
{
	char d[20], *q = (char *)r->s;
	int nd = 1 + (int)rnd(rnd(4) == 0 ? 18 : 4), e, i;

	if (rnd(8) == 0) {
		strcpy((char *)r->s, "0");
		r->n = 1;
		return;
	}
	for (i = 0; i < nd; i++)
		d[i] = (char)('0' + rnd(10));
	d[0] = (char)('1' + rnd(9));
	d[nd - 1] = (char)('1' + rnd(9));
	/* value .d * 10^e; mostly near 1, sometimes at the ends of the range */
	switch (rnd(4)) {
	case 0:
		e = -42 + (int)rnd(90);
		break;
	case 1:
		e = rnd(2) ? 47 : -42;
		break;
	default:
		e = -2 + (int)rnd(8);
	}
	if (rnd(2))
		*q++ = '-';
	if (e <= 0) {
		*q++ = '.';
		for (i = 0; i < -e; i++)
			*q++ = '0';
		memcpy(q, d, (size_t)nd);
		q += nd;
	} else if (e >= nd) {
		memcpy(q, d, (size_t)nd);
		q += nd;
		for (i = nd; i < e; i++)
			*q++ = '0';
	} else {
		memcpy(q, d, (size_t)e);
		q += e;
		*q++ = '.';
		memcpy(q, d + e, (size_t)(nd - e));
		q += nd - e;
	}
	r->n = (size_t)(q - (char *)r->s);
}

static void
rand_sub(struct rsub *r)
{
	static const uint8_t alpha[] = { 0x00, 0x01, 0x02, 0xFF, 0xFE, 'a', 'b',
	    '0', '1', '5', '9', '-', '.', 'E', '"', 0x7F, 0x80, ' ' };
	static const char *near[] = { "1", "-1", ".5", "-.5", "10", "1.5", "01",
	    "1E3", "-0", "1.0", "5", "a", "ab", "" };
	size_t i;

	switch (rnd(10)) {
	case 0:
		r->n = 0;
		break;
	case 1:
		strcpy((char *)r->s, near[rnd(sizeof near / sizeof near[0])]);
		r->n = strlen((char *)r->s);
		break;
	case 2: case 3: case 4: case 5:
		rand_number(r);
		break;
	default:
		r->n = 1 + rnd(rnd(3) == 0 ? 30 : 4);
		for (i = 0; i < r->n; i++)
			r->s[i] = rnd(4) ? alpha[rnd(sizeof alpha)] : (uint8_t)rnd(256);
	}
}

static void
rand_key(struct rkey *k, const struct rkey *like)
{
	static const char *names[] = { "A", "AB", "a", "%x", "Z9" };
	int keep = 0, i;

	if (like != NULL && rnd(4) != 0) {
		keep = (int)rnd((unsigned)like->nsubs + 1);
		*k = *like;
	} else
		k->name = rnd(4) ? "A" : names[rnd(5)];
	k->nsubs = keep + (int)rnd((unsigned)(5 - keep));
	for (i = keep; i < k->nsubs; i++)
		rand_sub(&k->sub[i]);
}

static void
enc_key(const struct rkey *r, struct jk_key *k)
{
	struct jk_err err;
	int i;

	assert_int_equal(gref_key_init(k, r->name, strlen(r->name), &err), 0);
	for (i = 0; i < r->nsubs; i++)
		if (gref_key_add(k, r->sub[i].s, r->sub[i].n, &err) != 0)
			fail_msg("gref_key_add: %s", err.msg);
}

static void
test_collation_memcmp_equals_m_order(void **state)
{
	struct rkey a, b;
	struct jk_key ka, kb;
	struct buf t = BUF_INIT;
	long i, nnum = 0, neq = 0;
	int want, got;

	(void)state;
	for (i = 0; i < 150000; i++) {
		rand_key(&a, NULL);
		rand_key(&b, &a);
		enc_key(&a, &ka);
		enc_key(&b, &kb);
		want = ref_keycmp(&a, &b);
		got = key_cmp(ka.b, ka.len, kb.b, kb.len);
		if (want != got) {
			buf_reset(&t);
			gref_format(&t, ka.b, ka.len, true);
			buf_adds(&t, " vs ");
			gref_format(&t, kb.b, kb.len, true);
			fail_msg("pair %ld: %s: memcmp %d, M order %d", i, buf_str(&t), got, want);
		}
		neq += want == 0;
		nnum += a.nsubs > 0 && ref_canonic(a.sub[0].s, a.sub[0].n);
		assert_true(gref_key_valid(ka.b, ka.len));
	}
	/* the generator really mixes kinds and produces ties */
	assert_true(nnum > 30000);
	assert_true(neq > 1000);
	buf_release(&t);
}

static void
test_subtree_is_open_range_k_to_k_ff(void **state)
{
	struct rkey a, b;
	struct jk_key ka, kb;
	uint8_t hi[JK_KEY_MAX + 1];
	long i, ndesc = 0;
	bool desc, inrange;
	int j;

	(void)state;
	for (i = 0; i < 100000; i++) {
		rand_key(&a, NULL);
		rand_key(&b, &a);
		enc_key(&a, &ka);
		enc_key(&b, &kb);
		desc = strcmp(a.name, b.name) == 0 && b.nsubs > a.nsubs;
		for (j = 0; desc && j < a.nsubs; j++)
			desc = ref_subcmp(&a.sub[j], &b.sub[j]) == 0;
		memcpy(hi, ka.b, ka.len);
		hi[ka.len] = 0xFF;
		inrange = key_cmp(ka.b, ka.len, kb.b, kb.len) < 0 &&
		    key_cmp(kb.b, kb.len, hi, ka.len + 1) < 0;
		if (desc != inrange)
			fail_msg("pair %ld: descendant %d, in range %d", i, desc, inrange);
		ndesc += desc;
	}
	assert_true(ndesc > 10000);
}

/* --- patterns ------------------------------------------------------------ */

static void
test_name_match_table(void **state)
{
	static const struct {
		const char *pat, *name;
		bool match;
	} t[] = {
		{ "^Acct*", "Acct", true }, { "^Acct*", "AcctHist", true },
		{ "Acct*", "^AcctHist", true }, { "^Acct*", "Acc", false },
		{ "Bal?x", "Balax", true }, { "Bal?x", "Balx", false },
		{ "Bal?x", "Balaax", false }, { "*", "A", true }, { "*", "", true },
		{ "?", "A", true }, { "?", "AB", false }, { "A*B*C", "AxxBxxC", true },
		{ "A*B*C", "AxxBxx", false }, { "*x", "xxx", true }, { "a*", "A1", false },
		{ "%*", "%z", true }, { "*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaa", false },
		{ "A", "A", true }, { "A", "AA", false }, { "**", "AB", true },
		{ "A.B", "A.B", true }, { "A.B", "AxB", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (gref_name_match(t[i].pat, strlen(t[i].pat), t[i].name,
		    strlen(t[i].name)) != t[i].match)
			fail_msg("match(%s, %s) != %d", t[i].pat, t[i].name, t[i].match);
}

static void
test_pattern_valid_table(void **state)
{
	static const struct {
		const char *pat;
		bool ok;
	} t[] = {
		{ "^Acct*", true }, { "Bal?x", true }, { "*", true }, { "?a", true },
		{ "%x*", true }, { "A.B", true }, { "A9", true }, { "^", false },
		{ "", false }, { "9A", false }, { ".A", false }, { "A-B", false },
		{ "A%", false }, { "A B", false }, { "^^A", false }, { "A(1)", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (gref_pattern_valid(t[i].pat, strlen(t[i].pat)) != t[i].ok)
			fail_msg("pattern_valid(%s) != %d", t[i].pat, t[i].ok);
}

/* --- GT.M itself ----------------------------------------------------------- */

#define GTM_DEFAULT_DIST "/usr/lib/x86_64-linux-gnu/fis-gtm/V7.0-005_x86_64"

struct node {
	uint8_t name[4];	/* "x" or "y" */
	int nsubs;
	struct buf sub[3];
	struct buf val;
	struct jk_key key;
};

struct gtm {
	char dir[PATH_MAX];
	char dist[PATH_MAX];
	struct node *nodes;
	size_t n, cap;
};

static struct node *
gtm_node(struct gtm *g, const char *name, int nsubs)
{
	struct node *nd;
	int i;

	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 256;
		g->nodes = realloc(g->nodes, g->cap * sizeof *g->nodes);
		assert_non_null(g->nodes);
	}
	nd = &g->nodes[g->n++];
	memset(nd, 0, sizeof *nd);
	strcpy((char *)nd->name, name);
	nd->nsubs = nsubs;
	for (i = 0; i < 3; i++)
		buf_init(&nd->sub[i]);
	buf_init(&nd->val);
	return nd;
}

/* M code that builds the bytes p[0..n) in variable var, from $C() only. */
static void
m_build(FILE *f, const char *var, const struct buf *b)
{
	size_t i;

	fprintf(f, " set %s=\"\"\n", var);
	for (i = 0; i < b->len; i++) {
		if (i % 100 == 0)
			fprintf(f, "%s set %s=%s_$C(", i ? ")\n" : "", var, var);
		fprintf(f, "%s%u", i % 100 ? "," : "", b->data[i]);
	}
	if (b->len > 0)
		fputs(")\n", f);
}

static int
gtm_run(const struct gtm *g, const char *cmd)
{
	char line[3 * PATH_MAX + 512];

	snprintf(line, sizeof line, "cd '%s' && %s", g->dir, cmd);
	return system(line);
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)len + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	p[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return p;
}

static int
gtm_setup(void **state)
{
	static struct gtm g;
	const char *dist = getenv("gtm_dist");
	char path[PATH_MAX + 16];
	FILE *f;

	memset(&g, 0, sizeof g);
	snprintf(g.dist, sizeof g.dist, "%s", dist && *dist ? dist : GTM_DEFAULT_DIST);
	snprintf(path, sizeof path, "%s/mumps", g.dist);
	if (access(path, X_OK) != 0) {
		*state = NULL;
		return 0;
	}
	if (tu_mkdtemp(g.dir, sizeof g.dir, "gtm") != 0)
		return -1;
	setenv("gtm_dist", g.dist, 1);
	snprintf(path, sizeof path, "%s/g.gld", g.dir);
	setenv("gtmgbldir", path, 1);
	{
		char r[2 * PATH_MAX + 32];

		snprintf(r, sizeof r, "%s %s/libgtmutil.so", g.dir, g.dist);
		setenv("gtmroutines", r, 1);
	}
	unsetenv("gtm_tmp");
	unsetenv("gtm_chset");
	setenv("TZ", ":/etc/localtime", 1);
	snprintf(path, sizeof path, "%s/gde.cmd", g.dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	/* standard null collation puts "" first, as our keys do */
	fprintf(f, "change -segment DEFAULT -file_name=\"%s/g.dat\"\n"
	    "change -region DEFAULT -record_size=1048576 -key_size=1019 "
	    "-null_subscripts=true -stdnullcoll\nexit\n", g.dir);
	fclose(f);
	if (gtm_run(&g, "\"$gtm_dist/mumps\" -run GDE <gde.cmd >gde.log 2>&1") != 0 ||
	    gtm_run(&g, "\"$gtm_dist/mupip\" create >>gde.log 2>&1") != 0) {
		print_error("GT.M database setup failed, see %s/gde.log\n", g.dir);
		return -1;
	}
	*state = &g;
	return 0;
}

static int
gtm_teardown(void **state)
{
	struct gtm *g = *state;
	size_t i;
	int j;

	if (g == NULL)
		return 0;
	for (i = 0; i < g->n; i++) {
		for (j = 0; j < 3; j++)
			buf_release(&g->nodes[i].sub[j]);
		buf_release(&g->nodes[i].val);
	}
	free(g->nodes);
	if (tu_rmtree(g->dir) != 0)
		print_error("could not remove %s\n", g->dir);
	return 0;
}

static void
add_bytes(struct buf *b, const void *p, size_t n)
{
	assert_int_equal(buf_add(b, p, n), 0);
}

/* The nodes: every byte, $C() runs around 256, numbers and number-like strings, random. */
static void
gtm_make_nodes(struct gtm *g)
{
	static const char *strs[] = {
		"1", "-1", "-1.5", ".5", "-.5", "0", "10", "1E3", "01", "-0", "+1", "1.",
		"1.0", "0.5", " 1", "1 ", "1234567890123456789", "123456789012345678",
		"123456789012345678000", ".123456789012345678", ".1234567890123456789",
		"10000000000000000000000000000000000000000000000",
		"100000000000000000000000000000000000000000000000",
		".0000000000000000000000000000000000000000001",
		".00000000000000000000000000000000000000000001",
		"-100000000000000000000", "-.00000000000000000001", "\"", "a\"b", "\"\"",
		"_", "$C(1)", "a,b", "(", ")", "=", "",
	};
	static const size_t runs[] = { 255, 256, 257, 512, 513 };
	struct node *nd;
	struct jk_err err;
	size_t i, j, r;
	uint8_t c;

	for (i = 0; i < 256; i++) {
		c = (uint8_t)i;
		nd = gtm_node(g, "x", 2);
		add_bytes(&nd->sub[0], "byte", 4);
		buf_addf(&nd->sub[1], "%zu", i);
		add_bytes(&nd->val, "a", 1);
		add_bytes(&nd->val, &c, 1);
		add_bytes(&nd->val, "b", 1);
		nd = gtm_node(g, "x", 2);
		add_bytes(&nd->sub[0], "sub", 3);
		add_bytes(&nd->sub[1], &c, 1);
		add_bytes(&nd->val, &c, 1);
		nd = gtm_node(g, "x", 2);
		add_bytes(&nd->sub[0], "sub2", 4);
		add_bytes(&nd->sub[1], "a", 1);
		add_bytes(&nd->sub[1], &c, 1);
		add_bytes(&nd->sub[1], "\"", 1);
		buf_addf(&nd->val, "%zu", i);
	}
	for (i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		nd = gtm_node(g, "x", 2);
		add_bytes(&nd->sub[0], "num", 3);
		buf_adds(&nd->sub[1], strs[i]);
		buf_adds(&nd->val, strs[i]);
	}
	for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		nd = gtm_node(g, "x", 2);
		add_bytes(&nd->sub[0], "run", 3);
		buf_addf(&nd->sub[1], "%zu", runs[i]);
		for (j = 0; j < runs[i]; j++)
			assert_int_equal(buf_addc(&nd->val, (uint8_t)(j % 3 ? 1 : 128 + j % 32)), 0);
	}
	/* random keys (up to 3 levels) and values (up to 3000 bytes) */
	for (i = 0; i < 400; i++) {
		struct rsub s;
		int k;

		nd = gtm_node(g, "x", 1 + (int)rnd(3));
		add_bytes(&nd->sub[0], "rnd", 3);
		for (k = 1; k < nd->nsubs; k++) {
			rand_sub(&s);
			add_bytes(&nd->sub[k], s.s, s.n);
		}
		r = rnd(4) == 0 ? rnd(3000) : rnd(40);
		for (j = 0; j < r; j++) {
			c = (uint8_t)(rnd(3) ? 32 + rnd(95) : rnd(256));
			add_bytes(&nd->val, &c, 1);
		}
		if (rnd(5) == 0) {
			rand_number(&s);
			buf_reset(&nd->val);
			add_bytes(&nd->val, s.s, s.n);
		}
	}
	/* long values go under ^y: ZWRITE wraps lines at 32767 columns, extract does not */
	nd = gtm_node(g, "y", 1);
	add_bytes(&nd->sub[0], "1", 1);
	for (j = 0; j < 100000; j++)
		assert_int_equal(buf_addc(&nd->val, (uint8_t)('a' + j % 26)), 0);
	assert_int_equal(buf_addc(&nd->val, 10), 0);
	nd = gtm_node(g, "y", 1);
	add_bytes(&nd->sub[0], "2", 1);
	for (j = 0; j < 20000; j++)
		assert_int_equal(buf_addc(&nd->val, (uint8_t)rnd(256)), 0);
	nd = gtm_node(g, "y", 0);
	add_bytes(&nd->val, "top", 3);

	for (i = 0; i < g->n; i++) {
		int k;

		nd = &g->nodes[i];
		assert_int_equal(gref_key_init(&nd->key, (char *)nd->name, 1, &err), 0);
		for (k = 0; k < nd->nsubs; k++)
			if (gref_key_add(&nd->key, nd->sub[k].data, nd->sub[k].len, &err) != 0)
				fail_msg("node %zu: %s", i, err.msg);
	}
}

static int
node_cmp(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	return key_cmp(x->key.b, x->key.len, y->key.b, y->key.len);
}

/* Sort by key, keeping one node per key (the last one made). */
static void
gtm_sort_nodes(struct gtm *g)
{
	size_t i, o = 0;

	/* a later set of the same key wins: mark the earlier ones */
	for (i = 0; i < g->n; i++) {
		size_t j;

		for (j = i + 1; j < g->n; j++)
			if (node_cmp(&g->nodes[i], &g->nodes[j]) == 0) {
				g->nodes[i].key.len = 0;
				break;
			}
	}
	for (i = 0; i < g->n; i++) {
		if (g->nodes[i].key.len == 0) {
			int j;

			for (j = 0; j < 3; j++)
				buf_release(&g->nodes[i].sub[j]);
			buf_release(&g->nodes[i].val);
			continue;
		}
		g->nodes[o++] = g->nodes[i];
	}
	g->n = o;
	qsort(g->nodes, g->n, sizeof *g->nodes, node_cmp);
}

static void
gtm_write_routine(struct gtm *g)
{
	char path[PATH_MAX + 16];
	FILE *f;
	size_t i;
	int k;

	snprintf(path, sizeof path, "%s/jkset.m", g->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("jkset\t; nodes for test_gref, every byte given as $C()\n", f);
	fputs(" kill ^x,^y\n", f);
	for (i = 0; i < g->n; i++) {
		struct node *nd = &g->nodes[i];

		for (k = 0; k < nd->nsubs; k++) {
			char var[4] = { 's', (char)('1' + k), 0 };

			m_build(f, var, &nd->sub[k]);
		}
		m_build(f, "v", &nd->val);
		fprintf(f, " set ^%s", nd->name);
		for (k = 0; k < nd->nsubs; k++)
			fprintf(f, "%ss%d", k ? "," : "(", k + 1);
		fprintf(f, "%s=v\n", nd->nsubs ? ")" : "");
	}
	fputs(" quit\n", f);
	fclose(f);
}

/* Compare a GT.M output file, from line skip on, with our lines. */
static void
gtm_compare(struct gtm *g, const char *file, size_t skip, bool quoted, const char *only)
{
	struct buf want = BUF_INIT, v = BUF_INIT;
	struct jk_key k;
	struct jk_err err;
	char path[PATH_MAX + 16];
	char *text, *line, *nl;
	size_t n, i, lineno = 0, len;

	snprintf(path, sizeof path, "%s/%s", g->dir, file);
	text = slurp(path, &n);
	line = text;
	for (i = 0; i < skip; i++) {
		nl = memchr(line, '\n', n - (size_t)(line - text));
		assert_non_null(nl);
		line = nl + 1;
	}
	for (i = 0; i < g->n; i++) {
		struct node *nd = &g->nodes[i];

		if (only != NULL && strcmp((char *)nd->name, only) != 0)
			continue;
		lineno++;
		buf_reset(&want);
		assert_int_equal(gref_format(&want, nd->key.b, nd->key.len, true), 0);
		buf_addc(&want, '=');
		if (quoted)
			assert_int_equal(zwr_format_value_quoted(&want, nd->val.data, nd->val.len), 0);
		else
			assert_int_equal(zwr_format_value(&want, nd->val.data, nd->val.len), 0);
		if (!quoted) {
			struct buf mine = BUF_INIT;

			zwr_format_line(&mine, nd->key.b, nd->key.len, nd->val.data, nd->val.len);
			assert_string_equal(buf_str(&mine), buf_str(&want));
			buf_release(&mine);
		}
		nl = memchr(line, '\n', n - (size_t)(line - text));
		if (nl == NULL)
			fail_msg("%s: ends before line %zu, want %.200s", file, lineno, buf_str(&want));
		len = (size_t)(nl - line);
		if (len != want.len || memcmp(line, want.data, len) != 0)
			fail_msg("%s line %zu:\n GT.M: %.*s\n ours: %.300s", file, lineno,
			    (int)(len < 300 ? len : 300), line, buf_str(&want));
		/* and GT.M's line reads back to the same node */
		if (zwr_parse_line(line, len + 1, &k, &v, &err) != 0)
			fail_msg("%s line %zu: %s", file, lineno, err.msg);
		assert_int_equal(k.len, nd->key.len);
		assert_memory_equal(k.b, nd->key.b, k.len);
		assert_int_equal(v.len, nd->val.len);
		if (v.len > 0)
			assert_memory_equal(v.data, nd->val.data, v.len);
		line = nl + 1;
	}
	if ((size_t)(line - text) != n)
		fail_msg("%s: more lines than nodes: %.200s", file, line);
	free(text);
	buf_release(&want);
	buf_release(&v);
}

static void
test_zwrite_and_extract_match_gtm_line_for_line(void **state)
{
	struct gtm *g = *state;

	if (g == NULL) {
		printf("# skipped: fis-gtm not installed (no %s/mumps)\n",
		    getenv("gtm_dist") ? getenv("gtm_dist") : GTM_DEFAULT_DIST);
		skip();
	}
	gtm_make_nodes(g);
	gtm_sort_nodes(g);
	gtm_write_routine(g);
	if (gtm_run(g, "\"$gtm_dist/mumps\" -run jkset >set.out 2>&1") != 0 ||
	    gtm_run(g, "\"$gtm_dist/mumps\" -run %XCMD 'zwrite ^x' >zw.out 2>zw.err") != 0 ||
	    gtm_run(g, "\"$gtm_dist/mupip\" extract -format=zwr ex.zwr >ex.log 2>&1") != 0)
		fail_msg("GT.M failed, see %s/*.out, *.err, *.log", g->dir);
	gtm_compare(g, "zw.out", 0, false, "x");
	gtm_compare(g, "ex.zwr", 2, true, NULL);
	printf("# compared %zu nodes with GT.M ZWRITE and mupip extract\n", g->n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid_is_percent_or_letter_then_letters_digits),
		cmocka_unit_test(test_key_init_refuses_bad_and_long_names),
		cmocka_unit_test(test_canonic_table),
		cmocka_unit_test(test_num_canon_takes_longest_numeric_prefix_like_gtm),
		cmocka_unit_test(test_num_canon_overflow_is_elimit),
		cmocka_unit_test(test_incr_table),
		cmocka_unit_test(test_incr_random_sums_are_exact),
		cmocka_unit_test(test_parse_evaluates_literals_and_canonical_strings),
		cmocka_unit_test(test_parse_stops_after_reference),
		cmocka_unit_test(test_format_without_caret),
		cmocka_unit_test(test_value_format_matches_gtm_examples),
		cmocka_unit_test(test_value_format_splits_c_runs_at_256_codes),
		cmocka_unit_test(test_value_format_block_edges),
		cmocka_unit_test(test_value_and_subscript_format_random_against_rule),
		cmocka_unit_test(test_every_byte_roundtrips_in_values_and_subscripts),
		cmocka_unit_test(test_value_parse_table),
		cmocka_unit_test(test_line_allows_trailing_blanks_and_one_newline),
		cmocka_unit_test(test_parse_bad_input_names_column),
		cmocka_unit_test(test_key_limits_are_elimit_never_truncation),
		cmocka_unit_test(test_value_longer_than_limit_is_elimit),
		cmocka_unit_test(test_key_accessors_decode_name_subscripts_and_prefixes),
		cmocka_unit_test(test_key_valid_refuses_corrupt_and_noncanonical_keys),
		cmocka_unit_test(test_collation_memcmp_equals_m_order),
		cmocka_unit_test(test_subtree_is_open_range_k_to_k_ff),
		cmocka_unit_test(test_name_match_table),
		cmocka_unit_test(test_pattern_valid_table),
		cmocka_unit_test_setup_teardown(test_zwrite_and_extract_match_gtm_line_for_line,
		    gtm_setup, gtm_teardown),
	};
	return cmocka_run_group_tests_name("gref", tests, NULL, NULL);
}
