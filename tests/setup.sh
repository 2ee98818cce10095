# setup.sh - sourced by every shell test: strict mode, a private temp dir
# removed on exit, and helpers.  Exit 77 = skip.
set -eu
LC_ALL=C; export LC_ALL
: "${RTG_BIN:?RTG_BIN not set (run through make check)}"
: "${top_srcdir:?}"
FIXTURES=${FIXTURES:-$top_srcdir/tests/fixtures}
T=$(mktemp -d "${TMPDIR:-/tmp}/rtg-test.XXXXXX")
t_cleanup() { rc=$?; [ -n "${T:-}" ] && rm -rf "$T"; exit $rc; }
trap t_cleanup EXIT
trap 'exit 130' INT TERM
t_fail() { echo "FAIL: $*" >&2; exit 1; }
t_skip() { echo "SKIP: $*" >&2; exit 77; }
