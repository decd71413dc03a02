/*
 * line.c - the terminal: ui_init/ui_release, output, and reading one answer
 * line with GNU readline on a terminal or a plain read otherwise.
 *
 * readline keeps its state in globals (streams, completion hooks, history),
 * so terminal mode is one per process; the completion hooks find the
 * current prompt's words in the statics below, set for the length of one
 * readline() call.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "err.h"
#include "ui/line.h"
#include "ui/ui.h"

#define HIST_MAX 1000

/* --- output --------------------------------------------------------------- */

void
ui_printf(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(ui->out, fmt, ap);
	va_end(ap);
}

void
ui_puts(struct ui *ui, const char *s)
{
	fputs(s, ui->out);
	fputc('\n', ui->out);
}

/* --- history --------------------------------------------------------------- */

/*
 * $XDG_STATE_HOME/jrnkit/history, or ~/.local/state/jrnkit/history: the XDG
 * base directory rules, under which a relative $XDG_STATE_HOME is ignored.
 * NULL when neither is known or on ENOMEM.
 */
static char *
hist_path_new(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct buf b = BUF_INIT;
	int rc;

	if (state != NULL && state[0] == '/')
		rc = buf_adds(&b, state);
	else if (home != NULL && home[0] == '/')
		rc = buf_addf(&b, "%s/.local/state", home);
	else
		return NULL;
	if (rc == 0)
		rc = buf_adds(&b, "/jrnkit/history");
	if (rc != 0) {
		buf_release(&b);
		return NULL;
	}
	return (char *)b.data;
}

/*
 * Make the directories above path (mode 0700, as XDG asks of state) and the
 * file itself, which append_history() will not create.  false on failure.
 */
static bool
hist_file_make(const char *path)
{
	char *p, *s;
	bool ok = true;
	int fd;

	if ((p = strdup(path)) == NULL)
		return false;
	for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			ok = false;
		*s = '/';
	}
	free(p);
	if (!ok)
		return false;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		return false;
	close(fd);
	return true;
}

/* --- completion --------------------------------------------------------------- */

static enum line_comp cur_comp;
static const char *const *cur_words;
static size_t cur_word;

/* readline's generator: the next word starting with text ('^' kept in front). */
static char *
word_gen(const char *text, int state)
{
	bool caret = text[0] == '^';
	const char *w, *t = text + caret;
	size_t n = strlen(t);
	char *m;

	if (state == 0)
		cur_word = 0;
	while (cur_words != NULL && (w = cur_words[cur_word]) != NULL) {
		cur_word++;
		if (strncmp(w, t, n) != 0)
			continue;
		if ((m = malloc(strlen(w) + 2)) == NULL)
			return NULL;
		m[0] = '^';
		strcpy(m + caret, w);
		return m;
	}
	return NULL;
}

static char **
complete(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	switch (cur_comp) {
	case LINE_COMP_FILES:
		return NULL;	/* readline's own file name completion */
	case LINE_COMP_WORDS:
		rl_attempted_completion_over = 1;
		return rl_completion_matches(text, word_gen);
	case LINE_COMP_NONE:
		break;
	}
	rl_attempted_completion_over = 1;
	return NULL;
}

/* --- set up --------------------------------------------------------------- */

int
ui_init(struct ui *ui, FILE *in, FILE *out, unsigned flags)
{
	memset(ui, 0, sizeof *ui);
	ui->in = in;
	ui->out = out;
	ui->tty = !(flags & UI_PLAIN) && fileno(in) >= 0 && fileno(out) >= 0 &&
	    isatty(fileno(in)) && isatty(fileno(out));
	if (!ui->tty)
		return 0;

	rl_readline_name = "jrnkit";
	rl_instream = in;
	rl_outstream = out;
	rl_attempted_completion_function = complete;
	using_history();
	if (!(flags & UI_NOHISTORY)) {
		ui->hist_path = hist_path_new();
		if (ui->hist_path != NULL && hist_file_make(ui->hist_path))
			read_history(ui->hist_path);
		else {
			free(ui->hist_path);
			ui->hist_path = NULL;
		}
	}
	return 0;
}

void
ui_release(struct ui *ui)
{
	if (ui->tty) {
		if (ui->hist_path != NULL)
			history_truncate_file(ui->hist_path, HIST_MAX);
		clear_history();
	}
	free(ui->hist_path);
	ui->hist_path = NULL;
	fflush(ui->out);
}

/* --- reading --------------------------------------------------------------- */

/* The screen width of s: UTF-8 characters, each one column. */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The last line of a prompt that may span several. */
static const char *
last_line(const char *prompt)
{
	const char *nl = strrchr(prompt, '\n');

	return nl != NULL ? nl + 1 : prompt;
}

static int
read_tty(struct ui *ui, const char *prompt, struct buf *raw)
{
	char *line;
	int rc = 0;

	fflush(ui->out);
	line = readline(prompt);
	if (line == NULL)
		return UI_BACK;
	if (buf_adds(raw, line) != 0)
		rc = JK_ENOMEM;
	else if (line[strspn(line, " \t")] != '\0') {
		add_history(line);
		if (ui->hist_path != NULL)
			append_history(1, ui->hist_path);
	}
	free(line);
	return rc;
}

static int
read_plain(struct ui *ui, const char *prompt, struct buf *raw)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	fputs(prompt, ui->out);
	fflush(ui->out);
	errno = 0;
	n = getline(&line, &cap, ui->in);
	if (n < 0) {
		free(line);
		if (ferror(ui->in))
			return errno == ENOMEM ? JK_ENOMEM : JK_EIO;
		return UI_BACK;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (buf_add(raw, line, (size_t)n) != 0)
		rc = JK_ENOMEM;
	else
		fputs(buf_str(raw), ui->out);	/* the echo a terminal would show */
	free(line);
	return rc;
}

int
line_read(struct ui *ui, const char *prompt, enum line_comp comp,
    const char *const *words, struct buf *raw)
{
	int rc;

	buf_reset(raw);
	if (ui->eof)
		return UI_BACK;
	if (ui->tty) {
		cur_comp = comp;
		cur_words = words;
		rc = read_tty(ui, prompt, raw);
		cur_comp = LINE_COMP_NONE;
		cur_words = NULL;
	} else
		rc = read_plain(ui, prompt, raw);
	if (rc == UI_BACK) {
		ui->eof = true;
		fputc('\n', ui->out);
	}
	return rc;
}

void
line_end(struct ui *ui, const char *prompt, const char *raw, const char *extra)
{
	const char *last = last_line(prompt);
	struct winsize ws;
	int rows, cols;

	if (!ui->tty) {
		if (extra != NULL)
			fputs(extra, ui->out);
		fputc('\n', ui->out);
		return;
	}
	if (extra == NULL || extra[0] == '\0')
		return;
	/*
	 * readline has moved to the next line: go back up and redraw the
	 * answer's line with the echo, when it all fits on one screen line;
	 * otherwise the echo goes on a line of its own.
	 */
	if (ioctl(fileno(ui->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
	else
		rl_get_screen_size(&rows, &cols);
	if (cols > 0 && width(last) + width(raw) + width(extra) < (size_t)cols)
		fprintf(ui->out, "\033[A\r%s%s%s\033[K\n", last, raw, extra);
	else
		fprintf(ui->out, "%s\n", extra + strspn(extra, " "));
	fflush(ui->out);
}

const char *
line_trim(const char *s, size_t *len)
{
	size_t n;

	s += strspn(s, " \t");
	for (n = strlen(s); n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'); n--)
		;
	*len = n;
	return s;
}

int
ui_read(struct ui *ui, const char *prompt, struct buf *line)
{
	struct buf raw = BUF_INIT;
	const char *s;
	size_t n;
	int rc;

	if ((rc = line_read(ui, prompt, LINE_COMP_NONE, NULL, &raw)) != 0)
		goto out;
	line_end(ui, prompt, buf_str(&raw), NULL);
	s = line_trim(buf_str(&raw), &n);
	buf_reset(line);
	if (buf_add(line, s, n) != 0)
		rc = JK_ENOMEM;
out:
	buf_release(&raw);
	return rc;
}
