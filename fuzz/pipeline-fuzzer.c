/* pipeline-fuzzer.c - rtg_generate on arbitrary bytes with the built-in
 * templates.
 *
 * Input: one option byte, then the image.  The option byte picks k (1..64,
 * low 6 bits), the mode (bits 6-7: auto, dark, light, auto), and through the
 * image's length the colour space, the built-in template and full_decode.
 *
 * Invariant: with a built-in template the generator either refuses the
 * image (format, decode, limit, unsupported, fully transparent) or returns
 * a theme that passes rtg_theme_check with no failing pair.  A template,
 * shape or contrast error here is a bug in roles/render/templates. */
#include "config.h"

#include "fuzz.h"
#include "pipeline.h"
#include "status.h"
#include "theme.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtg_options o;
	struct rtg_result res;
	struct rtg_audit audit = { 0 };
	char err[RTG_ERRLEN] = "";
	int st;

	if (size < 1)
		return 0;
	rtg_options_default(&o);
	o.k = 1 + (data[0] & 63);
	o.mode = (enum rtg_mode)((data[0] >> 6) % 3);
	o.space = (enum rtg_space)(size % RTG_SPACE_COUNT);
	o.builtin = (enum rtg_builtin_template)((size / RTG_SPACE_COUNT) % RTG_TEMPLATE_COUNT);
	o.full_decode = (size / (RTG_SPACE_COUNT * RTG_TEMPLATE_COUNT)) % 2;
	o.limits.max_dimension = 4096;
	o.limits.max_pixels = 4u << 20;
	o.sample_budget = 65536;
	data++;
	size--;

	st = rtg_generate(data, size, &o, &res, err);
	if (st != RTG_OK) {
		fuzz_check_failure(st, err, sizeof err);
		FUZZ_ASSERT(st == RTG_ERR_FORMAT || st == RTG_ERR_DECODE || st == RTG_ERR_LIMIT ||
		            st == RTG_ERR_UNSUPPORTED || st == RTG_ERR_ARG,
		            "rtg_generate: %d (%s)", st, err);
		FUZZ_ASSERT(res.theme == NULL && res.audit.pairs == NULL, "result left after a failure");
		return 0;
	}
	FUZZ_ASSERT(res.theme != NULL && res.theme_len == strlen(res.theme), "theme length %zu",
	            res.theme_len);
	FUZZ_ASSERT(res.palette.n >= 1 && res.palette.n <= o.k, "palette of %d for k %d",
	            res.palette.n, o.k);
	FUZZ_ASSERT(res.audit.failures == 0 && res.audit.n > 0, "audit: %zu pairs, %zu failures",
	            res.audit.n, res.audit.failures);
	FUZZ_ASSERT(res.roles.mode == RTG_MODE_DARK || res.roles.mode == RTG_MODE_LIGHT,
	            "mode %d unresolved", (int)res.roles.mode);
	FUZZ_ASSERT(o.mode == RTG_MODE_AUTO || res.roles.mode == o.mode, "mode %d asked, %d given",
	            (int)o.mode, (int)res.roles.mode);
	{
		double share = 0;

		for (int i = 0; i < res.palette.n; i++) {
			FUZZ_ASSERT(res.palette.sw[i].share >= 0, "share %d negative", i);
			FUZZ_ASSERT(i == 0 || res.palette.sw[i].share <= res.palette.sw[i - 1].share,
			            "palette not sorted by share at %d", i);
			share += res.palette.sw[i].share;
		}
		FUZZ_ASSERT(share > 0.999 && share < 1.001, "shares add up to %g", share);
	}
	/* The independent check of what was handed back. */
	st = rtg_theme_check(res.theme, res.theme_len, "generated", &audit, err);
	FUZZ_ASSERT(st == RTG_OK && audit.failures == 0, "generated theme fails its check: %d (%s)",
	            st, err);
	FUZZ_ASSERT(audit.n == res.audit.n, "%zu pairs now, %zu in the result", audit.n,
	            res.audit.n);
	for (size_t i = 0; i < audit.n; i++)
		FUZZ_ASSERT(audit.pairs[i].ratio >= audit.pairs[i].min, "%s: %.3f < %.3f",
		            audit.pairs[i].path, audit.pairs[i].ratio, audit.pairs[i].min);
	rtg_audit_free(&audit);
	rtg_result_free(&res);
	return 0;
}
