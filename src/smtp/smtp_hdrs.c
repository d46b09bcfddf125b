/*
 * smtp_hdrs.c -- the header section at the start of a message, fed the
 * lines the DATA reader gives: a typed array of headers (name, value
 * with continuation lines joined, raw size) in order, the end of the
 * section (blank line or the first line that is no header, which the
 * caller keeps as body, as sendmail does), sendmail's UNIX "From " line
 * and the MaxHeadersLength limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"
#include "lib/xalloc.h"

enum hdrs_state {
	HS_FIRST,	/* nothing seen */
	HS_HEADERS,
	HS_DONE,	/* the section ended */
	HS_ERROR
};

enum line_kind {
	LK_UNDECIDED,	/* need more of the line to tell */
	LK_BLANK,
	LK_BODY,
	LK_UFROM,
	LK_HEADER,
	LK_CONT
};

struct smtp_hdrs {
	size_t		 maxbytes;
	size_t		 total;		/* header bytes so far */
	enum hdrs_state	 state;
	struct buf	 pend;		/* the line being put together */
	struct smtp_hdr	*v;
	size_t		 n, cap;
	struct buf	 val;		/* the last header's value */
	char		*ufrom;
	char		 err[64];
};

struct smtp_hdrs *
smtp_hdrs_new(size_t maxbytes)
{
	struct smtp_hdrs *h = xcalloc(1, sizeof(*h));

	h->maxbytes = maxbytes;
	buf_init(&h->pend, 0);
	buf_init(&h->val, 0);
	return h;
}

/* What the line in pend is, as far as it goes; complete: it is whole. */
static enum line_kind
classify(struct smtp_hdrs *h, int complete)
{
	const unsigned char *s = (const unsigned char *)h->pend.data;
	size_t len = h->pend.len, i, j;

	if (len == 0)
		return complete ? LK_BLANK : LK_UNDECIDED;
	if (h->state == HS_FIRST) {
		size_t m = len < 5 ? len : 5;

		if (memcmp(s, "From ", m) == 0) {
			if (m == 5)
				return LK_UFROM;
			if (!complete)
				return LK_UNDECIDED;
		}
	}
	if (s[0] == ' ' || s[0] == '\t')
		return h->n > 0 ? LK_CONT : LK_BODY;
	for (i = 0; i < len && s[i] >= 33 && s[i] <= 126 && s[i] != ':'; i++)
		continue;
	if (i == 0)
		return LK_BODY;
	for (j = i; j < len && (s[j] == ' ' || s[j] == '\t'); j++)
		continue;
	if (j == len)
		return complete ? LK_BODY : LK_UNDECIDED;
	return s[j] == ':' ? LK_HEADER : LK_BODY;
}

/* Appends s/len to b without its NUL bytes (sendmail drops them). */
static void
add_no_nul(struct buf *b, const char *s, size_t len)
{
	const char *z, *end = s + len;

	while ((z = memchr(s, '\0', (size_t)(end - s))) != NULL) {
		if (buf_add(b, s, (size_t)(z - s)) == -1)
			fatal("smtp_hdrs: header value too large");
		s = z + 1;
	}
	if (buf_add(b, s, (size_t)(end - s)) == -1)
		fatal("smtp_hdrs: header value too large");
}

/* Gives the value being built to the last header, for good. */
static void
close_value(struct smtp_hdrs *h)
{
	if (h->n > 0 && h->v[h->n - 1].value == h->val.data) {
		h->v[h->n - 1].value = buf_steal(&h->val);
		buf_init(&h->val, 0);
	}
}

static void
new_header(struct smtp_hdrs *h)
{
	const char *s = h->pend.data, *colon;
	struct smtp_hdr *hd;
	struct buf name;
	size_t nlen;

	close_value(h);
	if (h->n == h->cap) {
		h->cap = h->cap ? xmul(h->cap, 2) : 16;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	colon = memchr(s, ':', h->pend.len);	/* classify() found one */
	for (nlen = (size_t)(colon - s); s[nlen - 1] == ' ' ||
	    s[nlen - 1] == '\t'; nlen--)
		continue;
	buf_init(&name, 0);
	add_no_nul(&name, s, nlen);
	buf_reset(&h->val);
	add_no_nul(&h->val, colon + 1,
	    h->pend.len - (size_t)(colon + 1 - s));
	hd = &h->v[h->n++];
	hd->name = buf_steal(&name);
	hd->value = (char *)buf_cstr(&h->val);
	hd->rawlen = h->pend.len + 1;
}

static void
continue_header(struct smtp_hdrs *h)
{
	struct smtp_hdr *hd = &h->v[h->n - 1];

	if (hd->value != h->val.data) {
		/* cannot happen: only the last header is continued */
		fatal("smtp_hdrs: continuation of a closed header");
	}
	add_no_nul(&h->val, "\n", 1);
	add_no_nul(&h->val, h->pend.data, h->pend.len);
	hd->value = (char *)buf_cstr(&h->val);
	hd->rawlen += h->pend.len + 1;
}

static int
too_large(struct smtp_hdrs *h)
{
	h->state = HS_ERROR;
	(void)snprintf(h->err, sizeof(h->err),
	    "552 5.6.0 Headers too large (%zu max)", h->maxbytes);
	return -1;
}

int
smtp_hdrs_line(struct smtp_hdrs *h, const char *line, size_t len,
    int flags, int *is_blank)
{
	int complete = !(flags & SMTP_LINE_CONT);
	enum line_kind k;

	*is_blank = 0;
	if (h->state == HS_DONE)
		return 1;
	if (h->state == HS_ERROR)
		return -1;
	if (buf_add(&h->pend, line, len) == -1)
		return too_large(h);
	k = classify(h, complete);
	if (k == LK_BLANK || k == LK_BODY) {
		close_value(h);
		h->state = HS_DONE;
		*is_blank = k == LK_BLANK;
		return 1;
	}
	/* header bytes, each line counted with its newline */
	if (h->maxbytes > 0 && (h->pend.len >= h->maxbytes ||
	    h->total > h->maxbytes - h->pend.len - 1))
		return too_large(h);
	if (k == LK_UNDECIDED || !complete)
		return 0;
	h->total += h->pend.len + 1;
	switch (k) {
	case LK_UFROM: {
		struct buf u;

		buf_init(&u, 0);
		add_no_nul(&u, h->pend.data, h->pend.len);
		free(h->ufrom);
		h->ufrom = buf_steal(&u);
		break;
	}
	case LK_HEADER:
		new_header(h);
		break;
	case LK_CONT:
		continue_header(h);
		break;
	default:
		break;
	}
	h->state = HS_HEADERS;
	buf_reset(&h->pend);
	return 0;
}

const char *
smtp_hdrs_body_line(struct smtp_hdrs *h, size_t *len)
{
	if (h->state != HS_DONE || h->pend.len == 0) {
		*len = 0;
		return NULL;
	}
	*len = h->pend.len;
	return h->pend.data;
}

const char *
smtp_hdrs_error(struct smtp_hdrs *h)
{
	return h->err;
}

size_t
smtp_hdrs_count(struct smtp_hdrs *h)
{
	return h->n;
}

const struct smtp_hdr *
smtp_hdrs_get(struct smtp_hdrs *h, size_t i)
{
	return i < h->n ? &h->v[i] : NULL;
}

const char *
smtp_hdrs_ufrom(struct smtp_hdrs *h)
{
	return h->ufrom;
}

void
smtp_hdrs_free(struct smtp_hdrs *h)
{
	size_t i;

	if (h == NULL)
		return;
	close_value(h);
	for (i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
	buf_free(&h->pend);
	buf_free(&h->val);
	free(h->ufrom);
	free(h);
}
