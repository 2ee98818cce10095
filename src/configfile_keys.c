/* configfile_keys.c - the config file's keys: a table of names, one parser
 * each, and the value parsers the command line shares. */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "configfile.h"
#include "configfile_internal.h"
#include "log.h"
#include "settings.h"
#include "status.h"

/* ------------------------------------------------------------------ keys */

static int bad(struct ctx *c, const config_setting_t *st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct ctx *c, const config_setting_t *st, const char *fmt, ...)
{
	char msg[RTG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Messages quote the file's strings, which may hold "\n" escapes: keep
	 * the message one line (and the log free of forged lines). */
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return rtg_fail(c->err, RTG_ERR_ARG, "%s:%d: %s: %s", c->path,
	                config_setting_source_line(st), config_setting_name(st), msg);
}

static int get_string(struct ctx *c, const config_setting_t *st, const char **out)
{
	if (config_setting_type(st) != CONFIG_TYPE_STRING)
		return bad(c, st, "expected a string");
	*out = config_setting_get_string(st);
	return 0;
}

static int get_int(struct ctx *c, const config_setting_t *st, long long lo,
                   long long hi, long long *out)
{
	char range[96];
	int t = config_setting_type(st);
	long long v = 0;

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return bad(c, st, "expected an integer");
	v = config_setting_get_int64(st);
	if (v < lo || v > hi) {
		snprintf(range, sizeof range, "%lld..%lld", lo, hi);
		return bad(c, st, "out of range (%s)", range);
	}
	*out = v;
	return 0;
}

/* A byte count: an integer, or a string with a K/M/G (binary) suffix. */
static int get_size(struct ctx *c, const config_setting_t *st, long long lo,
                    long long hi, size_t *out)
{
	char range[96];
	long long v = 0;

	if (config_setting_type(st) == CONFIG_TYPE_STRING) {
		const char *str = config_setting_get_string(st);
		char *end;
		unsigned long long u;
		int shift = 0;
		errno = 0;
		u = strtoull(str, &end, 10);
		if (end == str || errno != 0 || u > (1ull << 40))
			return bad(c, st, "not a size: \"%s\"", str);
		switch (*end) {
		case 'k': case 'K': shift = 10; end++; break;
		case 'm': case 'M': shift = 20; end++; break;
		case 'g': case 'G': shift = 30; end++; break;
		default: break;
		}
		/* Above 2^40 bytes is out of every range; shifting such a value
		 * could wrap around 2^64 ("17179869184G" would be 0). */
		u = u > (1ull << 40) >> shift ? (1ull << 40) + 1 : u << shift;
		/* "KiB": the i only after a unit letter ("5i" is not a size) */
		if (*end == 'i' && end > str && strchr("kKmMgG", end[-1]) != NULL)
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end != '\0')
			return bad(c, st, "not a size: \"%s\"", str);
		v = (long long)u;
	} else {
		int t = config_setting_type(st);
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
			return bad(c, st, "expected a size (bytes, or \"256K\")");
		v = config_setting_get_int64(st);
	}
	if (v < lo || v > hi) {
		snprintf(range, sizeof range, "%lld..%lld bytes", lo, hi);
		return bad(c, st, "out of range (%s)", range);
	}
	*out = (size_t)v;
	return 0;
}

static int get_bool(struct ctx *c, const config_setting_t *st, bool *out)
{
	if (config_setting_type(st) != CONFIG_TYPE_BOOL)
		return bad(c, st, "expected true or false");
	*out = config_setting_get_bool(st) != 0;
	return 0;
}

static int set_str(struct ctx *c, const config_setting_t *st, char **field, int path)
{
	const char *v = NULL;
	char *dup;
	int rc;

	if ((rc = get_string(c, st, &v)) < 0)
		return rc;
	errno = 0;
	dup = path ? rtg_configfile_expand_path(c->path, v) : strdup(v);
	if (dup == NULL && errno == ENOENT)
		return bad(c, st, "\"%s\": no home directory is known for '~'", v);
	if (dup == NULL)
		return rtg_fail(c->err, RTG_ERR_NOMEM, "%s: out of memory", c->path);
	free(*field);
	*field = dup;
	return 0;
}

static int k_k(struct ctx *c, const config_setting_t *st)
{
	long long v = 0;
	int rc = get_int(c, st, RTG_K_MIN, RTG_K_MAX, &v);
	if (rc == 0)
		c->s->gen.k = (int)v;
	return rc;
}

static int k_space(struct ctx *c, const config_setting_t *st)
{
	const char *v = NULL;
	int rc = get_string(c, st, &v);
	if (rc == 0 && rtg_space_parse(v, &c->s->gen.space) < 0)
		return bad(c, st, "unknown colour space \"%s\" (CIELAB, RGB, OKLAB, HSL, HSV, YUV, CIELUV)", v);
	return rc;
}

static int k_mode(struct ctx *c, const config_setting_t *st)
{
	const char *v = NULL;
	int rc = get_string(c, st, &v);
	if (rc == 0 && rtg_mode_parse(v, &c->s->gen.mode) < 0)
		return bad(c, st, "unknown mode \"%s\" (auto, dark, light)", v);
	return rc;
}

static int k_builtin(struct ctx *c, const config_setting_t *st)
{
	const char *v = NULL;
	int rc = get_string(c, st, &v);
	if (rc == 0 && rtg_template_builtin_parse(v, &c->s->gen.builtin) < 0)
		return bad(c, st, "unknown built-in template \"%s\" (rmpc-0.11, rmpc-0.10)", v);
	return rc;
}

static int k_template(struct ctx *c, const config_setting_t *st)
{
	return set_str(c, st, &c->s->template_path, 1);
}

static int k_theme_output(struct ctx *c, const config_setting_t *st)
{
	return set_str(c, st, &c->s->theme_output, 1);
}

static int k_output(struct ctx *c, const config_setting_t *st)
{
	const char *v = NULL;
	int rc = get_string(c, st, &v);
	if (rc == 0 && strcmp(v, "-") == 0)
		return rtg_settings_set_str(&c->s->report_output, "-") < 0
		       ? rtg_fail(c->err, RTG_ERR_NOMEM, "out of memory") : 0;
	return rc < 0 ? rc : set_str(c, st, &c->s->report_output, 1);
}

static int k_preview(struct ctx *c, const config_setting_t *st)
{
	return get_bool(c, st, &c->s->preview);
}

static int k_sample_budget(struct ctx *c, const config_setting_t *st)
{
	long long v = 0;
	int rc = get_int(c, st, 1024, 64ll * 1024 * 1024, &v);
	if (rc == 0)
		c->s->gen.sample_budget = (uint64_t)v;
	return rc;
}

static int k_full_decode(struct ctx *c, const config_setting_t *st)
{
	bool b = false;
	int rc = get_bool(c, st, &b);
	if (rc == 0)
		c->s->gen.full_decode = b;
	return rc;
}

static int k_max_dimension(struct ctx *c, const config_setting_t *st)
{
	long long v = 0;
	int rc = get_int(c, st, 1, 65535, &v);
	if (rc == 0)
		c->s->gen.limits.max_dimension = (uint32_t)v;
	return rc;
}

static int k_max_pixels(struct ctx *c, const config_setting_t *st)
{
	long long v = 0;
	int rc = get_int(c, st, 1, 1ll << 30, &v);
	if (rc == 0)
		c->s->gen.limits.max_pixels = (uint64_t)v;
	return rc;
}

static int k_mpd_host(struct ctx *c, const config_setting_t *st)
{
	return set_str(c, st, &c->s->mpd_host, 0);
}

static int k_mpd_port(struct ctx *c, const config_setting_t *st)
{
	long long v = 0;
	int rc = get_int(c, st, 1, 65535, &v);
	if (rc == 0)
		c->s->mpd_port = (int)v;
	return rc;
}

static int k_mpd_password(struct ctx *c, const config_setting_t *st)
{
	return set_str(c, st, &c->s->mpd_password, 0);
}

/* Seconds, like MPD_TIMEOUT; fractions allowed. */
static int k_mpd_timeout(struct ctx *c, const config_setting_t *st)
{
	int t = config_setting_type(st);
	double v;

	if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
		v = (double)config_setting_get_int64(st);
	else if (t == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(st);
	else
		return bad(c, st, "expected a number of seconds");
	int ms = rtg_settings_timeout_ms(v);
	if (ms < 0)
		return bad(c, st, "out of range (%s seconds)", RTG_MPD_TIMEOUT_RANGE);
	c->s->mpd_timeout_ms = ms;
	return 0;
}

static int art_source_parse(const char *v, enum rtg_art_source *out)
{
	if (strcmp(v, "embedded") == 0 || strcmp(v, "readpicture") == 0)
		*out = RTG_ART_EMBEDDED;
	else if (strcmp(v, "folder") == 0 || strcmp(v, "albumart") == 0)
		*out = RTG_ART_FOLDER;
	else
		return -1;
	return 0;
}

/* ["embedded", "folder"] or "embedded,folder" (the command-line form). */
static int k_art_order(struct ctx *c, const config_setting_t *st)
{
	enum rtg_art_source order[2];
	int n = 0, t = config_setting_type(st);

	if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
		int len = config_setting_length(st);
		for (int i = 0; i < len; i++) {
			const config_setting_t *e = config_setting_get_elem(st, (unsigned)i);
			const char *v = config_setting_get_string(e);
			if (v == NULL)
				return bad(c, st, "expected strings");
			if (n == 2 || art_source_parse(v, &order[n]) < 0)
				return bad(c, st, "bad entry \"%s\" (\"embedded\", \"folder\", each once)", v);
			n++;
		}
	} else if (t == CONFIG_TYPE_STRING) {
		const char *v = config_setting_get_string(st);
		if (rtg_art_order_parse(v, order, &n) < 0)
			return bad(c, st, "bad value \"%s\" (e.g. \"embedded,folder\")", v);
	} else {
		return bad(c, st, "expected [\"embedded\", \"folder\"]");
	}
	if (n == 0 || (n == 2 && order[0] == order[1]))
		return bad(c, st, "expected \"embedded\" and/or \"folder\", each once");
	c->s->art_order[0] = order[0];
	c->s->art_order[1] = n == 2 ? order[1] : order[0];
	c->s->art_order_n = n;
	return 0;
}

static int k_art_max_bytes(struct ctx *c, const config_setting_t *st)
{
	return get_size(c, st, 1024, 256ll << 20, &c->s->art_max_bytes);
}

/* MPD accepts 64 bytes .. about 8 MiB. */
static int k_binarylimit(struct ctx *c, const config_setting_t *st)
{
	return get_size(c, st, 64, 8ll << 20, &c->s->binarylimit);
}

static int k_fallback(struct ctx *c, const config_setting_t *st)
{
	const char *v = NULL;
	int rc = get_string(c, st, &v);
	if (rc < 0)
		return rc;
	if (rtg_fallback_parse(v, &c->s->fallback) < 0)
		return bad(c, st, "unknown fallback \"%s\" (keep, image, neutral)", v);
	c->fallback_line = config_setting_source_line(st);
	return 0;
}

static int k_fallback_image(struct ctx *c, const config_setting_t *st)
{
	return set_str(c, st, &c->s->fallback_image, 1);
}

static int k_cache(struct ctx *c, const config_setting_t *st)
{
	return get_bool(c, st, &c->s->cache);
}

static int k_cache_dir(struct ctx *c, const config_setting_t *st)
{
	return set_str(c, st, &c->s->cache_dir, 1);
}

static int k_cache_max_bytes(struct ctx *c, const config_setting_t *st)
{
	return get_size(c, st, 0, 1ll << 30, &c->s->cache_max_bytes);
}

static int k_verbosity(struct ctx *c, const config_setting_t *st)
{
	long long v = 0;
	int rc = get_int(c, st, -1, 2, &v);
	if (rc == 0)
		c->s->verbosity = (int)v;
	return rc;
}

/* str: the key takes a string (or a string among other forms): "" there
 * is the same as leaving the key out.  For a number or a boolean, "" is
 * the wrong type, as any other string. */
static const struct key {
	const char *name;
	int (*apply)(struct ctx *, const config_setting_t *);
	bool str;
} keys[] = {
	{ .name = "k", .apply = k_k },
	{ .name = "space", .apply = k_space , .str = true },
	{ .name = "mode", .apply = k_mode , .str = true },
	{ .name = "template", .apply = k_template , .str = true },
	{ .name = "builtin_template", .apply = k_builtin , .str = true },
	{ .name = "theme_output", .apply = k_theme_output , .str = true },
	{ .name = "output", .apply = k_output , .str = true },
	{ .name = "preview", .apply = k_preview },
	{ .name = "sample_budget", .apply = k_sample_budget },
	{ .name = "full_decode", .apply = k_full_decode },
	{ .name = "max_dimension", .apply = k_max_dimension },
	{ .name = "max_pixels", .apply = k_max_pixels },
	{ .name = "mpd_host", .apply = k_mpd_host , .str = true },
	{ .name = "mpd_port", .apply = k_mpd_port },
	{ .name = "mpd_password", .apply = k_mpd_password , .str = true },
	{ .name = "mpd_timeout", .apply = k_mpd_timeout },
	{ .name = "art_order", .apply = k_art_order , .str = true },
	{ .name = "art_max_bytes", .apply = k_art_max_bytes , .str = true },
	{ .name = "binarylimit", .apply = k_binarylimit , .str = true },
	{ .name = "fallback", .apply = k_fallback , .str = true },
	{ .name = "fallback_image", .apply = k_fallback_image , .str = true },
	{ .name = "cache", .apply = k_cache },
	{ .name = "cache_dir", .apply = k_cache_dir , .str = true },
	{ .name = "cache_max_bytes", .apply = k_cache_max_bytes , .str = true },
	{ .name = "verbosity", .apply = k_verbosity },
};

int rtg_configfile_keys_apply(struct ctx *c, const config_setting_t *root)
{
	int rc = 0, n = config_setting_length(root);

	for (int i = 0; i < n && rc == 0; i++) {
		const config_setting_t *st = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(st);
		size_t j;
		for (j = 0; j < sizeof keys / sizeof keys[0]; j++)
			if (strcmp(keys[j].name, name) == 0)
				break;
		if (j == sizeof keys / sizeof keys[0]) {
			rtg_log(RTG_LOG_WARN, "%s:%d: unknown key '%s' (ignored)", c->path,
			        config_setting_source_line(st), name);
			continue;
		}
		/* a string setting given as "" is left out: its default */
		if (keys[j].str && config_setting_type(st) == CONFIG_TYPE_STRING &&
		    config_setting_get_string(st)[0] == '\0')
			continue;
		rc = keys[j].apply(c, st);
	}
	return rc;
}

int rtg_fallback_parse(const char *v, enum rtg_fallback *out)
{
	if (strcmp(v, "keep") == 0)
		*out = RTG_FALLBACK_KEEP;
	else if (strcmp(v, "image") == 0)
		*out = RTG_FALLBACK_IMAGE;
	else if (strcmp(v, "neutral") == 0)
		*out = RTG_FALLBACK_NEUTRAL;
	else
		return -1;
	return 0;
}

int rtg_art_order_parse(const char *v, enum rtg_art_source order[2], int *n)
{
	*n = 0;
	while (*v != '\0') {
		size_t len = strcspn(v, ", ");
		char word[16];
		if (len > 0) {
			if (len >= sizeof word || *n == 2)
				return -1;
			memcpy(word, v, len);
			word[len] = '\0';
			if (art_source_parse(word, &order[*n]) < 0)
				return -1;
			(*n)++;
		}
		v += len;
		while (*v == ',' || *v == ' ')
			v++;
	}
	if (*n == 0 || (*n == 2 && order[0] == order[1]))
		return -1;
	if (*n == 1)
		order[1] = order[0];
	return 0;
}
