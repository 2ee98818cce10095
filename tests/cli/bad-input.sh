# bad-input.sh - inputs that must fail cleanly: the right status, one line
# on stderr naming the file, the existing theme byte-identical (same
# inode), no temp file left.
. "$top_srcdir/tests/cli/common.sh"

dir=$T/themes
theme=$dir/current-song.ron
mkdir -p "$dir"
printf '(\n    background_color: "#123456",\n)\n' >"$theme"
cp "$theme" "$T/original.ron"
ino=$(stat -c %i "$theme")

untouched() {
	same_file "$T/original.ron" "$theme"
	[ "$(stat -c %i "$theme")" = "$ino" ] || t_fail "theme replaced ($*)"
	no_temp_files "$dir"
}

# expect STATUS FILE: the one-shot on FILE fails with STATUS.
expect() {
	run "$1" --image "$2" --theme-output "$theme"
	one_error "$2: "
	untouched "$2"
}

# Not images, empty, truncated, corrupt, absurd declared dimensions.
for f in "$top_srcdir"/tests/crashers/*; do
	case $f in
	*.webp) has_webp || continue ;;
	esac
	expect 65 "$f"
done
: >"$T/empty.jpg"
expect 65 "$T/empty.jpg"
echo 'this is not an image' >"$T/text.png"
expect 65 "$T/text.png"
head -c 3000 "$COVER" >"$T/cut.jpg"
expect 65 "$T/cut.jpg"
head -c 100 "$FIXTURES/photo-elephants.png" >"$T/cut.png"
expect 65 "$T/cut.png"

# Unreadable input: missing, a directory, no permission (not for root).
expect 66 "$T/does-not-exist.jpg"
grep -q 'No such file' "$ERR" || t_fail "missing file: $(cat "$ERR")"
expect 66 "$T"
if [ "$(id -u)" != 0 ]; then
	cp "$COVER" "$T/secret.jpg"
	chmod 000 "$T/secret.jpg"
	expect 66 "$T/secret.jpg"
fi

# Unwritable target.  A parent that is a regular file:
run 73 --image "$COVER" --theme-output "$T/original.ron/x/theme.ron"
one_error "theme $T/original.ron/x/theme.ron: "
# The target is a directory:
run 73 --image "$COVER" --theme-output "$dir"
one_error "theme $dir: "
untouched "directory target"
# The disk fills up while writing (RLIMIT_FSIZE works for root too; the
# signal it raises is ignored so that write() fails with EFBIG):
set +e
(trap '' XFSZ; ulimit -f 1; exec "$RTG_BIN" --image "$COVER" --theme-output "$theme") \
	>"$OUT" 2>"$ERR"
status=$?
set -e
[ "$status" -eq 73 ] || t_fail "write failure: exit $status ($(cat "$ERR"))"
one_error "theme $theme: "
untouched "write failure"
# A read-only directory (root writes anyway):
if [ "$(id -u)" != 0 ]; then
	chmod 555 "$dir"
	run 73 --image "$COVER" --theme-output "$theme"
	one_error "theme $theme: cannot write in $dir: "
	chmod 755 "$dir"
	untouched "read-only directory"
fi

# A template named but missing: the message says it is the template.
run 66 --image "$COVER" --theme-output "$theme" --template "$T/no-template.ron"
one_error "template $T/no-template.ron: No such file"
untouched "missing template"

# MPD unreachable (no source option): named as MPD, exit 69.
MPD_HOST=127.0.0.1 MPD_PORT=1
export MPD_HOST MPD_PORT
run 69 --theme-output "$theme"
unset MPD_HOST MPD_PORT
one_error "MPD at 127.0.0.1:1: cannot connect"
untouched "MPD unreachable"

# A FIFO as the image: opened without waiting for a writer, so one with
# none is empty input at once (65), not a hang (the old code blocked in
# open(); timeout's 124 would show it).  A pipe with a writer still works,
# as "-" and by name (/dev/stdin, like a shell's <(...)).
mkfifo "$T/fifo.jpg"
set +e
timeout 5 "$RTG_BIN" --image "$T/fifo.jpg" --theme-output "$theme" >"$OUT" 2>"$ERR" </dev/null
status=$?
set -e
[ "$status" -eq 65 ] || t_fail "FIFO image: exit $status, expected 65 ($(cat "$ERR"))"
one_error "$T/fifo.jpg: "
untouched "FIFO image"
for name in - /dev/stdin; do
	set +e
	cat "$COVER" | timeout 5 "$RTG_BIN" --image "$name" --theme-output "$T/piped.ron" \
		>"$OUT" 2>"$ERR"
	status=$?
	set -e
	[ "$status" -eq 0 ] || t_fail "image from a pipe as $name: exit $status ($(cat "$ERR"))"
	quiet_success
done
run 0 --image "$COVER" --theme-output "$T/direct.ron"
same_file "$T/direct.ron" "$T/piped.ron"

# No place for the watcher's lock (XDG_RUNTIME_DIR unset, the cache path
# too long for a file name): the lock cannot be used, 69, before MPD.
long=/$(printf '%4100s' '' | tr ' ' x)
set +e
(unset XDG_RUNTIME_DIR; XDG_CACHE_HOME=$long MPD_HOST=127.0.0.1 MPD_PORT=1 \
	timeout 5 "$RTG_BIN" --watch --theme-output "$theme" >"$OUT" 2>"$ERR" </dev/null)
status=$?
set -e
[ "$status" -eq 69 ] || t_fail "watcher without a lock path: exit $status ($(cat "$ERR"))"
grep -q "no place for the watcher's lock" "$ERR" || t_fail "no lock path: $(cat "$ERR")"
untouched "watcher without a lock path"

# The config key mpd_timeout has MPD_TIMEOUT's range (config.sh checks
# the variable's edges): 0.1 and 600 s are taken, just outside is refused.
for v in 0.1 600 2.5 1; do
	printf 'mpd_timeout = %s;\n' "$v" >"$T/timeout.conf"
	run 0 --config "$T/timeout.conf" --image "$COVER" --theme-output "$T/timeout.ron"
	quiet_success
done
for v in 0.09 600.5 0 -1 601; do
	printf 'mpd_timeout = %s;\n' "$v" >"$T/timeout.conf"
	run 78 --config "$T/timeout.conf" --image "$COVER" --theme-output "$theme"
	one_error "$T/timeout.conf:1: mpd_timeout: out of range (0.1..600 seconds)"
	untouched "mpd_timeout = $v"
done

# Limits are checked before reading: a file above max_bytes (64 MiB) is
# refused from its size alone (a sparse file costs no disk).
truncate -s 65M "$T/big.jpg" 2>/dev/null || dd if=/dev/zero of="$T/big.jpg" bs=1 count=0 seek=65M 2>/dev/null
expect 65 "$T/big.jpg"
grep -q 'limit' "$ERR" || t_fail "big file: $(cat "$ERR")"
exit 0
