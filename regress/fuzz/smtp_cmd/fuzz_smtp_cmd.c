/*
 * fuzz_smtp_cmd.c -- arbitrary bytes as an SMTP client's command lines:
 * each LF-ended line goes through smtp_cmd_parse(); MAIL and RCPT
 * arguments through smtp_skip_keyword() and smtp_params_split(), and
 * every parameter value through xtext decoding (a decoded value must
 * encode and decode back to itself) and NOTIFY parsing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp.h"
#include "lib/xalloc.h"

static void
check_value(const char *v)
{
	char *copy = xstrdup(v), *again;
	struct buf enc;
	unsigned bits;

	(void)smtp_notify_parse(v, &bits);
	if (smtp_xtext_decode(copy) == 0) {
		buf_init(&enc, 0);
		if (smtp_xtext_encode(copy, &enc) != 0)
			abort();
		again = buf_steal(&enc);
		if (smtp_xtext_decode(again) != 0 || strcmp(again, copy) != 0)
			abort();
		free(again);
	}
	free(copy);
}

static void
one_line(const char *p, size_t len)
{
	char *line = xmalloc(len + 1), *rest, *sp;
	struct smtp_param params[8];
	struct smtp_cmd c;
	size_t n, i;

	memcpy(line, p, len);
	line[len] = '\0';
	smtp_cmd_parse(line, len, &c);
	if (c.word < line || c.word > line + len || c.arg < line ||
	    c.arg > line + len)
		abort();
	(void)smtp_verb_name(c.verb);
	(void)smtp_verb_not_implemented(c.word);
	if (c.verb == SMTP_MAIL || c.verb == SMTP_RCPT) {
		rest = smtp_skip_keyword(c.arg,
		    c.verb == SMTP_MAIL ? "FROM" : "TO");
		if (rest != NULL && (sp = strchr(rest, ' ')) != NULL) {
			(void)smtp_params_split(sp, params, 8, &n);
			if (n > 8)
				abort();
			for (i = 0; i < n; i++) {
				(void)smtp_param_key_ok(params[i].key);
				if (params[i].value != NULL)
					check_value(params[i].value);
			}
		}
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
