/*
 * qrun_size.c -- the size of a queued message as sendmail's queue run
 * sees it (the statistics file counts it): the df file's bytes plus the
 * text of each header record of the qf.
 */
#include <string.h>
#include <sys/stat.h>

#include "qrun_int.h"

unsigned long long
qrun_msgsize(const struct qrun_msg *q)
{
	unsigned long long n = 0;
	struct stat st;
	size_t i;

	if (q->dffd >= 0 && fstat(q->dffd, &st) == 0)
		n = (unsigned long long)st.st_size;
	for (i = 0; i < q->qf.nheaders; i++) {
		const struct qf_header *h = &q->qf.headers[i];

		n += (h->cond ? strlen(h->cond) + 2 : 0) + strlen(h->name) +
		    1 + (h->value ? strlen(h->value) : 0);
	}
	return n;
}
