/* cluster.c - weighted k-means (variance-split start, split-and-merge
 * local search, Lloyd).
 *
 * The input is the sampler's histogram: a few thousand weighted colours,
 * 3-D, k <= 64, and the whole generator has a budget of a few ms.  Lloyd
 * on such data creeps (dense colour clouds: every iteration a few points
 * at the borders change cluster and the centres move a little), and plain
 * Lloyd spends everything on point-to-centre distances.  So:
 *  - Most iterations run on summaries of the points (grids over their
 *    bounding box, see cluster_levels()); the last level is the points
 *    themselves, so the result is a Lloyd result on the given data.
 *  - The assignment step skips most distance computations with bounds:
 *    Hamerly's (G. Hamerly, "Making k-means even faster", SDM 2010) for
 *    one lower bound per point, per group of 8 centres as in Yinyang
 *    k-means (Ding et al., ICML 2015) when k > 8.  Bounds are stored
 *    relative to accumulated centre drift, so moving the centres costs
 *    O(k), not O(n).
 *  - Cluster sums are updated only for points that change cluster.
 * Distances are float (the points are float anyway); sums are double.  The
 * returned centres are recomputed from scratch, so each is exactly its
 * members' weighted mean.
 *
 * Where Lloyd starts decides which local optimum it ends in, and on a
 * detailed picture at k 8 several optima of nearly the same SSE lie up to
 * 10-15 dE00 apart.  A random start (k-means++, used here before) picks
 * one by chance, so the same cover from another source (another size, one
 * re-encode, a 1-pixel crop) often got another palette.  The start is
 * therefore computed from weighted sums of the points (seed_split()), and
 * for k <= IMPROVE_K_MAX a short deterministic local search
 * (km_improve()) moves it out of the worse optima.  bench-assets/stability.c
 * (rtg-stability) measures how far palettes move; numbers at km_improve().
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
#include "pipeline.h"
#include "status.h"

/* Lower bounds are kept per group of up to GROUP_W nearby centres
 * (Yinyang k-means): k <= 8 has one group (Hamerly's single bound), k = 64
 * eight.  A group is scanned as a whole, GROUP_W wide, which the compiler
 * can turn into a few vector operations. */
#define GROUP_W 8
#define GROUPS_MAX (RTG_K_MAX / GROUP_W)
/* coordinate of the padding slots of a group: their distance is +inf */
#define FAR_AWAY 1e30f

/* Per compacted point: x y z w ub hlb d2 as float, GROUPS_MAX lower
 * bounds, its point in the next coarser level, the assignment byte. */
#define POINT_BYTES ((7 + GROUPS_MAX) * sizeof(float) + sizeof(uint32_t) + 1)

struct km {
	size_t m;                /* points with positive weight */
	int k;                   /* centres in use */
	int g;                   /* groups of centres */
	float *x, *y, *z, *w;    /* SoA copies of those points */
	/* Bounds relative to accumulated drift: the distance from point i to
	 * its centre a is at most ub[i] + drift[a]; to any centre of group g
	 * other than a at least lb[i * GROUPS_MAX + g] - gdrift[g]; to any
	 * centre other than a at least hlb[i] - maxdrift (the smallest group
	 * bound, kept so most points are settled without reading lb). */
	float *ub, *hlb, *lb;
	float *d2;               /* distance to the centre after seeding, scratch */
	uint32_t *parent;        /* its summary point one level coarser */
	uint8_t *a;              /* assigned centre */
	float cx[RTG_K_MAX], cy[RTG_K_MAX], cz[RTG_K_MAX];
	double cv[RTG_K_MAX][3]; /* centres in double */
	double sum[RTG_K_MAX][3]; /* weighted coordinate sums of members */
	double sw[RTG_K_MAX];    /* member weight */
	size_t cnt[RTG_K_MAX];   /* member count (emptiness without rounding) */
	float drift[RTG_K_MAX];  /* accumulated movement of each centre */
	float gdrift[GROUPS_MAX]; /* accumulated largest movement per group */
	float maxdrift;          /* accumulated largest movement */
	float half[RTG_K_MAX];   /* half the distance to the nearest other centre */
	uint8_t grp[RTG_K_MAX];  /* group of each centre */
	uint8_t gid[GROUPS_MAX][GROUP_W]; /* members (centre index) */
	float gx[GROUPS_MAX][GROUP_W], gy[GROUPS_MAX][GROUP_W],
	      gz[GROUPS_MAX][GROUP_W]; /* their positions, padded FAR_AWAY */
};

static void
set_centre(struct km *km, int j, size_t i)
{
	km->cx[j] = km->x[i];
	km->cy[j] = km->y[i];
	km->cz[j] = km->z[i];
	km->cv[j][0] = km->x[i];
	km->cv[j][1] = km->y[i];
	km->cv[j][2] = km->z[i];
}

static inline float
dist2_pc(const struct km *km, size_t i, int j)
{
	float dx = km->x[i] - km->cx[j], dy = km->y[i] - km->cy[j],
	      dz = km->z[i] - km->cz[j];

	return dx * dx + dy * dy + dz * dz;
}

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

struct sbox {
	uint32_t lo, hi;         /* its points: idx[lo..hi) */
	double w, s[3], mean[3]; /* weight, weighted sums, mean */
	double gain;             /* SSE drop of the best cut; 0: none */
	double axis[3];          /* unit principal axis */
	double tmin, scale;      /* projection bin: (t - tmin) * scale */
	int cut;                 /* bins 0..cut go left */
};

static void
box_moments(const struct km *km, const uint32_t *idx, struct sbox *b)
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

static inline int
box_bin(const struct sbox *b, double t)
{
	int q = (int)((t - b->tmin) * b->scale);

	return q < 0 ? 0 : q >= SPLIT_BINS ? SPLIT_BINS - 1 : q;
}

/* The best cut of b (b->gain, axis, bins, cut); gain 0 when all its points
 * coincide.  Needs box_moments(). */
static void
box_plan(const struct km *km, const uint32_t *idx, struct sbox *b)
{
	double c[6] = { 0, 0, 0, 0, 0, 0 }, v[3] = { 0, 0, 0 };
	double bw[SPLIT_BINS], bs[SPLIT_BINS][3], wl = 0, sl[3] = { 0, 0, 0 };
	double tmin = INFINITY, tmax = -INFINITY, base, best = 0;
	uint32_t t;
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
	for (t = b->lo; t < b->hi; t++) {
		uint32_t i = idx[t];
		double wi = km->w[i];

		q = box_bin(b, box_proj(km, b, i));
		bw[q] += wi;
		bs[q][0] += wi * km->x[i];
		bs[q][1] += wi * km->y[i];
		bs[q][2] += wi * km->z[i];
	}
	base = (b->s[0] * b->s[0] + b->s[1] * b->s[1] + b->s[2] * b->s[2]) / b->w;
	for (q = 0; q + 1 < SPLIT_BINS; q++) {
		double wr, sr[3], g;

		wl += bw[q];
		for (d = 0; d < 3; d++) {
			sl[d] += bs[q][d];
			sr[d] = b->s[d] - sl[d];
		}
		wr = b->w - wl;
		if (bw[q] == 0 || !(wl > 0) || !(wr > 0))
			continue; /* the same cut as an earlier bin, or nothing on one side */
		g = (sl[0] * sl[0] + sl[1] * sl[1] + sl[2] * sl[2]) / wl +
		    (sr[0] * sr[0] + sr[1] * sr[1] + sr[2] * sr[2]) / wr - base;
		if (g > best) {
			best = g;
			cut = q;
		}
	}
	if (cut < 0) {
		/* distinct points whose cuts all round to no gain: still
		 * separable, at the first occupied bin */
		for (q = 0, wl = 0; q + 1 < SPLIT_BINS && cut < 0; q++) {
			wl += bw[q];
			if (bw[q] > 0 && b->w - wl > 0)
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
static void
box_cut(const struct km *km, uint32_t *idx, struct sbox *b, struct sbox *r)
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
	box_moments(km, idx, b);
	box_moments(km, idx, r);
}

static void
set_centre_at(struct km *km, int j, const double v[3])
{
	memcpy(km->cv[j], v, sizeof(km->cv[j]));
	km->cx[j] = (float)v[0];
	km->cy[j] = (float)v[1];
	km->cz[j] = (float)v[2];
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
	box_moments(km, idx, &box[0]);
	box_plan(km, idx, &box[0]);
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
		box_cut(km, idx, &box[bj], &box[nb]);
		box_plan(km, idx, &box[bj]);
		box_plan(km, idx, &box[nb]);
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

/* Splits the centres into groups of GROUP_W nearby centres: the lowest
 * unassigned centre and its GROUP_W - 1 nearest unassigned neighbours,
 * repeatedly (ties to the lower index). */
static void
make_groups(struct km *km)
{
	bool used[RTG_K_MAX] = { false };
	int j, g, t, k = km->k;

	km->g = (k + GROUP_W - 1) / GROUP_W;
	for (g = 0; g < km->g; g++) {
		int first = 0;

		while (used[first])
			first++;
		for (t = 0; t < GROUP_W; t++) {
			float bd = INFINITY;
			int bj = -1;

			for (j = 0; j < k; j++) {
				float dx = km->cx[j] - km->cx[first], dy = km->cy[j] - km->cy[first],
				      dz = km->cz[j] - km->cz[first], d = dx * dx + dy * dy + dz * dz;

				if (!used[j] && d < bd) {
					bd = d;
					bj = j;
				}
			}
			if (bj < 0) {
				km->gid[g][t] = UINT8_MAX;
				continue;
			}
			used[bj] = true;
			km->gid[g][t] = (uint8_t)bj;
			km->grp[bj] = (uint8_t)g;
		}
	}
}

/* Copies the centre positions into the group arrays. */
static void
refresh_groups(struct km *km)
{
	int g, t;

	for (g = 0; g < km->g; g++) {
		for (t = 0; t < GROUP_W; t++) {
			int c = km->gid[g][t];

			if (c == UINT8_MAX) {
				km->gx[g][t] = km->gy[g][t] = km->gz[g][t] = FAR_AWAY;
			} else {
				km->gx[g][t] = km->cx[c];
				km->gy[g][t] = km->cy[c];
				km->gz[g][t] = km->cz[c];
			}
		}
	}
}

static void
sums_from_scratch(struct km *km)
{
	size_t i;
	int j;

	for (j = 0; j < km->k; j++) {
		km->sum[j][0] = km->sum[j][1] = km->sum[j][2] = 0;
		km->sw[j] = 0;
		km->cnt[j] = 0;
	}
	for (i = 0; i < km->m; i++) {
		double w = km->w[i];

		j = km->a[i];
		km->sum[j][0] += w * km->x[i];
		km->sum[j][1] += w * km->y[i];
		km->sum[j][2] += w * km->z[i];
		km->sw[j] += w;
		km->cnt[j]++;
	}
}

static void
move_point(struct km *km, size_t i, int to)
{
	double w = km->w[i];
	int from = km->a[i];

	km->sum[from][0] -= w * km->x[i];
	km->sum[from][1] -= w * km->y[i];
	km->sum[from][2] -= w * km->z[i];
	km->sw[from] -= w;
	if (--km->cnt[from] == 0) {
		/* drop the rounding residue of the subtractions */
		km->sum[from][0] = km->sum[from][1] = km->sum[from][2] = 0;
		km->sw[from] = 0;
	}
	km->sum[to][0] += w * km->x[i];
	km->sum[to][1] += w * km->y[i];
	km->sum[to][2] += w * km->z[i];
	km->sw[to] += w;
	km->cnt[to]++;
	km->a[i] = (uint8_t)to;
}

/* Forget all bounds: the next assignment computes every distance.  The
 * slots of unused groups hold +inf so the bound arithmetic needs no
 * special case. */
static void
invalidate_bounds(struct km *km)
{
	size_t i;
	int g;

	for (i = 0; i < km->m; i++) {
		km->ub[i] = INFINITY;
		km->hlb[i] = -INFINITY;
		for (g = 0; g < GROUPS_MAX; g++)
			km->lb[i * GROUPS_MAX + g] = g < km->g ? -INFINITY : INFINITY;
	}
}

/* Moves each empty centre onto the point farthest from its own centre
 * (ties: lowest index).  Returns how many were moved. */
static int
reseed_empty(struct km *km)
{
	size_t i, best;
	int j, moved = 0;
	float far;

	for (j = 0; j < km->k; j++) {
		if (km->cnt[j] > 0)
			continue;
		if (moved == 0)
			for (i = 0; i < km->m; i++)
				km->d2[i] = dist2_pc(km, i, km->a[i]);
		best = 0;
		far = -1;
		for (i = 0; i < km->m; i++) {
			if (km->d2[i] > far) {
				far = km->d2[i];
				best = i;
			}
		}
		if (!(far > 0))
			break; /* every point is on a centre: nothing to split */
		set_centre(km, j, best);
		move_point(km, best, j);
		km->d2[best] = 0;
		moved++;
	}
	if (moved > 0)
		invalidate_bounds(km);
	return moved;
}

/* Update step: centres to their members' means, drifts accumulated.
 * Returns the largest move. */
static double
update_centres(struct km *km)
{
	double mean[3], mv, maxmv = 0;
	float gmax[GROUPS_MAX] = { 0 }, fm;
	int j, d, g;

	for (j = 0; j < km->k; j++) {
		if (km->cnt[j] == 0)
			continue;
		for (d = 0; d < 3; d++)
			mean[d] = km->sum[j][d] / km->sw[j];
		mv = sqrt((mean[0] - km->cv[j][0]) * (mean[0] - km->cv[j][0]) +
		          (mean[1] - km->cv[j][1]) * (mean[1] - km->cv[j][1]) +
		          (mean[2] - km->cv[j][2]) * (mean[2] - km->cv[j][2]));
		memcpy(km->cv[j], mean, sizeof(mean));
		km->cx[j] = (float)mean[0];
		km->cy[j] = (float)mean[1];
		km->cz[j] = (float)mean[2];
		/* rounded up a little so the float bounds stay bounds */
		fm = (float)mv * (1 + 8 * FLT_EPSILON);
		km->drift[j] += fm;
		g = km->grp[j];
		if (fm > gmax[g])
			gmax[g] = fm;
		if (mv > maxmv)
			maxmv = mv;
	}
	for (g = 0; g < km->g; g++)
		km->gdrift[g] += gmax[g];
	km->maxdrift += (float)maxmv * (1 + 8 * FLT_EPSILON);
	return maxmv;
}

/* Half the distance from each centre to its nearest other centre: a point
 * closer than that to its centre cannot be closer to another. */
static void
update_half(struct km *km)
{
	float near[RTG_K_MAX];
	int j, j2, k = km->k;

	for (j = 0; j < k; j++)
		near[j] = INFINITY;
	for (j = 0; j < k; j++) {
		for (j2 = j + 1; j2 < k; j2++) {
			float dx = km->cx[j] - km->cx[j2], dy = km->cy[j] - km->cy[j2],
			      dz = km->cz[j] - km->cz[j2], d = dx * dx + dy * dy + dz * dz;

			if (d < near[j])
				near[j] = d;
			if (d < near[j2])
				near[j2] = d;
		}
	}
	for (j = 0; j < k; j++)
		km->half[j] = 0.5f * sqrtf(near[j]);
}

static inline float
fmin2(float a, float b)
{
	return a < b ? a : b;
}

static inline float
fmax2(float a, float b)
{
	return a > b ? a : b;
}

/* Squared distances from (px, py, pz) to the GROUP_W centres of a group:
 * fixed width, no branches, so it vectorises. */
static inline void
group_dist(const struct km *km, int g, float px, float py, float pz,
           float d[GROUP_W])
{
	int t;

	for (t = 0; t < GROUP_W; t++) {
		float dx = px - km->gx[g][t], dy = py - km->gy[g][t],
		      dz = pz - km->gz[g][t];

		d[t] = dx * dx + dy * dy + dz * dz;
	}
}

/* Assignment step (Yinyang k-means, Ding et al., ICML 2015, without its
 * local filter).  Returns how many points changed centre. */
static size_t
assign_points(struct km *km)
{
	const float maxdrift = km->maxdrift;
	const size_t m = km->m;
	const int ng = km->g;
	size_t i, changed = 0;

	refresh_groups(km);
	for (i = 0; i < m; i++) {
		float l[GROUPS_MAX], gm1[GROUPS_MAX], gm2[GROUPS_MAX], d[GROUP_W];
		float lmin, u, d1, bound, px, py, pz;
		float *lb = km->lb + i * GROUPS_MAX;
		int a = km->a[i], best, g, ga, t, t1, gc1[GROUPS_MAX], nscan;
		int scanned[GROUPS_MAX];
		bool own_scanned;

		/* global test (Hamerly): one bound for all other centres */
		u = km->ub[i] + km->drift[a];
		bound = fmax2(km->hlb[i] - maxdrift, km->half[a]);
		if (u <= bound)
			continue;
		/* group bounds (one group: the same as the global one) */
		lmin = INFINITY;
		for (g = 0; g < ng; g++) {
			l[g] = lb[g] - km->gdrift[g];
			lmin = fmin2(lmin, l[g]);
		}
		if (ng > 1) {
			km->hlb[i] = lmin + maxdrift;
			if (lmin > bound)
				bound = lmin;
			if (u <= bound)
				continue;
		}
		px = km->x[i];
		py = km->y[i];
		pz = km->z[i];
		d1 = dist2_pc(km, i, a);
		u = sqrtf(d1);
		if (u <= bound) {
			km->ub[i] = u - km->drift[a];
			continue;
		}
		/* Scan every group that might hold a closer centre.  A
		 * scanned group's new bound is its smallest distance other
		 * than the winner's, so keep its two smallest. */
		best = a;
		ga = km->grp[a];
		own_scanned = false;
		nscan = 0;
		lmin = INFINITY; /* over the groups not scanned */
		for (g = 0; g < ng; g++) {
			float m1, m2 = INFINITY;

			/* signed square: a negative bound always scans */
			if (!(l[g] * fabsf(l[g]) < d1)) {
				if (g != ga)
					lmin = fmin2(lmin, l[g]);
				continue;
			}
			own_scanned |= g == ga;
			scanned[nscan++] = g;
			group_dist(km, g, px, py, pz, d);
			/* smallest and second smallest, written as selects (no
			 * branches to mispredict on random distances) */
			m1 = d[0];
			t1 = 0;
			for (t = 1; t < GROUP_W; t++) {
				bool lt = d[t] < m1;

				m1 = lt ? d[t] : m1;
				t1 = lt ? t : t1;
			}
			for (t = 0; t < GROUP_W; t++) {
				float v = t == t1 ? INFINITY : d[t];

				m2 = v < m2 ? v : m2;
			}
			gm1[g] = m1;
			gm2[g] = m2;
			gc1[g] = km->gid[g][t1];
			if (m1 < d1 || (m1 == d1 && gc1[g] < best)) {
				d1 = m1;
				best = gc1[g];
			}
		}
		/* new bounds for the scanned groups; the others keep theirs,
		 * except that the old centre is now one of the others */
		for (t = 0; t < nscan; t++) {
			float nl;

			g = scanned[t];
			nl = sqrtf(gc1[g] == best ? gm2[g] : gm1[g]);
			lb[g] = nl + km->gdrift[g];
			lmin = fmin2(lmin, nl);
		}
		if (!own_scanned) {
			float nl = l[ga];

			if (best != a && u < nl) {
				nl = u;
				lb[ga] = nl + km->gdrift[ga];
			}
			lmin = fmin2(lmin, nl);
		}
		km->hlb[i] = lmin + maxdrift;
		if (best != a) {
			move_point(km, i, best);
			changed++;
		}
		km->ub[i] = sqrtf(d1) - km->drift[best];
	}
	return changed;
}

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

/* Copies the positive-weight points into km's arrays; returns the total
 * weight, their bounding box and its diagonal. */
static double
compact_points(struct km *km, const float (*pts)[3], const float *w, size_t n,
               double lo[3], double hi[3], double *extent)
{
	double total = 0, e = 0;
	size_t i, m = 0;
	int d;

	for (d = 0; d < 3; d++) {
		lo[d] = INFINITY;
		hi[d] = -INFINITY;
	}
	for (i = 0; i < n; i++) {
		if (w[i] <= 0)
			continue;
		km->x[m] = pts[i][0];
		km->y[m] = pts[i][1];
		km->z[m] = pts[i][2];
		km->w[m] = w[i];
		total += w[i];
		for (d = 0; d < 3; d++) {
			if (pts[i][d] < lo[d])
				lo[d] = pts[i][d];
			if (pts[i][d] > hi[d])
				hi[d] = pts[i][d];
		}
		m++;
	}
	for (d = 0; d < 3; d++)
		e += (hi[d] - lo[d]) * (hi[d] - lo[d]);
	*extent = sqrt(e);
	return total;
}

static struct km *
km_new(size_t m)
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
	km->a = (uint8_t *)(km->parent + m);
	return km;
}

/* The start on km's own points, then the bounds that it leaves. */
static int
km_seed(struct km *km, int k)
{
	size_t i;

	if (seed_split(km, k) < 0)
		return RTG_ERR_NOMEM;
	make_groups(km);
	sums_from_scratch(km);
	invalidate_bounds(km);
	for (i = 0; i < km->m; i++)
		km->ub[i] = sqrtf(km->d2[i]);
	return 0;
}

/* Lloyd: update, then assign; stop when the centres settle, when no point
 * changes centre (the means would not move), or at max_iter.  With
 * assign_first the centres are already the means of the current
 * assignment, which is not yet nearest-centre (after the coarse pass).
 * Returns the iterations run. */
static int
km_lloyd(struct km *km, double tol, int max_iter, bool assign_first)
{
	int iter = 0;

	if (assign_first) {
		update_half(km);
		if (assign_points(km) == 0)
			return 0;
	}
	for (;;) {
		double maxmv = update_centres(km);
		int reseeded = reseed_empty(km);

		iter++;
		if ((reseeded == 0 && maxmv <= tol) || iter >= max_iter)
			break;
		update_half(km);
		if (assign_points(km) == 0 && reseeded == 0)
			break;
	}
	return iter;
}

/* ---- split-and-merge local search ----
 *
 * Lloyd only moves downhill, and a greedy start can leave two centres
 * sharing a region that one could cover while another cluster stays wide.
 * A move merges two clusters p, q (that adds w_p w_q / (w_p + w_q)
 * |c_p - c_q|^2 to the SSE: Ward's merging cost) and cuts a third one, s,
 * as the start does; this is the iterative split-and-merge of T.
 * Kaukoranta, P. Franti and O. Nevalainen ("Iterative split-and-merge
 * algorithm for vector quantization codebook generation", Optical
 * Engineering 37(10), 1998), reduced to what fits a few ms: only on the
 * coarsest level, only k <= IMPROVE_K_MAX, and per round only the
 * IMPROVE_TRIALS moves with the best immediate gain - cost, each followed
 * by up to IMPROVE_TRIAL_ITER Lloyd iterations; the best is kept when it
 * lowers the SSE by more than IMPROVE_MIN (relative), for up to
 * IMPROVE_ROUNDS rounds.  Moves are ranked and tried in a fixed order, so
 * this stays deterministic.
 *
 * Measured with bench-assets/rtg-stability (k 8, CIELAB) on 87 images
 * (the bench covers, the photographs among the test fixtures, and crops of
 * Debian's mate-backgrounds wallpapers), each against its 1/2 and 1/4
 * scale decode, a 1-pixel crop and a re-encode:
 *                             k-means++   split   split + this search
 *   mean of the worst dE00      7.84       3.38          2.49
 *   comparisons > 5 dE00        47 %       18 %          13 %
 *   weighted SSE (geo. mean)    1         0.991         0.976
 * (the worst dE00 over the centroids with >= 5 % of the weight, after an
 * optimal matching of the two palettes; SSE relative to k-means++'s).  The
 * instructions of rtg_kmeans (callgrind, seven covers and photographs)
 * went from 40 M with k-means++ to 50 M at k 8, from 59 M to 78 M at k 16.
 * Above k 16 the search costs more than it gains (k 64: 2.4 times the
 * instructions for 2 % lower SSE), and the split start alone is already
 * 4 % below k-means++'s SSE there, in 121 M instructions instead of 147 M. */
#define IMPROVE_K_MAX 16
#define IMPROVE_TRIALS 4
#define IMPROVE_MERGES (IMPROVE_TRIALS + 4) /* cheapest merges considered */
#define IMPROVE_TRIAL_ITER 3
#define IMPROVE_ROUNDS 4
#define IMPROVE_MIN 1e-3

struct move {
	int s, p, q;  /* cut s; merge q into p */
	double net;   /* immediate SSE drop: gain of the cut - cost of the merge */
};

static double
merge_cost(const struct sbox *p, const struct sbox *q)
{
	double d2 = 0;

	for (int d = 0; d < 3; d++)
		d2 += (p->mean[d] - q->mean[d]) * (p->mean[d] - q->mean[d]);
	return p->w * q->w / (p->w + q->w) * d2;
}

/* Weighted SSE of the current assignment. */
static double
state_sse(const struct km *km)
{
	double s = 0;
	size_t i;

	for (i = 0; i < km->m; i++)
		s += (double)km->w[i] * dist2_pc(km, i, km->a[i]);
	return s;
}

/* One box per cluster of the current assignment (idx grouped by cluster),
 * with moments and the best cut. */
static void
boxes_of_assignment(const struct km *km, uint32_t *idx, struct sbox *box)
{
	uint32_t start[RTG_K_MAX + 1] = { 0 }, fill[RTG_K_MAX];
	size_t i;
	int j;

	for (i = 0; i < km->m; i++)
		start[km->a[i] + 1]++;
	for (j = 0; j < km->k; j++)
		start[j + 1] += start[j];
	memcpy(fill, start, sizeof(fill));
	for (i = 0; i < km->m; i++)
		idx[fill[km->a[i]]++] = (uint32_t)i;
	for (j = 0; j < km->k; j++) {
		box[j].lo = start[j];
		box[j].hi = start[j + 1];
		box[j].gain = 0;
		box_moments(km, idx, &box[j]);
		if (box[j].w > 0)
			box_plan(km, idx, &box[j]);
	}
}

/* The IMPROVE_TRIALS moves with the largest net, largest first (ties: the
 * order found).  Returns how many. */
static int
pick_moves(const struct sbox *box, int k, struct move *mv)
{
	int mp[IMPROVE_MERGES], mq[IMPROVE_MERGES], nm = 0, nmv = 0, s, p, q, t, u;
	double mc[IMPROVE_MERGES];

	for (p = 0; p < k; p++) {
		for (q = p + 1; q < k; q++) {
			double c;

			if (!(box[p].w > 0) || !(box[q].w > 0))
				continue;
			c = merge_cost(&box[p], &box[q]);
			if (nm == IMPROVE_MERGES && !(c < mc[nm - 1]))
				continue;
			if (nm < IMPROVE_MERGES)
				nm++;
			for (t = nm - 1; t > 0 && mc[t - 1] > c; t--) {
				mc[t] = mc[t - 1];
				mp[t] = mp[t - 1];
				mq[t] = mq[t - 1];
			}
			mc[t] = c;
			mp[t] = p;
			mq[t] = q;
		}
	}
	for (s = 0; s < k; s++) {
		if (!(box[s].gain > 0))
			continue;
		for (u = 0; u < nm; u++) {
			double net = box[s].gain - mc[u];

			if (mp[u] == s || mq[u] == s)
				continue;
			if (nmv == IMPROVE_TRIALS && !(net > mv[nmv - 1].net))
				continue;
			if (nmv < IMPROVE_TRIALS)
				nmv++;
			for (t = nmv - 1; t > 0 && mv[t - 1].net < net; t--)
				mv[t] = mv[t - 1];
			mv[t].s = s;
			mv[t].p = mp[u];
			mv[t].q = mq[u];
			mv[t].net = net;
		}
	}
	return nmv;
}

/* Sets the centres to cv, then applies mv: p becomes the mean of p and q,
 * s and q the means of s's two parts.  box and idx describe the partition
 * of the state the moves were picked in (box_cut reorders idx only within
 * s's range, so they stay valid for the next move). */
static void
apply_move(struct km *km, const double (*cv)[3], const struct sbox *box, uint32_t *idx,
           const struct move *mv)
{
	struct sbox l = box[mv->s], r;
	double v[3];
	int j;

	for (j = 0; j < km->k; j++)
		set_centre_at(km, j, cv[j]);
	for (int d = 0; d < 3; d++)
		v[d] = (box[mv->p].s[d] + box[mv->q].s[d]) / (box[mv->p].w + box[mv->q].w);
	set_centre_at(km, mv->p, v);
	box_cut(km, idx, &l, &r);
	set_centre_at(km, mv->s, l.mean);
	set_centre_at(km, mv->q, r.mean);
}

/* Lloyd from the current centres with every bound forgotten (the centres
 * jumped); at most max_iter iterations. */
static int
km_relloyd(struct km *km, double tol, int max_iter)
{
	make_groups(km);
	sums_from_scratch(km);
	invalidate_bounds(km);
	memset(km->drift, 0, sizeof(km->drift));
	memset(km->gdrift, 0, sizeof(km->gdrift));
	km->maxdrift = 0;
	return km_lloyd(km, tol, max_iter, true);
}

/* The search (see above) on a level that Lloyd has run on.  Uses at most
 * budget iterations; returns them, or RTG_ERR_NOMEM. */
static int
km_improve(struct km *km, double tol, int budget)
{
	struct sbox box[RTG_K_MAX];
	struct move mv[IMPROVE_TRIALS];
	double cur[RTG_K_MAX][3], best[RTG_K_MAX][3];
	uint32_t *idx;
	int iter = 0, round, nmv, t;

	if (km->k < 3 || km->k > IMPROVE_K_MAX || budget < 2)
		return 0;
	idx = malloc(km->m * sizeof(*idx));
	if (idx == NULL)
		return RTG_ERR_NOMEM;
	for (round = 0; round < IMPROVE_ROUNDS; round++) {
		double best_sse = state_sse(km) * (1 - IMPROVE_MIN);
		bool improved = false, tried = false;

		boxes_of_assignment(km, idx, box);
		nmv = pick_moves(box, km->k, mv);
		memcpy(cur, km->cv, sizeof(cur));
		/* each trial leaves one iteration for the final Lloyd below */
		for (t = 0; t < nmv && budget - iter >= 2; t++) {
			int left = budget - iter - 1;
			double sse;

			apply_move(km, (const double (*)[3])cur, box, idx, &mv[t]);
			iter += km_relloyd(km, tol, left < IMPROVE_TRIAL_ITER ? left : IMPROVE_TRIAL_ITER);
			tried = true;
			sse = state_sse(km);
			if (sse < best_sse) {
				best_sse = sse;
				memcpy(best, km->cv, sizeof(best));
				improved = true;
			}
		}
		if (!tried)
			break;
		/* back to the kept state (bounds included) and on to convergence */
		for (t = 0; t < km->k; t++)
			set_centre_at(km, t, improved ? best[t] : cur[t]);
		iter += km_relloyd(km, tol, budget - iter);
		if (!improved || budget - iter < 2)
			break;
	}
	free(idx);
	return iter;
}

/* Multi-level start.  Colour histograms are dense, so Lloyd creeps:
 * dozens of iterations in which a few points at the borders change cluster
 * and the centres move a little.  Most of those iterations run on
 * summaries instead: the points merged into a grid over their bounding box
 * (each cell its members' weighted mean and total weight), 24^3 cells,
 * and that summary merged again into a 12^3 grid.  (A 48^3 level for
 * 30,000 points was tried: it kept 2/3 of the points and the creep moved
 * there, so it cost more than it saved.)  k-means starts on the coarsest
 * level; each finer level starts from the coarser one's centres and
 * assignment, with bounds carried over (|x - c| differs from |p - c| by at
 * most |x - p|, p the point x was merged into), and runs its own Lloyd
 * iterations.  The last level is the input itself, so the result is
 * exactly what the contract says, a Lloyd result on the given points; the
 * summaries only make it cheaper to get there. */
#define LEVEL_MIN_POINTS 1024  /* below this, cluster the points directly */
#define LEVEL_FINEST 24
#define LEVEL_COARSEST 12
#define LEVELS_MAX 2

/* Merges the points of src by cell id (ids[i] < ncells) into a new km,
 * cells numbered in order of first appearance; src->parent[i] becomes the
 * index of point i's cell in it, and *cids (malloc'd) the cell id of each
 * new point.  NULL when out of memory. */
static struct km *
summarise(struct km *src, const int *ids, int ncells, int **cids)
{
	double (*cs)[4] = NULL;
	int32_t *slot;
	struct km *dst = NULL;
	size_t i, n = 0;

	*cids = NULL;
	slot = malloc((size_t)ncells * sizeof(*slot));
	if (slot == NULL)
		return NULL;
	memset(slot, 0xff, (size_t)ncells * sizeof(*slot)); /* all -1 */
	for (i = 0; i < src->m; i++) {
		if (slot[ids[i]] < 0)
			slot[ids[i]] = (int32_t)n++;
		src->parent[i] = (uint32_t)slot[ids[i]];
	}
	cs = calloc(n, sizeof(*cs));
	dst = km_new(n);
	*cids = malloc(n * sizeof(**cids));
	if (cs == NULL || dst == NULL || *cids == NULL) {
		free(dst);
		free(*cids);
		*cids = NULL;
		dst = NULL;
		goto out;
	}
	for (i = 0; i < src->m; i++) {
		double w = src->w[i];
		size_t p = src->parent[i];

		cs[p][0] += w * src->x[i];
		cs[p][1] += w * src->y[i];
		cs[p][2] += w * src->z[i];
		cs[p][3] += w;
		(*cids)[p] = ids[i];
	}
	for (i = 0; i < n; i++) {
		dst->x[i] = (float)(cs[i][0] / cs[i][3]);
		dst->y[i] = (float)(cs[i][1] / cs[i][3]);
		dst->z[i] = (float)(cs[i][2] / cs[i][3]);
		dst->w[i] = (float)cs[i][3];
	}
out:
	free(cs);
	free(slot);
	return dst;
}

/* Starts `fine` from the converged `coarse` level: same centres and
 * groups, each point assigned like its parent, bounds widened by its
 * distance to the parent. */
static void
transfer(const struct km *coarse, struct km *fine)
{
	size_t i;
	int g;

	fine->k = coarse->k;
	memcpy(fine->cx, coarse->cx, sizeof(coarse->cx));
	memcpy(fine->cy, coarse->cy, sizeof(coarse->cy));
	memcpy(fine->cz, coarse->cz, sizeof(coarse->cz));
	memcpy(fine->cv, coarse->cv, sizeof(coarse->cv));
	fine->g = coarse->g;
	memcpy(fine->grp, coarse->grp, sizeof(coarse->grp));
	memcpy(fine->gid, coarse->gid, sizeof(coarse->gid));
	for (i = 0; i < fine->m; i++) {
		size_t p = fine->parent[i];
		float dx = fine->x[i] - coarse->x[p], dy = fine->y[i] - coarse->y[p],
		      dz = fine->z[i] - coarse->z[p];
		/* rounded up a little so the float bounds stay bounds */
		float e = sqrtf(dx * dx + dy * dy + dz * dz) * (1 + 4 * FLT_EPSILON);
		int a = coarse->a[p];

		fine->a[i] = (uint8_t)a;
		fine->ub[i] = coarse->ub[p] + coarse->drift[a] + e;
		fine->hlb[i] = coarse->hlb[p] - coarse->maxdrift - e;
		for (g = 0; g < GROUPS_MAX; g++)
			fine->lb[i * GROUPS_MAX + g] =
				coarse->lb[p * GROUPS_MAX + g] - coarse->gdrift[g] - e;
	}
	sums_from_scratch(fine);
}

/* Grid cell ids of the input points on a res^3 grid. */
static void
grid_ids(const struct km *km, const double lo[3], const double hi[3], int res,
         int *ids)
{
	double scale[3];
	size_t i;
	int d;

	for (d = 0; d < 3; d++)
		scale[d] = hi[d] > lo[d] ? res / (hi[d] - lo[d]) : 0;
	for (i = 0; i < km->m; i++) {
		const float v[3] = { km->x[i], km->y[i], km->z[i] };
		int id = 0;

		for (d = 0; d < 3; d++) {
			int q = (int)((v[d] - lo[d]) * scale[d]);

			id = id * res + (q < res ? q : res - 1);
		}
		ids[i] = id;
	}
}

/* The cell of the res/2 grid containing cell id of the res grid. */
static int
coarser_id(int id, int res)
{
	int h = res / 2, q0 = id / (res * res), q1 = id / res % res, q2 = id % res;

	return ((q0 / 2) * h + q1 / 2) * h + q2 / 2;
}

/* Builds the summaries of km, finest first, into lv[] (coarsest first)
 * and keeps those worth running: room for k clusters (4k points) and at
 * most 2/3 of the level below.  Parents of a dropped level's children are
 * rerouted to its own parent.  Returns how many levels are kept, or a
 * negative status. */
static int
build_levels(struct km *km, int k, const double lo[3], const double hi[3],
             struct km *lv[LEVELS_MAX])
{
	struct km *built[LEVELS_MAX], *src = km, *child;
	int *ids, *cids = NULL, res, nb = 0, l, kept = 0;
	size_t i;

	res = LEVEL_FINEST;
	ids = malloc(km->m * sizeof(*ids));
	if (ids == NULL)
		return RTG_ERR_NOMEM;
	grid_ids(km, lo, hi, res, ids);
	for (; res >= LEVEL_COARSEST; res /= 2) {
		struct km *s = summarise(src, ids, res * res * res, &cids);

		free(ids);
		ids = NULL;
		if (s == NULL) {
			for (l = 0; l < nb; l++)
				free(built[l]);
			return RTG_ERR_NOMEM;
		}
		built[nb++] = s;
		if (res / 2 >= LEVEL_COARSEST)
			for (i = 0; i < s->m; i++)
				cids[i] = coarser_id(cids[i], res);
		ids = cids;
		cids = NULL;
		src = s;
	}
	free(ids);
	/* built[] is finest first; decide from the finest down */
	child = km;
	for (l = 0; l < nb; l++) {
		struct km *s = built[l];

		if (s->m >= (size_t)(4 * k) && s->m * 3 <= child->m * 2) {
			child = s;
			built[kept++] = s;
			continue;
		}
		if (l + 1 < nb)
			for (i = 0; i < child->m; i++)
				child->parent[i] = s->parent[child->parent[i]];
		free(s);
	}
	for (l = 0; l < kept; l++)
		lv[l] = built[kept - 1 - l];
	return kept;
}

/* Runs k-means over the levels.  Returns the total iterations, or a
 * negative status (out of memory). */
static int
cluster_levels(struct km *km, int k, const double lo[3], const double hi[3],
               double tol, int max_iter)
{
	struct km *chain[LEVELS_MAX + 1];
	int nlv = 0, l, iter = 0, rc = 0;

	/* (each level runs at least one iteration; max_iter caps the sum) */
	if (km->m >= LEVEL_MIN_POINTS && max_iter > LEVELS_MAX) {
		nlv = build_levels(km, k, lo, hi, chain);
		if (nlv < 0)
			return nlv;
	}
	chain[nlv++] = km;
	for (l = 0; l < nlv; l++) {
		struct km *c = chain[l];
		/* leave one iteration for each level still to come */
		int budget = max_iter - iter - (nlv - 1 - l);

		if (l == 0) {
			int r;

			if (km_seed(c, k) < 0) {
				rc = RTG_ERR_NOMEM;
				break;
			}
			iter += km_lloyd(c, tol, budget, false);
			r = km_improve(c, tol, budget - iter);
			if (r < 0) {
				rc = r;
				break;
			}
			iter += r;
		} else {
			transfer(chain[l - 1], c);
			iter += km_lloyd(c, tol, budget, true);
		}
	}
	for (l = 0; l < nlv - 1; l++)
		free(chain[l]);
	return rc < 0 ? rc : iter;
}

int
rtg_kmeans(const float (*pts)[3], const float *w, size_t n,
           const struct rtg_kmeans_opts *opts, struct rtg_centroid *out,
           int *iterations, char *err)
{
	struct km *km;
	size_t i, m;
	double total_w, extent, lo[3], hi[3];
	int rc, j, iter, nout;

	if (iterations != NULL)
		*iterations = 0;
	rc = check_args(pts, w, n, opts, out, err);
	if (rc < 0)
		return rc;

	/* count the points that take part, and validate them */
	m = 0;
	for (i = 0; i < n; i++) {
		if (!isfinite(w[i]))
			return rtg_fail(err, RTG_ERR_ARG,
			                "k-means: weight of point %zu is not finite", i);
		if (w[i] <= 0)
			continue;
		if (!isfinite(pts[i][0]) || !isfinite(pts[i][1]) || !isfinite(pts[i][2]))
			return rtg_fail(err, RTG_ERR_ARG,
			                "k-means: point %zu has a non-finite coordinate", i);
		m++;
	}
	if (m == 0)
		return rtg_fail(err, RTG_ERR_ARG, "k-means: no point has a positive weight");

	km = km_new(m);
	if (km == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "k-means: out of memory for %zu points", m);
	total_w = compact_points(km, pts, w, n, lo, hi, &extent);
	/* tol is relative to the data's extent (see cluster.h) so one value
	 * suits CIELAB (0..100) and RGB (0..1) alike */
	iter = cluster_levels(km, opts->k, lo, hi, opts->tol * extent, opts->max_iter);
	if (iter < 0) {
		free(km);
		return rtg_fail(err, iter, "k-means: out of memory for %zu points", m);
	}

	/* Return exact means of the final assignment (the running sums have
	 * seen additions and subtractions). */
	sums_from_scratch(km);
	nout = 0;
	for (j = 0; j < km->k; j++) {
		if (km->cnt[j] == 0)
			continue; /* could not be reseeded: never returned empty */
		out[nout].v[0] = km->sum[j][0] / km->sw[j];
		out[nout].v[1] = km->sum[j][1] / km->sw[j];
		out[nout].v[2] = km->sum[j][2] / km->sw[j];
		out[nout].weight = km->sw[j];
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
