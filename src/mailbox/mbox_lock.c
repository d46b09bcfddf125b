/*
 * mbox_lock.c -- mbox locking as dovecot and mail.local do it: a dotlock
 * (<mbox>.lock made with O_EXCL, overridden when stale), fcntl record
 * locks and flock, taken in the configured order and released in
 * reverse.  Waits are bounded by mbox_lock_timeout.  fcntl and flock
 * waits sleep in the kernel, woken when the holder lets go; a one-second
 * interval timer (SIGALRM, a handler that does nothing) interrupts them
 * to look at the deadline, and the caller's handler and timer are put
 * back afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

void
mbox_lock_cfg_default(struct mbox_lock_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->read[0] = MBOX_LOCK_FCNTL;
	c->nread = 1;
	c->write[0] = MBOX_LOCK_FCNTL;
	c->write[1] = MBOX_LOCK_DOTLOCK;
	c->nwrite = 2;
	c->timeout_secs = 300;
	c->dotlock_change_secs = 120;
	c->privileged_gid = -1;
}

void
mbox_priv_enter(long gid, struct mbox_priv *p)
{
	p->old = getegid();
	p->on = 0;
	if (gid < 0 || (gid_t)gid == p->old)
		return;
	p->on = setegid((gid_t)gid) == 0;
}

void
mbox_priv_leave(struct mbox_priv *p)
{
	if (p->on && setegid(p->old) == -1)
		fatal("setegid(%lu) back from mail_privileged_group: %s",
		    (unsigned long)p->old, strerror(errno));
	p->on = 0;
}

const char *
mbox_lock_name(enum mbox_lock_method m)
{
	switch (m) {
	case MBOX_LOCK_FCNTL:
		return "fcntl";
	case MBOX_LOCK_DOTLOCK:
		return "dotlock";
	case MBOX_LOCK_FLOCK:
		return "flock";
	}
	return "?";
}

int
mbox_lock_parse(const char *s, enum mbox_lock_method *out, size_t *n_out,
    struct err *err)
{
	struct strarr words = { 0 };
	size_t i, n = 0;

	str_split(s, " \t,", &words);
	for (i = 0; i < words.n; i++) {
		enum mbox_lock_method m;

		if (strcmp(words.v[i], "fcntl") == 0)
			m = MBOX_LOCK_FCNTL;
		else if (strcmp(words.v[i], "dotlock") == 0 ||
		    strcmp(words.v[i], "dotlock_try") == 0)
			m = MBOX_LOCK_DOTLOCK;
		else if (strcmp(words.v[i], "flock") == 0)
			m = MBOX_LOCK_FLOCK;
		else {
			err_set(err, ERR_CONFIG, "unknown lock method %s",
			    words.v[i]);
			strarr_free(&words);
			return -1;
		}
		if (n == MBOX_LOCK_MAX) {
			strarr_free(&words);
			return err_set(err, ERR_CONFIG, "too many lock methods");
		}
		out[n++] = m;
	}
	strarr_free(&words);
	*n_out = n;
	return 0;
}

static void
nap(unsigned tries)
{
	/* 1, 2, 4 ... ms, then 50 ms: a dotlock is mostly held for a
	 * delivery's few milliseconds, and several delivering processes
	 * polling at 50 ms left the mailbox idle between them */
	long ms = tries < 6 ? 1L << tries : 50;
	struct timespec ts = { 0, ms * 1000 * 1000 };

	(void)nanosleep(&ts, NULL);
}

/* A dotlock is stale when neither it nor the mailbox changed for
 * change_secs (dovecot's mbox_dotlock_change_timeout). */
static int
dotlock_stale(const char *lock, const char *path, unsigned change_secs)
{
	struct stat ls, ms;
	time_t now = time(NULL);

	if (stat(lock, &ls) == -1)
		return 0;
	if (now - ls.st_mtime < (time_t)change_secs)
		return 0;
	if (stat(path, &ms) == 0 && now - ms.st_mtime < (time_t)change_secs)
		return 0;
	return 1;
}

static int
take_dotlock(const char *path, const struct mbox_lock_cfg *cfg,
    time_t deadline, struct mbox_lock *l, struct err *err)
{
	struct buf name;
	char pid[32];
	int fd;

	struct mbox_priv priv;
	unsigned tries;
	int e, wrote;

	buf_init(&name, 0);
	buf_printf(&name, "%s.lock", path);
	for (tries = 0;; tries++) {
		fd = open(name.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd == -1 && errno == EACCES) {
			/* a root:mail spool: with the privileged group */
			mbox_priv_enter(cfg->privileged_gid, &priv);
			fd = open(name.data, O_WRONLY | O_CREAT | O_EXCL |
			    O_CLOEXEC, 0600);
			e = errno;
			if (priv.on && fd != -1)
				l->privileged_gid = cfg->privileged_gid;
			mbox_priv_leave(&priv);
			errno = e;
		}
		if (fd != -1)
			break;
		if (errno != EEXIST) {
			err_sys(err, ERR_TEMPFAIL, "dotlock %s", name.data);
			buf_free(&name);
			return -1;
		}
		if (dotlock_stale(name.data, path, cfg->dotlock_change_secs)) {
			mbox_priv_enter(cfg->privileged_gid, &priv);
			(void)unlink(name.data);
			mbox_priv_leave(&priv);
			continue;
		}
		if (time(NULL) >= deadline) {
			err_set(err, ERR_TEMPFAIL,
			    "timed out waiting for dotlock %s", name.data);
			buf_free(&name);
			return -1;
		}
		nap(tries);
	}
	/* the holder's PID, for people looking at a stale lock */
	(void)snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	wrote = write(fd, pid, strlen(pid)) == (ssize_t)strlen(pid);
	if (close(fd) == -1 || !wrote) {
		(void)unlink(name.data);
		err_sys(err, ERR_TEMPFAIL, "dotlock %s", name.data);
		buf_free(&name);
		return -1;
	}
	l->dotlock = buf_steal(&name);
	return 0;
}

/* What a blocking wait replaced, to put back. */
struct lock_wait {
	struct sigaction	 sa;
	struct itimerval	 timer;
};

static void
lock_wait_tick(int sig)
{
	(void)sig;
}

static void
lock_wait_start(struct lock_wait *w)
{
	struct sigaction sa;
	struct itimerval tick;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lock_wait_tick;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: the wait returns EINTR */
	(void)sigaction(SIGALRM, &sa, &w->sa);
	memset(&tick, 0, sizeof(tick));
	tick.it_value.tv_sec = 1;
	tick.it_interval.tv_sec = 1;
	(void)setitimer(ITIMER_REAL, &tick, &w->timer);
}

static void
lock_wait_end(struct lock_wait *w)
{
	(void)setitimer(ITIMER_REAL, &w->timer, NULL);
	(void)sigaction(SIGALRM, &w->sa, NULL);
}

/*
 * Polling with naps let a holder that takes the lock again right after
 * releasing it win over and over: with ten sessions on one mbox single
 * commands waited seconds.  A waiter blocked in the kernel is woken at
 * the release instead.
 */
static int
take_fcntl(int fd, int write, time_t deadline, struct err *err)
{
	struct flock fl;
	struct lock_wait w;
	int rc = 0;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = write ? F_WRLCK : F_RDLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno != EACCES && errno != EAGAIN && errno != EINTR)
		return err_sys(err, ERR_TEMPFAIL, "fcntl lock");
	lock_wait_start(&w);
	while (fcntl(fd, F_SETLKW, &fl) == -1) {
		if (errno != EINTR) {
			rc = err_sys(err, ERR_TEMPFAIL, "fcntl lock");
			break;
		}
		if (time(NULL) >= deadline) {
			rc = err_set(err, ERR_TEMPFAIL,
			    "timed out waiting for fcntl lock");
			break;
		}
	}
	lock_wait_end(&w);
	return rc;
}

static int
take_flock(int fd, int write, time_t deadline, struct err *err)
{
	struct lock_wait w;
	int op = write ? LOCK_EX : LOCK_SH;
	int rc = 0;

	if (flock(fd, op | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK && errno != EINTR)
		return err_sys(err, ERR_TEMPFAIL, "flock");
	lock_wait_start(&w);
	while (flock(fd, op) == -1) {
		if (errno != EINTR) {
			rc = err_sys(err, ERR_TEMPFAIL, "flock");
			break;
		}
		if (time(NULL) >= deadline) {
			rc = err_set(err, ERR_TEMPFAIL,
			    "timed out waiting for flock");
			break;
		}
	}
	lock_wait_end(&w);
	return rc;
}

/* 1 when path no longer names the file open on fd. */
static int
replaced(const char *path, int fd)
{
	struct stat fst, pst;

	if (fstat(fd, &fst) == -1 || stat(path, &pst) == -1)
		return 1;
	return fst.st_ino != pst.st_ino || fst.st_dev != pst.st_dev;
}

int
mbox_lock_take(const char *path, int fd, int write,
    const struct mbox_lock_cfg *cfg, struct mbox_lock *l, struct err *err)
{
	const enum mbox_lock_method *m = write ? cfg->write : cfg->read;
	size_t i, n = write ? cfg->nwrite : cfg->nread;
	time_t deadline = time(NULL) + (time_t)cfg->timeout_secs;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->privileged_gid = -1;
	for (i = 0; i < n && rc == 0; i++) {
		/* a lock on a file renamed away while we waited (another
		 * session's rewrite) excludes no one; going on to wait for
		 * the dotlock with it would race the holders of the new
		 * file's lock by polling */
		if (i > 0 && m[i] == MBOX_LOCK_DOTLOCK &&
		    (l->fcntl_held || l->flock_held) && replaced(path, fd)) {
			mbox_lock_release(l);
			return 1;
		}
		switch (m[i]) {
		case MBOX_LOCK_DOTLOCK:
			if (l->dotlock == NULL)
				rc = take_dotlock(path, cfg, deadline, l, err);
			break;
		case MBOX_LOCK_FCNTL:
			if (fd != -1 && !l->fcntl_held) {
				rc = take_fcntl(fd, write, deadline, err);
				l->fcntl_held = rc == 0;
			}
			break;
		case MBOX_LOCK_FLOCK:
			if (fd != -1 && !l->flock_held) {
				rc = take_flock(fd, write, deadline, err);
				l->flock_held = rc == 0;
			}
			break;
		}
	}
	if (rc == -1)
		mbox_lock_release(l);
	return rc;
}

void
mbox_lock_release(struct mbox_lock *l)
{
	struct flock fl;

	if (l == NULL)
		return;
	if (l->flock_held)
		(void)flock(l->fd, LOCK_UN);
	if (l->fcntl_held) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_UNLCK;
		fl.l_whence = SEEK_SET;
		(void)fcntl(l->fd, F_SETLK, &fl);
	}
	if (l->dotlock != NULL) {
		struct mbox_priv priv;

		mbox_priv_enter(l->privileged_gid, &priv);
		(void)unlink(l->dotlock);
		mbox_priv_leave(&priv);
		free(l->dotlock);
	}
	l->dotlock = NULL;
	l->fcntl_held = l->flock_held = 0;
}
