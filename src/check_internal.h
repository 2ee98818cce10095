/* check_internal.h - shared by the parts of --check: check.c (the report,
 * the theme file, the exit status), check_mpd.c, check_rmpc.c and
 * check_ron.c (rmpc's config.ron scanned). */
#ifndef RTG_CHECK_INTERNAL_H
#define RTG_CHECK_INTERNAL_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>

#include "settings.h"

struct doctor {
	int problems_mpd, problems_setup;
};

/* Where the theme path came from, for the fix: "--theme-output", "theme_output
 * in FILE", or "" (the default). */
struct theme_origin {
	bool cli;
	const char *config; /* the config file that set it, or NULL */
	const char *file;   /* the config file in use, or NULL */
};

/* What rtg_check_rmpc needs from config.ron (check_ron.c). */
struct rmpc_conf {
	bool has_theme, theme_some, theme_none, implicit_some, hot_reload_off;
	int theme_line;
	char theme[PATH_MAX];
	/* The first thing that makes the file unreadable for rmpc, as far as
	 * brackets, strings and the top level show it (no full RON check):
	 * bad[0] is '\0' when none was seen; bad_line 0 when it has no line. */
	int bad_line;
	char bad[96];
};

/* check.c */
/* "  ok    message" / "  FAIL  message\n        fix: ..." */
void rtg_check_say(const char *tag, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool rtg_check_exists(const char *path);
/* For path, which access() or open() refused with errno e: why ("strerror
 * (owned by USER, mode 0755)", to follow the path in a message) and a fix
 * (chmod u+CHMOD_MODE when it is ours, else chown to us; a read-only file
 * system: remount). */
void rtg_check_denied(const char *path, int e, const char *chmod_mode, char *why,
                      size_t wcap, char *fix, size_t fcap);

/* check_mpd.c */
void rtg_check_mpd(struct doctor *d, const struct rtg_settings *s);

/* check_rmpc.c */
void rtg_check_rmpc(struct doctor *d, const char *theme_path,
                    const struct theme_origin *origin);

/* check_ron.c: fills rc from config.ron's text (rc->bad: the first thing
 * that makes it unreadable for rmpc, as far as the scanner sees). */
void rtg_check_scan_rmpc(const char *text, size_t len, struct rmpc_conf *rc);

#endif
