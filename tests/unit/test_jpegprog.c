/* test_jpegprog.c - the reduced-scale progressive JPEG decoder (jpegprog.c)
 * against libjpeg, on synthetic pictures encoded here by libjpeg with the
 * progressions and layouts a cover may use: default scan script, restart
 * intervals, 4:2:0 / 4:2:2 / 4:4:4 / 4:1:1, greyscale, non-interleaved DC
 * scans, spectral selection without successive approximation, several DC
 * refinements; sizes that do not fill whole MCUs; restart intervals that
 * change between scans.  And what it must leave to libjpeg (tables
 * redefined between scans, broken streams), quickly and without reading
 * past the buffer: hand-made files cut short, a truncated SOS segment, a
 * Huffman table with an all-ones code. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_JPEG
#include "t_jpeg.h"
#endif

#include "image.h"
#include "jpegprog.h"
#include "status.h"
#include "t.h"
#include "t_grid.h"

#ifdef HAVE_JPEG
/* Smooth gradients, a few saturated patches and some texture: detail at
 * every scale, colours up to the gamut's edges. */
static uint8_t *
picture(uint32_t w, uint32_t h)
{
	uint8_t *p = malloc((size_t)w * h * 3);
	if (p == NULL)
		exit(1);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint8_t *q = p + ((size_t)y * w + x) * 3;
			double t = sin(x * 0.21) * cos(y * 0.13);
			q[0] = (uint8_t)(x * 255 / w);
			q[1] = (uint8_t)(128 + 100 * t);
			q[2] = (uint8_t)(y * 255 / h);
			if ((x / 23 + y / 17) % 5 == 0) { /* saturated patches */
				q[0] = 230;
				q[1] = 30;
				q[2] = (uint8_t)(20 + x % 7);
			}
		}
	return p;
}

struct cfg {
	const char *name;
	int same_as;                 /* index of a config whose coefficients
	                              * this one codes too (restarts), or -1 */
	int grey;
	int samp[3][2];              /* h, v per component */
	unsigned restart;            /* MCUs, 0: none, or ROWS(n) */
	const jpeg_scan_info *scans; /* NULL: jpeg_simple_progression */
	int nscans;
};

/* Restart every n MCU rows (cjpeg -restart n): libjpeg converts that to
 * MCUs for each scan, and a non-interleaved scan has rows of blocks, not
 * of MCUs, so a DRI with another interval comes before such scans */
#define ROWS(n) (0x10000u | (n))

/* DC per component (non-interleaved), then AC by spectral selection only */
static const jpeg_scan_info scans_dc_apart[] = {
	{ 1, { 0 }, 0, 0, 0, 0 },    { 1, { 1 }, 0, 0, 0, 0 },  { 1, { 2 }, 0, 0, 0, 0 },
	{ 1, { 0 }, 1, 2, 0, 0 },    { 1, { 0 }, 3, 9, 0, 0 },  { 1, { 0 }, 10, 63, 0, 0 },
	{ 1, { 1 }, 1, 63, 0, 0 },   { 1, { 2 }, 1, 63, 0, 0 },
};
/* DC in three steps of successive approximation, AC with refinement */
static const jpeg_scan_info scans_dc_steps[] = {
	{ 3, { 0, 1, 2 }, 0, 0, 0, 2 }, { 1, { 0 }, 1, 63, 0, 1 }, { 3, { 0, 1, 2 }, 0, 0, 2, 1 },
	{ 1, { 1 }, 1, 63, 0, 0 },      { 1, { 2 }, 1, 63, 0, 0 }, { 3, { 0, 1, 2 }, 0, 0, 1, 0 },
	{ 1, { 0 }, 1, 63, 1, 0 },
};

static uint8_t *
encode(const struct cfg *c, const uint8_t *rgb, uint32_t w, uint32_t h, unsigned long *len,
       int quality)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr je;
	unsigned char *out = NULL;
	uint8_t *row = malloc((size_t)w * 3);

	ci.err = jpeg_std_error(&je);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, len);
	ci.image_width = w;
	ci.image_height = h;
	ci.input_components = c->grey ? 1 : 3;
	ci.in_color_space = c->grey ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, quality, TRUE);
	for (int i = 0; !c->grey && i < 3; i++) {
		ci.comp_info[i].h_samp_factor = c->samp[i][0];
		ci.comp_info[i].v_samp_factor = c->samp[i][1];
	}
	if (c->scans != NULL) {
		ci.scan_info = c->scans;
		ci.num_scans = c->nscans;
	} else {
		jpeg_simple_progression(&ci);
	}
	if (c->restart > 0xFFFF)
		ci.restart_in_rows = (int)(c->restart & 0xFFFF);
	else
		ci.restart_interval = c->restart;
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < h) {
		const uint8_t *src = rgb + (size_t)ci.next_scanline * w * 3;
		if (c->grey)
			for (uint32_t x = 0; x < w; x++)
				row[x] = (uint8_t)((src[3 * x] * 77 + src[3 * x + 1] * 150 +
				                    src[3 * x + 2] * 29) >> 8);
		else
			memcpy(row, src, (size_t)w * 3);
		JSAMPROW r = row;
		jpeg_write_scanlines(&ci, &r, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	free(row);
	return out;
}

static double
mean_absdiff(const uint8_t *a, const uint8_t *b, size_t npx)
{
	double s = 0;
	for (size_t i = 0; i < npx; i++)
		for (int c = 0; c < 3; c++)
			s += abs(a[i * 4 + c] - b[i * 4 + c]);
	return s / (3.0 * (double)npx);
}

/* Mean colour of the picture, to catch a shift that per-pixel noise hides */
static void
mean_rgb(const uint8_t *px, size_t npx, double m[3])
{
	m[0] = m[1] = m[2] = 0;
	for (size_t i = 0; i < npx; i++)
		for (int c = 0; c < 3; c++)
			m[c] += px[i * 4 + c];
	for (int c = 0; c < 3; c++)
		m[c] /= (double)npx;
}

/* The portable C code gives the pixels of the SIMD code (x86-64: SSE2
 * IDCT, upsampling and colour conversion), bit for bit. */
static void
check_portable(const uint8_t *jpg, size_t len, int d, int grey, const struct rtg_image *simd,
               const char *name)
{
	struct rtg_image img;
	char err[RTG_ERRLEN];

	rtg_jpegprog_portable = 1;
	int st = rtg_jpegprog_decode(jpg, len, d, grey, 0, &img, err);
	rtg_jpegprog_portable = 0;
	T_CHECK(st == 0, "%s 1/%d: portable code: %d", name, d, st);
	if (st != 0)
		return;
	T_CHECK(img.width == simd->width && img.height == simd->height &&
	        memcmp(img.px, simd->px, (size_t)img.width * img.height * 4) == 0,
	        "%s 1/%d: portable and SIMD pixels differ", name, d);
	rtg_image_free(&img);
}

static size_t find_marker(const uint8_t *b, size_t len, uint8_t m, int n);

/* Distinct restart intervals that DRI segments of the file set */
static int
dri_values(const uint8_t *b, size_t len)
{
	unsigned seen[16];
	int n = 0;
	for (int k = 0; k < 64 && n < 16; k++) {
		size_t at = find_marker(b, len, 0xDD, k);
		if (at == 0)
			break;
		unsigned ri = (unsigned)b[at + 4] << 8 | b[at + 5];
		int i = 0;
		while (i < n && seen[i] != ri)
			i++;
		if (i == n)
			seen[n++] = ri;
	}
	return n;
}

static void
test_layouts(void)
{
	static const struct cfg cfgs[] = {
		{ "4:2:0 default script", -1, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, 0, NULL, 0 },
		{ "4:2:0 restart 3", 0, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, 3, NULL, 0 },
		{ "4:2:0 restart 1", 0, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, 1, NULL, 0 },
		{ "4:4:4", -1, 0, { { 1, 1 }, { 1, 1 }, { 1, 1 } }, 0, NULL, 0 },
		{ "4:2:2 restart 5", -1, 0, { { 2, 1 }, { 1, 1 }, { 1, 1 } }, 5, NULL, 0 },
		{ "4:1:1", -1, 0, { { 4, 1 }, { 1, 1 }, { 1, 1 } }, 0, NULL, 0 },
		{ "grey", -1, 1, { { 1, 1 } }, 0, NULL, 0 },
		{ "grey restart 2", 6, 1, { { 1, 1 } }, 2, NULL, 0 },
		{ "DC apart, spectral only", -1, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, 0,
		  scans_dc_apart, (int)(sizeof scans_dc_apart / sizeof scans_dc_apart[0]) },
		{ "DC apart, restart 4", 8, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, 4, scans_dc_apart,
		  (int)(sizeof scans_dc_apart / sizeof scans_dc_apart[0]) },
		{ "DC in steps", -1, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, 0, scans_dc_steps,
		  (int)(sizeof scans_dc_steps / sizeof scans_dc_steps[0]) },
		/* a DRI before each scan whose interval differs from the last one
		 * (every scan uses its own: the scans are decoded side by side
		 * after the whole file is parsed) */
		{ "4:2:0 restart 1 row", 0, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, ROWS(1), NULL, 0 },
		{ "DC apart, restart 2 rows", 8, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, ROWS(2),
		  scans_dc_apart, (int)(sizeof scans_dc_apart / sizeof scans_dc_apart[0]) },
		{ "4:2:2 restart 3 rows", 4, 0, { { 2, 1 }, { 1, 1 }, { 1, 1 } }, ROWS(3), NULL, 0 },
	};
	enum { NCFG = sizeof cfgs / sizeof cfgs[0] };
	uint8_t *kept[NCFG][3] = { { NULL } }; /* decodes at 1/2, 1/4, 1/8 */
	/* 203 x 131: not a multiple of any MCU size */
	const uint32_t w = 203, h = 131;
	uint8_t *rgb = picture(w, h);

	for (size_t i = 0; i < NCFG; i++) {
		unsigned long len = 0;
		uint8_t *jpg = encode(&cfgs[i], rgb, w, h, &len, 85);
		if (cfgs[i].restart > 0xFFFF)
			T_CHECK(dri_values(jpg, len) > 1, "%s: %d restart interval(s), want several",
			        cfgs[i].name, dri_values(jpg, len));
		for (int d = 2, di = 0; d <= 8; d *= 2, di++) {
			uint32_t rw, rh;
			uint8_t *ref = t_libjpeg_decode(jpg, len, d, &rw, &rh);
			struct rtg_image img;
			char err[RTG_ERRLEN];
			int st = rtg_image_decode(jpg, len, NULL, (uint64_t)rw * rh, &img, err);
			T_CHECK(st == 0, "%s 1/%d: %s", cfgs[i].name, d, err);
			if (st != 0 || ref == NULL) {
				free(ref);
				continue;
			}
			T_CHECK(img.decoder == rtg_jpegprog_decoder, "%s 1/%d: decoded by %s",
			        cfgs[i].name, d, img.decoder);
			check_portable(jpg, len, d, cfgs[i].grey, &img, cfgs[i].name);
			T_CHECK(t_grid_check(cfgs[i].name, jpg, len, (uint64_t)rw * rh,
			                     (uint64_t)rw * rh / 3) == 1, "%s 1/%d: grid kept",
			        cfgs[i].name, d);
			T_CHECK(img.width == rw && img.height == rh && img.scale_denom == d &&
			        img.full_width == w && img.full_height == h,
			        "%s 1/%d: %ux%u of %ux%u, libjpeg %ux%u", cfgs[i].name, d, img.width,
			        img.height, img.full_width, img.full_height, rw, rh);
			if (img.width == rw && img.height == rh) {
				size_t npx = (size_t)rw * rh;
				double mad = mean_absdiff(img.px, ref, npx), a[3], b[3], shift = 0;
				mean_rgb(img.px, npx, a);
				mean_rgb(ref, npx, b);
				for (int c = 0; c < 3; c++)
					shift = fmax(shift, fabs(a[c] - b[c]));
				/* the picture's colours, what a palette is made of: the
				 * mean moved at most 0.16 levels */
				T_CHECK(shift < 0.5, "%s 1/%d: mean colour moved %.2f", cfgs[i].name, d,
				        shift);
				/* restart markers change the stream, not the result */
				int same = cfgs[i].same_as;
				if (same >= 0 && kept[same][di] != NULL)
					T_CHECK(memcmp(kept[same][di], img.px, npx * 4) == 0,
					        "%s 1/%d: not the pixels of %s", cfgs[i].name, d,
					        cfgs[same].name);
				kept[i][di] = malloc(npx * 4);
				if (kept[i][di] != NULL)
					memcpy(kept[i][di], img.px, npx * 4);
				/* against the picture itself, box-filtered to 1/d */
				double tr = 0, tl = 0;
				size_t nt = 0;
				for (uint32_t y = 0; y + 1 < rh; y++)
					for (uint32_t x = 0; x + 1 < rw; x++, nt++)
						for (int ch = 0; ch < 3; ch++) {
							double m = 0;
							for (int yy = 0; yy < d; yy++)
								for (int xx = 0; xx < d; xx++) {
									const uint8_t *q =
									        rgb + (((size_t)y * (uint32_t)d + (uint32_t)yy) * w +
									               x * (uint32_t)d + (uint32_t)xx) * 3;
									m += cfgs[i].grey ? (q[0] * 77 + q[1] * 150 +
									                     q[2] * 29) >> 8
									                  : q[ch];
								}
							m /= d * d;
							tr += fabs(img.px[((size_t)y * rw + x) * 4 + ch] - m);
							tl += fabs(ref[((size_t)y * rw + x) * 4 + ch] - m);
						}
				tr /= 3.0 * (double)nt;
				tl /= 3.0 * (double)nt;
				/* pixels: the reduced IDCT reads fewer coefficients than
				 * libjpeg's (which box-filter exactly), chroma stays at
				 * half resolution at 1/2, AC refinement is skipped:
				 * measured at most 3.6 levels further from the picture
				 * than libjpeg's decode of all scans at that scale, in
				 * this picture of sharp saturated patches */
				T_CHECK(tr < tl + 4.5, "%s 1/%d: %.2f levels from the picture, libjpeg "
				        "%.2f", cfgs[i].name, d, tr, tl);
				printf("%-24s 1/%d: from libjpeg %.2f levels, mean colour %.2f; from the "
				       "picture %.2f (libjpeg %.2f)\n", cfgs[i].name, d, mad, shift, tr, tl);
			}
			rtg_image_free(&img);
			free(ref);
		}
		free(jpg);
	}
	for (size_t i = 0; i < NCFG; i++)
		for (int di = 0; di < 3; di++)
			free(kept[i][di]);
	free(rgb);
}

/* The colour conversion, every Y, Cb, Cr, both code paths, against the
 * equations (jpegprog.h) computed here in floating point: exact. */
static void
test_colour(void)
{
	static uint8_t y[256 * 256], cb[256 * 256], cr[256 * 256];
	uint8_t *q = malloc(256 * 256 * 4);
	long bad[2] = { 0, 0 };

	if (q == NULL)
		exit(1);
	for (int port = 0; port < 2; port++) {
		rtg_jpegprog_portable = port;
		for (int l = 0; l < 256; l++) {
			for (int i = 0; i < 256 * 256; i++) {
				y[i] = (uint8_t)l;
				cb[i] = (uint8_t)(i & 255);
				cr[i] = (uint8_t)(i >> 8);
			}
			rtg_jpegprog_ycc_rgba(y, cb, cr, 256 * 256, q);
			for (int i = 0; i < 256 * 256; i++) {
				double b = cb[i] - 128, r = cr[i] - 128;
				double e[3] = { floor((91881 * r + 32768) / 65536),
					        floor((-22554 * b - 46802 * r + 32768) / 65536),
					        floor((116130 * b + 32768) / 65536) };
				for (int c = 0; c < 3; c++) {
					double v = fmin(255, fmax(0, l + e[c]));
					bad[port] += q[4 * i + c] != (uint8_t)v;
				}
				bad[port] += q[4 * i + 3] != 255;
			}
		}
	}
	rtg_jpegprog_portable = 0;
	T_CHECK(bad[0] == 0 && bad[1] == 0, "colour conversion: %ld (SIMD), %ld (portable) "
	        "values off", bad[0], bad[1]);
	free(q);
}

/* White noise at quality 98: Huffman codes longer than the decoder's
 * lookahead, magnitudes that do not fit it, colours clamped at 0 and 255
 * after the IDCT and the colour conversion. */
static void
test_noise(void)
{
	static const struct cfg cfgs[] = {
		{ "noise 4:2:0", -1, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, 0, NULL, 0 },
		{ "noise 4:4:4 restart 7", -1, 0, { { 1, 1 }, { 1, 1 }, { 1, 1 } }, 7, NULL, 0 },
		{ "noise grey", -1, 1, { { 1, 1 } }, 0, NULL, 0 },
	};
	const uint32_t w = 157, h = 122;
	uint8_t *rgb = malloc((size_t)w * h * 3);
	uint64_t seed = 0x9e3779b97f4a7c15u;

	if (rgb == NULL)
		exit(1);
	for (size_t i = 0; i < (size_t)w * h * 3; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		rgb[i] = (uint8_t)(seed >> 56);
	}
	for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
		struct cfg c = cfgs[i];
		unsigned long len = 0;
		uint8_t *jpg = encode(&c, rgb, w, h, &len, 98);
		for (int d = 2; d <= 8; d *= 2) {
			uint32_t rw, rh;
			uint8_t *ref = t_libjpeg_decode(jpg, len, d, &rw, &rh);
			struct rtg_image img;
			char err[RTG_ERRLEN];
			int st = rtg_jpegprog_decode(jpg, len, d, c.grey, 0, &img, err);
			T_CHECK(st == 0, "%s 1/%d: %d", c.name, d, st);
			if (st == 0 && ref != NULL) {
				check_portable(jpg, len, d, c.grey, &img, c.name);
				T_CHECK(img.width == rw && img.height == rh, "%s 1/%d: %ux%u, libjpeg %ux%u",
				        c.name, d, img.width, img.height, rw, rh);
				double a[3], b[3], shift = 0;
				mean_rgb(img.px, (size_t)rw * rh, a);
				mean_rgb(ref, (size_t)rw * rh, b);
				for (int ch = 0; ch < 3; ch++)
					shift = fmax(shift, fabs(a[ch] - b[ch]));
				/* measured at most 0.06 levels */
				T_CHECK(shift < 0.5, "%s 1/%d: mean colour moved %.2f", c.name, d, shift);
				printf("%-24s 1/%d: mean colour %.2f from libjpeg's\n", c.name, d, shift);
			}
			if (st == 0)
				rtg_image_free(&img);
			free(ref);
		}
		free(jpg);
	}
	free(rgb);
}

/* Offset of the n-th marker m (0xFF m) at a segment boundary, or 0. */
static size_t
find_marker(const uint8_t *b, size_t len, uint8_t m, int n)
{
	size_t i = 2;
	while (i + 4 <= len && b[i] == 0xFF) {
		uint8_t k = b[i + 1];
		if (k == 0xD9)
			return 0;
		size_t seg = 2 + ((size_t)b[i + 2] << 8 | b[i + 3]);
		if (k == m && n-- == 0)
			return i;
		i += seg;
		if (k == 0xDA) /* skip the entropy-coded data */
			while (i + 1 < len && !(b[i] == 0xFF && b[i + 1] != 0 &&
			                        !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7)))
				i++;
	}
	return 0;
}

/* What jpegprog.c leaves to libjpeg, and broken streams. */
static void
test_not_handled(void)
{
	static const struct cfg c = { "4:2:0", -1, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, 2, NULL, 0 };
	const uint32_t w = 160, h = 96;
	uint8_t *rgb = picture(w, h);
	unsigned long len = 0;
	uint8_t *jpg = encode(&c, rgb, w, h, &len, 85);
	struct rtg_image img;
	char err[RTG_ERRLEN];
	const uint64_t quarter = (uint64_t)(w / 4) * (h / 4);

	/* a quantisation table redefined after the first scan: libjpeg decodes
	 * (and would apply it to components not yet started) */
	size_t dqt = find_marker(jpg, len, 0xDB, 0), sos2 = find_marker(jpg, len, 0xDA, 1);
	T_CHECK(dqt > 0 && sos2 > 0, "markers found");
	if (dqt > 0 && sos2 > 0) {
		size_t seg = 2 + ((size_t)jpg[dqt + 2] << 8 | jpg[dqt + 3]);
		uint8_t *b = malloc(len + seg);
		memcpy(b, jpg, sos2);
		memcpy(b + sos2, jpg + dqt, seg);
		memcpy(b + sos2 + seg, jpg + sos2, len - sos2);
		int st = rtg_image_decode(b, len + seg, NULL, quarter, &img, err);
		T_CHECK(st == 0 && img.decoder != rtg_jpegprog_decoder && img.scale_denom == 4,
		        "DQT between scans: %d %s", st, st == 0 ? img.decoder : err);
		rtg_image_free(&img);
		free(b);
	}

	/* a restart marker out of sequence: not ours (libjpeg resyncs with a
	 * warning, which sends the file to stb_image) */
	size_t sos1 = find_marker(jpg, len, 0xDA, 0);
	uint8_t *b = malloc(len);
	memcpy(b, jpg, len);
	size_t k = sos1 + 2 + ((size_t)b[sos1 + 2] << 8 | b[sos1 + 3]), rst = 0;
	for (; k + 1 < len && !rst; k++)
		if (b[k] == 0xFF && b[k + 1] == 0xD0)
			rst = k;
	T_CHECK(rst > 0, "a restart marker in the first scan");
	if (rst > 0) {
		b[rst + 1] = 0xD3;
		int st = rtg_image_decode(b, len, NULL, quarter, &img, err);
		T_CHECK(st != 0 || img.decoder != rtg_jpegprog_decoder, "RST out of order: %s",
		        st == 0 ? img.decoder : err);
		rtg_image_free(&img);
	}

	/* an AC scan with a Huffman table the file does not define: refused
	 * (libjpeg's error is final: stb_image would read uninitialised
	 * memory), at reduced scale (jpegprog.c) and at full size (libjpeg) */
	size_t sos3 = find_marker(jpg, len, 0xDA, 2);
	T_CHECK(sos3 > 0 && jpg[sos3 + 4] == 1, "a one-component scan");
	if (sos3 > 0) {
		memcpy(b, jpg, len);
		b[sos3 + 6] = (uint8_t)((b[sos3 + 6] & 0xF0) | 3); /* AC table 3 */
		for (uint64_t m = 0; m <= 1; m++) {
			err[0] = '\0';
			int st = rtg_image_decode(b, len, NULL, m ? quarter : 0, &img, err);
			T_CHECK(st == RTG_ERR_DECODE && strstr(err, "Huffman") != NULL,
			        "undefined table, min %llu: %d %s", (unsigned long long)(m ? quarter : 0),
			        st, err);
			rtg_image_free(&img);
		}
	}

	/* a stuffed 0xFF written FF FF 00 in a scan's data, which the check of
	 * the Huffman tables before stb_image took for a segment running past
	 * the end, and stopped looking, while stb_image went on to a scan
	 * with an undefined table (tests/crashers: valgrind saw it decode
	 * from uninitialised memory) */
	const char *top = getenv("top_srcdir");
	char dir[4096];
	size_t blen = 0;
	snprintf(dir, sizeof dir, "%s/tests/crashers", top != NULL ? top : ".");
	uint8_t *byp = t_slurp(dir, "stb-jpeg-huffguard-bypass.jpg", &blen);
	for (uint64_t m = 0; byp != NULL && m <= 1; m++) {
		err[0] = '\0';
		int st = rtg_image_decode(byp, blen, NULL, m, &img, err);
		T_CHECK(st == RTG_ERR_DECODE && strstr(err, "Huffman") != NULL,
		        "Huffman check bypassed, min %llu: %d %s", (unsigned long long)m, st, err);
		rtg_image_free(&img);
	}
	free(byp);

	/* cut inside a scan header: that check cannot follow the segments to
	 * EOI, and refuses the file rather than guess what stb_image reads */
	for (uint64_t m = 0; sos2 > 0 && m <= 1; m++) {
		err[0] = '\0';
		int st = rtg_image_decode(jpg, sos2 + 6, NULL, m ? quarter : 0, &img, err);
		T_CHECK(st == RTG_ERR_DECODE && strstr(err, "cannot be followed") != NULL,
		        "cut in a scan header, min %llu: %d %s", (unsigned long long)(m ? quarter : 0),
		        st, err);
		rtg_image_free(&img);
	}

	/* corrupt bytes anywhere: a status and a message, or an image; never
	 * a crash (CI runs this under ASan/UBSan) */
	uint64_t seed = 0x2545f4914f6cdd1du;
	int bad = 0, ours = 0;
	for (int round = 0; round < 300; round++) {
		memcpy(b, jpg, len);
		for (int n = 0; n < 3; n++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			b[2 + (seed >> 33) % (len - 2)] ^= (uint8_t)(seed >> 17) | 1;
		}
		err[0] = '\0';
		int st = rtg_image_decode(b, len, NULL, (round % 3 == 0) ? 1 : quarter, &img, err);
		bad += st > 0 || (st < 0 && err[0] == '\0') || (st == 0 && img.px == NULL);
		ours += st == 0 && img.decoder == rtg_jpegprog_decoder;
		rtg_image_free(&img);
	}
	T_CHECK(bad == 0, "%d inconsistent results on corrupt copies", bad);
	printf("corrupt copies: %d of 300 decoded here\n", ours);
	free(b);
	free(jpg);
	free(rgb);
}

/* ---- hand-made files ---------------------------------------------------- */

/* A JPEG written segment by segment (T.81 B.2) */
struct jb {
	uint8_t *b;
	size_t n, cap;
};

static void
jb_put(struct jb *j, const void *p, size_t n)
{
	if (j->n + n > j->cap) {
		j->cap = (j->n + n) * 2;
		if ((j->b = realloc(j->b, j->cap)) == NULL)
			exit(1);
	}
	memcpy(j->b + j->n, p, n);
	j->n += n;
}

static void
jb_zeros(struct jb *j, size_t n)
{
	static const uint8_t z[4096];
	for (; n > sizeof z; n -= sizeof z)
		jb_put(j, z, sizeof z);
	jb_put(j, z, n);
}

static void
jb_seg(struct jb *j, uint8_t m, const uint8_t *p, size_t n)
{
	uint8_t h[4] = { 0xFF, m, (uint8_t)((n + 2) >> 8), (uint8_t)(n + 2) };
	jb_put(j, h, 4);
	jb_put(j, p, n);
}

/* SOI, a quantisation table of ones and the frame header of a
 * progressive greyscale w x h image */
static void
jb_start(struct jb *j, unsigned w, unsigned h)
{
	uint8_t q[65] = { 0 }, sof[9] = { 8, (uint8_t)(h >> 8), (uint8_t)h, (uint8_t)(w >> 8),
	                                  (uint8_t)w, 1, 1, 0x11, 0 };
	memset(q + 1, 1, 64);
	jb_put(j, "\xFF\xD8", 2);
	jb_seg(j, 0xDB, q, sizeof q);
	jb_seg(j, 0xC2, sof, sizeof sof);
}

/* A Huffman table with n codes of length len each (symbols sym) */
static void
jb_dht(struct jb *j, int tc, int len, int n, uint8_t sym)
{
	uint8_t t[17 + 256] = { (uint8_t)(tc << 4) };
	t[len] = (uint8_t)n;
	memset(t + 17, sym, (size_t)n);
	jb_seg(j, 0xC4, t, 17 + (size_t)n);
}

/* Scan header of component 1, tables 0 */
static void
jb_sos(struct jb *j, int ss, int se)
{
	uint8_t p[6] = { 1, 1, 0x00, (uint8_t)ss, (uint8_t)se, 0 };
	jb_seg(j, 0xDA, p, sizeof p);
}

/* rtg_jpegprog_decode at 1/d on an exactly sized copy of the file (for
 * AddressSanitizer), with the CPU time it took */
static int
decode_exact(const struct jb *j, int d, struct rtg_image *img, double *cpu)
{
	uint8_t *b = malloc(j->n);
	char err[RTG_ERRLEN];
	if (b == NULL)
		exit(1);
	memcpy(b, j->b, j->n);
	clock_t t0 = clock();
	int st = rtg_jpegprog_decode(b, j->n, d, 1, 0, img, err);
	*cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
	free(b);
	return st;
}

/* Scans cut short in files that declare a huge picture: the decoder gives
 * up at the first MCU row that ran out of data, instead of decoding
 * supplied zero bits for every block left (1.3 s for 152 bytes declaring
 * 16384x4096); the count of supplied zero bytes must neither overflow
 * (16384x8192) nor wrap round to "all data used" (10568x40016, where the
 * AC scan takes exactly 2^32 + 4 bits). */
static void
test_cut_short(void)
{
	static const struct {
		unsigned w, h;
		bool dc_whole;     /* the DC scan has all its data */
		int len, sym, se;  /* AC table: one code of len bits for sym; band 1..se */
		int denoms[3];
	} cases[] = {
		{ 16384, 4096, false, 16, 0x0F, 63, { 2, 4, 8 } },
		{ 16384, 8192, true, 16, 0x0F, 63, { 2, 4, 8 } },
		{ 10568, 40016, true, 16, 0x0A, 25, { 4, 8, 0 } },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jb j = { NULL, 0, 0 };
		size_t blocks = (size_t)((cases[i].w + 7) / 8) * ((cases[i].h + 7) / 8);
		jb_start(&j, cases[i].w, cases[i].h);
		jb_dht(&j, 0, 1, 1, 0);  /* DC: code 0, difference 0 */
		jb_dht(&j, 1, cases[i].len, 1, (uint8_t)cases[i].sym);
		jb_sos(&j, 0, 0);        /* one bit per block */
		jb_zeros(&j, cases[i].dc_whole ? (blocks + 7) / 8 : 1);
		jb_sos(&j, 1, cases[i].se);
		jb_zeros(&j, 1);         /* AC data: one byte of many */
		jb_put(&j, "\xFF\xD9", 2);
		for (int k = 0; k < 3 && cases[i].denoms[k] != 0; k++) {
			int d = cases[i].denoms[k];
			struct rtg_image img;
			double cpu;
			int st = decode_exact(&j, d, &img, &cpu);
			/* at 1/8 the AC scan is not read: a whole DC scan of zero
			 * differences is a uniform grey picture */
			bool whole = d == 8 && cases[i].dc_whole;
			T_CHECK(st == (whole ? 0 : RTG_JPEGPROG_NOT_HANDLED), "%ux%u cut short, 1/%d: %d",
			        cases[i].w, cases[i].h, d, st);
			/* measured 0.01 s (ASan: 0.1 s for the whole DC scans) */
			T_CHECK(whole || cpu < 0.3, "%ux%u cut short, 1/%d: %.2f s CPU", cases[i].w,
			        cases[i].h, d, cpu);
			if (st == 0) {
				size_t bad = 0, n = (size_t)img.width * img.height * 4;
				for (size_t p = 0; p < n; p++)
					bad += img.px[p] != (p % 4 == 3 ? 255 : 128);
				T_CHECK(bad == 0, "%ux%u 1/%d: %zu values not mid-grey", cases[i].w,
				        cases[i].h, d, bad);
				rtg_image_free(&img);
			}
		}
		free(j.b);
	}
}

/* Huffman tables: the all-ones code of a length is not a code (T.81 C;
 * libjpeg: "Bogus Huffman table definition"), so a DC table of the codes
 * 0 and 1 is refused, while 0 and 10 is a table */
static void
test_huffman_all_ones(void)
{
	for (int ones = 0; ones < 2; ones++) {
		struct jb j = { NULL, 0, 0 };
		uint8_t t[17 + 2] = { 0x00 };
		jb_start(&j, 16, 16);
		if (ones) {
			t[1] = 2; /* 0, 1 */
		} else {
			t[1] = 1; /* 0, 10 */
			t[2] = 1;
		}
		jb_seg(&j, 0xC4, t, sizeof t);
		jb_sos(&j, 0, 0);
		jb_put(&j, "\x0F\xFF\xD9", 3); /* four blocks of code 0, padding */
		struct rtg_image img;
		double cpu;
		int st = decode_exact(&j, 2, &img, &cpu);
		T_CHECK(st == (ones ? RTG_JPEGPROG_NOT_HANDLED : 0), "DC codes %s: %d",
		        ones ? "0, 1" : "0, 10", st);
		if (st == 0) {
			T_CHECK(img.width == 8 && img.height == 8 && img.px[0] == 128,
			        "DC codes 0, 10: %ux%u, %u", img.width, img.height, img.px[0]);
			rtg_image_free(&img);
		}
		free(j.b);
	}
}

/* An SOS segment of length 2 (no room for its Ns) as the file's last 4
 * bytes: the SOS checks of jpegprog.c and of image.c's scan filter read
 * the byte after it (AddressSanitizer: the copies are exactly sized), and
 * a file mapped from disk can end at a page boundary. */
static void
test_short_sos(void)
{
	static const struct cfg c = { "4:2:0", -1, 0, { { 2, 2 }, { 1, 1 }, { 1, 1 } }, 0, NULL, 0 };
	const uint32_t w = 96, h = 64;
	uint8_t *rgb = picture(w, h);
	unsigned long len = 0;
	uint8_t *jpg = encode(&c, rgb, w, h, &len, 85);
	T_CHECK(len > 4 && jpg[len - 2] == 0xFF && jpg[len - 1] == 0xD9, "EOI at the end");
	/* EOI replaced by the SOS segment; then also a whole file behind it */
	for (int variant = 0; variant < 2; variant++) {
		struct jb j = { NULL, 0, 0 };
		jb_put(&j, jpg, len - 2);
		jb_put(&j, "\xFF\xDA\x00\x02", 4);
		if (variant)
			jb_put(&j, jpg, len);
		for (int d = 2; d <= 8; d *= 2) {
			struct rtg_image img;
			double cpu;
			int st = decode_exact(&j, d, &img, &cpu);
			T_CHECK(st == RTG_JPEGPROG_NOT_HANDLED, "SOS of length 2 (%d), 1/%d: %d", variant,
			        d, st);
			if (st == 0)
				rtg_image_free(&img);
			/* the whole path: jpegprog, libjpeg on the filtered stream,
			 * libjpeg, stb_image's Huffman-table check */
			uint8_t *b = malloc(j.n);
			char err[RTG_ERRLEN] = "";
			if (b == NULL)
				exit(1);
			memcpy(b, j.b, j.n);
			st = rtg_image_decode(b, j.n, NULL, (uint64_t)(w / d) * (h / d), &img, err);
			T_CHECK(st < 0 && err[0] != '\0' && strchr(err, '\n') == NULL,
			        "SOS of length 2 (%d), 1/%d: image decode %d %s", variant, d, st, err);
			if (st == 0)
				rtg_image_free(&img);
			free(b);
		}
		free(j.b);
	}
	free(jpg);
	free(rgb);
}
#endif

int
main(void)
{
#ifndef HAVE_JPEG
	puts("built without libjpeg-turbo: JPEGs are decoded at full size by stb_image");
	return 77;
#else
	test_colour();
	test_layouts();
	test_noise();
	test_not_handled();
	test_cut_short();
	test_huffman_all_ones();
	test_short_sos();
	return t_done();
#endif
}
