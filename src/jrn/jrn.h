/*
 * jrn.h - reading and writing journal files (format in jrn/format.h).
 *
 * Reader: one file, mapped read-only.  A cursor sits between records:
 * jrn_reader_next() returns the record after it and moves past it,
 * jrn_reader_prev() the record before it and moves before it.  Iterators
 * return <0 error, 0 item, >0 end.  Decoded records borrow from the mapping
 * and stay valid until jrn_reader_close() (or jrn_reader_refresh()).  On a
 * torn tail or damage the reader returns JK_ETORN / JK_ECORRUPT, the message
 * names the file and offset, jrn_reader_valid_end() gives "valid up to
 * offset N", and nothing past N is ever returned.
 *
 * Chain: several files read as one stream, in journal.log order, checking
 * that each file's previous-file link names the file before it.
 *
 * Writer: see writer.c for the locking protocol.  One struct jrn_writer per
 * process and instance.
 */
#ifndef JK_JRN_H
#define JK_JRN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "db.h"
#include "err.h"
#include "inst.h"
#include "jrn/format.h"

/* ---- reader ------------------------------------------------------------ */

struct jrn_reader;

int jrn_reader_open(const char *path, struct jrn_reader **out, struct jk_err *err);
void jrn_reader_close(struct jrn_reader *r);
const struct jrn_hdr *jrn_reader_hdr(const struct jrn_reader *r);
const char *jrn_reader_path(const struct jrn_reader *r);
/* File size when mapped. */
uint64_t jrn_reader_size(const struct jrn_reader *r);
/* Map again if the file grew (a file being written); the cursor stays. */
int jrn_reader_refresh(struct jrn_reader *r);
/* Cursor position (offset of the next record forwards). */
uint64_t jrn_reader_tell(const struct jrn_reader *r);
/*
 * Put the cursor before the first record at or after off (0 = first record;
 * UINT64_MAX = after the last valid record).  Offsets inside a record find
 * the next record by its checksum.
 */
int jrn_reader_seek(struct jrn_reader *r, uint64_t off);
int jrn_reader_next(struct jrn_reader *r, struct jrn_rec *rec);
int jrn_reader_prev(struct jrn_reader *r, struct jrn_rec *rec);
/* How far the file is known valid: after an error, where the damage starts. */
uint64_t jrn_reader_valid_end(const struct jrn_reader *r);
const struct jk_err *jrn_reader_err(const struct jrn_reader *r);

/*
 * Scan a whole file: counts and the valid end.  0 when the file is whole;
 * JK_ETORN / JK_ECORRUPT (message with the offset) otherwise, with the
 * counts of the valid prefix filled in.
 */
struct jrn_verify {
	uint64_t records;
	uint64_t bytes;		/* file size */
	uint64_t valid_end;
	uint64_t by_type[256];
	bool closed;		/* ends with a JEND record */
	uint64_t next_id;	/* JEND's next file id */
	char next_path[JRN_PATH_MAX + 1];
};
int jrn_verify_file(const char *path, struct jrn_verify *v, struct jk_err *err);

/* ---- chain ------------------------------------------------------------- */

struct jrn_chain;

/* Read paths[0..n) in order (the strings are copied). */
int jrn_chain_open(char *const *paths, size_t n, struct jrn_chain **out, struct jk_err *err);
void jrn_chain_close(struct jrn_chain *c);
/* Next record of the stream; *reader tells which file it came from (borrowed). */
int jrn_chain_next(struct jrn_chain *c, struct jrn_rec *rec, struct jrn_reader **reader);
const struct jk_err *jrn_chain_err(const struct jrn_chain *c);
/*
 * A file other than the last that ends torn is read up to its valid end
 * and the stream goes on (a crash, then a new file); how many did, and
 * the message of the last (borrowed).
 */
unsigned jrn_chain_torn(const struct jrn_chain *c, const char **last);
/* Index in paths of the file being read, or whose opening or reading failed last. */
size_t jrn_chain_index(const struct jrn_chain *c);
/* How far the file being read is known valid (after an error: where the damage starts); 0 when it is not open. */
uint64_t jrn_chain_valid_end(const struct jrn_chain *c);
/*
 * Begin the first file at off (its record there, or the next one) instead
 * of its first record: a place where the file's database maps are known
 * again, such as a checkpoint's maps (JRN_F_MAPS).  Before the first read.
 */
void jrn_chain_start_at(struct jrn_chain *c, uint64_t off);
/* Whether to check each file's previous-file link (default yes). */
void jrn_chain_check_links(struct jrn_chain *c, bool check);
/*
 * After an error: give up what is left of the current file (or the file
 * that could not be opened or does not link) and go on with the next one,
 * whose link to the file given up is not checked.
 */
void jrn_chain_skip(struct jrn_chain *c);

/* ---- writer ------------------------------------------------------------- */

struct jrn_writer;

/* Journal state as status shows it. */
struct jrn_status {
	bool journaling;
	char path[JRN_PATH_MAX + 1];	/* current (or last) file */
	uint64_t file_id;
	uint64_t end;			/* bytes written to it */
	uint64_t synced;		/* bytes known on disk */
	uint64_t max_size;
	uint64_t marker_seq;
};

/*
 * Attach to the journal of the instance in dir with settings conf.  Creates
 * state/journal.shm on first use.  Does not take the journal lock.
 */
int jrn_writer_open(const char *dir, const struct inst_conf *conf,
    struct jrn_writer **out, struct jk_err *err);
void jrn_writer_close(struct jrn_writer *w);
const struct jk_err *jrn_writer_err(const struct jrn_writer *w);

/*
 * Take the journal lock (waits).  Every database write happens under it.
 * Handles a holder that died mid-append (truncates its partial records) and
 * switches files when the current one is over its size limit.  *redo_from
 * is set to the offset where a dead holder's records start when it died
 * after writing them but perhaps before committing them, else UINT64_MAX;
 * the caller re-applies those records (they are complete and idempotent).
 */
int jrn_writer_lock(struct jrn_writer *w, uint64_t *redo_from);
void jrn_writer_unlock(struct jrn_writer *w);
bool jrn_writer_journaling(const struct jrn_writer *w);

/* Under the lock: the database number of dbpath in the current file, writing a DBMAP record if new. */
int jrn_writer_dbnum(struct jrn_writer *w, const char *dbpath, uint64_t dbid, uint32_t *num);
/* Under the lock: a new transaction id. */
uint64_t jrn_writer_txid(struct jrn_writer *w);
/*
 * Under the lock: append encoded records.  mark_busy brackets a commit:
 * jrn_writer_append(..., true) before the databases commit and
 * jrn_writer_committed() after, so a death in between is redone.
 */
int jrn_writer_append(struct jrn_writer *w, const void *p, size_t n, bool commit_follows);
void jrn_writer_committed(struct jrn_writer *w);
/*
 * After the phase-2 append of a transaction whose first parts were
 * appended earlier (a large one): a redo starts at off, its TBEGIN.
 */
void jrn_writer_redo_from(struct jrn_writer *w, uint64_t off);
/* Offset where the next record will go, and the current path (borrowed). */
uint64_t jrn_writer_end(const struct jrn_writer *w);
const char *jrn_writer_path(const struct jrn_writer *w);
uint64_t jrn_writer_file_id(const struct jrn_writer *w);
/* Changes whenever database numbers may have changed (a switch, a rebuilt state). */
uint64_t jrn_writer_generation(const struct jrn_writer *w);

/*
 * After the lock is released: make the journal durable up to what this
 * process appended, per the commit mode (sync waits, sharing fsyncs with
 * concurrent committers; group syncs when the interval has passed; none
 * does nothing).  force=true syncs whatever the mode.
 */
int jrn_writer_sync(struct jrn_writer *w, bool force);

/* Under the lock: switch to a new file (explicit=true marks an operator start). */
int jrn_writer_switch(struct jrn_writer *w, bool explicit_start);
/* Under the lock: start / stop journaling.  JK_ESTATE when already in that state. */
int jrn_writer_start(struct jrn_writer *w);
int jrn_writer_stop(struct jrn_writer *w);
/* Under the lock: write a marker; loc gets its place. */
int jrn_writer_mark(struct jrn_writer *w, int64_t id, const char *text, struct jk_loc *loc);
/* The same with a cluster sequence number (taken under the cluster lock, clu.h). */
int jrn_writer_mark_seq(struct jrn_writer *w, int64_t id, const char *text, uint64_t seq,
    struct jk_loc *loc);

/*
 * A cluster member's writer (clu.h): every file it begins carries the
 * session id csi() and the member number csn in its header, and, once the
 * file is in journal.log, file_begun() is told its path (CLUJRN.LOG); a
 * failure there fails the switch as a failing journal.log does.  The
 * struct is copied; arg is borrowed.
 */
struct jrn_cluster {
	uint32_t csn;
	void *arg;
	uint64_t (*csi)(void *arg);
	int (*file_begun)(void *arg, const char *path, struct jk_err *err);
};
void jrn_writer_set_cluster(struct jrn_writer *w, const struct jrn_cluster *cl);
/* Under the lock: write a CHECKPOINT record for these database numbers; loc gets its place. */
int jrn_writer_checkpoint(struct jrn_writer *w, const uint32_t *dbnums, uint32_t n, struct jk_loc *loc);
/* Under the lock: whether a checkpoint is due (bytes or seconds since the last). */
bool jrn_writer_checkpoint_due(struct jrn_writer *w);
/* The paths of databases mapped in the current file (for a checkpoint). Borrowed. */
size_t jrn_writer_dbs(struct jrn_writer *w, const char ***paths, const uint32_t **nums);

int jrn_writer_status(struct jrn_writer *w, struct jrn_status *st);

/*
 * The writer's I/O table: tests put functions here that fail the way disks
 * do (short writes, ENOSPC, EIO, failing fsync).  NULL entries mean the
 * system calls.  The table is copied.
 */
struct jrn_io {
	ssize_t (*pwrite)(int fd, const void *p, size_t n, off_t off);
	int (*fdatasync)(int fd);
};
void jrn_writer_set_io(struct jrn_writer *w, const struct jrn_io *io);

/* microseconds since the epoch */
uint64_t jrn_now_us(void);

#endif
