#!/bin/sh
# make-assets.sh - derive the benchmark images reproducibly from a
# Debian-packaged painting, and write ASSETS.md (provenance, licence, size,
# dimensions, sha256 of each image).
#
#   sh bench-assets/make-assets.sh [-o OUTDIR] [-m ASSETS_MD] [-f]
#
# OUTDIR defaults to bench-assets/gen next to this script (git-ignored);
# ASSETS_MD defaults to OUTDIR/ASSETS.md.  -f regenerates existing images.
# Needs: mate-backgrounds (the source image) and imagemagick (convert,
# identify), both from Debian:  apt-get install mate-backgrounds imagemagick
#
# The images are derived, not committed: the stress PNGs alone are ~40 MB.
# The same Debian packages give the same bytes; ASSETS.md records the
# checksums so a different ImageMagick or source version shows up as a diff.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out="$here/gen"
md=
force=0
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	-m) md=$2; shift 2 ;;
	-f) force=1; shift ;;
	-h|--help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "make-assets.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$md" ] || md="$out/ASSETS.md"

SRC=${RTG_BENCH_SRC:-/usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg}
SRC_PKG=mate-backgrounds
COPYRIGHT=/usr/share/doc/$SRC_PKG/copyright

if [ ! -r "$SRC" ]; then
	cat >&2 <<EOF
make-assets.sh: source image $SRC is missing.
  It comes from Debian's '$SRC_PKG' package. Install it (as root):
      apt-get install $SRC_PKG
  or point RTG_BENCH_SRC at another large JPEG (at least 3172 px high).
EOF
	exit 1
fi

# Prefer the real ImageMagick binary over any wrapper found first on PATH.
CONVERT=${CONVERT:-}
if [ -z "$CONVERT" ]; then
	for c in /usr/bin/convert-im6.q16 /usr/bin/convert convert; do
		if command -v "$c" >/dev/null 2>&1; then CONVERT=$c; break; fi
	done
fi
IDENTIFY=${IDENTIFY:-}
if [ -z "$IDENTIFY" ]; then
	for c in /usr/bin/identify-im6.q16 /usr/bin/identify identify; do
		if command -v "$c" >/dev/null 2>&1; then IDENTIFY=$c; break; fi
	done
fi
if [ -z "$CONVERT" ] || [ -z "$IDENTIFY" ]; then
	echo "make-assets.sh: ImageMagick is missing: apt-get install imagemagick" >&2
	exit 1
fi

mkdir -p "$out"

# PNG: no timestamps or other ancillary chunks, so the bytes depend only on
# the pixels and the encoder.  JPEG: quality 90 with 4:2:0 chroma, which is
# what most album art in the wild uses.
PNGOPT="-strip -define png:exclude-chunks=date,time"
JPGOPT="-strip -quality 90 -sampling-factor 2x2,1x1,1x1"

# The source is 5640x3172: every image starts from its centre square
# (3172x3172), resized with Lanczos.  Downscaling keeps the painting's detail
# dense, so the PNG sizes land near the old tool's four stress images (1.6,
# 4.1, 11 and 23 MB).  The 3370 image is a mild upscale (3172 -> 3370).
sq="$out/.square.ppm"
need=0
STRESS="840 1340 2230 3370"
COVERS="600 1000 1400 3000"
PNGCOVERS="600 1000 1400"
names=
for s in $STRESS; do names="$names stress-$s.png"; done
for s in $COVERS; do names="$names cover-$s-baseline.jpg cover-$s-progressive.jpg"; done
for s in $PNGCOVERS; do names="$names cover-$s.png"; done
for n in $names; do [ -f "$out/$n" ] || need=1; done
[ $force -eq 1 ] && need=1

if [ $need -eq 1 ]; then
	echo "make-assets.sh: deriving bench images from $SRC into $out" >&2
	"$CONVERT" "$SRC" -gravity center -crop 3172x3172+0+0 +repage "$sq"
	for s in $STRESS; do
		f="$out/stress-$s.png"
		if [ $force -eq 1 ] || [ ! -f "$f" ]; then
			# shellcheck disable=SC2086
			"$CONVERT" "$sq" -filter Lanczos -resize "${s}x${s}" $PNGOPT "$f.tmp.png"
			mv "$f.tmp.png" "$f"
		fi
	done
	for s in $COVERS; do
		b="$out/cover-$s-baseline.jpg"
		p="$out/cover-$s-progressive.jpg"
		if [ $force -eq 1 ] || [ ! -f "$b" ] || [ ! -f "$p" ]; then
			# shellcheck disable=SC2086
			"$CONVERT" "$sq" -filter Lanczos -resize "${s}x${s}" $JPGOPT -interlace none "$b.tmp.jpg"
			# shellcheck disable=SC2086
			"$CONVERT" "$sq" -filter Lanczos -resize "${s}x${s}" $JPGOPT -interlace JPEG "$p.tmp.jpg"
			mv "$b.tmp.jpg" "$b"
			mv "$p.tmp.jpg" "$p"
		fi
	done
	for s in $PNGCOVERS; do
		f="$out/cover-$s.png"
		if [ $force -eq 1 ] || [ ! -f "$f" ]; then
			# shellcheck disable=SC2086
			"$CONVERT" "$sq" -filter Lanczos -resize "${s}x${s}" $PNGOPT "$f.tmp.png"
			mv "$f.tmp.png" "$f"
		fi
	done
	rm -f "$sq"
fi

# ---- ASSETS.md
pkgver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null || echo unknown)
imver=$("$CONVERT" -version | sed -n '1s/^Version: ImageMagick //p')
srcsha=$(sha256sum "$SRC" | cut -d' ' -f1)
srcdim=$("$IDENTIFY" -format '%wx%h' "$SRC")
srcsize=$(stat -c %s "$SRC")
# The copyright stanza that names the source file (DEP-5 format).
lic=unknown
if [ -r "$COPYRIGHT" ]; then
	base=$(basename "$SRC")
	lic=$(awk -v f="$base" '
		/^Files:/ { hit = 0 }
		index($0, f) { hit = 1 }
		hit && /^Copyright:/ { sub(/^Copyright: */, ""); c = $0 }
		hit && /^License:/ { sub(/^License: */, ""); print c " — licence " $0; exit }
	' "$COPYRIGHT")
	[ -n "$lic" ] || lic="see $COPYRIGHT"
fi

tmpmd="$md.tmp"
{
	echo "# Bench assets"
	echo
	echo "Generated by \`bench-assets/make-assets.sh\`; do not edit by hand."
	echo "The images themselves are not committed: the script derives them"
	echo "into \`bench-assets/gen/\` (or the build tree's) and \`make bench\` runs it"
	echo "when they are missing."
	echo
	echo "## Source"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| file | \`$SRC\` |"
	echo "| package | Debian \`$SRC_PKG\` $pkgver |"
	echo "| copyright, licence | $lic (from \`$COPYRIGHT\`) |"
	echo "| dimensions, size | $srcdim, $srcsize bytes |"
	echo "| sha256 | \`$srcsha\` |"
	echo "| tool | ImageMagick $imver |"
	echo
	echo "Every image is the source's centre square (3172×3172, \`-gravity center"
	echo "-crop 3172x3172+0+0\`) resized with \`-filter Lanczos -resize S×S\`."
	echo "PNG: \`$PNGOPT\` (8-bit RGB). JPEG: \`$JPGOPT\`,"
	echo "baseline \`-interlace none\`, progressive \`-interlace JPEG\`."
	echo "The derived images carry the source's licence."
	echo
	echo "## Images"
	echo
	echo "| file | role | format | dimensions | bytes | MB | sha256 |"
	echo "|---|---|---|---|---:|---:|---|"
	for n in $names; do
		f="$out/$n"
		case $n in
		stress-*) role="stress" ;;
		*progressive*) role="cover, progressive" ;;
		*baseline*) role="cover, baseline" ;;
		*) role="cover" ;;
		esac
		fmt=$("$IDENTIFY" -format '%m' "$f")
		dim=$("$IDENTIFY" -format '%wx%h' "$f")
		sz=$(stat -c %s "$f")
		mb=$(awk -v s="$sz" 'BEGIN { printf "%.2f", s / 1e6 }')
		sha=$(sha256sum "$f" | cut -d' ' -f1)
		echo "| $n | $role | $fmt | $dim | $sz | $mb | \`$sha\` |"
	done
} > "$tmpmd"
mv "$tmpmd" "$md"
echo "make-assets.sh: wrote $md" >&2
