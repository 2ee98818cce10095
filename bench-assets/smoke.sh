# smoke.sh - `make bench`'s driver still builds against the core and measures
# what it claims: a short run on two small fixtures (no ImageMagick), the
# markdown it writes, the profiling loop, and a failing image.
. "$top_srcdir/tests/setup.sh"

BENCH=$top_builddir/bench-assets/rtg-bench
[ -x "$BENCH" ] || t_fail "$BENCH not built"
jpg=$FIXTURES/album-dune.jpg
png=$FIXTURES/photo-elephants.png
mkdir "$T/pub"

"$BENCH" -n 3 -m 1 --no-convert --cli "$RTG_BIN" --publish-dir "$T/pub" \
	-o "$T/bench.md" "$jpg" "$png" > "$T/stdout" 2> "$T/stderr" ||
	t_fail "rtg-bench exited $? on two good images: $(cat "$T/stderr")"
cmp -s "$T/stdout" "$T/bench.md" || t_fail "stdout and -o file differ"

# One row per image in the in-process table, with 3 runs and the decoder
# this build uses for it (the CLI lists the decoders configure built in):
# the JPEG through libjpeg-turbo when built, the small PNG through the
# ISA-L path when built (it streams every PNG), else the libdeflate path
# when built (under png.c's streaming threshold), else stb_image.
decoders=$("$RTG_BIN" --version | sed -n 's/^decoders: //p')
[ -n "$decoders" ] || t_fail "no decoder list from $RTG_BIN --version"
jpg_dec=stb_image png_dec=stb_image
case $decoders in *libjpeg-turbo*) jpg_dec=libjpeg-turbo ;; esac
case $decoders in *libdeflate*) png_dec=libdeflate ;; esac
case $decoders in *ISA-L*) png_dec=isa-l ;; esac
grep -q "^| album-dune.jpg | [0-9.]* | [0-9]*x[0-9]* .*| $jpg_dec | 3 |" "$T/bench.md" ||
	t_fail "no in-process row for album-dune.jpg by $jpg_dec: $(grep album-dune "$T/bench.md")"
grep -q "^| photo-elephants.png | [0-9.]* | [0-9]*x[0-9]* | $png_dec | 3 |" "$T/bench.md" ||
	t_fail "no in-process row for photo-elephants.png by $png_dec: $(grep photo-elephants "$T/bench.md")"
# Every stage column is a number; the whole-process row has a CLI time.
# (the in-process table has 18 columns: 20 fields between the bars)
awk -F'|' '/^\| (album-dune|photo-elephants)/ && NF == 20 {
	rows++
	for (i = 7; i <= 19; i++) if ($i !~ /^ [0-9]+\.[0-9]+ $/) { print "column " i ": " $i; bad = 1 }
} END { exit bad || rows != 2 }' "$T/bench.md" || t_fail "a non-numeric stage cell"
grep -q '^| photo-elephants.png | [0-9.]* | [0-9.]* | [0-9.]* | [0-9.]* ([0-9.]*–[0-9.]*) |' "$T/bench.md" ||
	t_fail "no whole-process row for photo-elephants.png"
grep -q '^| peak RSS ≤ full-size RGBA + 16 MiB | photo-elephants.png |' "$T/bench.md" ||
	t_fail "no RSS goal row"
# The RSS budget is the declared size's RGBA + 16 MiB, also when the decode
# was reduced (album-dune.jpg: 600x600, decoded at 1/2 by libjpeg-turbo).
awk -F'|' '
	$2 ~ /^ (album-dune.jpg|photo-elephants.png) $/ && NF == 20 {
		match($4, /[0-9]+x[0-9]+/)   # the declared size comes first
		split(substr($4, RSTART, RLENGTH), wh, "x")
		want[$2] = sprintf("%.2f", wh[1] * wh[2] * 4 / 1048576 + 16)
	}
	$2 ~ /^ peak RSS/ { split($5, t, " "); got[$3] = t[2] }
	END {
		for (k in want) {
			if (got[k] != want[k]) { print k ": budget " got[k] ", want " want[k]; bad = 1 }
			rows++
		}
		exit bad || rows != 2
	}' "$T/bench.md" > "$T/budget" || t_fail "RSS budget not the full size: $(cat "$T/budget")"
grep -q failed "$T/bench.md" && t_fail "a failure in a good run: $(grep failed "$T/bench.md")"
# Publish targets and temp dirs are gone.
[ -z "$(ls -A "$T/pub")" ] || t_fail "left in the publish dir: $(ls -A "$T/pub")"

# The profiling workload.
"$BENCH" --loop 3 "$png" 2> "$T/loop" || t_fail "--loop failed: $(cat "$T/loop")"
grep -q '3 runs of' "$T/loop" || t_fail "--loop said: $(cat "$T/loop")"

# Not an image: the row says so and the exit status is 1.
echo 'not an image' > "$T/text.png"
set +e
"$BENCH" -n 1 -m 1 --no-convert --publish-dir "$T/pub" "$T/text.png" > "$T/bad" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || t_fail "exit $rc on a text file, expected 1"
grep -q '^| text.png | .*failed: rtg_generate: ' "$T/bad" || t_fail "no failure row: $(cat "$T/bad")"
exit 0
