#!/bin/sh
# Rapid skipping is coalesced: while the watcher works on a slow (~4.6 MB)
# cover, seven skips arrive; afterwards only the song current then is
# processed (no backlog), and it ends on the last song's theme.  The
# rmpc-like observer only ever reads complete, valid themes.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

mkdir -p "$MPD_MUSIC/big"
"$MKART" jpeg 3370 3370 92 9 "$T/big.jpg"
"$MKART" embed "$IFIX/music/no-art/track.flac" image/jpeg "$T/big.jpg" "$MPD_MUSIC/big/track.flac"
printf 'mpd_host = "%s";\ncache = false;\n' "$MPD_SOCK" > "$CONF"
mpd_start
ctl clear , add big/track.flac >/dev/null
for i in 1 2 3 4 5 6 7 8; do ctl add "skips/0$i.flac" >/dev/null; done
observe_start
watcher_start
wait_log 1 'nothing playing'

# play + 8 skips on one connection, a few ms in all
ctl play 0 , next , next , next , next , next , next , next , next >/dev/null
wait_log 1 'skips/08.flac: theme published'
expected_theme "$IFIX/covers/skip8.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "final theme is not the last song's"
n=$(log_count "$W_LOG" 'theme published')
[ "$n" -le 3 ] || t_fail "$n publications for 9 songs: skips were not coalesced"
sleep 0.3
[ "$(log_count "$W_LOG" 'theme published')" -eq "$n" ] || t_fail "work after the last song"

watcher_stop
kill "$OBS_PID"; wait "$OBS_PID" 2>/dev/null || true; OBS_PID=
events=$(grep -c '^[0-9]' "$OBS_LOG" || true)
[ "$events" -eq "$n" ] || t_fail "observer saw $events events for $n themes"
grep -v '^ready' "$OBS_LOG" | grep -v ' ok$' && t_fail "observer read an invalid theme"
exit 0
