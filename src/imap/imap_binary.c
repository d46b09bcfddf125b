/*
 * imap_binary.c -- BINARY (RFC 3516) as dovecot 2.3 answers it: the
 * content of FETCH BINARY[section] with every base64 and
 * quoted-printable body undone (a part's header then says
 * "Content-Transfer-Encoding: binary"), strict decoders that tell bad
 * data from an unknown encoding, and the other direction for APPEND's
 * literal8: parts sent as "Content-Transfer-Encoding: binary" stored
 * as base64.  No I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/base64.h"
#include "lib/str.h"
#include "lib/xalloc.h"

enum cte {
	CTE_78BIT, CTE_BINARY, CTE_QP, CTE_BASE64, CTE_UNKNOWN
};

/* quoted-printable lines are at most 76 characters: a longer run of
 * blanks followed by text is bad data */
#define QP_BLANKS_MAX	76
#define B64_LINE_BLOCKS	19		/* 76 characters a line */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Skips blanks and (nested) comments of a header value. */
static const char *
skip_cfws(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			return p;
		{
			int depth = 0;

			do {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			} while (depth > 0 && *p != '\0');
		}
	}
}

static int
is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* A Content-Transfer-Encoding value: one token, then nothing or ';'. */
static enum cte
cte_parse(const char *v)
{
	const char *p = skip_cfws(v), *s = p;
	size_t n;

	while (is_token_char((unsigned char)*p))
		p++;
	n = (size_t)(p - s);
	p = skip_cfws(p);
	if (*p != '\0' && *p != ';')
		return CTE_UNKNOWN;
	if (n == 4 && (str_ncasecmp(s, "7bit", 4) == 0 ||
	    str_ncasecmp(s, "8bit", 4) == 0))
		return CTE_78BIT;
	if (n == 6 && str_ncasecmp(s, "base64", 6) == 0)
		return CTE_BASE64;
	if (n == 6 && str_ncasecmp(s, "binary", 6) == 0)
		return CTE_BINARY;
	if (n == 16 && str_ncasecmp(s, "quoted-printable", 16) == 0)
		return CTE_QP;
	return CTE_UNKNOWN;
}

static enum cte
part_cte(const char *h, size_t len)
{
	struct buf v;
	enum cte c = CTE_78BIT;

	buf_init(&v, 0);
	if (imap_hdr_get(h, len, "Content-Transfer-Encoding", &v))
		c = cte_parse(buf_cstr(&v));
	buf_free(&v);
	return c;
}

/*
 * base64 as dovecot reads it: blanks and line ends anywhere, "=" only
 * as padding after two or three characters of a group, nothing but
 * blanks after it.  IMAP_BIN_INVALID on any other byte, IMAP_BIN_BROKEN
 * when the data stops inside a group.
 */
static enum imap_bin
b64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned acc = 0;
	int sub = 0, pad = 0, end = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned v;
		int x;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (end)
			return IMAP_BIN_INVALID;
		if (c == '=') {
			if (sub == 2 && !pad) {
				pad = 1;
				sub = 3;
			} else if (sub == 3) {
				end = 1;
				sub = 0;
			} else
				return IMAP_BIN_INVALID;
			continue;
		}
		if (pad || (x = base64_value(c, '/')) < 0)
			return IMAP_BIN_INVALID;
		v = (unsigned)x;
		switch (sub) {
		case 0:
			acc = v;
			break;
		case 1:
			(void)buf_addc(out, (int)((acc << 2 | v >> 4) & 0xff));
			acc = v;
			break;
		case 2:
			(void)buf_addc(out, (int)((acc << 4 | v >> 2) & 0xff));
			acc = v;
			break;
		default:
			(void)buf_addc(out, (int)((acc << 6 | v) & 0xff));
			break;
		}
		sub = (sub + 1) % 4;
	}
	return sub == 0 ? IMAP_BIN_OK : IMAP_BIN_BROKEN;
}

static int
qp_hex(char c)
{
	return imap_hexval(c);
}

/*
 * quoted-printable as dovecot reads it: "=XX" (either case), soft line
 * breaks "=" [blanks] CRLF, blanks before a line end dropped, line ends
 * as CRLF.  A "=" not followed by two hex digits or a line end, a CR
 * without LF, or too many blanks before text is IMAP_BIN_INVALID; the
 * data ending inside such a sequence is IMAP_BIN_BROKEN.
 */
static enum imap_bin
qp_decode(const char *s, size_t n, struct buf *out)
{
	size_t i = 0, j;

	while (i < n) {
		char c = s[i];

		if (c == '=') {
			j = i + 1;
			if (j < n && qp_hex(s[j]) >= 0) {
				if (j + 1 == n)
					return IMAP_BIN_BROKEN;
				if (qp_hex(s[j + 1]) < 0)
					return IMAP_BIN_INVALID;
				(void)buf_addc(out, qp_hex(s[j]) << 4 |
				    qp_hex(s[j + 1]));
				i = j + 2;
				continue;
			}
			while (j < n && is_blank(s[j]))
				j++;
			if (j == n || (s[j] == '\r' && j + 1 == n))
				return IMAP_BIN_BROKEN;
			if (s[j] == '\n')
				i = j + 1;
			else if (s[j] == '\r' && s[j + 1] == '\n')
				i = j + 2;
			else
				return IMAP_BIN_INVALID;
			continue;
		}
		if (is_blank(c)) {
			for (j = i; j < n && is_blank(s[j]); j++)
				;
			if (j == n)
				return IMAP_BIN_OK;	/* trailing: dropped */
			if (s[j] == '\n' || s[j] == '\r') {
				i = j;			/* dropped */
				continue;
			}
			if (j - i > QP_BLANKS_MAX)
				return IMAP_BIN_INVALID;
			(void)buf_add(out, s + i, j - i);
			i = j;
			continue;
		}
		if (c == '\r') {
			if (i + 1 == n)
				return IMAP_BIN_BROKEN;
			if (s[i + 1] != '\n')
				return IMAP_BIN_INVALID;
			(void)buf_add(out, "\r\n", 2);
			i += 2;
			continue;
		}
		if (c == '\n')
			(void)buf_add(out, "\r\n", 2);
		else
			(void)buf_addc(out, c);
		i++;
	}
	return IMAP_BIN_OK;
}

/* ---- FETCH BINARY */

struct conv {
	const char	*t;		/* the message text */
	struct buf	*out;
	int		 converted;	/* something was decoded */
	int		 nuls;
};

/* The header block h with its Content-Transfer-Encoding fields left
 * out and "Content-Transfer-Encoding: binary" before the blank line. */
static void
header_as_binary(struct buf *out, const char *h, size_t len)
{
	size_t pos = 0, end = len;

	if (end >= 2 && h[end - 2] == '\r' && h[end - 1] == '\n' &&
	    (end == 2 || h[end - 3] == '\n'))
		end -= 2;		/* the blank line */
	while (pos < end) {
		size_t start = pos;
		const char *colon;

		for (;;) {
			const char *nl = memchr(h + pos, '\n', end - pos);

			pos = nl ? (size_t)(nl - h) + 1 : end;
			if (pos >= end || !is_blank(h[pos]))
				break;
		}
		colon = memchr(h + start, ':', pos - start);
		if (colon != NULL) {
			size_t nl = (size_t)(colon - (h + start));

			while (nl > 0 && is_blank(h[start + nl - 1]))
				nl--;
			if (nl == 25 && str_ncasecmp(h + start,
			    "Content-Transfer-Encoding", 25) == 0)
				continue;
		}
		(void)buf_add(out, h + start, pos - start);
	}
	(void)buf_adds(out, "Content-Transfer-Encoding: binary\r\n");
	(void)buf_add(out, h + end, len - end);
}

/* One part, decoded (its header too when with_hdr). */
static enum imap_bin
conv_part(struct conv *c, const struct imap_part *p, int with_hdr)
{
	const char *h = c->t + p->hdr, *body = c->t + p->body;
	enum cte cte = part_cte(h, p->hdr_len);
	enum imap_bin r;
	size_t i, at;

	if (memchr(h, '\0', p->hdr_len) != NULL)
		c->nuls = 1;
	if (cte == CTE_UNKNOWN)
		return IMAP_BIN_UNKNOWN_CTE;
	if (with_hdr && (cte == CTE_QP || cte == CTE_BASE64)) {
		header_as_binary(c->out, h, p->hdr_len);
		c->converted = 1;
	} else if (with_hdr)
		(void)buf_add(c->out, h, p->hdr_len);
	if (p->multipart) {
		/* the boundaries and what is between them as they are */
		at = p->body;
		for (i = 0; i < p->nkids; i++) {
			(void)buf_add(c->out, c->t + at, p->kids[i].hdr - at);
			if ((r = conv_part(c, &p->kids[i], 1)) != IMAP_BIN_OK)
				return r;
			at = p->kids[i].body + p->kids[i].body_len;
		}
		(void)buf_add(c->out, c->t + at, p->body + p->body_len - at);
		return IMAP_BIN_OK;
	}
	if (p->msg != NULL)
		return conv_part(c, p->msg, 1);
	switch (cte) {
	case CTE_QP:
		c->converted = 1;
		return qp_decode(body, p->body_len, c->out);
	case CTE_BASE64:
		c->converted = 1;
		return b64_decode(body, p->body_len, c->out);
	default:
		if (memchr(body, '\0', p->body_len) != NULL)
			c->nuls = 1;
		(void)buf_add(c->out, body, p->body_len);
		return IMAP_BIN_OK;
	}
}

int
imap_binary_decodes(const char *spec)
{
	const char *p = spec;

	while ((*p >= '0' && *p <= '9') || *p == '.')
		p++;
	if (*p == '\0')
		return 1;		/* [] and [1.2] */
	if (p > spec && p[-1] != '.')
		return 0;
	return str_casecmp(p, "TEXT") == 0;
}

enum imap_bin
imap_binary_section(struct imap_msg *m, const char *spec, struct buf *out,
    int *binary_out)
{
	struct conv c;
	const struct imap_part *p = &m->root;
	const char *s = spec;
	enum imap_bin r;
	int with_hdr = *spec == '\0';

	imap_msg_parse(m);
	memset(&c, 0, sizeof(c));
	c.t = m->text.data ? m->text.data : "";
	c.out = out;
	*binary_out = 0;
	if (*s >= '0' && *s <= '9') {
		if ((p = imap_part_find(m, &s)) == NULL)
			return IMAP_BIN_NOPART;
		if (*s != '\0') {
			/* n.TEXT: the body of a message/rfc822 */
			if (p->msg == NULL)
				return IMAP_BIN_NOPART;
			p = p->msg;
		}
	}
	r = conv_part(&c, p, with_hdr);
	*binary_out = c.converted || c.nuls;
	return r;
}

/* ---- APPEND literal8 */

struct enc {
	struct buf	*out;
	unsigned char	 held[3];
	size_t		 nheld;
	unsigned	 blocks;	/* on the current line */
};

static void
enc_block(struct enc *e, const unsigned char *p, size_t n)
{
	if (e->blocks == B64_LINE_BLOCKS) {
		(void)buf_add(e->out, "\r\n", 2);
		e->blocks = 0;
	}
	(void)base64_encode(p, n, e->out);
	e->blocks++;
}

static void
enc_more(struct enc *e, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		e->held[e->nheld++] = (unsigned char)s[i];
		if (e->nheld == 3) {
			enc_block(e, e->held, 3);
			e->nheld = 0;
		}
	}
}

static void
enc_end(struct enc *e)
{
	if (e->nheld > 0)
		enc_block(e, e->held, e->nheld);
	e->nheld = 0;
}

/* A header field "Content-Transfer-Encoding: binary" on one line. */
static int
is_cte_binary(const char *f, size_t n)
{
	const char *v;

	while (n > 0 && (f[n - 1] == '\r' || f[n - 1] == '\n'))
		n--;
	if (n < 26 || str_ncasecmp(f, "Content-Transfer-Encoding", 25) != 0)
		return 0;
	v = f + 25;
	n -= 25;
	while (n > 0 && is_blank(*v))
		v++, n--;
	if (n == 0 || *v != ':')
		return 0;
	v++, n--;
	while (n > 0 && is_blank(*v))
		v++, n--;
	return n == 6 && str_ncasecmp(v, "binary", 6) == 0;
}

/* Copies header block h: field lines with CRLF ends, a one-line
 * "Content-Transfer-Encoding: binary" as base64 when convert.  1 when
 * it was there. */
static int
header_for_append(struct buf *out, const char *h, size_t len, int convert)
{
	size_t pos = 0;
	int seen = 0;

	while (pos < len) {
		const char *nl = memchr(h + pos, '\n', len - pos);
		size_t e = nl ? (size_t)(nl - h) + 1 : len, n = e - pos;
		int cont = e < len && is_blank(h[e]);

		if (convert && !seen && !cont && (pos == 0 ||
		    !is_blank(h[pos])) && is_cte_binary(h + pos, n)) {
			(void)buf_adds(out, "Content-Transfer-Encoding: "
			    "base64\r\n");
			seen = 1;
		} else {
			while (n > 0 && (h[pos + n - 1] == '\n' ||
			    h[pos + n - 1] == '\r'))
				n--;
			(void)buf_add(out, h + pos, n);
			if (nl != NULL)
				(void)buf_add(out, "\r\n", 2);
		}
		pos = e;
	}
	return seen;
}

/* The message in CRLF form (imap_msg) and where that form added a CR,
 * so that a body is base64-encoded from the bytes the client sent. */
struct app {
	const char	*t;
	const char	*raw;
	size_t		*ins;		/* text offsets of added CRs */
	size_t		 nins;
};

/* The raw offset of text offset pos. */
static size_t
raw_off(const struct app *a, size_t pos)
{
	size_t lo = 0, hi = a->nins;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->ins[mid] < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return pos - lo;
}

static void
append_part(struct buf *out, const struct app *a, const struct imap_part *p)
{
	const char *t = a->t;
	int leaf = !p->multipart && p->msg == NULL;
	size_t i, at;

	if (header_for_append(out, t + p->hdr, p->hdr_len, leaf) && leaf) {
		struct enc e;
		size_t rb = raw_off(a, p->body);

		memset(&e, 0, sizeof(e));
		e.out = out;
		enc_more(&e, a->raw + rb, raw_off(a, p->body + p->body_len) -
		    rb);
		enc_end(&e);
		return;
	}
	if (p->multipart) {
		at = p->body;
		for (i = 0; i < p->nkids; i++) {
			(void)buf_add(out, t + at, p->kids[i].hdr - at);
			append_part(out, a, &p->kids[i]);
			at = p->kids[i].body + p->kids[i].body_len;
		}
		(void)buf_add(out, t + at, p->body + p->body_len - at);
		return;
	}
	if (p->msg != NULL) {
		append_part(out, a, p->msg);
		return;
	}
	(void)buf_add(out, t + p->body, p->body_len);
}

void
imap_binary_convert(const char *data, size_t len, struct buf *out)
{
	struct imap_msg m;
	struct app a;
	size_t i, cap = 0;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < len; i++)
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) {
			if (a.nins == cap) {
				cap = cap ? xmul(cap, 2) : 64;
				a.ins = xreallocarray(a.ins, cap,
				    sizeof(*a.ins));
			}
			a.ins[a.nins] = i + a.nins;
			a.nins++;
		}
	imap_msg_init(&m, data, len);
	imap_msg_parse(&m);
	a.t = m.text.data ? m.text.data : "";
	a.raw = data;
	append_part(out, &a, &m.root);
	imap_msg_free(&m);
	free(a.ins);
}
