/*
 * bkpcmd.h - jrnkit's backup commands (backup, restore-backup, lock,
 * locked, unlock, purge; jrnkit(8)) and the purge the main menu's item 6
 * runs.
 */
#ifndef JK_CMD_BKPCMD_H
#define JK_CMD_BKPCMD_H

#include <stdio.h>

#include "bkp.h"
#include "err.h"

/*
 * Run the command argv[0] (one of those above) on the instance in inst;
 * messages to stdout/stderr.  Returns the exit code of jrnkit(8).
 */
int bkpcmd_run(const char *inst, int argc, char **argv);
/* Whether cmd is one of bkpcmd_run's. */
int bkpcmd_is(const char *cmd);

/*
 * Purge the journal files of the instance in inst (bkp_purge), writing
 * "Purged PATH" a file, or "None purged", to out.  0 or the error (err).
 */
int purge_write(const char *inst, const struct bkp_purge_opts *o, FILE *out, struct jk_err *err);

#endif
