#!/bin/sh
# Rapid skipping is coalesced: skips that happen while the watcher is busy
# (here: stopped with SIGSTOP, the extreme case of busy) leave no backlog;
# on resuming it processes only the song current then, exactly once.  The
# rmpc-like observer only ever reads complete, valid themes.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
mpd_start
ctl clear >/dev/null
for i in 1 2 3 4 5 6 7 8; do ctl add "skips/0$i.flac" >/dev/null; done
observe_start
watcher_start
wait_log 1 'nothing playing'
ctl play 0 >/dev/null
wait_log 1 'skips/01.flac: theme published'

kill -STOP "$W_PID"
ctl next , next , next , next , next , next , next >/dev/null
ctl currentsong | grep -q 'skips/08.flac' || t_fail "MPD did not skip"
kill -CONT "$W_PID"
wait_log 1 'skips/08.flac: theme published'
expected_theme "$IFIX/covers/skip8.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "final theme is not the last song's"
sleep 0.3
n=$(log_count "$W_LOG" 'theme published')
[ "$n" -eq 2 ] || t_fail "$n publications, expected 2 (no backlog): $(cat "$W_LOG")"
grep -q 'skips/0[2-7]' "$W_LOG" && t_fail "skipped songs were processed"

# Skips while it works normally: it ends on the last song, never behind.
ctl play 0 , next , next , next , next >/dev/null
wait_log 1 'skips/05.flac: theme published'
expected_theme "$IFIX/covers/skip5.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "theme is not the last song's"

watcher_stop
kill "$OBS_PID"; wait "$OBS_PID" 2>/dev/null || true; OBS_PID=
n=$(log_count "$W_LOG" 'theme published')
events=$(grep -c '^[0-9]' "$OBS_LOG" || true)
[ "$events" -eq "$n" ] || t_fail "observer saw $events events for $n themes"
grep -v '^ready' "$OBS_LOG" | grep -v ' ok$' && t_fail "observer read an invalid theme"
exit 0
