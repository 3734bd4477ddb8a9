// SPDX-License-Identifier: MIT
/*
 * Deliberate kernel-memory leaks for leakloop's tests. Every run creates a
 * SysV IPC object and never removes it; the kernel keeps it until IPC_RMID,
 * so it grows by one per run, exactly the pattern a leak shows.
 *   semleak       a semaphore set (the sem_array from newary())
 *   semleak msg   a message queue holding one message: two allocations per
 *                 run (the msg_queue from newque(), the msg_msg from
 *                 load_msg()), the first pointing to the second, as a
 *                 leaked object holds what it references
 */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "msg") == 0) {
		struct { long type; char text[100]; } m = { 1, "held by its queue" };
		int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

		if (q < 0 || msgsnd(q, &m, sizeof(m.text), IPC_NOWAIT) < 0) {
			perror(q < 0 ? "msgget" : "msgsnd");
			return 1;
		}
		return 0;
	}
	if (semget(IPC_PRIVATE, 1, IPC_CREAT | 0600) < 0) {
		perror("semget");
		return 1;
	}
	return 0;
}
