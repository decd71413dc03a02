/* cli.c - see cli.h. */
#include "ui/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *prog = "jrnkit";

void
cli_set_prog(const char *name)
{
	prog = name;
}

const char *
cli_prog(void)
{
	return prog;
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_usage(const char *text, const char *why, int code)
{
	if (why != NULL)
		cli_warn("%s", why);
	fputs(text, stderr);
	return code;
}

int
cli_push(char ***v, size_t *n, char *s)
{
	char **x = realloc(*v, (*n + 1) * sizeof *x);

	if (x == NULL)
		return -1;
	x[(*n)++] = s;
	*v = x;
	return 0;
}

const char *
cli_instance(const char *opt)
{
	const char *d = opt != NULL ? opt : getenv("JRNKIT_HOME");

	return d != NULL && *d != '\0' ? d : NULL;
}
