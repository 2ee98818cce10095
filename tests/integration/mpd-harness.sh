# mpd-harness.sh - sourced by the watcher's integration tests, after
# tests/setup.sh.  Starts throwaway MPDs (unix socket in the test's temp
# dir, null output, the fixture tracks as its music) and runs the watcher
# in a private XDG environment.  Waits poll for a condition with a timeout
# instead of sleeping for fixed times.
#
#   mpd_start [EXTRA CONF LINES]   MPD_SOCK, MPD_PID; MPD_MUSIC is its music
#   mpd_stop                       SIGTERM + wait
#   ctl CMD [ARG...] [, CMD ...]    raw MPD commands (tests/integration/mpdctl)
#   play URI                        clear, add, play
#   watcher_start [ARGS]            --watch in the background: W_PID, W_LOG
#   watcher_stop                    SIGTERM, wait, exit status in W_RC
#   wait_for TIMEOUT CMD...         until CMD succeeds, else fail
#   wait_log N PATTERN [TIMEOUT]    until the log has N lines matching
#   observe_start                   rmpc-like observer: OBS_LOG
#   proxy_start [-s URI] [-c URI]   a hostile middleman in front of MPD
#                                   (tests/integration/mpdproxy): PROXY_SOCK,
#                                   PROXY_LOG; -s: URI's art requests are
#                                   never answered, -c: they close the link
#   expected_theme IMAGE OUT [OPT]  the one-shot theme of IMAGE (default options + OPT)
#   theme_is STEP [OPT]             wait until the theme is $COVER's with OPT

command -v mpd >/dev/null 2>&1 || t_skip "mpd is not installed"
MPDCTL=${top_builddir:?}/tests/integration/mpdctl
OBSERVE=$top_builddir/tests/integration/observe
MKART=$top_builddir/tests/integration/mkart
MPDPROXY=$top_builddir/tests/integration/mpdproxy
IFIX=$top_srcdir/tests/integration/fixtures
[ -x "$MPDCTL" ] && [ -x "$OBSERVE" ] && [ -x "$MKART" ] && [ -x "$MPDPROXY" ] ||
	t_fail "test helpers not built (make check builds them)"

# A private desktop: nothing of the user's (or another test's) is seen.
export HOME="$T/home" XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/cache" \
	XDG_RUNTIME_DIR="$T/run" XDG_CONFIG_DIRS="$T/etc"
mkdir -p "$HOME" "$XDG_CONFIG_HOME/rmpc/themes" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset MPD_HOST MPD_PORT MPD_TIMEOUT JOURNAL_STREAM
THEME="$XDG_CONFIG_HOME/rmpc/themes/current-song.ron"
CONF="$XDG_CONFIG_HOME/rmpc-theme-gen/config"
mkdir -p "$(dirname "$CONF")"

MPD_DIR="$T/mpd"
MPD_SOCK="$MPD_DIR/socket"
MPD_MUSIC="$MPD_DIR/music"
MPD_PID=
W_PID=
OBS_PID=
PROXY_PID=
mkdir -p "$MPD_DIR/playlists" "$MPD_MUSIC"
# The fixtures are linked, not copied; tests add generated tracks beside.
for d in "$IFIX"/music/*; do ln -s "$d" "$MPD_MUSIC/$(basename "$d")"; done

h_cleanup() {
	rc=$?
	set +e
	[ -n "$W_PID" ] && kill "$W_PID" 2>/dev/null && wait "$W_PID" 2>/dev/null
	[ -n "$OBS_PID" ] && kill "$OBS_PID" 2>/dev/null && wait "$OBS_PID" 2>/dev/null
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
	[ -n "$MPD_PID" ] && kill "$MPD_PID" 2>/dev/null && wait "$MPD_PID" 2>/dev/null
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		for f in "$T"/watch*.log "$T"/mpd*.log "$T"/obs.log "$T"/proxy.log; do
			[ -f "$f" ] && { echo "---- $f"; tail -n 40 "$f"; } >&2
		done
	fi
	[ -n "${T:-}" ] && rm -rf "$T"
	exit $rc
}
trap h_cleanup EXIT

wait_for() {
	_limit=$1
	shift
	_end=$(( $(date +%s%N) / 1000000 + _limit * 1000 ))
	until "$@" >/dev/null 2>&1; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $_end ] ||
			t_fail "timed out after ${_limit}s waiting for: $*"
		sleep 0.02
	done
}

mpd_start() {
	{
		cat <<CONF
music_directory    "$MPD_MUSIC"
playlist_directory "$MPD_DIR/playlists"
db_file            "$MPD_DIR/mpd.db"
state_file         "$MPD_DIR/mpd.state"
pid_file           "$MPD_DIR/mpd.pid"
bind_to_address    "$MPD_SOCK"
auto_update        "no"
zeroconf_enabled   "no"
audio_output {
	type "null"
	name "null"
}
CONF
		for line in "$@"; do printf '%s\n' "$line"; done
	} > "$MPD_DIR/mpd.conf"
	mpd --no-daemon --stderr "$MPD_DIR/mpd.conf" >> "$T/mpd.log" 2>&1 &
	MPD_PID=$!
	wait_for 10 mpd_alive
	# the database survives restarts (db_file); a first start scans
	[ -s "$MPD_DIR/mpd.db" ] || ctl update
}

mpd_alive() { [ -S "$MPD_SOCK" ] && "$MPDCTL" "${MPD_CTL_PASS:-}$MPD_SOCK" ping; }

mpd_stop() {
	[ -n "$MPD_PID" ] || return 0
	kill "$MPD_PID"
	wait "$MPD_PID" 2>/dev/null || true
	MPD_PID=
}

ctl() { "$MPDCTL" "${MPD_CTL_PASS:-}$MPD_SOCK" "$@"; }

play() { ctl clear , add "$1" , play 0 >/dev/null; }

W_N=0
watcher_start() {
	W_N=$((W_N + 1))
	W_LOG="$T/watch$W_N.log"
	"$RTG_BIN" --watch "$@" > "$W_LOG" 2>&1 &
	W_PID=$!
}

watcher_stop() {
	kill -TERM "$W_PID"
	W_RC=0
	wait "$W_PID" || W_RC=$?
	W_PID=
}

log_count() { grep -c -- "$2" "$1" 2>/dev/null || true; }

wait_log() {
	_n=$1 _pat=$2 _t=${3:-10}
	wait_for "$_t" log_has "$_n" "$_pat"
}
log_has() { [ "$(log_count "$W_LOG" "$2")" -ge "$1" ]; }

observe_start() {
	OBS_LOG="$T/obs.log"
	"$OBSERVE" "$THEME" > "$OBS_LOG" 2>&1 &
	OBS_PID=$!
	wait_for 5 grep -q '^ready' "$OBS_LOG"
}

proxy_start() {
	PROXY_SOCK="$T/proxy.sock"
	PROXY_LOG="$T/proxy.log"
	"$MPDPROXY" "$PROXY_SOCK" "$MPD_SOCK" "$@" > "$PROXY_LOG" 2>&1 &
	PROXY_PID=$!
	wait_for 5 grep -q '^ready' "$PROXY_LOG"
}

# The theme the one-shot CLI makes from IMAGE: the watcher must publish
# exactly this for a track carrying IMAGE (same default options).
# Extra options may follow; the config file is not read (--config empty).
: > "$T/empty.conf"
expected_theme() {
	_img=$1 _out=$2
	shift 2
	"$RTG_BIN" --config "$T/empty.conf" --image "$_img" --theme-output "$_out" "$@" \
		>/dev/null 2>&1 || t_fail "one-shot --image $_img $* failed"
}

same_file() { cmp -s "$1" "$2"; }

# theme_is STEP [OPT...]: the published theme becomes (within 10 s) the
# one-shot theme of $COVER with these options; STEP names the check.
theme_is() {
	_n=$1
	shift
	expected_theme "$COVER" "$T/x$_n.ron" "$@"
	wait_for 10 same_file "$THEME" "$T/x$_n.ron" ||
		t_fail "step $_n: not the theme of $*"
}
