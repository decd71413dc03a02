/*
 * cvtcmd.h - jrnkit convert, read and import-gtm (cvtcmd.c): the common
 * journal format and GT.M/YottaDB extracts.  inst and db are jrnkit's -I
 * and -d (NULL when not given); argv[0] is the command's name.  Each
 * returns jrnkit(8)'s exit code.
 */
#ifndef JK_CVTCMD_H
#define JK_CVTCMD_H

int cmd_convert(int argc, char **argv, const char *inst, const char *db);
int cmd_read(int argc, char **argv, const char *inst, const char *db);
int cmd_import_gtm(int argc, char **argv, const char *inst, const char *db);

#endif
