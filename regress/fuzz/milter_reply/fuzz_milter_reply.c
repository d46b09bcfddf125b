/*
 * fuzz_milter_reply.c -- arbitrary bytes as what a mail filter sends
 * the MTA: packets are cut with milter_pkt_parse() (a 32-bit length,
 * bounded) and each is decoded by milter_reply_decode().  Every string
 * of a decoded reply must lie inside its packet and end there with its
 * NUL; a decoded header reply is built again with the packet builder
 * and must decode to the same name, value and index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "milter/milter.h"

#define MAXPKT	65536

static void
inside(const struct milter_pkt *pk, const char *s)
{
	if (s == NULL)
		return;
	if (s < pk->data || s >= pk->data + pk->len ||
	    memchr(s, '\0', (size_t)(pk->data + pk->len - s)) == NULL)
		abort();
}

static void
again(const struct milter_reply *r)
{
	struct milter_reply r2;
	struct milter_pkt pk;
	struct err err;
	struct buf b;
	size_t used;

	buf_init(&b, 0);
	milter_pkt_begin(&b, r->cmd);
	if (r->cmd != SMFIR_ADDHEADER)
		milter_pkt_u32(&b, r->index);
	milter_pkt_str(&b, r->hname);
	milter_pkt_str(&b, r->hvalue);
	if (milter_pkt_end(&b, 0) != 0 ||
	    milter_pkt_parse(b.data, b.len, MAXPKT * 2, &pk, &used) !=
	    MILTER_PKT_OK || used != b.len ||
	    milter_reply_decode(&pk, &r2, &err) != 0 ||
	    strcmp(r2.hname, r->hname) != 0 ||
	    strcmp(r2.hvalue, r->hvalue) != 0 || r2.index != r->index)
		abort();
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct milter_reply r;
	struct milter_pkt pk;
	struct err err;
	size_t used, i;

	while (size > 0) {
		if (milter_pkt_parse(data, size, MAXPKT, &pk, &used) !=
		    MILTER_PKT_OK)
			break;
		if (used > size || pk.len + 5 != used)
			abort();
		if (milter_reply_decode(&pk, &r, &err) == 0) {
			inside(&pk, r.text);
			inside(&pk, r.args);
			inside(&pk, r.hname);
			inside(&pk, r.hvalue);
			for (i = 0; i < MILTER_M_COUNT; i++)
				inside(&pk, r.macros[i]);
			if (r.body != NULL && (r.body != pk.data ||
			    r.bodylen != pk.len))
				abort();
			if (r.hname != NULL)
				again(&r);
		} else if (err.msg[0] == '\0')
			abort();
		data += used;
		size -= used;
	}
	return 0;
}
