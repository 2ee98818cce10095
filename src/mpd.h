/* mpd.h - the MPD side of the watcher: where the server is, one connection,
 * the current song, idle, and album art over the protocol (readpicture /
 * albumart, chunked).  No policy here (no retries, no logging): callers
 * decide from the return codes. */
#ifndef RTG_MPD_H
#define RTG_MPD_H

#include <stddef.h>
#include <stdint.h>

#include "settings.h"

/* Return codes beyond enum rtg_status (all negative except RTG_MPD_NONE). */
enum rtg_mpd_rc {
	RTG_MPD_NONE = 1,      /* nothing playing / this song has no art */
	RTG_MPD_LOST = -100,   /* connection unusable (closed, timeout, I/O,
	                          malformed): close it and reconnect */
	RTG_MPD_DENIED = -101, /* wrong password or missing permission */
	RTG_MPD_ACK = -102,    /* other server error, cleared; connection ok */
};

/* The messages of RTG_MPD_LOST, RTG_MPD_DENIED and RTG_MPD_ACK start with
 * the server's name ("localhost:6600: cannot connect: ...", the
 * rtg_mpd_target name); the others (out of memory, art too big, no art) do
 * not.  For a log line that should say what that name is, this gives
 * what goes before the message of rc: "MPD at " or "". */
const char *rtg_mpd_err_at(int rc);

/* Where to connect: config, else MPD_HOST/MPD_PORT, else
 * $XDG_RUNTIME_DIR/mpd/socket, else /run/mpd/socket, else localhost:6600. */
struct rtg_mpd_target {
	char *host;          /* host name, socket path or "@abstract" */
	unsigned port;       /* TCP only (0 for sockets) */
	char *password;      /* NULL: none */
	const char *origin;  /* "config", "MPD_HOST", "XDG_RUNTIME_DIR", ... */
	char name[300];      /* for messages: "host:port" or the socket path */
};

int rtg_mpd_target_resolve(const struct rtg_settings *s,
                           struct rtg_mpd_target *t, char *err);
void rtg_mpd_target_free(struct rtg_mpd_target *t);

struct rtg_mpd; /* opaque: one connection */

/* The timeout, in ms, that rtg_mpd_open really applies for timeout_ms:
 * <= 0 means the default, 5 s; more than an hour is clamped to 3600 s
 * (the config key and MPD_TIMEOUT accept at most 600); then it is rounded
 * up to whole seconds,
 * the only ones libmpdclient gets right (src/mpd.c): 1 and 1000 give
 * 1000, 1001 gives 2000.  So the shortest timeout applied is 1 s. */
unsigned rtg_mpd_timeout_applied(int timeout_ms);

/* Connects, sends the password, raises binarylimit (MPD >= 0.22.4).
 * Returns 0, RTG_MPD_LOST (not reachable; err says why) or RTG_MPD_DENIED
 * (err names the host). */
int rtg_mpd_open(const struct rtg_mpd_target *t, int timeout_ms,
                 size_t binarylimit, struct rtg_mpd **out, char *err);
void rtg_mpd_close(struct rtg_mpd *m);
int rtg_mpd_fd(const struct rtg_mpd *m);
/* "0.23.5" (the protocol version from the welcome line). */
const char *rtg_mpd_version(const struct rtg_mpd *m);
/* 1 if the server's protocol version is >= a.b.c. */
int rtg_mpd_version_at_least(const struct rtg_mpd *m, unsigned a, unsigned b,
                             unsigned c);
/* binarylimit in force for this connection (8192 when it could not be set). */
size_t rtg_mpd_chunk_size(const struct rtg_mpd *m);

struct rtg_song {
	unsigned id;
	char *uri; /* malloc'd; NULL when nothing is playing */
};

/* currentsong.  Returns 0 (song->uri NULL when the queue has no current
 * song), RTG_MPD_LOST, RTG_MPD_DENIED, RTG_MPD_ACK. */
int rtg_mpd_current(struct rtg_mpd *m, struct rtg_song *song, char *err);
void rtg_song_free(struct rtg_song *song);

/* idle player: send, then wait for the fd yourself, then receive.
 * rtg_mpd_idle_recv returns 0 or RTG_MPD_LOST; rtg_mpd_noidle leaves idle
 * (any pending event is consumed) and returns 0 or RTG_MPD_LOST. */
int rtg_mpd_idle_send(struct rtg_mpd *m, char *err);
int rtg_mpd_idle_recv(struct rtg_mpd *m, char *err);
int rtg_mpd_noidle(struct rtg_mpd *m, char *err);

struct rtg_art {
	uint8_t *bytes; /* malloc'd */
	size_t len;
	char type[64];  /* MIME type from MPD, "" when not sent */
	enum rtg_art_source source;
};

/* Fetches the song's art trying the sources in order.  Art larger than
 * max_bytes (by the announced size, before any allocation) is skipped:
 * RTG_ERR_LIMIT when no source gave usable art and one was too big.
 * Returns 0, RTG_MPD_NONE, RTG_ERR_LIMIT, RTG_ERR_NOMEM, RTG_MPD_ACK,
 * RTG_MPD_DENIED (no permission to read pictures) or RTG_MPD_LOST. */
int rtg_mpd_fetch_art(struct rtg_mpd *m, const char *uri,
                      const enum rtg_art_source *order, int n,
                      size_t max_bytes, struct rtg_art *art, char *err);
void rtg_art_free(struct rtg_art *art);

/* 1 if the call that last returned RTG_MPD_LOST on m failed because MPD
 * did not answer within the timeout (the server may be alive but slow on
 * this request; libmpdclient cannot reuse the connection either way),
 * 0 for any other loss (closed, I/O error, malformed reply). */
int rtg_mpd_timed_out(const struct rtg_mpd *m);

/* Parses "password@host" / "password@@abstract" / "host" into *host and
 * *password (malloc'd; *password NULL when none).  0 or RTG_ERR_NOMEM. */
int rtg_mpd_split_host(const char *spec, char **host, char **password);

#endif
