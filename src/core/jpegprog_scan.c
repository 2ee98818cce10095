/* jpegprog_scan.c - entropy-coded data of the scans jpegprog.c records:
 * the bit reader, Huffman tables and their lookup tables, DC first and
 * refinement scans and AC first scans (T.81 C, F.2.2.1, G.1.2), decoded a
 * few MCU rows at a time into the coefficient ring.
 * Everything on the decoding path stays in this file, so that it is
 * inlined into the scan loops (see HOT below).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpegprog_internal.h"

/* Bits looked up at once in a Huffman table (the scan's lookup table,
 * built when the scan starts).  An entry resolves a code of up to FAST
 * bits, and when the code and the magnitude bits that follow it fit in
 * FAST bits together, the value too, already shifted by the scan's Al for
 * AC (one lookup per coefficient for 88 % of the AC symbols of the bench
 * covers); 10 bits: 4 KiB per table, measured as fast as 9, 11 and 12. */
#define FAST 10
/* Lookup entry: bits to consume (bits 0-5: a shift count as it is),
 * symbol (8-15), FULL: the value (bits 16-31, signed) is included and the
 * consumed bits cover its magnitude bits; 0: a code longer than FAST bits */
#define FULL 0x80u

/* The bit reader's state stays in registers only if everything on the
 * decoding path is inlined into the scan loop (measured: 25 % of the
 * decode time when acc and n lived on the stack), and the loops have
 * functions of their own (fewer live values than in scan()) */
#if defined(__GNUC__)
#define HOT static inline __attribute__((always_inline))
#define LOOP static __attribute__((noinline))
#else
#define HOT static inline
#define LOOP static
#endif

/* ---- bits ---------------------------------------------------------------- */

/* The count of supplied zero bytes stops here: more than 8 (acc's width)
 * already means an overrun whatever n is, and a count without a bound
 * overflowed 8 * zeros on a cut-off scan of a huge image (which also let
 * a wrapped count pass br_done) */
#define ZEROS_MAX 16

/* One byte at a time: stuffed 0xFF 0x00 is one 0xFF; at a marker (or the
 * end of the buffer) reading stops and zeros are supplied, counted so that
 * running past the data can be detected. */
static struct br
br_fill_bytes(struct br b)
{
	while (b.n <= 56) {
		unsigned c = 0;
		if (b.zeros == 0 && b.p < b.end) {
			c = *b.p;
			if (c != 0xFF) {
				b.p++;
			} else if (b.p + 1 < b.end && b.p[1] == 0x00) {
				b.p += 2;
			} else {
				c = 0;
				b.zeros++;
			}
		} else if (b.zeros < ZEROS_MAX) {
			b.zeros++;
		}
		b.acc |= (uint64_t)c << (56 - b.n);
		b.n += 8;
	}
	return b;
}

/* Tops acc up to more than 56 bits.  Where the next 8 bytes hold no 0xFF
 * (nearly always: a 0xFF is stuffed or a marker), all of them are ORed in
 * at once: the whole bytes that fit are consumed; the bits of the partial
 * one past them are that byte's own, and the next fill ORs the same bits
 * onto them. */
HOT void
br_fill(struct br *b)
{
	if (b->end - b->p >= 8) {
		const uint8_t *p = b->p;
		uint64_t w = (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
		             (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
		             (uint64_t)p[6] << 8 | p[7];
		uint64_t x = ~w; /* a 0xFF byte of w is a zero byte of x */
		if (((x - 0x0101010101010101u) & ~x & 0x8080808080808080u) == 0) {
			int k = (64 - b->n) >> 3;
			b->acc |= w >> b->n;
			b->p += k;
			b->n += 8 * k;
			return;
		}
	}
	*b = br_fill_bytes(*b);
}

/* At least 32 valid bits: enough for a code (16) and its extra bits (15) */
HOT void
br_need32(struct br *b)
{
	if (b->n < 32)
		br_fill(b);
}

/* 0 <= s <= 16, s valid bits present */
HOT unsigned
br_take(struct br *b, int s)
{
	unsigned v = (unsigned)(b->acc >> 32 >> (32 - s));
	b->acc <<= s;
	b->n -= s;
	return v;
}

HOT void
br_skip(struct br *b, int s)
{
	b->acc <<= s;
	b->n -= s;
}

/* Bits taken beyond the real data (zeros supplied at a marker)? */
static bool
br_overrun(const struct br *b)
{
	return b->n < 8 * b->zeros;
}

/* T.81 F.2.2.1 EXTEND: s bits v as a signed value */
static inline int
extend(unsigned v, int s)
{
	return s == 0 ? 0 : v < (1u << (s - 1)) ? (int)v - (1 << s) + 1 : (int)v;
}

/* A code longer than FAST bits (16 valid bits present): its symbol, or -1 */
HOT int
huff_slow(struct br *b, const struct huff *h)
{
	uint32_t peek = (uint32_t)(b->acc >> 48);
	for (int l = FAST + 1; l <= 16; l++) {
		int32_t code = (int32_t)(peek >> (16 - l));
		if (code <= h->maxcode[l]) {
			int32_t i = code + h->valoff[l];
			if (i < 0 || i > 255)
				return -1;
			br_skip(b, l);
			return h->vals[i];
		}
	}
	return -1;
}

static int16_t
clamp16(int32_t v)
{
	return (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
}

/* Canonical codes: see jpegprog_internal.h (T.81 C.2). */
bool
rtg_jpegprog_huff_build(struct huff *h, const uint8_t *counts, const uint8_t *vals,
                        int nvals)
{
	int32_t code = 0;
	int k = 0;

	memset(h, 0, sizeof *h);
	memcpy(h->counts, counts, 16);
	memcpy(h->vals, vals, (size_t)nvals);
	for (int l = 1; l <= 16; l++) {
		int n = counts[l - 1];
		h->valoff[l] = k - code;
		h->maxcode[l] = n ? code + n - 1 : -1;
		k += n;
		code += n;
		if (code >= (1 << l))
			return false;
		code <<= 1;
	}
	h->defined = true;
	return true;
}

/* The lookup table of h for a scan.  dc: the symbols are magnitudes (valid
 * up to 15) and the values differences (shifted later, after the
 * prediction); else run/size pairs and values shifted by al. */
static void
huff_fast(const struct huff *h, bool dc, int al, uint32_t *fast)
{
	int32_t code = 0;
	int k = 0;

	memset(fast, 0, sizeof(uint32_t) << FAST);
	for (int l = 1; l <= FAST; l++, code <<= 1)
		for (int i = 0; i < h->counts[l - 1]; i++, k++, code++) {
			int sh = FAST - l, sym = h->vals[k], s = dc ? (sym > 15 ? -1 : sym) : sym & 15;
			for (int j = 0; j < (1 << sh); j++) {
				uint32_t e = (uint32_t)(sym << 8 | l);
				/* magnitude bits within the lookahead: the value too */
				if (s > 0 && l + s <= FAST) {
					unsigned mag = (unsigned)j >> (sh - s) & ((1u << s) - 1);
					int v = extend(mag, s);
					e = (uint32_t)(sym << 8 | (l + s)) | FULL |
					    (uint32_t)(uint16_t)(dc ? v : clamp16(v * (1 << al))) << 16;
				}
				fast[(code << sh) | j] = e;
			}
		}
}

/* 0xFF bytes before the byte after a 0xFF are fill bytes (T.81 B.1.1.2),
 * and libjpeg and stb_image read them so inside entropy-coded data too: FF
 * FF 00 is a stuffed 0xFF, FF FF D0 a restart marker.  (This decoder's bit
 * reader takes such data for a marker and leaves the file to libjpeg.) */
size_t
rtg_jpeg_scan_end(const uint8_t *b, size_t i, size_t len)
{
	while (i + 1 < len) {
		const uint8_t *ff = memchr(b + i, 0xFF, len - 1 - i);
		if (ff == NULL)
			return len;
		i = (size_t)(ff - b);
		size_t j = i + 1;
		while (j < len && b[j] == 0xFF)
			j++;
		if (j == len || (b[j] != 0x00 && !(b[j] >= 0xD0 && b[j] <= 0xD7)))
			return i;
		i = j + 1;
	}
	return len;
}

/* At the end of a scan's or restart interval's data: no bits taken
 * beyond it, nothing left but the padding of the last byte (fewer than 8
 * bits), so the byte at p is the marker.  Exactly, whenever the reader
 * happened to fill acc: bits acc holds beyond the supplied zeros are
 * data, and acc only ever holds bytes before the marker. */
static bool
br_done(const struct br *b)
{
	return !br_overrun(b) && b->n - 8 * b->zeros < 8;
}

/* At a restart interval's end: RSTn must follow right after the data. */
static bool
br_restart(struct br b, int rst)
{
	return br_done(&b) && b.p + 2 <= b.end && b.p[0] == 0xFF && b.p[1] == 0xD0 + rst;
}

/* ---- scans ---------------------------------------------------------------- */

/* One DC data unit: first scan (Huffman-coded difference) or refinement
 * (one raw bit). */
HOT bool
dc_unit(const struct huff *t, const uint32_t *fast, struct br *b, int *pred, int16_t *blk,
        int ah, int al)
{
	br_need32(b);
	if (ah != 0) {
		if (br_take(b, 1))
			blk[0] = (int16_t)(uint16_t)((uint16_t)blk[0] | (1u << al));
		return true;
	}
	uint32_t e = fast[b->acc >> (64 - FAST)];
	int diff;
	if (e & FULL) {
		br_skip(b, (int)(e & 63));
		diff = (int32_t)e >> 16;
	} else {
		int s;
		if (e != 0) {
			br_skip(b, (int)(e & 63));
			s = (int)(e >> 8 & 0xFF);
		} else {
			s = huff_slow(b, t);
		}
		if (s < 0 || s > 15)
			return false;
		diff = extend(s ? br_take(b, s) : 0, s);
	}
	*pred += diff;
	if (*pred < INT16_MIN || *pred > INT16_MAX)
		return false;
	blk[0] = clamp16(*pred * (1 << al));
	return true;
}

/* One block of an AC first scan, band ss..se (T.81 G.1.2.2). */
HOT bool
ac_unit(const struct huff *t, const uint32_t *fast, struct br *b, unsigned *eobrun,
        const int8_t *slot, int16_t *blk, int ss, int se, int al)
{
	if (*eobrun > 0) {
		(*eobrun)--;
		return true;
	}
	for (int k = ss; k <= se;) {
		br_need32(b);
		uint32_t e = fast[b->acc >> (64 - FAST)];
		if (e & FULL) { /* run, value: the common case */
			br_skip(b, (int)(e & 63));
			k += (int)(e >> 12 & 15);
			if (k > se)
				return false;
			if (slot[k] >= 0)
				blk[slot[k]] = (int16_t)((int32_t)e >> 16);
			k++;
			continue;
		}
		int rs;
		if (e != 0) {
			br_skip(b, (int)(e & 63));
			rs = (int)(e >> 8 & 0xFF);
		} else if ((rs = huff_slow(b, t)) < 0) {
			return false;
		}
		int r = rs >> 4, s = rs & 15;
		if (s != 0) {
			k += r;
			if (k > se)
				return false;
			int v = extend(br_take(b, s), s);
			if (slot[k] >= 0)
				blk[slot[k]] = clamp16(v * (1 << al));
			k++;
		} else if (r == 15) {
			k += 16; /* sixteen zeros */
		} else {
			*eobrun = (1u << r) - 1 + (r ? br_take(b, r) : 0);
			break;
		}
	}
	return true;
}

/* At the end of a restart interval: RSTn, and the reader starts afresh
 * (the caller resets the end-of-band run and the DC predictors) */
HOT bool
restart(struct scan *sc, struct br *b)
{
	if (!br_restart(*b, sc->rst))
		return false;
	*b = (struct br){ b->p + 2, b->end, 0, 0, 0 };
	sc->rst = (sc->rst + 1) & 7;
	sc->left = sc->ri - 1;
	return true;
}

/* The blocks of an AC first scan of one component in MCU rows my0..my1-1
 * (the component's block rows in them). */
LOOP bool
scan_ac(const struct dec *d, struct scan *sc, uint32_t my0, uint32_t my1)
{
	const struct comp *c = &d->c[sc->ci[0]];
	const uint32_t v = (uint32_t)c->v, by1 = my1 * v < c->bh ? my1 * v : c->bh;
	const int ss = sc->ss, se = sc->se, al = sc->al;
	const unsigned ri = sc->ri;
	struct br b = sc->b;
	unsigned eobrun = sc->eobrun;

	for (uint32_t by = my0 * v; by < by1; by++) {
		int16_t *blk = block_at(c, 0, by);
		for (uint32_t bx = 0; bx < c->bw; bx++, blk += c->nco) {
			if (ri != 0 && sc->left-- == 0) {
				if (!restart(sc, &b))
					return false;
				eobrun = 0;
			}
			if (!ac_unit(&sc->h[0], sc->fast, &b, &eobrun, c->slot, blk, ss, se, al))
				return false;
		}
		/* data cut short: the rest would only decode supplied zeros
		 * (a 152-byte file declaring 16384x4096 took 1.3 s) */
		if (br_overrun(&b))
			return false;
	}
	sc->b = b;
	sc->eobrun = eobrun;
	return true;
}

/* The data units of a DC scan in MCU rows my0..my1-1: one component's
 * block rows in them, or MCUs of h x v blocks of each component. */
LOOP bool
scan_dc(const struct dec *d, struct scan *sc, uint32_t my0, uint32_t my1)
{
	const int ah = sc->ah, al = sc->al;
	const unsigned ri = sc->ri;
	struct br b = sc->b;
	int pred[4];

	memcpy(pred, sc->pred, sizeof pred);
	if (sc->ns == 1) { /* non-interleaved: the component's own block grid */
		const struct comp *c = &d->c[sc->ci[0]];
		const uint32_t v = (uint32_t)c->v, by1 = my1 * v < c->bh ? my1 * v : c->bh;
		for (uint32_t by = my0 * v; by < by1; by++) {
			int16_t *blk = block_at(c, 0, by);
			for (uint32_t bx = 0; bx < c->bw; bx++, blk += c->nco) {
				if (ri != 0 && sc->left-- == 0) {
					if (!restart(sc, &b))
						return false;
					pred[0] = 0;
				}
				if (!dc_unit(&sc->h[0], sc->fast, &b, &pred[0], blk, ah, al))
					return false;
			}
			if (br_overrun(&b)) /* cut short, as in scan_ac */
				return false;
		}
	} else {
		for (uint32_t my = my0; my < my1; my++) {
			int16_t *row[4][4]; /* block row y of component j in MCU row my */
			for (int j = 0; j < sc->ns; j++) {
				const struct comp *c = &d->c[sc->ci[j]];
				for (int y = 0; y < c->v; y++)
					row[j][y] = block_at(c, 0, my * (uint32_t)c->v + (uint32_t)y);
			}
			for (uint32_t mx = 0; mx < d->mcux; mx++) {
				if (ri != 0 && sc->left-- == 0) {
					if (!restart(sc, &b))
						return false;
					memset(pred, 0, sizeof pred);
				}
				for (int j = 0; j < sc->ns; j++) {
					const struct comp *c = &d->c[sc->ci[j]];
					/* a refinement scan has no tables: no pointer past them */
					const uint32_t *fast = ah == 0 ? sc->fast + ((size_t)j << FAST) : NULL;
					for (int y = 0; y < c->v; y++) {
						int16_t *blk = row[j][y] + (size_t)mx * (size_t)(c->h * c->nco);
						for (int x = 0; x < c->h; x++, blk += c->nco)
							if (!dc_unit(&sc->h[j], fast, &b, &pred[j], blk, ah, al))
								return false;
					}
				}
			}
			if (br_overrun(&b))
				return false;
		}
	}
	sc->b = b;
	memcpy(sc->pred, pred, sizeof pred);
	return true;
}

uint32_t *
rtg_jpegprog_scan_tables(struct dec *d)
{
	uint32_t *fast;
	size_t nfast = 0;

	for (int i = 0; i < d->nscan; i++)
		nfast += d->scan[i].ss > 0 ? 1 : d->scan[i].ah == 0 ? (size_t)d->scan[i].ns : 0;
	if ((fast = malloc((nfast << FAST) * sizeof *fast)) == NULL)
		return NULL;
	nfast = 0;
	for (int i = 0; i < d->nscan; i++) {
		struct scan *sc = &d->scan[i];
		sc->fast = fast + (nfast << FAST);
		for (int j = 0; j < (sc->ss > 0 ? 1 : sc->ah == 0 ? sc->ns : 0); j++, nfast++)
			huff_fast(&sc->h[j], sc->ss == 0, sc->al, fast + (nfast << FAST));
	}
	return fast;
}

bool
rtg_jpegprog_scan_rows(struct dec *d, uint32_t my0, uint32_t my1)
{
	for (int i = 0; i < d->nscan; i++)
		if (!(d->scan[i].ss > 0 ? scan_ac(d, &d->scan[i], my0, my1)
		                        : scan_dc(d, &d->scan[i], my0, my1)))
			return false;
	return true;
}

bool
rtg_jpegprog_scan_complete(const struct dec *d)
{
	for (int i = 0; i < d->nscan; i++) {
		const struct scan *sc = &d->scan[i];
		/* the data must end where the marker is (no bytes left over) */
		if (!br_done(&sc->b) || sc->b.p != d->buf + sc->end)
			return false;
	}
	return true;
}
