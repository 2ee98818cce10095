/* settings.h - every user-settable option, from defaults, the config file
 * and the command line (in that order of increasing precedence). */
#ifndef RTG_SETTINGS_H
#define RTG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline.h"

enum rtg_fallback {
	RTG_FALLBACK_KEEP,    /* keep the current theme (default) */
	RTG_FALLBACK_IMAGE,   /* generate from fallback_image */
	RTG_FALLBACK_NEUTRAL, /* publish a neutral theme */
};

enum rtg_art_source { RTG_ART_EMBEDDED, RTG_ART_FOLDER };

#define RTG_ART_MAX_BYTES_DEFAULT (16u * 1024 * 1024)
#define RTG_BINARYLIMIT_DEFAULT (1024u * 1024)
#define RTG_CACHE_MAX_BYTES_DEFAULT (8u * 1024 * 1024)

struct rtg_settings {
	/* generation (config keys: k, space, mode, template, builtin_template) */
	struct rtg_options gen;
	char *template_path;        /* NULL: builtin */
	char *theme_output;         /* NULL: $XDG_CONFIG_HOME/rmpc/themes/current-song.ron */
	char *report_output;        /* --output FILE|-, NULL: none */
	bool preview;

	/* source (command line only) */
	char *image;                /* --image FILE: one-shot from a file */
	bool watch;                 /* --watch: the daemon */
	bool check;                 /* --check: the doctor */
	int repeat;                 /* --repeat N (profiling), default 1 */
	char *config_path;          /* --config PATH */

	/* MPD (keys: mpd_host, mpd_port, mpd_password, mpd_timeout) */
	char *mpd_host;             /* NULL: MPD_HOST, XDG socket, /run/mpd/socket, localhost */
	int mpd_port;               /* 0: MPD_PORT or 6600 */
	char *mpd_password;
	int mpd_timeout_ms;         /* default 5000 */

	/* album art (keys: art_order, art_max_bytes, binarylimit, fallback, fallback_image) */
	enum rtg_art_source art_order[2];
	int art_order_n;
	size_t art_max_bytes;
	size_t binarylimit;
	enum rtg_fallback fallback;
	char *fallback_image;

	/* cache (keys: cache, cache_dir, cache_max_bytes) */
	bool cache;
	char *cache_dir;            /* NULL: $XDG_CACHE_HOME/rmpc-theme-gen */
	size_t cache_max_bytes;

	int verbosity;              /* -q: -1, default 0, -v: 1, -vv: 2 */
};

/* Built-in defaults (documented in rmpc-theme-gen(1) and .conf(5)). */
void rtg_settings_default(struct rtg_settings *s);
/* Deep copy (strings duplicated); 0 or RTG_ERR_NOMEM. */
int rtg_settings_copy(struct rtg_settings *dst, const struct rtg_settings *src);
void rtg_settings_free(struct rtg_settings *s);
/* Replaces *field with a copy of value (NULL allowed); 0 or RTG_ERR_NOMEM. */
int rtg_settings_set_str(char **field, const char *value);
/* The home directory: $HOME, else the password database's entry for the
 * real user; NULL when neither gives a non-empty one.  The pointer is
 * getenv's or getpwuid's (valid until the next such call): copy it. */
const char *rtg_settings_home_dir(void);
/* dir + "/" + rel, without doubling a '/' that ends dir (the root);
 * malloc'd, NULL when out of memory. */
char *rtg_path_join(const char *dir, const char *rel);
/* "~" and "~/..." with the home directory put in, any other path copied
 * as it is (the command line and the config file both expand them: rmpc
 * runs on_song_change without a shell).  malloc'd; NULL with errno ENOENT
 * when there is a "~" and no home directory, ENOMEM when out of memory. */
char *rtg_settings_expand_home(const char *v);
/* Default theme path: $XDG_CONFIG_HOME/rmpc/themes/current-song.ron
 * (~/.config when unset); malloc'd, NULL if HOME is unknown too. */
char *rtg_settings_default_theme_path(void);
/* Fills s->theme_output with rtg_settings_default_theme_path() when unset,
 * and makes it absolute from the working directory, so that every mode
 * (one-shot, --check, the watcher, a reload) sees the same file.  0,
 * RTG_ERR_NOMEM, RTG_ERR_ARG when no path can be found (neither
 * XDG_CONFIG_HOME nor HOME known: a usage error, --theme-output needed) or
 * for "-", or RTG_ERR_IO when a relative path meets an unknown working
 * directory. */
int rtg_settings_resolve_paths(struct rtg_settings *s, char *err);

/* The MPD timeout, as the config key mpd_timeout and MPD_TIMEOUT give it:
 * seconds, fractions allowed, from RTG_MPD_TIMEOUT_MIN_S to
 * RTG_MPD_TIMEOUT_MAX_S (RTG_MPD_TIMEOUT_RANGE, for messages).  Returns
 * the milliseconds, rounded to nearest, or -1 outside the range (NaN too). */
#define RTG_MPD_TIMEOUT_MIN_S 0.1
#define RTG_MPD_TIMEOUT_MAX_S 600
#define RTG_MPD_TIMEOUT_RANGE "0.1..600"
static inline int
rtg_settings_timeout_ms(double sec)
{
	if (!(sec >= RTG_MPD_TIMEOUT_MIN_S && sec <= RTG_MPD_TIMEOUT_MAX_S))
		return -1;
	return (int)(sec * 1000 + 0.5);
}

#endif
