#!/bin/sh
# Config reloads the watcher must not miss: a config file that did not
# exist when the watcher started is read when it appears, also when its
# directory is created with it; the command line still wins over the file
# after every reload (file change and SIGHUP).  A config that becomes a
# directory (or a FIFO) is reported on reload and the previous settings
# stay: the watcher neither dies (libconfig 1.5 exited 2 on a directory)
# nor blocks, and goes on publishing.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

mpd_start
play embedded-jpeg/track.flac
COVER="$IFIX/covers/embedded.jpg"
CONFDIR=$(dirname "$CONF")
# theme_events N: N lines of the song's theme published or unchanged
theme_events() { wait_log "$1" 'embedded-jpeg/track.flac: theme \(published\|unchanged\)'; }

# No config directory at all; the server comes from MPD_HOST.
rm -rf "$CONFDIR"
MPD_HOST="$MPD_SOCK" watcher_start --k 4
theme_events 1
expected_theme "$COVER" "$T/e1.ron" --k 4
same_file "$THEME" "$T/e1.ron" || t_fail "--k 4 at start"

# The directory and the file appear, as 'mkdir -p' and an editor make them.
mkdir -p "$CONFDIR"
printf 'k = 3;\nmode = "light";\n' > "$CONF"
wait_log 1 'config file changed: configuration reloaded from .*/rmpc-theme-gen/config'
theme_events 2
expected_theme "$COVER" "$T/e2.ron" --k 4 --mode light
same_file "$THEME" "$T/e2.ron" || t_fail "new file: mode from the file, k from the command line"

# SIGHUP: the file's new mode, the command line's k (the file also
# changed, which reloads too: watch-config-links.sh).
printf 'k = 6;\nmode = "dark";\n' > "$CONF"
expected_theme "$COVER" "$T/e3.ron" --k 4 --mode dark
cmp -s "$T/e2.ron" "$T/e3.ron" && t_fail "light and dark give the same theme"
kill -HUP "$W_PID"
wait_log 1 'SIGHUP: configuration reloaded'
wait_for 10 same_file "$THEME" "$T/e3.ron"
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"

# The directory exists, the file does not: it appears by rename.
rm "$CONF"
MPD_HOST="$MPD_SOCK" watcher_start
theme_events 1
expected_theme "$COVER" "$T/e4.ron"
same_file "$THEME" "$T/e4.ron" || t_fail "defaults at start"
printf 'mode = "light";\n' > "$T/conf.tmp"
mv "$T/conf.tmp" "$CONF"
wait_log 1 'config file changed: configuration reloaded'
expected_theme "$COVER" "$T/e5.ron" --mode light
cmp -s "$T/e4.ron" "$T/e5.ron" && t_fail "auto and light give the same theme"
wait_for 10 same_file "$THEME" "$T/e5.ron"
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"

# --config F, then F becomes a directory: the file-change reload and
# SIGHUP each report it in one line and keep mode = "light".
printf 'mode = "light";\n' > "$T/explicit.conf"
MPD_HOST="$MPD_SOCK" watcher_start --config "$T/explicit.conf"
theme_events 1
same_file "$THEME" "$T/e5.ron" || t_fail "--config: mode from the file at start"
rm "$T/explicit.conf"
mkdir "$T/explicit.conf"
kill -HUP "$W_PID"
wait_log 1 "^.*SIGHUP: $T/explicit.conf: a directory, not a config file; keeping the previous configuration\$"
kill -0 "$W_PID" 2>/dev/null || t_fail "the watcher died on a config that became a directory"
play embedded-png/track.flac
wait_log 1 'embedded-png/track.flac: theme published'
expected_theme "$IFIX/covers/embedded.png" "$T/e6.ron" --mode light
same_file "$THEME" "$T/e6.ron" || t_fail "after the failed reload: not the previous settings"
# A FIFO there does not block the watcher: it still answers SIGHUP.
rmdir "$T/explicit.conf"
mkfifo "$T/explicit.conf"
kill -HUP "$W_PID"
wait_log 1 "SIGHUP: $T/explicit.conf: a FIFO, not a config file; keeping the previous configuration"
kill -HUP "$W_PID"
wait_log 2 "SIGHUP: $T/explicit.conf: a FIFO, not a config file"
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"

# The default path becomes a directory (in one step: a link to one moved
# there): reported, on the change and on SIGHUP, not taken as "no config
# file" (which would have dropped mode = "light").
MPD_HOST="$MPD_SOCK" watcher_start
wait_log 1 'embedded-png/track.flac: theme \(published\|unchanged\)'
same_file "$THEME" "$T/e6.ron" || t_fail "default path: mode from the file at start"
mkdir "$T/adir"
ln -s "$T/adir" "$T/adir.link"
mv "$T/adir.link" "$CONF"
wait_log 1 "config file changed: $CONF: a directory, not a config file; keeping the previous configuration"
kill -HUP "$W_PID"
wait_log 1 "SIGHUP: $CONF: a directory, not a config file; keeping the previous configuration"
kill -0 "$W_PID" 2>/dev/null || t_fail "the watcher died on a config that became a directory"
play embedded-jpeg/track.flac
wait_log 1 'embedded-jpeg/track.flac: theme published'
same_file "$THEME" "$T/e5.ron" || t_fail "default path: the previous settings were not kept"
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"
exit 0
