/*
 * term.c - the browser on a terminal, with ncurses.  It draws what
 * browse_render gives (the selected line in reverse video instead of the
 * '>' of the text screens), turns terminal keys into browser keys, and
 * reads the answers to questions on the bottom line.
 *
 * The terminal is put back (endwin) on every way out: quitting, an error,
 * SIGINT, SIGTERM or SIGHUP (their handler only sets a flag; getch wakes up
 * at least every 200 ms to look at it, and long scans stop at the next
 * record), and, as a last resort, SIGSEGV/SIGBUS (a journal file cut short
 * under its mapping) and exit() from anywhere (atexit).
 */
#include <ctype.h>
#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"

static volatile sig_atomic_t term_on;

static void
term_restore(void)
{
	if (term_on) {
		term_on = 0;
		endwin();
	}
}

/* A crash: put the terminal back as best we can, then die of the signal. */
static void
on_fatal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
draw(struct browse *b, struct buf *s, struct buf *bar, const char *answer_prompt)
{
	const char *p = buf_str(s), *nl;
	int hl, row = 0;

	if (browse_render(b, s, &hl, bar) != 0)
		return;
	p = buf_str(s);
	erase();
	while (*p != '\0' && row < LINES - 1) {
		nl = strchr(p, '\n');
		if (row == hl)
			attron(A_REVERSE);
		/* the text screens mark the selection with '>'; here reverse video does */
		if (row == hl && *p == '>')
			mvaddch(row, 0, ' '), addnstr(p + 1, (int)(nl != NULL ? nl - p - 1 : (long)strlen(p + 1)));
		else
			mvaddnstr(row, 0, p, nl != NULL ? (int)(nl - p) : -1);
		if (row == hl) {
			int y, x;

			getyx(stdscr, y, x);
			(void)y;
			while (x++ < COLS)
				addch(' ');
			attroff(A_REVERSE);
		}
		row++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	mvaddnstr(LINES - 1, 0, answer_prompt != NULL ? answer_prompt : buf_str(bar), COLS - 1);
	addch(' ');
	refresh();
}

static int
map_key(int ch)
{
	switch (ch) {
	case KEY_DOWN: return BK_DOWN;
	case KEY_UP: return BK_UP;
	case KEY_NPAGE: return BK_PGDN;
	case KEY_PPAGE: return BK_PGUP;
	case KEY_ENTER: case '\n': case '\r': return BK_ENTER;
	}
	if (ch > 0 && ch < 128 && isprint(ch))
		return ch;
	return 0;
}

/* Read an answer on the bottom line; NULL when the operator pressed Esc or was stopped. */
static const char *
read_answer(struct browse *b, const struct ui_prompt *q, struct buf *s, struct buf *bar,
    char *ans, size_t n)
{
	size_t len = 0;
	int ch;

	draw(b, s, bar, q->text);
	curs_set(1);
	ans[0] = '\0';
	for (;;) {
		ch = getch();
		if (browse_stop) {
			curs_set(0);
			return NULL;
		}
		if (ch == ERR)
			continue;
		if (ch == KEY_RESIZE) {
			browse_size(b, LINES, COLS);
			draw(b, s, bar, q->text);
			addstr(ans);
			continue;
		}
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			break;
		if (ch == 27) {
			curs_set(0);
			return NULL;
		}
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len > 0) {
			ans[--len] = '\0';
			addstr("\b \b");
		} else if (ch >= 32 && ch < 256 && ch != 127 && len + 1 < n) {
			ans[len++] = (char)ch;
			ans[len] = '\0';
			addch((chtype)ch);
		}
		refresh();
	}
	curs_set(0);
	return ans;
}

int
term_run(struct browse *b)
{
	struct buf s = BUF_INIT, bar = BUF_INIT;
	const struct ui_prompt *q;
	char ans[1024];
	int ch, key, rc = 0, ex = DUMP_EXIT_OK;

	/* INT, TERM and HUP set browse_stop (jrndump.c installed the handler) */
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	atexit(term_restore);
	if (initscr() == NULL)
		return DUMP_EXIT_ERR;
	term_on = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(200);
	browse_size(b, LINES, COLS);
	for (;;) {
		draw(b, &s, &bar, NULL);
		ch = getch();
		if (browse_stop)
			break;
		if (ch == ERR)
			continue;
		if (ch == KEY_RESIZE) {
			browse_size(b, LINES, COLS);
			continue;
		}
		if ((key = map_key(ch)) == 0)
			continue;
		rc = browse_key(b, key, &q);
		while (rc == BROWSE_ASK)
			rc = browse_answer(b, read_answer(b, q, &s, &bar, ans, sizeof ans), &q);
		if (rc == BROWSE_QUIT || rc < 0)
			break;
	}
	term_restore();
	if (rc < 0) {
		fprintf(stderr, "jrndump: %s\n", jk_strerror(rc));
		ex = DUMP_EXIT_ERR;
	} else if (browse_stop)
		ex = DUMP_EXIT_INTERRUPTED;
	buf_release(&s);
	buf_release(&bar);
	return ex;
}
