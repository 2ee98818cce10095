/* status.c - error strings. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "status.h"

const char *
rtg_strerror(int status)
{
	switch (status) {
	case RTG_OK: return "success";
	case RTG_ERR_NOMEM: return "out of memory";
	case RTG_ERR_ARG: return "invalid argument";
	case RTG_ERR_FORMAT: return "not a supported image";
	case RTG_ERR_DECODE: return "image cannot be decoded";
	case RTG_ERR_LIMIT: return "limit exceeded";
	case RTG_ERR_UNSUPPORTED: return "not supported in this build";
	case RTG_ERR_TEMPLATE: return "template error";
	case RTG_ERR_THEME: return "invalid theme";
	case RTG_ERR_CONTRAST: return "contrast audit failed";
	case RTG_ERR_IO: return "input/output error";
	}
	return "unknown error";
}

int
rtg_fail(char *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err, RTG_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return status;
}
