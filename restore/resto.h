/*
 * resto.h - jrnresto's parts: the restore dialogue (spec/dialogues.md
 * section 2), and running a plan with progress and a report.  Linked into
 * jrnresto and into jrnkit, whose main menu item 4 runs the dialogue.
 */
#ifndef JK_RESTO_H
#define JK_RESTO_H

#include <stdbool.h>

#include "err.h"
#include "rst.h"
#include "ui/ui.h"

/* jrnresto's exit codes (jrnresto(8)). */
enum {
	RESTO_EXIT_OK = 0,	/* done (or nothing asked for) */
	RESTO_EXIT_ERR = 1,	/* an error: a plan that does not check, a database error */
	RESTO_EXIT_USAGE = 2,
	RESTO_EXIT_JOURNAL = 3,	/* journal damage */
	RESTO_EXIT_STOPPED = 4,	/* interrupted: the same restore run again finishes it */
};

/*
 * The single-instance restore dialogue on ui for the instance in inst, with
 * the prompts of menus/jrnresto.yaml: asks, shows the plan, runs it on
 * "Start the restore? Yes", reports.  0 when done or declined, UI_BACK when
 * the operator backed out (nothing written), < 0 an error (err says).
 */
int resto_dialogue(struct ui *ui, const char *inst, struct jk_err *err);
/* The same, telling how the restore ended as an exit code (RESTO_EXIT_OK when none ran). */
int resto_dialogue_exit(struct ui *ui, const char *inst, int *exit_code, struct jk_err *err);

/*
 * On a cluster member the dialogue first asks "Cluster journal restore?";
 * Yes runs the CLUMENU instead.  resto_private_dialogue does not ask.
 */
int resto_private_dialogue(struct ui *ui, const char *inst, int *exit_code, struct jk_err *err);

/*
 * The cluster journal restore menu (spec/dialogues.md section 3, jrnresto
 * -c, the main menu's item 10) for the member in inst, on the words of
 * menus/clumenu.yaml.  As resto_dialogue_exit.
 */
int resto_clumenu(struct ui *ui, const char *inst, int *exit_code, struct jk_err *err);

/*
 * The databases and globals questions of the dialogue (section 2), in the
 * CLUMENU's words: mf holds the prompts all_globals, directory, redirect
 * ("." keeps the directory; the directory echoed under the "=>"),
 * all_in_dir, global, same_target_fix, specs_ok (foreign_os when it has
 * it) and the texts no_db, need_directory, datasets.  Into plan's
 * databases (replaced).  0, UI_BACK, or an error.
 */
struct menu_file;
int resto_ask_dbs(struct ui *ui, const struct menu_file *mf, struct rst_plan *plan, struct jk_err *err);

/* How a run reports. */
struct resto_out {
	struct ui *ui;		/* output goes to ui->out */
	bool live;		/* a live progress bar (a terminal) instead of percentages */
	bool quiet;		/* no progress at all (--json) */
	bool rollback_pending;	/* incomplete transactions left out until the operator says */
};

/*
 * Run plan with progress on o, stopping between units at SIGINT or SIGTERM
 * (the handlers are restored after).  res as rst_run.  Returns rst_run's.
 */
int resto_run(const struct rst_plan *plan, const struct resto_out *o, struct rst_result *res);

/*
 * The end of a run as the dialogue shows it: the completed (stopped,
 * aborted) line, the updated and skipped databases, database errors,
 * damage, incomplete transactions, counts.
 */
void resto_report(const struct resto_out *o, const struct rst_plan *plan, const struct rst_result *res);
/* A time in microseconds as the dialogues print it: "20261120 11:00:52", local time. */
void resto_fmt_time(uint64_t us, char *out, size_t n);
/* The exit code of a run: rst_run's return and its result. */
int resto_exit(int rc, const struct rst_result *res);
/* A dry run's counts per database and global, and its transactions. */
void resto_dry_report(const struct resto_out *o, const struct rst_result *res);
/* The result as one JSON object (and a newline), appended to out.  0 or JK_ENOMEM. */
int resto_json(const struct rst_plan *plan, const struct rst_result *res, struct buf *out);

#endif
