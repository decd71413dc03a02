/*
 * jrnkit.c - the jrnkit command: instance, databases, globals, journal.
 *
 * A thin main: every command parses its arguments, calls the library, and
 * prints.  Messages follow STYLE.md ("jrnkit: cannot open ...: reason");
 * exit codes are those of jrnkit(8): 0 ok, 1 error, 2 usage, 3 journal
 * damaged, 4 interrupted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "gref.h"
#include "inst.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "cvtcmd.h"
#include "bkpcmd.h"
#include "clucmd.h"
#include "mainmenu.h"
#include "rcv.h"
#include "ui/cli.h"

#define EX_OK		0
#define EX_ERR		1
#define EX_USAGE	2
#define EX_DAMAGED	3

static const char *opt_inst;	/* -I */
static const char *opt_db;	/* -d */

static const char usage_text[] =
"usage: jrnkit [-I dir] [-d dir] [command [args]]\n"
"commands:\n"
"  (none)                      the main menu (a dialogue on stdin)\n"
"  init DIR                    create an instance (and its database db/user/)\n"
"  init --cluster CDIR --csn N DIR   ... as member N of a cluster\n"
"  cluster init|join|status|bench-seq   cluster directory and members\n"
"  db create|mount|dismount|check DIR\n"
"  db list                     the instance's databases\n"
"  set REF VALUE | set REF=ZWR  set a node (VALUE taken literally)\n"
"  get REF                     print a node's value\n"
"  incr REF [BY]               $INCREMENT a node, print the result\n"
"  kill REF | zkill REF        kill a node and descendants | the node only\n"
"  zwrite [PATTERN]            ZWR dump in collation order (^A, ^A*, ^A(1))\n"
"  zload FILE|-                load ZWR lines\n"
"  exec FILE|-                 run a script (set, kill, zkill, incr, tstart,\n"
"                              tcommit, trollback, mark)\n"
"  load [-n N] [-t T] [-p P] [-k K] [-v V] [--kill-every N] [--seed S] [-g NAME]\n"
"       [--members]            workload generator (--members: P processes on each\n"
"                              member of the cluster)\n"
"       [--log DIR]            (--log: a log of acknowledged commits per process)\n"
"       [--commit-log FILE]    (--commit-log: the time of each commit; SIGINT or\n"
"                              SIGTERM stops a load, which reports what it did)\n"
"  switch | start | stop       journal file switch, begin and stop journaling\n"
"  mark [--cluster] ID TEXT    set a marker: prints offset,path (a line per member)\n"
"  checkpoint                  flush databases and write a checkpoint\n"
"  recover                     startup recovery now, and its report\n"
"  status [--json]             journal status\n"
"  options [KEY=VALUE...]      journal settings: set them, or a dialogue\n"
"  verify FILE...              journal integrity scan\n"
"  convert [SELECTION] [FILE...] -o OUT   journal records to the common format\n"
"  read FILE [--redirect OLD=NEW] [--global PATTERN]   apply a common-format file\n"
"  import-gtm -o DIR | --apply FILE...  GT.M/YottaDB journal extracts\n"
"  backup --to DIR [--type full] [--json] | backup --list\n"
"                              flush, lock writes, switch, mark, copy the databases\n"
"  restore-backup NAME [--redirect OLD=NEW]...\n"
"                              put a backup's databases back\n"
"  lock [--wait S] | locked | unlock\n"
"                              flush and lock writes (for copies made outside jrnkit)\n"
"  purge [--days N] [--backups N] [--dry-run]\n"
"                              remove journal files recovery no longer needs\n";

static void
usage(void)
{
	fputs(usage_text, stderr);
	exit(EX_USAGE);
}

static int
fail(const struct jk_err *e)
{
	cli_warn("%s", e->msg[0] ? e->msg : jk_strerror(e->code));
	return EX_ERR;
}

/* ---- instance and database selection ------------------------------------------- */

static const char *
inst_dir(void)
{
	const char *d = opt_inst ? opt_inst : getenv("JRNKIT_HOME");

	if (d == NULL || *d == '\0') {
		cli_warn("no instance: give -I DIR or set JRNKIT_HOME");
		exit(EX_USAGE);
	}
	return d;
}

static struct jk *
open_inst(void)
{
	struct jk_err err;
	struct jk *j;

	jk_err_clear(&err);
	if (jk_open(inst_dir(), &j, &err) != 0) {
		fail(&err);
		exit(EX_ERR);
	}
	return j;
}

static struct jk_db *
open_db(struct jk *j)
{
	struct jk_db *db;

	if (jk_db(j, opt_db, &db) != 0) {
		fail(jk_err(j));
		jk_close(j);
		exit(EX_ERR);
	}
	return db;
}

/* Parse a whole reference argument; the message names the column. */
static int
parse_ref(const char *s, struct jk_key *k)
{
	struct jk_err err;
	size_t end;

	jk_err_clear(&err);
	if (gref_parse(s, strlen(s), k, &end, &err) != 0) {
		cli_warn("bad global reference '%s': %s", s, err.msg);
		return -1;
	}
	if (s[end] != '\0') {
		cli_warn("bad global reference '%s': column %zu: unexpected text after the reference", s, end + 1);
		return -1;
	}
	return 0;
}

/* ---- init, db ------------------------------------------------------------------- */

static int
cmd_init(int argc, char **argv)
{
	struct jk_err err;

	if (argc > 2 && strncmp(argv[1], "--c", 3) == 0)
		return clucmd_init(argc, argv);
	if (argc != 2)
		usage();
	jk_err_clear(&err);
	if (jk_init(argv[1], &err) != 0)
		return fail(&err);
	printf("Instance created in %s\n", argv[1]);
	return EX_OK;
}

static int
cmd_db(int argc, char **argv)
{
	struct jk_err err;
	struct jk *j;
	int rc = EX_OK;

	if (argc < 2)
		usage();
	jk_err_clear(&err);
	if (strcmp(argv[1], "check") == 0) {
		struct db_check_report r;

		if (argc != 3)
			usage();
		memset(&r, 0, sizeof r);
		if (db_check(argv[2], &r, &err) != 0 && err.code != JK_ECORRUPT)
			return fail(&err);
		printf("%s: %" PRIu64 " nodes in %" PRIu64 " globals, %" PRIu64 " bad keys, %" PRIu64
		    " bad values, meta %s\n", argv[2], r.nodes, r.globals, r.bad_keys, r.bad_values,
		    r.meta_ok ? "ok" : "BAD");
		if (r.first_problem[0] != '\0') {
			printf("first problem: %s\n", r.first_problem);
			return EX_ERR;
		}
		printf("No errors found.\n");
		return EX_OK;
	}
	if (strcmp(argv[1], "list") == 0) {
		char **paths;
		bool *mt;
		size_t n, i;

		if (argc != 2)
			usage();
		j = open_inst();
		if (jk_db_list(j, &paths, &mt, &n) != 0) {
			rc = fail(jk_err(j));
		} else {
			for (i = 0; i < n; i++) {
				printf("%-10s %s\n", mt[i] ? "mounted" : "dismounted", paths[i]);
				free(paths[i]);
			}
			free(paths);
			free(mt);
		}
		jk_close(j);
		return rc;
	}
	if (argc != 3)
		usage();
	if (strcmp(argv[1], "create") == 0) {
		if (db_create(argv[2], &err) != 0)
			return fail(&err);
		if (opt_inst != NULL || (getenv("JRNKIT_HOME") != NULL && *getenv("JRNKIT_HOME") != '\0')) {
			j = open_inst();
			if (jk_db_register(j, argv[2], true) != 0)
				rc = fail(jk_err(j));
			jk_close(j);
		}
		if (rc == EX_OK)
			printf("Database created in %s\n", argv[2]);
		return rc;
	}
	if (strcmp(argv[1], "mount") == 0 || strcmp(argv[1], "dismount") == 0) {
		bool m = argv[1][0] == 'm';

		if (m && !db_exists(argv[2])) {
			cli_warn("No database exists in %s", argv[2]);
			return EX_ERR;
		}
		j = open_inst();
		if (jk_db_register(j, argv[2], m) != 0)
			rc = fail(jk_err(j));
		else
			printf("Database %s %s\n", argv[2], m ? "mounted" : "dismounted");
		jk_close(j);
		return rc;
	}
	usage();
	return EX_USAGE;
}

/* ---- set, get, incr, kill ----------------------------------------------------------- */

static int
cmd_set(int argc, char **argv)
{
	struct jk_key k;
	struct buf v = BUF_INIT;
	struct jk_err err;
	struct jk *j;
	int rc = EX_OK;

	jk_err_clear(&err);
	if (argc == 2) {
		if (zwr_parse_line(argv[1], strlen(argv[1]), &k, &v, &err) != 0) {
			cli_warn("bad ZWR line '%s': %s", argv[1], err.msg);
			return EX_USAGE;
		}
	} else if (argc == 3) {
		if (parse_ref(argv[1], &k) != 0)
			return EX_USAGE;
		buf_adds(&v, argv[2]);
	} else {
		usage();
	}
	j = open_inst();
	if (jk_set(j, open_db(j), &k, v.data, v.len) != 0)
		rc = fail(jk_err(j));
	jk_close(j);
	buf_release(&v);
	return rc;
}

static int
cmd_get(int argc, char **argv)
{
	struct jk_key k;
	struct buf v = BUF_INIT;
	struct jk *j;
	int rc = EX_OK, r;

	if (argc != 2)
		usage();
	if (parse_ref(argv[1], &k) != 0)
		return EX_USAGE;
	j = open_inst();
	r = jk_get(j, open_db(j), &k, &v);
	if (r == 0) {
		fwrite(v.data, 1, v.len, stdout);
		putchar('\n');
	} else if (r == JK_ENOTFOUND) {
		cli_warn("%s: undefined", argv[1]);
		rc = EX_ERR;
	} else {
		rc = fail(jk_err(j));
	}
	jk_close(j);
	buf_release(&v);
	return rc;
}

static int
cmd_incr(int argc, char **argv)
{
	struct jk_key k;
	struct buf v = BUF_INIT;
	const char *by = argc > 2 ? argv[2] : "1";
	struct jk *j;
	int rc = EX_OK;

	if (argc != 2 && argc != 3)
		usage();
	if (parse_ref(argv[1], &k) != 0)
		return EX_USAGE;
	j = open_inst();
	if (jk_incr(j, open_db(j), &k, (const uint8_t *)by, strlen(by), &v) != 0) {
		rc = fail(jk_err(j));
	} else {
		fwrite(v.data, 1, v.len, stdout);
		putchar('\n');
	}
	jk_close(j);
	buf_release(&v);
	return rc;
}

static int
cmd_kill(int argc, char **argv, enum db_kill_mode mode)
{
	struct jk_key k;
	struct jk *j;
	int rc = EX_OK;

	if (argc != 2)
		usage();
	if (parse_ref(argv[1], &k) != 0)
		return EX_USAGE;
	j = open_inst();
	if (jk_kill(j, open_db(j), &k, mode) != 0)
		rc = fail(jk_err(j));
	jk_close(j);
	return rc;
}

/* ---- zwrite, zload -------------------------------------------------------------------- */

/*
 * PATTERN: nothing (every node), a name pattern (^Acct, ^Ac*, ^A?ct), or a
 * reference with subscripts (^Acct(1042)): that node and its descendants.
 */
static int
cmd_zwrite(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : "*";
	const char *pat = arg;
	struct jk_key k, start, next;
	struct buf out = BUF_INIT, v = BUF_INIT;
	const char *name;
	size_t nlen, plen;
	bool subtree = false;
	struct jk *j;
	struct jk_db *db;
	int rc = EX_OK, r;

	if (argc > 2)
		usage();
	if (*pat == '^')
		pat++;
	plen = strlen(pat);
	if (strchr(pat, '(') != NULL) {
		buf_addc(&out, '^');
		buf_adds(&out, pat);
		if (parse_ref(buf_str(&out), &start) != 0) {
			buf_release(&out);
			return EX_USAGE;
		}
		subtree = true;
	} else if (!gref_pattern_valid(pat, plen)) {
		cli_warn("bad global pattern '%s'", arg);
		return EX_USAGE;
	}
	j = open_inst();
	db = open_db(j);
	if (subtree) {
		k = start;
		r = jk_get(j, db, &k, &v);
		if (r == 0) {
			buf_reset(&out);
			zwr_format_line(&out, k.b, k.len, v.data, v.len);
			puts(buf_str(&out));
		}
	} else {
		/* the smallest key: an empty name sorts first */
		k.len = 1;
		k.b[0] = 0;
	}
	for (;;) {
		r = jk_query(j, db, &k, 1, &next);
		if (r == JK_ENOTFOUND)
			break;
		if (r != 0) {
			rc = fail(jk_err(j));
			break;
		}
		k = next;
		if (subtree) {
			if (k.len <= start.len || memcmp(k.b, start.b, start.len) != 0)
				break;
		} else {
			gref_key_name(k.b, k.len, &name, &nlen);
			if (!gref_name_match(pat, plen, name, nlen))
				continue;
		}
		if ((r = jk_get(j, db, &k, &v)) != 0) {
			rc = fail(jk_err(j));
			break;
		}
		buf_reset(&out);
		zwr_format_line(&out, k.b, k.len, v.data, v.len);
		buf_addc(&out, '\n');
		fwrite(out.data, 1, out.len, stdout);
	}
	jk_close(j);
	buf_release(&out);
	buf_release(&v);
	return rc;
}

static FILE *
open_input(const char *path)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdin;
	f = fopen(path, "r");
	if (f == NULL) {
		cli_warn("cannot open '%s': %s", path, strerror(errno));
		exit(EX_ERR);
	}
	return f;
}

static void
chomp(char *line, ssize_t *len)
{
	while (*len > 0 && (line[*len - 1] == '\n' || line[*len - 1] == '\r'))
		line[--*len] = '\0';
}

static int
cmd_zload(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "-";
	struct jk_key k;
	struct buf v = BUF_INIT;
	struct jk_err err;
	char *line = NULL;
	size_t cap = 0, lineno = 0, loaded = 0;
	ssize_t len;
	struct jk *j;
	struct jk_db *db;
	FILE *f;
	int rc = EX_OK;

	if (argc != 2)
		usage();
	f = open_input(name);
	j = open_inst();
	db = open_db(j);
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		chomp(line, &len);
		/* mupip extract's two header lines, comments and blanks */
		if (len == 0 || line[0] != '^')
			continue;
		jk_err_clear(&err);
		if (zwr_parse_line(line, (size_t)len, &k, &v, &err) != 0) {
			cli_warn("%s:%zu: %s", name, lineno, err.msg);
			rc = EX_ERR;
			break;
		}
		if (jk_tlevel(j) == 0 && jk_tstart(j) != 0) {
			rc = fail(jk_err(j));
			break;
		}
		if (jk_set(j, db, &k, v.data, v.len) != 0) {
			cli_warn("%s:%zu: %s", name, lineno, jk_err(j)->msg);
			rc = EX_ERR;
			break;
		}
		if (++loaded % 1000 == 0 && jk_tcommit(j) != 0) {
			rc = fail(jk_err(j));
			break;
		}
	}
	if (jk_tlevel(j) > 0) {
		if (rc == EX_OK && jk_tcommit(j) != 0)
			rc = fail(jk_err(j));
		else if (rc != EX_OK)
			jk_trollback(j);
	}
	if (rc == EX_OK)
		printf("Loaded %zu nodes from %s\n", loaded, name);
	else
		fprintf(stderr, "%s: %zu nodes before line %zu were loaded; the rest were not\n",
		    cli_prog(), loaded - loaded % 1000, lineno);
	free(line);
	if (f != stdin)
		fclose(f);
	jk_close(j);
	buf_release(&v);
	return rc;
}

/* ---- exec ------------------------------------------------------------------------------ */

/* Split "word rest": returns rest (spaces skipped) and cuts the word. */
static char *
split_word(char *s)
{
	char *p = s;

	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p == '\0')
		return p;
	*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int
exec_line(struct jk *j, struct jk_db *db, char *line, size_t len, const char *name,
    size_t lineno)
{
	struct jk_key k;
	struct buf v = BUF_INIT;
	struct jk_err err;
	struct jk_loc loc;
	char *cmd = line, *rest;
	size_t end;
	int rc = 0;

	(void)len;
	jk_err_clear(&err);
	rest = split_word(cmd);
	if (strcmp(cmd, "set") == 0 || strcmp(cmd, "s") == 0) {
		if (zwr_parse_line(rest, strlen(rest), &k, &v, &err) != 0)
			goto bad;
		rc = jk_set(j, db, &k, v.data, v.len);
	} else if (strcmp(cmd, "kill") == 0 || strcmp(cmd, "k") == 0 ||
	    strcmp(cmd, "zkill") == 0 || strcmp(cmd, "zk") == 0 ||
	    strcmp(cmd, "killdesc") == 0) {
		if (gref_parse(rest, strlen(rest), &k, &end, &err) != 0)
			goto bad;
		if (rest[end] != '\0') {
			jk_errf(&err, JK_EFORMAT, "column %zu: unexpected text after the reference", end + 1);
			goto bad;
		}
		rc = jk_kill(j, db, &k, cmd[0] == 'z' ? DB_KILL_NODE :
		    strcmp(cmd, "killdesc") == 0 ? DB_KILL_DESC : DB_KILL_TREE);
	} else if (strcmp(cmd, "incr") == 0) {
		const char *by = "1";
		size_t byn = 1;

		if (gref_parse(rest, strlen(rest), &k, &end, &err) != 0)
			goto bad;
		if (rest[end] == '=') {
			if (zwr_parse_value(rest + end + 1, strlen(rest + end + 1), &v, &end, &err) != 0)
				goto bad;
			by = (const char *)v.data;
			byn = v.len;
		} else if (rest[end] != '\0') {
			jk_errf(&err, JK_EFORMAT, "column %zu: expected '=' or the end of the line", end + 1);
			goto bad;
		}
		rc = jk_incr(j, db, &k, (const uint8_t *)(by ? by : ""), byn, NULL);
	} else if (strcmp(cmd, "tstart") == 0 || strcmp(cmd, "ts") == 0) {
		rc = jk_tstart(j);
	} else if (strcmp(cmd, "tcommit") == 0 || strcmp(cmd, "tc") == 0) {
		rc = jk_tcommit(j);
	} else if (strcmp(cmd, "trollback") == 0 || strcmp(cmd, "tro") == 0) {
		rc = jk_trollback(j);
	} else if (strcmp(cmd, "mark") == 0) {
		char *text = split_word(rest);
		char *e;
		long long id = strtoll(rest, &e, 10);

		if (*rest == '\0' || *e != '\0') {
			jk_errf(&err, JK_EFORMAT, "mark needs a numeric id, then the text");
			goto bad;
		}
		rc = jk_mark(j, id, text, &loc);
	} else {
		jk_errf(&err, JK_EFORMAT, "unknown command '%s'", cmd);
		goto bad;
	}
	buf_release(&v);
	if (rc != 0) {
		cli_warn("%s:%zu: %s", name, lineno, jk_err(j)->msg);
		return -1;
	}
	return 0;
bad:
	buf_release(&v);
	cli_warn("%s:%zu: %s", name, lineno, err.msg);
	return -1;
}

static int
cmd_exec(int argc, char **argv)
{
	const char *name;
	char *line = NULL, *s;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	struct jk *j;
	struct jk_db *db;
	FILE *f;
	int rc = EX_OK;

	if (argc != 2)
		usage();
	name = argv[1];
	f = open_input(name);
	j = open_inst();
	db = open_db(j);
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		chomp(line, &len);
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (exec_line(j, db, s, strlen(s), name, lineno) != 0) {
			rc = EX_ERR;
			break;
		}
	}
	if (jk_tlevel(j) > 0) {
		cli_warn("%s: transaction left open at %s; rolled back", name,
		    rc == EX_OK ? "the end of input" : "the error");
		jk_trollback(j);
		rc = EX_ERR;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	jk_close(j);
	return rc;
}

/* ---- load: the workload generator ----------------------------------------------------- */

struct load_opt {
	uint64_t n, t, p, k, v, kill_every, seed;
	const char *global;
	const char *log;	/* --log DIR: acknowledged commits, DIR/load.N for process N */
	const char *commit_log;	/* --commit-log FILE: the time of each commit, or NULL */
};

/*
 * SIGINT and SIGTERM stop a load at the end of the transaction in
 * progress (load_stop); the parent of -p passes them on to its processes.
 */
static volatile sig_atomic_t load_stop;
static pid_t *load_pids;
static uint64_t load_npids;

static void
load_signal(int sig)
{
	uint64_t i;

	load_stop = 1;
	for (i = 0; load_pids != NULL && i < load_npids; i++)
		if (load_pids[i] > 0)
			kill(load_pids[i], sig);
}

struct load_res {
	uint64_t sets, kills, commits;
};

/* splitmix64: small, fast, and the same sequence everywhere for a seed */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int
load_key(struct jk_key *k, const char *global, uint64_t i)
{
	char sub[24], *p = sub + sizeof sub;
	int n;

	do
		*--p = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	n = (int)(sub + sizeof sub - p);
	memmove(sub, p, (size_t)n);

	if (gref_key_init(k, global, strlen(global), NULL) != 0)
		return -1;
	return gref_key_add(k, (const uint8_t *)sub, (size_t)n, NULL);
}

/*
 * The load log (--log): an oracle of what was committed, kept by the
 * generator itself and not by the journal, for the crash tests
 * (tests/crash/).  Per process a file of lines:
 *
 *	S KEY VALUE	a set of ^GLOBAL(KEY) (VALUE printable, no blanks)
 *	K KEY		a kill of ^GLOBAL(KEY)
 *	T		the unit above is complete and about to commit
 *	C		its commit returned: acknowledged
 *
 * A unit's S/K lines and its T go out in one write() before the commit,
 * its C in another after, so a process killed at any moment leaves at
 * most one unit with T and no C: committed or not, either is right.
 */
struct load_log {
	int fd;			/* -1: no log */
	struct buf unit;	/* the lines of the unit being built */
	struct buf *times;	/* --commit-log: "PID TAB TIME_US" a commit, or NULL */
};

/* --commit-log: the commit times, appended to file in one write at the end (one per process) */
static int
commit_log_write(const char *file, const struct buf *b)
{
	size_t off = 0;
	ssize_t w = 0;
	int fd;

	if (file == NULL || b->len == 0)
		return EX_OK;
	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0) {
		cli_warn("cannot open commit log '%s': %s", file, strerror(errno));
		return EX_ERR;
	}
	while (off < b->len && (w = write(fd, b->data + off, b->len - off)) > 0)
		off += (size_t)w;
	if (off < b->len) {
		cli_warn("cannot write commit log '%s': %s", file, w < 0 ? strerror(errno) : "short write");
		close(fd);
		return EX_ERR;
	}
	if (close(fd) != 0) {
		cli_warn("cannot write commit log '%s': %s", file, strerror(errno));
		return EX_ERR;
	}
	return EX_OK;
}

static int
log_put(struct load_log *lg, const char *what)
{
	if (lg->fd < 0)
		return 0;
	if (buf_adds(&lg->unit, what) != 0 ||
	    write(lg->fd, lg->unit.data, lg->unit.len) != (ssize_t)lg->unit.len) {
		cli_warn("cannot write the load log: %s", strerror(errno));
		return -1;
	}
	buf_reset(&lg->unit);
	return 0;
}

/* The last subscript of k (a number) into the unit's line. */
static void
log_upd(struct load_log *lg, char op, const struct jk_key *k, const uint8_t *v, size_t vn)
{
	struct buf sub = BUF_INIT;
	bool isnum;

	if (lg->fd < 0)
		return;
	gref_key_sub(k->b, k->len, 0, &sub, &isnum);
	buf_addf(&lg->unit, "%c %s", op, buf_str(&sub));
	if (v != NULL) {
		buf_addc(&lg->unit, ' ');
		buf_add(&lg->unit, v, vn);
	}
	buf_addc(&lg->unit, '\n');
	buf_release(&sub);
}

static int
load_one(struct jk *j, struct jk_db *db, const struct load_opt *o, uint64_t count,
    uint64_t seed, struct load_res *res, struct load_log *lg)
{
	uint8_t val[4096];
	struct jk_key k, nk;
	uint64_t i, s = seed, c, done = 0;
	size_t vn = o->v < sizeof val ? o->v : sizeof val;

	memset(res, 0, sizeof *res);
	while (done < count && !load_stop) {
		uint64_t batch = o->t > 0 ? o->t : 1;

		if (o->t > 0 && jk_tstart(j) != 0)
			return fail(jk_err(j));
		for (i = 0; i < batch && done < count; i++) {
			for (c = 0; c < vn; c++) {
				/* printable bytes, eight from each draw */
				uint64_t x = rnd(&s);
				size_t e = c + 8 < vn ? c + 8 : vn;

				for (; c < e; c++, x >>= 8)
					val[c] = (uint8_t)(33 + (x & 0xff) % 94);
				c--;
			}
			if (load_key(&k, o->global, 1 + rnd(&s) % o->k) != 0) {
				cli_warn("cannot make a key of ^%s", o->global);
				return EX_ERR;
			}
			log_upd(lg, 'S', &k, val, vn);
			if (o->t == 0 && log_put(lg, "T\n") != 0)
				return EX_ERR;
			if (jk_set(j, db, &k, val, vn) != 0)
				return fail(jk_err(j));
			if (o->t == 0 && log_put(lg, "C\n") != 0)
				return EX_ERR;
			done++;
			res->sets++;
			if (o->kill_every > 0 && done % o->kill_every == 0) {
				/* KILL an existing node: the first one after a random key */
				int r;

				load_key(&k, o->global, 1 + rnd(&s) % o->k);
				r = jk_order(j, db, &k, 1, &nk);
				if (r == JK_ENOTFOUND) {
					/* past the last: the first node */
					load_key(&k, o->global, 0);
					r = jk_order(j, db, &k, 1, &nk);
				}
				if (r == 0) {
					log_upd(lg, 'K', &nk, NULL, 0);
					if (o->t == 0 && log_put(lg, "T\n") != 0)
						return EX_ERR;
					if (jk_kill(j, db, &nk, DB_KILL_TREE) != 0)
						return fail(jk_err(j));
					if (o->t == 0 && log_put(lg, "C\n") != 0)
						return EX_ERR;
					res->kills++;
				} else if (r != JK_ENOTFOUND) {
					return fail(jk_err(j));
				}
			}
		}
		if (o->t > 0) {
			if (log_put(lg, "T\n") != 0)
				return EX_ERR;
			if (jk_tcommit(j) != 0)
				return fail(jk_err(j));
			if (log_put(lg, "C\n") != 0)
				return EX_ERR;
		}
		res->commits++;
		if (lg->times != NULL &&
		    buf_addf(lg->times, "%ld\t%" PRIu64 "\n", (long)getpid(), jrn_now_us()) != 0) {
			cli_warn("out of memory for the commit log");
			return EX_ERR;
		}
	}
	return EX_OK;
}

/*
 * Process n of the load: with --log, its log DIR/load.N and its own global
 * ^GLOBALN, so that the log describes that global completely.
 */
static int
load_proc(struct jk *j, const struct load_opt *o, uint64_t n, uint64_t count, uint64_t seed,
    struct load_res *res)
{
	struct buf times = BUF_INIT;
	struct load_log lg = { -1, BUF_INIT, o->commit_log != NULL ? &times : NULL };
	struct load_opt po = *o;
	char path[PATH_MAX], global[64];
	int rc;

	if (o->log != NULL) {
		snprintf(global, sizeof global, "%s%" PRIu64, o->global, n);
		po.global = global;
		snprintf(path, sizeof path, "%s/load.%" PRIu64, o->log, n);
		if ((lg.fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0) {
			cli_warn("cannot open the load log '%s': %s", path, strerror(errno));
			return EX_ERR;
		}
	}
	memset(res, 0, sizeof *res);
	rc = load_one(j, open_db(j), &po, count, seed, res, &lg);
	if (lg.fd >= 0)
		close(lg.fd);
	if (commit_log_write(o->commit_log, &times) != EX_OK)
		rc = EX_ERR;
	buf_release(&lg.unit);
	buf_release(&times);
	return rc;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
num_arg(const char *opt, const char *s)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno != 0 || *e != '\0' || *s == '-' || *s == '\0') {
		cli_warn("%s needs a number, not '%s'", opt, s);
		exit(EX_USAGE);
	}
	return v;
}

static int
cmd_load(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kill-every", required_argument, NULL, 'K' },
		{ "seed", required_argument, NULL, 'S' },
		{ "members", no_argument, NULL, 'M' },
		{ "log", required_argument, NULL, 'L' },
		{ "commit-log", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct load_opt o = { 1000000, 100, 1, 0, 40, 1000, 1, "acct", NULL, NULL };
	struct sigaction sa;
	char **members = NULL;	/* --members: the instances, children go round them */
	size_t nmembers = 0;
	struct load_res res, sum;
	int c, fds[2], rc = EX_OK, status;
	uint64_t i;
	double t0, dt;
	pid_t *pids;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:t:p:k:v:g:", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o.n = num_arg("-n", optarg); break;
		case 't': o.t = num_arg("-t", optarg); break;
		case 'p': o.p = num_arg("-p", optarg); break;
		case 'k': o.k = num_arg("-k", optarg); break;
		case 'v': o.v = num_arg("-v", optarg); break;
		case 'K': o.kill_every = num_arg("--kill-every", optarg); break;
		case 'S': o.seed = num_arg("--seed", optarg); break;
		case 'M': nmembers = 1; break;
		case 'L': o.log = optarg; break;
		case 'C': o.commit_log = optarg; break;
		case 'g':
			o.global = optarg[0] == '^' ? optarg + 1 : optarg;
			if (!gref_name_valid(o.global, strlen(o.global))) {
				cli_warn("bad global name '%s'", optarg);
				return EX_USAGE;
			}
			break;
		default: usage();
		}
	}
	if (optind != argc || o.p < 1 || o.p > 256 || o.v > 4096)
		usage();
	if (o.k == 0)
		o.k = o.n > 0 ? o.n : 1;
	memset(&sum, 0, sizeof sum);
	inst_dir();
	if (nmembers > 0) {
		if ((members = clucmd_member_dirs(inst_dir(), &nmembers)) == NULL)
			return EX_ERR;
		o.p *= nmembers;
	}
	fflush(stdout);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = load_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t0 = now_s();
	if (o.p == 1 && members == NULL) {
		struct jk *j = open_inst();

		rc = load_proc(j, &o, 0, o.n, o.seed, &sum);
		jk_close(j);
	} else {
		if (pipe(fds) != 0) {
			cli_warn("cannot make a pipe: %s", strerror(errno));
			return EX_ERR;
		}
		pids = calloc(o.p, sizeof *pids);
		if (pids == NULL) {
			cli_warn("out of memory");
			return EX_ERR;
		}
		load_npids = o.p;
		load_pids = pids;
		for (i = 0; i < o.p && !load_stop; i++) {
			pids[i] = fork();
			if (pids[i] < 0) {
				cli_warn("cannot start process %" PRIu64 ": %s", i + 1, strerror(errno));
				rc = EX_ERR;
				break;
			}
			if (pids[i] == 0) {
				struct jk *j;
				uint64_t share = o.n / o.p + (i < o.n % o.p);
				int r;

				load_pids = NULL;
				close(fds[0]);
				if (members != NULL)
					opt_inst = members[i % nmembers];
				j = open_inst();
				r = load_proc(j, &o, i, share, o.seed + i * 0x1000193ULL, &res);
				jk_close(j);
				if (write(fds[1], &res, sizeof res) != (ssize_t)sizeof res)
					r = EX_ERR;
				_exit(r);
			}
		}
		close(fds[1]);
		while (read(fds[0], &res, sizeof res) == (ssize_t)sizeof res) {
			sum.sets += res.sets;
			sum.kills += res.kills;
			sum.commits += res.commits;
		}
		close(fds[0]);
		for (i = 0; i < o.p; i++) {
			if (pids[i] > 0 && waitpid(pids[i], &status, 0) > 0 &&
			    (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
				rc = EX_ERR;
		}
		load_pids = NULL;
		free(pids);
		for (i = 0; i < nmembers; i++)
			free(members[i]);
		free(members);
	}
	dt = now_s() - t0;
	printf("load: %" PRIu64 " sets, %" PRIu64 " kills, %" PRIu64 " commits by %" PRIu64
	    " process%s in %.3f s: %.0f updates/s, %.0f commits/s\n",
	    sum.sets, sum.kills, sum.commits, o.p, o.p == 1 ? "" : "es", dt,
	    dt > 0 ? (sum.sets + sum.kills) / dt : 0.0, dt > 0 ? sum.commits / dt : 0.0);
	return rc;
}

/* ---- journal commands ------------------------------------------------------------------ */

static int
cmd_switch(int argc, char **argv)
{
	struct buf from = BUF_INIT, to = BUF_INIT;
	struct jk *j;
	int rc = EX_OK;

	(void)argv;
	if (argc != 1)
		usage();
	j = open_inst();
	if (jk_switch(j, &from, &to) != 0) {
		rc = fail(jk_err(j));
	} else {
		printf("Switching from: %s\n", buf_str(&from));
		printf("To:             %s\n", buf_str(&to));
	}
	jk_close(j);
	buf_release(&from);
	buf_release(&to);
	return rc;
}

static int
cmd_start_stop(int argc, char **argv)
{
	struct jrn_status st;
	struct jk *j;
	bool start = strcmp(argv[0], "start") == 0;
	int rc = EX_OK, r;

	if (argc != 1)
		usage();
	j = open_inst();
	r = start ? jk_start(j) : jk_stop(j);
	if (r == JK_ESTATE) {
		/* Already in that state: the original's words, and not an error. */
		printf("%s\n", jk_err(j)->msg);
	} else if (r != 0) {
		rc = fail(jk_err(j));
	} else if (jk_status(j, &st) == 0) {
		if (start)
			printf("Journaling started to %s\n", st.path);
		else
			printf("Journaling stopped; last file %s\n", st.path);
	}
	jk_close(j);
	return rc;
}

static int
cmd_mark(int argc, char **argv)
{
	struct jk_loc loc;
	struct jk *j;
	char *e;
	long long id;
	int rc = EX_OK;

	if (argc > 1 && strncmp(argv[1], "--c", 3) == 0)
		return clucmd_mark(argc, argv, inst_dir());
	if (argc != 3)
		usage();
	errno = 0;
	id = strtoll(argv[1], &e, 10);
	if (errno != 0 || *e != '\0' || argv[1][0] == '\0') {
		printf("%d,marker id must be a number, not '%s'\n", JK_EUSAGE, argv[1]);
		return EX_USAGE;
	}
	j = open_inst();
	if (jk_mark(j, id, argv[2], &loc) != 0) {
		/* the original's answer form: -code,message */
		printf("%d,%s\n", jk_err(j)->code, jk_err(j)->msg);
		rc = EX_ERR;
	} else {
		printf("%" PRIu64 ",%s\n", loc.offset, loc.path);
	}
	jk_close(j);
	return rc;
}

static int
cmd_checkpoint(int argc, char **argv)
{
	struct jk *j;
	int rc = EX_OK;

	(void)argv;
	if (argc != 1)
		usage();
	j = open_inst();
	if (jk_checkpoint(j) != 0)
		rc = fail(jk_err(j));
	jk_close(j);
	return rc;
}

/* Startup recovery on demand (rcv.h): the instance to itself, the report on stdout. */
static int
cmd_recover(int argc, char **argv)
{
	struct rcv_report rep;
	struct buf out = BUF_INIT;
	struct jk_err err;
	const char *inst = inst_dir();
	int rc;

	(void)argv;
	if (argc != 1)
		usage();
	jk_err_clear(&err);
	rcv_report_init(&rep);
	rc = rcv_recover(inst, rcv_running(inst) ? "crash" : "on demand", &rep, &err);
	if (rc == 0 && rcv_report_text(&rep, &out) == 0)
		fputs(buf_str(&out), stdout);
	if (rc != 0)
		rc = fail(&err);
	else if (rep.errors > 0)
		rc = EX_ERR;
	buf_release(&out);
	rcv_report_release(&rep);
	return rc;
}

/* s as a JSON string on stdout (buf_add_json). */
static void
json_str(const char *s)
{
	struct buf b = BUF_INIT;

	if (buf_add_json(&b, s) == 0)
		fputs(buf_str(&b), stdout);
	buf_release(&b);
}

static int
cmd_status(int argc, char **argv)
{
	struct jrn_status st;
	const struct inst_conf *c;
	struct jk *j;
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	int rc = EX_OK;

	if (argc > 2 || (argc == 2 && !json))
		usage();
	j = open_inst();
	c = jk_conf(j);
	if (json) {
		if (jk_status(j, &st) != 0) {
			rc = fail(jk_err(j));
			goto out;
		}
		printf("{\"instance\":");
		json_str(jk_dir(j));
		printf(",\"journal_dir\":");
		json_str(c->jrn_dir);
		printf(",\"journal_dir_free_kb\":%lld,\"alternate_dir\":", dir_free_kb(c->jrn_dir));
		json_str(c->alt_dir);
		printf(",\"alternate_dir_free_kb\":%lld,\"current_file\":", dir_free_kb(c->alt_dir));
		json_str(st.path);
		printf(",\"max_size\":%" PRIu64 ",\"used\":%" PRIu64 ",\"synced\":%" PRIu64
		    ",\"journaling\":%s,\"commit\":\"%s\",\"marker_seq\":%" PRIu64 "}\n",
		    st.max_size, st.end, st.synced, st.journaling ? "true" : "false",
		    inst_commit_name(c->commit), st.marker_seq);
		goto out;
	}
	if (status_write(j, stdout) != 0)
		rc = fail(jk_err(j));
out:
	jk_close(j);
	return rc;
}

static int
cmd_verify(int argc, char **argv)
{
	struct jrn_verify v;
	struct jk_err err;
	int i, r, rc = EX_OK;

	if (argc < 2)
		usage();
	for (i = 1; i < argc; i++) {
		jk_err_clear(&err);
		r = jrn_verify_file(argv[i], &v, &err);
		if (r == 0) {
			printf("%s: %" PRIu64 " records, %" PRIu64 " bytes, valid up to offset %" PRIu64
			    " (end of file)%s\n", argv[i], v.records, v.bytes, v.valid_end,
			    v.closed ? ", closed" : ", open");
		} else if (r == JK_ETORN || r == JK_ECORRUPT) {
			printf("%s: %" PRIu64 " records, %" PRIu64 " bytes, valid up to offset %" PRIu64 "\n",
			    argv[i], v.records, v.bytes, v.valid_end);
			cli_warn("%s", err.msg);
			if (rc == EX_OK)
				rc = EX_DAMAGED;
		} else {
			fail(&err);
			rc = EX_ERR;
		}
	}
	return rc;
}

/* ---- the menu and the options -------------------------------------------------------------- */

static int
cmd_menu(void)
{
	struct jk_err err;

	jk_err_clear(&err);
	if (mainmenu_run(inst_dir(), &err) != 0)
		return fail(&err);
	return EX_OK;
}

static int
cmd_options(int argc, char **argv)
{
	struct jk_err err;
	int rc;

	jk_err_clear(&err);
	if (argc == 1)
		rc = options_run(inst_dir(), &err);
	else
		rc = options_set(inst_dir(), argc - 1, argv + 1, stdout, &err);
	if (rc == 0)
		return EX_OK;
	fail(&err);
	return rc == JK_EUSAGE ? EX_USAGE : EX_ERR;
}

/* ---- main -------------------------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	const char *cmd;
	int c;

	cli_set_prog("jrnkit");
	signal(SIGPIPE, SIG_DFL);
	while ((c = getopt(argc, argv, "+I:d:h")) != -1) {
		switch (c) {
		case 'I': opt_inst = optarg; break;
		case 'd': opt_db = optarg; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return cmd_menu();
	cmd = argv[0];
	if (strcmp(cmd, "init") == 0) return cmd_init(argc, argv);
	if (strcmp(cmd, "cluster") == 0) return clucmd_cluster(argc, argv, opt_inst ? opt_inst : getenv("JRNKIT_HOME"));
	if (strcmp(cmd, "db") == 0) return cmd_db(argc, argv);
	if (strcmp(cmd, "set") == 0) return cmd_set(argc, argv);
	if (strcmp(cmd, "get") == 0) return cmd_get(argc, argv);
	if (strcmp(cmd, "incr") == 0) return cmd_incr(argc, argv);
	if (strcmp(cmd, "kill") == 0) return cmd_kill(argc, argv, DB_KILL_TREE);
	if (strcmp(cmd, "zkill") == 0) return cmd_kill(argc, argv, DB_KILL_NODE);
	if (strcmp(cmd, "zwrite") == 0) return cmd_zwrite(argc, argv);
	if (strcmp(cmd, "zload") == 0) return cmd_zload(argc, argv);
	if (strcmp(cmd, "exec") == 0) return cmd_exec(argc, argv);
	if (strcmp(cmd, "load") == 0) return cmd_load(argc, argv);
	if (strcmp(cmd, "switch") == 0) return cmd_switch(argc, argv);
	if (strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0) return cmd_start_stop(argc, argv);
	if (strcmp(cmd, "mark") == 0) return cmd_mark(argc, argv);
	if (strcmp(cmd, "checkpoint") == 0) return cmd_checkpoint(argc, argv);
	if (strcmp(cmd, "recover") == 0) return cmd_recover(argc, argv);
	if (strcmp(cmd, "status") == 0) return cmd_status(argc, argv);
	if (strcmp(cmd, "options") == 0) return cmd_options(argc, argv);
	if (strcmp(cmd, "verify") == 0) return cmd_verify(argc, argv);
	if (strcmp(cmd, "convert") == 0) return cmd_convert(argc, argv, opt_inst, opt_db);
	if (strcmp(cmd, "read") == 0) return cmd_read(argc, argv, opt_inst, opt_db);
	if (strcmp(cmd, "import-gtm") == 0) return cmd_import_gtm(argc, argv, opt_inst, opt_db);
	if (bkpcmd_is(cmd)) return bkpcmd_run(inst_dir(), argc, argv);
	cli_warn("unknown command '%s'", cmd);
	usage();
	return EX_USAGE;
}
