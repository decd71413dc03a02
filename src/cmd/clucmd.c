/*
 * clucmd.c - the cluster commands of jrnkit (jrnkit(8), CLUSTER): a
 * cluster directory, members joining it, cluster-wide markers, the
 * sequence allocator's benchmark.  Thin: clu.h and jk.h do the work.
 */
#include "clucmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clu.h"
#include "inst.h"
#include "jk.h"
#include "ui/cli.h"

#define EX_OK		0
#define EX_ERR		1
#define EX_USAGE	2

static const char cluster_usage[] =
"usage: jrnkit cluster init DIR\n"
"       jrnkit [-I inst] cluster join DIR --csn N\n"
"       jrnkit cluster status DIR\n"
"       jrnkit cluster bench-seq [-p P] [-n N] [--file] DIR\n"
"       jrnkit init --cluster DIR --csn N INSTDIR\n"
"       jrnkit [-I inst] mark --cluster ID TEXT [--while-held CMD]\n";

static int
usage(void)
{
	fputs(cluster_usage, stderr);
	return EX_USAGE;
}

static int
fail(const struct jk_err *e)
{
	cli_warn("%s", e->msg[0] ? e->msg : jk_strerror(e->code));
	return EX_ERR;
}

/* A member number: 0..CLU_MAX_MEMBERS-1, or -1 with a message. */
static int
csn_arg(const char *s)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (errno != 0 || *e != '\0' || *s == '\0' || v < 0 || v >= CLU_MAX_MEMBERS) {
		cli_warn("--csn needs a member number from 0 to %d, not '%s'", CLU_MAX_MEMBERS - 1, s);
		return -1;
	}
	return (int)v;
}

static uint64_t
count_arg(const char *opt, const char *s)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno != 0 || *e != '\0' || *s == '\0' || *s == '-' || v == 0) {
		cli_warn("%s needs a positive number, not '%s'", opt, s);
		return 0;
	}
	return v;
}

/* ---- init, join, status ------------------------------------------------------------------ */

/* Join inst to dir as csn, then (re)start its journal so its next file carries the session. */
static int
join_and_start(const char *dir, const char *inst, int csn)
{
	struct buf from = BUF_INIT, to = BUF_INIT;
	struct jrn_status st;
	struct jk_err err;
	struct jk *j;
	int rc = EX_OK;

	jk_err_clear(&err);
	if (clu_join(dir, inst, csn, &err) != 0)
		return fail(&err);
	if (jk_open(inst, &j, &err) != 0)
		return fail(&err);
	if (jk_status(j, &st) != 0) {
		rc = fail(jk_err(j));
	} else if (!st.journaling) {
		if (jk_start(j) != 0)
			rc = fail(jk_err(j));
	} else if (jk_switch(j, &from, &to) != 0) {
		/* The file being written began before the instance joined: it has no session. */
		rc = fail(jk_err(j));
	}
	if (rc == EX_OK && jk_status(j, &st) == 0)
		printf("Cluster member %d: %s, journaling to %s\n", csn, jk_dir(j), st.path);
	jk_close(j);
	buf_release(&from);
	buf_release(&to);
	return rc;
}

int
clucmd_init(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "cluster", required_argument, NULL, 'c' },
		{ "csn", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	struct clu_member *m;
	struct jk_err err;
	size_t n, i;
	int c, csn = -1;

	optind = 0;	/* 0: glibc starts afresh (main parsed with "+", which would stay) */
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': dir = optarg; break;
		case 'n': if ((csn = csn_arg(optarg)) < 0) return EX_USAGE; break;
		default: return usage();
		}
	}
	if (dir == NULL || csn < 0 || optind + 1 != argc)
		return usage();
	jk_err_clear(&err);
	if (!clu_exists(dir)) {
		cli_warn("no cluster in '%s' (jrnkit cluster init %s)", dir, dir);
		return EX_ERR;
	}
	/* No instance is made for a number that is taken (clu_join checks again, under its lock). */
	if (clu_members(dir, &m, &n, &err) != 0)
		return fail(&err);
	for (i = 0; i < n && m[i].csn != csn; i++)
		;
	if (i < n) {
		cli_warn("cluster member %d is %s already", csn, m[i].inst);
		clu_members_free(m, n);
		return EX_ERR;
	}
	clu_members_free(m, n);
	if (inst_create(argv[optind], &err) != 0)
		return fail(&err);
	printf("Instance created in %s\n", argv[optind]);
	return join_and_start(dir, argv[optind], csn);
}

static int
cmd_join(int argc, char **argv, const char *inst)
{
	static const struct option lo[] = {
		{ "csn", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c, csn = -1;

	optind = 0;	/* 0: glibc starts afresh (main parsed with "+", which would stay) */
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c != 'n')
			return usage();
		if ((csn = csn_arg(optarg)) < 0)
			return EX_USAGE;
	}
	if (csn < 0 || optind + 1 != argc)
		return usage();
	if (inst == NULL || inst[0] == '\0') {
		cli_warn("no instance: give -I DIR or set JRNKIT_HOME");
		return EX_USAGE;
	}
	return join_and_start(argv[optind], inst, csn);
}

static void
print_time(uint64_t us)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	char s[32];

	localtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y%m%d %H:%M:%S", &tm);
	fputs(s, stdout);
}

static int
cmd_status(const char *dir)
{
	struct clu_member *m;
	struct jk_err err;
	struct clu *c;
	size_t n, i;
	uint64_t csi;

	jk_err_clear(&err);
	if (clu_open(dir, -1, &c, &err) != 0)
		return fail(&err);
	if (clu_members(clu_dir(c), &m, &n, &err) != 0) {
		clu_close(c);
		return fail(&err);
	}
	printf("Cluster directory: %s\n", clu_dir(c));
	csi = clu_csi(c);
	printf("Cluster session:   ");
	if (csi == 0)
		printf("none yet\n");
	else {
		print_time(csi);
		printf(" (%" PRIu64 ")\n", csi);
	}
	printf("Next sequence #:   %" PRIu64 "\n", clu_seq_next(c));
	printf("Counter:           %s\n", clu_mapped(c) ? "mapped (local file system)" : "read and written (network file system)");
	printf("Members:\n");
	for (i = 0; i < n; i++)
		printf("  %d %s %s\n", m[i].csn, clu_member_up_now(c, m[i].csn) ? "up  " : "down", m[i].inst);
	clu_members_free(m, n);
	clu_close(c);
	return EX_OK;
}

/* ---- bench-seq ----------------------------------------------------------------------------- */

/*
 * One allocating process: n numbers, each under its own lock hold (lock,
 * take one, unlock), as a commit takes them.  It checks that its numbers
 * increase and sends their sum to the parent.
 */
static int
seq_worker(const char *dir, uint64_t n, bool file_io, int fd)
{
	struct jk_err err;
	struct clu *c;
	uint64_t i, s, last = 0, sum = 0;

	jk_err_clear(&err);
	if (clu_open(dir, -1, &c, &err) != 0)
		return fail(&err);
	if (file_io)
		clu_set_mapped(c, false);
	for (i = 0; i < n; i++) {
		if (clu_lock(c) != 0 || clu_seq_take(c, 1, &s) != 0) {
			fail(clu_err(c));
			clu_close(c);
			return EX_ERR;
		}
		clu_unlock(c);
		if (s <= last) {
			cli_warn("sequence number %" PRIu64 " after %" PRIu64, s, last);
			clu_close(c);
			return EX_ERR;
		}
		last = s;
		sum += s;
	}
	clu_close(c);
	return write(fd, &sum, sizeof sum) == (ssize_t)sizeof sum ? EX_OK : EX_ERR;
}

/* P processes x n numbers; *rate gets numbers/s.  Checks the numbers were unique and consecutive. */
static int
seq_round(const char *dir, unsigned p, uint64_t n, bool file_io, double *rate)
{
	struct jk_err err;
	struct clu *c;
	uint64_t first, last, sum = 0, part, total = (uint64_t)p * n;
	unsigned i;
	int fds[2], status, rc = EX_OK;
	double t0;
	pid_t pid;

	jk_err_clear(&err);
	if (clu_open(dir, -1, &c, &err) != 0)
		return fail(&err);
	first = clu_seq_next(c);
	if (pipe(fds) != 0) {
		cli_warn("cannot make a pipe: %s", strerror(errno));
		clu_close(c);
		return EX_ERR;
	}
	fflush(stdout);
	t0 = (jrn_now_us() / 1e6);
	for (i = 0; i < p; i++) {
		if ((pid = fork()) < 0) {
			cli_warn("cannot start process %u: %s", i + 1, strerror(errno));
			rc = EX_ERR;
			break;
		}
		if (pid == 0) {
			close(fds[0]);
			_exit(seq_worker(dir, n, file_io, fds[1]));
		}
	}
	close(fds[1]);
	while (read(fds[0], &part, sizeof part) == (ssize_t)sizeof part)
		sum += part;
	close(fds[0]);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = EX_ERR;
	*rate = total / ((jrn_now_us() / 1e6) - t0);
	last = clu_seq_next(c);
	clu_close(c);
	if (rc != EX_OK)
		return rc;
	/* Every number from first to first+total-1 exactly once: the count and the sum say so. */
	if (last - first != total || sum != total * first + total * (total - 1) / 2) {
		cli_warn("the %u processes took %" PRIu64 " numbers from %" PRIu64 " but the counter moved %" PRIu64
		    " (sum %" PRIu64 "): numbers were lost or given twice", p, total, first, last - first, sum);
		return EX_ERR;
	}
	return EX_OK;
}

static int
cmd_bench_seq(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "file", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n = 1000000, p = 3;
	double one, many;
	bool file_io = false;
	int c, rc;

	optind = 0;	/* 0: glibc starts afresh (main parsed with "+", which would stay) */
	while ((c = getopt_long(argc, argv, "p:n:", lo, NULL)) != -1) {
		switch (c) {
		case 'p': if ((p = count_arg("-p", optarg)) == 0 || p > 64) return EX_USAGE; break;
		case 'n': if ((n = count_arg("-n", optarg)) == 0) return EX_USAGE; break;
		case 'f': file_io = true; break;
		default: return usage();
		}
	}
	if (optind + 1 != argc)
		return usage();
	if ((rc = seq_round(argv[optind], 1, n, file_io, &one)) != EX_OK ||
	    (rc = seq_round(argv[optind], (unsigned)p, n, file_io, &many)) != EX_OK)
		return rc;
	printf("bench-seq: counter %s; 1 process: %.0f numbers/s; %" PRIu64 " processes: %.0f numbers/s"
	    " (%.2f of one alone); every number unique and consecutive\n",
	    file_io ? "read and written" : "mapped", one, p, many, many / one);
	return EX_OK;
}

int
clucmd_cluster(int argc, char **argv, const char *inst)
{
	struct jk_err err;

	if (argc < 2)
		return usage();
	argc--;
	argv++;
	if (strcmp(argv[0], "init") == 0) {
		if (argc != 2)
			return usage();
		jk_err_clear(&err);
		if (clu_create(argv[1], &err) != 0)
			return fail(&err);
		printf("Cluster created in %s\n", argv[1]);
		return EX_OK;
	}
	if (strcmp(argv[0], "join") == 0)
		return cmd_join(argc, argv, inst);
	if (strcmp(argv[0], "status") == 0)
		return argc == 2 ? cmd_status(argv[1]) : usage();
	if (strcmp(argv[0], "bench-seq") == 0)
		return cmd_bench_seq(argc, argv);
	cli_warn("unknown cluster command '%s'", argv[0]);
	return usage();
}

/* ---- members, markers ---------------------------------------------------------------------- */

char **
clucmd_member_dirs(const char *inst, size_t *n)
{
	struct inst_conf conf;
	struct clu_member *m;
	struct jk_err err;
	char **v;
	size_t k, i;

	jk_err_clear(&err);
	*n = 0;
	if (inst_conf_load(inst, &conf, &err) != 0) {
		fail(&err);
		return NULL;
	}
	if (conf.cluster_dir[0] == '\0') {
		cli_warn("instance %s is not a cluster member", inst);
		return NULL;
	}
	if (clu_members(conf.cluster_dir, &m, &k, &err) != 0) {
		fail(&err);
		return NULL;
	}
	if (k == 0 || (v = calloc(k, sizeof *v)) == NULL) {
		cli_warn(k == 0 ? "the cluster has no members" : "out of memory");
		clu_members_free(m, k);
		return NULL;
	}
	for (i = 0; i < k; i++) {
		v[i] = m[i].inst;
		m[i].inst = NULL;
	}
	clu_members_free(m, k);
	*n = k;
	return v;
}

/* --while-held: the command runs while every member's writes are held. */
static int
run_held(void *arg)
{
	const char *cmd = arg;
	int status;

	fflush(stdout);
	status = system(cmd);
	return status == 0 ? 0 : -1;
}

int
clucmd_mark(int argc, char **argv, const char *inst)
{
	static const struct option lo[] = {
		{ "cluster", no_argument, NULL, 'c' },
		{ "while-held", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct jk *m[CLU_MAX_MEMBERS];
	struct jk_loc locs[CLU_MAX_MEMBERS];
	const char *held = NULL;
	struct jk_err err;
	char **dirs, *e;
	size_t n = 0, i, k = 0;
	long long id;
	int c, rc = EX_OK;

	optind = 0;	/* 0: glibc starts afresh (main parsed with "+", which would stay) */
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': break;
		case 'w': held = optarg; break;
		default: return usage();
		}
	}
	if (optind + 2 != argc)
		return usage();
	errno = 0;
	id = strtoll(argv[optind], &e, 10);
	if (errno != 0 || *e != '\0' || argv[optind][0] == '\0') {
		printf("%d,marker id must be a number, not '%s'\n", JK_EUSAGE, argv[optind]);
		return EX_USAGE;
	}
	if ((dirs = clucmd_member_dirs(inst, &n)) == NULL)
		return EX_ERR;
	jk_err_clear(&err);
	for (k = 0; k < n && k < CLU_MAX_MEMBERS; k++) {
		if (jk_open(dirs[k], &m[k], &err) != 0) {
			printf("%d,%s\n", err.code, err.msg);
			rc = EX_ERR;
			goto out;
		}
	}
	if (jk_mark_cluster(m, k, id, argv[optind + 1], held ? run_held : NULL, (void *)held, locs, &err) != 0) {
		/* the original's answer form: -code,message */
		printf("%d,%s\n", err.code, err.msg);
		rc = EX_ERR;
		goto out;
	}
	for (i = 0; i < k; i++)
		if (locs[i].path[0] != '\0')
			printf("%" PRIu64 ",%s\n", locs[i].offset, locs[i].path);
out:
	while (k > 0)
		jk_close(m[--k]);
	for (i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	return rc;
}
