/* settings.c - defaults, copies and the default theme path.
 *
 * gen.template_text and gen.template_name are never owned by a settings
 * record: they stay NULL here and are filled on a copy of gen by whoever
 * reads the template file (rtg_options_resolve in oneshot.c). */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "settings.h"
#include "status.h"

/* MPD_TIMEOUT is libmpdclient's variable (seconds); it seeds the default
 * so that the config file's mpd_timeout still wins.  It takes what the
 * config key takes: 0.1 to 600 seconds, fractions allowed (plain decimal
 * digits: no sign, exponent, hex, inf or nan); rtg_mpd_open applies it
 * rounded up to whole seconds.  Another value is ignored with one warning
 * per process: settings are built more than once (at start, on reload). */
static int
settings_env_timeout_ms(int fallback)
{
	static bool warned;
	const char *v = getenv("MPD_TIMEOUT");
	size_t digits = 0, dots = 0, i;
	char shown[40];

	if (v == NULL || *v == '\0')
		return fallback;
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] >= '0' && v[i] <= '9')
			digits++;
		else if (v[i] == '.')
			dots++;
		else
			break;
	}
	if (v[i] == '\0' && digits > 0 && dots <= 1 && i <= 32) {
		int ms = rtg_settings_timeout_ms(strtod(v, NULL));
		if (ms >= 0)
			return ms;
	}
	/* "warned" only once the line was really shown: a build while
	 * logging errors alone (-q) must not use up the one warning */
	if (!warned && rtg_log_enabled(RTG_LOG_WARN)) {
		/* the value is quoted: keep the line one line, and short */
		for (i = 0; v[i] != '\0' && i < sizeof shown - 4; i++)
			shown[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
		strcpy(shown + i, v[i] != '\0' ? "..." : "");
		rtg_log(RTG_LOG_WARN, "MPD_TIMEOUT=%s ignored: not a number of seconds from "
		        "0.1 to 600; using %g s", shown, fallback / 1000.0);
		warned = true;
	}
	return fallback;
}

void
rtg_settings_default(struct rtg_settings *s)
{
	memset(s, 0, sizeof *s);
	rtg_options_default(&s->gen);
	s->repeat = 1;
	s->mpd_timeout_ms = settings_env_timeout_ms(5000);
	/* Embedded art first: it belongs to the very file that plays, while a
	 * folder cover may be shared by unrelated files. */
	s->art_order[0] = RTG_ART_EMBEDDED;
	s->art_order[1] = RTG_ART_FOLDER;
	s->art_order_n = 2;
	s->art_max_bytes = RTG_ART_MAX_BYTES_DEFAULT;
	s->binarylimit = RTG_BINARYLIMIT_DEFAULT;
	s->fallback = RTG_FALLBACK_KEEP;
	s->cache = true;
	s->cache_max_bytes = RTG_CACHE_MAX_BYTES_DEFAULT;
}

int
rtg_settings_set_str(char **field, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return RTG_ERR_NOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* The string members, so that copy and free cannot disagree. */
#define SETTINGS_STRINGS(X) \
	X(template_path) X(theme_output) X(report_output) X(image) \
	X(config_path) X(mpd_host) X(mpd_password) X(fallback_image) \
	X(cache_dir)

int
rtg_settings_copy(struct rtg_settings *dst, const struct rtg_settings *src)
{
	*dst = *src;
#define NULL_FIELD(f) dst->f = NULL;
	SETTINGS_STRINGS(NULL_FIELD)
#undef NULL_FIELD
#define COPY_FIELD(f) \
	if (rtg_settings_set_str(&dst->f, src->f) != 0) \
		goto fail;
	SETTINGS_STRINGS(COPY_FIELD)
#undef COPY_FIELD
	return 0;
fail:
	rtg_settings_free(dst);
	return RTG_ERR_NOMEM;
}

void
rtg_settings_free(struct rtg_settings *s)
{
#define FREE_FIELD(f) free(s->f); s->f = NULL;
	SETTINGS_STRINGS(FREE_FIELD)
#undef FREE_FIELD
}

char *
rtg_path_join(const char *dir, const char *rel)
{
	size_t ld = strlen(dir), lr = strlen(rel);
	bool slash = ld == 0 || dir[ld - 1] != '/';
	char *p = malloc(ld + slash + lr + 1);

	if (p != NULL) {
		memcpy(p, dir, ld);
		if (slash)
			p[ld] = '/';
		memcpy(p + ld + slash, rel, lr + 1);
	}
	return p;
}

const char *
rtg_settings_home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	/* Without HOME (cron, some service managers) the password database
	 * still knows the home directory; a relative HOME is as good as none
	 * (paths under it would depend on the working directory). */
	if (home == NULL || home[0] != '/') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : NULL;
	}
	return home != NULL && home[0] == '/' ? home : NULL;
}

char *
rtg_settings_expand_home(const char *v)
{
	const char *home;

	if (v[0] != '~' || (v[1] != '/' && v[1] != '\0'))
		return strdup(v);
	if ((home = rtg_settings_home_dir()) == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return v[1] == '\0' ? strdup(home) : rtg_path_join(home, v + 2);
}

char *
rtg_settings_default_theme_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home;

	/* The XDG spec says relative values are invalid and to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		return rtg_path_join(xdg, "rmpc/themes/current-song.ron");
	if ((home = rtg_settings_home_dir()) == NULL)
		return NULL;
	return rtg_path_join(home, ".config/rmpc/themes/current-song.ron");
}

/* A relative theme path is taken from the working directory now, once, and
 * the same way for every mode: under systemd that directory is "/", and a
 * path that silently depends on it is hard to find later (the watcher's
 * startup line and --check show the result).  Leading "./" are dropped so
 * that the usual way of writing a relative path reads naturally. */
static int
settings_absolute(char **path, char *err)
{
	const char *rel = *path;
	char *cwd, *abs;

	if (rel[0] == '/')
		return 0;
	while (rel[0] == '.' && rel[1] == '/')
		for (rel += 2; *rel == '/'; rel++)
			;
	/* A working directory that cannot be named (removed, or above it
	 * unreadable) still resolves a relative path for a one-shot run: keep
	 * the path as given.  The watcher, which needs it absolute, refuses
	 * such a path itself. */
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return errno == ENOMEM ? rtg_fail(err, RTG_ERR_NOMEM, "out of memory") : 0;
	abs = rtg_path_join(cwd, rel);
	free(cwd);
	if (abs == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
	free(*path);
	*path = abs;
	return 0;
}

int
rtg_settings_resolve_paths(struct rtg_settings *s, char *err)
{
	/* "-" is standard output for --image and --output, but a theme has
	 * to be a file rmpc can reload: refuse it rather than create a file
	 * named "-" by surprise (./- still names that file).  Only the
	 * command line can say "-": the config file makes a relative
	 * theme_output relative to its own directory. */
	if (s->theme_output != NULL && strcmp(s->theme_output, "-") == 0)
		return rtg_fail(err, RTG_ERR_ARG,
		                "--theme-output -: the theme cannot go to standard output "
		                "(give a file; ./- for a file named -)");
	if (s->theme_output == NULL &&
	    (s->theme_output = rtg_settings_default_theme_path()) == NULL)
		return rtg_fail(err, RTG_ERR_ARG,
		                "cannot find the theme path: neither XDG_CONFIG_HOME nor a home "
		                "directory (HOME, the password database) is known (use "
		                "--theme-output PATH)");
	return settings_absolute(&s->theme_output, err);
}
