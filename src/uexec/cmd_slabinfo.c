/* uexec slabinfo [--json] PROG [ARG...]: prepare PROG, release it, and print
 * every cache of the engine in /proc/slabinfo's layout: what one exec
 * allocates, what it held while ready to jump, and what is left after the
 * release (must be nothing: the Linux story was a size-32 cache that grew
 * by one object per #! exec). */
#include "cli.h"
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uexec/uexec.h>
#include <uexec/uexec-debug.h>

/* One cache's counters at the moment the image was ready. Caches are
 * identified by their name pointer, which the library never changes. */
struct held {
	const char *name;
	size_t active, bytes;
};

struct snapshot {
	struct held *v;
	size_t n, cap;
	int err;
};

static void snap_one(void *ctx, const struct uexec_cache_info *c)
{
	struct snapshot *s = ctx;

	if (s->err)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		struct held *v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			s->err = ENOMEM;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct held){ c->name, c->active, c->bytes_active };
}

static const struct held *held_of(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].name == name)
			return &s->v[i];
	return NULL;
}

struct printer {
	bool json;
	struct json *j;
	const struct snapshot *held;
};

static void print_cache(void *ctx, const struct uexec_cache_info *c)
{
	const struct printer *p = ctx;
	const struct held *h = held_of(p->held, c->name);
	size_t held = h ? h->active : 0, held_bytes = h ? h->bytes : 0;

	if (p->json) {
		json_begin_object(p->j, NULL);
		json_string(p->j, "name", c->name);
		json_uint(p->j, "active_objs", c->active);
		json_uint(p->j, "num_objs", c->peak_active);
		json_uint(p->j, "objsize", c->object_size);
		json_uint(p->j, "held_objs", held);
		json_uint(p->j, "held_bytes", held_bytes);
		json_uint(p->j, "allocs", c->allocs);
		json_uint(p->j, "frees", c->frees);
		json_uint(p->j, "active_bytes", c->bytes_active);
		json_end_object(p->j);
		return;
	}
	printf("%-17s %6zu %6zu %6zu : held %6zu %8zu : totals %6zu %6zu %8zu\n", c->name, c->active,
	       c->peak_active, c->object_size, held, held_bytes, c->allocs, c->frees, c->bytes_active);
}

int cmd_slabinfo(int argc, char **argv)
{
	struct exec_args a;
	struct json j = { .f = stdout };
	struct snapshot held = { 0 };
	struct printer pr = { .j = &j, .held = &held };
	struct uexec_resource_usage peak, after;
	struct uexec_image *img = NULL;
	char diag[512] = "";
	struct uexec_options opt = { .size = sizeof(opt), .diag = diag, .diag_size = sizeof(diag) };
	int ret = exec_args_parse(&a, argc, argv, true, "slabinfo"), err;
	size_t left, base;

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	pr.json = a.json;
	/* What the command line itself holds (its binfmt_misc rule set) is
	 * not the exec's: measure the release against this. */
	base = uexec_kmem_active();
	err = -exec_args_prepare(&a, &opt, &img);
	/* What a ready image holds: the request, its strings, its records. */
	uexec_kmem_for_each(snap_one, &held);
	if (img)
		uexec_release(img);
	uexec_resource_usage(&peak);
	after = peak;
	left = uexec_kmem_active() - base;
	if (held.err) {
		fprintf(stderr, "uexec: slabinfo: %s\n", strerror(held.err));
		ret = EXIT_USAGE;
		goto out;
	}
	if (a.json) {
		json_begin_object(&j, NULL);
		json_string(&j, "program", a.prog);
		json_begin_object(&j, "result");
		json_bool(&j, "prepared", err == 0);
		json_string(&j, "errno", err ? errno_name(err) : NULL);
		json_string(&j, "diagnosis", err && diag[0] ? diag : NULL);
		json_end_object(&j);
		json_begin_array(&j, "caches");
		uexec_kmem_for_each(print_cache, &pr);
		json_end_array(&j);
		json_begin_object(&j, "peak");
		json_uint(&j, "mappings", peak.mappings_peak);
		json_uint(&j, "fds", peak.fds_peak);
		json_end_object(&j);
		json_begin_object(&j, "after_release");
		json_uint(&j, "active_objs", left);
		json_uint(&j, "mappings", after.mappings);
		json_uint(&j, "fds", after.fds);
		json_end_object(&j);
		json_end_object(&j);
	} else {
		printf("slabinfo - version: 2.1 (uexec: %s, prepared and released)\n", a.prog);
		printf("# name            <active_objs> <num_objs> <objsize> : held <objs> <bytes>"
		       " : totals <allocs> <frees> <active_bytes>\n");
		uexec_kmem_for_each(print_cache, &pr);
		printf("# num_objs is the peak; held is what the ready image owned before release\n");
		printf("# peak: %zu mappings (vm_map areas), %zu descriptors\n", peak.mappings_peak,
		       peak.fds_peak);
		printf("# after release: %zu objects, %zu mappings, %zu descriptors\n", left,
		       after.mappings, after.fds);
		if (base)
			printf("# not the exec's: %zu objects the command itself held before prepare "
			       "(its binfmt_misc rules)\n", base);
		if (err)
			printf("# prepare failed: %s (%s)%s%s\n", errno_name(err), strerror(err),
			       diag[0] ? ": " : "", diag);
	}
	if (left || after.mappings || after.fds) {
		fprintf(stderr, "uexec: %s: the release left %zu objects, %zu mappings, %zu descriptors\n",
			a.prog, left, after.mappings, after.fds);
		ret = EXIT_FINDINGS;
	} else {
		ret = err ? EXIT_FINDINGS : EXIT_OK;
	}
out:
	free(held.v);
	exec_args_free(&a);
	return ret;
}
