/*
 * fuzz_dlvsep.c -- what an SMTP delivery child without root hands back
 * to the root queue run (dlv_sep_decode) on arbitrary bytes: the first
 * byte is the number of recipients (0-15), the rest the result.  What
 * decodes must encode back to the same bytes, its strings hold no NUL
 * and stay within DLV_SEP_STRMAX.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/deliver.h"
#include "stats/stats.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dlv_rcpt r[16];
	unsigned char stats[STATS_SIZE];
	char *relay;
	struct buf again;
	size_t n, slen, i;

	if (size < 1)
		return 0;
	n = data[0] & 15;
	memset(r, 0, sizeof(r));
	if (dlv_sep_decode(data + 1, size - 1, r, n, &relay, stats,
	    &slen) != 0) {
		for (i = 0; i < n; i++)
			if (r[i].text || r[i].rmta || r[i].reply)
				abort();
		return 0;
	}
	buf_init(&again, 0);
	dlv_sep_encode(r, n, relay, stats, slen, &again);
	if (again.len != size - 1 || memcmp(again.data, data + 1,
	    again.len) != 0)
		abort();
	for (i = 0; i < n; i++) {
		if (r[i].text && strlen(r[i].text) > DLV_SEP_STRMAX)
			abort();
		free(r[i].text);
		free(r[i].rmta);
		free(r[i].reply);
	}
	free(relay);
	buf_free(&again);
	return 0;
}
