/*
 * mainmenu.h - jrnkit's screens: the main menu (spec/dialogues.md section
 * 1, ^JOURNAL) on menus/main.yaml, the journal properties editor on
 * menus/options.yaml, and the journal status both of them and `jrnkit
 * status` print.
 *
 * The screens read answers from stdin and write to stdout through a
 * struct ui (src/ui/ui.h): readline on a terminal, one answer per line
 * otherwise, so a file of answers drives them and the output is a
 * transcript.  Every action opens the instance for what it does and
 * closes it after, so that a setting changed in the editor is what the
 * next switch uses, and the menu holds no lock while it waits for an answer.
 *
 * Each function returns 0 or a negative jk error with err filled; what the
 * operator should see of an error met inside a screen (a directory that
 * cannot be written, a journal that cannot be switched) is printed on the
 * screen as one line, and the screen goes on.
 */
#ifndef JK_CMD_MAINMENU_H
#define JK_CMD_MAINMENU_H

#include <stdio.h>

#include "err.h"
#include "jk.h"

/*
 * `jrnkit` with no command: the main menu for the instance in inst, on
 * stdin and stdout, until the operator leaves (E, Enter, ^ or end of
 * input).  Loads menus/main.yaml and menus/options.yaml first: a schema
 * error there is JK_EFORMAT, "FILE:LINE:COL: message" in err.
 */
int mainmenu_run(const char *inst, struct jk_err *err);

/* `jrnkit options` with no arguments: the properties editor alone. */
int options_run(const char *inst, struct jk_err *err);

/*
 * `jrnkit options KEY=VALUE...`: set the settings given, all or none, in
 * one atomic rewrite of jrnkit.yaml, printing each change to out.  Keys and
 * values as in jrnkit.yaml (journal_dir, alternate_dir, prefix, max_size,
 * commit, purge_days, purge_backups); directories relative to the working
 * directory, which must exist and be writable.  JK_EUSAGE for an argument
 * that is not KEY=VALUE, an unknown key or a value not of its kind; JK_EIO
 * for a directory that cannot be used; the errors of loading and saving
 * the settings.  err names the key.
 */
int options_set(const char *inst, int argc, char **argv, FILE *out, struct jk_err *err);

/*
 * The journal status of j, the lines of spec/dialogues.md section 1, to
 * out.  0, or jk_status's error (in jk_err(j)).
 */
int status_write(struct jk *j, FILE *out);

/* Free space of the file system holding dir, in KiB; -1 when unknown. */
long long dir_free_kb(const char *dir);

#endif
