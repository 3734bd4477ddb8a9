/* uexec binfmt: the binfmt_misc rules uexec would apply.
 *   list             every rule, in match order (first match wins)
 *   check FILE...    which rule, if any, takes each file
 *   parse STRING...  validate register strings with the kernel's rules */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <uexec/uexec.h>

static void print_bytes(const unsigned char *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void print_rule(void *ctx, const struct uexec_binfmt_rule_info *r)
{
	(void)ctx;
	printf("%-20s ", r->name);
	if (r->type == 'E') {
		printf("extension .%s", r->extension);
	} else {
		printf("magic ");
		print_bytes(r->magic, r->size);
		printf(" at %u", r->offset);
		if (r->mask) {
			printf(" mask ");
			print_bytes(r->mask, r->size);
		}
	}
	printf(" -> %s%s%s  (%s)\n", r->interpreter, r->flags[0] ? " flags " : "", r->flags, r->origin);
}

static void print_refusal(void *ctx, const char *where, unsigned line, const char *field, const char *reason)
{
	(void)line;
	*(int *)ctx = 1;
	printf("refused: '%s': field '%s': %s\n", where, field, reason);
}

static int parse_strings(int argc, char **argv)
{
	struct uexec_binfmt_rules *r;
	int bad = 0;

	if (uexec_binfmt_rules_new(&r))
		return EXIT_USAGE;
	for (int i = 0; i < argc; i++) {
		int ret = uexec_binfmt_rules_add(r, argv[i], print_refusal, &bad);
		if (ret == 0)
			printf("valid:   '%s'\n", argv[i]);
		else if (ret != -EINVAL && ret != -EEXIST) {
			printf("refused: '%s': %s\n", argv[i], strerror(-ret));
			bad = 1;
		}
	}
	uexec_binfmt_rules_free(r);
	return bad ? EXIT_FINDINGS : EXIT_OK;
}

int cmd_binfmt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "binfmt-host", no_argument, NULL, 'H' },
		{ "binfmt-dir", required_argument, NULL, 'D' },
		{ "no-binfmt-config", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct binfmt_config cfg = { 0 };
	struct uexec_binfmt_rules *rules = NULL;
	int c, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			cfg.host = true;
			break;
		case 'D':
			if (cfg.ndirs < BINFMT_MAX_DIRS)
				cfg.dirs[cfg.ndirs++] = optarg;
			break;
		case 'N':
			cfg.no_defaults = true;
			break;
		case 'h':
			printf("usage: uexec binfmt [--binfmt-host] [--binfmt-dir DIR]... [--no-binfmt-config] list\n"
			       "       uexec binfmt [...] check FILE...\n"
			       "       uexec binfmt parse REGISTER-STRING...\n");
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "uexec binfmt: expected list, check FILE... or parse STRING...\n");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "parse"))
		return parse_strings(argc - optind - 1, argv + optind + 1);
	if (binfmt_config_load(&cfg, &rules) < 0) {
		fprintf(stderr, "uexec binfmt: out of memory\n");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "list")) {
		uexec_binfmt_rules_for_each(rules, print_rule, NULL);
	} else if (!strcmp(argv[optind], "check") && optind + 1 < argc) {
		for (int i = optind + 1; i < argc; i++) {
			int err;
			const char *name = uexec_binfmt_rules_match(rules, argv[i], &err);

			if (err) {
				fprintf(stderr, "uexec binfmt: %s: %s\n", argv[i], strerror(err));
				ret = EXIT_USAGE;
			} else {
				printf("%s: %s\n", argv[i], name ? name : "no rule (ELF and #! handlers decide)");
			}
		}
	} else {
		fprintf(stderr, "uexec binfmt: unknown action '%s'\n", argv[optind]);
		ret = EXIT_USAGE;
	}
	uexec_binfmt_rules_free(rules);
	return ret;
}
