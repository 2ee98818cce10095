/* theme_rules.c - rmpc's rules for a theme's text, walks 1 and 2 of
 * rtg_theme_check() (theme_internal.h): colours are "#rrggbb", modifier and
 * border flags are known (no Dim), and the shapes rmpc rejects or crashes
 * on (theme.h) are refused; walk 1 also notes the panes' backgrounds. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "theme_internal.h"

/* "#rrggbb" only: names, indices and reset take their real colour from the
 * terminal, so their contrast cannot be known; rgb(R,G,B) is exact, but
 * rmpc reads it only without spaces (each part parsed as a number as it
 * is: src/config/theme/style.rs), so every other form is pointed at the
 * placeholders that give "#rrggbb". */
int
rtg_theme_rules_colour(struct rtg_theme_ctx *c, const struct rtg_ron *v,
                       const char *what, struct rtg_rgb8 *out)
{
	char shown[32];

	v = rtg_ron_unwrap(v);
	if (v->kind != RTG_RON_STRING)
		return rtg_theme_fail(c, v->line, "%s: a colour must be a string "
		                      "\"#rrggbb\"", what);
	if (v->str_len != 7 || rtg_hex_parse(v->str, out) != RTG_OK) {
		rtg_theme_show(v->str, v->str_len, shown);
		return rtg_theme_fail(c, v->line, "%s: colour \"%s\" is not #rrggbb, the "
		                      "only form the contrast audit can check (write {{role}} "
		                      "or \"{{role.hex}}\")", what, shown);
	}
	return RTG_OK;
}

/* Splits a "A | B" flag list and checks each name against names[]. */
static int
check_flags(struct rtg_theme_ctx *c, const struct rtg_ron *v, const char *what,
            const char *const *names, size_t nnames)
{
	const char *s, *end;

	v = rtg_ron_unwrap(v);
	if (v->kind != RTG_RON_STRING)
		return rtg_theme_fail(c, v->line, "%s must be a string such as \"%s\"",
		                      what, names[0]);
	s = v->str;
	end = v->str + v->str_len;
	while (s < end) {
		const char *t, *te;
		size_t k;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		t = s;
		while (s < end && *s != '|')
			s++;
		te = s;
		while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		if (s < end)
			s++; /* | */
		if (te == t)
			continue;
		for (k = 0; k < nnames; k++)
			if (strlen(names[k]) == (size_t)(te - t) &&
			    memcmp(names[k], t, (size_t)(te - t)) == 0)
				break;
		if (k == nnames) {
			char shown[32];

			/* the name alone, cut at 24 bytes without "..." */
			rtg_theme_show(t, te - t > 24 ? 24 : (size_t)(te - t), shown);
			return rtg_theme_fail(c, v->line, "%s: unknown flag %s", what, shown);
		}
		if (strcmp(names[k], "Dim") == 0)
			return rtg_theme_fail(c, v->line, "%s: Dim is not allowed (how dim "
			                      "it draws depends on the terminal)", what);
	}
	return RTG_OK;
}

int
rtg_theme_rules_background(struct rtg_theme_ctx *c, struct rtg_rgb8 bg, int line)
{
	for (int i = 0; i < c->nbg; i++)
		if (c->bgs[i].r == bg.r && c->bgs[i].g == bg.g && c->bgs[i].b == bg.b)
			return RTG_OK;
	if (c->nbg >= THEME_MAX_BACKGROUNDS)
		return rtg_theme_fail(c, line, "more than %d different background "
		                      "colours", THEME_MAX_BACKGROUNDS);
	c->bgs[c->nbg++] = bg;
	return RTG_OK;
}

/* Every string below v must be a colour (cava.bar_color: Single, Rows,
 * Gradient hold them at different depths). */
static int
check_colour_strings(struct rtg_theme_ctx *c, const struct rtg_ron *v,
                     const char *what)
{
	struct rtg_rgb8 dummy;
	int rc;

	if (v->kind == RTG_RON_STRING)
		return rtg_theme_rules_colour(c, v, what, &dummy);
	for (const struct rtg_ron *k = v->child; k != NULL; k = k->next)
		if ((rc = check_colour_strings(c, k, what)) != RTG_OK)
			return rc;
	return RTG_OK;
}

/* Walk 1: colour formats, modifier and border flags, pane backgrounds. */
static int
walk_formats(struct rtg_theme_ctx *c, const struct rtg_ron *v, int depth)
{
	static const char *const modifiers[] = {
		"Bold", "Dim", "Italic", "Underlined", "Reversed", "CrossedOut",
	};
	static const char *const borders[] = {
		"NONE", "TOP", "RIGHT", "BOTTOM", "LEFT", "ALL",
	};
	static const char *const colour_keys[] = {
		"fg", "bg", "background_color", "header_background_color",
		"modal_background_color", "text_color", "bg_color",
	};
	int rc;

	for (const struct rtg_ron *k = v->child; k != NULL; k = k->next) {
		const struct rtg_ron *u = rtg_ron_unwrap(k);

		if (k->key != NULL && !rtg_ron_is_none(u)) {
			struct rtg_rgb8 col;
			size_t i;

			for (i = 0; i < sizeof colour_keys / sizeof colour_keys[0]; i++)
				if (rtg_ron_key_is(k, colour_keys[i]))
					break;
			if (i < sizeof colour_keys / sizeof colour_keys[0]) {
				if ((rc = rtg_theme_rules_colour(c, u, colour_keys[i],
				                                 &col)) != RTG_OK)
					return rc;
				/* a pane's own background (rmpc 0.11) */
				if (depth > 0 && rtg_ron_key_is(k, "background_color") &&
				    (rc = rtg_theme_rules_background(c, col, u->line)) != RTG_OK)
					return rc;
			} else if (rtg_ron_key_is(k, "modifiers")) {
				if ((rc = check_flags(c, u, "modifiers", modifiers,
				                      sizeof modifiers / sizeof modifiers[0])) != RTG_OK)
					return rc;
			} else if (rtg_ron_key_is(k, "borders") && u->kind == RTG_RON_STRING) {
				if ((rc = check_flags(c, u, "borders", borders,
				                      sizeof borders / sizeof borders[0])) != RTG_OK)
					return rc;
			} else if (rtg_ron_key_is(k, "bar_color")) {
				if ((rc = check_colour_strings(c, u, "bar_color")) != RTG_OK)
					return rc;
			}
		}
		if ((rc = walk_formats(c, k, depth + 1)) != RTG_OK)
			return rc;
	}
	return RTG_OK;
}

int
rtg_theme_rules_formats(struct rtg_theme_ctx *c)
{
	return walk_formats(c, c->root, 0);
}

static int
string_list(struct rtg_theme_ctx *c, const struct rtg_ron *v, const char *what,
            size_t *n)
{
	if (v->kind != RTG_RON_LIST)
		return rtg_theme_fail(c, v->line, "%s must be a list of strings", what);
	for (const struct rtg_ron *k = v->child; k != NULL; k = k->next)
		if (rtg_ron_unwrap(k)->kind != RTG_RON_STRING)
			return rtg_theme_fail(c, k->line, "%s must hold strings", what);
	*n = v->n;
	return RTG_OK;
}

/* Decimal integer that fits rmpc's u16. */
static int
is_u16(const struct rtg_ron *v)
{
	unsigned long x = 0;
	size_t digits = 0;

	if (v->kind != RTG_RON_NUMBER)
		return 0;
	for (size_t i = 0; i < v->name_len; i++) {
		char ch = v->name[i];

		if (ch == '_')
			continue;
		if (ch < '0' || ch > '9')
			return 0;
		x = x * 10 + (unsigned long)(ch - '0');
		if (x > 65535)
			return 0;
		digits++;
	}
	return digits > 0;
}

static int count_tab_content(struct rtg_theme_ctx *c, const struct rtg_ron *v,
                             int *count);

/* Index of the component a Component("name") refers to; c->ncomp when the
 * theme has no components map (rmpc then uses its own). */
static int
component_index(struct rtg_theme_ctx *c, const struct rtg_ron *ref, size_t *idx)
{
	const struct rtg_ron *s = rtg_ron_unwrap(ref->child);
	char shown[32];

	*idx = c->ncomp;
	if (s->kind != RTG_RON_STRING)
		return rtg_theme_fail(c, ref->line, "Component() needs a name string");
	if (c->components == NULL)
		return RTG_OK;
	for (size_t i = 0; i < c->ncomp; i++) {
		const struct rtg_ron *k = c->comp[i]->map_key;

		if (k->str_len == s->str_len && memcmp(k->str, s->str, s->str_len) == 0) {
			*idx = i;
			return RTG_OK;
		}
	}
	rtg_theme_show(s->str, s->str_len, shown);
	return rtg_theme_fail(c, ref->line, "unknown component \"%s\"", shown);
}

/* Adds the Pane(TabContent) count of component i, resolved on first use; one
 * met again while it is being resolved (from line) closes a cycle. */
static int
component_count(struct rtg_theme_ctx *c, size_t i, int line, int *count)
{
	int rc, n = 0;

	if (c->comp_state[i] == 1)
		return rtg_theme_fail(c, line, "components refer to each other in a "
		                      "cycle");
	if (c->comp_state[i] == 0) {
		c->comp_state[i] = 1;
		if ((rc = count_tab_content(c, c->comp[i], &n)) != RTG_OK)
			return rc;
		c->comp_state[i] = 2;
		c->comp_count[i] = n;
	}
	*count += c->comp_count[i];
	return RTG_OK;
}

/* Counts Pane(TabContent) under v, following Component("name") references
 * into the components map (each component resolved once, cycles refused). */
static int
count_tab_content(struct rtg_theme_ctx *c, const struct rtg_ron *v, int *count)
{
	int rc;

	if (v->kind == RTG_RON_TUPLE && v->n == 1 && rtg_ron_name_is(v, "Pane")) {
		const struct rtg_ron *k = rtg_ron_unwrap(v->child);

		if ((k->kind == RTG_RON_IDENT || k->kind == RTG_RON_STRUCT ||
		     k->kind == RTG_RON_TUPLE) && rtg_ron_name_is(k, "TabContent"))
			(*count)++;
	}
	if (v->kind == RTG_RON_TUPLE && v->n == 1 &&
	    rtg_ron_name_is(v, "Component")) {
		size_t i;

		if ((rc = component_index(c, v, &i)) != RTG_OK)
			return rc;
		if (i < c->ncomp)
			return component_count(c, i, v->line, count);
		return RTG_OK;
	}
	for (const struct rtg_ron *k = v->child; k != NULL; k = k->next)
		if ((rc = count_tab_content(c, k, count)) != RTG_OK)
			return rc;
	return RTG_OK;
}

/* Walk 2: the shapes rmpc rejects or crashes on. */
int
rtg_theme_rules_shape(struct rtg_theme_ctx *c)
{
	const struct rtg_ron *root = c->root, *v, *s;
	size_t n;
	int rc;

	if ((v = rtg_ron_field_set(root, "browser_column_widths")) != NULL) {
		if (v->kind != RTG_RON_LIST)
			return rtg_theme_fail(c, v->line, "browser_column_widths must be a "
			                      "list");
		if (v->n < 3)
			return rtg_theme_fail(c, v->line, "browser_column_widths needs at "
			                      "least 3 entries, has %zu", v->n);
		for (const struct rtg_ron *k = v->child; k != NULL; k = k->next)
			if (!is_u16(rtg_ron_unwrap(k)))
				return rtg_theme_fail(c, k->line, "browser_column_widths: "
				                      "entries must be whole numbers 0..65535");
	}
	if ((v = rtg_ron_field_set(root, "progress_bar")) != NULL) {
		if (v->kind != RTG_RON_STRUCT)
			return rtg_theme_fail(c, v->line, "progress_bar must be a struct");
		if ((s = rtg_ron_field_set(v, "symbols")) != NULL) {
			if ((rc = string_list(c, s, "progress_bar.symbols", &n)) != RTG_OK)
				return rc;
			if (n != 3 && n != 5)
				return rtg_theme_fail(c, s->line, "progress_bar.symbols needs 3 "
				                      "or 5 strings, has %zu", n);
		}
	}
	if ((v = rtg_ron_field_set(root, "scrollbar")) != NULL) {
		if (v->kind != RTG_RON_STRUCT)
			return rtg_theme_fail(c, v->line, "scrollbar must be a struct or "
			                      "None");
		if ((s = rtg_ron_field_set(v, "symbols")) == NULL)
			return rtg_theme_fail(c, v->line, "scrollbar needs symbols");
		if ((rc = string_list(c, s, "scrollbar.symbols", &n)) != RTG_OK)
			return rc;
		if (n < 4)
			return rtg_theme_fail(c, s->line, "scrollbar.symbols needs at least "
			                      "4 strings, has %zu", n);
	}
	if ((v = rtg_ron_field_set(root, "symbols")) != NULL) {
		static const char *const need[] = { "song", "dir", "marker" };

		if (v->kind != RTG_RON_STRUCT)
			return rtg_theme_fail(c, v->line, "symbols must be a struct");
		for (size_t i = 0; i < 3; i++) {
			s = rtg_ron_field_set(v, need[i]);
			if (s == NULL || s->kind != RTG_RON_STRING)
				return rtg_theme_fail(c, v->line, "symbols needs %s (a string)",
				                      need[i]);
		}
	}
	if ((v = rtg_ron_field_set(root, "cava")) != NULL) {
		static const char *const lists[] = { "bar_symbols",
		                                     "inverted_bar_symbols" };

		if (v->kind != RTG_RON_STRUCT)
			return rtg_theme_fail(c, v->line, "cava must be a struct");
		for (size_t i = 0; i < 2; i++) {
			if ((s = rtg_ron_field_set(v, lists[i])) == NULL)
				continue;
			if (s->kind != RTG_RON_LIST)
				return rtg_theme_fail(c, s->line, "cava.%s must be a list of "
				                      "chars", lists[i]);
			for (const struct rtg_ron *k = s->child; k != NULL; k = k->next)
				if (rtg_ron_unwrap(k)->kind != RTG_RON_CHAR)
					return rtg_theme_fail(c, k->line, "cava.%s holds chars "
					                      "('x'), not strings", lists[i]);
		}
	}
	if ((v = rtg_ron_field_set(root, "components")) != NULL) {
		if (v->kind != RTG_RON_MAP)
			return rtg_theme_fail(c, v->line, "components must be a map");
		if (v->n > THEME_MAX_COMPONENTS)
			return rtg_theme_fail(c, v->line, "more than %d components",
			                      THEME_MAX_COMPONENTS);
		c->components = v;
		for (const struct rtg_ron *k = v->child; k != NULL; k = k->next) {
			if (k->map_key->kind != RTG_RON_STRING)
				return rtg_theme_fail(c, k->map_key->line, "component names "
				                      "must be strings");
			c->comp[c->ncomp++] = k;
		}
		/* rmpc resolves every component, used or not */
		for (size_t i = 0; i < c->ncomp; i++) {
			int count = 0;

			if ((rc = component_count(c, i, v->line, &count)) != RTG_OK)
				return rc;
		}
	}
	if ((v = rtg_ron_field_set(root, "layout")) != NULL) {
		int count = 0;

		if ((rc = count_tab_content(c, v, &count)) != RTG_OK)
			return rc;
		if (count != 1)
			return rtg_theme_fail(c, v->line, "layout holds %d Pane(TabContent), "
			                      "needs exactly one", count);
	}
	return RTG_OK;
}
