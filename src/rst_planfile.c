/*
 * rst_planfile.c - plan files (rst.h).  Placeholder until the plan-file
 * reader and writer land: every call says plan files are not supported yet.
 */
#include "rst.h"

int
rst_plan_parse(struct rst_plan *p, const char *name, const char *text, size_t len,
    struct jk_err *err)
{
	(void)p; (void)text; (void)len;
	return jk_errf(err, JK_EUSAGE, "%s: plan files are not supported yet", name);
}

int
rst_plan_load(struct rst_plan *p, const char *path, struct jk_err *err)
{
	return rst_plan_parse(p, path, "", 0, err);
}

int
rst_plan_write(const struct rst_plan *p, struct buf *out)
{
	(void)p; (void)out;
	return JK_EUSAGE;
}

int
rst_plan_save(const struct rst_plan *p, const char *path, struct jk_err *err)
{
	(void)p;
	return jk_errf(err, JK_EUSAGE, "%s: plan files are not supported yet", path);
}
