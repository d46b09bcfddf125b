/*
 * deliver_file.c -- the *file* mailer: an alias or .forward naming a
 * file ("/var/log/mail.copy") gets the message appended, in a child
 * that runs as DefaultUser (the mailer's U=, or the user whose .forward
 * or :include: named the file: dlv_run_as()), never through a
 * symbolic link, only to a regular file with one link, and the file is
 * cut back to its old size if the write fails.  SafeFileEnvironment, when
 * set, is the only folder such files may be in.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "deliver.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define EX_OK		0
#define EX_CANTCREAT	73
#define EX_TEMPFAIL	75

/* In the child: 0 written, else a sysexits value. */
static int
append(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, const char *path)
{
	const char *safe = cf_option_value(dm->cf, "SafeFileEnvironment");
	struct stat st;
	struct err err;
	off_t size;
	int fd;

	if (path[0] != '/' || strstr(path, "/../") != NULL)
		return EX_CANTCREAT;
	if (safe != NULL && *safe != '\0' && (strncmp(path, safe,
	    strlen(safe)) != 0 || path[strlen(safe)] != '/'))
		return EX_CANTCREAT;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return errno == ENOSPC || errno == EDQUOT ? EX_TEMPFAIL :
		    EX_CANTCREAT;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    flock(fd, LOCK_EX) == -1) {
		(void)close(fd);
		return EX_CANTCREAT;
	}
	size = lseek(fd, 0, SEEK_END);
	err_clear(&err);
	if (dlv_write_message(dm, m, sender, fd, &err) == -1 ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1) {
		if (ftruncate(fd, size) == -1)	/* no half message stays */
			log_msg(LOG_ERR, NULL, "SYSERR(root): %s: cannot cut "
			    "off a partial message: %s", path,
			    strerror(errno));
		(void)close(fd);
		return EX_TEMPFAIL;
	}
	(void)close(fd);
	return EX_OK;
}

void
dlv_file(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, struct dlv_rcpt *r, size_t n)
{
	struct dlv_ids ids;
	pid_t pid;
	size_t i;
	int st, status, setids;

	for (i = 0; i < n; i++) {
		setids = dlv_run_as(dm->cf, m, &r[i], &ids);
		pid = fork();
		if (pid == 0) {
			if (setids && (setgroups((size_t)ids.ngroups,
			    ids.groups) == -1 || setgid(ids.gid) == -1 ||
			    setuid(ids.uid) == -1))
				_exit(EX_TEMPFAIL);
			_exit(append(dm, m, sender, r[i].user));
		}
		dlv_ids_free(&ids);
		status = EX_TEMPFAIL;
		if (pid > 0) {
			while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
				;
			if (WIFEXITED(st))
				status = WEXITSTATUS(st);
		}
		r[i].status = status;
		(void)snprintf(r[i].dsn, sizeof(r[i].dsn), "%s",
		    dlv_exit_dsn(status));
		free(r[i].text);
		r[i].text = xstrdup(dlv_exit_text(status));
	}
}
