/* job.c - the job shared by the watcher and the MPD one-shot: options with
 * the template text, the theme path and the cache, built from the settings;
 * a theme for art bytes (cache or generation) and the configured fallback
 * when a song gives no usable art. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "exitcodes.h"
#include "job.h"
#include "log.h"
#include "modes.h"
#include "mpd.h"
#include "pipeline.h"
#include "settings.h"
#include "status.h"
#include "watch.h"

void rtg_job_free(struct rtg_job *j)
{
	rtg_cache_close(j->cache);
	free(j->tmpl);
	free(j->theme_path);
	rtg_settings_free(&j->s);
	memset(j, 0, sizeof *j);
}

/* Returns 0 or an exit status (message logged).  daemon: the watcher's
 * job (checks a user template's contrast on the neutral palette too). */
int rtg_job_init(struct rtg_job *j, const struct rtg_settings *s, bool daemon)
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
		rtg_job_free(j);
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
			rtg_job_free(j);
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
	rtg_job_free(j);
	return RTG_EXIT_SOFTWARE;
}

/* What a failed generation blames: the user's template when the error is
 * in it or in the theme it made (its messages start with NAME:LINE), else
 * the art. */
const char *rtg_job_unusable(const struct rtg_job *j, int rc)
{
	return j->tmpl != NULL && (rc == RTG_ERR_TEMPLATE || rc == RTG_ERR_THEME ||
	                           rc == RTG_ERR_CONTRAST) ? "template" : "art";
}

/* Theme text for art bytes, from the cache or generated (and then cached).
 * how describes which, for the log.  Returns 0 or a negative rtg_status. */
int rtg_job_theme_for_bytes(struct rtg_job *j, const uint8_t *b, size_t n,
                            bool bypass, char **text, size_t *len, char *how,
                            size_t howlen, char *err)
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

/* fallback_image's bytes; a file that cannot be read is RTG_JOB_NOINPUT
 * (err "PATH: reason" already names it). */
static int fallback_image_read(struct rtg_job *j, uint8_t **img, size_t *n, char *err)
{
	int rc = rtg_file_read(j->s.fallback_image, j->gen.limits.max_bytes, img, n, err);
	return rc == RTG_ERR_IO ? RTG_JOB_NOINPUT : rc;
}

/* A fallback_image that cannot be used: the message names the file (a
 * failure of the user's template names the template already). */
static int fallback_image_fail(const struct rtg_job *j, int rc, char *err)
{
	char why[RTG_ERRLEN];

	if (rc == RTG_ERR_TEMPLATE || rc == RTG_ERR_THEME || rc == RTG_ERR_CONTRAST ||
	    rc == RTG_ERR_NOMEM)
		return rc;
	snprintf(why, sizeof why, "%s", err);
	return rtg_fail(err, rc, "%s: %s", j->s.fallback_image, why);
}

int rtg_job_fallback_exit(int rc, bool user_template)
{
	return rc == RTG_JOB_NOINPUT ? RTG_EXIT_NOINPUT : rtg_exit_from_status(rc, user_template);
}

/* The configured fallback when a song gives no usable art.  Returns 0 with
 * a theme, RTG_MPD_NONE for "keep the current theme", or a negative
 * rtg_status (err set).  fallback_image goes through the cache like any
 * art; the others are rtg_job_fallback_result()'s theme. */
int rtg_job_fallback_theme(struct rtg_job *j, char **text, size_t *len, char *how,
                           size_t howlen, char *err)
{
	struct rtg_result res;
	uint8_t *img;
	size_t n;
	int rc;

	if (j->s.fallback == RTG_FALLBACK_IMAGE) {
		if ((rc = fallback_image_read(j, &img, &n, err)) < 0)
			return rc;
		rc = rtg_job_theme_for_bytes(j, img, n, false, text, len, how, howlen, err);
		free(img);
		if (rc < 0)
			return fallback_image_fail(j, rc, err);
		size_t l = strlen(how);
		snprintf(how + l, howlen - l, ", from fallback_image");
		return 0;
	}
	if ((rc = rtg_job_fallback_result(j, &res, how, howlen, err)) != 0)
		return rc;
	*text = res.theme;
	*len = res.theme_len;
	res.theme = NULL; /* ownership moves to the caller */
	rtg_result_free(&res);
	return 0;
}

int rtg_job_fallback_result(struct rtg_job *j, struct rtg_result *res, char *how,
                            size_t howlen, char *err)
{
	uint8_t *img;
	size_t n;
	int rc;

	memset(res, 0, sizeof *res);
	switch (j->s.fallback) {
	case RTG_FALLBACK_KEEP:
		return RTG_MPD_NONE;
	case RTG_FALLBACK_NEUTRAL:
		if ((rc = rtg_generate_neutral(&j->gen, res, err)) < 0)
			return rc;
		snprintf(how, howlen, "neutral fallback theme");
		return 0;
	case RTG_FALLBACK_IMAGE:
		if ((rc = fallback_image_read(j, &img, &n, err)) < 0)
			return rc;
		rc = rtg_generate(img, n, &j->gen, res, err);
		free(img);
		if (rc < 0)
			return fallback_image_fail(j, rc, err);
		snprintf(how, howlen, "from fallback_image %s", j->s.fallback_image);
		return 0;
	}
	return RTG_MPD_NONE;
}
