/* The binfmt_misc handler: fs/binfmt_misc.c's load_misc_binary(). The
 * rules come from the request's options (binfmt_misc_rules.c). */
#include "binfmt.h"
#include "binfmt_misc.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

static int open_interpreter(struct bprm *b, const struct misc_rule *e)
{
	struct stat st;
	int fd;

	if (e->interp_fd < 0)
		return bprm_open_exec(b, e->interpreter, &st);
	/* F: the interpreter was opened when the rule was added; a fresh
	 * descriptor on the same file keeps the rule's own. */
	fd = sys_dup_cloexec(e->interp_fd);
	if (fd < 0)
		return bprm_fail(b, -errno, "cannot duplicate the interpreter %s held open by rule %s", e->interpreter,
				 e->name);
	return fd;
}

static int load_misc_binary(struct bprm *b)
{
	const struct uexec_binfmt_rules *rules = b->opt ? b->opt->binfmt_rules : NULL;
	const struct misc_rule *e;
	struct uexec_event ev = { .kind = UEXEC_EV_INTERP };
	int ret, fd;

	if (!rules)
		return -ENOEXEC;
	e = misc_rule_match(rules, b->interp, b->buf);
	if (!e)
		return -ENOEXEC;
	/* The interpreter will open the path: after the exec a close-on-exec
	 * /dev/fd/N is gone, so give up now, as the kernel does. */
	if (b->path_inaccessible)
		return bprm_fail(b, -ENOENT, "%s is a close-on-exec descriptor: the interpreter could not open it after the exec",
				 b->filename);
	bprm_note(b, "binfmt_misc rule '%s' (%s) matches %s", e->name, e->origin, b->interp);
	if (e->flags & MISC_FMT_PRESERVE_ARGV0)
		b->preserve_argv0 = true;
	else if ((ret = bprm_remove_arg_zero(b)))
		return ret;
	if (e->flags & MISC_FMT_OPEN_BINARY)
		b->have_execfd = true;
	if (e->flags & MISC_FMT_CREDENTIALS)
		bprm_note(b, "rule '%s' has flag C: uexec cannot take the binary's credentials, the caller's stay", e->name);
	/* New argv: interpreter, path of the binary, then the rest. */
	ret = bprm_push_front_arg(b, b->interp);
	if (!ret)
		ret = bprm_push_front_arg(b, e->interpreter);
	if (ret)
		return ret;
	ev.path = e->interpreter;
	ev.text = NULL;
	bprm_trace(b, &ev);
	for (size_t i = 0; i < b->argv.n; i++) {
		struct uexec_event av = { .kind = UEXEC_EV_ARGV, .value = i, .text = b->argv.v[i] };
		bprm_trace(b, &av);
	}
	fd = open_interpreter(b, e);
	if (fd < 0)
		return fd;
	b->interpreter_fd = fd;
	return bprm_change_interp(b, e->interpreter);
}

const struct binfmt binfmt_misc = {
	.name = "misc",
	.load_binary = load_misc_binary,
};
