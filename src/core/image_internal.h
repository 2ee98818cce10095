/* image_internal.h - between image.c and its decoder parts: libjpeg-turbo
 * (image_jpeg.c) and stb_image (image_stb.c). */
#ifndef RTG_IMAGE_INTERNAL_H
#define RTG_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* The declared size against the limits: 0, or RTG_ERR_LIMIT with a
 * message naming the format by label ("JPEG"). */
int rtg_image_check_dims(const char *label, uint32_t w, uint32_t h,
                         const struct rtg_limits *lim, char *err);

static inline uint32_t
rtg_image_be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* A decode kept at full size: px is w x h RGBA8 from decoder. */
static inline void
rtg_image_set_full(struct rtg_image *img, uint8_t *px, uint32_t w, uint32_t h,
                   const char *decoder)
{
	img->px = px;
	img->width = img->full_width = w;
	img->height = img->full_height = h;
	img->scale_denom = 1;
	img->decoder = decoder;
}

/* image_stb.c */
/* A JPEG whose segments lead to EOI and whose scans use only Huffman
 * tables it defines; stb_image is not given any other
 * (rtg_image_stb_decode). */
bool rtg_image_jpeg_followable(const uint8_t *buf, size_t len);

/* img->decoder of a stb_image decode (freed with rtg_image_stb_free()). */
extern const char rtg_image_stb_dec[];

/* Decodes buf with stb_image: its declared size against lim first (label
 * names the format in messages: "GIF"), and a JPEG (jpeg true) only if
 * rtg_image_jpeg_followable().  0 or a negative status. */
int rtg_image_stb_decode(const char *label, bool jpeg, const uint8_t *buf, size_t len,
                         const struct rtg_limits *lim, struct rtg_image *img, char *err);
void rtg_image_stb_free(void *px);

#ifdef HAVE_JPEG
/* img->decoder of a libjpeg-turbo decode (freed with free()). */
extern const char rtg_image_dec_jpeg[];

/* rtg_image_decode_grid() for a JPEG: 0, a negative status (final), or
 * 1: libjpeg refused the file or warned about it, let stb_image try. */
int rtg_image_decode_libjpeg(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                             uint64_t min_pixels, uint64_t min_half, uint64_t grid,
                             struct rtg_image *img, char *err);
#endif

#endif
