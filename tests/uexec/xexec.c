#include "xexec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct report {
	int err, setup_err;
	char diag[512];
};

static void child(enum x_who who, const struct xspec *s, int out_w, int rep_w)
{
	static char *const empty[] = { NULL };
	char *const *envp = s->envp ? s->envp : empty;
	struct report rep = { 0 };
	struct uexec_options opt = { .size = sizeof(opt), .diag = rep.diag, .diag_size = sizeof(rep.diag), .binfmt_rules = s->rules };
	struct uexec_image *img;
	int in = s->stdin_fd >= 0 ? s->stdin_fd : open("/dev/null", O_RDONLY);
	int ret;

	setpgid(0, 0);
	if (in < 0 || dup2(in, 0) < 0 || dup2(out_w, 1) < 0)
		_exit(125);
	signal(SIGPIPE, SIG_DFL);
	/* A pending alarm survives execve: a hung program dies. */
	alarm(s->timeout_s ? (unsigned)s->timeout_s : 30);
	if (s->setup && (ret = s->setup(s->ctx)) != 0) {
		rep.setup_err = ret;
		goto report;
	}
	if (s->exec) {
		rep.err = s->exec(who, s->ctx);
	} else if (who == X_KERNEL) {
		syscall(SYS_execveat, s->dirfd, s->path, s->argv, envp, s->flags);
		rep.err = errno;
	} else {
		ret = s->dirfd == AT_FDCWD && !s->flags ? uexec_prepare(s->path, s->argv, envp, &opt, &img)
							: uexec_prepare_at(s->dirfd, s->path, s->flags, s->argv, envp, &opt, &img);
		if (ret == 0)
			uexec_start(img);
		rep.err = -ret;
	}
report:
	if (write(rep_w, &rep, sizeof(rep)) < 0) {
		/* the parent sees a short report */
	}
	_exit(127);
}

int x_run(enum x_who who, const struct xspec *s, struct xres *r)
{
	int po[2], pr[2];
	pid_t pid;
	size_t cap = 4096;
	struct report rep;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (pipe2(po, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(pr, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(po[0]);
		close(pr[0]);
		child(who, s, po[1], pr[1]);
	}
	close(po[1]);
	close(pr[1]);
	r->out = malloc(cap);
	for (;;) {
		if (r->out && r->out_len + 1 >= cap) {
			char *g = realloc(r->out, cap * 2);
			if (!g)
				break;
			r->out = g;
			cap *= 2;
		}
		if (!r->out)
			break;
		n = read(po[0], r->out + r->out_len, cap - r->out_len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r->out_len += (size_t)n;
	}
	if (r->out)
		r->out[r->out_len] = '\0';
	close(po[0]);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
	n = read(pr[0], &rep, sizeof(rep));
	close(pr[0]);
	if (n == (ssize_t)sizeof(rep)) {
		r->err = rep.err;
		r->setup_err = rep.setup_err;
		memcpy(r->diag, rep.diag, sizeof(r->diag));
		r->diag[sizeof(r->diag) - 1] = '\0';
	}
	return r->out ? 0 : -1;
}

void x_free(struct xres *r)
{
	free(r->out);
	r->out = NULL;
}

bool x_same(const struct xres *a, const struct xres *b)
{
	if (a->err || b->err)
		return a->err == b->err;
	return a->status == b->status && a->out_len == b->out_len && !memcmp(a->out, b->out, a->out_len);
}

const char *x_str(const struct xres *r, char *buf, size_t n)
{
	if (r->setup_err)
		snprintf(buf, n, "setup failed: %s", strerror(r->setup_err));
	else if (r->err)
		snprintf(buf, n, "exec failed: %s (%s)", strerrorname_np(r->err), strerror(r->err));
	else if (WIFEXITED(r->status))
		snprintf(buf, n, "ran, exit %d, %zu bytes of output", WEXITSTATUS(r->status), r->out_len);
	else if (WIFSIGNALED(r->status))
		snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(r->status), strsignal(WTERMSIG(r->status)));
	else
		snprintf(buf, n, "wait status %#x", r->status);
	return buf;
}
