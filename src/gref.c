/*
 * gref.c - global references: names, M numbers, the key codec and ZWR text.
 *
 * Numbers.  An M number is held as struct mnum: a sign, n <= 18 significant
 * decimal digits d1..dn with d1 != 0 and dn != 0, and an exponent e, the
 * value being 0.d1d2...dn * 10^e; zero is n == 0.  The range is GT.M's:
 * 1E-43 <= |x| < 1E47, so e is -42..47.  Digits past the 18th are dropped,
 * truncating toward zero, because GT.M does exactly that (+"1234567890123456789"
 * is 1234567890123456780, 123456789012345678+.9 is 123456789012345678); we do
 * not round and do not refuse.  A magnitude below 1E-43 becomes 0 (as GT.M);
 * 1E47 or more is JK_ELIMIT (GT.M's NUMOFLOW).
 *
 * Sums ($INCREMENT) are computed exactly and then truncated to 18 digits.
 * GT.M instead drops the digits of the smaller operand that fall beyond the
 * larger one's 18 before adding, so the two differ only when the exact sum
 * has more than 18 significant digits: 1E18-.5 is 1000000000000000000 in
 * GT.M and 999999999999999999 here.
 *
 * Keys: the layout is in gref.h.  The code relies on these invariants:
 *  1. every encoded subscript is self-delimiting: 0x10 and 0x40 stand alone,
 *     a positive number ends at the first 0x00 after its exponent byte, a
 *     negative one at the first 0xFF after it, a string at its first 0x00
 *     (an escaped string has no 0x00 inside);
 *  2. an encoding is unique: a string subscript is never a canonical number
 *     (that would be a numeric subscript), digits carry no trailing zeros, and
 *     "" is 0x10, never an empty 0x80 string.  gref_key_valid checks all of
 *     this, so two keys for the same node always have the same bytes.
 *
 * ZWR text follows what GT.M V7.0 writes in M mode (checked byte for byte
 * by tests/test_gref.c against the installed GT.M): bytes 32..126 and
 * 160..254 are printed inside quotes (the Latin-1 graphic characters; GT.M
 * does not look at the locale), every other byte goes into $C(), at most
 * 256 codes to one $C(), pieces joined by _.  ZWRITE prints a value that is
 * a canonical number bare; mupip extract quotes every value
 * (zwr_format_value_quoted).
 */
#include "gref.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NUM_EXP_MAX	47
#define NUM_EXP_MIN	(-42)
#define EXP_BIAS	128
#define EXP_SAT		1000000000000000LL	/* exponents are clamped here while read */
#define NUM_STR_MAX	64	/* "-." 42 zeros 18 digits, or "-" 47 digits */
#define NUM_ENC_MAX	12	/* tag, exponent, 9 pairs, terminator */

#define SUB_EMPTY	0x10
#define SUB_NEG		0x20
#define SUB_ZERO	0x40
#define SUB_POS		0x60
#define SUB_STR		0x80

#define ZWR_C_MAX	256	/* codes in one $C(), as GT.M writes them */

struct mnum {
	int exp;
	int n;
	bool neg;
	uint8_t d[GREF_NUM_DIGITS];
};

static inline bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline bool
name_first(int c)
{
	return c == '%' || is_alpha(c);
}

static inline bool
name_rest(int c)
{
	return is_alpha(c) || is_digit(c);
}

/* Printed inside quotes by ZWRITE in M mode: 32..126 and 160..254. */
static inline bool
zwr_graphic(uint8_t c)
{
	return (uint8_t)(c - 32) < 95 || (uint8_t)(c - 160) < 95;
}

/* An error message that starts with the 1-based column of s[idx]. */
static int
colerr(struct jk_err *err, int code, size_t idx, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
colerr(struct jk_err *err, int code, size_t idx, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return jk_errf(err, code, "column %zu: %s", idx + 1, what);
}

/* --- names ------------------------------------------------------------- */

bool
gref_name_valid(const char *name, size_t n)
{
	size_t i;

	if (n == 0 || n > GREF_NAME_MAX || !name_first((uint8_t)name[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!name_rest((uint8_t)name[i]))
			return false;
	return true;
}

/* Length of the name at the start of an encoded key, or -1 if there is none. */
static int
key_name_len(const uint8_t *key, size_t len)
{
	size_t i, lim = len < GREF_NAME_MAX + 1 ? len : GREF_NAME_MAX + 1;

	for (i = 0; i < lim; i++) {
		if (key[i] == 0x00)
			return i > 0 ? (int)i : -1;
		if (i == 0 ? !name_first(key[i]) : !name_rest(key[i]))
			return -1;
	}
	return -1;
}

/* --- numbers ----------------------------------------------------------- */

static void
num_zero(struct mnum *x)
{
	x->neg = false;
	x->n = 0;
	x->exp = 0;
}

/*
 * M's numeric interpretation of s[0..n) (+s): any run of + and - signs,
 * digits, a point, digits, then E, an optional sign and digits; the longest
 * prefix that reads as a number counts and the rest is ignored.  Only a
 * capital E is an exponent, as in GT.M (+"1e3" is 1).  JK_ELIMIT when the
 * magnitude is 1E47 or more.
 */
static int
num_scan(const uint8_t *s, size_t n, struct mnum *x)
{
	size_t i = 0, j;
	int64_t e = 0, v;
	bool any = false, eneg;

	num_zero(x);
	for (; i < n && (s[i] == '+' || s[i] == '-'); i++)
		if (s[i] == '-')
			x->neg = !x->neg;
	for (; i < n && is_digit(s[i]); i++) {
		any = true;
		if (x->n == 0 && s[i] == '0')
			continue;
		if (x->n < GREF_NUM_DIGITS)
			x->d[x->n++] = (uint8_t)(s[i] - '0');
		e++;
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && is_digit(s[i]); i++) {
			any = true;
			if (x->n == 0 && s[i] == '0') {
				e--;
				continue;
			}
			if (x->n < GREF_NUM_DIGITS)
				x->d[x->n++] = (uint8_t)(s[i] - '0');
		}
	}
	if (any && i < n && s[i] == 'E') {
		j = i + 1;
		eneg = false;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			eneg = s[j++] == '-';
		for (v = 0; j < n && is_digit(s[j]); j++)
			if (v < EXP_SAT)
				v = v * 10 + (s[j] - '0');
		e += eneg ? -v : v;
	}
	while (x->n > 0 && x->d[x->n - 1] == 0)
		x->n--;
	if (x->n == 0 || e < NUM_EXP_MIN) {
		num_zero(x);
		return 0;
	}
	if (e > NUM_EXP_MAX)
		return JK_ELIMIT;
	x->exp = (int)e;
	return 0;
}

/* The canonical text of x into p (NUM_STR_MAX bytes); its length. */
static size_t
num_fmt(const struct mnum *x, char *p)
{
	char *q = p;
	int k;

	if (x->n == 0) {
		*q++ = '0';
		return 1;
	}
	if (x->neg)
		*q++ = '-';
	if (x->exp <= 0) {
		*q++ = '.';
		for (k = 0; k < -x->exp; k++)
			*q++ = '0';
		for (k = 0; k < x->n; k++)
			*q++ = (char)('0' + x->d[k]);
	} else if (x->exp >= x->n) {
		for (k = 0; k < x->n; k++)
			*q++ = (char)('0' + x->d[k]);
		for (; k < x->exp; k++)
			*q++ = '0';
	} else {
		for (k = 0; k < x->exp; k++)
			*q++ = (char)('0' + x->d[k]);
		*q++ = '.';
		for (; k < x->n; k++)
			*q++ = (char)('0' + x->d[k]);
	}
	return (size_t)(q - p);
}

bool
m_is_canonic(const uint8_t *s, size_t n)
{
	size_t i = 0, b, f, sig;
	long e;

	if (n == 0)
		return false;
	if (n == 1 && s[0] == '0')
		return true;
	if (s[0] == '-')
		i = 1;
	if (i == n)
		return false;
	if (s[i] >= '1' && s[i] <= '9') {
		for (b = i; i < n && is_digit(s[i]); i++)
			;
		e = (long)(i - b);
		if (i == n) {
			for (sig = i - b; s[b + sig - 1] == '0'; sig--)
				;
		} else {
			if (s[i] != '.')
				return false;
			for (f = ++i; i < n && is_digit(s[i]); i++)
				;
			if (i != n || i == f || s[n - 1] == '0')
				return false;
			sig = (n - b) - 1;
		}
	} else if (s[i] == '.') {
		for (f = ++i; i < n && is_digit(s[i]); i++)
			;
		if (i != n || i == f || s[n - 1] == '0')
			return false;
		for (i = f; s[i] == '0'; i++)
			;
		e = -(long)(i - f);
		sig = n - i;
	} else
		return false;
	return sig <= GREF_NUM_DIGITS && e <= NUM_EXP_MAX && e >= NUM_EXP_MIN;
}

/* Widest exact sum: digit powers 10^47 (a carry) down to 10^-60. */
#define ADD_W	(NUM_EXP_MAX - NUM_EXP_MIN + GREF_NUM_DIGITS + 2)

/* r = a + b, exact, then truncated to 18 digits; JK_ELIMIT at 1E47. */
static int
num_add(const struct mnum *a, const struct mnum *b, struct mnum *r)
{
	uint8_t da[ADD_W], db[ADD_W], *big, *small;
	int hi, lo, w, k, i, v, c, cmp;
	bool neg;

	if (a->n == 0) {
		*r = *b;
		return 0;
	}
	if (b->n == 0) {
		*r = *a;
		return 0;
	}
	/* Slot k holds the digit of 10^(hi-k); slot 0 takes the carry. */
	hi = a->exp > b->exp ? a->exp : b->exp;
	lo = a->exp - a->n < b->exp - b->n ? a->exp - a->n : b->exp - b->n;
	w = hi - lo + 1;
	memset(da, 0, (size_t)w);
	memset(db, 0, (size_t)w);
	for (i = 0; i < a->n; i++)
		da[hi - a->exp + 1 + i] = a->d[i];
	for (i = 0; i < b->n; i++)
		db[hi - b->exp + 1 + i] = b->d[i];
	if (a->neg == b->neg) {
		neg = a->neg;
		for (c = 0, k = w - 1; k >= 0; k--) {
			v = da[k] + db[k] + c;
			c = v >= 10;
			da[k] = (uint8_t)(c ? v - 10 : v);
		}
		big = da;
	} else {
		cmp = memcmp(da, db, (size_t)w);
		if (cmp == 0) {
			num_zero(r);
			return 0;
		}
		big = cmp > 0 ? da : db;
		small = cmp > 0 ? db : da;
		neg = cmp > 0 ? a->neg : b->neg;
		for (c = 0, k = w - 1; k >= 0; k--) {
			v = big[k] - small[k] - c;
			c = v < 0;
			big[k] = (uint8_t)(c ? v + 10 : v);
		}
	}
	for (k = 0; big[k] == 0; k++)
		;
	r->neg = neg;
	r->exp = hi - k + 1;
	for (r->n = 0; k < w && r->n < GREF_NUM_DIGITS; k++)
		r->d[r->n++] = big[k];
	while (r->d[r->n - 1] == 0)
		r->n--;
	if (r->exp > NUM_EXP_MAX)
		return JK_ELIMIT;
	if (r->exp < NUM_EXP_MIN)
		num_zero(r);
	return 0;
}

int
m_num_canon(const uint8_t *s, size_t n, struct buf *out, struct jk_err *err)
{
	struct mnum x;
	char t[NUM_STR_MAX];

	if (num_scan(s, n, &x) != 0)
		return jk_errf(err, JK_ELIMIT,
		    "numeric overflow: magnitude of 1E47 or more");
	buf_reset(out);
	if (buf_add(out, t, num_fmt(&x, t)) != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory for a number");
	return 0;
}

int
m_incr(const uint8_t *old, size_t oldn, const uint8_t *inc, size_t incn,
    struct buf *out, struct jk_err *err)
{
	struct mnum a, b, r;
	char t[NUM_STR_MAX];

	if (num_scan(old, oldn, &a) != 0)
		return jk_errf(err, JK_ELIMIT,
		    "$INCREMENT: numeric overflow in the old value");
	if (num_scan(inc, incn, &b) != 0)
		return jk_errf(err, JK_ELIMIT,
		    "$INCREMENT: numeric overflow in the increment");
	if (num_add(&a, &b, &r) != 0)
		return jk_errf(err, JK_ELIMIT,
		    "$INCREMENT: numeric overflow: result of 1E47 or more");
	buf_reset(out);
	if (buf_add(out, t, num_fmt(&r, t)) != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory for a number");
	return 0;
}

/* --- encoding ---------------------------------------------------------- */

/* Encode x at p (NUM_ENC_MAX bytes); the length. */
static size_t
num_enc(const struct mnum *x, uint8_t *p)
{
	uint8_t flip = x->neg ? 0xFF : 0x00;
	size_t k = 0;
	int i;

	if (x->n == 0) {
		p[0] = SUB_ZERO;
		return 1;
	}
	p[k++] = x->neg ? SUB_NEG : SUB_POS;
	p[k++] = (uint8_t)(x->exp + EXP_BIAS) ^ flip;
	for (i = 0; i < x->n; i += 2)
		p[k++] = (uint8_t)(1 + 10 * x->d[i] +
		    (i + 1 < x->n ? x->d[i + 1] : 0)) ^ flip;
	p[k++] = flip;
	return k;
}

/*
 * Decode the number subscript at p (p[0] is SUB_POS or SUB_NEG), checking
 * that it is the one canonical encoding; its length or JK_ECORRUPT.
 */
static int
num_dec(const uint8_t *p, size_t avail, struct mnum *x)
{
	uint8_t flip = p[0] == SUB_NEG ? 0xFF : 0x00;
	size_t k;
	int e, v;

	if (avail < 4)
		return JK_ECORRUPT;
	e = (p[1] ^ flip) - EXP_BIAS;
	if (e < NUM_EXP_MIN || e > NUM_EXP_MAX)
		return JK_ECORRUPT;
	x->neg = flip != 0;
	x->exp = e;
	x->n = 0;
	for (k = 2;; k++) {
		if (k >= avail)
			return JK_ECORRUPT;
		v = p[k] ^ flip;
		if (v == 0)
			break;
		if (v > 100 || x->n >= GREF_NUM_DIGITS)
			return JK_ECORRUPT;
		x->d[x->n++] = (uint8_t)((v - 1) / 10);
		x->d[x->n++] = (uint8_t)((v - 1) % 10);
	}
	if (x->n == 0 || x->d[0] == 0)
		return JK_ECORRUPT;
	if (x->d[x->n - 1] == 0 && x->d[--x->n - 1] == 0)
		return JK_ECORRUPT;
	return (int)(k + 1);
}

/*
 * Decode the string subscript at p (p[0] is SUB_STR) into dst (room for
 * avail bytes), checking it is not empty and not a canonical number; its
 * encoded length or JK_ECORRUPT.
 */
static int
str_dec(const uint8_t *p, size_t avail, uint8_t *dst, size_t *dn)
{
	size_t j = 1, m = 0;

	for (;;) {
		if (j >= avail)
			return JK_ECORRUPT;
		if (p[j] == 0x00)
			break;
		if (p[j] == 0x01) {
			if (j + 1 >= avail || (p[j + 1] != 0x01 && p[j + 1] != 0x02))
				return JK_ECORRUPT;
			dst[m++] = p[j + 1] - 1;
			j += 2;
		} else
			dst[m++] = p[j++];
	}
	if (m == 0 || m_is_canonic(dst, m))
		return JK_ECORRUPT;
	*dn = m;
	return (int)(j + 1);
}

/* Length of the subscript at p, looking only for its end (invariant 1). */
static int
sub_len(const uint8_t *p, size_t avail)
{
	const uint8_t *t = NULL;

	if (avail == 0)
		return JK_ECORRUPT;
	switch (p[0]) {
	case SUB_EMPTY:
	case SUB_ZERO:
		return 1;
	case SUB_POS:
		if (avail > 2)
			t = memchr(p + 2, 0x00, avail - 2);
		break;
	case SUB_NEG:
		if (avail > 2)
			t = memchr(p + 2, 0xFF, avail - 2);
		break;
	case SUB_STR:
		t = memchr(p + 1, 0x00, avail - 1);
		break;
	}
	return t == NULL ? JK_ECORRUPT : (int)(t - p + 1);
}

/* Length of the subscript at p after checking it fully (invariant 2). */
static int
sub_check(const uint8_t *p, size_t avail)
{
	uint8_t tmp[JK_KEY_MAX];
	struct mnum x;
	size_t dn;

	if (avail == 0)
		return JK_ECORRUPT;
	switch (p[0]) {
	case SUB_EMPTY:
	case SUB_ZERO:
		return 1;
	case SUB_POS:
	case SUB_NEG:
		return num_dec(p, avail, &x);
	case SUB_STR:
		if (avail > sizeof tmp)
			return JK_ECORRUPT;
		return str_dec(p, avail, tmp, &dn);
	}
	return JK_ECORRUPT;
}

static int
key_count_subs(const uint8_t *key, size_t len, size_t from)
{
	int nsubs = 0, r;

	while (from < len) {
		if ((r = sub_len(key + from, len - from)) < 0)
			return r;
		from += (size_t)r;
		nsubs++;
	}
	return nsubs;
}

int
gref_key_init(struct jk_key *k, const char *name, size_t n, struct jk_err *err)
{
	size_t i;

	k->len = 0;
	for (i = 0; i < n; i++)
		if (i == 0 ? !name_first((uint8_t)name[i]) : !name_rest((uint8_t)name[i]))
			break;
	if (n == 0 || i < n)
		return jk_errf(err, JK_EFORMAT, "bad global name '%.*s': "
		    "%% or a letter, then letters or digits", (int)(n < 64 ? n : 64), name);
	if (n > GREF_NAME_MAX)
		return jk_errf(err, JK_ELIMIT, "global name '%.*s...' longer than %d bytes",
		    GREF_NAME_MAX, name, GREF_NAME_MAX);
	memcpy(k->b, name, n);
	k->b[n] = 0x00;
	k->len = n + 1;
	return 0;
}

static const char why_key_long[] = "key longer than 511 bytes";
static const char why_subs[] = "more than 31 subscripts";

_Static_assert(JK_KEY_MAX == 511 && GREF_SUBS_MAX == 31,
    "the limit messages above name the limits");

/*
 * Whether another subscript may be added.  A key of len bytes holds at most
 * len - 2 subscripts (a name byte and the 0x00), so only long keys are walked.
 */
static bool
key_subs_room(const struct jk_key *k)
{
	return k->len - 2 < GREF_SUBS_MAX ||
	    key_count_subs(k->b, k->len, (size_t)key_name_len(k->b, k->len) + 1) <
	    GREF_SUBS_MAX;
}

static int
key_add_num(struct jk_key *k, const struct mnum *x, const char **why)
{
	uint8_t tmp[NUM_ENC_MAX];
	size_t m;

	if (!key_subs_room(k)) {
		*why = why_subs;
		return JK_ELIMIT;
	}
	m = num_enc(x, tmp);
	if (m > JK_KEY_MAX - k->len) {
		*why = why_key_long;
		return JK_ELIMIT;
	}
	memcpy(k->b + k->len, tmp, m);
	k->len += m;
	return 0;
}

/* Append an M string value as a subscript; k is unchanged on failure. */
static int
key_add(struct jk_key *k, const uint8_t *s, size_t n, const char **why)
{
	size_t room = JK_KEY_MAX - k->len, i, j;
	uint8_t *p = k->b + k->len;
	struct mnum x;

	if (n > 0 && m_is_canonic(s, n)) {
		num_scan(s, n, &x);
		return key_add_num(k, &x, why);
	}
	if (!key_subs_room(k)) {
		*why = why_subs;
		return JK_ELIMIT;
	}
	*why = why_key_long;
	if (n == 0) {
		if (room < 1)
			return JK_ELIMIT;
		*p = SUB_EMPTY;
		k->len++;
		return 0;
	}
	if (room < 2)
		return JK_ELIMIT;
	/* room for each byte as written (0x00, 0x01 take two) and the terminator */
	p[0] = SUB_STR;
	for (i = 0, j = 1; i < n; i++) {
		if (s[i] <= 0x01) {
			if (j + 3 > room)
				return JK_ELIMIT;
			p[j++] = 0x01;
			p[j++] = s[i] + 1;
		} else {
			if (j + 2 > room)
				return JK_ELIMIT;
			p[j++] = s[i];
		}
	}
	p[j++] = 0x00;
	k->len += j;
	return 0;
}

int
gref_key_add(struct jk_key *k, const uint8_t *s, size_t n, struct jk_err *err)
{
	const char *why;
	int nl;

	if (k->len < 2 || k->len > JK_KEY_MAX || (nl = key_name_len(k->b, k->len)) < 0)
		return jk_errf(err, JK_EUSAGE, "gref_key_add: key not started by gref_key_init");
	if (key_add(k, s, n, &why) != 0)
		return jk_errf(err, JK_ELIMIT, "^%.*s: %s", nl, (const char *)k->b, why);
	return 0;
}

int
gref_key_name(const uint8_t *key, size_t len, const char **name, size_t *n)
{
	int nl = key_name_len(key, len);

	if (nl < 0)
		return JK_ECORRUPT;
	*name = (const char *)key;
	*n = (size_t)nl;
	return 0;
}

/*
 * Walk the subscripts, checking each: the offset of subscript upto (or the
 * key's end) in *off, the number walked as the result, or JK_ECORRUPT.
 */
static int
key_walk(const uint8_t *key, size_t len, int upto, size_t *off)
{
	size_t i;
	int nl, r, nsubs = 0;

	if (len > JK_KEY_MAX || (nl = key_name_len(key, len)) < 0)
		return JK_ECORRUPT;
	for (i = (size_t)nl + 1; i < len && nsubs < upto; nsubs++) {
		if (nsubs == GREF_SUBS_MAX || (r = sub_check(key + i, len - i)) < 0)
			return JK_ECORRUPT;
		i += (size_t)r;
	}
	*off = i;
	return nsubs;
}

int
gref_key_nsubs(const uint8_t *key, size_t len)
{
	size_t off;
	int r = key_walk(key, len, GREF_SUBS_MAX + 1, &off);

	return r >= 0 && off != len ? JK_ECORRUPT : r;
}

bool
gref_key_valid(const uint8_t *key, size_t len)
{
	return gref_key_nsubs(key, len) >= 0;
}

int
gref_key_prefix(const uint8_t *key, size_t len, int nsubs, size_t *plen)
{
	size_t off;
	int r;

	if (nsubs < 0)
		return JK_EUSAGE;
	if ((r = key_walk(key, len, nsubs, &off)) < 0)
		return r;
	if (r < nsubs)
		return JK_EUSAGE;
	*plen = off;
	return 0;
}

int
gref_key_sub(const uint8_t *key, size_t len, int i, struct buf *out, bool *isnum)
{
	uint8_t tmp[JK_KEY_MAX];
	char t[NUM_STR_MAX];
	struct mnum x;
	size_t off, dn = 0;
	int r;

	if (i < 0)
		return JK_EUSAGE;
	if ((r = key_walk(key, len, i, &off)) < 0)
		return r;
	if (r < i || off == len)
		return JK_EUSAGE;
	buf_reset(out);
	*isnum = key[off] == SUB_ZERO || key[off] == SUB_POS || key[off] == SUB_NEG;
	switch (key[off]) {
	case SUB_EMPTY:
		return 0;
	case SUB_ZERO:
		return buf_addc(out, '0');
	case SUB_POS:
	case SUB_NEG:
		if (num_dec(key + off, len - off, &x) < 0)
			return JK_ECORRUPT;
		return buf_add(out, t, num_fmt(&x, t));
	case SUB_STR:
		if (str_dec(key + off, len - off, tmp, &dn) < 0)
			return JK_ECORRUPT;
		return buf_add(out, tmp, dn);
	}
	return JK_ECORRUPT;
}

/* --- ZWR output --------------------------------------------------------- */

/*
 * The writers put text at a pointer into room reserved beforehand (one
 * check per piece, not per byte).  A quoted run, the bulk of any dump, is
 * scanned a block at a time: sixteen bytes with SSE2 (every x86-64 has it),
 * then eight in a 64-bit word where the byte order allows; a block of plain
 * bytes (32..126 but the quote) is copied whole, and the first byte that is
 * not plain, found from the block's mask, is then handled on its own.
 */
#if defined(__SSE2__)
#include <emmintrin.h>
#define ZWR_SSE2	1
#else
#define ZWR_SSE2	0
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ZWR_WORDS	1
#else
#define ZWR_WORDS	0	/* the word mask finds the first byte only little-endian */
#endif

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/*
 * The top bit of byte k is set when byte k of w (s[k] loaded little-endian)
 * is below 32, above 126 or the quote.  A borrow or carry runs only upward
 * from a byte that is itself set, so the lowest set bit is exact (the ones
 * above it need not be).
 */
static inline uint64_t
unplain_mask(uint64_t w)
{
	uint64_t x = w ^ (ONES * '"');

	return ((w - ONES * 32) & ~w & HIGHS) |		/* < 32 */
	    (((w + ONES) | w) & HIGHS) |		/* > 126: 127 + 1 or the top bit */
	    ((x - ONES) & ~x & HIGHS);			/* == '"' */
}

/* Make room for n more bytes (and the NUL): inline when there is, as there mostly is. */
static inline int
room(struct buf *out, size_t n)
{
	return n < out->cap - out->len ? 0 : buf_grow(out, n);
}

/*
 * Copy the plain bytes that s[0..n) starts with to q, whole blocks at a
 * time; how many.  It may stop short of a plain byte in the last n % 8 (the
 * caller goes on byte by byte).  It stores whole blocks of s only, so it
 * writes no more than n bytes at q.
 */
static inline size_t
copy_plain(uint8_t *q, const uint8_t *s, size_t n)
{
	size_t i = 0;

#if ZWR_SSE2
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i)), ok;
		unsigned m;

		_mm_storeu_si128((__m128i *)(void *)(q + i), v);
		ok = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(31)),
		    _mm_cmplt_epi8(v, _mm_set1_epi8(127)));	/* signed: 128..255 fail the first */
		ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), ok);
		if ((m = (unsigned)_mm_movemask_epi8(ok) ^ 0xFFFFu) != 0)
			return i + (unsigned)__builtin_ctz(m);
	}
#endif
#if ZWR_WORDS
	for (; n - i >= 8; i += 8) {
		uint64_t w, m;

		memcpy(&w, s + i, 8);
		memcpy(q + i, &w, 8);
		if ((m = unplain_mask(w)) != 0)
			return i + ((unsigned)__builtin_ctzll(m) >> 3);
	}
#endif
	return i;
}

/*
 * Write s[*ip..n) at q as the inside of a quoted run: quotes doubled, up to
 * the first byte that is not zwr_graphic, or n.  Room needed: 2 * (n - *ip).
 * Returns the end of the text; *ip is moved past the bytes taken.
 */
static uint8_t *
put_quoted(uint8_t *q, const uint8_t *s, size_t *ip, size_t n)
{
	size_t i = *ip, k;

	for (;;) {
		/* room: the output so far is at most 2 * (i - *ip), so 2 * (n - i) is left */
		k = copy_plain(q, s + i, n - i);
		q += k;
		i += k;
		if (i == n || !zwr_graphic(s[i]))
			break;
		if (s[i] == '"')
			*q++ = '"';
		*q++ = s[i++];
	}
	*ip = i;
	return q;
}

static inline uint8_t *
put_code(uint8_t *q, unsigned v)
{
	if (v >= 100) {
		*q++ = (uint8_t)('0' + v / 100);
		v %= 100;
		*q++ = (uint8_t)('0' + v / 10);
	} else if (v >= 10)
		*q++ = (uint8_t)('0' + v / 10);
	*q++ = (uint8_t)('0' + v % 10);
	return q;
}

/* Append s[0..n) as a ZWR string: quoted runs and $C() runs joined by _. */
static int
zwr_str(struct buf *out, const uint8_t *s, size_t n)
{
	size_t i = 0, j, k;
	uint8_t *q;

	if (n == 0)
		return buf_add(out, "\"\"", 2);
	while (i < n) {
		if (zwr_graphic(s[i])) {
			/* the rest of s as one run: only the first run can grow the buffer */
			if (room(out, 2 * (n - i) + 3) != 0)
				return JK_ENOMEM;
			q = out->data + out->len;
			if (i > 0)
				*q++ = '_';
			*q++ = '"';
			q = put_quoted(q, s, &i, n);
			*q++ = '"';
		} else {
			j = i;
			while (j < n && !zwr_graphic(s[j]))
				j++;
			if (room(out, 4 * (j - i) +
			    5 * ((j - i + ZWR_C_MAX - 1) / ZWR_C_MAX)) != 0)
				return JK_ENOMEM;
			q = out->data + out->len;
			for (k = 0; i < j; i++, k++) {
				if (k % ZWR_C_MAX == 0) {
					if (i > 0)
						*q++ = '_';
					memcpy(q, "$C(", 3);
					q += 3;
				} else
					*q++ = ',';
				q = put_code(q, s[i]);
				if (k % ZWR_C_MAX == ZWR_C_MAX - 1 || i + 1 == j)
					*q++ = ')';
			}
		}
		out->len = (size_t)(q - out->data);
	}
	out->data[out->len] = '\0';
	return 0;
}

/* Undo a partial append. */
static int
out_undo(struct buf *out, size_t mark, int rc)
{
	out->len = mark;
	if (out->data != NULL)
		out->data[mark] = '\0';
	return rc;
}

int
gref_format(struct buf *out, const uint8_t *key, size_t len, bool caret)
{
	uint8_t tmp[JK_KEY_MAX], *q;
	struct mnum x;
	size_t mark = out->len, i, dn;
	int nl, r, nsubs = 0, rc;

	if (len > JK_KEY_MAX || (nl = key_name_len(key, len)) < 0)
		return JK_ECORRUPT;
	if (room(out, (size_t)nl + 2) != 0)
		return JK_ENOMEM;
	q = out->data + out->len;
	if (caret)
		*q++ = '^';
	memcpy(q, key, (size_t)nl);
	out->len = (size_t)(q + nl - out->data);
	for (i = (size_t)nl + 1; i < len; i += (size_t)r) {
		if (++nsubs > GREF_SUBS_MAX)
			return out_undo(out, mark, JK_ECORRUPT);
		/* the separator, a number and the closing parenthesis */
		if ((rc = room(out, NUM_STR_MAX + 2)) != 0)
			return out_undo(out, mark, rc);
		q = out->data + out->len;
		*q++ = nsubs == 1 ? '(' : ',';
		switch (key[i]) {
		case SUB_EMPTY:
			r = 1;
			*q++ = '"';
			*q++ = '"';
			break;
		case SUB_ZERO:
			r = 1;
			*q++ = '0';
			break;
		case SUB_POS:
		case SUB_NEG:
			r = num_dec(key + i, len - i, &x);
			if (r > 0)
				q += num_fmt(&x, (char *)q);
			break;
		case SUB_STR:
			r = str_dec(key + i, len - i, tmp, &dn);
			out->len = (size_t)(q - out->data);
			if (r > 0 && (rc = zwr_str(out, tmp, dn)) != 0)
				return out_undo(out, mark, rc);
			q = out->data + out->len;
			break;
		default:
			r = JK_ECORRUPT;
		}
		if (r < 0)
			return out_undo(out, mark, JK_ECORRUPT);
		out->len = (size_t)(q - out->data);
	}
	if (nsubs > 0) {
		if ((rc = room(out, 1)) != 0)
			return out_undo(out, mark, rc);
		out->data[out->len++] = ')';
	}
	out->data[out->len] = '\0';
	return 0;
}

int
zwr_format_value(struct buf *out, const uint8_t *v, size_t n)
{
	size_t mark = out->len;
	int rc;

	if (m_is_canonic(v, n))
		return buf_add(out, v, n);
	if ((rc = zwr_str(out, v, n)) != 0)
		return out_undo(out, mark, rc);
	return 0;
}

int
zwr_format_value_quoted(struct buf *out, const uint8_t *v, size_t n)
{
	size_t mark = out->len;
	int rc;

	if ((rc = zwr_str(out, v, n)) != 0)
		return out_undo(out, mark, rc);
	return 0;
}

int
zwr_format_line(struct buf *out, const uint8_t *key, size_t klen,
    const uint8_t *v, size_t vn)
{
	size_t mark = out->len;
	int rc;

	if ((rc = gref_format(out, key, klen, true)) != 0)
		return rc;
	if ((rc = buf_addc(out, '=')) != 0 || (rc = zwr_format_value(out, v, vn)) != 0)
		return out_undo(out, mark, rc);
	return 0;
}

/* --- ZWR input ---------------------------------------------------------- */

/* Where parsed string bytes go: a fixed array (subscripts) or a buf (values). */
struct sink {
	uint8_t *p;
	struct buf *b;
	size_t len;
	size_t max;
};

static int
sink_add(struct sink *o, const uint8_t *p, size_t n)
{
	if (o->b != NULL) {
		if (n > o->max - o->b->len)
			return JK_ELIMIT;
		return buf_add(o->b, p, n);
	}
	if (n > o->max - o->len)
		return JK_ELIMIT;
	memcpy(o->p + o->len, p, n);
	o->len += n;
	return 0;
}

/*
 * A ZWR string expression at u[*ip..n): "..." (with "" for a quote) and
 * $C(code,...) pieces joined by _.  Any byte but the quote may stand inside
 * quotes, so text typed with raw Latin-1 or UTF-8 bytes reads as those bytes.
 * toolong is the message when the sink fills up.
 */
static int
parse_str(const uint8_t *u, size_t n, size_t *ip, struct sink *o,
    const char *toolong, struct jk_err *err)
{
	size_t i = *ip, start = *ip, j, q, cs;
	unsigned c;
	uint8_t byte;
	int rc = 0;

	for (;;) {
		if (i < n && u[i] == '"') {
			q = i++;
			for (;;) {
				for (j = i; j < n && u[j] != '"'; j++)
					;
				if (j >= n)
					return colerr(err, JK_EFORMAT, q, "string not terminated");
				if ((rc = sink_add(o, u + i, j - i)) != 0)
					goto out_sink;
				if (j + 1 < n && u[j + 1] == '"') {
					if ((rc = sink_add(o, u + j, 1)) != 0)
						goto out_sink;
					i = j + 2;
					continue;
				}
				i = j + 1;
				break;
			}
		} else if (i + 2 < n && u[i] == '$' && u[i + 1] == 'C' && u[i + 2] == '(') {
			i += 3;
			for (;;) {
				if (i >= n || !is_digit(u[i]))
					return colerr(err, JK_EFORMAT, i,
					    "expected a character code (0-255) in $C()");
				for (cs = i, c = 0; i < n && is_digit(u[i]); i++)
					if (c < 1000)
						c = c * 10 + (unsigned)(u[i] - '0');
				if (c > 255)
					return colerr(err, JK_EFORMAT, cs,
					    "character code %.*s out of range 0-255",
					    (int)(i - cs < 20 ? i - cs : 20), (const char *)u + cs);
				byte = (uint8_t)c;
				if ((rc = sink_add(o, &byte, 1)) != 0)
					goto out_sink;
				if (i < n && u[i] == ',') {
					i++;
					continue;
				}
				if (i < n && u[i] == ')') {
					i++;
					break;
				}
				return colerr(err, JK_EFORMAT, i, "expected , or ) in $C()");
			}
		} else
			return colerr(err, JK_EFORMAT, i, i == start ?
			    "expected \"string\" or $C()" :
			    "expected \"string\" or $C() after _");
		if (i < n && u[i] == '_') {
			i++;
			continue;
		}
		break;
	}
	*ip = i;
	return 0;
out_sink:
	if (rc == JK_ELIMIT)
		return colerr(err, JK_ELIMIT, start, "%s", toolong);
	return jk_errf(err, rc, "column %zu: out of memory", start + 1);
}

static inline bool
lit_start(uint8_t c)
{
	return is_digit(c) || c == '.' || c == '-' || c == '+';
}

/*
 * A numeric literal at u[*ip..n): an optional sign, digits with an optional
 * point (at least one digit), then optionally E, a sign and digits.
 */
static int
parse_lit(const uint8_t *u, size_t n, size_t *ip, struct mnum *x,
    struct jk_err *err)
{
	size_t i = *ip, j = *ip, digits = 0;

	if (j < n && (u[j] == '-' || u[j] == '+'))
		j++;
	for (; j < n && is_digit(u[j]); j++)
		digits++;
	if (j < n && u[j] == '.')
		for (j++; j < n && is_digit(u[j]); j++)
			digits++;
	if (digits == 0)
		return colerr(err, JK_EFORMAT, i, "expected a number");
	if (j < n && u[j] == 'E') {
		j++;
		if (j < n && (u[j] == '-' || u[j] == '+'))
			j++;
		if (j >= n || !is_digit(u[j]))
			return colerr(err, JK_EFORMAT, j, "expected digits after E");
		while (j < n && is_digit(u[j]))
			j++;
	}
	if (num_scan(u + i, j - i, x) != 0)
		return colerr(err, JK_ELIMIT, i, "number too large: 1E47 or more");
	*ip = j;
	return 0;
}

int
gref_parse(const char *s, size_t n, struct jk_key *k, size_t *end,
    struct jk_err *err)
{
	const uint8_t *u = (const uint8_t *)s;
	uint8_t tmp[JK_KEY_MAX];
	struct sink o;
	struct mnum x;
	const char *why;
	size_t i = 1, col;
	int rc;

	k->len = 0;
	if (n == 0 || u[0] != '^')
		return colerr(err, JK_EFORMAT, 0, "expected ^ and a global name");
	if (i < n && name_first(u[i]))
		for (i++; i < n && name_rest(u[i]); i++)
			;
	if (i == 1)
		return colerr(err, JK_EFORMAT, 1,
		    "expected a global name: %% or a letter, then letters or digits");
	if (i - 1 > GREF_NAME_MAX)
		return colerr(err, JK_ELIMIT, 1, "global name longer than %d bytes",
		    GREF_NAME_MAX);
	memcpy(k->b, u + 1, i - 1);
	k->b[i - 1] = 0x00;
	k->len = i;
	if (i < n && u[i] == '(') {
		for (;;) {
			col = ++i;
			if (i < n && (u[i] == '"' || u[i] == '$')) {
				o.p = tmp;
				o.b = NULL;
				o.len = 0;
				o.max = sizeof tmp;
				if ((rc = parse_str(u, n, &i, &o, why_key_long, err)) != 0)
					return rc;
				rc = key_add(k, tmp, o.len, &why);
			} else if (i < n && lit_start(u[i])) {
				if ((rc = parse_lit(u, n, &i, &x, err)) != 0)
					return rc;
				rc = key_add_num(k, &x, &why);
			} else
				return colerr(err, JK_EFORMAT, i,
				    "expected a subscript: a number, \"string\" or $C()");
			if (rc != 0)
				return colerr(err, rc, col, "%s", why);
			if (i < n && u[i] == ',')
				continue;
			if (i < n && u[i] == ')') {
				i++;
				break;
			}
			return colerr(err, JK_EFORMAT, i, "expected , or ) after a subscript");
		}
	}
	*end = i;
	return 0;
}

static int
parse_value_at(const uint8_t *u, size_t n, size_t *ip, struct buf *out,
    struct jk_err *err)
{
	char t[NUM_STR_MAX];
	struct sink o;
	struct mnum x;
	int rc;

	buf_reset(out);
	if (*ip < n && lit_start(u[*ip])) {
		if ((rc = parse_lit(u, n, ip, &x, err)) != 0)
			return rc;
		if (buf_add(out, t, num_fmt(&x, t)) != 0)
			return jk_errf(err, JK_ENOMEM, "out of memory for a value");
		return 0;
	}
	if (*ip < n && (u[*ip] == '"' || u[*ip] == '$')) {
		o.p = NULL;
		o.b = out;
		o.len = 0;
		o.max = JK_VAL_MAX;
		return parse_str(u, n, ip, &o, "value longer than 1048576 bytes", err);
	}
	return colerr(err, JK_EFORMAT, *ip,
	    "expected a value: a number, \"string\" or $C()");
}

_Static_assert(JK_VAL_MAX == 1048576, "the value limit message names the limit");

int
zwr_parse_value(const char *s, size_t n, struct buf *out, size_t *end,
    struct jk_err *err)
{
	size_t i = 0;
	int rc;

	if ((rc = parse_value_at((const uint8_t *)s, n, &i, out, err)) != 0)
		return rc;
	*end = i;
	return 0;
}

int
zwr_parse_line(const char *s, size_t n, struct jk_key *k, struct buf *val,
    struct jk_err *err)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i;
	int rc;

	if ((rc = gref_parse(s, n, k, &i, err)) != 0)
		return rc;
	if (i >= n || u[i] != '=')
		return colerr(err, JK_EFORMAT, i, "expected = after the reference");
	i++;
	if ((rc = parse_value_at(u, n, &i, val, err)) != 0)
		return rc;
	while (i < n && (u[i] == ' ' || u[i] == '\t' || u[i] == '\r'))
		i++;
	if (i < n && u[i] == '\n')
		i++;
	if (i != n)
		return colerr(err, JK_EFORMAT, i, "unexpected text after the value");
	return 0;
}

/* --- patterns ---------------------------------------------------------- */

bool
gref_name_match(const char *pat, size_t pn, const char *name, size_t n)
{
	size_t i = 0, j = 0, star = 0, mark = 0;
	bool have_star = false;

	if (pn > 0 && pat[0] == '^') {
		pat++;
		pn--;
	}
	if (n > 0 && name[0] == '^') {
		name++;
		n--;
	}
	/* Greedy with one backtrack point: the last * seen absorbs one more character. */
	while (j < n) {
		if (i < pn && pat[i] == '*') {
			have_star = true;
			star = i++;
			mark = j;
		} else if (i < pn && (pat[i] == '?' || pat[i] == name[j])) {
			i++;
			j++;
		} else if (have_star) {
			i = star + 1;
			j = ++mark;
		} else
			return false;
	}
	while (i < pn && pat[i] == '*')
		i++;
	return i == pn;
}

bool
gref_pattern_valid(const char *pat, size_t pn)
{
	size_t i;
	uint8_t c;

	if (pn > 0 && pat[0] == '^') {
		pat++;
		pn--;
	}
	if (pn == 0)
		return false;
	c = (uint8_t)pat[0];
	if (!name_first(c) && c != '*' && c != '?')
		return false;
	for (i = 1; i < pn; i++) {
		c = (uint8_t)pat[i];
		if (!name_rest(c) && c != '*' && c != '?' && c != '.')
			return false;
	}
	return true;
}
