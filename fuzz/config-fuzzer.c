/* config-fuzzer.c - rtg_config_load on arbitrary text: libconfig's parser
 * and our key table with its range checks.
 *
 * rtg_config_load reads a path, so the input goes into a memfd named by
 * /proc/self/fd/N (no file on disk).  Inputs with "@include" are fed too:
 * rtg_config_load refuses them before libconfig could open a file.
 *
 * Invariants: the status is 0 or RTG_ERR_ARG (an I/O error cannot happen on
 * a memfd); a failure leaves the settings untouched; after a success every
 * value is inside its documented range (rmpc-theme-gen.conf(5)). */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "configfile.h"
#include "fuzz.h"
#include "log.h"
#include "settings.h"
#include "status.h"
#include "lsan-libconfig.h"

static int fd = -1;
static char path[64];

static void
check_ranges(const struct rtg_settings *s)
{
	FUZZ_ASSERT(s->gen.k >= RTG_K_MIN && s->gen.k <= RTG_K_MAX, "k %d", s->gen.k);
	FUZZ_ASSERT((unsigned)s->gen.space < RTG_SPACE_COUNT, "space %d", (int)s->gen.space);
	FUZZ_ASSERT(s->gen.mode == RTG_MODE_AUTO || s->gen.mode == RTG_MODE_DARK ||
	            s->gen.mode == RTG_MODE_LIGHT, "mode %d", (int)s->gen.mode);
	FUZZ_ASSERT((unsigned)s->gen.builtin < RTG_TEMPLATE_COUNT, "template %d",
	            (int)s->gen.builtin);
	FUZZ_ASSERT(s->gen.sample_budget >= 1024 && s->gen.sample_budget <= 64ull << 20,
	            "sample_budget %llu", (unsigned long long)s->gen.sample_budget);
	FUZZ_ASSERT(s->gen.limits.max_dimension >= 1 && s->gen.limits.max_dimension <= 65535,
	            "max_dimension %u", s->gen.limits.max_dimension);
	FUZZ_ASSERT(s->gen.limits.max_pixels >= 1 && s->gen.limits.max_pixels <= 1ull << 30,
	            "max_pixels %llu", (unsigned long long)s->gen.limits.max_pixels);
	FUZZ_ASSERT(s->mpd_port >= 0 && s->mpd_port <= 65535, "mpd_port %d", s->mpd_port);
	FUZZ_ASSERT(s->mpd_timeout_ms >= 100 && s->mpd_timeout_ms <= 600000, "mpd_timeout %d ms",
	            s->mpd_timeout_ms);
	FUZZ_ASSERT(s->art_order_n == 1 || s->art_order_n == 2, "art_order_n %d", s->art_order_n);
	FUZZ_ASSERT(s->art_order_n == 1 || s->art_order[0] != s->art_order[1],
	            "art_order twice the same");
	FUZZ_ASSERT(s->art_max_bytes >= 1024 && s->art_max_bytes <= 256u << 20,
	            "art_max_bytes %zu", s->art_max_bytes);
	FUZZ_ASSERT(s->binarylimit >= 64 && s->binarylimit <= 8u << 20, "binarylimit %zu",
	            s->binarylimit);
	FUZZ_ASSERT(s->cache_max_bytes <= 1u << 30, "cache_max_bytes %zu", s->cache_max_bytes);
	FUZZ_ASSERT(s->verbosity >= -1 && s->verbosity <= 2, "verbosity %d", s->verbosity);
	FUZZ_ASSERT(s->fallback != RTG_FALLBACK_IMAGE || s->fallback_image != NULL,
	            "fallback image without a file");
	/* "" means back to the default: never an empty string */
	FUZZ_ASSERT(s->template_path == NULL || s->template_path[0] != '\0', "empty template");
	FUZZ_ASSERT(s->mpd_host == NULL || s->mpd_host[0] != '\0', "empty mpd_host");
	FUZZ_ASSERT(s->cache_dir == NULL || s->cache_dir[0] != '\0', "empty cache_dir");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtg_settings s, before;
	char err[RTG_ERRLEN] = "";
	int st;

	if (fd < 0) {
		rtg_log_init(-1, 0); /* unknown keys are warnings: keep the run quiet */
		fd = memfd_create("rtg-config-fuzz", 0);
		FUZZ_ASSERT(fd >= 0, "memfd_create failed");
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	FUZZ_ASSERT(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size,
	            "cannot write the memfd");

	rtg_settings_default(&s);
	before = s;
	st = rtg_config_load(path, &s, err);
	if (st != RTG_OK) {
		fuzz_check_failure(st, err, sizeof err);
		FUZZ_ASSERT(st == RTG_ERR_ARG, "status %d (%s)", st, err);
		FUZZ_ASSERT(memcmp(&s, &before, sizeof s) == 0, "settings changed by a failed load");
		FUZZ_ASSERT(strncmp(err, path, strlen(path)) == 0, "message does not name the file: %s",
		            err);
	} else {
		check_ranges(&s);
	}
	rtg_settings_free(&s);
	return 0;
}
