#!/bin/sh
# The bound on a song's art attempts (watch-stall.sh) follows the file, not
# MPD's song id: MPD numbers its queue afresh when it restarts, so an MPD
# that fails (or crashes) on one file and is restarted, as systemd's
# Restart= does, must not start the count again, else the loop the bound
# is there for never ends.  Through the stalling proxy in front of a real
# MPD (tests/integration/mpdproxy):
#   - MPD restarted between the 2nd and 3rd attempts: 3 attempts in all
#     (2 before the restart, 1 after), one warning, whose "ms since the
#     event" covers every attempt, not just the last;
#   - the same file under a new id after giving up (queued again; MPD
#     restarted): no new attempt;
#   - SIGUSR1, SIGHUP (config reload), and "nothing playing" then the same
#     file again each start the count again: 3 new attempts, one warning;
#   - stop then play (same id): nothing.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

STALL=embedded-jpeg/track.flac # art requests never answered
TRIES=3                        # ART_MAX_TRIES in src/watch.c
GAVEUP="warning: $STALL: theme .*art given up"

mpd_start
proxy_start -s "$STALL"
printf 'mpd_host = "%s";\nmpd_timeout = 1;\nfallback = "neutral";\n' "$PROXY_SOCK" > "$CONF"
play embedded-png/track.flac
watcher_start -v
wait_log 1 'embedded-png/track.flac: theme published (generated'

stalls() { grep -c '^stall ' "$PROXY_LOG" || true; }
stalls_ge() { [ "$(stalls)" -ge "$1" ]; }
song_id() { ctl currentsong | sed -n 's/^Id: //p'; }
# expect STALLS GAVEUP: the proxy saw STALLS attempts, the log GAVEUP warnings
expect() {
	[ "$(stalls)" -eq "$1" ] || t_fail "$1 attempts expected: $(grep '^stall' "$PROXY_LOG")"
	[ "$(log_count "$W_LOG" "$GAVEUP")" -eq "$2" ] ||
		t_fail "$2 give-up warnings expected: $(grep 'art given up' "$W_LOG")"
}
# quiet: no new attempt, no new warning for 1 s (four times the first
# retry's delay)
quiet() {
	_s=$(stalls) _g=$(log_count "$W_LOG" "$GAVEUP")
	sleep 1
	expect "$_s" "$_g"
}

# ---- MPD restarted while the attempts are under way.
play "$STALL"
id0=$(song_id)
wait_for 10 stalls_ge 2
mpd_stop # the second attempt is cut off (a drop, also an attempt)
mpd_start
n_restart=$(wc -l < "$PROXY_LOG")
id1=$(song_id)
[ -n "$id0" ] && [ -n "$id1" ] && [ "$id0" != "$id1" ] ||
	t_fail "MPD kept song id '$id0' across a restart ('$id1'): the case is not tested"
wait_log 1 "$GAVEUP" 30
expect $TRIES 1
[ "$(head -n "$n_restart" "$PROXY_LOG" | grep -c '^stall ')" -eq 2 ] ||
	t_fail "not 2 attempts before the restart and 1 after: $(cat "$PROXY_LOG")"
quiet
# "ms since the event" counts from the track change: at least from the
# first attempt to the end of the last one's 1 s timeout (less 50 ms for
# when the proxy, not the watcher, stamped them; counted from the last
# reconnect it would be about 1000).
since=$(grep "$GAVEUP" "$W_LOG" | sed -n 's/.*; \([0-9.]*\) ms since the event).*/\1/p')
[ -n "$since" ] || t_fail "no 'ms since the event' in: $(grep "$GAVEUP" "$W_LOG")"
awk -v since="$since" '/^stall / { t[n++] = $2 }
	END { exit !(n == 3 && since + 50 >= t[2] - t[0] + 1000) }' "$PROXY_LOG" ||
	t_fail "$since ms since the event, less than the attempts took: $(grep '^stall' "$PROXY_LOG")"

# ---- The same file under new ids after giving up: no new attempt.  First
# queued again and played (the first copy then removed, so that ids and
# positions differ), then MPD restarted (which numbers the queue afresh).
ctl add "$STALL" , add "$STALL" , play 2 , delete 0 >/dev/null
wait_log 1 "$STALL: new song id .*; art still given up"
c0=$(log_count "$W_LOG" 'connected to')
id0=$(song_id)
mpd_stop
mpd_start
id1=$(song_id)
[ -n "$id1" ] && [ "$id1" != "$id0" ] || t_fail "MPD kept song id $id0 across a restart ('$id1')"
wait_log $((c0 + 1)) 'connected to' 20
wait_log 2 "$STALL: new song id .*; art still given up"
quiet
expect $TRIES 1

# ---- SIGUSR1: three new attempts, one warning.
kill -USR1 "$W_PID"
wait_log 2 "$GAVEUP" 20
expect $((2 * TRIES)) 2
quiet

# ---- SIGHUP (a config reload): the same.
kill -HUP "$W_PID"
wait_log 3 "$GAVEUP" 20
expect $((3 * TRIES)) 3
quiet

# ---- Stop, then play the same song (same id): nothing to do.
ctl stop >/dev/null
ctl play 0 >/dev/null
quiet
expect $((3 * TRIES)) 3

# ---- Nothing playing, then the same file again: a new count.
n=$(log_count "$W_LOG" 'nothing playing')
ctl clear >/dev/null
wait_log $((n + 1)) 'nothing playing'
ctl add "$STALL" , play 0 >/dev/null
wait_log 4 "$GAVEUP" 20
expect $((4 * TRIES)) 4
quiet

watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "watcher exited $W_RC on SIGTERM"
exit 0
