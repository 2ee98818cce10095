#!/bin/sh
# rmpc-theme-gen with no source option: one theme from MPD's current song
# (as from rmpc's on_song_change hook).  Server lookup order, exit
# statuses (0, 75 nothing playing / no art, 69 unreachable) and the
# fallbacks.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

mpd_start
# $XDG_RUNTIME_DIR/mpd/socket is found without any configuration.
mkdir -p "$XDG_RUNTIME_DIR/mpd"
ln -s "$MPD_SOCK" "$XDG_RUNTIME_DIR/mpd/socket"

rc=0; "$RTG_BIN" 2> "$T/err" || rc=$?
[ $rc -eq 75 ] || t_fail "nothing playing: exit $rc"
grep -q 'nothing is playing' "$T/err" || t_fail "message: $(cat "$T/err")"

play embedded-jpeg/track.flac
"$RTG_BIN" || t_fail "exit $?"
expected_theme "$IFIX/covers/embedded.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "theme differs from --image"

# Through MPD_HOST, with a report.
play folder-jpg/track.flac
MPD_HOST="$MPD_SOCK" "$RTG_BIN" --output "$T/report.json" || t_fail "MPD_HOST: exit $?"
grep -q '"mpd:folder-jpg/track.flac"' "$T/report.json" || t_fail "report source"
expected_theme "$IFIX/covers/folder.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "theme differs from --image (folder)"

# No art: 75 and the theme untouched, unless a fallback is configured.
cp "$THEME" "$T/before.ron"
play no-art/track.flac
rc=0; "$RTG_BIN" 2> "$T/err" || rc=$?
[ $rc -eq 75 ] || t_fail "no art: exit $rc"
grep -q 'no-art/track.flac: no album art' "$T/err" || t_fail "message: $(cat "$T/err")"
same_file "$THEME" "$T/before.ron" || t_fail "theme touched"
printf 'fallback = "neutral";\n' > "$CONF"
"$RTG_BIN" || t_fail "neutral fallback: exit $?"
same_file "$THEME" "$T/before.ron" && t_fail "neutral fallback wrote nothing"
printf 'fallback = "image";\nfallback_image = "%s";\n' "$IFIX/covers/apic.jpg" > "$CONF"
"$RTG_BIN" || t_fail "image fallback: exit $?"
expected_theme "$IFIX/covers/apic.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "fallback_image theme"

# Corrupt art: 65 (like --image on a bad file); art above the cap: 65.
: > "$CONF"
play corrupt/track.flac
rc=0; "$RTG_BIN" 2>/dev/null || rc=$?
[ $rc -eq 65 ] || t_fail "corrupt art: exit $rc"
play embedded-png/track.flac
printf 'art_max_bytes = "1K";\n' > "$CONF"
rc=0; "$RTG_BIN" 2> "$T/err" || rc=$?
[ $rc -eq 65 ] || t_fail "art above the cap: exit $rc"
grep -q 'above art_max_bytes' "$T/err" || t_fail "message: $(cat "$T/err")"

# Unreachable: 69, naming the server.
: > "$CONF"
rc=0; MPD_HOST="$T/nosuch.sock" "$RTG_BIN" 2> "$T/err" || rc=$?
[ $rc -eq 69 ] || t_fail "unreachable: exit $rc"
grep -q "$T/nosuch.sock" "$T/err" || t_fail "message does not name the server: $(cat "$T/err")"
exit 0
