#!/bin/sh
# Connection life: MPD not running when the watcher starts (one log line,
# quiet retries, connects when MPD comes), MPD stopped and started again
# with another current song (the watcher reconnects and catches up without
# any idle event telling it), and a plain restart (same song: nothing
# written).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
watcher_start
wait_log 1 "warning: MPD at $MPD_SOCK: cannot connect.*retrying"
sleep 1.2 # several attempts (250, 500 ms ...) must stay silent
[ "$(log_count "$W_LOG" 'retrying')" -eq 1 ] || t_fail "one line per attempt: $(cat "$W_LOG")"

mpd_start
play embedded-jpeg/track.flac
wait_log 1 'connected to'
wait_log 1 'embedded-jpeg/track.flac: theme published'

# MPD goes away; while it is down its saved state is changed so that it
# comes back playing another song: no event will report that.
mpd_stop
wait_log 1 'lost MPD'
# "lost MPD" already says what the name is.
log_has 1 "warning: lost MPD: $MPD_SOCK: .*; reconnecting" || t_fail "wording: $(cat "$W_LOG")"
grep -q 'embedded-jpeg/track.flac' "$MPD_DIR/mpd.state" || t_fail "no state file"
sed 's|embedded-jpeg/track.flac|folder-jpg/track.flac|' "$MPD_DIR/mpd.state" > "$T/state"
cp "$T/state" "$MPD_DIR/mpd.state"
mpd_start
wait_log 2 'connected to'
wait_log 1 'folder-jpg/track.flac: theme published'
expected_theme "$IFIX/covers/folder.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "not the restarted song's theme"
[ "$(log_count "$W_LOG" 'lost MPD\|retrying')" -eq 2 ] ||
	t_fail "more than one line per outage: $(cat "$W_LOG")"

# Same song after a restart: nothing to do.
mpd_stop
wait_log 2 'lost MPD'
mpd_start
wait_log 3 'connected to'
ctl status >/dev/null
sleep 0.3
[ "$(log_count "$W_LOG" 'theme published')" -eq 2 ] || t_fail "republished the same song"

watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"
exit 0
