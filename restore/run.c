/*
 * run.c - running a restore plan with progress on the screen, stopping
 * cleanly on Ctrl-C, and the report at the end (resto.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "resto.h"

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static bool
stop_hook(void *arg)
{
	(void)arg;
	return interrupted != 0;
}

/* Progress as percentages of each file: every quarter crossed, once. */
struct prog {
	const struct resto_out *o;
	size_t file;		/* index of the file being shown, SIZE_MAX before the first */
	int quarters;		/* quarters of it printed */
	uint64_t file_size;
	uint64_t t0_ns;
	const char *path;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
quarters_to(struct prog *g, int q)
{
	FILE *out = g->o->ui->out;

	for (; g->quarters < q; g->quarters++)
		fprintf(out, " %d.00%%", (g->quarters + 1) * 25);
	fflush(out);
}

/* The file shown is done up to offset upto (UINT64_MAX: all of it). */
static void
end_file(struct prog *g, uint64_t upto)
{
	if (g->file == SIZE_MAX)
		return;
	if (g->o->live) {
		fputc('\n', g->o->ui->out);
		return;
	}
	if (upto == UINT64_MAX || g->file_size == 0 || upto >= g->file_size)
		quarters_to(g, 4);
	else
		quarters_to(g, (int)(upto * 4 / g->file_size));
	fputc('\n', g->o->ui->out);
}

static void
bar(struct prog *g, const struct rst_progress *p)
{
	FILE *out = g->o->ui->out;
	double frac = p->bytes_total ? (double)p->bytes_done / (double)p->bytes_total : 1.0;
	double secs = (double)(now_ns() - g->t0_ns) / 1e9;
	double rate = secs > 0 ? (double)p->records / secs : 0;
	double left = frac > 0 && secs > 0 ? secs / frac - secs : 0;
	int w = 30, fill = (int)(frac * w + 0.5), i;

	fputs("\r[", out);
	for (i = 0; i < w; i++)
		fputc(i < fill ? '#' : '.', out);
	fprintf(out, "] %6.2f%%  %.0f rec/s  %d:%02d left\033[K", frac * 100.0, rate,
	    (int)left / 60, (int)left % 60);
	fflush(out);
}

static void
progress_hook(void *arg, const struct rst_progress *p)
{
	struct prog *g = arg;
	FILE *out = g->o->ui->out;
	struct stat st;
	int q;

	if (g->o->quiet)
		return;
	if (p->file != NULL && (g->file == SIZE_MAX || p->file_index != g->file)) {
		end_file(g, UINT64_MAX);
		g->file = p->file_index;
		g->quarters = 0;
		g->path = p->file;
		g->file_size = stat(p->file, &st) == 0 ? (uint64_t)st.st_size : 0;
		fprintf(out, "Journal file being applied: %s\n", p->file);
		if (!g->o->live)
			fprintf(out, "%s\n", p->file);
	}
	if (g->o->live) {
		bar(g, p);
		return;
	}
	q = 0;
	if (g->file_size > 0)
		q = (int)(p->offset * 4 / g->file_size);
	if (q > 4)
		q = 4;
	quarters_to(g, q);
}

int
resto_run(const struct rst_plan *plan, const struct resto_out *o, struct rst_result *res)
{
	struct sigaction sa, old_int, old_term;
	struct prog g = { .o = o, .file = SIZE_MAX, .t0_ns = now_ns() };
	struct rst_hooks h = { .arg = &g, .progress = progress_hook, .stop = stop_hook };
	int rc;

	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = rst_run(plan, &h, res);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!o->quiet) {
		/* where it stopped: in the file shown, or past it */
		uint64_t upto = UINT64_MAX;

		/* (at the end of the journal, all of the last file: a switch may have added to it) */
		if (res->next_path != NULL && g.path != NULL && strcmp(res->next_path, g.path) == 0 &&
		    !(res->status == RST_DONE && strcmp(res->why, "end of journal") == 0))
			upto = res->next_offset;
		end_file(&g, upto);
	}
	return rc;
}

/* The exit code of a run (resto.h). */
int
resto_exit(int rc, const struct rst_result *res)
{
	size_t i, damage = 0;

	/* a torn tail ending the last file is where the journal ends (a crash), not damage */
	for (i = 0; i < res->ndamage; i++)
		damage += res->damage[i].code != JK_ETORN;
	if (damage > 0 && (rc != 0 || res->status == RST_ABORTED))
		return RESTO_EXIT_JOURNAL;
	if (rc != 0 || res->status == RST_ABORTED)
		return RESTO_EXIT_ERR;
	if (res->status == RST_STOPPED)
		return RESTO_EXIT_STOPPED;
	if (damage > 0)
		return RESTO_EXIT_JOURNAL;
	for (i = 0; i < res->ndbs; i++)
		if (res->dbs[i].error != 0)
			return RESTO_EXIT_ERR;
	return RESTO_EXIT_OK;
}

/* "20261120 11:00:52", local time, as the dialogues print times (resto.h). */
void
resto_fmt_time(uint64_t us, char *out, size_t n)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, n, "%Y%m%d %H:%M:%S", &tm);
}

static void
numbered(FILE *out, const char *title, char *const *v, size_t n)
{
	size_t i;

	fprintf(out, "\n%s\n\n", title);
	for (i = 0; i < n; i++)
		fprintf(out, "%zu. %s\n", i + 1, v[i]);
}

void
resto_report(const struct resto_out *o, const struct rst_plan *plan, const struct rst_result *res)
{
	FILE *out = o->ui->out;
	char when[32];
	size_t i, k;

	resto_fmt_time(res->finished_us ? res->finished_us : (uint64_t)time(NULL) * 1000000, when, sizeof when);
	if (res->switched_to != NULL)
		fprintf(out, "Journaling switched to %s\n", res->switched_to);
	switch (res->status) {
	case RST_DONE:
		fprintf(out, "[Journal restore %s at %s]\n", plan->dry_run ? "dry run completed" :
		    "completed", when);
		break;
	case RST_STOPPED:
		fprintf(out, "[Journal restore interrupted at %s]\n", when);
		break;
	case RST_ABORTED:
		fprintf(out, "[Journal restore aborted at %s]\n", when);
		break;
	}
	for (i = 0, k = 0; i < res->ndbs; i++)
		k += res->dbs[i].error != 0;
	for (i = 0; i < res->ndamage; i++)
		k += !res->damage[i].skipped;
	/* why it stopped, unless the lists below say it */
	if (res->err.code != 0 && k == 0)
		fprintf(out, "%s\n", res->err.msg);
	if (res->status != RST_DONE || res->err.code != 0) {
		if (res->next_path != NULL)
			fprintf(out, "Stopped before the record at %" PRIu64 ",%s\n", res->next_offset,
			    res->next_path);
		if (res->status == RST_STOPPED)
			fputs("Every transaction before it is applied whole.  Run the same restore "
			    "again to finish it.\n", out);
	}
	if (plan->dry_run) {
		fputs("\nNothing was written (a dry run).\n", out);
	} else {
		if (res->nupdated > 0)
			numbered(out, "The following databases have been updated:", res->updated,
			    res->nupdated);
		else
			fputs("\nNo database has been updated.\n", out);
		if (res->nskipped > 0)
			numbered(out, "The following databases have been skipped:", res->skipped,
			    res->nskipped);
	}
	for (i = 0, k = 0; i < res->ndbs; i++) {
		const struct rst_db_result *d = &res->dbs[i];

		if (d->error == 0)
			continue;
		if (k++ == 0)
			fputs("\nUpdates stopped by database errors:\n\n", out);
		fprintf(out, "%s: %s\n", d->target ? d->target : d->source,
		    d->errmsg ? d->errmsg : "error");
	}
	for (i = 0, k = 0; i < res->ndamage; i++) {
		const struct rst_damage *d = &res->damage[i];

		if (d->code == JK_ETORN)
			continue;
		if (k++ == 0)
			fputs("\nDamaged journal files:\n\n", out);
		if (d->msg != NULL)
			fprintf(out, "%s%s\n", d->msg, d->skipped ? " (the rest of the file skipped)" : "");
		else
			fprintf(out, "%s: damaged, valid up to offset %" PRIu64 "%s\n", d->path, d->valid_end,
			    d->skipped ? " (the rest of the file skipped)" : "");
	}
	for (i = 0; i < res->ndamage; i++)
		if (res->damage[i].code == JK_ETORN)
			fprintf(out, "\nThe journal ends where the system crashed while writing: %s\n",
			    res->damage[i].msg ? res->damage[i].msg : res->damage[i].path);
	if (res->torn > 0)
		fprintf(out, "\n%u journal file%s end%s where the system crashed while writing; "
		    "the file%s after %s read.\n", res->torn, res->torn == 1 ? "" : "s",
		    res->torn == 1 ? "s" : "", res->torn == 1 ? "" : "s",
		    res->torn == 1 ? "it was" : "them were");
	for (i = 0; i < res->nincomplete; i++) {
		const struct rst_tx *t = &res->incomplete[i];

		if (i == 0)
			fputs("\nIncomplete transactions (no commit in the range):\n\n", out);
		fprintf(out, "%zu. at %" PRIu64 ",%s  process %" PRIu32 ", %" PRIu64 " update%s, %s\n",
		    i + 1, t->offset, t->path, t->pid, t->updates, t->updates == 1 ? "" : "s",
		    t->applied ? "applied" : o->rollback_pending ? "not applied yet" : "rolled back");
	}
	fprintf(out, "\n%" PRIu64 " record%s read, %" PRIu64 " update%s %s, %" PRIu64
	    " not selected, %" PRIu64 " skipped\n", res->records, res->records == 1 ? "" : "s",
	    res->applied, res->applied == 1 ? "" : "s", plan->dry_run ? "to apply" : "applied",
	    res->filtered, res->skipped_updates);
	fflush(out);
}

void
resto_dry_report(const struct resto_out *o, const struct rst_result *res)
{
	FILE *out = o->ui->out;
	size_t i, g = 0;

	for (i = 0; i < res->ndbs; i++) {
		const struct rst_db_result *d = &res->dbs[i];

		fprintf(out, "\nDatabase %s", d->source);
		if (d->target != NULL && strcmp(d->target, d->source) != 0)
			fprintf(out, " (Redirect to: %s)", d->target);
		fprintf(out, "%s\n", d->target == NULL ? " (not selected)" : "");
		fprintf(out, "  %-31s %12s %12s %12s\n", "Global", "to apply", "not selected",
		    "skipped");
		for (; g < res->nglobals && res->globals[g].db == i; g++) {
			const struct rst_global_result *x = &res->globals[g];

			fprintf(out, "  ^%-30s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n", x->name,
			    x->applied, x->filtered, x->skipped);
		}
		fprintf(out, "  %-31s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n", "total",
		    d->applied, d->filtered, d->skipped);
	}
	fprintf(out, "\nTransactions: %" PRIu64 " complete, %zu incomplete, %" PRIu64
	    " rolled back in the journal\n", res->tx_complete, res->nincomplete, res->tx_rolledback);
	fflush(out);
}

#define J(...) do { if (rc == 0) rc = buf_addf(out, __VA_ARGS__); } while (0)
#define JS(s) do { if (rc == 0) rc = (s) ? buf_add_json(out, (s)) : buf_adds(out, "null"); } while (0)

static int
json_strv(struct buf *out, const char *key, char *const *v, size_t n)
{
	int rc = buf_addf(out, ", \"%s\": [", key);
	size_t i;

	for (i = 0; rc == 0 && i < n; i++) {
		if (i > 0)
			rc = buf_adds(out, ", ");
		if (rc == 0)
			rc = buf_add_json(out, v[i]);
	}
	return rc != 0 ? rc : buf_addc(out, ']');
}

int
resto_json(const struct rst_plan *plan, const struct rst_result *res, struct buf *out)
{
	static const char *const status[] = { "done", "stopped", "aborted" };
	size_t i;
	int rc = 0;

	J("{\"status\": \"%s\", \"why\": ", status[res->status]);
	JS(res->why);
	J(", \"dry_run\": %s, \"error\": ", plan->dry_run ? "true" : "false");
	JS(res->err.code ? res->err.msg : NULL);
	J(", \"records\": %" PRIu64 ", \"applied\": %" PRIu64 ", \"filtered\": %" PRIu64
	    ", \"skipped\": %" PRIu64 ", \"tx_complete\": %" PRIu64 ", \"tx_rolledback\": %" PRIu64
	    ", \"started_us\": %" PRIu64 ", \"finished_us\": %" PRIu64 ", \"next\": ",
	    res->records, res->applied, res->filtered, res->skipped_updates, res->tx_complete,
	    res->tx_rolledback, res->started_us, res->finished_us);
	if (res->next_path != NULL) {
		J("{\"path\": ");
		JS(res->next_path);
		J(", \"offset\": %" PRIu64 "}", res->next_offset);
	} else
		J("null");
	J(", \"switched_to\": ");
	JS(res->switched_to);
	J(", \"databases\": [");
	for (i = 0; i < res->ndbs; i++) {
		const struct rst_db_result *d = &res->dbs[i];

		J("%s{\"source\": ", i ? ", " : "");
		JS(d->source);
		J(", \"target\": ");
		JS(d->target);
		J(", \"applied\": %" PRIu64 ", \"filtered\": %" PRIu64 ", \"skipped\": %" PRIu64
		    ", \"error\": ", d->applied, d->filtered, d->skipped);
		JS(d->error ? (d->errmsg ? d->errmsg : "error") : NULL);
		J("}");
	}
	J("]");
	if (rc == 0)
		rc = json_strv(out, "updated", res->updated, res->nupdated);
	if (rc == 0)
		rc = json_strv(out, "skipped_databases", res->skipped, res->nskipped);
	J(", \"incomplete\": [");
	for (i = 0; i < res->nincomplete; i++) {
		const struct rst_tx *t = &res->incomplete[i];

		J("%s{\"txid\": %" PRIu64 ", \"pid\": %" PRIu32 ", \"path\": ", i ? ", " : "",
		    t->txid, t->pid);
		JS(t->path);
		J(", \"offset\": %" PRIu64 ", \"updates\": %" PRIu64 ", \"applied\": %s}", t->offset,
		    t->updates, t->applied ? "true" : "false");
	}
	J("], \"damage\": [");
	for (i = 0; i < res->ndamage; i++) {
		const struct rst_damage *d = &res->damage[i];

		J("%s{\"path\": ", i ? ", " : "");
		JS(d->path);
		J(", \"valid_end\": %" PRIu64 ", \"message\": ", d->valid_end);
		JS(d->msg);
		J(", \"skipped\": %s}", d->skipped ? "true" : "false");
	}
	J("], \"torn\": %u", res->torn);
	if (plan->dry_run) {
		J(", \"globals\": [");
		for (i = 0; i < res->nglobals; i++) {
			const struct rst_global_result *g = &res->globals[i];

			J("%s{\"database\": ", i ? ", " : "");
			JS(res->dbs[g->db].source);
			J(", \"global\": ");
			JS(g->name);
			J(", \"applied\": %" PRIu64 ", \"filtered\": %" PRIu64 ", \"skipped\": %" PRIu64 "}",
			    g->applied, g->filtered, g->skipped);
		}
		J("]");
	}
	J("}\n");
	return rc;
}
