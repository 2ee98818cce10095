/* status.h - error codes shared by the core (no I/O, no exit()). */
#ifndef RTG_STATUS_H
#define RTG_STATUS_H

/* Every core call returns 0 (RTG_OK) or a negative rtg_status, and fills a
 * caller-provided message buffer of RTG_ERRLEN bytes with one line (no
 * trailing newline, no program name) that names the reason. */
#define RTG_ERRLEN 256

enum rtg_status {
	RTG_OK = 0,
	RTG_ERR_NOMEM = -1,       /* allocation failed */
	RTG_ERR_ARG = -2,         /* invalid argument/option */
	RTG_ERR_FORMAT = -3,      /* not an image / unknown format */
	RTG_ERR_DECODE = -4,      /* corrupt or truncated image */
	RTG_ERR_LIMIT = -5,       /* exceeds a configured limit */
	RTG_ERR_UNSUPPORTED = -6, /* format known but not in this build (WebP) */
	RTG_ERR_TEMPLATE = -7,    /* template cannot be rendered (file:line) */
	RTG_ERR_THEME = -8,       /* rendered theme violates rmpc's shape rules */
	RTG_ERR_CONTRAST = -9,    /* contrast audit failed */
	RTG_ERR_IO = -10,         /* file system error (publish, cache) */
};

const char *rtg_strerror(int status);

/* printf into an RTG_ERRLEN buffer (NULL-safe); returns status for chaining:
 *   return rtg_fail(err, RTG_ERR_DECODE, "truncated PNG");                  */
int rtg_fail(char *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
