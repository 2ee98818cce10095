/* test_theme.c - the RON parser, rmpc's shape rules and the contrast audit:
 * the built-in templates pass with real roles, hand-written bad themes fail
 * with the right status and line, and the audit applies the right minimum
 * to each kind of style. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "roles.h"
#include "status.h"
#include "t.h"
#include "theme.h"

/* A small valid theme; the tests below change one line at a time, so the
 * line numbers in the comments matter. */
static const char base[] =
	"(\n"                                                             /* 1 */
	"    background_color: \"#000000\",\n"                            /* 2 */
	"    text_color: \"#e0e0e0\",\n"                                  /* 3 */
	"    browser_column_widths: [20, 38, 42],\n"                      /* 4 */
	"    progress_bar: (symbols: [\"a\", \"b\", \"c\"], elapsed_style: (fg: \"#c0c0c0\"), track_style: (fg: \"#404040\")),\n" /* 5 */
	"    scrollbar: (symbols: [\"|\", \"#\", \"^\", \"v\"], thumb_style: (fg: \"#c0c0c0\")),\n" /* 6 */
	"    layout: Split(direction: Vertical, panes: [(size: \"100%\", pane: Pane(TabContent))]),\n" /* 7 */
	"    preview_label_style: (fg: \"#e0e0e0\", modifiers: \"Bold\"),\n" /* 8 */
	")\n";                                                            /* 9 */

/* base with the first occurrence of from replaced by to (caller frees). */
static char *
subst(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n1, n2, n3;
	char *out;

	T_CHECK(at != NULL, "\"%s\" in the base theme", from);
	if (at == NULL)
		return NULL;
	n1 = (size_t)(at - text);
	n2 = strlen(to);
	n3 = strlen(at + strlen(from));
	out = malloc(n1 + n2 + n3 + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, text, n1);
	memcpy(out + n1, to, n2);
	memcpy(out + n1 + n2, at + strlen(from), n3 + 1);
	return out;
}

/* Checks text (len bytes; (size_t)-1 for all of it): status, and when given,
 * the line the message starts with and a part of the message. */
static void
check_len(const char *label, const char *text, size_t len, int status,
          int line, const char *part)
{
	char err[RTG_ERRLEN] = "", prefix[32];
	int rc;

	if (text == NULL)
		return;
	if (len == (size_t)-1)
		len = strlen(text);
	rc = rtg_theme_check(text, len, "t", NULL, err);
	T_CHECK(rc == status, "%s: status %d, want %d (%s)", label, rc, status, err);
	if (line > 0) {
		snprintf(prefix, sizeof prefix, "t:%d: ", line);
		T_CHECK(strncmp(err, prefix, strlen(prefix)) == 0,
		        "%s: message \"%s\" should start with \"%s\"", label, err, prefix);
	}
	if (part != NULL)
		T_CHECK(strstr(err, part) != NULL, "%s: message \"%s\" should mention \"%s\"",
		        label, err, part);
}

static void
check(const char *label, const char *text, int status, int line, const char *part)
{
	check_len(label, text, (size_t)-1, status, line, part);
}

/* Replaces from by to in base and checks the result; frees it. */
static void
variant(const char *label, const char *from, const char *to, int status,
        int line, const char *part)
{
	char *t = subst(base, from, to);

	check(label, t, status, line, part);
	free(t);
}

static void
test_base_and_syntax(void)
{
	char deep[512];
	size_t n = 0;

	check("base", base, RTG_OK, 0, NULL);
	check("named root struct", "Theme(background_color: \"#000000\", "
	      "text_color: \"#ffffff\")", RTG_OK, 0, NULL);
	check("RON features",
	      "#![enable(implicit_some)]\n"
	      "#![enable(unwrap_newtypes, unwrap_variant_newtypes)]\n"
	      "/* a /* nested */ comment */\n"
	      "(\n"
	      "    background_color: Some(\"#000000\"), // trailing comment\n"
	      "    text_color: r#\"#ffffff\"#,\n"
	      "    header_background_color: None,\n"
	      "    format_tag_separator: \" \\\" \\\\ \\u{2022} \\n \",\n"
	      "    numbers: [1, -2, +3.5, 1e3, 0x1F, 1_000, .5],\n"
	      "    flags: (a: true, b: false, c: Left, d: Some(Some(1)), e: ()),\n"
	      "    map: {0: \"x\", \"k\": [], (1, 2): 'c', '\\'': '\\u{41}'},\n"
	      "    cava: (bar_symbols: ['\xe2\x96\x81', '\xe2\x96\x88'], bar_color: Rows([\"#ffffff\", \"#eeeeee\"])),\n"
	      "    scrollbar: None,\n"
	      ")\n", RTG_OK, 0, NULL);

	variant("missing comma", "[20, 38, 42],", "[20, 38, 42]", RTG_ERR_THEME, 5,
	        "expected ',' or ')'");
	variant("missing colon", "text_color:", "text_color", RTG_ERR_THEME, 3,
	        "expected ':'");
	/* strings may span lines: this one runs to the end */
	check("unterminated string", "(\n  a: 1,\n  b: \"x,\n)\n", RTG_ERR_THEME, 3,
	      "unterminated string");
	variant("bad escape", "\"a\", \"b\"", "\"a\", \"\\q\"", RTG_ERR_THEME, 5,
	        "unknown escape");
	variant("unterminated comment", "    layout", "/* open\n    layout",
	        RTG_ERR_THEME, 7, "unterminated comment");
	variant("duplicate field", "\n)", "\n    text_color: \"#ffffff\",\n)",
	        RTG_ERR_THEME, 9, "duplicate field text_color");
	variant("trailing text", "\n)\n", "\n)\nx\n", RTG_ERR_THEME, 10, "after the theme");
	check("empty", "", RTG_ERR_THEME, 1, "end of input");
	check("not a struct", "[1, 2]", RTG_ERR_THEME, 1, "struct");
	check("two-char char", "(a: 'ab')", RTG_ERR_THEME, 1, "more than one character");
	variant("bad number", "[20, 38, 42]", "[20, 38, 4x2]", RTG_ERR_THEME, 4,
	        "bad number");
	variant("invalid UTF-8", "\"#e0e0e0\"", "\"#e0e0e0\xff\"", RTG_ERR_THEME, 3,
	        "UTF-8");
	check_len("NUL byte", "(\n\0)", 4, RTG_ERR_THEME, 2, "NUL");

	/* nesting: just under the limit parses (and then fails for another
	 * reason), one over is refused */
	n = (size_t)snprintf(deep, sizeof deep, "(a: ");
	for (int i = 0; i < RTG_THEME_MAX_DEPTH - 1; i++)
		deep[n++] = '[';
	for (int i = 0; i < RTG_THEME_MAX_DEPTH - 1; i++)
		deep[n++] = ']';
	memcpy(deep + n, ")", 2);
	check("deep but allowed", deep, RTG_ERR_THEME, 1, "background_color is not set");
	n = (size_t)snprintf(deep, sizeof deep, "(a: ");
	for (int i = 0; i < RTG_THEME_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (int i = 0; i < RTG_THEME_MAX_DEPTH; i++)
		deep[n++] = ']';
	memcpy(deep + n, ")", 2);
	check("too deep", deep, RTG_ERR_THEME, 1, "nested deeper than");
}

static void
test_limits(void)
{
	size_t n = RTG_THEME_MAX_BYTES + 1;
	char *big = malloc(n), *many;
	size_t k = 0;

	T_CHECK(big != NULL, "malloc");
	if (big != NULL) {
		memset(big, ' ', n);
		memcpy(big, base, strlen(base));
		check_len("size limit", big, n, RTG_ERR_THEME, 0, "limit");
		free(big);
	}
	/* more values than the node limit, in little text: "[0,0,0,...]" */
	many = malloc(2 * RTG_THEME_MAX_NODES + 16);
	T_CHECK(many != NULL, "malloc");
	if (many != NULL) {
		k = (size_t)sprintf(many, "(a: [");
		for (size_t i = 0; i < RTG_THEME_MAX_NODES; i++) {
			many[k++] = '0';
			many[k++] = ',';
		}
		memcpy(many + k, "])", 3);
		check("node limit", many, RTG_ERR_THEME, 1, "values");
		free(many);
	}
}

static void
test_shapes(void)
{
	variant("2 widths", "[20, 38, 42]", "[20, 38]", RTG_ERR_THEME, 4,
	        "browser_column_widths needs at least 3 entries, has 2");
	variant("4 widths", "[20, 38, 42]", "[20, 38, 42, 10]", RTG_OK, 0, NULL);
	variant("negative width", "[20, 38, 42]", "[20, 38, -42]", RTG_ERR_THEME, 4,
	        "whole numbers");
	variant("huge width", "[20, 38, 42]", "[20, 38, 70000]", RTG_ERR_THEME, 4,
	        "whole numbers");
	variant("4 progress symbols", "[\"a\", \"b\", \"c\"]", "[\"a\", \"b\", \"c\", \"d\"]",
	        RTG_ERR_THEME, 5, "progress_bar.symbols needs 3 or 5 strings, has 4");
	variant("5 progress symbols", "[\"a\", \"b\", \"c\"]",
	        "[\"a\", \"b\", \"c\", \"d\", \"e\"]", RTG_OK, 0, NULL);
	variant("progress chars", "[\"a\", \"b\", \"c\"]", "['a', 'b', 'c']",
	        RTG_ERR_THEME, 5, "strings");
	variant("3 scrollbar symbols", "[\"|\", \"#\", \"^\", \"v\"]", "[\"|\", \"#\", \"^\"]",
	        RTG_ERR_THEME, 6, "scrollbar.symbols needs at least 4 strings, has 3");
	variant("5 scrollbar symbols", "[\"|\", \"#\", \"^\", \"v\"]",
	        "[\"|\", \"#\", \"^\", \"v\", \"x\"]", RTG_OK, 0, NULL);
	variant("scrollbar None",
	        "(symbols: [\"|\", \"#\", \"^\", \"v\"], thumb_style: (fg: \"#c0c0c0\"))",
	        "None", RTG_OK, 0, NULL);
	variant("scrollbar without symbols", "symbols: [\"|\", \"#\", \"^\", \"v\"], ", "",
	        RTG_ERR_THEME, 6, "scrollbar needs symbols");
	variant("no TabContent", "Pane(TabContent)", "Pane(Queue)", RTG_ERR_THEME, 7,
	        "layout holds 0 Pane(TabContent), needs exactly one");
	variant("two TabContent", "(size: \"100%\", pane: Pane(TabContent))",
	        "(size: \"50%\", pane: Pane(TabContent)), (size: \"50%\", pane: Pane(TabContent))",
	        RTG_ERR_THEME, 7, "holds 2");
	variant("TabContent in a component", "pane: Pane(TabContent))]),",
	        "pane: Component(\"main\"))]),\n    components: {\"main\": Split(direction: "
	        "Vertical, panes: [(size: \"1\", pane: Component(\"leaf\")), (size: \"100%\", "
	        "pane: Pane(TabContent))]), \"leaf\": Pane(Empty())},", RTG_OK, 0, NULL);
	variant("component used twice", "pane: Pane(TabContent))]),",
	        "pane: Pane(TabContent)), (size: \"1\", pane: Component(\"x\")), (size: \"1\", "
	        "pane: Component(\"x\"))]),\n    components: {\"x\": Pane(Empty())},",
	        RTG_OK, 0, NULL);
	variant("unknown component", "pane: Pane(TabContent))]),",
	        "pane: Pane(TabContent)), (size: \"1\", pane: Component(\"nope\"))]),\n"
	        "    components: {},", RTG_ERR_THEME, 7, "unknown component \"nope\"");
	variant("component cycle", "\n)",
	        "\n    components: {\"a\": Component(\"b\"), \"b\": Component(\"a\")},\n)",
	        RTG_ERR_THEME, 9, "cycle");
	variant("symbols without marker", "\n)",
	        "\n    symbols: (song: \"S\", dir: \"D\"),\n)", RTG_ERR_THEME, 9,
	        "symbols needs marker");
	variant("cava strings", "\n)",
	        "\n    cava: (bar_symbols: [\"a\", \"b\"]),\n)", RTG_ERR_THEME, 9,
	        "cava.bar_symbols holds chars");
	variant("no background", "    background_color: \"#000000\",\n", "",
	        RTG_ERR_THEME, 1, "background_color is not set");
	variant("background None", "background_color: \"#000000\"",
	        "background_color: None", RTG_ERR_THEME, 1, "background_color is not set");
	variant("no text colour", "    text_color: \"#e0e0e0\",\n", "",
	        RTG_ERR_THEME, 1, "text_color is not set");

	/* colours and modifiers */
	variant("named colour", "elapsed_style: (fg: \"#c0c0c0\")",
	        "elapsed_style: (fg: \"blue\")", RTG_ERR_THEME, 5, "\"blue\" is not #rrggbb");
	variant("indexed colour", "(fg: \"#e0e0e0\", modifiers",
	        "(fg: \"12\", modifiers", RTG_ERR_THEME, 8, "\"12\"");
	variant("rgb() colour", "text_color: \"#e0e0e0\"", "text_color: \"rgb(1,2,3)\"",
	        RTG_ERR_THEME, 3, "\"rgb(1,2,3)\" is not #rrggbb, the only form the "
	        "contrast audit can check (write {{role}} or \"{{role.hex}}\")");
	variant("decimal triple", "text_color: \"#e0e0e0\"", "text_color: \"75, 29, 27\"",
	        RTG_ERR_THEME, 3, "\"75, 29, 27\" is not #rrggbb, the only form");
	variant("reset", "text_color: \"#e0e0e0\"", "text_color: \"reset\"",
	        RTG_ERR_THEME, 3, "reset");
	variant("short hex", "\"#000000\"", "\"#00000\"", RTG_ERR_THEME, 2, "#00000");
	variant("bad hex digit", "\"#000000\"", "\"#00000g\"", RTG_ERR_THEME, 2, "#00000g");
	variant("colour not a string", "\"#000000\"", "0", RTG_ERR_THEME, 2, "string");
	variant("Dim", "modifiers: \"Bold\"", "modifiers: \"Bold | Dim\"",
	        RTG_ERR_THEME, 8, "Dim");
	variant("unknown modifier", "modifiers: \"Bold\"", "modifiers: \"Blink\"",
	        RTG_ERR_THEME, 8, "Blink");
	variant("modifiers ok", "modifiers: \"Bold\"",
	        "modifiers: \"Bold|Italic | Underlined | Reversed | CrossedOut\"",
	        RTG_OK, 0, NULL);
	variant("bad borders", "(size: \"100%\",", "(size: \"100%\", borders: \"TOP | SIDE\",",
	        RTG_ERR_THEME, 7, "SIDE");
	variant("named pane background", "(size: \"100%\",",
	        "(size: \"100%\", background_color: \"black\",", RTG_ERR_THEME, 7, "black");
	variant("cava gradient named", "\n)",
	        "\n    cava: (bar_color: Gradient({0: \"#ffffff\", 100: \"red\"})),\n)",
	        RTG_ERR_THEME, 9, "\"red\"");
}

/* Finds the audit pair with this path (and this bg, if bg != NULL). */
static const struct rtg_audit_pair *
find_pair(const struct rtg_audit *a, const char *path, const char *bg)
{
	for (size_t i = 0; i < a->n; i++) {
		char hex[8];

		rtg_rgb8_hex(a->pairs[i].bg, hex);
		if (strcmp(a->pairs[i].path, path) == 0 && (bg == NULL || strcmp(hex, bg) == 0))
			return &a->pairs[i];
	}
	return NULL;
}

static size_t
count_pairs(const struct rtg_audit *a, const char *path)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n; i++)
		n += strcmp(a->pairs[i].path, path) == 0;
	return n;
}

static void
expect_min(const struct rtg_audit *a, const char *path, double min)
{
	const struct rtg_audit_pair *p = find_pair(a, path, NULL);

	T_CHECK(p != NULL, "pair %s audited", path);
	if (p != NULL)
		T_CHECK(p->min == min, "%s: minimum %.1f, want %.1f", path, p->min, min);
}

static void
test_contrast(void)
{
	/* every kind of style with a grey that passes its own minimum only:
	 * #636363 on black is 3.49 (UI yes, text no), #404040 is 2.02 (track) */
	static const char kinds[] =
		"(\n"
		"    background_color: \"#000000\",\n"
		"    text_color: \"#e0e0e0\",\n"
		"    borders_style: (fg: \"#636363\"),\n"
		"    highlight_border_style: (fg: \"#636363\"),\n"
		"    progress_bar: (symbols: [\"a\", \"b\", \"c\"], elapsed_style: (fg: \"#636363\"),\n"
		"        thumb_style: (fg: \"#636363\"), track_style: (fg: \"#404040\")),\n"
		"    scrollbar: (symbols: [\"a\", \"b\", \"c\", \"d\"], track_style: (fg: \"#404040\"),\n"
		"        ends_style: (fg: \"#636363\"), thumb_style: (fg: \"#636363\")),\n"
		"    layout: Split(direction: Vertical, panes: [(size: \"100%\", borders: \"ALL\",\n"
		"        border_style: (fg: \"#636363\"), border_active_style: (fg: \"#636363\"),\n"
		"        pane: Pane(TabContent))]),\n"
		"    components: {\"v\": Pane(Volume(kind: Slider(filled_style: (fg: \"#636363\"),\n"
		"        thumb_style: (fg: \"#636363\"), track_style: (fg: \"#404040\"))))},\n"
		"    cava: (bg_color: \"#000000\", bar_color: Single(\"#636363\")),\n"
		"    level_styles: (warn: (fg: \"#e0e0e0\", bg: \"#000000\")),\n"
		")\n";
	struct rtg_audit a;
	char err[RTG_ERRLEN] = "", *t;
	int rc;

	memset(&a, 0, sizeof a);
	rc = rtg_theme_check(kinds, strlen(kinds), "t", &a, err);
	T_CHECK(rc == RTG_OK, "UI and track styles at their own minimums pass: %s", err);
	T_CHECK(a.failures == 0, "no failures");
	expect_min(&a, "text_color", RTG_MIN_TEXT);
	expect_min(&a, "borders_style", RTG_MIN_UI);
	expect_min(&a, "highlight_border_style", RTG_MIN_UI);
	expect_min(&a, "progress_bar.elapsed_style", RTG_MIN_UI);
	expect_min(&a, "progress_bar.thumb_style", RTG_MIN_UI);
	expect_min(&a, "progress_bar.track_style", RTG_MIN_TRACK);
	expect_min(&a, "scrollbar.track_style", RTG_MIN_TRACK);
	expect_min(&a, "scrollbar.ends_style", RTG_MIN_UI);
	expect_min(&a, "scrollbar.thumb_style", RTG_MIN_UI);
	expect_min(&a, "layout.Split.panes[0].border_style", RTG_MIN_UI);
	expect_min(&a, "layout.Split.panes[0].border_active_style", RTG_MIN_UI);
	expect_min(&a, "components.v.Pane.Volume.kind.Slider.filled_style", RTG_MIN_UI);
	expect_min(&a, "components.v.Pane.Volume.kind.Slider.track_style", RTG_MIN_TRACK);
	expect_min(&a, "cava.bar_color", RTG_MIN_UI);
	expect_min(&a, "level_styles.warn", RTG_MIN_TEXT);
	{
		const struct rtg_audit_pair *p = find_pair(&a, "progress_bar.track_style", NULL);

		T_CHECK(p != NULL && p->line == 7, "track pair on line 7");
		if (p != NULL)
			T_NEAR(p->ratio, 2.0254, 0.001);
	}

	/* the same grey as text fails, and is reported with line and pair */
	t = subst(kinds, "    level_styles: (warn: (fg: \"#e0e0e0\"",
	          "    level_styles: (warn: (fg: \"#636363\"");
	if (t != NULL) {
		rc = rtg_theme_check(t, strlen(t), "t", &a, err);
		T_CHECK(rc == RTG_ERR_CONTRAST, "text at 3.49 fails: %d", rc);
		T_CHECK(strcmp(err, "t:16: level_styles.warn: ratio 3.49 < 4.50 "
		               "(#636363 on #000000)") == 0, "message: %s", err);
		T_CHECK(a.failures == 1, "one failure, %zu", a.failures);
		free(t);
	}
	/* a track below 1.5: #1a1a1a on black is 1.207, shown rounded down */
	t = subst(kinds, "track_style: (fg: \"#404040\")),\n    scrollbar",
	          "track_style: (fg: \"#1a1a1a\")),\n    scrollbar");
	if (t != NULL) {
		rc = rtg_theme_check(t, strlen(t), "t", &a, err);
		T_CHECK(rc == RTG_ERR_CONTRAST, "track at 1.2 fails: %d", rc);
		T_CHECK(strcmp(err, "t:7: progress_bar.track_style: ratio 1.20 < 1.50 "
		               "(#1a1a1a on #000000)") == 0, "message: %s", err);
		free(t);
	}
	/* a border below 3 */
	t = subst(kinds, " border_style: (fg: \"#636363\")", " border_style: (fg: \"#404040\")");
	if (t != NULL) {
		rc = rtg_theme_check(t, strlen(t), "t", &a, err);
		T_CHECK(rc == RTG_ERR_CONTRAST && strstr(err, "t:11: layout.Split.panes[0]"
		        ".border_style: ratio 2.02 < 3.00") == err, "pane border: %s", err);
		free(t);
	}
	rtg_audit_free(&a);
	T_CHECK(a.pairs == NULL && a.n == 0, "audit freed");
}

static void
test_backgrounds(void)
{
	static const char bgs[] =
		"(\n"
		"    background_color: \"#000000\",\n"
		"    header_background_color: \"#202020\",\n"
		"    modal_background_color: \"#000000\",\n"
		"    text_color: \"#e0e0e0\",\n"
		"    preview_label_style: (fg: \"#c0c0c0\"),\n"
		"    current_item_style: (fg: \"#000000\", bg: \"#c0c0c0\"),\n"
		"    tab_bar: (active_style: (bg: \"#000040\")),\n"
		")\n";
	struct rtg_audit a;
	const struct rtg_audit_pair *p;
	char err[RTG_ERRLEN] = "", *t;
	int rc;
	size_t n1;

	memset(&a, 0, sizeof a);
	rc = rtg_theme_check(bgs, strlen(bgs), "t", &a, err);
	T_CHECK(rc == RTG_OK, "backgrounds theme passes: %s", err);
	/* no bg: judged on background and header (modal equals background) */
	T_CHECK(count_pairs(&a, "preview_label_style") == 2, "fg-only style: %zu pairs",
	        count_pairs(&a, "preview_label_style"));
	T_CHECK(find_pair(&a, "preview_label_style", "#202020") != NULL, "on the header");
	T_CHECK(count_pairs(&a, "text_color") == 2, "text_color on both backgrounds");
	/* own bg: one pair */
	T_CHECK(count_pairs(&a, "current_item_style") == 1, "fg+bg style: one pair");
	/* bg only: text_color on it */
	p = find_pair(&a, "tab_bar.active_style", "#000040");
	T_CHECK(p != NULL && p->fg.r == 0xe0 && p->fg.g == 0xe0 && p->line == 8,
	        "bg-only style carries text_color");
	n1 = a.n;
	/* the audit is refilled, not appended to */
	rc = rtg_theme_check(bgs, strlen(bgs), "t", &a, err);
	T_CHECK(rc == RTG_OK && a.n == n1, "second check: %zu pairs, first %zu", a.n, n1);
	/* without an audit the verdict is the same */
	T_CHECK(rtg_theme_check(bgs, strlen(bgs), "t", NULL, err) == RTG_OK, "NULL audit");

	/* a light header makes light text fail there, and only there */
	t = subst(bgs, "header_background_color: \"#202020\"",
	          "header_background_color: \"#d0d0d0\"");
	if (t != NULL) {
		rc = rtg_theme_check(t, strlen(t), "t", &a, err);
		T_CHECK(rc == RTG_ERR_CONTRAST, "light header: %d", rc);
		T_CHECK(strstr(err, "t:5: text_color: ratio ") == err &&
		        strstr(err, "(#e0e0e0 on #d0d0d0)") != NULL, "first failure: %s", err);
		/* text_color and preview_label_style fail on the header */
		T_CHECK(a.failures == 2, "%zu failures", a.failures);
		free(t);
	}
	/* a pane's own background (rmpc 0.11) counts too */
	t = subst(bgs, "\n)", "\n    layout: Split(direction: Vertical, panes: [(size: \"100%\","
	          " background_color: \"#ffffff\", pane: Pane(TabContent))]),\n)");
	if (t != NULL) {
		rc = rtg_theme_check(t, strlen(t), "t", &a, err);
		T_CHECK(rc == RTG_ERR_CONTRAST && find_pair(&a, "preview_label_style", "#ffffff"),
		        "pane background: %s", err);
		free(t);
	}
	/* cava bars without bg_color: on every background */
	t = subst(bgs, "\n)", "\n    cava: (bar_color: Gradient({0: \"#808080\", 100: \"#101010\"})),\n)");
	if (t != NULL) {
		rc = rtg_theme_check(t, strlen(t), "t", &a, err);
		T_CHECK(rc == RTG_ERR_CONTRAST && strstr(err, "t:9: cava.bar_color: ratio ") == err &&
		        strstr(err, "(#101010 on #000000)") != NULL, "dark gradient end: %s", err);
		T_CHECK(count_pairs(&a, "cava.bar_color") == 4, "2 colours x 2 backgrounds");
		free(t);
	}
	rtg_audit_free(&a);
}

/* The built-in templates, rendered with real roles from several palettes,
 * must parse, keep rmpc's shapes and pass the audit. */
static void
test_builtins(void)
{
	static const struct rtg_rgb8 colours[][4] = {
		{ { 200, 20, 20 } },                                       /* one red */
		{ { 20, 30, 80 }, { 230, 200, 40 }, { 40, 160, 90 }, { 250, 250, 250 } },
		{ { 245, 240, 230 }, { 120, 60, 200 } },                    /* light */
		{ { 128, 128, 128 } },                                     /* grey */
	};
	static const int counts[] = { 1, 4, 2, 1 };
	static const enum rtg_mode modes[] = { RTG_MODE_AUTO, RTG_MODE_DARK, RTG_MODE_LIGHT };

	for (int tm = 0; tm < RTG_TEMPLATE_COUNT; tm++) {
		size_t len;
		const char *text = rtg_template_builtin_text((enum rtg_builtin_template)tm, &len);
		const char *name = rtg_template_builtin_name((enum rtg_builtin_template)tm);

		for (size_t pi = 0; pi <= sizeof counts / sizeof counts[0]; pi++) {
			for (size_t mi = 0; mi < sizeof modes / sizeof modes[0]; mi++) {
				struct rtg_palette pal;
				struct rtg_roles roles;
				struct rtg_audit a;
				char err[RTG_ERRLEN] = "", *out = NULL;
				size_t outlen = 0;
				int rc;

				memset(&pal, 0, sizeof pal);
				memset(&a, 0, sizeof a);
				/* pi == count: the empty palette */
				if (pi < sizeof counts / sizeof counts[0]) {
					pal.n = counts[pi];
					for (int k = 0; k < pal.n; k++) {
						pal.sw[k].rgb = colours[pi][k];
						pal.sw[k].share = 1.0 / pal.n;
						rtg_rgb8_to_oklch(pal.sw[k].rgb, pal.sw[k].oklch);
					}
				}
				rc = rtg_roles_assign(&pal, modes[mi], &roles, err);
				T_CHECK(rc == RTG_OK, "roles: %s", err);
				if (rc != RTG_OK)
					continue;
				rc = rtg_render(text, len, name, &roles, &pal, &out, &outlen, err);
				T_CHECK(rc == RTG_OK, "%s renders: %s", name, err);
				if (rc != RTG_OK)
					continue;
				rc = rtg_theme_check(out, outlen, name, &a, err);
				T_CHECK(rc == RTG_OK, "%s, palette %zu, mode %zu: %s", name, pi, mi, err);
				T_CHECK(a.failures == 0 && a.n > 80, "%s: %zu pairs, %zu failures",
				        name, a.n, a.failures);
				if (pi == 0 && mi == 0) {
					expect_min(&a, "progress_bar.track_style", RTG_MIN_TRACK);
					expect_min(&a, "scrollbar.thumb_style", RTG_MIN_UI);
					expect_min(&a, "borders_style", RTG_MIN_UI);
					expect_min(&a, "level_styles.error", RTG_MIN_TEXT);
					expect_min(&a, "tab_bar.inactive_style", RTG_MIN_TEXT);
					if (tm == RTG_TEMPLATE_RMPC_0_11)
						expect_min(&a, "layout.Split.panes[0].border_style", RTG_MIN_UI);
				}
				rtg_audit_free(&a);
				free(out);
			}
		}
	}
}

/* What each template must (and, for 0.9/0.10, must not) contain. */
static void
test_template_contents(void)
{
	static const char *const everywhere[] = {
		"background_color:", "text_color:", "header_background_color:",
		"modal_background_color:", "preview_label_style:",
		"preview_metadata_group_style:", "highlighted_item_style:",
		"current_item_style:", "borders_style:", "highlight_border_style:",
		"tab_bar:", "symbols:", "level_styles:", "progress_bar:", "scrollbar:",
		"song_table_format:", "browser_song_format:", "header:", "layout:",
		"components:",
	};
	/* rmpc's default component names: a config's tabs may use them */
	static const char *const components[] = {
		"\"state\":", "\"elapsed_and_bitrate\":", "\"title\":",
		"\"artist_and_album\":", "\"volume\":", "\"states\":", "\"input_mode\":",
		"\"header_left\":", "\"header_center\":", "\"header_right\":",
		"\"progress_bar\":",
	};
	/* variants and fields rmpc 0.9/0.10 do not know (0.10's Volume pane
	 * and Transform are out too, for 0.9) */
	static const char *const not_in_010[] = {
		"label_prop", " border_style", "border_active_style", "border_title",
		"border_symbols", "border_symbol_sets", "Empty()", "InputMode()",
		"InputBuffer()", "QueueHeader", "Volume(", "Transform(", "SampleRate()",
		"Bits()", "Channels()", "Added()", "LastModified()",
	};
	size_t l11, l10;
	const char *t11 = rtg_template_builtin_text(RTG_TEMPLATE_RMPC_0_11, &l11);
	const char *t10 = rtg_template_builtin_text(RTG_TEMPLATE_RMPC_0_10, &l10);
	const char *p;
	int bgs = 0;

	for (size_t i = 0; i < sizeof everywhere / sizeof everywhere[0]; i++) {
		T_CHECK(strstr(t11, everywhere[i]) != NULL, "0.11 has %s", everywhere[i]);
		T_CHECK(strstr(t10, everywhere[i]) != NULL, "0.10 has %s", everywhere[i]);
	}
	T_CHECK(strstr(t11, "cava:") != NULL, "0.11 colours cava");
	for (size_t i = 0; i < sizeof components / sizeof components[0]; i++)
		T_CHECK(strstr(t11, components[i]) != NULL, "0.11 defines %s", components[i]);
	for (size_t i = 0; i < sizeof not_in_010 / sizeof not_in_010[0]; i++)
		T_CHECK(strstr(t10, not_in_010[i]) == NULL, "0.10 has no %s", not_in_010[i]);
	/* background_color appears once in 0.10: no pane backgrounds */
	for (p = t10; (p = strstr(p, " background_color: {{")) != NULL; p++)
		bgs++;
	T_CHECK(bgs == 1, "0.10: %d background_color fields", bgs);
	T_CHECK(strstr(t11, "\"Dim") == NULL && strstr(t11, "| Dim") == NULL &&
	        strstr(t10, "\"Dim") == NULL && strstr(t10, "| Dim") == NULL, "no Dim");
}

int
main(void)
{
	test_base_and_syntax();
	test_limits();
	test_shapes();
	test_contrast();
	test_backgrounds();
	test_builtins();
	test_template_contents();
	return t_done();
}
