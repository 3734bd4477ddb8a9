#!/bin/bash
# SPDX-License-Identifier: MIT
# The installed library as a C programmer meets it: `meson install` into a
# temporary DESTDIR, then
#  - libuexec.so exports only uexec_* (and its version node), libuexec.a
#    defines no global symbol but uexec_* (nm);
#  - a program built with `cc $(pkg-config --cflags --libs uexec)`, shared
#    and --static, links and execs a program through the library.
# Usage: test_packaging.sh BUILD_ROOT CONSUMER_SOURCE. Prints TAP.
set -u
. "$(dirname "$0")/../tap.sh"
BUILD=$1
SRC=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT


for tool in pkg-config nm cc readelf; do
	if ! command -v $tool >/dev/null; then
		echo "1..1"
		echo "not ok 1 - $tool is not installed: scripts/packages.txt lists it"
		exit 1
	fi
done

out=$(meson install -C "$BUILD" --destdir "$dest" --no-rebuild --quiet 2>&1)
ok $? "meson install --destdir" "$out"
pc=$(find "$dest" -name uexec.pc | head -n 1)
ok "$([ -n "$pc" ]; echo $?)" "uexec.pc is installed" "$(cd "$dest" && find . | head -50)"
libdir=$(dirname "$(dirname "$pc")")
so=$libdir/libuexec.so
a=$libdir/libuexec.a
hdr=$(find "$dest" -path '*/include/uexec/uexec.h')
ok "$([ -e "$so" ] && [ -e "$a" ] && [ -n "$hdr" ] && [ -e "$(dirname "$hdr")/uexec-debug.h" ]; echo $?)" \
	"libuexec.so, libuexec.a, uexec.h and uexec-debug.h are installed"

# Every defined global/weak symbol: name only (nm prints "addr T name").
bad=$(nm -D --defined-only "$so" | awk '$3 !~ /^uexec_/ && $3 != "UEXEC_0.1" { print }')
count=$(nm -D --defined-only "$so" | awk '$3 ~ /^uexec_/' | wc -l)
ok "$([ -z "$bad" ] && [ "$count" -gt 10 ]; echo $?)" \
	"libuexec.so exports only uexec_* ($count) and UEXEC_0.1" "$bad"
bad=$(nm -D --defined-only "$so" | awk '$3 ~ /^uexec_/ && $3 !~ /@@UEXEC_0\.1$/ { print }')
ok "$([ -z "$bad" ]; echo $?)" "every export is in version node UEXEC_0.1" "$bad"
bad=$(nm -g --defined-only "$a" | awk 'NF == 3 && $3 !~ /^uexec_/ { print }')
count=$(nm -g --defined-only "$a" | awk 'NF == 3 && $3 ~ /^uexec_/' | wc -l)
ok "$([ -z "$bad" ] && [ "$count" -gt 10 ]; echo $?)" \
	"libuexec.a defines only uexec_* globals ($count)" "$bad"
ok "$(readelf -d "$so" | grep -q TEXTREL; [ $? -ne 0 ]; echo $?)" "libuexec.so has no text relocations"

export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$libdir/pkgconfig
flags=$(pkg-config --cflags --libs uexec 2>&1)
ok $? "pkg-config --cflags --libs uexec" "$flags"
sflags=$(pkg-config --cflags --libs --static uexec 2>&1)
ok $? "pkg-config --cflags --libs --static uexec" "$sflags"

# A sanitized build installs instrumented libraries: the consumer links
# the sanitizer runtimes too, and (the runtimes exist only shared) links
# libuexec.a into a dynamic program instead of a fully static one.
san=
static=-static
if [ "${UEXEC_SANITIZED:-0}" = 1 ]; then
	san="-fsanitize=address,undefined"
	static=
	sflags=${sflags/-luexec/-Wl,-Bstatic -luexec -Wl,-Bdynamic}
fi

# shellcheck disable=SC2086 # flags are command lines
out=$(cc $san -o "$dest/consumer-shared" "$SRC" $flags 2>&1)
ok $? "cc \$(pkg-config --cflags --libs uexec): links" "$out"
ok "$(readelf -d "$dest/consumer-shared" | grep -q 'NEEDED.*libuexec.so.0'; echo $?)" \
	"the shared consumer needs libuexec.so.0"
out=$(LD_LIBRARY_PATH=$libdir "$dest/consumer-shared" echo uexec-consumer shared 2>&1)
ok "$([ "$out" = "uexec-consumer shared" ]; echo $?)" "the shared consumer execs echo through libuexec.so" "$out"
out=$(LD_LIBRARY_PATH=$libdir "$dest/consumer-shared" /nonexistent/prog 2>&1)
ok "$(case $out in *"No such file or directory"*) echo 0;; *) echo 1;; esac)" \
	"a missing program fails with ENOENT" "$out"

# shellcheck disable=SC2086
out=$(cc $san $static -o "$dest/consumer-static" "$SRC" $sflags 2>&1)
ok $? "cc $static \$(pkg-config --cflags --libs --static uexec): links" "$out"
ok "$(readelf -d "$dest/consumer-static" | grep -q 'libuexec'; [ $? -ne 0 ]; echo $?)" \
	"the static consumer does not need libuexec.so"
out=$("$dest/consumer-static" echo uexec-consumer static 2>&1)
ok "$([ "$out" = "uexec-consumer static" ]; echo $?)" "the static consumer execs echo through libuexec.a" "$out"

echo "1..$n"
exit $failed
