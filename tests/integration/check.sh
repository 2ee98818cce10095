#!/bin/sh
# rmpc-theme-gen --check: each problem found with its fix, the exit status
# says which kind (69 MPD, 78 setup), 0 when rmpc will load and hot-reload
# the theme.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

RMPC="$XDG_CONFIG_HOME/rmpc/config.ron"
doctor() { rc=0; "$RTG_BIN" --check > "$T/out" 2>&1 || rc=$?; }
has() { grep -q -- "$1" "$T/out" || t_fail "--check output lacks '$1':
$(cat "$T/out")"; }
lacks() { ! grep -q -- "$1" "$T/out" || t_fail "--check output has '$1':
$(cat "$T/out")"; }

# MPD down: 69, with a fix.
printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
doctor
[ $rc -eq 69 ] || t_fail "MPD down: exit $rc"
has "FAIL   MPD (from config) is not reachable: $MPD_SOCK: cannot connect"
grep -q "$MPD_SOCK.*$MPD_SOCK" "$T/out" && t_fail "the server named twice: $(cat "$T/out")"
has 'fix: start MPD'

mpd_start
play embedded-jpeg/track.flac
# No rmpc config yet: 78.
doctor
[ $rc -eq 78 ] || t_fail "no rmpc config: exit $rc"
has 'ok     MPD at'
has 'readpicture, albumart and binarylimit supported'
has 'current song embedded-jpeg/track.flac: .* bytes of embedded art, a 160x160 jpeg'
# Art that does not decode is named as such, not as fine.
play corrupt/track.flac
doctor
has 'note   current song corrupt/track.flac: .* bytes of embedded art that cannot be used: '
play embedded-jpeg/track.flac
has "fix: create $RMPC"

# rmpc's config.ron that does not parse is said to be so, with the line,
# not said to set no theme.
echo 'garbage (((' > "$RMPC"
doctor
[ $rc -eq 78 ] || t_fail "unparsable config.ron: exit $rc"
has "FAIL   $RMPC:1: rmpc cannot parse it: the '(' of this line is never closed"
has "fix: correct $RMPC at line 1"
lacks "sets no theme"
printf '(\n    theme: Some("current-song"),\n    tabs: [(name: "Queue"),),\n)\n' > "$RMPC"
doctor
[ $rc -eq 78 ] || t_fail "mismatched bracket: exit $rc"
has "FAIL   $RMPC:3: rmpc cannot parse it: ')' closes the '.' of line 3"
lacks "is this file"
# theme: "current-song" needs implicit_some; then all is well: 0.  One
# verdict for the line: the failure, not also an "ok".
printf '(\n    volume_step: 5,\n    theme: "current-song",\n)\n' > "$RMPC"
doctor
[ $rc -eq 78 ] || t_fail "bare string without implicit_some: exit $rc"
has "FAIL   $RMPC:3: theme \"current-song\" (this file) is a bare string without #!\[enable(implicit_some)\]: rmpc rejects it"
has "fix: in $RMPC:3 write theme: Some(\"current-song\")"
lacks "is this file"
lacks "^ok .*$RMPC:3"
# ... a commented-out attribute does not count
printf '// #![enable(implicit_some)]\n(\n    theme: "current-song",\n)\n' > "$RMPC"
doctor
[ $rc -eq 78 ] || t_fail "implicit_some commented out: exit $rc"
has "FAIL   $RMPC:3: theme \"current-song\" (this file) is a bare string without"
# RON that rmpc reads is not called unparsable: nested block comments,
# byte raw strings, non-ASCII char literals next to brackets ones.
cat > "$RMPC" <<'EOF_RON'
#![enable(implicit_some)]
(
    /* disabled:
    tabs: [ /* old */ (name: "Queue") ],
    */
    album_art: (method: Auto, bytes: br"C:\", marks: ['é','(', '\u{1F600}',')']),
    theme: "current-song",
)
EOF_RON
doctor
[ $rc -eq 0 ] || t_fail "valid RON called bad: exit $rc: $(cat "$T/out")"
lacks "cannot parse"
# A byte that is not text is shown as a number, not copied raw.
printf '\357\273\277(theme: Some("current-song"))\n' > "$RMPC"
doctor
has "rmpc cannot parse it: byte 0xEF outside the config's ( ... )"
printf '#![enable(implicit_some)]\n(\n    // theme: "other",\n    theme: "current-song",\n)\n' > "$RMPC"
doctor
[ $rc -eq 0 ] || t_fail "good setup: exit $rc: $(cat "$T/out")"
has "$RMPC:4: theme \"current-song\" is this file"
has "rmpc's hot reload is on"
has 'no watcher is running'
# -q: only the failures and their fixes; nothing when all is well.
rc=0; "$RTG_BIN" --check -q > "$T/out" 2>&1 || rc=$?
[ $rc -eq 0 ] || t_fail "-q, good setup: exit $rc"
[ ! -s "$T/out" ] || t_fail "-q, good setup, prints: $(cat "$T/out")"
printf '#![enable(implicit_some)]\n(theme: "current-song", enable_config_hot_reload: false)\n' > "$RMPC"
rc=0; "$RTG_BIN" --check -q > "$T/out" 2>&1 || rc=$?
[ $rc -eq 78 ] || t_fail "-q, hot reload off: exit $rc"
has "^FAIL   rmpc's hot reload is off"
has "^       fix: set enable_config_hot_reload: true in $RMPC\$"
[ "$(grep -c . "$T/out")" -eq 2 ] || t_fail "-q prints more than the failure: $(cat "$T/out")"
printf '#![enable(implicit_some)]\n(\n    // theme: "other",\n    theme: "current-song",\n)\n' > "$RMPC"
# The theme path is a directory: said so, and the fix is not about
# permissions.
mkdir "$THEME"
doctor
[ $rc -eq 78 ] || t_fail "theme path a directory: exit $rc"
has "FAIL   theme path: $THEME is a directory\$"
has "fix: remove the directory $THEME: "
lacks "permissions"
rmdir "$THEME"
# ... a link to a directory: the fix removes the link, not the directory
mkdir -p "$T/dots/mythemes"
ln -s "$T/dots/mythemes" "$THEME"
doctor
has "fix: remove the link $THEME (it points to the directory $T/dots/mythemes)"
lacks "remove the directory"
rm "$THEME"
# themes/ a link to a directory that does not exist (dotfiles not cloned
# yet): it cannot be made there, publishing would fail.
mv "$(dirname "$THEME")" "$T/themes.away"
ln -s "$T/not-cloned/themes" "$(dirname "$THEME")"
doctor
[ $rc -eq 78 ] || t_fail "themes/ a dangling link: exit $rc"
has "FAIL   theme path: $THEME: $(dirname "$THEME") is a symbolic link to $T/not-cloned/themes, which does not exist"
rm "$(dirname "$THEME")"
mv "$T/themes.away" "$(dirname "$THEME")"
# No place for the watcher's lock (XDG_RUNTIME_DIR unset, the cache path
# too long for a file name): the other checks still run, the lock's is
# skipped with a note, and the setup is still good.
long=/$(printf '%4100s' '' | tr ' ' x)
rc=0
(unset XDG_RUNTIME_DIR; XDG_CACHE_HOME=$long "$RTG_BIN" --check) > "$T/out" 2>&1 || rc=$?
[ $rc -eq 0 ] || t_fail "no lock path: exit $rc: $(cat "$T/out")"
has 'ok     MPD at'
has "rmpc's hot reload is on"
has "note   no place for the watcher's lock: not checked whether a watcher is running"
grep -q 'no theme path' "$T/out" && t_fail "no lock path: $(cat "$T/out")"

# A theme of another name; an earlier candidate shadowing ours.
printf '(\n    theme: Some("mine"),\n    enable_config_hot_reload: false,\n)\n' > "$RMPC"
doctor
[ $rc -eq 78 ] || t_fail "other theme: exit $rc"
has 'theme "mine" is a file that does not exist'
has "hot reload is off"
# A theme named by an absolute path that does not exist: the advice is
# never a path glued into themes/ ("themes//abs/x.ron.ron").
printf '(theme: Some("%s/nowhere/x.ron"))\n' "$T" > "$RMPC"
doctor
[ $rc -eq 78 ] || t_fail "absolute theme path: exit $rc"
has "theme \"$T/nowhere/x.ron\" is a file that does not exist"
grep -q 'themes//' "$T/out" && t_fail "advice glues a path into themes/: $(cat "$T/out")"
# rmpc tries themes/NAME.ron before NAME.ron: a theme_output at NAME.ron
# is shadowed by an existing themes/NAME.ron.
printf '(theme: Some("current-song"))\n' > "$RMPC"
printf 'mpd_host = "%s";\ntheme_output = "%s";\n' "$MPD_SOCK" "$XDG_CONFIG_HOME/rmpc/current-song.ron" > "$CONF"
: > "$THEME"
doctor
[ $rc -eq 78 ] || t_fail "shadowed: exit $rc"
has "is $THEME, not $XDG_CONFIG_HOME/rmpc/current-song.ron"
rm "$THEME"
# Ours comes first but is not written yet, while a later candidate exists:
# rmpc takes ours as soon as it exists (a note, not a failure).
printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
: > "$XDG_CONFIG_HOME/rmpc/current-song.ron"
doctor
[ $rc -eq 0 ] || t_fail "ours first, not written yet: exit $rc: $(cat "$T/out")"
has "note   .*theme \"current-song\" is $XDG_CONFIG_HOME/rmpc/current-song.ron until $THEME exists"
rm "$XDG_CONFIG_HOME/rmpc/current-song.ron"
# No rmpc config at all, a theme_output of another name: the suggested
# config names that theme.
mv "$RMPC" "$T/rmpc.away"
printf 'mpd_host = "%s";\ntheme_output = "%s";\n' "$MPD_SOCK" "$XDG_CONFIG_HOME/rmpc/themes/cover.ron" > "$CONF"
doctor
has "fix: create $RMPC containing  (theme: Some(\"cover\"))"
mv "$T/rmpc.away" "$RMPC"

# A theme that is a symbolic link (a dotfile manager's) to a file outside
# rmpc's directory is never reloaded: the failure names the file the link
# points to, and the fix is to remove the link (a theme_output of the same
# path would change nothing).
printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
mkdir "$T/dotfiles"
"$RTG_BIN" --image "$IFIX/covers/embedded.jpg" --theme-output "$T/dotfiles/current-song.ron"
ln -s "$T/dotfiles/current-song.ron" "$THEME"
doctor
[ $rc -eq 78 ] || t_fail "theme linked outside: exit $rc"
has "FAIL   the theme $THEME is a symbolic link to $T/dotfiles/current-song.ron, outside rmpc's config directory $XDG_CONFIG_HOME/rmpc: "
has "fix: remove the link $THEME: "
lacks "theme_output"
rm "$THEME"
# The same through a linked themes directory: that link is named.
mv "$XDG_CONFIG_HOME/rmpc/themes" "$T/dotfiles/themes"
ln -s "$T/dotfiles/themes" "$XDG_CONFIG_HOME/rmpc/themes"
doctor
[ $rc -eq 78 ] || t_fail "themes directory linked outside: exit $rc"
has "FAIL   the theme $THEME is in $XDG_CONFIG_HOME/rmpc/themes, a symbolic link to $T/dotfiles/themes, outside "
has "fix: make $XDG_CONFIG_HOME/rmpc/themes a real directory instead of a link to $T/dotfiles/themes\$"
lacks "theme_output"
rm "$XDG_CONFIG_HOME/rmpc/themes"
mv "$T/dotfiles/themes" "$XDG_CONFIG_HOME/rmpc/themes"

# A theme outside rmpc's directory is never reloaded.
printf 'mpd_host = "%s";\ntheme_output = "%s";\n' "$MPD_SOCK" "$T/elsewhere.ron" > "$CONF"
doctor
[ $rc -eq 78 ] || t_fail "outside: exit $rc"
has "is outside rmpc's config directory"
has "fix: in $CONF set theme_output = \"$THEME\";"
# From the command line: the fix says so, and points at the theme rmpc's
# config names; the rest of the advice agrees, never the path outside.
printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
outside() { rc=0; "$RTG_BIN" --check --theme-output "$T/x/t.ron" > "$T/out" 2>&1 || rc=$?; }
outside
[ $rc -eq 78 ] || t_fail "outside, from --theme-output: exit $rc"
has "the theme $T/x/t.ron is outside"
has "fix: pass --theme-output $THEME instead (the path came from the command line)"
has "ok     $RMPC:1: theme \"current-song\" is $THEME, where the fix above puts the theme"
grep -q "Some(\"$T" "$T/out" && t_fail "advises the outside path: $(cat "$T/out")"
grep -q 'theme_output =' "$T/out" && t_fail "config advice for a command-line path: $(cat "$T/out")"
# Without rmpc's config: the same file name in rmpc's themes directory.
mv "$RMPC" "$T/rmpc.away"
outside
has "fix: pass --theme-output $XDG_CONFIG_HOME/rmpc/themes/t.ron instead"
has "fix: create $RMPC containing  (theme: Some(\"t\"))"
mv "$T/rmpc.away" "$RMPC"
# A relative --theme-output is relative to the directory the command runs
# in, made absolute once for every mode: --check judges, and --image writes
# and names, the same file the watcher would use.
rc=0; (cd "$(dirname "$THEME")" && "$RTG_BIN" --check --theme-output ./current-song.ron) \
	> "$T/out" 2>&1 || rc=$?
[ $rc -eq 0 ] || t_fail "relative --theme-output: exit $rc: $(cat "$T/out")"
has "ok     theme path: $THEME\$"
has "the theme $THEME is inside rmpc's config directory"
mkdir "$T/cwd"
(cd "$T/cwd" && "$RTG_BIN" -v --image "$IFIX/covers/embedded.jpg" --theme-output ./t.ron) \
	> "$T/out" 2>&1 || t_fail "--image, relative --theme-output: $(cat "$T/out")"
has "$T/cwd/t.ron: theme written"
[ -s "$T/cwd/t.ron" ] || t_fail "no theme in the working directory"
# A working directory that cannot be named (removed): a one-shot run still
# writes through the relative path; the watcher, which needs an absolute
# one, exits 73.
mkdir "$T/gone"
(cd "$T/gone" && rmdir "$T/gone" &&
	exec "$RTG_BIN" --image "$IFIX/covers/embedded.jpg" --theme-output ../gone.ron) \
	> "$T/out" 2>&1 || t_fail "--image in a removed directory: $(cat "$T/out")"
[ -s "$T/gone.ron" ] || t_fail "no theme written from a removed directory"
mkdir "$T/gone"
rc=0
(cd "$T/gone" && rmdir "$T/gone" &&
	exec timeout 10 "$RTG_BIN" --watch --theme-output ../w.ron) > "$T/out" 2>&1 || rc=$?
[ $rc -eq 73 ] || t_fail "--watch in a removed directory: exit $rc: $(cat "$T/out")"
has "a relative path, and the working directory is unknown"
# Without HOME the password database gives the home directory (the same
# lookup as the cache's and the lock's).  --check only looks, so the real
# home is safe.
pwhome=$(getent passwd "$(id -u)" | cut -d: -f6)
if [ -n "$pwhome" ]; then
	(unset HOME XDG_CONFIG_HOME; "$RTG_BIN" --check --config "$CONF") > "$T/out" 2>&1 || :
	has "ok     theme path: $pwhome/.config/rmpc/themes/current-song.ron\$"
	# and rmpc's own config is looked for there too
	has "$pwhome/.config/rmpc/config.ron"
	grep -q "cannot locate rmpc's config" "$T/out" && t_fail "no HOME: $(cat "$T/out")"
fi

# First run: rmpc's config directory does not exist yet.  The default
# theme is inside it all the same (the fix is to create config.ron).
mv "$XDG_CONFIG_HOME/rmpc" "$T/rmpc.dir"
doctor
[ $rc -eq 78 ] || t_fail "no rmpc directory: exit $rc"
has "the theme $THEME is inside rmpc's config directory"
grep -q 'outside' "$T/out" && t_fail "first run: $(cat "$T/out")"
has "fix: create $RMPC containing  (theme: Some(\"current-song\"))"
# Through a symlinked directory, and a path spelt with "..": still inside.
ln -s "$T/rmpc.dir" "$XDG_CONFIG_HOME/rmpc"
rc=0; "$RTG_BIN" --check --theme-output "$T/rmpc.dir/themes/../themes/current-song.ron" > "$T/out" 2>&1 || rc=$?
[ $rc -eq 0 ] || t_fail "symlinked rmpc directory: exit $rc: $(cat "$T/out")"
has "is inside rmpc's config directory"
has "theme \"current-song\" is this file"
rm "$XDG_CONFIG_HOME/rmpc"
mv "$T/rmpc.dir" "$XDG_CONFIG_HOME/rmpc"

# With a watcher running, and a theme published: it says so.
printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
watcher_start
wait_log 1 'theme published'
doctor
[ $rc -eq 0 ] || t_fail "running: exit $rc"
has "a watcher is running (pid $W_PID)"
has "$THEME is a valid theme"
watcher_stop
exit 0
