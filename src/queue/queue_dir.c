/*
 * queue_dir.c -- the queue directories a cf names, as sendmail 8.17
 * finds them: QueueDirectory itself, or with a trailing '*' every
 * directory of its folder whose name starts with the given prefix (in
 * readdir order), each with optional qf/, df/ and xf/ subdirectories;
 * and the test whether a qf is locked by another process.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "queue.h"

/* A directory (or a symlink to one), as sendmail's chkqdir() accepts. */
static int
is_dir(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return 0;
	if (S_ISLNK(st.st_mode) && stat(path, &st) == -1)
		return 0;
	return S_ISDIR(st.st_mode);
}

static unsigned
subdirs(const char *dir)
{
	static const char *const names[] = { "qf", "df", "xf" };
	static const unsigned bits[] = { QUEUE_SUBQF, QUEUE_SUBDF,
	    QUEUE_SUBXF };
	struct buf p;
	unsigned got = 0;
	int i;

	buf_init(&p, 0);
	for (i = 0; i < 3; i++) {
		buf_reset(&p);
		(void)buf_printf(&p, "%s/%s", dir, names[i]);
		if (is_dir(buf_cstr(&p)))
			got |= bits[i];
	}
	buf_free(&p);
	return got;
}

/* A folder of group g: name relative to the group's base, dir whole. */
static void
add_path(struct queue_dirs *d, size_t g, const char *qdir, const char *name,
    unsigned sub)
{
	struct queue_path *p;
	struct buf b;

	d->paths = xreallocarray(d->paths, d->npaths + 1, sizeof(*d->paths));
	p = &d->paths[d->npaths++];
	p->name = xstrdup(name);
	buf_init(&b, 0);
	(void)buf_adds(&b, qdir);
	if (strcmp(name, ".") != 0) {
		if (b.len == 0 || b.data[b.len - 1] != '/')
			(void)buf_addc(&b, '/');
		(void)buf_adds(&b, name);
	}
	p->dir = buf_steal(&b);
	p->group = g;
	p->subdirs = sub;
	p->qfdir = p->dfdir = -1;
}

int
queue_dirs_open(const char *queuedir, struct queue_dirs *d, struct err *err)
{
	memset(d, 0, sizeof(*d));
	queue_dirs_group_default(d);
	if (queue_dirs_add(d, 0, queuedir, &d->base, &d->qdir, err) == -1) {
		queue_dirs_free(d);
		return -1;
	}
	return 0;
}

int
queue_dirs_add(struct queue_dirs *d, size_t g, const char *queuedir,
    char **base_out, char **qdir_out, struct err *err)
{
	size_t len = strlen(queuedir), first = d->npaths;
	const char *slash;
	char *base = NULL, *qdir = NULL;
	struct stat st;
	struct buf b;

	if (len == 0)
		return err_set(err, ERR_CONFIG, "QueueDirectory (Q) option "
		    "must be set");
	buf_init(&b, 0);
	if (queuedir[len - 1] == '*') {
		const char *prefix;
		size_t plen;
		DIR *dp;
		struct dirent *de;

		slash = strrchr(queuedir, '/');
		if (slash == NULL) {
			buf_free(&b);
			return err_set(err, ERR_CONFIG, "QueueDirectory: can "
			    "not wildcard relative path \"%s\"", queuedir);
		}
		base = xstrndup(queuedir, (size_t)(slash - queuedir) + 1);
		prefix = slash + 1;
		plen = len - 1 - (size_t)(prefix - queuedir);
		/* the group is the base folder, its queues below it */
		qdir = xstrndup(base, strlen(base) > 1 ?
		    strlen(base) - 1 : 1);
		if (stat(base, &st) == -1 || !S_ISDIR(st.st_mode)) {
			int e = errno == 0 || S_ISDIR(st.st_mode) ? errno :
			    ENOTDIR;

			err_set(err, ERR_CONFIG, "can not chdir(%s): %s",
			    base, strerror(e ? e : ENOTDIR));
			goto fail;
		}
		if ((dp = opendir(base)) == NULL) {
			err_set(err, ERR_CONFIG, "can not opendir(%s/.): %s",
			    qdir, strerror(errno));
			goto fail;
		}
		while ((de = readdir(dp)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0 ||
			    strncmp(de->d_name, prefix, plen) != 0)
				continue;
			buf_reset(&b);
			(void)buf_printf(&b, "%s%s", base, de->d_name);
			if (!is_dir(buf_cstr(&b)))
				continue;
			add_path(d, g, qdir, de->d_name,
			    subdirs(buf_cstr(&b)));
		}
		(void)closedir(dp);
		if (d->npaths == first) {
			buf_reset(&b);
			(void)buf_add(&b, queuedir, len - 1);
			err_set(err, ERR_CONFIG, "can not opendir(%s): %s",
			    buf_cstr(&b), strerror(ENOENT));
			goto fail;
		}
		goto done;
	}
	if (queuedir[len - 1] == '/')
		base = xstrdup(queuedir);
	else {
		(void)buf_printf(&b, "%s/", queuedir);
		base = buf_steal(&b);
	}
	qdir = xstrdup(queuedir);
	/* the effective ids: a user's set-group-id sendmail enters the
	 * client queue through its group, which access() would not count */
	if (stat(base, &st) == -1 ||
	    faccessat(AT_FDCWD, base, X_OK, AT_EACCESS) == -1) {
		err_set(err, ERR_CONFIG, "can not chdir(%s): %s", base,
		    strerror(errno));
		goto fail;
	}
	add_path(d, g, qdir, ".", subdirs(qdir));
done:
	buf_free(&b);
	d->groups[g].first = first;
	d->groups[g].npaths = d->npaths - first;
	if (base_out != NULL) {
		free(*base_out);
		*base_out = base;
	} else
		free(base);
	if (qdir_out != NULL) {
		free(*qdir_out);
		*qdir_out = qdir;
	} else
		free(qdir);
	return 0;
fail:
	buf_free(&b);
	free(base);
	free(qdir);
	return -1;
}

void
queue_dirs_free(struct queue_dirs *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->npaths; i++) {
		struct queue_path *p = &d->paths[i];

		if (d->held) {
			if (p->dfdir != p->qfdir)
				(void)close(p->dfdir);
			(void)close(p->qfdir);
		}
		if (d->remote && p->statfd >= 0)
			(void)close(p->statfd);
		free(p->name);
		free(p->dir);
	}
	for (i = 0; i < d->ngroups; i++)
		queue_group_free(&d->groups[i]);
	free(d->groups);
	free(d->paths);
	free(d->base);
	free(d->qdir);
	memset(d, 0, sizeof(*d));
}

void
queue_dirs_label(const struct queue_dirs *d, size_t i, struct buf *out)
{
	const struct queue_path *p = &d->paths[i];

	(void)buf_adds(out, p->dir);
	if (p->subdirs & QUEUE_SUBDF)
		(void)buf_adds(out, "/df");
}

int
queue_qf_locked(int fd)
{
	struct flock fl;

	if (flock(fd, LOCK_SH | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			return 1;
	} else
		(void)flock(fd, LOCK_UN);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		return 1;
	return 0;
}
