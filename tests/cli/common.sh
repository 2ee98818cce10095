# common.sh - sourced by the CLI tests after tests/setup.sh: a private
# environment (no user config, no MPD, no journal) and checks shared by the
# tests.  POSIX sh.
. "$top_srcdir/tests/setup.sh"

HOME=$T/home
XDG_CONFIG_HOME=$T/config
XDG_CONFIG_DIRS=$T/xdg
XDG_CACHE_HOME=$T/cache
XDG_RUNTIME_DIR=$T/run
export HOME XDG_CONFIG_HOME XDG_CONFIG_DIRS XDG_CACHE_HOME XDG_RUNTIME_DIR
unset MPD_HOST MPD_PORT NO_COLOR JOURNAL_STREAM 2>/dev/null || :
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_CONFIG_DIRS" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"

COVER=$FIXTURES/album-dune.jpg
OUT=$T/out
ERR=$T/err

# run WANT_STATUS ARGS...: runs the program, output in $OUT and $ERR.
run() {
	want=$1
	shift
	set +e
	"$RTG_BIN" "$@" >"$OUT" 2>"$ERR"
	status=$?
	set -e
	[ "$status" -eq "$want" ] ||
		t_fail "exit $status, expected $want: rmpc-theme-gen $* ($(cat "$ERR"))"
}

# run_bounded SECONDS WANT_STATUS ARGS...: run, with standard input closed
# and a time limit (a FIFO or a blocking read must not hang the program).
run_bounded() {
	secs=$1 want=$2
	shift 2
	set +e
	timeout "$secs" "$RTG_BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
	status=$?
	set -e
	[ "$status" -eq "$want" ] ||
		t_fail "exit $status, expected $want: rmpc-theme-gen $* ($(cat "$ERR"))"
}

# one_error [PREFIX]: stderr is exactly one line "rmpc-theme-gen: PREFIX...",
# stdout is empty.
one_error() {
	lines=$(wc -l <"$ERR")
	[ "$lines" -eq 1 ] || t_fail "$lines lines on stderr, expected one: $(cat "$ERR")"
	case $(cat "$ERR") in
	"rmpc-theme-gen: ${1:-}"*) ;;
	*) t_fail "stderr '$(cat "$ERR")' does not start with 'rmpc-theme-gen: ${1:-}'" ;;
	esac
	[ ! -s "$OUT" ] || t_fail "stdout not empty on failure: $(head -c 200 "$OUT")"
}

# quiet_success: nothing on stdout or stderr.
quiet_success() {
	[ ! -s "$ERR" ] || t_fail "stderr not empty: $(cat "$ERR")"
	[ ! -s "$OUT" ] || t_fail "stdout not empty: $(head -c 200 "$OUT")"
}

# no_temp_files DIR: publish leaves no ".NAME.XXXXXX" behind.
no_temp_files() {
	left=$(ls -A "$1" | grep '^\.' || :)
	[ -z "$left" ] || t_fail "temp files left in $1: $left"
}

# same_file A B: byte-identical.
same_file() {
	cmp -s "$1" "$2" || t_fail "$1 and $2 differ"
}

# audit THEME: the independent contrast/shape audit, once it exists.
audit() {
	if [ -f "$top_srcdir/tests/audit.py" ] && command -v python3 >/dev/null; then
		python3 "$top_srcdir/tests/audit.py" "$1" >"$T/audit.out" 2>&1 ||
			t_fail "audit failed on $1: $(cat "$T/audit.out")"
	else
		echo "note: tests/audit.py or python3 missing, audit skipped"
	fi
}

# has_webp: this build decodes WebP.
has_webp() {
	"$RTG_BIN" --version | grep -q libwebp
}

# Shell completions (tests/cli/completion*.sh).  COMPLETER is a command that
# prints, one per line, what the completion offers for the command line
# "rmpc-theme-gen WORD..." (the last word being completed).
# completion_checks COMPLETER: it offers exactly --help's long options;
# every value it offers for --space, --mode and --builtin-template is
# accepted, and --space offers each space --help names; --image and
# --theme-output complete file names (from the working directory, which
# this changes).
completion_checks() {
	_c=$1
	run 0 --help
	sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z-]*\).*/\2/p' "$OUT" | sort >"$T/help-long"
	"$_c" -- | sort >"$T/comp-long"
	cmp -s "$T/help-long" "$T/comp-long" ||
		t_fail "$_c: long options differ from --help: $(diff "$T/help-long" "$T/comp-long")"
	for _o in --space --mode --builtin-template; do
		_vals=$("$_c" "$_o" "")
		[ -n "$_vals" ] || t_fail "$_c $_o: nothing offered"
		for _v in $_vals; do
			run 0 --image "$COVER" --theme-output "$T/v.ron" "$_o" "$_v" -q
		done
	done
	run 0 --help
	for _s in $(sed -n 's/.*--space S *clustering space: //p' "$OUT" | tr -d ',' | sed 's/ (default)//'); do
		"$_c" --space "" | grep -qx "$_s" || t_fail "$_c: --space does not offer $_s"
	done
	mkdir -p "$T/files"
	: >"$T/files/cover.jpg"
	: >"$T/files/current.ron"
	cd "$T/files"
	"$_c" --image co | grep -qx cover.jpg || t_fail "$_c --image co: $("$_c" --image co)"
	"$_c" --theme-output cu | grep -qx current.ron ||
		t_fail "$_c --theme-output cu: $("$_c" --theme-output cu)"
}
