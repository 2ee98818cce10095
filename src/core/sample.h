/* sample.h - reduce decoded pixels to weighted colours.
 *
 * A histogram of quantised colours that keeps exact per-bin sums (in linear
 * light, via a byte->linear table, weighted by alpha), so each bin's colour
 * is the true mean of its pixels, not the bin centre.  Only the occupied
 * bins are converted to the working space.  Pixels may be visited on a
 * regular grid to stay within max_pixels. */
#ifndef RTG_SAMPLE_H
#define RTG_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "colour.h"
#include "image.h"

#define RTG_SAMPLE_BUDGET_DEFAULT (256u * 1024) /* pixels visited at most */

struct rtg_samples {
	size_t n;             /* occupied bins */
	float (*pts)[3];      /* working-space coordinates, n entries */
	float (*lin)[3];      /* linear sRGB mean of each bin, n entries */
	float *w;             /* weight (alpha/255 summed), n entries */
	double total_weight;
	uint64_t visited;     /* pixels visited */
};

/* Returns 0, RTG_ERR_NOMEM, or RTG_ERR_ARG (fully transparent image: no
 * weight at all, message says so). */
int rtg_sample(const struct rtg_image *img, enum rtg_space space,
               uint64_t max_pixels, struct rtg_samples *out, char *err);
void rtg_samples_free(struct rtg_samples *s);

/* The grid rtg_sample() visits on a w x h image with this budget: nx
 * columns by ny rows (w x h itself when it fits, or budget 0), at the
 * centres of equal cells: column rtg_sample_cell(i, nx, w), row
 * rtg_sample_cell(j, ny, h).  A decoder that keeps only those pixels
 * (rtg_image_decode_grid) gives rtg_sample() the same pixels in the same
 * order, so the same samples. */
void rtg_sample_grid(uint32_t w, uint32_t h, uint64_t budget, uint32_t *nx, uint32_t *ny);
uint32_t rtg_sample_cell(uint32_t i, uint32_t n, uint32_t len);

#endif
