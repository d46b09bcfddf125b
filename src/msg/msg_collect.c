/*
 * msg_collect.c -- the lines of a message being received, whichever
 * way they come (SMTP DATA or a program's stdin): the header section
 * joins the envelope's header list, the body goes into the df through
 * the queue transaction, the size is counted as sendmail counts it (LF
 * line ends), and the limits (MaxMessageSize, MaxHeadersLength) are
 * kept without stopping the reading, so a session stays in step.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "lib/xalloc.h"
#include "smtp/smtp.h"

struct msg_collect {
	struct msg	*msg;
	struct queue_tx	*tx;
	struct smtp_hdrs *hdrs;
	size_t		 maxsize;
	size_t		 size;
	int		 in_body;
	int		 hdr_error;
	int		 write_error;
	int		 toobig;
	struct err	 err;
};

struct msg_collect *
msg_collect_new(struct msg *m, struct queue_tx *tx, size_t maxhdr,
    size_t maxsize)
{
	struct msg_collect *c = xcalloc(1, sizeof(*c));

	c->msg = m;
	c->tx = tx;
	c->hdrs = smtp_hdrs_new(maxhdr);
	c->maxsize = maxsize;
	err_clear(&c->err);
	return c;
}

static void
body_write(struct msg_collect *c, const char *p, size_t len, int cont)
{
	c->size += len + (cont ? 0 : 1);
	if (c->maxsize > 0 && c->size > c->maxsize)
		c->toobig = 1;
	if (c->toobig || c->write_error || c->hdr_error)
		return;
	if (queue_tx_write(c->tx, p, len, &c->err) == -1 ||
	    (!cont && queue_tx_write(c->tx, "\n", 1, &c->err) == -1))
		c->write_error = 1;
}

int
msg_collect_line(void *arg, const char *line, size_t len, int flags)
{
	struct msg_collect *c = arg;
	const char *bl;
	size_t bllen;
	int blank, r;

	if (c->in_body) {
		/* a last line without its newline is kept without one */
		body_write(c, line, len, flags & (SMTP_LINE_CONT |
		    SMTP_LINE_NO_EOL));
		return 0;
	}
	if (c->hdr_error)
		return 0;
	r = smtp_hdrs_line(c->hdrs, line, len, flags, &blank);
	if (r == 0)
		return 0;
	if (r < 0) {
		c->hdr_error = 1;
		return 0;
	}
	c->in_body = 1;
	if (blank) {
		c->size++;
		return 0;
	}
	bl = smtp_hdrs_body_line(c->hdrs, &bllen);
	if (bl != NULL)
		body_write(c, bl, bllen, 0);
	return 0;
}

enum msg_collect_status
msg_collect_end(struct msg_collect *c, const char **why)
{
	const struct smtp_hdr *h;
	const char *uf;
	size_t i;

	for (i = 0; (h = smtp_hdrs_get(c->hdrs, i)) != NULL; i++) {
		msg_hdr_add(c->msg, h->name, strlen(h->name), h->value,
		    strlen(h->value));
		c->size += h->rawlen;
	}
	if ((uf = smtp_hdrs_ufrom(c->hdrs)) != NULL)
		c->size += strlen(uf) + 1;	/* eaten, but counted */
	c->msg->size = c->size;
	if (c->toobig)
		return MSG_COLLECT_TOOBIG;
	if (c->hdr_error) {
		*why = smtp_hdrs_error(c->hdrs);
		return MSG_COLLECT_HDRERR;
	}
	if (c->write_error) {
		*why = c->err.msg;
		return MSG_COLLECT_IOERR;
	}
	return MSG_COLLECT_OK;
}

size_t
msg_collect_size(const struct msg_collect *c)
{
	return c->size;
}

void
msg_collect_free(struct msg_collect *c)
{
	if (c == NULL)
		return;
	smtp_hdrs_free(c->hdrs);
	free(c);
}
