/* test_crashers.c - every file in tests/crashers/ (fixed inputs and what
 * the fuzzers in fuzz/ found) fails cleanly: a negative status and a
 * one-line message, never a crash (run under the sanitizers in the
 * --enable-sanitizers and --enable-fuzzing builds).
 *
 * Every file goes through rtg_image_decode (with each sample budget the
 * image fuzzer uses, since a JPEG is decoded differently by budget) and
 * rtg_generate.  Text crashers also go where they came from, by extension:
 * .ron through rtg_theme_check, .tmpl through rtg_render (as a template, and
 * as the template of rtg_generate on a good image), .conf through
 * rtg_config_load, .reply as a scripted MPD server's bytes through the MPD
 * module (fuzz/mpd-script.h: open, album art, currentsong, idle); those may
 * succeed, but must not crash and a failure must be one of the documented
 * ones (a .conf starting "# expect: error" must fail). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "configfile.h"
#include "image.h"
#include "log.h"
#include "pipeline.h"
#include "render.h"
#include "settings.h"
#include "status.h"
#include "t.h"
#include "theme.h"
#include "../../fuzz/lsan-libconfig.h"
#include "../../fuzz/mpd-script.h"

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 4096);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	/* exactly n bytes, so that ASan sees a read even one byte past the end
	 * (a rounded-up buffer would hide it) */
	uint8_t *exact = malloc(n ? n : 1);
	if (exact == NULL) {
		free(buf);
		return NULL;
	}
	memcpy(exact, buf, n);
	free(buf);
	*len = n;
	return exact;
}

/* A failure with a non-empty one-line message. */
static void
check_failure(const char *what, const char *file, int st, const char *err)
{
	T_CHECK(st < 0, "%s %s: status %d, want a failure", what, file, st);
	T_CHECK(err[0] != '\0' && strlen(err) < RTG_ERRLEN && strchr(err, '\n') == NULL,
	        "%s %s: message \"%s\" is not one line", what, file, err);
}

static int
has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && strcmp(name + n - e, ext) == 0;
}

static void
replay_image(const char *name, const uint8_t *buf, size_t len)
{
	/* the image fuzzer's budgets and half-scale minimums
	 * (fuzz/image-fuzzer.c) */
	static const uint64_t budgets[] = { 0, 16, 1000, 65536 };
	static const uint64_t halves[] = { 0, 64 };
	struct rtg_options o;
	struct rtg_result res;

	for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
		for (size_t j = 0; j < sizeof halves / sizeof halves[0]; j++) {
			struct rtg_image img;
			char err[RTG_ERRLEN] = "";
			int st = rtg_image_decode_scaled(buf, len, NULL, budgets[i], halves[j],
			                                 &img, err);

			check_failure("rtg_image_decode", name, st, err);
			T_CHECK(img.px == NULL, "%s: pixels after a failure", name);
			if (st == RTG_OK)
				rtg_image_free(&img);
		}
	}
	for (int full = 0; full < 2; full++) {
		char err[RTG_ERRLEN] = "";
		int st;

		rtg_options_default(&o);
		o.full_decode = full;
		st = rtg_generate(buf, len, &o, &res, err);
		check_failure("rtg_generate", name, st, err);
		T_CHECK(res.theme == NULL, "%s: theme after a failure", name);
		if (st == RTG_OK)
			rtg_result_free(&res);
	}
}

static void
replay_theme(const char *name, const uint8_t *buf, size_t len)
{
	struct rtg_audit audit = { 0 };
	char err[RTG_ERRLEN] = "";
	int st = rtg_theme_check((const char *)buf, len, name, &audit, err);

	T_CHECK(st == RTG_OK || st == RTG_ERR_THEME || st == RTG_ERR_CONTRAST,
	        "rtg_theme_check %s: status %d (%s)", name, st, err);
	if (st != RTG_OK)
		check_failure("rtg_theme_check", name, st, err);
	rtg_audit_free(&audit);
}

static void
replay_template(const char *name, const uint8_t *buf, size_t len, const uint8_t *img,
                size_t img_len)
{
	struct rtg_roles roles;
	struct rtg_options o;
	struct rtg_result res;
	char err[RTG_ERRLEN] = "", *out = NULL;
	size_t outlen = 0;
	int st;

	memset(&roles, 0, sizeof roles);
	roles.mode = RTG_MODE_DARK;
	st = rtg_render((const char *)buf, len, name, &roles, NULL, &out, &outlen, err);
	T_CHECK(st == RTG_OK || st == RTG_ERR_TEMPLATE || st == RTG_ERR_LIMIT,
	        "rtg_render %s: status %d (%s)", name, st, err);
	if (st != RTG_OK)
		check_failure("rtg_render", name, st, err);
	free(out);

	if (img == NULL)
		return;
	rtg_options_default(&o);
	o.template_text = (const char *)buf;
	o.template_len = len;
	o.template_name = name;
	err[0] = '\0';
	st = rtg_generate(img, img_len, &o, &res, err);
	if (st != RTG_OK)
		check_failure("rtg_generate (template)", name, st, err);
	rtg_result_free(&res);
}

/* A config crasher whose first line is "# expect: error" must be refused
 * (a value that used to be accepted wrongly). */
static void
replay_config(const char *name, const char *path, const uint8_t *buf, size_t len)
{
	static const char expect_error[] = "# expect: error\n";
	struct rtg_settings s;
	char err[RTG_ERRLEN] = "";
	int st;

	rtg_settings_default(&s);
	st = rtg_config_load(path, &s, err);
	T_CHECK(st == RTG_OK || st == RTG_ERR_ARG, "rtg_config_load %s: status %d (%s)", name,
	        st, err);
	if (len >= sizeof expect_error - 1 &&
	    memcmp(buf, expect_error, sizeof expect_error - 1) == 0)
		T_CHECK(st == RTG_ERR_ARG, "rtg_config_load %s: accepted, want an error", name);
	if (st != RTG_OK)
		check_failure("rtg_config_load", name, st, err);
	rtg_settings_free(&s);
}

static void
replay_reply(const char *name, const uint8_t *buf, size_t len)
{
	static struct mpd_script sc = { .lfd = -1 };
	char why[RTG_ERRLEN + 64] = "";

	if (sc.lfd < 0 && mpd_script_listen(&sc) != 0) {
		T_CHECK(0, "%s: cannot listen on %s", name, sc.name);
		return;
	}
	T_CHECK(len >= 1 && mpd_script_play(&sc, buf, len, why, sizeof why) == 0, "%s: %s",
	        name, why);
}

static int
not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
main(void)
{
	const char *srcdir = getenv("top_srcdir");
	char dir[4096], path[8192];
	struct dirent **names;
	uint8_t *good;
	size_t good_len = 0;
	int n, files = 0;

	if (srcdir == NULL)
		srcdir = ".";
	rtg_log_init(-1, 0); /* unknown config keys warn: not what is tested */
	snprintf(dir, sizeof dir, "%s/tests/crashers", srcdir);
	snprintf(path, sizeof path, "%s/tests/fixtures/two-colours.png", srcdir);
	good = slurp(path, &good_len);
	T_CHECK(good != NULL, "%s: %s", path, strerror(errno));

	n = scandir(dir, &names, not_hidden, alphasort);
	T_CHECK(n > 0, "%s: no crashers (%s)", dir, n < 0 ? strerror(errno) : "empty");
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = 0;
		uint8_t *buf;

		snprintf(path, sizeof path, "%s/%s", dir, name);
		buf = slurp(path, &len);
		T_CHECK(buf != NULL, "%s: %s", path, strerror(errno));
		if (buf != NULL) {
			replay_image(name, buf, len);
			if (has_ext(name, ".ron"))
				replay_theme(name, buf, len);
			if (has_ext(name, ".tmpl"))
				replay_template(name, buf, len, good, good_len);
			if (has_ext(name, ".conf"))
				replay_config(name, path, buf, len);
			if (has_ext(name, ".reply"))
				replay_reply(name, buf, len);
			files++;
		}
		free(buf);
		free(names[i]);
	}
	if (n > 0)
		free(names);
	free(good);
	printf("%d crashers replayed\n", files);
	return t_done();
}
