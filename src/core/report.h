/* report.h - JSON report of a generation: palette, roles, audited pairs,
 * timings. */
#ifndef RTG_REPORT_H
#define RTG_REPORT_H

#include <stdio.h>

#include "pipeline.h"

/* source: image path or "mpd:URI"; publish_ms < 0 when nothing was
 * published.  Returns 0 or RTG_ERR_IO. */
int rtg_report_write(FILE *f, const struct rtg_result *res,
                     const struct rtg_options *o, const char *source,
                     const char *theme_path, double publish_ms);

#endif
