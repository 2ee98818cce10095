/* jpegprog.c - progressive JPEG at 1/2, 1/4 or 1/8 scale (see jpegprog.h):
 * the entry, the marker segments, and the schedule that runs the recorded
 * scans (jpegprog_scan.c) and the output (jpegprog_out.c) over a few MCU
 * rows at a time.
 *
 * Written from ITU-T T.81 (JPEG): markers (B.1, B.2), Huffman tables (C),
 * progressive entropy coding (G.1.2: DC first and refinement, AC first with
 * end-of-band runs), and JFIF's YCbCr -> RGB equations.
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

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpegprog_internal.h"
#include "status.h"

const char rtg_jpegprog_decoder[] = "progressive-reduced";
int rtg_jpegprog_portable;

#define NH RTG_JPEGPROG_NOT_HANDLED

static uint32_t
be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
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
		if (!rtg_jpegprog_huff_build(tc ? &d->ac[th] : &d->dc[th], p + 1, p + 17, total))
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

/* ---- decoding ------------------------------------------------------------- */

/* Decodes the scans recorded by parse(), BATCH MCU rows at a time, and
 * produces the output: an MCU row's output rows as soon as the planes they
 * read are complete (interpolated chroma reads the next MCU row's first
 * samples, so then the output follows one MCU row behind). */
static int
decode(struct dec *d, int denom, uint64_t grid, struct rtg_image *img)
{
	const uint32_t ow = (d->w + (uint32_t)denom - 1) / (uint32_t)denom;
	const uint32_t oh = (d->h + (uint32_t)denom - 1) / (uint32_t)denom;
	const uint32_t rows = (uint32_t)(d->vmax * d->s);
	struct outc o[3];
	uint8_t *px = NULL;
	uint32_t *fast = NULL;
	bool lag = false;
	int rc = RTG_ERR_NOMEM;
	struct rtg_grid g;

	memset(o, 0, sizeof o);
	if (!rtg_grid_init(&g, ow, oh, grid))
		return RTG_ERR_NOMEM;
	if ((fast = rtg_jpegprog_scan_tables(d)) == NULL)
		goto out;
	for (int i = 0; i < d->nc; i++) {
		struct comp *c = &d->c[i];
		/* sizes: pbw, pbh <= 65535/8 * 4 + 4, s <= 4, nco <= 16 */
		c->coef = malloc((size_t)RING * (size_t)c->v * c->pbw * (size_t)c->nco *
		                 sizeof *c->coef);
		if (c->coef == NULL)
			goto out;
	}
	if (!rtg_jpegprog_out_init(d, o, ow, &g))
		goto out;
	for (int i = 0; i < d->nc; i++)
		lag = lag || o[i].fancy;
	if ((px = malloc((size_t)g.nx * g.ny * 4)) == NULL)
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
		if (!rtg_jpegprog_scan_rows(d, my0, my1))
			goto out;
		rtg_jpegprog_out_planes(d, o, my0, my1);
		uint32_t done = lag && my1 < d->mcuy ? my1 - 1 : my1;
		for (; next < done && next * rows < oh; next++)
			rtg_jpegprog_out_rows(d, o, next, ow, oh, &g, px);
	}
	if (!rtg_jpegprog_scan_complete(d))
		goto out;
	img->px = px;
	img->width = g.nx;
	img->height = g.ny;
	img->scaled_width = ow;
	img->scaled_height = oh;
	img->full_width = d->w;
	img->full_height = d->h;
	img->scale_denom = denom;
	img->decoder = rtg_jpegprog_decoder;
	px = NULL;
	rc = 0;
out:
	free(px);
	free(fast);
	rtg_jpegprog_out_free(o);
	rtg_grid_free(&g);
	return rc;
}

int
rtg_jpegprog_decode(const uint8_t *buf, size_t len, int denom, int grey,
                    uint64_t grid, struct rtg_image *img, char *err)
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
		rc = decode(d, denom, grid, img);
	for (int i = 0; i < 3; i++)
		free(d->c[i].coef);
	free(d->scan);
	free(d);
	if (rc == RTG_ERR_NOMEM)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory decoding a JPEG");
	return rc;
}
