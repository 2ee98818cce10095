#!/bin/sh
# The watcher notices every way a config file changes, not only a file
# written or renamed into its directory: a config that is a symbolic link
# into a dotfiles directory is re-read when the file it points to is
# edited there (by rename, as editors save, or in place) and when the link
# is pointed elsewhere, and no longer when the old target changes; a
# config file that is removed gives the defaults; a file replaced by a
# symbolic link is read at once (not only on SIGHUP); an editor's save in
# several steps (the old file moved aside, a new one written, the backup
# removed) ends with the new settings.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

mpd_start
play embedded-jpeg/track.flac
COVER="$IFIX/covers/embedded.jpg"
reloads() { wait_log "$1" "config file changed: configuration reloaded from $2\$"; }
expected_theme "$COVER" "$T/light.ron" --mode light
expected_theme "$COVER" "$T/dark.ron" --mode dark
cmp -s "$T/light.ron" "$T/dark.ron" && t_fail "light and dark give the same theme"

# The config is a link into a dotfiles directory.
mkdir -p "$T/dots" "$T/dots2"
printf 'mode = "light";\n' > "$T/dots/rtg.conf"
ln -s "$T/dots/rtg.conf" "$CONF"
MPD_HOST="$MPD_SOCK" watcher_start
wait_log 1 'embedded-jpeg/track.flac: theme published'
theme_is 1 --mode light

# Edited where it lives, saved by rename.
printf 'mode = "dark";\n' > "$T/dots/.rtg.conf.tmp"
mv "$T/dots/.rtg.conf.tmp" "$T/dots/rtg.conf"
reloads 1 "$CONF"
theme_is 2 --mode dark

# Edited in place.
printf 'mode = "light";\nk = 3;\n' > "$T/dots/rtg.conf"
reloads 2 "$CONF"
theme_is 3 --mode light --k 3

# The link pointed at another directory's file; that file's edits count,
# the old target's no longer do.
printf 'mode = "dark";\n' > "$T/dots2/other.conf"
ln -s "$T/dots2/other.conf" "$T/newlink"
mv "$T/newlink" "$CONF"
reloads 3 "$CONF"
theme_is 4 --mode dark
printf 'mode = "light";\nk = 5;\n' > "$T/dots/rtg.conf"
printf 'mode = "dark";\nk = 4;\n' > "$T/dots2/other.conf"
reloads 4 "$CONF"
theme_is 5 --mode dark --k 4
[ "$(log_count "$W_LOG" 'config file changed')" -eq 4 ] ||
	t_fail "the old target's edit was taken as a change: $(cat "$W_LOG")"

# Removed: the defaults.
rm "$CONF"
wait_log 1 'config file changed: configuration reloaded from (defaults, no file)$'
theme_is 6

# A regular file, then replaced by a symbolic link (rm, ln -s).
printf 'mode = "light";\n' > "$CONF"
reloads 5 "$CONF"
theme_is 7 --mode light
rm "$CONF"
ln -s "$T/dots2/other.conf" "$CONF"
reloads 6 "$CONF"
theme_is 8 --mode dark --k 4

# An editor's save in steps, on the regular file again.
rm "$CONF"
printf 'mode = "light";\n' > "$CONF"
reloads 7 "$CONF"
theme_is 9 --mode light
mv "$CONF" "$CONF~"
printf 'mode = "dark";\nk = 6;\n' > "$CONF"
rm "$CONF~"
theme_is 10 --mode dark --k 6

watcher_stop
[ "$W_RC" -eq 0 ] || t_fail "exit status $W_RC"
exit 0
