/* check_mpd.c - rmpc-theme-gen --check, MPD: reachable, allowed in, new
 * enough for readpicture/albumart/binarylimit, and what the current song's
 * art looks like. */
#include "config.h"

#include <stddef.h>

#include "check_internal.h"
#include "image.h"
#include "modes.h"
#include "mpd.h"
#include "status.h"

void rtg_check_mpd(struct doctor *d, const struct rtg_settings *s)
{
	struct rtg_mpd_target t;
	struct rtg_mpd *m = NULL;
	struct rtg_song song = { 0 };
	char err[RTG_ERRLEN];
	int rc;

	if (rtg_mpd_target_resolve(s, &t, err) < 0) {
		rtg_check_say("FAIL", NULL, "%s", err);
		d->problems_mpd++;
		return;
	}
	rc = rtg_mpd_open(&t, s->mpd_timeout_ms, s->binarylimit, &m, err);
	if (rc == RTG_MPD_DENIED) {
		rtg_check_say("FAIL", "set mpd_password in the config, or MPD_HOST=password@host",
		              "MPD (from %s): %s", t.origin, err); /* err names the server */
		d->problems_mpd++;
		goto out;
	}
	if (rc < 0) {
		rtg_check_say("FAIL", "start MPD (systemctl --user start mpd), or point mpd_host / MPD_HOST at it",
		              "MPD (from %s) is not reachable: %s", t.origin, err); /* err names it */
		d->problems_mpd++;
		goto out;
	}
	rtg_check_say("ok", NULL, "MPD at %s (from %s), protocol %s", t.name, t.origin,
	              rtg_mpd_version(m));
	if (!rtg_mpd_version_at_least(m, 0, 21, 0)) {
		rtg_check_say("FAIL", "upgrade MPD to 0.22.4 or later",
		              "MPD older than 0.21: no album art over the protocol (albumart, readpicture)");
		d->problems_mpd++;
	} else if (!rtg_mpd_version_at_least(m, 0, 22, 0)) {
		rtg_check_say("note", "upgrade MPD to 0.22.4 or later for embedded art",
		              "MPD older than 0.22: only folder covers (albumart), no embedded art (readpicture)");
	} else if (!rtg_mpd_version_at_least(m, 0, 22, 4)) {
		rtg_check_say("note", "upgrade MPD to 0.22.4 or later",
		              "MPD older than 0.22.4: no binarylimit, large covers take many round trips");
	} else {
		rtg_check_say("ok", NULL, "readpicture, albumart and binarylimit supported (chunk %zu bytes)",
		              rtg_mpd_chunk_size(m));
	}
	rc = rtg_mpd_current(m, &song, err);
	if (rc < 0) {
		rtg_check_say("FAIL", "grant \"read\" (MPD's default_permissions, or a password with it)",
		              "cannot read the current song: %s", err);
		d->problems_mpd++;
	} else if (song.uri == NULL) {
		rtg_check_say("ok", NULL, "no current song in MPD's queue");
	} else {
		struct rtg_art art;
		rc = rtg_mpd_fetch_art(m, song.uri, s->art_order, s->art_order_n,
		                       s->art_max_bytes, &art, err);
		/* "current song": MPD has one when stopped or paused too */
		if (rc == 0) {
			/* decoded as a generation would, so a broken cover shows here */
			struct rtg_image img;
			char derr[RTG_ERRLEN];
			const char *src = art.source == RTG_ART_EMBEDDED ? "embedded" : "folder";
			if (rtg_image_decode_scaled(art.bytes, art.len, &s->gen.limits,
			                            s->gen.sample_budget, s->gen.decode_min_half,
			                            &img, derr) == 0) {
				rtg_check_say("ok", NULL, "current song %s: %zu bytes of %s art, a %ux%u %s",
				              song.uri, art.len, src, img.full_width, img.full_height,
				              img.format);
				rtg_image_free(&img);
			} else {
				rtg_check_say("note", "replace the cover; meanwhile 'fallback' applies",
				              "current song %s: %zu bytes of %s art that cannot be used: %s",
				              song.uri, art.len, src, derr);
			}
		} else if (rc == RTG_MPD_NONE) {
			rtg_check_say("note", "embed a cover or put cover.jpg/png/webp in the song's folder; see 'fallback'",
			              "current song %s: it has no album art", song.uri);
		} else {
			rtg_check_say("note", NULL, "current song %s: %s", song.uri, err);
		}
		rtg_art_free(&art);
	}
	rtg_song_free(&song);
out:
	rtg_mpd_close(m);
	rtg_mpd_target_free(&t);
}
