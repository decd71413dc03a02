/*
 * menudir.c - where the menu files are, and loading one by name (menu.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "ui/menu.h"

#ifndef JRNKIT_MENUDIR
#define JRNKIT_MENUDIR "/usr/local/share/jrnkit/menus"
#endif

static bool
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int
menu_dir(struct buf *out, struct jk_err *err)
{
	const char *env = getenv("JRNKIT_MENUS");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	buf_reset(out);
	if (env != NULL && env[0] != '\0') {
		if (!is_dir(env))
			return jk_errf(err, JK_ENOTFOUND, "JRNKIT_MENUS=%s: not a directory", env);
		return buf_adds(out, env) != 0 ? jk_errf(err, JK_ENOMEM, "out of memory") : 0;
	}
	/* Beside the program: BIN/../share/jrnkit/menus (installed), then the source tree's. */
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if (buf_addf(out, "%s/../share/jrnkit/menus", exe) != 0)
				return jk_errf(err, JK_ENOMEM, "out of memory");
			if (is_dir(buf_str(out)))
				return 0;
			buf_reset(out);
		}
	}
#ifdef JRNKIT_SRCMENUS
	if (is_dir(JRNKIT_SRCMENUS))
		return buf_adds(out, JRNKIT_SRCMENUS) != 0 ? jk_errf(err, JK_ENOMEM, "out of memory") : 0;
#endif
	if (is_dir(JRNKIT_MENUDIR))
		return buf_adds(out, JRNKIT_MENUDIR) != 0 ? jk_errf(err, JK_ENOMEM, "out of memory") : 0;
	return jk_errf(err, JK_ENOTFOUND,
	    "no menu files: %s is missing (set JRNKIT_MENUS to the menus directory)", JRNKIT_MENUDIR);
}

int
menu_open(const char *name, const struct menu_binds *b, struct menu_file **out, struct jk_err *err)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;
	int rc;

	if ((rc = menu_dir(&dir, err)) != 0)
		goto out;
	if (buf_addf(&path, "%s/%s.yaml", buf_str(&dir), name) != 0) {
		rc = jk_errf(err, JK_ENOMEM, "out of memory");
		goto out;
	}
	rc = menu_file_load(buf_str(&path), b, out, err);
out:
	buf_release(&dir);
	buf_release(&path);
	return rc;
}
