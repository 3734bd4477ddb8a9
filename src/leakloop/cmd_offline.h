/* SPDX-License-Identifier: MIT */
/* leakloop diff / trend: growth read from saved snapshots, no kernel needed. */
#ifndef LEAKLOOP_CMD_OFFLINE_H
#define LEAKLOOP_CMD_OFFLINE_H

#include <stdbool.h>

/* argv[0] names the subcommand. True for "diff" and "trend". */
bool ll_offline_is_command(const char *name);
/* Runs it. Exit: 0 nothing grows, 1 growth found, 2 error (as leakloop). */
int ll_offline_main(int argc, char **argv);

#endif
