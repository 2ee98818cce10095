/* test_colour.c - colour conversions against published reference values,
 * round trips, CIEDE2000 against Sharma et al.'s test data, WCAG ratios. */
#include "config.h"

#include <string.h>

#include "colour.h"
#include "status.h"
#include "t.h"

static const struct rtg_rgb8 RED = { 255, 0, 0 }, GREEN = { 0, 255, 0 },
	BLUE = { 0, 0, 255 }, WHITE = { 255, 255, 255 }, BLACK = { 0, 0, 0 };

static void
near3(const char *what, const double got[3], double e0, double e1, double e2,
      double eps)
{
	T_CHECK(fabs(got[0] - e0) <= eps && fabs(got[1] - e1) <= eps &&
	        fabs(got[2] - e2) <= eps,
	        "%s: got (%.5f, %.5f, %.5f), expected (%.5f, %.5f, %.5f) +- %g",
	        what, got[0], got[1], got[2], e0, e1, e2, eps);
}

static void
rgb8_lab(struct rtg_rgb8 c, double lab[3])
{
	double lin[3];

	rtg_rgb8_to_lin(c, lin);
	rtg_lin_to_lab(lin, lab);
}

static void
test_transfer(void)
{
	const float *t = rtg_srgb8_linear_table();
	int i, bad = 0;

	/* IEC 61966-2-1 values */
	T_NEAR(rtg_srgb_to_linear(0.5), 0.214041, 1e-6);
	T_NEAR(rtg_linear_to_srgb(0.5), 0.735357, 1e-6);
	T_NEAR(rtg_srgb_to_linear(0.04), 0.04 / 12.92, 1e-12);
	T_NEAR(rtg_linear_to_srgb(0.002), 0.002 * 12.92, 1e-12);
	T_CHECK(t == rtg_srgb8_linear_table(), "table built once");
	T_NEAR(t[0], 0.0, 0);
	T_NEAR(t[255], 1.0, 1e-7);
	T_NEAR(t[128], 0.215861, 1e-6);
	for (i = 0; i < 256; i++) {
		if (fabs(t[i] - rtg_srgb_to_linear(i / 255.0)) > 1e-7)
			bad++;
		if (i > 0 && !(t[i] > t[i - 1]))
			bad++;
	}
	T_CHECK(bad == 0, "%d table entries wrong or not increasing", bad);
	/* every byte survives byte -> linear -> byte */
	bad = 0;
	for (i = 0; i < 256; i++) {
		struct rtg_rgb8 c = { (uint8_t)i, (uint8_t)(255 - i), (uint8_t)(i * 7) };
		double lin[3];
		struct rtg_rgb8 d;

		rtg_rgb8_to_lin(c, lin);
		d = rtg_lin_to_rgb8(lin);
		if (d.r != c.r || d.g != c.g || d.b != c.b)
			bad++;
	}
	T_CHECK(bad == 0, "%d bytes do not round-trip", bad);
	{
		double lin[3] = { -0.1, 2.0, 0.5 };
		struct rtg_rgb8 d = rtg_lin_to_rgb8(lin);

		/* 0.5 linear = 0.7354 gamma = 187.5 -> 188 */
		T_CHECK(d.r == 0 && d.g == 255 && d.b == 188, "clamp/round: %d %d %d",
		        d.r, d.g, d.b);
	}
	{
		double in[3] = { 0, 0.5, 1 }, out1[3] = { -0.01, 0.5, 0.5 },
		       out2[3] = { 0.2, 1.01, 0.5 };

		T_CHECK(rtg_lin_in_gamut(in), "in gamut");
		T_CHECK(!rtg_lin_in_gamut(out1), "negative is out of gamut");
		T_CHECK(!rtg_lin_in_gamut(out2), "> 1 is out of gamut");
	}
}

static void
test_xyz_lab_luv(void)
{
	double lin[3], xyz[3], lab[3], luv[3];

	/* IEC 61966-2-1: the matrix columns are the primaries' XYZ */
	rtg_rgb8_to_lin(RED, lin);
	rtg_lin_to_xyz(lin, xyz);
	near3("XYZ(red)", xyz, 0.4124, 0.2126, 0.0193, 1e-4);
	rtg_rgb8_to_lin(WHITE, lin);
	rtg_lin_to_xyz(lin, xyz);
	near3("XYZ(white)", xyz, 0.9505, 1.0000, 1.0890, 1e-4);

	/* widely tabulated sRGB -> CIELAB (D65) values */
	rgb8_lab(RED, lab);
	near3("Lab(red)", lab, 53.24, 80.09, 67.20, 0.02);
	rgb8_lab(GREEN, lab);
	near3("Lab(green)", lab, 87.73, -86.18, 83.18, 0.02);
	rgb8_lab(BLUE, lab);
	near3("Lab(blue)", lab, 32.30, 79.19, -107.86, 0.02);
	rgb8_lab(WHITE, lab);
	near3("Lab(white)", lab, 100, 0, 0, 1e-9);
	rgb8_lab(BLACK, lab);
	near3("Lab(black)", lab, 0, 0, 0, 1e-12);
	rgb8_lab((struct rtg_rgb8){ 128, 128, 128 }, lab);
	near3("Lab(#808080)", lab, 53.59, 0, 0, 0.01);

	/* CIELUV (D65) of the primaries */
	rtg_rgb8_to_lin(RED, lin);
	rtg_lin_to_luv(lin, luv);
	near3("Luv(red)", luv, 53.24, 175.01, 37.76, 0.05);
	rtg_rgb8_to_lin(GREEN, lin);
	rtg_lin_to_luv(lin, luv);
	near3("Luv(green)", luv, 87.73, -83.07, 107.41, 0.05);
	rtg_rgb8_to_lin(BLUE, lin);
	rtg_lin_to_luv(lin, luv);
	near3("Luv(blue)", luv, 32.30, -9.40, -130.35, 0.05);
	rtg_rgb8_to_lin(WHITE, lin);
	rtg_lin_to_luv(lin, luv);
	near3("Luv(white)", luv, 100, 0, 0, 1e-9);
	rtg_rgb8_to_lin(BLACK, lin);
	rtg_lin_to_luv(lin, luv);
	near3("Luv(black)", luv, 0, 0, 0, 0);
}

static void
test_oklab(void)
{
	/* Ottosson's table of XYZ -> OKLab (3 decimals), through XYZ -> sRGB */
	static const double xyz_ok[4][6] = {
		{ 0.950, 1.000, 1.089, 1.000, 0.000, 0.000 },
		{ 1.000, 0.000, 0.000, 0.450, 1.236, -0.019 },
		{ 0.000, 1.000, 0.000, 0.922, -0.671, 0.263 },
		{ 0.000, 0.000, 1.000, 0.153, -1.415, -0.449 },
	};
	double lin[3], ok[3], lch[3], back[3];
	int i;

	for (i = 0; i < 4; i++) {
		rtg_xyz_to_lin(xyz_ok[i], lin);
		rtg_lin_to_oklab(lin, ok);
		near3("OKLab(Ottosson XYZ table)", ok, xyz_ok[i][3], xyz_ok[i][4],
		      xyz_ok[i][5], 2e-3);
	}
	/* sRGB primaries in OKLab (as tabulated in CSS Color 4 examples) */
	rtg_rgb8_to_lin(RED, lin);
	rtg_lin_to_oklab(lin, ok);
	near3("OKLab(red)", ok, 0.62796, 0.22486, 0.12585, 1e-4);
	rtg_rgb8_to_lin(GREEN, lin);
	rtg_lin_to_oklab(lin, ok);
	near3("OKLab(green)", ok, 0.86644, -0.23389, 0.17950, 1e-4);
	rtg_rgb8_to_lin(BLUE, lin);
	rtg_lin_to_oklab(lin, ok);
	near3("OKLab(blue)", ok, 0.45201, -0.03246, -0.31153, 1e-4);
	rtg_rgb8_to_lin(WHITE, lin);
	rtg_lin_to_oklab(lin, ok);
	near3("OKLab(white)", ok, 1, 0, 0, 1e-4);

	/* OKLCH: red's hue is 29.23 deg, blue's 264.05 deg */
	rtg_rgb8_to_oklch(RED, lch);
	near3("OKLCH(red)", lch, 0.62796, 0.25768, 29.234, 2e-3);
	rtg_rgb8_to_oklch(BLUE, lch);
	near3("OKLCH(blue)", lch, 0.45201, 0.31321, 264.052, 2e-3);
	rtg_oklch_to_oklab(lch, back);
	rtg_rgb8_to_lin(BLUE, lin);
	rtg_lin_to_oklab(lin, ok);
	near3("OKLCH->OKLab round trip", back, ok[0], ok[1], ok[2], 1e-12);
	/* hue of a negative-b colour lands in 0..360 */
	ok[0] = 0.5; ok[1] = 0.1; ok[2] = -0.1;
	rtg_oklab_to_oklch(ok, lch);
	T_NEAR(lch[2], 315, 1e-9);
}

static void
test_working_spaces(void)
{
	double lin[3], w[3], back[3], maxerr;
	int s, r, g, b;

	/* encode then decode returns the input, for every space, on a grid
	 * covering the whole gamut (corners, greys, near-black included) */
	for (s = 0; s < RTG_SPACE_COUNT; s++) {
		maxerr = 0;
		for (r = 0; r <= 255; r += 15)
			for (g = 0; g <= 255; g += 15)
				for (b = 0; b <= 255; b += 15) {
					int i;

					rtg_rgb8_to_lin((struct rtg_rgb8){ (uint8_t)r, (uint8_t)g, (uint8_t)b }, lin);
					rtg_space_encode((enum rtg_space)s, lin, w);
					rtg_space_decode((enum rtg_space)s, w, back);
					for (i = 0; i < 3; i++)
						if (!(fabs(back[i] - lin[i]) <= maxerr))
							maxerr = fabs(back[i] - lin[i]);
				}
		T_CHECK(maxerr <= 1e-4, "%s round trip error %g",
		        rtg_space_name((enum rtg_space)s), maxerr);
	}

	/* near-black values off the byte grid */
	for (s = 0; s < RTG_SPACE_COUNT; s++) {
		double tiny[3] = { 1e-5, 3e-5, 2e-6 };

		rtg_space_encode((enum rtg_space)s, tiny, w);
		rtg_space_decode((enum rtg_space)s, w, back);
		near3(rtg_space_name((enum rtg_space)s), back, tiny[0], tiny[1],
		      tiny[2], 1e-6);
	}

	/* independent expectations for the coordinates themselves */
	rtg_rgb8_to_lin(RED, lin);
	rtg_space_encode(RTG_SPACE_HSV, lin, w);
	near3("HSV(red)", w, 1, 0, 1, 1e-12);
	rtg_rgb8_to_lin(GREEN, lin);
	rtg_space_encode(RTG_SPACE_HSV, lin, w);
	near3("HSV(green)", w, -0.5, sqrt(3) / 2, 1, 1e-12);
	rtg_rgb8_to_lin((struct rtg_rgb8){ 0, 255, 255 }, lin);
	rtg_space_encode(RTG_SPACE_HSL, lin, w);
	near3("HSL(cyan)", w, -1, 0, 0.5, 1e-12);
	/* #804040: HSL h 0, s 1/3, l 0.376 */
	rtg_rgb8_to_lin((struct rtg_rgb8){ 128, 64, 64 }, lin);
	rtg_space_encode(RTG_SPACE_HSL, lin, w);
	near3("HSL(#804040)", w, 64.0 / 192.0, 0, 96.0 / 255.0, 1e-9);
	rtg_space_encode(RTG_SPACE_HSV, lin, w);
	near3("HSV(#804040)", w, 0.5, 0, 128.0 / 255.0, 1e-9);
	rtg_rgb8_to_lin(WHITE, lin);
	rtg_space_encode(RTG_SPACE_YUV, lin, w);
	near3("YUV(white)", w, 1, 0, 0, 1e-12);
	rtg_rgb8_to_lin(RED, lin);
	rtg_space_encode(RTG_SPACE_YUV, lin, w);
	near3("YUV(red)", w, 0.299, -0.14713, 0.615, 1e-5);
	rtg_rgb8_to_lin(BLUE, lin);
	rtg_space_encode(RTG_SPACE_YUV, lin, w);
	near3("YUV(blue)", w, 0.114, 0.436, -0.10001, 1e-5);
	rtg_rgb8_to_lin((struct rtg_rgb8){ 128, 0, 255 }, lin);
	rtg_space_encode(RTG_SPACE_RGB, lin, w);
	near3("RGB(#8000ff)", w, 128 / 255.0, 0, 1, 1e-12);
	rtg_rgb8_to_lin(RED, lin);
	rtg_space_encode(RTG_SPACE_CIELAB, lin, w);
	near3("CIELAB space", w, 53.24, 80.09, 67.20, 0.02);
	rtg_space_encode(RTG_SPACE_OKLAB, lin, w);
	near3("OKLAB space", w, 0.62796, 0.22486, 0.12585, 1e-4);
	rtg_space_encode(RTG_SPACE_CIELUV, lin, w);
	near3("CIELUV space", w, 53.24, 175.01, 37.76, 0.05);
}

static double
dist3(const double a[3], const double b[3])
{
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
	            (a[2] - b[2]) * (a[2] - b[2]));
}

static void
test_hue_circular(void)
{
	/* (255,0,4) has hue 359.06 deg, (255,4,0) 0.94 deg, (0,255,251) 179 */
	static const enum rtg_space sp[2] = { RTG_SPACE_HSL, RTG_SPACE_HSV };
	double l1[3], l2[3], l3[3], w1[3], w2[3], w3[3];
	int i;

	rtg_rgb8_to_lin((struct rtg_rgb8){ 255, 0, 4 }, l1);
	rtg_rgb8_to_lin((struct rtg_rgb8){ 255, 4, 0 }, l2);
	rtg_rgb8_to_lin((struct rtg_rgb8){ 0, 255, 251 }, l3);
	for (i = 0; i < 2; i++) {
		rtg_space_encode(sp[i], l1, w1);
		rtg_space_encode(sp[i], l2, w2);
		rtg_space_encode(sp[i], l3, w3);
		/* s = 1 on both: chord for 1.88 deg = 2 sin(0.94 deg) = 0.0328 */
		T_NEAR(dist3(w1, w2), 2 * sin(0.9412 * M_PI / 180), 1e-3);
		T_CHECK(dist3(w1, w3) > 1.9, "%s: opposite hues far apart (%.3f)",
		        rtg_space_name(sp[i]), dist3(w1, w3));
	}
}

/* Sharma, Wu, Dalal (2005), Table 1: all 34 pairs. */
static const double sharma[34][7] = {
	{ 50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425 },
	{ 50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615 },
	{ 50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412 },
	{ 50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000 },
	{ 50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000 },
	{ 50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000 },
	{ 50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669 },
	{ 50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669 },
	{ 50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792 },
	{ 50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792 },
	{ 50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195 },
	{ 50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195 },
	{ 50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045 },
	{ 50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045 },
	{ 50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461 },
	{ 50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065 },
	{ 50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492 },
	{ 50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977 },
	{ 50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030 },
	{ 50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535 },
	{ 50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000 },
	{ 50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000 },
	{ 50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000 },
	{ 50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000 },
	{ 60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644 },
	{ 63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630 },
	{ 61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731 },
	{ 35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645 },
	{ 22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373 },
	{ 36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146 },
	{ 90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441 },
	{ 90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381 },
	{ 6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377 },
	{ 2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082 },
};

static void
test_ciede2000(void)
{
	int i;

	for (i = 0; i < 34; i++) {
		double d = rtg_ciede2000(sharma[i], sharma[i] + 3);
		double e = rtg_ciede2000(sharma[i] + 3, sharma[i]);

		T_CHECK(fabs(d - sharma[i][6]) <= 5e-5,
		        "Sharma pair %d: dE00 %.5f, expected %.4f", i + 1, d, sharma[i][6]);
		T_CHECK(fabs(d - e) <= 1e-9, "pair %d not symmetric", i + 1);
	}
	T_NEAR(rtg_ciede2000(sharma[0], sharma[0]), 0, 0);
}

static void
test_wcag(void)
{
	struct rtg_rgb8 c;

	T_NEAR(rtg_rel_luminance(WHITE), 1, 1e-12);
	T_NEAR(rtg_rel_luminance(BLACK), 0, 0);
	T_NEAR(rtg_rel_luminance(GREEN), 0.7152, 1e-12);
	T_NEAR(rtg_contrast_ratio(BLACK, WHITE), 21, 1e-9);
	T_NEAR(rtg_contrast_ratio(WHITE, BLACK), 21, 1e-9);
	T_NEAR(rtg_contrast_ratio(WHITE, WHITE), 1, 0);
	/* the well-known "grey on white" pairs: #777 fails AA, #767676 passes */
	T_CHECK(rtg_hex_parse("#777777", &c) == 0, "parse");
	T_NEAR(rtg_contrast_ratio(c, WHITE), 4.48, 0.005);
	T_CHECK(rtg_contrast_ratio(c, WHITE) < 4.5, "#777 on white fails AA");
	T_CHECK(rtg_hex_parse("#767676", &c) == 0, "parse");
	T_NEAR(rtg_contrast_ratio(c, WHITE), 4.54, 0.005);
	T_CHECK(rtg_hex_parse("#595959", &c) == 0, "parse");
	T_NEAR(rtg_contrast_ratio(c, WHITE), 7.00, 0.005);
	T_NEAR(rtg_contrast_ratio(RED, WHITE), 4.00, 0.005);
	T_NEAR(rtg_contrast_ratio(BLUE, WHITE), 8.59, 0.005);
	T_NEAR(rtg_contrast_ratio(GREEN, BLACK), 15.30, 0.005);
}

static void
test_hex(void)
{
	struct rtg_rgb8 c = { 1, 2, 3 }, d;
	char buf[8];
	static const char *const junk[] = {
		"", "#", "#fff", "ffffff", "#ffffff0", "#gggggg", "#12345",
		"#12 456", " #123456", "#123456 ", "##12345", "#-12345",
	};
	unsigned i;
	int bad = 0;

	rtg_rgb8_hex((struct rtg_rgb8){ 0x0a, 0xbc, 0xff }, buf);
	T_CHECK(strcmp(buf, "#0abcff") == 0, "hex %s", buf);
	T_CHECK(rtg_hex_parse("#FfA0b1", &c) == 0 && c.r == 0xff && c.g == 0xa0 &&
	        c.b == 0xb1, "parse mixed case");
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		d = (struct rtg_rgb8){ 9, 9, 9 };
		T_CHECK(rtg_hex_parse(junk[i], &d) == RTG_ERR_ARG, "accepted \"%s\"",
		        junk[i]);
		T_CHECK(d.r == 9 && d.g == 9 && d.b == 9, "\"%s\" wrote output", junk[i]);
	}
	T_CHECK(rtg_hex_parse(NULL, &d) == RTG_ERR_ARG, "NULL accepted");
	for (i = 0; i < 4096; i++) {
		c = (struct rtg_rgb8){ (uint8_t)(i * 37), (uint8_t)(i >> 4), (uint8_t)(i * 11) };
		rtg_rgb8_hex(c, buf);
		if (rtg_hex_parse(buf, &d) != 0 || d.r != c.r || d.g != c.g || d.b != c.b)
			bad++;
	}
	T_CHECK(bad == 0, "%d hex round trips failed", bad);
}

static void
test_space_parse(void)
{
	static const struct {
		const char *name;
		enum rtg_space s;
	} ok[] = {
		{ "CIELAB", RTG_SPACE_CIELAB }, { "cielab", RTG_SPACE_CIELAB },
		{ "Lab", RTG_SPACE_CIELAB }, { "lab", RTG_SPACE_CIELAB },
		{ "RGB", RTG_SPACE_RGB }, { "sRGB", RTG_SPACE_RGB },
		{ "OKLab", RTG_SPACE_OKLAB }, { "oklab", RTG_SPACE_OKLAB },
		{ "hsl", RTG_SPACE_HSL }, { "HSV", RTG_SPACE_HSV },
		{ "yuv", RTG_SPACE_YUV }, { "CIELuv", RTG_SPACE_CIELUV },
		{ "LUV", RTG_SPACE_CIELUV },
	};
	static const char *const junk[] = {
		"", "lab ", " lab", "labx", "cie lab", "xyz", "ok", "hs", "CIELAB\n",
	};
	enum rtg_space s;
	unsigned i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		s = RTG_SPACE_COUNT;
		T_CHECK(rtg_space_parse(ok[i].name, &s) == 0 && s == ok[i].s,
		        "\"%s\" -> %d", ok[i].name, (int)s);
	}
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		T_CHECK(rtg_space_parse(junk[i], &s) == RTG_ERR_ARG, "accepted \"%s\"",
		        junk[i]);
	T_CHECK(rtg_space_parse(NULL, &s) == RTG_ERR_ARG, "NULL accepted");
	for (i = 0; i < RTG_SPACE_COUNT; i++) {
		s = RTG_SPACE_COUNT;
		T_CHECK(rtg_space_parse(rtg_space_name((enum rtg_space)i), &s) == 0 &&
		        s == (enum rtg_space)i, "canonical name of %u", i);
	}
	T_CHECK(strcmp(rtg_space_name(RTG_SPACE_CIELAB), "CIELAB") == 0, "name");
	T_CHECK(strcmp(rtg_space_name(RTG_SPACE_OKLAB), "OKLAB") == 0, "name");
	T_CHECK(rtg_space_name(RTG_SPACE_COUNT) != NULL, "invalid space name");
}

static void
test_oklch_clip(void)
{
	double lch[3], got[3], lin[3], probe[3];
	int li, hi, bad_l = 0, bad_h = 0, bad_max = 0, n = 0, i, bad_rt = 0;
	struct rtg_rgb8 c;

	/* way out of gamut: C = 0.4 at every hue (from L 0.1: below that one
	 * byte step is more than the 0.01 allowed for L) */
	for (li = 2; li <= 19; li++) {
		for (hi = 0; hi < 36; hi++) {
			lch[0] = li * 0.05;
			lch[1] = 0.4;
			lch[2] = hi * 10.0;
			c = rtg_oklch_to_rgb8_clip(lch);
			rtg_rgb8_to_oklch(c, got);
			n++;
			/* byte rounding moves L by well under 0.01 above L 0.05 */
			if (fabs(got[0] - lch[0]) > 0.01)
				bad_l++;
			/* hue only means something with chroma; byte steps are
			 * ~0.003 in a/b, so a few degrees at C 0.08 */
			if (got[1] >= 0.08 && rtg_hue_distance(got[2], lch[2]) > 3)
				bad_h++;
			/* and the chroma was not reduced more than needed:
			 * 0.01 more is outside the gamut */
			probe[0] = lch[0];
			probe[1] = got[1] + 0.01;
			probe[2] = lch[2];
			rtg_oklch_to_oklab(probe, got);
			rtg_oklab_to_lin(got, lin);
			if (rtg_lin_in_gamut(lin))
				bad_max++;
		}
	}
	T_CHECK(bad_l == 0, "%d/%d clipped colours lost their lightness", bad_l, n);
	T_CHECK(bad_h == 0, "%d/%d clipped colours lost their hue", bad_h, n);
	T_CHECK(bad_max == 0, "%d/%d clipped colours lost too much chroma",
	        bad_max, n);

	/* in-gamut colours come back unchanged */
	for (i = 0; i < 2000; i++) {
		struct rtg_rgb8 in = { (uint8_t)(i * 7), (uint8_t)(i * 13 + 5), (uint8_t)(i * 29 + 1) };

		rtg_rgb8_to_oklch(in, lch);
		c = rtg_oklch_to_rgb8_clip(lch);
		if (c.r != in.r || c.g != in.g || c.b != in.b)
			bad_rt++;
	}
	T_CHECK(bad_rt == 0, "%d in-gamut colours changed", bad_rt);

	lch[0] = 1.2; lch[1] = 0.3; lch[2] = 40;
	c = rtg_oklch_to_rgb8_clip(lch);
	T_CHECK(c.r == 255 && c.g == 255 && c.b == 255, "L > 1 is white");
	lch[0] = -0.1;
	c = rtg_oklch_to_rgb8_clip(lch);
	T_CHECK(c.r == 0 && c.g == 0 && c.b == 0, "L < 0 is black");
	lch[0] = 0.7; lch[1] = 0; lch[2] = 123;
	c = rtg_oklch_to_rgb8_clip(lch);
	T_CHECK(c.r == c.g && c.g == c.b, "C = 0 is grey (%d %d %d)", c.r, c.g, c.b);
}

static void
test_hue_distance(void)
{
	T_NEAR(rtg_hue_distance(359, 1), 2, 1e-12);
	T_NEAR(rtg_hue_distance(1, 359), 2, 1e-12);
	T_NEAR(rtg_hue_distance(10, 350), 20, 1e-12);
	T_NEAR(rtg_hue_distance(0, 180), 180, 1e-12);
	T_NEAR(rtg_hue_distance(90, 271), 179, 1e-12);
	T_NEAR(rtg_hue_distance(725, 5), 0, 1e-12);
	T_NEAR(rtg_hue_distance(-10, 10), 20, 1e-12);
}

int
main(void)
{
	test_transfer();
	test_xyz_lab_luv();
	test_oklab();
	test_working_spaces();
	test_hue_circular();
	test_ciede2000();
	test_wcag();
	test_hex();
	test_space_parse();
	test_oklch_clip();
	test_hue_distance();
	return t_done();
}
