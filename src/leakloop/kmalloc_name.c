// SPDX-License-Identifier: MIT
/* The kmalloc tracepoint does not name its cache; kmalloc_type() picks it
 * from the gfp flags (DMA, then reclaimable, then accounted) and the size.
 * Shared by the backends that see raw kmalloc events. */
#include "backend.h"

#include <stdio.h>

void ll_kmalloc_name(uint64_t size, uint32_t gfp, const struct ll_gfp_bits *bits, char *buf, size_t len)
{
	const char *prefix = "kmalloc-";
	char sz[24];

	if (size > 8192) {
		snprintf(buf, len, "kmalloc-large");
		return;
	}
	if (gfp & bits->dma)
		prefix = "dma-kmalloc-";
	else if (gfp & bits->reclaimable)
		prefix = "kmalloc-rcl-";
	else if (gfp & bits->account)
		prefix = "kmalloc-cg-";
	if (size >= 1024 && size % 1024 == 0)
		snprintf(sz, sizeof(sz), "%uk", (unsigned)(size / 1024));
	else
		snprintf(sz, sizeof(sz), "%u", (unsigned)size);
	snprintf(buf, len, "%s%s", prefix, sz);
}
