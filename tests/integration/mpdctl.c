/* mpdctl.c - a tiny MPD client for the integration tests (no mpc needed).
 *
 *   mpdctl [-t] HOST COMMAND [ARG...] [, COMMAND [ARG...]]...
 *
 * -t prints "t MS" (CLOCK_MONOTONIC, milliseconds) right before the first
 * command is sent, for the benchmark's latency measurements.
 * HOST is a socket path, "@abstract" or host[:port], optionally
 * "password@HOST".  Each command's reply pairs are printed as "name: value";
 * the first failing command ends the run with exit 1 and the server's
 * message.  "update" waits until the database update has finished. */
#include "config.h"

#include <mpd/client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int fail(struct mpd_connection *c, const char *what)
{
	fprintf(stderr, "mpdctl: %s: %s\n", what, mpd_connection_get_error_message(c));
	return 1;
}

static int run(struct mpd_connection *c, int argc, char **argv)
{
	struct mpd_pair *p;

	switch (argc) {
	case 1: mpd_send_command(c, argv[0], NULL); break;
	case 2: mpd_send_command(c, argv[0], argv[1], NULL); break;
	case 3: mpd_send_command(c, argv[0], argv[1], argv[2], NULL); break;
	default:
		fprintf(stderr, "mpdctl: %s: too many arguments\n", argv[0]);
		return 1;
	}
	while ((p = mpd_recv_pair(c)) != NULL) {
		printf("%s: %s\n", p->name, p->value);
		mpd_return_pair(c, p);
	}
	if (!mpd_response_finish(c))
		return fail(c, argv[0]);
	if (strcmp(argv[0], "update") == 0) {
		/* Wait for the end of the update: "updating_db" leaves status. */
		for (;;) {
			struct mpd_status *st;
			mpd_run_idle_mask(c, MPD_IDLE_UPDATE);
			st = mpd_run_status(c);
			if (st == NULL)
				return fail(c, "status");
			if (mpd_status_get_update_id(st) == 0) {
				mpd_status_free(st);
				break;
			}
			mpd_status_free(st);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct mpd_connection *c;
	char *host, *at, *colon;
	unsigned port = 0;
	int i, start, stamp = 0;

	if (argc > 1 && strcmp(argv[1], "-t") == 0) {
		stamp = 1;
		argv++;
		argc--;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: mpdctl HOST COMMAND [ARG...] [, COMMAND ...]\n");
		return 2;
	}
	host = argv[1];
	at = host[0] != '@' ? strchr(host, '@') : NULL;
	if (at != NULL)
		*at = '\0';
	if (at != NULL)
		host = at + 1;
	if (host[0] != '/' && host[0] != '@' && (colon = strrchr(host, ':')) != NULL) {
		*colon = '\0';
		port = (unsigned)atoi(colon + 1);
	}
	c = mpd_connection_new(host, port, 10000);
	if (c == NULL || mpd_connection_get_error(c) != MPD_ERROR_SUCCESS)
		return c == NULL ? 1 : fail(c, "connect");
	if (at != NULL && !mpd_run_password(c, argv[1]))
		return fail(c, "password");
	if (stamp) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("t %.3f\n", (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
		fflush(stdout);
	}
	for (start = i = 2; i <= argc; i++) {
		if (i == argc || strcmp(argv[i], ",") == 0) {
			if (i > start && run(c, i - start, argv + start) != 0) {
				mpd_connection_free(c);
				return 1;
			}
			start = i + 1;
		}
	}
	mpd_connection_free(c);
	return 0;
}
