/*
 * mime8to7_enc.c -- the two encodings of the 8-to-7-bit conversion, with
 * sendmail's line shapes: quoted-printable (soft breaks past column 72,
 * trailing white space and a lone "." encoded, "From " kept whole for
 * F=E) and base64 (LF sent as CRLF, 72 characters a line).  Each takes
 * the bytes of one body part and appends LF-ended lines to a buffer.
 */
#include <string.h>

#include "deliver/mime8to7.h"

static const char hex[] = "0123456789ABCDEF";
static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* the line being built: never more than 75 columns plus two escapes */
struct qpline {
	char		 s[96];
	size_t		 n;
	struct buf	*out;
	int		 err;
};

static void
qp_put(struct qpline *l, int c)
{
	if (l->n < sizeof(l->s))
		l->s[l->n++] = (char)c;
}

static void
qp_hex(struct qpline *l, unsigned char c)
{
	qp_put(l, '=');
	qp_put(l, hex[c >> 4]);
	qp_put(l, hex[c & 0x0f]);
}

static void
qp_flush(struct qpline *l)
{
	if (buf_add(l->out, l->s, l->n) == -1 || buf_addc(l->out, '\n') == -1)
		l->err = -1;
	l->n = 0;
}

/* Bytes quoted-printable must escape: controls but TAB, DEL and up,
 * '=', and for F=3 the characters EBCDIC gateways mangle. */
static int
qp_must_escape(unsigned char c, unsigned flags)
{
	if ((c < 0x20 && c != '\t') || c >= 0x7f || c == '=')
		return 1;
	return (flags & MIME87_F_EBCDIC) && c != '\0' &&
	    strchr("!\"#$@[\\]^`{|}~", c) != NULL;
}

int
mime87_qp(const char *p, size_t n, int in_multipart, unsigned flags,
    struct buf *out)
{
	struct qpline l = { .n = 0, .out = out, .err = 0 };
	size_t i, col = 0;
	int from = 0, prev = '\n', carry;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '\n') {
			/* white space is held back until we know it is not
			 * at the end of a line, where it must be escaped */
			if (prev == ' ' || prev == '\t')
				qp_hex(&l, (unsigned char)prev);
			if (l.n == 1 && l.s[0] == '.') {
				l.n = 0;
				qp_hex(&l, '.');
			}
			qp_flush(&l);
			col = 0;
			from = 0;
			prev = '\n';
			continue;
		}
		if (prev == ' ' && col == 4 && from == 4 &&
		    (flags & MIME87_F_ESCFROM)) {
			qp_hex(&l, ' ');
			col += 3;
		} else if (prev == ' ' || prev == '\t') {
			qp_put(&l, prev);
			col++;
		}
		if (col > 72 && (col > 75 || c != '.' ||
		    (col > 73 && prev == '.'))) {
			/* a soft break; a '.' that ended the line starts
			 * the next one instead */
			carry = col > 73 && prev == '.';
			if (carry)
				l.n--;
			qp_put(&l, '=');
			qp_flush(&l);
			col = 0;
			from = 0;
			if (carry) {
				qp_put(&l, '.');
				col = 1;
			}
		}
		if (qp_must_escape(c, flags)) {
			qp_hex(&l, c);
			col += 3;
		} else if (c != ' ' && c != '\t') {
			if (col < 4 && c == (unsigned char)"From"[col])
				from++;
			qp_put(&l, c);
			col++;
		}
		prev = c;
	}
	if (prev == ' ' || prev == '\t') {
		qp_hex(&l, (unsigned char)prev);
		col += 3;
	}
	if (col > 0 || in_multipart)
		qp_flush(&l);
	return l.err;
}

/* The next byte of p with every LF sent as CR LF; -1 at the end. */
struct crlf {
	const unsigned char	*p;
	size_t			 n, i;
	int			 lf;
};

static int
crlf_next(struct crlf *r)
{
	if (r->lf) {
		r->lf = 0;
		return '\n';
	}
	if (r->i >= r->n)
		return -1;
	if (r->p[r->i] == '\n') {
		r->i++;
		r->lf = 1;
		return '\r';
	}
	return r->p[r->i++];
}

int
mime87_base64(const char *p, size_t n, struct buf *out)
{
	struct crlf r = { (const unsigned char *)p, n, 0, 0 };
	char line[80];
	size_t len = 0;
	int a, b, c, err = 0;

	while ((a = crlf_next(&r)) != -1) {
		if (len > 71) {
			err |= buf_add(out, line, len) | buf_addc(out, '\n');
			len = 0;
		}
		b = crlf_next(&r);
		c = b != -1 ? crlf_next(&r) : -1;
		line[len++] = b64[a >> 2];
		line[len++] = b64[((a & 0x03) << 4) | (b != -1 ? b >> 4 : 0)];
		line[len++] = b == -1 ? '=' :
		    b64[((b & 0x0f) << 2) | (c != -1 ? c >> 6 : 0)];
		line[len++] = c == -1 ? '=' : b64[c & 0x3f];
		if (c == -1)
			break;
	}
	/* the last line, even an empty one */
	err |= buf_add(out, line, len) | buf_addc(out, '\n');
	return err != 0 ? -1 : 0;
}
