/* configfile.h - the libconfig file: $XDG_CONFIG_HOME/rmpc-theme-gen/config
 * (else ~/.config/...), then each of $XDG_CONFIG_DIRS (default /etc/xdg);
 * --config PATH overrides.  See rmpc-theme-gen.conf(5). */
#ifndef RTG_CONFIGFILE_H
#define RTG_CONFIGFILE_H

#include "settings.h"

/* The most bytes a config file may hold (untrusted input: checked before
 * anything is allocated for it). */
#define RTG_CONFIG_MAX_BYTES (1024 * 1024)

/* Path of the config file that would be used: explicit if non-NULL, else
 * the first path of the XDG search where anything exists (a directory
 * there is returned too, so that rtg_config_load reports it); NULL when
 * there is none.  malloc'd. */
char *rtg_config_find(const char *explicit_path);

/* The directory searched first, where a user's file goes:
 * $XDG_CONFIG_HOME/rmpc-theme-gen (else ~/.config/rmpc-theme-gen), whether
 * it exists or not.  malloc'd; NULL when neither variable is usable. */
char *rtg_config_user_dir(void);

/* Applies the keys of the file at path onto s (only keys present change
 * s).  Unknown keys are warned about (rtg_log).  Numbers are range-checked.
 * The file must be a regular file of at most RTG_CONFIG_MAX_BYTES; a line
 * starting with "@include" (or any '@') is refused: libconfig never opens
 * a file itself.  Returns 0, RTG_ERR_IO ("FILE: reason": missing,
 * unreadable, a directory, a FIFO, ...) or RTG_ERR_ARG ("FILE:LINE: key:
 * reason", or "FILE: reason" when too big), RTG_ERR_NOMEM; on error s is
 * unchanged. */
int rtg_config_load(const char *path, struct rtg_settings *s, char *err);

/* Value parsers shared with the command line (0, or -1 if invalid). */
/* "keep" | "image" | "neutral" */
int rtg_fallback_parse(const char *v, enum rtg_fallback *out);
/* "embedded,folder", "folder", ... (also readpicture/albumart); *n = 1 or 2,
 * order[1] = order[0] when n == 1. */
int rtg_art_order_parse(const char *v, enum rtg_art_source order[2], int *n);

#endif
