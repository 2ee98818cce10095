/* ron_lex.c - the lexical layer of the RON parser: errors at the cursor,
 * white space and comments, identifiers, the scalar literals (strings with
 * escapes, raw strings, chars, numbers) and the UTF-8 check of the text. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ron_lex.h"
#include "text.h"
#include "status.h"

int
rtg_ron_verror(char *err, const char *name, int line, const char *fmt,
               va_list ap)
{
	char msg[RTG_ERRLEN];

	vsnprintf(msg, sizeof msg, fmt, ap);
	return rtg_fail(err, RTG_ERR_THEME, "%s:%d: %s", name, line, msg);
}

int
rtg_ron_fail(struct rtg_ron_parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = rtg_ron_verror(p->err, p->name, line, fmt, ap);
	va_end(ap);
	return rc;
}

int
rtg_ron_nomem(struct rtg_ron_parser *p)
{
	return rtg_fail(p->err, RTG_ERR_NOMEM, "%s: out of memory", p->name);
}

static int
is_ident_char(int c)
{
	return is_ident_start(c) || is_digit(c);
}

const char *
rtg_ron_show_char(const struct rtg_ron_parser *p, char buf[8])
{
	int c = peek(p, 0);

	if (c < 0)
		return "end of input";
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "0x%02x", (unsigned)c);
	return buf;
}

int
rtg_ron_skip_ws(struct rtg_ron_parser *p)
{
	while (p->pos < p->len) {
		int c = peek(p, 0);

		if (c == '\n') {
			p->line++;
			p->pos++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			p->pos++;
		} else if (c == '/' && peek(p, 1) == '/') {
			while (p->pos < p->len && p->s[p->pos] != '\n')
				p->pos++;
		} else if (c == '/' && peek(p, 1) == '*') {
			int start = p->line;
			size_t level = 1;

			p->pos += 2;
			while (level > 0) {
				if (p->pos >= p->len)
					return rtg_ron_fail(p, start, "unterminated comment");
				if (peek(p, 0) == '/' && peek(p, 1) == '*') {
					level++;
					p->pos += 2;
				} else if (peek(p, 0) == '*' && peek(p, 1) == '/') {
					level--;
					p->pos += 2;
				} else {
					if (p->s[p->pos] == '\n')
						p->line++;
					p->pos++;
				}
			}
		} else {
			break;
		}
	}
	return RTG_OK;
}

size_t
rtg_ron_ident(struct rtg_ron_parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && is_ident_char(peek(p, 0)))
		p->pos++;
	return p->pos - start;
}

/* Appends code point cp as UTF-8. */
static size_t
put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the UTF-8 sequence starting with lead byte c (rtg_ron_parse()
 * has checked that the text is valid UTF-8). */
static size_t
utf8_len(int c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

/* Decodes one escape after the backslash at p->pos; writes to o. */
static int
parse_escape(struct rtg_ron_parser *p, char *o, size_t *olen)
{
	int c = peek(p, 1);
	unsigned long cp = 0;

	p->pos += 2;
	switch (c) {
	case '\\': *o = '\\'; break;
	case '"': *o = '"'; break;
	case '\'': *o = '\''; break;
	case '/': *o = '/'; break;
	case 'n': *o = '\n'; break;
	case 'r': *o = '\r'; break;
	case 't': *o = '\t'; break;
	case 'b': *o = '\b'; break;
	case 'f': *o = '\f'; break;
	case '0': *o = '\0'; break;
	case 'x': {
		int h1 = rtg_hex_digit(peek(p, 0)), h2 = rtg_hex_digit(peek(p, 1));

		if (h1 < 0 || h2 < 0 || h1 > 7)
			return rtg_ron_fail(p, p->line, "bad \\x escape");
		*o = (char)(h1 * 16 + h2);
		p->pos += 2;
		break;
	}
	case 'u': {
		int digits = 0;

		if (peek(p, 0) == '{') {
			p->pos++;
			while (rtg_hex_digit(peek(p, 0)) >= 0 && digits < 6) {
				cp = cp * 16 + (unsigned long)rtg_hex_digit(peek(p, 0));
				p->pos++;
				digits++;
			}
			if (digits == 0 || peek(p, 0) != '}')
				return rtg_ron_fail(p, p->line, "bad \\u{...} escape");
			p->pos++;
		} else {
			for (digits = 0; digits < 4; digits++) {
				if (rtg_hex_digit(peek(p, 0)) < 0)
					return rtg_ron_fail(p, p->line, "bad \\u escape");
				cp = cp * 16 + (unsigned long)rtg_hex_digit(peek(p, 0));
				p->pos++;
			}
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return rtg_ron_fail(p, p->line, "escape \\u%lx is not a character", cp);
		*olen = put_utf8(o, cp);
		return RTG_OK;
	}
	default:
		return rtg_ron_fail(p, p->line, "unknown escape \\%c",
		            c > 0x20 && c < 0x7f ? c : '?');
	}
	*olen = 1;
	return RTG_OK;
}

int
rtg_ron_string(struct rtg_ron_parser *p, struct rtg_ron **out)
{
	int line = p->line;
	size_t start = ++p->pos, end;
	char *o;
	size_t olen = 0;
	struct rtg_ron *r;
	int rc;

	/* Find the end first: the decoded text is never longer than the
	 * source, so one allocation of that size suffices. */
	for (end = start; end < p->len && p->s[end] != '"'; end++)
		if (p->s[end] == '\\' && end + 1 < p->len)
			end++;
	if (end >= p->len)
		return rtg_ron_fail(p, line, "unterminated string");
	if ((rc = rtg_ron_node(p, RTG_RON_STRING, line, &r)) != RTG_OK)
		return rc;
	o = rtg_ron_alloc(p, end - start + 1);
	if (o == NULL)
		return rtg_ron_nomem(p);
	while (p->pos < end) {
		int c = peek(p, 0);

		if (c == '\\') {
			size_t n = 0;

			if ((rc = parse_escape(p, o + olen, &n)) != RTG_OK)
				return rc;
			olen += n;
			continue;
		}
		if (c == '\n')
			p->line++;
		o[olen++] = (char)c;
		p->pos++;
	}
	p->pos = end + 1;
	o[olen] = '\0';
	r->str = o;
	r->str_len = olen;
	*out = r;
	return RTG_OK;
}

/* r"..." and r#"..."# (no escapes). */
int
rtg_ron_raw_string(struct rtg_ron_parser *p, struct rtg_ron **out)
{
	int line = p->line;
	size_t hashes = 0, start, i;
	struct rtg_ron *r;
	int rc;

	p->pos++; /* r */
	while (peek(p, 0) == '#') {
		hashes++;
		p->pos++;
	}
	if (peek(p, 0) != '"')
		return rtg_ron_fail(p, line, "bad raw string");
	start = ++p->pos;
	for (i = start; i < p->len; i++) {
		size_t h = 0;

		if (p->s[i] != '"')
			continue;
		while (h < hashes && i + 1 + h < p->len && p->s[i + 1 + h] == '#')
			h++;
		if (h == hashes)
			break;
	}
	if (i >= p->len)
		return rtg_ron_fail(p, line, "unterminated raw string");
	if ((rc = rtg_ron_node(p, RTG_RON_STRING, line, &r)) != RTG_OK)
		return rc;
	r->str = rtg_ron_alloc(p, i - start + 1);
	if (r->str == NULL)
		return rtg_ron_nomem(p);
	memcpy(r->str, p->s + start, i - start);
	r->str[i - start] = '\0';
	r->str_len = i - start;
	for (size_t k = start; k < i; k++)
		p->line += p->s[k] == '\n';
	p->pos = i + 1 + hashes;
	*out = r;
	return RTG_OK;
}

int
rtg_ron_char(struct rtg_ron_parser *p, struct rtg_ron **out)
{
	int line = p->line;
	struct rtg_ron *r;
	size_t n;
	int rc;

	if ((rc = rtg_ron_node(p, RTG_RON_CHAR, line, &r)) != RTG_OK)
		return rc;
	r->str = rtg_ron_alloc(p, 8);
	if (r->str == NULL)
		return rtg_ron_nomem(p);
	p->pos++;
	if (peek(p, 0) == '\\') {
		if ((rc = parse_escape(p, r->str, &n)) != RTG_OK)
			return rc;
	} else if (peek(p, 0) < 0 || peek(p, 0) == '\'' || peek(p, 0) == '\n') {
		return rtg_ron_fail(p, line, "bad character literal");
	} else {
		n = utf8_len(peek(p, 0));
		if (p->pos + n > p->len)
			return rtg_ron_fail(p, line, "bad character literal");
		memcpy(r->str, p->s + p->pos, n);
		p->pos += n;
	}
	if (peek(p, 0) != '\'')
		return rtg_ron_fail(p, line, "character literal holds more than one character");
	p->pos++;
	r->str[n] = '\0';
	r->str_len = n;
	*out = r;
	return RTG_OK;
}

int
rtg_ron_number(struct rtg_ron_parser *p, struct rtg_ron **out)
{
	int line = p->line;
	size_t start = p->pos, digits = 0;
	struct rtg_ron *r;
	int rc;

	if (peek(p, 0) == '+' || peek(p, 0) == '-')
		p->pos++;
	if (peek(p, 0) == '0' && (peek(p, 1) == 'x' || peek(p, 1) == 'o' ||
	                          peek(p, 1) == 'b')) {
		p->pos += 2;
		while (rtg_hex_digit(peek(p, 0)) >= 0 || peek(p, 0) == '_') {
			digits += peek(p, 0) != '_';
			p->pos++;
		}
	} else {
		while (is_digit(peek(p, 0)) || peek(p, 0) == '_') {
			digits += peek(p, 0) != '_';
			p->pos++;
		}
		if (peek(p, 0) == '.') {
			p->pos++;
			while (is_digit(peek(p, 0)) || peek(p, 0) == '_') {
				digits += peek(p, 0) != '_';
				p->pos++;
			}
		}
		if (digits > 0 && (peek(p, 0) == 'e' || peek(p, 0) == 'E')) {
			p->pos++;
			if (peek(p, 0) == '+' || peek(p, 0) == '-')
				p->pos++;
			if (!is_digit(peek(p, 0)))
				return rtg_ron_fail(p, line, "bad number");
			while (is_digit(peek(p, 0)))
				p->pos++;
		}
	}
	if (digits == 0 || is_ident_char(peek(p, 0)))
		return rtg_ron_fail(p, line, "bad number");
	if ((rc = rtg_ron_node(p, RTG_RON_NUMBER, line, &r)) != RTG_OK)
		return rc;
	r->name = p->s + start;
	r->name_len = p->pos - start;
	*out = r;
	return RTG_OK;
}

/* rmpc reads the theme as a Rust String: it must be UTF-8. */
int
rtg_ron_utf8_bad_line(const char *s, size_t len, int *is_nul)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int line = 1;

	*is_nul = 0;
	while (i < len) {
		unsigned c = u[i];
		size_t n;

		if (c == 0) {
			*is_nul = 1;
			return line;
		}
		if (c < 0x80) {
			line += c == '\n';
			i++;
			continue;
		}
		if ((n = rtg_utf8_seq_len(u + i, len - i)) == 0)
			return line;
		i += n;
	}
	return 0;
}
