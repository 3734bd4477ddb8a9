// SPDX-License-Identifier: MIT
#include "intern.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ll_stack_table_init(struct ll_stack_table *t, uint32_t max)
{
	*t = (struct ll_stack_table){ .max = max };
	for (t->index_cap = 1024; t->index_cap < 2 * max;)
		t->index_cap <<= 1;
	t->index = calloc(t->index_cap, sizeof(*t->index));
	t->stacks = calloc(max, sizeof(*t->stacks));
	return t->index && t->stacks ? 0 : -ENOMEM;
}

int32_t ll_stack_intern(struct ll_stack_table *t, const uint64_t *ips, uint32_t n)
{
	uint64_t h = 0x84222325cbf29ce4ull;
	struct ll_stack *st;
	uint32_t s;

	for (uint32_t i = 0; i < n; i++)
		h = ll_mix64(h ^ ips[i]);
	s = (uint32_t)(h & (t->index_cap - 1));
	while (t->index[s]) {
		st = t->stacks[t->index[s] - 1];
		if (st->hash == h && st->n == n && !memcmp(st->ips, ips, n * sizeof(*ips)))
			return (int32_t)(t->index[s] - 1);
		s = (s + 1) & (t->index_cap - 1);
	}
	if (t->n >= t->max)
		return -ENOSPC;
	st = malloc(sizeof(*st) + n * sizeof(*ips));
	if (!st)
		return -ENOMEM;
	st->hash = h;
	st->n = n;
	memcpy(st->ips, ips, n * sizeof(*ips));
	t->stacks[t->n] = st;
	t->index[s] = ++t->n;
	return (int32_t)(t->n - 1);
}

const struct ll_stack *ll_stack_get(const struct ll_stack_table *t, int32_t id)
{
	if (id < 0 || (uint32_t)id >= t->n)
		return NULL;
	return t->stacks[id];
}

void ll_stack_table_free(struct ll_stack_table *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->stacks[i]);
	free(t->stacks);
	free(t->index);
	*t = (struct ll_stack_table){ 0 };
}

uint64_t ll_name_intern(struct ll_name_table *t, const char *name)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (strcmp(t->names[i], name) == 0)
			return i + 1;
	if (t->n == t->cap) {
		uint32_t ncap = t->cap ? t->cap * 2 : 64;
		char (*nn)[40] = realloc(t->names, ncap * sizeof(*nn));

		if (!nn)
			return 0;
		t->names = nn;
		t->cap = ncap;
	}
	snprintf(t->names[t->n], sizeof(t->names[0]), "%s", name);
	return ++t->n;
}

const char *ll_name_get(const struct ll_name_table *t, uint64_t key)
{
	return key && key <= t->n ? t->names[key - 1] : "?";
}

void ll_name_table_free(struct ll_name_table *t)
{
	free(t->names);
	*t = (struct ll_name_table){ 0 };
}

int ll_site_set_init(struct ll_site_set *s, uint32_t cap)
{
	*s = (struct ll_site_set){ .cap = cap };
	s->sites = calloc(cap, sizeof(*s->sites));
	return s->sites ? 0 : -ENOMEM;
}

int ll_site_set_add(struct ll_site_set *s, uint64_t site)
{
	uint32_t i;

	if (!site)
		return -EINVAL;
	if (s->n * 2 >= s->cap)
		return -ENOSPC;
	i = (uint32_t)(ll_mix64(site) & (s->cap - 1));
	while (s->sites[i] && s->sites[i] != site)
		i = (i + 1) & (s->cap - 1);
	if (!s->sites[i])
		s->n++;
	s->sites[i] = site;
	return 0;
}

bool ll_site_set_has(const struct ll_site_set *s, uint64_t site)
{
	uint32_t i = (uint32_t)(ll_mix64(site) & (s->cap - 1));

	for (uint32_t k = 0; k < s->cap; k++, i = (i + 1) & (s->cap - 1)) {
		if (s->sites[i] == 0)
			return false;
		if (s->sites[i] == site)
			return true;
	}
	return false;
}

void ll_site_set_free(struct ll_site_set *s)
{
	free(s->sites);
	*s = (struct ll_site_set){ 0 };
}
