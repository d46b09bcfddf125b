/*
 * deliver.c -- one recipient's delivery for mail.local.  The mailbox is
 * checked before anything is written: an mbox that exists must be a
 * regular file (a symbolic link is not), with one link, owned by the
 * recipient; a new one is made with O_EXCL, mode 0600 and given to the
 * recipient.  It is then opened as the recipient (running as root, the
 * effective uid and gid switch for the open and the writes; for a
 * mailbox in the home folder, -h, for every step) and must still be
 * the file that was checked.  Locks as mailboxd takes them
 * (mbox_lock_cfg_default: fcntl, then the dotlock <mbox>.lock), then
 * the append with fsync, cut back to the old size if it fails.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "maillocal/maillocal.h"
#include "lib/xalloc.h"
#include "mailbox/mailbox.h"
#include "mailbox/mbox_deliver.h"

struct rcpt {
	char	 name[64];		/* as printed: short, printable */
	uid_t	 uid;
	gid_t	 gid;
	char	 path[PATH_MAX];
	char	 lockbase[PATH_MAX];	/* the dotlock is <lockbase>.lock */
	int	 fd;
};

static int privileged = -1;	/* started with euid 0 */
static gid_t root_egid;
static gid_t *root_groups;
static int root_ngroups;

static void
priv_init(void)
{
	int n = getgroups(0, NULL);

	privileged = geteuid() == 0;
	root_egid = getegid();
	root_groups = xcalloc(n > 0 ? (size_t)n : 1, sizeof(gid_t));
	root_ngroups = n > 0 ? getgroups(n, root_groups) : 0;
	if (root_ngroups < 0)
		root_ngroups = 0;
}

/* The recipient's effective ids (and its group alone) around what is
 * done as the recipient; a no-op when we already are the recipient. */
static int
become_user(struct ml *ml, const struct rcpt *r)
{
	if (geteuid() == r->uid)
		return 0;
	if ((geteuid() != 0 || (setgroups(1, &r->gid) == 0 &&
	    setegid(r->gid) == 0)) && seteuid(r->uid) == 0)
		return 0;
	ml_fail(ml, ML_ERRNO, "450 4.2.0", "setreuid(0, %d): %s (r=%d, e=%d)",
	    (int)r->uid, strerror(errno), (int)getuid(), (int)geteuid());
	return -1;
}

static void
become_root(struct ml *ml)
{
	if (privileged != 1 || geteuid() == 0)
		return;
	if (seteuid(0) == -1 || setegid(root_egid) == -1 ||
	    setgroups((size_t)root_ngroups, root_groups) == -1) {
		ml_fail(ml, ML_TEMP, "450 4.2.0", "setreuid(0, 0): %s",
		    strerror(errno));
		/* never back to a caller: we may be the user now */
		(void)fflush(stdout);
		(void)fflush(stderr);
		_exit(EX_TEMPFAIL);
	}
}

/* Fills r from the password entry; -1 after reporting. */
static int
resolve(struct ml *ml, const char *name, struct rcpt *r)
{
	const char *mail = getenv("MAIL"), *base;
	struct passwd *pw;
	size_t i;
	int n;

	pw = NULL;
	switch (ml_lookup(ml, name, &pw)) {
	case 0:
		break;
	case EX_NOUSER:
		ml_fail(ml, ML_PERM, "550 5.1.1", "%s: User unknown", name);
		return -1;
	case EX_TEMPFAIL:
		ml_fail(ml, ML_TEMP, "451 4.3.0",
		    "%s: User database failure; retry later", name);
		return -1;
	default:
		ml_fail(ml, ML_PERM, "550 5.3.0", "%s: User database failure",
		    name);
		return -1;
	}
	if (pw == NULL) {
		ml_fail(ml, ML_TEMP, "451 4.3.0",
		    "%s: User database failure; retry later", name);
		return -1;
	}
	(void)snprintf(r->name, sizeof(r->name), "%.40s", name);
	for (i = 0; r->name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)r->name[i];

		c &= 0x7f;
		if (!isprint(c))
			c = '.';
		r->name[i] = (char)c;
	}
	r->uid = pw->pw_uid;
	r->gid = pw->pw_gid;
	if (ml->home_file == NULL) {
		n = strchr(r->name, '/') != NULL || strcmp(r->name, ".") == 0 ||
		    strcmp(r->name, "..") == 0 ? -1 : snprintf(r->path,
		    sizeof(r->path), "%s/%s", MAILLOCAL_SPOOL, r->name);
	} else if (pw->pw_dir == NULL || pw->pw_dir[0] == '\0') {
		ml_fail(ml, ML_PERM, "550 5.1.1",
		    "%s: User missing home directory", r->name);
		return -1;
	} else
		n = snprintf(r->path, sizeof(r->path), "%s/%s", pw->pw_dir,
		    ml->home_file);
	if (n < 0 || (size_t)n >= sizeof(r->path) - 8) {
		ml_fail(ml, ML_PERM, "550 5.1.1", "%s: Invalid mailbox path",
		    r->name);
		return -1;
	}
	/* Debian's mail.local locks $MAIL.lock when $MAIL names the user */
	base = mail != NULL ? strrchr(mail, '/') : NULL;
	if (base != NULL && strcmp(base + 1, r->name) == 0 &&
	    strlen(mail) < sizeof(r->lockbase) - 8)
		(void)snprintf(r->lockbase, sizeof(r->lockbase), "%s", mail);
	else
		(void)snprintf(r->lockbase, sizeof(r->lockbase), "%s",
		    r->path);
	return 0;
}

/* The checks on the mailbox as it stands (made when missing), done
 * with our own ids; *sb gets what was checked. */
static int
check_mbox(struct ml *ml, struct rcpt *r, struct stat *sb)
{
	int tries, fd, e;

	for (tries = 0; lstat(r->path, sb) == -1; tries++) {
		fd = open(r->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		e = errno;
		if (fd == -1 && e == EEXIST && tries < 3)
			continue;
		if (fd == -1) {
			errno = e;
			ml_fail(ml, ML_ERRNO, "450 4.2.0", "Create %s: %s",
			    r->path, strerror(e));
			return -1;
		}
		if (fchown(fd, r->uid, r->gid) == -1) {
			ml_fail(ml, ML_ERRNO, "451 4.3.0", "chown %u.%u: %s",
			    (unsigned)r->uid, (unsigned)r->gid, r->name);
			(void)close(fd);
			return -1;
		}
		(void)close(fd);
	}
	if (sb->st_nlink != 1 && !S_ISLNK(sb->st_mode))
		ml_fail(ml, ML_PERM, "550 5.2.0", "%s: too many links",
		    r->path);
	else if (!S_ISREG(sb->st_mode))
		ml_fail(ml, ML_PERM, "550 5.2.0", "%s: irregular file",
		    r->path);
	else if (sb->st_uid != r->uid)
		ml_fail(ml, ML_PERM, "550 5.2.0", "%s: wrong ownership (%d)",
		    r->path, (int)sb->st_uid);
	else
		return 0;
	return -1;
}

/* Opens the checked mailbox as the recipient (already in effect). */
static int
open_mbox(struct ml *ml, struct rcpt *r, const struct stat *sb)
{
	struct stat fsb;
	int fd;

	/* O_NONBLOCK: a FIFO put there since the check must not hang us */
	fd = open(r->path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1) {
		ml_fail(ml, ML_ERRNO, "450 4.2.0", "Append %s: %s", r->path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &fsb) == -1 || fsb.st_nlink != 1 ||
	    !S_ISREG(fsb.st_mode) || fsb.st_dev != sb->st_dev ||
	    fsb.st_ino != sb->st_ino || fsb.st_uid != sb->st_uid ||
	    fcntl(fd, F_SETFL, O_APPEND) == -1) {
		ml_fail(ml, ML_TEMP, "550 5.2.0",
		    "%s: fstat: file changed after open", r->path);
		(void)close(fd);
		return -1;
	}
	r->fd = fd;
	return 0;
}

/* Takes the locks in mailboxd's order, one method at a time so that a
 * failure is told in mail.local's words. */
static int
lock_mbox(struct ml *ml, struct rcpt *r, struct mbox_lock *held,
    size_t *nheld)
{
	struct mbox_lock_cfg cfg, one;
	struct err err;
	size_t i;

	mbox_lock_cfg_default(&cfg);
	cfg.timeout_secs = MAILLOCAL_LOCK_TIMEOUT;
	for (i = 0, *nheld = 0; i < cfg.nwrite; i++) {
		int dot = cfg.write[i] == MBOX_LOCK_DOTLOCK;

		one = cfg;
		one.write[0] = cfg.write[i];
		one.nwrite = 1;
		if (mbox_lock_take(dot ? r->lockbase : r->path, r->fd, 1,
		    &one, &held[*nheld], &err) == 0) {
			(*nheld)++;
			continue;
		}
		if (dot)
			ml_fail(ml, ML_TEMP, "451 4.3.0",
			    "lockmailbox %s failed; error code %d %s",
			    r->name, EX_TEMPFAIL, "");
		else
			ml_fail(ml, ML_TEMP, "450 4.2.0", "Lock %s: %s",
			    r->path, strerror(EAGAIN));
		return -1;
	}
	return 0;
}

/* A close that fails (NFS writes then): cut the message off again if
 * the file still is ours at the size we left it. */
static void
close_failed(const struct rcpt *r, off_t off, const struct stat *was)
{
	struct stat sb;
	int fd = open(r->path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);

	if (fd == -1)
		return;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_nlink == 1 && sb.st_dev == was->st_dev &&
	    sb.st_ino == was->st_ino && sb.st_size == was->st_size &&
	    ftruncate(fd, off) == -1)
		syslog(LOG_ERR, "%s: cannot cut off a partial message: %m",
		    r->path);
	(void)close(fd);
}

static void
write_mbox(struct ml *ml, struct rcpt *r, const char *img, size_t len,
    int *ok)
{
	const char *quota = ml->bounce_quota ? "552 5.2.2" : "450 4.2.0";
	struct stat sb;
	off_t off = 0;
	int rc, e;

	rc = mbox_append_fd(r->fd, img, len, ml->sync, &off);
	e = errno;
	if (rc != 0) {
		enum ml_fail how = e == EDQUOT && ml->bounce_quota ?
		    ML_PERM : ML_ERRNO;

		ml_fail(ml, how, e == EDQUOT ? quota : "450 4.2.0",
		    rc == MBOX_APPEND_EFSYNC ? "Sync %s: %s" : rc ==
		    MBOX_APPEND_EPARTIAL ? "Write %s: %s (a partial message "
		    "could not be cut off)" : "Write %s: %s", r->path,
		    strerror(e));
		return;
	}
	if (fstat(r->fd, &sb) == -1)
		sb.st_size = -1;
	rc = close(r->fd);
	r->fd = -1;
	if (rc == -1) {
		e = errno;
		ml_fail(ml, e == EDQUOT && ml->bounce_quota ? ML_PERM :
		    ML_ERRNO, e == EDQUOT ? quota : "450 4.2.0",
		    "Close %s: %s", r->path, strerror(e));
		if (sb.st_size > 0)
			close_failed(r, off, &sb);
		return;
	}
	*ok = 1;
}

void
ml_deliver(struct ml *ml, const char *img, size_t len, const char *name)
{
	struct mbox_lock held[MBOX_LOCK_MAX];
	struct rcpt r;
	struct stat sb;
	size_t nheld = 0;
	int ok = 0, home;

	if (privileged == -1)
		priv_init();
	memset(&r, 0, sizeof(r));
	r.fd = -1;
	if (resolve(ml, name, &r) == -1)
		return;
	/*
	 * The spool folder is root's: the mailbox is made and the dotlock
	 * taken there as root.  A home folder is the user's, whose links
	 * could lead anywhere: there everything is done as the user.
	 */
	home = ml->home_file != NULL;
	if (home && become_user(ml, &r) == -1)
		return;
	if (check_mbox(ml, &r, &sb) == -1 ||
	    become_user(ml, &r) == -1 || open_mbox(ml, &r, &sb) == -1)
		goto out;
	if (!home)
		become_root(ml);
	if (lock_mbox(ml, &r, held, &nheld) == 0 &&
	    become_user(ml, &r) == 0) {
		write_mbox(ml, &r, img, len, &ok);
		if (!home)
			become_root(ml);
	}
	while (nheld > 0)
		mbox_lock_release(&held[--nheld]);
out:
	become_root(ml);
	if (r.fd != -1)
		(void)close(r.fd);
	if (ok && ml->lmtp)
		printf("250 2.1.5 %s Ok\r\n", r.name);
}
