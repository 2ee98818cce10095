/* theme_audit.c - the contrast audit, walk 3 of rtg_theme_check()
 * (theme_internal.h): every foreground/background pair the theme emits
 * becomes an rtg_audit_pair, judged against the minimum of the field that
 * holds its style (theme.h).  The first pair below its minimum makes the
 * message; the others are counted. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"
#include "theme_internal.h"

static double
style_min(const struct rtg_ron *style)
{
	static const char *const ui[] = {
		"borders_style", "highlight_border_style", "border_style",
		"border_active_style", "elapsed_style", "thumb_style", "ends_style",
		"filled_style",
	};

	if (style->key == NULL)
		return RTG_MIN_TEXT;
	if (rtg_ron_key_is(style, "track_style"))
		return RTG_MIN_TRACK;
	for (size_t i = 0; i < sizeof ui / sizeof ui[0]; i++)
		if (rtg_ron_key_is(style, ui[i]))
			return RTG_MIN_UI;
	return RTG_MIN_TEXT;
}

/* Appends to the path; returns the previous length for path_pop. */
static size_t
path_push(struct rtg_theme_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t
path_push(struct rtg_theme_ctx *c, const char *fmt, ...)
{
	size_t old = c->plen;
	va_list ap;
	int n;

	if (c->plen < sizeof c->path - 1) {
		va_start(ap, fmt);
		n = vsnprintf(c->path + c->plen, sizeof c->path - c->plen, fmt, ap);
		va_end(ap);
		if (n > 0)
			c->plen += (size_t)n;
		if (c->plen > sizeof c->path - 1)
			c->plen = sizeof c->path - 1;
	}
	return old;
}

static void
path_pop(struct rtg_theme_ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Copies the path into a pair; a long one keeps its end, which names the
 * style ("...content[0].style"). */
static void
path_copy(const struct rtg_theme_ctx *c, char *out, size_t size)
{
	if (c->plen < size) {
		memcpy(out, c->path, c->plen + 1);
		return;
	}
	memcpy(out, "...", 3);
	memcpy(out + 3, c->path + c->plen - (size - 4), size - 4);
	out[size - 1] = '\0';
}

static int
add_pair(struct rtg_theme_ctx *c, int line, struct rtg_rgb8 fg,
         struct rtg_rgb8 bg, double min)
{
	double ratio = rtg_contrast_ratio(fg, bg);
	struct rtg_audit_pair pair;

	if (c->pairs >= RTG_THEME_MAX_PAIRS)
		return rtg_theme_fail(c, line, "more than %u colour pairs",
		                      RTG_THEME_MAX_PAIRS);
	c->pairs++;
	memset(&pair, 0, sizeof pair);
	path_copy(c, pair.path, sizeof pair.path);
	pair.line = line;
	pair.fg = fg;
	pair.bg = bg;
	pair.ratio = ratio;
	pair.min = min;
	if (ratio < min) {
		if (c->failures == 0) {
			char fh[8], bh[8];

			rtg_rgb8_hex(fg, fh);
			rtg_rgb8_hex(bg, bh);
			/* shown rounded down, so a near miss never reads "4.50 < 4.50" */
			snprintf(c->first, sizeof c->first,
			         "%s:%d: %s: ratio %.2f < %.2f (%s on %s)", c->name, line,
			         pair.path, (double)(long)(ratio * 100) / 100, min, fh, bh);
		}
		c->failures++;
	}
	if (c->audit != NULL) {
		struct rtg_audit *a = c->audit;

		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 64;
			struct rtg_audit_pair *np = realloc(a->pairs, cap * sizeof *np);

			if (np == NULL)
				return rtg_fail(c->err, RTG_ERR_NOMEM, "%s: out of memory",
				                c->name);
			a->pairs = np;
			a->cap = cap;
		}
		a->pairs[a->n++] = pair;
		a->failures = c->failures;
	}
	return RTG_OK;
}

/* fg on every background a style without its own bg may be drawn on. */
static int
add_pairs(struct rtg_theme_ctx *c, int line, struct rtg_rgb8 fg, double min)
{
	int rc;

	for (int i = 0; i < c->nbg; i++)
		if ((rc = add_pair(c, line, fg, c->bgs[i], min)) != RTG_OK)
			return rc;
	return RTG_OK;
}

/* One style: fg on its own bg, or on every background it may be drawn on;
 * a bg without fg carries text in text_color.  Walk 1 has checked the
 * colours. */
static int
audit_style(struct rtg_theme_ctx *c, const struct rtg_ron *style)
{
	const struct rtg_ron *fgv = rtg_ron_field_set(style, "fg");
	const struct rtg_ron *bgv = rtg_ron_field_set(style, "bg");
	struct rtg_rgb8 fg, bg;
	double min = style_min(style);
	int rc;

	if ((fgv != NULL && (rc = rtg_theme_rules_colour(c, fgv, "fg", &fg)) != RTG_OK) ||
	    (bgv != NULL && (rc = rtg_theme_rules_colour(c, bgv, "bg", &bg)) != RTG_OK))
		return rc;
	if (fgv != NULL && bgv != NULL)
		return add_pair(c, fgv->line, fg, bg, min);
	if (fgv != NULL)
		return add_pairs(c, fgv->line, fg, min);
	if (bgv != NULL)
		return add_pair(c, bgv->line, c->text, bg, min);
	return RTG_OK;
}

/* Walk 3: every struct with an fg or bg field is a style. */
static int
walk_styles(struct rtg_theme_ctx *c, const struct rtg_ron *v)
{
	size_t mark = c->plen;
	size_t i = 0;
	int rc = RTG_OK;

	if ((v->kind == RTG_RON_STRUCT || v->kind == RTG_RON_TUPLE) &&
	    v->name != NULL && !rtg_ron_name_is(v, "Some") && v != c->root)
		path_push(c, ".%.*s", (int)v->name_len, v->name);
	if (v->kind == RTG_RON_STRUCT &&
	    (rtg_ron_field(v, "fg") != NULL || rtg_ron_field(v, "bg") != NULL) &&
	    (rc = audit_style(c, v)) != RTG_OK)
		goto out;

	for (const struct rtg_ron *k = v->child; k != NULL; k = k->next, i++) {
		size_t m = c->plen;

		if (k->key != NULL)
			path_push(c, "%s%.*s", c->plen ? "." : "", (int)k->key_len, k->key);
		else if (k->map_key != NULL && k->map_key->kind == RTG_RON_STRING) {
			char shown[32];

			rtg_theme_show(k->map_key->str, k->map_key->str_len, shown);
			path_push(c, ".%s", shown);
		}
		else if (k->map_key != NULL)
			path_push(c, "[%.*s]", (int)k->map_key->name_len,
			          k->map_key->name != NULL ? k->map_key->name : "?");
		else if (v->kind == RTG_RON_LIST ||
		         (v->kind == RTG_RON_TUPLE && v->n > 1))
			path_push(c, "[%zu]", i);
		rc = walk_styles(c, k);
		path_pop(c, m);
		if (rc != RTG_OK)
			goto out;
	}
out:
	path_pop(c, mark);
	return rc;
}

int
rtg_theme_audit_styles(struct rtg_theme_ctx *c)
{
	return walk_styles(c, c->root);
}

/* cava.bar_color is not a style: Single(c), Rows([c...]) or Gradient({n: c})
 * colour the bars, drawn on cava.bg_color or else the background. */
static int
audit_bars(struct rtg_theme_ctx *c, const struct rtg_ron *v,
           const struct rtg_rgb8 *bg)
{
	int rc;

	if (v->kind == RTG_RON_STRING) {
		struct rtg_rgb8 fg;

		if ((rc = rtg_theme_rules_colour(c, v, "bar_color", &fg)) != RTG_OK)
			return rc;
		if (bg != NULL)
			return add_pair(c, v->line, fg, *bg, RTG_MIN_UI);
		return add_pairs(c, v->line, fg, RTG_MIN_UI);
	}
	for (const struct rtg_ron *k = v->child; k != NULL; k = k->next)
		if ((rc = audit_bars(c, k, bg)) != RTG_OK)
			return rc;
	return RTG_OK;
}

/* A colour the root must set (*v, the value); why says what its absence
 * would mean. */
static int
root_colour(struct rtg_theme_ctx *c, const char *key, const char *why,
            const struct rtg_ron **v, struct rtg_rgb8 *out)
{
	*v = rtg_ron_field_set(c->root, key);
	if (*v == NULL)
		return rtg_theme_fail(c, c->root->line, "%s is not set: %s", key, why);
	return rtg_theme_rules_colour(c, *v, key, out);
}

/* The backgrounds, text_color and the cava bars (not a style struct). */
int
rtg_theme_audit_root(struct rtg_theme_ctx *c)
{
	static const char *const more[] = { "header_background_color",
	                                    "modal_background_color" };
	const struct rtg_ron *root = c->root, *v, *cava;
	struct rtg_rgb8 col, panes[THEME_MAX_BACKGROUNDS];
	int npanes = c->nbg;
	int rc;

	if ((rc = root_colour(c, "background_color", "the contrast of the theme "
	                      "cannot be judged", &v, &col)) != RTG_OK)
		return rc;
	/* background first: rmpc's main background leads the list, then the
	 * pane backgrounds found by walk 1 */
	memcpy(panes, c->bgs, (size_t)npanes * sizeof panes[0]);
	c->nbg = 0;
	if ((rc = rtg_theme_rules_background(c, col, v->line)) != RTG_OK)
		return rc;
	for (int i = 0; i < npanes; i++)
		if ((rc = rtg_theme_rules_background(c, panes[i], v->line)) != RTG_OK)
			return rc;
	for (size_t i = 0; i < 2; i++) {
		if ((v = rtg_ron_field_set(root, more[i])) == NULL)
			continue;
		if ((rc = rtg_theme_rules_colour(c, v, more[i], &col)) != RTG_OK ||
		    (rc = rtg_theme_rules_background(c, col, v->line)) != RTG_OK)
			return rc;
	}

	if ((rc = root_colour(c, "text_color", "plain text would take the "
	                      "terminal's colour", &v, &c->text)) != RTG_OK)
		return rc;
	path_push(c, "text_color");
	if ((rc = add_pairs(c, v->line, c->text, RTG_MIN_TEXT)) != RTG_OK)
		return rc;
	path_pop(c, 0);

	cava = rtg_ron_field_set(root, "cava");
	if (cava != NULL && (v = rtg_ron_field_set(cava, "bar_color")) != NULL) {
		const struct rtg_ron *bgv = rtg_ron_field_set(cava, "bg_color");
		struct rtg_rgb8 cbg;

		if (bgv != NULL &&
		    (rc = rtg_theme_rules_colour(c, bgv, "bg_color", &cbg)) != RTG_OK)
			return rc;
		path_push(c, "cava.bar_color");
		rc = audit_bars(c, v, bgv != NULL ? &cbg : NULL);
		path_pop(c, 0);
		if (rc != RTG_OK)
			return rc;
	}
	return RTG_OK;
}

void
rtg_audit_free(struct rtg_audit *a)
{
	if (a == NULL)
		return;
	free(a->pairs);
	memset(a, 0, sizeof *a);
}
