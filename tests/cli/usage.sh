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

exit 0
