/* image_jpeg.c - JPEG through libjpeg-turbo for image.c: decoded in the
 * DCT domain at 1/8, 1/4 or 1/2 scale when that still leaves enough pixels,
 * progressive files at reduced scale by jpegprog.c or on a stream without
 * the scans the scale does not need, and with a grid only the sampler's
 * pixels kept (grid.h). */
#include "config.h"

#ifdef HAVE_JPEG

#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "grid.h"
#include "image.h"
#include "image_internal.h"
#include "jpegprog.h"
#include "status.h"

const char rtg_image_dec_jpeg[] = "libjpeg-turbo";

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int warnings;
};

static void
jerr_exit(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)(void *)c->err;
	longjmp(e->jb, 1);
}

/* Library code never prints: messages are dropped, warnings only counted
 * (a warning means corrupt data that libjpeg papered over; we then let
 * stb_image judge the file instead). */
static void
jerr_emit(j_common_ptr c, int level)
{
	struct jerr *e = (struct jerr *)(void *)c->err;
	if (level < 0)
		e->warnings++;
}

static void
jerr_output(j_common_ptr c)
{
	(void)c;
}

/* Largest reduction (1/8, 1/4, 1/2) whose output keeps >= min_pixels pixels,
 * or for 1/2 alone >= min_half (when not 0); min_pixels 0: full size.
 * libjpeg rounds scaled sizes up (jdiv_round_up), so do we. */
static int
jpeg_pick_denom(uint32_t w, uint32_t h, uint64_t min_pixels, uint64_t min_half)
{
	if (min_pixels == 0)
		return 1;
	for (int d = 8; d >= 2; d /= 2) {
		uint64_t sw = (w + (uint32_t)d - 1) / (uint32_t)d;
		uint64_t sh = (h + (uint32_t)d - 1) / (uint32_t)d;
		if (sw * sh >= min_pixels || (d == 2 && min_half != 0 && sw * sh >= min_half))
			return d;
	}
	return 1;
}

/* ---- progressive JPEG at reduced scale ----
 *
 * A progressive file codes the coefficients in several scans: the DC ones
 * first, then bands of AC coefficients (spectral selection), each first sent
 * without its lowest bits and later refined bit by bit (successive
 * approximation).  libjpeg entropy-decodes every scan whatever the output
 * scale, and the AC refinement scans are most of that work: in the profile,
 * decode_mcu_AC_refine + decode_mcu_AC_first were 78 % of a 3000x3000
 * progressive cover decoded at 1/4.  At 1/d scale each block's IDCT is only
 * (8/d)x(8/d) and reads the block's lowest frequencies, so before decoding
 * the stream is rewritten without
 *   - the AC refinement scans: the AC coefficients keep the precision of
 *     their first scan (libjpeg's default script sends luma AC without the 2
 *     lowest bits, chroma AC without 1), and
 *   - the AC scans whose band starts above the highest zigzag position the
 *     component's reduced IDCT reads (at 1/4: luma coefficients 6..63).
 * The DC scans, first and refinement, are all kept.  What is left is a valid
 * progressive JPEG that libjpeg decodes like any other.  Measured on the
 * bench covers (libjpeg-turbo 2.1, in process): 1400x1400 at 1/2 in 6.7 ms
 * instead of 28.8, 3000x3000 at 1/4 in 16.9 instead of 104.7; the palettes
 * stay within the bounds tests/unit/test_scaled.c checks.  A file whose
 * marker structure this walk does not follow (truncated, no EOI, odd segment
 * lengths) is decoded unchanged, with libjpeg's own error handling. */

/* Highest zigzag index whose row and column are both < s (s = 1, 2, 4, 8):
 * 0, 4, 24, 63.  The zigzag order walks the anti-diagonals r + c = 0..14,
 * even ones from the bottom-left up, odd ones from the top-right down. */
static int
jpeg_zigzag_max(int s)
{
	int k = 0, best = 0;

	for (int d = 0; d < 15; d++) {
		int lo = d > 7 ? d - 7 : 0, hi = d < 7 ? d : 7;
		for (int i = 0; i <= hi - lo; i++, k++) {
			int r = d % 2 ? lo + i : hi - i, c = d - r;
			if (r < s && c < s)
				best = k;
		}
	}
	return best;
}

/* The stream b[0..n) without the scans described above, in a malloc'd
 * buffer (*outlen bytes); NULL when nothing would be dropped, when the walk
 * does not reach EOI, or out of memory (the caller then decodes b itself).
 * ids[c] and zmax[c]: component c's identifier and the highest zigzag
 * position its reduced IDCT reads. */
static uint8_t *
jpeg_prog_filter(const uint8_t *b, size_t n, int ncomp, const int *ids,
                 const int *zmax, size_t *outlen)
{
	uint8_t *out;
	size_t i = 2, o = 2;
	bool dropped = false;

	if (n < 4 || (out = malloc(n)) == NULL)
		return NULL;
	memcpy(out, b, 2); /* SOI */
	while (i + 2 <= n) {
		if (b[i] != 0xFF)
			break;
		uint8_t m = b[i + 1];
		if (m == 0xFF) { /* fill byte */
			i++;
			continue;
		}
		if (m == 0xD9) { /* EOI: done */
			if (!dropped)
				break;
			out[o++] = 0xFF;
			out[o++] = 0xD9;
			*outlen = o;
			return out;
		}
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
			memcpy(out + o, b + i, 2);
			o += 2;
			i += 2;
			continue;
		}
		if (i + 4 > n)
			break;
		size_t seg = 2 + (size_t)rtg_image_be16(b + i + 2);
		if (seg < 4 || seg > n - i)
			break;
		if (m != 0xDA) { /* tables, APPn, SOF...: kept */
			memcpy(out + o, b + i, seg);
			o += seg;
			i += seg;
			continue;
		}
		/* SOS: Ns, Ns x (Cs, Td/Ta), Ss, Se, Ah/Al; a length of 2 has no
		 * Ns, and b[i + 4] may be past the end */
		if (seg < 5)
			break;
		unsigned ns = b[i + 4];
		if (ns < 1 || ns > 4 || seg != 8 + 2 * (size_t)ns)
			break;
		const uint8_t *q = b + i + 5 + 2 * ns;
		unsigned ss = q[0], ah = q[2] >> 4;
		size_t end = rtg_jpeg_scan_end(b, i + seg, n);
		if (end >= n)
			break;
		bool keep = true;
		if (ss > 0 && ah > 0) {
			keep = false;
		} else if (ss > 0) {
			/* AC scans have one component (libjpeg checks that) */
			int c = 0;
			while (c < ncomp && ids[c] != b[i + 5])
				c++;
			if (c < ncomp && (int)ss > zmax[c])
				keep = false;
		}
		if (keep) {
			memcpy(out + o, b + i, end - i);
			o += end - i;
		} else {
			dropped = true;
		}
		i = end;
	}
	free(out);
	return NULL;
}

/* Adobe CMYK JPEGs (what Photoshop and ImageMagick write) store inverted
 * ink values, so c*k/255 is the red channel directly; stb_image makes the
 * same assumption, which keeps both decoders' output alike.  In place:
 * 4 bytes in, 4 bytes out. */
static void
cmyk_to_rgba(uint8_t *p, size_t npx)
{
	for (size_t i = 0; i < npx; i++, p += 4) {
		unsigned k = p[3];
		unsigned r = p[0] * k + 128, g = p[1] * k + 128, b = p[2] * k + 128;
		/* x/255 rounded, exact for x < 65536 */
		p[0] = (uint8_t)((r + (r >> 8)) >> 8);
		p[1] = (uint8_t)((g + (g >> 8)) >> 8);
		p[2] = (uint8_t)((b + (b >> 8)) >> 8);
		p[3] = 255;
	}
}

/* ci: a progressive JPEG's header read from buf, scale set.  Points ci at
 * the stream without the scans that scale does not need (jpeg_prog_filter),
 * stored in *keep for the caller to free (also after a longjmp to je->jb,
 * where libjpeg errors go); ci keeps reading buf when *keep stays NULL. */
static void
jpeg_prog_reduce(j_decompress_ptr ci, struct jerr *je, const uint8_t *buf, size_t len,
                 uint8_t *volatile *keep)
{
	int ids[4], zmax[4];
	unsigned w = ci->image_width, h = ci->image_height, denom = ci->scale_denom;
	size_t flen;

	if (ci->num_components > 4)
		return;
	jpeg_calc_output_dimensions(ci);
	for (int c = 0; c < ci->num_components; c++) {
		const jpeg_component_info *cp = &ci->comp_info[c];
#if JPEG_LIB_VERSION >= 70
		int sz = cp->DCT_h_scaled_size > cp->DCT_v_scaled_size ?
		         cp->DCT_h_scaled_size : cp->DCT_v_scaled_size;
#else
		int sz = cp->DCT_scaled_size;
#endif
		ids[c] = cp->component_id;
		zmax[c] = jpeg_zigzag_max(sz < 1 ? 1 : sz > 8 ? 8 : sz);
	}
	uint8_t *f = jpeg_prog_filter(buf, len, ci->num_components, ids, zmax, &flen);
	if (f == NULL)
		return;
	*keep = f;
	/* start again on the reduced stream: same header, same scale */
	jpeg_abort_decompress(ci);
	jpeg_mem_src(ci, f, (unsigned long)flen);
	if (jpeg_read_header(ci, TRUE) != JPEG_HEADER_OK || je->warnings ||
	    ci->image_width != w || ci->image_height != h)
		longjmp(je->jb, 1);
	ci->scale_num = 1;
	ci->scale_denom = denom;
	/* libjpeg would estimate the missing low AC bits from neighbouring DC
	 * values: 1.5 ms of 8 at 1400x1400, 6 of 23 at 3000x3000, and the
	 * palettes measured the same either way */
	ci->do_block_smoothing = FALSE;
}

/* Returns 0 on success, RTG_ERR_LIMIT/NOMEM as final answers, or 1 to ask
 * the caller to try stb_image instead. */
int
rtg_image_decode_libjpeg(const uint8_t *buf, size_t len, const struct rtg_limits *lim,
               uint64_t min_pixels, uint64_t min_half, uint64_t grid,
               struct rtg_image *img, char *err)
{
	struct jpeg_decompress_struct ci;
	struct jerr je;
	/* volatile: modified after setjmp and read after a longjmp */
	uint8_t *volatile px = NULL;
	uint8_t *volatile filtered = NULL;
	uint8_t *volatile strip = NULL;
	struct rtg_grid g;
	/* g's tables, for the handler (g itself is set after setjmp) */
	uint32_t *volatile gxs = NULL;
	int32_t *volatile gyidx = NULL;
	volatile int result = 1;

	memset(&ci, 0, sizeof ci);
	ci.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = jerr_exit;
	je.pub.emit_message = jerr_emit;
	je.pub.output_message = jerr_output;
	je.warnings = 0;
	memset(&g, 0, sizeof g);
	if (setjmp(je.jb)) {
		jpeg_destroy_decompress(&ci);
		free(px);
		free(filtered);
		free(strip);
		free(gxs);
		free(gyidx);
		return result;
	}
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, buf, (unsigned long)len);
	if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK || je.warnings)
		longjmp(je.jb, 1);

	uint32_t fw = ci.image_width, fh = ci.image_height;
	int st = rtg_image_check_dims("JPEG", fw, fh, lim, err);
	if (st < 0) {
		result = st;
		longjmp(je.jb, 1);
	}

	bool cmyk = ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK;
	if (!cmyk && ci.num_components != 1 && ci.num_components != 3)
		longjmp(je.jb, 1);
	int denom = jpeg_pick_denom(fw, fh, min_pixels, min_half);
	ci.scale_num = 1;
	ci.scale_denom = (unsigned)denom;
	/* progressive at reduced scale: our decoder of the needed scans (no
	 * whole-image coefficient array), else libjpeg on the reduced stream */
	if (ci.progressive_mode && denom > 1 && !ci.arith_code && ci.data_precision == 8 &&
	    ((ci.jpeg_color_space == JCS_YCbCr && ci.num_components == 3) ||
	     (ci.jpeg_color_space == JCS_GRAYSCALE && ci.num_components == 1))) {
		st = rtg_jpegprog_decode(buf, len, denom, ci.num_components == 1, grid, img, err);
		if (st == 0 && (img->full_width != fw || img->full_height != fh)) {
			rtg_image_free(img); /* cannot happen (one SOF); never trust it */
			st = RTG_JPEGPROG_NOT_HANDLED;
		}
		if (st != RTG_JPEGPROG_NOT_HANDLED) {
			jpeg_destroy_decompress(&ci);
			return st;
		}
	}
	/* libjpeg keeps a progressive image's coefficients whole, at full
	 * size (2 bytes each), from jpeg_start_decompress on: 200 MB for a
	 * 268-byte file declaring 16384x4096.  A file whose segments cannot
	 * be followed to EOI ends as an error whatever libjpeg makes of it
	 * (a warning sends it to stb_image, which refuses such a file), so
	 * it goes there now. */
	if (ci.progressive_mode && !rtg_image_jpeg_followable(buf, len))
		longjmp(je.jb, 1);
	if (ci.progressive_mode && denom > 1)
		jpeg_prog_reduce(&ci, &je, buf, len, &filtered);
	ci.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
	jpeg_start_decompress(&ci);
	if (ci.output_components != 4)
		longjmp(je.jb, 1);

	uint32_t ow = ci.output_width, oh = ci.output_height;
	size_t stride = (size_t)ow * 4;
	/* only the sampler's grid is kept (not for CMYK, converted after) */
	if (!rtg_grid_init(&g, ow, oh, cmyk ? 0 : grid)) {
		result = rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a JPEG");
		longjmp(je.jb, 1);
	}
	gxs = g.xs;
	gyidx = g.yidx;
	const bool sel = rtg_grid_active(&g);
	/* ow <= fw and oh <= fh, so check_dims above bounds these products;
	 * with a grid, libjpeg's rows go through a strip of 8 */
	px = malloc(sel ? (size_t)g.nx * g.ny * 4 : stride * oh);
	if (sel && px != NULL)
		strip = malloc(stride * 8);
	if (px == NULL || (sel && strip == NULL)) {
		result = rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding %" PRIu32
		                  "x%" PRIu32 " JPEG", ow, oh);
		longjmp(je.jb, 1);
	}
	while (ci.output_scanline < oh) {
		JSAMPROW rows[8];
		uint32_t y0 = ci.output_scanline;
		unsigned want = oh - y0;
		if (want > 8)
			want = 8;
		for (unsigned i = 0; i < want; i++)
			rows[i] = sel ? strip + (size_t)i * stride : px + (size_t)(y0 + i) * stride;
		unsigned got = jpeg_read_scanlines(&ci, rows, want);
		if (got == 0)
			longjmp(je.jb, 1); /* suspension: input ended */
		for (unsigned i = 0; sel && i < got; i++) {
			int32_t j = g.yidx[y0 + i];
			if (j < 0)
				continue;
			const uint8_t *src = rows[i];
			uint8_t *dst = px + (size_t)j * g.nx * 4;
			for (uint32_t x = 0; x < g.nx; x++)
				memcpy(dst + 4 * (size_t)x, src + 4 * (size_t)g.xs[x], 4);
		}
	}
	jpeg_finish_decompress(&ci);
	/* Corrupt data libjpeg patched over: let stb_image decide, except for
	 * a progressive file, which stb_image decodes at full size keeping
	 * every coefficient (7 bytes a pixel: 560 MB and 0.5 s for a few
	 * hundred bytes declaring 16384x4096, over the budget of the RGBA
	 * image + 16 MiB); libjpeg's own result shows what the data hold. */
	if (je.warnings && !ci.progressive_mode)
		longjmp(je.jb, 1);
	jpeg_destroy_decompress(&ci);
	free(filtered);
	free(strip);

	if (cmyk)
		cmyk_to_rgba(px, (size_t)ow * oh);
	img->px = px;
	img->width = g.nx;
	img->height = g.ny;
	img->scaled_width = ow;
	img->scaled_height = oh;
	rtg_grid_free(&g);
	img->full_width = fw;
	img->full_height = fh;
	img->scale_denom = denom;
	img->decoder = rtg_image_dec_jpeg;
	return 0;
}

#endif /* HAVE_JPEG */
