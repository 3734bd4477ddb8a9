# Run by test_tree.sh with sh, under the kernel and under `uexec run
# --tree`: pipes, subshells, command substitution, exec, a missing
# command, a program exec'd behind libuexec's back (system()).
echo start
ls /etc/hostname | cat
( cd / && pwd && ls -d /etc )
x=$(echo sub | tr a-z A-Z)
echo "$x"
nosuch-uexec-command
echo "missing: $?"
sh -c 'exec echo exec-ed'
printf 'b\na\n' | sort | head -n 1
echo err >&2
exit 7
