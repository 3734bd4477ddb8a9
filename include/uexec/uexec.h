/* libuexec: the kernel's program-execution path, in user space.
 *
 * The API mirrors the two halves of execve(2):
 *   uexec_prepare()  everything up to the point of no return: open, read the
 *                    first 256 bytes, walk the binary-format handlers, map the
 *                    image and its interpreter, build the new stack. Fully
 *                    reversible: uexec_release() undoes all of it.
 *   uexec_start()    the point of no return: exec semantics (close-on-exec
 *                    descriptors, signals, comm), free the loader's own
 *                    memory, jump.
 * uexec_execve() is both, with execve()'s contract.
 *
 * Errors are negative errno values, chosen to be the ones the Linux kernel's
 * execve returns for the same file.
 */
#ifndef UEXEC_UEXEC_H
#define UEXEC_UEXEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
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

struct uexec_options {
	uexec_trace_fn trace;  /* may be NULL */
	void *trace_ctx;
	/* Where the diagnosis of a failure is written (NUL-terminated, may be
	 * truncated): a sentence a person understands, without the errno text. */
	char *diag;
	size_t diag_size;
};

struct uexec_image;

/* Prepare path for execution with argv and envp (NULL-terminated; argv may be
 * empty, as with the kernel). On success *out owns every resource and 0 is
 * returned; on failure nothing is left allocated, mapped or open and -errno is
 * returned. opt may be NULL. */
int uexec_prepare(const char *path, char *const argv[], char *const envp[],
		  const struct uexec_options *opt, struct uexec_image **out);

/* Undo uexec_prepare(): unmap the image and the stack, close, free. */
void uexec_release(struct uexec_image *img);

/* The point of no return. Applies exec semantics, frees everything the loader
 * allocated for itself, and jumps to the new program. */
_Noreturn void uexec_start(struct uexec_image *img);

/* execve(2)'s contract: returns only on failure, -1 with errno set. */
int uexec_execve(const char *path, char *const argv[], char *const envp[]);

/* Accounting: live objects across every cache of the engine (0 when idle).
 * Tests and `uexec leakcheck` use it to prove that nothing leaked. */
size_t uexec_kmem_active(void);

#ifdef __cplusplus
}
#endif
#endif
