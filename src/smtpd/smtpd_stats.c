/*
 * smtpd_stats.c -- the SMTP server's part of the statistics file: a
 * rejection by a policy ruleset counts once per session (sendmail counts
 * the first one of its session process), under the sender's mailer when
 * MAIL was given, and as a rejected connection.
 */
#include "smtpd_int.h"

void
smtpd_stats_reject(struct session *s, int from_mno)
{
	if (s->rejects_counted)
		return;
	s->rejects_counted = 1;
	stats_mark_reject(from_mno, 0);
	stats_flush(s->cf);
}
