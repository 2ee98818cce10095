/* png.c - fast PNG decoding: the entry point, the passes and grids, own
 * unfiltering (pngfilter.c), point-sampled; the chunk walk in pngchunk.c,
 * the conversion to RGBA8 in pngconv.c, the image data inflated by a row
 * source (pnginflate.c: ISA-L or zlib streaming, libdeflate one-shot).
 *
 * Written from the PNG specification (W3C PNG, 2nd/3rd edition: chunk
 * layout, IHDR fields, filter types, Adam7, PLTE/tRNS).  Why it exists: with
 * stb_image, decoding is 84-98 % of a generation on large PNGs, and stb
 * inflates the whole stream, then unfilters it into a second full-size
 * buffer and converts that to RGBA - three passes through memory that no
 * longer fits in cache (RAG/AI-LOG/2026-11-26-flamegraph-profiling.md).
 * Here:
 *
 *   1. The chunks are walked once, with every length checked against the
 *      buffer; the limits are checked from IHDR, and the inflated size
 *      (h * (1 + rowbytes), or the sum over the seven Adam7 passes of an
 *      interlaced image) is computed with overflow checks and compared with
 *      what the compressed bytes could possibly hold (deflate expands at
 *      most 1032:1, zlib.net "zlib technical details"), all before any
 *      allocation.  A file can therefore not make us allocate more than
 *      about 1032 times its own size.
 *   2. The filtered rows come from a row source (pnginflate.h), block by
 *      block: streaming (a window of a few hundred KiB of rows, refilled
 *      as they are used; ISA-L, or zlib without it) or one-shot (the whole
 *      inflated stream, libdeflate).  With ISA-L every image streams.
 *      Without, zlib streams when the one-shot buffers (inflated stream +
 *      joined copy of split IDAT data) would exceed RTG_PNG_STREAM_ABOVE,
 *      16 MiB: from about 2000x2000 RGB up, where they would be what breaks
 *      the budget (peak RSS <= decoded RGBA size + 16 MiB: at
 *      3370x3370, file 22 MB + joined copy 22 MB + inflated 34 MB against
 *      59 MiB); below, libdeflate's one-shot inflate is the faster.  Either
 *      way the stream must inflate to exactly the image's size: a stream
 *      that ends early, has more rows, or is not a valid zlib stream is
 *      refused.
 *   3. Rows are unfiltered from the source into a three-row ring that stays
 *      in cache (the source is only read, never written back); an
 *      interlaced image is seven such sub-images, one after the other.
 *      Every row that a sampled row depends on must be unfiltered (Up,
 *      Average and Paeth read the row above); a row that nothing depends on
 *      (after the last sampled row, or above a None/Sub row and not itself
 *      sampled) is skipped.  The rows are taken in blocks that end on a
 *      sampled row, so this works the same on a window as on the whole
 *      stream.
 *   4. Only every d-th column of every d-th row is converted to RGBA8 (for
 *      an Adam7 pass: its pixels whose image x and y are multiples of d): the
 *      sampler visits at most its budget of pixels on a grid anyway, so the
 *      decoder keeps just enough of them (d is the largest integer such
 *      that the result still has min_pixels).  Neither a full-size
 *      unfiltered image nor a full-size RGBA image is ever made.  Given
 *      the sampler's budget (rtg_png_opts.grid), a non-interlaced image
 *      keeps only the pixels of the sampler's grid on that (grid.h), and
 *      rows that neither it nor a kept row below needs are not unfiltered.
 *
 * CRCs: verified for every chunk whose content is used (IHDR, PLTE, tRNS,
 * IDAT, IEND) - with ISA-L's or libdeflate's CRC-32 that is about 1 % of
 * the decode.  All IDAT CRCs are checked before anything is inflated, by
 * every source.
 * Skipped ancillary chunks are not checked: their content cannot change the
 * pixels (stb_image checks no CRC at all; libpng by default drops ancillary
 * chunks with a bad CRC and goes on).
 *
 * Errors: a file this code understands but finds broken is RTG_ERR_DECODE
 * with the reason, final (stb_image is not asked again: it ignores CRCs and
 * would only add a second, different opinion).  All sources refuse the
 * same files; a file with several faults may be refused for a different
 * one (the streaming source meets a bad filter type byte before a broken
 * end of the stream, the one-shot source after).  What is not implemented
 * here (unknown critical chunks, Apple's CgBI, tRNS with an alpha channel,
 * which stb rejects and libpng ignores) returns RTG_PNG_NOT_HANDLED so that
 * the caller's stb_image path decides, and its behaviour for those files
 * stays what it was - but only after the whole chunk structure has been
 * checked: stb_image allocates what a chunk length claims.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "image.h"
#include "png.h"
#include "png_internal.h"
#include "pngfilter.h"
#include "pnginflate.h"
#include "status.h"

const char rtg_png_decoder[] = "libdeflate";
#ifdef RTG_PNGINF_ISAL
const char rtg_png_stream_decoder[] = "isa-l";
#else
const char rtg_png_stream_decoder[] = "zlib";
#endif

bool
rtg_png_available(void)
{
#ifdef RTG_PNGINF_ANY
	return true;
#else
	return false;
#endif
}

bool
rtg_png_oneshot_available(void)
{
#ifdef RTG_PNGINF_ONESHOT
	return true;
#else
	return false;
#endif
}

bool
rtg_png_stream_available(void)
{
#ifdef RTG_PNGINF_STREAM
	return true;
#else
	return false;
#endif
}

static uint64_t
grid_pixels(uint32_t w, uint32_t h, uint32_t d)
{
	return (uint64_t)((w - 1) / d + 1) * ((h - 1) / d + 1);
}

uint32_t
rtg_png_decimation(uint32_t w, uint32_t h, uint64_t min_pixels)
{
	if (w == 0 || h == 0 || min_pixels == 0 || (uint64_t)w * h <= min_pixels)
		return 1;
	/* grid_pixels() does not grow with d: binary search for the largest d
	 * that still gives min_pixels (d = 1 always does, w * h > min_pixels) */
	uint32_t lo = 1, hi = w > h ? w : h;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;
		if (grid_pixels(w, h, mid) >= min_pixels)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int
rtg_png_decode(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
               uint64_t min_pixels, struct rtg_image *img, char *err)
{
	return rtg_png_decode_ex(buf, len, lim, min_pixels, NULL, img, err);
}

#ifndef RTG_PNGINF_ANY

int
rtg_png_decode_ex(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                  uint64_t min_pixels, const struct rtg_png_opts *opts,
                  struct rtg_image *img, char *err)
{
	(void)buf, (void)len, (void)lim, (void)min_pixels, (void)opts, (void)img, (void)err;
	return RTG_PNG_NOT_HANDLED;
}

#else /* RTG_PNGINF_ANY */

/* deflate's largest expansion: a 258-byte match costs at least 2 bits */
#define DEFLATE_MAX_RATIO 1032u

/* ---- passes: the whole image, or the seven of Adam7 (spec 8.2) ---------- */

struct pass {
	uint32_t x0, y0, dx, dy; /* the pass's pixel (c, r) is the image's
	                          * (x0 + c*dx, y0 + r*dy) */
	uint32_t pw, ph;         /* its size; 0 x ... when it is empty */
	size_t rb;               /* bytes of one of its rows, filter byte excluded */
};

static const uint8_t ADAM7[7][4] = {
	{ 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
	{ 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 },
};

/* Pass geometry and the inflated size (sum over non-empty passes of
 * ph * (1 + rb)); false if that does not fit in SIZE_MAX / 2. */
static bool
passes(const struct png *p, struct pass *ps, int *np, uint64_t *inflated)
{
	*np = p->interlace ? 7 : 1;
	*inflated = 0;
	for (int i = 0; i < *np; i++) {
		struct pass *q = &ps[i];
		q->x0 = p->interlace ? ADAM7[i][0] : 0;
		q->y0 = p->interlace ? ADAM7[i][1] : 0;
		q->dx = p->interlace ? ADAM7[i][2] : 1;
		q->dy = p->interlace ? ADAM7[i][3] : 1;
		q->pw = p->w > q->x0 ? (p->w - q->x0 - 1) / q->dx + 1 : 0;
		q->ph = p->h > q->y0 ? (p->h - q->y0 - 1) / q->dy + 1 : 0;
		/* pw <= 2^31, channels * depth <= 64: no overflow */
		q->rb = (size_t)(((uint64_t)q->pw * p->channels * p->depth + 7) / 8);
		if (q->pw == 0 || q->ph == 0)
			continue; /* an empty pass has no rows, not even filter bytes */
		uint64_t sz = (uint64_t)q->ph * ((uint64_t)q->rb + 1);
		if (sz / q->ph != (uint64_t)q->rb + 1 || sz > SIZE_MAX / 2 - *inflated)
			return false;
		*inflated += sz;
	}
	return true;
}

/* The first index i >= 0 with (o + i*step) % d == 0, and the period of
 * such indices; false if there is none below n. */
static bool
first_on_grid(uint32_t o, uint32_t step, uint32_t d, uint32_t n, uint32_t *first,
              uint32_t *period)
{
	uint32_t a = step, b = d; /* gcd(step, d) */
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	*period = d / a;
	uint32_t lim = *period < n ? *period : n;
	for (uint32_t i = 0; i < lim; i++)
		if (((uint64_t)o + (uint64_t)i * step) % d == 0) {
			*first = i;
			return true;
		}
	return false;
}

/* Where a pass's rows lie on the output grid: pass rows r0, r0 + rstep,
 * ... up to last, and in them columns c0, c0 + cstep, ... (ncols). */
struct grid {
	bool any; /* the pass has pixels on the grid */
	uint32_t r0, rstep, last, c0, cstep, ncols;
};

static void
pass_grid(const struct pass *q, uint32_t d, struct grid *g)
{
	memset(g, 0, sizeof *g);
	g->rstep = g->cstep = 1;
	if (q->pw == 0 || q->ph == 0)
		return;
	bool rows = first_on_grid(q->y0, q->dy, d, q->ph, &g->r0, &g->rstep);
	bool cols = first_on_grid(q->x0, q->dx, d, q->pw, &g->c0, &g->cstep);
	g->any = rows && cols;
	if (g->any) {
		g->ncols = (q->pw - 1 - g->c0) / g->cstep + 1;
		g->last = g->r0 + (q->ph - 1 - g->r0) / g->rstep * g->rstep;
	}
}

static bool
on_grid(const struct grid *g, uint32_t r)
{
	return g->any && r >= g->r0 && r <= g->last && (r - g->r0) % g->rstep == 0;
}

/* What the rows of a pass are written into: RGBA ow pixels wide, or with
 * the sampler's grid active (non-interlaced only, so the pass is the
 * image) only its kept rows and columns, sel->nx wide; tmp: one decimated
 * row for rtg_pngconv_kept(). */
struct dest {
	uint8_t *out;
	uint32_t ow, d;
	const struct rtg_grid *sel;
	uint8_t *tmp;
};

/* Row r of the pass is converted: on the d-grid, and kept by the
 * sampler's grid if there is one. */
static bool
kept(const struct grid *g, const struct dest *o, uint32_t r)
{
	return on_grid(g, r) && (!rtg_grid_active(o->sel) || o->sel->yidx[r / o->d] >= 0);
}

/* ---- unfiltering and sampling -------------------------------------------- */

/* Rows a .. b of a pass, b on the grid: unfilters those the grid needs
 * (b, and going up, every row that a needed row reads through Up, Average
 * or Paeth; the row above a, if read, is the previous block's b, still in
 * the ring) and converts their pixels on the grid.  need: b - a + 1 bytes;
 * ring: 4 rows of ring_rb >= rb bytes, the fourth all zeros, row r in slot
 * r % 3 (a pair and the row above it). */
static void
sample_block(const struct png *p, const struct pass *q, const struct grid *g,
             const uint8_t *rows, uint32_t a, uint32_t b, const struct dest *o,
             uint8_t *need, uint8_t *ring, size_t ring_rb)
{
	const size_t stride = q->rb + 1;
	const uint32_t d = o->d, ow = o->ow;
	bool below = false; /* the row below is needed and reads this one */
	for (uint32_t r = b + 1; r-- > a;) {
		/* b always: the next block's first row may read it */
		bool n = below || r == b || kept(g, o, r);
		need[r - a] = n;
		below = n && rows[(size_t)(r - a) * stride] >= RTG_PNGF_UP;
	}

	const uint8_t *zero = ring + 3 * ring_rb;
	const size_t ostep = (size_t)g->cstep * q->dx / d * 4;
	const size_t ox0 = ((size_t)q->x0 + (size_t)g->c0 * q->dx) / d;
	for (uint32_t r = a; r <= b;) {
		if (!need[r - a]) {
			r++;
			continue;
		}
		const uint8_t *src = rows + (size_t)(r - a) * stride;
		uint8_t *cur = ring + (size_t)(r % 3) * ring_rb;
		/* the row above, whenever this row's filter reads it */
		const uint8_t *prev = r == 0 ? zero : ring + (size_t)((r - 1) % 3) * ring_rb;
		uint32_t done = 1;
		if (r < b && need[r + 1 - a]) {
			uint8_t *next = ring + (size_t)((r + 1) % 3) * ring_rb;
			if (rtg_pngfilter_pair(src[0], src[stride], p->bpp, src + 1, src + stride + 1,
			                       prev, cur, next, q->rb))
				done = 2;
		}
		if (done == 1)
			rtg_pngfilter_row(src[0], p->bpp, src + 1, prev, cur, q->rb);
		for (uint32_t i = 0; i < done; i++, r++) {
			if (!kept(g, o, r))
				continue;
			const uint8_t *row = ring + (size_t)(r % 3) * ring_rb;
			size_t oy = ((size_t)q->y0 + (size_t)r * q->dy) / d;
			if (rtg_grid_active(o->sel)) {
				const struct rtg_grid *sg = o->sel;
				rtg_pngconv_kept(p, row, sg->xs, sg->nx, d, ow,
				                 o->out + (size_t)sg->yidx[oy] * sg->nx * 4, o->tmp);
			} else {
				rtg_pngconv_row(p, row, g->c0, g->cstep, g->ncols,
				                o->out + (oy * ow + ox0) * 4, ostep);
			}
		}
	}
}

/* One pass, in blocks that end on a grid row (a block is what the source
 * holds at once).  Every filter type byte is checked, needed or not. */
static int
sample_pass(const struct png *p, const struct pass *q, const struct grid *g,
            const char *pass_name, struct rtg_pnginf *src, const struct dest *o,
            uint8_t *need, uint8_t *ring, size_t ring_rb, char *err)
{
	const size_t stride = q->rb + 1;
	const uint32_t cap = rtg_pnginf_cap(src, q->rb, q->ph);
	rtg_pnginf_pass(src, q->rb, q->ph);
	for (uint32_t a = 0; a < q->ph;) {
		uint32_t n = q->ph - a < cap ? q->ph - a : cap;
		const uint8_t *rows;
		int st = rtg_pnginf_get(src, a, n, &rows, err);
		if (st != 0)
			return st;
		/* the block: up to the last grid row it holds (the source holds
		 * rstep + 1 rows or the rest of the pass: there is one), or all
		 * of it after the last grid row */
		bool sample = g->any && a <= g->last;
		uint32_t b = a + n - 1;
		if (sample)
			b = b >= g->last ? g->last : g->r0 + (b - g->r0) / g->rstep * g->rstep;
		if (b < a) /* not reached (the window holds a block), but never loop */
			return rtg_fail(err, RTG_ERR_DECODE, "PNG decoder: row window too small");
		for (uint32_t r = a; r <= b; r++) {
			unsigned ft = rows[(size_t)(r - a) * stride];
			if (ft > RTG_PNGF_PAETH)
				return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (row %" PRIu32 "%s%s "
				                "has filter type %u)", r, p->interlace ?
				                " of Adam7 pass " : "", p->interlace ? pass_name : "", ft);
		}
		if (sample)
			sample_block(p, q, g, rows, a, b, o, need, ring, ring_rb);
		a = b + 1;
	}
	return 0;
}

/* All passes, one after the other in the stream. */
static int
unfilter_and_sample(const struct png *p, const struct pass *ps, const struct grid *gs,
                    int np, struct rtg_pnginf *src, const struct dest *o, char *err)
{
	size_t rb = 0;
	uint32_t nneed = 1;
	for (int i = 0; i < np; i++) {
		rb = ps[i].rb > rb ? ps[i].rb : rb;
		uint32_t c = rtg_pnginf_cap(src, ps[i].rb, ps[i].ph);
		nneed = c > nneed ? c : nneed;
	}
	uint8_t *need = malloc(nneed);
	uint8_t *ring = calloc(4, rb ? rb : 1); /* three rows and a row of zeros */
	int st = 0;
	if (need == NULL || ring == NULL)
		st = rtg_fail(err, RTG_ERR_NOMEM, "out of memory for PNG rows");
	for (int i = 0; i < np && st == 0; i++) {
		if (ps[i].pw == 0 || ps[i].ph == 0)
			continue;
		static const char *const names[7] = { "1", "2", "3", "4", "5", "6", "7" };
		st = sample_pass(p, &ps[i], &gs[i], names[i], src, o, need, ring, rb, err);
	}
	free(need);
	free(ring);
	return st;
}

int
rtg_png_decode_ex(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                  uint64_t min_pixels, const struct rtg_png_opts *opts,
                  struct rtg_image *img, char *err)
{
	static const struct rtg_png_opts defopts = { RTG_PNG_STREAM_ABOVE, 0, 0 };
	struct rtg_limits deflim;
	struct png p;
	int st;

	if (img == NULL || (buf == NULL && len != 0))
		return rtg_fail(err, RTG_ERR_ARG, "no PNG to decode");
	if (lim == NULL) {
		rtg_limits_default(&deflim);
		lim = &deflim;
	}
	if (opts == NULL)
		opts = &defopts;
	memset(&p, 0, sizeof p);
	for (int i = 0; i < 256; i++) /* indices past PLTE: opaque black */
		p.pal[i][3] = 255;
	if ((st = rtg_pngchunk_walk(&p, buf, len, lim, err)) != 0)
		return st;

	/* everything below is bounded by the checked limits */
	struct pass ps[7];
	int np;
	uint64_t inflated;
	if (!passes(&p, ps, &np, &inflated))
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " pixels, "
		                "too large to decode", p.w, p.h);
	if (inflated > (uint64_t)p.idat_total * DEFLATE_MAX_RATIO + DEFLATE_MAX_RATIO)
		return rtg_fail(err, RTG_ERR_DECODE, "truncated or corrupt PNG (%zu bytes of "
		                "image data cannot inflate to the %" PRIu64 " bytes of a %"
		                PRIu32 "x%" PRIu32 " image)", p.idat_total, inflated, p.w, p.h);
	uint32_t d = rtg_png_decimation(p.w, p.h, min_pixels);
	uint32_t ow = (p.w - 1) / d + 1, oh = (p.h - 1) / d + 1;
	uint64_t opx = (uint64_t)ow * oh;
	if (opx > SIZE_MAX / 4 || opx > (uint64_t)INT_MAX)
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " pixels, "
		                "too large to decode", p.w, p.h);
	struct grid gs[7];
	for (int i = 0; i < np; i++)
		pass_grid(&ps[i], d, &gs[i]);

	/* the one-shot buffers: the inflated stream, and the joined copy of
	 * the image data when it is split; the rows of one block (rstep + 1,
	 * or the whole pass), which a streaming window must hold */
	uint64_t oneshot = inflated + (p.idat_count > 1 ? p.idat_total : 0);
	size_t block = 0;
	for (int i = 0; i < np; i++) {
		uint64_t rows = (uint64_t)gs[i].rstep + 1 < ps[i].ph ? gs[i].rstep + 1 : ps[i].ph;
		uint64_t need = rows * (ps[i].rb + 1); /* <= inflated */
		block = need > block ? (size_t)need : block;
	}
	const struct rtg_pnginf_idat idat = {
		.buf = buf, .first = p.first_idat, .count = p.idat_count, .total = p.idat_total,
		.inflated = inflated, .w = p.w, .h = p.h,
	};
	struct rtg_pnginf *src;
	if ((st = rtg_pnginf_open(&src, &idat, oneshot > opts->stream_above, opts->window,
	                          block, err)) != 0)
		return st;

	/* the sampler's grid on the decimated image (Adam7 passes do not
	 * hold whole rows: kept whole, the sampler picks) */
	struct rtg_grid sel;
	struct dest o = { .ow = ow, .d = d, .sel = &sel };
	if (!rtg_grid_init(&sel, ow, oh, p.interlace ? 0 : opts->grid))
		st = rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a PNG");
	const bool kept_only = rtg_grid_active(&sel);
	const uint64_t keep = kept_only ? (uint64_t)sel.nx * sel.ny : opx;
	if (st == 0 && (o.out = malloc((size_t)keep * 4)) == NULL)
		st = rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a %" PRIu32 "x%"
		              PRIu32 " PNG", ow, oh);
	if (st == 0 && kept_only && (o.tmp = malloc((size_t)ow * 4)) == NULL)
		st = rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a PNG");
	if (st == 0)
		st = unfilter_and_sample(&p, ps, gs, np, src, &o, err);
	if (st == 0)
		st = rtg_pnginf_end(src, err);
	bool streamed = rtg_pnginf_streaming(src);
	rtg_pnginf_close(src);
	free(o.tmp);
	if (st != 0) {
		free(o.out);
		rtg_grid_free(&sel);
		return st;
	}
	img->px = o.out;
	img->width = kept_only ? sel.nx : ow;
	img->height = kept_only ? sel.ny : oh;
	img->scaled_width = ow;
	img->scaled_height = oh;
	rtg_grid_free(&sel);
	img->full_width = p.w;
	img->full_height = p.h;
	img->scale_denom = (int)d;
	img->decoder = streamed ? rtg_png_stream_decoder : rtg_png_decoder;
	return 0;
}

#endif /* RTG_PNGINF_ANY */
