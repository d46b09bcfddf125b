/*
 * fuzz_smtp_reply.c -- arbitrary bytes as a server's reply lines for the
 * client: each LF-ended line goes through smtp_reply_line_parse(); a
 * line that parses is worded again with smtp_reply_format() and must
 * parse back to the same code, continuation flag and enhanced code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp.h"
#include "lib/xalloc.h"

static void
one_line(const char *p, size_t len)
{
	struct smtp_reply_line r, r2;
	struct buf out;
	char *text, *crlf;

	if (smtp_reply_line_parse(p, len, &r) != 0)
		return;
	if (r.code < 200 || r.code > 599 || r.text < p ||
	    r.text + r.textlen > p + len || strlen(r.enh) >= sizeof(r.enh))
		abort();
	/* no '\n' in text (the line ended there); NUL was refused */
	text = xstrndup(r.text, r.textlen);
	buf_init(&out, 0);
	if (smtp_reply_format(&out, r.code, r.enh[0] ? r.enh : NULL,
	    text) != 0)
		abort();
	crlf = strstr(out.data, "\r\n");
	if (crlf == NULL || crlf[2] != '\0' ||
	    smtp_reply_line_parse(out.data, (size_t)(crlf - out.data),
	    &r2) != 0)
		abort();
	if (r2.code != r.code || r2.more != 0 ||
	    (r.enh[0] != '\0' && strcmp(r2.enh, r.enh) != 0))
		abort();
	free(text);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		one_line(p, (size_t)((nl != NULL ? nl : end) - p));
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}
