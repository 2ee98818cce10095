#!/bin/sh
# A password-protected MPD: a wrong password is one clear error naming the
# host, retried at the slow end; fixing the config (reload) reconnects.
# The password comes from MPD_HOST=password@socket first, then from the
# config's mpd_password (which wins).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

MPD_CTL_PASS=secret@
mpd_start 'password "secret@read,add,control,admin"' 'default_permissions "read"'
play embedded-png/track.flac

: > "$CONF"
MPD_HOST="wrong@$MPD_SOCK" watcher_start
wait_log 1 "$MPD_SOCK: password rejected.*retrying every 8 s"
sleep 0.5
[ "$(log_count "$W_LOG" 'password rejected')" -eq 1 ] || t_fail "error repeated"
[ ! -e "$THEME" ] || t_fail "a theme was written without access"

printf 'mpd_password = "secret";\n' > "$CONF"
wait_log 1 'configuration reloaded'
wait_log 1 'connected to'
wait_log 1 'embedded-png/track.flac: theme published'
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"
exit 0
