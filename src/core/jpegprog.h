/* jpegprog.h - progressive JPEG decoded at 1/2, 1/4 or 1/8 scale from the
 * scans that scale needs, without a whole-image coefficient array.
 *
 * libjpeg keeps every coefficient of a progressive file until the last scan
 * (2 bytes x 64 per block: 27 MiB for a 3000x3000 4:2:0 cover, whatever the
 * output scale), and in a fresh process every page of it is a page fault.
 * This decoder keeps only the (8/d)x(8/d) lowest frequencies of each block,
 * which is all a 1/d-scale IDCT reads, and decodes only the scans that carry
 * them: DC first and refinement scans, and the AC first scans whose band
 * starts low enough; it decodes them side by side, a few MCU rows at a
 * time, so it keeps the coefficients of those rows only.  AC refinement scans are skipped, so AC coefficients
 * keep the precision of their first scan - the same picture image.c's
 * reduced-stream libjpeg decode gives (and measures).
 *
 * Handled: 8-bit Huffman progressive (SOF2) greyscale or YCbCr, any
 * sampling factors whose ratios are integers, restart intervals.  Anything
 * else, and anything malformed - a bad Huffman code, a scan sequence that
 * breaks the successive-approximation rules, data running into a marker,
 * no EOI - is "not handled": the caller then decodes the file with libjpeg,
 * whose error handling judges it.  Corrupt data inside a skipped scan is
 * not noticed (the scan is not decoded).
 */
#ifndef RTG_JPEGPROG_H
#define RTG_JPEGPROG_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

#define RTG_JPEGPROG_NOT_HANDLED 1

/* The value of rtg_image.decoder for images decoded here. */
extern const char rtg_jpegprog_decoder[];

/* Nonzero: the decoder uses its portable C code only, also where it has
 * SIMD versions (SSE2 on x86-64), which give the same pixels bit for bit;
 * for tests comparing the two.  0 by default. */
extern int rtg_jpegprog_portable;

/* Decodes the progressive JPEG buf[0..len) at 1/denom scale (2, 4 or 8)
 * into img: RGBA8, ceil(w/denom) x ceil(h/denom) pixels as libjpeg sizes
 * them, or only the sampler's grid of those for this budget (grid.h; 0:
 * all); width, height, scaled_width, scaled_height, full_width,
 * full_height, scale_denom and decoder are set, px is released with
 * free().  grey: the file is greyscale (1
 * component), else YCbCr (3); the caller has checked the colour space and
 * the declared size against its limits (jpeg_read_header).  Returns 0,
 * RTG_JPEGPROG_NOT_HANDLED (img untouched) or RTG_ERR_NOMEM. */
int rtg_jpegprog_decode(const uint8_t *buf, size_t len, int denom, int grey,
                        uint64_t grid, struct rtg_image *img, char *err);

/* YCbCr -> RGBA (alpha 255) of n pixels as the decoder converts them:
 * JFIF's equations in libjpeg's 16.16 fixed point, R = Y + round(1.402
 * Cr'), G = Y + round(-0.344136 Cb' - 0.714136 Cr'), B = Y + round(1.772
 * Cb'), Cb' = Cb - 128 etc., clamped to 0..255.  For tests. */
void rtg_jpegprog_ycc_rgba(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, size_t n,
                           uint8_t *rgba);

/* Position of the marker that ends the entropy-coded data starting at
 * b[i] (0xFF followed by anything but a stuffed 0x00 or a restart marker),
 * or len when there is none; 0xFF bytes before the deciding byte are fill
 * bytes (FF FF 00 is data).  Shared with image.c's JPEG checks. */
size_t rtg_jpeg_scan_end(const uint8_t *b, size_t i, size_t len);

#endif
