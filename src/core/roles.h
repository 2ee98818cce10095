/* roles.h - map a palette onto theme roles with guaranteed contrast. */
#ifndef RTG_ROLES_H
#define RTG_ROLES_H

#include "colour.h"
#include "cluster.h"

enum rtg_mode { RTG_MODE_AUTO, RTG_MODE_DARK, RTG_MODE_LIGHT };
int rtg_mode_parse(const char *name, enum rtg_mode *out); /* auto|dark|light */
const char *rtg_mode_name(enum rtg_mode m);

/* Minimum WCAG ratios every emitted pair must meet. */
#define RTG_MIN_TEXT 4.5    /* any text */
#define RTG_MIN_UI 3.0      /* borders, highlight border, progress elapsed/thumb, scrollbar thumb/ends */
#define RTG_MIN_TRACK 1.5   /* a bar's decorative track */

struct rtg_swatch {
	struct rtg_rgb8 rgb;
	double share;     /* 0..1 of the image's weight */
	double oklch[3];
};

struct rtg_palette {
	int n;
	struct rtg_swatch sw[RTG_K_MAX]; /* sorted by share, descending */
};

/* Role names are the template placeholders ({{background}} ...). */
enum rtg_role {
	RTG_ROLE_BACKGROUND,     /* background_color */
	RTG_ROLE_SURFACE,        /* header/modal backgrounds, close to background */
	RTG_ROLE_TEXT,           /* body text (>= 4.5 on background and surface) */
	RTG_ROLE_MUTED,          /* secondary text, inactive tabs (>= 4.5) */
	RTG_ROLE_ACCENT,         /* main accent, used as text (>= 4.5) */
	RTG_ROLE_ACCENT2,        /* second accent (>= 4.5) */
	RTG_ROLE_ACCENT3,        /* third accent (>= 4.5) */
	RTG_ROLE_SELECTION_BG,   /* highlighted item background */
	RTG_ROLE_SELECTION_FG,   /* text on selection_bg (>= 4.5) */
	RTG_ROLE_BORDER,         /* borders (>= 3 on background) */
	RTG_ROLE_BORDER_ACTIVE,  /* highlight border, scrollbar thumb (>= 3) */
	RTG_ROLE_PROGRESS_ELAPSED, /* progress elapsed + thumb (>= 3) */
	RTG_ROLE_PROGRESS_TRACK, /* progress/scrollbar track (>= 1.5) */
	RTG_ROLE_INFO,           /* level styles keep conventional hues, >= 4.5 */
	RTG_ROLE_WARN,
	RTG_ROLE_ERROR,
	RTG_ROLE_DEBUG,
	RTG_ROLE_TRACE,
	RTG_ROLE_COUNT
};

const char *rtg_role_name(enum rtg_role r);
int rtg_role_lookup(const char *name, size_t len); /* role index or -1 */

struct rtg_roles {
	struct rtg_rgb8 c[RTG_ROLE_COUNT];
	enum rtg_mode mode; /* resolved: DARK or LIGHT */
};

/* Palette from k-means centroids (already decoded to sRGB). */
/* Assigns every role.  An empty palette (n == 0) gives a neutral theme. */
int rtg_roles_assign(const struct rtg_palette *pal, enum rtg_mode mode,
                     struct rtg_roles *out, char *err);

#endif
