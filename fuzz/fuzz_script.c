/* libFuzzer: the #! parser (load_script()) on a crafted 256-byte buffer,
 * as tests/lib/test_binfmt_script.c drives it. The handler may open the
 * interpreter it finds; whatever it answers, freeing the request must
 * leave no object in any cache and no descriptor. */
#include "binfmt.h"
#include "bprm.h"
#include "kmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { "name-as-called", "a1", NULL }, *envp[] = { "E=1", NULL };
	struct uexec_resource_usage u;
	struct bprm *b = bprm_alloc("/proc/self/exe", NULL);

	if (!b)
		return 0;
	if (bprm_copy_args(b, argv, envp) == 0) {
		memset(b->buf, 0, sizeof(b->buf));
		memcpy(b->buf, data, size < sizeof(b->buf) ? size : sizeof(b->buf));
		b->buf_len = size < sizeof(b->buf) ? size : sizeof(b->buf);
		if (binfmt_script.load_binary(b) == 0 && b->argv.n < 3)
			abort(); /* an accepted line yields interp, script, a1 at least */
	}
	bprm_free(b);
	uexec_resource_usage(&u);
	if (kmem_total_active() || u.fds) {
		fprintf(stderr, "leak: %zu objects, %zu descriptors\n", kmem_total_active(), u.fds);
		abort();
	}
	return 0;
}
