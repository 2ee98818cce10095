/* watch.h - the watcher (--watch) and MPD one-shot mode.  The entry points
 * rtg_watch_run / rtg_oneshot_mpd are declared in modes.h; this header
 * holds what watch.c shares with check.c. */
#ifndef RTG_WATCH_H
#define RTG_WATCH_H

#include "settings.h"

/* The theme path in force: s->theme_output or the default; malloc'd, NULL
 * when neither XDG_CONFIG_HOME nor HOME is known (or out of memory).
 * Absolute once s went through rtg_settings_resolve_paths. */
char *rtg_watch_theme_path(const struct rtg_settings *s);

#endif
