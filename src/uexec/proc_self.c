#include "proc_self.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int count_maps(size_t *out)
{
	char buf[8192];
	size_t lines = 0;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	/* read(2), not stdio: a FILE buffer would be one more heap object
	 * in the very process being measured. */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	if (n < 0)
		err = -errno;
	close(fd);
	*out = lines;
	return err;
}

static int count_fds(size_t *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	/* The directory stream's own descriptor was listed too. */
	*out = n ? n - 1 : 0;
	return 0;
}

/* Rss of /proc/self/smaps_rollup walks the page tables: exact. statm's
 * resident count comes from per-CPU counters that the kernel (6.2+) sums
 * lazily, so it drifts by a few pages with no change in memory at all,
 * which would read as a leak. */
static int read_rss(size_t *kib)
{
	char buf[4096], *p;
	ssize_t n, got = 0;
	int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	p = strstr(buf, "\nRss:");
	if (!p || sscanf(p + 5, "%zu", kib) != 1)
		return -EIO;
	return 0;
}

int proc_self_read(struct proc_self *p)
{
	int ret;

	memset(p, 0, sizeof(*p));
	ret = count_maps(&p->maps);
	if (!ret)
		ret = count_fds(&p->fds);
	if (!ret)
		ret = read_rss(&p->rss_kib);
	return ret;
}
