/* theme_internal.h - what the parts of rtg_theme_check() share: the state
 * of one check and the walks over the RON tree (ron.h), in the order
 * theme.c runs them:
 *   1. theme_rules.c: every colour string is "#rrggbb", every modifier list
 *      is known and has no Dim, every borders flag list is known; pane
 *      backgrounds are noted;
 *   2. theme_rules.c: the shapes rmpc rejects or crashes on (see theme.h);
 *   3. theme_audit.c: the backgrounds and text_color, the cava bars, then
 *      every style (a struct with an fg or bg field) become audited pairs,
 *      with the minimum chosen by the field that holds the style. */
#ifndef RTG_THEME_INTERNAL_H
#define RTG_THEME_INTERNAL_H

#include <stddef.h>

#include "colour.h"
#include "ron.h"
#include "status.h"
#include "theme.h"

#define THEME_MAX_COMPONENTS 1024 /* entries of the components map */
#define THEME_MAX_BACKGROUNDS 8   /* distinct backgrounds a bg-less style meets */
#define THEME_PATH_BUF 512

struct rtg_theme_ctx {
	const char *name;
	char *err;
	struct rtg_audit *audit;
	const struct rtg_ron *root, *components;
	struct rtg_rgb8 bgs[THEME_MAX_BACKGROUNDS];
	int nbg;
	struct rtg_rgb8 text;
	char path[THEME_PATH_BUF];
	size_t plen;
	size_t pairs, failures;
	char first[RTG_ERRLEN];
	/* components: resolution state, for cycles and repeated use */
	const struct rtg_ron *comp[THEME_MAX_COMPONENTS];
	int comp_state[THEME_MAX_COMPONENTS]; /* 0 new, 1 resolving, 2 done */
	int comp_count[THEME_MAX_COMPONENTS]; /* Pane(TabContent) inside */
	size_t ncomp;
};

/* theme.c: "NAME:LINE: message" (RTG_ERR_THEME); a text for a message, at
 * most 24 bytes of s, controls as '?', "..." after a longer one. */
int rtg_theme_fail(struct rtg_theme_ctx *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rtg_theme_show(const char *s, size_t n, char out[32]);

/* theme_rules.c: walks 1 and 2; a colour that must be "#rrggbb" (what names
 * it in the message); a background a bg-less style may be drawn on. */
int rtg_theme_rules_formats(struct rtg_theme_ctx *c);
int rtg_theme_rules_shape(struct rtg_theme_ctx *c);
int rtg_theme_rules_colour(struct rtg_theme_ctx *c, const struct rtg_ron *v,
                           const char *what, struct rtg_rgb8 *out);
int rtg_theme_rules_background(struct rtg_theme_ctx *c, struct rtg_rgb8 bg,
                               int line);

/* theme_audit.c: walk 3, the root's colours first. */
int rtg_theme_audit_root(struct rtg_theme_ctx *c);
int rtg_theme_audit_styles(struct rtg_theme_ctx *c);

#endif
