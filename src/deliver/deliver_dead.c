/*
 * deliver_dead.c -- dead.letter: a message that could not go to every
 * recipient named on a command line is kept for its local sender in
 * ~/dead.letter, as sendmail keeps it (the message as the *file* mailer
 * writes it: UNIX From line, headers, body, a blank line after).  Only a
 * regular file with one link is appended to, never through a link.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deliver.h"

int
dlv_dead_letter(const struct dlv_msg *dm, const char *sender,
    const char *path, struct err *err)
{
	struct cf_mailer_info m;
	struct stat st;
	int fd, rc;

	if (cf_mailer_info(dm->cf, "*file*", &m) == -1) {
		err_set(err, ERR_CONFIG, "no *file* mailer");
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd == -1) {
		err_sys(err, ERR_CANTCREAT, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		err_set(err, ERR_CANTCREAT, "%s: not a regular file", path);
		(void)close(fd);
		return -1;
	}
	rc = dlv_write_message(dm, &m, sender, fd, err);
	if (rc == 0 && (write(fd, "\n", 1) != 1 || fsync(fd) == -1)) {
		err_sys(err, ERR_CANTCREAT, "%s", path);
		rc = -1;
	}
	if (close(fd) == -1 && rc == 0) {
		err_sys(err, ERR_CANTCREAT, "%s", path);
		rc = -1;
	}
	return rc;
}
