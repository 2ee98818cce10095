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

run 0 --help
sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z-]*\).*/\2/p' "$OUT" | sort >"$T/help-long"
sed -n 's/^ *\(-[a-zA-Z]\), --.*/\1/p' "$OUT" | sort >"$T/help-short"
complete_words -- | sort >"$T/comp-long"
complete_words - | grep -v -- '^--' | sort >"$T/comp-short"
cmp -s "$T/help-long" "$T/comp-long" ||
	t_fail "long options: --help and the completion differ: $(diff "$T/help-long" "$T/comp-long")"
cmp -s "$T/help-short" "$T/comp-short" ||
	t_fail "short options: --help and the completion differ: $(diff "$T/help-short" "$T/comp-short")"
[ "$(complete_words --th)" = "--theme-output" ] || t_fail "--th: $(complete_words --th)"

# values: each one offered is accepted, and --space offers what --help names
for opt in --space --mode --builtin-template; do
	vals=$(complete_words "$opt" "")
	[ -n "$vals" ] || t_fail "$opt: nothing offered"
	for v in $vals; do
		run 0 --image "$COVER" --theme-output "$T/v.ron" "$opt" "$v" -q
	done
done
for s in $(sed -n 's/.*--space S *clustering space: //p' "$OUT" | tr -d ',' | sed 's/ (default)//'); do
	complete_words --space "" | grep -qx "$s" || t_fail "--space does not offer $s"
done
[ "$(complete_words --mode d)" = "dark" ] || t_fail "--mode d: $(complete_words --mode d)"
# --k takes a number: no file names
[ -z "$(complete_words --k "")" ] || t_fail "--k offers: $(complete_words --k "")"

# file options complete names in the working directory
mkdir "$T/files"
: >"$T/files/cover.jpg"
: >"$T/files/current.ron"
cd "$T/files"
[ "$(complete_words --image co)" = "cover.jpg" ] || t_fail "--image co: $(complete_words --image co)"
complete_words --theme-output cu | grep -qx current.ron ||
	t_fail "--theme-output cu: $(complete_words --theme-output cu)"
exit 0
