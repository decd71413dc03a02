/*
 * mainmenu.c - the actions behind menus/main.yaml (the ^JOURNAL menu of
 * spec/dialogues.md section 1) and menus/options.yaml (the journal
 * properties editor), and the journal status; see mainmenu.h.
 *
 * The words of every question are in the menu files; this file decides
 * what is asked when and what an answer does.  What an action says back
 * (a file switched, an error) is one line per fact, on the screen.
 *
 * Items that have nothing to run yet are bound to conditions that are
 * false, so the menu reads "-not available-" for them; each condition says
 * what will make it true.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "inst.h"
#include "jk.h"
#include "rcv.h"
#include "ui/menu.h"
#include "ui/ui.h"
#include "../../restore/resto.h"

#include "mainmenu.h"
#include "bkpcmd.h"

#define MiB ((uint64_t)1 << 20)

/* Said after every change of a setting, by the editor and by `options KEY=VALUE`. */
#define SAVED_NOTE \
	"Saved. Changes take effect at the next journal switch or the next open of the instance."

/* What the screens share: the instance, the menu files, the settings as last read. */
struct mm {
	const char *inst;		/* as given: -I or JRNKIT_HOME */
	struct menu_file *main;		/* NULL for `jrnkit options` */
	struct menu_file *opts;
	struct inst_conf conf;		/* for the editor's labels; read again before each change */
	char num[64];			/* a ${} value made up from a number */
};

/* --- small helpers -------------------------------------------------------- */

long long
dir_free_kb(const char *dir)
{
	struct statvfs sv;

	if (dir[0] == '\0' || statvfs(dir, &sv) != 0)
		return -1;
	return (long long)((unsigned long long)sv.f_bavail * sv.f_frsize / 1024);
}

/* An error met inside a screen: one line, and the screen goes on. */
static void
say_err(struct ui *ui, const struct jk_err *e, int rc)
{
	ui_puts(ui, e->msg[0] != '\0' ? e->msg : jk_strerror(rc));
}

/* The instance for one action, or NULL after saying why not. */
static struct jk *
open_inst(struct ui *ui, const struct mm *m)
{
	struct jk_err err;
	struct jk *j;
	int rc;

	jk_err_clear(&err);
	if ((rc = jk_open(m->inst, &j, &err)) != 0) {
		say_err(ui, &err, rc);
		return NULL;
	}
	return j;
}

/*
 * The jrndump program beside this one (the same directory as jrnkit), into
 * out.  Whether it is there and can be run.
 */
static bool
jrndump_path(char *out, size_t outsz)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;
	int len;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return false;
	*slash = '\0';
	len = snprintf(out, outsz, "%s/jrndump", exe);
	return len > 0 && (size_t)len < outsz && access(out, X_OK) == 0;
}

/* --- status ------------------------------------------------------------------ */

int
status_write(struct jk *j, FILE *out)
{
	const struct inst_conf *c = jk_conf(j);
	struct jrn_status st;
	int rc;

	if ((rc = jk_status(j, &st)) != 0)
		return rc;
	fprintf(out, "Current journal directory: %s\n", c->jrn_dir);
	fprintf(out, "Current journal directory free space (KB): %lld\n", dir_free_kb(c->jrn_dir));
	if (c->alt_dir[0] != '\0') {
		fprintf(out, "Alternate journal directory: %s\n", c->alt_dir);
		fprintf(out, "Alternate journal directory free space (KB): %lld\n",
		    dir_free_kb(c->alt_dir));
	} else {
		fprintf(out, "Alternate journal directory: (none)\n");
	}
	fprintf(out, "Current journal file: %s\n", st.path[0] != '\0' ? st.path : "(none)");
	fprintf(out, "Current journal file maximum size: %" PRIu64 "\n", st.max_size);
	fprintf(out, "Current journal file space used: %" PRIu64 "\n", st.end);
	/* Suspended and frozen are states this version never enters. */
	fprintf(out, "Journaling is %s.\n", st.journaling ? "enabled" : "disabled");
	return 0;
}

/* --- the main menu's actions --------------------------------------------------- */

static int
act_start(struct ui *ui, void *ctx)
{
	struct jrn_status st;
	struct jk *j;
	int rc;

	if ((j = open_inst(ui, ctx)) == NULL)
		return 0;
	rc = jk_start(j);
	if (rc != 0)	/* JK_ESTATE says "Already journaling to PATH" */
		say_err(ui, jk_err(j), rc);
	else if ((rc = jk_status(j, &st)) == 0)
		ui_printf(ui, "Journaling started to %s\n", st.path);
	else
		say_err(ui, jk_err(j), rc);
	jk_close(j);
	return 0;
}

static int
act_stop(struct ui *ui, void *ctx)
{
	struct mm *m = ctx;
	struct jrn_status st;
	struct ui_answer a;
	struct jk *j;
	int rc, r;

	if ((j = open_inst(ui, m)) == NULL)
		return 0;
	if ((r = jk_status(j, &st)) != 0) {
		say_err(ui, jk_err(j), r);
		jk_close(j);
		return 0;
	}
	if (!st.journaling) {
		ui_puts(ui, "Not journaling now.");
		jk_close(j);
		return 0;
	}
	/*
	 * The instance stays open while the question waits: it holds no lock
	 * between calls, and jk_stop looks at the journal afresh.
	 */
	ui_answer_init(&a);
	rc = ui_ask(ui, menu_prompt(m->main, "stop_journaling"), NULL, &a);
	if (rc == 0 && a.yes) {
		if ((r = jk_stop(j)) != 0)	/* JK_ESTATE: stopped meanwhile, "Not journaling now." */
			say_err(ui, jk_err(j), r);
		else
			ui_printf(ui, "Journaling stopped; last file %s\n", st.path);
	}
	ui_answer_release(&a);
	jk_close(j);
	return rc;	/* 0, UI_BACK (as 0 to the menu) or a ui error */
}

static int
act_switch(struct ui *ui, void *ctx)
{
	struct buf from = BUF_INIT, to = BUF_INIT;
	struct jk *j;
	int rc;

	if ((j = open_inst(ui, ctx)) == NULL)
		return 0;
	if ((rc = jk_switch(j, &from, &to)) != 0) {
		say_err(ui, jk_err(j), rc);	/* JK_ESTATE: "Not journaling now." */
	} else {
		ui_printf(ui, "Switching from: %s\n", buf_str(&from));
		ui_printf(ui, "To:             %s\n", buf_str(&to));
	}
	jk_close(j);
	buf_release(&from);
	buf_release(&to);
	return 0;
}

/*
 * In this process, not a child: answers the operator typed ahead, already
 * read into this process's stdin buffer from a pipe, stay ours.
 */
static int
act_restore(struct ui *ui, void *ctx)
{
	struct mm *m = ctx;
	struct jk_err err;
	int rc;

	jk_err_clear(&err);
	if ((rc = resto_dialogue(ui, m->inst, &err)) < 0)
		say_err(ui, &err, rc);
	return 0;
}

/* Item 10: the cluster journal restore menu (jrnresto -c). */
static int
act_cluster_restore(struct ui *ui, void *ctx)
{
	struct mm *m = ctx;
	struct jk_err err;
	int rc, code;

	jk_err_clear(&err);
	if ((rc = resto_clumenu(ui, m->inst, &code, &err)) < 0)
		say_err(ui, &err, rc);
	return 0;
}

/*
 * jrndump is a program of its own (ncurses on a terminal): run it with our
 * terminal and stdin, and wait.  On a terminal nothing is lost.  From a
 * file of answers, the descriptor is put back to where our stream has read
 * (fflush of a seekable input), so jrndump reads the lines after the "5"
 * and we go on after what it read.  From a pipe that cannot be done: the
 * lines our stream has read ahead stay ours, and jrndump sees only what
 * comes after them.  Transcripts that reach jrndump use a file.
 */
static int
act_dump(struct ui *ui, void *ctx)
{
	struct mm *m = ctx;
	struct sigaction ign, oint, oquit;
	char path[PATH_MAX];
	pid_t pid;
	int status;

	if (!jrndump_path(path, sizeof path)) {
		ui_puts(ui, "jrndump is not installed beside jrnkit");
		return 0;
	}
	fflush(ui->out);
	fflush(stderr);
	if (!ui->tty)
		fflush(ui->in);
	if ((pid = fork()) < 0) {
		ui_printf(ui, "cannot run %s: %s\n", path, strerror(errno));
		return 0;
	}
	if (pid == 0) {
		if (fileno(ui->in) != STDIN_FILENO)
			dup2(fileno(ui->in), STDIN_FILENO);
		if (fileno(ui->out) != STDOUT_FILENO)
			dup2(fileno(ui->out), STDOUT_FILENO);
		execl(path, "jrndump", "-I", m->inst, (char *)NULL);
		fprintf(stderr, "jrnkit: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	/* As system(3): Ctrl-C is for the child while it runs. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		ui_printf(ui, "jrndump exited with status %d\n", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		ui_printf(ui, "jrndump was killed by signal %d\n", WTERMSIG(status));
	return 0;
}

static int run_options(struct ui *ui, struct mm *m);

static int
act_options(struct ui *ui, void *ctx)
{
	return run_options(ui, ctx);
}

static int
act_status(struct ui *ui, void *ctx)
{
	struct jk *j;
	int rc;

	if ((j = open_inst(ui, ctx)) == NULL)
		return 0;
	fflush(ui->out);
	if ((rc = status_write(j, ui->out)) != 0)
		say_err(ui, jk_err(j), rc);
	jk_close(j);
	return 0;
}

/* Items whose condition is false never run; this is their action for the table. */
static int
act_unavailable(struct ui *ui, void *ctx)
{
	(void)ctx;
	ui_puts(ui, "not available in this version of jrnkit");
	return 0;
}

/* jrnkit has no journal encryption. */
static bool
cond_encryption(void *ctx)
{
	(void)ctx;
	return false;
}

/* Item 10 (jrnresto -c): the instance is a cluster member (its settings name a cluster). */
static bool
cond_cluster_member(void *ctx)
{
	struct mm *m = ctx;
	struct inst_conf conf;
	struct jk_err err;

	return inst_conf_load(m->inst, &conf, &err) == 0 && conf.cluster_dir[0] != '\0';
}

/*
 * Startup recovery left a rollback pending: it recorded errors and a
 * database it did not finish (rcv.h), whose uncommitted transactions are
 * still to be rolled back with the rest of its recovery.
 */
static bool
cond_rollback_pending(void *ctx)
{
	const struct mm *m = ctx;

	return rcv_rollback_pending(m->inst);
}

/* Item 11: recovery again, which finishes the pending rollback, and its report. */
static int
act_rollback(struct ui *ui, void *ctx)
{
	const struct mm *m = ctx;
	struct rcv_report rep;
	struct buf out = BUF_INIT;
	struct jk_err err;

	jk_err_clear(&err);
	rcv_report_init(&rep);
	if (rcv_recover(m->inst, "on demand", &rep, &err) != 0)
		ui_puts(ui, err.msg);
	else if (rcv_report_text(&rep, &out) == 0)
		fputs(buf_str(&out), ui->out);
	rcv_report_release(&rep);
	buf_release(&out);
	return 0;
}

/* Item 5: a jrndump program beside jrnkit (dump/, a later issue). */
static bool
cond_have_jrndump(void *ctx)
{
	char path[PATH_MAX];

	(void)ctx;
	return jrndump_path(path, sizeof path);
}

/* Item 6: the purge (bkpcmd.c) exists. */
static bool
cond_have_purge(void *ctx)
{
	(void)ctx;
	return true;
}

/*
 * Item 6: what the purge rules let go, listed first ("Would purge PATH"),
 * removed only after "Purge these journal files?" Yes ("Purged PATH").
 */
static int
act_purge(struct ui *ui, void *ctx)
{
	struct bkp_purge_opts o = { -1, -1, true };
	struct mm *m = ctx;
	struct ui_answer a;
	struct jk_err err;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	jk_err_clear(&err);
	if ((mem = open_memstream(&buf, &len)) == NULL)
		return JK_ENOMEM;
	rc = purge_write(m->inst, &o, mem, &err);
	fclose(mem);
	if (rc != 0 || strcmp(buf, "None purged\n") == 0) {
		if (rc != 0)
			say_err(ui, &err, rc);
		else
			ui_printf(ui, "%s", buf);
		free(buf);
		return 0;
	}
	ui_printf(ui, "%s", buf);
	free(buf);
	ui_answer_init(&a);
	rc = ui_ask(ui, menu_prompt(m->main, "purge_files"), NULL, &a);
	if (rc == 0 && a.yes) {
		o.dry_run = false;
		fflush(ui->out);
		if ((rc = purge_write(m->inst, &o, ui->out, &err)) != 0)
			say_err(ui, &err, rc);
		rc = 0;
	}
	ui_answer_release(&a);
	return rc;
}

static const struct menu_action main_actions[] = {
	{ "start", act_start },
	{ "stop", act_stop },
	{ "switch", act_switch },
	{ "restore", act_restore },
	{ "dump", act_dump },
	{ "purge", act_purge },
	{ "options", act_options },
	{ "encryption", act_unavailable },
	{ "status", act_status },
	{ "cluster_restore", act_cluster_restore },
	{ "rollback", act_rollback },
	{ NULL, NULL },
};

static const struct menu_cond main_conds[] = {
	{ "encryption", cond_encryption },
	{ "cluster_member", cond_cluster_member },
	{ "rollback_pending", cond_rollback_pending },
	{ "have_jrndump", cond_have_jrndump },
	{ "have_purge", cond_have_purge },
	{ NULL, NULL },
};

static const struct menu_binds main_binds = { main_actions, main_conds, NULL };

/* --- the settings: checks shared by the editor and `options KEY=VALUE` ------------ */

enum opt {
	O_JRN_DIR,
	O_ALT_DIR,
	O_PREFIX,
	O_MAX_SIZE,
	O_COMMIT,
	O_PURGE_DAYS,
	O_PURGE_BACKUPS,
	O_COUNT,
};

/* The jrnkit.yaml keys the editor changes, in its order. */
static const char *const opt_keys[O_COUNT] = {
	"journal_dir", "alternate_dir", "prefix", "max_size", "commit", "purge_days",
	"purge_backups",
};

#define PREFIX_RULE \
	"at most 63 letters, digits, '_', '.' and '-', not starting with '.' or '-'"

/*
 * Whether s can begin journal file names: no '/' (the file's rule), and
 * for the shell's sake nothing that needs quoting and no leading '-' or '.'.
 */
static bool
prefix_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n >= sizeof ((struct inst_conf *)0)->prefix)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_')
			continue;
		if (i > 0 && (c == '.' || c == '-'))
			continue;
		return false;
	}
	return true;
}

/*
 * Whether the directory dir (canonical) can take journal files: it exists,
 * is a directory, and this process may create files in it.  When not, why
 * (replaced) says so in one line.
 */
static bool
dir_usable(const char *dir, struct buf *why)
{
	struct stat st;
	int e;

	buf_reset(why);
	if (strlen(dir) >= PATH_MAX) {
		buf_addf(why, "cannot use directory '%s': the name is too long", dir);
		return false;
	}
	if (stat(dir, &st) != 0)
		e = errno;
	else if (!S_ISDIR(st.st_mode))
		e = ENOTDIR;
	else if (access(dir, W_OK | X_OK) != 0)
		e = errno;
	else
		return true;
	buf_addf(why, "cannot use directory '%s': %s", dir, strerror(e));
	return false;
}

/* A size as jrnkit.yaml writes it: the largest suffix that states it exactly. */
static void
fmt_size(char *out, size_t n, uint64_t x)
{
	static const char suffix[] = "GMK";
	int i;

	for (i = 0; i < 3; i++) {
		uint64_t unit = (uint64_t)1 << (10 * (3 - i));

		if (x != 0 && x % unit == 0) {
			snprintf(out, n, "%" PRIu64 "%c", x / unit, suffix[i]);
			return;
		}
	}
	snprintf(out, n, "%" PRIu64, x);
}

/* A size as jrnkit.yaml takes it: bytes, or a number with K, M or G; not 0. */
static bool
parse_size(const char *s, uint64_t *v)
{
	uint64_t x = 0, mul = 1;
	size_t n = strlen(s), i;

	if (n > 0 && strchr("KkMmGg", s[n - 1]) != NULL) {
		mul = (uint64_t)1 << (s[n - 1] == 'K' || s[n - 1] == 'k' ? 10 :
		    s[n - 1] == 'M' || s[n - 1] == 'm' ? 20 : 30);
		n--;
	}
	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x == 0 || x > UINT64_MAX / mul)
		return false;
	*v = x * mul;
	return true;
}

/* A count of days or backups as jrnkit.yaml takes it. */
static bool
parse_uint(const char *s, unsigned *v)
{
	unsigned long long x = 0;
	size_t i;

	if (s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (unsigned long long)(s[i] - '0');
		if (x > UINT_MAX)
			return false;
	}
	*v = (unsigned)x;
	return true;
}

/* The value of setting o in c as jrnkit.yaml writes it, into out. */
static void
opt_value(const struct inst_conf *c, enum opt o, char *out, size_t n)
{
	switch (o) {
	case O_JRN_DIR: snprintf(out, n, "%s", c->jrn_dir); break;
	case O_ALT_DIR: snprintf(out, n, "%s", c->alt_dir); break;
	case O_PREFIX: snprintf(out, n, "%s", c->prefix); break;
	case O_MAX_SIZE: fmt_size(out, n, c->max_size); break;
	case O_COMMIT: snprintf(out, n, "%s", inst_commit_name(c->commit)); break;
	case O_PURGE_DAYS: snprintf(out, n, "%u", c->purge_days); break;
	case O_PURGE_BACKUPS: snprintf(out, n, "%u", c->purge_backups); break;
	case O_COUNT: out[0] = '\0'; break;
	}
}

/* Setting o of c from text, as jrnkit.yaml reads it.  0, JK_EUSAGE or JK_EIO (err says). */
static int
opt_parse(struct inst_conf *c, enum opt o, const char *v, struct jk_err *err)
{
	struct buf canon = BUF_INIT, why = BUF_INIT;
	char *field = o == O_JRN_DIR ? c->jrn_dir : c->alt_dir;
	int rc = 0, m;

	switch (o) {
	case O_JRN_DIR:
	case O_ALT_DIR:
		if (v[0] == '\0' && o == O_ALT_DIR) {
			field[0] = '\0';
			break;
		}
		if (v[0] == '\0') {
			rc = jk_errf(err, JK_EUSAGE, "journal_dir must not be empty");
			break;
		}
		if ((rc = ui_canon_path(v, true, &canon)) != 0) {
			rc = jk_errf(err, rc, "%s: cannot make '%s' a full path", opt_keys[o], v);
			break;
		}
		if (!dir_usable(buf_str(&canon), &why)) {
			rc = jk_errf(err, JK_EIO, "%s: %s", opt_keys[o], buf_str(&why));
			break;
		}
		snprintf(field, PATH_MAX, "%s", buf_str(&canon));
		break;
	case O_PREFIX:
		if (!prefix_ok(v)) {
			rc = jk_errf(err, JK_EUSAGE, "prefix must be " PREFIX_RULE ", not '%s'", v);
			break;
		}
		snprintf(c->prefix, sizeof c->prefix, "%s", v);
		break;
	case O_MAX_SIZE:
		if (!parse_size(v, &c->max_size))
			rc = jk_errf(err, JK_EUSAGE, "max_size must be a size in bytes, "
			    "optionally with suffix K, M or G, not '%s'", v);
		break;
	case O_COMMIT:
		if ((m = inst_commit_mode(v)) < 0)
			rc = jk_errf(err, JK_EUSAGE, "commit must be sync, group or none, not '%s'", v);
		else
			c->commit = (enum jk_commit_mode)m;
		break;
	case O_PURGE_DAYS:
	case O_PURGE_BACKUPS:
		if (!parse_uint(v, o == O_PURGE_DAYS ? &c->purge_days : &c->purge_backups))
			rc = jk_errf(err, JK_EUSAGE, "%s must be a whole number, not '%s'",
			    opt_keys[o], v);
		break;
	case O_COUNT:
		break;
	}
	buf_release(&canon);
	buf_release(&why);
	return rc;
}

int
options_set(const char *inst, int argc, char **argv, FILE *out, struct jk_err *err)
{
	struct inst_conf *old, *c;
	struct buf said = BUF_INIT;
	char was[PATH_MAX + 8], now[PATH_MAX + 8];
	const char *eq;
	size_t klen;
	int i, rc, o;

	old = malloc(sizeof *old);
	c = malloc(sizeof *c);
	if (old == NULL || c == NULL) {
		rc = jk_errf(err, JK_ENOMEM, "out of memory");
		goto out;
	}
	if (!inst_exists(inst)) {
		rc = jk_errf(err, JK_ENOTFOUND, "no jrnkit instance in '%s' (no jrnkit.yaml)", inst);
		goto out;
	}
	if ((rc = inst_conf_load(inst, old, err)) != 0)
		goto out;
	*c = *old;
	/* Every argument checked before anything is written: all or none. */
	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL) {
			rc = jk_errf(err, JK_EUSAGE, "options: expected KEY=VALUE, not '%s'", argv[i]);
			goto out;
		}
		klen = (size_t)(eq - argv[i]);
		for (o = 0; o < O_COUNT; o++)
			if (strlen(opt_keys[o]) == klen && strncmp(opt_keys[o], argv[i], klen) == 0)
				break;
		if (o == O_COUNT) {
			rc = jk_errf(err, JK_EUSAGE, "options: unknown setting '%.*s' (journal_dir, "
			    "alternate_dir, prefix, max_size, commit, purge_days, purge_backups)",
			    (int)klen, argv[i]);
			goto out;
		}
		if ((rc = opt_parse(c, (enum opt)o, eq + 1, err)) != 0)
			goto out;
	}
	/* What changed, said once it is saved. */
	for (o = 0; o < O_COUNT; o++) {
		opt_value(old, (enum opt)o, was, sizeof was);
		opt_value(c, (enum opt)o, now, sizeof now);
		if (strcmp(was, now) != 0 && buf_addf(&said, "%s: %s -> %s\n", opt_keys[o],
		    was[0] ? was : "\"\"", now[0] ? now : "\"\"") != 0) {
			rc = jk_errf(err, JK_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (said.len == 0) {
		fprintf(out, "No change.\n");
		goto out;
	}
	if ((rc = inst_conf_save(inst, c, err)) != 0)
		goto out;
	fprintf(out, "%s%s\n", buf_str(&said), SAVED_NOTE);
out:
	buf_release(&said);
	free(old);
	free(c);
	return rc;
}

/* --- the editor ---------------------------------------------------------------- */

/* ${name} in menus/options.yaml: the settings as last read. */
static const char *
opt_var(void *ctx, const char *name)
{
	struct mm *m = ctx;
	const struct inst_conf *c = &m->conf;

	if (strcmp(name, "journal_dir") == 0)
		return c->jrn_dir;
	if (strcmp(name, "alternate_dir") == 0)
		return c->alt_dir[0] != '\0' ? c->alt_dir : "(none)";
	if (strcmp(name, "prefix") == 0)
		return c->prefix[0] != '\0' ? c->prefix : "(none)";
	if (strcmp(name, "commit") == 0)
		return inst_commit_name(c->commit);
	if (strcmp(name, "max_size_mb") == 0) {
		/* Whole megabytes as a number; a size set in bytes or K with decimals. */
		if (c->max_size % MiB == 0)
			snprintf(m->num, sizeof m->num, "%" PRIu64, c->max_size / MiB);
		else
			snprintf(m->num, sizeof m->num, "%.4g", (double)c->max_size / (double)MiB);
		return m->num;
	}
	if (strcmp(name, "purge_days") == 0) {
		snprintf(m->num, sizeof m->num, "%u", c->purge_days);
		return m->num;
	}
	if (strcmp(name, "purge_backups") == 0) {
		snprintf(m->num, sizeof m->num, "%u", c->purge_backups);
		return m->num;
	}
	return NULL;
}

/* ui_ask's check of a directory answer: one that can take journal files. */
static int
check_dir(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	(void)ctx;
	(void)echo;
	return dir_usable(text, msg) ? 0 : 1;
}

/* ui_ask's check of a prefix: "-" for none, or one prefix_ok takes. */
static int
check_prefix(void *ctx, const char *text, struct buf *echo, struct buf *msg)
{
	(void)ctx;
	(void)echo;
	if (strcmp(text, "-") == 0 || prefix_ok(text))
		return 0;
	return buf_adds(msg, "enter " PREFIX_RULE ", or - for none, please") != 0 ? JK_ENOMEM : 1;
}

/*
 * Ask the path prompt id until the answer is a directory that can be used;
 * def as ui_ask_opts.def.  0 with a (a->empty for Enter without a
 * default), UI_BACK, or a ui error.
 */
static int
ask_dir(struct ui *ui, struct mm *m, const char *id, const char *def, struct ui_answer *a)
{
	struct ui_ask_opts o = { .var = opt_var, .ctx = m, .check = check_dir, .def = def };

	return ui_ask(ui, menu_prompt(m->opts, id), &o, a);
}

/* The prefix: "-" for none. */
static int
ask_prefix(struct ui *ui, struct mm *m, struct inst_conf *c, struct ui_answer *a)
{
	struct ui_ask_opts o = { .var = opt_var, .ctx = m, .check = check_prefix,
	    .def = c->prefix[0] ? NULL : "" };
	int rc;

	if ((rc = ui_ask(ui, menu_prompt(m->opts, "prefix"), &o, a)) != 0 || a->empty)
		return rc;
	snprintf(c->prefix, sizeof c->prefix, "%s",
	    strcmp(buf_str(&a->text), "-") == 0 ? "" : buf_str(&a->text));
	return 0;
}

/* A number the prompt's min and max let through that the setting cannot hold. */
static void
out_of_range(struct ui *ui, const char *id, long long v)
{
	ui_printf(ui, "%lld cannot be stored (check min and max of prompt '%s' in "
	    "menus/options.yaml)\n", v, id);
}

/* Ask the new value of setting o into c. 0, UI_BACK or a ui error. */
static int
ask_opt(struct ui *ui, struct mm *m, enum opt o, struct inst_conf *c)
{
	struct ui_ask_opts uo = { .var = opt_var, .ctx = m };
	struct ui_answer a;
	int rc = 0, mode;

	ui_answer_init(&a);
	switch (o) {
	case O_JRN_DIR:
		if ((rc = ask_dir(ui, m, "journal_dir", NULL, &a)) == 0 && !a.empty)
			snprintf(c->jrn_dir, sizeof c->jrn_dir, "%s", buf_str(&a.text));
		break;
	case O_ALT_DIR:
		if (c->alt_dir[0] != '\0') {
			rc = ui_ask(ui, menu_prompt(m->opts, "alternate_use"), &uo, &a);
			if (rc != 0)
				break;
			if (!a.yes) {
				c->alt_dir[0] = '\0';
				break;
			}
		}
		if ((rc = ask_dir(ui, m, "alternate_dir", c->alt_dir[0] ? NULL : "", &a)) == 0 &&
		    !a.empty)
			snprintf(c->alt_dir, sizeof c->alt_dir, "%s", buf_str(&a.text));
		break;
	case O_PREFIX:
		rc = ask_prefix(ui, m, c, &a);
		break;
	case O_MAX_SIZE:
		/* A size that is not whole megabytes has no default to offer. */
		uo.def = c->max_size % MiB == 0 ? NULL : "";
		if ((rc = ui_ask(ui, menu_prompt(m->opts, "max_size_mb"), &uo, &a)) != 0 || a.empty)
			break;
		if (a.num < 1 || (unsigned long long)a.num > UINT64_MAX / MiB)
			out_of_range(ui, "max_size_mb", a.num);
		else
			c->max_size = (uint64_t)a.num * MiB;
		break;
	case O_COMMIT:
		if ((rc = ui_ask(ui, menu_prompt(m->opts, "commit"), &uo, &a)) != 0)
			break;
		if ((mode = inst_commit_mode(buf_str(&a.text))) < 0)
			ui_printf(ui, "'%s' is not a commit mode (menus/options.yaml offers it)\n",
			    buf_str(&a.text));
		else
			c->commit = (enum jk_commit_mode)mode;
		break;
	case O_PURGE_DAYS:
	case O_PURGE_BACKUPS:
		rc = ui_ask(ui, menu_prompt(m->opts, opt_keys[o]), &uo, &a);
		if (rc != 0 || a.empty)
			break;
		if (a.num < 0 || a.num > UINT_MAX)
			out_of_range(ui, opt_keys[o], a.num);
		else if (o == O_PURGE_DAYS)
			c->purge_days = (unsigned)a.num;
		else
			c->purge_backups = (unsigned)a.num;
		break;
	case O_COUNT:
		break;
	}
	ui_answer_release(&a);
	return rc;
}

/*
 * One item of the editor: read the settings again (another operator may
 * have changed them), ask, and write them back when the answer changed one.
 */
static int
edit(struct ui *ui, struct mm *m, enum opt o)
{
	struct inst_conf *c;
	struct jk_err err;
	char was[PATH_MAX + 8], now[PATH_MAX + 8];
	int rc;

	jk_err_clear(&err);
	if ((rc = inst_conf_load(m->inst, &m->conf, &err)) != 0) {
		say_err(ui, &err, rc);
		return 0;
	}
	if ((c = malloc(sizeof *c)) == NULL)
		return JK_ENOMEM;
	*c = m->conf;
	rc = ask_opt(ui, m, o, c);
	opt_value(&m->conf, o, was, sizeof was);
	opt_value(c, o, now, sizeof now);
	if (rc == 0 && strcmp(was, now) != 0) {
		if ((rc = inst_conf_save(m->inst, c, &err)) != 0) {
			say_err(ui, &err, rc);
		} else {
			m->conf = *c;
			ui_puts(ui, SAVED_NOTE);
		}
		rc = 0;
	}
	free(c);
	return rc == UI_BACK ? 0 : rc;
}

static int opt_jrn_dir(struct ui *ui, void *ctx) { return edit(ui, ctx, O_JRN_DIR); }
static int opt_alt_dir(struct ui *ui, void *ctx) { return edit(ui, ctx, O_ALT_DIR); }
static int opt_prefix(struct ui *ui, void *ctx) { return edit(ui, ctx, O_PREFIX); }
static int opt_max_size(struct ui *ui, void *ctx) { return edit(ui, ctx, O_MAX_SIZE); }
static int opt_commit(struct ui *ui, void *ctx) { return edit(ui, ctx, O_COMMIT); }
static int opt_purge_days(struct ui *ui, void *ctx) { return edit(ui, ctx, O_PURGE_DAYS); }
static int opt_purge_backups(struct ui *ui, void *ctx) { return edit(ui, ctx, O_PURGE_BACKUPS); }

static const struct menu_action opt_actions[] = {
	{ "journal_dir", opt_jrn_dir },
	{ "alternate_dir", opt_alt_dir },
	{ "prefix", opt_prefix },
	{ "max_size", opt_max_size },
	{ "commit", opt_commit },
	{ "purge_days", opt_purge_days },
	{ "purge_backups", opt_purge_backups },
	{ NULL, NULL },
};

static const struct menu_binds opt_binds = { opt_actions, NULL, opt_var };

static int
run_options(struct ui *ui, struct mm *m)
{
	struct jk_err err;
	int rc;

	jk_err_clear(&err);
	if ((rc = inst_conf_load(m->inst, &m->conf, &err)) != 0) {
		say_err(ui, &err, rc);
		return 0;
	}
	return menu_run(ui, menu_find(m->opts, "options"), &opt_binds, m);
}

/* --- start-up ---------------------------------------------------------------------- */

/* What jrnkit needs of a menu file besides its schema: a name and, for a prompt, its kind. */
struct need {
	const char *id;
	int kind;		/* an enum ui_kind, or -1 for a menu */
};

static const struct need main_needs[] = {
	{ "main", -1 },
	{ "stop_journaling", UI_YESNO },
	{ "purge_files", UI_YESNO },
	{ NULL, 0 },
};

static const struct need opt_needs[] = {
	{ "options", -1 },
	{ "journal_dir", UI_PATH },
	{ "alternate_use", UI_YESNO },
	{ "alternate_dir", UI_PATH },
	{ "prefix", UI_TEXT },
	{ "max_size_mb", UI_NUMBER },
	{ "commit", UI_CHOICE },
	{ "purge_days", UI_NUMBER },
	{ "purge_backups", UI_NUMBER },
	{ NULL, 0 },
};

static const char *const kind_names[] = {
	[UI_YESNO] = "yesno", [UI_NUMBER] = "number", [UI_CHOICE] = "choice",
	[UI_PATH] = "path", [UI_GLOBAL] = "global", [UI_TEXT] = "text",
};

/* Load menus/NAME.yaml and check that it has what jrnkit asks of it. */
static int
load(const char *name, const struct menu_binds *b, const struct need *need,
    struct menu_file **out, struct jk_err *err)
{
	const struct ui_prompt *p;
	struct buf dir = BUF_INIT;
	int rc;

	if ((rc = menu_open(name, b, out, err)) != 0)
		return rc;
	for (; need->id != NULL; need++) {
		if (need->kind < 0 ? menu_find(*out, need->id) != NULL :
		    (p = menu_prompt(*out, need->id)) != NULL && (int)p->kind == need->kind)
			continue;
		menu_dir(&dir, NULL);
		if (need->kind < 0)
			rc = jk_errf(err, JK_EFORMAT, "%s/%s.yaml: no menu '%s'", buf_str(&dir), name,
			    need->id);
		else
			rc = jk_errf(err, JK_EFORMAT, "%s/%s.yaml: jrnkit needs a prompt '%s' of kind %s",
			    buf_str(&dir), name, need->id, kind_names[need->kind]);
		buf_release(&dir);
		menu_file_free(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

static int
main_screen(struct ui *ui, struct mm *m)
{
	return menu_run(ui, menu_find(m->main, "main"), &main_binds, m);
}

/* Run screen on a ui over stdin and stdout. */
static int
with_ui(struct mm *m, int (*screen)(struct ui *, struct mm *), struct jk_err *err)
{
	struct ui ui;
	int rc;

	if ((rc = ui_init(&ui, stdin, stdout, 0)) != 0)
		return jk_errf(err, rc, "out of memory");
	rc = screen(&ui, m);
	fflush(ui.out);
	ui_release(&ui);
	if (rc < 0)
		return jk_errf(err, rc, "the dialogue stopped: %s", jk_strerror(rc));
	return 0;
}

/* Whether inst opens: the same message for a missing instance as every command's. */
static int
check_inst(const char *inst, struct jk_err *err)
{
	struct jk *j;
	int rc;

	if ((rc = jk_open(inst, &j, err)) != 0)
		return rc;
	jk_close(j);
	return 0;
}

int
mainmenu_run(const char *inst, struct jk_err *err)
{
	struct mm *m;
	int rc;

	if ((rc = check_inst(inst, err)) != 0)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	m->inst = inst;
	if ((rc = load("main", &main_binds, main_needs, &m->main, err)) == 0 &&
	    (rc = load("options", &opt_binds, opt_needs, &m->opts, err)) == 0)
		rc = with_ui(m, main_screen, err);
	menu_file_free(m->main);
	menu_file_free(m->opts);
	free(m);
	return rc;
}

int
options_run(const char *inst, struct jk_err *err)
{
	struct mm *m;
	int rc;

	if ((rc = check_inst(inst, err)) != 0)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	m->inst = inst;
	if ((rc = load("options", &opt_binds, opt_needs, &m->opts, err)) == 0)
		rc = with_ui(m, run_options, err);
	menu_file_free(m->opts);
	free(m);
	return rc;
}
