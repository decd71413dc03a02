/* jrnkit.c - the jrnkit command (filled in as the library grows). */
#include <stdio.h>

int
main(void)
{
	fputs("usage: jrnkit [-I dir] [-d dir] command [args]\n", stderr);
	return 2;
}
