// SPDX-License-Identifier: MIT
/*
 * Reproducer of bugs/watch-queue.patch (3d8dcf278b1e): one watch on the
 * user session keyring through a notification pipe, removed by closing
 * the pipe.  The watch is freed in an RCU callback (free_watch()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/ioctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* <linux/watch_queue.h> drags in <linux/fcntl.h>, which clashes with glibc's. */
#define O_NOTIFICATION_PIPE 0200 /* O_EXCL */
#define IOC_WATCH_QUEUE_SET_SIZE _IO('W', 0x60)

int main(void)
{
	int p[2];

	if (pipe2(p, O_NOTIFICATION_PIPE) != 0) {
		fprintf(stderr, "watch-queue: pipe2(O_NOTIFICATION_PIPE): %s\n", strerror(errno));
		return 2;
	}
	if (ioctl(p[0], IOC_WATCH_QUEUE_SET_SIZE, 256) != 0) {
		fprintf(stderr, "watch-queue: IOC_WATCH_QUEUE_SET_SIZE: %s\n", strerror(errno));
		return 2;
	}
	if (syscall(SYS_keyctl, KEYCTL_WATCH_KEY, KEY_SPEC_USER_SESSION_KEYRING, p[0], 0x01) != 0) {
		fprintf(stderr, "watch-queue: KEYCTL_WATCH_KEY: %s\n", strerror(errno));
		return 2;
	}
	close(p[0]);
	close(p[1]);
	return 0;
}
