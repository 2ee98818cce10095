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
exit 0
