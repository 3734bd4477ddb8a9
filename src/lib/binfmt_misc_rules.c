/* binfmt_misc rules: the kernel's register-string parser (create_entry,
 * scanarg, check_special_flags, string_unescape_inplace), the matcher
 * (check_file), and the places rules come from: configuration
 * directories and the host's mounted binfmt_misc. */
#include "binfmt_misc.h"
#include "kmem.h"
#include "sys.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static KMEM_CACHE_DEFINE(misc_rule_cache, "misc_rule", struct misc_rule);
static KMEM_CACHE_DEFINE(misc_rules_cache, "misc_rules", struct uexec_binfmt_rules);

void misc_rule_free(struct misc_rule *e)
{
	if (!e)
		return;
	sys_close(e->interp_fd);
	kfree(e->name);
	kfree(e->magic);
	kfree(e->mask);
	kfree(e->interpreter);
	kfree(e->origin);
	kmem_cache_free(&misc_rule_cache, e);
}

/* scanarg(): a field ends at the delimiter; "\x" must be followed by two
 * hex digits. Returns the start of the next field, or NULL. */
static char *scanarg(char *s, char del)
{
	char c;

	while ((c = *s++) != del) {
		if (c == '\0')
			return NULL;
		if (c == '\\' && *s == 'x') {
			s++;
			if (!isxdigit((unsigned char)*s++))
				return NULL;
			if (!isxdigit((unsigned char)*s++))
				return NULL;
		}
	}
	s[-1] = '\0';
	return s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* string_unescape_inplace(UNESCAPE_HEX): "\xHH" becomes one byte, any
 * other backslash stays. Returns the decoded length. */
static unsigned unescape_hex(char *s)
{
	char *const start = s;
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && hexval(s[2]) >= 0) {
			int v = hexval(s[2]);
			s += 3;
			if (hexval(*s) >= 0)
				v = v * 16 + hexval(*s++);
			*out++ = (char)v;
			continue;
		}
		*out++ = *s++;
	}
	return (unsigned)(out - start);
}

/* kstrtoint(…, 10, …): optional sign, decimal digits, nothing else. */
static bool parse_offset(const char *p, int *out)
{
	long long v = 0;
	bool neg = false;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		return false;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		v = v * 10 + (*p - '0');
		if (v > (long long)INT_MAX + 1)
			return false;
	}
	if (neg)
		v = -v;
	if (v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

/* A registration string being parsed: its padded copy, and where a
 * rejection is reported. */
struct reg_parse {
	char *buf;
	size_t count;		/* bytes of the string, padding excluded */
	char del;
	const char **field;
	char *reason;
	size_t reason_size;
};

/* Every field ends at a delimiter; the string is padded with 8 more, so a
 * field that runs to the end finds one in the padding (the kernel's
 * trick). Such a string always fails the kernel's final length check;
 * saying which field ran out names the mistake better. */
#define PADDING(q) (!(q) || (q) >= rp->buf + rp->count)

__attribute__((format(printf, 3, 4)))
static int reject(const struct reg_parse *rp, const char *field, const char *fmt, ...)
{
	va_list ap;

	*rp->field = field;
	va_start(ap, fmt);
	vsnprintf(rp->reason, rp->reason_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The field at *p up to the next delimiter, cut there; NULL when the
 * string ends first. */
static char *cut_field(const struct reg_parse *rp, char **p)
{
	char *start = *p, *end = strchr(start, rp->del);

	if (PADDING(end))
		return NULL;
	*end = '\0';
	*p = end + 1;
	return start;
}

/* :offset:magic:mask: of an M rule. */
static int parse_magic(const struct reg_parse *rp, char **pp, struct misc_rule *e)
{
	char *p = *pp, *s = strchr(p, rp->del), *magic, *mask;
	int offset = 0;
	unsigned size;

	if (PADDING(s))
		return reject(rp, "offset", "the string ends before the delimiter that closes the offset");
	*s = '\0';
	if (p != s && (!parse_offset(p, &offset) || offset < 0))
		return reject(rp, "offset", "'%s' is not a non-negative decimal number", p);
	p = s + 1;
	magic = p;
	p = scanarg(p, rp->del);
	if (!p)
		return reject(rp, "magic", "a \\x escape without two hex digits");
	if (PADDING(p - 1))
		return reject(rp, "magic", "the string ends before the delimiter that closes the magic");
	if (!magic[0])
		return reject(rp, "magic", "empty");
	mask = p;
	p = scanarg(p, rp->del);
	if (!p)
		return reject(rp, "mask", "a \\x escape without two hex digits");
	if (PADDING(p - 1))
		return reject(rp, "mask", "the string ends before the delimiter that closes the mask");
	size = unescape_hex(magic);
	if (mask[0] && unescape_hex(mask) != size)
		return reject(rp, "mask", "its length differs from the magic's (%u bytes)", size);
	if (size > BINPRM_BUF_SIZE || BINPRM_BUF_SIZE - size < (unsigned)offset)
		return reject(rp, "offset", "offset %d + magic size %u is past the %d bytes the kernel reads",
			      offset, size, BINPRM_BUF_SIZE);
	e->magic = kmemdup(magic, size);
	if (mask[0])
		e->mask = kmemdup(mask, size);
	if (!e->magic || (mask[0] && !e->mask))
		return -ENOMEM;
	e->size = size;
	e->offset = (unsigned)offset;
	*pp = p;
	return 0;
}

/* :offset:extension:mask: of an E rule; offset and mask are ignored. */
static int parse_extension(const struct reg_parse *rp, char **pp, struct misc_rule *e)
{
	char *magic;

	if (!cut_field(rp, pp))
		return reject(rp, "offset", "the string ends before the delimiter that closes the offset");
	magic = cut_field(rp, pp);
	if (!magic)
		return reject(rp, "magic", "the string ends before the delimiter that closes the extension");
	if (!magic[0] || strchr(magic, '/'))
		return reject(rp, "magic", "the extension '%s' is empty or contains '/'", magic);
	if (!cut_field(rp, pp))
		return reject(rp, "mask", "the string ends before the delimiter that closes the mask");
	e->magic = (unsigned char *)kstrdup(magic);
	if (!e->magic)
		return -ENOMEM;
	e->size = (unsigned)strlen(magic);
	return 0;
}

/* The flags P, O, C, F, one final newline, and nothing after. */
static int parse_flags(const struct reg_parse *rp, const char *p, struct misc_rule *e)
{
	char shown[64];
	size_t n = 0;

	for (;; p++) {
		if (*p == 'P')
			e->flags |= MISC_FMT_PRESERVE_ARGV0;
		else if (*p == 'O')
			e->flags |= MISC_FMT_OPEN_BINARY;
		else if (*p == 'C')
			e->flags |= MISC_FMT_CREDENTIALS | MISC_FMT_OPEN_BINARY;
		else if (*p == 'F')
			e->flags |= MISC_FMT_OPEN_FILE;
		else
			break;
	}
	if (*p == '\n')
		p++;
	if (p == rp->buf + rp->count)
		return 0;
	/* The rest, printable: it may hold a second newline. */
	for (const char *q = p; q < rp->buf + rp->count && n + 5 < sizeof(shown); q++)
		n += (size_t)snprintf(shown + n, sizeof(shown) - n, (unsigned char)*q < 0x20 ? "\\x%02x" : "%c",
				      (unsigned char)*q);
	shown[n] = '\0';
	return reject(rp, "flags", "'%s' holds something other than the flags P, O, C, F (and one final newline)",
		      shown);
}

/* :name:type: at the start; *name points into the copy. */
static int parse_name_type(const struct reg_parse *rp, char **pp, char **name, struct misc_rule *e)
{
	char *p;

	*name = cut_field(rp, pp);
	if (!*name)
		return reject(rp, "name", "the string ends before the delimiter that closes the name");
	if (!(*name)[0] || !strcmp(*name, ".") || !strcmp(*name, "..") || strchr(*name, '/'))
		return reject(rp, "name", "'%s' is empty, '.', '..' or contains '/'", *name);
	p = *pp;
	switch (*p++) {
	case 'E':
		break;
	case 'M':
		e->magic_type = true;
		break;
	default:
		return reject(rp, "type", "'%c' is neither M (magic) nor E (extension)", p[-1]);
	}
	if (*p++ != rp->del)
		return reject(rp, "type", "the type is more than one character");
	*pp = p;
	return 0;
}

int misc_rule_parse(const char *reg, struct misc_rule **out, const char **field, char *reason, size_t reason_size)
{
	struct reg_parse rp = { .count = strlen(reg), .field = field, .reason = reason,
				.reason_size = reason_size };
	struct misc_rule *e = NULL;
	char *p, *name, *interp;
	int ret;

	*out = NULL;
	*field = "string";
	reason[0] = '\0';
	if (rp.count < 11 || rp.count > MISC_MAX_REGISTER_LENGTH)
		return reject(&rp, "string", "length %zu is outside 11..%d", rp.count,
			      MISC_MAX_REGISTER_LENGTH);
	/* Padded with 8 delimiters past the end, as the kernel does, so a
	 * missing trailing field runs into padding and fails the end check. */
	rp.buf = kzalloc(rp.count + 9);
	e = kmem_cache_zalloc(&misc_rule_cache);
	if (!rp.buf || !e) {
		ret = -ENOMEM;
		goto fail;
	}
	e->interp_fd = -1;
	memcpy(rp.buf, reg, rp.count);
	rp.del = rp.buf[0];
	memset(rp.buf + rp.count, rp.del, 8);
	p = rp.buf + 1;

	ret = parse_name_type(&rp, &p, &name, e);
	if (!ret)
		ret = e->magic_type ? parse_magic(&rp, &p, e) : parse_extension(&rp, &p, e);
	if (ret)
		goto fail;
	interp = cut_field(&rp, &p);
	if (!interp)
		ret = reject(&rp, "interpreter", "the string ends before the delimiter that closes the interpreter");
	else if (!interp[0])
		ret = reject(&rp, "interpreter", "empty");
	else
		ret = parse_flags(&rp, p, e);
	if (ret)
		goto fail;
	e->name = kstrdup(name);
	e->interpreter = kstrdup(interp);
	if (!e->name || !e->interpreter) {
		ret = -ENOMEM;
		goto fail;
	}
	kfree(rp.buf);
	*out = e;
	return 0;
fail:
	kfree(rp.buf);
	misc_rule_free(e);
	return ret;
}

const struct misc_rule *misc_rule_match(const struct uexec_binfmt_rules *r, const char *interp,
					const unsigned char buf[BINPRM_BUF_SIZE])
{
	const char *dot = strrchr(interp, '.');

	for (const struct misc_rule *e = r->head; e; e = e->next) {
		unsigned j;

		if (!e->magic_type) {
			/* The kernel compares with what follows the last '.' of
			 * the whole path, directories included. */
			if (dot && !strcmp((const char *)e->magic, dot + 1))
				return e;
			continue;
		}
		for (j = 0; j < e->size; j++) {
			unsigned char diff = buf[e->offset + j] ^ e->magic[j];
			if (e->mask ? (diff & e->mask[j]) : diff)
				break;
		}
		if (j == e->size)
			return e;
	}
	return NULL;
}

/* --- the public rule-set API --------------------------------------------- */

int uexec_binfmt_rules_new(struct uexec_binfmt_rules **out)
{
	*out = kmem_cache_zalloc(&misc_rules_cache);
	return *out ? 0 : -ENOMEM;
}

void uexec_binfmt_rules_free(struct uexec_binfmt_rules *r)
{
	struct misc_rule *e, *next;

	if (!r)
		return;
	for (e = r->head; e; e = next) {
		next = e->next;
		misc_rule_free(e);
	}
	kmem_cache_free(&misc_rules_cache, r);
}

static int add_rule(struct uexec_binfmt_rules *r, const char *reg, const char *origin, unsigned line,
		    uexec_rule_error_fn err, void *ctx)
{
	struct misc_rule *e = NULL;
	const char *field;
	char reason[256];
	struct stat st;
	int ret = misc_rule_parse(reg, &e, &field, reason, sizeof(reason));

	if (ret == -EINVAL)
		goto report;
	if (ret)
		return ret;
	for (const struct misc_rule *o = r->head; o; o = o->next) {
		if (!strcmp(o->name, e->name)) {
			ret = -EEXIST;
			field = "name";
			snprintf(reason, sizeof(reason), "a rule named '%s' exists already (%s)", e->name, o->origin);
			goto report;
		}
	}
	/* F: open the interpreter now, as registration does in the kernel;
	 * a failure refuses the rule. */
	if (e->flags & MISC_FMT_OPEN_FILE) {
		e->interp_fd = open_exec(e->interpreter, &st, reason, sizeof(reason));
		if (e->interp_fd < 0) {
			ret = e->interp_fd;
			field = "interpreter";
			goto report;
		}
	}
	e->origin = line ? kzalloc(strlen(origin) + 16) : kstrdup(origin);
	if (!e->origin) {
		ret = -ENOMEM;
		goto out;
	}
	if (line)
		sprintf(e->origin, "%s:%u", origin, line);
	e->next = r->head;
	r->head = e;
	r->count++;
	return 0;
report:
	if (err)
		err(ctx, origin, line, field, reason);
out:
	misc_rule_free(e);
	return ret;
}

int uexec_binfmt_rules_add(struct uexec_binfmt_rules *r, const char *reg, uexec_rule_error_fn err, void *ctx)
{
	return add_rule(r, reg, reg, 0, err, ctx);
}

static int load_file(struct uexec_binfmt_rules *r, const char *path, uexec_rule_error_fn err, void *ctx)
{
	FILE *f = fopen(path, "re");
	char line[MISC_MAX_REGISTER_LENGTH + 64];
	unsigned lineno = 0;
	int added = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *s = line;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (add_rule(r, s, path, lineno, err, ctx) == 0)
			added++;
	}
	fclose(f);
	return added;
}

static int conf_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".conf");
}

int uexec_binfmt_rules_load_dir(struct uexec_binfmt_rules *r, const char *dir, uexec_rule_error_fn err, void *ctx)
{
	struct dirent **names;
	int n = scandir(dir, &names, conf_filter, alphasort), total = 0;

	if (n < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		int added;

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) < (int)sizeof(path)) {
			added = load_file(r, path, err, ctx);
			if (added > 0)
				total += added;
			else if (added < 0 && err)
				err(ctx, path, 0, "file", strerror(-added));
		}
		free(names[i]);
	}
	free(names);
	return total;
}

/* Copy, truncating: fields of a host entry longer than ours are invalid
 * anyway and will be refused by the parser. */
static void set_field(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The kernel shows an entry as lines "enabled", "interpreter X",
 * "flags: PF", "offset N", "magic HEX", "mask HEX" or "extension .ext":
 * turn them back into a register string. */
static int entry_to_register(const char *name, FILE *f, char *reg, size_t size)
{
	char line[PATH_MAX + 64], interp[PATH_MAX] = "", flags[16] = "", magic[600] = "", mask[600] = "", ext[256] = "";
	char offset[32] = "0";
	bool enabled = false;
	size_t used;

	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "enabled"))
			enabled = true;
		else if (!strncmp(line, "interpreter ", 12))
			set_field(interp, sizeof(interp), line + 12);
		else if (!strncmp(line, "flags: ", 7))
			set_field(flags, sizeof(flags), line + 7);
		else if (!strncmp(line, "offset ", 7))
			set_field(offset, sizeof(offset), line + 7);
		else if (!strncmp(line, "magic ", 6))
			set_field(magic, sizeof(magic), line + 6);
		else if (!strncmp(line, "mask ", 5))
			set_field(mask, sizeof(mask), line + 5);
		else if (!strncmp(line, "extension .", 11))
			set_field(ext, sizeof(ext), line + 11);
	}
	if (!enabled)
		return -ENOENT;
	if (ext[0]) {
		used = (size_t)snprintf(reg, size, ":%s:E::%s::%s:%s", name, ext, interp, flags);
		return used < size ? 0 : -E2BIG;
	}
	/* The offset text goes through as is: the parser refuses what does not fit. */
	used = (size_t)snprintf(reg, size, ":%s:M:%s:", name, offset);
	for (size_t i = 0; magic[i] && magic[i + 1] && used + 4 < size; i += 2)
		used += (size_t)snprintf(reg + used, size - used, "\\x%c%c", magic[i], magic[i + 1]);
	if (used + 1 < size)
		reg[used++] = ':';
	for (size_t i = 0; mask[i] && mask[i + 1] && used + 4 < size; i += 2)
		used += (size_t)snprintf(reg + used, size - used, "\\x%c%c", mask[i], mask[i + 1]);
	if (used < size)
		used += (size_t)snprintf(reg + used, size - used, ":%s:%s", interp, flags);
	return used < size ? 0 : -E2BIG;
}

int uexec_binfmt_rules_import_host(struct uexec_binfmt_rules *r, const char *mountpoint, uexec_rule_error_fn err,
				   void *ctx)
{
	char path[PATH_MAX], reg[4096];
	struct dirent **names;
	int n, total = 0;

	snprintf(path, sizeof(path), "%s/status", mountpoint);
	if (access(path, R_OK) < 0)
		return -ENOENT;
	n = scandir(mountpoint, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		FILE *f;

		if (name[0] == '.' || !strcmp(name, "status") || !strcmp(name, "register"))
			goto next;
		snprintf(path, sizeof(path), "%s/%s", mountpoint, name);
		f = fopen(path, "re");
		if (!f)
			goto next;
		if (entry_to_register(name, f, reg, sizeof(reg)) == 0 && add_rule(r, reg, "host", 0, err, ctx) == 0)
			total++;
		fclose(f);
next:
		free(names[i]);
	}
	free(names);
	return total;
}

void uexec_binfmt_rules_for_each(const struct uexec_binfmt_rules *r,
				 void (*fn)(void *ctx, const struct uexec_binfmt_rule_info *info), void *ctx)
{
	for (const struct misc_rule *e = r->head; e; e = e->next) {
		char flags[5];
		size_t n = 0;
		struct uexec_binfmt_rule_info info = {
			.name = e->name,
			.type = e->magic_type ? 'M' : 'E',
			.offset = e->offset,
			.magic = e->magic_type ? e->magic : NULL,
			.mask = e->mask,
			.size = e->size,
			.extension = e->magic_type ? NULL : (const char *)e->magic,
			.interpreter = e->interpreter,
			.flags = flags,
			.origin = e->origin,
		};
		if (e->flags & MISC_FMT_PRESERVE_ARGV0)
			flags[n++] = 'P';
		if ((e->flags & MISC_FMT_OPEN_BINARY) && !(e->flags & MISC_FMT_CREDENTIALS))
			flags[n++] = 'O';
		if (e->flags & MISC_FMT_CREDENTIALS)
			flags[n++] = 'C';
		if (e->flags & MISC_FMT_OPEN_FILE)
			flags[n++] = 'F';
		flags[n] = '\0';
		fn(ctx, &info);
	}
}

const char *uexec_binfmt_rules_match(const struct uexec_binfmt_rules *r, const char *path, int *errp)
{
	unsigned char buf[BINPRM_BUF_SIZE] = { 0 };
	const struct misc_rule *e;
	int fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);

	*errp = 0;
	if (fd < 0) {
		*errp = errno;
		return NULL;
	}
	if (sys_pread_full(fd, buf, sizeof(buf), 0) < 0)
		*errp = errno;
	sys_close(fd);
	if (*errp)
		return NULL;
	e = misc_rule_match(r, path, buf);
	return e ? e->name : NULL;
}
