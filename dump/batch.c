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
			dump_warn("%s", err.msg);
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
			dump_warn("%s", jrn_reader_err(rd)->msg);
			if (ex == DUMP_EXIT_OK)
				ex = DUMP_EXIT_DAMAGED;
		} else if (rc < 0) {
			if (rc == JK_ENOMEM)
				dump_warn("out of memory reading %s", files[i]);
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
		dump_warn("cannot write %s: %s", c->name, strerror(errno));
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
		dump_warn("out of memory");
		return DUMP_EXIT_ERR;
	}
	c.threaded = writer_start(&c.w, fd);
	ex = walk_files(&w, files, n);
	if (!c.failed && sel_flush(&c) != 0) {
		dump_warn("cannot write %s: %s", name, strerror(errno));
		c.failed = true;
	}
	if (c.threaded && writer_finish(&c.w) != 0 && !c.failed) {
		dump_warn("cannot write %s: %s", name, strerror(errno));
		c.failed = true;
	}
	buf_release(&c.w.buf);
	buf_release(&c.out);
	return c.failed ? DUMP_EXIT_ERR : ex;
}

/* ---- --stats ----------------------------------------------------------------------- */

static int
stats_each(struct walk *w, const struct jsel_file *f, const struct jrn_rec *r)
{
	return jsel_stats_add(w->ctx, f, r);
}

static void
stats_file(struct walk *w)
{
	jsel_stats_file(w->ctx);
}

int
batch_stats(struct jsel *sel, char *const *files, size_t n, bool json, int fd, const char *name)
{
	struct jsel_stats st;
	struct walk w = { sel, stats_each, stats_file, &st };
	struct buf out = BUF_INIT;
	int ex;

	jsel_stats_init(&st);
	ex = walk_files(&w, files, n);
	if (jsel_stats_format(&st, &out, json) != 0) {
		dump_warn("out of memory");
		ex = DUMP_EXIT_ERR;
	} else if (flush_buf(fd, &out) != 0) {
		dump_warn("cannot write %s: %s", name, strerror(errno));
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
			dump_warn("%s", err.msg);
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
			dump_warn("cannot write the standard output: %s", strerror(errno));
			ex = DUMP_EXIT_ERR;
			break;
		}
		if (r != 0) {
			dump_warn("%s", err.msg);
			if (ex == DUMP_EXIT_OK)
				ex = DUMP_EXIT_DAMAGED;
		}
	}
	buf_release(&out);
	return ex;
}
