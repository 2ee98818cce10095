/* mkart.c - test art without extra tools:
 *
 *   mkart jpeg W H QUALITY NOISE OUT.jpg [SEED]
 *                                          a colourful, deterministic JPEG
 *                                          (NOISE 0..255 sets how badly it
 *                                          compresses, i.e. the file size;
 *                                          SEED picks another layout
 *                                          and, unless SEED % 6 == 0,
 *                                          other colours)
 *   mkart embed IN.flac MIME PICTURE OUT.flac
 *                                          IN with PICTURE as its front cover
 *                                          (other PICTURE blocks dropped)
 *
 * The large-art test builds its ~4 MB cover at test time with this instead
 * of committing megabytes. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image_write.h>

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void put32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	fwrite(b, 1, 4, f);
}

static void block_header(FILE *f, int last, int type, size_t len)
{
	uint8_t b[4] = { (uint8_t)((last ? 0x80 : 0) | type), (uint8_t)(len >> 16),
	                 (uint8_t)(len >> 8), (uint8_t)len };
	fwrite(b, 1, 4, f);
}

static int embed(const char *in, const char *mime, const char *pic, const char *out)
{
	size_t len, plen, pos = 4, keep[64][2], nkeep = 0;
	uint8_t *flac = slurp(in, &len), *img = slurp(pic, &plen);
	size_t body = 32 + strlen(mime) + plen;
	FILE *f;
	int last = 0;

	if (len < 8 || memcmp(flac, "fLaC", 4) != 0 || body >= (1u << 24)) {
		fprintf(stderr, "mkart: %s: not FLAC, or picture too big for a block\n", in);
		return 1;
	}
	while (!last) {
		size_t blen;
		int type;
		if (pos + 4 > len)
			return 1;
		last = flac[pos] & 0x80;
		type = flac[pos] & 0x7f;
		blen = (size_t)flac[pos + 1] << 16 | (size_t)flac[pos + 2] << 8 | flac[pos + 3];
		if (pos + 4 + blen > len || nkeep == 64)
			return 1;
		if (type != 6) { /* every block but PICTURE */
			keep[nkeep][0] = pos;
			keep[nkeep][1] = 4 + blen;
			nkeep++;
		}
		pos += 4 + blen;
	}
	if ((f = fopen(out, "wb")) == NULL) {
		perror(out);
		return 1;
	}
	fwrite("fLaC", 1, 4, f);
	for (size_t i = 0; i < nkeep; i++) {
		/* header rewritten: the PICTURE block comes last */
		block_header(f, 0, flac[keep[i][0]] & 0x7f, keep[i][1] - 4);
		fwrite(flac + keep[i][0] + 4, 1, keep[i][1] - 4, f);
	}
	block_header(f, 1, 6, body);
	put32(f, 3);                 /* front cover */
	put32(f, (uint32_t)strlen(mime));
	fwrite(mime, 1, strlen(mime), f);
	put32(f, 0);                 /* description */
	put32(f, 0);                 /* width, height, depth, colours: unknown */
	put32(f, 0);
	put32(f, 0);
	put32(f, 0);
	put32(f, (uint32_t)plen);
	fwrite(img, 1, plen, f);
	fwrite(flac + pos, 1, len - pos, f); /* the audio frames */
	free(flac);
	free(img);
	return fclose(f) == 0 ? 0 : 1;
}

static int jpeg(int w, int h, int q, int noise, const char *out, unsigned seed)
{
	uint8_t *px = malloc((size_t)w * (size_t)h * 3);
	uint32_t x = 2463534242u + seed * 7919u; /* xorshift32: deterministic */
	/* the seed also permutes the colour channels, so that two seeds give
	 * other colours, not just another layout of the same four (which the
	 * clustering rightly turns into the same palette) */
	static const int perm[6][3] = { { 0, 1, 2 }, { 1, 2, 0 }, { 2, 0, 1 },
	                                { 0, 2, 1 }, { 2, 1, 0 }, { 1, 0, 2 } };
	const int *pc = perm[seed % 6];

	if (px == NULL)
		return 1;
	for (int y = 0; y < h; y++) {
		for (int i = 0; i < w; i++) {
			uint8_t *p = px + ((size_t)y * (size_t)w + (size_t)i) * 3;
			int band = (int)((unsigned)(i * 5 / w + y * 3 / h) + seed) % 4;
			int base[4][3] = { { 200, 40, 60 }, { 30, 90, 170 }, { 240, 190, 40 }, { 20, 20, 30 } };
			for (int c = 0; c < 3; c++) {
				int v;
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				v = base[band][pc[c]] + (int)(x % (uint32_t)(2 * noise + 1)) - noise;
				p[c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	}
	if (!stbi_write_jpg(out, w, h, 3, px, q)) {
		fprintf(stderr, "mkart: cannot write %s\n", out);
		return 1;
	}
	free(px);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 7 || argc == 8) && strcmp(argv[1], "jpeg") == 0)
		return jpeg(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), argv[6],
		            argc == 8 ? (unsigned)atoi(argv[7]) : 0u);
	if (argc == 6 && strcmp(argv[1], "embed") == 0)
		return embed(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: mkart jpeg W H QUALITY NOISE OUT [SEED] | mkart embed IN.flac MIME PICTURE OUT.flac\n");
	return 2;
}
