/*
 * mbox_parse.c -- mbox bytes into messages, without I/O: messages split
 * at From_ lines (a sender and a date; the line end before From_ belongs
 * to the separator), dovecot's storage headers (X-IMAPbase or a UW-IMAP
 * X-IMAP pseudo message, X-UID, Status, X-Status, X-Keywords) read into
 * UIDs, flags and keywords and hidden from what clients see, sizes
 * counted with CRLF line ends, arrival times from the From_ lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailbox_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static const char *const weekdays[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
	"Oct", "Nov", "Dec"
};

static int
in_list(const char *p, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(p, list[i], 3) == 0)
			return 1;
	return 0;
}

/* "From sender Www Mmm dd hh:mm:ss yyyy": a sender, then somewhere a
 * weekday and a month name, then a digit. */
int
mbox_from_line_ok(const char *line, size_t len)
{
	size_t i;

	if (len < 5 || memcmp(line, "From ", 5) != 0)
		return 0;
	for (i = 5; i + 9 <= len; i++) {
		if (line[i - 1] != ' ' || line[i + 3] != ' ' ||
		    line[i + 7] != ' ')
			continue;
		if (in_list(line + i, weekdays, 7) &&
		    in_list(line + i + 4, months, 12))
			return 1;
	}
	return 0;
}

static int
name_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && line[n] == ':' && str_ncasecmp(line, name, n) == 0;
}

enum mbox_hdr
mbox_hdr_kind(const char *line, size_t len)
{
	if (len < 6)
		return MBOX_HDR_OTHER;
	if (line[0] == 'X' || line[0] == 'x') {
		if (name_is(line, len, "X-UID"))
			return MBOX_HDR_XUID;
		if (name_is(line, len, "X-IMAPbase"))
			return MBOX_HDR_IMAPBASE;
		if (name_is(line, len, "X-IMAP"))
			return MBOX_HDR_XIMAP;
		if (name_is(line, len, "X-Status"))
			return MBOX_HDR_XSTATUS;
		if (name_is(line, len, "X-Keywords"))
			return MBOX_HDR_KEYWORDS;
	} else if (name_is(line, len, "Status"))
		return MBOX_HDR_STATUS;
	else if (name_is(line, len, "Content-Length"))
		return MBOX_HDR_CLEN;
	return MBOX_HDR_OTHER;
}

/* Bytes of p[0..len) as CRLF text: bare LFs count two. */
static uint64_t
crlf_size(const char *p, size_t len)
{
	const char *q, *end = p + len;
	uint64_t n = len;

	while (p < end && (q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (q == p || q[-1] != '\r')
			n++;
		p = q + 1;
	}
	return n;
}

uint64_t
mbox_visible(const char *p, size_t len, struct buf *out, size_t *body_out)
{
	size_t off = 0, eol, llen;
	uint64_t size = 0;
	int hidden = 0;

	/* headers, line by line, until the blank line */
	while (off < len) {
		const char *nl = memchr(p + off, '\n', len - off);

		eol = nl ? (size_t)(nl - p) + 1 : len;
		llen = eol - off;
		if (llen == 1 || (llen == 2 && p[off] == '\r')) {
			if (out != NULL)
				(void)buf_add(out, p + off, llen);
			size += crlf_size(p + off, llen);
			off = eol;
			break;
		}
		if (p[off] != ' ' && p[off] != '\t')
			hidden = mbox_hdr_kind(p + off, llen) != MBOX_HDR_OTHER;
		if (!hidden) {
			if (out != NULL)
				(void)buf_add(out, p + off, llen);
			size += crlf_size(p + off, llen);
		}
		off = eol;
	}
	if (body_out != NULL)
		*body_out = off;
	if (off < len) {
		if (out != NULL)
			(void)buf_add(out, p + off, len - off);
		size += crlf_size(p + off, len - off);
	}
	return size;
}

/* The value of a header line after its colon, without spaces or CRLF. */
static void
hdr_value(const char *line, size_t len, const char **v_out, size_t *n_out)
{
	const char *c = memchr(line, ':', len), *end = line + len;

	c = c ? c + 1 : end;
	while (c < end && (*c == ' ' || *c == '\t'))
		c++;
	while (end > c && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*v_out = c;
	*n_out = (size_t)(end - c);
}

/* A decimal number from v[0..n); stops at a space; 0 on junk. */
static uint64_t
dec(const char *v, size_t n, size_t *used_out)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
		x = x * 10 + (uint64_t)(v[i] - '0');
		if (x > UINT32_MAX)
			x = UINT32_MAX + (uint64_t)1;
	}
	if (used_out != NULL)
		*used_out = i;
	return i == 0 ? 0 : x;
}

/* Where the last-UID digits of X-IMAPbase/X-IMAP are in the file, so
 * that an append can bump them in place. */
static void
base_digits(struct mailbox *mb, const char *p, const char *v, size_t n)
{
	size_t i = 0, j;

	while (i < n && v[i] >= '0' && v[i] <= '9')
		i++;
	while (i < n && v[i] == ' ')
		i++;
	for (j = i; j < n && v[j] >= '0' && v[j] <= '9'; j++)
		;
	mb->base_next_off = (off_t)(v + i - p);
	mb->base_next_len = j - i;
}

/* "X-IMAPbase: <uidvalidity> <last uid> [keywords]": the second number
 * is the last UID given out (UW-IMAP's meaning; dovecot writes 3 for a
 * mailbox holding UIDs 1-3), so *next is one more. */
static int
parse_base(const char *v, size_t n, uint32_t *uv, uint32_t *next,
    char **kw)
{
	size_t used, i;
	uint64_t a, b;

	a = dec(v, n, &used);
	i = used;
	while (i < n && v[i] == ' ')
		i++;
	b = dec(v + i, n - i, &used);
	if (a == 0 || a > UINT32_MAX || used == 0 || b >= UINT32_MAX)
		return -1;
	i += used;
	while (i < n && v[i] == ' ')
		i++;
	*uv = (uint32_t)a;
	*next = (uint32_t)b + 1;
	free(*kw);
	*kw = i < n ? xstrndup(v + i, n - i) : NULL;
	return 0;
}

/* The names of "X-IMAPbase: v n kw1 kw2" or "X-Keywords: kw1 kw2" into
 * bits of mb's keyword list (names added as met). */
static uint32_t
kw_bits(struct mailbox *mb, const char *v, size_t n)
{
	uint32_t bits = 0;
	size_t i = 0;

	while (i < n) {
		size_t j;
		char *name;
		int k;

		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		for (j = i; j < n && v[j] != ' ' && v[j] != '\t'; j++)
			;
		if (j == i)
			break;
		name = xstrndup(v + i, j - i);
		if ((k = mailbox_kw_index(mb, name, 1)) >= 0)
			bits |= (uint32_t)1 << k;
		free(name);
		i = j;
	}
	return bits;
}

/* "Www Mmm dd hh:mm:ss yyyy" somewhere in a From_ line, as UTC. */
static time_t
from_date(const char *line, size_t len)
{
	size_t i, m;

	for (i = 5; i + 9 <= len; i++) {
		struct tm tm;
		int d, H, M, S, Y;
		char tail[32];
		size_t n;

		if (line[i - 1] != ' ' || line[i + 3] != ' ' ||
		    line[i + 7] != ' ' || !in_list(line + i, weekdays, 7))
			continue;
		for (m = 0; m < 12; m++)
			if (memcmp(line + i + 4, months[m], 3) == 0)
				break;
		if (m == 12)
			continue;
		n = len - (i + 8);
		if (n >= sizeof(tail))
			n = sizeof(tail) - 1;
		memcpy(tail, line + i + 8, n);
		tail[n] = '\0';
		if (sscanf(tail, "%d %d:%d:%d %d", &d, &H, &M, &S, &Y) != 5 &&
		    sscanf(tail, "%d %d:%d:%d %*s %d", &d, &H, &M, &S,
		    &Y) != 5)
			return 0;
		memset(&tm, 0, sizeof(tm));
		tm.tm_mday = d;
		tm.tm_mon = (int)m;
		tm.tm_year = Y - 1900;
		tm.tm_hour = H;
		tm.tm_min = M;
		tm.tm_sec = S;
		return timegm(&tm);
	}
	return 0;
}

static unsigned
status_flags(const char *v, size_t n, int x)
{
	unsigned f = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		switch (v[i]) {
		case 'R':
			f |= x ? 0 : MSG_SEEN;
			break;
		case 'O':
			f |= x ? 0 : MSG_OLD;
			break;
		case 'A':
			f |= x ? MSG_ANSWERED : 0;
			break;
		case 'F':
			f |= x ? MSG_FLAGGED : 0;
			break;
		case 'T':
			f |= x ? MSG_DRAFT : 0;
			break;
		case 'D':
			f |= x ? MSG_DELETED : 0;
			break;
		}
	}
	return f;
}

/* Finds the end of the message starting at hdr (the LF before the next
 * valid From_ line, or EOF) and where the next From_ line starts. */
static void
find_end(const char *p, size_t len, size_t hdr, size_t *end_out,
    size_t *next_out)
{
	size_t at = hdr > 0 ? hdr - 1 : 0;
	const char *q;

	while (at < len &&
	    (q = memmem(p + at, len - at, "\nFrom ", 6)) != NULL) {
		size_t from = (size_t)(q - p) + 1;
		const char *nl = memchr(p + from, '\n', len - from);
		size_t flen = nl ? (size_t)(nl - (p + from)) : len - from;

		if (from > hdr && mbox_from_line_ok(p + from, flen)) {
			size_t end = from - 1;

			if (end > hdr && p[end - 1] == '\r')
				end--;
			*end_out = end < hdr ? hdr : end;
			*next_out = from;
			return;
		}
		at = from;
	}
	/* the last message: a final LF is the separator */
	*end_out = len;
	if (len > hdr && p[len - 1] == '\n') {
		*end_out = len - 1;
		if (*end_out > hdr && p[*end_out - 1] == '\r')
			(*end_out)--;
	}
	*next_out = len;
}

size_t
mbox_msg_next(const char *p, size_t len, size_t from)
{
	const char *nl = memchr(p + from, '\n', len - from);
	size_t end, next;

	if (nl == NULL)
		return len;
	find_end(p, len, (size_t)(nl - p) + 1, &end, &next);
	return next;
}

size_t
mbox_last_from(const char *p, size_t len)
{
	size_t at = len;

	while (at > 0) {
		const char *nl;
		size_t from, flen;

		/* the last LF before at that starts "From " */
		while (at > 0 && !(p[at - 1] == '\n' && len - at >= 5 &&
		    memcmp(p + at, "From ", 5) == 0))
			at--;
		if (at == 0)
			break;
		from = at;
		nl = memchr(p + from, '\n', len - from);
		flen = nl ? (size_t)(nl - (p + from)) : len - from;
		if (mbox_from_line_ok(p + from, flen))
			return from;
		at--;
	}
	return 0;
}

/* Where a parse stands between messages: the lowest X-UID still
 * acceptable, the UID state of X-IMAPbase, and whether UIDs must be
 * assigned (the file rewritten). */
struct pstate {
	uint32_t	 next_min, base_next;
	int		 have_base, first, assign;
};

/* The storage headers of the message whose headers start at off (up to
 * its blank line or end): X-UID, flags, keywords and, in the first
 * message, X-IMAPbase or X-IMAP (*pseudo_out for the latter).  Returns
 * the offset of the blank line (end without one). */
static size_t
storage(struct mailbox *mb, const char *p, size_t off, size_t end,
    struct pstate *ps, uint32_t *xuid, unsigned *flags, uint32_t *kw,
    int *pseudo_out)
{
	size_t eol;

	while (off < end) {
		const char *lnl = memchr(p + off, '\n', end - off);
		const char *v;
		size_t vn;

		eol = lnl ? (size_t)(lnl - p) + 1 : end;
		if (eol - off == 1 || (eol - off == 2 && p[off] == '\r'))
			break;
		hdr_value(p + off, eol - off, &v, &vn);
		switch (mbox_hdr_kind(p + off, eol - off)) {
		case MBOX_HDR_XUID:
			*xuid = (uint32_t)(dec(v, vn, NULL) > UINT32_MAX ? 0 :
			    dec(v, vn, NULL));
			break;
		case MBOX_HDR_XIMAP:
		case MBOX_HDR_IMAPBASE:
			if (ps->first && parse_base(v, vn, &mb->uidvalidity,
			    &ps->base_next, &mb->imapbase_kw) == 0) {
				*pseudo_out = mbox_hdr_kind(p + off,
				    eol - off) == MBOX_HDR_XIMAP;
				ps->have_base = 1;
				base_digits(mb, p, v, vn);
				if (mb->imapbase_kw != NULL)
					(void)kw_bits(mb, mb->imapbase_kw,
					    strlen(mb->imapbase_kw));
			}
			break;
		case MBOX_HDR_KEYWORDS:
			*kw |= kw_bits(mb, v, vn);
			break;
		case MBOX_HDR_STATUS:
			*flags |= status_flags(v, vn, 0);
			break;
		case MBOX_HDR_XSTATUS:
			*flags |= status_flags(v, vn, 1);
			break;
		default:
			break;
		}
		off = eol;
	}
	return off;
}

/* The messages from pos (a From_ line) to len, added to mb. */
static void
parse_msgs(struct mailbox *mb, const char *p, size_t len, size_t pos,
    struct pstate *ps)
{
	size_t next, end, off;

	while (pos < len) {
		const char *nl = memchr(p + pos, '\n', len - pos);
		struct mailbox_msg m;
		uint32_t xuid = 0, kw = 0;
		int pseudo = 0;
		unsigned flags = 0;

		memset(&m, 0, sizeof(m));
		m.from_off = (off_t)pos;
		off = nl ? (size_t)(nl - p) + 1 : len;
		m.received = from_date(p + pos, off - pos);
		m.hdr_off = (off_t)off;
		find_end(p, len, off, &end, &next);
		m.end_off = (off_t)end;
		storage(mb, p, off, end, ps, &xuid, &flags, &kw, &pseudo);
		ps->first = 0;
		pos = next;
		if (pseudo) {
			mb->has_pseudo = 1;
			continue;
		}
		{
			size_t body;

			m.vsize = mbox_visible(p + m.hdr_off,
			    (size_t)(m.end_off - m.hdr_off), NULL, &body);
			m.body_off = m.hdr_off + (off_t)body;
		}
		m.flags = flags;
		m.kw = kw;
		if (ps->have_base && xuid >= ps->next_min &&
		    xuid < ps->base_next)
			m.uid = xuid;
		else
			ps->assign = 1;
		if (m.uid != 0)
			ps->next_min = m.uid + 1;
		else
			ps->next_min = 0;	/* fixed below */
		*mailbox_msg_add(mb) = m;
		if (ps->next_min == 0) {
			/* a new UID: above every UID so far and base_next */
			uint32_t u = ps->base_next > 1 ? ps->base_next : 1;

			if (mb->n > 1 && mb->msgs[mb->n - 2].uid >= u)
				u = mb->msgs[mb->n - 2].uid + 1;
			mb->msgs[mb->n - 1].uid = u;
			ps->base_next = u + 1;
			ps->next_min = u + 1;
		}
	}
}

/* UIDNEXT and the total size once the messages are in. */
static void
parse_done(struct mailbox *mb, const struct pstate *ps)
{
	size_t i;

	mb->uidnext = ps->base_next > 0 ? ps->base_next : 1;
	if (mb->n > 0 && mb->msgs[mb->n - 1].uid >= mb->uidnext)
		mb->uidnext = mb->msgs[mb->n - 1].uid + 1;
	mb->total_vsize = 0;
	for (i = 0; i < mb->n; i++)
		mb->total_vsize += mb->msgs[i].vsize;
}

int
mbox_parse(struct mailbox *mb, const char *p, size_t len, time_t now,
    struct err *err)
{
	struct pstate ps = { 1, 0, 0, 1, 0 };
	size_t i;

	mailbox_msgs_clear(mb);
	mb->has_pseudo = 0;
	mb->uidvalidity = 0;
	free(mb->imapbase_kw);
	mb->imapbase_kw = NULL;
	mb->base_next_off = 0;
	mb->base_next_len = 0;
	for (i = 0; i < mb->nkw; i++)
		free(mb->kw[i]);
	mb->nkw = 0;
	if (len > 0 && (len < 5 || memcmp(p, "From ", 5) != 0))
		return err_set(err, ERR_DATAERR,
		    "%s: not an mbox file (no From_ line at the start)",
		    mb->path);
	parse_msgs(mb, p, len, 0, &ps);
	if (!ps.have_base) {
		mb->uidvalidity = (uint32_t)now;
		ps.assign = 1;
	}
	parse_done(mb, &ps);
	return ps.assign && (mb->n > 0 || ps.have_base) ? 1 : 0;
}

int
mbox_parse_tail(struct mailbox *mb, const char *p, size_t len, size_t pos,
    uint32_t base_next, struct err *err)
{
	struct pstate ps = { 1, base_next, 1, 0, 0 };

	if (pos >= len || len - pos < 5 || memcmp(p + pos, "From ", 5) != 0)
		return err_set(err, ERR_DATAERR, "%s: no From_ line where "
		    "the indexed part ended", mb->path);
	if (mb->n > 0)
		ps.next_min = mb->msgs[mb->n - 1].uid + 1;
	parse_msgs(mb, p, len, pos, &ps);
	parse_done(mb, &ps);
	return ps.assign;
}

/* Is old message m (UID uid) still at its offsets in p: its From_ line,
 * its blank line and its end where they were, and its X-UID the same?
 * Then its storage headers are read again into out (flags, keywords);
 * 0 when it is not. */
static int
still_at(struct mailbox *out, const struct mailbox_msg *m, const char *p,
    size_t len, struct pstate *ps)
{
	size_t from = (size_t)m->from_off, end = (size_t)m->end_off, blank;
	struct mailbox_msg n;
	uint32_t xuid = 0, kw = 0;
	unsigned flags = 0;
	int pseudo = 0;

	if (end > len || from + 5 > end || memcmp(p + from, "From ", 5) ||
	    (size_t)m->hdr_off > end || (size_t)m->body_off > end)
		return 0;
	/* the end: EOF, the separator at EOF, or the LF before a From_ */
	if (!(end == len || (end + 1 == len && p[end] == '\n') ||
	    (end + 6 <= len && p[end] == '\n' &&
	    memcmp(p + end + 1, "From ", 5) == 0) ||
	    (end + 7 <= len && p[end] == '\r' && p[end + 1] == '\n' &&
	    memcmp(p + end + 2, "From ", 5) == 0)))
		return 0;
	blank = storage(out, p, (size_t)m->hdr_off, end, ps, &xuid, &flags,
	    &kw, &pseudo);
	/* the blank line where it was (the body right after it) */
	if (blank < end && !(blank + 1 == (size_t)m->body_off ||
	    (blank + 2 == (size_t)m->body_off && p[blank] == '\r')))
		return 0;
	if (blank == end && (size_t)m->body_off != end)
		return 0;
	if (xuid != m->uid || xuid < ps->next_min || xuid >= ps->base_next)
		return 0;
	n = *m;
	n.flags = flags;
	n.kw = kw;
	n.expunge = 0;
	n.set_flags = n.clr_flags = 0;
	n.set_kw = n.clr_kw = 0;
	n.name = NULL;
	*mailbox_msg_add(out) = n;
	ps->next_min = xuid + 1;
	return 1;
}

int
mbox_reparse(struct mailbox *out, const struct mailbox *old, const char *p,
    size_t len, time_t now, struct err *err)
{
	struct pstate ps = { 1, 0, 1, 0, 0 };
	size_t second, pos, i = 0;
	int rc;

	if (len < 5 || memcmp(p, "From ", 5) != 0)
		return -1;
	/* the first message (or pseudo message) with X-IMAPbase in full */
	second = mbox_msg_next(p, len, 0);
	rc = mbox_parse(out, p, second, now, err);
	if (rc != 0 || out->uidvalidity != old->uidvalidity ||
	    out->base_next_len == 0)
		return -1;
	if (out->n > 0) {
		if (old->n == 0 || old->msgs[0].uid != out->msgs[0].uid ||
		    old->msgs[0].from_off != 0)
			return -1;
		i = 1;
		ps.next_min = out->msgs[0].uid + 1;
	}
	ps.base_next = out->uidnext;
	/* messages still where they were, read for their flags only */
	pos = second;
	for (; i < old->n && pos < len; i++) {
		const struct mailbox_msg *m = &old->msgs[i];

		if ((size_t)m->from_off != pos || !still_at(out, m, p, len,
		    &ps))
			break;
		/* still_at saw what follows its end */
		pos = (size_t)m->end_off;
		pos += pos < len ? (p[pos] == '\r' ? 2 : 1) : 0;
		if (pos > len)
			pos = len;
	}
	/* from the first that moved (or was appended) on, a parse */
	if (pos < len)
		return mbox_parse_tail(out, p, len, pos, ps.base_next, err);
	parse_done(out, &ps);
	return 0;
}
