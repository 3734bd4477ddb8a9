// SPDX-License-Identifier: MIT
/*
 * A deliberate kernel-memory leak for leakloop's tests: every run creates a
 * SysV semaphore set and never removes it. The kernel keeps the set (and its
 * sem_array allocation from newary()) until IPC_RMID, so it grows by one set
 * per run, exactly the pattern a leak shows.
 */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>

int main(void)
{
	if (semget(IPC_PRIVATE, 1, IPC_CREAT | 0600) < 0) {
		perror("semget");
		return 1;
	}
	return 0;
}
