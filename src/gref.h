/*
 * gref.h - global references: names, M canonical numbers, the key encoding,
 * and the ZWR text form.
 *
 * A node ^Name(s1,...,sn) is stored under an encoded key whose byte order is
 * M collation:
 *
 *	key   = name-bytes 0x00 sub1 sub2 ... subn
 *	sub   = 0x10                          empty string "" (before numbers)
 *	      | 0x20 ~exp ~pairs... 0xFF      negative number
 *	      | 0x40                          zero
 *	      | 0x60 exp pairs... 0x00        positive number
 *	      | 0x80 escaped-bytes 0x00       non-empty string, 0x00 -> 01 01,
 *	                                      0x01 -> 01 02
 *
 * exp is the decimal exponent of the normalised mantissa (0.d1d2... with
 * d1 != 0) biased by 128; pairs are two mantissa digits each as 1 + 10*d + d'
 * (1..100), trailing zero digits dropped; ~x is 255 - x.  Every encoded
 * subscript is self-delimiting and starts with a byte below 0xFF, so
 *
 *	the descendants of the node with key K are exactly the keys in
 *	(K, K || 0xFF)
 *
 * and a subtree kill is one range delete.  Numbers carry at most 18
 * significant digits (as GT.M: further digits are truncated, not rounded)
 * and lie in GT.M's range 1E-43 <= |x| < 1E47, so the exponent is -42..+47
 * after normalisation.
 *
 * ZWR form, byte for byte as GT.M's ZWRITE in M mode: ^Acct(1042,"bal")=1500.25.
 * A canonical number prints bare; any other string prints quoted with ""
 * doubled; bytes outside 32..126 and 160..254 print as $C(n,...) runs (at
 * most 256 codes each) joined to quoted runs with _ .  mupip extract
 * -format=zwr writes the same except that it quotes every value,
 * ^Acct(1042,"bal")="1500.25": zwr_format_value_quoted.
 */
#ifndef JK_GREF_H
#define JK_GREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define GREF_NAME_MAX	31		/* bytes in a global name */
#define GREF_SUBS_MAX	31		/* subscripts in a reference */
#define JK_KEY_MAX	511		/* LMDB's compiled-in key limit */
#define JK_VAL_MAX	(1u << 20)	/* bytes in a value */
#define GREF_NUM_DIGITS	18		/* significant digits of a number */

/* An encoded key, caller-owned, fixed size so it lives on the stack. */
struct jk_key {
	size_t len;
	uint8_t b[JK_KEY_MAX];
};

/* --- names and numbers ------------------------------------------------- */

/* Whether name[0..n) is a valid global name: % or letter, then letters or digits, 1..31 bytes. */
bool gref_name_valid(const char *name, size_t n);

/* Whether s[0..n) is a canonical M number (1, -1.5, .5; not 01, 1.0, 1E3, -0, +1). */
bool m_is_canonic(const uint8_t *s, size_t n);

/*
 * Numeric interpretation of a string as M does it (+s): the longest numeric
 * prefix, "" -> 0, "12abc" -> 12, "1E3" -> 1000, "-.50" -> -.5; written in
 * canonical form to out (replacing its contents).  JK_ELIMIT on overflow.
 */
int m_num_canon(const uint8_t *s, size_t n, struct buf *out, struct jk_err *err);

/* $INCREMENT: canonical (+old) + (+inc) into out (replaced). */
int m_incr(const uint8_t *old, size_t oldn, const uint8_t *inc, size_t incn,
    struct buf *out, struct jk_err *err);

/* --- building and taking apart keys ------------------------------------- */

/* Start a key for global name (no ^).  JK_EFORMAT for a bad name, JK_ELIMIT past 31 bytes. */
int gref_key_init(struct jk_key *k, const char *name, size_t n, struct jk_err *err);
/*
 * Append a subscript given as M string value: a canonical number becomes a
 * numeric subscript, anything else a string subscript.  JK_ELIMIT when the
 * key would exceed JK_KEY_MAX or GREF_SUBS_MAX.
 */
int gref_key_add(struct jk_key *k, const uint8_t *s, size_t n, struct jk_err *err);

/* Name of an encoded key (borrowed, not NUL-terminated). */
int gref_key_name(const uint8_t *key, size_t len, const char **name, size_t *n);
/* Number of subscripts, or JK_ECORRUPT if the key does not decode. */
int gref_key_nsubs(const uint8_t *key, size_t len);
/*
 * Length of the key prefix holding the name and the first nsubs subscripts
 * (nsubs may be 0): the key of that ancestor.  JK_ECORRUPT / JK_EUSAGE.
 */
int gref_key_prefix(const uint8_t *key, size_t len, int nsubs, size_t *plen);
/* Subscript i (0-based) as its M string value into out (replaced); *isnum says which kind. */
int gref_key_sub(const uint8_t *key, size_t len, int i, struct buf *out, bool *isnum);
/* Whether the whole key decodes. */
bool gref_key_valid(const uint8_t *key, size_t len);

/* --- ZWR text -------------------------------------------------------- */

/*
 * Parse a global reference ^Name or ^Name(sub,...) at s[0..n).  Subscripts
 * are numeric literals (evaluated: 01 -> 1, 1E3 -> 1000) or ZWR string
 * expressions ("a"_$C(0)_"b").  *end is set to the index just after the
 * reference (so "^A(1)=5" stops at '=').  Errors are JK_EFORMAT or
 * JK_ELIMIT with a message naming the 1-based column: "column 7: ...";
 * k is then unusable.
 */
int gref_parse(const char *s, size_t n, struct jk_key *k, size_t *end,
    struct jk_err *err);

/*
 * Parse a ZWR value expression at s[0..n): a numeric literal (canonicalised),
 * or "..." and $C(n,...) pieces joined by _ .  Value bytes go to out
 * (replaced); *end after the expression.  JK_ELIMIT past JK_VAL_MAX.
 * Inside quotes any byte but the quote stands for itself (so raw UTF-8
 * typed at a prompt reads as its bytes); $C is written in capitals, codes
 * 0..255.
 */
int zwr_parse_value(const char *s, size_t n, struct buf *out, size_t *end,
    struct jk_err *err);

/* Parse a whole "ref=value" line (trailing spaces and a newline allowed). */
int zwr_parse_line(const char *s, size_t n, struct jk_key *k, struct buf *val,
    struct jk_err *err);

/* Append the ZWR reference of an encoded key: ^Acct(1042,"bal").  caret=false leaves out the ^. */
int gref_format(struct buf *out, const uint8_t *key, size_t len, bool caret);
/* Append a value in ZWR form: 1500.25 or "x"_$C(10). */
int zwr_format_value(struct buf *out, const uint8_t *v, size_t n);
/* Append a value as mupip extract -format=zwr writes it: always quoted, "1500.25". */
int zwr_format_value_quoted(struct buf *out, const uint8_t *v, size_t n);
/* Append "ref=value" (no newline). */
int zwr_format_line(struct buf *out, const uint8_t *key, size_t klen,
    const uint8_t *v, size_t vn);

/* --- patterns ---------------------------------------------------------- */

/*
 * Whether a global name matches a pattern of name characters, * (any run) and
 * ? (one character), as in the restore selection: ^Acct* or Bal?x (a leading
 * ^ is ignored on both sides).
 */
bool gref_name_match(const char *pat, size_t pn, const char *name, size_t n);
/*
 * Whether pat is a valid name pattern (a leading ^ is ignored): first a
 * letter, %, * or ?, then letters, digits, *, ? or . (spec/dialogues.md).
 */
bool gref_pattern_valid(const char *pat, size_t pn);

#endif
