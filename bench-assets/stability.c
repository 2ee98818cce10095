/* stability.c - rtg-stability: how far the palette moves when the same
 * picture arrives slightly differently.
 *
 * For each image: the palette as the pipeline computes it (rtg_sample with
 * the default budget, rtg_kmeans with the default options, k 8, CIELAB) of
 * the full decode, and of
 *   1/2, 1/4  the decoder's reduced decode (JPEG: libjpeg-turbo's DCT
 *             scaling or jpegprog.c; PNG: png.c's point sampling), chosen
 *             with the smallest min_pixels that still selects that scale;
 *   crop      the full decode without its first row and column;
 *   reenc     the full decode encoded again as a baseline JPEG (quality 90,
 *             4:2:0, libjpeg) and decoded in full;
 *   seed      the full decode's samples clustered with another seed.
 * Two palettes are compared by an optimal one-to-one matching of their
 * centroids (Hungarian method, Kuhn 1955 / Munkres 1957, with potentials)
 * minimising sum(dE00 * max(share_a, share_b)), so a large centroid is
 * matched to its counterpart before a small one; then over the matched
 * pairs in which either side has share >= 5 %: the largest dE00 ("max")
 * and the share-weighted mean dE00 ("mean").  "near" is the older measure
 * of tests/unit/test_scaled.c: the largest distance from a significant
 * centroid of the full palette to the nearest centroid of the other.
 *
 * Also per image: the full decode's weighted mean squared error (SSE over
 * total weight, CIELAB units^2), the accent material the roles code picks
 * from (largest OKLCH chroma among clusters with share >= 3 %, and how many
 * such clusters have chroma >= 0.06), and with -t N the median time of
 * rtg_kmeans at k 8 and k 64 over N runs.
 *
 * Usage: rtg-stability [-k K] [-t N] [-q] [-v] IMAGE...
 *   -q  summary only (distribution over the images per variant);
 *   -v  also every palette (L/a/b:share) and its mse on the full decode's
 *       samples (is another palette a near-equal optimum, or worse?).
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_JPEG
#include <jpeglib.h>
#endif

#include "cluster.h"
#include "colour.h"
#include "image.h"
#include "pipeline.h"
#include "sample.h"
#include "status.h"

#define SIGNIFICANT 0.05
#define SALIENT_SHARE 0.03
#define SALIENT_CHROMA 0.06
#define MAX_IMAGES 256

enum { V_HALF, V_QUARTER, V_CROP, V_REENC, V_SEED, NVAR };
static const char *const var_name[NVAR] = { "1/2", "1/4", "crop", "reenc", "seed" };

struct pal {
	int n;
	struct rtg_centroid c[RTG_K_MAX];
};

struct dist {
	double max, mean, near;
	int ok;
};

static int opt_k = 8;
static int opt_verbose;

static void
print_pal(const char *what, const struct pal *p, double mse_full)
{
	printf("    %-6s mse on the full samples %7.2f:", what, mse_full);
	for (int i = 0; i < p->n; i++)
		printf(" %.0f/%.0f/%.0f:%.0f%%", p->c[i].v[0], p->c[i].v[1], p->c[i].v[2],
		       100 * p->c[i].share);
	putchar('\n');
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;
	uint8_t *b = NULL;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n)) != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	} else if (b != NULL) {
		*len = (size_t)n;
	}
	fclose(f);
	return b;
}

static int
samples_of(const struct rtg_image *img, struct rtg_samples *s)
{
	char err[RTG_ERRLEN];

	if (rtg_sample(img, RTG_SPACE_CIELAB, RTG_SAMPLE_BUDGET_DEFAULT, s, err) != 0) {
		fprintf(stderr, "sample: %s\n", err);
		return -1;
	}
	return 0;
}

static int
cluster(const struct rtg_samples *s, int k, uint64_t seed, struct pal *p)
{
	struct rtg_kmeans_opts o;
	char err[RTG_ERRLEN];

	rtg_kmeans_opts_default(&o);
	o.k = k;
	if (seed != 0)
		o.seed = seed;
	p->n = rtg_kmeans((const float (*)[3])s->pts, s->w, s->n, &o, p->c, NULL, err);
	if (p->n < 1) {
		fprintf(stderr, "kmeans: %s\n", err);
		return -1;
	}
	return 0;
}

static int
palette_of_image(const struct rtg_image *img, struct pal *p)
{
	struct rtg_samples s;
	int rc;

	if (samples_of(img, &s) != 0)
		return -1;
	rc = cluster(&s, opt_k, 0, p);
	rtg_samples_free(&s);
	return rc;
}

/* Hungarian method on an n x n cost matrix (row-major), potentials form:
 * rows are added one at a time and a shortest augmenting path found with
 * Dijkstra-like relaxation over reduced costs.  match[i] = column of row i. */
static void
hungarian(int n, const double *cost, int *match)
{
	double u[RTG_K_MAX + 1], v[RTG_K_MAX + 1], minv[RTG_K_MAX + 1];
	int p[RTG_K_MAX + 1], way[RTG_K_MAX + 1];
	int used[RTG_K_MAX + 1];

	for (int j = 0; j <= n; j++) {
		u[j] = v[j] = 0;
		p[j] = way[j] = 0;
	}
	for (int i = 1; i <= n; i++) {
		int j0 = 0;

		p[0] = i;
		for (int j = 0; j <= n; j++) {
			minv[j] = INFINITY;
			used[j] = 0;
		}
		do {
			int i0 = p[j0], j1 = 0;
			double delta = INFINITY;

			used[j0] = 1;
			for (int j = 1; j <= n; j++) {
				if (used[j])
					continue;
				double cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
				if (cur < minv[j]) {
					minv[j] = cur;
					way[j] = j0;
				}
				if (minv[j] < delta) {
					delta = minv[j];
					j1 = j;
				}
			}
			for (int j = 0; j <= n; j++) {
				if (used[j]) {
					u[p[j]] += delta;
					v[j] -= delta;
				} else {
					minv[j] -= delta;
				}
			}
			j0 = j1;
		} while (p[j0] != 0);
		do {
			int j1 = way[j0];
			p[j0] = p[j1];
			j0 = j1;
		} while (j0 != 0);
	}
	for (int j = 1; j <= n; j++)
		if (p[j] != 0)
			match[p[j] - 1] = j - 1;
}

/* Matched distance of palette b from palette a (see the top).  A palette
 * with fewer centroids is padded with zero-share dummies that cost nothing
 * to match; a significant centroid matched to a dummy counts as missing
 * (its distance to the nearest real centroid). */
static struct dist
palette_distance(const struct pal *a, const struct pal *b)
{
	int n = a->n > b->n ? a->n : b->n, match[RTG_K_MAX];
	double cost[RTG_K_MAX * RTG_K_MAX], de[RTG_K_MAX][RTG_K_MAX], sw = 0;
	struct dist d = { 0, 0, 0, 1 };

	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			if (i >= a->n || j >= b->n) {
				de[i][j] = 0;
				cost[i * n + j] = 0;
				continue;
			}
			de[i][j] = rtg_ciede2000(a->c[i].v, b->c[j].v);
			cost[i * n + j] = de[i][j] * fmax(a->c[i].share, b->c[j].share);
		}
	}
	hungarian(n, cost, match);
	for (int i = 0; i < n; i++) {
		int j = match[i];
		double sa = i < a->n ? a->c[i].share : 0, sb = j < b->n ? b->c[j].share : 0;
		double e = de[i][j];

		if (sa < SIGNIFICANT && sb < SIGNIFICANT)
			continue;
		if (i >= a->n || j >= b->n) {
			/* matched to a dummy: its distance to the nearest real one */
			e = INFINITY;
			for (int t = 0; t < (i < a->n ? b->n : a->n); t++) {
				double x = i < a->n ? rtg_ciede2000(a->c[i].v, b->c[t].v)
				                    : rtg_ciede2000(a->c[t].v, b->c[j].v);
				e = fmin(e, x);
			}
		}
		d.max = fmax(d.max, e);
		d.mean += e * (sa + sb) / 2;
		sw += (sa + sb) / 2;
	}
	d.mean = sw > 0 ? d.mean / sw : 0;
	for (int i = 0; i < a->n; i++) {
		double best = INFINITY;

		if (a->c[i].share < SIGNIFICANT)
			continue;
		for (int j = 0; j < b->n; j++)
			best = fmin(best, rtg_ciede2000(a->c[i].v, b->c[j].v));
		d.near = fmax(d.near, best);
	}
	return d;
}

/* Plain weighted Lloyd from p's centroids on s until no sample changes
 * cluster (at most 300 iterations); p is updated (shares too). */
static void
lloyd_from(const struct rtg_samples *s, struct pal *p)
{
	int *as = malloc(s->n * sizeof *as);

	if (as == NULL)
		exit(1);
	for (size_t i = 0; i < s->n; i++)
		as[i] = -1;
	for (int it = 0; it < 300; it++) {
		double sum[RTG_K_MAX][4] = { { 0 } };
		size_t changed = 0;

		for (size_t i = 0; i < s->n; i++) {
			double bd = INFINITY;
			int bj = 0;

			for (int j = 0; j < p->n; j++) {
				double e = 0;
				for (int c = 0; c < 3; c++)
					e += (s->pts[i][c] - p->c[j].v[c]) * (s->pts[i][c] - p->c[j].v[c]);
				if (e < bd) {
					bd = e;
					bj = j;
				}
			}
			changed += as[i] != bj;
			as[i] = bj;
			for (int c = 0; c < 3; c++)
				sum[bj][c] += (double)s->w[i] * s->pts[i][c];
			sum[bj][3] += s->w[i];
		}
		for (int j = 0; j < p->n; j++) {
			if (sum[j][3] > 0)
				for (int c = 0; c < 3; c++)
					p->c[j].v[c] = sum[j][c] / sum[j][3];
			p->c[j].weight = sum[j][3];
			p->c[j].share = sum[j][3] / s->total_weight;
		}
		if (changed == 0)
			break;
	}
	free(as);
}

static double
mse_of(const struct rtg_samples *s, const struct pal *p)
{
	double sse = 0;

	for (size_t i = 0; i < s->n; i++) {
		double best = INFINITY;

		for (int j = 0; j < p->n; j++) {
			double e = 0;
			for (int c = 0; c < 3; c++)
				e += (s->pts[i][c] - p->c[j].v[c]) * (s->pts[i][c] - p->c[j].v[c]);
			best = fmin(best, e);
		}
		sse += s->w[i] * best;
	}
	return sse / s->total_weight;
}

/* Largest OKLCH chroma among clusters with share >= SALIENT_SHARE, and how
 * many of them are at least SALIENT_CHROMA (roles.c's salient colours). */
static void
accents(const struct pal *p, double *cmax, int *nsal)
{
	*cmax = 0;
	*nsal = 0;
	for (int i = 0; i < p->n; i++) {
		double lin[3], lch[3];

		if (p->c[i].share < SALIENT_SHARE)
			continue;
		rtg_space_decode(RTG_SPACE_CIELAB, p->c[i].v, lin);
		rtg_rgb8_to_oklch(rtg_lin_to_rgb8(lin), lch);
		*cmax = fmax(*cmax, lch[1]);
		*nsal += lch[1] >= SALIENT_CHROMA;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median_ms(const struct rtg_samples *s, int k, int runs)
{
	double *t = malloc((size_t)runs * sizeof *t), m;
	struct pal p;

	if (t == NULL)
		return NAN;
	for (int r = 0; r < runs; r++) {
		double t0 = rtg_now_ms();
		cluster(s, k, 0, &p);
		t[r] = rtg_now_ms() - t0;
	}
	qsort(t, (size_t)runs, sizeof *t, cmp_double);
	m = t[runs / 2];
	free(t);
	return m;
}

#ifdef HAVE_JPEG
/* The image as a baseline JPEG, quality 90, 4:2:0 (libjpeg's defaults);
 * *len its size; NULL on failure. */
static uint8_t *
reencode(const struct rtg_image *img, size_t *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr je;
	unsigned char *out = NULL;
	unsigned long olen = 0;

	ci.err = jpeg_std_error(&je);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, &olen);
	ci.image_width = img->width;
	ci.image_height = img->height;
	ci.input_components = 4;
	ci.in_color_space = JCS_EXT_RGBA;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 90, TRUE);
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < ci.image_height) {
		JSAMPROW row = img->px + (size_t)ci.next_scanline * img->width * 4;
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	*len = olen;
	return out;
}
#endif

struct result {
	const char *name;
	struct dist d[NVAR];
	double mse, t8, t64, cmax;
	int nsal;
};

static void
summary_line(const char *what, double *v, int n)
{
	double mean = 0;

	if (n == 0) {
		printf("  %-11s -\n", what);
		return;
	}
	for (int i = 0; i < n; i++)
		mean += v[i];
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	printf("  %-11s n %2d  median %5.2f  p75 %5.2f  max %5.2f  mean %5.2f\n", what, n,
	       v[n / 2], v[(3 * n) / 4 < n ? (3 * n) / 4 : n - 1], v[n - 1], mean / n);
}

int
main(int argc, char **argv)
{
	static struct result res[MAX_IMAGES];
	int nres = 0, runs = 0, quiet = 0, a;

	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "-k") == 0 && a + 1 < argc) {
			opt_k = atoi(argv[++a]);
		} else if (strcmp(argv[a], "-t") == 0 && a + 1 < argc) {
			runs = atoi(argv[++a]);
		} else if (strcmp(argv[a], "-q") == 0) {
			quiet = 1;
		} else if (strcmp(argv[a], "-v") == 0) {
			opt_verbose = 1;
		} else {
			fprintf(stderr, "usage: rtg-stability [-k K] [-t RUNS] [-q] [-v] IMAGE...\n");
			return 2;
		}
	}
	if (a >= argc || opt_k < RTG_K_MIN || opt_k > RTG_K_MAX) {
		fprintf(stderr, "usage: rtg-stability [-k K] [-t RUNS] [-q] [-v] IMAGE...\n");
		return 2;
	}
	if (!quiet)
		printf("%-32s %9s %7s %4s %5s  %-17s %-17s %-17s %-17s %-17s%s\n", "image", "size",
		       "mse", "nsal", "cmax", "1/2 max/mean/near", "1/4", "crop", "reenc", "seed",
		       runs > 0 ? "  ms k8 / k64" : "");
	for (; a < argc && nres < MAX_IMAGES; a++) {
		struct result *r = &res[nres];
		struct rtg_image img, v;
		struct rtg_samples s;
		struct pal full, p, pv[NVAR];
		char err[RTG_ERRLEN];
		size_t len;
		uint8_t *buf = slurp(argv[a], &len);

		if (buf == NULL) {
			fprintf(stderr, "%s: cannot read\n", argv[a]);
			continue;
		}
		memset(r, 0, sizeof *r);
		r->name = strrchr(argv[a], '/') != NULL ? strrchr(argv[a], '/') + 1 : argv[a];
		if (rtg_image_decode(buf, len, NULL, 0, &img, err) != 0) {
			fprintf(stderr, "%s: %s\n", argv[a], err);
			free(buf);
			continue;
		}
		if (samples_of(&img, &s) != 0 || cluster(&s, opt_k, 0, &full) != 0)
			return 1;
		r->mse = mse_of(&s, &full);
		accents(&full, &r->cmax, &r->nsal);
		if (runs > 0) {
			r->t8 = median_ms(&s, 8, runs);
			r->t64 = median_ms(&s, 64, runs);
		}
		if (cluster(&s, opt_k, 0x5eed5eedu, &p) == 0)
			r->d[V_SEED] = palette_distance(&full, &p), pv[V_SEED] = p;

		for (int d = 2; d <= 4; d *= 2) {
			uint64_t sw = (img.width + (uint32_t)d - 1) / (uint32_t)d;
			uint64_t sh = (img.height + (uint32_t)d - 1) / (uint32_t)d;

			if (rtg_image_decode(buf, len, NULL, sw * sh, &v, err) != 0)
				continue;
			if (v.scale_denom == d && palette_of_image(&v, &p) == 0)
				r->d[d == 2 ? V_HALF : V_QUARTER] = palette_distance(&full, &p),
				pv[d == 2 ? V_HALF : V_QUARTER] = p;
			rtg_image_free(&v);
		}
		if (img.width > 2 && img.height > 2) {
			v = img;
			v.width = img.width - 1;
			v.height = img.height - 1;
			v.px = malloc((size_t)v.width * v.height * 4);
			if (v.px == NULL)
				return 1;
			for (uint32_t y = 0; y < v.height; y++)
				memcpy(v.px + (size_t)y * v.width * 4,
				       img.px + ((size_t)(y + 1) * img.width + 1) * 4, (size_t)v.width * 4);
			if (palette_of_image(&v, &p) == 0)
				r->d[V_CROP] = palette_distance(&full, &p), pv[V_CROP] = p;
			free(v.px);
		}
#ifdef HAVE_JPEG
		{
			size_t jlen = 0;
			uint8_t *j = reencode(&img, &jlen);

			if (j != NULL && rtg_image_decode(j, jlen, NULL, 0, &v, err) == 0) {
				if (palette_of_image(&v, &p) == 0)
					r->d[V_REENC] = palette_distance(&full, &p), pv[V_REENC] = p;
				rtg_image_free(&v);
			}
			free(j);
		}
#endif
		if (!quiet) {
			printf("%-32s %4ux%-4u %7.2f %4d %5.3f ", r->name, img.width, img.height, r->mse,
			       r->nsal, r->cmax);
			for (int x = 0; x < NVAR; x++) {
				if (r->d[x].ok)
					printf(" %5.2f/%5.2f/%5.2f", r->d[x].max, r->d[x].mean, r->d[x].near);
				else
					printf(" %17s", "-");
			}
			if (runs > 0)
				printf("  %.3f / %.3f", r->t8, r->t64);
			putchar('\n');
		}
		if (opt_verbose) {
			print_pal("full", &full, r->mse);
			for (int x = 0; x < NVAR; x++)
				if (r->d[x].ok)
					print_pal(var_name[x], &pv[x], mse_of(&s, &pv[x]));
			/* the same basin: Lloyd from the full palette on each
			 * variant's samples (1/2, 1/4), compared with Lloyd to
			 * convergence on the full samples */
			{
				struct pal lf = full;

				lloyd_from(&s, &lf);
				for (int d = 2; d <= 4; d *= 2) {
					uint64_t sw = (img.width + (uint32_t)d - 1) / (uint32_t)d;
					uint64_t sh = (img.height + (uint32_t)d - 1) / (uint32_t)d;
					struct rtg_samples vs;
					struct pal lv = lf;
					struct dist bd;

					if (rtg_image_decode(buf, len, NULL, sw * sh, &v, err) != 0)
						continue;
					if (v.scale_denom == d && samples_of(&v, &vs) == 0) {
						lloyd_from(&vs, &lv);
						bd = palette_distance(&lf, &lv);
						printf("    basin 1/%d: Lloyd from the full palette moves %.2f/%.2f "
						       "(max/mean)\n", d, bd.max, bd.mean);
						rtg_samples_free(&vs);
					}
					rtg_image_free(&v);
				}
			}
		}
		fflush(stdout);
		rtg_samples_free(&s);
		rtg_image_free(&img);
		free(buf);
		nres++;
	}
	printf("k %d, CIELAB; matched dE00 over centroids with share >= %.0f %% (%d images)\n", opt_k,
	       100 * SIGNIFICANT, nres);
	for (int x = 0; x < NVAR; x++) {
		double vmax[MAX_IMAGES], vmean[MAX_IMAGES];
		int n = 0;
		char label[32];

		for (int i = 0; i < nres; i++) {
			if (!res[i].d[x].ok)
				continue;
			vmax[n] = res[i].d[x].max;
			vmean[n] = res[i].d[x].mean;
			n++;
		}
		snprintf(label, sizeof label, "%s max", var_name[x]);
		summary_line(label, vmax, n);
		snprintf(label, sizeof label, "%s mean", var_name[x]);
		summary_line(label, vmean, n);
	}
	{
		/* over every (image, variant) but the seed: how often a palette
		 * visibly jumps */
		int n = 0, over2 = 0, over5 = 0;
		double sum = 0;

		for (int i = 0; i < nres; i++) {
			for (int x = 0; x < NVAR; x++) {
				if (x == V_SEED || !res[i].d[x].ok)
					continue;
				n++;
				sum += res[i].d[x].max;
				over2 += res[i].d[x].max > 2;
				over5 += res[i].d[x].max > 5;
			}
		}
		printf("  all but seed: %d comparisons, mean max %.2f, max > 2: %d (%.0f %%), "
		       "max > 5: %d (%.0f %%)\n", n, n ? sum / n : 0, over2, n ? 100.0 * over2 / n : 0,
		       over5, n ? 100.0 * over5 / n : 0);
	}
	{
		double lm = 0, t8[MAX_IMAGES], t64[MAX_IMAGES];

		for (int i = 0; i < nres; i++) {
			lm += log(res[i].mse > 0 ? res[i].mse : 1e-12);
			t8[i] = res[i].t8;
			t64[i] = res[i].t64;
		}
		printf("  geometric mean of mse %.4f\n", nres > 0 ? exp(lm / nres) : 0);
		if (runs > 0) {
			summary_line("ms k 8", t8, nres);
			summary_line("ms k 64", t64, nres);
		}
	}
	return 0;
}
