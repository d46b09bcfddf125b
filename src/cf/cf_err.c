/*
 * cf_err.c -- how configuration and address problems reach the user:
 * "FILE: line N: text" while a cf is being read, "addr... text" for an
 * address when the reply code is one sendmail names it for, with the
 * SMTP and enhanced status codes stripped as sendmail does outside an
 * SMTP session.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"

#define MAXSHORTSTR	203	/* sendmail shortens "addr... " to this */

/* Skips "553 " and "5.1.1 " prefixes. */
static const char *
strip_codes(const char *m)
{
	if (isdigit((unsigned char)m[0]) && isdigit((unsigned char)m[1]) &&
	    isdigit((unsigned char)m[2]) && (m[3] == ' ' || m[3] == '-')) {
		m += 4;
		if (isdigit((unsigned char)m[0]) && m[1] == '.') {
			const char *p = m + 2;

			while (isdigit((unsigned char)*p))
				p++;
			if (*p == '.') {
				p++;
				while (isdigit((unsigned char)*p))
					p++;
				if (*p == ' ')
					m = p + 1;
			}
		}
	}
	return m;
}

/*
 * "FILE: line N: " while a file is read (a long name shortened to 83
 * bytes as sendmail does), else "".
 */
void
cf_where(struct cf *cf, char *prefix, size_t size)
{
	char shortname[96];

	prefix[0] = '\0';
	if (cf->file != NULL)
		(void)snprintf(prefix, size, "%s: line %d: ",
		    str_shorten(cf->file, 83, shortname, sizeof(shortname)),
		    cf->line);
}

static void
emit_text(struct cf *cf, const char *prefix, const char *text)
{
	FILE *out = cf->out ? cf->out : stdout;

	if (prefix != NULL)
		(void)fputs(prefix, out);
	(void)fprintf(out, "%s\n", strip_codes(text));
	(void)fflush(out);
}

static void __attribute__((format(printf, 3, 0)))
emit(struct cf *cf, const char *prefix, const char *fmt, va_list ap)
{
	char text[2048];

	(void)vsnprintf(text, sizeof(text), fmt, ap);
	emit_text(cf, prefix, text);
}

/* An error during a session goes to its hook, codes intact. */
static int __attribute__((format(printf, 4, 0)))
hooked(struct cf *cf, int kind, const char *to, const char *fmt, va_list ap)
{
	char text[2048];

	if (cf->errfn == NULL || cf->file != NULL)
		return 0;
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	cf->errfn(cf->errarg, kind, to, text);
	return 1;
}

void
cf_set_errfn(struct cf *cf, cf_errfn *fn, void *arg)
{
	cf->errfn = fn;
	cf->errarg = arg;
}

void
cf_get_errfn(struct cf *cf, cf_errfn **fn_out, void **arg_out)
{
	*fn_out = cf->errfn;
	*arg_out = cf->errarg;
}

void
cf_syserr(struct cf *cf, const char *fmt, ...)
{
	char prefix[1100];
	va_list ap;

	cf->nmsgs++;
	cf->nerrors++;
	if (cf->exitstat == 0)
		cf->exitstat = 70;	/* EX_SOFTWARE */
	va_start(ap, fmt);
	if (hooked(cf, CF_ERR_SYS, NULL, fmt, ap)) {
		va_end(ap);
		return;
	}
	va_end(ap);
	cf_where(cf, prefix, sizeof(prefix));
	va_start(ap, fmt);
	emit(cf, prefix, fmt, ap);
	va_end(ap);
}

/*
 * Whether sendmail names the address ("to... ") before a message with
 * this text: only for the reply codes 050, 250, 252, 450, 550 and 553.
 * A text without a code is one of our notices (sendmail's message(),
 * code 050): callers give the code of every real usrerr.
 */
static int
names_address(const char *text)
{
	static const char *const codes[] = {
		"050", "250", "252", "450", "550", "553"
	};
	size_t i;

	if (!(text[0] >= '2' && text[0] <= '5' &&
	    isdigit((unsigned char)text[1]) &&
	    isdigit((unsigned char)text[2]) &&
	    (text[3] == ' ' || text[3] == '-')))
		return 1;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strncmp(text, codes[i], 3) == 0)
			return 1;
	return 0;
}

/* A message about address to: to its hook, else "to... text" out. */
static void __attribute__((format(printf, 4, 0)))
addrmsg(struct cf *cf, int kind, const char *to, const char *fmt,
    va_list ap)
{
	char prefix[1100], text[2048], shortto[MAXSHORTSTR + 1];
	size_t n;
	va_list ap2;

	cf->nmsgs++;
	va_copy(ap2, ap);
	if (hooked(cf, kind, to, fmt, ap2)) {
		va_end(ap2);
		return;
	}
	va_end(ap2);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	/* "FILE: line N: " first, then the address, 8-bit bytes masked */
	cf_where(cf, prefix, sizeof(prefix));
	if (to != NULL && to[0] != '\0' && names_address(text)) {
		n = strlen(prefix);
		(void)snprintf(prefix + n, sizeof(prefix) - n, "%s... ",
		    str_shorten(to, MAXSHORTSTR, shortto, sizeof(shortto)));
		for (; prefix[n] != '\0'; n++)
			prefix[n] = (char)(prefix[n] & 0177);
	}
	emit_text(cf, prefix, text);
}

void
cf_usrerr(struct cf *cf, const char *to, const char *fmt, ...)
{
	va_list ap;

	cf->nusrerr++;
	va_start(ap, fmt);
	addrmsg(cf, CF_ERR_USER, to, fmt, ap);
	va_end(ap);
}

void
cf_notice(struct cf *cf, const char *to, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	addrmsg(cf, CF_ERR_NOTE, to, fmt, ap);
	va_end(ap);
}

void
cf_message(struct cf *cf, const char *fmt, ...)
{
	va_list ap;

	cf->nmsgs++;
	if (cf->holderrs)
		return;
	va_start(ap, fmt);
	if (hooked(cf, CF_ERR_NOTE, NULL, fmt, ap)) {
		va_end(ap);
		return;
	}
	va_end(ap);
	va_start(ap, fmt);
	emit(cf, NULL, fmt, ap);
	va_end(ap);
}
