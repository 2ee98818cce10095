/* jpegprog_internal.h - the decoder state shared by jpegprog.c (entry,
 * marker segments, the scans' schedule over MCU rows), jpegprog_scan.c
 * (bit reader, Huffman tables, DC and AC scan decoding) and jpegprog_out.c
 * (IDCT, upsampling, colour conversion).  Not part of the API: jpegprog.h
 * is. */
#ifndef RTG_JPEGPROG_INTERNAL_H
#define RTG_JPEGPROG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grid.h"
#include "jpegprog.h"

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

/* Coefficients of block (bx, by) of c, in its MCU row's ring slot */
static inline int16_t *
block_at(const struct comp *c, uint32_t bx, uint32_t by)
{
	uint32_t v = (uint32_t)c->v, row = (by / v) % RING * v + by % v;
	return c->coef + ((size_t)row * c->pbw + bx) * (size_t)c->nco;
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
	uint8_t *sel;     /* with a grid: the kept columns' samples */
};

/* ---- jpegprog_scan.c ---- */

/* Canonical codes from the counts per length (T.81 C.2); false when a
 * length's codes do not fit in its bits with the all-ones code left unused
 * (T.81 C: no code is all ones; libjpeg's "Bogus Huffman table
 * definition" checks the same, after assigning each length's codes). */
bool rtg_jpegprog_huff_build(struct huff *h, const uint8_t *counts, const uint8_t *vals,
                             int nvals);

/* The lookup tables of the scans parse() recorded, in one allocation that
 * the caller frees (each scan's fast points into it); NULL: out of
 * memory. */
uint32_t *rtg_jpegprog_scan_tables(struct dec *d);

/* Decodes every recorded scan in turn over MCU rows my0..my1-1 into the
 * coefficient ring; false: bad data (the file is not handled). */
bool rtg_jpegprog_scan_rows(struct dec *d, uint32_t my0, uint32_t my1);

/* After the last MCU row: every scan's data ended exactly at its marker. */
bool rtg_jpegprog_scan_complete(const struct dec *d);

/* ---- jpegprog_out.c ---- */

/* Sets up o[0..nc) for output ow pixels wide (of which g keeps g->nx
 * when it is active): dequantisation factors and sample buffers; false:
 * out of memory (rtg_jpegprog_out_free releases what was allocated). */
bool rtg_jpegprog_out_init(const struct dec *d, struct outc *o, uint32_t ow,
                           const struct rtg_grid *g);

/* Inverse-transforms MCU rows my0..my1-1 of the interpolated (whole-plane)
 * components into their planes. */
void rtg_jpegprog_out_planes(const struct dec *d, struct outc *o, uint32_t my0, uint32_t my1);

/* The output rows of MCU row my into px, RGBA ow x oh, or with g active
 * only its kept rows and columns, RGBA g->nx x g->ny. */
void rtg_jpegprog_out_rows(const struct dec *d, struct outc *o, uint32_t my, uint32_t ow,
                           uint32_t oh, const struct rtg_grid *g, uint8_t *px);

void rtg_jpegprog_out_free(struct outc *o);

#endif
