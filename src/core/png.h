/* png.h - fast PNG decoding with ISA-L, libdeflate or zlib, point-sampled
 * to a reduced size.
 *
 * rtg_image_decode() tries this first for PNG input.  Every standard PNG -
 * grey / RGB / palette / grey+alpha / RGBA, bit depth 1 to 16, interlaced
 * or not - is decoded here: the chunks are walked in the memory buffer, the
 * IDAT data inflated (streamed through ISA-L into a small window of rows
 * when built with it; else in one call to libdeflate, or, for a large
 * image, streamed through zlib so that the memory stays bounded), the rows
 * unfiltered, and only the pixels of an integer grid (every d-th column of
 * every d-th row) converted to RGBA8.  The rest (unknown critical chunks,
 * Apple's CgBI, tRNS on an image with an alpha channel) is reported as not
 * handled, and stb_image decides.  Without ISA-L and libdeflate every PNG
 * is "not handled".
 */
#ifndef RTG_PNG_H
#define RTG_PNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* rtg_png_decode()'s answer when the file is valid as far as it looked but
 * uses a feature this path does not implement: decode it another way. */
#define RTG_PNG_NOT_HANDLED 1

/* The value of rtg_image.decoder for images decoded here: "libdeflate"
 * when inflated in one libdeflate call; streamed, "isa-l" in a build with
 * ISA-L, else "zlib" (same pixels whichever). */
extern const char rtg_png_decoder[];
extern const char rtg_png_stream_decoder[];

/* True when built with ISA-L or libdeflate, i.e. when rtg_png_decode() can
 * decode. */
bool rtg_png_available(void);

/* True when built with libdeflate: the one-shot source exists. */
bool rtg_png_oneshot_available(void);

/* True when images can be streamed: built with ISA-L, or with libdeflate
 * and zlib.  Without, every image is inflated in one piece. */
bool rtg_png_stream_available(void);

/* rtg_png_decode() streams when the memory the one-shot inflate needs (the
 * whole inflated stream, plus a joined copy of the image data when it is
 * split over several IDAT chunks) would exceed this many bytes.  With
 * ISA-L: 0, every image (ISA-L inflates faster than libdeflate, and the
 * window saves the page faults of the one-shot buffer).  Else (zlib
 * streams at half libdeflate's speed) 16 MiB: the headroom of the
 * performance goal "peak RSS <= decoded RGBA size + 16 MiB"; the streaming
 * source itself needs a few hundred KiB.  config.h must come first. */
#ifndef RTG_PNG_STREAM_ABOVE /* a build may lower it: -DRTG_PNG_STREAM_ABOVE=0
                              * streams every image (fuzzing that source) */
#ifdef HAVE_ISAL
#define RTG_PNG_STREAM_ABOVE ((size_t)0)
#else
#define RTG_PNG_STREAM_ABOVE ((size_t)16 << 20)
#endif
#endif

/* Largest integer d >= 1 with ceil(w/d) * ceil(h/d) >= min_pixels: the
 * decimation rtg_png_decode() uses.  1 when min_pixels is 0 or not below
 * w * h. */
uint32_t rtg_png_decimation(uint32_t w, uint32_t h, uint64_t min_pixels);

/* Decodes the PNG buf[0..len) into img: px is RGBA8 of ceil(w/d) x
 * ceil(h/d) pixels, pixel (x, y) being the file's pixel (x*d, y*d), with d =
 * rtg_png_decimation(w, h, min_pixels) (min_pixels 0: full size); width,
 * height, full_width, full_height, scale_denom (= d) and decoder are set,
 * format is left alone, px is released with free() (rtg_image_free()).
 * Pixel values are stb_image's for the same file (16-bit samples keep their
 * high byte; tRNS colour keys are compared at full depth).
 *
 * Limits (lim, NULL = defaults) are checked from IHDR before anything is
 * allocated, and so is the size the image data would inflate to against
 * what its compressed bytes can hold.  The CRC of every chunk whose content
 * is used (IHDR, PLTE, tRNS, IDAT, IEND) is verified; ancillary chunks that
 * are skipped are not.
 *
 * Returns 0; RTG_PNG_NOT_HANDLED (img untouched, nothing in err);
 * RTG_ERR_DECODE for a file that breaks the PNG format (truncated, bad CRC,
 * zlib stream too short/long or corrupt, bad filter type, ...) - not retried
 * by another decoder; RTG_ERR_LIMIT; RTG_ERR_NOMEM; RTG_ERR_ARG. */
int rtg_png_decode(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                   uint64_t min_pixels, struct rtg_image *img, char *err);

/* How rtg_png_decode_ex() inflates. */
struct rtg_png_opts {
	size_t stream_above; /* stream when the one-shot buffers would exceed
	                      * this many bytes (0: always, SIZE_MAX: never;
	                      * ignored when only one source is built) */
	size_t window;       /* the streaming window in bytes (0: the default,
	                      * 256 KiB); raised to what one block of rows
	                      * needs, so 1 gives the smallest possible */
	uint64_t grid;       /* non-interlaced: keep only the sampler's grid
	                      * for this budget (rtg_image_decode_grid); 0:
	                      * every pixel of the decimated image */
};

/* rtg_png_decode() with the choices given (NULL: rtg_png_decode()'s,
 * RTG_PNG_STREAM_ABOVE and the default window).  For tests and fuzzers,
 * which drive both row sources, and small windows, over the same files.
 * img->decoder tells which source was used. */
int rtg_png_decode_ex(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                      uint64_t min_pixels, const struct rtg_png_opts *opts,
                      struct rtg_image *img, char *err);

#endif
