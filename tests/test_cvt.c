/*
 * test_cvt.c - the common journal format: convert -> read gives the same
 * database for every byte value 0-255 in values and subscripts, through the
 * journal or straight; the file is UTF-8 text; selection (databases,
 * globals, redirection, start and stop) as the restore engine's; bad lines
 * named by file:line with nothing applied; transactions without their
 * commit not applied and reported; cut-short files and later versions
 * refused; records to a journal file that jrnkit reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cvt.h"
#include "jk.h"
#include "jrn/jrn.h"
#include "rst.h"
#include "util/dbdump.h"
#include "util/tmpdir.h"

static char top[4096];
static char inst[4200];
static char dbuser[4200];	/* canonical */

static int
setup(void **state)
{
	struct inst_conf c;
	struct jk_err err;
	struct buf b = BUF_INIT;
	char d[4300];

	(void)state;
	assert_int_equal(tu_mkdtemp(top, sizeof top, "test_cvt"), 0);
	snprintf(inst, sizeof inst, "%s/inst", top);
	jk_err_clear(&err);
	if (jk_init(inst, &err) != 0)
		fail_msg("jk_init: %s", err.msg);
	assert_int_equal(inst_conf_load(inst, &c, NULL), 0);
	c.commit = JK_COMMIT_NONE;
	assert_int_equal(inst_conf_save(inst, &c, NULL), 0);
	snprintf(d, sizeof d, "%s/db/user", inst);
	assert_int_equal(db_canon_path(d, &b, NULL), 0);
	snprintf(dbuser, sizeof dbuser, "%s", buf_str(&b));
	buf_release(&b);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmtree(top);
	return 0;
}

static void
key(struct jk_key *k, const char *ref)
{
	struct jk_err err;
	size_t end;

	if (gref_parse(ref, strlen(ref), k, &end, &err) != 0)
		fail_msg("gref_parse %s: %s", ref, err.msg);
}

static void
keyb(struct jk_key *k, const char *name, const uint8_t *sub, size_t n)
{
	assert_int_equal(gref_key_init(k, name, strlen(name), NULL), 0);
	if (sub != NULL)
		assert_int_equal(gref_key_add(k, sub, n, NULL), 0);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	p = malloc((size_t)len + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	p[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* Whether p[0..n) is UTF-8 text: well-formed, no control bytes but newline. */
static int
utf8_text(const uint8_t *p, size_t n)
{
	size_t i = 0, len, k;

	while (i < n) {
		if (p[i] == '\n' || (p[i] >= 32 && p[i] < 127)) {
			i++;
			continue;
		}
		len = p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : p[i] >= 0xC2 ? 2 : 0;
		if (len == 0 || p[i] > 0xF4 || i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/* The instance's whole journal, all databases, into out. */
static void
convert_all(const struct cvt_write_opts *o, const char *out, struct cvt_write_result *res)
{
	struct rst_plan p;
	struct jk_err err;

	rst_plan_init(&p);
	jk_err_clear(&err);
	assert_int_equal(rst_plan_set_inst(&p, inst, &err), 0);
	assert_int_equal(rst_files_from_log(&p.files, inst, NULL, 0, &err), 0);
	p.all = true;
	if (cvt_write_plan(&p, o, out, res, &err) != 0)
		fail_msg("cvt_write_plan: %s", err.msg);
	rst_plan_release(&p);
}

/* Apply the common-format file at path; returns cvt_apply's code, err and res filled. */
static int
read_file(const char *path, struct cvt_apply_opts *o, struct cvt_apply_result *res, struct jk_err *err)
{
	struct cvt_reader *r;
	struct cvt_src src;
	int rc;

	o->inst = inst;
	jk_err_clear(err);
	assert_int_equal(cvt_reader_open(path, &r, err), 0);
	src = cvt_reader_src(r);
	rc = cvt_apply(&src, o, res, err);
	cvt_reader_close(r);
	return rc;
}

/* The workload: every byte in values and subscripts, transactions, every kind of update. */
static void
workload(void)
{
	struct jk_err err;
	struct jk *j;
	struct jk_db *db;
	struct jk_key k;
	struct buf v = BUF_INIT;
	uint8_t all[256], b;
	int i;

	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	jk_err_clear(&err);
	assert_int_equal(jk_open(inst, &j, &err), 0);
	assert_int_equal(jk_db(j, NULL, &db), 0);
	for (i = 0; i < 256; i++) {
		b = (uint8_t)i;
		keyb(&k, "V", NULL, 0);
		assert_int_equal(gref_key_add(&k, (const uint8_t *)"n", 1, NULL), 0);
		buf_reset(&v);
		buf_addf(&v, "%d", i);
		assert_int_equal(gref_key_add(&k, v.data, v.len, NULL), 0);
		assert_int_equal(jk_set(j, db, &k, &b, 1), 0);			/* ^V("n",i)=$C(i) */
		keyb(&k, "S", &b, 1);
		assert_int_equal(jk_set(j, db, &k, all, (size_t)i), 0);		/* ^S($C(i))=bytes 0..i-1 */
	}
	keyb(&k, "ALL", all, 256);
	assert_int_equal(jk_set(j, db, &k, all, 256), 0);
	/* UTF-8, broken UTF-8, quotes, numbers that are not canonical */
	key(&k, "^U(\"é\",\"x\"\"y\")");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3", 10), 0);
	key(&k, "^U(-1.5,\"01\")");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"1E3", 3), 0);
	key(&k, "^U(2)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"-0.5", 4), 0);
	assert_int_equal(jk_tstart(j), 0);
	key(&k, "^T(1)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"one", 3), 0);
	key(&k, "^V(\"n\",5)");
	assert_int_equal(jk_kill(j, db, &k, DB_KILL_TREE), 0);
	assert_int_equal(jk_tstart(j), 0);
	key(&k, "^T(2)");
	assert_int_equal(jk_incr(j, db, &k, (const uint8_t *)"2.5", 3, NULL), 0);
	assert_int_equal(jk_tcommit(j), 0);
	assert_int_equal(jk_tcommit(j), 0);
	key(&k, "^K(1)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"a", 1), 0);
	key(&k, "^K(1,2)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"b", 1), 0);
	key(&k, "^K(3)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"c", 1), 0);
	key(&k, "^K(3,4)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"d", 1), 0);
	key(&k, "^K(1)");
	assert_int_equal(jk_kill(j, db, &k, DB_KILL_NODE), 0);
	key(&k, "^K(3)");
	assert_int_equal(jk_kill(j, db, &k, DB_KILL_DESC), 0);
	key(&k, "^S(\"x\")");
	assert_int_equal(jk_incr(j, db, &k, (const uint8_t *)"7", 1, NULL), 0);
	assert_int_equal(jk_mark(j, 7, "after the workload", NULL), 0);
	jk_close(j);
	buf_release(&v);
}

static void
test_convert_read_round_trip_every_byte(void **state)
{
	struct cvt_write_result wres;
	struct cvt_apply_opts o;
	struct cvt_apply_result res;
	struct jk_err err;
	struct buf want = BUF_INIT, got = BUF_INIT;
	char out[4300], t1[4300], t2[4300], redir[9000];
	char *redirs[1] = { redir };
	char *text;
	size_t n;

	(void)state;
	workload();
	snprintf(out, sizeof out, "%s/all.txt", top);
	convert_all(NULL, out, &wres);
	assert_true(wres.updates >= 520);
	assert_int_equal(wres.tx, 1);
	assert_int_equal(wres.incomplete, 0);
	assert_int_equal(wres.markers, 1);
	text = read_all(out, &n);
	assert_true(utf8_text((const uint8_t *)text, n));
	assert_non_null(strstr(text, "JRNKIT-COMMON 1\n"));
	assert_non_null(strstr(text, "^U(\"é\",\"x\"\"y\")=\"é€😀\"_$C(195)"));
	assert_non_null(strstr(text, "^U(-1.5,\"01\")=\"1E3\""));
	assert_non_null(strstr(text, "KILLDESC "));
	assert_non_null(strstr(text, "\nEND "));
	free(text);

	tu_db_dump(dbuser, &want);
	/* straight into a fresh database, and through the journal into another */
	snprintf(t1, sizeof t1, "%s/t1", top);
	snprintf(t2, sizeof t2, "%s/t2", top);
	assert_int_equal(db_create(t1, NULL), 0);
	assert_int_equal(db_create(t2, NULL), 0);
	memset(&o, 0, sizeof o);
	snprintf(redir, sizeof redir, "%s=%s", dbuser, t1);
	o.redirect = redirs;
	o.nredirect = 1;
	cvt_apply_result_init(&res);
	if (read_file(out, &o, &res, &err) != 0)
		fail_msg("read: %s", err.msg);
	assert_int_equal(res.applied, wres.updates);
	assert_int_equal(res.tx, 1);
	assert_int_equal(res.nincomplete, 0);
	assert_int_equal(res.ntargets, 1);
	tu_db_dump(t1, &got);
	assert_string_equal(buf_str(&got), buf_str(&want));
	snprintf(redir, sizeof redir, "%s=%s", dbuser, t2);
	o.journal = true;
	if (read_file(out, &o, &res, &err) != 0)
		fail_msg("read, journaled: %s", err.msg);
	tu_db_dump(t2, &got);
	assert_string_equal(buf_str(&got), buf_str(&want));
	/* reading again changes nothing: the units are idempotent */
	if (read_file(out, &o, &res, &err) != 0)
		fail_msg("read again: %s", err.msg);
	tu_db_dump(t2, &got);
	assert_string_equal(buf_str(&got), buf_str(&want));
	cvt_apply_result_release(&res);
	buf_release(&want);
	buf_release(&got);
}

static void
test_format_str_reads_back_every_byte(void **state)
{
	struct buf f = BUF_INIT, v = BUF_INIT;
	uint8_t s[64];
	size_t end, n, i, round;
	uint64_t seed = 42;

	(void)state;
	for (round = 0; round < 3000; round++) {
		n = round < 256 ? 1 : (size_t)(seed >> 58);
		for (i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			s[i] = round < 256 ? (uint8_t)round : (uint8_t)(seed >> 56);
		}
		buf_reset(&f);
		assert_int_equal(cvt_format_str(&f, s, n), 0);
		assert_true(utf8_text(f.data, f.len));
		assert_null(memchr(f.data, '\n', f.len));
		assert_int_equal(zwr_parse_value((const char *)f.data, f.len, &v, &end, NULL), 0);
		assert_int_equal(end, f.len);
		assert_int_equal(v.len, n);
		assert_memory_equal(v.data, s, n);
	}
	buf_reset(&f);
	assert_int_equal(cvt_format_str(&f, (const uint8_t *)"", 0), 0);
	assert_string_equal(buf_str(&f), "\"\"");
	buf_reset(&f);
	assert_int_equal(cvt_format_str(&f, (const uint8_t *)"a\"b\x01\xc2\xa0\xc2\x85", 8), 0);
	assert_string_equal(buf_str(&f), "\"a\"\"b\"_$C(1)_\"\xc2\xa0\"_$C(194,133)");
	buf_release(&f);
	buf_release(&v);
}

static const char good_head[] = "JRNKIT-COMMON 1\n# a comment\n\nDIR 1 \"%s\"\n";

/* A file of lines after the header and DIR 1 = the default database, with END counted. */
static void
make_file(const char *path, const char *body, long end)
{
	char text[8192], head[4400];
	const char *p;
	long n = 1;

	snprintf(head, sizeof head, good_head, dbuser);
	for (p = body; *p; p++)
		if (*p == '\n' && p[1] != '\0' && p[1] != '#')
			n++;
	if (body[0] != '\0' && body[0] != '#')
		n++;
	if (end == -2)
		snprintf(text, sizeof text, "%s%s", head, body);
	else
		snprintf(text, sizeof text, "%s%sEND %ld\n", head, body, end >= 0 ? end : n);
	write_file(path, text);
}

#define TM "2026-11-21T02:56:10.5Z 42"

static void
test_bad_lines_are_named_and_nothing_is_applied(void **state)
{
	static const struct {
		const char *body;
		long end;
		const char *want;
		int code;
	} cases[] = {
		{ "SET " TM " - 1 ^A(1)=1\nSET " TM " - 1 ^A(2\n", -1, ":6: column 39: bad global reference", JK_EFORMAT },
		{ "SET " TM " - 1 ^A(1)=1\nBOGUS " TM "\n", -1, ":6: unknown record kind 'BOGUS'", JK_EFORMAT },
		{ "SET 2026-13-01T00:00:00Z 1 - 1 ^A=1\n", -1, ":5: column 5: bad time", JK_EFORMAT },
		{ "SET " TM " - 2 ^A=1\n", -1, ":5: directory 2 is not defined", JK_EFORMAT },
		{ "SET " TM " - 1 ^A=\"x\n", -1, ":5: column 38: bad value: string not terminated", JK_EFORMAT },
		{ "SET " TM " 5 1 ^A=1\n", -1, ":5: an update of transaction 5 outside it", JK_EFORMAT },
		{ "TCOMMIT " TM " 5\n", -1, ":5: TCOMMIT of transaction 5, which is not open", JK_EFORMAT },
		{ "SET " TM " - 1 ^A=1\n", 7, ":6: END counts 7 records, but there are 2", JK_EFORMAT },
		{ "SET " TM " - 1 ^A=1\n", -2, ":5: the file ends without its END line", JK_EFORMAT },
		{ "SET " TM " - 1 ^A=1 \n", -1, ":5: column 39: unexpected text", JK_EFORMAT },
		{ "SET " TM " - 1 ^A=$C(256)\n", -1, ":5: column 41: bad value: character code 256", JK_EFORMAT },
	};
	struct cvt_apply_opts o;
	struct cvt_apply_result res;
	struct jk_err err;
	struct buf before = BUF_INIT, after = BUF_INIT;
	char path[4300];
	size_t i;
	int rc;

	(void)state;
	snprintf(path, sizeof path, "%s/bad.txt", top);
	tu_db_dump(dbuser, &before);
	cvt_apply_result_init(&res);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		make_file(path, cases[i].body, cases[i].end);
		memset(&o, 0, sizeof o);
		o.journal = i % 2 == 0;
		rc = read_file(path, &o, &res, &err);
		if (rc != cases[i].code || strstr(err.msg, cases[i].want) == NULL ||
		    strncmp(err.msg, path, strlen(path)) != 0)
			fail_msg("case %zu: %d '%s', wanted %d '%s'", i, rc, err.msg, cases[i].code, cases[i].want);
		tu_db_dump(dbuser, &after);
		assert_string_equal(buf_str(&after), buf_str(&before));
	}
	/* a last line cut in the middle */
	write_file(path, "JRNKIT-COMMON 1\nSET " TM " - - ^A=1\nEND 1");
	memset(&o, 0, sizeof o);
	assert_int_equal(read_file(path, &o, &res, &err), JK_EFORMAT);
	assert_non_null(strstr(err.msg, ":3: the last line has no newline"));
	write_file(path, "JRNKIT-COMMON 2\nEND 0\n");
	assert_int_equal(read_file(path, &o, &res, &err), JK_EVERSION);
	write_file(path, "^A(1)=2\n");
	assert_int_equal(read_file(path, &o, &res, &err), JK_EFORMAT);
	assert_non_null(strstr(err.msg, ":1: not a jrnkit common journal file"));
	cvt_apply_result_release(&res);
	buf_release(&before);
	buf_release(&after);
}

static void
test_transaction_without_commit_is_reported_not_applied(void **state)
{
	struct cvt_apply_opts o;
	struct cvt_apply_result res;
	struct jk_err err;
	struct buf dump = BUF_INIT;
	char path[4300];
	int journal;

	(void)state;
	snprintf(path, sizeof path, "%s/tx.txt", top);
	make_file(path,
	    "TSTART " TM " 3\n"
	    "SET " TM " 3 1 ^A(1)=\"lost\"\n"
	    "SET " TM " 3 - ^A(2)=\"lost\"\n"
	    "SET " TM " - 1 ^B=1\n"			/* ends transaction 3: incomplete */
	    "TSTART " TM " 4\n"
	    "KILL " TM " 4 1 ^B\n"
	    "SET " TM " 4 1 ^C=\"c\"\n"
	    "TROLLBACK " TM " 4\n"			/* rolled back: nothing of it */
	    "TSTART " TM " 5\n"
	    "SET " TM " 5 1 ^D=\"d\"\n"
	    "TCOMMIT " TM " 5\n"
	    "X-LATER " TM " something new\n"	/* a later kind: skipped */
	    "MARK " TM " 9 \"m\"\n"
	    "TSTART " TM " 6\n"
	    "SET " TM " 6 1 ^E=\"lost\"\n",		/* the end: incomplete */
	    -1);
	for (journal = 0; journal < 2; journal++) {
		memset(&o, 0, sizeof o);
		o.journal = journal;
		cvt_apply_result_init(&res);
		if (read_file(path, &o, &res, &err) != 0)
			fail_msg("read: %s", err.msg);
		assert_int_equal(res.nincomplete, 2);
		assert_int_equal(res.incomplete[0].line, 5);
		assert_int_equal(res.incomplete[0].tx, 3);
		assert_int_equal(res.incomplete[0].updates, 2);
		assert_int_equal(res.incomplete[1].line, 18);
		assert_int_equal(res.incomplete[1].tx, 6);
		assert_int_equal(res.tx, 1);
		assert_int_equal(res.rolledback, 1);
		assert_int_equal(res.markers, 1);
		assert_int_equal(res.applied, 2);
		tu_db_dump(dbuser, &dump);
		assert_string_equal(buf_str(&dump), "^B=1\n^D=\"d\"\n");
		cvt_apply_result_release(&res);
	}
	buf_release(&dump);
}

static void
test_selection_of_databases_globals_and_points(void **state)
{
	struct jk_err err;
	struct jk *j;
	struct jk_db *db, *acct;
	struct jk_key k;
	struct jk_loc loc;
	struct rst_plan p;
	struct cvt_write_opts wo;
	struct cvt_write_result wres;
	char acctdir[4300], out[4300], *text;
	char *globs[1] = { "A*" };
	size_t n;

	(void)state;
	snprintf(acctdir, sizeof acctdir, "%s/acct", top);
	assert_int_equal(db_create(acctdir, NULL), 0);
	jk_err_clear(&err);
	assert_int_equal(jk_open(inst, &j, &err), 0);
	assert_int_equal(jk_db(j, NULL, &db), 0);
	assert_int_equal(jk_db(j, acctdir, &acct), 0);
	key(&k, "^A(0)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"before", 6), 0);
	assert_int_equal(jk_mark(j, 1, "start", &loc), 0);
	key(&k, "^A(1)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"u", 1), 0);
	assert_int_equal(jk_set(j, acct, &k, (const uint8_t *)"a", 1), 0);
	key(&k, "^B(1)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"b", 1), 0);
	assert_int_equal(jk_mark(j, 2, "stop", NULL), 0);
	key(&k, "^A(2)");
	assert_int_equal(jk_set(j, db, &k, (const uint8_t *)"after", 5), 0);
	jk_close(j);

	snprintf(out, sizeof out, "%s/sel.txt", top);
	/* every database, globals A*, from marker 1 to before marker 2 */
	rst_plan_init(&p);
	assert_int_equal(rst_plan_set_inst(&p, inst, &err), 0);
	assert_int_equal(rst_files_from_log(&p.files, inst, NULL, 0, &err), 0);
	p.all = true;
	assert_int_equal(rst_point_parse(&p.start, "marker=1", &err), 0);
	assert_int_equal(rst_point_parse(&p.stop, "marker:stop", &err), 0);
	memset(&wo, 0, sizeof wo);
	wo.globals = globs;
	wo.nglobals = 1;
	if (cvt_write_plan(&p, &wo, out, &wres, &err) != 0)
		fail_msg("convert: %s", err.msg);
	assert_int_equal(wres.updates, 2);
	assert_int_equal(wres.filtered, 1);
	text = read_all(out, &n);
	assert_non_null(strstr(text, "\"start\""));
	assert_null(strstr(text, "before"));
	assert_null(strstr(text, "after"));
	assert_null(strstr(text, "^B"));
	free(text);
	/* one database, redirected to a directory that does not exist here, no directories written */
	rst_plan_release(&p);
	rst_plan_init(&p);
	assert_int_equal(rst_files_from_log(&p.files, inst, NULL, 0, &err), 0);
	assert_int_equal(rst_plan_add_db(&p, acctdir, "/nowhere/else", NULL, 0, &err), 0);
	if (cvt_write_plan(&p, NULL, out, &wres, &err) != 0)
		fail_msg("convert, redirected: %s", err.msg);
	assert_int_equal(wres.updates, 1);
	text = read_all(out, &n);
	assert_non_null(strstr(text, "DIR 1 \"/nowhere/else/\"\n"));
	free(text);
	memset(&wo, 0, sizeof wo);
	wo.no_dirs = true;
	assert_int_equal(cvt_write_plan(&p, &wo, out, &wres, &err), 0);
	text = read_all(out, &n);
	assert_null(strstr(text, "DIR "));
	assert_non_null(strstr(text, " - ^A(1)=\"a\"\n"));
	free(text);
	/* a stop before the start is refused, and nothing is written */
	assert_int_equal(rst_point_parse(&p.start, "marker=2", &err), 0);
	assert_int_equal(rst_point_parse(&p.stop, "marker:start", &err), 0);
	assert_int_not_equal(cvt_write_plan(&p, NULL, out, &wres, &err), 0);
	rst_plan_release(&p);
}

static void
test_read_redirects_and_selects(void **state)
{
	struct cvt_apply_opts o;
	struct cvt_apply_result res;
	struct jk_err err;
	struct buf dump = BUF_INIT;
	char path[4300], other[4300], redir[9000];
	char *redirs[1] = { redir }, *globs[1] = { "A*" };
	char text[9000];

	(void)state;
	snprintf(other, sizeof other, "%s/other", top);
	assert_int_equal(db_create(other, NULL), 0);
	snprintf(path, sizeof path, "%s/sel.txt", top);
	snprintf(text, sizeof text,
	    "JRNKIT-COMMON 1\nDIR 1 \"/srv/elsewhere\"\nDIR 2 \"/srv/skip/\"\n"
	    "SET " TM " - 1 ^A(1)=1\nSET " TM " - 1 ^B(1)=1\nSET " TM " - 2 ^A(2)=2\n"
	    "SET " TM " - - ^Abc=\"nodir\"\nEND 6\n");
	write_file(path, text);
	/* a directory that exists nowhere: refused, naming it */
	memset(&o, 0, sizeof o);
	cvt_apply_result_init(&res);
	assert_int_equal(read_file(path, &o, &res, &err), JK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "No database exists in that directory: /srv/elsewhere/"));
	/* redirected, A* only; /srv/skip/ not selected; no directory: the default */
	snprintf(redir, sizeof redir, "/srv/elsewhere=%s", other);
	o.redirect = redirs;
	o.nredirect = 1;
	o.globals = globs;
	o.nglobals = 1;
	if (read_file(path, &o, &res, &err) != 0)
		fail_msg("read: %s", err.msg);
	assert_int_equal(res.applied, 2);
	assert_int_equal(res.filtered, 1);
	assert_int_equal(res.skipped, 1);
	tu_db_dump(other, &dump);
	assert_string_equal(buf_str(&dump), "^A(1)=1\n");
	tu_db_dump(dbuser, &dump);
	assert_string_equal(buf_str(&dump), "^Abc=\"nodir\"\n");
	/* a dry run counts and writes nothing */
	o.dry_run = true;
	o.globals = NULL;
	o.nglobals = 0;
	if (read_file(path, &o, &res, &err) != 0)
		fail_msg("dry run: %s", err.msg);
	assert_int_equal(res.applied, 3);
	tu_db_dump(other, &dump);
	assert_string_equal(buf_str(&dump), "^A(1)=1\n");
	cvt_apply_result_release(&res);
	buf_release(&dump);
}

static void
test_records_to_a_journal_file_read_by_jrnkit(void **state)
{
	struct cvt_reader *r;
	struct cvt_src src;
	struct cvt_journal_result jr, jr2;
	struct jk_err err;
	struct jrn_verify v;
	struct rst_plan p;
	struct rst_result res;
	struct buf dump = BUF_INIT;
	char path[4300], jdir[4300], tgt[4300];

	(void)state;
	snprintf(path, sizeof path, "%s/tx.txt", top);
	snprintf(jdir, sizeof jdir, "%s/jdir", top);
	snprintf(tgt, sizeof tgt, "%s/tgt", top);
	assert_int_equal(db_create(tgt, NULL), 0);
	make_file(path,
	    "TSTART " TM " 3\nSET " TM " 3 - ^A(1)=\"a\"\nINCR " TM " 3 - 2 ^A(2)=5\nTCOMMIT " TM " 3\n"
	    "SET " TM " - - ^B=\"x\"_$C(0)\nKILLDESC " TM " - - ^A\n", -1);
	assert_int_equal(mkdir(jdir, 0777), 0);
	jk_err_clear(&err);
	assert_int_equal(cvt_reader_open(path, &r, &err), 0);
	src = cvt_reader_src(r);
	if (cvt_to_journal(&src, tgt, jdir, "gt", &jr, &err) != 0)
		fail_msg("to journal: %s", err.msg);
	assert_non_null(strstr(jr.path, "/jdir/gt20261121.001"));
	assert_int_equal(jr.updates, 4);
	assert_int_equal(jr.tx, 1);
	/* a second file follows it, named after it and linked to it */
	if (cvt_to_journal(&src, tgt, jdir, "gt", &jr2, &err) != 0)
		fail_msg("to journal, again: %s", err.msg);
	assert_non_null(strstr(jr2.path, "/jdir/gt20261121.002"));
	cvt_reader_close(r);
	assert_int_equal(jrn_verify_file(jr.path, &v, &err), 0);
	assert_true(v.closed);
	assert_int_equal(v.by_type[JRN_DBMAP], 1);
	/* restored as any journal is */
	rst_plan_init(&p);
	assert_int_equal(rst_plan_set_inst(&p, inst, &err), 0);
	assert_int_equal(rst_files_from_dirs(&p.files, "gt", (char *[]){ jdir }, 1, &err), 0);
	assert_int_equal(p.files.n, 2);
	p.all = true;
	rst_result_init(&res);
	if (rst_run(&p, NULL, &res) != 0)
		fail_msg("restore: %s", res.err.msg);
	assert_int_equal(res.applied, 8);
	tu_db_dump(tgt, &dump);
	assert_string_equal(buf_str(&dump), "^B=\"x\"_$C(0)\n");
	rst_result_release(&res);
	rst_plan_release(&p);
	buf_release(&dump);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_convert_read_round_trip_every_byte),
		T(test_format_str_reads_back_every_byte),
		T(test_bad_lines_are_named_and_nothing_is_applied),
		T(test_transaction_without_commit_is_reported_not_applied),
		T(test_selection_of_databases_globals_and_points),
		T(test_read_redirects_and_selects),
		T(test_records_to_a_journal_file_read_by_jrnkit),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
