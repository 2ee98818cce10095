/* cluster_lloyd.c - Lloyd iterations with Hamerly/Yinyang bounds.
 *
 * The assignment step skips most distance computations with bounds:
 * Hamerly's (G. Hamerly, "Making k-means even faster", SDM 2010) for one
 * lower bound per point, per group of GROUP_W centres as in Yinyang
 * k-means (Ding et al., ICML 2015) when k > GROUP_W.  Bounds are stored
 * relative to accumulated centre drift, so moving the centres costs O(k),
 * not O(n).  Cluster sums are updated only for points that change
 * cluster.  Distances are float (the points are float anyway); sums are
 * double.  A group's distances are computed with SSE2 where the compiler
 * targets it (group_scan() in cluster_internal.h), with the same bits as
 * the portable version.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "cluster_internal.h"

/* Squared distance between centres j and j2. */
static inline float
dist2_cc(const struct km *km, int j, int j2)
{
	float dx = km->cx[j] - km->cx[j2], dy = km->cy[j] - km->cy[j2],
	      dz = km->cz[j] - km->cz[j2];

	return dx * dx + dy * dy + dz * dz;
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
				float d = dist2_cc(km, j, first);

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

/* Adds point i to the sums of cluster j (not to its assignment). */
static inline void
add_point(struct km *km, size_t i, int j)
{
	double w = km->w[i];

	km->sum[j][0] += w * km->x[i];
	km->sum[j][1] += w * km->y[i];
	km->sum[j][2] += w * km->z[i];
	km->sw[j] += w;
	km->cnt[j]++;
}

void
rtg_cluster_lloyd_sums(struct km *km)
{
	size_t i;
	int j;

	for (j = 0; j < km->k; j++) {
		km->sum[j][0] = km->sum[j][1] = km->sum[j][2] = 0;
		km->sw[j] = 0;
		km->cnt[j] = 0;
	}
	for (i = 0; i < km->m; i++)
		add_point(km, i, km->a[i]);
}

/* The sums of cluster j alone, from scratch. */
static void
cluster_sums(struct km *km, int j)
{
	size_t i;

	km->sum[j][0] = km->sum[j][1] = km->sum[j][2] = 0;
	km->sw[j] = 0;
	km->cnt[j] = 0;
	for (i = 0; i < km->m; i++)
		if (km->a[i] == j)
			add_point(km, i, j);
}

/* A removal that leaves a cluster this much lighter than the point that
 * left it has cancelled most bits of the running sums (their rounding
 * error is relative to the largest weight they held). */
#define CANCEL_RATIO 0x1p-30

static void
move_point(struct km *km, size_t i, int to)
{
	double w = km->w[i];
	int from = km->a[i];
	bool cancelled = false;

	km->sum[from][0] -= w * km->x[i];
	km->sum[from][1] -= w * km->y[i];
	km->sum[from][2] -= w * km->z[i];
	km->sw[from] -= w;
	if (--km->cnt[from] == 0) {
		/* drop the rounding residue of the subtractions */
		km->sum[from][0] = km->sum[from][1] = km->sum[from][2] = 0;
		km->sw[from] = 0;
	} else if (km->sw[from] < w * CANCEL_RATIO) {
		/* Weights far apart (a point 1e36 times heavier than the rest
		 * of its old cluster): the residue may be all that is left,
		 * even 0 or negative, and the mean nonsense. */
		cancelled = true;
	}
	add_point(km, i, to);
	km->a[i] = (uint8_t)to;
	if (cancelled)
		cluster_sums(km, from);
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
	double p[3];
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
		p[0] = km->x[best];
		p[1] = km->y[best];
		p[2] = km->z[best];
		set_centre_at(km, j, p);
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
		mv = sqrt(dist2_v(mean, km->cv[j]));
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
			float d = dist2_cc(km, j, j2);

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

/* Assignment step for the points in todo[0..nt) (Yinyang k-means, Ding
 * et al., ICML 2015, without its local filter), with ng groups.  Returns
 * how many points changed centre. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t
assign_todo(struct km *km, const uint32_t *todo, size_t nt, const int ng)
{
	const float maxdrift = km->maxdrift;
	size_t r, changed = 0;

	for (r = 0; r < nt; r++) {
		float l[GROUPS_MAX], gm1[GROUPS_MAX], gm2[GROUPS_MAX];
		float lmin, u, d1, bound, px, py, pz;
		size_t i = todo[r];
		float *lb = km->lb + i * GROUPS_MAX;
		int a = km->a[i], best, g, ga, t, t1, gc1[GROUPS_MAX], nscan;
		int scanned[GROUPS_MAX];
		bool own_scanned;

		/* the global test again, as assign_points() made it */
		u = km->ub[i] + km->drift[a];
		bound = fmax2(km->hlb[i] - maxdrift, km->half[a]);
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
			float m1;

			/* signed square: a negative bound always scans */
			if (!(l[g] * fabsf(l[g]) < d1)) {
				if (g != ga)
					lmin = fmin2(lmin, l[g]);
				continue;
			}
			own_scanned |= g == ga;
			scanned[nscan++] = g;
			m1 = group_scan(km->gx[g], km->gy[g], km->gz[g], px, py, pz, &gm2[g], &t1);
			gm1[g] = m1;
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

/* Assignment step.  Most points pass the global test (Hamerly: one bound
 * for all other centres) and keep their centre; which ones is close to a
 * coin toss, so the test is made first for all points without a branch,
 * collecting the others in km->todo.  Handling a point changes only its
 * own bounds and assignment (and the sums), never another point's test,
 * so this is the same as testing each point just before handling it.
 * Returns how many points changed centre. */
static size_t
assign_points(struct km *km)
{
	const float maxdrift = km->maxdrift;
	const size_t m = km->m;
	uint32_t *todo = km->todo;
	size_t i, nt = 0;

	refresh_groups(km);
	for (i = 0; i < m; i++) {
		int a = km->a[i];
		float u = km->ub[i] + km->drift[a];
		float bound = fmax2(km->hlb[i] - maxdrift, km->half[a]);

		todo[nt] = (uint32_t)i;
		nt += !(u <= bound);
	}
	/* k <= GROUP_W, one group, is the common case: its own copy with
	 * the group loops unrolled */
	if (km->g == 1)
		return assign_todo(km, todo, nt, 1);
	return assign_todo(km, todo, nt, km->g);
}

/* Lloyd: update, then assign; stop when the centres settle, when no point
 * changes centre (the means would not move), or at max_iter.  With
 * assign_first the centres are already the means of the current
 * assignment, which is not yet nearest-centre (after the coarse pass).
 * Returns the iterations run. */
int
rtg_cluster_lloyd(struct km *km, double tol, int max_iter, bool assign_first)
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

void
rtg_cluster_lloyd_reset(struct km *km)
{
	make_groups(km);
	rtg_cluster_lloyd_sums(km);
	invalidate_bounds(km);
	memset(km->drift, 0, sizeof(km->drift));
	memset(km->gdrift, 0, sizeof(km->gdrift));
	km->maxdrift = 0;
}
