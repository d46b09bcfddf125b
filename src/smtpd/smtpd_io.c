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

static void __attribute__((format(printf, 2, 0)))
vreply_to(struct buf *out, const char *fmt, va_list ap)
{
	size_t start = out->len, i;

	(void)buf_vprintf(out, fmt, ap);
	for (i = start; i < out->len; i++)
		out->data[i] &= 0x7f;
	(void)buf_add(out, "\r\n", 2);
}

/* A reply line; like sendmail's, replies are 7-bit: the 8th bit goes. */
void
reply(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply_to(&s->out, fmt, ap);
	va_end(ap);
}

void
reply_to(struct buf *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply_to(out, fmt, ap);
	va_end(ap);
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

/* Reads more input within timeout_ms: 1 read, 0 timed out, -1 EOF or
 * error (the session's end). */
static int
read_some(struct session *s, long long timeout_ms)
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
	n = tls_io_read(&s->io, s->ibuf + s->ilen, s->icap - s->ilen,
	    timeout_ms > INT_MAX ? -1 : (int)timeout_ms);
	if (n == -2)
		return 0;
	if (n <= 0) {
		s->eof = 1;
		return -1;
	}
	s->ilen += (size_t)n;
	return 1;
}

/* Reads more input, waiting at most `timeout' seconds; a timeout ends
 * the session like EOF. */
int
session_fill_within(struct session *s, long timeout)
{
	int rc = read_some(s, timeout > INT_MAX / 1000 ? (long long)INT_MAX +
	    1 : (long long)timeout * 1000);

	if (rc == 0)
		s->eof = 1;
	return rc == 1 ? 0 : -1;
}

/* A command read timed out: sendmail's log line, then the session ends
 * as at EOF ("421 4.4.1 ... Lost input channel"). */
static int
cmd_timeout(struct session *s)
{
	if (s->loglevel > 1)
		log_msg(LOG_NOTICE, s->have_id ? s->id : NULL, "timeout "
		    "waiting for input from %s during server cmd read",
		    s->peer->addr != NULL ? s->peer->name : "localhost");
	s->eof = 1;
	return -1;
}

/*
 * Reads more of a command line.  Timeout.command runs from each read,
 * as sendmail's does.  In the daemon's stress mode (smtpd_stress.c) the
 * line as a whole must also be complete within SMTPD_STRESS_LINE_MS of
 * its start, so the wait is cut in slices to see the mode change.
 */
int
session_fill(struct session *s)
{
	long long start = tls_now_ms(), limit, now, wait;
	int rc;

	limit = s->cmd_timeout > INT_MAX / 1000 ? (long long)INT_MAX + 1 :
	    (long long)s->cmd_timeout * 1000;
	for (;;) {
		now = tls_now_ms();
		if (smtpd_stressed(s->ctx) &&
		    now - s->line_start >= SMTPD_STRESS_LINE_MS)
			return cmd_timeout(s);
		if (now - start >= limit)
			return cmd_timeout(s);
		wait = limit - (now - start);
		if (s->ctx->stress != NULL && wait > SMTPD_STRESS_SLICE_MS)
			wait = SMTPD_STRESS_SLICE_MS;
		if ((rc = read_some(s, wait)) != 0)
			return rc == 1 ? 0 : -1;
	}
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

	s->line_start = tls_now_ms();
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
