#!/bin/bash
# SPDX-License-Identifier: MIT
# Bash completion for uexec and leakloop: each script, sourced in a clean
# bash, registers its function, and simulated command lines (COMP_WORDS /
# COMP_CWORD, as readline sets them) complete to what they should. Every
# long option a command's --help prints must be offered, so an option added
# to the program but not to the completion fails here.
# Usage: test_completion.sh SOURCE_ROOT UEXEC [LEAKLOOP]. Prints TAP.
set -u
. "$(dirname "$0")/../tap.sh"
ROOT=$1
UEXEC=$2
LEAKLOOP=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# complete SCRIPT FUNC WORD...: the candidates, sorted, one line, for the
# last WORD being completed. Runs in a fresh bash from $tmp (file names).
complete_words() {
	local script=$1 fn=$2
	shift 2
	(cd "$tmp" && bash --norc --noprofile -c '
		source "$1" || exit 3
		fn=$2
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"$fn"
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " "
	' _ "$script" "$fn" "$@")
}

expect() {	# expect SCRIPT FUNC "WANTED" WORD...
	local script=$1 fn=$2 want=$3 got
	shift 3
	got=$(complete_words "$script" "$fn" "$@")
	ok "$([ "$got" = "$want" ]; echo $?)" "'$*' completes to '$want'" "got '$got'"
}

contains() {	# contains SCRIPT FUNC "W1 W2..." WORD...: each Wi among the candidates
	local script=$1 fn=$2 want=$3 got w missing=
	shift 3
	got=" $(complete_words "$script" "$fn" "$@")"
	for w in $want; do
		[[ $got == *" $w "* ]] || missing="$missing $w"
	done
	ok "$([ -z "$missing" ]; echo $?)" "'$*' offers $want" "missing:$missing; got$got"
}

registered() {	# registered SCRIPT COMMAND FUNC
	local got
	got=$(bash --norc --noprofile -c 'source "$1" && complete -p "$2"' _ "$1" "$2" 2>&1)
	ok "$([[ $got == *"-F $3 "*"$2" ]]; echo $?)" "sourcing $(basename "$1") registers $3 for $2" "got '$got'"
}

long_opts() {	# long options a --help text names
	grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

U=$ROOT/completion/uexec.bash
L=$ROOT/completion/leakloop.bash
touch "$tmp/snap-before.txt" "$tmp/snap-after.txt"
mkdir "$tmp/snapdir"

registered "$U" uexec _uexec
expect "$U" _uexec "explain " uexec ex
expect "$U" _uexec "binfmt " uexec bi
contains "$U" _uexec "run explain binfmt check slabinfo leakcheck" uexec ""
expect "$U" _uexec "check " uexec binfmt c
contains "$U" _uexec "list check parse" uexec binfmt ""
expect "$U" _uexec "--fd " uexec run --f
expect "$U" _uexec "" uexec slabinfo --f
expect "$U" _uexec "--json " uexec explain --js
expect "$U" _uexec "" uexec run --js
contains "$U" _uexec "-r --recursive --json" uexec check -
expect "$U" _uexec "snap-after.txt snap-before.txt " uexec check snap-
expect "$U" _uexec "snapdir " uexec run --binfmt-dir sna
# After PROG, words are the program's arguments: files, never uexec options.
expect "$U" _uexec "" uexec run /bin/true --js
expect "$U" _uexec "snap-before.txt " uexec run -i /bin/cat snap-b
for cmd in run explain check slabinfo leakcheck binfmt; do
	help=$("$UEXEC" "$cmd" --help 2>&1 | long_opts | tr '\n' ' ')
	contains "$U" _uexec "$help" uexec "$cmd" --
done

if [ -n "$LEAKLOOP" ]; then
	registered "$L" leakloop _leakloop
	expect "$L" _leakloop "diff " leakloop di
	expect "$L" _leakloop "trend " leakloop tr
	expect "$L" _leakloop "--iterations " leakloop diff --it
	expect "$L" _leakloop "--min-r2 " leakloop trend --min
	expect "$L" _leakloop "snap-after.txt snap-before.txt " leakloop diff snap-
	expect "$L" _leakloop "snap-after.txt " leakloop trend snap-before.txt snap-a
	expect "$L" _leakloop "bpf perf slabinfo " leakloop --backend ""
	expect "$L" _leakloop "all two-pass " leakloop --stacks ""
	expect "$L" _leakloop "system workload " leakloop -n 10 --scope ""
	expect "$L" _leakloop "snap-after.txt snap-before.txt " leakloop -- /bin/cat snap-
	contains "$L" _leakloop "true" leakloop -n 5 -- tru
	contains "$L" _leakloop "true" leakloop --scope system tru
	expect "$L" _leakloop "snap-before.txt " leakloop -n 5 /bin/cat snap-b
	expect "$L" _leakloop "" leakloop --json /bin/cat --js
	help=$("$LEAKLOOP" --help 2>&1 | long_opts | tr '\n' ' ')
	contains "$L" _leakloop "$help" leakloop --
	for sub in diff trend; do
		help=$("$LEAKLOOP" "$sub" --help 2>&1 | long_opts | tr '\n' ' ')
		contains "$L" _leakloop "$help" leakloop "$sub" --
	done
else
	# A configuration without leakloop (-Dleakloop=disabled): counted.
	n=$((n + 1))
	echo "ok $n # SKIP leakloop is not built in this configuration: its completion is not checked"
fi

echo "1..$n"
exit $failed
