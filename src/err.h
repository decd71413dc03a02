/*
 * err.h - jrnkit error codes and the message buffer that carries detail.
 *
 * Every library function returns 0 on success or one of the negative codes
 * below.  Detail (what failed, and where: file, offset, line, column) goes in
 * a struct jk_err that the caller owns, usually embedded in a handle.  For
 * JK_EIO the errno of the failing call is kept in jk_err.sys_errno as well.
 * The library never prints: programs print jk_err.msg.
 */
#ifndef JK_ERR_H
#define JK_ERR_H

#include <stdarg.h>

/* code, value, short text.  Values are never reused. */
#define JK_ERRORS(X)                                              \
	X(JK_EIO,       -1,  "input/output error")                \
	X(JK_ENOMEM,    -2,  "out of memory")                     \
	X(JK_EFORMAT,   -3,  "bad format")                        \
	X(JK_ECORRUPT,  -4,  "corrupt data")                      \
	X(JK_ETORN,     -5,  "torn tail")                         \
	X(JK_EUSAGE,    -6,  "invalid argument")                  \
	X(JK_ENOTFOUND, -7,  "not found")                         \
	X(JK_ELOCKED,   -8,  "locked")                            \
	X(JK_ELIMIT,    -9,  "limit exceeded")                    \
	X(JK_EVERSION,  -10, "unsupported format version")        \
	X(JK_EEXIST,    -11, "already exists")                    \
	X(JK_ESTATE,    -12, "not allowed in this state")         \
	X(JK_EDB,       -13, "database error")

enum jk_code {
	JK_OK = 0,
#define JK_ERR_ENUM(name, val, text) name = val,
	JK_ERRORS(JK_ERR_ENUM)
#undef JK_ERR_ENUM
};

#define JK_ERR_MSG_MAX 1024

struct jk_err {
	int code;                  /* last error code, 0 if none */
	int sys_errno;             /* errno for JK_EIO, else 0 */
	char msg[JK_ERR_MSG_MAX];  /* "what failed: detail", no trailing newline */
};

/* Short text for a code; never NULL. */
const char *jk_strerror(int code);

/* Clear err (code 0, empty message). */
void jk_err_clear(struct jk_err *err);

/*
 * Record an error and return code, so callers can write
 *	return jk_errf(err, JK_ECORRUPT, "checksum mismatch at offset %llu of %s", ...);
 * err may be NULL (the detail is then dropped).
 */
int jk_errf(struct jk_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int jk_verrf(struct jk_err *err, int code, const char *fmt, va_list ap);

/* JK_EIO with errno appended: "cannot open '/x': No such file or directory". */
int jk_errno(struct jk_err *err, int sys_errno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
