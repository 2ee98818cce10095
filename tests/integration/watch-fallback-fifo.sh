#!/bin/sh
# fallback = "image" with a FIFO as fallback_image: the watcher opens it
# without waiting for a writer, so a FIFO nobody writes to reads as empty
# at once.  That empty image fails as a fallback ("fallback failed", one
# line) and the current theme stays, as for any unusable fallback_image;
# the watcher does not hang and goes on with the next track.  A writer on
# the FIFO still feeds it: its image becomes the fallback theme.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

# Should the watcher hang in open(), SIGTERM would not end it (the signal
# waits for its signalfd): the cleanup kills it outright instead.
trap 'rc=$?; [ -n "$W_PID" ] && kill -KILL "$W_PID" 2>/dev/null; (exit $rc); h_cleanup' EXIT

mkfifo "$T/fallback.fifo"
printf 'mpd_host = "%s";\nfallback = "image";\nfallback_image = "%s";\n' \
	"$MPD_SOCK" "$T/fallback.fifo" > "$CONF"
mpd_start
play embedded-jpeg/track.flac
watcher_start
wait_log 1 'embedded-jpeg/track.flac: theme published'
cp "$THEME" "$T/before.ron"

# No writer: empty, at once.  One line, the theme kept.
n0=$(wc -l < "$W_LOG")
play no-art/track.flac
wait_log 1 "no-art/track.flac: no album art; fallback failed: .*; keeping the current theme" 5
sleep 0.1
[ "$(tail -n +$((n0 + 1)) "$W_LOG" | grep -c 'no-art/track.flac')" -eq 1 ] ||
	t_fail "not exactly one line: $(tail -n +$((n0 + 1)) "$W_LOG")"
same_file "$THEME" "$T/before.ron" || t_fail "theme changed by an empty fallback_image"
# Not stuck: the next track with art is published.
play folder-jpg/track.flac
wait_log 1 'folder-jpg/track.flac: theme published' 5
expected_theme "$IFIX/covers/folder.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "folder-jpg after the FIFO fallback"

# A writer waiting on the FIFO: the fallback reads its image.  (The
# writer blocks in open() until the watcher opens the FIFO: bounded, so
# that it cannot outlive a failed test.)
timeout 10 sh -c 'cat "$1" > "$2"' sh "$IFIX/covers/apic.jpg" "$T/fallback.fifo" &
CAT_PID=$!
# The writer must be waiting in open() before the watcher opens the FIFO,
# or the watcher reads it as empty: wait (at most 2 s) until the shell
# under timeout sleeps in the kernel's FIFO open, as /proc tells.
in_fifo_open() {
	for _p in $(cat "/proc/$CAT_PID/task/$CAT_PID/children" 2>/dev/null); do
		[ "$(cat "/proc/$_p/wchan" 2>/dev/null)" = wait_for_partner ] && return 0
		case $(cut -d' ' -f1 "/proc/$_p/syscall" 2>/dev/null) in 2|257) return 0 ;; esac
	done
	return 1
}
_i=0
while [ $_i -lt 100 ] && ! in_fifo_open; do
	sleep 0.02
	_i=$((_i + 1))
done
play no-art/track.flac
wait_log 1 'no-art/track.flac: theme published (.*from fallback_image because: no album art' 5
expected_theme "$IFIX/covers/apic.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "not the theme of the image written to the FIFO"
wait "$CAT_PID" || t_fail "writer: exit $?"

watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"
exit 0
