/* check_rmpc.c - rmpc-theme-gen --check, rmpc: whether rmpc will load and
 * hot-reload the theme file (its config.ron readable and well-formed, its
 * `theme` resolved as rmpc does, docs RMPC.md; hot reload on; the theme
 * inside rmpc's config directory, also after following symbolic links),
 * each finding with a fix. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_internal.h"
#include "configfile.h"
#include "modes.h"
#include "settings.h"
#include "status.h"

#define RMPC_CONFIG_MAX (1024u * 1024)

static char *rmpc_config_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = rtg_settings_home_dir();
	char buf[PATH_MAX];

	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, sizeof buf, "%s/rmpc/config.ron", xdg);
	else if (home != NULL && home[0] != '\0')
		snprintf(buf, sizeof buf, "%s/.config/rmpc/config.ron", home);
	else
		return NULL;
	return strdup(buf);
}

/* NAME as a path the way rmpc takes it: ~ and $VAR / ${VAR} expanded. */
static void expand_path(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	const char *home = rtg_settings_home_dir();

	if (in[0] == '~' && (in[1] == '/' || in[1] == '\0') && home != NULL) {
		n = (size_t)snprintf(out, cap, "%s", home);
		in++;
	}
	while (*in != '\0' && n + 1 < cap) {
		if (*in == '$' && (in[1] == '{' || isalpha((unsigned char)in[1]) || in[1] == '_')) {
			char var[128];
			size_t k = 0;
			bool brace = in[1] == '{';
			const char *val;
			in += brace ? 2 : 1;
			while (*in != '\0' && (isalnum((unsigned char)*in) || *in == '_') &&
			       k + 1 < sizeof var)
				var[k++] = *in++;
			var[k] = '\0';
			if (brace && *in == '}')
				in++;
			val = getenv(var);
			if (val != NULL)
				n += (size_t)snprintf(out + n, cap - n, "%s", val);
			if (n >= cap)
				n = cap - 1;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
}


/* path made absolute and normalised the way the kernel will see it once
 * the missing parts exist: the longest existing prefix through realpath()
 * (symlinks, "..", "."), the rest lexically ("." dropped, ".." pops).  A
 * directory that does not exist yet (a first run, before rmpc or we
 * created ~/.config/rmpc) compares like the one it will become.  false
 * when the result does not fit. */
static bool resolve(const char *path, char *out, size_t cap)
{
	char abs[PATH_MAX], real[PATH_MAX];
	size_t n, cut;

	if (path[0] == '/') {
		n = (size_t)snprintf(abs, sizeof abs, "%s", path);
	} else {
		if (getcwd(real, sizeof real) == NULL)
			return false;
		n = (size_t)snprintf(abs, sizeof abs, "%s/%s", real, path);
	}
	if (n >= sizeof abs)
		return false;
	/* Shorten at '/' boundaries until what is left exists. */
	for (cut = n;;) {
		char save = abs[cut];
		abs[cut] = '\0';
		bool ok = realpath(cut > 0 ? abs : "/", real) != NULL;
		abs[cut] = save;
		if (ok)
			break;
		while (cut > 0 && abs[cut - 1] == '/')
			cut--;
		while (cut > 0 && abs[cut - 1] != '/')
			cut--;
		while (cut > 0 && abs[cut - 1] == '/')
			cut--;
		if (cut == 0) {
			snprintf(real, sizeof real, "/");
			break;
		}
	}
	n = strlen(real);
	if (n >= cap)
		return false;
	memcpy(out, real, n + 1);
	/* The missing tail, one component at a time. */
	for (const char *c = abs + cut; *c != '\0';) {
		size_t l;
		while (*c == '/')
			c++;
		l = strcspn(c, "/");
		if (l == 0 || (l == 1 && c[0] == '.')) {
			/* nothing */
		} else if (l == 2 && c[0] == '.' && c[1] == '.') {
			char *slash = strrchr(out, '/');
			n = slash != NULL && slash != out ? (size_t)(slash - out) : 1;
			out[n] = '\0';
		} else {
			bool root = n == 1 && out[0] == '/';
			if (n + (root ? 0 : 1) + l >= cap)
				return false;
			if (!root)
				out[n++] = '/';
			memcpy(out + n, c, l);
			n += l;
			out[n] = '\0';
		}
		c += l;
	}
	return true;
}

/* The same file, now or once both exist. */
static bool same_path(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	if (resolve(a, ra, sizeof ra) && resolve(b, rb, sizeof rb))
		return strcmp(ra, rb) == 0;
	return strcmp(a, b) == 0;
}

/* Is path inside dir, compared as resolve() sees them? */
static bool inside(const char *path, const char *dir)
{
	char rd[PATH_MAX], rp[PATH_MAX];
	size_t n;

	if (!resolve(dir, rd, sizeof rd) || !resolve(path, rp, sizeof rp))
		return false;
	n = strlen(rd);
	if (n == 1)
		return true; /* dir is "/" */
	return strncmp(rp, rd, n) == 0 && rp[n] == '/';
}

/* The NAME for rmpc's `theme:` that resolves to theme_path (dir is rmpc's
 * config directory): "NAME" for DIR/themes/NAME.ron, which rmpc tries
 * first; otherwise the path itself, which no other candidate can shadow. */
static void theme_name_for(const char *theme_path, const char *dir, char *out,
                           size_t cap)
{
	size_t n = strlen(dir), l;
	const char *rel;

	snprintf(out, cap, "%s", theme_path);
	if (strncmp(theme_path, dir, n) != 0 || theme_path[n] != '/')
		return;
	rel = theme_path + n + 1;
	l = strlen(rel);
	if (strncmp(rel, "themes/", 7) == 0 && strchr(rel + 7, '/') == NULL &&
	    l > 11 && strcmp(rel + l - 4, ".ron") == 0)
		snprintf(out, cap, "%.*s", (int)(l - 11), rel + 7);
}


/* The advice to move the theme to want, phrased for where it was set. */
static void move_fix(char *fix, size_t cap, const struct theme_origin *o, const char *want)
{
	const char *file = o->config != NULL ? o->config : o->file;
	char *udir;

	if (o->cli)
		snprintf(fix, cap, "pass --theme-output %s instead (the path came from the command line)",
		         want);
	else if (file != NULL)
		snprintf(fix, cap, "in %s set theme_output = \"%s\";", file, want);
	else if ((udir = rtg_config_user_dir()) != NULL) {
		snprintf(fix, cap, "create %s/config containing  theme_output = \"%s\";", udir, want);
		free(udir);
	} else {
		snprintf(fix, cap, "pass --theme-output %s", want);
	}
}

/* dir itself or inside it, compared as resolve() sees them. */
static bool within(const char *path, const char *dir)
{
	return inside(path, dir) || same_path(path, dir);
}

/* The symbolic link through which theme_path leaves dir (a dotfile
 * manager's link): the last component of theme_path, or of a directory on
 * its way, that is a link in dir whose target is outside it.  false when
 * there is none: then the path itself is elsewhere. */
static bool escaping_link(const char *theme_path, const char *dir, char *link, size_t cap)
{
	char cur[PATH_MAX];
	char *slash;
	struct stat st;

	if ((size_t)snprintf(cur, sizeof cur, "%s", theme_path) >= sizeof cur)
		return false;
	while ((slash = strrchr(cur, '/')) != NULL && slash != cur) {
		if (lstat(cur, &st) == 0 && S_ISLNK(st.st_mode) && !within(cur, dir)) {
			bool from_inside;
			*slash = '\0';
			from_inside = within(cur, dir);
			*slash = '/';
			if (from_inside)
				return (size_t)snprintf(link, cap, "%s", cur) < cap;
		}
		*slash = '\0';
	}
	return false;
}

/* Says why the theme is not inside dir and how to put it there; named is
 * the file rmpc's config names (or NULL).  *target becomes where the theme
 * should be (moved, of size cap, holds it when that is another path). */
static void report_outside(struct doctor *d, const char *theme_path, const char *dir,
                           const struct theme_origin *origin, const char *named,
                           char *moved, size_t cap, const char **target)
{
	char link[PATH_MAX], real[PATH_MAX], fix[3 * PATH_MAX + 128];
	const char *base;
	size_t bl;

	if (escaping_link(theme_path, dir, link, sizeof link)) {
		/* The path is right, the link is not: rmpc watches the files
		 * inside its directory, and an update goes to the link's
		 * target. */
		if (!resolve(link, real, sizeof real))
			snprintf(real, sizeof real, "a file elsewhere");
		if (strcmp(link, theme_path) == 0) {
			snprintf(fix, sizeof fix, "remove the link %s: rmpc-theme-gen then writes the theme "
			         "there as a real file, which rmpc reloads", link);
			rtg_check_say("FAIL", fix, "the theme %s is a symbolic link to %s, outside rmpc's "
			              "config directory %s: rmpc never hot-reloads it", theme_path, real, dir);
		} else {
			snprintf(fix, sizeof fix, "make %s a real directory instead of a link to %s", link,
			         real);
			rtg_check_say("FAIL", fix, "the theme %s is in %s, a symbolic link to %s, outside "
			              "rmpc's config directory %s: rmpc never hot-reloads it",
			              theme_path, link, real, dir);
		}
		d->problems_setup++;
		return;
	}
	/* Advice about where the theme should be: the file rmpc's config.ron
	 * names if that is inside rmpc's directory, else the same file name in
	 * its themes directory. */
	base = strrchr(theme_path, '/');
	base = base != NULL ? base + 1 : theme_path;
	bl = strlen(base);
	if (named != NULL && inside(named, dir))
		snprintf(moved, cap, "%s", named);
	else if (bl > 4 && strcmp(base + bl - 4, ".ron") == 0)
		snprintf(moved, cap, "%s/themes/%s", dir, base);
	else
		snprintf(moved, cap, "%s/themes/current-song.ron", dir);
	*target = moved;
	move_fix(fix, sizeof fix, origin, moved);
	rtg_check_say("FAIL", fix,
	              "the theme %s is outside rmpc's config directory %s: rmpc never hot-reloads it",
	              theme_path, dir);
	d->problems_setup++;
}

static void bare_fix(char *fix, size_t cap, const char *cfg, const struct rmpc_conf *rc)
{
	snprintf(fix, cap, "in %s:%d write theme: Some(\"%s\"), or put #![enable(implicit_some)] "
	         "on the first line", cfg, rc->theme_line, rc->theme);
}

/* rmpc's config.ron could not be read (err): missing, or there and not
 * readable, each with its own fix. */
static void report_unreadable(struct doctor *d, const char *cfg, const char *name,
                              const char *err)
{
	char fix[3 * PATH_MAX + 128], why[PATH_MAX + 128];
	struct stat st;

	if (stat(cfg, &st) != 0) {
		snprintf(fix, sizeof fix, "create %s containing  (theme: Some(\"%s\"))", cfg, name);
		rtg_check_say("FAIL", fix, "rmpc's config: %s", err);
	} else if (S_ISDIR(st.st_mode)) {
		snprintf(fix, sizeof fix, "replace the directory %s by a file containing  (theme: Some(\"%s\"))",
		         cfg, name);
		rtg_check_say("FAIL", fix, "rmpc's config %s is a directory", cfg);
	} else if (faccessat(AT_FDCWD, cfg, R_OK, AT_EACCESS) != 0) {
		/* rmpc runs as the same user: it cannot read it either */
		rtg_check_denied(cfg, errno, "r", why, sizeof why, fix, sizeof fix);
		rtg_check_say("FAIL", fix, "rmpc's config %s cannot be read: %s", cfg, why);
	} else {
		snprintf(fix, sizeof fix, "make %s a regular file of at most %u bytes", cfg,
		         RMPC_CONFIG_MAX);
		rtg_check_say("FAIL", fix, "rmpc's config: %s", err);
	}
	d->problems_setup++;
}

void rtg_check_rmpc(struct doctor *d, const char *theme_path,
                           const struct theme_origin *origin)
{
	char *cfg = rmpc_config_path(), *text = NULL;
	char dir[PATH_MAX], cand[5][2 * PATH_MAX + 16], fix[5 * PATH_MAX + 256], err[RTG_ERRLEN];
	char name[2 * PATH_MAX + 16], moved[2 * PATH_MAX + 16];
	const char *target = theme_path;
	struct rmpc_conf rc;
	size_t len;
	int chosen = -1, ours = -1;
	bool have_cfg, bare;

	if (cfg == NULL) {
		rtg_check_say("FAIL", "set HOME", "cannot locate rmpc's config (no XDG_CONFIG_HOME, no home directory)");
		d->problems_setup++;
		return;
	}
	snprintf(dir, sizeof dir, "%s", cfg);
	*strrchr(dir, '/') = '\0';

	have_cfg = rtg_file_read(cfg, RMPC_CONFIG_MAX, (uint8_t **)&text, &len, err) == 0;
	if (have_cfg) {
		rtg_check_scan_rmpc(text, len, &rc);
		free(text);
	} else {
		memset(&rc, 0, sizeof rc);
	}
	if (rc.has_theme) {
		/* rmpc's resolution order: first existing wins. */
		snprintf(cand[0], sizeof cand[0], "%s/themes/%s.ron", dir, rc.theme);
		snprintf(cand[1], sizeof cand[1], "%s/themes/%s", dir, rc.theme);
		snprintf(cand[2], sizeof cand[2], "%s/%s.ron", dir, rc.theme);
		snprintf(cand[3], sizeof cand[3], "%s/%s", dir, rc.theme);
		expand_path(rc.theme, cand[4], sizeof cand[4]);
		for (int i = 0; i < 5 && chosen < 0; i++)
			if (rtg_check_exists(cand[i]))
				chosen = i;
	}

	if (!inside(theme_path, dir))
		report_outside(d, theme_path, dir, origin,
		               rc.has_theme ? cand[chosen >= 0 ? chosen : 0] : NULL, moved,
		               sizeof moved, &target);
	else
		rtg_check_say("ok", NULL, "the theme %s is inside rmpc's config directory", theme_path);
	theme_name_for(target, dir, name, sizeof name);

	if (!have_cfg) {
		report_unreadable(d, cfg, name, err);
		free(cfg);
		return;
	}
	if (rc.bad[0] != '\0') {
		/* What a scanner of brackets and strings finds is not all of
		 * RON, but what it finds rmpc refuses too. */
		if (rc.bad_line > 0) {
			snprintf(fix, sizeof fix, "correct %s at line %d", cfg, rc.bad_line);
			rtg_check_say("FAIL", fix, "%s:%d: rmpc cannot parse it: %s", cfg, rc.bad_line,
			              rc.bad);
		} else {
			snprintf(fix, sizeof fix, "write  (theme: Some(\"%s\"))  in %s", name, cfg);
			rtg_check_say("FAIL", fix, "%s: rmpc cannot parse it: %s", cfg, rc.bad);
		}
		d->problems_setup++;
		free(cfg);
		return;
	}
	if (!rc.has_theme) {
		snprintf(fix, sizeof fix, "add  theme: Some(\"%s\"),  to the top-level ( ... ) of %s",
		         name, cfg);
		rtg_check_say("FAIL", fix, "%s sets no theme%s", cfg, rc.theme_none ? " (theme: None)" : "");
		d->problems_setup++;
		free(cfg);
		return;
	}
	/* rmpc refuses the whole config then: one verdict for the line, the
	 * bare string's failure, whatever the name resolves to. */
	bare = !rc.theme_some && !rc.implicit_some;
	for (int i = 0; i < 5 && ours < 0; i++)
		if (same_path(cand[i], target))
			ours = i;
	if (ours >= 0 && (chosen < 0 || chosen == ours)) {
		if (bare) {
			bare_fix(fix, sizeof fix, cfg, &rc);
			rtg_check_say("FAIL", fix, "%s:%d: theme \"%s\" (%s) is a bare string without "
			              "#![enable(implicit_some)]: rmpc rejects it", cfg, rc.theme_line,
			              rc.theme, target == theme_path ? "this file" : target);
			d->problems_setup++;
		} else if (target == theme_path) {
			rtg_check_say("ok", NULL, "%s:%d: theme \"%s\" is this file", cfg, rc.theme_line,
			              rc.theme);
		} else {
			rtg_check_say("ok", NULL, "%s:%d: theme \"%s\" is %s, where the fix above puts the theme",
			              cfg, rc.theme_line, rc.theme, target);
		}
	} else if (ours >= 0 && chosen > ours && bare) {
		/* Once accepted, the name is ours as soon as our file exists. */
		bare_fix(fix, sizeof fix, cfg, &rc);
		rtg_check_say("FAIL", fix, "%s:%d: theme \"%s\" is a bare string without #![enable(implicit_some)]: "
		              "rmpc rejects it", cfg, rc.theme_line, rc.theme);
		d->problems_setup++;
	} else if (ours >= 0 && chosen > ours) {
		/* Ours comes first in rmpc's order but does not exist yet: the
		 * first publication makes it the one rmpc loads (at its next
		 * start: until then it reloads only the file it resolved). */
		snprintf(fix, sizeof fix, "restart rmpc once %s exists (or remove %s)", target,
		         cand[chosen]);
		rtg_check_say("note", fix, "%s:%d: theme \"%s\" is %s until %s exists", cfg, rc.theme_line,
		              rc.theme, cand[chosen], target);
	} else {
		char alt[2 * PATH_MAX + 64];
		/* rmpc's choice, or the file it would take first once it exists:
		 * for a name written as a path (/..., ~/..., $VAR/...) that is
		 * the path itself, not <dir>/themes/<path>.ron */
		bool as_path = rc.theme[0] == '/' || rc.theme[0] == '~' || rc.theme[0] == '$';
		const char *other = chosen >= 0 ? cand[chosen] : as_path ? cand[4] : cand[0];
		/* Moving our output onto rmpc's choice is only advice when that
		 * is inside rmpc's directory too (and the fix's Some(...) also
		 * mends a bare string). */
		if (inside(other, dir) && !bare) {
			move_fix(alt, sizeof alt, origin, other);
			snprintf(fix, sizeof fix, "in %s:%d write theme: Some(\"%s\") (or %s)",
			         cfg, rc.theme_line, name, alt);
		} else {
			snprintf(fix, sizeof fix, "in %s:%d write theme: Some(\"%s\")",
			         cfg, rc.theme_line, name);
		}
		rtg_check_say("FAIL", fix, "%s:%d: theme \"%s\" is %s, not %s%s", cfg, rc.theme_line,
		              rc.theme, chosen >= 0 ? cand[chosen] : "a file that does not exist",
		              target, bare ? " (and a bare string without #![enable(implicit_some)], "
		                             "which rmpc rejects)" : "");
		d->problems_setup++;
	}
	if (rc.hot_reload_off) {
		snprintf(fix, sizeof fix, "set enable_config_hot_reload: true in %s", cfg);
		rtg_check_say("FAIL", fix, "rmpc's hot reload is off: new themes show only after a restart");
		d->problems_setup++;
	} else {
		rtg_check_say("ok", NULL, "rmpc's hot reload is on");
	}
	free(cfg);
}
