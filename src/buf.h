/*
 * buf.h - a growable byte buffer (git's strbuf, smaller).
 *
 * buf_init() makes an empty buffer that owns nothing; buf_release() frees it
 * and leaves it empty and reusable.  data is always NUL-terminated after
 * len bytes (the NUL is not counted), so text can be used as a C string.
 * Functions that grow return 0 or JK_ENOMEM and leave the buffer unchanged
 * on failure.
 */
#ifndef JK_BUF_H
#define JK_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* len = 0, storage kept. */
void buf_reset(struct buf *b);
/* Make room for n more bytes. */
int buf_grow(struct buf *b, size_t n);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addc(struct buf *b, uint8_t c);
int buf_adds(struct buf *b, const char *s);
/* s as a JSON string, quotes included (\" \\ and control bytes escaped; other bytes as they are). */
int buf_add_json(struct buf *b, const char *s);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The data as a C string ("" when empty); borrowed. */
const char *buf_str(const struct buf *b);

/* Free v[0..n) and v: a vector of owned strings (NULL v is nothing). */
void strv_free(char **v, size_t n);

#endif
