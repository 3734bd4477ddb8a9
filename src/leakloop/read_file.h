// SPDX-License-Identifier: MIT
#ifndef LEAKLOOP_READ_FILE_H
#define LEAKLOOP_READ_FILE_H

#include <stddef.h>
#include <stdio.h>

/* The rest of stream f (procfs too, whose size stat() does not tell) as
 * one NUL-terminated malloc'd buffer, grown in chunks of `chunk` bytes;
 * *len (if not NULL) gets the bytes read, NULs in them included. More than
 * max bytes is EFBIG. NULL with errno set: ENOMEM, EFBIG, or the read's
 * own (EISDIR for a directory; EIO if it gave none). The caller frees it. */
char *ll_read_stream(FILE *f, size_t chunk, size_t max, size_t *len);
/* The same for the file at path, without a limit. */
char *ll_read_file(const char *path, size_t chunk);

#endif
