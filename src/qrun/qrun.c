/*
 * qrun.c -- a run over the queue (sendmail -q, -qf): every folder of
 * QueueDirectory is read, its messages are tried oldest id first, and
 * the notifications the run itself queued (returned mail) are tried in
 * a second pass, as sendmail sends them at once.
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

static int
by_name_key(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

int
qrun_queue(struct cf *cf, const struct qrun_opts *opts)
{
	const char *q = cf_option_value(cf, "QueueDirectory");
	struct queue_dirs dirs;
	struct strarr ids, done = { 0 };
	struct err err;
	size_t i, k;
	int pass;

	if (q == NULL || queue_dirs_open(q, &dirs, &err) == -1) {
		(void)fprintf(opts->out, "%s\n", q == NULL ? "QueueDirectory (Q) "
		    "option must be set" : err.msg);
		return 78;
	}
	/* pass 0: the queue as it is; pass 1: what the run itself queued */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < dirs.npaths; i++) {
			memset(&ids, 0, sizeof(ids));
			list_ids(&dirs, i, &ids);
			for (k = 0; k < ids.n; k++) {
				if (pass == 1 && bsearch(ids.v[k], done.v,
				    done.n, sizeof(*done.v), by_name_key))
					continue;
				if (pass == 0)
					strarr_push(&done, ids.v[k]);
				(void)qrun_message(cf, &dirs, i, ids.v[k], opts);
			}
			strarr_free(&ids);
		}
		if (pass == 0 && done.n > 1)
			qsort(done.v, done.n, sizeof(*done.v), by_name);
	}
	strarr_free(&done);
	queue_dirs_free(&dirs);
	return 0;
}
