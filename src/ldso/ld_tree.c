/* The loader's walk, from files only: which objects glibc's or musl's
 * ld.so would load for a program, in its order, from where and by which
 * rule, and whether the program would reach main().
 *
 * glibc (elf/rtld.c, dl-deps.c _dl_map_object_deps, dl-load.c
 * _dl_map_object): the program, LD_PRELOAD and /etc/ld.so.preload, then
 * breadth first every DT_NEEDED of every object loaded. A name already
 * loaded (by a name it answers to, or the same file) is not loaded again.
 * A name without '/' is searched: the DT_RPATH of the object needing it
 * and of each object up the chain that loaded it, then the program's,
 * unless the needing object has DT_RUNPATH (an object with both has only
 * DT_RUNPATH); LD_LIBRARY_PATH (not when AT_SECURE); the needing object's
 * own DT_RUNPATH (not inherited); /etc/ld.so.cache; the default
 * directories (the last two not with DF_1_NODEFLIB). A file of the other
 * ELF class or another machine is skipped; any other bad file stops the
 * loader. The first missing library stops it. Then every DT_VERNEED is
 * checked (each failure printed), then relocation: an object bound now
 * (DF_BIND_NOW, DF_1_NOW, LD_BIND_NOW) needs every symbol it imports.
 *
 * musl (ldso/dynlink.c load_library, load_deps): LD_LIBRARY_PATH, then the
 * DT_RUNPATH or DT_RPATH (alike, inherited) of the needing object and up
 * its chain, then /etc/ld-musl-x86_64.path or /lib:/usr/local/lib:/usr/lib;
 * libc.so, libpthread.so... are musl itself. It reports every missing
 * library, and relocates everything at start (no lazy binding), ignoring
 * version names. */
#include "ldso.h"

#include "elf_check.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GLIBC_DEFAULT_DIRS "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib:/usr/lib"
#define MUSL_DEFAULT_DIRS "/lib:/usr/local/lib:/usr/lib"
#define MUSL_PATH_FILE "/etc/ld-musl-x86_64.path"
#define CACHE_FILE "/etc/ld.so.cache"
#define PRELOAD_FILE "/etc/ld.so.preload"
/* Undefined symbols named in a diagnosis, at most. */
#define MAX_SYMBOLS_SHOWN 5

struct walk {
	const struct ld_request *rq;
	struct ld_result *res;
	bool musl;
	struct ld_cache cache;
	bool have_cache;
	struct ld_dirs env;          /* LD_LIBRARY_PATH */
	bool have_env;
	struct ld_dirs sys;          /* default directories */
	const char *const *sub;      /* hwcaps subdirectories (glibc) */
	size_t nsub;
	const char *const *active;
	size_t nactive;
	bool nomem;
	bool stopped;                /* the loader has given up: later finds are notes */
};

static char *xstrdup(struct walk *w, const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		w->nomem = true;
	return p;
}

static bool push(struct walk *w, void **vec, size_t *n, size_t size, const void *item)
{
	void *grown = realloc(*vec, (*n + 1) * size);

	if (!grown) {
		w->nomem = true;
		return false;
	}
	memcpy((char *)grown + *n * size, item, size);
	*vec = grown;
	(*n)++;
	return true;
}

static void __attribute__((format(printf, 3, 4))) add_line(struct walk *w, int kind, const char *fmt, ...)
{
	char buf[1024], *s;
	va_list ap;
	char ***vec = kind == 0 ? &w->res->message : kind == 1 ? &w->res->why : &w->res->note;
	size_t *n = kind == 0 ? &w->res->nmessage : kind == 1 ? &w->res->nwhy : &w->res->nnote;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s = xstrdup(w, buf);
	if (s && !push(w, (void **)vec, n, sizeof(s), &s))
		free(s);
}

#define MESSAGE(w, ...) add_line(w, 0, __VA_ARGS__)
#define WHY(w, ...) add_line(w, 1, __VA_ARGS__)
#define NOTE(w, ...) add_line(w, 2, __VA_ARGS__)

static const char *env_get(char *const *envp, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], key, n) && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

static const char *obj_name(const struct walk *w, const struct ld_obj *o)
{
	return o == w->res->obj[0] ? w->rq->argv0 : o->path;
}

static void add_name(struct walk *w, struct ld_obj *o, const char *name)
{
	char *s;

	if (!name || !*name)
		return;
	for (size_t i = 0; i < o->nnames; i++)
		if (!strcmp(o->names[i], name))
			return;
	s = xstrdup(w, name);
	if (s && !push(w, (void **)&o->names, &o->nnames, sizeof(s), &s))
		free(s);
}

static char *dirname_of(struct walk *w, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return xstrdup(w, ".");
	if (slash == path)
		return xstrdup(w, "/");
	d = strndup(path, (size_t)(slash - path));
	if (!d)
		w->nomem = true;
	return d;
}

static struct ld_obj *obj_new(struct walk *w, const char *name)
{
	struct ld_obj *o = calloc(1, sizeof(*o));

	if (!o || !(o->name = xstrdup(w, name)) ||
	    !push(w, (void **)&w->res->obj, &w->res->nobj, sizeof(o), &o)) {
		if (o)
			free(o->name);
		free(o);
		w->nomem = true;
		return NULL;
	}
	return o;
}

static void try_record(struct walk *w, struct ld_obj *o, const char *dir, const char *rule, const char *result)
{
	struct ld_try t = { .rule = rule };

	if (o->ntried && !strcmp(o->tried[o->ntried - 1].dir, dir) && o->tried[o->ntried - 1].rule == rule &&
	    !result)
		return;
	t.dir = xstrdup(w, dir);
	t.result = result ? xstrdup(w, result) : NULL;
	if (!t.dir || !push(w, (void **)&o->tried, &o->ntried, sizeof(t), &t)) {
		free(t.dir);
		free(t.result);
	}
}

/* The object a name already stands for (_dl_name_match_p). */
static struct ld_obj *find_loaded(struct walk *w, const char *name)
{
	for (size_t i = 0; i <= w->res->nobj; i++) {
		struct ld_obj *o = i < w->res->nobj ? w->res->obj[i] : w->res->ldso;

		if (!o->opened)
			continue;
		if (!o || !o->opened)
			continue;
		if (o->path && !strcmp(o->path, name) && o != w->res->obj[0])
			return o;
		for (size_t k = 0; k < o->nnames; k++)
			if (!strcmp(o->names[k], name))
				return o;
	}
	return NULL;
}

static struct ld_obj *find_file(struct walk *w, const struct ld_elf *e)
{
	for (size_t i = 0; i <= w->res->nobj; i++) {
		struct ld_obj *o = i < w->res->nobj ? w->res->obj[i] : w->res->ldso;

		if (o && o->opened && o->elf.dev == e->dev && o->elf.ino == e->ino)
			return o;
	}
	return NULL;
}

/* What trying one candidate gave. */
enum cand {
	CAND_NONE,      /* not there (or skipped): go on */
	CAND_FOUND,
	CAND_STOP,      /* the loader stops here */
};

struct search {
	struct ld_obj *o;            /* the object being looked for */
	const char *name;
	bool other_class;
	int last_err;                /* errno the loader would report */
	char stop_msg[512];
	struct ld_elf elf;
	char *path;
};

static enum cand try_file(struct walk *w, struct search *s, const char *path, const char *dir, const char *rule)
{
	char why[160] = "", note[256];
	int err;
	enum ld_open r = ld_elf_open(path, &s->elf, &err, why, sizeof(why));

	switch (r) {
	case LD_OPEN_OK:
		/* musl maps whatever it opened; glibc verified it above. */
		s->path = xstrdup(w, path);
		return s->path ? CAND_FOUND : CAND_STOP;
	case LD_OPEN_OTHER_CLASS:
		s->other_class = true;
		snprintf(note, sizeof(note), "%s: 32-bit (ELFCLASS32), skipped", path);
		try_record(w, s->o, dir, rule, note);
		if (w->musl) {
			snprintf(s->stop_msg, sizeof(s->stop_msg), "%s", strerror(ENOEXEC));
			return CAND_STOP;
		}
		return CAND_NONE;
	case LD_OPEN_OTHER_MACHINE: {
		const char *m = elf_machine_name(s->elf.machine);

		snprintf(note, sizeof(note), "%s: built for %s (e_machine %u), skipped", path, m ? m : "another machine",
			 s->elf.machine);
		memset(&s->elf, 0, sizeof(s->elf));
		try_record(w, s->o, dir, rule, note);
		if (w->musl) {
			snprintf(s->stop_msg, sizeof(s->stop_msg), "%s", strerror(ENOEXEC));
			return CAND_STOP;
		}
		return CAND_NONE;
	}
	case LD_OPEN_BAD:
		if (w->musl && strcmp(why, "only ET_DYN and ET_EXEC can be loaded") && strcmp(why, "file too short")) {
			/* musl checks only the size and e_type before mapping. */
			snprintf(note, sizeof(note), "%s: %s (musl maps it anyway)", path, why);
			try_record(w, s->o, dir, rule, note);
			snprintf(s->stop_msg, sizeof(s->stop_msg), "%s", strerror(ENOEXEC));
			return CAND_STOP;
		}
		snprintf(s->stop_msg, sizeof(s->stop_msg), "%s: %s", path, why);
		try_record(w, s->o, dir, rule, why);
		return CAND_STOP;
	case LD_OPEN_ERRNO:
		break;
	}
	if (err == ENOENT || err == ENOTDIR) {
		try_record(w, s->o, dir, rule, NULL);
		return CAND_NONE;
	}
	snprintf(note, sizeof(note), "%s: %s", path, strerror(err));
	try_record(w, s->o, dir, rule, note);
	/* Both loaders go on past a file they may not read. */
	if (err == EACCES || err == ENAMETOOLONG) {
		s->last_err = err;
		return CAND_NONE;
	}
	s->last_err = err;
	snprintf(s->stop_msg, sizeof(s->stop_msg), "%s", strerror(err));
	return CAND_STOP;
}

/* open_path(): every directory of a list, with the hwcaps subdirectories. */
static enum cand search_dirs(struct walk *w, struct search *s, const struct ld_dirs *d, const char *rule)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < d->n; i++) {
		size_t nsub = w->musl ? 1 : w->nsub;

		for (size_t k = 0; k < nsub; k++) {
			const char *sub = w->musl ? "" : w->sub[k];
			enum cand c;
			int n;

			if (d->dir[i][0])
				n = snprintf(path, sizeof(path), "%s%s%s%s", d->dir[i],
					     !strcmp(d->dir[i], "/") ? "" : "/", sub, s->name);
			else
				n = snprintf(path, sizeof(path), "%s%s", sub, s->name);
			if (n < 0 || (size_t)n >= sizeof(path)) {
				try_record(w, s->o, d->dir[i], rule, "the path would be longer than PATH_MAX");
				continue;
			}
			c = try_file(w, s, path, d->dir[i][0] ? d->dir[i] : ".", rule);
			if (c != CAND_NONE)
				return c;
		}
		try_record(w, s->o, d->dir[i][0] ? d->dir[i] : ".", rule, NULL);
	}
	return CAND_NONE;
}

/* An object's effective DT_RPATH (none when it has DT_RUNPATH). */
static const char *eff_rpath(const struct ld_obj *o)
{
	return o->elf.runpath ? NULL : o->elf.rpath;
}

static enum cand search_list(struct walk *w, struct search *s, const char *list, const struct ld_obj *owner,
			     const char *rule)
{
	struct ld_dirs d;
	enum cand c;

	if (ld_dirs_split(&d, list, ":", owner->origin, w->rq->secure, w->musl)) {
		w->nomem = true;
		return CAND_STOP;
	}
	c = search_dirs(w, s, &d, rule);
	ld_dirs_free(&d);
	return c;
}

static bool in_default_dirs(const char *path)
{
	static const char *const dirs[] = { "/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/", "/usr/lib/" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])) && !strchr(path + strlen(dirs[i]), '/'))
			return true;
	return false;
}

/* The search of a name without '/', in the loader's order. */
static enum cand search_glibc(struct walk *w, struct search *s, struct ld_obj *loader)
{
	struct ld_obj *main_obj = w->res->obj[0];
	enum cand c = CAND_NONE;
	bool did_main = false;

	if (!loader->elf.runpath) {
		for (struct ld_obj *l = loader; l && c == CAND_NONE; l = l->loader) {
			if (!eff_rpath(l))
				continue;
			c = search_list(w, s, eff_rpath(l), l, "RPATH");
			if (c == CAND_FOUND) {
				s->o->rule = "RPATH";
				s->o->rule_owner = xstrdup(w, obj_name(w, l));
			}
			did_main |= l == main_obj;
		}
		if (c == CAND_NONE && !did_main && eff_rpath(main_obj)) {
			c = search_list(w, s, eff_rpath(main_obj), main_obj, "RPATH");
			if (c == CAND_FOUND) {
				s->o->rule = "RPATH";
				s->o->rule_owner = xstrdup(w, obj_name(w, main_obj));
			}
		}
	}
	if (c == CAND_NONE && w->have_env && (c = search_dirs(w, s, &w->env, "LD_LIBRARY_PATH")) == CAND_FOUND)
		s->o->rule = "LD_LIBRARY_PATH";
	if (c == CAND_NONE && loader->elf.runpath) {
		c = search_list(w, s, loader->elf.runpath, loader, "RUNPATH");
		if (c == CAND_FOUND) {
			s->o->rule = "RUNPATH";
			s->o->rule_owner = xstrdup(w, obj_name(w, loader));
		}
	}
	if (c == CAND_NONE && w->have_cache) {
		const struct ld_cache_entry *e = ld_cache_lookup(&w->cache, s->name, w->active, w->nactive);

		if (e && !((loader->elf.flags_1 & DF_1_NODEFLIB) && in_default_dirs(e->value))) {
			c = try_file(w, s, e->value, CACHE_FILE, "ld.so.cache");
			if (c == CAND_FOUND)
				s->o->rule = "ld.so.cache";
		} else {
			try_record(w, s->o, CACHE_FILE, "ld.so.cache", NULL);
		}
	}
	if (c == CAND_NONE && !(loader->elf.flags_1 & DF_1_NODEFLIB) &&
	    (c = search_dirs(w, s, &w->sys, "default path")) == CAND_FOUND)
		s->o->rule = "default path";
	return c;
}

static enum cand search_musl(struct walk *w, struct search *s, struct ld_obj *loader)
{
	enum cand c = CAND_NONE;

	if (w->have_env && (c = search_dirs(w, s, &w->env, "LD_LIBRARY_PATH")) == CAND_FOUND)
		s->o->rule = "LD_LIBRARY_PATH";
	for (struct ld_obj *l = loader; l && c == CAND_NONE; l = l->loader) {
		const char *rp = l->elf.runpath ? l->elf.runpath : l->elf.rpath;

		if (!rp)
			continue;
		c = search_list(w, s, rp, l, l->elf.runpath ? "RUNPATH" : "RPATH");
		if (c == CAND_FOUND) {
			s->o->rule = l->elf.runpath ? "RUNPATH" : "RPATH";
			s->o->rule_owner = xstrdup(w, obj_name(w, l));
		}
	}
	if (c == CAND_NONE && (c = search_dirs(w, s, &w->sys, "default path")) == CAND_FOUND)
		s->o->rule = "default path";
	return c;
}

/* musl's reserved names: libc.so, libpthread.so.0, ... are musl itself. */
static bool musl_reserved(const char *name)
{
	static const char *const reserved[] = { "c", "pthread", "rt", "m", "dl", "util", "xnet" };

	if (strncmp(name, "lib", 3))
		return false;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		size_t l = strlen(reserved[i]);

		if (!strncmp(name + 3, reserved[i], l) && (name[3 + l] == '\0' || !strncmp(name + 3 + l, ".so", 3)))
			return true;
	}
	return false;
}

/* A library file of the name exists where the search did not look: the
 * dependency would be found if the rules were different. */
static void explain_missing(struct walk *w, struct ld_obj *o, struct ld_obj *loader, const struct search *s)
{
	char path[PATH_MAX], rules[256] = "";
	size_t len = 0;

	if (s->other_class) {
		WHY(w, "%s needs %s: only a 32-bit (ELFCLASS32) copy was found; a 64-bit one must be installed",
		    obj_name(w, loader), o->name);
		return;
	}
	if (s->last_err == EACCES) {
		WHY(w, "%s needs %s: a file of that name exists but may not be read by uid %u (permissions of the file or a directory)",
		    obj_name(w, loader), o->name, (unsigned)geteuid());
		return;
	}
	/* DT_RUNPATH is not inherited: an ancestor's RUNPATH directory that
	 * holds the library. */
	for (struct ld_obj *l = loader->loader; l && !w->musl; l = l->loader) {
		struct ld_dirs d;

		if (!l->elf.runpath || ld_dirs_split(&d, l->elf.runpath, ":", l->origin, w->rq->secure, false))
			continue;
		for (size_t i = 0; i < d.n; i++) {
			snprintf(path, sizeof(path), "%s/%s", d.dir[i], o->name);
			if (access(path, F_OK) == 0) {
				WHY(w, "%s is in %s, a DT_RUNPATH directory of %s, but DT_RUNPATH is not inherited: %s, "
				    "which needs it, does not search there. Give %s its own RUNPATH, or link %s with "
				    "DT_RPATH (-Wl,--disable-new-dtags), which is inherited",
				    o->name, d.dir[i], obj_name(w, l), obj_name(w, loader), obj_name(w, loader),
				    obj_name(w, l));
				ld_dirs_free(&d);
				return;
			}
		}
		ld_dirs_free(&d);
	}
	/* Another version of it in the cache: the program was built against a
	 * release this system does not have. */
	if (w->have_cache && strstr(o->name, ".so")) {
		size_t stem = (size_t)(strstr(o->name, ".so") - o->name) + 3;

		for (size_t i = 0; i < w->cache.n; i++) {
			const struct ld_cache_entry *e = &w->cache.e[i];

			if (!strncmp(e->key, o->name, stem) && (e->key[stem] == '\0' || e->key[stem] == '.') &&
			    e->flags == LD_CACHE_FLAGS_X86_64) {
				WHY(w, "%s needs %s, which is not installed; the system has %s (%s), another version: "
				    "install the release it was built against, or rebuild it",
				    obj_name(w, loader), o->name, e->key, e->value);
				return;
			}
		}
	}
	/* Next to the program or the object needing it, where no rule looks:
	 * the classic "it is right there" case. */
	for (int k = 0; k < 2; k++) {
		const struct ld_obj *near = k == 0 ? loader : w->res->obj[0];

		if (!near->origin || (k == 1 && near == loader))
			continue;
		snprintf(path, sizeof(path), "%s/%s", near->origin, o->name);
		if (access(path, F_OK) == 0) {
			WHY(w, "%s needs %s; there is one in %s, the directory of %s, but no rule searches there: "
			    "link with -Wl,-rpath,'$ORIGIN' (or run with LD_LIBRARY_PATH=%s)",
			    obj_name(w, loader), o->name, near->origin, obj_name(w, near), near->origin);
			return;
		}
	}
	/* The rules that were followed, in order, each once. */
	for (size_t i = 0; i < o->ntried; i++) {
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = o->tried[k].rule == o->tried[i].rule;
		if (!seen && len < sizeof(rules))
			len += (size_t)snprintf(rules + len, sizeof(rules) - len, "%s%s", len ? ", " : "", o->tried[i].rule);
	}
	WHY(w, "%s needs %s, which is in none of the %zu places searched (%s)", obj_name(w, loader), o->name,
	    o->ntried, rules);
}

static void fail_missing(struct walk *w, struct ld_obj *o, struct ld_obj *loader, struct search *s, bool preload,
			 const char *preload_from)
{
	/* A file skipped because it could not be read leaves the search's
	 * errno at ENOENT: both loaders go on past it. */
	int err = s->last_err && s->last_err != EACCES && s->last_err != ENAMETOOLONG ? s->last_err : ENOENT;

	if (preload && !w->musl) {
		NOTE(w, "ERROR: ld.so: object '%s' from %s cannot be preloaded (%s): ignored.", o->name, preload_from,
		     s->stop_msg[0] ? s->stop_msg : "cannot open shared object file");
		return;
	}
	if (w->stopped && !w->musl) {
		NOTE(w, "%s (needed by %s) would not be found either", o->name, obj_name(w, loader));
		return;
	}
	if (w->musl) {
		if (preload)
			MESSAGE(w, "Error loading shared library %s: %s", o->name, s->stop_msg[0] ? s->stop_msg : strerror(err));
		else
			MESSAGE(w, "Error loading shared library %s: %s (needed by %s)", o->name,
				s->stop_msg[0] ? s->stop_msg : strerror(err), obj_name(w, loader));
	} else if (s->stop_msg[0] && strchr(s->stop_msg, ':')) {
		MESSAGE(w, "%s: error while loading shared libraries: %s", w->rq->argv0, s->stop_msg);
	} else if (s->other_class && !s->stop_msg[0]) {
		MESSAGE(w, "%s: error while loading shared libraries: %s: wrong ELF class: ELFCLASS32", w->rq->argv0,
			o->name);
	} else {
		MESSAGE(w, "%s: error while loading shared libraries: %s: cannot open shared object file: %s",
			w->rq->argv0, o->name, s->stop_msg[0] ? s->stop_msg : strerror(err));
	}
	if (s->stop_msg[0] && strchr(s->stop_msg, ':'))
		WHY(w, "%s is not a library the loader can use: it stops at the first such file", s->stop_msg);
	else
		explain_missing(w, o, loader, s);
	w->res->fails = true;
	w->res->status = 127;
	w->stopped = true;
}

static void obj_free(struct ld_obj *o);

/* The object just created stands for one already loaded after all. */
static void drop_last(struct walk *w, struct ld_obj *o)
{
	if (w->res->nobj && w->res->obj[w->res->nobj - 1] == o)
		w->res->nobj--;
	obj_free(o);
}

/* _dl_map_object() / load_library(): one name needed by loader. Returns
 * the object (not opened when it was not found), NULL on ENOMEM. */
static struct ld_obj *map_object(struct walk *w, const char *name, struct ld_obj *loader, bool preload,
				 const char *preload_from, bool *first)
{
	struct search s = { .name = name };
	struct ld_obj *o, *same;
	enum cand c;

	*first = false;
	if (w->musl && musl_reserved(name)) {
		add_name(w, w->res->ldso, name);
		if (w->res->ldso->opened)
			return w->res->ldso;
	}
	if (!strchr(name, '/') && (o = find_loaded(w, name)))
		return o;
	if (!name[0]) {
		MESSAGE(w, "%s: error while loading shared libraries: : cannot open shared object file: No such file or directory",
			w->rq->argv0);
		WHY(w, "%s has an empty DT_NEEDED name", obj_name(w, loader));
		w->res->fails = true;
		w->res->status = 127;
		return NULL;
	}
	o = obj_new(w, name);
	if (!o)
		return NULL;
	s.o = o;
	o->loader = loader;
	o->preload = preload;
	if (strchr(name, '/')) {
		struct ld_dirs d;

		/* A path: DSTs expanded with the needing object's origin. */
		if (ld_dirs_split(&d, name, "", loader->origin, w->rq->secure, w->musl)) {
			w->nomem = true;
			return NULL;
		}
		if (d.n == 1) {
			c = try_file(w, &s, d.dir[0], d.dir[0], preload ? preload_from : "path in DT_NEEDED");
			o->rule = preload ? preload_from : "path in DT_NEEDED";
		} else {
			c = CAND_NONE;
		}
		ld_dirs_free(&d);
		if (c == CAND_FOUND && (same = find_loaded(w, s.path))) {
			ld_elf_close(&s.elf);
			free(s.path);
			drop_last(w, o);
			return same;
		}
	} else {
		c = w->musl ? search_musl(w, &s, loader) : search_glibc(w, &s, loader);
		if (preload && c == CAND_FOUND)
			o->rule_owner = xstrdup(w, preload_from);
	}
	if (c != CAND_FOUND) {
		if (!w->nomem)
			fail_missing(w, o, loader, &s, preload, preload_from);
		return o;
	}
	/* Another name for a file already loaded (the same inode). */
	if ((same = find_file(w, &s.elf))) {
		ld_elf_close(&s.elf);
		free(s.path);
		add_name(w, same, name);
		drop_last(w, o);
		return same;
	}
	o->elf = s.elf;
	o->path = s.path;
	o->opened = true;
	o->origin = dirname_of(w, o->path);
	add_name(w, o, name);
	add_name(w, o, o->elf.soname);
	*first = true;
	if (o->elf.bad[0])
		NOTE(w, "%s: malformed dynamic data: %s", o->path, o->elf.bad);
	return o;
}

static void add_edge(struct walk *w, struct ld_obj *from, const char *name, struct ld_obj *to, bool first)
{
	struct ld_edge e = { .name = name, .to = to, .first = first };

	push(w, (void **)&from->edge, &from->nedge, sizeof(e), &e);
}

static void preload_list(struct walk *w, struct ld_obj *main_obj, const char *list, const char *from)
{
	char *copy, *save = NULL;

	if (!list)
		return;
	copy = xstrdup(w, list);
	if (!copy)
		return;
	for (char *t = strtok_r(copy, w->musl ? " \t\n:" : " :\t\n", &save); t; t = strtok_r(NULL, " :\t\n", &save)) {
		bool first;
		struct ld_obj *o;
		const char *name;

		/* Secure mode: glibc ignores preload names with a '/'. */
		if (w->rq->secure && strchr(t, '/'))
			continue;
		o = map_object(w, t, main_obj, true, from, &first);
		/* The edge's name lives in the object (the token is freed). */
		name = o && o->opened && o->nnames ? o->names[0] : NULL;
		if (name)
			add_edge(w, main_obj, name, o, first);
		if (w->nomem)
			break;
	}
	free(copy);
}

static void read_preload_file(struct walk *w, struct ld_obj *main_obj)
{
	FILE *f = fopen(PRELOAD_FILE, "re");
	char buf[4096];
	size_t n;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	preload_list(w, main_obj, buf, PRELOAD_FILE);
}

/* --- versions and symbols ------------------------------------------------ */

struct vctx {
	struct walk *w;
	struct ld_obj *o;
};

static int check_one_version(void *ctx, const char *file, const char *version, bool weak)
{
	struct vctx *v = ctx;
	struct walk *w = v->w;
	struct ld_obj *need = find_loaded(w, file);
	const char *newest;
	char prefix[64];
	size_t plen;

	if (!need)
		return 0;
	if (!need->elf.verdef) {
		NOTE(w, "%s: %s: no version information available (required by %s)", w->rq->argv0, need->path,
		     obj_name(w, v->o));
		return 0;
	}
	if (ld_verdef_has(&need->elf, version))
		return 0;
	if (weak) {
		NOTE(w, "%s: %s: weak version `%s' not found (required by %s)", w->rq->argv0, need->path, version,
		     obj_name(w, v->o));
		return 0;
	}
	MESSAGE(w, "%s: %s: version `%s' not found (required by %s)", w->rq->argv0, need->path, version,
		obj_name(w, v->o));
	plen = strcspn(version, "0123456789");
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(plen < sizeof(prefix) - 1 ? plen : sizeof(prefix) - 1), version);
	newest = plen ? ld_verdef_newest(&need->elf, prefix) : NULL;
	if (newest)
		WHY(w, "%s needs %s, %s has up to %s: it was built against a newer %s than this system has",
		    obj_name(w, v->o), version, need->path, newest, file);
	else
		WHY(w, "%s needs version %s of %s, which %s does not define", obj_name(w, v->o), version, file,
		    need->path);
	/* rtld's version_check_doit() exits with 1, not 127. */
	w->res->fails = true;
	w->res->status = 1;
	return 0;
}

static void check_versions(struct walk *w)
{
	for (size_t i = 0; i < w->res->nobj; i++) {
		struct vctx v = { .w = w, .o = w->res->obj[i] };

		if (!v.o->opened)
			continue;
		if (ld_verneed_each(&v.o->elf, check_one_version, &v) < 0)
			NOTE(w, "%s: malformed version needs: %s", obj_name(w, v.o), v.o->elf.bad);
	}
}

static bool defined_anywhere(struct walk *w, const char *name, const char *version)
{
	uint32_t hv = ld_gnu_hash(name);

	for (size_t i = 0; i < w->res->nobj; i++) {
		struct ld_obj *o = w->res->obj[i];

		if (o->opened && ld_symbol_defined(&o->elf, name, w->musl ? NULL : version, hv))
			return true;
	}
	return false;
}

/* Relocation at start: the imports of every object bound now (musl: all). */
static void check_symbols(struct walk *w)
{
	bool env_now = !w->musl && env_get(w->rq->envp, "LD_BIND_NOW") && *env_get(w->rq->envp, "LD_BIND_NOW");
	bool reported = false;

	/* Relocated in reverse load order, dependencies first, as glibc's
	 * l_initfini order does for a tree. */
	for (size_t i = w->res->nobj; i-- > 0;) {
		struct ld_obj *o = w->res->obj[i];
		struct ld_elf *e = &o->elf;
		bool now = w->musl || env_now || ld_elf_bind_now(e);
		size_t shown = 0, missing = 0;
		char list[512] = "";
		size_t len = 0;

		if (!o->opened || !e->sym || o->is_ldso)
			continue;
		w->res->bind_now_checked = true;
		for (size_t k = 1; k < e->nsym; k++) {
			const Elf64_Sym *s = &e->sym[k];
			unsigned bind = ELF64_ST_BIND(s->st_info), type = ELF64_ST_TYPE(s->st_info);
			const char *name, *version = NULL;

			if (s->st_shndx != SHN_UNDEF || bind != STB_GLOBAL)
				continue;
			/* Lazily bound functions are looked up at their first call;
			 * data (and TLS) is relocated at start regardless. */
			if (!now && type != STT_OBJECT && type != STT_TLS)
				continue;
			if (!(name = ld_elf_str(e, s->st_name)) || !name[0])
				continue;
			if (e->versym && (e->versym[k] & 0x7fff) >= 2)
				version = ld_verneed_name(e, e->versym[k] & 0x7fff);
			w->res->symbols_checked++;
			if (defined_anywhere(w, name, version))
				continue;
			missing++;
			if (!reported) {
				if (w->musl)
					MESSAGE(w, "Error relocating %s: %s: symbol not found", obj_name(w, o), name);
				else if (version)
					MESSAGE(w, "%s: symbol lookup error: %s: undefined symbol: %s, version %s", w->rq->argv0,
						obj_name(w, o), name, version);
				else
					MESSAGE(w, "%s: symbol lookup error: %s: undefined symbol: %s", w->rq->argv0,
						obj_name(w, o), name);
				reported = !w->musl;
			}
			if (shown++ < MAX_SYMBOLS_SHOWN && len < sizeof(list))
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s%s%s", shown > 1 ? ", " : "",
							name, version ? "@" : "", version ? version : "");
		}
		if (missing) {
			WHY(w, "%s imports %zu symbol%s no loaded library defines (%s%s)%s", obj_name(w, o), missing,
			    missing == 1 ? "" : "s", list, missing > shown ? ", ..." : "",
			    now ? "" : ": data is bound at start even without -z now");
			w->res->fails = true;
			w->res->status = 127;
		}
	}
}

/* --- the walk ------------------------------------------------------------ */

static enum ld_flavor flavor_of(const char *interp)
{
	const char *base;

	if (!interp)
		return LD_NONE;
	base = strrchr(interp, '/');
	base = base ? base + 1 : interp;
	if (!strncmp(base, "ld-musl-", 8))
		return LD_MUSL;
	if (!strncmp(base, "ld-linux", 8))
		return LD_GLIBC;
	return LD_UNKNOWN;
}

static void setup_paths(struct walk *w)
{
	const char *env = w->rq->secure ? NULL : env_get(w->rq->envp, "LD_LIBRARY_PATH");
	struct ld_obj *main_obj = w->res->obj[0];
	char err[160] = "";
	int r;

	if (env) {
		if (ld_dirs_split(&w->env, env, w->musl ? ":\n" : ":;", main_obj->origin, w->rq->secure, w->musl))
			w->nomem = true;
		w->have_env = true;
	}
	if (w->musl) {
		FILE *f = fopen(w->rq->musl_path_file ? w->rq->musl_path_file : MUSL_PATH_FILE, "re");
		char buf[8192];
		size_t n = 0;

		if (f) {
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
		}
		buf[n] = '\0';
		if (ld_dirs_split(&w->sys, f ? buf : MUSL_DEFAULT_DIRS, ":\n", NULL, false, true))
			w->nomem = true;
		return;
	}
	w->sub = ld_hwcaps_subdirs(&w->nsub);
	w->active = ld_hwcaps_active(&w->nactive);
	if (ld_dirs_split(&w->sys, GLIBC_DEFAULT_DIRS, ":", NULL, false, false))
		w->nomem = true;
	r = ld_cache_load(w->rq->cache_path ? w->rq->cache_path : CACHE_FILE, &w->cache, err, sizeof(err));
	if (r == 0) {
		w->have_cache = true;
		w->res->cache_status = w->cache.old_format ? "ld.so-1.7.0" : "glibc-ld.so.cache1.1";
	} else if (r == -ENOENT) {
		w->res->cache_status = "absent";
	} else {
		snprintf(w->res->cache_err, sizeof(w->res->cache_err), "%s", r < 0 && !err[0] ? strerror(-r) : err);
		w->res->cache_status = w->res->cache_err;
		NOTE(w, "%s is not a cache the loader can use (%s): it searches without it",
		     w->rq->cache_path ? w->rq->cache_path : CACHE_FILE, w->res->cache_err);
	}
}

static int open_main(struct walk *w)
{
	struct ld_obj *main_obj = obj_new(w, w->rq->argv0), *ldso;
	char why[160] = "", real[PATH_MAX];
	int err;

	if (!main_obj)
		return -ENOMEM;
	main_obj->path = xstrdup(w, w->rq->program);
	main_obj->rule = "program";
	if (ld_elf_open(w->rq->program, &main_obj->elf, &err, why, sizeof(why)) != LD_OPEN_OK) {
		NOTE(w, "%s cannot be read as the loader reads it (%s)", w->rq->program, why[0] ? why : strerror(err));
		return -EINVAL;
	}
	main_obj->opened = true;
	/* The program's $ORIGIN: the directory of /proc/self/exe, which names
	 * the file with every symbolic link resolved. */
	main_obj->origin = realpath(w->rq->program, real) ? dirname_of(w, real) : dirname_of(w, w->rq->program);
	if (main_obj->elf.bad[0])
		NOTE(w, "%s: malformed dynamic data: %s", w->rq->program, main_obj->elf.bad);

	/* The dynamic linker is loaded by the kernel: known by its PT_INTERP
	 * path and its soname, it joins the list when something needs it. */
	ldso = calloc(1, sizeof(*ldso));
	if (!ldso || !(ldso->name = xstrdup(w, w->rq->interp)) || !(ldso->path = xstrdup(w, w->rq->interp))) {
		if (ldso)
			free(ldso->name);
		free(ldso);
		return -ENOMEM;
	}
	w->res->ldso = ldso;
	ldso->is_ldso = true;
	ldso->rule = "PT_INTERP";
	ldso->origin = dirname_of(w, w->rq->interp);
	if (ld_elf_open(w->rq->interp, &ldso->elf, &err, why, sizeof(why)) == LD_OPEN_OK) {
		ldso->opened = true;
		add_name(w, ldso, w->rq->interp);
		add_name(w, ldso, ldso->elf.soname);
	}
	if (w->musl) {
		/* musl's ldso is its libc. */
		add_name(w, ldso, "libc.so");
	}
	return w->nomem ? -ENOMEM : 0;
}

static bool is_listed(const struct walk *w, const struct ld_obj *o)
{
	for (size_t i = 0; i < w->res->nobj; i++)
		if (w->res->obj[i] == o)
			return true;
	return false;
}

int ld_explain(const struct ld_request *rq, struct ld_result *res)
{
	struct walk w = { .rq = rq, .res = res };
	int ret;

	memset(res, 0, sizeof(*res));
	res->flavor = flavor_of(rq->interp);
	if (res->flavor == LD_NONE || res->flavor == LD_UNKNOWN)
		return 0;
	w.musl = res->flavor == LD_MUSL;
	ret = open_main(&w);
	if (ret == -ENOMEM)
		goto out;
	if (ret) {
		ret = 0;
		goto out;
	}
	setup_paths(&w);
	/* musl ignores LD_PRELOAD when AT_SECURE; glibc only its names with
	 * a '/' (preload_list). */
	preload_list(&w, res->obj[0], w.musl && rq->secure ? NULL : env_get(rq->envp, "LD_PRELOAD"), "LD_PRELOAD");
	if (!w.musl)
		read_preload_file(&w, res->obj[0]);
	/* Breadth first: the list grows while it is walked. */
	for (size_t i = 0; i < res->nobj && !w.nomem; i++) {
		struct ld_obj *o = res->obj[i];

		if (!o->opened)
			continue;
		for (size_t k = 0; k < o->elf.nneeded && !w.nomem; k++) {
			const char *name = ld_elf_str(&o->elf, o->elf.needed[k]);
			struct ld_obj *to;
			bool first;

			if (!name)
				continue;
			to = map_object(&w, name, o, false, NULL, &first);
			if (to == res->ldso && !is_listed(&w, to)) {
				/* The dynamic linker joins the list where first needed. */
				to->loader = o;
				first = true;
				if (!push(&w, (void **)&res->obj, &res->nobj, sizeof(to), &to))
					break;
			}
			add_edge(&w, o, name, to, first);
		}
	}
	if (!w.nomem && !res->fails)
		check_versions(&w);
	/* musl goes on to relocate after a missing library (and reports its
	 * symbols too); glibc has stopped. */
	if (!w.nomem && (!res->fails || w.musl))
		check_symbols(&w);
out:
	ld_dirs_free(&w.env);
	ld_dirs_free(&w.sys);
	if (w.have_cache)
		ld_cache_free(&w.cache);
	if (w.nomem)
		return -ENOMEM;
	return 0;
}

static void obj_free(struct ld_obj *o)
{
	ld_elf_close(&o->elf);
	for (size_t i = 0; i < o->ntried; i++) {
		free(o->tried[i].dir);
		free(o->tried[i].result);
	}
	for (size_t i = 0; i < o->nnames; i++)
		free(o->names[i]);
	free(o->names);
	free(o->tried);
	free(o->edge);
	free(o->name);
	free(o->path);
	free(o->origin);
	free(o->rule_owner);
	free(o);
}

static void free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void ld_result_free(struct ld_result *res)
{
	bool ldso_listed = false;

	for (size_t i = 0; i < res->nobj; i++) {
		if (res->obj[i] == res->ldso)
			ldso_listed = true;
		obj_free(res->obj[i]);
	}
	if (res->ldso && !ldso_listed)
		obj_free(res->ldso);
	free(res->obj);
	free_lines(res->message, res->nmessage);
	free_lines(res->why, res->nwhy);
	free_lines(res->note, res->nnote);
	memset(res, 0, sizeof(*res));
}
