/* check.c - the --check doctor (being written). */
#include <config.h>

#include "exitcodes.h"
#include "modes.h"

int rtg_check_run(const struct rtg_settings *s, const char *config_path)
{
	(void)s;
	(void)config_path;
	return RTG_EXIT_SOFTWARE;
}
