/* cli.h - the command line, and settings built in order of precedence:
 * defaults < config file < command line. */
#ifndef RTG_CLI_H
#define RTG_CLI_H

#include <stdio.h>

#include "settings.h"

enum rtg_cli_action { RTG_CLI_RUN, RTG_CLI_HELP, RTG_CLI_VERSION };

/* Parses argv and remembers the options given (module state, kept until
 * rtg_cli_free) so that rtg_settings_build can lay them over the config
 * file, also later when the watcher re-reads that file.  Returns an
 * rtg_cli_action, or RTG_ERR_ARG with "--opt: reason" in err (a usage
 * error), or RTG_ERR_NOMEM. */
int rtg_cli_parse(int argc, char *const argv[], char *err);
void rtg_cli_free(void);

/* --config PATH as given, or NULL. */
const char *rtg_cli_config_path(void);
/* --theme-output PATH as given, or NULL: whether the theme path came from
 * the command line, without building settings to find out. */
const char *rtg_cli_theme_output(void);
/* The verbosity -q / -v gave, else the default (0): what the settings
 * hold before the config file is read, so that its warnings honour -q. */
int rtg_cli_verbosity(void);

/* out = defaults, then the keys of the config file at config_path (NULL:
 * none), then the command line.  On failure out is left empty (nothing to
 * free) and the config's rtg_status is returned with its message in err
 * (RTG_ERR_IO: unreadable, RTG_ERR_ARG: "FILE:LINE: reason"), or
 * RTG_ERR_NOMEM. */
int rtg_settings_build(const char *config_path, struct rtg_settings *out,
                       char *err);

void rtg_cli_usage(FILE *f);
void rtg_cli_version(FILE *f);

#endif
