/*
 * fuzz_mbindex.c -- arbitrary bytes as mailboxd's index file
 * (mailbox_index_decode), read as an mbox and as a Maildir index.  So
 * that the checksum does not stop the fuzzer at the door, an input whose
 * first byte is odd gets a sound header (magic, version, format, length,
 * checksum) put in front of the rest.  A decode that succeeds must
 * encode to bytes that decode to the same again.  Nothing may crash,
 * leak or loop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox/mailbox_int.h"

static void
one(const char *p, size_t len, enum mailbox_format fmt)
{
	struct mailbox_fstamp keys[MAILBOX_NSTAMP], keys2[MAILBOX_NSTAMP];
	struct mailbox mb, again;
	struct buf b;
	struct err err;
	uint64_t fp, fp2;

	memset(&mb, 0, sizeof(mb));
	if (mailbox_index_decode(p, len, fmt, &mb, keys, &fp, &err) == -1)
		return;
	buf_init(&b, 0);
	if (mailbox_index_encode(&mb, keys, fp, &b) == 0) {
		memset(&again, 0, sizeof(again));
		if (mailbox_index_decode(b.data, b.len, fmt, &again, keys2,
		    &fp2, &err) == -1 || again.n != mb.n || fp2 != fp ||
		    again.uidnext != mb.uidnext)
			abort();
		mailbox_index_parts_free(&again);
	}
	buf_free(&b);
	mailbox_index_parts_free(&mb);
}

/* A header that passes the magic, version and checksum checks. */
static void
framed(const uint8_t *data, size_t size, enum mailbox_format fmt)
{
	unsigned char *p = malloc(size + 32);
	uint64_t n = size, sum;
	size_t i;

	if (p == NULL)
		return;
	memcpy(p, "MBXDIDX\n", 8);
	memset(p + 8, 0, 8);
	p[8] = 1;
	p[12] = (unsigned char)fmt;
	memcpy(p + 32, data, size);
	sum = mailbox_index_hash(p + 32, size, 0);
	for (i = 0; i < 8; i++) {
		p[16 + i] = (unsigned char)(n >> (8 * i));
		p[24 + i] = (unsigned char)(sum >> (8 * i));
	}
	one((const char *)p, size + 32, fmt);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && (data[0] & 1)) {
		framed(data + 1, size - 1, MAILBOX_MBOX);
		framed(data + 1, size - 1, MAILBOX_MAILDIR);
		return 0;
	}
	one((const char *)data, size, MAILBOX_MBOX);
	one((const char *)data, size, MAILBOX_MAILDIR);
	return 0;
}
