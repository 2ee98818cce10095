#!/bin/sh
# flamegraph.sh - CPU profiles of the generator on the bench images, drawn
# offline by maintained tools: perf (cpu-clock sampling with call graphs),
# perf's own "stackcollapse" and "flamegraph" report scripts, and the
# d3-flame-graph HTML template from npm.
#
#   sh tools/flamegraph.sh --cli ./rmpc-theme-gen [--bench ./bench-assets/rtg-bench]
#        [-o OUTDIR] [--seconds S] [--freq HZ] [--callgraph dwarf|fp] IMAGE...
#
# For each IMAGE (NAME = file name without extension) it writes
#   OUTDIR/flamegraph-NAME.html   interactive flame graph (d3-flame-graph)
#   OUTDIR/NAME.folded            folded stacks ("a;b;c count"), any renderer
#   OUTDIR/out/perf-NAME/         perf.data, report-self.txt, report-total.txt
#                                 (perf report), functions.txt (self and total
#                                 % per function name, from the folded stacks)
#
# The workload loops the whole generation in one process so that a short
# image still gives thousands of samples: `rmpc-theme-gen --repeat N` when the
# CLI has it, else `rtg-bench --loop N` (rtg_generate in a loop).  N is picked
# from one timed run so that each profile lasts about S seconds.
#
# Call graphs: "dwarf" (default) unwinds through Debian's libstb, libjpeg,
# libpng and zlib, which are built without frame pointers; "fp" is cheaper
# and exact for our own code when configured with --enable-profiling
# (-g -fno-omit-frame-pointer), but loses the callers of library frames.
#
# Needs: perf (Debian linux-perf) with python scripting, and the
# d3-flame-graph template: $FLAMEGRAPH_TEMPLATE, else
# /usr/share/d3-flame-graph/d3-flamegraph-base.html, else it is installed
# with npm into ${XDG_CACHE_HOME:-~/.cache}/rmpc-theme-gen (d3-flame-graph
# 4.1.3: the last release that ships the template perf expects).
set -eu

cli=
bench=
outdir=bench-assets
seconds=4
freq=999
cg=dwarf
k=8
space=CIELAB
D3_VERSION=4.1.3
while [ $# -gt 0 ]; do
	case $1 in
	--cli) cli=$2; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	-o) outdir=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--freq) freq=$2; shift 2 ;;
	--callgraph) cg=$2; shift 2 ;;
	--k) k=$2; shift 2 ;;
	--space) space=$2; shift 2 ;;
	-h|--help) sed -n '2,30p' "$0"; exit 0 ;;
	--) shift; break ;;
	-*) echo "flamegraph.sh: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "flamegraph.sh: no image given" >&2; exit 2; }
case $seconds in
''|*[!0-9]*) echo "flamegraph.sh: --seconds takes whole seconds" >&2; exit 2 ;;
esac
case $cg in
dwarf) cgopt="--call-graph dwarf,32768" ;;
fp) cgopt="--call-graph fp" ;;
*) echo "flamegraph.sh: --callgraph must be dwarf or fp" >&2; exit 2 ;;
esac

command -v perf >/dev/null 2>&1 || {
	echo "flamegraph.sh: perf is missing: apt-get install linux-perf" >&2; exit 1; }
perf script -l 2>/dev/null | grep -q '^ *flamegraph' || {
	echo "flamegraph.sh: this perf has no python scripting ('perf script -l' lists no flamegraph)" >&2
	exit 1; }

case " ${CFLAGS:-} " in
*-fno-omit-frame-pointer*) ;;
*) echo "flamegraph.sh: note: not a profiling build (configure --enable-profiling" \
	"adds -g -fno-omit-frame-pointer); symbols may be coarser" >&2 ;;
esac

# The d3-flame-graph template.
template=${FLAMEGRAPH_TEMPLATE:-}
if [ -z "$template" ] && [ -r /usr/share/d3-flame-graph/d3-flamegraph-base.html ]; then
	template=/usr/share/d3-flame-graph/d3-flamegraph-base.html
fi
if [ -z "$template" ]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/rmpc-theme-gen
	template=$cache/node_modules/d3-flame-graph/dist/templates/d3-flamegraph-base.html
	if [ ! -r "$template" ]; then
		command -v npm >/dev/null 2>&1 || {
			echo "flamegraph.sh: no d3-flame-graph template and no npm: apt-get install npm," \
			     "or set FLAMEGRAPH_TEMPLATE" >&2; exit 1; }
		echo "flamegraph.sh: installing d3-flame-graph@$D3_VERSION into $cache" >&2
		mkdir -p "$cache"
		[ -f "$cache/package.json" ] || echo '{ "private": true }' > "$cache/package.json"
		npm install --prefix "$cache" --no-audit --no-fund --silent \
			"d3-flame-graph@$D3_VERSION" >&2
	fi
	[ -r "$template" ] || { echo "flamegraph.sh: $template missing after npm install" >&2; exit 1; }
fi

abspath() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
[ -z "$cli" ] || cli=$(abspath "$cli")
[ -z "$bench" ] || bench=$(abspath "$bench")
template=$(abspath "$template")
mkdir -p "$outdir/out"
outdir=$(cd "$outdir" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rtg-flame-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ -n "$cli" ] && "$cli" --help 2>&1 | grep -q -- '--repeat'; then
	how=cli
elif [ -n "$bench" ]; then
	how=bench
	echo "flamegraph.sh: the CLI has no --repeat; looping rtg_generate with $bench --loop" >&2
else
	echo "flamegraph.sh: need --cli with --repeat, or --bench" >&2
	exit 2
fi

# run_gen N IMAGE [PREFIX...]: PREFIX (e.g. perf record ... --) followed by
# the looping generator, N generations of IMAGE.
run_gen() {
	_n=$1 _img=$2
	shift 2
	if [ $how = cli ]; then
		"$@" "$cli" --repeat "$_n" --image "$_img" --k "$k" --space "$space" \
			--theme-output "$tmp/theme.ron"
	else
		"$@" "$bench" --loop "$_n" --k "$k" --space "$space" "$_img"
	fi
}

ms_now() { date +%s%N | cut -c1-13; }

for img in "$@"; do
	[ -r "$img" ] || { echo "flamegraph.sh: $img: no such image" >&2; exit 1; }
	name=$(basename "$img")
	name=${name%.*}
	work=$outdir/out/perf-$name
	mkdir -p "$work"
	img=$(abspath "$img")

	run_gen 1 "$img" >/dev/null 2>&1	# warm the page cache
	t0=$(ms_now)
	run_gen 1 "$img" >/dev/null 2>&1
	t1=$(ms_now)
	one=$((t1 - t0))
	[ "$one" -gt 0 ] || one=1
	n=$(( (seconds * 1000 + one - 1) / one ))
	[ "$n" -ge 3 ] || n=3
	echo "flamegraph.sh: $name: ${one} ms a run, profiling $n runs ($cg call graphs, $freq Hz)" >&2

	rm -f "$work/perf.data" "$work/perf.data.old"
	# shellcheck disable=SC2086
	run_gen "$n" "$img" perf record -q -e cpu-clock -F "$freq" $cgopt \
		-o "$work/perf.data" -- >/dev/null 2>&1

	# Folded stacks and the HTML flame graph, both by perf's own scripts
	# (the flamegraph script reads perf.data from the current directory).
	(cd "$work" &&
	 perf script report stackcollapse > "$outdir/$name.folded" 2>/dev/null &&
	 perf script report flamegraph --template "$template" \
		-o "$outdir/flamegraph-$name.html" >/dev/null 2>&1)
	# Self and total (children included) time by function.
	(cd "$work" &&
	 perf report --stdio --no-children --sort symbol -g none --percent-limit 0.5 \
		> report-self.txt 2>/dev/null &&
	 perf report --stdio --children --sort symbol -g none --percent-limit 0.5 \
		> report-total.txt 2>/dev/null)
	# Per function name: self % (leaf) and total % (anywhere on the stack,
	# counted once per stack), from the folded stacks.  perf report splits one
	# function into several rows when DWARF unwinding reaches it by different
	# maps; summing by name keeps one row per function.
	awk '{
		n = $NF; all += n; sub(/ [0-9]+$/, "")
		k = split($0, f, ";"); self[f[k]] += n
		split("", seen)
		for (i = 1; i <= k; i++)
			if (!(f[i] in seen)) { seen[f[i]] = 1; tot[f[i]] += n }
	} END {
		for (s in tot) printf "%6.2f %6.2f %s\n", 100 * self[s] / all, 100 * tot[s] / all, s
	}' "$outdir/$name.folded" | sort -k1,1 -g -r > "$tmp/functions.txt"
	{
		echo "# $(awk '{ n += $NF } END { print n }' "$outdir/$name.folded") samples of $name;" \
			"self % (leaf), total % (on the stack), function"
		cat "$tmp/functions.txt"
	} > "$work/functions.txt"
	echo "flamegraph.sh: $name: $outdir/flamegraph-$name.html, $outdir/$name.folded" >&2
done
