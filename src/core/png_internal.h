/* png_internal.h - the PNG decoder's state, shared by png.c (entry point,
 * passes and grids, unfiltering and sampling), pngchunk.c (the chunk walk:
 * IHDR, PLTE, tRNS, where the image data is) and pngconv.c (unfiltered
 * rows to RGBA8).  Not part of the API: png.h is.  config.h must be
 * included first. */
#ifndef RTG_PNG_INTERNAL_H
#define RTG_PNG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* Colour types (spec 11.2.2) */
enum { CT_GREY = 0, CT_RGB = 2, CT_PALETTE = 3, CT_GREYA = 4, CT_RGBA = 6 };

struct png {
	uint32_t w, h;
	unsigned depth, ctype, interlace;
	unsigned channels; /* samples per pixel */
	unsigned bpp;      /* filter distance: bytes per pixel, at least 1 */
	size_t rowbytes;   /* one row without its filter byte */
	uint8_t pal[256][4];
	unsigned npal;
	bool has_plte, has_trns, has_key;
	uint16_t key[3]; /* tRNS colour key, as stored */
	size_t idat_total;
	unsigned idat_count;
	size_t first_idat; /* offset of the first IDAT chunk */
};

/* A big-endian 16-bit value: tRNS keys and 16-bit samples. */
static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* pngchunk.c: checks the signature and walks the chunks of buf[0..len)
 * into p (zeroed, with p->pal's alpha at 255): structure, CRCs of what is
 * used, IHDR against lim, PLTE/tRNS, where the image data is.  Returns 0,
 * RTG_PNG_NOT_HANDLED once the whole structure is checked, or a negative
 * status with a message. */
int rtg_pngchunk_walk(struct png *p, const uint8_t *buf, size_t len,
                      const struct rtg_limits *lim, char *err);

/* pngconv.c: stb_image's RGBA8 for the unfiltered row's pixels x0, x0 +
 * step, ... (n of them), written ostep bytes apart. */
void rtg_pngconv_row(const struct png *p, const uint8_t *row, size_t x0, size_t step,
                     uint32_t n, uint8_t *out, size_t ostep);

/* pngconv.c: rtg_pngconv_row() for the kept columns xs[0..n) of a grid on
 * the image decimated by d (file columns d * xs[i]), written 4 bytes apart
 * to out, which does not overlap row; tmp: room for a whole decimated row
 * of ow pixels. */
void rtg_pngconv_kept(const struct png *p, const uint8_t *restrict row, const uint32_t *xs,
                      uint32_t n, uint32_t d, uint32_t ow, uint8_t *restrict out,
                      uint8_t *tmp);

#endif
