/* test_mpd.c - the MPD module against a fake server (a forked child on a
 * unix socket that plays a script of replies), for what a real MPD never
 * sends: art in uneven chunks, sizes above the cap, a chunk past the
 * announced size, a size that changes between chunks, missing fields.
 * Also host parsing and the server lookup order. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mpd.h"
#include "settings.h"
#include "status.h"
#include "t.h"

static char sock_path[108];
static const char *welcome = "OK MPD 0.23.5\n"; /* the server's version */
static char cmd_log[128]; /* the commands the fake server received */

/* One reply per command received, in order; "" closes the connection. */
static void serve(int lfd, const char *const *replies)
{
	int fd = accept(lfd, NULL, NULL);
	char line[512];
	size_t n = 0;

	FILE *log = fopen(cmd_log, "w");

	if (fd < 0 || log == NULL)
		_exit(1);
	if (write(fd, welcome, strlen(welcome)) != (ssize_t)strlen(welcome))
		_exit(1);
	for (int i = 0; replies[i] != NULL; i++) {
		/* read one command line */
		n = 0;
		while (n < sizeof line - 1) {
			ssize_t r = read(fd, line + n, 1);
			if (r <= 0)
				_exit(0);
			if (line[n++] == '\n')
				break;
		}
		fwrite(line, 1, n, log);
		fflush(log);
		size_t len = strlen(replies[i]);
		if (len == 0)
			_exit(0); /* drop the connection */
		if (write(fd, replies[i], len) != (ssize_t)len)
			_exit(1);
	}
	/* keep the connection open until the client goes */
	while (read(fd, line, sizeof line) > 0)
		;
	_exit(0);
}

static pid_t fake(const char *const *replies)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	unlink(sock_path);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1) < 0) {
		perror("fake server");
		exit(1);
	}
	pid = fork();
	if (pid == 0)
		serve(lfd, replies);
	close(lfd);
	return pid;
}

static void reap(pid_t pid)
{
	int st;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

static struct rtg_mpd *connect_fake(void)
{
	struct rtg_mpd_target t = { 0 };
	struct rtg_mpd *m = NULL;
	char err[RTG_ERRLEN];

	t.host = sock_path;
	snprintf(t.name, sizeof t.name, "%s", sock_path);
	T_CHECK(rtg_mpd_open(&t, 2000, 4096, &m, err) == 0, "open: %s", err);
	return m;
}

/* Runs fetch_art against a scripted server; replies[0] answers
 * binarylimit.  Returns the fetch's status; *art filled. */
static int run(const char *const *replies, size_t max,
               enum rtg_art_source first, int n, struct rtg_art *art, int *still_ok)
{
	enum rtg_art_source order[2] = { first, first == RTG_ART_EMBEDDED ? RTG_ART_FOLDER : RTG_ART_EMBEDDED };
	char err[RTG_ERRLEN];
	pid_t pid = fake(replies);
	struct rtg_mpd *m = connect_fake();
	struct rtg_song song = { 0 };
	int rc = -999;

	if (m != NULL) {
		rc = rtg_mpd_fetch_art(m, "a/b.flac", order, n, max, art, err);
		/* after the art, the connection must be in step: currentsong */
		*still_ok = rc != RTG_MPD_LOST && rtg_mpd_current(m, &song, err) == 0 &&
		            song.uri != NULL && strcmp(song.uri, "x.flac") == 0;
		if (song.uri != NULL)
			rtg_song_free(&song);
		rtg_mpd_close(m);
	}
	reap(pid);
	return rc;
}

static const char CUR[] = "file: x.flac\nId: 7\nOK\n";

static void test_chunks(void)
{
	/* 10 bytes in chunks of 4, 4, 2 (not full, not the limit) */
	const char *const r[] = { "OK\n",
		"size: 10\ntype: image/png\nbinary: 4\n0123\nOK\n",
		"size: 10\nbinary: 4\n4567\nOK\n",
		"size: 10\nbinary: 2\n89\nOK\n",
		CUR, NULL };
	struct rtg_art art;
	int ok = 0, rc = run(r, 1000, RTG_ART_EMBEDDED, 2, &art, &ok);

	T_CHECK(rc == 0, "chunked art: %d", rc);
	if (rc == 0) {
		T_CHECK(art.len == 10 && memcmp(art.bytes, "0123456789", 10) == 0, "bytes");
		T_CHECK(strcmp(art.type, "image/png") == 0, "type %s", art.type);
		T_CHECK(art.source == RTG_ART_EMBEDDED, "source");
	}
	T_CHECK(ok, "connection out of step after the art");
	rtg_art_free(&art);
}

static void test_too_big(void)
{
	/* announced 2 GB: refused before any allocation, connection usable,
	 * the next source is tried (albumart: no file) */
	const char *const r[] = { "OK\n",
		"size: 2000000000\nbinary: 3\nabc\nOK\n",
		"ACK [50@0] {albumart} No file exists\n",
		CUR, NULL };
	struct rtg_art art;
	int ok = 0, rc = run(r, 1000, RTG_ART_EMBEDDED, 2, &art, &ok);

	T_CHECK(rc == RTG_ERR_LIMIT, "too big: %d", rc);
	T_CHECK(art.bytes == NULL, "buffer allocated");
	T_CHECK(ok, "connection out of step after refusing");
}

static void test_none(void)
{
	/* readpicture: plain OK = no picture; albumart: ACK 50 = no file */
	const char *const r[] = { "OK\n", "OK\n", "ACK [50@0] {albumart} No file exists\n", CUR, NULL };
	struct rtg_art art;
	int ok = 0, rc = run(r, 1000, RTG_ART_EMBEDDED, 2, &art, &ok);

	T_CHECK(rc == RTG_MPD_NONE, "no art: %d", rc);
	T_CHECK(ok, "connection out of step");
}

static void test_hostile(void)
{
	struct rtg_art art;
	int ok = 0, rc;
	{	/* a chunk past the announced size */
		const char *const r[] = { "OK\n", "size: 3\nbinary: 5\nabcde\nOK\n", CUR, NULL };
		rc = run(r, 1000, RTG_ART_FOLDER, 1, &art, &ok);
		T_CHECK(rc == RTG_MPD_LOST, "chunk past size: %d", rc);
	}
	{	/* the size changes between chunks */
		const char *const r[] = { "OK\n", "size: 4\nbinary: 2\nab\nOK\n",
			"size: 9\nbinary: 2\ncd\nOK\n", CUR, NULL };
		rc = run(r, 1000, RTG_ART_FOLDER, 1, &art, &ok);
		T_CHECK(rc == RTG_MPD_ACK, "size changed: %d", rc);
		T_CHECK(art.bytes == NULL, "partial art kept");
		T_CHECK(ok, "connection out of step after a size change");
	}
	{	/* the same, with a chunk that reads like a reply: its bytes must
		 * not be taken for the server's next answer */
		const char *const r[] = { "OK\n", "size: 40\nbinary: 16\nfile: y.flac\nOK\n\nOK\n",
			"size: 41\nbinary: 16\nfile: z.flac\nOK\n\nOK\n", CUR, NULL };
		rc = run(r, 1000, RTG_ART_FOLDER, 1, &art, &ok);
		T_CHECK(rc == RTG_MPD_ACK, "size changed (reply-like bytes): %d", rc);
		T_CHECK(ok, "connection out of step after reply-like bytes");
	}
	{	/* binary without size */
		const char *const r[] = { "OK\n", "binary: 2\nab\nOK\n", CUR, NULL };
		rc = run(r, 1000, RTG_ART_FOLDER, 1, &art, &ok);
		T_CHECK(rc == RTG_MPD_LOST, "no size: %d", rc);
	}
	{	/* garbage size */
		const char *const r[] = { "OK\n", "size: -5\nbinary: 2\nab\nOK\n", CUR, NULL };
		rc = run(r, 1000, RTG_ART_FOLDER, 1, &art, &ok);
		T_CHECK(rc == RTG_MPD_LOST, "bad size: %d", rc);
	}
	{	/* the server goes away mid-transfer */
		const char *const r[] = { "OK\n", "size: 8\nbinary: 4\nabcd\nOK\n", "", NULL };
		rc = run(r, 1000, RTG_ART_FOLDER, 1, &art, &ok);
		T_CHECK(rc == RTG_MPD_LOST, "server gone: %d", rc);
	}
	{	/* another ACK (e.g. permission) is reported, connection kept */
		const char *const r[] = { "OK\n", "ACK [4@0] {albumart} you don't have permission\n", CUR, NULL };
		rc = run(r, 1000, RTG_ART_FOLDER, 1, &art, &ok);
		T_CHECK(rc == RTG_MPD_ACK || rc == RTG_MPD_DENIED, "permission: %d", rc);
	}
}

/* The commands the last fake server received, one per line. */
static void sent(char *buf, size_t cap)
{
	FILE *f = fopen(cmd_log, "r");
	size_t n = f != NULL ? fread(buf, 1, cap - 1, f) : 0;

	buf[n] = '\0';
	if (f != NULL)
		fclose(f);
}

/* Older servers: no binarylimit before 0.22.4 (transfers in MPD's default
 * 8 KiB chunks), no readpicture before 0.22 (folder art only). */
static void test_old_servers(void)
{
	char log[1024];
	struct rtg_art art;
	int ok = 0, rc;

	welcome = "OK MPD 0.22.3\n";
	{	/* no binarylimit reply in the script: none may be asked */
		const char *const r[] = { "size: 3\nbinary: 3\nabc\nOK\n", CUR, NULL };
		pid_t pid = fake(r);
		struct rtg_mpd *m = connect_fake(); /* asks for 4096 if it may */
		char err[RTG_ERRLEN];
		struct rtg_song song = { 0 };
		enum rtg_art_source order[2] = { RTG_ART_EMBEDDED, RTG_ART_FOLDER };
		rc = -999;
		if (m != NULL) {
			T_CHECK(rtg_mpd_chunk_size(m) == 8192, "chunk %zu", rtg_mpd_chunk_size(m));
			rc = rtg_mpd_fetch_art(m, "a/b.flac", order, 2, 1000, &art, err);
			ok = rtg_mpd_current(m, &song, err) == 0 && song.uri != NULL &&
			     strcmp(song.uri, "x.flac") == 0;
			rtg_song_free(&song);
			rtg_mpd_close(m);
		}
		reap(pid);
		T_CHECK(rc == 0 && art.len == 3 && memcmp(art.bytes, "abc", 3) == 0,
		        "0.22.3: readpicture: %d", rc);
		T_CHECK(ok, "0.22.3: connection out of step");
		if (rc == 0)
			rtg_art_free(&art);
		sent(log, sizeof log);
		T_CHECK(strstr(log, "binarylimit") == NULL, "binarylimit sent to 0.22.3:\n%s", log);
		T_CHECK(strncmp(log, "readpicture \"a/b.flac\" \"0\"\n", 27) == 0,
		        "0.22.3 commands:\n%s", log);
	}
	welcome = "OK MPD 0.21.25\n";
	{	/* embedded first in the order, but only albumart exists */
		const char *const r[] = { "size: 2\nbinary: 2\nde\nOK\n", CUR, NULL };
		rc = run(r, 1000, RTG_ART_EMBEDDED, 2, &art, &ok);
		T_CHECK(rc == 0 && art.len == 2 && art.source == RTG_ART_FOLDER,
		        "0.21: albumart: %d", rc);
		T_CHECK(ok, "0.21: connection out of step");
		if (rc == 0)
			rtg_art_free(&art);
		sent(log, sizeof log);
		T_CHECK(strstr(log, "readpicture") == NULL && strstr(log, "binarylimit") == NULL &&
		        strncmp(log, "albumart ", 9) == 0, "0.21 commands:\n%s", log);
	}
	welcome = "OK MPD 0.23.5\n";
}

/* A TCP connection has keepalive probes that notice a peer gone without
 * a word (remote host down, NAT entry expired) within minutes: the
 * watcher idles on it for hours otherwise.  A unix socket needs none. */
static void test_keepalive(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), on = 0, idle = 0;
	socklen_t ol = sizeof on;
	struct rtg_mpd_target t = { 0 };
	struct rtg_mpd *m = NULL;
	char err[RTG_ERRLEN];
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
		T_CHECK(0, "TCP listener: %s", strerror(errno));
		return;
	}
	{
		const char *const r[] = { "OK\n", NULL };
		pid = fork();
		if (pid == 0)
			serve(lfd, r);
	}
	close(lfd);
	t.host = (char *)"127.0.0.1";
	t.port = ntohs(sa.sin_port);
	snprintf(t.name, sizeof t.name, "127.0.0.1:%u", t.port);
	T_CHECK(rtg_mpd_open(&t, 2000, 4096, &m, err) == 0, "open: %s", err);
	if (m != NULL) {
		T_CHECK(getsockopt(rtg_mpd_fd(m), SOL_SOCKET, SO_KEEPALIVE, &on, &ol) == 0 && on,
		        "no SO_KEEPALIVE on a TCP connection");
		ol = sizeof idle;
		T_CHECK(getsockopt(rtg_mpd_fd(m), IPPROTO_TCP, TCP_KEEPIDLE, &idle, &ol) == 0 &&
		        idle > 0 && idle <= 300, "TCP_KEEPIDLE %d s", idle);
		rtg_mpd_close(m);
	}
	reap(pid);
}

/* libmpdclient gets only whole seconds right (src/mpd.c), so the timeout
 * applied is rounded up to them, clamped to an hour; <= 0 means 5 s. */
static void test_timeout_applied(void)
{
	static const struct { int in; unsigned out; } cases[] = {
		{ 0, 5000 }, { -1, 5000 }, { INT_MIN, 5000 },
		{ 1, 1000 }, { 300, 1000 }, { 999, 1000 }, { 1000, 1000 },
		{ 1001, 2000 }, { 2500, 3000 }, { 5000, 5000 },
		{ 3599001, 3600000 }, { 3600000, 3600000 }, { 3600001, 3600000 },
		{ 3601000, 3600000 }, { INT_MAX, 3600000 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned got = rtg_mpd_timeout_applied(cases[i].in);
		T_CHECK(got == cases[i].out, "timeout %d ms applied as %u ms, expected %u",
		        cases[i].in, got, cases[i].out);
	}
}

/* A server that stops answering: with 300 ms asked for, the call fails
 * after the whole second applied (not 0.3 ms, libmpdclient's reading of
 * 300), and rtg_mpd_timed_out() says it was a timeout. */
static void test_timeout_stall(void)
{
	const char *const r[] = { "OK\n", NULL }; /* binarylimit, then silence */
	struct rtg_mpd_target t = { 0 };
	struct rtg_mpd *m = NULL;
	struct rtg_song song = { 0 };
	struct timespec a, b;
	char err[RTG_ERRLEN];
	pid_t pid = fake(r);
	double ms;
	int rc;

	t.host = sock_path;
	snprintf(t.name, sizeof t.name, "%s", sock_path);
	T_CHECK(rtg_mpd_open(&t, 300, 4096, &m, err) == 0, "open: %s", err);
	if (m != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = rtg_mpd_current(m, &song, err);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		T_CHECK(rc == RTG_MPD_LOST && rtg_mpd_timed_out(m) == 1,
		        "stalled currentsong: rc %d, timed out %d (%s)", rc, rtg_mpd_timed_out(m), err);
		T_CHECK(ms >= 950 && ms < 3000, "stalled currentsong failed after %.1f ms, not ~1000", ms);
		rtg_song_free(&song);
		rtg_mpd_close(m);
	}
	reap(pid);

	/* A server that hangs up instead: lost, but not a timeout. */
	{
		const char *const r2[] = { "OK\n", "", NULL };
		pid = fake(r2);
		m = NULL;
		T_CHECK(rtg_mpd_open(&t, 300, 4096, &m, err) == 0, "open: %s", err);
		if (m != NULL) {
			rc = rtg_mpd_current(m, &song, err);
			T_CHECK(rc == RTG_MPD_LOST && rtg_mpd_timed_out(m) == 0,
			        "closed on currentsong: rc %d, timed out %d (%s)", rc,
			        rtg_mpd_timed_out(m), err);
			rtg_song_free(&song);
			rtg_mpd_close(m);
		}
		reap(pid);
	}
}

static void test_hosts(void)
{
	char *h, *p;

	T_CHECK(rtg_mpd_split_host("pw@host", &h, &p) == 0 && strcmp(h, "host") == 0 &&
	        p != NULL && strcmp(p, "pw") == 0, "pw@host");
	free(h); free(p);
	T_CHECK(rtg_mpd_split_host("@abstract", &h, &p) == 0 && strcmp(h, "@abstract") == 0 &&
	        p == NULL, "@abstract");
	free(h); free(p);
	T_CHECK(rtg_mpd_split_host("pw@@abstract", &h, &p) == 0 && strcmp(h, "@abstract") == 0 &&
	        p != NULL && strcmp(p, "pw") == 0, "pw@@abstract");
	free(h); free(p);
	T_CHECK(rtg_mpd_split_host("/run/mpd/socket", &h, &p) == 0 &&
	        strcmp(h, "/run/mpd/socket") == 0 && p == NULL, "socket path");
	free(h); free(p);
}

static void test_lookup(const char *dir)
{
	struct rtg_settings s;
	struct rtg_mpd_target t;
	char err[RTG_ERRLEN], xdgsock[100];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	rtg_settings_default(&s);
	setenv("MPD_HOST", "pw@/env/socket", 1);
	setenv("MPD_PORT", "6601", 1);
	setenv("XDG_RUNTIME_DIR", dir, 1);
	/* config first, with its own port (MPD_PORT is not mixed in) */
	s.mpd_host = strdup("cfg.example");
	T_CHECK(rtg_mpd_target_resolve(&s, &t, err) == 0 && strcmp(t.host, "cfg.example") == 0 &&
	        t.port == 6600 && t.password == NULL && strcmp(t.origin, "config") == 0,
	        "config host: %s:%u", t.host, t.port);
	rtg_mpd_target_free(&t);
	s.mpd_port = 7000;
	s.mpd_password = strdup("cfgpw");
	T_CHECK(rtg_mpd_target_resolve(&s, &t, err) == 0 && t.port == 7000 &&
	        strcmp(t.password, "cfgpw") == 0 && strcmp(t.name, "cfg.example:7000") == 0,
	        "config port/password: %s", t.name);
	rtg_mpd_target_free(&t);
	rtg_settings_free(&s);
	rtg_settings_default(&s);
	/* then MPD_HOST (password@path) */
	T_CHECK(rtg_mpd_target_resolve(&s, &t, err) == 0 && strcmp(t.host, "/env/socket") == 0 &&
	        t.port == 0 && strcmp(t.password, "pw") == 0 && strcmp(t.origin, "MPD_HOST") == 0,
	        "MPD_HOST: %s", t.host);
	rtg_mpd_target_free(&t);
	setenv("MPD_HOST", "tcp.example", 1);
	T_CHECK(rtg_mpd_target_resolve(&s, &t, err) == 0 && t.port == 6601, "MPD_PORT: %u", t.port);
	rtg_mpd_target_free(&t);
	/* then $XDG_RUNTIME_DIR/mpd/socket, only when it is a socket */
	unsetenv("MPD_HOST");
	snprintf(xdgsock, sizeof xdgsock, "%s/mpd", dir);
	mkdir(xdgsock, 0700);
	snprintf(xdgsock, sizeof xdgsock, "%s/mpd/socket", dir);
	T_CHECK(rtg_mpd_target_resolve(&s, &t, err) == 0 && strcmp(t.host, xdgsock) != 0,
	        "missing XDG socket chosen");
	rtg_mpd_target_free(&t);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", xdgsock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	T_CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "bind %s", xdgsock);
	T_CHECK(rtg_mpd_target_resolve(&s, &t, err) == 0 && strcmp(t.host, xdgsock) == 0 &&
	        strcmp(t.origin, "XDG_RUNTIME_DIR") == 0, "XDG socket: %s", t.host);
	rtg_mpd_target_free(&t);
	close(fd);
	unlink(xdgsock);
	/* then /run/mpd/socket if this machine has one, else localhost */
	T_CHECK(rtg_mpd_target_resolve(&s, &t, err) == 0, "%s", err);
	if (access("/run/mpd/socket", F_OK) != 0)
		T_CHECK(strcmp(t.name, "localhost:6601") == 0, "default: %s", t.name);
	rtg_mpd_target_free(&t);
	rtg_settings_free(&s);
}

int main(void)
{
	char dir[] = "/tmp/rtg-mpd-test.XXXXXX";
	char cmd[200];

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(sock_path, sizeof sock_path, "%s/fake.sock", dir);
	snprintf(cmd_log, sizeof cmd_log, "%s/commands", dir);
	signal(SIGPIPE, SIG_IGN);
	test_hosts();
	test_timeout_applied();
	test_timeout_stall();
	test_chunks();
	test_too_big();
	test_none();
	test_hostile();
	test_old_servers();
	test_keepalive();
	test_lookup(dir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
