/*
 * msg_edit.c -- changes a mail filter makes to the headers of a message
 * received but not yet queued: a header inserted at a position, the
 * n-th header of a name changed or deleted.  Only the message's own
 * headers count for "n-th" (the cf's defaults are not the filter's to
 * see), as sendmail counts them; an insert counts them all.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "lib/str.h"
#include "lib/xalloc.h"

void
msg_hdr_insert(struct msg *m, size_t idx, const char *name,
    const char *value)
{
	const struct msg_hdr *o;
	size_t i, seen = 0, at;
	void *h;

	/* the position among the headers that are there (Return-Path,
	 * bound at delivery, is not: sendmail counts so) */
	for (at = 0; at < m->hdrs.n; at++) {
		o = m->hdrs.v[at];
		if (o->deleted || (o->flags & MSG_H_BINDLATE))
			continue;
		if (seen++ == idx)
			break;
	}
	msg_hdr_add(m, name, strlen(name), value, strlen(value));
	if (at >= m->hdrs.n - 1)
		return;
	h = m->hdrs.v[m->hdrs.n - 1];
	for (i = m->hdrs.n - 1; i > at; i--)
		m->hdrs.v[i] = m->hdrs.v[i - 1];
	m->hdrs.v[at] = h;
}

int
msg_hdr_change(struct msg *m, const char *name, size_t idx,
    const char *value, char **old_out)
{
	struct msg_hdr *h;
	size_t i, seen = 0;

	for (i = 0; i < m->hdrs.n; i++) {
		h = m->hdrs.v[i];
		if (h->deflt || h->deleted || str_casecmp(h->name, name) != 0)
			continue;
		if (++seen != idx)
			continue;
		if (old_out != NULL)
			*old_out = xstrdup(h->value);
		if (value == NULL) {
			h->deleted = 1;
			return 1;
		}
		free(h->value);
		h->value = xstrdup(value);
		return 1;
	}
	return 0;
}
