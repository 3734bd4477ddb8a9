// SPDX-License-Identifier: MIT
#include "read_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

char *ll_read_stream(FILE *f, size_t chunk, size_t max, size_t *lenp)
{
	char *text = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		size_t got;

		if (cap - len < chunk / 16 + 1) {
			char *nt;

			if (cap >= max) {
				errno = EFBIG;
				goto fail;
			}
			nt = realloc(text, cap + chunk);
			if (!nt) {
				errno = ENOMEM;
				goto fail;
			}
			text = nt;
			cap += chunk;
		}
		errno = 0;
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		if (!errno)
			errno = EIO;
		goto fail;
	}
	text[len] = '\0';
	if (lenp)
		*lenp = len;
	return text;
fail:
	free(text);
	return NULL;
}

char *ll_read_file(const char *path, size_t chunk)
{
	FILE *f = fopen(path, "re");
	char *text;
	int saved;

	if (!f)
		return NULL;
	text = ll_read_stream(f, chunk, SIZE_MAX, NULL);
	saved = errno;
	fclose(f);
	errno = saved;
	return text;
}
