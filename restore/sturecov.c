/*
 * sturecov - what a DBA does after startup recovery recorded errors
 * (sturecov(8); spec/dialogues.md section 5, ^STURECOV).
 *
 * The error type first: JRN, this instance; CLUJRN, on a cluster member,
 * the cluster (every member in the members file, CSN order, this one
 * first), elsewhere a word that this instance is no member.  Then the
 * recovery options, each doing its job through the library (src/rcv.h,
 * src/jk.h, src/db.h, src/clu.h) for the instance or, under CLUJRN, for
 * every member (sturecov(8) says what each does to a cluster).  The words are
 * in menus/sturecov.yaml; answers come one a line when stdin is not a
 * terminal, so the dialogue is replayed from scripts in the tests.
 * Exit 0 when the operator leaves, 1 on an error that stops the utility,
 * 2 on usage.
 */
#include <inttypes.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clu.h"
#include "db.h"
#include "inst.h"
#include "jk.h"
#include "rcv.h"
#include "rst.h"
#include "ui/menu.h"
#include "ui/ui.h"
#include "ui/cli.h"

struct st {
	const char *inst;
	struct menu_file *mf;
	struct ui_answer a;
	bool cluster;			/* CLUJRN: the options act on every member */
	struct clu_member *m;		/* the members, this instance first */
	size_t nm;
};

static void
say(struct ui *ui, struct st *s, const char *id)
{
	menu_say(ui, s->mf, id, NULL, NULL);
}

/* Ask prompt id; 0 answered (s->a), UI_BACK, or an error. */
static int
ask(struct ui *ui, struct st *s, const char *id)
{
	return ui_ask(ui, menu_prompt(s->mf, id), NULL, &s->a);
}

static int
ask_yes(struct ui *ui, struct st *s, const char *id, bool *yes)
{
	int rc = ask(ui, s, id);

	*yes = rc == 0 && s->a.yes;
	return rc;
}

/* An instance for one option (its session ends with the option), or NULL after saying why not. */
static struct jk *
open_dir(struct ui *ui, const char *inst)
{
	struct jk_err err;
	struct jk *j;

	jk_err_clear(&err);
	if (jk_open(inst, &j, &err) != 0) {
		ui_puts(ui, err.msg);
		return NULL;
	}
	return j;
}

static struct jk *
open_inst(struct ui *ui, struct st *s)
{
	return open_dir(ui, s->inst);
}

/* The instances an option acts on: the members under CLUJRN, else this one. */
static size_t
ninst(const struct st *s)
{
	return s->cluster ? s->nm : 1;
}

static const char *
inst_at(const struct st *s, size_t i)
{
	return s->cluster ? s->m[i].inst : s->inst;
}

/* Under CLUJRN, the heading of member i's part of an answer. */
static void
member_head(struct ui *ui, const struct st *s, size_t i)
{
	if (s->cluster)
		ui_printf(ui, "Member %d: %s\n", s->m[i].csn, s->m[i].inst);
}

/*
 * This instance's cluster: its members into s, this one first.  0 and
 * nothing set when it is no member; an error (said) when the cluster
 * cannot be read.
 */
static int
load_cluster(struct ui *ui, struct st *s, bool *member)
{
	struct inst_conf c;
	struct clu_member t;
	struct jk_err err;
	size_t i;

	*member = false;
	jk_err_clear(&err);
	if (inst_conf_load(s->inst, &c, &err) != 0) {
		ui_puts(ui, err.msg);
		return err.code;
	}
	if (c.cluster_dir[0] == '\0')
		return 0;
	clu_members_free(s->m, s->nm);
	s->m = NULL;
	s->nm = 0;
	if (clu_members(c.cluster_dir, &s->m, &s->nm, &err) != 0) {
		ui_puts(ui, err.msg);
		return err.code;
	}
	for (i = 0; i < s->nm; i++)
		if (s->m[i].csn == c.csn) {
			t = s->m[0];
			s->m[0] = s->m[i];
			s->m[i] = t;
			*member = true;
		}
	if (!*member)
		ui_printf(ui, "The members file of %s does not name this instance as member %d\n", c.cluster_dir, c.csn);
	return 0;
}

/* ---- 1: the errors ---------------------------------------------------------------------- */

static void
list_errors(struct ui *ui, struct st *s, const char *inst)
{
	struct rcv_errors e;
	struct jk_err err;
	char when[32];
	size_t i;

	jk_err_clear(&err);
	if (rcv_errors_read(inst, &e, &err) != 0) {
		ui_puts(ui, err.msg);
		return;
	}
	if (e.n == 0 || e.resolved) {
		say(ui, s, "none_listed");
	} else {
		ui_printf(ui, "Errors recorded during startup recovery (%zu):\n", e.n);
		for (i = 0; i < e.n; i++) {
			const struct rcv_error *x = &e.v[i];
			time_t t = (time_t)(x->time_us / 1000000u);
			struct tm tm;

			localtime_r(&t, &tm);
			strftime(when, sizeof when, "%Y%m%d %H:%M:%S", &tm);
			ui_printf(ui, "%2zu. %s  %s\n", i + 1, when, x->db[0] ? x->db : "(no one database)");
			if (x->file[0] != '\0')
				ui_printf(ui, "    at %" PRIu64 ",%s\n", x->offset, x->file);
			if (x->global[0] != '\0')
				ui_printf(ui, "    global ^%s\n", x->global);
			ui_printf(ui, "    %s\n", x->msg);
		}
	}
	rcv_errors_release(&e);
}

static int
act_list(struct ui *ui, void *ctx)
{
	struct st *s = ctx;
	size_t i;

	for (i = 0; i < ninst(s); i++) {
		member_head(ui, s, i);
		list_errors(ui, s, inst_at(s, i));
	}
	return 0;
}

/* ---- 2: recovery again ------------------------------------------------------------------ */

static int
act_rerun(struct ui *ui, void *ctx)
{
	struct st *s = ctx;
	struct rcv_report rep;
	struct buf out = BUF_INIT;
	struct jk_err err;
	bool yes;
	int rc;

	size_t i;

	if ((rc = ask_yes(ui, s, "rerun", &yes)) != 0 || !yes)
		return rc;
	/* CLUJRN: this member, then the others that are not open (they went down with it) */
	for (i = 0; i < ninst(s); i++) {
		member_head(ui, s, i);
		jk_err_clear(&err);
		rcv_report_init(&rep);
		buf_reset(&out);
		if (rcv_recover(inst_at(s, i), "on demand", &rep, &err) != 0)
			ui_puts(ui, err.msg);
		else if (rcv_report_text(&rep, &out) == 0)
			fputs(buf_str(&out), ui->out);
		rcv_report_release(&rep);
	}
	buf_release(&out);
	return 0;
}

/* ---- 3 and 8: resolving -------------------------------------------------------------------- */

static int
act_bringdown(struct ui *ui, void *ctx)
{
	struct st *s = ctx;
	struct jk_err err;
	bool yes;
	int rc;

	if (rcv_rollback_pending(s->inst))
		ui_puts(ui, "The last recovery left databases not recovered (option 1 lists why); they will be\n"
		    "recovered again at the next startup.");
	if ((rc = ask_yes(ui, s, "bringdown", &yes)) != 0 || !yes)
		return rc;
	jk_err_clear(&err);
	if (rcv_resolve(s->inst, &err) != 0)
		ui_puts(ui, err.msg);
	else
		say(ui, s, "bringdown_done");
	return 0;
}

static int
act_reset(struct ui *ui, void *ctx)
{
	struct st *s = ctx;
	struct jk_err err;
	bool yes;
	int rc;

	say(ui, s, "reset_what");
	if ((rc = ask_yes(ui, s, "reset", &yes)) != 0 || !yes)
		return rc;
	jk_err_clear(&err);
	if (rcv_reset(s->inst, &err) != 0)
		ui_puts(ui, err.msg);
	else
		say(ui, s, "reset_done");
	return 0;
}

/* ---- 4 and 5: dismount, mount ------------------------------------------------------------------ */

/* Whether the instance j lists the database dir (canonical, as jk_db_list gives it). */
static bool
lists_db(struct jk *j, const char *dir)
{
	struct buf c = BUF_INIT;
	char **paths;
	bool *mt, found = false;
	size_t n, i;

	if (rst_canon_dir(dir, &c, NULL) != 0 || jk_db_list(j, &paths, &mt, &n) != 0) {
		buf_release(&c);
		return false;
	}
	for (i = 0; i < n; i++) {
		found = found || strcmp(paths[i], buf_str(&c)) == 0;
		free(paths[i]);
	}
	free(paths);
	free(mt);
	buf_release(&c);
	return found;
}

static void
member_register(struct ui *ui, struct jk *j, const char *dir, bool m, int csn)
{
	if (jk_db_register(j, dir, m) != 0)
		ui_printf(ui, "Member %d: %s\n", csn, jk_err(j)->msg);
	else
		ui_printf(ui, "Database %s %s in member %d\n", dir, m ? "mounted" : "dismounted", csn);
}

static int
mount(struct ui *ui, struct st *s, bool m)
{
	struct jk *j;
	const char *dir;
	size_t i, done = 0;
	int rc;

	if ((rc = ask(ui, s, m ? "mount_dir" : "dismount_dir")) != 0 || s->a.empty)
		return rc;
	dir = buf_str(&s->a.text);
	/* a database whose files are gone can be dismounted, not mounted */
	if (m && !db_exists(dir)) {
		ui_printf(ui, "No database exists in %s\n", dir);
		return 0;
	}
	if (!s->cluster) {
		if ((j = open_inst(ui, s)) == NULL)
			return 0;
		if (jk_db_register(j, dir, m) != 0)
			ui_puts(ui, jk_err(j)->msg);
		else
			ui_printf(ui, "Database %s %s\n", dir, m ? "mounted" : "dismounted");
		jk_close(j);
		return 0;
	}
	/* CLUJRN: in every member that lists it; a database none lists is mounted in this member */
	for (i = 0; i < s->nm; i++) {
		if ((j = open_dir(ui, s->m[i].inst)) == NULL)
			continue;
		if (lists_db(j, dir)) {
			member_register(ui, j, dir, m, s->m[i].csn);
			done++;
		}
		jk_close(j);
	}
	if (done == 0 && m && (j = open_inst(ui, s)) != NULL) {
		member_register(ui, j, dir, m, s->m[0].csn);
		jk_close(j);
		done++;
	}
	if (done == 0)
		ui_printf(ui, "No member of the cluster lists %s\n", dir);
	return 0;
}

static int
act_dismount(struct ui *ui, void *ctx)
{
	return mount(ui, ctx, false);
}

static int
act_mount(struct ui *ui, void *ctx)
{
	return mount(ui, ctx, true);
}

/* ---- 6: repair ------------------------------------------------------------------------------------ */

static int
act_repair(struct ui *ui, void *ctx)
{
	struct st *s = ctx;
	struct rcv_repair r;
	struct jk_err err;
	char from[4096], to[4096];
	bool yes;
	int rc;

	if ((rc = ask(ui, s, "repair_from")) != 0 || s->a.empty)
		return rc;
	snprintf(from, sizeof from, "%s", buf_str(&s->a.text));
	if (!db_exists(from)) {
		ui_printf(ui, "No database exists in %s\n", from);
		return 0;
	}
	for (;;) {
		if ((rc = ask(ui, s, "repair_to")) != 0 || s->a.empty)
			return rc;
		if (!db_exists(buf_str(&s->a.text)))
			break;
		ui_printf(ui, "%s already holds a database: give a directory without one\n", buf_str(&s->a.text));
	}
	snprintf(to, sizeof to, "%s", buf_str(&s->a.text));
	ui_printf(ui, "Every readable node of %s will be copied into a new database in %s.\n", from, to);
	if ((rc = ask_yes(ui, s, "repair_start", &yes)) != 0 || !yes)
		return rc;
	jk_err_clear(&err);
	if (rcv_repair(from, to, &r, &err) != 0) {
		ui_puts(ui, err.msg);
		return 0;
	}
	ui_printf(ui, "%" PRIu64 " nodes copied into %s\n", r.copied, to);
	if (r.damaged)
		ui_printf(ui, "Could not be read: %s\n", r.unread);
	if (r.refused > 0)
		ui_printf(ui, "%" PRIu64 " nodes read but not taken; the first: %s\n", r.refused, r.first_refused);
	if (!r.damaged && r.refused == 0)
		ui_puts(ui, "Every node could be read.");
	return 0;
}

/* ---- 7: integrity --------------------------------------------------------------------------------- */

static void
check_one(struct ui *ui, const char *dir)
{
	struct db_check_report r;
	struct jk_err err;

	memset(&r, 0, sizeof r);
	jk_err_clear(&err);
	if (db_check(dir, &r, &err) != 0 && err.code != JK_ECORRUPT) {
		ui_printf(ui, "%s: %s\n", dir, err.msg);
		return;
	}
	ui_printf(ui, "%s: %" PRIu64 " nodes in %" PRIu64 " globals, %" PRIu64 " bad keys, %" PRIu64
	    " bad values, meta %s\n", dir, r.nodes, r.globals, r.bad_keys, r.bad_values, r.meta_ok ? "ok" : "BAD");
	if (r.first_problem[0] != '\0')
		ui_printf(ui, "first problem: %s\n", r.first_problem);
	else
		ui_puts(ui, "No errors found.");
}

static int
act_check(struct ui *ui, void *ctx)
{
	struct st *s = ctx;
	struct buf seen = BUF_INIT;	/* "\n" path "\n" per database checked: each once */
	struct jk *j;
	char **paths;
	bool *mt;
	size_t n, i, k, all = 0;
	int rc;

	if ((rc = ask(ui, s, "check_dir")) != 0)
		return rc;
	if (!s->a.empty) {
		check_one(ui, buf_str(&s->a.text));
		return 0;
	}
	buf_adds(&seen, "\n");
	for (k = 0; k < ninst(s); k++) {
		if ((j = open_dir(ui, inst_at(s, k))) == NULL)
			continue;
		if (jk_db_list(j, &paths, &mt, &n) != 0) {
			ui_puts(ui, jk_err(j)->msg);
			n = 0;
			paths = NULL;
			mt = NULL;
		}
		for (i = 0; i < n; i++) {
			size_t at = seen.len;

			if (buf_addf(&seen, "%s\n", paths[i]) == 0 &&
			    strstr(buf_str(&seen), buf_str(&seen) + at - 1) == buf_str(&seen) + at - 1) {
				check_one(ui, paths[i]);
				all++;
			} else {
				seen.len = at;	/* checked already (a database members share) */
				seen.data[at] = '\0';
			}
			free(paths[i]);
		}
		free(paths);
		free(mt);
		jk_close(j);
	}
	if (all == 0)
		ui_puts(ui, s->cluster ? "No databases are listed in the members of this cluster." :
		    "No databases are listed in this instance.");
	buf_release(&seen);
	return 0;
}

static const struct menu_action actions[] = {
	{ "list", act_list },
	{ "rerun", act_rerun },
	{ "bringdown", act_bringdown },
	{ "dismount", act_dismount },
	{ "mount", act_mount },
	{ "repair", act_repair },
	{ "check", act_check },
	{ "reset", act_reset },
	{ NULL, NULL },
};

static const struct menu_binds binds = { actions, NULL, NULL };

/* Every prompt and text the dialogue uses, checked at start-up. */
static const char *const prompt_ids[] = {
	"error_type", "continue", "rerun", "bringdown", "dismount_dir", "mount_dir", "repair_from",
	"repair_to", "repair_start", "check_dir", "reset", NULL,
};
static const char *const text_ids[] = {
	"no_errors", "not_cluster", "none_listed", "reset_what", "reset_done", "bringdown_done", NULL,
};

static int
dialogue(struct ui *ui, struct st *s, struct jk_err *err)
{
	const struct menu *jrn = menu_find(s->mf, "jrn");
	bool yes, member, pending;
	size_t i;
	int rc;

	if (jrn == NULL || menu_find(s->mf, "clujrn") == NULL)
		return jk_errf(err, JK_EFORMAT, "menus/sturecov.yaml: no menu 'jrn' or 'clujrn'");
	for (i = 0; prompt_ids[i] != NULL; i++)
		if (menu_prompt(s->mf, prompt_ids[i]) == NULL)
			return jk_errf(err, JK_EFORMAT, "menus/sturecov.yaml: no prompt '%s'", prompt_ids[i]);
	for (i = 0; text_ids[i] != NULL; i++)
		if (menu_text(s->mf, text_ids[i]) == NULL)
			return jk_errf(err, JK_EFORMAT, "menus/sturecov.yaml: no text '%s'", text_ids[i]);
	for (;;) {
		if ((rc = ask(ui, s, "error_type")) != 0)
			return rc == UI_BACK ? 0 : rc;
		if (s->a.choice == 0)
			break;
		/* CLUJRN: the cluster's members, when this instance is one */
		rc = load_cluster(ui, s, &member);
		if (rc == 0 && member) {
			s->cluster = true;
			jrn = menu_find(s->mf, "clujrn");
			break;
		}
		if (rc == 0)
			say(ui, s, "not_cluster");
	}
	for (i = 0, pending = false; i < ninst(s); i++)
		pending = pending || rcv_errors_pending(inst_at(s, i));
	if (!pending) {
		say(ui, s, "no_errors");
		if ((rc = ask_yes(ui, s, "continue", &yes)) != 0 || !yes)
			return rc == UI_BACK ? 0 : rc;
	}
	ui_puts(ui, "");
	return menu_run(ui, jrn, &binds, s);
}

int
main(int argc, char **argv)
{
	struct st s;
	struct ui ui;
	struct jk_err err;
	int c, rc;

	cli_set_prog("sturecov");
	memset(&s, 0, sizeof s);
	s.inst = getenv("JRNKIT_HOME");
	while ((c = getopt(argc, argv, "I:h")) != -1) {
		switch (c) {
		case 'I': s.inst = optarg; break;
		default:
			fputs("usage: sturecov [-I dir]\n", stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs("usage: sturecov [-I dir]\n", stderr);
		return 2;
	}
	if (s.inst == NULL || *s.inst == '\0') {
		cli_warn("no instance: give -I DIR or set JRNKIT_HOME");
		return 2;
	}
	if (!inst_exists(s.inst)) {
		cli_warn("no jrnkit instance in '%s' (no jrnkit.yaml)", s.inst);
		return 1;
	}
	jk_err_clear(&err);
	if (ui_init(&ui, stdin, stdout, 0) != 0) {
		cli_warn("out of memory");
		return 1;
	}
	ui_answer_init(&s.a);
	rc = menu_open("sturecov", &binds, &s.mf, &err);
	if (rc == 0)
		rc = dialogue(&ui, &s, &err);
	if (rc < 0)
		cli_warn("%s", err.msg[0] ? err.msg : jk_strerror(rc));
	ui_answer_release(&s.a);
	clu_members_free(s.m, s.nm);
	menu_file_free(s.mf);
	ui_release(&ui);
	return rc < 0 ? 1 : 0;
}
