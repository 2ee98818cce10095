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
	uint32_t fix[256];
	for (int i = 0; i < 256; i++) {
		double v = (double)lin_f[i];
		v = v < 0 ? 0 : v > 1 ? 1 : v;
		fix[i] = (uint32_t)lrint(v * FIX_ONE);
	}

	const uint32_t w = img->width, h = img->height;
	const size_t stride = (size_t)w * 4;
	uint32_t nx, ny;
	rtg_sample_grid(w, h, max_pixels, &nx, &ny);
	const uint64_t visited = (uint64_t)nx * ny;

	/* slot[bin]: 0 = empty, else 1 + index into sums (NBINS fits in 16
	 * bits).  No more bins can be occupied than pixels visited.  sums is
	 * malloc'd, not calloc'd, and each entry cleared when its bin is first
	 * met, so that the pages of unused entries are never touched. */
	uint16_t *slot = calloc(NBINS, sizeof *slot);
	size_t cap = visited < NBINS ? (size_t)visited : NBINS;
	struct bin *sums = malloc(cap * sizeof *sums);
	/* byte offset of every visited column within a row */
	size_t *xoff = malloc((size_t)nx * sizeof *xoff);
	if (slot == NULL || sums == NULL || xoff == NULL) {
		free(slot);
		free(sums);
		free(xoff);
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory for the colour histogram");
	}
	for (uint32_t i = 0; i < nx; i++)
		xoff[i] = (size_t)rtg_sample_cell(i, nx, w) * 4;

	size_t n = 0;
	for (uint32_t j = 0; j < ny; j++) {
		const uint8_t *row = img->px + (size_t)rtg_sample_cell(j, ny, h) * stride;
		for (uint32_t i = 0; i < nx; i++) {
			const uint8_t *p = row + xoff[i];
			uint32_t a = p[3];
			if (a == 0)
				continue;
			uint32_t bi = (uint32_t)(p[0] >> SHIFT) << (2 * BITS) |
			              (uint32_t)(p[1] >> SHIFT) << BITS | (uint32_t)(p[2] >> SHIFT);
			uint32_t s = slot[bi];
			if (s == 0) { /* n < cap: at most one new bin per visited pixel */
				memset(&sums[n], 0, sizeof sums[n]);
				s = (uint32_t)++n;
				slot[bi] = (uint16_t)s;
			}
			struct bin *b = &sums[s - 1];
			b->r += (uint64_t)(fix[p[0]] * a);
			b->g += (uint64_t)(fix[p[1]] * a);
			b->b += (uint64_t)(fix[p[2]] * a);
			b->a += a;
		}
	}
	free(xoff);

	uint64_t alpha_total = 0;
	for (size_t i = 0; i < n; i++)
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
		const struct bin *b = &sums[slot[i] - 1];
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
