/* watch_config.c - the watcher's config file: inotify watches on the
 * directories it lives in (or may appear in), and the reload on a change
 * or SIGHUP. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cache.h"
#include "cli.h"
#include "configfile.h"
#include "job.h"
#include "log.h"
#include "mpd.h"
#include "settings.h"
#include "status.h"
#include "watch_internal.h"

static bool streq0(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* Every slot asks for the same events: two slots naming one directory get
 * one kernel watch, and a second inotify_add_watch with another mask
 * would replace the first one's. */
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | \
                      IN_MOVED_FROM | IN_MOVE_SELF | IN_ONLYDIR)

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

static bool wd_in_use(const struct watcher *w, int wd)
{
	return wd >= 0 && (w->cfg_w.wd == wd || w->user_w.wd == wd || w->link_w.wd == wd);
}

/* Points dw at dir (NULL: nothing) and name; the caller removes the kernel
 * watch dw had, if no slot uses it any more.  A watch already on dir is
 * kept.  A dir that does not exist: its nearest existing ancestor. */
static void dirwatch_set(struct watcher *w, struct dirwatch *dw, char *dir, char *name, bool warn)
{
	struct stat st;
	int e;

	free(dw->name);
	dw->name = name;
	if (dir != NULL && dw->wd >= 0 && !dw->pending && strcmp(dir, dw->dir) == 0 &&
	    stat(dir, &st) == 0 && st.st_dev == dw->dev && st.st_ino == dw->ino) {
		free(dir);
		return;
	}
	free(dw->dir);
	dw->dir = dir;
	dw->wd = -1;
	dw->pending = false;
	if (dir == NULL)
		return;
	if ((dw->wd = inotify_add_watch(w->ifd, dir, WATCH_EVENTS)) >= 0) {
		if (stat(dir, &st) == 0) {
			dw->dev = st.st_dev;
			dw->ino = st.st_ino;
		}
		return;
	}
	e = errno;
	if (e == ENOENT || e == ENOTDIR) {
		char *a = strdup(dir);
		while (dw->wd < 0 && a != NULL && strcmp(a, "/") != 0 && strcmp(a, ".") != 0) {
			char *up = dir_of(a);
			free(a);
			a = up;
			if (a != NULL)
				dw->wd = inotify_add_watch(w->ifd, a, WATCH_EVENTS);
		}
		free(a);
		if (dw->wd >= 0) {
			dw->pending = true;
			return;
		}
	}
	if (warn)
		rtg_log(RTG_LOG_WARN, "%s: cannot watch for changes: %s (SIGHUP still reloads)",
		        dir, strerror(e));
}

/* When path is a symbolic link: the directory and name of the file it
 * finally points to (one level of a dangling link: where the file would
 * appear).  Both NULL otherwise. */
static void link_target(const char *path, char **dir, char **base)
{
	struct stat st;
	char *t;

	*dir = *base = NULL;
	if (path == NULL || lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
		return;
	if ((t = realpath(path, NULL)) == NULL) {
		char buf[4096];
		ssize_t n = readlink(path, buf, sizeof buf - 1);
		char *ldir;
		if (n <= 0)
			return;
		buf[n] = '\0';
		if (buf[0] == '/' || (ldir = dir_of(path)) == NULL) {
			t = strdup(buf);
		} else {
			t = rtg_path_join(ldir, buf);
			free(ldir);
		}
		if (t == NULL)
			return;
	}
	*dir = dir_of(t);
	*base = strdup(base_of(t));
	free(t);
	if (*dir == NULL || *base == NULL || (*base)[0] == '\0') {
		free(*dir);
		free(*base);
		*dir = *base = NULL;
	}
}

/* Watches directories, not files: editors save by writing a new file and
 * renaming it over the old one, which a watch on the file misses.
 *   cfg_w   the directory of the path last read (the file in force, unless
 *           reading it failed);
 *   user_w  without --config, the directory searched first
 *           ($XDG_CONFIG_HOME/rmpc-theme-gen), when it is not cfg_w's: a
 *           file created there later takes over;
 *   link_w  when the path last read (or, without --config, the first path
 *           searched, even dangling) is a symbolic link, the directory of
 *           the file it points to (a dotfiles repository, say), where that
 *           file is edited, removed or comes back.
 * New watches are added before old ones go, so that no event falls between
 * a directory's old and new slot. */
void rtg_watch_config_watch(struct watcher *w)
{
	struct dirwatch *slot[3] = { &w->cfg_w, &w->user_w, &w->link_w };
	char *dir[3] = { NULL, NULL, NULL }, *name[3] = { NULL, NULL, NULL };
	char *userpath = NULL;
	int old[3];
	struct stat st;

	if (w->ifd < 0)
		return;
	if (w->stamp_path != NULL) {
		dir[0] = dir_of(w->stamp_path);
		name[0] = strdup(base_of(w->stamp_path));
	}
	if (w->explicit_config == NULL && (dir[1] = rtg_config_user_dir()) != NULL) {
		userpath = rtg_path_join(dir[1], "config");
		if (dir[0] != NULL && strcmp(dir[1], dir[0]) == 0) {
			free(dir[1]);
			dir[1] = NULL;
		} else {
			name[1] = strdup("config");
		}
	}
	link_target(userpath != NULL && lstat(userpath, &st) == 0 && S_ISLNK(st.st_mode)
	            ? userpath : w->stamp_path, &dir[2], &name[2]);
	free(userpath);
	for (size_t i = 0; i < 3; i++)
		old[i] = slot[i]->wd;
	for (size_t i = 0; i < 3; i++)
		dirwatch_set(w, slot[i], dir[i], name[i], i != 1);
	for (size_t i = 0; i < 3; i++)
		if (old[i] >= 0 && !wd_in_use(w, old[i])) {
			inotify_rm_watch(w->ifd, old[i]);
			for (size_t j = i + 1; j < 3; j++)
				if (old[j] == old[i])
					old[j] = -1;
		}
}

static bool ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static void stamp_take(const char *path, struct cfg_stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof *s);
	if (path == NULL) {
		s->err = ENOENT;
		return;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		s->link = true;
		s->link_ino = st.st_ino;
		s->link_ctim = st.st_ctim;
	}
	if (stat(path, &st) != 0) {
		s->err = errno;
		return;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->mode = st.st_mode;
	s->size = st.st_size;
	s->mtim = st.st_mtim;
	s->ctim = st.st_ctim;
}

static bool stamp_same(const struct cfg_stamp *a, const struct cfg_stamp *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino &&
	       a->mode == b->mode && a->size == b->size && ts_eq(a->mtim, b->mtim) &&
	       ts_eq(a->ctim, b->ctim) && a->link == b->link &&
	       a->link_ino == b->link_ino && ts_eq(a->link_ctim, b->link_ctim);
}

/* Records path (rtg_config_find's answer, about to be read) and what it
 * shows now: a later event is compared with this. */
void rtg_watch_config_stamp(struct watcher *w, const char *path)
{
	char *copy = path != NULL ? strdup(path) : NULL;

	if (path != NULL && copy == NULL)
		return; /* out of memory: the next event reloads */
	free(w->stamp_path);
	w->stamp_path = copy;
	stamp_take(path, &w->stamp);
	w->cfg_written = false;
}

void rtg_watch_config_free(struct watcher *w)
{
	struct dirwatch *slot[3] = { &w->cfg_w, &w->user_w, &w->link_w };

	for (size_t i = 0; i < 3; i++) {
		free(slot[i]->dir);
		free(slot[i]->name);
	}
	free(w->stamp_path);
}

void rtg_watch_config_reload(struct watcher *w, const char *why)
{
	struct rtg_settings ns;
	struct rtg_job nj;
	char err[RTG_ERRLEN];
	char *path = rtg_config_find(w->explicit_config);
	bool reconnect;

	/* before reading: a change from now on is another reload */
	rtg_watch_config_stamp(w, path);
	if (rtg_settings_build(path, &ns, err) < 0 ||
	    rtg_settings_resolve_paths(&ns, err) < 0) {
		rtg_log(RTG_LOG_ERR, "%s: %s; keeping the previous configuration", why, err);
		free(path);
		rtg_watch_config_watch(w); /* a link read now: its target's edits */
		return;
	}
	if (rtg_job_init(&nj, &ns, true) != 0) {
		rtg_log(RTG_LOG_ERR, "%s: keeping the previous configuration", why);
		rtg_settings_free(&ns);
		free(path);
		rtg_watch_config_watch(w);
		return;
	}
	rtg_settings_free(&ns);
	/* Keys cover every option, so the themes cached so far stay valid:
	 * keep the warm in-memory entries when the cache itself is unchanged. */
	if (nj.cache != NULL && w->job.cache != NULL &&
	    streq0(nj.s.cache_dir, w->job.s.cache_dir) &&
	    nj.s.cache_max_bytes == w->job.s.cache_max_bytes) {
		rtg_cache_close(nj.cache);
		nj.cache = w->job.cache;
		w->job.cache = NULL;
	}
	reconnect = !streq0(nj.s.mpd_host, w->job.s.mpd_host) ||
	            !streq0(nj.s.mpd_password, w->job.s.mpd_password) ||
	            nj.s.mpd_port != w->job.s.mpd_port ||
	            nj.s.mpd_timeout_ms != w->job.s.mpd_timeout_ms ||
	            nj.s.binarylimit != w->job.s.binarylimit;
	rtg_job_free(&w->job);
	w->job = nj;
	rtg_log_init(rtg_watch_log_verbosity(w->job.s.verbosity), 1);
	if (!streq0(path, w->config_path)) {
		free(w->config_path);
		w->config_path = path;
		path = NULL;
	}
	free(path);
	rtg_watch_config_watch(w); /* the file, or where one may appear, may have moved */
	rtg_log(RTG_LOG_INFO, "%s: configuration reloaded from %s", why,
	        w->config_path != NULL ? w->config_path : "(defaults, no file)");
	if (reconnect && w->mpd != NULL) {
		rtg_mpd_close(w->mpd);
		w->mpd = NULL;
		w->idling = false;
		w->state = CONN_NEW;
	}
	if (w->mpd == NULL) {
		w->backoff_ms = BACKOFF_MIN_MS;
		rtg_watch_mpd_connect(w);
	}
	/* New options may give a new theme for the same song. */
	w->want_song = w->want_redo = true;
}

/* An event about the config: act once things are quiet (settle_fd). */
static void settle_arm(struct watcher *w)
{
	struct itimerspec its = { .it_value = { 0, CONFIG_SETTLE_MS * 1000000L } };

	if (w->settle_fd < 0 || timerfd_settime(w->settle_fd, 0, &its, NULL) < 0)
		rtg_watch_config_settled(w);
}

/* The config's directory has been quiet for CONFIG_SETTLE_MS: reload when
 * a file was written there, or when the search now finds another path or
 * the path shows another file (removed, replaced, a link repointed). */
void rtg_watch_config_settled(struct watcher *w)
{
	struct cfg_stamp now;
	char *path;
	bool changed;

	if (w->cfg_creating)
		return; /* the write event to come settles again */
	path = rtg_config_find(w->explicit_config);
	stamp_take(path, &now);
	changed = w->cfg_written || !streq0(path, w->stamp_path) || !stamp_same(&now, &w->stamp);
	free(path);
	if (changed)
		rtg_watch_config_reload(w, "config file changed");
}

/* A file created under name in dir: wait for its writer to close it (the
 * write event follows), unless it is something no one writes - a
 * symbolic link, a directory, a second hard link. */
static bool created_whole(const char *dir, const char *name)
{
	struct stat st;
	char *p = rtg_path_join(dir, name);
	bool whole = true;

	if (p != NULL) {
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1)
			whole = false;
		free(p);
	}
	return whole;
}

void rtg_watch_config_on_inotify(struct watcher *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct dirwatch *slot[3] = { &w->cfg_w, &w->user_w, &w->link_w };
	bool settle = false, rewatch = false;
	ssize_t n;

	while ((n = read(w->ifd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* events were lost: look again, and read the file */
				rewatch = settle = w->cfg_written = true;
				continue;
			}
			if (ev->mask & (IN_IGNORED | IN_MOVE_SELF)) {
				/* A watched directory went away or was renamed:
				 * its path is watched afresh (events for watches
				 * removed on purpose carry wds no slot has). */
				bool ours = false;
				for (size_t i = 0; i < 3; i++)
					if (slot[i]->wd == ev->wd) {
						slot[i]->wd = -1;
						ours = true;
					}
				if (ours && (ev->mask & IN_MOVE_SELF))
					inotify_rm_watch(w->ifd, ev->wd);
				if (ours)
					rewatch = settle = true;
				continue;
			}
			for (size_t i = 0; i < 3; i++) {
				const struct dirwatch *dw = slot[i];
				if (ev->wd < 0 || dw->wd != ev->wd || ev->len == 0)
					continue;
				if (dw->pending) {
					/* a directory on the way may have appeared */
					if (ev->mask & (IN_CREATE | IN_MOVED_TO))
						rewatch = settle = true;
				} else if (dw->name != NULL && strcmp(ev->name, dw->name) == 0) {
					settle = true;
					if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
						w->cfg_written = true;
					/* a new file: read once its writer closes it */
					if (ev->mask & IN_CREATE)
						w->cfg_creating = !created_whole(dw->dir, ev->name);
					else
						w->cfg_creating = false;
				}
			}
		}
	}
	/* A new directory is watched at once: the file may be written there
	 * next (or already was, which the settled check sees). */
	if (rewatch)
		rtg_watch_config_watch(w);
	if (settle)
		settle_arm(w);
}
