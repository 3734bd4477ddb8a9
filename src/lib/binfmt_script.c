/* The #! handler: fs/binfmt_script.c's load_script(), rule for rule,
 * including its quirks (a line with no newline loses byte 255). */
#include "binfmt.h"
#include "bprm.h"
#include "binfmt_hint.h"

#include <errno.h>
#include <string.h>

static int spacetab(char c)
{
	return c == ' ' || c == '\t';
}

static char *next_non_spacetab(char *first, const char *last)
{
	for (; first <= last; first++)
		if (!spacetab(*first))
			return first;
	return NULL;
}

static char *next_terminator(char *first, const char *last)
{
	for (; first <= last; first++)
		if (spacetab(*first) || !*first)
			return first;
	return NULL;
}

static int load_script(struct bprm *b)
{
	/* The parser writes NULs into the line: work on a copy so the
	 * request's buffer stays what was read. */
	char buf[BINPRM_BUF_SIZE];
	char *buf_end = buf + sizeof(buf) - 1, *i_end, *i_name, *i_sep, *i_arg = NULL;
	struct uexec_event ev = { .kind = UEXEC_EV_INTERP };
	struct stat st;
	int ret, fd;

	if (b->buf[0] != '#' || b->buf[1] != '!')
		return -ENOEXEC;
	memcpy(buf, b->buf, sizeof(buf));
	i_end = memchr(buf, '\n', sizeof(buf));
	if (!i_end) {
		i_end = next_non_spacetab(buf + 2, buf_end);
		if (!i_end)
			return bprm_fail(b, -ENOEXEC, "the #! line of %s holds only spaces", b->interp);
		/* No space, tab or NUL after the name within 256 bytes: the
		 * interpreter path may have been cut, so the kernel refuses. */
		if (!next_terminator(i_end, buf_end))
			return bprm_fail(b, -ENOEXEC,
					 "the #! line of %s is longer than %d bytes with no end in sight: the interpreter path would be truncated",
					 b->interp, BINPRM_BUF_SIZE);
		i_end = buf_end;
	}
	while (i_end > buf + 2 && spacetab(i_end[-1]))
		i_end--;
	i_name = next_non_spacetab(buf + 2, i_end);
	if (!i_name || i_name == i_end)
		return bprm_fail(b, -ENOEXEC, "the #! line of %s names no interpreter", b->interp);
	i_sep = next_terminator(i_name, i_end);
	if (i_sep && *i_sep != '\0')
		i_arg = next_non_spacetab(i_sep, i_end);
	*i_end = '\0';
	if (i_arg)
		*i_sep = '\0';

	/* The interpreter will open the path: after the exec a close-on-exec
	 * /dev/fd/N is gone, so give up now, as the kernel does. */
	if (b->path_inaccessible)
		return bprm_fail(b, -ENOENT, "%s is a close-on-exec descriptor: the interpreter could not open it after the exec",
				 b->filename);
	/* New argv: interpreter, [argument], script path, argv[1..]. */
	ret = bprm_remove_arg_zero(b);
	if (!ret)
		ret = bprm_push_front_arg(b, b->interp);
	if (!ret && i_arg)
		ret = bprm_push_front_arg(b, i_arg);
	if (!ret)
		ret = bprm_push_front_arg(b, i_name);
	if (ret)
		return ret;
	ev.path = i_name;
	ev.text = i_arg;
	bprm_trace(b, &ev);
	/* "#!/usr/bin/env python3\r": the exec succeeds, then env looks for
	 * "python3\r". */
	if (i_arg && i_arg[0] && i_arg[strlen(i_arg) - 1] == '\r')
		bprm_note(b, "the #! line of %s ends in a carriage return (DOS line endings): %s will be given the "
			  "argument \"%.*s\\r\" and will not find it; convert the file: sed -i 's/\\r$//' %s",
			  b->interp, i_name, (int)strlen(i_arg) - 1, i_arg, b->interp);
	for (size_t i = 0; i < b->argv.n; i++) {
		struct uexec_event av = { .kind = UEXEC_EV_ARGV, .value = i, .text = b->argv.v[i] };
		bprm_trace(b, &av);
	}
	/* The kernel changes interp before open_exec(); opening first lets
	 * the diagnosis name both the script and its interpreter. Nothing a
	 * program can observe depends on the order. */
	fd = bprm_open_exec(b, i_name, &st);
	if (fd == -ENOENT) {
		char why[sizeof(b->diag)];

		b->diag[0] = '\0';
		if (binfmt_hint_interp(b->interp, i_name, why, sizeof(why)) ||
		    binfmt_hint_dangling(i_name, why, sizeof(why)))
			return bprm_fail(b, fd, "%s", why);
		return bprm_fail(b, fd, "%s names the interpreter %s in its #! line, which does not exist",
				 b->interp, i_name);
	}
	if (fd < 0)
		return fd;
	b->interpreter_fd = fd;
	return bprm_change_interp(b, i_name);
}

const struct binfmt binfmt_script = {
	.name = "script",
	.load_binary = load_script,
};
