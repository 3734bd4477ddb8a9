#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *d, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static char *buf_take(struct buf *b, size_t *len)
{
	if (!b->p)
		buf_add(b, "", 0);
	*len = b->len;
	return b->p;
}

char *h_which(const char *name)
{
	if (strchr(name, '/'))
		return strdup(name);
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/bin:/usr/bin";
	const char *p = path;
	for (;;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *cand = n ? h_fmt("%.*s/%s", (int)n, p, name) : h_fmt("./%s", name);
		struct stat st;
		if (cand && stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (!e)
			break;
		p = e + 1;
	}
	return NULL;
}

int h_run(const char *path, char *const argv[], char *const envp[],
	  int timeout_ms, struct hrun *r)
{
	return h_run_ex(path, argv, envp, timeout_ms, NULL, NULL, NULL, r);
}

int h_run_ex(const char *path, char *const argv[], char *const envp[], int timeout_ms,
	     void (*pre_exec)(void *ctx), void *ctx, h_exec_fn exec_fn, struct hrun *r)
{
	memset(r, 0, sizeof(*r));
	char *resolved = strchr(path, '/') ? strdup(path) : h_which(path);
	if (!resolved)
		resolved = strdup(path); /* exec fails with ENOENT, as execvp would */
	if (!resolved)
		return -1;
	int po[2], pe[2], px[2];
	if (pipe2(po, O_CLOEXEC) < 0) {
		free(resolved);
		return -1;
	}
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		free(resolved);
		return -1;
	}
	if (pipe2(px, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		free(resolved);
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		free(resolved);
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		int in = open("/dev/null", O_RDONLY);
		if (in < 0 || dup2(in, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(126);
		if (in > 2)
			close(in);
		signal(SIGPIPE, SIG_DFL);
		if (pre_exec)
			pre_exec(ctx);
		(exec_fn ? exec_fn : execve)(resolved, argv, envp ? envp : environ);
		int e = errno;
		if (write(px[1], &e, sizeof(e)) < 0) {
			/* nothing more to do */
		}
		_exit(127);
	}
	free(resolved);
	close(po[1]);
	close(pe[1]);
	close(px[1]);
	struct buf bo = {0}, be = {0};
	struct pollfd fds[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
	int open_fds = 2;
	int64_t deadline = now_ms() + timeout_ms;
	char tmp[65536];
	while (open_fds > 0) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			r->timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		int n = poll(fds, 2, (int)(left > 1000 ? 1000 : left));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(fds[i].fd, tmp, sizeof(tmp));
			if (got > 0) {
				buf_add(i == 0 ? &bo : &be, tmp, (size_t)got);
			} else if (got == 0 || errno != EINTR) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	int st = 0;
	for (;;) {
		pid_t w = waitpid(pid, &st, r->timed_out ? 0 : WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (w == 0) {
			/* outputs closed but the child still runs (a daemonised
			 * grandchild kept nothing open): wait with the deadline */
			if (now_ms() >= deadline) {
				r->timed_out = true;
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
			} else {
				usleep(1000);
			}
		}
	}
	r->status = st;
	int e = 0;
	if (read(px[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
		r->exec_errno = e;
	close(px[0]);
	r->out = buf_take(&bo, &r->out_len);
	r->err = buf_take(&be, &r->err_len);
	return 0;
}

void h_free(struct hrun *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

const char *h_status_str(const struct hrun *r, char *buf, size_t n)
{
	if (r->timed_out)
		snprintf(buf, n, "timeout (killed)");
	else if (r->exec_errno)
		snprintf(buf, n, "exec failed: %s", strerror(r->exec_errno));
	else if (WIFEXITED(r->status))
		snprintf(buf, n, "exit %d", WEXITSTATUS(r->status));
	else if (WIFSIGNALED(r->status))
		snprintf(buf, n, "signal %d (%s)%s", WTERMSIG(r->status),
			 strsignal(WTERMSIG(r->status)),
			 WCOREDUMP(r->status) ? " core dumped" : "");
	else
		snprintf(buf, n, "wait status %#x", r->status);
	return buf;
}

static const char *must_env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		printf("Bail out! %s is not set (run the tests through meson test)\n", name);
		fflush(stdout);
		exit(1);
	}
	return v;
}

const char *h_uexec_bin(void)
{
	return must_env("UEXEC_BIN");
}

const char *h_source_root(void)
{
	return must_env("UEXEC_SOURCE_ROOT");
}

char *h_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

char *h_mkdtemp(const char *tag)
{
	const char *t = getenv("TMPDIR");
	if (!t || !*t)
		t = "/tmp";
	char *p = h_fmt("%s/uexec-%s-XXXXXX", t, tag);
	if (p && !mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)f;
	if (type == FTW_DP)
		return rmdir(p) < 0 && errno != ENOENT ? -1 : 0;
	if (type == FTW_D || type == FTW_DNR) {
		/* make unreadable dirs removable */
		chmod(p, 0700);
		return 0;
	}
	return unlink(p) < 0 && errno != ENOENT ? -1 : 0;
}

int h_rmrf(const char *path)
{
	if (!path)
		return 0;
	/* Go's module cache is read-only: make everything writable first. */
	char *cmd = h_fmt("chmod -R u+rwX '%s' 2>/dev/null", path);
	if (cmd) {
		if (system(cmd) != 0) {
			/* best effort */
		}
		free(cmd);
	}
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

int h_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

char *h_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct buf b = {0};
	char tmp[65536];
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_add(&b, tmp, (size_t)n);
	}
	close(fd);
	size_t l;
	char *p = buf_take(&b, &l);
	if (len)
		*len = l;
	return p;
}

void h_diag_text(const char *prefix, const char *text)
{
	h_diag_text_max(prefix, text, 60);
}

void h_diag_text_max(const char *prefix, const char *text, int max_lines)
{
	const char *p = text;
	if (!*p) {
		printf("# %s(empty)\n", prefix);
		return;
	}
	int lines = 0;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (++lines > max_lines) {
			printf("# %s... (truncated)\n", prefix);
			break;
		}
		printf("# %s%.*s\n", prefix, (int)n, p);
		p += n + (e ? 1 : 0);
	}
	fflush(stdout);
}

int h_sh(const char *cmd, int timeout_ms)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	struct hrun r;
	if (h_run("/bin/sh", argv, NULL, timeout_ms, &r) < 0) {
		printf("# harness: cannot run: %s\n", cmd);
		return -1;
	}
	int ok = !r.timed_out && !r.exec_errno && WIFEXITED(r.status) &&
		 WEXITSTATUS(r.status) == 0;
	if (!ok) {
		char s[128];
		printf("# build step failed (%s): %s\n", h_status_str(&r, s, sizeof(s)), cmd);
		h_diag_text("  stdout: ", r.out);
		h_diag_text("  stderr: ", r.err);
	}
	h_free(&r);
	return ok ? 0 : -1;
}

/* Split into lines (pointers into a copy). */
static char **split_lines(const char *s, size_t *n, char **copy)
{
	*copy = strdup(s);
	size_t cap = 16, k = 0;
	char **v = malloc(cap * sizeof(*v));
	char *p = *copy;
	while (*p) {
		if (k == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
		}
		v[k++] = p;
		char *e = strchr(p, '\n');
		if (!e)
			break;
		*e = '\0';
		p = e + 1;
	}
	*n = k;
	return v;
}

void h_diff(const char *what, const char *la, const char *a, const char *lb, const char *b)
{
	char *ca, *cb;
	size_t na, nb;
	char **va = split_lines(a, &na, &ca);
	char **vb = split_lines(b, &nb, &cb);
	printf("# %s differs (--- %s, +++ %s):\n", what, la, lb);
	size_t shown = 0;
	/* longest common subsequence table, when small enough */
	unsigned *t = NULL;
	if (na * nb <= 4u << 20)
		t = calloc((na + 1) * (nb + 1), sizeof(*t));
	if (t) {
#define T(i, j) t[(i) * (nb + 1) + (j)]
		for (size_t i = na; i-- > 0;)
			for (size_t j = nb; j-- > 0;)
				T(i, j) = strcmp(va[i], vb[j]) == 0 ? T(i + 1, j + 1) + 1
					: (T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
		size_t i = 0, j = 0;
		while ((i < na || j < nb) && shown < 40) {
			if (i < na && j < nb && strcmp(va[i], vb[j]) == 0) {
				i++;
				j++;
			} else if (i < na && (j == nb || T(i + 1, j) >= T(i, j + 1))) {
				printf("#   --- %s\n", va[i++]);
				shown++;
			} else {
				printf("#   +++ %s\n", vb[j++]);
				shown++;
			}
		}
#undef T
		free(t);
	} else {
		size_t n = na > nb ? na : nb;
		for (size_t i = 0; i < n && shown < 40; i++) {
			const char *x = i < na ? va[i] : NULL;
			const char *y = i < nb ? vb[i] : NULL;
			if (x && y && strcmp(x, y) == 0)
				continue;
			if (x)
				printf("#   line %zu --- %s\n", i + 1, x);
			if (y)
				printf("#   line %zu +++ %s\n", i + 1, y);
			shown++;
		}
	}
	if (shown >= 40)
		printf("#   ... (more differences)\n");
	if (shown == 0)
		printf("#   (%zu vs %zu bytes; trailing newline %s vs %s)\n", strlen(a), strlen(b),
		       *a && a[strlen(a) - 1] == '\n' ? "yes" : "no",
		       *b && b[strlen(b) - 1] == '\n' ? "yes" : "no");
	fflush(stdout);
	free(va);
	free(vb);
	free(ca);
	free(cb);
}

int h_tmpdir_setup(char **dir, const char *tag)
{
	h_uexec_bin();
	h_source_root();
	*dir = h_mkdtemp(tag);
	return *dir ? 0 : -1;
}

int h_tmpdir_teardown(char **dir)
{
	h_rmrf(*dir);
	free(*dir);
	*dir = NULL;
	return 0;
}

char *h_maps_text(int named_only)
{
	size_t len;
	char *all = h_read_file("/proc/self/maps", &len), *out, *o;

	/* Without /proc nothing these tests compare would mean anything. */
	if (!all) {
		printf("Bail out! cannot read /proc/self/maps\n");
		exit(1);
	}
	if (!named_only)
		return all;
	out = o = calloc(1, len + 1);
	if (!out)
		abort();
	for (char *line = all, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		if (memchr(line, '/', (size_t)(nl - line))) {
			memcpy(o, line, (size_t)(nl - line + 1));
			o += nl - line + 1;
		}
	free(all);
	return out;
}

char *h_fd_list(void)
{
	struct dirent **names;
	int n = scandir("/proc/self/fd", &names, NULL, alphasort);
	size_t cap = 16 * (size_t)(n > 0 ? n : 1) + 1, len = 0;
	char *out = n > 0 ? calloc(1, cap) : NULL;

	if (!out) {
		printf("Bail out! cannot list /proc/self/fd\n");
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			len += (size_t)snprintf(out + len, cap - len, "%s\n", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return out;
}
