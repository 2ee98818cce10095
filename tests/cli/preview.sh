# preview.sh - --preview draws truecolor swatches and the mock screen in the
# theme's colours on a terminal; NO_COLOR, a pipe or a file give the same
# facts without escapes.
. "$top_srcdir/tests/cli/common.sh"

esc=$(printf '\033')

# Not a terminal (a file here): plain text, nothing for a pager or grep to
# trip on.
run 0 --image "$COVER" --theme-output "$T/t.ron" --preview --output "$T/r.json"
[ ! -s "$ERR" ] || t_fail "stderr: $(cat "$ERR")"
! grep -q "$esc" "$OUT" || t_fail "escape sequences into a file"
bg=$(sed -n 's/.*background_color: *"#\([0-9a-f]\{6\}\)".*/\1/p' "$T/t.ron" | head -n 1)
[ -n "$bg" ] || t_fail "no background_color in the theme"
grep -q "background *#$bg" "$OUT" || t_fail "plain preview lacks the background: $(cat "$OUT")"
"$RTG_BIN" --image "$COVER" --theme-output "$T/t.ron" --preview 2>"$ERR" | cat >"$OUT"
! grep -q "$esc" "$OUT" || t_fail "escape sequences into a pipe"
grep -q "background *#$bg" "$OUT" || t_fail "piped preview lacks the background"

# On a terminal: truecolor.  script(1) gives the program a pty.
command -v script >/dev/null || t_skip "script(1) needed for a terminal"
# on_tty [ENV=VALUE]: the preview on a pty, output (CR removed) in $OUT.
on_tty() {
	env ${1:+"$1"} script -qec "'$RTG_BIN' --image '$COVER' --theme-output '$T/t.ron' --preview" \
		/dev/null </dev/null 2>"$ERR" | tr -d '\r' >"$OUT"
}
on_tty
[ ! -s "$ERR" ] || t_fail "stderr: $(cat "$ERR")"
grep -q "${esc}\\[48;2;[0-9]*;[0-9]*;[0-9]*m" "$OUT" || t_fail "no truecolor background"
grep -q "${esc}\\[38;2;[0-9]*;[0-9]*;[0-9]*m" "$OUT" || t_fail "no truecolor foreground"
grep -q 'Queue' "$OUT" || t_fail "no mock screen"
# the mock screen is drawn on the theme's background colour
rgb=$(printf '%d;%d;%d' 0x$(echo "$bg" | cut -c1-2) 0x$(echo "$bg" | cut -c3-4) 0x$(echo "$bg" | cut -c5-6))
grep -q "${esc}\\[48;2;${rgb}m" "$OUT" || t_fail "background $bg ($rgb) not used"
# every line of the mock screen ends with a reset
tail -n 5 "$OUT" | while IFS= read -r line; do
	case $line in
	*"${esc}[0m") ;;
	*) t_fail "line without reset: $line" ;;
	esac
done

# NO_COLOR on a terminal: plain text, no escape sequence at all, still the
# hex values
on_tty NO_COLOR=1
! grep -q "$esc" "$OUT" || t_fail "escape sequences despite NO_COLOR"
grep -q "background *#$bg" "$OUT" || t_fail "plain preview lacks the background: $(cat "$OUT")"
# an empty NO_COLOR does not count (no-color.org)
on_tty NO_COLOR=
grep -q "$esc" "$OUT" || t_fail "empty NO_COLOR disabled colour"

# Each role's contrast is on what it is drawn on: selection_fg on
# selection_bg (it is text there, >= 4.5), not on the background, where it
# often is the background's own colour; the background has none.
for img in "$COVER" "$FIXTURES"/*.png; do
	run 0 --image "$img" --theme-output "$T/t.ron" --preview
	awk '$1 == "selection_fg" { found = 1; if ($3 + 0 < 4.5) exit 1 }
	     $1 == "background" && NF != 2 { exit 1 }
	     END { if (!found) exit 1 }' "$OUT" ||
		t_fail "$img: role contrasts: $(grep -A19 '^Roles' "$OUT")"
done

# without --preview, nothing on stdout
run 0 --image "$COVER" --theme-output "$T/t.ron"
quiet_success
exit 0
