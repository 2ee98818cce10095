# theme-rules.sh - the generator's theme check and the independent audit
# (tests/audit.py) must reach the same verdict, at the same line, on a corpus
# of hand-written themes (tests/theme-rules/*.ron).  Each file's first line
# says what is expected: "// expect: ok" or "// expect: LINE -- why".
#
# A theme without placeholders is a valid --template: it renders to itself,
# so the generator checks exactly the file's text.
. "$top_srcdir/tests/cli/common.sh"

rules=$top_srcdir/tests/theme-rules
have_python=no
command -v python3 >/dev/null && have_python=yes
count=0

for f in "$rules"/*.ron; do
	count=$((count + 1))
	expect=$(sed -n '1s|^// expect: \([0-9a-z]*\).*|\1|p' "$f")
	[ -n "$expect" ] || t_fail "$f: no '// expect:' line"

	if [ "$expect" = ok ]; then
		run 0 --image "$COVER" --template "$f" --theme-output "$T/out.ron"
		quiet_success
		cmp -s "$f" "$T/out.ron" || t_fail "$f: written theme differs from the file"
	else
		run 78 --image "$COVER" --template "$f" --theme-output "$T/out.ron"
		one_error "$f:$expect: "
		[ ! -e "$T/out.ron" ] || t_fail "$f: a theme was written"
	fi

	[ "$have_python" = yes ] || continue
	set +e
	python3 "$top_srcdir/tests/audit.py" "$f" >"$T/audit.out" 2>&1
	status=$?
	set -e
	if [ "$expect" = ok ]; then
		[ "$status" -eq 0 ] || t_fail "audit.py rejects $f: $(cat "$T/audit.out")"
		grep -q '^[1-9][0-9]* pairs, 0 failures$' "$T/audit.out" ||
			t_fail "audit.py on $f: $(tail -1 "$T/audit.out")"
	else
		[ "$status" -eq 1 ] || t_fail "audit.py passes $f (status $status)"
		case $(head -1 "$T/audit.out") in
		"$f:$expect: "*) ;;
		*) t_fail "audit.py on $f: '$(head -1 "$T/audit.out")', expected line $expect" ;;
		esac
	fi
	rm -f "$T/out.ron"
done

[ "$count" -ge 20 ] || t_fail "only $count themes in $rules"
[ "$have_python" = yes ] || echo "note: python3 missing, audit.py half skipped"
exit 0
