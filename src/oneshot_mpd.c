/* oneshot_mpd.c - the MPD one-shot mode (no source option): the current
 * song's art through the watcher's fetch, cache and publish steps, once,
 * for scripts and rmpc's on_song_change hook. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "job.h"
#include "log.h"
#include "modes.h"
#include "mpd.h"
#include "publish.h"
#include "settings.h"
#include "status.h"

/* With a report or a preview: the whole result, from the art or from the
 * configured fallback (so --output and --preview change nothing about
 * which theme is written), and no cache.  fetch_rc and fetch_err: what
 * the art fetch gave.  --repeat keeps the art's generation repeated, as
 * with --image. */
static int oneshot_mpd_full(const struct rtg_settings *s, struct rtg_job *j, int fetch_rc,
                            const char *fetch_err, const struct rtg_art *art,
                            const char *source)
{
	struct rtg_result res;
	char err[RTG_ERRLEN], how[2 * RTG_ERRLEN], reason[RTG_ERRLEN + 32];
	char src[1024 + 4 * RTG_ERRLEN];
	int rc;

	memset(&res, 0, sizeof res);
	if (fetch_rc == 0) {
		if (s->repeat > 1)
			return rtg_oneshot_bytes(s, art->bytes, art->len, source);
		rc = rtg_generate(art->bytes, art->len, &j->gen, &res, err);
		if (rc == 0) {
			rc = rtg_oneshot_publish(s, &j->gen, &res, source, NULL);
			rtg_result_free(&res);
			return rc;
		}
		if (j->s.fallback == RTG_FALLBACK_KEEP) {
			rtg_log(RTG_LOG_ERR, "%s: %s", source, err);
			return rtg_exit_from_status(rc, j->tmpl != NULL);
		}
		snprintf(reason, sizeof reason, "%s unusable: %s", rtg_job_unusable(j, rc), err);
	} else {
		snprintf(reason, sizeof reason, "%s",
		         fetch_rc == RTG_MPD_NONE ? "no album art" : fetch_err);
	}
	rc = rtg_job_fallback_result(j, &res, how, sizeof how, err);
	if (rc == RTG_MPD_NONE) {
		rtg_log(RTG_LOG_ERR, "%s: %s", source, reason);
		return fetch_rc == RTG_ERR_LIMIT ? RTG_EXIT_DATA : RTG_EXIT_NOART;
	}
	if (rc < 0) {
		rtg_log(RTG_LOG_ERR, "%s: %s; fallback: %s", source, reason, err);
		return rtg_job_fallback_exit(rc, j->tmpl != NULL);
	}
	snprintf(src, sizeof src, "%s, %s because: %s", source, how, reason);
	rc = rtg_oneshot_publish(s, &j->gen, &res, src, NULL);
	rtg_result_free(&res);
	return rc;
}

int rtg_oneshot_mpd(const struct rtg_settings *s)
{
	struct rtg_mpd_target t;
	struct rtg_mpd *m = NULL;
	struct rtg_song song = { 0 };
	struct rtg_art art = { 0 };
	struct rtg_job j;
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
	if ((rc = rtg_job_init(&j, s, false)) != 0) {
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
	if (s->report_output != NULL || s->preview) {
		rc = oneshot_mpd_full(s, &j, fetch_rc, err, &art, source);
		goto out;
	}
	if (rc == 0) {
		rc = rtg_job_theme_for_bytes(&j, art.bytes, art.len, false, &text, &len,
		                             how, sizeof how, err);
		if (rc < 0) {
			if (j.s.fallback == RTG_FALLBACK_KEEP) {
				rtg_log(RTG_LOG_ERR, "%s: %s", source, err);
				rc = rtg_exit_from_status(rc, j.tmpl != NULL);
				goto out;
			}
			snprintf(reason, sizeof reason, "%s unusable: %s", rtg_job_unusable(&j, rc), err);
		}
	} else {
		snprintf(reason, sizeof reason, "%s", rc == RTG_MPD_NONE ? "no album art" : err);
	}
	if (reason[0] != '\0') {
		rc = rtg_job_fallback_theme(&j, &text, &len, how, sizeof how, err);
		if (rc == RTG_MPD_NONE) {
			rtg_log(RTG_LOG_ERR, "%s: %s", source, reason);
			rc = fetch_rc == RTG_ERR_LIMIT ? RTG_EXIT_DATA : RTG_EXIT_NOART;
			goto out;
		}
		if (rc < 0) {
			rtg_log(RTG_LOG_ERR, "%s: %s; fallback: %s", source, reason, err);
			rc = rtg_job_fallback_exit(rc, j.tmpl != NULL);
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
	rtg_job_free(&j);
	return rc;
}
