/* posix_spawn_file_actions_t is opaque in glibc: nothing portable reads
 * the actions back. So every posix_spawn_file_actions_* call is replaced:
 * libc's own runs first (its checks, its errors, and an object libc's
 * posix_spawn could still use), then the action is recorded in a side
 * table keyed by the object's address, which spawn.c applies. */
#include "preload.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fa_record {
	const void *key;
	struct fa_action *v;
	size_t n, cap;
	struct fa_record *next;
};

/* Threads may build file actions at once: one lock for the table. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fa_record *records;

/* Under the lock. */
static struct fa_record **find(const void *key)
{
	struct fa_record **pp = &records;

	while (*pp && (*pp)->key != key)
		pp = &(*pp)->next;
	return pp;
}

static void free_actions(struct fa_record *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].path);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

/* Forget key (destroy, or an init of an address reused). Under the lock. */
static void drop(const void *key)
{
	struct fa_record **pp = find(key), *r = *pp;

	if (!r)
		return;
	*pp = r->next;
	free_actions(r);
	free(r);
}

PRELOAD_API int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa)
{
	struct fa_record *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return ENOMEM;
	ret = real.fa_init(fa);
	if (ret) {
		free(r);
		return ret;
	}
	r->key = fa;
	pthread_mutex_lock(&lock);
	drop(fa);
	r->next = records;
	records = r;
	pthread_mutex_unlock(&lock);
	return 0;
}

PRELOAD_API int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa)
{
	pthread_mutex_lock(&lock);
	drop(fa);
	pthread_mutex_unlock(&lock);
	return real.fa_destroy(fa);
}

/* Appends a (its path, if any, copied) to fa's record, after libc said
 * libc_ret. An object this library never saw initialized stays unknown:
 * spawn.c then leaves it to libc's posix_spawn. */
static int record(const posix_spawn_file_actions_t *fa, int libc_ret, struct fa_action a, const char *path)
{
	struct fa_record *r;
	int ret = 0;

	if (libc_ret)
		return libc_ret;
	if (path && !(a.path = strdup(path)))
		return ENOMEM;
	pthread_mutex_lock(&lock);
	r = *find(fa);
	if (r && r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct fa_action *v = cap > SIZE_MAX / sizeof(*v) ? NULL : realloc(r->v, cap * sizeof(*v));

		if (v) {
			r->v = v;
			r->cap = cap;
		}
	}
	if (r && r->n < r->cap)
		r->v[r->n++] = a;
	else if (r)
		ret = ENOMEM;
	else
		free(a.path);
	pthread_mutex_unlock(&lock);
	if (ret)
		free(a.path);
	return ret;
}

PRELOAD_API int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa, int fd, const char *path,
						 int oflag, mode_t mode)
{
	return record(fa, real.fa_addopen(fa, fd, path, oflag, mode),
		      (struct fa_action){ .kind = FA_OPEN, .fd = fd, .oflag = oflag, .mode = mode }, path);
}

PRELOAD_API int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd)
{
	return record(fa, real.fa_addclose(fa, fd), (struct fa_action){ .kind = FA_CLOSE, .fd = fd }, NULL);
}

PRELOAD_API int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd)
{
	return record(fa, real.fa_adddup2(fa, fd, newfd),
		      (struct fa_action){ .kind = FA_DUP2, .fd = fd, .newfd = newfd }, NULL);
}

PRELOAD_API int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *fa, const char *path)
{
	return record(fa, real.fa_addchdir(fa, path), (struct fa_action){ .kind = FA_CHDIR }, path);
}

PRELOAD_API int posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *fa, int fd)
{
	return record(fa, real.fa_addfchdir(fa, fd), (struct fa_action){ .kind = FA_FCHDIR, .fd = fd }, NULL);
}

PRELOAD_API int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa, int from)
{
	return record(fa, real.fa_addclosefrom(fa, from), (struct fa_action){ .kind = FA_CLOSEFROM, .fd = from },
		      NULL);
}

PRELOAD_API int posix_spawn_file_actions_addtcsetpgrp_np(posix_spawn_file_actions_t *fa, int fd)
{
	return record(fa, real.fa_addtcsetpgrp(fa, fd), (struct fa_action){ .kind = FA_TCSETPGRP, .fd = fd },
		      NULL);
}

int spawn_actions_copy(const posix_spawn_file_actions_t *fa, struct fa_action **out, size_t *n)
{
	struct fa_record *r;
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (!fa)
		return 0;
	pthread_mutex_lock(&lock);
	r = *find(fa);
	if (!r) {
		ret = -1;
	} else if (r->n) {
		/* Paths stay the record's: the copy is used before the
		 * parent returns from posix_spawn, which holds fa. */
		*out = malloc(r->n * sizeof(**out));
		if (*out) {
			memcpy(*out, r->v, r->n * sizeof(**out));
			*n = r->n;
		} else {
			ret = -2;
		}
	}
	pthread_mutex_unlock(&lock);
	return ret;
}
