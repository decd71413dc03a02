/*
 * format.h - the jrnkit journal file format, version 1.
 *
 * This comment is the specification; man/jrnkit-journal.5 repeats it.
 *
 * A journal file is a header followed by records.  All integers are
 * little-endian and written with the helpers of bytes.h.  Every header and
 * record carries a CRC-32C (Castagnoli) of the bytes before it.
 *
 * FILE HEADER (at offset 0, length H given in the header itself)
 *
 *	off  size  field
 *	  0     8  magic "JRNKIT\r\n": the \r\n catches text-mode mangling
 *	  8     4  format version (JRN_VERSION)
 *	 12     4  header length H in bytes, CRC included
 *	 16     8  file id: random, unique to this file
 *	 24     8  time created, microseconds since 1970-01-01 UTC
 *	 32     8  instance id (jrnkit.yaml instance_id)
 *	 40     8  cluster session id (CSI, microseconds); 0 when not clustered
 *	 48     4  cluster member number (CSN); 0 when not clustered
 *	 52     4  flags: bit 0 = begun by an explicit start of journaling
 *	 56     8  previous file id; 0 for the first file
 *	 64     8  maximum file size when created (bytes)
 *	 72     2  P = length of the previous file's path (0 when none)
 *	 74     P  previous file's path, not NUL-terminated
 *	74+P    4  CRC-32C of bytes [0, 74+P)
 *
 *	H = 78 + P.  The first record starts at offset H.
 *
 * RECORD (at any offset R >= H; records follow each other with no gap)
 *
 *	off  size  field
 *	  0     4  L = total record length, both length fields and CRC included
 *	  4     1  type (table below; codes are never reused)
 *	  5     1  flags: bit 0 JRN_F_TX  the update is inside a transaction
 *	                  bit 1 JRN_F_OLD the payload carries old value(s)
 *	                  bit 2 JRN_F_EXPLICIT journal start by explicit start
 *	                  bit 3 JRN_F_MAPS  DBMAP: a repeat, written with a
 *	                        checkpoint; CHECKPOINT: the repeats of every
 *	                        map of the file so far come right before it
 *	  6     1  transaction level (0 outside a transaction)
 *	  7     1  reserved, 0
 *	  8     8  timestamp, microseconds since 1970-01-01 UTC
 *	 16     4  process id of the writer
 *	 20     4  database number (0 = none); defined by a DBMAP record
 *	           earlier in the same file
 *	 24     8  transaction id (0 outside a transaction)
 *	 32     8  cluster sequence number (0 when not clustered)
 *	 40   L-48 payload (per type, below)
 *	L-8     4  CRC-32C of bytes [R, R+L-8)
 *	L-4     4  L again, so the file can be read backwards
 *
 *	JRN_REC_MIN (48) <= L <= JRN_REC_MAX.
 *
 * PAYLOADS (k = u16 length + encoded key; v = u32 length + bytes)
 *
 *	SET        k key, v new value [, OLD: u8 had-value, v old value]
 *	INCR       k key, v increment, v resulting value [, OLD as SET]
 *	KILL       k key [, OLD: u32 n, n x (k key, v value)]  node and descendants
 *	KILLDESC   k key [, OLD: as KILL]                      descendants only
 *	ZKILL      k key [, OLD: as KILL]                      node only
 *	TBEGIN     (none)
 *	TCOMMIT    u32 number of updates in the transaction
 *	TROLLBACK  (none)
 *	MARKER     i64 id, u64 marker sequence, u64 offset of the previous
 *	           marker in this file (0 = none), u16 length + text (<= 256)
 *	JSTART     (none; flag JRN_F_EXPLICIT when journaling was started by
 *	           an operator rather than by a switch)
 *	JEND       u64 next file id (0 = journaling stopped), u16 length + path
 *	DBMAP      u64 database id, u16 length + canonical directory path
 *	           (the record's database number field is the number defined)
 *	CHECKPOINT u32 n, n x u32 database numbers flushed to disk up to here.
 *	           Flag JRN_F_MAPS: it is preceded by DBMAP records (flag
 *	           JRN_F_MAPS too) repeating every database map of the file so
 *	           far, so a reader can begin at the first of them with every
 *	           number defined (recovery does, from a checkpoint); no
 *	           transaction is open across a checkpoint (the journal lock).
 *	BACKUP     u16 length + text (backup name and type).  Reserved: readers
 *	           accept it, nothing writes it.  A backup writes a MARKER with
 *	           id JRN_BACKUP_MARKER_ID and text "date;time;type" instead,
 *	           which carries what a backup's place needs (a marker
 *	           sequence number, the previous marker, a cluster sequence
 *	           number when cluster-wide); see src/bkp.h.
 *
 * An update inside a transaction (JRN_F_TX) carries the old value(s): for a
 * kill, every node it removed.  So a rollback needs nothing but the journal.
 * INCR carries its result, so replaying it is idempotent.
 *
 * INVARIANTS
 *
 *	1. Write-ahead: a record is in the journal file before its effect is
 *	   committed to a database.
 *	2. A transaction's records are contiguous: TBEGIN (level 1), its
 *	   updates and any nested TBEGIN/TCOMMIT, then TCOMMIT (level 1).  A
 *	   TBEGIN without its TCOMMIT at the end of the journal is a
 *	   transaction that never committed.
 *	3. Records reach the file in commit order: one writer appends at a
 *	   time, under the instance's journal lock.
 *	4. A crash can leave a torn tail: a partial record, a record whose
 *	   CRC fails and that runs to the end of the file, or zero bytes.  The
 *	   reader reports it as JK_ETORN, "valid up to offset N", and never
 *	   returns anything from beyond N.  Damage followed by more data is
 *	   JK_ECORRUPT, also with the offset.
 *	5. A file closed cleanly ends with a JEND record naming the next file.
 *
 * CHANGING THE FORMAT: bump JRN_VERSION; keep reading the old version; add
 * a fixture under tests/data/; update man/jrnkit-journal.5 and this comment.
 */
#ifndef JK_JRN_FORMAT_H
#define JK_JRN_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define JRN_MAGIC	"JRNKIT\r\n"
#define JRN_MAGIC_LEN	8
#define JRN_VERSION	1
#define JRN_HDR_FIXED	74		/* header bytes before the previous path */
#define JRN_HDR_MIN	(JRN_HDR_FIXED + 4)
#define JRN_PATH_MAX	4095		/* longest path a header or record holds */
#define JRN_REC_HDR	40		/* record bytes before the payload */
#define JRN_REC_TRAILER	8		/* CRC + repeated length */
#define JRN_REC_MIN	(JRN_REC_HDR + JRN_REC_TRAILER)
#define JRN_REC_MAX	(256u << 20)	/* a kill's old values can be large */
#define JRN_MARKER_TEXT_MAX 256
#define JRN_BACKUP_MARKER_ID (-1)

#define JRN_F_TX	0x01
#define JRN_F_OLD	0x02
#define JRN_F_EXPLICIT	0x04
#define JRN_F_MAPS	0x08

/* name, code, printable name, dump op code */
#define JRN_TYPES(X)                                              \
	X(SET,        1,  "Set",                 "S")             \
	X(INCR,       2,  "Set by increment",    "SI")            \
	X(KILL,       3,  "Kill",                "K")             \
	X(KILLDESC,   4,  "Kill descendants",    "k")             \
	X(ZKILL,      5,  "ZKill",               "k")             \
	X(TBEGIN,     10, "Begin transaction",   "BT")            \
	X(TCOMMIT,    11, "Commit transaction",  "CT")            \
	X(TROLLBACK,  12, "Rollback",            "RB")            \
	X(MARKER,     20, "Marker",              "M")             \
	X(JSTART,     30, "Journal start",       "JS")            \
	X(JEND,       31, "Journal end",         "JE")            \
	X(DBMAP,      32, "Database map",        "DB")            \
	X(CHECKPOINT, 33, "Checkpoint",          "CP")            \
	X(BACKUP,     34, "Backup",              "BK")

enum jrn_type {
#define JRN_TYPE_ENUM(name, code, text, op) JRN_##name = code,
	JRN_TYPES(JRN_TYPE_ENUM)
#undef JRN_TYPE_ENUM
};

/* Printable name, or NULL for an unknown code. */
const char *jrn_type_name(int type);
/* Dump op code without the transaction suffix; NULL for an unknown code. */
const char *jrn_type_op(int type);
bool jrn_type_known(int type);
/* Whether the type changes a database (SET, INCR, the kills). */
bool jrn_type_is_update(int type);

/* A decoded file header.  prev_path is NUL-terminated. */
struct jrn_hdr {
	uint32_t version;
	uint32_t hdr_len;
	uint64_t file_id;
	uint64_t created_us;
	uint64_t instance_id;
	uint64_t csi;
	uint32_t csn;
	uint32_t flags;
	uint64_t prev_id;
	uint64_t max_size;
	char prev_path[JRN_PATH_MAX + 1];
};

/*
 * A decoded record.  Pointers are borrowed from the buffer the record was
 * decoded from (a reader's mapping, or the caller's bytes).
 */
struct jrn_rec {
	uint64_t offset;	/* where the record starts in its file */
	uint32_t len;
	uint8_t type;
	uint8_t flags;
	uint8_t tlevel;
	uint64_t time_us;
	uint32_t pid;
	uint32_t dbnum;
	uint64_t txid;
	uint64_t seq;
	const uint8_t *payload;
	uint32_t paylen;

	/* by type */
	const uint8_t *key;	/* updates: encoded key */
	uint16_t keylen;
	const uint8_t *val;	/* SET/INCR new value; MARKER/BACKUP text; JEND/DBMAP path */
	uint32_t vallen;
	const uint8_t *inc;	/* INCR: the increment */
	uint32_t inclen;
	bool had_old;		/* SET/INCR with JRN_F_OLD: the node had a value */
	const uint8_t *old;	/* ... that value */
	uint32_t oldlen;
	uint32_t nold;		/* kills with JRN_F_OLD: nodes removed */
	const uint8_t *olds;	/* ... as (k, v) pairs, see jrn_old_next */
	uint32_t oldslen;
	int64_t marker_id;	/* MARKER */
	uint64_t marker_seq;
	uint64_t prev_marker;
	uint64_t id;		/* JEND next file id; DBMAP database id */
	uint32_t count;		/* TCOMMIT updates; CHECKPOINT n */
	const uint8_t *dbnums;	/* CHECKPOINT: n x u32 */
};

/* Iterate the (key, value) pairs of a kill's old values; pos starts at 0.  0 item, 1 end, <0 corrupt. */
int jrn_old_next(const struct jrn_rec *r, uint32_t *pos, const uint8_t **k,
    uint16_t *kn, const uint8_t **v, uint32_t *vn);

/* Encode a header into out (appended).  h->hdr_len is computed. */
int jrn_hdr_encode(struct buf *out, struct jrn_hdr *h);
/*
 * Decode and check a header from p[0..n).  JK_EFORMAT for a bad magic,
 * JK_EVERSION naming both versions, JK_ECORRUPT for a CRC mismatch; the
 * message names path.
 */
int jrn_hdr_decode(const uint8_t *p, size_t n, struct jrn_hdr *h,
    const char *path, struct jk_err *err);

/*
 * Decode the record at p[0..avail).  Returns 0 and fills r (offset left to
 * the caller); JK_ETORN when the bytes end inside the record (avail too
 * small); JK_ECORRUPT for a bad length, CRC, trailer or payload.  No
 * message: the reader adds the place.  check_crc=false skips the CRC (for
 * callers that checked it).
 */
int jrn_rec_decode(const uint8_t *p, size_t avail, struct jrn_rec *r, bool check_crc);

/*
 * Record encoding: jrn_rec_begin appends the fixed header with the fields of
 * proto (type, flags, tlevel, time_us, pid, dbnum, txid, seq) and returns
 * its start; payload helpers append; jrn_rec_end fills the length, CRC and
 * trailer.  Errors: JK_ENOMEM, JK_ELIMIT (record over JRN_REC_MAX).
 */
int jrn_rec_begin(struct buf *out, const struct jrn_rec *proto, size_t *start);
int jrn_put_key(struct buf *out, const void *k, size_t n);
int jrn_put_val(struct buf *out, const void *v, size_t n);
int jrn_put_str16(struct buf *out, const void *s, size_t n);
int jrn_put_u8(struct buf *out, uint8_t v);
int jrn_put_u32(struct buf *out, uint32_t v);
int jrn_put_u64(struct buf *out, uint64_t v);
int jrn_rec_end(struct buf *out, size_t start);

#endif
