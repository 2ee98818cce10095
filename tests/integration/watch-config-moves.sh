#!/bin/sh
# Config changes the watcher must not miss when directories move: a
# dotfiles directory the config links into is moved aside and made again
# (its new file is read, and later edits of it, not of the old copy); the
# config's own directory renamed away and made again; a --config file's
# directory removed and made again; a link that dangles at start whose
# target then appears.  A new file written slowly is read once, whole; an
# edit made while the inotify queue overflowed is still read.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

mpd_start
play embedded-jpeg/track.flac
COVER="$IFIX/covers/embedded.jpg"
D=$(dirname "$CONF")
reloads() { log_count "$W_LOG" 'configuration reloaded'; }

# The dotfiles directory moved aside (the link dangles: the defaults), then
# cloned again.
mkdir -p "$T/dots"
printf 'mode = "light";\n' > "$T/dots/rtg.conf"
ln -s "$T/dots/rtg.conf" "$CONF"
MPD_HOST="$MPD_SOCK" watcher_start
wait_log 1 'embedded-jpeg/track.flac: theme published'
theme_is 1 --mode light
mv "$T/dots" "$T/dots.bak"
wait_log 1 'config file changed: configuration reloaded from (defaults, no file)$'
mkdir "$T/dots"
printf 'mode = "dark";\n' > "$T/dots/rtg.conf"
wait_log 1 "config file changed: configuration reloaded from $CONF\$"
theme_is 2 --mode dark
printf 'mode = "dark";\nk = 3;\n' > "$T/dots/rtg.conf"
wait_log 2 "config file changed: configuration reloaded from $CONF\$"
theme_is 3 --mode dark --k 3
n=$(reloads)
printf 'k = 9;\n' > "$T/dots.bak/rtg.conf"
sleep 0.5
[ "$(reloads)" -eq "$n" ] || t_fail "an edit of the moved-away copy was read"

# The config's own directory renamed away and made again.
rm "$CONF"
printf 'mode = "light";\n' > "$CONF"
wait_log 3 "config file changed: configuration reloaded from $CONF\$"
mv "$D" "$D.old"
wait_log 2 'config file changed: configuration reloaded from (defaults, no file)$'
mkdir "$D"
printf 'mode = "light";\nk = 5;\n' > "$CONF"
wait_log 4 "config file changed: configuration reloaded from $CONF\$"
theme_is 4 --mode light --k 5
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"

# A link that dangles at start: the defaults, then its target appears.
rm -rf "$D" "$D.old" "$T/dots"
mkdir -p "$D"
ln -s "$T/dots/rtg.conf" "$CONF"
MPD_HOST="$MPD_SOCK" watcher_start
wait_log 1 'embedded-jpeg/track.flac: theme \(published\|unchanged\)'
mkdir "$T/dots"
printf 'mode = "dark";\nk = 4;\n' > "$T/dots/rtg.conf"
wait_log 1 "config file changed: configuration reloaded from $CONF\$"
theme_is 5 --mode dark --k 4

# A new file written slowly: read once, when it is whole.
rm "$CONF"
wait_log 1 'config file changed: configuration reloaded from (defaults, no file)$'
n=$(reloads)
{ printf 'mode = "light";\n'; sleep 0.4; printf 'k = 6;\n'; } > "$CONF"
wait_log 2 "config file changed: configuration reloaded from $CONF\$"
theme_is 6 --mode light --k 6
sleep 0.3
[ "$(reloads)" -eq $((n + 1)) ] || t_fail "a slowly written file was read $(( $(reloads) - n )) times"
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"

# --config F: its directory removed (reported, the settings stay) and made
# again with the file.
mkdir -p "$T/d"
printf 'mode = "light";\n' > "$T/d/rtg.conf"
MPD_HOST="$MPD_SOCK" watcher_start --config "$T/d/rtg.conf"
wait_log 1 'embedded-jpeg/track.flac: theme \(published\|unchanged\)'
rm -r "$T/d"
wait_log 1 "config file changed: $T/d/rtg.conf: .*; keeping the previous configuration"
mkdir "$T/d"
printf 'mode = "dark";\n' > "$T/d/rtg.conf"
wait_log 1 "config file changed: configuration reloaded from $T/d/rtg.conf\$"
theme_is 7 --mode dark

# More events than the kernel queues while the watcher is stopped: the
# overflow is read as "anything may have changed".
max=$(cat /proc/sys/fs/inotify/max_queued_events 2>/dev/null || echo 16384)
kill -STOP "$W_PID"
(cd "$T/d" && seq 1 "$max" | sed 's/^/f/' | xargs touch)
printf 'mode = "light";\n' > "$T/d/rtg.conf"
kill -CONT "$W_PID"
wait_log 2 "config file changed: configuration reloaded from $T/d/rtg.conf\$"
theme_is 8 --mode light
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"
exit 0
