/* uexec: the kernel's execve in user space. Subcommands live in cmd_*.c. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run [--argv0 NAME] [-i] [--env K=V]... PROG [ARG...]   become PROG, exec'd in user space" },
	{ "binfmt", cmd_binfmt, "binfmt [--binfmt-host] [--binfmt-dir DIR] list|check FILE...|parse STRING...   binfmt_misc rules" },
	{ "explain", cmd_explain, "explain [--json] [run options] PROG [ARG...]   show every step up to the jump, or why it fails" },
	{ "check", cmd_check, "check [-r] [--json] PATH...   judge ELF headers by the Linux, FreeBSD, gVisor and Gramine rules" },
	{ "slabinfo", cmd_slabinfo, "slabinfo [--json] [run options] PROG [ARG...]   prepare and release PROG, print the engine's caches" },
	{ "leakcheck", cmd_leakcheck, "leakcheck [-n N] [run options] PROG [ARG...]   prepare and release PROG N times, report any growth" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: uexec COMMAND [OPTIONS] ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].summary);
	fprintf(f, "\nexit status: the program's own once it runs; 126 cannot execute, 127 not found,\n"
		   "2 usage error; explain: 0 would run, 1 would fail (the reason is printed)\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("uexec %s\n", UEXEC_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "uexec: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
