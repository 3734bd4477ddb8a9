# SPDX-License-Identifier: MIT
# TAP for the shell tests, sourced by each: `ok STATUS DESCRIPTION [DETAIL]`
# prints one numbered line; a failure prints DETAIL (or, without one, what
# the script's own tap_on_failure function shows) as "# " comments and
# sets failed=1, which the script exits with.
n=0
failed=0

ok() {	# ok STATUS DESCRIPTION [DETAIL]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
		return
	fi
	echo "not ok $n - $2"
	failed=1
	if [ -n "${3:-}" ]; then
		printf '%s\n' "$3" | sed 's/^/# /'
	elif declare -F tap_on_failure >/dev/null; then
		tap_on_failure | sed 's/^/# /'
	fi
}
