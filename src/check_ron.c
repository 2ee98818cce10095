/* check_ron.c - rmpc-theme-gen --check: a small scanner for rmpc's
 * config.ron.  It follows RON's lexical rules (strings, raw strings, char
 * literals, nested block comments) far enough to match brackets and to read
 * the outermost struct's `theme` and `enable_config_hot_reload` and the
 * #![enable(implicit_some)] attribute; it is no RON parser. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check_internal.h"

static const char *skip_space(const char *p, const char *end, int *line)
{
	while (p < end) {
		if (*p == '\n') {
			(*line)++;
			p++;
		} else if (isspace((unsigned char)*p)) {
			p++;
		} else if (p + 1 < end && p[0] == '/' && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
		} else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
			/* block comments nest in RON, as in Rust */
			size_t nest = 1;
			p += 2;
			while (p < end && nest > 0) {
				if (p + 1 < end && p[0] == '/' && p[1] == '*') {
					nest++;
					p += 2;
				} else if (p + 1 < end && p[0] == '*' && p[1] == '/') {
					nest--;
					p += 2;
				} else {
					if (*p == '\n')
						(*line)++;
					p++;
				}
			}
		} else {
			break;
		}
	}
	return p;
}

/* Reads a "..." string at p into out (escapes \" and \\ only: enough for
 * a name or path); returns the position after it, or NULL. */
static const char *read_string(const char *p, const char *end, char *out, size_t cap)
{
	size_t n = 0;

	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		if (n + 1 < cap)
			out[n++] = *p;
	}
	out[n] = '\0';
	return p < end ? p + 1 : NULL;
}

/* Records the first syntax problem only: later ones may follow from it. */
static void bad(struct rmpc_conf *rc, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void bad(struct rmpc_conf *rc, int line, const char *fmt, ...)
{
	va_list ap;

	if (rc->bad[0] != '\0')
		return;
	rc->bad_line = line;
	va_start(ap, fmt);
	vsnprintf(rc->bad, sizeof rc->bad, fmt, ap);
	va_end(ap);
}

/* A raw string r"..." / r#"..."# at p (RON, as Rust): the position after
 * it, or p when there is none; NULL when it never ends. */
static const char *skip_raw_string(const char *p, const char *end)
{
	const char *q = p + 1;
	size_t hashes = 0;

	while (q < end && *q == '#')
		q++, hashes++;
	if (q >= end || *q != '"')
		return p;
	for (q++; q < end; q++) {
		size_t h = 0;
		if (*q != '"')
			continue;
		while (h < hashes && q + 1 + h < end && q[1 + h] == '#')
			h++;
		if (h == hashes)
			return q + 1 + h;
	}
	return NULL;
}

/* A char literal at p ('x', 'é' in UTF-8, '\n', '\u{1F600}'): the
 * position after it, or p when there is none. */
static const char *skip_char(const char *p, const char *end)
{
	const char *q = p + 1;

	if (q < end && *q == '\\') {
		q++;
		if (q < end && *q == 'u' && q + 1 < end && q[1] == '{') {
			const char *close = memchr(q, '}', (size_t)(end - q) < 12 ? (size_t)(end - q) : 12);
			if (close == NULL)
				return p;
			q = close + 1;
		} else if (q < end && *q == 'x') {
			q += 3;
		} else {
			q++;
		}
	} else if (q < end) {
		/* one character: a lead byte and its UTF-8 continuation bytes */
		q++;
		while (q < end && ((unsigned char)*q & 0xC0) == 0x80)
			q++;
	}
	return q < end && *q == '\'' ? q + 1 : p;
}

/* An identifier byte just before p (so that the 'r' of "for" or "br" is
 * not taken for a raw string's, while "br\"" still is one). */
static bool raw_string_start(const char *text, const char *p)
{
	if (p > text && p[-1] == 'b')
		p--;
	return p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
}

void rtg_check_scan_rmpc(const char *text, size_t len, struct rmpc_conf *rc)
{
	/* The open brackets, for matching: rmpc's configs nest a few levels;
	 * deeper ones are counted, not matched. */
	enum { OPEN_MAX = 64 };
	char open_kind[OPEN_MAX];
	int open_line[OPEN_MAX];
	const char *p = text, *end = text + len;
	int depth = 0, line = 1;
	bool top_seen = false, top_done = false;

	memset(rc, 0, sizeof *rc);
	while (p < end) {
		const char *raw = NULL;
		p = skip_space(p, end, &line);
		if (p >= end)
			break;
		/* At the top only #![...] attributes, an optional struct name and
		 * one ( ... ) may stand. */
		if (depth == 0 && (top_done || !(*p == '#' || *p == '!' || *p == '[' || *p == '(' ||
		                                  isalpha((unsigned char)*p) || *p == '_'))) {
			if (top_done)
				bad(rc, line, "text after the config's closing ')'");
			else if (isprint((unsigned char)*p))
				bad(rc, line, "'%c' outside the config's ( ... )", *p);
			else
				bad(rc, line, "byte 0x%02X outside the config's ( ... )",
				    (unsigned char)*p);
			break;
		}
		if (depth == 0 && *p == '#' && p + 1 < end && p[1] == '!') {
			/* an attribute (comments before it were skipped):
			 * #![enable(implicit_some, ...)] */
			const char *close = memchr(p, ']', (size_t)(end - p));
			const char *stop = close != NULL ? close : end;
			const char *en = memmem(p, (size_t)(stop - p), "enable", 6);
			if (en != NULL && memmem(en, (size_t)(stop - en), "implicit_some", 13) != NULL)
				rc->implicit_some = true;
			p++;
		} else if (*p == '\'' && depth > 0) {
			/* a char literal: '(' must not count as a bracket */
			const char *q = skip_char(p, end);
			p = q != p ? q : p + 1;
		} else if (*p == 'r' && depth > 0 && raw_string_start(text, p) &&
		           (raw = skip_raw_string(p, end)) != p) {
			if (raw == NULL) {
				bad(rc, line, "a raw string that never ends");
				break;
			}
			for (; p < raw; p++)
				line += *p == '\n';
		} else if (*p == '"') {
			char tmp[8];
			const char *q = read_string(p, end, tmp, sizeof tmp);
			if (q == NULL) {
				bad(rc, line, "a string that never ends");
				break;
			}
			for (const char *c = p; c < q; c++)
				line += *c == '\n';
			p = q;
		} else if (*p == '(' || *p == '[' || *p == '{') {
			/* a second ( at the top is text after the first one */
			if (depth == 0 && *p == '(')
				top_seen = true;
			if (depth < OPEN_MAX) {
				open_kind[depth] = *p;
				open_line[depth] = line;
			}
			depth++;
			p++;
		} else if (*p == ')' || *p == ']' || *p == '}') {
			char want;
			if (depth == 0) {
				bad(rc, line, "a '%c' that closes nothing", *p);
				break;
			}
			depth--;
			want = depth >= OPEN_MAX ? *p : open_kind[depth] == '(' ? ')'
			       : open_kind[depth] == '[' ? ']' : '}';
			if (*p != want) {
				bad(rc, line, "'%c' closes the '%c' of line %d", *p, open_kind[depth],
				    open_line[depth]);
				break;
			}
			if (depth == 0 && want == ')')
				top_done = true;
			p++;
		} else if (depth == 0 && (isalpha((unsigned char)*p) || *p == '_')) {
			/* a struct name, followed by its ( */
			const char *id = p;
			while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
				p++;
			int l = line;
			const char *q = skip_space(p, end, &l);
			if (q >= end || *q != '(') {
				bad(rc, line, "'%.*s' outside the config's ( ... )",
				    (int)(p - id > 40 ? 40 : p - id), id);
				break;
			}
		} else if (depth == 1 && (isalpha((unsigned char)*p) || *p == '_')) {
			const char *id = p;
			size_t n;
			while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
				p++;
			int vline = line;
			n = (size_t)(p - id);
			const char *v = skip_space(p, end, &vline);
			if (v >= end || *v != ':')
				continue;
			v = skip_space(v + 1, end, &vline);
			if (n == 5 && memcmp(id, "theme", 5) == 0) {
				rc->theme_line = line;
				if (end - v >= 5 && memcmp(v, "Some(", 5) == 0) {
					rc->theme_some = true;
					v = skip_space(v + 5, end, &vline);
				}
				if (end - v >= 4 && memcmp(v, "None", 4) == 0)
					rc->theme_none = true;
				else if (read_string(v, end, rc->theme, sizeof rc->theme) != NULL)
					rc->has_theme = true;
			} else if (n == 24 && memcmp(id, "enable_config_hot_reload", 24) == 0) {
				rc->hot_reload_off = end - v >= 5 && memcmp(v, "false", 5) == 0;
			}
			/* p stays after the name: the value's brackets and
			 * strings go through the loop like everything else. */
		} else {
			p++;
		}
	}
	if (depth > 0) {
		int i = depth <= OPEN_MAX ? depth - 1 : OPEN_MAX - 1;
		bad(rc, open_line[i], "the '%c' of this line is never closed", open_kind[i]);
	} else if (!top_seen) {
		bad(rc, 0, "no ( ... ) in it");
	}
}

