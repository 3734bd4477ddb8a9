// SPDX-License-Identifier: MIT
#ifndef LEAKLOOP_READ_FILE_H
#define LEAKLOOP_READ_FILE_H

#include <stddef.h>

/* A whole file (procfs too, whose size stat() does not tell) as one
 * NUL-terminated malloc'd string, read in chunks of `chunk` bytes; NULL
 * with errno set (EIO on a read error). The caller frees it. */
char *ll_read_file(const char *path, size_t chunk);

#endif
