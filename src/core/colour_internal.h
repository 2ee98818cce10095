/* colour_internal.h - what colour.c (sRGB, CIEDE2000, WCAG), colour_lab.c
 * (XYZ, CIELAB, CIELUV, OKLab, OKLCH) and colour_space.c (the working
 * spaces) share: angle constants, and the sRGB transfer function and the
 * gamut test, inline here so that the conversions which apply them to
 * every channel (byte table, working spaces, the OKLCH chroma search) do
 * not call for each; colour.h's rtg_srgb_to_linear(), rtg_linear_to_srgb()
 * and rtg_lin_in_gamut() are these.  Not part of the API: colour.h is. */
#ifndef RTG_COLOUR_INTERNAL_H
#define RTG_COLOUR_INTERNAL_H

#include <math.h>
#include <stdbool.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define DEG2RAD (M_PI / 180.0)
#define RAD2DEG (180.0 / M_PI)

/* IEC 61966-2-1.  Both directions are extended to negative values by odd
 * symmetry, so out-of-gamut colours (negative linear components) survive a
 * round trip. */
static inline double
srgb_to_linear(double v)
{
	double a = fabs(v), r;

	r = a <= 0.04045 ? a / 12.92 : pow((a + 0.055) / 1.055, 2.4);
	return v < 0 ? -r : r;
}

static inline double
linear_to_srgb(double v)
{
	double a = fabs(v), r;

	r = a <= 0.0031308 ? a * 12.92 : 1.055 * pow(a, 1.0 / 2.4) - 0.055;
	return v < 0 ? -r : r;
}

/* Conversions through the 10-digit OKLab matrices put white at
 * 1 +- 1e-9 or so; a colour that far outside is still white. */
#define GAMUT_EPS 1e-6

static inline bool
lin_in_gamut(const double lin[3])
{
	int i;

	for (i = 0; i < 3; i++)
		if (!(lin[i] >= -GAMUT_EPS && lin[i] <= 1 + GAMUT_EPS))
			return false;
	return true;
}

#endif
