/* text.h - byte-level text helpers shared by the RON parser (ron_lex.c),
 * the JSON report (report.c) and colour parsing (colour.c). */
#ifndef RTG_TEXT_H
#define RTG_TEXT_H

#include <stddef.h>

/* Value of the hex digit c (any int, EOF included), or -1. */
int rtg_hex_digit(int c);

/* Length of the valid UTF-8 sequence at s (n >= 1 bytes left), 0 if
 * invalid.  Rejects overlong forms, surrogates and code points above
 * U+10FFFF; a NUL byte counts as valid (length 1). */
size_t rtg_utf8_seq_len(const unsigned char *s, size_t n);

#endif
