/* configfile_internal.h - shared by configfile.c (the search, reading and
 * vetting the file, applying it) and configfile_keys.c (the keys). */
#ifndef RTG_CONFIGFILE_INTERNAL_H
#define RTG_CONFIGFILE_INTERNAL_H

#include <libconfig.h>

#include "settings.h"

struct ctx {
	const char *path;
	struct rtg_settings *s;
	char *err;
	int fallback_line;
};

/* configfile.c */
/* "~/x" -> "$HOME/x"; a relative path is taken relative to the directory of
 * the config file.  malloc'd; NULL when out of memory. */
char *rtg_configfile_expand_path(const char *cfgpath, const char *v);

/* configfile_keys.c */
/* Applies each setting of root (the file's top level) onto c->s through its
 * key's parser, in the file's order, up to the first error; an unknown key
 * is warned about (rtg_log) and skipped.  0 or the failing key's status,
 * with c->err set. */
int rtg_configfile_keys_apply(struct ctx *c, const config_setting_t *root);

#endif
