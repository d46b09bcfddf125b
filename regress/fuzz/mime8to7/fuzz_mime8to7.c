/*
 * fuzz_mime8to7.c -- arbitrary bytes as a queued message, converted to
 * 7 bits for a peer without 8BITMIME (mime87_convert) and walked as it
 * is (MIME87_F_WALK): both must end without error, and a message that
 * is all 7-bit must come out all 7-bit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/mime8to7.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime87_opts o = { .host = "h.example", .qid = "Q" };
	struct buf out;
	unsigned diag;
	size_t i;
	int seven = 1;

	for (i = 0; i < size; i++)
		if (data[i] & 0x80)
			seven = 0;
	buf_init(&out, 0);
	if (mime87_convert((const char *)data, size, &o, &out, &diag) != 0)
		abort();
	for (i = 0; seven && i < out.len; i++)
		if (out.data[i] & 0x80)
			abort();
	buf_reset(&out);
	o.flags = MIME87_F_WALK | MIME87_F_MARK8BIT;
	if (mime87_convert((const char *)data, size, &o, &out, &diag) != 0)
		abort();
	buf_free(&out);
	return 0;
}
