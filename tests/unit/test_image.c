/* test_image.c - decoding: every fixture format, crashers, limits, WebP,
 * scaled JPEG decoding. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <stb_image.h>
#ifdef HAVE_JPEG
#include "t_jpeg.h"
#endif

#include "image.h"
#include "jpegprog.h"
#include "png.h"
#include "status.h"
#include "t.h"
#include "t_grid.h"

static const char *fixtures;

/* Decodes a fixture; on failure reports it and returns the status. */
static int
load(const char *name, uint64_t min_pixels, const struct rtg_limits *lim,
     struct rtg_image *img, char *err)
{
	size_t len;
	uint8_t *buf = t_slurp(fixtures, name, &len);
	err[0] = '\0';
	int st = rtg_image_decode(buf, len, lim, min_pixels, img, err);
	free(buf);
	return st;
}

static const uint8_t *
px_at(const struct rtg_image *img, uint32_t x, uint32_t y)
{
	return img->px + ((size_t)y * img->width + x) * 4;
}

/* Every pixel equals rgba exactly.  Returns the number of mismatches. */
static size_t
count_not(const struct rtg_image *img, uint8_t r, uint8_t g, uint8_t b, uint8_t a)
{
	size_t bad = 0;
	for (size_t i = 0; i < (size_t)img->width * img->height; i++) {
		const uint8_t *p = img->px + i * 4;
		bad += p[0] != r || p[1] != g || p[2] != b || p[3] != a;
	}
	return bad;
}

static int
maxdiff(const uint8_t *p, uint8_t r, uint8_t g, uint8_t b)
{
	int d = abs(p[0] - r), e = abs(p[1] - g), f = abs(p[2] - b);
	return d > e ? (d > f ? d : f) : (e > f ? e : f);
}

static void
test_flat(void)
{
	static const struct {
		const char *name;
		uint8_t r, g, b;
	} cases[] = {
		{ "black.png", 0, 0, 0 },
		{ "white.png", 255, 255, 255 },
		{ "grey.png", 0x80, 0x80, 0x80 },
		{ "red.png", 0xd0, 0x20, 0x2c },
		/* 16-bit PNG 0x4000 0x8000 0xc000 comes out as 8-bit values */
		{ "rgb16.png", 0x40, 0x80, 0xc0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rtg_image img;
		char err[RTG_ERRLEN];
		int st = load(cases[i].name, 0, NULL, &img, err);
		T_CHECK(st == 0, "%s: %s", cases[i].name, err);
		if (st)
			continue;
		uint32_t w = strcmp(cases[i].name, "rgb16.png") == 0 ? 48 : 64;
		uint32_t h = strcmp(cases[i].name, "rgb16.png") == 0 ? 32 : 64;
		T_CHECK(img.width == w && img.height == h, "%s: %ux%u", cases[i].name,
		        img.width, img.height);
		T_CHECK(img.full_width == w && img.full_height == h, "%s", cases[i].name);
		T_CHECK(strcmp(img.format, "png") == 0, "%s: format %s", cases[i].name, img.format);
		/* png.c's fast path when built (test_png compares it with stb) */
		T_CHECK(rtg_png_available() ? img.decoder == rtg_png_decoder ||
		                              img.decoder == rtg_png_stream_decoder :
		        strcmp(img.decoder, "stb_image") == 0,
		        "%s: decoder %s", cases[i].name, img.decoder);
		T_CHECK(img.scale_denom == 1, "%s", cases[i].name);
		size_t bad = count_not(&img, cases[i].r, cases[i].g, cases[i].b, 255);
		T_CHECK(bad == 0, "%s: %zu pixels differ from #%02x%02x%02x", cases[i].name,
		        bad, cases[i].r, cases[i].g, cases[i].b);
		rtg_image_free(&img);
		T_CHECK(img.px == NULL, "free clears px");
	}
}

/* Left half #1e3a8a, right half #f59e0b, in every lossless container. */
static void
test_two_colours(void)
{
	static const char *const names[] = {
		"two-colours.png", "palette.png", "two-colours.bmp", "two-colours.gif",
		"two-colours.webp",
	};
	static const char *const formats[] = { "png", "png", "bmp", "gif", "webp" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct rtg_image img;
		char err[RTG_ERRLEN];
		int st = load(names[i], 0, NULL, &img, err);
#ifndef HAVE_WEBP
		if (strcmp(formats[i], "webp") == 0) {
			T_CHECK(st == RTG_ERR_UNSUPPORTED, "%s: %d %s", names[i], st, err);
			T_CHECK(strstr(err, "WebP not supported in this build") != NULL, "%s", err);
			T_CHECK(img.px == NULL, "no pixels");
			continue;
		}
#endif
		T_CHECK(st == 0, "%s: %s", names[i], err);
		if (st)
			continue;
		T_CHECK(strcmp(img.format, formats[i]) == 0, "%s: format %s", names[i], img.format);
		T_CHECK(img.width == 64 && img.height == 64, "%s: %ux%u", names[i], img.width,
		        img.height);
		size_t bad = 0;
		for (uint32_t y = 0; y < 64; y++)
			for (uint32_t x = 0; x < 64; x++) {
				const uint8_t *p = px_at(&img, x, y);
				bad += x < 32 ? (p[0] != 0x1e || p[1] != 0x3a || p[2] != 0x8a)
				              : (p[0] != 0xf5 || p[1] != 0x9e || p[2] != 0x0b);
				bad += p[3] != 255;
			}
		T_CHECK(bad == 0, "%s: %zu wrong pixels", names[i], bad);
		rtg_image_free(&img);
	}
}

static void
test_gradient_interlaced(void)
{
	struct rtg_image a, b;
	char err[RTG_ERRLEN];
	T_CHECK(load("gradient.png", 0, NULL, &a, err) == 0, "%s", err);
	T_CHECK(load("interlaced.png", 0, NULL, &b, err) == 0, "%s", err);
	if (a.px == NULL || b.px == NULL)
		return;
	T_CHECK(a.width == 256 && a.height == 32, "%ux%u", a.width, a.height);
	T_CHECK(b.width == a.width && b.height == a.height, "same size");
	T_CHECK(memcmp(a.px, b.px, (size_t)a.width * a.height * 4) == 0,
	        "Adam7 PNG decodes to the same pixels as the plain one");
	/* red falls and blue rises from left to right, on every row */
	int mono = 1;
	for (uint32_t y = 0; y < a.height; y++)
		for (uint32_t x = 1; x < a.width; x++) {
			const uint8_t *p = px_at(&a, x, y), *q = px_at(&a, x - 1, y);
			mono &= p[0] <= q[0] && p[2] >= q[2];
		}
	T_CHECK(mono, "gradient is monotonic");
	T_CHECK(px_at(&a, 0, 0)[0] >= 250 && px_at(&a, 0, 0)[2] <= 5, "left is red");
	T_CHECK(px_at(&a, 255, 0)[2] >= 250 && px_at(&a, 255, 0)[0] <= 5, "right is blue");
	rtg_image_free(&a);
	rtg_image_free(&b);
}

static void
test_grey(void)
{
	struct rtg_image png, jpg;
	char err[RTG_ERRLEN];
	T_CHECK(load("grey8.png", 0, NULL, &png, err) == 0, "%s", err);
	T_CHECK(load("grey8.jpg", 0, NULL, &jpg, err) == 0, "%s", err);
	if (png.px == NULL || jpg.px == NULL)
		return;
	T_CHECK(png.width == 256 && png.height == 16, "%ux%u", png.width, png.height);
	T_CHECK(jpg.width == 256 && jpg.height == 16, "%ux%u", jpg.width, jpg.height);
	T_CHECK(strcmp(jpg.format, "jpeg") == 0, "%s", jpg.format);
	int grey = 1, ramp = 1, close = 1;
	for (uint32_t x = 0; x < 256; x++) {
		const uint8_t *p = px_at(&png, x, 8), *q = px_at(&jpg, x, 8);
		grey &= p[0] == p[1] && p[1] == p[2] && p[3] == 255;
		grey &= q[0] == q[1] && q[1] == q[2] && q[3] == 255;
		if (x > 0)
			ramp &= p[0] >= px_at(&png, x - 1, 8)[0];
		close &= abs(p[0] - q[0]) <= 6;
	}
	T_CHECK(grey, "grey PNG and one-component JPEG give r == g == b, opaque");
	T_CHECK(ramp, "grey ramp rises");
	T_CHECK(px_at(&png, 0, 0)[0] == 0 && px_at(&png, 255, 0)[0] == 255, "ramp 0..255");
	T_CHECK(close, "grey JPEG within 6 levels of the PNG");
	rtg_image_free(&png);
	rtg_image_free(&jpg);
}

static void
test_alpha(void)
{
	struct rtg_image img;
	char err[RTG_ERRLEN];

	/* grey + alpha: grey 0x60 everywhere, alpha rising 0 -> 255 */
	T_CHECK(load("grey-alpha.png", 0, NULL, &img, err) == 0, "%s", err);
	if (img.px != NULL) {
		T_CHECK(img.width == 256 && img.height == 16, "%ux%u", img.width, img.height);
		int ok = 1;
		for (uint32_t x = 0; x < 256; x++) {
			const uint8_t *p = px_at(&img, x, 3);
			ok &= p[0] == 0x60 && p[1] == 0x60 && p[2] == 0x60;
			if (x > 0)
				ok &= p[3] >= px_at(&img, x - 1, 3)[3];
		}
		T_CHECK(ok, "grey+alpha: colour kept, alpha ramp monotonic");
		T_CHECK(px_at(&img, 0, 0)[3] == 0 && px_at(&img, 255, 0)[3] == 255,
		        "alpha %d..%d", px_at(&img, 0, 0)[3], px_at(&img, 255, 0)[3]);
		rtg_image_free(&img);
	}

	/* RGBA: transparent canvas, opaque red square, half-transparent blue bar */
	T_CHECK(load("rgba.png", 0, NULL, &img, err) == 0, "%s", err);
	if (img.px != NULL) {
		size_t transparent = 0;
		for (size_t i = 0; i < 64 * 64; i++)
			transparent += img.px[i * 4 + 3] == 0;
		/* 64*64 - 32*32 square - 64*8 bar */
		T_CHECK(transparent == 64 * 64 - 32 * 32 - 64 * 8, "%zu transparent", transparent);
		T_CHECK(px_at(&img, 0, 0)[3] == 0 && px_at(&img, 63, 20)[3] == 0, "corners clear");
		const uint8_t *c = px_at(&img, 32, 32);
		T_CHECK(c[0] == 0xd0 && c[1] == 0x20 && c[2] == 0x2c && c[3] == 255,
		        "centre %02x%02x%02x/%d", c[0], c[1], c[2], c[3]);
		const uint8_t *bar = px_at(&img, 10, 60);
		T_CHECK(bar[2] == 255 && bar[0] == 0 && abs(bar[3] - 128) <= 1, "bar %d/%d",
		        bar[2], bar[3]);
		rtg_image_free(&img);
	}
}

static void
test_gif_first_frame(void)
{
	struct rtg_image img;
	char err[RTG_ERRLEN];
	T_CHECK(load("anim.gif", 0, NULL, &img, err) == 0, "%s", err);
	if (img.px == NULL)
		return;
	T_CHECK(img.width == 32 && img.height == 32, "%ux%u", img.width, img.height);
	T_CHECK(strcmp(img.format, "gif") == 0, "%s", img.format);
	T_CHECK(count_not(&img, 255, 0, 0, 255) == 0, "first frame (red) only");
	rtg_image_free(&img);
}

/* Mean absolute difference per channel between two same-size decodes. */
static double
mean_absdiff(const uint8_t *a, const uint8_t *b, size_t npx)
{
	uint64_t s = 0;
	for (size_t i = 0; i < npx * 4; i++)
		s += (uint64_t)abs(a[i] - b[i]);
	return (double)s / (double)(npx * 4);
}

static void
test_cmyk(void)
{
	struct rtg_image img;
	char err[RTG_ERRLEN];
	T_CHECK(load("cmyk.jpg", 0, NULL, &img, err) == 0, "%s", err);
	if (img.px == NULL)
		return;
	T_CHECK(img.width == 64 && img.height == 64, "%ux%u", img.width, img.height);
	/* the two colours survive CMYK + JPEG to within a few levels */
	const uint8_t *l = px_at(&img, 8, 32), *r = px_at(&img, 56, 32);
	T_CHECK(maxdiff(l, 0x1e, 0x3a, 0x8a) <= 12, "left %02x%02x%02x", l[0], l[1], l[2]);
	T_CHECK(maxdiff(r, 0xf5, 0x9e, 0x0b) <= 12, "right %02x%02x%02x", r[0], r[1], r[2]);
	T_CHECK(l[3] == 255 && r[3] == 255, "opaque");

	/* whichever decoder ran, it agrees with stb_image's CMYK handling */
	size_t len;
	uint8_t *buf = t_slurp(fixtures, "cmyk.jpg", &len);
	int w, h, n;
	uint8_t *ref = stbi_load_from_memory(buf, (int)len, &w, &h, &n, 4);
	T_CHECK(ref != NULL && w == 64 && h == 64, "stb_image reads cmyk.jpg");
	if (ref != NULL) {
		double d = mean_absdiff(img.px, ref, 64 * 64);
		T_CHECK(d < 2.0, "decoder (%s) vs stb_image: mean |diff| %.2f", img.decoder, d);
	}
	stbi_image_free(ref);
	free(buf);
	rtg_image_free(&img);
}

/* Real photographs: right size, opaque, not flat, and (for JPEG) the same
 * picture stb_image sees. */
static void
test_photos(void)
{
	static const struct {
		const char *name, *format;
		uint32_t w, h;
	} cases[] = {
		{ "photo-ladybird.jpg", "jpeg", 400, 250 },
		{ "photo-flower-progressive.jpg", "jpeg", 256, 160 },
		{ "photo-storm.jpg", "jpeg", 300, 200 },
		{ "photo-elephants.png", "png", 160, 108 },
		{ "photo-garden.webp", "webp", 160, 125 },
		{ "album-dune.jpg", "jpeg", 600, 600 },
		{ "album-twowings-progressive.jpg", "jpeg", 600, 600 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rtg_image img;
		char err[RTG_ERRLEN];
		int st = load(cases[i].name, 0, NULL, &img, err);
#ifndef HAVE_WEBP
		if (strcmp(cases[i].format, "webp") == 0) {
			T_CHECK(st == RTG_ERR_UNSUPPORTED, "%s: %d", cases[i].name, st);
			continue;
		}
#endif
		T_CHECK(st == 0, "%s: %s", cases[i].name, err);
		if (st)
			continue;
		T_CHECK(img.width == cases[i].w && img.height == cases[i].h, "%s: %ux%u",
		        cases[i].name, img.width, img.height);
		T_CHECK(strcmp(img.format, cases[i].format) == 0, "%s: %s", cases[i].name,
		        img.format);
		size_t npx = (size_t)img.width * img.height, opaque = 0;
		double sum = 0, sum2 = 0;
		for (size_t k = 0; k < npx; k++) {
			const uint8_t *p = img.px + k * 4;
			opaque += p[3] == 255;
			double l = (p[0] + p[1] + p[2]) / 3.0;
			sum += l;
			sum2 += l * l;
		}
		double mean = sum / npx, sd = sqrt(sum2 / npx - mean * mean);
		T_CHECK(opaque == npx, "%s: %zu of %zu opaque", cases[i].name, opaque, npx);
		T_CHECK(sd > 10 && mean > 10 && mean < 245, "%s: mean %.1f sd %.1f",
		        cases[i].name, mean, sd);
#ifdef HAVE_JPEG
		if (strcmp(cases[i].format, "jpeg") == 0)
			T_CHECK(strcmp(img.decoder, "libjpeg-turbo") == 0, "%s: %s", cases[i].name,
			        img.decoder);
#endif
		if (strcmp(cases[i].format, "jpeg") == 0) {
			size_t len;
			uint8_t *buf = t_slurp(fixtures, cases[i].name, &len);
			int w, h, n;
			uint8_t *ref = stbi_load_from_memory(buf, (int)len, &w, &h, &n, 4);
			T_CHECK(ref != NULL && (uint32_t)w == img.width && (uint32_t)h == img.height,
			        "%s: stb_image", cases[i].name);
			if (ref != NULL) {
				/* IDCT and chroma upsampling differ slightly between decoders */
				double d = mean_absdiff(img.px, ref, npx);
				T_CHECK(d < 2.5, "%s: %s vs stb_image mean |diff| %.2f", cases[i].name,
				        img.decoder, d);
			}
			stbi_image_free(ref);
			free(buf);
		}
		rtg_image_free(&img);
	}
}

static void
test_crashers(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/../crashers", fixtures);
	static const struct {
		const char *name;
		int want;
	} cases[] = {
		{ "empty.png", RTG_ERR_FORMAT },
		{ "text.txt", RTG_ERR_FORMAT },
		{ "truncated.jpg", RTG_ERR_DECODE },
		{ "truncated.png", RTG_ERR_DECODE },
		{ "corrupt-idat.png", RTG_ERR_DECODE },
		{ "huge-100000x100000.png", RTG_ERR_LIMIT },
		{ "huge-16384x16384.png", RTG_ERR_LIMIT },
		{ "huge-65535x65535.jpg", RTG_ERR_LIMIT },
		{ "huge.bmp", RTG_ERR_LIMIT },
		{ "huge.gif", RTG_ERR_LIMIT },
		{ "truncated.gif", RTG_ERR_DECODE },
		{ "truncated.bmp", RTG_ERR_DECODE },
		{ "image.tga", RTG_ERR_FORMAT },
#ifdef HAVE_WEBP
		{ "zero-length.webp", RTG_ERR_DECODE },
		{ "truncated.webp", RTG_ERR_DECODE },
#else
		{ "zero-length.webp", RTG_ERR_UNSUPPORTED },
		{ "truncated.webp", RTG_ERR_UNSUPPORTED },
#endif
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		uint8_t *buf = t_slurp(dir, cases[i].name, &len);
		struct rtg_image img;
		char err[RTG_ERRLEN] = "";
		int st = rtg_image_decode(buf, len, NULL, 0, &img, err);
		T_CHECK(st == cases[i].want, "%s: status %d (%s), want %d", cases[i].name, st,
		        err, cases[i].want);
		T_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL, "%s: one-line message",
		        cases[i].name);
		T_CHECK(img.px == NULL && img.width == 0, "%s: no pixels on failure",
		        cases[i].name);
		rtg_image_free(&img); /* harmless on a failed decode */
		free(buf);
	}
	/* the declared size is in the message */
	size_t len;
	uint8_t *buf = t_slurp(dir, "huge-100000x100000.png", &len);
	struct rtg_image img;
	char err[RTG_ERRLEN];
	rtg_image_decode(buf, len, NULL, 0, &img, err);
	T_CHECK(strstr(err, "100000x100000") != NULL, "%s", err);
	free(buf);
	/* NULL buffer */
	T_CHECK(rtg_image_decode(NULL, 0, NULL, 0, &img, err) == RTG_ERR_FORMAT, "NULL");
}

/* Every strict prefix of a file is refused (cut files must not decode to a
 * half-grey picture), and corrupted copies give a status and a message or
 * an image, never a crash (CI also runs this under ASan/UBSan). */
static void
test_robust(void)
{
	/* slack: trailing bytes that decoding does not need (a PNG's IEND CRC,
	 * the GIF trailer after the first image) */
	static const struct {
		const char *name;
		size_t slack;
	} files[] = {
		{ "photo-storm.jpg", 0 }, { "photo-flower-progressive.jpg", 0 }, { "cmyk.jpg", 0 },
		{ "photo-elephants.png", 4 }, { "interlaced.png", 4 }, { "two-colours.gif", 1 },
		{ "two-colours.bmp", 0 }, { "photo-garden.webp", 0 },
	};
	uint64_t seed = 0x9e3779b97f4a7c15u;
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		const char *name = files[f].name;
		size_t len;
		uint8_t *buf = t_slurp(fixtures, name, &len);
		uint8_t *copy = malloc(len);
		int bad = 0, decoded = 0;
		size_t step = len / 150 + 1;
		for (size_t cut = 0; cut < len; cut = cut + step < len ? cut + step : len - 1) {
			struct rtg_image img;
			char err[RTG_ERRLEN] = "";
			memcpy(copy, buf, cut);
			int st = rtg_image_decode(copy, cut, NULL, 0, &img, err);
#ifndef HAVE_WEBP
			if (st == RTG_ERR_UNSUPPORTED)
				st = RTG_ERR_DECODE;
#endif
			if (cut + files[f].slack < len) {
				decoded += st == 0;
				bad += (st != RTG_ERR_DECODE && st != RTG_ERR_FORMAT) || err[0] == '\0';
			} else {
				bad += st != 0 && err[0] == '\0';
			}
			rtg_image_free(&img);
			if (cut == len - 1)
				break;
		}
		T_CHECK(bad == 0 && decoded == 0, "%s: %d prefixes decoded, %d wrong statuses",
		        name, decoded, bad);
		bad = 0;
		for (int round = 0; round < 60; round++) {
			memcpy(copy, buf, len);
			for (int k = 0; k < 4; k++) {
				seed = seed * 6364136223846793005u + 1442695040888963407u;
				copy[(seed >> 33) % len] ^= (uint8_t)(seed >> 17) | 1;
			}
			struct rtg_image img;
			char err[RTG_ERRLEN] = "";
			int st = rtg_image_decode(copy, len, NULL, 4096, &img, err);
			bad += st > 0 || (st < 0 && err[0] == '\0') || (st == 0 && img.px == NULL);
			rtg_image_free(&img);
		}
		T_CHECK(bad == 0, "%s: %d inconsistent results on corrupt copies", name, bad);
		free(copy);
		free(buf);
	}
}

static void
test_limits(void)
{
	struct rtg_limits lim;
	struct rtg_image img;
	char err[RTG_ERRLEN];

	rtg_limits_default(&lim);
	T_CHECK(lim.max_dimension == RTG_MAX_DIMENSION_DEFAULT &&
	        lim.max_pixels == RTG_MAX_PIXELS_DEFAULT && lim.max_bytes == RTG_MAX_BYTES_DEFAULT,
	        "defaults");

	lim.max_dimension = 63;
	T_CHECK(load("grey.png", 0, &lim, &img, err) == RTG_ERR_LIMIT, "64 px > 63: %s", err);
	T_CHECK(strstr(err, "64x64") != NULL && strstr(err, "63") != NULL, "%s", err);
	lim.max_dimension = 64;
	T_CHECK(load("grey.png", 0, &lim, &img, err) == 0, "64 px <= 64: %s", err);
	rtg_image_free(&img);

	rtg_limits_default(&lim);
	lim.max_pixels = 64 * 64 - 1;
	T_CHECK(load("grey.png", 0, &lim, &img, err) == RTG_ERR_LIMIT, "pixels: %s", err);
	lim.max_pixels = 64 * 64;
	T_CHECK(load("grey.png", 0, &lim, &img, err) == 0, "pixels at limit: %s", err);
	rtg_image_free(&img);

	rtg_limits_default(&lim);
	lim.max_bytes = 100; /* grey.png is 176 bytes */
	T_CHECK(load("grey.png", 0, &lim, &img, err) == RTG_ERR_LIMIT, "bytes: %s", err);

	/* the limit is checked from the header, before decoding: a file whose
	 * pixel data is corrupt fails on its size, not on the corruption */
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/../crashers", fixtures);
	size_t len;
	uint8_t *buf = t_slurp(dir, "corrupt-idat.png", &len);
	rtg_limits_default(&lim);
	lim.max_dimension = 100; /* the file is 160x108 */
	T_CHECK(rtg_image_decode(buf, len, &lim, 0, &img, err) == RTG_ERR_LIMIT,
	        "limit before decode: %s", err);
	free(buf);
	buf = t_slurp(dir, "truncated.jpg", &len);
	T_CHECK(rtg_image_decode(buf, len, &lim, 0, &img, err) == RTG_ERR_LIMIT,
	        "JPEG limit before decode: %s", err);
	free(buf);

	/* each format's header is read for the limit */
	static const char *const names[] = { "photo-ladybird.jpg", "photo-flower-progressive.jpg",
	                                     "two-colours.gif", "two-colours.bmp",
	                                     "photo-garden.webp" };
	rtg_limits_default(&lim);
	lim.max_dimension = 32;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		int st = load(names[i], 0, &lim, &img, err);
#ifndef HAVE_WEBP
		if (strstr(names[i], ".webp")) {
			T_CHECK(st == RTG_ERR_UNSUPPORTED, "%s", names[i]);
			continue;
		}
#endif
		T_CHECK(st == RTG_ERR_LIMIT, "%s: %d %s", names[i], st, err);
	}
}

#ifdef HAVE_JPEG
/* Largest difference, in levels of any channel, between the means of
 * 10x10-pixel blocks of a 1/d-scale decode and the matching 10d x 10d
 * blocks of the full decode (every block that fits in both). */
static double
block_mean_diff(const struct rtg_image *full, const struct rtg_image *img, int d)
{
	double worst = 0;
	const uint32_t b = 10, fb = b * (uint32_t)d;
	for (uint32_t by = 0; (by + 1) * fb <= full->height && (by + 1) * b <= img->height; by++)
		for (uint32_t bx = 0; (bx + 1) * fb <= full->width && (bx + 1) * b <= img->width;
		     bx++) {
			double s[3] = { 0, 0, 0 }, f[3] = { 0, 0, 0 };
			for (uint32_t y = 0; y < b; y++)
				for (uint32_t x = 0; x < b; x++)
					for (int c = 0; c < 3; c++)
						s[c] += px_at(img, bx * b + x, by * b + y)[c];
			for (uint32_t y = 0; y < fb; y++)
				for (uint32_t x = 0; x < fb; x++)
					for (int c = 0; c < 3; c++)
						f[c] += px_at(full, bx * fb + x, by * fb + y)[c];
			for (int c = 0; c < 3; c++) {
				double e = fabs(s[c] / (b * b) - f[c] / (fb * fb));
				worst = e > worst ? e : worst;
			}
		}
	return worst;
}

/* Progressive JPEGs at reduced scale are decoded from the DC scans and the
 * AC first scans that scale reads, without AC refinement (jpegprog.c, or
 * libjpeg on a stream without those scans): still the same picture, and a
 * cut or corrupt file still fails. */
static void
test_progressive_reduced(void)
{
	struct rtg_image full, img;
	char err[RTG_ERRLEN];
	static const char *const names[] = { "album-twowings-progressive.jpg",
		                             "photo-flower-progressive.jpg" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		T_CHECK(load(names[i], 0, NULL, &full, err) == 0, "%s: %s", names[i], err);
		if (full.px == NULL)
			continue;
		size_t len;
		uint8_t *buf = t_slurp(fixtures, names[i], &len);
		for (int d = 2; d <= 8; d *= 2) {
			uint64_t want = (uint64_t)((full.width + (uint32_t)d - 1) / (uint32_t)d) *
			                ((full.height + (uint32_t)d - 1) / (uint32_t)d);
			int st = load(names[i], want, NULL, &img, err);
			T_CHECK(st == 0 && img.scale_denom == d, "%s 1/%d: %s", names[i], d, err);
			if (st)
				continue;
			T_CHECK(img.decoder == rtg_jpegprog_decoder, "%s", img.decoder);
			struct rtg_image ref = img;
			ref.px = t_libjpeg_decode(buf, len, d, &ref.width, &ref.height);
			T_CHECK(ref.px != NULL && ref.width == img.width && ref.height == img.height,
			        "%s 1/%d: libjpeg reference", names[i], d);
			if (ref.px == NULL) {
				rtg_image_free(&img);
				continue;
			}
			/* against libjpeg's decode of all scans at the same scale: the
			 * AC coefficients lost their lowest bits and the reduced IDCT
			 * and chroma upsampling differ, so pixels move a few levels
			 * (measured 0.7-3.2 on average) but not the picture */
			double mad = mean_absdiff(img.px, ref.px, (size_t)img.width * img.height);
			T_CHECK(mad < 5.0, "%s 1/%d: mean |diff| %.2f vs all scans", names[i], d, mad);
			/* against the full decode: hardly further than libjpeg's own
			 * scaling of all scans (measured at most 1.0 level further) */
			double dr = block_mean_diff(&full, &img, d), da = block_mean_diff(&full, &ref, d);
			T_CHECK(dr < da + 1.5, "%s 1/%d: block means %.2f levels from the full "
			        "decode, all scans %.2f", names[i], d, dr, da);
			printf("%s 1/%d: mean |diff| %.2f from all scans; block means %.2f from the "
			       "full decode (all scans %.2f)\n", names[i], d, mad, dr, da);
			free(ref.px);
			rtg_image_free(&img);
		}
		free(buf);
		rtg_image_free(&full);
	}

	/* every prefix of a progressive file fails at reduced scale too (the
	 * reduced stream is only built from a file that reaches EOI) */
	size_t len;
	uint8_t *buf = t_slurp(fixtures, "photo-flower-progressive.jpg", &len);
	int decoded = 0, bad = 0;
	for (size_t cut = 2; cut < len; cut += cut < 4096 ? 7 : 61) {
		int st = rtg_image_decode(buf, cut, NULL, 1, &img, err);
		decoded += st == 0;
		bad += st != RTG_ERR_DECODE && st != RTG_ERR_FORMAT;
		rtg_image_free(&img);
	}
	T_CHECK(decoded == 0 && bad == 0, "1/8 prefixes: %d decoded, %d wrong statuses",
	        decoded, bad);
	/* a dropped scan is cut out whole: a stream without EOI, or with a
	 * broken segment length, is decoded as it is (and here refused) */
	uint8_t *copy = malloc(len);
	if (copy != NULL) {
		memcpy(copy, buf, len);
		copy[len - 1] = 0x00; /* EOI gone */
		int st = rtg_image_decode(copy, len, NULL, 1, &img, err);
		T_CHECK(st == 0 || st == RTG_ERR_DECODE, "no EOI: %d %s", st, err);
		rtg_image_free(&img);
		free(copy);
	}
	free(buf);

	/* the separate minimum for 1/2 */
	static const struct {
		const char *name;
		uint64_t min_pixels, min_half;
		int denom;
	} cases[] = {
		{ "album-dune.jpg", 262144, 65536, 2 },
		{ "album-dune.jpg", 262144, 90000, 2 },
		{ "album-dune.jpg", 262144, 90001, 1 },
		{ "album-dune.jpg", 262144, 0, 1 },
		{ "album-dune.jpg", 0, 65536, 1 },     /* 0: always full size */
		{ "album-dune.jpg", 22500, 65536, 4 }, /* min_pixels allows more */
		{ "album-twowings-progressive.jpg", 262144, 65536, 2 },
		{ "photo-storm.jpg", 262144, 65536, 1 }, /* 300x200: 1/2 too small */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n;
		uint8_t *b = t_slurp(fixtures, cases[i].name, &n);
		int st = rtg_image_decode_scaled(b, n, NULL, cases[i].min_pixels,
		                                 cases[i].min_half, &img, err);
		T_CHECK(st == 0 && img.scale_denom == cases[i].denom,
		        "%s min %llu half %llu: 1/%d, want 1/%d", cases[i].name,
		        (unsigned long long)cases[i].min_pixels,
		        (unsigned long long)cases[i].min_half, img.scale_denom, cases[i].denom);
		rtg_image_free(&img);
		free(b);
	}
}
#endif

static void
test_scaled_jpeg(void)
{
	struct rtg_image full, img;
	char err[RTG_ERRLEN];

	/* min_pixels 0: always full size */
	T_CHECK(load("album-dune.jpg", 0, NULL, &full, err) == 0, "%s", err);
	if (full.px == NULL)
		return;
#ifdef HAVE_JPEG
	static const struct {
		const char *name;
		uint64_t min_pixels;
		int denom;
		uint32_t w, h;
	} cases[] = {
		/* 600x600: 1/2 = 90000 px, 1/4 = 22500 px, 1/8 = 5625 px */
		{ "album-dune.jpg", 262144, 1, 600, 600 },
		{ "album-dune.jpg", 90001, 1, 600, 600 },
		{ "album-dune.jpg", 90000, 2, 300, 300 },
		{ "album-dune.jpg", 22501, 2, 300, 300 },
		{ "album-dune.jpg", 22500, 4, 150, 150 },
		{ "album-dune.jpg", 5625, 8, 75, 75 },
		{ "album-dune.jpg", 1, 8, 75, 75 },
		{ "album-twowings-progressive.jpg", 22500, 4, 150, 150 },
		/* sizes that do not divide: libjpeg rounds up (400/8 = 50, 250/8 -> 32) */
		{ "photo-ladybird.jpg", 1, 8, 50, 32 },
		{ "photo-ladybird.jpg", 50 * 32 + 1, 4, 100, 63 },
		{ "photo-storm.jpg", 1, 8, 38, 25 },
		/* CMYK and grey JPEGs scale too */
		{ "cmyk.jpg", 64, 8, 8, 8 },
		{ "grey8.jpg", 1, 8, 32, 2 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = load(cases[i].name, cases[i].min_pixels, NULL, &img, err);
		T_CHECK(st == 0, "%s: %s", cases[i].name, err);
		if (st)
			continue;
		T_CHECK(img.scale_denom == cases[i].denom && img.width == cases[i].w &&
		        img.height == cases[i].h,
		        "%s min %llu: 1/%d %ux%u, want 1/%d %ux%u", cases[i].name,
		        (unsigned long long)cases[i].min_pixels, img.scale_denom, img.width,
		        img.height, cases[i].denom, cases[i].w, cases[i].h);
		T_CHECK((uint64_t)img.width * img.height >= cases[i].min_pixels,
		        "never below min_pixels");
		/* progressive files at reduced scale: jpegprog.c */
		T_CHECK(strcmp(img.decoder, strstr(cases[i].name, "progressive") != NULL
		                                ? rtg_jpegprog_decoder : "libjpeg-turbo") == 0,
		        "%s: %s", cases[i].name, img.decoder);
		T_CHECK(img.full_width * 1u >= img.width && img.full_width > 0, "full size kept");
		rtg_image_free(&img);
	}

	/* a scaled decode is the same picture: block means agree with the full
	 * decode's within a few levels */
	T_CHECK(load("album-dune.jpg", 22500, NULL, &img, err) == 0, "%s", err);
	if (img.px != NULL) {
		T_CHECK(img.full_width == 600 && img.full_height == 600, "declared size");
		double worst = 0;
		for (uint32_t by = 0; by < 150; by += 10)
			for (uint32_t bx = 0; bx < 150; bx += 10) {
				/* 10x10 scaled pixels = 40x40 full pixels */
				double s[3] = { 0, 0, 0 }, f[3] = { 0, 0, 0 };
				for (uint32_t y = 0; y < 10; y++)
					for (uint32_t x = 0; x < 10; x++)
						for (int c = 0; c < 3; c++)
							s[c] += px_at(&img, bx + x, by + y)[c];
				for (uint32_t y = 0; y < 40; y++)
					for (uint32_t x = 0; x < 40; x++)
						for (int c = 0; c < 3; c++)
							f[c] += px_at(&full, bx * 4 + x, by * 4 + y)[c];
				for (int c = 0; c < 3; c++) {
					double d = fabs(s[c] / 100 - f[c] / 1600);
					worst = d > worst ? d : worst;
				}
			}
		T_CHECK(worst < 4.0, "1/4-scale block means within %.2f levels", worst);
		rtg_image_free(&img);
	}
#else
	/* without libjpeg-turbo, JPEGs are always decoded at full size */
	T_CHECK(load("album-dune.jpg", 1, NULL, &img, err) == 0, "%s", err);
	T_CHECK(img.scale_denom == 1 && img.width == 600, "full size without libjpeg");
	T_CHECK(strcmp(img.decoder, "stb_image") == 0, "%s", img.decoder);
	rtg_image_free(&img);
#endif
	rtg_image_free(&full);
}

/* A progressive fixture declaring w x h and cut 20 bytes into its first
 * scan's data, then closed with EOI when eoi; *len: the bytes to decode.
 * NULL (a failed check) when the fixture has no SOF2 before an SOS. */
static uint8_t *
cut_progressive(unsigned w, unsigned h, bool eoi, size_t *len)
{
	size_t n;
	uint8_t *b = t_slurp(fixtures, "album-twowings-progressive.jpg", &n);
	size_t sof = 0, sos = 0;
	for (size_t i = 2; i + 9 < n && (sof == 0 || sos == 0); i++) {
		if (b[i] == 0xFF && b[i + 1] == 0xC2 && sof == 0)
			sof = i;
		if (b[i] == 0xFF && b[i + 1] == 0xDA && sos == 0)
			sos = i;
	}
	T_CHECK(sof > 0 && sos > sof, "SOF2 at %zu, SOS at %zu", sof, sos);
	if (sof == 0 || sos <= sof) {
		free(b);
		return NULL;
	}
	b[sof + 5] = (uint8_t)(h >> 8), b[sof + 6] = (uint8_t)h;
	b[sof + 7] = (uint8_t)(w >> 8), b[sof + 8] = (uint8_t)w;
	*len = sos + 2 + ((size_t)b[sos + 2] << 8 | b[sos + 3]) + 20;
	if (eoi) {
		b[*len] = 0xFF, b[*len + 1] = 0xD9;
		*len += 2;
	}
	return b;
}

/* rtg_image_decode_grid at the default budgets; *rose: how much the
 * process's peak RSS rose during it, in KiB (ru_maxrss). */
static int
decode_grid_rss(const uint8_t *b, size_t n, struct rtg_image *img, char *err, long *rose)
{
	struct rusage r0, r1;

	getrusage(RUSAGE_SELF, &r0);
	int st = rtg_image_decode_grid(b, n, NULL, RTG_SAMPLE_BUDGET_DEFAULT,
	                               RTG_DECODE_HALF_MIN_DEFAULT, RTG_SAMPLE_BUDGET_DEFAULT,
	                               img, err);
	getrusage(RUSAGE_SELF, &r1);
	*rose = r1.ru_maxrss - r0.ru_maxrss;
	return st;
}

/* A few hundred bytes of a progressive JPEG that declare 16384x4096 (the
 * default pixel limit) and end right after the first scan's header: an
 * error, without libjpeg's whole-image coefficient buffers (2 bytes per
 * coefficient at full size, ~200 MB here) and without stb_image's
 * full-size decode.  Run first, so the process's peak RSS says what this
 * decode took. */
static void
test_truncated_huge_progressive(void)
{
	size_t cut;
	uint8_t *b = cut_progressive(16384, 4096, false, &cut);
	if (b == NULL)
		return;

	struct rtg_image img;
	char err[RTG_ERRLEN] = "";
	long rose;
	int st = decode_grid_rss(b, cut, &img, err, &rose);
	T_CHECK(st == RTG_ERR_DECODE && strstr(err, "cannot be followed") != NULL,
	        "%zu-byte 16384x4096 progressive JPEG: %d (%s)", cut, st, err);
	if (st == 0)
		rtg_image_free(&img);
	/* ru_maxrss in KiB */
	T_CHECK(rose < 64 * 1024, "peak RSS rose by %ld KiB", rose);
	free(b);
}

/* The same data declaring 4096x4096 and closed with EOI: libjpeg decodes
 * it with warnings (its data end early), and its reduced-scale pixels are
 * kept; stb_image would decode it at full size with every coefficient
 * (~160 MB here, over the budget of the RGBA image + 16 MiB). */
static void
test_truncated_progressive_eoi(void)
{
#ifdef HAVE_JPEG
	size_t cut;
	uint8_t *b = cut_progressive(4096, 4096, true, &cut);
	if (b == NULL)
		return;

	struct rtg_image img;
	char err[RTG_ERRLEN] = "";
	long rose;
	int st = decode_grid_rss(b, cut, &img, err, &rose);
	T_CHECK(st == 0, "cut 4096x4096 progressive JPEG with EOI: %d (%s)", st, err);
	if (st == 0) {
		T_CHECK(strcmp(img.decoder, "libjpeg-turbo") == 0 && img.scale_denom > 1,
		        "decoded by %s at 1/%d", img.decoder, img.scale_denom);
		rtg_image_free(&img);
	}
	T_CHECK(rose < 4096 * 4096 * 4 / 1024 + 16 * 1024, "peak RSS rose by %ld KiB", rose);
	free(b);
#endif
}

/* Every fixture, decoded keeping only the sampler's grid, at budgets that
 * do and do not make the JPEG decoders scale: the grid of the whole
 * decode, the same samples; the decoders with a grid path (libjpeg-turbo,
 * the progressive decoder, PNG) use it. */
static void
test_grid(void)
{
	static const char *const names[] = {
		"album-dune.jpg", "album-twowings-progressive.jpg", "anim.gif", "black.png",
		"cmyk.jpg", "gradient.png", "grey-alpha.png", "grey.png", "grey8.jpg",
		"grey8.png", "interlaced.png", "noise.png", "palette.png", "photo-elephants.png",
		"photo-flower-progressive.jpg", "photo-garden.webp", "photo-ladybird.jpg",
		"photo-storm.jpg", "red.png", "rgb16.png", "rgba.png", "two-colours.bmp",
		"two-colours.gif", "two-colours.png", "two-colours.webp", "white.png",
	};
	static const uint64_t budgets[][2] = { /* min_pixels, grid */
		{ 0, 777 }, { 777, 777 }, { 5000, 5000 }, { 0, RTG_SAMPLE_BUDGET_DEFAULT },
		{ 20000, 20000 },
	};
	int active[3] = { 0, 0, 0 }; /* libjpeg-turbo, progressive, PNG */
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t len;
		uint8_t *buf = t_slurp(fixtures, names[i], &len);
		for (size_t k = 0; k < sizeof budgets / sizeof budgets[0]; k++) {
			char name[96];
			snprintf(name, sizeof name, "%s (min %llu, grid %llu)", names[i],
			         (unsigned long long)budgets[k][0], (unsigned long long)budgets[k][1]);
			struct rtg_image img;
			char err[RTG_ERRLEN];
			if (rtg_image_decode_grid(buf, len, NULL, budgets[k][0], 0, budgets[k][1], &img,
			                          err) != 0)
				continue;
			const char *dec = img.decoder;
			rtg_image_free(&img);
			int a = t_grid_check(name, buf, len, budgets[k][0], budgets[k][1]);
			T_CHECK(a >= 0, "%s: decodes once, not twice", name);
			if (a == 1)
				active[strcmp(dec, "libjpeg-turbo") == 0 ? 0 :
				       strcmp(dec, rtg_jpegprog_decoder) == 0 ? 1 : 2]++;
		}
		free(buf);
	}
#ifdef HAVE_JPEG
	T_CHECK(active[0] > 0 && active[1] > 0, "grid kept by libjpeg-turbo %d times, by the "
	        "progressive decoder %d times", active[0], active[1]);
#endif
	if (rtg_png_available())
		T_CHECK(active[2] > 0, "grid kept by the PNG decoder %d times", active[2]);
}

int
main(void)
{
	fixtures = getenv("FIXTURES");
	if (fixtures == NULL) {
		fprintf(stderr, "FIXTURES not set\n");
		return 77;
	}
	test_truncated_huge_progressive();
	test_truncated_progressive_eoi();
	test_flat();
	test_two_colours();
	test_gradient_interlaced();
	test_grey();
	test_alpha();
	test_gif_first_frame();
	test_cmyk();
	test_photos();
	test_crashers();
	test_robust();
	test_limits();
	test_scaled_jpeg();
#ifdef HAVE_JPEG
	test_progressive_reduced();
#endif
	test_grid();
	return t_done();
}
