/* image.h - decode image bytes (JPEG, PNG, GIF, BMP, ... via stb_image;
 * WebP via libwebp; JPEG via libjpeg-turbo's DCT-domain scaling and PNG via
 * our own decoder with point sampling (png.h: libdeflate, or zlib streamed
 * for large files) when built with them) into 8-bit
 * RGBA.  Limits are checked from the header (stbi_info /
 * WebPGetInfo / jpeg_read_header) before any pixel buffer is allocated. */
#ifndef RTG_IMAGE_H
#define RTG_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Documented defaults (man page, README). */
#define RTG_MAX_DIMENSION_DEFAULT 16384u          /* per side, pixels */
#define RTG_MAX_PIXELS_DEFAULT (64u * 1024 * 1024) /* width * height */
#define RTG_MAX_BYTES_DEFAULT (64u * 1024 * 1024)  /* encoded input size */

struct rtg_limits {
	uint32_t max_dimension;
	uint64_t max_pixels;
	size_t max_bytes;
};

void rtg_limits_default(struct rtg_limits *l);

struct rtg_image {
	uint32_t width, height;  /* of px (after any scaled decode) */
	uint32_t full_width, full_height; /* as declared by the file */
	uint32_t scaled_width, scaled_height; /* the decode's size (after any
	                          * scaling); width x height unless only the
	                          * sampler's grid was kept (rtg_image_decode_grid) */
	uint8_t *px;             /* RGBA8, width*height*4, row-major */
	int scale_denom;         /* 1, 2, 4 or 8 (JPEG DCT scaling); any integer
	                          * >= 1 for PNG (png.c: pixel (x, y)
	                          * is the file's (x*d, y*d)) */
	const char *format;      /* "jpeg", "png", "gif", "bmp", "webp", ... */
	const char *decoder;     /* "stb_image", "libjpeg-turbo", "libwebp",
	                          * "libdeflate" or "zlib" (png.c) */
};

/* Decodes buf[0..len).  min_pixels is the decoder's sample budget: a JPEG
 * may be decoded at 1/2, 1/4 or 1/8 scale, a PNG on every d-th column and
 * row (any d >= 1), as long as the result still has at least min_pixels
 * pixels (0 = always full size).  Returns 0 or
 * RTG_ERR_FORMAT (not an image), RTG_ERR_DECODE (corrupt/truncated),
 * RTG_ERR_LIMIT, RTG_ERR_UNSUPPORTED (WebP without libwebp), RTG_ERR_NOMEM. */
int rtg_image_decode(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                     uint64_t min_pixels, struct rtg_image *img, char *err);

/* A JPEG decoded at 1/2 scale keeps its palette (within 1.7 CIEDE2000 on
 * the bench covers and test fixtures), at 1/4 and 1/8 a detailed picture's
 * smaller colour clusters drift by 2-3 (tests/unit/test_scaled.c), so 1/2
 * gets a lower pixel minimum than the coarser scales: this many pixels. */
#define RTG_DECODE_HALF_MIN_DEFAULT (64u * 1024)

/* As rtg_image_decode(), and a JPEG may also be decoded at 1/2 scale when
 * the result keeps at least min_half pixels, even if that is below
 * min_pixels (0: no separate minimum for 1/2).  min_pixels 0 still means
 * always full size. */
int rtg_image_decode_scaled(const uint8_t *buf, size_t len,
                            const struct rtg_limits *lim, uint64_t min_pixels,
                            uint64_t min_half, struct rtg_image *img, char *err);

/* As rtg_image_decode_scaled(), and where the decoder supports it (JPEG
 * through libjpeg-turbo or the progressive decoder, non-interlaced PNG)
 * only the pixels rtg_sample() visits with this budget are kept (grid.h):
 * px is then nx x ny (width x height) of the scaled_width x scaled_height
 * decode, and rtg_sample() with the same budget gives the same samples as
 * from the whole decode.  grid 0: everything kept. */
int rtg_image_decode_grid(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                          uint64_t min_pixels, uint64_t min_half, uint64_t grid,
                          struct rtg_image *img, char *err);
void rtg_image_free(struct rtg_image *img);

#endif
