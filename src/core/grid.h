/* grid.h - the pixels the sampler visits, for decoders that keep only
 * those (rtg_image_decode_grid).
 *
 * rtg_sample() visits a w x h image on a grid of nx x ny cell centres
 * (rtg_sample_grid, sample.h).  A decoder that knows the grid can skip
 * converting, storing and later re-reading the other pixels: it hands over
 * an nx x ny image of exactly the grid's pixels, in the same order, which
 * rtg_sample() then visits whole (nx * ny <= budget), so the samples are
 * the same. */
#ifndef RTG_GRID_H
#define RTG_GRID_H

#include <stdbool.h>
#include <stdint.h>

struct rtg_grid {
	uint32_t w, h;   /* the decoded image the grid lies on */
	uint32_t nx, ny; /* kept columns and rows */
	uint32_t *xs;    /* the nx kept columns, increasing */
	int32_t *yidx;   /* per decoded row: its index among the kept rows, or -1 */
};

/* The grid for a w x h decode and this budget (0: none).  Returns false
 * only when out of memory.  When every pixel is kept (nx x ny = w x h)
 * g->xs and g->yidx are NULL: rtg_grid_active() is false and the decoder
 * writes its full image as before. */
bool rtg_grid_init(struct rtg_grid *g, uint32_t w, uint32_t h, uint64_t budget);
static inline bool
rtg_grid_active(const struct rtg_grid *g)
{
	return g->xs != NULL;
}
void rtg_grid_free(struct rtg_grid *g);

#endif
