/* fuzz.h - shared by the libFuzzer targets in fuzz/: an invariant that does
 * not hold is a finding, so it aborts (libFuzzer saves the input). */
#ifndef RTG_FUZZ_H
#define RTG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

/* The error contract of every core call (status.h): a negative status comes
 * with a non-empty one-line message that fits the buffer. */
static inline void
fuzz_check_failure(int st, const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);

	FUZZ_ASSERT(st < 0, "status %d is not a failure", st);
	FUZZ_ASSERT(n > 0, "status %d without a message", st);
	FUZZ_ASSERT(n < errlen, "status %d: message not terminated", st);
	FUZZ_ASSERT(memchr(err, '\n', n) == NULL, "status %d: message has a newline: %s",
	            st, err);
}

#endif
