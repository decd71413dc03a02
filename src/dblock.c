/* dblock.c - restore.lock, one counted lock per database and process; see dblock.h. */
#include "dblock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"

struct lockent {
	struct lockent *next;
	char *path;		/* canonical database directory */
	pid_t pid;
	int fd;
	unsigned shared;	/* holds of each kind */
	unsigned exclusive;
};

struct dblock {
	struct lockent *e;
	bool exclusive;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static struct lockent *reg;

/*
 * fork(): the child must not keep its parent's locks alive through the
 * descriptors it inherits, so it closes them.  The entries stay (with
 * fd -1 and the parent's pid, which no lookup matches) so that a hold the
 * child inherited can still be given back.
 */
static void
fork_prepare(void)
{
	pthread_mutex_lock(&reg_mu);
}

static void
fork_parent(void)
{
	pthread_mutex_unlock(&reg_mu);
}

static void
fork_child(void)
{
	struct lockent *e;

	for (e = reg; e != NULL; e = e->next) {
		if (e->fd >= 0)
			close(e->fd);
		e->fd = -1;
	}
	pthread_mutex_unlock(&reg_mu);
}

static void
reg_init(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

static int
refused(struct jk_err *err, const char *canon, bool exclusive)
{
	if (exclusive)
		return jk_errf(err, JK_ELOCKED,
		    "database %s is in use: another process is writing to it or restoring it", canon);
	return jk_errf(err, JK_ELOCKED,
	    "database %s is being restored by another process; try again when the restore is done",
	    canon);
}

int
dblock_open(const char *canon, bool exclusive, struct dblock **out, struct jk_err *err)
{
	char path[4200];
	struct lockent *e;
	struct dblock *l;
	pid_t pid = getpid();
	int rc = 0, fd;

	*out = NULL;
	pthread_once(&reg_once, reg_init);
	if ((l = calloc(1, sizeof *l)) == NULL)
		return jk_errf(err, JK_ENOMEM, "out of memory");
	pthread_mutex_lock(&reg_mu);
	for (e = reg; e != NULL; e = e->next)
		if (e->pid == pid && strcmp(e->path, canon) == 0)
			break;
	if (e == NULL) {
		snprintf(path, sizeof path, "%s%s%s", canon,
		    canon[0] != '\0' && canon[strlen(canon) - 1] == '/' ? "" : "/", DBLOCK_FILE);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0) {
			rc = jk_errno(err, errno, "cannot open '%s'", path);
			goto out;
		}
		if (jk_lock_byte(fd, 0, exclusive ? F_WRLCK : F_RDLCK, false) != 0) {
			rc = errno == EAGAIN || errno == EACCES ? refused(err, canon, exclusive) :
			    jk_errno(err, errno, "cannot lock '%s'", path);
			close(fd);
			goto out;
		}
		if ((e = calloc(1, sizeof *e)) == NULL || (e->path = strdup(canon)) == NULL) {
			free(e);
			close(fd);
			rc = jk_errf(err, JK_ENOMEM, "out of memory");
			goto out;
		}
		e->pid = pid;
		e->fd = fd;
		e->next = reg;
		reg = e;
	} else if (exclusive && e->exclusive == 0 && jk_lock_byte(e->fd, 0, F_WRLCK, false) != 0) {
		/* A record lock that cannot be upgraded stays as it was. */
		rc = errno == EAGAIN || errno == EACCES ? refused(err, canon, true) :
		    jk_errno(err, errno, "cannot lock %s%s", canon, DBLOCK_FILE);
		goto out;
	}
	if (exclusive)
		e->exclusive++;
	else
		e->shared++;
	l->e = e;
	l->exclusive = exclusive;
	*out = l;
	l = NULL;
out:
	pthread_mutex_unlock(&reg_mu);
	free(l);
	return rc;
}

void
dblock_close(struct dblock *l)
{
	struct lockent *e, **pp;

	if (l == NULL)
		return;
	e = l->e;
	pthread_mutex_lock(&reg_mu);
	if (l->exclusive)
		e->exclusive--;
	else
		e->shared--;
	if (e->exclusive == 0 && e->shared == 0) {
		for (pp = &reg; *pp != NULL; pp = &(*pp)->next)
			if (*pp == e) {
				*pp = e->next;
				break;
			}
		if (e->fd >= 0)
			close(e->fd);
		free(e->path);
		free(e);
	} else if (e->exclusive == 0 && l->exclusive && e->fd >= 0) {
		jk_lock_byte(e->fd, 0, F_RDLCK, false);	/* back to shared, in place */
	}
	pthread_mutex_unlock(&reg_mu);
	free(l);
}
