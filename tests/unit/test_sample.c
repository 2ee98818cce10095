/* test_sample.c - the weighted colour histogram: exact linear-light means,
 * alpha weighting, the sampling grid and its budget, determinism. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colour.h"
#include "image.h"
#include "sample.h"
#include "status.h"
#include "t.h"

static struct rtg_image
make(uint32_t w, uint32_t h)
{
	struct rtg_image img;
	memset(&img, 0, sizeof img);
	img.width = img.full_width = w;
	img.height = img.full_height = h;
	img.scale_denom = 1;
	img.px = calloc((size_t)w * h, 4);
	if (img.px == NULL)
		exit(1);
	return img;
}

static void
put(struct rtg_image *img, uint32_t x, uint32_t y, uint8_t r, uint8_t g, uint8_t b,
    uint8_t a)
{
	uint8_t *p = img->px + ((size_t)y * img->width + x) * 4;
	p[0] = r;
	p[1] = g;
	p[2] = b;
	p[3] = a;
}

static void
fill(struct rtg_image *img, uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1,
     uint8_t r, uint8_t g, uint8_t b, uint8_t a)
{
	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = x0; x < x1; x++)
			put(img, x, y, r, g, b, a);
}

/* Index of the sample whose linear mean is nearest to lin (or -1). */
static long
find(const struct rtg_samples *s, const double lin[3], double tol)
{
	for (size_t i = 0; i < s->n; i++)
		if (fabs(s->lin[i][0] - lin[0]) <= tol && fabs(s->lin[i][1] - lin[1]) <= tol &&
		    fabs(s->lin[i][2] - lin[2]) <= tol)
			return (long)i;
	return -1;
}

static double
lin8(int v)
{
	return rtg_srgb_to_linear(v / 255.0);
}

/* Two colours in one bin: the bin's colour is their mean in linear light,
 * not the bin centre and not the mean of the sRGB bytes. */
static void
test_bin_mean(void)
{
	struct rtg_image img = make(2, 1);
	/* 248..255 share a 5-bit bin in every channel */
	put(&img, 0, 0, 248, 249, 250, 255);
	put(&img, 1, 0, 255, 255, 255, 255);
	struct rtg_samples s;
	char err[RTG_ERRLEN];
	T_CHECK(rtg_sample(&img, RTG_SPACE_CIELAB, 0, &s, err) == 0, "%s", err);
	T_CHECK(s.n == 1, "one bin, got %zu", s.n);
	if (s.n == 1) {
		double want[3] = { (lin8(248) + 1) / 2, (lin8(249) + 1) / 2, (lin8(250) + 1) / 2 };
		for (int c = 0; c < 3; c++)
			T_NEAR(s.lin[0][c], want[c], 2e-6);
		/* the mean of the bytes, 251.5, is a different (darker) colour */
		double gamma_mean = rtg_srgb_to_linear(251.5 / 255.0);
		T_CHECK(fabs(s.lin[0][0] - gamma_mean) > 1e-4, "linear-light mean %f vs %f",
		        s.lin[0][0], gamma_mean);
		T_NEAR(s.w[0], 2.0, 1e-6);
		T_NEAR(s.total_weight, 2.0, 1e-9);
		T_CHECK(s.visited == 2, "visited %llu", (unsigned long long)s.visited);
		double lab[3];
		rtg_space_encode(RTG_SPACE_CIELAB, want, lab);
		for (int c = 0; c < 3; c++)
			T_NEAR(s.pts[0][c], lab[c], 1e-3);
	}
	rtg_samples_free(&s);
	T_CHECK(s.n == 0 && s.pts == NULL && s.lin == NULL && s.w == NULL, "free clears");
	free(img.px);
}

/* Alpha weighting: weight is alpha/255 summed; alpha 0 counts nothing. */
static void
test_alpha(void)
{
	struct rtg_image img = make(30, 10);
	fill(&img, 0, 0, 10, 10, 200, 30, 30, 255);  /* 100 opaque red */
	fill(&img, 10, 0, 20, 10, 30, 30, 200, 128); /* 100 half blue */
	fill(&img, 20, 0, 30, 10, 30, 200, 30, 0);   /* 100 invisible green */
	struct rtg_samples s;
	char err[RTG_ERRLEN];
	T_CHECK(rtg_sample(&img, RTG_SPACE_OKLAB, 0, &s, err) == 0, "%s", err);
	T_CHECK(s.n == 2, "two colours count, got %zu", s.n);
	double red[3] = { lin8(200), lin8(30), lin8(30) };
	double blue[3] = { lin8(30), lin8(30), lin8(200) };
	double green[3] = { lin8(30), lin8(200), lin8(30) };
	long ir = find(&s, red, 1e-6), ib = find(&s, blue, 1e-6);
	T_CHECK(ir >= 0 && ib >= 0, "red and blue present");
	T_CHECK(find(&s, green, 1e-3) < 0, "transparent green absent");
	if (ir >= 0 && ib >= 0) {
		T_NEAR(s.w[ir], 100.0, 1e-4);
		T_NEAR(s.w[ib], 100.0 * 128 / 255, 1e-4);
	}
	T_NEAR(s.total_weight, 100.0 + 100.0 * 128 / 255, 1e-6);
	T_CHECK(s.visited == 300, "all 300 visited, got %llu", (unsigned long long)s.visited);
	double ok[3];
	rtg_space_encode(RTG_SPACE_OKLAB, red, ok);
	if (ir >= 0)
		for (int c = 0; c < 3; c++)
			T_NEAR(s.pts[ir][c], ok[c], 1e-5);
	rtg_samples_free(&s);

	/* in one bin, an opaque and a half-transparent pixel average 255:128 */
	struct rtg_image two = make(2, 1);
	put(&two, 0, 0, 16, 16, 16, 255);
	put(&two, 1, 0, 23, 23, 23, 128);
	T_CHECK(rtg_sample(&two, RTG_SPACE_RGB, 0, &s, err) == 0, "%s", err);
	T_CHECK(s.n == 1, "one bin");
	if (s.n == 1) {
		double want = (lin8(16) * 255 + lin8(23) * 128) / (255 + 128);
		T_NEAR(s.lin[0][0], want, 1e-7);
		T_NEAR(s.w[0], (255 + 128) / 255.0, 1e-6);
	}
	rtg_samples_free(&s);
	free(two.px);

	/* all transparent: an error that says so, nothing allocated */
	fill(&img, 0, 0, 30, 10, 90, 90, 90, 0);
	err[0] = '\0';
	T_CHECK(rtg_sample(&img, RTG_SPACE_CIELAB, 0, &s, err) == RTG_ERR_ARG, "transparent");
	T_CHECK(strstr(err, "transparent") != NULL, "message: %s", err);
	T_CHECK(s.n == 0 && s.pts == NULL, "nothing returned");
	rtg_samples_free(&s);
	free(img.px);

	/* no pixels at all */
	struct rtg_image none;
	memset(&none, 0, sizeof none);
	T_CHECK(rtg_sample(&none, RTG_SPACE_CIELAB, 0, &s, err) == RTG_ERR_ARG, "empty image");
}

/* The grid: at most max_pixels visited, close to it, spread evenly. */
static void
test_grid(void)
{
	static const struct {
		uint32_t w, h;
		uint64_t budget;
	} cases[] = {
		{ 1000, 700, 10000 }, { 700, 1000, 10000 }, { 600, 600, 262144 },
		{ 1400, 1400, 262144 }, { 1, 100000, 1000 }, { 100000, 1, 1000 },
		{ 3, 5000, 100 }, { 257, 263, 1 }, { 64, 64, 4096 }, { 64, 64, 1000000 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t w = cases[i].w, h = cases[i].h;
		struct rtg_image img = make(w, h);
		/* left half dark blue, right half orange; and the bottom half of the
		 * right side light grey, to check rows as well as columns */
		fill(&img, 0, 0, w / 2, h, 30, 60, 140, 255);
		fill(&img, w / 2, 0, w, h, 245, 158, 11, 255);
		fill(&img, w / 2, h / 2, w, h, 200, 200, 200, 255);
		struct rtg_samples s;
		char err[RTG_ERRLEN];
		int st = rtg_sample(&img, RTG_SPACE_CIELAB, cases[i].budget, &s, err);
		T_CHECK(st == 0, "%s", err);
		uint64_t all = (uint64_t)w * h;
		uint64_t want_max = all < cases[i].budget ? all : cases[i].budget;
		T_CHECK(s.visited <= want_max, "%ux%u budget %llu: visited %llu", w, h,
		        (unsigned long long)cases[i].budget, (unsigned long long)s.visited);
		/* fractional steps use most of the budget */
		T_CHECK(s.visited * 10 >= want_max * 8 || s.visited >= want_max - 2,
		        "%ux%u budget %llu: only %llu visited", w, h,
		        (unsigned long long)cases[i].budget, (unsigned long long)s.visited);
		T_NEAR(s.total_weight, (double)s.visited, 1e-6);
		double wsum = 0;
		for (size_t k = 0; k < s.n; k++)
			wsum += s.w[k];
		T_NEAR(wsum, s.total_weight, 1e-3 * s.total_weight);
		if (w >= 64 && h >= 64 && s.visited >= 1000) {
			/* shares follow the areas: 1/2, 1/4, 1/4 */
			double blue[3] = { lin8(30), lin8(60), lin8(140) };
			double grey[3] = { lin8(200), lin8(200), lin8(200) };
			long ib = find(&s, blue, 1e-6), ig = find(&s, grey, 1e-6);
			T_CHECK(ib >= 0 && ig >= 0, "%ux%u: colours found", w, h);
			if (ib >= 0 && ig >= 0) {
				T_NEAR(s.w[ib] / s.total_weight, 0.5, 0.03);
				T_NEAR(s.w[ig] / s.total_weight, 0.25, 0.03);
			}
		}
		rtg_samples_free(&s);
		free(img.px);
	}

	/* max_pixels 0: every pixel */
	struct rtg_image img = make(300, 200);
	fill(&img, 0, 0, 300, 200, 1, 2, 3, 255);
	struct rtg_samples s;
	char err[RTG_ERRLEN];
	T_CHECK(rtg_sample(&img, RTG_SPACE_CIELAB, 0, &s, err) == 0, "%s", err);
	T_CHECK(s.visited == 60000 && s.n == 1, "budget 0 visits all: %llu",
	        (unsigned long long)s.visited);
	rtg_samples_free(&s);
	free(img.px);
}

static uint32_t
bin_of(const float lin[3])
{
	double l[3] = { lin[0], lin[1], lin[2] };
	struct rtg_rgb8 c = rtg_lin_to_rgb8(l);
	return (uint32_t)(c.r >> 3) << 10 | (uint32_t)(c.g >> 3) << 5 | (uint32_t)(c.b >> 3);
}

/* A real photograph: the histogram loses nothing (weighted mean of the
 * samples == mean over all pixels), the output is ordered by bin and
 * identical run to run. */
static void
test_photo(void)
{
	const char *dir = getenv("FIXTURES");
	if (dir == NULL)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/photo-ladybird.jpg", dir);
	FILE *f = fopen(path, "rb");
	T_CHECK(f != NULL, "%s", path);
	if (f == NULL)
		return;
	static uint8_t buf[1 << 20];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	struct rtg_image img;
	char err[RTG_ERRLEN];
	T_CHECK(rtg_image_decode(buf, len, NULL, 0, &img, err) == 0, "%s", err);
	if (img.px == NULL)
		return;

	double mean[3] = { 0, 0, 0 };
	size_t npx = (size_t)img.width * img.height;
	for (size_t i = 0; i < npx; i++)
		for (int c = 0; c < 3; c++)
			mean[c] += lin8(img.px[i * 4 + c]);
	for (int c = 0; c < 3; c++)
		mean[c] /= (double)npx;

	struct rtg_samples a, b;
	T_CHECK(rtg_sample(&img, RTG_SPACE_CIELAB, 0, &a, err) == 0, "%s", err);
	T_CHECK(rtg_sample(&img, RTG_SPACE_CIELAB, 0, &b, err) == 0, "%s", err);
	T_CHECK(a.visited == npx, "all pixels");
	T_NEAR(a.total_weight, (double)npx, 1e-6);
	T_CHECK(a.n > 100 && a.n < npx, "%zu bins for %zu pixels", a.n, npx);
	double m[3] = { 0, 0, 0 };
	for (size_t i = 0; i < a.n; i++)
		for (int c = 0; c < 3; c++)
			m[c] += (double)a.lin[i][c] * a.w[i];
	for (int c = 0; c < 3; c++)
		T_NEAR(m[c] / a.total_weight, mean[c], 1e-5);

	int ordered = 1;
	for (size_t i = 1; i < a.n; i++)
		ordered &= bin_of(a.lin[i]) > bin_of(a.lin[i - 1]);
	T_CHECK(ordered, "samples in bin order");
	T_CHECK(a.n == b.n && memcmp(a.pts, b.pts, a.n * sizeof *a.pts) == 0 &&
	        memcmp(a.lin, b.lin, a.n * sizeof *a.lin) == 0 &&
	        memcmp(a.w, b.w, a.n * sizeof *a.w) == 0, "deterministic");
	rtg_samples_free(&b);

	/* another space: same bins, same weights, coordinates of that space */
	T_CHECK(rtg_sample(&img, RTG_SPACE_OKLAB, 0, &b, err) == 0, "%s", err);
	T_CHECK(b.n == a.n && memcmp(a.w, b.w, a.n * sizeof *a.w) == 0, "same bins");
	int same = 1;
	for (size_t i = 0; i < b.n && i < a.n; i++) {
		double l[3] = { b.lin[i][0], b.lin[i][1], b.lin[i][2] }, o[3];
		rtg_space_encode(RTG_SPACE_OKLAB, l, o);
		for (int c = 0; c < 3; c++)
			same &= fabs(o[c] - b.pts[i][c]) < 1e-5;
	}
	T_CHECK(same, "OKLab coordinates");
	rtg_samples_free(&b);

	/* a budget: fewer pixels visited, nearly the same mean */
	T_CHECK(rtg_sample(&img, RTG_SPACE_CIELAB, 10000, &b, err) == 0, "%s", err);
	T_CHECK(b.visited <= 10000 && b.visited >= 9000, "visited %llu",
	        (unsigned long long)b.visited);
	double mb[3] = { 0, 0, 0 };
	for (size_t i = 0; i < b.n; i++)
		for (int c = 0; c < 3; c++)
			mb[c] += (double)b.lin[i][c] * b.w[i];
	for (int c = 0; c < 3; c++)
		T_NEAR(mb[c] / b.total_weight, mean[c], 0.01);
	rtg_samples_free(&b);
	rtg_samples_free(&a);
	rtg_image_free(&img);
}

static uint32_t
xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static int
same_samples(const struct rtg_samples *a, const struct rtg_samples *b)
{
	return a->n == b->n && memcmp(a->pts, b->pts, a->n * sizeof *a->pts) == 0 &&
	       memcmp(a->lin, b->lin, a->n * sizeof *a->lin) == 0 &&
	       memcmp(a->w, b->w, a->n * sizeof *a->w) == 0 &&
	       a->total_weight == b->total_weight;
}

/* Opaque runs have a fast path (no multiply by alpha, whole blocks of
 * pixels); other pixels the generic one.  Both must give the same sums to
 * the bit: the same opaque pixels sampled alone, and interleaved with
 * transparent pixels (which count nothing but send every block down the
 * generic path), give byte-identical samples. */
static void
test_paths(void)
{
	/* 1000 x 3 opaque pixels from 40 colours, several bins, each with
	 * hundreds of pixels (more than any 32-bit shortcut could hold) */
	const uint32_t w = 1000, h = 3;
	struct rtg_image op = make(w, h), mix = make(2 * w + 1, h);
	uint32_t x = 12345;
	uint8_t pal[40][3];
	for (int i = 0; i < 40; i++)
		for (int c = 0; c < 3; c++)
			pal[i][c] = (uint8_t)xorshift(&x);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t i = 0; i < w; i++) {
			const uint8_t *c = pal[xorshift(&x) % 40];
			put(&op, i, y, c[0], c[1], c[2], 255);
			put(&mix, 2 * i, y, c[0], c[1], c[2], 255);
			put(&mix, 2 * i + 1, y, c[2], c[0], c[1], 0);
		}
	struct rtg_samples a, b;
	char err[RTG_ERRLEN];
	T_CHECK(rtg_sample(&op, RTG_SPACE_CIELAB, 0, &a, err) == 0, "%s", err);
	T_CHECK(rtg_sample(&mix, RTG_SPACE_CIELAB, 0, &b, err) == 0, "%s", err);
	T_CHECK(a.n > 20 && a.n <= 40, "%zu bins", a.n);
	T_CHECK(same_samples(&a, &b), "opaque fast path == generic path");
	T_NEAR(a.total_weight, (double)w * h, 1e-9);
	rtg_samples_free(&b);

	/* the same through the grid (cell centres: the odd columns and rows of
	 * an image twice the size): gathered rows take the same paths */
	struct rtg_image big = make(2 * w, 2 * h);
	fill(&big, 0, 0, 2 * w, 2 * h, 255, 255, 255, 255);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t i = 0; i < w; i++) {
			const uint8_t *p = op.px + ((size_t)y * w + i) * 4;
			put(&big, 2 * i + 1, 2 * y + 1, p[0], p[1], p[2], 255);
			put(&big, 2 * i, 2 * y + 1, 0, 0, 0, 255);
		}
	T_CHECK(rtg_sample(&big, RTG_SPACE_CIELAB, (uint64_t)w * h, &b, err) == 0, "%s", err);
	T_CHECK(b.visited == (uint64_t)w * h, "grid %llu", (unsigned long long)b.visited);
	T_CHECK(same_samples(&a, &b), "grid visits the same pixels");
	rtg_samples_free(&b);
	rtg_samples_free(&a);

	/* one row mixing alpha 0, 128 and 255 in one bin, more than a block
	 * long, with an opaque block before it: the sums are exact */
	struct rtg_image row = make(600, 1);
	double num = 0, den = 0;
	for (uint32_t i = 0; i < 600; i++) {
		uint8_t v = (uint8_t)(80 + xorshift(&x) % 8); /* one bin: 80..87 */
		uint8_t al = i < 256 ? 255 : (uint8_t)(i % 3 == 0 ? 0 : i % 3 == 1 ? 128 : 255);
		put(&row, i, 0, v, v, v, al);
		num += lin8(v) * al;
		den += al;
	}
	T_CHECK(rtg_sample(&row, RTG_SPACE_RGB, 0, &a, err) == 0, "%s", err);
	T_CHECK(a.n == 1, "one bin, got %zu", a.n);
	if (a.n == 1) {
		T_NEAR(a.lin[0][0], num / den, 1e-7);
		T_NEAR(a.w[0], den / 255, 1e-3);
	}
	T_NEAR(a.total_weight, den / 255, 1e-9);
	rtg_samples_free(&a);

	/* and fully transparent blocks in a mostly opaque image: skipped */
	fill(&op, 0, 0, w, 1, 9, 9, 9, 0);
	T_CHECK(rtg_sample(&op, RTG_SPACE_CIELAB, 0, &a, err) == 0, "%s", err);
	T_NEAR(a.total_weight, (double)w * (h - 1), 1e-9);
	rtg_samples_free(&a);
	free(op.px);
	free(mix.px);
	free(big.px);
	free(row.px);
}

int
main(void)
{
	test_bin_mean();
	test_alpha();
	test_grid();
	test_photo();
	test_paths();
	return t_done();
}
