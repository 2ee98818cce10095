/* ron.c - the RON parser's grammar (compound values, attributes, the whole
 * text) and the value tree: its memory, an arena freed at once, and the
 * helpers the checks read it with.  The tokens are ron_lex.c's. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ron_lex.h"
#include "status.h"
#include "theme.h"

#define MAX_FIELDS 1024 /* fields in one struct (rmpc's have < 64) */

/* ---- arena ------------------------------------------------------------- */

#define CHUNK_BYTES (64u * 1024)

struct rtg_ron_chunk {
	struct rtg_ron_chunk *next;
	size_t used, cap;
	max_align_t mem[];
};

void *
rtg_ron_alloc(struct rtg_ron_parser *p, size_t n)
{
	const size_t al = sizeof(max_align_t);
	struct rtg_ron_chunk *head = p->mem;
	void *m;

	n = (n + al - 1) / al * al;
	if (head == NULL || head->cap - head->used < n) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;
		struct rtg_ron_chunk *c = malloc(sizeof *c + cap);

		if (c == NULL)
			return NULL;
		c->next = head;
		c->used = 0;
		c->cap = cap;
		p->mem = head = c;
	}
	m = (char *)head->mem + head->used;
	head->used += n;
	return m;
}

void
rtg_ron_free(struct rtg_ron_doc *doc)
{
	while (doc->mem != NULL) {
		struct rtg_ron_chunk *next = doc->mem->next;

		free(doc->mem);
		doc->mem = next;
	}
	doc->root = NULL;
}

/* ---- values -------------------------------------------------------------- */

int
rtg_ron_node(struct rtg_ron_parser *p, enum rtg_ron_kind kind, int line,
             struct rtg_ron **out)
{
	struct rtg_ron *r;

	if (p->nodes >= RTG_THEME_MAX_NODES)
		return rtg_ron_fail(p, line, "more than %u values", RTG_THEME_MAX_NODES);
	r = rtg_ron_alloc(p, sizeof *r);
	if (r == NULL)
		return rtg_ron_nomem(p);
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->line = line;
	p->nodes++;
	*out = r;
	return RTG_OK;
}

static void
append(struct rtg_ron *parent, struct rtg_ron *child)
{
	if (parent->last != NULL)
		parent->last->next = child;
	else
		parent->child = child;
	parent->last = child;
	parent->n++;
}

static int
span_is(const char *p, size_t n, const char *s)
{
	return p != NULL && n == strlen(s) && memcmp(p, s, n) == 0;
}

static int parse_value(struct rtg_ron_parser *p, struct rtg_ron **out);

/* One item of a bracketed sequence, added to r. */
typedef int item_fn(struct rtg_ron_parser *p, struct rtg_ron *r);

/* The items of a list, tuple, struct, map or attribute up to and including
 * the closing bracket, each followed by ',' unless the bracket follows. */
static int
parse_items(struct rtg_ron_parser *p, struct rtg_ron *r, char close,
            item_fn *item)
{
	char cb[8];
	int rc;

	for (;;) {
		if ((rc = rtg_ron_skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) == close) {
			p->pos++;
			return RTG_OK;
		}
		if ((rc = item(p, r)) != RTG_OK ||
		    (rc = rtg_ron_skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) == ',')
			p->pos++;
		else if (peek(p, 0) != close)
			return rtg_ron_fail(p, p->line, "expected ',' or '%c', found %s",
			                    close, rtg_ron_show_char(p, cb));
	}
}

static int
parse_element(struct rtg_ron_parser *p, struct rtg_ron *r)
{
	struct rtg_ron *v;
	int rc;

	if ((rc = parse_value(p, &v)) != RTG_OK)
		return rc;
	append(r, v);
	return RTG_OK;
}

static int
parse_field(struct rtg_ron_parser *p, struct rtg_ron *r)
{
	const char *key = p->s + p->pos;
	int kline = p->line;
	struct rtg_ron *v;
	size_t klen;
	char cb[8];
	int rc;

	if (!is_ident_start(peek(p, 0)))
		return rtg_ron_fail(p, p->line, "expected a field name, found %s",
		                    rtg_ron_show_char(p, cb));
	klen = rtg_ron_ident(p);
	if ((rc = rtg_ron_skip_ws(p)) != RTG_OK)
		return rc;
	if (peek(p, 0) != ':')
		return rtg_ron_fail(p, p->line, "expected ':' after %.*s", (int)klen, key);
	p->pos++;
	if ((rc = parse_value(p, &v)) != RTG_OK)
		return rc;
	v->key = key;
	v->key_len = klen;
	if (r->n >= MAX_FIELDS)
		return rtg_ron_fail(p, kline, "more than %d fields", MAX_FIELDS);
	/* serde rejects a repeated field: so must we. */
	for (const struct rtg_ron *c = r->child; c != NULL; c = c->next)
		if (c->key_len == klen && memcmp(c->key, key, klen) == 0)
			return rtg_ron_fail(p, kline, "duplicate field %.*s", (int)klen, key);
	append(r, v);
	return RTG_OK;
}

static int
parse_entry(struct rtg_ron_parser *p, struct rtg_ron *r)
{
	struct rtg_ron *k, *v;
	char cb[8];
	int rc;

	if ((rc = parse_value(p, &k)) != RTG_OK ||
	    (rc = rtg_ron_skip_ws(p)) != RTG_OK)
		return rc;
	if (peek(p, 0) != ':')
		return rtg_ron_fail(p, p->line, "expected ':' after a map key, found %s",
		                    rtg_ron_show_char(p, cb));
	p->pos++;
	if ((rc = parse_value(p, &v)) != RTG_OK)
		return rc;
	v->map_key = k;
	append(r, v);
	return RTG_OK;
}

/* After '(' (and the optional name): a struct if the first thing inside is
 * "ident :", a tuple otherwise; "()" is an empty struct. */
static int
parse_parens(struct rtg_ron_parser *p, const char *name, size_t name_len,
             int line, struct rtg_ron **out)
{
	struct rtg_ron *r;
	int rc, is_struct = 0;

	p->pos++; /* ( */
	if ((rc = rtg_ron_skip_ws(p)) != RTG_OK)
		return rc;
	if (is_ident_start(peek(p, 0))) {
		size_t save = p->pos;
		int save_line = p->line;

		rtg_ron_ident(p);
		if (rtg_ron_skip_ws(p) == RTG_OK && peek(p, 0) == ':' && peek(p, 1) != ':')
			is_struct = 1;
		p->pos = save;
		p->line = save_line;
	}
	if (peek(p, 0) == ')')
		is_struct = 1;
	if ((rc = rtg_ron_node(p, is_struct ? RTG_RON_STRUCT : RTG_RON_TUPLE, line,
	                       &r)) != RTG_OK)
		return rc;
	r->name = name;
	r->name_len = name_len;
	if ((rc = parse_items(p, r, ')', is_struct ? parse_field : parse_element)) != RTG_OK)
		return rc;
	*out = r;
	return RTG_OK;
}

/* [ ... ] or { ... } */
static int
parse_brackets(struct rtg_ron_parser *p, enum rtg_ron_kind kind,
               struct rtg_ron **out)
{
	struct rtg_ron *r;
	int rc;

	if ((rc = rtg_ron_node(p, kind, p->line, &r)) != RTG_OK)
		return rc;
	p->pos++;
	if (kind == RTG_RON_LIST)
		rc = parse_items(p, r, ']', parse_element);
	else
		rc = parse_items(p, r, '}', parse_entry);
	if (rc != RTG_OK)
		return rc;
	*out = r;
	return RTG_OK;
}

static int
parse_value_inner(struct rtg_ron_parser *p, struct rtg_ron **out)
{
	int c, rc;
	char cb[8];

	if ((rc = rtg_ron_skip_ws(p)) != RTG_OK)
		return rc;
	c = peek(p, 0);
	if (c < 0)
		return rtg_ron_fail(p, p->line, "unexpected end of input");
	if (c == '(')
		return parse_parens(p, NULL, 0, p->line, out);
	if (c == '[')
		return parse_brackets(p, RTG_RON_LIST, out);
	if (c == '{')
		return parse_brackets(p, RTG_RON_MAP, out);
	if (c == '"')
		return rtg_ron_string(p, out);
	if (c == '\'')
		return rtg_ron_char(p, out);
	if (c == 'r' && (peek(p, 1) == '"' || (peek(p, 1) == '#' &&
	                                       (peek(p, 2) == '"' || peek(p, 2) == '#'))))
		return rtg_ron_raw_string(p, out);
	if (c == 'b' && peek(p, 1) == '"') {
		p->pos++; /* byte string: same text rules */
		return rtg_ron_string(p, out);
	}
	if (is_digit(c) || c == '-' || c == '+' || c == '.')
		return rtg_ron_number(p, out);
	if (is_ident_start(c)) {
		const char *name = p->s + p->pos;
		int line = p->line;
		size_t n = rtg_ron_ident(p);
		struct rtg_ron *r;

		if ((rc = rtg_ron_skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) == '(')
			return parse_parens(p, name, n, line, out);
		if ((rc = rtg_ron_node(p, RTG_RON_IDENT, line, &r)) != RTG_OK)
			return rc;
		if (span_is(name, n, "true") || span_is(name, n, "false"))
			r->kind = RTG_RON_BOOL;
		r->name = name;
		r->name_len = n;
		*out = r;
		return RTG_OK;
	}
	return rtg_ron_fail(p, p->line, "unexpected %s", rtg_ron_show_char(p, cb));
}

static int
parse_value(struct rtg_ron_parser *p, struct rtg_ron **out)
{
	int rc;

	if (p->depth >= RTG_THEME_MAX_DEPTH)
		return rtg_ron_fail(p, p->line, "nested deeper than %d levels",
		                    RTG_THEME_MAX_DEPTH);
	p->depth++;
	rc = parse_value_inner(p, out);
	p->depth--;
	return rc;
}

/* An item of #![enable(a, b)]: a name, nothing kept. */
static int
parse_extension(struct rtg_ron_parser *p, struct rtg_ron *r)
{
	char cb[8];

	(void)r;
	if (rtg_ron_ident(p) == 0)
		return rtg_ron_fail(p, p->line, "expected an extension name, found %s",
		                    rtg_ron_show_char(p, cb));
	return RTG_OK;
}

/* #![enable(implicit_some, ...)] lines before the value. */
static int
parse_attributes(struct rtg_ron_parser *p)
{
	int rc;

	for (;;) {
		int line;
		char cb[8];

		if ((rc = rtg_ron_skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) != '#')
			return RTG_OK;
		line = p->line;
		if (peek(p, 1) != '!' || peek(p, 2) != '[')
			return rtg_ron_fail(p, line, "expected #![...]");
		p->pos += 3;
		if ((rc = rtg_ron_skip_ws(p)) != RTG_OK)
			return rc;
		if (rtg_ron_ident(p) == 0)
			return rtg_ron_fail(p, line, "expected an attribute name");
		if ((rc = rtg_ron_skip_ws(p)) != RTG_OK)
			return rc;
		if (peek(p, 0) == '(') {
			p->pos++;
			if ((rc = parse_items(p, NULL, ')', parse_extension)) != RTG_OK ||
			    (rc = rtg_ron_skip_ws(p)) != RTG_OK)
				return rc;
		}
		if (peek(p, 0) != ']')
			return rtg_ron_fail(p, p->line, "expected ']', found %s",
			                    rtg_ron_show_char(p, cb));
		p->pos++;
	}
}

int
rtg_ron_parse(const char *text, size_t len, const char *name,
              struct rtg_ron_doc *doc, char *err)
{
	struct rtg_ron_parser p;
	int rc, bad_line, is_nul;

	memset(&p, 0, sizeof p);
	p.s = text;
	p.len = len;
	p.line = 1;
	p.name = name;
	p.err = err;
	if ((bad_line = rtg_ron_utf8_bad_line(text, len, &is_nul)) != 0)
		return rtg_ron_fail(&p, bad_line, "%s", is_nul ? "NUL byte" : "not valid UTF-8");
	if ((rc = parse_attributes(&p)) == RTG_OK &&
	    (rc = parse_value(&p, &doc->root)) == RTG_OK &&
	    (rc = rtg_ron_skip_ws(&p)) == RTG_OK && p.pos < p.len) {
		char cb[8];

		rc = rtg_ron_fail(&p, p.line, "unexpected %s after the theme",
		                  rtg_ron_show_char(&p, cb));
	}
	doc->mem = p.mem;
	return rc;
}

/* ---- tree helpers ------------------------------------------------------ */

int
rtg_ron_name_is(const struct rtg_ron *r, const char *s)
{
	return span_is(r->name, r->name_len, s);
}

int
rtg_ron_key_is(const struct rtg_ron *r, const char *s)
{
	return span_is(r->key, r->key_len, s);
}

const struct rtg_ron *
rtg_ron_unwrap(const struct rtg_ron *r)
{
	while (r != NULL && r->kind == RTG_RON_TUPLE && r->n == 1 &&
	       rtg_ron_name_is(r, "Some"))
		r = r->child;
	return r;
}

int
rtg_ron_is_none(const struct rtg_ron *r)
{
	return r != NULL && r->kind == RTG_RON_IDENT && rtg_ron_name_is(r, "None");
}

const struct rtg_ron *
rtg_ron_field(const struct rtg_ron *st, const char *key)
{
	if (st == NULL || st->kind != RTG_RON_STRUCT)
		return NULL;
	for (const struct rtg_ron *c = st->child; c != NULL; c = c->next)
		if (rtg_ron_key_is(c, key))
			return rtg_ron_unwrap(c);
	return NULL;
}

const struct rtg_ron *
rtg_ron_field_set(const struct rtg_ron *st, const char *key)
{
	const struct rtg_ron *v = rtg_ron_field(st, key);

	return rtg_ron_is_none(v) ? NULL : v;
}
