/* yml.c - what jrnkit's YAML files share; see yml.h. */
#include "yml.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* --- reading ------------------------------------------------------------- */

int
yml_at(struct jk_err *err, const char *name, yaml_mark_t m, const char *fmt, ...)
{
	char what[JK_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return jk_errf(err, JK_EFORMAT, "%s:%zu:%zu: %s", name, m.line + 1, m.column + 1,
	    what);
}

/* Where libyaml's reader stopped, given only a byte offset: line and column. */
yaml_mark_t
yml_offset_mark(const char *text, size_t len, size_t off)
{
	yaml_mark_t m = { 0, 0, 0 };
	size_t i;

	for (i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80)
			m.column++;	/* columns count characters, like libyaml's */
	}
	return m;
}

int
yml_next_event(yaml_parser_t *p, yaml_event_t *ev, const char *name, const char *text,
    size_t len, struct jk_err *err)
{
	const char *problem;

	yaml_event_delete(ev);
	if (yaml_parser_parse(p, ev))
		return 0;
	memset(ev, 0, sizeof *ev);
	problem = p->problem != NULL ? p->problem : "bad YAML";
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return jk_errf(err, JK_ENOMEM, "%s: out of memory", name);
	case YAML_READER_ERROR:
		return yml_at(err, name, yml_offset_mark(text, len, p->problem_offset), "%s",
		    problem);
	default:
		if (p->context != NULL)
			return yml_at(err, name, p->problem_mark, "%s %s", problem, p->context);
		return yml_at(err, name, p->problem_mark, "%s", problem);
	}
}

const char *
yml_event_noun(yaml_event_type_t t)
{
	switch (t) {
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias";
	case YAML_SCALAR_EVENT:
		return "a single value";
	default:
		return "nothing";
	}
}

/* --- writing --------------------------------------------------------------- */

/*
 * Decode one UTF-8 character at s (NUL-terminated) into *cp; its length, or
 * -1 for anything that is not well-formed UTF-8 (overlong forms, surrogates
 * and values past U+10FFFF included).
 */
static int
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0], min;
	int n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return n;
}

bool
yml_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n;

	while (*p != '\0') {
		if ((n = utf8_decode(p, &cp)) < 0)
			return false;
		p += n;
	}
	return true;
}

/*
 * Written raw: what libyaml's reader accepts as printable and its scanner
 * does not treat as a line break (inside quotes a break is folded into a
 * space).  Everything else is escaped by code point, which libyaml turns
 * back into the same UTF-8.
 */
int
yml_add_quoted(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n, rc;

	if ((rc = buf_addc(b, '"')) != 0)
		return rc;
	while (*p != '\0') {
		if ((n = utf8_decode(p, &cp)) < 0)
			return JK_EUSAGE;
		if (cp == '"' || cp == '\\')
			rc = buf_addf(b, "\\%c", (char)cp);
		else if (cp == '\t' || cp == '\n' || cp == '\r')
			rc = buf_addf(b, "\\%c", cp == '\t' ? 't' :
			    cp == '\n' ? 'n' : 'r');
		else if ((cp >= 0x20 && cp <= 0x7e) ||
		    (cp >= 0xa0 && cp <= 0xd7ff && cp != 0x2028 && cp != 0x2029) ||
		    (cp >= 0xe000 && cp <= 0xfffd && cp != 0xfeff) ||
		    cp >= 0x10000)
			rc = buf_add(b, p, (size_t)n);
		else if (cp < 0x100)
			rc = buf_addf(b, "\\x%02" PRIX32, cp);
		else
			rc = buf_addf(b, "\\u%04" PRIX32, cp);
		if (rc != 0)
			return rc;
		p += n;
	}
	return buf_addc(b, '"');
}
