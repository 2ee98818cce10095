#!/bin/sh
# The config file: errors name file and line and exit 78; numbers are
# range-checked; unknown keys are warned about; sizes take K/M suffixes;
# the XDG search order; the command line wins over the file.
. "$top_srcdir/tests/setup.sh"
. "$top_srcdir/tests/integration/mpd-harness.sh"

COVER="$IFIX/covers/album.jpg"
bad() { # bad LINE-PATTERN CONFIG-TEXT
	printf '%s\n' "$2" > "$CONF"
	rc=0; "$RTG_BIN" --image "$COVER" 2> "$T/err" || rc=$?
	[ $rc -eq 78 ] || t_fail "exit $rc for: $2"
	grep -q "$CONF:$1" "$T/err" || t_fail "message for '$2': $(cat "$T/err")"
}
bad '2: syntax error' 'k = 4;
space = ;'
bad '2: duplicate setting' 'k = 4;
k = 5;'
bad '1: k: out of range (1..64)' 'k = 0;'
bad '1: k: expected an integer' 'k = "eight";'
bad '1: space: unknown colour space' 'space = "CMYK";'
bad '1: mode: unknown mode' 'mode = "dim";'
bad '1: mpd_port: out of range' 'mpd_port = 70000;'
bad '1: binarylimit: out of range' 'binarylimit = 10;'
bad '1: art_max_bytes: not a size' 'art_max_bytes = "12X";'
bad '1: art_order: bad entry' 'art_order = ["embedded", "web"];'
bad '1: fallback: unknown fallback' 'fallback = "random";'
bad '1: fallback = "image" needs fallback_image' 'fallback = "image";'
bad '1: mpd_timeout: out of range' 'mpd_timeout = 0;'

# The watcher refuses a bad config at start the same way.
printf 'k = 99;\n' > "$CONF"
rc=0; "$RTG_BIN" --watch 2> "$T/err" || rc=$?
[ $rc -eq 78 ] || t_fail "--watch with a bad config: exit $rc"
grep -q "$CONF:1: k" "$T/err" || t_fail "message: $(cat "$T/err")"

# Good values, an unknown key (warned, with its line), sizes with suffixes.
cat > "$CONF" <<CONF
# comment
k = 5;
space = "oklab";
colour = "blue";
art_max_bytes = "4M";
binarylimit = "256K";
art_order = "folder,embedded";
mpd_timeout = 2.5;
cache_max_bytes = 0;
CONF
"$RTG_BIN" --image "$COVER" 2> "$T/err" || t_fail "good config: exit $?"
grep -q "$CONF:4: unknown key 'colour'" "$T/err" || t_fail "no warning: $(cat "$T/err")"
expected_theme "$COVER" "$T/expect.ron" --k 5 --space OKLAB
same_file "$THEME" "$T/expect.ron" || t_fail "k/space from the file not applied"

# The command line wins over the file.
"$RTG_BIN" --image "$COVER" --k 7 2>/dev/null || t_fail "exit $?"
expected_theme "$COVER" "$T/expect.ron" --k 7 --space OKLAB
same_file "$THEME" "$T/expect.ron" || t_fail "--k 7 did not win over k = 5"

# The shipped sample, every key uncommented, is a valid config.
sed -e '/^#template/d' -e 's/^#\([a-z_]* = \)/\1/' "$top_srcdir/conf/config.sample" > "$CONF"
[ "$(grep -c '^[a-z_]* = ' "$CONF")" -ge 20 ] || t_fail "sample: keys not uncommented"
"$RTG_BIN" --image "$COVER" 2> "$T/err" || t_fail "sample config: exit $?: $(cat "$T/err")"
[ ! -s "$T/err" ] || t_fail "sample config: $(cat "$T/err")"

# XDG search order: XDG_CONFIG_HOME first, then XDG_CONFIG_DIRS.
mkdir -p "$T/etc/rmpc-theme-gen"
printf 'k = 2;\n' > "$T/etc/rmpc-theme-gen/config"
rm "$CONF"
"$RTG_BIN" --image "$COVER" || t_fail "exit $?"
expected_theme "$COVER" "$T/expect.ron" --k 2
same_file "$THEME" "$T/expect.ron" || t_fail "\$XDG_CONFIG_DIRS config not used"
printf 'k = 6;\n' > "$CONF"
"$RTG_BIN" --image "$COVER" || t_fail "exit $?"
expected_theme "$COVER" "$T/expect.ron" --k 6
same_file "$THEME" "$T/expect.ron" || t_fail "\$XDG_CONFIG_HOME config does not come first"
exit 0
