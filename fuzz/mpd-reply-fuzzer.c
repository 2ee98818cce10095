/* mpd-reply-fuzzer.c - the album-art side of src/mpd.c against a server
 * that says whatever the input says.
 *
 * Input: one option byte, then the server's whole byte stream, welcome line
 * included ("OK MPD 0.23.5\n" in the seeds).  A thread of this process
 * plays it on an abstract unix socket (no file, no fork): it sends the bytes
 * without waiting for the commands, then closes its side, so a reply that
 * ends early is an EOF, never a wait.  The option byte picks the art order
 * and count (bits 0-1), art_max_bytes (bits 2-3: 16, 1000, 64 KiB, 16 MiB)
 * and binarylimit (bit 4: none, or 4096 which the stream must answer).
 *
 * Invariants: rtg_mpd_open and rtg_mpd_fetch_art return one of their
 * documented codes; art handed back is non-empty, within art_max_bytes and
 * readable to its last byte; nothing is left allocated on any other code;
 * failures come with a one-line message. */
#include "config.h"

#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz.h"
#include "mpd.h"
#include "settings.h"
#include "status.h"

static int lfd = -1;
static struct sockaddr_un addr;
static socklen_t addrlen;
static char sock_name[64];

struct script {
	const uint8_t *data;
	size_t size;
};

static void *
serve(void *arg)
{
	const struct script *sc = arg;
	int fd = accept(lfd, NULL, NULL);
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

static void
listen_once(void)
{
	/* "@name": libmpdclient's spelling of an abstract socket; sun_path
	 * starts with a NUL byte instead. */
	snprintf(sock_name, sizeof sock_name, "@rtg-mpd-fuzz-%ld", (long)getpid());
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path + 1, sock_name + 1, strlen(sock_name) - 1);
	addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sock_name));
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FUZZ_ASSERT(lfd >= 0 && bind(lfd, (struct sockaddr *)&addr, addrlen) == 0 &&
	            listen(lfd, 4) == 0, "cannot listen on %s", sock_name);
}

static int
is_status(int rc, const int *ok, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rc == ok[i])
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[4] = { 16, 1000, 64u << 10, 16u << 20 };
	static const int open_ok[] = { 0, RTG_MPD_LOST, RTG_MPD_DENIED };
	/* DENIED is not in mpd.h's list for fetch_art, but an ACK with
	 * MPD's permission code gives it and both callers handle it. */
	static const int fetch_ok[] = { 0, RTG_MPD_NONE, RTG_ERR_LIMIT, RTG_ERR_NOMEM,
	                                RTG_MPD_ACK, RTG_MPD_LOST, RTG_MPD_DENIED };
	struct rtg_mpd_target t;
	struct rtg_mpd *m = NULL;
	struct rtg_art art;
	struct script sc;
	pthread_t th;
	enum rtg_art_source order[2];
	char err[RTG_ERRLEN] = "";
	int n, rc;
	size_t max;
	uint8_t opt;

	if (size < 1)
		return 0;
	if (lfd < 0)
		listen_once();
	opt = data[0];
	sc.data = data + 1;
	sc.size = size - 1;
	order[0] = opt & 1 ? RTG_ART_FOLDER : RTG_ART_EMBEDDED;
	order[1] = opt & 1 ? RTG_ART_EMBEDDED : RTG_ART_FOLDER;
	n = opt & 2 ? 2 : 1;
	max = maxes[(opt >> 2) & 3];

	FUZZ_ASSERT(pthread_create(&th, NULL, serve, &sc) == 0, "pthread_create");
	memset(&t, 0, sizeof t);
	t.host = sock_name;
	snprintf(t.name, sizeof t.name, "%s", sock_name);
	rc = rtg_mpd_open(&t, 2000, opt & 16 ? 4096 : 0, &m, err);
	FUZZ_ASSERT(is_status(rc, open_ok, sizeof open_ok / sizeof open_ok[0]),
	            "rtg_mpd_open: %d (%s)", rc, err);
	if (rc != 0) {
		fuzz_check_failure(rc, err, sizeof err);
		FUZZ_ASSERT(m == NULL, "connection left after a failed open");
	} else {
		size_t chunk = rtg_mpd_chunk_size(m);

		FUZZ_ASSERT(chunk == 8192 || chunk == 4096, "chunk size %zu", chunk);
		err[0] = '\0';
		rc = rtg_mpd_fetch_art(m, "a/b.flac", order, n, max, &art, err);
		FUZZ_ASSERT(is_status(rc, fetch_ok, sizeof fetch_ok / sizeof fetch_ok[0]),
		            "rtg_mpd_fetch_art: %d (%s)", rc, err);
		if (rc == 0) {
			volatile uint8_t last;

			FUZZ_ASSERT(art.bytes != NULL && art.len > 0 && art.len <= max,
			            "art of %zu bytes, limit %zu", art.len, max);
			FUZZ_ASSERT(memchr(art.type, '\0', sizeof art.type) != NULL, "type");
			last = art.bytes[art.len - 1];
			(void)last;
			rtg_art_free(&art);
		} else {
			FUZZ_ASSERT(art.bytes == NULL, "art left after %d", rc);
			if (rc < 0)
				fuzz_check_failure(rc, err, sizeof err);
		}
		rtg_mpd_close(m);
	}
	pthread_join(th, NULL);
	return 0;
}
