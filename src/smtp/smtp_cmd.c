/*
 * smtp_cmd.c -- SMTP command lines: the verb and its argument, split in
 * place as sendmail 8.17 does (leading white space skipped, the verb
 * runs to white space, the argument starts after the white space), and
 * the "FROM:"/"TO:" keyword of MAIL and RCPT.
 */
#include <string.h>

#include "smtp.h"
#include "lib/str.h"

static const struct {
	const char	*name;
	enum smtp_verb	 verb;
} verbs[] = {
	{ "HELO", SMTP_HELO },
	{ "EHLO", SMTP_EHLO },
	{ "MAIL", SMTP_MAIL },
	{ "RCPT", SMTP_RCPT },
	{ "DATA", SMTP_DATA },
	{ "BDAT", SMTP_BDAT },
	{ "RSET", SMTP_RSET },
	{ "NOOP", SMTP_NOOP },
	{ "QUIT", SMTP_QUIT },
	{ "VRFY", SMTP_VRFY },
	{ "EXPN", SMTP_EXPN },
	{ "HELP", SMTP_HELP },
	{ "VERB", SMTP_VERB },
	{ "ETRN", SMTP_ETRN },
	{ "STARTTLS", SMTP_STARTTLS },
	{ "AUTH", SMTP_AUTH },
	{ "ONEX", SMTP_ONEX },
	{ "XUSR", SMTP_XUSR },
};

/* isspace() in the C locale, without the locale lookup */
static int
is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

void
smtp_cmd_parse(char *line, size_t len, struct smtp_cmd *out)
{
	char *p = line, *end = line + len;
	size_t i;
	int has_nul;

	has_nul = memchr(line, '\0', len) != NULL;
	while (p < end && is_space((unsigned char)*p))
		p++;
	out->word = p;
	while (p < end && *p != '\0' && !is_space((unsigned char)*p))
		p++;
	out->verb = SMTP_UNKNOWN;
	if (has_nul) {
		/* the word up to the NUL; nothing after it is trusted */
		*p = '\0';
		out->arg = p;
		return;
	}
	if (p < end) {
		*p++ = '\0';
		while (p < end && is_space((unsigned char)*p))
			p++;
	}
	out->arg = p;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (str_casecmp(out->word, verbs[i].name) == 0) {
			out->verb = verbs[i].verb;
			break;
		}
}

const char *
smtp_verb_name(enum smtp_verb v)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return "";
}

int
smtp_verb_not_implemented(const char *word)
{
	static const char *const old[] = { "TURN", "SEND", "SAML", "SOML" };
	size_t i;

	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++)
		if (str_casecmp(word, old[i]) == 0)
			return 1;
	return 0;
}

char *
smtp_skip_keyword(char *arg, const char *keyword)
{
	char *p = arg, *w;
	size_t klen = strlen(keyword);

	if (klen > 0 && keyword[klen - 1] == ':')
		klen--;
	while (is_space((unsigned char)*p))
		p++;
	w = p;
	while (*p != '\0' && *p != ':' && !is_space((unsigned char)*p))
		p++;
	if ((size_t)(p - w) != klen || str_ncasecmp(w, keyword, klen) != 0)
		return NULL;
	while (is_space((unsigned char)*p))
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (is_space((unsigned char)*p))
		p++;
	return p;
}
