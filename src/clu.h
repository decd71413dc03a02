/*
 * clu.h - a cluster: several instances (members, numbered by their CSN)
 * that write the same databases, each journaling to its own files, and a
 * cluster directory they share.
 *
 * THE CLUSTER DIRECTORY
 *
 *	CLUSEQ		the sequence file: the cluster lock and the counter
 *	CLUJRN.LOG	the cluster journal log: "csn,path" for every journal
 *			file any member began, in the order they were begun
 *	members		"csn instance-dir" per member, one line each
 *
 * SHARING DATABASES.  Members share a database by naming the same
 * directory (on one host, the same path).  Each member's journal lock is
 * its own, so it orders only that member's writes; what orders the writes
 * of all members is the CLUSTER LOCK: an open-file-description fcntl
 * record lock (F_OFD_SETLKW) on byte 0 of CLUSEQ.  A member takes it after
 * its own journal lock, for as long as it holds that (from the first update
 * of a commit, or from the outermost TSTART, to the database commit).  So
 * at most one member in the cluster changes databases at a time, and the
 * order in which members hold the lock is the order their commits reach
 * the databases.  Lock order, everywhere: a member's journal lock, then the
 * cluster lock; a cluster-wide marker takes every member's journal lock in
 * CSN order, then the cluster lock.  Record locks of this kind belong to
 * the open file, vanish when their holder dies, and are honoured by NFSv4
 * servers (the Linux client sends them as NFS byte-range locks), so members
 * may be separate machines sharing storage.
 *
 * SEQUENCE NUMBERS.  Under the cluster lock a member stamps the records it
 * is about to append (TBEGIN, updates, TCOMMIT, TROLLBACK, markers) with
 * consecutive numbers taken from the counter in CLUSEQ (clu_stamp), then
 * appends them and commits the databases before it lets the lock go.  So
 * sequence numbers are unique, increase in the order the updates were
 * committed to the shared databases, and a transaction's numbers are
 * consecutive: no other member's update falls inside one.  Numbers are
 * taken when records reach the journal, not when they are built, so a
 * rolled-back transaction or an update that is not journaled leaves no
 * hole.  The counter is published before the append and given back if the
 * append fails; a process killed between the two leaves a gap, never a
 * number used twice.  The numbers never restart: they increase across
 * sessions too.  Records a member writes for itself (journal start and
 * end, database maps, checkpoints) carry 0.
 *
 * THE COUNTER lives at a fixed offset of CLUSEQ.  On a local file system
 * CLUSEQ is mapped shared and the counter read and written through the
 * map while the lock is held (the page cache is coherent between every
 * process of the host).  On a network file system (NFS, SMB/CIFS, Ceph,
 * FUSE) a map is not coherent between machines, so it is read (pread)
 * after the lock is taken and written back (pwrite) before it is let go:
 * NFS revalidates a file's cached data when a lock is taken and flushes it
 * when the lock is released.  clu_open chooses by the file system type.
 *
 * SESSIONS.  A member is "up" while its journaling is on (jk_start sets
 * it, jk_stop clears it: a bitmap in CLUSEQ).  A member that comes up
 * while none is up begins a new cluster session, whose id (CSI) is the
 * time it did so, in microseconds.  Every journal file a member begins
 * carries the CSI of the session and its CSN in its header, and its path
 * goes into CLUJRN.LOG.
 *
 * Ownership: clu_open returns an owned handle (clu_close).  Errors are
 * codes with a message on the handle (clu_err) or on the caller's jk_err.
 */
#ifndef JK_CLU_H
#define JK_CLU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "jrn/format.h"

#define CLU_SEQ_FILE	"CLUSEQ"
#define CLU_LOG_FILE	"CLUJRN.LOG"
#define CLU_MEMBERS	"members"
#define CLU_MAX_MEMBERS	64		/* CSN 0..63 */

/* ---- the cluster directory --------------------------------------------------------- */

/* Create a cluster directory (parents too).  JK_EEXIST when dir holds one. */
int clu_create(const char *dir, struct jk_err *err);
bool clu_exists(const char *dir);

/*
 * Make the instance in inst a member of the cluster in dir with number csn:
 * its settings get cluster_dir and csn, and dir's members file a line.
 * JK_EEXIST when another instance has that csn, JK_ESTATE when the
 * instance is a member already (of any cluster, or under another csn).
 */
int clu_join(const char *dir, const char *inst, int csn, struct jk_err *err);

struct clu_member {
	int csn;
	char *inst;		/* instance directory, canonical */
};
/* The members, by csn.  *m owned: clu_members_free. */
int clu_members(const char *dir, struct clu_member **m, size_t *n, struct jk_err *err);
void clu_members_free(struct clu_member *m, size_t n);

/* ---- the handle: lock, counter, sessions --------------------------------------------- */

struct clu;

/* Open the cluster in dir for member csn (-1: not as a member, e.g. for a marker). */
int clu_open(const char *dir, int csn, struct clu **out, struct jk_err *err);
void clu_close(struct clu *c);
const struct jk_err *clu_err(const struct clu *c);
/* Canonical directory, trailing '/'. */
const char *clu_dir(const struct clu *c);
/* Whether the counter goes through the map (a local file system). */
bool clu_mapped(const struct clu *c);
/* Use pread/pwrite for the counter even on a local file system (tests, the bench). */
void clu_set_mapped(struct clu *c, bool mapped);

/* Take / let go the cluster lock (waits; not recursive). */
int clu_lock(struct clu *c);
void clu_unlock(struct clu *c);
bool clu_locked(const struct clu *c);

/*
 * Under the lock: give the n records in p[0..len) (whole encoded records,
 * one after the other) consecutive sequence numbers from the counter,
 * fixing their checksums, and publish the counter.  *first gets the first
 * number (0 when there were no records).  clu_unstamp gives them back
 * (the append failed): the counter is set to first again.
 */
int clu_stamp(struct clu *c, uint8_t *p, size_t len, uint64_t *first);
void clu_unstamp(struct clu *c, uint64_t first);
/* Under the lock: take n numbers; *first gets the first. */
int clu_seq_take(struct clu *c, uint64_t n, uint64_t *first);
/* The next number the counter will give (a peek; exact under the lock). */
uint64_t clu_seq_next(struct clu *c);
/* Under the lock: make the counter at least next (after a crash: above every number journaled). */
int clu_seq_raise(struct clu *c, uint64_t next);

/* The current session id (0 before the first member came up). */
uint64_t clu_csi(struct clu *c);
bool clu_member_up_now(struct clu *c, int csn);
/* Under the lock: member csn comes up (a new session when none is up) / goes down. */
int clu_member_up(struct clu *c, int csn);
int clu_member_down(struct clu *c, int csn);

/* Append "csn,path" to CLUJRN.LOG (fsynced; serialised by a lock of its own). */
int clu_log_append(struct clu *c, int csn, const char *path);

/* ---- reading a cluster journal log -------------------------------------------------------- */

struct clu_log_ent {
	int csn;
	char *path;
};

struct clu_log {
	struct clu_log_ent *e;
	size_t n;
};

void clu_log_init(struct clu_log *l);
void clu_log_release(struct clu_log *l);
/*
 * Read a cluster journal log (a CLUJRN.LOG, or a copy): "csn,path" lines.
 * A torn or blank line is skipped; any other line that is not "N,/path"
 * is JK_EFORMAT naming the line ("CLUJRN.LOG:12: ...").
 */
int clu_log_read(const char *path, struct clu_log *l, struct jk_err *err);
/* Write l as a log file at path (replaced atomically): a log "created" from directories. */
int clu_log_write(const struct clu_log *l, const char *path, struct jk_err *err);
int clu_log_add(struct clu_log *l, int csn, const char *path, struct jk_err *err);

/*
 * Journal-file redirection: a prefix of the path as logged is replaced by
 * another ("old dir -> new dir").  Many old prefixes may map to one new
 * one; one old prefix to two new ones is refused (JK_EUSAGE).  The
 * longest matching prefix wins.  Prefixes are directories: both get a
 * trailing '/'.
 */
struct clu_redirect {
	char **from, **to;
	size_t n;
};

void clu_redirect_init(struct clu_redirect *r);
void clu_redirect_release(struct clu_redirect *r);
int clu_redirect_add(struct clu_redirect *r, const char *from, const char *to, struct jk_err *err);
/* path as redirected into out (replaced); the same path when no prefix matches.  0 or JK_ENOMEM. */
int clu_redirect_apply(const struct clu_redirect *r, const char *path, struct buf *out);

/* ---- the merge of the members' journals (clu_merge.c) --------------------------------------- */

/*
 * The records of every member's journal chain as one stream, in sequence
 * order: a k-way merge that holds one record per member (bounded memory,
 * whatever the journals' size).  It has the shape of jrn_chain_next, so
 * the restore engine reads it as it reads a chain (rst.h, a cluster plan).
 *
 * paths[0..n) are the files, csn[i] the member of paths[i]; each member's
 * files are read in the order they come in paths, as a chain (links
 * checked unless clu_merge_check_links says not).  Records without a
 * sequence number (journal start and end, database maps, checkpoints)
 * belong to their member's stream only: each comes out as soon as the
 * record before it in its member's file has.  The others come out by
 * sequence number.
 *
 * Errors (<0; the message names the place): a member's file that cannot be
 * read, is damaged, or does not follow the one before it (as jrn_chain);
 * and the sequence itself: a GAP (the next number is not the one after the
 * last), a DUPLICATE (two records with one number), or DISORDER (a
 * member's numbers going back), each message naming both records, file
 * and offset.  clu_merge_index and clu_merge_valid_end say where.  After
 * an error clu_merge_skip goes on: past a sequence error with the record
 * that raised it, past a file error with that member's next file.  A torn
 * tail ending a member's last file is that member's end (a crash), not an
 * error; clu_merge_torn counts it with the torn files before the last.
 */
struct clu_merge;

int clu_merge_open(char *const *paths, const int *csn, size_t n, struct clu_merge **out,
    struct jk_err *err);
void clu_merge_close(struct clu_merge *m);
void clu_merge_check_links(struct clu_merge *m, bool check);
/* Next record; *fi gets the index in paths of its file.  <0 error, 0 record, >0 end. */
int clu_merge_next(struct clu_merge *m, struct jrn_rec *rec, size_t *fi);
const struct jk_err *clu_merge_err(const struct clu_merge *m);
/* After an error: the index in paths of the file at fault, and how far it is valid (a sequence error: the offset of the record that raised it). */
size_t clu_merge_index(const struct clu_merge *m);
uint64_t clu_merge_valid_end(const struct clu_merge *m);
void clu_merge_skip(struct clu_merge *m);
/* Bytes of the files read so far (progress). */
uint64_t clu_merge_bytes(const struct clu_merge *m);
unsigned clu_merge_torn(const struct clu_merge *m);

/* ---- the files of a cluster journal log (clu_files.c) ------------------------------------------ */

/*
 * A file of a cluster journal log as its header and records have it: for
 * the listings (jrndump) and the CLUMENU's choice of sessions.  A file
 * that cannot be read (gone: "D" in a listing) has exists false and takes
 * the session of its member's file before it (or after it).
 */
struct clu_file {
	int csn;
	char *logged;		/* the path as the log has it */
	char *path;		/* as redirected (the same when not) */
	bool exists;		/* it opens as a journal file */
	bool explicit_start;	/* begun by an explicit start of journaling */
	uint64_t csi;		/* its cluster session (0: unknown) */
	uint64_t created_us;
	uint64_t first_seq, last_seq;	/* its first and last sequence numbers; 0 when none */
};

struct clu_files {
	struct clu_file *f;
	size_t n;
};

void clu_files_init(struct clu_files *fs);
void clu_files_release(struct clu_files *fs);
/* The files of log l, redirected through r (NULL: none), in the log's order; each read (header, first and last numbered records). */
int clu_files_of(const struct clu_log *l, const struct clu_redirect *r, struct clu_files *out,
    struct jk_err *err);
/* The same for the log file at log (clu_log_read's errors). */
int clu_files_read(const char *log, const struct clu_redirect *r, struct clu_files *out,
    struct jk_err *err);

/* A cluster session of a log's files. */
struct clu_session {
	uint64_t csi;
	uint64_t first_seq, last_seq;	/* over its files; 0 when none */
	size_t nfiles;
};
/* The sessions of fs, by session id (time).  *out owned (free).  0 or JK_ENOMEM. */
int clu_files_sessions(const struct clu_files *fs, struct clu_session **out, size_t *n);

#endif
