/* The uexec command line: one file per subcommand (cmd_*.c). */
#ifndef UEXEC_CLI_H
#define UEXEC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "binfmt_config.h"

#include <stddef.h>
#include <uexec/uexec.h>

/* Exit codes, documented in README and uexec(1). */
enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1,    /* explain: the program would not run */
	EXIT_USAGE = 2,
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

/* What `run` and `explain` share: the program, its argv and envp. */
struct exec_args {
	const char *prog;      /* as the user wrote it */
	char *path;            /* prog when it has a '/'; NULL: searched in PATH */
	char **argv;           /* argv[0] = --argv0 or prog */
	char **envp;
	bool json;             /* explain only */
	bool strict;           /* --strict: uexec_options.strict */
	bool tree;             /* run --tree: every exec of the tree through libuexec */
	const char *tree_log;  /* run --tree-log FILE */
	struct binfmt_config binfmt;
	struct uexec_binfmt_rules *rules;
	/* run/explain only: the program is not a path but descriptor fd
	 * (--fd N, execveat AT_EMPTY_PATH), or mem_len bytes read from
	 * stdin (PROG "-", exec from memory). path is NULL then. */
	int fd;                /* -1: none */
	char *prog_buf;        /* owns prog for --fd ("/dev/fd/N") */
	bool from_stdin;
	unsigned char *mem;
	size_t mem_len;
};

/* Parses [--argv0 NAME] [-i] [--env K=V]... [--json] [--strict] [--binfmt-host]
 * [--binfmt-dir DIR]... [--no-binfmt-config] PROG [ARG...] and loads the
 * binfmt_misc rules; for run and explain also --fd N [ARG0 ARG...] and
 * "-" [ARG...] (the program from stdin);
 * allow_json for explain. Returns 0, or EXIT_USAGE after printing why. */
int exec_args_parse(struct exec_args *a, int argc, char **argv, bool allow_json, const char *cmd);
void exec_args_free(struct exec_args *a);
/* uexec_prepare(), uexec_prepare_search(), uexec_prepare_at() or
 * uexec_prepare_mem(), whichever the parsed arguments name, with opt and
 * the parsed --strict. */
int exec_args_prepare(const struct exec_args *a, const struct uexec_options *opt, struct uexec_image **img);

/* "uexec: PROG: <strerror>: <diagnosis>" on stderr; returns 127 or 126. */
int report_exec_failure(const char *prog, int err, const char *diag);
const char *errno_name(int err);

int cmd_run(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_binfmt(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_slabinfo(int argc, char **argv);
int cmd_leakcheck(int argc, char **argv);

#endif
