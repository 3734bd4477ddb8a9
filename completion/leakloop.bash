# bash completion for leakloop(1)                        -*- shell-script -*-
# SPDX-License-Identifier: MIT
# Installed as share/bash-completion/completions/leakloop. Self-contained
# (no _init_completion). The options mirror `leakloop --help` and the
# subcommands' --help; tests/docs/test_completion.sh fails when they drift.

_leakloop()
{
	local cur prev i sub=
	local loop_opts="-n --iterations -w --warmup -s --settle --drain -c --checkpoints -j --json
		--show-output --timeout --user --fail-nth --pid --cgroup --folded --svg --backend --backends --stacks
		--stack-runs --scope --max-outstanding --max-stacks --min-rate --min-r2 --min-count
		-h --help"

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	[ "$COMP_CWORD" -ge 2 ] && case ${COMP_WORDS[1]} in diff | trend) sub=${COMP_WORDS[1]} ;; esac

	if [ -n "$sub" ]; then
		case $prev in
		-n | --iterations | --min-r2) return 0 ;;
		esac
		if [[ $cur == -* ]]; then
			if [ "$sub" = diff ]; then
				COMPREPLY=($(compgen -W "-n --iterations -j --json -h --help" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "--min-r2 -j --json -h --help" -- "$cur"))
			fi
		else
			# Snapshots: saved /proc/slabinfo, vmstat -z or vmstat -m text.
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return 0
	fi

	# After "--", the command to loop and then its arguments.
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [ "${COMP_WORDS[i]}" = -- ]; then
			if [ $((i + 1)) -eq "$COMP_CWORD" ]; then
				COMPREPLY=($(compgen -c -- "$cur") $(compgen -f -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return 0
		fi
	done

	case $prev in
	--backend)
		COMPREPLY=($(compgen -W "bpf perf slabinfo" -- "$cur"))
		return 0
		;;
	--stacks)
		COMPREPLY=($(compgen -W "two-pass all" -- "$cur"))
		return 0
		;;
	--scope)
		COMPREPLY=($(compgen -W "workload system" -- "$cur"))
		return 0
		;;
	--fail-nth)
		COMPREPLY=($(compgen -W "sweep" -- "$cur"))
		return 0
		;;
	--folded | --svg)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	--cgroup)
		COMPREPLY=($(compgen -d -- "${cur:-/sys/fs/cgroup/}"))
		return 0
		;;
	--user)
		COMPREPLY=($(compgen -u -- "$cur"))
		return 0
		;;
	--pid)
		COMPREPLY=($(compgen -W "$(command ls /proc 2>/dev/null | grep -E '^[0-9]+$')" -- "$cur"))
		return 0
		;;
	-n | --iterations | -w | --warmup | -s | --settle | -c | --checkpoints | --timeout | \
		--stack-runs | --max-outstanding | --max-stacks | --min-rate | --min-r2 | --min-count)
		return 0
		;;
	esac

	# Without "--", the first word that is neither an option nor an
	# option's value is the command (getopt stops there).
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-n | --iterations | -w | --warmup | -s | --settle | -c | --checkpoints | --timeout | \
			--user | --fail-nth | --pid | --cgroup | --folded | --svg | --backend | --stacks | \
			--stack-runs | --scope | --max-outstanding | --max-stacks | --min-rate | \
			--min-r2 | --min-count)
			((i++))
			;;
		-*) ;;
		*)
			COMPREPLY=($(compgen -f -- "$cur"))
			return 0
			;;
		esac
	done
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$loop_opts --" -- "$cur"))
	elif [ "$COMP_CWORD" -eq 1 ]; then
		# First word: a subcommand. A command to loop goes after "--" or
		# after an option, so "di" does not drown in every command named di*.
		COMPREPLY=($(compgen -W "diff trend" -- "$cur"))
	else
		COMPREPLY=($(compgen -c -- "$cur") $(compgen -f -- "$cur"))
	fi
	return 0
}
complete -F _leakloop -o filenames leakloop
