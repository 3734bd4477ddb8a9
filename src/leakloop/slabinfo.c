// SPDX-License-Identifier: MIT
#include "slabinfo.h"
#include "read_file.h"
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text goes through snapshot.c's parser, the one /proc/slabinfo
 * parser, in its live mode; this keeps only what a live run compares. */
int slabinfo_parse(const char *text, struct slab_snapshot *out)
{
	struct ll_snap snap;
	struct ll_snap_error err;
	struct slab_cache *v = NULL;
	int r;

	out->caches = NULL;
	out->n = 0;
	r = ll_snap_parse_live(text, strlen(text), &snap, &err);
	if (r) {
		errno = -r;
		return -1;
	}
	if (snap.n) {
		v = calloc(snap.n, sizeof(*v));
		if (!v) {
			ll_snap_free(&snap);
			errno = ENOMEM;
			return -1;
		}
	}
	for (size_t i = 0; i < snap.n; i++) {
		const struct ll_snap_entry *e = &snap.v[i];

		/* Cut as sscanf("%63s") did; v is zeroed. */
		memcpy(v[i].name, e->name, strnlen(e->name, sizeof(v[i].name) - 1));
		v[i].active_objs = (unsigned long)e->count;
		v[i].num_objs = (unsigned long)e->total;
		v[i].objsize = (unsigned long)e->size;
	}
	out->caches = v;
	out->n = snap.n;
	ll_snap_free(&snap);
	return 0;
}

int slabinfo_read(const char *path, struct slab_snapshot *out)
{
	char *text = ll_read_file(path, 65536);
	int ret, saved;

	if (!text)
		return -1;
	ret = slabinfo_parse(text, out);
	saved = errno;
	free(text);
	errno = saved;
	return ret;
}

void slab_snapshot_free(struct slab_snapshot *s)
{
	free(s->caches);
	s->caches = NULL;
	s->n = 0;
}

const struct slab_cache *slab_snapshot_find(const struct slab_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->caches[i].name, name) == 0)
			return &s->caches[i];
	return NULL;
}

/* Checked: a truncated path must fail, not open a different file. */
static int join(char *buf, size_t len, const char *a, const char *b)
{
	int w = snprintf(buf, len, "%s/%s", a, b);

	return w < 0 || (size_t)w >= len ? -1 : 0;
}

static int read_flag(const char *dir, const char *file, bool *out)
{
	char path[PATH_MAX];
	FILE *f;
	int v = 0, ok;

	if (join(path, sizeof(path), dir, file))
		return -1;
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fscanf(f, "%d", &v) == 1;
	fclose(f);
	if (!ok)
		return -1;
	*out = v != 0;
	return 0;
}

int slab_sysfs_info(const char *sysfs_root, const char *name, struct slab_sysfs_info *out)
{
	char path[PATH_MAX], real[PATH_MAX], other[PATH_MAX], oreal[PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t used = 0;

	memset(out, 0, sizeof(*out));
	if (join(path, sizeof(path), sysfs_root, name) || !realpath(path, real))
		return -1;
	out->known = true;
	if (read_flag(real, "reclaim_account", &out->reclaimable))
		out->reclaimable = false;
	d = opendir(sysfs_root);
	if (!d)
		return 0;
	/* Every name whose entry resolves to the same directory is the same
	 * kmem_cache. */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, name) == 0)
			continue;
		if (de->d_name[0] == ':')
			continue;	/* the anonymous merged directory itself */
		if (join(other, sizeof(other), sysfs_root, de->d_name) ||
		    !realpath(other, oreal) || strcmp(oreal, real) != 0)
			continue;
		int w = snprintf(out->aliases + used, sizeof(out->aliases) - used,
				 "%s%s", used ? "," : "", de->d_name);
		if (w < 0 || (size_t)w >= sizeof(out->aliases) - used) {
			out->aliases[used] = '\0';
			break;	/* truncated list: keep what fits */
		}
		used += (size_t)w;
	}
	closedir(d);
	return 0;
}
