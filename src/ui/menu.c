/*
 * menu.c - showing a menu and the loop that runs its actions (menu.h).
 *
 * Each showing evaluates the items' conditions once; the choice read after
 * it is judged against what was shown.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "ui/menu.h"
#include "ui/ui.h"

#define NOT_AVAILABLE "-not available-"
/* The rule of a "choice" menu, as wide as the original's. */
#define RULE "--------------------------------------------------------------"

enum shown {
	SHOWN,		/* the label, can be chosen */
	UNAVAILABLE,	/* "-not available-" */
	HIDDEN,		/* left out */
};

static enum shown
item_shown(const struct menu_item *it, void *ctx)
{
	if (it->never)
		return UNAVAILABLE;
	if (it->when != NULL && !it->when->test(ctx))
		return it->hide ? HIDDEN : UNAVAILABLE;
	return SHOWN;
}

/* The width of the key column: the widest key shown. */
static int
key_width(const struct menu *m, const enum shown *st)
{
	size_t i, w = m->style == MENU_CHOICE ? 1 : 0;

	for (i = 0; i < m->nitems; i++)
		if (st[i] != HIDDEN && strlen(m->items[i].key) > w)
			w = strlen(m->items[i].key);
	return (int)w;
}

/* Text with ${} filled, and a newline unless it ends with one. */
static int
add_text(struct buf *out, const char *tmpl, const struct menu_binds *b, void *ctx)
{
	if (ui_expand(tmpl, b->var, ctx, out) != 0)
		return JK_ENOMEM;
	if (out->len > 0 && out->data[out->len - 1] == '\n')
		return 0;
	return buf_addc(out, '\n') != 0 ? JK_ENOMEM : 0;
}

/* "key) label" lines of the items not hidden. */
static int
add_item(struct buf *out, const struct menu_item *it, enum shown st, int w,
    const struct menu_binds *b, void *ctx)
{
	if (buf_addf(out, "%*s) ", w, it->key) != 0)
		return JK_ENOMEM;
	if (st == UNAVAILABLE)
		return buf_adds(out, NOT_AVAILABLE "\n") != 0 ? JK_ENOMEM : 0;
	return add_text(out, it->label, b, ctx);
}

static int
render(const struct menu *m, const enum shown *st, const struct menu_binds *b, void *ctx,
    struct buf *screen, struct buf *prompt)
{
	int w = key_width(m, st), maxnum = 0, rc = 0;
	size_t i;

	buf_reset(screen);
	buf_reset(prompt);
	if (m->title != NULL && (rc = add_text(screen, m->title, b, ctx)) != 0)
		return rc;
	if (m->style == MENU_CHOICE && buf_adds(screen, RULE "\n") != 0)
		return JK_ENOMEM;
	for (i = 0; i < m->nitems; i++) {
		if (st[i] == HIDDEN)
			continue;
		if ((rc = add_item(screen, &m->items[i], st[i], w, b, ctx)) != 0)
			return rc;
		if (m->items[i].key[0] <= '9' && atoi(m->items[i].key) > maxnum)
			maxnum = atoi(m->items[i].key);
	}
	if (m->style == MENU_OPTION)
		rc = buf_addc(screen, '\n') || buf_adds(prompt, "Option? ");
	else {
		rc = buf_addf(screen, RULE "\n%*s) Display Help\n%*s) Exit this utility\n"
		    RULE "\n\n", w, "H", w, "E");
		if (rc == 0 && maxnum > 0)
			rc = buf_addf(prompt, "Enter choice (1-%d) or [E]xit/[H]elp? ", maxnum);
		else if (rc == 0)
			rc = buf_adds(prompt, "Enter choice or [E]xit/[H]elp? ");
	}
	return rc != 0 ? JK_ENOMEM : 0;
}

static enum shown *
evaluate(const struct menu *m, void *ctx)
{
	enum shown *st = calloc(m->nitems, sizeof *st);
	size_t i;

	for (i = 0; st != NULL && i < m->nitems; i++)
		st[i] = item_shown(&m->items[i], ctx);
	return st;
}

int
menu_render(const struct menu *m, const struct menu_binds *b, void *ctx,
    struct buf *screen, struct buf *prompt)
{
	enum shown *st = evaluate(m, ctx);
	int rc;

	if (st == NULL)
		return JK_ENOMEM;
	rc = render(m, st, b, ctx, screen, prompt);
	free(st);
	return rc;
}

/* H: the menu's help, then each item shown with its help indented under it. */
static int
help(struct ui *ui, const struct menu *m, const enum shown *st, const struct menu_binds *b,
    void *ctx)
{
	struct buf out = BUF_INIT, h = BUF_INIT;
	int w = key_width(m, st), rc = 0;
	const char *s, *e;
	size_t i;

	if (m->help != NULL)
		rc = add_text(&out, m->help, b, ctx);
	for (i = 0; rc == 0 && i < m->nitems; i++) {
		if (st[i] == HIDDEN)
			continue;
		if ((rc = add_item(&out, &m->items[i], st[i], w, b, ctx)) != 0 ||
		    m->items[i].help == NULL)
			continue;
		buf_reset(&h);
		if ((rc = add_text(&h, m->items[i].help, b, ctx)) != 0)
			break;
		for (s = buf_str(&h); rc == 0 && *s != '\0'; s = e + 1) {
			e = strchr(s, '\n');
			if (e == s)
				rc = buf_addc(&out, '\n');
			else
				rc = buf_addf(&out, "%*s%.*s\n", w + 2, "", (int)(e - s), s);
		}
	}
	if (rc == 0)
		fputs(buf_str(&out), ui->out);
	buf_release(&out);
	buf_release(&h);
	return rc != 0 ? JK_ENOMEM : 0;
}

int
menu_run(struct ui *ui, const struct menu *m, const struct menu_binds *b, void *ctx)
{
	struct buf screen = BUF_INIT, prompt = BUF_INIT, line = BUF_INIT;
	enum shown *st = NULL;
	bool redraw = true, first = true;
	const char *s;
	size_t i;
	int rc;

	for (;;) {
		if (redraw) {
			free(st);
			if ((st = evaluate(m, ctx)) == NULL) {
				rc = JK_ENOMEM;
				break;
			}
			if ((rc = render(m, st, b, ctx, &screen, &prompt)) != 0)
				break;
			if (!first)
				fputc('\n', ui->out);
			fputs(buf_str(&screen), ui->out);
			redraw = first = false;
		}
		if ((rc = ui_read(ui, buf_str(&prompt), &line)) != 0) {
			if (rc == UI_BACK)
				rc = 0;
			break;
		}
		s = buf_str(&line);
		if (s[0] == '\0' || strcasecmp(s, "E") == 0 || strcmp(s, "^") == 0)
			break;
		if (strcasecmp(s, "H") == 0 || strcmp(s, "?") == 0) {
			if ((rc = help(ui, m, st, b, ctx)) != 0)
				break;
			redraw = true;
			continue;
		}
		for (i = 0; i < m->nitems; i++)
			if (st[i] != HIDDEN && strcasecmp(m->items[i].key, s) == 0)
				break;
		if (i == m->nitems) {
			ui_puts(ui, "enter one of the options shown, E to exit or H for help");
			continue;
		}
		if (st[i] == UNAVAILABLE) {
			ui_printf(ui, "option %s is not available\n", m->items[i].key);
			continue;
		}
		rc = m->items[i].action->run(ui, ctx);
		if (rc < 0)
			break;
		if (rc == MENU_LEAVE) {
			rc = 0;
			break;
		}
		redraw = true;
	}
	free(st);
	buf_release(&screen);
	buf_release(&prompt);
	buf_release(&line);
	return rc;
}

int
menu_say(struct ui *ui, const struct menu_file *mf, const char *id,
    const char *(*var)(void *ctx, const char *name), void *ctx)
{
	const char *t = menu_text(mf, id);
	struct buf out = BUF_INIT;
	int rc = 0;

	if (t == NULL)
		return JK_ENOTFOUND;
	if (ui_expand(t, var, ctx, &out) != 0)
		rc = JK_ENOMEM;
	else
		ui_printf(ui, "%s%s", buf_str(&out), out.len > 0 && out.data[out.len - 1] == '\n' ? "" : "\n");
	buf_release(&out);
	return rc;
}
