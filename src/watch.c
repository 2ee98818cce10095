/* watch.c - the watcher: one poll() over the MPD connection (idle player),
 * a signalfd, an inotify fd on the config file's directory, a timerfd for
 * reconnect backoff and one that lets a config change settle.  Nothing runs in signal handlers (there are none:
 * the signals are blocked and read from the signalfd), and nothing wakes
 * the process while MPD is idle.  The MPD side is in watch_mpd.c, the
 * config file's in watch_config.c. */
#include "config.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cli.h"
#include "exitcodes.h"
#include "job.h"
#include "lock.h"
#include "log.h"
#include "modes.h"
#include "mpd.h"
#include "pipeline.h"
#include "settings.h"
#include "status.h"
#include "watch.h"
#include "watch_internal.h"

char *rtg_watch_theme_path(const struct rtg_settings *s)
{
	return s->theme_output != NULL ? strdup(s->theme_output)
	       : rtg_settings_default_theme_path();
}

int rtg_watch_log_verbosity(int v)
{
	/* The watcher's default shows one info line per track (log.h). */
	return v < 0 ? v : v + 1;
}

static void on_signal(struct watcher *w)
{
	struct signalfd_siginfo si;

	while (read(w->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			rtg_log(RTG_LOG_INFO, "%s: exiting", strsignal((int)si.ssi_signo));
			w->stop = true;
			break;
		case SIGHUP:
			rtg_watch_config_reload(w, "SIGHUP");
			break;
		case SIGUSR1:
			rtg_log(RTG_LOG_INFO, "SIGUSR1: regenerating (cache bypassed)");
			w->want_song = w->want_redo = w->want_bypass = true;
			break;
		default:
			break;
		}
	}
}

/* Gives freed memory back after a track: the idle watcher stays small. */
static void trim_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static int setup_fds(struct watcher *w)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (w->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		rtg_log(RTG_LOG_ERR, "signalfd: %s", strerror(errno));
		return -1;
	}
	/* SIGPIPE from a vanished MPD socket would kill us; libmpdclient
	 * reports the EPIPE as an error instead. */
	signal(SIGPIPE, SIG_IGN);
	if ((w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    (w->settle_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0) {
		rtg_log(RTG_LOG_ERR, "timerfd: %s", strerror(errno));
		return -1;
	}
	if ((w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		rtg_log(RTG_LOG_WARN, "inotify: %s (config changes need SIGHUP)",
		        strerror(errno));
	return 0;
}

int rtg_watch_run(const struct rtg_settings *s, const char *config_path)
{
	struct watcher w;
	char err[RTG_ERRLEN];
	char *lock_path;
	pid_t holder;
	int lock_fd, rc = RTG_EXIT_OK;

#ifdef __GLIBC__
	/* A daemon that decodes a 5 MB cover now and then should not keep the
	 * memory afterwards.  glibc raises its mmap threshold after such a free,
	 * so the next big buffers would come from the heap and stay there: pin
	 * the threshold, and trim after each track (rtg_watch_mpd_process()). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	memset(&w, 0, sizeof w);
	w.sfd = w.ifd = w.tfd = w.settle_fd = -1;
	w.cfg_w.wd = w.user_w.wd = w.link_w.wd = -1;
	w.backoff_ms = BACKOFF_MIN_MS;
	w.explicit_config = rtg_cli_config_path();
	rtg_log_init(rtg_watch_log_verbosity(s->verbosity), 1);

	if ((lock_path = rtg_lock_path()) == NULL) {
		/* NULL: out of memory, or no home directory to keep it in */
		rtg_log(RTG_LOG_ERR, "no place for the watcher's lock: out of memory, or "
		        "neither XDG_RUNTIME_DIR, XDG_CACHE_HOME nor a home directory is usable");
		return RTG_EXIT_UNAVAILABLE; /* man page: the watcher's lock cannot be used */
	}
	lock_fd = rtg_lock_acquire(lock_path, &holder, err);
	free(lock_path);
	if (lock_fd < 0) {
		rtg_log(RTG_LOG_ERR, "%s", err);
		return RTG_EXIT_UNAVAILABLE;
	}
	if ((rc = rtg_job_init(&w.job, s, true)) != 0)
		goto out;
	if (config_path != NULL && (w.config_path = strdup(config_path)) == NULL) {
		rc = RTG_EXIT_SOFTWARE;
		goto out;
	}
	if (setup_fds(&w) < 0) {
		rc = RTG_EXIT_SOFTWARE;
		goto out;
	}
	rtg_watch_config_stamp(&w, w.config_path);
	rtg_watch_config_watch(&w);
	rtg_log(RTG_LOG_INFO, "watching MPD; theme %s; config %s", w.job.theme_path,
	        w.config_path != NULL ? w.config_path : "(none)");
	rtg_watch_mpd_connect(&w);

	while (!w.stop) {
		struct pollfd pfd[5];
		int n = 0, i_sig, i_ino = -1, i_tim, i_set, i_mpd = -1;
		double t0;

		/* Work first: the connection is ours until the next idle. */
		if (w.mpd != NULL && w.want_song) {
			if (w.idling) {
				int r = rtg_mpd_noidle(w.mpd, err);
				w.idling = false;
				if (r < 0)
					rtg_watch_mpd_drop(&w, r, err);
			}
			if (w.mpd != NULL)
				rtg_watch_mpd_process(&w, rtg_now_ms());
			trim_heap();
		}
		if (w.mpd != NULL && !w.idling) {
			int r = rtg_mpd_idle_send(w.mpd, err);
			if (r < 0)
				rtg_watch_mpd_drop(&w, r, err);
			else
				w.idling = true;
		}

		i_sig = n;
		pfd[n++] = (struct pollfd){ .fd = w.sfd, .events = POLLIN };
		i_tim = n;
		pfd[n++] = (struct pollfd){ .fd = w.tfd, .events = POLLIN };
		i_set = n;
		pfd[n++] = (struct pollfd){ .fd = w.settle_fd, .events = POLLIN };
		if (w.ifd >= 0) {
			i_ino = n;
			pfd[n++] = (struct pollfd){ .fd = w.ifd, .events = POLLIN };
		}
		if (w.mpd != NULL && w.idling) {
			i_mpd = n;
			pfd[n++] = (struct pollfd){ .fd = rtg_mpd_fd(w.mpd), .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			rtg_log(RTG_LOG_ERR, "poll: %s", strerror(errno));
			rc = RTG_EXIT_SOFTWARE;
			break;
		}
		t0 = rtg_now_ms();
		if (i_mpd >= 0 && pfd[i_mpd].revents != 0 && w.mpd != NULL) {
			int r = rtg_mpd_idle_recv(w.mpd, err);
			w.idling = false;
			if (r < 0) {
				rtg_watch_mpd_drop(&w, r, err);
			} else {
				w.want_song = true;
				rtg_watch_mpd_process(&w, t0);
				trim_heap();
			}
		}
		if (pfd[i_sig].revents & POLLIN)
			on_signal(&w);
		if (w.stop)
			break;
		if (i_ino >= 0 && (pfd[i_ino].revents & POLLIN))
			rtg_watch_config_on_inotify(&w);
		if (pfd[i_tim].revents & POLLIN) {
			uint64_t ticks;
			(void)!read(w.tfd, &ticks, sizeof ticks);
			if (w.mpd == NULL)
				rtg_watch_mpd_connect(&w);
		}
		/* not when an event read above has just re-armed it */
		if (pfd[i_set].revents & POLLIN) {
			uint64_t ticks;
			if (read(w.settle_fd, &ticks, sizeof ticks) == (ssize_t)sizeof ticks)
				rtg_watch_config_settled(&w);
		}
	}
out:
	rtg_mpd_close(w.mpd);
	rtg_mpd_target_free(&w.target);
	rtg_job_free(&w.job);
	free(w.config_path);
	free(w.last_uri);
	rtg_watch_config_free(&w);
	if (w.sfd >= 0)
		close(w.sfd);
	if (w.ifd >= 0)
		close(w.ifd);
	if (w.tfd >= 0)
		close(w.tfd);
	if (w.settle_fd >= 0)
		close(w.settle_fd);
	rtg_lock_release(lock_fd);
	return rc;
}
