/*
 * imap_msg.c -- one message as IMAP clients see it: the text with CRLF
 * line ends, its MIME tree (multipart boundaries, message/rfc822
 * inside), header fields, and what FETCH makes of it: BODY and
 * BODYSTRUCTURE and BODY[section] contents (ENVELOPE and addresses are
 * imap_envelope.c).  No I/O; nesting and part counts are bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define PART_DEPTH_MAX	32
#define PARTS_MAX	2000

/* ---- strings as IMAP writes them */

void
imap_str_out(struct buf *out, const char *s, size_t len)
{
	size_t i;
	int lit = 0;

	if (s == NULL) {
		(void)buf_adds(out, "NIL");
		return;
	}
	for (i = 0; i < len && !lit; i++) {
		unsigned char c = (unsigned char)s[i];

		lit = c == '\r' || c == '\n' || c == '\0' || c >= 0x80;
	}
	if (lit || len > 4096) {
		buf_printf(out, "{%zu}\r\n", len);
		(void)buf_add(out, s, len);
		return;
	}
	(void)buf_addc(out, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			(void)buf_addc(out, '\\');
		(void)buf_addc(out, s[i]);
	}
	(void)buf_addc(out, '"');
}

void
imap_cstr_out(struct buf *out, const char *s)
{
	imap_str_out(out, s, s ? strlen(s) : 0);
}

/* ---- the text */

void
imap_msg_init(struct imap_msg *m, const char *raw, size_t len)
{
	size_t i, start = 0;

	memset(m, 0, sizeof(m->root));
	memset(m, 0, sizeof(*m));
	buf_init(&m->text, 0);
	for (i = 0; i < len; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
			(void)buf_add(&m->text, raw + start, i - start);
			(void)buf_add(&m->text, "\r\n", 2);
			start = i + 1;
		}
	}
	(void)buf_add(&m->text, raw + start, len - start);
}

static void
part_free(struct imap_part *p)
{
	size_t i;

	for (i = 0; i < p->nkids; i++)
		part_free(&p->kids[i]);
	free(p->kids);
	if (p->msg != NULL) {
		part_free(p->msg);
		free(p->msg);
	}
	free(p->type);
	free(p->subtype);
	free(p->params);
}

void
imap_msg_free(struct imap_msg *m)
{
	if (m == NULL)
		return;
	part_free(&m->root);
	buf_free(&m->text);
	memset(m, 0, sizeof(*m));
}

/* ---- headers */

static int hdr_each(const char *, size_t, int (*)(void *, const char *,
    size_t, const char *, size_t), void *);

int
imap_hdr_each(const char *h, size_t len, int (*fn)(void *, const char *,
    size_t, const char *, size_t), void *arg)
{
	return hdr_each(h, len, fn, arg);
}

/* The end of the header block starting at p (after its blank line). */
static size_t
hdr_end(const char *p, size_t len)
{
	const char *q;

	if (len >= 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	q = memmem(p, len, "\r\n\r\n", 4);
	return q ? (size_t)(q - p) + 4 : len;
}

/* Calls fn for each header field: name, its length, and the whole
 * field with continuation lines (without the final CRLF). */
static int
hdr_each(const char *h, size_t len, int (*fn)(void *, const char *, size_t,
    const char *, size_t), void *arg)
{
	size_t pos = 0;

	while (pos < len) {
		size_t start = pos, n;
		const char *colon;

		if (h[pos] == '\r' && pos + 1 < len && h[pos + 1] == '\n')
			break;		/* the blank line */
		for (;;) {
			const char *nl = memchr(h + pos, '\n', len - pos);

			pos = nl ? (size_t)(nl - h) + 1 : len;
			if (pos >= len || (h[pos] != ' ' && h[pos] != '\t'))
				break;
		}
		n = pos - start;
		while (n > 0 && (h[start + n - 1] == '\n' ||
		    h[start + n - 1] == '\r'))
			n--;
		colon = memchr(h + start, ':', n);
		if (colon == NULL)
			continue;
		{
			size_t nl = (size_t)(colon - (h + start));

			while (nl > 0 && (h[start + nl - 1] == ' ' ||
			    h[start + nl - 1] == '\t'))
				nl--;
			if (fn(arg, h + start, nl, h + start, n))
				return 1;
		}
	}
	return 0;
}

struct hget {
	const char	*name;
	struct buf	*out;
	int		 found;
};

static int
hget_fn(void *arg, const char *name, size_t nlen, const char *field,
    size_t flen)
{
	struct hget *g = arg;
	const char *v;
	size_t i;

	if (strlen(g->name) != nlen || str_ncasecmp(name, g->name, nlen) != 0)
		return 0;
	v = (const char *)memchr(field, ':', flen) + 1;
	flen -= (size_t)(v - field);
	/* unfold: drop CRLF, keep the whitespace after it */
	for (i = 0; i < flen; i++) {
		if (v[i] == '\r' || v[i] == '\n')
			continue;
		(void)buf_addc(g->out, v[i]);
	}
	g->found = 1;
	return 1;
}

int
imap_hdr_get(const char *h, size_t len, const char *name, struct buf *out)
{
	struct hget g = { name, out, 0 };
	size_t a = 0, b;

	buf_reset(out);
	(void)hdr_each(h, len, hget_fn, &g);
	if (!g.found)
		return 0;
	if (out->len == 0)
		return 1;
	/* trim */
	while (a < out->len && (out->data[a] == ' ' || out->data[a] == '\t'))
		a++;
	b = out->len;
	while (b > a && (out->data[b - 1] == ' ' || out->data[b - 1] == '\t'))
		b--;
	memmove(out->data, out->data + a, b - a);
	buf_truncate(out, b - a);
	return 1;
}

struct hsearch {
	const char	*name;
	const char	*needle;
	int		 addr;
	int		 found;
};

static int
hsearch_fn(void *arg, const char *name, size_t nlen, const char *field,
    size_t flen)
{
	struct hsearch *h = arg;
	const char *v;
	struct buf val, flat, dec;
	size_t i, m = strlen(h->needle);

	if (strlen(h->name) != nlen || str_ncasecmp(name, h->name, nlen) != 0)
		return 0;
	if (m == 0) {
		h->found = 1;	/* the field exists */
		return 1;
	}
	v = (const char *)memchr(field, ':', flen) + 1;
	flen -= (size_t)(v - field);
	buf_init(&val, 0);
	for (i = 0; i < flen; i++)
		if (v[i] != '\r' && v[i] != '\n')
			(void)buf_addc(&val, v[i]);
	buf_init(&flat, 0);
	buf_init(&dec, 0);
	if (h->addr)
		imap_addr_list(&flat, buf_cstr(&val), val.len, 1);
	/* as text: encoded words decoded, compared by i;unicode-casemap */
	imap_decode_words_utf8(buf_cstr(&val), &dec);
	h->found = imap_casemap_has(buf_cstr(&dec), dec.len, h->needle, m);
	if (!h->found && flat.len > 0) {
		imap_decode_words_utf8(buf_cstr(&flat), &dec);
		h->found = imap_casemap_has(buf_cstr(&dec), dec.len,
		    h->needle, m);
	}
	buf_free(&val);
	buf_free(&flat);
	buf_free(&dec);
	return h->found;
}

int
imap_hdr_search(const char *h, size_t len, const char *name,
    const char *needle, int addr)
{
	struct hsearch hs = { name, needle, addr, 0 };

	(void)hdr_each(h, len, hsearch_fn, &hs);
	return hs.found;
}

struct hfilter {
	const struct strarr	*names;
	int			 not;
	struct buf		*out;
};

static int
hfilter_fn(void *arg, const char *name, size_t nlen, const char *field,
    size_t flen)
{
	struct hfilter *f = arg;
	size_t i;
	int in = 0;

	for (i = 0; i < f->names->n && !in; i++)
		in = strlen(f->names->v[i]) == nlen &&
		    str_ncasecmp(f->names->v[i], name, nlen) == 0;
	if (in != f->not) {
		(void)buf_add(f->out, field, flen);
		(void)buf_add(f->out, "\r\n", 2);
	}
	return 0;
}

void
imap_hdr_filter(const char *h, size_t len, const struct strarr *names,
    int not, struct buf *out)
{
	struct hfilter f = { names, not, out };

	(void)hdr_each(h, len, hfilter_fn, &f);
	(void)buf_add(out, "\r\n", 2);
}

/* ---- Content-Type and friends */

static int
is_tspecial(char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static const char *
skip_cfws(const char *p, const char *end)
{
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (p < end && *p == '(') {
			int depth = 0;

			for (; p < end; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')' && --depth == 0) {
					p++;
					break;
				}
			}
			continue;
		}
		return p;
	}
}

/* A token or quoted string into out (unquoted). */
static const char *
value(const char *p, const char *end, struct buf *out)
{
	buf_reset(out);
	p = skip_cfws(p, end);
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			(void)buf_addc(out, *p);
		}
		return p < end ? p + 1 : p;
	}
	while (p < end && !is_tspecial(*p) && *p != ' ' && *p != '\t' &&
	    (unsigned char)*p > 0x1f)
		(void)buf_addc(out, *p++);
	return p;
}

/* "type/subtype; a=b" or "inline; filename=x": the first word(s) and
 * the parameters as a list ("a" "b" ...), NULL when none. */
static void
parse_ct(const char *v, size_t len, int with_sub, char **type, char **sub,
    char **params)
{
	const char *p, *end;
	struct buf w, list;

	if (v == NULL)		/* an empty value */
		v = "";
	p = v;
	end = v + len;
	buf_init(&w, 0);
	buf_init(&list, 0);
	*type = NULL;
	if (sub != NULL)
		*sub = NULL;
	p = value(p, end, &w);
	if (w.len > 0)
		*type = xstrdup(w.data);
	p = skip_cfws(p, end);
	if (with_sub && p < end && *p == '/') {
		p = value(p + 1, end, &w);
		if (w.len > 0)
			*sub = xstrdup(w.data);
	}
	for (;;) {
		char *attr;

		p = skip_cfws(p, end);
		if (p >= end || *p != ';')
			break;
		p = value(p + 1, end, &w);
		if (w.len == 0)
			break;
		attr = xstrdup(w.data);
		p = skip_cfws(p, end);
		if (p >= end || *p != '=') {
			free(attr);
			break;
		}
		p = value(p + 1, end, &w);
		(void)buf_adds(&list, list.len ? " " : "(");
		imap_cstr_out(&list, attr);
		(void)buf_addc(&list, ' ');
		imap_str_out(&list, w.data ? w.data : "", w.len);
		free(attr);
	}
	if (list.len > 0) {
		(void)buf_addc(&list, ')');
		*params = buf_steal(&list);
	} else
		*params = NULL;
	buf_free(&w);
	buf_free(&list);
}

/* ---- the MIME tree */

struct tree {
	const char	*t;		/* the whole text */
	size_t		 nparts;
};

static size_t
count_lines(const char *p, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += p[i] == '\n';
	if (len > 0 && p[len - 1] != '\n')
		n++;
	return n;
}

static void parse_part(struct tree *, struct imap_part *, size_t start,
	    size_t len, int digest, int depth);

static void
parse_multipart(struct tree *tr, struct imap_part *p, const char *boundary,
    int depth)
{
	const char *t = tr->t, *body = t + p->body;
	size_t blen = strlen(boundary), pos = 0, len = p->body_len;
	size_t part_start = 0;
	int in = 0, digest = str_casecmp(p->subtype, "digest") == 0;

	/* delimiter lines: "--boundary" at a line start */
	while (pos + 2 + blen <= len) {
		const char *q = memmem(body + pos, len - pos, "--", 2);
		size_t at, line_end;
		const char *nl;

		if (q == NULL)
			break;
		at = (size_t)(q - body);
		if ((at > 0 && body[at - 1] != '\n') || at + 2 + blen > len ||
		    memcmp(body + at + 2, boundary, blen) != 0) {
			pos = at + 2;
			continue;
		}
		nl = memchr(body + at, '\n', len - at);
		line_end = nl ? (size_t)(nl - body) + 1 : len;
		if (in && tr->nparts < PARTS_MAX) {
			/* the CRLF before the delimiter is the delimiter's */
			size_t end = at;

			if (end >= 2 && body[end - 2] == '\r')
				end -= 2;
			else if (end >= 1)
				end -= 1;
			if (end < part_start)
				end = part_start;
			p->kids = xreallocarray(p->kids, p->nkids + 1,
			    sizeof(*p->kids));
			memset(&p->kids[p->nkids], 0, sizeof(p->kids[0]));
			tr->nparts++;
			parse_part(tr, &p->kids[p->nkids++], p->body +
			    part_start, end - part_start, digest, depth + 1);
		}
		if (at + 2 + blen + 2 <= len &&
		    memcmp(body + at + 2 + blen, "--", 2) == 0)
			break;		/* the close delimiter */
		in = 1;
		part_start = line_end;
		pos = line_end;
	}
}

static void
parse_part(struct tree *tr, struct imap_part *p, size_t start, size_t len,
    int digest, int depth)
{
	const char *t = tr->t + start;
	struct buf v;
	char *params = NULL;

	p->hdr = start;
	p->hdr_len = hdr_end(t, len);
	p->body = start + p->hdr_len;
	p->body_len = len - p->hdr_len;
	p->lines = count_lines(tr->t + p->body, p->body_len);
	buf_init(&v, 0);
	if (imap_hdr_get(t, p->hdr_len, "Content-Type", &v)) {
		parse_ct(v.data, v.len, 1, &p->type, &p->subtype, &params);
		p->params = params;
		p->has_ct = 1;
	}
	if (p->type == NULL || p->subtype == NULL) {
		free(p->type);
		free(p->subtype);
		free(p->params);
		p->params = NULL;
		p->type = xstrdup(digest ? "message" : "text");
		p->subtype = xstrdup(digest ? "rfc822" : "plain");
		p->has_ct = 0;
	}
	if (str_casecmp(p->type, "multipart") == 0 && depth < PART_DEPTH_MAX) {
		char *b = NULL, *ty, *sub, *pp;
		const char *q;

		/* the boundary parameter, again, unquoted */
		parse_ct(v.data, v.len, 1, &ty, &sub, &pp);
		free(ty);
		free(sub);
		free(pp);
		q = strcasestr(v.data ? v.data : "", "boundary=");
		if (q != NULL) {
			struct buf bb;

			buf_init(&bb, 0);
			(void)value(q + 9, v.data + v.len, &bb);
			if (bb.len > 0 && bb.len <= 200)
				b = xstrdup(bb.data);
			buf_free(&bb);
		}
		p->multipart = 1;
		if (b != NULL)
			parse_multipart(tr, p, b, depth);
		free(b);
	} else if (str_casecmp(p->type, "message") == 0 &&
	    str_casecmp(p->subtype, "rfc822") == 0 &&
	    depth < PART_DEPTH_MAX && tr->nparts < PARTS_MAX) {
		tr->nparts++;
		p->msg = xcalloc(1, sizeof(*p->msg));
		parse_part(tr, p->msg, p->body, p->body_len, 0, depth + 1);
	}
	buf_free(&v);
}

void
imap_msg_parse(struct imap_msg *m)
{
	struct tree tr = { m->text.data ? m->text.data : "", 0 };

	if (m->parsed)
		return;
	parse_part(&tr, &m->root, 0, m->text.len, 0, 0);
	m->parsed = 1;
}

/* ---- BODY and BODYSTRUCTURE */

static void
hdr_str(struct buf *out, const char *h, size_t len, const char *name,
    struct buf *v)
{
	if (imap_hdr_get(h, len, name, v))
		imap_str_out(out, v->data ? v->data : "", v->len);
	else
		(void)buf_adds(out, "NIL");
}

/* disposition, language, location */
static void
ext_tail(struct buf *out, const char *h, size_t len, struct buf *v)
{
	(void)buf_addc(out, ' ');
	if (imap_hdr_get(h, len, "Content-Disposition", v) && v->len > 0) {
		char *d, *params;

		parse_ct(v->data, v->len, 0, &d, NULL, &params);
		(void)buf_addc(out, '(');
		imap_cstr_out(out, d ? d : "");
		(void)buf_addc(out, ' ');
		(void)buf_adds(out, params ? params : "NIL");
		(void)buf_addc(out, ')');
		free(d);
		free(params);
	} else
		(void)buf_adds(out, "NIL");
	(void)buf_addc(out, ' ');
	if (imap_hdr_get(h, len, "Content-Language", v) && v->len > 0) {
		struct strarr w = { 0 };
		size_t i;

		str_split(v->data, " ,\t", &w);
		if (w.n == 1)
			imap_cstr_out(out, w.v[0]);
		else {
			(void)buf_addc(out, '(');
			for (i = 0; i < w.n; i++) {
				if (i)
					(void)buf_addc(out, ' ');
				imap_cstr_out(out, w.v[i]);
			}
			(void)buf_addc(out, ')');
		}
		strarr_free(&w);
	} else
		(void)buf_adds(out, "NIL");
	(void)buf_addc(out, ' ');
	hdr_str(out, h, len, "Content-Location", v);
}

static void
structure(struct buf *out, const char *t, const struct imap_part *p,
    int ext, struct buf *v)
{
	const char *h = t + p->hdr;
	size_t i;

	(void)buf_addc(out, '(');
	if (p->multipart) {
		for (i = 0; i < p->nkids; i++)
			structure(out, t, &p->kids[i], ext, v);
		if (p->nkids == 0)
			(void)buf_adds(out, "(\"text\" \"plain\" "
			    "(\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
		(void)buf_addc(out, ' ');
		imap_cstr_out(out, p->subtype);
		if (ext) {
			(void)buf_addc(out, ' ');
			(void)buf_adds(out, p->params ? p->params : "NIL");
			ext_tail(out, h, p->hdr_len, v);
		}
		(void)buf_addc(out, ')');
		return;
	}
	imap_cstr_out(out, p->type);
	(void)buf_addc(out, ' ');
	imap_cstr_out(out, p->subtype);
	(void)buf_addc(out, ' ');
	if (p->params != NULL)
		(void)buf_adds(out, p->params);
	else if (!p->has_ct && str_casecmp(p->type, "text") == 0)
		(void)buf_adds(out, "(\"charset\" \"us-ascii\")");
	else
		(void)buf_adds(out, "NIL");
	(void)buf_addc(out, ' ');
	hdr_str(out, h, p->hdr_len, "Content-ID", v);
	(void)buf_addc(out, ' ');
	hdr_str(out, h, p->hdr_len, "Content-Description", v);
	(void)buf_addc(out, ' ');
	if (imap_hdr_get(h, p->hdr_len, "Content-Transfer-Encoding", v) &&
	    v->len > 0)
		imap_str_out(out, v->data, v->len);
	else
		(void)buf_adds(out, "\"7bit\"");
	buf_printf(out, " %zu", p->body_len);
	if (str_casecmp(p->type, "text") == 0)
		buf_printf(out, " %zu", p->lines);
	else if (p->msg != NULL) {
		(void)buf_addc(out, ' ');
		imap_envelope(out, t + p->msg->hdr, p->msg->hdr_len);
		(void)buf_addc(out, ' ');
		structure(out, t, p->msg, ext, v);
		buf_printf(out, " %zu", p->lines);
	}
	if (ext) {
		(void)buf_addc(out, ' ');
		hdr_str(out, h, p->hdr_len, "Content-MD5", v);
		ext_tail(out, h, p->hdr_len, v);
	}
	(void)buf_addc(out, ')');
}

void
imap_bodystructure(struct buf *out, struct imap_msg *m, int ext)
{
	struct buf v;

	imap_msg_parse(m);
	buf_init(&v, 0);
	structure(out, m->text.data ? m->text.data : "", &m->root, ext, &v);
	buf_free(&v);
}

/* ---- BODY[section] */

/* Finds the part "1.2.3" names; NULL when there is none. */
static const struct imap_part *
find_part(const struct imap_msg *m, const char **spec)
{
	const struct imap_part *cur = &m->root;
	const char *p = *spec;
	int first = 1;

	while (*p >= '0' && *p <= '9') {
		unsigned long k = strtoul(p, (char **)&p, 10);

		if (k == 0)
			return NULL;
		/* into an encapsulated message */
		if (!first && cur->msg != NULL)
			cur = cur->msg;
		first = 0;
		if (cur->multipart) {
			if (k > cur->nkids)
				return NULL;
			cur = &cur->kids[k - 1];
		} else if (k != 1)
			return NULL;
		if (*p == '.')
			p++;
		else
			break;
	}
	*spec = p;
	return cur;
}

const struct imap_part *
imap_part_find(const struct imap_msg *m, const char **spec)
{
	return find_part(m, spec);
}

int
imap_section(struct imap_msg *m, const char *spec, struct buf *out)
{
	const struct imap_part *p;
	const char *t, *s = spec;
	int numbered = *spec >= '0' && *spec <= '9';

	imap_msg_parse(m);
	t = m->text.data ? m->text.data : "";
	if (*spec == '\0') {
		(void)buf_add(out, t, m->text.len);
		return 0;
	}
	if ((p = find_part(m, &s)) == NULL)
		return -1;
	if (*s == '\0') {
		if (p == &m->root && m->root.multipart == 0 && numbered) {
			(void)buf_add(out, t + p->body, p->body_len);
			return 0;
		}
		(void)buf_add(out, t + p->body, p->body_len);
		return 0;
	}
	if (str_casecmp(s, "MIME") == 0) {
		if (!numbered)
			return -1;
		(void)buf_add(out, t + p->hdr, p->hdr_len);
		return 0;
	}
	/* HEADER, TEXT: of the message itself or of a message/rfc822 */
	if (numbered) {
		if (p->msg == NULL)
			return -1;
		p = p->msg;
	}
	if (str_casecmp(s, "HEADER") == 0) {
		(void)buf_add(out, t + p->hdr, p->hdr_len);
		return 0;
	}
	if (str_casecmp(s, "TEXT") == 0) {
		(void)buf_add(out, t + p->body, p->body_len);
		return 0;
	}
	return -1;
}

int
imap_section_fields(struct imap_msg *m, const char *spec,
    const struct strarr *names, int not, struct buf *out)
{
	const struct imap_part *p;
	const char *s = spec;

	imap_msg_parse(m);
	if ((p = find_part(m, &s)) == NULL)
		return -1;
	if (s != spec) {
		if (p->msg == NULL)
			return -1;
		p = p->msg;
	}
	imap_hdr_filter(m->text.data + p->hdr, p->hdr_len, names, not, out);
	return 0;
}
