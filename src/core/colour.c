/* colour.c - colour spaces, colour difference and WCAG contrast.
 *
 * References for the constants used here:
 *  - sRGB transfer function and primaries: IEC 61966-2-1:1999.  The
 *    RGB<->XYZ matrices are the ones derived from the primaries'
 *    chromaticities and the D65 white (x 0.3127, y 0.3290), as tabulated in
 *    CSS Color Module Level 4; the D65 white used for CIELAB/CIELUV is the
 *    matrix's own image of RGB (1,1,1), so sRGB white maps to a* = b* = 0
 *    exactly.
 *  - CIELAB/CIELUV: CIE 15:2004 (with the exact 6/29 and 29/3 constants).
 *  - OKLab: Björn Ottosson, "A perceptual color space for image
 *    processing", 2020, https://bottosson.github.io/posts/oklab/ (matrices
 *    for linear sRGB input).
 *  - CIEDE2000: G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference
 *    formula: implementation notes, supplementary test data, and
 *    mathematical observations", Color Res. Appl. 30(1), 2005.
 *  - WCAG 2.x: relative luminance and contrast ratio definitions.
 *  - YUV: ITU-R BT.601 luma weights with the analogue U/V scale factors
 *    (U max 0.436, V max 0.615).
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>

#include "colour.h"
#include "status.h"
#include "text.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define DEG2RAD (M_PI / 180.0)
#define RAD2DEG (180.0 / M_PI)

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

/* ---- sRGB transfer ---------------------------------------------------- */

/* Both directions are extended to negative values by odd symmetry, so
 * out-of-gamut colours (negative linear components) survive a round trip. */
double
rtg_srgb_to_linear(double v)
{
	double a = fabs(v), r;

	r = a <= 0.04045 ? a / 12.92 : pow((a + 0.055) / 1.055, 2.4);
	return v < 0 ? -r : r;
}

double
rtg_linear_to_srgb(double v)
{
	double a = fabs(v), r;

	r = a <= 0.0031308 ? a * 12.92 : 1.055 * pow(a, 1.0 / 2.4) - 0.055;
	return v < 0 ? -r : r;
}

static float lin_table_f[256];
static double lin_table_d[256];
static pthread_once_t lin_table_once = PTHREAD_ONCE_INIT;

static void
lin_table_init(void)
{
	int i;

	for (i = 0; i < 256; i++) {
		lin_table_d[i] = rtg_srgb_to_linear(i / 255.0);
		lin_table_f[i] = (float)lin_table_d[i];
	}
}

const float *
rtg_srgb8_linear_table(void)
{
	pthread_once(&lin_table_once, lin_table_init);
	return lin_table_f;
}

static const double *
lin_table_double(void)
{
	pthread_once(&lin_table_once, lin_table_init);
	return lin_table_d;
}

void
rtg_rgb8_to_lin(struct rtg_rgb8 c, double lin[3])
{
	const double *t = lin_table_double();

	lin[0] = t[c.r];
	lin[1] = t[c.g];
	lin[2] = t[c.b];
}

static uint8_t
unit_to_byte(double v)
{
	/* !(v > 0) also catches NaN */
	if (!(v > 0))
		return 0;
	if (v >= 1)
		return 255;
	return (uint8_t)(v * 255.0 + 0.5);
}

struct rtg_rgb8
rtg_lin_to_rgb8(const double lin[3])
{
	struct rtg_rgb8 c;
	double v[3];
	int i;

	for (i = 0; i < 3; i++) {
		v[i] = lin[i];
		if (!(v[i] > 0))
			v[i] = 0;
		else if (v[i] > 1)
			v[i] = 1;
		v[i] = rtg_linear_to_srgb(v[i]);
	}
	c.r = unit_to_byte(v[0]);
	c.g = unit_to_byte(v[1]);
	c.b = unit_to_byte(v[2]);
	return c;
}

/* Conversions through the 10-digit OKLab matrices put white at
 * 1 +- 1e-9 or so; a colour that far outside is still white. */
#define GAMUT_EPS 1e-6

bool
rtg_lin_in_gamut(const double lin[3])
{
	int i;

	for (i = 0; i < 3; i++)
		if (!(lin[i] >= -GAMUT_EPS && lin[i] <= 1 + GAMUT_EPS))
			return false;
	return true;
}

/* ---- XYZ, CIELAB, CIELUV ---------------------------------------------- */

static const double m_lin_xyz[3][3] = {
	{ 0.41239079926595948, 0.35758433938387796, 0.18048078840183429 },
	{ 0.21263900587151036, 0.71516867876775593, 0.07219231536073372 },
	{ 0.01933081871559185, 0.11919477979462599, 0.95053215224966058 },
};

static const double m_xyz_lin[3][3] = {
	{ 3.24096994190452134, -1.53738317757009346, -0.49861076029300328 },
	{ -0.96924363628087983, 1.87596750150772067, 0.04155505740717561 },
	{ 0.05563007969699361, -0.20397695888897657, 1.05697151424287856 },
};

/* D65 white = m_lin_xyz * (1,1,1) */
#define WHITE_X (0.41239079926595948 + 0.35758433938387796 + 0.18048078840183429)
#define WHITE_Y 1.0
#define WHITE_Z (0.01933081871559185 + 0.11919477979462599 + 0.95053215224966058)

static void
mat3_apply(const double m[3][3], const double in[3], double out[3])
{
	double a = in[0], b = in[1], c = in[2];

	out[0] = m[0][0] * a + m[0][1] * b + m[0][2] * c;
	out[1] = m[1][0] * a + m[1][1] * b + m[1][2] * c;
	out[2] = m[2][0] * a + m[2][1] * b + m[2][2] * c;
}

void
rtg_lin_to_xyz(const double lin[3], double xyz[3])
{
	mat3_apply(m_lin_xyz, lin, xyz);
}

void
rtg_xyz_to_lin(const double xyz[3], double lin[3])
{
	mat3_apply(m_xyz_lin, xyz, lin);
}

/* CIE constants in exact form: epsilon = (6/29)^3, kappa = (29/3)^3. */
#define LAB_DELTA (6.0 / 29.0)
#define LAB_EPS (LAB_DELTA * LAB_DELTA * LAB_DELTA)
#define LAB_KAPPA (24389.0 / 27.0)

static double
lab_f(double t)
{
	if (t > LAB_EPS)
		return cbrt(t);
	return t / (3 * LAB_DELTA * LAB_DELTA) + 4.0 / 29.0;
}

static double
lab_finv(double t)
{
	if (t > LAB_DELTA)
		return t * t * t;
	return 3 * LAB_DELTA * LAB_DELTA * (t - 4.0 / 29.0);
}

void
rtg_lin_to_lab(const double lin[3], double lab[3])
{
	double xyz[3], fx, fy, fz;

	rtg_lin_to_xyz(lin, xyz);
	fx = lab_f(xyz[0] / WHITE_X);
	fy = lab_f(xyz[1] / WHITE_Y);
	fz = lab_f(xyz[2] / WHITE_Z);
	lab[0] = 116 * fy - 16;
	lab[1] = 500 * (fx - fy);
	lab[2] = 200 * (fy - fz);
}

void
rtg_lab_to_lin(const double lab[3], double lin[3])
{
	double xyz[3], fy;

	fy = (lab[0] + 16) / 116;
	xyz[0] = WHITE_X * lab_finv(fy + lab[1] / 500);
	xyz[1] = WHITE_Y * lab_finv(fy);
	xyz[2] = WHITE_Z * lab_finv(fy - lab[2] / 200);
	rtg_xyz_to_lin(xyz, lin);
}

/* L* from relative luminance, shared by CIELUV (same as CIELAB's L*). */
static double
y_to_lstar(double y)
{
	return y > LAB_EPS ? 116 * cbrt(y) - 16 : LAB_KAPPA * y;
}

static double
lstar_to_y(double l)
{
	double f;

	if (l > 8) {
		f = (l + 16) / 116;
		return f * f * f;
	}
	return l / LAB_KAPPA;
}

static void
xyz_uv(const double xyz[3], double *u, double *v)
{
	double d = xyz[0] + 15 * xyz[1] + 3 * xyz[2];

	if (d == 0) {
		*u = *v = 0;
		return;
	}
	*u = 4 * xyz[0] / d;
	*v = 9 * xyz[1] / d;
}

static void
white_uv(double *u, double *v)
{
	static const double w[3] = { WHITE_X, WHITE_Y, WHITE_Z };

	xyz_uv(w, u, v);
}

void
rtg_lin_to_luv(const double lin[3], double luv[3])
{
	double xyz[3], u, v, un, vn, l;

	rtg_lin_to_xyz(lin, xyz);
	l = y_to_lstar(xyz[1] / WHITE_Y);
	if (xyz[0] + 15 * xyz[1] + 3 * xyz[2] == 0) {
		/* black: chromaticity undefined, u* = v* = 0 by convention */
		luv[0] = l;
		luv[1] = luv[2] = 0;
		return;
	}
	xyz_uv(xyz, &u, &v);
	white_uv(&un, &vn);
	luv[0] = l;
	luv[1] = 13 * l * (u - un);
	luv[2] = 13 * l * (v - vn);
}

void
rtg_luv_to_lin(const double luv[3], double lin[3])
{
	double xyz[3], u, v, un, vn, y;

	if (luv[0] == 0) {
		lin[0] = lin[1] = lin[2] = 0;
		return;
	}
	white_uv(&un, &vn);
	u = luv[1] / (13 * luv[0]) + un;
	v = luv[2] / (13 * luv[0]) + vn;
	y = lstar_to_y(luv[0]) * WHITE_Y;
	if (v == 0) {
		/* degenerate chromaticity (far outside any real colour) */
		xyz[0] = xyz[1] = xyz[2] = y;
	} else {
		xyz[1] = y;
		xyz[0] = y * 9 * u / (4 * v);
		xyz[2] = y * (12 - 3 * u - 20 * v) / (4 * v);
	}
	rtg_xyz_to_lin(xyz, lin);
}

/* ---- OKLab / OKLCH ---------------------------------------------------- */

void
rtg_lin_to_oklab(const double lin[3], double ok[3])
{
	double l, m, s;
	double r = lin[0], g = lin[1], b = lin[2];

	l = cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
	m = cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
	s = cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
	ok[0] = 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s;
	ok[1] = 1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s;
	ok[2] = 0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s;
}

void
rtg_oklab_to_lin(const double ok[3], double lin[3])
{
	double l, m, s;
	double L = ok[0], a = ok[1], b = ok[2];

	l = L + 0.3963377774 * a + 0.2158037573 * b;
	m = L - 0.1055613458 * a - 0.0638541728 * b;
	s = L - 0.0894841775 * a - 1.2914855480 * b;
	l = l * l * l;
	m = m * m * m;
	s = s * s * s;
	lin[0] = 4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s;
	lin[1] = -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s;
	lin[2] = -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s;
}

void
rtg_oklab_to_oklch(const double ok[3], double lch[3])
{
	double h;

	lch[0] = ok[0];
	lch[1] = hypot(ok[1], ok[2]);
	h = atan2(ok[2], ok[1]) * RAD2DEG;
	if (h < 0)
		h += 360;
	if (h >= 360)
		h -= 360;
	lch[2] = h;
}

void
rtg_oklch_to_oklab(const double lch[3], double ok[3])
{
	double h = lch[2] * DEG2RAD;

	ok[0] = lch[0];
	ok[1] = lch[1] * cos(h);
	ok[2] = lch[1] * sin(h);
}

void
rtg_rgb8_to_oklch(struct rtg_rgb8 c, double lch[3])
{
	double lin[3], ok[3];

	rtg_rgb8_to_lin(c, lin);
	rtg_lin_to_oklab(lin, ok);
	rtg_oklab_to_oklch(ok, lch);
}

static void
oklch_to_lin(double l, double c, double h, double lin[3])
{
	double lch[3] = { l, c, h }, ok[3];

	rtg_oklch_to_oklab(lch, ok);
	rtg_oklab_to_lin(ok, lin);
}

struct rtg_rgb8
rtg_oklch_to_rgb8_clip(const double lch[3])
{
	double lin[3], lo, hi, mid, l = lch[0], c = lch[1], h = lch[2];
	int i;

	/* Outside 0..1 no chroma fits: the answer is black or white. */
	if (!(l > 0))
		return (struct rtg_rgb8){ 0, 0, 0 };
	if (l >= 1)
		return (struct rtg_rgb8){ 255, 255, 255 };
	if (!(c > 0) || !isfinite(h))
		c = 0;
	oklch_to_lin(l, c, h, lin);
	if (rtg_lin_in_gamut(lin))
		return rtg_lin_to_rgb8(lin);
	/* The sRGB gamut is convex in linear light and the OKLCH chroma ray
	 * at fixed L and h leaves it once, so bisection on C finds the edge.
	 * 40 halvings take even C = 0.5 below 1e-12, far under one byte step. */
	lo = 0;
	hi = c;
	for (i = 0; i < 40; i++) {
		mid = 0.5 * (lo + hi);
		oklch_to_lin(l, mid, h, lin);
		if (rtg_lin_in_gamut(lin))
			lo = mid;
		else
			hi = mid;
	}
	oklch_to_lin(l, lo, h, lin);
	return rtg_lin_to_rgb8(lin);
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
		rgb[i] = rtg_linear_to_srgb(lin[i]);
}

static void
gamma_to_lin(const double rgb[3], double lin[3])
{
	int i;

	for (i = 0; i < 3; i++)
		lin[i] = rtg_srgb_to_linear(rgb[i]);
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

/* ---- CIEDE2000 (Sharma, Wu, Dalal 2005, equations 1-22) ------------- */

double
rtg_ciede2000(const double lab1[3], const double lab2[3])
{
	const double p25_7 = 6103515625.0; /* 25^7 */
	double L1 = lab1[0], a1 = lab1[1], b1 = lab1[2];
	double L2 = lab2[0], a2 = lab2[1], b2 = lab2[2];
	double C1, C2, Cbar, Cbar7, G, a1p, a2p, C1p, C2p, h1p, h2p;
	double dLp, dCp, dhp, dHp, Lbarp, Cbarp, hbarp, T, dtheta, RC, SL, SC;
	double SH, RT, Lb50;

	C1 = hypot(a1, b1);
	C2 = hypot(a2, b2);
	Cbar = 0.5 * (C1 + C2);
	Cbar7 = pow(Cbar, 7);
	G = 0.5 * (1 - sqrt(Cbar7 / (Cbar7 + p25_7)));
	a1p = (1 + G) * a1;
	a2p = (1 + G) * a2;
	C1p = hypot(a1p, b1);
	C2p = hypot(a2p, b2);
	/* eq. 7: h' = 0 when a' = b' = 0 */
	h1p = (a1p == 0 && b1 == 0) ? 0 : atan2(b1, a1p) * RAD2DEG;
	h2p = (a2p == 0 && b2 == 0) ? 0 : atan2(b2, a2p) * RAD2DEG;
	if (h1p < 0)
		h1p += 360;
	if (h2p < 0)
		h2p += 360;

	dLp = L2 - L1;
	dCp = C2p - C1p;
	if (C1p * C2p == 0) {
		dhp = 0;
	} else {
		dhp = h2p - h1p;
		if (dhp > 180)
			dhp -= 360;
		else if (dhp < -180)
			dhp += 360;
	}
	dHp = 2 * sqrt(C1p * C2p) * sin(0.5 * dhp * DEG2RAD);

	Lbarp = 0.5 * (L1 + L2);
	Cbarp = 0.5 * (C1p + C2p);
	if (C1p * C2p == 0) {
		hbarp = h1p + h2p;
	} else if (fabs(h1p - h2p) <= 180) {
		hbarp = 0.5 * (h1p + h2p);
	} else if (h1p + h2p < 360) {
		hbarp = 0.5 * (h1p + h2p + 360);
	} else {
		hbarp = 0.5 * (h1p + h2p - 360);
	}
	T = 1 - 0.17 * cos((hbarp - 30) * DEG2RAD)
	    + 0.24 * cos(2 * hbarp * DEG2RAD)
	    + 0.32 * cos((3 * hbarp + 6) * DEG2RAD)
	    - 0.20 * cos((4 * hbarp - 63) * DEG2RAD);
	dtheta = 30 * exp(-((hbarp - 275) / 25) * ((hbarp - 275) / 25));
	RC = 2 * sqrt(pow(Cbarp, 7) / (pow(Cbarp, 7) + p25_7));
	Lb50 = (Lbarp - 50) * (Lbarp - 50);
	SL = 1 + 0.015 * Lb50 / sqrt(20 + Lb50);
	SC = 1 + 0.045 * Cbarp;
	SH = 1 + 0.015 * Cbarp * T;
	RT = -sin(2 * dtheta * DEG2RAD) * RC;

	/* kL = kC = kH = 1 (reference conditions) */
	dLp /= SL;
	dCp /= SC;
	dHp /= SH;
	return sqrt(dLp * dLp + dCp * dCp + dHp * dHp + RT * dCp * dHp);
}

/* ---- WCAG 2.x ---------------------------------------------------------- */

/* WCAG 2.x writes the sRGB threshold as 0.03928 instead of 0.04045; no byte
 * value v/255 lies between the two (10/255 = 0.0392, 11/255 = 0.0431), so
 * the byte table gives exactly WCAG's luminance. */
double
rtg_rel_luminance(struct rtg_rgb8 c)
{
	const double *t = lin_table_double();

	return 0.2126 * t[c.r] + 0.7152 * t[c.g] + 0.0722 * t[c.b];
}

double
rtg_contrast_ratio(struct rtg_rgb8 a, struct rtg_rgb8 b)
{
	double la = rtg_rel_luminance(a), lb = rtg_rel_luminance(b);

	if (la < lb) {
		double t = la;
		la = lb;
		lb = t;
	}
	return (la + 0.05) / (lb + 0.05);
}

/* ---- hex --------------------------------------------------------------- */

void
rtg_rgb8_hex(struct rtg_rgb8 c, char out[8])
{
	static const char digits[] = "0123456789abcdef";

	out[0] = '#';
	out[1] = digits[c.r >> 4];
	out[2] = digits[c.r & 15];
	out[3] = digits[c.g >> 4];
	out[4] = digits[c.g & 15];
	out[5] = digits[c.b >> 4];
	out[6] = digits[c.b & 15];
	out[7] = '\0';
}

int
rtg_hex_parse(const char *s, struct rtg_rgb8 *out)
{
	int d[6], i;

	if (s == NULL || s[0] != '#')
		return RTG_ERR_ARG;
	for (i = 0; i < 6; i++) {
		d[i] = rtg_hex_digit((unsigned char)s[i + 1]);  /* stops at NUL: -1 */
		if (d[i] < 0)
			return RTG_ERR_ARG;
	}
	if (s[7] != '\0')
		return RTG_ERR_ARG;
	if (out != NULL) {
		out->r = (uint8_t)(d[0] << 4 | d[1]);
		out->g = (uint8_t)(d[2] << 4 | d[3]);
		out->b = (uint8_t)(d[4] << 4 | d[5]);
	}
	return 0;
}

double
rtg_hue_distance(double h1, double h2)
{
	double d = fmod(fabs(h1 - h2), 360.0);

	return d > 180 ? 360 - d : d;
}
