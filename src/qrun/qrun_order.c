/*
 * qrun_order.c -- which messages of a queue folder a run takes, and in
 * what order, as sendmail's QueueSortOrder says: priority (the default;
 * lowest P first), host (by the reversed domain of the first recipient
 * with one, the hosts with a message being delivered last), time (T,
 * oldest first), filename, modification (oldest qf first), random, or
 * none (the folder's order).  MaxQueueRunSize cuts the list in the
 * folder's order, before the sort, as sendmail cuts it while reading
 * the folder; MinQueueAge skips a message tried (K) too recently.  Ties
 * keep the folder's order.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "qrun_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define QF_READ_MAX	(64 * 1024 * 1024)

enum qso { QSO_PRIORITY, QSO_HOST, QSO_TIME, QSO_FILENAME, QSO_MODTIME,
	QSO_RANDOM, QSO_NONE };

struct job {
	char		*id;
	long		 pri;
	long long	 ctime;
	time_t		 mtime;
	char		*host;		/* reversed, lower case; NULL none */
	int		 locked;
};

static enum qso
sort_order(struct cf *cf)
{
	const char *v = cf_option_value(cf, "QueueSortOrder");

	if (v == NULL)
		return QSO_PRIORITY;
	switch (v[0]) {
	case 'h': case 'H': return QSO_HOST;
	case 't': case 'T': return QSO_TIME;
	case 'f': case 'F': return QSO_FILENAME;
	case 'm': case 'M': return QSO_MODTIME;
	case 'r': case 'R': return QSO_RANDOM;
	case 'n': case 'N': return QSO_NONE;
	default: return QSO_PRIORITY;
	}
}

static int
name_cmp(const void *va, const void *vb)
{
	const struct job *a = va, *b = vb;

	return strcmp(a->id, b->id);
}

/* The ids of the qf files of folder path i, in the folder's order. */
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
}

/*
 * What the order needs from qf<id>: 0, -1 when it is gone or unreadable
 * (not taken: another process has it), 1 when MinQueueAge says later.
 */
static int
read_job(const char *dir, const char *id, int need_qf, long min_age,
    struct job *j)
{
	struct qf_limits lim;
	struct qf qf;
	struct err err;
	struct stat st;
	struct buf path, text;
	char chunk[8192], *at;
	ssize_t n;
	size_t k;
	int fd, rc = 0;

	memset(j, 0, sizeof(*j));
	j->id = xstrdup(id);
	j->pri = 0x7fffffff;	/* one being written sorts last */
	buf_init(&path, 0);
	(void)buf_printf(&path, "%s/qf%s", dir, id);
	fd = open(buf_cstr(&path), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	buf_free(&path);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	j->mtime = st.st_mtime;
	if (!need_qf) {
		(void)close(fd);
		return 0;
	}
	j->locked = queue_qf_locked(fd);
	buf_init(&text, QF_READ_MAX);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(&text, chunk, (size_t)n) == -1)
			break;
	(void)close(fd);
	queue_qf_limits_default(&lim);
	lim.lenient = 1;
	if (queue_qf_parse(text.data ? text.data : "", text.len, &lim, &qf,
	    &err) == QF_OK) {
		if (qf.has_priority)
			j->pri = qf.priority;
		j->ctime = qf.ctime;
		for (k = 0; k < qf.nrcpts && j->host == NULL; k++)
			if ((at = strrchr(qf.rcpts[k].addr, '@')) != NULL) {
				size_t len = strlen(at + 1), c;

				j->host = xmalloc(len + 1);
				for (c = 0; c < len; c++)
					j->host[c] = (char)tolower(
					    (unsigned char)at[len - c]);
				j->host[len] = '\0';
			}
		if (min_age > 0 && qf.ntries > 0 && time(NULL) - qf.dtime >= 0 &&
		    time(NULL) - qf.dtime < min_age)
			rc = 1;
		queue_qf_free(&qf);
	}
	buf_free(&text);
	return rc;
}

static int
host_cmp(const void *va, const void *vb)
{
	const struct job *a = va, *b = vb;

	if (a->host == NULL || b->host == NULL)
		return (a->host != NULL) - (b->host != NULL);
	return str_casecmp(a->host, b->host);
}

static int
pri_cmp(const void *va, const void *vb)
{
	const struct job *a = va, *b = vb;

	return (a->pri > b->pri) - (a->pri < b->pri);
}

/* pass 1 of the host order: host, the locked first, priority */
static int
host_lock_cmp(const void *va, const void *vb)
{
	const struct job *a = va, *b = vb;

	int c = host_cmp(a, b);

	if (c == 0)
		c = b->locked - a->locked;
	return c != 0 ? c : pri_cmp(a, b);
}

/* pass 2: the free hosts first, then host, priority */
static int
lock_host_cmp(const void *va, const void *vb)
{
	const struct job *a = va, *b = vb;

	int c = a->locked - b->locked;

	if (c == 0)
		c = host_cmp(a, b);
	return c != 0 ? c : pri_cmp(a, b);
}

static int
time_cmp(const void *va, const void *vb)
{
	const struct job *a = va, *b = vb;

	return (a->ctime > b->ctime) - (a->ctime < b->ctime);
}

static int
mtime_cmp(const void *va, const void *vb)
{
	const struct job *a = va, *b = vb;

	return (a->mtime > b->mtime) - (a->mtime < b->mtime);
}

static void
sort_jobs(struct job *v, size_t n, enum qso how)
{
	struct job t;
	size_t i, k;

	switch (how) {
	case QSO_PRIORITY:
		arr_msort(v, n, sizeof(*v), pri_cmp);
		break;
	case QSO_TIME:
		arr_msort(v, n, sizeof(*v), time_cmp);
		break;
	case QSO_MODTIME:
		arr_msort(v, n, sizeof(*v), mtime_cmp);
		break;
	case QSO_HOST:
		/* a host with one message in delivery waits as a whole */
		arr_msort(v, n, sizeof(*v), host_lock_cmp);
		for (i = 0; i < n; i = k)
			for (k = i + 1; k < n && host_cmp(&v[i], &v[k]) == 0;
			    k++)
				if (v[i].locked)
					v[k].locked = 1;
		arr_msort(v, n, sizeof(*v), lock_host_cmp);
		break;
	case QSO_RANDOM:
		for (i = n; i > 1; i--) {
			k = (size_t)random() % i;
			t = v[i - 1];
			v[i - 1] = v[k];
			v[k] = t;
		}
		break;
	case QSO_FILENAME:
		arr_msort(v, n, sizeof(*v), name_cmp);
		break;
	case QSO_NONE:
		break;
	}
}

void
qrun_jobs(struct cf *cf, const struct queue_dirs *dirs, size_t path,
    struct strarr *ids_out)
{
	enum qso how = sort_order(cf);
	const char *mq = cf_option_value(cf, "MaxQueueRunSize");
	long max = mq != NULL ? strtol(mq, NULL, 10) : 0;
	long min_age = qrun_time_opt(cf, "MinQueueAge", 0, 'm');
	int need_qf = how == QSO_PRIORITY || how == QSO_HOST ||
	    how == QSO_TIME || min_age > 0;
	struct strarr ids = { 0 };
	struct job *v;
	struct buf dir;
	size_t i, n = 0;

	buf_init(&dir, 0);
	queue_dirs_path(dirs, path, 'q', &dir);
	list_ids(dirs, path, &ids);
	v = xcalloc(ids.n + 1, sizeof(*v));
	for (i = 0; i < ids.n; i++) {
		if (max > 0 && n >= (size_t)max) {
			log_plain(LOG_WARNING, "WorkList for %s maxed out at "
			    "%ld", buf_cstr(&dir), max);
			break;
		}
		if (read_job(buf_cstr(&dir), ids.v[i], need_qf, min_age,
		    &v[n]) == 0)
			n++;
		else {
			free(v[n].id);
			free(v[n].host);
		}
	}
	sort_jobs(v, n, how);
	for (i = 0; i < n; i++) {
		strarr_push(ids_out, v[i].id);
		free(v[i].id);
		free(v[i].host);
	}
	free(v);
	strarr_free(&ids);
	buf_free(&dir);
}
