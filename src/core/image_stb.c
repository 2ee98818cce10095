/* image_stb.c - the stb_image path of image.c: the decoder for GIF, BMP,
 * the PNGs png.c does not implement and the JPEGs libjpeg-turbo refused
 * (or all JPEGs without it), and the walk of a JPEG's segments that keeps
 * from it the files it would decode from uninitialised memory.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <stb_image.h>

#include "image.h"
#include "image_internal.h"
#include "jpegprog.h"
#include "status.h"

/* rtg_image_free() releases px with the allocator of the decoder that made
 * it; the decoder name pointer identifies which one. */
const char rtg_image_stb_dec[] = "stb_image";

/* stb_image's failure reasons are short tags ("outofdata", "bad huffman
 * code"); for an unknown PNG chunk the tag is the chunk's type bytes, which
 * may be binary.  Only a readable tag goes into our message. */
static const char *
stb_reason(void)
{
	const char *r = stbi_failure_reason();
	bool lower = false;

	if (r == NULL || strlen(r) < 4)
		return "malformed data";
	for (const char *p = r; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return "malformed data";
		lower |= *p >= 'a' && *p <= 'z';
	}
	return lower ? r : "malformed data";
}

/* jpeg_huff_defined's answers */
enum jpeg_huff { JH_OK, JH_UNDEFINED, JH_LOST };

/* Whether every Huffman table a scan of the JPEG b[0..n) uses was defined
 * before it.  stb_image decodes a scan with an undefined table from
 * uninitialised memory (valgrind), and Debian's libstb then fails its own
 * assertion or reads out of bounds (found by fuzz/image-fuzzer through the
 * fallback below libjpeg), so such a file never reaches it.  Baseline
 * scans use both tables of each component, progressive DC first scans the
 * DC one, AC scans the AC one, DC refinement none.
 *
 * The walk must see every segment stb_image acts on.  Bytes between
 * segments are skipped up to the next 0xFF, as libjpeg does (stb_image
 * fails there); a scan's data end at the first marker that is not RSTn,
 * 0xFF runs before a 0x00 being data as both decoders read them
 * (rtg_jpeg_scan_end).  Where the walk cannot go on before EOI - a segment
 * running past the end or too short to be one, scan data with no marker
 * after them - the file is JH_LOST: stb_image fails on a file whose
 * markers do not lead to EOI anyway, and where the two walks part, it
 * could act on segments this one never saw (FF FF 00 in a scan's data,
 * taken for a marker, used to end this walk with "all defined" while
 * stb_image went on to a scan with an undefined table). */
static enum jpeg_huff
jpeg_huff_defined(const uint8_t *b, size_t n)
{
	bool def[2][4] = { { false } }, prog = false;
	size_t i = 2;

	while (i + 2 <= n) {
		uint8_t m = b[i + 1];
		if (b[i] != 0xFF || m == 0xFF) { /* garbage or fill: skipped */
			i++;
			continue;
		}
		if (m == 0xD9)
			return JH_OK;
		if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { /* no length */
			i += 2;
			continue;
		}
		if (i + 4 > n)
			return JH_LOST;
		size_t seg = 2 + (size_t)rtg_image_be16(b + i + 2);
		if (seg < 4 || seg > n - i)
			return JH_LOST;
		const uint8_t *p = b + i + 4, *end = b + i + seg;
		if (m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE)
			prog = true;
		if (m == 0xC4) { /* DHT: class/id, 16 counts, symbols; repeated */
			while (end - p >= 17) {
				size_t cnt = 0;
				for (int k = 1; k <= 16; k++)
					cnt += p[k];
				if ((p[0] >> 4) <= 1 && (p[0] & 15) <= 3)
					def[p[0] >> 4][p[0] & 15] = true;
				if ((size_t)(end - p) < 17 + cnt)
					break;
				p += 17 + cnt;
			}
		} else if (m == 0xDA) {
			/* length, Ns, Ns x (Cs, Td/Ta), Ss, Se, Ah/Al */
			if (seg < 5)
				return JH_LOST;
			unsigned ns = p[0];
			if (seg < 8 + 2 * (size_t)ns)
				return JH_LOST;
			unsigned ss = p[1 + 2 * ns], ah = p[3 + 2 * ns] >> 4;
			for (unsigned c = 0; c < ns; c++) {
				unsigned td = p[2 + 2 * c] >> 4, ta = p[2 + 2 * c] & 15;
				bool dc = !prog || (ss == 0 && ah == 0), ac = !prog || ss > 0;
				if ((dc && (td > 3 || !def[0][td])) || (ac && (ta > 3 || !def[1][ta])))
					return JH_UNDEFINED;
			}
			i = rtg_jpeg_scan_end(b, i + seg, n);
			continue;
		}
		i += seg;
	}
	return JH_LOST;
}

bool
rtg_image_jpeg_followable(const uint8_t *buf, size_t len)
{
	return jpeg_huff_defined(buf, len) == JH_OK;
}

int
rtg_image_stb_decode(const char *label, bool jpeg, const uint8_t *buf, size_t len,
                     const struct rtg_limits *lim, struct rtg_image *img, char *err)
{
	int w, h, n, st;

	if (!stbi_info_from_memory(buf, (int)len, &w, &h, &n))
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt or truncated %s (stb_image: %s)",
		                label, stb_reason());
	if (w <= 0 || h <= 0)
		return rtg_fail(err, RTG_ERR_DECODE, "%s declares an empty image (%dx%d)",
		                label, w, h);
	if ((st = rtg_image_check_dims(label, (uint32_t)w, (uint32_t)h, lim, err)) < 0)
		return st;
	/* after the size (limits before decoding), before stb_image decodes */
	if (jpeg) {
		enum jpeg_huff jh = jpeg_huff_defined(buf, len);
		if (jh == JH_UNDEFINED)
			return rtg_fail(err, RTG_ERR_DECODE, "corrupt JPEG (a scan uses a Huffman "
			                "table the file does not define)");
		if (jh == JH_LOST)
			return rtg_fail(err, RTG_ERR_DECODE, "corrupt or truncated JPEG (its "
			                "segments cannot be followed to the end of the image)");
	}

	int dw, dh;
	uint8_t *px = stbi_load_from_memory(buf, (int)len, &dw, &dh, &n, 4);
	if (px == NULL) {
		const char *why = stbi_failure_reason();
		if (why != NULL && strcmp(why, "outofmem") == 0)
			return rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding %dx%d %s",
			                w, h, label);
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt or truncated %s (stb_image: %s)",
		                label, stb_reason());
	}
	if (dw != w || dh != h) { /* cannot happen with stb 2.27; never trust it */
		stbi_image_free(px);
		return rtg_fail(err, RTG_ERR_DECODE, "%s decoded to %dx%d, header said %dx%d",
		                label, dw, dh, w, h);
	}
	rtg_image_set_full(img, px, (uint32_t)w, (uint32_t)h, rtg_image_stb_dec);
	return 0;
}

void
rtg_image_stb_free(void *px)
{
	stbi_image_free(px);
}
