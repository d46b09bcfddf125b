/*
 * milter_codec.c -- milter packets as bytes and typed values, without
 * I/O: a packet is a 32-bit length in network order (command byte
 * included), the command byte, then its data.  Replies from a filter
 * are decoded strictly (every field's length checked, strings must end
 * in their NUL); commands to a filter are built into a struct buf.
 */
#include <string.h>

#include "milter.h"

enum milter_parse
milter_pkt_parse(const void *vp, size_t len, size_t max,
    struct milter_pkt *out, size_t *used)
{
	const unsigned char *p = vp;
	uint32_t n;

	*used = 0;
	if (len < 4)
		return MILTER_PKT_MORE;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	if (n == 0 || n > max)
		return MILTER_PKT_BAD;
	if (len - 4 < n)
		return MILTER_PKT_MORE;
	out->cmd = p[4];
	out->data = (const char *)p + 5;
	out->len = n - 1;
	*used = (size_t)n + 4;
	return MILTER_PKT_OK;
}

static uint32_t
get_u32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | u[3];
}

/* A NUL-terminated string at *off; NULL when its NUL is missing. */
static const char *
get_str(const struct milter_pkt *pk, size_t *off)
{
	const char *s, *nul;

	if (*off >= pk->len)
		return NULL;
	s = pk->data + *off;
	nul = memchr(s, '\0', pk->len - *off);
	if (nul == NULL)
		return NULL;
	*off += (size_t)(nul - s) + 1;
	return s;
}

/* "4xx" / "5xx" then a space, '-' or the end: the codes sendmail takes. */
static int
replycode_ok(const char *t)
{
	if ((t[0] != '4' && t[0] != '5') || t[1] < '0' || t[1] > '9' ||
	    t[2] < '0' || t[2] > '9')
		return 0;
	return t[3] == ' ' || t[3] == '-' || t[3] == '\0';
}

static int
decode_optneg(const struct milter_pkt *pk, struct milter_reply *r,
    struct err *err)
{
	size_t off = 12;
	uint32_t stage;
	const char *list;

	if (pk->len < 12)
		return err_set(err, ERR_PROTOCOL, "short SMFIC_OPTNEG reply "
		    "(%zu bytes)", pk->len);
	r->version = get_u32(pk->data);
	r->actions = get_u32(pk->data + 4);
	r->pflags = get_u32(pk->data + 8);
	while (off < pk->len) {
		if (pk->len - off < 4)
			return err_set(err, ERR_PROTOCOL, "short macro list "
			    "in SMFIC_OPTNEG reply");
		stage = get_u32(pk->data + off);
		off += 4;
		if ((list = get_str(pk, &off)) == NULL)
			return err_set(err, ERR_PROTOCOL, "macro list without "
			    "NUL in SMFIC_OPTNEG reply");
		if (stage >= MILTER_M_COUNT)
			return err_set(err, ERR_PROTOCOL, "macro stage %lu "
			    "unknown", (unsigned long)stage);
		r->macros[stage] = list;
	}
	return 0;
}

int
milter_reply_decode(const struct milter_pkt *pk, struct milter_reply *r,
    struct err *err)
{
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	r->cmd = pk->cmd;
	switch (pk->cmd) {
	case SMFIC_OPTNEG:
		return decode_optneg(pk, r, err);
	case SMFIR_ACCEPT: case SMFIR_CONTINUE: case SMFIR_DISCARD:
	case SMFIR_REJECT: case SMFIR_TEMPFAIL: case SMFIR_PROGRESS:
	case SMFIR_SKIP: case SMFIR_SHUTDOWN: case SMFIR_CONN_FAIL:
		return 0;	/* data, if any, is ignored as sendmail does */
	case SMFIR_REPLYCODE:
		if ((r->text = get_str(pk, &off)) == NULL)
			return err_set(err, ERR_PROTOCOL, "reply code without "
			    "NUL");
		if (!replycode_ok(r->text))
			return err_set(err, ERR_PROTOCOL, "bad reply code "
			    "\"%.20s\"", r->text);
		return 0;
	case SMFIR_QUARANTINE:
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
		if ((r->text = get_str(pk, &off)) == NULL)
			return err_set(err, ERR_PROTOCOL, "'%c' reply without "
			    "NUL", pk->cmd);
		return 0;
	case SMFIR_ADDRCPT_PAR:
	case SMFIR_CHGFROM:
		if ((r->text = get_str(pk, &off)) == NULL)
			return err_set(err, ERR_PROTOCOL, "'%c' reply without "
			    "NUL", pk->cmd);
		if (off < pk->len && (r->args = get_str(pk, &off)) == NULL)
			return err_set(err, ERR_PROTOCOL, "'%c' arguments "
			    "without NUL", pk->cmd);
		return 0;
	case SMFIR_CHGHEADER:
	case SMFIR_INSHEADER:
		if (pk->len < 4)
			return err_set(err, ERR_PROTOCOL, "'%c' reply without "
			    "index", pk->cmd);
		r->index = get_u32(pk->data);
		off = 4;
		/* FALLTHROUGH */
	case SMFIR_ADDHEADER:
		if ((r->hname = get_str(pk, &off)) == NULL ||
		    (r->hvalue = get_str(pk, &off)) == NULL)
			return err_set(err, ERR_PROTOCOL, "'%c' header reply "
			    "malformed", pk->cmd);
		if (r->hname[0] == '\0')
			return err_set(err, ERR_PROTOCOL, "'%c' header reply "
			    "without a name", pk->cmd);
		return 0;
	case SMFIR_REPLBODY:
		r->body = pk->data;
		r->bodylen = pk->len;
		return 0;
	default:
		return err_set(err, ERR_PROTOCOL, "reply '%c' (%d) unknown",
		    pk->cmd >= 32 && pk->cmd < 127 ? pk->cmd : '?', pk->cmd);
	}
}

void
milter_pkt_begin(struct buf *b, int cmd)
{
	static const char zero[4];

	(void)buf_add(b, zero, 4);
	(void)buf_addc(b, cmd);
}

void
milter_pkt_u32(struct buf *b, uint32_t v)
{
	unsigned char u[4];

	u[0] = (unsigned char)(v >> 24);
	u[1] = (unsigned char)(v >> 16);
	u[2] = (unsigned char)(v >> 8);
	u[3] = (unsigned char)v;
	(void)buf_add(b, u, 4);
}

void
milter_pkt_u16(struct buf *b, unsigned v)
{
	unsigned char u[2];

	u[0] = (unsigned char)(v >> 8);
	u[1] = (unsigned char)v;
	(void)buf_add(b, u, 2);
}

void
milter_pkt_str(struct buf *b, const char *s)
{
	(void)buf_add(b, s != NULL ? s : "", strlen(s != NULL ? s : "") + 1);
}

void
milter_pkt_bytes(struct buf *b, const void *p, size_t n)
{
	(void)buf_add(b, p, n);
}

int
milter_pkt_end(struct buf *b, size_t start)
{
	size_t n;
	unsigned char *u;

	if (b->len < start + 5)
		return -1;
	n = b->len - start - 4;
	if (n > 0xffffffffUL)
		return -1;
	u = (unsigned char *)b->data + start;
	u[0] = (unsigned char)(n >> 24);
	u[1] = (unsigned char)(n >> 16);
	u[2] = (unsigned char)(n >> 8);
	u[3] = (unsigned char)n;
	return 0;
}
