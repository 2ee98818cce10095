/* pnginflate.c - the PNG decoder's row sources (pnginflate.h): the
 * interface, the checks every source shares, and the one-shot source;
 * the streaming ones are in pnginflate_stream.c.
 *
 * Written from RFC 1950 (zlib header, Adler-32 trailer), the PNG
 * specification (the IDAT chunks' data is one zlib stream, split
 * anywhere), zlib.h (inflate()'s return codes) and ISA-L 2.30's
 * igzip_lib.h (isal_inflate(), its crc_flag values and return codes).
 *
 * One-shot (libdeflate, which has no streaming API): the IDAT data, joined
 * into one copy when it is split over several chunks, inflated in one call
 * into a buffer of the whole inflated size.  Streaming (ISA-L, or zlib for
 * the large images): pnginflate_stream.c says why and how.
 *
 * Every source refuses the same streams: one that ends before the image
 * does, one with data for more rows, a bad header, a preset dictionary, a
 * wrong Adler-32, a corrupt block.  Bytes after the zlib stream, inside the
 * IDAT data, are ignored (as libdeflate and stb_image do).
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pnginflate.h"

#ifdef RTG_PNGINF_ANY

#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "pnginflate_internal.h"
#include "status.h"

int
rtg_pnginf_corrupt(char *err, const char *why)
{
	return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (%s)", why);
}

uint32_t
rtg_pnginf_crc32(const uint8_t *p, size_t n)
{
#ifdef HAVE_ISAL
	return crc32_gzip_refl(0, p, n);
#else
	return (uint32_t)libdeflate_crc32(0, p, n);
#endif
}

/* Checks the CRC of every IDAT chunk, in file order, and copies their data
 * one after the other to copy (unless NULL): one pass over each chunk. */
static int
idat_crcs(const struct rtg_pnginf_idat *d, uint8_t *copy, char *err)
{
	size_t pos = d->first, off = 0;
	for (unsigned i = 0; i < d->count; i++) {
		/* consecutive, in bounds: checked by the chunk walk */
		const uint8_t *c = d->buf + pos;
		uint32_t clen = rtg_pnginf_rd32(c);
		if (rtg_pnginf_crc32(c + 4, (size_t)clen + 4) != rtg_pnginf_rd32(c + 8 + clen)) {
			if (d->count == 1)
				return rtg_pnginf_corrupt(err, "CRC mismatch in IDAT");
			return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (CRC mismatch in IDAT "
			                "chunk at offset %zu)", pos);
		}
		if (copy != NULL)
			memcpy(copy + off, c + 8, clen);
		off += clen;
		pos += 12 + (size_t)clen;
	}
	return 0;
}

/* ---- one-shot (libdeflate) ----------------------------------------------- */

#ifdef RTG_PNGINF_ONESHOT
/* Buffers of several MB that are written once from start to end: on Linux,
 * 2 MiB-aligned and marked for transparent huge pages, so that the kernel
 * faults them in by 2 MiB instead of 4 KiB (a hint; without THP it is
 * plain memory).  Released with free(). */
static void *
big_alloc(size_t n)
{
#if defined(MADV_HUGEPAGE)
	const size_t huge = (size_t)2 << 20;
	if (n >= 2 * huge) {
		void *p;
		if (posix_memalign(&p, huge, n) != 0)
			return NULL;
		(void)madvise(p, n & ~(huge - 1), MADV_HUGEPAGE);
		return p;
	}
#endif
	return malloc(n);
}

static const char *
inflate_error(enum libdeflate_result r)
{
	switch (r) {
	case LIBDEFLATE_BAD_DATA:
		return "the image data is not a valid zlib stream";
	case LIBDEFLATE_INSUFFICIENT_SPACE:
		return "the image data inflates to more than the image size";
	default:
		return "the image data does not inflate";
	}
}

/* s->raw = the whole inflated stream, exactly s->inflated bytes. */
static int
oneshot_open(struct rtg_pnginf *s, const struct rtg_pnginf_idat *d, char *err)
{
	size_t inflated = (size_t)d->inflated; /* <= SIZE_MAX / 2 */
	const uint8_t *z = d->buf + d->first + 8;
	uint8_t *joined = NULL;
	int st;
	if (d->count > 1) {
		joined = big_alloc(d->total ? d->total : 1);
		if (joined == NULL)
			return rtg_fail(err, RTG_ERR_NOMEM, "out of memory for %zu bytes of PNG "
			                "image data", d->total);
		z = joined;
	}
	if ((st = idat_crcs(d, joined, err)) != 0) {
		free(joined);
		return st;
	}
	s->raw = big_alloc(inflated ? inflated : 1);
	struct libdeflate_decompressor *dc = libdeflate_alloc_decompressor();
	if (s->raw == NULL || dc == NULL) {
		free(joined);
		libdeflate_free_decompressor(dc);
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory inflating a %" PRIu32 "x%"
		                PRIu32 " PNG (%zu bytes)", d->w, d->h, inflated);
	}
	size_t got = 0;
	enum libdeflate_result r = libdeflate_zlib_decompress(dc, z, d->total, s->raw,
	                                                      inflated, &got);
	libdeflate_free_decompressor(dc);
	free(joined);
	if (r != LIBDEFLATE_SUCCESS)
		return rtg_pnginf_corrupt(err, inflate_error(r));
	if (got != inflated)
		return rtg_fail(err, RTG_ERR_DECODE, "truncated or corrupt PNG (the image data "
		                "inflates to %zu bytes, a %" PRIu32 "x%" PRIu32 " image needs %zu)",
		                got, d->w, d->h, inflated);
	s->next = s->raw;
	return 0;
}
#endif

/* ---- the interface --------------------------------------------------------- */

#ifdef RTG_PNGINF_STREAM
static int
stream_open(struct rtg_pnginf *s, const struct rtg_pnginf_idat *d, size_t window,
            size_t block, char *err)
{
	int st = idat_crcs(d, NULL, err);
	if (st != 0)
		return st;
	return rtg_pnginf_stream_open(s, d, window, block, err);
}
#endif

int
rtg_pnginf_open(struct rtg_pnginf **out, const struct rtg_pnginf_idat *d, bool stream,
                size_t window, size_t block, char *err)
{
	*out = NULL;
	struct rtg_pnginf *s = calloc(1, sizeof *s);
	if (s == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a PNG");
	s->inflated = d->inflated;
	s->w = d->w;
	s->h = d->h;
	int st;
#if !defined(RTG_PNGINF_ONESHOT)
	(void)stream;
	st = stream_open(s, d, window, block, err);
#elif !defined(RTG_PNGINF_STREAM)
	(void)stream, (void)window, (void)block;
	st = oneshot_open(s, d, err);
#else
	st = stream ? stream_open(s, d, window, block, err) : oneshot_open(s, d, err);
#endif
	if (st != 0) {
		rtg_pnginf_close(s);
		return st;
	}
	*out = s;
	return 0;
}

bool
rtg_pnginf_streaming(const struct rtg_pnginf *s)
{
	return s->streaming;
}

uint32_t
rtg_pnginf_cap(const struct rtg_pnginf *s, size_t rb, uint32_t ph)
{
	if (!s->streaming)
		return ph;
	size_t n = s->win_bytes / (rb + 1);
	return n < ph ? (uint32_t)n : ph;
}

void
rtg_pnginf_pass(struct rtg_pnginf *s, size_t rb, uint32_t ph)
{
	s->stride = rb + 1;
	s->ph = ph;
	s->base = s->held = 0;
	if (!s->streaming) {
		s->rows = s->next;
		s->next = s->rows + (size_t)ph * s->stride;
	}
}

int
rtg_pnginf_get(struct rtg_pnginf *s, uint32_t a, uint32_t n, const uint8_t **rows,
               char *err)
{
	if (!s->streaming) {
		*rows = s->rows + (size_t)a * s->stride;
		return 0;
	}
#ifdef RTG_PNGINF_STREAM
	return rtg_pnginf_stream_get(s, a, n, rows, err);
#else
	(void)n, (void)err;
	return 0;
#endif
}

int
rtg_pnginf_end(struct rtg_pnginf *s, char *err)
{
	if (!s->streaming)
		return 0;
#ifdef RTG_PNGINF_STREAM
	return rtg_pnginf_stream_end(s, err);
#else
	(void)err;
	return 0;
#endif
}

void
rtg_pnginf_close(struct rtg_pnginf *s)
{
	if (s == NULL)
		return;
#ifdef RTG_PNGINF_STREAM
	rtg_pnginf_stream_close(s);
#endif
	free(s->win);
	free(s->raw);
	free(s);
}

#endif /* RTG_PNGINF_ANY */