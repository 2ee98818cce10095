/* cluster.c - weighted k-means (variance-split start, split-and-merge
 * local search, Lloyd): the entry point, its checks and the compacted
 * points; the coarse-to-fine levels are in cluster_levels.c.
 *
 * The input is the sampler's histogram: a few thousand weighted colours,
 * 3-D, k <= 64, and the whole generator has a budget of a few ms.  Lloyd
 * on such data creeps (dense colour clouds: every iteration a few points
 * at the borders change cluster and the centres move a little), and plain
 * Lloyd spends everything on point-to-centre distances.  So:
 *  - Most iterations run on summaries of the points (grids over their
 *    bounding box, see cluster_levels.c); the last level is the
 *    points themselves, so the result is a Lloyd result on the given data.
 *  - The assignment step skips most distance computations with
 *    Hamerly/Yinyang bounds, and cluster sums are updated only for points
 *    that change cluster (cluster_lloyd.c).
 * The returned centres are recomputed from scratch, so each is exactly its
 * members' weighted mean.
 *
 * Where Lloyd starts decides which local optimum it ends in, and on a
 * detailed picture at k 8 several optima of nearly the same SSE lie up to
 * 10-15 dE00 apart.  A random start (k-means++, used here before) picks
 * one by chance, so the same cover from another source (another size, one
 * re-encode, a 1-pixel crop) often got another palette.  The start is
 * therefore computed from weighted sums of the points (cluster_start.c),
 * and for k <= 16 a short deterministic local search moves it out of the
 * worse optima (cluster_search.c).  bench-assets/stability.c
 * (rtg-stability) measures how far palettes move; numbers in
 * cluster_search.c.
 *
 * Determinism: no random numbers; all scans run in a fixed order and exact
 * ties go to the lower index, so the same input gives the same bits
 * (opts->seed is accepted and not used).
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "cluster_internal.h"
#include "pipeline.h"
#include "status.h"

static int
centroid_cmp(const struct rtg_centroid *p, const struct rtg_centroid *q)
{
	int i;

	if (p->weight != q->weight)
		return p->weight > q->weight ? -1 : 1;
	for (i = 0; i < 3; i++)
		if (p->v[i] != q->v[i])
			return p->v[i] < q->v[i] ? -1 : 1;
	return 0;
}

/* k <= 64: insertion sort, allocation-free. */
static void
sort_centroids(struct rtg_centroid *c, int n)
{
	int i, j;

	for (i = 1; i < n; i++) {
		struct rtg_centroid t = c[i];

		for (j = i; j > 0 && centroid_cmp(&t, &c[j - 1]) < 0; j--)
			c[j] = c[j - 1];
		c[j] = t;
	}
}

static int
check_args(const float (*pts)[3], const float *w, size_t n,
           const struct rtg_kmeans_opts *opts, const struct rtg_centroid *out,
           char *err)
{
	if (opts == NULL || out == NULL)
		return rtg_fail(err, RTG_ERR_ARG, "k-means: no options or output");
	if (opts->k < RTG_K_MIN || opts->k > RTG_K_MAX)
		return rtg_fail(err, RTG_ERR_ARG, "k-means: k must be %d..%d, not %d",
		                RTG_K_MIN, RTG_K_MAX, opts->k);
	if (opts->max_iter < 1)
		return rtg_fail(err, RTG_ERR_ARG,
		                "k-means: max_iter must be at least 1, not %d",
		                opts->max_iter);
	if (!(opts->tol >= 0) || !isfinite(opts->tol))
		return rtg_fail(err, RTG_ERR_ARG,
		                "k-means: tolerance must be a finite number >= 0");
	if (n == 0)
		return rtg_fail(err, RTG_ERR_ARG, "k-means: no points");
	if (pts == NULL || w == NULL)
		return rtg_fail(err, RTG_ERR_ARG, "k-means: no point data");
	if (n > (SIZE_MAX - sizeof(struct km)) / POINT_BYTES)
		return rtg_fail(err, RTG_ERR_NOMEM, "k-means: %zu points is too many", n);
	return 0;
}

/* The weights are used scaled by 2^e (exact for floats, so a Lloyd result
 * on the scaled weights is the same partition, and the output weights are
 * scaled back).  The summaries of cluster.c store a cell's total weight as
 * float, which overflows when the points of one cell weigh more than
 * FLT_MAX in all (3000 points of weight 3e38 did that, and the start then
 * saw inf / inf = NaN everywhere, split nothing and returned 1 centroid);
 * subnormal totals would lose bits there instead.  So a total outside
 * [2^-64, 2^64] is brought to [0.5, 1).  The sampler's weights
 * (alpha-weighted pixel counts) are far inside that range and are used as
 * given, bit for bit.  (Weights far apart from each other are the start's
 * business: cluster_start.c, rtg_cluster_start_box_plan.) */
#define WEIGHT_TOTAL_MIN 0x1p-64
#define WEIGHT_TOTAL_MAX 0x1p64

/* The e of the scaling above, for the total of the positive weights
 * (summed in double, which a sum of floats cannot overflow here: n is
 * limited by check_args). */
static int
weight_exponent(double total)
{
	int e;

	if (total >= WEIGHT_TOTAL_MIN && total <= WEIGHT_TOTAL_MAX)
		return 0;
	(void)frexp(total, &e); /* total = f 2^e, 0.5 <= f < 1 */
	return -e;
}

/* w (> 0) times 2^e.  Scaling down can flush a weight that is negligible
 * next to the total (below 2^-149 of it) to 0; it keeps the smallest float
 * instead, so the point still takes part as the contract says. */
static inline float
scale_weight(float w, int e)
{
	float v = ldexpf(w, e);

	return v > 0 ? v : FLT_TRUE_MIN;
}

/* Coordinates likewise: distances are float, so coordinates beyond about
 * 1e19 overflowed their squares to inf, and differences below about 1e-19
 * (coordinates like 1e-40) underflowed to 0, and then distinct points
 * were all at distance 0 and came back as one centroid.  Points whose
 * largest coordinate is outside [2^-40, 2^40] in magnitude are scaled to
 * [0.5, 1); results are scaled back.  Every colour space's values are far
 * inside.  (Coordinates that are negligible next to the largest, below
 * 2^-149 of it, can become 0 when scaling down.) */
#define COORD_MIN 0x1p-40
#define COORD_MAX 0x1p40

static int
coord_exponent(double amax)
{
	int e;

	if ((amax >= COORD_MIN && amax <= COORD_MAX) || amax == 0)
		return 0;
	(void)frexp(amax, &e);
	return -e;
}

/* Copies the positive-weight points into km's arrays, their weights times
 * 2^e and their coordinates times 2^ec; returns the total of those
 * (scaled) weights, their bounding box and its diagonal. */
static double
compact_points(struct km *km, const float (*pts)[3], const float *w, size_t n,
               int e, int ec, double lo[3], double hi[3], double *extent)
{
	double total = 0, e2 = 0;
	/* the box in float, as the points are (the same values as a box
	 * kept in double) */
	float flo[3] = { INFINITY, INFINITY, INFINITY },
	      fhi[3] = { -INFINITY, -INFINITY, -INFINITY };
	size_t i, m = 0;
	int d;

	for (i = 0; i < n; i++) {
		if (w[i] <= 0)
			continue;
		if (ec != 0) {
			km->x[m] = ldexpf(pts[i][0], ec);
			km->y[m] = ldexpf(pts[i][1], ec);
			km->z[m] = ldexpf(pts[i][2], ec);
		} else {
			km->x[m] = pts[i][0];
			km->y[m] = pts[i][1];
			km->z[m] = pts[i][2];
		}
		km->w[m] = e != 0 ? scale_weight(w[i], e) : w[i];
		total += km->w[m];
		flo[0] = km->x[m] < flo[0] ? km->x[m] : flo[0];
		fhi[0] = km->x[m] > fhi[0] ? km->x[m] : fhi[0];
		flo[1] = km->y[m] < flo[1] ? km->y[m] : flo[1];
		fhi[1] = km->y[m] > fhi[1] ? km->y[m] : fhi[1];
		flo[2] = km->z[m] < flo[2] ? km->z[m] : flo[2];
		fhi[2] = km->z[m] > fhi[2] ? km->z[m] : fhi[2];
		m++;
	}
	for (d = 0; d < 3; d++) {
		lo[d] = flo[d];
		hi[d] = fhi[d];
		e2 += (hi[d] - lo[d]) * (hi[d] - lo[d]);
	}
	*extent = sqrt(e2);
	return total;
}

struct km *
rtg_cluster_km_new(size_t m)
{
	struct km *km;
	float *f;

	km = malloc(sizeof(*km) + m * POINT_BYTES);
	if (km == NULL)
		return NULL;
	memset(km, 0, sizeof(*km));
	f = (float *)(void *)(km + 1);
	km->m = m;
	km->x = f;
	km->y = f + m;
	km->z = f + 2 * m;
	km->w = f + 3 * m;
	km->ub = f + 4 * m;
	km->hlb = f + 5 * m;
	km->d2 = f + 6 * m;
	km->lb = f + 7 * m;
	km->parent = (uint32_t *)(void *)(f + (7 + GROUPS_MAX) * m);
	km->todo = km->parent + m;
	km->a = (uint8_t *)(km->todo + m);
	return km;
}

int
rtg_kmeans(const float (*pts)[3], const float *w, size_t n,
           const struct rtg_kmeans_opts *opts, struct rtg_centroid *out,
           int *iterations, char *err)
{
	struct km *km;
	size_t i, m;
	double total_w, amax, extent, lo[3], hi[3];
	int rc, j, d, iter, nout, e, ec;

	if (iterations != NULL)
		*iterations = 0;
	rc = check_args(pts, w, n, opts, out, err);
	if (rc < 0)
		return rc;

	/* count the points that take part, and validate them */
	m = 0;
	total_w = 0;
	amax = 0;
	for (i = 0; i < n; i++) {
		if (!isfinite(w[i]))
			return rtg_fail(err, RTG_ERR_ARG,
			                "k-means: weight of point %zu is not finite", i);
		if (w[i] <= 0)
			continue;
		if (!isfinite(pts[i][0]) || !isfinite(pts[i][1]) || !isfinite(pts[i][2]))
			return rtg_fail(err, RTG_ERR_ARG,
			                "k-means: point %zu has a non-finite coordinate", i);
		total_w += w[i];
		for (d = 0; d < 3; d++) {
			double a = fabs(pts[i][d]); /* finite: no NaN for fmax to handle */

			amax = a > amax ? a : amax;
		}
		m++;
	}
	if (m == 0)
		return rtg_fail(err, RTG_ERR_ARG, "k-means: no point has a positive weight");

	km = rtg_cluster_km_new(m);
	if (km == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "k-means: out of memory for %zu points", m);
	e = weight_exponent(total_w);
	ec = coord_exponent(amax);
	total_w = compact_points(km, pts, w, n, e, ec, lo, hi, &extent);
	/* tol is relative to the data's extent (see cluster.h) so one value
	 * suits CIELAB (0..100) and RGB (0..1) alike */
	iter = rtg_cluster_levels(km, opts->k, lo, hi, opts->tol * extent, opts->max_iter);
	if (iter < 0) {
		free(km);
		return rtg_fail(err, iter, "k-means: out of memory for %zu points", m);
	}

	/* Return exact means of the final assignment (the running sums have
	 * seen additions and subtractions). */
	rtg_cluster_lloyd_sums(km);
	nout = 0;
	for (j = 0; j < km->k; j++) {
		if (km->cnt[j] == 0)
			continue; /* could not be reseeded: never returned empty */
		for (d = 0; d < 3; d++) {
			out[nout].v[d] = km->sum[j][d] / km->sw[j];
			if (ec != 0)
				out[nout].v[d] = ldexp(out[nout].v[d], -ec);
		}
		out[nout].weight = e != 0 ? ldexp(km->sw[j], -e) : km->sw[j];
		out[nout].share = km->sw[j] / total_w;
		nout++;
	}
	sort_centroids(out, nout);
	free(km);
	if (iterations != NULL)
		*iterations = iter;
	return nout;
}

void
rtg_kmeans_opts_default(struct rtg_kmeans_opts *o)
{
	o->k = RTG_K_DEFAULT;
	o->max_iter = 100;
	o->tol = 2e-3;
	o->seed = 0x726d7063u; /* "rmpc"; not used since the start is computed */
}
