/*
 * smtpd_authwire.c -- encoding and strict decoding of the AUTH
 * exchange between a separated worker and its root queue writer
 * (smtpd_authwire.h).  Native byte order: both ends are one program on
 * one host.  A u32 is 4 bytes; a string is a u32 length (NONE for a
 * NULL string) and that many bytes and a NUL, with no other NUL; bytes
 * are a u32 length and that many bytes.
 */
#include <stdint.h>
#include <string.h>

#include "smtpd_authwire.h"
#include "lib/wire.h"

#define NONE	WIRE_NONE

#define put32	wire_put32
#define putstr(b, s)	wire_putstr(b, s, AW_STRMAX, 1)

static void
putbytes(struct buf *b, const unsigned char *p, size_t n)
{
	put32(b, (uint32_t)n);
	if (n > 0)
		(void)buf_add(b, p, n);
}

void
authwire_req_encode(const struct authwire_req *q, struct buf *b)
{
	put32(b, q->op);
	if (q->op == AW_START) {
		put32(b, q->secflags);
		put32(b, q->ssf_ext);
		put32(b, q->has_data ? 1 : 0);
		putstr(b, q->fqdn);
		putstr(b, q->realm);
		putstr(b, q->remote);
		putstr(b, q->ext_id);
		putstr(b, q->mech);
	}
	putbytes(b, q->data, q->len);
}

void
authwire_rep_encode(const struct authwire_rep *r, struct buf *b)
{
	put32(b, (uint32_t)r->rc);
	put32(b, r->ssf);
	putbytes(b, r->out, r->outlen);
	putstr(b, r->user);
	putstr(b, r->detail);
}

/* ---- decoding ---- */

struct rd {
	const unsigned char	*p;
	size_t			 left;
	int			 bad;
};

static uint32_t
get32(struct rd *r)
{
	uint32_t v;

	if (r->bad || r->left < sizeof(v)) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	r->left -= sizeof(v);
	return v;
}

static const char *
getstr(struct rd *r)
{
	uint32_t n = get32(r);
	const char *s;

	if (r->bad || n == NONE)
		return NULL;
	if (n > AW_STRMAX || r->left < (size_t)n + 1 ||
	    memchr(r->p, '\0', n) != NULL || r->p[n] != '\0') {
		r->bad = 1;
		return NULL;
	}
	s = (const char *)r->p;
	r->p += n + 1;
	r->left -= (size_t)n + 1;
	return s;
}

static const unsigned char *
getbytes(struct rd *r, size_t max, size_t *len)
{
	uint32_t n = get32(r);
	const unsigned char *p;

	*len = 0;
	if (r->bad)
		return NULL;
	if (n > max || r->left < n) {
		r->bad = 1;
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->left -= n;
	*len = n;
	return p;
}

int
authwire_req_parse(const void *p, size_t n, struct authwire_req *q,
    struct err *err)
{
	struct rd r = { p, n, 0 };

	memset(q, 0, sizeof(*q));
	if (n > AW_MSGMAX)
		return err_set(err, ERR_PROTOCOL, "auth request of %zu bytes",
		    n);
	q->op = get32(&r);
	if (!r.bad && q->op != AW_START && q->op != AW_STEP)
		return err_set(err, ERR_PROTOCOL, "auth request op %u", q->op);
	if (q->op == AW_START) {
		q->secflags = get32(&r);
		q->ssf_ext = get32(&r);
		q->has_data = (int)get32(&r);
		q->fqdn = getstr(&r);
		q->realm = getstr(&r);
		q->remote = getstr(&r);
		q->ext_id = getstr(&r);
		q->mech = getstr(&r);
		if (!r.bad && (q->has_data & ~1 || q->fqdn == NULL ||
		    q->mech == NULL || q->mech[0] == '\0'))
			r.bad = 1;
	}
	q->data = getbytes(&r, AW_DATAMAX, &q->len);
	if (r.bad || r.left != 0) {
		memset(q, 0, sizeof(*q));
		return err_set(err, ERR_PROTOCOL, "malformed auth request");
	}
	return 0;
}

int
authwire_rep_parse(const void *p, size_t n, struct authwire_rep *a,
    struct err *err)
{
	struct rd r = { p, n, 0 };

	memset(a, 0, sizeof(*a));
	a->rc = (int)get32(&r);
	a->ssf = get32(&r);
	a->out = getbytes(&r, AW_OUTMAX, &a->outlen);
	a->user = getstr(&r);
	a->detail = getstr(&r);
	if (r.bad || r.left != 0) {
		memset(a, 0, sizeof(*a));
		return err_set(err, ERR_PROTOCOL, "malformed auth answer");
	}
	return 0;
}
