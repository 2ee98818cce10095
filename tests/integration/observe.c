/* observe.c - behaves like rmpc's hot reload for the tests: an inotify
 * watch on the theme's directory, reacting only to IN_CLOSE_WRITE on the
 * theme's name.  Each event reads the file at once and prints
 *
 *   TIME_MS SIZE HASH ok|INVALID|UNREADABLE [message]
 *
 * (CLOCK_MONOTONIC ms, FNV-1a of the bytes) so a test can count the
 * publications and check that every read saw a complete, valid theme.
 * "ready" is printed once the watch is in place.  Runs until killed, or
 * until -n N events. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "status.h"
#include "theme.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void report(const char *path)
{
	static char buf[4 << 20];
	char err[RTG_ERRLEN];
	uint64_t h = 0xcbf29ce484222325ull;
	size_t n = 0;
	ssize_t r;
	double t = now_ms();
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		printf("%.3f 0 0 UNREADABLE %s\n", t, strerror(errno));
		fflush(stdout);
		return;
	}
	while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
	if (rtg_theme_check(buf, n, path, NULL, err) < 0)
		printf("%.3f %zu %016llx INVALID %s\n", t, n, (unsigned long long)h, err);
	else
		printf("%.3f %zu %016llx ok\n", t, n, (unsigned long long)h);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], *base, *slash;
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	long limit = -1, seen = 0;
	int fd;

	if (argc == 4 && strcmp(argv[1], "-n") == 0) {
		limit = atol(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || strlen(argv[1]) >= sizeof dir) {
		fprintf(stderr, "usage: observe [-n N] THEME_PATH\n");
		return 2;
	}
	strcpy(dir, argv[1]);
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		fprintf(stderr, "observe: need a path with a directory\n");
		return 2;
	}
	*slash = '\0';
	base = slash + 1;
	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, dir, IN_CLOSE_WRITE) < 0) {
		fprintf(stderr, "observe: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (limit < 0 || seen < limit) {
		ssize_t n = read(fd, ev, sizeof ev);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return 1;
		}
		for (char *p = ev; p < ev + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			if (e->len > 0 && strcmp(e->name, base) == 0) {
				report(argv[1]);
				seen++;
			}
			p += sizeof *e + e->len;
		}
	}
	return 0;
}
