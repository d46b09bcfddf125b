/*
 * imap_casemap.c -- I18NLEVEL=1 (RFC 5255): the i;unicode-casemap
 * comparator (RFC 5051) as dovecot 2.3 applies it to SEARCH and SORT,
 * and text in other charsets turned into UTF-8 for it.  A string is
 * compared by its "decomposed titlecase": every character mapped to its
 * simple titlecase and then to its decomposition, one level (the table
 * in imap_casemap_tab.h, made by imap_casemap_gen.py; Hangul syllables
 * here), invalid UTF-8 as U+FFFD.  SEARCH looks for the key's form as a
 * substring of the text's, SORT compares the forms' bytes.  No I/O.
 */
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"

#include "imap_casemap_tab.h"

#define NKEYS		(sizeof(cm_key) / sizeof(cm_key[0]))
#define HANGUL_FIRST	0xac00
#define HANGUL_LAST	0xd7a3

void
imap_utf8_put(struct buf *out, uint32_t c)
{
	if (c < 0x80)
		(void)buf_addc(out, (int)c);
	else if (c < 0x800) {
		(void)buf_addc(out, (int)(0xc0 | c >> 6));
		(void)buf_addc(out, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		(void)buf_addc(out, (int)(0xe0 | c >> 12));
		(void)buf_addc(out, (int)(0x80 | (c >> 6 & 0x3f)));
		(void)buf_addc(out, (int)(0x80 | (c & 0x3f)));
	} else {
		(void)buf_addc(out, (int)(0xf0 | c >> 18));
		(void)buf_addc(out, (int)(0x80 | (c >> 12 & 0x3f)));
		(void)buf_addc(out, (int)(0x80 | (c >> 6 & 0x3f)));
		(void)buf_addc(out, (int)(0x80 | (c & 0x3f)));
	}
}

size_t
imap_utf8_len(const unsigned char *s, size_t n)
{
	size_t k, want;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	want = s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : s[0] >= 0xe0 &&
	    s[0] < 0xf0 ? 3 : s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
	if (want == 0 || want > n)
		return 0;
	for (k = 1; k < want; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	/* no overlong forms, surrogates or code points past U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return want;
}

/* the code point of a valid sequence of len bytes */
static uint32_t
utf8_get(const unsigned char *s, size_t len)
{
	uint32_t c;
	size_t i;

	if (len == 1)
		return s[0];
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++)
		c = c << 6 | (s[i] & 0x3f);
	return c;
}

static void casemap_char(struct buf *, uint32_t);

/* fn for each character of in[0..n), U+FFFD for each byte that does
 * not start a valid one */
static void
utf8_walk(const char *in, size_t n, void (*fn)(struct buf *, uint32_t),
    struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, k;

	while (i < n) {
		if ((k = imap_utf8_len(s + i, n - i)) == 0) {
			fn(out, 0xfffd);
			i++;
			continue;
		}
		fn(out, utf8_get(s + i, k));
		i += k;
	}
}

static void
utf8_checked(const char *in, size_t n, struct buf *out)
{
	utf8_walk(in, n, imap_utf8_put, out);
}

static int
is_charset(const char *cs, const char *const *names)
{
	for (; *names != NULL; names++)
		if (str_casecmp(cs, *names) == 0)
			return 1;
	return 0;
}

static const char *const utf8_names[] = { "UTF-8", "UTF8", "US-ASCII",
    "ASCII", NULL };

int
imap_charset_utf8(const char *charset)
{
	return is_charset(charset, utf8_names);
}

int
imap_utf8_from(const char *charset, const char *in, size_t n,
    struct buf *out)
{
	static const char *const latin1[] = { "ISO-8859-1", "ISO_8859-1",
	    "LATIN1", "L1", NULL };
	const unsigned char *s = (const unsigned char *)in;
	iconv_t cd;
	size_t i;

	if (charset == NULL || *charset == '\0' ||
	    is_charset(charset, utf8_names)) {
		utf8_checked(in, n, out);
		return 0;
	}
	if (is_charset(charset, latin1)) {
		for (i = 0; i < n; i++)
			imap_utf8_put(out, s[i]);
		return 0;
	}
	if ((cd = iconv_open("UTF-8", charset)) == (iconv_t)-1)
		return -1;
	{
		char chunk[1024];
		char *ip = (char *)in;
		size_t left = n;

		while (left > 0) {
			char *op = chunk;
			size_t room = sizeof(chunk);
			size_t r = iconv(cd, &ip, &left, &op, &room);

			utf8_checked(chunk, (size_t)(op - chunk), out);
			if (r == (size_t)-1 && op == chunk) {
				/* a byte it cannot read, or a sequence
				 * cut at the end */
				imap_utf8_put(out, 0xfffd);
				ip++;
				left--;
			}
		}
	}
	(void)iconv_close(cd);
	return 0;
}

/* Appends the decomposed titlecase of code point c. */
static void
casemap_char(struct buf *out, uint32_t c)
{
	size_t lo = 0, hi = NKEYS;

	if (c < 0x80) {
		(void)buf_addc(out, c >= 'a' && c <= 'z' ? (int)c - 32 :
		    (int)c);
		return;
	}
	if (c >= HANGUL_FIRST && c <= HANGUL_LAST) {
		uint32_t i = c - HANGUL_FIRST;

		imap_utf8_put(out, 0x1100 + i / 588);
		imap_utf8_put(out, 0x1161 + i % 588 / 28);
		if (i % 28 != 0)
			imap_utf8_put(out, 0x11a7 + i % 28);
		return;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cm_key[mid] == c) {
			uint32_t v = cm_val[mid];
			size_t k;

			if (!(v & 0x80000000u)) {
				imap_utf8_put(out, v);
				return;
			}
			for (k = 0; k < (v & 0xf); k++)
				imap_utf8_put(out,
				    cm_seq[((v & 0x7fffffffu) >> 4) + k]);
			return;
		}
		if (cm_key[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	imap_utf8_put(out, c);
}

void
imap_casemap(const char *in, size_t n, struct buf *out)
{
	utf8_walk(in, n, casemap_char, out);
}

int
imap_casemap_has(const char *hay, size_t n, const char *needle, size_t m)
{
	struct buf b;
	int found;

	if (m == 0)
		return 1;
	buf_init(&b, 0);
	imap_casemap(hay, n, &b);
	found = b.len >= m && memmem(b.data, b.len, needle, m) != NULL;
	buf_free(&b);
	return found;
}
