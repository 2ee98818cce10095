/* cluster_levels.c - k-means over coarse-to-fine levels: summaries of
 * the points on grids over their bounding box, each level started from
 * the one coarser, the last the points themselves (see cluster.c).
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_internal.h"
#include "status.h"

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
	dst = rtg_cluster_km_new(n);
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
		for (g = 0; g < coarse->g; g++)
			fine->lb[i * GROUPS_MAX + g] =
				coarse->lb[p * GROUPS_MAX + g] - coarse->gdrift[g] - e;
		for (; g < GROUPS_MAX; g++)
			fine->lb[i * GROUPS_MAX + g] = INFINITY; /* unused group */
	}
	rtg_cluster_lloyd_sums(fine);
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
int
rtg_cluster_levels(struct km *km, int k, const double lo[3], const double hi[3],
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

			if (rtg_cluster_start(c, k) < 0) {
				rc = RTG_ERR_NOMEM;
				break;
			}
			iter += rtg_cluster_lloyd(c, tol, budget, false);
			r = rtg_cluster_search(c, tol, budget - iter);
			if (r < 0) {
				rc = r;
				break;
			}
			iter += r;
		} else {
			transfer(chain[l - 1], c);
			iter += rtg_cluster_lloyd(c, tol, budget, true);
		}
	}
	for (l = 0; l < nlv - 1; l++)
		free(chain[l]);
	return rc < 0 ? rc : iter;
}
