#!/bin/bash
# SPDX-License-Identifier: MIT
# Which backends this leakloop was built with, and that a build without
# the bpf backend (no kernel BTF, libbpf, bpftool or clang where it was
# built) says so and falls back: `--backends` lists them, `--backend bpf`
# is refused with the reason and exit 2, the default run picks the next
# backend and its report says bpf was not built.
# Usage: test_backends_built.sh LEAKLOOP HAVE_BPF(0|1). Prints TAP.
set -u
. "$(dirname "$0")/../tap.sh"
LL=$1
HAVE_BPF=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

tap_on_failure() {
	cat "$out/stdout" "$out/stderr" 2>/dev/null | head -20
}

run() {	# run ARGS...: status in $rc, output in $out/stdout, $out/stderr
	"$LL" "$@" >"$out/stdout" 2>"$out/stderr"
	rc=$?
}

run --backends
ok "$rc" "--backends: exit 0"
ok "$(grep -qx 'perf: built' "$out/stdout" && grep -qx 'slabinfo: built' "$out/stdout"; echo $?)" \
	"--backends: perf and slabinfo are always built"
if [ "$HAVE_BPF" = 1 ]; then
	ok "$(grep -qx 'bpf: built' "$out/stdout"; echo $?)" "--backends: bpf built"
	ok "$([ "$(head -1 "$out/stdout")" = 'bpf: built' ]; echo $?)" "--backends: bpf listed first (the best)"
	exit $failed
fi
ok "$(grep -qE '^bpf: not built \(.+\)$' "$out/stdout"; echo $?)" "--backends: bpf not built, with the reason"

run --backend bpf -n 10 -- /bin/true
ok $((rc != 2)) "--backend bpf without it: exit 2"
ok "$(grep -q 'built without the bpf backend: ' "$out/stderr"; echo $?)" \
	"--backend bpf without it: the reason on stderr"

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP the default-backend run needs root (perf events on kmem tracepoints)"
	exit $failed
fi
run -n 30 -w 1 --settle 0 --json -- /bin/true
ok "$([ $rc -le 1 ]; echo $?)" "default backend without bpf: a report (exit $rc)"
ok "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["backend"] in ("perf","slabinfo") and j["backend_reason"].startswith("bpf not built into this leakloop (") else 1)' "$out/stdout"; echo $?)" \
	"default backend without bpf: perf or slabinfo, the reason says bpf was not built"
exit $failed
