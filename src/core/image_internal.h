/* image_internal.h - between image.c and its libjpeg-turbo part
 * (image_jpeg.c). */
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

/* A JPEG whose segments lead to EOI and whose scans use only Huffman
 * tables it defines; stb_image is not given any other (decode_stb). */
bool rtg_image_jpeg_followable(const uint8_t *buf, size_t len);

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
