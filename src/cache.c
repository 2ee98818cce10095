/* cache.c - the theme cache itself: a few entries in memory (LRU) and
 * files on disk (bounded total, least recently used removed first).  The
 * key is in cache_key.c, the cache's directory in cache_dir.c.  See
 * cache.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "status.h"
#include "theme.h"

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
