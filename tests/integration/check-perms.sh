#!/bin/sh
# rmpc-theme-gen --check and permissions: a theme directory the user cannot
# write in (the generation would exit 73), or cannot create, and an rmpc
# config.ron the user cannot read are failures naming the file, the reason
# and a fix that fits.  Permission bits do not bind root, so as root the
# doctor runs as the user nobody; as anyone else, as that user.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

RMPC="$XDG_CONFIG_HOME/rmpc/config.ron"
THEMES="$XDG_CONFIG_HOME/rmpc/themes"
if [ "$(id -u)" -eq 0 ]; then
	command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1 ||
		t_skip "running as root without runuser or a user nobody to run as"
	chmod 755 "$T"
	runuser -u nobody -- test -x "$RTG_BIN" || t_skip "the user nobody cannot run $RTG_BIN"
	chown -R nobody "$HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
	as_user() {
		runuser -u nobody -- env HOME="$HOME" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
			XDG_CACHE_HOME="$XDG_CACHE_HOME" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
			XDG_CONFIG_DIRS="$XDG_CONFIG_DIRS" "$@"
	}
	# root's files with the owner's bits: nobody may not write (or read)
	deny() { chown root "$2"; chmod "$1" "$2"; }
	allow() { chown nobody "$1"; chmod 755 "$1"; }
	want_fix() { has "fix: sudo chown nobody $1\$"; }
else
	as_user() { "$@"; }
	deny() { chmod "$1" "$2"; }
	allow() { chmod 755 "$1"; }
	want_fix() { has "fix: chmod u+$2 $1\$"; }
fi
doctor() { rc=0; as_user "$RTG_BIN" --check "$@" > "$T/out" 2>&1 || rc=$?; }
has() { grep -q -- "$1" "$T/out" || t_fail "--check output lacks '$1':
$(cat "$T/out")"; }
lacks() { ! grep -q -- "$1" "$T/out" || t_fail "--check output has '$1':
$(cat "$T/out")"; }

mpd_start
[ "$(id -u)" -ne 0 ] || chmod 755 "$MPD_DIR"
printf 'mpd_host = "%s";\n' "$MPD_SOCK" > "$CONF"
printf '#![enable(implicit_some)]\n(theme: "current-song")\n' > "$RMPC"
doctor
[ $rc -eq 0 ] || t_fail "the setup to start from: exit $rc: $(cat "$T/out")"

# rmpc's themes directory cannot be written in: the doctor fails as the
# generation does, and says where and why.
deny 555 "$THEMES"
doctor
[ $rc -eq 78 ] || t_fail "unwritable themes directory: exit $rc: $(cat "$T/out")"
has "FAIL   theme path: $THEME: cannot write in $THEMES: Permission denied (owned by .*, mode 0555)"
want_fix "$THEMES" wx
lacks "ok     theme path"
lacks "does not exist yet: the first track creates it"
rc=0
as_user "$RTG_BIN" --image "$IFIX/covers/embedded.jpg" > "$T/gen" 2>&1 || rc=$?
[ $rc -eq 73 ] || t_fail "the generation the doctor warned about: exit $rc: $(cat "$T/gen")"
grep -q "cannot write in $THEMES" "$T/gen" || t_fail "the generation's error: $(cat "$T/gen")"
# -q: only the failure and its fix.
doctor -q
[ $rc -eq 78 ] || t_fail "-q: exit $rc"
[ "$(grep -c . "$T/out")" -eq 2 ] || t_fail "-q prints more than the failure: $(cat "$T/out")"
has "^FAIL   theme path: "
allow "$THEMES"
doctor
[ $rc -eq 0 ] || t_fail "writable again: exit $rc: $(cat "$T/out")"
has "ok     theme path: $THEME\$"

# The theme's directory does not exist, and its parent takes no new
# entries: it cannot be created.
rmdir "$THEMES"
deny 555 "$XDG_CONFIG_HOME/rmpc"
doctor
[ $rc -eq 78 ] || t_fail "uncreatable themes directory: exit $rc: $(cat "$T/out")"
has "FAIL   theme path: $THEME: its directory cannot be created in $XDG_CONFIG_HOME/rmpc: Permission denied"
want_fix "$XDG_CONFIG_HOME/rmpc" wx
allow "$XDG_CONFIG_HOME/rmpc"
mkdir "$THEMES"
allow "$THEMES"

# rmpc's config.ron is there but cannot be read: not "create it".
deny 000 "$RMPC"
doctor
[ $rc -eq 78 ] || t_fail "unreadable config.ron: exit $rc: $(cat "$T/out")"
has "FAIL   rmpc's config $RMPC cannot be read: Permission denied (owned by "
want_fix "$RMPC" r
lacks "fix: create"
exit 0
