/* pipeline.c - bytes + options -> theme text + report.
 *
 *   decode -> sample -> cluster -> roles -> render -> check
 *
 * Each stage is one module; this file only wires them and times them.  The
 * theme is checked (shape and contrast) before it is handed back, so a caller
 * never sees a theme that rmpc would reject or that fails the audit.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster.h"
#include "pipeline.h"
#include "sample.h"
#include "status.h"

double
rtg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void
rtg_options_default(struct rtg_options *o)
{
	memset(o, 0, sizeof *o);
	o->k = RTG_K_DEFAULT;
	o->space = RTG_SPACE_CIELAB;
	o->mode = RTG_MODE_AUTO;
	o->builtin = RTG_TEMPLATE_RMPC_0_11;
	rtg_limits_default(&o->limits);
	o->sample_budget = RTG_SAMPLE_BUDGET_DEFAULT;
	o->decode_min_half = RTG_DECODE_HALF_MIN_DEFAULT;
}

static int
check_options(const struct rtg_options *o, char *err)
{
	if (o->k < RTG_K_MIN || o->k > RTG_K_MAX)
		return rtg_fail(err, RTG_ERR_ARG, "k must be %d..%d, not %d",
		                RTG_K_MIN, RTG_K_MAX, o->k);
	if ((unsigned)o->space >= RTG_SPACE_COUNT)
		return rtg_fail(err, RTG_ERR_ARG, "invalid colour space");
	if (o->template_text == NULL && (unsigned)o->builtin >= RTG_TEMPLATE_COUNT)
		return rtg_fail(err, RTG_ERR_ARG, "invalid built-in template");
	return RTG_OK;
}

/* Roles -> theme text -> shape and contrast check. */
static int
finish(const struct rtg_options *o, struct rtg_result *res, char *err)
{
	const char *tmpl = o->template_text, *name = o->template_name;
	size_t len = o->template_len;
	double t0 = rtg_now_ms(), t1;
	int rc;

	if (tmpl == NULL) {
		tmpl = rtg_template_builtin_text(o->builtin, &len);
		name = rtg_template_builtin_name(o->builtin);
	}
	if (name == NULL)
		name = "template";
	rc = rtg_render(tmpl, len, name, &res->roles, &res->palette,
	                &res->theme, &res->theme_len, err);
	t1 = rtg_now_ms();
	res->t.render_ms = t1 - t0;
	if (rc != RTG_OK)
		return rc;
	rc = rtg_theme_check(res->theme, res->theme_len, name, &res->audit, err);
	res->t.check_ms = rtg_now_ms() - t1;
	return rc;
}

static void
palette_from_centroids(enum rtg_space space, const struct rtg_centroid *cent,
                       int n, struct rtg_palette *pal)
{
	pal->n = n;
	for (int i = 0; i < n; i++) {
		double lin[3];
		struct rtg_swatch *s = &pal->sw[i];

		rtg_space_decode(space, cent[i].v, lin);
		s->rgb = rtg_lin_to_rgb8(lin);
		s->share = cent[i].share;
		rtg_rgb8_to_oklch(s->rgb, s->oklch);
	}
}

int
rtg_generate(const uint8_t *bytes, size_t len, const struct rtg_options *o,
             struct rtg_result *res, char *err)
{
	struct rtg_image img;
	struct rtg_samples smp;
	struct rtg_centroid cent[RTG_K_MAX];
	struct rtg_kmeans_opts ko;
	double t0, t1;
	int rc, n;

	memset(res, 0, sizeof *res);
	memset(&img, 0, sizeof img);
	memset(&smp, 0, sizeof smp);
	if ((rc = check_options(o, err)) != RTG_OK)
		return rc;

	t0 = rtg_now_ms();
	/* the decoders keep only the pixels rtg_sample() visits */
	rc = rtg_image_decode_grid(bytes, len, &o->limits, o->full_decode ? 0 : o->sample_budget,
	                           o->decode_min_half, o->sample_budget, &img, err);
	t1 = rtg_now_ms();
	res->t.decode_ms = t1 - t0;
	if (rc != RTG_OK)
		goto fail;
	res->image_width = img.full_width;
	res->image_height = img.full_height;
	res->decoded_width = img.scaled_width;
	res->decoded_height = img.scaled_height;
	res->format = img.format;
	res->decoder = img.decoder;

	rc = rtg_sample(&img, o->space, o->sample_budget, &smp, err);
	rtg_image_free(&img);
	t0 = rtg_now_ms();
	res->t.sample_ms = t0 - t1;
	if (rc != RTG_OK)
		goto fail;
	res->n_samples = smp.n;

	rtg_kmeans_opts_default(&ko);
	ko.k = o->k;
	n = rtg_kmeans((const float (*)[3])smp.pts, smp.w, smp.n, &ko, cent,
	               &res->iterations, err);
	rtg_samples_free(&smp);
	t1 = rtg_now_ms();
	res->t.cluster_ms = t1 - t0;
	if (n < 0) {
		rc = n;
		goto fail;
	}
	palette_from_centroids(o->space, cent, n, &res->palette);

	rc = rtg_roles_assign(&res->palette, o->mode, &res->roles, err);
	res->t.roles_ms = rtg_now_ms() - t1;
	if (rc != RTG_OK)
		goto fail;
	if ((rc = finish(o, res, err)) != RTG_OK)
		goto fail;
	return RTG_OK;

fail:
	rtg_image_free(&img);
	rtg_samples_free(&smp);
	rtg_result_free(res);
	return rc;
}

int
rtg_generate_neutral(const struct rtg_options *o, struct rtg_result *res,
                     char *err)
{
	double t0;
	int rc;

	memset(res, 0, sizeof *res);
	if ((rc = check_options(o, err)) != RTG_OK)
		return rc;
	t0 = rtg_now_ms();
	rc = rtg_roles_assign(&res->palette, o->mode, &res->roles, err);
	res->t.roles_ms = rtg_now_ms() - t0;
	if (rc == RTG_OK)
		rc = finish(o, res, err);
	if (rc != RTG_OK)
		rtg_result_free(res);
	return rc;
}

void
rtg_result_free(struct rtg_result *res)
{
	if (res == NULL)
		return;
	free(res->theme);
	rtg_audit_free(&res->audit);
	memset(res, 0, sizeof *res);
}
