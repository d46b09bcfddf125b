/*
 * cf_print.c -- tokens and strings as sendmail shows them: metasymbol
 * bytes as $*, $#, $=X, ${name}, control characters as ^X, each trace
 * line built in one buffer and written at once.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/xalloc.h"


static const struct {
	char	name;
	int	val;
} metamacros[] = {
	{ '*', META_MATCHZANY }, { '+', META_MATCHANY },
	{ '-', META_MATCHONE }, { '=', META_MATCHCLASS },
	{ '~', META_MATCHNCLASS }, { '#', META_CANONNET },
	{ '@', META_CANONHOST }, { ':', META_CANONUSER },
	{ '>', META_CALLSUBR }, { '?', META_CONDIF },
	{ '|', META_CONDELSE }, { '.', META_CONDFI },
	{ '[', META_HOSTBEGIN }, { ']', META_HOSTEND },
	{ '(', META_LOOKUPBEGIN }, { ')', META_LOOKUPEND },
	{ '&', META_MACRODEXPAND }, { 0, 0 }
};

static void
macname_buf(struct cf *cf, struct buf *out, int id)
{
	char tmp[2];
	const char *n = cf_macname(cf, id, tmp);

	if (strlen(n) > 1)
		(void)buf_printf(out, "{%s}", n);
	else
		buf_addc(out, n[0]);
}

/* Prints a token or string with metasymbols shown as $x. */
static void
xputs_buf(struct cf *cf, struct buf *out, const char *s)
{
	int c, i;

	if (s == NULL) {
		buf_adds(out, "<null>");
		return;
	}
	/* the common case: a token of printable ASCII */
	for (i = 0; s[i] != '\0'; i++)
		if (!isascii((unsigned char)s[i]) ||
		    !isprint((unsigned char)s[i]))
			break;
	if (s[i] == '\0') {
		buf_adds(out, s);
		return;
	}
	while ((c = (unsigned char)*s++) != '\0') {
		if (!isascii(c)) {
			if (c == META_MATCHREPL) {
				buf_addc(out, '$');
				if (*s == '\0')
					continue;
				c = (unsigned char)*s++;
				goto printchar;
			}
			if (c == META_MACROEXPAND || c == META_MACRODEXPAND ||
			    c == META_CONDIF) {
				buf_addc(out, '$');
				if (c != META_MACROEXPAND)
					buf_addc(out, c == META_CONDIF ? '?' : '&');
				if (*s == '\0')
					continue;
				macname_buf(cf, out, (unsigned char)*s++);
				continue;
			}
			for (i = 0; metamacros[i].name != 0; i++)
				if (metamacros[i].val == c) {
					(void)buf_printf(out, "$%c",
					    metamacros[i].name);
					break;
				}
			if (c == META_MATCHCLASS || c == META_MATCHNCLASS) {
				if (*s == '\0')
					continue;
				macname_buf(cf, out, (unsigned char)*s++);
				continue;
			}
			if (metamacros[i].name != 0)
				continue;
			buf_adds(out, "M-");
			c &= 0177;
		}
printchar:
		if (isascii(c) && isprint(c)) {
			buf_addc(out, c);
			continue;
		}
		switch (c) {
		case '\n': c = 'n'; break;
		case '\r': c = 'r'; break;
		case '\t': c = 't'; break;
		}
		if (isascii(c) && isprint(c)) {
			buf_addc(out, '\\');
			buf_addc(out, c);
		} else {
			buf_addc(out, '^');
			buf_addc(out, c ^ 0100);
		}
	}
}

void
cf_printav_buf(struct cf *cf, struct buf *out, char *const *av)
{
	for (; *av != NULL; av++) {
		buf_addc(out, ' ');
		xputs_buf(cf, out, *av);
	}
	buf_addc(out, '\n');
}

/* Prints a token or string with metasymbols shown as $x. */
void
cf_xputs(struct cf *cf, FILE *out, const char *s)
{
	buf_reset(&cf->linebuf);
	xputs_buf(cf, &cf->linebuf, s);
	(void)fwrite(cf->linebuf.data, 1, cf->linebuf.len, out);
}

/* One trace line: " tok tok ...\n", written at once. */
void
cf_printav(struct cf *cf, FILE *out, char *const *av)
{
	buf_reset(&cf->linebuf);
	cf_printav_buf(cf, &cf->linebuf, av);
	(void)fwrite(cf->linebuf.data, 1, cf->linebuf.len, out);
}

void
cf_put_macname(struct cf *cf, FILE *out, int id)
{
	struct buf b;

	buf_init(&b, 0);
	macname_buf(cf, &b, id);
	(void)fputs(buf_cstr(&b), out);
	buf_free(&b);
}
