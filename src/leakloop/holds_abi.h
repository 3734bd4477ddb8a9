/* SPDX-License-Identifier: MIT */
/*
 * What holds.bpf.c and holds_read.c share: the objects to read and the
 * bytes read. Both sides compile this header: fixed-width kernel types only.
 */
#ifndef LEAKLOOP_HOLDS_ABI_H
#define LEAKLOOP_HOLDS_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Objects read per call, and the bytes read of each: the first KiB holds
 * the pointers of every object the rig's bugs leak (a struct file is 232
 * bytes, a struct sock about 760); what lies past it is not scanned. */
#define LL_HOLDS_MAX 4096
#define LL_HOLDS_BYTES 1024

struct ll_hold_req {
	__u64 addr;
	__u32 len;	/* <= LL_HOLDS_BYTES */
	__u32 pad;
};

struct ll_hold_buf {
	__s64 err;	/* bpf_probe_read_kernel's result: 0 or -errno */
	__u8 data[LL_HOLDS_BYTES];
};

/* The syscall program's context. */
struct ll_holds_args {
	__u32 n;	/* requests 0..n-1 are read */
	__u32 pad;
};

#endif
