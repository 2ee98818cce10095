/* cluster_start.c - where k-means starts: variance-based splitting, and
 * for k <= IMPROVE_K_MAX a split-and-merge local search.
 *
 * Where Lloyd starts decides which local optimum it ends in (see
 * cluster.c).  Both parts work on boxes, sets of points with their
 * weighted sums, so that a small change of the input changes them a
 * little.  No random numbers; scans run in a fixed order and exact ties go
 * to the lower index.
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
 * coincide.  Needs box_moments(). */
static void
box_plan(const struct km *km, const uint32_t *idx, struct sbox *b)
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
	return p->w * q->w / (p->w + q->w) * dist2_v(p->mean, q->mean);
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

static void
set_centres(struct km *km, const double (*cv)[3])
{
	for (int j = 0; j < km->k; j++)
		set_centre_at(km, j, cv[j]);
}

/* Lloyd from the current centres with every bound forgotten (the centres
 * jumped); at most max_iter iterations. */
static int
relloyd(struct km *km, double tol, int max_iter)
{
	rtg_cluster_lloyd_reset(km);
	return rtg_cluster_lloyd(km, tol, max_iter, true);
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

	set_centres(km, cv);
	for (int d = 0; d < 3; d++)
		v[d] = (box[mv->p].s[d] + box[mv->q].s[d]) / (box[mv->p].w + box[mv->q].w);
	set_centre_at(km, mv->p, v);
	box_cut(km, idx, &l, &r);
	set_centre_at(km, mv->s, l.mean);
	set_centre_at(km, mv->q, r.mean);
}

/* The search (see above) on a level that Lloyd has run on.  Uses at most
 * budget iterations; returns them, or RTG_ERR_NOMEM. */
int
rtg_cluster_start_improve(struct km *km, double tol, int budget)
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
			iter += relloyd(km, tol, left < IMPROVE_TRIAL_ITER ? left : IMPROVE_TRIAL_ITER);
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
		set_centres(km, (const double (*)[3])(improved ? best : cur));
		iter += relloyd(km, tol, budget - iter);
		if (!improved || budget - iter < 2)
			break;
	}
	free(idx);
	return iter;
}
