/* render.c - expand a theme template with role colours.
 *
 * One scanner serves two passes: the first validates every placeholder and
 * adds up the output size, the second writes into a buffer of exactly that
 * size.  So a bad template fails before anything is allocated, and the size
 * of the output is known (and checked) before the allocation.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "status.h"

/* Defined in the generated templates.c (tools/embed.sh). */
extern const char rtg_tmpl_rmpc_0_11[];
extern const size_t rtg_tmpl_rmpc_0_11_len;
extern const char rtg_tmpl_rmpc_0_10[];
extern const size_t rtg_tmpl_rmpc_0_10_len;

/* Longest placeholder text echoed back in an error message. */
#define SHOW_MAX 40
/* Longest expansion: "255, 255, 255". */
#define VALUE_MAX 16

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
same_nocase(const char *a, const char *b)
{
	while (*a && *b && lower((unsigned char)*a) == lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

int
rtg_template_builtin_parse(const char *name, enum rtg_builtin_template *out)
{
	static const struct {
		const char *name;
		enum rtg_builtin_template t;
	} names[] = {
		{ "rmpc-0.11", RTG_TEMPLATE_RMPC_0_11 },
		{ "0.11", RTG_TEMPLATE_RMPC_0_11 },
		{ "default", RTG_TEMPLATE_RMPC_0_11 },
		{ "rmpc-0.10", RTG_TEMPLATE_RMPC_0_10 },
		{ "0.10", RTG_TEMPLATE_RMPC_0_10 },
		{ "rmpc-0.9", RTG_TEMPLATE_RMPC_0_10 },
		{ "0.9", RTG_TEMPLATE_RMPC_0_10 },
	};

	if (name == NULL)
		return RTG_ERR_ARG;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (same_nocase(name, names[i].name)) {
			if (out != NULL)
				*out = names[i].t;
			return RTG_OK;
		}
	}
	return RTG_ERR_ARG;
}

const char *
rtg_template_builtin_name(enum rtg_builtin_template t)
{
	switch (t) {
	case RTG_TEMPLATE_RMPC_0_11: return "rmpc-0.11";
	case RTG_TEMPLATE_RMPC_0_10: return "rmpc-0.10";
	default: return NULL;
	}
}

const char *
rtg_template_builtin_text(enum rtg_builtin_template t, size_t *len)
{
	const char *text = NULL;
	size_t n = 0;

	switch (t) {
	case RTG_TEMPLATE_RMPC_0_11:
		text = rtg_tmpl_rmpc_0_11;
		n = rtg_tmpl_rmpc_0_11_len;
		break;
	case RTG_TEMPLATE_RMPC_0_10:
		text = rtg_tmpl_rmpc_0_10;
		n = rtg_tmpl_rmpc_0_10_len;
		break;
	default:
		break;
	}
	if (len != NULL)
		*len = n;
	return text;
}

/* ---- placeholders ------------------------------------------------------ */

enum ph_kind { PH_ROLE, PH_PALETTE, PH_MODE };
enum ph_form { FORM_QUOTED, FORM_HEX, FORM_RGB };

struct placeholder {
	enum ph_kind kind;
	int index; /* role or palette index */
	enum ph_form form;
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Parses the text between the braces; 0 on success, -1 if unknown. */
static int
placeholder_parse(const char *s, size_t n, struct placeholder *ph)
{
	const char *dot;
	size_t nlen;

	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n == 0)
		return -1;

	dot = memchr(s, '.', n);
	nlen = dot != NULL ? (size_t)(dot - s) : n;
	ph->form = FORM_QUOTED;
	if (dot != NULL) {
		size_t slen = n - nlen - 1;

		if (slen == 3 && memcmp(dot + 1, "hex", 3) == 0)
			ph->form = FORM_HEX;
		else if (slen == 3 && memcmp(dot + 1, "rgb", 3) == 0)
			ph->form = FORM_RGB;
		else
			return -1;
	}

	if (nlen == 4 && memcmp(s, "mode", 4) == 0) {
		if (dot != NULL)
			return -1; /* a mode has no colour forms */
		ph->kind = PH_MODE;
		ph->index = 0;
		return 0;
	}
	/* paletteN: N decimal, at most three digits (RTG_K_MAX is 64; larger
	 * indices are legal and fall back like any missing entry). */
	if (nlen > 7 && nlen <= 10 && memcmp(s, "palette", 7) == 0) {
		int v = 0;

		for (size_t i = 7; i < nlen; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v * 10 + (s[i] - '0');
		}
		ph->kind = PH_PALETTE;
		ph->index = v;
		return 0;
	}
	ph->index = rtg_role_lookup(s, nlen);
	if (ph->index < 0)
		return -1;
	ph->kind = PH_ROLE;
	return 0;
}

/* Writes the expansion into buf (VALUE_MAX bytes); returns its length. */
static size_t
placeholder_value(const struct placeholder *ph, const struct rtg_roles *roles,
                  const struct rtg_palette *pal, char *buf)
{
	struct rtg_rgb8 c;
	char hex[8];
	int n;

	if (ph->kind == PH_MODE) {
		/* roles carry the resolved mode; anything but light is dark */
		n = snprintf(buf, VALUE_MAX, "%s",
		             roles->mode == RTG_MODE_LIGHT ? "light" : "dark");
		return (size_t)n;
	}
	if (ph->kind == PH_ROLE)
		c = roles->c[ph->index];
	else if (pal != NULL && ph->index < pal->n && ph->index < RTG_K_MAX)
		c = pal->sw[ph->index].rgb;
	else
		c = roles->c[RTG_ROLE_BACKGROUND];

	switch (ph->form) {
	case FORM_HEX:
		rtg_rgb8_hex(c, hex);
		n = snprintf(buf, VALUE_MAX, "%s", hex);
		break;
	case FORM_RGB:
		n = snprintf(buf, VALUE_MAX, "%u, %u, %u", c.r, c.g, c.b);
		break;
	default:
		rtg_rgb8_hex(c, hex);
		n = snprintf(buf, VALUE_MAX, "\"%s\"", hex);
		break;
	}
	return (size_t)n;
}

/* Copies s (n bytes) for an error message: at most SHOW_MAX bytes, control
 * characters shown as '?'. */
static void
show(const char *s, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n && i < SHOW_MAX; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (n > SHOW_MAX) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

/* One pass over the template.  With out == NULL it only validates and
 * counts; otherwise it writes.  *size receives the output length. */
static int
expand(const char *t, size_t len, const char *name,
       const struct rtg_roles *roles, const struct rtg_palette *pal,
       char *out, size_t *size, char *err)
{
	size_t i = 0, o = 0;
	int line = 1;

	while (i < len) {
		char c = t[i];

		if (c == '{' && i + 1 < len && t[i + 1] == '{' &&
		    !(i + 2 < len && t[i + 2] == '{')) {
			/* A placeholder ends on its own line: a missing "}}"
			 * is reported where the "{{" is, not lines later. */
			size_t j = i + 2;
			struct placeholder ph;
			char val[VALUE_MAX], shown[SHOW_MAX + 4];
			size_t vlen;

			while (j + 1 < len && t[j] != '\n' &&
			       !(t[j] == '}' && t[j + 1] == '}'))
				j++;
			if (j + 1 >= len || t[j] == '\n')
				return rtg_fail(err, RTG_ERR_TEMPLATE,
				                "%s:%d: unterminated {{", name, line);
			if (placeholder_parse(t + i + 2, j - i - 2, &ph) != 0) {
				size_t a = i + 2, b = j;

				while (a < b && is_space(t[a]))
					a++;
				while (b > a && is_space(t[b - 1]))
					b--;
				show(t + a, b - a, shown);
				return rtg_fail(err, RTG_ERR_TEMPLATE,
				                "%s:%d: unknown placeholder {{%s}}",
				                name, line, shown);
			}
			vlen = placeholder_value(&ph, roles, pal, val);
			if (out != NULL)
				memcpy(out + o, val, vlen);
			o += vlen;
			i = j + 2;
			continue;
		}
		if (c == '\n')
			line++;
		if (out != NULL)
			out[o] = c;
		o++;
		i++;
	}
	*size = o;
	return RTG_OK;
}

int
rtg_render(const char *tmpl, size_t len, const char *name,
           const struct rtg_roles *roles, const struct rtg_palette *pal,
           char **out, size_t *outlen, char *err)
{
	const char *nul;
	size_t size = 0, size2 = 0;
	char *buf;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (name == NULL)
		name = "template";
	if ((tmpl == NULL && len > 0) || roles == NULL || out == NULL)
		return rtg_fail(err, RTG_ERR_ARG, "rtg_render: missing argument");
	if (len > RTG_TEMPLATE_MAX_BYTES)
		return rtg_fail(err, RTG_ERR_LIMIT,
		                "%s: template is %zu bytes, the limit is %u",
		                name, len, (unsigned)RTG_TEMPLATE_MAX_BYTES);
	/* A NUL would cut the theme short for any C reader downstream. */
	if (len > 0 && (nul = memchr(tmpl, '\0', len)) != NULL) {
		int line = 1;

		for (const char *p = tmpl; p < nul; p++)
			line += *p == '\n';
		return rtg_fail(err, RTG_ERR_TEMPLATE, "%s:%d: NUL byte in template",
		                name, line);
	}

	rc = expand(tmpl, len, name, roles, pal, NULL, &size, err);
	if (rc != RTG_OK)
		return rc;
	/* Every placeholder is at least 4 bytes and expands to at most
	 * VALUE_MAX - 1, so size is bounded by 4 * len: no overflow. */
	buf = malloc(size + 1);
	if (buf == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "%s: out of memory", name);
	rc = expand(tmpl, len, name, roles, pal, buf, &size2, err);
	if (rc != RTG_OK || size2 != size) {
		free(buf);
		return rc != RTG_OK ? rc : rtg_fail(err, RTG_ERR_TEMPLATE,
		                                    "%s: inconsistent expansion", name);
	}
	buf[size] = '\0';
	*out = buf;
	if (outlen != NULL)
		*outlen = size;
	return RTG_OK;
}
