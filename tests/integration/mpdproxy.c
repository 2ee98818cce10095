/* mpdproxy.c - a hostile middleman for the watcher's integration tests: it
 * listens on a unix socket and passes every connection through to a real
 * MPD, except the art requests of chosen songs.
 *
 *   mpdproxy LISTEN UPSTREAM [-s URI]... [-c URI]...
 *
 * -s URI  "readpicture URI ..." / "albumart URI ..." is swallowed and never
 *         answered (nor is anything after it on that connection): the
 *         client sees MPD stop answering, i.e. its timeout;
 * -c URI  the same requests make the proxy close the connection at once.
 * Prints "ready" once listening, then "accept", "stall MS LINE",
 * "close MS LINE" (MS: CLOCK_MONOTONIC milliseconds) and "eof" (the client
 * hung up) lines, so that a test can count and time the attempts.  Runs until killed.  Single-threaded: one poll() over all
 * connections; blocking writes (the clients read what they asked for). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 8
#define MAX_RULES 8
#define LINE_MAX_BYTES 8192

struct pair {
	int client, server; /* -1: unused slot */
	bool stalled;
	char line[LINE_MAX_BYTES];
	size_t n;
};

static const char *stall_uri[MAX_RULES], *close_uri[MAX_RULES];
static int n_stall, n_close;

static void say(const char *what, const char *line)
{
	struct timespec ts;

	if (line == NULL) {
		printf("%s\n", what);
	} else {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%s %.0f %s\n", what, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6,
		       line);
	}
	fflush(stdout);
}

static int unix_socket(const char *path, bool listening)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof a.sun_path)
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	if (listening) {
		unlink(path);
		if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0)
			return -1;
	} else if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* The first argument of an art request (libmpdclient quotes arguments and
 * escapes '"' and '\' with a backslash), or false for any other line. */
static bool art_arg(const char *line, char *out, size_t outlen)
{
	const char *p;
	size_t o = 0;

	if (strncmp(line, "readpicture ", 12) == 0)
		p = line + 12;
	else if (strncmp(line, "albumart ", 9) == 0)
		p = line + 9;
	else
		return false;
	while (*p == ' ')
		p++;
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"' && o + 1 < outlen; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			out[o++] = *p;
		}
	} else {
		while (*p != '\0' && *p != ' ' && o + 1 < outlen)
			out[o++] = *p++;
	}
	out[o] = '\0';
	return true;
}

static bool matches(const char *uri, const char **list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(uri, list[i]) == 0)
			return true;
	return false;
}

static void pair_close(struct pair *p)
{
	close(p->client);
	close(p->server);
	p->client = p->server = -1;
	p->stalled = false;
	p->n = 0;
}

/* Client bytes: whole lines are looked at, then passed on, swallowed or
 * answered by hanging up.  false: the pair is closed. */
static bool from_client(struct pair *p, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char uri[LINE_MAX_BYTES];
		if (p->stalled)
			return true; /* nothing more is answered */
		if (p->n + 1 >= sizeof p->line) {
			say("line-too-long", NULL);
			return false;
		}
		p->line[p->n++] = buf[i];
		if (buf[i] != '\n')
			continue;
		p->line[p->n - 1] = '\0';
		if (art_arg(p->line, uri, sizeof uri)) {
			if (matches(uri, stall_uri, n_stall)) {
				say("stall", p->line);
				p->stalled = true;
				continue;
			}
			if (matches(uri, close_uri, n_close)) {
				say("close", p->line);
				return false;
			}
		}
		p->line[p->n - 1] = '\n';
		if (!write_all(p->server, p->line, p->n))
			return false;
		p->n = 0;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct pair pairs[MAX_PAIRS];
	int lfd;

	if (argc < 3) {
		fprintf(stderr, "usage: mpdproxy LISTEN UPSTREAM [-s URI]... [-c URI]...\n");
		return 2;
	}
	for (int i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-s") == 0 && n_stall < MAX_RULES)
			stall_uri[n_stall++] = argv[i + 1];
		else if (strcmp(argv[i], "-c") == 0 && n_close < MAX_RULES)
			close_uri[n_close++] = argv[i + 1];
		else {
			fprintf(stderr, "mpdproxy: bad rule %s\n", argv[i]);
			return 2;
		}
	}
	if ((lfd = unix_socket(argv[1], true)) < 0) {
		fprintf(stderr, "mpdproxy: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (int i = 0; i < MAX_PAIRS; i++)
		pairs[i].client = pairs[i].server = -1;
	say("ready", NULL);

	for (;;) {
		struct pollfd pfd[1 + 2 * MAX_PAIRS];
		int idx[1 + 2 * MAX_PAIRS], n = 0;
		char buf[65536];

		pfd[n] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		idx[n++] = -1;
		for (int i = 0; i < MAX_PAIRS; i++) {
			if (pairs[i].client < 0)
				continue;
			pfd[n] = (struct pollfd){ .fd = pairs[i].client, .events = POLLIN };
			idx[n++] = i;
			pfd[n] = (struct pollfd){ .fd = pairs[i].server, .events = POLLIN };
			idx[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("mpdproxy: poll");
			return 1;
		}
		for (int k = 1; k < n; k++) {
			struct pair *p = &pairs[idx[k]];
			bool is_client;
			ssize_t r;

			if (pfd[k].revents == 0 || p->client < 0)
				continue;
			is_client = pfd[k].fd == p->client;
			r = read(pfd[k].fd, buf, sizeof buf);
			if (r <= 0) {
				if (is_client)
					say("eof", NULL);
				pair_close(p);
				continue;
			}
			if (is_client ? !from_client(p, buf, (size_t)r)
			              : !write_all(p->client, buf, (size_t)r))
				pair_close(p);
		}
		if (pfd[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), s, i;
			if (c < 0)
				continue;
			for (i = 0; i < MAX_PAIRS && pairs[i].client >= 0; i++)
				;
			if (i == MAX_PAIRS || (s = unix_socket(argv[2], false)) < 0) {
				close(c);
				say("refused", NULL);
				continue;
			}
			pairs[i].client = c;
			pairs[i].server = s;
			pairs[i].stalled = false;
			pairs[i].n = 0;
			say("accept", NULL);
		}
	}
}
