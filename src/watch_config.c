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

static void dirwatch_drop(struct watcher *w, struct dirwatch *dw)
{
	if (dw->wd >= 0)
		inotify_rm_watch(w->ifd, dw->wd);
	dw->wd = -1;
	free(dw->dir);
	dw->dir = NULL;
}

/* Points dw at dir (NULL: nothing); a watch already there is kept, so
 * that no event falls between a removal and a new watch. */
static void dirwatch_set(struct watcher *w, struct dirwatch *dw, char *dir,
                         uint32_t mask, bool warn)
{
	if (dir != NULL && dw->wd >= 0 && strcmp(dir, dw->dir) == 0) {
		free(dir);
		return;
	}
	dirwatch_drop(w, dw);
	if (dir == NULL)
		return;
	dw->wd = inotify_add_watch(w->ifd, dir, mask | IN_ONLYDIR);
	if (dw->wd < 0) {
		if (warn)
			rtg_log(RTG_LOG_WARN, "%s: cannot watch for changes: %s (SIGHUP still reloads)",
			        dir, strerror(errno));
		free(dir);
		return;
	}
	dw->dir = dir;
}

/* Watches directories, not files: editors save by writing a new file and
 * renaming it over the old one, which a watch on the file misses.
 *   cfg_w    the directory of the file in force: its changes reload;
 *   user_w   without --config, the directory searched first
 *            ($XDG_CONFIG_HOME/rmpc-theme-gen), when it is not cfg_w's: a
 *            file created there later takes over;
 *   parent_w that directory's parent while the directory does not exist,
 *            to notice it being created. */
void rtg_watch_config_watch(struct watcher *w)
{
	const uint32_t file_events = IN_CLOSE_WRITE | IN_MOVED_TO;
	char *cfgdir = NULL, *userdir = NULL, *parent = NULL;

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
	/* Old watches go before new ones are added: the kernel gives one
	 * directory one watch descriptor, shared by every slot that names it. */
	if (cfgdir == NULL || w->cfg_w.dir == NULL || strcmp(cfgdir, w->cfg_w.dir) != 0)
		dirwatch_drop(w, &w->cfg_w);
	if (userdir == NULL || w->user_w.dir == NULL || strcmp(userdir, w->user_w.dir) != 0)
		dirwatch_drop(w, &w->user_w);
	if (parent == NULL || w->parent_w.dir == NULL || strcmp(parent, w->parent_w.dir) != 0)
		dirwatch_drop(w, &w->parent_w);
	dirwatch_set(w, &w->cfg_w, cfgdir, file_events, true);
	dirwatch_set(w, &w->user_w, userdir, file_events, false);
	dirwatch_set(w, &w->parent_w, parent, IN_CREATE | IN_MOVED_TO, false);
	/* The same directory under two names (a symlink): one owner. */
	if (w->user_w.wd >= 0 && w->user_w.wd == w->cfg_w.wd) {
		w->user_w.wd = -1;
		dirwatch_drop(w, &w->user_w);
	}
}

void rtg_watch_config_reload(struct watcher *w, const char *why)
{
	struct rtg_settings ns;
	struct rtg_job nj;
	char err[RTG_ERRLEN];
	char *path = rtg_config_find(w->explicit_config);
	bool reconnect;

	if (rtg_settings_build(path, &ns, err) < 0 ||
	    rtg_settings_resolve_paths(&ns, err) < 0) {
		rtg_log(RTG_LOG_ERR, "%s: %s; keeping the previous configuration", why, err);
		free(path);
		return;
	}
	if (rtg_job_init(&nj, &ns, true) != 0) {
		rtg_log(RTG_LOG_ERR, "%s: keeping the previous configuration", why);
		rtg_settings_free(&ns);
		free(path);
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

void rtg_watch_config_on_inotify(struct watcher *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base = NULL;
	bool hit = false, rewatch = false;
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
				struct dirwatch *gone[] = { &w->cfg_w, &w->user_w, &w->parent_w };
				for (size_t i = 0; i < 3; i++)
					if (gone[i]->wd == ev->wd) {
						gone[i]->wd = -1;
						rewatch = true;
					}
				continue;
			}
			if (ev->len == 0 || ev->wd < 0)
				continue;
			if (ev->wd == w->cfg_w.wd && base != NULL && strcmp(ev->name, base) == 0)
				hit = true;
			else if (ev->wd == w->user_w.wd && strcmp(ev->name, "config") == 0)
				hit = true;
			else if (ev->wd == w->parent_w.wd && strcmp(ev->name, "rmpc-theme-gen") == 0)
				rewatch = true;
		}
	}
	if (rewatch) {
		char *now;
		rtg_watch_config_watch(w);
		/* The file may have been written before its new directory was
		 * watched. */
		now = rtg_config_find(w->explicit_config);
		if (!streq0(now, w->config_path))
			hit = true;
		free(now);
	}
	if (hit)
		rtg_watch_config_reload(w, "config file changed");
}
