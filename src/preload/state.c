/* The preload's constructor: where this library is, the tree's settings
 * (kept here because a program may change its own environment before it
 * execs), the libc functions it replaces, and whether this program was
 * exec'd by libuexec or, behind its back, by the kernel. */
#include "preload.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

struct tree_config preload_cfg;
struct real_libc real;

static char self_path[PATH_MAX];
static char *saved_ld_preload, *saved_log;

#define REAL(field, name) (real.field = (__typeof__(real.field))dlsym(RTLD_NEXT, name))

__attribute__((constructor)) static void preload_init(void)
{
	const char *mark = getenv(TREE_ENV_MARK), *v;
	Dl_info self;

	REAL(execve, "execve");
	REAL(execvpe, "execvpe");
	REAL(execveat, "execveat");
	REAL(posix_spawn, "posix_spawn");
	REAL(posix_spawnp, "posix_spawnp");
	REAL(fa_init, "posix_spawn_file_actions_init");
	REAL(fa_destroy, "posix_spawn_file_actions_destroy");
	REAL(fa_addopen, "posix_spawn_file_actions_addopen");
	REAL(fa_addclose, "posix_spawn_file_actions_addclose");
	REAL(fa_adddup2, "posix_spawn_file_actions_adddup2");
	REAL(fa_addchdir, "posix_spawn_file_actions_addchdir_np");
	REAL(fa_addfchdir, "posix_spawn_file_actions_addfchdir_np");
	REAL(fa_addclosefrom, "posix_spawn_file_actions_addclosefrom_np");
	REAL(fa_addtcsetpgrp, "posix_spawn_file_actions_addtcsetpgrp_np");

	if (dladdr((void *)preload_init, &self) && self.dli_fname && strlen(self.dli_fname) < sizeof(self_path))
		strcpy(self_path, self.dli_fname);
	else
		strcpy(self_path, TREE_PRELOAD_NAME);
	preload_cfg.preload = self_path;
	/* Copies: the program may unset or change these before it execs. */
	if ((v = getenv(TREE_ENV_PRELOAD)))
		saved_ld_preload = strdup(v);
	if ((v = getenv(TREE_ENV_LOG)) && *v)
		saved_log = strdup(v);
	preload_cfg.ld_preload = saved_ld_preload;
	preload_cfg.log = saved_log;

	/* libuexec marks the PID it execs in; any other mark (a parent's,
	 * inherited through a fork) or none means the kernel ran us. The
	 * mark is consumed, so that this program's own raw exec, later,
	 * is not mistaken for libuexec's. */
	if (!mark || strtol(mark, NULL, 10) != (long)getpid())
		tree_log(preload_cfg.log, getpid(), (const char *)getauxval(AT_EXECFN), "kernel");
	unsetenv(TREE_ENV_MARK);
}
