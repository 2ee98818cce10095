/* cli.c - command-line options: one table drives getopt_long, the usage
 * text and the overlay onto the settings.
 *
 * The options given are kept (module state) rather than applied at once:
 * the config file has to go between the defaults and the command line, and
 * the watcher re-reads that file later, so the overlay must be re-applied
 * each time (rtg_settings_build). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "configfile.h"
#include "status.h"

enum cli_id {
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_VERBOSE = 'v',
	OPT_QUIET = 'q',
	OPT_IMAGE = 256,
	OPT_WATCH,
	OPT_CHECK,
	OPT_K,
	OPT_SPACE,
	OPT_MODE,
	OPT_THEME_OUTPUT,
	OPT_OUTPUT,
	OPT_TEMPLATE,
	OPT_BUILTIN,
	OPT_PREVIEW,
	OPT_CONFIG,
	OPT_REPEAT,
	OPT_FULL_DECODE,
	OPT_SECTION, /* not an option: a heading in --help */
};

struct cli_opt {
	const char *name;   /* long name, or the heading for OPT_SECTION */
	int id;
	const char *arg;    /* metavariable, NULL: no argument */
	const char *help;
};

static const struct cli_opt cli_opts[] = {
	{ "Source (default: the song MPD is playing now)", OPT_SECTION, NULL, NULL },
	{ "image", OPT_IMAGE, "FILE", "generate from an image file (- reads standard input)" },
	{ "watch", OPT_WATCH, NULL, "run the watcher: regenerate on every track change" },
	{ "check", OPT_CHECK, NULL, "check MPD, rmpc's config and the theme path, and say what to fix" },
	{ "Generation", OPT_SECTION, NULL, NULL },
	{ "k", OPT_K, "N", "palette size, 1..64 (default 8)" },
	{ "space", OPT_SPACE, "S", "clustering space: CIELAB (default), OKLAB, RGB, CIELUV, HSL, HSV, YUV" },
	{ "mode", OPT_MODE, "M", "auto (default: from the cover), dark or light" },
	{ "full-decode", OPT_FULL_DECODE, NULL, "decode at full size (no scaled JPEG or decimated PNG)" },
	{ "Output", OPT_SECTION, NULL, NULL },
	{ "theme-output", OPT_THEME_OUTPUT, "PATH", "theme file (default $XDG_CONFIG_HOME/rmpc/themes/current-song.ron)" },
	{ "template", OPT_TEMPLATE, "FILE", "render this template instead of the built-in one" },
	{ "builtin-template", OPT_BUILTIN, "NAME", "built-in template: rmpc-0.11 (default) or rmpc-0.10" },
	{ "output", OPT_OUTPUT, "FILE", "write a JSON report (palette, roles, contrast, timings); - for stdout" },
	{ "preview", OPT_PREVIEW, NULL, "show the palette and a mock rmpc screen in truecolor" },
	{ "Other", OPT_SECTION, NULL, NULL },
	{ "config", OPT_CONFIG, "PATH", "config file (default $XDG_CONFIG_HOME/rmpc-theme-gen/config)" },
	{ "repeat", OPT_REPEAT, "N", "profiling: generate N times in one process, publish once" },
	{ "verbose", OPT_VERBOSE, NULL, "more messages (-vv: debug)" },
	{ "quiet", OPT_QUIET, NULL, "errors only" },
	{ "help", OPT_HELP, NULL, "show this help and exit" },
	{ "version", OPT_VERSION, NULL, "show the version and exit" },
};
#define CLI_NOPTS (sizeof cli_opts / sizeof cli_opts[0])

/* The command line's contribution to the settings. */
static struct {
	unsigned long given;  /* bit (id - OPT_IMAGE) for long-only options */
	int k, repeat, verbosity, full_decode;
	bool verbosity_given;
	enum rtg_space space;
	enum rtg_mode mode;
	enum rtg_builtin_template builtin;
	char *image, *theme_output, *report_output, *template_path, *config_path;
} cli;

#define GIVEN(id) (cli.given & (1ul << ((id) - OPT_IMAGE)))

void
rtg_cli_free(void)
{
	free(cli.image);
	free(cli.theme_output);
	free(cli.report_output);
	free(cli.template_path);
	free(cli.config_path);
	memset(&cli, 0, sizeof cli);
}

const char *
rtg_cli_config_path(void)
{
	return cli.config_path;
}

const char *
rtg_cli_theme_output(void)
{
	return cli.theme_output;
}

int
rtg_cli_verbosity(void)
{
	/* rtg_settings_default leaves verbosity 0 */
	return cli.verbosity_given ? cli.verbosity : 0;
}

static const char *
cli_opt_name(int id)
{
	for (size_t i = 0; i < CLI_NOPTS; i++)
		if (cli_opts[i].id == id)
			return cli_opts[i].name;
	return "?";
}

/* Whole string, decimal, within lo..hi. */
static int
cli_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* A path option: "~/..." is the home directory's, as in the config file
 * (rmpc's on_song_change runs its command without a shell to expand it). */
static int
cli_set_path(char **field, const char *value, const char *opt, char *err)
{
	char *p;

	if (value[0] == '\0')
		return rtg_fail(err, RTG_ERR_ARG, "--%s: empty argument", opt);
	errno = 0;
	if ((p = rtg_settings_expand_home(value)) == NULL)
		return errno == ENOENT
		       ? rtg_fail(err, RTG_ERR_ARG, "--%s: '%s': no home directory is known for '~'",
		                  opt, value)
		       : rtg_fail(err, RTG_ERR_NOMEM, "out of memory");
	free(*field);
	*field = p;
	return 0;
}

static int
cli_option(int id, const char *arg, char *err)
{
	const char *name = cli_opt_name(id);
	int rc;

	switch (id) {
	case OPT_VERBOSE:
		cli.verbosity = cli.verbosity < 0 ? 1 : cli.verbosity + 1;
		cli.verbosity_given = true;
		return 0;
	case OPT_QUIET:
		cli.verbosity = -1;
		cli.verbosity_given = true;
		return 0;
	case OPT_K:
		if (cli_int(arg, RTG_K_MIN, RTG_K_MAX, &cli.k) != 0)
			return rtg_fail(err, RTG_ERR_ARG, "--k: '%s' is not a number from %d to %d",
			                arg, RTG_K_MIN, RTG_K_MAX);
		break;
	case OPT_REPEAT:
		if (cli_int(arg, 1, 1000000, &cli.repeat) != 0)
			return rtg_fail(err, RTG_ERR_ARG, "--repeat: '%s' is not a number from 1 to 1000000",
			                arg);
		break;
	case OPT_SPACE:
		if (rtg_space_parse(arg, &cli.space) != 0)
			return rtg_fail(err, RTG_ERR_ARG, "--space: unknown colour space '%s' "
			                "(CIELAB, OKLAB, RGB, CIELUV, HSL, HSV, YUV)", arg);
		break;
	case OPT_MODE:
		if (rtg_mode_parse(arg, &cli.mode) != 0)
			return rtg_fail(err, RTG_ERR_ARG, "--mode: '%s' is not auto, dark or light", arg);
		break;
	case OPT_BUILTIN:
		if (rtg_template_builtin_parse(arg, &cli.builtin) != 0)
			return rtg_fail(err, RTG_ERR_ARG, "--builtin-template: unknown template '%s' "
			                "(rmpc-0.11, rmpc-0.10)", arg);
		break;
	case OPT_IMAGE:
		if ((rc = cli_set_path(&cli.image, arg, name, err)) != 0)
			return rc;
		break;
	case OPT_THEME_OUTPUT:
		if ((rc = cli_set_path(&cli.theme_output, arg, name, err)) != 0)
			return rc;
		break;
	case OPT_OUTPUT:
		if ((rc = cli_set_path(&cli.report_output, arg, name, err)) != 0)
			return rc;
		break;
	case OPT_TEMPLATE:
		if ((rc = cli_set_path(&cli.template_path, arg, name, err)) != 0)
			return rc;
		break;
	case OPT_CONFIG:
		if ((rc = cli_set_path(&cli.config_path, arg, name, err)) != 0)
			return rc;
		break;
	case OPT_FULL_DECODE:
		cli.full_decode = 1;
		break;
	case OPT_WATCH:
	case OPT_CHECK:
	case OPT_PREVIEW:
		break;
	default:
		return rtg_fail(err, RTG_ERR_ARG, "internal error: option %d", id);
	}
	cli.given |= 1ul << (id - OPT_IMAGE);
	return 0;
}

/* Combinations that cannot mean anything. */
static int
cli_check_combinations(char *err)
{
	int sources = !!GIVEN(OPT_IMAGE) + !!GIVEN(OPT_WATCH) + !!GIVEN(OPT_CHECK);

	if (sources > 1)
		return rtg_fail(err, RTG_ERR_ARG, "--image, --watch and --check exclude each other");
	if (GIVEN(OPT_TEMPLATE) && GIVEN(OPT_BUILTIN))
		return rtg_fail(err, RTG_ERR_ARG, "--template and --builtin-template exclude each other");
	if (GIVEN(OPT_REPEAT) && (GIVEN(OPT_WATCH) || GIVEN(OPT_CHECK)))
		return rtg_fail(err, RTG_ERR_ARG, "--repeat: only for a one-shot generation");
	/* the watcher writes themes only (the config file's keys are ignored
	 * there, as documented; on the command line that would be silent) */
	if (GIVEN(OPT_WATCH) && (GIVEN(OPT_OUTPUT) || GIVEN(OPT_PREVIEW)))
		return rtg_fail(err, RTG_ERR_ARG, "--%s: only for a one-shot generation",
		                cli_opt_name(GIVEN(OPT_OUTPUT) ? OPT_OUTPUT : OPT_PREVIEW));
	if (GIVEN(OPT_PREVIEW) && GIVEN(OPT_OUTPUT) && strcmp(cli.report_output, "-") == 0)
		return rtg_fail(err, RTG_ERR_ARG,
		                "--preview and --output - both write to standard output");
	if (GIVEN(OPT_CHECK)) {
		/* --check reads the theme path, the config and the verbosity;
		 * anything about generating would be silently ignored. */
		static const int gen_only[] = {
			OPT_K, OPT_SPACE, OPT_MODE, OPT_FULL_DECODE, OPT_TEMPLATE,
			OPT_BUILTIN, OPT_OUTPUT, OPT_PREVIEW,
		};
		for (size_t i = 0; i < sizeof gen_only / sizeof gen_only[0]; i++)
			if (GIVEN(gen_only[i]))
				return rtg_fail(err, RTG_ERR_ARG,
				                "--%s: not used by --check (it takes only "
				                "--config, --theme-output, -v and -q)",
				                cli_opt_name(gen_only[i]));
	}
	return 0;
}

int
rtg_cli_parse(int argc, char *const argv[], char *err)
{
	static struct option longopts[CLI_NOPTS + 1];
	static const char shortopts[] = ":hVvq";
	size_t n = 0;
	int c, rc;

	rtg_cli_free();
	for (size_t i = 0; i < CLI_NOPTS; i++) {
		if (cli_opts[i].id == OPT_SECTION)
			continue;
		longopts[n].name = cli_opts[i].name;
		longopts[n].has_arg = cli_opts[i].arg != NULL ? required_argument : no_argument;
		longopts[n].flag = NULL;
		longopts[n].val = cli_opts[i].id;
		n++;
	}
	memset(&longopts[n], 0, sizeof longopts[n]);

	opterr = 0; /* our own messages: one line, our format */
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return RTG_CLI_HELP;
		case 'V':
			return RTG_CLI_VERSION;
		case ':':
			/* optopt is the short option or the long option's val */
			if (optopt >= OPT_IMAGE)
				return rtg_fail(err, RTG_ERR_ARG, "--%s: argument missing",
				                cli_opt_name(optopt));
			return rtg_fail(err, RTG_ERR_ARG, "%s: argument missing", argv[optind - 1]);
		case '?':
			if (optopt != 0 && optopt < OPT_IMAGE)
				return rtg_fail(err, RTG_ERR_ARG, "-%c: unknown option (see --help)",
				                optopt);
			if (optopt >= OPT_IMAGE) /* argument to a flag */
				return rtg_fail(err, RTG_ERR_ARG, "--%s: takes no argument",
				                cli_opt_name(optopt));
			return rtg_fail(err, RTG_ERR_ARG, "%s: unknown or ambiguous option (see --help)",
			                argv[optind - 1]);
		default:
			if ((rc = cli_option(c, optarg, err)) != 0)
				return rc;
		}
	}
	if (optind < argc)
		return rtg_fail(err, RTG_ERR_ARG, "%s: unexpected argument (use --image FILE)",
		                argv[optind]);
	if ((rc = cli_check_combinations(err)) != 0)
		return rc;
	return RTG_CLI_RUN;
}

/* The command line over s. */
static int
cli_apply(struct rtg_settings *s)
{
	if (GIVEN(OPT_K))
		s->gen.k = cli.k;
	if (GIVEN(OPT_SPACE))
		s->gen.space = cli.space;
	if (GIVEN(OPT_MODE))
		s->gen.mode = cli.mode;
	if (GIVEN(OPT_FULL_DECODE))
		s->gen.full_decode = 1;
	if (GIVEN(OPT_BUILTIN)) {
		/* also overrides a template file named in the config */
		s->gen.builtin = cli.builtin;
		if (rtg_settings_set_str(&s->template_path, NULL) != 0)
			return RTG_ERR_NOMEM;
	}
	if (GIVEN(OPT_PREVIEW))
		s->preview = true;
	if (GIVEN(OPT_WATCH))
		s->watch = true;
	if (GIVEN(OPT_CHECK))
		s->check = true;
	if (GIVEN(OPT_REPEAT))
		s->repeat = cli.repeat;
	if (cli.verbosity_given)
		s->verbosity = cli.verbosity;
	if ((GIVEN(OPT_TEMPLATE) && rtg_settings_set_str(&s->template_path, cli.template_path)) ||
	    (GIVEN(OPT_THEME_OUTPUT) && rtg_settings_set_str(&s->theme_output, cli.theme_output)) ||
	    (GIVEN(OPT_OUTPUT) && rtg_settings_set_str(&s->report_output, cli.report_output)) ||
	    (GIVEN(OPT_IMAGE) && rtg_settings_set_str(&s->image, cli.image)) ||
	    (GIVEN(OPT_CONFIG) && rtg_settings_set_str(&s->config_path, cli.config_path)))
		return RTG_ERR_NOMEM;
	return 0;
}

int
rtg_settings_build(const char *config_path, struct rtg_settings *out, char *err)
{
	int rc;

	rtg_settings_default(out);
	if (config_path != NULL &&
	    (rc = rtg_config_load(config_path, out, err)) != 0)
		goto fail;
	if ((rc = cli_apply(out)) != 0) {
		rtg_fail(err, rc, "out of memory");
		goto fail;
	}
	return 0;
fail:
	rtg_settings_free(out);
	memset(out, 0, sizeof *out);
	return rc;
}

void
rtg_cli_usage(FILE *f)
{
	fputs("Usage: " PACKAGE_NAME " [--image FILE | --watch | --check] [OPTION]...\n"
	      "Make an rmpc theme from album art: colours from the cover, every text\n"
	      "readable, published so that rmpc reloads it.\n", f);
	for (size_t i = 0; i < CLI_NOPTS; i++) {
		const struct cli_opt *o = &cli_opts[i];
		char left[40];

		if (o->id == OPT_SECTION) {
			fprintf(f, "\n%s:\n", o->name);
			continue;
		}
		if (o->id < OPT_IMAGE)
			snprintf(left, sizeof left, "-%c, --%s", o->id, o->name);
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name,
			         o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-28s%s\n", left, o->help);
	}
	fputs("\nExit status: 0 ok, 64 usage, 65 bad image, 66 unreadable input,\n"
	      "69 MPD unreachable or another watcher running, 70 internal,\n"
	      "73 cannot write, 75 no art, 78 bad config or template.\n"
	      "See rmpc-theme-gen(1).\n", f);
}

void
rtg_cli_version(FILE *f)
{
	fputs(PACKAGE_NAME " " PACKAGE_VERSION "\n"
	      "decoders: stb_image"
#ifdef HAVE_JPEG
	      ", libjpeg-turbo (scaled JPEG)"
#endif
#ifdef HAVE_WEBP
	      ", libwebp"
#endif
#ifdef HAVE_ISAL
	      ", ISA-L (fast PNG, streamed)"
#else
#ifdef HAVE_LIBDEFLATE
	      ", libdeflate (fast PNG)"
#endif
#ifdef HAVE_ZLIB
	      ", zlib (streamed large PNG)"
#endif
#endif
	      "\n", f);
}
