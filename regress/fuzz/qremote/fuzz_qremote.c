/*
 * fuzz_qremote.c -- the queue writer's request header (what a worker
 * without root sends the root-owned writer, queue_remote_req_parse) on
 * arbitrary bytes: the first byte is the number of queue folders, the
 * rest the header.  Whatever is accepted must have a known op, paths
 * below that number, queue ids of letters and digits only, terminated,
 * and a length within the op's bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

static void
check_id(const char *id)
{
	size_t n = strnlen(id, QUEUE_ID_MAX), i;

	if (n == 0 || n >= QUEUE_ID_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= 'a' && id[i] <= 'z')))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_remote_req q;
	struct err err;
	size_t npaths;

	if (size < 1)
		return 0;
	npaths = data[0];
	if (queue_remote_req_parse(data + 1, size - 1, npaths, &q, &err) != 0)
		return 0;
	if (q.op == 0 || q.op >= QR_NOPS)
		abort();
	if (q.op == QR_STATS) {
		if (q.len == 0 || q.len > QR_STATS_MAX)
			abort();
		return 0;
	}
	if (q.op == QR_CALL) {
		if (q.len == 0 || q.len > QR_CALL_MAX)
			abort();
		return 0;
	}
	if (q.path >= npaths)
		abort();
	check_id(q.id);
	if (q.op == QR_MOVE || q.op == QR_COMMIT_AS)
		if (q.path2 >= npaths)
			abort();
	if (q.op == QR_COMMIT_AS)
		check_id(q.id2);
	if ((q.op == QR_COMMIT || q.op == QR_COMMIT_AS) &&
	    (q.len == 0 || q.len > QR_QF_MAX))
		abort();
	if (q.op != QR_COMMIT && q.op != QR_COMMIT_AS && q.len != 0)
		abort();
	return 0;
}
