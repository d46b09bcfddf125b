/*
 * fuzz_mbinplace.c -- the parsers behind mbox changes written in place:
 * arbitrary bytes as a tail journal (mbox_journal_parse; a sound one must
 * format back to the same header), and as an mbox image whose parse is
 * then parsed again from its own view (mbox_reparse must find the same
 * messages and UIDs) and against a shorter image, with every message's
 * storage headers patched for other flags (mbox_patch_hdrs must give
 * exactly the bytes it replaces).  Nothing may crash, leak or loop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox/mailbox_int.h"

static void
journal(const char *p, size_t len)
{
	struct mbox_journal j;
	struct buf b;

	if (mbox_journal_parse(p, len, &j) == -1)
		return;
	buf_init(&b, 0);
	mbox_journal_format(&b, &j);
	if (b.len != (size_t)(j.tail - p) || memcmp(b.data, p, b.len) != 0)
		abort();
	buf_free(&b);
}

static void
fresh(struct mailbox *mb)
{
	memset(mb, 0, sizeof(*mb));
	mb->format = MAILBOX_MBOX;
	mb->path = "fuzz";
}

static void
image(const char *p, size_t len, unsigned seed)
{
	struct mailbox old, again, cut;
	struct buf b;
	struct err err;
	size_t i, off;
	int same;

	fresh(&old);
	if (mbox_parse(&old, p, len, 1, &err) == -1) {
		mailbox_index_parts_free(&old);
		return;
	}
	fresh(&again);
	if (mbox_reparse(&again, &old, p, len, 1, &err) != -1) {
		if (again.n != old.n)
			abort();
		for (i = 0; i < old.n; i++)
			if (again.msgs[i].uid != old.msgs[i].uid ||
			    again.msgs[i].from_off != old.msgs[i].from_off)
				abort();
	}
	mailbox_index_parts_free(&again);
	fresh(&cut);
	(void)mbox_reparse(&cut, &old, p, len / 2, 1, &err);
	mailbox_index_parts_free(&cut);
	buf_init(&b, 0);
	for (i = 0; i < old.n; i++) {
		const struct mailbox_msg *m = &old.msgs[i];

		if (mbox_patch_hdrs(&old, m, p, len, (seed + i) & 0x3f,
		    (uint32_t)(seed * 7 + i), &b, &off, &same) == 0 &&
		    (off + b.len > len || (same && memcmp(b.data, p + off,
		    b.len) != 0)))
			abort();
	}
	buf_free(&b);
	mailbox_index_parts_free(&old);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	journal((const char *)data, size);
	image((const char *)data, size, size > 0 ? data[0] : 0);
	return 0;
}
