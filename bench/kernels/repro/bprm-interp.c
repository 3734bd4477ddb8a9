// SPDX-License-Identifier: MIT
/*
 * Reproducer of bugs/bprm-interp.patch: one execve of a "#!" script.
 * load_script() sets bprm->interp to a kstrdup() of the interpreter path;
 * free_bprm() must free it.  The script is made here (in /tmp) so the
 * reproducer needs nothing but a shell-free interpreter: itself.
 *   bprm-interp            make /tmp/bprm-interp.sh, execve it once
 *   bprm-interp --child    what the script runs: exit 0
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCRIPT "/tmp/bprm-interp.sh"

int main(int argc, char **argv)
{
	char self[256], text[320];
	ssize_t n;
	int fd, len;

	if (argc > 1 && strcmp(argv[1], "--child") == 0)
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		perror("bprm-interp: /proc/self/exe");
		return 2;
	}
	self[n] = '\0';
	len = snprintf(text, sizeof(text), "#!%s --child\n", self);
	fd = open(SCRIPT ".tmp", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, text, (size_t)len) != len || close(fd) != 0 ||
	    rename(SCRIPT ".tmp", SCRIPT) != 0) {
		fprintf(stderr, "bprm-interp: %s: %s\n", SCRIPT, strerror(errno));
		return 2;
	}
	execl(SCRIPT, SCRIPT, (char *)NULL);
	fprintf(stderr, "bprm-interp: execve %s: %s\n", SCRIPT, strerror(errno));
	return 2;
}
