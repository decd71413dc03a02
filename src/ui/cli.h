/*
 * cli.h - what the programs' command lines do alike: messages on the
 * standard error named by the program ("jrnresto: ..."), the usage text
 * after a reason, and lists of an option's arguments.  Programs only (the
 * library never prints).
 */
#ifndef JK_CLI_H
#define JK_CLI_H
#include <stddef.h>

/* The name messages start with ("jrnkit", "jrnkit convert"); static storage, kept by reference. */
void cli_set_prog(const char *name);
const char *cli_prog(void);
/* "PROG: message" and a newline on the standard error. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* why (when not NULL) as cli_warn, then text on the standard error; returns code. */
int cli_usage(const char *text, const char *why, int code);
/* Append s (not copied) to the vector v of n; -1 when out of memory. */
int cli_push(char ***v, size_t *n, char *s);
/* The instance directory: opt (-I), else $JRNKIT_HOME; NULL when neither is set and not empty. */
const char *cli_instance(const char *opt);

#endif
