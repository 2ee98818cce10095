/* preview.h - truecolor terminal preview of a palette and a mock rmpc screen. */
#ifndef RTG_PREVIEW_H
#define RTG_PREVIEW_H

#include <stdio.h>

#include "pipeline.h"

void rtg_preview(FILE *f, const struct rtg_result *res);

#endif
