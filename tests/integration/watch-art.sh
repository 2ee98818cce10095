#!/bin/sh
# The watcher against a real MPD, one track per kind of album art: each
# publishes exactly the theme the one-shot CLI makes from the same cover;
# no art / corrupt art / art above the cap keep the current theme with one
# log line; the second track of an album is a cache hit (no decode) and
# writes nothing; an rmpc-like observer sees each new theme once, complete
# and valid.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

# The large cover (~4.6 MB, 3370x3370 JPEG) is made here, not committed.
mkdir -p "$MPD_MUSIC/big"
"$MKART" jpeg 3370 3370 92 9 "$T/big.jpg"
"$MKART" embed "$IFIX/music/no-art/track.flac" image/jpeg "$T/big.jpg" "$MPD_MUSIC/big/track.flac"
size=$(wc -c < "$T/big.jpg")
[ "$size" -gt 3000000 ] || t_fail "big cover is only $size bytes"

printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
mpd_start
observe_start
watcher_start
wait_log 1 'connected to'
wait_log 1 'nothing playing'

published=0
# expect_theme URI COVER: the watcher publishes COVER's theme for URI
expect_theme() {
	published=$((published + 1))
	play "$1"
	wait_log 1 "$1: theme published"
	expected_theme "$2" "$T/expect.ron"
	same_file "$THEME" "$T/expect.ron" || t_fail "$1: theme differs from --image $2"
}
# expect_kept URI REASON: no publication, one log line with REASON
expect_kept() {
	cp "$THEME" "$T/before.ron"
	n0=$(wc -l < "$W_LOG")
	play "$1"
	wait_log 1 "$1: .*$2.*keeping the current theme"
	sleep 0.1
	[ "$(tail -n +$((n0 + 1)) "$W_LOG" | grep -c "$1")" -eq 1 ] ||
		t_fail "$1: not exactly one log line: $(tail -n +$((n0 + 1)) "$W_LOG")"
	same_file "$THEME" "$T/before.ron" || t_fail "$1: theme changed"
}

expect_theme embedded-jpeg/track.flac "$IFIX/covers/embedded.jpg"
expect_theme embedded-png/track.flac "$IFIX/covers/embedded.png"
expect_theme folder-jpg/track.flac "$IFIX/covers/folder.jpg"
expect_theme mp3-apic/track.mp3 "$IFIX/covers/apic.jpg"
if "$RTG_BIN" --image "$IFIX/covers/folder.webp" --theme-output "$T/w.ron" 2>/dev/null; then
	expect_theme folder-webp/track.flac "$IFIX/covers/folder.webp"
else
	expect_kept folder-webp/track.flac 'WebP'
fi
expect_kept no-art/track.flac 'no album art'
expect_kept corrupt/track.flac 'art unusable'

# Same album: the second track costs a fetch and a hash, no decode.
expect_theme album/1.flac "$IFIX/covers/album.jpg"
grep -q 'album/1.flac: theme published (generated' "$W_LOG" || t_fail "album/1 not generated"
play album/2.flac
wait_log 1 'album/2.flac: theme unchanged (cache hit (memory), no decode'
[ "$(log_count "$W_LOG" 'generated:')" -eq "$published" ] || t_fail "a decode happened for album/2"

expect_theme big/track.flac "$T/big.jpg"

# Above the cap (art_max_bytes): the covers are ~2.5 KB.
printf 'mpd_host = "%s";\nart_max_bytes = 2048;\n' "$MPD_SOCK" > "$CONF"
wait_log 1 'configuration reloaded'
expect_kept embedded-jpeg/track.flac 'above art_max_bytes'

# Pause, seek and volume are not track changes.
n=$(wc -l < "$W_LOG")
ctl pause 1 , seekcur 3 , pause 0 >/dev/null
ctl status >/dev/null
sleep 0.3
[ "$(wc -l < "$W_LOG")" -eq "$n" ] || t_fail "pause/seek caused work: $(tail -n 2 "$W_LOG")"

# Idle means asleep in poll(): no periodic wake-ups (context switches).
# The pause/seek events above are let settle first (the count stays put
# for 0.3 s; on a loaded machine that may take a while), then 1 s is
# measured.
cs() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$W_PID/status"; }
settled() { _a=$(cs); sleep 0.3; [ "$(cs)" -eq "$_a" ]; }
wait_for 20 settled
c0=$(cs)
sleep 1
c1=$(cs)
[ "$c1" -eq "$c0" ] || t_fail "idle watcher woke up $((c1 - c0)) times in 1 s"

watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "watcher exited $W_RC on SIGTERM"
kill "$OBS_PID"; wait "$OBS_PID" 2>/dev/null || true; OBS_PID=

# The observer: one event per publication, each read complete and valid,
# never the same content twice in a row.
events=$(grep -c '^[0-9]' "$OBS_LOG" || true)
[ "$events" -eq "$published" ] || t_fail "observer saw $events events for $published themes"
grep -v '^ready' "$OBS_LOG" | grep -v ' ok$' && t_fail "observer read an invalid theme"
prev=
for h in $(awk '/ ok$/ { print $3 }' "$OBS_LOG"); do
	[ "$h" != "$prev" ] || t_fail "same theme published twice in a row"
	prev=$h
done
ls "$(dirname "$THEME")" | grep -v '^current-song.ron$' && t_fail "stray files next to the theme"
exit 0
