#!/bin/sh
# A password-protected MPD: a wrong password, or none where the commands
# need one, is one clear error naming the host, retried at the slow end;
# fixing the config (reload) reconnects.
# The password comes from MPD_HOST=password@socket first, then from the
# config's mpd_password (which wins).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

MPD_CTL_PASS=secret@
mpd_start 'password "secret@read,add,control,admin"' 'default_permissions "read"'
play embedded-png/track.flac

: > "$CONF"
MPD_HOST="wrong@$MPD_SOCK" watcher_start
# The error says what the name is ("MPD at"), once.
wait_log 1 "rmpc-theme-gen: MPD at $MPD_SOCK: password rejected.*retrying every 8 s"
sleep 0.5
[ "$(log_count "$W_LOG" 'password rejected')" -eq 1 ] || t_fail "error repeated"
[ ! -e "$THEME" ] || t_fail "a theme was written without access"

printf 'mpd_password = "secret";\n' > "$CONF"
wait_log 1 'configuration reloaded'
wait_log 1 'connected to'
wait_log 1 'embedded-png/track.flac: theme published'
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"

# No password where one is needed: MPD lets the connection in and refuses
# the first command.  One error naming the host, and no "connected" line
# for a connection that cannot be used, however many attempts (SIGHUP
# makes one at once; -v shows them as "still down").
mpd_stop
mpd_start 'password "secret@read,add,control,admin"' 'default_permissions ""'
: > "$CONF"
MPD_HOST="$MPD_SOCK" watcher_start -v
wait_log 1 "rmpc-theme-gen: MPD at $MPD_SOCK: currentsong: .*permission.*retrying every 8 s"
kill -HUP "$W_PID"
wait_log 1 "still down: $MPD_SOCK: currentsong: .*permission"
kill -HUP "$W_PID"
wait_log 2 'still down: .*permission'
[ "$(log_count "$W_LOG" 'retrying every')" -eq 1 ] || t_fail "error repeated: $(cat "$W_LOG")"
[ "$(log_count "$W_LOG" 'connected to')" -eq 0 ] || t_fail "unusable connection logged as connected"
printf 'mpd_password = "secret";\n' > "$CONF"
wait_log 1 'connected to'
wait_log 1 'embedded-png/track.flac: theme'
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"
exit 0
