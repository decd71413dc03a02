/*
 * cvtcmd.c - jrnkit convert | read | import-gtm (jrnkit(8), jrnkit-common(5)).
 *
 * convert builds a restore plan from flags (the selection of jrnresto: files
 * or a range of journal.log, directories, globals, start and stop points)
 * and writes its records as a common-format file; read applies such a file;
 * import-gtm turns GT.M/YottaDB journal extracts into jrnkit journal files,
 * or applies them.  The work is the library's (cvt.h, gtmx.h); this file
 * parses, prints and picks the exit code: 0 ok, 1 error, 2 usage, 3 journal
 * damaged.
 */
#include "cvtcmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cvt.h"
#include "db.h"
#include "gtmx.h"
#include "inst.h"
#include "rst.h"
#include "ui/cli.h"

#define EX_OK		0
#define EX_ERR		1
#define EX_USAGE	2
#define EX_DAMAGED	3


/* ---- convert --------------------------------------------------------------------------------- */

static const char convert_usage[] =
"usage: jrnkit convert [SELECTION] [FILE...] -o OUT\n"
"  FILE...                       these journal files, in this order (default: the\n"
"                                instance's journal.log)\n"
"  --from FILE --through FILE    the first and last file of the list\n"
"  --log LOG [--search DIR]...   the files another instance's history log names\n"
"  --journal-dir DIR... [--prefix P]  the files PREFIXyyyymmdd.nnn in directories\n"
"  --db DIR | --redirect OLD=NEW only these databases (OLD written as NEW); default all\n"
"  --global PATTERN              only these globals (* and ?)\n"
"  --start POINT --stop POINT    begin|end, OFFSET,PATH, marker=ID, marker:TEXT,\n"
"                                time=YYYYMMDD HH:MM:SS, seq=N, last (start only)\n"
"  --skip-damage                 go on past a damaged journal file\n"
"  --no-link-check               do not require each file to name the one before it\n"
"  --no-dirs                     write no directory references\n"
"  -o OUT                        the common-format file (- for standard output)\n";

enum {
	O_FROM = 256, O_THROUGH, O_LOG, O_SEARCH, O_JDIR, O_PREFIX, O_DB, O_REDIRECT, O_GLOBAL, O_START,
	O_STOP, O_SKIP_DAMAGE, O_NO_LINKS, O_NO_DIRS, O_NO_JOURNAL, O_DRY_RUN, O_APPLY, O_HELP,
};

struct cflags {
	const char *from, *through, *log, *prefix, *start, *stop, *out;
	char **search, **jdirs, **dbs, **redirects, **globals;
	size_t nsearch, njdirs, ndbs, nredirects, nglobals;
	bool skip_damage, no_links, no_dirs;
};

static void
cflags_release(struct cflags *f)
{
	free(f->search);
	free(f->jdirs);
	free(f->dbs);
	free(f->redirects);
	free(f->globals);
}

/* The plan the flags describe, into p (initialised).  0, or an exit code with the message said. */
static int
convert_plan(const struct cflags *f, char **files, size_t nfiles, const char *inst, struct rst_plan *p)
{
	const struct rst_select sel = {
		.files = files, .nfiles = nfiles,
		.log = f->log, .search = f->search, .nsearch = f->nsearch,
		.jdirs = f->jdirs, .njdirs = f->njdirs, .prefix = f->prefix,
		.from = f->from, .through = f->through,
		.dbs = f->dbs, .ndbs = f->ndbs, .redirects = f->redirects, .nredirects = f->nredirects,
		.globals = f->globals, .nglobals = f->nglobals,
	};
	struct jk_err err;
	int rc;

	jk_err_clear(&err);
	if (inst != NULL && rst_plan_set_inst(p, inst, &err) != 0)
		goto fail;
	if ((rc = rst_plan_select_files(p, &sel, &err)) != 0 ||
	    (rc = rst_plan_select_dbs(p, &sel, &err)) != 0) {
		if (rc == JK_EUSAGE)
			return cli_usage(convert_usage, err.msg, EX_USAGE);
		goto fail;
	}
	p->all = f->ndbs == 0 && f->nredirects == 0;
	if (f->start && rst_point_parse(&p->start, f->start, &err) != 0) {
		cli_warn("start point '%s': %s", f->start, err.msg);
		return EX_USAGE;
	}
	if (f->stop && rst_point_parse(&p->stop, f->stop, &err) != 0) {
		cli_warn("stop point '%s': %s", f->stop, err.msg);
		return EX_USAGE;
	}
	if (f->skip_damage)
		p->jrn_errors = RST_CONTINUE;
	if (f->no_links)
		p->check_links = false;
	return 0;
fail:
	cli_warn("%s", err.msg);
	return EX_ERR;
}

int
cmd_convert(int argc, char **argv, const char *inst, const char *db)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, O_FROM },
		{ "through", required_argument, NULL, O_THROUGH },
		{ "log", required_argument, NULL, O_LOG },
		{ "search", required_argument, NULL, O_SEARCH },
		{ "journal-dir", required_argument, NULL, O_JDIR },
		{ "prefix", required_argument, NULL, O_PREFIX },
		{ "db", required_argument, NULL, O_DB },
		{ "redirect", required_argument, NULL, O_REDIRECT },
		{ "global", required_argument, NULL, O_GLOBAL },
		{ "start", required_argument, NULL, O_START },
		{ "stop", required_argument, NULL, O_STOP },
		{ "skip-damage", no_argument, NULL, O_SKIP_DAMAGE },
		{ "no-link-check", no_argument, NULL, O_NO_LINKS },
		{ "no-dirs", no_argument, NULL, O_NO_DIRS },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct cflags f;
	struct rst_plan p;
	struct cvt_write_opts wo;
	struct cvt_write_result res;
	struct jk_err err;
	int c, rc = EX_OK;

	(void)db;
	cli_set_prog("jrnkit convert");
	memset(&f, 0, sizeof f);
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'o': f.out = optarg; break;
		case O_FROM: f.from = optarg; break;
		case O_THROUGH: f.through = optarg; break;
		case O_LOG: f.log = optarg; break;
		case O_SEARCH: bad = cli_push(&f.search, &f.nsearch, optarg); break;
		case O_JDIR: bad = cli_push(&f.jdirs, &f.njdirs, optarg); break;
		case O_PREFIX: f.prefix = optarg; break;
		case O_DB: bad = cli_push(&f.dbs, &f.ndbs, optarg); break;
		case O_REDIRECT: bad = cli_push(&f.redirects, &f.nredirects, optarg); break;
		case O_GLOBAL: bad = cli_push(&f.globals, &f.nglobals, optarg); break;
		case O_START: f.start = optarg; break;
		case O_STOP: f.stop = optarg; break;
		case O_SKIP_DAMAGE: f.skip_damage = true; break;
		case O_NO_LINKS: f.no_links = true; break;
		case O_NO_DIRS: f.no_dirs = true; break;
		case O_HELP: fputs(convert_usage, stdout); cflags_release(&f); return EX_OK;
		default: cflags_release(&f); return cli_usage(convert_usage, NULL, EX_USAGE);
		}
		if (bad) {
			cli_warn("out of memory");
			cflags_release(&f);
			return EX_ERR;
		}
	}
	if (f.out == NULL) {
		cflags_release(&f);
		return cli_usage(convert_usage, "where to? -o OUT", EX_USAGE);
	}
	rst_plan_init(&p);
	jk_err_clear(&err);
	if ((rc = convert_plan(&f, argv + optind, (size_t)(argc - optind), cli_instance(inst), &p)) != 0)
		goto out;
	memset(&wo, 0, sizeof wo);
	wo.no_dirs = f.no_dirs;
	wo.globals = f.globals;
	wo.nglobals = f.nglobals;
	if (strcmp(f.out, "-") == 0)
		rc = cvt_write_plan_fd(&p, &wo, STDOUT_FILENO, &res, &err);
	else
		rc = cvt_write_plan(&p, &wo, f.out, &res, &err);
	if (rc != 0) {
		cli_warn("%s", err.msg);
		rc = rc == JK_ECORRUPT || rc == JK_ETORN ? EX_DAMAGED : rc == JK_EUSAGE ? EX_USAGE : EX_ERR;
		goto out;
	}
	fprintf(strcmp(f.out, "-") == 0 ? stderr : stdout,
	    "%" PRIu64 " journal records read; %" PRIu64 " updates written (%" PRIu64 " not selected), "
	    "%" PRIu64 " transactions, %" PRIu64 " incomplete, %" PRIu64 " rolled back in the journal, "
	    "%" PRIu64 " markers%s%s\n", res.records, res.updates, res.filtered, res.tx, res.incomplete,
	    res.rolledback, res.markers, strcmp(f.out, "-") == 0 ? "" : "; written to ",
	    strcmp(f.out, "-") == 0 ? "" : f.out);
	if (res.damaged) {
		cli_warn("damaged journal data was skipped (see the '# skipped' lines)");
		rc = EX_DAMAGED;
	}
out:
	rst_plan_release(&p);
	cflags_release(&f);
	return rc;
}

/* ---- read and import-gtm --apply: the report ------------------------------------------------------------ */

static void
apply_report(const struct cvt_apply_opts *o, const struct cvt_apply_result *r, const char *name)
{
	size_t i;

	if (o->dry_run)
		printf("Nothing was written (a dry run).\n");
	else if (r->ntargets > 0) {
		printf("The following databases have been updated:\n\n");
		for (i = 0; i < r->ntargets; i++)
			printf("%zu. %s\n", i + 1, r->targets[i]);
		printf("\n");
	}
	for (i = 0; i < r->nincomplete; i++)
		printf("%s:%lu: transaction %" PRIu64 " (%" PRIu64 " updates) has no commit: not applied\n", name,
		    r->incomplete[i].line, r->incomplete[i].tx, r->incomplete[i].updates);
	printf("%" PRIu64 " records read, %" PRIu64 " updates %s, %" PRIu64 " of globals not selected, %" PRIu64
	    " of directories not selected\n", r->records, r->applied, o->dry_run ? "to apply" : "applied",
	    r->filtered, r->skipped);
	printf("Transactions: %" PRIu64 " complete, %zu incomplete (not applied), %" PRIu64 " rolled back\n",
	    r->tx, r->nincomplete, r->rolledback);
}

static void
apply_failed(const struct cvt_apply_result *r, const char *name, const struct jk_err *err)
{
	cli_warn("%s", err->msg);
	if (r->done_line > 1)
		cli_warn("%s: the units before line %lu are applied; reading the file again finishes the job",
		    name, r->done_line);
	else
		cli_warn("%s: nothing was written", name);
}

/* ---- read ---------------------------------------------------------------------------------------- */

static const char read_usage[] =
"usage: jrnkit [-d DB] read FILE [--redirect OLD=NEW]... [--db DIR]... [--global PATTERN]...\n"
"                               [--no-journal] [--dry-run]\n"
"  --redirect OLD=NEW   apply directory OLD's records to NEW\n"
"  --db DIR             apply DIR's records to DIR (with --redirect/--db: only those)\n"
"  --global PATTERN     only these globals (* and ?)\n"
"  -d DB                where records that name no directory go (default db/user/)\n"
"  --no-journal         write the databases directly (locked), not through the journal\n"
"  --dry-run            check the whole file and count; write nothing\n";

int
cmd_read(int argc, char **argv, const char *inst, const char *db)
{
	static const struct option opts[] = {
		{ "redirect", required_argument, NULL, O_REDIRECT },
		{ "db", required_argument, NULL, O_DB },
		{ "global", required_argument, NULL, O_GLOBAL },
		{ "no-journal", no_argument, NULL, O_NO_JOURNAL },
		{ "dry-run", no_argument, NULL, O_DRY_RUN },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	char **redirects = NULL, **dbs = NULL, **globals = NULL;
	size_t nredirects = 0, ndbs = 0, nglobals = 0;
	struct cvt_apply_opts o;
	struct cvt_apply_result res;
	struct cvt_reader *r = NULL;
	struct cvt_src src;
	struct jk_err err;
	int c, rc = EX_OK, bad = 0;

	cli_set_prog("jrnkit read");
	memset(&o, 0, sizeof o);
	o.journal = true;
	optind = 0;
	while (!bad && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_REDIRECT: bad = cli_push(&redirects, &nredirects, optarg); break;
		case O_DB: bad = cli_push(&dbs, &ndbs, optarg); break;
		case O_GLOBAL: bad = cli_push(&globals, &nglobals, optarg); break;
		case O_NO_JOURNAL: o.journal = false; break;
		case O_DRY_RUN: o.dry_run = true; break;
		case O_HELP: fputs(read_usage, stdout); goto out;
		default: rc = cli_usage(read_usage, NULL, EX_USAGE); goto out;
		}
	}
	if (bad) {
		cli_warn("out of memory");
		rc = EX_ERR;
		goto out;
	}
	if (optind + 1 != argc) {
		rc = cli_usage(read_usage, optind == argc ? "which file?" : "one file at a time", EX_USAGE);
		goto out;
	}
	if ((o.inst = cli_instance(inst)) == NULL) {
		cli_warn("no instance: give -I DIR or set JRNKIT_HOME");
		rc = EX_USAGE;
		goto out;
	}
	o.redirect = redirects;
	o.nredirect = nredirects;
	o.dbs = dbs;
	o.ndbs = ndbs;
	o.globals = globals;
	o.nglobals = nglobals;
	o.default_db = db;
	jk_err_clear(&err);
	cvt_apply_result_init(&res);
	if (cvt_reader_open(argv[optind], &r, &err) != 0) {
		cli_warn("%s", err.msg);
		rc = EX_ERR;
		goto out;
	}
	src = cvt_reader_src(r);
	if (cvt_apply(&src, &o, &res, &err) != 0) {
		apply_failed(&res, argv[optind], &err);
		rc = err.code == JK_EUSAGE ? EX_USAGE : EX_ERR;
	} else {
		apply_report(&o, &res, argv[optind]);
		if (cvt_reader_ignored(r) > 0)
			printf("%" PRIu64 " records of kinds this jrnkit does not know (X-...) skipped\n",
			    cvt_reader_ignored(r));
	}
	cvt_apply_result_release(&res);
	cvt_reader_close(r);
out:
	free(redirects);
	free(dbs);
	free(globals);
	return rc;
}

/* ---- import-gtm ------------------------------------------------------------------------------------ */

static const char import_usage[] =
"usage: jrnkit [-d DB] import-gtm [--db DIR] [--prefix P] -o JOURNAL_DIR FILE...\n"
"       jrnkit [-d DB] import-gtm --apply [--no-journal] [--dry-run] FILE...\n"
"  FILE...              mupip journal -extract output (GDSJEX07, YDBJEX08), oldest first\n"
"  -o JOURNAL_DIR       write one jrnkit journal file per FILE there, chained\n"
"  --db DIR             the database the journal files name (default -d DB, or db/user/)\n"
"  --prefix P           journal file name prefix\n"
"  --apply              apply the records to -d DB (or --db DIR) instead\n"
"  --no-journal         with --apply: write the database directly, not through the journal\n"
"  --dry-run            with --apply: check and count, write nothing\n";

static void
import_stats(const char *file, const struct gtmx *x)
{
	const struct gtmx_stats *s = gtmx_stats(x);

	printf("%s (%s): %" PRIu64 " SET, %" PRIu64 " KILL, %" PRIu64 " ZKILL, %" PRIu64 " TSTART, %" PRIu64
	    " TCOM; skipped %" PRIu64 " PINI, %" PRIu64 " PFIN, %" PRIu64 " EOF, %" PRIu64 " NULL, %" PRIu64
	    " trigger records\n", file, gtmx_label(x), s->sets, s->kills, s->zkills, s->tstarts, s->tcommits,
	    s->pini, s->pfin, s->eof, s->null, s->triggers);
}

/* The database directory the records are for, canonical, into b. */
static int
target_db(const char *dbflag, const char *db, const char *inst, struct buf *b, struct jk_err *err)
{
	char def[PATH_MAX + 16];
	const char *d = dbflag ? dbflag : db;

	if (d == NULL) {
		if (inst == NULL)
			return jk_errf(err, JK_EUSAGE, "which database? --db DIR, -d DB, or an instance (its db/user/)");
		snprintf(def, sizeof def, "%s/db/user/", inst);
		d = def;
	}
	return db_exists(d) ? db_canon_path(d, b, err) : rst_canon_dir(d, b, err);
}

int
cmd_import_gtm(int argc, char **argv, const char *inst, const char *db)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "prefix", required_argument, NULL, O_PREFIX },
		{ "apply", no_argument, NULL, O_APPLY },
		{ "no-journal", no_argument, NULL, O_NO_JOURNAL },
		{ "dry-run", no_argument, NULL, O_DRY_RUN },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *dbflag = NULL, *prefix = "";
	bool apply = false, no_journal = false, dry = false;
	struct buf dbdir = BUF_INIT;
	struct jk_err err;
	struct gtmx *x;
	struct cvt_src src;
	int c, i, rc = EX_OK;

	cli_set_prog("jrnkit import-gtm");
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case O_DB: dbflag = optarg; break;
		case O_PREFIX: prefix = optarg; break;
		case O_APPLY: apply = true; break;
		case O_NO_JOURNAL: no_journal = true; break;
		case O_DRY_RUN: dry = true; break;
		case O_HELP: fputs(import_usage, stdout); return EX_OK;
		default: return cli_usage(import_usage, NULL, EX_USAGE);
		}
	}
	if (optind == argc)
		return cli_usage(import_usage, "which extract files?", EX_USAGE);
	if (apply == (out != NULL))
		return cli_usage(import_usage, "either -o JOURNAL_DIR (write journal files) or --apply", EX_USAGE);
	if (!apply && (no_journal || dry))
		return cli_usage(import_usage, "--no-journal and --dry-run go with --apply", EX_USAGE);
	if (strchr(prefix, '/') != NULL)
		return cli_usage(import_usage, "a prefix is part of a file name: no '/'", EX_USAGE);
	jk_err_clear(&err);
	inst = cli_instance(inst);
	if (target_db(dbflag, db, inst, &dbdir, &err) != 0) {
		cli_warn("%s", err.msg);
		buf_release(&dbdir);
		return err.code == JK_EUSAGE ? EX_USAGE : EX_ERR;
	}
	for (i = optind; i < argc && rc == EX_OK; i++) {
		if (gtmx_open(argv[i], &x, &err) != 0) {
			cli_warn("%s", err.msg);
			rc = EX_ERR;
			break;
		}
		src = gtmx_src(x);
		if (apply) {
			struct cvt_apply_opts o;
			struct cvt_apply_result res;

			memset(&o, 0, sizeof o);
			o.inst = inst;
			o.default_db = buf_str(&dbdir);
			o.journal = !no_journal;
			o.dry_run = dry;
			cvt_apply_result_init(&res);
			if (inst == NULL) {
				cli_warn("no instance: give -I DIR or set JRNKIT_HOME");
				rc = EX_USAGE;
			} else if (cvt_apply(&src, &o, &res, &err) != 0) {
				apply_failed(&res, argv[i], &err);
				rc = EX_ERR;
			} else {
				import_stats(argv[i], x);
				apply_report(&o, &res, argv[i]);
			}
			cvt_apply_result_release(&res);
		} else {
			struct cvt_journal_result jr;

			if (cvt_to_journal(&src, buf_str(&dbdir), out, prefix, &jr, &err) != 0) {
				cli_warn("%s", err.msg);
				rc = EX_ERR;
			} else {
				import_stats(argv[i], x);
				printf("Journal file written: %s (%" PRIu64 " records, %" PRIu64 " updates, %" PRIu64
				    " transactions, for %s)\n", jr.path, jr.records, jr.updates, jr.tx, buf_str(&dbdir));
			}
		}
		gtmx_close(x);
	}
	buf_release(&dbdir);
	return rc;
}
