#include "binfmt_config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(void *ctx, const char *where, unsigned line, const char *field, const char *reason)
{
	(void)ctx;
	if (line)
		fprintf(stderr, "uexec: %s:%u: binfmt rule refused: field '%s': %s\n", where, line, field, reason);
	else
		fprintf(stderr, "uexec: %s: binfmt rule refused: field '%s': %s\n", where, field, reason);
}

static void load_dir(struct uexec_binfmt_rules *r, const char *dir)
{
	int n = uexec_binfmt_rules_load_dir(r, dir, report, NULL);

	if (n < 0)
		fprintf(stderr, "uexec: %s: cannot read binfmt rules: %s\n", dir, strerror(-n));
}

int binfmt_config_load(const struct binfmt_config *c, struct uexec_binfmt_rules **out)
{
	char user_dir[PATH_MAX];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int ret = uexec_binfmt_rules_new(out);

	if (ret)
		return ret;
	/* Loaded in order of precedence, lowest first: later rules win. */
	if (!c->no_defaults) {
		load_dir(*out, "/etc/uexec/binfmt.d");
		if (xdg && *xdg)
			snprintf(user_dir, sizeof(user_dir), "%s/uexec/binfmt.d", xdg);
		else if (home && *home)
			snprintf(user_dir, sizeof(user_dir), "%s/.config/uexec/binfmt.d", home);
		else
			user_dir[0] = '\0';
		if (user_dir[0])
			load_dir(*out, user_dir);
	}
	if (c->host) {
		ret = uexec_binfmt_rules_import_host(*out, BINFMT_HOST_MOUNT, report, NULL);
		if (ret == -ENOENT)
			fprintf(stderr, "uexec: --binfmt-host: binfmt_misc is not mounted at %s\n", BINFMT_HOST_MOUNT);
		else if (ret < 0)
			fprintf(stderr, "uexec: --binfmt-host: %s\n", strerror(-ret));
	}
	for (size_t i = 0; i < c->ndirs; i++)
		load_dir(*out, c->dirs[i]);
	return 0;
}
