/* mpd-script.h - a scripted MPD server in a thread of this process, and one
 * conversation of the MPD module with it; shared by fuzz/mpd-reply-fuzzer.c
 * and tests/unit/test_crashers.c (which replays tests/crashers/ *.reply).
 *
 * A script is one option byte, then everything the server sends, welcome
 * line included ("OK MPD 0.23.5\n").  The server sends it all on an
 * abstract unix socket without waiting for the commands, then closes its
 * side, so a reply that ends early is an EOF, never a wait.  The option
 * byte picks the art order and count (bits 0-1), art_max_bytes (bits 2-3:
 * 16, 1000, 64 KiB, 16 MiB), binarylimit (bit 4: none, or 4096 which the
 * script must answer) and a password (bit 5: none, or "secret", answered
 * before binarylimit).
 *
 * The conversation: rtg_mpd_open, rtg_mpd_fetch_art, then (connection
 * still usable) rtg_mpd_current and an idle round trip.  Each call must
 * return one of its documented codes, art must be non-empty, within
 * art_max_bytes and readable to its end, nothing may be left allocated on
 * failure, and failures come with a one-line message. */
#ifndef RTG_MPD_SCRIPT_H
#define RTG_MPD_SCRIPT_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mpd.h"
#include "status.h"

struct mpd_script {
	const uint8_t *data;
	size_t size;
	int lfd;
	char name[64]; /* "@rtg-mpd-script-PID" */
};

static void *
mpd_script_serve(void *arg)
{
	const struct mpd_script *sc = arg;
	int fd = accept(sc->lfd, NULL, NULL);
	char buf[4096];
	size_t off = 0;

	if (fd < 0)
		return NULL;
	while (off < sc->size) {
		ssize_t w = send(fd, sc->data + off, sc->size - off, MSG_NOSIGNAL);
		if (w <= 0)
			break; /* the client has gone */
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof buf) > 0) /* the commands: read and dropped */
		;
	close(fd);
	return NULL;
}

/* Listening socket, once per process: 0 or -1. */
static int
mpd_script_listen(struct mpd_script *sc)
{
	struct sockaddr_un addr;
	socklen_t addrlen;

	/* "@name" is libmpdclient's spelling of an abstract socket; in
	 * sun_path it starts with a NUL byte instead. */
	snprintf(sc->name, sizeof sc->name, "@rtg-mpd-script-%ld", (long)getpid());
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path + 1, sc->name + 1, strlen(sc->name) - 1);
	addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sc->name));
	sc->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sc->lfd < 0 || bind(sc->lfd, (struct sockaddr *)&addr, addrlen) != 0 ||
	    listen(sc->lfd, 4) != 0)
		return -1;
	return 0;
}

static int
mpd_script_why(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
mpd_script_why(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
mpd_script_in(int rc, const int *ok, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rc == ok[i])
			return 1;
	return 0;
}

/* A negative code must come with a one-line message. */
static int
mpd_script_msg_ok(int rc, const char *err)
{
	size_t n = strnlen(err, RTG_ERRLEN);

	return rc >= 0 || (n > 0 && n < RTG_ERRLEN && memchr(err, '\n', n) == NULL);
}

/* Plays script data[0..size) (size >= 1) against the MPD module.  0 when
 * every rule above held, else -1 with the broken rule in why. */
static int
mpd_script_play(struct mpd_script *sc, const uint8_t *data, size_t size, char *why,
                size_t whylen)
{
	static const size_t maxes[4] = { 16, 1000, 64u << 10, 16u << 20 };
	static const int open_ok[] = { 0, RTG_MPD_LOST, RTG_MPD_DENIED };
	/* DENIED is not in mpd.h's list for fetch_art, but an ACK with MPD's
	 * permission code gives it, and both callers handle it. */
	static const int fetch_ok[] = { 0, RTG_MPD_NONE, RTG_ERR_LIMIT, RTG_ERR_NOMEM,
	                                RTG_MPD_ACK, RTG_MPD_LOST, RTG_MPD_DENIED };
	static const int current_ok[] = { 0, RTG_MPD_LOST, RTG_MPD_DENIED, RTG_MPD_ACK,
	                                  RTG_ERR_NOMEM };
	struct rtg_mpd_target t;
	struct rtg_mpd *m = NULL;
	struct rtg_art art;
	struct rtg_song song = { 0 };
	enum rtg_art_source order[2];
	pthread_t th;
	char err[RTG_ERRLEN] = "";
	uint8_t opt = data[0];
	size_t max = maxes[(opt >> 2) & 3];
	int rc, result = 0;

	sc->data = data + 1;
	sc->size = size - 1;
	order[0] = opt & 1 ? RTG_ART_FOLDER : RTG_ART_EMBEDDED;
	order[1] = opt & 1 ? RTG_ART_EMBEDDED : RTG_ART_FOLDER;
	if (pthread_create(&th, NULL, mpd_script_serve, sc) != 0)
		return mpd_script_why(why, whylen, "pthread_create failed");

	memset(&t, 0, sizeof t);
	t.host = sc->name;
	t.password = opt & 32 ? (char *)"secret" : NULL;
	snprintf(t.name, sizeof t.name, "%s", sc->name);
	rc = rtg_mpd_open(&t, 2000, opt & 16 ? 4096 : 0, &m, err);
	if (!mpd_script_in(rc, open_ok, sizeof open_ok / sizeof open_ok[0]) ||
	    !mpd_script_msg_ok(rc, err) || (rc != 0) != (m == NULL)) {
		result = mpd_script_why(why, whylen, "rtg_mpd_open: %d (%s)", rc, err);
		goto out;
	}
	if (rc != 0)
		goto out;
	if (rtg_mpd_chunk_size(m) != 8192 && rtg_mpd_chunk_size(m) != 4096) {
		result = mpd_script_why(why, whylen, "chunk size %zu", rtg_mpd_chunk_size(m));
		goto out;
	}

	err[0] = '\0';
	rc = rtg_mpd_fetch_art(m, "a/b.flac", order, opt & 2 ? 2 : 1, max, &art, err);
	if (!mpd_script_in(rc, fetch_ok, sizeof fetch_ok / sizeof fetch_ok[0]) ||
	    !mpd_script_msg_ok(rc, err)) {
		result = mpd_script_why(why, whylen, "rtg_mpd_fetch_art: %d (%s)", rc, err);
		goto out;
	}
	if (rc == 0) {
		volatile uint8_t last;

		if (art.bytes == NULL || art.len == 0 || art.len > max ||
		    memchr(art.type, '\0', sizeof art.type) == NULL) {
			result = mpd_script_why(why, whylen, "art of %zu bytes, limit %zu",
			                        art.len, max);
			goto out;
		}
		last = art.bytes[art.len - 1];
		(void)last;
		rtg_art_free(&art);
	} else if (art.bytes != NULL) {
		result = mpd_script_why(why, whylen, "art left after %d", rc);
		goto out;
	}
	if (rc == RTG_MPD_LOST)
		goto out;

	err[0] = '\0';
	rc = rtg_mpd_current(m, &song, err);
	if (!mpd_script_in(rc, current_ok, sizeof current_ok / sizeof current_ok[0]) ||
	    !mpd_script_msg_ok(rc, err) || (rc != 0 && song.uri != NULL)) {
		result = mpd_script_why(why, whylen, "rtg_mpd_current: %d (%s)", rc, err);
		goto out;
	}
	rtg_song_free(&song);
	if (rc != 0)
		goto out;
	err[0] = '\0';
	rc = rtg_mpd_idle_send(m, err);
	if (rc == 0)
		rc = rtg_mpd_idle_recv(m, err);
	if ((rc != 0 && rc != RTG_MPD_LOST) || !mpd_script_msg_ok(rc, err))
		result = mpd_script_why(why, whylen, "idle: %d (%s)", rc, err);
out:
	rtg_mpd_close(m);
	pthread_join(th, NULL);
	return result;
}

#endif
