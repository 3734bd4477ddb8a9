/* What `uexec check` checks, in order: the arguments and, under -r, every
 * directory among them walked in name order (getdents64, no stat per entry
 * where the file system gives d_type, symbolic links to directories not
 * followed). The files are queued in batches, with their paths in an
 * arena; a full batch is handed to check_jobs.c before the walk goes on. */
#include "check_walk.h"
#include "check_jobs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Paths of the files found by -r, one allocation per 64 KiB of them. */
#define ARENA_CHUNK (64 * 1024)
#define DENTS_SIZE (32 * 1024)

/* Paths built by the walk live until their batch is printed. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

static void dir_put(struct dir *d)
{
	if (d && --d->refs == 0) {
		close(d->fd);
		free(d);
	}
}

static void arena_reset(struct chunk **head)
{
	struct chunk *keep = *head, *next;

	if (!keep)
		return;
	/* The newest chunk serves the next batch; the older ones go. */
	for (struct chunk *k = keep->next; k; k = next) {
		next = k->next;
		free(k);
	}
	keep->next = NULL;
	keep->used = 0;
}

static void arena_free(struct chunk **head)
{
	arena_reset(head);
	free(*head);
	*head = NULL;
}

static char *arena_alloc(struct chunk **head, size_t len)
{
	struct chunk *k = *head;
	size_t cap;

	if (!k || k->cap - k->used < len) {
		cap = len > ARENA_CHUNK ? len : ARENA_CHUNK;
		if (cap > SIZE_MAX - sizeof(*k))
			return NULL;
		k = malloc(sizeof(*k) + cap);
		if (!k)
			return NULL;
		k->next = *head;
		k->used = 0;
		k->cap = cap;
		*head = k;
	}
	k->used += len;
	return k->data + k->used - len;
}

void walk_flush(struct check *c)
{
	if (c->njobs == 0)
		return;
	jobs_run_batch(c);
	for (size_t i = 0; i < c->njobs; i++)
		dir_put(c->jobs[i].dir);
	c->njobs = 0;
	arena_reset(&c->arena);
}

/* When there is no memory to queue it: everything queued before is
 * printed first, so that the messages keep their order. */
static void unreadable_now(struct check *c, const char *path, int err)
{
	walk_flush(c);
	c->unreadable++;
	fprintf(stderr, "uexec: %s: %s\n", path, strerror(err));
}

static bool batch_full(const struct check *c)
{
	return c->njobs == BATCH_MAX;
}

static struct job *queue(struct check *c, struct dir *d, const char *name, const char *path,
			 enum job_kind kind)
{
	struct job *jb = &c->jobs[c->njobs++];

	*jb = (struct job){ .path = path, .name = name, .dir = d, .kind = kind };
	if (d)
		d->refs++;
	return jb;
}

/* Room in the batch for one more job and len bytes of its path: a full
 * batch is checked and printed first, and so is one whose paths leave no
 * memory for more. NULL when there is none even then. */
static char *batch_room(struct check *c, size_t len)
{
	char *p;

	if (batch_full(c))
		walk_flush(c);
	p = arena_alloc(&c->arena, len);
	if (!p && c->njobs) {
		walk_flush(c);
		p = arena_alloc(&c->arena, len);
	}
	return p;
}

/* An error the walk found (a directory it could not open or list): queued
 * like a file, so that its message comes in the walk's order. */
static void queue_error(struct check *c, const char *path, int err)
{
	size_t len = strlen(path) + 1;
	char *p = batch_room(c, len);

	if (!p) {
		unreadable_now(c, path, err);
		return;
	}
	memcpy(p, path, len);
	queue(c, NULL, p, p, JOB_ERROR)->err = err;
}

/* dir "/" name, the way the walk names what it finds. Returns the length
 * to allocate (with the NUL), 0 on overflow. */
static size_t child_len(const char *dir, const char *name)
{
	size_t dl = strlen(dir), len;

	if (__builtin_add_overflow(dl, strlen(name), &len) || __builtin_add_overflow(len, 2, &len))
		return 0;
	return len;
}

/* Returns where name starts in p. */
static char *child_fill(char *p, const char *dir, const char *name)
{
	size_t dl = strlen(dir);

	memcpy(p, dir, dl);
	if (!(dl && dir[dl - 1] == '/'))
		p[dl++] = '/';
	strcpy(p + dl, name);
	return p + dl;
}

/* A file found in directory d (whose path is dir_path) by the walk. */
static void queue_found(struct check *c, struct dir *d, const char *dir_path, const char *name,
			enum job_kind kind)
{
	size_t len = child_len(dir_path, name);
	char *path = len ? batch_room(c, len) : NULL;

	if (!path) {
		unreadable_now(c, dir_path, len ? ENOMEM : ENAMETOOLONG);
		return;
	}
	queue(c, d, child_fill(path, dir_path, name), path, kind);
}

/* The entries of one directory, sorted by name: each is its d_type byte
 * followed by the NUL-terminated name, all in one buffer. */
struct listing {
	char *buf;
	size_t len, cap;
	char **ent;
	size_t n;
};

static int by_name(const void *a, const void *b)
{
	/* uexec never calls setlocale(): scandir's alphasort() (strcoll()
	 * in the C locale) ordered them the same way. */
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static int list_add(struct listing *l, unsigned char type, const char *name)
{
	size_t need, nl = strlen(name) + 2, cap;
	char *p;

	if (__builtin_add_overflow(l->len, nl, &need))
		return -ENOMEM;
	if (need > l->cap) {
		cap = l->cap ? l->cap : 4096;
		while (cap < need)
			if (__builtin_mul_overflow(cap, 2, &cap))
				return -ENOMEM;
		p = realloc(l->buf, cap);
		if (!p)
			return -ENOMEM;
		l->buf = p;
		l->cap = cap;
	}
	l->buf[l->len] = (char)type;
	memcpy(l->buf + l->len + 1, name, nl - 1);
	l->len = need;
	l->n++;
	return 0;
}

static int list_dir(struct check *c, int fd, struct listing *l)
{
	ssize_t got;
	size_t i = 0;

	if (!c->dents && !(c->dents = malloc(DENTS_SIZE)))
		return -ENOMEM;
	while ((got = getdents64(fd, c->dents, DENTS_SIZE)) > 0) {
		for (size_t off = 0; off < (size_t)got;) {
			const struct dirent64 *d = (const struct dirent64 *)(c->dents + off);
			int ret;

			/* The kernel's records; a length that would loop or run
			 * past the buffer is refused all the same. */
			if (d->d_reclen == 0 || d->d_reclen > (size_t)got - off)
				return -EIO;
			off += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			ret = list_add(l, d->d_type, d->d_name);
			if (ret)
				return ret;
		}
	}
	if (got < 0)
		return -errno;
	if (l->n == 0)
		return 0;
	/* Pointers only now: the buffer no longer moves. */
	if (l->n > SIZE_MAX / sizeof(*l->ent) || !(l->ent = malloc(l->n * sizeof(*l->ent))))
		return -ENOMEM;
	for (size_t off = 0; off < l->len; off += strlen(l->buf + off + 1) + 2)
		l->ent[i++] = l->buf + off;
	qsort(l->ent, l->n, sizeof(*l->ent), by_name);
	return 0;
}

static void walk_fd(struct check *c, int fd, const char *path);

/* A subdirectory found by the walk, opened by its name relative to its
 * parent, never through a symbolic link. */
static void walk_sub(struct check *c, struct dir *parent, const char *parent_path, const char *name)
{
	size_t len = child_len(parent_path, name);
	char *path = len ? malloc(len) : NULL;
	int fd;

	if (!path) {
		unreadable_now(c, parent_path, len ? ENOMEM : ENAMETOOLONG);
		return;
	}
	child_fill(path, parent_path, name);
	fd = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		queue_error(c, path, errno);
	else
		walk_fd(c, fd, path);
	free(path);
}

/* Queue everything under the open directory fd (owned from here on), in
 * name order, so that the output is the same from one run to the next. */
static void walk_fd(struct check *c, int fd, const char *path)
{
	struct listing l = { 0 };
	struct dir *d = malloc(sizeof(*d));
	struct stat st;
	int ret;

	if (!d) {
		close(fd);
		unreadable_now(c, path, ENOMEM);
		return;
	}
	d->fd = fd;
	d->refs = 1;
	ret = list_dir(c, fd, &l);
	if (ret) {
		queue_error(c, path, -ret);
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		unsigned char type = (unsigned char)l.ent[i][0];
		const char *name = l.ent[i] + 1;

		/* d_type saves a stat() per entry; file systems without it
		 * (DT_UNKNOWN) get the same rules with one stat more. */
		if (type == DT_UNKNOWN) {
			if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR :
			       S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		switch (type) {
		case DT_DIR:
			walk_sub(c, d, path, name);
			break;
		case DT_REG:
			queue_found(c, d, path, name, JOB_FOUND);
			break;
		case DT_LNK:
			queue_found(c, d, path, name, JOB_LINK);
			break;
		default:
			break; /* devices, FIFOs, sockets: not programs */
		}
	}
out:
	free(l.ent);
	free(l.buf);
	dir_put(d);
}

/* Under -r a directory (or a link to one: /lib on a merged-/usr system) is
 * walked; anything else is a file to check. */
void walk_arg(struct check *c, const char *arg)
{
	int fd;

	if (c->recurse) {
		fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			walk_fd(c, fd, arg);
			return;
		}
		if (errno != ENOTDIR) {
			queue_error(c, arg, errno);
			return;
		}
	}
	if (batch_full(c))
		walk_flush(c);
	queue(c, NULL, arg, arg, JOB_NAMED);
}

int walk_init(struct check *c)
{
	c->jobs = malloc(BATCH_MAX * sizeof(*c->jobs));
	return c->jobs ? 0 : -ENOMEM;
}

void walk_free(struct check *c)
{
	arena_free(&c->arena);
	free(c->dents);
	free(c->jobs);
}
