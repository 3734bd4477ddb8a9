/* `uexec explain`, the loader stage: after the kernel's steps, the tree of
 * libraries the dynamic loader would load (where each was found and by
 * which rule, or every place it was looked for), and its verdict. The
 * walk itself is src/ldso/; this file only prints it, as text or JSON. */
#include "explain_loader.h"

#include "binfmt_hint.h"
#include "ldso.h"

#include <stdio.h>
#include <string.h>

static const char *flavor_name(enum ld_flavor f)
{
	switch (f) {
	case LD_NONE: return "none";
	case LD_GLIBC: return "glibc";
	case LD_MUSL: return "musl";
	case LD_UNKNOWN: return "unknown";
	}
	return "?";
}

/* Control characters as C escapes (a "\r" at the end of a name is the
 * point of printing it). */
static const char *esc(const char *s, char *buf, size_t n)
{
	if (!s)
		return "(null)";
	binfmt_hint_escape(s, buf, n);
	return buf;
}

static void print_rule(const struct ld_obj *o)
{
	char b[512];

	if (o->rule_owner)
		printf(" [%s of %s]", o->rule, esc(o->rule_owner, b, sizeof(b)));
	else if (o->rule)
		printf(" [%s]", o->rule);
}

/* Every place looked (not found), or only the files skipped (found). */
static void print_tried(const struct ld_obj *o, const char *indent, bool skips_only)
{
	char b[1024], r[1024];

	for (size_t i = 0; i < o->ntried; i++) {
		const struct ld_try *t = &o->tried[i];

		if (skips_only && !t->result)
			continue;
		printf("%s      looked in %s (%s)%s%s\n", indent, esc(t->dir, b, sizeof(b)), t->rule,
		       t->result ? ": " : "", t->result ? esc(t->result, r, sizeof(r)) : "");
	}
}

static void print_children(const struct ld_obj *o, char *indent, size_t depth)
{
	size_t len = strlen(indent), last = 0;
	char b[1024], p[1024];

	for (size_t i = 0; i < o->nedge; i++)
		if (o->edge[i].first || !o->edge[i].to || !o->edge[i].to->opened)
			last = i + 1;
	for (size_t i = 0; i < o->nedge; i++) {
		const struct ld_edge *e = &o->edge[i];
		bool is_last = i + 1 == last;

		if (!(e->first || !e->to || !e->to->opened))
			continue;
		printf("%s%s %s", indent, is_last ? "`--" : "|--", esc(e->name, b, sizeof(b)));
		if (!e->to || !e->to->opened) {
			printf(" not found\n");
			if (e->to)
				print_tried(e->to, indent, false);
			continue;
		}
		if (e->to->path && strcmp(e->to->path, e->name))
			printf(" => %s", esc(e->to->path, p, sizeof(p)));
		print_rule(e->to);
		printf("\n");
		print_tried(e->to, indent, true);
		if (depth < 64 && len + 4 < 256) {
			strcat(indent, is_last ? "    " : "|   ");
			print_children(e->to, indent, depth + 1);
			indent[len] = '\0';
		}
	}
}

static void print_text(const struct ld_result *r, const char *interp)
{
	char indent[260] = "  ", b[1024];
	size_t n = 0;

	for (size_t i = 0; i < r->nobj; i++)
		n += r->obj[i]->opened;
	printf("loader    %s (%s)%s%s, %zu object%s\n", flavor_name(r->flavor), esc(interp, b, sizeof(b)),
	       r->cache_status ? ", ld.so.cache " : "", r->cache_status ? r->cache_status : "", n, n == 1 ? "" : "s");
	if (r->nobj) {
		printf("  %s\n", esc(r->obj[0]->path, b, sizeof(b)));
		print_children(r->obj[0], indent, 0);
	}
	for (size_t i = 0; i < r->nnote; i++)
		printf("  note      %s\n", esc(r->note[i], b, sizeof(b)));
}

static void json_obj(struct json *j, const struct ld_obj *o)
{
	json_begin_object(j, NULL);
	json_string(j, "name", o->name);
	json_bool(j, "found", o->opened);
	json_string(j, "path", o->opened ? o->path : NULL);
	json_string(j, "rule", o->opened ? o->rule : NULL);
	json_string(j, "rule_owner", o->opened ? o->rule_owner : NULL);
	json_string(j, "needed_by", o->loader ? o->loader->path : NULL);
	json_string(j, "soname", o->opened ? o->elf.soname : NULL);
	json_string(j, "rpath", o->opened ? o->elf.rpath : NULL);
	json_string(j, "runpath", o->opened ? o->elf.runpath : NULL);
	json_bool(j, "bind_now", o->opened && ld_elf_bind_now(&o->elf));
	json_begin_array(j, "needed");
	for (size_t i = 0; i < o->nedge; i++) {
		json_begin_object(j, NULL);
		json_string(j, "name", o->edge[i].name);
		json_string(j, "path", o->edge[i].to && o->edge[i].to->opened ? o->edge[i].to->path : NULL);
		json_end_object(j);
	}
	json_end_array(j);
	json_begin_array(j, "tried");
	for (size_t i = 0; i < o->ntried; i++) {
		json_begin_object(j, NULL);
		json_string(j, "dir", o->tried[i].dir);
		json_string(j, "rule", o->tried[i].rule);
		json_string(j, "result", o->tried[i].result);
		json_end_object(j);
	}
	json_end_array(j);
	json_string(j, "malformed", o->opened && o->elf.bad[0] ? o->elf.bad : NULL);
	json_end_object(j);
}

static void lines(struct json *j, const char *key, char **v, size_t n)
{
	json_begin_array(j, key);
	for (size_t i = 0; i < n; i++)
		json_string(j, NULL, v[i]);
	json_end_array(j);
}

static void print_json(struct json *j, const struct ld_result *r, const char *interp)
{
	json_begin_object(j, "loader");
	json_string(j, "flavor", flavor_name(r->flavor));
	json_string(j, "interpreter", interp);
	json_string(j, "cache", r->cache_status);
	json_bool(j, "starts", !r->fails);
	if (r->fails)
		json_int(j, "exit_status", r->status);
	else
		json_string(j, "exit_status", NULL);
	lines(j, "messages", r->message, r->nmessage);
	lines(j, "diagnosis", r->why, r->nwhy);
	lines(j, "notes", r->note, r->nnote);
	json_uint(j, "symbols_checked", r->symbols_checked);
	json_begin_array(j, "objects");
	for (size_t i = 0; i < r->nobj; i++)
		json_obj(j, r->obj[i]);
	json_end_array(j);
	json_end_object(j);
}

int explain_loader(const struct explain_loader_in *in, struct json *j, struct explain_loader_out *out)
{
	struct ld_request rq = {
		.program = in->program,
		.argv0 = in->argv0,
		.interp = in->interp,
		.envp = in->envp,
		.secure = in->secure,
	};
	struct ld_result r;
	char b[1024];
	int ret = ld_explain(&rq, &r);

	memset(out, 0, sizeof(*out));
	if (ret) {
		ld_result_free(&r);
		return ret;
	}
	out->ran = r.flavor == LD_GLIBC || r.flavor == LD_MUSL;
	out->fails = r.fails;
	out->status = r.status;
	if (j) {
		if (out->ran)
			print_json(j, &r, in->interp);
	} else if (out->ran) {
		print_text(&r, in->interp);
	} else if (r.flavor == LD_NONE) {
		printf("loader    none: a static program (no PT_INTERP), nothing is loaded before main()\n");
	} else if (r.flavor == LD_UNKNOWN) {
		printf("loader    %s: not a glibc or musl loader; its stage is not explained\n",
		       esc(in->interp, b, sizeof(b)));
	}
	if (!j && r.fails) {
		printf("result: the kernel's execve succeeds; the dynamic loader then stops before main(): exit status %d\n",
		       r.status);
		for (size_t i = 0; i < r.nmessage; i++)
			printf("loader: %s\n", esc(r.message[i], b, sizeof(b)));
		for (size_t i = 0; i < r.nwhy; i++)
			printf("why:    %s\n", esc(r.why[i], b, sizeof(b)));
	}
	ld_result_free(&r);
	return 0;
}
