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

#endif
