/* t_jpeg.h - for unit tests built with libjpeg (HAVE_JPEG): libjpeg's own
 * decode, the reference our decoders are compared with. */
#ifndef RTG_T_JPEG_H
#define RTG_T_JPEG_H

#include <stdint.h>
#include <stdlib.h>

#include <jpeglib.h>

/* Every scan of the JPEG decoded by libjpeg at 1/d scale into RGBA;
 * *w, *h its size.  NULL when out of memory (a libjpeg error exits the
 * test: jpeg_std_error). */
static inline uint8_t *
t_libjpeg_decode(const uint8_t *buf, size_t len, int d, uint32_t *w, uint32_t *h)
{
	struct jpeg_decompress_struct ci;
	struct jpeg_error_mgr je;
	uint8_t *px;

	ci.err = jpeg_std_error(&je);
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, buf, (unsigned long)len);
	jpeg_read_header(&ci, TRUE);
	ci.scale_num = 1;
	ci.scale_denom = (unsigned)d;
	ci.out_color_space = JCS_EXT_RGBA;
	jpeg_start_decompress(&ci);
	*w = ci.output_width;
	*h = ci.output_height;
	px = malloc((size_t)*w * *h * 4);
	while (px != NULL && ci.output_scanline < *h) {
		JSAMPROW row = px + (size_t)ci.output_scanline * *w * 4;
		jpeg_read_scanlines(&ci, &row, 1);
	}
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	return px;
}

#endif
