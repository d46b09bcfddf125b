/*
 * maillocal.h -- what the parts of mail.local share: the run's options,
 * the exit status built up over the recipients, error reporting in
 * mail.local's words, and the delivery of one stored message.
 */
#ifndef MAILLOCAL_MAILLOCAL_H
#define MAILLOCAL_MAILLOCAL_H

#include <setjmp.h>
#include <stddef.h>

#include "lib/buf.h"

#ifndef MAILLOCAL_SPOOL
#define MAILLOCAL_SPOOL		"/var/mail"
#endif
#ifndef MAILLOCAL_LOCK_TIMEOUT
#define MAILLOCAL_LOCK_TIMEOUT	300	/* seconds for the mbox locks */
#endif

struct ml {
	int		 lmtp;		/* -l */
	int		 eightbit;	/* not -7 */
	int		 bounce_quota;	/* -b */
	int		 sync;		/* not -s */
	const char	*home_file;	/* -h */
	int		 ldap;		/* -D ldap: no database to ask */
	int		 exitval;	/* sysexits status so far */
};

/*
 * mail.local from its argument vector (argv[0] its name), reading the
 * message on stdin, replies (-l) on stdout, errors on stderr; returns
 * the exit status.  The delivery agent calls it in a forked child with
 * stdin, stdout and stderr made fresh for descriptors 0-2; the child
 * ends with ml_exit.
 */
int	ml_main(int argc, char **argv);
/* Flushes stdout and stderr and ends the process (no atexit handlers:
 * in the agent's child they are the agent's); when ml_exit_jump is set
 * (the delivery agent running ml_main itself), jumps there with
 * status + 1 instead. */
void	ml_exit(int status) __attribute__((noreturn));
extern jmp_buf *ml_exit_jump;
/* stdin read a pipe's capacity at a time (the program's, before any
 * input is read). */
void	ml_stdin_buffer(void);

/* how a failure counts in the exit status */
enum ml_fail {
	ML_PERM,	/* EX_UNAVAILABLE unless a temporary one came first */
	ML_TEMP,	/* EX_TEMPFAIL, which stays */
	ML_ERRNO	/* by errno: temporary for full disks, timeouts ... */
};

/* Reports a failure: "mail.local: text" on stderr and syslog, or in
 * LMTP mode "code text" as the reply (code may be NULL). */
void	ml_fail(struct ml *, enum ml_fail, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* 1 when errno names a condition worth retrying (EX_TEMPFAIL) */
int	ml_errno_temporary(int);

/* Looks the user up in the mailbox database: 0 found, else
 * EX_NOUSER, EX_TEMPFAIL or EX_UNAVAILABLE; *pw_out (unless NULL) is
 * getpwnam's entry, valid until the next lookup. */
struct passwd;
int	ml_lookup(const struct ml *, const char *name, struct passwd **pw_out);

/* Delivers the stored message img to name's mailbox; in LMTP mode
 * answers with exactly one reply line. */
void	ml_deliver(struct ml *, const char *img, size_t len,
	    const char *name);

/* LMTP on stdin/stdout until QUIT or end of input; never returns. */
void	ml_lmtp(struct ml *) __attribute__((noreturn));

/* Reads a message from stdin: to end of input, or in LMTP to the "."
 * line with dots unstuffed.  -1 when LMTP input ends before the dot. */
int	ml_read_message(const struct ml *, struct buf *);

#endif
