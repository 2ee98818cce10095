/* image.c - decode untrusted image bytes into RGBA8: the entry points,
 * format, declared size, limits and truncation; the decoders are
 * image_jpeg.c (libjpeg-turbo), png.c, image_stb.c (stb_image) and libwebp
 * below.
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
 * not need (see "progressive JPEG at reduced scale").  Any libjpeg error,
 * or warning about a baseline file, falls back to stb_image, whose message
 * is the one reported if it fails too; a progressive file libjpeg decodes
 * with warnings keeps libjpeg's pixels (image_jpeg.c says why).
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

#ifdef HAVE_WEBP
#include <webp/decode.h>
#endif

#include "image.h"
#include "image_internal.h"
#include "jpegprog.h"
#include "png.h"
#include "status.h"

/* rtg_image_free() releases px with the allocator of the decoder that made
 * it; the decoder name pointer identifies which one (image_stb.c has
 * stb_image's). */
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
		uint32_t seglen = rtg_image_be16(b + i + 2);
		if (seglen < 2)
			return false;
		/* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) */
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			if (i + 9 > n)
				return false;
			*h = rtg_image_be16(b + i + 5);
			*w = rtg_image_be16(b + i + 7);
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

int
rtg_image_check_dims(const char *label, uint32_t w, uint32_t h, const struct rtg_limits *lim,
                     char *err)
{
	if (w > lim->max_dimension || h > lim->max_dimension)
		return rtg_fail(err, RTG_ERR_LIMIT,
		                "%s is %" PRIu32 "x%" PRIu32 " pixels, above the limit of %" PRIu32
		                " pixels per side", label, w, h, lim->max_dimension);
	uint64_t px = (uint64_t)w * h;
	if (px > lim->max_pixels)
		return rtg_fail(err, RTG_ERR_LIMIT,
		                "%s is %" PRIu32 "x%" PRIu32 " = %" PRIu64
		                " pixels, above the limit of %" PRIu64 " pixels",
		                label, w, h, px, lim->max_pixels);
	/* The RGBA buffer must be addressable whatever the limits say. */
	if (px > SIZE_MAX / 4 || px > (uint64_t)INT_MAX)
		return rtg_fail(err, RTG_ERR_LIMIT,
		                "%s is %" PRIu32 "x%" PRIu32 " pixels, too large to decode",
		                label, w, h);
	return 0;
}

static int
check_dims(enum fmt f, uint32_t w, uint32_t h, const struct rtg_limits *lim, char *err)
{
	return rtg_image_check_dims(fmt_label[f], w, h, lim, err);
}

static void
image_init(struct rtg_image *img, enum fmt f)
{
	memset(img, 0, sizeof *img);
	img->scale_denom = 1;
	img->format = fmt_name[f];
}

/* stb_image (image_stb.c): what the other decoders leave to it. */
static int
decode_stb(enum fmt f, const uint8_t *buf, size_t len,
           const struct rtg_limits *lim, struct rtg_image *img, char *err)
{
	return rtg_image_stb_decode(fmt_label[f], f == F_JPEG, buf, len, lim, img, err);
}

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
	rtg_image_set_full(img, px, (uint32_t)w, (uint32_t)h, DEC_WEBP);
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
		st = rtg_image_decode_libjpeg(buf, len, lim, min_pixels, min_half, grid, img, err);
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
		if (img->decoder == rtg_image_stb_dec)
			rtg_image_stb_free(img->px);
		else
			free(img->px);
	}
	img->px = NULL;
	img->width = img->height = 0;
	img->scaled_width = img->scaled_height = 0;
}
