/*
 * mime8to7.c -- when a message goes to a peer without 8BITMIME as it
 * is, converted or not at all (EightBitMode, F=8, MIME-Version, BODY=),
 * and the conversion: the message walked entity by entity as sendmail
 * 8.17 walks it.  Top-level and part headers lose their
 * Content-Transfer-Encoding; a leaf with 8-bit bytes gets
 * quoted-printable, or base64 when more than an eighth of it is 8-bit
 * (or it was "binary"), with an X-MIME-Autoconverted line; other leaves
 * keep their encoding line; multipart entities are entered (preamble
 * and epilogue stripped to 7 bits, boundaries written anew) and
 * message/rfc822 parts once.  Owns nothing beyond the call.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "deliver/mime8to7.h"
#include "lib/str.h"

#define NTOKENS		128	/* tokens read of one header value */
#define NPARAMS		20	/* Content-Type parameters looked at */
#define SCANCHUNK	2047	/* sendmail counts bytes a line read at a
				   time, lines cut at this length */

#define F_DIGEST	0x1	/* in multipart/digest: parts default to
				   message/rfc822 */

enum bt { BT_NOTSEP, BT_INTERMED, BT_FINAL };

struct conv {
	const char			*p;
	size_t				 len, off;
	const struct mime87_opts	*o;
	struct buf			*out;
	char				 bnd[MIME87_DEPTH][MIME87_BOUNDARY_MAX + 1];
	size_t				 nbnd;
	int				 toodeep;
	int				 walk;	/* MIME87_F_WALK */
	unsigned			 diag;
	int				 err;
};

int
mime87_mode(const char *value)
{
	if (value == NULL || *value == '\0')
		return MIME87_M_CVTMIME | MIME87_M_PASS8BIT;
	switch (tolower((unsigned char)*value)) {
	case 'm':
		return MIME87_M_CVTMIME | MIME87_M_MIME8BIT;
	case 'p':
		return MIME87_M_CVTMIME | MIME87_M_PASS8BIT;
	case 's':
		return MIME87_M_CVTMIME;
	}
	return -1;
}

unsigned
mime87_kind(int has_mime_version, const char *content_type,
    const char *body_type)
{
	const char *s;

	if (has_mime_version || (body_type != NULL &&
	    str_casecmp(body_type, "8BITMIME") == 0))
		return MIME87_IS_MIME;
	if (content_type != NULL) {
		s = strpbrk(content_type, ";/");
		if (s == NULL || *s == ';')
			return MIME87_DONT_MIME;
	}
	return 0;
}

enum mime87_action
mime87_decide(const struct mime87_decision *d)
{
	if (d->mailer_8bit || !d->has8bit)
		return MIME87_SEND;
	if ((d->mode & MIME87_M_CVTMIME) && !(d->kind & MIME87_DONT_MIME) &&
	    (!(d->mode & MIME87_M_PASS8BIT) || (d->kind & MIME87_IS_MIME)))
		return MIME87_CONVERT;
	if (!(d->mode & MIME87_M_PASS8BIT))
		return MIME87_REFUSE;
	return MIME87_SEND;
}

const char *
mime87_body_param(const struct mime87_decision *d)
{
	if (d->body_type != NULL)
		return d->body_type;
	if ((d->mode & MIME87_M_MIME8BIT) && d->has8bit && !d->mailer_8bit &&
	    !(d->kind & MIME87_DONT_MIME))
		return "8BITMIME";
	return NULL;
}

/* ---- output */

static void
put(struct conv *c, const char *s, size_t n)
{
	if (buf_add(c->out, s, n) == -1 || buf_addc(c->out, '\n') == -1)
		c->err = -1;
}

static void
puts_(struct conv *c, const char *s)
{
	put(c, s, strlen(s));
}

/* A line copied from the message: F=E's '>' before "From ", and in a
 * preamble or epilogue every byte cut to 7 bits. */
static void
put_copied(struct conv *c, const char *s, size_t n, int strip8)
{
	size_t i;

	if ((c->o->flags & MIME87_F_ESCFROM) && n >= 5 &&
	    memcmp(s, "From ", 5) == 0 && buf_addc(c->out, '>') == -1)
		c->err = -1;
	if (!strip8) {
		put(c, s, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (buf_addc(c->out, s[i] & 0x7f) == -1)
			c->err = -1;
	put(c, "", 0);
}

static void
put_autoconverted(struct conv *c, const char *how)
{
	char line[512];
	int n;

	(void)snprintf(line, sizeof(line), "Content-Transfer-Encoding: %s",
	    how);
	puts_(c, line);
	n = snprintf(line, sizeof(line), "X-MIME-Autoconverted: from 8bit "
	    "to %s by %.200s id %.100s", how, c->o->host ? c->o->host : "",
	    c->o->qid ? c->o->qid : "");
	put(c, line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n :
	    strlen(line));
	put(c, "", 0);
}

static void
put_boundary(struct conv *c, const char *bnd, int final)
{
	if (buf_printf(c->out, "--%s%s\n", bnd, final ? "--" : "") == -1)
		c->err = -1;
}

/* The fields of p[start..end), Content-Transfer-Encoding only when
 * walking (converting writes its own). */
static void
put_fields(struct conv *c, size_t start, size_t end)
{
	const char *f;
	size_t n;

	while (start < end) {
		mime87_hdr_next(c->p, end, &start, &f, &n);
		if ((c->o->flags & MIME87_F_WALK) ||
		    !mime87_hdr_is(f, n, "Content-Transfer-Encoding"))
			put(c, f, n);
	}
}

/* ---- input */

/* The line at off (n_out bytes without its LF); returns where the next
 * starts; *nolf_out is set when the message ended without a LF. */
static size_t
line_at(const struct conv *c, size_t off, size_t *n_out, int *nolf_out)
{
	const char *nl = memchr(c->p + off, '\n', c->len - off);

	*nolf_out = nl == NULL;
	*n_out = nl != NULL ? (size_t)(nl - c->p) - off : c->len - off;
	return nl != NULL ? (size_t)(nl - c->p) + 1 : c->len;
}

static int
pending(const struct conv *c, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < c->nbnd; i++)
		if (strlen(c->bnd[i]) == n && memcmp(c->bnd[i], s, n) == 0)
			return 1;
	return 0;
}

/* Whether a line is "--" and a pending boundary (any level), and which
 * kind; trailing blanks do not count. */
static enum bt
boundary(const struct conv *c, const char *s, size_t n)
{
	if (c->nbnd == 0 || n < 2 || s[0] != '-' || s[1] != '-')
		return BT_NOTSEP;
	while (n > 2 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (pending(c, s + 2, n - 2))
		return BT_INTERMED;
	if (n >= 4 && s[n - 2] == '-' && s[n - 1] == '-' &&
	    pending(c, s + 2, n - 4))
		return BT_FINAL;
	return BT_NOTSEP;
}

/* Copies lines (7-bit) up to a boundary line, which it consumes; its
 * kind, or BT_FINAL at the end of the message. */
static enum bt
copy_to_boundary(struct conv *c)
{
	size_t n, next;
	enum bt bt;
	int nolf;

	const char *s;

	while (c->off < c->len) {
		s = c->p + c->off;
		next = line_at(c, c->off, &n, &nolf);
		bt = boundary(c, s, n);
		c->off = next;
		if (bt != BT_NOTSEP)
			return nolf ? BT_FINAL : bt;
		put_copied(c, s, n, 1);
	}
	return BT_FINAL;
}

/* ---- entities */

static int
in_class(const struct conv *c, int cls, const char *word)
{
	if (c->o->in_class != NULL)
		return c->o->in_class(c->o->class_arg, cls, word);
	switch (cls) {
	case 'e':
		return str_casecmp(word, "7bit") == 0 ||
		    str_casecmp(word, "8bit") == 0 ||
		    str_casecmp(word, "binary") == 0;
	case 'n':
		return str_casecmp(word, "multipart/signed") == 0;
	case 's':
		return str_casecmp(word, "rfc822") == 0;
	}
	return 0;
}

static enum bt entity(struct conv *, size_t, size_t, unsigned, int);

/* A leaf part from c->off to the boundary that ends it. */
static enum bt
leaf(struct conv *c, const char *cte, int no8bit, int use_qp)
{
	size_t start = c->off, off = start, end = c->len, after = c->len;
	size_t n, next, i, k, size = 0, high = 0;
	enum bt bt = BT_FINAL, t;
	int nolf, bounded = 0;

	for (; off < c->len; off = next) {
		next = line_at(c, off, &n, &nolf);
		if ((t = boundary(c, c->p + off, n)) != BT_NOTSEP) {
			end = off;
			after = next;
			bt = t;
			bounded = 1;
			break;
		}
	}
	/* sendmail's count: a read of at most SCANCHUNK bytes at a time,
	 * stopping once 4 KiB or more were read and a quarter is 8-bit */
	for (i = start; !no8bit && !c->walk && i < end; i += k) {
		const char *nl = memchr(c->p + i, '\n', end - i);

		k = (nl != NULL ? (size_t)(nl - c->p) + 1 : end) - i;
		if (k > SCANCHUNK)
			k = SCANCHUNK;
		for (n = 0; n < k; n++)
			high += (c->p[i + n] & 0x80) != 0;
		size += k;
		if (size >= 4096 && high > size / 4)
			break;
	}
	if (cte != NULL && str_casecmp(cte, "binary") == 0)
		size = high;
	if (high == 0) {
		if (cte != NULL && !c->walk) {
			char line[256];

			(void)snprintf(line, sizeof(line),
			    "Content-Transfer-Encoding: %.200s", cte);
			puts_(c, line);
		}
		put(c, "", 0);
		for (off = start; off < end; off = next) {
			next = line_at(c, off, &n, &nolf);
			put_copied(c, c->p + off, n, 0);
		}
		c->off = after;
		return bounded && after == c->len && c->p[after - 1] != '\n' ?
		    BT_FINAL : bt;
	}
	/* the LF before a boundary line belongs to the boundary */
	n = end - start;
	if (bounded && n > 0 && c->p[end - 1] == '\n')
		n--;
	if (size / 8 < high && !use_qp) {
		put_autoconverted(c, "base64");
		if (mime87_base64(c->p + start, n, c->out) == -1)
			c->err = -1;
	} else {
		put_autoconverted(c, "quoted-printable");
		if (mime87_qp(c->p + start, n, c->nbnd > 0, c->o->flags,
		    c->out) == -1)
			c->err = -1;
	}
	c->off = after;
	return bt;
}

/* The headers of the part at c->off, copied; they are c->p[*hs..*he). */
static void
part_headers(struct conv *c, size_t *hs, size_t *he)
{
	*hs = c->off;
	c->off = mime87_hdr_block(c->p, c->len, c->off, he);
	put_fields(c, *hs, *he);
}

static enum bt
multipart(struct conv *c, const char *bvalue, const struct mime87_tok *bt_,
    unsigned flags, int level)
{
	char bnd[MIME87_BOUNDARY_MAX + 1];
	size_t hs, he, slot = c->nbnd;
	enum bt bt;
	int cut;

	if (bt_ == NULL) {
		c->diag |= MIME87_D_NOBOUNDARY;
		(void)snprintf(bnd, sizeof(bnd), "%s", bvalue);
	} else {
		mime87_unquote(bt_, bnd, sizeof(bnd), &cut);
		if (cut)
			c->diag |= MIME87_D_LONGBOUNDARY;
	}
	if (slot < MIME87_DEPTH) {
		memcpy(c->bnd[slot], bnd, sizeof(bnd));
		c->nbnd++;
	} else {
		c->diag |= MIME87_D_TOODEEP;
		c->toodeep = 1;
	}
	put(c, "", 0);
	bt = copy_to_boundary(c);			/* the preamble */
	while (bt != BT_FINAL) {
		put_boundary(c, bnd, 0);
		part_headers(c, &hs, &he);
		bt = entity(c, hs, he, flags, level + 1);
	}
	put_boundary(c, bnd, 1);
	if (slot < MIME87_DEPTH)
		c->nbnd = slot;
	return copy_to_boundary(c);			/* the epilogue */
}

static enum bt
rfc822(struct conv *c, unsigned flags, int level)
{
	const char *v;
	size_t hs, he, vn;

	put(c, "", 0);
	part_headers(c, &hs, &he);
	if (!c->walk && !mime87_hdr_find(c->p, hs, he, "MIME-Version", &v,
	    &vn))
		puts_(c, "MIME-Version: 1.0");
	return entity(c, hs, he, flags, level + 1);
}

static void
tok_str(const struct mime87_tok *t, char *out, size_t size)
{
	(void)snprintf(out, size, "%.*s", (int)t->n, t->s);
}

/* The entity whose headers are c->p[hs..he) (already written, but for
 * the empty line ending them), its body at c->off. */
static enum bt
entity(struct conv *c, size_t hs, size_t he, unsigned flags, int level)
{
	struct mime87_tok tok[NTOKENS];
	const struct mime87_tok *bnd = NULL;
	char cte[256], type[101], sub[101], ts[256];
	const char *v;
	size_t nt, vn, i, k, nparams = 0;
	int has_cte = 0, no8bit, use_qp;

	if (level > MIME87_DEPTH && !c->toodeep) {
		c->toodeep = 1;
		c->diag |= MIME87_D_TOODEEP;
	}
	if (mime87_hdr_find(c->p, hs, he, "Content-Transfer-Encoding", &v,
	    &vn) && (nt = mime87_tokens(v, vn, tok, NTOKENS)) > 0) {
		has_cte = 1;
		cte[0] = '\0';
		for (i = 0; i < nt; i++) {
			k = strlen(cte);
			(void)snprintf(cte + k, sizeof(cte) - k, "%s%.*s",
			    i > 0 ? " " : "", (int)tok[i].n, tok[i].s);
		}
	}
	if (!mime87_hdr_find(c->p, hs, he, "Content-Type", &v, &vn)) {
		v = (flags & F_DIGEST) ? "message/rfc822" : "text/plain";
		vn = strlen(v);
	}
	nt = mime87_tokens(v, vn, tok, NTOKENS);
	(void)snprintf(type, sizeof(type), "-none-");
	(void)snprintf(sub, sizeof(sub), "-none-");
	i = 0;
	if (nt > 0) {
		tok_str(&tok[i++], type, sizeof(type));
		if (i + 1 < nt && mime87_tok_is(&tok[i], "/")) {
			tok_str(&tok[i + 1], sub, sizeof(sub));
			i += 2;
		}
	}
	/* parameters: "; name = value", the first boundary kept */
	while (i < nt && nparams < NPARAMS) {
		while (i < nt && !mime87_tok_is(&tok[i], ";"))
			i++;
		if (++i >= nt)
			break;
		if (mime87_tok_is(&tok[i], ";")) {
			c->diag |= MIME87_D_EMPTYPARAM;
			continue;
		}
		k = i++;
		if (i < nt && mime87_tok_is(&tok[i], "=") &&
		    (i + 1 >= nt || !mime87_tok_is(&tok[i + 1], ";"))) {
			i++;
			nparams++;
			if (bnd == NULL && mime87_tok_is(&tok[k], "boundary"))
				bnd = i < nt ? &tok[i] : NULL;
		}
	}
	flags &= ~F_DIGEST;
	(void)snprintf(ts, sizeof(ts), "%s/%s", type, sub);
	no8bit = in_class(c, 'n', ts) || (has_cte && !in_class(c, 'e', cte));
	use_qp = in_class(c, 'q', ts) || in_class(c, 'q', type);
	if (str_casecmp(type, "multipart") == 0 && (!no8bit || c->walk) &&
	    !c->toodeep)
		return multipart(c, "---", bnd, str_casecmp(sub, "digest") ==
		    0 ? F_DIGEST : 0, level);
	if (str_casecmp(type, "message") == 0) {
		if (in_class(c, 's', sub) && !c->toodeep)
			return rfc822(c, flags, level);
		no8bit = 1;
	}
	return leaf(c, has_cte ? cte : NULL, no8bit, use_qp);
}

/* What a message without Content-Type is taken for. */
static void
put_default_type(struct conv *c)
{
	const char *cs = c->o->charset;
	char line[256];

	(void)snprintf(line, sizeof(line), "Content-Type: text/plain; "
	    "charset=%.200s", cs != NULL && *cs != '\0' ? cs : "unknown-8bit");
	puts_(c, line);
}

int
mime87_convert(const char *msg, size_t len, const struct mime87_opts *o,
    struct buf *out, unsigned *diag_out)
{
	struct conv c;
	const char *v, *nl;
	size_t hend, vn;

	memset(&c, 0, sizeof(c));
	c.p = msg;
	c.len = len;
	c.o = o;
	c.out = out;
	/* the message's own header: up to its first empty line */
	for (hend = 0; hend < len && msg[hend] != '\n'; hend = (size_t)(nl -
	    msg) + 1)
		if ((nl = memchr(msg + hend, '\n', len - hend)) == NULL) {
			hend = len;
			break;
		}
	c.walk = (o->flags & MIME87_F_WALK) != 0;
	put_fields(&c, 0, hend);
	if (!mime87_hdr_find(msg, 0, hend, "MIME-Version", &v, &vn) &&
	    (!c.walk || (o->flags & MIME87_F_MARK8BIT))) {
		puts_(&c, "MIME-Version: 1.0");
		if (!mime87_hdr_find(msg, 0, hend, "Content-Type", &v, &vn))
			put_default_type(&c);
		if (c.walk && !mime87_hdr_find(msg, 0, hend,
		    "Content-Transfer-Encoding", &v, &vn))
			puts_(&c, "Content-Transfer-Encoding: 8bit");
	} else if (!c.walk && !mime87_hdr_find(msg, 0, hend, "Content-Type",
	    &v, &vn))
		put_default_type(&c);
	c.off = hend < len ? hend + 1 : len;
	(void)entity(&c, 0, hend, 0, 0);
	if (diag_out != NULL)
		*diag_out = c.diag;
	return c.err;
}
