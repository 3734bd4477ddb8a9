/* libFuzzer: leakloop's offline snapshot parser (src/leakloop/snapshot.c)
 * on arbitrary text. Every input must either parse, with every entry's
 * numbers within the documented bounds, or fail with a "mem:" message;
 * never crash, overflow or leak. Built on its own:
 *   scripts/fuzz snapshot
 * (linked with snapshot.c and read_file.c only, so the harness needs no
 * leakloop build). */
#include "snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ll_snap s;
	struct ll_snap_error err;

	if (ll_snap_parse((const char *)data, size, "mem", &s, &err) == 0) {
		for (size_t i = 0; i < s.n; i++) {
			const struct ll_snap_entry *e = &s.v[i];

			if (e->count > INT64_MAX || e->bytes > INT64_MAX || !e->name[0] ||
			    e->dup < 1 || ll_snap_find(&s, e->name, e->dup) != e)
				abort();
		}
		ll_snap_free(&s);
	} else if (strncmp(err.msg, "mem:", 4) != 0 || s.v || s.n) {
		abort();
	}
	return 0;
}
