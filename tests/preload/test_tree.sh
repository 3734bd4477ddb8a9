#!/bin/bash
# SPDX-License-Identifier: MIT
# `uexec run --tree`: every exec of a process tree through libuexec
# (src/preload/, src/uexec/run_tree.c). Each case runs the same command
# under the kernel and under --tree and compares stdout, stderr and exit
# status; the tree log must list the execs, each once, as libuexec's
# ("PID PATH") or, for what it cannot catch, the kernel's ("PID PATH
# kernel").
# Usage: test_tree.sh UEXEC SOURCE_DIR. Prints TAP.
set -u
. "$(dirname "$0")/../tap.sh"
UEXEC=$1
SRC=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# A sanitized build's preload needs the ASan runtime first in LD_PRELOAD of
# programs that are not instrumented; the tree keeps it there. Their leaks
# are not this test's.
tree_env=()
if [ -n "${UEXEC_ASAN_RUNTIME:-}" ]; then
	tree_env=(env LD_PRELOAD="$UEXEC_ASAN_RUNTIME" ASAN_OPTIONS=detect_leaks=0)
fi

# compare NAME CMD...: kernel vs --tree, same output and status.
compare() {
	local name=$1
	shift
	"$@" >"$tmp/k.out" 2>"$tmp/k.err" </dev/null
	echo $? >"$tmp/k.rc"
	rm -f "$tmp/log"
	"${tree_env[@]}" "$UEXEC" run --tree-log "$tmp/log" "$@" >"$tmp/t.out" 2>"$tmp/t.err" </dev/null
	echo $? >"$tmp/t.rc"
	local d
	d=$(diff "$tmp/k.out" "$tmp/t.out"; diff "$tmp/k.err" "$tmp/t.err"; diff "$tmp/k.rc" "$tmp/t.rc")
	ok "$([ -z "$d" ]; echo $?)" "$name: same stdout, stderr and status under --tree as under the kernel" "$d"
}

# logged PATTERN COUNT DESCRIPTION: lines of the log matching PATTERN.
logged() {
	local got
	got=$(grep -Ec "$1" "$tmp/log")
	ok "$([ "$got" = "$2" ]; echo $?)" "$3 ($2 line(s) /$1/)" "$(cat "$tmp/log")"
}

for tool in python3 env; do
	if ! command -v $tool >/dev/null; then
		echo "1..1"
		echo "not ok 1 - $tool is not installed"
		exit 1
	fi
done

# --- the shell script ---------------------------------------------------
compare "shell script" sh "$SRC/tree_script.sh"
logged '^[0-9]+ /(usr/)?bin/sh$' 2 "the script's sh and sh -c, exec'd by libuexec"
logged '^[0-9]+ /(usr/)?bin/ls$' 2 "both ls exec'd by libuexec (the pipe's and the subshell's)"
for p in cat tr sort head echo; do
	logged "^[0-9]+ /(usr/)?bin/$p\$" 1 "$p exec'd by libuexec"
done
logged 'pwd' 0 "a builtin is no exec"
logged 'nosuch' 0 "a missing command is no exec"
logged 'kernel' 0 "no exec went to the kernel"
lines=$(wc -l <"$tmp/log")
ok "$([ "$lines" = 9 ]; echo $?)" "nine execs in all" "$(cat "$tmp/log")"
# The first line is PROG itself, in uexec's own PID.
ok "$(head -n 1 "$tmp/log" | grep -Eq '^[0-9]+ /(usr/)?bin/sh$'; echo $?)" "the log starts with PROG"

# --- Python's subprocess: a missing program is FileNotFoundError ----------
cat >"$tmp/sub.py" <<'PY'
import subprocess, os
try:
    subprocess.run(["no-such-program-uexec", "x"])
except FileNotFoundError as e:
    print("FileNotFoundError", e.errno, e.filename)
print(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout, end="")
print(subprocess.run("echo shell | tr a-z A-Z", shell=True, capture_output=True, text=True).stdout, end="")
os.system("/bin/echo via-system")
PY
py=$(command -v python3)
compare "python3 subprocess" "$py" "$tmp/sub.py"
ok "$(grep -q '^FileNotFoundError 2 no-such-program-uexec$' "$tmp/t.out"; echo $?)" \
	"python3 under --tree: a missing program raises FileNotFoundError (ENOENT)" "$(cat "$tmp/t.out" "$tmp/t.err")"
logged '^[0-9]+ /(usr/)?bin/echo$' 2 "subprocess's echo and system()'s sh's /bin/echo, by libuexec"
# system() starts /bin/sh with libc's internal posix_spawn: the kernel
# exec'd it, and its constructor says so.
logged '^[0-9]+ /bin/sh kernel$' 1 "system()'s /bin/sh is logged as the kernel's exec"
logged '^[0-9]+ /bin/sh$' 1 "shell=True's /bin/sh by libuexec"

# --- execvp: PATH rules through env(1), which calls execvp ---------------
mkdir -p "$tmp/a" "$tmp/b" "$tmp/c" "$tmp/e"
printf '#!/bin/sh\necho b\n' >"$tmp/b/prog"
chmod 644 "$tmp/b/prog"
printf '#!/bin/sh\necho c "$@"\n' >"$tmp/c/prog"
printf 'echo plain "$@"\n' >"$tmp/e/plain"
chmod 755 "$tmp/c/prog" "$tmp/e/plain"
compare "execvp: EACCES remembered, the search goes on" env PATH="$tmp/a:$tmp/b:$tmp/c" prog x
ok "$(grep -qx 'c x' "$tmp/t.out"; echo $?)" "execvp ran c/prog"
logged "^[0-9]+ $tmp/c/prog\$" 1 "execvp's winner is logged"
compare "execvp: only EACCES" env PATH="$tmp/a:$tmp/b" prog x
compare "execvp: ENOENT" env PATH="$tmp/a" prog x
compare "execvp: no #!, run by /bin/sh" env PATH="$tmp/e" plain 1 2
logged '^[0-9]+ /bin/sh$' 1 "the shell fallback exec'd /bin/sh"

# --- a non-PIE program exec'ing a non-PIE one -----------------------------
# Both want 0x400000: libuexec either places the new image (once it can
# exec over its caller's fixed addresses) or hands the exec to the kernel
# and says why; the program runs either way.
printf '#include <unistd.h>\nint main(int c, char **v) { (void)c; execv(v[1], v + 1); return 127; }\n' >"$tmp/caller.c"
printf '#include <stdio.h>\nint main(void) { puts("target ran"); return 0; }\n' >"$tmp/target.c"
if cc -no-pie -fno-pie -o "$tmp/caller" "$tmp/caller.c" && cc -no-pie -fno-pie -o "$tmp/target" "$tmp/target.c"; then
	compare "non-PIE execs non-PIE" "$tmp/caller" "$tmp/target"
	logged "^[0-9]+ $tmp/target( kernel\\(fallback: EEXIST: .*non-PIE.*\\))?\$" 1 \
		"the target is logged, as libuexec's exec or as the EEXIST fallback"
else
	ok 1 "cc -no-pie builds the test programs"
fi

# --- set-up errors --------------------------------------------------------
out=$(UEXEC_PRELOAD=/nonexistent/libuexec-preload.so "$UEXEC" run --tree true 2>&1)
rc=$?
ok "$([ $rc = 2 ] && [[ $out == *"cannot find libuexec-preload.so"* ]]; echo $?)" \
	"--tree without the preload: status 2 and why" "$rc: $out"
out=$("$UEXEC" explain --tree true 2>&1)
ok "$([ $? = 2 ]; echo $?)" "--tree is run's alone" "$out"
# The preload is found without UEXEC_PRELOAD (the build tree's layout).
out=$("${tree_env[@]}" env -u UEXEC_PRELOAD "$UEXEC" run --tree sh -c 'echo "$LD_PRELOAD"' 2>&1)
ok "$([[ $out == /*/libuexec-preload.so ]]; echo $?)" "the preload is found next to uexec's build dir" "$out"
# A caller that drops LD_PRELOAD from envp: it is put back.
rm -f "$tmp/log"
out=$("${tree_env[@]}" "$UEXEC" run --tree-log "$tmp/log" env -u LD_PRELOAD sh -c 'echo "$LD_PRELOAD"; /bin/true' 2>&1)
ok "$([[ $out == *libuexec-preload.so ]]; echo $?)" "LD_PRELOAD dropped by a caller is restored" "$out"
logged '^[0-9]+ /bin/true$' 1 "and the tree goes on through libuexec"

echo "1..$n"
exit $failed
