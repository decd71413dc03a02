/*
 * ui.h - the line dialogue: one terminal (or a pair of files standing in for
 * it), the questions asked on it, and the answers.
 *
 * Everything the dialogue reads comes from ui->in and everything it writes
 * goes to ui->out, so a test drives it with an answer script and compares
 * what it wrote with a transcript.  Two modes, fixed at ui_init:
 *
 *   terminal	in and out are both terminals (and UI_PLAIN is not given):
 *		GNU readline reads the answers, with line editing, a history
 *		file ($XDG_STATE_HOME/jrnkit/history, by default
 *		~/.local/state/jrnkit/history) and Tab completion of file
 *		names at path prompts and of the caller's words at global
 *		prompts.  readline puts the terminal back after every line.
 *   plain	anything else: one answer per line, no editing, and the
 *		answer echoed after the prompt followed by a newline, so that
 *		the output is exactly what the same answers typed on a terminal
 *		would leave on the screen (the transcript convention).
 *
 * The conventions of every question (spec/dialogues.md section 0):
 *
 *   - The question shows its default: "Restore the Journal? Yes => ".  The
 *     text is followed by " DEFAULT =>" when there is a default, then by one
 *     space unless the text already ends in a space or a caret ("Global ^").
 *     A text holding ${default} places the default itself and gets no
 *     " DEFAULT =>" ("from: <${default}> [?] =>").
 *   - Enter takes the default.  At a yes/no question the default word is
 *     then written after the prompt, as if typed ("Restore the Journal?
 *     Yes => Yes"); elsewhere nothing is added, the default being in view.
 *   - "?" prints the help (or the caller's list) and asks again; "^" backs
 *     out (UI_BACK); so does end of input (Ctrl-D on a terminal), after which
 *     every further question backs out at once.  At end of input a newline
 *     ends the prompt's line.
 *   - A bad answer is never fatal: a message says what is wanted
 *     ("enter Yes or No, please") and the question comes again.
 *   - Answers are trimmed of blanks at both ends.
 *   - A path answer is echoed in canonical form after what was typed:
 *     "Directory to restore [? for help]: /srv/db/acct  /srv/db/acct/".  On
 *     a terminal the line is redrawn with the echo added (when it fits on
 *     one screen line; otherwise the echo gets a line of its own).
 *
 * Ownership: struct ui and struct ui_answer are the caller's, with
 * _init/_release.  Prompts are plain data; menu.h loads them from menus/.
 */
#ifndef JK_UI_UI_H
#define JK_UI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

/* ui_ask and friends: 0 answered, UI_BACK backed out, < 0 a jk error. */
#define UI_BACK 1

/* ui_init flags */
#define UI_PLAIN	0x1	/* never use readline, even on a terminal */
#define UI_NOHISTORY	0x2	/* terminal mode without the history file */

struct ui {
	FILE *in;
	FILE *out;
	bool tty;		/* readline mode */
	bool eof;		/* input ended: every question backs out */
	char *hist_path;	/* owned; NULL without a history file */
};

/*
 * Set ui up on in/out (borrowed; they must outlive ui).  Terminal mode when
 * both are terminals, unless flags has UI_PLAIN; the history file is read
 * then (its directory made) unless UI_NOHISTORY.  readline is one per
 * process: at most one ui in terminal mode at a time.  Returns 0 or
 * JK_ENOMEM; a history file that cannot be read or made is no error.
 */
int ui_init(struct ui *ui, FILE *in, FILE *out, unsigned flags);
/* Write the history back (trimmed to its last 1000 lines); free. */
void ui_release(struct ui *ui);

/* Output to ui->out. */
void ui_printf(struct ui *ui, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ui_puts(struct ui *ui, const char *s);	/* s and a newline */

enum ui_kind {
	UI_YESNO,	/* Yes or No */
	UI_NUMBER,	/* a whole number, min..max */
	UI_CHOICE,	/* one of values, any case */
	UI_PATH,	/* a file or directory name, canonical echo */
	UI_GLOBAL,	/* a global name pattern: ^ optional, * and ? wild */
	UI_TEXT,	/* anything */
};

/* How a path answer is echoed. */
enum ui_echo {
	UI_ECHO_SPACED,	/* "/srv/db/acct  /srv/db/acct/" */
	UI_ECHO_ARROW,	/* "/srv/restore/acct--> /srv/restore/acct/" */
	UI_ECHO_NONE,
};

/*
 * A question.  text, def and help may hold ${name}, filled from the
 * caller's lookup at the time of asking.  def is the default as text: for
 * yes/no "yes" or "no" (any case), for a number its digits, for a choice one
 * of values; NULL for none.
 */
struct ui_prompt {
	const char *id;
	const char *text;
	enum ui_kind kind;
	const char *def;
	const char *help;
	/* UI_NUMBER */
	bool has_min, has_max;
	long long min, max;
	/* UI_CHOICE */
	const char *const *values;
	size_t nvalues;
	/* UI_PATH */
	bool dir;		/* a directory: canonical form ends in '/' */
	enum ui_echo echo;
};

/* What the caller adds at the time of asking; every field may be 0/NULL. */
struct ui_ask_opts {
	/* ${name} lookup: the value (borrowed until the next call) or NULL */
	const char *(*var)(void *ctx, const char *name);
	/*
	 * "?" prints this instead of the help: arg is what followed the '?'
	 * ("" or, at a global prompt, "L").  0 or a jk error.
	 */
	int (*list)(struct ui *ui, const char *arg, void *ctx);
	void *ctx;
	const char *const *words;	/* Tab completion at a global prompt; NULL-terminated */
	bool files;			/* Tab completes file names at any prompt (as at a path prompt) */
	/*
	 * A further check of an answer the kind accepts (its text as in
	 * struct ui_answer; not called for an empty answer): 0 takes it, and
	 * what check wrote into echo, if anything, is written after the typed
	 * answer instead of a path's canonical form (not after Enter taking
	 * the default); 1
	 * refuses it: msg is printed and the question asked again; < 0 a jk
	 * error, which ui_ask returns.
	 */
	int (*check)(void *ctx, const char *text, struct buf *echo, struct buf *msg);
	const char *def;		/* replaces the prompt's default (not expanded) */
};

struct ui_answer {
	/*
	 * The answer as text: "Yes"/"No", the number in digits, the choice as
	 * written in values, the canonical path, the global pattern without
	 * its '^', or the trimmed text.  Empty when empty is true.
	 */
	struct buf text;
	bool empty;		/* Enter with no default (never at a yes/no question) */
	bool yes;		/* UI_YESNO */
	long long num;		/* UI_NUMBER */
	size_t choice;		/* UI_CHOICE: index into values */
};

void ui_answer_init(struct ui_answer *a);
void ui_answer_release(struct ui_answer *a);

/*
 * Ask p until it has a valid answer (0, *a filled), the operator backs out
 * (UI_BACK), or a jk error (JK_ENOMEM, JK_EIO on a write or read error).
 * opts may be NULL.
 */
int ui_ask(struct ui *ui, const struct ui_prompt *p, const struct ui_ask_opts *opts,
    struct ui_answer *a);

/*
 * Read one line at prompt, the building block of menus and of questions
 * with their own rules: the trimmed line into line, no completion, echoed
 * in plain mode.  0, UI_BACK at end of input (not at "^": that is for the
 * caller to judge), or a jk error.
 */
int ui_read(struct ui *ui, const char *prompt, struct buf *line);

/*
 * Fill ${name} in tmpl from var(ctx, name) into out (appended).  A name the
 * lookup does not know (NULL), or var NULL, is left as written: "${name}".
 * A '$' not followed by '{' is itself.  0 or JK_ENOMEM.
 */
int ui_expand(const char *tmpl, const char *(*var)(void *ctx, const char *name), void *ctx,
    struct buf *out);
/*
 * Whether tmpl's ${...} are well formed (a name of letters, digits and '_'
 * not starting with a digit, then '}').  When not, *bad is the byte offset of
 * the faulty "${".
 */
bool ui_template_ok(const char *tmpl, size_t *bad);

/*
 * The canonical form of a path answer, into out (replaced): "~/" expanded
 * from $HOME, made absolute against the working directory, symbolic links
 * resolved as far as the path exists, ".", ".." and "//" removed, and for a
 * directory a trailing '/'.  The path need not exist.  0, JK_EUSAGE for an
 * empty path, JK_ENOMEM, or JK_EIO when the working directory is unknown.
 */
int ui_canon_path(const char *path, bool dir, struct buf *out);

/*
 * Whether s is a whole number as a number prompt takes it: an optional sign
 * and digits, nothing else, within long long; the value into *v.
 */
bool ui_number(const char *s, long long *v);

/*
 * Whether s is a global name pattern (without the '^'): a letter, '%', '*'
 * or '?', then letters, digits, '*', '?', '.'; at most 31 characters.
 */
bool ui_global_ok(const char *s);

#endif
