/*
 * fuzz_qfparse.c -- queue_qf_parse on arbitrary bytes, strict and
 * lenient (as mailq reads).  Never a crash or a leak; whatever parses
 * must be written by queue_qf_format into a file that parses strictly
 * again and is written back byte for byte the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

static void
check_round_trip(const struct qf *qf, const struct qf_limits *lim)
{
	struct qf again;
	struct err err;
	struct buf one, two;

	buf_init(&one, 0);
	buf_init(&two, 0);
	if (queue_qf_format(qf, &one, &err) == -1)
		abort();
	if (qf->version >= 0 && qf->version <= QF_VERSION) {
		if (queue_qf_parse(one.data, one.len, lim, &again, &err) !=
		    QF_OK)
			abort();
		if (queue_qf_format(&again, &two, &err) == -1)
			abort();
		if (one.len != two.len ||
		    memcmp(one.data, two.data, one.len) != 0)
			abort();
		queue_qf_free(&again);
	}
	buf_free(&one);
	buf_free(&two);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qf_limits strict, lenient;
	struct qf qf;
	struct err err;
	const char *text = (const char *)data;

	queue_qf_limits_default(&strict);
	strict.record_max = 4096;
	strict.rcpt_max = 64;
	strict.header_max = 64;
	strict.macro_max = 64;
	lenient = strict;
	lenient.lenient = 1;
	if (queue_qf_parse(text, size, &strict, &qf, &err) == QF_OK) {
		if (!qf.terminated)
			abort();
		check_round_trip(&qf, &strict);
		queue_qf_free(&qf);
	} else if (qf.rcpts != NULL || qf.headers != NULL ||
	    qf.sender != NULL)
		abort();
	if (queue_qf_parse(text, size, &lenient, &qf, &err) == QF_OK) {
		check_round_trip(&qf, &strict);
		queue_qf_free(&qf);
	}
	return 0;
}
