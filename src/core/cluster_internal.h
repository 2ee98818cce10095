/* cluster_internal.h - the k-means state shared by cluster.c (entry,
 * coarse-to-fine levels), cluster_start.c (the computed start and the
 * split-and-merge search) and cluster_lloyd.c (Lloyd with bounds).  Not
 * part of the API: cluster.h is. */
#ifndef RTG_CLUSTER_INTERNAL_H
#define RTG_CLUSTER_INTERNAL_H

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
/* The computed start on km's points, with its groups and bounds. */
int rtg_cluster_start(struct km *km, int k);
/* The split-and-merge search on a level that Lloyd has run on. */
int rtg_cluster_start_improve(struct km *km, double tol, int budget);

#endif
