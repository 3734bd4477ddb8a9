/* Binary-format handlers: the user-space `struct linux_binfmt`. One handler
 * per file; exec.c walks them in order like search_binary_handler(). */
#ifndef UEXEC_BINFMT_H
#define UEXEC_BINFMT_H

struct bprm;

struct binfmt {
	const char *name;
	/* Returns -ENOEXEC for "not mine, try the next", 0 when the request
	 * is ready (or, with bprm->interpreter_fd set, rewritten to another
	 * file), any other -errno to stop the search. */
	int (*load_binary)(struct bprm *b);
};

/* exec_binprm() without the ELF loader, for `uexec check`: the rewriting
 * handlers (binfmt_misc, #!) with the kernel's depth limit, up to the
 * first file none of them takes. Returns 0 with b->fd, b->st and b->buf
 * that file's (b->diag set when a handler refused a #! line with
 * -ENOEXEC), or -errno with b->diag saying why (-ELOOP: too many
 * rewrites). */
int exec_follow_rewrites(struct bprm *b);

extern const struct binfmt binfmt_misc;
extern const struct binfmt binfmt_script;
extern const struct binfmt binfmt_elf;

#endif
