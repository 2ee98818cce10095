/* job.h - what the watcher and the MPD one-shot do with art bytes: the
 * settings-dependent options, template, theme path and cache (a job), a
 * theme for art bytes (cached or generated), the configured fallback. */
#ifndef RTG_JOB_H
#define RTG_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "pipeline.h"
#include "settings.h"

/* What depends on the settings: options with the template text, the theme
 * path and the cache.  Rebuilt as a whole on reload, so that a bad new
 * config leaves the old job untouched. */
struct rtg_job {
	struct rtg_settings s;
	struct rtg_options gen;
	char *tmpl;
	char *theme_path;
	struct rtg_cache *cache; /* NULL: caching off */
};

/* job.c */
int rtg_job_init(struct rtg_job *j, const struct rtg_settings *s, bool daemon);
void rtg_job_free(struct rtg_job *j);
const char *rtg_job_unusable(const struct rtg_job *j, int rc);
int rtg_job_theme_for_bytes(struct rtg_job *j, const uint8_t *b, size_t n,
                            bool bypass, char **text, size_t *len, char *how,
                            size_t howlen, char *err);
/* fallback_image cannot be read (beyond enum rtg_status and RTG_MPD_NONE;
 * the message names the file). */
#define RTG_JOB_NOINPUT (-200)

int rtg_job_fallback_theme(struct rtg_job *j, char **text, size_t *len, char *how,
                           size_t howlen, char *err);
/* The same fallback as a whole result (palette, roles, audit), generated,
 * not cached: for a report or preview.  Same returns. */
int rtg_job_fallback_result(struct rtg_job *j, struct rtg_result *res, char *how,
                            size_t howlen, char *err);
/* The exit status for a fallback's negative return. */
int rtg_job_fallback_exit(int rc, bool user_template);

#endif
