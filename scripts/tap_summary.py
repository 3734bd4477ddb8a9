#!/usr/bin/env python3
"""Count TAP cases over several runs and print the closing line.

Arguments are NAME=PATH: PATH is meson's testlog.json, tap:FILE for a
plain TAP stream, or fail:REASON for a run that could not even start (a
failed build), which counts as one failure. A test program that died before printing all its cases
(crash, timeout, build error) counts as one more failure, so a crash never
hides behind the cases it did print."""
import json
import re
import sys

CASE = re.compile(r'^(not )?ok\b[^#]*(#\s*(SKIP|TODO)\b(.*))?', re.I)
# "1..0 # SKIP reason": a whole program skipped, counted as one skip.
PLAN_SKIP = re.compile(r'^1\.\.0\s*#\s*SKIP\b', re.I)
totals = [0, 0, 0]  # passed, failed, skipped


def count(run, name, text, result_ok):
    p = f = s = 0
    for out in (text or '').splitlines():
        if PLAN_SKIP.match(out):
            s += 1
            print(f"skipped: [{run}] {name}: {out.strip()}")
            continue
        m = CASE.match(out)
        if not m:
            continue
        if m.group(3) and m.group(3).upper() == 'SKIP':
            s += 1
            print(f"skipped: [{run}] {name}: {out.strip()}")
        elif m.group(1):
            f += 1
            print(f"FAILED: [{run}] {name}: {out.strip()}")
        else:
            p += 1
    if not result_ok and f == 0:
        f += 1
        print(f"FAILED: [{run}] {name}: exited badly (see its meson-logs/testlog.txt)")
    totals[0] += p
    totals[1] += f
    totals[2] += s


for arg in sys.argv[1:]:
    run, _, path = arg.partition('=')
    try:
        if path.startswith('fail:'):
            print(f"FAILED: [{run}] {path[5:]}")
            totals[1] += 1
            continue
        if path.startswith('tap:'):
            count(run, 'tap', open(path[4:], encoding='utf-8', errors='replace').read(), True)
            continue
        for line in open(path, encoding='utf-8', errors='replace'):
            t = json.loads(line)
            count(run, t['name'], t.get('stdout'), t.get('result') in ('OK', 'EXPECTEDFAIL', 'SKIP'))
    except OSError as e:
        print(f"FAILED: [{run}] no test log: {e}")
        totals[1] += 1
print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
sys.exit(1 if totals[1] else 0)
