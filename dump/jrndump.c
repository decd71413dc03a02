/*
 * jrndump - browse journal files, dump and count their records (jrndump(8)).
 *
 * Without a batch option: the browser of spec/dialogues.md section 4, with
 * ncurses when stdin and stdout are terminals (term.c), else in the line
 * mode: each screen printed, one key (or answer) read a line, so a file of
 * keys can be replayed and its output compared as text.  --keys FILE
 * replays FILE and prints only the final screen.  Key lines: a letter, or
 * <down> <up> <pgdn> <pgup> <enter> <resize COLSxROWS>; a letter followed
 * by text ("G 131088") answers the question the key asks.
 *
 * --select, --stats and --verify are the batch modes (batch.c).
 */
#include <ctype.h>
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
#include <unistd.h>

#include "clu.h"
#include "dump.h"
#include "inst.h"
#include "jsel.h"
#include "rst.h"

static const char usage_text[] =
"usage: jrndump [-I dir] [FILE]                  browse the journal (the instance's files)\n"
"       jrndump [-I dir] --keys KEYS [FILE]      replay keys, print the last screen\n"
"       jrndump [-I dir] --select [FILTER...] [--json] [-o OUT] [FILE...]\n"
"       jrndump [-I dir] --stats [FILTER...] [--json] [--threads N] [-o OUT] [FILE...]\n"
"       jrndump [-I dir] --verify [--json] [FILE...]\n"
"files (default: every file of the instance's journal.log):\n"
"  --from FILE --through FILE    the first and last file of the list (name or path)\n"
"filters (several of one kind: any of them; of different kinds: all):\n"
"  --pid N               records of this process\n"
"  --dir DIR             records of this database directory\n"
"  --global G            a global: Acct (all its nodes), Acct(1,\"x\") (that node), Acct* (a pattern)\n"
"  --global-contains T   records whose global reference contains T\n"
"  --op LIST             op codes: S,SI,K,k,BT,CT,RB,M,JS,JE,DB,CP,BK; ST = S in a transaction\n"
"  --since TIME --until TIME   YYYYMMDD HH:MM:SS[.ffffff] local time, or @MICROSECONDS\n"
"  --seq LO-HI           cluster sequence numbers\n"
"  --offset LO-HI        offsets in each file\n"
"  --tx ID|yes|no        one transaction, or records inside / outside transactions\n"
"  --filter TERMS        the filter as the browser's Select question takes it\n"
"output:\n"
"  --json                one JSON object a record (--stats, --verify: JSON too)\n"
"  -o FILE               write to FILE instead of the standard output\n"
"  --threads N           --stats: read each file in N ranges, a thread each (default: one\n"
"                        a core, at most 4, for files of 8 MB or more; 1: in order)\n"
"  --size COLSxROWS      the screen of --keys and the line mode (default 80x24)\n";

static int
usage(const char *why)
{
	return cli_usage(usage_text, why, DUMP_EXIT_USAGE);
}

enum {
	O_KEYS = 256, O_SELECT, O_STATS, O_VERIFY, O_FROM, O_THROUGH, O_PID, O_DIR, O_GLOBAL,
	O_CONTAINS, O_OP, O_SINCE, O_UNTIL, O_SEQ, O_OFFSET, O_TX, O_FILTER, O_JSON, O_SIZE, O_THREADS, O_HELP,
};

static const struct option longopts[] = {
	{ "keys", required_argument, NULL, O_KEYS },
	{ "select", no_argument, NULL, O_SELECT },
	{ "stats", no_argument, NULL, O_STATS },
	{ "verify", no_argument, NULL, O_VERIFY },
	{ "from", required_argument, NULL, O_FROM },
	{ "through", required_argument, NULL, O_THROUGH },
	{ "pid", required_argument, NULL, O_PID },
	{ "dir", required_argument, NULL, O_DIR },
	{ "global", required_argument, NULL, O_GLOBAL },
	{ "global-contains", required_argument, NULL, O_CONTAINS },
	{ "op", required_argument, NULL, O_OP },
	{ "since", required_argument, NULL, O_SINCE },
	{ "until", required_argument, NULL, O_UNTIL },
	{ "seq", required_argument, NULL, O_SEQ },
	{ "offset", required_argument, NULL, O_OFFSET },
	{ "tx", required_argument, NULL, O_TX },
	{ "filter", required_argument, NULL, O_FILTER },
	{ "json", no_argument, NULL, O_JSON },
	{ "size", required_argument, NULL, O_SIZE },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char *inst, *keys, *from, *through, *out;
	int mode;		/* 0 browse, O_SELECT, O_STATS, O_VERIFY */
	bool json, filtered;
	int rows, cols;
	unsigned threads;	/* --stats: 0 as many as cores */
	struct jsel sel;
};

/* One filter flag as a term of jsel_parse ("pid" "2980" -> pid=2980). */
static int
filter_flag(struct opts *o, int c, const char *arg, struct jk_err *err)
{
	static const struct { int c; const char *name; } names[] = {
		{ O_PID, "pid" }, { O_DIR, "dir" }, { O_OP, "op" }, { O_SINCE, "since" },
		{ O_UNTIL, "until" }, { O_SEQ, "seq" }, { O_OFFSET, "offset" }, { O_TX, "tx" },
	};
	struct buf t = BUF_INIT;
	size_t i;
	int rc;

	o->filtered = true;
	if (c == O_GLOBAL || c == O_CONTAINS)
		return jsel_add_global(&o->sel, arg, c == O_CONTAINS, err);
	if (c == O_FILTER)
		return jsel_parse(&o->sel, arg, err);
	for (i = 0; names[i].c != c; i++)
		;
	/* through the terms, so flag and Select prompt read values alike */
	if (buf_addf(&t, "%s=%s", names[i].name, arg) != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	rc = jsel_parse(&o->sel, buf_str(&t), err);
	buf_release(&t);
	return rc;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	struct jk_err err;
	int c;

	while ((c = getopt_long(argc, argv, "I:o:", longopts, NULL)) != -1) {
		jk_err_clear(&err);
		switch (c) {
		case 'I': o->inst = optarg; break;
		case 'o': o->out = optarg; break;
		case O_KEYS: o->keys = optarg; break;
		case O_SELECT: case O_STATS: case O_VERIFY:
			if (o->mode != 0 && o->mode != c)
				return usage("--select, --stats and --verify: one at a time");
			o->mode = c;
			break;
		case O_FROM: o->from = optarg; break;
		case O_THROUGH: o->through = optarg; break;
		case O_JSON: o->json = true; break;
		case O_SIZE:
			if (sscanf(optarg, "%dx%d", &o->cols, &o->rows) != 2 || o->cols < 40 ||
			    o->rows < 10 || o->cols > 1000 || o->rows > 1000)
				return usage("--size wants COLSxROWS, at least 40x10, such as 80x24");
			break;
		case O_THREADS: {
			char *end;
			unsigned long t;

			errno = 0;
			t = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || t < 1 || t > 16 || optarg[0] == '-')
				return usage("--threads wants a number from 1 to 16");
			o->threads = (unsigned)t;
			break;
		}
		case O_HELP:
			fputs(usage_text, stdout);
			exit(DUMP_EXIT_OK);
		case O_PID: case O_DIR: case O_GLOBAL: case O_CONTAINS: case O_OP: case O_SINCE:
		case O_UNTIL: case O_SEQ: case O_OFFSET: case O_TX: case O_FILTER:
			if (filter_flag(o, c, optarg, &err) != 0) {
				cli_warn("%s", err.msg);
				return DUMP_EXIT_USAGE;
			}
			break;
		default:
			return usage(NULL);
		}
	}
	if (o->mode == 0 && (o->filtered || o->json || o->out != NULL))
		return usage("filters, --json and -o go with --select or --stats");
	if (o->mode != 0 && o->keys != NULL)
		return usage("--keys is for the browser: not with --select, --stats or --verify");
	if (o->threads != 0 && o->mode != O_STATS)
		return usage("--threads goes with --stats");
	if (o->mode == O_VERIFY && o->filtered)
		return usage("--verify checks whole files: no filters");
	if (o->mode == 0 && argc - optind > 1)
		return usage("the browser takes one FILE (the others: G in the file list)");
	return 0;
}

/* The files: those given, else the instance's journal.log; then --from/--through. */
static int
file_list(struct opts *o, char **args, int nargs, struct rst_files *files)
{
	struct jk_err err;
	int i, rc = 0;

	jk_err_clear(&err);
	if (nargs > 0) {
		for (i = 0; i < nargs && rc == 0; i++)
			rc = rst_files_add(files, args[i], &err);
	} else if (o->inst == NULL || *o->inst == '\0') {
		cli_warn("no journal files: name them, or give -I DIR or set JRNKIT_HOME");
		return DUMP_EXIT_USAGE;
	} else
		rc = rst_files_from_log(files, o->inst, NULL, 0, &err);
	if (rc == 0 && (o->from != NULL || o->through != NULL))
		rc = rst_files_range(files, o->from, o->through, &err);
	if (rc != 0) {
		cli_warn("%s", err.msg);
		return rc == JK_EUSAGE || rc == JK_ENOTFOUND ? DUMP_EXIT_USAGE : DUMP_EXIT_ERR;
	}
	return 0;
}

/* ---- the line mode and key scripts -------------------------------------------- */

/* Trim s in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* A key line: the key, and *rest the text after a letter key (or NULL). */
static int
parse_key(struct browse *b, char *line, char **rest)
{
	static const struct { const char *name; int key; } names[] = {
		{ "<down>", BK_DOWN }, { "<up>", BK_UP }, { "<pgdn>", BK_PGDN }, { "<pgup>", BK_PGUP },
		{ "<enter>", BK_ENTER },
	};
	size_t i;
	int cols, rows;

	*rest = NULL;
	if (*line == '\0')
		return BK_ENTER;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(line, names[i].name) == 0)
			return names[i].key;
	if (sscanf(line, "<resize %dx%d>", &cols, &rows) == 2) {
		browse_size(b, rows, cols);
		return 0;
	}
	if (line[1] != '\0') {
		*rest = trim(line + 1);
		if (**rest == '\0')
			*rest = NULL;
	}
	return (unsigned char)line[0];
}

/* The screen and its bar on out. */
static int
show(struct browse *b, FILE *out)
{
	struct buf s = BUF_INIT, bar = BUF_INIT;
	int hl, rc;

	if ((rc = browse_render(b, &s, &hl, &bar)) == 0)
		fprintf(out, "%s%s ", buf_str(&s), buf_str(&bar));
	buf_release(&s);
	buf_release(&bar);
	return rc;
}

/*
 * Keys from in, one a line.  Line mode (replay false): every screen is
 * printed with what was read after its bar, as a terminal would leave it.
 * Replay: only the final screen.  End of input quits.
 */
static int
text_run(struct browse *b, FILE *in, FILE *out, bool replay)
{
	const struct ui_prompt *q;
	char line[4096], *l, *rest;
	int key, rc = 0;

	for (;;) {
		if (!replay && (rc = show(b, out)) != 0)
			break;
		if (fgets(line, sizeof line, in) == NULL) {
			if (!replay)
				fputc('\n', out);
			break;
		}
		l = trim(line);
		if (!replay)
			fprintf(out, "%s\n", l);
		if ((key = parse_key(b, l, &rest)) == 0)
			continue;
		rc = browse_key(b, key, &q);
		while (rc == BROWSE_ASK) {
			const char *ans = rest;

			if (ans == NULL) {
				if (!replay) {
					if (browse_help(b) != NULL)
						fprintf(out, "%s", browse_help(b));
					fprintf(out, "%s ", q->text);
				}
				ans = fgets(line, sizeof line, in) != NULL ? trim(line) : NULL;
				if (!replay)
					fprintf(out, "%s\n", ans != NULL ? ans : "");
			}
			rest = NULL;
			rc = browse_answer(b, ans, &q);
		}
		if (rc == BROWSE_QUIT) {
			rc = 0;
			if (replay)
				goto final;
			return 0;
		}
		if (rc < 0)
			break;
	}
	if (rc < 0)
		return rc;
	if (!replay)
		return 0;
final:
	rc = show(b, out);
	fputc('\n', out);
	return rc;
}

/* ---- main ---------------------------------------------------------------------------- */

static void
on_signal(int sig)
{
	(void)sig;
	browse_stop = 1;
}

/*
 * On a cluster member the browser lists the cluster's journal files
 * (CLUJRN.LOG) by session; *b stays NULL when inst is not a member.  An
 * exit code.
 */
static int
member_browser(const char *inst, const struct menu_file *mf, struct browse **b)
{
	struct inst_conf conf;
	struct clu_files fs;
	struct buf log = BUF_INIT;
	struct jk_err err;
	int ex = DUMP_EXIT_OK;

	*b = NULL;
	jk_err_clear(&err);
	if (inst == NULL || *inst == '\0' || inst_conf_load(inst, &conf, &err) != 0 ||
	    conf.cluster_dir[0] == '\0')
		return DUMP_EXIT_OK;
	clu_files_init(&fs);
	if (buf_addf(&log, "%s%s", conf.cluster_dir, CLU_LOG_FILE) != 0)
		jk_errf(&err, JK_ENOMEM, "out of memory");
	else if (clu_files_read(buf_str(&log), NULL, &fs, &err) == 0)
		browse_new_cluster(&fs, conf.csn, mf, b, &err);
	if (*b == NULL) {
		cli_warn("%s", err.msg);
		ex = DUMP_EXIT_ERR;
	}
	clu_files_release(&fs);
	buf_release(&log);
	return ex;
}

/* The browser over files, the cursor on the current file (or on FILE, opened). */
static int
browse_main(struct opts *o, char **args, int nargs)
{
	const struct menu_binds binds = { (const struct menu_action[]){ { NULL, NULL } }, NULL, NULL };
	struct rst_files files;
	struct menu_file *mf = NULL;
	struct browse *b = NULL;
	struct jk_err err;
	FILE *keys = NULL;
	size_t cur = 0, i;
	char rp[PATH_MAX], rq[PATH_MAX];
	int rc, ex = DUMP_EXIT_OK;
	bool tty;

	rst_files_init(&files);
	jk_err_clear(&err);
	if (menu_open("jrndump", &binds, &mf, &err) != 0) {
		cli_warn("%s", err.msg);
		ex = DUMP_EXIT_ERR;
		goto out;
	}
	if ((ex = member_browser(o->inst, mf, &b)) != DUMP_EXIT_OK)
		goto out;
	if (b != NULL) {
		if (o->rows > 0)
			browse_size(b, o->rows, o->cols);
		if (nargs == 1 && (rc = browse_goto(b, args[0])) < 0) {
			cli_warn("%s", jk_strerror(rc));
			ex = DUMP_EXIT_ERR;
			goto out;
		}
		goto run;
	}
	if (o->inst != NULL && *o->inst != '\0') {
		if (rst_files_from_log(&files, o->inst, NULL, 0, &err) != 0) {
			cli_warn("%s", err.msg);
			ex = DUMP_EXIT_ERR;
			goto out;
		}
		cur = files.n > 0 ? files.n - 1 : 0;
	} else if (nargs == 0) {
		cli_warn("no instance: give -I DIR or set JRNKIT_HOME, or name a journal file");
		ex = DUMP_EXIT_USAGE;
		goto out;
	}
	if (nargs == 1) {
		/* FILE: its place in the list, or a place of its own at the end */
		for (i = 0; i < files.n; i++)
			if (strcmp(files.paths[i], args[0]) == 0 ||
			    (realpath(files.paths[i], rp) != NULL && realpath(args[0], rq) != NULL &&
			    strcmp(rp, rq) == 0))
				break;
		if (i == files.n && rst_files_add(&files, args[0], &err) != 0) {
			cli_warn("%s", err.msg);
			ex = DUMP_EXIT_ERR;
			goto out;
		}
		cur = i;
	}
	if (browse_new(files.paths, files.n, cur, mf, &b, &err) != 0) {
		cli_warn("%s", err.msg);
		ex = DUMP_EXIT_ERR;
		goto out;
	}
	if (o->rows > 0)
		browse_size(b, o->rows, o->cols);
	if (nargs == 1 && (rc = browse_examine(b)) < 0) {
		cli_warn("%s", jk_strerror(rc));
		ex = DUMP_EXIT_ERR;
		goto out;
	}
run:
	tty = o->keys == NULL && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (tty) {
		ex = term_run(b);
		goto out;
	}
	if (o->keys != NULL && (keys = fopen(o->keys, "r")) == NULL) {
		cli_warn("cannot open keys file '%s': %s", o->keys, strerror(errno));
		ex = DUMP_EXIT_USAGE;
		goto out;
	}
	rc = text_run(b, keys != NULL ? keys : stdin, stdout, keys != NULL);
	if (rc < 0) {
		cli_warn("%s", jk_strerror(rc));
		ex = DUMP_EXIT_ERR;
	} else if (browse_stop)
		ex = DUMP_EXIT_INTERRUPTED;
out:
	if (keys != NULL)
		fclose(keys);
	browse_free(b);
	menu_file_free(mf);
	rst_files_release(&files);
	return ex;
}

static int
batch_main(struct opts *o, char **args, int nargs)
{
	struct rst_files files;
	int fd = STDOUT_FILENO, ex;
	const char *name = "the standard output";

	rst_files_init(&files);
	if ((ex = file_list(o, args, nargs, &files)) != 0)
		goto out;
	if (o->out != NULL) {
		if ((fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
			cli_warn("cannot create '%s': %s", o->out, strerror(errno));
			ex = DUMP_EXIT_ERR;
			goto out;
		}
		name = o->out;
	}
	if (o->mode == O_SELECT)
		ex = batch_select(&o->sel, files.paths, files.n, o->json, fd, name);
	else if (o->mode == O_STATS)
		ex = batch_stats(&o->sel, files.paths, files.n, o->json, o->threads, fd, name);
	else
		ex = batch_verify(files.paths, files.n, o->json);
	if (fd != STDOUT_FILENO && close(fd) != 0 && ex == DUMP_EXIT_OK) {
		cli_warn("cannot write '%s': %s", o->out, strerror(errno));
		ex = DUMP_EXIT_ERR;
	}
out:
	rst_files_release(&files);
	return ex;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct sigaction sa;
	int ex;

	cli_set_prog("jrndump");
	memset(&o, 0, sizeof o);
	jsel_init(&o.sel);
	o.inst = getenv("JRNKIT_HOME");
	if ((ex = parse_opts(argc, argv, &o)) != 0)
		goto out;
	/* Ctrl-C stops a long scan at a record; the terminal front end sets its own */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (o.mode == 0)
		ex = browse_main(&o, argv + optind, argc - optind);
	else
		ex = batch_main(&o, argv + optind, argc - optind);
out:
	jsel_release(&o.sel);
	return ex;
}
