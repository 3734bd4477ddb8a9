/* The caller's struct uexec_options, whatever version of uexec.h it was
 * compiled with, read as the kernel reads clone3's and openat2's
 * arguments (copy_struct_from_user()). */
#include "options.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* The first version ended with binfmt_rules: no caller can have less. */
#define OPTIONS_SIZE_VER0 (offsetof(struct uexec_options, binfmt_rules) + sizeof(void *))

int options_import(const struct uexec_options *in, struct uexec_options *copy,
		   const struct uexec_options **use)
{
	*use = NULL;
	if (!in)
		return 0;
	if (in->size < OPTIONS_SIZE_VER0)
		return -EINVAL;
	if (in->size > sizeof(*copy)) {
		const unsigned char *tail = (const unsigned char *)in + sizeof(*copy);

		for (size_t i = 0; i < in->size - sizeof(*copy); i++)
			if (tail[i])
				return -E2BIG;
	}
	memset(copy, 0, sizeof(*copy));
	memcpy(copy, in, in->size < sizeof(*copy) ? in->size : sizeof(*copy));
	copy->size = sizeof(*copy);
	*use = copy;
	return 0;
}
