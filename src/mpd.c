/* mpd.c - server lookup, connection, errors, currentsong and idle over
 * libmpdclient; album art is in mpd_art.c.  Facts used here are in docs
 * MPD.md: binarylimit needs MPD >= 0.22.4. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <mpd/client.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "mpd.h"
#include "mpd_internal.h"
#include "status.h"

/* ------------------------------------------------------------- where */

int rtg_mpd_split_host(const char *spec, char **host, char **password)
{
	const char *at = NULL;

	*host = NULL;
	*password = NULL;
	/* A leading '@' is an abstract socket, not an empty password. */
	if (spec[0] != '@')
		at = strchr(spec, '@');
	if (at != NULL) {
		*password = strndup(spec, (size_t)(at - spec));
		*host = strdup(at + 1);
	} else {
		*host = strdup(spec);
	}
	if (*host == NULL || (at != NULL && *password == NULL)) {
		free(*host);
		free(*password);
		*host = *password = NULL;
		return RTG_ERR_NOMEM;
	}
	return 0;
}

static int is_socket(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static unsigned env_port(void)
{
	const char *p = getenv("MPD_PORT");
	char *end;
	unsigned long v;

	if (p == NULL || *p == '\0')
		return 6600;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 65535)
		return 6600;
	return (unsigned)v;
}

int rtg_mpd_target_resolve(const struct rtg_settings *s,
                           struct rtg_mpd_target *t, char *err)
{
	const char *env = getenv("MPD_HOST");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char xdgsock[PATH_MAX];
	int rc = 0;

	memset(t, 0, sizeof *t);
	if (s->mpd_host != NULL) {
		rc = rtg_mpd_split_host(s->mpd_host, &t->host, &t->password);
		t->origin = "config";
	} else if (env != NULL && env[0] != '\0') {
		rc = rtg_mpd_split_host(env, &t->host, &t->password);
		t->origin = "MPD_HOST";
	} else if (xdg != NULL && xdg[0] == '/' &&
	           (size_t)snprintf(xdgsock, sizeof xdgsock, "%s/mpd/socket", xdg) < sizeof xdgsock &&
	           is_socket(xdgsock)) {
		/* libmpdclient 2.20 does not try this one itself. */
		t->host = strdup(xdgsock);
		t->origin = "XDG_RUNTIME_DIR";
	} else if (is_socket("/run/mpd/socket")) {
		t->host = strdup("/run/mpd/socket");
		t->origin = "/run/mpd/socket";
	} else {
		t->host = strdup("localhost");
		t->origin = "default";
	}
	if (rc < 0 || t->host == NULL) {
		rtg_mpd_target_free(t);
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
	}
	if (s->mpd_password != NULL) {
		free(t->password);
		if ((t->password = strdup(s->mpd_password)) == NULL) {
			rtg_mpd_target_free(t);
			return rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
		}
	}
	if (t->host[0] == '/' || t->host[0] == '@') {
		t->port = 0;
		snprintf(t->name, sizeof t->name, "%s", t->host);
	} else {
		t->port = s->mpd_port > 0 ? (unsigned)s->mpd_port
		          : s->mpd_host != NULL ? 6600 : env_port();
		snprintf(t->name, sizeof t->name, "%s:%u", t->host, t->port);
	}
	return 0;
}

void rtg_mpd_target_free(struct rtg_mpd_target *t)
{
	free(t->host);
	free(t->password);
	t->host = t->password = NULL;
}

/* ------------------------------------------------------------- errors */

const char *rtg_mpd_err_at(int rc)
{
	return rc == RTG_MPD_LOST || rc == RTG_MPD_DENIED || rc == RTG_MPD_ACK
	       ? "MPD at " : "";
}

/* The one way to fail with RTG_MPD_LOST, RTG_MPD_DENIED or RTG_MPD_ACK:
 * "NAME: " + the message, which is what rtg_mpd_err_at promises. */
int rtg_mpd_server_fail(const struct rtg_mpd *m, char *err, int rc, const char *fmt, ...)
{
	char msg[RTG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rtg_fail(err, rc, "%s: %s", m->name, msg);
}

/* Turns the connection's sticky error into a return code: server errors
 * (ACK) are cleared and the connection stays; everything that cannot be
 * cleared (closed, timeout, system, malformed) means reconnect. */
int rtg_mpd_conn_error(struct rtg_mpd *m, const char *what, char *err)
{
	struct mpd_connection *c = m->conn;
	enum mpd_error e = mpd_connection_get_error(c);
	const char *msg = mpd_connection_get_error_message(c);
	int rc;

	if (e == MPD_ERROR_SUCCESS)
		return rtg_mpd_server_fail(m, err, RTG_MPD_LOST, "%s: unexpected end of reply", what);
	if (e == MPD_ERROR_SERVER) {
		enum mpd_server_error se = mpd_connection_get_server_error(c);
		rc = se == MPD_SERVER_ERROR_PASSWORD ? RTG_MPD_DENIED
		     : se == MPD_SERVER_ERROR_PERMISSION ? RTG_MPD_DENIED
		     : RTG_MPD_ACK;
	} else {
		rc = RTG_MPD_LOST;
	}
	rtg_mpd_server_fail(m, err, rc, "%s: %s", what, msg != NULL ? msg : "error");
	if (!mpd_connection_clear_error(c))
		return RTG_MPD_LOST;
	return rc;
}

/* mpd_response_finish() without its assertions.  Debian builds libmpdclient
 * (2.20) with assertions on, and its mpd_response_finish() aborts the whole
 * process when a reply holds a "list_OK" outside a command list (found by
 * fuzz/mpd-reply-fuzzer; tests/crashers/mpd-list-ok-binarylimit.reply): a
 * broken or hostile server must cost a reconnect, not the watcher.  For a
 * reply that is still being received: reads the pairs up to its end.
 * mpd_recv_pair() reports that "list_OK" as a malformed reply instead. */
bool rtg_mpd_finish_reply(struct mpd_connection *c)
{
	struct mpd_pair *p;

	if (mpd_connection_get_error(c) != MPD_ERROR_SUCCESS)
		return false;
	while ((p = mpd_recv_pair(c)) != NULL)
		mpd_return_pair(c, p);
	return mpd_connection_get_error(c) == MPD_ERROR_SUCCESS;
}

/* ------------------------------------------------------------- connection */

/* The watcher sleeps in idle on this connection for hours.  A remote MPD
 * whose host goes down, or a NAT entry that expires, leaves no trace on
 * our side: without probes the watcher would wait forever on a dead
 * socket.  The kernel probes after 60 s of silence, every 10 s, and after
 * 3 unanswered ones poll() reports the error (under 2 minutes, against
 * the default of 2 hours); nothing wakes the process meanwhile.  Best
 * effort: an option the system refuses just leaves its default. */
static void tcp_keepalive(int fd)
{
	int on = 1, idle = 60, intvl = 10, cnt = 3;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) < 0)
		return;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

/* libmpdclient (2.20, and still so upstream) stores a timeout of T ms as
 * tv_sec = T / 1000, tv_usec = T % 1000: the part below a second is taken
 * as microseconds, so mpd_timeout = 0.3 would wait 0.3 ms and fail
 * nearly every command, and 1.5 s would be 1.0015 s.  Only whole seconds
 * come out right: round up to them. */
unsigned rtg_mpd_timeout_applied(int timeout_ms)
{
	unsigned ms = timeout_ms > 0 ? (unsigned)timeout_ms : 5000;

	if (ms > 3600u * 1000)
		ms = 3600u * 1000;
	return (ms + 999) / 1000 * 1000;
}

int rtg_mpd_open(const struct rtg_mpd_target *t, int timeout_ms,
                 size_t binarylimit, struct rtg_mpd **out, char *err)
{
	struct rtg_mpd *m;
	const unsigned *v;
	int rc;

	*out = NULL;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
	snprintf(m->name, sizeof m->name, "%s", t->name);
	m->chunk = 8192; /* MPD's default binarylimit */
	m->conn = mpd_connection_new(t->host, t->port, rtg_mpd_timeout_applied(timeout_ms));
	if (m->conn == NULL) {
		free(m);
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
	}
	if (mpd_connection_get_error(m->conn) != MPD_ERROR_SUCCESS) {
		rc = rtg_mpd_conn_error(m, "cannot connect", err);
		rc = rc == RTG_MPD_DENIED ? rc : RTG_MPD_LOST;
		goto fail;
	}
	if (t->port != 0)
		tcp_keepalive(mpd_connection_get_fd(m->conn));
	v = mpd_connection_get_server_version(m->conn);
	snprintf(m->version, sizeof m->version, "%u.%u.%u", v[0], v[1], v[2]);
	if (t->password != NULL && (!mpd_send_password(m->conn, t->password) ||
	                            !rtg_mpd_finish_reply(m->conn))) {
		rc = rtg_mpd_conn_error(m, "password", err);
		if (rc == RTG_MPD_DENIED || rc == RTG_MPD_ACK)
			rc = rtg_mpd_server_fail(m, err, RTG_MPD_DENIED,
			                         "password rejected (check mpd_password or MPD_HOST=password@host)");
		goto fail;
	}
	/* Bigger chunks: a 5 MB cover in a handful of round trips instead of
	 * ~640 at the default 8 KiB. */
	if (binarylimit > 0 && rtg_mpd_version_at_least(m, 0, 22, 4)) {
		if (mpd_send_binarylimit(m->conn, (unsigned)binarylimit) &&
		    rtg_mpd_finish_reply(m->conn)) {
			m->chunk = binarylimit;
		} else {
			rc = rtg_mpd_conn_error(m, "binarylimit", err);
			if (rc == RTG_MPD_LOST)
				goto fail;
		}
	}
	*out = m;
	return 0;
fail:
	mpd_connection_free(m->conn);
	free(m);
	return rc;
}

void rtg_mpd_close(struct rtg_mpd *m)
{
	if (m == NULL)
		return;
	mpd_connection_free(m->conn);
	free(m);
}

int rtg_mpd_fd(const struct rtg_mpd *m)
{
	return mpd_connection_get_fd(m->conn);
}

const char *rtg_mpd_version(const struct rtg_mpd *m)
{
	return m->version;
}

int rtg_mpd_version_at_least(const struct rtg_mpd *m, unsigned a, unsigned b,
                             unsigned c)
{
	return mpd_connection_cmp_server_version(m->conn, a, b, c) >= 0;
}

size_t rtg_mpd_chunk_size(const struct rtg_mpd *m)
{
	return m->chunk;
}

int rtg_mpd_timed_out(const struct rtg_mpd *m)
{
	/* Sticky: a timeout is one of the errors libmpdclient cannot clear. */
	return mpd_connection_get_error(m->conn) == MPD_ERROR_TIMEOUT;
}

/* ------------------------------------------------------------- songs */

int rtg_mpd_current(struct rtg_mpd *m, struct rtg_song *song, char *err)
{
	struct mpd_song *s;

	song->id = 0;
	song->uri = NULL;
	if (!mpd_send_current_song(m->conn))
		return rtg_mpd_conn_error(m, "currentsong", err);
	s = mpd_recv_song(m->conn);
	if (s == NULL) {
		/* without a song the reply's end has been read */
		if (mpd_connection_get_error(m->conn) == MPD_ERROR_SUCCESS)
			return 0; /* nothing playing */
		return rtg_mpd_conn_error(m, "currentsong", err);
	}
	if (!rtg_mpd_finish_reply(m->conn)) {
		mpd_song_free(s);
		return rtg_mpd_conn_error(m, "currentsong", err);
	}
	song->id = mpd_song_get_id(s);
	song->uri = strdup(mpd_song_get_uri(s));
	mpd_song_free(s);
	if (song->uri == NULL)
		return rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
	return 0;
}

void rtg_song_free(struct rtg_song *song)
{
	free(song->uri);
	song->uri = NULL;
}

int rtg_mpd_idle_send(struct rtg_mpd *m, char *err)
{
	if (!mpd_send_idle_mask(m->conn, MPD_IDLE_PLAYER))
		return rtg_mpd_conn_error(m, "idle", err) == RTG_MPD_LOST ? RTG_MPD_LOST
		       : rtg_mpd_server_fail(m, err, RTG_MPD_LOST, "idle failed");
	return 0;
}

int rtg_mpd_idle_recv(struct rtg_mpd *m, char *err)
{
	/* 0 is both "no event" and "error": only the error state tells. */
	if (mpd_recv_idle(m->conn, false) == 0 &&
	    mpd_connection_get_error(m->conn) != MPD_ERROR_SUCCESS) {
		rtg_mpd_conn_error(m, "idle", err);
		return RTG_MPD_LOST; /* idle state unknown: start over */
	}
	return 0;
}

int rtg_mpd_noidle(struct rtg_mpd *m, char *err)
{
	if (!mpd_send_noidle(m->conn)) {
		rtg_mpd_conn_error(m, "noidle", err);
		return RTG_MPD_LOST;
	}
	/* Reads the idle reply (an event that raced with noidle, or plain OK). */
	return rtg_mpd_idle_recv(m, err);
}
