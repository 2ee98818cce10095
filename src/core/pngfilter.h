/* pngfilter.h - PNG row unfiltering (filter method 0, PNG spec 9.2-9.4),
 * used by png.c.  Internal to the PNG decoder: it neither checks nor
 * allocates anything, the caller has validated the filter types and sized
 * the rows.
 *
 * A row is n bytes without its filter type byte; bpp is the filter
 * distance (bytes per complete pixel, 1 for bit depths below 8); prev is
 * the unfiltered row above (all zeros for a pass's first row).  dst must
 * not overlap src or prev. */
#ifndef RTG_PNGFILTER_H
#define RTG_PNGFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Filter types (spec 9.2); a type byte above RTG_PNGF_PAETH is invalid. */
enum { RTG_PNGF_NONE, RTG_PNGF_SUB, RTG_PNGF_UP, RTG_PNGF_AVG, RTG_PNGF_PAETH };

/* Unfilters one row of filter type type (<= RTG_PNGF_PAETH). */
void rtg_pngfilter_row(unsigned type, size_t bpp, const uint8_t *src, const uint8_t *prev,
                       uint8_t *dst, size_t n);

/* Unfilters rows y (src0 -> dst0, under prev) and y + 1 (src1 -> dst1,
 * under dst0) together when both are Average or Paeth and bpp is 3 or 4,
 * on x86-64 (two dependency chains in one SSE2 register: faster than two
 * rtg_pngfilter_row() calls).  Returns false, having done nothing, for any
 * other combination: then unfilter each row with rtg_pngfilter_row(). */
bool rtg_pngfilter_pair(unsigned t0, unsigned t1, size_t bpp, const uint8_t *src0,
                        const uint8_t *src1, const uint8_t *prev, uint8_t *dst0,
                        uint8_t *dst1, size_t n);

#endif
