/*
 * jrnresto - restore globals from journal files (jrnresto(8)): the
 * dialogue of spec/dialogues.md section 2 with no arguments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "resto.h"

/* "jrnresto: message" on stderr. */
static void
warnx(const char *fmt, ...)
{
	va_list ap;

	fputs("jrnresto: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	const char *inst = getenv("JRNKIT_HOME");
	struct jk_err e;
	struct ui ui;
	int c, rc;

	while ((c = getopt(argc, argv, "I:")) != -1) {
		switch (c) {
		case 'I':
			inst = optarg;
			break;
		default:
			fputs("usage: jrnresto [-I dir]\n", stderr);
			return 2;
		}
	}
	if (inst == NULL || *inst == '\0') {
		warnx("no instance: give -I DIR or set JRNKIT_HOME");
		return 2;
	}
	jk_err_clear(&e);
	if (ui_init(&ui, stdin, stdout, 0) != 0) {
		warnx("out of memory");
		return 1;
	}
	rc = resto_dialogue(&ui, inst, &e);
	ui_release(&ui);
	if (rc < 0) {
		warnx("%s", e.msg);
		return 1;
	}
	return 0;
}
