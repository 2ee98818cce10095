/* roles.c - map a palette onto theme roles with guaranteed contrast.
 *
 * Every role is chosen as a target in OKLCH (hue and chroma from the image)
 * and then only its lightness is moved, away from the background, until the
 * WCAG ratio it needs is met against every background it can be drawn on.
 * Chroma is kept as far as the sRGB gamut allows at that lightness
 * (rtg_oklch_to_rgb8_clip), so readability never costs an accent its hue.
 * The checks are made on the rounded #rrggbb colour that is emitted.
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "roles.h"
#include "status.h"

static const char *const role_names[RTG_ROLE_COUNT] = {
	[RTG_ROLE_BACKGROUND] = "background",
	[RTG_ROLE_SURFACE] = "surface",
	[RTG_ROLE_TEXT] = "text",
	[RTG_ROLE_MUTED] = "muted",
	[RTG_ROLE_ACCENT] = "accent",
	[RTG_ROLE_ACCENT2] = "accent2",
	[RTG_ROLE_ACCENT3] = "accent3",
	[RTG_ROLE_SELECTION_BG] = "selection_bg",
	[RTG_ROLE_SELECTION_FG] = "selection_fg",
	[RTG_ROLE_BORDER] = "border",
	[RTG_ROLE_BORDER_ACTIVE] = "border_active",
	[RTG_ROLE_PROGRESS_ELAPSED] = "progress_elapsed",
	[RTG_ROLE_PROGRESS_TRACK] = "progress_track",
	[RTG_ROLE_INFO] = "info",
	[RTG_ROLE_WARN] = "warn",
	[RTG_ROLE_ERROR] = "error",
	[RTG_ROLE_DEBUG] = "debug",
	[RTG_ROLE_TRACE] = "trace",
};

const char *
rtg_role_name(enum rtg_role r)
{
	if ((unsigned)r >= RTG_ROLE_COUNT)
		return NULL;
	return role_names[r];
}

int
rtg_role_lookup(const char *name, size_t len)
{
	for (int i = 0; i < RTG_ROLE_COUNT; i++) {
		if (strlen(role_names[i]) == len &&
		    memcmp(role_names[i], name, len) == 0)
			return i;
	}
	return -1;
}

int
rtg_mode_parse(const char *name, enum rtg_mode *out)
{
	static const char *const names[] = { "auto", "dark", "light" };

	for (int i = 0; i < 3; i++) {
		if (strcasecmp(name, names[i]) == 0) {
			*out = (enum rtg_mode)i;
			return RTG_OK;
		}
	}
	return RTG_ERR_ARG;
}

const char *
rtg_mode_name(enum rtg_mode m)
{
	switch (m) {
	case RTG_MODE_AUTO: return "auto";
	case RTG_MODE_DARK: return "dark";
	case RTG_MODE_LIGHT: return "light";
	}
	return "auto";
}

/* Tuning.  Lightness values are OKLab L (0 black .. 1 white). */
#define DARK_BG_LMIN 0.18   /* ~#141414: darker looks like a hole */
#define DARK_BG_LMAX 0.30   /* ~#2b2b2b: lighter eats text contrast */
#define LIGHT_BG_LMIN 0.90
#define LIGHT_BG_LMAX 0.975
#define DARK_BG_CMAX 0.07
#define LIGHT_BG_CMAX 0.04
#define AUTO_LIGHT_L 0.68   /* weighted mean L above which auto picks light */
#define CHROMA_MIN 0.06     /* a cluster at least this chromatic ... */
#define SHARE_MIN 0.03      /* ... with this share is a salient colour */
#define ACCENT_CMIN 0.10    /* accents are at least this vivid where gamut allows */
#define NEUTRAL_C 0.02      /* below this a colour is treated as grey */
#define MARGIN 0.08         /* solved ratios aim this far above the minimum */

/* Conventional hues of rmpc's level styles (OKLCH degrees): error red,
 * warn amber, info blue, debug green, trace magenta. */
static const double level_hue[5] = { 250.0, 75.0, 27.0, 145.0, 328.0 };

struct ctx {
	int dark;
	struct rtg_rgb8 bgs[2]; /* background, surface */
	double bg_lch[3];
};

static double
min_ratio(struct rtg_rgb8 c, const struct rtg_rgb8 *bgs, int n)
{
	double m = 1e9;

	for (int i = 0; i < n; i++) {
		double r = rtg_contrast_ratio(c, bgs[i]);
		if (r < m)
			m = r;
	}
	return m;
}

/* Moves L from l0 away from the background until the colour (hue h, chroma
 * up to c) reaches ratio `need` against every colour in bgs.  The result is
 * the smallest move that works, so the colour stays as close to the image
 * as readability allows.  Falls back to white/black, which always work
 * because backgrounds are confined to the dark/light ends. */
static struct rtg_rgb8
solve(const struct ctx *x, double l0, double c, double h, double need,
      const struct rtg_rgb8 *bgs, int nbg)
{
	double lch[3] = { l0, c, h };
	struct rtg_rgb8 out = rtg_oklch_to_rgb8_clip(lch);
	double step = x->dark ? 0.01 : -0.01;
	double lo, hi;

	if (min_ratio(out, bgs, nbg) >= need)
		return out;
	/* coarse scan to bracket the threshold, then bisect */
	lo = l0;
	for (hi = l0 + step; hi >= 0.0 && hi <= 1.0; hi += step) {
		lch[0] = hi;
		out = rtg_oklch_to_rgb8_clip(lch);
		if (min_ratio(out, bgs, nbg) >= need)
			break;
		lo = hi;
	}
	if (hi < 0.0 || hi > 1.0) {
		struct rtg_rgb8 w = { 255, 255, 255 }, b = { 0, 0, 0 };
		return x->dark ? w : b;
	}
	for (int i = 0; i < 12; i++) {
		double mid = (lo + hi) / 2;
		struct rtg_rgb8 m;
		lch[0] = mid;
		m = rtg_oklch_to_rgb8_clip(lch);
		if (min_ratio(m, bgs, nbg) >= need) {
			hi = mid;
			out = m;
		} else {
			lo = mid;
		}
	}
	return out;
}

static double
clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Signed shortest rotation from a to b in degrees (-180..180]. */
static double
hue_delta(double a, double b)
{
	double d = fmod(b - a, 360.0);

	if (d > 180.0)
		d -= 360.0;
	if (d <= -180.0)
		d += 360.0;
	return d;
}

static double
hue_norm(double h)
{
	h = fmod(h, 360.0);
	return h < 0 ? h + 360.0 : h;
}

static enum rtg_mode
resolve_mode(const struct rtg_palette *pal, enum rtg_mode mode)
{
	double sum = 0, wsum = 0;

	if (mode != RTG_MODE_AUTO)
		return mode;
	for (int i = 0; i < pal->n; i++) {
		sum += pal->sw[i].oklch[0] * pal->sw[i].share;
		wsum += pal->sw[i].share;
	}
	if (wsum > 0 && sum / wsum >= AUTO_LIGHT_L)
		return RTG_MODE_LIGHT;
	return RTG_MODE_DARK;
}

/* Salient colours: chromatic clusters with a real share, best first.
 * Score favours both area and vividness; sqrt keeps a small vivid spot
 * competitive with a large dull area. */
static int
pick_salient(const struct rtg_palette *pal, int idx[RTG_K_MAX], double cmin,
             double smin)
{
	double score[RTG_K_MAX];
	int n = 0;

	for (int i = 0; i < pal->n; i++) {
		const struct rtg_swatch *s = &pal->sw[i];
		double sc;
		int j;

		if (s->oklch[1] < cmin || s->share < smin)
			continue;
		sc = sqrt(s->share) * fmin(s->oklch[1], 0.25);
		for (j = n; j > 0 && score[j - 1] < sc; j--) {
			score[j] = score[j - 1];
			idx[j] = idx[j - 1];
		}
		score[j] = sc;
		idx[j] = i;
		n++;
	}
	return n;
}

/* Picks up to three accent hues/chromas from the salient colours, preferring
 * hues at least 35 degrees apart; repeats a hue when the image has fewer.
 * Returns how many real hues were found (0 = neutral image). */
static int
pick_accents(const struct rtg_palette *pal, double acc[3][3])
{
	int idx[RTG_K_MAX], n, chosen[3], nc = 0;

	n = pick_salient(pal, idx, CHROMA_MIN, SHARE_MIN);
	if (n == 0) /* nothing salient: take any clearly tinted cluster */
		n = pick_salient(pal, idx, NEUTRAL_C * 2, 0.005);
	for (int i = 0; i < n && nc < 3; i++) {
		int ok = 1;
		for (int j = 0; j < nc; j++) {
			if (rtg_hue_distance(pal->sw[idx[i]].oklch[2],
			                     pal->sw[chosen[j]].oklch[2]) < 35.0)
				ok = 0;
		}
		if (ok)
			chosen[nc++] = idx[i];
	}
	for (int i = 0; i < nc; i++)
		memcpy(acc[i], pal->sw[chosen[i]].oklch, sizeof acc[i]);
	return nc;
}

/* The image has fewer hues than accents: the extra accents are analogous
 * colours of the first ones, rotated by +-18 degrees (inside the 25 degree
 * faithfulness bound) and stepped in lightness, so they stay as vivid as the
 * source instead of fading towards black or white. */
static struct rtg_rgb8
repeat_accent(const struct ctx *x, const struct rtg_rgb8 *c, int rep,
              int from, double ac, double need)
{
	double base[3], h, best_c = -1.0;
	struct rtg_rgb8 best = c[RTG_ROLE_ACCENT + from];

	rtg_rgb8_to_oklch(c[RTG_ROLE_ACCENT + from], base);
	h = hue_norm(base[2] + (rep % 2 ? 18.0 : -18.0));
	/* lighter or darker, whichever keeps more chroma */
	for (int dir = -1; dir <= 1; dir += 2) {
		double lch[3];
		struct rtg_rgb8 cand = solve(x, clampd(base[0] + dir * 0.06, 0.02, 0.98),
		                             ac, h, need, x->bgs, 2);
		rtg_rgb8_to_oklch(cand, lch);
		if (lch[1] > best_c) {
			best_c = lch[1];
			best = cand;
		}
	}
	return best;
}

int
rtg_roles_assign(const struct rtg_palette *pal, enum rtg_mode mode,
                 struct rtg_roles *out, char *err)
{
	struct ctx x;
	double bg[3] = { 0.0, 0.0, 0.0 }, tint_c, acc[3][3];
	int nacc;
	struct rtg_rgb8 *c = out->c;

	if (pal == NULL || out == NULL || pal->n < 0 || pal->n > RTG_K_MAX)
		return rtg_fail(err, RTG_ERR_ARG, "invalid palette");
	memset(out, 0, sizeof *out);
	out->mode = resolve_mode(pal, mode);
	x.dark = out->mode == RTG_MODE_DARK;

	/* Background: the dominant colour, pushed to the dark or light end and
	 * calmed down so that text of any hue can sit on it. */
	if (pal->n > 0)
		memcpy(bg, pal->sw[0].oklch, sizeof bg);
	else
		bg[0] = x.dark ? 0.0 : 1.0;
	if (x.dark) {
		bg[0] = clampd(bg[0], DARK_BG_LMIN, DARK_BG_LMAX);
		bg[1] = fmin(bg[1], DARK_BG_CMAX);
	} else {
		bg[0] = clampd(bg[0], LIGHT_BG_LMIN, LIGHT_BG_LMAX);
		bg[1] = fmin(bg[1], LIGHT_BG_CMAX);
	}
	if (bg[1] < 0.004)
		bg[1] = 0.0; /* grey stays grey, not a rounding-noise tint */
	memcpy(x.bg_lch, bg, sizeof bg);
	c[RTG_ROLE_BACKGROUND] = rtg_oklch_to_rgb8_clip(bg);
	{
		double s[3] = { bg[0] + (x.dark ? 0.045 : -0.035), bg[1], bg[2] };
		c[RTG_ROLE_SURFACE] = rtg_oklch_to_rgb8_clip(s);
	}
	x.bgs[0] = c[RTG_ROLE_BACKGROUND];
	x.bgs[1] = c[RTG_ROLE_SURFACE];

	/* Text: near-neutral, tinted by the background hue, aiming for 7:1 (AAA)
	 * where possible, never below 4.5:1. */
	tint_c = fmin(bg[1] * 0.5, 0.025);
	c[RTG_ROLE_TEXT] = solve(&x, x.dark ? 0.93 : 0.24, tint_c, bg[2], 7.0,
	                         x.bgs, 2);
	/* Muted text: the dimmest text that is still comfortably readable. */
	c[RTG_ROLE_MUTED] = solve(&x, bg[0], fmin(bg[1], 0.035), bg[2],
	                          RTG_MIN_TEXT + 0.5, x.bgs, 2);

	/* Accents keep the image's hues; chroma is raised to ACCENT_CMIN when
	 * the cluster is chromatic so they stay visibly coloured after the
	 * lightness move. */
	nacc = pick_accents(pal, acc);
	if (nacc == 0) {
		/* neutral image: accents are lightly tinted by the background and
		 * told apart by lightness */
		for (int i = 0; i < 3; i++) {
			acc[i][0] = bg[0];
			acc[i][1] = fmin(bg[1] * 1.5, 0.05);
			acc[i][2] = bg[2];
		}
	}
	for (int i = 0; i < 3; i++) {
		const double *a = acc[nacc > 0 ? i % nacc : i];
		double ac = a[1] >= CHROMA_MIN ? fmax(a[1], ACCENT_CMIN) : a[1];
		double need = RTG_MIN_TEXT + MARGIN;

		if (nacc == 0) {
			need = 5.0 + 1.5 * i; /* neutral: distinct lightness steps */
		} else if (i >= nacc) {
			c[RTG_ROLE_ACCENT + i] = repeat_accent(&x, c, i - nacc + 1,
			                                       i % nacc, ac, need);
			continue;
		}
		c[RTG_ROLE_ACCENT + i] = solve(&x, a[0], ac, a[2], need, x.bgs, 2);
	}

	/* Selection: the accent as a block, with the background colour as its
	 * text (the ratio is symmetric, so the accent's own >= 4.5 carries
	 * over; re-solved to be sure after rounding). */
	{
		double a[3];
		rtg_rgb8_to_oklch(c[RTG_ROLE_ACCENT], a);
		c[RTG_ROLE_SELECTION_FG] = c[RTG_ROLE_BACKGROUND];
		c[RTG_ROLE_SELECTION_BG] = solve(&x, a[0], a[1], a[2],
		                                 RTG_MIN_TEXT + 0.5,
		                                 &c[RTG_ROLE_SELECTION_FG], 1);
	}

	/* Non-text UI: borders in the second accent's hue, quieter. */
	{
		double a2[3];
		rtg_rgb8_to_oklch(c[RTG_ROLE_ACCENT2], a2);
		c[RTG_ROLE_BORDER] = solve(&x, bg[0], fmin(a2[1], 0.08), a2[2],
		                           RTG_MIN_UI + MARGIN, x.bgs, 2);
	}
	c[RTG_ROLE_BORDER_ACTIVE] = c[RTG_ROLE_ACCENT];
	c[RTG_ROLE_PROGRESS_ELAPSED] = c[RTG_ROLE_ACCENT];
	c[RTG_ROLE_PROGRESS_TRACK] = solve(&x, bg[0], bg[1], bg[2],
	                                   RTG_MIN_TRACK + MARGIN, x.bgs, 2);

	/* Level styles keep their conventional hues, turned slightly towards
	 * the background's hue when it has one, so they belong to the theme. */
	for (int i = 0; i < 5; i++) {
		double h = level_hue[i], lc = 0.13;
		double l0 = x.dark ? 0.72 : 0.50;
		if (bg[1] >= NEUTRAL_C)
			h = hue_norm(h + clampd(0.15 * hue_delta(h, bg[2]), -10.0, 10.0));
		c[RTG_ROLE_INFO + i] = solve(&x, l0, lc, h, RTG_MIN_TEXT + MARGIN,
		                             x.bgs, 2);
	}
	return RTG_OK;
}
