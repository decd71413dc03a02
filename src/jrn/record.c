/*
 * record.c - encode and decode journal headers and records (format.h).
 *
 * Decoding never trusts a length: every field is bounds-checked against the
 * record, and the record against the bytes available, before it is read.
 */
#include "jrn/format.h"

#include <string.h>

#include "bytes.h"
#include "crc32c.h"

_Static_assert(JRN_REC_HDR == 40, "record header layout");
_Static_assert(JRN_HDR_FIXED == 74, "file header layout");
_Static_assert(JRN_PATH_MAX < 65536, "paths are u16-counted");

const char *
jrn_type_name(int type)
{
	switch (type) {
#define JRN_TYPE_NAME(name, code, text, op) case code: return text;
	JRN_TYPES(JRN_TYPE_NAME)
#undef JRN_TYPE_NAME
	}
	return NULL;
}

const char *
jrn_type_op(int type)
{
	switch (type) {
#define JRN_TYPE_OP(name, code, text, op) case code: return op;
	JRN_TYPES(JRN_TYPE_OP)
#undef JRN_TYPE_OP
	}
	return NULL;
}

bool
jrn_type_known(int type)
{
	return jrn_type_name(type) != NULL;
}

bool
jrn_type_is_update(int type)
{
	return type == JRN_SET || type == JRN_INCR || type == JRN_KILL ||
	    type == JRN_KILLDESC || type == JRN_ZKILL;
}

/* ---- file header ------------------------------------------------------- */

int
jrn_hdr_encode(struct buf *out, struct jrn_hdr *h)
{
	size_t plen = strlen(h->prev_path);
	uint8_t *p;

	if (plen > JRN_PATH_MAX)
		return JK_ELIMIT;
	h->version = JRN_VERSION;
	h->hdr_len = (uint32_t)(JRN_HDR_MIN + plen);
	if (buf_grow(out, h->hdr_len) != 0)
		return JK_ENOMEM;
	p = out->data + out->len;
	memcpy(p, JRN_MAGIC, JRN_MAGIC_LEN);
	put_u32(p + 8, h->version);
	put_u32(p + 12, h->hdr_len);
	put_u64(p + 16, h->file_id);
	put_u64(p + 24, h->created_us);
	put_u64(p + 32, h->instance_id);
	put_u64(p + 40, h->csi);
	put_u32(p + 48, h->csn);
	put_u32(p + 52, h->flags);
	put_u64(p + 56, h->prev_id);
	put_u64(p + 64, h->max_size);
	put_u16(p + 72, (uint16_t)plen);
	memcpy(p + JRN_HDR_FIXED, h->prev_path, plen);
	put_u32(p + JRN_HDR_FIXED + plen, crc32c(0, p, JRN_HDR_FIXED + plen));
	out->len += h->hdr_len;
	out->data[out->len] = '\0';
	return 0;
}

int
jrn_hdr_decode(const uint8_t *p, size_t n, struct jrn_hdr *h, const char *path,
    struct jk_err *err)
{
	uint32_t hlen, plen;

	if (n < JRN_MAGIC_LEN || memcmp(p, JRN_MAGIC, JRN_MAGIC_LEN) != 0)
		return jk_errf(err, JK_EFORMAT, "%s is not a jrnkit journal file (bad magic)", path);
	if (n < 16)
		return jk_errf(err, JK_ETORN, "%s: header is cut short at offset %zu", path, n);
	h->version = get_u32(p + 8);
	if (h->version != JRN_VERSION)
		return jk_errf(err, JK_EVERSION,
		    "%s: journal format version %u is not supported (this jrnkit reads version %d)",
		    path, h->version, JRN_VERSION);
	hlen = get_u32(p + 12);
	if (hlen < JRN_HDR_MIN || hlen > JRN_HDR_MIN + JRN_PATH_MAX)
		return jk_errf(err, JK_ECORRUPT, "%s: header length %u at offset 12 is out of range", path, hlen);
	if (n < hlen)
		return jk_errf(err, JK_ETORN, "%s: header is cut short (%zu of %u bytes)", path, n, hlen);
	plen = get_u16(p + 72);
	if (JRN_HDR_MIN + plen != hlen)
		return jk_errf(err, JK_ECORRUPT, "%s: header length %u does not match its path length %u", path, hlen, plen);
	if (get_u32(p + JRN_HDR_FIXED + plen) != crc32c(0, p, JRN_HDR_FIXED + plen))
		return jk_errf(err, JK_ECORRUPT, "%s: header checksum mismatch at offset %u", path, JRN_HDR_FIXED + plen);
	h->hdr_len = hlen;
	h->file_id = get_u64(p + 16);
	h->created_us = get_u64(p + 24);
	h->instance_id = get_u64(p + 32);
	h->csi = get_u64(p + 40);
	h->csn = get_u32(p + 48);
	h->flags = get_u32(p + 52);
	h->prev_id = get_u64(p + 56);
	h->max_size = get_u64(p + 64);
	memcpy(h->prev_path, p + JRN_HDR_FIXED, plen);
	h->prev_path[plen] = '\0';
	return 0;
}

/* ---- record encoding -------------------------------------------------------- */

int
jrn_rec_begin(struct buf *out, const struct jrn_rec *proto, size_t *start)
{
	uint8_t *p;

	if (buf_grow(out, JRN_REC_HDR) != 0)
		return JK_ENOMEM;
	*start = out->len;
	p = out->data + out->len;
	put_u32(p, 0);
	p[4] = proto->type;
	p[5] = proto->flags;
	p[6] = proto->tlevel;
	p[7] = 0;
	put_u64(p + 8, proto->time_us);
	put_u32(p + 16, proto->pid);
	put_u32(p + 20, proto->dbnum);
	put_u64(p + 24, proto->txid);
	put_u64(p + 32, proto->seq);
	out->len += JRN_REC_HDR;
	return 0;
}

int
jrn_put_u8(struct buf *out, uint8_t v)
{
	return buf_addc(out, v);
}

int
jrn_put_u32(struct buf *out, uint32_t v)
{
	uint8_t b[4];

	put_u32(b, v);
	return buf_add(out, b, 4);
}

int
jrn_put_u64(struct buf *out, uint64_t v)
{
	uint8_t b[8];

	put_u64(b, v);
	return buf_add(out, b, 8);
}

int
jrn_put_str16(struct buf *out, const void *s, size_t n)
{
	uint8_t b[2];

	if (n > UINT16_MAX)
		return JK_ELIMIT;
	put_u16(b, (uint16_t)n);
	if (buf_grow(out, 2 + n) != 0)
		return JK_ENOMEM;
	buf_add(out, b, 2);
	return buf_add(out, s, n);
}

int
jrn_put_key(struct buf *out, const void *k, size_t n)
{
	return jrn_put_str16(out, k, n);
}

int
jrn_put_val(struct buf *out, const void *v, size_t n)
{
	uint8_t b[4];

	if (n > JRN_REC_MAX)
		return JK_ELIMIT;
	put_u32(b, (uint32_t)n);
	if (buf_grow(out, 4 + n) != 0)
		return JK_ENOMEM;
	buf_add(out, b, 4);
	return buf_add(out, v, n);
}

int
jrn_rec_end(struct buf *out, size_t start)
{
	size_t len = out->len - start + JRN_REC_TRAILER;
	uint8_t *p;

	if (len > JRN_REC_MAX)
		return JK_ELIMIT;
	if (buf_grow(out, JRN_REC_TRAILER) != 0)
		return JK_ENOMEM;
	p = out->data + start;
	put_u32(p, (uint32_t)len);
	put_u32(p + len - 8, crc32c(0, p, len - 8));
	put_u32(p + len - 4, (uint32_t)len);
	out->len += JRN_REC_TRAILER;
	out->data[out->len] = '\0';
	return 0;
}

/* ---- record decoding -------------------------------------------------------- */

/* A cursor over a payload; any overrun sets bad and reads as zero. */
struct rd {
	const uint8_t *p;
	uint32_t n, pos;
	bool bad;
};

static bool
rd_need(struct rd *d, uint32_t k)
{
	if (d->bad || d->n - d->pos < k) {
		d->bad = true;
		return false;
	}
	return true;
}

static uint8_t
rd_u8(struct rd *d)
{
	return rd_need(d, 1) ? d->p[d->pos++] : 0;
}

static uint16_t
rd_u16(struct rd *d)
{
	uint16_t v;

	if (!rd_need(d, 2))
		return 0;
	v = get_u16(d->p + d->pos);
	d->pos += 2;
	return v;
}

static uint32_t
rd_u32(struct rd *d)
{
	uint32_t v;

	if (!rd_need(d, 4))
		return 0;
	v = get_u32(d->p + d->pos);
	d->pos += 4;
	return v;
}

static uint64_t
rd_u64(struct rd *d)
{
	uint64_t v;

	if (!rd_need(d, 8))
		return 0;
	v = get_u64(d->p + d->pos);
	d->pos += 8;
	return v;
}

static const uint8_t *
rd_bytes(struct rd *d, uint32_t k)
{
	const uint8_t *s;

	if (!rd_need(d, k))
		return NULL;
	s = d->p + d->pos;
	d->pos += k;
	return s;
}

static void
rd_str16(struct rd *d, const uint8_t **s, uint16_t *n)
{
	*n = rd_u16(d);
	*s = rd_bytes(d, *n);
}

static void
rd_val(struct rd *d, const uint8_t **s, uint32_t *n)
{
	*n = rd_u32(d);
	*s = rd_bytes(d, *n);
}

int
jrn_old_next(const struct jrn_rec *r, uint32_t *pos, const uint8_t **k,
    uint16_t *kn, const uint8_t **v, uint32_t *vn)
{
	struct rd d = { r->olds, r->oldslen, *pos, false };

	if (*pos >= r->oldslen)
		return 1;
	rd_str16(&d, k, kn);
	rd_val(&d, v, vn);
	if (d.bad)
		return JK_ECORRUPT;
	*pos = d.pos;
	return 0;
}

static int
decode_old_pairs(struct rd *d, struct jrn_rec *r)
{
	const uint8_t *k, *v;
	uint16_t kn;
	uint32_t vn, i, start;

	r->nold = rd_u32(d);
	start = d->pos;
	for (i = 0; i < r->nold && !d->bad; i++) {
		rd_str16(d, &k, &kn);
		rd_val(d, &v, &vn);
	}
	r->olds = d->p + start;
	r->oldslen = d->pos - start;
	return d->bad ? JK_ECORRUPT : 0;
}

static int
decode_payload(struct jrn_rec *r)
{
	struct rd d = { r->payload, r->paylen, 0, false };
	bool old = r->flags & JRN_F_OLD;
	uint16_t n16;

	switch (r->type) {
	case JRN_SET:
	case JRN_INCR:
		rd_str16(&d, &r->key, &r->keylen);
		if (r->type == JRN_INCR)
			rd_val(&d, &r->inc, &r->inclen);
		rd_val(&d, &r->val, &r->vallen);
		if (old) {
			r->had_old = rd_u8(&d) != 0;
			rd_val(&d, &r->old, &r->oldlen);
		}
		break;
	case JRN_KILL:
	case JRN_KILLDESC:
	case JRN_ZKILL:
		rd_str16(&d, &r->key, &r->keylen);
		if (old && decode_old_pairs(&d, r) != 0)
			return JK_ECORRUPT;
		break;
	case JRN_TBEGIN:
	case JRN_TROLLBACK:
	case JRN_JSTART:
		break;
	case JRN_TCOMMIT:
		r->count = rd_u32(&d);
		break;
	case JRN_MARKER:
		r->marker_id = (int64_t)rd_u64(&d);
		r->marker_seq = rd_u64(&d);
		r->prev_marker = rd_u64(&d);
		rd_str16(&d, &r->val, &n16);
		r->vallen = n16;
		if (n16 > JRN_MARKER_TEXT_MAX)
			return JK_ECORRUPT;
		break;
	case JRN_JEND:
	case JRN_DBMAP:
		r->id = rd_u64(&d);
		rd_str16(&d, &r->val, &n16);
		r->vallen = n16;
		break;
	case JRN_CHECKPOINT:
		r->count = rd_u32(&d);
		r->dbnums = rd_bytes(&d, r->count <= r->paylen / 4 ? r->count * 4 : UINT32_MAX);
		break;
	case JRN_BACKUP:
		rd_str16(&d, &r->val, &n16);
		r->vallen = n16;
		break;
	default:
		return JK_ECORRUPT;
	}
	/* A payload must be used exactly: trailing bytes mean a bad writer or damage. */
	if (d.bad || d.pos != d.n)
		return JK_ECORRUPT;
	return 0;
}

int
jrn_rec_decode(const uint8_t *p, size_t avail, struct jrn_rec *r, bool check_crc)
{
	uint32_t len;

	if (avail < 4)
		return JK_ETORN;
	len = get_u32(p);
	if (len < JRN_REC_MIN || len > JRN_REC_MAX)
		return JK_ECORRUPT;
	if (len > avail)
		return JK_ETORN;
	if (get_u32(p + len - 4) != len)
		return JK_ECORRUPT;
	if (check_crc && get_u32(p + len - 8) != crc32c(0, p, len - 8))
		return JK_ECORRUPT;
	memset(r, 0, sizeof *r);
	r->len = len;
	r->type = p[4];
	r->flags = p[5];
	r->tlevel = p[6];
	r->time_us = get_u64(p + 8);
	r->pid = get_u32(p + 16);
	r->dbnum = get_u32(p + 20);
	r->txid = get_u64(p + 24);
	r->seq = get_u64(p + 32);
	r->payload = p + JRN_REC_HDR;
	r->paylen = len - JRN_REC_MIN;
	return decode_payload(r);
}
