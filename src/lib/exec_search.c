/* execvp()'s PATH search (glibc posix/execvpe.c), with a prepare in place
 * of each execve: the first candidate that prepares wins, so the search
 * and its errors are the ones the caller's libc would give, and the image
 * is left for uexec_start() or uexec_release(). */
#include "kmem.h"
#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uexec/uexec.h>

#define DEFAULT_SEARCH "/bin:/usr/bin" /* confstr(_CS_PATH) */
#define SHELL "/bin/sh"

/* Errors after which the next directory is tried (glibc's list): the file
 * is not there, or not usable there. EACCES is remembered as well. */
static bool search_goes_on(int err)
{
	switch (err) {
	case ENOENT:
	case ESTALE:
	case ENOTDIR:
	case ENODEV:
	case ETIMEDOUT:
	case EACCES:
		return true;
	default:
		return false;
	}
}

/* glibc's maybe_script_execute(): a file without a magic number is a
 * shell script to execvp; argv becomes { SHELL, path, argv[1], ... }. */
static int prepare_as_script(const char *path, char *const argv[], char *const envp[],
			     const struct uexec_options *opt, struct uexec_image **out)
{
	size_t argc = 0, bytes;
	char **sh_argv;
	int ret;

	while (argv && argv[argc])
		argc++;
	/* SHELL, path, argv[1..argc-1], NULL: argc + 2 slots (3 at least). */
	if (__builtin_add_overflow(argc < 1 ? 1 : argc, 2, &bytes) ||
	    __builtin_mul_overflow(bytes, sizeof(*sh_argv), &bytes))
		return -E2BIG;
	sh_argv = kzalloc(bytes);
	if (!sh_argv)
		return -ENOMEM;
	sh_argv[0] = (char *)SHELL;
	sh_argv[1] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		sh_argv[i + 1] = argv[i];
	ret = uexec_prepare(SHELL, sh_argv, envp, opt, out);
	kfree(sh_argv);
	return ret;
}

static int prepare_one(const char *path, int flags, char *const argv[], char *const envp[],
		       const struct uexec_options *opt, struct uexec_image **out)
{
	int ret = uexec_prepare(path, argv, envp, opt, out);

	if (ret == -ENOEXEC && !(flags & UEXEC_SEARCH_NO_SHELL))
		ret = prepare_as_script(path, argv, envp, opt, out);
	return ret;
}

/* opt->diag of the search as a whole: the first EACCES candidate's
 * reason when there was one, else "not found". */
static void search_diag(const struct uexec_options *opt, const char *file, const char *eacces_diag)
{
	if (!opt || !opt->diag || !opt->diag_size)
		return;
	if (eacces_diag)
		snprintf(opt->diag, opt->diag_size, "%s", eacces_diag);
	else
		snprintf(opt->diag, opt->diag_size, "%s was not found in any directory of PATH", file);
}

int uexec_prepare_search(const char *file, const char *search, int flags, char *const argv[],
			 char *const envp[], const struct uexec_options *caller_opt, struct uexec_image **out)
{
	struct uexec_options copy;
	const struct uexec_options *opt;
	size_t file_len;
	char *eacces_diag = NULL;
	bool got_eacces = false;
	int ret = options_import(caller_opt, &copy, &opt);

	*out = NULL;
	if (ret)
		return ret;
	if (!file)
		return -EFAULT;
	if (!file[0])
		return -ENOENT;
	if (strchr(file, '/'))
		return prepare_one(file, flags, argv, envp, opt, out);
	file_len = strlen(file);
	if (file_len > NAME_MAX)
		return -ENAMETOOLONG;
	if (!search)
		search = getenv("PATH");
	if (!search)
		search = DEFAULT_SEARCH;
	for (const char *p = search;;) {
		const char *end = strchrnul(p, ':');
		size_t dir_len = (size_t)(end - p), len;
		char *cand;

		/* dir + '/' + file + NUL; an empty entry is the current
		 * directory: the file name alone. */
		if (__builtin_add_overflow(dir_len, file_len + 2, &len))
			return -ENAMETOOLONG;
		cand = kmalloc(len);
		if (!cand) {
			ret = -ENOMEM;
			break;
		}
		if (dir_len)
			snprintf(cand, len, "%.*s/%s", (int)dir_len, p, file);
		else
			memcpy(cand, file, file_len + 1);
		ret = prepare_one(cand, flags, argv, envp, opt, out);
		kfree(cand);
		if (ret == 0 || !search_goes_on(-ret))
			break;
		if (ret == -EACCES && !got_eacces) {
			got_eacces = true;
			if (opt && opt->diag && opt->diag_size && opt->diag[0])
				eacces_diag = kstrdup(opt->diag);
		}
		if (!*end)
			break;
		p = end + 1;
	}
	if (ret && search_goes_on(-ret)) {
		if (got_eacces)
			ret = -EACCES;
		search_diag(opt, file, got_eacces ? eacces_diag : NULL);
	}
	kfree(eacces_diag);
	return ret;
}
