/*
 * mbox_index.c -- our index (mailbox_index.c) applied to an mbox, under
 * the caller's read locks: an unchanged file (same device, inode, size,
 * mtime and ctime) is taken from the index without reading it; a file
 * that only grew at its end (mail.local, our delivery and APPEND write
 * there; APPEND also bumps X-IMAPbase's last-UID digits in place) keeps
 * the indexed messages and only the new tail is parsed, provided the
 * old end is still a line end followed by a From_ line and the bytes an
 * append leaves alone (the file's start up to those digits, the 4 KiB
 * before the old end) hash as recorded.  Anything else: a full parse.
 */
#include <string.h>

#include "mailbox_int.h"

#define TAIL_CHECK	4096

/* The hash of what an append does not touch in the first len bytes. */
static uint64_t
finger(const struct mailbox *mb, const char *p, size_t len)
{
	size_t a = (size_t)mb->base_next_off, b = a + mb->base_next_len, t;
	uint64_t h;

	if (a > len)
		a = len;
	h = mailbox_index_hash(p, a, (uint64_t)len);
	t = len > TAIL_CHECK ? len - TAIL_CHECK : 0;
	if (t < b)
		t = b;
	if (t < len)
		h = mailbox_index_hash(p + t, len - t, h);
	return h;
}

/* The X-IMAPbase last-UID digits now in the file; 0 when not digits. */
static uint32_t
base_last(const struct mailbox *mb, const char *p, size_t len)
{
	size_t i, off = (size_t)mb->base_next_off;
	uint64_t v = 0;

	if (mb->base_next_len == 0 || off > len ||
	    mb->base_next_len > len - off)
		return 0;
	for (i = 0; i < mb->base_next_len; i++) {
		char c = p[off + i];

		if (c < '0' || c > '9')
			return 0;
		v = v * 10 + (uint64_t)(c - '0');
	}
	return v >= UINT32_MAX ? 0 : (uint32_t)v;
}

int
mbox_index_use(struct mailbox *mb, const char *p, size_t len,
    const struct stat *st)
{
	struct mailbox_index *ix = mb->idx;
	struct mailbox_fstamp keys[MAILBOX_NSTAMP], now;
	struct mailbox tmp;
	struct err err;
	uint64_t fp;
	size_t old;
	const char *nl;
	uint32_t last;

	if (ix == NULL || len == 0)
		return -1;
	ix->stored = 0;
	if (mailbox_index_read(ix->path, MAILBOX_MBOX, &tmp, keys, &fp) == -1)
		return -1;
	mailbox_fstamp_of(st, &now);
	if (mailbox_fstamp_eq(keys, &now, 1) && keys[0].size == len) {
		mailbox_index_adopt(mb, &tmp);
		ix->keys[0] = now;
		ix->stored = 1;
		return 0;
	}
	/* grown at the end only? */
	old = (size_t)keys[0].size;
	if (keys[0].dev != now.dev || keys[0].ino != now.ino || old == 0 ||
	    old >= len || p[old - 1] != '\n' ||
	    finger(&tmp, p, old) != fp ||
	    (last = base_last(&tmp, p, len)) == 0 || last + 1 < tmp.uidnext)
		goto stale;
	nl = memchr(p + old, '\n', len - old);
	if (!mbox_from_line_ok(p + old, nl ? (size_t)(nl - (p + old)) :
	    len - old))
		goto stale;
	mailbox_index_adopt(mb, &tmp);
	/* new messages without X-UID: the caller parses and rewrites */
	return mbox_parse_tail(mb, p, len, old, last + 1, &err) == 0 ? 0 : -1;
stale:
	mailbox_index_parts_free(&tmp);
	return -1;
}

void
mbox_index_store(struct mailbox *mb, const char *p, size_t len,
    const struct stat *st)
{
	struct mailbox_index *ix = mb->idx;
	struct mailbox_fstamp keys[MAILBOX_NSTAMP];

	/* an empty file or one without UIDs on disk is not worth it */
	if (ix == NULL || len == 0 || mb->base_next_len == 0)
		return;
	memset(keys, 0, sizeof(keys));
	mailbox_fstamp_of(st, &keys[0]);
	if (keys[0].size != len ||
	    (ix->stored && mailbox_fstamp_eq(ix->keys, keys, 1)) ||
	    !mailbox_fstamp_settled(keys, 1))
		return;
	mailbox_index_write(ix->path, mb, keys, finger(mb, p, len));
	ix->keys[0] = keys[0];
	ix->stored = 1;
}
