/* binfmt_misc rules (fs/binfmt_misc.c's Node): parsed register strings,
 * shared by the rule loader (binfmt_misc_rules.c) and the handler
 * (binfmt_misc.c). */
#ifndef UEXEC_BINFMT_MISC_H
#define UEXEC_BINFMT_MISC_H

#include "bprm.h"

#include <stdbool.h>
#include <stddef.h>

/* include/linux/binfmts.h, fs/binfmt_misc.c */
#define MISC_MAX_REGISTER_LENGTH 1920
#define MISC_FMT_PRESERVE_ARGV0 (1u << 0) /* P */
#define MISC_FMT_OPEN_BINARY (1u << 1)    /* O */
#define MISC_FMT_CREDENTIALS (1u << 2)    /* C (implies O) */
#define MISC_FMT_OPEN_FILE (1u << 3)      /* F */

struct misc_rule {
	char *name;
	bool magic_type;         /* 'M'; otherwise 'E' (extension) */
	unsigned offset;
	unsigned char *magic;    /* 'M': unescaped bytes; 'E': the extension */
	unsigned char *mask;     /* NULL: compare every bit */
	unsigned size;
	char *interpreter;
	unsigned flags;
	int interp_fd;           /* F: opened when the rule was added, else -1 */
	char *origin;            /* "file:line", "host", or the caller's string */
	struct misc_rule *next;  /* newer rules first, as the kernel's list_add */
};

struct uexec_binfmt_rules {
	struct misc_rule *head;
	size_t count;
};

/* Parse one register string with create_entry()'s rules. On -EINVAL,
 * field and reason say what is wrong. The rule is not yet in a set. */
int misc_rule_parse(const char *reg, struct misc_rule **out, const char **field, char *reason, size_t reason_size);
void misc_rule_free(struct misc_rule *e);

/* check_file(): the first rule (newest) that takes this file. */
const struct misc_rule *misc_rule_match(const struct uexec_binfmt_rules *r, const char *interp,
					const unsigned char buf[BINPRM_BUF_SIZE]);

#endif
