/*
 * queue_group.c -- queue groups as sendmail 8.17 keeps them: the Q lines
 * of a cf ("Qname, P=path, F=f, N=nice, I=interval, R=runners,
 * r=recipients, J=jobs") read into struct queue_group without I/O, and
 * the folders of every group opened into one struct queue_dirs, the
 * default group "mqueue" (QueueDirectory) first.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xalloc.h"
#include "queue.h"

/* "1h30m" in seconds, a bare number in minutes (sendmail's convtime
 * with 'm'); 0 for nothing usable. */
static long
group_time(const char *v)
{
	long total = 0, n;
	char *end;

	while (*v != '\0') {
		while (isspace((unsigned char)*v))
			v++;
		if (*v == '\0')
			break;
		n = strtol(v, &end, 10);
		if (end == v)
			return total;
		switch (*end) {
		case 's': break;
		case 'h': n *= 3600; break;
		case 'd': n *= 86400; break;
		case 'w': n *= 604800; break;
		default: n *= 60; break;	/* 'm' and no unit */
		}
		total += n;
		v = *end != '\0' ? end + 1 : end;
	}
	return total;
}

/* The value of one equate, up to the next comma, blanks trimmed. */
static char *
equate_value(const char **pp)
{
	const char *p = *pp, *start, *end;

	while (isspace((unsigned char)*p))
		p++;
	start = p;
	while (*p != '\0' && *p != ',')
		p++;
	end = p;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	*pp = p;
	return xstrndup(start, (size_t)(end - start));
}

int
queue_group_parse(const char *line, struct queue_group *g, struct err *err)
{
	const char *p = line;
	char *v;
	int code;

	memset(g, 0, sizeof(*g));
	while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p))
		p++;
	if (p == line)
		return err_set(err, ERR_CONFIG, "queue group without a name");
	g->name = xstrndup(line, (size_t)(p - line));
	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		code = (unsigned char)*p;
		while (*p != '\0' && *p != '=' && *p != ',')
			p++;
		if (*p != '=')
			break;		/* the cf reader has complained */
		p++;
		v = equate_value(&p);
		switch (code) {
		case 'P':
			free(g->path);
			g->path = v;
			v = NULL;
			break;
		case 'F': g->fork = strchr(v, 'f') != NULL; break;
		case 'N': g->nice = atoi(v); break;
		case 'I': g->interval = group_time(v); break;
		case 'R': g->runners = atoi(v); break;
		case 'r': g->maxrcpt = atol(v); break;
		case 'J': g->jobs = atol(v); break;
		default: break;
		}
		free(v);
	}
	return 0;
}

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
queue_dirs_open_groups(const char *queuedir, const char *const *lines,
    size_t nlines, struct queue_dirs *d, struct err *err)
{
	struct queue_group g;
	const char *mq = queuedir;
	size_t i, k;

	memset(d, 0, sizeof(*d));
	queue_dirs_group_default(d);
	/* the groups first, so that "Qmqueue, P=..." can move group 0 */
	for (i = 0; i < nlines; i++) {
		if (queue_group_parse(lines[i], &g, err) == -1)
			continue;
		if (str_casecmp(g.name, "mqueue") == 0) {
			queue_group_free(&d->groups[0]);
			d->groups[0] = g;
			if (g.path != NULL)
				mq = g.path;
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
