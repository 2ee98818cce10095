/* colour_space.c - the working spaces for clustering (enum rtg_space):
 * their names, and linear sRGB encoded into and decoded from each.
 * CIELAB, CIELUV and OKLab are colour_lab.c's; RGB, HSL, HSV and YUV are
 * here.
 *
 * References for the constants used here:
 *  - YUV: ITU-R BT.601 luma weights with the analogue U/V scale factors
 *    (U max 0.436, V max 0.615).
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "colour.h"
#include "colour_internal.h"
#include "status.h"

/* ---- space names ------------------------------------------------------ */

static const char *const space_names[RTG_SPACE_COUNT] = {
	[RTG_SPACE_CIELAB] = "CIELAB",
	[RTG_SPACE_RGB] = "RGB",
	[RTG_SPACE_OKLAB] = "OKLAB",
	[RTG_SPACE_HSL] = "HSL",
	[RTG_SPACE_HSV] = "HSV",
	[RTG_SPACE_YUV] = "YUV",
	[RTG_SPACE_CIELUV] = "CIELUV",
};

static const struct {
	const char *name;
	enum rtg_space space;
} space_aliases[] = {
	{ "cielab", RTG_SPACE_CIELAB },
	{ "lab", RTG_SPACE_CIELAB },
	{ "rgb", RTG_SPACE_RGB },
	{ "srgb", RTG_SPACE_RGB },
	{ "oklab", RTG_SPACE_OKLAB },
	{ "hsl", RTG_SPACE_HSL },
	{ "hsv", RTG_SPACE_HSV },
	{ "yuv", RTG_SPACE_YUV },
	{ "cieluv", RTG_SPACE_CIELUV },
	{ "luv", RTG_SPACE_CIELUV },
};

/* ASCII-only, so the result does not depend on the locale (strcasecmp
 * under a Turkish locale does not fold "I" to "i"). */
static bool
ascii_caseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char cb = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

int
rtg_space_parse(const char *name, enum rtg_space *out)
{
	size_t i;

	if (name == NULL)
		return RTG_ERR_ARG;
	for (i = 0; i < sizeof(space_aliases) / sizeof(space_aliases[0]); i++) {
		if (ascii_caseeq(name, space_aliases[i].name)) {
			if (out != NULL)
				*out = space_aliases[i].space;
			return 0;
		}
	}
	return RTG_ERR_ARG;
}

const char *
rtg_space_name(enum rtg_space s)
{
	/* Never NULL, so callers can print it without checking. */
	if ((unsigned)s >= RTG_SPACE_COUNT)
		return "unknown";
	return space_names[s];
}

/* ---- working spaces ---------------------------------------------------- */

/* HSL/HSV are computed on gamma-encoded sRGB, as everyone does. */
static void
rgb_to_hue_chroma(const double rgb[3], double *hue, double *mx, double *mn)
{
	double r = rgb[0], g = rgb[1], b = rgb[2], c, h;

	*mx = fmax(r, fmax(g, b));
	*mn = fmin(r, fmin(g, b));
	c = *mx - *mn;
	if (c <= 0)
		h = 0;
	else if (*mx == r)
		h = fmod((g - b) / c, 6.0);
	else if (*mx == g)
		h = (b - r) / c + 2;
	else
		h = (r - g) / c + 4;
	h *= M_PI / 3;
	if (h < 0)
		h += 2 * M_PI;
	*hue = h;
}

/* Inverse for HSV/HSL with chroma c, hue h (radians) and offset m. */
static void
hue_chroma_to_rgb(double h, double c, double m, double rgb[3])
{
	double hp, x, r = 0, g = 0, b = 0;

	h = fmod(h, 2 * M_PI);
	if (h < 0)
		h += 2 * M_PI;
	hp = h / (M_PI / 3);
	x = c * (1 - fabs(fmod(hp, 2.0) - 1));
	if (hp < 1) {
		r = c; g = x;
	} else if (hp < 2) {
		r = x; g = c;
	} else if (hp < 3) {
		g = c; b = x;
	} else if (hp < 4) {
		g = x; b = c;
	} else if (hp < 5) {
		r = x; b = c;
	} else {
		r = c; b = x;
	}
	rgb[0] = r + m;
	rgb[1] = g + m;
	rgb[2] = b + m;
}

static void
lin_to_gamma(const double lin[3], double rgb[3])
{
	int i;

	for (i = 0; i < 3; i++)
		rgb[i] = linear_to_srgb(lin[i]);
}

static void
gamma_to_lin(const double rgb[3], double lin[3])
{
	int i;

	for (i = 0; i < 3; i++)
		lin[i] = srgb_to_linear(rgb[i]);
}

static void
encode_hsl(const double rgb[3], double out[3])
{
	double h, mx, mn, l, s, d;

	rgb_to_hue_chroma(rgb, &h, &mx, &mn);
	l = 0.5 * (mx + mn);
	d = 1 - fabs(2 * l - 1);
	s = d > 0 ? (mx - mn) / d : 0;
	out[0] = s * cos(h);
	out[1] = s * sin(h);
	out[2] = l;
}

static void
decode_hsl(const double in[3], double rgb[3])
{
	double s = hypot(in[0], in[1]), h = atan2(in[1], in[0]), l = in[2], c;

	c = (1 - fabs(2 * l - 1)) * s;
	hue_chroma_to_rgb(h, c, l - 0.5 * c, rgb);
}

static void
encode_hsv(const double rgb[3], double out[3])
{
	double h, mx, mn, s;

	rgb_to_hue_chroma(rgb, &h, &mx, &mn);
	s = mx > 0 ? (mx - mn) / mx : 0;
	out[0] = s * cos(h);
	out[1] = s * sin(h);
	out[2] = mx;
}

static void
decode_hsv(const double in[3], double rgb[3])
{
	double s = hypot(in[0], in[1]), h = atan2(in[1], in[0]), v = in[2], c;

	c = v * s;
	hue_chroma_to_rgb(h, c, v - c, rgb);
}

/* BT.601 luma weights; U and V scaled to +-0.436 and +-0.615. */
#define YUV_KR 0.299
#define YUV_KB 0.114
#define YUV_KG (1 - YUV_KR - YUV_KB)
#define YUV_UMAX 0.436
#define YUV_VMAX 0.615

static void
encode_yuv(const double rgb[3], double out[3])
{
	double y = YUV_KR * rgb[0] + YUV_KG * rgb[1] + YUV_KB * rgb[2];

	out[0] = y;
	out[1] = YUV_UMAX * (rgb[2] - y) / (1 - YUV_KB);
	out[2] = YUV_VMAX * (rgb[0] - y) / (1 - YUV_KR);
}

static void
decode_yuv(const double in[3], double rgb[3])
{
	double y = in[0];

	rgb[2] = y + in[1] * (1 - YUV_KB) / YUV_UMAX;
	rgb[0] = y + in[2] * (1 - YUV_KR) / YUV_VMAX;
	rgb[1] = (y - YUV_KR * rgb[0] - YUV_KB * rgb[2]) / YUV_KG;
}

void
rtg_space_encode(enum rtg_space s, const double lin[3], double out[3])
{
	double rgb[3];

	switch (s) {
	case RTG_SPACE_CIELAB:
		rtg_lin_to_lab(lin, out);
		return;
	case RTG_SPACE_OKLAB:
		rtg_lin_to_oklab(lin, out);
		return;
	case RTG_SPACE_CIELUV:
		rtg_lin_to_luv(lin, out);
		return;
	case RTG_SPACE_RGB:
		lin_to_gamma(lin, out);
		return;
	case RTG_SPACE_HSL:
		lin_to_gamma(lin, rgb);
		encode_hsl(rgb, out);
		return;
	case RTG_SPACE_HSV:
		lin_to_gamma(lin, rgb);
		encode_hsv(rgb, out);
		return;
	case RTG_SPACE_YUV:
		lin_to_gamma(lin, rgb);
		encode_yuv(rgb, out);
		return;
	case RTG_SPACE_COUNT:
		break;
	}
	/* invalid space: CIELAB, the default, rather than garbage */
	rtg_lin_to_lab(lin, out);
}

void
rtg_space_decode(enum rtg_space s, const double in[3], double lin[3])
{
	double rgb[3];

	switch (s) {
	case RTG_SPACE_CIELAB:
		rtg_lab_to_lin(in, lin);
		return;
	case RTG_SPACE_OKLAB:
		rtg_oklab_to_lin(in, lin);
		return;
	case RTG_SPACE_CIELUV:
		rtg_luv_to_lin(in, lin);
		return;
	case RTG_SPACE_RGB:
		gamma_to_lin(in, lin);
		return;
	case RTG_SPACE_HSL:
		decode_hsl(in, rgb);
		gamma_to_lin(rgb, lin);
		return;
	case RTG_SPACE_HSV:
		decode_hsv(in, rgb);
		gamma_to_lin(rgb, lin);
		return;
	case RTG_SPACE_YUV:
		decode_yuv(in, rgb);
		gamma_to_lin(rgb, lin);
		return;
	case RTG_SPACE_COUNT:
		break;
	}
	rtg_lab_to_lin(in, lin);
}
