/* theme.c - rtg_theme_check(): parse a rendered rmpc theme (RON, ron.c),
 * then check rmpc's shape rules (theme_rules.c) and audit the contrast of
 * every foreground/background pair it emits (theme_audit.c); the walks and
 * their order are described in theme_internal.h. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "theme_internal.h"

int
rtg_theme_fail(struct rtg_theme_ctx *c, int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = rtg_ron_verror(c->err, c->name, line, fmt, ap);
	va_end(ap);
	return rc;
}

void
rtg_theme_show(const char *s, size_t n, char out[32])
{
	size_t i;

	for (i = 0; i < n && i < 24; i++)
		out[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
	if (n > 24) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

int
rtg_theme_check(const char *text, size_t len, const char *name,
                struct rtg_audit *audit, char *err)
{
	struct rtg_ron_doc doc = { NULL, NULL };
	struct rtg_theme_ctx *c = NULL;
	int rc;

	if (name == NULL)
		name = "theme";
	if (audit != NULL) {
		audit->n = 0;
		audit->failures = 0;
	}
	if (text == NULL && len > 0)
		return rtg_fail(err, RTG_ERR_ARG, "rtg_theme_check: no text");
	if (len > RTG_THEME_MAX_BYTES)
		return rtg_fail(err, RTG_ERR_THEME, "%s: theme is %zu bytes, the "
		                "limit is %u", name, len, RTG_THEME_MAX_BYTES);
	if ((rc = rtg_ron_parse(text, len, name, &doc, err)) != RTG_OK)
		goto out;

	/* the component tables make it too big for the stack */
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		rc = rtg_fail(err, RTG_ERR_NOMEM, "%s: out of memory", name);
		goto out;
	}
	c->name = name;
	c->err = err;
	c->audit = audit;
	c->root = rtg_ron_unwrap(doc.root);
	if (c->root->kind != RTG_RON_STRUCT) {
		rc = rtg_theme_fail(c, c->root->line, "a theme is a struct: ( ... )");
		goto out;
	}
	if ((rc = rtg_theme_rules_formats(c)) != RTG_OK ||
	    (rc = rtg_theme_rules_shape(c)) != RTG_OK ||
	    (rc = rtg_theme_audit_root(c)) != RTG_OK ||
	    (rc = rtg_theme_audit_styles(c)) != RTG_OK)
		goto out;
	if (c->failures > 0)
		rc = rtg_fail(err, RTG_ERR_CONTRAST, "%s", c->first);
out:
	free(c);
	rtg_ron_free(&doc);
	return rc;
}
