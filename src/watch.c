/* watch.c - the watcher: one poll() over the MPD connection (idle player),
 * a signalfd, an inotify fd on the config file's directory and a timerfd
 * for reconnect backoff.  Nothing runs in signal handlers (there are none:
 * the signals are blocked and read from the signalfd), and nothing wakes
 * the process while MPD is idle.
 *
 * Also the MPD one-shot mode (no source option): the same fetch, cache and
 * publish steps, once, for scripts and rmpc's on_song_change hook. */
#include "config.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cache.h"
#include "cli.h"
#include "configfile.h"
#include "exitcodes.h"
#include "lock.h"
#include "log.h"
#include "modes.h"
#include "mpd.h"
#include "pipeline.h"
#include "publish.h"
#include "settings.h"
#include "status.h"
#include "watch.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 8000
/* Art fetches of one song that may lose the connection before its art is
 * given up: a server that times out on (or crashes, or hangs up on) one
 * file must not hold the watcher in a reconnect loop until the track
 * changes. */
#define ART_MAX_TRIES 3

static bool streq0(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

char *rtg_watch_theme_path(const struct rtg_settings *s)
{
	return s->theme_output != NULL ? strdup(s->theme_output)
	       : rtg_settings_default_theme_path();
}

/* ------------------------------------------------------------------ job
 * What depends on the settings: options with the template text, the theme
 * path and the cache.  Rebuilt as a whole on reload, so that a bad new
 * config leaves the old job untouched. */

struct job {
	struct rtg_settings s;
	struct rtg_options gen;
	char *tmpl;
	char *theme_path;
	struct rtg_cache *cache; /* NULL: caching off */
};

static void job_free(struct job *j)
{
	rtg_cache_close(j->cache);
	free(j->tmpl);
	free(j->theme_path);
	rtg_settings_free(&j->s);
	memset(j, 0, sizeof *j);
}

/* Returns 0 or an exit status (message logged).  daemon: the watcher's
 * job (checks a user template's contrast on the neutral palette too). */
static int job_init(struct job *j, const struct rtg_settings *s, bool daemon)
{
	char err[RTG_ERRLEN];
	int rc;

	memset(j, 0, sizeof *j);
	/* rtg_settings_resolve_paths leaves a theme path relative only when
	 * the working directory cannot be named: a daemon cannot use that */
	if (daemon && s->theme_output != NULL && s->theme_output[0] != '/') {
		rtg_log(RTG_LOG_ERR, "theme %s: a relative path, and the working directory "
		        "is unknown: give an absolute path", s->theme_output);
		return RTG_EXIT_CANTCREAT;
	}
	if (rtg_settings_copy(&j->s, s) < 0)
		goto nomem;
	if ((rc = rtg_options_resolve(&j->s, &j->gen, &j->tmpl)) != 0) {
		job_free(j);
		return rc;
	}
	/* A template of the user's is tried now, on the neutral palette: a
	 * mistake in it (RTG_ERR_TEMPLATE, RTG_ERR_THEME: the same for every
	 * palette) is one error naming its line when the watcher starts or
	 * reloads (and a reload keeps the previous configuration), not an
	 * "unusable" line on every track after.  Contrast depends on the
	 * palette: a template that draws {{paletteN}} as a foreground may
	 * pass on some covers and not on the neutral palette (which has no
	 * palette colours), so for the watcher that is a warning only. */
	if (j->tmpl != NULL) {
		struct rtg_result res;
		if ((rc = rtg_generate_neutral(&j->gen, &res, err)) == 0) {
			rtg_result_free(&res);
		} else if (rc == RTG_ERR_CONTRAST) {
			if (daemon)
				rtg_log(RTG_LOG_WARN, "%s (tried on the neutral palette: covers whose "
				        "theme fails the same way keep the previous theme)", err);
		} else {
			/* template and theme messages start with NAME:LINE */
			rtg_log(RTG_LOG_ERR, "%s", err);
			job_free(j);
			return rtg_exit_from_status(rc, true);
		}
	}
	/* s went through rtg_settings_resolve_paths: the path is set, and
	 * absolute, so NULL here is out of memory. */
	if ((j->theme_path = rtg_watch_theme_path(&j->s)) == NULL)
		goto nomem;
	if (j->s.cache &&
	    rtg_cache_open(j->s.cache_dir, j->s.cache_max_bytes, &j->cache, err) < 0)
		goto nomem;
	return 0;
nomem:
	rtg_log(RTG_LOG_ERR, "out of memory");
	job_free(j);
	return RTG_EXIT_SOFTWARE;
}

/* What a failed generation blames: the user's template when the error is
 * in it or in the theme it made (its messages start with NAME:LINE), else
 * the art. */
static const char *unusable(const struct job *j, int rc)
{
	return j->tmpl != NULL && (rc == RTG_ERR_TEMPLATE || rc == RTG_ERR_THEME ||
	                           rc == RTG_ERR_CONTRAST) ? "template" : "art";
}

/* Theme text for art bytes, from the cache or generated (and then cached).
 * how describes which, for the log.  Returns 0 or a negative rtg_status. */
static int theme_for_bytes(struct job *j, const uint8_t *b, size_t n, bool bypass,
                           char **text, size_t *len, char *how, size_t howlen,
                           char *err)
{
	struct rtg_cache_key key;
	struct rtg_result res;
	const char *where;
	char cerr[RTG_ERRLEN];
	double t0 = rtg_now_ms();
	int rc;

	if (j->cache != NULL) {
		rtg_cache_key(b, n, &j->gen, &key);
		if (!bypass && rtg_cache_get(j->cache, &key, text, len, &where) == 0) {
			/* The tests read this line to prove a hit cost no decode. */
			snprintf(how, howlen, "cache hit (%s), no decode, %.1f ms", where,
			         rtg_now_ms() - t0);
			return 0;
		}
	}
	memset(&res, 0, sizeof res);
	if ((rc = rtg_generate(b, n, &j->gen, &res, err)) < 0)
		return rc;
	snprintf(how, howlen, "generated: %s %ux%u, decode %.1f ms, total %.1f ms",
	         res.format != NULL ? res.format : "image", res.image_width,
	         res.image_height, res.t.decode_ms, rtg_now_ms() - t0);
	*text = res.theme;
	*len = res.theme_len;
	res.theme = NULL; /* ownership moves to the caller */
	rtg_result_free(&res);
	if (j->cache != NULL && rtg_cache_put(j->cache, &key, *text, *len, cerr) < 0)
		rtg_log(RTG_LOG_WARN, "cache: %s", cerr);
	return 0;
}

/* The configured fallback when a song gives no usable art.  Returns 0 with
 * a theme, RTG_MPD_NONE for "keep the current theme", or a negative
 * rtg_status (err set). */
static int fallback_theme(struct job *j, char **text, size_t *len, char *how,
                          size_t howlen, char *err)
{
	struct rtg_result res;
	uint8_t *img;
	size_t n;
	int rc;

	switch (j->s.fallback) {
	case RTG_FALLBACK_KEEP:
		return RTG_MPD_NONE;
	case RTG_FALLBACK_NEUTRAL:
		memset(&res, 0, sizeof res);
		if ((rc = rtg_generate_neutral(&j->gen, &res, err)) < 0)
			return rc;
		*text = res.theme;
		*len = res.theme_len;
		res.theme = NULL;
		rtg_result_free(&res);
		snprintf(how, howlen, "neutral fallback theme");
		return 0;
	case RTG_FALLBACK_IMAGE:
		rc = rtg_file_read(j->s.fallback_image, j->gen.limits.max_bytes, &img, &n, err);
		if (rc < 0)
			return rc;
		rc = theme_for_bytes(j, img, n, false, text, len, how, howlen, err);
		free(img);
		if (rc == 0) {
			size_t l = strlen(how);
			snprintf(how + l, howlen - l, ", from fallback_image");
		}
		return rc;
	}
	return RTG_MPD_NONE;
}

/* ------------------------------------------------------------------ watcher */

/* CONN_UP is only entered once a command succeeded on the connection: a
 * server that lets us in and then refuses everything (no password where
 * one is needed) or closes at once is still down, so that it costs one log
 * line and the backoff keeps growing instead of restarting. */
enum conn_state { CONN_NEW, CONN_UP, CONN_DOWN, CONN_DENIED };

/* One inotify watch on a directory. */
struct dirwatch {
	int wd;    /* -1: none */
	char *dir; /* what wd watches */
};

struct watcher {
	const char *explicit_config; /* as given to rtg_watch_run */
	char *config_path;           /* file in force (NULL: none) */
	struct job job;
	struct rtg_mpd_target target;
	struct rtg_mpd *mpd;
	bool idling;
	int sfd, ifd, tfd;
	struct dirwatch cfg_w, user_w, parent_w; /* see watch_config() */
	int backoff_ms;
	enum conn_state state;
	bool have_last;
	unsigned last_id;
	char *last_uri;
	/* Art fetches of last_uri that lost the connection in a row.  Counted
	 * per URI, not per song id: MPD numbers the queue afresh when it
	 * restarts, so an MPD that crashes on this file and is restarted
	 * would reset a count per id every time. */
	int art_tries;
	double art_t0; /* the event that started handling last_uri's art */
	bool nothing_logged;
	/* work requested by events, done once the MPD connection is free */
	bool want_song;   /* look at currentsong (after idle, after connect) */
	bool want_redo;   /* regenerate even if the song did not change */
	bool want_bypass; /* ... without the cache (SIGUSR1) */
	bool stop;
};

static void timer_arm(struct watcher *w, int ms)
{
	struct itimerspec its = { 0 };
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)timerfd_settime(w->tfd, 0, &its, NULL);
}

/* rc and msg: a failure of try_connect or of a call on the connection. */
static void conn_down(struct watcher *w, int rc, const char *msg)
{
	enum conn_state st = rc == RTG_MPD_DENIED ? CONN_DENIED : CONN_DOWN;
	const char *at = rtg_mpd_err_at(rc);

	/* One line per state change, not per attempt (the reason may vary
	 * while MPD is down: refused, missing socket, ...). */
	if (w->state != st) {
		if (st == CONN_DENIED)
			rtg_log(RTG_LOG_ERR, "%s%s; retrying every %d s", at, msg,
			        BACKOFF_MAX_MS / 1000);
		else if (w->state == CONN_UP)
			rtg_log(RTG_LOG_WARN, "lost MPD: %s; reconnecting", msg);
		else
			rtg_log(RTG_LOG_WARN, "%s%s; retrying", at, msg);
	} else {
		rtg_log(RTG_LOG_DEBUG, "still down: %s", msg);
	}
	w->state = st;
	if (st == CONN_DENIED)
		w->backoff_ms = BACKOFF_MAX_MS; /* a password does not fix itself */
	timer_arm(w, w->backoff_ms);
	w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
	                : w->backoff_ms * 2;
}

static void drop(struct watcher *w, int rc, const char *msg)
{
	rtg_mpd_close(w->mpd);
	w->mpd = NULL;
	w->idling = false;
	/* A connection that worked is retried soon; one that never did goes
	 * on with the backoff it had. */
	if (w->state == CONN_UP)
		w->backoff_ms = BACKOFF_MIN_MS;
	conn_down(w, rc, msg);
}

/* The first command on a new connection succeeded. */
static void conn_up(struct watcher *w)
{
	w->backoff_ms = BACKOFF_MIN_MS;
	if (w->state == CONN_UP)
		return;
	w->state = CONN_UP;
	rtg_log(RTG_LOG_INFO, "connected to %s (MPD protocol %s, %s)", w->target.name,
	        rtg_mpd_version(w->mpd), w->target.origin);
}

static void try_connect(struct watcher *w)
{
	char err[RTG_ERRLEN];
	int rc;

	rtg_mpd_target_free(&w->target);
	/* Resolved at every attempt: a socket may appear once MPD is up. */
	if ((rc = rtg_mpd_target_resolve(&w->job.s, &w->target, err)) < 0) {
		conn_down(w, rc, err);
		return;
	}
	rc = rtg_mpd_open(&w->target, w->job.s.mpd_timeout_ms, w->job.s.binarylimit,
	                  &w->mpd, err);
	if (rc < 0) {
		conn_down(w, rc, err);
		return;
	}
	timer_arm(w, 0);
	/* Nothing reports what happened while we were away; currentsong
	 * also proves the connection usable (conn_up). */
	w->want_song = true;
}

/* Handles an error from a call on the connection. */
static void mpd_error(struct watcher *w, int rc, const char *msg)
{
	if (rc == RTG_MPD_LOST || rc == RTG_MPD_DENIED)
		drop(w, rc, msg);
	else
		rtg_log(RTG_LOG_WARN, "%s", msg);
}

static void publish_text(struct watcher *w, enum rtg_log_level lvl, const char *uri,
                         const char *text, size_t len, const char *how, double t0)
{
	char err[RTG_ERRLEN];
	bool changed = false;

	if (rtg_publish(w->job.theme_path, text, len, &changed, err) < 0) {
		/* The watcher carries on: the next track may succeed.  Only a
		 * failed reload nudge leaves the new file in place (changed). */
		if (changed)
			rtg_log(RTG_LOG_WARN, "%s: theme %s", uri, err);
		else
			rtg_log(RTG_LOG_WARN, "%s: cannot publish the theme: %s; "
			        "keeping the current theme", uri, err);
		return;
	}
	rtg_log(lvl, "%s: %s (%s; %.1f ms since the event)", uri,
	        changed ? "theme published" : "theme unchanged", how,
	        rtg_now_ms() - t0);
}

/* The connection died while fetching the art of the current song (last_uri).
 * It cannot be reused either way, so it is reopened; the difference is in
 * what that means:
 *   timeout  MPD is up but did not answer this request within mpd_timeout
 *            (slow storage, a huge file, a server that hangs on it): the
 *            reconnect is a detail, said only at debug level, and the
 *            connection state stays "up" (no "lost"/"connected" lines);
 *   drop     closed, I/O error, malformed reply: MPD went away, maybe
 *            crashed on this very file; reported like any lost connection.
 * Both count as an attempt at this file's art.  Below ART_MAX_TRIES the
 * song is handled again after the reconnect, which waits the reconnect
 * backoff for the attempt (250 ms, 500 ms, ...); at ART_MAX_TRIES its art
 * is given up: returns true with reason set, and the song counts as
 * handled, so the new connection just idles until the next player event.
 * The count belongs to the URI (process()): another file, "nothing
 * playing", SIGUSR1 and a config reload start it again; the same file
 * under a new song id (MPD restarted meanwhile) does not. */
static bool art_lost(struct watcher *w, const char *msg, bool bypass,
                     char *reason, size_t reasonlen)
{
	bool timeout = rtg_mpd_timed_out(w->mpd);
	bool give_up = ++w->art_tries >= ART_MAX_TRIES;
	int delay = BACKOFF_MIN_MS;

	if (!give_up) {
		w->have_last = false; /* handled again after the reconnect */
		w->want_bypass = bypass; /* a SIGUSR1 retried still skips the cache */
		for (int i = 1; i < w->art_tries && delay < BACKOFF_MAX_MS; i++)
			delay *= 2;
		rtg_log(RTG_LOG_DEBUG, "%s: %s (art attempt %d of %d); reconnecting in %d ms",
		        w->last_uri, msg, w->art_tries, ART_MAX_TRIES, delay);
	} else if (timeout) {
		snprintf(reason, reasonlen,
		         "no answer to the art request within %u s (mpd_timeout) in %d attempts; "
		         "art given up for this file",
		         rtg_mpd_timeout_applied(w->job.s.mpd_timeout_ms) / 1000, w->art_tries);
	} else {
		snprintf(reason, reasonlen,
		         "connection lost during the art request in %d attempts (%s); "
		         "art given up for this file", w->art_tries, msg);
	}
	if (timeout) {
		rtg_mpd_close(w->mpd);
		w->mpd = NULL;
		w->idling = false;
		w->backoff_ms = BACKOFF_MIN_MS; /* should the reconnect fail */
	} else {
		drop(w, RTG_MPD_LOST, msg);
	}
	timer_arm(w, delay);
	return give_up;
}

/* The current song: fetch its art, get a theme, publish.  Only the song
 * current now is looked at, so skips that happened meanwhile are skipped.
 * t0: when the event that led here was seen. */
static void process(struct watcher *w, double t0)
{
	struct rtg_song song;
	struct rtg_art art;
	char err[RTG_ERRLEN], how[2 * RTG_ERRLEN], reason[RTG_ERRLEN + 160];
	char *text = NULL;
	size_t len = 0;
	bool redo = w->want_redo, bypass = w->want_bypass, same_uri, same;
	enum rtg_log_level lvl = RTG_LOG_INFO;
	int rc;

	w->want_song = w->want_redo = w->want_bypass = false;
	rc = rtg_mpd_current(w->mpd, &song, err);
	if (rc < 0) {
		mpd_error(w, rc, err);
		return;
	}
	conn_up(w);
	if (song.uri == NULL) {
		if (!w->nothing_logged)
			rtg_log(RTG_LOG_INFO, "nothing playing");
		w->nothing_logged = true;
		w->have_last = false;
		w->art_tries = 0;
		return;
	}
	w->nothing_logged = false;
	same_uri = w->last_uri != NULL && strcmp(song.uri, w->last_uri) == 0;
	same = same_uri && song.id == w->last_id;
	if (!redo && w->have_last && same) {
		/* pause, seek, volume, ...: same song, nothing to do */
		rtg_song_free(&song);
		return;
	}
	/* The id decides whether there is work; the art attempts follow the
	 * file (struct watcher). */
	if (!same_uri || redo)
		w->art_tries = 0;
	free(w->last_uri);
	w->last_uri = song.uri; /* ownership moves */
	w->last_id = song.id;
	w->have_last = true;
	if (w->art_tries >= ART_MAX_TRIES) {
		/* Given up on this file, which is back under a new id (MPD
		 * restarted, or the song was queued again): its fallback is
		 * already in force, and another fetch could bring MPD down
		 * once more. */
		rtg_log(RTG_LOG_DEBUG, "%s: new song id %u; art still given up", w->last_uri,
		        w->last_id);
		return;
	}
	/* A retry keeps the time of the event that started the attempts, so
	 * that "since the event" covers them all. */
	if (w->art_tries == 0)
		w->art_t0 = t0;

	rc = rtg_mpd_fetch_art(w->mpd, w->last_uri, w->job.s.art_order,
	                       w->job.s.art_order_n, w->job.s.art_max_bytes, &art, err);
	/* MPD answered (art, no art, an error reply): only losses in a row
	 * count, so a later loss on this file starts from one again. */
	if (rc != RTG_MPD_LOST && rc != RTG_MPD_DENIED)
		w->art_tries = 0;
	reason[0] = '\0';
	if (rc == RTG_MPD_LOST) {
		if (!art_lost(w, err, bypass, reason, sizeof reason))
			return;
		lvl = RTG_LOG_WARN; /* said once per song, whatever the fallback */
	} else if (rc == 0) {
		rtg_log(RTG_LOG_DEBUG, "%s: %zu bytes of %s art (%s)", w->last_uri, art.len,
		        art.source == RTG_ART_EMBEDDED ? "embedded" : "folder",
		        art.type[0] != '\0' ? art.type : "type not sent");
		rc = theme_for_bytes(&w->job, art.bytes, art.len, bypass, &text, &len,
		                     how, sizeof how, err);
		rtg_art_free(&art);
		if (rc < 0)
			snprintf(reason, sizeof reason, "%s unusable: %s", unusable(&w->job, rc), err);
	} else if (rc == RTG_MPD_NONE) {
		snprintf(reason, sizeof reason, "no album art");
	} else {
		if (rc == RTG_MPD_DENIED) {
			w->have_last = false; /* handled again after the reconnect */
			mpd_error(w, rc, err);
			return;
		}
		snprintf(reason, sizeof reason, "%s", err);
	}
	if (reason[0] != '\0') {
		rc = fallback_theme(&w->job, &text, &len, how, sizeof how, err);
		if (rc == RTG_MPD_NONE) {
			rtg_log(lvl, "%s: %s; keeping the current theme", w->last_uri, reason);
			return;
		}
		if (rc < 0) {
			rtg_log(RTG_LOG_WARN, "%s: %s; fallback failed: %s; keeping the current theme",
			        w->last_uri, reason, err);
			return;
		}
		size_t l = strlen(how);
		snprintf(how + l, sizeof how - l, " because: %s", reason);
	}
	publish_text(w, lvl, w->last_uri, text, len, how, w->art_t0);
	free(text);
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
static void watch_config(struct watcher *w)
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

static int log_verbosity(int v)
{
	/* The watcher's default shows one info line per track (log.h). */
	return v < 0 ? v : v + 1;
}

static void reload(struct watcher *w, const char *why)
{
	struct rtg_settings ns;
	struct job nj;
	char err[RTG_ERRLEN];
	char *path = rtg_config_find(w->explicit_config);
	bool reconnect;

	if (rtg_settings_build(path, &ns, err) < 0 ||
	    rtg_settings_resolve_paths(&ns, err) < 0) {
		rtg_log(RTG_LOG_ERR, "%s: %s; keeping the previous configuration", why, err);
		free(path);
		return;
	}
	if (job_init(&nj, &ns, true) != 0) {
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
	job_free(&w->job);
	w->job = nj;
	rtg_log_init(log_verbosity(w->job.s.verbosity), 1);
	if (!streq0(path, w->config_path)) {
		free(w->config_path);
		w->config_path = path;
		path = NULL;
	}
	free(path);
	watch_config(w); /* the file, or where one may appear, may have moved */
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
		try_connect(w);
	}
	/* New options may give a new theme for the same song. */
	w->want_song = w->want_redo = true;
}

static void on_signal(struct watcher *w)
{
	struct signalfd_siginfo si;

	while (read(w->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			rtg_log(RTG_LOG_INFO, "%s: exiting", strsignal((int)si.ssi_signo));
			w->stop = true;
			break;
		case SIGHUP:
			reload(w, "SIGHUP");
			break;
		case SIGUSR1:
			rtg_log(RTG_LOG_INFO, "SIGUSR1: regenerating (cache bypassed)");
			w->want_song = w->want_redo = w->want_bypass = true;
			break;
		default:
			break;
		}
	}
}

static void on_inotify(struct watcher *w)
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
		watch_config(w);
		/* The file may have been written before its new directory was
		 * watched. */
		now = rtg_config_find(w->explicit_config);
		if (!streq0(now, w->config_path))
			hit = true;
		free(now);
	}
	if (hit)
		reload(w, "config file changed");
}

/* Gives freed memory back after a track: the idle watcher stays small. */
static void trim_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static int setup_fds(struct watcher *w)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (w->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		rtg_log(RTG_LOG_ERR, "signalfd: %s", strerror(errno));
		return -1;
	}
	/* SIGPIPE from a vanished MPD socket would kill us; libmpdclient
	 * reports the EPIPE as an error instead. */
	signal(SIGPIPE, SIG_IGN);
	if ((w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0) {
		rtg_log(RTG_LOG_ERR, "timerfd: %s", strerror(errno));
		return -1;
	}
	if ((w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		rtg_log(RTG_LOG_WARN, "inotify: %s (config changes need SIGHUP)",
		        strerror(errno));
	return 0;
}

int rtg_watch_run(const struct rtg_settings *s, const char *config_path)
{
	struct watcher w;
	char err[RTG_ERRLEN];
	char *lock_path;
	pid_t holder;
	int lock_fd, rc = RTG_EXIT_OK;

#ifdef __GLIBC__
	/* A daemon that decodes a 5 MB cover now and then should not keep the
	 * memory afterwards.  glibc raises its mmap threshold after such a free,
	 * so the next big buffers would come from the heap and stay there: pin
	 * the threshold, and trim after each track (process()). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	memset(&w, 0, sizeof w);
	w.sfd = w.ifd = w.tfd = -1;
	w.cfg_w.wd = w.user_w.wd = w.parent_w.wd = -1;
	w.backoff_ms = BACKOFF_MIN_MS;
	w.explicit_config = rtg_cli_config_path();
	rtg_log_init(log_verbosity(s->verbosity), 1);

	if ((lock_path = rtg_lock_path()) == NULL) {
		/* NULL: out of memory, or no home directory to keep it in */
		rtg_log(RTG_LOG_ERR, "no place for the watcher's lock: out of memory, or "
		        "neither XDG_RUNTIME_DIR, XDG_CACHE_HOME nor a home directory is usable");
		return RTG_EXIT_UNAVAILABLE; /* man page: the watcher's lock cannot be used */
	}
	lock_fd = rtg_lock_acquire(lock_path, &holder, err);
	free(lock_path);
	if (lock_fd < 0) {
		rtg_log(RTG_LOG_ERR, "%s", err);
		return RTG_EXIT_UNAVAILABLE;
	}
	if ((rc = job_init(&w.job, s, true)) != 0)
		goto out;
	if (config_path != NULL && (w.config_path = strdup(config_path)) == NULL) {
		rc = RTG_EXIT_SOFTWARE;
		goto out;
	}
	if (setup_fds(&w) < 0) {
		rc = RTG_EXIT_SOFTWARE;
		goto out;
	}
	watch_config(&w);
	rtg_log(RTG_LOG_INFO, "watching MPD; theme %s; config %s", w.job.theme_path,
	        w.config_path != NULL ? w.config_path : "(none)");
	try_connect(&w);

	while (!w.stop) {
		struct pollfd pfd[4];
		int n = 0, i_sig, i_ino = -1, i_tim, i_mpd = -1;
		double t0;

		/* Work first: the connection is ours until the next idle. */
		if (w.mpd != NULL && w.want_song) {
			if (w.idling) {
				int r = rtg_mpd_noidle(w.mpd, err);
				w.idling = false;
				if (r < 0)
					drop(&w, r, err);
			}
			if (w.mpd != NULL)
				process(&w, rtg_now_ms());
			trim_heap();
		}
		if (w.mpd != NULL && !w.idling) {
			int r = rtg_mpd_idle_send(w.mpd, err);
			if (r < 0)
				drop(&w, r, err);
			else
				w.idling = true;
		}

		i_sig = n;
		pfd[n++] = (struct pollfd){ .fd = w.sfd, .events = POLLIN };
		i_tim = n;
		pfd[n++] = (struct pollfd){ .fd = w.tfd, .events = POLLIN };
		if (w.ifd >= 0) {
			i_ino = n;
			pfd[n++] = (struct pollfd){ .fd = w.ifd, .events = POLLIN };
		}
		if (w.mpd != NULL && w.idling) {
			i_mpd = n;
			pfd[n++] = (struct pollfd){ .fd = rtg_mpd_fd(w.mpd), .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			rtg_log(RTG_LOG_ERR, "poll: %s", strerror(errno));
			rc = RTG_EXIT_SOFTWARE;
			break;
		}
		t0 = rtg_now_ms();
		if (i_mpd >= 0 && pfd[i_mpd].revents != 0 && w.mpd != NULL) {
			int r = rtg_mpd_idle_recv(w.mpd, err);
			w.idling = false;
			if (r < 0) {
				drop(&w, r, err);
			} else {
				w.want_song = true;
				process(&w, t0);
				trim_heap();
			}
		}
		if (pfd[i_sig].revents & POLLIN)
			on_signal(&w);
		if (w.stop)
			break;
		if (i_ino >= 0 && (pfd[i_ino].revents & POLLIN))
			on_inotify(&w);
		if (pfd[i_tim].revents & POLLIN) {
			uint64_t ticks;
			(void)!read(w.tfd, &ticks, sizeof ticks);
			if (w.mpd == NULL)
				try_connect(&w);
		}
	}
out:
	rtg_mpd_close(w.mpd);
	rtg_mpd_target_free(&w.target);
	job_free(&w.job);
	free(w.config_path);
	free(w.last_uri);
	free(w.cfg_w.dir);
	free(w.user_w.dir);
	free(w.parent_w.dir);
	if (w.sfd >= 0)
		close(w.sfd);
	if (w.ifd >= 0)
		close(w.ifd);
	if (w.tfd >= 0)
		close(w.tfd);
	rtg_lock_release(lock_fd);
	return rc;
}

/* ------------------------------------------------------------------ one-shot */

int rtg_oneshot_mpd(const struct rtg_settings *s)
{
	struct rtg_mpd_target t;
	struct rtg_mpd *m = NULL;
	struct rtg_song song = { 0 };
	struct rtg_art art = { 0 };
	struct job j;
	char err[RTG_ERRLEN], how[2 * RTG_ERRLEN], reason[RTG_ERRLEN + 32] = "";
	char source[1024];
	char *text = NULL;
	size_t len = 0;
	bool changed;
	int rc, fetch_rc;

	if (rtg_mpd_target_resolve(s, &t, err) < 0) {
		rtg_log(RTG_LOG_ERR, "%s", err);
		return RTG_EXIT_SOFTWARE;
	}
	if ((rc = job_init(&j, s, false)) != 0) {
		rtg_mpd_target_free(&t);
		return rc;
	}
	rc = rtg_mpd_open(&t, s->mpd_timeout_ms, s->binarylimit, &m, err);
	if (rc < 0) {
		rtg_log(RTG_LOG_ERR, "%s%s", rtg_mpd_err_at(rc), err);
		rc = rc == RTG_ERR_NOMEM ? RTG_EXIT_SOFTWARE : RTG_EXIT_UNAVAILABLE;
		goto out;
	}
	if ((rc = rtg_mpd_current(m, &song, err)) < 0) {
		rtg_log(RTG_LOG_ERR, "%s%s", rtg_mpd_err_at(rc), err);
		rc = RTG_EXIT_UNAVAILABLE;
		goto out;
	}
	if (song.uri == NULL) {
		rtg_log(RTG_LOG_ERR, "%s: nothing is playing", t.name);
		rc = RTG_EXIT_NOART;
		goto out;
	}
	snprintf(source, sizeof source, "mpd:%s", song.uri);
	rc = fetch_rc = rtg_mpd_fetch_art(m, song.uri, s->art_order, s->art_order_n,
	                                  s->art_max_bytes, &art, err);
	if (rc == RTG_MPD_LOST || rc == RTG_MPD_DENIED) {
		rtg_log(RTG_LOG_ERR, "%s%s", rtg_mpd_err_at(rc), err);
		rc = RTG_EXIT_UNAVAILABLE;
		goto out;
	}
	if (rc == 0 && (s->report_output != NULL || s->preview)) {
		/* A report or preview needs the full result: no cache. */
		rc = rtg_oneshot_bytes(s, art.bytes, art.len, source);
		goto out;
	}
	if (rc == 0) {
		rc = theme_for_bytes(&j, art.bytes, art.len, false, &text, &len, how,
		                     sizeof how, err);
		if (rc < 0) {
			if (j.s.fallback == RTG_FALLBACK_KEEP) {
				rtg_log(RTG_LOG_ERR, "%s: %s", source, err);
				rc = rtg_exit_from_status(rc, j.tmpl != NULL);
				goto out;
			}
			snprintf(reason, sizeof reason, "%s unusable: %s", unusable(&j, rc), err);
		}
	} else {
		snprintf(reason, sizeof reason, "%s", rc == RTG_MPD_NONE ? "no album art" : err);
	}
	if (reason[0] != '\0') {
		rc = fallback_theme(&j, &text, &len, how, sizeof how, err);
		if (rc == RTG_MPD_NONE) {
			rtg_log(RTG_LOG_ERR, "%s: %s", source, reason);
			rc = fetch_rc == RTG_ERR_LIMIT ? RTG_EXIT_DATA : RTG_EXIT_NOART;
			goto out;
		}
		if (rc < 0) {
			rtg_log(RTG_LOG_ERR, "%s: %s; fallback: %s", source, reason, err);
			rc = rtg_exit_from_status(rc, j.tmpl != NULL);
			goto out;
		}
	}
	if (rtg_publish(j.theme_path, text, len, &changed, err) < 0) {
		rtg_log(RTG_LOG_ERR, "theme %s", err);
		rc = RTG_EXIT_CANTCREAT;
		goto out;
	}
	rtg_log(RTG_LOG_INFO, "%s: %s %s (%s)", source,
	        changed ? "wrote" : "unchanged", j.theme_path, how);
	rc = RTG_EXIT_OK;
out:
	free(text);
	rtg_art_free(&art);
	rtg_song_free(&song);
	rtg_mpd_close(m);
	rtg_mpd_target_free(&t);
	job_free(&j);
	return rc;
}
