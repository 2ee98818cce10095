/* log.c - messages to stderr, one line each.
 *
 * Under systemd (JOURNAL_STREAM names our stderr) lines carry a "<N>"
 * syslog priority prefix, which journald turns into the entry's priority,
 * and no time: the journal stamps entries itself.  Elsewhere the watcher
 * asks for a local time prefix so that a log file read later makes sense. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_verbosity;
static int log_timestamps;
static int log_journal;

/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; it is only
 * ours if stderr is still that stream (a child of a unit may have been
 * redirected elsewhere). */
static int
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void
rtg_log_init(int verbosity, int timestamps)
{
	log_verbosity = verbosity;
	log_journal = log_stderr_is_journal();
	/* The journal adds its own time; so does anything that sets
	 * JOURNAL_STREAM at all, even if it does not match exactly. */
	log_timestamps = timestamps && getenv("JOURNAL_STREAM") == NULL;
}

int
rtg_log_enabled(enum rtg_log_level lvl)
{
	switch (lvl) {
	case RTG_LOG_ERR: return 1;
	case RTG_LOG_WARN: return log_verbosity >= 0;
	case RTG_LOG_INFO: return log_verbosity >= 1;
	case RTG_LOG_DEBUG: return log_verbosity >= 2;
	}
	return 0;
}

void
rtg_log(enum rtg_log_level lvl, const char *fmt, ...)
{
	/* syslog priorities: err 3, warning 4, info 6, debug 7 */
	static const int prio[] = { 3, 4, 6, 7 };
	char line[1024];
	char stamp[32] = "";
	va_list ap;

	if (!rtg_log_enabled(lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);

	if (log_timestamps) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		if (localtime_r(&ts.tv_sec, &tm) != NULL)
			strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S ", &tm);
	}
	/* One fprintf per line so concurrent writers do not interleave
	 * within a line. */
	if (log_journal)
		fprintf(stderr, "<%d>%s%s\n", prio[lvl], lvl == RTG_LOG_WARN ? "warning: " : "",
		        line);
	else
		fprintf(stderr, "%s" PACKAGE_NAME ": %s%s\n", stamp,
		        lvl == RTG_LOG_WARN ? "warning: " : "", line);
}
