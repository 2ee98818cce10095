/* cluster.c - weighted k-means (greedy k-means++ seeding, Lloyd).
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
 * Determinism: the PRNG is splitmix64 (constants from S. Vigna's public
 * domain reference) seeded from opts->seed, all scans run in a fixed order
 * and exact ties go to the lower index, so the same input gives the same
 * bits.
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
/* Seeding keeps a sum of w * d^2 per block of points so that drawing the
 * next centre does not walk a long serial sum over every point. */
#define SEED_BLOCK 256

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
	float *d2;               /* seeding distances, later scratch */
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
	uint64_t rng;
};

static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) with 53 random bits */
static double
uniform01(uint64_t *s)
{
	return (double)(splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

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

/* Sum of w * d2 over points lo..hi-1: four partial sums so the adds do not
 * wait on each other. */
static double
block_sum(const struct km *km, size_t lo, size_t hi)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = lo;

	for (; i + 4 <= hi; i += 4) {
		s0 += (double)km->w[i] * km->d2[i];
		s1 += (double)km->w[i + 1] * km->d2[i + 1];
		s2 += (double)km->w[i + 2] * km->d2[i + 2];
		s3 += (double)km->w[i + 3] * km->d2[i + 3];
	}
	for (; i < hi; i++)
		s0 += (double)km->w[i] * km->d2[i];
	return (s0 + s1) + (s2 + s3);
}

/* Draws a point with probability proportional to w * d2 (d2 NULL: to w)
 * using the per-block sums bs; only a point with a positive term can be
 * returned. */
static size_t
pick_weighted(struct km *km, const float *d2, const double *bs,
              size_t nblocks, double total)
{
	double r = uniform01(&km->rng) * total, cum = 0, p;
	size_t b, i, lo, hi, last = SIZE_MAX;

	for (b = 0; b + 1 < nblocks; b++) {
		if (r < bs[b] && bs[b] > 0)
			break;
		r -= bs[b];
	}
	/* rounding can leave r a hair beyond the block: the block's last
	 * positive point is the answer then */
	for (;; b--) {
		lo = b * SEED_BLOCK;
		hi = lo + SEED_BLOCK < km->m ? lo + SEED_BLOCK : km->m;
		for (i = lo; i < hi; i++) {
			p = (double)km->w[i] * (d2 != NULL ? d2[i] : 1.0f);
			if (p > 0) {
				cum += p;
				last = i;
				if (cum > r)
					return i;
			}
		}
		if (last != SIZE_MAX || b == 0)
			break;
	}
	return last != SIZE_MAX ? last : 0;
}

/* How much sum(w d^2) drops if point p becomes a centre.  Branch-free,
 * with four partial sums: this loop is most of the seeding's time. */
static double
seed_gain(const struct km *km, size_t p)
{
	const float px = km->x[p], py = km->y[p], pz = km->z[p];
	const float *x = km->x, *y = km->y, *z = km->z, *w = km->w, *d2 = km->d2;
	double g[4] = { 0, 0, 0, 0 };
	size_t i, m = km->m;
	int u;

	for (i = 0; i + 4 <= m; i += 4) {
		for (u = 0; u < 4; u++) {
			float dx = x[i + u] - px, dy = y[i + u] - py, dz = z[i + u] - pz;
			float e = d2[i + u] - (dx * dx + dy * dy + dz * dz);

			g[u] += e > 0 ? (double)w[i + u] * e : 0.0;
		}
	}
	for (; i < m; i++) {
		float dx = x[i] - px, dy = y[i] - py, dz = z[i] - pz;
		float e = d2[i] - (dx * dx + dy * dy + dz * dz);

		g[0] += e > 0 ? (double)w[i] * e : 0.0;
	}
	return (g[0] + g[1]) + (g[2] + g[3]);
}

/* Greedy weighted k-means++ (Arthur & Vassilvitskii 2007, each point's
 * probability scaled by its weight; "greedy" as they suggest: each new
 * centre is the best of several draws, which gives far fewer bad starts
 * on colour histograms).  Stops early when every point sits on a centre:
 * then there are only that many distinct points.  Leaves each point
 * assigned to its nearest centre, d2 its squared distance.  Only blocks
 * where a point changed have their sum recomputed. */
static int
seed_kmeans_pp(struct km *km, int k, double total_w)
{
	size_t i, b, m = km->m, nblocks = (m + SEED_BLOCK - 1) / SEED_BLOCK;
	double total, *bs;
	int j, t, trials;
	bool dirty;

	bs = malloc(nblocks * sizeof(*bs));
	if (bs == NULL)
		return RTG_ERR_NOMEM;
	for (b = 0; b < nblocks; b++) {
		size_t lo = b * SEED_BLOCK, hi = lo + SEED_BLOCK < m ? lo + SEED_BLOCK : m;

		bs[b] = 0;
		for (i = lo; i < hi; i++)
			bs[b] += km->w[i];
	}
	set_centre(km, 0, pick_weighted(km, NULL, bs, nblocks, total_w));
	km->k = 1;
	for (i = 0; i < m; i++) {
		km->d2[i] = dist2_pc(km, i, 0);
		km->a[i] = 0;
	}
	total = 0;
	for (b = 0; b < nblocks; b++) {
		size_t lo = b * SEED_BLOCK, hi = lo + SEED_BLOCK < m ? lo + SEED_BLOCK : m;

		bs[b] = block_sum(km, lo, hi);
		total += bs[b];
	}
	/* the extra draws matter most for small k, where one bad centre
	 * is a large part of the palette, and cost most for large k */
	trials = k <= 16 ? 2 + (int)log(k) : 2;
	for (j = 1; j < k && total > 0; j++) {
		size_t best = pick_weighted(km, km->d2, bs, nblocks, total);
		double gain, best_gain = trials > 1 ? seed_gain(km, best) : 0;

		for (t = 1; t < trials; t++) {
			size_t cand = pick_weighted(km, km->d2, bs, nblocks, total);

			gain = seed_gain(km, cand);
			if (gain > best_gain) {
				best_gain = gain;
				best = cand;
			}
		}
		set_centre(km, j, best);
		km->k = j + 1;
		total = 0;
		for (b = 0; b < nblocks; b++) {
			size_t lo = b * SEED_BLOCK, hi = lo + SEED_BLOCK < m ? lo + SEED_BLOCK : m;

			dirty = false;
			for (i = lo; i < hi; i++) {
				float d = dist2_pc(km, i, j);
				bool closer = d < km->d2[i];

				/* written so it compiles to conditional moves */
				km->d2[i] = closer ? d : km->d2[i];
				km->a[i] = closer ? (uint8_t)j : km->a[i];
				dirty |= closer;
			}
			if (dirty)
				bs[b] = block_sum(km, lo, hi);
			total += bs[b];
		}
	}
	free(bs);
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
km_new(size_t m, uint64_t seed)
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
	km->rng = seed;
	return km;
}

/* k-means++ on km's own points, then the bounds that seeding leaves. */
static int
km_seed(struct km *km, int k, double total_w)
{
	size_t i;

	if (seed_kmeans_pp(km, k, total_w) < 0)
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
	dst = km_new(n, src->rng);
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
cluster_levels(struct km *km, int k, double total_w, const double lo[3],
               const double hi[3], double tol, int max_iter)
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
			double tw = 0;
			size_t j;

			if (c == km) {
				tw = total_w;
			} else {
				for (j = 0; j < c->m; j++)
					tw += c->w[j];
			}
			if (km_seed(c, k, tw) < 0) {
				rc = RTG_ERR_NOMEM;
				break;
			}
			iter += km_lloyd(c, tol, budget, false);
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

	km = km_new(m, opts->seed);
	if (km == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "k-means: out of memory for %zu points", m);
	total_w = compact_points(km, pts, w, n, lo, hi, &extent);
	/* tol is relative to the data's extent (see cluster.h) so one value
	 * suits CIELAB (0..100) and RGB (0..1) alike */
	iter = cluster_levels(km, opts->k, total_w, lo, hi, opts->tol * extent,
	                      opts->max_iter);
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
	o->seed = 0x726d7063u; /* "rmpc" */
}
