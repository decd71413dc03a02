/*
 * line.h - reading one answer line, readline or plain; private to src/ui.
 *
 * Every line_read that returns 0 is followed by one line_end, which closes
 * the answer's screen line, adding extra (an echo) after what was typed:
 * in plain mode by writing it and the newline, on a terminal (where readline
 * has already moved to the next line) by redrawing the line.
 */
#ifndef JK_UI_LINE_H
#define JK_UI_LINE_H

#include "buf.h"
#include "ui/ui.h"

enum line_comp {
	LINE_COMP_NONE,		/* Tab completes nothing */
	LINE_COMP_FILES,	/* file names */
	LINE_COMP_WORDS,	/* the caller's words */
};

/*
 * Show prompt and read a line into raw (replaced; no newline, untrimmed).
 * 0, UI_BACK at end of input (the prompt's line ended, ui->eof set; at once
 * without a prompt when ui->eof was already set), JK_EIO or JK_ENOMEM.
 */
int line_read(struct ui *ui, const char *prompt, enum line_comp comp,
    const char *const *words, struct buf *raw);
/* Close the line of the last line_read; extra may be NULL. */
void line_end(struct ui *ui, const char *prompt, const char *raw, const char *extra);

/* s without blanks at either end: the start, and the length into *len. */
const char *line_trim(const char *s, size_t *len);

#endif
