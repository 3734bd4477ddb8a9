#!/bin/bash
# SPDX-License-Identifier: MIT
# leakloop diff / trend end to end on the fixtures: exit codes, what is
# ranked, the JSON (checked with python3's parser, not by eye), and the
# error for every malformed fixture: "leakloop: FILE:LINE: ..." and exit 2.
# Usage: test_offline_cli.sh LEAKLOOP FIXTURE_DIR. Prints TAP.
set -u
. "$(dirname "$0")/../tap.sh"
LL=$1
F=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

tap_on_failure() {
	cat "$out/stdout" "$out/stderr" 2>/dev/null | head -20
}

njson=0
run() {	# run ARGS...: status in $rc, output in $out/stdout, $out/stderr
	"$LL" "$@" >"$out/stdout" 2>"$out/stderr"
	rc=$?
	# Every JSON report is kept for the schema check at the end.
	case " $* " in *" --json "* | *" -j "*)
		njson=$((njson + 1))
		cp "$out/stdout" "$out/report-$njson.json" ;;
	esac
}

json() {	# json PYTHON-EXPRESSION over the parsed stdout as `j`; true if it holds
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$out/stdout" "$1"
}

# Linux story: kmalloc-32 grows by 1000 per snapshot; task_struct wobbles.
run diff "$F/linux-slabinfo-0.txt" "$F/linux-slabinfo-4.txt" --iterations 4000
ok $((rc != 1)) "diff linux: growth found, exit 1"
ok "$(grep -qE '^  kmalloc-32 +32 +\+4000 +\+128000 +1\.000 +32\.0$' "$out/stdout"; echo $?)" \
	"diff linux: kmalloc-32 +4000 objects, +128000 bytes, 1/iteration"
first=$(sed -n 3p "$out/stdout" | awk '{print $1}')
ok "$([ "$first" = kmalloc-32 ]; echo $?)" "diff linux: ranked first by bytes (got '$first')"

run diff --json -n 4000 "$F/linux-slabinfo-0.txt" "$F/linux-slabinfo-4.txt"
ok "$(json 'j["command"]=="diff" and j["format"]=="slabinfo" and j["iterations"]==4000 and j["verdict"]=="growth" and j["entries"]==8'; echo $?)" \
	"diff --json: header fields"
ok "$(json '[g["name"] for g in j["growing"]]==["kmalloc-32","task_struct"] and j["growing"][0]["objects"]==4000 and j["growing"][0]["bytes"]==128000 and j["growing"][0]["objects_per_iteration"]==1 and j["growing"][0]["before"]["objects"]==3397 and j["growing"][0]["after"]["objects"]==7397'; echo $?)" \
	"diff --json: growing list, deltas and per-iteration rates"

run diff "$F/linux-slabinfo-2.txt" "$F/linux-slabinfo-2.txt"
ok $((rc != 0)) "diff of a snapshot with itself: exit 0"
run diff --json "$F/linux-slabinfo-2.txt" "$F/linux-slabinfo-2.txt"
ok "$(json 'j["growing"]==[] and j["verdict"]=="none" and j["iterations"] is None'; echo $?)" \
	"diff --json with no growth: empty list, verdict none"

# trend tells steady growth from noise that a two-point diff reports.
run trend "$F/linux-slabinfo-0.txt" "$F/linux-slabinfo-1.txt" "$F/linux-slabinfo-2.txt" \
	"$F/linux-slabinfo-3.txt" "$F/linux-slabinfo-4.txt"
ok $((rc != 1)) "trend linux: exit 1"
ok "$(grep -q '1 of 8 caches grow' "$out/stdout" && grep -qE '^  kmalloc-32 ' "$out/stdout" && ! grep -q task_struct "$out/stdout"; echo $?)" \
	"trend linux: kmalloc-32 only (task_struct's wobble is not a trend)"

run diff "$F/freebsd-vmstat-z-0.txt" "$F/freebsd-vmstat-z-3.txt"
ok "$(grep -qE '^  mbuf ' "$out/stdout" && grep -qE '^  VM OBJECT +256 +\+3000 ' "$out/stdout"; echo $?)" \
	"diff vmstat -z: VM OBJECT +3000 and the noisy mbuf both listed"
run trend --json "$F/freebsd-vmstat-z-0.txt" "$F/freebsd-vmstat-z-1.txt" \
	"$F/freebsd-vmstat-z-2.txt" "$F/freebsd-vmstat-z-3.txt"
ok $((rc != 1)) "trend vmstat -z: exit 1"
ok "$(json 'j["format"]=="vmstat-z" and [g["name"] for g in j["growing"]]==["VM OBJECT"] and j["growing"][0]["objects"]==[40640,41640,42640,43640] and j["growing"][0]["objects_per_snapshot"]==1000 and j["growing"][0]["objects_r2"]==1 and len(j["snapshots"])==4'; echo $?)" \
	"trend --json vmstat -z: VM OBJECT only, 1000/snapshot, R2 1"
run trend --min-r2 0 "$F/freebsd-vmstat-z-0.txt" "$F/freebsd-vmstat-z-1.txt" \
	"$F/freebsd-vmstat-z-2.txt" "$F/freebsd-vmstat-z-3.txt"
ok "$(grep -qE '^  mbuf ' "$out/stdout"; echo $?)" "trend --min-r2 0: the noisy mbuf counts too"

run diff "$F/freebsd-vmstat-z-old-0.txt" "$F/freebsd-vmstat-z-old-1.txt"
ok "$( [ $rc -eq 1 ] && grep -qE '^  VM OBJECT +256 +\+1000 +\+256000$' "$out/stdout"; echo $?)" \
	"diff vmstat -z (FAIL SLEEP header): VM OBJECT +1000 items, +256000 bytes"
run diff --json "$F/freebsd-vmstat-m-0.txt" "$F/freebsd-vmstat-m-1.txt"
ok "$(json 'j["format"]=="vmstat-m" and j["growing"][0]["name"]=="subproc" and j["growing"][0]["objects"]==1000 and j["growing"][0]["size"]==64'; echo $?)" \
	"diff vmstat -m: subproc +1000 first"
run diff "$F/freebsd-vmstat-m-old-0.txt" "$F/freebsd-vmstat-m-old-1.txt"
ok "$( [ $rc -eq 1 ] && grep -qE '^  subproc +64 +\+1000 ' "$out/stdout"; echo $?)" \
	"diff vmstat -m (HighUse header): subproc +1000"

# Errors: exit 2, the file and the line named.
for f in "$F"/bad-*.txt; do
	run diff "$F/linux-slabinfo-0.txt" "$f"
	ok "$( [ $rc -eq 2 ] && grep -qE "^leakloop: $f:[0-9]+: " "$out/stderr" && [ ! -s "$out/stdout" ]; echo $?)" \
		"$(basename "$f"): exit 2, error names $f:LINE"
done
run diff "$F/linux-slabinfo-0.txt" "$F/freebsd-vmstat-z-0.txt"
ok "$( [ $rc -eq 2 ] && grep -q 'expected one format throughout' "$out/stderr"; echo $?)" \
	"diff across formats: exit 2"
run trend "$F/linux-slabinfo-0.txt" "$F/linux-slabinfo-1.txt"
ok "$( [ $rc -eq 2 ] && grep -q 'at least 3 snapshots' "$out/stderr"; echo $?)" \
	"trend with 2 snapshots: exit 2"
run diff "$F/linux-slabinfo-0.txt"
ok $((rc != 2)) "diff with one snapshot: exit 2"
run diff -n 0 "$F/linux-slabinfo-0.txt" "$F/linux-slabinfo-1.txt"
ok $((rc != 2)) "diff --iterations 0: exit 2"
run trend --min-r2 1.5 "$F/linux-slabinfo-0.txt" "$F/linux-slabinfo-1.txt" "$F/linux-slabinfo-2.txt"
ok $((rc != 2)) "trend --min-r2 1.5: exit 2"
run diff --help
ok "$( [ $rc -eq 0 ] && grep -q '^usage: leakloop diff' "$out/stdout"; echo $?)" "diff --help: usage, exit 0"

# The JSON reports against the documented schema (Debian's python3 and
# python3-jsonschema, through the leakloop output checker).
ROOT=$(cd "$F/../../.." && pwd)
n=$((n + 1))
msg=$(/usr/bin/python3 "$ROOT/tests/leakloop/check_outputs.py" schema \
	"$ROOT/docs/leakloop-offline.schema.json" "$out"/report-*.json 2>&1)
case $? in
0) echo "ok $n - $njson JSON reports match docs/leakloop-offline.schema.json" ;;
*) echo "not ok $n - JSON reports match docs/leakloop-offline.schema.json"
   printf '%s\n' "$msg" | sed 's/^/# /'
   failed=1 ;;
esac

echo "1..$n"
exit $failed
