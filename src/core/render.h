/* render.h - expand a theme template with role colours.
 *
 * Placeholder syntax (documented in the man page):
 *   {{ROLE}}          "#rrggbb" including the double quotes (a RON string)
 *   {{ROLE.hex}}      #rrggbb without quotes
 *   {{ROLE.rgb}}      R, G, B decimal (0..255)
 *   {{paletteN}}      N-th palette colour (0 = most common), same suffixes;
 *                     falls back to the background when the palette is shorter
 *   {{mode}}          dark | light
 * ROLE is a name from rtg_role_name().  Whitespace inside braces is allowed.
 * A placeholder closes on its own line.  In "{{{" the first brace is plain
 * text, so "{{{accent}}}" gives "{" + value + "}" (a RON map may open there).
 * An unknown placeholder or an unterminated "{{" fails with NAME:LINE
 * (RTG_ERR_TEMPLATE); a template over RTG_TEMPLATE_MAX_BYTES with
 * RTG_ERR_LIMIT, a NUL byte with RTG_ERR_TEMPLATE.  Lines are kept: line N
 * of the output is line N of the template. */
#ifndef RTG_RENDER_H
#define RTG_RENDER_H

#include <stddef.h>

#include "roles.h"

#define RTG_TEMPLATE_MAX_BYTES (1024u * 1024) /* user template size limit */

enum rtg_builtin_template {
	RTG_TEMPLATE_RMPC_0_11, /* complete rmpc 0.11 theme (default) */
	RTG_TEMPLATE_RMPC_0_10, /* rmpc 0.9/0.10: no 0.11 enum variants */
	RTG_TEMPLATE_COUNT
};

/* "rmpc-0.11" / "0.11" / "default", "rmpc-0.10" / "0.10" / "0.9" */
int rtg_template_builtin_parse(const char *name, enum rtg_builtin_template *out);
const char *rtg_template_builtin_name(enum rtg_builtin_template t);
const char *rtg_template_builtin_text(enum rtg_builtin_template t, size_t *len);

/* Renders tmpl into a malloc'd NUL-terminated *out (length *outlen).  name is
 * used in messages ("theme.tmpl:12: unknown placeholder {{acent}}"). */
int rtg_render(const char *tmpl, size_t len, const char *name,
               const struct rtg_roles *roles, const struct rtg_palette *pal,
               char **out, size_t *outlen, char *err);

#endif
