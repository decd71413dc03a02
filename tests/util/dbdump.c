/*
 * dbdump.c - test helper: every node of a database as ZWR lines (dbdump.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db.h"
#include "gref.h"
#include "util/dbdump.h"

void
tu_db_dump(const char *dir, struct buf *out)
{
	struct jk_db *db;
	struct db_txn *t;
	struct jk_key k, next;
	const uint8_t *v;
	size_t vn;
	int rc;

	buf_reset(out);
	if (db_open(dir, DB_RDONLY, &db, NULL) != 0)
		fail_msg("cannot open %s", dir);
	assert_int_equal(db_txn_begin(db, false, &t), 0);
	k.len = 0;
	while ((rc = db_query(t, k.b, k.len, 1, &next)) == 0) {
		assert_int_equal(db_get(t, next.b, next.len, &v, &vn), 0);
		assert_int_equal(zwr_format_line(out, next.b, next.len, v, vn), 0);
		buf_addc(out, '\n');
		k = next;
	}
	assert_int_equal(rc, JK_ENOTFOUND);
	db_txn_abort(t);
	db_close(db);
}
