/* pnginflate.h - the PNG decoder's row sources: a PNG's image data (its
 * IDAT chunks, one zlib stream) inflated into filtered rows, a block of
 * rows at a time.  Internal to png.c, which has walked the chunks (their
 * bounds are checked) and computed the sizes from IHDR (limits checked).
 *
 * Sources (pnginflate.c and pnginflate_stream.c say why):
 *   - one-shot, with libdeflate: the whole stream in one call;
 *   - streaming, with ISA-L when built, else with zlib (and libdeflate):
 *     the IDAT chunks fed where they lie in the file, into a window of
 *     rows refilled as png.c uses them.
 * The available ones give the same rows and refuse the same streams.
 * config.h must be included first. */
#ifndef RTG_PNGINFLATE_H
#define RTG_PNGINFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which sources this build has. */
#ifdef HAVE_LIBDEFLATE
#define RTG_PNGINF_ONESHOT 1
#endif
#if defined(HAVE_ISAL)
#define RTG_PNGINF_ISAL 1
#elif defined(HAVE_ZLIB) && defined(HAVE_LIBDEFLATE)
#define RTG_PNGINF_ZLIB 1
#endif
#if defined(RTG_PNGINF_ISAL) || defined(RTG_PNGINF_ZLIB)
#define RTG_PNGINF_STREAM 1
#endif
#if defined(RTG_PNGINF_ONESHOT) || defined(RTG_PNGINF_STREAM)
#define RTG_PNGINF_ANY 1 /* png.c can decode */
#endif

struct rtg_pnginf; /* a row source */

/* The image data, as the chunk walk found it. */
struct rtg_pnginf_idat {
	const uint8_t *buf; /* the file */
	size_t first;       /* offset of the first IDAT chunk; count consecutive
	                     * chunks, in bounds, total bytes of data */
	unsigned count;
	size_t total;
	uint64_t inflated;  /* exactly what the stream must inflate to
	                     * (<= SIZE_MAX / 2) */
	uint32_t w, h;      /* the image's size, for messages */
};

/* CRC-32 (ISO 3309, as PNG chunks use it) of p[0..n). */
uint32_t rtg_pnginf_crc32(const uint8_t *p, size_t n);

/* Checks the CRC of every IDAT chunk, then opens a source: streaming when
 * stream is true, one-shot when not (when only one of them is built, that
 * one).  A streaming window holds max(window (0: 256 KiB), block) bytes:
 * block is the most bytes of rows png.c asks for at once.  On success
 * *out is the source (rtg_pnginf_close() it); on failure NULL, a negative
 * status and a one-line message. */
int rtg_pnginf_open(struct rtg_pnginf **out, const struct rtg_pnginf_idat *d, bool stream,
                    size_t window, size_t block, char *err);

/* True when it streams. */
bool rtg_pnginf_streaming(const struct rtg_pnginf *s);

/* The most rows one rtg_pnginf_get() gives for a pass of height ph and
 * rows of rb bytes (filter byte excluded). */
uint32_t rtg_pnginf_cap(const struct rtg_pnginf *s, size_t rb, uint32_t ph);

/* Starts the next non-empty pass (rows of rb bytes, ph of them). */
void rtg_pnginf_pass(struct rtg_pnginf *s, size_t rb, uint32_t ph);

/* *rows = row a of the current pass and the next n - 1 after it, each its
 * filter type byte and rb bytes; n <= rtg_pnginf_cap(), a never goes
 * back.  Fails (RTG_ERR_DECODE) when the stream ends before, or is
 * corrupt. */
int rtg_pnginf_get(struct rtg_pnginf *s, uint32_t a, uint32_t n, const uint8_t **rows,
                   char *err);

/* After the last row: the stream must end there (no more data) with a
 * correct Adler-32.  (The one-shot source checked that when it opened.) */
int rtg_pnginf_end(struct rtg_pnginf *s, char *err);

/* NULL-safe. */
void rtg_pnginf_close(struct rtg_pnginf *s);

#endif
