/*
 * qrun_include.c -- the lists kept in files: an alias's ":include:/path"
 * and the lines of a .forward.  An :include: file is read as the user
 * the list is for (DefaultUser when it comes from the aliases, the user
 * whose .forward named it otherwise), as sendmail reads it: refused
 * when that user could not reach or read it, when it is not a regular
 * file or when its group or anyone may write it; a file in a folder
 * others may write, or read by a sendmail that is not root, is unsafe:
 * no program or file may be named in it, nor when its owner's shell is
 * not a login shell.  What it names is delivered as the file's owner.  Nested includes and loops are bounded by the
 * alias depth and the duplicate check of qrun_expand().
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "qrun_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define EX_NOUSER	67
#define EX_TEMPFAIL	75
#define LIST_MAX	(1024 * 1024)	/* bytes read from one list file */

/* Whether uid/gid may do `want` (R_OK, X_OK) on st by its mode bits. */
static int
mode_allows(const struct stat *st, long uid, long gid, int want)
{
	mode_t u = want == R_OK ? S_IRUSR : S_IXUSR;
	mode_t g = want == R_OK ? S_IRGRP : S_IXGRP;
	mode_t o = want == R_OK ? S_IROTH : S_IXOTH;

	if (uid == 0)
		return want == R_OK || (st->st_mode & (u | g | o)) != 0;
	if ((long)st->st_uid == uid)
		return (st->st_mode & u) != 0;
	if ((long)st->st_gid == gid)
		return (st->st_mode & g) != 0;
	return (st->st_mode & o) != 0;
}

int
qrun_can_read(long uid, long gid, const char *path, int *unsafe_dir)
{
	char *p = xstrdup(path), *slash;
	struct stat st;
	int rc = 0;

	for (slash = strchr(p + 1, '/'); rc == 0 && slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (stat(p[0] ? p : "/", &st) == -1)
			rc = errno;
		else if (!mode_allows(&st, uid, gid, X_OK))
			rc = EACCES;
		else if (unsafe_dir != NULL && (st.st_mode & (S_IWGRP |
		    S_IWOTH)) && !(st.st_mode & S_ISVTX))
			*unsafe_dir = 1;
		*slash = '/';
	}
	free(p);
	return rc;
}

/*
 * The lines of a list file under target i: each a comma list of
 * addresses; "#" starts a comment line, " #@# " a comment at the end.
 * Returns how many lines named something.
 */
int
qrun_list_lines(struct qrun_msg *q, char *text, size_t i, size_t top,
    int depth)
{
	char *line, *save = NULL, *c;
	int n = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		for (c = line; (c = strstr(c, "#@#")) != NULL; c++)
			if (c > line && (c[-1] == ' ' || c[-1] == '\t') &&
			    (c[3] == '\0' || c[3] == ' ' || c[3] == '\t')) {
				*c = '\0';
				break;
			}
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '#' || *line == '\0')
			continue;
		q->targets[i].state = QT_EXPANDED;
		qrun_expand_list(q, line, (int)i, top, depth + 1);
		n++;
	}
	return n;
}

void
qrun_default_user(struct cf *cf, long *uid, long *gid)
{
	const char *v = cf_option_value(cf, "DefaultUser");
	struct passwd *pw;
	char *end;

	*uid = *gid = 1;
	if (v == NULL || *v == '\0')
		return;
	if (*v >= '0' && *v <= '9') {
		*uid = strtol(v, &end, 10);
		*gid = *end == ':' || *end == '.' ? strtol(end + 1, NULL, 10) :
		    *uid;
		if ((pw = getpwuid((uid_t)*uid)) != NULL && *end != ':' &&
		    *end != '.')
			*gid = (long)pw->pw_gid;
		return;
	}
	if ((pw = getpwnam(v)) != NULL) {
		*uid = (long)pw->pw_uid;
		*gid = (long)pw->pw_gid;
	}
}

char *
qrun_bad_shell(struct cf *cf, const struct passwd *pw)
{
	const char *sh;
	int ok = 0;

	if (pw == NULL)
		return xstrdup("");
	if (pw->pw_shell == NULL || pw->pw_shell[0] == '\0' ||
	    cf_class_member(cf, "t", pw->pw_name))
		return NULL;
	setusershell();
	while (!ok && (sh = getusershell()) != NULL)
		ok = strcmp(sh, pw->pw_shell) == 0 ||
		    strcmp(sh, "/SENDMAIL/ANY/SHELL/") == 0;
	endusershell();
	return ok ? NULL : xstrdup(pw->pw_name);
}

/* errno values that say "try again later" (sendmail's transient set). */
static int
transient(int e)
{
	return e == EAGAIN || e == EINTR || e == EIO || e == ENFILE ||
	    e == EMFILE || e == ENOMEM || e == ENOBUFS || e == ETIMEDOUT ||
	    e == ESTALE || e == ENOLCK;
}

/*
 * Opens path for reading as uid/gid would: 0 and the descriptor in
 * *fd_out, or -1 with why_out set (an errno text or sendmail's words
 * for an unsafe file) and *errno_out (0 for the unsafe ones).
 */
static int
open_list(const char *path, long uid, long gid, int *fd_out, int *unsafe,
    const char **why_out, int *errno_out, struct stat *st)
{
	struct stat lst;
	int e, fd;

	*errno_out = 0;
	if ((e = qrun_can_read(uid, gid, path, unsafe)) != 0 ||
	    (stat(path, st) == -1 && (e = errno) != 0)) {
		*errno_out = e;
		*why_out = strerror(e);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		*why_out = "Not a regular file";
		return -1;
	}
	if (st->st_mode & S_IWGRP) {
		*why_out = "Group writable file";
		return -1;
	}
	if (st->st_mode & S_IWOTH) {
		*why_out = "World writable file";
		return -1;
	}
	if (!mode_allows(st, uid, gid, R_OK)) {
		*errno_out = EACCES;
		*why_out = strerror(EACCES);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1 || fstat(fd, &lst) == -1 || lst.st_ino != st->st_ino ||
	    lst.st_dev != st->st_dev) {
		*errno_out = fd == -1 ? errno : 0;
		*why_out = fd == -1 ? strerror(errno) : "file changed after "
		    "open";
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

void
qrun_include(struct qrun_msg *q, size_t i, size_t top, int depth)
{
	struct qrun_target *t = &q->targets[i];
	const char *path = t->user, *why = NULL;
	struct stat st;
	struct buf text;
	char chunk[4096], msg[1024];
	long uid = -1, gid = -1;
	ssize_t n;
	int k, fd = -1, e = 0, unsafe = 0;

	if (t->parent < 0) {
		qrun_fail(t, EX_NOUSER, "5.7.1",
		    "Cannot mail directly to :include:s");
		return;
	}
	/* read as the user of the nearest .forward or :include: above */
	for (k = t->parent; k >= 0; k = q->targets[k].parent)
		if (q->targets[k].uid >= 0) {
			uid = q->targets[k].uid;
			gid = q->targets[k].gid;
			break;
		}
	if (uid < 0)
		qrun_default_user(q->cf, &uid, &gid);
	if (t->verbose_out != NULL)
		(void)fprintf(t->verbose_out, "%s... including file %s\n",
		    t->paddr, path);
	if (open_list(path, uid, gid, &fd, &unsafe, &why, &e, &st) == -1) {
		(void)snprintf(msg, sizeof(msg), "Cannot open %s: %s", path,
		    why);
		if (transient(e)) {
			log_msg(LOG_ERR, q->id, "include %s: transient error: "
			    "%s", path, why);
			qrun_fail(t, EX_TEMPFAIL, "4.2.4", msg);
		} else
			qrun_fail(t, EX_NOUSER, "5.2.4", msg);
		return;
	}
	buf_init(&text, LIST_MAX);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(&text, chunk, (size_t)n) == -1)
			break;
	(void)close(fd);
	/* what it names is delivered as the file's owner */
	t->uid = (long)st.st_uid;
	t->gid = (long)st.st_gid;
	t->unsafe = unsafe || geteuid() != 0;
	t->noshell = qrun_bad_shell(q->cf, getpwuid(st.st_uid));
	t->state = QT_EXPANDED;
	(void)qrun_list_lines(q, text.data ? text.data : (char *)"", i, top,
	    depth);
	buf_free(&text);
}
