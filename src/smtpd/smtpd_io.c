/*
 * smtpd_io.c -- a session's input and output: input read in large
 * chunks and cut into command lines (CR/LF stripped, a NUL ends a line,
 * 2047 octets or more is sendmail's "Command too long" and the end),
 * replies gathered and written in one go when no further command is
 * waiting (so a pipelined group is answered with one write), replies
 * kept 7-bit, and the RFC 2920 check that nothing follows HELO, EHLO or
 * DATA before their reply.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "smtpd_int.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/xalloc.h"

/* A reply line; like sendmail's, replies are 7-bit: the 8th bit goes. */
void
reply(struct session *s, const char *fmt, ...)
{
	va_list ap;
	size_t start = s->out.len, i;

	va_start(ap, fmt);
	(void)buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	for (i = start; i < s->out.len; i++)
		s->out.data[i] &= 0x7f;
	(void)buf_add(&s->out, "\r\n", 2);
}

const char *
jname(struct session *s)
{
	const char *j = cf_macro_value(s->cf, "j");

	return j != NULL ? j : "localhost";
}

int
session_flush(struct session *s)
{
	if (s->out.len == 0 || s->ioerr)
		return s->ioerr ? -1 : 0;
	if (tls_io_write(&s->io, s->out.data, s->out.len, -1) != 0)
		s->ioerr = 1;
	buf_reset(&s->out);
	return s->ioerr ? -1 : 0;
}

/* Reads more input, waiting at most the command timeout. */
int
session_fill(struct session *s)
{
	return session_fill_within(s, s->cmd_timeout);
}

/* Reads more input, waiting at most `timeout' seconds. */
int
session_fill_within(struct session *s, long timeout)
{
	ssize_t n;

	if (s->eof || s->ioerr)
		return -1;
	if (s->ioff > 0) {
		memmove(s->ibuf, s->ibuf + s->ioff, s->ilen - s->ioff);
		s->ilen -= s->ioff;
		s->ioff = 0;
	}
	if (s->icap - s->ilen < SMTPD_READ) {
		s->icap = s->ilen + SMTPD_READ;
		s->ibuf = xreallocarray(s->ibuf, s->icap + 1, 1);
	}
	/* a timeout (-2) ends the session like EOF */
	n = tls_io_read(&s->io, s->ibuf + s->ilen, s->icap - s->ilen,
	    timeout > INT_MAX / 1000 ? -1 : (int)(timeout * 1000));
	if (n <= 0) {
		s->eof = 1;
		return -1;
	}
	s->ilen += (size_t)n;
	return 0;
}

/* A command line of 2047 octets or more: sendmail hangs up. */
static char *
too_long(struct session *s)
{
	reply(s, "421 4.7.0 %s Command too long, possible attack %s",
	    jname(s), s->relay);
	log_msg(LOG_NOTICE, s->have_id ? s->id : NULL, "%s: Command too "
	    "long, possible attack", s->relay);
	s->quit = 1;
	(void)session_flush(s);
	return NULL;
}

/*
 * The next line, terminated by LF (a CR before it is dropped).  Replies
 * are written only when no further complete command is waiting, so a
 * pipelined group is answered with one write.  Over-long lines are
 * answered here and skipped.
 */
char *
session_getline(struct session *s, size_t *len)
{
	char *p, *nl, *nul;
	size_t n;

	for (;;) {
		p = s->ibuf + s->ioff;
		n = s->ilen - s->ioff;
		nl = n > 0 ? memchr(p, '\n', n) : NULL;
		if (nl != NULL) {
			s->ioff += (size_t)(nl - p) + 1;
			n = (size_t)(nl - p);
			if (n > 0 && p[n - 1] == '\r')
				n--;
			p[n] = '\0';
			if (n >= SMTPD_MAXCMD)
				return too_long(s);
			/* as sendmail: a NUL ends the line */
			if ((nul = memchr(p, '\0', n)) != NULL)
				n = (size_t)(nul - p);
			*len = n;
			return p;
		}
		if (n >= SMTPD_MAXCMD)
			return too_long(s);
		if (session_flush(s) == -1 || session_fill(s) == -1)
			return NULL;
	}
}


/*
 * RFC 2920: nothing may follow HELO, EHLO or DATA before their reply.
 * A client that sent more gets sendmail's 554 and no more service;
 * 1 when that happened.
 */
int
session_pipelined(struct session *s, const char *verb)
{
	if (s->ilen <= s->ioff && !tls_io_readable(&s->io, 0))
		return 0;
	log_msg(LOG_NOTICE, s->have_id ? s->id : NULL, "%s: improper "
	    "command pipelining after %s", s->relay, verb);
	reply(s, "554 5.5.0 SMTP protocol error");
	s->nullserver = 1;
	return 1;
}
