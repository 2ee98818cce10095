/* cache_dir.c - where the cache lives and the directory helpers it shares
 * with the watcher's lock (lock.c) and publishing (publish.c): creating a
 * directory with its parents, and whether one is closed to others.  See
 * cache.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "settings.h"

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
