/* uexec run: become PROG. Returns only when PROG cannot be executed. */
#include "cli.h"
#include "run_tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uexec/uexec.h>

int cmd_run(int argc, char **argv)
{
	struct exec_args a;
	struct uexec_options opt = UEXEC_OPTIONS_INIT;
	struct uexec_image *img;
	struct run_tree tree;
	char diag[512], **tree_envp = NULL, **own_envp;
	int ret = exec_args_parse(&a, argc, argv, false, "run");

	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	opt.diag = diag;
	opt.binfmt_rules = a.rules;
	opt.diag_size = sizeof(diag);
	own_envp = a.envp;
	if (a.tree) {
		ret = EXIT_USAGE;
		if (run_tree_setup(&tree, a.tree_log) < 0)
			goto out;
		/* PROG is exec'd by libuexec in this PID: marked so. */
		tree_envp = tree_env(a.envp, &tree.cfg, getpid());
		if (!tree_envp) {
			fprintf(stderr, "uexec run: %s\n", strerror(ENOMEM));
			goto out;
		}
		a.envp = tree_envp;
	}
	ret = exec_args_prepare(&a, &opt, &img);
	/* The image holds its own copy of the environment. */
	a.envp = own_envp;
	free(tree_envp);
	if (ret < 0) {
		ret = report_exec_failure(a.prog, -ret, diag);
		goto out;
	}
	if (a.tree)
		tree_log(tree.cfg.log, getpid(), uexec_image_filename(img), NULL);
	/* The engine copied what it needs: free ours so that nothing of
	 * uexec's own stays allocated in the new program. */
	exec_args_free(&a);
	fflush(NULL);
	uexec_start(img);
out:
	exec_args_free(&a);
	return ret;
}
