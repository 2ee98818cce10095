/* cluster.h - weighted k-means over 3-D points (any working space).
 *
 * Deterministic: the start is computed from the points (variance-based
 * splitting, then a split-and-merge local search for k <= 16, in
 * cluster_start.c), no random numbers, ties broken by index, so identical
 * input gives identical output and a slightly different input (another
 * decode scale, a re-encode, a crop of the same picture) mostly the same
 * optimum.  No allocation beyond what rtg_kmeans does internally; no I/O.
 */
#ifndef RTG_CLUSTER_H
#define RTG_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#define RTG_K_MIN 1
#define RTG_K_MAX 64

struct rtg_kmeans_opts {
	int k;           /* RTG_K_MIN..RTG_K_MAX */
	int max_iter;    /* e.g. 50 */
	double tol;      /* stop when no centroid moves more than tol times the
	                  * diagonal of the data's bounding box (relative, so
	                  * one value suits every space; the default 2e-3 is
	                  * 0.2-0.4 CIELAB units on a typical cover); 0 runs
	                  * until no point changes cluster or max_iter */
	uint64_t seed;   /* was the PRNG seed of k-means++; accepted, not used */
};

struct rtg_centroid {
	double v[3];     /* coordinates in the working space */
	double weight;   /* sum of member weights */
	double share;    /* weight / total weight, 0..1 */
};

/* Clusters n points pts[i] with weights w[i] (w[i] <= 0 are ignored).
 * Writes at most opts->k centroids to out, sorted by weight descending (ties:
 * lexicographic on v), and returns how many: fewer than k when there are
 * fewer distinct (positive-weight) points than k; an empty cluster is
 * re-seeded from the point farthest from its centroid, never returned empty.
 * *iterations (may be NULL) receives the Lloyd iterations run (summed over
 * the coarse-to-fine levels cluster.c uses on large inputs and the trial
 * moves of its local search; max_iter caps the sum).
 * Any finite weights and coordinates are accepted: totals outside 2^-64..2^64
 * and coordinates beyond 2^40 or below 2^-40 in magnitude are scaled by a
 * power of two inside (exact) and back on output.  A point lighter than
 * 2^-149 of the heaviest may still be merged into a neighbour.
 * Returns the count (>= 1) or a negative rtg_status (RTG_ERR_ARG when n == 0
 * or no point has positive weight, RTG_ERR_NOMEM). */
int rtg_kmeans(const float (*pts)[3], const float *w, size_t n,
               const struct rtg_kmeans_opts *opts, struct rtg_centroid *out,
               int *iterations, char *err);

void rtg_kmeans_opts_default(struct rtg_kmeans_opts *o);

#endif
