/* test_roles.c - role guarantees: contrast minimums on every pair the theme
 * emits, chromatic accents faithful to the image's hues, conventional level
 * hues, neutral themes for neutral images, determinism. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "roles.h"
#include "status.h"
#include "t.h"

static void
swatch(struct rtg_palette *p, uint8_t r, uint8_t g, uint8_t b, double share)
{
	struct rtg_swatch *s = &p->sw[p->n++];

	s->rgb = (struct rtg_rgb8){ r, g, b };
	s->share = share;
	rtg_rgb8_to_oklch(s->rgb, s->oklch);
}

static double
ratio(const struct rtg_roles *r, enum rtg_role fg, enum rtg_role bg)
{
	return rtg_contrast_ratio(r->c[fg], r->c[bg]);
}

/* Every fg role against every background it may be drawn on. */
static int
check_contrast(const char *what, const struct rtg_roles *r)
{
	static const enum rtg_role text[] = {
		RTG_ROLE_TEXT, RTG_ROLE_MUTED, RTG_ROLE_ACCENT, RTG_ROLE_ACCENT2,
		RTG_ROLE_ACCENT3, RTG_ROLE_INFO, RTG_ROLE_WARN, RTG_ROLE_ERROR,
		RTG_ROLE_DEBUG, RTG_ROLE_TRACE,
	};
	static const enum rtg_role ui[] = {
		RTG_ROLE_BORDER, RTG_ROLE_BORDER_ACTIVE, RTG_ROLE_PROGRESS_ELAPSED,
	};
	static const enum rtg_role bgs[] = { RTG_ROLE_BACKGROUND, RTG_ROLE_SURFACE };
	int before = t_failures;

	for (size_t b = 0; b < 2; b++) {
		for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
			T_CHECK(ratio(r, text[i], bgs[b]) >= RTG_MIN_TEXT,
			        "%s: %s on %s = %.2f", what, rtg_role_name(text[i]),
			        rtg_role_name(bgs[b]), ratio(r, text[i], bgs[b]));
		for (size_t i = 0; i < sizeof ui / sizeof ui[0]; i++)
			T_CHECK(ratio(r, ui[i], bgs[b]) >= RTG_MIN_UI,
			        "%s: %s on %s = %.2f", what, rtg_role_name(ui[i]),
			        rtg_role_name(bgs[b]), ratio(r, ui[i], bgs[b]));
		T_CHECK(ratio(r, RTG_ROLE_PROGRESS_TRACK, bgs[b]) >= RTG_MIN_TRACK,
		        "%s: track on %s = %.2f", what, rtg_role_name(bgs[b]),
		        ratio(r, RTG_ROLE_PROGRESS_TRACK, bgs[b]));
	}
	T_CHECK(ratio(r, RTG_ROLE_SELECTION_FG, RTG_ROLE_SELECTION_BG) >= RTG_MIN_TEXT,
	        "%s: selection = %.2f", what,
	        ratio(r, RTG_ROLE_SELECTION_FG, RTG_ROLE_SELECTION_BG));
	return t_failures == before;
}

static double
chroma(struct rtg_rgb8 c)
{
	double lch[3];

	rtg_rgb8_to_oklch(c, lch);
	return lch[1];
}

/* Accents chromatic and within 25 degrees of a salient cluster's hue. */
static void
check_faithful(const char *what, const struct rtg_palette *p,
               const struct rtg_roles *r)
{
	for (int a = RTG_ROLE_ACCENT; a <= RTG_ROLE_ACCENT3; a++) {
		double lch[3], best = 360;
		rtg_rgb8_to_oklch(r->c[a], lch);
		T_CHECK(lch[1] >= 0.06, "%s: %s chroma %.3f is not chromatic", what,
		        rtg_role_name(a), lch[1]);
		for (int i = 0; i < p->n; i++) {
			double d;
			if (p->sw[i].oklch[1] < 0.06 || p->sw[i].share < 0.03)
				continue;
			d = rtg_hue_distance(lch[2], p->sw[i].oklch[2]);
			if (d < best)
				best = d;
		}
		T_CHECK(best <= 25.0, "%s: %s hue %.1f is %.1f deg from every cluster",
		        what, rtg_role_name(a), lch[2], best);
	}
}

static void
test_neutral_images(void)
{
	struct rtg_palette p;
	struct rtg_roles r;
	char err[RTG_ERRLEN];

	memset(&p, 0, sizeof p);
	swatch(&p, 0, 0, 0, 1.0);
	T_CHECK(rtg_roles_assign(&p, RTG_MODE_AUTO, &r, err) == 0, "%s", err);
	T_CHECK(r.mode == RTG_MODE_DARK, "black cover gives a dark theme");
	check_contrast("black", &r);
	T_CHECK(chroma(r.c[RTG_ROLE_BACKGROUND]) < 0.01, "black: neutral background");
	T_CHECK(chroma(r.c[RTG_ROLE_TEXT]) < 0.01, "black: neutral text");

	memset(&p, 0, sizeof p);
	swatch(&p, 255, 255, 255, 1.0);
	T_CHECK(rtg_roles_assign(&p, RTG_MODE_AUTO, &r, err) == 0, "%s", err);
	T_CHECK(r.mode == RTG_MODE_LIGHT, "white cover gives a light theme");
	check_contrast("white", &r);
	T_CHECK(chroma(r.c[RTG_ROLE_BACKGROUND]) < 0.01, "white: neutral background");

	memset(&p, 0, sizeof p);
	swatch(&p, 128, 128, 128, 1.0);
	for (int m = RTG_MODE_AUTO; m <= RTG_MODE_LIGHT; m++) {
		T_CHECK(rtg_roles_assign(&p, (enum rtg_mode)m, &r, err) == 0, "%s", err);
		check_contrast("grey", &r);
		T_CHECK(chroma(r.c[RTG_ROLE_BACKGROUND]) < 0.01, "grey: neutral bg");
		if (m != RTG_MODE_AUTO)
			T_CHECK(r.mode == (enum rtg_mode)m, "forced mode kept");
	}
	/* accents of a neutral image must still be told apart */
	T_CHECK(memcmp(&r.c[RTG_ROLE_ACCENT], &r.c[RTG_ROLE_ACCENT2], 3) != 0,
	        "grey: accent and accent2 differ");

	/* empty palette = neutral theme */
	memset(&p, 0, sizeof p);
	T_CHECK(rtg_roles_assign(&p, RTG_MODE_AUTO, &r, err) == 0, "%s", err);
	check_contrast("empty", &r);

	/* a tinted grey tints the theme but keeps it calm */
	memset(&p, 0, sizeof p);
	swatch(&p, 40, 44, 60, 1.0);
	T_CHECK(rtg_roles_assign(&p, RTG_MODE_AUTO, &r, err) == 0, "%s", err);
	check_contrast("tinted", &r);
	{
		double bg[3], im[3];
		rtg_rgb8_to_oklch(r.c[RTG_ROLE_BACKGROUND], bg);
		rtg_rgb8_to_oklch(p.sw[0].rgb, im);
		T_CHECK(bg[1] > 0.01 && rtg_hue_distance(bg[2], im[2]) < 20,
		        "tinted: background keeps the tint (C %.3f h %.1f vs %.1f)",
		        bg[1], bg[2], im[2]);
	}
}

static void
test_saturated(void)
{
	/* one saturated colour per hue step, both modes */
	for (int h = 0; h < 360; h += 15) {
		double lch[3] = { 0.65, 0.25, (double)h };
		struct rtg_rgb8 c = rtg_oklch_to_rgb8_clip(lch);
		for (int m = RTG_MODE_AUTO; m <= RTG_MODE_LIGHT; m++) {
			struct rtg_palette p;
			struct rtg_roles r;
			char err[RTG_ERRLEN], what[64];

			memset(&p, 0, sizeof p);
			swatch(&p, c.r, c.g, c.b, 1.0);
			snprintf(what, sizeof what, "hue %d mode %d", h, m);
			T_CHECK(rtg_roles_assign(&p, (enum rtg_mode)m, &r, err) == 0,
			        "%s", err);
			check_contrast(what, &r);
			check_faithful(what, &p, &r);
		}
	}
}

static void
test_levels(void)
{
	/* conventional hues survive harmonisation: error reddish, warn
	 * yellowish/amber, info blue, debug green, trace magenta */
	static const double want[5] = { 250, 75, 27, 145, 328 };
	struct rtg_palette p;
	struct rtg_roles r;
	char err[RTG_ERRLEN];

	memset(&p, 0, sizeof p);
	swatch(&p, 20, 60, 30, 0.7);  /* green-tinted dark cover */
	swatch(&p, 200, 40, 40, 0.3);
	T_CHECK(rtg_roles_assign(&p, RTG_MODE_AUTO, &r, err) == 0, "%s", err);
	for (int i = 0; i < 5; i++) {
		double lch[3];
		rtg_rgb8_to_oklch(r.c[RTG_ROLE_INFO + i], lch);
		T_CHECK(rtg_hue_distance(lch[2], want[i]) <= 25.0,
		        "level %d hue %.1f too far from %.0f", i, lch[2], want[i]);
		T_CHECK(lch[1] >= 0.05, "level %d is chromatic (C %.3f)", i, lch[1]);
	}
}

/* splitmix64: a fixed, portable sequence for the random palettes */
static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
test_random_palettes(void)
{
	uint64_t seed = 42;
	int bad = 0;

	for (int t = 0; t < 3000 && bad < 5; t++) {
		struct rtg_palette p;
		struct rtg_roles r, r2;
		char err[RTG_ERRLEN], what[64];
		int n = 1 + (int)(next(&seed) % 16);
		double left = 1.0, salient = 0;

		memset(&p, 0, sizeof p);
		for (int i = 0; i < n; i++) {
			uint64_t v = next(&seed);
			double share = (i == n - 1) ? left : left * (0.2 + 0.6 * (double)(v >> 40) / (double)(1 << 24));
			left -= share;
			swatch(&p, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), share);
		}
		/* the contract sorts swatches by share */
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 && p.sw[j].share > p.sw[j - 1].share; j--) {
				struct rtg_swatch tmp = p.sw[j];
				p.sw[j] = p.sw[j - 1];
				p.sw[j - 1] = tmp;
			}
		snprintf(what, sizeof what, "random %d", t);
		enum rtg_mode m = (enum rtg_mode)(t % 3);
		T_CHECK(rtg_roles_assign(&p, m, &r, err) == 0, "%s", err);
		if (!check_contrast(what, &r))
			bad++;
		for (int i = 0; i < n; i++)
			if (p.sw[i].oklch[1] >= 0.06 && p.sw[i].share >= 0.03)
				salient = 1;
		if (salient)
			check_faithful(what, &p, &r);
		T_CHECK(rtg_roles_assign(&p, m, &r2, err) == 0 &&
		        memcmp(&r, &r2, sizeof r) == 0, "%s: deterministic", what);
	}
}

static void
test_names(void)
{
	enum rtg_mode m;

	for (int i = 0; i < RTG_ROLE_COUNT; i++) {
		const char *n = rtg_role_name((enum rtg_role)i);
		T_CHECK(n != NULL && rtg_role_lookup(n, strlen(n)) == i, "role %d", i);
	}
	T_CHECK(rtg_role_lookup("acent", 5) == -1, "unknown role");
	T_CHECK(rtg_role_lookup("accent2x", 7) == RTG_ROLE_ACCENT2, "length-bounded");
	T_CHECK(rtg_mode_parse("DARK", &m) == 0 && m == RTG_MODE_DARK, "mode DARK");
	T_CHECK(rtg_mode_parse("dim", &m) != 0, "mode dim rejected");
}

int
main(void)
{
	test_names();
	test_neutral_images();
	test_saturated();
	test_levels();
	test_random_palettes();
	return t_done();
}
