/*
 * mbox_write.c -- what we write of a message into an mbox, without I/O:
 * our storage headers (X-UID, Status, X-Status and an X-Keywords line
 * padded with spaces, as dovecot pads it, so that later flag changes fit
 * where they stand), a message's head re-rendered for a rewrite, and the
 * same-length patch that puts new flags over a message's storage headers
 * when they have room.
 */
#include <inttypes.h>
#include <string.h>

#include "mailbox_int.h"

void
mbox_storage_hdrs(struct buf *b, const struct mailbox *mb, uint32_t uid,
    unsigned f, uint32_t kw, const char *eol, size_t pad)
{
	size_t i;

	if (uid != 0)
		buf_printf(b, "X-UID: %" PRIu32 "%s", uid, eol);
	buf_printf(b, "Status: %s%s%s", f & MSG_SEEN ? "R" : "",
	    f & MSG_OLD ? "O" : "", eol);
	if (f & (MSG_ANSWERED | MSG_FLAGGED | MSG_DRAFT | MSG_DELETED))
		buf_printf(b, "X-Status: %s%s%s%s%s",
		    f & MSG_ANSWERED ? "A" : "", f & MSG_FLAGGED ? "F" : "",
		    f & MSG_DRAFT ? "T" : "", f & MSG_DELETED ? "D" : "", eol);
	(void)buf_adds(b, "X-Keywords:");
	for (i = 0; i < mb->nkw; i++)
		if (kw & ((uint32_t)1 << i))
			buf_printf(b, " %s", mb->kw[i]);
	for (i = 0; i < pad; i++)
		(void)buf_addc(b, ' ');
	(void)buf_adds(b, eol);
}

void
mbox_render_head(struct buf *b, const struct mailbox *mb,
    const struct mailbox_msg *m, const char *p, int base,
    size_t *copy_from_out, size_t *copy_to_out)
{
	size_t off = (size_t)m->hdr_off, end = (size_t)m->end_off, eol;
	unsigned f = ((m->flags | m->set_flags) & ~m->clr_flags) | MSG_OLD;
	uint32_t kw = (m->kw | m->set_kw) & ~m->clr_kw;
	int hidden = 0, had_blank = 0;
	const char *crlf = "\n";

	(void)buf_add(b, p + m->from_off, (size_t)(m->hdr_off - m->from_off));
	while (off < end) {
		const char *nl = memchr(p + off, '\n', end - off);
		enum mbox_hdr k;

		eol = nl ? (size_t)(nl - p) + 1 : end;
		if (eol - off == 1 || (eol - off == 2 && p[off] == '\r')) {
			had_blank = 1;
			if (eol - off == 2)
				crlf = "\r\n";
			break;
		}
		if (p[off] != ' ' && p[off] != '\t') {
			k = mbox_hdr_kind(p + off, eol - off);
			hidden = k != MBOX_HDR_OTHER && k != MBOX_HDR_CLEN;
		}
		if (!hidden) {
			(void)buf_add(b, p + off, eol - off);
			if (eol == end && p[eol - 1] != '\n')
				(void)buf_addc(b, '\n');
		}
		off = eol;
	}
	if (base)
		buf_printf(b, "X-IMAPbase: %" PRIu32 " %010" PRIu32 "%s%s%s",
		    mb->uidvalidity, mb->uidnext - 1,
		    mb->imapbase_kw ? " " : "",
		    mb->imapbase_kw ? mb->imapbase_kw : "", crlf);
	mbox_storage_hdrs(b, mb, m->uid, f, kw, crlf, MBOX_KW_PAD);
	if (!had_blank) {
		(void)buf_adds(b, crlf);
		off = end;
	}
	*copy_from_out = off;
	*copy_to_out = end;
}

/* Is this header line one of those mbox_storage_hdrs writes? */
static int
ours(const char *line, size_t len)
{
	enum mbox_hdr k = mbox_hdr_kind(line, len);

	return k == MBOX_HDR_XUID || k == MBOX_HDR_STATUS ||
	    k == MBOX_HDR_XSTATUS || k == MBOX_HDR_KEYWORDS;
}

int
mbox_patch_hdrs(const struct mailbox *mb, const struct mailbox_msg *m,
    const char *p, size_t len, unsigned flags, uint32_t kw, struct buf *b,
    size_t *off_out, int *same_out)
{
	size_t off = (size_t)m->hdr_off, end = (size_t)m->body_off;
	size_t a = 0, z = 0, eol, i;
	int in = 0, runs = 0;
	const char *crlf = "\n";

	if (m->from_off < 0 || end > len || off > end)
		return -1;
	while (off < end) {
		const char *nl = memchr(p + off, '\n', end - off);

		eol = nl ? (size_t)(nl - p) + 1 : end;
		if (eol - off == 1 || (eol - off == 2 && p[off] == '\r'))
			break;
		if (p[off] == ' ' || p[off] == '\t') {
			if (in)
				z = eol;	/* a continuation of ours */
		} else if (ours(p + off, eol - off)) {
			if (!in) {
				runs++;
				a = off;
				in = 1;
				if (eol - off >= 2 && p[eol - 2] == '\r')
					crlf = "\r\n";
			}
			z = eol;
		} else
			in = 0;
		off = eol;
	}
	/* one run of our lines, each ending in a line end */
	if (runs != 1 || p[z - 1] != '\n')
		return -1;
	buf_reset(b);
	mbox_storage_hdrs(b, mb, m->uid, flags, kw, crlf, 0);
	if (b->len > z - a)
		return -1;
	/* the padding goes at the end of X-Keywords, the last line */
	buf_truncate(b, b->len - strlen(crlf));
	for (i = b->len + strlen(crlf); i < z - a; i++)
		(void)buf_addc(b, ' ');
	(void)buf_adds(b, crlf);
	*off_out = a;
	*same_out = memcmp(b->data, p + a, b->len) == 0;
	return 0;
}
