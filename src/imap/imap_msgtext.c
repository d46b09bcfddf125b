/*
 * imap_msgtext.c -- the text SEARCH's TEXT and BODY keys look in, as
 * dovecot 2.3 has it: each header field of the message and of every
 * MIME part and attached message, encoded words decoded, and each leaf
 * part's body with its transfer encoding undone and its charset turned
 * into UTF-8; all in i;unicode-casemap form (imap_casemap.c).  No I/O.
 */
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"

#define PART_DEPTH_MAX	100

static int
hdr_chunk(void *arg, const char *name, size_t nlen, const char *field,
    size_t flen)
{
	struct buf *out = arg;
	struct buf line, dec;
	size_t i;

	(void)name;
	(void)nlen;
	buf_init(&line, 0);
	buf_init(&dec, 0);
	for (i = 0; i < flen; i++)
		if (field[i] != '\r' && field[i] != '\n')
			(void)buf_addc(&line, field[i]);
	imap_decode_words_utf8(buf_cstr(&line), &dec);
	imap_casemap(buf_cstr(&dec), dec.len, out);
	(void)buf_addc(out, '\0');
	buf_free(&line);
	buf_free(&dec);
	return 0;
}

static void
body_chunk(const char *t, const struct imap_part *p, struct buf *out)
{
	struct buf v, cs, raw, text;

	buf_init(&v, 0);
	buf_init(&cs, 0);
	buf_init(&raw, 0);
	buf_init(&text, 0);
	if (imap_hdr_get(t + p->hdr, p->hdr_len, "Content-Transfer-Encoding",
	    &v) == 0)
		buf_reset(&v);
	/* an encoding we cannot undo: the part is not searched */
	if (imap_part_decode(t + p->body, p->body_len, v.data, &raw) == 0) {
		if (str_casecmp(p->type, "text") == 0 &&
		    imap_hdr_get(t + p->hdr, p->hdr_len, "Content-Type", &v))
			imap_ct_param(buf_cstr(&v), "charset", &cs);
		if (imap_utf8_from(cs.data, buf_cstr(&raw), raw.len,
		    &text) == -1)
			(void)imap_utf8_from(NULL, buf_cstr(&raw), raw.len,
			    &text);
		imap_casemap(buf_cstr(&text), text.len, out);
		(void)buf_addc(out, '\0');
	}
	buf_free(&v);
	buf_free(&cs);
	buf_free(&raw);
	buf_free(&text);
}

static void
walk(const char *t, const struct imap_part *p, struct imap_msgtext *out,
    int depth)
{
	size_t i;

	if (depth > PART_DEPTH_MAX)
		return;
	(void)imap_hdr_each(t + p->hdr, p->hdr_len, hdr_chunk, &out->hdrs);
	if (p->multipart) {
		for (i = 0; i < p->nkids; i++)
			walk(t, &p->kids[i], out, depth + 1);
		return;
	}
	if (p->msg != NULL) {
		walk(t, p->msg, out, depth + 1);
		return;
	}
	body_chunk(t, p, &out->bodies);
}

void
imap_msgtext_make(struct imap_msg *m, struct imap_msgtext *out)
{
	buf_init(&out->hdrs, 0);
	buf_init(&out->bodies, 0);
	imap_msg_parse(m);
	walk(m->text.data ? m->text.data : "", &m->root, out, 0);
}

void
imap_msgtext_free(struct imap_msgtext *t)
{
	buf_free(&t->hdrs);
	buf_free(&t->bodies);
}
