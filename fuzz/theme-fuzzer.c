/* theme-fuzzer.c - rtg_theme_check on arbitrary text: the RON parser, the
 * shape rules and the contrast audit.
 *
 * Invariants: the status is 0, RTG_ERR_THEME or RTG_ERR_CONTRAST (never a
 * crash, never out of memory within RTG_THEME_MAX_*); the audit agrees with
 * the status (0 = no pair below its minimum, CONTRAST = the failures are
 * exactly the pairs below it); each pair's ratio is the WCAG ratio of its
 * colours; checking without an audit gives the same status and message. */
#include "config.h"

#include "colour.h"
#include "fuzz.h"
#include "roles.h"
#include "status.h"
#include "theme.h"

static const char NAME[] = "fuzz.ron";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct rtg_audit audit = { 0 };
	char err[RTG_ERRLEN] = "", err2[RTG_ERRLEN] = "";
	size_t below = 0;
	int st, st2, lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	st = rtg_theme_check(text, size, NAME, &audit, err);
	FUZZ_ASSERT(st == RTG_OK || st == RTG_ERR_THEME || st == RTG_ERR_CONTRAST,
	            "status %d (%s)", st, err);
	if (st != RTG_OK) {
		fuzz_check_failure(st, err, sizeof err);
		FUZZ_ASSERT(strncmp(err, NAME, sizeof NAME - 1) == 0 && err[sizeof NAME - 1] == ':',
		            "message does not name the theme: %s", err);
	}
	for (size_t i = 0; i < audit.n; i++) {
		const struct rtg_audit_pair *p = &audit.pairs[i];
		double r = rtg_contrast_ratio(p->fg, p->bg);

		FUZZ_ASSERT(memchr(p->path, '\0', sizeof p->path) != NULL, "pair %zu: path", i);
		FUZZ_ASSERT(p->line >= 1 && p->line <= lines, "pair %zu: line %d of %d", i,
		            p->line, lines);
		FUZZ_ASSERT(p->ratio == r && r >= 1 && r <= 21.0001, "pair %zu: ratio %g, WCAG %g",
		            i, p->ratio, r);
		FUZZ_ASSERT(p->min == RTG_MIN_TEXT || p->min == RTG_MIN_UI || p->min == RTG_MIN_TRACK,
		            "pair %zu: minimum %g", i, p->min);
		below += p->ratio < p->min;
	}
	if (st == RTG_OK)
		FUZZ_ASSERT(below == 0 && audit.failures == 0, "passed with %zu pairs below (%zu)",
		            below, audit.failures);
	if (st == RTG_ERR_CONTRAST)
		FUZZ_ASSERT(below > 0 && audit.failures == below, "%zu failures, %zu pairs below",
		            audit.failures, below);
	rtg_audit_free(&audit);

	st2 = rtg_theme_check(text, size, NAME, NULL, err2);
	FUZZ_ASSERT(st2 == st && (st == RTG_OK || strcmp(err, err2) == 0),
	            "without an audit: %d (%s), with: %d (%s)", st2, err2, st, err);
	return 0;
}
