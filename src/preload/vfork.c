/* vfork() as fork(). A vfork child shares its parent's memory until it
 * execs, and libuexec's exec happens in that memory: it allocates, maps
 * the new program and unmaps the old one, which would be the parent's.
 * So the child gets its own copy; a program may not tell the difference,
 * since POSIX lets a vfork child do nothing but exec or _exit. */
#include "preload.h"

#include <unistd.h>

PRELOAD_API pid_t vfork(void)
{
	return fork();
}
