/* bench.c - `make bench`: the generator over the bench images, side by side
 * with stb_image's decode alone, the whole CLI process and ImageMagick the
 * way pywal calls it.  Prints a markdown table (and writes it with -o).
 *
 *   rtg-bench [-n RUNS] [-m PROC_RUNS] [--cli PATH] [--convert PATH]
 *             [--k K] [--space S] [--publish-dir DIR] [-o FILE.md] IMAGE...
 *   rtg-bench --loop N [--k K] [--space S] IMAGE      (profiling workload)
 *
 * Each image is measured in its own child process (this program re-executed
 * with --one), so the peak RSS reported for an image is that image's alone.
 * In the child, rtg_generate runs RUNS times in process (the generator's own
 * stage timers give the per-stage medians), the theme is published RUNS
 * times to fresh paths (a real write each time; publishing identical bytes
 * onto an existing file is a no-op by design and is measured separately),
 * and only then stb_image decodes the same bytes RUNS times, so its buffer
 * does not count in the generator's peak RSS.  The parent times whole
 * processes (posix_spawn -> wait4, which also gives their peak RSS).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stb_image.h>

#include "pipeline.h"
#include "publish.h"
#include "status.h"

extern char **environ;

#define NSTAGE 6
static const char *const stage_name[NSTAGE] = {
	"decode", "sample", "cluster", "roles", "render", "check"
};

/* Images above this many pixels get a third of the runs: a 3370² PNG takes
 * about half a second per decode, and 5 runs already give a stable median. */
#define BIG_PIXELS (8u * 1000 * 1000)

struct cfg {
	int runs;          /* in-process runs per image */
	int proc_runs;     /* subprocess runs per image (CLI, ImageMagick) */
	int k;
	const char *space;
	const char *cli;
	const char *convert;
	const char *publish_dir;
	const char *out_md;
};

/* What a --one child reports to the parent (same binary: raw struct). */
struct one {
	int ok;
	char err[RTG_ERRLEN];
	uint32_t w, h, dw, dh;
	char format[16], decoder[24];
	int runs;
	double total_med, total_min, total_max;
	double stage_med[NSTAGE];
	double nondecode_med;      /* median over runs of total - decode */
	double publish_med, publish_min, publish_max;
	double publish_same_med;   /* identical bytes onto the same file */
	long rss_file_kb;          /* peak RSS after reading the file */
	long rss_kb;               /* peak RSS after generating + publishing */
	int stb_ok;
	double stb_med, stb_min, stb_max;
	size_t n_samples;
	int iterations, palette_n;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, min and max of v[0..n) (v is sorted in place). */
static void
stats(double *v, int n, double *med, double *mn, double *mx)
{
	if (n <= 0) {
		*med = *mn = *mx = 0;
		return;
	}
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	if (mn)
		*mn = v[0];
	if (mx)
		*mx = v[n - 1];
}

static double
median(double *v, int n)
{
	double m;

	stats(v, n, &m, NULL, NULL);
	return m;
}

static long
peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0; /* so that a text file can be searched as a string */
		*len = (size_t)n;
	}
	return buf;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int
set_options(struct rtg_options *o, int k, const char *space)
{
	rtg_options_default(o);
	o->k = k;
	return rtg_space_parse(space, &o->space);
}

/* ---- the child: one image, in process ---------------------------------- */

static int
measure_one(const struct cfg *c, const char *path, struct one *r)
{
	struct rtg_options o;
	struct rtg_result res;
	char err[RTG_ERRLEN] = "";
	char dir[PATH_MAX], target[PATH_MAX + 32];
	double *tot = NULL, *nd = NULL, *st[NSTAGE] = { NULL }, *pub = NULL;
	uint8_t *buf;
	size_t len = 0;
	int n = c->runs, rc = RTG_OK, i, j;

	memset(r, 0, sizeof *r);
	memset(&res, 0, sizeof res);
	if ((buf = read_file(path, &len)) == NULL) {
		snprintf(r->err, sizeof r->err, "%s: %s", path, strerror(errno));
		return -1;
	}
	r->rss_file_kb = peak_rss_kb();
	if (set_options(&o, c->k, c->space) != 0) {
		snprintf(r->err, sizeof r->err, "unknown colour space %s", c->space);
		goto out;
	}
	{
		int w, h, comp;

		if (stbi_info_from_memory(buf, (int)len, &w, &h, &comp) &&
		    (uint64_t)w * (uint64_t)h > BIG_PIXELS && n > 5)
			n = n / 3 < 5 ? 5 : n / 3;
	}
	r->runs = n;
	tot = calloc((size_t)n, sizeof *tot);
	nd = calloc((size_t)n, sizeof *nd);
	pub = calloc((size_t)n, sizeof *pub);
	for (j = 0; j < NSTAGE; j++)
		st[j] = calloc((size_t)n, sizeof *st[j]);
	if (!tot || !nd || !pub || !st[0] || !st[1] || !st[2] || !st[3] ||
	    !st[4] || !st[5]) {
		snprintf(r->err, sizeof r->err, "out of memory");
		goto out;
	}

	for (i = 0; i < n; i++) {
		double t0, t1;

		rtg_result_free(&res);
		t0 = now_ms();
		rc = rtg_generate(buf, len, &o, &res, err);
		t1 = now_ms();
		if (rc != RTG_OK)
			break;
		tot[i] = t1 - t0;
		nd[i] = tot[i] - res.t.decode_ms;
		st[0][i] = res.t.decode_ms;
		st[1][i] = res.t.sample_ms;
		st[2][i] = res.t.cluster_ms;
		st[3][i] = res.t.roles_ms;
		st[4][i] = res.t.render_ms;
		st[5][i] = res.t.check_ms;
	}
	if (rc != RTG_OK) {
		snprintf(r->err, sizeof r->err, "rtg_generate: %s", err);
		goto out;
	}
	r->w = res.image_width;
	r->h = res.image_height;
	r->dw = res.decoded_width;
	r->dh = res.decoded_height;
	snprintf(r->format, sizeof r->format, "%s", res.format ? res.format : "?");
	snprintf(r->decoder, sizeof r->decoder, "%s", res.decoder ? res.decoder : "?");
	r->n_samples = res.n_samples;
	r->iterations = res.iterations;
	r->palette_n = res.palette.n;
	stats(tot, n, &r->total_med, &r->total_min, &r->total_max);
	r->nondecode_med = median(nd, n);
	for (j = 0; j < NSTAGE; j++)
		r->stage_med[j] = median(st[j], n);

	/* Publish: a fresh path each time, so every run is a real write. */
	snprintf(dir, sizeof dir, "%s/rtg-bench-XXXXXX", c->publish_dir);
	if (mkdtemp(dir) == NULL) {
		snprintf(r->err, sizeof r->err, "mkdtemp %.200s: %s", dir, strerror(errno));
		goto out;
	}
	for (i = 0; i < n && rc == RTG_OK; i++) {
		bool changed = false;
		double t0;

		snprintf(target, sizeof target, "%s/theme-%d.ron", dir, i);
		t0 = now_ms();
		rc = rtg_publish(target, res.theme, res.theme_len, &changed, err);
		pub[i] = now_ms() - t0;
		if (rc == RTG_OK && !changed)
			rc = rtg_fail(err, RTG_ERR_IO, "%s: first publish reported unchanged",
			              target);
		if (i > 0)
			unlink(target);
	}
	if (rc == RTG_OK) {
		stats(pub, n, &r->publish_med, &r->publish_min, &r->publish_max);
		/* Identical bytes onto theme-0.ron: the no-op path (compare only). */
		snprintf(target, sizeof target, "%s/theme-0.ron", dir);
		for (i = 0; i < n && rc == RTG_OK; i++) {
			bool changed = true;
			double t0 = now_ms();

			rc = rtg_publish(target, res.theme, res.theme_len, &changed, err);
			pub[i] = now_ms() - t0;
		}
		r->publish_same_med = median(pub, n);
	}
	snprintf(target, sizeof target, "%s/theme-0.ron", dir);
	unlink(target);
	rmdir(dir);
	if (rc != RTG_OK) {
		snprintf(r->err, sizeof r->err, "rtg_publish: %s", err);
		goto out;
	}
	rtg_result_free(&res);
	r->rss_kb = peak_rss_kb();

	/* stb_image's decode alone, to RGBA like the generator's buffer. */
	r->stb_ok = 1;
	for (i = 0; i < n; i++) {
		int w, h, comp;
		double t0 = now_ms();
		unsigned char *px = stbi_load_from_memory(buf, (int)len, &w, &h, &comp, 4);

		tot[i] = now_ms() - t0;
		if (px == NULL) {
			r->stb_ok = 0;
			break;
		}
		stbi_image_free(px);
	}
	if (r->stb_ok)
		stats(tot, n, &r->stb_med, &r->stb_min, &r->stb_max);
	r->ok = 1;

out:
	rtg_result_free(&res);
	free(buf);
	free(tot);
	free(nd);
	free(pub);
	for (j = 0; j < NSTAGE; j++)
		free(st[j]);
	return r->ok ? 0 : -1;
}

/* ---- the parent: processes ---------------------------------------------- */

/* Runs argv with stdout/stderr to /dev/null (or stdout to out_fd when >= 0).
 * Returns the exit status (or -1), the wall time and the peak RSS. */
static int
run_cmd(char *const argv[], int out_fd, double *ms, long *rss_kb)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	pid_t pid;
	double t0;
	int st, rc;

	posix_spawn_file_actions_init(&fa);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = now_ms();
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (ms)
		*ms = now_ms() - t0;
	if (rss_kb)
		*rss_kb = ru.ru_maxrss;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Re-executes this program with argv[1..] = args; reads len bytes of its
 * stdout into buf.  Returns 0 when all len bytes arrived. */
static int
spawn_self(char *const args[], void *buf, size_t len)
{
	char *argv[24];
	int p[2], a = 0, st;
	ssize_t got = 0, m;
	pid_t pid;
	posix_spawn_file_actions_t fa;

	argv[a++] = (char *)"rtg-bench";
	while (args[a - 1] != NULL && a < 23) {
		argv[a] = args[a - 1];
		a++;
	}
	argv[a] = NULL;
	if (pipe(p) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	if (posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while ((size_t)got < len &&
	       ((m = read(p[0], (char *)buf + got, len - (size_t)got)) > 0 ||
	        (m < 0 && errno == EINTR)))
		if (m > 0)
			got += m;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return (size_t)got == len ? 0 : -1;
}

/* One image measured in a child of its own (--one IMAGE). */
static int
spawn_one(const struct cfg *c, const char *img, struct one *r)
{
	char runs[16], k[16];
	char *args[] = { (char *)"-n", runs, (char *)"--k", k,
	                 (char *)"--space", (char *)c->space,
	                 (char *)"--publish-dir", (char *)c->publish_dir,
	                 (char *)"--one", (char *)img, NULL };

	snprintf(runs, sizeof runs, "%d", c->runs);
	snprintf(k, sizeof k, "%d", c->k);
	if (spawn_self(args, r, sizeof *r) != 0) {
		memset(r, 0, sizeof *r);
		snprintf(r->err, sizeof r->err, "measuring child died");
	}
	return r->ok ? 0 : -1;
}

/* A decode as a fresh process meets it (its buffers are new pages, as in
 * the CLI): "--cold-stb IMAGE" (stb_image alone) or "--cold-gen IMAGE"
 * (rtg_generate once) in runs children after one warm-up child.  Each child
 * reports {decode ms, total ms}; this gives their medians.  0 or -1. */
static int
cold(const char *mode, const char *img, int runs, double *dec, double *tot)
{
	char *args[] = { (char *)mode, (char *)img, NULL };
	double d[64], t[64], v[2];

	if (runs > 64)
		runs = 64;
	if (spawn_self(args, v, sizeof v) != 0 || v[0] < 0)
		return -1;
	for (int i = 0; i < runs; i++) {
		if (spawn_self(args, v, sizeof v) != 0 || v[0] < 0)
			return -1;
		d[i] = v[0];
		t[i] = v[1];
	}
	*dec = median(d, runs);
	*tot = median(t, runs);
	return 0;
}

/* The child side of cold(). */
static int
cold_child(const struct cfg *c, const char *mode, const char *path)
{
	size_t len = 0;
	uint8_t *buf = read_file(path, &len);
	double v[2] = { -1, -1 }, t0 = now_ms();

	if (buf && strcmp(mode, "--cold-stb") == 0) {
		int w, h, comp;
		unsigned char *px = stbi_load_from_memory(buf, (int)len, &w, &h, &comp, 4);

		if (px)
			v[0] = v[1] = now_ms() - t0;
		stbi_image_free(px);
	} else if (buf) {
		struct rtg_options o;
		struct rtg_result res;
		char err[RTG_ERRLEN];

		if (set_options(&o, c->k, c->space) == 0 &&
		    rtg_generate(buf, len, &o, &res, err) == RTG_OK) {
			v[1] = now_ms() - t0;
			v[0] = res.t.decode_ms;
			rtg_result_free(&res);
		}
	}
	free(buf);
	return fwrite(v, sizeof v, 1, stdout) == 1 ? 0 : 1;
}

struct proc {
	int ok;
	double med, min, max;
	long rss_kb;      /* max over runs */
	int runs, status;
};

/* Times argv proc_runs times after one untimed warm-up run. */
static void
time_proc(char *const argv[], int runs, const char *unlink_after, struct proc *p)
{
	double v[64], ms;
	long rss;

	memset(p, 0, sizeof *p);
	if (runs > 64)
		runs = 64;
	p->status = run_cmd(argv, -1, NULL, NULL);
	if (unlink_after)
		unlink(unlink_after);
	if (p->status != 0)
		return;
	for (int i = 0; i < runs; i++) {
		p->status = run_cmd(argv, -1, &ms, &rss);
		if (unlink_after)
			unlink(unlink_after);
		if (p->status != 0)
			return;
		v[i] = ms;
		if (rss > p->rss_kb)
			p->rss_kb = rss;
	}
	p->runs = runs;
	stats(v, runs, &p->med, &p->min, &p->max);
	p->ok = 1;
}

/* The CLI's own stage timers: runs argv (which ends in "--output" json,
 * NULL) runs times, each writing its JSON report; from its "timings_ms"
 * object, the medians of total - decode (every stage but decoding, publish
 * with its fsync included) and of total.  0 or -1. */
static int
time_stages(char *const argv[], int runs, const char *theme, const char *json,
            double *nondec, double *timed)
{
	double nd[64], tt[64];

	if (runs > 64)
		runs = 64;
	for (int i = 0; i < runs; i++) {
		size_t n = 0;
		uint8_t *text;
		const char *t, *d, *tot;
		double dec, total;

		if (run_cmd(argv, -1, NULL, NULL) != 0)
			return -1;
		unlink(theme);
		text = read_file(json, &n);
		unlink(json);
		/* read_file() keeps a NUL after the bytes */
		if (text == NULL || (t = strstr((char *)text, "\"timings_ms\"")) == NULL ||
		    (d = strstr(t, "\"decode\":")) == NULL ||
		    (tot = strstr(t, "\"total\":")) == NULL) {
			free(text);
			return -1;
		}
		dec = strtod(d + 9, NULL);
		total = strtod(tot + 8, NULL);
		free(text);
		nd[i] = total - dec;
		tt[i] = total;
	}
	*nondec = median(nd, runs);
	*timed = median(tt, runs);
	return 0;
}

/* ---- output ------------------------------------------------------------- */

static FILE *md_file;

static void
out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (md_file) {
		va_start(ap, fmt);
		vfprintf(md_file, fmt, ap);
		va_end(ap);
	}
}

static const char *
fs_name(const char *dir)
{
	struct statfs s;

	if (statfs(dir, &s) != 0)
		return "?";
	switch ((unsigned long)s.f_type) {
	case 0x01021994UL: return "tmpfs";
	case 0xEF53UL: return "ext4";
	case 0x58465342UL: return "xfs";
	case 0x9123683EUL: return "btrfs";
	case 0x794c7630UL: return "overlayfs";
	default: return "other";
	}
}

static void
cpu_model(char *buf, size_t n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, n, "?");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "model name", 10) == 0) {
			char *s = strchr(line, ':');

			if (s) {
				s += 1 + strspn(s + 1, " \t");
				s[strcspn(s, "\n")] = 0;
				snprintf(buf, n, "%s", s);
			}
			break;
		}
	fclose(f);
}

struct row {
	const char *path;
	off_t size;
	struct one g;
	struct proc cli, im;
	int stb_cold_ok, gen_cold_ok;
	double stb_cold;               /* median decode, fresh process */
	double gen_cold_dec, gen_cold; /* rtg_generate once: decode, total */
	int stages_ok;                 /* the CLI's own timers (time_stages) */
	double cli_nondec, cli_timed;  /* medians: total - decode, total */
};

static double
mb(double bytes)
{
	return bytes / 1e6;
}

static double
mib(double bytes)
{
	return bytes / 1048576.0;
}

static bool
is_stress(const struct row *r)
{
	return strncmp(base_name(r->path), "stress-", 7) == 0;
}

/* Peak RSS goal (issue 4): the decoded image + 16 MiB, the decoded image
 * being the full-size RGBA8 image the file declares (w x h x 4), whatever
 * size the decoder actually produced: a reduced decode must not shrink the
 * budget it is measured against. */
static double
rss_budget_mib(const struct one *g)
{
	return mib((double)g->w * g->h * 4) + 16;
}

/* The CLI's wall time minus the generator's own decode as a fresh process
 * meets it: the stages, plus everything outside them (exec, exit). */
static bool
not_decoding(const struct row *r, double *ms)
{
	if (!r->cli.ok || !r->gen_cold_ok)
		return false;
	*ms = r->cli.med - r->gen_cold_dec;
	return true;
}

static void
goal(const char *what, const char *img, double got, const char *unit,
     double target, bool at_least)
{
	bool met = at_least ? got >= target : got <= target;

	out("| %s | %s | %.2f %s | %s %.2f %s | %s |\n", what, img, got, unit,
	    at_least ? "≥" : "≤", target, unit, met ? "yes" : "**no**");
}

/* One table cell: v with prec decimals and suffix, or a dash. */
static void
cell(bool ok, int prec, double v, const char *suffix)
{
	if (ok)
		out(" %.*f%s |", prec, v, suffix);
	else
		out(" — |");
}

static void
report(const struct cfg *c, struct row *rows, int n)
{
	char cpu[256], day[32], load[64] = "?";
	struct utsname u;
	time_t now = time(NULL);
	FILE *f;
	int i, j, smallest = -1, largest = -1;
	double v = 0;
	bool ok;

	cpu_model(cpu, sizeof cpu);
	uname(&u);
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fgets(load, sizeof load, f))
			load[strcspn(load, " ")] = 0; /* the 1-minute average */
		fclose(f);
	}
	strftime(day, sizeof day, "%Y-%m-%d %H:%M", localtime(&now));
	out("## make bench — %s\n\n", day);
	out("Machine: %s, %ld online CPUs, Linux %s, load average %s at the end. "
	    "k %d, space %s. In process: up to %d runs per image (a third, at least "
	    "5, above %u Mpx); processes: %d timed runs after one warm-up (a third, "
	    "at least 3, above %u Mpx). Publish to %s (%s), a fresh file per run. "
	    "Times in ms, medians unless marked; RSS in MiB.\n\n",
	    cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release, load, c->k, c->space,
	    c->runs, BIG_PIXELS / 1000000, c->proc_runs, BIG_PIXELS / 1000000,
	    c->publish_dir, fs_name(c->publish_dir));

	out("### Generator in process (`rtg_generate`, its stage timers)\n\n");
	out("Warm: repeated runs in one process reuse their memory. \"not decode\" "
	    "is the median of total − decode; \"publish\" writes a new file "
	    "(write, fsync, rename, reload nudge), \"same\" publishes identical "
	    "bytes (compare only).\n\n");
	out("| image | MB | size | decoded by | runs | total | min | max |");
	for (j = 0; j < NSTAGE; j++)
		out(" %s |", stage_name[j]);
	out(" not decode | publish | same | peak RSS |\n");
	out("|---|---:|---|---|---:|---:|---:|---:|");
	for (j = 0; j < NSTAGE; j++)
		out("---:|");
	out("---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const struct one *g = &r->g;

		if (!g->ok) {
			out("| %s | %.2f | — | failed: %s |\n", base_name(r->path),
			    mb((double)r->size), g->err);
			continue;
		}
		out("| %s | %.2f | %ux%u", base_name(r->path), mb((double)r->size),
		    g->w, g->h);
		if (g->dw != g->w || g->dh != g->h)
			out(" → %ux%u", g->dw, g->dh);
		out(" | %s | %d | %.1f | %.1f | %.1f |", g->decoder, g->runs,
		    g->total_med, g->total_min, g->total_max);
		for (j = 0; j < NSTAGE; j++)
			out(" %.2f |", g->stage_med[j]);
		out(" %.2f | %.2f | %.3f | %.1f |\n", g->nondecode_med, g->publish_med,
		    g->publish_same_med, g->rss_kb / 1024.0);
	}

	out("\n### Whole process and side by side\n\n");
	out("CLI: `rmpc-theme-gen --image IMG --k %d --space %s --theme-output "
	    "NEW.ron` (a new file each run). ImageMagick as pywal runs it: `convert "
	    "IMG[0] -resize 25%% -colors 16 -unique-colors txt:-`. Cold: measured "
	    "in a fresh process (new pages, as the CLI meets them). \"stages "
	    "but decode\": the CLI's own stage timers (`--output` JSON, separate "
	    "runs), total − decode = sample, cluster, roles, render, check and "
	    "publish with its fsync, cold, in the process the user runs; this is "
	    "what the \"not decoding\" goal measures. \"outside timers\": CLI "
	    "median wall time − the median of the timers' total "
	    "(exec, dynamic loading, options, config, file mapping, exit). \"CLI − gen decode\": CLI wall time − the "
	    "generator's cold decode. RSS budget: the full-size RGBA8 image the "
	    "file declares (w×h×4) + 16 MiB.\n\n",
	    c->k, c->space);
	out("| image | stb decode warm | stb decode cold | generator decode cold | "
	    "CLI process (min–max) | stages but decode | outside timers | "
	    "CLI − gen decode | CLI − stb cold | CLI peak RSS | "
	    "RSS budget | ImageMagick | IM ÷ CLI |\n");
	out("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const struct one *g = &r->g;

		out("| %s |", base_name(r->path));
		cell(g->ok && g->stb_ok, 1, g->stb_med, "");
		cell(r->stb_cold_ok, 1, r->stb_cold, "");
		cell(r->gen_cold_ok, 1, r->gen_cold_dec, "");
		if (r->cli.ok)
			out(" %.1f (%.1f–%.1f) |", r->cli.med, r->cli.min, r->cli.max);
		else if (c->cli)
			out(" failed (exit %d) |", r->cli.status);
		else
			out(" — |");
		cell(r->stages_ok, 2, r->cli_nondec, "");
		cell(r->stages_ok, 1, r->cli.med - r->cli_timed, "");
		v = 0;
		ok = not_decoding(r, &v);
		cell(ok, 1, v, "");
		cell(r->cli.ok && r->stb_cold_ok, 1, r->cli.med - r->stb_cold, "");
		cell(r->cli.ok, 1, r->cli.rss_kb / 1024.0, "");
		cell(g->ok, 1, rss_budget_mib(g), "");
		if (r->im.ok)
			out(" %.0f |", r->im.med);
		else if (c->convert)
			out(" failed (exit %d) |", r->im.status);
		else
			out(" — |");
		cell(r->im.ok && r->cli.ok, 1, r->cli.ok ? r->im.med / r->cli.med : 0, "×");
		out("\n");
	}

	/* Goals of the performance issue, evaluated on this run. */
	for (i = 0; i < n; i++) {
		uint64_t px = (uint64_t)rows[i].g.w * rows[i].g.h;

		if (!is_stress(&rows[i]) || !rows[i].g.ok)
			continue;
		if (smallest < 0 || px < (uint64_t)rows[smallest].g.w * rows[smallest].g.h)
			smallest = i;
		if (largest < 0 || px > (uint64_t)rows[largest].g.w * rows[largest].g.h)
			largest = i;
	}
	out("\n### Goals\n\n");
	out("| goal | image | measured | target | met |\n|---|---|---:|---:|---|\n");
	for (i = 0; i < n; i++)
		if (rows[i].stages_ok)
			goal("not decoding (CLI's stage timers)", base_name(rows[i].path),
			     rows[i].cli_nondec, "ms", is_stress(&rows[i]) ? 5 : 3, false);
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const char *b = base_name(r->path);

		if (is_stress(r) || !r->cli.ok || !r->g.ok)
			continue;
		if (r->g.w <= 1400 && r->g.h <= 1400)
			goal("cover, whole process", b, r->cli.med, "ms", 10, false);
		else if (strstr(b, "baseline") && r->g.w <= 3000 && r->g.h <= 3000)
			goal("cover, whole process", b, r->cli.med, "ms", 35, false);
	}
	if (smallest >= 0 && rows[smallest].cli.ok && rows[smallest].im.ok)
		goal("vs ImageMagick", base_name(rows[smallest].path),
		     rows[smallest].im.med / rows[smallest].cli.med, "×", 5, true);
	if (largest >= 0 && largest != smallest && rows[largest].cli.ok &&
	    rows[largest].im.ok)
		goal("vs ImageMagick", base_name(rows[largest].path),
		     rows[largest].im.med / rows[largest].cli.med, "×", 2.5, true);
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		if (r->g.ok && r->cli.ok)
			goal("peak RSS ≤ full-size RGBA + 16 MiB", base_name(r->path),
			     r->cli.rss_kb / 1024.0, "MiB", rss_budget_mib(&r->g), false);
	}
	out("\n");
}

/* ---- main --------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fputs("usage: rtg-bench [-n RUNS] [-m PROC_RUNS] [--cli PATH] [--convert PATH]\n"
	      "                 [--k K] [--space S] [--publish-dir DIR] [-o FILE.md] IMAGE...\n"
	      "       rtg-bench --loop N [--k K] [--space S] IMAGE\n", f);
}

static const char *
default_convert(void)
{
	/* The real binary: a wrapper earlier on PATH would add its own time. */
	static const char *const cand[] = {
		"/usr/bin/convert-im6.q16", "/usr/bin/convert-im7.q16", "/usr/bin/convert",
	};

	for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++)
		if (access(cand[i], X_OK) == 0)
			return cand[i];
	return "convert";
}

static int
loop(const struct cfg *c, const char *path, int n)
{
	struct rtg_options o;
	struct rtg_result res;
	char err[RTG_ERRLEN];
	size_t len = 0;
	uint8_t *buf = read_file(path, &len);
	double t0 = now_ms();

	if (buf == NULL) {
		fprintf(stderr, "rtg-bench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (set_options(&o, c->k, c->space) != 0) {
		fprintf(stderr, "rtg-bench: unknown colour space %s\n", c->space);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		if (rtg_generate(buf, len, &o, &res, err) != RTG_OK) {
			fprintf(stderr, "rtg-bench: %s: %s\n", path, err);
			free(buf);
			return 1;
		}
		rtg_result_free(&res);
	}
	fprintf(stderr, "rtg-bench: %d runs of %s: %.1f ms each\n", n, path,
	        (now_ms() - t0) / n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct cfg c = {
		.runs = 15, .proc_runs = 11, .k = RTG_K_DEFAULT, .space = "CIELAB",
		.cli = NULL, .convert = NULL, .publish_dir = NULL, .out_md = NULL,
	};
	const char *one = NULL, *cold_mode = NULL, *cold_img = NULL;
	const char *tmp = getenv("TMPDIR");
	int loop_n = 0, i, nimg;
	struct row *rows;
	bool no_im = false;

	c.publish_dir = tmp && *tmp ? tmp : "/tmp";
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--no-convert") == 0) {
			no_im = true;
			continue;
		}
		if (v == NULL) {
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(a, "-n") == 0)
			c.runs = atoi(v);
		else if (strcmp(a, "-m") == 0)
			c.proc_runs = atoi(v);
		else if (strcmp(a, "--k") == 0)
			c.k = atoi(v);
		else if (strcmp(a, "--space") == 0)
			c.space = v;
		else if (strcmp(a, "--cli") == 0)
			c.cli = v;
		else if (strcmp(a, "--convert") == 0)
			c.convert = v;
		else if (strcmp(a, "--publish-dir") == 0)
			c.publish_dir = v;
		else if (strcmp(a, "-o") == 0)
			c.out_md = v;
		else if (strcmp(a, "--one") == 0)
			one = v;
		else if (strcmp(a, "--cold-stb") == 0 || strcmp(a, "--cold-gen") == 0) {
			cold_mode = a;
			cold_img = v;
		}
		else if (strcmp(a, "--loop") == 0)
			loop_n = atoi(v);
		else {
			usage(stderr);
			return 2;
		}
	}
	if (c.runs < 1 || c.proc_runs < 1 || c.proc_runs > 64) {
		fputs("rtg-bench: -n must be >= 1 and -m 1..64\n", stderr);
		return 2;
	}
	if (one) {
		struct one r;

		measure_one(&c, one, &r);
		return fwrite(&r, sizeof r, 1, stdout) == 1 ? 0 : 1;
	}
	if (cold_mode)
		return cold_child(&c, cold_mode, cold_img);
	if (loop_n > 0) {
		if (i != argc - 1) {
			usage(stderr);
			return 2;
		}
		return loop(&c, argv[i], loop_n);
	}
	nimg = argc - i;
	if (nimg < 1) {
		usage(stderr);
		return 2;
	}
	if (!no_im && c.convert == NULL)
		c.convert = default_convert();
	if (no_im)
		c.convert = NULL;
	if ((rows = calloc((size_t)nimg, sizeof *rows)) == NULL)
		return 1;

	for (int r = 0; r < nimg; r++) {
		struct row *w = &rows[r];
		struct stat sb;
		char outp[PATH_MAX], k[16], inp[PATH_MAX + 4];
		double dummy;
		int big, pr;

		w->path = argv[i + r];
		w->size = stat(w->path, &sb) == 0 ? sb.st_size : 0;
		fprintf(stderr, "rtg-bench: %s ...\n", w->path);
		if (spawn_one(&c, w->path, &w->g) != 0)
			fprintf(stderr, "rtg-bench: %s: %s\n", w->path, w->g.err);
		big = (uint64_t)w->g.w * w->g.h > BIG_PIXELS;
		/* Processes of big images: a third of the runs, at least 3. */
		pr = big ? (c.proc_runs / 3 < 3 ? 3 : c.proc_runs / 3) : c.proc_runs;
		if (pr > c.proc_runs)
			pr = c.proc_runs;
		w->stb_cold_ok = cold("--cold-stb", w->path, pr, &w->stb_cold,
		                      &dummy) == 0;
		w->gen_cold_ok = cold("--cold-gen", w->path, pr, &w->gen_cold_dec,
		                      &w->gen_cold) == 0;

		if (c.cli) {
			char *av[] = { (char *)c.cli, (char *)"--image", (char *)w->path,
			               (char *)"--k", k, (char *)"--space", (char *)c.space,
			               (char *)"--theme-output", outp, NULL };

			snprintf(k, sizeof k, "%d", c.k);
			snprintf(outp, sizeof outp, "%s/rtg-bench-cli-%ld.ron",
			         c.publish_dir, (long)getpid());
			time_proc(av, pr, outp, &w->cli);
			if (w->cli.ok) {
				char jsonp[PATH_MAX];
				char *sv[] = { av[0], av[1], av[2], av[3], av[4], av[5], av[6],
				               av[7], av[8], (char *)"--output", jsonp, NULL };

				snprintf(jsonp, sizeof jsonp, "%s/rtg-bench-cli-%ld.json",
				         c.publish_dir, (long)getpid());
				w->stages_ok = time_stages(sv, pr, outp, jsonp, &w->cli_nondec,
				                           &w->cli_timed) == 0;
			}
		}
		if (c.convert) {
			char *av[] = { (char *)c.convert, inp, (char *)"-resize",
			               (char *)"25%", (char *)"-colors", (char *)"16",
			               (char *)"-unique-colors", (char *)"txt:-", NULL };

			snprintf(inp, sizeof inp, "%s[0]", w->path);
			time_proc(av, pr, NULL, &w->im);
		}
	}

	if (c.out_md && (md_file = fopen(c.out_md, "w")) == NULL) {
		fprintf(stderr, "rtg-bench: %s: %s\n", c.out_md, strerror(errno));
		free(rows);
		return 1;
	}
	report(&c, rows, nimg);
	if (md_file && fclose(md_file) != 0) {
		fprintf(stderr, "rtg-bench: %s: %s\n", c.out_md, strerror(errno));
		free(rows);
		return 1;
	}
	for (int r = 0; r < nimg; r++)
		if (!rows[r].g.ok) {
			free(rows);
			return 1;
		}
	free(rows);
	return 0;
}
