/* pngconv.c - the PNG decoder's unfiltered rows to RGBA8, for the pixels
 * png.c keeps (every d-th column, or the sampler's grid's columns).
 *
 * The values are stb_image's for the same file (png.h), so that an image
 * gives the same palette whichever decoder read it.  Called once per kept
 * row; the loops over its pixels are here, one per colour type and
 * depth.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "png_internal.h"
#include "pnginflate.h" /* RTG_PNGINF_ANY: built with an inflater */

#ifdef RTG_PNGINF_ANY

/* Sample x of a row of depth 1, 2 or 4 (packed from the high bits). */
static inline unsigned
low_sample(const uint8_t *row, size_t x, unsigned depth)
{
	size_t bit = x * depth;
	return (unsigned)(row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1u << depth) - 1);
}

/* stb_image's output for the row's pixels x0, x0 + step, ... (n of them),
 * written ostep bytes apart: grey of depth < 8 scaled by 255 / (2^depth -
 * 1); 16-bit samples reduced to their high byte; tRNS colour keys compared
 * with the stored samples at full depth (for depths up to 8 with the key's
 * low byte, as stb does). */
void
rtg_pngconv_row(const struct png *p, const uint8_t *row, size_t x0, size_t step, uint32_t n,
                uint8_t *out, size_t ostep)
{
	size_t x = x0;
	const uint32_t ow = n;
	switch (p->ctype) {
	case CT_PALETTE:
		if (p->depth == 8) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep)
				memcpy(out, p->pal[row[x]], 4);
		} else {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep)
				memcpy(out, p->pal[low_sample(row, x, p->depth)], 4);
		}
		return;
	case CT_GREY:
		if (p->depth == 16) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 2 * x;
				out[0] = out[1] = out[2] = s[0];
				out[3] = p->has_key && rd16(s) == p->key[0] ? 0 : 255;
			}
		} else {
			/* 255 / (2^depth - 1) for depth 1, 2, 4, 8 */
			unsigned scale = p->depth == 1 ? 255 : p->depth == 2 ? 0x55 :
			                 p->depth == 4 ? 0x11 : 1;
			unsigned key = p->has_key ? (p->key[0] & 255u) : 256u; /* 256: none */
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				unsigned v = p->depth == 8 ? row[x] : low_sample(row, x, p->depth);
				out[0] = out[1] = out[2] = (uint8_t)(v * scale);
				out[3] = v == key ? 0 : 255;
			}
		}
		return;
	case CT_GREYA:
		if (p->depth == 16) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 4 * x;
				out[0] = out[1] = out[2] = s[0];
				out[3] = s[2];
			}
		} else {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 2 * x;
				out[0] = out[1] = out[2] = s[0];
				out[3] = s[1];
			}
		}
		return;
	case CT_RGB:
		if (p->depth == 16) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 6 * x;
				out[0] = s[0];
				out[1] = s[2];
				out[2] = s[4];
				out[3] = p->has_key && rd16(s) == p->key[0] && rd16(s + 2) == p->key[1] &&
				         rd16(s + 4) == p->key[2] ? 0 : 255;
			}
		} else if (p->has_key) {
			unsigned k0 = p->key[0] & 255u, k1 = p->key[1] & 255u, k2 = p->key[2] & 255u;
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 3 * x;
				out[0] = s[0];
				out[1] = s[1];
				out[2] = s[2];
				out[3] = s[0] == k0 && s[1] == k1 && s[2] == k2 ? 0 : 255;
			}
		} else {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 3 * x;
				out[0] = s[0];
				out[1] = s[1];
				out[2] = s[2];
				out[3] = 255;
			}
		}
		return;
	default: /* CT_RGBA */
		if (p->depth == 16) {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep) {
				const uint8_t *s = row + 8 * x;
				out[0] = s[0];
				out[1] = s[2];
				out[2] = s[4];
				out[3] = s[6];
			}
		} else if (step == 1 && ostep == 4) {
			memcpy(out, row + 4 * x0, (size_t)ow * 4);
		} else {
			for (uint32_t i = 0; i < ow; i++, x += step, out += ostep)
				memcpy(out, row + 4 * x, 4);
		}
		return;
	}
}

/* rtg_pngconv_row() for the kept columns xs[0..n) of a grid on the image
 * decimated by d: file columns d * xs[i], written 4 bytes apart.  tmp:
 * room for a whole decimated row (ow pixels), for the formats without a
 * direct path.  restrict: out is never the row (when this was inlined in
 * png.c the compiler knew, and loaded a pixel's bytes at once; without it
 * the RGB loop takes 2 instructions more per pixel). */
void
rtg_pngconv_kept(const struct png *p, const uint8_t *restrict row, const uint32_t *xs,
                 uint32_t n, uint32_t d, uint32_t ow, uint8_t *restrict out, uint8_t *tmp)
{
	if (p->depth == 8 && p->ctype == CT_RGB && !p->has_key) {
		for (uint32_t i = 0; i < n; i++, out += 4) {
			const uint8_t *s = row + 3 * (size_t)d * xs[i];
			out[0] = s[0];
			out[1] = s[1];
			out[2] = s[2];
			out[3] = 255;
		}
	} else if (p->depth == 8 && p->ctype == CT_RGBA) {
		for (uint32_t i = 0; i < n; i++, out += 4)
			memcpy(out, row + 4 * (size_t)d * xs[i], 4);
	} else {
		rtg_pngconv_row(p, row, 0, d, ow, tmp, 4);
		for (uint32_t i = 0; i < n; i++, out += 4)
			memcpy(out, tmp + 4 * (size_t)xs[i], 4);
	}
}

#endif /* RTG_PNGINF_ANY */
