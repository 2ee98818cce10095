# help-version.sh - --help and --version go to stdout with status 0, and
# every option in --help is documented in the man page.
. "$top_srcdir/tests/cli/common.sh"

for h in --help -h; do
	run 0 $h
	[ ! -s "$ERR" ] || t_fail "$h wrote to stderr"
	grep -q '^Usage: rmpc-theme-gen ' "$OUT" || t_fail "$h: no usage line"
done
for opt in image watch check k space mode full-decode theme-output template \
    builtin-template output preview config repeat verbose quiet help version; do
	grep -q -- "--$opt\\b" "$OUT" || t_fail "--help does not list --$opt"
done
# each option in --help has an entry in the man page (mdoc: .Fl -name)
sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}--\([a-z-]*\).*/\2/p' "$OUT" | while read -r opt; do
	grep -q "^\\.It Fl \\(. , \\)\\{0,1\\}-$opt\\b\\|^\\.It Fl -$opt\\b\\|Fl -$opt\\b" \
		"$top_srcdir/man/rmpc-theme-gen.1" || t_fail "man page lacks --$opt"
done

for v in --version -V; do
	run 0 $v
	[ ! -s "$ERR" ] || t_fail "$v wrote to stderr"
	head -n 1 "$OUT" | grep -q '^rmpc-theme-gen [0-9][0-9.]*$' ||
		t_fail "$v: first line '$(head -n 1 "$OUT")'"
done
# --help wins over everything after it and touches nothing.
run 0 --help --image /nonexistent --watch
exit 0
