/* libuexec: the kernel's program-execution path, in user space.
 *
 * The API mirrors the two halves of execve(2):
 *   uexec_prepare()  everything up to the point of no return: open, read the
 *                    first 256 bytes, walk the binary-format handlers, map the
 *                    image and its interpreter, build the new stack. Fully
 *                    reversible: uexec_release() undoes all of it.
 *   uexec_start()    the point of no return: exec semantics (close-on-exec
 *                    descriptors, signals, comm), free the loader's own
 *                    memory, replace the address space, jump.
 * uexec_execve() is both, with execve()'s contract.
 *
 * Errors. The errno values are the ones the Linux kernel's execve returns
 * for the same file. Two families differ only in how they report them:
 *   - uexec_prepare*() and uexec_binfmt_rules_*() return 0 (or a count)
 *     on success and a negative errno value on failure; errno itself is
 *     unspecified afterwards.
 *   - the execve family, uexec_execve(), uexec_execvp(), uexec_execvpe(),
 *     uexec_fexecve() and uexec_execveat(), has execve(2)'s contract: it
 *     returns only on failure, -1 with errno set.
 *
 * Threads. Any number of threads may prepare and release images at once
 * (each image is used by one thread at a time); a binfmt rule set may be
 * shared by concurrent prepares, but not added to or freed while one
 * runs. A prepared image occupies its addresses until it is started or
 * released: a second image of a fixed-address (non-PIE) program that
 * overlaps it cannot be prepared meanwhile. The engine's accounting (uexec-debug.h) is exact under concurrent
 * use. uexec_prepare_search() and the execvp family read PATH with
 * getenv(), which must not race with setenv() in another thread, as with
 * libc's execvp.
 *
 * Signals. Nothing here is async-signal-safe (the engine allocates): do
 * not call it from a signal handler, nor in a vfork() child, which shares
 * the parent's memory; call it in the process that is to become the
 * program, or in a fork() child.
 *
 * Debugging interfaces (accounting, fault injection) are in
 * <uexec/uexec-debug.h>.
 */
#ifndef UEXEC_UEXEC_H
#define UEXEC_UEXEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
/* The library is built with hidden visibility; what this header declares
 * is its interface. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* What a trace callback is told, step by step, while a request is prepared.
 * `uexec explain` prints these; nothing in the engine depends on them. */
enum uexec_event_kind {
	UEXEC_EV_OPEN,         /* path: file opened as the current image */
	UEXEC_EV_HANDLER,      /* handler: tried; result: 0 or -errno (-ENOEXEC: not mine) */
	UEXEC_EV_INTERP,       /* path: interpreter the handler rewrote to; text: why */
	UEXEC_EV_ARGV,         /* value: index; text: argv string after a rewrite */
	UEXEC_EV_MAP,          /* start,end,prot,offset,path: one mapping made */
	UEXEC_EV_ENTRY,        /* value: entry point the jump goes to */
	UEXEC_EV_STACK,        /* start,end: stack mapping; value: initial sp */
	UEXEC_EV_AUXV,         /* a_type, value: one auxv entry, in stack order */
	UEXEC_EV_NOTE,         /* text: a remark a person should read (limitation, warning) */
	UEXEC_EV_ERROR,        /* result: -errno; path; text: diagnosis */
};

struct uexec_event {
	enum uexec_event_kind kind;
	const char *handler;   /* handler name, for HANDLER */
	const char *path;      /* file concerned, when there is one */
	const char *text;      /* human text, when there is one */
	int result;            /* 0 or -errno */
	int prot;              /* PROT_* for MAP */
	uint64_t start, end;   /* address range for MAP and STACK */
	uint64_t offset;       /* file offset for MAP */
	uint64_t a_type;       /* AT_* for AUXV */
	uint64_t value;
};

typedef void (*uexec_trace_fn)(void *ctx, const struct uexec_event *ev);

struct uexec_binfmt_rules;

/* Options, versioned by size: the caller sets size to
 * sizeof(struct uexec_options) as its header declares it (the initializer
 * UEXEC_OPTIONS_INIT does). New fields are only ever added at the end; a
 * library older than the caller's header accepts the larger struct when
 * every byte it does not know is zero and fails with -E2BIG otherwise, a
 * newer library treats the fields it has and the caller did not as zero
 * (the kernel's rule for clone3 and openat2). A size smaller than the
 * first version's is -EINVAL. */
struct uexec_options {
	size_t size;           /* sizeof(struct uexec_options) */
	uexec_trace_fn trace;  /* may be NULL */
	void *trace_ctx;
	/* Where the diagnosis of a failure is written (NUL-terminated, may be
	 * truncated): a sentence a person understands, without the errno text. */
	char *diag;
	size_t diag_size;
	/* binfmt_misc rules to match, like the kernel's registered entries;
	 * NULL: none. */
	const struct uexec_binfmt_rules *binfmt_rules;
	/* Non-zero: also refuse what Linux loads and runs but the ELF rules
	 * call wrong (the "strict" findings of `uexec check`: EI_CLASS not
	 * ELFCLASS64, a program header table over a page). 0: as Linux, and
	 * the trace gets them as notes. */
	int strict;
};
#define UEXEC_OPTIONS_INIT { .size = sizeof(struct uexec_options) }

/* --- binfmt_misc rules --------------------------------------------------
 * The kernel's register-string syntax, ":name:type:offset:magic:mask:
 * interpreter:flags", validated with the kernel's rules. A rule set owns
 * its rules (and, for flag F, the interpreter opened when the rule was
 * added). Later rules take precedence, as newer kernel entries do. */

/* Called for each rule a loader refuses: where (file and line, or the
 * string), which field, and why. Other rules keep working. */
typedef void (*uexec_rule_error_fn)(void *ctx, const char *where, unsigned line,
				    const char *field, const char *reason);

int uexec_binfmt_rules_new(struct uexec_binfmt_rules **out);
void uexec_binfmt_rules_free(struct uexec_binfmt_rules *r);
/* Add one register string. Returns 0, or -EINVAL (bad rule; field and
 * reason reported through err), -EEXIST (name taken), -ENOMEM, or the
 * error opening the interpreter for flag F. */
int uexec_binfmt_rules_add(struct uexec_binfmt_rules *r, const char *reg,
			   uexec_rule_error_fn err, void *ctx);
/* Load every "*.conf" of a directory in name order: one rule per line,
 * '#' comments and blank lines ignored. A missing directory is not an
 * error. Returns the number of rules added or -errno. */
int uexec_binfmt_rules_load_dir(struct uexec_binfmt_rules *r, const char *dir,
				uexec_rule_error_fn err, void *ctx);
/* Import the host kernel's active entries from a mounted binfmt_misc
 * (normally /proc/sys/fs/binfmt_misc). Returns the number imported, or
 * -ENOENT when binfmt_misc is not mounted. */
int uexec_binfmt_rules_import_host(struct uexec_binfmt_rules *r, const char *mountpoint,
				   uexec_rule_error_fn err, void *ctx);

struct uexec_binfmt_rule_info {
	const char *name;
	char type;                 /* 'M' magic or 'E' extension */
	unsigned offset;
	const unsigned char *magic, *mask; /* mask NULL: all bits */
	unsigned size;
	const char *extension;     /* for 'E' */
	const char *interpreter;
	const char *flags;         /* subset of "POCF" */
	const char *origin;        /* file:line, or "host" */
};
/* Visit rules in match order (the one that would win first). */
void uexec_binfmt_rules_for_each(const struct uexec_binfmt_rules *r,
				 void (*fn)(void *ctx, const struct uexec_binfmt_rule_info *info), void *ctx);
/* Which rule would take path (whose first bytes are read from the file)?
 * Returns the rule's name, NULL when none, or sets *errp on read errors. */
const char *uexec_binfmt_rules_match(const struct uexec_binfmt_rules *r, const char *path, int *errp);

struct uexec_image;

/* Prepare path for execution with argv and envp (NULL-terminated; argv may be
 * empty, as with the kernel). On success *out owns every resource and 0 is
 * returned; on failure nothing is left allocated, mapped or open and -errno is
 * returned. opt may be NULL.
 *
 * The image is laid out for the addresses the kernel would give it in a
 * fresh address space (ET_EXEC at its p_vaddr, ET_DYN with an interpreter
 * at ELF_ET_DYN_BASE + random, the interpreter and a static-pie below a
 * fresh random mmap base, the stack below a randomized STACK_TOP), whatever
 * this process has mapped there: each area (program, interpreter, stack)
 * is reserved at its final address where this process leaves it free,
 * else built at a free staging range and moved by uexec_start(). Trace
 * events name the final addresses.
 *
 * The hard callers:
 *   - another process sharing this address space (a vfork or CLONE_VM
 *     child, the parent of a running CLONE_VM child): all three prepare
 *     functions, and so the execve family, fail with -EBUSY and a
 *     diagnosis before anything is allocated or mapped. The kernel gives
 *     a vfork child a new mm; uexec cannot, and would otherwise replace
 *     the parent's memory. A vfork parent's memory is left as it was.
 *   - other threads in this process: a prepare is allowed (it maps only
 *     into free ranges and a release undoes it; see the thread contract),
 *     but the execve family (uexec_execve() and the others) fails with
 *     EBUSY before preparing, and uexec_start() with threads alive kills
 *     the process (below). The kernel ends the other threads
 *     (de_thread); uexec cannot, and never jumps with them alive. A
 *     thread that has returned or called pthread_exit() and been joined
 *     is not counted: the check waits (up to 2 s) for one the kernel
 *     still lists as exiting, as de_thread() waits. */
int uexec_prepare(const char *path, char *const argv[], char *const envp[],
		  const struct uexec_options *opt, struct uexec_image **out);

/* execveat(2): path relative to dirfd; with flags AT_EMPTY_PATH and an
 * empty path, dirfd itself is the program. The program's name is then
 * "/dev/fd/N" (or "/dev/fd/N/path"), as the kernel gives it; when dirfd is
 * close-on-exec that name will not exist in the new program, so a script
 * (whose interpreter must open it) fails with -ENOENT, as in the kernel. */
int uexec_prepare_at(int dirfd, const char *path, int flags, char *const argv[], char *const envp[],
		     const struct uexec_options *opt, struct uexec_image **out);

/* Exec from memory: the bytes are copied into a memfd named name, which
 * the image owns. A buffer starting with "#!" keeps the memfd open in the
 * new program (its interpreter reads /dev/fd/N); any other is closed. */
int uexec_prepare_mem(const void *buf, size_t len, const char *name, char *const argv[], char *const envp[],
		      const struct uexec_options *opt, struct uexec_image **out);

/* execvp()'s search, as a prepare: file without a '/' is tried in each
 * directory of search (NULL: the PATH environment variable, or
 * "/bin:/usr/bin" when it is unset; an empty entry is the current
 * directory). A candidate failing with EACCES is remembered and the search
 * goes on, as do ENOENT, ENOTDIR, ESTALE, ENODEV and ETIMEDOUT; any other
 * error ends it. When every candidate failed and one was EACCES, the
 * result is -EACCES. A candidate the kernel would refuse with ENOEXEC is
 * run as a shell script (/bin/sh FILE ARG1...) unless flags has
 * UEXEC_SEARCH_NO_SHELL, as glibc's execvp does and posix_spawnp does not.
 * An empty file is -ENOENT; a name longer than NAME_MAX -ENAMETOOLONG. */
#define UEXEC_SEARCH_NO_SHELL 0x1
int uexec_prepare_search(const char *file, const char *search, int flags, char *const argv[],
			 char *const envp[], const struct uexec_options *opt, struct uexec_image **out);

/* The name the prepared program is executed by, the kernel's
 * bprm->filename (AT_EXECFN in the new program): the path given, the PATH
 * candidate uexec_prepare_search() chose ("/bin/sh" for its shell
 * fallback), or "/dev/fd/N[/path]" for uexec_prepare_at(). Valid until
 * the image is started or released. */
const char *uexec_image_filename(const struct uexec_image *img);

/* Undo uexec_prepare(): unmap the image and the stack, close, free. */
void uexec_release(struct uexec_image *img);

/* The point of no return. Blocks every signal (no handler may run in a
 * half-built process), applies exec semantics, frees everything the loader
 * allocated for itself, and, from a trampoline page, removes the caller's
 * address space as the kernel's exec_mmap() does (every mapping but the
 * vDSO, the trampoline's pages and the areas prepared in place), moves
 * the staged areas to their final addresses (mremap), sets /proc/self/cmdline, environ,
 * auxv, stat and (with CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN) exe
 * (prctl PR_SET_MM_MAP), restores the caller's signal mask as its last
 * system call (the kernel keeps the mask across execve) and jumps with an
 * indirect jmp (no push/ret: shadow-stack safe). A failure past this point
 * (a move refused: no memory) kills the process with SIGKILL, as the
 * kernel's exec does. Called while another thread runs or a CLONE_VM
 * sibling shares the address space (started after uexec_prepare()
 * checked), it releases the image and kills the calling process with
 * SIGKILL (a vfork child only: its parent resumes unchanged). */
_Noreturn void uexec_start(struct uexec_image *img);

/* The execve family: execve(2)'s contract, return only on failure, -1
 * with errno set. uexec_execvp() and uexec_execvpe() search PATH as
 * uexec_prepare_search() does (with the shell fallback), in the caller's
 * environment, and give the new program environ or envp. A multi-threaded
 * caller or a vfork / CLONE_VM child gets EBUSY (see uexec_prepare()). uexec_fexecve()
 * is execveat(fd, "", argv, envp, AT_EMPTY_PATH); a negative fd, or a NULL
 * argv or envp, is EINVAL, as glibc's fexecve says. */
int uexec_execve(const char *path, char *const argv[], char *const envp[]);
int uexec_execvp(const char *file, char *const argv[]);
int uexec_execvpe(const char *file, char *const argv[], char *const envp[]);
int uexec_fexecve(int fd, char *const argv[], char *const envp[]);
int uexec_execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
