# usage.sh - option parsing: ranges, case-insensitive spaces, conflicts;
# every usage error is exit 64 with one line on stderr and nothing written.
. "$top_srcdir/tests/cli/common.sh"

theme=$T/theme.ron

for k in 0 65 -1 abc 8x "" 99999999999; do
	run 64 --image "$COVER" --k "$k" --theme-output "$theme"
	one_error "--k: "
done
[ ! -e "$theme" ] || t_fail "a usage error wrote the theme"

run 0 --image "$COVER" --k 1 --theme-output "$T/k1.ron"
run 0 --image "$COVER" --k 64 --theme-output "$T/k64.ron"

# --space is case-insensitive: every spelling gives the same theme.
run 0 --image "$COVER" --space CIELAB --theme-output "$T/lab.ron"
for s in cielab CieLab; do
	run 0 --image "$COVER" --space "$s" --theme-output "$T/lab-$s.ron"
	same_file "$T/lab.ron" "$T/lab-$s.ron"
done
run 0 --image "$COVER" --space OKLAB --theme-output "$T/ok.ron"
run 0 --image "$COVER" --space oklab --theme-output "$T/ok2.ron"
same_file "$T/ok.ron" "$T/ok2.ron"
run 0 --image "$COVER" --space rgb --theme-output "$T/rgb.ron"
for s in hsl HSV yuv cieluv; do
	run 0 --image "$COVER" --space "$s" --theme-output "$T/$s.ron"
done
run 64 --image "$COVER" --space lab2 --theme-output "$theme"
one_error "--space: "

run 0 --image "$COVER" --mode light --theme-output "$T/light.ron"
run 0 --image "$COVER" --mode DARK --theme-output "$T/dark.ron"
! cmp -s "$T/light.ron" "$T/dark.ron" || t_fail "--mode light and dark agree"
run 64 --image "$COVER" --mode dim
one_error "--mode: "
run 64 --image "$COVER" --builtin-template rmpc-9
one_error "--builtin-template: "
run 64 --image "$COVER" --repeat 0
one_error "--repeat: "

run 64 --no-such-option
one_error "--no-such-option: "
run 64 -x
one_error "-x: "
run 64 --image
one_error "--image: "
run 64 --preview=yes
one_error "--preview: "
run 64 "$COVER"
one_error "$COVER: "
run 64 --image "$COVER" --theme-output ""
one_error "--theme-output: "
run 64 --image "$COVER" --watch
one_error
run 64 --check --watch
one_error
run 64 --image "$COVER" --template "$T/x" --builtin-template rmpc-0.10
one_error
run 64 --image "$COVER" --preview --output -
one_error
run 64 --watch --repeat 2
one_error
# the watcher writes no report and no preview: refused, not ignored
run 64 --watch --output "$T/r.json"
one_error "--output: only for a one-shot generation"
run 64 --watch --preview
one_error "--preview: only for a one-shot generation"

# --check takes only what it reads: generation options are refused, not
# silently ignored.
for opt in "--k 3" "--space oklab" "--mode dark" --full-decode "--template $T/x" \
	"--builtin-template rmpc-0.10" "--output $T/r.json" --preview; do
	# shellcheck disable=SC2086 # option and its argument
	run 64 --check $opt
	one_error "${opt%% *}: not used by --check"
done
[ ! -e "$T/r.json" ] || t_fail "--check wrote a report"
# ... and what it reads is accepted (its verdict here: no MPD, exit 69)
: >"$T/empty.conf"
run 69 --check --theme-output "$T/check.ron" -q --config "$T/empty.conf"
grep -q "the theme $T/check.ron is outside" "$OUT" || t_fail "--check ignored --theme-output: $(cat "$OUT")"

# --theme-output - is refused (a theme must be a file rmpc reloads) rather
# than creating a file named "-"; ./- names that file.
mkdir "$T/cwd"
cd "$T/cwd"
run 64 --image "$COVER" --theme-output -
one_error "--theme-output -: "
grep -q '\./-' "$ERR" || t_fail "no hint for a file named -: $(cat "$ERR")"
run 64 --watch --theme-output -
one_error "--theme-output -: "
run 64 --image "$COVER" --theme-output - --output -
one_error "--theme-output -: "
[ -z "$(ls -A "$T/cwd")" ] || t_fail "files created: $(ls -A "$T/cwd")"
run 0 --image "$COVER" --theme-output ./-
[ -s "$T/cwd/-" ] || t_fail "./- did not write a file named -"

# The watcher makes a relative theme path absolute at startup (under
# systemd the working directory is /) and logs it.  MPD is unreachable
# here: the watcher logs its start, then retries.
MPD_HOST=127.0.0.1 MPD_PORT=1 "$RTG_BIN" --watch --theme-output rel/./t.ron \
	>"$OUT" 2>"$ERR" &
pid=$!
i=0
until grep -q 'cannot connect' "$ERR" || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$pid" 2>/dev/null || :
wait "$pid" || :
grep -q "theme $T/cwd/rel/./t.ron;" "$ERR" || t_fail "theme path not absolute: $(cat "$ERR")"
# and an unreachable MPD is named as such
grep -q "warning: MPD at 127.0.0.1:1: cannot connect" "$ERR" ||
	t_fail "MPD not named: $(cat "$ERR")"
cd "$T"

# --help: exit 69 also means another watcher is running
run 0 --help
tr '\n' ' ' <"$OUT" | grep -q '69 MPD unreachable or another watcher running' ||
	t_fail "--help does not explain 69: $(cat "$OUT")"

exit 0
