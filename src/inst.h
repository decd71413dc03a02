/*
 * inst.h - an instance: a directory holding
 *
 *	jrnkit.yaml	settings (read and written with libyaml)
 *	journal/	journal files (the default journal directory)
 *	journal.log	history: one line per journal file ever started, in order
 *	state/		startup errors, restore progress, backup history, writer lock
 *	db/user/	the default database
 *
 * This module owns the settings file and the history log; the journal itself
 * is jrn/.  Files are replaced atomically: temp file, fsync, rename, fsync dir.
 */
#ifndef JK_INST_H
#define JK_INST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

enum jk_commit_mode {
	JK_COMMIT_SYNC = 0,	/* commit returns once the journal is on disk (group commit) */
	JK_COMMIT_GROUP = 1,	/* journal synced every group_ms by the writer */
	JK_COMMIT_NONE = 2,	/* left to the OS */
};

struct inst_conf {
	char jrn_dir[PATH_MAX];	/* journal directory, absolute, trailing '/' */
	char alt_dir[PATH_MAX];	/* alternate journal directory, "" if none; absolute, trailing '/' */
	char prefix[64];	/* file name prefix, may be "" */
	uint64_t max_size;	/* switch at this file size (bytes) */
	enum jk_commit_mode commit;
	unsigned group_ms;	/* group mode sync interval */
	unsigned purge_days;	/* 0 = keep */
	unsigned purge_backups;	/* 0 = keep */
	uint64_t ckpt_bytes;	/* checkpoint every this many journal bytes */
	unsigned ckpt_secs;	/* ... or seconds */
	unsigned lock_wait_ms;	/* how long a writer waits while writes are locked for a backup */
	uint64_t instance_id;	/* random, set at creation */
	char cluster_dir[PATH_MAX];	/* "" when not a cluster member; absolute, trailing '/' */
	int csn;		/* cluster member number, -1 when none */
};

/* Defaults for an instance in dir (dir absolute): journal dir dir/journal/, 1 GiB files, group 10 ms ... */
void inst_conf_defaults(struct inst_conf *c, const char *dir);
/*
 * Read dir/jrnkit.yaml over the defaults.  Errors name the place:
 * "jrnkit.yaml:12:5: unknown key 'comit'" (JK_EFORMAT).  instance_id must be
 * in the file (a default one would be new at every load).  Directories are
 * made absolute (relative ones against dir) with a trailing '/', symlinks
 * resolved when they exist.  JK_ENOTFOUND when there is no jrnkit.yaml.  *c
 * is only written on success.
 */
int inst_conf_load(const char *dir, struct inst_conf *c, struct jk_err *err);
/*
 * Replace dir/jrnkit.yaml (atomically) with c and a comment on every key.
 * Directories beneath dir are written relative to it, so a moved instance
 * keeps its own journal.  JK_EUSAGE for settings YAML cannot hold (a path
 * that is not UTF-8) or that load would refuse.
 */
int inst_conf_save(const char *dir, const struct inst_conf *c, struct jk_err *err);
/* Parse a commit mode name ("sync", "group", "none"); -1 if unknown. */
int inst_commit_mode(const char *s);
/* The name of m; "unknown" when m is not a mode.  Static storage. */
const char *inst_commit_name(enum jk_commit_mode m);

/*
 * Create an instance in dir (parents too): directories, empty journal.log,
 * state/, db/user/, and default settings, written last so that an instance
 * exists only once complete.  JK_EEXIST if there is one.  Run again after a
 * crash, it finishes the job and keeps a journal.log already there.
 */
int inst_create(const char *dir, struct jk_err *err);
/* Whether dir holds an instance (jrnkit.yaml present). */
bool inst_exists(const char *dir);

/*
 * journal.log: the paths, oldest first.  *paths is an owned array of owned
 * strings (inst_log_free), NULL when there are none.  Blank lines and lines
 * holding NUL bytes (a zero-filled tail after a crash) are skipped; a last
 * line without its newline is returned.  JK_ENOTFOUND without a journal.log.
 */
int inst_log_read(const char *dir, char ***paths, size_t *n, struct jk_err *err);
/* The same, from a history log at path (a copy taken from another instance). */
int inst_log_read_file(const char *path, char ***paths, size_t *n, struct jk_err *err);
void inst_log_free(char **paths, size_t n);
/*
 * Append one path and fsync; after a torn last line it starts a new line.
 * JK_EUSAGE for an empty path or one holding a newline; JK_ENOTFOUND when
 * journal.log is missing (it is not created here: inst_create owns the layout).
 */
int inst_log_append(const char *dir, const char *path, struct jk_err *err);
/*
 * Append text and a newline to the log file at path (which must exist:
 * JK_ENOTFOUND otherwise) and fsync; after a torn last line it starts a
 * new line first.  journal.log and the cluster's CLUJRN.LOG use it.
 */
int jk_append_line(const char *path, const char *text, struct jk_err *err);

/*
 * Write data to path atomically (tmp, fsync, rename, fsync dir).  On failure
 * the temp file is gone and the old file untouched, except when only the
 * final directory fsync failed: the new file is then in place, maybe not
 * durably.  The file's mode is 0666 less the umask.
 */
int jk_write_file_atomic(const char *path, const void *data, size_t n, struct jk_err *err);
/* Read a whole file into b (replaced); JK_ENOTFOUND when there is none. */
int jk_read_file(const char *path, struct buf *b, struct jk_err *err);
/* mkdir -p, syncing the parent of each directory made. */
int jk_mkdir_p(const char *dir, struct jk_err *err);
/* fsync a directory (a file system that cannot is taken as having nothing to sync). */
int jk_fsync_dir(const char *dir, struct jk_err *err);
/*
 * An open-file-description lock (F_OFD_SETLK, or F_OFD_SETLKW with wait)
 * of type F_RDLCK, F_WRLCK or F_UNLCK on byte byte of fd; an interrupted
 * wait is retried.  0, or -1 with errno (EAGAIN or EACCES: held
 * elsewhere).  The lock belongs to the open file, so it goes with its last
 * descriptor: with its holder, however it dies.
 */
int jk_lock_byte(int fd, long byte, short type, bool wait);

#endif
