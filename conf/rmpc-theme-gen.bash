# bash completion for rmpc-theme-gen (installed as
# $(datadir)/bash-completion/completions/rmpc-theme-gen).  The options and
# their values are those of rmpc-theme-gen --help; tests/cli/completion.sh
# checks that the two agree.

_rmpc_theme_gen_files()
{
	# bash-completion's _filedir when it is loaded, else plain names
	if declare -F _filedir >/dev/null; then
		_filedir "$@"
	else
		local IFS=$'\n'
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

_rmpc_theme_gen()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	case $prev in
	--space)
		COMPREPLY=($(compgen -W 'CIELAB OKLAB RGB CIELUV HSL HSV YUV' -- "$cur"))
		return ;;
	--mode)
		COMPREPLY=($(compgen -W 'auto dark light' -- "$cur"))
		return ;;
	--builtin-template)
		COMPREPLY=($(compgen -W 'rmpc-0.11 rmpc-0.10' -- "$cur"))
		return ;;
	--theme-output)
		_rmpc_theme_gen_files ron
		return ;;
	--image | --template | --output | --config)
		_rmpc_theme_gen_files
		return ;;
	--k | --repeat)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '--image --watch --check --k --space --mode
			--full-decode --theme-output --template --builtin-template
			--output --preview --config --repeat --verbose --quiet --help
			--version -v -q -h -V' -- "$cur"))
		return
	fi
	_rmpc_theme_gen_files
}
complete -F _rmpc_theme_gen rmpc-theme-gen
