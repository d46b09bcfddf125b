/*
 * mime8to7_hdr.c -- the header side of the 8-to-7-bit conversion,
 * without I/O: where a header block ends, the first field of a name in
 * it, and the tokens of a Content-Type or Content-Transfer-Encoding
 * value as sendmail's MIME tokeniser splits them (atoms, quoted strings,
 * the tspecials one by one, comments dropped).
 */
#include <string.h>

#include "deliver/mime8to7.h"
#include "lib/str.h"

/* A header line starts with a field name (printable, no ':' or space)
 * and a colon, white space allowed before the colon. */
static int
is_field(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (unsigned char)s[i] > ' ' && s[i] != ':' &&
	    (unsigned char)s[i] < 0x7f)
		i++;
	if (i == 0)
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n && s[i] == ':';
}

size_t
mime87_hdr_block(const char *p, size_t len, size_t off, size_t *end_out)
{
	const char *nl;
	size_t eol, next;
	int any = 0;

	while (off < len) {
		nl = memchr(p + off, '\n', len - off);
		eol = nl != NULL ? (size_t)(nl - p) : len;
		next = nl != NULL ? eol + 1 : len;
		if (eol == off) {		/* the empty line: consumed */
			*end_out = off;
			return next;
		}
		if (p[off] == ' ' || p[off] == '\t') {
			if (!any)
				break;
		} else if (!is_field(p + off, eol - off))
			break;
		any = 1;
		off = next;
	}
	*end_out = off;
	return off;
}

/* Length of the field starting at off (continuation lines included, its
 * last LF not), and where the next one starts. */
static size_t
field_len(const char *p, size_t end, size_t off, size_t *next_out)
{
	const char *nl;
	size_t e = off;

	for (;;) {
		nl = memchr(p + e, '\n', end - e);
		if (nl == NULL) {
			*next_out = end;
			return end - off;
		}
		e = (size_t)(nl - p) + 1;
		if (e >= end || (p[e] != ' ' && p[e] != '\t')) {
			*next_out = e;
			return e - 1 - off;
		}
	}
}

int
mime87_hdr_is(const char *field, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n < k || str_ncasecmp(field, name, k) != 0)
		return 0;
	while (k < n && (field[k] == ' ' || field[k] == '\t'))
		k++;
	return k < n && field[k] == ':';
}

void
mime87_hdr_next(const char *p, size_t end, size_t *off, const char **f_out,
    size_t *n_out)
{
	size_t next;

	*f_out = p + *off;
	*n_out = field_len(p, end, *off, &next);
	*off = next;
}

int
mime87_hdr_find(const char *p, size_t start, size_t end, const char *name,
    const char **val_out, size_t *n_out)
{
	const char *f, *colon;
	size_t off = start, n;

	while (off < end) {
		mime87_hdr_next(p, end, &off, &f, &n);
		if (mime87_hdr_is(f, n, name)) {
			colon = memchr(f, ':', n);
			*val_out = colon + 1;
			*n_out = n - (size_t)(colon + 1 - f);
			return 1;
		}
	}
	return 0;
}

#define TSPECIALS "()<>@,;:\\\"/[]?="

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

size_t
mime87_tokens(const char *s, size_t n, struct mime87_tok *tok, size_t max)
{
	size_t i = 0, nt = 0, start;
	int depth;

	while (i < n && nt < max) {
		unsigned char c = (unsigned char)s[i];

		if (is_space(c)) {
			i++;
		} else if (c == '(') {
			for (depth = 0; i < n; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				else if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0) {
					i++;
					break;
				}
			}
		} else if (c == '"') {
			start = i++;
			while (i < n && s[i] != '"') {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				i++;
			}
			if (i < n)
				i++;
			tok[nt].s = s + start;
			tok[nt++].n = i - start;
		} else if (strchr(TSPECIALS, c) != NULL || c < 0x20) {
			tok[nt].s = s + i++;
			tok[nt++].n = 1;
		} else {
			start = i;
			while (i < n && !is_space((unsigned char)s[i]) &&
			    (unsigned char)s[i] >= 0x20 &&
			    strchr(TSPECIALS, s[i]) == NULL)
				i++;
			tok[nt].s = s + start;
			tok[nt++].n = i - start;
		}
	}
	return nt;
}

int
mime87_tok_is(const struct mime87_tok *t, const char *word)
{
	return t->n == strlen(word) && str_ncasecmp(t->s, word, t->n) == 0;
}

void
mime87_unquote(const struct mime87_tok *t, char *out, size_t size,
    int *cut_out)
{
	size_t i, k = 0;

	*cut_out = 0;
	for (i = 0; i < t->n; i++) {
		if (t->s[i] == '"')
			continue;
		if (t->s[i] == '\\' && i + 1 < t->n)
			i++;
		if (k + 1 >= size) {
			*cut_out = 1;
			break;
		}
		out[k++] = t->s[i];
	}
	out[k] = '\0';
}
