/*
 * gtmx.h - reading the simple journal extract of GT.M and YottaDB
 * (mupip journal -extract, labels GDSJEX07 and YDBJEX08, M mode) as a
 * record source (cvt.h), so that it can be written as jrnkit journal files
 * (cvt_to_journal) or applied (cvt_apply).
 *
 * The extract is a label line, then one line a record, fields separated by
 * backslashes, the record type first:
 *
 *	00 NULL    01 PINI    02 PFIN    03 EOF              counted, skipped
 *	04 KILL    05 SET     10 ZKILL                       updates
 *	   NN\time\tnum\pid\clntpid\token_seq\strm_num\strm_seq\updnum\nodeflags\node[=sarg]
 *	08 TSTART  NN\time\tnum\pid\clntpid\token_seq\strm_num\strm_seq
 *	09 TCOM    NN\time\tnum\pid\clntpid\token_seq\strm_num\strm_seq\partners\tid
 *	06 ZTSTART 07 ZTCOM (NN\time\tnum\pid\clntpid\token[\partners])  fences, as TSTART/TCOM
 *	11 ZTWORM  12 ZTRIG  13 LGTRIG                       trigger records: counted, skipped
 *
 * time is $HOROLOG, "days,seconds" since 1840-12-31 in the local time of
 * the machine that extracted (TZ), converted to microseconds since 1970
 * UTC.  node=sarg is ZWR: ^A(1,"x")="value" with $C() for control bytes;
 * the last field is the rest of the line, so a backslash inside it is data.
 * A transaction is TSTART, updates with its token, TCOM with its token; an
 * update of another token inside it is an error (one region's journal
 * holds a transaction's records together).  UTF-8 mode extracts (label
 * followed by UTF-8) and detail extracts are refused with a message saying
 * how to make a simple M-mode one.
 */
#ifndef JK_GTMX_H
#define JK_GTMX_H

#include <stdint.h>

#include "cvt.h"
#include "err.h"

struct gtmx_stats {
	uint64_t lines;		/* record lines read (not the label) */
	uint64_t sets, kills, zkills;
	uint64_t tstarts, tcommits;
	uint64_t pini, pfin, eof, null;	/* skipped */
	uint64_t triggers;	/* ZTWORM, ZTRIG, LGTRIG: skipped */
};

struct gtmx;

/* Open an extract (the label is checked at the first next).  *out owned: gtmx_close. */
int gtmx_open(const char *path, struct gtmx **out, struct jk_err *err);
void gtmx_close(struct gtmx *x);
/* As a record source (valid while x is open).  Errors read "PATH:LINE: what". */
struct cvt_src gtmx_src(struct gtmx *x);
/* Counts of the current (or last) pass. */
const struct gtmx_stats *gtmx_stats(const struct gtmx *x);
/* The label line ("GDSJEX07" or "YDBJEX08"), "" before it is read. */
const char *gtmx_label(const struct gtmx *x);

/*
 * $HOROLOG "days,seconds[,microseconds]" in local time to microseconds since
 * 1970 UTC.  JK_EFORMAT for anything else (days before 1970 included).
 */
int gtmx_horolog(const char *s, size_t n, uint64_t *us);

#endif
