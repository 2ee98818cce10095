#!/bin/sh
# demo.sh - the watcher doing its real job on bundled tracks: a private MPD
# (unix socket in a temp dir, null audio output) plays short tracks with
# different covers (embedded JPEG and PNG, folder JPEG, MP3 APIC, folder
# WebP when libwebp is built in); the watcher publishes a theme for each to
# a temp path, and each theme is shown with --preview.  Everything is
# removed at the end.
#
#   sh tools/demo.sh [BUILDDIR]      (BUILDDIR: where make ran, default .)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-.}" && pwd)
BIN=$build/rmpc-theme-gen
MPDCTL=$build/tests/integration/mpdctl
FIX=$here/tests/integration/fixtures

[ -x "$BIN" ] || { echo "demo: $BIN not built (run make)" >&2; exit 1; }
[ -x "$MPDCTL" ] || make -s -C "$build" tests/integration/mpdctl >/dev/null
command -v mpd >/dev/null 2>&1 ||
	{ echo "demo: mpd is not installed (Debian: apt-get install mpd)" >&2; exit 1; }

D=$(mktemp -d "${TMPDIR:-/tmp}/rmpc-theme-gen-demo.XXXXXX")
MPD_PID=
W_PID=
cleanup() {
	set +e
	[ -n "$W_PID" ] && kill "$W_PID" 2>/dev/null && wait "$W_PID" 2>/dev/null
	[ -n "$MPD_PID" ] && kill "$MPD_PID" 2>/dev/null && wait "$MPD_PID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing of the user's setup is touched: private config, cache, lock.
export XDG_RUNTIME_DIR="$D/run" XDG_CACHE_HOME="$D/cache" XDG_CONFIG_HOME="$D/config"
unset MPD_HOST MPD_PORT
mkdir -p "$D/music" "$D/playlists" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
tracks="embedded-jpeg/track.flac embedded-png/track.flac folder-jpg/track.flac mp3-apic/track.mp3"
# The WebP cover only where libwebp was built in (configure: auto).
if "$BIN" --version | grep -q libwebp; then
	tracks="$tracks folder-webp/track.flac"
fi
for t in $tracks; do ln -s "$FIX/music/${t%%/*}" "$D/music/${t%%/*}"; done

cat > "$D/mpd.conf" <<CONF
music_directory    "$D/music"
playlist_directory "$D/playlists"
db_file            "$D/mpd.db"
state_file         "$D/mpd.state"
bind_to_address    "$D/socket"
auto_update        "no"
zeroconf_enabled   "no"
audio_output {
	type "null"
	name "null"
}
CONF
mpd --no-daemon --stderr "$D/mpd.conf" > "$D/mpd.log" 2>&1 &
MPD_PID=$!
ctl() { "$MPDCTL" "$D/socket" "$@"; }
i=0
until ctl ping >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 250 ] || { echo "demo: mpd did not start:" >&2; cat "$D/mpd.log" >&2; exit 1; }
	sleep 0.04
done
ctl update >/dev/null
ctl clear >/dev/null
for t in $tracks; do ctl add "$t" >/dev/null; done

THEME="$D/themes/current-song.ron"
printf 'mpd_host = "%s";\ntheme_output = "%s";\n' "$D/socket" "$THEME" > "$D/demo.conf"
echo "== private MPD at $D/socket, watcher publishing to $THEME"
"$BIN" --watch --config "$D/demo.conf" > "$D/watch.log" 2>&1 &
W_PID=$!

# wait_line PATTERN: until the watcher's log has a line matching it
wait_line() {
	i=0
	until grep -q -- "$1" "$D/watch.log"; do
		i=$((i + 1))
		[ $i -lt 500 ] || { echo "demo: timed out; watcher log:" >&2; cat "$D/watch.log" >&2; exit 1; }
		sleep 0.02
	done
}
wait_line 'connected to'
n=0
for t in $tracks; do
	ctl play $n >/dev/null
	n=$((n + 1))
	wait_line "$t: theme"
	echo
	echo "== track $n: $t"
	grep -- "$t: theme" "$D/watch.log" | sed 's/^[0-9: -]*rmpc-theme-gen: /   watcher: /'
	# The same song's art through the one-shot mode, drawn in the terminal;
	# it produces the bytes the watcher published, so nothing is rewritten.
	"$BIN" --config "$D/demo.conf" --preview
	sleep 0.5
done
kill -TERM "$W_PID"
rc=0
wait "$W_PID" || rc=$?
W_PID=
echo
echo "== watcher stopped by SIGTERM (exit status $rc); its log:"
sed 's/^/   /' "$D/watch.log"
echo "== everything in $D is removed now"
