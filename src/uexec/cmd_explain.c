/* uexec explain: the whole exec pipeline up to, not including, the jump,
 * step by step; on failure, the errno the kernel would return and why. */
#include "binfmt_hint.h"
#include "cli.h"
#include "explain_loader.h"
#include "json.h"

#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <uexec/uexec.h>

struct explain {
	bool json;
	struct json j;
	/* What the loader stage starts from, copied from the events: the
	 * last file opened (the ELF the kernel loads once its handler
	 * accepts it), its PT_INTERP, argv[0] after rewrites, AT_SECURE. */
	char opened[PATH_MAX], program[PATH_MAX], interp[PATH_MAX];
	char *argv0;
	bool have_program, have_interp, secure;
};

static const char *auxv_name(uint64_t t)
{
	static const struct { uint64_t type; const char *name; } names[] = {
		{ AT_NULL, "AT_NULL" }, { AT_IGNORE, "AT_IGNORE" }, { AT_EXECFD, "AT_EXECFD" },
		{ AT_PHDR, "AT_PHDR" }, { AT_PHENT, "AT_PHENT" }, { AT_PHNUM, "AT_PHNUM" },
		{ AT_PAGESZ, "AT_PAGESZ" }, { AT_BASE, "AT_BASE" }, { AT_FLAGS, "AT_FLAGS" },
		{ AT_ENTRY, "AT_ENTRY" }, { AT_NOTELF, "AT_NOTELF" }, { AT_UID, "AT_UID" },
		{ AT_EUID, "AT_EUID" }, { AT_GID, "AT_GID" }, { AT_EGID, "AT_EGID" },
		{ AT_PLATFORM, "AT_PLATFORM" }, { AT_HWCAP, "AT_HWCAP" }, { AT_CLKTCK, "AT_CLKTCK" },
		{ AT_SECURE, "AT_SECURE" }, { AT_BASE_PLATFORM, "AT_BASE_PLATFORM" },
		{ AT_RANDOM, "AT_RANDOM" }, { AT_HWCAP2, "AT_HWCAP2" },
		{ 27, "AT_RSEQ_FEATURE_SIZE" }, { 28, "AT_RSEQ_ALIGN" },
		{ 29, "AT_HWCAP3" }, { 30, "AT_HWCAP4" },
		{ AT_EXECFN, "AT_EXECFN" }, { AT_SYSINFO_EHDR, "AT_SYSINFO_EHDR" },
		{ AT_MINSIGSTKSZ, "AT_MINSIGSTKSZ" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == t)
			return names[i].name;
	return NULL;
}

static void prot_string(char out[4], int prot)
{
	out[0] = (prot & PROT_READ) ? 'r' : '-';
	out[1] = (prot & PROT_WRITE) ? 'w' : '-';
	out[2] = (prot & PROT_EXEC) ? 'x' : '-';
	out[3] = '\0';
}

static void handler_answer(char *buf, size_t n, int result)
{
	if (result == 0)
		snprintf(buf, n, "accepted");
	else if (result == -ENOEXEC)
		snprintf(buf, n, "not mine (ENOEXEC)");
	else
		snprintf(buf, n, "failed: %s (%s)", errno_name(-result), strerror(-result));
}

static void print_text(const struct uexec_event *ev)
{
	char buf[128], prot[4], shown[2048];
	const char *name;

	switch (ev->kind) {
	case UEXEC_EV_OPEN:
		printf("  open      %s\n", ev->path);
		break;
	case UEXEC_EV_HANDLER:
		handler_answer(buf, sizeof(buf), ev->result);
		printf("  handler   %-7s %s\n", ev->handler, buf);
		break;
	case UEXEC_EV_INTERP:
		binfmt_hint_escape(ev->path, shown, sizeof(shown));
		printf("  interp    %s%s", shown, ev->text ? "  argument: " : "");
		binfmt_hint_escape(ev->text ? ev->text : "", shown, sizeof(shown));
		printf("%s\n", shown);
		break;
	case UEXEC_EV_ARGV:
		printf("    argv[%llu] = %s\n", (unsigned long long)ev->value, ev->text);
		break;
	case UEXEC_EV_MAP:
		prot_string(prot, ev->prot);
		printf("  map       %012llx-%012llx %s off %-8llx %s\n", (unsigned long long)ev->start,
		       (unsigned long long)ev->end, prot, (unsigned long long)ev->offset, ev->path ? ev->path : "[anon]");
		break;
	case UEXEC_EV_ENTRY:
		printf("  entry     %#llx\n", (unsigned long long)ev->value);
		break;
	case UEXEC_EV_STACK:
		printf("  stack     %012llx-%012llx sp %#llx (sp %% 16 = %llu)\n", (unsigned long long)ev->start,
		       (unsigned long long)ev->end, (unsigned long long)ev->value, (unsigned long long)(ev->value % 16));
		break;
	case UEXEC_EV_AUXV:
		name = auxv_name(ev->a_type);
		if (name)
			printf("  auxv      %-20s %#llx\n", name, (unsigned long long)ev->value);
		else
			printf("  auxv      %-20llu %#llx\n", (unsigned long long)ev->a_type, (unsigned long long)ev->value);
		break;
	case UEXEC_EV_NOTE:
		binfmt_hint_escape(ev->text, shown, sizeof(shown));
		printf("  note      %s\n", shown);
		break;
	case UEXEC_EV_ERROR:
		/* Printed as the result, after the steps. */
		break;
	}
}

static void print_json(struct json *j, const struct uexec_event *ev)
{
	static const char *const kinds[] = { "open", "handler", "interp", "argv", "map", "entry",
					     "stack", "auxv", "note", "error" };
	char prot[4];

	if (ev->kind == UEXEC_EV_ERROR)
		return;
	json_begin_object(j, NULL);
	json_string(j, "step", kinds[ev->kind]);
	switch (ev->kind) {
	case UEXEC_EV_OPEN:
		json_string(j, "path", ev->path);
		break;
	case UEXEC_EV_HANDLER:
		json_string(j, "handler", ev->handler);
		json_string(j, "answer", ev->result == 0 ? "accepted" : ev->result == -ENOEXEC ? "not mine" : "failed");
		json_string(j, "errno", ev->result ? errno_name(-ev->result) : NULL);
		break;
	case UEXEC_EV_INTERP:
		json_string(j, "interpreter", ev->path);
		json_string(j, "argument", ev->text);
		break;
	case UEXEC_EV_ARGV:
		json_uint(j, "index", ev->value);
		json_string(j, "value", ev->text);
		break;
	case UEXEC_EV_MAP:
		prot_string(prot, ev->prot);
		json_hex(j, "start", ev->start);
		json_hex(j, "end", ev->end);
		json_string(j, "prot", prot);
		json_hex(j, "offset", ev->offset);
		json_string(j, "path", ev->path);
		break;
	case UEXEC_EV_ENTRY:
		json_hex(j, "address", ev->value);
		break;
	case UEXEC_EV_STACK:
		json_hex(j, "start", ev->start);
		json_hex(j, "end", ev->end);
		json_hex(j, "sp", ev->value);
		break;
	case UEXEC_EV_AUXV:
		json_string(j, "name", auxv_name(ev->a_type));
		json_uint(j, "type", ev->a_type);
		json_hex(j, "value", ev->value);
		break;
	case UEXEC_EV_NOTE:
		json_string(j, "text", ev->text);
		break;
	case UEXEC_EV_ERROR:
		break;
	}
	json_end_object(j);
}

static void remember(struct explain *x, const struct uexec_event *ev)
{
	switch (ev->kind) {
	case UEXEC_EV_OPEN:
		snprintf(x->opened, sizeof(x->opened), "%s", ev->path);
		break;
	case UEXEC_EV_HANDLER:
		if (ev->result == 0 && !strcmp(ev->handler, "elf") && !x->have_interp) {
			memcpy(x->program, x->opened, sizeof(x->program));
			x->have_program = true;
		}
		break;
	case UEXEC_EV_INTERP:
		/* Traced before the interpreter is opened: the program is
		 * still the last file opened. */
		if (ev->text && !strcmp(ev->text, "PT_INTERP")) {
			snprintf(x->interp, sizeof(x->interp), "%s", ev->path);
			memcpy(x->program, x->opened, sizeof(x->program));
			x->have_interp = x->have_program = true;
		}
		break;
	case UEXEC_EV_ARGV:
		if (ev->value == 0) {
			free(x->argv0);
			x->argv0 = strdup(ev->text);
		}
		break;
	case UEXEC_EV_AUXV:
		if (ev->a_type == AT_SECURE)
			x->secure = ev->value != 0;
		break;
	default:
		break;
	}
}

static void on_event(void *ctx, const struct uexec_event *ev)
{
	struct explain *x = ctx;

	remember(x, ev);
	if (x->json)
		print_json(&x->j, ev);
	else
		print_text(ev);
}

int cmd_explain(int argc, char **argv)
{
	struct exec_args a;
	struct explain x = { 0 };
	struct uexec_options opt = { .size = sizeof(opt), .trace = on_event, .trace_ctx = &x };
	struct uexec_image *img = NULL;
	char diag[512] = "";
	struct explain_loader_out lo = { 0 };
	int ret = exec_args_parse(&a, argc, argv, true, "explain"), err;

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	x.json = a.json;
	x.j.f = stdout;
	opt.diag = diag;
	opt.binfmt_rules = a.rules;
	opt.diag_size = sizeof(diag);
	if (x.json) {
		json_begin_object(&x.j, NULL);
		json_string(&x.j, "program", a.prog);
		json_begin_array(&x.j, "argv");
		for (size_t i = 0; a.argv[i]; i++)
			json_string(&x.j, NULL, a.argv[i]);
		json_end_array(&x.j);
		json_begin_array(&x.j, "steps");
	} else {
		printf("uexec explain: %s%s%s\n", a.prog, a.path && strcmp(a.path, a.prog) ? " -> " : "",
		       a.path && strcmp(a.path, a.prog) ? a.path : "");
	}
	err = -exec_args_prepare(&a, &opt, &img);
	if (x.json) {
		json_end_array(&x.j);
		/* PROG as given with a '/', or the PATH candidate chosen. */
		json_string(&x.j, "path", a.path ? a.path : img ? uexec_image_filename(img) : NULL);
	}
	if (err == 0 && x.have_program) {
		struct explain_loader_in in = {
			.program = x.program,
			.interp = x.have_interp ? x.interp : NULL,
			.argv0 = x.argv0 ? x.argv0 : a.argv[0] ? a.argv[0] : "",
			.envp = a.envp,
			.secure = x.secure,
		};

		if (explain_loader(&in, x.json ? &x.j : NULL, &lo) < 0)
			fprintf(stderr, "uexec explain: no memory for the loader stage\n");
	}
	if (x.json) {
		json_begin_object(&x.j, "result");
		json_bool(&x.j, "runs", err == 0 && !lo.fails);
		json_string(&x.j, "stage", err ? "kernel" : lo.fails ? "loader" : NULL);
		if (lo.fails)
			json_int(&x.j, "exit_status", lo.status);
		json_string(&x.j, "errno", err ? errno_name(err) : NULL);
		json_int(&x.j, "errno_value", err);
		json_string(&x.j, "message", err ? strerror(err) : NULL);
		json_string(&x.j, "diagnosis", err && diag[0] ? diag : NULL);
		json_end_object(&x.j);
		json_end_object(&x.j);
	} else if (err == 0 && !lo.fails) {
		printf("result: ready; `uexec run` would jump to the entry above%s\n",
		       lo.ran ? ", and the loader would reach main()" : "");
	} else if (err) {
		/* Under --strict the refusal may be uexec's alone: the notes
		 * above say what Linux does with the file. */
		printf("result: execve fails with %s (%s), %s\n", errno_name(err), strerror(err),
		       a.strict ? "under --strict (Linux may run it: see the notes)" : "as the kernel's would");
		if (diag[0]) {
			char shown[sizeof(diag) * 4];

			binfmt_hint_escape(diag, shown, sizeof(shown));
			printf("why:    %s\n", shown);
		}
	}
	if (img)
		uexec_release(img);
	exec_args_free(&a);
	free(x.argv0);
	return err || lo.fails ? EXIT_FINDINGS : EXIT_OK;
}
