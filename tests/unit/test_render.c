/* test_render.c - placeholder expansion, errors with lines, limits and the
 * built-in templates. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "status.h"
#include "t.h"

static struct rtg_roles roles;

/* Every role a different, recognisable colour. */
static void
setup_roles(void)
{
	for (int i = 0; i < RTG_ROLE_COUNT; i++) {
		roles.c[i].r = (uint8_t)(0x10 + i * 11);
		roles.c[i].g = (uint8_t)(0xf0 - i * 7);
		roles.c[i].b = (uint8_t)(i * 13 + 1);
	}
	roles.mode = RTG_MODE_DARK;
}

/* Renders text; returns the status, *out the result (caller frees). */
static int
render(const char *text, size_t len, const struct rtg_palette *pal,
       char **out, char *err)
{
	size_t n = 0;
	int rc = rtg_render(text, len, "t.ron", &roles, pal, out, &n, err);

	if (rc == RTG_OK) {
		T_CHECK(*out != NULL && strlen(*out) == n,
		        "output length %zu must match the string", n);
	} else {
		T_CHECK(*out == NULL, "no output on error");
	}
	return rc;
}

/* Expects text to render to want exactly. */
static void
expect(const char *text, const struct rtg_palette *pal, const char *want)
{
	char err[RTG_ERRLEN] = "", *out = NULL;
	int rc = render(text, strlen(text), pal, &out, err);

	T_CHECK(rc == RTG_OK, "render \"%s\": %s", text, err);
	if (rc == RTG_OK)
		T_CHECK(strcmp(out, want) == 0, "\"%s\" -> \"%s\", want \"%s\"",
		        text, out, want);
	free(out);
}

/* Expects text (len bytes, or all of it for (size_t)-1) to fail with status
 * and exactly the message want. */
static void
expect_fail(const char *text, size_t len, int status, const char *want)
{
	char err[RTG_ERRLEN] = "", *out = NULL;
	int rc = render(text, len == (size_t)-1 ? strlen(text) : len, NULL, &out, err);

	T_CHECK(rc == status, "status %d, want %d (%s)", rc, status, err);
	T_CHECK(strcmp(err, want) == 0, "message \"%s\", want \"%s\"", err, want);
	free(out);
}

static void
test_every_role(void)
{
	for (int i = 0; i < RTG_ROLE_COUNT; i++) {
		const char *name = rtg_role_name((enum rtg_role)i);
		struct rtg_rgb8 c = roles.c[i];
		char tmpl[128], want[128];

		T_CHECK(name != NULL, "role %d has a name", i);
		if (name == NULL)
			continue;
		snprintf(tmpl, sizeof tmpl, "x: {{%s}},\n", name);
		snprintf(want, sizeof want, "x: \"#%02x%02x%02x\",\n", c.r, c.g, c.b);
		expect(tmpl, NULL, want);
		snprintf(tmpl, sizeof tmpl, "{{%s.hex}}", name);
		snprintf(want, sizeof want, "#%02x%02x%02x", c.r, c.g, c.b);
		expect(tmpl, NULL, want);
		snprintf(tmpl, sizeof tmpl, "rgb({{%s.rgb}})", name);
		snprintf(want, sizeof want, "rgb(%u, %u, %u)", c.r, c.g, c.b);
		expect(tmpl, NULL, want);
		/* whitespace inside the braces */
		snprintf(tmpl, sizeof tmpl, "{{ \t%s.hex  }}", name);
		snprintf(want, sizeof want, "#%02x%02x%02x", c.r, c.g, c.b);
		expect(tmpl, NULL, want);
	}
}

static void
test_palette_and_mode(void)
{
	struct rtg_palette pal;
	const struct rtg_rgb8 bg = roles.c[RTG_ROLE_BACKGROUND];
	char want[64];

	memset(&pal, 0, sizeof pal);
	pal.n = 2;
	pal.sw[0].rgb = (struct rtg_rgb8){ 0xab, 0xcd, 0xef };
	pal.sw[1].rgb = (struct rtg_rgb8){ 1, 2, 3 };
	expect("{{palette0}}", &pal, "\"#abcdef\"");
	expect("{{palette1.hex}}|{{ palette1.rgb }}", &pal, "#010203|1, 2, 3");
	/* shorter palette: the background stands in */
	snprintf(want, sizeof want, "\"#%02x%02x%02x\" %u, %u, %u",
	         bg.r, bg.g, bg.b, bg.r, bg.g, bg.b);
	expect("{{palette2}} {{palette63.rgb}}", &pal, want);
	expect("{{palette0}} {{palette999.rgb}}", NULL, want);

	expect("mode: {{mode}}", NULL, "mode: dark");
	roles.mode = RTG_MODE_LIGHT;
	expect("mode: {{ mode }}", NULL, "mode: light");
	roles.mode = RTG_MODE_DARK;
}

static void
test_plain_text(void)
{
	char err[RTG_ERRLEN], *out = NULL;
	size_t n = 99;

	expect("", NULL, "");
	expect("no placeholders: { } }} {a} \"{\"", NULL,
	       "no placeholders: { } }} {a} \"{\"");
	/* a third brace is literal, so a map may open right before one */
	snprintf(err, sizeof err, "{\"#%02x%02x%02x\"}", roles.c[RTG_ROLE_ACCENT].r,
	         roles.c[RTG_ROLE_ACCENT].g, roles.c[RTG_ROLE_ACCENT].b);
	expect("{{{accent}}}", NULL, err);
	/* non-ASCII passes through untouched */
	expect("symbols: [\"\xe2\x96\x81\"] {{mode}}", NULL,
	       "symbols: [\"\xe2\x96\x81\"] dark");

	T_CHECK(rtg_render(NULL, 0, "t", &roles, NULL, &out, &n, err) == RTG_OK &&
	        out != NULL && n == 0, "NULL, 0 is an empty template");
	free(out);
	out = NULL;
	T_CHECK(rtg_render("x", 1, "t", NULL, NULL, &out, &n, err) == RTG_ERR_ARG,
	        "roles are required");
}

static void
test_errors(void)
{
	static const char nul[] = "a\nb{{text}}\0c\n";

	expect_fail("a: 1,\nb: 2,\n  c: {{acent}},\n", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:3: unknown placeholder {{acent}}");
	expect_fail("{{accent.hsl}}", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:1: unknown placeholder {{accent.hsl}}");
	expect_fail("\n{{ mode.hex }}", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:2: unknown placeholder {{mode.hex}}");
	expect_fail("{{palette}}", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:1: unknown placeholder {{palette}}");
	expect_fail("{{palette1x}}", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:1: unknown placeholder {{palette1x}}");
	expect_fail("{{palette1234}}", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:1: unknown placeholder {{palette1234}}");
	expect_fail("{{ }}", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:1: unknown placeholder {{}}");
	expect_fail("{{Accent}}", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:1: unknown placeholder {{Accent}}");
	/* the placeholder must close on its own line */
	expect_fail("x\ny: {{accent\n}}\n", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:2: unterminated {{");
	expect_fail("x: {{accent}", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:1: unterminated {{");
	expect_fail("x: {{", (size_t)-1, RTG_ERR_TEMPLATE, "t.ron:1: unterminated {{");
	/* an error after valid placeholders still names its own line */
	expect_fail("{{text}}\n{{muted}}\n\n{{bogus}}", (size_t)-1, RTG_ERR_TEMPLATE,
	            "t.ron:4: unknown placeholder {{bogus}}");
	expect_fail(nul, sizeof nul - 1, RTG_ERR_TEMPLATE,
	            "t.ron:2: NUL byte in template");
}

static void
test_size_limit(void)
{
	size_t n = RTG_TEMPLATE_MAX_BYTES + 1;
	char *big = malloc(n), err[RTG_ERRLEN], *out = NULL;
	size_t outlen = 0;

	T_CHECK(big != NULL, "malloc");
	if (big == NULL)
		return;
	memset(big, ' ', n);
	memcpy(big, "{{text}}", 8);
	T_CHECK(rtg_render(big, n, "big", &roles, NULL, &out, &outlen, err) ==
	        RTG_ERR_LIMIT, "one byte over the limit fails: %s", err);
	T_CHECK(out == NULL, "nothing allocated");
	T_CHECK(rtg_render(big, n - 1, "big", &roles, NULL, &out, &outlen, err) ==
	        RTG_OK, "exactly the limit renders: %s", err);
	/* "{{text}}" (8) became a 9-byte string */
	T_CHECK(outlen == n - 1 + 1, "output %zu bytes", outlen);
	free(out);
	free(big);
}

/* Reads a whole file, or returns NULL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		if (*len != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static void
test_builtins(void)
{
	static const struct {
		const char *name;
		enum rtg_builtin_template t;
	} names[] = {
		{ "rmpc-0.11", RTG_TEMPLATE_RMPC_0_11 }, { "0.11", RTG_TEMPLATE_RMPC_0_11 },
		{ "default", RTG_TEMPLATE_RMPC_0_11 }, { "RMPC-0.11", RTG_TEMPLATE_RMPC_0_11 },
		{ "rmpc-0.10", RTG_TEMPLATE_RMPC_0_10 }, { "0.10", RTG_TEMPLATE_RMPC_0_10 },
		{ "0.9", RTG_TEMPLATE_RMPC_0_10 },
	};
	static const char *const files[RTG_TEMPLATE_COUNT] = {
		[RTG_TEMPLATE_RMPC_0_11] = "rmpc-0.11.ron",
		[RTG_TEMPLATE_RMPC_0_10] = "rmpc-0.10.ron",
	};
	const char *srcdir = getenv("top_srcdir");
	enum rtg_builtin_template t;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		t = RTG_TEMPLATE_COUNT;
		T_CHECK(rtg_template_builtin_parse(names[i].name, &t) == RTG_OK &&
		        t == names[i].t, "parse %s", names[i].name);
	}
	T_CHECK(rtg_template_builtin_parse("0.8", &t) == RTG_ERR_ARG, "0.8 unknown");
	T_CHECK(rtg_template_builtin_parse("", &t) == RTG_ERR_ARG, "empty unknown");
	T_CHECK(rtg_template_builtin_parse(NULL, &t) == RTG_ERR_ARG, "NULL");
	T_CHECK(rtg_template_builtin_name(RTG_TEMPLATE_COUNT) == NULL, "no name");
	T_CHECK(rtg_template_builtin_text(RTG_TEMPLATE_COUNT, NULL) == NULL, "no text");

	for (int i = 0; i < RTG_TEMPLATE_COUNT; i++) {
		size_t len = 0, flen = 0, outlen = 0;
		const char *text = rtg_template_builtin_text((enum rtg_builtin_template)i, &len);
		const char *name = rtg_template_builtin_name((enum rtg_builtin_template)i);
		char err[RTG_ERRLEN] = "", *out = NULL, path[4096], *file;
		int lines_in = 0, lines_out = 0;

		T_CHECK(text != NULL && len > 1000 && strlen(text) == len,
		        "%s embedded, %zu bytes", name, len);
		T_CHECK(rtg_template_builtin_parse(name, &t) == RTG_OK && (int)t == i,
		        "%s parses back", name);
		if (text == NULL)
			continue;
		/* embed.sh must reproduce the file byte for byte */
		if (srcdir != NULL) {
			snprintf(path, sizeof path, "%s/conf/templates/%s", srcdir, files[i]);
			file = slurp(path, &flen);
			T_CHECK(file != NULL, "read %s", path);
			if (file != NULL)
				T_CHECK(flen == len && memcmp(file, text, len) == 0,
				        "%s embedded = file (%zu vs %zu bytes)", name, len, flen);
			free(file);
		}
		/* every role is used, and everything expands */
		for (int r = 0; r < RTG_ROLE_COUNT; r++) {
			char ph[64];

			snprintf(ph, sizeof ph, "{{%s}}", rtg_role_name((enum rtg_role)r));
			T_CHECK(strstr(text, ph) != NULL, "%s uses %s", name, ph);
		}
		T_CHECK(rtg_render(text, len, name, &roles, NULL, &out, &outlen, err) ==
		        RTG_OK, "%s renders: %s", name, err);
		if (out == NULL)
			continue;
		T_CHECK(strstr(out, "{{") == NULL, "%s: nothing left unexpanded", name);
		for (size_t k = 0; k < len; k++)
			lines_in += text[k] == '\n';
		for (size_t k = 0; k < outlen; k++)
			lines_out += out[k] == '\n';
		T_CHECK(lines_in == lines_out, "%s: lines kept (%d vs %d)", name,
		        lines_in, lines_out);
		free(out);
	}
}

int
main(void)
{
	setup_roles();
	test_every_role();
	test_palette_and_mode();
	test_plain_text();
	test_errors();
	test_size_limit();
	test_builtins();
	return t_done();
}
