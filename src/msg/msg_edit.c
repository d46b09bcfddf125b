/*
 * msg_edit.c -- changes a mail filter makes to the headers of a message
 * received but not yet queued: a header inserted at a position, the
 * n-th header of a name changed or deleted.  Only the message's own
 * headers count for "n-th" (the cf's defaults are not the filter's to
 * see), as sendmail counts them.
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
	void *h;

	msg_hdr_add(m, name, strlen(name), value, strlen(value));
	if (idx >= m->hdrs.n - 1)
		return;
	h = m->hdrs.v[m->hdrs.n - 1];
	memmove(&m->hdrs.v[idx + 1], &m->hdrs.v[idx], (m->hdrs.n - 1 - idx) *
	    sizeof(m->hdrs.v[0]));
	m->hdrs.v[idx] = h;
}

int
msg_hdr_change(struct msg *m, const char *name, size_t idx,
    const char *value)
{
	struct msg_hdr *h;
	size_t i, seen = 0;

	for (i = 0; i < m->hdrs.n; i++) {
		h = m->hdrs.v[i];
		if (h->deflt || h->deleted || str_casecmp(h->name, name) != 0)
			continue;
		if (++seen != idx)
			continue;
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
