/*
 * imap_preview.c -- the text of FETCH PREVIEW (RFC 8970) and of the
 * older SNIPPET (FUZZY) / PREVIEW (FUZZY) forms dovecot 2.3 answers,
 * made as dovecot makes it: the first leaf part only, when it is text
 * (HTML with its tags, scripts, styles and blockquotes taken out),
 * transfer encoding undone, its charset turned into UTF-8, quoted lines
 * (">") skipped, runs of white space as one space and none at the
 * ends, at most 200 characters; and the transfer decoding it needs
 * (imap_part_decode()).  No I/O.
 */
#include <string.h>

#include "imap_int.h"
#include "lib/base64.h"
#include "lib/str.h"

#define PREVIEW_CHARS	200

int
imap_part_decode(const char *s, size_t n, const char *cte, struct buf *out)
{
	size_t i;

	if (cte == NULL || *cte == '\0' || str_casecmp(cte, "7bit") == 0 ||
	    str_casecmp(cte, "8bit") == 0 || str_casecmp(cte, "binary") == 0)
		return buf_add(out, s, n) == -1 ? -1 : 0;
	if (str_casecmp(cte, "quoted-printable") == 0) {
		for (i = 0; i < n; i++) {
			int h, l;

			if (s[i] != '=') {
				(void)buf_addc(out, s[i]);
				continue;
			}
			/* a soft line break: "=", blanks, CRLF */
			{
				size_t j = i + 1;

				while (j < n && (s[j] == ' ' || s[j] == '\t'))
					j++;
				if (j < n && (s[j] == '\r' || s[j] == '\n')) {
					if (s[j] == '\r' && j + 1 < n &&
					    s[j + 1] == '\n')
						j++;
					i = j;
					continue;
				}
				if (j == n) {
					i = j;
					continue;
				}
			}
			if (i + 2 < n && (h = imap_hexval(
			    s[i + 1])) >= 0 && (l = imap_hexval(
			    s[i + 2])) >= 0) {
				(void)buf_addc(out, h << 4 | l);
				i += 2;
			} else
				(void)buf_addc(out, '=');
		}
		return 0;
	}
	if (str_casecmp(cte, "base64") == 0) {
		unsigned v = 0;
		int bits = 0;

		for (i = 0; i < n; i++) {
			int x = base64_value((unsigned char)s[i], '/');

			if (s[i] == '=')
				break;
			if (x < 0)
				continue;
			v = (v << 6 | (unsigned)x) & 0xffffff;
			if ((bits += 6) >= 8) {
				bits -= 8;
				(void)buf_addc(out, (v >> bits) & 0xff);
			}
		}
		return 0;
	}
	return -1;
}

void
imap_ct_param(const char *v, const char *param, struct buf *out)
{
	const char *p = v;
	size_t pl = strlen(param);

	buf_reset(out);
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (str_ncasecmp(p, param, pl) != 0 || p[pl] != '=')
			continue;
		p += pl + 1;
		if (*p == '"')
			for (p++; *p && *p != '"'; p++)
				(void)buf_addc(out, *p);
		else
			for (; *p && *p != ';' && *p != ' ' && *p != '\t';
			    p++)
				(void)buf_addc(out, *p);
		return;
	}
}

static const struct {
	const char	*name;
	unsigned	 c;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", 0x27 }, { "nbsp", 0xa0 },
};

/* HTML as text: tags become white space, <script>, <style> and
 * <blockquote> go with what they hold, entities are decoded */
static void
html_text(const char *s, size_t n, struct buf *out)
{
	const size_t nent = sizeof(entities) / sizeof(entities[0]);
	const char *skip = NULL;
	size_t i = 0, j, k;

	while (i < n) {
		if (s[i] == '<') {
			size_t e = i + 1;
			int close = e < n && s[e] == '/';
			const char *name = s + e + close;
			static const char *const hide[] = {
				"script", "style", "blockquote"
			};

			while (e < n && s[e] != '>')
				e++;
			for (k = 0; k < 3; k++) {
				size_t l = strlen(hide[k]);

				if ((size_t)(s + n - name) > l &&
				    str_ncasecmp(name, hide[k], l) == 0 &&
				    (name[l] == '>' || name[l] == ' ' ||
				    name[l] == '/')) {
					if (!close && skip == NULL)
						skip = hide[k];
					else if (close && skip == hide[k])
						skip = NULL;
				}
			}
			if (skip == NULL)
				(void)buf_addc(out, ' ');
			i = e < n ? e + 1 : n;
			continue;
		}
		if (skip != NULL) {
			i++;
			continue;
		}
		if (s[i] == '&') {
			for (j = i + 1; j < n && j < i + 10 && s[j] != ';';
			    j++)
				;
			if (j < n && s[j] == ';') {
				if (s[i + 1] == '#') {
					unsigned long c = 0;
					int hex = s[i + 2] == 'x' ||
					    s[i + 2] == 'X';

					for (k = i + 2 + (size_t)hex; k < j;
					    k++)
						c = c * (hex ? 16 : 10) +
						    (unsigned long)(hex ?
						    imap_hexval(s[k]) :
						    s[k] - '0');
					imap_utf8_put(out, c > 0 && c < 0x10000 ?
					    (unsigned)c : 0xfffd);
					i = j + 1;
					continue;
				}
				for (k = 0; k < nent; k++)
					if (strlen(entities[k].name) ==
					    j - i - 1 && strncmp(s + i + 1,
					    entities[k].name, j - i - 1) == 0)
						break;
				if (k < nent) {
					imap_utf8_put(out, entities[k].c);
					i = j + 1;
					continue;
				}
			}
		}
		(void)buf_addc(out, s[i++]);
	}
}

void
imap_preview(struct imap_msg *m, struct buf *out)
{
	const struct imap_part *p = &m->root;
	size_t start = out->len;
	const char *t;
	struct buf v, raw, text, cs;
	size_t i, left = PREVIEW_CHARS;
	int html, quoted = 0, newline = 1, space = 0, depth = 0;

	imap_msg_parse(m);
	t = m->text.data ? m->text.data : "";
	while (p->multipart && p->nkids > 0 && depth++ < 100)
		p = &p->kids[0];
	if (p->multipart || str_casecmp(p->type, "text") != 0)
		return;
	html = str_casecmp(p->subtype, "html") == 0;
	buf_init(&v, 0);
	buf_init(&raw, 0);
	buf_init(&text, 0);
	buf_init(&cs, 0);
	if (imap_hdr_get(t + p->hdr, p->hdr_len, "Content-Transfer-Encoding",
	    &v) == 0)
		buf_reset(&v);
	if (imap_part_decode(t + p->body, p->body_len, v.data, &raw) == -1)
		goto done;
	if (imap_hdr_get(t + p->hdr, p->hdr_len, "Content-Type", &v))
		imap_ct_param(v.data ? v.data : "", "charset", &cs);
	if (imap_utf8_from(cs.data, raw.data ? raw.data : "", raw.len,
	    &text) == -1)
		(void)imap_utf8_from(NULL, raw.data ? raw.data : "", raw.len,
		    &text);
	if (html) {
		buf_reset(&raw);
		html_text(text.data ? text.data : "", text.len, &raw);
		buf_reset(&text);
		(void)buf_add(&text, raw.data ? raw.data : "", raw.len);
	}
	for (i = 0; i < text.len; ) {
		unsigned char c = (unsigned char)text.data[i];
		size_t k;

		if (newline && c == '>' && !html) {
			quoted = 1;
			newline = 0;
		}
		if (quoted) {
			if (c == '\n')
				quoted = 0, newline = 1;
			i++;
			continue;
		}
		newline = 0;
		if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
			space = 1;
			newline = c == '\n';
			i++;
			continue;
		}
		if (space && out->len > start) {
			(void)buf_addc(out, ' ');
			if (left-- == 0)
				break;
		}
		if (left-- == 0)
			break;
		k = imap_utf8_len((const unsigned char *)text.data + i,
		    text.len - i);
		if (k == 0)
			k = 1;
		(void)buf_add(out, text.data + i, k);
		space = 0;
		i += k;
	}
	/* no white space at either end (dovecot trims it too) */
	if (out->len > start && out->data[out->len - 1] == ' ')
		out->data[--out->len] = '\0';
done:
	buf_free(&v);
	buf_free(&raw);
	buf_free(&text);
	buf_free(&cs);
}
