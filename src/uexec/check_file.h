/* The check of one file of `uexec check` (check_file.c), the end of the
 * chain cmd_check.c -> check_walk.c -> check_jobs.c -> check_file.c. */
#ifndef UEXEC_CHECK_FILE_H
#define UEXEC_CHECK_FILE_H

#include "check.h"

#include <stdio.h>

/* One job, by the thread of w: findings to w->out, messages to w->err, and
 * in jb->checked, flagged, unreadable what it found. */
void check_job(const struct check *c, struct worker *w, struct job *jb);

/* The rule table (elf_rules[]), one rule a line: id, severity, loaders
 * that refuse it, errno, what it checks. For `uexec check --rules`. */
void check_print_rules(FILE *f, bool json);

#endif
