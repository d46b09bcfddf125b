/*
 * cf_header.c -- what sendmail knows about header names: the flags of
 * the well-known headers (originator, recipient, trace, resent ...),
 * merged with the cf's H lines, as -bt's /header shows them.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"

#define H_EOH		0x00000001
#define H_RCPT		0x00000002
#define H_RESENT	0x00000008
#define H_ACHECK	0x00000020
#define H_FORCE		0x00000040
#define H_TRACE		0x00000080
#define H_FROM		0x00000100
#define H_RECEIPTTO	0x00000400
#define H_ERRORSTO	0x00000800
#define H_CTE		0x00001000
#define H_CTYPE		0x00002000
#define H_BCC		0x00004000
#define H_ENCODABLE	0x00008000
#define H_BINDLATE	0x00020000
#define H_USER		0x00040000

static const struct {
	const char	*name;
	unsigned long	 flags;
} hdrinfo[] = {
	{ "resent-sender", H_FROM | H_RESENT },
	{ "resent-from", H_FROM | H_RESENT },
	{ "resent-reply-to", H_FROM | H_RESENT },
	{ "sender", H_FROM },
	{ "from", H_FROM },
	{ "reply-to", H_FROM },
	{ "errors-to", H_FROM | H_ERRORSTO },
	{ "full-name", H_ACHECK },
	{ "return-receipt-to", H_RECEIPTTO },
	{ "delivery-receipt-to", H_RECEIPTTO },
	{ "disposition-notification-to", H_FROM },
	{ "to", H_RCPT },
	{ "resent-to", H_RCPT | H_RESENT },
	{ "cc", H_RCPT },
	{ "resent-cc", H_RCPT | H_RESENT },
	{ "bcc", H_RCPT | H_BCC },
	{ "resent-bcc", H_RCPT | H_BCC | H_RESENT },
	{ "apparently-to", H_RCPT },
	{ "message-id", 0 },
	{ "resent-message-id", H_RESENT },
	{ "message", H_EOH },
	{ "text", H_EOH },
	{ "date", 0 },
	{ "resent-date", H_RESENT },
	{ "received", H_TRACE | H_FORCE },
	{ "x400-received", H_TRACE | H_FORCE },
	{ "via", H_TRACE | H_FORCE },
	{ "mail-from", H_TRACE | H_FORCE },
	{ "comments", H_FORCE | H_ENCODABLE },
	{ "return-path", H_FORCE | H_ACHECK | H_BINDLATE },
	{ "content-transfer-encoding", H_CTE },
	{ "content-type", H_CTYPE },
	{ "content-length", H_ACHECK },
	{ "subject", H_ENCODABLE },
	{ "x-authentication-warning", H_FORCE },
	{ NULL, 0 }
};

unsigned long
cf_header_flags(const char *name)
{
	int i;

	for (i = 0; hdrinfo[i].name != NULL; i++)
		if (str_casecmp(hdrinfo[i].name, name) == 0)
			return hdrinfo[i].flags;
	return 0;
}

/* /header "Name: value": the flags a user-supplied header gets */
void
cf_bt_header(struct cf *cf, const char *p, FILE *out)
{
	char name[256];
	const char *colon;
	size_t n;

	colon = strchr(p, ':');
	n = colon ? (size_t)(colon - p) : 0;
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (colon == NULL || n == 0 || n >= sizeof(name)) {
		cf_syserr(cf, "553 5.3.0 header syntax error, line \"%s\"", p);
		(void)fprintf(out, "ul = %08lx\n", 0UL);
		return;
	}
	memcpy(name, p, n);
	name[n] = '\0';
	/* printf's "%#0.8lx": 0x and eight digits */
	(void)fprintf(out, "ul = 0x%08lx\n", cf_header_flags(name) | H_USER);
}

/* The cf's H line i: 0, or -1 past the last one. */
int
cf_header_default(struct cf *cf, size_t i, struct cf_hline *out)
{
	const struct cf_header *h;

	if (i >= cf->headers.n)
		return -1;
	h = cf->headers.v[i];
	out->name = h->name;
	out->value = h->value;
	out->flags = h->flags;
	out->macro = h->macro;
	/* "HName: $>ruleset" (or $>+ruleset) checks a header, adds none */
	out->check = NULL;
	out->check_raw = 0;
	if ((unsigned char)h->value[0] == META_CALLSUBR) {
		out->check = h->value + 1;
		if (*out->check == '+') {
			out->check++;
			out->check_raw = 1;
		}
	}
	return 0;
}

/* The class a Precedence: value stands for (P lines), 0 if unknown. */
long
cf_precedence(struct cf *cf, const char *value)
{
	size_t i;

	for (i = 0; i < cf->prec_names.n; i++)
		if (str_casecmp(cf->prec_names.v[i], value) == 0)
			return cf->prec_vals[i];
	return 0;
}
