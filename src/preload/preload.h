/* libuexec-preload.so: the libc exec family, posix_spawn and vfork
 * replaced, so that every exec of a process tree goes through libuexec
 * (`uexec run --tree`). Each file one job:
 *   state.c          the constructor: this library's path, the tree's
 *                    settings, the real libc functions, kernel-exec check;
 *   exec.c           execve ... execveat: one exec through libuexec, or
 *                    the kernel when libuexec cannot (fallback);
 *   spawn.c          posix_spawn, posix_spawnp;
 *   spawn_actions.c  posix_spawn_file_actions_*: the side table;
 *   vfork.c          vfork as fork. */
#ifndef UEXEC_PRELOAD_H
#define UEXEC_PRELOAD_H

#include "tree.h"

#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>

/* The functions this library replaces (everything else is hidden, and
 * libuexec-preload.map exports only these). */
#define PRELOAD_API __attribute__((visibility("default")))

/* Set by the constructor, read-only after. */
extern struct tree_config preload_cfg;

/* The libc functions this library replaces, for the kernel fallback. */
struct real_libc {
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
	int (*posix_spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			   const posix_spawnattr_t *, char *const[], char *const[]);
	int (*posix_spawnp)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			    const posix_spawnattr_t *, char *const[], char *const[]);
	int (*fa_init)(posix_spawn_file_actions_t *);
	int (*fa_destroy)(posix_spawn_file_actions_t *);
	int (*fa_addopen)(posix_spawn_file_actions_t *, int, const char *, int, mode_t);
	int (*fa_addclose)(posix_spawn_file_actions_t *, int);
	int (*fa_adddup2)(posix_spawn_file_actions_t *, int, int);
	int (*fa_addchdir)(posix_spawn_file_actions_t *, const char *);
	int (*fa_addfchdir)(posix_spawn_file_actions_t *, int);
	int (*fa_addclosefrom)(posix_spawn_file_actions_t *, int);
	int (*fa_addtcsetpgrp)(posix_spawn_file_actions_t *, int);
};
extern struct real_libc real;

/* How an exec names its program. */
enum exec_how {
	EXEC_PATH,            /* execve: path as given */
	EXEC_SEARCH,          /* execvp: PATH search, ENOEXEC runs /bin/sh */
	EXEC_SEARCH_NO_SHELL, /* posix_spawnp: PATH search, ENOEXEC is an error */
	EXEC_AT,              /* execveat, fexecve */
};

struct exec_req {
	enum exec_how how;
	int dirfd;            /* EXEC_AT */
	int flags;            /* EXEC_AT */
	const char *path;
	char *const *argv;
	char *const *envp;
};

/* The exec: returns only on failure, -1 with errno set (execve's
 * contract). Logs "PID PATH" before it jumps. */
int preload_exec(const struct exec_req *r);

/* One recorded file action (spawn_actions.c), applied by spawn.c. */
enum fa_kind { FA_OPEN, FA_CLOSE, FA_DUP2, FA_CHDIR, FA_FCHDIR, FA_CLOSEFROM, FA_TCSETPGRP };
struct fa_action {
	enum fa_kind kind;
	int fd, newfd, oflag;
	mode_t mode;
	char *path;           /* FA_OPEN, FA_CHDIR */
};

/* A copy of the actions recorded for fa (NULL fa: none, *n = 0), for a
 * child to apply; free with free(). Returns -1 when fa was never
 * initialized through this library (the caller then falls back to libc's
 * posix_spawn), ENOMEM as -2. */
int spawn_actions_copy(const posix_spawn_file_actions_t *fa, struct fa_action **out, size_t *n);

#endif
