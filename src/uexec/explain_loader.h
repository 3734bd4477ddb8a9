/* `uexec explain`'s loader stage: src/ldso/'s walk, printed. */
#ifndef UEXEC_EXPLAIN_LOADER_H
#define UEXEC_EXPLAIN_LOADER_H

#include "json.h"

#include <stdbool.h>

struct explain_loader_in {
	const char *program;   /* the ELF file the kernel would load */
	const char *interp;    /* its PT_INTERP, NULL when static */
	const char *argv0;     /* the loader names the program by it */
	char **envp;
	bool secure;           /* AT_SECURE */
};

struct explain_loader_out {
	bool ran;              /* a glibc or musl loader was modelled */
	bool fails;
	int status;            /* the exit status of the failure */
};

/* Prints the tree (text) or the "loader" member (j not NULL); in text, a
 * failure's result, the loader's lines and the diagnosis too. 0, or
 * -ENOMEM. */
int explain_loader(const struct explain_loader_in *in, struct json *j, struct explain_loader_out *out);

#endif
