#include "sys.h"
#include "counter.h"
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Descriptors the engine holds, across threads. */
static counter_t open_fds, peak_fds;

int sys_openat(int dirfd, const char *path, int flags)
{
	int fd;

	if (fault_should_fail(FAULT_OPEN)) {
		errno = ENOMEM;
		return -1;
	}
	fd = openat(dirfd, path, flags | O_CLOEXEC);
	if (fd >= 0)
		counter_add(&open_fds, 1, &peak_fds);
	return fd;
}

void sys_close(int fd)
{
	if (fd < 0)
		return;
	close(fd);
	counter_sub(&open_fds, 1);
}

int sys_dup_cloexec(int fd)
{
	int nfd;

	if (fault_should_fail(FAULT_OPEN)) {
		errno = EMFILE;
		return -1;
	}
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (nfd >= 0)
		counter_add(&open_fds, 1, &peak_fds);
	return nfd;
}

int sys_memfd(const char *name, unsigned flags, const void *buf, size_t len)
{
	size_t done = 0;
	int fd, e;

	if (fault_should_fail(FAULT_OPEN)) {
		errno = EMFILE;
		return -1;
	}
	fd = memfd_create(name, flags);
	if (fd < 0)
		return -1;
	counter_add(&open_fds, 1, &peak_fds);
	while (done < len) {
		ssize_t w = write(fd, (const char *)buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	return fd;
fail:
	e = errno ? errno : EIO;
	sys_close(fd);
	errno = e;
	return -1;
}

void sys_disown(int fd)
{
	if (fd >= 0)
		counter_sub(&open_fds, 1);
}

ssize_t sys_pread_full(int fd, void *buf, size_t n, off_t off)
{
	size_t done = 0;

	if (fault_should_fail(FAULT_READ)) {
		errno = EIO;
		return -1;
	}
	while (done < n) {
		ssize_t r = pread(fd, (char *)buf + done, n - done, off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fault_should_fail(FAULT_MMAP)) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return mmap(addr, len, prot, flags, fd, off);
}

int sys_mprotect(void *addr, size_t len, int prot)
{
	if (fault_should_fail(FAULT_MPROTECT)) {
		errno = ENOMEM;
		return -1;
	}
	return mprotect(addr, len, prot);
}

size_t sys_open_fds(void)
{
	return counter_read(&open_fds);
}

size_t sys_peak_fds(void)
{
	return counter_read(&peak_fds);
}
