/*
 * qrun.c -- a run over the queue (sendmail -q, -qf): every folder of
 * QueueDirectory is read and its messages are tried oldest id first
 * (the notifications a message causes are sent right after it, by
 * qrun_message).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "qrun_int.h"
#include "lib/arr.h"
#include "lib/xalloc.h"

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids of the qf files of folder path i, sorted. */
static void
list_ids(const struct queue_dirs *dirs, size_t i, struct strarr *out)
{
	struct buf p;
	struct dirent *de;
	DIR *d;

	buf_init(&p, 0);
	queue_dirs_path(dirs, i, 'q', &p);
	if ((d = opendir(buf_cstr(&p))) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] == 'q' && de->d_name[1] == 'f' &&
			    strlen(de->d_name) > 2 &&
			    strlen(de->d_name) < QUEUE_ID_MAX + 2)
				strarr_push(out, de->d_name + 2);
		(void)closedir(d);
	}
	buf_free(&p);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), by_name);
}

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
		list_ids(&dirs, i, &ids);
		for (k = 0; k < ids.n; k++)
			(void)qrun_message(cf, &dirs, i, ids.v[k], opts);
		strarr_free(&ids);
	}
	queue_dirs_free(&dirs);
	return 0;
}
