/* libFuzzer: the binfmt_misc register-string parser (create_entry()'s
 * rules), then adding the string to a rule set and matching a file
 * against it. Every rule is freed; nothing may be left in any cache. */
#include "binfmt_misc.h"
#include "kmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uexec/uexec.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uexec_binfmt_rules *set = NULL;
	struct misc_rule *e = NULL;
	const char *field = NULL;
	char reason[256], *reg = malloc(size + 1);
	int err = 0;

	if (!reg)
		return 0;
	memcpy(reg, data, size);
	reg[size] = '\0';
	if (misc_rule_parse(reg, &e, &field, reason, sizeof(reason)) == 0) {
		if (!e)
			abort();
		misc_rule_free(e);
	}
	if (uexec_binfmt_rules_new(&set) == 0) {
		if (uexec_binfmt_rules_add(set, reg, NULL, NULL) == 0)
			(void)uexec_binfmt_rules_match(set, "/proc/self/exe", &err);
		uexec_binfmt_rules_free(set);
	}
	free(reg);
	if (kmem_total_active()) {
		fprintf(stderr, "leak: %zu objects\n", kmem_total_active());
		abort();
	}
	return 0;
}
