/*
 * smtpc_reply.c -- the client's view of a server's replies, without I/O:
 * assembling the lines of one (multi-line) reply with limits, reading
 * the keywords of an EHLO reply, the default enhanced code for a reply
 * code, and the checks that keep parameters and addresses from
 * breaking a command line.
 */
#include <string.h>

#include "deliver/smtpc.h"
#include "lib/str.h"
#include "smtp/smtp.h"

void
smtpc_reply_init(struct smtpc_reply *r)
{
	buf_init(&r->first, SMTPC_LINE_MAX + 1);
	buf_init(&r->lines, 0);
	smtpc_reply_reset(r);
}

void
smtpc_reply_reset(struct smtpc_reply *r)
{
	r->code = 0;
	r->enh[0] = '\0';
	buf_reset(&r->first);
	buf_reset(&r->lines);
	r->textoff = 0;
	r->nlines = 0;
	r->done = 0;
	r->why = NULL;
}

void
smtpc_reply_free(struct smtpc_reply *r)
{
	if (r == NULL)
		return;
	buf_free(&r->first);
	buf_free(&r->lines);
}

/* Appends p with control bytes (a peer's, bound for logs) as spaces. */
static int
add_clean(struct buf *b, const char *p, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (buf_addc(b, c < 0x20 || c == 0x7f ? ' ' : c) == -1)
			return -1;
	}
	return 0;
}

/* Three digits, then the end, a space or a '-'. */
static int
looks_like_reply(const char *p, size_t n)
{
	return n >= 3 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' &&
	    p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
	    (n == 3 || p[3] == ' ' || p[3] == '-');
}

static enum smtpc_feed
fail(struct smtpc_reply *r, const char *why)
{
	r->why = why;
	return SMTPC_REPLY_ERROR;
}

enum smtpc_feed
smtpc_reply_feed(struct smtpc_reply *r, const char *line, size_t len)
{
	struct smtp_reply_line l;

	if (r->done)
		smtpc_reply_reset(r);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (++r->nlines > SMTPC_REPLY_LINES)
		return fail(r, "reply of too many lines");
	if (len > SMTPC_LINE_MAX)
		return fail(r, "reply line too long");
	if (smtp_reply_line_parse(line, len, &l) != 0) {
		/* shaped like a reply but not one (a NUL, a 1xx or 6xx
		 * code): out of step; anything else is skipped */
		if (looks_like_reply(line, len))
			return fail(r, "malformed reply line");
		return SMTPC_REPLY_MORE;
	}
	if (r->code == 0) {
		r->code = l.code;
		memcpy(r->enh, l.enh, sizeof(r->enh));
		if (add_clean(&r->first, line, len) == -1)
			return fail(r, "reply line too long");
		r->textoff = (size_t)(l.text - line);
	} else if (l.code != r->code)
		return fail(r, "reply code changed within a reply");
	if (add_clean(&r->lines, l.text, l.textlen) == -1 ||
	    buf_addc(&r->lines, '\n') == -1)
		return fail(r, "reply too long");
	if (l.more)
		return SMTPC_REPLY_MORE;
	r->done = 1;
	return SMTPC_REPLY_DONE;
}

const char *
smtpc_reply_text(const struct smtpc_reply *r)
{
	if (r->first.data == NULL || r->textoff > r->first.len)
		return "";
	return r->first.data + r->textoff;
}

/* Decimal without sign; 0 on junk or overflow (no limit then). */
static unsigned long long
parse_size(const char *p, size_t n)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		if (v > (~0ULL - 9) / 10)
			return 0;
		v = v * 10 + (unsigned long long)(p[i] - '0');
	}
	return v;
}

static const struct {
	const char	*word;
	unsigned	 flag;
} ext_words[] = {
	{ "SIZE", SMTPC_EXT_SIZE },
	{ "8BITMIME", SMTPC_EXT_8BITMIME },
	{ "PIPELINING", SMTPC_EXT_PIPELINING },
	{ "DSN", SMTPC_EXT_DSN },
	{ "ENHANCEDSTATUSCODES", SMTPC_EXT_ENHSTATUS },
	{ "STARTTLS", SMTPC_EXT_STARTTLS },
	{ "AUTH", SMTPC_EXT_AUTH },
	{ "SMTPUTF8", SMTPC_EXT_SMTPUTF8 },
	{ "CHUNKING", SMTPC_EXT_CHUNKING },
};

static void
ext_line(const char *p, size_t n, struct smtpc_ext *ext)
{
	size_t k, i;
	const char *arg;

	for (k = 0; k < n && p[k] != ' ' && p[k] != '='; k++)
		continue;
	for (i = 0; i < sizeof(ext_words) / sizeof(ext_words[0]); i++) {
		if (strlen(ext_words[i].word) != k ||
		    str_ncasecmp(p, ext_words[i].word, k) != 0)
			continue;
		ext->flags |= ext_words[i].flag;
		if (ext_words[i].flag == SMTPC_EXT_AUTH && k < n)
			ext->auth_mechs |= smtpc_mech_bits(p + k + 1,
			    n - k - 1);
		if (ext_words[i].flag == SMTPC_EXT_SIZE && k < n) {
			arg = p + k + 1;
			ext->maxsize = parse_size(arg,
			    (size_t)(p + n - arg));
		}
	}
}

void
smtpc_ehlo_parse(const struct smtpc_reply *r, struct smtpc_ext *ext)
{
	const char *p, *end, *nl;
	int first = 1;

	ext->flags = 0;
	ext->maxsize = 0;
	ext->auth_mechs = 0;
	if (r->lines.data == NULL)
		return;
	p = r->lines.data;
	end = p + r->lines.len;
	for (; p < end; p = nl + 1, first = 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (!first)
			ext_line(p, (size_t)(nl - p), ext);
	}
}

const char *
smtpc_code_dsn(int code)
{
	switch (code) {
	case 421:
		return "4.4.2";
	case 450:
		return "4.2.0";
	case 451:
		return "4.3.0";
	case 452:
		return "4.3.1";
	case 500:
	case 501:
		return "5.5.2";
	case 502:
	case 503:
		return "5.5.1";
	case 504:
		return "5.5.4";
	case 550:
		return "5.2.0";
	case 551:
		return "5.1.6";
	case 552:
		return "5.2.2";
	case 553:
		return "5.1.0";
	case 554:
		return "5.0.0";
	}
	if (code / 100 == 2)
		return "2.0.0";
	if (code / 100 == 4)
		return "4.0.0";
	return "5.0.0";
}

int
smtpc_xtext_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (*p < 33 || *p > 126 || *p == '=')
			return 0;
	return 1;
}

int
smtpc_addr_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}
