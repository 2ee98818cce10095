/* cluster_start.c - where k-means starts: variance-based splitting (and
 * the boxes that cluster_search.c's split-and-merge search cuts too).
 *
 * Where Lloyd starts decides which local optimum it ends in (see
 * cluster.c).  The start and the search work on boxes, sets of points
 * with their weighted sums, so that a small change of the input changes
 * them a little.  No random numbers; scans run in a fixed order and exact
 * ties go to the lower index.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"
#include "status.h"

/* ---- the start: variance-based binary splitting ----
 *
 * All points form one cluster; the cluster whose best split lowers the
 * weighted SSE most is split in two, until there are k (the greedy
 * criterion of X. Wu, "Efficient statistical computations for optimal
 * color quantization", Graphics Gems II, 1991).  A cluster is cut by a
 * plane across its principal axis (the eigenvector of the largest
 * eigenvalue of its weighted covariance, as in M. Orchard and C. Bouman,
 * "Color quantization of images", IEEE Trans. Signal Processing 39(12),
 * 1991), at the position that lowers the SSE most.  That position comes
 * from a histogram of the projections onto the axis: with W and S the
 * weight and weighted coordinate sum of a part, its SSE is
 * sum(w |p|^2) - |S|^2 / W, so a cut lowers the SSE by
 * |S_L|^2 / W_L + |S_R|^2 / W_R - |S|^2 / W, from running sums over the
 * bins.  Everything is a function of weighted sums, which a small change
 * of the input changes a little: similar inputs mostly take the same
 * sequence of splits, and reach the same optimum from there.  A cluster of
 * identical points has nothing to split, so fewer than k distinct points
 * give fewer than k centres. */
#define SPLIT_BINS 128     /* the cut is placed to 1/128 of the extent */
#define POWER_STEPS 32     /* power iteration for the principal axis */

void
rtg_cluster_start_box_moments(const struct km *km, const uint32_t *idx, struct sbox *b)
{
	double w = 0, sx = 0, sy = 0, sz = 0;
	uint32_t t;

	for (t = b->lo; t < b->hi; t++) {
		uint32_t i = idx[t];
		double wi = km->w[i];

		w += wi;
		sx += wi * km->x[i];
		sy += wi * km->y[i];
		sz += wi * km->z[i];
	}
	b->w = w;
	b->s[0] = sx;
	b->s[1] = sy;
	b->s[2] = sz;
	for (int d = 0; d < 3; d++)
		b->mean[d] = w > 0 ? b->s[d] / w : 0;
}

/* Projection of point i onto the box's axis, relative to its mean. */
static inline double
box_proj(const struct km *km, const struct sbox *b, uint32_t i)
{
	return b->axis[0] * (km->x[i] - b->mean[0]) + b->axis[1] * (km->y[i] - b->mean[1]) +
	       b->axis[2] * (km->z[i] - b->mean[2]);
}

/* |s|^2 / w: the SSE of a part is sum(w |p|^2) minus this. */
static inline double
sq_over(const double s[3], double w)
{
	return (s[0] * s[0] + s[1] * s[1] + s[2] * s[2]) / w;
}

static inline int
box_bin(const struct sbox *b, double t)
{
	int q = (int)((t - b->tmin) * b->scale);

	return q < 0 ? 0 : q >= SPLIT_BINS ? SPLIT_BINS - 1 : q;
}

/* The best cut of b (b->gain, axis, bins, cut); gain 0 when all its points
 * coincide.  Needs rtg_cluster_start_box_moments(). */
void
rtg_cluster_start_box_plan(const struct km *km, const uint32_t *idx, struct sbox *b)
{
	double c[6] = { 0, 0, 0, 0, 0, 0 }, v[3] = { 0, 0, 0 };
	double bw[SPLIT_BINS], bs[SPLIT_BINS][3], wl = 0, sl[3] = { 0, 0, 0 };
	double tmin = INFINITY, tmax = -INFINITY, base, best = 0;
	uint32_t t, bn[SPLIT_BINS], nl = 0, np = b->hi - b->lo;
	int d, q, it, cut = -1;

	b->gain = 0;
	if (b->hi - b->lo < 2)
		return;
	/* weighted covariance (times W), about the mean: no cancellation */
	for (t = b->lo; t < b->hi; t++) {
		uint32_t i = idx[t];
		double wi = km->w[i], dx = km->x[i] - b->mean[0], dy = km->y[i] - b->mean[1],
		       dz = km->z[i] - b->mean[2];

		c[0] += wi * dx * dx;
		c[1] += wi * dx * dy;
		c[2] += wi * dx * dz;
		c[3] += wi * dy * dy;
		c[4] += wi * dy * dz;
		c[5] += wi * dz * dz;
	}
	if (!(c[0] + c[3] + c[5] > 0))
		return;
	/* power iteration from the coordinate axis of largest variance (the
	 * Rayleigh quotient only grows, so the axis never has less variance
	 * than that one) */
	v[c[0] >= c[3] && c[0] >= c[5] ? 0 : c[3] >= c[5] ? 1 : 2] = 1;
	for (it = 0; it < POWER_STEPS; it++) {
		double u[3] = { c[0] * v[0] + c[1] * v[1] + c[2] * v[2],
		                c[1] * v[0] + c[3] * v[1] + c[4] * v[2],
		                c[2] * v[0] + c[4] * v[1] + c[5] * v[2] };
		double n = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);

		if (!(n > 0))
			break;
		for (d = 0; d < 3; d++)
			v[d] = u[d] / n;
	}
	memcpy(b->axis, v, sizeof(v));
	for (t = b->lo; t < b->hi; t++) {
		double p = box_proj(km, b, idx[t]);

		tmin = p < tmin ? p : tmin;
		tmax = p > tmax ? p : tmax;
	}
	if (!(tmax > tmin))
		return;
	b->tmin = tmin;
	b->scale = SPLIT_BINS / (tmax - tmin);
	memset(bw, 0, sizeof(bw));
	memset(bs, 0, sizeof(bs));
	memset(bn, 0, sizeof(bn));
	for (t = b->lo; t < b->hi; t++) {
		uint32_t i = idx[t];
		double wi = km->w[i];

		q = box_bin(b, box_proj(km, b, i));
		bn[q]++;
		bw[q] += wi;
		bs[q][0] += wi * km->x[i];
		bs[q][1] += wi * km->y[i];
		bs[q][2] += wi * km->z[i];
	}
	/* Which side holds points is decided by counting them: weights can
	 * be so unequal (1e36 next to 1) that the light side's weight is lost
	 * in the rounding of b->w - wl, and then this cut would be skipped
	 * although it separates distinct points, or taken with nothing on
	 * its right. */
	base = sq_over(b->s, b->w);
	for (q = 0; q + 1 < SPLIT_BINS; q++) {
		double wr, sr[3], g;

		nl += bn[q];
		wl += bw[q];
		for (d = 0; d < 3; d++) {
			sl[d] += bs[q][d];
			sr[d] = b->s[d] - sl[d];
		}
		wr = b->w - wl;
		if (bn[q] == 0 || nl == np || !(wl > 0) || !(wr > 0))
			continue; /* the same cut as an earlier bin, or nothing on one side */
		g = sq_over(sl, wl) + sq_over(sr, wr) - base;
		if (g > best) {
			best = g;
			cut = q;
		}
	}
	if (cut < 0) {
		/* distinct points whose cuts all round to no gain (or whose
		 * light side rounds away): still separable, at the first
		 * occupied bin */
		for (q = 0, nl = 0; q + 1 < SPLIT_BINS && cut < 0; q++) {
			nl += bn[q];
			if (bn[q] > 0 && nl < np)
				cut = q;
		}
		if (cut < 0)
			return;
		best = DBL_MIN;
	}
	b->gain = best;
	b->cut = cut;
}

/* Cuts b as planned: its left part stays in b, the right part goes to r
 * (idx[b->lo..b->hi) reordered), both with fresh moments, no plans. */
void
rtg_cluster_start_box_cut(const struct km *km, uint32_t *idx, struct sbox *b,
                          struct sbox *r)
{
	uint32_t lo = b->lo, hi = b->hi;

	while (lo < hi) {
		if (box_bin(b, box_proj(km, b, idx[lo])) <= b->cut) {
			lo++;
		} else {
			uint32_t tmp = idx[lo];

			idx[lo] = idx[--hi];
			idx[hi] = tmp;
		}
	}
	r->lo = lo;
	r->hi = b->hi;
	b->hi = lo;
	rtg_cluster_start_box_moments(km, idx, b);
	rtg_cluster_start_box_moments(km, idx, r);
}

/* The start (see above).  Leaves each point assigned to its nearest
 * centre, d2 its squared distance. */
static int
seed_split(struct km *km, int k)
{
	struct sbox box[RTG_K_MAX];
	uint32_t *idx;
	size_t i, m = km->m;
	int nb = 1, j;

	idx = malloc(m * sizeof(*idx));
	if (idx == NULL)
		return RTG_ERR_NOMEM;
	for (i = 0; i < m; i++)
		idx[i] = (uint32_t)i;
	box[0].lo = 0;
	box[0].hi = (uint32_t)m;
	rtg_cluster_start_box_moments(km, idx, &box[0]);
	rtg_cluster_start_box_plan(km, idx, &box[0]);
	while (nb < k) {
		int bj = -1;
		double bg = 0;

		for (j = 0; j < nb; j++) {
			if (box[j].gain > bg) {
				bg = box[j].gain;
				bj = j;
			}
		}
		if (bj < 0)
			break; /* every cluster is one distinct point */
		rtg_cluster_start_box_cut(km, idx, &box[bj], &box[nb]);
		rtg_cluster_start_box_plan(km, idx, &box[bj]);
		rtg_cluster_start_box_plan(km, idx, &box[nb]);
		nb++;
	}
	free(idx);
	for (j = 0; j < nb; j++)
		set_centre_at(km, j, box[j].mean);
	km->k = nb;
	for (i = 0; i < m; i++) {
		float bd = INFINITY;
		int ba = 0;

		for (j = 0; j < nb; j++) {
			float d = dist2_pc(km, i, j);

			if (d < bd) {
				bd = d;
				ba = j;
			}
		}
		km->a[i] = (uint8_t)ba;
		km->d2[i] = bd;
	}
	return 0;
}

/* The start on km's own points (a fresh km: no drift yet), then the
 * bounds that it leaves. */
int
rtg_cluster_start(struct km *km, int k)
{
	size_t i;

	if (seed_split(km, k) < 0)
		return RTG_ERR_NOMEM;
	rtg_cluster_lloyd_reset(km);
	for (i = 0; i < km->m; i++)
		km->ub[i] = sqrtf(km->d2[i]);
	return 0;
}
