# template.sh - --template FILE (user templates) and --builtin-template:
# placeholders filled with the report's role colours; a bad template fails
# with FILE:LINE, status 78, and nothing is written.
. "$top_srcdir/tests/cli/common.sh"

dir=$T/themes
theme=$dir/theme.ron
mkdir -p "$dir"
printf '()\n' >"$theme"
cp "$theme" "$T/original.ron"

cat >"$T/mine.ron" <<'RON'
#![enable(implicit_some)]
// my own theme: only the colours come from the cover
(
    background_color: {{background}},
    text_color: {{ text }},
    header_background_color: {{surface}},
    highlighted_item_style: (fg: {{selection_fg}}, bg: {{selection_bg}}, modifiers: "Bold"),
    borders_style: (fg: {{border}}),
)
RON
run 0 --image "$COVER" --template "$T/mine.ron" --theme-output "$T/mine-out.ron" --output "$T/mine.json"
quiet_success
grep -q '{{' "$T/mine-out.ron" && t_fail "placeholders left: $(cat "$T/mine-out.ron")"
grep -q '^// my own theme' "$T/mine-out.ron" || t_fail "template text not kept"
if command -v python3 >/dev/null; then
	bg=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["roles"]["background"])' "$T/mine.json")
	grep -q "background_color: \"$bg\"" "$T/mine-out.ron" ||
		t_fail "background_color is not the report's $bg"
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["options"]["template"]; sys.exit(t != sys.argv[2])' \
		"$T/mine.json" "$T/mine.ron" || t_fail "report does not name the template"
fi
audit "$T/mine-out.ron"

# Unknown placeholder: file and line named, nothing written.
printf '(\n    background_color: {{background}},\n    text_color: {{txet}},\n)\n' >"$T/typo.ron"
run 78 --image "$COVER" --template "$T/typo.ron" --theme-output "$theme"
one_error "$T/typo.ron:3: "
same_file "$T/original.ron" "$theme"
no_temp_files "$dir"

# A template whose result rmpc would reject (shape rule).
printf '(\n    background_color: {{background}},\n    progress_bar: (symbols: ["a", "b"]),\n)\n' >"$T/shape.ron"
run 78 --image "$COVER" --template "$T/shape.ron" --theme-output "$theme"
one_error "$T/shape.ron:"
same_file "$T/original.ron" "$theme"

# A template that pairs colours without contrast.
printf '(\n    background_color: {{background}},\n    text_color: {{background}},\n)\n' >"$T/flat.ron"
run 78 --image "$COVER" --template "$T/flat.ron" --theme-output "$theme"
one_error "$T/flat.ron:"
same_file "$T/original.ron" "$theme"

# Missing template file: unreadable input.
run 66 --image "$COVER" --template "$T/nope.ron" --theme-output "$theme"
one_error "template $T/nope.ron: "
# Above the size limit (1 MiB), refused from its size.
head -c 1048577 /dev/zero | tr '\0' ' ' >"$T/huge.ron"
run 78 --image "$COVER" --template "$T/huge.ron" --theme-output "$theme"
one_error "template $T/huge.ron: "
same_file "$T/original.ron" "$theme"
no_temp_files "$dir"

# A FIFO named as the template: opened without waiting for a writer (the
# watcher rereads the template on SIGHUP), so one with none reads as empty
# at once, from the command line and from the config file.  A bounded run:
# the old code blocked in open().  A pipe with a writer is still read.
mkfifo "$T/fifo.ron"
run_bounded 5 78 --image "$COVER" --template "$T/fifo.ron" --theme-output "$theme"
one_error "$T/fifo.ron:1: "
same_file "$T/original.ron" "$theme"
printf 'template = "%s";\n' "$T/fifo.ron" >"$T/fifo-template.conf"
run_bounded 5 78 --config "$T/fifo-template.conf" --image "$COVER" --theme-output "$theme"
one_error "$T/fifo.ron:1: "
same_file "$T/original.ron" "$theme"
no_temp_files "$dir"
set +e
cat "$T/mine.ron" | timeout 5 "$RTG_BIN" --image "$COVER" --template /dev/stdin \
	--theme-output "$T/piped-out.ron" >"$OUT" 2>"$ERR"
status=$?
set -e
[ "$status" -eq 0 ] || t_fail "template from a pipe: exit $status ($(cat "$ERR"))"
quiet_success
same_file "$T/mine-out.ron" "$T/piped-out.ron"

# The built-in templates: both audited, and different.
run 0 --image "$COVER" --builtin-template rmpc-0.10 --theme-output "$T/010.ron"
run 0 --image "$COVER" --builtin-template rmpc-0.11 --theme-output "$T/011.ron"
run 0 --image "$COVER" --theme-output "$T/default.ron"
same_file "$T/011.ron" "$T/default.ron"
! cmp -s "$T/010.ron" "$T/011.ron" || t_fail "the 0.10 and 0.11 templates agree"
audit "$T/010.ron"
audit "$T/011.ron"
exit 0
