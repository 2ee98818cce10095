/* report.c - JSON report of one generation.
 *
 * Written by hand (the shape is fixed and small).  Strings that come from
 * outside (paths, MPD URIs, template names) are escaped per RFC 8259, and
 * bytes that are not valid UTF-8 become U+FFFD so the document stays valid
 * JSON whatever the file system holds.  Numbers are printed with "%.Nf" in
 * the C locale; a non-finite number becomes null. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "text.h"
#include "status.h"

static void
json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	n = strlen(s);
	fputc('"', f);
	while (n > 0) {
		unsigned char c = *p;
		size_t len;

		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20) {
				fprintf(f, "\\u%04x", c);
				break;
			}
			len = rtg_utf8_seq_len(p, n);
			if (len == 0) {
				fputs("\\ufffd", f);
				len = 1;
			} else {
				fwrite(p, 1, len, f);
			}
			p += len;
			n -= len;
			continue;
		}
		p++;
		n--;
	}
	fputc('"', f);
}

static void
json_number(FILE *f, double v, int decimals)
{
	if (isfinite(v))
		fprintf(f, "%.*f", decimals, v);
	else
		fputs("null", f);
}

static void
json_hex(FILE *f, struct rtg_rgb8 c)
{
	char hex[8];

	rtg_rgb8_hex(c, hex);
	json_string(f, hex);
}

static void
report_image(FILE *f, const struct rtg_result *res)
{
	fprintf(f, "  \"image\": {\"width\": %u, \"height\": %u, "
	        "\"decoded_width\": %u, \"decoded_height\": %u, \"format\": ",
	        (unsigned)res->image_width, (unsigned)res->image_height,
	        (unsigned)res->decoded_width, (unsigned)res->decoded_height);
	json_string(f, res->format);
	fputs(", \"decoder\": ", f);
	json_string(f, res->decoder);
	fputs("},\n", f);
}

static void
report_options(FILE *f, const struct rtg_options *o)
{
	const char *tmpl = o->template_text != NULL
		? (o->template_name != NULL ? o->template_name : "template")
		: rtg_template_builtin_name(o->builtin);

	fprintf(f, "  \"options\": {\"k\": %d, \"space\": ", o->k);
	json_string(f, rtg_space_name(o->space));
	fputs(", \"mode\": ", f);
	json_string(f, rtg_mode_name(o->mode));
	fputs(", \"template\": ", f);
	json_string(f, tmpl);
	fprintf(f, ", \"builtin_template\": %s, \"full_decode\": %s},\n",
	        o->template_text != NULL ? "false" : "true",
	        o->full_decode ? "true" : "false");
}

static void
report_palette(FILE *f, const struct rtg_palette *pal)
{
	fputs("  \"palette\": [", f);
	for (int i = 0; i < pal->n; i++) {
		fputs(i ? ",\n    {\"hex\": " : "\n    {\"hex\": ", f);
		json_hex(f, pal->sw[i].rgb);
		fputs(", \"share\": ", f);
		json_number(f, pal->sw[i].share, 4);
		fputs(", \"oklch\": [", f);
		json_number(f, pal->sw[i].oklch[0], 4);
		fputs(", ", f);
		json_number(f, pal->sw[i].oklch[1], 4);
		fputs(", ", f);
		json_number(f, pal->sw[i].oklch[2], 1);
		fputs("]}", f);
	}
	fputs(pal->n ? "\n  ],\n" : "],\n", f);
}

static void
report_roles(FILE *f, const struct rtg_roles *roles)
{
	fputs("  \"roles\": {", f);
	for (int r = 0; r < RTG_ROLE_COUNT; r++) {
		fputs(r ? ",\n    " : "\n    ", f);
		json_string(f, rtg_role_name((enum rtg_role)r));
		fputs(": ", f);
		json_hex(f, roles->c[r]);
	}
	fputs("\n  },\n", f);
}

static void
report_pairs(FILE *f, const struct rtg_audit *a)
{
	fprintf(f, "  \"audit\": {\"pairs\": %zu, \"failures\": %zu},\n",
	        a->n, a->failures);
	fputs("  \"pairs\": [", f);
	for (size_t i = 0; i < a->n; i++) {
		const struct rtg_audit_pair *p = &a->pairs[i];

		fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", f);
		json_string(f, p->path);
		fprintf(f, ", \"line\": %d, \"fg\": ", p->line);
		json_hex(f, p->fg);
		fputs(", \"bg\": ", f);
		json_hex(f, p->bg);
		fputs(", \"ratio\": ", f);
		json_number(f, p->ratio, 2);
		fputs(", \"min\": ", f);
		json_number(f, p->min, 1);
		/* judged on the exact ratio, not the rounded one printed */
		fprintf(f, ", \"ok\": %s}", p->ratio >= p->min ? "true" : "false");
	}
	fputs(a->n ? "\n  ],\n" : "],\n", f);
}

static void
report_timings(FILE *f, const struct rtg_timings *t, double publish_ms)
{
	double total = t->decode_ms + t->sample_ms + t->cluster_ms + t->roles_ms +
	               t->render_ms + t->check_ms + (publish_ms >= 0 ? publish_ms : 0);

	fputs("  \"timings_ms\": {\"decode\": ", f);
	json_number(f, t->decode_ms, 3);
	fputs(", \"sample\": ", f);
	json_number(f, t->sample_ms, 3);
	fputs(", \"cluster\": ", f);
	json_number(f, t->cluster_ms, 3);
	fputs(", \"roles\": ", f);
	json_number(f, t->roles_ms, 3);
	fputs(", \"render\": ", f);
	json_number(f, t->render_ms, 3);
	fputs(", \"check\": ", f);
	json_number(f, t->check_ms, 3);
	fputs(", \"publish\": ", f);
	if (publish_ms >= 0)
		json_number(f, publish_ms, 3);
	else
		fputs("null", f);
	fputs(", \"total\": ", f);
	json_number(f, total, 3);
	fputs("}\n", f);
}

int
rtg_report_write(FILE *f, const struct rtg_result *res,
                 const struct rtg_options *o, const char *source,
                 const char *theme_path, double publish_ms)
{
	fputs("{\n  \"source\": ", f);
	json_string(f, source);
	fputs(",\n  \"theme_path\": ", f);
	json_string(f, theme_path);
	fputs(",\n", f);
	report_image(f, res);
	report_options(f, o);
	fputs("  \"mode\": ", f);
	json_string(f, rtg_mode_name(res->roles.mode));
	fprintf(f, ",\n  \"clustering\": {\"samples\": %zu, \"iterations\": %d},\n",
	        res->n_samples, res->iterations);
	report_palette(f, &res->palette);
	report_roles(f, &res->roles);
	report_pairs(f, &res->audit);
	report_timings(f, &res->t, publish_ms);
	fputs("}\n", f);
	if (fflush(f) != 0 || ferror(f))
		return RTG_ERR_IO;
	return 0;
}
