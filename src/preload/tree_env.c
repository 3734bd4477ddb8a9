/* The environment each exec of the tree passes on (tree.h). */
#include "tree.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_var(const char *kv, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(kv, name, n) && kv[n] == '=';
}

/* Does an LD_PRELOAD value (entries split by ':' or ' ', as ld.so splits
 * them) already load the preload? Matched by file name, so that the same
 * library under another path counts. */
static bool loads_preload(const char *list)
{
	size_t n = strlen(TREE_PRELOAD_NAME);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ": ");
		const char *base = p;

		for (const char *q = p; q < p + len; q++)
			if (*q == '/')
				base = q + 1;
		if ((size_t)(p + len - base) == n && !strncmp(base, TREE_PRELOAD_NAME, n))
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

char **tree_env(char *const envp[], const struct tree_config *cfg, pid_t mark)
{
	const char *theirs = NULL;
	size_t n = 0, kept = 0, bytes, strings;
	char **v, *s;
	char markbuf[24] = "";

	for (size_t i = 0; envp && envp[i]; i++) {
		if (is_var(envp[i], TREE_ENV_PRELOAD))
			theirs = envp[i] + sizeof(TREE_ENV_PRELOAD);
		n++;
	}
	if (mark)
		snprintf(markbuf, sizeof(markbuf), "%ld", (long)mark);
	/* LD_PRELOAD=theirs:preload, LD_PRELOAD=saved, or LD_PRELOAD=preload;
	 * UEXEC_TREE_LOG=log; UEXEC_TREE_MARK=pid; each with its NUL. */
	strings = sizeof(TREE_ENV_PRELOAD) + 1 + (theirs ? strlen(theirs) + 1 : 0) + strlen(cfg->preload) +
		  (cfg->ld_preload ? strlen(cfg->ld_preload) : 0) + 1 + sizeof(TREE_ENV_LOG) + 1 +
		  (cfg->log ? strlen(cfg->log) : 0) + sizeof(TREE_ENV_MARK) + 1 + sizeof(markbuf);
	if (__builtin_add_overflow(n, 4, &bytes) || __builtin_mul_overflow(bytes, sizeof(*v), &bytes) ||
	    __builtin_add_overflow(bytes, strings, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	v = malloc(bytes);
	if (!v)
		return NULL;
	s = (char *)(v + n + 4);
	for (size_t i = 0; i < n; i++)
		if (!is_var(envp[i], TREE_ENV_PRELOAD) && !is_var(envp[i], TREE_ENV_LOG) &&
		    !is_var(envp[i], TREE_ENV_MARK))
			v[kept++] = envp[i];
	v[kept++] = s;
	if (theirs && loads_preload(theirs))
		s += sprintf(s, "%s=%s", TREE_ENV_PRELOAD, theirs) + 1;
	else if (theirs && *theirs)
		s += sprintf(s, "%s=%s:%s", TREE_ENV_PRELOAD, theirs, cfg->preload) + 1;
	else if (cfg->ld_preload && loads_preload(cfg->ld_preload))
		s += sprintf(s, "%s=%s", TREE_ENV_PRELOAD, cfg->ld_preload) + 1;
	else
		s += sprintf(s, "%s=%s", TREE_ENV_PRELOAD, cfg->preload) + 1;
	if (cfg->log) {
		v[kept++] = s;
		s += sprintf(s, "%s=%s", TREE_ENV_LOG, cfg->log) + 1;
	}
	if (mark) {
		v[kept++] = s;
		sprintf(s, "%s=%s", TREE_ENV_MARK, markbuf);
	}
	v[kept] = NULL;
	return v;
}
