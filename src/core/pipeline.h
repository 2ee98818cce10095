/* pipeline.h - bytes + options -> theme text + report.  No I/O. */
#ifndef RTG_PIPELINE_H
#define RTG_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "colour.h"
#include "image.h"
#include "render.h"
#include "roles.h"
#include "theme.h"

#define RTG_K_DEFAULT 8

struct rtg_options {
	int k;                      /* RTG_K_MIN..RTG_K_MAX, default RTG_K_DEFAULT */
	enum rtg_space space;       /* default CIELAB */
	enum rtg_mode mode;         /* default AUTO */
	const char *template_text;  /* NULL: builtin */
	size_t template_len;
	const char *template_name;  /* for messages: the file name */
	enum rtg_builtin_template builtin;
	struct rtg_limits limits;
	uint64_t sample_budget;     /* pixels visited by the sampler */
	uint64_t decode_min_half;   /* a JPEG may be decoded at 1/2 scale when that
	                             * keeps this many pixels (1/4 and 1/8 need
	                             * sample_budget); RTG_DECODE_HALF_MIN_DEFAULT */
	int full_decode;            /* 1: never use scaled JPEG decoding */
};

void rtg_options_default(struct rtg_options *o);

struct rtg_timings {
	double decode_ms, sample_ms, cluster_ms, roles_ms, render_ms, check_ms;
};

struct rtg_result {
	char *theme;                 /* malloc'd, NUL-terminated */
	size_t theme_len;
	struct rtg_palette palette;
	struct rtg_roles roles;
	struct rtg_audit audit;
	struct rtg_timings t;
	uint32_t image_width, image_height;     /* declared */
	uint32_t decoded_width, decoded_height; /* after scaled decode */
	const char *format, *decoder;
	size_t n_samples;            /* weighted colours fed to k-means */
	int iterations;              /* k-means iterations */
};

/* Image bytes -> theme.  On failure *res is left empty (nothing to free). */
int rtg_generate(const uint8_t *bytes, size_t len, const struct rtg_options *o,
                 struct rtg_result *res, char *err);
/* A neutral theme without an image (watcher fallback). */
int rtg_generate_neutral(const struct rtg_options *o, struct rtg_result *res,
                         char *err);
void rtg_result_free(struct rtg_result *res);

double rtg_now_ms(void); /* CLOCK_MONOTONIC in milliseconds */

#endif
