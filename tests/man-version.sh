#!/bin/sh
# The manual pages are written by hand, not generated: their footer (.Os)
# must name the version the program reports (AC_INIT's).
. "$top_srcdir/tests/setup.sh"

v=$("$RTG_BIN" --version | sed -n '1s/^rmpc-theme-gen //p')
[ -n "$v" ] || t_fail "--version prints no version"
for f in "$top_srcdir"/man/*.1 "$top_srcdir"/man/*.5; do
	grep -qx ".Os rmpc-theme-gen $v" "$f" ||
		t_fail "$f: '$(grep '^\.Os' "$f")' is not '.Os rmpc-theme-gen $v'"
done
exit 0
