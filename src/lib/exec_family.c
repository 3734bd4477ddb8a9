/* The execve family beside uexec_execve(): execvp, execvpe, fexecve and
 * execveat, each a prepare and a start with execve(2)'s contract (return
 * only on failure, -1 and errno). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <uexec/uexec.h>

extern char **environ;

/* The prepare's result, as the execve family reports it. (img by
 * address: it is read only after the prepare that sets it has run.) */
static int start_or_fail(int ret, struct uexec_image *const *img)
{
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	uexec_start(*img);
}

int uexec_execvpe(const char *file, char *const argv[], char *const envp[])
{
	struct uexec_image *img;

	return start_or_fail(uexec_prepare_search(file, NULL, 0, argv, envp, NULL, &img), &img);
}

int uexec_execvp(const char *file, char *const argv[])
{
	return uexec_execvpe(file, argv, environ);
}

int uexec_execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	struct uexec_image *img;

	return start_or_fail(uexec_prepare_at(dirfd, path, flags, argv, envp, NULL, &img), &img);
}

int uexec_fexecve(int fd, char *const argv[], char *const envp[])
{
	if (fd < 0 || !argv || !envp) {
		errno = EINVAL;
		return -1;
	}
	return uexec_execveat(fd, "", argv, envp, AT_EMPTY_PATH);
}
