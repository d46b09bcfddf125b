/*
 * smtp_param.c -- ESMTP parameters after the MAIL/RCPT address: split
 * "K=V K2" in place, the esmtp-keyword check, RFC 3461 xtext (ORCPT,
 * ENVID, AUTH=) both ways, and the NOTIFY list.
 */
#include <string.h>

#include "smtp.h"
#include "lib/str.h"

int
smtp_params_split(char *s, struct smtp_param *out, size_t max, size_t *n)
{
	char *p = s, *eq;

	*n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		if (*n == max)
			return -1;
		out[*n].key = p;
		out[*n].value = NULL;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
		if ((eq = strchr(out[*n].key, '=')) != NULL) {
			*eq = '\0';
			out[*n].value = eq + 1;
		}
		(*n)++;
	}
}

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

int
smtp_param_key_ok(const char *key)
{
	if (!is_alnum((unsigned char)*key))
		return 0;
	for (key++; *key != '\0'; key++)
		if (!is_alnum((unsigned char)*key) && *key != '-')
			return 0;
	return 1;
}

/* value of an upper-case hex digit, -1 for anything else */
static int
xdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
smtp_xtext_decode(char *s)
{
	const unsigned char *r = (const unsigned char *)s;
	char *w = s;
	int hi, lo;

	for (; *r != '\0'; r++) {
		if (*r < 33 || *r > 126 || *r == '=')
			return -1;
		if (*r != '+') {
			*w++ = (char)*r;
			continue;
		}
		if ((hi = xdigit(r[1])) < 0 || (lo = xdigit(r[2])) < 0)
			return -1;
		if (hi == 0 && lo == 0)
			return -1;
		*w++ = (char)(hi << 4 | lo);
		r += 2;
	}
	*w = '\0';
	return 0;
}

int
smtp_xtext_encode(const char *s, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *run = p;
	char enc[3];

	for (; *p != '\0'; p++) {
		if (*p >= 33 && *p <= 126 && *p != '+' && *p != '=')
			continue;
		if (buf_add(out, run, (size_t)(p - run)) == -1)
			return -1;
		enc[0] = '+';
		enc[1] = hex[*p >> 4];
		enc[2] = hex[*p & 0xf];
		if (buf_add(out, enc, 3) == -1)
			return -1;
		run = p + 1;
	}
	return buf_add(out, run, (size_t)(p - run));
}

int
smtp_notify_parse(const char *s, unsigned *bits)
{
	static const struct {
		const char	*word;
		unsigned	 bit;
	} words[] = {
		{ "SUCCESS", SMTP_NOTIFY_SUCCESS },
		{ "FAILURE", SMTP_NOTIFY_FAILURE },
		{ "DELAY", SMTP_NOTIFY_DELAY },
		{ "NEVER", SMTP_NOTIFY_NEVER },
	};
	const char *p = s, *e;
	unsigned b = 0;
	size_t i, len;

	for (;;) {
		e = strchr(p, ',');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i].word) == len &&
			    str_ncasecmp(p, words[i].word, len) == 0)
				break;
		if (i == sizeof(words) / sizeof(words[0]))
			return -1;
		b |= words[i].bit;
		if (e == NULL)
			break;
		p = e + 1;
	}
	if ((b & SMTP_NOTIFY_NEVER) && b != SMTP_NOTIFY_NEVER)
		return -1;
	*bits = b;
	return 0;
}
