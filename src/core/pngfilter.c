/* pngfilter.c - PNG row unfiltering for png.c: plain C for every filter
 * type and bit depth, SSE2 for Paeth and Average rows of 3- and 4-byte
 * pixels (what photographs use).
 *
 * Written from the PNG specification (W3C PNG 2nd/3rd edition, 9.2-9.4:
 * filter types, the Paeth predictor and its tie order).  The measurements
 * quoted are from RAG/AI-LOG/2026-11-26-flamegraph-profiling.md and the
 * commits that introduced each kernel. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#define PNG_SSE2 1
#endif

#include "pngfilter.h"

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
 * of cover-1400.png's are Average).  false: not done, use rtg_pngfilter_row()
 * on each. */
bool
rtg_pngfilter_pair(unsigned t0, unsigned t1, size_t bpp, const uint8_t *src0,
                   const uint8_t *src1, const uint8_t *prev, uint8_t *dst0, uint8_t *dst1,
                   size_t n)
{
#ifdef PNG_SSE2
	if ((bpp == 3 || bpp == 4) && t0 >= RTG_PNGF_AVG && t1 >= RTG_PNGF_AVG) {
		int mode = (t0 == RTG_PNGF_PAETH ? PAIR_PAETH_LO : 0) |
		           (t1 == RTG_PNGF_PAETH ? PAIR_PAETH_HI : 0);
		unf_pair_bpp(src0, src1, prev, dst0, dst1, n, bpp, mode);
		return true;
	}
#else
	(void)t0, (void)t1, (void)bpp, (void)src0, (void)src1, (void)prev, (void)dst0,
	(void)dst1, (void)n;
#endif
	return false;
}

void
rtg_pngfilter_row(unsigned type, size_t bpp, const uint8_t *src, const uint8_t *prev,
                  uint8_t *dst, size_t n)
{
	switch (type) {
	case RTG_PNGF_NONE:
		memcpy(dst, src, n);
		return;
	case RTG_PNGF_UP:
		unf_up(src, prev, dst, n);
		return;
	case RTG_PNGF_SUB:
		switch (bpp) {
		case 1: unf_sub(src, dst, n, 1); return;
		case 3: unf_sub(src, dst, n, 3); return;
		case 4: unf_sub(src, dst, n, 4); return;
		default: unf_sub(src, dst, n, bpp); return;
		}
	case RTG_PNGF_AVG:
		switch (bpp) {
		case 1: unf_avg(src, prev, dst, n, 1); return;
		case 3: unf_avg(src, prev, dst, n, 3); return;
		case 4: unf_avg(src, prev, dst, n, 4); return;
		default: unf_avg(src, prev, dst, n, bpp); return;
		}
	default: /* RTG_PNGF_PAETH, the type was checked */
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
