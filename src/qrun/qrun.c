/*
 * qrun.c -- a run over the queue (sendmail -q, -qf): every folder of
 * every queue group (or of one, -qGname) is read and its messages are tried in QueueSortOrder
 * (qrun_order.c; the notifications a message causes are sent right
 * after it, by qrun_message).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "qrun_int.h"
#include "lib/arr.h"
#include "msg/msg.h"
#include "lib/xalloc.h"

int
qrun_queue(struct cf *cf, const struct qrun_opts *opts)
{
	const char *group = opts->filter != NULL ? opts->filter->group : NULL;
	struct queue_dirs dirs;
	struct strarr ids;
	struct err err;
	size_t i, k, g = QUEUE_GROUP_NONE;

	if (msg_qdirs_open(cf, &dirs, &err) == -1) {
		if (opts->out != NULL)
			(void)fprintf(opts->out, "%s\n", err.msg);
		return 78;
	}
	if (group != NULL &&
	    (g = queue_group_find(&dirs, group)) == QUEUE_GROUP_NONE) {
		if (opts->out != NULL)
			(void)fprintf(opts->out, "Queue group %s unknown\n",
			    group);
		queue_dirs_free(&dirs);
		return 0;	/* as sendmail: said, not an error */
	}
	for (i = 0; i < dirs.npaths; i++) {
		if (g != QUEUE_GROUP_NONE && dirs.paths[i].group != g)
			continue;
		memset(&ids, 0, sizeof(ids));
		qrun_jobs(cf, &dirs, i, &ids);
		for (k = 0; k < ids.n; k++)
			(void)qrun_message(cf, &dirs, i, ids.v[k], opts);
		strarr_free(&ids);
	}
	queue_dirs_free(&dirs);
	return 0;
}
