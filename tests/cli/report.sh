# report.sh - --output writes a valid JSON report with every field, its
# numbers agree with the theme and with an independent WCAG computation,
# and strings from outside are escaped.
. "$top_srcdir/tests/cli/common.sh"
command -v python3 >/dev/null || t_skip "python3 needed to read JSON"

theme=$T/theme.ron

cat >"$T/check.py" <<'PY'
import json, re, sys

report_path, theme_path, want_source, want_k, want_space = sys.argv[1:6]
with open(report_path, "rb") as f:
    rep = json.loads(f.read().decode("utf-8"))   # strict: valid UTF-8 JSON

def need(cond, what):
    if not cond:
        sys.exit("report: " + what)

hexre = re.compile(r"^#[0-9a-f]{6}$")
need(rep["source"] == want_source, "source %r != %r" % (rep["source"], want_source))
need(rep["theme_path"] == theme_path, "theme_path")
img = rep["image"]
for key in ("width", "height", "decoded_width", "decoded_height"):
    need(isinstance(img[key], int) and img[key] > 0, "image." + key)
need(img["decoded_width"] <= img["width"], "decoded larger than declared")
need(isinstance(img["format"], str) and isinstance(img["decoder"], str), "format/decoder")
opt = rep["options"]
need(opt["k"] == int(want_k), "options.k")
need(opt["space"] == want_space, "options.space %r" % opt["space"])
need(opt["mode"] in ("auto", "dark", "light"), "options.mode")
need(isinstance(opt["template"], str) and opt["template"], "options.template")
pal = rep["palette"]
need(1 <= len(pal) <= int(want_k), "palette size %d" % len(pal))
need(all(hexre.match(p["hex"]) for p in pal), "palette hex")
shares = [p["share"] for p in pal]
need(abs(sum(shares) - 1) < 0.01, "shares sum to %f" % sum(shares))
need(shares == sorted(shares, reverse=True), "palette not sorted by share")
roles = rep["roles"]
for name in ("background", "surface", "text", "muted", "accent", "accent2",
             "accent3", "selection_bg", "selection_fg", "border", "border_active",
             "progress_elapsed", "progress_track", "info", "warn", "error",
             "debug", "trace"):
    need(hexre.match(roles[name]), "roles." + name)
with open(theme_path) as f:
    text = f.read()
m = re.search(r'background_color:\s*(?:Some\()?"(#[0-9a-fA-F]{6})"', text)
need(m and m.group(1).lower() == roles["background"], "theme background != roles.background")

def lum(h):
    def ch(v):
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (int(h[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)

def ratio(a, b):
    la, lb = sorted((lum(a), lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)

pairs = rep["pairs"]
need(len(pairs) > 0, "no audited pairs")
for p in pairs:
    need(isinstance(p["path"], str) and p["path"], "pair path")
    need(isinstance(p["line"], int) and p["line"] > 0, "pair line")
    need(hexre.match(p["fg"]) and hexre.match(p["bg"]), "pair colours")
    r = ratio(p["fg"], p["bg"])
    need(abs(r - p["ratio"]) < 0.01, "%s: ratio %s, computed %.3f" % (p["path"], p["ratio"], r))
    need(p["min"] in (1.5, 3.0, 4.5), "%s: min %s" % (p["path"], p["min"]))
    need(p["ok"] is True and r >= p["min"] - 0.005, "%s fails its minimum" % p["path"])
t = rep["timings_ms"]
for key in ("decode", "sample", "cluster", "roles", "render", "check", "publish", "total"):
    need(isinstance(t[key], (int, float)) and t[key] >= 0, "timings_ms." + key)
need(t["total"] >= t["decode"], "total < decode")
PY

# to a file (parent directories created), and to stdout
run 0 --image "$COVER" --k 6 --space oklab --theme-output "$theme" --output "$T/r/report.json"
quiet_success
python3 -m json.tool "$T/r/report.json" >/dev/null || t_fail "report is not JSON"
python3 "$T/check.py" "$T/r/report.json" "$theme" "$COVER" 6 OKLAB
no_temp_files "$T/r"

run 0 --image "$FIXTURES/photo-ladybird.jpg" --theme-output "$theme" --output -
[ ! -s "$ERR" ] || t_fail "stderr: $(cat "$ERR")"
python3 "$T/check.py" "$OUT" "$theme" "$FIXTURES/photo-ladybird.jpg" 8 CIELAB

# a flat one-colour cover still reports a full, valid document
run 0 --image "$FIXTURES/black.png" --k 1 --space RGB --theme-output "$theme" --output "$T/black.json"
python3 "$T/check.py" "$T/black.json" "$theme" "$FIXTURES/black.png" 1 RGB

# names with quotes, backslashes, control characters and bytes that are not
# UTF-8 are escaped (the invalid byte becomes U+FFFD)
weird=$(printf '%s/we"ird\\na\tme\001\377.png' "$T")
cp "$FIXTURES/red.png" "$weird"
run 0 --image "$weird" --theme-output "$theme" --output "$T/weird.json"
want=$(printf '%s/we"ird\\na\tme\001\357\277\275.png' "$T")
python3 "$T/check.py" "$T/weird.json" "$theme" "$want" 8 CIELAB

# An unwritable report path fails with 73 and one line naming the report,
# and it fails before the theme is touched: the theme keeps its bytes and
# inode, a new theme path is not created.
cp "$theme" "$T/before.ron"
ino=$(stat -c %i "$theme")
run 73 --image "$COVER" --mode light --theme-output "$theme" --output "$T/r/report.json/x.json"
one_error "report $T/r/report.json/x.json: "
grep -q 'theme not written' "$ERR" || t_fail "does not say the theme is kept: $(cat "$ERR")"
same_file "$T/before.ron" "$theme"
[ "$(stat -c %i "$theme")" = "$ino" ] || t_fail "theme replaced despite the report failure"
mkdir "$T/adir"
run 73 --image "$COVER" --theme-output "$T/new/r.ron" --output "$T/adir"
one_error "report $T/adir: is a directory"
[ ! -e "$T/new/r.ron" ] || t_fail "theme written although the report cannot be"
no_temp_files "$T/adir"
exit 0
