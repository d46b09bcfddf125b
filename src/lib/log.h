/*
 * log.h -- syslog in sendmail's line format: ident "sendmail" (or the
 * -L tag), facility mail, "QID: text" when a queue id is known.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <syslog.h>

void	log_open(const char *ident);	/* NULL: "sendmail" */
/* Our ident and options again, after code of another program's (the
 * delivery agent's mail.local) opened the log as itself. */
void	log_reopen(void);
/* qid may be NULL: the line is then "NOQUEUE: text" as sendmail writes. */
void	log_msg(int prio, const char *qid, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Lines without a queue id prefix (daemon start, etc.). */
void	log_plain(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Formats the text part as it would appear after "ident[pid]: ". */
int	log_format(char *out, unsigned long size, const char *qid,
	    const char *text);

#endif
