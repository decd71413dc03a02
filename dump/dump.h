/*
 * dump.h - jrndump's parts: the browser (browse.c: the screens of
 * spec/dialogues.md section 4 as a model that turns keys into text
 * screens, knowing nothing of terminals), its two front ends (term.c:
 * ncurses; jrndump.c: key scripts and the line mode), and the batch modes
 * (batch.c: --select, --stats, --verify).
 */
#ifndef JK_DUMP_H
#define JK_DUMP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "ui/menu.h"
#include "ui/cli.h"

/* Exit codes (jrndump(8)). */
enum {
	DUMP_EXIT_OK = 0,
	DUMP_EXIT_ERR = 1,
	DUMP_EXIT_USAGE = 2,
	DUMP_EXIT_DAMAGED = 3,
	DUMP_EXIT_INTERRUPTED = 4,
};

/* Keys besides letters (which the browser takes in either case). */
enum {
	BK_DOWN = 0x100,
	BK_UP,
	BK_PGDN,
	BK_PGUP,
	BK_ENTER,
};

/* What browse_key and browse_answer return besides 0 and a jk error. */
#define BROWSE_ASK	1	/* a question: read the answer, give it to browse_answer */
#define BROWSE_QUIT	2	/* the operator left */

/* Set by a signal handler: long scans stop at the next record. */
extern volatile sig_atomic_t browse_stop;

struct browse;

/*
 * A browser over files[0..n) (copied), the file list's cursor on cur.
 * mf (borrowed) holds the words: menus/jrndump.yaml, checked here for every
 * text and prompt the screens use (JK_EFORMAT naming the one missing).
 */
int browse_new(char *const *files, size_t n, size_t cur, const struct menu_file *mf,
    struct browse **out, struct jk_err *err);
/*
 * A browser over the files of a cluster journal log (clu_files_read), listed
 * by session as spec/dialogues.md section 4 shows on a cluster member; the
 * cursor on member csn's current file.  Opened, a file's records run on
 * into its member's next files.
 */
struct clu_files;
int browse_new_cluster(const struct clu_files *fs, int csn, const struct menu_file *mf,
    struct browse **out, struct jk_err *err);
void browse_free(struct browse *b);
/* The screen size; the page is laid out again at the next render. */
void browse_size(struct browse *b, int rows, int cols);
/* Open the records of the file at the cursor, as E does. */
int browse_examine(struct browse *b);
/* Open the records of the file at path, as G does (not listed: it joins the list). */
int browse_goto(struct browse *b, const char *path);

/*
 * The screen as it shows now: rows-1 lines into screen (replaced; each
 * ending in '\n', at most cols wide), the key bar or question into bar;
 * *hl is the line to highlight (the selected record or file), -1 none.
 */
int browse_render(struct browse *b, struct buf *screen, int *hl, struct buf *bar);
/* A key: 0, BROWSE_ASK (*prompt: the question), BROWSE_QUIT, or < 0. */
int browse_key(struct browse *b, int key, const struct ui_prompt **prompt);
/* The answer to the question asked (NULL: backed out); as browse_key. */
int browse_answer(struct browse *b, const char *text, const struct ui_prompt **prompt);
/* Help being shown (after ? or H, or ? at a question), or NULL. */
const char *browse_help(const struct browse *b);

/* The menu file's words every screen needs (for the start-up check). */
extern const char *const browse_texts[];
extern const char *const browse_prompts[];

/* ---- batch (batch.c) ------------------------------------------------------- */

struct jsel;
/* One line a record the filter passes, to fd (name for messages).  An exit code. */
int batch_select(struct jsel *sel, char *const *files, size_t n, bool json, int fd, const char *name);
/*
 * The counts of the records the filter passes, to fd.  threads: ranges a
 * file is read in, each on a thread (0: one a core, at most 4, for files
 * of 8 MB or more; 1: in order).  An exit code.
 */
int batch_stats(struct jsel *sel, char *const *files, size_t n, bool json, unsigned threads, int fd,
    const char *name);
/* Check every file; a summary each on stdout, damage on stderr.  An exit code. */
int batch_verify(char *const *files, size_t n, bool json);

/* ---- front ends ------------------------------------------------------------- */

/* ncurses on the terminal; an exit code. */
int term_run(struct browse *b);

#endif
