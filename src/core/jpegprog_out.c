/* jpegprog_out.c - the output of the coefficient ring: scaled IDCTs,
 * chroma upsampling and YCbCr -> RGBA, in portable C and, on x86-64, SSE2
 * versions that compute the same numbers (rtg_jpegprog_portable switches
 * to the C code for the tests that compare the two).
 *
 * The scaled IDCT of an s x s block (s = 8/d) from the block's s x s
 * lowest coefficients is the s-point inverse DCT with the 8-point one's
 * scale factors,
 *
 *   g(x,y) = 1/4 sum_{u,v<s} C(u) C(v) F(v,u) cos((2x+1)u pi/2s) cos((2y+1)v pi/2s),
 *
 * C(0) = 1/sqrt 2, else 1: for s = 1 that is F(0,0)/8, the block's mean, and
 * in general the block box-filtered to s x s (what libjpeg's reduced IDCTs
 * compute too, up to their integer rounding).  Chroma planes at half the
 * output's resolution are upsampled by interpolation, others by repetition.
 * Colour conversion uses JFIF's YCbCr -> RGB equations.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#define JP_SSE2 1
#endif

#include "jpegprog_internal.h"

/* 4-point inverse DCT with the 8-point one's scale factors (1/2 C(u)):
 * even part c(F0 +- F2), odd part from F1, F3; a = cos(pi/8), b = cos(3pi/8),
 * c = cos(pi/4). */
static inline void
idct4(const float *in, int istep, float *out, int ostep)
{
	const float c = 0.70710678f, a = 0.92387953f, b = 0.38268343f;
	float e0 = c * (in[0] + in[2 * istep]), e1 = c * (in[0] - in[2 * istep]);
	float o0 = a * in[istep] + b * in[3 * istep];
	float o1 = b * in[istep] - a * in[3 * istep];
	out[0] = 0.5f * (e0 + o0);
	out[ostep] = 0.5f * (e1 + o1);
	out[2 * ostep] = 0.5f * (e1 - o1);
	out[3 * ostep] = 0.5f * (e0 - o0);
}

/* v + 128 rounded and clamped to 0..255 (minss/maxss, no branches) */
static inline uint8_t
sample8(float v)
{
	v += 128.5f;
	v = v < 0.0f ? 0.0f : v;
	v = v > 255.0f ? 255.0f : v;
	return (uint8_t)(int)v;
}

/* Frequency u's gain in the mean of 8/s neighbouring samples: averaging
 * n = 8/s samples of cos((2k+1)u pi/16) around a point scales it by
 * (1/n) sum cos((2j+1-n)u pi/16) over j < n (the sine parts cancel). */
static float
box_gain(int s, int u)
{
	int n = 8 / s;
	double g = 0;
	for (int j = 0; j < n; j++)
		g += cos((2 * j + 1 - n) * u * M_PI / 16);
	return (float)(g / n);
}

/* Dequantisation factors of c's kept coefficients, with the IDCT's
 * scaling.  With the 8-point scale factors the 1-point IDCT is F0/8, the
 * 2-point one (F0 +- F1) c/2, so 2x2 outputs are (F00 +- F01 +- F10 +-
 * F11) / 8. */
static void
component_qf(const struct dec *d, const struct comp *c, float *qf)
{
	const int s = c->s;
	int kof[16];

	for (int k = 0; k < 64; k++)
		if (c->slot[k] >= 0)
			kof[c->slot[k]] = k;
	for (int i = 0; i < c->nco; i++) {
		int u = i % s, v = i / s;
		qf[i] = (float)d->q[c->tq][kof[i]] * 0.125f * (s == 4 ? 8.0f : 1.0f) *
		        box_gain(s, u) * box_gain(s, v);
	}
}

#ifdef JP_SSE2
/* 4x4 coefficients (rows: vertical frequency) to 4x4 samples at dst, pw
 * apart: idct4 on each row, then on each column, four at a time (the
 * same operations in the same order as the C code: the same samples). */
static inline void
idct4_sse2(__m128 i0, __m128 i1, __m128 i2, __m128 i3, __m128 *o)
{
	const __m128 c = _mm_set1_ps(0.70710678f), a = _mm_set1_ps(0.92387953f),
	             b = _mm_set1_ps(0.38268343f), h = _mm_set1_ps(0.5f);
	__m128 e0 = _mm_mul_ps(c, _mm_add_ps(i0, i2)), e1 = _mm_mul_ps(c, _mm_sub_ps(i0, i2));
	__m128 o0 = _mm_add_ps(_mm_mul_ps(a, i1), _mm_mul_ps(b, i3));
	__m128 o1 = _mm_sub_ps(_mm_mul_ps(b, i1), _mm_mul_ps(a, i3));
	o[0] = _mm_mul_ps(h, _mm_add_ps(e0, o0));
	o[1] = _mm_mul_ps(h, _mm_add_ps(e1, o1));
	o[2] = _mm_mul_ps(h, _mm_sub_ps(e1, o1));
	o[3] = _mm_mul_ps(h, _mm_sub_ps(e0, o0));
}

static inline void
idct4x4_sse2(const int16_t *blk, const float *qf, uint8_t *dst, size_t pw)
{
	__m128i k01 = _mm_loadu_si128((const __m128i *)(const void *)blk);
	__m128i k23 = _mm_loadu_si128((const __m128i *)(const void *)(blk + 8));
	/* int16 -> int32: the value in the high half, shifted down */
	__m128 r0 = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(k01, k01), 16));
	__m128 r1 = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(k01, k01), 16));
	__m128 r2 = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(k23, k23), 16));
	__m128 r3 = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(k23, k23), 16));
	__m128 t[4], o[4];

	r0 = _mm_mul_ps(r0, _mm_loadu_ps(qf));
	r1 = _mm_mul_ps(r1, _mm_loadu_ps(qf + 4));
	r2 = _mm_mul_ps(r2, _mm_loadu_ps(qf + 8));
	r3 = _mm_mul_ps(r3, _mm_loadu_ps(qf + 12));
	_MM_TRANSPOSE4_PS(r0, r1, r2, r3); /* lanes: rows, per horizontal frequency */
	idct4_sse2(r0, r1, r2, r3, t);     /* t[x]: column x */
	_MM_TRANSPOSE4_PS(t[0], t[1], t[2], t[3]);
	idct4_sse2(t[0], t[1], t[2], t[3], o); /* o[y]: row y */
	const __m128 bias = _mm_set1_ps(128.5f), lo = _mm_setzero_ps(), hi = _mm_set1_ps(255.0f);
	__m128i w[4];
	for (int y = 0; y < 4; y++)
		w[y] = _mm_cvttps_epi32(_mm_min_ps(_mm_max_ps(_mm_add_ps(o[y], bias), lo), hi));
	__m128i p = _mm_packus_epi16(_mm_packs_epi32(w[0], w[1]), _mm_packs_epi32(w[2], w[3]));
	for (int y = 0; y < 4; y++, p = _mm_srli_si128(p, 4)) {
		uint32_t v = (uint32_t)_mm_cvtsi128_si32(p);
		memcpy(dst + (size_t)y * pw, &v, 4);
	}
}
#endif

#ifdef JP_SSE2
/* Four 2x2 blocks side by side (their coefficients one after the other)
 * to 8 samples in each of two rows, the C code's sums in its order. */
static inline void
idct2x2_sse2(const int16_t *blk, const float *qf, uint8_t *dst, size_t pw)
{
	__m128i k01 = _mm_loadu_si128((const __m128i *)(const void *)blk);
	__m128i k23 = _mm_loadu_si128((const __m128i *)(const void *)(blk + 8));
	__m128 q = _mm_loadu_ps(qf);
	__m128 f0 = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(k01, k01), 16)), q);
	__m128 f1 = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(k01, k01), 16)), q);
	__m128 f2 = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(k23, k23), 16)), q);
	__m128 f3 = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(k23, k23), 16)), q);
	_MM_TRANSPOSE4_PS(f0, f1, f2, f3); /* fi: coefficient i of the four blocks */
	__m128 p01 = _mm_add_ps(f0, f1), m01 = _mm_sub_ps(f0, f1);
	__m128 o[4] = { _mm_add_ps(_mm_add_ps(p01, f2), f3), _mm_sub_ps(_mm_add_ps(m01, f2), f3),
	                _mm_sub_ps(_mm_sub_ps(p01, f2), f3), _mm_add_ps(_mm_sub_ps(m01, f2), f3) };
	const __m128 bias = _mm_set1_ps(128.5f), lo = _mm_setzero_ps(), hi = _mm_set1_ps(255.0f);
	__m128i w[4];
	for (int i = 0; i < 4; i++)
		w[i] = _mm_cvttps_epi32(_mm_min_ps(_mm_max_ps(_mm_add_ps(o[i], bias), lo), hi));
	/* rows: samples 0 and 1 (2 and 3) of each block in turn */
	__m128i r0 = _mm_packs_epi32(_mm_unpacklo_epi32(w[0], w[1]), _mm_unpackhi_epi32(w[0], w[1]));
	__m128i r1 = _mm_packs_epi32(_mm_unpacklo_epi32(w[2], w[3]), _mm_unpackhi_epi32(w[2], w[3]));
	_mm_storel_epi64((__m128i *)(void *)dst, _mm_packus_epi16(r0, r0));
	_mm_storel_epi64((__m128i *)(void *)(dst + pw), _mm_packus_epi16(r1, r1));
}
#endif

/* Inverse-transforms block row by of c into s sample rows at dst, pw
 * samples apart. */
static void
idct_row(const struct comp *c, const float *qf, uint32_t by, uint8_t *dst, size_t pw)
{
	const int16_t *blk = block_at(c, 0, by);

	if (c->s == 1) {
		for (uint32_t bx = 0; bx < c->pbw; bx++, blk++)
			dst[bx] = sample8(blk[0] * qf[0]);
	} else if (c->s == 2) {
		uint32_t bx = 0;
#ifdef JP_SSE2
		if (!rtg_jpegprog_portable)
			for (; bx + 4 <= c->pbw; bx += 4, blk += 16, dst += 8)
				idct2x2_sse2(blk, qf, dst, pw);
#endif
		for (; bx < c->pbw; bx++, blk += 4, dst += 2) {
			float f0 = blk[0] * qf[0], f1 = blk[1] * qf[1], f2 = blk[2] * qf[2],
			      f3 = blk[3] * qf[3];
			dst[0] = sample8(f0 + f1 + f2 + f3);
			dst[1] = sample8(f0 - f1 + f2 - f3);
			dst[pw] = sample8(f0 + f1 - f2 - f3);
			dst[pw + 1] = sample8(f0 - f1 - f2 + f3);
		}
	} else {
#ifdef JP_SSE2
		if (!rtg_jpegprog_portable) {
			for (uint32_t bx = 0; bx < c->pbw; bx++, blk += 16, dst += 4)
				idct4x4_sse2(blk, qf, dst, pw);
			return;
		}
#endif
		for (uint32_t bx = 0; bx < c->pbw; bx++, blk += 16, dst += 4) {
			float f[16], t[16], o[16];
			for (int i = 0; i < 16; i++)
				f[i] = blk[i] * qf[i];
			for (int v = 0; v < 4; v++) /* rows: horizontal frequencies */
				idct4(f + 4 * v, 1, t + 4 * v, 1);
			for (int x = 0; x < 4; x++) /* columns: vertical frequencies */
				idct4(t + x, 4, o + x, 4);
			for (int y = 0; y < 4; y++)
				for (int x = 0; x < 4; x++)
					dst[(size_t)y * pw + (size_t)x] = sample8(o[4 * y + x]);
		}
	}
}

/* Fancy upsampling of row y from the half-resolution plane: weights 3/4
 * and 1/4 from the nearer and the farther sample each way (the "fancy"
 * upsampling libjpeg applies too): repeating samples left chroma edges 8
 * levels off on average in tests/unit/test_jpegprog.c's picture.  Rows
 * cy = y / 2 and its neighbour towards y; 2 pw samples out. */
static void
upsample_row(const struct comp *c, struct outc *o, uint32_t y)
{
	const size_t pw = o->pw;
	const uint32_t ph = c->pbh * (uint32_t)c->s, cy = y / 2;
	uint32_t ny = y % 2 ? (cy + 1 < ph ? cy + 1 : cy) : (cy > 0 ? cy - 1 : 0);
	const uint8_t *a = o->buf + (size_t)cy * pw, *b = o->buf + (size_t)ny * pw;
	int16_t *t = o->t; /* t[1 + i]: sample i's vertical sum; edges repeated */
	uint8_t *out = o->row;
	size_t i = 0;

#ifdef JP_SSE2
	if (!rtg_jpegprog_portable) {
		const __m128i z = _mm_setzero_si128();
		for (; i + 8 <= pw; i += 8) {
			__m128i va = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(const void *)(a + i)), z);
			__m128i vb = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(const void *)(b + i)), z);
			__m128i v = _mm_add_epi16(_mm_add_epi16(va, _mm_add_epi16(va, va)), vb);
			_mm_storeu_si128((__m128i *)(void *)(t + 1 + i), v);
		}
	}
#endif
	for (; i < pw; i++)
		t[1 + i] = (int16_t)(3 * a[i] + b[i]);
	t[0] = t[1];
	t[pw + 1] = t[pw];
	/* 16ths; rounding 8 and 7 alternately, as libjpeg, against drift */
	i = 0;
#ifdef JP_SSE2
	if (!rtg_jpegprog_portable) {
		const __m128i z = _mm_setzero_si128(), k7 = _mm_set1_epi16(7), k8 = _mm_set1_epi16(8);
		for (; i + 8 <= pw; i += 8) {
			__m128i m = _mm_loadu_si128((const __m128i *)(const void *)(t + 1 + i));
			__m128i l = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
			__m128i r = _mm_loadu_si128((const __m128i *)(const void *)(t + 2 + i));
			__m128i m3 = _mm_add_epi16(m, _mm_add_epi16(m, m));
			__m128i ev = _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(m3, l), k8), 4);
			__m128i od = _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(m3, r), k7), 4);
			_mm_storeu_si128((__m128i *)(void *)(out + 2 * i),
			                 _mm_unpacklo_epi8(_mm_packus_epi16(ev, z), _mm_packus_epi16(od, z)));
		}
	}
#endif
	for (; i < pw; i++) {
		out[2 * i] = (uint8_t)((3 * t[1 + i] + t[i] + 8) >> 4);
		out[2 * i + 1] = (uint8_t)((3 * t[1 + i] + t[2 + i] + 7) >> 4);
	}
}

/* JFIF: R = Y + 1.402 Cr, G = Y - 0.344136 Cb - 0.714136 Cr,
 * B = Y + 1.772 Cb (Cb, Cr centred on 128), in 16.16 fixed point, rounded
 * (the 2^24 bias keeps the shifted values non-negative). */
static void
ycc_rgba(const uint8_t *ry, const uint8_t *rb, const uint8_t *rr, uint32_t ow, uint8_t *q)
{
	uint32_t x = 0;
#ifdef JP_SSE2
	/* The same sums in 16-bit lanes, exactly: with c = Cr - 128 and
	 * floor((X + 32768) / 65536) = ((X >> 15) + 1) >> 1 (X >> 15 from
	 * pmulhw of 2c), 91881 c = 65536 c + 26345 c, 116130 b = 131072 b -
	 * 14942 b, and G's -22554 b - 46802 c = -65536 c + (-22554 b + 18734 c)
	 * in 32 bits (pmaddwd).  packus clamps to 0..255. */
	if (!rtg_jpegprog_portable) {
		const __m128i z = _mm_setzero_si128(), k128 = _mm_set1_epi16(128),
		              one = _mm_set1_epi16(1), kr = _mm_set1_epi16(26345),
		              kb = _mm_set1_epi16(-14942), kg = _mm_set_epi16(18734, -22554, 18734,
		              -22554, 18734, -22554, 18734, -22554),
		              half = _mm_set1_epi32(32768), alpha = _mm_set1_epi8(-1);
		for (; x + 8 <= ow; x += 8, q += 32) {
			__m128i y8 = _mm_loadl_epi64((const __m128i *)(const void *)(ry + x));
			__m128i b8 = _mm_loadl_epi64((const __m128i *)(const void *)(rb + x));
			__m128i c8 = _mm_loadl_epi64((const __m128i *)(const void *)(rr + x));
			__m128i yy = _mm_unpacklo_epi8(y8, z);
			__m128i b = _mm_sub_epi16(_mm_unpacklo_epi8(b8, z), k128);
			__m128i c = _mm_sub_epi16(_mm_unpacklo_epi8(c8, z), k128);
			__m128i b2 = _mm_add_epi16(b, b), c2 = _mm_add_epi16(c, c);
			__m128i rt = _mm_add_epi16(c, _mm_srai_epi16(
			        _mm_add_epi16(_mm_mulhi_epi16(c2, kr), one), 1));
			__m128i bt = _mm_add_epi16(b2, _mm_srai_epi16(
			        _mm_add_epi16(_mm_mulhi_epi16(b2, kb), one), 1));
			__m128i glo = _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(
			        _mm_unpacklo_epi16(b, c), kg), half), 16);
			__m128i ghi = _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(
			        _mm_unpackhi_epi16(b, c), kg), half), 16);
			__m128i gt = _mm_sub_epi16(_mm_packs_epi32(glo, ghi), c);
			__m128i r = _mm_packus_epi16(_mm_add_epi16(yy, rt), z);
			__m128i g = _mm_packus_epi16(_mm_add_epi16(yy, gt), z);
			__m128i bl = _mm_packus_epi16(_mm_add_epi16(yy, bt), z);
			__m128i rg = _mm_unpacklo_epi8(r, g), ba = _mm_unpacklo_epi8(bl, alpha);
			_mm_storeu_si128((__m128i *)(void *)q, _mm_unpacklo_epi16(rg, ba));
			_mm_storeu_si128((__m128i *)(void *)(q + 16), _mm_unpackhi_epi16(rg, ba));
		}
	}
#endif
	for (; x < ow; x++, q += 4) {
		int yy = ry[x], u = rb[x] - 128, v = rr[x] - 128;
		int r = yy + ((91881 * v + 32768 + (1 << 24)) >> 16) - 256;
		int g = yy + ((-22554 * u - 46802 * v + 32768 + (1 << 24)) >> 16) - 256;
		int b = yy + ((116130 * u + 32768 + (1 << 24)) >> 16) - 256;
		q[0] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
		q[1] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
		q[2] = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
		q[3] = 255;
	}
}

void
rtg_jpegprog_ycc_rgba(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, size_t n,
                      uint8_t *rgba)
{
	for (size_t i = 0; i < n; i += UINT32_MAX) {
		uint32_t m = n - i < UINT32_MAX ? (uint32_t)(n - i) : UINT32_MAX;
		ycc_rgba(y + i, cb + i, cr + i, m, rgba + 4 * i);
	}
}

void
rtg_jpegprog_out_rows(const struct dec *d, struct outc *o, uint32_t my, uint32_t ow,
                      uint32_t oh, const struct rtg_grid *g, uint8_t *px)
{
	const bool sel = rtg_grid_active(g);
	const uint32_t n = sel ? g->nx : ow; /* pixels per stored row */
	const uint32_t rows = (uint32_t)(d->vmax * d->s); /* output rows per MCU row */
	const uint32_t y0 = my * rows, y1 = oh - y0 < rows ? oh : y0 + rows;

	for (int i = 0; i < d->nc; i++) {
		const struct comp *c = &d->c[i];
		if (o[i].fancy)
			continue;
		for (int r = 0; r < c->v; r++)
			idct_row(c, o[i].qf, my * (uint32_t)c->v + (uint32_t)r,
			         o[i].buf + (size_t)r * (size_t)c->s * o[i].pw, o[i].pw);
	}
	for (uint32_t y = y0; y < y1; y++) {
		const int32_t oy = sel ? g->yidx[y] : (int32_t)y;
		if (oy < 0)
			continue; /* not on the grid: neither interpolated nor converted */
		const uint8_t *src[3];
		for (int i = 0; i < d->nc; i++) {
			const struct comp *c = &d->c[i];
			struct outc *oc = &o[i];
			const uint32_t *cols = oc->cols;
			if (oc->fancy) {
				upsample_row(c, oc, y);
				src[i] = oc->row;
				cols = NULL;
			} else {
				/* plane row y * (v s_c) / (vmax s), in the strip: the
				 * ratio is integer, so MCU row my starts it */
				uint32_t py = (y - y0) * (uint32_t)(c->v * c->s) / rows;
				src[i] = oc->buf + (size_t)py * oc->pw;
			}
			if (sel) {
				for (uint32_t x = 0; x < n; x++)
					oc->sel[x] = src[i][cols != NULL ? cols[g->xs[x]] : g->xs[x]];
				src[i] = oc->sel;
			} else if (cols != NULL) {
				for (uint32_t x = 0; x < ow; x++)
					oc->row[x] = src[i][cols[x]];
				src[i] = oc->row;
			}
		}
		uint8_t *q = px + (size_t)oy * n * 4;
		if (d->nc == 1) {
			for (uint32_t x = 0; x < n; x++, q += 4) {
				q[0] = q[1] = q[2] = src[0][x];
				q[3] = 255;
			}
		} else {
			ycc_rgba(src[0], src[1], src[2], n, q);
		}
	}
}

bool
rtg_jpegprog_out_init(const struct dec *d, struct outc *o, uint32_t ow,
                      const struct rtg_grid *g)
{
	for (int i = 0; i < d->nc; i++) {
		const struct comp *c = &d->c[i];
		struct outc *oc = &o[i];
		if (rtg_grid_active(g) && (oc->sel = malloc(g->nx)) == NULL)
			return false;
		uint32_t num = (uint32_t)(c->h * c->s), den = (uint32_t)(d->hmax * d->s);
		oc->pw = (size_t)c->pbw * (size_t)c->s;
		component_qf(d, c, oc->qf);
		oc->fancy = 2 * num == den && 2 * c->v * c->s == d->vmax * d->s;
		if (oc->fancy) {
			oc->buf = malloc(oc->pw * c->pbh * (size_t)c->s);
			oc->t = malloc((oc->pw + 2) * sizeof *oc->t);
			oc->row = malloc(2 * oc->pw);
			if (oc->buf == NULL || oc->t == NULL || oc->row == NULL)
				return false;
			continue;
		}
		oc->buf = malloc(oc->pw * (size_t)c->v * (size_t)c->s);
		if (oc->buf == NULL)
			return false;
		if (num != den) { /* repeated samples: num / den <= 1/2 */
			oc->cols = malloc((size_t)ow * sizeof *oc->cols);
			oc->row = malloc(ow);
			if (oc->cols == NULL || oc->row == NULL)
				return false;
			for (uint32_t x = 0; x < ow; x++)
				oc->cols[x] = (uint32_t)((uint64_t)x * num / den);
		}
	}
	return true;
}

void
rtg_jpegprog_out_planes(const struct dec *d, struct outc *o, uint32_t my0, uint32_t my1)
{
	for (int i = 0; i < d->nc; i++) {
		const struct comp *c = &d->c[i];
		if (o[i].fancy)
			for (uint32_t by = my0 * (uint32_t)c->v; by < my1 * (uint32_t)c->v; by++)
				idct_row(c, o[i].qf, by,
				         o[i].buf + (size_t)by * (size_t)c->s * o[i].pw, o[i].pw);
	}
}

void
rtg_jpegprog_out_free(struct outc *o)
{
	for (int i = 0; i < 3; i++) {
		free(o[i].buf);
		free(o[i].cols);
		free(o[i].t);
		free(o[i].row);
		free(o[i].sel);
	}
}
