/*
 * msg_header.c -- the header list as sendmail builds it: the cf's H
 * lines come first as defaults, a header of the message with the same
 * name replaces a default (trace headers never do), and at the end of
 * the headers the remaining defaults are expanded with the macros of
 * the moment (Return-Path is left for delivery) or dropped when empty.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static unsigned long
hdr_flags(const char *name)
{
	unsigned long cff = cf_header_flags(name), f = 0;

	if (cff & CF_H_RCPT)
		f |= MSG_H_RCPT;
	if (cff & CF_H_BCC)
		f |= MSG_H_BCC;
	if (cff & CF_H_RESENT)
		f |= MSG_H_RESENT;
	if (cff & (CF_H_FORCE | CF_H_TRACE))
		f |= MSG_H_FORCE;
	if (cff & CF_H_BINDLATE)
		f |= MSG_H_BINDLATE;
	return f;
}

void
msg_hdrs_defaults(struct msg *m, struct cf *cf)
{
	struct cf_hline hl;
	struct msg_hdr *h;
	size_t i;

	for (i = 0; cf_header_default(cf, i, &hl) == 0; i++) {
		if (hl.check != NULL)
			continue;	/* a header check, not a header */
		h = xcalloc(1, sizeof(*h));
		h->name = xstrdup(hl.name);
		h->value = xmalloc(strlen(hl.value) + 2);
		h->value[0] = ' ';
		memcpy(h->value + 1, hl.value, strlen(hl.value) + 1);
		if (hl.flags != NULL)
			h->cond = xstrdup(hl.flags);
		else if (hl.macro != NULL) {
			h->cond = xmalloc(strlen(hl.macro) + 2);
			h->cond[0] = (char)0201;	/* $ as a metasymbol */
			memcpy(h->cond + 1, hl.macro, strlen(hl.macro) + 1);
		} else
			h->cond = xstrdup("");
		h->flags = hdr_flags(hl.name);
		h->deflt = 1;
		ptrarr_push(&m->hdrs, h);
	}
}

void
msg_hdr_add(struct msg *m, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	struct msg_hdr *h = xcalloc(1, sizeof(*h)), *d;
	size_t i;

	h->name = xstrndup(name, namelen);
	h->value = xstrndup(value, valuelen);
	h->cond = xstrdup("");
	h->flags = hdr_flags(h->name);
	m->hdrbytes += namelen + 1 + valuelen + 1;
	if (h->flags & MSG_H_RESENT)
		m->resent = 1;
	if ((h->flags & MSG_H_RCPT) && !(h->flags & MSG_H_BCC))
		m->has_rcpt_hdr = 1;
	if (!(h->flags & MSG_H_FORCE))
		for (i = 0; i < m->hdrs.n; i++) {
			d = m->hdrs.v[i];
			if (d->deflt && !d->deleted &&
			    str_casecmp(d->name, h->name) == 0)
				d->deleted = 1;
		}
	ptrarr_push(&m->hdrs, h);
}

static int
blank(const char *s)
{
	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

void
msg_hdrs_finish(struct msg *m, struct cf *cf)
{
	struct buf ex;
	struct msg_hdr *h;
	const char *prec;
	size_t i;

	buf_init(&ex, 0);
	for (i = 0; i < m->hdrs.n; i++) {
		h = m->hdrs.v[i];
		if (!h->deflt || h->deleted)
			continue;
		if ((h->flags & MSG_H_RESENT) && !m->resent) {
			h->deleted = 1;
			continue;
		}
		if (h->flags & MSG_H_BINDLATE)
			continue;
		cf_macro_expand(cf, h->value, &ex);
		if (blank(buf_cstr(&ex))) {
			h->deleted = 1;
			continue;
		}
		free(h->value);
		h->value = xstrdup(buf_cstr(&ex));
	}
	buf_free(&ex);
	if (m->has_rcpt_hdr)
		m->eflags |= QF_F_DELBCC;
	if ((prec = msg_hdr_value(m, "Precedence")) != NULL) {
		char *p = xstrdup(str_skip_ws(prec));

		str_rtrim(p);
		m->class = cf_precedence(cf, p);
		free(p);
	}
}

const char *
msg_hdr_value(const struct msg *m, const char *name)
{
	const struct msg_hdr *h;
	size_t i;

	for (i = 0; i < m->hdrs.n; i++) {
		h = m->hdrs.v[i];
		if (!h->deleted && str_casecmp(h->name, name) == 0)
			return h->value;
	}
	return NULL;
}
