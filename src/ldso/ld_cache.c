/* /etc/ld.so.cache in glibc's format (sysdeps/generic/dl-cache.h): the old
 * "ld.so-1.7.0" table, optionally followed by the new
 * "glibc-ld.so.cache1.1" one, which ldconfig writes alone since glibc 2.32.
 * The new table's strings are offsets from its own start; the old one's
 * from the end of its entries. The new format's extension section lists
 * glibc-hwcaps subdirectories that entries refer to by index. Every count
 * and offset is checked against the file: a bad cache is reported, and the
 * loader's walk goes on without it, as glibc's does (it ignores a cache it
 * cannot make sense of). */
#include "ldso.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OLD_MAGIC "ld.so-1.7.0"
#define NEW_MAGIC "glibc-ld.so.cache"
#define NEW_VERSION "1.1"
#define OLD_ENTRY 12u          /* int32 flags; uint32 key, value */
#define NEW_HEADER 48u
#define NEW_ENTRY 24u          /* + uint32 osversion; uint64 hwcap */
#define EXT_MAGIC 0xeaa42174u  /* cache_extension_magic, (uint32_t) -358342284 */
#define EXT_TAG_HWCAPS 1u     /* cache_extension_tag_glibc_hwcaps; 0 is the generator */
#define EXT_TAGS 2u           /* cache_extension_count: later tags are ignored */
#define HWCAP_EXTENSION (1ULL << 62)
/* A cache larger than this is not one ldconfig wrote. */
#define CACHE_MAX (64u << 20)

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* A string at off in [base, size): NUL within the file. */
static const char *str_at(const struct ld_cache *c, uint64_t base, uint64_t off)
{
	uint64_t at;

	if (__builtin_add_overflow(base, off, &at) || at >= c->size)
		return NULL;
	if (!memchr(c->data + at, '\0', c->size - at))
		return NULL;
	return (const char *)c->data + at;
}

static int fail(struct ld_cache *c, char *err, size_t errsz, const char *msg)
{
	snprintf(err, errsz, "%s", msg);
	ld_cache_free(c);
	return -1;
}

/* The extension, as glibc's cache_extension_load() takes it: every section
 * of a known tag (the generator string, the glibc-hwcaps names) must lie
 * inside the file and appear once, or the whole cache is unusable (glibc
 * then finds nothing in it); sections of later tags are ignored. */
static int parse_extension(struct ld_cache *c, uint32_t ext_off, char *err, size_t errsz)
{
	uint64_t end, count;
	unsigned seen = 0;

	if (ext_off == 0)
		return 0;
	if ((ext_off & 3) || __builtin_add_overflow((uint64_t)ext_off, 8, &end) || end > c->size)
		return fail(c, err, errsz, "its extension offset lies outside the file");
	if (rd32(c->data + ext_off) != EXT_MAGIC)
		return fail(c, err, errsz, "its extension has a bad magic number");
	count = rd32(c->data + ext_off + 4);
	if (count > (c->size - end) / 16)
		return fail(c, err, errsz, "its extension counts more sections than the file holds");
	for (uint64_t i = 0; i < count; i++) {
		const unsigned char *s = c->data + end + i * 16;
		uint32_t tag = rd32(s), off = rd32(s + 8), size = rd32(s + 12);

		if (tag >= EXT_TAGS)
			continue;
		if (seen & (1u << tag))
			return fail(c, err, errsz, "its extension holds one section twice");
		seen |= 1u << tag;
		if (off > c->size || size > c->size - off)
			return fail(c, err, errsz, tag == EXT_TAG_HWCAPS ? "its glibc-hwcaps section lies outside the file" :
				    "its generator section lies outside the file");
		if (tag != EXT_TAG_HWCAPS)
			continue;
		if ((off & 3) || (size & 3))
			return fail(c, err, errsz, "its glibc-hwcaps section is not made of 32-bit offsets");
		c->nhwcaps = size / 4;
		c->hwcaps = calloc(c->nhwcaps ? c->nhwcaps : 1, sizeof(*c->hwcaps));
		if (!c->hwcaps)
			return fail(c, err, errsz, "no memory for its glibc-hwcaps names");
		for (size_t k = 0; k < c->nhwcaps; k++) {
			c->hwcaps[k] = str_at(c, 0, rd32(c->data + off + 4 * k));
			if (!c->hwcaps[k] || strchr(c->hwcaps[k], '/'))
				return fail(c, err, errsz, "a glibc-hwcaps name lies outside the file or holds a '/'");
		}
	}
	return 0;
}

int ld_cache_parse(const void *buf, size_t len, struct ld_cache *c, char *err, size_t errsz)
{
	uint64_t base = 0, nlibs, ent = 0, entsz, strbase = 0;
	uint32_t ext_off = 0;

	memset(c, 0, sizeof(*c));
	if (len > CACHE_MAX)
		return fail(c, err, errsz, "it is larger than any cache ldconfig writes");
	c->data = malloc(len ? len : 1);
	if (!c->data)
		return fail(c, err, errsz, "no memory for it");
	memcpy(c->data, buf, len);
	c->size = len;
	if (len >= sizeof(OLD_MAGIC) - 1 + 4 && !memcmp(c->data, OLD_MAGIC, sizeof(OLD_MAGIC) - 1)) {
		/* Old table; a new one may follow it, 8-byte aligned. */
		uint64_t old_n = rd32(c->data + sizeof(OLD_MAGIC) - 1);
		uint64_t old_end = sizeof(OLD_MAGIC) - 1 + 4;

		if (old_n > (len - old_end) / OLD_ENTRY)
			return fail(c, err, errsz, "its old-format table counts more entries than the file holds");
		old_end += old_n * OLD_ENTRY;
		base = (old_end + 7) & ~7ULL;
		if (base + NEW_HEADER > len || memcmp(c->data + base, NEW_MAGIC, sizeof(NEW_MAGIC) - 1)) {
			/* Old format alone: strings follow the entries. */
			c->old_format = true;
			nlibs = old_n;
			ent = sizeof(OLD_MAGIC) - 1 + 4;
			entsz = OLD_ENTRY;
			strbase = old_end;
			goto entries;
		}
	}
	if (len - base < NEW_HEADER || memcmp(c->data + base, NEW_MAGIC, sizeof(NEW_MAGIC) - 1))
		return fail(c, err, errsz, "it does not start with glibc-ld.so.cache or ld.so-1.7.0");
	if (memcmp(c->data + base + sizeof(NEW_MAGIC) - 1, NEW_VERSION, sizeof(NEW_VERSION) - 1))
		return fail(c, err, errsz, "its format version is not 1.1");
	/* flags: 0 unknown (accepted), 2 little-endian; 3 big-endian is not ours. */
	if (c->data[base + 28] == 1 || c->data[base + 28] == 3)
		return fail(c, err, errsz, "it was written for the other byte order");
	nlibs = rd32(c->data + base + 20);
	ext_off = rd32(c->data + base + 32);
	ent = base + NEW_HEADER;
	entsz = NEW_ENTRY;
	strbase = base;
entries:
	if (nlibs > (len - ent) / entsz)
		return fail(c, err, errsz, "it counts more entries than the file holds");
	if (!c->old_format && parse_extension(c, ext_off, err, errsz))
		return -1;
	c->e = calloc(nlibs ? nlibs : 1, sizeof(*c->e));
	if (!c->e)
		return fail(c, err, errsz, "no memory for its entries");
	for (uint64_t i = 0; i < nlibs; i++) {
		const unsigned char *p = c->data + ent + i * entsz;
		struct ld_cache_entry *e = &c->e[c->n];

		e->flags = (int32_t)rd32(p);
		e->key = str_at(c, strbase, rd32(p + 4));
		e->value = str_at(c, strbase, rd32(p + 8));
		if (!e->key || !e->value)
			return fail(c, err, errsz, "an entry's name or path lies outside the file");
		e->hwcap = c->old_format ? 0 : rd64(p + 16);
		e->hwcaps_index = -1;
		if ((e->hwcap >> 32) == (HWCAP_EXTENSION >> 32)) {
			uint32_t idx = (uint32_t)e->hwcap;

			if (idx >= c->nhwcaps)
				return fail(c, err, errsz, "an entry names a glibc-hwcaps subdirectory the cache does not list");
			e->hwcaps_index = (int)idx;
		}
		c->n++;
	}
	return 0;
}

int ld_cache_load(const char *path, struct ld_cache *c, char *err, size_t errsz)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t got = 0;
	int fd, ret = -1;

	memset(c, 0, sizeof(*c));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "it is not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > CACHE_MAX) {
		snprintf(err, errsz, "it is larger than any cache ldconfig writes");
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errsz, "no memory to read it");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0) {
			snprintf(err, errsz, "cannot read it: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	ret = ld_cache_parse(buf, got, c, err, errsz);
out:
	free(buf);
	close(fd);
	return ret;
}

void ld_cache_free(struct ld_cache *c)
{
	free(c->e);
	free(c->hwcaps);
	free(c->data);
	memset(c, 0, sizeof(*c));
}

int ld_cache_libcmp(const char *p1, const char *p2)
{
	while (*p1 != '\0') {
		if (isdigit((unsigned char)*p1) && isdigit((unsigned char)*p2)) {
			/* Digit runs compare as numbers (glibc's _dl_cache_libcmp). */
			unsigned long v1 = (unsigned long)(*p1++ - '0'), v2 = (unsigned long)(*p2++ - '0');

			while (isdigit((unsigned char)*p1))
				v1 = v1 * 10 + (unsigned long)(*p1++ - '0');
			while (isdigit((unsigned char)*p2))
				v2 = v2 * 10 + (unsigned long)(*p2++ - '0');
			if (v1 != v2)
				return v1 < v2 ? -1 : 1;
		} else if (isdigit((unsigned char)*p1)) {
			return 1;
		} else if (isdigit((unsigned char)*p2)) {
			return -1;
		} else if (*p1 != *p2) {
			return *p1 - *p2;
		} else {
			p1++;
			p2++;
		}
	}
	return *p1 - *p2;
}

const struct ld_cache_entry *ld_cache_lookup(const struct ld_cache *c, const char *name,
					     const char *const *active, size_t nactive)
{
	const struct ld_cache_entry *best = NULL;
	size_t best_prio = SIZE_MAX;

	for (size_t i = 0; i < c->n; i++) {
		const struct ld_cache_entry *e = &c->e[i];
		size_t prio = nactive;   /* a plain entry comes after every subdirectory */

		if (ld_cache_libcmp(name, e->key) != 0)
			continue;
		if (e->flags != LD_CACHE_FLAGS_X86_64)
			continue;
		if (e->hwcaps_index >= 0) {
			const char *sub = c->hwcaps[e->hwcaps_index];

			prio = SIZE_MAX;
			for (size_t k = 0; k < nactive; k++)
				if (!strcmp(sub, active[k])) {
					prio = k;
					break;
				}
			if (prio == SIZE_MAX)
				continue;
		} else if (e->hwcap != 0) {
			/* Legacy hwcap bits: x86-64 glibc 2.36 selects none of them
			 * through the cache (no HWCAP_IMPORTANT bit maps to a
			 * cache entry ldconfig writes there). */
			continue;
		}
		if (prio < best_prio) {
			best = e;
			best_prio = prio;
		}
	}
	return best;
}
