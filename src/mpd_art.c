/* mpd_art.c - album art over the protocol: readpicture (MPD >= 0.22) and
 * albumart (>= 0.21), chunked, straight into one buffer of the announced
 * size.  mpd_recv_readpicture/albumart hide the size/type lines, so the
 * replies are read pair by pair (docs MPD.md). */
#include "config.h"

#include <errno.h>
#include <mpd/client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpd.h"
#include "mpd_internal.h"
#include "status.h"

static int parse_size(const char *v, unsigned long long *out)
{
	char *end;
	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* Reads and drops a chunk of n bytes announced by "binary: n" and the end
 * of the reply, so that the connection stays in step (n <= binarylimit, so
 * bounded).  0, or RTG_MPD_LOST (err set). */
static int drop_chunk(struct rtg_mpd *m, const char *cmd, unsigned long long n,
                      char *err)
{
	void *scratch;

	if (n > m->chunk || (scratch = malloc(n > 0 ? (size_t)n : 1)) == NULL)
		return rtg_mpd_server_fail(m, err, RTG_MPD_LOST, "%s: chunk of %llu bytes", cmd, n);
	if (!mpd_recv_binary(m->conn, scratch, (size_t)n) ||
	    !rtg_mpd_finish_reply(m->conn)) {
		free(scratch);
		rtg_mpd_conn_error(m, cmd, err);
		return RTG_MPD_LOST;
	}
	free(scratch);
	return 0;
}

/* Reads the reply to one "readpicture/albumart URI OFFSET" after the send:
 * size, optional type, binary, the bytes, OK.  *art grows on the first
 * chunk.  Returns 0 (chunk read; *got set), RTG_MPD_NONE, RTG_ERR_LIMIT,
 * RTG_ERR_NOMEM, RTG_MPD_ACK, RTG_MPD_LOST. */
static int recv_chunk(struct rtg_mpd *m, const char *cmd, size_t offset,
                      size_t max_bytes, struct rtg_art *art, size_t *total,
                      size_t *got, char *err)
{
	struct mpd_pair *p;
	unsigned long long size = 0, n = 0;
	int have_size = 0, rc;

	*got = 0;
	while ((p = mpd_recv_pair(m->conn)) != NULL) {
		int is_binary = strcmp(p->name, "binary") == 0;
		if (strcmp(p->name, "size") == 0) {
			if (parse_size(p->value, &size) < 0) {
				mpd_return_pair(m->conn, p);
				return rtg_mpd_server_fail(m, err, RTG_MPD_LOST, "%s: bad size", cmd);
			}
			have_size = 1;
		} else if (strcmp(p->name, "type") == 0 && offset == 0) {
			snprintf(art->type, sizeof art->type, "%s", p->value);
		} else if (is_binary) {
			if (parse_size(p->value, &n) < 0) {
				mpd_return_pair(m->conn, p);
				return rtg_mpd_server_fail(m, err, RTG_MPD_LOST, "%s: bad binary length", cmd);
			}
		}
		mpd_return_pair(m->conn, p);
		if (is_binary)
			break;
	}
	if (p == NULL) {
		/* End of reply without data: readpicture's "no picture" is a
		 * plain OK; an ACK (albumart's "No file exists") lands here too. */
		if (mpd_connection_get_error(m->conn) == MPD_ERROR_SUCCESS)
			return RTG_MPD_NONE; /* the OK ended the reply */
		if (mpd_connection_get_error(m->conn) == MPD_ERROR_SERVER &&
		    mpd_connection_get_server_error(m->conn) == MPD_SERVER_ERROR_NO_EXIST) {
			mpd_connection_clear_error(m->conn);
			return RTG_MPD_NONE;
		}
		return rtg_mpd_conn_error(m, cmd, err);
	}
	if (!have_size)
		return rtg_mpd_server_fail(m, err, RTG_MPD_LOST, "%s: no size before binary", cmd);

	if (offset == 0) {
		*total = (size_t)size;
		if (size == 0) {
			rc = RTG_MPD_NONE;
		} else if (size > max_bytes) {
			rc = rtg_fail(err, RTG_ERR_LIMIT,
			              "%s art is %llu bytes, above art_max_bytes (%zu)",
			              cmd, size, max_bytes);
		} else if ((art->bytes = malloc((size_t)size)) == NULL) {
			rc = rtg_fail(err, RTG_ERR_NOMEM, "out of memory (%llu bytes of art)", size);
		} else {
			rc = 0;
		}
		if (rc != 0) {
			char msg[RTG_ERRLEN];
			memcpy(msg, err, RTG_ERRLEN);
			if (drop_chunk(m, cmd, n, err) < 0)
				return RTG_MPD_LOST;
			memcpy(err, msg, RTG_ERRLEN);
			return rc;
		}
	} else if (size != *total) {
		/* The picture changed between chunks (file rewritten).  Its
		 * bytes are on the wire: skipping them unread would make them
		 * parse as the server's next reply. */
		if (drop_chunk(m, cmd, n, err) < 0)
			return RTG_MPD_LOST;
		return rtg_mpd_server_fail(m, err, RTG_MPD_ACK, "%s: art changed while reading", cmd);
	}
	if (n > *total - offset)
		return rtg_mpd_server_fail(m, err, RTG_MPD_LOST, "%s: chunk past the announced size",
		                           cmd);
	/* Straight into the final buffer: the length is known, so no chunk
	 * buffer (that must be >= binarylimit with mpd_recv_readpicture) and
	 * no copy. */
	if (!mpd_recv_binary(m->conn, art->bytes + offset, (size_t)n) ||
	    !rtg_mpd_finish_reply(m->conn))
		return rtg_mpd_conn_error(m, cmd, err) == RTG_MPD_ACK ? RTG_MPD_ACK : RTG_MPD_LOST;
	*got = (size_t)n;
	return 0;
}

static int fetch_one(struct rtg_mpd *m, const char *cmd, const char *uri,
                     size_t max_bytes, struct rtg_art *art, char *err)
{
	size_t offset = 0, total = 0, got;
	char off[32];
	int rc;

	for (;;) {
		snprintf(off, sizeof off, "%zu", offset);
		if (!mpd_send_command(m->conn, cmd, uri, off, NULL))
			return rtg_mpd_conn_error(m, cmd, err);
		rc = recv_chunk(m, cmd, offset, max_bytes, art, &total, &got, err);
		if (rc != 0)
			break;
		offset += got;
		if (offset >= total)
			break;
		if (got == 0) {
			rc = rtg_mpd_server_fail(m, err, RTG_MPD_ACK, "%s: short art (%zu of %zu bytes)",
			                         cmd, offset, total);
			break;
		}
	}
	if (rc != 0) {
		free(art->bytes);
		art->bytes = NULL;
		return rc;
	}
	art->len = total;
	return 0;
}

int rtg_mpd_fetch_art(struct rtg_mpd *m, const char *uri,
                      const enum rtg_art_source *order, int n,
                      size_t max_bytes, struct rtg_art *art, char *err)
{
	int result = RTG_MPD_NONE;

	memset(art, 0, sizeof *art);
	for (int i = 0; i < n; i++) {
		const char *cmd;
		int rc;
		if (order[i] == RTG_ART_EMBEDDED) {
			if (!rtg_mpd_version_at_least(m, 0, 22, 0))
				continue;
			cmd = "readpicture";
		} else {
			if (!rtg_mpd_version_at_least(m, 0, 21, 0))
				continue;
			cmd = "albumart";
		}
		art->type[0] = '\0';
		rc = fetch_one(m, cmd, uri, max_bytes, art, err);
		if (rc == 0) {
			art->source = order[i];
			return 0;
		}
		if (rc == RTG_MPD_LOST || rc == RTG_ERR_NOMEM)
			return rc;
		/* Too big or a server error: remember it, try the next source. */
		if (rc != RTG_MPD_NONE)
			result = rc;
	}
	if (result == RTG_MPD_NONE)
		rtg_fail(err, RTG_MPD_NONE, "no album art");
	return result;
}

void rtg_art_free(struct rtg_art *art)
{
	free(art->bytes);
	art->bytes = NULL;
	art->len = 0;
}
