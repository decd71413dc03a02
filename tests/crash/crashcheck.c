/*
 * crashcheck - the oracle of the crash tests: does a database hold exactly
 * what a killed `jrnkit load --log DIR` was told was committed?
 *
 *	crashcheck DBDIR GLOBAL LOGDIR...
 *
 * Each LOGDIR holds load.N, the log of load process N, which wrote only
 * ^GLOBALN (LOGDIR's own GLOBAL when it is given as LOGDIR=GLOBAL).  The
 * log (src/cmd/jrnkit.c, struct load_log) is a list of units, each its
 * S KEY VALUE / K KEY lines and T, then C once the commit returned.  The
 * expected contents of ^GLOBALN are worked out from the log alone, never
 * from the journal:
 *
 *	A = every unit with its C, applied in order
 *	B = A and then the last unit, when it has T and no C (the process was
 *	    killed inside that commit: it may or may not have happened)
 *
 * The database must hold exactly A or exactly B, node for node: nothing
 * acknowledged lost, no part of a unit that never committed, nothing
 * else.  Prints one line per global; exit 0 when every one matches, 1 when
 * one does not (the first difference is named), 2 on a usage or read error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "gref.h"

/* A global's contents: values by integer key (NULL: no node). */
struct state {
	char **v;
	size_t n;
};

static int
state_set(struct state *s, size_t key, const char *val)
{
	if (key >= s->n) {
		size_t n = key + 1 > s->n * 2 ? key + 1 : s->n * 2;
		char **v = realloc(s->v, n * sizeof *v);

		if (v == NULL)
			return -1;
		memset(v + s->n, 0, (n - s->n) * sizeof *v);
		s->v = v;
		s->n = n;
	}
	free(s->v[key]);
	s->v[key] = val != NULL ? strdup(val) : NULL;
	return val != NULL && s->v[key] == NULL ? -1 : 0;
}

static void
state_free(struct state *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int
state_copy(struct state *dst, const struct state *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (src->v[i] != NULL && state_set(dst, i, src->v[i]) != 0)
			return -1;
	return 0;
}

/* Apply the S/K lines of a unit, lines[0..n). */
static int
apply_unit(struct state *s, char **lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *l = lines[i], *sp;
		unsigned long long key = strtoull(l + 2, &sp, 10);

		if (l[0] == 'S' && *sp == ' ') {
			if (state_set(s, (size_t)key, sp + 1) != 0)
				return -1;
		} else if (l[0] == 'K') {
			if (state_set(s, (size_t)key, NULL) != 0)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/*
 * Read a log into A and B; *pending says whether B differs (a unit with T
 * and no C at the end); *units counts the acknowledged units.
 */
static int
read_log(const char *path, struct state *a, struct state *b, bool *pending, size_t *units)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, **unit = NULL;
	size_t cap = 0, n = 0, ucap = 0, i;
	ssize_t len;
	bool complete = false;	/* the lines in unit ended with T */
	int rc = 0;

	*pending = false;
	*units = 0;
	if (f == NULL) {
		fprintf(stderr, "crashcheck: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n') {
			fprintf(stderr, "crashcheck: %s: a line without its end (a log is written a unit at a time)\n", path);
			rc = -1;
			break;
		}
		line[--len] = '\0';
		if (strcmp(line, "T") == 0) {
			if (complete) {
				fprintf(stderr, "crashcheck: %s: a unit without C before another (the process went on without its commit)\n", path);
				rc = -1;
			}
			complete = true;
		} else if (strcmp(line, "C") == 0) {
			if (!complete) {
				fprintf(stderr, "crashcheck: %s: C without T\n", path);
				rc = -1;
			} else if (apply_unit(a, unit, n) != 0) {
				rc = -1;
			}
			for (i = 0; i < n; i++)
				free(unit[i]);
			n = 0;
			complete = false;
			(*units)++;
		} else {
			if (complete) {
				fprintf(stderr, "crashcheck: %s: a unit without C before another\n", path);
				rc = -1;
				break;
			}
			if (n == ucap) {
				char **u = realloc(unit, (ucap = ucap ? ucap * 2 : 64) * sizeof *u);

				if (u == NULL) {
					rc = -1;
					break;
				}
				unit = u;
			}
			if ((unit[n++] = strdup(line)) == NULL)
				rc = -1;
		}
	}
	if (rc == 0 && state_copy(b, a) != 0)
		rc = -1;
	if (rc == 0 && complete) {
		*pending = true;
		rc = apply_unit(b, unit, n);
	}
	/* lines with no T: a unit the process never got to commit; only A */
	for (i = 0; i < n; i++)
		free(unit[i]);
	free(unit);
	free(line);
	fclose(f);
	return rc;
}

/* The nodes of ^name in the database into s. */
static int
read_db(struct db_txn *t, const char *name, struct state *s)
{
	struct jk_key k, next;
	struct buf sub = BUF_INIT, val = BUF_INIT;
	const uint8_t *v;
	const char *nm;
	size_t vn, nl;
	bool isnum;
	int rc;

	if (gref_key_init(&k, name, strlen(name), NULL) != 0)
		return -1;
	while ((rc = db_query(t, k.b, k.len, 1, &next)) == 0) {
		if (gref_key_name(next.b, next.len, &nm, &nl) != 0 || nl != strlen(name) ||
		    memcmp(nm, name, nl) != 0)
			break;
		if (gref_key_nsubs(next.b, next.len) != 1 || gref_key_sub(next.b, next.len, 0, &sub, &isnum) != 0 ||
		    !isnum || db_get(t, next.b, next.len, &v, &vn) != 0) {
			fprintf(stderr, "crashcheck: ^%s has a node the load never writes\n", name);
			rc = -1;
			break;
		}
		buf_reset(&val);
		buf_add(&val, v, vn);
		if (state_set(s, (size_t)strtoull(buf_str(&sub), NULL, 10), buf_str(&val)) != 0) {
			rc = -1;
			break;
		}
		k = next;
	}
	buf_release(&sub);
	buf_release(&val);
	return rc < 0 && rc != JK_ENOTFOUND ? -1 : 0;
}

/* The first key where x and y differ, or -1 when they are equal. */
static long
first_diff(const struct state *x, const struct state *y)
{
	size_t i, n = x->n > y->n ? x->n : y->n;

	for (i = 0; i < n; i++) {
		const char *a = i < x->n ? x->v[i] : NULL, *b = i < y->n ? y->v[i] : NULL;

		if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
			return (long)i;
	}
	return -1;
}

static const char *
shown(const struct state *s, long k)
{
	return (size_t)k < s->n && s->v[k] != NULL ? s->v[k] : "(no node)";
}

int
main(int argc, char **argv)
{
	struct jk_db *db;
	struct db_txn *t;
	struct jk_err err;
	int i, n, bad = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: crashcheck DBDIR GLOBAL LOGDIR[=GLOBAL]...\n");
		return 2;
	}
	if (db_open(argv[1], DB_RDONLY, &db, &err) != 0) {
		fprintf(stderr, "crashcheck: %s\n", err.msg);
		return 2;
	}
	if (db_txn_begin(db, false, &t) != 0) {
		fprintf(stderr, "crashcheck: %s\n", db_err(db)->msg);
		return 2;
	}
	for (i = 3; i < argc; i++) {
		char dir[4096], path[4200], name[64], *eq;
		const char *g = argv[2];

		snprintf(dir, sizeof dir, "%s", argv[i]);
		if ((eq = strchr(dir, '=')) != NULL) {
			*eq = '\0';
			g = eq + 1;
		}
		for (n = 0;; n++) {
			struct state a = { 0 }, b = { 0 }, d = { 0 };
			bool pending;
			size_t units;
			long da, dbb;
			FILE *f;

			snprintf(path, sizeof path, "%s/load.%d", dir, n);
			if ((f = fopen(path, "r")) == NULL)
				break;
			fclose(f);
			snprintf(name, sizeof name, "%s%d", g, n);
			if (read_log(path, &a, &b, &pending, &units) != 0 || read_db(t, name, &d) != 0) {
				fprintf(stderr, "crashcheck: cannot check ^%s\n", name);
				return 2;
			}
			da = first_diff(&d, &a);
			dbb = first_diff(&d, &b);
			if (da < 0)
				printf("^%s: the %zu acknowledged units%s\n", name, units,
				    pending ? " (the one being committed did not happen)" : "");
			else if (pending && dbb < 0)
				printf("^%s: the %zu acknowledged units and the one being committed\n", name, units);
			else {
				printf("^%s: WRONG after %zu acknowledged units: ^%s(%ld) is %s, the log says %s\n",
				    name, units, name, da, shown(&d, da), shown(&a, da));
				bad = 1;
			}
			state_free(&a);
			state_free(&b);
			state_free(&d);
		}
	}
	db_txn_abort(t);
	db_close(db);
	return bad;
}
