# bash completion for uexec(1)                           -*- shell-script -*-
# SPDX-License-Identifier: MIT
# Installed as share/bash-completion/completions/uexec. Self-contained (no
# _init_completion), so it also works when sourced by hand without the
# bash-completion package. Options mirror `uexec CMD --help`; the test
# tests/docs/test_completion.sh fails when they drift apart.

_uexec()
{
	local cur prev cmd i word nonopt=0
	local exec_opts="--argv0 -i --ignore-environment --env --strict --binfmt-host --binfmt-dir --no-binfmt-config --help"
	local binfmt_opts="--binfmt-host --binfmt-dir --no-binfmt-config --help"
	local opts

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "run explain binfmt check slabinfo leakcheck help --help --version" -- "$cur"))
		return 0
	fi
	cmd=${COMP_WORDS[1]}

	# The value of an option that takes one.
	case $prev in
	--binfmt-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--tree-log)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	--argv0 | --env | -e | --fd | -n | --iterations)
		return 0
		;;
	-j | --jobs)
		# check's threads (one per CPU is the default); for run, a
		# program's own -j.
		if [ "$cmd" = check ]; then
			COMPREPLY=($(compgen -W "1 2 4 8 $(nproc 2>/dev/null)" -- "$cur"))
			return 0
		fi
		;;
	esac

	# Once the program (the first word that is neither an option nor an
	# option's value) is there, everything after it is the program's.
	for ((i = 2; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		--binfmt-dir | --argv0 | --env | -e | --fd | -n | --iterations | --tree-log) ((i++)) ;;
		-*) ;;
		*) nonopt=$((nonopt + 1)) ;;
		esac
		# run/explain --fd N: the words that follow are argv, not PROG.
		[ "$word" = --fd ] && [ "$cmd" != binfmt ] && nonopt=$((nonopt + 1))
	done

	case $cmd in
	run) opts="$exec_opts --fd --tree --tree-log" ;;
	explain) opts="$exec_opts --json --fd" ;;
	slabinfo) opts="$exec_opts --json" ;;
	leakcheck) opts="-n --iterations $exec_opts" ;;
	check) opts="-r --recursive --json -j --jobs --rules --help" ;;
	binfmt)
		if [ "$nonopt" -eq 0 ]; then
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "$binfmt_opts" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "list check parse" -- "$cur"))
			fi
		elif [ "${COMP_WORDS[COMP_CWORD - nonopt]}" != parse ]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return 0
		;;
	*) return 0 ;;
	esac

	if [ "$cmd" = check ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return 0
	fi
	if [ "$nonopt" -eq 0 ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		elif [[ $cur == */* ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		else
			# PROG without a slash is looked up in PATH, as execvp does.
			COMPREPLY=($(compgen -c -- "$cur") $(compgen -f -- "$cur"))
		fi
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
	return 0
}
complete -F _uexec -o filenames uexec
