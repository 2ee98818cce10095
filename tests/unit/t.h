/* t.h - minimal assertion helpers for the unit tests (exit status drives the
 * automake harness: 0 pass, 1 fail, 77 skip). */
#ifndef RTG_T_H
#define RTG_T_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int t_failures;
static int t_checks;

#define T_CHECK(cond, ...) do { \
	t_checks++; \
	if (!(cond)) { \
		t_failures++; \
		fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

#define T_NEAR(a, b, eps) T_CHECK(fabs((double)(a) - (double)(b)) <= (eps), \
	"%s = %.6f, expected %.6f +- %g", #a, (double)(a), (double)(b), (double)(eps))

/* Reads DIR/NAME whole (one spare NUL byte after the data); a fixture that
 * cannot be read is a broken test setup: exit 99, a hard error. */
static inline uint8_t *
t_slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	long n;
	uint8_t *b;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
	    (f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (b = malloc((size_t)n + 1)) == NULL ||
	    fread(b, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(99);
	}
	fclose(f);
	b[n] = 0;
	*len = (size_t)n;
	return b;
}

static inline int
t_done(void)
{
	printf("%d checks, %d failed\n", t_checks, t_failures);
	return t_failures ? 1 : 0;
}

#endif
