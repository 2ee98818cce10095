/* sample.c - reduce RGBA pixels to a few thousand weighted colours.
 *
 * Histogram: 5 bits per channel (32768 bins).  A bin is only a way to group
 * pixels: each keeps the exact sums of its pixels' linear-light channels
 * (weighted by alpha) and of their alpha, so its colour is the true weighted
 * mean of its members, not the bin centre.  5 bits keeps bins well below a
 * just-noticeable difference in the clustering result (members of one bin
 * differ by at most 8 sRGB levels per channel, and their mean is exact)
 * while a typical cover occupies only a few thousand bins, which is what the
 * k-means that follows pays for.
 *
 * Sums are integers: the byte->linear table (colour.c) is scaled to 24-bit
 * fixed point, times alpha (8 bit) fits in 32 bits, and the per-bin sums are
 * 64-bit.  Integer sums are exact and independent of the visiting order, so
 * the output is bit-for-bit deterministic, and there is no pow() or float
 * rounding per pixel.
 *
 * Large images are visited on a regular grid (the centres of nx x ny equal
 * cells, nx * ny <= max_pixels) so that at most max_pixels pixels are read;
 * max_pixels 0 visits every pixel.
 *
 * Memory: the 32768 bins are not one array of sums (1 MiB, all of it new
 * pages on every run: 5 % of a 600x600 cover's whole process in the
 * profile) but a 64 KiB table of slot numbers per bin, plus the sums of the
 * occupied bins only, appended in order of first visit.  The slot array is
 * allocated for the worst case but only the slots in use are touched, so a
 * cover with a few thousand colours touches ~100 KiB.  The output is then
 * produced by walking the slot table in bin order: the same bins, sums and
 * order as one big array would give.
 */
#include "config.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "colour.h"
#include "image.h"
#include "sample.h"
#include "status.h"

#define BITS 5
#define NBINS (1u << (3 * BITS))
#define SHIFT (8 - BITS)
#define FIX_ONE 16777216.0 /* 2^24: linear 1.0 in the fixed-point table */

struct bin {
	uint64_t r, g, b; /* sum of lin * 2^24 * alpha */
	uint64_t a;       /* sum of alpha (0..255 per pixel) */
};

/* Grid of nx columns by ny rows, nx * ny <= budget, with the image's aspect
 * ratio; the whole image when it fits.  Fractional steps (cell centres
 * rounded down) rather than one integer stride, so that the budget is used
 * (an integer stride of 2 on a 600x600 cover would visit 90000 of a
 * 262144-pixel budget). */
void
rtg_sample_grid(uint32_t w, uint32_t h, uint64_t budget, uint32_t *nx, uint32_t *ny)
{
	if (budget == 0 || (uint64_t)w * h <= budget) {
		*nx = w;
		*ny = h;
		return;
	}
	double fx = floor(sqrt((double)budget * w / h));
	uint64_t x = fx < 1 ? 1 : fx > w ? w : (uint64_t)fx;
	uint64_t y = budget / x;
	if (y > h)
		y = h;
	if (y < 1)
		y = 1;
	x = budget / y; /* widen again when the height was the limit */
	if (x > w)
		x = w;
	*nx = (uint32_t)x;
	*ny = (uint32_t)y;
}

/* Centre of cell i of n over a length len, rounded down. */
uint32_t
rtg_sample_cell(uint32_t i, uint32_t n, uint32_t len)
{
	return (uint32_t)(((2 * (uint64_t)i + 1) * len) / (2 * (uint64_t)n));
}

/* Per-call tables: fix[v] is lin(v) * 2^24, fix255[v] = fix[v] * 255 (an
 * opaque pixel's term without the multiply; < 2^32).  The SSE2 path adds an
 * opaque pixel to a bin's (r, g) and (b, a) sums as two pairs of 64-bit
 * lanes, from entries at byte offset v * 16: rg_r[v] = {fix255[v], 0},
 * rg_g[v] = {0, fix255[v]}, ba_b[v] = {fix255[v], 255}. */
struct tables {
	uint32_t fix[256], fix255[256];
#ifdef __SSE2__
	_Alignas(16) uint64_t rg_r[256][2];
	_Alignas(16) uint64_t rg_g[256][2];
	_Alignas(16) uint64_t ba_b[256][2];
#endif
};

/* Histogram state: slot[bin] is 0 for an empty bin, else the index of its
 * sums; sums[0] is unused so that a slot is its own index (no subtraction
 * per pixel). */
struct hist {
	uint16_t *slot;
	struct bin *sums;
	size_t n; /* occupied bins: sums[1..n] */
};

/* Any pixels, any alpha.  No separate case for alpha 255 here: with mixed
 * alpha that branch is mispredicted (with it, a cover given random alpha
 * sampled 20 % slower than before any fast path); opaque blocks take
 * add_pixels' fast path instead. */
static void
add_generic(struct hist *hs, const struct tables *t, const uint8_t *p, size_t count)
{
	/* locals: the compiler cannot tell that the stores to the sums leave
	 * *hs alone */
	uint16_t *slot = hs->slot;
	struct bin *sums = hs->sums;
	size_t n = hs->n;
	for (const uint8_t *end = p + count * 4; p < end; p += 4) {
		uint32_t a = p[3];
		if (a == 0)
			continue;
		uint32_t r = p[0], g = p[1], bl = p[2];
		uint32_t bi = r >> SHIFT << (2 * BITS) | g >> SHIFT << BITS | bl >> SHIFT;
		uint32_t s = slot[bi];
		if (s == 0) { /* n < cap: at most one new bin per visited pixel */
			s = (uint32_t)++n;
			memset(&sums[s], 0, sizeof sums[s]);
			slot[bi] = (uint16_t)s;
		}
		struct bin *b = &sums[s];
		b->r += (uint64_t)(t->fix[r] * a);
		b->g += (uint64_t)(t->fix[g] * a);
		b->b += (uint64_t)(t->fix[bl] * a);
		b->a += a;
	}
	hs->n = n;
}

#ifdef __SSE2__
#define BLOCK 256

static inline __m128i
load16(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Blocks of BLOCK pixels: a first pass computes, four at a time, every
 * pixel's bin and whether the whole block is opaque; a fully opaque block
 * (every cover, so far) then needs per pixel no alpha test, no multiply and
 * two 16-byte adds instead of four 8-byte ones.  The byte offsets into the
 * tables are taken from the pixel in the second pass rather than stored by
 * the first: on the bench covers the loop is bound by loads, and that was
 * 8 % faster than loading them.  Blocks with any other alpha, and the last
 * count % 4 pixels, take add_generic; the sums are the same integers either
 * way. */
static void
add_pixels(struct hist *hs, const struct tables *t, const uint8_t *p, size_t count)
{
	_Alignas(16) uint32_t bix[BLOCK];
	const __m128i mr = _mm_set1_epi32(0x7c00), mg = _mm_set1_epi32(0x3e0),
	              mb = _mm_set1_epi32(0x1f), opaque = _mm_set1_epi32((int)0xff000000u);
	const uint8_t *tr = (const uint8_t *)t->rg_r, *tg = (const uint8_t *)t->rg_g,
	              *tb = (const uint8_t *)t->ba_b;
	while (count >= 4) {
		size_t m = count < BLOCK ? count & ~(size_t)3 : BLOCK;
		__m128i all = opaque;
		for (size_t i = 0; i < m; i += 4) {
			__m128i v = load16(p + i * 4);
			all = _mm_and_si128(all, v);
			/* (r >> 3) << 10 | (g >> 3) << 5 | b >> 3 */
			__m128i r = _mm_and_si128(_mm_slli_epi32(v, 7), mr);
			__m128i g = _mm_and_si128(_mm_srli_epi32(v, 6), mg);
			__m128i b = _mm_and_si128(_mm_srli_epi32(v, 19), mb);
			_mm_store_si128((__m128i *)(void *)(bix + i),
			                _mm_or_si128(_mm_or_si128(r, g), b));
		}
		if (_mm_movemask_epi8(_mm_cmpeq_epi32(all, opaque)) != 0xffff) {
			add_generic(hs, t, p, m);
		} else {
			uint16_t *slot = hs->slot;
			struct bin *sums = hs->sums;
			size_t n = hs->n;
			for (size_t i = 0; i < m; i++) {
				uint32_t s = slot[bix[i]];
				if (s == 0) {
					s = (uint32_t)++n;
					memset(&sums[s], 0, sizeof sums[s]);
					slot[bix[i]] = (uint16_t)s;
				}
				uint32_t v; /* the bytes r, g, b, a: little-endian */
				memcpy(&v, p + i * 4, 4);
				__m128i rg = _mm_add_epi64(load16(tr + ((v << 4) & 0xff0)),
				                           load16(tg + ((v >> 4) & 0xff0)));
				__m128i ba = load16(tb + ((v >> 12) & 0xff0));
				__m128i *b0 = (__m128i *)(void *)&sums[s].r;
				__m128i *b1 = (__m128i *)(void *)&sums[s].b;
				_mm_storeu_si128(b0, _mm_add_epi64(_mm_loadu_si128(b0), rg));
				_mm_storeu_si128(b1, _mm_add_epi64(_mm_loadu_si128(b1), ba));
			}
			hs->n = n;
		}
		p += m * 4;
		count -= m;
	}
	add_generic(hs, t, p, count);
}
#else
static void
add_pixels(struct hist *hs, const struct tables *t, const uint8_t *p, size_t count)
{
	add_generic(hs, t, p, count);
}
#endif

int
rtg_sample(const struct rtg_image *img, enum rtg_space space,
           uint64_t max_pixels, struct rtg_samples *out, char *err)
{
	if (out == NULL)
		return rtg_fail(err, RTG_ERR_ARG, "no output for the samples");
	memset(out, 0, sizeof *out);
	if (img == NULL || img->px == NULL || img->width == 0 || img->height == 0)
		return rtg_fail(err, RTG_ERR_ARG, "no pixels to sample (empty image)");
	if ((unsigned)space >= RTG_SPACE_COUNT)
		return rtg_fail(err, RTG_ERR_ARG, "unknown colour space %d", (int)space);

	const float *lin_f = rtg_srgb8_linear_table();
	struct tables t;
	for (int i = 0; i < 256; i++) {
		double v = (double)lin_f[i];
		v = v < 0 ? 0 : v > 1 ? 1 : v;
		t.fix[i] = (uint32_t)lrint(v * FIX_ONE);
		t.fix255[i] = t.fix[i] * 255;
#ifdef __SSE2__
		t.rg_r[i][0] = t.fix255[i];
		t.rg_r[i][1] = 0;
		t.rg_g[i][0] = 0;
		t.rg_g[i][1] = t.fix255[i];
		t.ba_b[i][0] = t.fix255[i];
		t.ba_b[i][1] = 255;
#endif
	}

	const uint32_t w = img->width, h = img->height;
	const size_t stride = (size_t)w * 4;
	uint32_t nx, ny;
	rtg_sample_grid(w, h, max_pixels, &nx, &ny);
	const uint64_t visited = (uint64_t)nx * ny;
	const int whole = nx == w && ny == h;

	/* No more bins can be occupied than pixels visited (NBINS fits in 16
	 * bits).  sums is malloc'd, not calloc'd, and each entry cleared when
	 * its bin is first met, so that the pages of unused entries are never
	 * touched. */
	struct hist hs;
	hs.slot = calloc(NBINS, sizeof *hs.slot);
	size_t cap = visited < NBINS ? (size_t)visited : NBINS;
	hs.sums = malloc((cap + 1) * sizeof *hs.sums);
	hs.n = 0;
	/* On a grid: the byte offset of every visited column within a row, and
	 * a row's visited pixels gathered contiguously for add_pixels. */
	size_t *xoff = whole ? NULL : malloc((size_t)nx * sizeof *xoff);
	uint8_t *gather = whole ? NULL : malloc((size_t)nx * 4);
	if (hs.slot == NULL || hs.sums == NULL || (!whole && (xoff == NULL || gather == NULL))) {
		free(hs.slot);
		free(hs.sums);
		free(xoff);
		free(gather);
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory for the colour histogram");
	}

	if (whole) {
		/* rows are contiguous: one run of w * h pixels */
		add_pixels(&hs, &t, img->px, (size_t)w * h);
	} else {
		for (uint32_t i = 0; i < nx; i++)
			xoff[i] = (size_t)rtg_sample_cell(i, nx, w) * 4;
		for (uint32_t j = 0; j < ny; j++) {
			const uint8_t *row = img->px + (size_t)rtg_sample_cell(j, ny, h) * stride;
			for (uint32_t i = 0; i < nx; i++)
				memcpy(gather + (size_t)i * 4, row + xoff[i], 4);
			add_pixels(&hs, &t, gather, nx);
		}
	}
	free(xoff);
	free(gather);

	uint16_t *slot = hs.slot;
	struct bin *sums = hs.sums;
	size_t n = hs.n;
	uint64_t alpha_total = 0;
	for (size_t i = 1; i <= n; i++)
		alpha_total += sums[i].a;
	if (n == 0) {
		free(slot);
		free(sums);
		return rtg_fail(err, RTG_ERR_ARG,
		                "image is fully transparent (%" PRIu64 " pixels visited, all with "
		                "alpha 0): no colour to take a palette from", visited);
	}

	out->pts = malloc(n * sizeof *out->pts);
	out->lin = malloc(n * sizeof *out->lin);
	out->w = malloc(n * sizeof *out->w);
	if (out->pts == NULL || out->lin == NULL || out->w == NULL) {
		free(slot);
		free(sums);
		rtg_samples_free(out);
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory for %zu samples", n);
	}

	/* Bin index order: deterministic, and neighbouring colours adjacent. */
	size_t j = 0;
	for (uint32_t i = 0; i < NBINS; i++) {
		if (slot[i] == 0)
			continue;
		const struct bin *b = &sums[slot[i]];
		double d = (double)b->a * FIX_ONE;
		double lin[3] = { (double)b->r / d, (double)b->g / d, (double)b->b / d };
		double v[3];
		rtg_space_encode(space, lin, v);
		for (int c = 0; c < 3; c++) {
			out->pts[j][c] = (float)v[c];
			out->lin[j][c] = (float)lin[c];
		}
		out->w[j] = (float)((double)b->a / 255.0);
		j++;
	}
	free(slot);
	free(sums);

	out->n = n;
	out->total_weight = (double)alpha_total / 255.0;
	out->visited = visited;
	return 0;
}

void
rtg_samples_free(struct rtg_samples *s)
{
	if (s == NULL)
		return;
	free(s->pts);
	free(s->lin);
	free(s->w);
	memset(s, 0, sizeof *s);
}
