/* log.h - messages to stderr.  Prefix "rmpc-theme-gen: "; no timestamps
 * (the journal adds its own when JOURNAL_STREAM is set; otherwise the
 * watcher adds a time only in --watch mode). */
#ifndef RTG_LOG_H
#define RTG_LOG_H

enum rtg_log_level { RTG_LOG_ERR, RTG_LOG_WARN, RTG_LOG_INFO, RTG_LOG_DEBUG };

/* verbosity: -1 (-q: errors only), 0 (default: errors+warnings, and info in
 * --watch mode), 1 (-v: info), 2 (-vv: debug).  timestamps: prefix lines
 * with the local time unless JOURNAL_STREAM is set. */
void rtg_log_init(int verbosity, int timestamps);
void rtg_log(enum rtg_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int rtg_log_enabled(enum rtg_log_level lvl);

#endif
