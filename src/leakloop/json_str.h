// SPDX-License-Identifier: MIT
#ifndef LEAKLOOP_JSON_STR_H
#define LEAKLOOP_JSON_STR_H

#include <stdio.h>

/* s as a JSON string literal: quotes, backslashes and control characters
 * escaped, other bytes as they are (the kernel's names are ASCII). */
void ll_json_str(FILE *f, const char *s);

#endif
