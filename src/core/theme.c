/* theme.c - parse a rendered rmpc theme (RON), check rmpc's shape rules and
 * audit the contrast of every foreground/background pair it emits.
 *
 * The RON parser builds a small tree in an arena: every value knows its line,
 * a struct's fields keep their names, a map's values their keys.  It covers
 * what rmpc themes use (structs with or without a name, tuples, lists, maps,
 * strings with escapes, raw strings, chars, numbers, booleans, identifiers,
 * newtype variants such as Some(x), // and nested block comments and
 * #![enable(...)] headers) and refuses input beyond fixed limits on size,
 * nesting and number of values, so hostile text costs bounded time and memory.
 *
 * The checks then run in three walks over the tree:
 *   1. every colour string is "#rrggbb", every modifier list is known and has
 *      no Dim, every borders flag list is known; pane backgrounds are noted;
 *   2. the shapes rmpc rejects or crashes on (see theme.h);
 *   3. every style (a struct with an fg or bg field) becomes one or more
 *      audited pairs, with the minimum chosen by the field that holds it.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"
#include "status.h"
#include "theme.h"

#define MAX_FIELDS 1024     /* fields in one struct (rmpc's have < 64) */
#define MAX_COMPONENTS 1024 /* entries of the components map */
#define MAX_BACKGROUNDS 8   /* distinct backgrounds a bg-less style meets */
#define PATH_BUF 512

/* ---- arena ------------------------------------------------------------- */

#define CHUNK_BYTES (64u * 1024)

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t mem[];
};

struct arena {
	struct chunk *head;
};

static void *
arena_alloc(struct arena *a, size_t n)
{
	const size_t al = sizeof(max_align_t);
	void *p;

	n = (n + al - 1) / al * al;
	if (a->head == NULL || a->head->cap - a->head->used < n) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;
		struct chunk *c = malloc(sizeof *c + cap);

		if (c == NULL)
			return NULL;
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	p = (char *)a->head->mem + a->head->used;
	a->head->used += n;
	return p;
}

static void
arena_free(struct arena *a)
{
	while (a->head != NULL) {
		struct chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}

/* ---- RON tree ------------------------------------------------------------ */

enum ron_kind {
	RON_STRUCT, /* (a: 1) or Name(a: 1); also () */
	RON_TUPLE,  /* (1, 2) or Name(1, 2) */
	RON_LIST,
	RON_MAP,
	RON_STRING,
	RON_CHAR,
	RON_NUMBER,
	RON_BOOL,
	RON_IDENT,  /* unit variant or unit struct: None, Left, Rounded */
};

struct ron {
	enum ron_kind kind;
	int line;
	const char *name; /* struct/tuple name, identifier, number text */
	size_t name_len;
	char *str;        /* STRING, CHAR: decoded, NUL-terminated */
	size_t str_len;
	const char *key;  /* field name, as a struct field */
	size_t key_len;
	struct ron *map_key; /* key, as a map value */
	struct ron *child, *last, *next;
	size_t n;
};

struct parser {
	const char *s;
	size_t len, pos;
	int line, depth;
	size_t nodes;
	struct arena arena;
	const char *name;
	char *err;
};

static int
perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
perr(struct parser *p, int line, const char *fmt, ...)
{
	char msg[RTG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rtg_fail(p->err, RTG_ERR_THEME, "%s:%d: %s", p->name, line, msg);
}

static int
nomem(struct parser *p)
{
	return rtg_fail(p->err, RTG_ERR_NOMEM, "%s: out of memory", p->name);
}

static int
is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_ident_char(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
peek(const struct parser *p, size_t off)
{
	return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : -1;
}

/* Describes the character at the current position for a message. */
static const char *
show_char(const struct parser *p, char buf[8])
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

/* Skips blanks, newlines and comments; block comments nest, as in RON. */
static int
skip_ws(struct parser *p)
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
					return perr(p, start, "unterminated comment");
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

static int
new_node(struct parser *p, enum ron_kind kind, int line, struct ron **out)
{
	struct ron *r;

	if (p->nodes >= RTG_THEME_MAX_NODES)
		return perr(p, line, "more than %u values", RTG_THEME_MAX_NODES);
	r = arena_alloc(&p->arena, sizeof *r);
	if (r == NULL)
		return nomem(p);
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->line = line;
	p->nodes++;
	*out = r;
	return RTG_OK;
}

static void
append(struct ron *parent, struct ron *child)
{
	if (parent->last != NULL)
		parent->last->next = child;
	else
		parent->child = child;
	parent->last = child;
	parent->n++;
}

static size_t
read_ident(struct parser *p)
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

/* Length of the UTF-8 sequence starting with lead byte c (input is known
 * to be valid UTF-8). */
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
parse_escape(struct parser *p, char *o, size_t *olen)
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
		int h1 = hex_val(peek(p, 0)), h2 = hex_val(peek(p, 1));

		if (h1 < 0 || h2 < 0 || h1 > 7)
			return perr(p, p->line, "bad \\x escape");
		*o = (char)(h1 * 16 + h2);
		p->pos += 2;
		break;
	}
	case 'u': {
		int digits = 0;

		if (peek(p, 0) == '{') {
			p->pos++;
			while (hex_val(peek(p, 0)) >= 0 && digits < 6) {
				cp = cp * 16 + (unsigned long)hex_val(peek(p, 0));
				p->pos++;
				digits++;
			}
			if (digits == 0 || peek(p, 0) != '}')
				return perr(p, p->line, "bad \\u{...} escape");
			p->pos++;
		} else {
			for (digits = 0; digits < 4; digits++) {
				if (hex_val(peek(p, 0)) < 0)
					return perr(p, p->line, "bad \\u escape");
				cp = cp * 16 + (unsigned long)hex_val(peek(p, 0));
				p->pos++;
			}
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return perr(p, p->line, "escape \\u%lx is not a character", cp);
		*olen = put_utf8(o, cp);
		return RTG_OK;
	}
	default:
		return perr(p, p->line, "unknown escape \\%c",
		            c > 0x20 && c < 0x7f ? c : '?');
	}
	*olen = 1;
	return RTG_OK;
}

static int
parse_string(struct parser *p, struct ron **out)
{
	int line = p->line;
	size_t start = ++p->pos, end;
	char *o;
	size_t olen = 0;
	struct ron *r;
	int rc;

	/* Find the end first: the decoded text is never longer than the
	 * source, so one allocation of that size suffices. */
	for (end = start; end < p->len && p->s[end] != '"'; end++)
		if (p->s[end] == '\\' && end + 1 < p->len)
			end++;
	if (end >= p->len)
		return perr(p, line, "unterminated string");
	if ((rc = new_node(p, RON_STRING, line, &r)) != RTG_OK)
		return rc;
	o = arena_alloc(&p->arena, end - start + 1);
	if (o == NULL)
		return nomem(p);
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
static int
parse_raw_string(struct parser *p, struct ron **out)
{
	int line = p->line;
	size_t hashes = 0, start, i;
	struct ron *r;
	int rc;

	p->pos++; /* r */
	while (peek(p, 0) == '#') {
		hashes++;
		p->pos++;
	}
	if (peek(p, 0) != '"')
		return perr(p, line, "bad raw string");
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
		return perr(p, line, "unterminated raw string");
	if ((rc = new_node(p, RON_STRING, line, &r)) != RTG_OK)
		return rc;
	r->str = arena_alloc(&p->arena, i - start + 1);
	if (r->str == NULL)
		return nomem(p);
	memcpy(r->str, p->s + start, i - start);
	r->str[i - start] = '\0';
	r->str_len = i - start;
	for (size_t k = start; k < i; k++)
		p->line += p->s[k] == '\n';
	p->pos = i + 1 + hashes;
	*out = r;
	return RTG_OK;
}

static int
parse_char(struct parser *p, struct ron **out)
{
	int line = p->line;
	struct ron *r;
	size_t n;
	int rc;

	if ((rc = new_node(p, RON_CHAR, line, &r)) != RTG_OK)
		return rc;
	r->str = arena_alloc(&p->arena, 8);
	if (r->str == NULL)
		return nomem(p);
	p->pos++;
	if (peek(p, 0) == '\\') {
		if ((rc = parse_escape(p, r->str, &n)) != RTG_OK)
			return rc;
	} else if (peek(p, 0) < 0 || peek(p, 0) == '\'' || peek(p, 0) == '\n') {
		return perr(p, line, "bad character literal");
	} else {
		n = utf8_len(peek(p, 0));
		if (p->pos + n > p->len)
			return perr(p, line, "bad character literal");
		memcpy(r->str, p->s + p->pos, n);
		p->pos += n;
	}
	if (peek(p, 0) != '\'')
		return perr(p, line, "character literal holds more than one character");
	p->pos++;
	r->str[n] = '\0';
	r->str_len = n;
	*out = r;
	return RTG_OK;
}

static int
parse_number(struct parser *p, struct ron **out)
{
	int line = p->line;
	size_t start = p->pos, digits = 0;
	struct ron *r;
	int rc;

	if (peek(p, 0) == '+' || peek(p, 0) == '-')
		p->pos++;
	if (peek(p, 0) == '0' && (peek(p, 1) == 'x' || peek(p, 1) == 'o' ||
	                          peek(p, 1) == 'b')) {
		p->pos += 2;
		while (hex_val(peek(p, 0)) >= 0 || peek(p, 0) == '_') {
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
				return perr(p, line, "bad number");
			while (is_digit(peek(p, 0)))
				p->pos++;
		}
	}
	if (digits == 0 || is_ident_char(peek(p, 0)))
		return perr(p, line, "bad number");
	if ((rc = new_node(p, RON_NUMBER, line, &r)) != RTG_OK)
		return rc;
	r->name = p->s + start;
	r->name_len = p->pos - start;
	*out = r;
	return RTG_OK;
}

static int parse_value(struct parser *p, struct ron **out);

static int
key_equal(const struct ron *a, const struct ron *b)
{
	return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

/* After '(' (and the optional name): a struct if the first thing inside is
 * "ident :", a tuple otherwise; "()" is an empty struct. */
/* After an item of a list, tuple, struct or map: skips white space and a
 * ',' unless the closing bracket follows (the caller consumes it). */
static int
item_end(struct parser *p, char close)
{
	char cb[8];
	int rc;

	if ((rc = skip_ws(p)) != RTG_OK)
		return rc;
	if (peek(p, 0) == ',')
		p->pos++;
	else if (peek(p, 0) != close)
		return perr(p, p->line, "expected ',' or '%c', found %s", close,
		            show_char(p, cb));
	return RTG_OK;
}

static int
parse_parens(struct parser *p, const char *name, size_t name_len, int line,
             struct ron **out)
{
	struct ron *r;
	int rc, is_struct = 0;

	p->pos++; /* ( */
	if ((rc = skip_ws(p)) != RTG_OK)
		return rc;
	if (is_ident_start(peek(p, 0))) {
		size_t save = p->pos;
		int save_line = p->line;

		read_ident(p);
		if (skip_ws(p) == RTG_OK && peek(p, 0) == ':' && peek(p, 1) != ':')
			is_struct = 1;
		p->pos = save;
		p->line = save_line;
	}
	if (peek(p, 0) == ')')
		is_struct = 1;
	if ((rc = new_node(p, is_struct ? RON_STRUCT : RON_TUPLE, line, &r)) != RTG_OK)
		return rc;
	r->name = name;
	r->name_len = name_len;

	for (;;) {
		struct ron *v;
		char cb[8];

		if ((rc = skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) == ')') {
			p->pos++;
			break;
		}
		if (is_struct) {
			const char *key = p->s + p->pos;
			size_t klen;
			int kline = p->line;

			if (!is_ident_start(peek(p, 0)))
				return perr(p, p->line, "expected a field name, found %s",
				            show_char(p, cb));
			klen = read_ident(p);
			if ((rc = skip_ws(p)) != RTG_OK)
				return rc;
			if (peek(p, 0) != ':')
				return perr(p, p->line, "expected ':' after %.*s",
				            (int)klen, key);
			p->pos++;
			if ((rc = parse_value(p, &v)) != RTG_OK)
				return rc;
			v->key = key;
			v->key_len = klen;
			if (r->n >= MAX_FIELDS)
				return perr(p, kline, "more than %d fields", MAX_FIELDS);
			/* serde rejects a repeated field: so must we. */
			for (const struct ron *c = r->child; c != NULL; c = c->next)
				if (key_equal(c, v))
					return perr(p, kline, "duplicate field %.*s",
					            (int)klen, key);
		} else {
			if ((rc = parse_value(p, &v)) != RTG_OK)
				return rc;
		}
		append(r, v);
		if ((rc = item_end(p, ')')) != RTG_OK)
			return rc;
	}
	*out = r;
	return RTG_OK;
}

static int
parse_list(struct parser *p, struct ron **out)
{
	struct ron *r;
	int rc;

	if ((rc = new_node(p, RON_LIST, p->line, &r)) != RTG_OK)
		return rc;
	p->pos++;
	for (;;) {
		struct ron *v;

		if ((rc = skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) == ']') {
			p->pos++;
			break;
		}
		if ((rc = parse_value(p, &v)) != RTG_OK)
			return rc;
		append(r, v);
		if ((rc = item_end(p, ']')) != RTG_OK)
			return rc;
	}
	*out = r;
	return RTG_OK;
}

static int
parse_map(struct parser *p, struct ron **out)
{
	struct ron *r;
	int rc;

	if ((rc = new_node(p, RON_MAP, p->line, &r)) != RTG_OK)
		return rc;
	p->pos++;
	for (;;) {
		struct ron *k, *v;
		char cb[8];

		if ((rc = skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) == '}') {
			p->pos++;
			break;
		}
		if ((rc = parse_value(p, &k)) != RTG_OK)
			return rc;
		if ((rc = skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) != ':')
			return perr(p, p->line, "expected ':' after a map key, found %s",
			            show_char(p, cb));
		p->pos++;
		if ((rc = parse_value(p, &v)) != RTG_OK)
			return rc;
		v->map_key = k;
		append(r, v);
		if ((rc = item_end(p, '}')) != RTG_OK)
			return rc;
	}
	*out = r;
	return RTG_OK;
}

static int
parse_value_inner(struct parser *p, struct ron **out)
{
	int c, rc;
	char cb[8];

	if ((rc = skip_ws(p)) != RTG_OK)
		return rc;
	c = peek(p, 0);
	if (c < 0)
		return perr(p, p->line, "unexpected end of input");
	if (c == '(')
		return parse_parens(p, NULL, 0, p->line, out);
	if (c == '[')
		return parse_list(p, out);
	if (c == '{')
		return parse_map(p, out);
	if (c == '"')
		return parse_string(p, out);
	if (c == '\'')
		return parse_char(p, out);
	if (c == 'r' && (peek(p, 1) == '"' || (peek(p, 1) == '#' &&
	                                       (peek(p, 2) == '"' || peek(p, 2) == '#'))))
		return parse_raw_string(p, out);
	if (c == 'b' && peek(p, 1) == '"') {
		p->pos++; /* byte string: same text rules */
		return parse_string(p, out);
	}
	if (is_digit(c) || c == '-' || c == '+' || c == '.')
		return parse_number(p, out);
	if (is_ident_start(c)) {
		const char *name = p->s + p->pos;
		int line = p->line;
		size_t n = read_ident(p);
		struct ron *r;

		if ((rc = skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) == '(')
			return parse_parens(p, name, n, line, out);
		if ((rc = new_node(p, RON_IDENT, line, &r)) != RTG_OK)
			return rc;
		if ((n == 4 && memcmp(name, "true", 4) == 0) ||
		    (n == 5 && memcmp(name, "false", 5) == 0))
			r->kind = RON_BOOL;
		r->name = name;
		r->name_len = n;
		*out = r;
		return RTG_OK;
	}
	return perr(p, p->line, "unexpected %s", show_char(p, cb));
}

static int
parse_value(struct parser *p, struct ron **out)
{
	int rc;

	if (p->depth >= RTG_THEME_MAX_DEPTH)
		return perr(p, p->line, "nested deeper than %d levels",
		            RTG_THEME_MAX_DEPTH);
	p->depth++;
	rc = parse_value_inner(p, out);
	p->depth--;
	return rc;
}

/* #![enable(implicit_some, ...)] lines before the value. */
static int
parse_attributes(struct parser *p)
{
	int rc;

	for (;;) {
		int line;
		char cb[8];

		if ((rc = skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) != '#')
			return RTG_OK;
		line = p->line;
		if (peek(p, 1) != '!' || peek(p, 2) != '[')
			return perr(p, line, "expected #![...]");
		p->pos += 3;
		if ((rc = skip_ws(p)) != RTG_OK)
			return rc;
		if (read_ident(p) == 0)
			return perr(p, line, "expected an attribute name");
		if ((rc = skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) == '(') {
			p->pos++;
			for (;;) {
				if ((rc = skip_ws(p)) != RTG_OK)
					return rc;
				if (peek(p, 0) == ')') {
					p->pos++;
					break;
				}
				if (read_ident(p) == 0)
					return perr(p, p->line, "expected an extension name, found %s",
					            show_char(p, cb));
				if ((rc = item_end(p, ')')) != RTG_OK)
					return rc;
			}
			if ((rc = skip_ws(p)) != RTG_OK)
				return rc;
		}
		if (peek(p, 0) != ']')
			return perr(p, p->line, "expected ']', found %s", show_char(p, cb));
		p->pos++;
	}
}

/* rmpc reads the theme as a Rust String: it must be UTF-8.  Returns the line
 * of the first bad byte, or 0. */
static int
utf8_bad_line(const char *s, size_t len, int *is_nul)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int line = 1;

	*is_nul = 0;
	while (i < len) {
		unsigned c = u[i];
		size_t n;
		unsigned long cp;

		if (c == 0) {
			*is_nul = 1;
			return line;
		}
		if (c < 0x80) {
			line += c == '\n';
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
		} else {
			return line;
		}
		if (i + n > len)
			return line;
		for (size_t k = 1; k < n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return line;
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		/* overlong, surrogate or beyond U+10FFFF */
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return line;
		i += n;
	}
	return 0;
}

/* ---- tree helpers ------------------------------------------------------ */

static int
name_is(const struct ron *r, const char *s)
{
	size_t n = strlen(s);

	return r->name != NULL && r->name_len == n && memcmp(r->name, s, n) == 0;
}

/* Some(x) -> x (implicit_some makes the wrapper optional). */
static const struct ron *
unwrap(const struct ron *r)
{
	while (r != NULL && r->kind == RON_TUPLE && r->n == 1 && name_is(r, "Some"))
		r = r->child;
	return r;
}

static int
is_none(const struct ron *r)
{
	return r != NULL && r->kind == RON_IDENT && name_is(r, "None");
}

/* A struct's field, Some() removed; NULL when absent. */
static const struct ron *
field(const struct ron *st, const char *key)
{
	size_t n = strlen(key);

	if (st == NULL || st->kind != RON_STRUCT)
		return NULL;
	for (const struct ron *c = st->child; c != NULL; c = c->next)
		if (c->key_len == n && memcmp(c->key, key, n) == 0)
			return unwrap(c);
	return NULL;
}

/* A field that is present and not None. */
static const struct ron *
field_set(const struct ron *st, const char *key)
{
	const struct ron *v = field(st, key);

	return is_none(v) ? NULL : v;
}

static int
key_is(const struct ron *r, const char *s)
{
	size_t n = strlen(s);

	return r->key != NULL && r->key_len == n && memcmp(r->key, s, n) == 0;
}

/* ---- checks ------------------------------------------------------------ */

struct check {
	const char *name;
	char *err;
	struct rtg_audit *audit;
	const struct ron *root, *components;
	struct rtg_rgb8 bgs[MAX_BACKGROUNDS];
	int nbg;
	struct rtg_rgb8 text;
	char path[PATH_BUF];
	size_t plen;
	size_t pairs, failures;
	char first[RTG_ERRLEN];
	/* components: resolution state, for cycles and repeated use */
	const struct ron *comp[MAX_COMPONENTS];
	int comp_state[MAX_COMPONENTS]; /* 0 new, 1 resolving, 2 done */
	int comp_count[MAX_COMPONENTS]; /* Pane(TabContent) inside */
	size_t ncomp;
};

static int
cerr(struct check *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
cerr(struct check *c, int line, const char *fmt, ...)
{
	char msg[RTG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rtg_fail(c->err, RTG_ERR_THEME, "%s:%d: %s", c->name, line, msg);
}

/* A string value for a message: at most 24 bytes, controls as '?'. */
static void
show_str(const struct ron *r, char out[32])
{
	size_t i;

	for (i = 0; i < r->str_len && i < 24; i++)
		out[i] = (unsigned char)r->str[i] < 0x20 ? '?' : r->str[i];
	if (r->str_len > 24) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

/* "#rrggbb" only: names, indices, rgb() and reset take their real colour
 * from the terminal, so their contrast cannot be known. */
static int
check_colour(struct check *c, const struct ron *v, const char *what,
             struct rtg_rgb8 *out)
{
	char shown[32];

	v = unwrap(v);
	if (v->kind != RON_STRING)
		return cerr(c, v->line, "%s: a colour must be a string \"#rrggbb\"", what);
	if (v->str_len != 7 || rtg_hex_parse(v->str, out) != RTG_OK) {
		show_str(v, shown);
		return cerr(c, v->line, "%s: colour \"%s\" is not #rrggbb (named, "
		            "indexed and rgb() colours depend on the terminal)",
		            what, shown);
	}
	return RTG_OK;
}

/* Splits a "A | B" flag list and checks each name against names[]. */
static int
check_flags(struct check *c, const struct ron *v, const char *what,
            const char *const *names, size_t nnames)
{
	const char *s, *end;

	v = unwrap(v);
	if (v->kind != RON_STRING)
		return cerr(c, v->line, "%s must be a string such as \"%s\"", what,
		            names[0]);
	s = v->str;
	end = v->str + v->str_len;
	while (s < end) {
		const char *t, *te;
		size_t k;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		t = s;
		while (s < end && *s != '|')
			s++;
		te = s;
		while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		if (s < end)
			s++; /* | */
		if (te == t)
			continue;
		for (k = 0; k < nnames; k++)
			if (strlen(names[k]) == (size_t)(te - t) &&
			    memcmp(names[k], t, (size_t)(te - t)) == 0)
				break;
		if (k == nnames) {
			char shown[32];
			size_t i;

			for (i = 0; i < (size_t)(te - t) && i < 24; i++)
				shown[i] = (unsigned char)t[i] < 0x20 ? '?' : t[i];
			shown[i] = '\0';
			return cerr(c, v->line, "%s: unknown flag %s", what, shown);
		}
		if (strcmp(names[k], "Dim") == 0)
			return cerr(c, v->line, "%s: Dim is not allowed (how dim it "
			            "draws depends on the terminal)", what);
	}
	return RTG_OK;
}

static int
add_background(struct check *c, struct rtg_rgb8 bg, int line)
{
	for (int i = 0; i < c->nbg; i++)
		if (c->bgs[i].r == bg.r && c->bgs[i].g == bg.g && c->bgs[i].b == bg.b)
			return RTG_OK;
	if (c->nbg >= MAX_BACKGROUNDS)
		return cerr(c, line, "more than %d different background colours",
		            MAX_BACKGROUNDS);
	c->bgs[c->nbg++] = bg;
	return RTG_OK;
}

/* Every string below v must be a colour (cava.bar_color: Single, Rows,
 * Gradient hold them at different depths). */
static int
check_colour_strings(struct check *c, const struct ron *v, const char *what)
{
	struct rtg_rgb8 dummy;
	int rc;

	if (v->kind == RON_STRING)
		return check_colour(c, v, what, &dummy);
	for (const struct ron *k = v->child; k != NULL; k = k->next)
		if ((rc = check_colour_strings(c, k, what)) != RTG_OK)
			return rc;
	return RTG_OK;
}

/* Walk 1: colour formats, modifier and border flags, pane backgrounds. */
static int
walk_formats(struct check *c, const struct ron *v, int depth)
{
	static const char *const modifiers[] = {
		"Bold", "Dim", "Italic", "Underlined", "Reversed", "CrossedOut",
	};
	static const char *const borders[] = {
		"NONE", "TOP", "RIGHT", "BOTTOM", "LEFT", "ALL",
	};
	static const char *const colour_keys[] = {
		"fg", "bg", "background_color", "header_background_color",
		"modal_background_color", "text_color", "bg_color",
	};
	int rc;

	for (const struct ron *k = v->child; k != NULL; k = k->next) {
		const struct ron *u = unwrap(k);

		if (k->key != NULL && !is_none(u)) {
			struct rtg_rgb8 col;
			size_t i;

			for (i = 0; i < sizeof colour_keys / sizeof colour_keys[0]; i++)
				if (key_is(k, colour_keys[i]))
					break;
			if (i < sizeof colour_keys / sizeof colour_keys[0]) {
				if ((rc = check_colour(c, u, colour_keys[i], &col)) != RTG_OK)
					return rc;
				/* a pane's own background (rmpc 0.11) */
				if (depth > 0 && key_is(k, "background_color") &&
				    (rc = add_background(c, col, u->line)) != RTG_OK)
					return rc;
			} else if (key_is(k, "modifiers")) {
				if ((rc = check_flags(c, u, "modifiers", modifiers,
				                      sizeof modifiers / sizeof modifiers[0])) != RTG_OK)
					return rc;
			} else if (key_is(k, "borders") && u->kind == RON_STRING) {
				if ((rc = check_flags(c, u, "borders", borders,
				                      sizeof borders / sizeof borders[0])) != RTG_OK)
					return rc;
			} else if (key_is(k, "bar_color")) {
				if ((rc = check_colour_strings(c, u, "bar_color")) != RTG_OK)
					return rc;
			}
		}
		if ((rc = walk_formats(c, k, depth + 1)) != RTG_OK)
			return rc;
	}
	return RTG_OK;
}

static int
string_list(struct check *c, const struct ron *v, const char *what, size_t *n)
{
	if (v->kind != RON_LIST)
		return cerr(c, v->line, "%s must be a list of strings", what);
	for (const struct ron *k = v->child; k != NULL; k = k->next)
		if (unwrap(k)->kind != RON_STRING)
			return cerr(c, k->line, "%s must hold strings", what);
	*n = v->n;
	return RTG_OK;
}

/* Decimal integer that fits rmpc's u16. */
static int
is_u16(const struct ron *v)
{
	unsigned long x = 0;
	size_t digits = 0;

	if (v->kind != RON_NUMBER)
		return 0;
	for (size_t i = 0; i < v->name_len; i++) {
		char ch = v->name[i];

		if (ch == '_')
			continue;
		if (!is_digit(ch))
			return 0;
		x = x * 10 + (unsigned long)(ch - '0');
		if (x > 65535)
			return 0;
		digits++;
	}
	return digits > 0;
}

static int component_index(struct check *c, const struct ron *ref, size_t *idx);

/* Counts Pane(TabContent) under v, following Component("name") references
 * into the components map (each component resolved once, cycles refused). */
static int
count_tab_content(struct check *c, const struct ron *v, int *count)
{
	int rc;

	if (v->kind == RON_TUPLE && v->n == 1 && name_is(v, "Pane")) {
		const struct ron *k = unwrap(v->child);

		if ((k->kind == RON_IDENT || k->kind == RON_STRUCT ||
		     k->kind == RON_TUPLE) && name_is(k, "TabContent"))
			(*count)++;
	}
	if (v->kind == RON_TUPLE && v->n == 1 && name_is(v, "Component")) {
		size_t i;

		if ((rc = component_index(c, v, &i)) != RTG_OK)
			return rc;
		if (i < c->ncomp) {
			if (c->comp_state[i] == 1)
				return cerr(c, v->line, "components refer to each other in a cycle");
			if (c->comp_state[i] == 0) {
				int n = 0;

				c->comp_state[i] = 1;
				if ((rc = count_tab_content(c, c->comp[i], &n)) != RTG_OK)
					return rc;
				c->comp_state[i] = 2;
				c->comp_count[i] = n;
			}
			*count += c->comp_count[i];
		}
		return RTG_OK;
	}
	for (const struct ron *k = v->child; k != NULL; k = k->next)
		if ((rc = count_tab_content(c, k, count)) != RTG_OK)
			return rc;
	return RTG_OK;
}

/* Index of the component a Component("name") refers to; c->ncomp when the
 * theme has no components map (rmpc then uses its own). */
static int
component_index(struct check *c, const struct ron *ref, size_t *idx)
{
	const struct ron *s = unwrap(ref->child);
	char shown[32];

	*idx = c->ncomp;
	if (s->kind != RON_STRING)
		return cerr(c, ref->line, "Component() needs a name string");
	if (c->components == NULL)
		return RTG_OK;
	for (size_t i = 0; i < c->ncomp; i++) {
		const struct ron *k = c->comp[i]->map_key;

		if (k->str_len == s->str_len && memcmp(k->str, s->str, s->str_len) == 0) {
			*idx = i;
			return RTG_OK;
		}
	}
	show_str(s, shown);
	return cerr(c, ref->line, "unknown component \"%s\"", shown);
}

/* Walk 2: the shapes rmpc rejects or crashes on. */
static int
check_shape(struct check *c)
{
	const struct ron *root = c->root, *v, *s;
	size_t n;
	int rc;

	if ((v = field_set(root, "browser_column_widths")) != NULL) {
		if (v->kind != RON_LIST)
			return cerr(c, v->line, "browser_column_widths must be a list");
		if (v->n < 3)
			return cerr(c, v->line, "browser_column_widths needs at least 3 "
			            "entries, has %zu", v->n);
		for (const struct ron *k = v->child; k != NULL; k = k->next)
			if (!is_u16(unwrap(k)))
				return cerr(c, k->line, "browser_column_widths: entries "
				            "must be whole numbers 0..65535");
	}
	if ((v = field_set(root, "progress_bar")) != NULL) {
		if (v->kind != RON_STRUCT)
			return cerr(c, v->line, "progress_bar must be a struct");
		if ((s = field_set(v, "symbols")) != NULL) {
			if ((rc = string_list(c, s, "progress_bar.symbols", &n)) != RTG_OK)
				return rc;
			if (n != 3 && n != 5)
				return cerr(c, s->line, "progress_bar.symbols needs 3 or 5 "
				            "strings, has %zu", n);
		}
	}
	if ((v = field_set(root, "scrollbar")) != NULL) {
		if (v->kind != RON_STRUCT)
			return cerr(c, v->line, "scrollbar must be a struct or None");
		if ((s = field_set(v, "symbols")) == NULL)
			return cerr(c, v->line, "scrollbar needs symbols");
		if ((rc = string_list(c, s, "scrollbar.symbols", &n)) != RTG_OK)
			return rc;
		if (n < 4)
			return cerr(c, s->line, "scrollbar.symbols needs at least 4 "
			            "strings, has %zu", n);
	}
	if ((v = field_set(root, "symbols")) != NULL) {
		static const char *const need[] = { "song", "dir", "marker" };

		if (v->kind != RON_STRUCT)
			return cerr(c, v->line, "symbols must be a struct");
		for (size_t i = 0; i < 3; i++) {
			s = field_set(v, need[i]);
			if (s == NULL || s->kind != RON_STRING)
				return cerr(c, v->line, "symbols needs %s (a string)", need[i]);
		}
	}
	if ((v = field_set(root, "cava")) != NULL) {
		static const char *const lists[] = { "bar_symbols", "inverted_bar_symbols" };

		if (v->kind != RON_STRUCT)
			return cerr(c, v->line, "cava must be a struct");
		for (size_t i = 0; i < 2; i++) {
			if ((s = field_set(v, lists[i])) == NULL)
				continue;
			if (s->kind != RON_LIST)
				return cerr(c, s->line, "cava.%s must be a list of chars",
				            lists[i]);
			for (const struct ron *k = s->child; k != NULL; k = k->next)
				if (unwrap(k)->kind != RON_CHAR)
					return cerr(c, k->line, "cava.%s holds chars ('x'), "
					            "not strings", lists[i]);
		}
	}
	if ((v = field_set(root, "components")) != NULL) {
		if (v->kind != RON_MAP)
			return cerr(c, v->line, "components must be a map");
		if (v->n > MAX_COMPONENTS)
			return cerr(c, v->line, "more than %d components", MAX_COMPONENTS);
		c->components = v;
		for (const struct ron *k = v->child; k != NULL; k = k->next) {
			if (k->map_key->kind != RON_STRING)
				return cerr(c, k->map_key->line, "component names must be strings");
			c->comp[c->ncomp++] = k;
		}
		/* rmpc resolves every component, used or not */
		for (size_t i = 0; i < c->ncomp; i++) {
			int count = 0;

			if (c->comp_state[i] != 0)
				continue;
			c->comp_state[i] = 1;
			if ((rc = count_tab_content(c, c->comp[i], &count)) != RTG_OK)
				return rc;
			c->comp_state[i] = 2;
			c->comp_count[i] = count;
		}
	}
	if ((v = field_set(root, "layout")) != NULL) {
		int count = 0;

		if ((rc = count_tab_content(c, v, &count)) != RTG_OK)
			return rc;
		if (count != 1)
			return cerr(c, v->line, "layout holds %d Pane(TabContent), needs "
			            "exactly one", count);
	}
	return RTG_OK;
}

/* ---- contrast audit ------------------------------------------------------ */

static double
style_min(const struct ron *style)
{
	static const char *const ui[] = {
		"borders_style", "highlight_border_style", "border_style",
		"border_active_style", "elapsed_style", "thumb_style", "ends_style",
		"filled_style",
	};

	if (style->key == NULL)
		return RTG_MIN_TEXT;
	if (key_is(style, "track_style"))
		return RTG_MIN_TRACK;
	for (size_t i = 0; i < sizeof ui / sizeof ui[0]; i++)
		if (key_is(style, ui[i]))
			return RTG_MIN_UI;
	return RTG_MIN_TEXT;
}

/* Appends to the path; returns the previous length for path_pop. */
static size_t
path_push(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t
path_push(struct check *c, const char *fmt, ...)
{
	size_t old = c->plen;
	va_list ap;
	int n;

	if (c->plen < sizeof c->path - 1) {
		va_start(ap, fmt);
		n = vsnprintf(c->path + c->plen, sizeof c->path - c->plen, fmt, ap);
		va_end(ap);
		if (n > 0)
			c->plen += (size_t)n;
		if (c->plen > sizeof c->path - 1)
			c->plen = sizeof c->path - 1;
	}
	return old;
}

static void
path_pop(struct check *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Copies the path into a pair; a long one keeps its end, which names the
 * style ("...content[0].style"). */
static void
path_copy(const struct check *c, char *out, size_t size)
{
	if (c->plen < size) {
		memcpy(out, c->path, c->plen + 1);
		return;
	}
	memcpy(out, "...", 3);
	memcpy(out + 3, c->path + c->plen - (size - 4), size - 4);
	out[size - 1] = '\0';
}

static int
add_pair(struct check *c, int line, struct rtg_rgb8 fg, struct rtg_rgb8 bg,
         double min)
{
	double ratio = rtg_contrast_ratio(fg, bg);
	struct rtg_audit_pair pair;

	if (c->pairs >= RTG_THEME_MAX_PAIRS)
		return cerr(c, line, "more than %u colour pairs", RTG_THEME_MAX_PAIRS);
	c->pairs++;
	memset(&pair, 0, sizeof pair);
	path_copy(c, pair.path, sizeof pair.path);
	pair.line = line;
	pair.fg = fg;
	pair.bg = bg;
	pair.ratio = ratio;
	pair.min = min;
	if (ratio < min) {
		if (c->failures == 0) {
			char fh[8], bh[8];

			rtg_rgb8_hex(fg, fh);
			rtg_rgb8_hex(bg, bh);
			/* shown rounded down, so a near miss never reads "4.50 < 4.50" */
			snprintf(c->first, sizeof c->first,
			         "%s:%d: %s: ratio %.2f < %.2f (%s on %s)", c->name, line,
			         pair.path, (double)(long)(ratio * 100) / 100, min, fh, bh);
		}
		c->failures++;
	}
	if (c->audit != NULL) {
		struct rtg_audit *a = c->audit;

		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 64;
			struct rtg_audit_pair *np = realloc(a->pairs, cap * sizeof *np);

			if (np == NULL)
				return rtg_fail(c->err, RTG_ERR_NOMEM, "%s: out of memory",
				                c->name);
			a->pairs = np;
			a->cap = cap;
		}
		a->pairs[a->n++] = pair;
		a->failures = c->failures;
	}
	return RTG_OK;
}

/* One style: fg on its own bg, or on every background it may be drawn on;
 * a bg without fg carries text in text_color. */
static int
audit_style(struct check *c, const struct ron *style)
{
	const struct ron *fgv = field_set(style, "fg"), *bgv = field_set(style, "bg");
	struct rtg_rgb8 fg, bg;
	double min = style_min(style);
	int rc;

	if (fgv != NULL && rtg_hex_parse(fgv->str, &fg) != RTG_OK)
		return cerr(c, fgv->line, "fg: bad colour");
	if (bgv != NULL && rtg_hex_parse(bgv->str, &bg) != RTG_OK)
		return cerr(c, bgv->line, "bg: bad colour");
	if (fgv != NULL && bgv != NULL)
		return add_pair(c, fgv->line, fg, bg, min);
	if (fgv != NULL) {
		for (int i = 0; i < c->nbg; i++)
			if ((rc = add_pair(c, fgv->line, fg, c->bgs[i], min)) != RTG_OK)
				return rc;
		return RTG_OK;
	}
	if (bgv != NULL)
		return add_pair(c, bgv->line, c->text, bg, min);
	return RTG_OK;
}

/* Walk 3: every struct with an fg or bg field is a style. */
static int
walk_styles(struct check *c, const struct ron *v)
{
	size_t mark = c->plen;
	size_t i = 0;
	int rc = RTG_OK;

	if ((v->kind == RON_STRUCT || v->kind == RON_TUPLE) && v->name != NULL &&
	    !name_is(v, "Some") && v != c->root)
		path_push(c, ".%.*s", (int)v->name_len, v->name);
	if (v->kind == RON_STRUCT &&
	    (field(v, "fg") != NULL || field(v, "bg") != NULL) &&
	    (rc = audit_style(c, v)) != RTG_OK)
		goto out;

	for (const struct ron *k = v->child; k != NULL; k = k->next, i++) {
		size_t m = c->plen;

		if (k->key != NULL)
			path_push(c, "%s%.*s", c->plen ? "." : "", (int)k->key_len, k->key);
		else if (k->map_key != NULL && k->map_key->kind == RON_STRING) {
			char shown[32];

			show_str(k->map_key, shown);
			path_push(c, ".%s", shown);
		}
		else if (k->map_key != NULL)
			path_push(c, "[%.*s]", (int)k->map_key->name_len,
			          k->map_key->name != NULL ? k->map_key->name : "?");
		else if (v->kind == RON_LIST || (v->kind == RON_TUPLE && v->n > 1))
			path_push(c, "[%zu]", i);
		rc = walk_styles(c, k);
		path_pop(c, m);
		if (rc != RTG_OK)
			goto out;
	}
out:
	path_pop(c, mark);
	return rc;
}

/* cava.bar_color is not a style: Single(c), Rows([c...]) or Gradient({n: c})
 * colour the bars, drawn on cava.bg_color or else the background. */
static int
audit_bars(struct check *c, const struct ron *v, const struct rtg_rgb8 *bg)
{
	int rc;

	if (v->kind == RON_STRING) {
		struct rtg_rgb8 fg;

		if (rtg_hex_parse(v->str, &fg) != RTG_OK)
			return cerr(c, v->line, "bar_color: bad colour");
		if (bg != NULL)
			return add_pair(c, v->line, fg, *bg, RTG_MIN_UI);
		for (int i = 0; i < c->nbg; i++)
			if ((rc = add_pair(c, v->line, fg, c->bgs[i], RTG_MIN_UI)) != RTG_OK)
				return rc;
		return RTG_OK;
	}
	for (const struct ron *k = v->child; k != NULL; k = k->next)
		if ((rc = audit_bars(c, k, bg)) != RTG_OK)
			return rc;
	return RTG_OK;
}

/* The backgrounds, text_color and the cava bars (not a style struct). */
static int
audit_root(struct check *c)
{
	static const char *const more[] = { "header_background_color",
	                                    "modal_background_color" };
	const struct ron *root = c->root, *v, *cava;
	struct rtg_rgb8 col;
	int rc;

	v = field_set(root, "background_color");
	if (v == NULL)
		return cerr(c, root->line, "background_color is not set: the "
		            "contrast of the theme cannot be judged");
	if ((rc = check_colour(c, v, "background_color", &col)) != RTG_OK)
		return rc;
	/* background first: rmpc's main background leads the list, then the
	 * pane backgrounds found by walk_formats */
	{
		struct rtg_rgb8 all[MAX_BACKGROUNDS];
		int n = 1;

		all[0] = col;
		for (int i = 0; i < c->nbg; i++) {
			if (c->bgs[i].r == col.r && c->bgs[i].g == col.g &&
			    c->bgs[i].b == col.b)
				continue;
			if (n >= MAX_BACKGROUNDS)
				return cerr(c, v->line, "more than %d different "
				            "background colours", MAX_BACKGROUNDS);
			all[n++] = c->bgs[i];
		}
		memcpy(c->bgs, all, (size_t)n * sizeof all[0]);
		c->nbg = n;
	}
	for (size_t i = 0; i < 2; i++) {
		if ((v = field_set(root, more[i])) == NULL)
			continue;
		if ((rc = check_colour(c, v, more[i], &col)) != RTG_OK ||
		    (rc = add_background(c, col, v->line)) != RTG_OK)
			return rc;
	}

	v = field_set(root, "text_color");
	if (v == NULL)
		return cerr(c, root->line, "text_color is not set: plain text would "
		            "take the terminal's colour");
	if ((rc = check_colour(c, v, "text_color", &c->text)) != RTG_OK)
		return rc;
	path_push(c, "text_color");
	for (int i = 0; i < c->nbg; i++)
		if ((rc = add_pair(c, v->line, c->text, c->bgs[i], RTG_MIN_TEXT)) != RTG_OK)
			return rc;
	path_pop(c, 0);

	cava = field_set(root, "cava");
	if (cava != NULL && (v = field_set(cava, "bar_color")) != NULL) {
		const struct ron *bgv = field_set(cava, "bg_color");
		struct rtg_rgb8 cbg;

		if (bgv != NULL && (rc = check_colour(c, bgv, "bg_color", &cbg)) != RTG_OK)
			return rc;
		path_push(c, "cava.bar_color");
		rc = audit_bars(c, v, bgv != NULL ? &cbg : NULL);
		path_pop(c, 0);
		if (rc != RTG_OK)
			return rc;
	}
	return RTG_OK;
}

void
rtg_audit_free(struct rtg_audit *a)
{
	if (a == NULL)
		return;
	free(a->pairs);
	memset(a, 0, sizeof *a);
}

int
rtg_theme_check(const char *text, size_t len, const char *name,
                struct rtg_audit *audit, char *err)
{
	struct parser p;
	struct check *c = NULL;
	struct ron *root = NULL;
	int rc, bad_line, is_nul;

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
	if ((bad_line = utf8_bad_line(text, len, &is_nul)) != 0)
		return rtg_fail(err, RTG_ERR_THEME, "%s:%d: %s", name, bad_line,
		                is_nul ? "NUL byte" : "not valid UTF-8");

	memset(&p, 0, sizeof p);
	p.s = text;
	p.len = len;
	p.line = 1;
	p.name = name;
	p.err = err;
	if ((rc = parse_attributes(&p)) != RTG_OK ||
	    (rc = parse_value(&p, &root)) != RTG_OK ||
	    (rc = skip_ws(&p)) != RTG_OK)
		goto out;
	if (p.pos < p.len) {
		char cb[8];

		rc = perr(&p, p.line, "unexpected %s after the theme",
		          show_char(&p, cb));
		goto out;
	}

	/* the component tables make it too big for the stack */
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		rc = rtg_fail(err, RTG_ERR_NOMEM, "%s: out of memory", name);
		goto out;
	}
	c->name = name;
	c->err = err;
	c->audit = audit;
	c->root = unwrap(root);
	if (c->root->kind != RON_STRUCT) {
		rc = cerr(c, c->root->line, "a theme is a struct: ( ... )");
		goto out;
	}
	if ((rc = walk_formats(c, c->root, 0)) != RTG_OK ||
	    (rc = check_shape(c)) != RTG_OK ||
	    (rc = audit_root(c)) != RTG_OK ||
	    (rc = walk_styles(c, c->root)) != RTG_OK)
		goto out;
	if (c->failures > 0)
		rc = rtg_fail(err, RTG_ERR_CONTRAST, "%s", c->first);
out:
	free(c);
	arena_free(&p.arena);
	return rc;
}
