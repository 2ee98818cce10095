/* render-fuzzer.c - rtg_render with the input as the template.
 *
 * Invariants, from the rules in render.h:
 *   - the status is 0, RTG_ERR_TEMPLATE or RTG_ERR_LIMIT, and does not
 *     depend on the colours (a second set of roles gives the same status);
 *   - a failure names the template and a line that exists;
 *   - lines are kept: the output has as many newlines as the template;
 *   - the output is a C string of the returned length;
 *   - a template without "{{" comes back unchanged;
 *   - no placeholder survives: in "{{...{{" only the last two braces open a
 *     placeholder, so every run of two or more braces in the output is
 *     followed by an expanded value ("#rrggbb", quoted or not, "R, G, B",
 *     dark or light), never by anything the template wrote. */
#include "config.h"

#include "colour.h"
#include "fuzz.h"
#include "render.h"
#include "roles.h"
#include "status.h"

static const char NAME[] = "fuzz.tmpl";

static void
make_roles(struct rtg_roles *r, struct rtg_palette *p, unsigned seed)
{
	memset(r, 0, sizeof *r);
	memset(p, 0, sizeof *p);
	for (int i = 0; i < RTG_ROLE_COUNT; i++) {
		unsigned v = (unsigned)i * 2654435761u + seed;
		r->c[i] = (struct rtg_rgb8){ (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16) };
	}
	r->mode = seed & 1 ? RTG_MODE_LIGHT : RTG_MODE_DARK;
	p->n = 3 + (int)(seed % 5);
	for (int i = 0; i < p->n; i++) {
		unsigned v = (unsigned)i * 40503u + seed * 7u;
		p->sw[i].rgb = (struct rtg_rgb8){ (uint8_t)(v >> 3), (uint8_t)(v >> 9), (uint8_t)v };
		p->sw[i].share = 1.0 / p->n;
	}
}

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Length of the expanded value at s (0 if there is none). */
static size_t
value_len(const char *s, size_t n)
{
	if (n >= 9 && s[0] == '"' && s[1] == '#' && s[8] == '"') {
		for (int i = 2; i < 8; i++)
			if (!is_hex(s[i]))
				return 0;
		return 9;
	}
	if (n >= 7 && s[0] == '#') {
		for (int i = 1; i < 7; i++)
			if (!is_hex(s[i]))
				return 0;
		return 7;
	}
	if (n >= 4 && memcmp(s, "dark", 4) == 0)
		return 4;
	if (n >= 5 && memcmp(s, "light", 5) == 0)
		return 5;
	if (n > 0 && s[0] >= '0' && s[0] <= '9') {
		/* "R, G, B" */
		size_t i = 0;
		for (int k = 0; k < 3; k++) {
			size_t d = 0;
			while (i < n && s[i] >= '0' && s[i] <= '9' && d < 3)
				i++, d++;
			if (d == 0)
				return 0;
			if (k < 2) {
				if (i + 2 > n || s[i] != ',' || s[i + 1] != ' ')
					return 0;
				i += 2;
			}
		}
		return i;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	struct rtg_roles roles, roles2;
	struct rtg_palette pal, pal2;
	char err[RTG_ERRLEN] = "", err2[RTG_ERRLEN] = "";
	char *out = NULL, *out2 = NULL;
	size_t outlen = 0, outlen2 = 0, nl_in = 0, nl_out = 0;
	int st, st2;

	make_roles(&roles, &pal, 0x9e3779b9u);
	make_roles(&roles2, &pal2, 0x12345u);

	st = rtg_render(t, size, NAME, &roles, &pal, &out, &outlen, err);
	st2 = rtg_render(t, size, NAME, &roles2, &pal2, &out2, &outlen2, err2);
	FUZZ_ASSERT(st == st2, "status %d with one set of colours, %d with another", st, st2);
	for (size_t i = 0; i < size; i++)
		nl_in += t[i] == '\n';

	if (st != RTG_OK) {
		long line;
		char *end;

		fuzz_check_failure(st, err, sizeof err);
		FUZZ_ASSERT(st == RTG_ERR_TEMPLATE || st == RTG_ERR_LIMIT, "status %d (%s)", st, err);
		FUZZ_ASSERT(out == NULL && outlen == 0 && out2 == NULL, "output after a failure");
		FUZZ_ASSERT(strcmp(err, err2) == 0, "messages differ: %s / %s", err, err2);
		FUZZ_ASSERT(strncmp(err, NAME, sizeof NAME - 1) == 0 && err[sizeof NAME - 1] == ':',
		            "message does not name the template: %s", err);
		line = strtol(err + sizeof NAME, &end, 10);
		FUZZ_ASSERT(end != err + sizeof NAME && *end == ':' && line >= 1 &&
		            (size_t)line <= nl_in + 1, "line %ld of %zu: %s", line, nl_in + 1, err);
		return 0;
	}
	FUZZ_ASSERT(out != NULL && out[outlen] == '\0' && strlen(out) == outlen,
	            "output of %zu bytes is not a C string of that length", outlen);
	for (size_t i = 0; i < outlen; i++)
		nl_out += out[i] == '\n';
	FUZZ_ASSERT(nl_out == nl_in, "%zu lines in, %zu out", nl_in + 1, nl_out + 1);

	if (size < 2 || memmem(t, size, "{{", 2) == NULL)
		FUZZ_ASSERT(outlen == size && memcmp(out, t, size) == 0,
		            "template without placeholders changed");

	for (size_t i = 0; i + 1 < outlen;) {
		if (out[i] == '{' && out[i + 1] == '{') {
			size_t j = i;
			while (j < outlen && out[j] == '{')
				j++;
			FUZZ_ASSERT(value_len(out + j, outlen - j) > 0,
			            "unexpanded \"{{\" at output byte %zu: %.20s", i, out + i);
			i = j;
		} else {
			i++;
		}
	}
	free(out);
	free(out2);
	return 0;
}
