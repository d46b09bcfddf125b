/*
 * smtpd_expand.c -- recipients expanded while they are received, as
 * sendmail 8.17 does it in interactive delivery mode (-odi; in the other
 * modes its server only checks them): each accepted RCPT goes through
 * the queue run's expansion at once (aliases, .forward, :include:), a
 * member found unknown makes the RCPT's reply a 550 with its words
 * while the other members stay, and the qf gets what is left to deliver
 * in the place of the addresses given (qrun_sub_*).  Owns the session's
 * expansion and the stream its refusals are said on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd_int.h"
#include "lib/xalloc.h"
#include "qrun/qrun.h"

char *
smtpd_expand_rcpt(struct session *s, const char *text, unsigned flags,
    const char *final, const char *orcpt, char **shown_out)
{
	const char *known;
	char *line, *nl;
	size_t n;

	*shown_out = NULL;
	if (s->ctx->delivery_mode != 'i')
		return NULL;
	/* a duplicate is answered with the address it duplicates */
	if (s->sub != NULL && (known = qrun_sub_known(s->sub, text)) != NULL)
		*shown_out = xstrdup(known);
	if (s->sub == NULL) {
		s->said = open_memstream(&s->saidbuf, &s->saidlen);
		if (s->said == NULL)
			return NULL;
		s->saidoff = 0;
		s->sub = qrun_sub_new(s->cf, s->id, s->mail_from != NULL ?
		    s->mail_from : "", s->said);
		qrun_sub_smtp(s->sub);
	}
	n = qrun_sub_add(s->sub, text, flags, final, orcpt);
	(void)fflush(s->said);
	if (n == 0 || s->saidoff >= s->saidlen)
		return NULL;
	/* the first refusal of this RCPT answers it */
	line = xstrndup(s->saidbuf + s->saidoff, s->saidlen - s->saidoff);
	s->saidoff = s->saidlen;
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	free(s->msg.message);		/* the last refusal's words */
	s->msg.message = xstrdup(line);
	return line;
}

static void
add_leaf(void *arg, const struct qrun_leaf *l)
{
	struct msg *m = arg;
	struct msg_rcpt *mr;

	mr = msg_add_rcpt(m, l->addr, l->final, l->mailer, l->host, l->user);
	if (mr == NULL)
		return;
	mr->flags = l->flags;
	mr->ctl = l->ctl != NULL ? xstrdup(l->ctl) : NULL;
	mr->orcpt = l->orcpt != NULL ? xstrdup(l->orcpt) : NULL;
}

void
smtpd_expand_take(struct session *s)
{
	struct msg leaves;
	struct ptrarr tmp;

	if (s->sub == NULL)
		return;
	msg_init(&leaves);
	(void)qrun_sub_leaves(s->sub, add_leaf, &leaves);
	tmp = s->msg.rcpts;
	s->msg.rcpts = leaves.rcpts;
	leaves.rcpts = tmp;
	msg_free(&leaves);
}

void
smtpd_expand_free(struct session *s)
{
	qrun_sub_free(s->sub);
	s->sub = NULL;
	if (s->said != NULL)
		(void)fclose(s->said);
	s->said = NULL;
	free(s->saidbuf);
	s->saidbuf = NULL;
	s->saidlen = s->saidoff = 0;
}
