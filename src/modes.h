/* modes.h - what main() runs, and the one-shot steps the modes share.
 *
 * Each mode returns an exit status from exitcodes.h and has already logged
 * its one error line (rtg_log) when that status is not RTG_EXIT_OK.
 *
 *   --image FILE        rtg_oneshot_image   (oneshot.c)
 *   no source option    rtg_oneshot_mpd     (oneshot_mpd.c: current song's art)
 *   --watch             rtg_watch_run       (watch.c)
 *   --check             rtg_check_run       (check.c)
 */
#ifndef RTG_MODES_H
#define RTG_MODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

int rtg_oneshot_image(const struct rtg_settings *s);
int rtg_oneshot_mpd(const struct rtg_settings *s);
/* config_path: the file the settings were loaded from (NULL: none), to be
 * watched and re-read on change / SIGHUP with rtg_settings_build (cli.h). */
int rtg_watch_run(const struct rtg_settings *s, const char *config_path);
int rtg_check_run(const struct rtg_settings *s, const char *config_path);

/* ---- shared by the modes (oneshot.c) */

/* Reads a whole file ("-" is standard input) into a malloc'd buffer with a
 * NUL after the last byte.  A regular file's size is checked against max
 * (fstat) before anything is allocated; other files are read in chunks and
 * refused as soon as they pass max.  Returns 0, RTG_ERR_IO ("PATH: reason"),
 * RTG_ERR_LIMIT ("PATH: N bytes, more than the limit of M") or
 * RTG_ERR_NOMEM. */
int rtg_file_read(const char *path, size_t max, uint8_t **buf, size_t *len,
                  char *err);

/* rtg_file_read for a file that must be a regular file: anything else
 * (directory, FIFO, socket, device) is refused with RTG_ERR_IO
 * "PATH: a FIFO, not a WHAT" before it is read, and "-" is a file name,
 * not standard input.  Neither function blocks opening a FIFO. */
int rtg_file_read_regular(const char *path, size_t max, const char *what,
                          uint8_t **buf, size_t *len, char *err);

/* The generation options of s with the user template (if any) read into
 * *tmpl (malloc'd, caller frees; NULL for a built-in template), the size
 * limit RTG_TEMPLATE_MAX_BYTES checked before reading.  Returns 0 or the
 * exit status to use (message logged). */
int rtg_options_resolve(const struct rtg_settings *s, struct rtg_options *o,
                        char **tmpl);

/* Exit status for a negative rtg_status from the core.  user_template: a
 * THEME or CONTRAST failure is then the template's fault (RTG_EXIT_CONFIG),
 * not ours (RTG_EXIT_SOFTWARE). */
int rtg_exit_from_status(int status, bool user_template);

/* Image bytes -> generate (s->repeat times, for profiling) -> publish to
 * s->theme_output -> report (s->report_output) -> preview (s->preview).
 * source names the bytes in messages and the report (a path, or "mpd:URI").
 * Returns an exit status; on failure the published theme is untouched. */
int rtg_oneshot_bytes(const struct rtg_settings *s, const uint8_t *bytes,
                      size_t len, const char *source);

/* The steps after a successful generation, for callers (the watcher) that
 * generate or fetch a result themselves: publish, report, preview.
 * *changed (may be NULL) says whether the file on disk changed. */
int rtg_oneshot_publish(const struct rtg_settings *s, const struct rtg_options *o,
                        const struct rtg_result *res, const char *source,
                        bool *changed);

#endif
