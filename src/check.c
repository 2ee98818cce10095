/* check.c - rmpc-theme-gen --check: a doctor for the setup, each finding
 * with a fix.  It looks at what the watcher depends on and cannot see by
 * itself: MPD (reachable, allowed in, new enough for readpicture/albumart/
 * binarylimit), the theme path, and whether rmpc will actually load and
 * hot-reload that file (its config.ron `theme`, resolved as rmpc does,
 * docs RMPC.md; hot reload on; the theme inside rmpc's config directory).
 *
 * The checks of MPD are in check_mpd.c, those of rmpc's config in
 * check_rmpc.c; this file runs them in order, checks the theme file and
 * the watcher's lock, and gives the exit status: 0 when nothing is wrong
 * (notes allowed), 69 when MPD cannot be used, 78 when the setup will not
 * show the theme. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_internal.h"
#include "cli.h"
#include "exitcodes.h"
#include "lock.h"
#include "modes.h"
#include "render.h"
#include "status.h"
#include "theme.h"
#include "watch.h"

/* "  ok    message" / "  FAIL  message\n        fix: ..." */
void rtg_check_say(const char *tag, const char *fix, const char *fmt, ...)
{
	va_list ap;

	printf("%-6s ", tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (fix != NULL)
		printf("       fix: %s\n", fix);
}

bool rtg_check_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void check_theme_file(struct doctor *d, const char *path)
{
	char *text = NULL, err[RTG_ERRLEN];
	size_t len;

	if (!rtg_check_exists(path)) {
		/* rmpc 0.11 refuses a missing theme at start and then runs the
		 * whole session on its defaults, without reloading (RMPC.md). */
		rtg_check_say("note", "run rmpc-theme-gen once while a song plays, then start rmpc",
		              "%s does not exist yet: the first track creates it; an rmpc started "
		              "before that runs on its own colours until restarted", path);
		return;
	}
	if (rtg_file_read(path, RTG_TEMPLATE_MAX_BYTES * 2, (uint8_t **)&text, &len, err) < 0) {
		rtg_check_say("FAIL", "check its permissions", "%s", err);
		d->problems_setup++;
		return;
	}
	if (rtg_theme_check(text, len, path, NULL, err) < 0) {
		rtg_check_say("FAIL", "delete it; the watcher writes a new one", "%s", err);
		d->problems_setup++;
	} else {
		rtg_check_say("ok", NULL, "%s is a valid theme", path);
	}
	free(text);
}

int rtg_check_run(const struct rtg_settings *s, const char *config_path)
{
	struct doctor d = { 0, 0 };
	char *theme = rtg_watch_theme_path(s), *lock = rtg_lock_path();
	pid_t holder = 0;
	struct theme_origin origin = { false, NULL };

	if (theme == NULL) {
		free(lock);
		rtg_check_say("FAIL", "set HOME or pass --theme-output", "no theme path");
		return RTG_EXIT_USAGE;
	}
	/* From --theme-output (which cannot be empty); else from the config
	 * file, if it is not the default. */
	origin.cli = rtg_cli_theme_output() != NULL;
	if (!origin.cli && config_path != NULL) {
		char *def = rtg_settings_default_theme_path();
		if (def == NULL || strcmp(def, theme) != 0)
			origin.config = config_path;
		free(def);
	}
	rtg_check_say("ok", NULL, "config file: %s", config_path != NULL ? config_path : "none (defaults)");
	rtg_check_mpd(&d, s);
	rtg_check_say("ok", NULL, "theme path: %s", theme);
	check_theme_file(&d, theme);
	rtg_check_rmpc(&d, theme, &origin);
	/* No lock path (no home directory, or out of memory) is no reason to
	 * skip the other checks: --theme-output gave the theme's place. */
	if (lock == NULL)
		rtg_check_say("note", "set XDG_RUNTIME_DIR, XDG_CACHE_HOME or HOME",
		              "no place for the watcher's lock: not checked whether a watcher is running");
	else if (rtg_lock_probe(lock, &holder))
		rtg_check_say("ok", NULL, "a watcher is running (pid %ld)", (long)holder);
	else
		rtg_check_say("note", "systemctl --user enable --now rmpc-theme-gen", "no watcher is running");
	free(theme);
	free(lock);
	fflush(stdout);
	return d.problems_mpd > 0 ? RTG_EXIT_UNAVAILABLE
	       : d.problems_setup > 0 ? RTG_EXIT_CONFIG : RTG_EXIT_OK;
}
