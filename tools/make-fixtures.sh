#!/bin/sh
# make-fixtures.sh - regenerate tests/fixtures/ and tests/crashers/.
#
# The generated files are committed; this script documents exactly how they
# were made and rebuilds them.  Needs ImageMagick 6 (`convert`, with the
# WebP delegate), python3 (to patch headers of the crashers) and, for the
# photographs, Debian's mate-backgrounds package (GPL-2+, see
# tests/fixtures/README.md).
#
#   tools/make-fixtures.sh [SRCDIR]     (SRCDIR defaults to the repo root)
set -eu

top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
fx=$top/tests/fixtures
cr=$top/tests/crashers
bg=/usr/share/backgrounds/mate
CONVERT=${CONVERT:-convert}

command -v "$CONVERT" >/dev/null || { echo "make-fixtures: ImageMagick convert not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "make-fixtures: python3 not found" >&2; exit 1; }
[ -d "$bg" ] || { echo "make-fixtures: $bg missing (apt-get install mate-backgrounds)" >&2; exit 1; }

mkdir -p "$fx" "$cr"

# Reproducible PNGs: no time/date chunks, no comments.
im() { "$CONVERT" "$@"; }
png() { # png OUT [convert args...]: last args are the image operations
	out=$1; shift
	im "$@" -strip -define png:exclude-chunks=date,time "$out"
}

# ---- synthetic, flat and simple -------------------------------------------
png "$fx/black.png"  -size 64x64 xc:'#000000' -define png:color-type=2
png "$fx/white.png"  -size 64x64 xc:'#ffffff' -define png:color-type=2
png "$fx/grey.png"   -size 64x64 xc:'#808080' -define png:color-type=2
png "$fx/red.png"    -size 64x64 xc:'#d0202c' -define png:color-type=2
# two colours, left half / right half
png "$fx/two-colours.png" -size 32x64 xc:'#1e3a8a' -size 32x64 xc:'#f59e0b' +append \
	-define png:color-type=2
# horizontal gradient red -> blue, 256 px wide
png "$fx/gradient.png" -size 32x256 gradient:'#ff0000-#0000ff' -rotate -90 \
	-define png:color-type=2
# the same pixels, Adam7-interlaced
png "$fx/interlaced.png" "$fx/gradient.png" -interlace PNG -define png:color-type=2
png "$fx/noise.png" -seed 7 -size 64x64 xc:'#808080' +noise Random -depth 8 -define png:color-type=2 -define png:bit-depth=8

# ---- PNG colour types and depths -------------------------------------------
# grey (colour type 0), 8 bit: horizontal black -> white ramp
png "$fx/grey8.png" -size 16x256 gradient:black-white -rotate -90 \
	-define png:color-type=0 -define png:bit-depth=8
# palette (colour type 3): the two-colour image as PNG8
png "$fx/palette.png" "$fx/two-colours.png" -define png:color-type=3 -define png:bit-depth=8
# 16-bit RGB: one flat colour 0x4000 0x8000 0xc000 -> 8-bit 0x40 0x80 0xc0
png "$fx/rgb16.png" -size 48x32 -depth 16 xc:'#40008000c000' \
	-define png:color-type=2 -define png:bit-depth=16
# grey + alpha (colour type 4): grey 0x60, alpha ramp 0 -> 255
png "$fx/grey-alpha.png" -size 16x256 gradient:black-white -rotate -90 \
	-size 256x16 xc:'#606060' +swap -alpha off -compose CopyOpacity -composite \
	-define png:color-type=4
# RGBA: opaque red square in the middle of a fully transparent 64x64 canvas,
# plus a half-transparent (alpha 128) blue bar at the bottom
png "$fx/rgba.png" -size 64x64 xc:none \
	-fill '#d0202c' -draw 'rectangle 16,16 47,47' \
	-fill '#0000ff80' -draw 'rectangle 0,56 63,63' -define png:color-type=6

# ---- other containers --------------------------------------------------------
im "$fx/two-colours.png" -strip BMP3:"$fx/two-colours.bmp"
im "$fx/two-colours.png" -strip "$fx/two-colours.gif"
# animated GIF: red frame first, then blue; only the first frame is decoded
im -size 32x32 xc:'#ff0000' xc:'#0000ff' -set delay 50 -loop 0 -strip "$fx/anim.gif"
im "$fx/two-colours.png" -strip -define webp:lossless=true "$fx/two-colours.webp"
# grey JPEG (one component) and CMYK JPEG (Adobe, inverted) of the two colours
im "$fx/grey8.png" -strip -quality 95 -colorspace Gray "$fx/grey8.jpg"
im "$fx/two-colours.png" -strip -quality 95 -colorspace CMYK "$fx/cmyk.jpg"

# ---- photographs (mate-backgrounds, GPL-2+) ---------------------------------
# small crops for the role tests
im "$bg/nature/LadyBird.jpg" -strip -resize 400x -gravity center -crop 400x250+0+0 +repage \
	-quality 82 "$fx/photo-ladybird.jpg"
im "$bg/nature/YellowFlower.jpg" -strip -resize 256x -gravity center -crop 256x160+0+0 +repage \
	-quality 82 -interlace JPEG "$fx/photo-flower-progressive.jpg"
im "$bg/nature/Storm.jpg" -strip -resize 300x -gravity center -crop 300x200+0+0 +repage \
	-quality 82 "$fx/photo-storm.jpg"
png "$fx/photo-elephants.png" "$bg/abstract/Elephants.jpg" -resize 192x -gravity center \
	-crop 160x108+0+0 +repage -define png:color-type=2
im "$bg/nature/Garden.jpg" -strip -resize 200x -gravity center -crop 160x160+0+0 +repage \
	-quality 90 -define webp:lossless=false "$fx/photo-garden.webp"
# album-sized (600x600) covers for the scaled-decode tests: baseline + progressive
im "$bg/nature/Dune.jpg" -strip -gravity center -crop 1050x1050+0+0 +repage -resize 600x600 \
	-quality 68 "$fx/album-dune.jpg"
im "$bg/nature/TwoWings.jpg" -strip -gravity center -crop 1600x1600+0+0 +repage -resize 600x600 \
	-quality 75 -interlace JPEG "$fx/album-twowings-progressive.jpg"

# ---- crashers: must fail cleanly, never crash --------------------------------
: > "$cr/empty.png"
printf 'This is a text file, not an image.\nSecond line.\n' > "$cr/text.txt"
# truncated: the first 40 % of a valid file
cut_to() { head -c "$(( $(wc -c < "$1") * 40 / 100 ))" "$1" > "$2"; }
cut_to "$fx/photo-ladybird.jpg" "$cr/truncated.jpg"
cut_to "$fx/photo-elephants.png" "$cr/truncated.png"
cut_to "$fx/two-colours.bmp" "$cr/truncated.bmp"
head -c 120 "$fx/two-colours.gif" > "$cr/truncated.gif"
# a valid TGA: a format stb_image reads but we refuse (no magic bytes)
im -size 8x8 xc:'#336699' -strip "$cr/image.tga"
# header-only and cut WebP
printf 'RIFF\004\000\000\000WEBP' > "$cr/zero-length.webp"
head -c 200 "$fx/photo-garden.webp" > "$cr/truncated.webp"
python3 - "$fx" "$cr" <<'EOF'
import struct, sys, zlib
fx, cr = sys.argv[1], sys.argv[2]

def png_with_ihdr(src, dst, w, h):
    b = bytearray(open(src, 'rb').read())
    assert b[12:16] == b'IHDR'
    b[16:24] = struct.pack('>II', w, h)
    b[29:33] = struct.pack('>I', zlib.crc32(bytes(b[12:29])) & 0xffffffff)
    open(dst, 'wb').write(b)

# absurd per side, and within the per-side limit but 268 M pixels in total
png_with_ihdr(fx + '/grey.png', cr + '/huge-100000x100000.png', 100000, 100000)
png_with_ihdr(fx + '/grey.png', cr + '/huge-16384x16384.png', 16384, 16384)

# JPEG: patch the SOF0 height/width (16 bit each) to 65535x65535
b = bytearray(open(fx + '/photo-ladybird.jpg', 'rb').read())
i = 2
while True:
    assert b[i] == 0xFF
    m, n = b[i + 1], struct.unpack('>H', b[i + 2:i + 4])[0]
    if m in (0xC0, 0xC1, 0xC2):
        b[i + 5:i + 9] = struct.pack('>HH', 65535, 65535)
        break
    i += 2 + n
open(cr + '/huge-65535x65535.jpg', 'wb').write(b)

# BMP declaring 1000000 x -1000000 (top-down) on a tiny file
b = bytearray(open(fx + '/two-colours.bmp', 'rb').read())
b[18:26] = struct.pack('<ii', 1000000, -1000000)
open(cr + '/huge.bmp', 'wb').write(b)

# GIF whose logical screen is 65535x65535
b = bytearray(open(fx + '/two-colours.gif', 'rb').read())
b[6:10] = struct.pack('<HH', 65535, 65535)
open(cr + '/huge.gif', 'wb').write(b)

# PNG with a corrupt IDAT (bytes flipped in the middle of the zlib stream)
b = bytearray(open(fx + '/photo-elephants.png', 'rb').read())
j = b.index(b'IDAT') + 4
for k in range(j + 100, j + 140):
    b[k] ^= 0x5A
open(cr + '/corrupt-idat.png', 'wb').write(b)
EOF

echo "make-fixtures: done"
du -b "$fx"/* "$cr"/* | sort -n | tail -5
du -sb "$fx" "$cr"
