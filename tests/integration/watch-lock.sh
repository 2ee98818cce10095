#!/bin/sh
# One watcher per user and host, whatever the session exports: the lock is
# in the private cache directory (created 0700), so a watcher started
# without XDG_RUNTIME_DIR meets the one started with it.  A lock directory
# others can write, a lock file that is a symlink or someone else's, is
# refused rather than trusted.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

command -v timeout >/dev/null 2>&1 || t_skip "timeout is not installed"
LDIR="$XDG_CACHE_HOME/rmpc-theme-gen"
rm -rf "$LDIR"
mpd_start
play embedded-jpeg/track.flac
printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
watcher_start
wait_log 1 'theme published'

set -- "$LDIR"/watch-*.lock
[ $# -eq 1 ] && [ -f "$1" ] || t_fail "no lock file in $LDIR: $(ls -la "$LDIR")"
LOCK=$1
[ "$(cat "$LOCK")" = "$W_PID" ] || t_fail "lock holds '$(cat "$LOCK")', not $W_PID"
[ "$(stat -c %a "$LDIR")" = 700 ] || t_fail "lock directory mode $(stat -c %a "$LDIR")"

# A second watcher without XDG_RUNTIME_DIR is refused all the same.
rc=0
env -u XDG_RUNTIME_DIR timeout 10 "$RTG_BIN" --watch > "$T/second.log" 2>&1 || rc=$?
[ $rc -eq 69 ] || t_fail "second watcher without XDG_RUNTIME_DIR: exit $rc: $(cat "$T/second.log")"
grep -q "already running (pid $W_PID, lock $LOCK)" "$T/second.log" ||
	t_fail "second watcher: $(cat "$T/second.log")"
# And --check from such a session sees it.
env -u XDG_RUNTIME_DIR "$RTG_BIN" --check > "$T/check.out" 2>&1 || :
grep -q "a watcher is running (pid $W_PID)" "$T/check.out" ||
	t_fail "--check without XDG_RUNTIME_DIR: $(cat "$T/check.out")"
watcher_stop
[ $W_RC -eq 0 ] || t_fail "watcher exit $W_RC"

refused() { # WHAT PATTERN: a watcher must refuse to start, saying PATTERN
	rc=0
	timeout 10 "$RTG_BIN" --watch > "$T/refused.log" 2>&1 || rc=$?
	[ $rc -eq 69 ] || t_fail "$1: exit $rc: $(cat "$T/refused.log")"
	grep -q -- "$2" "$T/refused.log" || t_fail "$1: $(cat "$T/refused.log")"
}

# A lock directory others can write to.
chmod 0777 "$LDIR"
refused "world-writable lock directory" "$LDIR: not a directory of ours closed to others"
chmod 0700 "$LDIR"
# A symlink in place of the lock file: not followed, its target untouched.
rm "$LOCK"
printf 'keep\n' > "$T/target"
ln -s "$T/target" "$LOCK"
refused "symlinked lock file" "$LOCK: a symbolic link: refusing it"
[ "$(cat "$T/target")" = keep ] || t_fail "the symlink's target was written"
rm "$LOCK"
# Someone else's lock file (needs root to make one).
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	: > "$LOCK"
	chown nobody "$LOCK"
	refused "lock file owned by nobody" "$LOCK: not a regular file of ours"
	rm "$LOCK"
fi

# Back to normal: the watcher starts again.
watcher_start
wait_log 1 'track.flac: theme unchanged'
[ "$(cat "$LOCK")" = "$W_PID" ] || t_fail "restarted: lock holds '$(cat "$LOCK")'"
watcher_stop
exit 0
