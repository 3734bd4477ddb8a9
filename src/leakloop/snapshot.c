// SPDX-License-Identifier: MIT
/*
 * Offline snapshot parsers. Layouts, from the sources that print them:
 *
 * Linux mm/slab_common.c (print_slabinfo_header, version 2.1):
 *   slabinfo - version: 2.1
 *   # name <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>
 *     : tunables <limit> <batchcount> <sharedfactor>
 *     : slabdata <active_slabs> <num_slabs> <sharedavail>
 *   (SLAB with statistics appends ": globalstat ..." and ": cpustat ...")
 *
 * FreeBSD usr.bin/vmstat (domemstat_zone):
 *   ITEM                   SIZE  LIMIT     USED     FREE      REQ     FAILSLEEP XDOMAIN
 *   VM OBJECT:              256,      0,   40640,    1175, 6107826,   0,   0,   0
 *   (XDOMAIN since 12.x, whose title format runs FAIL and SLEEP together;
 *   before that "FAIL SLEEP", and 7.x had "REQUESTS FAILURES" only; a
 *   hand-spaced "FAIL SLEEP XDOMAIN" is read too.) Fields are "%8ju," with
 *   no space after the comma, so wide numbers touch it. Zone names contain
 *   spaces, so a line is split at its last ':' (the numbers never have one).
 *
 * FreeBSD usr.bin/vmstat (domemstat_malloc):
 *   Type InUse MemUse Requests  Size(s)
 *   CAM queue     2     1K        2  16
 *   (before 12.x: "Type InUse MemUse HighUse Requests  Size(s)", HighUse "-").
 *   Type names contain spaces; MemUse is the first "<digits>K" token that
 *   follows an all-digit InUse, which no type name has been seen to contain.
 */
#include "snapshot.h"
#include "read_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A snapshot of any of these is a few hundred KiB; a larger file is not a
 * snapshot, and reading it whole would only hide the mistake. */
#define SNAP_MAX_FILE (64u << 20)
#define MAX_TOKENS 48

struct parser {
	const char *file;
	size_t line;
	struct ll_snap_error *err;
	struct ll_snap_entry *v;
	size_t n, cap;
	/* The live /proc/slabinfo (ll_snap_parse_live()): any 2.x version,
	 * the column line optional, only the first four columns needed. */
	bool live;
	bool oom;		/* failed for want of memory */
};

struct tok {
	const char *s;
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (p->line)
		w = snprintf(p->err->msg, sizeof(p->err->msg), "%s:%zu: ", p->file, p->line);
	else
		w = snprintf(p->err->msg, sizeof(p->err->msg), "%s: ", p->file);
	if (w < 0 || (size_t)w >= sizeof(p->err->msg))
		return -1;	/* a truncated message is still a message */
	va_start(ap, fmt);
	vsnprintf(p->err->msg + w, sizeof(p->err->msg) - (size_t)w, fmt, ap);
	va_end(ap);
	return -1;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && memcmp(t->s, s, t->len) == 0;
}

static size_t tokenize(const char *line, struct tok *t, size_t max)
{
	size_t n = 0;

	for (const char *c = line; *c;) {
		while (*c == ' ' || *c == '\t')
			c++;
		if (!*c)
			break;
		if (n == max)
			return max + 1;	/* caller reports "too many fields" */
		t[n].s = c;
		while (*c && *c != ' ' && *c != '\t')
			c++;
		t[n].len = (size_t)(c - t[n].s);
		n++;
	}
	return n;
}

/*
 * Decimal, digits only (no sign, no spaces), at most INT64_MAX: every
 * later subtraction of two counts then fits in an int64_t. Returns 0, -1
 * not a number, -2 too large.
 */
static int parse_count(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (__builtin_mul_overflow(v, 10u, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return -2;
	}
	if (v > (uint64_t)INT64_MAX)
		return -2;
	*out = v;
	return 0;
}

static int want_count(struct parser *p, const char *s, size_t len, const char *what,
		      uint64_t *out)
{
	int r = parse_count(s, len, out);

	if (r == -2)
		return fail(p, "%s '%.*s' is too large (more than %lld)", what, (int)len, s,
			    (long long)INT64_MAX);
	if (r)
		return fail(p, "expected a number for %s, got '%.*s'", what, (int)len, s);
	return 0;
}

static int checked_bytes(struct parser *p, uint64_t count, uint64_t size, const char *what,
			 uint64_t *out)
{
	if (__builtin_mul_overflow(count, size, out) || *out > (uint64_t)INT64_MAX)
		return fail(p, "%s: %llu objects of %llu bytes overflow a 64-bit byte count",
			    what, (unsigned long long)count, (unsigned long long)size);
	return 0;
}

static int add_entry(struct parser *p, const char *name, size_t name_len, uint64_t count,
		     uint64_t bytes, uint64_t size)
{
	struct ll_snap_entry *e;
	uint32_t dup = 1;

	if (name_len == 0)
		return fail(p, "expected a name before the numbers");
	if (name_len >= LL_SNAP_NAME_MAX)
		return fail(p, "name longer than %d bytes", LL_SNAP_NAME_MAX - 1);
	/* Entries are still in file order here: count earlier namesakes. */
	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->v[i].name) == name_len && !memcmp(p->v[i].name, name, name_len))
			dup++;
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 256;
		struct ll_snap_entry *nv;

		if (ncap > SIZE_MAX / sizeof(*nv))
			return fail(p, "too many entries");
		nv = realloc(p->v, ncap * sizeof(*nv));
		if (!nv) {
			p->oom = true;
			return fail(p, "out of memory");
		}
		p->v = nv;
		p->cap = ncap;
	}
	e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, name_len);
	e->dup = dup;
	e->count = count;
	e->bytes = bytes;
	e->size = size;
	return 0;
}

/* ---- Linux /proc/slabinfo 2.1 ---- */

static int slabinfo_header(struct parser *p, const char *line)
{
	static const char ver[] = "slabinfo - version: ";

	if (strncmp(line, ver, sizeof(ver) - 1) != 0)
		return fail(p, "expected 'slabinfo - version: 2.1'");
	/* The running kernel prints the layout it reads its own columns by:
	 * 2.x keeps the first four where they are. */
	if (p->live && strncmp(line + sizeof(ver) - 1, "2.", 2) == 0)
		return 0;
	/* SLAB with CONFIG_DEBUG_SLAB says "2.1 (statistics)" and appends
	 * globalstat/cpustat columns after the ones read here. */
	if (strcmp(line + sizeof(ver) - 1, "2.1") != 0 &&
	    strcmp(line + sizeof(ver) - 1, "2.1 (statistics)") != 0)
		return fail(p, "slabinfo version '%s' is not supported: expected 2.1",
			    line + sizeof(ver) - 1);
	return 0;
}

static int slabinfo_line(struct parser *p, const char *line)
{
	struct tok t[MAX_TOKENS];
	size_t n = tokenize(line, t, MAX_TOKENS);
	/* Positions of the numbers in the 2.1 layout, with their names for
	 * the error message: a column shifted by one must not parse. */
	static const struct { size_t at; const char *what; } nums[] = {
		{ 1, "active_objs" }, { 2, "num_objs" }, { 3, "objsize" },
		{ 4, "objperslab" }, { 5, "pagesperslab" }, { 8, "limit" },
		{ 9, "batchcount" }, { 10, "sharedfactor" }, { 13, "active_slabs" },
		{ 14, "num_slabs" }, { 15, "sharedavail" },
	};
	uint64_t v[16] = { 0 }, bytes;
	size_t nnums = sizeof(nums) / sizeof(nums[0]);

	if (n > MAX_TOKENS)
		return fail(p, "too many fields");
	if (p->live && n >= 4 && n < 16)
		nnums = 3;	/* NAME ACTIVE_OBJS NUM_OBJS OBJSIZE is all that is read */
	else if (n < 16 || !tok_is(&t[6], ":") || !tok_is(&t[7], "tunables") ||
	    !tok_is(&t[11], ":") || !tok_is(&t[12], "slabdata"))
		return fail(p, "expected 'NAME ACTIVE_OBJS NUM_OBJS OBJSIZE OBJPERSLAB "
			    "PAGESPERSLAB : tunables L B S : slabdata A N S'");
	for (size_t i = 0; i < nnums; i++)
		if (want_count(p, t[nums[i].at].s, t[nums[i].at].len, nums[i].what,
			       &v[nums[i].at]))
			return -1;
	/* Live, the kernel sums its counters without a lock: a moment's
	 * inconsistency must not end the run. */
	if (v[1] > v[2] && !p->live)
		return fail(p, "active_objs %llu greater than num_objs %llu",
			    (unsigned long long)v[1], (unsigned long long)v[2]);
	if (checked_bytes(p, v[1], v[3], "active_objs * objsize", &bytes))
		return -1;
	if (add_entry(p, t[0].s, t[0].len, v[1], bytes, v[3]))
		return -1;
	p->v[p->n - 1].total = v[2];
	return 0;
}

/* ---- FreeBSD vmstat -z ---- */

static int vmstat_z_header(struct parser *p, const char *line, size_t *ncols)
{
	static const char *const fixed[] = { "ITEM", "SIZE", "LIMIT", "USED", "FREE" };
	/* Since XDOMAIN (libxo, 12.x) the title format prints FAIL with %8s
	 * and SLEEP with %4s and no space between: "FAILSLEEP" is two columns. */
	static const struct { const char *name; size_t cols; } more[] = {
		{ "REQ", 1 }, { "REQUESTS", 1 }, { "FAIL", 1 }, { "FAILURES", 1 },
		{ "SLEEP", 1 }, { "FAILSLEEP", 2 }, { "XDOMAIN", 1 },
	};
	struct tok t[MAX_TOKENS];
	size_t n = tokenize(line, t, MAX_TOKENS), cols = 4;

	if (n < 6 || n > 9)
		goto bad;
	for (size_t i = 0; i < 5; i++)
		if (!tok_is(&t[i], fixed[i]))
			goto bad;
	for (size_t i = 5; i < n; i++) {
		size_t k;

		for (k = 0; k < sizeof(more) / sizeof(more[0]); k++)
			if (tok_is(&t[i], more[k].name))
				break;
		if (k == sizeof(more) / sizeof(more[0]))
			goto bad;
		cols += more[k].cols;
	}
	if (cols > 8)
		goto bad;
	*ncols = cols;
	return 0;
bad:
	return fail(p, "expected the vmstat -z header 'ITEM SIZE LIMIT USED FREE REQ FAIL "
		    "SLEEP [XDOMAIN]'");
}

static int vmstat_z_line(struct parser *p, const char *line, size_t ncols)
{
	static const char *const what[] = { "SIZE", "LIMIT", "USED", "FREE", "REQ", "FAIL",
					    "SLEEP", "XDOMAIN" };
	const char *colon = strrchr(line, ':'), *c, *name = line, *name_end;
	uint64_t v[8] = { 0 }, bytes;
	size_t col = 0;

	if (!colon)
		return fail(p, "expected 'ZONE NAME: SIZE, LIMIT, USED, FREE, REQ, ...' "
			    "(no ':' on the line)");
	while (*name == ' ' || *name == '\t')
		name++;
	name_end = colon;
	while (name_end > name && (name_end[-1] == ' ' || name_end[-1] == '\t'))
		name_end--;
	for (c = colon + 1;; c++) {
		const char *s, *e;

		while (*c == ' ' || *c == '\t')
			c++;
		s = c;
		while (*c && *c != ',')
			c++;
		e = c;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (col == ncols)
			return fail(p, "expected %zu comma-separated numbers after the zone name "
				    "(the header's columns), got more", ncols);
		if (want_count(p, s, (size_t)(e - s), what[col], &v[col]))
			return -1;
		col++;
		if (!*c)
			break;
	}
	if (col != ncols)
		return fail(p, "expected %zu comma-separated numbers after the zone name "
			    "(the header's columns), got %zu", ncols, col);
	if (checked_bytes(p, v[2], v[0], "USED * SIZE", &bytes))
		return -1;
	return add_entry(p, name, (size_t)(name_end - name), v[2], bytes, v[0]);
}

/* ---- FreeBSD vmstat -m ---- */

static int vmstat_m_header(struct parser *p, const char *line, bool *highuse)
{
	struct tok t[MAX_TOKENS];
	size_t n = tokenize(line, t, MAX_TOKENS);

	if (n == 5 && tok_is(&t[0], "Type") && tok_is(&t[1], "InUse") &&
	    tok_is(&t[2], "MemUse") && tok_is(&t[3], "Requests") && tok_is(&t[4], "Size(s)")) {
		*highuse = false;
		return 0;
	}
	if (n == 6 && tok_is(&t[0], "Type") && tok_is(&t[1], "InUse") &&
	    tok_is(&t[2], "MemUse") && tok_is(&t[3], "HighUse") && tok_is(&t[4], "Requests") &&
	    tok_is(&t[5], "Size(s)")) {
		*highuse = true;
		return 0;
	}
	return fail(p, "expected the vmstat -m header 'Type InUse MemUse [HighUse] Requests "
		    "Size(s)'");
}

static bool is_kilo(const struct tok *t)
{
	uint64_t v;

	return t->len >= 2 && t->s[t->len - 1] == 'K' && parse_count(t->s, t->len - 1, &v) != -1;
}

static bool all_digits(const struct tok *t)
{
	if (!t->len)
		return false;
	for (size_t i = 0; i < t->len; i++)
		if (t->s[i] < '0' || t->s[i] > '9')
			return false;
	return true;
}

static int vmstat_m_line(struct parser *p, const char *line, bool highuse)
{
	struct tok t[MAX_TOKENS];
	size_t n = tokenize(line, t, MAX_TOKENS), i, k, tail;
	uint64_t inuse, kib, req, bytes, size = 0, hu;

	if (n > MAX_TOKENS)
		return fail(p, "too many fields");
	for (i = 1; i + 1 < n; i++)
		if (all_digits(&t[i]) && is_kilo(&t[i + 1]))
			break;
	if (i + 1 >= n)
		return fail(p, "expected 'TYPE INUSE MEMUSE%s REQUESTS [SIZE,...]' with MemUse "
			    "in K (no '<number> <number>K' pair found)", highuse ? " HIGHUSE" : "");
	if (want_count(p, t[i].s, t[i].len, "InUse", &inuse) ||
	    want_count(p, t[i + 1].s, t[i + 1].len - 1, "MemUse", &kib))
		return -1;
	k = i + 2;
	if (highuse) {
		/* "-" when the type has no limit worth showing; a number else. */
		if (k >= n)
			return fail(p, "expected HighUse after MemUse");
		if (!tok_is(&t[k], "-") && want_count(p, t[k].s, t[k].len, "HighUse", &hu))
			return -1;
		k++;
	}
	if (k >= n)
		return fail(p, "expected Requests after MemUse");
	if (want_count(p, t[k].s, t[k].len, "Requests", &req))
		return -1;
	tail = n - (k + 1);
	if (tail > 1)
		return fail(p, "expected at most one Size(s) list after Requests, got %zu fields",
			    tail);
	if (tail == 1) {
		/* "16,32,64": one size means every object has it. */
		const struct tok *s = &t[k + 1];
		size_t nsizes = 0, from = 0;

		for (size_t j = 0; j <= s->len; j++) {
			uint64_t sz;

			if (j < s->len && s->s[j] != ',')
				continue;
			if (want_count(p, s->s + from, j - from, "a Size(s) entry", &sz))
				return -1;
			size = sz;
			nsizes++;
			from = j + 1;
		}
		if (nsizes != 1)
			size = 0;
	}
	if (checked_bytes(p, kib, 1024, "MemUse in bytes", &bytes))
		return -1;
	/* The name is the text from the first token to the end of the last
	 * name token, inner spaces kept as printed. */
	return add_entry(p, t[0].s, (size_t)(t[i - 1].s + t[i - 1].len - t[0].s), inuse,
			 bytes, size);
}

/* ---- the whole file ---- */

static int entry_cmp(const void *a, const void *b)
{
	const struct ll_snap_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->dup < y->dup ? -1 : x->dup > y->dup;
}

static int snap_parse(const char *text, size_t len, struct parser *pp, struct ll_snap *out)
{
	struct parser p = *pp;
	struct ll_snap_error *err = p.err;
	enum ll_snap_format fmt = 0;
	char *buf = NULL, *line, *next;
	size_t ncols = 0, entries_line = 0;
	bool highuse = false, slab_names = false;
	int ret = -1;

	out->v = NULL;
	out->n = 0;
	out->fmt = 0;
	err->msg[0] = '\0';
	if (memchr(text, '\0', len)) {
		p.line = 1;
		for (const char *c = text; *c; c++)
			p.line += *c == '\n';
		fail(&p, "NUL byte: not a text snapshot");
		goto out;
	}
	/* A private copy, so lines can be cut in place with '\0'. */
	buf = malloc(len + 1);
	if (!buf) {
		p.oom = true;
		fail(&p, "out of memory");
		goto out;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (line = buf; line; line = next) {
		char *eol = strchr(line, '\n');

		next = eol ? eol + 1 : NULL;
		if (eol)
			*eol = '\0';
		else if (!*line)
			break;	/* the text ended with '\n' */
		p.line++;
		/* Saved through a Windows editor or a serial console. */
		{
			size_t l = strlen(line);

			if (l && line[l - 1] == '\r')
				line[l - 1] = '\0';
		}
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (!fmt) {
			const char *s = line + strspn(line, " \t");

			if (!strncmp(s, "slabinfo", 8)) {
				fmt = LL_SNAP_SLABINFO;
				if (slabinfo_header(&p, line))
					goto out;
			} else if (!strncmp(s, "ITEM", 4)) {
				fmt = LL_SNAP_VMSTAT_Z;
				if (vmstat_z_header(&p, line, &ncols))
					goto out;
			} else if (!strncmp(s, "Type", 4)) {
				fmt = LL_SNAP_VMSTAT_M;
				if (vmstat_m_header(&p, line, &highuse))
					goto out;
			} else {
				fail(&p, "unknown format: expected a /proc/slabinfo header "
				     "('slabinfo - version: 2.1'), a vmstat -z header ('ITEM SIZE "
				     "LIMIT ...') or a vmstat -m header ('Type InUse MemUse ...')");
				goto out;
			}
			continue;
		}
		if (fmt == LL_SNAP_SLABINFO && p.live && line[0] == '#')
			continue;
		if (fmt == LL_SNAP_SLABINFO && !slab_names && !p.live) {
			/* The column names document the layout: insist on them, so a
			 * future 2.2 with moved columns is refused, not misread. */
			if (strncmp(line, "# name", 6) != 0) {
				fail(&p, "expected the column line '# name <active_objs> "
				     "<num_objs> <objsize> ...' after the version line");
				goto out;
			}
			slab_names = true;
			continue;
		}
		if (!entries_line)
			entries_line = p.line;
		if ((fmt == LL_SNAP_SLABINFO && slabinfo_line(&p, line)) ||
		    (fmt == LL_SNAP_VMSTAT_Z && vmstat_z_line(&p, line, ncols)) ||
		    (fmt == LL_SNAP_VMSTAT_M && vmstat_m_line(&p, line, highuse)))
			goto out;
	}
	if (!fmt) {
		p.line++;
		fail(&p, "expected a /proc/slabinfo, vmstat -z or vmstat -m header, got end "
		     "of file (empty snapshot)");
		goto out;
	}
	if (fmt == LL_SNAP_SLABINFO && !slab_names && !p.live) {
		p.line++;
		fail(&p, "expected the column line '# name <active_objs> ...', got end of file");
		goto out;
	}
	if (!p.n && !p.live) {
		p.line++;
		fail(&p, "expected at least one %s line, got end of file",
		     ll_snap_entry_noun(fmt));
		goto out;
	}
	if (!p.live)
		qsort(p.v, p.n, sizeof(*p.v), entry_cmp);
	out->fmt = fmt;
	out->v = p.v;
	out->n = p.n;
	p.v = NULL;	/* ownership moved to *out */
	ret = 0;
out:
	free(p.v);
	free(buf);
	pp->oom = p.oom;
	return ret;
}

int ll_snap_parse(const char *text, size_t len, const char *file, struct ll_snap *out,
		  struct ll_snap_error *err)
{
	struct parser p = { .file = file, .err = err };

	return snap_parse(text, len, &p, out);
}

int ll_snap_parse_live(const char *text, size_t len, struct ll_snap *out,
		       struct ll_snap_error *err)
{
	struct parser p = { .file = "/proc/slabinfo", .err = err, .live = true };

	if (snap_parse(text, len, &p, out))
		return p.oom ? -ENOMEM : -EINVAL;
	if (out->fmt != LL_SNAP_SLABINFO) {
		ll_snap_free(out);
		snprintf(err->msg, sizeof(err->msg), "/proc/slabinfo: not a slabinfo file");
		return -EINVAL;
	}
	return 0;
}

int ll_snap_read(const char *path, struct ll_snap *out, struct ll_snap_error *err)
{
	struct parser p = { .file = path, .err = err };
	FILE *f = NULL;
	char *text = NULL;
	size_t len = 0;
	int ret = -1;

	out->v = NULL;
	out->n = 0;
	out->fmt = 0;
	f = fopen(path, "re");
	if (!f) {
		fail(&p, "cannot open: %s", strerror(errno));
		goto out;
	}
	text = ll_read_stream(f, 65536, SNAP_MAX_FILE, &len);
	if (!text) {
		if (errno == EFBIG)
			fail(&p, "larger than %u MiB: not a snapshot", SNAP_MAX_FILE >> 20);
		else if (errno == ENOMEM)
			fail(&p, "out of memory");
		else	/* fopen() takes a directory; the read says EISDIR. */
			fail(&p, "cannot read: %s", strerror(errno));
		goto out;
	}
	ret = ll_snap_parse(text, len, path, out, err);
out:
	free(text);
	if (f)
		fclose(f);
	return ret;
}

void ll_snap_free(struct ll_snap *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

const struct ll_snap_entry *ll_snap_find(const struct ll_snap *s, const char *name,
					 uint32_t dup)
{
	struct ll_snap_entry key;
	size_t len = strlen(name);

	if (len >= sizeof(key.name) || !s->n)
		return NULL;
	memcpy(key.name, name, len + 1);
	key.dup = dup;
	return bsearch(&key, s->v, s->n, sizeof(*s->v), entry_cmp);
}

const char *ll_snap_format_id(enum ll_snap_format f)
{
	switch (f) {
	case LL_SNAP_SLABINFO:
		return "slabinfo";
	case LL_SNAP_VMSTAT_Z:
		return "vmstat-z";
	case LL_SNAP_VMSTAT_M:
		return "vmstat-m";
	}
	return "?";
}

const char *ll_snap_entry_noun(enum ll_snap_format f)
{
	switch (f) {
	case LL_SNAP_SLABINFO:
		return "cache";
	case LL_SNAP_VMSTAT_Z:
		return "zone";
	case LL_SNAP_VMSTAT_M:
		return "malloc type";
	}
	return "entry";
}
