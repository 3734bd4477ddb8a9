/* Options shared by `run`, `explain`, `slabinfo` and `leakcheck`; the
 * program they name (path, PATH search, descriptor or stdin). */
#include "cli.h"

#include <uexec/uexec.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
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

/* The whole of stdin, for `run -`: the program comes from a pipe or a
 * file, and uexec_prepare_mem() puts it into a memfd. */
static int read_stdin(struct exec_args *a, const char *cmd)
{
	size_t cap = 1 << 16;
	unsigned char *buf = malloc(cap), *grown;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (a->mem_len == cap) {
			grown = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
			if (!grown)
				goto nomem;
			buf = grown;
			cap *= 2;
		}
		n = read(STDIN_FILENO, buf + a->mem_len, cap - a->mem_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "uexec %s: -: cannot read the program from stdin: %s\n", cmd, strerror(errno));
			free(buf);
			return -EIO;
		}
		if (n == 0)
			break;
		a->mem_len += (size_t)n;
	}
	a->mem = buf;
	return 0;
nomem:
	free(buf);
	return -ENOMEM;
}

/* --fd N: a descriptor number, nothing else. */
static int parse_fd(const char *s, int *fd)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX)
		return -1;
	*fd = (int)v;
	return 0;
}

int exec_args_prepare(const struct exec_args *a, const struct uexec_options *opt, struct uexec_image **img)
{
	struct uexec_options o = UEXEC_OPTIONS_INIT;

	if (opt)
		o = *opt;
	o.strict = a->strict;
	if (a->fd >= 0)
		return uexec_prepare_at(a->fd, "", AT_EMPTY_PATH, a->argv, a->envp, &o, img);
	if (a->from_stdin)
		return uexec_prepare_mem(a->mem, a->mem_len, "uexec-stdin", a->argv, a->envp, &o, img);
	if (a->path)
		return uexec_prepare(a->path, a->argv, a->envp, &o, img);
	/* execvp's search, without its shell fallback: a file execve
	 * refuses with ENOEXEC is reported, as a path given with a '/' is. */
	return uexec_prepare_search(a->prog, NULL, UEXEC_SEARCH_NO_SHELL, a->argv, a->envp, &o, img);
}

static void print_help(const char *cmd, bool allow_json, bool allow_fd, bool allow_tree)
{
	printf("usage: uexec %s [--argv0 NAME] [-i|--ignore-environment] [--env K=V]...%s\n"
	       "       [--strict] [--binfmt-host] [--binfmt-dir DIR]... [--no-binfmt-config] PROG [ARG...]\n"
	       "  --strict  also refuse what Linux runs but the ELF rules call wrong (the strict\n"
	       "            findings of uexec check: EI_CLASS, a program header table over a page)\n",
	       cmd, allow_json ? " [--json]" : "");
	if (allow_fd)
		printf("       uexec %s [options] --fd N [ARG0 ARG...]\n"
		       "       uexec %s [options] - [ARG...]\n"
		       "  --fd N  the program is the file open on descriptor N (execveat with AT_EMPTY_PATH,\n"
		       "          like fexecve): ARG0 ARG... are its whole argv, argv[0] is /dev/fd/N when\n"
		       "          none is given (--argv0 replaces it); a #! script on N works when N is\n"
		       "          not close-on-exec, since its interpreter opens /dev/fd/N\n"
		       "  -       the program is read from stdin into memory (a memfd) and run from there,\n"
		       "          argv[0] is \"-\" unless --argv0; the program's stdin is then at its end\n",
		       cmd, cmd);
	if (allow_tree)
		printf("       uexec %s --tree [--tree-log FILE] [options] PROG [ARG...]\n"
		       "  --tree           PROG and every program started in its process tree are\n"
		       "                   exec'd through libuexec (libuexec-preload.so in LD_PRELOAD)\n"
		       "  --tree-log FILE  append \"PID PATH\" for each exec of the tree to FILE\n"
		       "                   (implies --tree; \"PID PATH kernel\" for execs libuexec missed)\n",
		       cmd);
}

/* a->argv (and a->prog) from argv[first...]: PROG [ARG...], or with --fd
 * ARG0 [ARG...]; 0, -EINVAL after saying PROG is missing, -ENOMEM. */
static int build_argv(struct exec_args *a, int argc, char **argv, int first, const char *argv0,
		      bool allow_fd, const char *cmd)
{
	const bool by_fd = a->fd >= 0;
	char fd_name[32];

	if (!by_fd && first >= argc) {
		fprintf(stderr, "uexec %s: missing PROG\n", cmd);
		return -EINVAL;
	}
	/* With --fd, room for the argv[0] that may be missing. */
	a->argv = calloc((size_t)(argc - first) + (by_fd ? 2 : 1), sizeof(*a->argv));
	if (!a->argv)
		return -ENOMEM;
	for (int i = first; i < argc; i++)
		if (!(a->argv[i - first] = strdup(i == first && argv0 ? argv0 : argv[i])))
			return -ENOMEM;
	if (!by_fd) {
		a->prog = argv[first];
		a->from_stdin = allow_fd && !strcmp(a->prog, "-");
		return 0;
	}
	/* execveat(fd, "", argv, envp, AT_EMPTY_PATH): what follows is the
	 * whole argv; the kernel's name for the program, /dev/fd/N, stands
	 * in for a missing argv[0]. */
	snprintf(fd_name, sizeof(fd_name), "/dev/fd/%d", a->fd);
	if (first >= argc && !(a->argv[0] = strdup(argv0 ? argv0 : fd_name)))
		return -ENOMEM;
	/* prog must outlive this function: it names the program in
	 * messages. */
	a->prog_buf = strdup(fd_name);
	if (!a->prog_buf)
		return -ENOMEM;
	a->prog = a->prog_buf;
	return 0;
}

/* What the options say beyond struct exec_args: what the environment is
 * built from, and argv[0]. */
struct parsed {
	const char *cmd;
	bool allow_json, allow_fd, allow_tree;
	const char *argv0;
	bool clear_env;
	char **sets;		/* --env NAME=VALUE, in order */
	size_t nsets;
};

/* One option (getopt_long's c). 0, EXIT_USAGE after saying why, or -1
 * after printing the help. */
static int take_option(struct exec_args *a, struct parsed *p, int c)
{
	const char *cmd = p->cmd;

	switch (c) {
	case 'a':
		p->argv0 = optarg;
		return 0;
	case 'i':
		p->clear_env = true;
		return 0;
	case 'e':
		if (!strchr(optarg, '=')) {
			fprintf(stderr, "uexec %s: --env needs NAME=VALUE, got '%s'\n", cmd, optarg);
			return EXIT_USAGE;
		}
		p->sets[p->nsets++] = optarg;
		return 0;
	case 'j':
		if (!p->allow_json)
			break;
		a->json = true;
		return 0;
	case 'H':
		a->binfmt.host = true;
		return 0;
	case 'D':
		if (a->binfmt.ndirs == BINFMT_MAX_DIRS) {
			fprintf(stderr, "uexec %s: at most %d --binfmt-dir\n", cmd, BINFMT_MAX_DIRS);
			return EXIT_USAGE;
		}
		a->binfmt.dirs[a->binfmt.ndirs++] = optarg;
		return 0;
	case 'N':
		a->binfmt.no_defaults = true;
		return 0;
	case 'S':
		a->strict = true;
		return 0;
	case 'T':
	case 'L':
		if (!p->allow_tree)
			break;
		a->tree = true;
		if (c == 'L')
			a->tree_log = optarg;
		return 0;
	case 'F':
		if (!p->allow_fd)
			break;
		if (parse_fd(optarg, &a->fd) < 0) {
			fprintf(stderr, "uexec %s: --fd needs a descriptor number, got '%s'\n", cmd, optarg);
			return EXIT_USAGE;
		}
		return 0;
	case 'h':
		print_help(cmd, p->allow_json, p->allow_fd, p->allow_tree);
		return -1;
	default:
		break;
	}
	fprintf(stderr, "uexec %s: unknown option; see 'uexec %s --help'\n", cmd, cmd);
	return EXIT_USAGE;
}

/* The program's environment: this one's (or none with -i), then each
 * --env in order. 0 or -ENOMEM. */
static int build_envp(struct exec_args *a, const struct parsed *p)
{
	a->envp = p->clear_env ? calloc(1, sizeof(*a->envp)) : copy_environ();
	if (!a->envp)
		return -ENOMEM;
	for (size_t i = 0; i < p->nsets; i++)
		if (env_set(&a->envp, p->sets[i]) < 0)
			return -ENOMEM;
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
		{ "fd", required_argument, NULL, 'F' },
		{ "strict", no_argument, NULL, 'S' },
		{ "tree", no_argument, NULL, 'T' },
		{ "tree-log", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* Only run and explain know how to prepare from a descriptor or
	 * from memory (exec_args_prepare); the other commands take a path. */
	struct parsed p = {
		.cmd = cmd, .allow_json = allow_json,
		.allow_fd = !strcmp(cmd, "run") || !strcmp(cmd, "explain"), .allow_tree = !strcmp(cmd, "run"),
		.sets = calloc((size_t)argc + 1, sizeof(char *)),
	};
	int c, err, ret = EXIT_USAGE;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	if (!p.sets)
		return EXIT_USAGE;
	optind = 1;
	/* '+': options end at PROG, so PROG's own options pass through. */
	while ((c = getopt_long(argc, argv, "+ie:h", opts, NULL)) != -1)
		if ((ret = take_option(a, &p, c)) != 0)
			goto out;
	ret = EXIT_USAGE;
	err = build_argv(a, argc, argv, optind, p.argv0, p.allow_fd, cmd);
	if (err == -ENOMEM || (!err && build_envp(a, &p) < 0))
		goto nomem;
	if (err)
		goto out;
	if (a->from_stdin) {
		ret = read_stdin(a, cmd);
		if (ret == -ENOMEM)
			goto nomem;
		if (ret) {
			ret = EXIT_CANNOT_EXEC;
			goto out;
		}
		ret = EXIT_USAGE;
	} else if (a->fd < 0 && strchr(a->prog, '/') && !(a->path = strdup(a->prog))) {
		goto nomem;
	}
	if (binfmt_config_load(&a->binfmt, &a->rules) < 0)
		goto nomem;
	free(p.sets);
	return 0;
nomem:
	fprintf(stderr, "uexec %s: out of memory\n", cmd);
out:
	free(p.sets);
	exec_args_free(a);
	return ret;
}

void exec_args_free(struct exec_args *a)
{
	free_vec(a->argv);
	free_vec(a->envp);
	free(a->path);
	free(a->mem);
	free(a->prog_buf);
	a->mem = NULL;
	a->prog_buf = NULL;
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
