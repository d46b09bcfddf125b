/*
 * smtpc_body.c -- the message as it goes on the wire after DATA, without
 * I/O: input lines end in LF, CRLF or a bare CR; every line leaves
 * through smtp_dot_stuff_line (so it ends in CRLF and a leading dot is
 * doubled), over-long lines are cut into pieces ending in '!' as
 * sendmail cuts them for a mailer's L=, and ".\r\n" ends the message.
 */
#include <string.h>

#include "deliver/smtpc.h"
#include "smtp/smtp.h"

void
smtpc_body_init(struct smtpc_body *b, size_t limit)
{
	if (limit < 2 || limit > SMTPC_BODY_LINE_MAX)
		limit = SMTPC_BODY_LINE_MAX;
	b->limit = limit;
	buf_init(&b->line, limit + 1);
	b->after_cr = 0;
}

void
smtpc_body_free(struct smtpc_body *b)
{
	if (b != NULL)
		buf_free(&b->line);
}

static int
emit(struct smtpc_body *b, struct buf *out)
{
	int r;

	r = smtp_dot_stuff_line(out, b->line.data != NULL ? b->line.data :
	    "", b->line.len);
	buf_reset(&b->line);
	return r;
}

/* The line is full and goes on: its first limit-1 bytes and a '!'. */
static int
cut(struct smtpc_body *b, struct buf *out)
{
	char last = b->line.data[b->limit - 1];

	b->line.data[b->limit - 1] = '!';
	if (smtp_dot_stuff_line(out, b->line.data, b->limit) == -1) {
		b->line.data[b->limit - 1] = last;
		return -1;
	}
	buf_reset(&b->line);
	return buf_addc(&b->line, last);
}

/* Adds n bytes without CR or LF to the line, cutting it as needed. */
static int
add_span(struct smtpc_body *b, const char *p, size_t n, struct buf *out)
{
	size_t room;

	while (n > 0) {
		if (b->line.len == b->limit && cut(b, out) == -1)
			return -1;
		room = b->limit - b->line.len;
		if (room > n)
			room = n;
		if (buf_add(&b->line, p, room) == -1)
			return -1;
		p += room;
		n -= room;
	}
	return 0;
}

int
smtpc_body_feed(struct smtpc_body *b, const char *p, size_t n,
    struct buf *out)
{
	const char *end = p + n, *cr, *lf, *e;

	while (p < end) {
		if (b->after_cr) {
			b->after_cr = 0;
			if (*p == '\n') {	/* CRLF: the CR ended it */
				p++;
				continue;
			}
		}
		/* LF first, then a CR only before it: linear in the input */
		lf = memchr(p, '\n', (size_t)(end - p));
		cr = memchr(p, '\r', (size_t)((lf != NULL ? lf : end) - p));
		e = cr != NULL ? cr : lf;
		if (e == NULL) {
			return add_span(b, p, (size_t)(end - p), out);
		}
		if (add_span(b, p, (size_t)(e - p), out) == -1 ||
		    emit(b, out) == -1)
			return -1;
		b->after_cr = *e == '\r';
		p = e + 1;
	}
	return 0;
}

int
smtpc_body_finish(struct smtpc_body *b, struct buf *out)
{
	if (b->line.len > 0 && emit(b, out) == -1)
		return -1;
	b->after_cr = 0;
	return buf_add(out, ".\r\n", 3);
}
