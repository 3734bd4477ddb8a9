// SPDX-License-Identifier: MIT
#include "holds_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if LL_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "holds.skel.h"

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int ll_holds_read(const uint64_t *addr, uint32_t *len, size_t n, uint8_t *data,
		  char *why, size_t whylen)
{
	struct ll_holds_args args = { .n = (uint32_t)n };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &args, .ctx_size_in = sizeof(args));
	libbpf_print_fn_t old;
	struct holds_bpf *skel = NULL;
	struct ll_hold_buf buf;
	int err = 0, reqs, bufs;

	if (n > LL_HOLDS_MAX) {
		snprintf(why, whylen, "%zu objects, at most %d are read", n, LL_HOLDS_MAX);
		return -EINVAL;
	}
	/* The kernel's refusal is reported in one line below, not libbpf's log. */
	old = libbpf_set_print(silent);
	skel = holds_bpf__open_and_load();
	libbpf_set_print(old);
	if (!skel) {
		err = -errno;
		snprintf(why, whylen, "the kernel refused the object reader (a BPF syscall program, "
			 "Linux 5.14+): %s", strerror(-err));
		goto out;
	}
	reqs = bpf_map__fd(skel->maps.reqs);
	bufs = bpf_map__fd(skel->maps.bufs);
	for (uint32_t i = 0; i < n; i++) {
		struct ll_hold_req r = { .addr = addr[i],
					 .len = len[i] < LL_HOLDS_BYTES ? len[i] : LL_HOLDS_BYTES };

		if (bpf_map_update_elem(reqs, &i, &r, BPF_ANY)) {
			err = -errno;
			snprintf(why, whylen, "cannot fill the reader's requests: %s", strerror(-err));
			goto out;
		}
	}
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ll_read_objects), &run)) {
		err = -errno;
		snprintf(why, whylen, "cannot run the object reader: %s", strerror(-err));
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(bufs, &i, &buf)) {
			err = -errno;
			snprintf(why, whylen, "cannot read the reader's buffers: %s", strerror(-err));
			goto out;
		}
		if (buf.err) {
			len[i] = 0;
			continue;
		}
		if (len[i] > LL_HOLDS_BYTES)
			len[i] = LL_HOLDS_BYTES;
		memcpy(data + (size_t)i * LL_HOLDS_BYTES, buf.data, len[i]);
	}
out:
	holds_bpf__destroy(skel);
	return err;
}

#else

int ll_holds_read(const uint64_t *addr, uint32_t *len, size_t n, uint8_t *data,
		  char *why, size_t whylen)
{
	(void)addr;
	(void)len;
	(void)n;
	(void)data;
	snprintf(why, whylen, "built without BPF (%s)", LL_BPF_MISSING);
	return -ENOTSUP;
}

#endif
