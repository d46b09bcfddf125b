/*
 * qrun.c -- a run over the queue (sendmail -q, -qf): every folder of
 * QueueDirectory is read and its messages are tried in QueueSortOrder
 * (qrun_order.c; the notifications a message causes are sent right
 * after it, by qrun_message).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "qrun_int.h"
#include "lib/arr.h"
#include "lib/xalloc.h"

int
qrun_queue(struct cf *cf, const struct qrun_opts *opts)
{
	const char *q = cf_option_value(cf, "QueueDirectory");
	struct queue_dirs dirs;
	struct strarr ids;
	struct err err;
	size_t i, k;

	if (q == NULL || queue_dirs_open(q, &dirs, &err) == -1) {
		(void)fprintf(opts->out, "%s\n", q == NULL ? "QueueDirectory (Q) "
		    "option must be set" : err.msg);
		return 78;
	}
	for (i = 0; i < dirs.npaths; i++) {
		memset(&ids, 0, sizeof(ids));
		qrun_jobs(cf, &dirs, i, &ids);
		for (k = 0; k < ids.n; k++)
			(void)qrun_message(cf, &dirs, i, ids.v[k], opts);
		strarr_free(&ids);
	}
	queue_dirs_free(&dirs);
	return 0;
}
