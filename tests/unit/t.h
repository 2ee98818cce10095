/* t.h - minimal assertion helpers for the unit tests (exit status drives the
 * automake harness: 0 pass, 1 fail, 77 skip). */
#ifndef RTG_T_H
#define RTG_T_H

#include <math.h>
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

static inline int
t_done(void)
{
	printf("%d checks, %d failed\n", t_checks, t_failures);
	return t_failures ? 1 : 0;
}

#endif
