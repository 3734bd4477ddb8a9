/* The dynamic loader's stage of a program's start, from reading files only:
 * which libraries glibc's or musl's ld.so would load, from where and by
 * which rule, and whether the program would reach main(). Nothing here runs
 * the program or its loader.
 *
 * One job per file:
 *   ld_elf.c      one ELF object: bounded reads, the loader's header rules
 *                 (glibc's open_verify), the dynamic section
 *   ld_cache.c    /etc/ld.so.cache in glibc's own format
 *   ld_path.c     search-path lists: $ORIGIN/$LIB/$PLATFORM, hwcaps
 *                 subdirectories, musl's /etc/ld-musl-ARCH.path
 *   ld_version.c  DT_VERNEED against DT_VERDEF
 *   ld_symbol.c   DT_GNU_HASH / DT_HASH lookups for bound-now objects
 *   ld_tree.c     the loader's walk (glibc's _dl_map_object_deps, musl's
 *                 load_deps) and the verdict */
#ifndef UEXEC_LDSO_H
#define UEXEC_LDSO_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* --- one ELF object ------------------------------------------------------ */

/* What opening a candidate gives, as glibc's open_verify() decides it. */
enum ld_open {
	LD_OPEN_OK = 0,
	LD_OPEN_OTHER_CLASS,   /* ELFCLASS32: skipped, not fatal ("wrong ELF class") */
	LD_OPEN_OTHER_MACHINE, /* another e_machine: skipped silently */
	LD_OPEN_BAD,           /* the loader stops: why holds its message */
	LD_OPEN_ERRNO,         /* open/read failed: err holds the errno */
};

struct ld_elf {
	const unsigned char *map;   /* the whole file, read-only */
	size_t size;
	bool mapped;                /* map is ours to unmap */
	dev_t dev;
	ino_t ino;
	uint16_t type, machine;
	const Elf64_Phdr *ph;
	size_t phnum;
	const char *interp;         /* PT_INTERP, NUL-checked; NULL if none */
	bool has_dynamic;
	const char *strtab;         /* dynamic string table */
	size_t strsz;
	uint32_t *needed;           /* DT_NEEDED offsets into strtab, in order */
	size_t nneeded;
	const char *soname, *rpath, *runpath;
	uint64_t flags, flags_1;
	const Elf64_Sym *sym;       /* dynamic symbols (nsym of them) */
	size_t nsym;
	const uint16_t *versym;     /* nsym entries or NULL */
	const unsigned char *verdef, *verneed; /* bounded by verdef_len... */
	size_t verdef_len, verneed_len;
	size_t verdefnum, verneednum;
	const uint32_t *gnu_hash;   /* whole table, bounds checked at open */
	size_t gnu_hash_words;
	const uint32_t *hash;
	size_t hash_words;
	/* Malformed dynamic data: the first problem found (the file is bad
	 * input; the loader would refuse it or crash). Empty when none. */
	char bad[160];
};

/* Reads path with the loader's rules. On LD_OPEN_OK, e owns a mapping
 * (ld_elf_close). why gets the loader's message for LD_OPEN_BAD. */
enum ld_open ld_elf_open(const char *path, struct ld_elf *e, int *err, char *why, size_t whysz);
/* The same checks on a buffer the caller owns (fuzzers): never unmapped. */
enum ld_open ld_elf_parse(const void *buf, size_t size, struct ld_elf *e, char *why, size_t whysz);
void ld_elf_close(struct ld_elf *e);
/* A NUL-terminated string of the dynamic string table, or NULL when off is
 * out of bounds or unterminated. */
const char *ld_elf_str(const struct ld_elf *e, uint64_t off);
bool ld_elf_bind_now(const struct ld_elf *e);

/* --- /etc/ld.so.cache ------------------------------------------------------ */

struct ld_cache_entry {
	const char *key, *value;
	int32_t flags;
	uint64_t hwcap;
	int hwcaps_index;           /* glibc-hwcaps subdirectory, or -1 */
};

struct ld_cache {
	unsigned char *data;        /* owned copy of the file */
	size_t size;
	struct ld_cache_entry *e;
	size_t n;
	const char **hwcaps;        /* subdirectory names of the extension */
	size_t nhwcaps;
	bool old_format;
};

/* Parses a cache image; on failure (bad input) returns -1 and err names the
 * problem; nothing is kept. The buffer is copied. */
int ld_cache_parse(const void *buf, size_t len, struct ld_cache *c, char *err, size_t errsz);
/* Reads and parses path (ENOENT: no cache, returns -ENOENT quietly). */
int ld_cache_load(const char *path, struct ld_cache *c, char *err, size_t errsz);
void ld_cache_free(struct ld_cache *c);
/* glibc's search_cache(): the best entry for name among those of this
 * machine's flags, a glibc-hwcaps entry of an active subdirectory (lower
 * priority index wins) before a plain one. active[] lists the active
 * subdirectory names by priority. NULL when none. */
const struct ld_cache_entry *ld_cache_lookup(const struct ld_cache *c, const char *name,
					     const char *const *active, size_t nactive);
/* glibc's _dl_cache_libcmp: digit runs compare as numbers. */
int ld_cache_libcmp(const char *p1, const char *p2);

/* --- search paths ---------------------------------------------------------- */

/* glibc's x86-64 default flags in the cache (FLAG_ELF_LIBC6|FLAG_X8664_LIB64) */
#define LD_CACHE_FLAGS_X86_64 0x0303

struct ld_dirs {
	char **dir;                 /* each without trailing '/', "" = cwd */
	size_t n;
};

/* glibc's fillin_rpath(): split on seps, expand $ORIGIN, $LIB, $PLATFORM
 * (origin is the object's directory); elements whose expansion is refused
 * (secure mode) are dropped. 0 or -ENOMEM. */
int ld_dirs_split(struct ld_dirs *d, const char *list, const char *seps, const char *origin,
		  bool secure, bool musl);
void ld_dirs_free(struct ld_dirs *d);
/* glibc's hwcaps subdirectories of every search directory, by priority,
 * each ending in '/', the last "" (the directory itself). */
const char *const *ld_hwcaps_subdirs(size_t *n);
/* The glibc-hwcaps names (x86-64-v4...) this CPU supports, by priority. */
const char *const *ld_hwcaps_active(size_t *n);

/* --- versions and symbols --------------------------------------------------- */

/* Calls fn for every (file, version) pair of DT_VERNEED, bounds-checked;
 * returns -1 (with e->bad set) on malformed data. */
int ld_verneed_each(struct ld_elf *e, int (*fn)(void *ctx, const char *file, const char *version, bool weak),
		    void *ctx);
/* Does e's DT_VERDEF define version? */
bool ld_verdef_has(struct ld_elf *e, const char *version);
/* The newest (last defined) version name starting with prefix, or NULL. */
const char *ld_verdef_newest(struct ld_elf *e, const char *prefix);
/* Version name of DT_VERNEED entry index ndx (versym of an undefined
 * symbol), or NULL. */
const char *ld_verneed_name(struct ld_elf *e, unsigned ndx);
const char *ld_verdef_name(struct ld_elf *e, unsigned ndx);

/* Is name (version: NULL or the required one) defined in e? hv is
 * ld_gnu_hash(name), computed once for every object asked. */
uint32_t ld_gnu_hash(const char *name);
bool ld_symbol_defined(struct ld_elf *e, const char *name, const char *version, uint32_t hv);

/* --- the walk ---------------------------------------------------------------- */

enum ld_flavor {
	LD_NONE,      /* static: no loader stage */
	LD_GLIBC,
	LD_MUSL,
	LD_UNKNOWN,   /* a PT_INTERP uexec does not model */
};

struct ld_try {
	char *dir;                  /* directory looked in */
	const char *rule;           /* static string */
	char *result;               /* NULL: not there; else why skipped */
};

struct ld_obj;

struct ld_edge {
	const char *name;           /* as written in DT_NEEDED / LD_PRELOAD */
	struct ld_obj *to;          /* NULL: not found */
	bool first;                 /* this edge loaded it */
};

struct ld_obj {
	char *name;                 /* first name asked for */
	char *path;                 /* where it was found (the loader's l_name) */
	char *origin;               /* $ORIGIN */
	const char *rule;           /* how it was found */
	char *rule_owner;           /* whose RPATH/RUNPATH, when that */
	struct ld_obj *loader;      /* the object whose DT_NEEDED loaded it */
	struct ld_elf elf;
	bool opened, is_ldso, preload;
	struct ld_edge *edge;
	size_t nedge;
	struct ld_try *tried;       /* where it was looked for, when not found */
	size_t ntried;
	char **names;               /* names it answers to (DT_NEEDED, soname) */
	size_t nnames;
};

struct ld_request {
	const char *program;        /* the ELF file the kernel loads */
	const char *argv0;          /* the loader prints it in its messages */
	const char *interp;         /* PT_INTERP, or NULL for a static program */
	char *const *envp;
	bool secure;                /* AT_SECURE */
	const char *cache_path;     /* NULL: /etc/ld.so.cache */
	const char *musl_path_file; /* NULL: /etc/ld-musl-x86_64.path */
};

struct ld_result {
	enum ld_flavor flavor;
	struct ld_obj **obj;        /* load order, the program first */
	size_t nobj;
	struct ld_obj *ldso;        /* the dynamic linker, may be loaded late */
	char **message;             /* the loader's own lines, as it prints them */
	size_t nmessage;
	char **why;                 /* uexec's diagnosis of each */
	size_t nwhy;
	char **note;                /* remarks (warnings the loader prints but survives) */
	size_t nnote;
	bool fails;
	int status;                 /* the exit status the loader's failure gives */
	const char *cache_status;   /* "glibc-ld.so.cache1.1", "absent", or an error */
	char cache_err[160];
	bool bind_now_checked;
	size_t symbols_checked;
};

/* 0 (result filled, even when the program would fail) or -ENOMEM. */
int ld_explain(const struct ld_request *rq, struct ld_result *res);
void ld_result_free(struct ld_result *res);

#endif
