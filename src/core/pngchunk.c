/* pngchunk.c - the PNG decoder's chunk walk (PNG spec, 2nd/3rd edition:
 * 5.3 chunk layout, 11.2 IHDR, PLTE, IDAT, IEND, 11.3.2 tRNS): every
 * length checked against the buffer, the limits checked from IHDR, the
 * palette and the transparency read, the image data located.  png.c does
 * the rest, from what this leaves in struct png.
 *
 * CRCs: verified here for IHDR, PLTE, tRNS and IEND, by pnginflate.c for
 * IDAT; skipped ancillary chunks are not checked (png.c says why).
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "png.h"
#include "png_internal.h"
#include "pnginflate.h"
#include "status.h"

#ifdef RTG_PNGINF_ANY

/* PNG spec: chunk lengths are at most 2^31 - 1, and so are dimensions */
#define PNG_MAX_U31 0x7fffffffu

static const uint8_t SIG[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool
is_type(const uint8_t *t, const char *name)
{
	return memcmp(t, name, 4) == 0;
}

/* Chunk type as text for messages: letters only (checked before use). */
static void
type_str(const uint8_t *t, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') ?
		         (char)t[i] : '?';
	out[4] = '\0';
}

/* CRC-32 over type and data; the chunk at c is known to be inside the
 * buffer. */
static bool
crc_ok(const uint8_t *c, uint32_t clen)
{
	return rtg_pnginf_crc32(c + 4, (size_t)clen + 4) == rd32(c + 8 + clen);
}

static int
corrupt(char *err, const char *why)
{
	return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (%s)", why);
}

/* IHDR fields (spec 11.2.2) and the limits. */
static int
parse_ihdr(struct png *p, const uint8_t *d, const struct rtg_limits *lim, char *err)
{
	p->w = rd32(d);
	p->h = rd32(d + 4);
	p->depth = d[8];
	p->ctype = d[9];
	p->interlace = d[12];
	if (p->w == 0 || p->h == 0 || p->w > PNG_MAX_U31 || p->h > PNG_MAX_U31)
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (IHDR declares %" PRIu32
		                "x%" PRIu32 " pixels)", p->w, p->h);
	bool ok;
	switch (p->ctype) {
	case CT_GREY:
		p->channels = 1;
		ok = p->depth == 1 || p->depth == 2 || p->depth == 4 || p->depth == 8 ||
		     p->depth == 16;
		break;
	case CT_PALETTE:
		p->channels = 1;
		ok = p->depth == 1 || p->depth == 2 || p->depth == 4 || p->depth == 8;
		break;
	case CT_RGB:
	case CT_GREYA:
	case CT_RGBA:
		p->channels = p->ctype == CT_RGB ? 3 : p->ctype == CT_GREYA ? 2 : 4;
		ok = p->depth == 8 || p->depth == 16;
		break;
	default:
		ok = false;
	}
	if (!ok)
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (colour type %u with bit "
		                "depth %u)", p->ctype, p->depth);
	if (d[10] != 0 || d[11] != 0 || p->interlace > 1)
		return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (compression %u, filter "
		                "method %u, interlace %u)", d[10], d[11], p->interlace);

	if (p->w > lim->max_dimension || p->h > lim->max_dimension)
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " pixels, "
		                "above the limit of %" PRIu32 " pixels per side", p->w, p->h,
		                lim->max_dimension);
	uint64_t px = (uint64_t)p->w * p->h;
	if (px > lim->max_pixels)
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " = %" PRIu64
		                " pixels, above the limit of %" PRIu64 " pixels", p->w, p->h, px,
		                lim->max_pixels);

	/* w <= 2^31 and channels * depth <= 64: no overflow in 64 bits */
	uint64_t bits = (uint64_t)p->w * p->channels * p->depth;
	uint64_t rb = (bits + 7) / 8;
	if (rb >= SIZE_MAX / 4)
		return rtg_fail(err, RTG_ERR_LIMIT, "PNG is %" PRIu32 "x%" PRIu32 " pixels, "
		                "too large to decode", p->w, p->h);
	p->rowbytes = (size_t)rb;
	p->bpp = p->channels * p->depth / 8;
	if (p->bpp == 0)
		p->bpp = 1;
	return 0;
}

/* The chunk walk: structure, CRCs of what is used, PLTE/tRNS, where the
 * image data is.  Ends at IEND, which must be there (a file cut anywhere
 * fails). */
int
rtg_pngchunk_walk(struct png *p, const uint8_t *buf, size_t len, const struct rtg_limits *lim,
                  char *err)
{
	char tn[5];
	int st;

	if (len < 8 || memcmp(buf, SIG, 8) != 0)
		return rtg_fail(err, RTG_ERR_FORMAT, "not a PNG (no PNG signature)");
	/* Features left to stb_image are reported only once the whole chunk
	 * structure has been checked: stb_image allocates from chunk lengths
	 * it has not compared with the file (a 265-byte file made it ask for
	 * 2 GiB), so it only ever gets files whose chunks are all in bounds. */
	bool not_handled = false;
	size_t pos = 8;
	if (len >= 16 && is_type(buf + 12, "CgBI")) {
		/* Apple's variant (before IHDR): stb_image reads it */
		uint32_t n = rd32(buf + 8);
		if (len < 8 + 12 || n > len - 8 - 12)
			return rtg_fail(err, RTG_ERR_DECODE, "truncated PNG (%zu bytes, CgBI "
			                "chunk cut short)", len);
		pos += 12 + (size_t)n;
		not_handled = true;
	}
	if (len - pos < 8 + 13 + 4)
		return rtg_fail(err, RTG_ERR_DECODE, "truncated PNG (%zu bytes, the header "
		                "needs %zu)", len, pos + 25);
	if (!is_type(buf + pos + 4, "IHDR"))
		return corrupt(err, "the first chunk is not IHDR");
	if (rd32(buf + pos) != 13)
		return corrupt(err, "IHDR is not 13 bytes long");
	if (!crc_ok(buf + pos, 13))
		return corrupt(err, "CRC mismatch in IHDR");
	if ((st = parse_ihdr(p, buf + pos + 8, lim, err)) != 0)
		return st;
	bool in_idat = false, idat_done = false;
	pos += 25;
	for (;;) {
		if (len - pos < 12)
			return rtg_fail(err, RTG_ERR_DECODE, "truncated PNG (%zu bytes: cut %s "
			                "before IEND)", len, p->idat_count ? "after the image data" :
			                "before the image data");
		const uint8_t *c = buf + pos, *t = c + 4, *d = c + 8;
		uint32_t clen = rd32(c);
		type_str(t, tn);
		for (int i = 0; i < 4; i++)
			if (tn[i] == '?')
				return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (invalid chunk "
				                "type at offset %zu)", pos);
		if (clen > PNG_MAX_U31)
			return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (chunk %s at offset "
			                "%zu declares %" PRIu32 " bytes)", tn, pos, clen);
		if (clen > len - pos - 12)
			return rtg_fail(err, RTG_ERR_DECODE, "truncated PNG (chunk %s at offset "
			                "%zu needs %" PRIu32 " bytes, %zu left)", tn, pos, clen,
			                len - pos - 12);
		bool is_idat = is_type(t, "IDAT");
		if (in_idat && !is_idat)
			idat_done = true;
		in_idat = is_idat;

		if (is_idat) {
			if (idat_done)
				return corrupt(err, "IDAT chunks are not consecutive");
			if (p->ctype == CT_PALETTE && !p->has_plte)
				return corrupt(err, "palette image without PLTE before IDAT");
			if (p->idat_count == 0)
				p->first_idat = pos;
			p->idat_count++;
			p->idat_total += clen; /* <= len: no overflow */
		} else if (is_type(t, "IEND")) {
			if (clen != 0 || !crc_ok(c, 0))
				return corrupt(err, "bad IEND chunk");
			break;
		} else if (is_type(t, "PLTE")) {
			if (p->has_plte || p->idat_count)
				return corrupt(err, p->has_plte ? "two PLTE chunks" :
				               "PLTE after IDAT");
			if (clen == 0 || clen % 3 != 0 || clen > 768)
				return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (PLTE of %" PRIu32
				                " bytes)", clen);
			if (!crc_ok(c, clen))
				return corrupt(err, "CRC mismatch in PLTE");
			p->has_plte = true;
			p->npal = clen / 3;
			for (unsigned i = 0; i < p->npal; i++) {
				p->pal[i][0] = d[3 * i];
				p->pal[i][1] = d[3 * i + 1];
				p->pal[i][2] = d[3 * i + 2];
				p->pal[i][3] = 255;
			}
		} else if (is_type(t, "tRNS")) {
			if (p->ctype == CT_GREYA || p->ctype == CT_RGBA) {
				not_handled = true; /* stb_image refuses, libpng ignores */
				pos += 12 + (size_t)clen;
				continue;
			}
			if (p->has_trns || p->idat_count)
				return corrupt(err, p->has_trns ? "two tRNS chunks" : "tRNS after IDAT");
			if (!crc_ok(c, clen))
				return corrupt(err, "CRC mismatch in tRNS");
			p->has_trns = true;
			if (p->ctype == CT_PALETTE) {
				if (!p->has_plte)
					return corrupt(err, "tRNS before PLTE");
				if (clen > p->npal)
					return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (tRNS has %"
					                PRIu32 " entries, PLTE %u)", clen, p->npal);
				for (uint32_t i = 0; i < clen; i++)
					p->pal[i][3] = d[i];
			} else {
				if (clen != 2 * p->channels)
					return rtg_fail(err, RTG_ERR_DECODE, "corrupt PNG (tRNS of %"
					                PRIu32 " bytes for colour type %u)", clen, p->ctype);
				p->has_key = true;
				for (unsigned i = 0; i < p->channels; i++)
					p->key[i] = rd16(d + 2 * i);
			}
		} else if (is_type(t, "IHDR")) {
			return corrupt(err, "a second IHDR");
		} else if (!(t[0] & 0x20)) {
			/* an unknown critical chunk: we must not guess */
			not_handled = true;
		}
		/* ancillary chunks are skipped, their CRC unchecked */
		pos += 12 + (size_t)clen;
	}
	if (p->idat_count == 0)
		return corrupt(err, "no IDAT chunk");
	if (not_handled)
		return RTG_PNG_NOT_HANDLED;
	return 0;
}

#endif /* RTG_PNGINF_ANY */
