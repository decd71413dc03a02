/*
 * menu.h - screens as data: the menu files (the YAML files in menus/), the
 * loader that checks them against the schema below, and the menu loop.
 *
 * THE SCHEMA
 *
 * A menu file is one YAML document: a mapping with a list of menus, a list
 * of prompts (questions) and a list of texts (what a screen prints that is
 * not a question), any of which may be left out.
 *
 *	menus:
 *	  - id: main
 *	    style: option
 *	    items:
 *	      - key: 1
 *	        label: Begin Journaling (jrnkit start)
 *	        action: start
 *	        help: Start writing updates to the journal.
 *	      - key: 10
 *	        label: Cluster Journal Restore (jrnresto -c)
 *	        when: cluster_member
 *	        action: cluster_restore
 *	prompts:
 *	  - id: restore_journal
 *	    text: Restore the Journal?
 *	    kind: yesno
 *	    default: yes
 *
 * Values are YAML scalars: "text" may be quoted or not; a number is a plain
 * (unquoted) whole number; a flag is plain true, false, yes or no in any
 * case.  Texts marked ${} may hold ${name} (a letter or '_', then letters,
 * digits, '_'), filled when shown from the caller's lookup (a name it does
 * not know stays as written).  Anchors and aliases are allowed.
 *
 * Top level:
 *	menus	list of menus
 *	prompts	list of prompts
 *	texts	list of texts
 *
 * A menu:
 *	id	text, required; unique in the file among menus and prompts
 *	title	text ${}; a line above the items
 *	style	"option" (default): the items, a blank line, "Option? ";
 *		"choice": title, a rule, the items, a rule, "H) Display Help",
 *		"E) Exit this utility", a rule, a blank line, and
 *		"Enter choice (1-N) or [E]xit/[H]elp? ", N the highest number
 *		shown
 *	help	text ${}; printed before the items' help
 *	items	list of items, required, not empty
 *
 * An item:
 *	key	required: a number 1..99 (no leading zero) or a letter other
 *		than E and H (kept by the loop for exit and help); unique in
 *		the menu, letters in any case.  Shown as "key) label", keys
 *		right-aligned to the widest shown ("1)" under "10)" as " 1)").
 *	label	text ${}, required unless available is false
 *	action	required unless available is false: a name in the caller's
 *		action table (struct menu_action)
 *	when	a name in the caller's condition table (struct menu_cond): when
 *		the condition is false the item reads "-not available-" and
 *		cannot be chosen
 *	hide	flag, default false: with when false, the item is left out
 *		(its key too) instead of reading "-not available-"
 *	available flag, default true: false makes the item "-not available-"
 *		always (a place held in the numbering)
 *	help	text ${}; printed under the label, indented, on H or ?
 *
 * A prompt (a question, asked with ui_ask; see ui.h for how it reads):
 *	id	text, required; unique in the file among menus and prompts
 *	text	text ${}, required: the question
 *	kind	required: yesno, number, choice, path, global or text
 *	default	text ${}: yes or no for yesno; a number in min..max; one of
 *		values; (checked at load unless it holds ${})
 *	help	text ${}: printed at "?"
 *	min, max	numbers, number prompts only: the range allowed
 *	values	list of texts, choice prompts only (required there): the
 *		answers allowed, matched in any case, not twice in any case
 *	dir	flag, path prompts only, default true: a directory, whose
 *		canonical form ends in '/'
 *	echo	path prompts only: "spaced" (default; "acct  /srv/db/acct/"),
 *		"arrow" ("acct--> /srv/db/acct/") or "none"
 *
 * A text (printed as it is, ${} filled, trailing newlines kept -- a
 * quoted "...\n\n" ends with a blank line; a newline added unless it ends
 * with one):
 *	id	text, required; unique in the file among menus, prompts and texts
 *	text	text ${}, required
 *
 * Anything else is an error, reported as "FILE:LINE:COLUMN: message" (from
 * 1, the position of the offending key or value; FILE as given to the
 * loader) with JK_EFORMAT:
 *	unknown key 'lable' (an item has key, label, action, when, hide, available, help)
 *	duplicate key 'label' (first at line 7)
 *	label must be text, not a list	(and the like for every kind of value)
 *	missing key 'label'
 *	duplicate option key '3' (first at line 7)
 *	duplicate id 'main' (first at line 2)
 *	action 'strat' is not registered
 *	condition 'clustr' is not registered
 * and the checks of values named above (key form, kind, echo, min over max,
 * default, values, ${} form), and YAML syntax errors as libyaml words them.
 *
 * THE LOOP
 *
 * menu_run shows the menu, reads a choice and runs the chosen item's action,
 * then shows the menu again (after a blank line); Enter, E, ^ or end of input
 * leave; H or ? print the help; an unknown or unavailable choice gets a
 * message and the prompt again.  Conditions and ${} are evaluated at every
 * showing, so an action that changes them changes the menu.
 *
 * Ownership: menu_file_load returns an owned file (menu_file_free); menus
 * and prompts found in it are borrowed from it.  The file keeps pointers
 * into the caller's action and condition tables, which must outlive it.
 */
#ifndef JK_UI_MENU_H
#define JK_UI_MENU_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "ui/ui.h"

/* What an action returns, besides 0 (show the menu again) and < 0 (a jk error: menu_run stops). */
#define MENU_LEAVE 2	/* leave the menu, as E does */

struct menu_action {
	const char *name;
	/* ctx is menu_run's.  UI_BACK (the operator backed out) is as 0. */
	int (*run)(struct ui *ui, void *ctx);
};

struct menu_cond {
	const char *name;
	bool (*test)(void *ctx);
};

struct menu_binds {
	const struct menu_action *actions;	/* ends with a NULL name */
	const struct menu_cond *conds;		/* ends with a NULL name; NULL for none */
	/* ${name}: the value (borrowed until the next call) or NULL; may be NULL */
	const char *(*var)(void *ctx, const char *name);
};

enum menu_style {
	MENU_OPTION,	/* "Option? " */
	MENU_CHOICE,	/* "Enter choice (1-N) or [E]xit/[H]elp? " */
};

struct menu_item {
	char key[3];		/* "1".."99" or an upper-case letter */
	const char *label;	/* NULL when never available */
	const char *help;	/* NULL for none */
	const struct menu_action *action;	/* NULL when never available */
	const struct menu_cond *when;		/* NULL: always available */
	bool hide;
	bool never;		/* available: false */
};

struct menu {
	const char *id;
	const char *title;	/* NULL for none */
	const char *help;	/* NULL for none */
	enum menu_style style;
	const struct menu_item *items;
	size_t nitems;
};

struct menu_file;

/*
 * Load and check the menu file at path against the schema, binding actions
 * and conditions to b's tables.  Messages begin with path as given.  0,
 * JK_EFORMAT (schema or syntax), JK_EIO (cannot read), JK_ENOMEM.
 */
int menu_file_load(const char *path, const struct menu_binds *b, struct menu_file **out,
    struct jk_err *err);
/* The same from text in memory; name stands for the file in messages. */
int menu_file_parse(const char *name, const char *text, size_t len, const struct menu_binds *b,
    struct menu_file **out, struct jk_err *err);
void menu_file_free(struct menu_file *mf);

/*
 * The directory of the menu files, into out (replaced): $JRNKIT_MENUS when
 * set; else PROGRAM_DIR/../share/jrnkit/menus when it exists (an installed
 * program); else the source tree's menus/ when the program was built there
 * and it still exists; else PREFIX/share/jrnkit/menus.  JK_ENOTFOUND when
 * none is a directory, with a message saying what to set.
 */
int menu_dir(struct buf *out, struct jk_err *err);
/* Load menus/NAME.yaml from menu_dir (as menu_file_load). */
int menu_open(const char *name, const struct menu_binds *b, struct menu_file **out,
    struct jk_err *err);

/* A text of a menu file. */
struct menu_text {
	const char *id;
	const char *text;
};

/* The menu, prompt or text called id, or NULL. */
const struct menu *menu_find(const struct menu_file *mf, const char *id);
const struct ui_prompt *menu_prompt(const struct menu_file *mf, const char *id);
const char *menu_text(const struct menu_file *mf, const char *id);
/*
 * Print the text id of mf on ui with ${} filled from var(ctx, name), and a
 * newline unless it ends with one.  0, JK_ENOTFOUND (no such text), JK_ENOMEM.
 */
int menu_say(struct ui *ui, const struct menu_file *mf, const char *id,
    const char *(*var)(void *ctx, const char *name), void *ctx);

/*
 * The menu as it shows now: the screen into screen and its prompt into
 * prompt (both replaced).  0 or JK_ENOMEM.
 */
int menu_render(const struct menu *m, const struct menu_binds *b, void *ctx,
    struct buf *screen, struct buf *prompt);

/*
 * The menu loop (above).  0 when the operator leaves or an action returns
 * MENU_LEAVE; an action's error, or JK_EIO / JK_ENOMEM from the terminal.
 */
int menu_run(struct ui *ui, const struct menu *m, const struct menu_binds *b, void *ctx);

#endif
