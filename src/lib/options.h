/* struct uexec_options as the caller's header version gave it, turned
 * into this library's version (uexec.h: versioned by size). */
#ifndef UEXEC_OPTIONS_H
#define UEXEC_OPTIONS_H

#include <uexec/uexec.h>

/* Copies *in into *copy, fields the caller's version lacks zeroed, and
 * sets *use to copy (NULL when in is NULL). Returns 0, -EINVAL (size
 * smaller than the first version) or -E2BIG (a larger struct with
 * non-zero bytes this library does not know). */
int options_import(const struct uexec_options *in, struct uexec_options *copy,
		   const struct uexec_options **use);

#endif
