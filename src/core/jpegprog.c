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
 * compute too, up to their integer rounding).  Chroma planes are upsampled
 * by repetition.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpegprog.h"
#include "status.h"

const char rtg_jpegprog_decoder[] = "progressive-reduced";

#define NH RTG_JPEGPROG_NOT_HANDLED
#define FAST 9 /* bits looked up at once in a Huffman table */

struct huff {
	bool defined;
	uint16_t fast[1 << FAST]; /* length << 8 | symbol; 0: longer code */
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
	int16_t *coef;        /* pbw * pbh blocks of nco kept coefficients */
	uint8_t *plane;       /* samples after the IDCT: pbw*s x pbh*s */
	int pred;             /* DC predictor */
	int8_t bits[64];      /* successive approximation: Al so far, -1 none */
};

struct dec {
	const uint8_t *buf;
	size_t len;
	uint32_t w, h, mcux, mcuy;
	int nc, hmax, vmax;
	struct comp c[3];
	int s;                /* output IDCT size: 8 / scale denominator */
	struct huff dc[4], ac[4];
	uint16_t q[4][64];    /* quantisation tables, zigzag order */
	bool qdef[4], sof, sos;
	unsigned ri;          /* restart interval, MCUs */
	unsigned eobrun;
};

/* ---- bits ---------------------------------------------------------------- */

struct br {
	const uint8_t *p, *end;
	uint64_t acc;         /* next bits, left aligned */
	int n;                /* valid bits in acc */
	int zeros;            /* zero bytes supplied after a marker or the end */
};

static uint32_t
be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* Tops acc up to more than 56 bits.  Stuffed 0xFF 0x00 is one 0xFF; at a
 * marker (or the end of the buffer) reading stops and zeros are supplied,
 * counted so that running past the data can be detected. */
static inline void
br_fill(struct br *b)
{
	while (b->n <= 56) {
		unsigned c = 0;
		if (b->zeros == 0 && b->p < b->end) {
			c = *b->p;
			if (c != 0xFF) {
				b->p++;
			} else if (b->p + 1 < b->end && b->p[1] == 0x00) {
				b->p += 2;
			} else {
				c = 0;
				b->zeros++;
			}
		} else {
			b->zeros++;
		}
		b->acc |= (uint64_t)c << (56 - b->n);
		b->n += 8;
	}
}

/* 0 <= s <= 16 */
static inline unsigned
br_bits(struct br *b, int s)
{
	if (s == 0)
		return 0;
	if (b->n < s)
		br_fill(b);
	unsigned v = (unsigned)(b->acc >> (64 - s));
	b->acc <<= s;
	b->n -= s;
	return v;
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

static inline int
huff_decode(struct br *b, const struct huff *h)
{
	if (b->n < 16)
		br_fill(b);
	uint32_t peek = (uint32_t)(b->acc >> 48);
	uint16_t e = h->fast[peek >> (16 - FAST)];
	if (e != 0) {
		b->acc <<= e >> 8;
		b->n -= e >> 8;
		return e & 0xFF;
	}
	for (int l = FAST + 1; l <= 16; l++) {
		int32_t code = (int32_t)(peek >> (16 - l));
		if (code <= h->maxcode[l]) {
			int32_t i = code + h->valoff[l];
			if (i < 0 || i > 255)
				return -1;
			b->acc <<= l;
			b->n -= l;
			return h->vals[i];
		}
	}
	return -1;
}

/* Canonical codes from the counts per length (T.81 C.2); false when the
 * counts do not fit in 16 bits (libjpeg's "bad Huffman table"). */
static bool
huff_build(struct huff *h, const uint8_t *counts, const uint8_t *vals, int nvals)
{
	int32_t code = 0;
	int k = 0;

	memset(h, 0, sizeof *h);
	memcpy(h->vals, vals, (size_t)nvals);
	for (int l = 1; l <= 16; l++) {
		int n = counts[l - 1];
		h->valoff[l] = k - code;
		h->maxcode[l] = n ? code + n - 1 : -1;
		for (int i = 0; i < n; i++, k++, code++) {
			if (code >= (1 << l))
				return false;
			if (l <= FAST) {
				int sh = FAST - l;
				for (int j = 0; j < (1 << sh); j++)
					h->fast[(code << sh) | j] = (uint16_t)(l << 8 | vals[k]);
			}
		}
		code <<= 1;
	}
	h->defined = true;
	return true;
}

size_t
rtg_jpeg_scan_end(const uint8_t *b, size_t i, size_t len)
{
	while (i + 1 < len) {
		const uint8_t *ff = memchr(b + i, 0xFF, len - 1 - i);
		if (ff == NULL)
			return len;
		i = (size_t)(ff - b);
		if (b[i + 1] != 0x00 && !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7))
			return i;
		i += 2;
	}
	return len;
}

/* At a restart interval's end: the padding bits go, RSTn must follow
 * right where the data stopped. */
static bool
br_restart(struct br *b, int *rst)
{
	if (br_overrun(b))
		return false;
	/* acc only ever holds bytes before the marker, so p is at it unless
	 * bytes were left over (not a valid interval) */
	if (b->p + 2 > b->end || b->p[0] != 0xFF || b->p[1] != 0xD0 + *rst)
		return false;
	b->p += 2;
	b->acc = 0;
	b->n = 0;
	b->zeros = 0;
	*rst = (*rst + 1) & 7;
	return true;
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
		/* sizes: at most 65535/8 * 4 blocks a side, s*s <= 16 */
		c->coef = calloc((size_t)c->pbw * c->pbh * (size_t)c->nco, sizeof *c->coef);
		if (c->coef == NULL)
			return RTG_ERR_NOMEM;
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

static int16_t
clamp16(int32_t v)
{
	return (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
}

/* One DC data unit: first scan (Huffman-coded difference) or refinement
 * (one raw bit). */
static inline bool
dc_unit(struct dec *d, struct br *b, struct comp *c, int16_t *blk, int ah, int al)
{
	if (ah == 0) {
		int s = huff_decode(b, &d->dc[c->td]);
		if (s < 0 || s > 15)
			return false;
		c->pred += extend(br_bits(b, s), s);
		if (c->pred < INT16_MIN || c->pred > INT16_MAX)
			return false;
		blk[0] = clamp16(c->pred * (1 << al));
	} else if (br_bits(b, 1)) {
		blk[0] = (int16_t)(uint16_t)((uint16_t)blk[0] | (1u << al));
	}
	return true;
}

/* One block of an AC first scan, band ss..se (T.81 G.1.2.2). */
static inline bool
ac_unit(struct dec *d, struct br *b, const struct huff *t, const int8_t *slot, int16_t *blk,
        int ss, int se, int al)
{
	if (d->eobrun > 0) {
		d->eobrun--;
		return true;
	}
	for (int k = ss; k <= se;) {
		int rs = huff_decode(b, t);
		if (rs < 0)
			return false;
		int r = rs >> 4, s = rs & 15;
		if (s != 0) {
			k += r;
			if (k > se)
				return false;
			int v = extend(br_bits(b, s), s);
			if (slot[k] >= 0)
				blk[slot[k]] = clamp16(v * (1 << al));
			k++;
		} else if (r == 15) {
			k += 16; /* sixteen zeros */
		} else {
			d->eobrun = (1u << r) - 1 + br_bits(b, r);
			break;
		}
	}
	return true;
}

/* The scan whose header is p[0..n) and whose data start at pos; *next gets
 * the position of the marker after it. */
static int
scan(struct dec *d, const uint8_t *p, size_t n, size_t pos, size_t *next)
{
	struct comp *sc[4];
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
	const struct huff *t = ss > 0 ? &d->ac[sc[0]->ta] : NULL;
	if (ss > 0 && !t->defined)
		return NH;
	for (int j = 0; ss == 0 && ah == 0 && j < ns; j++)
		if (!d->dc[sc[j]->td].defined)
			return NH;

	struct br b = { d->buf + pos, d->buf + d->len, 0, 0, 0 };
	int rst = 0;
	unsigned left = d->ri;
	d->eobrun = 0;
	for (int j = 0; j < ns; j++)
		sc[j]->pred = 0;
	if (ns == 1) { /* non-interleaved: the component's own block grid */
		struct comp *c = sc[0];
		for (uint32_t by = 0; by < c->bh; by++)
			for (uint32_t bx = 0; bx < c->bw; bx++) {
				if (d->ri != 0 && left-- == 0) {
					if (!br_restart(&b, &rst))
						return NH;
					left = d->ri - 1;
					c->pred = 0;
					d->eobrun = 0;
				}
				int16_t *blk = c->coef + ((size_t)by * c->pbw + bx) * (size_t)c->nco;
				if (!(ss == 0 ? dc_unit(d, &b, c, blk, ah, al)
				              : ac_unit(d, &b, t, c->slot, blk, ss, se, al)))
					return NH;
			}
	} else { /* interleaved (DC only): MCUs of h x v blocks per component */
		for (uint32_t my = 0; my < d->mcuy; my++)
			for (uint32_t mx = 0; mx < d->mcux; mx++) {
				if (d->ri != 0 && left-- == 0) {
					if (!br_restart(&b, &rst))
						return NH;
					left = d->ri - 1;
					for (int j = 0; j < ns; j++)
						sc[j]->pred = 0;
				}
				for (int j = 0; j < ns; j++) {
					struct comp *c = sc[j];
					for (int y = 0; y < c->v; y++)
						for (int x = 0; x < c->h; x++) {
							size_t bi = ((size_t)my * (uint32_t)c->v + (uint32_t)y) *
							            c->pbw + mx * (uint32_t)c->h + (uint32_t)x;
							if (!dc_unit(d, &b, c, c->coef + bi * (size_t)c->nco, ah, al))
								return NH;
						}
				}
			}
	}
	if (br_overrun(&b))
		return NH;
	/* the data must end where the marker is (no bytes left over) */
	*next = rtg_jpeg_scan_end(d->buf, (size_t)(b.p - d->buf), d->len);
	return *next == (size_t)(b.p - d->buf) && *next < d->len ? 0 : NH;
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

static inline uint8_t
sample8(float v)
{
	v += 128.5f;
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : (int)v);
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

/* Dequantise and inverse-transform every block of c into c->plane.  With
 * the 8-point scale factors the 1-point IDCT is F0/8, the 2-point one
 * (F0 +- F1) c/2, so 2x2 outputs are (F00 +- F01 +- F10 +- F11) / 8. */
static int
component_plane(struct dec *d, struct comp *c)
{
	const int s = c->s;
	const size_t pw = (size_t)c->pbw * (size_t)s;
	float qf[16];
	int kof[16];

	c->plane = malloc(pw * c->pbh * (size_t)s);
	if (c->plane == NULL)
		return RTG_ERR_NOMEM;
	for (int k = 0; k < 64; k++)
		if (c->slot[k] >= 0)
			kof[c->slot[k]] = k;
	for (int i = 0; i < c->nco; i++) {
		int u = i % s, v = i / s;
		qf[i] = (float)d->q[c->tq][kof[i]] * 0.125f * (s == 4 ? 8.0f : 1.0f) *
		        box_gain(s, u) * box_gain(s, v);
	}
	for (uint32_t by = 0; by < c->pbh; by++) {
		const int16_t *blk = c->coef + (size_t)by * c->pbw * (size_t)c->nco;
		uint8_t *dst = c->plane + (size_t)by * (size_t)s * pw;
		for (uint32_t bx = 0; bx < c->pbw; bx++, blk += c->nco, dst += s) {
			if (s == 1) {
				dst[0] = sample8(blk[0] * qf[0]);
			} else if (s == 2) {
				float f0 = blk[0] * qf[0], f1 = blk[1] * qf[1], f2 = blk[2] * qf[2],
				      f3 = blk[3] * qf[3];
				dst[0] = sample8(f0 + f1 + f2 + f3);
				dst[1] = sample8(f0 - f1 + f2 - f3);
				dst[pw] = sample8(f0 + f1 - f2 - f3);
				dst[pw + 1] = sample8(f0 - f1 - f2 + f3);
			} else {
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
	free(c->coef);
	c->coef = NULL;
	return 0;
}

static uint8_t
clamp8(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Plane offsets of component c for output columns 0..ow-1 (*cols) and the
 * plane row of output row y: output pixel x covers plane sample
 * x * (h * s_c) / (hmax * s) (integer ratios, at most 1). */
static uint32_t *
plane_cols(const struct dec *d, const struct comp *c, uint32_t ow)
{
	uint32_t num = (uint32_t)(c->h * c->s), den = (uint32_t)(d->hmax * d->s);
	uint32_t *cols = malloc((size_t)ow * sizeof *cols);
	if (cols != NULL)
		for (uint32_t x = 0; x < ow; x++)
			cols[x] = (uint32_t)((uint64_t)x * num / den);
	return cols;
}

static const uint8_t *
plane_row(const struct dec *d, const struct comp *c, uint32_t y)
{
	uint64_t py = (uint64_t)y * (uint32_t)(c->v * c->s) / (uint32_t)(d->vmax * d->s);
	return c->plane + (size_t)py * c->pbw * (size_t)c->s;
}

/* A plane at half the output's resolution both ways (4:2:0 chroma at 1/2)
 * is upsampled by interpolation, weights 3/4 and 1/4 from the nearer and
 * the farther sample each way (the "fancy" upsampling libjpeg applies
 * too): repeating samples left chroma edges 8 levels off on average in
 * tests/unit/test_jpegprog.c's picture.  row: plane row y / 2 and its
 * neighbour towards y; out: ow samples. */
static void
upsample_row(const struct dec *d, const struct comp *c, uint32_t y, uint32_t ow, int *t,
             uint8_t *out)
{
	const size_t pw = (size_t)c->pbw * (size_t)c->s;
	const uint32_t ph = c->pbh * (uint32_t)c->s, cy = y / 2;
	uint32_t ny = y % 2 ? (cy + 1 < ph ? cy + 1 : cy) : (cy > 0 ? cy - 1 : 0);
	const uint8_t *a = c->plane + (size_t)cy * pw, *b = c->plane + (size_t)ny * pw;
	(void)d;
	for (size_t i = 0; i < pw; i++)
		t[i] = 3 * a[i] + b[i];
	for (uint32_t x = 0; x < ow; x++) {
		size_t i = x / 2;
		int n = x % 2 ? t[i + 1 < pw ? i + 1 : i] : t[i > 0 ? i - 1 : 0];
		/* 16ths; rounding 8 and 7 alternately, as libjpeg, against drift */
		out[x] = (uint8_t)((3 * t[i] + n + (x % 2 ? 7 : 8)) >> 4);
	}
}

static int
output(struct dec *d, int denom, struct rtg_image *img)
{
	uint32_t ow = (d->w + (uint32_t)denom - 1) / (uint32_t)denom;
	uint32_t oh = (d->h + (uint32_t)denom - 1) / (uint32_t)denom;
	uint32_t *cols[3] = { NULL, NULL, NULL };
	uint8_t *px = NULL, *up[3] = { NULL, NULL, NULL };
	int *tmp[3] = { NULL, NULL, NULL };
	int rc = RTG_ERR_NOMEM;

	for (int i = 0; i < d->nc; i++) {
		struct comp *c = &d->c[i];
		if ((rc = component_plane(d, c)) != 0)
			goto out;
		rc = RTG_ERR_NOMEM;
		if ((cols[i] = plane_cols(d, c, ow)) == NULL)
			goto out;
		if (c->h * c->s * 2 == d->hmax * d->s && c->v * c->s * 2 == d->vmax * d->s) {
			for (uint32_t x = 0; x < ow; x++)
				cols[i][x] = x;
			up[i] = malloc(ow);
			tmp[i] = malloc((size_t)c->pbw * (size_t)c->s * sizeof *tmp[i]);
			if (up[i] == NULL || tmp[i] == NULL)
				goto out;
		}
	}
	if ((px = malloc((size_t)ow * oh * 4)) == NULL)
		goto out;
	/* JFIF: R = Y + 1.402 Cr, G = Y - 0.344136 Cb - 0.714136 Cr,
	 * B = Y + 1.772 Cb (Cb, Cr centred on 128), as tables of the 16.16
	 * fixed-point terms rounded (the 2^24 bias keeps the shifted values
	 * non-negative), and a table that clamps Y + term to 0..255 (terms
	 * stay within +-227, so index 384 + Y + term is within 157..866) */
	int cr_r[256], cb_b[256], cb_g[256], cr_g[256];
	uint8_t lim[1024];
	for (int i = 0; i < 256; i++) {
		int t = i - 128;
		cr_r[i] = ((91881 * t + 32768 + (1 << 24)) >> 16) - 256 + 384;
		cb_b[i] = ((116130 * t + 32768 + (1 << 24)) >> 16) - 256 + 384;
		cb_g[i] = -22554 * t;
		cr_g[i] = -46802 * t + 32768 + (1 << 24);
	}
	for (int i = 0; i < 1024; i++)
		lim[i] = clamp8(i - 384);
	for (uint32_t y = 0; y < oh; y++) {
		uint8_t *q = px + (size_t)y * ow * 4;
		const uint8_t *ry = up[0] ? up[0] : plane_row(d, &d->c[0], y);
		const uint32_t *cy = cols[0];
		for (int i = 0; i < d->nc; i++)
			if (up[i] != NULL)
				upsample_row(d, &d->c[i], y, ow, tmp[i], up[i]);
		if (d->nc == 1) {
			for (uint32_t x = 0; x < ow; x++, q += 4) {
				q[0] = q[1] = q[2] = ry[cy[x]];
				q[3] = 255;
			}
			continue;
		}
		const uint8_t *rb = up[1] ? up[1] : plane_row(d, &d->c[1], y);
		const uint8_t *rr = up[2] ? up[2] : plane_row(d, &d->c[2], y);
		const uint32_t *cb = cols[1], *cr = cols[2];
		for (uint32_t x = 0; x < ow; x++, q += 4) {
			int yy = ry[cy[x]], u = rb[cb[x]], v = rr[cr[x]];
			q[0] = lim[yy + cr_r[v]];
			q[1] = lim[yy + ((cb_g[u] + cr_g[v]) >> 16) - 256 + 384];
			q[2] = lim[yy + cb_b[u]];
			q[3] = 255;
		}
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
	for (int i = 0; i < 3; i++) {
		free(cols[i]);
		free(up[i]);
		free(tmp[i]);
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
		rc = output(d, denom, img);
	for (int i = 0; i < 3; i++) {
		free(d->c[i].coef);
		free(d->c[i].plane);
	}
	free(d);
	if (rc == RTG_ERR_NOMEM)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a JPEG");
	return rc;
}
