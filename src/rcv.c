/*
 * rcv.c - startup recovery; rcv.h says what it does and why it is safe,
 * this file how.
 *
 * The session at jk_open (rcv_session_open):
 *
 *	try the lock exclusive ---ok---> running there and no unresolved errors?
 *	   |                               yes: recover (rcv_run)
 *	   |                             then convert to shared (atomic)
 *	   +--busy--> try shared ---ok---> done (others have it open)
 *	                 |
 *	                 +--busy--> someone recovers or shuts down: wait for a
 *	                            shared lock, drop it, try again from the top
 *
 * The last close (rcv_session_close) converts its shared lock to exclusive
 * without waiting; only when that works is it the last, and then it flushes.
 *
 * rcv_run opens the instance itself (jk_open) and the restore engine opens
 * it again for the journal switch; those opens are nested in a recovery and
 * take no part in the session (rcv_depth), or they would wait for the lock
 * the recovery holds.
 */
#include "rcv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "clu.h"
#include "db.h"
#include "gref.h"
#include "inst.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "rst.h"
#include "yml.h"

/* Recoveries running in this process: opens inside one are not sessions. */
static int rcv_depth;

struct rcv_session {
	char inst[PATH_MAX];
	int fd;
	bool writing;		/* running made durable for this handle */
};

static int
nomem(struct jk_err *err)
{
	return jk_errf(err, JK_ENOMEM, "out of memory");
}

/* inst (with its trailing '/') + name into out. */
static void
state_path(char *out, size_t n, const char *inst, const char *name)
{
	snprintf(out, n, "%s%s%s", inst, inst[0] != '\0' && inst[strlen(inst) - 1] == '/' ? "" : "/", name);
}

static int
open_lock(const char *inst, int *fd, struct jk_err *err)
{
	char path[PATH_MAX + 64];

	state_path(path, sizeof path, inst, RCV_LOCK);
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0)
		return jk_errno(err, errno, "cannot open '%s'", path);
	return 0;
}

/* "YYYYMMDD HH:MM:SS", local time, as the dialogues show times. */
static void
fmt_time(char *out, size_t n, uint64_t us)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, n, "%Y%m%d %H:%M:%S", &tm);
}

bool
rcv_running(const char *inst)
{
	char path[PATH_MAX + 64];

	state_path(path, sizeof path, inst, RCV_RUNNING);
	return access(path, F_OK) == 0;
}

/* One line at the end of state/recovery.log, synced: the history of recoveries and resolutions. */
static int
log_line(const char *inst, const char *what, struct jk_err *err)
{
	char path[PATH_MAX + 64], when[32];
	struct buf b = BUF_INIT;
	int fd, rc = 0;

	state_path(path, sizeof path, inst, RCV_LOG);
	fmt_time(when, sizeof when, jrn_now_us());
	if (buf_addf(&b, "%s %s\n", when, what) != 0)
		return nomem(err);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || fdatasync(fd) != 0)
		rc = jk_errno(err, errno, "cannot write '%s'", path);
	if (fd >= 0)
		close(fd);
	buf_release(&b);
	return rc;
}

/* ---- the clean shutdown ------------------------------------------------------------- */

/*
 * Every mounted database flushed with its checkpoint at the end of the
 * journal, the journal synced, and running removed.  The caller holds the
 * instance lock exclusively.  On any failure running stays, so the next
 * open recovers.
 */
static int
shutdown_clean(struct jk *j)
{
	char path[PATH_MAX + 64], **paths;
	struct jk_loc end;
	struct db_meta m;
	struct jk_db *db;
	bool *mt;
	size_t n, i;
	int rc;

	if ((rc = jk_sync_point(j, &end)) != 0)
		return rc;
	if ((rc = jk_db_list(j, &paths, &mt, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (rc == 0 && mt[i] && db_exists(paths[i])) {
			if (db_open(paths[i], 0, &db, NULL) != 0) {
				rc = JK_EDB;
			} else {
				if (db_meta_get(db, &m) != 0 || (m.ckpt = end, db_meta_set(db, &m)) != 0 ||
				    db_sync(db) != 0)
					rc = JK_EDB;
				db_close(db);
			}
		}
		free(paths[i]);
	}
	free(paths);
	free(mt);
	if (rc != 0)
		return rc;
	state_path(path, sizeof path, jk_dir(j), RCV_RUNNING);
	if (unlink(path) != 0 && errno != ENOENT)
		return JK_EIO;
	return 0;
}

/* ---- the session ----------------------------------------------------------------------- */

int
rcv_session_open(struct jk *j, struct rcv_session **out, struct jk_err *err)
{
	struct rcv_session *s;
	struct rcv_report rep;
	int rc = 0;

	*out = NULL;
	if (rcv_depth > 0)
		return 0;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return nomem(err);
	snprintf(s->inst, sizeof s->inst, "%s", jk_dir(j));
	if ((rc = open_lock(s->inst, &s->fd, err)) != 0) {
		free(s);
		return rc;
	}
	for (;;) {
		if (jk_lock_byte(s->fd, 0, F_WRLCK, false) == 0) {
			/* Nobody else has the instance open. */
			if (rcv_running(s->inst) && !rcv_errors_pending(s->inst)) {
				rcv_report_init(&rep);
				rc = rcv_run(s->inst, "crash", &rep, err);
				rcv_report_release(&rep);
			}
			if (rc == 0 && jk_lock_byte(s->fd, 0, F_RDLCK, true) != 0)
				rc = jk_errno(err, errno, "cannot lock %s%s", s->inst, RCV_LOCK);
			break;
		}
		if (errno != EAGAIN && errno != EACCES) {
			rc = jk_errno(err, errno, "cannot lock %s%s", s->inst, RCV_LOCK);
			break;
		}
		if (jk_lock_byte(s->fd, 0, F_RDLCK, false) == 0)
			break;
		/* Held exclusively: a recovery or a shutdown.  Wait for its end, then look again. */
		if (jk_lock_byte(s->fd, 0, F_RDLCK, true) != 0 || jk_lock_byte(s->fd, 0, F_UNLCK, true) != 0) {
			rc = jk_errno(err, errno, "cannot lock %s%s", s->inst, RCV_LOCK);
			break;
		}
	}
	if (rc != 0) {
		close(s->fd);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int
rcv_session_write(struct rcv_session *s, struct jk_err *err)
{
	char path[PATH_MAX + 64], dir[PATH_MAX + 64], line[64];
	int fd, dfd, n;

	if (s == NULL || s->writing)
		return 0;
	if (rcv_errors_pending(s->inst))
		return jk_errf(err, JK_ESTATE,
		    "startup recovery of %s recorded errors (%s%s): writes are refused until "
		    "they are resolved with sturecov", s->inst, s->inst, RCV_ERRORS);
	state_path(path, sizeof path, s->inst, RCV_RUNNING);
	if (access(path, F_OK) != 0) {
		/* Made durable before the first write can reach a data file (rcv.h invariant 1). */
		n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) != 0) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			return jk_errno(err, e, "cannot write '%s'", path);
		}
		close(fd);
		state_path(dir, sizeof dir, s->inst, "state");
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) != 0) {
			int e = errno;

			if (dfd >= 0)
				close(dfd);
			return jk_errno(err, e, "cannot sync '%s'", dir);
		}
		close(dfd);
	}
	s->writing = true;
	return 0;
}

void
rcv_session_close(struct rcv_session *s, struct jk *j)
{
	if (s == NULL)
		return;
	if (jk_lock_byte(s->fd, 0, F_WRLCK, false) == 0 && rcv_running(s->inst) && !rcv_errors_pending(s->inst))
		shutdown_clean(j);
	close(s->fd);
	free(s);
}

int
rcv_exclusive(const char *inst, int *fd, struct jk_err *err)
{
	int rc;

	if ((rc = open_lock(inst, fd, err)) != 0)
		return rc;
	if (jk_lock_byte(*fd, 0, F_WRLCK, false) != 0) {
		int e = errno;

		close(*fd);
		*fd = -1;
		if (e == EAGAIN || e == EACCES)
			return jk_errf(err, JK_ELOCKED,
			    "other processes have the instance %s open: recovery needs it to itself", inst);
		return jk_errno(err, e, "cannot lock %s%s", inst, RCV_LOCK);
	}
	return 0;
}

void
rcv_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

int
rcv_recover(const char *inst, const char *why, struct rcv_report *rep, struct jk_err *err)
{
	int fd, rc;

	if ((rc = rcv_exclusive(inst, &fd, err)) != 0)
		return rc;
	rc = rcv_run(inst, why, rep, err);
	rcv_release(fd);
	return rc;
}

/* ---- recorded errors ---------------------------------------------------------------------- */

static void
error_free(struct rcv_error *e)
{
	free(e->db);
	free(e->file);
	free(e->global);
	free(e->msg);
}

void
rcv_errors_release(struct rcv_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		error_free(&e->v[i]);
	free(e->v);
	memset(e, 0, sizeof *e);
	e->resolved = true;
}

static int
errors_add(struct rcv_errors *e, uint64_t time_us, const char *db, const char *file,
    uint64_t offset, const char *global, const char *msg, struct jk_err *err)
{
	struct rcv_error *v = realloc(e->v, (e->n + 1) * sizeof *v), *x;

	if (v == NULL)
		return nomem(err);
	e->v = v;
	x = &v[e->n];
	x->time_us = time_us;
	x->offset = offset;
	x->db = strdup(db ? db : "");
	x->file = strdup(file ? file : "");
	x->global = strdup(global ? global : "");
	x->msg = strdup(msg ? msg : "");
	e->n++;
	if (x->db == NULL || x->file == NULL || x->global == NULL || x->msg == NULL)
		return nomem(err);
	return 0;
}

/* The errors file: "key: value" at the top, a list of mappings under errors. */
static int
errors_parse(FILE *fp, const char *name, struct rcv_errors *e, unsigned *unrecovered,
    struct jk_err *err)
{
	yaml_parser_t p;
	yaml_event_t ev;
	char key[32] = "";
	struct rcv_error cur;
	int depth = 0, rc = 0;
	bool in_list = false, in_item = false;

	memset(&ev, 0, sizeof ev);
	memset(&cur, 0, sizeof cur);
	if (!yaml_parser_initialize(&p))
		return nomem(err);
	yaml_parser_set_input_file(&p, fp);
	for (;;) {
		if ((rc = yml_next_event(&p, &ev, name, NULL, 0, err)) != 0)
			break;
		if (ev.type == YAML_STREAM_END_EVENT)
			break;
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
			depth++;
			if (in_list) {
				in_item = true;
				memset(&cur, 0, sizeof cur);
			}
			key[0] = '\0';
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			if (in_item) {
				rc = errors_add(e, cur.time_us, cur.db, cur.file, cur.offset, cur.global,
				    cur.msg, err);
				error_free(&cur);
				memset(&cur, 0, sizeof cur);
				in_item = false;
			}
			key[0] = '\0';
			break;
		case YAML_SEQUENCE_START_EVENT:
			if (depth == 1 && strcmp(key, "errors") == 0)
				in_list = true;
			else
				rc = yml_at(err, name, ev.start_mark, "unexpected list");
			break;
		case YAML_SEQUENCE_END_EVENT:
			in_list = false;
			key[0] = '\0';
			break;
		case YAML_SCALAR_EVENT: {
			const char *v = (const char *)ev.data.scalar.value;
			char **slot = NULL;

			if (key[0] == '\0') {
				snprintf(key, sizeof key, "%s", v);
				break;
			}
			if (in_item) {
				if (strcmp(key, "time_us") == 0)
					cur.time_us = strtoull(v, NULL, 10);
				else if (strcmp(key, "offset") == 0)
					cur.offset = strtoull(v, NULL, 10);
				else if (strcmp(key, "database") == 0)
					slot = &cur.db;
				else if (strcmp(key, "file") == 0)
					slot = &cur.file;
				else if (strcmp(key, "global") == 0)
					slot = &cur.global;
				else if (strcmp(key, "message") == 0)
					slot = &cur.msg;
				if (slot != NULL) {
					free(*slot);
					if ((*slot = strdup(v)) == NULL)
						rc = nomem(err);
				}
			} else if (depth == 1 && strcmp(key, "status") == 0) {
				e->resolved = strcmp(v, "resolved") == 0;
			} else if (depth == 1 && strcmp(key, "unrecovered") == 0) {
				*unrecovered = (unsigned)strtoul(v, NULL, 10);
			}
			key[0] = '\0';
			break;
		}
		default:
			break;
		}
		if (rc != 0)
			break;
	}
	error_free(&cur);
	yaml_event_delete(&ev);
	yaml_parser_delete(&p);
	return rc;
}

static int
errors_read(const char *inst, struct rcv_errors *e, unsigned *unrecovered, struct jk_err *err)
{
	char path[PATH_MAX + 64];
	FILE *fp;
	int rc;

	memset(e, 0, sizeof *e);
	e->resolved = true;
	*unrecovered = 0;
	state_path(path, sizeof path, inst, RCV_ERRORS);
	if ((fp = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : jk_errno(err, errno, "cannot open '%s'", path);
	e->resolved = false;
	rc = errors_parse(fp, path, e, unrecovered, err);
	fclose(fp);
	if (rc != 0)
		rcv_errors_release(e);
	if (rc != 0)
		e->resolved = false;
	return rc;
}

int
rcv_errors_read(const char *inst, struct rcv_errors *e, struct jk_err *err)
{
	unsigned u;

	return errors_read(inst, e, &u, err);
}

bool
rcv_errors_pending(const char *inst)
{
	struct rcv_errors e;
	unsigned u;
	bool pending;

	pending = errors_read(inst, &e, &u, NULL) != 0 || !e.resolved;
	rcv_errors_release(&e);
	return pending;
}

bool
rcv_rollback_pending(const char *inst)
{
	struct rcv_errors e;
	unsigned u = 0;
	bool pending;

	pending = errors_read(inst, &e, &u, NULL) == 0 && !e.resolved && u > 0;
	rcv_errors_release(&e);
	return pending;
}

unsigned
rcv_errors_count(const struct rcv_errors *e, const char *db)
{
	unsigned k = 0;
	size_t i;

	if (e->resolved)
		return 0;
	for (i = 0; i < e->n; i++)
		if (strcmp(e->v[i].db, db) == 0)
			k++;
	return k;
}

static int
errors_write(const char *inst, const struct rcv_errors *e, unsigned unrecovered, struct jk_err *err)
{
	char path[PATH_MAX + 64], when[32];
	struct buf b = BUF_INIT;
	size_t i;
	int rc = 0;

#define ADD(...) do { if (rc == 0) rc = buf_addf(&b, __VA_ARGS__); } while (0)
#define QUOTED(s) do { if (rc == 0) rc = yml_add_quoted(&b, (s)); } while (0)
	ADD("# jrnkit startup errors (jrnkit(8), FILES): what startup recovery could not do.\n"
	    "# While status is unresolved the instance refuses writes; sturecov(8) lists\n"
	    "# these errors and resolves them.\n");
	ADD("status: %s\nunrecovered: %u\nerrors:%s\n", e->resolved ? "resolved" : "unresolved",
	    unrecovered, e->n == 0 ? " []" : "");
	for (i = 0; i < e->n; i++) {
		const struct rcv_error *x = &e->v[i];

		fmt_time(when, sizeof when, x->time_us);
		ADD("  - time: \"%s\"\n    time_us: %" PRIu64 "\n    database: ", when, x->time_us);
		QUOTED(x->db);
		ADD("\n    file: ");
		QUOTED(x->file);
		ADD("\n    offset: %" PRIu64 "\n    global: ", x->offset);
		QUOTED(x->global);
		ADD("\n    message: ");
		QUOTED(x->msg);
		ADD("\n");
	}
#undef ADD
#undef QUOTED
	state_path(path, sizeof path, inst, RCV_ERRORS);
	if (rc == JK_EUSAGE)
		rc = jk_errf(err, rc, "cannot write '%s': a text is not UTF-8", path);
	else if (rc != 0)
		rc = nomem(err);
	else
		rc = jk_write_file_atomic(path, b.data, b.len, err);
	buf_release(&b);
	return rc;
}

/* Resolve the recorded errors; with reset, also forget that the instance went down. */
static int
resolve(const char *inst, bool reset, struct jk_err *err)
{
	char path[PATH_MAX + 64];
	struct rcv_errors e;
	unsigned u;
	int rc;

	if ((rc = errors_read(inst, &e, &u, err)) != 0)
		return rc;
	if (e.n > 0 || !e.resolved) {
		e.resolved = true;
		rc = errors_write(inst, &e, u, err);
	}
	rcv_errors_release(&e);
	if (rc != 0)
		return rc;
	if (reset) {
		state_path(path, sizeof path, inst, RCV_RUNNING);
		if (unlink(path) != 0 && errno != ENOENT)
			return jk_errno(err, errno, "cannot remove '%s'", path);
	}
	return log_line(inst, reset ? "reset: the journal will not be restored at the next startup" :
	    "errors resolved: the next startup recovers as after a crash", err);
}

int
rcv_resolve(const char *inst, struct jk_err *err)
{
	return resolve(inst, false, err);
}

int
rcv_reset(const char *inst, struct jk_err *err)
{
	return resolve(inst, true, err);
}

/* ---- the report --------------------------------------------------------------------------------- */

void
rcv_report_init(struct rcv_report *r)
{
	memset(r, 0, sizeof *r);
}

void
rcv_report_release(struct rcv_report *r)
{
	size_t i, k;

	for (i = 0; i < r->ndbs; i++) {
		struct rcv_db *d = &r->dbs[i];

		free(d->path);
		free(d->from_path);
		free(d->to_path);
		for (k = 0; k < d->nfiles; k++)
			free(d->files[k]);
		free(d->files);
	}
	free(r->dbs);
	for (i = 0; i < r->ntxs; i++) {
		free(r->txs[i].path);
		free(r->txs[i].db);
	}
	free(r->txs);
	free(r->switched_to);
	rcv_report_init(r);
}

static const char *
db_status(const struct rcv_db *d)
{
	if (d->dismounted)
		return "dismounted";
	return d->recovered ? "recovered" : "not recovered";
}

int
rcv_report_yaml(const struct rcv_report *r, struct buf *out)
{
	char when[32];
	size_t i, k;
	int rc = 0;

#define ADD(...) do { if (rc == 0) rc = buf_addf(out, __VA_ARGS__); } while (0)
#define QUOTED(s) do { if (rc == 0) rc = yml_add_quoted(out, (s)); } while (0)
	fmt_time(when, sizeof when, r->started_us);
	ADD("# jrnkit recovery report (jrnkit(8), FILES): the last startup recovery.\n");
	ADD("why: %s\nstarted: \"%s\"\nstarted_us: %" PRIu64 "\nfinished_us: %" PRIu64 "\n",
	    r->why, when, r->started_us, r->finished_us);
	ADD("records: %" PRIu64 "\nerrors: %u\n", r->records, r->errors);
	if (r->seq_next != 0)
		ADD("seq_next: %" PRIu64 "\n", r->seq_next);
	ADD("switched_to: ");
	QUOTED(r->switched_to != NULL ? r->switched_to : "");
	ADD("\ndatabases:%s\n", r->ndbs == 0 ? " []" : "");
	for (i = 0; i < r->ndbs; i++) {
		const struct rcv_db *d = &r->dbs[i];

		ADD("  - path: ");
		QUOTED(d->path);
		ADD("\n    status: %s\n    from_file: ", db_status(d));
		QUOTED(d->from_path ? d->from_path : "");
		ADD("\n    from_offset: %" PRIu64 "\n    to_file: ", d->from_offset);
		QUOTED(d->to_path ? d->to_path : "");
		ADD("\n    to_offset: %" PRIu64 "\n    applied: %" PRIu64 "\n    errors: %u\n    files:%s\n",
		    d->to_offset, d->applied, d->errors, d->nfiles == 0 ? " []" : "");
		for (k = 0; k < d->nfiles; k++) {
			ADD("      - ");
			QUOTED(d->files[k]);
			ADD("\n");
		}
	}
	ADD("rolled_back:%s\n", r->ntxs == 0 ? " []" : "");
	for (i = 0; i < r->ntxs; i++) {
		const struct rcv_tx *t = &r->txs[i];

		ADD("  - txid: %" PRIu64 "\n    pid: %" PRIu32 "\n    file: ", t->txid, t->pid);
		QUOTED(t->path);
		ADD("\n    offset: %" PRIu64 "\n    updates: %" PRIu64 "\n    database: ", t->offset, t->updates);
		QUOTED(t->db);
		ADD("\n");
	}
#undef ADD
#undef QUOTED
	return rc;
}

int
rcv_report_text(const struct rcv_report *r, struct buf *out)
{
	char when[32];
	size_t i, k;
	int rc = 0;

#define ADD(...) do { if (rc == 0) rc = buf_addf(out, __VA_ARGS__); } while (0)
	fmt_time(when, sizeof when, r->finished_us);
	ADD("[Startup recovery (%s) completed at %s]\n", r->why, when);
	if (r->switched_to != NULL)
		ADD("Journaling switched to %s\n", r->switched_to);
	if (r->ndbs == 0)
		ADD("No databases are mounted in this instance.\n");
	for (i = 0; i < r->ndbs; i++) {
		const struct rcv_db *d = &r->dbs[i];

		ADD("%zu. %s: %s\n", i + 1, d->path, db_status(d));
		if (d->nfiles > 0) {
			if (d->from_path != NULL && d->from_path[0] != '\0')
				ADD("   from its checkpoint at %" PRIu64 ",%s\n", d->from_offset, d->from_path);
			else
				ADD("   from the first journal file (no checkpoint)\n");
			if (d->to_path != NULL && d->to_path[0] != '\0')
				ADD("   to %" PRIu64 ",%s\n", d->to_offset, d->to_path);
			ADD("   files:\n");
			for (k = 0; k < d->nfiles; k++)
				ADD("     %s\n", d->files[k]);
		}
		ADD("   %" PRIu64 " updates applied, %u errors\n", d->applied, d->errors);
	}
	ADD("Transactions rolled back (never committed): %zu\n", r->ntxs);
	for (i = 0; i < r->ntxs; i++) {
		const struct rcv_tx *t = &r->txs[i];

		ADD("   transaction %" PRIu64 " of process %" PRIu32 ": %" PRIu64 " updates from %" PRIu64
		    ",%s in %s\n", t->txid, t->pid, t->updates, t->offset, t->path, t->db);
	}
	if (r->seq_next != 0)
		ADD("Cluster sequence counter: the next number is %" PRIu64 " (above every member's journal)\n",
		    r->seq_next);
	ADD("%" PRIu64 " records read, %u errors%s\n", r->records, r->errors,
	    r->errors > 0 ? " (sturecov lists them; writes are refused until they are resolved)" : "");
#undef ADD
	return rc;
}

/* ---- recovery --------------------------------------------------------------------------------- */

struct run {
	const char *inst;
	struct jk *j;
	struct rcv_report *rep;
	struct rcv_errors errs;		/* recorded: unresolved old ones, then this run's */
	unsigned unrecovered;
	struct rst_files all;		/* journal.log, read once before the journal is switched */
	char clulog[PATH_MAX + 32];	/* a cluster member: the cluster's CLUJRN.LOG; else "" */
	bool *active;			/* per rep->dbs: still to replay in its group */
	struct jk_err *err;
};

/* Record an error now; it counts against db. */
static int
record(struct run *r, struct rcv_db *d, const char *file, uint64_t offset, const char *global,
    const char *msg)
{
	r->rep->errors++;
	if (d != NULL)
		d->errors++;
	return errors_add(&r->errs, jrn_now_us(), d ? d->path : "", file, offset, global, msg, r->err);
}

/*
 * The first update of db at or after *offset in path: its place into
 * *offset and the name of its global into out ("" and *offset unchanged
 * when there is none).
 */
static void
unit_global(const char *path, uint64_t *offset, const char *db, char *out, size_t n)
{
	struct jrn_reader *rd;
	struct jrn_rec rec;
	uint32_t num = 0;
	const char *name;
	size_t nl;

	out[0] = '\0';
	if (path == NULL || jrn_reader_open(path, &rd, NULL) != 0)
		return;
	while (jrn_reader_next(rd, &rec) == 0) {
		if (rec.type == JRN_DBMAP && rec.vallen == strlen(db) && memcmp(rec.val, db, rec.vallen) == 0)
			num = rec.dbnum;
		if (rec.offset >= *offset && num != 0 && rec.dbnum == num && jrn_type_is_update(rec.type) &&
		    gref_key_name(rec.key, rec.keylen, &name, &nl) == 0) {
			snprintf(out, n, "%.*s", (int)nl, name);
			*offset = rec.offset;
			break;
		}
	}
	jrn_reader_close(rd);
}

static int
set_str(char **dst, const char *s, struct jk_err *err)
{
	free(*dst);
	*dst = strdup(s != NULL ? s : "");
	return *dst == NULL ? nomem(err) : 0;
}

/* The incomplete transactions of a run, once each. */
static int
add_txs(struct run *r, const struct rst_result *res)
{
	struct rcv_report *rep = r->rep;
	size_t i, k;

	for (i = 0; i < res->nincomplete; i++) {
		const struct rst_tx *t = &res->incomplete[i];
		struct rcv_tx *v, *x;

		if (t->applied)
			continue;
		for (k = 0; k < rep->ntxs; k++)
			if (rep->txs[k].txid == t->txid && rep->txs[k].offset == t->offset &&
			    strcmp(rep->txs[k].path, t->path) == 0)
				break;
		if (k < rep->ntxs)
			continue;
		if ((v = realloc(rep->txs, (rep->ntxs + 1) * sizeof *v)) == NULL)
			return nomem(r->err);
		rep->txs = v;
		x = &v[rep->ntxs++];
		memset(x, 0, sizeof *x);
		x->txid = t->txid;
		x->pid = t->pid;
		x->offset = t->offset;
		x->updates = t->updates;
		if (set_str(&x->path, t->path, r->err) != 0 ||
		    set_str(&x->db, t->ndbs > 0 ? t->dbs[0] : "", r->err) != 0)
			return JK_ENOMEM;
	}
	return 0;
}

/* The files a replay of d reads, for the report. */
static int
copy_files(struct rcv_db *d, const struct rst_files *f, struct jk_err *err)
{
	size_t i;

	if (f->n == 0)
		return 0;
	if ((d->files = calloc(f->n, sizeof *d->files)) == NULL)
		return nomem(err);
	for (i = 0; i < f->n; i++, d->nfiles++)
		if ((d->files[i] = strdup(f->paths[i])) == NULL)
			return nomem(err);
	return 0;
}

/*
 * The last cluster sequence number at or before offset in the journal file
 * path (0: none there, or it cannot be read; UINT64_MAX: in the file).  A checkpoint is written under the cluster lock
 * (jk_checkpoint), so every number up to it was in the databases then:
 * a member's recovery replays the cluster's journals from the next one.
 */
static uint64_t
seq_before(const char *path, uint64_t offset)
{
	struct jrn_reader *rd;
	struct jrn_rec rec;
	uint64_t seq = 0;

	if (jrn_reader_open(path, &rd, NULL) != 0)
		return 0;
	if (jrn_reader_seek(rd, offset) == 0)
		while (seq == 0 && jrn_reader_prev(rd, &rec) == 0)
			seq = rec.seq;
	jrn_reader_close(rd);
	return seq;
}

/*
 * Where a replay from the checkpoint place offset of path begins reading:
 * the first of the database maps a checkpoint repeats before its record
 * (JRN_F_MAPS), so the file before them is not read and the replay costs
 * what the journal since the checkpoint holds.  The place is where the
 * databases' meta says (the first of those maps), or the CHECKPOINT record
 * itself.  0 when there are no such maps (a journal written before they
 * were): the file is read from its first record.
 */
static uint64_t
maps_before(const char *path, uint64_t offset)
{
	struct jrn_reader *rd;
	struct jrn_rec rec;
	uint64_t at = 0;
	int rc;

	if (jrn_reader_open(path, &rd, NULL) != 0)
		return 0;
	if (jrn_reader_seek(rd, offset) == 0) {
		while ((rc = jrn_reader_next(rd, &rec)) == 0 && rec.type == JRN_DBMAP &&
		    (rec.flags & JRN_F_MAPS))
			;
		if (rc == 0 && rec.type == JRN_CHECKPOINT && (rec.flags & JRN_F_MAPS)) {
			at = offset;
			if (rec.offset == offset) {
				/* the CHECKPOINT itself: its maps are before it */
				jrn_reader_seek(rd, offset);
				while (jrn_reader_prev(rd, &rec) == 0 && rec.type == JRN_DBMAP &&
				    (rec.flags & JRN_F_MAPS))
					at = rec.offset;
			}
		}
	}
	jrn_reader_close(rd);
	return at;
}

/* The first damage of a run that counts: in a cluster replay a gap in the numbers does not. */
static const struct rst_damage *
first_damage(const struct run *r, const struct rst_result *res)
{
	size_t i;

	for (i = 0; i < res->ndamage; i++)
		if (r->clulog[0] == '\0' || strstr(res->damage[i].msg, "gap:") == NULL)
			return &res->damage[i];
	return NULL;
}

/* Set up the plan of one replay of the databases idx[0..k) that are still active. */
static int
make_plan(struct run *r, struct rst_plan *p, const size_t *idx, size_t k)
{
	const struct rcv_db *first = &r->rep->dbs[idx[0]];
	uint64_t seq;
	size_t i;
	int rc;

	if ((rc = rst_plan_set_inst(p, r->inst, r->err)) != 0)
		return rc;
	if (r->clulog[0] != '\0') {
		/* every member's journal, merged in the order the commits reached the databases */
		if ((rc = rst_plan_set_cluster(p, r->clulog, NULL, r->err)) != 0)
			return rc;
		if (!first->from_start && (seq = seq_before(first->from_path, first->from_offset)) != 0)
			rst_point_seq(&p->start, seq + 1);
	}
	for (i = 0; i < r->all.n && r->clulog[0] == '\0'; i++)
		if ((rc = rst_files_add(&p->files, r->all.paths[i], r->err)) != 0)
			return rc;
	if (!first->from_start && r->clulog[0] == '\0') {
		uint64_t at = maps_before(first->from_path, first->from_offset);

		if ((rc = rst_files_range(&p->files, first->from_path, NULL, r->err)) != 0)
			return rc;
		if ((rc = rst_point_location(&p->start, first->from_path, at ? at : first->from_offset,
		    r->err)) != 0)
			return rc;
		p->maps_at_start = at != 0;
	}
	for (i = 0; i < k; i++)
		if (r->active[idx[i]] &&
		    (rc = rst_plan_add_db(p, r->rep->dbs[idx[i]].path, NULL, NULL, 0, r->err)) != 0)
			return rc;
	p->switch_first = true;
	p->rollback = true;
	p->db_errors = RST_ABORT;
	/* a cluster: a gap in the numbers is a process killed between taking one and its append */
	p->jrn_errors = r->clulog[0] != '\0' ? RST_CONTINUE : RST_ABORT;
	p->record = RCV_RECORD;
	return 0;
}

/*
 * Replay the databases idx[0..k), which share a checkpoint, to the end of
 * the journal.  A database error (the engine names the database, or its
 * message does: a failed commit or flush): recorded at its place, the
 * database dismounted after RCV_MAX_ERRORS, and the replay started again
 * for those left.  Anything else: recorded for each database, which stays
 * not recovered.
 */
static int
replay_group(struct run *r, const size_t *idx, size_t k)
{
	const struct rst_damage *dmg;
	struct rst_plan p;
	struct rst_result res;
	char global[64];
	size_t i, a, left;
	uint64_t at;
	int rc = 0, run_rc;

	rst_result_init(&res);
	for (;;) {
		for (i = 0, left = 0; i < k; i++)
			left += r->active[idx[i]];
		if (left == 0)
			break;
		rst_plan_init(&p);
		if ((rc = make_plan(r, &p, idx, k)) != 0) {
			rst_plan_release(&p);
			if (rc == JK_ENOMEM)
				break;
			/* the checkpoint's file not in journal.log, and the like */
			for (i = 0; i < k && rc != JK_ENOMEM; i++)
				if (r->active[idx[i]]) {
					rc = record(r, &r->rep->dbs[idx[i]], r->rep->dbs[idx[i]].from_path,
					    r->rep->dbs[idx[i]].from_offset, "", r->err->msg);
					r->active[idx[i]] = false;
				}
			if (rc != JK_ENOMEM)
				rc = 0;
			break;
		}
		run_rc = rst_run(&p, NULL, &res);
		r->rep->records += res.records;
		if (res.switched_to != NULL && r->rep->switched_to == NULL &&
		    (rc = set_str(&r->rep->switched_to, res.switched_to, r->err)) != 0)
			break;
		if ((rc = add_txs(r, &res)) != 0)
			break;
		for (i = 0; i < k; i++) {
			struct rcv_db *d = &r->rep->dbs[idx[i]];

			if (!r->active[idx[i]])
				continue;
			for (a = 0; a < res.ndbs; a++)
				if (strcmp(res.dbs[a].source, d->path) == 0)
					d->applied = res.dbs[a].applied;
			if (d->nfiles == 0 && (rc = copy_files(d, &p.files, r->err)) != 0)
				break;
			if (res.next_path != NULL && (rc = set_str(&d->to_path, res.next_path, r->err)) != 0)
				break;
			d->to_offset = res.next_offset;
		}
		rst_plan_release(&p);
		if (rc != 0)
			break;
		dmg = first_damage(r, &res);
		if (run_rc == 0 && res.status != RST_ABORTED && dmg == NULL) {
			for (i = 0; i < k; i++)
				if (r->active[idx[i]]) {
					r->rep->dbs[idx[i]].recovered = true;
					r->active[idx[i]] = false;
				}
			break;
		}
		if (dmg == NULL) {
			bool found = false;

			for (i = 0; i < k && rc == 0; i++) {
				struct rcv_db *d = &r->rep->dbs[idx[i]];
				const char *msg = NULL;

				if (!r->active[idx[i]])
					continue;
				/* the database the engine stopped, or the one its error names (a failed commit or flush) */
				for (a = 0; a < res.ndbs; a++)
					if (res.dbs[a].error != 0 && strcmp(res.dbs[a].source, d->path) == 0)
						msg = res.dbs[a].errmsg ? res.dbs[a].errmsg : res.err.msg;
				if (msg == NULL && strstr(res.err.msg, d->path) != NULL)
					msg = res.err.msg;
				if (msg == NULL)
					continue;
				found = true;
				at = res.next_offset;
				unit_global(res.next_path, &at, d->path, global, sizeof global);
				rc = record(r, d, res.next_path, at, global, msg);
				if (rc == 0 && rcv_errors_count(&r->errs, d->path) >= RCV_MAX_ERRORS) {
					/* enough: leave it dismounted and finish the others */
					r->active[idx[i]] = false;
					d->dismounted = true;
					if (jk_db_register(r->j, d->path, false) != 0)
						rc = record(r, d, "", 0, "", jk_err(r->j)->msg);
				}
			}
			if (found || rc != 0)
				continue;
		}
		/* journal damage, missing files, a commit that failed: each database stops here */
		for (i = 0; i < k && rc == 0; i++) {
			struct rcv_db *d = &r->rep->dbs[idx[i]];

			if (!r->active[idx[i]])
				continue;
			if (dmg != NULL)
				rc = record(r, d, dmg->path, dmg->valid_end, "", dmg->msg);
			else
				rc = record(r, d, res.next_path, res.next_offset, "",
				    res.err.msg[0] ? res.err.msg : "the replay failed");
			r->active[idx[i]] = false;
		}
		break;
	}
	rst_result_release(&res);
	return rc;
}

/*
 * Whether no update of the journal comes before offset of path, the first
 * file of the journal: a checkpoint there means "from the first file", as
 * no checkpoint does, and the two replay as one group.
 */
static bool
at_journal_start(const struct run *r, const char *path, uint64_t offset)
{
	struct jrn_reader *rd;
	struct jrn_rec rec;
	bool start = true;

	if (r->all.n == 0 || strcmp(r->all.paths[0], path) != 0 || jrn_reader_open(path, &rd, NULL) != 0)
		return false;
	while (jrn_reader_next(rd, &rec) == 0 && rec.offset < offset)
		if (jrn_type_is_update(rec.type)) {
			start = false;
			break;
		}
	jrn_reader_close(rd);
	return start;
}

/* The last sequence number in files, newest first up to one that holds numbers (0: none). */
static uint64_t
files_last_seq(const struct rst_files *f)
{
	uint64_t s = 0;
	size_t i;

	for (i = f->n; s == 0 && i-- > 0;)
		s = seq_before(f->paths[i], UINT64_MAX);
	return s;
}

/*
 * A cluster member: the sequence counter above the last number in the
 * journal of every member (its journal.log, files newest first up to one
 * that holds numbers).  After a host crash the counter, not synced at
 * every number (clu.c), may be behind them: this member's, and those of
 * the others that went down with the host, whose recovery may come after
 * this member has begun to write again.  A member whose journal cannot be
 * read from here (another host's disk) is left out: if it is alive its
 * numbers are in the counter already, if not its own recovery raises the
 * counter before it writes.  Numbers only go up.
 */
static int
raise_seq(struct run *r)
{
	const struct inst_conf *conf = jk_conf(r->j);
	struct clu_member *m = NULL;
	struct rst_files f;
	struct jk_err e;
	uint64_t top, s;
	struct clu *c;
	size_t n = 0, i;
	int rc;

	if (conf->cluster_dir[0] == '\0')
		return 0;
	top = files_last_seq(&r->all);
	if ((rc = clu_members(conf->cluster_dir, &m, &n, r->err)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (m[i].csn == conf->csn)
			continue;
		rst_files_init(&f);
		jk_err_clear(&e);
		if (rst_files_from_log(&f, m[i].inst, NULL, 0, &e) == 0 && (s = files_last_seq(&f)) > top)
			top = s;
		rst_files_release(&f);
	}
	clu_members_free(m, n);
	if ((rc = clu_open(conf->cluster_dir, conf->csn, &c, r->err)) != 0)
		return rc;
	if ((rc = clu_lock(c)) == 0) {
		rc = clu_seq_raise(c, top + 1);
		r->rep->seq_next = clu_seq_next(c);
		clu_unlock(c);
	}
	if (rc != 0)
		*r->err = *clu_err(c);
	clu_close(c);
	return rc;
}

/* The databases of the list, with their checkpoints; those that cannot be opened are recorded. */
static int
collect(struct run *r)
{
	struct rcv_report *rep = r->rep;
	char **paths;
	bool *mt;
	size_t n, i;
	int rc;

	if ((rc = jk_db_list(r->j, &paths, &mt, &n)) != 0) {
		*r->err = *jk_err(r->j);
		return rc;
	}
	if (n > 0 && ((rep->dbs = calloc(n, sizeof *rep->dbs)) == NULL ||
	    (r->active = calloc(n, sizeof *r->active)) == NULL))
		rc = nomem(r->err);
	for (i = 0; i < n; i++) {
		struct rcv_db *d;
		struct jk_db *db;
		struct db_meta m;
		struct jk_err e;

		if (rc == 0) {
			d = &rep->dbs[rep->ndbs++];
			d->path = paths[i];
			paths[i] = NULL;
			d->dismounted = !mt[i];
			if (set_str(&d->from_path, "", r->err) != 0) {
				rc = JK_ENOMEM;
			} else if (!d->dismounted) {
				jk_err_clear(&e);
				if (db_open(d->path, DB_RDONLY, &db, &e) != 0) {
					rc = record(r, d, "", 0, "", e.msg);
				} else if (db_meta_get(db, &m) != 0) {
					rc = record(r, d, "", 0, "", db_err(db)->msg);
					db_close(db);
				} else {
					db_close(db);
					if (m.ckpt.file_id != 0 && m.ckpt.path[0] != '\0') {
						rc = set_str(&d->from_path, m.ckpt.path, r->err);
						d->from_offset = m.ckpt.offset;
						d->from_start = at_journal_start(r, m.ckpt.path, m.ckpt.offset);
					} else {
						d->from_start = true;
					}
					r->active[i] = true;
				}
			}
		}
		free(paths[i]);
	}
	free(paths);
	free(mt);
	return rc;
}

static int
write_report(struct run *r)
{
	char path[PATH_MAX + 64], line[256];
	struct buf b = BUF_INIT;
	size_t i, ok = 0;
	int rc;

	if ((rc = rcv_report_yaml(r->rep, &b)) != 0) {
		buf_release(&b);
		return rc == JK_ENOMEM ? nomem(r->err) : jk_errf(r->err, rc, "a path is not UTF-8");
	}
	state_path(path, sizeof path, r->inst, RCV_REPORT);
	rc = jk_write_file_atomic(path, b.data, b.len, r->err);
	buf_release(&b);
	for (i = 0; i < r->rep->ndbs; i++)
		ok += r->rep->dbs[i].recovered;
	snprintf(line, sizeof line, "recovery (%s): %zu databases, %zu recovered, %u errors, %" PRIu64
	    " records read, %zu transactions rolled back", r->rep->why, r->rep->ndbs, ok, r->rep->errors,
	    r->rep->records, r->rep->ntxs);
	if (rc == 0)
		rc = log_line(r->inst, line, r->err);
	return rc;
}

int
rcv_run(const char *inst, const char *why, struct rcv_report *rep, struct jk_err *err)
{
	struct run r;
	struct jrn_status st;
	size_t *idx = NULL, i, k, g;
	bool had_errors;
	int rc;

	rcv_report_release(rep);
	snprintf(rep->why, sizeof rep->why, "%s", why);
	rep->started_us = jrn_now_us();
	memset(&r, 0, sizeof r);
	r.rep = rep;
	r.err = err;
	rst_files_init(&r.all);
	rcv_depth++;
	if ((rc = jk_open(inst, &r.j, err)) != 0)
		goto out;
	r.inst = jk_dir(r.j);
	if ((rc = errors_read(r.inst, &r.errs, &r.unrecovered, err)) != 0)
		goto out;
	if (r.errs.resolved)
		rcv_errors_release(&r.errs);	/* resolved ones are history: a new list */
	r.errs.resolved = false;
	had_errors = r.errs.n > 0;
	/* The journal lock once: a dead writer's partial records are cut off before anything reads them. */
	if ((rc = jk_status(r.j, &st)) != 0) {
		*err = *jk_err(r.j);
		goto out;
	}
	rc = rst_files_from_log(&r.all, r.inst, NULL, 0, err);
	if (rc == JK_ENOTFOUND)
		rc = 0;
	if (jk_conf(r.j)->cluster_dir[0] != '\0')
		snprintf(r.clulog, sizeof r.clulog, "%s%s", jk_conf(r.j)->cluster_dir, CLU_LOG_FILE);
	/* before any write: a cluster member's numbers above every journaled one */
	if (rc != 0 || (rc = raise_seq(&r)) != 0 || (rc = collect(&r)) != 0)
		goto out;
	if (rep->ndbs > 0 && (idx = calloc(rep->ndbs, sizeof *idx)) == NULL) {
		rc = nomem(err);
		goto out;
	}
	/* Groups of databases with one checkpoint, each replayed once from there (from_start: from the first file). */
	for (g = 0; g < rep->ndbs && rc == 0; g++) {
		if (!r.active[g] || rep->dbs[g].recovered)
			continue;
		for (i = g, k = 0; i < rep->ndbs; i++)
			if (r.active[i] && (rep->dbs[g].from_start ? rep->dbs[i].from_start :
			    !rep->dbs[i].from_start && strcmp(rep->dbs[i].from_path, rep->dbs[g].from_path) == 0 &&
			    rep->dbs[i].from_offset == rep->dbs[g].from_offset))
				idx[k++] = i;
		if (r.all.n == 0) {
			/* no journal at all: nothing to replay */
			for (i = 0; i < k; i++) {
				rep->dbs[idx[i]].recovered = true;
				r.active[idx[i]] = false;
			}
			continue;
		}
		rc = replay_group(&r, idx, k);
	}
	if (rc != 0)
		goto out;
	r.unrecovered = 0;
	for (i = 0; i < rep->ndbs; i++)
		if (!rep->dbs[i].recovered && !rep->dbs[i].dismounted)
			r.unrecovered++;
	rep->finished_us = jrn_now_us();
	if ((r.errs.n > 0 || had_errors) && (rc = errors_write(r.inst, &r.errs, r.unrecovered, err)) != 0)
		goto out;
	if ((rc = write_report(&r)) != 0)
		goto out;
	/* Everything replayed and nothing wrong: the instance is as after a clean shutdown. */
	if (r.errs.n == 0 && (rc = shutdown_clean(r.j)) != 0)
		jk_errf(err, rc, "recovery done, but flushing the databases failed: %s", jk_err(r.j)->msg);
out:
	free(idx);
	free(r.active);
	rst_files_release(&r.all);
	rcv_errors_release(&r.errs);
	jk_close(r.j);
	rcv_depth--;
	if (rep->finished_us == 0)
		rep->finished_us = jrn_now_us();
	return rc;
}

/* ---- repair ------------------------------------------------------------------------------------- */

#define REPAIR_BATCH	10000	/* nodes per commit of the copy */

/* Put one node into the copy; a node the database refuses is counted, not fatal. */
static int
repair_put(struct jk_db *to, struct db_txn **wt, const struct jk_key *k, const uint8_t *v, size_t vn,
    uint64_t *pending, struct rcv_repair *r, struct jk_err *err)
{
	struct buf ref = BUF_INIT;
	int rc;

	rc = db_put(*wt, k->b, k->len, v, vn);
	if (rc == JK_ELIMIT || !gref_key_valid(k->b, k->len)) {
		if (rc == 0)
			rc = JK_ECORRUPT;
		if (r->refused++ == 0) {
			if (gref_format(&ref, k->b, k->len, true) != 0)
				buf_adds(&ref, "(a key that does not decode)");
			snprintf(r->first_refused, sizeof r->first_refused, "%.200s: %.380s", buf_str(&ref),
			    rc == JK_ELIMIT ? db_err(to)->msg : "the key does not decode");
		}
		buf_release(&ref);
		return 0;
	}
	if (rc != 0) {
		*err = *db_err(to);
		return rc;
	}
	r->copied++;
	if (++*pending >= REPAIR_BATCH) {
		*pending = 0;
		if ((rc = db_txn_commit(*wt)) != 0 || (rc = db_txn_begin(to, true, wt)) != 0) {
			*wt = NULL;
			*err = *db_err(to);
			return rc;
		}
	}
	return 0;
}

/* Byte order of encoded keys (collation order). */
static int
key_cmp(const struct jk_key *x, const struct jk_key *y)
{
	int c = memcmp(x->b, y->b, x->len < y->len ? x->len : y->len);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* A node's reference for messages. */
static void
ref_of(const struct jk_key *k, char *out, size_t n)
{
	struct buf b = BUF_INIT;

	if (k->len == 0)
		snprintf(out, n, "%s", "the first node");
	else if (gref_format(&b, k->b, k->len, true) == 0)
		snprintf(out, n, "%s", buf_str(&b));
	else
		snprintf(out, n, "%s", "a node whose key does not decode");
	buf_release(&b);
}

int
rcv_repair(const char *from, const char *to, struct rcv_repair *r, struct jk_err *err)
{
	struct jk_db *src = NULL, *dst = NULL;
	struct db_txn *rt = NULL, *wt = NULL;
	struct jk_key k, next;
	struct db_meta m;
	const uint8_t *v;
	size_t vn;
	uint64_t pending = 0;
	bool have_last = false, meta = false;
	char a[512], b[512];
	int rc, wrc = 0;

	memset(r, 0, sizeof *r);
	if ((rc = db_open(from, DB_RDONLY, &src, err)) != 0)
		return rc;
	if (db_meta_get(src, &m) == 0)
		meta = true;
	if ((rc = db_create(to, err)) != 0 || (rc = db_open(to, 0, &dst, err)) != 0)
		goto out;
	if ((rc = db_txn_begin(src, false, &rt)) != 0 || (rc = db_txn_begin(dst, true, &wt)) != 0) {
		*err = rt == NULL ? *db_err(src) : *db_err(dst);
		goto out;
	}
	/* forwards, to the end or the first node that cannot be read */
	k.len = 0;
	while ((rc = db_query(rt, k.b, k.len, 1, &next)) == 0) {
		if ((rc = db_get(rt, next.b, next.len, &v, &vn)) != 0)
			break;
		if ((wrc = repair_put(dst, &wt, &next, v, vn, &pending, r, err)) != 0)
			goto out;
		k = next;
		have_last = true;
	}
	if (rc != JK_ENOTFOUND) {
		/* backwards from the end, down to the last node read forwards */
		struct jk_key stop = k;

		r->damaged = true;
		ref_of(&k, a, sizeof a);
		snprintf(b, sizeof b, "%s", "the end");
		k.len = 0;
		while (db_query(rt, k.b, k.len, -1, &next) == 0) {
			if ((have_last && key_cmp(&next, &stop) <= 0) || db_get(rt, next.b, next.len, &v, &vn) != 0)
				break;
			if ((wrc = repair_put(dst, &wt, &next, v, vn, &pending, r, err)) != 0)
				goto out;
			ref_of(&next, b, sizeof b);
			k = next;
		}
		snprintf(r->unread, sizeof r->unread, "the nodes after %s%s and before %s", a,
		    have_last ? "" : " (none could be read forwards)", b);
	}
	rc = 0;
	if ((wrc = db_txn_commit(wt)) != 0) {
		wt = NULL;
		*err = *db_err(dst);
		goto out;
	}
	wt = NULL;
	if (meta && (wrc = db_meta_set(dst, &m)) != 0) {
		*err = *db_err(dst);
		goto out;
	}
	if ((wrc = db_sync(dst)) != 0)
		*err = *db_err(dst);
out:
	if (wt != NULL)
		db_txn_abort(wt);
	if (rt != NULL)
		db_txn_abort(rt);
	db_close(dst);
	db_close(src);
	return rc != 0 ? rc : wrc;
}
