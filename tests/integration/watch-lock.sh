#!/bin/sh
# One watcher per user, whatever the session exports: the lock is
# $XDG_RUNTIME_DIR/rmpc-theme-gen.lock, and the private cache directory
# (created 0700) holds a second one that a watcher takes in any case, so
# watchers started with and without XDG_RUNTIME_DIR exclude each other, in
# either order.  A lock directory others can write to, a lock file that is
# a symlink or someone else's, is refused rather than trusted; an
# XDG_RUNTIME_DIR others can write to is not used.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

command -v timeout >/dev/null 2>&1 || t_skip "timeout is not installed"
RUN=$XDG_RUNTIME_DIR
RLOCK=$RUN/rmpc-theme-gen.lock
LDIR=$XDG_CACHE_HOME/rmpc-theme-gen
rm -rf "$LDIR"
mpd_start
play embedded-jpeg/track.flac
printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"

# second WHAT PATTERN [ENV...]: another watcher must refuse to start,
# with exit status 69, saying PATTERN.
second() {
	_what=$1 _pat=$2
	shift 2
	rc=0
	env "$@" timeout 10 "$RTG_BIN" --watch > "$T/second.log" 2>&1 || rc=$?
	[ $rc -eq 69 ] || t_fail "$_what: exit $rc: $(cat "$T/second.log")"
	grep -q -- "$_pat" "$T/second.log" || t_fail "$_what: $(cat "$T/second.log")"
}
sees() { # ENV...: --check run with ENV reports the running watcher
	env "$@" "$RTG_BIN" --check > "$T/check.out" 2>&1 || :
	grep -q "a watcher is running (pid $W_PID)" "$T/check.out" ||
		t_fail "--check with $*: $(cat "$T/check.out")"
}

# With XDG_RUNTIME_DIR: both locks, each with the pid.
watcher_start
wait_log 1 'theme published'
set -- "$LDIR"/watch-*.lock
[ $# -eq 1 ] && [ -f "$1" ] || t_fail "no lock file in $LDIR: $(ls -la "$LDIR")"
LOCK=$1
[ "$(cat "$RLOCK")" = "$W_PID" ] || t_fail "$RLOCK holds '$(cat "$RLOCK")', not $W_PID"
[ "$(cat "$LOCK")" = "$W_PID" ] || t_fail "$LOCK holds '$(cat "$LOCK")', not $W_PID"
[ "$(stat -c %a "$LDIR")" = 700 ] || t_fail "lock directory mode $(stat -c %a "$LDIR")"
second "second watcher" "already running (pid $W_PID, lock $RLOCK)" XDG_RUNTIME_DIR="$RUN"
second "second watcher without XDG_RUNTIME_DIR" "already running (pid $W_PID, lock $LOCK)" \
	-u XDG_RUNTIME_DIR
# An XDG_RUNTIME_DIR others can write to is ignored: the cache lock.
mkdir -m 0777 "$T/public"
chmod 0777 "$T/public"
second "second watcher, public XDG_RUNTIME_DIR" "already running (pid $W_PID, lock $LOCK)" \
	XDG_RUNTIME_DIR="$T/public"
[ -e "$T/public/rmpc-theme-gen.lock" ] && t_fail "lock created in a public XDG_RUNTIME_DIR"
sees -u XDG_RUNTIME_DIR
watcher_stop
[ $W_RC -eq 0 ] || t_fail "watcher exit $W_RC"

# The other order: the first one without XDG_RUNTIME_DIR.
unset XDG_RUNTIME_DIR
watcher_start
export XDG_RUNTIME_DIR="$RUN"
wait_log 1 'theme unchanged'
second "second watcher with XDG_RUNTIME_DIR after one without" \
	"already running (pid $W_PID, lock $LOCK)" XDG_RUNTIME_DIR="$RUN"
# ...which let go of the runtime lock it took on its way: another try
# is refused the same way, not by the runtime lock.
second "third try" "already running (pid $W_PID, lock $LOCK)" XDG_RUNTIME_DIR="$RUN"
sees XDG_RUNTIME_DIR="$RUN"
watcher_stop

# Hostile lock files and directories (without XDG_RUNTIME_DIR the cache
# lock is the only one, and it is refused; the runtime lock likewise).
chmod 0777 "$LDIR"
second "world-writable lock directory" "$LDIR: not a directory of ours closed to others" \
	-u XDG_RUNTIME_DIR
chmod 0700 "$LDIR"
printf 'keep\n' > "$T/target"
for l in "$LOCK" "$RLOCK"; do
	rm -f "$l"
	ln -s "$T/target" "$l"
	if [ "$l" = "$LOCK" ]; then
		second "symlinked lock file $l" "$l: a symbolic link: refusing it" -u XDG_RUNTIME_DIR
	else
		second "symlinked lock file $l" "$l: a symbolic link: refusing it"
	fi
	[ "$(cat "$T/target")" = keep ] || t_fail "the symlink's target was written"
	rm "$l"
done
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	: > "$RLOCK"
	chown nobody "$RLOCK"
	second "lock file owned by nobody" "$RLOCK: not a regular file of ours"
	rm "$RLOCK"
fi

# Back to normal: the watcher starts again.
watcher_start
wait_log 1 'track.flac: theme unchanged'
[ "$(cat "$RLOCK")" = "$W_PID" ] || t_fail "restarted: lock holds '$(cat "$RLOCK")'"
watcher_stop
exit 0
