/*
 * yml.h - what jrnkit's YAML files share (the instance settings, inst.c;
 * restore plans, rst_planfile.c): reading libyaml events with errors that
 * name a place, "NAME:LINE:COL: message", and writing strings as
 * double-quoted scalars that libyaml reads back byte for byte.
 *
 * We write YAML ourselves rather than with libyaml's emitter because the
 * emitter cannot write comments, and a file's comments are its
 * documentation for the operator.
 */
#ifndef JK_YML_H
#define JK_YML_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "buf.h"
#include "err.h"

/*
 * JK_EFORMAT with "name:LINE:COL: " before the message; libyaml marks count
 * from 0, the message from 1, as people count.
 */
int yml_at(struct jk_err *err, const char *name, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * The next event into ev (the previous one deleted first), or the parser's
 * error at its place: JK_EFORMAT, or JK_ENOMEM.  text and len are the
 * parser's input, for the position of a reader error (an invalid UTF-8
 * byte), which libyaml gives only as an offset.  On error ev is zeroed, so
 * yaml_event_delete(ev) stays safe.
 */
int yml_next_event(yaml_parser_t *p, yaml_event_t *ev, const char *name, const char *text,
    size_t len, struct jk_err *err);

/* What an event is, for messages: "a list", "a mapping", "an alias", "a single value", "nothing". */
const char *yml_event_noun(yaml_event_type_t t);

/* Whether s is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
bool yml_utf8_valid(const char *s);

/*
 * Append s as a YAML double-quoted scalar: what libyaml reads as printable
 * and does not fold (line breaks) raw, everything else escaped by code
 * point, so libyaml gives back the same bytes.  JK_EUSAGE when s is not
 * UTF-8 (YAML cannot hold it), JK_ENOMEM; b may then hold part of it.
 */
int yml_add_quoted(struct buf *b, const char *s);

/* The line and column (from 0, characters) of byte offset off in text, as libyaml marks them. */
yaml_mark_t yml_offset_mark(const char *text, size_t len, size_t off);

#endif
