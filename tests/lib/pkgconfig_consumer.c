/* A program as a user of the installed library writes it: only the public
 * headers, built with `pkg-config --cflags --libs uexec` (test_packaging.sh).
 * Usage: pkgconfig_consumer PROG [ARG...]: becomes PROG found through PATH,
 * or prints the error and exits 127. */
#include <uexec/uexec.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PROG [ARG...]\n", argv[0]);
		return 2;
	}
	uexec_execve(argv[1], argv + 1, environ);
	fprintf(stderr, "pkgconfig_consumer: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
