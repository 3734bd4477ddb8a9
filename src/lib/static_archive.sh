#!/bin/sh
# libuexec.a from the internal archive: partially link every member into
# one relocatable object (cc -r), make every defined global that is not
# uexec_* local (the engine's kmalloc, open_exec, ... must not clash with
# a program's own names), archive that one object.
#   static_archive.sh IN.a OUT.a PRIVATE_DIR CC... -- OBJCOPY AR
set -eu
in=$1 out=$2 dir=$3
shift 3
cc=
while [ "$1" != -- ]; do cc="$cc $1"; shift; done
shift
objcopy=$1 ar=$2
mkdir -p "$dir"
obj=$dir/libuexec.o
# shellcheck disable=SC2086 # cc is a command line
$cc -r -nostdlib -o "$obj" -Wl,--whole-archive "$in" -Wl,--no-whole-archive
"$objcopy" --wildcard --keep-global-symbol='uexec_*' "$obj"
rm -f "$out"
"$ar" rcsD "$out" "$obj"
