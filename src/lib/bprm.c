/* The exec request and its single owner-free (fs/exec.c: alloc_bprm,
 * free_bprm, copy_strings, bprm_change_interp, remove_arg_zero). */
#include "bprm.h"
#include "kmem.h"
#include "sys.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static KMEM_CACHE_DEFINE(bprm_cache, "bprm", struct bprm);

struct bprm *bprm_alloc(const char *filename, const struct uexec_options *opt)
{
	struct bprm *b = kmem_cache_zalloc(&bprm_cache);

	if (!b)
		return NULL;
	b->fd = -1;
	b->interpreter_fd = -1;
	b->execfd = -1;
	b->owned_fd = -1;
	b->opt = opt;
	b->filename = kstrdup(filename);
	if (!b->filename) {
		kmem_cache_free(&bprm_cache, b);
		return NULL;
	}
	/* As in the kernel, interp aliases filename until a handler rewrites
	 * it; bprm_free() and bprm_change_interp() know the alias. */
	b->interp = b->filename;
	return b;
}

void strvec_free(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		kfree(sv->v[i]);
	kfree(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* The one place a request's resources are released, on every path. Each
 * field that a handler can set is released here: a field missing from
 * this function is a leak on every exec (the kernel's bprm->interp). */
void bprm_free(struct bprm *b)
{
	if (!b)
		return;
	vm_map_rollback(&b->vm);
	sys_close(b->interpreter_fd);
	sys_close(b->fd);
	sys_close(b->execfd);
	sys_close(b->owned_fd);
	strvec_free(&b->argv);
	strvec_free(&b->envp);
	if (b->interp != b->filename)
		kfree(b->interp);
	kfree(b->filename);
	kmem_cache_free(&bprm_cache, b);
}

void bprm_trace(const struct bprm *b, const struct uexec_event *ev)
{
	if (b->opt && b->opt->trace)
		b->opt->trace(b->opt->trace_ctx, ev);
}

int bprm_fail(struct bprm *b, int err, const char *fmt, ...)
{
	va_list ap;

	if (!b->diag[0]) {
		va_start(ap, fmt);
		vsnprintf(b->diag, sizeof(b->diag), fmt, ap);
		va_end(ap);
	}
	return err;
}

void bprm_note(const struct bprm *b, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	struct uexec_event ev = { .kind = UEXEC_EV_NOTE, .text = text, .path = b->interp };

	if (!b->opt || !b->opt->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	bprm_trace(b, &ev);
}

/* --- opening the file: do_open_execat() and may_open() ------------------ */

#define WHY(...) snprintf(why, why_size, __VA_ARGS__)

static int why_open_failed(const char *path, int err, char *why, size_t why_size)
{
	switch (err) {
	case ENOENT:
		WHY("%s does not exist (or a directory on its path does not)", path);
		break;
	case ENOTDIR:
		WHY("a component of %s is not a directory", path);
		break;
	case ELOOP:
		WHY("too many symbolic links while resolving %s", path);
		break;
	case ENAMETOOLONG:
		WHY("the path %s is too long", path);
		break;
	case EACCES:
		/* The kernel needs only execute permission; uexec must also read
		 * the file, so an execute-only file is the one case where uexec
		 * refuses what the kernel runs. Tell the two apart. */
		if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
			WHY("%s is executable but not readable: the kernel can run it, uexec must read it", path);
		else
			WHY("permission denied while opening %s (search permission on a directory, or no read permission)", path);
		break;
	default:
		WHY("cannot open %s: %s", path, strerror(err));
	}
	return -err;
}

static const char *file_type_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* The kernel's deny_write_access() fails when any process has the file
 * open for writing. User space cannot take that lock, but it can ask the
 * same question: a read lease is granted only when nobody has the file
 * open for writing. Where a lease may not be taken (not the owner and no
 * CAP_LEASE, leases disabled), the answer is unknown and the exec goes on. */
static int deny_write_access(int fd)
{
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
		fcntl(fd, F_SETLEASE, F_UNLCK);
		return 0;
	}
	return errno == EAGAIN ? -ETXTBSY : 0;
}

int open_exec_at(int dirfd, const char *path, int flags, struct stat *st, char *why, size_t why_size)
{
	/* O_NONBLOCK: opening a FIFO must not hang before the type check
	 * refuses it; O_NOCTTY: opening a terminal must not adopt it. */
	int oflags = O_RDONLY | O_NOCTTY | O_NONBLOCK | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0);
	char self[64];
	struct statvfs vfs;
	int fd, ret;

	/* Kernel order: getname_uflags() refuses an empty path without
	 * AT_EMPTY_PATH before do_open_execat() looks at the flags. */
	if (!path[0] && !(flags & AT_EMPTY_PATH)) {
		WHY("empty path without AT_EMPTY_PATH");
		return -ENOENT;
	}
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		WHY("execveat flags %#x: only AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW exist", flags);
		return -EINVAL;
	}
	if (!path[0]) {
		/* AT_EMPTY_PATH: the descriptor is the file. Reopening it
		 * through /proc gives a readable description even for an
		 * O_PATH descriptor, with the same exec checks below. */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", dirfd);
		fd = sys_openat(AT_FDCWD, self, oflags & ~O_NOFOLLOW);
		if (fd < 0 && errno == ENOENT && fcntl(dirfd, F_GETFD) < 0)
			errno = EBADF;
		path = self;
	} else {
		fd = sys_openat(dirfd, path, oflags);
	}
	if (fd < 0)
		return why_open_failed(path, errno == ELOOP && (flags & AT_SYMLINK_NOFOLLOW) ? ELOOP : errno, why,
				       why_size);
	if (fstat(fd, st) < 0) {
		ret = -errno;
		WHY("cannot stat %s: %s", path, strerror(-ret));
		goto fail;
	}
	/* may_open(): only regular files are executable, then noexec mounts,
	 * then permission; the kernel answers EACCES to all three. */
	ret = -EACCES;
	if (!S_ISREG(st->st_mode)) {
		WHY("%s is %s: only regular files can be executed", path, file_type_name(st->st_mode));
		goto fail;
	}
	/* Kernels without faccessat2 (ENOSYS) are asked by path: same answer.
	 * An access(X_OK) of a regular file also fails on a noexec mount
	 * (do_faccessat() asks path_noexec()), so the mount is looked at only
	 * to tell which of the two refusals this is: one system call fewer
	 * on every exec that succeeds. */
	if (syscall(SYS_faccessat2, fd, "", X_OK, AT_EACCESS | AT_EMPTY_PATH) < 0 &&
	    (errno == EACCES || faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)) {
		if (fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
			WHY("%s is on a file system mounted noexec", path);
		else
			WHY("%s has no execute permission for this user (mode %04o)", path,
			    (unsigned)(st->st_mode & 07777));
		goto fail;
	}
	ret = deny_write_access(fd);
	if (ret) {
		WHY("%s is open for writing by some process: the kernel refuses to execute it (text file busy)", path);
		goto fail;
	}
	return fd;
fail:
	sys_close(fd);
	return ret;
}

/* The kernel's open_exec() takes its name through getname_kernel(), which
 * accepts "": the walk then ends where it starts, at the current directory,
 * and the exec fails with EACCES (not a regular file). execve("") itself
 * is ENOENT (getname() refuses it); that path is open_exec_at()'s. */
static const char *kernel_name(const char *path)
{
	return path[0] ? path : ".";
}

int open_exec(const char *path, struct stat *st, char *why, size_t why_size)
{
	return open_exec_at(AT_FDCWD, kernel_name(path), 0, st, why, why_size);
}

int bprm_open_exec(struct bprm *b, const char *path, struct stat *st)
{
	return bprm_open_exec_at(b, AT_FDCWD, kernel_name(path), 0, st);
}

int bprm_open_exec_at(struct bprm *b, int dirfd, const char *path, int flags, struct stat *st)
{
	struct uexec_event ev = { .kind = UEXEC_EV_OPEN, .path = path[0] ? path : b->filename };
	char why[sizeof(b->diag)];
	int fd = open_exec_at(dirfd, path, flags, st, why, sizeof(why));

	if (fd < 0)
		return bprm_fail(b, fd, "%s", why);
	if (st->st_mode & (S_ISUID | S_ISGID))
		bprm_note(b, "%s is set%s: uexec cannot raise privileges, it runs with the caller's credentials",
			  path, (st->st_mode & S_ISUID) ? "uid" : "gid");
	bprm_trace(b, &ev);
	return fd;
}

int bprm_read_buf(struct bprm *b)
{
	ssize_t n;

	memset(b->buf, 0, sizeof(b->buf));
	n = sys_pread_full(b->fd, b->buf, sizeof(b->buf), 0);
	if (n < 0)
		return bprm_fail(b, -errno, "cannot read %s: %s", b->interp, strerror(errno));
	b->buf_len = (size_t)n;
	return 0;
}

/* --- arguments: count(), bprm_stack_limits(), copy_strings() ------------- */

static int strvec_reserve(struct strvec *sv, size_t extra)
{
	size_t need, cap;
	char **v;

	/* +1 for the NULL terminator the stack builder and callers rely on. */
	if (__builtin_add_overflow(sv->n, extra + 1, &need))
		return -E2BIG;
	if (need <= sv->cap)
		return 0;
	cap = sv->cap ? sv->cap : 8;
	while (cap < need)
		if (__builtin_mul_overflow(cap, 2, &cap))
			return -E2BIG;
	if (cap > SIZE_MAX / sizeof(*v))
		return -E2BIG;
	v = kzalloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (sv->n)
		memcpy(v, sv->v, sv->n * sizeof(*v));
	kfree(sv->v);
	sv->v = v;
	sv->cap = cap;
	return 0;
}

/* Charge one string against the argument space, as copy_strings() does:
 * each at most MAX_ARG_STRLEN, all together at most arg_limit. */
static int charge(struct bprm *b, size_t len_with_nul)
{
	if (len_with_nul > MAX_ARG_STRLEN)
		return bprm_fail(b, -E2BIG, "an argument or environment string is %zu bytes, over the kernel's limit of %d",
				 len_with_nul, MAX_ARG_STRLEN);
	if (b->arg_bytes + len_with_nul > b->arg_limit)
		return bprm_fail(b, -E2BIG, "arguments and environment need more than %zu bytes, the limit with this stack rlimit",
				 b->arg_limit);
	b->arg_bytes += len_with_nul;
	return 0;
}

static int strvec_append(struct bprm *b, struct strvec *sv, const char *s)
{
	size_t len = strnlen(s, MAX_ARG_STRLEN + 1) + 1;
	int ret = charge(b, len);

	if (ret)
		return ret;
	ret = strvec_reserve(sv, 1);
	if (ret)
		return ret;
	sv->v[sv->n] = kstrdup(s);
	if (!sv->v[sv->n])
		return -ENOMEM;
	sv->n++;
	sv->v[sv->n] = NULL;
	return 0;
}

static size_t count_strings(char *const v[])
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int bprm_copy_args(struct bprm *b, char *const argv[], char *const envp[])
{
	size_t argc = count_strings(argv), envc = count_strings(envp);
	size_t limit = BPRM_STK_LIM / 4 * 3, ptr_size;
	struct rlimit rl;
	int ret;

	if (argc > MAX_ARG_STRINGS || envc > MAX_ARG_STRINGS)
		return bprm_fail(b, -E2BIG, "more than %d arguments or environment strings", MAX_ARG_STRINGS);
	/* Read once, like the kernel's bprm->rlim_stack: the stack's size
	 * (stack.c) comes from the same value. The default stands in if the
	 * limit cannot be read. */
	b->rlim_stack = getrlimit(RLIMIT_STACK, &rl) == 0 ? rl.rlim_cur : 8UL * 1024 * 1024;
	/* bprm_stack_limits(): a quarter of the stack rlimit, at most 3/4 of
	 * _STK_LIM, at least ARG_MAX, minus the pointers' own space. */
	if (b->rlim_stack / 4 < limit)
		limit = b->rlim_stack / 4;
	if (limit < BPRM_ARG_MAX)
		limit = BPRM_ARG_MAX;
	ptr_size = ((argc ? argc : 1) + envc) * sizeof(void *);
	if (limit <= ptr_size)
		return bprm_fail(b, -E2BIG, "%zu argument and environment pointers do not fit in %zu bytes", argc + envc, limit);
	b->arg_limit = limit - ptr_size;
	/* The kernel copies the filename first (AT_EXECFN), then envp, then
	 * argv: the first string that does not fit decides the error. */
	ret = charge(b, strlen(b->filename) + 1);
	for (size_t i = 0; !ret && i < envc; i++)
		ret = strvec_append(b, &b->envp, envp[i]);
	for (size_t i = 0; !ret && i < argc; i++)
		ret = strvec_append(b, &b->argv, argv[i]);
	/* An empty argv gets "" so that programs reading argv[1] do not walk
	 * into envp (the kernel's fix for CVE-2021-4034's class of bug). */
	if (!ret && argc == 0)
		ret = strvec_append(b, &b->argv, "");
	/* Empty vectors still need their NULL terminator. */
	if (!ret)
		ret = strvec_reserve(&b->envp, 0);
	return ret;
}

int bprm_remove_arg_zero(struct bprm *b)
{
	if (b->argv.n == 0)
		return 0;
	b->arg_bytes -= strlen(b->argv.v[0]) + 1;
	kfree(b->argv.v[0]);
	memmove(b->argv.v, b->argv.v + 1, b->argv.n * sizeof(*b->argv.v));
	b->argv.n--;
	return 0;
}

int bprm_push_front_arg(struct bprm *b, const char *s)
{
	size_t len = strnlen(s, MAX_ARG_STRLEN + 1) + 1;
	char *copy;
	int ret = charge(b, len);

	if (ret)
		return ret;
	ret = strvec_reserve(&b->argv, 1);
	if (ret)
		goto uncharge;
	copy = kstrdup(s);
	if (!copy) {
		ret = -ENOMEM;
		goto uncharge;
	}
	memmove(b->argv.v + 1, b->argv.v, (b->argv.n + 1) * sizeof(*b->argv.v));
	b->argv.v[0] = copy;
	b->argv.n++;
	return 0;
uncharge:
	b->arg_bytes -= len;
	return ret;
}

int bprm_change_interp(struct bprm *b, const char *interp)
{
	char *copy = kstrdup(interp);

	if (!copy)
		return -ENOMEM;
	/* The line the vendor backport forgot: the old value is freed here,
	 * and the final one in bprm_free(). */
	if (b->interp != b->filename)
		kfree(b->interp);
	b->interp = copy;
	return 0;
}
