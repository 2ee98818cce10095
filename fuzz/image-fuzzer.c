/* image-fuzzer.c - rtg_image_decode_scaled, then rtg_sample on what it
 * decoded; and rtg_image_decode_grid, which must keep exactly the
 * sampler's grid of that decode and give the same samples.
 *
 * The input is the image file itself (no prefix), so a crash reproduces
 * with the command line too.  The decoder's pixel budget (min_pixels), the
 * JPEG half-scale minimum and the working space come from the input's
 * length, so the corpus reaches the scaled JPEG and decimated PNG paths and
 * every space without a header byte; limits are small enough (4096 per side,
 * 4 Mpx) that the fuzzer never runs out of memory.
 *
 * PNGs decoded by png.c are also decoded by stb_image and must agree pixel
 * for pixel at the sampled positions (png.h: pixel (x, y) is the file's
 * (x*d, y*d)); and png.c's row sources (one-shot libdeflate, and the
 * streaming one, ISA-L or zlib, with the smallest window) must give the
 * same answer and pixels.  A custom mutator (with libdeflate)
 * repairs the CRCs and the zlib Adler-32 of a mutated PNG most of the time,
 * so mutations get past those checks into the unfiltering and conversion. */
#include "config.h"

#include <math.h>
#include <stb_image.h>
#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "fuzz.h"
#include "image.h"
#include "png.h"
#include "sample.h"
#include "status.h"

/* test_crashers.c replays every crasher with each of these budgets. */
static const uint64_t budgets[4] = { 0, 16, 1000, 65536 };

static void
check_samples(const struct rtg_samples *s, uint64_t budget)
{
	double sum = 0;

	FUZZ_ASSERT(s->n >= 1 && s->n <= 32768, "n = %zu", s->n);
	FUZZ_ASSERT(s->visited >= 1 && s->visited <= budget, "visited %llu of %llu",
	            (unsigned long long)s->visited, (unsigned long long)budget);
	for (size_t i = 0; i < s->n; i++) {
		FUZZ_ASSERT(s->w[i] > 0, "weight %zu is %g", i, (double)s->w[i]);
		sum += s->w[i];
		for (int c = 0; c < 3; c++) {
			FUZZ_ASSERT(isfinite(s->pts[i][c]), "point %zu not finite", i);
			FUZZ_ASSERT(s->lin[i][c] >= 0 && s->lin[i][c] <= 1, "lin %zu = %g", i,
			            (double)s->lin[i][c]);
		}
	}
	FUZZ_ASSERT(s->total_weight > 0 && fabs(sum - s->total_weight) <= 1e-3 * s->total_weight + 1,
	            "weights add up to %g, total_weight %g", sum, s->total_weight);
}

/* The PNG path against stb_image's full decode of the same bytes. */
static void
check_png_against_stb(const uint8_t *data, size_t size, const struct rtg_image *img)
{
	int w, h, n;
	uint32_t d = (uint32_t)img->scale_denom;
	uint8_t *ref = stbi_load_from_memory(data, (int)size, &w, &h, &n, 4);
	int palette = size > 25 && data[25] == 3; /* IHDR colour type */

	if (ref == NULL)
		return; /* stb refuses what png.c took: not a pixel disagreement */
	FUZZ_ASSERT((uint32_t)w == img->full_width && (uint32_t)h == img->full_height,
	            "png.c %ux%u, stb_image %dx%d", img->full_width, img->full_height, w, h);
	for (uint32_t y = 0; y < img->height; y++)
		for (uint32_t x = 0; x < img->width; x++) {
			const uint8_t *a = img->px + ((size_t)y * img->width + x) * 4;
			const uint8_t *b = ref + ((size_t)y * d * (uint32_t)w + (size_t)x * d) * 4;
			/* A palette index past PLTE (an error by the PNG spec):
			 * png.c gives opaque black on purpose, stb_image whatever
			 * its uninitialised palette array holds.  Known, reported;
			 * not what this looks for. */
			if (palette && memcmp(a, "\0\0\0\xff", 4) == 0)
				continue;
			FUZZ_ASSERT(memcmp(a, b, 4) == 0, "pixel (%u, %u) at 1/%u: png.c %02x%02x%02x%02x, "
			            "stb_image %02x%02x%02x%02x", x, y, d, a[0], a[1], a[2], a[3],
			            b[0], b[1], b[2], b[3]);
		}
	stbi_image_free(ref);
}

/* kept, a decode of the same bytes as whole keeping only the sampler's
 * grid for this budget: the grid's pixels of whole (or, from a decoder
 * without a grid path, all of them). */
static void
check_kept(const struct rtg_image *whole, const struct rtg_image *kept, uint64_t grid)
{
	uint32_t nx, ny;

	rtg_sample_grid(whole->width, whole->height, grid, &nx, &ny);
	FUZZ_ASSERT((kept->width == nx && kept->height == ny) ||
	            (kept->width == whole->width && kept->height == whole->height),
	            "kept %ux%u of %ux%u, grid %ux%u", kept->width, kept->height, whole->width,
	            whole->height, nx, ny);
	for (uint32_t j = 0; j < kept->height; j++)
		for (uint32_t i = 0; i < kept->width; i++) {
			uint32_t x = kept->width == whole->width ? i
			             : rtg_sample_cell(i, nx, whole->width);
			uint32_t y = kept->height == whole->height ? j
			             : rtg_sample_cell(j, ny, whole->height);
			FUZZ_ASSERT(memcmp(kept->px + ((size_t)j * kept->width + i) * 4,
			                   whole->px + ((size_t)y * whole->width + x) * 4, 4) == 0,
			            "kept pixel (%u, %u) is not the whole decode's (%u, %u)", i, j, x, y);
		}
}

/* png.c's one-shot and streaming sources on the same file, and the
 * streaming one keeping only a grid (several blocks of rows per pass). */
static void
check_png_sources(const uint8_t *data, size_t size, const struct rtg_limits *lim,
                  uint64_t min_px)
{
	const struct rtg_png_opts oneshot = { .stream_above = SIZE_MAX, .window = 0 };
	const struct rtg_png_opts stream = { .stream_above = 0, .window = 1 };
	struct rtg_image a, b;
	char ea[RTG_ERRLEN] = "", eb[RTG_ERRLEN] = "";
	int sa, sb;

	if (!rtg_png_stream_available())
		return;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	sa = rtg_png_decode_ex(data, size, lim, min_px, &oneshot, &a, ea);
	sb = rtg_png_decode_ex(data, size, lim, min_px, &stream, &b, eb);
	FUZZ_ASSERT(sa == sb, "one-shot %d (%s), streaming %d (%s)", sa, ea, sb, eb);
	if (sa < 0) {
		fuzz_check_failure(sa, ea, sizeof ea);
		fuzz_check_failure(sb, eb, sizeof eb);
	}
	if (sa == 0) {
		FUZZ_ASSERT(a.width == b.width && a.height == b.height &&
		            a.scale_denom == b.scale_denom, "one-shot %ux%u 1/%d, streaming %ux%u 1/%d",
		            a.width, a.height, a.scale_denom, b.width, b.height, b.scale_denom);
		FUZZ_ASSERT(memcmp(a.px, b.px, (size_t)a.width * a.height * 4) == 0,
		            "one-shot and streaming pixels differ");
		const struct rtg_png_opts kept = { .stream_above = 0, .window = 1, .grid = 300 };
		struct rtg_image g;
		int sg = rtg_png_decode_ex(data, size, lim, min_px, &kept, &g, eb);
		FUZZ_ASSERT(sg == 0, "streaming keeping a grid failed (%d: %s), whole did not", sg,
		            eb);
		check_kept(&b, &g, kept.grid);
		rtg_image_free(&g);
		rtg_image_free(&a);
		rtg_image_free(&b);
	}
}

/* The same bytes decoded keeping only the sampler's grid (a small budget,
 * so that it is active on small images too): the grid's pixels of the
 * whole decode img, and the same samples. */
static void
check_grid(const uint8_t *data, size_t size, const struct rtg_limits *lim, uint64_t min_px,
           uint64_t min_half, enum rtg_space space, const struct rtg_image *img)
{
	const uint64_t grid = 300;
	struct rtg_image g;
	struct rtg_samples gs;
	char err[RTG_ERRLEN] = "";
	int st = rtg_image_decode_grid(data, size, lim, min_px, min_half, grid, &g, err);

	FUZZ_ASSERT(st == RTG_OK, "grid decode failed (%d: %s), whole decode did not", st, err);
	FUZZ_ASSERT(g.scaled_width == img->width && g.scaled_height == img->height &&
	            g.scale_denom == img->scale_denom && strcmp(g.decoder, img->decoder) == 0,
	            "grid decode: %ux%u 1/%d, whole %ux%u 1/%d", g.scaled_width,
	            g.scaled_height, g.scale_denom, img->width, img->height, img->scale_denom);
	check_kept(img, &g, grid);
	st = rtg_sample(&g, space, grid, &gs, err);
	struct rtg_samples ws;
	int wst = rtg_sample(img, space, grid, &ws, err);
	FUZZ_ASSERT(st == wst, "sampling the kept pixels: %d, the whole decode: %d", st, wst);
	if (st == RTG_OK && wst == RTG_OK)
		FUZZ_ASSERT(gs.n == ws.n && gs.visited == ws.visited &&
		            memcmp(gs.pts, ws.pts, gs.n * sizeof *gs.pts) == 0 &&
		            memcmp(gs.w, ws.w, gs.n * sizeof *gs.w) == 0,
		            "samples differ: %zu bins kept, %zu whole", gs.n, ws.n);
	if (st == RTG_OK)
		rtg_samples_free(&gs);
	if (wst == RTG_OK)
		rtg_samples_free(&ws);
	rtg_image_free(&g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtg_limits lim = { .max_dimension = 4096, .max_pixels = 4u << 20,
	                          .max_bytes = 4u << 20 };
	uint64_t min_px = budgets[size & 3];
	uint64_t min_half = (size >> 2) & 1 ? 64 : 0;
	enum rtg_space space = (enum rtg_space)((size >> 3) % RTG_SPACE_COUNT);
	struct rtg_image img;
	struct rtg_samples smp;
	char err[RTG_ERRLEN] = "";
	int st;

	if (size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
		check_png_sources(data, size, &lim, min_px);
	st = rtg_image_decode_scaled(data, size, &lim, min_px, min_half, &img, err);
	if (st != RTG_OK) {
		fuzz_check_failure(st, err, sizeof err);
		FUZZ_ASSERT(img.px == NULL, "pixels left after a failure");
		FUZZ_ASSERT(st != RTG_ERR_NOMEM, "out of memory within the limits: %s", err);
		rtg_image_free(&img);
		return 0;
	}
	FUZZ_ASSERT(img.px != NULL && img.width > 0 && img.height > 0, "%ux%u image",
	            img.width, img.height);
	FUZZ_ASSERT(img.format != NULL && img.decoder != NULL, "unnamed format or decoder");
	FUZZ_ASSERT(img.width <= img.full_width && img.height <= img.full_height,
	            "decoded %ux%u of a declared %ux%u", img.width, img.height,
	            img.full_width, img.full_height);
	FUZZ_ASSERT(img.full_width <= lim.max_dimension && img.full_height <= lim.max_dimension &&
	            (uint64_t)img.full_width * img.full_height <= lim.max_pixels,
	            "%ux%u passed the limits", img.full_width, img.full_height);
	/* libjpeg-turbo scales by 1/2, 1/4, 1/8, the PNG path by any integer;
	 * both round the scaled size up. */
	FUZZ_ASSERT(img.scale_denom >= 1, "scale 1/%d", img.scale_denom);
	FUZZ_ASSERT(strcmp(img.decoder, "libjpeg-turbo") != 0 || img.scale_denom == 1 ||
	            img.scale_denom == 2 || img.scale_denom == 4 || img.scale_denom == 8,
	            "JPEG scale 1/%d", img.scale_denom);
	{
		uint32_t d = (uint32_t)img.scale_denom;

		FUZZ_ASSERT(img.width == (img.full_width + d - 1) / d &&
		            img.height == (img.full_height + d - 1) / d,
		            "%ux%u at 1/%u is not %ux%u rounded up", img.full_width,
		            img.full_height, d, img.width, img.height);
	}
	/* A reduced decode still has the pixels asked for (1/2 may stop at
	 * min_half instead). */
	{
		uint64_t got = (uint64_t)img.width * img.height;

		FUZZ_ASSERT(img.scale_denom == 1 || got >= min_px ||
		            (img.scale_denom == 2 && min_half > 0 && got >= min_half),
		            "1/%d scale gave %ux%u, below %llu pixels (half: %llu)",
		            img.scale_denom, img.width, img.height, (unsigned long long)min_px,
		            (unsigned long long)min_half);
	}
	/* Every pixel is readable: ASan flags a buffer shorter than w*h*4. */
	{
		size_t n = (size_t)img.width * img.height * 4;
		volatile uint8_t sink;

		for (size_t i = 0; i < n; i += 4093)
			sink = img.px[i];
		sink = img.px[n - 1];
		(void)sink;
	}
	if (strcmp(img.decoder, rtg_png_decoder) == 0 ||
	    strcmp(img.decoder, rtg_png_stream_decoder) == 0)
		check_png_against_stb(data, size, &img);

	uint64_t budget = 65536;
	st = rtg_sample(&img, space, budget, &smp, err);
	if (st == RTG_OK) {
		check_samples(&smp, budget);
		rtg_samples_free(&smp);
	} else {
		fuzz_check_failure(st, err, sizeof err);
		FUZZ_ASSERT(st == RTG_ERR_ARG, "sampling failed with %d: %s", st, err);
	}
	check_grid(data, size, &lim, min_px, min_half, space, &img);
	rtg_image_free(&img);
	return 0;
}

#ifdef HAVE_LIBDEFLATE
/* ---- custom mutator: keep mutated PNGs past their checksums ------------- */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed);

#define MAX_IDAT 64
#define FIX_OUT_MAX (1u << 20) /* inflate at most this much to recompute Adler */

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Adler-32 (RFC 1950): two sums modulo 65521. */
static uint32_t
adler32(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;

	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

/* Rewrites the zlib header and Adler-32 of the IDAT stream (when its deflate
 * data still inflates) and the CRC of every complete chunk. */
static void
png_fixup(uint8_t *d, size_t n)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	static uint8_t *z, *out;
	static struct libdeflate_decompressor *dc;
	size_t off[MAX_IDAT], len[MAX_IDAT], nidat = 0, total = 0, pos = 8;

	if (n < 8 || memcmp(d, sig, 8) != 0)
		return;
	if (dc == NULL) {
		dc = libdeflate_alloc_decompressor();
		z = malloc(FIX_OUT_MAX);
		out = malloc(FIX_OUT_MAX);
		if (dc == NULL || z == NULL || out == NULL)
			abort();
	}
	for (pos = 8; n - pos >= 12; ) {
		uint32_t cl = rd32(d + pos);
		if (cl > n - pos - 12)
			break;
		if (memcmp(d + pos + 4, "IDAT", 4) == 0 && nidat < MAX_IDAT &&
		    total + cl <= FIX_OUT_MAX) {
			off[nidat] = pos + 8;
			len[nidat++] = cl;
			memcpy(z + total, d + pos + 8, cl);
			total += cl;
		}
		pos += 12 + (size_t)cl;
	}
	if (total >= 6) {
		size_t in_used = 0, got = 0;

		if ((z[0] & 15) != 8 || (z[0] >> 4) > 7 || ((unsigned)z[0] << 8 | z[1]) % 31 != 0 ||
		    (z[1] & 0x20)) {
			z[0] = 0x78;
			z[1] = 0x01;
		}
		if (libdeflate_deflate_decompress_ex(dc, z + 2, total - 2, out, FIX_OUT_MAX,
		                                     &in_used, &got) == LIBDEFLATE_SUCCESS &&
		    2 + in_used + 4 <= total)
			wr32(z + 2 + in_used, adler32(out, got));
		/* back into the chunks */
		for (size_t i = 0, t = 0; i < nidat; t += len[i], i++)
			memcpy(d + off[i], z + t, len[i]);
	}
	for (pos = 8; n - pos >= 12; ) {
		uint32_t cl = rd32(d + pos);
		if (cl > n - pos - 12)
			break;
		wr32(d + pos + 8 + cl, (uint32_t)libdeflate_crc32(0, d + pos + 4, (size_t)cl + 4));
		pos += 12 + (size_t)cl;
	}
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	size = LLVMFuzzerMutate(data, size, max_size);
	/* 1 in 8 left as mutated: the checks themselves are fuzzed too */
	if (seed % 8 != 0)
		png_fixup(data, size);
	return size;
}
#endif
