/* pnginflate_internal.h - a row source's state, shared by pnginflate.c
 * (the interface, the one-shot source) and pnginflate_stream.c (the
 * streaming sources).  config.h and pnginflate.h must be included first. */
#ifndef RTG_PNGINFLATE_INTERNAL_H
#define RTG_PNGINFLATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef RTG_PNGINF_ISAL
#include <isa-l/igzip_lib.h>
#endif
#ifdef RTG_PNGINF_ZLIB
#define ZLIB_CONST /* next_in points into the caller's const buffer */
#include <zlib.h>
#endif

struct rtg_pnginf {
	bool streaming;
	size_t stride;     /* of the current pass */
	uint32_t ph;       /* its height */
	uint64_t inflated; /* what the image needs */
	uint64_t produced; /* streaming: inflated so far */
	uint32_t w, h;
	/* one-shot */
	uint8_t *raw;                /* the whole inflated stream */
	const uint8_t *rows, *next;  /* the current pass's rows, the next's */
	/* streaming: the input, piece by piece */
	const uint8_t *buf;          /* the file */
	size_t next_chunk;           /* offset of the next IDAT chunk */
	unsigned chunks_left;
	size_t chunk_left;           /* of the current chunk, not yet given out */
	const uint8_t *chunk_at;
	const uint8_t *in;           /* the piece the inflater reads */
	size_t in_avail;
	/* streaming: the window holds rows base .. base + held - 1 */
	uint8_t *win;
	size_t win_bytes;
	uint32_t base, held;
#ifdef RTG_PNGINF_ISAL
	struct inflate_state *is;    /* 85 KiB: allocated when streaming */
#endif
#ifdef RTG_PNGINF_ZLIB
	z_stream zs;
	bool zinit;
	uint32_t adler;              /* of what was inflated so far */
#endif
};

static inline uint32_t
rtg_pnginf_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* pnginflate.c */
/* RTG_ERR_DECODE, "corrupt PNG (why)". */
int rtg_pnginf_corrupt(char *err, const char *why);

/* pnginflate_stream.c: the streaming half of the interface.  The CRCs
 * of the IDAT chunks are checked before rtg_pnginf_stream_open(). */
#ifdef RTG_PNGINF_STREAM
int rtg_pnginf_stream_open(struct rtg_pnginf *s, const struct rtg_pnginf_idat *d,
                           size_t window, size_t block, char *err);
int rtg_pnginf_stream_get(struct rtg_pnginf *s, uint32_t a, uint32_t n, const uint8_t **rows,
                          char *err);
int rtg_pnginf_stream_end(struct rtg_pnginf *s, char *err);
/* Frees what the streaming inflater holds (not the window); NULL-safe
 * fields. */
void rtg_pnginf_stream_close(struct rtg_pnginf *s);
#endif

#endif
