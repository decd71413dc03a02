/*
 * test_jrn.c - the journal format, the reader and the chain: round trips of
 * every record type, and a corruption table (truncate at every byte, flip
 * bits in the header, lengths, payload and CRC) that checks the error and
 * the valid-up-to offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "jrn/jrn.h"
#include "util/tmpdir.h"

static char tmpdir[4096];

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(tu_mkdtemp(tmpdir, sizeof tmpdir, "test_jrn"), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tu_rmtree(tmpdir);
}

/* A header with a previous path, so that the path fields are exercised. */
static void
put_header(struct buf *b, uint64_t id, uint64_t prev_id, const char *prev)
{
	struct jrn_hdr h;

	memset(&h, 0, sizeof h);
	h.file_id = id;
	h.created_us = 1763640000000000ULL;
	h.instance_id = 42;
	h.prev_id = prev_id;
	h.max_size = 1u << 30;
	snprintf(h.prev_path, sizeof h.prev_path, "%s", prev ? prev : "");
	assert_int_equal(jrn_hdr_encode(b, &h), 0);
}

static struct jrn_rec
mk(uint8_t type, uint8_t flags)
{
	struct jrn_rec r;

	memset(&r, 0, sizeof r);
	r.type = type;
	r.flags = flags;
	r.time_us = 1763640000123456ULL;
	r.pid = 4587;
	r.dbnum = 1;
	r.txid = flags & JRN_F_TX ? 77 : 0;
	r.tlevel = flags & JRN_F_TX ? 1 : 0;
	r.seq = 1904;
	return r;
}

static const uint8_t KEY[] = { 'A', 0, 0x60, 0x84, 0x0B, 0x15, 0 };

/* One record of every type, appended to b; returns how many. */
static int
put_every_type(struct buf *b)
{
	struct jrn_rec r;
	size_t st;
	int n = 0;

	r = mk(JRN_DBMAP, 0);
	jrn_rec_begin(b, &r, &st);
	jrn_put_u64(b, 99);
	jrn_put_str16(b, "/srv/db/acct/", 13);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_SET, 0);
	jrn_rec_begin(b, &r, &st);
	jrn_put_key(b, KEY, sizeof KEY);
	jrn_put_val(b, "1500.25", 7);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_TBEGIN, JRN_F_TX);
	jrn_rec_begin(b, &r, &st);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_SET, JRN_F_TX | JRN_F_OLD);
	jrn_rec_begin(b, &r, &st);
	jrn_put_key(b, KEY, sizeof KEY);
	jrn_put_val(b, "new", 3);
	jrn_put_u8(b, 1);
	jrn_put_val(b, "old", 3);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_INCR, JRN_F_TX | JRN_F_OLD);
	jrn_rec_begin(b, &r, &st);
	jrn_put_key(b, KEY, sizeof KEY);
	jrn_put_val(b, "5", 1);
	jrn_put_val(b, "8", 1);
	jrn_put_u8(b, 1);
	jrn_put_val(b, "3", 1);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_KILL, JRN_F_TX | JRN_F_OLD);
	jrn_rec_begin(b, &r, &st);
	jrn_put_key(b, KEY, sizeof KEY);
	jrn_put_u32(b, 2);
	jrn_put_key(b, KEY, sizeof KEY);
	jrn_put_val(b, "v1", 2);
	jrn_put_key(b, (const uint8_t *)"B\0", 2);
	jrn_put_val(b, "", 0);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_KILLDESC, 0);
	jrn_rec_begin(b, &r, &st);
	jrn_put_key(b, KEY, sizeof KEY);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_ZKILL, 0);
	jrn_rec_begin(b, &r, &st);
	jrn_put_key(b, KEY, sizeof KEY);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_TCOMMIT, JRN_F_TX);
	jrn_rec_begin(b, &r, &st);
	jrn_put_u32(b, 3);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_TROLLBACK, JRN_F_TX);
	jrn_rec_begin(b, &r, &st);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_MARKER, 0);
	jrn_rec_begin(b, &r, &st);
	jrn_put_u64(b, (uint64_t)-1);
	jrn_put_u64(b, 7);
	jrn_put_u64(b, 12345);
	jrn_put_str16(b, "20261120;11:00:52;full", 22);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_JSTART, JRN_F_EXPLICIT);
	jrn_rec_begin(b, &r, &st);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_CHECKPOINT, 0);
	jrn_rec_begin(b, &r, &st);
	jrn_put_u32(b, 2);
	jrn_put_u32(b, 1);
	jrn_put_u32(b, 2);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_BACKUP, 0);
	jrn_rec_begin(b, &r, &st);
	jrn_put_str16(b, "CLUFULL.BCK full", 16);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;

	r = mk(JRN_JEND, 0);
	jrn_rec_begin(b, &r, &st);
	jrn_put_u64(b, 555);
	jrn_put_str16(b, "/srv/jrn/journal/20261120.003", 29);
	assert_int_equal(jrn_rec_end(b, st), 0), n++;
	return n;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void
path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static void
test_every_record_type_round_trips(void **state)
{
	struct buf b = BUF_INIT;
	struct jrn_reader *r;
	struct jrn_rec rec;
	struct jk_err err;
	char path[4200];
	const uint8_t *k, *v;
	uint16_t kn;
	uint32_t vn, pos = 0;
	int n, i;

	(void)state;
	put_header(&b, 1, 0, NULL);
	n = put_every_type(&b);
	path_in(path, sizeof path, "every");
	write_file(path, b.data, b.len);
	assert_int_equal(jrn_reader_open(path, &r, &err), 0);
	assert_int_equal(jrn_reader_hdr(r)->file_id, 1);
	assert_int_equal(jrn_reader_hdr(r)->instance_id, 42);
	for (i = 0; i < n; i++) {
		assert_int_equal(jrn_reader_next(r, &rec), 0);
		assert_int_equal(rec.pid, 4587);
		assert_int_equal(rec.seq, 1904);
		assert_true(rec.time_us == 1763640000123456ULL);
		switch (rec.type) {
		case JRN_DBMAP:
			assert_int_equal(rec.id, 99);
			assert_memory_equal(rec.val, "/srv/db/acct/", 13);
			break;
		case JRN_SET:
			assert_memory_equal(rec.key, KEY, sizeof KEY);
			if (rec.flags & JRN_F_OLD) {
				assert_memory_equal(rec.val, "new", 3);
				assert_true(rec.had_old);
				assert_memory_equal(rec.old, "old", 3);
				assert_int_equal(rec.txid, 77);
			} else {
				assert_int_equal(rec.vallen, 7);
				assert_memory_equal(rec.val, "1500.25", 7);
			}
			break;
		case JRN_INCR:
			assert_memory_equal(rec.inc, "5", 1);
			assert_memory_equal(rec.val, "8", 1);
			assert_memory_equal(rec.old, "3", 1);
			break;
		case JRN_KILL:
			assert_int_equal(rec.nold, 2);
			assert_int_equal(jrn_old_next(&rec, &pos, &k, &kn, &v, &vn), 0);
			assert_memory_equal(k, KEY, sizeof KEY);
			assert_memory_equal(v, "v1", 2);
			assert_int_equal(jrn_old_next(&rec, &pos, &k, &kn, &v, &vn), 0);
			assert_int_equal(kn, 2);
			assert_int_equal(vn, 0);
			assert_int_equal(jrn_old_next(&rec, &pos, &k, &kn, &v, &vn), 1);
			break;
		case JRN_TCOMMIT:
			assert_int_equal(rec.count, 3);
			break;
		case JRN_MARKER:
			assert_true(rec.marker_id == -1);
			assert_int_equal(rec.marker_seq, 7);
			assert_int_equal(rec.prev_marker, 12345);
			assert_memory_equal(rec.val, "20261120;11:00:52;full", 22);
			break;
		case JRN_CHECKPOINT:
			assert_int_equal(rec.count, 2);
			assert_int_equal(get_u32(rec.dbnums + 4), 2);
			break;
		case JRN_JEND:
			assert_int_equal(rec.id, 555);
			assert_int_equal(rec.vallen, 29);
			break;
		case JRN_JSTART:
			assert_true(rec.flags & JRN_F_EXPLICIT);
			break;
		default:
			assert_true(jrn_type_known(rec.type));
		}
		assert_non_null(jrn_type_op(rec.type));
	}
	assert_int_equal(jrn_reader_next(r, &rec), 1);
	assert_int_equal(jrn_reader_valid_end(r), b.len);
	jrn_reader_close(r);
	buf_release(&b);
}

static void
test_backward_reading_mirrors_forward(void **state)
{
	struct buf b = BUF_INIT;
	struct jrn_reader *r;
	struct jrn_rec rec;
	uint64_t offs[64];
	char path[4200];
	int n, i;

	(void)state;
	put_header(&b, 1, 0, NULL);
	n = put_every_type(&b);
	path_in(path, sizeof path, "back");
	write_file(path, b.data, b.len);
	assert_int_equal(jrn_reader_open(path, &r, NULL), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(jrn_reader_next(r, &rec), 0);
		offs[i] = rec.offset;
	}
	for (i = n - 1; i >= 0; i--) {
		assert_int_equal(jrn_reader_prev(r, &rec), 0);
		assert_int_equal(rec.offset, offs[i]);
	}
	assert_int_equal(jrn_reader_prev(r, &rec), 1);
	/* seek inside a record finds the next one; UINT64_MAX is the end */
	assert_int_equal(jrn_reader_seek(r, offs[3] + 5), 0);
	assert_int_equal(jrn_reader_next(r, &rec), 0);
	assert_int_equal(rec.offset, offs[4]);
	assert_int_equal(jrn_reader_seek(r, offs[5]), 0);
	assert_int_equal(jrn_reader_next(r, &rec), 0);
	assert_int_equal(rec.offset, offs[5]);
	assert_int_equal(jrn_reader_seek(r, UINT64_MAX), 0);
	assert_int_equal(jrn_reader_prev(r, &rec), 0);
	assert_int_equal(rec.offset, offs[n - 1]);
	jrn_reader_close(r);
	buf_release(&b);
}

/* Read a file to its end; count records; return the final code. */
static int
read_all(const char *path, int *count, uint64_t *valid, char *msg, size_t msgsz)
{
	struct jrn_reader *r;
	struct jrn_rec rec;
	struct jk_err err;
	int rc;

	*count = 0;
	jk_err_clear(&err);
	rc = jrn_reader_open(path, &r, &err);
	if (rc != 0) {
		snprintf(msg, msgsz, "%s", err.msg);
		return rc;
	}
	while ((rc = jrn_reader_next(r, &rec)) == 0) {
		assert_true(rec.offset + rec.len <= jrn_reader_valid_end(r));
		(*count)++;
	}
	*valid = jrn_reader_valid_end(r);
	snprintf(msg, msgsz, "%s", jrn_reader_err(r)->msg);
	/* the error sticks: asking again says the same and returns nothing */
	if (rc < 0)
		assert_int_equal(jrn_reader_next(r, &rec), rc);
	jrn_reader_close(r);
	return rc;
}

static void
test_reader_torn_tail_at_every_byte_reports_valid_prefix(void **state)
{
	struct buf b = BUF_INIT;
	char path[4200], msg[1200], want[64];
	uint64_t last, valid;
	size_t cut;
	int n, count, rc;

	(void)state;
	put_header(&b, 1, 0, NULL);
	n = put_every_type(&b);
	last = b.len - get_u32(b.data + b.len - 4);	/* the JEND record */
	path_in(path, sizeof path, "torn");
	for (cut = last + 1; cut < b.len; cut++) {
		write_file(path, b.data, cut);
		rc = read_all(path, &count, &valid, msg, sizeof msg);
		assert_int_equal(rc, JK_ETORN);
		assert_int_equal(count, n - 1);
		assert_int_equal(valid, last);
		snprintf(want, sizeof want, "valid up to offset %llu", (unsigned long long)last);
		assert_non_null(strstr(msg, want));
		assert_non_null(strstr(msg, path));
	}
	/* cut at the record boundary: a whole, shorter file */
	write_file(path, b.data, last);
	assert_int_equal(read_all(path, &count, &valid, msg, sizeof msg), 1);
	assert_int_equal(count, n - 1);
	/* zeros after the valid part (a file extended by a crash) are a torn tail */
	buf_grow(&b, 4096);
	memset(b.data + b.len, 0, 4096);
	write_file(path, b.data, b.len + 4096);
	assert_int_equal(read_all(path, &count, &valid, msg, sizeof msg), JK_ETORN);
	assert_int_equal(valid, b.len);
	assert_int_equal(count, n);
	buf_release(&b);
}

static void
test_flipped_bits_name_the_damage_and_offset(void **state)
{
	struct buf b = BUF_INIT, c = BUF_INIT;
	uint64_t offs[64], valid;
	char path[4200], msg[1200];
	size_t hdr, i;
	int n, count, rc, k, bit;

	(void)state;
	put_header(&b, 1, 0, "/srv/jrn/journal/20261119.001");
	hdr = b.len;
	n = put_every_type(&b);
	/* record offsets, by walking lengths */
	offs[0] = hdr;
	for (k = 1; k <= n; k++)
		offs[k] = offs[k - 1] + get_u32(b.data + offs[k - 1]);
	path_in(path, sizeof path, "flip");

	/* every bit of the header: refused, the file named */
	for (i = 0; i < hdr; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			buf_reset(&c);
			buf_add(&c, b.data, b.len);
			c.data[i] ^= (uint8_t)(1 << bit);
			write_file(path, c.data, c.len);
			rc = read_all(path, &count, &valid, msg, sizeof msg);
			assert_true(rc == JK_ECORRUPT || rc == JK_EFORMAT || rc == JK_EVERSION ||
			    rc == JK_ETORN);
			assert_non_null(strstr(msg, path));
		}
	}
	/* every byte of a record in the middle (the SET with old value, #3) */
	for (i = offs[3]; i < offs[4]; i++) {
		buf_reset(&c);
		buf_add(&c, b.data, b.len);
		c.data[i] ^= 0x10;
		write_file(path, c.data, c.len);
		rc = read_all(path, &count, &valid, msg, sizeof msg);
		assert_int_equal(rc, JK_ECORRUPT);
		assert_int_equal(count, 3);
		assert_int_equal(valid, offs[3]);
		assert_non_null(strstr(msg, "valid up to offset"));
	}
	/* damage in the last record: a torn tail */
	buf_reset(&c);
	buf_add(&c, b.data, b.len);
	c.data[offs[n - 1] + 20] ^= 1;
	write_file(path, c.data, c.len);
	assert_int_equal(read_all(path, &count, &valid, msg, sizeof msg), JK_ETORN);
	assert_int_equal(valid, offs[n - 1]);
	buf_release(&b);
	buf_release(&c);
}

static void
test_other_format_version_is_refused_naming_both(void **state)
{
	struct buf b = BUF_INIT;
	char path[4200], msg[1200];
	uint64_t valid;
	int count;

	(void)state;
	put_header(&b, 1, 0, NULL);
	put_u32(b.data + 8, 7);
	path_in(path, sizeof path, "v7");
	write_file(path, b.data, b.len);
	assert_int_equal(read_all(path, &count, &valid, msg, sizeof msg), JK_EVERSION);
	assert_non_null(strstr(msg, "version 7"));
	assert_non_null(strstr(msg, "version 1"));
	write_file(path, "not a journal at all", 20);
	assert_int_equal(read_all(path, &count, &valid, msg, sizeof msg), JK_EFORMAT);
	buf_release(&b);
}

static void
test_chain_reads_files_in_order_and_names_a_missing_one(void **state)
{
	char p[3][4200], *paths[3], name[16];
	struct buf b = BUF_INIT;
	struct jrn_chain *c;
	struct jrn_rec rec;
	struct jrn_reader *from;
	int i, n = 0, per = 0, rc;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "c.%03d", i + 1);
		path_in(p[i], sizeof p[i], name);
		paths[i] = p[i];
		buf_reset(&b);
		put_header(&b, 100 + (uint64_t)i, i ? 99 + (uint64_t)i : 0, i ? p[i - 1] : NULL);
		per = put_every_type(&b);
		write_file(p[i], b.data, b.len);
	}
	assert_int_equal(jrn_chain_open(paths, 3, &c, NULL), 0);
	while ((rc = jrn_chain_next(c, &rec, &from)) == 0)
		n++;
	assert_int_equal(rc, 1);
	assert_int_equal(n, 3 * per);
	jrn_chain_close(c);

	unlink(p[1]);
	assert_int_equal(jrn_chain_open(paths, 3, &c, NULL), 0);
	n = 0;
	while ((rc = jrn_chain_next(c, &rec, &from)) == 0)
		n++;
	assert_int_equal(rc, JK_ENOTFOUND);
	assert_int_equal(n, per);
	assert_non_null(strstr(jrn_chain_err(c)->msg, p[1]));
	jrn_chain_close(c);

	/* a file that does not follow its predecessor */
	paths[1] = p[2];
	assert_int_equal(jrn_chain_open(paths, 2, &c, NULL), 0);
	while ((rc = jrn_chain_next(c, &rec, &from)) == 0)
		;
	assert_int_equal(rc, JK_ECORRUPT);
	assert_non_null(strstr(jrn_chain_err(c)->msg, "chain broken"));
	jrn_chain_close(c);
	buf_release(&b);
}

/*
 * A damaged middle file: the chain says which file failed; skipping it goes
 * on with the next.  A broken link can be let through on request.
 */
static void
test_chain_skips_a_damaged_file_on_request(void **state)
{
	char p[3][4200], *paths[3], name[32];
	struct buf b = BUF_INIT;
	struct jrn_chain *c;
	struct jrn_rec rec;
	size_t hdr = 0;
	int i, n = 0, per = 0, rc, errors = 0;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "s.%03d", i + 1);
		path_in(p[i], sizeof p[i], name);
		paths[i] = p[i];
		buf_reset(&b);
		put_header(&b, 200 + (uint64_t)i, i ? 199 + (uint64_t)i : 0, i ? p[i - 1] : NULL);
		hdr = b.len;
		per = put_every_type(&b);
		if (i == 1)
			b.data[hdr + 60] ^= 0x55;	/* inside the first record's payload */
		write_file(p[i], b.data, b.len);
	}
	assert_int_equal(jrn_chain_open(paths, 3, &c, NULL), 0);
	for (;;) {
		rc = jrn_chain_next(c, &rec, NULL);
		if (rc == 0) {
			n++;
			continue;
		}
		if (rc > 0)
			break;
		assert_int_equal(rc, JK_ECORRUPT);
		assert_int_equal(jrn_chain_index(c), 1);
		assert_non_null(strstr(jrn_chain_err(c)->msg, p[1]));
		errors++;
		jrn_chain_skip(c);
	}
	assert_int_equal(errors, 1);
	assert_int_equal(n, 2 * per);
	jrn_chain_close(c);

	/* file 3 does not follow file 1: refused, then read when links are not checked */
	paths[1] = p[2];
	assert_int_equal(jrn_chain_open(paths, 2, &c, NULL), 0);
	n = 0;
	while ((rc = jrn_chain_next(c, &rec, NULL)) == 0)
		n++;
	assert_int_equal(rc, JK_ECORRUPT);
	assert_int_equal(jrn_chain_index(c), 1);
	assert_int_equal(jrn_chain_next(c, &rec, NULL), JK_ECORRUPT);	/* asked again, same answer */
	jrn_chain_close(c);
	assert_int_equal(jrn_chain_open(paths, 2, &c, NULL), 0);
	jrn_chain_check_links(c, false);
	n = 0;
	while ((rc = jrn_chain_next(c, &rec, NULL)) == 0)
		n++;
	assert_int_equal(rc, 1);
	assert_int_equal(n, 2 * per);
	jrn_chain_close(c);
	buf_release(&b);
}

/*
 * Random damage of every kind: whatever the bytes, the reader returns only
 * whole records inside the valid end, forwards and backwards, and stops
 * with one of its errors.  Run under VARIANT=san this is a small fuzzer.
 */
static void
test_random_damage_never_returns_bytes_past_the_valid_end(void **state)
{
	struct buf b = BUF_INIT, c = BUF_INIT;
	struct jrn_reader *r;
	struct jrn_rec rec;
	char path[4200];
	uint64_t seed = 12345;
	int iter, k, rc, fwd, back;

	(void)state;
	put_header(&b, 1, 0, NULL);
	for (k = 0; k < 4; k++)
		put_every_type(&b);
	path_in(path, sizeof path, "fuzz");
	for (iter = 0; iter < 3000; iter++) {
		size_t len = b.len, i, n;

		buf_reset(&c);
		buf_add(&c, b.data, b.len);
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		n = 1 + (seed >> 60);
		for (i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			if (len <= JRN_HDR_MIN + 32)
				break;
			switch ((seed >> 33) % 4) {
			case 0:		/* flip a byte */
				c.data[(seed >> 8) % len] ^= (uint8_t)(1 + (seed >> 40) % 255);
				break;
			case 1:		/* overwrite a run with a length-like value */
				put_u32(c.data + (seed >> 8) % (len - 4), (uint32_t)(seed >> 20) % 512);
				break;
			case 2:		/* cut */
				len = JRN_HDR_MIN + (seed >> 8) % (len - JRN_HDR_MIN);
				break;
			default:	/* zero a run */
				memset(c.data + (seed >> 8) % (len - 16), 0, 16);
			}
		}
		write_file(path, c.data, len);
		if (jrn_reader_open(path, &r, NULL) != 0)
			continue;
		fwd = 0;
		while ((rc = jrn_reader_next(r, &rec)) == 0) {
			assert_true(rec.offset + rec.len <= jrn_reader_valid_end(r));
			assert_true(rec.offset + rec.len <= len);
			fwd++;
		}
		assert_true(rc == 1 || rc == JK_ETORN || rc == JK_ECORRUPT);
		back = 0;
		while ((rc = jrn_reader_prev(r, &rec)) == 0) {
			assert_true(rec.offset + rec.len <= jrn_reader_valid_end(r));
			back++;
		}
		assert_true(rc == 1 || rc == JK_ECORRUPT);
		if (rc == 1)
			assert_int_equal(back, fwd);
		jrn_reader_seek(r, (seed >> 8) % len);
		while (jrn_reader_next(r, &rec) == 0)
			assert_true(rec.offset + rec.len <= jrn_reader_valid_end(r));
		jrn_reader_close(r);
	}
	buf_release(&b);
	buf_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_record_type_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backward_reading_mirrors_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_torn_tail_at_every_byte_reports_valid_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_bits_name_the_damage_and_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_format_version_is_refused_naming_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_reads_files_in_order_and_names_a_missing_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_skips_a_damaged_file_on_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_damage_never_returns_bytes_past_the_valid_end, setup, teardown),
	};
	return cmocka_run_group_tests_name("jrn", tests, NULL, NULL);
}
