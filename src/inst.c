/*
 * inst.c - an instance's journal history (journal.log), and the atomic
 * file replace the instance's files are written with; see inst.h.
 *
 * Crash invariant:
 *
 *  1. journal.log only grows, one path per line, and an append is synced
 *     before it returns.  Only the last line can be torn.  An append after a
 *     torn line starts a fresh line, so a new path is never glued onto the
 *     fragment of an old one.
 */
#include "inst.h"
#include "buf.h"

#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_NAME	"journal.log"

/* --- small helpers ------------------------------------------------------ */

/*
 * jk_errno, except that a missing file is JK_ENOTFOUND: callers tell "no
 * instance here" from "the disk failed" by the code alone.
 */
static int
io_err(struct jk_err *err, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
io_err(struct jk_err *err, int e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(&b, (size_t)n) != 0)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	va_start(ap, fmt);
	vsnprintf((char *)b.data, (size_t)n + 1, fmt, ap);
	va_end(ap);
	jk_errno(err, e, "%s", b.data);
	buf_release(&b);
	if (e != ENOENT)
		return JK_EIO;
	if (err != NULL)
		err->code = JK_ENOTFOUND;
	return JK_ENOTFOUND;
}

/* dir + "/" + name into out; JK_ELIMIT when it does not fit. */
static int
join(char *out, size_t outsz, const char *dir, const char *name,
    struct jk_err *err)
{
	size_t dl = strlen(dir);
	int n;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	n = snprintf(out, outsz, "%.*s/%s", (int)dl, dir, name);
	if (n < 0 || (size_t)n >= outsz)
		return jk_errf(err, JK_ELIMIT, "path too long: '%s/%s'", dir, name);
	return 0;
}

static int
write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			/* Nothing written and no error: treat as a full disk. */
			errno = ENOSPC;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Make a directory's entries durable.  Some file systems refuse fsync on a
 * directory with EINVAL; they have nothing to sync, as PostgreSQL concluded.
 */
static int
fsync_dir(const char *dir, struct jk_err *err)
{
	int fd, e;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_err(err, errno, "cannot open directory '%s'", dir);
	if (fsync(fd) != 0 && errno != EINVAL) {
		e = errno;
		close(fd);
		return jk_errno(err, e, "cannot sync directory '%s'", dir);
	}
	close(fd);
	return 0;
}

/* Read a whole file into b (replaced). */
static int
read_file(const char *path, struct buf *b, struct jk_err *err)
{
	ssize_t r;
	int fd, e;

	buf_reset(b);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return io_err(err, errno, "cannot open '%s'", path);
	for (;;) {
		if (buf_grow(b, 8192) != 0) {
			close(fd);
			return jk_errf(err, JK_ENOMEM, "out of memory reading '%s'", path);
		}
		r = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			close(fd);
			return jk_errno(err, e, "cannot read '%s'", path);
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
		b->data[b->len] = '\0';
	}
	close(fd);
	return 0;
}

static uint64_t
random_u64(void)
{
	struct timespec ts;
	uint64_t v = 0;
	ssize_t r;

	do
		r = getrandom(&v, sizeof v, 0);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof v) {
		/* No getrandom: mix the clock and pid (splitmix64). */
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		v ^= (uint64_t)getpid() << 32;
		v += 0x9e3779b97f4a7c15ULL;
		v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
		v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
		v ^= v >> 31;
	}
	/* Zero reads as "no instance" in a journal header; never hand it out. */
	return v != 0 ? v : 1;
}

/* --- journal.log ------------------------------------------------------------ */

void
inst_log_free(char **paths, size_t n)
{
	size_t i;

	if (paths == NULL)
		return;
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int
inst_log_read(const char *dir, char ***paths, size_t *n, struct jk_err *err)
{
	struct buf text = BUF_INIT;
	char path[PATH_MAX], **v = NULL, **nv;
	const char *p, *end, *nl;
	size_t cnt = 0, cap = 0, len;
	int rc;

	*paths = NULL;
	*n = 0;
	if ((rc = join(path, sizeof path, dir, LOG_NAME, err)) != 0)
		return rc;
	if ((rc = read_file(path, &text, err)) != 0)
		goto out;
	p = buf_str(&text);
	end = p + text.len;
	for (; p < end; p = nl + 1) {
		/* The last line may lack its newline: torn by a crash, still a path. */
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		/*
		 * Blank lines carry nothing.  A line with a NUL byte is the
		 * zero-filled tail some file systems leave after a crash, not a
		 * path.
		 */
		if (len == 0 || memchr(p, '\0', len) != NULL)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[cnt] = strndup(p, len)) == NULL)
			goto nomem;
		cnt++;
	}
	*paths = v;
	*n = cnt;
	v = NULL;
	goto out;
nomem:
	inst_log_free(v, cnt);
	rc = jk_errf(err, JK_ENOMEM, "out of memory reading '%s'", path);
out:
	buf_release(&text);
	return rc;
}

int
inst_log_append(const char *dir, const char *jpath, struct jk_err *err)
{
	struct buf line = BUF_INIT;
	char path[PATH_MAX], last;
	struct stat st;
	ssize_t r;
	int fd, rc, e;

	if (jpath[0] == '\0' || strchr(jpath, '\n') != NULL)
		return jk_errf(err, JK_EUSAGE,
		    "cannot log journal file '%s': a path in %s cannot be empty "
		    "or hold a newline", jpath, LOG_NAME);
	if ((rc = join(path, sizeof path, dir, LOG_NAME, err)) != 0)
		return rc;
	/* Not O_CREAT: the log is part of the instance, made by inst_create. */
	if ((fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC)) < 0)
		return io_err(err, errno, "cannot open '%s'", path);
	if (fstat(fd, &st) != 0) {
		rc = jk_errno(err, errno, "cannot stat '%s'", path);
		goto out;
	}
	if (st.st_size > 0) {
		do
			r = pread(fd, &last, 1, st.st_size - 1);
		while (r < 0 && errno == EINTR);
		if (r != 1) {
			rc = jk_errno(err, r < 0 ? errno : EIO, "cannot read '%s'",
			    path);
			goto out;
		}
		/* Invariant 1: never glue onto a torn line. */
		if (last != '\n' && (rc = buf_addc(&line, '\n')) != 0)
			goto nomem;
	}
	if ((rc = buf_addf(&line, "%s\n", jpath)) != 0)
		goto nomem;
	if (write_all(fd, line.data, line.len) != 0) {
		rc = jk_errno(err, errno, "cannot write '%s'", path);
		goto out;
	}
	if (fsync(fd) != 0) {
		rc = jk_errno(err, errno, "cannot sync '%s'", path);
		goto out;
	}
	goto out;
nomem:
	rc = jk_errf(err, JK_ENOMEM, "out of memory appending to '%s'", path);
out:
	e = errno;
	close(fd);
	errno = e;
	buf_release(&line);
	return rc;
}

/* --- atomic replace ----------------------------------------------------------- */

int
jk_write_file_atomic(const char *path, const void *data, size_t n,
    struct jk_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *slash, *base;
	uint32_t rnd;
	int fd = -1, tries, len, rc;

	slash = strrchr(path, '/');
	base = slash != NULL ? slash + 1 : path;
	if (*base == '\0')
		return jk_errf(err, JK_EUSAGE, "cannot write '%s': no file name",
		    path);
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else if ((size_t)(slash - path) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		return jk_errf(err, JK_ELIMIT, "path too long: '%s'", path);

	/*
	 * The temp file sits next to the target so rename cannot cross file
	 * systems.  open(O_EXCL) with a random name rather than mkstemp: mkstemp
	 * makes the file 0600 regardless of the umask.
	 */
	for (tries = 0; ; tries++) {
		rnd = (uint32_t)random_u64();
		len = snprintf(tmp, sizeof tmp, "%.*s.%s.tmp.%ld.%08" PRIx32,
		    (int)(base - path), path, base, (long)getpid(), rnd);
		if (len < 0 || (size_t)len >= sizeof tmp)
			return jk_errf(err, JK_ELIMIT, "path too long: '%s'", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries == 8)
			return jk_errno(err, errno,
			    "cannot create a temporary file for '%s'", path);
	}

	if (write_all(fd, data, n) != 0) {
		rc = jk_errno(err, errno, "cannot write '%s'", tmp);
		goto out_unlink;
	}
	if (fsync(fd) != 0) {
		rc = jk_errno(err, errno, "cannot sync '%s'", tmp);
		goto out_unlink;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0) {
		rc = jk_errno(err, errno, "cannot write '%s'", tmp);
		goto out_unlink;
	}
	if (rename(tmp, path) != 0) {
		rc = jk_errno(err, errno, "cannot rename '%s' to '%s'", tmp, path);
		goto out_unlink;
	}
	/* The rename is only durable once the directory entry is. */
	return fsync_dir(dir, err);

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}
