/* A program as a user of the installed library writes it: only the public
 * headers, built with `pkg-config --cflags --libs uexec` (test_packaging.sh).
 * Usage: pkgconfig_consumer PROG [ARG...]: prepares PROG (searched in PATH)
 * once with options and releases it, then becomes it (uexec_execvp), or
 * prints the error and exits 127. */
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
	struct uexec_image *img;
	char diag[256];
	struct uexec_options opt = UEXEC_OPTIONS_INIT;
	int ret;

	opt.diag = diag;
	opt.diag_size = sizeof(diag);
	ret = uexec_prepare_search(argv[1], NULL, 0, argv + 1, environ, &opt, &img);
	if (ret < 0) {
		fprintf(stderr, "pkgconfig_consumer: %s: %s: %s\n", argv[1], strerror(-ret), diag);
		return 127;
	}
	uexec_release(img);
	uexec_execvp(argv[1], argv + 1);
	fprintf(stderr, "pkgconfig_consumer: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
