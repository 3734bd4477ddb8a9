/* Named caches and kmalloc-style size classes with counters. The objects
 * come from malloc: the point is accounting, not a faster allocator. */
#include "kmem.h"
#include "fault.h"

#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

static struct kmem_cache *_Atomic cache_list;

static const size_t size_classes[] = { 8, 16, 32, 64, 96, 128, 192, 256,
				       512, 1024, 2048, 4096, 8192 };
#define NCLASSES (sizeof(size_classes) / sizeof(size_classes[0]))

static struct kmem_cache kmalloc_caches[NCLASSES + 1] = {
	{ .name = "kmalloc-8", .object_size = 8 },
	{ .name = "kmalloc-16", .object_size = 16 },
	{ .name = "kmalloc-32", .object_size = 32 },
	{ .name = "kmalloc-64", .object_size = 64 },
	{ .name = "kmalloc-96", .object_size = 96 },
	{ .name = "kmalloc-128", .object_size = 128 },
	{ .name = "kmalloc-192", .object_size = 192 },
	{ .name = "kmalloc-256", .object_size = 256 },
	{ .name = "kmalloc-512", .object_size = 512 },
	{ .name = "kmalloc-1k", .object_size = 1024 },
	{ .name = "kmalloc-2k", .object_size = 2048 },
	{ .name = "kmalloc-4k", .object_size = 4096 },
	{ .name = "kmalloc-8k", .object_size = 8192 },
	{ .name = "kmalloc-large", .object_size = 0 },
};

/* Appended at the tail without a lock: whoever flips `registered` first
 * links the cache, walking past entries other threads link meanwhile. */
static void cache_register(struct kmem_cache *c)
{
	struct kmem_cache *_Atomic *pp = &cache_list;

	/* Appended: the list is in first-use order, size classes and named
	 * caches mixed, the order a report lists them in. */
	if (atomic_exchange(&c->registered, true))
		return;
	for (;;) {
		struct kmem_cache *seen = NULL;

		if (atomic_compare_exchange_strong(pp, &seen, c))
			return;
		pp = &seen->next;
	}
}

static void account_alloc(struct kmem_cache *c, size_t bytes)
{
	if (!atomic_load_explicit(&c->registered, memory_order_relaxed))
		cache_register(c);
	counter_add(&c->active, 1, &c->peak_active);
	counter_add(&c->allocs, 1, NULL);
	counter_add(&c->bytes_active, bytes, NULL);
}

static void account_free(struct kmem_cache *c, size_t bytes)
{
	counter_sub(&c->active, 1);
	counter_add(&c->frees, 1, NULL);
	counter_sub(&c->bytes_active, bytes);
}

void *kmem_cache_zalloc(struct kmem_cache *c)
{
	void *p;

	if (fault_should_fail(FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	p = calloc(1, c->object_size);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	account_alloc(c, c->object_size);
	return p;
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	if (!obj)
		return;
	account_free(c, c->object_size);
	free(obj);
}

/* A header in front of each kmalloc block remembers its size, so kfree()
 * can account without being told (16 bytes keeps max_align_t alignment). */
struct kmalloc_hdr {
	size_t size;
	size_t cls;
};

static void *kmalloc_class(size_t size, bool zero)
{
	struct kmalloc_hdr *h;
	size_t cls = 0;

	while (cls < NCLASSES && size_classes[cls] < size)
		cls++;
	if (fault_should_fail(FAULT_ALLOC) || size > SIZE_MAX - sizeof(*h)) {
		errno = ENOMEM;
		return NULL;
	}
	h = zero ? calloc(1, sizeof(*h) + size) : malloc(sizeof(*h) + size);
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->size = size;
	h->cls = cls;
	account_alloc(&kmalloc_caches[cls], size);
	return h + 1;
}

void *kzalloc(size_t size)
{
	return kmalloc_class(size, true);
}

void *kmalloc(size_t size)
{
	return kmalloc_class(size, false);
}

void kfree(void *p)
{
	struct kmalloc_hdr *h;

	if (!p)
		return;
	h = (struct kmalloc_hdr *)p - 1;
	account_free(&kmalloc_caches[h->cls], h->size);
	free(h);
}

void *kmemdup(const void *src, size_t n)
{
	void *p = kzalloc(n);

	if (p)
		memcpy(p, src, n);
	return p;
}

char *kstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = kzalloc(len + 1);

	if (p)
		memcpy(p, s, len);
	return p;
}

char *kstrdup(const char *s)
{
	return kstrndup(s, strlen(s));
}

void kmem_for_each_cache(void (*fn)(const struct kmem_cache *c, void *ctx), void *ctx)
{
	for (const struct kmem_cache *c = atomic_load(&cache_list); c; c = atomic_load(&c->next))
		fn(c, ctx);
}

size_t kmem_total_active(void)
{
	size_t n = 0;

	for (const struct kmem_cache *c = atomic_load(&cache_list); c; c = atomic_load(&c->next))
		n += counter_read(&c->active);
	return n;
}

size_t uexec_kmem_active(void)
{
	return kmem_total_active();
}

struct for_each_ctx {
	void (*fn)(void *ctx, const struct uexec_cache_info *c);
	void *ctx;
};

static void to_public(const struct kmem_cache *c, void *ctx)
{
	const struct for_each_ctx *x = ctx;
	const struct uexec_cache_info info = {
		.name = c->name,
		.object_size = c->object_size,
		.active = counter_read(&c->active),
		.peak_active = counter_read(&c->peak_active),
		.allocs = counter_read(&c->allocs),
		.frees = counter_read(&c->frees),
		.bytes_active = counter_read(&c->bytes_active),
	};

	x->fn(x->ctx, &info);
}

void uexec_kmem_for_each(void (*fn)(void *ctx, const struct uexec_cache_info *c), void *ctx)
{
	struct for_each_ctx x = { .fn = fn, .ctx = ctx };

	kmem_for_each_cache(to_public, &x);
}
