/* main.c - parse the command line, build the settings (defaults < config
 * file < command line) and run one mode.  Everything else lives in the
 * library so that tests and benchmarks link the same code. */
#include "config.h"

#include <stdlib.h>

#include "cli.h"
#include "configfile.h"
#include "exitcodes.h"
#include "log.h"
#include "modes.h"
#include "status.h"

int
main(int argc, char **argv)
{
	char err[RTG_ERRLEN] = "";
	struct rtg_settings s;
	char *config_path = NULL;
	int rc, ex;

	rc = rtg_cli_parse(argc, argv, err);
	if (rc < 0) {
		fprintf(stderr, PACKAGE_NAME ": %s\n", err);
		rtg_cli_free();
		return rc == RTG_ERR_NOMEM ? RTG_EXIT_SOFTWARE : RTG_EXIT_USAGE;
	}
	if (rc == RTG_CLI_HELP || rc == RTG_CLI_VERSION) {
		if (rc == RTG_CLI_HELP)
			rtg_cli_usage(stdout);
		else
			rtg_cli_version(stdout);
		rtg_cli_free();
		return fflush(stdout) == 0 ? RTG_EXIT_OK : RTG_EXIT_CANTCREAT;
	}

	/* Warnings while reading the config already honour -q / -v. */
	rtg_log_init(rtg_cli_verbosity(), 0);

	config_path = rtg_config_find(rtg_cli_config_path());
	rc = rtg_settings_build(config_path, &s, err);
	if (rc != 0) {
		rtg_log(RTG_LOG_ERR, "%s", err);
		ex = rc == RTG_ERR_NOMEM ? RTG_EXIT_SOFTWARE
		   : rc == RTG_ERR_IO ? RTG_EXIT_NOINPUT : RTG_EXIT_CONFIG;
		goto out;
	}
	if ((rc = rtg_settings_resolve_paths(&s, err)) != 0) {
		rtg_log(RTG_LOG_ERR, "%s", err);
		ex = rc == RTG_ERR_NOMEM ? RTG_EXIT_SOFTWARE : RTG_EXIT_USAGE;
		goto out;
	}
	/* The watcher logs progress by default, with a time outside the
	 * journal; one-shot runs are silent unless something goes wrong. */
	rtg_log_init(s.watch && s.verbosity == 0 ? 1 : s.verbosity, s.watch);

	if (s.check)
		ex = rtg_check_run(&s, config_path);
	else if (s.watch)
		ex = rtg_watch_run(&s, config_path);
	else if (s.image != NULL)
		ex = rtg_oneshot_image(&s);
	else
		ex = rtg_oneshot_mpd(&s);
out:
	rtg_settings_free(&s);
	free(config_path);
	rtg_cli_free();
	return ex;
}
