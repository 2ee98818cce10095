/* watch_mpd.c - the watcher's MPD side: connecting with backoff, the
 * connection state and its log lines, and what a player event leads to:
 * the current song's art, a theme for it (or the fallback), publishing. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>

#include "job.h"
#include "log.h"
#include "mpd.h"
#include "pipeline.h"
#include "publish.h"
#include "status.h"
#include "watch_internal.h"

/* Art fetches of one song that may lose the connection before its art is
 * given up: a server that times out on (or crashes, or hangs up on) one
 * file must not hold the watcher in a reconnect loop until the track
 * changes. */
#define ART_MAX_TRIES 3

static void timer_arm(struct watcher *w, int ms)
{
	struct itimerspec its = { 0 };
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)timerfd_settime(w->tfd, 0, &its, NULL);
}

/* rc and msg: a failure of rtg_watch_mpd_connect or of a call on the
 * connection. */
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

void rtg_watch_mpd_drop(struct watcher *w, int rc, const char *msg)
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

void rtg_watch_mpd_connect(struct watcher *w)
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
		rtg_watch_mpd_drop(w, rc, msg);
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
 * The count belongs to the URI (rtg_watch_mpd_process()): another file,
 * "nothing playing", SIGUSR1 and a config reload start it again; the same
 * file under a new song id (MPD restarted meanwhile) does not. */
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
		rtg_watch_mpd_drop(w, RTG_MPD_LOST, msg);
	}
	timer_arm(w, delay);
	return give_up;
}

/* The current song: fetch its art, get a theme, publish.  Only the song
 * current now is looked at, so skips that happened meanwhile are skipped.
 * t0: when the event that led here was seen. */
void rtg_watch_mpd_process(struct watcher *w, double t0)
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
		rc = rtg_job_theme_for_bytes(&w->job, art.bytes, art.len, bypass, &text,
		                             &len, how, sizeof how, err);
		rtg_art_free(&art);
		if (rc < 0)
			snprintf(reason, sizeof reason, "%s unusable: %s",
			         rtg_job_unusable(&w->job, rc), err);
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
		rc = rtg_job_fallback_theme(&w->job, &text, &len, how, sizeof how, err);
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
