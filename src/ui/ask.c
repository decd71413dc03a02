/*
 * ask.c - asking one question by the rules of spec/dialogues.md section 0
 * (see ui.h): the prompt with its default, help, backing out, and checking
 * the answer by kind until it is good.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "ui/line.h"
#include "ui/ui.h"

/* Longest global name (and so pattern), as in gref. */
#define GLOBAL_MAX 31

void
ui_answer_init(struct ui_answer *a)
{
	memset(a, 0, sizeof *a);
	buf_init(&a->text);
}

void
ui_answer_release(struct ui_answer *a)
{
	buf_release(&a->text);
	ui_answer_init(a);
}

/* --- templates --------------------------------------------------------------- */

static bool
name_char(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (!first && c >= '0' && c <= '9');
}

/* Length of the "${name}" at s, or 0 when s does not start one well formed. */
static size_t
ref_len(const char *s)
{
	size_t i;

	if (s[0] != '$' || s[1] != '{' || !name_char(s[2], true))
		return 0;
	for (i = 3; name_char(s[i], false); i++)
		;
	return s[i] == '}' ? i + 1 : 0;
}

bool
ui_template_ok(const char *tmpl, size_t *bad)
{
	const char *s;

	for (s = tmpl; (s = strstr(s, "${")) != NULL; s += ref_len(s)) {
		if (ref_len(s) == 0) {
			*bad = (size_t)(s - tmpl);
			return false;
		}
	}
	return true;
}

int
ui_expand(const char *tmpl, const char *(*var)(void *ctx, const char *name), void *ctx,
    struct buf *out)
{
	const char *s = tmpl, *v;
	char name[64];
	size_t n;

	while (*s != '\0') {
		n = ref_len(s);
		v = NULL;
		if (n > 0 && n - 3 < sizeof name && var != NULL) {
			memcpy(name, s + 2, n - 3);
			name[n - 3] = '\0';
			v = var(ctx, name);
		}
		if (v != NULL) {
			if (buf_adds(out, v) != 0)
				return JK_ENOMEM;
			s += n;
		} else {
			n = n > 0 ? n : 1;
			if (buf_add(out, s, n) != 0)
				return JK_ENOMEM;
			s += n;
		}
	}
	return 0;
}

/* --- answers by kind --------------------------------------------------------- */

int
ui_canon_path(const char *path, bool dir, struct buf *out)
{
	struct buf b = BUF_INIT;
	const char *home = getenv("HOME"), *s, *e;
	char *cwd, *real;
	bool missing = false;
	struct stat st;
	size_t n, keep;
	int rc = 0;

	if (path[0] == '\0')
		return JK_EUSAGE;
	/* The absolute, unresolved path into b. */
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home != NULL &&
	    home[0] == '/') {
		rc = buf_adds(&b, home) || buf_adds(&b, path + 1);
	} else if (path[0] != '/') {
		if ((cwd = getcwd(NULL, 0)) == NULL) {
			rc = errno == ENOMEM ? JK_ENOMEM : JK_EIO;
			goto out;
		}
		rc = buf_adds(&b, cwd) || buf_addc(&b, '/') || buf_adds(&b, path);
		free(cwd);
	} else
		rc = buf_adds(&b, path);
	if (rc != 0) {
		rc = JK_ENOMEM;
		goto out;
	}

	/*
	 * Walk the components: while they exist, resolve each with realpath
	 * (so ".." after a link goes where the system goes); from the first
	 * missing one on, join them as written.
	 */
	buf_reset(out);
	for (s = buf_str(&b); *s != '\0'; s = e) {
		s += strspn(s, "/");
		e = s + strcspn(s, "/");
		n = (size_t)(e - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			for (keep = out->len; keep > 0 && out->data[keep - 1] != '/'; keep--)
				;
			if (keep > 0) {
				out->len = keep - 1;
				out->data[out->len] = '\0';
			}
			missing = out->len > 0 && lstat(buf_str(out), &st) != 0;
			continue;
		}
		if (buf_addc(out, '/') != 0 || buf_add(out, s, n) != 0) {
			rc = JK_ENOMEM;
			goto out;
		}
		if (missing || (real = realpath(buf_str(out), NULL)) == NULL) {
			missing = true;
			continue;
		}
		buf_reset(out);
		rc = strcmp(real, "/") == 0 ? 0 : buf_adds(out, real);
		free(real);
		if (rc != 0) {
			rc = JK_ENOMEM;
			goto out;
		}
	}
	if ((out->len == 0 || dir) && buf_addc(out, '/') != 0)
		rc = JK_ENOMEM;
out:
	buf_release(&b);
	return rc;
}

bool
ui_global_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > GLOBAL_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

		if (alpha || c == '*' || c == '?')
			continue;
		if (i == 0 ? c != '%' : !((c >= '0' && c <= '9') || c == '.'))
			return false;
	}
	return true;
}

/* Y, YES, N, NO in any case: 1 yes, 0 no, -1 neither. */
static int
yesno(const char *s)
{
	if (strcasecmp(s, "y") == 0 || strcasecmp(s, "yes") == 0)
		return 1;
	if (strcasecmp(s, "n") == 0 || strcasecmp(s, "no") == 0)
		return 0;
	return -1;
}

bool
ui_number(const char *s, long long *v)
{
	const char *digits = s + (s[0] == '-' || s[0] == '+');
	char *end;

	if (digits[0] == '\0' || strspn(digits, "0123456789") != strlen(digits))
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* What a question wants, as said after a bad answer (and as the help of last resort). */
static int
wanted(const struct ui_prompt *p, struct buf *w)
{
	size_t i;
	int rc = 0;

	switch (p->kind) {
	case UI_YESNO:
		return buf_adds(w, "enter Yes or No");
	case UI_NUMBER:
		if (p->has_min && p->has_max)
			return buf_addf(w, "enter a number from %lld to %lld", p->min, p->max);
		if (p->has_min)
			return buf_addf(w, "enter a number of at least %lld", p->min);
		if (p->has_max)
			return buf_addf(w, "enter a number no greater than %lld", p->max);
		return buf_adds(w, "enter a number");
	case UI_CHOICE:
		rc = buf_adds(w, "enter one of ");
		for (i = 0; rc == 0 && i < p->nvalues; i++)
			rc = buf_addf(w, "%s%s", i > 0 ? ", " : "", p->values[i]);
		return rc;
	case UI_PATH:
		return buf_adds(w, p->dir ? "enter a directory name" : "enter a file name");
	case UI_GLOBAL:
		return buf_adds(w, "enter a global name or pattern (* any characters, "
		    "? one), such as Acct or Acct*");
	case UI_TEXT:
		break;
	}
	return buf_adds(w, "enter some text");
}

/*
 * Check the trimmed answer s by p's kind into a; the echo to add after it
 * into echo.  0 good, 1 bad (the caller says what is wanted), JK_ENOMEM.
 */
static int
judge(const struct ui_prompt *p, const char *s, struct ui_answer *a, struct buf *echo)
{
	struct buf *t = &a->text;
	size_t i;
	int r;

	buf_reset(t);
	switch (p->kind) {
	case UI_YESNO:
		if ((r = yesno(s)) < 0)
			return 1;
		a->yes = r == 1;
		return buf_adds(t, a->yes ? "Yes" : "No");
	case UI_NUMBER:
		if (!ui_number(s, &a->num) || (p->has_min && a->num < p->min) ||
		    (p->has_max && a->num > p->max))
			return 1;
		return buf_addf(t, "%lld", a->num);
	case UI_CHOICE:
		for (i = 0; i < p->nvalues; i++)
			if (strcasecmp(s, p->values[i]) == 0) {
				a->choice = i;
				return buf_adds(t, p->values[i]);
			}
		return 1;
	case UI_PATH:
		r = ui_canon_path(s, p->dir, t);
		if (r == JK_EUSAGE || r == JK_EIO)
			return 1;
		if (r == 0 && p->echo != UI_ECHO_NONE)
			r = buf_addf(echo, "%s%s", p->echo == UI_ECHO_ARROW ? "--> " : "  ",
			    buf_str(t));
		return r;
	case UI_GLOBAL:
		s += s[0] == '^';
		if (!ui_global_ok(s))
			return 1;
		return buf_adds(t, s);
	case UI_TEXT:
		break;
	}
	return buf_adds(t, s);
}

/* --- asking --------------------------------------------------------------- */

struct expand_ctx {
	const struct ui_ask_opts *opts;
	const char *def;	/* the default as shown */
};

static const char *
expand_var(void *vctx, const char *name)
{
	struct expand_ctx *x = vctx;

	if (strcmp(name, "default") == 0)
		return x->def;
	if (x->opts == NULL || x->opts->var == NULL)
		return NULL;
	return x->opts->var(x->opts->ctx, name);
}

/* Print the help (text, else the caller's list, else what is wanted). */
static int
help(struct ui *ui, const struct ui_prompt *p, const struct ui_ask_opts *o, const char *arg,
    struct expand_ctx *x)
{
	struct buf h = BUF_INIT;
	int rc;

	if (o != NULL && o->list != NULL)
		return o->list(ui, arg, o->ctx);
	if (p->help != NULL && p->help[0] != '\0')
		rc = ui_expand(p->help, expand_var, x, &h);
	else
		rc = wanted(p, &h);
	if (rc == 0) {
		fputs(buf_str(&h), ui->out);
		if (h.len > 0 && h.data[h.len - 1] != '\n')
			fputc('\n', ui->out);
	} else
		rc = JK_ENOMEM;
	buf_release(&h);
	return rc;
}

/* Whether the answer asks for help: "?" anywhere; "?..." too except at a global prompt. */
static bool
asks_help(const struct ui_prompt *p, const char *s)
{
	if (s[0] != '?')
		return false;
	return p->kind != UI_GLOBAL || s[1] == '\0' || strcasecmp(s, "?L") == 0;
}

int
ui_ask(struct ui *ui, const struct ui_prompt *p, const struct ui_ask_opts *o,
    struct ui_answer *a)
{
	struct buf def = BUF_INIT, prompt = BUF_INIT, raw = BUF_INIT, ans = BUF_INIT;
	struct buf echo = BUF_INIT, msg = BUF_INIT;
	struct expand_ctx x = { o, NULL };
	const char *d = o != NULL && o->def != NULL ? o->def : p->def, *s;
	enum line_comp comp = LINE_COMP_NONE;
	bool has_def;
	size_t n;
	int rc, yn;

	a->empty = false;
	a->yes = false;
	a->num = 0;
	a->choice = 0;
	buf_reset(&a->text);

	/* The default as shown. */
	if (d != NULL && d == p->def)
		rc = ui_expand(d, expand_var, &x, &def);
	else
		rc = d != NULL ? buf_adds(&def, d) : 0;
	if (rc != 0)
		goto nomem;
	has_def = d != NULL && def.len > 0;
	if (has_def && p->kind == UI_YESNO && (yn = yesno(buf_str(&def))) >= 0) {
		buf_reset(&def);
		if (buf_adds(&def, yn ? "Yes" : "No") != 0)
			goto nomem;
	}
	x.def = buf_str(&def);

	/* The prompt: text, " DEFAULT =>" unless the text places it, a space. */
	if (ui_expand(p->text, expand_var, &x, &prompt) != 0)
		goto nomem;
	if (has_def && strstr(p->text, "${default}") == NULL &&
	    buf_addf(&prompt, " %s =>", buf_str(&def)) != 0)
		goto nomem;
	if (prompt.len == 0 || (prompt.data[prompt.len - 1] != ' ' &&
	    prompt.data[prompt.len - 1] != '^'))
		if (buf_addc(&prompt, ' ') != 0)
			goto nomem;

	if (p->kind == UI_PATH || (o != NULL && o->files))
		comp = LINE_COMP_FILES;
	else if (p->kind == UI_GLOBAL && o != NULL && o->words != NULL)
		comp = LINE_COMP_WORDS;

	for (;;) {
		rc = line_read(ui, buf_str(&prompt), comp, o != NULL ? o->words : NULL, &raw);
		if (rc != 0)
			goto out;
		s = line_trim(buf_str(&raw), &n);
		buf_reset(&ans);
		if (buf_add(&ans, s, n) != 0)
			goto nomem;
		s = buf_str(&ans);

		if (strcmp(s, "^") == 0) {
			line_end(ui, buf_str(&prompt), buf_str(&raw), NULL);
			rc = UI_BACK;
			goto out;
		}
		if (asks_help(p, s)) {
			line_end(ui, buf_str(&prompt), buf_str(&raw), NULL);
			if ((rc = help(ui, p, o, s + 1, &x)) != 0)
				goto out;
			continue;
		}
		if (s[0] == '\0' && !has_def && p->kind != UI_YESNO) {
			line_end(ui, buf_str(&prompt), buf_str(&raw), NULL);
			a->empty = true;
			rc = 0;
			goto out;
		}
		buf_reset(&echo);
		buf_reset(&msg);
		if (s[0] == '\0' && has_def) {
			/* Enter: the default, as if typed, without the echo. */
			rc = judge(p, buf_str(&def), a, &echo);
			buf_reset(&echo);
			if (rc == 0 && p->kind == UI_YESNO)
				rc = buf_adds(&echo, buf_str(&a->text));
			if (rc == 0 && o != NULL && o->check != NULL) {
				struct buf ignored = BUF_INIT;

				rc = o->check(o->ctx, buf_str(&a->text), &ignored, &msg);
				buf_release(&ignored);
			}
		} else {
			rc = judge(p, s, a, &echo);
			if (rc == 0 && o != NULL && o->check != NULL) {
				struct buf mine = BUF_INIT;

				/* the check's echo, if it gives one, replaces the kind's */
				rc = o->check(o->ctx, buf_str(&a->text), &mine, &msg);
				if (rc == 0 && mine.len > 0) {
					buf_reset(&echo);
					rc = buf_adds(&echo, buf_str(&mine)) != 0 ? JK_ENOMEM : 0;
				}
				buf_release(&mine);
			}
		}
		if (rc < 0) {
			if (rc != JK_ENOMEM) {
				line_end(ui, buf_str(&prompt), buf_str(&raw), NULL);
				goto out;
			}
			goto nomem;
		}
		if (rc == 1 && msg.len > 0) {
			line_end(ui, buf_str(&prompt), buf_str(&raw), NULL);
			ui_puts(ui, buf_str(&msg));
			continue;
		}
		line_end(ui, buf_str(&prompt), buf_str(&raw), rc == 0 ? buf_str(&echo) : NULL);
		if (rc == 0)
			goto out;
		buf_reset(&msg);
		if (wanted(p, &msg) != 0 || buf_adds(&msg, ", please") != 0)
			goto nomem;
		ui_puts(ui, buf_str(&msg));
	}
nomem:
	rc = JK_ENOMEM;
out:
	if (rc != 0)
		buf_reset(&a->text);
	buf_release(&def);
	buf_release(&prompt);
	buf_release(&raw);
	buf_release(&ans);
	buf_release(&echo);
	buf_release(&msg);
	return rc;
}
