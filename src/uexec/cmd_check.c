/* uexec check [-r] [--json] [-j N] PATH...: judge ELF files by the union of
 * the Linux, FreeBSD, gVisor and Gramine header rules and the ELF
 * specification's (elf_check.c, the very rules the loader applies, plus
 * the section headers' that loaders ignore), reading the headers only,
 * never the whole file. `uexec check --rules` prints the rule table.
 *
 * Here: the options and the run. The files to check are listed in
 * batches by check_walk.c (the command line, or the -r walk in name
 * order), checked by N threads (-j, default one per CPU) in check_jobs.c,
 * which prints each file's part in the batch's order (the output is the
 * same byte for byte whatever N), each file by check_file.c:
 * cmd_check.c -> check_walk.c -> check_jobs.c -> check_file.c. */
#include "check.h"
#include "check_file.h"
#include "check_jobs.h"
#include "check_walk.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOBS_MAX 256
/* Default: one thread per CPU the process may run on, at most this many
 * (measured on 2 CPUs only; a batch of 1024 files still gives 32 threads
 * 32 files each). */
#define JOBS_DEFAULT_MAX 32

/* The CPUs this process may run on (taskset, cpusets): more threads than
 * that would only take turns. */
static unsigned default_jobs(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > JOBS_DEFAULT_MAX ? JOBS_DEFAULT_MAX : (unsigned)n;
}

static int usage(FILE *f)
{
	fprintf(f, "usage: uexec check [-r|--recursive] [--json] [-j|--jobs N] PATH...\n"
		   "       uexec check --rules [--json]   the rules: id, severity, who refuses, errno, what\n"
		   "exit status: 0 no findings, 1 findings, 2 unreadable input or usage error\n");
	return EXIT_USAGE;
}

enum { OPT_JSON = 256, OPT_RULES };

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "jobs", required_argument, NULL, 'j' },
		{ "rules", no_argument, NULL, OPT_RULES },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct check c = { .j.f = stdout, .nthreads = default_jobs() };
	int opt, ret = EXIT_USAGE;
	bool rules = false;
	unsigned long n;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "rhj:", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			c.recurse = true;
			break;
		case OPT_JSON:
			c.json = true;
			break;
		case OPT_RULES:
			rules = true;
			break;
		case 'j':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || n < 1 || n > JOBS_MAX) {
				fprintf(stderr, "uexec check: -j %s: expected a number of threads from 1 to %d\n",
					optarg, JOBS_MAX);
				return usage(stderr);
			}
			c.nthreads = (unsigned)n;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return usage(stderr);
		}
	}
	if (rules && optind == argc) {
		check_print_rules(stdout, c.json);
		return fflush(stdout) ? EXIT_USAGE : EXIT_OK;
	}
	if (optind >= argc || rules)
		return usage(stderr);
	if (jobs_init(&c) || walk_init(&c)) {
		fprintf(stderr, "uexec check: %s\n", strerror(ENOMEM));
		goto out;
	}
	if (c.json) {
		json_begin_object(&c.j, NULL);
		json_begin_array(&c.j, "files");
	}
	for (int i = optind; i < argc; i++)
		walk_arg(&c, argv[i]);
	walk_flush(&c);
	if (c.json) {
		json_end_array(&c.j);
		json_uint(&c.j, "checked", c.checked);
		json_uint(&c.j, "with_findings", c.flagged);
		json_uint(&c.j, "unreadable", c.unreadable);
		json_end_object(&c.j);
	}
	if (c.lost)
		fprintf(stderr, "uexec check: output lost: %s\n", strerror(ENOMEM));
	if (fflush(stdout) != 0 || c.lost || c.unreadable)
		ret = EXIT_USAGE;
	else
		ret = c.flagged ? EXIT_FINDINGS : EXIT_OK;
out:
	jobs_fini(&c);
	walk_free(&c);
	return ret;
}
