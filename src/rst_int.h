/*
 * rst_int.h - what rst_plan.c (plan, check) tells rst.c (the run); not
 * part of the library's interface.
 */
#ifndef JK_RST_INT_H
#define JK_RST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jrn/format.h"
#include "rst.h"

/*
 * A place in the stream: file index in plan.files, byte offset in it.  In
 * a cluster plan's merged stream (clu_merge) places are ordered by ord
 * instead, the record's number in the stream from 1 (a place just after
 * record k is ord k + 1, the same place as record k + 1 wherever that
 * is); 0 everywhere else.
 */
struct rst_pos {
	size_t fi;
	uint64_t off;
	uint64_t ord;
};

static inline int
rst_pos_cmp(struct rst_pos a, struct rst_pos b)
{
	if (a.ord != b.ord)
		return a.ord < b.ord ? -1 : 1;
	if (a.ord != 0)
		return 0;
	if (a.fi != b.fi)
		return a.fi < b.fi ? -1 : 1;
	return a.off < b.off ? -1 : a.off > b.off;
}

/* A start or stop point resolved: markers and the last restore become locations. */
struct rst_bound {
	enum rst_point_kind kind;	/* RST_EDGE, RST_LOCATION, RST_TIME or RST_SEQ */
	struct rst_pos pos;
	uint64_t time_us;
	uint64_t seq;
};

/* Whether record r, at pos, is at or past bound b (rst.h, WHICH RECORDS); an edge never is. */
static inline bool
rst_bound_past(const struct rst_bound *b, const struct jrn_rec *r, struct rst_pos pos)
{
	switch (b->kind) {
	case RST_LOCATION:
		return rst_pos_cmp(pos, b->pos) >= 0;
	case RST_TIME:
		return r->time_us >= b->time_us;
	case RST_SEQ:
		return r->seq != 0 && r->seq >= b->seq;
	default:
		return false;
	}
}

/* Whether r is part of transaction txid being read (database maps are nobody's). */
static inline bool
rst_tx_owns(uint64_t txid, const struct jrn_rec *r)
{
	if (r->txid != txid)
		return false;
	if (r->type == JRN_TBEGIN || r->type == JRN_TCOMMIT || r->type == JRN_TROLLBACK)
		return true;
	return jrn_type_is_update(r->type) && (r->flags & JRN_F_TX);
}

/* rst_plan_check, and the points it resolved. */
int rst_resolve(const struct rst_plan *p, struct rst_bound *start, struct rst_bound *stop,
    struct jk_err *err);

/*
 * The same for a reader of the range that writes nothing (cvt.h): the
 * files, the database list and patterns (the targets need not exist here),
 * the points.  No instance is needed but for a start at the last restore.
 */
int rst_resolve_range(const struct rst_plan *p, struct rst_bound *start, struct rst_bound *stop,
    struct jk_err *err);

/* Index of path in f (by path, else by file name), or -1. */
long rst_files_find(const struct rst_files *f, const char *path);

#endif
