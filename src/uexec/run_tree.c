/* `uexec run --tree`: PROG and every program it starts, and they start,
 * exec'd through libuexec. PROG gets libuexec-preload.so in LD_PRELOAD
 * (tree.h), which replaces the libc exec family, posix_spawn and vfork in
 * each program of the tree; --tree-log FILE collects one line per exec. */
#include "run_tree.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* dir/rel into out, when it fits and can be read. */
static int try_at(char *out, size_t size, const char *dir, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", dir, rel);

	return n > 0 && (size_t)n < size && access(out, R_OK) == 0;
}

/* $UEXEC_PRELOAD; next to the uexec binary; the build tree's
 * src/preload/; the install's libdir/uexec/, found from bindir. */
static int find_preload(char *out, size_t size)
{
	char exe[PATH_MAX], rel[PATH_MAX], *slash;
	const char *env = getenv("UEXEC_PRELOAD");
	ssize_t n;
	size_t len = 0;

	if (env && *env)
		return access(env, R_OK) == 0 && realpath(env, out) ? 0 : -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (try_at(out, size, exe, TREE_PRELOAD_NAME) || try_at(out, size, exe, "../preload/" TREE_PRELOAD_NAME))
		return 0;
	if (UEXEC_LIBDIR[0] == '/')
		return try_at(out, size, UEXEC_LIBDIR "/uexec", TREE_PRELOAD_NAME) ? 0 : -1;
	/* One ".." per component of bindir, then libdir. */
	rel[0] = '\0';
	for (const char *p = UEXEC_BINDIR; len < sizeof(rel) - 4; p = strchr(p, '/') + 1) {
		len += (size_t)snprintf(rel + len, sizeof(rel) - len, "../");
		if (!strchr(p, '/'))
			break;
	}
	if ((size_t)snprintf(rel + len, sizeof(rel) - len, "%s/uexec/%s", UEXEC_LIBDIR, TREE_PRELOAD_NAME) >=
	    sizeof(rel) - len)
		return -1;
	return try_at(out, size, exe, rel) ? 0 : -1;
}

int run_tree_setup(struct run_tree *t, const char *log)
{
	char real[PATH_MAX];

	memset(t, 0, sizeof(*t));
	if (find_preload(t->preload, sizeof(t->preload)) < 0) {
		fprintf(stderr, "uexec run: --tree: cannot find %s (next to uexec, in its install libdir/uexec, "
			"or as $UEXEC_PRELOAD)\n", TREE_PRELOAD_NAME);
		return -1;
	}
	if (realpath(t->preload, real))
		snprintf(t->preload, sizeof(t->preload), "%s", real);
	t->cfg.preload = t->preload;
	if (log) {
		/* The tree changes directories: the log's path must not
		 * depend on where. */
		if (log[0] == '/') {
			snprintf(t->log, sizeof(t->log), "%s", log);
		} else if (!getcwd(real, sizeof(real)) ||
			   (size_t)snprintf(t->log, sizeof(t->log), "%s/%s", real, log) >= sizeof(t->log)) {
			fprintf(stderr, "uexec run: --tree-log %s: %s\n", log, strerror(errno ? errno : ENAMETOOLONG));
			return -1;
		}
		t->cfg.log = t->log;
	}
	return 0;
}
