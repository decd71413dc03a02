/*
 * clucmd.h - jrnkit's cluster commands (clucmd.c): `jrnkit cluster ...`,
 * `jrnkit init --cluster`, `jrnkit mark --cluster`, and the member list
 * `jrnkit load --members` drives.  Each returns an exit status of
 * jrnkit(8) and prints its own messages.
 */
#ifndef JK_CMD_CLUCMD_H
#define JK_CMD_CLUCMD_H

#include <stddef.h>

/* jrnkit cluster init|join|status|bench-seq ...; inst is -I or $JRNKIT_HOME (may be NULL). */
int clucmd_cluster(int argc, char **argv, const char *inst);
/* jrnkit init --cluster DIR --csn N INSTDIR */
int clucmd_init(int argc, char **argv);
/* jrnkit mark --cluster ID TEXT [--while-held CMD] on the cluster of instance inst. */
int clucmd_mark(int argc, char **argv, const char *inst);
/*
 * The instance directories of the members of inst's cluster, in CSN
 * order (owned: free each, then the array); NULL with a message printed
 * when inst is not a member.
 */
char **clucmd_member_dirs(const char *inst, size_t *n);

#endif
