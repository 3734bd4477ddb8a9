#!/bin/bash
# SPDX-License-Identifier: MIT
# The man pages render without a groff warning (undefined macros, bad
# escapes, lines that cannot be broken), and each documents every long
# option its program's --help prints, so an option added to the code but
# not to the page fails here.
# Usage: test_man.sh SOURCE_ROOT UEXEC [LEAKLOOP]. Prints TAP.
set -u
. "$(dirname "$0")/../tap.sh"
ROOT=$1
UEXEC=$2
LEAKLOOP=${3:-}
err=$(mktemp)
trap 'rm -f "$err"' EXIT


if ! command -v man >/dev/null; then
	# A required package missing is a failure, not a skip.
	echo "1..1"
	echo "not ok 1 - man (man-db) is not installed: scripts/packages.txt lists it"
	exit 1
fi

renders() {	# renders PAGE
	MANWIDTH=80 man --warnings -l "$1" >/dev/null 2>"$err"
	local rc=$?
	ok "$([ $rc -eq 0 ] && [ ! -s "$err" ]; echo $?)" \
		"man -l $(basename "$1") renders without warnings" "$(cat "$err")"
}

# The page's source with escapes undone: hyphenation in the rendered text
# could split an option across lines, the source never does.
page_words() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$1"
}

documents() {	# documents PAGE WHAT HELP-TEXT
	local page=$1 what=$2 opt missing=
	for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$3" | sort -u); do
		page_words "$page" | grep -qE -- "(^|[^a-z-])$opt([^a-z0-9-]|$)" || missing="$missing $opt"
	done
	ok "$([ -z "$missing" ]; echo $?)" "$(basename "$page") documents every option of $what" \
		"missing:$missing"
}

renders "$ROOT/man/uexec.1"
for cmd in run explain binfmt check slabinfo leakcheck; do
	documents "$ROOT/man/uexec.1" "uexec $cmd --help" "$("$UEXEC" "$cmd" --help 2>&1)"
	page_words "$ROOT/man/uexec.1" | grep -q "^\.SS $cmd\$"
	ok $? "uexec.1 has a section for $cmd"
done
documents "$ROOT/man/uexec.1" "uexec --help" "$("$UEXEC" --help 2>&1)"

renders "$ROOT/man/leakloop.1"
if [ -n "$LEAKLOOP" ]; then
	documents "$ROOT/man/leakloop.1" "leakloop --help" "$("$LEAKLOOP" --help 2>&1)"
	documents "$ROOT/man/leakloop.1" "leakloop diff --help" "$("$LEAKLOOP" diff --help 2>&1)"
	documents "$ROOT/man/leakloop.1" "leakloop trend --help" "$("$LEAKLOOP" trend --help 2>&1)"
	# The checkpoint limit is a build constant (LL_MAX_CP - 2): the page
	# states it as a number, so it must follow the code.
	cpmax=$("$LEAKLOOP" --help 2>&1 | grep -oE -- '--checkpoints.*3\.\.[0-9]+' | grep -oE '[0-9]+$')
	page_words "$ROOT/man/leakloop.1" | tr '\n' ' ' | grep -qE "default 16, 3 to ${cpmax:-X}\)"
	ok $? "leakloop.1 states the --checkpoints limit --help prints (3..${cpmax:-?})"
fi

echo "1..$n"
exit $failed
