/*
 * fuzz_authwire.c -- the AUTH exchange between a separated worker and
 * its root queue writer (smtpd_authwire.c) on arbitrary bytes: an even
 * first byte makes the rest a worker's request (what root decodes), an
 * odd one the writer's answer.  What decodes must encode back to the
 * same bytes, with its strings free of NUL bytes and within AW_STRMAX,
 * a start with a server name and a mechanism, data within its bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd/smtpd_authwire.h"

static void
check_str(const char *s)
{
	if (s != NULL && strnlen(s, AW_STRMAX + 1) > AW_STRMAX)
		abort();
}

static void
same(const struct buf *b, const uint8_t *p, size_t n)
{
	if (b->len != n || (n > 0 && memcmp(b->data, p, n) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authwire_req q;
	struct authwire_rep r;
	struct err err;
	struct buf again;

	if (size < 1)
		return 0;
	buf_init(&again, 0);
	if ((data[0] & 1) == 0) {
		if (authwire_req_parse(data + 1, size - 1, &q, &err) == 0) {
			if (q.op != AW_START && q.op != AW_STEP)
				abort();
			if (q.op == AW_START && (q.fqdn == NULL ||
			    q.mech == NULL || q.mech[0] == '\0'))
				abort();
			if (q.len > AW_DATAMAX)
				abort();
			check_str(q.fqdn);
			check_str(q.realm);
			check_str(q.remote);
			check_str(q.ext_id);
			check_str(q.mech);
			authwire_req_encode(&q, &again);
			same(&again, data + 1, size - 1);
		}
	} else if (authwire_rep_parse(data + 1, size - 1, &r, &err) == 0) {
		if (r.outlen > AW_OUTMAX)
			abort();
		check_str(r.user);
		check_str(r.detail);
		authwire_rep_encode(&r, &again);
		same(&again, data + 1, size - 1);
	}
	buf_free(&again);
	return 0;
}
