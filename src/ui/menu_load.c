/*
 * menu_load.c - reading a menu file and checking it against the schema of
 * menu.h.
 *
 * libyaml composes the document (so anchors and aliases work); the walk
 * below checks every mapping against a table of the keys it may hold, with
 * the position of every node at hand for the message.  Duplicate keys are
 * caught here: libyaml's composer keeps both.  Every string the loaded file
 * holds is in one pool, freed with it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "err.h"
#include "yml.h"
#include "ui/menu.h"
#include "ui/ui.h"

/* Longest piece of a bad value quoted back in a message. */
#define SHOW 64

struct menu_file {
	struct menu *menus;
	size_t nmenus;
	struct ui_prompt *prompts;
	size_t nprompts;
	struct menu_text *texts;
	size_t ntexts;
	void **pool;		/* every allocation the above point into */
	size_t npool;
	size_t cappool;
};

struct ld {
	const char *name;	/* the file, for messages */
	const char *text;
	size_t len;
	const struct menu_binds *b;
	yaml_document_t doc;
	struct menu_file *mf;
	struct jk_err *err;
};

/* One key a mapping may hold, and what was found for it. */
struct field {
	const char *name;
	yaml_node_t *key;	/* NULL when absent */
	yaml_node_t *val;
};

/* --- messages ---------------------------------------------------------------- */

static int
at(struct ld *ld, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* JK_EFORMAT, "name:LINE:COL: message", counted from 1 (libyaml counts from 0). */
static int
at(struct ld *ld, yaml_mark_t m, const char *fmt, ...)
{
	char what[JK_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return jk_errf(ld->err, JK_EFORMAT, "%s:%zu:%zu: %s", ld->name, m.line + 1,
	    m.column + 1, what);
}

static int
nomem(struct ld *ld)
{
	return jk_errf(ld->err, JK_ENOMEM, "%s: out of memory", ld->name);
}

static const char *
sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A node as a message names it: its value when a scalar, else its kind. */
static const char *
noun(const yaml_node_t *n, char *buf, size_t size)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SCALAR_NODE:
		snprintf(buf, size, "'%.*s'", SHOW, sval(n));
		return buf;
	default:
		return "nothing";
	}
}

static yaml_node_t *
node(struct ld *ld, int i)
{
	return yaml_document_get_node(&ld->doc, i);
}

/* --- the pool ---------------------------------------------------------------- */

/* Keep p (freed with the file); NULL when p is NULL or cannot be kept (p freed). */
static void *
pool_keep(struct ld *ld, void *p)
{
	struct menu_file *mf = ld->mf;
	void **np;

	if (p == NULL)
		return NULL;
	if (mf->npool == mf->cappool) {
		np = realloc(mf->pool, (mf->cappool * 2 + 16) * sizeof *np);
		if (np == NULL) {
			free(p);
			return NULL;
		}
		mf->pool = np;
		mf->cappool = mf->cappool * 2 + 16;
	}
	mf->pool[mf->npool++] = p;
	return p;
}

static void *
pool_calloc(struct ld *ld, size_t n, size_t size)
{
	return pool_keep(ld, calloc(n == 0 ? 1 : n, size));
}

/* --- values ------------------------------------------------------------------ */

/*
 * Check map (what names it: "an item") against fields f[0..nf): every key
 * must be one of them, once.  Fills f[i].key and f[i].val.
 */
static int
take_fields(struct ld *ld, yaml_node_t *map, const char *what, struct field *f, size_t nf)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	char names[256], nb[SHOW + 3];
	size_t i, used = 0;

	for (i = 0; i < nf; i++)
		f[i].key = f[i].val = NULL;
	if (map->type != YAML_MAPPING_NODE)
		return at(ld, map->start_mark, "%s must be a mapping, not %s", what,
		    noun(map, nb, sizeof nb));
	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		k = node(ld, pr->key);
		if (k->type != YAML_SCALAR_NODE)
			return at(ld, k->start_mark, "expected a key name, found %s",
			    noun(k, nb, sizeof nb));
		for (i = 0; i < nf && strcmp(f[i].name, sval(k)) != 0; i++)
			;
		if (i == nf) {
			names[0] = '\0';
			for (i = 0; i < nf; i++)
				used += (size_t)snprintf(names + used, used < sizeof names ?
				    sizeof names - used : 0, "%s%s", i > 0 ? ", " : "",
				    f[i].name);
			return at(ld, k->start_mark, "unknown key '%.*s' (%s has %s)", SHOW,
			    sval(k), what, names);
		}
		if (f[i].key != NULL)
			return at(ld, k->start_mark, "duplicate key '%s' (first at line %zu)",
			    f[i].name, f[i].key->start_mark.line + 1);
		f[i].key = k;
		f[i].val = node(ld, pr->value);
	}
	return 0;
}

static struct field *
field(struct field *f, size_t nf, const char *name)
{
	size_t i;

	for (i = 0; i < nf; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	abort();	/* a name not in the table: a bug here */
}

/* The map's required fields: the first missing one is the error. */
static int
require(struct ld *ld, yaml_node_t *map, struct field *f, size_t nf, const char *const *names)
{
	for (; *names != NULL; names++)
		if (field(f, nf, *names)->key == NULL)
			return at(ld, map->start_mark, "missing key '%s'", *names);
	return 0;
}

/* A scalar value: the node, or the message. */
static int
scalar(struct ld *ld, const struct field *f, const char *kind)
{
	char nb[SHOW + 3];

	if (f->val->type != YAML_SCALAR_NODE)
		return at(ld, f->val->start_mark, "%s must be %s, not %s", f->name, kind,
		    noun(f->val, nb, sizeof nb));
	if (strlen(sval(f->val)) != f->val->data.scalar.length)
		return at(ld, f->val->start_mark, "%s contains a NUL character", f->name);
	return 0;
}

/*
 * Text, copied into the pool; tmpl: ${} allowed and checked.  A trailing
 * newline (of a YAML block scalar) is dropped from a label or a title, which
 * are lines; help keeps it.
 */
static int
get_text(struct ld *ld, const struct field *f, bool tmpl, const char **out)
{
	size_t bad, n;
	char *s;
	int rc;

	if ((rc = scalar(ld, f, "text")) != 0)
		return rc;
	if (tmpl && !ui_template_ok(sval(f->val), &bad)) {
		s = (char *)sval(f->val) + bad;
		n = strcspn(s, "}");
		n += s[n] == '}';
		return at(ld, f->val->start_mark, "%s: '%.*s' is not a ${name}", f->name,
		    (int)(n > SHOW ? SHOW : n), s);
	}
	if ((s = pool_keep(ld, strdup(sval(f->val)))) == NULL)
		return nomem(ld);
	n = strlen(s);
	if (strcmp(f->name, "help") != 0)
		while (n > 0 && s[n - 1] == '\n')
			s[--n] = '\0';
	*out = s;
	return 0;
}

/* 1 true, 0 false, -1 not a flag. */
static int
flag_word(const char *s)
{
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
		return 1;
	if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)
		return 0;
	return -1;
}

static int
get_flag(struct ld *ld, const struct field *f, bool *out)
{
	int rc, v;

	if ((rc = scalar(ld, f, "true or false")) != 0)
		return rc;
	v = flag_word(sval(f->val));
	if (v < 0 || f->val->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return at(ld, f->val->start_mark, "%s must be true or false, not '%.*s'",
		    f->name, SHOW, sval(f->val));
	*out = v == 1;
	return 0;
}

static int
get_int(struct ld *ld, const struct field *f, long long *out)
{
	int rc;

	if ((rc = scalar(ld, f, "a whole number")) != 0)
		return rc;
	if (f->val->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    !ui_number(sval(f->val), out))
		return at(ld, f->val->start_mark, "%s must be a whole number, not '%.*s'",
		    f->name, SHOW, sval(f->val));
	return 0;
}

/* One of words (NULL-terminated, listed in the message as "a, b or c"): its index. */
static int
get_word(struct ld *ld, const struct field *f, const char *const *words, int *out)
{
	char list[256];
	size_t used = 0;
	int i, n, rc;

	if ((rc = scalar(ld, f, "a word")) != 0)
		return rc;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], sval(f->val)) == 0) {
			*out = i;
			return 0;
		}
	n = i;
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0,
		    "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", words[i]);
	return at(ld, f->val->start_mark, "%s must be %s, not '%.*s'", f->name, list, SHOW,
	    sval(f->val));
}

static int
get_list(struct ld *ld, const struct field *f, yaml_node_item_t **items, size_t *n)
{
	char nb[SHOW + 3];

	if (f->val->type != YAML_SEQUENCE_NODE)
		return at(ld, f->val->start_mark, "%s must be a list, not %s", f->name,
		    noun(f->val, nb, sizeof nb));
	*items = f->val->data.sequence.items.start;
	*n = (size_t)(f->val->data.sequence.items.top - f->val->data.sequence.items.start);
	return 0;
}

/* --- menus ------------------------------------------------------------------- */

/* An option key: "1".."99" or a letter other than E and H, stored upper case. */
static int
get_key(struct ld *ld, const struct field *f, char key[3])
{
	const char *s;
	int rc;

	if ((rc = scalar(ld, f, "a number or a letter")) != 0)
		return rc;
	s = sval(f->val);
	if (s[0] >= '1' && s[0] <= '9' && (s[1] == '\0' ||
	    (s[1] >= '0' && s[1] <= '9' && s[2] == '\0'))) {
		strcpy(key, s);
		return 0;
	}
	if (((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) && s[1] == '\0' &&
	    strchr("EeHh", s[0]) == NULL) {
		key[0] = (char)(s[0] & ~0x20);
		key[1] = '\0';
		return 0;
	}
	return at(ld, f->val->start_mark, "key must be a number from 1 to 99 or a letter "
	    "other than E and H, not '%.*s'", SHOW, s);
}

static int
load_item(struct ld *ld, yaml_node_t *map, struct menu_item *it, yaml_mark_t *keymark)
{
	static const char *const need[] = { "key", NULL };
	static const char *const need_live[] = { "label", "action", NULL };
	struct field f[] = {
		{ "key", NULL, NULL }, { "label", NULL, NULL }, { "action", NULL, NULL },
		{ "when", NULL, NULL }, { "hide", NULL, NULL }, { "available", NULL, NULL },
		{ "help", NULL, NULL },
	};
	const size_t nf = sizeof f / sizeof f[0];
	const struct menu_action *a;
	const struct menu_cond *c;
	struct field *x;
	bool avail = true;
	int rc;

	if ((rc = take_fields(ld, map, "an item", f, nf)) != 0 ||
	    (rc = require(ld, map, f, nf, need)) != 0)
		return rc;
	if ((x = field(f, nf, "available"))->key != NULL && (rc = get_flag(ld, x, &avail)) != 0)
		return rc;
	it->never = !avail;
	if (avail && (rc = require(ld, map, f, nf, need_live)) != 0)
		return rc;
	if ((rc = get_key(ld, &f[0], it->key)) != 0)
		return rc;
	*keymark = f[0].val->start_mark;
	if ((x = field(f, nf, "label"))->key != NULL && (rc = get_text(ld, x, true, &it->label)) != 0)
		return rc;
	if ((x = field(f, nf, "help"))->key != NULL && (rc = get_text(ld, x, true, &it->help)) != 0)
		return rc;
	if ((x = field(f, nf, "action"))->key != NULL) {
		if ((rc = scalar(ld, x, "a name")) != 0)
			return rc;
		for (a = ld->b->actions; a != NULL && a->name != NULL; a++)
			if (strcmp(a->name, sval(x->val)) == 0)
				break;
		if (a == NULL || a->name == NULL)
			return at(ld, x->val->start_mark, "action '%.*s' is not registered", SHOW,
			    sval(x->val));
		it->action = a;
	}
	if ((x = field(f, nf, "when"))->key != NULL) {
		if ((rc = scalar(ld, x, "a name")) != 0)
			return rc;
		for (c = ld->b->conds; c != NULL && c->name != NULL; c++)
			if (strcmp(c->name, sval(x->val)) == 0)
				break;
		if (c == NULL || c->name == NULL)
			return at(ld, x->val->start_mark, "condition '%.*s' is not registered",
			    SHOW, sval(x->val));
		it->when = c;
	}
	if ((x = field(f, nf, "hide"))->key != NULL) {
		if ((rc = get_flag(ld, x, &it->hide)) != 0)
			return rc;
		if (it->when == NULL)
			return at(ld, x->key->start_mark, "hide applies only with when");
	}
	return 0;
}

/* The ids seen so far, for duplicates across menus and prompts. */
struct ids {
	const char **id;
	yaml_mark_t *mark;
	size_t n;
};

/* Take the id field as text and check it is new. */
static int
get_id(struct ld *ld, const struct field *f, struct ids *ids, const char **out)
{
	size_t i;
	int rc;

	if ((rc = get_text(ld, f, false, out)) != 0)
		return rc;
	if ((*out)[0] == '\0')
		return at(ld, f->val->start_mark, "id must not be empty");
	for (i = 0; i < ids->n; i++)
		if (strcmp(ids->id[i], *out) == 0)
			return at(ld, f->val->start_mark, "duplicate id '%.*s' (first at line %zu)",
			    SHOW, *out, ids->mark[i].line + 1);
	ids->id[ids->n] = *out;
	ids->mark[ids->n++] = f->val->start_mark;
	return 0;
}

static int
load_menu(struct ld *ld, yaml_node_t *map, struct ids *ids, struct menu *m)
{
	static const char *const need[] = { "id", "items", NULL };
	static const char *const styles[] = { "option", "choice", NULL };
	struct field f[] = {
		{ "id", NULL, NULL }, { "title", NULL, NULL }, { "style", NULL, NULL },
		{ "help", NULL, NULL }, { "items", NULL, NULL },
	};
	const size_t nf = sizeof f / sizeof f[0];
	struct menu_item *items;
	yaml_node_item_t *seq;
	yaml_mark_t *marks;
	struct field *x;
	size_t i, j, n;
	int rc, style;

	if ((rc = take_fields(ld, map, "a menu", f, nf)) != 0 ||
	    (rc = require(ld, map, f, nf, need)) != 0 ||
	    (rc = get_id(ld, field(f, nf, "id"), ids, &m->id)) != 0)
		return rc;
	if ((x = field(f, nf, "title"))->key != NULL && (rc = get_text(ld, x, true, &m->title)) != 0)
		return rc;
	if ((x = field(f, nf, "help"))->key != NULL && (rc = get_text(ld, x, true, &m->help)) != 0)
		return rc;
	m->style = MENU_OPTION;
	if ((x = field(f, nf, "style"))->key != NULL) {
		if ((rc = get_word(ld, x, styles, &style)) != 0)
			return rc;
		m->style = style == 0 ? MENU_OPTION : MENU_CHOICE;
	}
	x = field(f, nf, "items");
	if ((rc = get_list(ld, x, &seq, &n)) != 0)
		return rc;
	if (n == 0)
		return at(ld, x->val->start_mark, "items must not be empty");
	items = pool_calloc(ld, n, sizeof *items);
	marks = calloc(n, sizeof *marks);
	if (items == NULL || marks == NULL) {
		free(marks);
		return nomem(ld);
	}
	for (i = 0; i < n; i++) {
		if ((rc = load_item(ld, node(ld, seq[i]), &items[i], &marks[i])) != 0)
			break;
		for (j = 0; j < i && strcmp(items[j].key, items[i].key) != 0; j++)
			;
		if (j < i) {
			rc = at(ld, marks[i], "duplicate option key '%s' (first at line %zu)",
			    items[i].key, marks[j].line + 1);
			break;
		}
	}
	free(marks);
	m->items = items;
	m->nitems = n;
	return rc;
}

/* --- prompts ------------------------------------------------------------------ */

/* Check a default that holds no ${}: by kind, normalised where there is a canonical form. */
static int
check_default(struct ld *ld, const struct field *f, struct ui_prompt *p)
{
	const char *d = p->def;
	long long v;
	size_t i;
	int yn;

	switch (p->kind) {
	case UI_YESNO:
		if ((yn = flag_word(d)) < 0) {
			if (strcasecmp(d, "y") == 0)
				yn = 1;
			else if (strcasecmp(d, "n") == 0)
				yn = 0;
			else
				return at(ld, f->val->start_mark,
				    "default must be yes or no, not '%.*s'", SHOW, d);
		}
		p->def = yn ? "yes" : "no";
		return 0;
	case UI_NUMBER:
		if (!ui_number(d, &v) || (p->has_min && v < p->min) ||
		    (p->has_max && v > p->max))
			return at(ld, f->val->start_mark,
			    "default must be a number in the range allowed, not '%.*s'", SHOW, d);
		return 0;
	case UI_CHOICE:
		for (i = 0; i < p->nvalues; i++)
			if (strcasecmp(d, p->values[i]) == 0)
				return 0;
		return at(ld, f->val->start_mark, "default must be one of the values, not '%.*s'",
		    SHOW, d);
	case UI_GLOBAL:
		if (!ui_global_ok(d + (d[0] == '^')))
			return at(ld, f->val->start_mark,
			    "default must be a global name pattern, not '%.*s'", SHOW, d);
		return 0;
	case UI_PATH:
	case UI_TEXT:
		break;
	}
	return 0;
}

static int
load_values(struct ld *ld, const struct field *f, struct ui_prompt *p)
{
	struct field v = { "values", NULL, NULL };
	yaml_node_item_t *seq;
	const char **vals;
	size_t i, j, n;
	int rc;

	if ((rc = get_list(ld, f, &seq, &n)) != 0)
		return rc;
	if (n == 0)
		return at(ld, f->val->start_mark, "values must not be empty");
	if ((vals = pool_calloc(ld, n, sizeof *vals)) == NULL)
		return nomem(ld);
	for (i = 0; i < n; i++) {
		v.val = node(ld, seq[i]);
		if ((rc = get_text(ld, &v, false, &vals[i])) != 0)
			return rc;
		if (vals[i][0] == '\0')
			return at(ld, v.val->start_mark, "values must not be empty");
		for (j = 0; j < i; j++)
			if (strcasecmp(vals[j], vals[i]) == 0)
				return at(ld, v.val->start_mark, "duplicate value '%.*s'", SHOW,
				    vals[i]);
	}
	p->values = vals;
	p->nvalues = n;
	return 0;
}

static int
load_prompt(struct ld *ld, yaml_node_t *map, struct ids *ids, struct ui_prompt *p)
{
	static const char *const need[] = { "id", "text", "kind", NULL };
	static const char *const kinds[] = { "yesno", "number", "choice", "path", "global",
	    "text", NULL };
	static const enum ui_kind kind_of[] = { UI_YESNO, UI_NUMBER, UI_CHOICE, UI_PATH,
	    UI_GLOBAL, UI_TEXT };
	static const char *const echoes[] = { "spaced", "arrow", "none", NULL };
	static const enum ui_echo echo_of[] = { UI_ECHO_SPACED, UI_ECHO_ARROW, UI_ECHO_NONE };
	/* The keys only some kinds take, and the kind each needs. */
	static const struct { const char *name; enum ui_kind kind; const char *noun; } only[] = {
		{ "min", UI_NUMBER, "number" }, { "max", UI_NUMBER, "number" },
		{ "values", UI_CHOICE, "choice" }, { "dir", UI_PATH, "path" },
		{ "echo", UI_PATH, "path" },
	};
	struct field f[] = {
		{ "id", NULL, NULL }, { "text", NULL, NULL }, { "kind", NULL, NULL },
		{ "default", NULL, NULL }, { "help", NULL, NULL }, { "min", NULL, NULL },
		{ "max", NULL, NULL }, { "values", NULL, NULL }, { "dir", NULL, NULL },
		{ "echo", NULL, NULL },
	};
	const size_t nf = sizeof f / sizeof f[0];
	struct field *x;
	size_t i;
	int rc, w;

	if ((rc = take_fields(ld, map, "a prompt", f, nf)) != 0 ||
	    (rc = require(ld, map, f, nf, need)) != 0 ||
	    (rc = get_id(ld, field(f, nf, "id"), ids, &p->id)) != 0 ||
	    (rc = get_text(ld, field(f, nf, "text"), true, &p->text)) != 0 ||
	    (rc = get_word(ld, field(f, nf, "kind"), kinds, &w)) != 0)
		return rc;
	p->kind = kind_of[w];
	for (i = 0; i < sizeof only / sizeof only[0]; i++) {
		x = field(f, nf, only[i].name);
		if (x->key != NULL && p->kind != only[i].kind)
			return at(ld, x->key->start_mark, "%s applies only to %s prompts",
			    only[i].name, only[i].noun);
	}
	if ((x = field(f, nf, "help"))->key != NULL && (rc = get_text(ld, x, true, &p->help)) != 0)
		return rc;
	if ((x = field(f, nf, "min"))->key != NULL) {
		if ((rc = get_int(ld, x, &p->min)) != 0)
			return rc;
		p->has_min = true;
	}
	if ((x = field(f, nf, "max"))->key != NULL) {
		if ((rc = get_int(ld, x, &p->max)) != 0)
			return rc;
		p->has_max = true;
		if (p->has_min && p->min > p->max)
			return at(ld, x->val->start_mark, "max %lld is less than min %lld",
			    p->max, p->min);
	}
	if (p->kind == UI_CHOICE) {
		if ((rc = require(ld, map, f, nf, (const char *const[]){ "values", NULL })) != 0 ||
		    (rc = load_values(ld, field(f, nf, "values"), p)) != 0)
			return rc;
	}
	p->dir = true;
	if ((x = field(f, nf, "dir"))->key != NULL && (rc = get_flag(ld, x, &p->dir)) != 0)
		return rc;
	p->echo = UI_ECHO_SPACED;
	if ((x = field(f, nf, "echo"))->key != NULL) {
		if ((rc = get_word(ld, x, echoes, &w)) != 0)
			return rc;
		p->echo = echo_of[w];
	}
	if ((x = field(f, nf, "default"))->key != NULL) {
		if ((rc = get_text(ld, x, true, &p->def)) != 0)
			return rc;
		if (strstr(p->def, "${") == NULL && (rc = check_default(ld, x, p)) != 0)
			return rc;
	}
	return 0;
}

/* --- the file ------------------------------------------------------------------ */


static int
parse_error(struct ld *ld, yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR)
		return nomem(ld);
	if (p->error == YAML_READER_ERROR)
		return at(ld, yml_offset_mark(ld->text, ld->len, p->problem_offset), "%s",
		    p->problem);
	if (p->context != NULL)
		return at(ld, p->problem_mark, "%s %s", p->problem, p->context);
	return at(ld, p->problem_mark, "%s", p->problem != NULL ? p->problem : "bad YAML");
}

/* A text: id and text, the words a screen prints that are not a question. */
static int
load_text(struct ld *ld, yaml_node_t *map, struct ids *ids, struct menu_text *t)
{
	static const char *const need[] = { "id", "text", NULL };
	struct field f[] = { { "id", NULL, NULL }, { "text", NULL, NULL } };
	int rc;

	if ((rc = take_fields(ld, map, "a text", f, 2)) != 0 ||
	    (rc = require(ld, map, f, 2, need)) != 0 ||
	    (rc = get_id(ld, &f[0], ids, &t->id)) != 0 || (rc = get_text(ld, &f[1], true, &t->text)) != 0)
		return rc;
	/* as written: a text may end with a blank line */
	if ((t->text = pool_keep(ld, strdup(sval(f[1].val)))) == NULL)
		return nomem(ld);
	return 0;
}

static int
load_root(struct ld *ld, yaml_node_t *root)
{
	struct field f[] = { { "menus", NULL, NULL }, { "prompts", NULL, NULL }, { "texts", NULL, NULL } };
	struct menu_file *mf = ld->mf;
	yaml_node_item_t *ms = NULL, *ps = NULL, *ts = NULL;
	size_t nm = 0, np = 0, nt = 0, i;
	struct ids ids = { NULL, NULL, 0 };
	int rc;

	if ((rc = take_fields(ld, root, "a menu file", f, 3)) != 0)
		return rc;
	if ((f[0].key != NULL && (rc = get_list(ld, &f[0], &ms, &nm)) != 0) ||
	    (f[1].key != NULL && (rc = get_list(ld, &f[1], &ps, &np)) != 0) ||
	    (f[2].key != NULL && (rc = get_list(ld, &f[2], &ts, &nt)) != 0))
		return rc;
	mf->menus = pool_calloc(ld, nm, sizeof *mf->menus);
	mf->prompts = pool_calloc(ld, np, sizeof *mf->prompts);
	mf->texts = pool_calloc(ld, nt, sizeof *mf->texts);
	ids.id = calloc(nm + np + nt + 1, sizeof *ids.id);
	ids.mark = calloc(nm + np + nt + 1, sizeof *ids.mark);
	if (mf->menus == NULL || mf->prompts == NULL || mf->texts == NULL || ids.id == NULL ||
	    ids.mark == NULL) {
		rc = nomem(ld);
		goto out;
	}
	for (i = 0; i < nm; i++, mf->nmenus++)
		if ((rc = load_menu(ld, node(ld, ms[i]), &ids, &mf->menus[i])) != 0)
			goto out;
	for (i = 0; i < np; i++, mf->nprompts++)
		if ((rc = load_prompt(ld, node(ld, ps[i]), &ids, &mf->prompts[i])) != 0)
			goto out;
	for (i = 0; i < nt; i++, mf->ntexts++)
		if ((rc = load_text(ld, node(ld, ts[i]), &ids, &mf->texts[i])) != 0)
			goto out;
out:
	free(ids.id);
	free(ids.mark);
	return rc;
}

int
menu_file_parse(const char *name, const char *text, size_t len, const struct menu_binds *b,
    struct menu_file **out, struct jk_err *err)
{
	struct ld ld;
	yaml_document_t extra;
	yaml_parser_t p;
	yaml_node_t *root;
	bool have_doc = false;
	int rc;

	*out = NULL;
	memset(&ld, 0, sizeof ld);
	ld.name = name;
	ld.text = text;
	ld.len = len;
	ld.b = b;
	ld.err = err;
	if ((ld.mf = calloc(1, sizeof *ld.mf)) == NULL)
		return nomem(&ld);
	if (!yaml_parser_initialize(&p)) {
		free(ld.mf);
		return nomem(&ld);
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &ld.doc)) {
		rc = parse_error(&ld, &p);
		goto out;
	}
	have_doc = true;
	if ((root = yaml_document_get_root_node(&ld.doc)) == NULL) {
		rc = at(&ld, ld.doc.start_mark, "no menus, prompts or texts: the file is empty");
		goto out;
	}
	if ((rc = load_root(&ld, root)) != 0)
		goto out;
	if (!yaml_parser_load(&p, &extra)) {
		rc = parse_error(&ld, &p);
		goto out;
	}
	if (yaml_document_get_root_node(&extra) != NULL)
		rc = at(&ld, extra.start_mark, "expected one document, found more");
	yaml_document_delete(&extra);
out:
	if (have_doc)
		yaml_document_delete(&ld.doc);
	yaml_parser_delete(&p);
	if (rc != 0)
		menu_file_free(ld.mf);
	else
		*out = ld.mf;
	return rc;
}

int
menu_file_load(const char *path, const struct menu_binds *b, struct menu_file **out,
    struct jk_err *err)
{
	struct buf text = BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f;
	int rc = 0;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return jk_errno(err, errno, "cannot open '%s'", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(&text, chunk, n) != 0) {
			rc = jk_errf(err, JK_ENOMEM, "%s: out of memory", path);
			break;
		}
	if (rc == 0 && ferror(f))
		rc = jk_errno(err, errno, "cannot read '%s'", path);
	fclose(f);
	if (rc == 0)
		rc = menu_file_parse(path, buf_str(&text), text.len, b, out, err);
	buf_release(&text);
	return rc;
}

void
menu_file_free(struct menu_file *mf)
{
	size_t i;

	if (mf == NULL)
		return;
	for (i = 0; i < mf->npool; i++)
		free(mf->pool[i]);
	free(mf->pool);
	free(mf);
}

const struct menu *
menu_find(const struct menu_file *mf, const char *id)
{
	size_t i;

	for (i = 0; i < mf->nmenus; i++)
		if (strcmp(mf->menus[i].id, id) == 0)
			return &mf->menus[i];
	return NULL;
}

const char *
menu_text(const struct menu_file *mf, const char *id)
{
	size_t i;

	for (i = 0; i < mf->ntexts; i++)
		if (strcmp(mf->texts[i].id, id) == 0)
			return mf->texts[i].text;
	return NULL;
}

const struct ui_prompt *
menu_prompt(const struct menu_file *mf, const char *id)
{
	size_t i;

	for (i = 0; i < mf->nprompts; i++)
		if (strcmp(mf->prompts[i].id, id) == 0)
			return &mf->prompts[i];
	return NULL;
}
