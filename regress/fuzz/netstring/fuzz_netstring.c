/*
 * fuzz_netstring.c -- the socket map's netstring reader on arbitrary
 * bytes, fed whole and again in pieces cut at every byte: both ways
 * must agree (result, payload), never read past the input, and a
 * completed payload must have exactly its declared length.  The reply
 * splitter then runs on the payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map/map.h"
#include "map/map_int.h"

#define FUZZ_MAX	4096

static enum ns_result
feed(struct netstring *ns, const uint8_t *data, size_t len, size_t step,
    size_t *used_out)
{
	enum ns_result r = NS_MORE;
	struct err err;
	size_t off = 0, n, used;

	*used_out = 0;
	while (off < len) {
		n = len - off < step ? len - off : step;
		r = netstring_feed(ns, (const char *)data + off, n, &used,
		    &err);
		if (used > n)
			abort();
		off += used;
		if (r != NS_MORE)
			break;
	}
	*used_out = off;
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct netstring a, b;
	enum ns_result ra, rb;
	const char *val;
	size_t ua, ub;

	netstring_init(&a, FUZZ_MAX);
	netstring_init(&b, FUZZ_MAX);
	ra = feed(&a, data, len, len == 0 ? 1 : len, &ua);
	rb = feed(&b, data, len, 1, &ub);
	if (ra != rb || ua != ub)
		abort();
	if (ra == NS_OK) {
		if (a.data.len != a.len || b.data.len != a.len ||
		    (a.len > 0 && memcmp(a.data.data, b.data.data,
		    a.len) != 0))
			abort();
		(void)sock_reply_parse(a.data.data, a.data.len, &val);
		if (a.len > 0 && (val < a.data.data ||
		    val > a.data.data + a.data.len))
			abort();
	}
	netstring_free(&a);
	netstring_free(&b);
	return 0;
}
