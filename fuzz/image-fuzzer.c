/* image-fuzzer.c - rtg_image_decode, then rtg_sample on what it decoded.
 *
 * The input is the image file itself (no prefix), so a crash reproduces
 * with the command line too.  The JPEG sample budget (min_pixels) and the
 * working space come from the input's length, so the corpus reaches the
 * scaled JPEG paths and every space without a header byte; limits are small
 * enough (4096 per side, 4 Mpx) that the fuzzer never runs out of memory. */
#include "config.h"

#include <math.h>

#include "fuzz.h"
#include "image.h"
#include "sample.h"
#include "status.h"

/* test_crashers.c replays every crasher with each of these budgets. */
static const uint64_t budgets[4] = { 0, 4096, 65536, 1u << 20 };

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtg_limits lim = { .max_dimension = 4096, .max_pixels = 4u << 20,
	                          .max_bytes = 4u << 20 };
	uint64_t min_px = budgets[size & 3];
	enum rtg_space space = (enum rtg_space)((size >> 2) % RTG_SPACE_COUNT);
	struct rtg_image img;
	struct rtg_samples smp;
	char err[RTG_ERRLEN] = "";
	int st;

	st = rtg_image_decode(data, size, &lim, min_px, &img, err);
	if (st != RTG_OK) {
		fuzz_check_failure(st, err, sizeof err);
		FUZZ_ASSERT(img.px == NULL, "pixels left after a failure");
		FUZZ_ASSERT(st != RTG_ERR_NOMEM, "out of memory within the limits: %s", err);
		rtg_image_free(&img);
		return 0;
	}
	FUZZ_ASSERT(img.px != NULL && img.width > 0 && img.height > 0, "%ux%u image",
	            img.width, img.height);
	FUZZ_ASSERT(img.width <= img.full_width && img.height <= img.full_height,
	            "decoded %ux%u of a declared %ux%u", img.width, img.height,
	            img.full_width, img.full_height);
	FUZZ_ASSERT(img.full_width <= lim.max_dimension && img.full_height <= lim.max_dimension &&
	            (uint64_t)img.full_width * img.full_height <= lim.max_pixels,
	            "%ux%u passed the limits", img.full_width, img.full_height);
	FUZZ_ASSERT(img.scale_denom == 1 || img.scale_denom == 2 || img.scale_denom == 4 ||
	            img.scale_denom == 8, "scale 1/%d", img.scale_denom);
	FUZZ_ASSERT(img.format != NULL && img.decoder != NULL, "unnamed format or decoder");
	/* A scaled decode still has the pixels asked for. */
	FUZZ_ASSERT(img.scale_denom == 1 || (uint64_t)img.width * img.height >= min_px,
	            "1/%d scale gave %ux%u, below %llu pixels", img.scale_denom, img.width,
	            img.height, (unsigned long long)min_px);
	/* Every pixel is readable: ASan flags a buffer shorter than w*h*4. */
	{
		size_t n = (size_t)img.width * img.height * 4;
		unsigned acc = 0;
		for (size_t i = 0; i < n; i += 4093)
			acc += img.px[i];
		acc += img.px[n - 1];
		(void)acc;
	}

	uint64_t budget = 65536;
	st = rtg_sample(&img, space, budget, &smp, err);
	if (st == RTG_OK) {
		check_samples(&smp, budget);
		rtg_samples_free(&smp);
	} else {
		fuzz_check_failure(st, err, sizeof err);
		FUZZ_ASSERT(st == RTG_ERR_ARG, "sampling failed with %d: %s", st, err);
	}
	rtg_image_free(&img);
	return 0;
}
