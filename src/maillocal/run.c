/*
 * run.c -- mail.local's run from its argument vector (ml_main), shared
 * by the mail.local program and the delivery agent, which calls it in a
 * forked child instead of executing the program: appends a message read from stdin to each recipient's mbox
 * (/var/mail/<user>, or a file in the home folder with -h) in the form
 * and with the locks mail.local and dovecot use, or speaks LMTP (-l).
 * Flags, replies, error texts and exit codes are those of sendmail
 * 8.17's mail.local; -B and -s are the later upstream ones.
 */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "maillocal/maillocal.h"
#include "lib/xalloc.h"
#include "mailbox/mbox_deliver.h"

#define USAGE	"usage: mail.local [-7] [-b] [-d] [-l] [-f from|-r from] " \
		"[-h filename] user ..."

int
ml_errno_temporary(int e)
{
	switch (e) {
	case EDQUOT: case EAGAIN: case EBUSY: case EUSERS:
	case ECONNABORTED: case ECONNREFUSED: case ECONNRESET:
	case EDEADLK: case EFBIG: case EHOSTDOWN: case EHOSTUNREACH:
	case EMFILE: case ENETDOWN: case ENETRESET: case ENETUNREACH:
	case ENFILE: case ENOBUFS: case ENOMEM: case ENOSPC: case EROFS:
	case ESTALE: case ETIMEDOUT:
		return 1;
	}
	return 0;
}

void
ml_fail(struct ml *ml, enum ml_fail how, const char *code,
    const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	int e = errno, temp;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	temp = how == ML_TEMP || (how == ML_ERRNO && ml_errno_temporary(e));
	if (temp)
		ml->exitval = EX_TEMPFAIL;
	else if (ml->exitval != EX_TEMPFAIL)
		ml->exitval = EX_UNAVAILABLE;
	if (ml->lmtp) {
		if (code != NULL)
			printf("%s ", code);
		printf("%s\r\n", text);
		return;
	}
	fprintf(stderr, "mail.local: %s\n", text);
	syslog(LOG_ERR, "%s", text);
	errno = e;
}

int
ml_lookup(const struct ml *ml, const char *name, struct passwd **pw_out)
{
	struct passwd *pw;

	if (ml->ldap)
		return EX_TEMPFAIL;
	errno = 0;
	pw = getpwnam(name);
	if (pw_out != NULL)
		*pw_out = pw;
	if (pw != NULL)
		return 0;
	switch (errno) {
	case EIO: case EAGAIN: case ENOMEM: case EMFILE: case ENFILE:
	case EINTR:
		return EX_TEMPFAIL;
	}
	return EX_NOUSER;
}

#define ML_READ_CHUNK	65536

int
ml_read_message(const struct ml *ml, struct buf *msg)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		const char *p = line;

		if (ml->lmtp && line[0] == '.') {
			if (strcmp(line, ".\n") == 0 ||
			    strcmp(line, ".\r\n") == 0) {
				free(line);
				return 0;
			}
			p++;
			n--;
		}
		if (buf_add(msg, p, (size_t)n) == -1)
			break;
	}
	free(line);
	return ml->lmtp ? -1 : 0;
}

static void __attribute__((noreturn))
usage(struct ml *ml)
{
	ml_fail(ml, ML_PERM, NULL, "%s", USAGE);
	ml_exit(ml->exitval);
}

/* The sender when no -f: the login name if it is ours, else our
 * user's name. */
static const char *
default_sender(void)
{
	const char *login = getlogin();
	struct passwd *pw;

	if (login != NULL && (pw = getpwnam(login)) != NULL &&
	    pw->pw_uid == getuid())
		return login;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : "???";
}

jmp_buf *ml_exit_jump;

void
ml_exit(int status)
{
	(void)fflush(stdout);
	(void)fflush(stderr);
	if (ml_exit_jump != NULL)
		longjmp(*ml_exit_jump, status + 1);
	_exit(status);
}

void
ml_stdin_buffer(void)
{
	/* the pipe's capacity at a time, not stdio's 4 KiB: a 100 KiB
	 * message in 2 reads instead of 25 (before any input is read) */
	(void)setvbuf(stdin, xmalloc(ML_READ_CHUNK), _IOFBF, ML_READ_CHUNK);
}

int
ml_main(int argc, char **argv)
{
	struct ml ml = { .eightbit = 1, .sync = 1, .exitval = EX_OK };
	const char *from = NULL, *mbdb = "pw";
	struct buf msg, img;
	int ch;

	(void)umask(077);
	openlog("mail.local", 0, LOG_MAIL);
	while ((ch = getopt(argc, argv, "7bBdD:f:h:r:lsUV")) != -1) {
		switch (ch) {
		case '7':
			ml.eightbit = 0;
			break;
		case 'b':
			ml.bounce_quota = 1;
			break;
		case 'B':		/* no biff: we never notify it */
		case 'd':
			break;
		case 'D':
			mbdb = optarg;
			break;
		case 'f':
		case 'r':
			if (from != NULL) {
				ml_fail(&ml, ML_PERM, NULL,
				    "Multiple -f options");
				usage(&ml);
			}
			from = optarg;
			break;
		case 'h':
			ml.home_file = optarg;
			break;
		case 'l':
			ml.lmtp = 1;
			break;
		case 's':
			ml.sync = 0;
			break;
		case 'V':
			fprintf(stderr, "compiled with\n");
			break;
		default:
			usage(&ml);
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(mbdb, "ldap") == 0)
		ml.ldap = 1;
	else if (strcmp(mbdb, "pw") != 0) {
		ml_fail(&ml, ML_PERM, "521",
		    "Can not open mailbox database %s: Service unavailable",
		    mbdb);
		return EX_UNAVAILABLE;
	}
	if (ml.lmtp) {
		if (argc > 0) {
			ml_fail(&ml, ML_TEMP, "421", "Users should not be "
			    "specified in command line if LMTP required");
			return EX_TEMPFAIL;
		}
		ml_lmtp(&ml);
	}
	if (argc == 0)
		usage(&ml);
	if (from == NULL)
		from = default_sender();
	buf_init(&msg, 0);
	buf_init(&img, 0);
	(void)ml_read_message(&ml, &msg);
	if (mbox_format_message(&img, from, time(NULL), msg.data, msg.len,
	    0) == -1) {
		ml_fail(&ml, ML_TEMP, "451 4.3.0", "Memory exhausted");
		return ml.exitval;
	}
	buf_free(&msg);
	for (; *argv != NULL; argv++)
		ml_deliver(&ml, img.data, img.len, *argv);
	buf_free(&img);
	return ml.exitval;
}
