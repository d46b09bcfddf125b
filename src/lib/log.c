/*
 * log.c -- syslog lines in sendmail's format: "QID: text" or
 * "NOQUEUE: text", ident "sendmail" or the -L tag, facility mail.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static int log_opened;
static const char *log_ident = "sendmail";

void
log_open(const char *ident)
{
	log_ident = ident ? ident : "sendmail";
	openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	log_opened = 1;
}

void
log_reopen(void)
{
	if (log_opened)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	else
		closelog();
}

int
log_format(char *out, unsigned long size, const char *qid, const char *text)
{
	int n;

	n = snprintf(out, size, "%s: %s", qid ? qid : "NOQUEUE", text);
	return (n < 0 || (unsigned long)n >= size) ? -1 : 0;
}

void
log_msg(int prio, const char *qid, const char *fmt, ...)
{
	char text[2048], line[2100];
	va_list ap;

	if (!log_opened)
		log_open(NULL);
	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	(void)log_format(line, sizeof(line), qid, text);
	syslog(prio, "%s", line);
}

void
log_plain(int prio, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	if (!log_opened)
		log_open(NULL);
	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	syslog(prio, "%s", text);
}
