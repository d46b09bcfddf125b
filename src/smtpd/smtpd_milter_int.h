/*
 * smtpd_milter_int.h -- what the two files of the session's mail
 * filters share: the filters of a session, a step's verdict, sendmail's
 * reply words, and the helpers both use (smtpd_milter.c has them).
 */
#ifndef SMTPD_SMTPD_MILTER_INT_H
#define SMTPD_SMTPD_MILTER_INT_H

#include "smtpd_int.h"
#include "milter/milter.h"

/* sendmail 8.17's words (checked by running it with a filter) */
#define REPLY_REJECT	"550 5.7.1"	/* + "<addr>... " at MAIL, RCPT */
#define REPLY_REJECT_EOM "554 5.7.1"
#define REPLY_REJECTED	"Command rejected"
#define REPLY_TEMPFAIL	"451 4.3.2 Please try again later"
#define REPLY_NULL	"550 5.0.0 Command rejected"

struct smtpd_milters {
	struct milter	*v;
	size_t		 n;
	char		*reply;		/* a REPLYCODE's text */
	long		 loglevel;	/* Milter.LogLevel, else LogLevel */
	int		 tempfail;	/* connect or HELO tempfailed: every
					   MAIL gets REPLY_TEMPFAIL */
	int		 eom;		/* the filters saw this message's end */
	int		 off;		/* a verdict at connect or HELO: the
					   filters are asked nothing more */
	char		*for_rcpt;	/* Received's "for": the recipient
					   before the filters changed them */
};

/* What the filters said about one step. */
enum mv { MV_CONTINUE, MV_REJECT, MV_TEMPFAIL, MV_DISCARD, MV_REPLY };

/* The filter broke (err): logged as sendmail logs it, and closed. */
void	smtpd_mf_failed(struct session *, struct milter *, int cmd,
	    const struct err *);
/* A filter's answer to cmd, logged at sendmail's Milter.LogLevel
 * (continue above 12, other answers above 10). */
void	smtpd_mf_log_reply(struct session *, const struct milter *, int cmd,
	    int reply);
/* The verdict a broken filter leaves behind (its F=). */
enum mv	smtpd_mf_fail_verdict(const struct milter *);
/* SMFIC_MACRO for the stage's macros that have values; 0 or -1. */
int	smtpd_mf_send_macros(struct session *, struct milter *,
	    enum milter_stage, int cmd, struct err *);
/*
 * A step's verdict made a reply and a log line; 1 when the command is
 * refused, 0 to go on (a discard sets s->discard).  rej: the reject's
 * codes; addr goes into the reply after the codes, or NULL.
 */
int	smtpd_mf_refuse(struct session *, enum mv, const char *what,
	    const char *arg, const char *rej, const char *addr);

#endif
