/* png.h - fast PNG decoding with libdeflate, point-sampled to a reduced size.
 *
 * rtg_image_decode() tries this first for PNG input.  Every standard PNG -
 * grey / RGB / palette / grey+alpha / RGBA, bit depth 1 to 16, interlaced
 * or not - is decoded here: the chunks are walked in the memory buffer, the
 * IDAT data inflated in one call to libdeflate, the rows unfiltered, and
 * only the pixels of an integer grid (every d-th column of every d-th row)
 * converted to RGBA8.  The rest (unknown critical chunks, Apple's CgBI,
 * tRNS on an image with an alpha channel) is reported as not handled, and
 * stb_image decides.  Without libdeflate every PNG is "not handled".
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

/* The value of rtg_image.decoder for images decoded here. */
extern const char rtg_png_decoder[];

/* True when built with libdeflate, i.e. when rtg_png_decode() can decode. */
bool rtg_png_available(void);

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

#endif
