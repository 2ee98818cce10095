/* preview.c - show a generated theme in the terminal: the palette as
 * swatches, the roles, and a small mock of an rmpc screen drawn with the
 * role colours, so that a person can look at the result instead of
 * reading hex.  24-bit SGR sequences (ESC[38;2;R;G;Bm); the plain style
 * prints the same facts without any escape sequence. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "preview.h"

#define PV_WIDTH 64 /* columns of the mock screen */

struct pv {
	FILE *f;
	int col;
	bool have_fg, have_bg, bold;
	struct rtg_rgb8 fg, bg;
};

static bool
rgb_eq(struct rtg_rgb8 a, struct rtg_rgb8 b)
{
	return a.r == b.r && a.g == b.g && a.b == b.b;
}

/* Columns taken by UTF-8 text: every code point used here is one column
 * wide (ASCII, box drawing, block elements). */
static int
pv_columns(const char *s, size_t n)
{
	int c = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Byte length of the first `cols` columns of s. */
static size_t
pv_prefix(const char *s, int cols)
{
	size_t i = 0;

	while (s[i] != '\0') {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cols-- == 0)
			break;
		i++;
	}
	return i;
}

static void
pv_style(struct pv *p, struct rtg_rgb8 fg, struct rtg_rgb8 bg, bool bold)
{
	if (p->bold != bold) {
		fputs(bold ? "\033[1m" : "\033[22m", p->f);
		p->bold = bold;
	}
	if (!p->have_fg || !rgb_eq(p->fg, fg)) {
		fprintf(p->f, "\033[38;2;%u;%u;%um", fg.r, fg.g, fg.b);
		p->fg = fg;
		p->have_fg = true;
	}
	if (!p->have_bg || !rgb_eq(p->bg, bg)) {
		fprintf(p->f, "\033[48;2;%u;%u;%um", bg.r, bg.g, bg.b);
		p->bg = bg;
		p->have_bg = true;
	}
}

static void
pv_text(struct pv *p, struct rtg_rgb8 fg, struct rtg_rgb8 bg, bool bold, const char *s)
{
	pv_style(p, fg, bg, bold);
	fputs(s, p->f);
	p->col += pv_columns(s, strlen(s));
}

/* s cut or padded to exactly width columns; align: -1 left, 0 centre, 1 right */
static void
pv_field(struct pv *p, struct rtg_rgb8 fg, struct rtg_rgb8 bg, bool bold,
         const char *s, int width, int align)
{
	size_t n = pv_prefix(s, width);
	int cols = pv_columns(s, n);
	int pad = width - cols;
	int left = align < 0 ? 0 : align > 0 ? pad : pad / 2;

	pv_style(p, fg, bg, bold);
	fprintf(p->f, "%*s%.*s%*s", left, "", (int)n, s, pad - left, "");
	p->col += width;
}

/* A table cell: text cut one column short so that cells never run into
 * each other. */
static void
pv_cell(struct pv *p, struct rtg_rgb8 fg, struct rtg_rgb8 bg, bool bold,
        const char *s, int width)
{
	char buf[96];
	size_t n = pv_prefix(s, width - 1);

	snprintf(buf, sizeof buf, "%.*s", (int)n, s);
	pv_field(p, fg, bg, bold, buf, width, -1);
}

static void
pv_repeat(struct pv *p, struct rtg_rgb8 fg, struct rtg_rgb8 bg, const char *s, int times)
{
	pv_style(p, fg, bg, false);
	for (int i = 0; i < times; i++)
		fputs(s, p->f);
	p->col += times * pv_columns(s, strlen(s));
}

static void
pv_endline(struct pv *p)
{
	fputs("\033[0m\n", p->f);
	p->col = 0;
	p->have_fg = p->have_bg = p->bold = false;
}

static void
pv_swatch(struct pv *p, struct rtg_rgb8 c, int width)
{
	struct rtg_rgb8 any = { 0, 0, 0 };

	pv_repeat(p, any, c, " ", width);
	fputs("\033[0m", p->f);
	p->have_fg = p->have_bg = p->bold = false;
}

static void
preview_palette(struct pv *p, const struct rtg_result *res)
{
	const struct rtg_palette *pal = &res->palette;
	char hex[8];
	int used = 0;

	fprintf(p->f, "Palette: %d colour%s, %s theme\n", pal->n, pal->n == 1 ? "" : "s",
	        rtg_mode_name(res->roles.mode));
	if (pal->n == 0)
		return;
	/* one bar, each colour as wide as its share of the image */
	for (int i = 0; i < pal->n; i++) {
		int w = i == pal->n - 1 ? PV_WIDTH - used : (int)(pal->sw[i].share * PV_WIDTH + 0.5);
		if (w < 1 && pal->sw[i].share > 0)
			w = 1;
		if (used + w > PV_WIDTH)
			w = PV_WIDTH - used;
		if (w > 0)
			pv_swatch(p, pal->sw[i].rgb, w);
		used += w;
	}
	fputc('\n', p->f);
	for (int i = 0; i < pal->n; i++) {
		rtg_rgb8_hex(pal->sw[i].rgb, hex);
		pv_swatch(p, pal->sw[i].rgb, 4);
		fprintf(p->f, " %s %5.1f%%%s", hex, pal->sw[i].share * 100.0,
		        i % 3 == 2 || i == pal->n - 1 ? "\n" : "   ");
	}
}

/* The contrast a role is shown with: on what it is drawn on (selection_fg
 * on selection_bg, everything else on the background), blank for the
 * background itself. */
static const char roles_heading[] =
	"Roles (contrast on the background; selection_fg on selection_bg):\n";

static void
role_contrast(const struct rtg_roles *r, int i, char out[8])
{
	enum rtg_role ground = i == RTG_ROLE_SELECTION_FG ? RTG_ROLE_SELECTION_BG
	                       : RTG_ROLE_BACKGROUND;

	if (i == RTG_ROLE_BACKGROUND)
		snprintf(out, 8, "%5s", "");
	else
		snprintf(out, 8, "%5.2f", rtg_contrast_ratio(r->c[i], r->c[ground]));
}

static void
preview_roles(struct pv *p, const struct rtg_roles *r)
{
	char hex[8], ratio[8];

	fputs(roles_heading, p->f);
	for (int i = 0; i < RTG_ROLE_COUNT; i++) {
		rtg_rgb8_hex(r->c[i], hex);
		role_contrast(r, i, ratio);
		pv_swatch(p, r->c[i], 2);
		fprintf(p->f, " %-16s %s %s%s", rtg_role_name((enum rtg_role)i), hex, ratio,
		        i % 2 == 1 || i == RTG_ROLE_COUNT - 1 ? "\n" : "   ");
	}
}

/* A mock rmpc screen: header, tabs, a focused song list with a selected row
 * and a scrollbar, the progress bar and the level styles. */
static void
preview_screen(struct pv *p, const struct rtg_roles *r)
{
	const struct rtg_rgb8 *c = r->c;
	const struct rtg_rgb8 bg = c[RTG_ROLE_BACKGROUND], sf = c[RTG_ROLE_SURFACE];
	static const char *const tabs[] = { "Queue", "Directories", "Artists", "Albums", "Search" };
	static const struct { const char *artist, *title, *album, *len; } rows[] = {
		{ "Nadia Fenn", "Low Tide Letters", "Saltwater Hours", "3:51" },
		{ "Nadia Fenn", "Harbour Lights", "Saltwater Hours", "4:07" },
		{ "Quiet Arcs", "Northbound", "Paper Compass", "2:58" },
		{ "Quiet Arcs", "Lanterns", "Paper Compass", "5:12" },
		{ "Okon & Wray", "Small Hours Radio", "Static Garden", "3:33" },
	};
	const int inner = PV_WIDTH - 2;
	const int nrows = (int)(sizeof rows / sizeof rows[0]);

	fputs("Mock rmpc screen:\n", p->f);
	/* header on the surface colour */
	pv_field(p, c[RTG_ROLE_ACCENT2], sf, true, " \u25b6 Playing", 14, -1);
	pv_field(p, c[RTG_ROLE_TEXT], sf, true, "Low Tide Letters", PV_WIDTH - 28, 0);
	pv_field(p, c[RTG_ROLE_ACCENT3], sf, false, "Vol: 70% ", 14, 1);
	pv_endline(p);
	pv_field(p, c[RTG_ROLE_MUTED], sf, false, " [z] [r]", 14, -1);
	pv_field(p, c[RTG_ROLE_ACCENT], sf, false, "Nadia Fenn \u2013 Saltwater Hours",
	         PV_WIDTH - 28, 0);
	pv_field(p, c[RTG_ROLE_MUTED], sf, false, "1:24/3:51 ", 14, 1);
	pv_endline(p);

	/* tabs: the active one in the selection colours */
	pv_text(p, c[RTG_ROLE_TEXT], bg, false, " ");
	for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
		char label[32];
		snprintf(label, sizeof label, " %s ", tabs[i]);
		if (i == 0)
			pv_text(p, c[RTG_ROLE_SELECTION_FG], c[RTG_ROLE_SELECTION_BG], true, label);
		else
			pv_text(p, c[RTG_ROLE_MUTED], bg, false, label);
		pv_text(p, c[RTG_ROLE_BORDER], bg, false, i + 1 < sizeof tabs / sizeof tabs[0] ? "\u2502" : "");
	}
	pv_repeat(p, c[RTG_ROLE_TEXT], bg, " ", PV_WIDTH - p->col);
	pv_endline(p);

	/* the focused pane: highlight border with a title */
	pv_text(p, c[RTG_ROLE_BORDER_ACTIVE], bg, false, "\u250c\u2500");
	pv_text(p, c[RTG_ROLE_ACCENT], bg, true, " Queue ");
	pv_repeat(p, c[RTG_ROLE_BORDER_ACTIVE], bg, "\u2500", PV_WIDTH - 1 - p->col);
	pv_text(p, c[RTG_ROLE_BORDER_ACTIVE], bg, false, "\u2510");
	pv_endline(p);

	pv_text(p, c[RTG_ROLE_BORDER_ACTIVE], bg, false, "\u2502");
	pv_field(p, c[RTG_ROLE_ACCENT], bg, true, "   Artist", 17, -1);
	pv_field(p, c[RTG_ROLE_ACCENT], bg, true, "Title", 19, -1);
	pv_field(p, c[RTG_ROLE_ACCENT], bg, true, "Album", 17, -1);
	pv_field(p, c[RTG_ROLE_ACCENT], bg, true, "Time ", inner - 53 - 1, 1);
	pv_text(p, c[RTG_ROLE_BORDER_ACTIVE], bg, false, " \u2502");
	pv_endline(p);

	for (int i = 0; i < nrows; i++) {
		bool playing = i == 0, selected = i == 2;
		struct rtg_rgb8 rbg = selected ? c[RTG_ROLE_SELECTION_BG] : bg;
		struct rtg_rgb8 fg = selected ? c[RTG_ROLE_SELECTION_FG]
		                   : playing ? c[RTG_ROLE_ACCENT2] : c[RTG_ROLE_TEXT];
		char artist[40];

		snprintf(artist, sizeof artist, " %s %s", playing ? "\u25b6" : " ", rows[i].artist);
		pv_text(p, c[RTG_ROLE_BORDER_ACTIVE], bg, false, "\u2502");
		pv_cell(p, fg, rbg, playing || selected, artist, 17);
		pv_cell(p, fg, rbg, playing || selected, rows[i].title, 19);
		pv_cell(p, selected ? fg : c[RTG_ROLE_MUTED], rbg, selected, rows[i].album, 17);
		pv_field(p, selected ? fg : c[RTG_ROLE_MUTED], rbg, false, rows[i].len, inner - 53 - 1, 1);
		/* scrollbar: thumb over the first rows, track below */
		if (i < 2)
			pv_text(p, c[RTG_ROLE_BORDER_ACTIVE], bg, false, "\u2588");
		else
			pv_text(p, c[RTG_ROLE_PROGRESS_TRACK], bg, false, "\u2502");
		pv_text(p, c[RTG_ROLE_BORDER_ACTIVE], bg, false, "\u2502");
		pv_endline(p);
	}
	pv_text(p, c[RTG_ROLE_BORDER_ACTIVE], bg, false, "\u2514");
	pv_repeat(p, c[RTG_ROLE_BORDER_ACTIVE], bg, "\u2500", inner);
	pv_text(p, c[RTG_ROLE_BORDER_ACTIVE], bg, false, "\u2518");
	pv_endline(p);

	/* an unfocused pane */
	pv_text(p, c[RTG_ROLE_BORDER], bg, false, "\u250c\u2500");
	pv_text(p, c[RTG_ROLE_MUTED], bg, false, " Lyrics ");
	pv_repeat(p, c[RTG_ROLE_BORDER], bg, "\u2500", PV_WIDTH - 1 - p->col);
	pv_text(p, c[RTG_ROLE_BORDER], bg, false, "\u2510");
	pv_endline(p);
	pv_text(p, c[RTG_ROLE_BORDER], bg, false, "\u2502");
	pv_field(p, c[RTG_ROLE_TEXT], bg, false, "I kept the harbour lights for you", inner, 0);
	pv_text(p, c[RTG_ROLE_BORDER], bg, false, "\u2502");
	pv_endline(p);
	pv_text(p, c[RTG_ROLE_BORDER], bg, false, "\u2514");
	pv_repeat(p, c[RTG_ROLE_BORDER], bg, "\u2500", inner);
	pv_text(p, c[RTG_ROLE_BORDER], bg, false, "\u2518");
	pv_endline(p);

	/* progress bar: elapsed, thumb, track */
	{
		const int bar = PV_WIDTH - 12, done = bar * 37 / 100;
		pv_field(p, c[RTG_ROLE_MUTED], bg, false, " 1:24 ", 6, -1);
		pv_repeat(p, c[RTG_ROLE_PROGRESS_ELAPSED], bg, "\u2501", done);
		pv_text(p, c[RTG_ROLE_PROGRESS_ELAPSED], bg, false, "\u257e");
		pv_repeat(p, c[RTG_ROLE_PROGRESS_TRACK], bg, "\u2500", bar - done - 1);
		pv_field(p, c[RTG_ROLE_MUTED], bg, false, " 3:51 ", 6, 1);
		pv_endline(p);
	}

	/* level styles, as in rmpc's message bar */
	{
		static const struct { enum rtg_role role; const char *text; } lv[] = {
			{ RTG_ROLE_INFO, " info " }, { RTG_ROLE_WARN, " warn " },
			{ RTG_ROLE_ERROR, " error " }, { RTG_ROLE_DEBUG, " debug " },
			{ RTG_ROLE_TRACE, " trace " },
		};
		pv_text(p, c[RTG_ROLE_TEXT], bg, false, " ");
		for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++)
			pv_text(p, c[lv[i].role], bg, true, lv[i].text);
		pv_text(p, c[RTG_ROLE_MUTED], bg, false, "  muted text");
		pv_repeat(p, c[RTG_ROLE_TEXT], bg, " ", PV_WIDTH - p->col);
		pv_endline(p);
	}
}

static void
preview_plain(FILE *f, const struct rtg_result *res)
{
	char hex[8];

	fprintf(f, "Palette: %d colour%s, %s theme\n", res->palette.n,
	        res->palette.n == 1 ? "" : "s", rtg_mode_name(res->roles.mode));
	for (int i = 0; i < res->palette.n; i++) {
		rtg_rgb8_hex(res->palette.sw[i].rgb, hex);
		fprintf(f, "  %s %5.1f%%\n", hex, res->palette.sw[i].share * 100.0);
	}
	fputs(roles_heading, f);
	for (int i = 0; i < RTG_ROLE_COUNT; i++) {
		char ratio[8];
		rtg_rgb8_hex(res->roles.c[i], hex);
		role_contrast(&res->roles, i, ratio);
		/* no trailing blanks after the background's empty ratio */
		fprintf(f, "  %-16s %s%s%s\n", rtg_role_name((enum rtg_role)i), hex,
		        i == RTG_ROLE_BACKGROUND ? "" : " ", i == RTG_ROLE_BACKGROUND ? "" : ratio);
	}
}

void
rtg_preview_styled(FILE *f, const struct rtg_result *res, enum rtg_preview_style style)
{
	struct pv p = { .f = f };

	if (style == RTG_PREVIEW_PLAIN) {
		preview_plain(f, res);
		return;
	}
	preview_palette(&p, res);
	preview_roles(&p, &res->roles);
	preview_screen(&p, &res->roles);
}

void
rtg_preview(FILE *f, const struct rtg_result *res)
{
	rtg_preview_styled(f, res, RTG_PREVIEW_TRUECOLOR);
}
