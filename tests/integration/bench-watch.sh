#!/bin/sh
# bench-watch.sh - the watcher's latency benchmark (not a test):
# track change -> new theme closed on disk, with a real MPD, measured from
# the moment the "play" command is sent (CLOCK_MONOTONIC, mpdctl -t) to
# the IN_CLOSE_WRITE an rmpc-like observer sees on the theme.  Covers
# alternate between two images of a kind so that every change publishes a
# new theme; the cache is off so every change decodes.  Then the idle
# watcher's CPU use (over IDLE seconds) and RSS, from /proc.
#
#   make bench-watch [BENCH_WATCH_N=31]
#   or: RTG_BIN=... top_srcdir=... top_builddir=... sh bench-watch.sh [N]
#
# TYPICAL="a.jpg b.jpg" and LARGE="c.jpg d.jpg" pick the covers (default:
# generated, ~1000x1000 JPEG of ~190 KB and 3370x3370 JPEG of ~4.6 MB,
# embedded in FLAC tracks).  IDLE (seconds, default 5).
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"
N=${1:-31}
IDLE=${IDLE:-5}

if [ -z "${TYPICAL:-}" ]; then
	"$MKART" jpeg 1000 1000 85 13 "$T/typ1.jpg" 1
	"$MKART" jpeg 1000 1000 85 13 "$T/typ2.jpg" 2
	TYPICAL="$T/typ1.jpg $T/typ2.jpg"
fi
if [ -z "${LARGE:-}" ]; then
	# seeds differ from the typical covers': the same colours at another
	# size give the same theme, which is (rightly) not published again
	"$MKART" jpeg 3370 3370 92 9 "$T/big1.jpg" 3
	"$MKART" jpeg 3370 3370 92 9 "$T/big2.jpg" 4
	LARGE="$T/big1.jpg $T/big2.jpg"
fi
mkdir -p "$MPD_MUSIC/bench"
i=0
for f in $TYPICAL $LARGE; do
	i=$((i + 1))
	"$MKART" embed "$IFIX/music/no-art/track.flac" image/jpeg "$f" "$MPD_MUSIC/bench/$i.flac"
done

printf 'mpd_host = "%s";\ncache = false;\n' "$MPD_SOCK" > "$CONF"
mpd_start
ctl update >/dev/null
ctl clear , add bench/1.flac , add bench/2.flac , add bench/3.flac , add bench/4.flac >/dev/null
observe_start
watcher_start
wait_log 1 'connected to'

events() { grep -c '^[0-9]' "$OBS_LOG" || true; }
more_events() { [ "$(events)" -gt "$1" ]; }
# measure POS_A POS_B: N changes alternating between two queue positions;
# prints one latency (ms) per line
measure() {
	k=0
	while [ $k -lt "$N" ]; do
		pos=$(( k % 2 == 0 ? $1 : $2 ))
		before=$(events)
		sent=$("$MPDCTL" -t "$MPD_SOCK" play "$pos" | awk '$1 == "t" { print $2 }')
		wait_for 20 more_events "$before"
		closed=$(grep '^[0-9]' "$OBS_LOG" | tail -n 1 | awk '{ print $1 }')
		echo "$closed $sent" | awk '{ printf "%.2f\n", $1 - $2 }'
		k=$((k + 1))
	done
}
stats() { # median, min, max of the numbers on stdin
	sort -n | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "median %.1f ms (min %.1f, max %.1f, n %d)\n", m, v[1], v[NR], NR }'
}
bytes() { for f in "$@"; do wc -c < "$f"; done | awk '{ s = s " " $1 } END { print s }'; }

# a first change warms the page cache and the decoder
ctl play 2 >/dev/null; wait_for 20 more_events 0
measure 0 1 > "$T/typical"
measure 2 3 > "$T/large"
grep -q 'INVALID\|UNREADABLE' "$OBS_LOG" && echo "WARNING: the observer read a bad theme"

pid=$W_PID
cpu0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep "$IDLE"
cpu1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
hz=$(getconf CLK_TCK)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
wchan=$(cat "/proc/$pid/wchan" 2>/dev/null || echo '?')

echo "rmpc-theme-gen watcher, $(nproc) CPUs, MPD $(mpd --version | head -n 1 | awk '{ print $4 }')"
echo "track change -> theme closed on disk (observer IN_CLOSE_WRITE), cache off:"
echo "  typical covers (bytes:$(bytes $TYPICAL)): $(stats < "$T/typical")"
echo "  large covers   (bytes:$(bytes $LARGE)): $(stats < "$T/large")"
echo "  watcher's own 'since the event' (poll wake -> published):"
sed -n 's/.*theme published.*; \([0-9.]*\) ms since the event.*/\1/p' "$W_LOG" > "$T/self"
echo "    all changes: $(stats < "$T/self")"
echo "idle for ${IDLE}s: CPU $((cpu1 - cpu0)) ticks (1/$hz s), waiting in $wchan"
echo "RSS ${rss} kB now, peak ${hwm} kB (VmHWM, during the large decodes)"
watcher_stop
