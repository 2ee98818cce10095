/* watch_internal.h - the watcher's state, shared by watch.c (the loop,
 * signals), watch_mpd.c (the MPD connection, one song's theme) and
 * watch_config.c (watching and reloading the config file). */
#ifndef RTG_WATCH_INTERNAL_H
#define RTG_WATCH_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "job.h"
#include "mpd.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 8000
/* A change to the config file is acted on once its directory has been
 * quiet this long: an editor's save is several events (the old file moved
 * away, a new one written, a backup removed), one reload. */
#define CONFIG_SETTLE_MS 100

/* CONN_UP is only entered once a command succeeded on the connection: a
 * server that lets us in and then refuses everything (no password where
 * one is needed) or closes at once is still down, so that it costs one log
 * line and the backoff keeps growing instead of restarting. */
enum conn_state { CONN_NEW, CONN_UP, CONN_DOWN, CONN_DENIED };

/* One inotify watch on a directory, for the file called name in it.  Two
 * slots naming one directory share the kernel's watch descriptor (every
 * slot asks for the same events).  A directory that does not exist is
 * pending: the nearest ancestor that does is watched instead, until the
 * directory appears. */
struct dirwatch {
	int wd;       /* -1: none */
	bool pending; /* wd watches an ancestor of dir */
	char *dir;    /* the directory wanted */
	char *name;   /* the file looked for there */
	dev_t dev;    /* what dir was when it was watched: a directory (or */
	ino_t ino;    /* link to one) replaced under the same name is new */
};

/* What the config path showed when it was last read: a change in any of
 * these is a new file, a removed one or a symbolic link pointed elsewhere. */
struct cfg_stamp {
	int err;             /* stat()'s errno, 0 when it succeeded */
	dev_t dev;
	ino_t ino;
	mode_t mode;
	off_t size;
	struct timespec mtim, ctim;
	bool link;           /* the path itself is a symbolic link */
	ino_t link_ino;
	struct timespec link_ctim;
};

struct watcher {
	const char *explicit_config; /* as given to rtg_watch_run */
	char *config_path;           /* file in force (NULL: none) */
	struct rtg_job job;
	struct rtg_mpd_target target;
	struct rtg_mpd *mpd;
	bool idling;
	int sfd, ifd, tfd;
	struct dirwatch cfg_w, user_w, link_w; /* see rtg_watch_config_watch() */
	/* The config path last read (rtg_config_find's answer then, NULL for
	 * none) and what it showed; settle_fd fires CONFIG_SETTLE_MS after
	 * the last event about it. */
	char *stamp_path;
	struct cfg_stamp stamp;
	int settle_fd;
	bool cfg_written;  /* a file was written or moved there: reload */
	bool cfg_creating; /* a new file there is still open for writing */
	int backoff_ms;
	enum conn_state state;
	bool have_last;
	unsigned last_id;
	char *last_uri;
	/* Art fetches of last_uri that lost the connection in a row.  Counted
	 * per URI, not per song id: MPD numbers the queue afresh when it
	 * restarts, so an MPD that crashes on this file and is restarted
	 * would reset a count per id every time. */
	int art_tries;
	double art_t0; /* the event that started handling last_uri's art */
	bool nothing_logged;
	/* work requested by events, done once the MPD connection is free */
	bool want_song;   /* look at currentsong (after idle, after connect) */
	bool want_redo;   /* regenerate even if the song did not change */
	bool want_bypass; /* ... without the cache (SIGUSR1) */
	bool stop;
};

/* watch.c */
int rtg_watch_log_verbosity(int v);

/* watch_mpd.c */
void rtg_watch_mpd_connect(struct watcher *w);
void rtg_watch_mpd_drop(struct watcher *w, int rc, const char *msg);
void rtg_watch_mpd_process(struct watcher *w, double t0);

/* watch_config.c */
void rtg_watch_config_watch(struct watcher *w);
void rtg_watch_config_reload(struct watcher *w, const char *why);
void rtg_watch_config_on_inotify(struct watcher *w);
void rtg_watch_config_settled(struct watcher *w);
void rtg_watch_config_stamp(struct watcher *w, const char *path);
void rtg_watch_config_free(struct watcher *w);

#endif
