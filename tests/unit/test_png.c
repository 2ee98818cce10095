/* test_png.c - the fast PNG path (png.c) against stb_image.
 *
 * Every PNG fixture, and PNGs written here in every colour type, bit depth,
 * filter type, with tRNS, odd widths and split IDAT data, decodes to exactly
 * stb_image's pixels at the sampled positions (pixel (x, y) of the output is
 * the file's (x*d, y*d)), or is declared not handled and then decoded by
 * stb_image.  Broken files fail cleanly: crashers, every prefix of a file,
 * CRC mismatches, zlib streams longer or shorter than the image, huge
 * declared sizes (refused before anything is allocated).  A decimated decode
 * keeps the full decode's colours (fixed clusters within 2 dE00).
 *
 * All of it runs once per row source built (pnginflate.c): one-shot
 * libdeflate, and streaming (ISA-L, or zlib without it) with the smallest
 * window (a block of rows per grid row: every block boundary, refill and
 * carried-over row is exercised on small files) and with a window of a few
 * rows.  The streaming threshold of rtg_png_decode() is tested on images
 * just below and above it (with ISA-L every image streams), the sources
 * must agree byte for byte on the ends of zlib streams (trailing bytes,
 * cut, bad Adler-32 - which ISA-L checks itself -, preset dictionary, bad
 * header), and a stream whose matches reach back almost 32 KiB decodes
 * right whatever the window (ISA-L keeps that history across calls).
 *
 * The test PNGs are written with libdeflate, or zlib without it. */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>
#if defined(HAVE_LIBDEFLATE)
#include <libdeflate.h>
#elif defined(HAVE_ZLIB)
#include <zlib.h>
#endif

#include "cluster.h"
#include "colour.h"
#include "image.h"
#include "png.h"
#include "sample.h"
#include "status.h"
#include "t.h"
#include "t_grid.h"

static const char *fixtures;

/* The row source under test (rtg_png_decode_ex) and the decoder name it
 * gives. */
static struct rtg_png_opts mode = { SIZE_MAX, 0, 0 };
static const char *mode_decoder = rtg_png_decoder;

static int
png_decode(const uint8_t *buf, size_t len, const struct rtg_limits *lim, uint64_t min_pixels,
           struct rtg_image *img, char *err)
{
	return rtg_png_decode_ex(buf, len, lim, min_pixels, &mode, img, err);
}

/* The decoder rtg_png_decode() names for an image whose one-shot buffers
 * are within RTG_PNG_STREAM_ABOVE (0 with ISA-L: it streams everything). */
static const char *
small_decoder(void)
{
	if (!rtg_png_oneshot_available() || (RTG_PNG_STREAM_ABOVE == 0 &&
	                                     rtg_png_stream_available()))
		return rtg_png_stream_decoder;
	return rtg_png_decoder;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Names of the *.png files in dir, sorted; returns the count. */
static size_t
list_png(const char *dir, char names[][256], size_t max)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		size_t l = strlen(e->d_name);
		if (l > 4 && l < 256 && strcmp(e->d_name + l - 4, ".png") == 0)
			memcpy(names[n++], e->d_name, l + 1);
	}
	closedir(d);
	qsort(names, n, 256, cmp_name);
	return n;
}

/* Output pixels that differ from stb's RGBA decode sp (w x h) at the
 * positions they stand for. */
static size_t
diff_stb(const struct rtg_image *img, const uint8_t *sp, uint32_t w, uint32_t h)
{
	uint32_t d = (uint32_t)img->scale_denom;
	size_t bad = 0;
	if (img->full_width != w || img->full_height != h)
		return SIZE_MAX;
	for (uint32_t y = 0; y < img->height; y++)
		for (uint32_t x = 0; x < img->width; x++) {
			const uint8_t *a = img->px + ((size_t)y * img->width + x) * 4;
			const uint8_t *b = sp + ((size_t)y * d * w + (size_t)x * d) * 4;
			bad += memcmp(a, b, 4) != 0;
		}
	return bad;
}

/* Decodes buf with png.c at min_pixels and compares with stb_image.
 * Returns 1 when png.c handled it, 0 when it declared "not handled" (then
 * rtg_image_decode must give stb's result), -1 on a failure. */
static int
check_against_stb(const char *name, const uint8_t *buf, size_t len, uint64_t min_pixels)
{
	int sw = 0, sh = 0, sn;
	uint8_t *sp = stbi_load_from_memory(buf, (int)len, &sw, &sh, &sn, 4);
	struct rtg_image img;
	char err[RTG_ERRLEN] = "";
	memset(&img, 0, sizeof img);
	int st = png_decode(buf, len, NULL, min_pixels, &img, err);
	int ret = -1;
	if (st == 0) {
		T_CHECK(sp != NULL, "%s: we decode what stb_image refuses (%s)", name,
		        stbi_failure_reason());
		uint32_t d = rtg_png_decimation(img.full_width, img.full_height, min_pixels);
		T_CHECK(img.scale_denom == (int)d && img.width == (img.full_width - 1) / d + 1 &&
		        img.height == (img.full_height - 1) / d + 1,
		        "%s min %llu: %ux%u / %d", name, (unsigned long long)min_pixels, img.width,
		        img.height, img.scale_denom);
		T_CHECK(min_pixels == 0 ? d == 1 :
		        (uint64_t)img.width * img.height >= min_pixels ||
		        (d == 1 && (uint64_t)sw * sh < min_pixels), "%s: budget kept", name);
		T_CHECK(img.decoder == mode_decoder, "%s: decoder %s", name, img.decoder);
		if (sp != NULL) {
			size_t bad = diff_stb(&img, sp, (uint32_t)sw, (uint32_t)sh);
			T_CHECK(bad == 0, "%s min %llu (d %d): %zu pixels differ from stb_image",
			        name, (unsigned long long)min_pixels, img.scale_denom, bad);
			ret = bad == 0 ? 1 : -1;
		}
		rtg_image_free(&img);
	} else if (st == RTG_PNG_NOT_HANDLED) {
		T_CHECK(img.px == NULL, "%s: not handled leaves no pixels", name);
		st = rtg_image_decode(buf, len, NULL, min_pixels, &img, err);
		T_CHECK((st == 0) == (sp != NULL), "%s: not handled, then %d (%s)", name, st, err);
		if (st == 0 && sp != NULL) {
			T_CHECK(strcmp(img.decoder, "stb_image") == 0, "%s: %s", name, img.decoder);
			T_CHECK(diff_stb(&img, sp, (uint32_t)sw, (uint32_t)sh) == 0, "%s", name);
			ret = 0;
		}
		rtg_image_free(&img);
	} else {
		T_CHECK(0, "%s min %llu: status %d (%s)", name, (unsigned long long)min_pixels,
		        st, err);
	}
	stbi_image_free(sp);
	return ret;
}

/* ---- rtg_png_decimation -------------------------------------------------- */

static uint64_t
grid(uint32_t w, uint32_t h, uint32_t d)
{
	return (uint64_t)((w + d - 1) / d) * ((h + d - 1) / d);
}

static void
test_decimation(void)
{
	/* 3370^2 with the default sample budget: 562^2 = 315844 >= 262144,
	 * 482^2 = 232324 is not */
	T_CHECK(rtg_png_decimation(3370, 3370, 262144) == 6, "3370: %u",
	        rtg_png_decimation(3370, 3370, 262144));
	T_CHECK(rtg_png_decimation(1024, 1024, 262144) == 2, "1024");
	T_CHECK(rtg_png_decimation(1022, 1024, 262144) == 1, "1022x1024");
	T_CHECK(rtg_png_decimation(600, 600, 262144) == 1, "600");
	T_CHECK(rtg_png_decimation(600, 600, 0) == 1, "no budget");
	T_CHECK(rtg_png_decimation(5000, 1, 2) == 4999, "a row: %u",
	        rtg_png_decimation(5000, 1, 2));
	T_CHECK(rtg_png_decimation(7, 9, 1) == 9, "one pixel: %u", rtg_png_decimation(7, 9, 1));
	/* largest d with the budget, against a plain scan */
	uint64_t seed = 12345;
	for (int i = 0; i < 300; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		uint32_t w = 1 + (uint32_t)(seed >> 33) % 3000;
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		uint32_t h = 1 + (uint32_t)(seed >> 33) % 3000;
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		uint64_t min = 1 + (seed >> 33) % ((uint64_t)w * h + 10);
		uint32_t want = 1;
		for (uint32_t d = 1; d <= (w > h ? w : h); d++)
			if (grid(w, h, d) >= min)
				want = d;
		uint32_t got = rtg_png_decimation(w, h, min);
		T_CHECK(got == want, "%ux%u min %llu: %u, want %u", w, h, (unsigned long long)min,
		        got, want);
	}
}

#if defined(HAVE_LIBDEFLATE) || defined(HAVE_ZLIB)
#define WRITER 1 /* PNGs can be written here */

/* ---- a small PNG writer, for variants no fixture has -------------------- */

static uint32_t
t_crc32(const uint8_t *p, size_t n)
{
#ifdef HAVE_LIBDEFLATE
	return (uint32_t)libdeflate_crc32(0, p, n);
#else
	return (uint32_t)crc32(crc32(0, NULL, 0), p, (uInt)n);
#endif
}

/* A zlib stream of in[0..n) at level (0: stored blocks); malloc()ed. */
static uint8_t *
t_compress(int level, const uint8_t *in, size_t n, size_t *zn)
{
#ifdef HAVE_LIBDEFLATE
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	size_t cap = libdeflate_zlib_compress_bound(c, n);
	uint8_t *z = malloc(cap);
	*zn = z ? libdeflate_zlib_compress(c, in, n, z, cap) : 0;
	libdeflate_free_compressor(c);
#else
	uLongf cap = compressBound((uLong)n);
	uint8_t *z = malloc(cap);
	*zn = z && compress2(z, &cap, in, (uLong)n, level) == Z_OK ? cap : 0;
#endif
	if (*zn == 0)
		exit(1);
	return z;
}

/* Inflates the zlib stream z to exactly n bytes at out. */
static bool
t_uncompress(const uint8_t *z, size_t zn, uint8_t *out, size_t n)
{
#ifdef HAVE_LIBDEFLATE
	size_t got = 0;
	struct libdeflate_decompressor *dc = libdeflate_alloc_decompressor();
	bool ok = libdeflate_zlib_decompress(dc, z, zn, out, n, &got) == LIBDEFLATE_SUCCESS &&
	          got == n;
	libdeflate_free_decompressor(dc);
	return ok;
#else
	uLongf got = (uLongf)n;
	return uncompress(out, &got, z, (uLong)zn) == Z_OK && got == n;
#endif
}

struct wpng {
	uint8_t *b;
	size_t n, cap;
};

static void
put(struct wpng *o, const void *p, size_t n)
{
	if (o->n + n > o->cap) {
		o->cap = (o->n + n) * 2 + 64;
		o->b = realloc(o->b, o->cap);
		if (o->b == NULL)
			exit(1);
	}
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void
put32(struct wpng *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(o, b, 4);
}

static void
chunk(struct wpng *o, const char *type, const uint8_t *data, size_t n)
{
	put32(o, (uint32_t)n);
	size_t at = o->n;
	put(o, type, 4);
	if (n)
		put(o, data, n);
	put32(o, t_crc32(o->b + at, n + 4));
}

/* Filter type f applied to row cur (n bytes) above prev, bpp as the spec. */
static uint8_t
paeth_ref(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
	return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

static void
filter_row(int f, const uint8_t *cur, const uint8_t *prev, uint8_t *out, size_t n,
           size_t bpp)
{
	for (size_t i = 0; i < n; i++) {
		int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
		int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 :
		           paeth_ref(a, b, c);
		out[i] = (uint8_t)(cur[i] - pred);
	}
}

struct spec {
	uint32_t w, h;
	unsigned depth, ctype;
	int filter;          /* 0..4, or -1: row y uses y % 5, -2: pseudo-random */
	size_t idat_split;   /* IDAT chunk size (0: one chunk) */
	const uint8_t *trns; /* tRNS content or NULL */
	size_t trns_len;
	unsigned npal;       /* PLTE entries for colour type 3 */
	uint32_t ihdr_h;     /* height written to IHDR (0: h) */
	bool extra_chunks;   /* tEXt with a bad CRC and an unknown ancillary chunk */
	bool empty_idat;     /* a zero-length IDAT between the others */
	uint32_t bad_filter; /* row + 1 whose filter type byte becomes 5 */
	bool interlace;      /* Adam7 */
	bool stored;         /* deflate without compression (level 0) */
};

/* raw: h rows of rowbytes unfiltered bytes.  Returns the file (free it). */
static uint8_t *
write_png(const struct spec *s, const uint8_t *raw, size_t *out_len)
{
	static const unsigned chans[7] = { 1, 0, 3, 1, 2, 0, 4 };
	size_t bits = (size_t)s->w * chans[s->ctype] * s->depth;
	size_t rb = (bits + 7) / 8, bpp = chans[s->ctype] * s->depth / 8;
	if (bpp == 0)
		bpp = 1;
	/* the passes: the whole image, or Adam7's seven sub-images */
	static const uint32_t adam7[7][4] = {
		{ 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
		{ 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 },
	};
	size_t bitspp = chans[s->ctype] * s->depth;
	size_t flen = s->h * (rb + 1) * 2 + 64;
	uint8_t *filt = malloc(flen), *zero = calloc(1, rb + 1);
	uint8_t *sub = malloc((rb + 1) * (s->h + 1));
	uint64_t seed = 99;
	size_t fo = 0;
	uint32_t row_no = 0;
	for (int pi = 0; pi < (s->interlace ? 7 : 1); pi++) {
		uint32_t x0 = s->interlace ? adam7[pi][0] : 0, y0 = s->interlace ? adam7[pi][1] : 0;
		uint32_t dx = s->interlace ? adam7[pi][2] : 1, dy = s->interlace ? adam7[pi][3] : 1;
		uint32_t pw = s->w > x0 ? (s->w - x0 + dx - 1) / dx : 0;
		uint32_t ph = s->h > y0 ? (s->h - y0 + dy - 1) / dy : 0;
		if (pw == 0 || ph == 0)
			continue;
		size_t prb = (pw * bitspp + 7) / 8;
		/* the pass's unfiltered rows, pixel by pixel (bit by bit); not
		 * interlaced, the image's rows as they are */
		memset(sub, 0, prb * ph);
		if (!s->interlace)
			memcpy(sub, raw, prb * ph);
		for (uint32_t r = 0; r < ph && s->interlace; r++)
			for (uint32_t c = 0; c < pw; c++)
				for (size_t b = 0; b < bitspp; b++) {
					size_t from = ((size_t)x0 + (size_t)c * dx) * bitspp + b;
					size_t to = (size_t)c * bitspp + b;
					const uint8_t *srow = raw + ((size_t)y0 + (size_t)r * dy) * rb;
					if (srow[from / 8] >> (7 - from % 8) & 1)
						sub[r * prb + to / 8] |= (uint8_t)(0x80 >> (to % 8));
				}
		for (uint32_t r = 0; r < ph; r++, row_no++) {
			int f = s->filter >= 0 ? s->filter : s->filter == -1 ? (int)(row_no % 5) :
			        (int)((seed = seed * 6364136223846793005u + 1) >> 61) % 5;
			filt[fo] = (uint8_t)(s->bad_filter == row_no + 1 ? 5 : f);
			filter_row(f, sub + r * prb, r ? sub + (r - 1) * prb : zero, filt + fo + 1, prb,
			           bpp);
			fo += prb + 1;
		}
	}
	free(sub);
	flen = fo;
	size_t zn;
	uint8_t *z = t_compress(s->stored ? 0 : 6, filt, flen, &zn);

	struct wpng o = { 0 };
	put(&o, "\x89PNG\r\n\x1a\n", 8);
	uint8_t ihdr[13];
	uint32_t ih = s->ihdr_h ? s->ihdr_h : s->h;
	for (int i = 0; i < 4; i++) {
		ihdr[i] = (uint8_t)(s->w >> (24 - 8 * i));
		ihdr[4 + i] = (uint8_t)(ih >> (24 - 8 * i));
	}
	ihdr[8] = (uint8_t)s->depth;
	ihdr[9] = (uint8_t)s->ctype;
	ihdr[10] = ihdr[11] = 0;
	ihdr[12] = s->interlace;
	chunk(&o, "IHDR", ihdr, 13);
	if (s->extra_chunks) {
		chunk(&o, "tEXt", (const uint8_t *)"Comment\0hello", 13);
		o.b[o.n - 1] ^= 0x55; /* its CRC is wrong: skipped, not checked */
		chunk(&o, "zzZz", (const uint8_t *)"x", 1);
	}
	if (s->ctype == 3) {
		uint8_t pal[768];
		for (unsigned i = 0; i < 768; i++)
			pal[i] = (uint8_t)(i * 37 + 11);
		chunk(&o, "PLTE", pal, 3 * s->npal);
	}
	if (s->trns)
		chunk(&o, "tRNS", s->trns, s->trns_len);
	size_t step = s->idat_split ? s->idat_split : zn;
	for (size_t at = 0; at < zn; at += step) {
		chunk(&o, "IDAT", z + at, zn - at < step ? zn - at : step);
		if (s->empty_idat && at == 0)
			chunk(&o, "IDAT", NULL, 0);
	}
	chunk(&o, "IEND", NULL, 0);
	free(z);
	free(filt);
	free(zero);
	*out_len = o.n;
	return o.b;
}

/* Random-ish unfiltered rows: smooth areas (which filters predict), noise,
 * and every palette index / grey level. */
static uint8_t *
make_raw(const struct spec *s, size_t *rb_out)
{
	static const unsigned chans[7] = { 1, 0, 3, 1, 2, 0, 4 };
	size_t rb = ((size_t)s->w * chans[s->ctype] * s->depth + 7) / 8;
	uint8_t *raw = malloc(rb * s->h + 1);
	uint64_t seed = (uint64_t)s->w * 31 + s->h * 7 + s->depth * 3 + s->ctype;
	for (uint32_t y = 0; y < s->h; y++)
		for (size_t i = 0; i < rb; i++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			uint8_t v = (y / 3) % 2 ? (uint8_t)(seed >> 56) : (uint8_t)(i * 5 + y * 3);
			raw[y * rb + i] = v;
		}
	if (s->ctype == 3 && s->depth == 8) /* indices within the palette */
		for (size_t i = 0; i < rb * s->h; i++)
			raw[i] = (uint8_t)(raw[i] % s->npal);
	*rb_out = rb;
	return raw;
}

/* t_grid_compare() of a grid decode through the row source under test
 * (mode, with grid) against the whole decode through it; -1 when the file
 * does not decode. */
static int
grid_in_mode(const char *name, const uint8_t *png, size_t len, uint64_t min_pixels,
             uint64_t budget)
{
	struct rtg_png_opts g = mode;
	struct rtg_image a, b;
	char err[RTG_ERRLEN];

	g.grid = budget;
	if (png_decode(png, len, NULL, min_pixels, &a, err) != 0)
		return -1;
	int st = rtg_png_decode_ex(png, len, NULL, min_pixels, &g, &b, err);
	T_CHECK(st == 0, "%s: grid decode: %s", name, err);
	int active = -1;
	if (st == 0) {
		active = t_grid_compare(name, &a, &b, budget);
		rtg_image_free(&b);
	}
	rtg_image_free(&a);
	return active;
}

static void
test_variants(void)
{
	static const struct {
		unsigned ctype, depth;
	} kinds[] = {
		{ 0, 1 }, { 0, 2 }, { 0, 4 }, { 0, 8 }, { 0, 16 }, { 2, 8 }, { 2, 16 },
		{ 3, 1 }, { 3, 2 }, { 3, 4 }, { 3, 8 }, { 4, 8 }, { 4, 16 }, { 6, 8 }, { 6, 16 },
	};
	static const uint32_t widths[] = { 1, 3, 7, 13, 64 };
	int handled = 0, total = 0;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
			for (int f = -2; f <= 4; f++) {
				struct spec s = { .w = widths[wi], .h = 23, .depth = kinds[k].depth,
				                  .ctype = kinds[k].ctype, .filter = f,
				                  .idat_split = f == -1 ? 7 : 0,
				                  .npal = 1u << (kinds[k].depth < 8 ? kinds[k].depth : 7),
				                  .extra_chunks = f == 0, .empty_idat = f == -1,
				                  .interlace = f == -2 || f == 4 };
				/* low-depth palettes use every index; 8-bit ones 128 of 256 */
				size_t rb, len;
				uint8_t *raw = make_raw(&s, &rb);
				uint8_t *png = write_png(&s, raw, &len);
				char name[64];
				snprintf(name, sizeof name, "type %u depth %u width %u filter %d%s",
				         s.ctype, s.depth, s.w, f, s.interlace ? " Adam7" : "");
				for (uint64_t m = 0; m <= 40; m += 10) {
					total++;
					handled += check_against_stb(name, png, len, m) == 1;
					/* keeping only a 20-pixel grid, through the row
					 * source under test (several blocks per pass when
					 * streaming): Adam7 keeps all */
					uint32_t d = rtg_png_decimation(s.w, s.h, m);
					uint64_t dpx = (uint64_t)((s.w - 1) / d + 1) * ((s.h - 1) / d + 1);
					int a = grid_in_mode(name, png, len, m, 20);
					T_CHECK(a == (s.interlace || dpx <= 20 ? 0 : 1),
					        "%s, min %llu: grid kept %d", name, (unsigned long long)m, a);
				}
				free(png);
				free(raw);
			}
		}
	}
	T_CHECK(handled == total, "%d of %d variants through the fast path", handled, total);

	/* tRNS: palette alpha, grey / RGB colour keys (8 and 16 bit), with the
	 * key's colour present in the image */
	struct {
		unsigned ctype, depth;
		uint8_t trns[6];
		size_t n;
	} tk[] = {
		{ 3, 8, { 0, 128, 255, 7 }, 4 },
		{ 3, 2, { 10, 0 }, 2 },
		{ 0, 8, { 0, 5 }, 2 },
		{ 0, 1, { 0, 1 }, 2 },
		{ 0, 4, { 0, 3 }, 2 },
		{ 0, 16, { 0x12, 0x34 }, 2 },
		{ 2, 8, { 0, 1, 0, 2, 0, 3 }, 6 },
		{ 2, 16, { 1, 2, 3, 4, 5, 6 }, 6 },
	};
	for (size_t i = 0; i < sizeof tk / sizeof tk[0]; i++) {
		struct spec s = { .w = 9, .h = 11, .depth = tk[i].depth, .ctype = tk[i].ctype,
		                  .filter = -1, .trns = tk[i].trns, .trns_len = tk[i].n,
		                  .npal = tk[i].ctype == 3 ? 1u << tk[i].depth : 0 };
		if (s.npal > 16)
			s.npal = 16;
		size_t rb, len;
		uint8_t *raw = make_raw(&s, &rb);
		/* plant the key in a few places */
		if (s.ctype == 0 && s.depth == 8)
			raw[3] = raw[rb * 5 + 2] = 5;
		if (s.ctype == 0 && s.depth == 16)
			raw[2] = 0x12, raw[3] = 0x34;
		if (s.ctype == 0 && s.depth == 4)
			raw[0] = 0x33;
		if (s.ctype == 2 && s.depth == 8)
			raw[3] = 1, raw[4] = 2, raw[5] = 3;
		if (s.ctype == 2 && s.depth == 16)
			memcpy(raw + rb, tk[i].trns, 6);
		uint8_t *png = write_png(&s, raw, &len);
		char name[64];
		snprintf(name, sizeof name, "tRNS type %u depth %u", s.ctype, s.depth);
		T_CHECK(check_against_stb(name, png, len, 0) == 1, "%s handled", name);
		struct rtg_image img;
		char err[RTG_ERRLEN];
		if (png_decode(png, len, NULL, 0, &img, err) == 0) {
			size_t clear = 0;
			for (size_t p = 0; p < (size_t)img.width * img.height; p++)
				clear += img.px[p * 4 + 3] != 255;
			T_CHECK(clear > 0, "%s: some pixel is transparent", name);
			rtg_image_free(&img);
		}
		free(png);
		free(raw);
	}

	/* a large image in several IDATs at production budgets */
	struct spec big = { .w = 1100, .h = 1030, .depth = 8, .ctype = 2, .filter = -2,
	                    .idat_split = 8192 };
	size_t rb, len;
	uint8_t *raw = make_raw(&big, &rb);
	uint8_t *png = write_png(&big, raw, &len);
	T_CHECK(check_against_stb("1100x1030", png, len, RTG_SAMPLE_BUDGET_DEFAULT) == 1,
	        "big");
	T_CHECK(rtg_png_decimation(1100, 1030, RTG_SAMPLE_BUDGET_DEFAULT) == 2, "d 2");
	T_CHECK(check_against_stb("1100x1030", png, len, 10000) == 1, "big, d 10");
	T_CHECK(t_grid_check("1100x1030", png, len, RTG_SAMPLE_BUDGET_DEFAULT,
	                     RTG_SAMPLE_BUDGET_DEFAULT) == 1, "big, grid");
	T_CHECK(t_grid_check("1100x1030", png, len, 0, RTG_SAMPLE_BUDGET_DEFAULT) == 1,
	        "big, d 1, grid");
	free(png);
	free(raw);
	/* interlaced, at decimations that are and are not multiples of Adam7's
	 * steps */
	struct spec il = { .w = 333, .h = 257, .depth = 8, .ctype = 6, .filter = -2,
	                   .idat_split = 4000, .interlace = true };
	raw = make_raw(&il, &rb);
	png = write_png(&il, raw, &len);
	for (uint32_t d = 1; d <= 17; d++) {
		char name[32];
		snprintf(name, sizeof name, "Adam7 333x257 d %u", d);
		uint64_t m = grid(333, 257, d);
		T_CHECK(rtg_png_decimation(333, 257, m) == d, "%s", name);
		T_CHECK(check_against_stb(name, png, len, m) == 1, "%s", name);
	}
	free(png);
	free(raw);
}

/* Not handled: an unknown critical chunk, tRNS on RGBA; but a broken chunk
 * structure is refused first (stb_image would allocate what a chunk
 * length claims). */
static void
test_not_handled(void)
{
	struct spec s = { .w = 8, .h = 8, .depth = 8, .ctype = 6, .filter = 1 };
	size_t rb, len;
	uint8_t *raw = make_raw(&s, &rb);
	static const uint8_t key[8] = { 0 };
	s.trns = key;
	s.trns_len = 8;
	uint8_t *png = write_png(&s, raw, &len);
	struct rtg_image img;
	char err[RTG_ERRLEN] = "";
	T_CHECK(png_decode(png, len, NULL, 0, &img, err) == RTG_PNG_NOT_HANDLED,
	        "tRNS on RGBA: %s", err);
	free(png);

	/* an unknown critical chunk before IEND: stb_image refuses it too */
	s.trns = NULL;
	png = write_png(&s, raw, &len);
	uint8_t *b = malloc(len + 12);
	size_t iend = len - 12;
	memcpy(b, png, iend);
	static const uint8_t crit[12] = { 0, 0, 0, 0, 'Z', 'Z', 'Z', 'Z', 0, 0, 0, 0 };
	memcpy(b + iend, crit, 12);
	uint32_t crc = t_crc32(b + iend + 4, 4);
	for (int i = 0; i < 4; i++)
		b[iend + 8 + i] = (uint8_t)(crc >> (24 - 8 * i));
	memcpy(b + iend + 12, png + iend, 12);
	T_CHECK(png_decode(b, len + 12, NULL, 0, &img, err) == RTG_PNG_NOT_HANDLED,
	        "unknown critical chunk");
	T_CHECK(rtg_image_decode(b, len + 12, NULL, 0, &img, err) == RTG_ERR_DECODE,
	        "stb_image judges it: %s", err);
	/* the same, cut inside IEND: refused here, stb_image never sees it */
	T_CHECK(png_decode(b, len + 12 - 3, NULL, 0, &img, err) == RTG_ERR_DECODE &&
	        strstr(err, "truncated"), "cut: %s", err);
	/* a chunk after it claiming 2^31 - 1 bytes */
	b[len] = 0x7f;
	b[len + 1] = b[len + 2] = b[len + 3] = 0xff;
	T_CHECK(png_decode(b, len + 12, NULL, 0, &img, err) == RTG_ERR_DECODE &&
	        strstr(err, "truncated"), "long chunk: %s", err);
	free(b);
	free(png);
	free(raw);

}

/* Apple's CgBI chunk before IHDR: left to stb_image, but only whole files;
 * every prefix is refused here (the 17-byte one once read past the end). */
static void
test_cgbi(void)
{
	size_t len;
	uint8_t *png = t_slurp(fixtures, "grey.png", &len);
	size_t n = len + 16;
	uint8_t *b = malloc(n);
	memcpy(b, png, 8);
	static const uint8_t cgbi[16] = { 0, 0, 0, 4, 'C', 'g', 'B', 'I', 0x50, 0, 0x20, 6 };
	memcpy(b + 8, cgbi, 16);
	uint32_t crc = t_crc32(b + 12, 8);
	for (int i = 0; i < 4; i++)
		b[20 + i] = (uint8_t)(crc >> (24 - 8 * i));
	memcpy(b + 24, png + 8, len - 8);
	struct rtg_image img;
	char err[RTG_ERRLEN];
	T_CHECK(png_decode(b, n, NULL, 0, &img, err) == RTG_PNG_NOT_HANDLED, "CgBI");
	int bad = 0;
	for (size_t k = 8; k < n; k++) {
		uint8_t *cut = malloc(k);
		memcpy(cut, b, k);
		bad += png_decode(cut, k, NULL, 0, &img, err) != RTG_ERR_DECODE;
		free(cut);
	}
	T_CHECK(bad == 0, "CgBI: %d prefixes not refused", bad);
	free(b);
	free(png);
}

/* Sets the CRC of the chunk at off. */
static void
fix_crc(uint8_t *b, size_t off)
{
	uint32_t n = (uint32_t)b[off] << 24 | (uint32_t)b[off + 1] << 16 |
	             (uint32_t)b[off + 2] << 8 | b[off + 3];
	uint32_t crc = t_crc32(b + off + 4, (size_t)n + 4);
	for (int i = 0; i < 4; i++)
		b[off + 8 + n + i] = (uint8_t)(crc >> (24 - 8 * i));
}

static int
decode_status(const uint8_t *b, size_t n, const struct rtg_limits *lim, char *err)
{
	struct rtg_image img;
	memset(&img, 0, sizeof img);
	err[0] = '\0';
	int st = png_decode(b, n, lim, 0, &img, err);
	if (st == 0)
		rtg_image_free(&img);
	else
		T_CHECK(img.px == NULL, "no pixels on failure");
	return st;
}

static void
test_broken(void)
{
	char err[RTG_ERRLEN];
	size_t len;
	uint8_t *buf = t_slurp(fixtures, "photo-elephants.png", &len);
	uint8_t *b = malloc(len);

	/* CRC mismatches: IHDR (a data byte changed, CRC kept), an IDAT chunk */
	memcpy(b, buf, len);
	b[16 + 3] ^= 1; /* width 160 -> 161 */
	T_CHECK(decode_status(b, len, NULL, err) == RTG_ERR_DECODE && strstr(err, "CRC") &&
	        strstr(err, "IHDR"), "IHDR CRC: %s", err);
	memcpy(b, buf, len);
	b[8 + 25 + 8 + 100] ^= 0x10; /* inside the first IDAT */
	T_CHECK(decode_status(b, len, NULL, err) == RTG_ERR_DECODE && strstr(err, "CRC"),
	        "IDAT CRC: %s", err);

	/* IHDR height one row short / one row long, CRC fixed: the stream is
	 * longer / shorter than the image */
	memcpy(b, buf, len);
	b[16 + 7] = 107;
	fix_crc(b, 8);
	T_CHECK(decode_status(b, len, NULL, err) == RTG_ERR_DECODE && strstr(err, "more than"),
	        "stream longer: %s", err);
	memcpy(b, buf, len);
	b[16 + 7] = 109;
	fix_crc(b, 8);
	T_CHECK(decode_status(b, len, NULL, err) == RTG_ERR_DECODE &&
	        strstr(err, "inflates to"), "stream shorter: %s", err);

	/* a filter type byte of 5, in a sampled row and in a row that no
	 * sampled row needs: refused either way */
	struct spec s = { .w = 5, .h = 4, .depth = 8, .ctype = 2, .filter = 0 };
	size_t rb, n;
	uint8_t *raw = make_raw(&s, &rb);
	uint8_t *png = write_png(&s, raw, &n);
	T_CHECK(decode_status(png, n, NULL, err) == 0, "plain: %s", err);
	free(png);
	for (uint32_t row = 1; row <= 4; row++) {
		s.bad_filter = row;
		png = write_png(&s, raw, &n);
		struct rtg_image img;
		T_CHECK(png_decode(png, n, NULL, 4, &img, err) == RTG_ERR_DECODE &&
		        strstr(err, "filter type 5"), "row %u: %s", row - 1, err);
		free(png);
	}
	s.bad_filter = 0;
	s.ihdr_h = 5; /* 4 rows written, 5 declared */
	png = write_png(&s, raw, &n);
	T_CHECK(decode_status(png, n, NULL, err) == RTG_ERR_DECODE, "short: %s", err);
	free(png);
	free(raw);

	/* every prefix fails, through png.c and through rtg_image_decode */
	static const char *const names[] = { "photo-elephants.png", "palette.png", "rgba.png",
	                                     "grey-alpha.png", "rgb16.png", "noise.png",
	                                     "interlaced.png" };
	for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
		size_t fl;
		uint8_t *fb = t_slurp(fixtures, names[f], &fl);
		uint8_t *cut = malloc(fl);
		int bad = 0;
		size_t step = fl > 4000 ? 7 : 1;
		for (size_t k = 0; k < fl; k++) {
			if (k % step != 0 && k + 40 < fl)
				continue;
			memcpy(cut, fb, k); /* an exact-size copy: ASan sees overreads */
			int st = decode_status(cut, k, NULL, err);
			bad += !(st == RTG_ERR_DECODE || (st == RTG_ERR_FORMAT && k < 8)) ||
			       err[0] == '\0' || strchr(err, '\n') != NULL;
			struct rtg_image img;
			int st2 = rtg_image_decode(cut, k, NULL, 0, &img, err);
			bad += st2 == 0;
			if (st2 == 0)
				rtg_image_free(&img);
		}
		T_CHECK(bad == 0, "%s: %d prefixes not refused properly", names[f], bad);
		T_CHECK(decode_status(fb, fl, NULL, err) == 0, "%s whole: %s", names[f], err);
		free(cut);
		free(fb);
	}

	/* random corruption: a status and a message or an image, never a crash */
	uint64_t seed = 7;
	int bad = 0;
	for (int round = 0; round < 300; round++) {
		memcpy(b, buf, len);
		for (int k = 0; k < 3; k++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			size_t at = (seed >> 33) % (round % 2 ? len : 120); /* headers often */
			b[at] ^= (uint8_t)(seed >> 17) | 1;
		}
		int st = decode_status(b, len, NULL, err);
		bad += st > 1 || (st < 0 && err[0] == '\0');
	}
	T_CHECK(bad == 0, "%d inconsistent results on corrupt copies", bad);
	free(b);
	free(buf);
}

static void
test_huge(void)
{
	char dir[4096], err[RTG_ERRLEN];
	snprintf(dir, sizeof dir, "%s/../crashers", fixtures);
	size_t len;
	uint8_t *buf = t_slurp(dir, "huge-100000x100000.png", &len);
	T_CHECK(decode_status(buf, len, NULL, err) == RTG_ERR_LIMIT && strstr(err, "100000x100000"),
	        "%s", err);
	/* limits that allow it: refused because 119 bytes of zlib data cannot
	 * become 30 GB, before any allocation (not RTG_ERR_NOMEM, no time) */
	struct rtg_limits lim = { .max_dimension = 100000, .max_pixels = 10000000000u,
	                          .max_bytes = 1u << 30 };
	T_CHECK(decode_status(buf, len, &lim, err) == RTG_ERR_DECODE &&
	        strstr(err, "cannot inflate"), "%s", err);
	free(buf);
	buf = t_slurp(dir, "huge-16384x16384.png", &len);
	T_CHECK(decode_status(buf, len, NULL, err) == RTG_ERR_LIMIT, "%s", err);
	lim.max_pixels = 1u << 30;
	T_CHECK(decode_status(buf, len, &lim, err) == RTG_ERR_DECODE &&
	        strstr(err, "cannot inflate"), "%s", err);
	free(buf);
}

static void
test_crashers(void)
{
	char dir[4096], names[64][256];
	snprintf(dir, sizeof dir, "%s/../crashers", fixtures);
	size_t n = list_png(dir, names, 64);
	T_CHECK(n >= 4, "%zu crasher PNGs", n);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		uint8_t *buf = t_slurp(dir, names[i], &len);
		char err[RTG_ERRLEN] = "";
		struct rtg_image img;
		int st = decode_status(buf, len, NULL, err);
		T_CHECK(st < 0 && err[0] != '\0' && strchr(err, '\n') == NULL, "%s: %d (%s)",
		        names[i], st, err);
		T_CHECK(rtg_image_decode(buf, len, NULL, 262144, &img, err) < 0, "%s", names[i]);
		free(buf);
	}
}

/* Filter types used by the rows of a non-interlaced PNG (bit t set when
 * type t occurs); 0 if the file cannot be read that simply. */
static unsigned
filter_types(const uint8_t *b, size_t len)
{
	size_t pos = 8, zn = 0;
	uint8_t *z = malloc(len);
	uint32_t w = 0, h = 0;
	unsigned bits = 0, chans[7] = { 1, 0, 3, 1, 2, 0, 4 }, depth = 8, ct = 0;
	while (pos + 12 <= len) {
		uint32_t n = (uint32_t)b[pos] << 24 | (uint32_t)b[pos + 1] << 16 |
		             (uint32_t)b[pos + 2] << 8 | b[pos + 3];
		if (n > len - pos - 12)
			break;
		if (memcmp(b + pos + 4, "IHDR", 4) == 0) {
			const uint8_t *d = b + pos + 8;
			w = (uint32_t)d[2] << 8 | d[3];
			h = (uint32_t)d[6] << 8 | d[7];
			depth = d[8];
			ct = d[9] < 7 ? d[9] : 0;
		} else if (memcmp(b + pos + 4, "IDAT", 4) == 0) {
			memcpy(z + zn, b + pos + 8, n);
			zn += n;
		}
		pos += 12 + (size_t)n;
	}
	size_t rb = ((size_t)w * chans[ct] * depth + 7) / 8;
	uint8_t *raw = malloc(h * (rb + 1) + 1);
	if (t_uncompress(z, zn, raw, h * (rb + 1)))
		for (uint32_t y = 0; y < h; y++)
			bits |= raw[y * (rb + 1)] < 5 ? 1u << raw[y * (rb + 1)] : 0;
	free(raw);
	free(z);
	return bits;
}

/* Every fixture: through png.c (or not handled and stb), equal to stb. */
static void
test_fixtures(void)
{
	char names[64][256];
	size_t n = list_png(fixtures, names, 64);
	T_CHECK(n >= 10, "%zu PNG fixtures", n);
	int handled = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		uint8_t *buf = t_slurp(fixtures, names[i], &len);
		int w, h, c;
		if (!stbi_info_from_memory(buf, (int)len, &w, &h, &c))
			w = h = 1;
		int r = 0;
		static const unsigned div[] = { 0, 1, 4, 9, 50 };
		for (size_t k = 0; k < sizeof div / sizeof div[0]; k++) {
			uint64_t m = div[k] ? (uint64_t)w * h / div[k] : 0;
			r = check_against_stb(names[i], buf, len, m);
		}
		handled += r == 1;
		/* via rtg_image_decode: the fast path's name when it decoded */
		struct rtg_image img;
		char err[RTG_ERRLEN];
		if (rtg_image_decode(buf, len, NULL, 0, &img, err) == 0) {
			T_CHECK((r == 1) == (img.decoder == small_decoder()), "%s: %s", names[i],
			        img.decoder);
			rtg_image_free(&img);
		}
		free(buf);
	}
	T_CHECK(handled == (int)n, "%d of %zu fixtures through the fast path", handled, n);

	/* real encoder output with all five filter types (ImageMagick's
	 * adaptive filtering on noise), and photo-elephants.png with Sub, Up,
	 * Average and Paeth */
	size_t len;
	uint8_t *buf = t_slurp(fixtures, "noise.png", &len);
	T_CHECK(filter_types(buf, len) == 0x1f, "noise.png filter types %#x",
	        filter_types(buf, len));
	free(buf);
	buf = t_slurp(fixtures, "photo-elephants.png", &len);
	T_CHECK((filter_types(buf, len) & 0x1e) == 0x1e, "photo-elephants.png filter types %#x",
	        filter_types(buf, len));
	free(buf);
}

/* ---- the two row sources ------------------------------------------------- */

/* Decodes with the given source; the pixels (or NULL) and the status. */
static int
decode_with(const struct rtg_png_opts *o, const uint8_t *b, size_t n, uint64_t min_pixels,
            struct rtg_image *img, char *err)
{
	memset(img, 0, sizeof *img);
	err[0] = '\0';
	int st = rtg_png_decode_ex(b, n, NULL, min_pixels, o, img, err);
	T_CHECK(st == 0 || img->px == NULL, "pixels left on failure");
	return st;
}

static bool
same_pixels(const struct rtg_image *a, const struct rtg_image *b)
{
	return a->width == b->width && a->height == b->height &&
	       memcmp(a->px, b->px, (size_t)a->width * a->height * 4) == 0;
}

/* rtg_png_decode() streams exactly when the one-shot buffers (inflated
 * stream + joined copy of split IDAT data) exceed RTG_PNG_STREAM_ABOVE (0
 * with ISA-L: always); same pixels either way, equal to stb_image's. */
static void
test_stream_threshold(void)
{
	/* RGB8, 2400 wide: 7201 bytes a row inflated; 2329 rows are 16771129
	 * bytes (<= 16 MiB), 2330 rows 16778330 (above) */
	static const struct {
		uint32_t w, h;
		size_t split;
		bool stored, streams;
	} cases[] = {
		{ 2400, 2329, 0, false, false },
		{ 2400, 2330, 0, false, true },
		{ 2400, 2330, 1 << 20, false, true },
		/* stored deflate: the IDAT data is as large as the inflated
		 * stream (9 MB): one chunk fits, split it counts twice */
		{ 1000, 3000, 0, true, false },
		{ 1000, 3000, 65536, true, true },
	};
	/* the table is for the 16 MiB threshold; with ISA-L (0) every case
	 * streams */
	const size_t above = RTG_PNG_STREAM_ABOVE;
	if (above != 0 && above != (size_t)16 << 20) {
		printf("stream threshold: built with %zu bytes, not tested\n", above);
		return;
	}
	struct rtg_png_opts never = { SIZE_MAX, 0, 0 };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bool streams = cases[i].streams || above == 0 || !rtg_png_oneshot_available();
		struct spec s = { .w = cases[i].w, .h = cases[i].h, .depth = 8, .ctype = 2,
		                  .filter = -1, .idat_split = cases[i].split,
		                  .stored = cases[i].stored };
		size_t rb = (size_t)s.w * 3, len;
		uint8_t *raw = malloc(rb * s.h);
		for (uint32_t y = 0; y < s.h; y++) /* smooth, with a little texture */
			for (size_t x = 0; x < rb; x++)
				raw[y * rb + x] = (uint8_t)(x / 7 + y / 5 + ((x * y) % 13 == 0) * 40);
		uint8_t *png = write_png(&s, raw, &len);
		free(raw);
		char name[64];
		snprintf(name, sizeof name, "%ux%u split %zu%s", s.w, s.h, s.idat_split,
		         s.stored ? " stored" : "");
		struct rtg_image a, b;
		char err[RTG_ERRLEN];
		int st = rtg_png_decode(png, len, NULL, RTG_SAMPLE_BUDGET_DEFAULT, &a, err);
		T_CHECK(st == 0, "%s: %s", name, err);
		if (st == 0) {
			const char *want = streams ? rtg_png_stream_decoder : rtg_png_decoder;
			T_CHECK(a.decoder == want, "%s: decoded by %s", name, a.decoder);
			T_CHECK(decode_with(&never, png, len, RTG_SAMPLE_BUDGET_DEFAULT, &b, err) == 0 &&
			        same_pixels(&a, &b), "%s: the sources differ", name);
			rtg_image_free(&b);
			rtg_image_free(&a);
		}
		/* full size, against stb_image, on the streamed ones */
		if (streams) {
			struct rtg_png_opts saved = mode;
			const char *saved_dec = mode_decoder;
			mode.stream_above = RTG_PNG_STREAM_ABOVE;
			mode.window = 0;
			mode_decoder = rtg_png_stream_decoder;
			T_CHECK(check_against_stb(name, png, len, 0) == 1, "%s", name);
			mode = saved;
			mode_decoder = saved_dec;
		}
		free(png);
	}
}

/* The IDAT data of a PNG with a single IDAT chunk, and the file rebuilt
 * around other IDAT data (cut into chunks of split bytes, 0: one). */
static const uint8_t *
idat_of(const uint8_t *png, size_t len, size_t *at, size_t *n)
{
	size_t pos = 8;
	while (pos + 12 <= len) {
		size_t cl = (size_t)png[pos] << 24 | (size_t)png[pos + 1] << 16 |
		            (size_t)png[pos + 2] << 8 | png[pos + 3];
		if (memcmp(png + pos + 4, "IDAT", 4) == 0) {
			*at = pos;
			*n = cl;
			return png + pos + 8;
		}
		pos += 12 + cl;
	}
	exit(1);
}

static uint8_t *
with_idat(const uint8_t *png, size_t at, const uint8_t *z, size_t zn, size_t split,
          size_t *out_len)
{
	struct wpng o = { 0 };
	put(&o, png, at);
	size_t step = split ? split : zn;
	if (zn == 0)
		chunk(&o, "IDAT", NULL, 0);
	for (size_t k = 0; k < zn; k += step)
		chunk(&o, "IDAT", z + k, zn - k < step ? zn - k : step);
	chunk(&o, "IEND", NULL, 0);
	*out_len = o.n;
	return o.b;
}

/* Both sources give the same answer for the same zlib stream: trailing
 * bytes after it are ignored (as by libdeflate and stb_image); every cut,
 * a wrong Adler-32, a preset dictionary, a bad header (not deflate, window
 * above 32 KiB, FCHECK) are refused; IDAT chunks of one byte change
 * nothing.  With the smallest window and the default one. */
static void
test_stream_ends(void)
{
	struct spec s = { .w = 37, .h = 29, .depth = 8, .ctype = 2, .filter = -2 };
	size_t rb, len, at, zn;
	uint8_t *raw = make_raw(&s, &rb);
	uint8_t *png = write_png(&s, raw, &len);
	free(raw);
	const uint8_t *z0 = idat_of(png, len, &at, &zn);
	uint8_t *z = malloc(zn + 16);
	struct rtg_png_opts one = { SIZE_MAX, 0, 0 }, str[2] = { { 0, 1, 0 }, { 0, 0, 0 } };
	struct rtg_image ref, img;
	char err[RTG_ERRLEN];
	T_CHECK(decode_with(&one, png, len, 0, &ref, err) == 0, "%s", err);

	/* returns the one-shot status; checks the streaming ones against it,
	 * and equal pixels on success */
	#define BOTH(what, ...) do { \
		size_t n_; \
		uint8_t *f_ = with_idat(png, at, z, zl, split, &n_); \
		int s1_ = decode_with(&one, f_, n_, 0, &img, err); \
		if (s1_ == 0) { \
			T_CHECK(same_pixels(&img, &ref), what ": one-shot pixels", __VA_ARGS__); \
			rtg_image_free(&img); \
		} \
		for (int w_ = 0; w_ < 2; w_++) { \
			int s2_ = decode_with(&str[w_], f_, n_, 0, &img, err); \
			T_CHECK(s2_ == s1_ && strchr(err, '\n') == NULL, what ": one-shot %d, " \
			        "streaming %d (%s)", __VA_ARGS__, s1_, s2_, err); \
			if (s2_ == 0) { \
				T_CHECK(same_pixels(&img, &ref), what ": streamed pixels", __VA_ARGS__); \
				rtg_image_free(&img); \
			} \
			memcpy(serr, err, sizeof serr); \
		} \
		last = s1_; \
		free(f_); \
	} while (0)

	int last;
	char serr[RTG_ERRLEN]; /* the streaming source's message */
	size_t zl, split;
	/* whole, in chunks of 1, 2 and 5 bytes (header and trailer across
	 * chunks), and with trailing bytes */
	static const size_t splits[] = { 0, 1, 2, 5 };
	for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++) {
		memcpy(z, z0, zn);
		split = splits[i];
		zl = zn;
		BOTH("split %zu", split);
		T_CHECK(last == 0, "split %zu: %d", split, last);
		memcpy(z + zn, "trailing", 8);
		zl = zn + 8;
		BOTH("split %zu + trailing bytes", split);
		T_CHECK(last == 0, "trailing, split %zu: %d", split, last);
	}
	/* every cut of the stream, chunk structure intact: the streaming
	 * source finds the end of the data inside the stream (header, deflate
	 * data or trailer), unless it is too short for the image to begin
	 * with (1032:1, checked before anything is allocated) */
	memcpy(z, z0, zn);
	const size_t inflated = (size_t)s.h * (s.w * 3 + 1);
	for (zl = 0; zl < zn; zl++) {
		split = zl % 3 ? 0 : 4;
		BOTH("cut at %zu", zl);
		T_CHECK(last == RTG_ERR_DECODE, "cut at %zu: %d", zl, last);
		const char *why = (zl + 1) * 1032 < inflated ? "cannot inflate" :
		                  "ends inside its zlib stream";
		T_CHECK(strstr(serr, why) != NULL, "cut at %zu: %s", zl, serr);
	}
	zl = zn;
	/* Adler-32 wrong (each of its bytes), the trailer whole or across IDAT
	 * chunks: the inflater's own check (ISA-L's) or ours (zlib) */
	for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++) {
		split = splits[i];
		for (size_t k = zn - 4; k < zn; k++) {
			z[k] ^= 0x40;
			BOTH("Adler-32 byte %zu, split %zu", k, split);
			T_CHECK(last == RTG_ERR_DECODE, "Adler-32: %d", last);
			T_CHECK(strstr(serr, "incorrect data check") != NULL, "Adler-32: %s", serr);
			z[k] ^= 0x40;
		}
	}
	split = 0;
	/* a window of 64 KiB (CINFO 8, FCHECK fixed): not allowed by RFC 1950,
	 * refused by libdeflate, so by all */
	z[0] = 0x88;
	z[1] = (uint8_t)(z[1] & 0xe0);
	z[1] = (uint8_t)(z[1] + (31 - ((unsigned)z[0] << 8 | z[1]) % 31) % 31);
	BOTH("%s", "CINFO 8");
	T_CHECK(last == RTG_ERR_DECODE, "CINFO 8: %d", last);
	memcpy(z, z0, 2);
	/* FDICT set (FCHECK fixed): a dictionary id would follow */
	z[1] = (uint8_t)((z[1] | 0x20) & 0xe0);
	z[1] = (uint8_t)(z[1] + (31 - ((unsigned)z[0] << 8 | z[1]) % 31) % 31);
	BOTH("%s", "preset dictionary");
	T_CHECK(last == RTG_ERR_DECODE, "FDICT: %d", last);
	/* not deflate (CM 7), and a header that fails FCHECK */
	memcpy(z, z0, 2);
	z[0] = (uint8_t)((z[0] & 0xf0) | 7);
	BOTH("%s", "CM 7");
	T_CHECK(last == RTG_ERR_DECODE, "CM: %d", last);
	memcpy(z, z0, 2);
	z[1] ^= 1;
	BOTH("%s", "FCHECK");
	T_CHECK(last == RTG_ERR_DECODE, "FCHECK: %d", last);
	/* a corrupt block inside: both refuse (same byte, same status) */
	memcpy(z, z0, zn);
	z[zn / 2] ^= 0xff;
	BOTH("%s", "corrupt middle");
	T_CHECK(last < 0, "corrupt middle: %d", last);
	#undef BOTH

	rtg_image_free(&ref);
	free(z);
	free(png);
}

/* A block of rows is rstep + 1 rows at least: when that exceeds the
 * default window, the window grows to it (12000 RGB pixels a row, d 10:
 * 11 rows of 36001 bytes). */
static void
test_stream_window(void)
{
	struct spec s = { .w = 12000, .h = 100, .depth = 8, .ctype = 2, .filter = -2,
	                  .idat_split = 100000 };
	size_t rb, len;
	uint8_t *raw = make_raw(&s, &rb);
	uint8_t *png = write_png(&s, raw, &len);
	free(raw);
	uint64_t m = grid(12000, 100, 10);
	T_CHECK(rtg_png_decimation(12000, 100, m) == 10, "d 10");
	struct rtg_png_opts saved = mode;
	const char *saved_dec = mode_decoder;
	static const size_t windows[] = { 0, 1, 36001 * 11 + 1 };
	for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
		mode.stream_above = 0;
		mode.window = windows[i];
		mode_decoder = rtg_png_stream_decoder;
		char name[64];
		snprintf(name, sizeof name, "12000x100 d 10, window %zu", windows[i]);
		T_CHECK(check_against_stb(name, png, len, m) == 1, "%s", name);
		T_CHECK(check_against_stb(name, png, len, 0) == 1, "%s full", name);
	}
	mode = saved;
	mode_decoder = saved_dec;
	free(png);
}

/* Matches that reach back almost the whole 32 KiB deflate window: rows of
 * 9829 bytes (3276 RGB pixels and the filter byte) repeat every third row,
 * noise otherwise, so only copies from 29487 bytes back compress them.
 * The streaming inflater writes a window that is refilled and moved, or
 * (smallest window) a few hundred bytes per call: it must keep that much
 * history across calls itself (ISA-L does in its state).  Same pixels as
 * stb_image, at full size and decimated, whatever the window. */
static void
test_stream_history(void)
{
	struct spec s = { .w = 3276, .h = 90, .depth = 8, .ctype = 2, .filter = 0,
	                  .idat_split = 3000 };
	const size_t rb = 3276 * 3;
	uint8_t *raw = malloc(rb * s.h);
	uint64_t seed = 5;
	for (size_t i = 0; i < rb * 3; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		raw[i] = (uint8_t)(seed >> 56);
	}
	for (size_t i = rb * 3; i < rb * s.h; i++)
		raw[i] = raw[i - rb * 3];
	size_t len;
	uint8_t *png = write_png(&s, raw, &len);
	free(raw);
	/* the matches are there: the data compresses to about the three
	 * noise rows */
	T_CHECK(len < rb * 5, "%zu bytes: no long matches", len);
	struct rtg_png_opts saved = mode;
	const char *saved_dec = mode_decoder;
	static const size_t windows[] = { 0, 1, 2000, 40000 };
	for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
		mode.stream_above = 0;
		mode.window = windows[i];
		mode_decoder = rtg_png_stream_decoder;
		char name[64];
		snprintf(name, sizeof name, "history, window %zu", windows[i]);
		T_CHECK(check_against_stb(name, png, len, 0) == 1, "%s", name);
		T_CHECK(check_against_stb(name, png, len, grid(3276, 90, 7)) == 1, "%s d 7", name);
	}
	mode = saved;
	mode_decoder = saved_dec;
	free(png);
}

/* ---- decimation keeps the colours ---------------------------------------- */

static void
means(const struct rtg_samples *s, const struct rtg_centroid *c, int k, double (*m)[3],
      double *share)
{
	double w[RTG_K_MAX] = { 0 };
	memset(m, 0, sizeof(double[3]) * (size_t)k);
	for (size_t i = 0; i < s->n; i++) {
		int bj = 0;
		double bd = 1e300;
		for (int j = 0; j < k; j++) {
			double d = 0;
			for (int q = 0; q < 3; q++)
				d += (s->pts[i][q] - c[j].v[q]) * (s->pts[i][q] - c[j].v[q]);
			if (d < bd) {
				bd = d;
				bj = j;
			}
		}
		for (int q = 0; q < 3; q++)
			m[bj][q] += (double)s->pts[i][q] * s->w[i];
		w[bj] += s->w[i];
	}
	for (int j = 0; j < k; j++) {
		for (int q = 0; q < 3; q++)
			m[j][q] = w[j] > 0 ? m[j][q] / w[j] : c[j].v[q];
		share[j] = w[j] / s->total_weight;
	}
}

/* album-dune.jpg (600x600) re-encoded as PNG; palette (k 8, CIELAB) of the
 * full decode; the samples of decodes at d = 2, 3 and 4 are assigned to its
 * centroids: every cluster with >= 5 % of the weight keeps its mean within
 * 2 dE00 and its share within 0.03 (as test_scaled does for JPEG). */
static void
test_palette(void)
{
	size_t len;
	uint8_t *jpg = t_slurp(fixtures, "album-dune.jpg", &len);
	int w, h, c;
	uint8_t *rgba = stbi_load_from_memory(jpg, (int)len, &w, &h, &c, 4);
	free(jpg);
	T_CHECK(rgba != NULL, "album-dune.jpg");
	if (rgba == NULL)
		return;
	struct spec s = { .w = (uint32_t)w, .h = (uint32_t)h, .depth = 8, .ctype = 2,
	                  .filter = 4, .idat_split = 32768 };
	uint8_t *raw = malloc((size_t)w * h * 3);
	for (size_t i = 0; i < (size_t)w * h; i++)
		memcpy(raw + 3 * i, rgba + 4 * i, 3);
	stbi_image_free(rgba);
	uint8_t *png = write_png(&s, raw, &len);
	free(raw);

	struct rtg_samples full, dec;
	struct rtg_image img;
	struct rtg_centroid cent[RTG_K_MAX];
	struct rtg_kmeans_opts ko;
	char err[RTG_ERRLEN];
	int st = png_decode(png, len, NULL, 0, &img, err);
	T_CHECK(st == 0, "%s", err);
	if (st != 0) {
		free(png);
		return;
	}
	st = rtg_sample(&img, RTG_SPACE_CIELAB, RTG_SAMPLE_BUDGET_DEFAULT, &full, err);
	rtg_image_free(&img);
	T_CHECK(st == 0, "%s", err);
	rtg_kmeans_opts_default(&ko);
	ko.k = 8;
	int k = rtg_kmeans((const float (*)[3])full.pts, full.w, full.n, &ko, cent, NULL, err);
	T_CHECK(k == 8, "k-means: %d %s", k, err);
	double mf[RTG_K_MAX][3], sf[RTG_K_MAX];
	if (k > 0)
		means(&full, cent, k, mf, sf);
	for (uint32_t want = 2; want <= 4 && k > 0; want++) {
		uint64_t m = grid((uint32_t)w, (uint32_t)h, want);
		st = png_decode(png, len, NULL, m, &img, err);
		T_CHECK(st == 0 && img.scale_denom == (int)want, "d %u: %s", want, err);
		if (st != 0)
			continue;
		st = rtg_sample(&img, RTG_SPACE_CIELAB, RTG_SAMPLE_BUDGET_DEFAULT, &dec, err);
		rtg_image_free(&img);
		if (st != 0)
			continue;
		double md[RTG_K_MAX][3], sd[RTG_K_MAX], worst = 0, wshare = 0;
		means(&dec, cent, k, md, sd);
		for (int j = 0; j < k; j++) {
			if (sf[j] < 0.05)
				continue;
			double de = rtg_ciede2000(mf[j], md[j]);
			worst = de > worst ? de : worst;
			double ds = sf[j] > sd[j] ? sf[j] - sd[j] : sd[j] - sf[j];
			wshare = ds > wshare ? ds : wshare;
		}
		printf("d %u: worst cluster mean %.2f dE00, share %.3f\n", want, worst, wshare);
		T_CHECK(worst <= 2.0 && wshare <= 0.03, "d %u: %.2f dE00, share %.3f", want, worst,
		        wshare);
		rtg_samples_free(&dec);
	}
	rtg_samples_free(&full);
	free(png);
}

#endif /* WRITER */

int
main(void)
{
	fixtures = getenv("FIXTURES");
	if (fixtures == NULL) {
		fprintf(stderr, "FIXTURES not set\n");
		return 77;
	}
	test_decimation();
	if (!rtg_png_available()) {
		/* without ISA-L and libdeflate every PNG goes to stb_image */
		size_t len;
		uint8_t *buf = t_slurp(fixtures, "photo-elephants.png", &len);
		struct rtg_image img;
		char err[RTG_ERRLEN];
		T_CHECK(!rtg_png_oneshot_available() && !rtg_png_stream_available(), "sources");
		T_CHECK(png_decode(buf, len, NULL, 0, &img, err) == RTG_PNG_NOT_HANDLED, "stub");
		T_CHECK(rtg_image_decode(buf, len, NULL, 0, &img, err) == 0 &&
		        strcmp(img.decoder, "stb_image") == 0, "%s", err);
		rtg_image_free(&img);
		free(buf);
		return t_done();
	}
#ifdef WRITER
	/* everything through each row source */
	static const struct {
		struct rtg_png_opts opts;
		bool streams;
		const char *name;
	} sources[] = {
		{ { SIZE_MAX, 0, 0 }, false, "one-shot" },
		{ { 0, 1, 0 }, true, "streaming, smallest window" },
		{ { 0, 2000, 0 }, true, "streaming, 2000-byte window" },
	};
	for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
		if (!(sources[i].streams ? rtg_png_stream_available() :
		      rtg_png_oneshot_available())) {
			printf("%s: not built\n", sources[i].name);
			continue;
		}
		mode = sources[i].opts;
		mode_decoder = sources[i].streams ? rtg_png_stream_decoder : rtg_png_decoder;
		printf("== %s (%s)\n", sources[i].name, mode_decoder);
		fprintf(stderr, "== %s (%s)\n", sources[i].name, mode_decoder);
		test_fixtures();
		test_variants();
		test_not_handled();
		test_cgbi();
		test_broken();
		test_huge();
		test_crashers();
		test_palette();
	}
	mode.stream_above = SIZE_MAX;
	mode.window = 0;
	mode_decoder = rtg_png_oneshot_available() ? rtg_png_decoder : rtg_png_stream_decoder;
	if (rtg_png_stream_available()) {
		test_stream_threshold();
		test_stream_ends();
		test_stream_window();
		test_stream_history();
	}
#else
	printf("no libdeflate or zlib to write test PNGs with: not tested further\n");
#endif
	return t_done();
}
