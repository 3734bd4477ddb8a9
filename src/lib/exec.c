/* do_execveat_common(), bprm_execve(), exec_binprm() and
 * search_binary_handler(), in user space. */
#include "arch.h"
#include "binfmt.h"
#include "binfmt_hint.h"
#include "bprm.h"
#include "kmem.h"
#include "new_exec.h"
#include "sys.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Tried in this order, first answer other than -ENOEXEC wins. */
static const struct binfmt *const formats[] = {
	&binfmt_misc,
	&binfmt_script,
	&binfmt_elf,
};

static int no_handler(struct bprm *b)
{
	const unsigned char *p = b->buf;
	char hint[384];
	size_t len;

	if (b->buf_len == 0)
		return bprm_fail(b, -ENOEXEC, "%s is empty: there is nothing to execute", b->interp);
	if (p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F') {
		/* The ELF handler said why; what to do about it follows. */
		binfmt_hint_elf(p, b->buf_len, hint, sizeof(hint));
		len = strlen(b->diag);
		if (len && hint[0])
			snprintf(b->diag + len, sizeof(b->diag) - len, "%s", hint);
		return bprm_fail(b, -ENOEXEC, "%s is an ELF file this machine cannot run (class %u, data %u, machine %u)%s",
				 b->interp, p[4], p[5], (unsigned)(p[18] | p[19] << 8), hint);
	}
	if (p[0] == '#' && p[1] == '!')
		return bprm_fail(b, -ENOEXEC, "%s has a #! line the kernel would not accept", b->interp);
	binfmt_hint_unknown(b->interp, p, b->buf_len, hint, sizeof(hint));
	return bprm_fail(b, -ENOEXEC, "%s", hint);
}

static int search_binary_handler(struct bprm *b)
{
	int ret = bprm_read_buf(b);

	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct uexec_event ev = { .kind = UEXEC_EV_HANDLER, .handler = formats[i]->name, .path = b->interp };

		ret = formats[i]->load_binary(b);
		ev.result = ret;
		bprm_trace(b, &ev);
		if (ret != -ENOEXEC)
			return ret;
	}
	return no_handler(b);
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

static int exec_binprm(struct bprm *b)
{
	for (unsigned depth = 0;; depth++) {
		int ret;

		/* The kernel's "4 levels of binfmt rewrites" comment notwithstanding,
		 * its test is depth > 5: six files in a chain are allowed. */
		if (depth > BINPRM_MAX_DEPTH)
			return bprm_fail(b, -ELOOP, "more than %d interpreter rewrites (#! or binfmt_misc); the last was to %s",
					 BINPRM_MAX_DEPTH, b->interp);
		b->depth = depth;
		ret = search_binary_handler(b);
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

/* What the kernel keeps in mm_struct for /proc/self (create_elf_tables()):
 * the strings, argv, envp and auxv, read back from the finished stack.
 * The ELF handler recorded code, data and brk itself. */
static void record_mm(struct bprm *b)
{
	const uint64_t *w = (const uint64_t *)b->sp;
	uint64_t argc, envc = 0;
	const char *last;

	if (!w)
		return;
	b->mm.start_stack = (uintptr_t)w;
	argc = w[0];
	b->mm.arg_start = argc ? (uintptr_t)w[1] : 0;
	last = argc ? (const char *)w[argc] : NULL;
	b->mm.arg_end = last ? (uintptr_t)last + strlen(last) + 1 : b->mm.arg_start;
	for (const uint64_t *e = w + argc + 2; *e; e++)
		envc++;
	b->mm.env_start = envc ? (uintptr_t)w[argc + 2] : b->mm.arg_end;
	last = envc ? (const char *)w[argc + 1 + envc] : NULL;
	b->mm.env_end = last ? (uintptr_t)last + strlen(last) + 1 : b->mm.env_start;
	b->mm.auxv = (uintptr_t)(w + argc + envc + 3);
	for (const uint64_t *a = (const uint64_t *)b->mm.auxv;; a += 2) {
		if (a[0] == AT_NULL) {
			b->mm.auxv_size = (size_t)((uintptr_t)(a + 2) - b->mm.auxv);
			break;
		}
	}
}

/* For `uexec explain`: what of /proc/self the new program will not see
 * as the kernel would set it (uexec_start() sets it with PR_SET_MM_MAP). */
static void note_proc_limits(const struct bprm *b)
{
	int ret = new_exec_mm_probe();

	if (ret == -EINVAL)
		bprm_note(b, "this kernel has no PR_SET_MM_MAP (CONFIG_CHECKPOINT_RESTORE): /proc/self/cmdline, "
			  "environ, auxv, stat and exe will keep describing uexec, not the new program");
	else if (ret)
		bprm_note(b, "prctl(PR_SET_MM_MAP) is refused here (%s): /proc/self/cmdline, environ, auxv, stat "
			  "and exe will keep describing uexec, not the new program", strerror(-ret));
	else if (new_exec_may_set_exe())
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
	ret = exec_binprm(b);
	if (ret)
		goto fail;
	record_mm(b);
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

int uexec_prepare(const char *path, char *const argv[], char *const envp[],
		  const struct uexec_options *opt, struct uexec_image **out)
{
	struct bprm *b;

	*out = NULL;
	clear_diag(opt);
	if (!path)
		return -EFAULT;
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
		     const struct uexec_options *opt, struct uexec_image **out)
{
	struct bprm *b;

	*out = NULL;
	clear_diag(opt);
	if (!path)
		return -EFAULT;
	b = alloc_at(dirfd, path, opt);
	if (!b)
		return -ENOMEM;
	return prepare(b, dirfd, path, flags, argv, envp, opt, out);
}

int uexec_prepare_mem(const void *buf, size_t len, const char *name, char *const argv[], char *const envp[],
		      const struct uexec_options *opt, struct uexec_image **out)
{
	bool script = len >= 2 && ((const char *)buf)[0] == '#' && ((const char *)buf)[1] == '!';
	struct bprm *b;
	int fd, ret;

	*out = NULL;
	clear_diag(opt);
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

void uexec_release(struct uexec_image *img)
{
	bprm_free(to_bprm(img));
}

/* Areas of the new image, copied out of the request before it is freed:
 * the trampoline keeps them and unmaps everything else. */
#define KEEP_MAX NEW_EXEC_KEEP_MAX

_Noreturn void uexec_start(struct uexec_image *img)
{
	struct bprm *b = to_bprm(img);
	uintptr_t entry = b->entry, sp = b->sp;
	int execfd = b->execfd, exe_fd = b->fd;
	struct new_exec_tramp tramp;
	struct new_exec_keep keep[KEEP_MAX];
	size_t nkeep = 0;
	struct bprm_mm mm = b->mm;
	struct new_exec_self self;
	char comm[16];
	bool unmap_old;

	new_exec_self_read(&self);
	/* An image has a handful of areas; one with more than keep[] holds
	 * keeps the old mappings rather than guess what to unmap. */
	unmap_old = b->vm.count + NEW_EXEC_TRAMP_AREAS <= KEEP_MAX && new_exec_tramp_build(&self, &mm, exe_fd, &tramp);

	/* What stays: the new image's areas and the trampoline's own. */
	for (const struct vm_area *a = b->vm.head; a && unmap_old; a = a->next) {
		keep[nkeep].start = a->start;
		keep[nkeep].end = a->start + a->len;
		nkeep++;
	}
	if (unmap_old) {
		new_exec_tramp_areas(&tramp, keep + nkeep);
		nkeep += NEW_EXEC_TRAMP_AREAS;
	}

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
	 * closed: it is not the new program's. */
	sys_disown(exe_fd);
	b->fd = -1;
	bprm_free(b);
	if (unmap_old) {
		/* The trampoline sets /proc/self and closes exe_fd itself,
		 * after unmapping this code: exe_fd must survive until then. */
		new_exec_keep_fd(exe_fd);
	} else {
		new_exec_set_mm(&mm, exe_fd);
		if (exe_fd >= 0)
			close(exe_fd);
	}
	new_exec_begin(&self, comm, execfd);
	if (unmap_old)
		new_exec_tramp_jump(&tramp, keep, nkeep, entry, sp);
	arch_jump(entry, sp);
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
