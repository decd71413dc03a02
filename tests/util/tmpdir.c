/* tmpdir.c - temporary directories for the tests; see tmpdir.h. */
#include "tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
tu_mkdtemp(char *out, size_t n, const char *tag)
{
	const char *base = getenv("TMPDIR");
	char tmpl[PATH_MAX], *real;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (snprintf(tmpl, sizeof tmpl, "%s/%s.XXXXXX", base, tag) >= (int)sizeof tmpl ||
	    mkdtemp(tmpl) == NULL || (real = realpath(tmpl, NULL)) == NULL)
		return -1;
	if (strlen(real) >= n) {
		free(real);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, real, strlen(real) + 1);
	free(real);
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
tu_rmtree(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
