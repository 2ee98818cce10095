#!/bin/sh
# A server that never answers one song's art request, or hangs up on it
# (a hostile middleman in front of a real MPD, tests/integration/mpdproxy):
# the watcher tries that song's art a bounded number of times, spaced by
# the reconnect backoff, then gives the art up: the configured fallback
# (here the neutral theme) is published once, one log line says why, and
# it stays connected and idle until the next player event.  A timeout is
# quiet (MPD is up: no lost/connected lines); a dropped connection is
# reported like any other.  The next track is themed normally, and a new
# song starts the count again.  mpd_timeout = 0.3 is applied as 1 s: the
# only resolution libmpdclient gets right (src/mpd.c).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

STALL=embedded-jpeg/track.flac # art requests never answered
DROP=folder-jpg/track.flac     # art requests close the connection
TRIES=3                        # ART_MAX_TRIES in src/watch.c

mpd_start
proxy_start -s "$STALL" -c "$DROP"
printf 'mpd_host = "%s";\nmpd_timeout = 0.3;\nfallback = "neutral";\n' "$PROXY_SOCK" > "$CONF"
observe_start
watcher_start
wait_log 1 'connected to'
wait_log 1 'nothing playing'
play embedded-png/track.flac
wait_log 1 'embedded-png/track.flac: theme published (generated'

proxy_count() { grep -c -E "^$1( |\$)" "$PROXY_LOG" || true; }
# the log after line N, without the "nothing playing" that play's
# clear-add-play may cause
new_lines() { tail -n +$(($1 + 1)) "$W_LOG" | grep -v 'nothing playing' || true; }
n_new() { new_lines "$1" | wc -l; }
# quiet_after N: the log keeps N lines and the proxy sees no new attempt
# for 1 s, four times the first retry's delay (250 ms).
quiet_after() {
	_s=$(proxy_count stall) _c=$(proxy_count close)
	sleep 1
	[ "$(wc -l < "$W_LOG")" -eq "$1" ] || t_fail "log still growing: $(new_lines "$1")"
	[ "$(proxy_count stall)" -eq "$_s" ] && [ "$(proxy_count close)" -eq "$_c" ] ||
		t_fail "art requested again after giving up: $(cat "$PROXY_LOG")"
}

# ---- Timeout: three attempts, then the neutral theme, one line.
n0=$(wc -l < "$W_LOG")
play "$STALL"
wait_log 1 "$STALL: theme published (neutral fallback theme because: no answer to the art request within 1 s (mpd_timeout) in $TRIES attempts" 20
[ "$(proxy_count stall)" -eq $TRIES ] || t_fail "attempts: $(cat "$PROXY_LOG")"
cp "$THEME" "$T/fallback.ron"
n1=$(wc -l < "$W_LOG")
[ "$(n_new "$n0")" -eq 1 ] || t_fail "not one log line for the timeouts: $(new_lines "$n0")"
grep -q "warning: $STALL: theme published" "$W_LOG" || t_fail "give-up is not a warning"
quiet_after "$n1"
# Spaced by the backoff: each retry waits the timeout (1 s, not 0.3 ms)
# plus 250, then 500 ms.
awk '/^stall / { t[n++] = $2 }
     END { exit !(t[1] - t[0] >= 1000 + 250 && t[2] - t[1] >= 1000 + 500) }' "$PROXY_LOG" ||
	t_fail "attempts not spaced by the backoff: $(grep '^stall' "$PROXY_LOG")"
# Still connected: 1 + TRIES connections, all but the last hung up by the
# watcher after its timeout.
[ "$(proxy_count accept)" -eq $((1 + TRIES)) ] && [ "$(proxy_count eof)" -eq $TRIES ] ||
	t_fail "connections: $(grep -v '^stall' "$PROXY_LOG")"

# ---- The next track is themed normally (idle was waiting for it).
play mp3-apic/track.mp3
wait_log 1 'mp3-apic/track.mp3: theme published (generated'
expected_theme "$IFIX/covers/apic.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "theme differs from --image apic.jpg"

# ---- Dropped connection: reported as lost each time, same bound.
n0=$(wc -l < "$W_LOG")
play "$DROP"
wait_log 1 "warning: $DROP: theme published (neutral fallback theme because: connection lost during the art request in $TRIES attempts" 20
wait_log $((1 + TRIES)) 'connected to'
n1=$(wc -l < "$W_LOG")
quiet_after "$n1"
[ "$(proxy_count close)" -eq $TRIES ] || t_fail "attempts: $(cat "$PROXY_LOG")"
[ "$(new_lines "$n0" | grep -c 'lost MPD')" -eq $TRIES ] &&
[ "$(new_lines "$n0" | grep -c 'connected to')" -eq $TRIES ] &&
[ "$(new_lines "$n0" | grep -c "$DROP")" -eq 1 ] &&
[ "$(n_new "$n0")" -eq $((2 * TRIES + 1)) ] || t_fail "log lines for the drops: $(new_lines "$n0")"
same_file "$THEME" "$T/fallback.ron" || t_fail "not the neutral theme after the drops"

# ---- The fallback was the neutral theme: what a song without art gets.
play embedded-png/track.flac
wait_log 1 'embedded-png/track.flac: theme published (cache hit'
play no-art/track.flac
wait_log 1 'no-art/track.flac: theme published (neutral fallback theme because: no album art'
same_file "$THEME" "$T/fallback.ron" || t_fail "fallback differs from the neutral theme"

# ---- A new song starts the count again: the dropping one gets its tries.
play "$DROP"
wait_log 1 "$DROP: theme unchanged (neutral fallback theme because: connection lost"
[ "$(proxy_count close)" -eq $((2 * TRIES)) ] || t_fail "attempts: $(cat "$PROXY_LOG")"

watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "watcher exited $W_RC on SIGTERM"
kill "$OBS_PID"; wait "$OBS_PID" 2>/dev/null || true; OBS_PID=
events=$(grep -c '^[0-9]' "$OBS_LOG" || true)
n=$(log_count "$W_LOG" 'theme published')
[ "$events" -eq "$n" ] || t_fail "observer saw $events events for $n themes"
grep -v '^ready' "$OBS_LOG" | grep -v ' ok$' && t_fail "observer read an invalid theme"

# ---- fallback = "keep": after the tries, one warning, the theme untouched.
printf 'mpd_host = "%s";\nmpd_timeout = 0.3;\nfallback = "keep";\n' "$PROXY_SOCK" > "$CONF"
play embedded-png/track.flac
watcher_start
wait_log 1 'embedded-png/track.flac: theme published'
cp "$THEME" "$T/before.ron"
n0=$(wc -l < "$W_LOG")
play "$STALL"
wait_log 1 "warning: $STALL: no answer to the art request.*art given up for this file; keeping the current theme" 20
n1=$(wc -l < "$W_LOG")
[ "$(n_new "$n0")" -eq 1 ] || t_fail "keep: not one log line: $(new_lines "$n0")"
quiet_after "$n1"
[ "$(proxy_count stall)" -eq $((2 * TRIES)) ] || t_fail "attempts: $(cat "$PROXY_LOG")"
same_file "$THEME" "$T/before.ron" || t_fail "keep: theme changed"
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "watcher exited $W_RC on SIGTERM"
exit 0
