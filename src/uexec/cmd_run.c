/* uexec run: become PROG. Returns only when PROG cannot be executed. */
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <uexec/uexec.h>

int cmd_run(int argc, char **argv)
{
	struct exec_args a;
	struct uexec_options opt = UEXEC_OPTIONS_INIT;
	struct uexec_image *img;
	char diag[512];
	int ret = exec_args_parse(&a, argc, argv, false, "run");

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	opt.diag = diag;
	opt.binfmt_rules = a.rules;
	opt.diag_size = sizeof(diag);
	ret = exec_args_prepare(&a, &opt, &img);
	if (ret < 0) {
		ret = report_exec_failure(a.prog, -ret, diag);
		goto out;
	}
	/* The engine copied what it needs: free ours so that nothing of
	 * uexec's own stays allocated in the new program. */
	exec_args_free(&a);
	fflush(NULL);
	uexec_start(img);
out:
	exec_args_free(&a);
	return ret;
}
