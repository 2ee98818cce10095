# seed-command.sh - the old tool's exact command line keeps working, the
# result is deterministic, a rerun with the same bytes touches nothing, and
# the default theme path follows XDG_CONFIG_HOME / HOME.
. "$top_srcdir/tests/cli/common.sh"

theme=$T/rmpc/themes/current-song.ron

# The command users of the old tool know, as written in the issue.
run 0 --image "$COVER" --k 8 --space CIELAB --theme-output "$theme"
quiet_success
[ -s "$theme" ] || t_fail "no theme written"
grep -q 'background_color: *"#[0-9a-f]\{6\}"' "$theme" ||
	t_fail "theme has no #rrggbb background_color"
[ "$(stat -c %a "$theme")" = 644 ] || t_fail "theme mode $(stat -c %a "$theme")"
no_temp_files "$(dirname "$theme")"
audit "$theme"

# The same image and options give the same bytes, in another process and
# another place; a rerun onto the existing file does not touch it.
ino=$(stat -c %i "$theme")
mtime=$(stat -c %Y.%y "$theme")
run 0 --image "$COVER" --k 8 --space CIELAB --theme-output "$T/again.ron"
same_file "$theme" "$T/again.ron"
run 0 --image "$COVER" --k 8 --space CIELAB --theme-output "$theme"
[ "$(stat -c %i "$theme")" = "$ino" ] || t_fail "identical theme was replaced"
[ "$(stat -c %Y.%y "$theme")" = "$mtime" ] || t_fail "identical theme was rewritten"

# --k=N and abbreviation-free long options with '=' work the same.
run 0 --image="$COVER" --k=8 --space=CIELAB --theme-output="$T/eq.ron"
same_file "$theme" "$T/eq.ron"

# --repeat generates several times and publishes the same theme once.
run 0 --image "$COVER" --repeat 3 -v --theme-output "$T/repeat.ron"
same_file "$theme" "$T/repeat.ron"
grep -q 'generated 3 times' "$ERR" || t_fail "--repeat -v did not report: $(cat "$ERR")"

# A different cover gives a different theme.
run 0 --image "$FIXTURES/photo-ladybird.jpg" --theme-output "$T/other.ron"
! cmp -s "$theme" "$T/other.ron" || t_fail "two covers, one theme"

# Default path: $XDG_CONFIG_HOME/rmpc/themes/current-song.ron ...
run 0 --image "$COVER"
same_file "$theme" "$XDG_CONFIG_HOME/rmpc/themes/current-song.ron"
# ... else ~/.config/rmpc/themes/current-song.ron (a relative
# XDG_CONFIG_HOME is invalid per the XDG spec and ignored).
(XDG_CONFIG_HOME=relative; export XDG_CONFIG_HOME; run 0 --image "$COVER")
same_file "$theme" "$HOME/.config/rmpc/themes/current-song.ron"
(unset XDG_CONFIG_HOME; run 0 --image "$COVER" --k 3)
! cmp -s "$theme" "$HOME/.config/rmpc/themes/current-song.ron" ||
	t_fail "--k 3 without XDG_CONFIG_HOME did not go to ~/.config"

# Standard input.
run 0 --image - --theme-output "$T/stdin.ron" <"$COVER"
same_file "$theme" "$T/stdin.ron"
exit 0
