#!/bin/sh
# The systemd user unit as it will be installed: systemd-analyze verify
# accepts it without a single warning (directives, specifiers, the
# ExecStart= binary), so a typo or a setting this systemd does not know
# cannot slip in.
. "$top_srcdir/tests/setup.sh"
command -v systemd-analyze >/dev/null 2>&1 || t_skip "systemd-analyze is not installed"

UNIT="$T/rmpc-theme-gen.service"
sed "s|@bindir@|$(dirname "$RTG_BIN")|g" "$top_srcdir/conf/rmpc-theme-gen.service.in" > "$UNIT"
grep -q '@[a-z]*@' "$UNIT" && t_fail "unsubstituted: $(grep '@[a-z]*@' "$UNIT")"
mkdir -p "$T/run" && chmod 700 "$T/run"
rc=0
HOME="$T" XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/cache" XDG_RUNTIME_DIR="$T/run" \
	systemd-analyze --user verify --man=no "$UNIT" > "$T/out" 2>&1 || rc=$?
grep -q 'Failed to initialize manager' "$T/out" &&
	t_skip "systemd-analyze cannot run a user manager here: $(head -n 1 "$T/out")"
[ $rc -eq 0 ] && [ ! -s "$T/out" ] || t_fail "systemd-analyze verify (exit $rc): $(cat "$T/out")"
exit 0
