/* cache.c - see cache.h. */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "settings.h"
#include "status.h"
#include "theme.h"

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

/* ------------------------------------------------------------- the cache */

struct entry {
	struct rtg_cache_key key;
	char *text;
	size_t len;
	uint64_t used; /* LRU clock */
};

struct rtg_cache {
	struct entry mem[RTG_CACHE_MEM_ENTRIES];
	uint64_t clock;
	char *dir;       /* NULL: memory only */
	size_t max_disk;
};

char *rtg_cache_base_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home;
	const char *base = NULL, *sub = "rmpc-theme-gen";
	char *p;
	size_t n;

	/* Relative XDG_CACHE_HOME is ignored, as the XDG spec says. */
	if (xdg != NULL && xdg[0] == '/')
		base = xdg;
	else if ((home = rtg_settings_home_dir()) != NULL)
		base = home, sub = ".cache/rmpc-theme-gen";
	if (base == NULL)
		return NULL;
	n = strlen(base) + strlen(sub) + 2;
	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s", base, sub);
	return p;
}

int rtg_mkdir_p(char *dir, mode_t mode)
{
	if (dir[0] == '\0') {
		errno = ENOENT; /* what mkdir("") says */
		return -1;
	}
	for (char *s = dir + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, mode) < 0 && errno != EEXIST)
			return -1; /* dir now names the one that failed */
		*s = '/';
	}
	return mkdir(dir, mode) < 0 && errno != EEXIST ? -1 : 0;
}

int rtg_dir_private(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -1;
	return S_ISDIR(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 002) == 0 &&
	       ((st.st_mode & 020) == 0 || st.st_gid == getegid());
}

int rtg_cache_open(const char *dir, size_t max_disk_bytes,
                   struct rtg_cache **out, char *err)
{
	struct rtg_cache *c = calloc(1, sizeof *c);

	*out = NULL;
	if (c == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
	c->max_disk = max_disk_bytes;
	if (max_disk_bytes > 0) {
		c->dir = dir != NULL ? strdup(dir) : rtg_cache_base_dir();
		if (c->dir == NULL && dir != NULL) {
			free(c);
			return rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
		}
	}
	*out = c;
	return 0;
}

void rtg_cache_close(struct rtg_cache *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < RTG_CACHE_MEM_ENTRIES; i++)
		free(c->mem[i].text);
	free(c->dir);
	free(c);
}

const char *rtg_cache_dir(const struct rtg_cache *c)
{
	return c->dir;
}

static int key_eq(const struct rtg_cache_key *a, const struct rtg_cache_key *b)
{
	return a->h[0] == b->h[0] && a->h[1] == b->h[1];
}

static void mem_put(struct rtg_cache *c, const struct rtg_cache_key *k,
                    char *text, size_t len)
{
	struct entry *victim = &c->mem[0];

	for (int i = 0; i < RTG_CACHE_MEM_ENTRIES; i++) {
		struct entry *e = &c->mem[i];
		if (e->text != NULL && key_eq(&e->key, k)) {
			victim = e;
			break;
		}
		if (e->text == NULL || e->used < victim->used)
			victim = e;
		if (e->text == NULL)
			break;
	}
	free(victim->text);
	victim->key = *k;
	victim->text = text;
	victim->len = len;
	victim->used = ++c->clock;
}

static char *entry_path(const struct rtg_cache *c, const struct rtg_cache_key *k)
{
	char hex[33], *p;
	size_t n = strlen(c->dir) + 40;

	rtg_cache_key_hex(k, hex);
	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s.ron", c->dir, hex);
	return p;
}

/* 1 if the cache directory is a directory of ours that nobody else can
 * write to, 0 if it does not exist, else a negative rtg_status with err
 * set: an entry planted there by someone else would be published as is
 * (it only has to be a valid theme). */
static int dir_private(const struct rtg_cache *c, char *err)
{
	int r = rtg_dir_private(c->dir);

	if (r < 0)
		return errno == ENOENT ? 0 : rtg_fail(err, RTG_ERR_IO, "%s: %s", c->dir,
		                                      strerror(errno));
	if (r == 0)
		return rtg_fail(err, RTG_ERR_IO,
		                "%s: not a directory of ours closed to others: themes cached in memory only",
		                c->dir);
	return 1;
}

/* Reads a disk entry; NULL when missing or unusable (then removed). */
static char *disk_get(struct rtg_cache *c, const struct rtg_cache_key *k,
                      size_t *len)
{
	char *path = entry_path(c, k), *text = NULL, err[RTG_ERRLEN];
	struct stat st;
	size_t got = 0;
	int fd = -1, ok = 0;

	if (path == NULL)
		return NULL;
	if (dir_private(c, err) <= 0)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		goto out;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > RTG_CACHE_ENTRY_MAX)
		goto out;
	if ((text = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	text[got] = '\0';
	/* A cached file is only trusted as far as rmpc would accept it: a
	 * truncated or tampered entry must never reach the theme path. */
	if (rtg_theme_check(text, got, path, NULL, err) < 0)
		goto out;
	(void)futimens(fd, NULL); /* mtime = last use, for the LRU pruning */
	ok = 1;
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	if (!ok) {
		if (text != NULL)
			(void)unlink(path); /* present but bad */
		free(text);
		text = NULL;
	}
	free(path);
	return text;
}

int rtg_cache_get(struct rtg_cache *c, const struct rtg_cache_key *k,
                  char **text, size_t *len, const char **where)
{
	char *t;

	for (int i = 0; i < RTG_CACHE_MEM_ENTRIES; i++) {
		struct entry *e = &c->mem[i];
		if (e->text != NULL && key_eq(&e->key, k)) {
			if ((t = malloc(e->len + 1)) == NULL)
				return 1;
			memcpy(t, e->text, e->len + 1);
			e->used = ++c->clock;
			*text = t;
			*len = e->len;
			*where = "memory";
			return 0;
		}
	}
	if (c->dir == NULL || (t = disk_get(c, k, len)) == NULL)
		return 1;
	{
		char *copy = malloc(*len + 1);
		if (copy != NULL) {
			memcpy(copy, t, *len + 1);
			mem_put(c, k, copy, *len);
		}
	}
	*text = t;
	*where = "disk";
	return 0;
}

struct file_age {
	char name[48];
	off_t size;
	struct timespec mtime;
};

static int older_first(const void *a, const void *b)
{
	const struct file_age *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Removes least recently used entries until the total is <= max_disk. */
static void prune(struct rtg_cache *c)
{
	DIR *d = opendir(c->dir);
	struct dirent *de;
	struct file_age *v = NULL;
	size_t n = 0, cap = 0;
	unsigned long long total = 0;
	int dfd;

	if (d == NULL)
		return;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		struct stat st;
		/* Only our own names: 32 hex digits + ".ron". */
		if (l < 36 || strncmp(de->d_name + 32, ".ron", 4) != 0 ||
		    strspn(de->d_name, "0123456789abcdef") != 32)
			continue;
		if (l > 36) {
			/* ".ron.tmpPID" of a writer that died before its rename:
			 * an hour is far beyond any write. */
			if (strncmp(de->d_name + 36, ".tmp", 4) == 0 &&
			    strspn(de->d_name + 40, "0123456789") == l - 40 &&
			    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode) && st.st_mtime < time(NULL) - 3600)
				(void)unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct file_age *nv = realloc(v, nc * sizeof *v);
			if (nv == NULL)
				break;
			v = nv;
			cap = nc;
		}
		snprintf(v[n].name, sizeof v[n].name, "%s", de->d_name);
		v[n].size = st.st_size;
		v[n].mtime = st.st_mtim;
		total += (unsigned long long)st.st_size;
		n++;
	}
	if (total > c->max_disk && n > 0) {
		qsort(v, n, sizeof *v, older_first);
		for (size_t i = 0; i < n && total > c->max_disk; i++)
			if (unlinkat(dfd, v[i].name, 0) == 0)
				total -= (unsigned long long)v[i].size;
	}
	free(v);
	closedir(d);
}

static int disk_put(struct rtg_cache *c, const struct rtg_cache_key *k,
                    const char *text, size_t len, char *err)
{
	char *path = NULL, *tmp = NULL, *dir = NULL;
	size_t off = 0, n;
	int fd = -1, rc = 0;
	bool created = false;

	if (len > RTG_CACHE_ENTRY_MAX || len > c->max_disk)
		return 0; /* would evict everything else; not worth it */
	if ((dir = strdup(c->dir)) == NULL || (path = entry_path(c, k)) == NULL)
		goto nomem;
	n = strlen(path) + 16;
	if ((tmp = malloc(n)) == NULL)
		goto nomem;
	snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
	if (rtg_mkdir_p(dir, 0700) < 0) {
		rc = rtg_fail(err, RTG_ERR_IO, "%s: %s", c->dir, strerror(errno));
		goto out;
	}
	if ((rc = dir_private(c, err)) <= 0) {
		/* Said once; from now on the cache lives in memory. */
		if (rc == 0)
			rc = rtg_fail(err, RTG_ERR_IO, "%s: vanished", c->dir);
		free(c->dir);
		c->dir = NULL;
		goto out;
	}
	rc = 0;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = rtg_fail(err, RTG_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	created = true;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = rtg_fail(err, RTG_ERR_IO, "%s: %s", tmp,
			              w < 0 ? strerror(errno) : "short write");
			goto out;
		}
		off += (size_t)w;
	}
	/* No fsync: a lost cache entry costs one decode; a torn one is caught
	 * by the check on read. */
	if (close(fd) < 0) {
		fd = -1;
		rc = rtg_fail(err, RTG_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = rtg_fail(err, RTG_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	prune(c);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && created)
		(void)unlink(tmp);
	free(dir);
	free(path);
	free(tmp);
	return rc;
nomem:
	rc = rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
	goto out;
}

int rtg_cache_put(struct rtg_cache *c, const struct rtg_cache_key *k,
                  const char *text, size_t len, char *err)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	mem_put(c, k, copy, len);
	if (c->dir == NULL)
		return 0;
	return disk_put(c, k, text, len, err);
}
