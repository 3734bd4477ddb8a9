/* Where `uexec` finds binfmt_misc rules: /etc/uexec/binfmt.d,
 * $XDG_CONFIG_HOME/uexec/binfmt.d (or ~/.config/...), directories given
 * with --binfmt-dir, and with --binfmt-host the host kernel's entries. */
#ifndef UEXEC_BINFMT_CONFIG_H
#define UEXEC_BINFMT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <uexec/uexec.h>

#define BINFMT_MAX_DIRS 16
#define BINFMT_HOST_MOUNT "/proc/sys/fs/binfmt_misc"

struct binfmt_config {
	bool host;          /* --binfmt-host */
	bool no_defaults;   /* --no-binfmt-config */
	const char *dirs[BINFMT_MAX_DIRS];
	size_t ndirs;
};

/* Load the rules; refused rules are reported on stderr with file, line,
 * field and reason, and the others keep working. *out is NULL on ENOMEM. */
int binfmt_config_load(const struct binfmt_config *c, struct uexec_binfmt_rules **out);

#endif
