/* colour.h - colour spaces, colour difference and WCAG contrast.
 *
 * Conventions: "lin" is linear-light sRGB (D65) in 0..1 per channel (may be
 * out of 0..1 for out-of-gamut colours); "rgb8" is gamma-encoded sRGB bytes.
 * CIELAB/CIELUV use the D65 white; OKLab is Björn Ottosson's (2020) space.
 */
#ifndef RTG_COLOUR_H
#define RTG_COLOUR_H

#include <stdbool.h>
#include <stdint.h>

struct rtg_rgb8 {
	uint8_t r, g, b;
};

/* Working spaces for clustering.  Every space is exposed as Cartesian
 * coordinates in which Euclidean distance is meaningful: the hue spaces
 * (HSL, HSV) are embedded as cylinders (s*cos h, s*sin h, l) so that hue is
 * circular (350 deg and 10 deg are neighbours). */
enum rtg_space {
	RTG_SPACE_CIELAB,
	RTG_SPACE_RGB, /* gamma-encoded sRGB, 0..1 */
	RTG_SPACE_OKLAB,
	RTG_SPACE_HSL,
	RTG_SPACE_HSV,
	RTG_SPACE_YUV, /* BT.601 on gamma-encoded sRGB */
	RTG_SPACE_CIELUV,
	RTG_SPACE_COUNT
};

/* Case-insensitive ("cielab", "Lab", "OKLab", ...).  0 or RTG_ERR_ARG. */
int rtg_space_parse(const char *name, enum rtg_space *out);
const char *rtg_space_name(enum rtg_space s); /* canonical: "CIELAB" ... */

/* sRGB transfer function (IEC 61966-2-1), scalar, 0..1 */
double rtg_srgb_to_linear(double v);
double rtg_linear_to_srgb(double v);
/* 256-entry table byte -> linear, built once, thread-safe. */
const float *rtg_srgb8_linear_table(void);

void rtg_rgb8_to_lin(struct rtg_rgb8 c, double lin[3]);
/* Clamps to 0..1 and rounds to nearest. */
struct rtg_rgb8 rtg_lin_to_rgb8(const double lin[3]);
bool rtg_lin_in_gamut(const double lin[3]);

void rtg_lin_to_xyz(const double lin[3], double xyz[3]);
void rtg_xyz_to_lin(const double xyz[3], double lin[3]);
void rtg_lin_to_lab(const double lin[3], double lab[3]);
void rtg_lab_to_lin(const double lab[3], double lin[3]);
void rtg_lin_to_luv(const double lin[3], double luv[3]);
void rtg_luv_to_lin(const double luv[3], double lin[3]);
void rtg_lin_to_oklab(const double lin[3], double ok[3]);
void rtg_oklab_to_lin(const double ok[3], double lin[3]);
/* OKLCH: L 0..1, C >= 0, h in degrees 0..360 */
void rtg_oklab_to_oklch(const double ok[3], double lch[3]);
void rtg_oklch_to_oklab(const double lch[3], double ok[3]);
void rtg_rgb8_to_oklch(struct rtg_rgb8 c, double lch[3]);
/* Converts OKLCH to rgb8, reducing chroma (hue and L kept) until the colour
 * is inside the sRGB gamut. */
struct rtg_rgb8 rtg_oklch_to_rgb8_clip(const double lch[3]);

/* Working-space encode/decode (see enum rtg_space). */
void rtg_space_encode(enum rtg_space s, const double lin[3], double out[3]);
void rtg_space_decode(enum rtg_space s, const double in[3], double lin[3]);

/* CIEDE2000 colour difference between two CIELAB colours. */
double rtg_ciede2000(const double lab1[3], const double lab2[3]);

/* WCAG 2.x relative luminance and contrast ratio (1..21). */
double rtg_rel_luminance(struct rtg_rgb8 c);
double rtg_contrast_ratio(struct rtg_rgb8 a, struct rtg_rgb8 b);

/* "#rrggbb" (7 chars + NUL) */
void rtg_rgb8_hex(struct rtg_rgb8 c, char out[8]);
/* Parses "#rrggbb" exactly; 0 or RTG_ERR_ARG. */
int rtg_hex_parse(const char *s, struct rtg_rgb8 *out);

/* Smallest angular distance between two hues in degrees (0..180). */
double rtg_hue_distance(double h1, double h2);

#endif
