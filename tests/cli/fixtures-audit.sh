# fixtures-audit.sh - every bundled image, through the real command line,
# gives a theme that the independent audit (tests/audit.py) accepts, in
# every mode and with both built-in templates.
. "$top_srcdir/tests/cli/common.sh"
[ -f "$top_srcdir/tests/audit.py" ] || t_skip "tests/audit.py missing"
command -v python3 >/dev/null || t_skip "python3 missing"

n=0
for img in "$FIXTURES"/*.jpg "$FIXTURES"/*.png "$FIXTURES"/*.gif \
    "$FIXTURES"/*.bmp "$FIXTURES"/*.webp; do
	[ -f "$img" ] || continue
	case $img in
	*.webp) has_webp || continue ;;
	esac
	name=$(basename "$img")
	run 0 --image "$img" --theme-output "$T/$name.ron"
	quiet_success
	audit "$T/$name.ron"
	n=$((n + 1))
done
[ "$n" -ge 10 ] || t_fail "only $n fixtures found in $FIXTURES"

# the hard cases in the modes they are least made for, both templates
for img in black.png white.png grey.png red.png two-colours.png noise.png \
    photo-storm.jpg album-dune.jpg; do
	for mode in dark light; do
		for tmpl in rmpc-0.11 rmpc-0.10; do
			out=$T/$img-$mode-$tmpl.ron
			run 0 --image "$FIXTURES/$img" --mode "$mode" --builtin-template "$tmpl" \
				--theme-output "$out"
			audit "$out"
		done
	done
done
echo "$n fixtures audited"
exit 0
