/*
 * deliver_8to7.c -- what the SMTP mailer does with an 8-bit message for
 * a peer without 8BITMIME, from the queue file and the cf: EightBitMode,
 * DefaultCharSet, the mailer's F=8/E/3, the qf's F8 and B lines and its
 * MIME-Version and Content-Type headers.  Fills the client's BODY=,
 * body_8bit and a reader of the message converted to 7 bits, made on
 * first use (mime8to7.c) from the message the mailer renders.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "deliver.h"
#include "deliver/smtpc.h"
#include "lib/log.h"
#include "lib/str.h"

static const char *
qf_header(const struct qf *qf, const char *name)
{
	size_t i;

	for (i = 0; i < qf->nheaders; i++)
		if (str_casecmp(qf->headers[i].name, name) == 0)
			return qf->headers[i].value;
	return NULL;
}

static int
cf_class(void *arg, int cls, const char *word)
{
	char name[2] = { (char)cls, '\0' };

	return cf_class_member(arg, name, word) > 0;
}

/* MaxMimeHeaderLength "N/M" (or "N"): whether sendmail walks a message
 * it sends as it is; its default (unset) is 2048/1024. */
static int
mime_checks(const char *v)
{
	const char *slash;

	if (v == NULL || *v == '\0')
		return 1;
	if (atoi(v) > 0)
		return 1;
	slash = strchr(v, '/');
	return slash != NULL && atoi(slash + 1) > 0;
}

static ssize_t
read_out(void *arg, char *p, size_t n)
{
	struct dlv_8to7_out *w = arg;
	struct dlv_8to7 *s = w->s;
	struct mime87_opts o = s->o;
	unsigned diag = 0;

	if (!w->done) {
		w->done = 1;
		o.flags |= w->flags;
		if (mime87_convert(s->src->data != NULL ? s->src->data : "",
		    s->src->len, &o, &w->data, &diag) == -1) {
			errno = ENOMEM;
			return -1;
		}
		if (diag & MIME87_D_NOBOUNDARY)
			log_msg(LOG_NOTICE, s->o.qid, "mime8to7: multipart "
			    "without a boundary, \"---\" used");
		if (diag & MIME87_D_LONGBOUNDARY)
			log_msg(LOG_NOTICE, s->o.qid, "mime8to7: multipart "
			    "boundary too long");
		if (diag & MIME87_D_TOODEEP)
			log_msg(LOG_NOTICE, s->o.qid, "mime8to7: nesting "
			    "deeper than %d", MIME87_DEPTH);
		if (diag & MIME87_D_EMPTYPARAM)
			log_msg(LOG_NOTICE, s->o.qid, "mime8to7: Empty "
			    "parameter in Content-Type header");
	}
	if (n > w->data.len - w->off)
		n = w->data.len - w->off;
	memcpy(p, w->data.data + w->off, n);
	w->off += n;
	return (ssize_t)n;
}

void
dlv_8to7_setup(struct dlv_8to7 *s, const struct dlv_msg *dm,
    const struct cf_mailer_info *m, const struct buf *msg,
    struct smtpc_params *p)
{
	const struct qf *qf = dm->qf;
	int mode = mime87_mode(cf_option_value(dm->cf, "EightBitMode"));

	memset(s, 0, sizeof(*s));
	buf_init(&s->walk.data, 0);
	buf_init(&s->conv.data, 0);
	s->walk.s = s->conv.s = s;
	s->walk.flags = MIME87_F_WALK;
	s->src = msg;
	s->d.mode = mode < 0 ? (unsigned)mime87_mode(NULL) : (unsigned)mode;
	s->d.has8bit = (qf->flags & QF_F_8BIT) != 0;
	s->d.mailer_8bit = m->flags['8'] != 0;
	s->d.body_type = qf->bodytype;
	s->d.kind = mime87_kind(qf_header(qf, "MIME-Version") != NULL,
	    qf_header(qf, "Content-Type"), qf->bodytype);
	s->o.host = cf_macro_value(dm->cf, "j");
	s->o.qid = dm->id;
	s->o.charset = cf_option_value(dm->cf, "DefaultCharSet");
	s->o.flags = (m->flags['E'] ? MIME87_F_ESCFROM : 0) |
	    (m->flags['3'] ? MIME87_F_EBCDIC : 0);
	s->o.in_class = cf_class;
	s->o.class_arg = dm->cf;
	p->body_type = mime87_body_param(&s->d);
	/* sent as it is: multiparts walked and, for mime8, 8-bit text
	 * marked as MIME */
	if (s->d.has8bit && (s->d.mode & MIME87_M_MIME8BIT) &&
	    !s->d.mailer_8bit && !(s->d.kind & MIME87_DONT_MIME))
		s->walk.flags |= MIME87_F_MARK8BIT;
	if (mime_checks(cf_option_value(dm->cf, "MaxMimeHeaderLength")) ||
	    (s->walk.flags & MIME87_F_MARK8BIT)) {
		p->msg_read = read_out;
		p->msg_arg = &s->walk;
	}
	switch (mime87_decide(&s->d)) {
	case MIME87_SEND:
		p->body_8bit = 0;
		break;
	case MIME87_CONVERT:
		p->body_8bit = 1;
		p->msg7_read = read_out;
		p->msg7_arg = &s->conv;
		break;
	case MIME87_REFUSE:
		p->body_8bit = 1;
		break;
	}
}

void
dlv_8to7_free(struct dlv_8to7 *s)
{
	if (s != NULL) {
		buf_free(&s->walk.data);
		buf_free(&s->conv.data);
	}
}
