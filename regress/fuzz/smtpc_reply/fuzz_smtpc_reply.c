/*
 * fuzz_smtpc_reply.c -- arbitrary bytes as what a hostile server sends
 * the SMTP client: each LF-ended line goes to the reply assembler
 * (smtpc_reply_feed); every complete reply must hold a valid code, a
 * first line within the limit and without control bytes, and its EHLO
 * keywords must parse.  The same bytes then go through the message
 * body writer, whose output must end in CRLF.CRLF and hold no bare CR
 * or LF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/smtpc.h"

static void
check_reply(const struct smtpc_reply *r)
{
	struct smtpc_ext ext;
	size_t i;

	if (r->code < 200 || r->code > 599 || r->first.len > SMTPC_LINE_MAX ||
	    r->textoff > r->first.len || strlen(r->enh) >= sizeof(r->enh) ||
	    r->nlines > SMTPC_REPLY_LINES)
		abort();
	for (i = 0; i < r->first.len; i++)
		if ((unsigned char)r->first.data[i] < 0x20 ||
		    r->first.data[i] == 0x7f)
			abort();
	for (i = 0; i < r->lines.len; i++)
		if (((unsigned char)r->lines.data[i] < 0x20 &&
		    r->lines.data[i] != '\n') || r->lines.data[i] == 0x7f)
			abort();
	smtpc_ehlo_parse(r, &ext);
}

static void
replies(const char *p, size_t size)
{
	const char *end = p + size, *nl;
	struct smtpc_reply r;

	smtpc_reply_init(&r);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		switch (smtpc_reply_feed(&r, p, (size_t)((nl != NULL ? nl :
		    end) - p))) {
		case SMTPC_REPLY_DONE:
			check_reply(&r);
			break;
		case SMTPC_REPLY_ERROR:
			if (r.why == NULL)
				abort();
			smtpc_reply_reset(&r);
			break;
		case SMTPC_REPLY_MORE:
			break;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	smtpc_reply_free(&r);
}

static void
body(const char *p, size_t size)
{
	struct smtpc_body b;
	struct buf out;
	size_t i, limit = size > 0 ? (unsigned char)p[0] : 0;

	buf_init(&out, 0);
	smtpc_body_init(&b, limit);
	/* in two pieces, so state crosses a feed */
	if (smtpc_body_feed(&b, p, size / 2, &out) != 0 ||
	    smtpc_body_feed(&b, p + size / 2, size - size / 2, &out) != 0 ||
	    smtpc_body_finish(&b, &out) != 0)
		abort();
	if (out.len < 3 || memcmp(out.data + out.len - 3, ".\r\n", 3) != 0)
		abort();
	for (i = 0; i < out.len; i++) {
		if (out.data[i] == '\r' &&
		    (i + 1 == out.len || out.data[i + 1] != '\n'))
			abort();
		if (out.data[i] == '\n' && (i == 0 || out.data[i - 1] != '\r'))
			abort();
	}
	smtpc_body_free(&b);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	replies((const char *)data, size);
	body((const char *)data, size);
	return 0;
}
