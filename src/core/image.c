/* image.c - decode untrusted image bytes into RGBA8.
 *
 * Order of work, so that a hostile file costs nothing:
 *   1. size of the input against max_bytes;
 *   2. format from the magic bytes (unknown -> RTG_ERR_FORMAT; stb_image's
 *      magic-less formats such as TGA are deliberately not accepted, since
 *      almost any byte string "is" a TGA);
 *   3. dimensions from the header (our own few-byte parse, then stbi_info /
 *      jpeg_read_header / WebPGetInfo) against max_dimension and max_pixels;
 *   4. only then the pixel buffer and the decode.
 * Our own header parse exists because stb_image refuses absurd headers with
 * a generic "too large" before it reports dimensions; parsing them here lets
 * such files fail as RTG_ERR_LIMIT with the declared size in the message.
 *
 * JPEG (when built with libjpeg-turbo): decoded in the DCT domain at 1/8,
 * 1/4 or 1/2 scale when that still leaves min_pixels pixels (1/2 also when
 * it leaves min_half), which is several times cheaper than a full decode; a
 * progressive JPEG decoded at reduced scale skips the scans that scale does
 * not need (see "progressive JPEG at reduced scale").  Any libjpeg error or
 * warning falls back to stb_image, whose message is the one reported if it
 * fails too.
 *
 * PNG (when built with libdeflate or zlib): png.c, which keeps only every d-th
 * column and row when that still leaves min_pixels pixels and needs neither
 * a full-size unfiltered nor a full-size RGBA image.  Its verdict on a
 * broken file is final; the few PNGs it does not implement go to stb_image.
 *
 * rtg_image_decode_grid (what the generator uses): libjpeg-turbo's rows,
 * the progressive decoder's and png.c's (non-interlaced) keep only the
 * pixels the sampler will visit (grid.h).  On a 1000x1000 PNG cover that
 * is a quarter of the pixels, the RGBA buffer is 1 MiB instead of 4, and
 * the sampler reads it in order instead of every other pixel of every
 * other row.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#ifdef HAVE_JPEG
#include <setjmp.h>
#include <jpeglib.h>
#endif
#ifdef HAVE_WEBP
#include <webp/decode.h>
#endif

#include "grid.h"
#include "image.h"
#include "jpegprog.h"
#include "png.h"
#include "status.h"

/* rtg_image_free() releases px with the allocator of the decoder that made
 * it; the decoder name pointer identifies which one. */
static const char DEC_STB[] = "stb_image";
#ifdef HAVE_JPEG
static const char DEC_JPEG[] = "libjpeg-turbo";
#endif
#ifdef HAVE_WEBP
static const char DEC_WEBP[] = "libwebp";
#endif

enum fmt { F_UNKNOWN, F_JPEG, F_PNG, F_GIF, F_BMP, F_WEBP };

static const char *const fmt_name[] = {
	[F_UNKNOWN] = "unknown", [F_JPEG] = "jpeg", [F_PNG] = "png",
	[F_GIF] = "gif", [F_BMP] = "bmp", [F_WEBP] = "webp",
};

/* Upper-case names for messages. */
static const char *const fmt_label[] = {
	[F_UNKNOWN] = "image", [F_JPEG] = "JPEG", [F_PNG] = "PNG",
	[F_GIF] = "GIF", [F_BMP] = "BMP", [F_WEBP] = "WebP",
};

void
rtg_limits_default(struct rtg_limits *l)
{
	l->max_dimension = RTG_MAX_DIMENSION_DEFAULT;
	l->max_pixels = RTG_MAX_PIXELS_DEFAULT;
	l->max_bytes = RTG_MAX_BYTES_DEFAULT;
}

static uint32_t
be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le16(const uint8_t *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Magic numbers: JPEG SOI + marker, the PNG signature, "GIF87a"/"GIF89a",
 * "BM", RIFF....WEBP.  stb_image also reads PNM, PSD, TGA, HDR and PIC, but
 * it decodes truncated PNM/PSD files without complaint and TGA has no magic,
 * and no cover comes in those formats: they are refused as unknown. */
static enum fmt
sniff(const uint8_t *b, size_t n)
{
	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return F_JPEG;
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return F_PNG;
	if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
		return F_GIF;
	if (n >= 2 && b[0] == 'B' && b[1] == 'M')
		return F_BMP;
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return F_WEBP;
	return F_UNKNOWN;
}

/* JPEG: walk the marker segments up to the first SOFn.  Returns false when
 * the header is cut off before it (the decoder will say why). */
static bool
jpeg_dims(const uint8_t *b, size_t n, uint32_t *w, uint32_t *h)
{
	size_t i = 2;

	while (i + 4 <= n) {
		if (b[i] != 0xFF)
			return false;
		uint8_t m = b[i + 1];
		if (m == 0xFF) { /* fill byte */
			i++;
			continue;
		}
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { /* no length */
			i += 2;
			continue;
		}
		if (m == 0xD9 || m == 0xDA) /* EOI / SOS before any SOF */
			return false;
		uint32_t seglen = be16(b + i + 2);
		if (seglen < 2)
			return false;
		/* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) */
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			if (i + 9 > n)
				return false;
			*h = be16(b + i + 5);
			*w = be16(b + i + 7);
			return true;
		}
		i += 2 + (size_t)seglen;
	}
	return false;
}

/* Dimensions as the header declares them, for the formats where that is a
 * few fixed bytes.  false: unknown (short header, other format). */
static bool
header_dims(enum fmt f, const uint8_t *b, size_t n, uint32_t *w, uint32_t *h)
{
	switch (f) {
	case F_PNG:
		if (n < 24 || memcmp(b + 12, "IHDR", 4) != 0)
			return false;
		*w = be32(b + 16);
		*h = be32(b + 20);
		return true;
	case F_GIF:
		if (n < 10)
			return false;
		*w = le16(b + 6);
		*h = le16(b + 8);
		return true;
	case F_BMP: {
		if (n < 26)
			return false;
		uint32_t hsz = le32(b + 14);
		if (hsz == 12) { /* OS/2 BITMAPCOREHEADER: 16-bit fields */
			*w = le16(b + 18);
			*h = le16(b + 20);
			return true;
		}
		int64_t sw = (int32_t)le32(b + 18), sh = (int32_t)le32(b + 22);
		/* a negative height means top-down rows */
		*w = (uint32_t)(sw < 0 ? -sw : sw);
		*h = (uint32_t)(sh < 0 ? -sh : sh);
		return true;
	}
	case F_JPEG:
		return jpeg_dims(b, n, w, h);
	default:
		return false;
	}
}

/* stb_image decodes a GIF or an uncompressed BMP whose data is cut short
 * without an error (missing bytes read as zeros), so that truncation is
 * detected here from the file's structure. */

/* GIF: walk the blocks up to the end of the first image's data sub-blocks
 * (GIF89a spec: header, optional global colour table, extensions, image
 * descriptor, optional local colour table, LZW code size, sub-blocks).
 * Returns false for anything it does not understand: stb_image judges. */
static bool
gif_truncated(const uint8_t *b, size_t n)
{
	size_t i = 13;

	if (n < 13)
		return true;
	if (b[10] & 0x80)
		i += (size_t)3 << ((b[10] & 7) + 1);
	for (;;) {
		if (i >= n)
			return true;
		uint8_t t = b[i++];
		if (t == 0x21) { /* extension: label, then sub-blocks */
			i++;
		} else if (t == 0x2C) { /* image descriptor */
			if (i + 9 > n)
				return true;
			uint8_t fl = b[i + 8];
			i += 9;
			if (fl & 0x80)
				i += (size_t)3 << ((fl & 7) + 1);
			i++; /* LZW minimum code size */
		} else {
			return false; /* trailer or unknown: not ours to judge */
		}
		for (;;) { /* sub-blocks up to the zero-length terminator */
			if (i >= n)
				return true;
			uint8_t sz = b[i++];
			if (sz == 0)
				break;
			i += sz;
		}
		if (t == 0x2C)
			return false; /* first image complete */
	}
}

/* BMP without compression (BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS): the
 * pixel array is offset + rows padded to 4 bytes.  false when it cannot
 * tell (RLE, odd header). */
static bool
bmp_truncated(const uint8_t *b, size_t n, uint32_t w, uint32_t h, uint64_t *need)
{
	uint32_t hsz, bpp, comp;

	if (n < 30)
		return false;
	hsz = le32(b + 14);
	if (hsz == 12) {
		bpp = le16(b + 24);
		comp = 0;
	} else {
		if (n < 34)
			return false;
		bpp = le16(b + 28);
		comp = le32(b + 30);
	}
	if ((comp != 0 && comp != 3 && comp != 6) || bpp == 0 || bpp > 32)
		return false;
	uint64_t row = ((uint64_t)bpp * w + 31) / 32 * 4;
	*need = (uint64_t)le32(b + 10) + row * h;
	return (uint64_t)n < *need;
}

static int
check_dims(enum fmt f, uint32_t w, uint32_t h, const struct rtg_limits *lim,
           char *err)
{
	if (w > lim->max_dimension || h > lim->max_dimension)
		return rtg_fail(err, RTG_ERR_LIMIT,
		                "%s is %" PRIu32 "x%" PRIu32 " pixels, above the limit of %" PRIu32
		                " pixels per side", fmt_label[f], w, h, lim->max_dimension);
	uint64_t px = (uint64_t)w * h;
	if (px > lim->max_pixels)
		return rtg_fail(err, RTG_ERR_LIMIT,
		                "%s is %" PRIu32 "x%" PRIu32 " = %" PRIu64
		                " pixels, above the limit of %" PRIu64 " pixels",
		                fmt_label[f], w, h, px, lim->max_pixels);
	/* The RGBA buffer must be addressable whatever the limits say. */
	if (px > SIZE_MAX / 4 || px > (uint64_t)INT_MAX)
		return rtg_fail(err, RTG_ERR_LIMIT,
		                "%s is %" PRIu32 "x%" PRIu32 " pixels, too large to decode",
		                fmt_label[f], w, h);
	return 0;
}

static void
image_init(struct rtg_image *img, enum fmt f)
{
	memset(img, 0, sizeof *img);
	img->scale_denom = 1;
	img->format = fmt_name[f];
}

/* ---- stb_image --------------------------------------------------------- */

/* stb_image's failure reasons are short tags ("outofdata", "bad huffman
 * code"); for an unknown PNG chunk the tag is the chunk's type bytes, which
 * may be binary.  Only a readable tag goes into our message. */
static const char *
stb_reason(void)
{
	const char *r = stbi_failure_reason();
	bool lower = false;

	if (r == NULL || strlen(r) < 4)
		return "malformed data";
	for (const char *p = r; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return "malformed data";
		lower |= *p >= 'a' && *p <= 'z';
	}
	return lower ? r : "malformed data";
}

/* jpeg_huff_defined's answers */
enum jpeg_huff { JH_OK, JH_UNDEFINED, JH_LOST };
static enum jpeg_huff jpeg_huff_defined(const uint8_t *b, size_t n);

static int
decode_stb(enum fmt f, const uint8_t *buf, size_t len,
           const struct rtg_limits *lim, struct rtg_image *img, char *err)
{
	int w, h, n, st;

	if (!stbi_info_from_memory(buf, (int)len, &w, &h, &n))
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt or truncated %s (stb_image: %s)",
		                fmt_label[f], stb_reason());
	if (w <= 0 || h <= 0)
		return rtg_fail(err, RTG_ERR_DECODE, "%s declares an empty image (%dx%d)",
		                fmt_label[f], w, h);
	if ((st = check_dims(f, (uint32_t)w, (uint32_t)h, lim, err)) < 0)
		return st;
	/* after the size (limits before decoding), before stb_image decodes */
	if (f == F_JPEG) {
		enum jpeg_huff jh = jpeg_huff_defined(buf, len);
		if (jh == JH_UNDEFINED)
			return rtg_fail(err, RTG_ERR_DECODE, "corrupt JPEG (a scan uses a Huffman "
			                "table the file does not define)");
		if (jh == JH_LOST)
			return rtg_fail(err, RTG_ERR_DECODE, "corrupt or truncated JPEG (its "
			                "segments cannot be followed to the end of the image)");
	}

	int dw, dh;
	uint8_t *px = stbi_load_from_memory(buf, (int)len, &dw, &dh, &n, 4);
	if (px == NULL) {
		const char *why = stbi_failure_reason();
		if (why != NULL && strcmp(why, "outofmem") == 0)
			return rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding %dx%d %s",
			                w, h, fmt_label[f]);
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt or truncated %s (stb_image: %s)",
		                fmt_label[f], stb_reason());
	}
	if (dw != w || dh != h) { /* cannot happen with stb 2.27; never trust it */
		stbi_image_free(px);
		return rtg_fail(err, RTG_ERR_DECODE, "%s decoded to %dx%d, header said %dx%d",
		                fmt_label[f], dw, dh, w, h);
	}
	img->px = px;
	img->width = img->full_width = (uint32_t)w;
	img->height = img->full_height = (uint32_t)h;
	img->scale_denom = 1;
	img->decoder = DEC_STB;
	return 0;
}

/* Whether every Huffman table a scan of the JPEG b[0..n) uses was defined
 * before it.  stb_image decodes a scan with an undefined table from
 * uninitialised memory (valgrind), and Debian's libstb then fails its own
 * assertion or reads out of bounds (found by fuzz/image-fuzzer through the
 * fallback below libjpeg), so such a file never reaches it.  Baseline
 * scans use both tables of each component, progressive DC first scans the
 * DC one, AC scans the AC one, DC refinement none.
 *
 * The walk must see every segment stb_image acts on.  Bytes between
 * segments are skipped up to the next 0xFF, as libjpeg does (stb_image
 * fails there); a scan's data end at the first marker that is not RSTn,
 * 0xFF runs before a 0x00 being data as both decoders read them
 * (rtg_jpeg_scan_end).  Where the walk cannot go on before EOI - a segment
 * running past the end or too short to be one, scan data with no marker
 * after them - the file is JH_LOST: stb_image fails on a file whose
 * markers do not lead to EOI anyway, and where the two walks part, it
 * could act on segments this one never saw (FF FF 00 in a scan's data,
 * taken for a marker, used to end this walk with "all defined" while
 * stb_image went on to a scan with an undefined table). */
static enum jpeg_huff
jpeg_huff_defined(const uint8_t *b, size_t n)
{
	bool def[2][4] = { { false } }, prog = false;
	size_t i = 2;

	while (i + 2 <= n) {
		uint8_t m = b[i + 1];
		if (b[i] != 0xFF || m == 0xFF) { /* garbage or fill: skipped */
			i++;
			continue;
		}
		if (m == 0xD9)
			return JH_OK;
		if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { /* no length */
			i += 2;
			continue;
		}
		if (i + 4 > n)
			return JH_LOST;
		size_t seg = 2 + (size_t)be16(b + i + 2);
		if (seg < 4 || seg > n - i)
			return JH_LOST;
		const uint8_t *p = b + i + 4, *end = b + i + seg;
		if (m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE)
			prog = true;
		if (m == 0xC4) { /* DHT: class/id, 16 counts, symbols; repeated */
			while (end - p >= 17) {
				size_t cnt = 0;
				for (int k = 1; k <= 16; k++)
					cnt += p[k];
				if ((p[0] >> 4) <= 1 && (p[0] & 15) <= 3)
					def[p[0] >> 4][p[0] & 15] = true;
				if ((size_t)(end - p) < 17 + cnt)
					break;
				p += 17 + cnt;
			}
		} else if (m == 0xDA) {
			/* length, Ns, Ns x (Cs, Td/Ta), Ss, Se, Ah/Al */
			if (seg < 5)
				return JH_LOST;
			unsigned ns = p[0];
			if (seg < 8 + 2 * (size_t)ns)
				return JH_LOST;
			unsigned ss = p[1 + 2 * ns], ah = p[3 + 2 * ns] >> 4;
			for (unsigned c = 0; c < ns; c++) {
				unsigned td = p[2 + 2 * c] >> 4, ta = p[2 + 2 * c] & 15;
				bool dc = !prog || (ss == 0 && ah == 0), ac = !prog || ss > 0;
				if ((dc && (td > 3 || !def[0][td])) || (ac && (ta > 3 || !def[1][ta])))
					return JH_UNDEFINED;
			}
			i = rtg_jpeg_scan_end(b, i + seg, n);
			continue;
		}
		i += seg;
	}
	return JH_LOST;
}

/* ---- libjpeg-turbo (DCT-domain scaling) ---------------------------------- */

#ifdef HAVE_JPEG
struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int warnings;
};

static void
jerr_exit(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)(void *)c->err;
	longjmp(e->jb, 1);
}

/* Library code never prints: messages are dropped, warnings only counted
 * (a warning means corrupt data that libjpeg papered over; we then let
 * stb_image judge the file instead). */
static void
jerr_emit(j_common_ptr c, int level)
{
	struct jerr *e = (struct jerr *)(void *)c->err;
	if (level < 0)
		e->warnings++;
}

static void
jerr_output(j_common_ptr c)
{
	(void)c;
}

/* Largest reduction (1/8, 1/4, 1/2) whose output keeps >= min_pixels pixels,
 * or for 1/2 alone >= min_half (when not 0); min_pixels 0: full size.
 * libjpeg rounds scaled sizes up (jdiv_round_up), so do we. */
static int
jpeg_pick_denom(uint32_t w, uint32_t h, uint64_t min_pixels, uint64_t min_half)
{
	if (min_pixels == 0)
		return 1;
	for (int d = 8; d >= 2; d /= 2) {
		uint64_t sw = (w + (uint32_t)d - 1) / (uint32_t)d;
		uint64_t sh = (h + (uint32_t)d - 1) / (uint32_t)d;
		if (sw * sh >= min_pixels || (d == 2 && min_half != 0 && sw * sh >= min_half))
			return d;
	}
	return 1;
}

/* ---- progressive JPEG at reduced scale ----
 *
 * A progressive file codes the coefficients in several scans: the DC ones
 * first, then bands of AC coefficients (spectral selection), each first sent
 * without its lowest bits and later refined bit by bit (successive
 * approximation).  libjpeg entropy-decodes every scan whatever the output
 * scale, and the AC refinement scans are most of that work: in the profile,
 * decode_mcu_AC_refine + decode_mcu_AC_first were 78 % of a 3000x3000
 * progressive cover decoded at 1/4.  At 1/d scale each block's IDCT is only
 * (8/d)x(8/d) and reads the block's lowest frequencies, so before decoding
 * the stream is rewritten without
 *   - the AC refinement scans: the AC coefficients keep the precision of
 *     their first scan (libjpeg's default script sends luma AC without the 2
 *     lowest bits, chroma AC without 1), and
 *   - the AC scans whose band starts above the highest zigzag position the
 *     component's reduced IDCT reads (at 1/4: luma coefficients 6..63).
 * The DC scans, first and refinement, are all kept.  What is left is a valid
 * progressive JPEG that libjpeg decodes like any other.  Measured on the
 * bench covers (libjpeg-turbo 2.1, in process): 1400x1400 at 1/2 in 6.7 ms
 * instead of 28.8, 3000x3000 at 1/4 in 16.9 instead of 104.7; the palettes
 * stay within the bounds tests/unit/test_scaled.c checks.  A file whose
 * marker structure this walk does not follow (truncated, no EOI, odd segment
 * lengths) is decoded unchanged, with libjpeg's own error handling. */

/* Highest zigzag index whose row and column are both < s (s = 1, 2, 4, 8):
 * 0, 4, 24, 63.  The zigzag order walks the anti-diagonals r + c = 0..14,
 * even ones from the bottom-left up, odd ones from the top-right down. */
static int
jpeg_zigzag_max(int s)
{
	int k = 0, best = 0;

	for (int d = 0; d < 15; d++) {
		int lo = d > 7 ? d - 7 : 0, hi = d < 7 ? d : 7;
		for (int i = 0; i <= hi - lo; i++, k++) {
			int r = d % 2 ? lo + i : hi - i, c = d - r;
			if (r < s && c < s)
				best = k;
		}
	}
	return best;
}

/* The stream b[0..n) without the scans described above, in a malloc'd
 * buffer (*outlen bytes); NULL when nothing would be dropped, when the walk
 * does not reach EOI, or out of memory (the caller then decodes b itself).
 * ids[c] and zmax[c]: component c's identifier and the highest zigzag
 * position its reduced IDCT reads. */
static uint8_t *
jpeg_prog_filter(const uint8_t *b, size_t n, int ncomp, const int *ids,
                 const int *zmax, size_t *outlen)
{
	uint8_t *out;
	size_t i = 2, o = 2;
	bool dropped = false;

	if (n < 4 || (out = malloc(n)) == NULL)
		return NULL;
	memcpy(out, b, 2); /* SOI */
	while (i + 2 <= n) {
		if (b[i] != 0xFF)
			break;
		uint8_t m = b[i + 1];
		if (m == 0xFF) { /* fill byte */
			i++;
			continue;
		}
		if (m == 0xD9) { /* EOI: done */
			if (!dropped)
				break;
			out[o++] = 0xFF;
			out[o++] = 0xD9;
			*outlen = o;
			return out;
		}
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
			memcpy(out + o, b + i, 2);
			o += 2;
			i += 2;
			continue;
		}
		if (i + 4 > n)
			break;
		size_t seg = 2 + (size_t)be16(b + i + 2);
		if (seg < 4 || seg > n - i)
			break;
		if (m != 0xDA) { /* tables, APPn, SOF...: kept */
			memcpy(out + o, b + i, seg);
			o += seg;
			i += seg;
			continue;
		}
		/* SOS: Ns, Ns x (Cs, Td/Ta), Ss, Se, Ah/Al; a length of 2 has no
		 * Ns, and b[i + 4] may be past the end */
		if (seg < 5)
			break;
		unsigned ns = b[i + 4];
		if (ns < 1 || ns > 4 || seg != 8 + 2 * (size_t)ns)
			break;
		const uint8_t *q = b + i + 5 + 2 * ns;
		unsigned ss = q[0], ah = q[2] >> 4;
		size_t end = rtg_jpeg_scan_end(b, i + seg, n);
		if (end >= n)
			break;
		bool keep = true;
		if (ss > 0 && ah > 0) {
			keep = false;
		} else if (ss > 0) {
			/* AC scans have one component (libjpeg checks that) */
			int c = 0;
			while (c < ncomp && ids[c] != b[i + 5])
				c++;
			if (c < ncomp && (int)ss > zmax[c])
				keep = false;
		}
		if (keep) {
			memcpy(out + o, b + i, end - i);
			o += end - i;
		} else {
			dropped = true;
		}
		i = end;
	}
	free(out);
	return NULL;
}

/* Adobe CMYK JPEGs (what Photoshop and ImageMagick write) store inverted
 * ink values, so c*k/255 is the red channel directly; stb_image makes the
 * same assumption, which keeps both decoders' output alike.  In place:
 * 4 bytes in, 4 bytes out. */
static void
cmyk_to_rgba(uint8_t *p, size_t npx)
{
	for (size_t i = 0; i < npx; i++, p += 4) {
		unsigned k = p[3];
		unsigned r = p[0] * k + 128, g = p[1] * k + 128, b = p[2] * k + 128;
		/* x/255 rounded, exact for x < 65536 */
		p[0] = (uint8_t)((r + (r >> 8)) >> 8);
		p[1] = (uint8_t)((g + (g >> 8)) >> 8);
		p[2] = (uint8_t)((b + (b >> 8)) >> 8);
		p[3] = 255;
	}
}

/* ci: a progressive JPEG's header read from buf, scale set.  Points ci at
 * the stream without the scans that scale does not need (jpeg_prog_filter),
 * stored in *keep for the caller to free (also after a longjmp to je->jb,
 * where libjpeg errors go); ci keeps reading buf when *keep stays NULL. */
static void
jpeg_prog_reduce(j_decompress_ptr ci, struct jerr *je, const uint8_t *buf, size_t len,
                 uint8_t *volatile *keep)
{
	int ids[4], zmax[4];
	unsigned w = ci->image_width, h = ci->image_height, denom = ci->scale_denom;
	size_t flen;

	if (ci->num_components > 4)
		return;
	jpeg_calc_output_dimensions(ci);
	for (int c = 0; c < ci->num_components; c++) {
		const jpeg_component_info *cp = &ci->comp_info[c];
#if JPEG_LIB_VERSION >= 70
		int sz = cp->DCT_h_scaled_size > cp->DCT_v_scaled_size ?
		         cp->DCT_h_scaled_size : cp->DCT_v_scaled_size;
#else
		int sz = cp->DCT_scaled_size;
#endif
		ids[c] = cp->component_id;
		zmax[c] = jpeg_zigzag_max(sz < 1 ? 1 : sz > 8 ? 8 : sz);
	}
	uint8_t *f = jpeg_prog_filter(buf, len, ci->num_components, ids, zmax, &flen);
	if (f == NULL)
		return;
	*keep = f;
	/* start again on the reduced stream: same header, same scale */
	jpeg_abort_decompress(ci);
	jpeg_mem_src(ci, f, (unsigned long)flen);
	if (jpeg_read_header(ci, TRUE) != JPEG_HEADER_OK || je->warnings ||
	    ci->image_width != w || ci->image_height != h)
		longjmp(je->jb, 1);
	ci->scale_num = 1;
	ci->scale_denom = denom;
	/* libjpeg would estimate the missing low AC bits from neighbouring DC
	 * values: 1.5 ms of 8 at 1400x1400, 6 of 23 at 3000x3000, and the
	 * palettes measured the same either way */
	ci->do_block_smoothing = FALSE;
}

/* Returns 0 on success, RTG_ERR_LIMIT/NOMEM as final answers, or 1 to ask
 * the caller to try stb_image instead. */
static int
decode_libjpeg(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
               uint64_t min_pixels, uint64_t min_half, uint64_t grid,
               struct rtg_image *img, char *err)
{
	struct jpeg_decompress_struct ci;
	struct jerr je;
	/* volatile: modified after setjmp and read after a longjmp */
	uint8_t *volatile px = NULL;
	uint8_t *volatile filtered = NULL;
	uint8_t *volatile strip = NULL;
	struct rtg_grid g;
	volatile int result = 1;

	memset(&ci, 0, sizeof ci);
	ci.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = jerr_exit;
	je.pub.emit_message = jerr_emit;
	je.pub.output_message = jerr_output;
	je.warnings = 0;
	memset(&g, 0, sizeof g);
	if (setjmp(je.jb)) {
		jpeg_destroy_decompress(&ci);
		free(px);
		free(filtered);
		free(strip);
		rtg_grid_free(&g);
		return result;
	}
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, buf, (unsigned long)len);
	if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK || je.warnings)
		longjmp(je.jb, 1);

	uint32_t fw = ci.image_width, fh = ci.image_height;
	int st = check_dims(F_JPEG, fw, fh, lim, err);
	if (st < 0) {
		result = st;
		longjmp(je.jb, 1);
	}

	bool cmyk = ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK;
	if (!cmyk && ci.num_components != 1 && ci.num_components != 3)
		longjmp(je.jb, 1);
	int denom = jpeg_pick_denom(fw, fh, min_pixels, min_half);
	ci.scale_num = 1;
	ci.scale_denom = (unsigned)denom;
	/* progressive at reduced scale: our decoder of the needed scans (no
	 * whole-image coefficient array), else libjpeg on the reduced stream */
	if (ci.progressive_mode && denom > 1 && !ci.arith_code && ci.data_precision == 8 &&
	    ((ci.jpeg_color_space == JCS_YCbCr && ci.num_components == 3) ||
	     (ci.jpeg_color_space == JCS_GRAYSCALE && ci.num_components == 1))) {
		st = rtg_jpegprog_decode(buf, len, denom, ci.num_components == 1, grid, img, err);
		if (st == 0 && (img->full_width != fw || img->full_height != fh)) {
			rtg_image_free(img); /* cannot happen (one SOF); never trust it */
			st = RTG_JPEGPROG_NOT_HANDLED;
		}
		if (st != RTG_JPEGPROG_NOT_HANDLED) {
			jpeg_destroy_decompress(&ci);
			return st;
		}
	}
	if (ci.progressive_mode && denom > 1)
		jpeg_prog_reduce(&ci, &je, buf, len, &filtered);
	ci.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
	jpeg_start_decompress(&ci);
	if (ci.output_components != 4)
		longjmp(je.jb, 1);

	uint32_t ow = ci.output_width, oh = ci.output_height;
	size_t stride = (size_t)ow * 4;
	/* only the sampler's grid is kept (not for CMYK, converted after) */
	if (!rtg_grid_init(&g, ow, oh, cmyk ? 0 : grid)) {
		result = rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a JPEG");
		longjmp(je.jb, 1);
	}
	const bool sel = rtg_grid_active(&g);
	/* ow <= fw and oh <= fh, so check_dims above bounds these products;
	 * with a grid, libjpeg's rows go through a strip of 8 */
	px = malloc(sel ? (size_t)g.nx * g.ny * 4 : stride * oh);
	if (sel && px != NULL)
		strip = malloc(stride * 8);
	if (px == NULL || (sel && strip == NULL)) {
		result = rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding %" PRIu32
		                  "x%" PRIu32 " JPEG", ow, oh);
		longjmp(je.jb, 1);
	}
	while (ci.output_scanline < oh) {
		JSAMPROW rows[8];
		uint32_t y0 = ci.output_scanline;
		unsigned want = oh - y0;
		if (want > 8)
			want = 8;
		for (unsigned i = 0; i < want; i++)
			rows[i] = sel ? strip + (size_t)i * stride : px + (size_t)(y0 + i) * stride;
		unsigned got = jpeg_read_scanlines(&ci, rows, want);
		if (got == 0)
			longjmp(je.jb, 1); /* suspension: input ended */
		for (unsigned i = 0; sel && i < got; i++) {
			int32_t j = g.yidx[y0 + i];
			if (j < 0)
				continue;
			const uint8_t *src = rows[i];
			uint8_t *dst = px + (size_t)j * g.nx * 4;
			for (uint32_t x = 0; x < g.nx; x++)
				memcpy(dst + 4 * (size_t)x, src + 4 * (size_t)g.xs[x], 4);
		}
	}
	jpeg_finish_decompress(&ci);
	if (je.warnings) /* corrupt data libjpeg patched over: let stb decide */
		longjmp(je.jb, 1);
	jpeg_destroy_decompress(&ci);
	free(filtered);
	free(strip);

	if (cmyk)
		cmyk_to_rgba(px, (size_t)ow * oh);
	img->px = px;
	img->width = g.nx;
	img->height = g.ny;
	img->scaled_width = ow;
	img->scaled_height = oh;
	rtg_grid_free(&g);
	img->full_width = fw;
	img->full_height = fh;
	img->scale_denom = denom;
	img->decoder = DEC_JPEG;
	return 0;
}
#endif

/* ---- libwebp --------------------------------------------------------------- */

static int
decode_webp(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
            struct rtg_image *img, char *err)
{
#ifdef HAVE_WEBP
	int w, h, st;

	if (!WebPGetInfo(buf, len, &w, &h) || w <= 0 || h <= 0)
		return rtg_fail(err, RTG_ERR_DECODE,
		                "corrupt or truncated WebP (libwebp: no valid header)");
	if ((st = check_dims(F_WEBP, (uint32_t)w, (uint32_t)h, lim, err)) < 0)
		return st;
	size_t stride = (size_t)w * 4, size = stride * (size_t)h;
	uint8_t *px = malloc(size);
	if (px == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding %dx%d WebP", w, h);
	if (WebPDecodeRGBAInto(buf, len, px, size, (int)stride) == NULL) {
		free(px);
		return rtg_fail(err, RTG_ERR_DECODE,
		                "corrupt or truncated WebP (libwebp could not decode it)");
	}
	img->px = px;
	img->width = img->full_width = (uint32_t)w;
	img->height = img->full_height = (uint32_t)h;
	img->scale_denom = 1;
	img->decoder = DEC_WEBP;
	return 0;
#else
	(void)buf, (void)len, (void)lim, (void)img;
	return rtg_fail(err, RTG_ERR_UNSUPPORTED,
	                "WebP not supported in this build (rebuild with libwebp)");
#endif
}

int
rtg_image_decode(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                 uint64_t min_pixels, struct rtg_image *img, char *err)
{
	return rtg_image_decode_scaled(buf, len, lim, min_pixels, 0, img, err);
}

int
rtg_image_decode_scaled(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                        uint64_t min_pixels, uint64_t min_half, struct rtg_image *img,
                        char *err)
{
	return rtg_image_decode_grid(buf, len, lim, min_pixels, min_half, 0, img, err);
}

int
rtg_image_decode_grid(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                      uint64_t min_pixels, uint64_t min_half, uint64_t grid,
                      struct rtg_image *img, char *err)
{
	struct rtg_limits deflim;
	int st;

	if (img == NULL)
		return rtg_fail(err, RTG_ERR_ARG, "no image to decode into");
	image_init(img, F_UNKNOWN);
	if (lim == NULL) {
		rtg_limits_default(&deflim);
		lim = &deflim;
	}
	if (buf == NULL || len == 0)
		return rtg_fail(err, RTG_ERR_FORMAT, "not an image (empty input, 0 bytes)");
	if (len > lim->max_bytes)
		return rtg_fail(err, RTG_ERR_LIMIT,
		                "input is %zu bytes, above the limit of %zu bytes",
		                len, lim->max_bytes);
	if (len > (size_t)INT_MAX) /* stb_image takes an int length */
		return rtg_fail(err, RTG_ERR_LIMIT, "input is %zu bytes, too large", len);

	enum fmt f = sniff(buf, len);
	if (f == F_UNKNOWN)
		return rtg_fail(err, RTG_ERR_FORMAT,
		                "not an image (unknown format; JPEG, PNG, GIF, BMP and "
		                "WebP are read)");
	img->format = fmt_name[f];

	uint32_t w, h;
	if (header_dims(f, buf, len, &w, &h) && (st = check_dims(f, w, h, lim, err)) < 0)
		return st;

	if (f == F_GIF && gif_truncated(buf, len))
		return rtg_fail(err, RTG_ERR_DECODE, "truncated GIF (%zu bytes: the "
		                "first image's data is cut short)", len);
	if (f == F_BMP) {
		uint64_t need;
		if (header_dims(f, buf, len, &w, &h) && bmp_truncated(buf, len, w, h, &need))
			return rtg_fail(err, RTG_ERR_DECODE, "truncated BMP (%zu bytes, its "
			                "header needs %" PRIu64 ")", len, need);
	}

	if (f == F_WEBP)
		st = decode_webp(buf, len, lim, img, err);
#ifdef HAVE_JPEG
	else if (f == F_JPEG) {
		st = decode_libjpeg(buf, len, lim, min_pixels, min_half, grid, img, err);
		if (st == 1)
			st = decode_stb(f, buf, len, lim, img, err);
	}
#endif
	else if (f == F_PNG) {
		/* png.c (libdeflate or streamed zlib) when built; what it does not
		 * implement (interlaced, ...) goes to stb_image */
		const struct rtg_png_opts po = { RTG_PNG_STREAM_ABOVE, 0, grid };
		st = rtg_png_decode_ex(buf, len, lim, min_pixels, &po, img, err);
		if (st == RTG_PNG_NOT_HANDLED)
			st = decode_stb(f, buf, len, lim, img, err);
	}
	else
		st = decode_stb(f, buf, len, lim, img, err);
	(void)min_pixels;
	(void)min_half;
	(void)grid;

	if (st < 0)
		image_init(img, f); /* nothing to free, format kept for the caller */
	else if (img->scaled_width == 0) { /* decoders that keep every pixel */
		img->scaled_width = img->width;
		img->scaled_height = img->height;
	}
	return st;
}

void
rtg_image_free(struct rtg_image *img)
{
	if (img == NULL)
		return;
	if (img->px != NULL) {
		if (img->decoder == DEC_STB)
			stbi_image_free(img->px);
		else
			free(img->px);
	}
	img->px = NULL;
	img->width = img->height = 0;
}
