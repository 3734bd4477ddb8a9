/* SPDX-License-Identifier: MIT */
/*
 * Kernel memory of leaked objects, for holds.c: their first bytes, read by
 * a BPF syscall program (holds.bpf.c). Needs the BPF syscall, CAP_BPF and
 * CAP_PERFMON and Linux 5.14+ (BPF_PROG_TYPE_SYSCALL); BTF is not needed,
 * so it serves the perf backend too.
 */
#ifndef LEAKLOOP_HOLDS_READ_H
#define LEAKLOOP_HOLDS_READ_H

#include <stddef.h>
#include <stdint.h>

#include "holds_abi.h"

/* Read object i's first len[i] bytes (at most LL_HOLDS_BYTES) into
 * data + i * LL_HOLDS_BYTES; len[i] becomes 0 where the read failed.
 * n <= LL_HOLDS_MAX. 0, or -errno with the reason in why. */
int ll_holds_read(const uint64_t *addr, uint32_t *len, size_t n, uint8_t *data,
		  char *why, size_t whylen);

#endif
