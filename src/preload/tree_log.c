/* The exec log of a tree (tree.h): one line per exec, one write per line. */
#include "tree.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void tree_log(const char *log, pid_t pid, const char *path, const char *suffix)
{
	char line[PATH_MAX + 256];
	int fd, len;

	if (!log)
		return;
	len = snprintf(line, sizeof(line), "%ld %s%s%s", (long)pid, path ? path : "?", suffix ? " " : "",
		       suffix ? suffix : "");
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line) - 1)
		len = (int)sizeof(line) - 2;
	for (int i = 0; i < len; i++)
		if (line[i] == '\n')
			line[i] = '?';
	line[len++] = '\n';
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)len) < 0) {
		/* Nothing to do: see tree.h. */
	}
	close(fd);
}
