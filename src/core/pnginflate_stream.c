/* pnginflate_stream.c - the streaming row sources (pnginflate.h), with
 * ISA-L when built, else with zlib (and libdeflate's Adler-32).
 *
 * The inflater reads each IDAT chunk's data where it lies in the file (no
 * joined copy) and writes into a window of rows (256 KiB by default: small
 * enough to stay in L2 between the inflater writing it and png.c
 * unfiltering it) that is refilled as the rows are used.  With ISA-L this
 * is the source for every image, whatever its size: ISA-L inflates faster
 * than libdeflate here (IDAT inflate alone, one shot, median of 15: 9.95
 * against 11.80 ms for cover-1400.png, 54.5 against 69.2 ms for
 * stress-3370.png; zlib 28.4 and 166 ms), and the window does away with the
 * one-shot buffer, whose page faults were 18 % of a 1000x1000 PNG's
 * generation (perf, kernel time).  Without ISA-L, zlib streams the large
 * images only (png.h: RTG_PNG_STREAM_ABOVE): it inflates at half
 * libdeflate's speed.
 *
 * The zlib header is read here for both inflaters, with libdeflate's
 * checks (deflate, a window of at most 32 KiB, FCHECK, no preset
 * dictionary: ISA-L's own parser does not look at the window size), and the
 * deflate data inflated raw.  The Adler-32 trailer: ISA-L checks it itself
 * (crc_flag ISAL_ZLIB_NO_HDR_VER: it computes the Adler-32 of what it
 * writes and compares it with the four bytes after the deflate data,
 * returning ISAL_INCORRECT_CHECKSUM; tested in test_png.c); with zlib it is
 * computed here with libdeflate's SIMD Adler-32 (zlib's own was 5 % of a
 * streamed decode).
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pnginflate.h"

#ifdef RTG_PNGINF_STREAM

#ifdef RTG_PNGINF_ZLIB
#include <libdeflate.h>
#endif

#include "pnginflate_internal.h"
#include "status.h"

/* The streaming window: this many bytes, or the rows one block needs if
 * more.  64 KiB to 1 MiB measured the same at 3370x3370 with zlib.  A
 * build may set it (1: the smallest window, a block per grid row, for
 * fuzzing). */
#ifdef RTG_PNG_STREAM_WINDOW
#define STREAM_WINDOW ((size_t)(RTG_PNG_STREAM_WINDOW))
#else
#define STREAM_WINDOW ((size_t)256 << 10)
#endif
/* both inflaters count input and output in 32 bits: at most this at once */
#define ZCHUNK ((size_t)1 << 30)

static int
stream_short(const struct rtg_pnginf *s, char *err)
{
	return rtg_fail(err, RTG_ERR_DECODE, "truncated or corrupt PNG (the image data "
	                "inflates to %" PRIu64 " bytes, a %" PRIu32 "x%" PRIu32 " image needs %"
	                PRIu64 ")", s->produced, s->w, s->h, s->inflated);
}

static int
ends_inside(char *err)
{
	return rtg_pnginf_corrupt(err, "the image data ends inside its zlib stream");
}

static int
too_long(char *err)
{
	return rtg_pnginf_corrupt(err, "the image data inflates to more "
	                          "than the image size");
}

static int
bad_check(char *err)
{
	return rtg_pnginf_corrupt(err, "the image data is not a valid zlib stream: "
	                          "incorrect data check");
}

/* ---- input and zlib header (both inflaters) ------------------------------ */

/* Makes the next piece of IDAT data the input once the inflater has used up
 * the previous one; false when there is none left. */
static bool
in_refill(struct rtg_pnginf *s)
{
	while (s->in_avail == 0 && (s->chunk_left > 0 || s->chunks_left > 0)) {
		if (s->chunk_left == 0) {
			/* consecutive, bounds and CRC checked before */
			const uint8_t *c = s->buf + s->next_chunk;
			s->chunk_left = rtg_pnginf_rd32(c);
			s->chunk_at = c + 8;
			s->next_chunk += 12 + s->chunk_left;
			s->chunks_left--;
		}
		size_t n = s->chunk_left < ZCHUNK ? s->chunk_left : ZCHUNK;
		s->in = s->chunk_at;
		s->in_avail = n;
		s->chunk_at += n;
		s->chunk_left -= n;
	}
	return s->in_avail > 0;
}

/* The next n bytes of the zlib stream itself (its header; with zlib also
 * its trailer), which may lie across IDAT chunks; false if the data ends
 * first. */
static bool
in_take(struct rtg_pnginf *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!in_refill(s))
			return false;
		out[i] = *s->in++;
		s->in_avail--;
	}
	return true;
}

/* RFC 1950's header, checked as libdeflate checks it. */
static int
zlib_header(struct rtg_pnginf *s, char *err)
{
	uint8_t h[2];
	if (!in_take(s, h, 2))
		return ends_inside(err);
	if ((h[0] & 15) != 8 || h[0] >> 4 > 7 || ((unsigned)h[0] << 8 | h[1]) % 31 != 0)
		return rtg_pnginf_corrupt(err, "the image data is not a valid zlib stream: "
		                          "bad header");
	if (h[1] & 0x20)
		return rtg_pnginf_corrupt(err, "the image data's zlib stream needs a "
		                          "preset dictionary");
	return 0;
}

/* ---- streaming with ISA-L ------------------------------------------------ */

#ifdef RTG_PNGINF_ISAL
static int
isal_error(int r, char *err)
{
	switch (r) {
	case ISAL_INCORRECT_CHECKSUM:
		return bad_check(err);
	case ISAL_INVALID_BLOCK:
		return rtg_pnginf_corrupt(err, "the image data is not a valid zlib stream: "
		                          "invalid block");
	case ISAL_INVALID_SYMBOL:
		return rtg_pnginf_corrupt(err, "the image data is not a valid zlib stream: "
		                          "invalid code");
	case ISAL_INVALID_LOOKBACK:
		return rtg_pnginf_corrupt(err, "the image data is not a valid zlib stream: "
		                          "invalid distance");
	default:
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (the image data does not "
		                "inflate: ISA-L error %d)", r);
	}
}

/* One isal_inflate() call into is->next_out, with the input topped up.
 * isal_inflate() returns 0 both when it has filled the output and when it
 * has used up its input: a call that moves nothing (no output, no input
 * taken, same state) had no input left to take, all chunks included. */
static int
isal_step(struct rtg_pnginf *s, char *err)
{
	struct inflate_state *z = s->is;
	in_refill(s);
	uint32_t out0 = z->avail_out;
	size_t in0 = s->in_avail;
	enum isal_block_state bs0 = z->block_state;
	/* isal_inflate() only reads its input: the file stays const */
	z->next_in = (uint8_t *)(uintptr_t)s->in;
	z->avail_in = (uint32_t)s->in_avail;
	int r = isal_inflate(z);
	s->in = z->next_in;
	s->in_avail = z->avail_in;
	if (r != ISAL_DECOMP_OK)
		return isal_error(r, err);
	if (z->avail_out == out0 && s->in_avail == in0 && z->block_state == bs0)
		return in0 == 0 ? ends_inside(err) :
		       rtg_pnginf_corrupt(err, "the image data does not inflate");
	return 0;
}

/* Inflates exactly n bytes to out; the stream must not end before. */
static int
isal_fill(struct rtg_pnginf *s, uint8_t *out, size_t n, char *err)
{
	struct inflate_state *z = s->is;
	while (n > 0) {
		uint32_t part = (uint32_t)(n < ZCHUNK ? n : ZCHUNK);
		z->next_out = out;
		z->avail_out = part;
		while (z->avail_out > 0) {
			if (z->block_state == ISAL_BLOCK_FINISH) {
				s->produced += part - z->avail_out;
				return stream_short(s, err);
			}
			int st = isal_step(s, err);
			if (st != 0)
				return st;
		}
		s->produced += part;
		out += part;
		n -= part;
	}
	return 0;
}

/* After the last row: no more data, then the trailer, which ISA-L checks
 * (it may have done so already, within the last rows' call). */
static int
isal_end(struct rtg_pnginf *s, char *err)
{
	struct inflate_state *z = s->is;
	uint8_t extra;
	while (z->block_state != ISAL_BLOCK_FINISH) {
		z->next_out = &extra;
		z->avail_out = 1;
		int st = isal_step(s, err);
		if (st != 0)
			return st;
		if (z->avail_out == 0)
			return too_long(err);
	}
	return 0;
}

static int
isal_open(struct rtg_pnginf *s, char *err)
{
	int st = zlib_header(s, err);
	if (st != 0)
		return st;
	s->is = malloc(sizeof *s->is);
	if (s->is == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory inflating a PNG");
	isal_inflate_init(s->is);
	s->is->crc_flag = ISAL_ZLIB_NO_HDR_VER; /* header read, trailer checked */
	return 0;
}
#endif

/* ---- streaming with zlib ------------------------------------------------- */

#ifdef RTG_PNGINF_ZLIB
/* One inflate() call with the input topped up.  Z_BUF_ERROR (avail_out is
 * never 0 here): the input is used up, all chunks included, and the deflate
 * data has not ended. */
static int
zlib_step(struct rtg_pnginf *s)
{
	in_refill(s);
	s->zs.next_in = s->in;
	s->zs.avail_in = (uInt)s->in_avail;
	int r = inflate(&s->zs, Z_NO_FLUSH);
	s->in = s->zs.next_in;
	s->in_avail = s->zs.avail_in;
	return r;
}

static int
zlib_error(struct rtg_pnginf *s, int r, char *err)
{
	if (r == Z_BUF_ERROR)
		return ends_inside(err);
	if (r == Z_MEM_ERROR)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory inflating a PNG");
	return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (the image data is not a valid zlib "
	                "stream: %s)", s->zs.msg ? s->zs.msg : "inflate failed");
}

static int
zlib_fill(struct rtg_pnginf *s, uint8_t *out, size_t n, char *err)
{
	while (n > 0) {
		size_t part = n < ZCHUNK ? n : ZCHUNK;
		s->zs.next_out = out;
		s->zs.avail_out = (uInt)part;
		while (s->zs.avail_out > 0) {
			int r = zlib_step(s);
			if (r == Z_STREAM_END && s->zs.avail_out > 0) {
				s->produced += part - s->zs.avail_out;
				return stream_short(s, err);
			}
			if (r != Z_OK && r != Z_STREAM_END)
				return zlib_error(s, r, err);
		}
		s->adler = (uint32_t)libdeflate_adler32(s->adler, out, part);
		s->produced += part;
		out += part;
		n -= part;
	}
	return 0;
}

/* The deflate data must end here, and the Adler-32 of the trailer that
 * follows it (raw inflate stops at the end of the last block, which is
 * byte-aligned: the trailer is next) must match. */
static int
zlib_end(struct rtg_pnginf *s, char *err)
{
	uint8_t extra, t[4];
	for (;;) {
		s->zs.next_out = &extra;
		s->zs.avail_out = 1;
		int r = zlib_step(s);
		if (s->zs.avail_out == 0)
			return too_long(err);
		if (r == Z_STREAM_END)
			break;
		if (r != Z_OK)
			return zlib_error(s, r, err);
	}
	if (!in_take(s, t, 4))
		return ends_inside(err);
	return rtg_pnginf_rd32(t) == s->adler ? 0 : bad_check(err);
}

static int
zlib_open(struct rtg_pnginf *s, char *err)
{
	int st = zlib_header(s, err);
	if (st != 0)
		return st;
	s->adler = 1;
	int r = inflateInit2(&s->zs, -15);
	if (r != Z_OK)
		return r == Z_MEM_ERROR ? rtg_fail(err, RTG_ERR_NOMEM, "out of memory inflating "
		                                   "a PNG") :
		       rtg_fail(err, RTG_ERR_DECODE, "zlib cannot inflate (%s)",
		                s->zs.msg ? s->zs.msg : zlibVersion());
	s->zinit = true;
	return 0;
}
#endif

/* ---- the streaming half of the interface -------------------------------- */

int
rtg_pnginf_stream_open(struct rtg_pnginf *s, const struct rtg_pnginf_idat *d, size_t window,
                       size_t block, char *err)
{
	s->streaming = true;
	s->buf = d->buf;
	s->next_chunk = d->first;
	s->chunks_left = d->count;
	s->win_bytes = window ? window : STREAM_WINDOW;
	if (block > s->win_bytes)
		s->win_bytes = block; /* <= the inflated size */
	s->win = malloc(s->win_bytes);
	if (s->win == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory for %zu bytes of PNG rows",
		                s->win_bytes);
#ifdef RTG_PNGINF_ISAL
	return isal_open(s, err);
#else
	return zlib_open(s, err);
#endif
}

int
rtg_pnginf_stream_get(struct rtg_pnginf *s, uint32_t a, uint32_t n, const uint8_t **rows,
                      char *err)
{
	/* keep what the window holds from row a on (a <= base + held) */
	uint32_t drop = a - s->base < s->held ? a - s->base : s->held;
	if (drop > 0) {
		s->held -= drop;
		memmove(s->win, s->win + (size_t)drop * s->stride, (size_t)s->held * s->stride);
		s->base += drop;
	}
	if (n > s->held) {
		uint8_t *to = s->win + (size_t)s->held * s->stride;
		size_t bytes = (size_t)(n - s->held) * s->stride;
#ifdef RTG_PNGINF_ISAL
		int st = isal_fill(s, to, bytes, err);
#else
		int st = zlib_fill(s, to, bytes, err);
#endif
		if (st != 0)
			return st;
		s->held = n;
	}
	*rows = s->win;
	return 0;
}

int
rtg_pnginf_stream_end(struct rtg_pnginf *s, char *err)
{
#ifdef RTG_PNGINF_ISAL
	return isal_end(s, err);
#else
	return zlib_end(s, err);
#endif
}

void
rtg_pnginf_stream_close(struct rtg_pnginf *s)
{
#ifdef RTG_PNGINF_ISAL
	free(s->is);
#endif
#ifdef RTG_PNGINF_ZLIB
	if (s->zinit)
		inflateEnd(&s->zs);
#endif
}

#endif /* RTG_PNGINF_STREAM */
