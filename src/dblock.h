/*
 * dblock.h - who may write a database while a restore runs: restore.lock.
 *
 * A restore replays journals into a database in large LMDB transactions,
 * beside the instance's journal, so nobody else may write that database
 * meanwhile.  LMDB's writer lock cannot say so: it cannot be tried without
 * waiting, and it is held only for one transaction at a time.  Instead every
 * database directory gets a file restore.lock, locked with an
 * open-file-description record lock on its byte 0:
 *
 *	- a process that writes the database through an instance (jk.h) holds
 *	  it shared, from its first update until it dismounts the database;
 *	- a restore holds it exclusively for its whole run.
 *
 * Both are tried without waiting: a restore refuses a database that another
 * process is writing, and a writer refuses a database being restored, each
 * with a message saying which.  The lock belongs to the open file, so it
 * vanishes when its holder dies.  Within a process there is one lock per
 * database, counted (a registry keyed by canonical path): a restore that
 * journals its updates through this process's own instance does not refuse
 * itself.  A shared hold turned exclusive and back keeps the lock throughout
 * (record locks convert in place; a failed upgrade leaves the shared one).
 * A child after fork() takes its own.
 */
#ifndef JK_DBLOCK_H
#define JK_DBLOCK_H

#include <stdbool.h>

#include "err.h"

#define DBLOCK_FILE	"restore.lock"

struct dblock;

/*
 * Take the lock of the database whose canonical directory is canon (with its
 * trailing '/').  JK_ELOCKED when another process holds it the other way
 * (or, for exclusive, at all); JK_EIO when restore.lock cannot be opened.
 * *out is owned: dblock_close.
 */
int dblock_open(const char *canon, bool exclusive, struct dblock **out, struct jk_err *err);
/* Give the hold back; the lock goes when the process's last hold does.  NULL is fine. */
void dblock_close(struct dblock *l);

#endif
