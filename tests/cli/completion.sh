#!/bin/sh
# The bash completion (conf/rmpc-theme-gen.bash) offers exactly the options
# of --help, and for --space, --mode and --builtin-template values the
# program accepts (and, in --space's case, every space --help names); file
# options complete file names.  Run in a real bash, as readline calls it.
. "$top_srcdir/tests/cli/common.sh"
command -v bash >/dev/null 2>&1 || t_skip "bash is not installed"
COMP=$top_srcdir/conf/rmpc-theme-gen.bash

# complete WORD...: the completions bash offers for the last word
complete_words() {
	bash -c '. "$1"; shift
		COMP_WORDS=(rmpc-theme-gen "$@"); COMP_CWORD=$#
		_rmpc_theme_gen
		printf "%s\n" "${COMPREPLY[@]}" | sort' sh "$COMP" "$@"
}

completion_checks complete_words
# short options too, and what only bash's completion is asked here
complete_words - | grep -v -- '^--' | sort >"$T/comp-short"
"$RTG_BIN" --help | sed -n 's/^ *\(-[a-zA-Z]\), --.*/\1/p' | sort >"$T/help-short"
cmp -s "$T/help-short" "$T/comp-short" ||
	t_fail "short options: --help and the completion differ: $(diff "$T/help-short" "$T/comp-short")"
[ "$(complete_words --th)" = "--theme-output" ] || t_fail "--th: $(complete_words --th)"
[ "$(complete_words --mode d)" = "dark" ] || t_fail "--mode d: $(complete_words --mode d)"
# --k takes a number: no file names
[ -z "$(complete_words --k "")" ] || t_fail "--k offers: $(complete_words --k "")"
[ "$(complete_words --image co)" = "cover.jpg" ] || t_fail "--image co: $(complete_words --image co)"
exit 0
