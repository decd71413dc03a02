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

static void
end_file(struct prog *g)
{
	if (g->file == SIZE_MAX)
		return;
	if (g->o->live) {
		fputc('\n', g->o->ui->out);
		return;
	}
	quarters_to(g, 4);
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
		end_file(g);
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
	if (!o->quiet)
		end_file(&g);
	return rc;
}
