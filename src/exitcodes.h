/* exitcodes.h - documented exit statuses (README, rmpc-theme-gen(1)). */
#ifndef RTG_EXITCODES_H
#define RTG_EXITCODES_H

enum rtg_exit {
	RTG_EXIT_OK = 0,           /* theme written, or unchanged */
	RTG_EXIT_USAGE = 64,       /* bad command line */
	RTG_EXIT_DATA = 65,        /* image cannot be decoded / not an image / too big */
	RTG_EXIT_NOINPUT = 66,     /* input file cannot be read */
	RTG_EXIT_UNAVAILABLE = 69, /* MPD unreachable, or access denied */
	RTG_EXIT_SOFTWARE = 70,    /* internal error (out of memory, failed audit) */
	RTG_EXIT_CANTCREAT = 73,   /* theme/report cannot be written */
	RTG_EXIT_NOART = 75,       /* nothing playing, or current song has no art */
	RTG_EXIT_CONFIG = 78,      /* bad config file or template */
};

#endif
