/* test_publish.c - atomic publication: modes, no-op on identical bytes, the
 * IN_CLOSE_WRITE that rmpc reloads on (seen by a real inotify watch), and
 * failure paths that must leave the old file intact and no temp file.
 *
 * Failures are injected by defining write(), fsync() and rename() in this
 * program: the executable's definitions win over libc's for the calls made
 * from librtg, and the real ones are reached through dlsym(RTLD_NEXT). */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "publish.h"
#include "status.h"
#include "t.h"

static int inject_write_errno;  /* fail every write to a file with this */
static int inject_short_writes; /* write at most 7 bytes per call, EINTR first */
static int inject_fsync_errno;
static int inject_rename_errno;
static int write_calls;

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "write");
	if (fd > 2) {
		write_calls++;
		if (inject_write_errno) {
			errno = inject_write_errno;
			return -1;
		}
		if (inject_short_writes) {
			if (write_calls == 1) {
				errno = EINTR;
				return -1;
			}
			if (n > 7)
				n = 7;
		}
	}
	return real(fd, buf, n);
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	if (inject_fsync_errno) {
		errno = inject_fsync_errno;
		return -1;
	}
	return real(fd);
}

int
rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "rename");
	if (inject_rename_errno) {
		errno = inject_rename_errno;
		return -1;
	}
	return real(from, to);
}

static char dir[256];

#define PATHBUF 1024

static void fmt_path(char *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* snprintf into a PATHBUF buffer; a test path never gets that long. */
static void
fmt_path(char *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATHBUF, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATHBUF) {
		fprintf(stderr, "test path too long\n");
		exit(1);
	}
}

static void
path_in(char *out, const char *name)
{
	fmt_path(out, "%s/%s", dir, name);
}

static void
put_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* Whole file as a malloc'd string, NULL if unreadable. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Names in d that look like our temp files (".NAME.XXXXXX"). */
static int
count_temp_files(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

struct events {
	int close_write_target;   /* IN_CLOSE_WRITE on theme.ron */
	int moved_to_target;      /* IN_MOVED_TO theme.ron */
	int close_write_after_move; /* an IN_CLOSE_WRITE on the name after the rename */
	int any_write_side;       /* IN_CREATE / IN_MOVED_TO / IN_CLOSE_WRITE / IN_MODIFY at all */
};

static void
read_events(int ifd, const char *target, struct events *ev)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = { .fd = ifd, .events = POLLIN };

	memset(ev, 0, sizeof *ev);
	while (poll(&p, 1, 50) > 0) {
		ssize_t n = read(ifd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (char *q = buf; q < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)q;
			bool is_target = e->len > 0 && strcmp(e->name, target) == 0;

			if (e->mask & (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY))
				ev->any_write_side++;
			if (is_target && (e->mask & IN_MOVED_TO))
				ev->moved_to_target++;
			if (is_target && (e->mask & IN_CLOSE_WRITE)) {
				ev->close_write_target++;
				if (ev->moved_to_target)
					ev->close_write_after_move++;
			}
			q += sizeof *e + e->len;
		}
	}
}

static const char OLD[] = "(\n    background_color: \"#000000\",\n)\n";
static const char NEW[] = "(\n    background_color: \"#102030\",\n    text_color: \"#e0e0e0\",\n)\n";

static void
test_new_file(void)
{
	char target[PATHBUF], sub[PATHBUF];
	char err[RTG_ERRLEN] = "";
	bool changed = false;
	struct stat st;
	char *got;

	/* missing parents are created */
	fmt_path(sub, "%s/a/b/themes", dir);
	fmt_path(target, "%s/current-song.ron", sub);
	T_CHECK(rtg_publish(target, NEW, strlen(NEW), &changed, err) == 0, "%s", err);
	T_CHECK(changed, "a new file is a change");
	got = slurp(target);
	T_CHECK(got != NULL && strcmp(got, NEW) == 0, "content of a new file");
	free(got);
	T_CHECK(stat(target, &st) == 0 && (st.st_mode & 07777) == 0644,
	        "mode %o, expected 0644", (unsigned)(st.st_mode & 07777));
	T_CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755,
	        "created parent mode %o", (unsigned)(st.st_mode & 0777));
	T_CHECK(count_temp_files(sub) == 0, "no temp file left");

	/* a relative path in the working directory works too */
	char cwd[512];
	T_CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
	T_CHECK(chdir(sub) == 0, "chdir");
	T_CHECK(rtg_publish("rel.ron", OLD, strlen(OLD), &changed, err) == 0, "%s", err);
	T_CHECK(chdir(cwd) == 0, "chdir back");
	path_in(target, "a/b/themes/rel.ron");
	got = slurp(target);
	T_CHECK(got != NULL && strcmp(got, OLD) == 0, "relative target written");
	free(got);
}

static void
test_unchanged_and_replace(void)
{
	char target[PATHBUF];
	char err[RTG_ERRLEN] = "";
	bool changed = true;
	struct stat before, after;
	struct events ev;
	char *got;
	int ifd, wd;

	path_in(target, "theme.ron");
	put_file(target, OLD, 0600);
	T_CHECK(stat(target, &before) == 0, "stat");

	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	T_CHECK(ifd >= 0, "inotify_init1: %s", strerror(errno));
	if (ifd < 0)
		return;
	wd = inotify_add_watch(ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY);
	T_CHECK(wd >= 0, "inotify_add_watch: %s", strerror(errno));

	/* identical bytes: nothing happens on disk */
	sleep(0); /* mtime granularity is irrelevant: the inode must not change */
	T_CHECK(rtg_publish(target, OLD, strlen(OLD), &changed, err) == 0, "%s", err);
	T_CHECK(!changed, "identical bytes reported as a change");
	T_CHECK(stat(target, &after) == 0, "stat");
	T_CHECK(after.st_ino == before.st_ino, "inode changed on identical bytes");
	T_CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
	        after.st_mtim.tv_nsec == before.st_mtim.tv_nsec, "mtime changed");
	read_events(ifd, "theme.ron", &ev);
	T_CHECK(ev.any_write_side == 0, "%d write-side inotify events for identical bytes",
	        ev.any_write_side);

	/* same length, different bytes: still replaced */
	char flipped[sizeof OLD];
	memcpy(flipped, OLD, sizeof OLD);
	flipped[sizeof OLD - 4] = '1';
	T_CHECK(rtg_publish(target, flipped, strlen(flipped), &changed, err) == 0, "%s", err);
	T_CHECK(changed, "same size, other bytes must be published");
	read_events(ifd, "theme.ron", &ev);

	/* new bytes: replaced, with IN_CLOSE_WRITE on the final name */
	T_CHECK(rtg_publish(target, NEW, strlen(NEW), &changed, err) == 0, "%s", err);
	T_CHECK(changed, "new bytes must be published");
	read_events(ifd, "theme.ron", &ev);
	T_CHECK(ev.moved_to_target == 1, "IN_MOVED_TO on the target: %d", ev.moved_to_target);
	T_CHECK(ev.close_write_after_move == 1,
	        "IN_CLOSE_WRITE on the target after the rename: %d (total %d)",
	        ev.close_write_after_move, ev.close_write_target);
	got = slurp(target);
	T_CHECK(got != NULL && strcmp(got, NEW) == 0, "new content");
	free(got);
	T_CHECK(stat(target, &after) == 0 && (after.st_mode & 07777) == 0600,
	        "existing mode 0600 not kept: %o", (unsigned)(after.st_mode & 07777));
	T_CHECK(count_temp_files(dir) == 0, "no temp file left");

	/* short writes and EINTR are retried */
	inject_short_writes = 1;
	write_calls = 0;
	T_CHECK(rtg_publish(target, OLD, strlen(OLD), &changed, err) == 0, "%s", err);
	inject_short_writes = 0;
	T_CHECK(write_calls > 2, "the short-write injection was not exercised");
	got = slurp(target);
	T_CHECK(got != NULL && strcmp(got, OLD) == 0, "content after short writes");
	free(got);
	read_events(ifd, "theme.ron", &ev);
	close(ifd);
}

/* Every injected failure: error naming the path, old bytes intact, no temp
 * file, no event that would make rmpc reload. */
static void
test_failures(void)
{
	static const struct {
		const char *what;
		int *knob;
		int value;
	} cases[] = {
		{ "write ENOSPC", &inject_write_errno, ENOSPC },
		{ "write EIO", &inject_write_errno, EIO },
		{ "fsync EIO", &inject_fsync_errno, EIO },
		{ "rename EXDEV", &inject_rename_errno, EXDEV },
	};
	char target[PATHBUF];
	char err[RTG_ERRLEN];
	bool changed;
	struct stat before, after;
	char *got;

	path_in(target, "fail.ron");
	put_file(target, OLD, 0644);
	T_CHECK(stat(target, &before) == 0, "stat");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		changed = true;
		*cases[i].knob = cases[i].value;
		int rc = rtg_publish(target, NEW, strlen(NEW), &changed, err);
		*cases[i].knob = 0;
		T_CHECK(rc == RTG_ERR_IO, "%s: rc %d", cases[i].what, rc);
		T_CHECK(!changed, "%s: reported a change", cases[i].what);
		T_CHECK(strncmp(err, target, strlen(target)) == 0 &&
		        strstr(err, strerror(cases[i].value)) != NULL,
		        "%s: message '%s'", cases[i].what, err);
		T_CHECK(strchr(err, '\n') == NULL, "%s: one line", cases[i].what);
		got = slurp(target);
		T_CHECK(got != NULL && strcmp(got, OLD) == 0, "%s: old file damaged", cases[i].what);
		free(got);
		T_CHECK(stat(target, &after) == 0 && after.st_ino == before.st_ino,
		        "%s: old file replaced", cases[i].what);
		T_CHECK(count_temp_files(dir) == 0, "%s: temp file left", cases[i].what);
	}
}

static void
test_bad_places(void)
{
	char target[PATHBUF], file[512], sub[PATHBUF];
	char err[RTG_ERRLEN] = "";
	bool changed;
	char *got;

	/* a parent that is a regular file */
	path_in(file, "plain");
	put_file(file, "x", 0644);
	fmt_path(target, "%s/sub/theme.ron", file);
	T_CHECK(rtg_publish(target, NEW, strlen(NEW), &changed, err) == RTG_ERR_IO,
	        "parent is a file");
	T_CHECK(strncmp(err, target, strlen(target)) == 0, "message '%s'", err);

	/* the target is a directory */
	path_in(sub, "adir");
	T_CHECK(mkdir(sub, 0755) == 0, "mkdir");
	T_CHECK(rtg_publish(sub, NEW, strlen(NEW), &changed, err) == RTG_ERR_IO,
	        "target is a directory");
	T_CHECK(count_temp_files(dir) == 0, "temp file left beside a directory target");

	/* an unwritable directory (root writes anyway: only checked as a user) */
	if (geteuid() != 0) {
		path_in(sub, "ro");
		T_CHECK(mkdir(sub, 0755) == 0, "mkdir");
		fmt_path(target, "%s/theme.ron", sub);
		put_file(target, OLD, 0644);
		chmod(sub, 0555);
		err[0] = '\0';
		T_CHECK(rtg_publish(target, NEW, strlen(NEW), &changed, err) == RTG_ERR_IO,
		        "unwritable directory");
		T_CHECK(strncmp(err, target, strlen(target)) == 0 &&
		        strstr(err, strerror(EACCES)) != NULL, "message '%s'", err);
		got = slurp(target);
		T_CHECK(got != NULL && strcmp(got, OLD) == 0, "old file damaged");
		free(got);
		T_CHECK(count_temp_files(sub) == 0, "temp file left");
		chmod(sub, 0755);
	} else {
		printf("running as root: unwritable-directory case covered by injection only\n");
	}
}

static void
test_symlink(void)
{
	char real[PATHBUF], link[PATHBUF], d[PATHBUF];
	char err[RTG_ERRLEN] = "";
	bool changed;
	struct stat st;
	char *got;

	path_in(d, "dotfiles");
	T_CHECK(mkdir(d, 0755) == 0, "mkdir");
	path_in(real, "dotfiles/theme.ron");
	path_in(link, "linked.ron");
	put_file(real, OLD, 0644);
	T_CHECK(symlink(real, link) == 0, "symlink");
	T_CHECK(rtg_publish(link, NEW, strlen(NEW), &changed, err) == 0, "%s", err);
	T_CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "symlink replaced by a file");
	got = slurp(real);
	T_CHECK(got != NULL && strcmp(got, NEW) == 0, "symlink target not updated");
	free(got);
	T_CHECK(count_temp_files(d) == 0, "temp file left");
}

static void
rm_rf(const char *path)
{
	char cmd[600];
	fmt_path(cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	fmt_path(dir, "%s/rtg-publish.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_new_file();
	test_unchanged_and_replace();
	test_failures();
	test_bad_places();
	test_symlink();
	rm_rf(dir);
	return t_done();
}
