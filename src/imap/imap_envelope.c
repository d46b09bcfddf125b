/*
 * imap_envelope.c -- header values as FETCH ENVELOPE and SORT see them:
 * RFC 5322 address lists (display names, comments as names, groups,
 * source routes, missing domains) lexed without I/O into IMAP address
 * lists, a flat "name <mailbox@host>" form for SEARCH, the first
 * address for SORT, the ENVELOPE structure, and RFC 2047 encoded words.
 */
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/base64.h"
#include "lib/str.h"
#include "lib/xalloc.h"

enum tok { T_END, T_WORD, T_QUOTED, T_SPECIAL };

struct lex {
	const char	*p, *end;
	struct buf	 w;
	char		 c;
	struct buf	 comment;	/* the last comment skipped */
};

/* Skips whitespace and comments, keeping the last comment's text. */
static void
lex_space(struct lex *l)
{
	for (;;) {
		while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' ||
		    *l->p == '\r' || *l->p == '\n'))
			l->p++;
		if (l->p < l->end && *l->p == '(') {
			int depth = 0;

			buf_reset(&l->comment);
			for (; l->p < l->end; l->p++) {
				if (*l->p == '\\' && l->p + 1 < l->end) {
					l->p++;
					(void)buf_addc(&l->comment, *l->p);
					continue;
				}
				if (*l->p == '(' && depth++ == 0)
					continue;
				if (*l->p == ')' && --depth == 0) {
					l->p++;
					break;
				}
				if (*l->p != '\r' && *l->p != '\n')
					(void)buf_addc(&l->comment, *l->p);
			}
			continue;
		}
		return;
	}
}

static enum tok
lex_next(struct lex *l)
{
	buf_reset(&l->w);
	lex_space(l);
	if (l->p >= l->end)
		return T_END;
	if (*l->p == '"') {
		for (l->p++; l->p < l->end && *l->p != '"'; l->p++) {
			if (*l->p == '\\' && l->p + 1 < l->end)
				l->p++;
			if (*l->p != '\r' && *l->p != '\n')
				(void)buf_addc(&l->w, *l->p);
		}
		if (l->p < l->end)
			l->p++;
		return T_QUOTED;
	}
	if (strchr("<>@,;:", *l->p) != NULL) {
		l->c = *l->p++;
		return T_SPECIAL;
	}
	if (*l->p == '[') {
		while (l->p < l->end && *l->p != ']')
			(void)buf_addc(&l->w, *l->p++);
		if (l->p < l->end)
			(void)buf_addc(&l->w, *l->p++);
		return T_WORD;
	}
	while (l->p < l->end && strchr("<>@,;:\"( \t\r\n", *l->p) == NULL)
		(void)buf_addc(&l->w, *l->p++);
	if (l->w.len == 0) {
		l->c = *l->p++;
		return T_SPECIAL;
	}
	return T_WORD;
}

static void
addr_out(struct buf *out, const struct buf *name, const char *adl,
    const char *mbox, const char *host, int flat)
{
	if (flat == 2) {
		/* the first address only: name NUL mailbox NUL host NUL */
		if (out->len > 0)
			return;
		if (name != NULL && name->len > 0)
			(void)buf_add(out, name->data, name->len);
		(void)buf_addc(out, '\0');
		(void)buf_adds(out, mbox ? mbox : "");
		(void)buf_addc(out, '\0');
		(void)buf_adds(out, host ? host : "");
		(void)buf_addc(out, '\0');
		return;
	}
	if (flat) {
		/* "Name <mailbox@host>, " for SEARCH FROM and friends */
		if (name != NULL && name->len > 0)
			buf_printf(out, "%s ", name->data);
		buf_printf(out, "<%s@%s>, ", mbox ? mbox : "",
		    host ? host : "");
		return;
	}
	(void)buf_addc(out, '(');
	if (name != NULL && name->len > 0)
		imap_str_out(out, name->data, name->len);
	else
		(void)buf_adds(out, "NIL");
	(void)buf_addc(out, ' ');
	imap_cstr_out(out, adl && *adl ? adl : NULL);
	(void)buf_addc(out, ' ');
	imap_cstr_out(out, mbox);
	(void)buf_addc(out, ' ');
	imap_cstr_out(out, host);
	(void)buf_addc(out, ')');
}

/* An address list as ((name adl mailbox host) ...), NIL when empty;
 * flat: "name <mailbox@host>, ..." */
void
imap_addr_list(struct buf *out, const char *v, size_t len, int flat)
{
	struct lex l = { v, v + len, { 0 }, 0, { 0 } };
	struct buf phrase, local, dom, adl, res;
	enum tok t;
	size_t naddr = 0;
	int group = 0;

	buf_init(&l.w, 0);
	buf_init(&l.comment, 0);
	buf_init(&phrase, 0);
	buf_init(&local, 0);
	buf_init(&dom, 0);
	buf_init(&adl, 0);
	buf_init(&res, 0);
	t = lex_next(&l);
	while (t != T_END && naddr < 10000) {
		buf_reset(&phrase);
		/* the words up to a special */
		while (t == T_WORD || t == T_QUOTED) {
			if (phrase.len > 0)
				(void)buf_addc(&phrase, ' ');
			(void)buf_add(&phrase, l.w.data, l.w.len);
			t = lex_next(&l);
		}
		if (t == T_SPECIAL && l.c == ':' && !group) {
			addr_out(&res, NULL, NULL, phrase.data ?
			    phrase.data : "", NULL, flat);
			group = 1;
			naddr++;
			t = lex_next(&l);
			continue;
		}
		if (t == T_SPECIAL && l.c == '<') {
			buf_reset(&local);
			buf_reset(&dom);
			buf_reset(&adl);
			t = lex_next(&l);
			/* a source route: @a,@b: */
			while (t == T_SPECIAL && (l.c == '@' || l.c == ',')) {
				if (l.c == '@') {
					t = lex_next(&l);
					if (t != T_WORD)
						break;
					buf_printf(&adl, "%s@%s",
					    adl.len ? "," : "", l.w.data);
				}
				t = lex_next(&l);
				if (t == T_SPECIAL && l.c == ':') {
					t = lex_next(&l);
					break;
				}
			}
			while (t == T_WORD || t == T_QUOTED) {
				(void)buf_add(&local, l.w.data, l.w.len);
				t = lex_next(&l);
			}
			if (t == T_SPECIAL && l.c == '@') {
				t = lex_next(&l);
				while (t == T_WORD) {
					(void)buf_add(&dom, l.w.data, l.w.len);
					t = lex_next(&l);
				}
			}
			while (t != T_END && !(t == T_SPECIAL && l.c == '>'))
				t = lex_next(&l);
			if (t != T_END)
				t = lex_next(&l);
			addr_out(&res, &phrase, adl.data, local.len ?
			    local.data : "", dom.len ? dom.data :
			    "MISSING_DOMAIN", flat);
			naddr++;
		} else if (t == T_SPECIAL && l.c == '@') {
			t = lex_next(&l);
			buf_reset(&dom);
			buf_reset(&l.comment);
			while (t == T_WORD) {
				(void)buf_add(&dom, l.w.data, l.w.len);
				t = lex_next(&l);
			}
			/* local parts are words joined without spaces */
			buf_reset(&local);
			for (size_t i = 0; i < phrase.len; i++)
				if (phrase.data[i] != ' ')
					(void)buf_addc(&local,
					    phrase.data[i]);
			/* "user@domain (Real Name)": the comment names */
			addr_out(&res, l.comment.len ? &l.comment : NULL,
			    NULL, local.len ? local.data : "", dom.len ?
			    dom.data : "MISSING_DOMAIN", flat);
			naddr++;
		} else if (phrase.len > 0) {
			addr_out(&res, NULL, NULL, phrase.data,
			    "MISSING_DOMAIN", flat);
			naddr++;
		}
		if (t == T_SPECIAL && l.c == ';' && group) {
			if (!flat)
				(void)buf_adds(&res, "(NIL NIL NIL NIL)");
			group = 0;
		}
		if (t == T_SPECIAL && l.c != '<' && l.c != '@')
			t = lex_next(&l);
	}
	if (group && !flat)
		(void)buf_adds(&res, "(NIL NIL NIL NIL)");
	if (flat)
		(void)buf_add(out, res.data ? res.data : "", res.len);
	else if (res.len == 0)
		(void)buf_adds(out, "NIL");
	else {
		(void)buf_addc(out, '(');
		(void)buf_add(out, res.data, res.len);
		(void)buf_addc(out, ')');
	}
	buf_free(&l.w);
	buf_free(&l.comment);
	buf_free(&phrase);
	buf_free(&local);
	buf_free(&dom);
	buf_free(&adl);
	buf_free(&res);
}

void
imap_addr_first(const char *v, size_t len, struct buf *name,
    struct buf *mbox, struct buf *host)
{
	struct buf b;
	size_t a, m;

	buf_init(&b, 0);
	buf_reset(name);
	buf_reset(mbox);
	buf_reset(host);
	imap_addr_list(&b, v, len, 2);
	if (b.len > 0) {
		a = strlen(b.data);
		(void)buf_adds(name, b.data);
		m = strlen(b.data + a + 1);
		(void)buf_adds(mbox, b.data + a + 1);
		(void)buf_adds(host, b.data + a + 1 + m + 1);
	}
	buf_free(&b);
}

void
imap_envelope(struct buf *out, const char *h, size_t len)
{
	static const char *const strs1[] = { "Date", "Subject" };
	static const char *const addrs[] = { "From", "Sender", "Reply-To",
	    "To", "Cc", "Bcc" };
	static const char *const strs2[] = { "In-Reply-To", "Message-ID" };
	struct buf v;
	size_t i;

	buf_init(&v, 0);
	(void)buf_addc(out, '(');
	for (i = 0; i < 2; i++) {
		if (imap_hdr_get(h, len, strs1[i], &v))
			imap_str_out(out, v.data ? v.data : "", v.len);
		else
			(void)buf_adds(out, "NIL");
		(void)buf_addc(out, ' ');
	}
	for (i = 0; i < 6; i++) {
		int got = imap_hdr_get(h, len, addrs[i], &v) && v.len > 0;

		/* Sender and Reply-To default to From */
		if (!got && (i == 1 || i == 2))
			got = imap_hdr_get(h, len, "From", &v) && v.len > 0;
		if (got)
			imap_addr_list(out, v.data, v.len, 0);
		else
			(void)buf_adds(out, "NIL");
		(void)buf_addc(out, ' ');
	}
	for (i = 0; i < 2; i++) {
		if (imap_hdr_get(h, len, strs2[i], &v))
			imap_str_out(out, v.data ? v.data : "", v.len);
		else
			(void)buf_adds(out, "NIL");
		if (i == 0)
			(void)buf_addc(out, ' ');
	}
	(void)buf_addc(out, ')');
	buf_free(&v);
}

/* ---- RFC 2047 encoded words, for SORT keys */

int
imap_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One "=?charset?Q|B?text?=" at p: appends its bytes (utf8: turned
 * into UTF-8 from its charset) and returns its length, 0 when p is not
 * one. */
static size_t
encoded_word(const char *p, struct buf *dst, int utf8)
{
	const char *q1, *q2, *end;
	struct buf raw, *out = dst;
	size_t i, n;

	if (p[0] != '=' || p[1] != '?' || (q1 = strchr(p + 2, '?')) == NULL ||
	    q1[1] == '\0' || q1[2] != '?' ||
	    (end = strstr(q1 + 3, "?=")) == NULL)
		return 0;
	if (utf8) {
		buf_init(&raw, 0);
		out = &raw;
		n = encoded_word(p, out, 0);
		if (n > 0) {
			/* "utf-8*lang" (RFC 2231) names UTF-8 too */
			char *cs = xstrndup(p + 2, (size_t)(q1 - p - 2));
			char *star = cs != NULL ? strchr(cs, '*') : NULL;

			if (star != NULL)
				*star = '\0';
			if (cs == NULL || imap_utf8_from(cs, buf_cstr(&raw),
			    raw.len, dst) == -1)
				(void)imap_utf8_from(NULL, buf_cstr(&raw),
				    raw.len, dst);
			free(cs);
		}
		buf_free(&raw);
		return n;
	}
	q2 = q1 + 3;
	if (q1[1] == 'Q' || q1[1] == 'q') {
		for (i = 0; q2 + i < end; i++) {
			char c = q2[i];

			if (c == '_')
				c = ' ';
			else if (c == '=' && q2 + i + 2 < end + 1 &&
			    imap_hexval(q2[i + 1]) >= 0 &&
			    imap_hexval(q2[i + 2]) >= 0) {
				c = (char)(imap_hexval(q2[i + 1]) * 16 +
				    imap_hexval(q2[i + 2]));
				i += 2;
			}
			(void)buf_addc(out, c);
		}
	} else if (q1[1] == 'B' || q1[1] == 'b') {
		if (base64_decode(q2, (size_t)(end - q2), out) == -1)
			return 0;
	} else
		return 0;
	return (size_t)(end + 2 - p);
}

static void
decode_words(const char *in, struct buf *out, int utf8)
{
	const char *p = in;
	int last_word = 0;

	buf_reset(out);
	while (*p != '\0') {
		size_t n;

		if (*p == '=' && (n = encoded_word(p, out, utf8)) > 0) {
			p += n;
			last_word = 1;
			continue;
		}
		if (last_word && (*p == ' ' || *p == '\t')) {
			/* blanks between two encoded words vanish */
			const char *q = p;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=' && q[1] == '?') {
				struct buf probe;

				buf_init(&probe, 0);
				n = encoded_word(q, &probe, 0);
				buf_free(&probe);
				if (n > 0) {
					p = q;
					continue;
				}
			}
		}
		last_word = 0;
		if (utf8) {
			/* 8-bit text outside encoded words: UTF-8 or
			 * U+FFFD */
			size_t k = imap_utf8_len((const unsigned char *)p,
			    strlen(p));

			(void)imap_utf8_from(NULL, p, k ? k : 1, out);
			p += k ? k : 1;
			continue;
		}
		(void)buf_addc(out, *p++);
	}
}

void
imap_decode_words(const char *in, struct buf *out)
{
	decode_words(in, out, 0);
}

void
imap_decode_words_utf8(const char *in, struct buf *out)
{
	decode_words(in, out, 1);
}
