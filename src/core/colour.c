/* colour.c - the sRGB transfer function, bytes to and from linear light,
 * the gamut test, CIEDE2000, WCAG contrast, hex colours.  The colour spaces are in colour_lab.c
 * (XYZ, CIELAB, CIELUV, OKLab, OKLCH) and colour_space.c (the working
 * spaces for clustering).
 *
 * References for the constants used here:
 *  - sRGB transfer function: IEC 61966-2-1:1999.
 *  - CIEDE2000: G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference
 *    formula: implementation notes, supplementary test data, and
 *    mathematical observations", Color Res. Appl. 30(1), 2005.
 *  - WCAG 2.x: relative luminance and contrast ratio definitions.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>

#include "colour.h"
#include "colour_internal.h"
#include "status.h"
#include "text.h"

/* ---- sRGB transfer ---------------------------------------------------- */

/* colour_internal.h has the function itself, inline for colour_space.c */
double
rtg_srgb_to_linear(double v)
{
	return srgb_to_linear(v);
}

double
rtg_linear_to_srgb(double v)
{
	return linear_to_srgb(v);
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

bool
rtg_lin_in_gamut(const double lin[3])
{
	return lin_in_gamut(lin);
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
