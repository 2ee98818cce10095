/* watch_config.c - the watcher's config file: inotify watches on the
 * directories it lives in (or may appear in), and the reload on a change
 * or SIGHUP. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM)

static bool wd_shared(const struct watcher *w, const struct dirwatch *dw)
{
	const struct dirwatch *all[] = { &w->cfg_w, &w->user_w, &w->parent_w, &w->link_w };

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i] != dw && all[i]->wd == dw->wd)
			return true;
	return false;
}

static void dirwatch_drop(struct watcher *w, struct dirwatch *dw)
{
	if (dw->wd >= 0 && !wd_shared(w, dw))
		inotify_rm_watch(w->ifd, dw->wd);
	dw->wd = -1;
	free(dw->dir);
	dw->dir = NULL;
}

/* Points dw at dir (NULL: nothing); a watch already there is kept, so
 * that no event falls between a removal and a new watch. */
static void dirwatch_set(struct watcher *w, struct dirwatch *dw, char *dir, bool warn)
{
	if (dir != NULL && dw->wd >= 0 && strcmp(dir, dw->dir) == 0) {
		free(dir);
		return;
	}
	dirwatch_drop(w, dw);
	if (dir == NULL)
		return;
	dw->wd = inotify_add_watch(w->ifd, dir, WATCH_EVENTS | IN_ONLYDIR);
	if (dw->wd < 0) {
		if (warn)
			rtg_log(RTG_LOG_WARN, "%s: cannot watch for changes: %s (SIGHUP still reloads)",
			        dir, strerror(errno));
		free(dir);
		return;
	}
	dw->dir = dir;
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
			size_t ld = strlen(ldir);
			if ((t = malloc(ld + (size_t)n + 2)) != NULL)
				sprintf(t, "%s/%s", ldir, buf);
			free(ldir);
		}
		if (t == NULL)
			return;
	}
	*dir = dir_of(t);
	const char *slash = strrchr(t, '/');
	*base = strdup(slash != NULL ? slash + 1 : t);
	free(t);
	if (*dir == NULL || *base == NULL || (*base)[0] == '\0') {
		free(*dir);
		free(*base);
		*dir = *base = NULL;
	}
}

/* Watches directories, not files: editors save by writing a new file and
 * renaming it over the old one, which a watch on the file misses.
 *   cfg_w    the directory of the file in force;
 *   user_w   without --config, the directory searched first
 *            ($XDG_CONFIG_HOME/rmpc-theme-gen), when it is not cfg_w's: a
 *            file created there later takes over;
 *   parent_w that directory's parent while the directory does not exist,
 *            to notice it being created;
 *   link_w   when the path last read is a symbolic link, the directory of
 *            the file it points to (a dotfiles repository, say), where
 *            that file is edited. */
void rtg_watch_config_watch(struct watcher *w)
{
	char *cfgdir = NULL, *userdir = NULL, *parent = NULL, *linkdir, *linkbase;

	if (w->ifd < 0)
		return;
	if (w->config_path != NULL)
		cfgdir = dir_of(w->config_path);
	if (w->explicit_config == NULL)
		userdir = rtg_config_user_dir();
	if (userdir != NULL && cfgdir != NULL && strcmp(userdir, cfgdir) == 0) {
		free(userdir);
		userdir = NULL;
	}
	if (userdir != NULL && access(userdir, F_OK) != 0) {
		parent = dir_of(userdir);
		free(userdir);
		userdir = NULL;
	}
	link_target(w->stamp_path, &linkdir, &linkbase);
	/* Old watches go before new ones are added, so that a directory no
	 * slot names any more loses its watch. */
	struct { struct dirwatch *dw; char *dir; bool warn; } set[] = {
		{ &w->cfg_w, cfgdir, true }, { &w->user_w, userdir, false },
		{ &w->parent_w, parent, false }, { &w->link_w, linkdir, true },
	};
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (set[i].dir == NULL || set[i].dw->dir == NULL ||
		    strcmp(set[i].dir, set[i].dw->dir) != 0)
			dirwatch_drop(w, set[i].dw);
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		dirwatch_set(w, set[i].dw, set[i].dir, set[i].warn);
	free(w->link_base);
	w->link_base = linkbase;
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
	free(w->cfg_w.dir);
	free(w->user_w.dir);
	free(w->parent_w.dir);
	free(w->link_w.dir);
	free(w->link_base);
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
	char *path = rtg_config_find(w->explicit_config);
	bool changed;

	stamp_take(path, &now);
	changed = w->cfg_written || !streq0(path, w->stamp_path) || !stamp_same(&now, &w->stamp);
	free(path);
	if (changed)
		rtg_watch_config_reload(w, "config file changed");
}

void rtg_watch_config_on_inotify(struct watcher *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base = NULL;
	bool settle = false, rewatch = false;
	ssize_t n;

	if (w->config_path != NULL) {
		base = strrchr(w->config_path, '/');
		base = base != NULL ? base + 1 : w->config_path;
	}
	while ((n = read(w->ifd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_IGNORED) {
				/* A watched directory went away (events for
				 * watches removed on purpose carry stale wds). */
				struct dirwatch *gone[] = { &w->cfg_w, &w->user_w, &w->parent_w, &w->link_w };
				for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
					if (gone[i]->wd == ev->wd) {
						gone[i]->wd = -1;
						rewatch = true;
					}
				continue;
			}
			if (ev->len == 0 || ev->wd < 0)
				continue;
			/* one directory may be several slots: each looks */
			bool mine = (ev->wd == w->cfg_w.wd && base != NULL && strcmp(ev->name, base) == 0) ||
			            (ev->wd == w->user_w.wd && strcmp(ev->name, "config") == 0) ||
			            (ev->wd == w->link_w.wd && w->link_base != NULL &&
			             strcmp(ev->name, w->link_base) == 0);
			if (ev->wd == w->parent_w.wd && strcmp(ev->name, "rmpc-theme-gen") == 0)
				mine = rewatch = true;
			if (mine) {
				settle = true;
				if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
					w->cfg_written = true;
			}
		}
	}
	/* A new directory is watched at once: the file may be written there
	 * next (or already was, which the settled check sees). */
	if (rewatch) {
		rtg_watch_config_watch(w);
		settle = true;
	}
	if (settle)
		settle_arm(w);
}
