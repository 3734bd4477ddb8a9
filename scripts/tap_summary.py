#!/usr/bin/env python3
"""Count TAP cases across meson's test log and print the closing line.

A test program that died before printing all its cases (crash, timeout)
counts as one failure on top of what it printed, so a crash never hides."""
import json
import re
import sys

CASE = re.compile(r'^(not )?ok\b[^#]*(#\s*(SKIP|TODO)\b(.*))?', re.I)

passed = failed = skipped = 0
for line in open(sys.argv[1], encoding='utf-8', errors='replace'):
    t = json.loads(line)
    p = f = s = 0
    for out in (t.get('stdout') or '').splitlines():
        m = CASE.match(out)
        if not m:
            continue
        if m.group(3) and m.group(3).upper() == 'SKIP':
            s += 1
            print(f"skipped: {t['name']}: {out.strip()}")
        elif m.group(1):
            f += 1
            print(f"FAILED: {t['name']}: {out.strip()}")
        else:
            p += 1
    if t.get('result') not in ('OK', 'EXPECTEDFAIL', 'SKIP') and f == 0:
        f += 1
        print(f"FAILED: {t['name']}: {t.get('result')} (see meson-logs/testlog.txt)")
    passed, failed, skipped = passed + p, failed + f, skipped + s
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
