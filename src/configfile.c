/* configfile.c - the libconfig file onto struct rtg_settings: where it is
 * (the XDG search), reading and vetting its text, applying it.  The keys
 * and their parsers are in configfile_keys.c.
 *
 * The file is applied onto a copy of the settings and the copy replaces
 * the original only when every key parsed, so a bad file (at start or on
 * reload) never leaves half-applied options. */
#include "config.h"

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "configfile.h"
#include "configfile_internal.h"
#include "modes.h"
#include "settings.h"
#include "status.h"

/* ------------------------------------------------------------------ paths */

/* Anything at a searched path counts, not only a regular file: a directory
 * or a FIFO where the config belongs is reported by rtg_config_load, not
 * silently taken as "no config file". */
static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

char *rtg_config_user_dir(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = rtg_settings_home_dir();

	if (xdg != NULL && xdg[0] == '/')
		return rtg_path_join(xdg, "rmpc-theme-gen");
	if (home != NULL && home[0] != '\0')
		return rtg_path_join(home, ".config/rmpc-theme-gen");
	return NULL;
}

char *rtg_config_find(const char *explicit_path)
{
	const char *rel = "rmpc-theme-gen/config";
	const char *xdg, *home, *dirs;
	char *p;

	if (explicit_path != NULL)
		return strdup(explicit_path);
	xdg = getenv("XDG_CONFIG_HOME");
	if (xdg != NULL && xdg[0] == '/') {
		if ((p = rtg_path_join(xdg, rel)) == NULL)
			return NULL;
		if (exists(p))
			return p;
		free(p);
	}
	home = rtg_settings_home_dir();
	if (home != NULL) {
		if ((p = rtg_path_join(home, ".config/rmpc-theme-gen/config")) == NULL)
			return NULL;
		if (exists(p))
			return p;
		free(p);
	}
	/* XDG base directory spec: relative entries are invalid and ignored. */
	dirs = getenv("XDG_CONFIG_DIRS");
	if (dirs == NULL || dirs[0] == '\0')
		dirs = "/etc/xdg";
	while (*dirs != '\0') {
		size_t n = strcspn(dirs, ":");
		if (n > 0 && dirs[0] == '/') {
			char *d = strndup(dirs, n);
			if (d == NULL)
				return NULL;
			p = rtg_path_join(d, rel);
			free(d);
			if (p == NULL)
				return NULL;
			if (exists(p))
				return p;
			free(p);
		}
		dirs += n;
		if (*dirs == ':')
			dirs++;
	}
	return NULL;
}

/* "~/x" -> "$HOME/x"; a relative path is taken relative to the directory of
 * the config file (a daemon's working directory is arbitrary). */
char *rtg_configfile_expand_path(const char *cfgpath, const char *v)
{
	if (v[0] == '~' && (v[1] == '/' || v[1] == '\0'))
		return rtg_settings_expand_home(v);
	if (v[0] != '/') {
		const char *slash = strrchr(cfgpath, '/');
		char *dir, *p;
		if (slash == NULL)
			return strdup(v);
		dir = strndup(cfgpath, (size_t)(slash - cfgpath));
		if (dir == NULL)
			return NULL;
		p = rtg_path_join(dir[0] != '\0' ? dir : "/", v);
		free(dir);
		return p;
	}
	return strdup(v);
}

/* ------------------------------------------------------------------ load */

_Static_assert(RTG_CONFIG_MAX_BYTES == 1 << 20, "read_config's message says 1 MiB");

/* Reads the whole file into a NUL-terminated buffer (*out, malloc'd).
 *
 * libconfig must never open the file itself: given a directory its flex
 * scanner calls exit(2) ("input in flex scanner failed"), and a FIFO would
 * block the watcher.  rtg_file_read_regular opens without blocking, requires
 * a regular file, and refuses more than RTG_CONFIG_MAX_BYTES, both from
 * fstat before allocating and while reading (the file may grow, and some
 * files report size 0).  Unreadable -> RTG_ERR_IO, too big -> RTG_ERR_ARG. */
static int read_config(const char *path, char **out, size_t *len, char *err)
{
	uint8_t *buf;
	int rc = rtg_file_read_regular(path, RTG_CONFIG_MAX_BYTES, "config file", &buf, len,
	                               err);

	if (rc == RTG_ERR_LIMIT)
		return rtg_fail(err, RTG_ERR_ARG,
		                "%s: larger than 1 MiB, the limit for a config file", path);
	if (rc < 0)
		return rc;
	*out = (char *)buf;
	return 0;
}

/* libconfig 1.5 opens the file an "@include" line names, with no hook to
 * stop it (config_set_include_func exists from 1.7 on), and a directory
 * there makes it exit(2).  Includes are not a feature of this config, so
 * the text is refused before libconfig sees it: any line whose first
 * non-blank character is '@' (libconfig's scanner only takes "@include" at
 * the start of a line), wherever it is, also inside a comment or a string
 * spanning lines; '@' is in no other libconfig token.  A NUL byte would
 * end libconfig's text early and hide the rest from this check. */
static int check_text(const char *path, const char *text, size_t len, char *err)
{
	int line = 1;
	bool bol = true;

	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (ch == '\0')
			return rtg_fail(err, RTG_ERR_ARG, "%s:%d: NUL byte: not a text file",
			                path, line);
		if (ch == '\n') {
			line++;
			bol = true;
		} else if (bol && ch == '@') {
			if (strncmp(text + i, "@include", 8) == 0)
				return rtg_fail(err, RTG_ERR_ARG,
				                "%s:%d: @include is not supported (put the settings "
				                "in this file)", path, line);
			return rtg_fail(err, RTG_ERR_ARG, "%s:%d: unexpected '@'", path, line);
		} else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\f' && ch != '\v') {
			bol = false;
		}
	}
	return 0;
}

int rtg_config_load(const char *path, struct rtg_settings *s, char *err)
{
	config_t cfg;
	struct rtg_settings tmp;
	struct ctx c;
	int rc = 0;
	char *text = NULL;
	size_t len = 0;

	if ((rc = read_config(path, &text, &len, err)) < 0)
		return rc;
	if ((rc = check_text(path, text, len, err)) < 0) {
		free(text);
		return rc;
	}
	config_init(&cfg);
	/* Line numbers count from the start of the text, as in the file. */
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		rc = rtg_fail(err, RTG_ERR_ARG, "%s:%d: %s", path,
		              config_error_line(&cfg), config_error_text(&cfg));
		free(text);
		config_destroy(&cfg);
		return rc;
	}
	free(text);

	if (rtg_settings_copy(&tmp, s) < 0) {
		config_destroy(&cfg);
		return rtg_fail(err, RTG_ERR_NOMEM, "%s: out of memory", path);
	}
	c = (struct ctx){ .path = path, .s = &tmp, .err = err, .fallback_line = 0 };
	rc = rtg_configfile_keys_apply(&c, config_root_setting(&cfg));
	if (rc == 0 && tmp.fallback == RTG_FALLBACK_IMAGE && tmp.fallback_image == NULL)
		rc = rtg_fail(err, RTG_ERR_ARG,
		              "%s:%d: fallback = \"image\" needs fallback_image", path,
		              c.fallback_line);
	config_destroy(&cfg);
	if (rc < 0) {
		rtg_settings_free(&tmp);
		return rc;
	}
	rtg_settings_free(s);
	*s = tmp;
	return 0;
}
