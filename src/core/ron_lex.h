/* ron_lex.h - the RON parser's cursor and its lexical layer (ron_lex.c):
 * white space and comments, identifiers, and the scalar literals (strings,
 * raw strings, chars, numbers).  Internal to ron.c, which parses the
 * compound values and owns the tree's memory. */
#ifndef RTG_RON_LEX_H
#define RTG_RON_LEX_H

#include <stddef.h>

#include "ron.h"

struct rtg_ron_parser {
	const char *s;
	size_t len, pos;
	int line, depth;
	size_t nodes;
	struct rtg_ron_chunk *mem;
	const char *name;
	char *err;
};

static inline int
peek(const struct rtg_ron_parser *p, size_t off)
{
	return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : -1;
}

static inline int
is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* ron.c: the tree's memory (lives until rtg_ron_free) and its values; a new
 * value counts against RTG_THEME_MAX_NODES. */
void *rtg_ron_alloc(struct rtg_ron_parser *p, size_t n);
int rtg_ron_node(struct rtg_ron_parser *p, enum rtg_ron_kind kind, int line,
                 struct rtg_ron **out);

/* ron_lex.c */
int rtg_ron_fail(struct rtg_ron_parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rtg_ron_nomem(struct rtg_ron_parser *p);
/* Describes the character at the cursor for a message. */
const char *rtg_ron_show_char(const struct rtg_ron_parser *p, char buf[8]);
/* Skips blanks, newlines and comments; block comments nest, as in RON. */
int rtg_ron_skip_ws(struct rtg_ron_parser *p);
/* Skips an identifier; returns its length (0: none at the cursor). */
size_t rtg_ron_ident(struct rtg_ron_parser *p);
/* The literal at the cursor (at '"', 'r', '\'', a digit or a sign). */
int rtg_ron_string(struct rtg_ron_parser *p, struct rtg_ron **out);
int rtg_ron_raw_string(struct rtg_ron_parser *p, struct rtg_ron **out);
int rtg_ron_char(struct rtg_ron_parser *p, struct rtg_ron **out);
int rtg_ron_number(struct rtg_ron_parser *p, struct rtg_ron **out);
/* The line of the first byte that is not UTF-8 or is NUL (*is_nul), or 0. */
int rtg_ron_utf8_bad_line(const char *s, size_t len, int *is_nul);

#endif
