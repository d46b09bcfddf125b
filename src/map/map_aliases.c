/*
 * map_aliases.c -- the aliases(5) text parser: bytes in, logical lines
 * out ("name: value" entries and typed errors with their line numbers),
 * no I/O.  It reads as sendmail 8.17's readaliases does:
 *
 *   - a physical line is read into a buffer of linemax bytes (sendmail:
 *     BUFSIZ - 1 = 8191, the newline included);
 *   - a line ending in backslash-newline loses both and takes the next
 *     line as is; a line followed by one starting with a space or TAB
 *     loses its newline and takes that line (its white space kept);
 *     the two repeat, and apply to comments and bad lines too;
 *   - the line number is that of the last physical line joined;
 *   - a logical line with no newline that is not the end of the input
 *     is "alias line too long": the rest of it, continuations included,
 *     is skipped (without counting lines, as sendmail does);
 *   - '#' or an empty line is a comment; a line starting with white
 *     space (only possible first in the file or after a skipped line)
 *     is an error; anything else needs a ':' (the first one splits).
 *
 * The text is seen as sendmail's C strings: a NUL byte ends the line's
 * content there.  What the name means (rulesets, BlankSub, lowercasing)
 * is for the caller: src/cf/cf_newaliases.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/xalloc.h"
#include "map.h"

enum flush_state {
	FLUSH_NONE,		/* reading lines */
	FLUSH_LINE,		/* skipping to the end of a physical line */
	FLUSH_PEEK		/* at a line start: a continuation follows? */
};

struct map_alias_parser {
	struct buf	 in;		/* fed, not yet consumed */
	size_t		 off;		/* consumed part of in */
	int		 eof;		/* no more input will come */
	size_t		 linemax;
	struct buf	 line;		/* the logical line being built */
	unsigned long	 lineno;
	int		 skipping;
	enum flush_state flush;
	int		 flush_prev;	/* last byte before a newline */
};

struct map_alias_parser *
map_alias_parser_new(size_t linemax)
{
	struct map_alias_parser *p;

	p = xcalloc(1, sizeof(*p));
	p->linemax = linemax ? linemax : MAP_ALIAS_LINEMAX;
	buf_init(&p->in, 0);
	buf_init(&p->line, p->linemax + 1);
	return p;
}

void
map_alias_parser_free(struct map_alias_parser *p)
{
	if (p == NULL)
		return;
	buf_free(&p->in);
	buf_free(&p->line);
	free(p);
}

void
map_alias_parser_feed(struct map_alias_parser *p, const void *data,
    size_t len)
{
	/* drop what is consumed once it is most of the buffer */
	if (p->off > 0 && p->off >= p->in.len / 2) {
		memmove(p->in.data, p->in.data + p->off, p->in.len - p->off);
		buf_truncate(&p->in, p->in.len - p->off);
		p->off = 0;
	}
	if (buf_add(&p->in, data, len) == -1)
		fatal("map_alias_parser_feed: input too large");
}

void
map_alias_parser_eof(struct map_alias_parser *p)
{
	p->eof = 1;
}

unsigned long
map_alias_parser_lineno(const struct map_alias_parser *p)
{
	return p->lineno;
}

/*
 * fgets at *cur into the line after its first `at` bytes, at most room
 * bytes: 1 read (possibly 0 bytes when room is 0), 0 end of input with
 * nothing read, -1 more input is needed to know.
 */
static int
getsome(struct map_alias_parser *p, size_t *cur, size_t at, size_t room)
{
	/* no input yet: no buffer either (NULL + 0 is undefined) */
	const char *s = p->in.data != NULL ? p->in.data + *cur : "";
	size_t avail = p->in.len - *cur, lim, n;
	const char *nl;

	lim = avail < room ? avail : room;
	nl = lim > 0 ? memchr(s, '\n', lim) : NULL;
	if (nl != NULL)
		n = (size_t)(nl - s) + 1;
	else if (lim == room)
		n = room;
	else if (p->eof) {
		if (avail == 0)
			return 0;
		n = avail;
	} else
		return -1;
	buf_truncate(&p->line, at);
	if (buf_add(&p->line, s, n) == -1)
		fatal("map_alias_parser: line buffer");
	*cur += n;
	return 1;
}

/* The next byte at cur: the byte, -2 end of input, -1 need more. */
static int
peek(const struct map_alias_parser *p, size_t cur)
{
	if (cur < p->in.len)
		return (unsigned char)p->in.data[cur];
	return p->eof ? -2 : -1;
}

/*
 * Skips the rest of a too-long line and its continuations; 0 done,
 * -1 more input needed (the state is kept).
 */
static int
flush_virtual(struct map_alias_parser *p)
{
	int c;

	for (;;) {
		if (p->flush == FLUSH_LINE) {
			const char *s = p->in.data + p->off;
			size_t avail = p->in.len - p->off;
			const char *nl = memchr(s, '\n', avail);

			if (nl == NULL) {
				if (avail > 0)
					p->flush_prev = (unsigned char)s[avail - 1];
				p->off = p->in.len;
				if (!p->eof)
					return -1;
				p->flush = FLUSH_NONE;
				return 0;
			}
			if (nl > s)
				p->flush_prev = (unsigned char)nl[-1];
			p->off += (size_t)(nl - s) + 1;
			if (p->flush_prev == '\\')
				continue;	/* backslash-newline */
			p->flush = FLUSH_PEEK;
		}
		c = peek(p, p->off);
		if (c == -1)
			return -1;
		if (c == ' ' || c == '\t') {
			p->flush = FLUSH_LINE;
			continue;
		}
		p->flush = FLUSH_NONE;
		return 0;
	}
}

/* The C-string length of the line (sendmail's view: up to a NUL). */
static size_t
clen(const struct buf *b)
{
	return b->data == NULL ? 0 : strlen(b->data);
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

enum map_alias_next
map_alias_parser_next(struct map_alias_parser *p, struct map_alias_ent *e)
{
	size_t cur, n, at;
	unsigned long lines;
	char *nl, *s;
	int c, r;

	memset(e, 0, sizeof(*e));
again:
	if (p->flush != FLUSH_NONE && flush_virtual(p) == -1)
		return MAP_ALIAS_MORE;
	cur = p->off;
	lines = 1;
	buf_reset(&p->line);
	r = getsome(p, &cur, 0, p->linemax);
	if (r == -1)
		return MAP_ALIAS_MORE;
	if (r == 0)
		return MAP_ALIAS_END;
	/* joins continuations: backslash-newline, or a white space start */
	for (;;) {
		n = clen(&p->line);
		nl = memchr(p->line.data, '\n', n);
		if (nl != NULL && nl > p->line.data && nl[-1] == '\\') {
			at = (size_t)(nl - p->line.data) - 1;
		} else {
			c = peek(p, cur);
			if (c == -1)
				return MAP_ALIAS_MORE;
			if (c != ' ' && c != '\t')
				break;
			at = n;
			if (at > 0 && p->line.data[at - 1] == '\n')
				at--;
		}
		if (at >= p->linemax)	/* sendmail would spin here */
			break;
		r = getsome(p, &cur, at, p->linemax - at);
		if (r == -1)
			return MAP_ALIAS_MORE;
		if (r == 0) {
			buf_truncate(&p->line, at);
			break;
		}
		lines++;
	}
	n = clen(&p->line);
	nl = memchr(p->line.data, '\n', n);
	c = nl == NULL ? peek(p, cur) : 0;
	if (c == -1)
		return MAP_ALIAS_MORE;
	/* the whole logical line is there: consume it */
	p->off = cur;
	p->lineno += lines;
	if (nl != NULL)
		*nl = '\0';
	else if (c != -2) {
		/* not the end of the input: too long */
		e->kind = MAP_ALIAS_ERR_TOO_LONG;
		e->lineno = p->lineno;
		e->line = p->line.data;
		e->len = n;
		p->flush = FLUSH_LINE;
		p->flush_prev = '\0';
		return MAP_ALIAS_ERROR;
	}
	s = p->line.data;
	e->line = s;
	e->len = strlen(s);
	e->lineno = p->lineno;
	switch (s[0]) {
	case '#':
	case '\0':
		p->skipping = 0;
		goto again;
	case ' ':
	case '\t':
		if (p->skipping)
			goto again;
		p->skipping = 1;
		e->kind = MAP_ALIAS_ERR_SPACE;
		return MAP_ALIAS_ERROR;
	default:
		break;
	}
	p->skipping = 0;
	nl = strchr(s, ':');
	if (nl == NULL) {
		e->kind = MAP_ALIAS_ERR_NOCOLON;
		return MAP_ALIAS_ERROR;
	}
	e->kind = MAP_ALIAS_ENTRY;
	e->colon = (size_t)(nl - s);
	for (nl++; is_space((unsigned char)*nl); nl++)
		;
	e->rhs = nl;
	e->rhslen = strlen(nl);
	e->rhs_blank = e->rhslen == 0;
	return MAP_ALIAS_ENT;
}

const char *
map_alias_strerror(enum map_alias_kind k)
{
	switch (k) {
	case MAP_ALIAS_ERR_TOO_LONG:
		return "alias line too long";
	case MAP_ALIAS_ERR_SPACE:
		return "Non-continuation line starts with space";
	case MAP_ALIAS_ERR_NOCOLON:
		return "missing colon";
	default:
		return "";
	}
}
