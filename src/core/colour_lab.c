/* colour_lab.c - linear sRGB to and from XYZ, CIELAB, CIELUV, OKLab and
 * OKLCH, and OKLCH brought into the sRGB gamut.
 *
 * References for the constants used here:
 *  - sRGB primaries: IEC 61966-2-1:1999.  The RGB<->XYZ matrices are the
 *    ones derived from the primaries' chromaticities and the D65 white
 *    (x 0.3127, y 0.3290), as tabulated in CSS Color Module Level 4; the
 *    D65 white used for CIELAB/CIELUV is the matrix's own image of RGB
 *    (1,1,1), so sRGB white maps to a* = b* = 0 exactly.
 *  - CIELAB/CIELUV: CIE 15:2004 (with the exact 6/29 and 29/3 constants).
 *  - OKLab: Björn Ottosson, "A perceptual color space for image
 *    processing", 2020, https://bottosson.github.io/posts/oklab/ (matrices
 *    for linear sRGB input).
 */
#include "config.h"

#include <math.h>

#include "colour.h"
#include "colour_internal.h"

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
	if (lin_in_gamut(lin))
		return rtg_lin_to_rgb8(lin);
	/* The sRGB gamut is convex in linear light and the OKLCH chroma ray
	 * at fixed L and h leaves it once, so bisection on C finds the edge.
	 * 40 halvings take even C = 0.5 below 1e-12, far under one byte step. */
	lo = 0;
	hi = c;
	for (i = 0; i < 40; i++) {
		mid = 0.5 * (lo + hi);
		oklch_to_lin(l, mid, h, lin);
		if (lin_in_gamut(lin))
			lo = mid;
		else
			hi = mid;
	}
	oklch_to_lin(l, lo, h, lin);
	return rtg_lin_to_rgb8(lin);
}
