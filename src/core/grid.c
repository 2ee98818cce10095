/* grid.c - the sampler's grid as column and row tables for decoders. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "sample.h"

bool
rtg_grid_init(struct rtg_grid *g, uint32_t w, uint32_t h, uint64_t budget)
{
	memset(g, 0, sizeof *g);
	g->w = g->nx = w;
	g->h = g->ny = h;
	if (w == 0 || h == 0)
		return true;
	rtg_sample_grid(w, h, budget, &g->nx, &g->ny);
	if ((uint64_t)g->nx * g->ny == (uint64_t)w * h)
		return true;
	g->xs = malloc((size_t)g->nx * sizeof *g->xs);
	g->yidx = malloc((size_t)h * sizeof *g->yidx);
	if (g->xs == NULL || g->yidx == NULL) {
		rtg_grid_free(g);
		return false;
	}
	for (uint32_t i = 0; i < g->nx; i++)
		g->xs[i] = rtg_sample_cell(i, g->nx, w);
	for (uint32_t y = 0; y < h; y++)
		g->yidx[y] = -1;
	/* distinct rows: cells are at least one row tall (ny <= h) */
	for (uint32_t j = 0; j < g->ny; j++)
		g->yidx[rtg_sample_cell(j, g->ny, h)] = (int32_t)j;
	return true;
}

void
rtg_grid_free(struct rtg_grid *g)
{
	free(g->xs);
	free(g->yidx);
	g->xs = NULL;
	g->yidx = NULL;
}
