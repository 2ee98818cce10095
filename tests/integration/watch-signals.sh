#!/bin/sh
# Signals and reloads: SIGHUP re-reads the config and the template; the
# config edited in place or saved by rename (as editors do) is reloaded by
# itself; a bad config on reload keeps the old one (file:line said);
# SIGUSR1 regenerates bypassing the cache; a second watcher is refused
# naming the first one's pid; SIGTERM exits 0 leaving no temp files.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

cp "$top_srcdir/conf/templates/rmpc-0.11.ron" "$T/tmpl.ron"
mpd_start
play embedded-jpeg/track.flac
COVER="$IFIX/covers/embedded.jpg"
printf 'mpd_host = "%s";\ntemplate = "%s";\n' "$MPD_SOCK" "$T/tmpl.ron" > "$CONF"
watcher_start
wait_log 1 'embedded-jpeg/track.flac: theme published'
expected_theme "$COVER" "$T/e.ron" --template "$T/tmpl.ron"
same_file "$THEME" "$T/e.ron" || t_fail "first theme"

# A second instance is refused, naming the running one.
"$RTG_BIN" --watch > "$T/second.log" 2>&1 && t_fail "second watcher started"
grep -q "already running (pid $W_PID" "$T/second.log" || t_fail "no pid: $(cat "$T/second.log")"

# SIGHUP: the template (outside the watched directory) is read again.
sed '1i // edited' "$T/tmpl.ron" | sed 's/{{ *accent *}}/{{accent2}}/' > "$T/tmpl2.ron"
cmp -s "$T/tmpl.ron" "$T/tmpl2.ron" && t_fail "template edit did nothing"
cp "$T/tmpl2.ron" "$T/tmpl.ron"
kill -HUP "$W_PID"
wait_log 1 'SIGHUP: configuration reloaded'
wait_log 2 'embedded-jpeg/track.flac: theme published'
expected_theme "$COVER" "$T/e2.ron" --template "$T/tmpl.ron"
same_file "$THEME" "$T/e2.ron" || t_fail "SIGHUP did not apply the new template"

# Saved by rename, as editors do: k = 3.
printf 'mpd_host = "%s";\nk = 3;\n' "$MPD_SOCK" > "$CONF.new"
mv "$CONF.new" "$CONF"
wait_log 1 'config file changed: configuration reloaded'
wait_log 3 'embedded-jpeg/track.flac: theme published'
expected_theme "$COVER" "$T/e3.ron" --k 3
same_file "$THEME" "$T/e3.ron" || t_fail "k = 3 from the renamed config not applied"

# Edited in place; a bad value is refused with file:line, the old config
# stays (k = 3), and the watcher goes on.
printf 'mpd_host = "%s";\nk = 300;\n' "$MPD_SOCK" > "$CONF"
wait_log 1 "$CONF:2: k: out of range.*keeping the previous configuration"
kill -0 "$W_PID" || t_fail "watcher died on a bad config"
play folder-jpg/track.flac
wait_log 1 'folder-jpg/track.flac: theme published'
expected_theme "$IFIX/covers/folder.jpg" "$T/e4.ron" --k 3
printf 'mpd_host = "%s";\nk = 3;\n' "$MPD_SOCK" > "$CONF"
wait_log 3 'configuration reloaded'
# options as before: the theme comes from the cache kept across the reload
wait_log 1 'folder-jpg/track.flac: theme unchanged (cache hit (memory), no decode'
same_file "$THEME" "$T/e4.ron" || t_fail "old config (k = 3) not kept after a bad reload"

# SIGUSR1: regenerated without the cache (a decode, not a hit); identical
# bytes, so nothing is written.
gen=$(log_count "$W_LOG" 'generated:')
kill -USR1 "$W_PID"
wait_log 1 'SIGUSR1: regenerating'
wait_log $((gen + 1)) 'generated:'
wait_log 1 'folder-jpg/track.flac: theme unchanged (generated'

# SIGTERM: exit 0, nothing left behind.
watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC on SIGTERM"
grep -q 'Terminated: exiting' "$W_LOG" || t_fail "no exit line"
ls -A "$(dirname "$THEME")" | grep -v '^current-song.ron$' && t_fail "temp files next to the theme"
find "$XDG_CACHE_HOME" -name '*.tmp*' | grep . && t_fail "temp files in the cache"
ls "$XDG_CACHE_HOME/rmpc-theme-gen/" | grep -q '\.ron$' || t_fail "nothing cached on disk"

# SIGINT too.
watcher_start
wait_log 1 'connected to'
kill -INT "$W_PID"
W_RC=0; wait "$W_PID" || W_RC=$?; W_PID=
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC on SIGINT"
exit 0
