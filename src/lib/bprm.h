/* The exec request: the user-space `struct linux_binprm`.
 *
 * One owner: the bprm owns every resource the exec takes (descriptors,
 * strings, argument copies, mappings), and bprm_free() is the one place that
 * releases them, whatever path the request took. A handler that replaces a
 * field frees the old value through the helpers below, never by hand. */
#ifndef UEXEC_BPRM_H
#define UEXEC_BPRM_H

#include "vm_map.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <uexec/uexec.h>

#define BINPRM_BUF_SIZE 256
/* Kernel's exec_binprm(): more than 5 rewrites (script -> interpreter ...)
 * gives -ELOOP. */
#define BINPRM_MAX_DEPTH 5
/* include/uapi/linux/binfmts.h */
#define MAX_ARG_STRLEN (32 * 4096)
#define MAX_ARG_STRINGS 0x7FFFFFFF
/* include/uapi/linux/limits.h ARG_MAX and the kernel's _STK_LIM */
#define BPRM_ARG_MAX (128 * 1024)
#define BPRM_STK_LIM (8 * 1024 * 1024)

/* What the kernel records in mm_struct at exec and shows in /proc/PID/
 * (cmdline, environ, auxv, stat): set by the ELF handler (code, data,
 * brk) and the stack builder (strings, auxv), handed to
 * prctl(PR_SET_MM_MAP) at the point of no return. 0: not known. */
struct bprm_mm {
	uintptr_t start_code, end_code, start_data, end_data, start_brk;
	uintptr_t start_stack, arg_start, arg_end, env_start, env_end;
	uintptr_t auxv;          /* the auxv on the new stack, AT_NULL included */
	size_t auxv_size;        /* bytes */
};

/* The new image as prepared (binfmt_elf.c): the program, the interpreter
 * and the stack, each an area bound for final. An area is reserved in
 * place (stage == final, a record of vm of its own) where this process
 * leaves that range free, else staged: prepared at stage in one staging
 * reservation (a record of vm), after its first EXEC_MMAP_SLOT bytes,
 * which are the trampoline's, and moved to final by it (exec_mmap.c).
 * len 0: no such area. */
#define BPRM_AREAS 3
struct bprm_area {
	uintptr_t stage, final;
	size_t len;
};
struct bprm_stage {
	uintptr_t base;
	size_t len;
	struct bprm_area area[BPRM_AREAS];
};

/* An owned, NULL-terminated vector of owned strings. */
struct strvec {
	char **v;
	size_t n, cap;
};

struct bprm {
	char *filename;          /* as passed to execve: AT_EXECFN, comm */
	char *interp;            /* path of the file being loaded (starts == filename) */
	int fd;                  /* bprm->file: the file being loaded now */
	int interpreter_fd;      /* set by a rewriting handler: the next file, or -1 */
	struct stat st;          /* of fd */
	unsigned char buf[BINPRM_BUF_SIZE]; /* first bytes of fd, zero padded */
	size_t buf_len;          /* bytes actually read */
	struct strvec argv, envp;
	size_t arg_limit;        /* bytes the strings may take (bprm_stack_limits) */
	rlim_t rlim_stack;       /* RLIMIT_STACK's soft limit, read once (bprm->rlim_stack) */
	size_t arg_bytes;        /* bytes they take now, filename included */
	unsigned depth;
	int execfd;              /* binfmt_misc O flag: the matched binary, passed as AT_EXECFD, or -1 */
	bool have_execfd;        /* a handler asked for execfd (kernel: bprm->have_execfd) */
	bool preserve_argv0;     /* binfmt_misc P flag: AT_FLAGS_PRESERVE_ARGV0 */
	/* filename is /dev/fd/N of a close-on-exec descriptor: the new program
	 * could not open it, so handlers that pass the path on give -ENOENT. */
	bool path_inaccessible;
	int owned_fd;            /* a memfd the request made (exec from memory), or -1 */
	bool owned_fd_survives;  /* it must stay open in the new program (/dev/fd/N) */
	struct vm_map vm;        /* every mapping made for the new image */
	uintptr_t entry, sp;     /* set by the ELF handler: where the jump goes */
	uintptr_t stack_start, stack_end;
	struct bprm_mm mm;
	struct bprm_stage stage;
	char diag[512];          /* first diagnosis recorded (bprm_fail) */
	const struct uexec_options *opt;
};

/* Allocate an empty request for filename (nothing opened yet); NULL on
 * ENOMEM. bprm_free() releases whatever the request holds at that point. */
struct bprm *bprm_alloc(const char *filename, const struct uexec_options *opt);
void bprm_free(struct bprm *b);

/* Copy argv and envp with the kernel's limits (-E2BIG): the filename, then
 * envp, then argv count against a quarter of RLIMIT_STACK; argc == 0
 * becomes { "" } as the kernel does. */
int bprm_copy_args(struct bprm *b, char *const argv[], char *const envp[]);

/* The checks of do_open_execat() without a request: returns an fd or
 * -errno, and on failure writes a diagnosis into why. */
int open_exec(const char *path, struct stat *st, char *why, size_t why_size);
/* The same relative to dirfd, with execveat()'s flags (AT_EMPTY_PATH:
 * dirfd itself is the file; AT_SYMLINK_NOFOLLOW). */
int open_exec_at(int dirfd, const char *path, int flags, struct stat *st, char *why, size_t why_size);

/* open_exec(): open path for execution with the kernel's checks (regular
 * file, execute permission, noexec mount). Returns an fd or -errno, and
 * writes a diagnosis on failure. */
int bprm_open_exec(struct bprm *b, const char *path, struct stat *st);
int bprm_open_exec_at(struct bprm *b, int dirfd, const char *path, int flags, struct stat *st);
/* prepare_binprm(): fill buf from fd. */
int bprm_read_buf(struct bprm *b);

/* Argument editing for rewriting handlers (kernel: remove_arg_zero,
 * copy_string_kernel at the front, bprm_change_interp). */
int bprm_remove_arg_zero(struct bprm *b);
int bprm_push_front_arg(struct bprm *b, const char *s);
int bprm_change_interp(struct bprm *b, const char *interp);

/* Tracing and diagnosis. bprm_fail() records the first diagnosis only: the
 * deepest failure explains best, outer layers must not overwrite it. */
void bprm_trace(const struct bprm *b, const struct uexec_event *ev);
int bprm_fail(struct bprm *b, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void bprm_note(const struct bprm *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void strvec_free(struct strvec *sv);

#endif
