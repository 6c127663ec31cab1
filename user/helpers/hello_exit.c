/*
 * A helper program for the exec tests, built twice with glibc rather than
 * musl: as a static position-independent executable (ET_DYN, no
 * interpreter: the loader must relocate it) and as a plain static one.
 * It checks its arguments and environment arrived, then exits with 42.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *v = getenv("HELLO_EXIT");

	if (argc != 2 || strcmp(argv[1], "arg1") != 0 || !v || strcmp(v, "yes") != 0) {
		fprintf(stderr, "hello_exit: wrong arguments or environment\n");
		return 1;
	}
	printf("hello from %s\n", argv[0]);
	return 42;
}
