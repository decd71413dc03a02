/*
 * inst.c - an instance's settings (jrnkit.yaml) and its journal history
 * (journal.log); see inst.h.
 *
 * Crash invariants:
 *
 *  1. journal.log only grows, one path per line, and an append is synced
 *     before it returns.  Only the last line can be torn.  An append after a
 *     torn line starts a fresh line, so a new path is never glued onto the
 *     fragment of an old one.
 *  2. jrnkit.yaml is only ever replaced whole (jk_write_file_atomic): a reader
 *     sees the old settings or the new ones, never a mix, never an empty file.
 *  3. jrnkit.yaml is the last thing inst_create writes, so an instance exists
 *     exactly when that file does.  A create that crashed halfway left no
 *     jrnkit.yaml and is simply run again; every step before it tolerates
 *     finding its work already done.
 *
 * The settings file is a flat YAML mapping.  We write it ourselves instead of
 * with libyaml's emitter because the emitter cannot write comments, and the
 * comments are the file's documentation for the operator.  Every string is
 * double-quoted with each character that libyaml would fold (line breaks)
 * or refuse (control characters) escaped, so any UTF-8 path round-trips
 * (yml.c, shared with the restore plan files).  Paths that are not UTF-8
 * cannot be written in YAML at all and are refused.
 */
#include "inst.h"
#include "buf.h"
#include "db.h"
#include "yml.h"

#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#define CONF_NAME	"jrnkit.yaml"
#define LOG_NAME	"journal.log"

#define KiB	((uint64_t)1024)
#define MiB	(1024 * KiB)
#define GiB	(1024 * MiB)

/* --- small helpers ------------------------------------------------------ */

/*
 * jk_errno, except that a missing file is JK_ENOTFOUND: callers tell "no
 * instance here" from "the disk failed" by the code alone.
 */
static int
io_err(struct jk_err *err, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
io_err(struct jk_err *err, int e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(&b, (size_t)n) != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	va_start(ap, fmt);
	vsnprintf((char *)b.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	jk_errno(err, e, "%s", b.data);
	buf_release(&b);
	if (e != ENOENT)
		return JK_EIO;
	if (err != NULL)
		err->code = JK_ENOTFOUND;
	return JK_ENOTFOUND;
}

/* dir + "/" + name into out; JK_ELIMIT when it does not fit. */
static int
join(char *out, size_t outsz, const char *dir, const char *name,
    struct jk_err *err)
{
	size_t dl = strlen(dir);
	int n;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	n = snprintf(out, outsz, "%.*s/%s", (int)dl, dir, name);
	if (n < 0 || (size_t)n >= outsz)
		return jk_errf(err, JK_ELIMIT, "path too long: '%s/%s'", dir, name);
	return 0;
}

static int
write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			/* Nothing written and no error: treat as a full disk. */
			errno = ENOSPC;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Make a directory's entries durable.  Some file systems refuse fsync on a
 * directory with EINVAL; they have nothing to sync, as PostgreSQL concluded.
 */
static int
fsync_dir(const char *dir, struct jk_err *err)
{
	int fd, e;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_err(err, errno, "cannot open directory '%s'", dir);
	if (fsync(fd) != 0 && errno != EINVAL) {
		e = errno;
		close(fd);
		return jk_errno(err, e, "cannot sync directory '%s'", dir);
	}
	close(fd);
	return 0;
}

/* Read a whole file into b (replaced). */
static int
read_file(const char *path, struct buf *b, struct jk_err *err)
{
	ssize_t r;
	int fd, e;

	buf_reset(b);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return io_err(err, errno, "cannot open '%s'", path);
	for (;;) {
		if (buf_grow(b, 8192) != 0) {
			close(fd);
			return jk_errf(err, JK_ENOMEM, "out of memory reading '%s'", path);
		}
		r = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			close(fd);
			return jk_errno(err, e, "cannot read '%s'", path);
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
		b->data[b->len] = '\0';
	}
	close(fd);
	return 0;
}

static uint64_t
random_u64(void)
{
	struct timespec ts;
	uint64_t v = 0;
	ssize_t r;

	do
		r = getrandom(&v, sizeof v, 0);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof v) {
		/* No getrandom: mix the clock and pid (splitmix64). */
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		v ^= (uint64_t)getpid() << 32;
		v += 0x9e3779b97f4a7c15ULL;
		v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
		v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
		v ^= v >> 31;
	}
	/* Zero reads as "no instance" in a journal header; never hand it out. */
	return v != 0 ? v : 1;
}

/*
 * Canonical directory name for s, relative to base unless absolute: "."
 * and ".." resolved and slashes collapsed, then symlinks resolved when the
 * directory exists, with a trailing '/'.  A directory that does not exist yet
 * (a journal directory on a disk not mounted now) keeps its lexical form.
 * -1 when the result does not fit in out.
 */
static int
dir_canon(const char *base, const char *s, char *out, size_t outsz)
{
	struct buf in = BUF_INIT;
	char cwd[PATH_MAX], *real;
	const char *p, *q;
	size_t o, seg, rl;
	int rc = -1;

	if (outsz < 2)
		return -1;
	if (s[0] != '/') {
		if (base[0] != '/') {
			if (getcwd(cwd, sizeof cwd) == NULL)
				return -1;
			if (buf_addf(&in, "%s/", cwd) != 0)
				goto out;
		}
		if (buf_addf(&in, "%s/", base) != 0)
			goto out;
	}
	if (buf_adds(&in, s) != 0)
		goto out;

	o = 0;
	out[o++] = '/';
	for (p = buf_str(&in); *p != '\0'; p = q) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		q = strchr(p, '/');
		if (q == NULL)
			q = p + strlen(p);
		seg = (size_t)(q - p);
		if (seg == 1 && p[0] == '.')
			continue;
		if (seg == 2 && p[0] == '.' && p[1] == '.') {
			if (o > 1) {
				o--;
				while (out[o - 1] != '/')
					o--;
			}
			continue;
		}
		if (o + seg + 1 >= outsz)
			goto out;
		memcpy(out + o, p, seg);
		o += seg;
		out[o++] = '/';
	}
	out[o] = '\0';

	real = realpath(out, NULL);
	if (real != NULL) {
		rl = strlen(real);
		if (rl > 1 && rl + 2 <= outsz) {
			memcpy(out, real, rl);
			out[rl] = '/';
			out[rl + 1] = '\0';
		}
		free(real);
	}
	rc = 0;
out:
	buf_release(&in);
	return rc;
}

/* The canonical instance directory (which must exist), without trailing '/'. */
static int
inst_dir(const char *dir, char *out, size_t outsz, struct jk_err *err)
{
	char *real;
	size_t n;

	real = realpath(dir, NULL);
	if (real == NULL)
		return io_err(err, errno, "no instance directory '%s'", dir);
	n = strlen(real);
	if (n + 1 > outsz) {
		free(real);
		return jk_errf(err, JK_ELIMIT, "path too long: '%s'", dir);
	}
	memcpy(out, real, n + 1);
	free(real);
	return 0;
}

/* --- the settings -------------------------------------------------------- */

enum key_kind {
	K_DIR,		/* char[PATH_MAX], canonical directory or "" */
	K_PREFIX,	/* char[64] */
	K_SIZE,		/* uint64_t, bytes with optional K/M/G */
	K_UINT,		/* unsigned */
	K_COMMIT,	/* enum jk_commit_mode */
	K_HEX,		/* uint64_t in hex */
	K_CSN,		/* int, -1 or a member number */
};

struct key {
	const char *name;
	enum key_kind kind;
	size_t off;		/* of the field in struct inst_conf */
	const char *help;	/* the comment written above the key */
};

#define F(field) offsetof(struct inst_conf, field)

/* The file's keys, in the order they are written. */
static const struct key keys[] = {
	{ "journal_dir", K_DIR, F(jrn_dir),
	  "Directory of the journal files; a relative path is relative to\n"
	  "the instance directory." },
	{ "alternate_dir", K_DIR, F(alt_dir),
	  "Directory to switch to when the journal directory cannot be\n"
	  "written; \"\" for none." },
	{ "prefix", K_PREFIX, F(prefix),
	  "Journal files are named PREFIXyyyymmdd.nnn; the prefix may be\n"
	  "empty and cannot contain '/'." },
	{ "max_size", K_SIZE, F(max_size),
	  "Switch to a new journal file at this size." },
	{ "commit", K_COMMIT, F(commit),
	  "When a commit returns: sync (its journal records are on disk),\n"
	  "group (the writer syncs every group_ms) or none (left to the OS)." },
	{ "group_ms", K_UINT, F(group_ms),
	  "Sync interval of commit mode group, in milliseconds." },
	{ "purge_days", K_UINT, F(purge_days),
	  "Purge journal files no longer needed for recovery once they are\n"
	  "this many days old; 0 keeps them." },
	{ "purge_backups", K_UINT, F(purge_backups),
	  "... or once this many backups are newer; 0 keeps them." },
	{ "checkpoint_bytes", K_SIZE, F(ckpt_bytes),
	  "Checkpoint the databases after this much journal ..." },
	{ "checkpoint_secs", K_UINT, F(ckpt_secs),
	  "... or after this many seconds, whichever comes first." },
	{ "lock_wait_ms", K_UINT, F(lock_wait_ms),
	  "While writes are locked for a backup (jrnkit backup, jrnkit lock),\n"
	  "an update waits this many milliseconds, then fails." },
	{ "instance_id", K_HEX, F(instance_id),
	  "This instance's identity in every journal file header (hex); set\n"
	  "at creation.  Changing it orphans the existing journal files." },
	{ "cluster_dir", K_DIR, F(cluster_dir),
	  "Directory shared by the members of the cluster; \"\" when this\n"
	  "instance is not a cluster member." },
	{ "csn", K_CSN, F(csn),
	  "Cluster member number (CSN), -1 when not a cluster member." },
};
#define NKEYS (sizeof keys / sizeof keys[0])

#undef F

static const char *const commit_names[] = {
	[JK_COMMIT_SYNC] = "sync",
	[JK_COMMIT_GROUP] = "group",
	[JK_COMMIT_NONE] = "none",
};

int
inst_commit_mode(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof commit_names / sizeof commit_names[0]; i++)
		if (strcmp(s, commit_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
inst_commit_name(enum jk_commit_mode m)
{
	if ((unsigned)m < sizeof commit_names / sizeof commit_names[0])
		return commit_names[m];
	return "unknown";
}

void
inst_conf_defaults(struct inst_conf *c, const char *dir)
{
	memset(c, 0, sizeof *c);
	if (dir_canon(dir, "journal", c->jrn_dir, sizeof c->jrn_dir) != 0)
		c->jrn_dir[0] = '\0';	/* too long: load and save refuse it */
	c->max_size = 1 * GiB;
	c->commit = JK_COMMIT_GROUP;
	c->group_ms = 10;
	c->purge_days = 0;
	c->purge_backups = 0;
	c->ckpt_bytes = 64 * MiB;
	c->ckpt_secs = 300;
	c->lock_wait_ms = 10000;
	c->instance_id = random_u64();
	c->csn = -1;
}

/* --- reading jrnkit.yaml ------------------------------------------------- */

/* JK_EFORMAT with "jrnkit.yaml:LINE:COL: " before the message. */
#define AT(err, mark, ...) yml_at((err), CONF_NAME, (mark), __VA_ARGS__)

/* Longest piece of a bad value quoted back in a message. */
#define SHOW 64

struct scalar {
	const char *s;		/* NUL-terminated by libyaml */
	size_t len;
	bool plain;		/* unquoted: may be a number or null */
	yaml_mark_t mark;
};

/* 0 and the value, -1 not a decimal number, -2 too large. */
static int
parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -2;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/*
 * No value: an empty string however quoted (the writer quotes "" for a
 * directory that is not set), or a plain YAML null.
 */
static bool
is_null(const struct scalar *v)
{
	return v->len == 0 || (v->plain && (strcmp(v->s, "~") == 0 ||
	    strcmp(v->s, "null") == 0 || strcmp(v->s, "Null") == 0 ||
	    strcmp(v->s, "NULL") == 0));
}

/* Store value v of key k in c; instdir anchors relative directories. */
static int
set_value(struct inst_conf *c, const struct key *k, const struct scalar *v,
    const char *instdir, struct jk_err *err)
{
	char *field = (char *)c + k->off;
	uint64_t x = 0, mul;
	size_t len;
	int m, r;

	if (k->kind != K_DIR && k->kind != K_PREFIX && k->kind != K_COMMIT &&
	    !v->plain)
		return AT(err, v->mark, "%s must be a number, not a quoted string",
		    k->name);
	if (strlen(v->s) != v->len)
		return AT(err, v->mark, "%s contains a NUL character", k->name);

	switch (k->kind) {
	case K_DIR:
		if (is_null(v)) {
			if (k->off == offsetof(struct inst_conf, jrn_dir))
				return AT(err, v->mark, "%s must not be empty",
				    k->name);
			field[0] = '\0';
			return 0;
		}
		if (dir_canon(instdir, v->s, field, PATH_MAX) != 0)
			return AT(err, v->mark, "%s is too long", k->name);
		return 0;
	case K_PREFIX:
		if (is_null(v)) {
			field[0] = '\0';
			return 0;
		}
		if (strchr(v->s, '/') != NULL)
			return AT(err, v->mark, "%s must not contain '/'", k->name);
		if (v->len >= sizeof c->prefix)
			return AT(err, v->mark, "%s is longer than %zu bytes",
			    k->name, sizeof c->prefix - 1);
		memcpy(field, v->s, v->len + 1);
		return 0;
	case K_SIZE:
		len = v->len;
		mul = 1;
		if (len > 0) {
			switch (v->s[len - 1]) {
			case 'K': case 'k': mul = KiB; break;
			case 'M': case 'm': mul = MiB; break;
			case 'G': case 'g': mul = GiB; break;
			}
			if (mul != 1)
				len--;
		}
		r = parse_u64(v->s, len, &x);
		if (r == -1)
			return AT(err, v->mark, "%s must be a size in bytes, "
			    "optionally with suffix K, M or G, not '%.*s'",
			    k->name, SHOW, v->s);
		if (r == -2 || x > UINT64_MAX / mul)
			return AT(err, v->mark, "%s is too large: '%.*s'",
			    k->name, SHOW, v->s);
		x *= mul;
		if (x == 0 && k->off == offsetof(struct inst_conf, max_size))
			return AT(err, v->mark, "%s must not be 0", k->name);
		memcpy(field, &x, sizeof x);
		return 0;
	case K_UINT:
		r = parse_u64(v->s, v->len, &x);
		if (r == -1)
			return AT(err, v->mark, "%s must be a whole number, not '%.*s'",
			    k->name, SHOW, v->s);
		if (r == -2 || x > UINT_MAX)
			return AT(err, v->mark, "%s is too large: '%.*s'",
			    k->name, SHOW, v->s);
		*(unsigned *)(void *)field = (unsigned)x;
		return 0;
	case K_COMMIT:
		if ((m = inst_commit_mode(v->s)) < 0)
			return AT(err, v->mark,
			    "%s must be sync, group or none, not '%.*s'",
			    k->name, SHOW, v->s);
		c->commit = (enum jk_commit_mode)m;
		return 0;
	case K_HEX:
		len = v->len;
		if (len > 2 && v->s[0] == '0' && (v->s[1] == 'x' || v->s[1] == 'X'))
			len -= 2;
		if (len == 0 || len > 16 ||
		    strspn(v->s + (v->len - len), "0123456789abcdefABCDEF") != len)
			return AT(err, v->mark,
			    "%s must be at most 16 hex digits, not '%.*s'",
			    k->name, SHOW, v->s);
		x = strtoull(v->s + (v->len - len), NULL, 16);
		memcpy(field, &x, sizeof x);
		return 0;
	case K_CSN:
		if (strcmp(v->s, "-1") == 0) {
			c->csn = -1;
			return 0;
		}
		r = parse_u64(v->s, v->len, &x);
		if (r == -1)
			return AT(err, v->mark,
			    "%s must be -1 or a member number, not '%.*s'",
			    k->name, SHOW, v->s);
		if (r == -2 || x > INT_MAX)
			return AT(err, v->mark, "%s is too large: '%.*s'",
			    k->name, SHOW, v->s);
		c->csn = (int)x;
		return 0;
	}
	return AT(err, v->mark, "%s: unhandled kind", k->name);
}

static int
next_event(yaml_parser_t *p, yaml_event_t *ev, const char *text, size_t len,
    struct jk_err *err)
{
	return yml_next_event(p, ev, CONF_NAME, text, len, err);
}

/*
 * Parse the settings in text over c.  Reads events rather than a document
 * tree so that a duplicate key is caught (libyaml's loader keeps both) and
 * every error has the mark of the token at fault.
 */
static int
conf_parse(const char *text, size_t len, const char *instdir,
    struct inst_conf *c, struct jk_err *err)
{
	yaml_parser_t p;
	yaml_event_t ev;
	yaml_mark_t seen[NKEYS], map;
	bool have[NKEYS] = { false };
	struct scalar v;
	const struct key *k;
	size_t i;
	int rc;

	memset(&ev, 0, sizeof ev);
	if (!yaml_parser_initialize(&p))
		return jk_errf(err, JK_ENOMEM, CONF_NAME ": out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);

	if ((rc = next_event(&p, &ev, text, len, err)) != 0)	/* stream start */
		goto out;
	if ((rc = next_event(&p, &ev, text, len, err)) != 0)
		goto out;
	if (ev.type == YAML_DOCUMENT_START_EVENT &&
	    (rc = next_event(&p, &ev, text, len, err)) != 0)
		goto out;
	if (ev.type != YAML_MAPPING_START_EVENT) {
		rc = AT(err, ev.start_mark, "expected a mapping of settings, "
		    "found %s", yml_event_noun(ev.type));
		goto out;
	}
	map = ev.start_mark;

	for (;;) {
		if ((rc = next_event(&p, &ev, text, len, err)) != 0)
			goto out;
		if (ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (ev.type != YAML_SCALAR_EVENT) {
			rc = AT(err, ev.start_mark,
			    "expected a setting name, found %s",
			    yml_event_noun(ev.type));
			goto out;
		}
		k = NULL;
		for (i = 0; i < NKEYS; i++)
			if (strlen(keys[i].name) == ev.data.scalar.length &&
			    strcmp(keys[i].name,
			    (const char *)ev.data.scalar.value) == 0)
				k = &keys[i];
		if (k == NULL) {
			rc = AT(err, ev.start_mark, "unknown key '%.*s'", SHOW,
			    (const char *)ev.data.scalar.value);
			goto out;
		}
		i = (size_t)(k - keys);
		if (have[i]) {
			rc = AT(err, ev.start_mark,
			    "duplicate key '%s' (first at line %zu)", k->name,
			    seen[i].line + 1);
			goto out;
		}
		have[i] = true;
		seen[i] = ev.start_mark;

		if ((rc = next_event(&p, &ev, text, len, err)) != 0)
			goto out;
		if (ev.type != YAML_SCALAR_EVENT) {
			rc = AT(err, ev.start_mark,
			    "%s must be a single value, not %s", k->name,
			    yml_event_noun(ev.type));
			goto out;
		}
		v.s = (const char *)ev.data.scalar.value;
		v.len = ev.data.scalar.length;
		v.plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		v.mark = ev.start_mark;
		if ((rc = set_value(c, k, &v, instdir, err)) != 0)
			goto out;
	}

	if ((rc = next_event(&p, &ev, text, len, err)) != 0)	/* document end */
		goto out;
	if ((rc = next_event(&p, &ev, text, len, err)) != 0)
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT) {
		rc = AT(err, ev.start_mark, "expected one document, found more");
		goto out;
	}
	/*
	 * The default id is random: made up on every load, it would give the
	 * same instance a new identity each time it starts.
	 */
	for (i = 0; strcmp(keys[i].name, "instance_id") != 0; i++)
		;
	if (!have[i]) {
		rc = AT(err, map, "missing key 'instance_id'");
		goto out;
	}
	rc = 0;
out:
	yaml_event_delete(&ev);
	yaml_parser_delete(&p);
	return rc;
}

int
inst_conf_load(const char *dir, struct inst_conf *c, struct jk_err *err)
{
	struct inst_conf *tmp;
	struct buf text = BUF_INIT;
	char inst[PATH_MAX], path[PATH_MAX];
	int rc;

	if ((rc = inst_dir(dir, inst, sizeof inst, err)) != 0)
		return rc;
	if ((rc = join(path, sizeof path, inst, CONF_NAME, err)) != 0)
		return rc;
	/* Parse into a copy: on error the caller's settings stay as they were. */
	if ((tmp = malloc(sizeof *tmp)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory loading '%s'", path);
	if ((rc = read_file(path, &text, err)) != 0)
		goto out;
	inst_conf_defaults(tmp, inst);
	if ((rc = conf_parse(buf_str(&text), text.len, inst, tmp, err)) != 0)
		goto out;
	*c = *tmp;
out:
	buf_release(&text);
	free(tmp);
	return rc;
}

bool
inst_exists(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (join(path, sizeof path, dir, CONF_NAME, NULL) != 0)
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* --- writing jrnkit.yaml --------------------------------------------------- */

/* Why c cannot be written, or NULL. */
static const char *
conf_invalid(const struct inst_conf *c)
{
	const struct key *k;
	const char *s;
	size_t i, size;

	for (i = 0; i < NKEYS; i++) {
		k = &keys[i];
		if (k->kind != K_DIR && k->kind != K_PREFIX)
			continue;
		s = (const char *)c + k->off;
		size = k->kind == K_DIR ? PATH_MAX : sizeof c->prefix;
		if (strnlen(s, size) == size)
			return "a string is not NUL-terminated";
		if (!yml_utf8_valid(s))
			return "a path or the prefix is not UTF-8";
		if (k->kind == K_DIR && s[0] != '\0' && s[0] != '/')
			return "a directory is not absolute";
	}
	if (c->jrn_dir[0] == '\0')
		return "no journal directory";
	if (strchr(c->prefix, '/') != NULL)
		return "the prefix contains '/'";
	if ((unsigned)c->commit > JK_COMMIT_NONE)
		return "unknown commit mode";
	if (c->max_size == 0)
		return "max_size is 0";
	if (c->csn < -1)
		return "csn is below -1";
	return NULL;
}

/* A size with the largest suffix that states it exactly. */
static int
add_size(struct buf *b, uint64_t x)
{
	if (x != 0 && x % GiB == 0)
		return buf_addf(b, "%" PRIu64 "G", x / GiB);
	if (x != 0 && x % MiB == 0)
		return buf_addf(b, "%" PRIu64 "M", x / MiB);
	if (x != 0 && x % KiB == 0)
		return buf_addf(b, "%" PRIu64 "K", x / KiB);
	return buf_addf(b, "%" PRIu64, x);
}

/*
 * A directory beneath the instance is written relative to it, so that an
 * instance copied or moved elsewhere keeps using its own journal directory.
 */
static int
add_dir(struct buf *b, const char *s, const char *inst)
{
	size_t n = strlen(inst);

	if (s[0] != '\0' && n > 1 && strncmp(s, inst, n) == 0 && s[n] == '/') {
		s += n + 1;
		if (s[0] == '\0')
			s = "./";
	}
	return yml_add_quoted(b, s);
}

static int
conf_format(struct buf *b, const struct inst_conf *c, const char *inst)
{
	const struct key *k;
	const char *field, *h, *nl;
	size_t i;
	int rc;

	rc = buf_adds(b,
	    "# jrnkit.yaml - settings of the jrnkit instance in this directory.\n"
	    "#\n"
	    "# A flat YAML mapping.  jrnkit rewrites this file whole when a\n"
	    "# setting changes, so comments added by hand are not kept.  Sizes\n"
	    "# are in bytes, or a number with suffix K, M or G (powers of 1024).\n");
	for (i = 0; rc == 0 && i < NKEYS; i++) {
		k = &keys[i];
		field = (const char *)c + k->off;
		rc = buf_adds(b, "\n");
		for (h = k->help; rc == 0 && *h != '\0'; h = nl) {
			nl = strchr(h, '\n');
			nl = nl != NULL ? nl + 1 : h + strlen(h);
			rc = buf_addf(b, "# %.*s", (int)(nl - h), h);
		}
		if (rc == 0)
			rc = buf_addf(b, "\n%s: ", k->name);
		if (rc != 0)
			break;
		switch (k->kind) {
		case K_DIR:
			rc = add_dir(b, field, inst);
			break;
		case K_PREFIX:
			rc = yml_add_quoted(b, field);
			break;
		case K_SIZE:
			rc = add_size(b, *(const uint64_t *)(const void *)field);
			break;
		case K_UINT:
			rc = buf_addf(b, "%u", *(const unsigned *)(const void *)field);
			break;
		case K_COMMIT:
			rc = buf_adds(b, inst_commit_name(c->commit));
			break;
		case K_HEX:
			rc = buf_addf(b, "0x%016" PRIx64, c->instance_id);
			break;
		case K_CSN:
			rc = buf_addf(b, "%d", c->csn);
			break;
		}
		if (rc == 0)
			rc = buf_adds(b, "\n");
	}
	return rc;
}

int
inst_conf_save(const char *dir, const struct inst_conf *c, struct jk_err *err)
{
	struct buf b = BUF_INIT;
	char inst[PATH_MAX], path[PATH_MAX];
	const char *why;
	int rc;

	if ((rc = inst_dir(dir, inst, sizeof inst, err)) != 0)
		return rc;
	if ((rc = join(path, sizeof path, inst, CONF_NAME, err)) != 0)
		return rc;
	if ((why = conf_invalid(c)) != NULL)
		return jk_errf(err, JK_EUSAGE, "cannot write '%s': %s", path, why);
	if ((rc = conf_format(&b, c, inst)) != 0) {
		rc = jk_errf(err, rc, "cannot write '%s': %s", path,
		    jk_strerror(rc));
		goto out;
	}
	rc = jk_write_file_atomic(path, b.data, b.len, err);
out:
	buf_release(&b);
	return rc;
}

/* --- creating an instance --------------------------------------------------- */

/* mkdir that finds its work done when the directory is already there. */
static int
mkdir_one(const char *path, bool *made, struct jk_err *err)
{
	struct stat st;

	*made = false;
	if (mkdir(path, 0777) == 0) {
		*made = true;
		return 0;
	}
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return jk_errno(err, errno, "cannot create directory '%s'", path);
}

/* mkdir -p, syncing the parent of each directory made so it survives a crash. */
static int
mkdir_p(const char *dir, struct jk_err *err)
{
	char path[PATH_MAX], *s;
	bool made;
	int rc;

	if (strlen(dir) >= sizeof path)
		return jk_errf(err, JK_ELIMIT, "path too long: '%s'", dir);
	strcpy(path, dir);
	for (s = path + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {
			char c = *s;

			*s = '\0';
			if ((rc = mkdir_one(path, &made, err)) != 0)
				return rc;
			if (made) {
				char *slash = strrchr(path, '/');
				char parent[PATH_MAX];

				if (slash == NULL)
					strcpy(parent, ".");
				else if (slash == path)
					strcpy(parent, "/");
				else
					snprintf(parent, sizeof parent, "%.*s",
					    (int)(slash - path), path);
				if ((rc = fsync_dir(parent, err)) != 0)
					return rc;
			}
			*s = c;
		}
		if (*s == '\0')
			break;
	}
	return 0;
}

int
inst_create(const char *dir, struct jk_err *err)
{
	struct inst_conf *c;
	char inst[PATH_MAX], path[PATH_MAX];
	bool made;
	int fd, rc;

	if (dir[0] == '\0')
		return jk_errf(err, JK_EUSAGE, "no instance directory given");
	if (inst_exists(dir))
		return jk_errf(err, JK_EEXIST, "an instance already exists in '%s'",
		    dir);
	if ((rc = mkdir_p(dir, err)) != 0)
		return rc;
	if ((rc = inst_dir(dir, inst, sizeof inst, err)) != 0)
		return rc;

	if ((rc = join(path, sizeof path, inst, "journal", err)) != 0 ||
	    (rc = mkdir_one(path, &made, err)) != 0)
		return rc;
	if ((rc = join(path, sizeof path, inst, "state", err)) != 0 ||
	    (rc = mkdir_one(path, &made, err)) != 0)
		return rc;
	/* No O_TRUNC: a crashed create may have left history we must not drop. */
	if ((rc = join(path, sizeof path, inst, LOG_NAME, err)) != 0)
		return rc;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0)
		return jk_errno(err, errno, "cannot create '%s'", path);
	if (fsync(fd) != 0) {
		rc = jk_errno(err, errno, "cannot sync '%s'", path);
		close(fd);
		return rc;
	}
	close(fd);
	if ((rc = join(path, sizeof path, inst, "db/user", err)) != 0)
		return rc;
	rc = db_create(path, err);
	if (rc == JK_EEXIST && db_exists(path))
		rc = 0;
	if (rc != 0)
		return rc;
	if ((rc = fsync_dir(inst, err)) != 0)
		return rc;

	/* Last: its presence says the instance is complete (invariant 3). */
	if ((c = malloc(sizeof *c)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory creating '%s'", inst);
	inst_conf_defaults(c, inst);
	rc = inst_conf_save(inst, c, err);
	free(c);
	return rc;
}

/* --- journal.log ------------------------------------------------------------ */

void
inst_log_free(char **paths, size_t n)
{
	strv_free(paths, n);
}

int
inst_log_read(const char *dir, char ***paths, size_t *n, struct jk_err *err)
{
	char path[PATH_MAX];
	int rc;

	*paths = NULL;
	*n = 0;
	if ((rc = join(path, sizeof path, dir, LOG_NAME, err)) != 0)
		return rc;
	return inst_log_read_file(path, paths, n, err);
}

int
inst_log_read_file(const char *path, char ***paths, size_t *n, struct jk_err *err)
{
	struct buf text = BUF_INIT;
	char **v = NULL, **nv;
	const char *p, *end, *nl;
	size_t cnt = 0, cap = 0, len;
	int rc;

	*paths = NULL;
	*n = 0;
	if ((rc = read_file(path, &text, err)) != 0)
		goto out;
	p = buf_str(&text);
	end = p + text.len;
	for (; p < end; p = nl + 1) {
		/* The last line may lack its newline: torn by a crash, still a path. */
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		/*
		 * Blank lines carry nothing.  A line with a NUL byte is the
		 * zero-filled tail some file systems leave after a crash, not a
		 * path.
		 */
		if (len == 0 || memchr(p, '\0', len) != NULL)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[cnt] = strndup(p, len)) == NULL)
			goto nomem;
		cnt++;
	}
	*paths = v;
	*n = cnt;
	v = NULL;
	goto out;
nomem:
	inst_log_free(v, cnt);
	rc = jk_errf(err, JK_ENOMEM, "out of memory reading '%s'", path);
out:
	buf_release(&text);
	return rc;
}

int
inst_log_append(const char *dir, const char *jpath, struct jk_err *err)
{
	char path[PATH_MAX];
	int rc;

	if (jpath[0] == '\0' || strchr(jpath, '\n') != NULL)
		return jk_errf(err, JK_EUSAGE,
		    "cannot log journal file '%s': a path in %s cannot be empty "
		    "or hold a newline", jpath, LOG_NAME);
	if ((rc = join(path, sizeof path, dir, LOG_NAME, err)) != 0)
		return rc;
	return jk_append_line(path, jpath, err);
}

int
jk_append_line(const char *path, const char *text, struct jk_err *err)
{
	struct buf line = BUF_INIT;
	char last;
	struct stat st;
	ssize_t r;
	int fd, rc, e;

	/* Not O_CREAT: the log is part of the layout, made by whoever owns it. */
	if ((fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC)) < 0)
		return io_err(err, errno, "cannot open '%s'", path);
	if (fstat(fd, &st) != 0) {
		rc = jk_errno(err, errno, "cannot stat '%s'", path);
		goto out;
	}
	if (st.st_size > 0) {
		do
			r = pread(fd, &last, 1, st.st_size - 1);
		while (r < 0 && errno == EINTR);
		if (r != 1) {
			rc = jk_errno(err, r < 0 ? errno : EIO, "cannot read '%s'",
			    path);
			goto out;
		}
		/* Invariant 1: never glue onto a torn line. */
		if (last != '\n' && (rc = buf_addc(&line, '\n')) != 0)
			goto nomem;
	}
	if ((rc = buf_addf(&line, "%s\n", text)) != 0)
		goto nomem;
	if (write_all(fd, line.data, line.len) != 0) {
		rc = jk_errno(err, errno, "cannot write '%s'", path);
		goto out;
	}
	if (fsync(fd) != 0) {
		rc = jk_errno(err, errno, "cannot sync '%s'", path);
		goto out;
	}
	goto out;
nomem:
	rc = jk_errf(err, JK_ENOMEM, "out of memory appending to '%s'", path);
out:
	e = errno;
	close(fd);
	errno = e;
	buf_release(&line);
	return rc;
}

/* --- atomic replace ----------------------------------------------------------- */

int
jk_write_file_atomic(const char *path, const void *data, size_t n,
    struct jk_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *slash, *base;
	uint32_t rnd;
	int fd = -1, tries, len, rc;

	slash = strrchr(path, '/');
	base = slash != NULL ? slash + 1 : path;
	if (*base == '\0')
		return jk_errf(err, JK_EUSAGE, "cannot write '%s': no file name",
		    path);
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else if ((size_t)(slash - path) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		return jk_errf(err, JK_ELIMIT, "path too long: '%s'", path);

	/*
	 * The temp file sits next to the target so rename cannot cross file
	 * systems.  open(O_EXCL) with a random name rather than mkstemp: mkstemp
	 * makes the file 0600 regardless of the umask.
	 */
	for (tries = 0; ; tries++) {
		rnd = (uint32_t)random_u64();
		len = snprintf(tmp, sizeof tmp, "%.*s.%s.tmp.%ld.%08" PRIx32,
		    (int)(base - path), path, base, (long)getpid(), rnd);
		if (len < 0 || (size_t)len >= sizeof tmp)
			return jk_errf(err, JK_ELIMIT, "path too long: '%s'", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries == 8)
			return jk_errno(err, errno,
			    "cannot create a temporary file for '%s'", path);
	}

	if (write_all(fd, data, n) != 0) {
		rc = jk_errno(err, errno, "cannot write '%s'", tmp);
		goto out_unlink;
	}
	if (fsync(fd) != 0) {
		rc = jk_errno(err, errno, "cannot sync '%s'", tmp);
		goto out_unlink;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0) {
		rc = jk_errno(err, errno, "cannot write '%s'", tmp);
		goto out_unlink;
	}
	if (rename(tmp, path) != 0) {
		rc = jk_errno(err, errno, "cannot rename '%s' to '%s'", tmp, path);
		goto out_unlink;
	}
	/* The rename is only durable once the directory entry is. */
	return fsync_dir(dir, err);

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

int
jk_mkdir_p(const char *dir, struct jk_err *err)
{
	return mkdir_p(dir, err);
}

int
jk_fsync_dir(const char *dir, struct jk_err *err)
{
	return fsync_dir(dir, err);
}

int
jk_read_file(const char *path, struct buf *b, struct jk_err *err)
{
	return read_file(path, b, err);
}

int
jk_lock_byte(int fd, long byte, short type, bool wait)
{
	struct flock fl;

	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	for (;;) {
		if (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}
