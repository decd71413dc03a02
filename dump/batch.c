/*
 * batch.c - jrndump without a screen: --select (one line a record, text or
 * JSON), --stats and --verify over a list of files.
 *
 * Lines are formatted into one large buffer and written in chunks of about
 * a megabyte, by a second thread while the next chunk is formatted; a
 * record costs no allocation once the buffers have grown.
 * Each file is read on its own (a dump names what is in the files; whether
 * they form a chain is jrnresto's concern): a damaged file is read up to
 * its valid end, the damage is reported on stderr, and the next file
 * follows; the exit status then says 3.
 */
#include "dump.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jrn/jrn.h"
#include "jsel.h"

#define CHUNK	(1u << 20)

/* Write all of b to fd and empty it.  0, or -1 with errno. */
static int
flush_buf(int fd, struct buf *b)
{
	size_t done = 0;
	ssize_t w;

	while (done < b->len) {
		w = write(fd, b->data + done, b->len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	buf_reset(b);
	return 0;
}

/*
 * Read every file, calling each(rec) for the records the filter passes.
 * Returns an exit code: damage is DUMP_EXIT_DAMAGED after the other files
 * are read; a file that cannot be opened is DUMP_EXIT_ERR (also after).
 */
struct walk {
	struct jsel *sel;
	int (*each)(struct walk *w, const struct jsel_file *f, const struct jrn_rec *r);
	void (*file)(struct walk *w);
	void *ctx;
};

static int
walk_files(struct walk *w, char *const *files, size_t n)
{
	struct jrn_reader *rd;
	struct jsel_file jf;
	struct jrn_rec r;
	struct jk_err err;
	size_t i;
	int rc, ex = DUMP_EXIT_OK;

	jsel_file_init(&jf, NULL);
	for (i = 0; i < n && !browse_stop; i++) {
		jk_err_clear(&err);
		if (jrn_reader_open(files[i], &rd, &err) != 0) {
			cli_warn("%s", err.msg);
			ex = DUMP_EXIT_ERR;
			continue;
		}
		jsel_file_reset(&jf, files[i]);
		if (w->file != NULL)
			w->file(w);
		while ((rc = jrn_reader_next(rd, &r)) == 0) {
			if (jsel_file_note(&jf, &r) != 0) {
				rc = JK_ENOMEM;
				break;
			}
			if (jsel_match(w->sel, &jf, &r) && (rc = w->each(w, &jf, &r)) != 0)
				break;
			if (browse_stop)
				break;
		}
		if (rc == JK_ETORN || rc == JK_ECORRUPT) {
			cli_warn("%s", jrn_reader_err(rd)->msg);
			if (ex == DUMP_EXIT_OK)
				ex = DUMP_EXIT_DAMAGED;
		} else if (rc < 0) {
			if (rc == JK_ENOMEM)
				cli_warn("out of memory reading %s", files[i]);
			jrn_reader_close(rd);
			ex = DUMP_EXIT_ERR;
			break;
		}
		jrn_reader_close(rd);
	}
	jsel_file_release(&jf);
	if (browse_stop && ex == DUMP_EXIT_OK)
		ex = DUMP_EXIT_INTERRUPTED;
	return ex;
}

/* ---- --select ----------------------------------------------------------------------- */

/*
 * The lines are written by a second thread while the first reads and
 * formats the next chunk (the write of a chunk into the page cache costs
 * about a third of what formatting it does).  Two buffers change hands:
 *
 *	main:   format into out until CHUNK -> wait until the writer is idle
 *	        -> swap out with w.buf (emptied by the writer) -> busy = true
 *	writer: wait for busy -> write w.buf, empty it -> busy = false
 *
 * so chunks reach the file in the order they were made, and the main
 * thread waits only when it is a whole chunk ahead.  A failed write is
 * kept (failed, err) and reported by the main thread at its next hand-over.
 * Without a thread (pthread_create failing) the main thread writes itself.
 */
struct writer {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct buf buf;		/* the chunk being written; empty when !busy */
	int fd;
	bool busy, stop, failed;
	int err;		/* errno of the failed write */
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	int e;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->busy)
			break;
		pthread_mutex_unlock(&w->mu);
		e = flush_buf(w->fd, &w->buf) != 0 ? errno : 0;
		pthread_mutex_lock(&w->mu);
		if (e != 0 && !w->failed) {
			w->failed = true;
			w->err = e;
		}
		buf_reset(&w->buf);
		w->busy = false;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct sel_ctx {
	struct buf out;
	struct jsel_fmt fm;
	int fd;
	const char *name;	/* the output, for messages */
	bool failed;
	bool threaded;		/* w runs */
	struct writer w;
};

/* Hand out over to the writer (or write it here).  0, or -1 with errno. */
static int
sel_flush(struct sel_ctx *c)
{
	struct buf t;
	int rc = 0;

	if (!c->threaded)
		return flush_buf(c->fd, &c->out);
	pthread_mutex_lock(&c->w.mu);
	while (c->w.busy)
		pthread_cond_wait(&c->w.cv, &c->w.mu);
	if (c->w.failed) {
		errno = c->w.err;
		rc = -1;
	} else {
		t = c->w.buf;
		c->w.buf = c->out;
		c->out = t;
		c->w.busy = true;
		pthread_cond_broadcast(&c->w.cv);
	}
	pthread_mutex_unlock(&c->w.mu);
	return rc;
}

/* Start the writer; false (and the main thread writes) when it cannot be. */
static bool
writer_start(struct writer *w, int fd)
{
	sigset_t all, old;
	bool ok;

	w->fd = fd;
	w->busy = w->stop = w->failed = false;
	w->err = 0;
	if (buf_grow(&w->buf, CHUNK + 65536) != 0)
		return false;
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return false;
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		return false;
	}
	/* signals (^C sets browse_stop) go to the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ok = pthread_create(&w->th, NULL, writer_main, w) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ok) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
	}
	return ok;
}

/* Wait for the last chunk and stop the writer.  0, or -1 with errno of the first failed write. */
static int
writer_finish(struct writer *w)
{
	int rc;

	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	rc = w->failed ? -1 : 0;
	if (w->failed)
		errno = w->err;
	return rc;
}

static int
sel_each(struct walk *w, const struct jsel_file *f, const struct jrn_rec *r)
{
	struct sel_ctx *c = w->ctx;

	if (jsel_line(&c->out, &c->fm, f, r) != 0)
		return JK_ENOMEM;
	if (c->out.len >= CHUNK && sel_flush(c) != 0) {
		cli_warn("cannot write %s: %s", c->name, strerror(errno));
		c->failed = true;
		return JK_EIO;
	}
	return 0;
}

int
batch_select(struct jsel *sel, char *const *files, size_t n, bool json, int fd, const char *name)
{
	struct sel_ctx c = { .out = BUF_INIT, .fd = fd, .name = name, .w = { .buf = BUF_INIT } };
	struct walk w = { sel, sel_each, NULL, &c };
	int ex;

	jsel_fmt_init(&c.fm, json);
	if (buf_grow(&c.out, CHUNK + 65536) != 0) {
		cli_warn("out of memory");
		return DUMP_EXIT_ERR;
	}
	c.threaded = writer_start(&c.w, fd);
	ex = walk_files(&w, files, n);
	if (!c.failed && sel_flush(&c) != 0) {
		cli_warn("cannot write %s: %s", name, strerror(errno));
		c.failed = true;
	}
	if (c.threaded && writer_finish(&c.w) != 0 && !c.failed) {
		cli_warn("cannot write %s: %s", name, strerror(errno));
		c.failed = true;
	}
	buf_release(&c.w.buf);
	buf_release(&c.out);
	return c.failed ? DUMP_EXIT_ERR : ex;
}

/* ---- --stats ----------------------------------------------------------------------- */

/*
 * --stats is bound by reading records (decoding and checksums), so a large
 * file is read in ranges, one thread each, every range with its own reader
 * and counters, added up at the end:
 *
 *	range 0: reader 0 from the first record up to b1, counting into the total
 *	range j: reader j put at size*j/k (jrn_reader_seek finds the next record
 *	         by its checksum: bj), up to b(j+1) (the last: the file's end),
 *	         counting into its own counters
 *
 * The result is the one of reading in order, damage included:
 *
 *   - A database number names what the last DBMAP before the record
 *     defined, in whatever range that was: range j counts the records of
 *     numbers it has not defined itself under the number
 *     (jsel_stats_defer_dbs), and they are named at the merge from what
 *     ranges 0..j-1 defined (jsel_file_overlay in range order).
 *   - bj is a record boundary of the file only when reader j-1, reading
 *     record after record from the start of its range, stops exactly there.
 *     A record can hold bytes that pass for a record (a value that is a
 *     journal record): then reader j-1 steps over bj, and it reads on to
 *     the file's end on its own while ranges j.. are thrown away.
 *   - Damage: ranges are taken in order; the first that met damage ends
 *     the file: its counts up to the damage are kept, its reader's message
 *     is the one reported (a reader judges torn tail or damage from the
 *     bytes at and after the offset alone, so the message is the one a
 *     single reader gives), and later ranges are thrown away.  So the
 *     counts are those of the valid prefix and the damage reported is the
 *     first in file order.
 *
 * A filter on directories (dir=) needs every DBMAP before a record to
 * match it: such a file is read on one thread.  Small files too (SPLIT_MIN)
 * unless the threads were asked for (--threads).  ^C stops every range at
 * its next record; the counts are then partial, as they are in order.
 */
#define SPLIT_MIN	(8ull << 20)
#define MAX_THREADS	16

struct range {
	struct jrn_reader *rd;
	uint64_t end;		/* stop at this offset; UINT64_MAX: the file's end */
	struct jsel view;	/* the filter, with this thread's scratch */
	struct jsel_file jf;	/* the databases this range defined */
	struct jsel_stats *st;	/* range 0: the total; others: own */
	struct jsel_stats own;
	int rc;			/* range_read's */
	pthread_t th;
	bool started;
};

#define RANGE_END	1	/* read to the file's end */
#define RANGE_STOP	2	/* interrupted */

/* Read g's records up to g->end: 0 there, RANGE_END, RANGE_STOP, or a reader's error or JK_ENOMEM. */
static int
range_read(struct range *g)
{
	struct jrn_rec r;
	int rc;

	while (jrn_reader_tell(g->rd) < g->end) {
		if ((rc = jrn_reader_next(g->rd, &r)) != 0)
			return rc > 0 ? RANGE_END : rc;
		if (jsel_file_note(&g->jf, &r) != 0)
			return JK_ENOMEM;
		if (jsel_match(&g->view, &g->jf, &r) && jsel_stats_add(g->st, &g->jf, &r) != 0)
			return JK_ENOMEM;
		if (browse_stop)
			return RANGE_STOP;
	}
	return 0;
}

static void *
range_main(void *arg)
{
	struct range *g = arg;

	g->rc = range_read(g);
	return NULL;
}

/* How many ranges to read path in (an open reader of it: rd). */
static unsigned
ranges_for(const struct jsel *sel, struct jrn_reader *rd, unsigned threads)
{
	long n;

	if (jsel_needs_dbmap(sel))
		return 1;
	if (threads != 0)
		return threads;
	if (jrn_reader_size(rd) < SPLIT_MIN)
		return 1;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

/*
 * Count the records of one file into st (an exit code as walk_files
 * gives; *fatal: stop reading the other files).
 */
static int
stats_one(struct jsel *sel, const char *path, struct jsel_stats *st, unsigned threads, bool *fatal)
{
	struct range g[MAX_THREADS];
	struct jrn_reader *rd;
	struct jsel_file acc;
	struct jk_err err;
	sigset_t all, old;
	uint64_t size;
	unsigned k, j, n;
	int ex = DUMP_EXIT_OK;

	jk_err_clear(&err);
	if (jrn_reader_open(path, &rd, &err) != 0) {
		cli_warn("%s", err.msg);
		return DUMP_EXIT_ERR;
	}
	jsel_stats_file(st);
	size = jrn_reader_size(rd);
	k = ranges_for(sel, rd, threads);
	memset(g, 0, sizeof g);
	g[0].rd = rd;
	g[0].st = st;
	/* the boundaries: a range whose reader cannot be had is not made */
	for (n = 1; n < k; n++) {
		if (jrn_reader_open(path, &g[n].rd, &err) != 0)
			break;
		jrn_reader_seek(g[n].rd, size / k * n);
		g[n - 1].end = jrn_reader_tell(g[n].rd);
		jsel_stats_init(&g[n].own);
		jsel_stats_defer_dbs(&g[n].own);
		g[n].st = &g[n].own;
	}
	k = n;
	g[k - 1].end = UINT64_MAX;
	for (j = 0; j < k; j++) {
		jsel_view(&g[j].view, sel);
		jsel_file_init(&g[j].jf, path);
	}
	/* signals (^C sets browse_stop) go to the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (j = 1; j < k; j++)
		g[j].started = pthread_create(&g[j].th, NULL, range_main, &g[j]) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	g[0].rc = range_read(&g[0]);
	for (j = 1; j < k; j++) {
		if (g[j].started)
			pthread_join(g[j].th, NULL);
		else
			g[j].rc = range_read(&g[j]);
	}

	/* in file order, as one reader would have read them */
	jsel_file_init(&acc, path);
	for (j = 0; j < k; j++) {
		if (g[j].rc == 0 && j + 1 < k && jrn_reader_tell(g[j].rd) != g[j].end) {
			/* bj+1 was inside a record: this reader reads on alone */
			g[j].end = UINT64_MAX;
			g[j].rc = range_read(&g[j]);
		}
		if ((j > 0 && jsel_stats_merge(st, g[j].st, &acc) != 0) ||
		    (j + 1 < k && jsel_file_overlay(&acc, &g[j].jf) != 0))
			g[j].rc = JK_ENOMEM;
		if (g[j].rc == JK_ETORN || g[j].rc == JK_ECORRUPT) {
			cli_warn("%s", jrn_reader_err(g[j].rd)->msg);
			ex = DUMP_EXIT_DAMAGED;
			break;
		}
		if (g[j].rc < 0) {
			if (g[j].rc == JK_ENOMEM)
				cli_warn("out of memory reading %s", path);
			ex = DUMP_EXIT_ERR;
			*fatal = true;
			break;
		}
		if (g[j].rc != 0)
			break;	/* the file's end, or ^C */
	}
	jsel_file_release(&acc);
	for (j = 0; j < k; j++) {
		jsel_file_release(&g[j].jf);
		jsel_view_release(&g[j].view);
		if (j > 0)
			jsel_stats_release(&g[j].own);
		jrn_reader_close(g[j].rd);
	}
	return ex;
}

int
batch_stats(struct jsel *sel, char *const *files, size_t n, bool json, unsigned threads, int fd,
    const char *name)
{
	struct jsel_stats st;
	struct buf out = BUF_INIT;
	bool fatal = false;
	size_t i;
	int ex = DUMP_EXIT_OK, r;

	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	jsel_stats_init(&st);
	for (i = 0; i < n && !browse_stop && !fatal; i++) {
		r = stats_one(sel, files[i], &st, threads, &fatal);
		if (r == DUMP_EXIT_ERR || (r == DUMP_EXIT_DAMAGED && ex == DUMP_EXIT_OK))
			ex = r;
	}
	if (browse_stop && ex == DUMP_EXIT_OK)
		ex = DUMP_EXIT_INTERRUPTED;
	if (jsel_stats_format(&st, &out, json) != 0) {
		cli_warn("out of memory");
		ex = DUMP_EXIT_ERR;
	} else if (flush_buf(fd, &out) != 0) {
		cli_warn("cannot write %s: %s", name, strerror(errno));
		ex = DUMP_EXIT_ERR;
	}
	buf_release(&out);
	jsel_stats_release(&st);
	return ex;
}

/* ---- --verify ----------------------------------------------------------------------- */

int
batch_verify(char *const *files, size_t n, bool json)
{
	struct jrn_verify v;
	struct jk_err err;
	struct buf out = BUF_INIT;
	size_t i;
	int r, t, ex = DUMP_EXIT_OK;

	for (i = 0; i < n; i++) {
		jk_err_clear(&err);
		r = jrn_verify_file(files[i], &v, &err);
		buf_reset(&out);
		if (r != 0 && r != JK_ETORN && r != JK_ECORRUPT) {
			cli_warn("%s", err.msg);
			ex = DUMP_EXIT_ERR;
			continue;
		}
		if (json) {
			buf_adds(&out, "{\"file\":");
			buf_add_json(&out, files[i]);
			buf_addf(&out, ",\"records\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"valid_end\":%" PRIu64
			    ",\"whole\":%s,\"closed\":%s", v.records, v.bytes, v.valid_end,
			    r == 0 ? "true" : "false", v.closed ? "true" : "false");
			if (r != 0) {
				buf_adds(&out, ",\"damage\":");
				buf_add_json(&out, err.msg);
			}
			buf_adds(&out, "}\n");
		} else {
			buf_addf(&out, "%s: %" PRIu64 " records, valid up to offset %" PRIu64 " of %" PRIu64
			    " bytes, %s%s\n", files[i], v.records, v.valid_end, v.bytes,
			    r == 0 ? "whole" : r == JK_ETORN ? "torn tail" : "damaged",
			    r == 0 ? (v.closed ? ", closed" : ", open (no end record)") : "");
			for (t = 0; t < 256; t++)
				if (v.by_type[t] != 0)
					buf_addf(&out, "  %-22s %12" PRIu64 "\n",
					    jrn_type_name(t) != NULL ? jrn_type_name(t) : "unknown", v.by_type[t]);
		}
		fflush(stdout);
		if (flush_buf(STDOUT_FILENO, &out) != 0) {
			cli_warn("cannot write the standard output: %s", strerror(errno));
			ex = DUMP_EXIT_ERR;
			break;
		}
		if (r != 0) {
			cli_warn("%s", err.msg);
			if (ex == DUMP_EXIT_OK)
				ex = DUMP_EXIT_DAMAGED;
		}
	}
	buf_release(&out);
	return ex;
}
