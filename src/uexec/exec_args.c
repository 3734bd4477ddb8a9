/* Options shared by `run` and `explain`, and the PATH search a shell
 * would do before calling execve. */
#include "cli.h"

#include <uexec/uexec.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static void free_vec(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static size_t vec_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* Set or replace K=V in a malloc'd vector, like env(1) does. */
static int env_set(char ***envp, const char *kv)
{
	size_t klen = strcspn(kv, "="), n = vec_len(*envp);
	char *copy = strdup(kv), **grown;

	if (!copy)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!strncmp((*envp)[i], kv, klen) && (*envp)[i][klen] == '=') {
			free((*envp)[i]);
			(*envp)[i] = copy;
			return 0;
		}
	}
	grown = realloc(*envp, (n + 2) * sizeof(*grown));
	if (!grown) {
		free(copy);
		return -1;
	}
	grown[n] = copy;
	grown[n + 1] = NULL;
	*envp = grown;
	return 0;
}

static char **copy_environ(void)
{
	size_t n = vec_len(environ);
	char **v = calloc(n + 1, sizeof(*v));

	for (size_t i = 0; v && i < n; i++) {
		v[i] = strdup(environ[i]);
		if (!v[i]) {
			free_vec(v);
			return NULL;
		}
	}
	return v;
}

static int is_exec_file(const char *p, int *exists)
{
	struct stat st;

	if (stat(p, &st) < 0)
		return 0;
	*exists = 1;
	return S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* execvp()'s search: the first executable regular file wins; if only
 * non-executable candidates exist, the first of them is handed to the
 * engine so that the error (EACCES) and its reason come from there. */
static int resolve(struct exec_args *a)
{
	const char *path_env = getenv("PATH");
	char *paths, *save = NULL, *fallback = NULL;
	size_t plen = strlen(a->prog);

	if (strchr(a->prog, '/')) {
		a->path = strdup(a->prog);
		return a->path ? 0 : -1;
	}
	paths = strdup(path_env ? path_env : "/bin:/usr/bin");
	if (!paths)
		return -1;
	for (char *dir = strtok_r(paths, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		size_t dlen = strlen(dir);
		char *cand = malloc(dlen + plen + 3);
		int exists = 0;

		if (!cand)
			break;
		/* An empty PATH element means the current directory. */
		snprintf(cand, dlen + plen + 3, "%s/%s", dlen ? dir : ".", a->prog);
		if (is_exec_file(cand, &exists)) {
			a->path = cand;
			break;
		}
		if (exists && !fallback)
			fallback = cand;
		else
			free(cand);
	}
	free(paths);
	if (a->path) {
		free(fallback);
	} else if (fallback) {
		a->path = fallback;
	} else {
		a->path_errno = ENOENT;
	}
	return 0;
}

int exec_args_parse(struct exec_args *a, int argc, char **argv, bool allow_json, const char *cmd)
{
	static const struct option opts[] = {
		{ "argv0", required_argument, NULL, 'a' },
		{ "ignore-environment", no_argument, NULL, 'i' },
		{ "env", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "binfmt-host", no_argument, NULL, 'H' },
		{ "binfmt-dir", required_argument, NULL, 'D' },
		{ "no-binfmt-config", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *argv0 = NULL;
	char **sets = calloc((size_t)argc + 1, sizeof(*sets));
	size_t nsets = 0;
	bool clear_env = false;
	int c, ret = EXIT_USAGE;

	memset(a, 0, sizeof(*a));
	if (!sets)
		return EXIT_USAGE;
	optind = 1;
	/* '+': options end at PROG, so PROG's own options pass through. */
	while ((c = getopt_long(argc, argv, "+ie:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			argv0 = optarg;
			break;
		case 'i':
			clear_env = true;
			break;
		case 'e':
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "uexec %s: --env needs NAME=VALUE, got '%s'\n", cmd, optarg);
				goto out;
			}
			sets[nsets++] = optarg;
			break;
		case 'j':
			if (!allow_json)
				goto bad;
			a->json = true;
			break;
		case 'H':
			a->binfmt.host = true;
			break;
		case 'D':
			if (a->binfmt.ndirs == BINFMT_MAX_DIRS) {
				fprintf(stderr, "uexec %s: at most %d --binfmt-dir\n", cmd, BINFMT_MAX_DIRS);
				goto out;
			}
			a->binfmt.dirs[a->binfmt.ndirs++] = optarg;
			break;
		case 'N':
			a->binfmt.no_defaults = true;
			break;
		case 'h':
			printf("usage: uexec %s [--argv0 NAME] [-i|--ignore-environment] [--env K=V]...%s\n"
			       "       [--binfmt-host] [--binfmt-dir DIR]... [--no-binfmt-config] PROG [ARG...]\n",
			       cmd, allow_json ? " [--json]" : "");
			ret = -1;
			goto out;
		default:
			goto bad;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "uexec %s: missing PROG\n", cmd);
		goto out;
	}
	a->prog = argv[optind];
	a->argv = calloc((size_t)(argc - optind) + 1, sizeof(*a->argv));
	a->envp = clear_env ? calloc(1, sizeof(*a->envp)) : copy_environ();
	if (!a->argv || !a->envp)
		goto nomem;
	for (int i = optind; i < argc; i++) {
		a->argv[i - optind] = strdup(i == optind && argv0 ? argv0 : argv[i]);
		if (!a->argv[i - optind])
			goto nomem;
	}
	for (size_t i = 0; i < nsets; i++)
		if (env_set(&a->envp, sets[i]) < 0)
			goto nomem;
	if (resolve(a) < 0 || binfmt_config_load(&a->binfmt, &a->rules) < 0)
		goto nomem;
	free(sets);
	return 0;
nomem:
	fprintf(stderr, "uexec %s: out of memory\n", cmd);
	goto out;
bad:
	fprintf(stderr, "uexec %s: unknown option; see 'uexec %s --help'\n", cmd, cmd);
out:
	free(sets);
	exec_args_free(a);
	return ret;
}

void exec_args_free(struct exec_args *a)
{
	free_vec(a->argv);
	free_vec(a->envp);
	free(a->path);
	uexec_binfmt_rules_free(a->rules);
	a->rules = NULL;
	a->argv = a->envp = NULL;
	a->path = NULL;
}

const char *errno_name(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

int report_exec_failure(const char *prog, int err, const char *diag)
{
	if (diag && *diag)
		fprintf(stderr, "uexec: %s: %s: %s\n", prog, strerror(err), diag);
	else
		fprintf(stderr, "uexec: %s: %s\n", prog, strerror(err));
	return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}
