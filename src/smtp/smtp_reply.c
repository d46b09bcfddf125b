/*
 * smtp_reply.c -- replies both ways: wording a (multi-line) reply with
 * its enhanced status code for the server, parsing a server's reply
 * line for the client, and the client's dot-stuffing of message lines.
 */
#include <string.h>

#include "smtp.h"

int
smtp_reply_format(struct buf *out, int code, const char *enh,
    const char *text)
{
	size_t start = out->len, tlen = strlen(text);
	const char *p = text, *end = text + tlen, *nl, *q, *cr;
	int last;

	if (code < 200 || code > 599)
		return -1;
	if (tlen > 0 && end[-1] == '\n')
		end--;		/* "text\n" is one line, not two */
	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		last = nl == NULL;
		if (last)
			nl = end;
		if (buf_printf(out, "%d%c", code, last ? ' ' : '-') == -1 ||
		    (enh != NULL && buf_adds(out, enh) == -1) ||
		    (enh != NULL && nl > p && buf_addc(out, ' ') == -1))
			goto full;
		/* the line without any CR in it */
		for (q = p; (cr = memchr(q, '\r', (size_t)(nl - q))) != NULL;
		    q = cr + 1)
			if (buf_add(out, q, (size_t)(cr - q)) == -1)
				goto full;
		if (buf_add(out, q, (size_t)(nl - q)) == -1 ||
		    buf_add(out, "\r\n", 2) == -1)
			goto full;
		if (last)
			return 0;
		p = nl + 1;
	}
full:
	buf_truncate(out, start);
	return -1;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Length of an enhanced status code of class cls at s (max len), or 0. */
static size_t
enh_len(const char *s, size_t len, char cls)
{
	size_t i = 0, n;
	int part;

	if (len < 5 || s[0] != cls || s[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; i < len && is_digit((unsigned char)s[i]) && n < 4;
		    i++, n++)
			continue;
		if (n == 0 || n > 3)
			return 0;
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && s[i] != ' ')
		return 0;
	return i;
}

int
smtp_reply_line_parse(const char *line, size_t len,
    struct smtp_reply_line *out)
{
	const char *t;
	size_t tlen, e;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < 3 || memchr(line, '\0', len) != NULL)
		return -1;
	if (line[0] < '2' || line[0] > '5' ||
	    !is_digit((unsigned char)line[1]) ||
	    !is_digit((unsigned char)line[2]))
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	out->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
	    (line[2] - '0');
	out->more = len > 3 && line[3] == '-';
	out->enh[0] = '\0';
	t = len > 3 ? line + 4 : line + len;
	tlen = (size_t)(line + len - t);
	if ((e = enh_len(t, tlen, line[0])) > 0) {
		memcpy(out->enh, t, e);
		out->enh[e] = '\0';
		t += e;
		tlen -= e;
		if (tlen > 0) {		/* the space after it */
			t++;
			tlen--;
		}
	}
	out->text = t;
	out->textlen = tlen;
	return 0;
}

int
smtp_dot_stuff_line(struct buf *out, const char *line, size_t len)
{
	const char *p = line, *end = line + len, *cr, *lf, *e;
	size_t start = out->len;

	for (;;) {
		cr = memchr(p, '\r', (size_t)(end - p));
		lf = memchr(p, '\n', (size_t)(end - p));
		e = cr != NULL && (lf == NULL || cr < lf) ? cr : lf;
		if (e == NULL)
			e = end;
		if (e > p && *p == '.' && buf_addc(out, '.') == -1)
			goto full;
		if (buf_add(out, p, (size_t)(e - p)) == -1 ||
		    buf_add(out, "\r\n", 2) == -1)
			goto full;
		if (e == end)
			return 0;
		/* an embedded CR, LF or CRLF: a line break like any other */
		p = e + (*e == '\r' && e + 1 < end && e[1] == '\n' ? 2 : 1);
		if (p == end)
			return 0;	/* it ended the line anyway */
	}
full:
	buf_truncate(out, start);
	return -1;
}
