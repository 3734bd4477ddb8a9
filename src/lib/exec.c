/* do_execveat_common(), bprm_execve(), exec_binprm() and
 * search_binary_handler(), in user space. */
#include "arch.h"
#include "binfmt.h"
#include "bprm.h"
#include "kmem.h"
#include "exec_mmap.h"
#include "new_exec.h"
#include "proc_mm.h"
#include "options.h"
#include "sys.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Tried in this order, first answer other than -ENOEXEC wins. The ELF
 * loader comes last: exec_follow_rewrites() stops before it. */
static const struct binfmt *const formats[] = {
	&binfmt_misc,
	&binfmt_script,
	&binfmt_elf,
};

static int no_handler(struct bprm *b)
{
	const unsigned char *p = b->buf;

	if (b->buf_len == 0)
		return bprm_fail(b, -ENOEXEC, "%s is empty: there is nothing to execute", b->interp);
	if (p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F')
		return bprm_fail(b, -ENOEXEC, "%s is an ELF file this machine cannot run (class %u, data %u, machine %u)",
				 b->interp, p[4], p[5], (unsigned)(p[18] | p[19] << 8));
	if (p[0] == '#' && p[1] == '!')
		return bprm_fail(b, -ENOEXEC, "%s has a #! line the kernel would not accept", b->interp);
	return bprm_fail(b, -ENOEXEC,
			 "%s is neither ELF nor a #! script (first bytes %02x %02x %02x %02x); a shell would run it as a shell script, execve does not",
			 b->interp, p[0], p[1], p[2], p[3]);
}

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

/* The first nformats handlers; with fewer than all, a file none of them
 * takes is -ENOEXEC without a diagnosis of its own. */
static int search_binary_handler(struct bprm *b, size_t nformats)
{
	int ret = bprm_read_buf(b);

	if (ret)
		return ret;
	for (size_t i = 0; i < nformats; i++) {
		struct uexec_event ev = { .kind = UEXEC_EV_HANDLER, .handler = formats[i]->name, .path = b->interp };

		ret = formats[i]->load_binary(b);
		ev.result = ret;
		bprm_trace(b, &ev);
		if (ret != -ENOEXEC)
			return ret;
	}
	return nformats == NFORMATS ? no_handler(b) : -ENOEXEC;
}

/* bprm_fill_uid(): the final file's set-user-ID and set-group-ID bits
 * would change the credentials. uexec cannot, and must not pretend to:
 * refuse, unless the change would be no change (the caller already has
 * those IDs) or the mount ignores the bits (nosuid). */
static int check_credentials(struct bprm *b)
{
	const struct stat *st = &b->st;
	bool suid = (st->st_mode & S_ISUID) && st->st_uid != geteuid();
	/* Set-group-ID without group execute is mandatory locking, not sgid. */
	bool sgid = (st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP) && st->st_gid != getegid();
	struct statvfs vfs;

	if (!suid && !sgid)
		return 0;
	if (fstatvfs(b->fd, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		return 0;
	return bprm_fail(b, -EPERM,
			 "%s is set-%s-ID (%s %u): the kernel would run it with those privileges; uexec cannot raise privileges and refuses rather than run it without them",
			 b->interp, suid ? "user" : "group", suid ? "owner" : "group",
			 suid ? (unsigned)st->st_uid : (unsigned)st->st_gid);
}

/* The handlers up to nformats, restarted on each rewrite. With fewer than
 * all, the file none of them takes ends the loop (returns 0). */
static int exec_binprm(struct bprm *b, size_t nformats)
{
	for (unsigned depth = 0;; depth++) {
		int ret;

		/* The kernel's "4 levels of binfmt rewrites" comment notwithstanding,
		 * its test is depth > 5: six files in a chain are allowed. */
		if (depth > BINPRM_MAX_DEPTH)
			return bprm_fail(b, -ELOOP, "more than %d interpreter rewrites (#! or binfmt_misc); the last was to %s",
					 BINPRM_MAX_DEPTH, b->interp);
		b->depth = depth;
		ret = search_binary_handler(b, nformats);
		if (ret == -ENOEXEC && nformats < NFORMATS)
			return 0;
		if (ret < 0)
			return ret;
		if (b->interpreter_fd < 0)
			return check_credentials(b);
		/* Restart with the interpreter as the file, like the kernel's
		 * bprm->file = bprm->interpreter. */
		if (b->have_execfd) {
			/* binfmt_misc O: the matched binary stays open for the
			 * interpreter (AT_EXECFD). A second one would have
			 * nowhere to go: the kernel refuses it the same way. */
			if (b->execfd >= 0) {
				sys_close(b->fd);
				b->fd = -1;
				return bprm_fail(b, -ENOEXEC, "two binfmt_misc rules with flag O/C in one chain");
			}
			b->execfd = b->fd;
		} else {
			sys_close(b->fd);
		}
		b->fd = b->interpreter_fd;
		b->interpreter_fd = -1;
		if (fstat(b->fd, &b->st) < 0)
			return bprm_fail(b, -errno, "cannot stat %s", b->interp);
	}
}

/* The rewriting handlers come first in formats[]; the ELF loader last. */
int exec_follow_rewrites(struct bprm *b)
{
	_Static_assert(NFORMATS >= 1, "the ELF loader is a handler");
	return exec_binprm(b, NFORMATS - 1);
}

static void report_error(const struct bprm *b, const struct uexec_options *opt, int err)
{
	struct uexec_event ev = { .kind = UEXEC_EV_ERROR, .result = err, .path = b->interp, .text = b->diag };

	if (opt && opt->diag && opt->diag_size) {
		snprintf(opt->diag, opt->diag_size, "%s", b->diag);
	}
	bprm_trace(b, &ev);
}

/* The image handed to the caller is the request itself: the opaque type
 * only hides its layout. */
static struct bprm *to_bprm(struct uexec_image *img)
{
	return (struct bprm *)img;
}

/* For `uexec explain`: what of /proc/self the new program will not see
 * as the kernel would set it (uexec_start() sets it with PR_SET_MM_MAP). */
static void note_proc_limits(const struct bprm *b)
{
	int ret = proc_mm_probe();

	if (ret == -EINVAL)
		bprm_note(b, "this kernel has no PR_SET_MM_MAP (CONFIG_CHECKPOINT_RESTORE): /proc/self/cmdline, "
			  "environ, auxv, stat and exe will keep describing uexec, not the new program");
	else if (ret)
		bprm_note(b, "prctl(PR_SET_MM_MAP) is refused here (%s): /proc/self/cmdline, environ, auxv, stat "
			  "and exe will keep describing uexec, not the new program", strerror(-ret));
	else if (proc_mm_may_set_exe())
		bprm_note(b, "/proc/self/exe will keep naming uexec's own executable: naming the program "
			  "needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN (cmdline, environ, auxv and stat are set)");
}

/* do_execveat_common() from the open on: arguments, then the handlers. */
static int prepare(struct bprm *b, int dirfd, const char *path, int flags, char *const argv[], char *const envp[],
		   const struct uexec_options *opt, struct uexec_image **out)
{
	int ret;

	/* The kernel opens the file before it looks at the arguments: a
	 * missing file is ENOENT even with an oversized argv. */
	b->fd = bprm_open_exec_at(b, dirfd, path, flags, &b->st);
	if (b->fd < 0) {
		ret = b->fd;
		goto fail;
	}
	ret = bprm_copy_args(b, argv, envp);
	if (ret)
		goto fail;
	/* About this process, not the file: said first, so the file's own
	 * notes come after it. */
	if (opt && opt->trace)
		note_proc_limits(b);
	ret = exec_binprm(b, NFORMATS);
	if (ret)
		goto fail;
	/* The options were the caller's, for this call only. */
	b->opt = NULL;
	*out = (struct uexec_image *)b;
	return 0;
fail:
	report_error(b, opt, ret);
	bprm_free(b);
	return ret;
}

static void clear_diag(const struct uexec_options *opt)
{
	if (opt && opt->diag && opt->diag_size)
		opt->diag[0] = '\0';
}

/* de_thread()'s ground: the exec replaces the whole address space, so no
 * other task may share it. The kernel ends the other threads and gives a
 * vfork child a new mm; uexec can do neither, so it refuses before it
 * allocates or maps anything (a vfork parent's memory is the child's). */
static int check_alone(const struct uexec_options *opt)
{
	enum new_exec_share s = new_exec_sharing();
	const char *why = s == NEW_EXEC_THREADS ?
		"this process has other threads: uexec replaces the address space they run in and cannot end them as the kernel does" :
		"this process shares its address space with another (a vfork or CLONE_VM child, or the parent of one): "
		"uexec would replace the other's memory too";

	if (s == NEW_EXEC_ALONE)
		return 0;
	if (opt && opt->diag && opt->diag_size)
		snprintf(opt->diag, opt->diag_size, "%s", why);
	return -EBUSY;
}

int uexec_prepare(const char *path, char *const argv[], char *const envp[],
		  const struct uexec_options *caller_opt, struct uexec_image **out)
{
	struct uexec_options copy;
	const struct uexec_options *opt;
	struct bprm *b;
	int ret = options_import(caller_opt, &copy, &opt);

	*out = NULL;
	if (ret)
		return ret;
	clear_diag(opt);
	if (!path)
		return -EFAULT;
	ret = check_alone(opt);
	if (ret)
		return ret;
	b = bprm_alloc(path, opt);
	if (!b)
		return -ENOMEM;
	return prepare(b, AT_FDCWD, path, 0, argv, envp, opt, out);
}

/* alloc_bprm()'s naming of a program reached through a descriptor. */
static struct bprm *alloc_at(int dirfd, const char *path, const struct uexec_options *opt)
{
	char name[64 + 4096];
	struct bprm *b;
	int fdflags;

	if (dirfd == AT_FDCWD || path[0] == '/')
		return bprm_alloc(path, opt);
	if (path[0])
		snprintf(name, sizeof(name), "/dev/fd/%d/%s", dirfd, path);
	else
		snprintf(name, sizeof(name), "/dev/fd/%d", dirfd);
	b = bprm_alloc(name, opt);
	fdflags = fcntl(dirfd, F_GETFD);
	if (b && fdflags >= 0 && (fdflags & FD_CLOEXEC))
		b->path_inaccessible = true;
	return b;
}

int uexec_prepare_at(int dirfd, const char *path, int flags, char *const argv[], char *const envp[],
		     const struct uexec_options *caller_opt, struct uexec_image **out)
{
	struct uexec_options copy;
	const struct uexec_options *opt;
	struct bprm *b;
	int ret = options_import(caller_opt, &copy, &opt);

	*out = NULL;
	if (ret)
		return ret;
	clear_diag(opt);
	if (!path)
		return -EFAULT;
	ret = check_alone(opt);
	if (ret)
		return ret;
	b = alloc_at(dirfd, path, opt);
	if (!b)
		return -ENOMEM;
	return prepare(b, dirfd, path, flags, argv, envp, opt, out);
}

int uexec_prepare_mem(const void *buf, size_t len, const char *name, char *const argv[], char *const envp[],
		      const struct uexec_options *caller_opt, struct uexec_image **out)
{
	bool script = len >= 2 && ((const char *)buf)[0] == '#' && ((const char *)buf)[1] == '!';
	struct uexec_options copy;
	const struct uexec_options *opt;
	struct bprm *b;
	int fd, ret = options_import(caller_opt, &copy, &opt);

	*out = NULL;
	if (ret)
		return ret;
	clear_diag(opt);
	ret = check_alone(opt);
	if (ret)
		return ret;
	fd = sys_memfd(name ? name : "uexec", script ? 0 : MFD_CLOEXEC, buf, len);
	if (fd < 0)
		return -errno;
	b = alloc_at(fd, "", opt);
	if (!b) {
		sys_close(fd);
		return -ENOMEM;
	}
	/* The request owns the memfd from here: bprm_free() closes it on
	 * failure, uexec_start() keeps it for a script's interpreter. */
	b->owned_fd = fd;
	b->owned_fd_survives = script;
	ret = prepare(b, fd, "", AT_EMPTY_PATH, argv, envp, opt, out);
	return ret;
}

const char *uexec_image_filename(const struct uexec_image *img)
{
	return ((const struct bprm *)img)->filename;
}

void uexec_release(struct uexec_image *img)
{
	bprm_free(to_bprm(img));
}

_Noreturn void uexec_start(struct uexec_image *img)
{
	struct bprm *b = to_bprm(img);
	const uintptr_t entry = b->entry, sp = b->sp;
	const struct bprm_stage stage = b->stage;
	const struct bprm_mm mm = b->mm;
	int execfd = b->execfd, exe_fd = b->fd;
	uint64_t all = ~UINT64_C(0), mask = 0;
	struct exec_mmap_tramp tramp;
	struct new_exec_self self;
	char comm[16];

	/* The point of no return. From here to the jump no signal handler
	 * may run: it would find a half-built process. The caller's mask is
	 * the new program's (the kernel keeps it across execve): the
	 * trampoline restores it as its last step. A raw call, so that the
	 * signals libc keeps for itself are blocked too. */
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &mask, sizeof(mask));
	/* A thread started, or a CLONE_VM child appeared, since prepare
	 * checked: the address space cannot be replaced under them, and
	 * there is no caller left to return to. The image goes first, so a
	 * vfork parent finds its memory as it was. */
	if (new_exec_sharing() != NEW_EXEC_ALONE) {
		bprm_free(b);
		exec_mmap_die();
	}
	new_exec_self_read(&self);
	if (!exec_mmap_tramp_build(&stage, &mm, exe_fd, mask, &tramp))
		exec_mmap_die();

	/* A script from memory: its interpreter opens /dev/fd/N. */
	if (b->owned_fd >= 0 && b->owned_fd_survives) {
		sys_disown(b->owned_fd);
		new_exec_keep_fd(b->owned_fd);
		b->owned_fd = -1;
	}

	/* Everything the jump needs lives in locals from here on: the
	 * request is freed before the jump, mappings kept. */
	new_exec_comm_from(comm, sizeof(comm), b->filename);
	vm_map_commit(&b->vm);
	sys_disown(execfd);
	b->execfd = -1;
	/* The program's own descriptor is offered as /proc/self/exe, then
	 * closed by the trampoline, after it has unmapped this code: it must
	 * survive until then, and is not the new program's. */
	sys_disown(exe_fd);
	b->fd = -1;
	bprm_free(b);
	if (exe_fd >= 0)
		new_exec_keep_fd(exe_fd);
	new_exec_begin(&self, comm, execfd);
	exec_mmap_tramp_jump(&tramp, &stage, entry, sp);
}

int uexec_execve(const char *path, char *const argv[], char *const envp[])
{
	struct uexec_image *img;
	int ret = uexec_prepare(path, argv, envp, NULL, &img);

	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	uexec_start(img);
}
