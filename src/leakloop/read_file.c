// SPDX-License-Identifier: MIT
#include "read_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

char *ll_read_file(const char *path, size_t chunk)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int saved;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (cap - len < chunk / 16 + 1) {
			char *nt = realloc(text, cap + chunk);

			if (!nt) {
				errno = ENOMEM;
				goto fail;
			}
			text = nt;
			cap += chunk;
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		errno = EIO;
		goto fail;
	}
	text[len] = '\0';
	fclose(f);
	return text;
fail:
	saved = errno;
	free(text);
	fclose(f);
	errno = saved;
	return NULL;
}
