// SPDX-License-Identifier: GPL-2.0
/*
 * Copies leaked objects' memory out for holds.c to look for pointers in: a
 * BPF_PROG_TYPE_SYSCALL program (Linux 5.14+), run on demand through
 * BPF_PROG_TEST_RUN, reading each requested object with
 * bpf_probe_read_kernel (which fails cleanly on an address no longer
 * mapped). It touches no kernel structure: no BTF, no CO-RE.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "holds_abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LL_HOLDS_MAX);
	__type(key, __u32);
	__type(value, struct ll_hold_req);
} reqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LL_HOLDS_MAX);
	__type(key, __u32);
	__type(value, struct ll_hold_buf);
} bufs SEC(".maps");

static long read_one(__u32 i, void *unused)
{
	struct ll_hold_req *r = bpf_map_lookup_elem(&reqs, &i);
	struct ll_hold_buf *b = bpf_map_lookup_elem(&bufs, &i);
	__u32 len;

	if (!r || !b)
		return 1;
	len = r->len;
	if (len > LL_HOLDS_BYTES)
		len = LL_HOLDS_BYTES;
	b->err = bpf_probe_read_kernel(b->data, len, (const void *)r->addr);
	return 0;
}

SEC("syscall")
int ll_read_objects(struct ll_holds_args *args)
{
	__u32 n = args->n;

	if (n > LL_HOLDS_MAX)
		n = LL_HOLDS_MAX;
	bpf_loop(n, read_one, NULL, 0);
	return 0;
}
