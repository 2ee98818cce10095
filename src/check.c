/* check.c - rmpc-theme-gen --check: a doctor for the setup, each finding
 * with a fix.  It looks at what the watcher depends on and cannot see by
 * itself: MPD (reachable, allowed in, new enough for readpicture/albumart/
 * binarylimit), the theme path (can it be written there, as publish.c
 * writes it), and whether rmpc will actually load and hot-reload that file
 * (its config.ron `theme`, resolved as rmpc does, docs RMPC.md; hot reload
 * on; the theme inside rmpc's config directory).
 *
 * The checks of MPD are in check_mpd.c, those of rmpc's config in
 * check_rmpc.c; this file runs them in order, checks the theme file and
 * the watcher's lock, and gives the exit status: 0 when nothing is wrong
 * (notes allowed), 69 when MPD cannot be used, 78 when the setup will not
 * show the theme. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
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

/* -q: only the failures (with their fixes) are printed. */
static bool check_quiet;

/* "  ok    message" / "  FAIL  message\n        fix: ..." */
void rtg_check_say(const char *tag, const char *fix, const char *fmt, ...)
{
	va_list ap;

	if (check_quiet && strcmp(tag, "FAIL") != 0)
		return;
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

static void user_name(uid_t uid, char *out, size_t cap)
{
	const struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(out, cap, "%s", pw->pw_name);
	else
		snprintf(out, cap, "%ld", (long)uid);
}

void rtg_check_denied(const char *path, int e, const char *chmod_mode, char *why,
                      size_t wcap, char *fix, size_t fcap)
{
	struct stat st;
	char owner[64], me[64];

	if (stat(path, &st) != 0) {
		snprintf(why, wcap, "%s", strerror(e));
		snprintf(fix, fcap, "make %s accessible to you", path);
		return;
	}
	user_name(st.st_uid, owner, sizeof owner);
	snprintf(why, wcap, "%s (owned by %s, mode %04o)", strerror(e), owner,
	         (unsigned)(st.st_mode & 07777));
	if (e == EROFS) {
		snprintf(fix, fcap, "remount the file system of %s read-write", path);
	} else if (st.st_uid == geteuid()) {
		snprintf(fix, fcap, "chmod u+%s %s", chmod_mode, path);
	} else {
		user_name(geteuid(), me, sizeof me);
		snprintf(fix, fcap, "sudo chown %s %s", me, path);
	}
}

/* Can the theme be written the way publish.c writes it: a temp file made
 * in the theme's directory (for a symbolic link, the directory of the file
 * it points to, which is what gets updated) and renamed over the theme;
 * missing directories made first, so the nearest existing one must take
 * new entries.  It only looks: nothing is created.  The effective user's
 * access (AT_EACCESS) is what the watcher will have (root passes the
 * permission bits, not a read-only file system).  Prints
 * "ok theme path" or a failure; false when the theme cannot be written. */
static bool check_theme_path(struct doctor *d, const char *path)
{
	char real[PATH_MAX], dir[PATH_MAX], why[PATH_MAX + 128], fix[2 * PATH_MAX + 64];
	const char *target = path, *slash;
	struct stat st;
	bool missing = false;
	size_t n;
	int e;

	/* publish.c updates the file a symbolic link points to */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, real) != NULL)
		target = real;
	n = strlen(target);
	if ((stat(target, &st) == 0 && S_ISDIR(st.st_mode)) || (n > 0 && target[n - 1] == '/')) {
		if (target != path) /* the link, not the user's directory it names */
			snprintf(fix, sizeof fix, "remove the link %s (it points to the directory %s): "
			         "the theme is a file written at that path", path, target);
		else
			snprintf(fix, sizeof fix, "remove the directory %s: the theme is a file "
			         "written at that path", target);
		rtg_check_say("FAIL", fix, "theme path: %s is a directory", path);
		d->problems_setup++;
		return false;
	}
	slash = strrchr(target, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == target)
		snprintf(dir, sizeof dir, "/");
	else if ((size_t)(slash - target) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - target), target);
	else
		goto ok; /* too long to name: publishing reports it */
	/* The nearest existing directory on the way: the theme's own, or the
	 * one its missing directories will be made in. */
	for (;;) {
		char *cut;
		if (stat(dir, &st) == 0)
			break;
		e = errno;
		/* a link to nothing cannot be made into a directory */
		if (e == ENOENT && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
			char to[PATH_MAX];
			ssize_t k = readlink(dir, to, sizeof to - 1);
			to[k > 0 ? k : 0] = '\0';
			snprintf(fix, sizeof fix, "create the directory %s, or remove the link %s", to, dir);
			rtg_check_say("FAIL", fix, "theme path: %s: %s is a symbolic link to %s, "
			              "which does not exist", path, dir, to);
			d->problems_setup++;
			return false;
		}
		if ((e != ENOENT && e != ENOTDIR) || strcmp(dir, "/") == 0 || strcmp(dir, ".") == 0) {
			rtg_check_denied(dir, e, "x", why, sizeof why, fix, sizeof fix);
			rtg_check_say("FAIL", fix, "theme path: %s: cannot reach %s: %s", path, dir, why);
			d->problems_setup++;
			return false;
		}
		cut = strrchr(dir, '/');
		if (cut == NULL)
			snprintf(dir, sizeof dir, ".");
		else
			cut[cut == dir] = '\0'; /* "/x" -> "/" */
		missing = true;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(fix, sizeof fix, "move the file %s away, or choose another theme path", dir);
		rtg_check_say("FAIL", fix, "theme path: %s: %s is a file, not a directory", path, dir);
		d->problems_setup++;
		return false;
	}
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
		e = errno;
		rtg_check_denied(dir, e, "wx", why, sizeof why, fix, sizeof fix);
		if (missing)
			rtg_check_say("FAIL", fix, "theme path: %s: its directory cannot be created in %s: %s",
			              path, dir, why);
		else
			rtg_check_say("FAIL", fix, "theme path: %s: cannot write in %s: %s", path, dir, why);
		d->problems_setup++;
		return false;
	}
	/* In a sticky directory (like /tmp) only the owner of the file or of
	 * the directory may rename over it. */
	{
		struct stat ft;
		if ((st.st_mode & S_ISVTX) && geteuid() != 0 && stat(target, &ft) == 0 &&
		    ft.st_uid != geteuid() && st.st_uid != geteuid()) {
			char owner[64];
			user_name(ft.st_uid, owner, sizeof owner);
			snprintf(fix, sizeof fix, "remove %s (only its owner can), or choose another theme path",
			         target);
			rtg_check_say("FAIL", fix,
			              "theme path: %s: cannot replace it: %s belongs to %s in the sticky directory %s",
			              path, target, owner, dir);
			d->problems_setup++;
			return false;
		}
	}
ok:
	rtg_check_say("ok", NULL, "theme path: %s", path);
	return true;
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
		char why[PATH_MAX + 128], fix[2 * PATH_MAX + 64];
		/* rmpc, run by the same user, must read it too */
		if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) != 0) {
			rtg_check_denied(path, errno, "r", why, sizeof why, fix, sizeof fix);
			rtg_check_say("FAIL", fix, "the theme %s cannot be read: %s", path, why);
		} else {
			rtg_check_say("FAIL", "delete it; the watcher writes a new one", "%s", err);
		}
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
	struct theme_origin origin = { false, NULL, config_path };

	/* -q on the command line only: the config file's verbosity is a log
	 * level for every run, not a wish for a shorter report. */
	check_quiet = rtg_cli_verbosity() < 0;
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
	/* A theme that cannot be written is the one finding about the file:
	 * whether it exists or is valid now matters no more. */
	if (check_theme_path(&d, theme))
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
