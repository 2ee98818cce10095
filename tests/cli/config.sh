# config.sh - precedence: command line > config file > defaults; the config
# is found in $XDG_CONFIG_HOME/rmpc-theme-gen/config or named by --config.
. "$top_srcdir/tests/cli/common.sh"

cat >"$T/conf" <<CONF
k = 3;
space = "OKLAB";
theme_output = "$T/from-config.ron";
CONF

run 0 --image "$COVER" --k 3 --space OKLAB --theme-output "$T/k3.ron"
run 0 --image "$COVER" --k 5 --space OKLAB --theme-output "$T/k5.ron"
! cmp -s "$T/k3.ron" "$T/k5.ron" || t_fail "k 3 and k 5 agree: the test cannot tell"

# --config PATH: the file's values are used
run 0 --config "$T/conf" --image "$COVER"
quiet_success
same_file "$T/k3.ron" "$T/from-config.ron"
# the command line wins over the file
run 0 --config "$T/conf" --image "$COVER" --k 5 --theme-output "$T/cli.ron"
same_file "$T/k5.ron" "$T/cli.ron"

# found without --config in $XDG_CONFIG_HOME
mkdir -p "$XDG_CONFIG_HOME/rmpc-theme-gen"
sed "s|from-config|xdg|" "$T/conf" >"$XDG_CONFIG_HOME/rmpc-theme-gen/config"
run 0 --image "$COVER"
same_file "$T/k3.ron" "$T/xdg.ron"
rm -r "$XDG_CONFIG_HOME/rmpc-theme-gen"

# a missing --config file is unreadable input; a broken one is a config error
run 66 --config "$T/missing.conf" --image "$COVER"
one_error "$T/missing.conf"
printf 'k = 3;\nspace = ;\n' >"$T/broken.conf"
run 78 --config "$T/broken.conf" --image "$COVER" --theme-output "$T/never.ron"
one_error "$T/broken.conf:2"
[ ! -e "$T/never.ron" ] || t_fail "a broken config still produced a theme"
printf 'k = 300;\n' >"$T/range.conf"
run 78 --config "$T/range.conf" --image "$COVER" --theme-output "$T/never.ron"
one_error "$T/range.conf:1"

# The config file is read by us, never by libconfig: anything but a regular
# file is unreadable input (66), named in one line, and nothing waits on a
# FIFO.  libconfig 1.5 given a directory printed "input in flex scanner
# failed" and exited 2.  A bounded run: the old code blocked on the FIFO.
mkdir "$T/dir.conf"
run_bounded 20 66 --config "$T/dir.conf" --image "$COVER" --theme-output "$T/never.ron"
one_error "$T/dir.conf: a directory"
mkfifo "$T/fifo.conf"
run_bounded 20 66 --config "$T/fifo.conf" --image "$COVER" --theme-output "$T/never.ron"
one_error "$T/fifo.conf: a FIFO"
# --check reads the config too
run_bounded 20 66 --config "$T/dir.conf" --check
one_error "$T/dir.conf: a directory"

# A directory where the default config belongs is reported, not taken as
# "no config file".
mkdir -p "$XDG_CONFIG_HOME/rmpc-theme-gen/config"
run_bounded 20 66 --image "$COVER" --theme-output "$T/never.ron"
one_error "$XDG_CONFIG_HOME/rmpc-theme-gen/config: a directory"
run_bounded 20 66 --check
one_error "$XDG_CONFIG_HOME/rmpc-theme-gen/config: a directory"
rm -r "$XDG_CONFIG_HOME/rmpc-theme-gen"

# At most 1 MiB: a bad config file (78).  Exactly 1 MiB of comment and a
# key after it is still read.
tail='
k = 3;
space = "OKLAB";'
head -c $((1048576 - ${#tail})) /dev/zero | tr '\0' '#' >"$T/big.conf"
printf '%s' "$tail" >>"$T/big.conf"
[ "$(wc -c <"$T/big.conf")" -eq 1048576 ] || t_fail "big.conf is not 1 MiB"
run_bounded 20 0 --config "$T/big.conf" --image "$COVER" --theme-output "$T/big.ron"
same_file "$T/k3.ron" "$T/big.ron"
printf ' ' >>"$T/big.conf"
run_bounded 20 78 --config "$T/big.conf" --image "$COVER" --theme-output "$T/never.ron"
one_error "$T/big.conf: larger than 1 MiB"

# @include is refused with the file and line, whatever it names, before
# libconfig could open anything (a directory made it exit 2; a regular file
# was read).
printf 'k = 5;\n' >"$T/inc.conf"
printf 'k = 3;\n@include "%s"\n' "$T/dir.conf" >"$T/incdir.conf"
run_bounded 20 78 --config "$T/incdir.conf" --image "$COVER" --theme-output "$T/never.ron"
one_error "$T/incdir.conf:2: @include is not supported"
printf '# settings\nk = 3;\n  @include "%s"\n' "$T/inc.conf" >"$T/increg.conf"
run_bounded 20 78 --config "$T/increg.conf" --image "$COVER" --theme-output "$T/never.ron"
one_error "$T/increg.conf:3: @include is not supported"
# also inside a comment spanning lines, where the check cannot tell
printf 'k = 3;\n/*\n@include "%s"\n*/\n' "$T/inc.conf" >"$T/inccomment.conf"
run_bounded 20 78 --config "$T/inccomment.conf" --image "$COVER" --theme-output "$T/never.ron"
one_error "$T/inccomment.conf:3: @include is not supported"
[ ! -e "$T/never.ron" ] || t_fail "a refused config still produced a theme"
# line numbers are still the file's after reading it ourselves
printf '# one\n\n/* three\n */\nk = 300;\n' >"$T/line5.conf"
run 78 --config "$T/line5.conf" --image "$COVER"
one_error "$T/line5.conf:5: k: out of range"

# Warnings while the config file is read already follow -q: an unknown
# key is one warning line, and nothing with -q.
printf 'k = 3;\ncolour = "blue";\n' >"$T/unknown.conf"
run 0 --config "$T/unknown.conf" --image "$COVER" --theme-output "$T/t.ron"
one_warning() {
	[ ! -s "$OUT" ] || t_fail "stdout not empty"
	[ "$(wc -l <"$ERR")" -eq 1 ] || t_fail "expected one warning: $(cat "$ERR")"
	grep -q "^rmpc-theme-gen: warning: $1" "$ERR" || t_fail "no warning '$1': $(cat "$ERR")"
}
one_warning "$T/unknown.conf:2: unknown key 'colour'"
run 0 -q --config "$T/unknown.conf" --image "$COVER" --theme-output "$T/t.ron"
quiet_success

# MPD_TIMEOUT takes what mpd_timeout takes (0.1 to 600 s, fractions); a
# value outside is ignored with one warning line.
for v in 0.1 2.5 600; do
	MPD_TIMEOUT=$v run 0 --image "$COVER" --theme-output "$T/t.ron"
	quiet_success
done
for v in 0 4000 abc 600.5 -1 1e2 0x10 ' 5' nan; do
	MPD_TIMEOUT=$v run 0 --image "$COVER" --theme-output "$T/t.ron"
	[ ! -s "$OUT" ] || t_fail "stdout not empty"
	[ "$(wc -l <"$ERR")" -eq 1 ] || t_fail "MPD_TIMEOUT='$v': $(cat "$ERR")"
	grep -q "^rmpc-theme-gen: warning: MPD_TIMEOUT=$v ignored: not a number of seconds from 0.1 to 600" "$ERR" ||
		t_fail "MPD_TIMEOUT='$v': $(cat "$ERR")"
done
# ... and -q silences that warning like any other
MPD_TIMEOUT=abc run 0 -q --image "$COVER" --theme-output "$T/t.ron"
quiet_success

# A string setting given as "" is the same as leaving it out (man page):
# the built-in template, the command line's theme path, no report, and
# every other string key's default (choices and sizes too).
: >"$T/nothing.conf"
run 0 --config "$T/nothing.conf" --image "$COVER" --theme-output "$T/plain.ron"
{
	printf 'template = "";\ntheme_output = "";\noutput = "";\nfallback_image = "";\n'
	printf 'space = "";\nmode = "";\nbuiltin_template = "";\nfallback = "";\n'
	printf 'art_order = "";\nart_max_bytes = "";\nbinarylimit = "";\ncache_max_bytes = "";\n'
	printf 'mpd_host = "";\nmpd_password = "";\ncache_dir = "";\n'
} >"$T/empty.conf"
run 0 --config "$T/empty.conf" --image "$COVER" --theme-output "$T/empty.ron"
quiet_success
same_file "$T/plain.ron" "$T/empty.ron" || t_fail "empty strings in the config changed the theme"
# ... but a number or a boolean given as "" is the wrong type, as before
for kv in 'k = "";' 'cache = "";' 'mpd_port = "";' 'verbosity = "";' 'preview = "";'; do
	printf '%s\n' "$kv" >"$T/wrong.conf"
	run 78 --config "$T/wrong.conf" --image "$COVER" --theme-output "$T/w.ron"
	one_error "$T/wrong.conf:1: ${kv%% *}: expected "
done

# "~/" in a path option is the home directory, as in the config file (rmpc
# runs on_song_change without a shell): no literal "./~" is made.
mkdir -p "$T/wd"
cp "$COVER" "$HOME/cover.jpg"
(cd "$T/wd" && "$RTG_BIN" --image '~/cover.jpg' --theme-output '~/themes/t.ron' \
	--output '~/r.json' -q) || t_fail "'~/' paths: exit $?"
same_file "$HOME/themes/t.ron" "$T/plain.ron" || t_fail "'~/' theme path: not the home directory's"
[ -s "$HOME/r.json" ] || t_fail "'~/' report path: nothing in the home directory"
[ ! -e "$T/wd/~" ] || t_fail "a literal '~' directory was made"
(unset HOME; cd "$T/wd" && "$RTG_BIN" --image "$COVER" --theme-output '~user/t.ron' -q) ||
	t_fail "'~user/': exit $?"
[ -f "$T/wd/~user/t.ron" ] || t_fail "'~user/' is a plain name, not expanded"
exit 0
