/*
 * fuzz_sasl_resp.c -- arbitrary bytes as the lines of an SMTP AUTH
 * exchange: each LF-ended line (CR dropped) goes through
 * smtp_auth_split() as an AUTH command's argument and through
 * smtp_sasl_decode() as a client response and as an initial one, with a
 * small limit; decoded bytes must survive encoding and decoding again
 * (the line itself may have had non-zero padding bits), and the limit
 * must hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/xalloc.h"
#include "smtp/smtp.h"

#define LIMIT	64

static void
decode(const char *line, size_t len, int initial)
{
	struct buf out, again, back;
	enum smtp_sasl_resp r;

	buf_init(&out, 0);
	r = smtp_sasl_decode(line, len, initial, LIMIT, &out);
	if (r != SMTP_SASL_DATA && out.len != 0)
		abort();
	if (r == SMTP_SASL_CANCEL && (initial || len != 1 || line[0] != '*'))
		abort();
	if (r == SMTP_SASL_DATA) {
		if (out.len > LIMIT)
			abort();
		buf_init(&again, 0);
		buf_init(&back, 0);
		if (base64_encode(out.data, out.len, &again) != 0 ||
		    base64_decode(again.data, again.len, &back) != 0 ||
		    back.len != out.len || (out.len > 0 &&
		    memcmp(back.data, out.data, out.len) != 0))
			abort();
		/* the encoding is never longer than the line */
		if (!(initial && len == 1 && line[0] == '=') && again.len != len)
			abort();
		buf_free(&again);
		buf_free(&back);
	}
	buf_free(&out);
}

static void
one_line(const char *p, size_t len)
{
	char *line = xmalloc(len + 1), *mech, *init;

	memcpy(line, p, len);
	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	decode(line, len, 0);
	decode(line, len, 1);
	if (smtp_auth_split(line, &mech, &init) == 0) {
		if (mech == NULL || *mech == '\0' || strchr(mech, ' ') != NULL)
			abort();
		if (init != NULL)
			decode(init, strlen(init), 1);
	}
	free(line);
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
