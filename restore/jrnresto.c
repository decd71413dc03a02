/*
 * jrnresto - restore globals from journal files (jrnresto(8)).
 *
 * With no arguments but -I, the dialogue of spec/dialogues.md section 2.
 * With flags, no questions: the plan is built from them (or read from a
 * plan file), checked, shown, and run.  Exit codes: 0 done, 1 an error (a
 * plan that does not check, a database error), 2 usage, 3 journal damage,
 * 4 interrupted (run the same restore again to finish it).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clu.h"
#include "inst.h"
#include "resto.h"
#include "rst.h"
#include "ui/cli.h"

enum {
	EXIT_OK = RESTO_EXIT_OK, EXIT_ERR = RESTO_EXIT_ERR, EXIT_USAGE = RESTO_EXIT_USAGE,
};

static const char usage_text[] =
"usage: jrnresto [-I dir]                       the restore dialogue\n"
"       jrnresto [-I dir] -c                    the cluster journal restore menu\n"
"       jrnresto [-I dir] [options]             a restore without questions\n"
"sources (default: every file of the instance's journal.log):\n"
"  --from FILE --through FILE    the first and last file (name or path)\n"
"  --log LOG [--search DIR]...   the files another instance's history log names\n"
"  --journal-dir DIR... [--prefix P]  the files PREFIXyyyymmdd.nnn in directories\n"
"  --plan FILE                   a saved plan (jrnkit-plan(5))\n"
"  --cluster [--cluster-log LOG] [--journal-redirect OLD=NEW]...\n"
"                                every member's files of the cluster journal log\n"
"                                (default: this member's cluster's CLUJRN.LOG),\n"
"                                merged by sequence number; OLD=NEW moves logged\n"
"                                journal directories\n"
"databases (one of these is required):\n"
"  --all                         every database the journals name, to itself, all globals\n"
"  --db DIR                      restore DIR\n"
"  --redirect OLD=NEW            restore OLD's updates into NEW\n"
"  --global PATTERN              only these globals (* and ?), of every database named\n"
"where to start and stop (default: the first record; the end):\n"
"  --start POINT  --stop POINT   begin|end, OFFSET,PATH, marker=ID, marker:TEXT,\n"
"                                time=YYYYMMDD HH:MM:SS, seq=N, last (start only)\n"
"  --start-marker ID|TEXT  --start-offset OFFSET,PATH  --start-time T  --start-seq N\n"
"  --stop-marker ID|TEXT   --stop-offset OFFSET,PATH   --stop-time T   --stop-seq N\n"
"switches:\n"
"  --no-switch          do not switch the journal file first\n"
"  --journal-updates    journal the restored updates\n"
"  --rollback           roll back incomplete transactions\n"
"  --abort-on-db-error  abort at a database error (default: skip that database)\n"
"  --skip-damage        go on past a damaged journal (default: abort there)\n"
"  --no-link-check      do not require each file to name the one before it\n"
"output:\n"
"  --check              check the plan, show it, write nothing\n"
"  --dry-run            read everything, count per database and global, write nothing\n"
"  --save-plan FILE     write the plan to FILE (with --check or --dry-run: only that)\n"
"  --json               the result as JSON on stdout\n"
"  -q                   no progress\n";

static int
usage(const char *why)
{
	return cli_usage(usage_text, why, EXIT_USAGE);
}

enum opt {
	O_FROM = 256, O_THROUGH, O_LOG, O_SEARCH, O_JDIR, O_PREFIX, O_PLAN, O_DB, O_REDIRECT,
	O_GLOBAL, O_START, O_STOP, O_START_MARKER, O_START_OFFSET, O_START_TIME, O_START_SEQ,
	O_STOP_MARKER, O_STOP_OFFSET, O_STOP_TIME, O_STOP_SEQ, O_NO_SWITCH, O_JOURNAL_UPDATES,
	O_ROLLBACK, O_ABORT_DB, O_SKIP_DAMAGE, O_NO_LINKS, O_CHECK, O_DRY_RUN, O_SAVE_PLAN, O_JSON,
	O_HELP, O_ALL, O_CLUSTER, O_CLUSTER_LOG, O_JREDIRECT,
};

static const struct option longopts[] = {
	{ "from", required_argument, NULL, O_FROM },
	{ "through", required_argument, NULL, O_THROUGH },
	{ "log", required_argument, NULL, O_LOG },
	{ "search", required_argument, NULL, O_SEARCH },
	{ "journal-dir", required_argument, NULL, O_JDIR },
	{ "prefix", required_argument, NULL, O_PREFIX },
	{ "plan", required_argument, NULL, O_PLAN },
	{ "all", no_argument, NULL, O_ALL },
	{ "db", required_argument, NULL, O_DB },
	{ "redirect", required_argument, NULL, O_REDIRECT },
	{ "global", required_argument, NULL, O_GLOBAL },
	{ "start", required_argument, NULL, O_START },
	{ "stop", required_argument, NULL, O_STOP },
	{ "start-marker", required_argument, NULL, O_START_MARKER },
	{ "start-offset", required_argument, NULL, O_START_OFFSET },
	{ "start-time", required_argument, NULL, O_START_TIME },
	{ "start-seq", required_argument, NULL, O_START_SEQ },
	{ "stop-marker", required_argument, NULL, O_STOP_MARKER },
	{ "stop-offset", required_argument, NULL, O_STOP_OFFSET },
	{ "stop-time", required_argument, NULL, O_STOP_TIME },
	{ "stop-seq", required_argument, NULL, O_STOP_SEQ },
	{ "no-switch", no_argument, NULL, O_NO_SWITCH },
	{ "journal-updates", no_argument, NULL, O_JOURNAL_UPDATES },
	{ "rollback", no_argument, NULL, O_ROLLBACK },
	{ "abort-on-db-error", no_argument, NULL, O_ABORT_DB },
	{ "skip-damage", no_argument, NULL, O_SKIP_DAMAGE },
	{ "no-link-check", no_argument, NULL, O_NO_LINKS },
	{ "check", no_argument, NULL, O_CHECK },
	{ "dry-run", no_argument, NULL, O_DRY_RUN },
	{ "save-plan", required_argument, NULL, O_SAVE_PLAN },
	{ "json", no_argument, NULL, O_JSON },
	{ "help", no_argument, NULL, O_HELP },
	{ "cluster", no_argument, NULL, O_CLUSTER },
	{ "cluster-log", required_argument, NULL, O_CLUSTER_LOG },
	{ "journal-redirect", required_argument, NULL, O_JREDIRECT },
	{ NULL, 0, NULL, 0 },
};

/* What the flags say, before it becomes a plan. */
struct flags {
	const char *inst;
	const char *from, *through, *log, *prefix, *plan, *save_plan;
	char **search, **jdirs;
	size_t nsearch, njdirs;
	char **dbs;		/* --db DIR */
	size_t ndbs;
	char **redirects;	/* --redirect OLD=NEW */
	size_t nredirects;
	bool all;
	bool cluster;		/* --cluster */
	const char *cluster_log;
	char **jredirects;	/* --journal-redirect OLD=NEW */
	size_t njredirects;
	char **globals;
	size_t nglobals;
	const char *start, *stop;	/* point syntax, already made from the named forms */
	struct buf startbuf, stopbuf;
	bool no_switch, journal_updates, rollback, abort_db, skip_damage, no_links;
	bool check, dry_run, json, quiet;
	bool any;		/* any option besides -I: no dialogue */
	bool clumenu;		/* -c: the cluster journal restore menu */
};

/* A named point option as point syntax into b: marker (id or text), offset, time, seq. */
static const char *
named_point(struct buf *b, int kind, const char *arg)
{
	char *end;

	buf_reset(b);
	switch (kind) {
	case 'm':
		strtoll(arg, &end, 10);
		if (*arg != '\0' && *end == '\0')
			buf_addf(b, "marker=%s", arg);
		else
			buf_addf(b, "marker:%s", arg);
		break;
	case 'o':
		buf_adds(b, arg);
		break;
	case 't':
		buf_addf(b, "time=%s", arg);
		break;
	case 's':
		buf_addf(b, "seq=%s", arg);
		break;
	}
	return buf_str(b);
}

static int
parse_flags(int argc, char **argv, struct flags *f)
{
	int c;

	while ((c = getopt_long(argc, argv, "I:qc", longopts, NULL)) != -1) {
		if (c != 'I' && c != 'c')
			f->any = true;
		switch (c) {
		case 'I': f->inst = optarg; break;
		case 'c': f->clumenu = true; break;
		case 'q': f->quiet = true; break;
		case O_FROM: f->from = optarg; break;
		case O_THROUGH: f->through = optarg; break;
		case O_LOG: f->log = optarg; break;
		case O_SEARCH: if (cli_push(&f->search, &f->nsearch, optarg)) return -1; break;
		case O_JDIR: if (cli_push(&f->jdirs, &f->njdirs, optarg)) return -1; break;
		case O_PREFIX: f->prefix = optarg; break;
		case O_PLAN: f->plan = optarg; break;
		case O_ALL: f->all = true; break;
		case O_DB: if (cli_push(&f->dbs, &f->ndbs, optarg)) return -1; break;
		case O_REDIRECT: if (cli_push(&f->redirects, &f->nredirects, optarg)) return -1; break;
		case O_GLOBAL: if (cli_push(&f->globals, &f->nglobals, optarg)) return -1; break;
		case O_START: f->start = optarg; break;
		case O_STOP: f->stop = optarg; break;
		case O_START_MARKER: f->start = named_point(&f->startbuf, 'm', optarg); break;
		case O_START_OFFSET: f->start = named_point(&f->startbuf, 'o', optarg); break;
		case O_START_TIME: f->start = named_point(&f->startbuf, 't', optarg); break;
		case O_START_SEQ: f->start = named_point(&f->startbuf, 's', optarg); break;
		case O_STOP_MARKER: f->stop = named_point(&f->stopbuf, 'm', optarg); break;
		case O_STOP_OFFSET: f->stop = named_point(&f->stopbuf, 'o', optarg); break;
		case O_STOP_TIME: f->stop = named_point(&f->stopbuf, 't', optarg); break;
		case O_STOP_SEQ: f->stop = named_point(&f->stopbuf, 's', optarg); break;
		case O_NO_SWITCH: f->no_switch = true; break;
		case O_JOURNAL_UPDATES: f->journal_updates = true; break;
		case O_ROLLBACK: f->rollback = true; break;
		case O_ABORT_DB: f->abort_db = true; break;
		case O_SKIP_DAMAGE: f->skip_damage = true; break;
		case O_NO_LINKS: f->no_links = true; break;
		case O_CHECK: f->check = true; break;
		case O_DRY_RUN: f->dry_run = true; break;
		case O_SAVE_PLAN: f->save_plan = optarg; break;
		case O_JSON: f->json = true; break;
		case O_HELP: fputs(usage_text, stdout); exit(0);
		case O_CLUSTER: f->cluster = true; break;
		case O_CLUSTER_LOG: f->cluster = true; f->cluster_log = optarg; break;
		case O_JREDIRECT: if (cli_push(&f->jredirects, &f->njredirects, optarg)) return -1; break;
		default: return 1;
		}
	}
	return optind < argc ? 2 : 0;
}

/* A --start/--stop point into pt; 0 or EXIT_USAGE with err naming which. */
static int
point_flag(struct rst_point *pt, const char *arg, const char *which, struct jk_err *err)
{
	char m[JK_ERR_MSG_MAX];

	if (arg == NULL)
		return 0;
	if (strcmp(which, "start") == 0 ? strcmp(arg, "end") == 0 :
	    strcmp(arg, "begin") == 0 || strcmp(arg, "last") == 0) {
		jk_errf(err, JK_EUSAGE, "%s point '%s': a %s point is %s or a place, not %s", which,
		    arg, which, strcmp(which, "start") == 0 ? "begin" : "end", arg);
		return EXIT_USAGE;
	}
	if (rst_point_parse(pt, arg, err) == 0)
		return 0;
	snprintf(m, sizeof m, "%s", err->msg);
	jk_errf(err, err->code, "%s point '%s': %s", which, arg, m);
	return EXIT_USAGE;
}

/* --cluster: the files of the cluster journal log, redirected.  0 or an exit code. */
static int
cluster_files(const struct flags *f, struct rst_plan *p, struct jk_err *err)
{
	struct clu_redirect r;
	struct inst_conf conf;
	struct buf log = BUF_INIT;
	size_t i;
	int rc = 0;

	clu_redirect_init(&r);
	if (f->cluster_log != NULL) {
		buf_adds(&log, f->cluster_log);
	} else if (inst_conf_load(p->inst, &conf, err) != 0) {
		rc = EXIT_ERR;
	} else if (conf.cluster_dir[0] == '\0') {
		jk_errf(err, JK_EUSAGE, "%s is not a cluster member: give --cluster-log LOG", p->inst);
		rc = EXIT_USAGE;
	} else {
		buf_addf(&log, "%s%s", conf.cluster_dir, CLU_LOG_FILE);
	}
	for (i = 0; rc == 0 && i < f->njredirects; i++) {
		char *d = strdup(f->jredirects[i]), *eq = d ? strchr(d, '=') : NULL;

		if (eq == NULL || eq == d || eq[1] == '\0') {
			free(d);
			jk_errf(err, JK_EUSAGE, "--journal-redirect wants OLD=NEW, two directories");
			rc = EXIT_USAGE;
			break;
		}
		*eq++ = '\0';
		if (clu_redirect_add(&r, d, eq, err) != 0)
			rc = EXIT_USAGE;
		free(d);
	}
	if (rc == 0 && rst_plan_set_cluster(p, buf_str(&log), &r, err) != 0)
		rc = EXIT_ERR;
	clu_redirect_release(&r);
	buf_release(&log);
	return rc;
}

/* The plan the flags describe, into p (initialised, instance set).  0 or an exit code. */
static int
build_plan(const struct flags *f, struct rst_plan *p, struct jk_err *err)
{
	const struct rst_select sel = {
		.log = f->log, .search = f->search, .nsearch = f->nsearch,
		.jdirs = f->jdirs, .njdirs = f->njdirs, .prefix = f->prefix,
		.from = f->from, .through = f->through,
		.dbs = f->dbs, .ndbs = f->ndbs, .redirects = f->redirects, .nredirects = f->nredirects,
		.globals = f->globals, .nglobals = f->nglobals,
	};
	int rc = 0;

	if (f->plan != NULL) {
		if (f->log || f->nsearch || f->njdirs || f->prefix || f->from || f->through || f->all ||
		    f->ndbs || f->nredirects || f->nglobals)
			return usage("--plan names the files and databases: no --from, --through, --log, "
			    "--search, --journal-dir, --prefix, --all, --db, --redirect or --global with it");
		if (rst_plan_load(p, f->plan, err) != 0)
			return EXIT_ERR;
	} else {
		p->switch_first = true;		/* as the dialogue: when the current file is in the range */
		if (!f->all && f->ndbs == 0 && f->nredirects == 0)
			return usage("which databases? --all, --db DIR or --redirect OLD=NEW (or --plan FILE)");
		if (f->all && (f->ndbs || f->nredirects || f->nglobals))
			return usage("--all restores every database and global: no --db, --redirect or --global with it");
		if (f->cluster && (f->log || f->njdirs || f->from || f->through))
			return usage("--cluster reads the cluster journal log: no --log, --journal-dir, --from or --through with it");
		if (f->njredirects && !f->cluster)
			return usage("--journal-redirect goes with --cluster");
		if (f->cluster)
			rc = cluster_files(f, p, err);
		else if ((rc = rst_plan_select_files(p, &sel, err)) != 0)
			return rc == JK_EUSAGE ? usage(err->msg) : EXIT_ERR;
		if (rc != 0)
			return rc;
		p->all = f->all;
		if ((rc = rst_plan_select_dbs(p, &sel, err)) != 0)
			return rc == JK_EUSAGE ? usage(err->msg) : EXIT_ERR;
	}
	if (f->start == NULL && f->plan == NULL) {
		/* after restore-backup: that backup's marker (rst_plan_default_start) */
		struct buf note = BUF_INIT;

		rc = rst_plan_default_start(p, &note, err);
		if (rc == 0 && note.len > 0)
			fprintf(stderr, "jrnresto: starting at %s\n", buf_str(&note));
		buf_release(&note);
		if (rc != 0)
			return EXIT_ERR;
	}
	if ((rc = point_flag(&p->start, f->start, "start", err)) != 0 ||
	    (rc = point_flag(&p->stop, f->stop, "stop", err)) != 0)
		return rc;
	if (f->no_switch)
		p->switch_first = false;
	if (f->journal_updates)
		p->journal_updates = true;
	if (f->rollback)
		p->rollback = true;
	if (f->abort_db)
		p->db_errors = RST_ABORT;
	if (f->skip_damage)
		p->jrn_errors = RST_CONTINUE;
	if (f->no_links)
		p->check_links = false;
	p->dry_run = f->dry_run;
	return 0;
}

/* The exit code a finished run earns. */
static int
without_questions(struct flags *f, struct rst_plan *p, struct ui *ui)
{
	struct resto_out o = { .ui = ui, .live = isatty(STDOUT_FILENO) && !f->json,
	    .quiet = f->quiet || f->json };
	struct rst_result res;
	struct jk_err err;
	struct buf b = BUF_INIT;
	int rc;

	jk_err_clear(&err);
	if ((rc = build_plan(f, p, &err)) != 0) {
		if (err.code != 0)
			cli_warn("%s", err.msg);
		return rc;
	}
	if (f->save_plan != NULL) {
		/* a plan is saved only when it checks */
		if (rst_plan_check(p, &err) != 0 || rst_plan_save(p, f->save_plan, &err) != 0) {
			cli_warn("%s", err.msg);
			return EXIT_ERR;
		}
		if (!f->json)
			fprintf(stderr, "jrnresto: plan saved to %s\n", f->save_plan);
	}
	if (f->check) {
		if (rst_plan_check(p, &err) != 0) {
			cli_warn("%s", err.msg);
			return EXIT_ERR;
		}
		if (f->json)
			puts("{\"check\": \"ok\"}");
		else if (rst_plan_describe(p, &b) == 0)
			printf("%sThe plan checks: nothing was written.\n", buf_str(&b));
		buf_release(&b);
		return EXIT_OK;
	}
	if (!f->json && !f->quiet && rst_plan_describe(p, &b) == 0)
		fputs(buf_str(&b), stdout);
	buf_release(&b);
	rst_result_init(&res);
	rc = resto_run(p, &o, &res);
	if (rc != 0 && strcmp(res.why, "the plan") == 0 && !f->json) {
		/* refused before anything ran: just why */
		cli_warn("%s", res.err.msg);
		rst_result_release(&res);
		return EXIT_ERR;
	}
	if (f->json) {
		if (resto_json(p, &res, &b) == 0)
			fputs(buf_str(&b), stdout);
		buf_release(&b);
	} else {
		resto_report(&o, p, &res);
		if (p->dry_run)
			resto_dry_report(&o, &res);
	}
	rc = resto_exit(rc, &res);
	rst_result_release(&res);
	return rc;
}

int
main(int argc, char **argv)
{
	struct flags f;
	struct rst_plan p;
	struct jk_err e;
	struct ui ui;
	int rc;

	cli_set_prog("jrnresto");
	memset(&f, 0, sizeof f);
	f.inst = getenv("JRNKIT_HOME");
	if ((rc = parse_flags(argc, argv, &f)) != 0) {
		rc = rc < 0 ? (cli_warn("out of memory"), EXIT_ERR) :
		    usage(rc == 2 ? "unexpected arguments" : NULL);
		goto out;
	}
	if (f.clumenu && f.any) {
		rc = usage("-c is the cluster journal restore menu: no other options with it");
		goto out;
	}
	if (f.inst == NULL || *f.inst == '\0') {
		cli_warn("no instance: give -I DIR or set JRNKIT_HOME");
		rc = EXIT_USAGE;
		goto out;
	}
	jk_err_clear(&e);
	if (ui_init(&ui, stdin, stdout, f.any ? UI_PLAIN | UI_NOHISTORY : 0) != 0) {
		cli_warn("out of memory");
		rc = EXIT_ERR;
		goto out;
	}
	if (f.any) {
		rst_plan_init(&p);
		if (rst_plan_set_inst(&p, f.inst, &e) != 0) {
			cli_warn("%s", e.msg);
			rc = EXIT_ERR;
		} else
			rc = without_questions(&f, &p, &ui);
		rst_plan_release(&p);
	} else {
		int code = EXIT_OK;

		rc = f.clumenu ? resto_clumenu(&ui, f.inst, &code, &e) :
		    resto_dialogue_exit(&ui, f.inst, &code, &e);
		if (rc < 0)
			cli_warn("%s", e.msg);
		rc = rc < 0 ? EXIT_ERR : code;
	}
	ui_release(&ui);
out:
	free(f.search);
	free(f.jdirs);
	free(f.dbs);
	free(f.redirects);
	free(f.jredirects);
	free(f.globals);
	buf_release(&f.startbuf);
	buf_release(&f.stopbuf);
	return rc;
}
