/* cluster_internal.h - the k-means state shared by cluster.c (entry),
 * cluster_levels.c (coarse-to-fine levels), cluster_start.c (the computed start),
 * cluster_search.c (the split-and-merge search) and cluster_lloyd.c (Lloyd
 * with bounds).  Not part of the API: cluster.h is. */
#ifndef RTG_CLUSTER_INTERNAL_H
#define RTG_CLUSTER_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cluster.h"

/* Lower bounds are kept per group of up to GROUP_W nearby centres
 * (Yinyang k-means): k <= 8 has one group (Hamerly's single bound), k = 64
 * eight.  A group is scanned as a whole, GROUP_W wide, which the compiler
 * can turn into a few vector operations. */
#define GROUP_W 8
#define GROUPS_MAX (RTG_K_MAX / GROUP_W)
/* coordinate of the padding slots of a group: their distance is +inf */
#define FAR_AWAY 1e30f

/* Per compacted point: x y z w ub hlb d2 as float, GROUPS_MAX lower
 * bounds, its point in the next coarser level, an index of scratch, the
 * assignment byte. */
#define POINT_BYTES ((7 + GROUPS_MAX) * sizeof(float) + 2 * sizeof(uint32_t) + 1)

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
	uint32_t *todo;          /* scratch of the assignment step */
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

/* Squared distance from point i to centre j. */
static inline float
dist2_pc(const struct km *km, size_t i, int j)
{
	float dx = km->x[i] - km->cx[j], dy = km->y[i] - km->cy[j],
	      dz = km->z[i] - km->cz[j];

	return dx * dx + dy * dy + dz * dz;
}

/* Squared distance between two points in double. */
static inline double
dist2_v(const double p[3], const double q[3])
{
	return (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) +
	       (p[2] - q[2]) * (p[2] - q[2]);
}

/* Moves centre j to v (the float copy rounded from it). */
static inline void
set_centre_at(struct km *km, int j, const double v[3])
{
	memcpy(km->cv[j], v, sizeof(km->cv[j]));
	km->cx[j] = (float)v[0];
	km->cy[j] = (float)v[1];
	km->cz[j] = (float)v[2];
}

/* The nearest of a group's GROUP_W centres to (px, py, pz): returns its
 * squared distance m1, *t1 the first slot holding it, *m2 the smallest
 * distance of the other slots.  Each distance is dx * dx + dy * dy +
 * dz * dz, d = point - centre, in that order, so both versions below give
 * the same bits (neither sees a NaN: coordinates are finite, the padding
 * gives +inf).  The scan of the assignment step, where most of k-means'
 * time goes. */
static inline float
group_scan_c(const float *gx, const float *gy, const float *gz, float px,
             float py, float pz, float *m2, int *t1)
{
	float d[GROUP_W], m1, n2 = INFINITY;
	int t, b = 0;

	for (t = 0; t < GROUP_W; t++) {
		float dx = px - gx[t], dy = py - gy[t], dz = pz - gz[t];

		d[t] = dx * dx + dy * dy + dz * dz;
	}
	/* written as selects: no branches to mispredict on random distances */
	m1 = d[0];
	for (t = 1; t < GROUP_W; t++) {
		bool lt = d[t] < m1;

		m1 = lt ? d[t] : m1;
		b = lt ? t : b;
	}
	for (t = 0; t < GROUP_W; t++) {
		float v = t == b ? INFINITY : d[t];

		n2 = v < n2 ? v : n2;
	}
	*m2 = n2;
	*t1 = b;
	return m1;
}

#if defined(__SSE2__) && !defined(RTG_CLUSTER_NO_SIMD) && GROUP_W == 8
#include <emmintrin.h>
#define HAVE_GROUP_SCAN_SSE2 1

/* The smallest of v's four lanes, in every lane.  min is exact, so the
 * order of the comparisons does not matter. */
static inline __m128
hmin4(__m128 v)
{
	v = _mm_min_ps(v, _mm_shuffle_ps(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
	return _mm_min_ps(v, _mm_shuffle_ps(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
}

/* group_scan_c() with SSE2 (every x86-64 has it): the eight distances in
 * two vectors with the same operations in the same order; the first slot
 * holding the minimum is the lowest set bit of an equality mask, which is
 * what the scalar scan's strict < picks. */
static inline float
group_scan_sse2(const float *gx, const float *gy, const float *gz, float px,
                float py, float pz, float *m2, int *t1)
{
	const __m128 x = _mm_set1_ps(px), y = _mm_set1_ps(py), z = _mm_set1_ps(pz);
	const __m128 inf = _mm_set1_ps(INFINITY);
	__m128 dx0 = _mm_sub_ps(x, _mm_loadu_ps(gx)), dx1 = _mm_sub_ps(x, _mm_loadu_ps(gx + 4));
	__m128 dy0 = _mm_sub_ps(y, _mm_loadu_ps(gy)), dy1 = _mm_sub_ps(y, _mm_loadu_ps(gy + 4));
	__m128 dz0 = _mm_sub_ps(z, _mm_loadu_ps(gz)), dz1 = _mm_sub_ps(z, _mm_loadu_ps(gz + 4));
	__m128 d0 = _mm_add_ps(_mm_add_ps(_mm_mul_ps(dx0, dx0), _mm_mul_ps(dy0, dy0)),
	                       _mm_mul_ps(dz0, dz0));
	__m128 d1 = _mm_add_ps(_mm_add_ps(_mm_mul_ps(dx1, dx1), _mm_mul_ps(dy1, dy1)),
	                       _mm_mul_ps(dz1, dz1));
	__m128 m = hmin4(_mm_min_ps(d0, d1)), k0, k1;
	__m128i tv;
	int mask, b;

	mask = _mm_movemask_ps(_mm_cmpeq_ps(d0, m)) | _mm_movemask_ps(_mm_cmpeq_ps(d1, m)) << 4;
	/* mask has a bit set: m is one of the lanes */
#if defined(__GNUC__)
	b = __builtin_ctz((unsigned)mask);
#else
	for (b = 0; !(mask & 1 << b); b++)
		;
#endif
	/* the others: slot b replaced by +inf */
	tv = _mm_set1_epi32(b);
	k0 = _mm_castsi128_ps(_mm_cmpeq_epi32(tv, _mm_setr_epi32(0, 1, 2, 3)));
	k1 = _mm_castsi128_ps(_mm_cmpeq_epi32(tv, _mm_setr_epi32(4, 5, 6, 7)));
	d0 = _mm_or_ps(_mm_and_ps(k0, inf), _mm_andnot_ps(k0, d0));
	d1 = _mm_or_ps(_mm_and_ps(k1, inf), _mm_andnot_ps(k1, d1));
	*m2 = _mm_cvtss_f32(hmin4(_mm_min_ps(d0, d1)));
	*t1 = b;
	return _mm_cvtss_f32(m);
}
#define group_scan group_scan_sse2
#else
#define group_scan group_scan_c
#endif

/* cluster.c */
/* A km for m points, its arrays in one allocation (free() it); NULL when
 * out of memory. */
struct km *rtg_cluster_km_new(size_t m);

/* cluster_levels.c */
/* Runs k-means over the levels.  Returns the total iterations, or a
 * negative status (out of memory). */
int rtg_cluster_levels(struct km *km, int k, const double lo[3], const double hi[3],
                       double tol, int max_iter);

/* cluster_lloyd.c */
/* The cluster sums, weights and counts of the current assignment, from
 * scratch. */
void rtg_cluster_lloyd_sums(struct km *km);
/* New groups for the current centres, sums from scratch, every bound and
 * drift forgotten (at the start, or after the centres jumped). */
void rtg_cluster_lloyd_reset(struct km *km);
/* Lloyd iterations from the current state (see cluster_lloyd.c). */
int rtg_cluster_lloyd(struct km *km, double tol, int max_iter, bool assign_first);

/* cluster_start.c */
/* A box: points idx[lo..hi) of km (idx a permutation of the points) with
 * their moments and the plan of their best cut. */
struct sbox {
	uint32_t lo, hi;         /* its points: idx[lo..hi) */
	double w, s[3], mean[3]; /* weight, weighted sums, mean */
	double gain;             /* SSE drop of the best cut; 0: none */
	double axis[3];          /* unit principal axis */
	double tmin, scale;      /* projection bin: (t - tmin) * scale */
	int cut;                 /* bins 0..cut go left */
};
/* The computed start on km's points, with its groups and bounds. */
int rtg_cluster_start(struct km *km, int k);
/* b's weight, sums and mean (no plan). */
void rtg_cluster_start_box_moments(const struct km *km, const uint32_t *idx,
                                   struct sbox *b);
/* The best cut of b (b->gain, axis, bins, cut); gain 0 when all its points
 * coincide.  Needs the moments. */
void rtg_cluster_start_box_plan(const struct km *km, const uint32_t *idx, struct sbox *b);
/* Cuts b as planned: its left part stays in b, the right part goes to r
 * (idx[b->lo..b->hi) reordered), both with fresh moments, no plans. */
void rtg_cluster_start_box_cut(const struct km *km, uint32_t *idx, struct sbox *b,
                               struct sbox *r);

/* cluster_search.c */
/* The split-and-merge search on a level that Lloyd has run on. */
int rtg_cluster_search(struct km *km, double tol, int budget);

#endif
