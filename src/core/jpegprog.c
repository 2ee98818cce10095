/* jpegprog.c - progressive JPEG at 1/2, 1/4 or 1/8 scale (see jpegprog.h).
 *
 * Written from ITU-T T.81 (JPEG): markers (B.1, B.2), Huffman tables (C),
 * progressive entropy coding (G.1.2: DC first and refinement, AC first with
 * end-of-band runs), and JFIF's YCbCr -> RGB equations.  The scaled IDCT of
 * an s x s block (s = 8/d) from the block's s x s lowest coefficients is the
 * s-point inverse DCT with the 8-point one's scale factors,
 *
 *   g(x,y) = 1/4 sum_{u,v<s} C(u) C(v) F(v,u) cos((2x+1)u pi/2s) cos((2y+1)v pi/2s),
 *
 * C(0) = 1/sqrt 2, else 1: for s = 1 that is F(0,0)/8, the block's mean, and
 * in general the block box-filtered to s x s (what libjpeg's reduced IDCTs
 * compute too, up to their integer rounding).  Chroma planes at half the
 * output's resolution are upsampled by interpolation, others by repetition.
 *
 * Speed (decode of the 1400x1400 progressive bench cover at 1/2: 10.1 ms
 * CPU before these measures, 4.1 ms after): the bit reader lives in
 * registers and takes 8 bytes at a time; one table lookup gives most
 * coefficients with their value; the 4x4 and 2x2 IDCTs, upsampling and
 * colour conversion have SSE2 versions on x86-64 that compute the same numbers
 * as the C code (rtg_jpegprog_portable switches to the C code for the
 * tests that compare the two).  Memory: parse() only records the scans to
 * decode; decode() then runs all of them over a few MCU rows at a time,
 * into a ring of coefficient rows, and produces those rows' output from
 * them (luma never becomes a whole plane).  For a 3000x3000 cover at 1/4
 * that is 0.1 MiB of coefficients instead of 3.4 (whole-image arrays): in
 * a fresh process 940 page faults instead of 1730, and the decode 12 %
 * faster.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#define JP_SSE2 1
#endif

#include "jpegprog.h"
#include "status.h"

const char rtg_jpegprog_decoder[] = "progressive-reduced";
int rtg_jpegprog_portable;

#define NH RTG_JPEGPROG_NOT_HANDLED
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

/* MCU rows decoded at a time, every scan in turn (a scan's reader, table
 * and the rows' coefficients stay in cache; the coefficients of the whole
 * image are never kept); one more is kept for the output, which follows
 * one MCU row behind when chroma is interpolated from the next row */
#define BATCH 4
#define RING (BATCH + 1)

struct huff {
	bool defined;
	uint8_t counts[16];       /* codes of each length 1..16 */
	int32_t maxcode[17];      /* largest code of each length, -1: none */
	int32_t valoff[17];       /* symbol index = code + valoff[length] */
	uint8_t vals[256];
};
struct comp {
	int id, h, v, tq;
	int td, ta;           /* tables of the current scan */
	int s, nco;           /* IDCT size, coefficients kept per block (s*s) */
	int zmax;             /* highest kept zigzag position */
	int8_t slot[64];      /* zigzag position -> index in a block, -1: not kept */
	uint32_t bw, bh;      /* blocks covering the component's samples */
	uint32_t pbw, pbh;    /* blocks including the MCU padding */
	int16_t *coef;        /* kept coefficients (nco a block) of the MCU rows in
	                       * work: RING slots of v rows of pbw blocks */
	int8_t bits[64];      /* successive approximation: Al so far, -1 none */
};

/* Bit reader of a scan's entropy-coded data */
struct br {
	const uint8_t *p, *end;
	uint64_t acc;         /* next bits, left aligned; after the n valid ones
	                       * at most the true leading bits of byte p[0] */
	int n;                /* valid bits in acc */
	int zeros;            /* zero bytes supplied after a marker or the end,
	                       * up to ZEROS_MAX */
};

/* A scan that is decoded: its header, its tables and its reader's state,
 * which carries over from one batch of MCU rows to the next. */
struct scan {
	int ci[4], ns;        /* components (indices into dec.c) */
	int ss, se, ah, al;
	size_t end;           /* position of the marker after the data */
	struct huff h[4];     /* AC: h[0]; DC first scan: one per component */
	uint32_t *fast;       /* lookup tables: AC 1, DC first scan ns */
	struct br b;
	unsigned ri;          /* restart interval when the scan started (a DRI
	                       * may change it for the next scan), MCUs */
	int rst;              /* next RSTn */
	unsigned left;        /* MCUs left in the restart interval */
	unsigned eobrun;
	int pred[4];          /* DC predictors */
};

struct dec {
	const uint8_t *buf;
	size_t len;
	uint32_t w, h, mcux, mcuy;
	int nc, hmax, vmax;
	struct comp c[3];
	int s;                /* output IDCT size: 8 / scale denominator */
	struct huff dc[4], ac[4];
	struct scan *scan;    /* the scans decoded, in file order */
	int nscan, scancap;
	uint16_t q[4][64];    /* quantisation tables, zigzag order */
	bool qdef[4], sof, sos;
	unsigned ri;          /* restart interval, MCUs */
};

/* ---- bits ---------------------------------------------------------------- */

/* The count of supplied zero bytes stops here: more than 8 (acc's width)
 * already means an overrun whatever n is, and a count without a bound
 * overflowed 8 * zeros on a cut-off scan of a huge image (which also let
 * a wrapped count pass br_done) */
#define ZEROS_MAX 16

static uint32_t
be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

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

/* Canonical codes from the counts per length (T.81 C.2); false when a
 * length's codes do not fit in its bits with the all-ones code left unused
 * (T.81 C: no code is all ones; libjpeg's "Bogus Huffman table
 * definition" checks the same, after assigning each length's codes). */
static bool
huff_build(struct huff *h, const uint8_t *counts, const uint8_t *vals, int nvals)
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

/* ---- marker segments ---------------------------------------------------- */

/* The zigzag positions an s x s IDCT reads, and where they go in a block.
 * Zigzag order: anti-diagonals r + c = 0..14, even ones bottom-left to
 * top-right, odd ones top-right to bottom-left. */
static void
component_slots(struct comp *c)
{
	c->zmax = 0;
	for (int k = 0, diag = 0; diag < 15; diag++) {
		int lo = diag > 7 ? diag - 7 : 0, hi = diag < 7 ? diag : 7;
		for (int i = 0; i <= hi - lo; i++, k++) {
			int r = diag % 2 ? lo + i : hi - i, col = diag - r;
			c->slot[k] = (int8_t)(r < c->s && col < c->s ? r * c->s + col : -1);
			if (c->slot[k] >= 0)
				c->zmax = k;
		}
	}
}

static int
parse_sof(struct dec *d, const uint8_t *p, size_t n, int grey)
{
	if (d->sof || n < 6 || p[0] != 8)
		return NH;
	d->h = be16(p + 1);
	d->w = be16(p + 3);
	d->nc = p[5];
	if (d->w == 0 || d->h == 0 || d->nc != (grey ? 1 : 3) || n != 6 + 3 * (size_t)d->nc)
		return NH;
	d->hmax = d->vmax = 1;
	for (int i = 0; i < d->nc; i++) {
		struct comp *c = &d->c[i];
		c->id = p[6 + 3 * i];
		c->h = p[7 + 3 * i] >> 4;
		c->v = p[7 + 3 * i] & 15;
		c->tq = p[8 + 3 * i];
		if (c->h < 1 || c->h > 4 || c->v < 1 || c->v > 4 || c->tq > 3)
			return NH;
		for (int j = 0; j < i; j++)
			if (d->c[j].id == c->id)
				return NH;
		d->hmax = c->h > d->hmax ? c->h : d->hmax;
		d->vmax = c->v > d->vmax ? c->v : d->vmax;
		memset(c->bits, -1, sizeof c->bits);
	}
	if (d->nc == 1) /* one component: one block per MCU whatever it declares */
		d->c[0].h = d->c[0].v = d->hmax = d->vmax = 1;
	d->mcux = (d->w + 8 * (uint32_t)d->hmax - 1) / (8 * (uint32_t)d->hmax);
	d->mcuy = (d->h + 8 * (uint32_t)d->vmax - 1) / (8 * (uint32_t)d->vmax);
	for (int i = 0; i < d->nc; i++) {
		struct comp *c = &d->c[i];
		if (d->hmax % c->h || d->vmax % c->v)
			return NH; /* non-integer sampling ratios */
		/* A subsampled component (4:2:0 chroma) gets a larger IDCT, up to
		 * 4x4, so that its plane has the output's resolution where that
		 * is cheap, as libjpeg does (at 1/8, DC-only chroma upsampled by
		 * repetition moved saturated colours by up to 5 levels against
		 * libjpeg's 1/8 decode); at 1/2 it stays at half resolution. */
		int r = d->hmax / c->h;
		c->s = d->s;
		if (r == d->vmax / c->v)
			while (c->s < 4 && r > 1) {
				c->s *= 2;
				r /= 2;
			}
		c->nco = c->s * c->s;
		component_slots(c);
		uint32_t cw = (d->w * (uint32_t)c->h + (uint32_t)d->hmax - 1) / (uint32_t)d->hmax;
		uint32_t ch = (d->h * (uint32_t)c->v + (uint32_t)d->vmax - 1) / (uint32_t)d->vmax;
		c->bw = (cw + 7) / 8;
		c->bh = (ch + 7) / 8;
		c->pbw = d->mcux * (uint32_t)c->h;
		c->pbh = d->mcuy * (uint32_t)c->v;
	}
	d->sof = true;
	return 0;
}

static int
parse_dht(struct dec *d, const uint8_t *p, size_t n)
{
	while (n > 0) {
		if (n < 17)
			return NH;
		int tc = p[0] >> 4, th = p[0] & 15, total = 0;
		for (int i = 1; i <= 16; i++)
			total += p[i];
		if (tc > 1 || th > 3 || total > 256 || n < 17 + (size_t)total)
			return NH;
		if (!huff_build(tc ? &d->ac[th] : &d->dc[th], p + 1, p + 17, total))
			return NH;
		p += 17 + total;
		n -= 17 + (size_t)total;
	}
	return 0;
}

static int
parse_dqt(struct dec *d, const uint8_t *p, size_t n)
{
	if (d->sos) /* tables changing between scans: libjpeg's business */
		return NH;
	while (n > 0) {
		int pq = p[0] >> 4, tq = p[0] & 15;
		size_t sz = pq ? 128 : 64;
		if (pq > 1 || tq > 3 || n < 1 + sz)
			return NH;
		for (int k = 0; k < 64; k++)
			d->q[tq][k] = (uint16_t)(pq ? be16(p + 1 + 2 * k) : p[1 + k]);
		d->qdef[tq] = true;
		p += 1 + sz;
		n -= 1 + sz;
	}
	return 0;
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

/* Coefficients of block (bx, by) of c, in its MCU row's ring slot */
static inline int16_t *
block_at(const struct comp *c, uint32_t bx, uint32_t by)
{
	uint32_t v = (uint32_t)c->v, row = (by / v) % RING * v + by % v;
	return c->coef + ((size_t)row * c->pbw + bx) * (size_t)c->nco;
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

/* The scan whose header is p[0..n) and whose data start at pos; *next gets
 * the position of the marker after it. */
static int
scan(struct dec *d, const uint8_t *p, size_t n, size_t pos, size_t *next)
{
	struct comp *sc[4];

	if (n < 1) /* SOS length 2: no Ns (p[0] may be past the buffer) */
		return NH;
	int ns = p[0];
	if (!d->sof || ns < 1 || ns > d->nc || n != 4 + 2 * (size_t)ns)
		return NH;
	int units = 0;
	for (int j = 0; j < ns; j++) {
		int i = 0;
		while (i < d->nc && d->c[i].id != p[1 + 2 * j])
			i++;
		if (i == d->nc)
			return NH;
		for (int k = 0; k < j; k++)
			if (sc[k] == &d->c[i])
				return NH;
		sc[j] = &d->c[i];
		sc[j]->td = p[2 + 2 * j] >> 4;
		sc[j]->ta = p[2 + 2 * j] & 15;
		if (sc[j]->td > 3 || sc[j]->ta > 3)
			return NH;
		units += sc[j]->h * sc[j]->v;
	}
	int ss = p[1 + 2 * ns], se = p[2 + 2 * ns], ah = p[3 + 2 * ns] >> 4,
	    al = p[3 + 2 * ns] & 15;
	d->sos = true;
	/* the progression rules libjpeg enforces (its jdphuff.c start_pass) */
	if (ss == 0 ? se != 0 : ns != 1 || se < ss || se > 63)
		return NH;
	if ((ah != 0 && al != ah - 1) || al > 13 || (ns > 1 && units > 10))
		return NH;
	if (ss > 0 && sc[0]->bits[0] < 0) /* AC before the component's DC */
		return NH;
	for (int j = 0; j < ns; j++)
		for (int k = ss; k <= se; k++) {
			if (sc[j]->bits[k] != (ah == 0 ? -1 : ah))
				return NH;
			sc[j]->bits[k] = (int8_t)al;
		}

	/* AC refinement, or an AC band the reduced IDCT does not read: skipped */
	if (ss > 0 && (ah > 0 || ss > sc[0]->zmax)) {
		*next = rtg_jpeg_scan_end(d->buf, pos, d->len);
		return *next < d->len ? 0 : NH;
	}
	/* decoded later, MCU row by MCU row with the others: recorded with the
	 * tables it uses (a DHT may redefine them for the next scan) */
	*next = rtg_jpeg_scan_end(d->buf, pos, d->len);
	if (*next >= d->len)
		return NH;
	if (d->nscan == d->scancap) {
		/* the rules above allow at most 3 x (1 + 13 + 24) scans here */
		int cap = d->scancap ? 2 * d->scancap : 8;
		struct scan *ns2 = realloc(d->scan, (size_t)cap * sizeof *ns2);
		if (ns2 == NULL)
			return RTG_ERR_NOMEM;
		d->scan = ns2;
		d->scancap = cap;
	}
	struct scan *r = &d->scan[d->nscan];
	memset(r, 0, sizeof *r);
	r->ns = ns;
	r->ss = ss;
	r->se = se;
	r->ah = ah;
	r->al = al;
	r->end = *next;
	r->b = (struct br){ d->buf + pos, d->buf + *next, 0, 0, 0 };
	r->ri = d->ri;
	r->left = d->ri;
	for (int j = 0; j < ns; j++) {
		r->ci[j] = (int)(sc[j] - d->c);
		const struct huff *t = ss > 0 ? &d->ac[sc[j]->ta] : &d->dc[sc[j]->td];
		if ((ss > 0 || ah == 0) && !t->defined)
			return NH;
		r->h[j] = *t;
	}
	d->nscan++;
	return 0;
}

static int
parse(struct dec *d, int grey)
{
	const uint8_t *buf = d->buf;
	size_t i = 2;
	int rc;

	if (d->len < 4 || buf[0] != 0xFF || buf[1] != 0xD8)
		return NH;
	for (;;) {
		if (i + 2 > d->len || buf[i] != 0xFF)
			return NH;
		uint8_t m = buf[i + 1];
		if (m == 0xFF) { /* fill byte */
			i++;
			continue;
		}
		if (m == 0xD9) /* EOI */
			break;
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == 0xD8)
			return NH; /* stray marker */
		if (i + 4 > d->len)
			return NH;
		size_t seg = be16(buf + i + 2);
		if (seg < 2 || seg > d->len - i - 2)
			return NH;
		const uint8_t *p = buf + i + 4;
		size_t n = seg - 2;
		switch (m) {
		case 0xC2: /* progressive, Huffman */
			rc = parse_sof(d, p, n, grey);
			break;
		case 0xC4:
			rc = parse_dht(d, p, n);
			break;
		case 0xDB:
			rc = parse_dqt(d, p, n);
			break;
		case 0xDD: /* DRI */
			if (n != 2)
				return NH;
			d->ri = be16(p);
			rc = 0;
			break;
		case 0xDA: {
			size_t next;
			if ((rc = scan(d, p, n, i + 2 + seg, &next)) != 0)
				return rc;
			i = next;
			continue;
		}
		default:
			/* other frame types, arithmetic coding (DAC), DNL: not ours */
			if ((m >= 0xC0 && m <= 0xCF) || m == 0xDC)
				return NH;
			rc = 0; /* APPn, COM, ... */
			break;
		}
		if (rc != 0)
			return rc;
		i += 2 + seg;
	}
	if (!d->sof)
		return NH;
	for (int i2 = 0; i2 < d->nc; i2++)
		if (d->c[i2].bits[0] < 0 || !d->qdef[d->c[i2].tq])
			return NH; /* no DC for a component, or no table */
	return 0;
}

/* ---- output ---------------------------------------------------------------- */

/* 4-point inverse DCT with the 8-point one's scale factors (1/2 C(u)):
 * even part c(F0 +- F2), odd part from F1, F3; a = cos(pi/8), b = cos(3pi/8),
 * c = cos(pi/4). */
static inline void
idct4(const float *in, int istep, float *out, int ostep)
{
	const float c = 0.70710678f, a = 0.92387953f, b = 0.38268343f;
	float e0 = c * (in[0] + in[2 * istep]), e1 = c * (in[0] - in[2 * istep]);
	float o0 = a * in[istep] + b * in[3 * istep];
	float o1 = b * in[istep] - a * in[3 * istep];
	out[0] = 0.5f * (e0 + o0);
	out[ostep] = 0.5f * (e1 + o1);
	out[2 * ostep] = 0.5f * (e1 - o1);
	out[3 * ostep] = 0.5f * (e0 - o0);
}

/* v + 128 rounded and clamped to 0..255 (minss/maxss, no branches) */
static inline uint8_t
sample8(float v)
{
	v += 128.5f;
	v = v < 0.0f ? 0.0f : v;
	v = v > 255.0f ? 255.0f : v;
	return (uint8_t)(int)v;
}

/* Frequency u's gain in the mean of 8/s neighbouring samples: averaging
 * n = 8/s samples of cos((2k+1)u pi/16) around a point scales it by
 * (1/n) sum cos((2j+1-n)u pi/16) over j < n (the sine parts cancel). */
static float
box_gain(int s, int u)
{
	int n = 8 / s;
	double g = 0;
	for (int j = 0; j < n; j++)
		g += cos((2 * j + 1 - n) * u * M_PI / 16);
	return (float)(g / n);
}

/* Dequantisation factors of c's kept coefficients, with the IDCT's
 * scaling.  With the 8-point scale factors the 1-point IDCT is F0/8, the
 * 2-point one (F0 +- F1) c/2, so 2x2 outputs are (F00 +- F01 +- F10 +-
 * F11) / 8. */
static void
component_qf(const struct dec *d, const struct comp *c, float *qf)
{
	const int s = c->s;
	int kof[16];

	for (int k = 0; k < 64; k++)
		if (c->slot[k] >= 0)
			kof[c->slot[k]] = k;
	for (int i = 0; i < c->nco; i++) {
		int u = i % s, v = i / s;
		qf[i] = (float)d->q[c->tq][kof[i]] * 0.125f * (s == 4 ? 8.0f : 1.0f) *
		        box_gain(s, u) * box_gain(s, v);
	}
}

#ifdef JP_SSE2
/* 4x4 coefficients (rows: vertical frequency) to 4x4 samples at dst, pw
 * apart: idct4 on each row, then on each column, four at a time (the
 * same operations in the same order as the C code: the same samples). */
static inline void
idct4_sse2(__m128 i0, __m128 i1, __m128 i2, __m128 i3, __m128 *o)
{
	const __m128 c = _mm_set1_ps(0.70710678f), a = _mm_set1_ps(0.92387953f),
	             b = _mm_set1_ps(0.38268343f), h = _mm_set1_ps(0.5f);
	__m128 e0 = _mm_mul_ps(c, _mm_add_ps(i0, i2)), e1 = _mm_mul_ps(c, _mm_sub_ps(i0, i2));
	__m128 o0 = _mm_add_ps(_mm_mul_ps(a, i1), _mm_mul_ps(b, i3));
	__m128 o1 = _mm_sub_ps(_mm_mul_ps(b, i1), _mm_mul_ps(a, i3));
	o[0] = _mm_mul_ps(h, _mm_add_ps(e0, o0));
	o[1] = _mm_mul_ps(h, _mm_add_ps(e1, o1));
	o[2] = _mm_mul_ps(h, _mm_sub_ps(e1, o1));
	o[3] = _mm_mul_ps(h, _mm_sub_ps(e0, o0));
}

static inline void
idct4x4_sse2(const int16_t *blk, const float *qf, uint8_t *dst, size_t pw)
{
	__m128i k01 = _mm_loadu_si128((const __m128i *)(const void *)blk);
	__m128i k23 = _mm_loadu_si128((const __m128i *)(const void *)(blk + 8));
	/* int16 -> int32: the value in the high half, shifted down */
	__m128 r0 = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(k01, k01), 16));
	__m128 r1 = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(k01, k01), 16));
	__m128 r2 = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(k23, k23), 16));
	__m128 r3 = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(k23, k23), 16));
	__m128 t[4], o[4];

	r0 = _mm_mul_ps(r0, _mm_loadu_ps(qf));
	r1 = _mm_mul_ps(r1, _mm_loadu_ps(qf + 4));
	r2 = _mm_mul_ps(r2, _mm_loadu_ps(qf + 8));
	r3 = _mm_mul_ps(r3, _mm_loadu_ps(qf + 12));
	_MM_TRANSPOSE4_PS(r0, r1, r2, r3); /* lanes: rows, per horizontal frequency */
	idct4_sse2(r0, r1, r2, r3, t);     /* t[x]: column x */
	_MM_TRANSPOSE4_PS(t[0], t[1], t[2], t[3]);
	idct4_sse2(t[0], t[1], t[2], t[3], o); /* o[y]: row y */
	const __m128 bias = _mm_set1_ps(128.5f), lo = _mm_setzero_ps(), hi = _mm_set1_ps(255.0f);
	__m128i w[4];
	for (int y = 0; y < 4; y++)
		w[y] = _mm_cvttps_epi32(_mm_min_ps(_mm_max_ps(_mm_add_ps(o[y], bias), lo), hi));
	__m128i p = _mm_packus_epi16(_mm_packs_epi32(w[0], w[1]), _mm_packs_epi32(w[2], w[3]));
	for (int y = 0; y < 4; y++, p = _mm_srli_si128(p, 4)) {
		uint32_t v = (uint32_t)_mm_cvtsi128_si32(p);
		memcpy(dst + (size_t)y * pw, &v, 4);
	}
}
#endif

#ifdef JP_SSE2
/* Four 2x2 blocks side by side (their coefficients one after the other)
 * to 8 samples in each of two rows, the C code's sums in its order. */
static inline void
idct2x2_sse2(const int16_t *blk, const float *qf, uint8_t *dst, size_t pw)
{
	__m128i k01 = _mm_loadu_si128((const __m128i *)(const void *)blk);
	__m128i k23 = _mm_loadu_si128((const __m128i *)(const void *)(blk + 8));
	__m128 q = _mm_loadu_ps(qf);
	__m128 f0 = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(k01, k01), 16)), q);
	__m128 f1 = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(k01, k01), 16)), q);
	__m128 f2 = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(k23, k23), 16)), q);
	__m128 f3 = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(k23, k23), 16)), q);
	_MM_TRANSPOSE4_PS(f0, f1, f2, f3); /* fi: coefficient i of the four blocks */
	__m128 p01 = _mm_add_ps(f0, f1), m01 = _mm_sub_ps(f0, f1);
	__m128 o[4] = { _mm_add_ps(_mm_add_ps(p01, f2), f3), _mm_sub_ps(_mm_add_ps(m01, f2), f3),
	                _mm_sub_ps(_mm_sub_ps(p01, f2), f3), _mm_add_ps(_mm_sub_ps(m01, f2), f3) };
	const __m128 bias = _mm_set1_ps(128.5f), lo = _mm_setzero_ps(), hi = _mm_set1_ps(255.0f);
	__m128i w[4];
	for (int i = 0; i < 4; i++)
		w[i] = _mm_cvttps_epi32(_mm_min_ps(_mm_max_ps(_mm_add_ps(o[i], bias), lo), hi));
	/* rows: samples 0 and 1 (2 and 3) of each block in turn */
	__m128i r0 = _mm_packs_epi32(_mm_unpacklo_epi32(w[0], w[1]), _mm_unpackhi_epi32(w[0], w[1]));
	__m128i r1 = _mm_packs_epi32(_mm_unpacklo_epi32(w[2], w[3]), _mm_unpackhi_epi32(w[2], w[3]));
	_mm_storel_epi64((__m128i *)(void *)dst, _mm_packus_epi16(r0, r0));
	_mm_storel_epi64((__m128i *)(void *)(dst + pw), _mm_packus_epi16(r1, r1));
}
#endif

/* Inverse-transforms block row by of c into s sample rows at dst, pw
 * samples apart. */
static void
idct_row(const struct comp *c, const float *qf, uint32_t by, uint8_t *dst, size_t pw)
{
	const int16_t *blk = block_at(c, 0, by);

	if (c->s == 1) {
		for (uint32_t bx = 0; bx < c->pbw; bx++, blk++)
			dst[bx] = sample8(blk[0] * qf[0]);
	} else if (c->s == 2) {
		uint32_t bx = 0;
#ifdef JP_SSE2
		if (!rtg_jpegprog_portable)
			for (; bx + 4 <= c->pbw; bx += 4, blk += 16, dst += 8)
				idct2x2_sse2(blk, qf, dst, pw);
#endif
		for (; bx < c->pbw; bx++, blk += 4, dst += 2) {
			float f0 = blk[0] * qf[0], f1 = blk[1] * qf[1], f2 = blk[2] * qf[2],
			      f3 = blk[3] * qf[3];
			dst[0] = sample8(f0 + f1 + f2 + f3);
			dst[1] = sample8(f0 - f1 + f2 - f3);
			dst[pw] = sample8(f0 + f1 - f2 - f3);
			dst[pw + 1] = sample8(f0 - f1 - f2 + f3);
		}
	} else {
#ifdef JP_SSE2
		if (!rtg_jpegprog_portable) {
			for (uint32_t bx = 0; bx < c->pbw; bx++, blk += 16, dst += 4)
				idct4x4_sse2(blk, qf, dst, pw);
			return;
		}
#endif
		for (uint32_t bx = 0; bx < c->pbw; bx++, blk += 16, dst += 4) {
			float f[16], t[16], o[16];
			for (int i = 0; i < 16; i++)
				f[i] = blk[i] * qf[i];
			for (int v = 0; v < 4; v++) /* rows: horizontal frequencies */
				idct4(f + 4 * v, 1, t + 4 * v, 1);
			for (int x = 0; x < 4; x++) /* columns: vertical frequencies */
				idct4(t + x, 4, o + x, 4);
			for (int y = 0; y < 4; y++)
				for (int x = 0; x < 4; x++)
					dst[(size_t)y * pw + (size_t)x] = sample8(o[4 * y + x]);
		}
	}
}

/* How the output reads a component.  Samples come from a strip of one
 * MCU row (the v block rows of the current MCU row, transformed just
 * before the output rows that need them: no whole plane for the cache to
 * miss and the kernel to fault in), or, for a plane at half the output's
 * resolution both ways (4:2:0 chroma at 1/2), from the whole plane, whose
 * rows the interpolation reads across MCU rows. */
struct outc {
	uint8_t *buf;     /* strip or whole plane */
	size_t pw;        /* samples per row */
	float qf[16];
	bool fancy;       /* whole plane, interpolated */
	uint32_t *cols;   /* sample of output column x, NULL: x itself */
	int16_t *t;       /* fancy: the vertical pass of a row, edges repeated */
	uint8_t *row;     /* fancy or cols: the output row's samples */
};

/* Fancy upsampling of row y from the half-resolution plane: weights 3/4
 * and 1/4 from the nearer and the farther sample each way (the "fancy"
 * upsampling libjpeg applies too): repeating samples left chroma edges 8
 * levels off on average in tests/unit/test_jpegprog.c's picture.  Rows
 * cy = y / 2 and its neighbour towards y; 2 pw samples out. */
static void
upsample_row(const struct comp *c, struct outc *o, uint32_t y)
{
	const size_t pw = o->pw;
	const uint32_t ph = c->pbh * (uint32_t)c->s, cy = y / 2;
	uint32_t ny = y % 2 ? (cy + 1 < ph ? cy + 1 : cy) : (cy > 0 ? cy - 1 : 0);
	const uint8_t *a = o->buf + (size_t)cy * pw, *b = o->buf + (size_t)ny * pw;
	int16_t *t = o->t; /* t[1 + i]: sample i's vertical sum; edges repeated */
	uint8_t *out = o->row;
	size_t i = 0;

#ifdef JP_SSE2
	if (!rtg_jpegprog_portable) {
		const __m128i z = _mm_setzero_si128();
		for (; i + 8 <= pw; i += 8) {
			__m128i va = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(const void *)(a + i)), z);
			__m128i vb = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(const void *)(b + i)), z);
			__m128i v = _mm_add_epi16(_mm_add_epi16(va, _mm_add_epi16(va, va)), vb);
			_mm_storeu_si128((__m128i *)(void *)(t + 1 + i), v);
		}
	}
#endif
	for (; i < pw; i++)
		t[1 + i] = (int16_t)(3 * a[i] + b[i]);
	t[0] = t[1];
	t[pw + 1] = t[pw];
	/* 16ths; rounding 8 and 7 alternately, as libjpeg, against drift */
	i = 0;
#ifdef JP_SSE2
	if (!rtg_jpegprog_portable) {
		const __m128i z = _mm_setzero_si128(), k7 = _mm_set1_epi16(7), k8 = _mm_set1_epi16(8);
		for (; i + 8 <= pw; i += 8) {
			__m128i m = _mm_loadu_si128((const __m128i *)(const void *)(t + 1 + i));
			__m128i l = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
			__m128i r = _mm_loadu_si128((const __m128i *)(const void *)(t + 2 + i));
			__m128i m3 = _mm_add_epi16(m, _mm_add_epi16(m, m));
			__m128i ev = _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(m3, l), k8), 4);
			__m128i od = _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(m3, r), k7), 4);
			_mm_storeu_si128((__m128i *)(void *)(out + 2 * i),
			                 _mm_unpacklo_epi8(_mm_packus_epi16(ev, z), _mm_packus_epi16(od, z)));
		}
	}
#endif
	for (; i < pw; i++) {
		out[2 * i] = (uint8_t)((3 * t[1 + i] + t[i] + 8) >> 4);
		out[2 * i + 1] = (uint8_t)((3 * t[1 + i] + t[2 + i] + 7) >> 4);
	}
}

/* JFIF: R = Y + 1.402 Cr, G = Y - 0.344136 Cb - 0.714136 Cr,
 * B = Y + 1.772 Cb (Cb, Cr centred on 128), in 16.16 fixed point, rounded
 * (the 2^24 bias keeps the shifted values non-negative). */
static void
ycc_rgba(const uint8_t *ry, const uint8_t *rb, const uint8_t *rr, uint32_t ow, uint8_t *q)
{
	uint32_t x = 0;
#ifdef JP_SSE2
	/* The same sums in 16-bit lanes, exactly: with c = Cr - 128 and
	 * floor((X + 32768) / 65536) = ((X >> 15) + 1) >> 1 (X >> 15 from
	 * pmulhw of 2c), 91881 c = 65536 c + 26345 c, 116130 b = 131072 b -
	 * 14942 b, and G's -22554 b - 46802 c = -65536 c + (-22554 b + 18734 c)
	 * in 32 bits (pmaddwd).  packus clamps to 0..255. */
	if (!rtg_jpegprog_portable) {
		const __m128i z = _mm_setzero_si128(), k128 = _mm_set1_epi16(128),
		              one = _mm_set1_epi16(1), kr = _mm_set1_epi16(26345),
		              kb = _mm_set1_epi16(-14942), kg = _mm_set_epi16(18734, -22554, 18734,
		              -22554, 18734, -22554, 18734, -22554),
		              half = _mm_set1_epi32(32768), alpha = _mm_set1_epi8(-1);
		for (; x + 8 <= ow; x += 8, q += 32) {
			__m128i y8 = _mm_loadl_epi64((const __m128i *)(const void *)(ry + x));
			__m128i b8 = _mm_loadl_epi64((const __m128i *)(const void *)(rb + x));
			__m128i c8 = _mm_loadl_epi64((const __m128i *)(const void *)(rr + x));
			__m128i yy = _mm_unpacklo_epi8(y8, z);
			__m128i b = _mm_sub_epi16(_mm_unpacklo_epi8(b8, z), k128);
			__m128i c = _mm_sub_epi16(_mm_unpacklo_epi8(c8, z), k128);
			__m128i b2 = _mm_add_epi16(b, b), c2 = _mm_add_epi16(c, c);
			__m128i rt = _mm_add_epi16(c, _mm_srai_epi16(
			        _mm_add_epi16(_mm_mulhi_epi16(c2, kr), one), 1));
			__m128i bt = _mm_add_epi16(b2, _mm_srai_epi16(
			        _mm_add_epi16(_mm_mulhi_epi16(b2, kb), one), 1));
			__m128i glo = _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(
			        _mm_unpacklo_epi16(b, c), kg), half), 16);
			__m128i ghi = _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(
			        _mm_unpackhi_epi16(b, c), kg), half), 16);
			__m128i gt = _mm_sub_epi16(_mm_packs_epi32(glo, ghi), c);
			__m128i r = _mm_packus_epi16(_mm_add_epi16(yy, rt), z);
			__m128i g = _mm_packus_epi16(_mm_add_epi16(yy, gt), z);
			__m128i bl = _mm_packus_epi16(_mm_add_epi16(yy, bt), z);
			__m128i rg = _mm_unpacklo_epi8(r, g), ba = _mm_unpacklo_epi8(bl, alpha);
			_mm_storeu_si128((__m128i *)(void *)q, _mm_unpacklo_epi16(rg, ba));
			_mm_storeu_si128((__m128i *)(void *)(q + 16), _mm_unpackhi_epi16(rg, ba));
		}
	}
#endif
	for (; x < ow; x++, q += 4) {
		int yy = ry[x], u = rb[x] - 128, v = rr[x] - 128;
		int r = yy + ((91881 * v + 32768 + (1 << 24)) >> 16) - 256;
		int g = yy + ((-22554 * u - 46802 * v + 32768 + (1 << 24)) >> 16) - 256;
		int b = yy + ((116130 * u + 32768 + (1 << 24)) >> 16) - 256;
		q[0] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
		q[1] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
		q[2] = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
		q[3] = 255;
	}
}

void
rtg_jpegprog_ycc_rgba(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, size_t n,
                      uint8_t *rgba)
{
	for (size_t i = 0; i < n; i += UINT32_MAX) {
		uint32_t m = n - i < UINT32_MAX ? (uint32_t)(n - i) : UINT32_MAX;
		ycc_rgba(y + i, cb + i, cr + i, m, rgba + 4 * i);
	}
}

/* The output rows of MCU row my */
static void
output_rows(const struct dec *d, struct outc *o, uint32_t my, uint32_t ow, uint32_t oh,
            uint8_t *px)
{
	const uint32_t rows = (uint32_t)(d->vmax * d->s); /* output rows per MCU row */
	const uint32_t y0 = my * rows, y1 = oh - y0 < rows ? oh : y0 + rows;

	for (int i = 0; i < d->nc; i++) {
		const struct comp *c = &d->c[i];
		if (o[i].fancy)
			continue;
		for (int r = 0; r < c->v; r++)
			idct_row(c, o[i].qf, my * (uint32_t)c->v + (uint32_t)r,
			         o[i].buf + (size_t)r * (size_t)c->s * o[i].pw, o[i].pw);
	}
	for (uint32_t y = y0; y < y1; y++) {
		const uint8_t *src[3];
		for (int i = 0; i < d->nc; i++) {
			const struct comp *c = &d->c[i];
			struct outc *oc = &o[i];
			if (oc->fancy) {
				upsample_row(c, oc, y);
				src[i] = oc->row;
				continue;
			}
			/* plane row y * (v s_c) / (vmax s), in the strip: the ratio
			 * is integer, so MCU row my starts it */
			uint32_t py = (y - y0) * (uint32_t)(c->v * c->s) / rows;
			src[i] = oc->buf + (size_t)py * oc->pw;
			if (oc->cols != NULL) {
				for (uint32_t x = 0; x < ow; x++)
					oc->row[x] = src[i][oc->cols[x]];
				src[i] = oc->row;
			}
		}
		uint8_t *q = px + (size_t)y * ow * 4;
		if (d->nc == 1) {
			for (uint32_t x = 0; x < ow; x++, q += 4) {
				q[0] = q[1] = q[2] = src[0][x];
				q[3] = 255;
			}
		} else {
			ycc_rgba(src[0], src[1], src[2], ow, q);
		}
	}
}

/* Decodes the scans recorded by parse(), BATCH MCU rows at a time, and
 * produces the output: an MCU row's output rows as soon as the planes they
 * read are complete (interpolated chroma reads the next MCU row's first
 * samples, so then the output follows one MCU row behind). */
static int
decode(struct dec *d, int denom, struct rtg_image *img)
{
	const uint32_t ow = (d->w + (uint32_t)denom - 1) / (uint32_t)denom;
	const uint32_t oh = (d->h + (uint32_t)denom - 1) / (uint32_t)denom;
	const uint32_t rows = (uint32_t)(d->vmax * d->s);
	struct outc o[3];
	uint8_t *px = NULL;
	uint32_t *fast = NULL;
	size_t nfast = 0;
	bool lag = false;
	int rc = RTG_ERR_NOMEM;

	memset(o, 0, sizeof o);
	for (int i = 0; i < d->nscan; i++)
		nfast += d->scan[i].ss > 0 ? 1 : d->scan[i].ah == 0 ? (size_t)d->scan[i].ns : 0;
	if ((fast = malloc((nfast << FAST) * sizeof *fast)) == NULL)
		goto out;
	nfast = 0;
	for (int i = 0; i < d->nscan; i++) {
		struct scan *sc = &d->scan[i];
		sc->fast = fast + (nfast << FAST);
		for (int j = 0; j < (sc->ss > 0 ? 1 : sc->ah == 0 ? sc->ns : 0); j++, nfast++)
			huff_fast(&sc->h[j], sc->ss == 0, sc->al, fast + (nfast << FAST));
	}
	for (int i = 0; i < d->nc; i++) {
		struct comp *c = &d->c[i];
		struct outc *oc = &o[i];
		uint32_t num = (uint32_t)(c->h * c->s), den = (uint32_t)(d->hmax * d->s);
		/* sizes: pbw, pbh <= 65535/8 * 4 + 4, s <= 4, nco <= 16 */
		c->coef = malloc((size_t)RING * (size_t)c->v * c->pbw * (size_t)c->nco *
		                 sizeof *c->coef);
		if (c->coef == NULL)
			goto out;
		oc->pw = (size_t)c->pbw * (size_t)c->s;
		component_qf(d, c, oc->qf);
		oc->fancy = 2 * num == den && 2 * c->v * c->s == d->vmax * d->s;
		if (oc->fancy) {
			lag = true;
			oc->buf = malloc(oc->pw * c->pbh * (size_t)c->s);
			oc->t = malloc((oc->pw + 2) * sizeof *oc->t);
			oc->row = malloc(2 * oc->pw);
			if (oc->buf == NULL || oc->t == NULL || oc->row == NULL)
				goto out;
			continue;
		}
		oc->buf = malloc(oc->pw * (size_t)c->v * (size_t)c->s);
		if (oc->buf == NULL)
			goto out;
		if (num != den) { /* repeated samples: num / den <= 1/2 */
			oc->cols = malloc((size_t)ow * sizeof *oc->cols);
			oc->row = malloc(ow);
			if (oc->cols == NULL || oc->row == NULL)
				goto out;
			for (uint32_t x = 0; x < ow; x++)
				oc->cols[x] = (uint32_t)((uint64_t)x * num / den);
		}
	}
	if ((px = malloc((size_t)ow * oh * 4)) == NULL)
		goto out;
	rc = NH;
	for (uint32_t my0 = 0, next = 0; my0 < d->mcuy; my0 += BATCH) {
		uint32_t my1 = d->mcuy - my0 < BATCH ? d->mcuy : my0 + BATCH;
		for (int i = 0; i < d->nc; i++) {
			const struct comp *c = &d->c[i];
			for (uint32_t my = my0; my < my1; my++)
				memset(block_at(c, 0, my * (uint32_t)c->v), 0,
				       (size_t)c->v * c->pbw * (size_t)c->nco * sizeof *c->coef);
		}
		for (int i = 0; i < d->nscan; i++)
			if (!(d->scan[i].ss > 0 ? scan_ac(d, &d->scan[i], my0, my1)
			                        : scan_dc(d, &d->scan[i], my0, my1)))
				goto out;
		for (int i = 0; i < d->nc; i++) {
			const struct comp *c = &d->c[i];
			if (o[i].fancy)
				for (uint32_t by = my0 * (uint32_t)c->v; by < my1 * (uint32_t)c->v; by++)
					idct_row(c, o[i].qf, by,
					         o[i].buf + (size_t)by * (size_t)c->s * o[i].pw, o[i].pw);
		}
		uint32_t done = lag && my1 < d->mcuy ? my1 - 1 : my1;
		for (; next < done && next * rows < oh; next++)
			output_rows(d, o, next, ow, oh, px);
	}
	for (int i = 0; i < d->nscan; i++) {
		const struct scan *sc = &d->scan[i];
		/* the data must end where the marker is (no bytes left over) */
		if (!br_done(&sc->b) || sc->b.p != d->buf + sc->end)
			goto out;
	}
	img->px = px;
	img->width = ow;
	img->height = oh;
	img->full_width = d->w;
	img->full_height = d->h;
	img->scale_denom = denom;
	img->decoder = rtg_jpegprog_decoder;
	px = NULL;
	rc = 0;
out:
	free(px);
	free(fast);
	for (int i = 0; i < 3; i++) {
		free(o[i].buf);
		free(o[i].cols);
		free(o[i].t);
		free(o[i].row);
	}
	return rc;
}

int
rtg_jpegprog_decode(const uint8_t *buf, size_t len, int denom, int grey,
                    struct rtg_image *img, char *err)
{
	struct dec *d;
	int rc;

	if (denom != 2 && denom != 4 && denom != 8)
		return NH;
	if ((d = calloc(1, sizeof *d)) == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a JPEG");
	d->buf = buf;
	d->len = len;
	d->s = 8 / denom;
	rc = parse(d, grey);
	if (rc == 0)
		rc = decode(d, denom, img);
	for (int i = 0; i < 3; i++)
		free(d->c[i].coef);
	free(d->scan);
	free(d);
	if (rc == RTG_ERR_NOMEM)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a JPEG");
	return rc;
}
