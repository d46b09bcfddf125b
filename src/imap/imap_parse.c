/*
 * imap_parse.c -- IMAP command lines into struct imap_cmd, without I/O:
 * the caller hands everything received for the command so far and gets
 * a command, "need more", "send a continuation for this literal", or a
 * typed error.  Nesting, argument count, line and literal sizes are
 * bounded by struct imap_limits (dovecot's CVE-2026-27857 was unbounded
 * list nesting before login); literal sizes are checked before anything
 * is allocated for them.  Also the small argument parsers: sequence
 * sets, flag names and dates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/base64.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define TAG_MAX		128
#define NAME_MAX	64

void
imap_limits_default(struct imap_limits *l, int authenticated)
{
	l->max_line = 65536;			/* imap_max_line_length */
	l->max_literal = authenticated ? (size_t)1 << 30 : 8192;
	l->max_depth = authenticated ? 32 : 8;
	l->max_args = authenticated ? 100000 : 64;
}

struct parser {
	const char		*b;
	size_t			 len, pos;
	const struct imap_limits *lim;
	size_t			 lit_bytes;	/* literal data consumed */
	size_t			 nargs;
	size_t			 lit_off;
	int			 literal8_ok;	/* APPEND's ~{n} */
	const char		*name;		/* the command's */
	enum imap_parse		 result;
	struct err		*err;
};

/* Stops the parse: more input needed (or a limit when the line is
 * already too long). */
static int
need_more(struct parser *p)
{
	/* everything not literal data is part of the command line */
	if (p->len - p->lit_bytes > p->lim->max_line) {
		p->result = IMAP_PARSE_TOO_BIG;
		err_set(p->err, ERR_PROTOCOL, "Too long argument.");
		return -1;
	}
	p->result = IMAP_PARSE_NEED_MORE;
	return -1;
}

static int
bad(struct parser *p, const char *why)
{
	p->result = IMAP_PARSE_BAD;
	err_set(p->err, ERR_PROTOCOL, "%s", why);
	return -1;
}

static int
too_big(struct parser *p, const char *why)
{
	p->result = IMAP_PARSE_TOO_BIG;
	err_set(p->err, ERR_PROTOCOL, "%s", why);
	return -1;
}

static int
is_atom_char(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return 0;
	return c != '(' && c != ')' && c != '{' && c != '"' && c != '\\';
}

static int
is_tag_char(unsigned char c)
{
	return is_atom_char(c) && c != '+' && c != '*' && c != '%' &&
	    c != ']';
}

static struct imap_arg *
arg_add(struct imap_arg **v, size_t *n)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	return &(*v)[(*n)++];
}

void
imap_args_free(struct imap_arg *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].str);
		imap_args_free(v[i].list, v[i].nlist);
	}
	free(v);
}

static int
parse_quoted(struct parser *p, struct imap_arg *a)
{
	size_t start = ++p->pos, n = 0;
	char *s;

	/* first pass: find the end and the decoded length */
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len)
			return need_more(p);
		c = (unsigned char)p->b[p->pos];
		if (c == '"')
			break;
		if (c == '\0' || c == '\r' || c == '\n')
			return bad(p, "Invalid characters in quoted string.");
		if (c == '\\') {
			if (p->pos + 1 >= p->len)
				return need_more(p);
			c = (unsigned char)p->b[p->pos + 1];
			if (c != '"' && c != '\\')
				return bad(p, "Invalid escape in quoted "
				    "string.");
			p->pos++;
		}
		p->pos++;
		n++;
	}
	s = xmalloc(n + 1);
	for (n = 0; start < p->pos; start++) {
		if (p->b[start] == '\\')
			start++;
		s[n++] = p->b[start];
	}
	s[n] = '\0';
	p->pos++;			/* closing quote */
	a->type = IMAP_ARG_QUOTED;
	a->str = s;
	a->len = n;
	return 0;
}

static int
parse_literal(struct parser *p, struct imap_arg *a)
{
	uint64_t n = 0;
	size_t digits = 0, data;
	int plus = 0, lit8 = 0;

	if (p->b[p->pos] == '~') {	/* literal8 (BINARY) */
		if (!p->literal8_ok) {
			(void)bad(p, "");
			err_set(p->err, ERR_PROTOCOL, "Error in IMAP command "
			    "%s: literal8 not allowed here.", p->name);
			return -1;
		}
		lit8 = 1;
		p->pos++;
	}
	if (p->pos >= p->len)
		return need_more(p);
	if (p->b[p->pos] != '{')
		return bad(p, "Invalid literal.");
	p->pos++;
	for (;; p->pos++) {
		unsigned char c;

		if (p->pos >= p->len)
			return need_more(p);
		c = (unsigned char)p->b[p->pos];
		if (c < '0' || c > '9')
			break;
		n = n * 10 + (uint64_t)(c - '0');
		if (++digits > 20 || n > UINT32_MAX * (uint64_t)4)
			return too_big(p, "Literal size too large.");
	}
	if (digits == 0)
		return bad(p, "Invalid literal size.");
	if (p->b[p->pos] == '+') {
		plus = 1;
		if (++p->pos >= p->len)
			return need_more(p);
	}
	if (p->b[p->pos] != '}')
		return bad(p, "Invalid literal size.");
	p->pos++;
	if (p->pos >= p->len)
		return need_more(p);
	if (p->b[p->pos] == '\r') {
		p->pos++;
		if (p->pos >= p->len)
			return need_more(p);
	}
	if (p->b[p->pos] != '\n')
		return bad(p, "Missing CRLF after literal size.");
	p->pos++;
	if (p->pos - p->lit_bytes > p->lim->max_line)
		return too_big(p, "Too long argument.");
	if (n > p->lim->max_literal) {
		p->lit_off = p->pos;	/* the caller resumes (or drops) here */
		return too_big(p, "Literal too large.");
	}
	data = p->len - p->pos;
	if (data < n) {
		p->lit_off = p->pos;
		p->result = plus ? IMAP_PARSE_NEED_MORE : IMAP_PARSE_LITERAL;
		return -1;
	}
	p->lit_bytes += (size_t)n;
	a->type = IMAP_ARG_LITERAL;
	a->literal8 = lit8;
	a->len = (size_t)n;
	a->str = xmalloc(a->len + 1);
	memcpy(a->str, p->b + p->pos, a->len);
	a->str[a->len] = '\0';
	p->pos += a->len;
	return 0;
}

static int
parse_atom(struct parser *p, struct imap_arg *a)
{
	size_t start = p->pos;

	/* a flag (\Seen, \*) is an atom after its backslash */
	if (p->b[p->pos] == '\\')
		p->pos++;
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len)
			return need_more(p);
		c = (unsigned char)p->b[p->pos];
		if (c == '[') {
			/* BODY[HEADER.FIELDS (From To)]: up to the ']' */
			const char *e = memchr(p->b + p->pos, ']',
			    p->len - p->pos);
			const char *lf = memchr(p->b + p->pos, '\n',
			    p->len - p->pos);

			if (lf != NULL && (e == NULL || lf < e)) {
				/* no section: '[' is an atom char */
				p->pos++;
				continue;
			}
			if (e == NULL)
				return need_more(p);
			p->pos = (size_t)(e - p->b) + 1;
			continue;
		}
		if (!is_atom_char(c) && !(c == '*' && p->pos == start + 1 &&
		    p->b[start] == '\\'))
			break;
		p->pos++;
	}
	if (p->pos == start || (p->pos == start + 1 && p->b[start] == '\\'))
		return bad(p, "Unexpected character.");
	a->type = IMAP_ARG_ATOM;
	a->len = p->pos - start;
	a->str = xstrndup(p->b + start, a->len);
	return 0;
}

static int parse_args(struct parser *, struct imap_arg **, size_t *,
	    size_t depth, int first);

static int
parse_arg(struct parser *p, struct imap_arg **v, size_t *n, size_t depth)
{
	struct imap_arg *a;
	char c = p->b[p->pos];

	if (++p->nargs > p->lim->max_args)
		return too_big(p, "Too many arguments.");
	a = arg_add(v, n);
	switch (c) {
	case '"':
		return parse_quoted(p, a);
	case '~':
		/* literal8 ~{n}, else an atom such as ~foo */
		if (p->pos + 1 >= p->len)
			return need_more(p);
		if (p->b[p->pos + 1] != '{')
			return parse_atom(p, a);
		return parse_literal(p, a);
	case '{':
		return parse_literal(p, a);
	case '(':
		if (depth + 1 > p->lim->max_depth)
			return too_big(p, "Too deep list nesting.");
		p->pos++;
		a->type = IMAP_ARG_LIST;
		return parse_args(p, &a->list, &a->nlist, depth + 1, 1);
	case ')':
		return bad(p, "Unexpected ')'.");
	default:
		return parse_atom(p, a);
	}
}

/* Arguments up to ')' (depth > 0) or CRLF (depth 0); each but a list's
 * first is preceded by one space. */
static int
parse_args(struct parser *p, struct imap_arg **v, size_t *n, size_t depth,
    int first)
{
	for (;;) {
		char c;

		if (p->pos >= p->len)
			return need_more(p);
		c = p->b[p->pos];
		if (depth > 0 && c == ')') {
			p->pos++;
			return 0;
		}
		if (c == '\r' || c == '\n') {
			if (depth > 0)
				return bad(p, "Missing ')'.");
			if (c == '\r') {
				if (p->pos + 1 >= p->len)
					return need_more(p);
				if (p->b[p->pos + 1] != '\n')
					return bad(p, "CR without LF.");
				p->pos++;
			}
			p->pos++;
			return 0;
		}
		if (!first) {
			if (c != ' ')
				return bad(p, "Missing space between "
				    "arguments.");
			if (++p->pos >= p->len)
				return need_more(p);
			c = p->b[p->pos];
			if (c == ' ' || c == '\r' || c == '\n' || c == ')')
				return bad(p, "Unexpected space.");
		}
		first = 0;
		if (parse_arg(p, v, n, depth) == -1)
			return -1;
	}
}

/* The end of the current line (after LF) from pos, or 0. */
static size_t
line_end(const char *b, size_t len, size_t pos)
{
	const char *lf = pos < len ? memchr(b + pos, '\n', len - pos) : NULL;

	return lf ? (size_t)(lf - b) + 1 : 0;
}

enum imap_parse
imap_cmd_parse(const char *buf, size_t len, const struct imap_limits *lim,
    struct imap_cmd *cmd, size_t *used_out, size_t *lit_off_out,
    struct err *err)
{
	struct parser p;
	size_t start;

	memset(cmd, 0, sizeof(*cmd));
	memset(&p, 0, sizeof(p));
	p.b = buf;
	p.len = len;
	p.lim = lim;
	p.err = err;
	*used_out = 0;
	*lit_off_out = 0;
	/* tag */
	while (p.pos < len && is_tag_char((unsigned char)buf[p.pos]))
		p.pos++;
	if (p.pos == len) {
		(void)need_more(&p);
		goto out;
	}
	if (p.pos == 0 || p.pos > TAG_MAX) {
		(void)bad(&p, p.pos ? "Tag too long." : "Error in IMAP "
		    "command received by server.");
		goto out;
	}
	cmd->tag = xstrndup(buf, p.pos);
	if (buf[p.pos] != ' ') {
		(void)bad(&p, "Error in IMAP command received by server.");
		goto out;
	}
	start = ++p.pos;
	while (p.pos < len && is_atom_char((unsigned char)buf[p.pos]) &&
	    buf[p.pos] != '[')
		p.pos++;
	if (p.pos == len) {
		(void)need_more(&p);
		goto out;
	}
	if (p.pos == start || p.pos - start > NAME_MAX) {
		(void)bad(&p, "Error in IMAP command received by server.");
		goto out;
	}
	cmd->name = xstrndup(buf + start, p.pos - start);
	p.literal8_ok = str_casecmp(cmd->name, "APPEND") == 0;
	p.name = cmd->name;
	if (parse_args(&p, &cmd->args, &cmd->nargs, 0, 0) == -1)
		goto out;
	if (p.pos - p.lit_bytes > lim->max_line) {
		(void)too_big(&p, "Too long argument.");
		goto out;
	}
	*used_out = p.pos;
	return IMAP_PARSE_OK;
out:
	*lit_off_out = p.lit_off;
	if (p.result == IMAP_PARSE_BAD || p.result == IMAP_PARSE_TOO_BIG)
		*used_out = p.lit_off ? p.lit_off : line_end(buf, len, p.pos);
	if (p.result != IMAP_PARSE_OK) {
		char *tag = cmd->tag;

		cmd->tag = NULL;
		imap_cmd_free(cmd);
		cmd->tag = tag;
	}
	return p.result;
}

void
imap_cmd_free(struct imap_cmd *cmd)
{
	if (cmd == NULL)
		return;
	free(cmd->tag);
	free(cmd->name);
	imap_args_free(cmd->args, cmd->nargs);
	memset(cmd, 0, sizeof(*cmd));
}

/* ---- sequence sets */

static int
seq_number(const char *s, size_t len, size_t *pos, uint32_t *out)
{
	uint64_t v = 0;
	size_t start = *pos;

	if (*pos < len && s[*pos] == '*') {
		(*pos)++;
		*out = 0;		/* "*": the largest number in use */
		return 0;
	}
	while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9') {
		v = v * 10 + (uint64_t)(s[*pos] - '0');
		if (v > UINT32_MAX)
			return -1;
		(*pos)++;
	}
	if (*pos == start || v == 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
imap_seqset_parse(const char *s, size_t len, struct imap_seqset *out)
{
	size_t pos = 0, cap = 0;

	out->v = NULL;
	out->n = 0;
	for (;;) {
		struct imap_range r;

		if (seq_number(s, len, &pos, &r.lo) == -1)
			goto fail;
		r.hi = r.lo;
		if (pos < len && s[pos] == ':') {
			pos++;
			if (seq_number(s, len, &pos, &r.hi) == -1)
				goto fail;
		}
		if (r.lo != 0 && r.hi != 0 && r.lo > r.hi) {
			uint32_t t = r.lo;

			r.lo = r.hi;
			r.hi = t;
		}
		if (out->n == cap) {
			cap = cap ? xmul(cap, 2) : 8;
			out->v = xreallocarray(out->v, cap, sizeof(*out->v));
		}
		out->v[out->n++] = r;
		if (pos == len)
			return 0;
		if (s[pos] != ',')
			goto fail;
		pos++;
	}
fail:
	imap_seqset_free(out);
	return -1;
}

void
imap_seqset_free(struct imap_seqset *s)
{
	if (s == NULL)
		return;
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int
imap_seqset_has(const struct imap_seqset *s, uint32_t n, uint32_t max)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		uint32_t lo = s->v[i].lo == 0 ? max : s->v[i].lo;
		uint32_t hi = s->v[i].hi == 0 ? max : s->v[i].hi;

		if (lo > hi) {
			uint32_t t = lo;

			lo = hi;
			hi = t;
		}
		if (n >= lo && n <= hi)
			return 1;
	}
	return 0;
}

/* ---- small parsers */

int
imap_flag_parse(const char *name, unsigned *flag_out)
{
	static const struct {
		const char	*name;
		unsigned	 bit;
	} f[] = {
		{ "\\Seen", MSG_SEEN }, { "\\Answered", MSG_ANSWERED },
		{ "\\Flagged", MSG_FLAGGED }, { "\\Deleted", MSG_DELETED },
		{ "\\Draft", MSG_DRAFT }
	};
	size_t i;
	const char *p;

	*flag_out = 0;
	if (name[0] == '\\') {
		for (i = 0; i < 5; i++)
			if (str_casecmp(name, f[i].name) == 0) {
				*flag_out = f[i].bit;
				return 1;
			}
		return -1;	/* \Recent and unknown system flags */
	}
	if (*name == '\0')
		return -1;
	for (p = name; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("(){%*\"\\]", *p) != NULL)
			return -1;
	return 0;
}

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
	"Oct", "Nov", "Dec"
};

/* "1-Feb-1994" */
int
imap_date_parse(const char *s, time_t *out)
{
	struct tm tm;
	int d, y, m;
	char mon[4];

	if (sscanf(s, "%2d-%3c-%4d", &d, mon, &y) != 3)
		return -1;
	mon[3] = '\0';
	for (m = 0; m < 12; m++)
		if (str_casecmp(mon, months[m]) == 0)
			break;
	if (m == 12 || d < 1 || d > 31 || y < 1900)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = d;
	tm.tm_mon = m;
	tm.tm_year = y - 1900;
	*out = timegm(&tm);
	return 0;
}

/* " 1-Feb-1994 21:52:25 -0800" */
int
imap_datetime_parse(const char *s, time_t *out)
{
	int H, M, S, zone;
	char sign;
	const char *sp;
	time_t day;

	while (*s == ' ')
		s++;
	if (imap_date_parse(s, &day) == -1 ||
	    (sp = strchr(s, ' ')) == NULL)
		return -1;
	if (sscanf(sp, " %2d:%2d:%2d %c%4d", &H, &M, &S, &sign, &zone) != 5 ||
	    (sign != '+' && sign != '-') || H > 23 || M > 59 || S > 60)
		return -1;
	zone = (zone / 100) * 3600 + (zone % 100) * 60;
	*out = day + H * 3600 + M * 60 + S - (sign == '-' ? -zone : zone);
	return 0;
}

void
imap_datetime_out(struct buf *b, time_t t)
{
	struct tm tm;

	(void)gmtime_r(&t, &tm);
	buf_printf(b, "\"%02d-%s-%04d %02d:%02d:%02d +0000\"", tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

const char *
imap_arg_string(const struct imap_arg *a)
{
	if (a->type == IMAP_ARG_LIST)
		return NULL;
	if (a->type == IMAP_ARG_LITERAL && memchr(a->str, '\0', a->len))
		return NULL;
	return a->str;
}

/*
 * 1 when name is valid modified UTF-7 (RFC 3501 5.1.3) as dovecot's
 * imap_utf7_to_utf8() takes it: printable US-ASCII, "&-" for "&", and
 * "&...-" runs of modified base64 holding whole UTF-16 units (pairs
 * for surrogates, nothing below U+0080, the unused bits zero).  dovecot
 * answers any other mailbox name "NO Mailbox name is not valid mUTF-7".
 */
int
imap_mutf7_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	unsigned bits, nbits, u, hi;
	int v, n;

	while (*p != '\0') {
		if (*p < 0x20 || *p >= 0x7f)
			return 0;
		if (*p++ != '&')
			continue;
		if (*p == '-') {
			p++;
			continue;
		}
		bits = nbits = 0;
		hi = 0;
		n = 0;
		while ((v = base64_value(*p, ',')) != -1) {
			bits = (bits << 6) | (unsigned)v;
			nbits += 6;
			p++;
			if (nbits < 16)
				continue;
			nbits -= 16;
			u = (bits >> nbits) & 0xffff;
			bits &= (1u << nbits) - 1;
			n++;
			if (hi != 0) {
				if (u < 0xdc00 || u > 0xdfff)
					return 0;
				hi = 0;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				hi = u;
			} else if ((u >= 0xdc00 && u <= 0xdfff) || u < 0x80) {
				return 0;
			}
		}
		/* "-" ends the run; at least one unit, no half pair, the
		 * leftover bits fewer than six and zero */
		if (*p++ != '-' || n == 0 || hi != 0 || nbits >= 6 || bits != 0)
			return 0;
	}
	return 1;
}
