/* test_cache.c - theme cache: the key (hash of art + options + build id),
 * memory LRU, disk entries (found by a new process, bounded size with the
 * least recently used removed first, bad entries refused and removed). */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <link.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "pipeline.h"
#include "status.h"
#include "t.h"

static void nap_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

static struct rtg_cache_key key_of(int i)
{
	struct rtg_options o;
	uint8_t art[64];
	struct rtg_cache_key k;

	rtg_options_default(&o);
	memset(art, i, sizeof art);
	rtg_cache_key(art, sizeof art, &o, &k);
	return k;
}

static int hit(struct rtg_cache *c, int i, const char **where)
{
	struct rtg_cache_key k = key_of(i);
	char *text = NULL;
	size_t len;
	int rc = rtg_cache_get(c, &k, &text, &len, where);
	free(text);
	return rc == 0;
}

/* Sum of the sizes of *.ron files in dir, and how many. */
static size_t dir_bytes(const char *dir, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t total = 0;
	char p[1024];
	struct stat st;

	*count = 0;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".ron") == NULL)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0) {
			total += (size_t)st.st_size;
			(*count)++;
		}
	}
	closedir(d);
	return total;
}

static void test_hash(void)
{
	uint64_t a[2], b[2];
	char buf[100];

	memset(buf, 'x', sizeof buf);
	rtg_hash128(buf, sizeof buf, 0, a);
	rtg_hash128(buf, sizeof buf, 0, b);
	T_CHECK(a[0] == b[0] && a[1] == b[1], "not deterministic");
	buf[57] ^= 1;
	rtg_hash128(buf, sizeof buf, 0, b);
	T_CHECK(a[0] != b[0] && a[1] != b[1], "one bit flip not seen in both halves");
	buf[57] ^= 1;
	rtg_hash128(buf, 99, 0, b); /* a shorter prefix of the same bytes */
	T_CHECK(a[0] != b[0], "length not part of the hash");
	rtg_hash128(buf, sizeof buf, 1, b);
	T_CHECK(a[0] != b[0], "seed ignored");
}

static void test_key(void)
{
	struct rtg_options o, p;
	uint8_t art[300];
	struct rtg_cache_key k0, k1;
	char hex[33];

	for (size_t i = 0; i < sizeof art; i++)
		art[i] = (uint8_t)(i * 7);
	rtg_options_default(&o);
	rtg_cache_key(art, sizeof art, &o, &k0);
	p = o;
	rtg_cache_key(art, sizeof art, &p, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) == 0, "same inputs, different keys");
	p.k = o.k + 1;
	rtg_cache_key(art, sizeof art, &p, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "k not in the key");
	p = o;
	p.space = o.space == RTG_SPACE_OKLAB ? RTG_SPACE_RGB : RTG_SPACE_OKLAB;
	rtg_cache_key(art, sizeof art, &p, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "space not in the key");
	p = o;
	p.mode = RTG_MODE_LIGHT;
	rtg_cache_key(art, sizeof art, &p, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "mode not in the key");
	p = o;
	p.full_decode = !o.full_decode;
	rtg_cache_key(art, sizeof art, &p, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "full_decode not in the key");
	p = o;
	p.sample_budget = o.sample_budget / 2;
	rtg_cache_key(art, sizeof art, &p, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "sample budget not in the key");
	p = o;
	p.decode_min_half = o.decode_min_half * 2;
	rtg_cache_key(art, sizeof art, &p, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "scaled decode policy not in the key");
	p = o;
	p.template_text = "()";
	p.template_len = 2;
	p.template_name = "a.ron";
	rtg_cache_key(art, sizeof art, &p, &k0);
	p.template_name = "b.ron";
	rtg_cache_key(art, sizeof art, &p, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) == 0, "template name changed the key");
	p.template_text = "( )";
	p.template_len = 3;
	rtg_cache_key(art, sizeof art, &p, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "template text not in the key");
	art[299] ^= 0x80;
	rtg_cache_key(art, sizeof art, &o, &k1);
	rtg_cache_key_hex(&k1, hex);
	T_CHECK(strlen(hex) == 32 && strspn(hex, "0123456789abcdef") == 32, "hex %s", hex);
}

/* The build id as the executable file says, found another way than
 * rtg_build_id() does: the ".note.gnu.build-id" section by name, through
 * the section headers of /proc/self/exe (the loaded program headers are
 * not used).  Its length, 0 when the file has no such section. */
static size_t file_build_id(uint8_t *out, size_t cap)
{
	size_t n, got = 0;
	uint8_t *f = t_slurp("/proc/self", "exe", &n);
	ElfW(Ehdr) eh;

	if (n < sizeof eh)
		goto out;
	memcpy(&eh, f, sizeof eh);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_shentsize != sizeof(ElfW(Shdr)) ||
	    eh.e_shoff > n || (n - eh.e_shoff) / sizeof(ElfW(Shdr)) < eh.e_shnum ||
	    eh.e_shstrndx >= eh.e_shnum)
		goto out;
	{
		ElfW(Shdr) strs;
		memcpy(&strs, f + eh.e_shoff + eh.e_shstrndx * sizeof strs, sizeof strs);
		for (size_t i = 0; i < eh.e_shnum; i++) {
			ElfW(Shdr) sh;
			ElfW(Nhdr) nh;
			const char *name;
			memcpy(&sh, f + eh.e_shoff + i * sizeof sh, sizeof sh);
			if (strs.sh_offset + sh.sh_name >= n)
				continue;
			name = (const char *)f + strs.sh_offset + sh.sh_name;
			if (sh.sh_type != SHT_NOTE || strcmp(name, ".note.gnu.build-id") != 0 ||
			    sh.sh_offset + sh.sh_size > n || sh.sh_size < sizeof nh + 4)
				continue;
			/* one note: header, "GNU\0", the id */
			memcpy(&nh, f + sh.sh_offset, sizeof nh);
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && nh.n_descsz <= cap &&
			    sizeof nh + 4 + nh.n_descsz <= sh.sh_size) {
				memcpy(out, f + sh.sh_offset + sizeof nh + 4, nh.n_descsz);
				got = nh.n_descsz;
			}
			break;
		}
	}
out:
	free(f);
	return got;
}

/* Two builds of one version must not share cache entries: the key holds
 * the executable's build id, which the linker derives from the code. */
static void test_build_id(void)
{
	struct rtg_options o;
	uint8_t art[300], from_file[64], other[64];
	struct rtg_cache_key k, kb, k0, k1;
	size_t n, nf = file_build_id(from_file, sizeof from_file);
	const uint8_t *id = rtg_build_id(&n);

	T_CHECK(n == nf && (n == 0 || (id != NULL && memcmp(id, from_file, n) == 0)),
	        "build id in memory (%zu bytes) differs from the file's (%zu bytes)", n, nf);
	if (n == 0)
		printf("note: this executable has no build id; the key falls back to the version\n");
	else
		T_CHECK(n >= 8 && n <= sizeof other, "build id of %zu bytes", n);

	for (size_t i = 0; i < sizeof art; i++)
		art[i] = (uint8_t)(i * 13);
	rtg_options_default(&o);
	rtg_cache_key(art, sizeof art, &o, &k);
	rtg_cache_key_build(art, sizeof art, &o, id, n, &kb);
	T_CHECK(memcmp(&k, &kb, sizeof k) == 0, "key is not the one of this build id");
	rtg_cache_key_build(art, sizeof art, &o, NULL, 0, &k0);
	if (n > 0)
		T_CHECK(memcmp(&k, &k0, sizeof k) != 0, "build id not in the key");

	/* Another build: one bit of the id differs. */
	if (n == 0) {
		memset(other, 0x5a, 20); /* a made-up id of sha1 length */
		n = 20;
	} else {
		memcpy(other, id, n);
	}
	rtg_cache_key_build(art, sizeof art, &o, other, n, &k0);
	other[n / 2] ^= 0x10;
	rtg_cache_key_build(art, sizeof art, &o, other, n, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "a changed build id gives the same key");
	rtg_cache_key_build(art, sizeof art, &o, other, n - 1, &k0);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "build id length not in the key");
	rtg_cache_key_build(art, sizeof art, &o, NULL, 0, &k0);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) != 0, "no build id and a build id give the same key");
	/* Without a build id the key is still stable (the version alone). */
	rtg_cache_key_build(art, sizeof art, &o, NULL, 0, &k1);
	T_CHECK(memcmp(&k0, &k1, sizeof k0) == 0, "key without a build id not deterministic");
}

#define SEG_CAP 160 /* bytes of the made-up segments' buffer */

/* One note written into seg at off, its descriptor at desc (offsets worked
 * out by hand from the gABI layout in each case below, not computed the
 * way cache.c does): descriptor bytes fill, fill + 1, ... as far as they
 * fit in the buffer (a huge descsz is a lie the walk must catch). */
static void put_note(uint8_t *seg, size_t off, uint32_t namesz, const char *name,
                     uint32_t type, uint32_t descsz, size_t desc, uint8_t fill)
{
	ElfW(Nhdr) nh = { namesz, descsz, type };

	memcpy(seg + off, &nh, sizeof nh);
	memcpy(seg + off + sizeof nh, name, strlen(name) + 1);
	for (uint32_t i = 0; i < descsz && desc + i < SEG_CAP; i++)
		seg[desc + i] = (uint8_t)(fill + i);
}

/* rtg_build_id_note over exactly size bytes of seg, copied to a block of
 * that size (so that a sanitizer build sees any read past the segment):
 * the descriptor's offset in the segment, or -1 when none was found. */
static long walk_notes(const uint8_t *seg, size_t size, size_t align, size_t *len)
{
	uint8_t *copy = malloc(size > 0 ? size : 1);
	const uint8_t *d;
	long at;

	if (copy == NULL)
		exit(99);
	if (size > 0)
		memcpy(copy, seg, size);
	*len = 12345;
	d = rtg_build_id_note(copy, size, align, len);
	at = d == NULL ? -1 : (long)(d - copy);
	free(copy);
	return at;
}

#define NOTE_FOUND(seg, size, align, want_at, want_len, what) do { \
	size_t len_; \
	long at_ = walk_notes(seg, size, align, &len_); \
	T_CHECK(at_ == (want_at) && len_ == (want_len), \
	        "%s: descriptor at %ld, %zu bytes; expected at %ld, %zu bytes", \
	        what, at_, len_, (long)(want_at), (size_t)(want_len)); \
} while (0)
#define NOTE_NONE(seg, size, align, what) do { \
	size_t len_; \
	long at_ = walk_notes(seg, size, align, &len_); \
	T_CHECK(at_ == -1 && len_ == 0, "%s: found at %ld (%zu bytes)", what, at_, len_); \
} while (0)

/* The note walk on made-up PT_NOTE segments, 4- and 8-aligned. */
static void test_build_id_note(void)
{
	_Alignas(8) uint8_t seg[SEG_CAP];

	/* 4-aligned, three notes: ABI tag, a 6-byte name, the build id.
	 *   @0   GNU, type 1, 16 bytes: desc @16, next @32
	 *   @32  "Linux" (namesz 6), 5 bytes: desc @32+20=52, end 57, next @60
	 *   @60  GNU, build id, 20 bytes: desc @76, end 96 */
	memset(seg, 0xee, sizeof seg);
	put_note(seg, 0, 4, "GNU", NT_GNU_ABI_TAG, 16, 16, 0x10);
	put_note(seg, 32, 6, "Linux", 0x100, 5, 52, 0x30);
	put_note(seg, 60, 4, "GNU", NT_GNU_BUILD_ID, 20, 76, 0xa0);
	NOTE_FOUND(seg, 96, 4, 76, 20, "4-aligned, third note");
	NOTE_FOUND(seg, 96, 0, 76, 20, "p_align 0 read as 4");
	NOTE_FOUND(seg, 96, 1, 76, 20, "p_align 1 read as 4");
	NOTE_NONE(seg, 95, 4, "4-aligned, last byte of the id cut off");
	NOTE_NONE(seg, 60 + 11, 4, "4-aligned, header of the third note cut");
	NOTE_NONE(seg, 60, 4, "4-aligned, without the third note");

	/* 8-aligned (gABI: descriptor at align8(12 + namesz), next note at
	 * align8(desc + descsz)); aligning namesz alone would put the
	 * descriptors at 20 and 52 and miss the build id:
	 *   @0   GNU, type 5 (property), 16 bytes: desc @16, end 32, next @32
	 *   @32  "Linux" (namesz 6), 5 bytes: desc @32+24=56, end 61, next @64
	 *   @64  GNU, build id, 20 bytes: desc @80, end 100 (padded to 104) */
	memset(seg, 0xee, sizeof seg);
	put_note(seg, 0, 4, "GNU", NT_GNU_PROPERTY_TYPE_0, 16, 16, 0x10);
	put_note(seg, 32, 6, "Linux", 0x100, 5, 56, 0x30);
	put_note(seg, 64, 4, "GNU", NT_GNU_BUILD_ID, 20, 80, 0xa0);
	NOTE_FOUND(seg, 104, 8, 80, 20, "8-aligned, third note");
	NOTE_FOUND(seg, 100, 8, 80, 20, "8-aligned, last note's padding outside");
	NOTE_NONE(seg, 99, 8, "8-aligned, last byte of the id cut off");
	{
		size_t len;
		uint8_t *copy = malloc(104);
		const uint8_t *d;
		if (copy == NULL)
			exit(99);
		memcpy(copy, seg, 104);
		d = rtg_build_id_note(copy, 104, 8, &len);
		T_CHECK(d != NULL && len == 20 && d[0] == 0xa0 && d[19] == 0xa0 + 19,
		        "8-aligned: not the build id's bytes");
		free(copy);
	}
	/* One build id alone in an 8-aligned segment: desc @16, 36 bytes. */
	memset(seg, 0xee, sizeof seg);
	put_note(seg, 0, 4, "GNU", NT_GNU_BUILD_ID, 20, 16, 0xa0);
	NOTE_FOUND(seg, 36, 8, 16, 20, "8-aligned, one note");
	NOTE_FOUND(seg, 40, 8, 16, 20, "8-aligned, one padded note");

	/* Wrong owner or type, or an empty id: skipped; the real one after
	 * them is found (4-aligned).
	 *   @0   "GNV", build id type, 8 bytes: desc @16, next @24
	 *   @24  "GN" (namesz 3), build id type, 8 bytes: desc @24+16=40, next @48
	 *   @48  GNU, type 1, 4 bytes: desc @64, next @68
	 *   @68  GNU, build id, 0 bytes: next @84
	 *   @84  GNU, build id, 8 bytes: desc @100, end 108 */
	memset(seg, 0xee, sizeof seg);
	put_note(seg, 0, 4, "GNV", NT_GNU_BUILD_ID, 8, 16, 0x10);
	put_note(seg, 24, 3, "GN", NT_GNU_BUILD_ID, 8, 40, 0x20);
	put_note(seg, 48, 4, "GNU", NT_GNU_ABI_TAG, 4, 64, 0x30);
	put_note(seg, 68, 4, "GNU", NT_GNU_BUILD_ID, 0, 84, 0);
	put_note(seg, 84, 4, "GNU", NT_GNU_BUILD_ID, 8, 100, 0xa0);
	NOTE_FOUND(seg, 108, 4, 100, 8, "after wrong owners, a wrong type and an empty id");
	NOTE_NONE(seg, 84, 4, "only wrong owners, a wrong type and an empty id");

	/* Sizes that overflow the segment (or size_t arithmetic) end the walk
	 * without reading past it. */
	memset(seg, 0xee, sizeof seg);
	put_note(seg, 0, 0xffffffffu, "GNU", NT_GNU_BUILD_ID, 20, 16, 0xa0);
	NOTE_NONE(seg, 36, 4, "namesz 2^32 - 1");
	put_note(seg, 0, 0xfffffff8u, "GNU", NT_GNU_BUILD_ID, 20, 16, 0xa0);
	NOTE_NONE(seg, 36, 8, "namesz 2^32 - 8");
	put_note(seg, 0, 4, "GNU", NT_GNU_BUILD_ID, 0xffffffffu, 16, 0xa0);
	NOTE_NONE(seg, 36, 4, "descsz 2^32 - 1");
	put_note(seg, 0, 4, "GNU", NT_GNU_BUILD_ID, 21, 16, 0xa0);
	NOTE_NONE(seg, 36, 8, "descsz one past the segment");
	/* A note before the id whose descsz would carry the walk past the
	 * end (or round it back to the start) hides the id after it. */
	memset(seg, 0xee, sizeof seg);
	put_note(seg, 0, 4, "GNU", NT_GNU_ABI_TAG, 0xfffffffcu, 16, 0);
	put_note(seg, 32, 4, "GNU", NT_GNU_BUILD_ID, 20, 48, 0xa0);
	NOTE_NONE(seg, 68, 4, "huge descsz before the id");
	{
		size_t len = 1;
		T_CHECK(rtg_build_id_note(NULL, 0, 4, &len) == NULL && len == 0, "no segment");
	}
	NOTE_NONE(seg, 0, 8, "empty segment");
	NOTE_NONE(seg, 11, 8, "segment shorter than a header");
}

static void test_memory_lru(const char *theme, size_t len)
{
	struct rtg_cache *c;
	const char *where = "";
	char err[RTG_ERRLEN];

	T_CHECK(rtg_cache_open(NULL, 0, &c, err) == 0, "%s", err);
	T_CHECK(rtg_cache_dir(c) == NULL, "memory-only cache has a directory");
	T_CHECK(!hit(c, 1, &where), "hit in an empty cache");
	for (int i = 1; i <= RTG_CACHE_MEM_ENTRIES; i++) {
		struct rtg_cache_key k = key_of(i);
		T_CHECK(rtg_cache_put(c, &k, theme, len, err) == 0, "%s", err);
	}
	T_CHECK(hit(c, 1, &where) && strcmp(where, "memory") == 0, "entry 1 missing");
	{
		struct rtg_cache_key k = key_of(100);
		rtg_cache_put(c, &k, theme, len, err); /* evicts the LRU: 2 */
	}
	T_CHECK(hit(c, 1, &where), "recently used entry evicted");
	T_CHECK(!hit(c, 2, &where), "least recently used entry kept");
	T_CHECK(hit(c, 100, &where), "new entry missing");
	for (int i = 3; i <= RTG_CACHE_MEM_ENTRIES; i++)
		T_CHECK(hit(c, i, &where), "entry %d missing", i);
	rtg_cache_close(c);
}

static void test_disk(const char *theme, size_t len)
{
	char dir[] = "/tmp/rtg-cache-test.XXXXXX", err[RTG_ERRLEN], path[256], hex[33];
	struct rtg_cache *c;
	const char *where = "";
	int n;
	size_t max = 3 * len + len / 2; /* room for three entries */
	struct rtg_cache_key k;
	FILE *f;

	T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof path, "%s/sub/cache", dir); /* created on demand */
	T_CHECK(rtg_cache_open(path, max, &c, err) == 0, "%s", err);
	for (int i = 1; i <= 5; i++) {
		k = key_of(i);
		T_CHECK(rtg_cache_put(c, &k, theme, len, err) == 0, "put %d: %s", i, err);
		T_CHECK(dir_bytes(path, &n) <= max, "over the bound after %d puts", i);
		nap_ms(15); /* distinct mtimes for the LRU order */
	}
	T_CHECK(dir_bytes(path, &n) <= max && n == 3, "%d entries on disk, expected 3", n);
	rtg_cache_close(c);

	/* A new process: memory empty, the three newest are on disk. */
	T_CHECK(rtg_cache_open(path, max, &c, err) == 0, "%s", err);
	T_CHECK(!hit(c, 1, &where) && !hit(c, 2, &where), "oldest entries not pruned");
	T_CHECK(hit(c, 3, &where) && strcmp(where, "disk") == 0, "entry 3: %s", where);
	T_CHECK(hit(c, 3, &where) && strcmp(where, "memory") == 0, "disk hit not kept in memory");
	nap_ms(15);
	/* Using 3 makes it recent: the next put removes 4, the LRU. */
	k = key_of(6);
	T_CHECK(rtg_cache_put(c, &k, theme, len, err) == 0, "%s", err);
	rtg_cache_close(c);
	T_CHECK(rtg_cache_open(path, max, &c, err) == 0, "%s", err);
	T_CHECK(hit(c, 3, &where), "recently used entry pruned");
	T_CHECK(!hit(c, 4, &where), "least recently used entry kept");

	/* A damaged entry is refused and removed. */
	k = key_of(5);
	rtg_cache_key_hex(&k, hex);
	snprintf(path + strlen(path), sizeof path - strlen(path), "/%s.ron", hex);
	f = fopen(path, "w");
	T_CHECK(f != NULL, "open %s", path);
	if (f != NULL) {
		fputs("(background_color: \"#12", f); /* torn write */
		fclose(f);
	}
	rtg_cache_close(c);
	*strrchr(path, '/') = '\0';
	T_CHECK(rtg_cache_open(path, max, &c, err) == 0, "%s", err);
	T_CHECK(!hit(c, 5, &where), "damaged entry used");
	strcat(path, "/");
	strcat(path, hex);
	strcat(path, ".ron");
	T_CHECK(access(path, F_OK) != 0, "damaged entry not removed");
	rtg_cache_close(c);

	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		T_CHECK(system(cmd) == 0, "cleanup");
	}
}

/* A cache directory others can write to is not used: a theme planted
 * there would be published.  Memory still works. */
static void test_shared_dir(const char *theme, size_t len)
{
	char dir[] = "/tmp/rtg-cache-test.XXXXXX", err[RTG_ERRLEN], path[256], hex[33];
	struct rtg_cache *c;
	struct rtg_cache_key k = key_of(1);
	const char *where = "";
	int n = 0;
	FILE *f;

	T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	T_CHECK(chmod(dir, 0777) == 0, "chmod");
	T_CHECK(rtg_cache_open(dir, 1 << 20, &c, err) == 0, "%s", err);
	/* planted by someone else: valid, but not ours to trust */
	rtg_cache_key_hex(&k, hex);
	snprintf(path, sizeof path, "%s/%s.ron", dir, hex);
	f = fopen(path, "w");
	T_CHECK(f != NULL && fwrite(theme, 1, len, f) == len, "plant");
	if (f != NULL)
		fclose(f);
	T_CHECK(!hit(c, 1, &where), "entry from a shared directory used (%s)", where);
	T_CHECK(access(path, F_OK) == 0, "someone else's file removed");
	unlink(path);
	T_CHECK(rtg_cache_put(c, &k, theme, len, err) == RTG_ERR_IO &&
	        strstr(err, dir) != NULL, "put into a shared directory: %s", err);
	T_CHECK(dir_bytes(dir, &n) == 0 && n == 0, "written into a shared directory");
	T_CHECK(hit(c, 1, &where) && strcmp(where, "memory") == 0, "memory entry: %s", where);
	k = key_of(2); /* said once, then memory only */
	T_CHECK(rtg_cache_put(c, &k, theme, len, err) == 0, "second put: %s", err);
	rtg_cache_close(c);
	rmdir(dir);
}

/* Temporary files left by a writer that died are removed once old. */
static void test_stale_tmp(const char *theme, size_t len)
{
	char dir[] = "/tmp/rtg-cache-test.XXXXXX", err[RTG_ERRLEN], old[256], fresh[256];
	char cmd[300], hex[33];
	struct timespec ts[2] = { { 0, 0 }, { 0, 0 } };
	struct rtg_cache *c;
	struct rtg_cache_key k = key_of(7);
	FILE *f;

	T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	rtg_cache_key_hex(&k, hex);
	snprintf(old, sizeof old, "%s/%s.ron.tmp12345", dir, hex);
	snprintf(fresh, sizeof fresh, "%s/%s.ron.tmp12346", dir, hex);
	f = fopen(old, "w");
	T_CHECK(f != NULL, "%s", old);
	if (f != NULL)
		fclose(f);
	f = fopen(fresh, "w");
	T_CHECK(f != NULL, "%s", fresh);
	if (f != NULL)
		fclose(f);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 2 * 3600;
	T_CHECK(utimensat(AT_FDCWD, old, ts, 0) == 0, "utimensat");
	T_CHECK(rtg_cache_open(dir, 1 << 20, &c, err) == 0, "%s", err);
	k = key_of(8);
	T_CHECK(rtg_cache_put(c, &k, theme, len, err) == 0, "%s", err);
	T_CHECK(access(old, F_OK) != 0, "stale temporary file kept");
	T_CHECK(access(fresh, F_OK) == 0, "a temporary file in use removed");
	rtg_cache_close(c);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	T_CHECK(system(cmd) == 0, "cleanup");
}

int main(void)
{
	struct rtg_options o;
	struct rtg_result res;
	char err[RTG_ERRLEN];

	test_hash();
	test_key();
	test_build_id();
	test_build_id_note();
	/* A real, valid theme: disk entries are checked like rmpc would. */
	rtg_options_default(&o);
	memset(&res, 0, sizeof res);
	if (rtg_generate_neutral(&o, &res, err) < 0) {
		fprintf(stderr, "neutral theme: %s\n", err);
		return 1;
	}
	test_memory_lru(res.theme, res.theme_len);
	test_disk(res.theme, res.theme_len);
	test_shared_dir(res.theme, res.theme_len);
	test_stale_tmp(res.theme, res.theme_len);
	rtg_result_free(&res);
	return t_done();
}
