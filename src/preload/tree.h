/* `uexec run --tree`: what the command line and libuexec-preload.so share.
 *
 * Every process of the tree carries three variables:
 *   LD_PRELOAD        holds libuexec-preload.so, so that each new program
 *                     loads it again and its execs go through libuexec;
 *   UEXEC_TREE_LOG    the file the exec log is appended to (optional);
 *   UEXEC_TREE_MARK   the PID that libuexec last exec'd in, set just before
 *                     the exec. A new program whose mark is not its own PID
 *                     was exec'd by the kernel (a raw system call, libc's
 *                     internal posix_spawn behind system() and popen()).
 */
#ifndef UEXEC_TREE_H
#define UEXEC_TREE_H

#include <sys/types.h>

#define TREE_ENV_PRELOAD "LD_PRELOAD"
#define TREE_ENV_LOG "UEXEC_TREE_LOG"
#define TREE_ENV_MARK "UEXEC_TREE_MARK"
#define TREE_PRELOAD_NAME "libuexec-preload.so"

struct tree_config {
	const char *preload;     /* path of libuexec-preload.so */
	const char *ld_preload;  /* LD_PRELOAD this process started with; NULL: none */
	const char *log;         /* UEXEC_TREE_LOG; NULL: no log */
};

/* envp for a program of the tree: envp's variables with LD_PRELOAD made to
 * hold cfg->preload (kept when it does; else the preload appended, or,
 * when envp has no LD_PRELOAD at all, cfg->ld_preload or the preload
 * alone), UEXEC_TREE_LOG set to cfg->log and UEXEC_TREE_MARK to mark
 * (none when mark is 0). One allocation, freed with free(); NULL with
 * errno ENOMEM. */
char **tree_env(char *const envp[], const struct tree_config *cfg, pid_t mark);

/* Appends "PID PATH\n", or "PID PATH SUFFIX\n", to log with one write on
 * an O_APPEND descriptor, so that the lines of concurrent processes do not
 * interleave. A newline in path is written as '?'. Failures are ignored:
 * the log must not change what the tree does. */
void tree_log(const char *log, pid_t pid, const char *path, const char *suffix);

#endif
