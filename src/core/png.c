/* png.c - fast PNG decoding: libdeflate + own unfiltering, point-sampled.
 *
 * Written from the PNG specification (W3C PNG, 2nd/3rd edition: chunk
 * layout, IHDR fields, filter types and the Paeth predictor, PLTE/tRNS).
 * Why it exists: with stb_image, decoding is 84-98 % of a generation on
 * large PNGs, and stb inflates the whole stream, then unfilters it into a
 * second full-size buffer and converts that to RGBA - three passes through
 * memory that no longer fits in cache (RAG/AI-LOG/2026-11-26-flamegraph-
 * profiling.md).  Here:
 *
 *   1. The chunks are walked once, with every length checked against the
 *      buffer; the limits are checked from IHDR, and the inflated size
 *      (h * (1 + rowbytes), or the sum over the seven Adam7 passes of an
 *      interlaced image) is computed with overflow checks and compared with
 *      what the compressed bytes could possibly hold (deflate expands at
 *      most 1032:1, zlib.net "zlib technical details"), all before any
 *      allocation.  A file can therefore not make us allocate more than
 *      about 1032 times its own size.
 *   2. IDAT data is inflated in one libdeflate call (it has no streaming
 *      API): straight from the file when there is one IDAT chunk, else from
 *      a gathered copy, freed right after.  The stream must inflate to
 *      exactly that size.
 *   3. Rows are unfiltered from that buffer into a three-row ring that stays
 *      in cache (the inflated buffer is only read, never written back);
 *      an interlaced image is seven such sub-images, one after the other.
 *      Every row that a sampled row depends on must be unfiltered (Up,
 *      Average and Paeth read the row above); a row that nothing depends on
 *      (after the last sampled row, or above a None/Sub row and not itself
 *      sampled) is skipped.
 *   4. Only every d-th column of every d-th row is converted to RGBA8 (for
 *      an Adam7 pass: its pixels whose image x and y are multiples of d): the
 *      sampler visits at most its budget of pixels on a grid anyway, so the
 *      decoder keeps just enough of them (d is the largest integer such
 *      that the result still has min_pixels).  Neither a full-size
 *      unfiltered image nor a full-size RGBA image is ever made.
 *
 * CRCs: verified for every chunk whose content is used (IHDR, PLTE, tRNS,
 * IDAT, IEND) - with libdeflate's CRC-32 that is about 1 % of the decode.
 * Skipped ancillary chunks are not checked: their content cannot change the
 * pixels (stb_image checks no CRC at all; libpng by default drops ancillary
 * chunks with a bad CRC and goes on).
 *
 * Errors: a file this code understands but finds broken is RTG_ERR_DECODE
 * with the reason, final (stb_image is not asked again: it ignores CRCs and
 * would only add a second, different opinion).  What is not implemented
 * here (unknown critical chunks, Apple's CgBI, tRNS with an alpha channel,
 * which stb rejects and libpng ignores) returns RTG_PNG_NOT_HANDLED so that
 * the caller's stb_image path decides, and its behaviour for those files
 * stays what it was - but only after the whole chunk structure has been
 * checked: stb_image allocates what a chunk length claims.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#define PNG_SSE2 1
#endif

#include "image.h"
#include "png.h"
#include "status.h"

const char rtg_png_decoder[] = "libdeflate";

bool
rtg_png_available(void)
{
#ifdef HAVE_LIBDEFLATE
	return true;
#else
	return false;
#endif
}

static uint64_t
grid_pixels(uint32_t w, uint32_t h, uint32_t d)
{
	return (uint64_t)((w - 1) / d + 1) * ((h - 1) / d + 1);
}

uint32_t
rtg_png_decimation(uint32_t w, uint32_t h, uint64_t min_pixels)
{
	if (w == 0 || h == 0 || min_pixels == 0 || (uint64_t)w * h <= min_pixels)
		return 1;
	/* grid_pixels() does not grow with d: binary search for the largest d
	 * that still gives min_pixels (d = 1 always does, w * h > min_pixels) */
	uint32_t lo = 1, hi = w > h ? w : h;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;
		if (grid_pixels(w, h, mid) >= min_pixels)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

#ifndef HAVE_LIBDEFLATE

int
rtg_png_decode(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
               uint64_t min_pixels, struct rtg_image *img, char *err)
{
	(void)buf, (void)len, (void)lim, (void)min_pixels, (void)img, (void)err;
	return RTG_PNG_NOT_HANDLED;
}

#else /* HAVE_LIBDEFLATE */

enum { CT_GREY = 0, CT_RGB = 2, CT_PALETTE = 3, CT_GREYA = 4, CT_RGBA = 6 };
enum { F_NONE, F_SUB, F_UP, F_AVG, F_PAETH };

/* PNG spec: chunk lengths are at most 2^31 - 1, and so are dimensions */
#define PNG_MAX_U31 0x7fffffffu
/* deflate's largest expansion: a 258-byte match costs at least 2 bits */
#define DEFLATE_MAX_RATIO 1032u

static const uint8_t SIG[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

struct png {
	uint32_t w, h;
	unsigned depth, ctype, interlace;
	unsigned channels; /* samples per pixel */
	unsigned bpp;      /* filter distance: bytes per pixel, at least 1 */
	size_t rowbytes;   /* one row without its filter byte */
	uint8_t pal[256][4];
	unsigned npal;
	bool has_plte, has_trns, has_key;
	uint16_t key[3]; /* tRNS colour key, as stored */
	size_t idat_total;
	unsigned idat_count;
	size_t first_idat; /* offset of the first IDAT chunk */
	size_t single_idat_data;
};

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool
is_type(const uint8_t *t, const char *name)
{
	return memcmp(t, name, 4) == 0;
}

/* Chunk type as text for messages: letters only (checked before use). */
static void
type_str(const uint8_t *t, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') ?
		         (char)t[i] : '?';
	out[4] = '\0';
}

/* CRC-32 over type and data; the chunk at c is known to be inside the
 * buffer. */
static bool
crc_ok(const uint8_t *c, uint32_t clen)
{
	return libdeflate_crc32(0, c + 4, (size_t)clen + 4) == rd32(c + 8 + clen);
}

static int
corrupt(char *err, const char *why)
{
	return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (%s)", why);
}

/* IHDR fields (spec 11.2.2) and the limits. */
static int
parse_ihdr(struct png *p, const uint8_t *d, const struct rtg_limits *lim, char *err)
{
	p->w = rd32(d);
	p->h = rd32(d + 4);
	p->depth = d[8];
	p->ctype = d[9];
	p->interlace = d[12];
	if (p->w == 0 || p->h == 0 || p->w > PNG_MAX_U31 || p->h > PNG_MAX_U31)
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (IHDR declares %" PRIu32
		                "x%" PRIu32 " pixels)", p->w, p->h);
	bool ok;
	switch (p->ctype) {
	case CT_GREY:
		p->channels = 1;
		ok = p->depth == 1 || p->depth == 2 || p->depth == 4 || p->depth == 8 ||
		     p->depth == 16;
		break;
	case CT_PALETTE:
		p->channels = 1;
		ok = p->depth == 1 || p->depth == 2 || p->depth == 4 || p->depth == 8;
		break;
	case CT_RGB:
	case CT_GREYA:
	case CT_RGBA:
		p->channels = p->ctype == CT_RGB ? 3 : p->ctype == CT_GREYA ? 2 : 4;
		ok = p->depth == 8 || p->depth == 16;
		break;
	default:
		ok = false;
	}
	if (!ok)
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (colour type %u with bit "
		                "depth %u)", p->ctype, p->depth);
	if (d[10] != 0 || d[11] != 0 || p->interlace > 1)
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (compression %u, filter "
		                "method %u, interlace %u)", d[10], d[11], p->interlace);

	if (p->w > lim->max_dimension || p->h > lim->max_dimension)
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " pixels, "
		                "above the limit of %" PRIu32 " pixels per side", p->w, p->h,
		                lim->max_dimension);
	uint64_t px = (uint64_t)p->w * p->h;
	if (px > lim->max_pixels)
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " = %" PRIu64
		                " pixels, above the limit of %" PRIu64 " pixels", p->w, p->h, px,
		                lim->max_pixels);

	/* w <= 2^31 and channels * depth <= 64: no overflow in 64 bits */
	uint64_t bits = (uint64_t)p->w * p->channels * p->depth;
	uint64_t rb = (bits + 7) / 8;
	if (rb >= SIZE_MAX / 4)
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " pixels, "
		                "too large to decode", p->w, p->h);
	p->rowbytes = (size_t)rb;
	p->bpp = p->channels * p->depth / 8;
	if (p->bpp == 0)
		p->bpp = 1;
	return 0;
}

/* The chunk walk: structure, CRCs of what is used, PLTE/tRNS, where the
 * image data is.  Ends at IEND, which must be there (a file cut anywhere
 * fails). */
static int
walk_chunks(struct png *p, const uint8_t *buf, size_t len, const struct rtg_limits *lim,
            char *err)
{
	char tn[5];
	int st;

	if (len < 8 || memcmp(buf, SIG, 8) != 0)
		return rtg_fail(err, RTG_ERR_FORMAT, "not a PNG (no PNG signature)");
	/* Features left to stb_image are reported only once the whole chunk
	 * structure has been checked: stb_image allocates from chunk lengths
	 * it has not compared with the file (a 265-byte file made it ask for
	 * 2 GiB), so it only ever gets files whose chunks are all in bounds. */
	bool not_handled = false;
	size_t pos = 8;
	if (len >= 16 && is_type(buf + 12, "CgBI")) {
		/* Apple's variant (before IHDR): stb_image reads it */
		uint32_t n = rd32(buf + 8);
		if (len < 8 + 12 || n > len - 8 - 12)
			return rtg_fail(err, RTG_ERR_DECODE, "truncated PNG (%zu bytes, CgBI "
			                "chunk cut short)", len);
		pos += 12 + (size_t)n;
		not_handled = true;
	}
	if (len - pos < 8 + 13 + 4)
		return rtg_fail(err, RTG_ERR_DECODE, "truncated PNG (%zu bytes, the header "
		                "needs %zu)", len, pos + 25);
	if (!is_type(buf + pos + 4, "IHDR"))
		return corrupt(err, "the first chunk is not IHDR");
	if (rd32(buf + pos) != 13)
		return corrupt(err, "IHDR is not 13 bytes long");
	if (!crc_ok(buf + pos, 13))
		return corrupt(err, "CRC mismatch in IHDR");
	if ((st = parse_ihdr(p, buf + pos + 8, lim, err)) != 0)
		return st;
	bool in_idat = false, idat_done = false;
	pos += 25;
	for (;;) {
		if (len - pos < 12)
			return rtg_fail(err, RTG_ERR_DECODE, "truncated PNG (%zu bytes: cut %s "
			                "before IEND)", len, p->idat_count ? "after the image data" :
			                "before the image data");
		const uint8_t *c = buf + pos, *t = c + 4, *d = c + 8;
		uint32_t clen = rd32(c);
		type_str(t, tn);
		for (int i = 0; i < 4; i++)
			if (tn[i] == '?')
				return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (invalid chunk "
				                "type at offset %zu)", pos);
		if (clen > PNG_MAX_U31)
			return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (chunk %s at offset "
			                "%zu declares %" PRIu32 " bytes)", tn, pos, clen);
		if (clen > len - pos - 12)
			return rtg_fail(err, RTG_ERR_DECODE, "truncated PNG (chunk %s at offset "
			                "%zu needs %" PRIu32 " bytes, %zu left)", tn, pos, clen,
			                len - pos - 12);
		bool is_idat = is_type(t, "IDAT");
		if (in_idat && !is_idat)
			idat_done = true;
		in_idat = is_idat;

		if (is_idat) {
			if (idat_done)
				return corrupt(err, "IDAT chunks are not consecutive");
			if (p->ctype == CT_PALETTE && !p->has_plte)
				return corrupt(err, "palette image without PLTE before IDAT");
			if (p->idat_count == 0)
				p->first_idat = pos;
			p->idat_count++;
			p->idat_total += clen; /* <= len: no overflow */
		} else if (is_type(t, "IEND")) {
			if (clen != 0 || !crc_ok(c, 0))
				return corrupt(err, "bad IEND chunk");
			break;
		} else if (is_type(t, "PLTE")) {
			if (p->has_plte || p->idat_count)
				return corrupt(err, p->has_plte ? "two PLTE chunks" :
				               "PLTE after IDAT");
			if (clen == 0 || clen % 3 != 0 || clen > 768)
				return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (PLTE of %" PRIu32
				                " bytes)", clen);
			if (!crc_ok(c, clen))
				return corrupt(err, "CRC mismatch in PLTE");
			p->has_plte = true;
			p->npal = clen / 3;
			for (unsigned i = 0; i < p->npal; i++) {
				p->pal[i][0] = d[3 * i];
				p->pal[i][1] = d[3 * i + 1];
				p->pal[i][2] = d[3 * i + 2];
				p->pal[i][3] = 255;
			}
		} else if (is_type(t, "tRNS")) {
			if (p->ctype == CT_GREYA || p->ctype == CT_RGBA) {
				not_handled = true; /* stb_image refuses, libpng ignores */
				pos += 12 + (size_t)clen;
				continue;
			}
			if (p->has_trns || p->idat_count)
				return corrupt(err, p->has_trns ? "two tRNS chunks" : "tRNS after IDAT");
			if (!crc_ok(c, clen))
				return corrupt(err, "CRC mismatch in tRNS");
			p->has_trns = true;
			if (p->ctype == CT_PALETTE) {
				if (!p->has_plte)
					return corrupt(err, "tRNS before PLTE");
				if (clen > p->npal)
					return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (tRNS has %"
					                PRIu32 " entries, PLTE %u)", clen, p->npal);
				for (uint32_t i = 0; i < clen; i++)
					p->pal[i][3] = d[i];
			} else {
				if (clen != 2 * p->channels)
					return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (tRNS of %"
					                PRIu32 " bytes for colour type %u)", clen, p->ctype);
				p->has_key = true;
				for (unsigned i = 0; i < p->channels; i++)
					p->key[i] = rd16(d + 2 * i);
			}
		} else if (is_type(t, "IHDR")) {
			return corrupt(err, "a second IHDR");
		} else if (!(t[0] & 0x20)) {
			/* an unknown critical chunk: we must not guess */
			not_handled = true;
		}
		/* ancillary chunks are skipped, their CRC unchecked */
		pos += 12 + (size_t)clen;
	}
	if (p->idat_count == 0)
		return corrupt(err, "no IDAT chunk");
	if (not_handled)
		return RTG_PNG_NOT_HANDLED;
	if (p->idat_count == 1)
		p->single_idat_data = p->first_idat + 8;
	return 0;
}

/* Buffers of several MB that are written once from start to end: on Linux,
 * 2 MiB-aligned and marked for transparent huge pages, so that the kernel
 * faults them in by 2 MiB instead of 4 KiB (a hint; without THP it is
 * plain memory).  Released with free(). */
static void *
big_alloc(size_t n)
{
#if defined(MADV_HUGEPAGE)
	const size_t huge = (size_t)2 << 20;
	if (n >= 2 * huge) {
		void *p;
		if (posix_memalign(&p, huge, n) != 0)
			return NULL;
		(void)madvise(p, n & ~(huge - 1), MADV_HUGEPAGE);
		return p;
	}
#endif
	return malloc(n);
}

/* The IDAT data as one zlib stream: the file's own bytes when there is one
 * chunk, else a copy (*own).  Checks the IDAT CRCs. */
static int
gather_idat(const struct png *p, const uint8_t *buf, const uint8_t **z, uint8_t **own,
            char *err)
{
	*own = NULL;
	if (p->idat_count == 1) {
		const uint8_t *c = buf + p->first_idat;
		if (!crc_ok(c, rd32(c)))
			return corrupt(err, "CRC mismatch in IDAT");
		*z = c + 8;
		return 0;
	}
	uint8_t *g = big_alloc(p->idat_total ? p->idat_total : 1);
	if (g == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory for %zu bytes of PNG image "
		                "data", p->idat_total);
	size_t pos = p->first_idat, off = 0;
	for (unsigned i = 0; i < p->idat_count; i++) {
		/* consecutive, bounds checked by walk_chunks() */
		const uint8_t *c = buf + pos;
		uint32_t clen = rd32(c);
		if (!crc_ok(c, clen)) {
			free(g);
			return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (CRC mismatch in IDAT "
			                "chunk at offset %zu)", pos);
		}
		memcpy(g + off, c + 8, clen);
		off += clen;
		pos += 12 + (size_t)clen;
	}
	*own = g;
	*z = g;
	return 0;
}

/* ---- unfiltering (spec 9.2-9.4) ------------------------------------------
 * dst = unfiltered row, src = filtered bytes, prev = the unfiltered row
 * above (zeros for the first row), n bytes, bpp = bytes per complete pixel
 * (1 for depths below 8).  "a" is the byte bpp to the left, "b" the byte
 * above, "c" the byte above a; bytes left of the row are 0. */

static inline uint8_t
paeth_pred(int a, int b, int c)
{
	int pa = abs(b - c);         /* |p - a| with p = a + b - c */
	int pb = abs(a - c);         /* |p - b| */
	int pc = abs(a + b - 2 * c); /* |p - c| */
	if (pa <= pb && pa <= pc)
		return (uint8_t)a;
	return (uint8_t)(pb <= pc ? b : c);
}

/* always_inline with a constant bpp lets the compiler unroll the pixel */
#define UNF_INLINE static inline __attribute__((always_inline))

UNF_INLINE void
unf_sub(const uint8_t *src, uint8_t *dst, size_t n, size_t bpp)
{
	size_t i = 0;
	for (; i < bpp && i < n; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = (uint8_t)(src[i] + dst[i - bpp]);
}

static void
unf_up(const uint8_t *restrict src, const uint8_t *restrict prev, uint8_t *restrict dst,
       size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint8_t)(src[i] + prev[i]);
}

UNF_INLINE void
unf_avg(const uint8_t *src, const uint8_t *prev, uint8_t *dst, size_t n, size_t bpp)
{
	size_t i = 0;
	for (; i < bpp && i < n; i++)
		dst[i] = (uint8_t)(src[i] + (prev[i] >> 1));
	for (; i < n; i++)
		dst[i] = (uint8_t)(src[i] + ((dst[i - bpp] + prev[i]) >> 1));
}

UNF_INLINE void
unf_paeth(const uint8_t *src, const uint8_t *prev, uint8_t *dst, size_t n, size_t bpp)
{
	size_t i = 0;
	for (; i < bpp && i < n; i++) /* a = c = 0: the predictor is b */
		dst[i] = (uint8_t)(src[i] + prev[i]);
	for (; i < n; i++)
		dst[i] = (uint8_t)(src[i] + paeth_pred(dst[i - bpp], prev[i], prev[i - bpp]));
}

#ifdef PNG_SSE2
/* Paeth on one whole pixel at a time in 16-bit lanes, for bpp 3..8: the
 * row is a chain (each pixel needs the one to its left), so the gain is in
 * doing a pixel's channels together rather than one byte after the other.
 * n is a multiple of bpp (depth >= 8). */
/* Pixels are assembled in a general register from loads of their exact
 * size: a memcpy of 3 or 6 bytes into a uint64_t goes through the stack as
 * two small stores and one wide load, which the CPU cannot forward (a
 * store-forwarding stall per pixel, measured as 2/3 of the decode time). */
UNF_INLINE __m128i
px_load(const uint8_t *p, size_t bpp)
{
	uint64_t v;
	uint32_t u32;
	uint16_t u16;
	if (bpp == 3) {
		memcpy(&u16, p, 2);
		v = u16 | (uint64_t)p[2] << 16;
	} else if (bpp == 4) {
		memcpy(&u32, p, 4);
		v = u32;
	} else if (bpp == 6) {
		memcpy(&u32, p, 4);
		memcpy(&u16, p + 4, 2);
		v = u32 | (uint64_t)u16 << 32;
	} else {
		memcpy(&v, p, 8);
	}
	return _mm_unpacklo_epi8(_mm_cvtsi64_si128((long long)v), _mm_setzero_si128());
}

UNF_INLINE void
px_store(uint8_t *p, __m128i v, size_t bpp)
{
	uint64_t o = (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(v, v));
	uint32_t u32 = (uint32_t)o;
	uint16_t u16 = (uint16_t)o;
	if (bpp == 3) {
		memcpy(p, &u16, 2);
		p[2] = (uint8_t)(o >> 16);
	} else if (bpp == 4) {
		memcpy(p, &u32, 4);
	} else if (bpp == 6) {
		memcpy(p, &u32, 4);
		u16 = (uint16_t)(o >> 32);
		memcpy(p + 4, &u16, 2);
	} else {
		memcpy(p, &o, 8);
	}
}

UNF_INLINE __m128i
abs16(__m128i x)
{
	return _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x));
}

UNF_INLINE void
unf_paeth_sse2(const uint8_t *src, const uint8_t *prev, uint8_t *dst, size_t n, size_t bpp)
{
	const __m128i lo8 = _mm_set1_epi16(0xff);
	__m128i a = _mm_setzero_si128(), c = _mm_setzero_si128();
	for (size_t i = 0; i + bpp <= n; i += bpp) {
		__m128i b = px_load(prev + i, bpp);
		__m128i x = px_load(src + i, bpp);
		__m128i db = _mm_sub_epi16(b, c), da = _mm_sub_epi16(a, c);
		__m128i pa = abs16(db), pb = abs16(da), pc = abs16(_mm_add_epi16(da, db));
		/* b unless c is strictly closer; then a unless b-or-c is strictly
		 * closer: the spec's tie order a, b, c */
		__m128i use_c = _mm_cmpgt_epi16(pb, pc);
		__m128i bc = _mm_or_si128(_mm_and_si128(use_c, c), _mm_andnot_si128(use_c, b));
		__m128i not_a = _mm_cmpgt_epi16(pa, _mm_min_epi16(pb, pc));
		__m128i pred = _mm_or_si128(_mm_and_si128(not_a, bc), _mm_andnot_si128(not_a, a));
		a = _mm_and_si128(_mm_add_epi16(x, pred), lo8);
		px_store(dst + i, a, bpp);
		c = b;
	}
}

/* Two Paeth rows at once, for bpp 3 and 4: row y (src0 -> dst0, under
 * prev) and row y + 1 (src1 -> dst1, under dst0), one pixel behind.  A
 * row alone is one long dependency chain (each pixel needs its left
 * neighbour), about 10 cycles a pixel; pixel k of row y and pixel k - 1 of
 * row y + 1 do not depend on each other, so they share one register (lanes
 * 0-3 and 4-7) and one chain: half the latency per pixel.  Row y + 1's b
 * and c are row y's results of the previous two steps, still in registers.
 * n is a multiple of bpp. */
UNF_INLINE uint64_t
px_bits(const uint8_t *p, size_t bpp)
{
	uint32_t u32;
	uint16_t u16;
	if (bpp == 4) {
		memcpy(&u32, p, 4);
		return u32;
	}
	memcpy(&u16, p, 2);
	return u16 | (uint64_t)p[2] << 16;
}

UNF_INLINE void
px_put(uint8_t *p, uint64_t v, size_t bpp)
{
	uint32_t u32 = (uint32_t)v;
	uint16_t u16 = (uint16_t)v;
	if (bpp == 4) {
		memcpy(p, &u32, 4);
	} else {
		memcpy(p, &u16, 2);
		p[2] = (uint8_t)(v >> 16);
	}
}

/* One step of both chains: a, c are updated; returns the 8 result bytes
 * (row y's pixel in the low 4, row y + 1's in the high 4).  mode: which
 * halves use Paeth (the others Average) - constant in each caller, so
 * the other predictor is compiled out when both halves agree. */
enum { PAIR_AVG = 0, PAIR_PAETH_LO = 1, PAIR_PAETH_HI = 2, PAIR_PAETH = 3 };

UNF_INLINE uint64_t
pair_step(__m128i *a, __m128i *c, uint64_t xbits, uint64_t bbits, int mode)
{
	const __m128i z = _mm_setzero_si128();
	__m128i x = _mm_unpacklo_epi8(_mm_cvtsi64_si128((long long)xbits), z);
	/* b: the row above's pixel (low half), row y's previous result (high) */
	__m128i b = _mm_unpacklo_epi64(_mm_unpacklo_epi8(_mm_cvtsi64_si128((long long)bbits), z),
	                               *a);
	__m128i pred, avg = z;
	if (mode != PAIR_PAETH) /* floor((a + b) / 2) */
		avg = _mm_srli_epi16(_mm_add_epi16(*a, b), 1);
	if (mode != PAIR_AVG) {
		__m128i db = _mm_sub_epi16(b, *c), da = _mm_sub_epi16(*a, *c);
		__m128i pa = abs16(db), pb = abs16(da), pc = abs16(_mm_add_epi16(da, db));
		/* b unless c is strictly closer; then a unless b-or-c is strictly
		 * closer: the spec's tie order a, b, c */
		__m128i use_c = _mm_cmpgt_epi16(pb, pc);
		__m128i bc = _mm_or_si128(_mm_and_si128(use_c, *c), _mm_andnot_si128(use_c, b));
		__m128i not_a = _mm_cmpgt_epi16(pa, _mm_min_epi16(pb, pc));
		pred = _mm_or_si128(_mm_and_si128(not_a, bc), _mm_andnot_si128(not_a, *a));
		if (mode != PAIR_PAETH) {
			__m128i m = mode == PAIR_PAETH_LO ? _mm_set_epi64x(0, -1) : _mm_set_epi64x(-1, 0);
			pred = _mm_or_si128(_mm_and_si128(m, pred), _mm_andnot_si128(m, avg));
		}
	} else {
		pred = avg;
	}
	*a = _mm_and_si128(_mm_add_epi16(x, pred), _mm_set1_epi16(0xff));
	*c = b;
	return (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(*a, *a));
}

UNF_INLINE void
unf_pair_sse2(const uint8_t *src0, const uint8_t *src1, const uint8_t *prev, uint8_t *dst0,
              uint8_t *dst1, size_t n, size_t bpp, int mode)
{
	const size_t npx = n / bpp;
	__m128i a = _mm_setzero_si128(), c = _mm_setzero_si128();
	if (npx == 0)
		return;
	/* step 0: row y's first pixel; row y + 1 has no pixel -1: all its
	 * inputs are 0, so its result is 0, the a and c its first pixel needs */
	uint64_t o = pair_step(&a, &c, px_bits(src0, bpp), px_bits(prev, bpp), mode);
	px_put(dst0, o, bpp);
	for (size_t k = 1; k < npx; k++) {
		uint64_t x = px_bits(src0 + k * bpp, bpp) |
		             px_bits(src1 + (k - 1) * bpp, bpp) << 32;
		o = pair_step(&a, &c, x, px_bits(prev + k * bpp, bpp), mode);
		px_put(dst0 + k * bpp, o, bpp);
		px_put(dst1 + (k - 1) * bpp, o >> 32, bpp);
	}
	/* last step: row y + 1's last pixel (row y's half is unused) */
	o = pair_step(&a, &c, px_bits(src1 + (npx - 1) * bpp, bpp) << 32, 0, mode);
	px_put(dst1 + (npx - 1) * bpp, o >> 32, bpp);
}

/* Each (bpp, mode) its own copy of the loop, with everything constant. */
static void
unf_pair_bpp(const uint8_t *src0, const uint8_t *src1, const uint8_t *prev, uint8_t *dst0,
             uint8_t *dst1, size_t n, size_t bpp, int mode)
{
	const uint8_t *s0 = src0, *s1 = src1, *pr = prev;
	uint8_t *d0 = dst0, *d1 = dst1;
	switch (mode * 8 + (int)bpp) {
	case PAIR_AVG * 8 + 3: unf_pair_sse2(s0, s1, pr, d0, d1, n, 3, PAIR_AVG); return;
	case PAIR_AVG * 8 + 4: unf_pair_sse2(s0, s1, pr, d0, d1, n, 4, PAIR_AVG); return;
	case PAIR_PAETH_LO * 8 + 3: unf_pair_sse2(s0, s1, pr, d0, d1, n, 3, PAIR_PAETH_LO); return;
	case PAIR_PAETH_LO * 8 + 4: unf_pair_sse2(s0, s1, pr, d0, d1, n, 4, PAIR_PAETH_LO); return;
	case PAIR_PAETH_HI * 8 + 3: unf_pair_sse2(s0, s1, pr, d0, d1, n, 3, PAIR_PAETH_HI); return;
	case PAIR_PAETH_HI * 8 + 4: unf_pair_sse2(s0, s1, pr, d0, d1, n, 4, PAIR_PAETH_HI); return;
	case PAIR_PAETH * 8 + 3: unf_pair_sse2(s0, s1, pr, d0, d1, n, 3, PAIR_PAETH); return;
	default: unf_pair_sse2(s0, s1, pr, d0, d1, n, 4, PAIR_PAETH); return;
	}
}
#endif

/* Rows y and y + 1 where both are Average or Paeth (the usual case for
 * photographs: libpng's and ImageMagick's adaptive filtering picks these
 * for most rows of a photo - every row of stress-3370.png is Paeth, 95 %
 * of cover-1400.png's are Average).  false: not done, use unfilter_row()
 * on each. */
static bool
unfilter_pair(unsigned t0, unsigned t1, size_t bpp, const uint8_t *src0, const uint8_t *src1,
              const uint8_t *prev, uint8_t *dst0, uint8_t *dst1, size_t n)
{
#ifdef PNG_SSE2
	if ((bpp == 3 || bpp == 4) && t0 >= F_AVG && t1 >= F_AVG) {
		int mode = (t0 == F_PAETH ? PAIR_PAETH_LO : 0) | (t1 == F_PAETH ? PAIR_PAETH_HI : 0);
		unf_pair_bpp(src0, src1, prev, dst0, dst1, n, bpp, mode);
		return true;
	}
#else
	(void)t0, (void)t1, (void)bpp, (void)src0, (void)src1, (void)prev, (void)dst0,
	(void)dst1, (void)n;
#endif
	return false;
}

static void
unfilter_row(unsigned type, size_t bpp, const uint8_t *src, const uint8_t *prev,
             uint8_t *dst, size_t n)
{
	switch (type) {
	case F_NONE:
		memcpy(dst, src, n);
		return;
	case F_UP:
		unf_up(src, prev, dst, n);
		return;
	case F_SUB:
		switch (bpp) {
		case 1: unf_sub(src, dst, n, 1); return;
		case 3: unf_sub(src, dst, n, 3); return;
		case 4: unf_sub(src, dst, n, 4); return;
		default: unf_sub(src, dst, n, bpp); return;
		}
	case F_AVG:
		switch (bpp) {
		case 1: unf_avg(src, prev, dst, n, 1); return;
		case 3: unf_avg(src, prev, dst, n, 3); return;
		case 4: unf_avg(src, prev, dst, n, 4); return;
		default: unf_avg(src, prev, dst, n, bpp); return;
		}
	default: /* F_PAETH, the type was checked */
		switch (bpp) {
		case 1: unf_paeth(src, prev, dst, n, 1); return;
		case 2: unf_paeth(src, prev, dst, n, 2); return;
#ifdef PNG_SSE2
		case 3: unf_paeth_sse2(src, prev, dst, n, 3); return;
		case 4: unf_paeth_sse2(src, prev, dst, n, 4); return;
		case 6: unf_paeth_sse2(src, prev, dst, n, 6); return;
		case 8: unf_paeth_sse2(src, prev, dst, n, 8); return;
#else
		case 3: unf_paeth(src, prev, dst, n, 3); return;
		case 4: unf_paeth(src, prev, dst, n, 4); return;
#endif
		default: unf_paeth(src, prev, dst, n, bpp); return;
		}
	}
}

/* ---- conversion of one unfiltered row to RGBA8 -------------------------- */

/* Sample x of a row of depth 1, 2 or 4 (packed from the high bits). */
static inline unsigned
low_sample(const uint8_t *row, size_t x, unsigned depth)
{
	size_t bit = x * depth;
	return (unsigned)(row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1u << depth) - 1);
}

/* stb_image's output for the row's pixels x0, x0 + step, ... (n of them),
 * written ostep bytes apart: grey of depth < 8 scaled by 255 / (2^depth -
 * 1); 16-bit samples reduced to their high byte; tRNS colour keys compared
 * with the stored samples at full depth (for depths up to 8 with the key's
 * low byte, as stb does). */
static void
convert_row(const struct png *p, const uint8_t *row, size_t x0, size_t step, uint32_t n,
            uint8_t *out, size_t ostep)
{
	size_t x = x0;
	const uint32_t ow = n;
	switch (p->ctype) {
	case CT_PALETTE:
		if (p->depth == 8) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep)
				memcpy(out, p->pal[row[x]], 4);
		} else {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep)
				memcpy(out, p->pal[low_sample(row, x, p->depth)], 4);
		}
		return;
	case CT_GREY:
		if (p->depth == 16) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 2 * x;
				out[0] = out[1] = out[2] = s[0];
				out[3] = p->has_key && rd16(s) == p->key[0] ? 0 : 255;
			}
		} else {
			/* 255 / (2^depth - 1) for depth 1, 2, 4, 8 */
			unsigned scale = p->depth == 1 ? 255 : p->depth == 2 ? 0x55 :
			                 p->depth == 4 ? 0x11 : 1;
			unsigned key = p->has_key ? (p->key[0] & 255u) : 256u; /* 256: none */
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				unsigned v = p->depth == 8 ? row[x] : low_sample(row, x, p->depth);
				out[0] = out[1] = out[2] = (uint8_t)(v * scale);
				out[3] = v == key ? 0 : 255;
			}
		}
		return;
	case CT_GREYA:
		if (p->depth == 16) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 4 * x;
				out[0] = out[1] = out[2] = s[0];
				out[3] = s[2];
			}
		} else {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 2 * x;
				out[0] = out[1] = out[2] = s[0];
				out[3] = s[1];
			}
		}
		return;
	case CT_RGB:
		if (p->depth == 16) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 6 * x;
				out[0] = s[0];
				out[1] = s[2];
				out[2] = s[4];
				out[3] = p->has_key && rd16(s) == p->key[0] && rd16(s + 2) == p->key[1] &&
				         rd16(s + 4) == p->key[2] ? 0 : 255;
			}
		} else if (p->has_key) {
			unsigned k0 = p->key[0] & 255u, k1 = p->key[1] & 255u, k2 = p->key[2] & 255u;
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 3 * x;
				out[0] = s[0];
				out[1] = s[1];
				out[2] = s[2];
				out[3] = s[0] == k0 && s[1] == k1 && s[2] == k2 ? 0 : 255;
			}
		} else {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 3 * x;
				out[0] = s[0];
				out[1] = s[1];
				out[2] = s[2];
				out[3] = 255;
			}
		}
		return;
	default: /* CT_RGBA */
		if (p->depth == 16) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 8 * x;
				out[0] = s[0];
				out[1] = s[2];
				out[2] = s[4];
				out[3] = s[6];
			}
		} else if (step == 1 && ostep == 4) {
			memcpy(out, row + 4 * x0, (size_t)ow * 4);
		} else {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep)
				memcpy(out, row + 4 * x, 4);
		}
		return;
	}
}

/* ---- passes: the whole image, or the seven of Adam7 (spec 8.2) ---------- */

struct pass {
	uint32_t x0, y0, dx, dy; /* the pass's pixel (c, r) is the image's
	                          * (x0 + c*dx, y0 + r*dy) */
	uint32_t pw, ph;         /* its size; 0 x ... when it is empty */
	size_t rb;               /* bytes of one of its rows, filter byte excluded */
};

static const uint8_t ADAM7[7][4] = {
	{ 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
	{ 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 },
};

/* Pass geometry and the inflated size (sum over non-empty passes of
 * ph * (1 + rb)); false if that does not fit in SIZE_MAX / 2. */
static bool
passes(const struct png *p, struct pass *ps, int *np, uint64_t *inflated)
{
	*np = p->interlace ? 7 : 1;
	*inflated = 0;
	for (int i = 0; i < *np; i++) {
		struct pass *q = &ps[i];
		q->x0 = p->interlace ? ADAM7[i][0] : 0;
		q->y0 = p->interlace ? ADAM7[i][1] : 0;
		q->dx = p->interlace ? ADAM7[i][2] : 1;
		q->dy = p->interlace ? ADAM7[i][3] : 1;
		q->pw = p->w > q->x0 ? (p->w - q->x0 - 1) / q->dx + 1 : 0;
		q->ph = p->h > q->y0 ? (p->h - q->y0 - 1) / q->dy + 1 : 0;
		/* pw <= 2^31, channels * depth <= 64: no overflow */
		q->rb = (size_t)(((uint64_t)q->pw * p->channels * p->depth + 7) / 8);
		if (q->pw == 0 || q->ph == 0)
			continue; /* an empty pass has no rows, not even filter bytes */
		uint64_t sz = (uint64_t)q->ph * ((uint64_t)q->rb + 1);
		if (sz / q->ph != (uint64_t)q->rb + 1 || sz > SIZE_MAX / 2 - *inflated)
			return false;
		*inflated += sz;
	}
	return true;
}

/* The first index i >= 0 with (o + i*step) % d == 0, and the period of
 * such indices; false if there is none below n. */
static bool
first_on_grid(uint32_t o, uint32_t step, uint32_t d, uint32_t n, uint32_t *first,
              uint32_t *period)
{
	uint32_t a = step, b = d; /* gcd(step, d) */
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	*period = d / a;
	uint32_t lim = *period < n ? *period : n;
	for (uint32_t i = 0; i < lim; i++)
		if (((uint64_t)o + (uint64_t)i * step) % d == 0) {
			*first = i;
			return true;
		}
	return false;
}

/* Unfilters the rows of one pass that the output needs and converts its
 * pixels that lie on the output grid (image x and y multiples of d).
 * raw: the pass's ph rows of 1 + rb bytes.  need: ph bytes, ring: 4 rows
 * of ring_rb >= rb bytes, the fourth all zeros. */
static int
sample_pass(const struct png *p, const struct pass *q, const char *pass_name,
            const uint8_t *raw, uint32_t d, uint8_t *out, uint32_t ow, uint8_t *need,
            uint8_t *ring, size_t ring_rb, char *err)
{
	const size_t stride = q->rb + 1;
	uint32_t r0 = 0, rstep = 1, c0 = 0, cstep = 1;
	bool rows = first_on_grid(q->y0, q->dy, d, q->ph, &r0, &rstep);
	bool cols = first_on_grid(q->x0, q->dx, d, q->pw, &c0, &cstep);
	bool any = rows && cols;
	uint32_t ncols = any ? (q->pw - 1 - c0) / cstep + 1 : 0;
	/* the last pass row on the grid */
	uint32_t last = any ? r0 + (q->ph - 1 - r0) / rstep * rstep : 0;

	/* Which rows must be unfiltered: those on the grid and, going up, every
	 * row that a needed row reads through Up, Average or Paeth.  Every
	 * filter type byte is checked, needed or not. */
	bool below = false; /* the row below is needed and reads this one */
	for (uint32_t r = q->ph; r-- > 0;) {
		unsigned ft = raw[(size_t)r * stride];
		if (ft > F_PAETH)
			return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (row %" PRIu32 "%s%s has "
			                "filter type %u)", r, p->interlace ? " of Adam7 pass " : "",
			                p->interlace ? pass_name : "", ft);
		bool n = below || (any && r >= r0 && r <= last && (r - r0) % rstep == 0);
		need[r] = n;
		below = n && ft >= F_UP;
	}
	if (!any)
		return 0;

	/* ring: rows r go to slot r % 3 (a pair and the row above it), slot 3
	 * is zeros */
	const uint8_t *zero = ring + 3 * ring_rb;
	const size_t ostep = (size_t)cstep * q->dx / d * 4;
	const size_t ox0 = ((size_t)q->x0 + (size_t)c0 * q->dx) / d;
	for (uint32_t r = 0; r <= last;) {
		if (!need[r]) {
			r++;
			continue;
		}
		const uint8_t *src = raw + (size_t)r * stride;
		uint8_t *cur = ring + (size_t)(r % 3) * ring_rb;
		/* the row above, whenever this row's filter reads it */
		const uint8_t *prev = r == 0 ? zero : ring + (size_t)((r - 1) % 3) * ring_rb;
		uint32_t done = 1;
		if (r < last && need[r + 1]) {
			uint8_t *next = ring + (size_t)((r + 1) % 3) * ring_rb;
			if (unfilter_pair(src[0], src[stride], p->bpp, src + 1, src + stride + 1, prev,
			                  cur, next, q->rb))
				done = 2;
		}
		if (done == 1)
			unfilter_row(src[0], p->bpp, src + 1, prev, cur, q->rb);
		for (uint32_t i = 0; i < done; i++, r++) {
			if (r >= r0 && (r - r0) % rstep == 0) {
				size_t oy = ((size_t)q->y0 + (size_t)r * q->dy) / d;
				convert_row(p, ring + (size_t)(r % 3) * ring_rb, c0, cstep, ncols,
				            out + (oy * ow + ox0) * 4, ostep);
			}
		}
	}
	return 0;
}

/* All passes: raw holds them one after the other. */
static int
unfilter_and_sample(const struct png *p, const struct pass *ps, int np, const uint8_t *raw,
                    uint32_t d, uint8_t *out, uint32_t ow, char *err)
{
	size_t rb = 0;
	uint32_t ph = 1;
	for (int i = 0; i < np; i++) {
		rb = ps[i].rb > rb ? ps[i].rb : rb;
		ph = ps[i].ph > ph ? ps[i].ph : ph;
	}
	uint8_t *need = malloc(ph);
	uint8_t *ring = calloc(4, rb ? rb : 1); /* three rows and a row of zeros */
	int st = 0;
	if (need == NULL || ring == NULL)
		st = rtg_fail(err, RTG_ERR_NOMEM, "out of memory for PNG rows");
	for (int i = 0; i < np && st == 0; i++) {
		if (ps[i].pw == 0 || ps[i].ph == 0)
			continue;
		static const char *const names[7] = { "1", "2", "3", "4", "5", "6", "7" };
		st = sample_pass(p, &ps[i], names[i], raw, d, out, ow, need, ring, rb, err);
		raw += (size_t)ps[i].ph * (ps[i].rb + 1);
	}
	free(need);
	free(ring);
	return st;
}

static const char *
inflate_error(enum libdeflate_result r)
{
	switch (r) {
	case LIBDEFLATE_BAD_DATA:
		return "the image data is not a valid zlib stream";
	case LIBDEFLATE_INSUFFICIENT_SPACE:
		return "the image data inflates to more than the image size";
	default:
		return "the image data does not inflate";
	}
}

int
rtg_png_decode(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
               uint64_t min_pixels, struct rtg_image *img, char *err)
{
	struct rtg_limits deflim;
	struct png p;
	int st;

	if (img == NULL || (buf == NULL && len != 0))
		return rtg_fail(err, RTG_ERR_ARG, "no PNG to decode");
	if (lim == NULL) {
		rtg_limits_default(&deflim);
		lim = &deflim;
	}
	memset(&p, 0, sizeof p);
	for (int i = 0; i < 256; i++) /* indices past PLTE: opaque black */
		p.pal[i][3] = 255;
	if ((st = walk_chunks(&p, buf, len, lim, err)) != 0)
		return st;

	/* everything below is bounded by the checked limits */
	struct pass ps[7];
	int np;
	uint64_t inflated;
	if (!passes(&p, ps, &np, &inflated))
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " pixels, "
		                "too large to decode", p.w, p.h);
	if (inflated > (uint64_t)p.idat_total * DEFLATE_MAX_RATIO + DEFLATE_MAX_RATIO)
		return rtg_fail(err, RTG_ERR_DECODE, "truncated or corrupt PNG (%zu bytes of "
		                "image data cannot inflate to the %" PRIu64 " bytes of a %"
		                PRIu32 "x%" PRIu32 " image)", p.idat_total, inflated, p.w, p.h);
	uint32_t d = rtg_png_decimation(p.w, p.h, min_pixels);
	uint32_t ow = (p.w - 1) / d + 1, oh = (p.h - 1) / d + 1;
	uint64_t opx = (uint64_t)ow * oh;
	if (opx > SIZE_MAX / 4 || opx > (uint64_t)INT_MAX)
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " pixels, "
		                "too large to decode", p.w, p.h);

	const uint8_t *z = NULL;
	uint8_t *gathered;
	if ((st = gather_idat(&p, buf, &z, &gathered, err)) != 0)
		return st;
	uint8_t *raw = big_alloc((size_t)inflated);
	struct libdeflate_decompressor *dc = libdeflate_alloc_decompressor();
	if (raw == NULL || dc == NULL) {
		free(gathered);
		free(raw);
		libdeflate_free_decompressor(dc);
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory inflating a %" PRIu32 "x%"
		                PRIu32 " PNG (%" PRIu64 " bytes)", p.w, p.h, inflated);
	}
	size_t got = 0;
	enum libdeflate_result r = libdeflate_zlib_decompress(dc, z, p.idat_total, raw,
	                                                      (size_t)inflated, &got);
	libdeflate_free_decompressor(dc);
	free(gathered);
	if (r != LIBDEFLATE_SUCCESS) {
		free(raw);
		return corrupt(err, inflate_error(r));
	}
	if (got != inflated) {
		free(raw);
		return rtg_fail(err, RTG_ERR_DECODE, "truncated or corrupt PNG (the image data "
		                "inflates to %zu bytes, a %" PRIu32 "x%" PRIu32 " image needs %"
		                PRIu64 ")", got, p.w, p.h, inflated);
	}

	uint8_t *out = malloc((size_t)opx * 4);
	if (out == NULL) {
		free(raw);
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a %" PRIu32 "x%"
		                PRIu32 " PNG", ow, oh);
	}
	st = unfilter_and_sample(&p, ps, np, raw, d, out, ow, err);
	free(raw);
	if (st != 0) {
		free(out);
		return st;
	}
	img->px = out;
	img->width = ow;
	img->height = oh;
	img->full_width = p.w;
	img->full_height = p.h;
	img->scale_denom = (int)d;
	img->decoder = rtg_png_decoder;
	return 0;
}

#endif /* HAVE_LIBDEFLATE */
