/* t_grid.h - a grid decode (rtg_image_decode_grid) against the whole
 * decode: the kept pixels must be exactly the sampler's grid of it, and
 * the samples the same.  For test_image, test_png and test_jpegprog. */
#ifndef RTG_T_GRID_H
#define RTG_T_GRID_H

#include <string.h>

#include "image.h"
#include "sample.h"
#include "status.h"
#include "t.h"

/* b, a decode of the same bytes as a keeping only the sampler's grid for
 * this budget, against a: 1 when b kept only the grid (its pixels must be
 * a's at the grid's cells), 0 when it kept every pixel (decoders without
 * a grid path: then the images must be equal); the samples must be the
 * same either way. */
static int
t_grid_compare(const char *name, const struct rtg_image *a, const struct rtg_image *b,
               uint64_t budget)
{
	char err[RTG_ERRLEN];
	int active;

	T_CHECK(b->scaled_width == a->width && b->scaled_height == a->height &&
	        a->scaled_width == a->width && a->scaled_height == a->height &&
	        b->full_width == a->full_width && b->full_height == a->full_height &&
	        b->scale_denom == a->scale_denom && strcmp(b->decoder, a->decoder) == 0,
	        "%s: grid decode of %ux%u (1/%d, %s) reports %ux%u (1/%d, %s)", name, a->width,
	        a->height, a->scale_denom, a->decoder, b->scaled_width, b->scaled_height,
	        b->scale_denom, b->decoder);
	uint32_t nx, ny;
	rtg_sample_grid(a->width, a->height, budget, &nx, &ny);
	size_t bad = 0;
	if (b->width == a->width && b->height == a->height) {
		active = 0;
		bad = memcmp(a->px, b->px, (size_t)a->width * a->height * 4) != 0;
	} else {
		active = 1;
		T_CHECK(b->width == nx && b->height == ny, "%s: kept %ux%u, the grid is %ux%u",
		        name, b->width, b->height, nx, ny);
		for (uint32_t j = 0; j < b->height && b->width == nx && b->height == ny; j++)
			for (uint32_t i = 0; i < nx; i++) {
				uint32_t x = rtg_sample_cell(i, nx, a->width);
				uint32_t y = rtg_sample_cell(j, ny, a->height);
				bad += memcmp(b->px + ((size_t)j * nx + i) * 4,
				              a->px + ((size_t)y * a->width + x) * 4, 4) != 0;
			}
	}
	T_CHECK(bad == 0, "%s: %zu kept pixels differ from the whole decode's", name, bad);

	struct rtg_samples sa, sb;
	int ra = rtg_sample(a, RTG_SPACE_CIELAB, budget, &sa, err);
	int rb = rtg_sample(b, RTG_SPACE_CIELAB, budget, &sb, err);
	T_CHECK(ra == rb, "%s: sampling %d vs %d", name, ra, rb);
	if (ra == 0 && rb == 0) {
		T_CHECK(sa.n == sb.n && sa.visited == sb.visited &&
		        sa.total_weight == sb.total_weight &&
		        memcmp(sa.pts, sb.pts, sa.n * sizeof *sa.pts) == 0 &&
		        memcmp(sa.lin, sb.lin, sa.n * sizeof *sa.lin) == 0 &&
		        memcmp(sa.w, sb.w, sa.n * sizeof *sa.w) == 0,
		        "%s: the samples differ (%zu bins from the whole decode, %zu kept)", name,
		        sa.n, sb.n);
	}
	if (ra == 0)
		rtg_samples_free(&sa);
	if (rb == 0)
		rtg_samples_free(&sb);
	return active;
}

/* t_grid_compare() of rtg_image_decode_grid against
 * rtg_image_decode_scaled; -1 when the file does not decode. */
static int
t_grid_check(const char *name, const uint8_t *buf, size_t len, uint64_t min_pixels,
             uint64_t budget)
{
	struct rtg_image a, b;
	char err[RTG_ERRLEN];

	if (rtg_image_decode_scaled(buf, len, NULL, min_pixels, 0, &a, err) != 0)
		return -1;
	int st = rtg_image_decode_grid(buf, len, NULL, min_pixels, 0, budget, &b, err);
	T_CHECK(st == 0, "%s: grid decode: %s", name, err);
	if (st != 0) {
		rtg_image_free(&a);
		return -1;
	}
	int active = t_grid_compare(name, &a, &b, budget);
	rtg_image_free(&a);
	rtg_image_free(&b);
	return active;
}

#endif
