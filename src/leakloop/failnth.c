// SPDX-License-Identifier: MIT
#include "failnth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ll_failnth_parse(const char *arg, uint32_t *point, bool *sweep)
{
	char *end;
	unsigned long v;

	*point = 0;
	*sweep = false;
	if (strcmp(arg, "sweep") == 0) {
		*sweep = true;
		return 0;
	}
	if (arg[0] < '0' || arg[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v < 1 || v > UINT32_MAX)
		return -1;
	*point = (uint32_t)v;
	return 0;
}

/* failslab skips allocations that may sleep by default (ignore-gfp-wait:
 * Y): fail-nth then reaches only atomic ones, and an exec has almost none.
 * Said, not changed: it is the machine's setting. */
static void warn_ignored(void)
{
	static const char path[] = "/sys/kernel/debug/failslab/ignore-gfp-wait";
	char v[4] = "";
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "leakloop: note: %s: %s (debugfs not mounted?): cannot tell whether "
			"failslab may fail allocations that sleep\n", path, strerror(errno));
		return;
	}
	if (fgets(v, sizeof(v), f) && v[0] == 'Y')
		fprintf(stderr, "leakloop: warning: failslab ignores allocations that may sleep "
			"(%s is Y), so --fail-nth reaches only atomic ones; echo N > %s\n", path, path);
	fclose(f);
}

int ll_failnth_check(void)
{
	if (access(LL_FAIL_NTH_PATH, W_OK) != 0) {
		int e = errno;

		fprintf(stderr, "leakloop: --fail-nth: %s: %s%s\n", LL_FAIL_NTH_PATH, strerror(e),
			e == ENOENT ? " (the kernel has no CONFIG_FAULT_INJECTION)" : "");
		return -1;
	}
	warn_ignored();
	return 0;
}

int ll_failnth_arm(uint32_t n)
{
	char num[16];
	int len = snprintf(num, sizeof(num), "%u", n);
	int fd = open(LL_FAIL_NTH_PATH, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, num, (size_t)len) != len) {
		int e = errno ? errno : EIO;

		close(fd);
		return -e;
	}
	return 0;
}
