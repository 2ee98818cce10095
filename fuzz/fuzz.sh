#!/bin/sh
# fuzz.sh - run the libFuzzer targets of a --enable-fuzzing build.
#
#   fuzz.sh [--builddir DIR] [--srcdir DIR] [--time SECONDS] [--jobs N] [TARGET...]
#       a campaign: each TARGET (default: all) for SECONDS (default 180),
#       one after the other, niced; it stops at the first finding unless
#       --jobs N runs N forked workers that carry on past crashes.  The seed corpus in fuzz/corpus/TARGET is
#       read, never written: new inputs go to DIR/fuzz-work/TARGET, crashes
#       to DIR/fuzz-work/TARGET-crash-* (and -leak-, -timeout-, -oom-).
#       A summary line per target (executions, speed, coverage) at the end.
#   fuzz.sh --replay [--builddir DIR] [--srcdir DIR] [TARGET...]
#       runs every seed (and tests/crashers/ for the text targets) through
#       its target once: a quick regression check (make fuzz-check).
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=.
seconds=180
jobs=
replay=no
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) builddir=$2; shift 2 ;;
	--srcdir) srcdir=$(cd "$2" && pwd); shift 2 ;;
	--time) seconds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--replay) replay=yes; shift ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	-*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
targets=${*:-image pipeline theme render config mpd-reply}

# Dictionaries for the text formats: keywords a mutation rarely invents.
dict_for() {
	if [ -f "$srcdir/fuzz/dict/$1.dict" ]; then
		echo "-dict=$srcdir/fuzz/dict/$1.dict"
	fi
}

# Largest input: covers the biggest seed, keeps runs fast.
max_len_for() {
	case $1 in
	image|pipeline) echo 65536 ;;
	theme|render) echo 32768 ;;
	*) echo 4096 ;;
	esac
}

# ASan fills only the first 4 KiB of an allocation by default, so code that
# reads uninitialised heap memory (stb_image's JPEG decoder does, see
# README.md) behaves by what earlier inputs left there and its crashes do
# not reproduce.  Filling all of it makes every run repeatable.
ASAN_OPTIONS="max_malloc_fill_size=2147483647${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export ASAN_OPTIONS

status=0
for t in $targets; do
	bin="$builddir/fuzz/$t-fuzzer"
	if [ ! -x "$bin" ]; then
		echo "fuzz.sh: $bin not built (./configure --enable-fuzzing CC=clang; make)" >&2
		exit 2
	fi
	seeds="$srcdir/fuzz/corpus/$t"
	if [ "$replay" = yes ]; then
		extra=
		case $t in
		theme|render|config) extra="$srcdir/tests/crashers" ;;
		esac
		# -runs=0 with directories: each file once, no mutation.
		if "$bin" -runs=0 "$seeds" $extra >"$builddir/fuzz/$t-replay.log" 2>&1; then
			echo "PASS: $t ($(ls "$seeds" | wc -l) seeds)"
		else
			echo "FAIL: $t (see $builddir/fuzz/$t-replay.log)"
			status=1
		fi
		continue
	fi
	work="$builddir/fuzz-work/$t"
	mkdir -p "$work"
	log="$builddir/fuzz-work/$t.log"
	echo "fuzz.sh: $t for ${seconds}s (log: $log)"
	# -fork (with --jobs): a crash does not end the campaign.
	nice -n 10 "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
		-max_len="$(max_len_for "$t")" -print_final_stats=1 $(dict_for "$t") \
		-artifact_prefix="$builddir/fuzz-work/$t-" \
		${jobs:+-fork=$jobs -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1} \
		"$work" "$seeds" >"$log" 2>&1 || status=1
done

if [ "$replay" = no ]; then
	echo
	for t in $targets; do
		log="$builddir/fuzz-work/$t.log"
		[ -f "$log" ] || continue
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
		if [ -z "$runs" ]; then # fork mode: "#N: cov: ... time: Ss"
			last=$(grep '^#[0-9]*:' "$log" | tail -1)
			runs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
			secs=$(echo "$last" | sed -n 's/.* time: \([0-9]*\)s.*/\1/p')
			[ -n "$runs" ] && [ "${secs:-0}" -gt 0 ] && speed=$((runs / secs))
		fi
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
		ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1)
		found=$(ls "$builddir/fuzz-work" | grep -c "^$t-\(crash\|leak\|timeout\|oom\)-" || true)
		echo "$t: ${runs:-?} runs, ${speed:-?} exec/s, $cov, $ft, $found findings"
	done
fi
exit $status
