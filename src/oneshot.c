/* oneshot.c - one generation from start to finish: read the input, run the
 * pipeline, publish the theme, write the report, draw the preview.  The
 * watcher reuses the pieces (modes.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "log.h"
#include "modes.h"
#include "preview.h"
#include "publish.h"
#include "report.h"
#include "status.h"

/* Opens path for reading without ever blocking in open(): a FIFO opened
 * O_RDONLY waits for a writer, so a named FIFO nobody writes to would hang
 * the program (and the watcher, which rereads the template on SIGHUP and
 * the fallback image on every track).  Opened O_NONBLOCK, a FIFO opens at
 * once; O_NONBLOCK is then cleared so that reads wait for a writer that is
 * there (a pipe from "<(...)" works as before) and a FIFO without one reads
 * end of file at once, which the callers report as empty input. */
static int
file_open_nonblock(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), fl, e;

	if (fd < 0)
		return -1;
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* What a file that is not a regular file is, for the message. */
static const char *
file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "an unusual file";
}

/* rtg_file_read and rtg_file_read_regular.  what != NULL: only a regular
 * file is accepted ("PATH: a FIFO, not a WHAT") and "-" is a file name. */
static int
file_read(const char *path, size_t max, const char *what, uint8_t **buf, size_t *len,
          char *err)
{
	const bool is_stdin = what == NULL && strcmp(path, "-") == 0;
	const char *name = is_stdin ? "stdin" : path;
	struct stat st;
	uint8_t *p = NULL, *q;
	size_t cap, n = 0;
	int fd, e, rc;

	*buf = NULL;
	*len = 0;
	fd = is_stdin ? STDIN_FILENO : file_open_nonblock(path);
	if (fd < 0) {
		e = errno;
		return rtg_fail(err, RTG_ERR_IO, "%s: %s", name, strerror(e));
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		rc = rtg_fail(err, RTG_ERR_IO, "%s: %s", name, strerror(e));
		goto out;
	}
	if (what != NULL && !S_ISREG(st.st_mode)) {
		rc = rtg_fail(err, RTG_ERR_IO, "%s: %s, not a %s", name, file_kind(st.st_mode),
		              what);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = rtg_fail(err, RTG_ERR_IO, "%s: is a directory", name);
		goto out;
	}
	/* Untrusted size: refuse before allocating.  Pipes and devices
	 * report no size; they are read in growing chunks up to max. */
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		rc = rtg_fail(err, RTG_ERR_LIMIT, "%s: %jd bytes, more than the limit of %zu",
		              name, (intmax_t)st.st_size, max);
		goto out;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	if (cap < 4096)
		cap = 4096; /* files in /proc and the like report size 0 */
	if (cap > max + 1)
		cap = max + 1;
	for (;;) {
		if (p == NULL || n == cap) {
			if (p != NULL) {
				if (cap > max) { /* read max + 1 bytes: too big */
					rc = rtg_fail(err, RTG_ERR_LIMIT,
					              "%s: more than the limit of %zu bytes", name, max);
					goto out;
				}
				cap = cap > max / 2 ? max + 1 : cap * 2;
			}
			if ((q = realloc(p, cap + 1)) == NULL) {
				rc = rtg_fail(err, RTG_ERR_NOMEM, "%s: out of memory", name);
				goto out;
			}
			p = q;
		}
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			rc = rtg_fail(err, RTG_ERR_IO, "%s: %s", name, strerror(e));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		rc = rtg_fail(err, RTG_ERR_LIMIT, "%s: more than the limit of %zu bytes", name, max);
		goto out;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	p = NULL;
	rc = 0;
out:
	free(p);
	if (!is_stdin)
		close(fd);
	return rc;
}

int
rtg_file_read(const char *path, size_t max, uint8_t **buf, size_t *len, char *err)
{
	return file_read(path, max, NULL, buf, len, err);
}

int
rtg_file_read_regular(const char *path, size_t max, const char *what, uint8_t **buf,
                      size_t *len, char *err)
{
	return file_read(path, max, what, buf, len, err);
}

int
rtg_exit_from_status(int status, bool user_template)
{
	switch (status) {
	case RTG_OK:
		return RTG_EXIT_OK;
	case RTG_ERR_FORMAT:
	case RTG_ERR_DECODE:
	case RTG_ERR_LIMIT:
	case RTG_ERR_UNSUPPORTED:
	case RTG_ERR_ARG: /* from the pipeline: e.g. a fully transparent image */
		return RTG_EXIT_DATA;
	case RTG_ERR_TEMPLATE:
		return RTG_EXIT_CONFIG;
	case RTG_ERR_THEME:
	case RTG_ERR_CONTRAST:
		return user_template ? RTG_EXIT_CONFIG : RTG_EXIT_SOFTWARE;
	case RTG_ERR_IO:
		return RTG_EXIT_CANTCREAT;
	case RTG_ERR_NOMEM:
	default:
		return RTG_EXIT_SOFTWARE;
	}
}

int
rtg_options_resolve(const struct rtg_settings *s, struct rtg_options *o, char **tmpl)
{
	char err[RTG_ERRLEN];
	uint8_t *buf;
	size_t len;
	int rc;

	*o = s->gen;
	*tmpl = NULL;
	o->template_text = NULL;
	o->template_len = 0;
	o->template_name = NULL;
	if (s->template_path == NULL)
		return RTG_EXIT_OK;
	rc = rtg_file_read(s->template_path, RTG_TEMPLATE_MAX_BYTES, &buf, &len, err);
	if (rc != 0) {
		/* say which file: the config may name it, far from the command */
		rtg_log(RTG_LOG_ERR, "template %s", err);
		return rc == RTG_ERR_IO ? RTG_EXIT_NOINPUT
		       : rc == RTG_ERR_LIMIT ? RTG_EXIT_CONFIG : RTG_EXIT_SOFTWARE;
	}
	*tmpl = (char *)buf;
	o->template_text = *tmpl;
	o->template_len = len;
	o->template_name = s->template_path;
	return RTG_EXIT_OK;
}

static enum rtg_preview_style
oneshot_preview_style(void)
{
	/* https://no-color.org: set and not empty means no colour. */
	const char *nc = getenv("NO_COLOR");

	if (nc != NULL && nc[0] != '\0')
		return RTG_PREVIEW_PLAIN;
	/* A pipe or a file gets text a reader or grep can use, not escapes. */
	return isatty(STDOUT_FILENO) ? RTG_PREVIEW_TRUECOLOR : RTG_PREVIEW_PLAIN;
}

/* The report goes through rtg_publish as well: atomic, directories
 * created, and a reader never sees half a document. */
static int
oneshot_report(const struct rtg_settings *s, const struct rtg_options *o,
               const struct rtg_result *res, const char *source, double publish_ms)
{
	char err[RTG_ERRLEN];
	char *buf = NULL;
	size_t len = 0;
	bool changed;
	FILE *f;
	int rc;

	if (strcmp(s->report_output, "-") == 0) {
		if (rtg_report_write(stdout, res, o, source, s->theme_output, publish_ms) != 0) {
			rtg_log(RTG_LOG_ERR, "stdout: %s", strerror(errno));
			return RTG_EXIT_CANTCREAT;
		}
		return RTG_EXIT_OK;
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		rtg_log(RTG_LOG_ERR, "%s: out of memory", s->report_output);
		return RTG_EXIT_SOFTWARE;
	}
	rc = rtg_report_write(f, res, o, source, s->theme_output, publish_ms);
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		rtg_log(RTG_LOG_ERR, "%s: out of memory", s->report_output);
		return RTG_EXIT_SOFTWARE;
	}
	rc = rtg_publish(s->report_output, buf, len, &changed, err);
	free(buf);
	if (rc != 0) {
		/* checked before the theme, so only a late failure (disk full)
		 * gets here: the theme is already in place */
		rtg_log(RTG_LOG_ERR, "report %s (the theme %s was written)", err,
		        s->theme_output);
		return RTG_EXIT_CANTCREAT;
	}
	return RTG_EXIT_OK;
}

int
rtg_oneshot_publish(const struct rtg_settings *s, const struct rtg_options *o,
                    const struct rtg_result *res, const char *source, bool *changed)
{
	char err[RTG_ERRLEN];
	bool ch = false;
	double t0, publish_ms;
	int rc;

	if (changed != NULL)
		*changed = false;
	/* A report that cannot be written must fail the run before the theme
	 * changes, so that exit 73 means "nothing published". */
	if (s->report_output != NULL && strcmp(s->report_output, "-") != 0 &&
	    rtg_publish_check(s->report_output, err) != 0) {
		rtg_log(RTG_LOG_ERR, "report %s; theme not written", err);
		return RTG_EXIT_CANTCREAT;
	}
	t0 = rtg_now_ms();
	rc = rtg_publish(s->theme_output, res->theme, res->theme_len, &ch, err);
	publish_ms = rtg_now_ms() - t0;
	if (changed != NULL)
		*changed = ch;
	if (rc != 0) {
		rtg_log(RTG_LOG_ERR, "theme %s", err);
		return RTG_EXIT_CANTCREAT;
	}
	rtg_log(RTG_LOG_INFO, "%s: %s (from %s)", s->theme_output,
	        ch ? "theme written" : "unchanged", source);
	if (s->report_output != NULL &&
	    (rc = oneshot_report(s, o, res, source, publish_ms)) != RTG_EXIT_OK)
		return rc;
	if (s->preview)
		rtg_preview_styled(stdout, res, oneshot_preview_style());
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rtg_log(RTG_LOG_ERR, "stdout: %s", strerror(errno));
		return RTG_EXIT_CANTCREAT;
	}
	return RTG_EXIT_OK;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* --repeat: the per-run wall times, for a profile's context. */
static void
oneshot_log_repeat(double *ms, int n)
{
	double sum = 0;

	if (ms == NULL || n < 2)
		return;
	for (int i = 0; i < n; i++)
		sum += ms[i];
	qsort(ms, (size_t)n, sizeof *ms, cmp_double);
	rtg_log(RTG_LOG_INFO, "generated %d times: min %.3f ms, median %.3f ms, mean %.3f ms, max %.3f ms",
	        n, ms[0], n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2, sum / n, ms[n - 1]);
}

int
rtg_oneshot_bytes(const struct rtg_settings *s, const uint8_t *bytes, size_t len,
                  const char *source)
{
	char err[RTG_ERRLEN] = "";
	struct rtg_options o;
	struct rtg_result res;
	char *tmpl;
	double *ms = NULL;
	int repeat = s->repeat > 0 ? s->repeat : 1;
	int rc, ex;

	if ((ex = rtg_options_resolve(s, &o, &tmpl)) != RTG_EXIT_OK)
		return ex;
	if (repeat > 1)
		ms = calloc((size_t)repeat, sizeof *ms); /* only for the summary */
	memset(&res, 0, sizeof res);
	for (int i = 0; i < repeat; i++) {
		double t0 = rtg_now_ms();

		rtg_result_free(&res);
		rc = rtg_generate(bytes, len, &o, &res, err);
		if (ms != NULL)
			ms[i] = rtg_now_ms() - t0;
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		/* Template and theme messages already start with NAME:LINE. */
		if (tmpl != NULL && (rc == RTG_ERR_TEMPLATE || rc == RTG_ERR_THEME ||
		                     rc == RTG_ERR_CONTRAST))
			rtg_log(RTG_LOG_ERR, "%s", err);
		else
			rtg_log(RTG_LOG_ERR, "%s: %s", source, err);
		ex = rtg_exit_from_status(rc, tmpl != NULL);
		goto out;
	}
	oneshot_log_repeat(ms, repeat);
	ex = rtg_oneshot_publish(s, &o, &res, source, NULL);
out:
	rtg_result_free(&res);
	free(ms);
	free(tmpl);
	return ex;
}

/* --image FILE maps a regular file instead of reading it: read() copies
 * every byte into new pages, which measured 0.07 ms for a 156 KB cover,
 * 0.28 ms for 887 KB and 10.4 ms for a 22 MB PNG, against 0.01, 0.03 and
 * 0.5 ms for the mapping (touching every page).  The size is checked from
 * fstat before mapping; anything else (stdin, pipes, an empty or too large
 * file, a failed mmap) goes through rtg_file_read and its messages.
 *
 * A mapped file that another process truncates while it is being decoded
 * raises SIGBUS on the next access to the vanished pages.  That must end as
 * an error message, not a crash: SIGBUS is caught for as long as the mapping
 * is in use and jumps back here.  Only the decoders read the mapping, so the
 * jump can only leave from inside rtg_generate, before anything is
 * published; what the interrupted decode had allocated is not freed (the
 * process is about to exit). */
static sigjmp_buf map_jump;
static struct sigaction map_old; /* static: set after sigsetjmp, read after the jump */

static void
map_sigbus(int sig)
{
	(void)sig;
	siglongjmp(map_jump, 1);
}

/* 1: mapped into *map / *len; 0: not a candidate or mmap failed (the caller
 * reads the file instead). */
static int
image_map(const char *path, size_t max, uint8_t **map, size_t *len)
{
	struct stat st;
	void *p;
	int fd;

	if (strcmp(path, "-") == 0)
		return 0;
	fd = file_open_nonblock(path); /* a FIFO must not block here either */
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uintmax_t)st.st_size > max || (uintmax_t)st.st_size > SIZE_MAX) {
		close(fd);
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd); /* the mapping keeps the file */
	if (p == MAP_FAILED)
		return 0;
	*map = p;
	*len = (size_t)st.st_size;
	return 1;
}

int
rtg_oneshot_image(const struct rtg_settings *s)
{
	char err[RTG_ERRLEN];
	const char *source = strcmp(s->image, "-") == 0 ? "stdin" : s->image;
	uint8_t *buf;
	size_t len;
	int rc;

	if (image_map(s->image, s->gen.limits.max_bytes, &buf, &len)) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = map_sigbus;
		sigemptyset(&sa.sa_mask);
		if (sigsetjmp(map_jump, 1) != 0) {
			sigaction(SIGBUS, &map_old, NULL);
			munmap(buf, len);
			rtg_log(RTG_LOG_ERR, "%s: the file shrank while it was being read", source);
			return RTG_EXIT_NOINPUT;
		}
		sigaction(SIGBUS, &sa, &map_old);
		rc = rtg_oneshot_bytes(s, buf, len, source);
		sigaction(SIGBUS, &map_old, NULL);
		munmap(buf, len);
		return rc;
	}
	rc = rtg_file_read(s->image, s->gen.limits.max_bytes, &buf, &len, err);
	if (rc != 0) {
		rtg_log(RTG_LOG_ERR, "%s", err);
		return rc == RTG_ERR_IO ? RTG_EXIT_NOINPUT
		       : rc == RTG_ERR_LIMIT ? RTG_EXIT_DATA : RTG_EXIT_SOFTWARE;
	}
	rc = rtg_oneshot_bytes(s, buf, len, source);
	free(buf);
	return rc;
}
