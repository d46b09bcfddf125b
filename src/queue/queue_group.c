/*
 * queue_group.c -- queue groups as sendmail 8.17 keeps them: the
 * folders of every group (the cf's Q lines, read by the cf reader) opened
 * into one struct queue_dirs, the default group "mqueue"
 * (QueueDirectory) first.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xalloc.h"
#include "queue.h"

void
queue_group_free(struct queue_group *g)
{
	if (g == NULL)
		return;
	free(g->name);
	free(g->path);
	memset(g, 0, sizeof(*g));
}

void
queue_dirs_group_default(struct queue_dirs *d)
{
	d->groups = xcalloc(1, sizeof(*d->groups));
	d->groups[0].name = xstrdup("mqueue");
	d->ngroups = 1;
}

size_t
queue_group_find(const struct queue_dirs *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->ngroups; i++)
		if (str_casecmp(d->groups[i].name, name) == 0)
			return i;
	return QUEUE_GROUP_NONE;
}

size_t
queue_group_path(const struct queue_dirs *d, size_t g, unsigned n)
{
	const struct queue_group *q = &d->groups[g];

	return q->npaths > 1 ? q->first + n % q->npaths : q->first;
}

int
queue_dirs_open_groups(const char *queuedir, const struct queue_group *in,
    size_t nin, struct queue_dirs *d, struct err *err)
{
	struct queue_group g;
	const char *mq;
	size_t i, k;

	memset(d, 0, sizeof(*d));
	queue_dirs_group_default(d);
	/* the groups first, so that "Qmqueue, P=..." can move group 0 */
	for (i = 0; i < nin; i++) {
		g = in[i];
		g.name = xstrdup(in[i].name);
		g.path = in[i].path != NULL ? xstrdup(in[i].path) : NULL;
		g.first = g.npaths = 0;
		if (str_casecmp(g.name, "mqueue") == 0) {
			queue_group_free(&d->groups[0]);
			d->groups[0] = g;
			continue;
		}
		if ((k = queue_group_find(d, g.name)) != QUEUE_GROUP_NONE) {
			queue_group_free(&d->groups[k]);	/* a later line */
			d->groups[k] = g;
			continue;
		}
		d->groups = xreallocarray(d->groups, d->ngroups + 1,
		    sizeof(*d->groups));
		d->groups[d->ngroups++] = g;
	}
	/* the last Qmqueue line's P=, taken once the lines have replaced
	 * each other (an earlier line's path is freed by then) */
	mq = d->groups[0].path != NULL ? d->groups[0].path : queuedir;
	if (mq == NULL || *mq == '\0') {
		err_set(err, ERR_CONFIG, "QueueDirectory (Q) option must be "
		    "set");
		goto fail;
	}
	if (queue_dirs_add(d, 0, mq, &d->base, &d->qdir, err) == -1)
		goto fail;
	for (i = 1; i < d->ngroups; i++)
		if (queue_dirs_add(d, i, d->groups[i].path != NULL ?
		    d->groups[i].path : queuedir, NULL, NULL, err) == -1)
			goto fail;
	return 0;
fail:
	queue_dirs_free(d);
	return -1;
}
