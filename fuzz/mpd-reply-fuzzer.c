/* mpd-reply-fuzzer.c - the MPD module (src/mpd.c: connection, chunked
 * album art, currentsong, idle) against a server that says whatever the
 * input says.  The input format and the rules checked are in mpd-script.h;
 * a broken rule aborts. */
#include "config.h"

#include "fuzz.h"
#include "mpd-script.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mpd_script sc = { .lfd = -1 };
	char why[RTG_ERRLEN + 64];

	if (size < 1)
		return 0;
	if (sc.lfd < 0)
		FUZZ_ASSERT(mpd_script_listen(&sc) == 0, "cannot listen on %s", sc.name);
	FUZZ_ASSERT(mpd_script_play(&sc, data, size, why, sizeof why) == 0, "%s", why);
	return 0;
}
