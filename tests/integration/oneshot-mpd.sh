#!/bin/sh
# rmpc-theme-gen with no source option: one theme from MPD's current song
# (as from rmpc's on_song_change hook).  Server lookup order, exit
# statuses (0, 75 nothing playing / no art, 69 unreachable), the
# fallbacks, and a TCP connection with tiny transfer chunks.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

# MPD also listens on TCP (a free port on 127.0.0.1), as a remote one would.
# And on an abstract socket (MPD_HOST=@name).
ABSTRACT="rtg-test-$(basename "$T")"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || true)
if [ -n "$PORT" ]; then
	mpd_start "bind_to_address \"@$ABSTRACT\"" 'bind_to_address "127.0.0.1"' "port \"$PORT\""
else
	mpd_start "bind_to_address \"@$ABSTRACT\""
fi
# $XDG_RUNTIME_DIR/mpd/socket is found without any configuration.
mkdir -p "$XDG_RUNTIME_DIR/mpd"
ln -s "$MPD_SOCK" "$XDG_RUNTIME_DIR/mpd/socket"

rc=0; "$RTG_BIN" 2> "$T/err" || rc=$?
[ $rc -eq 75 ] || t_fail "nothing playing: exit $rc"
grep -q 'nothing is playing' "$T/err" || t_fail "message: $(cat "$T/err")"

play embedded-jpeg/track.flac
"$RTG_BIN" || t_fail "exit $?"
expected_theme "$IFIX/covers/embedded.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "theme differs from --image"

# Through MPD_HOST, with a report.
play folder-jpg/track.flac
MPD_HOST="$MPD_SOCK" "$RTG_BIN" --output "$T/report.json" || t_fail "MPD_HOST: exit $?"
grep -q '"mpd:folder-jpg/track.flac"' "$T/report.json" || t_fail "report source"
expected_theme "$IFIX/covers/folder.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "theme differs from --image (folder)"

# Over TCP (MPD_HOST + MPD_PORT), in 100-byte chunks (binarylimit): the
# same bytes arrive, so the same theme.
if [ -n "$PORT" ]; then
	play mp3-apic/track.mp3
	printf 'binarylimit = 100;\n' > "$CONF"
	MPD_HOST=127.0.0.1 MPD_PORT=$PORT "$RTG_BIN" -v 2> "$T/err" || t_fail "TCP: exit $?: $(cat "$T/err")"
	expected_theme "$IFIX/covers/apic.jpg" "$T/expect.ron"
	same_file "$THEME" "$T/expect.ron" || t_fail "theme over TCP in small chunks differs"
	: > "$CONF"
else
	echo "python3 missing: TCP part skipped" >&2
fi

# Abstract socket.
play embedded-png/track.flac
MPD_HOST="@$ABSTRACT" "$RTG_BIN" 2> "$T/err" || t_fail "abstract socket: exit $?: $(cat "$T/err")"
expected_theme "$IFIX/covers/embedded.png" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "theme over the abstract socket differs"

# No art: 75 and the theme untouched, unless a fallback is configured.
cp "$THEME" "$T/before.ron"
play no-art/track.flac
rc=0; "$RTG_BIN" 2> "$T/err" || rc=$?
[ $rc -eq 75 ] || t_fail "no art: exit $rc"
grep -q 'no-art/track.flac: no album art' "$T/err" || t_fail "message: $(cat "$T/err")"
same_file "$THEME" "$T/before.ron" || t_fail "theme touched"
printf 'fallback = "neutral";\n' > "$CONF"
"$RTG_BIN" || t_fail "neutral fallback: exit $?"
same_file "$THEME" "$T/before.ron" && t_fail "neutral fallback wrote nothing"
printf 'fallback = "image";\nfallback_image = "%s";\n' "$IFIX/covers/apic.jpg" > "$CONF"
"$RTG_BIN" || t_fail "image fallback: exit $?"
expected_theme "$IFIX/covers/apic.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "fallback_image theme"
# A fallback_image that cannot be read is 66, one that cannot be decoded
# 65, with or without a report; the message names it; the theme stays.
cp "$THEME" "$T/before.ron"
for out in "" "--output=$T/r.json"; do
	printf 'fallback = "image";\nfallback_image = "%s";\n' "$T/missing.png" > "$CONF"
	rc=0; "$RTG_BIN" $out 2> "$T/err" || rc=$?
	[ $rc -eq 66 ] || t_fail "missing fallback_image $out: exit $rc"
	grep -q "no album art; fallback: $T/missing.png: " "$T/err" || t_fail "message: $(cat "$T/err")"
	printf 'not an image\n' > "$T/notimg.png"
	printf 'fallback = "image";\nfallback_image = "%s";\n' "$T/notimg.png" > "$CONF"
	rc=0; "$RTG_BIN" $out 2> "$T/err" || rc=$?
	[ $rc -eq 65 ] || t_fail "undecodable fallback_image $out: exit $rc"
	grep -q "no album art; fallback: $T/notimg.png: " "$T/err" || t_fail "message: $(cat "$T/err")"
	same_file "$THEME" "$T/before.ron" || t_fail "theme touched by a failed fallback"
done

# A report or a preview changes nothing about which theme is written: the
# fallback applies to them too, and they describe it.
play no-art/track.flac
printf 'fallback = "neutral";\n' > "$CONF"
"$RTG_BIN" || t_fail "neutral fallback: exit $?"
cp "$THEME" "$T/neutral.ron"
rm -f "$T/r.json"
"$RTG_BIN" --output "$T/r.json" --preview > "$T/preview" || t_fail "neutral fallback, report: exit $?"
same_file "$THEME" "$T/neutral.ron" || t_fail "neutral fallback with a report: another theme"
grep -q 'neutral fallback theme because: no album art' "$T/r.json" ||
	t_fail "report of the neutral fallback: $(cat "$T/r.json" 2>&1)"
[ -s "$T/preview" ] || t_fail "no preview of the neutral fallback"
play corrupt/track.flac
"$RTG_BIN" --output "$T/r.json" || t_fail "corrupt art, neutral fallback, report: exit $?"
same_file "$THEME" "$T/neutral.ron" || t_fail "corrupt art with a report: not the neutral fallback"
grep -q 'because: art unusable' "$T/r.json" || t_fail "report: $(cat "$T/r.json")"
printf 'fallback = "image";\nfallback_image = "%s";\n' "$IFIX/covers/apic.jpg" > "$CONF"
"$RTG_BIN" --output "$T/r.json" || t_fail "corrupt art, image fallback, report: exit $?"
expected_theme "$IFIX/covers/apic.jpg" "$T/expect.ron"
same_file "$THEME" "$T/expect.ron" || t_fail "corrupt art with a report: not fallback_image's theme"

# Corrupt art: 65 (like --image on a bad file); art above the cap: 65.
: > "$CONF"
play corrupt/track.flac
rc=0; "$RTG_BIN" 2>/dev/null || rc=$?
[ $rc -eq 65 ] || t_fail "corrupt art: exit $rc"
rc=0; "$RTG_BIN" --output "$T/r.json" 2>/dev/null || rc=$?
[ $rc -eq 65 ] || t_fail "corrupt art with a report: exit $rc"
play embedded-png/track.flac
printf 'art_max_bytes = "1K";\n' > "$CONF"
rc=0; "$RTG_BIN" 2> "$T/err" || rc=$?
[ $rc -eq 65 ] || t_fail "art above the cap: exit $rc"
grep -q 'above art_max_bytes' "$T/err" || t_fail "message: $(cat "$T/err")"

# Unreachable: 69, naming the server.
: > "$CONF"
rc=0; MPD_HOST="$T/nosuch.sock" "$RTG_BIN" 2> "$T/err" || rc=$?
[ $rc -eq 69 ] || t_fail "unreachable: exit $rc"
grep -q "$T/nosuch.sock" "$T/err" || t_fail "message does not name the server: $(cat "$T/err")"
exit 0
