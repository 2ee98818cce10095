#!/bin/sh
# The zsh completion (conf/_rmpc-theme-gen), driven through a real
# interactive zsh on a pseudo-terminal (zsh/zpty) with TAB: it offers
# exactly the long options of --help, values the program accepts for
# --space, --mode and --builtin-template, file names for path options, and
# no generation-only option after --watch's exclusions.
. "$top_srcdir/tests/cli/common.sh"
command -v zsh >/dev/null 2>&1 || t_skip "zsh is not installed"
mkdir "$T/fpath"
cp "$top_srcdir/conf/_rmpc-theme-gen" "$T/fpath/"

# The candidates completion offers for a command line: compadd is wrapped
# to print each match it is given; TAB completes, then a marker ends it.
cat >"$T/cap.zsh" <<'EOF'
zmodload zsh/zpty || exit 3
fdir=$1 line=$2
zpty z zsh -f -i
zpty -w z "PS1=''; fpath=($fdir \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { local -a m; builtin compadd -O m "$@"; print -rl -- "<c>"${^m}; builtin compadd "$@"; }'
zpty -w z 'zstyle ":completion:*" list-prompt ""; LISTMAX=100000; print "<ready>"'
zpty -r z out '*<ready>*<ready>*' || exit 4
zpty -w -n z "$line"$'\t'
sleep 0.3
zpty -w z $'\C-u print "<done>"'
all= t0=$SECONDS
while (( SECONDS - t0 < 20 )); do
	if zpty -rt z chunk; then all+=$chunk; else sleep 0.05; fi
	[[ $all == *'<done>'*'<done>'* ]] && break
done
[[ $all == *'<done>'*'<done>'* ]] || exit 5
print -r -- "$all" | tr -d '\r' | grep -o '<c>[^<]*' | sed 's/^<c>//; s/[[:space:]]*$//' | sort -u
zpty -d z
EOF
zcomplete() {
	zsh -f "$T/cap.zsh" "$T/fpath" "rmpc-theme-gen $*" >"$T/zc" ||
		t_fail "zsh completion of '$*' did not run (status $?)"
	cat "$T/zc"
}

completion_checks zcomplete

# the watcher writes no report, no preview: not offered after --watch
zcomplete --watch -- >"$T/after-watch"
for o in --output --preview --repeat --image --check; do
	! grep -qx -- "$o" "$T/after-watch" || t_fail "zsh offers $o after --watch"
done
grep -qx -- --theme-output "$T/after-watch" || t_fail "zsh: --theme-output not offered after --watch"
exit 0
