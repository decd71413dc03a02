/* tmpdir.h - temporary directories for the tests. */
#ifndef JK_TESTS_TMPDIR_H
#define JK_TESTS_TMPDIR_H

#include <stddef.h>

/*
 * Make a fresh directory $TMPDIR/tag.XXXXXX (/tmp without TMPDIR), with
 * symlinks resolved, into out.  0, or -1 with errno.
 */
int tu_mkdtemp(char *out, size_t n, const char *tag);
/* Remove dir and everything below it; 0 or -1. */
int tu_rmtree(const char *dir);

#endif
