/*
 * dbdump.h - test helper: every node of a database as ZWR lines.
 */
#ifndef JK_TESTS_DBDUMP_H
#define JK_TESTS_DBDUMP_H

#include "buf.h"

/* The nodes of the database in dir, in collation order, "ref=value\n" each, into out (replaced); fails the test when it cannot be read. */
void tu_db_dump(const char *dir, struct buf *out);

#endif
