#!/bin/sh
# A user template re-read on SIGHUP: after the file is edited in place and
# the watcher gets SIGHUP, the song playing is redone with the new
# template, and so is every later track, also one whose theme the cache
# holds from the old template (the template text is part of the key).  A
# template that cannot be read, or has a mistake, on SIGHUP keeps the
# previous configuration; at startup a mistake is exit 78.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

A=embedded-jpeg/track.flac A_COVER="$IFIX/covers/embedded.jpg"
B=folder-jpg/track.flac B_COVER="$IFIX/covers/folder.jpg"
cat > "$T/v1.ron" <<'RON'
#![enable(implicit_some)]
// template v1
(
    background_color: {{background}},
    text_color: {{text}},
    highlighted_item_style: (fg: {{selection_fg}}, bg: {{selection_bg}}, modifiers: "Bold"),
    borders_style: (fg: {{border}}),
)
RON
sed 's|// template v1|// template v2|; s|modifiers: "Bold"|modifiers: "Italic"|' "$T/v1.ron" > "$T/v2.ron"
cmp -s "$T/v1.ron" "$T/v2.ron" && t_fail "v2 is v1"
cp "$T/v1.ron" "$T/tmpl.ron"
for v in v1 v2; do
	expected_theme "$A_COVER" "$T/a-$v.ron" --template "$T/$v.ron"
	expected_theme "$B_COVER" "$T/b-$v.ron" --template "$T/$v.ron"
done
cmp -s "$T/a-v1.ron" "$T/a-v2.ron" && t_fail "both templates give one theme"

mpd_start
printf 'mpd_host = "%s";\ntemplate = "%s";\n' "$MPD_SOCK" "$T/tmpl.ron" > "$CONF"
play "$A"
watcher_start
wait_log 1 "$A: theme published (generated"
same_file "$THEME" "$T/a-v1.ron" || t_fail "$A: not template v1"
play "$B"
wait_log 1 "$B: theme published (generated"
same_file "$THEME" "$T/b-v1.ron" || t_fail "$B: not template v1"

# Edited in place (same inode, as 'cat >' or an editor without rename
# does), then SIGHUP: the current song is redone with the new template.
cat "$T/v2.ron" > "$T/tmpl.ron"
kill -HUP "$W_PID"
wait_log 1 'SIGHUP: configuration reloaded'
wait_log 2 "$B: theme published (generated"
same_file "$THEME" "$T/b-v2.ron" || t_fail "$B after SIGHUP: not template v2"
# The next track: A's theme from v1 is in the cache, and must not be used.
play "$A"
wait_log 2 "$A: theme published (generated"
same_file "$THEME" "$T/a-v2.ron" || t_fail "$A after SIGHUP: not template v2"
grep -q "$A: theme published (cache hit" "$W_LOG" && t_fail "v1's cached theme served after the edit"

# The template gone: SIGHUP keeps the previous configuration (template
# text included) and says why; the watcher goes on publishing with v2.
mv "$T/tmpl.ron" "$T/tmpl.away"
kill -HUP "$W_PID"
wait_log 1 "template $T/tmpl.ron: "
wait_log 1 'SIGHUP: keeping the previous configuration'
play "$B"
wait_log 1 "$B: theme published (cache hit"
same_file "$THEME" "$T/b-v2.ron" || t_fail "$B after a failed reload: not template v2"

# A mistake in the template: SIGHUP names its line at once and keeps the
# previous configuration (no "unusable" line per track later).
printf '(\n    background_color: {{backgrund}},\n)\n' > "$T/tmpl.ron"
kill -HUP "$W_PID"
wait_log 1 "$T/tmpl.ron:2: unknown placeholder {{backgrund}}"
wait_log 2 'SIGHUP: keeping the previous configuration'
play "$A"
wait_log 1 "$A: theme published (cache hit"
same_file "$THEME" "$T/a-v2.ron" || t_fail "$A after a bad template: not template v2"
grep -q 'unusable' "$W_LOG" && t_fail "a template mistake reported per track: $(cat "$W_LOG")"

watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"

# Started with that template: exit 78 (bad config or template) with the
# same one line, before connecting to MPD.
rc=0
timeout 10 "$RTG_BIN" --watch > "$T/bad.log" 2>&1 || rc=$?
[ "$rc" -eq 78 ] || t_fail "a bad template at startup: exit $rc: $(cat "$T/bad.log")"
grep -q "$T/tmpl.ron:2: unknown placeholder {{backgrund}}" "$T/bad.log" ||
	t_fail "a bad template at startup: $(cat "$T/bad.log")"

# Contrast depends on the palette: a template that draws a palette colour
# as a foreground fails the audit on the neutral palette (it has none) but
# may pass on a cover.  The watcher starts, warns once, and publishes.
sed 's|borders_style: (fg: {{border}})|borders_style: (fg: {{palette1}})|' "$T/v1.ron" > "$T/tmpl.ron"
grep -q palette1 "$T/tmpl.ron" || t_fail "no palette1 in the template"
# (apic.jpg's palette passes; embedded.jpg's would not)
P=mp3-apic/track.mp3
expected_theme "$IFIX/covers/apic.jpg" "$T/p-pal.ron" --template "$T/tmpl.ron"
play "$P"
watcher_start
wait_log 1 "tried on the neutral palette"
wait_log 1 "$P: theme published"
same_file "$THEME" "$T/p-pal.ron" || t_fail "$P with the palette template"
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC with the palette template"
exit 0
