/* test_pipeline.c - the whole core on real image files: every fixture gives
 * a theme that passes the shape and contrast audit, deterministically; hard
 * synthetic covers give the expected mode and tint; errors pass through
 * with the right status and leave nothing behind. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline.h"
#include "status.h"
#include "t.h"

static const char *fixtures;

static int
is_image(const char *n)
{
	static const char *const ext[] = { ".png", ".jpg", ".gif", ".bmp", ".webp" };

	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		size_t a = strlen(n), b = strlen(ext[i]);
		if (a > b && strcmp(n + a - b, ext[i]) == 0)
			return 1;
	}
	return 0;
}

static void
check_result(const char *what, const struct rtg_result *r)
{
	double sum = 0;

	T_CHECK(r->theme != NULL && r->theme_len > 100 &&
	        strlen(r->theme) == r->theme_len, "%s: theme text", what);
	T_CHECK(r->audit.n >= 20, "%s: audit saw %zu pairs", what, r->audit.n);
	T_CHECK(r->audit.failures == 0, "%s: %zu audit failures", what,
	        r->audit.failures);
	for (size_t i = 0; i < r->audit.n; i++)
		T_CHECK(r->audit.pairs[i].ratio >= r->audit.pairs[i].min,
		        "%s: %s %.2f < %.2f", what, r->audit.pairs[i].path,
		        r->audit.pairs[i].ratio, r->audit.pairs[i].min);
	T_CHECK(r->palette.n >= 1 && r->palette.n <= RTG_K_MAX, "%s: palette n", what);
	for (int i = 0; i < r->palette.n; i++) {
		sum += r->palette.sw[i].share;
		if (i > 0)
			T_CHECK(r->palette.sw[i].share <= r->palette.sw[i - 1].share,
			        "%s: palette sorted by share", what);
	}
	T_CHECK(fabs(sum - 1.0) < 1e-3, "%s: shares sum to %.4f", what, sum);
	T_CHECK(strstr(r->theme, "{{") == NULL, "%s: placeholders left", what);
}

/* Accents chromatic and within 25 deg of a salient cluster, when the image
 * has one (C >= 0.06 with >= 3 % of the pixels). */
static void
check_faithful(const char *what, const struct rtg_result *r)
{
	int salient = 0;

	for (int i = 0; i < r->palette.n; i++)
		if (r->palette.sw[i].oklch[1] >= 0.06 && r->palette.sw[i].share >= 0.03)
			salient = 1;
	if (!salient)
		return;
	for (int a = RTG_ROLE_ACCENT; a <= RTG_ROLE_ACCENT3; a++) {
		double lch[3], best = 360;
		rtg_rgb8_to_oklch(r->roles.c[a], lch);
		for (int i = 0; i < r->palette.n; i++) {
			if (r->palette.sw[i].oklch[1] < 0.06 || r->palette.sw[i].share < 0.03)
				continue;
			double d = rtg_hue_distance(lch[2], r->palette.sw[i].oklch[2]);
			if (d < best)
				best = d;
		}
		T_CHECK(lch[1] >= 0.06 && best <= 25.0,
		        "%s: %s C %.3f, %.1f deg from the image", what,
		        rtg_role_name(a), lch[1], best);
	}
}

static void
test_all_fixtures(void)
{
	DIR *d = opendir(fixtures);
	struct dirent *e;
	int n = 0;

	T_CHECK(d != NULL, "fixtures dir %s", fixtures);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct rtg_options o;
		struct rtg_result r1, r2;
		char err[RTG_ERRLEN] = "";
		size_t len;
		uint8_t *buf;
		int rc;

		if (!is_image(e->d_name))
			continue;
		buf = t_slurp(fixtures, e->d_name, &len);
		rtg_options_default(&o);
		rc = rtg_generate(buf, len, &o, &r1, err);
#ifndef HAVE_WEBP
		if (strstr(e->d_name, ".webp")) {
			T_CHECK(rc == RTG_ERR_UNSUPPORTED, "%s: %d", e->d_name, rc);
			free(buf);
			continue;
		}
#endif
		T_CHECK(rc == RTG_OK, "%s: %s", e->d_name, err);
		if (rc == RTG_OK) {
			check_result(e->d_name, &r1);
			check_faithful(e->d_name, &r1);
			rc = rtg_generate(buf, len, &o, &r2, err);
			T_CHECK(rc == RTG_OK && r1.theme_len == r2.theme_len &&
			        memcmp(r1.theme, r2.theme, r1.theme_len) == 0,
			        "%s: same input, same theme", e->d_name);
			rtg_result_free(&r2);
			n++;
		}
		rtg_result_free(&r1);
		free(buf);
	}
	closedir(d);
	T_CHECK(n >= 10, "only %d fixtures generated", n);
}

static void
gen(const char *name, struct rtg_options *o, struct rtg_result *r)
{
	char err[RTG_ERRLEN] = "";
	size_t len;
	uint8_t *buf = t_slurp(fixtures, name, &len);
	int rc = rtg_generate(buf, len, o, r, err);

	T_CHECK(rc == RTG_OK, "%s: %s", name, err);
	if (rc != RTG_OK)
		memset(r, 0, sizeof *r);
	free(buf);
}

static double
bg_chroma(const struct rtg_result *r)
{
	double lch[3];

	rtg_rgb8_to_oklch(r->roles.c[RTG_ROLE_BACKGROUND], lch);
	return lch[1];
}

static void
test_synthetic(void)
{
	struct rtg_options o;
	struct rtg_result r;

	rtg_options_default(&o);
	gen("black.png", &o, &r);
	T_CHECK(r.roles.mode == RTG_MODE_DARK && r.palette.n == 1,
	        "black: dark, one colour (n=%d)", r.palette.n);
	T_CHECK(bg_chroma(&r) < 0.01, "black: neutral background");
	rtg_result_free(&r);

	gen("white.png", &o, &r);
	T_CHECK(r.roles.mode == RTG_MODE_LIGHT, "white: light theme");
	T_CHECK(bg_chroma(&r) < 0.01, "white: neutral background");
	rtg_result_free(&r);

	o.mode = RTG_MODE_LIGHT;
	gen("black.png", &o, &r);
	T_CHECK(r.roles.mode == RTG_MODE_LIGHT, "--mode light is obeyed");
	check_result("black light", &r);
	rtg_result_free(&r);
	o.mode = RTG_MODE_AUTO;

	/* k larger than the number of distinct colours */
	o.k = 64;
	gen("two-colours.png", &o, &r);
	T_CHECK(r.palette.n == 2, "two colours, k 64: palette of %d", r.palette.n);
	check_result("two-colours k64", &r);
	rtg_result_free(&r);

	o.k = 1;
	gen("photo-storm.jpg", &o, &r);
	T_CHECK(r.palette.n == 1, "k 1: palette of %d", r.palette.n);
	check_result("k1", &r);
	rtg_result_free(&r);
	o.k = 8;

	/* one saturated colour: accents keep its hue */
	gen("red.png", &o, &r);
	{
		double img[3], acc[3];
		rtg_rgb8_to_oklch(r.palette.sw[0].rgb, img);
		rtg_rgb8_to_oklch(r.roles.c[RTG_ROLE_ACCENT], acc);
		T_CHECK(acc[1] >= 0.1 && rtg_hue_distance(img[2], acc[2]) < 10,
		        "red: accent C %.3f h %.1f vs image h %.1f", acc[1], acc[2], img[2]);
	}
	rtg_result_free(&r);
}

static void
test_spaces(void)
{
	for (int s = 0; s < RTG_SPACE_COUNT; s++) {
		struct rtg_options o;
		struct rtg_result r;
		char what[64];

		rtg_options_default(&o);
		o.space = (enum rtg_space)s;
		snprintf(what, sizeof what, "space %s", rtg_space_name(o.space));
		gen("photo-ladybird.jpg", &o, &r);
		check_result(what, &r);
		check_faithful(what, &r);
		rtg_result_free(&r);
	}
}

static void
test_templates_and_errors(void)
{
	struct rtg_options o;
	struct rtg_result r;
	char err[RTG_ERRLEN];
	static const uint8_t junk[] = "this is not an image\n";
	static const char tmpl[] = "(\n  background_color: {{background}},\n"
	                           "  text_color: {{text}},\n)\n";
	static const char bad[] = "(\n  background_color: {{backgound}},\n)\n";

	rtg_options_default(&o);
	o.builtin = RTG_TEMPLATE_RMPC_0_10;
	gen("photo-flower-progressive.jpg", &o, &r);
	check_result("rmpc-0.10", &r);
	rtg_result_free(&r);

	rtg_options_default(&o);
	T_CHECK(rtg_generate_neutral(&o, &r, err) == RTG_OK, "neutral: %s", err);
	T_CHECK(r.audit.failures == 0 && r.theme_len > 0, "neutral theme audited");
	rtg_result_free(&r);

	memset(&r, 0x5a, sizeof r);
	T_CHECK(rtg_generate(junk, sizeof junk - 1, &o, &r, err) == RTG_ERR_FORMAT,
	        "text input -> FORMAT (%s)", err);
	T_CHECK(r.theme == NULL && r.audit.pairs == NULL, "failure leaves no result");
	T_CHECK(strlen(err) > 0 && strchr(err, '\n') == NULL, "one-line message");
	T_CHECK(rtg_generate(junk, 0, &o, &r, err) < 0, "empty input fails");

	o.k = 65;
	T_CHECK(rtg_generate(junk, sizeof junk - 1, &o, &r, err) == RTG_ERR_ARG,
	        "k 65 rejected");
	o.k = 0;
	T_CHECK(rtg_generate(junk, sizeof junk - 1, &o, &r, err) == RTG_ERR_ARG,
	        "k 0 rejected");

	/* a user template: placeholders expand, unknown ones name the line */
	rtg_options_default(&o);
	o.template_text = tmpl;
	o.template_len = sizeof tmpl - 1;
	o.template_name = "mine.ron";
	gen("photo-storm.jpg", &o, &r);
	T_CHECK(r.theme != NULL && strstr(r.theme, "background_color: \"#") != NULL,
	        "user template rendered");
	rtg_result_free(&r);
	o.template_text = bad;
	o.template_len = sizeof bad - 1;
	{
		size_t len;
		uint8_t *buf = t_slurp(fixtures, "photo-storm.jpg", &len);
		int rc = rtg_generate(buf, len, &o, &r, err);
		T_CHECK(rc == RTG_ERR_TEMPLATE && strstr(err, "mine.ron:2") != NULL,
		        "unknown placeholder: %d %s", rc, err);
		free(buf);
	}
}

int
main(void)
{
	fixtures = getenv("FIXTURES");
	if (fixtures == NULL) {
		fprintf(stderr, "FIXTURES not set\n");
		return 99;
	}
	test_all_fixtures();
	test_synthetic();
	test_spaces();
	test_templates_and_errors();
	return t_done();
}
