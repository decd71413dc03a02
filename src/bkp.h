/*
 * bkp.h - backups, the write lock they take, and the purge of journal files.
 *
 * THE WRITE LOCK (flushAndLock / locked / unlock).  state/backup.lock in
 * the instance, a small file with two uses:
 *
 *	- its byte 0 carries an open-file-description record lock, taken
 *	  exclusively by whoever locks writes (a backup, or the background
 *	  process of `jrnkit lock`).  It belongs to the holder's open file, so
 *	  it vanishes when the holder dies, however it dies: a killed holder
 *	  never leaves writes locked.
 *	- the file is also mapped by every writer, and holds a word, the gate
 *	  (see struct in bkp.c): the holder's pid, what it is (a backup, or
 *	  jrnkit lock) and a token that is non-zero while writes are locked.
 *	  Reading the word costs no system call, so the update path pays
 *	  nothing while no backup runs.
 *
 * The protocol (the gate word is only a hint; the record lock is the truth):
 *
 *	holder:	record lock (exclusive, bounded wait) -> token := T -> the
 *		journal lock once (waits for a transaction in progress to
 *		end) -> flush the databases ... -> token := 0 -> unlock
 *	writer:	journal lock -> token == 0: go on.  Otherwise the record lock
 *		is asked for (F_OFD_GETLK): free means the holder died, and the
 *		writer clears the token (compare-and-swap, so a new holder's
 *		token is never lost) and goes on; held means the writer lets
 *		go of the journal lock and waits for the record lock to be free,
 *		polling, at most lock_wait_ms (jrnkit.yaml), then fails with
 *		JK_ELOCKED: "writes are locked for a backup ...".
 *
 * The holder sets the token before it takes the journal lock, so every
 * writer that takes the journal lock after it sees the token: once the
 * holder has had the journal lock, no update commits until it unlocks.
 * Readers never look at any of this.
 *
 * BACKUPS.  bkp_backup: flush every database (while writers go on, so
 * that little is left to flush later); lock writes; switch the journal
 * (the switch takes the journal lock, so a transaction in progress ends
 * first); write the backup marker (id -1, text "YYYYMMDD;HH:MM:SS;TYPE",
 * bkp_marker); take a snapshot of each database -- an LMDB read
 * transaction, begun by db_copy_fd -- and, as soon as every snapshot is
 * taken, unlock writes.  Then each database's checkpoint moves to just past
 * the marker and the database is flushed (everything before the marker is
 * in it), and the copies are written from the snapshots while writers go
 * on.  So writers are blocked for the switch, the marker and the start of
 * the snapshots, and not for the copy, whatever the size of the databases.
 * The copy asks for the write-back of every 8 MiB it writes and waits for
 * the 8 MiB before (sync_file_range): a gigabyte synced in one go at the
 * end would queue ahead of the writers' journal syncs and stall them.
 * Every copy is the database exactly as of the marker.  Writes are
 * unlocked on every path (a failure before the snapshots, a thread that
 * cannot start); a copy that fails after (a full disk at the target)
 * removes the backup's directory and records nothing.
 *
 * bkp_lock (jrnkit lock) flushes, locks writes, writes a checkpoint (its
 * journal lock waits for a transaction in progress), and moves every
 * database's checkpoint to the end of the journal and flushes it again.
 *
 * THE MARKER IS THE BACKUP'S RECORD.  The journal format has a BACKUP
 * record type (jrn/format.h: text, the backup's name and type) that no
 * command writes, and a backup does not write one either: the spec
 * (dialogues.md section 6) says a backup writes a marker, id -1, text
 * date;time;type, and everything that needs the backup's place in the
 * journal uses that marker -- jrnresto's "following the restore of
 * backup" start and rst_plan_default_start (the marker's offset,path from
 * the history), the purge rule (the marker's file), a cluster's
 * cluster-wide marker (bkp_marker), jrndump ("M", id -1, its text).  A
 * marker also has what a BACKUP record lacks: the marker sequence and the
 * link to the previous marker of the file.  The history below ties the
 * backup's name to its marker.  A second record for the same moment would
 * only be one more thing for the readers to skip and to keep in step.
 *
 * A backup is a directory DIR/NAME/ (NAME = TYPE-YYYYMMDD-HHMMSS, with -N
 * added when taken twice in a second) holding dbN/data.mdb (compacted LMDB
 * data files, each a database directory db_open reads) and "manifest", its
 * line of the history below.  Files and directories are fsynced before the
 * history names the backup.
 *
 * THE HISTORY, state/backups: text, one event a line, oldest first, fields
 * separated by TAB (paths holding a TAB or a newline are refused), written
 * whole and atomically (jk_write_file_atomic).  Lines starting with '#'
 * are comments.
 *
 *	backup NAME TYPE TIME_US MARKER_OFFSET MARKER_PATH DIR BYTES LOCKED_US N
 *	       SOURCE_1 COPY_1 ... SOURCE_N COPY_N
 *	restored NAME TIME_US N SOURCE_1 TARGET_1 ... SOURCE_N TARGET_N
 *
 * TIME_US: microseconds since 1970 when the backup was taken (restored);
 * MARKER_*: where its marker is (offset,path); DIR: the backup's
 * directory; BYTES: the size of its copies; LOCKED_US: how long writes were
 * locked; SOURCE: a database's canonical directory; COPY: its copy's
 * directory under DIR; TARGET: where restore-backup put it.
 *
 * RESTORING A BACKUP.  bkp_restore puts the copies back (each in place or
 * redirected), each one only while nobody has that database open: its
 * restore.lock taken exclusively (dblock.h), and no process holding
 * LMDB's lock file (lock.mdb) open.  The copy goes to data.mdb.tmp, is
 * synced, and renamed over data.mdb; lock.mdb is removed (LMDB makes a new
 * one).  The restored database's checkpoint is set to the current end of
 * the journal: it is as of the backup's marker, and what the journal holds
 * after the marker is for jrnresto to apply (startup recovery must not).
 * A "restored" line goes to the history; from then on jrnresto starts at
 * that backup's marker by default (rst_plan_default_start).
 *
 * PURGE.  bkp_purge removes journal files that neither recovery nor an
 * open transaction needs and that the purge rules let go:
 *
 *	- recovery replays each database from its last checkpoint, so the file
 *	  of the oldest checkpoint (of every database in state/databases) and
 *	  every file after it are kept; a database without a checkpoint keeps
 *	  every file written since it was created;
 *	- the current file is always kept; a transaction holds the journal
 *	  lock from its TBEGIN to its TCOMMIT and a switch needs that lock, so
 *	  an open transaction's records are all in the current file;
 *	- of the rest, a file goes when it is older than purge_days days (its
 *	  last change), or when purge_backups backups have been taken since it
 *	  was closed (it comes before the file of the marker of the
 *	  purge_backups-th latest backup).  Both 0: nothing is purged.
 *
 * journal.log keeps its lines: it is the history of every file ever
 * written, and jrnresto names a purged file in a range as missing.
 * state/purged gets a line per file removed (TIME_US TAB PATH), so the
 * reason can be told.
 *
 * The library never prints; lists come back as data.
 */
#ifndef JK_BKP_H
#define JK_BKP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "jk.h"

#define BKP_LOCK_FILE	"state/backup.lock"
#define BKP_HISTORY	"state/backups"
#define BKP_PURGED	"state/purged"

/* ---- the gate: the writer's side (jk.c) --------------------------------------- */

struct bkp_gate;

/* Map state/backup.lock of the instance in dir (canonical, trailing '/'), creating it. */
int bkp_gate_open(const char *dir, struct bkp_gate **out, struct jk_err *err);
void bkp_gate_close(struct bkp_gate *g);
/* Whether writes may be locked by someone else (no system call).  A hint: bkp_gate_wait decides. */
bool bkp_gate_shut(const struct bkp_gate *g);
/*
 * Wait until nobody else holds the write lock, at most ms milliseconds:
 * 0, or JK_ELOCKED with a message naming the holder and the instance.
 */
int bkp_gate_wait(struct bkp_gate *g, unsigned ms, struct jk_err *err);

/* ---- the lock: the holder's side --------------------------------------------- */

enum bkp_holder {
	BKP_HOLDER_NONE = 0,
	BKP_HOLDER_LOCK = 1,	/* jrnkit lock (released by jrnkit unlock) */
	BKP_HOLDER_BACKUP = 2,	/* jrnkit backup (releases it itself) */
};

/*
 * Lock writes in j's instance, waiting at most wait_ms for another holder
 * to let go (JK_ELOCKED after), and flush: a checkpoint written, every
 * mounted database's checkpoint moved to the end of the journal, synced.  Writers of this handle j are not held back.
 * The lock is j's until bkp_unlock or the process ends.
 */
int bkp_lock(struct jk *j, enum bkp_holder kind, unsigned wait_ms, struct jk_err *err);
void bkp_unlock(struct jk *j);

struct bkp_lock_state {
	bool locked;
	pid_t pid;		/* the holder, 0 when unknown */
	enum bkp_holder kind;
	uint64_t since_us;
};
/* Who holds the write lock of the instance in dir, if anyone. */
int bkp_locked(const char *dir, struct bkp_lock_state *st, struct jk_err *err);

/* ---- backups ----------------------------------------------------------------- */

struct bkp_db {
	char *source;		/* canonical database directory */
	char *copy;		/* its copy (backup) or where it was put (restored) */
};

struct bkp_entry {
	bool restored;		/* a "restored" line; else a "backup" line */
	char *name;
	char *type;		/* backup only */
	uint64_t time_us;
	uint64_t marker_offset;	/* backup only */
	char *marker_path;
	char *dir;
	uint64_t bytes;
	uint64_t locked_us;
	uint64_t locked_at_us;	/* when writes were locked; bkp_backup's answer only, not in the history */
	struct bkp_db *dbs;
	size_t ndbs;
};

struct bkp_history {
	struct bkp_entry *e;
	size_t n;
};

void bkp_history_release(struct bkp_history *h);
/* Read state/backups of the instance in dir; none is an empty history.  Errors name the line. */
int bkp_history_read(const char *dir, struct bkp_history *h, struct jk_err *err);
/* The backup line named name (borrowed from h), or NULL. */
const struct bkp_entry *bkp_history_find(const struct bkp_history *h, const char *name);
/*
 * The backup restored last, when a restore of it is the latest event of
 * the history (borrowed from h; *restored_us = when it was restored), or NULL.
 */
const struct bkp_entry *bkp_history_restored(const struct bkp_history *h, uint64_t *restored_us);

/*
 * The backup marker: id -1, text "YYYYMMDD;HH:MM:SS;TYPE" (local time of
 * time_us), written and synced in j's journal; loc gets its place.  This is
 * the one function a cluster writes its cluster-wide marker through.
 */
int bkp_marker(struct jk *j, const char *type, uint64_t time_us, struct jk_loc *loc, struct jk_err *err);

/*
 * The backup's I/O, for tests that fail the way disks do: the writes and
 * the syncs of the copies.  NULL entries mean the system calls; the table
 * is copied.  NULL restores the system calls.
 */
struct bkp_io {
	ssize_t (*write)(int fd, const void *p, size_t n);
	int (*fsync)(int fd);
};
void bkp_set_io(const struct bkp_io *io);

/*
 * Take a backup of j's mounted databases into a new directory under dir
 * (which must exist), type "full".  out (released by the caller with
 * bkp_entry_release) describes it as the history does.  No transaction of
 * j may be open.
 */
int bkp_backup(struct jk *j, const char *dir, const char *type, struct bkp_entry *out,
    struct jk_err *err);
void bkp_entry_release(struct bkp_entry *e);

/*
 * Put the databases of backup name back: each to its source directory, or
 * to the target of a redirect (olds[i] -> news[i], directories; created
 * when missing).  A database that another process has open is refused,
 * before anything is written.  out gets the "restored" line.
 */
int bkp_restore(struct jk *j, const char *name, char *const *olds, char *const *news, size_t nredir,
    struct bkp_entry *out, struct jk_err *err);

/* ---- purge ------------------------------------------------------------------------- */

struct bkp_purge_opts {
	int days;		/* -1: the instance's purge_days */
	int backups;		/* -1: the instance's purge_backups */
	bool dry_run;		/* list what would go, remove nothing */
};

/*
 * Remove the journal files the rules above let go, oldest first.  The
 * paths removed (or, dry, that would be) are appended to *paths (an owned
 * array of owned strings, freed by the caller: each, then the array), *n
 * counting.  On an error the files removed so far are listed.
 */
int bkp_purge(struct jk *j, const struct bkp_purge_opts *o, char ***paths, size_t *n,
    struct jk_err *err);
/*
 * When journal file path was purged, from state/purged of the instance in
 * dir (canonical, trailing '/'): 0 and *when_us (its latest line), or
 * JK_ENOTFOUND when no line names it (or nothing was ever purged).
 */
int bkp_purged_when(const char *dir, const char *path, uint64_t *when_us, struct jk_err *err);

#endif
