/* err.c - error codes and messages; see err.h. */
#include "err.h"

#include <stdio.h>
#include <string.h>

const char *
jk_strerror(int code)
{
	switch (code) {
	case JK_OK:
		return "success";
#define JK_ERR_CASE(name, val, text) case name: return text;
	JK_ERRORS(JK_ERR_CASE)
#undef JK_ERR_CASE
	}
	return "unknown error";
}

void
jk_err_clear(struct jk_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

int
jk_verrf(struct jk_err *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return code;
	err->code = code;
	err->sys_errno = 0;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return code;
}

int
jk_errf(struct jk_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jk_verrf(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int
jk_errno(struct jk_err *err, int sys_errno, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (err == NULL)
		return JK_EIO;
	va_start(ap, fmt);
	jk_verrf(err, JK_EIO, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (n < sizeof err->msg)
		snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(sys_errno));
	err->sys_errno = sys_errno;
	return JK_EIO;
}
