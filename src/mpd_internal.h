/* mpd_internal.h - the connection's layout and its error handling, shared
 * by mpd.c (lookup, connection, currentsong, idle) and mpd_art.c (album
 * art). */
#ifndef RTG_MPD_INTERNAL_H
#define RTG_MPD_INTERNAL_H

#include <mpd/client.h>
#include <stdbool.h>
#include <stddef.h>

struct rtg_mpd {
	struct mpd_connection *conn;
	size_t chunk;        /* binarylimit in force */
	char version[32];
	char name[300];
};

/* mpd.c: the connection's errors and replies (see there) */
/* "NAME: " + the message: the one way to fail with RTG_MPD_LOST,
 * RTG_MPD_DENIED or RTG_MPD_ACK. */
int rtg_mpd_server_fail(const struct rtg_mpd *m, char *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The connection's sticky error as a return code (ACK cleared). */
int rtg_mpd_conn_error(struct rtg_mpd *m, const char *what, char *err);
/* mpd_response_finish() without its assertions. */
bool rtg_mpd_finish_reply(struct mpd_connection *c);

#endif
