/* preview.h - truecolor terminal preview of a palette and a mock rmpc screen. */
#ifndef RTG_PREVIEW_H
#define RTG_PREVIEW_H

#include <stdio.h>

#include "pipeline.h"

enum rtg_preview_style {
	RTG_PREVIEW_TRUECOLOR, /* 24-bit ANSI colour swatches and mock screen */
	RTG_PREVIEW_PLAIN,     /* the same facts as text: hex, shares, ratios */
};

/* Truecolor, whatever f is: the caller asked for a preview (--preview). */
void rtg_preview(FILE *f, const struct rtg_result *res);
void rtg_preview_styled(FILE *f, const struct rtg_result *res,
                        enum rtg_preview_style style);

#endif
