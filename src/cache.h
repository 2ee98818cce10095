/* cache.h - generated themes keyed by (art bytes, options that change the
 * result), in memory (a few entries, LRU) and on disk under
 * $XDG_CACHE_HOME/rmpc-theme-gen/ (bounded total size, least recently used
 * files removed first).  Tracks of one album then cost a fetch and a hash,
 * not a decode. */
#ifndef RTG_CACHE_H
#define RTG_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pipeline.h"

#define RTG_CACHE_MEM_ENTRIES 8
#define RTG_CACHE_ENTRY_MAX (2u * 1024 * 1024) /* a cached theme file, bytes */

struct rtg_cache_key {
	uint64_t h[2];
};

/* 128-bit non-cryptographic hash of data (seeded). */
void rtg_hash128(const void *data, size_t len, uint64_t seed, uint64_t out[2]);

/* Key of (art, every option that changes the theme, program version and
 * build: rtg_build_id()). */
void rtg_cache_key(const uint8_t *art, size_t len, const struct rtg_options *o,
                   struct rtg_cache_key *k);
/* The same with a given build id (NULL/0: none, the version alone stands
 * for the code), so that tests can vary it. */
void rtg_cache_key_build(const uint8_t *art, size_t len, const struct rtg_options *o,
                         const uint8_t *build_id, size_t build_id_len,
                         struct rtg_cache_key *k);

/* The GNU build-id of the running executable (its NT_GNU_BUILD_ID note,
 * which the linker derives from the code, so that two builds of one
 * version differ), or NULL with *len 0 when it was linked without one.
 * Points into the program's own mapped image: valid for the process's
 * life. */
const uint8_t *rtg_build_id(size_t *len);
/* The walk rtg_build_id() does over one PT_NOTE segment of size bytes at
 * seg, laid out for alignment align (the segment's p_align: 8, or 4 for
 * any other value): the descriptor of the first note named "GNU" of type
 * NT_GNU_BUILD_ID with a non-empty descriptor, *len its size, or NULL
 * with *len 0.  Reads nothing outside [seg, seg + size): a note whose
 * sizes run past the end ends the walk. */
const uint8_t *rtg_build_id_note(const void *seg, size_t size, size_t align, size_t *len);
void rtg_cache_key_hex(const struct rtg_cache_key *k, char out[33]);

/* $XDG_CACHE_HOME/rmpc-theme-gen when XDG_CACHE_HOME is absolute, else
 * ~/.cache/rmpc-theme-gen with HOME, or the password database's home
 * when HOME is unset or empty.  The cache and the watcher's cache lock
 * both live here, so they always agree.  malloc'd; NULL on OOM or when no
 * home directory is known. */
char *rtg_cache_base_dir(void);

/* Creates dir and its missing parents with mode (before the umask), like
 * mkdir -p.  0, or -1 with errno set and dir cut short at the component
 * that failed (for the message); dir is unchanged on success. */
int rtg_mkdir_p(char *dir, mode_t mode);

/* 1 if dir is a directory of ours that others cannot write to (group
 * writable passes with our own group: user private groups), 0 if it is
 * not, -1 with errno set when it cannot be stat()ed. */
int rtg_dir_private(const char *dir);

struct rtg_cache;

/* dir NULL: rtg_cache_base_dir() (memory only when no home is known).
 * max_disk_bytes 0: memory only.  The directory is created on the first store.
 * 0 or RTG_ERR_NOMEM. */
int rtg_cache_open(const char *dir, size_t max_disk_bytes,
                   struct rtg_cache **out, char *err);
void rtg_cache_close(struct rtg_cache *c);
const char *rtg_cache_dir(const struct rtg_cache *c); /* NULL: memory only */

/* 0 on a hit (*text malloc'd, NUL-terminated; *where "memory" or "disk"),
 * 1 on a miss.  Disk entries are checked (size, rmpc shape rules) before
 * use; a bad one is removed and counts as a miss. */
int rtg_cache_get(struct rtg_cache *c, const struct rtg_cache_key *k,
                  char **text, size_t *len, const char **where);
/* Stores a copy.  The disk part is best effort: 0, or RTG_ERR_IO /
 * RTG_ERR_NOMEM with err set (the memory entry is kept either way). */
int rtg_cache_put(struct rtg_cache *c, const struct rtg_cache_key *k,
                  const char *text, size_t len, char *err);

#endif
