/* ron.h - a RON (Rusty Object Notation) reader for rendered rmpc themes:
 * the value tree and the helpers the theme checks walk it with.  Internal
 * to the theme check (theme.c, theme_rules.c, theme_audit.c).
 *
 * It covers what rmpc themes use (structs with or without a name, tuples,
 * lists, maps, strings with escapes, raw strings, chars, numbers, booleans,
 * identifiers, newtype variants such as Some(x), // and nested block
 * comments and #![enable(...)] headers) and refuses input beyond the limits
 * of theme.h (RTG_THEME_MAX_DEPTH, RTG_THEME_MAX_NODES), so hostile text
 * costs bounded time and memory.  The caller bounds the size. */
#ifndef RTG_RON_H
#define RTG_RON_H

#include <stdarg.h>
#include <stddef.h>

enum rtg_ron_kind {
	RTG_RON_STRUCT, /* (a: 1) or Name(a: 1); also () */
	RTG_RON_TUPLE,  /* (1, 2) or Name(1, 2) */
	RTG_RON_LIST,
	RTG_RON_MAP,
	RTG_RON_STRING,
	RTG_RON_CHAR,
	RTG_RON_NUMBER,
	RTG_RON_BOOL,
	RTG_RON_IDENT,  /* unit variant or unit struct: None, Left, Rounded */
};

/* Every value knows its line; a struct's fields keep their names, a map's
 * values their keys.  Names and keys point into the parsed text. */
struct rtg_ron {
	enum rtg_ron_kind kind;
	int line;
	const char *name; /* struct/tuple name, identifier, number text */
	size_t name_len;
	char *str;        /* STRING, CHAR: decoded, NUL-terminated */
	size_t str_len;
	const char *key;  /* field name, as a struct field */
	size_t key_len;
	struct rtg_ron *map_key; /* key, as a map value */
	struct rtg_ron *child, *last, *next;
	size_t n;
};

struct rtg_ron_chunk;

/* A parsed text: the root value and the memory of the whole tree. */
struct rtg_ron_doc {
	struct rtg_ron *root;
	struct rtg_ron_chunk *mem;
};

/* Parses len bytes of text (NAME in messages) into doc, which must be zeroed
 * and is released with rtg_ron_free() whatever the result.  The text must be
 * UTF-8 without NUL bytes (rmpc reads it as a Rust String), hold
 * #![...] attributes and then one value.  Returns 0, RTG_ERR_THEME with
 * "NAME:LINE: ..." in err, or RTG_ERR_NOMEM. */
int rtg_ron_parse(const char *text, size_t len, const char *name,
                  struct rtg_ron_doc *doc, char *err);
void rtg_ron_free(struct rtg_ron_doc *doc);

/* "NAME:LINE: message" into err; returns RTG_ERR_THEME.  The one form of a
 * message about a place in the text, for the parser and the checks. */
int rtg_ron_verror(char *err, const char *name, int line, const char *fmt,
                   va_list ap)
	__attribute__((format(printf, 4, 0)));

/* ---- tree helpers */

int rtg_ron_name_is(const struct rtg_ron *r, const char *s);
int rtg_ron_key_is(const struct rtg_ron *r, const char *s);
/* Some(x) -> x (implicit_some makes the wrapper optional). */
const struct rtg_ron *rtg_ron_unwrap(const struct rtg_ron *r);
int rtg_ron_is_none(const struct rtg_ron *r);
/* A struct's field, Some() removed; NULL when absent. */
const struct rtg_ron *rtg_ron_field(const struct rtg_ron *st, const char *key);
/* A field that is present and not None. */
const struct rtg_ron *rtg_ron_field_set(const struct rtg_ron *st, const char *key);

#endif
