/* theme.h - parse a rendered rmpc theme (RON), check rmpc's shape rules and
 * audit the contrast of every foreground/background pair it emits.
 *
 * Shape rules (rmpc 0.9-0.11, see RMPC.md): browser_column_widths >= 3
 * entries; progress_bar.symbols 3 or 5 strings; scrollbar.symbols >= 4
 * strings (or scrollbar: None); symbols has song, dir, marker; layout holds
 * exactly one Pane(TabContent); cava.bar_symbols are chars; colours are
 * "#rrggbb" only (no names, indices, rgb(), no "Dim" modifier).
 *
 * Contrast: a style with fg and bg is judged on its own bg; a style without
 * bg against every background it can be drawn on (background_color and,
 * where set, header/modal background and any pane background_color); a
 * style with only a bg by text_color on it.  background_color and
 * text_color must be set: without them the contrast of plain text depends
 * on the terminal.  Minimums, by the name of the field holding the style:
 * RTG_MIN_TRACK for track_style (progress bar, scrollbar, volume slider);
 * RTG_MIN_UI for borders_style, highlight_border_style, border_style,
 * border_active_style, elapsed_style, thumb_style, ends_style, filled_style
 * and cava.bar_color; RTG_MIN_TEXT for every other style and text_color. */
#ifndef RTG_THEME_H
#define RTG_THEME_H

#include <stddef.h>

#include "colour.h"

#define RTG_THEME_MAX_BYTES (4u * 1024 * 1024) /* rendered theme size limit */
#define RTG_THEME_MAX_DEPTH 64                 /* RON nesting limit */
#define RTG_THEME_MAX_NODES 200000u            /* RON values limit */
#define RTG_THEME_MAX_PAIRS 65536u             /* audited pairs limit */

struct rtg_audit_pair {
	char path[96];        /* e.g. "level_styles.warn", "layout...border_style" */
	int line;             /* line in the rendered theme */
	struct rtg_rgb8 fg, bg;
	double ratio, min;
};

struct rtg_audit {
	size_t n, cap;
	struct rtg_audit_pair *pairs;
	size_t failures;
};

/* Returns 0, RTG_ERR_THEME (syntax or shape, message "NAME:LINE: ..."),
 * RTG_ERR_CONTRAST (first failing pair in the message; audit filled), or
 * RTG_ERR_NOMEM.  audit may be NULL; if not, it must be zeroed or come from
 * an earlier call: its pairs are replaced (n and failures reset) and it must
 * be released with rtg_audit_free() whatever the result. */
int rtg_theme_check(const char *text, size_t len, const char *name,
                    struct rtg_audit *audit, char *err);
void rtg_audit_free(struct rtg_audit *a);

#endif
