/* cache_key.c - the cache key: a 128-bit hash of the art and of every
 * option that changes the theme, and the build id of the running program
 * that goes into it.  See cache.h. */
#include "config.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "render.h"

/* ------------------------------------------------------------- hashing */

/* Finaliser of splitmix64 (Steele, Lea, Flood: "Fast splittable
 * pseudorandom number generators", 2014): a full-avalanche 64-bit mix. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8); /* native order: keys only need to be stable per host */
	return v;
}

/* Two independent multiply-rotate lanes over 16-byte blocks; the tail and
 * the length are folded in at the end.  A 4.6 MB cover hashes in a couple
 * of milliseconds, against a decode of hundreds. */
void rtg_hash128(const void *data, size_t len, uint64_t seed, uint64_t out[2])
{
	const unsigned char *p = data;
	const uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xc2b2ae3d27d4eb4full;
	const uint64_t k3 = 0x165667b19e3779f9ull, k4 = 0xd6e8feb86659fd93ull;
	uint64_t a = seed ^ k1, b = mix64(seed + k2);
	size_t i = 0;

	for (; i + 16 <= len; i += 16) {
		a = rotl(a ^ (load64(p + i) * k2), 31) * k1;
		b = rotl(b ^ (load64(p + i + 8) * k4), 29) * k3;
	}
	if (i < len) {
		unsigned char tail[16] = { 0 };
		memcpy(tail, p + i, len - i);
		a = rotl(a ^ (load64(tail) * k2), 31) * k1;
		b = rotl(b ^ (load64(tail + 8) * k4), 29) * k3;
	}
	a ^= (uint64_t)len;
	b ^= (uint64_t)len * k3;
	a = mix64(a + b);
	b = mix64(b ^ a);
	out[0] = a;
	out[1] = b;
}

/* ------------------------------------------------------------- build id */

/* An ELF note is a header of three 4-byte words (name size, descriptor
 * size, type; ElfW(Nhdr) is 12 bytes for both classes), the name, the
 * descriptor.  In a segment of alignment a (its p_align: 4, or 8 for the
 * 8-aligned notes such as .note.gnu.property), the descriptor starts at
 * align(12 + namesz, a) and the next note at align(desc + descsz, a) (the
 * ELF gABI's note section; glibc's internal ELF_NOTE_DESC_OFFSET and
 * ELF_NOTE_NEXT_OFFSET macros, include/link.h, compute the same).
 * Aligning the name size alone, 12 + align(namesz, a), agrees for a = 4
 * only: with a = 8, a 4-byte name puts the descriptor at 16, not 20. */
static size_t note_align(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Every size is checked against what is left of the segment before it is
 * added to anything, so that a size near 2^32 (or a 32-bit size_t) can
 * neither wrap around nor lead past the end: an odd note ends the walk. */
const uint8_t *rtg_build_id_note(const void *seg, size_t size, size_t align, size_t *len)
{
	const uint8_t *p = seg;
	const size_t a = align == 8 ? 8 : 4, hdr = sizeof(ElfW(Nhdr));
	size_t off = 0;

	*len = 0;
	if (p == NULL)
		return NULL;
	while (size - off >= hdr) { /* off <= size throughout */
		ElfW(Nhdr) nh;
		size_t rest = size - off, desc, next;

		memcpy(&nh, p + off, hdr); /* the segment may be unaligned (tests) */
		if (nh.n_namesz > rest - hdr)
			break;
		desc = note_align(hdr + nh.n_namesz, a);
		if (desc > rest || nh.n_descsz > rest - desc)
			break;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp(p + off + hdr, "GNU", 4) == 0 && nh.n_descsz > 0) {
			*len = nh.n_descsz;
			return p + off + desc;
		}
		/* The last note's padding may lie past the segment's end. */
		next = note_align(desc + nh.n_descsz, a);
		if (next >= rest)
			break;
		off += next;
	}
	return NULL;
}

struct found_note {
	const uint8_t *desc;
	size_t len;
};

/* Looks through the PT_NOTE segments of the first object dl_iterate_phdr
 * visits, which is the main program (dl_iterate_phdr(3)), for the note
 * named "GNU" of type NT_GNU_BUILD_ID (rtg_build_id_note). */
static int main_program_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	struct found_note *f = data;

	(void)size;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *desc;
		size_t len;

		if (ph->p_type != PT_NOTE)
			continue;
		desc = rtg_build_id_note((const void *)(uintptr_t)(info->dlpi_addr + ph->p_vaddr),
		                         ph->p_filesz, ph->p_align, &len);
		if (desc != NULL) {
			f->desc = desc;
			f->len = len;
			break;
		}
	}
	return 1; /* the main program only */
}

const uint8_t *rtg_build_id(size_t *len)
{
	struct found_note f = { NULL, 0 };

	/* In memory, no file I/O: the note is in a loaded segment. */
	dl_iterate_phdr(main_program_build_id, &f);
	*len = f.len;
	return f.desc;
}

/* ------------------------------------------------------------- keys */

void rtg_cache_key(const uint8_t *art, size_t len, const struct rtg_options *o,
                   struct rtg_cache_key *k)
{
	size_t blen;
	const uint8_t *build = rtg_build_id(&blen);

	rtg_cache_key_build(art, len, o, build, blen, k);
}

void rtg_cache_key_build(const uint8_t *art, size_t len, const struct rtg_options *o,
                         const uint8_t *build_id, size_t build_id_len,
                         struct rtg_cache_key *k)
{
	/* Every option that changes the output, the template's text (not its
	 * name: two paths to the same text give the same theme; for a
	 * built-in template its text too, which may change without a new
	 * version), the decoders built in (libjpeg-turbo's scaled decode and
	 * libwebp give other pixels, or pixels at all, than stb_image), the
	 * program version (a new version may render differently) and its
	 * build id: two development builds of one version may render
	 * differently too, and must not serve each other's themes.  The
	 * linker computes the build id from the code, so it changes whenever
	 * the code does; without one the version stands alone. */
	struct {
		int32_t k, space, mode, builtin, full_decode, decoders;
		uint32_t max_dimension;
		uint64_t max_pixels, max_bytes, sample_budget, decode_min_half;
		uint64_t tmpl[2];
		uint64_t build[2]; /* hash of the build id, zero without one */
		char version[16];
	} opt;
	uint64_t ha[2], ho[2];

	memset(&opt, 0, sizeof opt); /* padding too: the struct is hashed */
	opt.k = o->k;
	opt.space = (int32_t)o->space;
	opt.mode = (int32_t)o->mode;
	opt.builtin = o->template_text != NULL ? -1 : (int32_t)o->builtin;
	opt.full_decode = o->full_decode;
	opt.decoders = 0
#ifdef HAVE_JPEG
	               | 1
#endif
#ifdef HAVE_WEBP
	               | 2
#endif
#if defined(HAVE_LIBDEFLATE) || defined(HAVE_ISAL)
	               | 4
#endif
	               ;
	opt.max_dimension = o->limits.max_dimension;
	opt.max_pixels = o->limits.max_pixels;
	opt.max_bytes = o->limits.max_bytes;
	opt.sample_budget = o->sample_budget;
	opt.decode_min_half = o->decode_min_half;
	if (o->template_text != NULL) {
		rtg_hash128(o->template_text, o->template_len, 1, opt.tmpl);
	} else {
		size_t blen = 0;
		const char *btext = rtg_template_builtin_text(o->builtin, &blen);
		if (btext != NULL)
			rtg_hash128(btext, blen, 1, opt.tmpl);
	}
	if (build_id != NULL && build_id_len > 0)
		rtg_hash128(build_id, build_id_len, 2, opt.build);
	snprintf(opt.version, sizeof opt.version, "%s+km2", PACKAGE_VERSION); /* km2: cluster.c start */
	rtg_hash128(art, len, 0, ha);
	rtg_hash128(&opt, sizeof opt, ha[0], ho);
	k->h[0] = ha[0] ^ ho[0];
	k->h[1] = mix64(ha[1] ^ ho[1]);
}

void rtg_cache_key_hex(const struct rtg_cache_key *k, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)k->h[0],
	         (unsigned long long)k->h[1]);
}
