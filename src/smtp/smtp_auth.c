/*
 * smtp_auth.c -- the SASL pieces of SMTP AUTH (RFC 4954) both sides
 * share, without I/O: the AUTH command's argument split into mechanism
 * and initial response, and one base64 line (a client's response, or a
 * server's 334 challenge) decoded with its limit, "*" and "=" told apart.
 */
#include <ctype.h>
#include <string.h>

#include "smtp.h"
#include "lib/base64.h"

int
smtp_auth_split(char *arg, char **mech_out, char **initial_out)
{
	char *p = arg, *q;

	*mech_out = *initial_out = NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return -1;
	*mech_out = p;
	q = p + strcspn(p, " \t");
	if (*q == '\0')
		return 0;
	*q++ = '\0';
	while (*q == ' ' || *q == '\t')
		q++;
	p = q + strcspn(q, " \t");
	*p = '\0';		/* trailing blanks are not the response's */
	if (*q != '\0')
		*initial_out = q;
	return 0;
}

enum smtp_sasl_resp
smtp_sasl_decode(const char *line, size_t len, int initial, size_t max,
    struct buf *out)
{
	size_t start = out->len;

	if (len == 1 && line[0] == '*' && !initial)
		return SMTP_SASL_CANCEL;
	/* the initial response "=" is an empty one (RFC 4954 4.) */
	if (len == 1 && line[0] == '=' && initial)
		return SMTP_SASL_DATA;
	if (len / 4 * 3 > max || memchr(line, '\0', len) != NULL)
		return SMTP_SASL_BAD;
	if (base64_decode(line, len, out) == -1) {
		buf_truncate(out, start);
		return SMTP_SASL_BAD;
	}
	return SMTP_SASL_DATA;
}
