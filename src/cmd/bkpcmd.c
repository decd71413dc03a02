/*
 * bkpcmd.c - jrnkit backup, restore-backup, lock, locked, unlock, purge
 * (jrnkit(8)); the library side is bkp.h.
 *
 * `jrnkit lock` must return to the shell while writes stay locked, and a
 * holder that dies must let go.  So the lock is held by a child process:
 * lock forks, the child leaves the session (setsid), points its standard
 * files at /dev/null, takes the lock (bkp_lock: flush, then the record lock
 * in state/backup.lock), tells the parent through a pipe ("ok" or the
 * error), and waits for SIGTERM, SIGINT or SIGHUP.  The parent prints what
 * the child said and exits.  `jrnkit unlock` sends the holder SIGTERM (its
 * pid is in the lock file) and waits until the lock is free; SIGKILL of
 * the holder frees it as well, since the record lock dies with the process.
 */
#include "bkpcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "jk.h"

#define EX_OK		0
#define EX_ERR		1
#define EX_USAGE	2

#define UNLOCK_WAIT_MS	10000

static const char *const cmds[] = { "backup", "restore-backup", "lock", "locked", "unlock", "purge", NULL };

int
bkpcmd_is(const char *cmd)
{
	size_t i;

	for (i = 0; cmds[i] != NULL; i++)
		if (strcmp(cmd, cmds[i]) == 0)
			return 1;
	return 0;
}

static int
usage(const char *line)
{
	fprintf(stderr, "usage: jrnkit %s\n", line);
	return EX_USAGE;
}

static int
fail(const struct jk_err *e)
{
	fprintf(stderr, "jrnkit: %s\n", e->msg[0] ? e->msg : jk_strerror(e->code));
	return EX_ERR;
}

static struct jk *
open_inst(const char *inst)
{
	struct jk_err err;
	struct jk *j;

	jk_err_clear(&err);
	if (jk_open(inst, &j, &err) != 0) {
		fail(&err);
		return NULL;
	}
	return j;
}

/* "YYYYMMDD HH:MM:SS", local time, as the dialogues show times. */
static const char *
show_time(uint64_t us, char *b, size_t n)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(b, n, "%Y%m%d %H:%M:%S", &tm);
	return b;
}

/* A non-negative number of at most max, all of s. */
static int
number(const char *s, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0 && *v >= 0 && *v <= max;
}

/* ---- backup ------------------------------------------------------------------------- */

static int
list_backups(const char *inst)
{
	struct bkp_history h;
	struct jk_err err;
	char t[32];
	size_t i, k;

	jk_err_clear(&err);
	if (bkp_history_read(inst, &h, &err) != 0)
		return fail(&err);
	if (h.n == 0)
		printf("No backups\n");
	for (i = 0; i < h.n; i++) {
		const struct bkp_entry *e = &h.e[i];

		if (e->restored) {
			printf("%s  restored %s\n", show_time(e->time_us, t, sizeof t), e->name);
			for (k = 0; k < e->ndbs; k++)
				printf("    %s -> %s\n", e->dbs[k].source, e->dbs[k].copy);
			continue;
		}
		printf("%s  %s  %s\n", show_time(e->time_us, t, sizeof t), e->name, e->dir);
		printf("    marker %" PRIu64 ",%s; %" PRIu64 " bytes; writes locked %.1f ms\n",
		    e->marker_offset, e->marker_path, e->bytes, e->locked_us / 1e3);
		for (k = 0; k < e->ndbs; k++)
			printf("    %s\n", e->dbs[k].source);
	}
	bkp_history_release(&h);
	return EX_OK;
}

/* The backup just taken, as JSON (backup --json): the history's fields and when writes were locked. */
static int
backup_json(const struct bkp_entry *e)
{
	struct buf b = BUF_INIT;
	size_t k;
	int rc;

	rc = buf_adds(&b, "{\"name\": ");
	if (rc == 0) rc = buf_add_json(&b, e->name);
	if (rc == 0) rc = buf_adds(&b, ", \"type\": ");
	if (rc == 0) rc = buf_add_json(&b, e->type);
	if (rc == 0) rc = buf_adds(&b, ", \"dir\": ");
	if (rc == 0) rc = buf_add_json(&b, e->dir);
	if (rc == 0) rc = buf_addf(&b, ", \"time_us\": %" PRIu64 ", \"marker_offset\": %" PRIu64
	    ", \"marker_path\": ", e->time_us, e->marker_offset);
	if (rc == 0) rc = buf_add_json(&b, e->marker_path);
	if (rc == 0) rc = buf_addf(&b, ", \"bytes\": %" PRIu64 ", \"locked_at_us\": %" PRIu64
	    ", \"locked_us\": %" PRIu64 ", \"databases\": [", e->bytes, e->locked_at_us, e->locked_us);
	for (k = 0; rc == 0 && k < e->ndbs; k++) {
		rc = buf_adds(&b, k > 0 ? ", {\"source\": " : "{\"source\": ");
		if (rc == 0) rc = buf_add_json(&b, e->dbs[k].source);
		if (rc == 0) rc = buf_adds(&b, ", \"copy\": ");
		if (rc == 0) rc = buf_add_json(&b, e->dbs[k].copy);
		if (rc == 0) rc = buf_addc(&b, '}');
	}
	if (rc == 0) rc = buf_adds(&b, "]}\n");
	if (rc == 0)
		fputs(buf_str(&b), stdout);
	else
		fprintf(stderr, "jrnkit: out of memory\n");
	buf_release(&b);
	return rc == 0 ? EX_OK : EX_ERR;
}

static int
cmd_backup(const char *inst, int argc, char **argv)
{
	static const char use[] = "backup --to DIR [--type full] [--json] | backup --list";
	const char *to = NULL, *type = "full";
	struct bkp_entry e;
	struct jk_err err;
	struct jk *j;
	size_t k;
	int i, rc = EX_OK, json = 0;

	if (argc == 2 && strcmp(argv[1], "--list") == 0)
		return list_backups(inst);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
			type = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return usage(use);
	}
	if (to == NULL)
		return usage(use);
	if ((j = open_inst(inst)) == NULL)
		return EX_ERR;
	jk_err_clear(&err);
	if (bkp_backup(j, to, type, &e, &err) != 0) {
		rc = err.code == JK_EUSAGE ? (fail(&err), EX_USAGE) : fail(&err);
	} else if (json) {
		rc = backup_json(&e);
		bkp_entry_release(&e);
	} else {
		printf("Backup %s of %zu database%s in %s\n", e.name, e.ndbs, e.ndbs == 1 ? "" : "s", e.dir);
		for (k = 0; k < e.ndbs; k++)
			printf("    %s -> %s\n", e.dbs[k].source, e.dbs[k].copy);
		printf("Marker: %" PRIu64 ",%s\n", e.marker_offset, e.marker_path);
		printf("Writes were locked for %.1f ms; %" PRIu64 " bytes copied\n",
		    e.locked_us / 1e3, e.bytes);
		bkp_entry_release(&e);
	}
	jk_close(j);
	return rc;
}

static int
cmd_restore_backup(const char *inst, int argc, char **argv)
{
	static const char use[] = "restore-backup NAME [--redirect OLD=NEW]...";
	char **olds = NULL, **news = NULL;
	const char *name = NULL;
	struct bkp_entry e;
	struct jk_err err;
	struct jk *j = NULL;
	size_t n = 0, k;
	int i, rc = EX_OK;

	if ((olds = calloc((size_t)argc, sizeof *olds)) == NULL ||
	    (news = calloc((size_t)argc, sizeof *news)) == NULL) {
		rc = EX_ERR;
		goto out;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--redirect") == 0 && i + 1 < argc) {
			char *eq = strchr(argv[++i], '=');

			if (eq == NULL || eq == argv[i] || eq[1] == '\0') {
				rc = usage(use);
				goto out;
			}
			*eq = '\0';
			olds[n] = argv[i];
			news[n++] = eq + 1;
		} else if (name == NULL && argv[i][0] != '-') {
			name = argv[i];
		} else {
			rc = usage(use);
			goto out;
		}
	}
	if (name == NULL) {
		rc = usage(use);
		goto out;
	}
	if ((j = open_inst(inst)) == NULL) {
		rc = EX_ERR;
		goto out;
	}
	jk_err_clear(&err);
	if (bkp_restore(j, name, olds, news, n, &e, &err) != 0) {
		rc = fail(&err);
		goto out;
	}
	printf("Restored backup %s:\n", name);
	for (k = 0; k < e.ndbs; k++)
		printf("    %s -> %s\n", e.dbs[k].source, e.dbs[k].copy);
	printf("jrnresto now starts at the marker of this backup unless told otherwise.\n");
	bkp_entry_release(&e);
out:
	jk_close(j);
	free(olds);
	free(news);
	return rc;
}

/* ---- lock / locked / unlock -------------------------------------------------------- */

/* The holder: lock, report through fd, wait for a signal, unlock. */
static void
hold(const char *inst, unsigned wait_ms, int fd)
{
	struct jk_err err;
	struct jk *j;
	sigset_t set;
	int sig, nul;

	setsid();
	if ((nul = open("/dev/null", O_RDWR)) >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	jk_err_clear(&err);
	if (jk_open(inst, &j, &err) != 0) {
		dprintf(fd, "%s", err.msg);
		_exit(EX_ERR);
	}
	if (bkp_lock(j, BKP_HOLDER_LOCK, wait_ms, &err) != 0) {
		dprintf(fd, "%s", err.msg);
		jk_close(j);
		_exit(EX_ERR);
	}
	dprintf(fd, "ok");
	close(fd);
	while (sigwait(&set, &sig) != 0)
		;
	bkp_unlock(j);
	jk_close(j);
	_exit(EX_OK);
}

static int
cmd_lock(const char *inst, int argc, char **argv)
{
	static const char use[] = "lock [--wait SECONDS]";
	char msg[JK_ERR_MSG_MAX + 1];
	unsigned wait_ms;
	size_t got = 0;
	ssize_t r;
	long s;
	int p[2], status;
	pid_t pid;
	struct jk *j;

	if ((j = open_inst(inst)) == NULL)
		return EX_ERR;
	wait_ms = jk_conf(j)->lock_wait_ms;
	jk_close(j);
	if (argc == 3 && strcmp(argv[1], "--wait") == 0 && number(argv[2], 86400, &s))
		wait_ms = (unsigned)s * 1000;
	else if (argc != 1)
		return usage(use);
	fflush(NULL);
	if (pipe(p) != 0 || (pid = fork()) < 0) {
		perror("jrnkit: cannot start the lock holder");
		return EX_ERR;
	}
	if (pid == 0) {
		close(p[0]);
		hold(inst, wait_ms, p[1]);
	}
	close(p[1]);
	while (got < sizeof msg - 1 && (r = read(p[0], msg + got, sizeof msg - 1 - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		got += (size_t)r;
	}
	close(p[0]);
	msg[got] = '\0';
	if (strcmp(msg, "ok") != 0) {
		waitpid(pid, &status, 0);
		fprintf(stderr, "jrnkit: %s\n", got > 0 ? msg : "the lock holder died");
		return EX_ERR;
	}
	printf("Writes locked (flushed; held by process %ld; jrnkit unlock releases them)\n", (long)pid);
	return EX_OK;
}

static int
cmd_locked(const char *inst, int argc, char **argv)
{
	struct bkp_lock_state st;
	struct jk_err err;
	char t[32];

	(void)argv;
	if (argc != 1)
		return usage("locked");
	jk_err_clear(&err);
	if (bkp_locked(inst, &st, &err) != 0)
		return fail(&err);
	if (!st.locked) {
		printf("Writes are not locked\n");
		return EX_ERR;
	}
	printf("Writes are locked by %s, process %ld, since %s\n",
	    st.kind == BKP_HOLDER_BACKUP ? "a backup" : st.kind == BKP_HOLDER_LOCK ? "jrnkit lock" : "a process",
	    (long)st.pid, show_time(st.since_us, t, sizeof t));
	return EX_OK;
}

static int
cmd_unlock(const char *inst, int argc, char **argv)
{
	struct bkp_lock_state st;
	struct jk_err err;
	struct timespec ts = { 0, 5000000 };
	int waited;

	(void)argv;
	if (argc != 1)
		return usage("unlock");
	jk_err_clear(&err);
	if (bkp_locked(inst, &st, &err) != 0)
		return fail(&err);
	if (!st.locked) {
		printf("Writes are not locked\n");
		return EX_OK;
	}
	if (st.kind != BKP_HOLDER_LOCK || st.pid <= 0) {
		fprintf(stderr, "jrnkit: writes are locked by a backup in progress (process %ld), "
		    "which unlocks them itself\n", (long)st.pid);
		return EX_ERR;
	}
	if (kill(st.pid, SIGTERM) != 0 && errno != ESRCH) {
		fprintf(stderr, "jrnkit: cannot signal the lock holder, process %ld: %s\n", (long)st.pid,
		    strerror(errno));
		return EX_ERR;
	}
	for (waited = 0; waited < UNLOCK_WAIT_MS; waited += 5) {
		if (bkp_locked(inst, &st, &err) != 0)
			return fail(&err);
		if (!st.locked) {
			printf("Writes unlocked\n");
			return EX_OK;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "jrnkit: writes are still locked by process %ld after %d ms\n", (long)st.pid,
	    UNLOCK_WAIT_MS);
	return EX_ERR;
}

/* ---- purge ------------------------------------------------------------------------------ */

int
purge_write(const char *inst, const struct bkp_purge_opts *o, FILE *out, struct jk_err *err)
{
	char **paths = NULL;
	size_t n = 0, i;
	struct jk *j;
	int rc;

	if ((rc = jk_open(inst, &j, err)) != 0)
		return rc;
	rc = bkp_purge(j, o, &paths, &n, err);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s %s\n", o->dry_run ? "Would purge" : "Purged", paths[i]);
		free(paths[i]);
	}
	free(paths);
	if (rc == 0 && n == 0)
		fprintf(out, "None purged\n");
	jk_close(j);
	return rc;
}

static int
cmd_purge(const char *inst, int argc, char **argv)
{
	static const char use[] = "purge [--days N] [--backups N] [--dry-run]";
	struct bkp_purge_opts o = { -1, -1, false };
	struct jk_err err;
	long v;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			o.dry_run = true;
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc && number(argv[i + 1], 36500, &v))
			o.days = (int)v, i++;
		else if (strcmp(argv[i], "--backups") == 0 && i + 1 < argc && number(argv[i + 1], 10000, &v))
			o.backups = (int)v, i++;
		else
			return usage(use);
	}
	jk_err_clear(&err);
	if (purge_write(inst, &o, stdout, &err) != 0)
		return fail(&err);
	return EX_OK;
}

int
bkpcmd_run(const char *dir, int argc, char **argv)
{
	const char *c = argv[0];
	char inst[PATH_MAX];
	struct jk *j;

	/* the instance's canonical directory, as the library names its files */
	if ((j = open_inst(dir)) == NULL)
		return EX_ERR;
	snprintf(inst, sizeof inst, "%s", jk_dir(j));
	jk_close(j);

	if (strcmp(c, "backup") == 0)
		return cmd_backup(inst, argc, argv);
	if (strcmp(c, "restore-backup") == 0)
		return cmd_restore_backup(inst, argc, argv);
	if (strcmp(c, "lock") == 0)
		return cmd_lock(inst, argc, argv);
	if (strcmp(c, "locked") == 0)
		return cmd_locked(inst, argc, argv);
	if (strcmp(c, "unlock") == 0)
		return cmd_unlock(inst, argc, argv);
	return cmd_purge(inst, argc, argv);
}
