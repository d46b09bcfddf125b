/*
 * queue_list.c -- sendmail -bp / mailq: the listing of every queue
 * directory, byte for byte as sendmail 8.17 prints it.  Each directory
 * is read in readdir order, filtered (-qI on the file name, -qS, -qR,
 * -qQ on the qf's records), sorted by priority (a stable sort, as
 * glibc's qsort is for these sizes) and printed: queue id, lock
 * state, df size, queue time and sender, then the quarantine reason,
 * body type and status, then each recipient.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/arr.h"
#include "lib/xalloc.h"
#include "queue.h"

#define QFNAME_MAX	21	/* sendmail's MAXQFNAME: longer is skipped */
#define GATHER_LINE	512	/* gatherq() reads this much of a line */
#define QF_READ_MAX	(16 * 1024 * 1024)

struct work {
	char		*name;		/* "qf<id>" */
	int		 open_errno;	/* the qf could not be opened */
	int		 locked;
	int		 tooyoung;
	long		 pri;
	struct qf	 qf;
	int		 parsed;
};

int
queue_list_filter(struct queue_list_opts *o, const char *arg)
{
	struct queue_match **v;
	size_t *n;
	int negate = arg[0] == '!';

	if (negate)
		arg++;
	switch (arg[0]) {
	case 'I':
		v = &o->ids;
		n = &o->nids;
		break;
	case 'R':
		v = &o->rcpts;
		n = &o->nrcpts;
		break;
	case 'S':
		v = &o->senders;
		n = &o->nsenders;
		break;
	case 'Q':
		o->mode = QUEUE_MODE_QUARANTINE;
		if (arg[1] == '\0')
			return 0;
		v = &o->quarantines;
		n = &o->nquarantines;
		break;
	case 'L':
		o->mode = QUEUE_MODE_LOST;
		return 0;
	case 'G':
		if (negate)
			return -1;
		free(o->group);
		o->group = xstrdup(arg + 1);
		return 0;
	default:
		return -1;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].text = xstrdup(arg + 1);
	(*v)[*n].negate = negate;
	(*n)++;
	return 0;
}

void
queue_list_opts_free(struct queue_list_opts *o)
{
	size_t i;

	for (i = 0; i < o->nids; i++)
		free(o->ids[i].text);
	for (i = 0; i < o->nsenders; i++)
		free(o->senders[i].text);
	for (i = 0; i < o->nrcpts; i++)
		free(o->rcpts[i].text);
	for (i = 0; i < o->nquarantines; i++)
		free(o->quarantines[i].text);
	free(o->group);
	free(o->ids);
	free(o->senders);
	free(o->rcpts);
	free(o->quarantines);
}

/* sendmail's strcontainedin(): is a a substring of b? */
static int
contained(int icase, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;

	if (la > lb)
		return 0;
	for (i = 0; i + la <= lb; i++)
		if (icase ? strncasecmp(a, b + i, la) == 0 :
		    strncmp(a, b + i, la) == 0)
			return 1;
	return 0;
}

/* Does any of the filters match s (taken as gatherq reads a line)? */
static int
matches(const struct queue_match *v, size_t n, int icase, const char *s,
    size_t room)
{
	char *cut;
	size_t i, len;
	int hit = 0;

	len = strcspn(s, "\n");
	if (len > room)
		len = room;
	cut = xstrndup(s, len);
	for (i = 0; i < n && !hit; i++)
		if (contained(icase, v[i].text, cut) != v[i].negate)
			hit = 1;
	free(cut);
	return hit;
}

static int
rcpt_matches(const struct queue_list_opts *o, const struct qf *qf)
{
	size_t i, used;
	const struct qf_rcpt *r;
	int k;

	for (i = 0; i < qf->nrcpts; i++) {
		r = &qf->rcpts[i];
		/* "R" + flag letters + ":" come first on the line */
		used = 1;
		if (qf->version >= 1) {
			for (k = 0; k < 8; k++)
				if (r->flags & (1u << k))
					used++;
			used++;
		}
		if (used >= GATHER_LINE - 1)
			continue;
		if (matches(o->rcpts, o->nrcpts, 1, r->addr,
		    GATHER_LINE - 1 - used))
			return 1;
	}
	return 0;
}

/* The whole file, at most QF_READ_MAX bytes; -1 on a read error. */
static int
slurp(int fd, struct buf *b)
{
	char chunk[8192];
	ssize_t r;

	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			return 0;
		if (buf_add(b, chunk, (size_t)r) == -1)
			return 0;	/* the rest is not needed */
	}
}

static void
dir_path(const struct queue_dirs *d, size_t i, unsigned sub,
    const char *subname, struct buf *out)
{
	const struct queue_path *p = &d->paths[i];

	(void)buf_adds(out, p->dir);
	if (p->subdirs & sub)
		(void)buf_printf(out, "/%s", subname);
}

static int
wanted_name(const struct queue_list_opts *o, const char *name)
{
	char want = o->mode == QUEUE_MODE_QUARANTINE ? 'h' :
	    o->mode == QUEUE_MODE_LOST ? 'Q' : 'q';

	return name[0] == want && name[1] == 'f';
}

/* Reads and judges one qf; 0 when it is to be listed. */
static int
gather_one(const struct queue_list_opts *o, const char *path,
    struct work *w)
{
	struct qf_limits lim;
	struct err err;
	struct buf data;
	struct qf *qf = &w->qf;
	int fd, need_s, need_r, need_q, has_q;
	long long age, delay;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		/* listed all the same; printing says why it is unreadable */
		w->pri = 0x7fffffff;
		return 0;
	}
	w->locked = queue_qf_locked(fd);
	buf_init(&data, QF_READ_MAX);
	(void)slurp(fd, &data);
	(void)close(fd);
	queue_qf_limits_default(&lim);
	lim.lenient = 1;
	lim.record_max = QF_READ_MAX;
	w->parsed = queue_qf_parse(data.data != NULL ? data.data : "",
	    data.len, &lim, qf, &err) == QF_OK;
	buf_free(&data);
	if (!w->parsed) {
		w->pri = 0x7fffffff;
		return 0;
	}
	w->pri = qf->has_priority ? qf->priority : 0x7fffffff;

	/* too young: a retry before MinQueueAge (or MaxQueueAge) */
	if (o->max_age > 0) {
		delay = qf->dtime - qf->ctime;
		if (delay > o->max_age)
			delay = o->max_age;
		age = (long long)o->now - qf->dtime;
		if (age < delay)
			w->tooyoung = 1;
	} else {
		age = (long long)o->now - qf->dtime;
		if (age >= 0 && o->min_age > 0 && age < o->min_age)
			w->tooyoung = 1;
	}
	if (qf->ntries == 0)
		w->tooyoung = 0;

	need_s = o->nsenders > 0;
	need_r = o->nrcpts > 0;
	need_q = o->nquarantines > 0;
	/* sendmail reads past the q line only when a filter needs it */
	has_q = o->mode == QUEUE_MODE_NORMAL && qf->quarantine != NULL &&
	    (need_s || need_r || need_q);
	if (need_q && o->mode == QUEUE_MODE_QUARANTINE &&
	    qf->quarantine != NULL &&
	    matches(o->quarantines, o->nquarantines, 0, qf->quarantine,
	    GATHER_LINE - 2))
		need_q = 0;
	if (need_s && qf->sender != NULL &&
	    matches(o->senders, o->nsenders, 1, qf->sender, GATHER_LINE - 2))
		need_s = 0;
	if (need_r && rcpt_matches(o, qf))
		need_r = 0;
	return has_q || need_q || need_s || need_r ? -1 : 0;
}

static void
work_free(struct work *w)
{
	free(w->name);
	if (w->parsed)
		queue_qf_free(&w->qf);
}

static int
by_pri(const void *a, const void *b)
{
	long pa = ((const struct work *)a)->pri;
	long pb = ((const struct work *)b)->pri;

	return (pa > pb) - (pa < pb);
}

/*
 * Stable, by priority (ties keep their directory order, as glibc's
 * merging qsort keeps them for sendmail).
 */
static void
sort_work(struct work *v, size_t n)
{
	arr_msort(v, n, sizeof(*v), by_pri);
}

static void
prtstr(FILE *out, const char *s, int ml)
{
	int c;

	while (ml-- > 0 && (c = (unsigned char)*s++) != '\0' && c != '\n') {
		if (c == '\\') {
			if (ml-- > 0) {
				(void)putc(c, out);
				(void)putc(c, out);
			}
		} else if (c < 0x80 && isprint(c))
			(void)putc(c, out);
		else if ((ml -= 3) > 0)
			(void)fprintf(out, "\\%03o", c & 0xff);
	}
}

/* Printed length: the first physical line of a value, at most max. */
static int
prec(const char *s, int max)
{
	size_t n = strcspn(s, "\n");

	return n > (size_t)max ? max : (int)n;
}

static long
df_size(const struct queue_dirs *d, size_t qi, const struct work *w)
{
	struct buf p;
	struct stat st;
	long size = -1;
	size_t i;

	buf_init(&p, 0);
	dir_path(d, qi, QUEUE_SUBDF, "df", &p);
	(void)buf_printf(&p, "/df%s", w->name + 2);
	if (stat(buf_cstr(&p), &st) == 0)
		size = (long)st.st_size;
	else if (w->parsed && w->qf.dfdir != NULL) {
		/* a d record names the queue directory of the df */
		for (i = 0; i < d->npaths; i++) {
			if (strcmp(d->paths[i].name, w->qf.dfdir) != 0)
				continue;
			buf_reset(&p);
			dir_path(d, i, QUEUE_SUBDF, "df", &p);
			(void)buf_printf(&p, "/df%s", w->name + 2);
			if (stat(buf_cstr(&p), &st) == 0)
				size = (long)st.st_size;
			break;
		}
	}
	buf_free(&p);
	return size;
}

static int
shouldqueue(const struct queue_list_opts *o, long pri)
{
	if (o->load < o->queue_la)
		return 0;
	return pri > o->queue_factor / (o->load - o->queue_la + 1);
}

static void
print_one(const struct queue_dirs *d, size_t qi,
    const struct queue_list_opts *o, struct work *w, FILE *out)
{
	const struct qf *qf = &w->qf;
	const char *statmsg = NULL;
	char when[64];
	time_t t;
	size_t i;
	long dfsize;
	int v = o->verbose;

	(void)fprintf(out, "%13s", w->name + 2);
	if (w->open_errno != 0) {
		if (w->open_errno == EPERM)
			(void)fputs(" (permission denied)\n", out);
		else if (w->open_errno == ENOENT)
			(void)fputs(" (job completed)\n", out);
		else
			(void)fprintf(out, " (%s)\n", strerror(w->open_errno));
		return;
	}
	dfsize = df_size(d, qi, w);
	if (w->locked)
		(void)putc('*', out);
	else if (o->mode == QUEUE_MODE_LOST)
		(void)putc('?', out);
	else if (w->tooyoung)
		(void)putc('-', out);
	else if (shouldqueue(o, w->pri))
		(void)putc('X', out);
	else
		(void)putc(' ', out);
	if (!w->parsed) {
		(void)fputs(" (no control file)\n", out);
		return;
	}
	t = (time_t)qf->ctime;
	if (ctime_r(&t, when) == NULL)
		(void)memset(when, ' ', 25);
	if (qf->message != NULL)
		statmsg = qf->message;
	if (qf->sender != NULL) {
		if (v) {
			(void)fprintf(out, "%8ld %10ld%c%.12s ", dfsize,
			    w->pri, (qf->flags & QF_F_WARNING) ? '+' : ' ',
			    when + 4);
			prtstr(out, qf->sender, 78);
		} else {
			(void)fprintf(out, "%8ld %.16s ", dfsize, when);
			prtstr(out, qf->sender, 39);
		}
		if (qf->quarantine != NULL && qf->quarantine[0] != '\0')
			(void)fprintf(out, "\n     QUARANTINE: %.*s",
			    prec(qf->quarantine, v ? 100 : 60),
			    qf->quarantine);
		if ((statmsg != NULL && statmsg[0] != '\0') ||
		    (qf->bodytype != NULL && qf->bodytype[0] != '\0')) {
			(void)fprintf(out, "\n    %10.10s", qf->bodytype !=
			    NULL ? qf->bodytype : "");
			if (statmsg != NULL && statmsg[0] != '\0')
				(void)fprintf(out, "   (%.*s)",
				    prec(statmsg, v ? 100 : 60), statmsg);
			statmsg = NULL;
		}
	}
	for (i = 0; i < qf->nrcpts; i++) {
		const struct qf_rcpt *r = &qf->rcpts[i];

		if (r->status != NULL)
			statmsg = r->status;
		if (v && r->ctl != NULL)
			(void)fprintf(out, "\n\t\t\t\t\t\t(---%.*s---)",
			    prec(r->ctl, 64), r->ctl);
		if (v) {
			(void)fputs("\n\t\t\t\t\t\t", out);
			prtstr(out, r->addr, 71);
		} else {
			(void)fputs("\n\t\t\t\t\t ", out);
			prtstr(out, r->addr, 38);
		}
		if (v && statmsg != NULL && statmsg[0] != '\0') {
			(void)fprintf(out, "\n\t\t (%.*s)",
			    prec(statmsg, 100), statmsg);
			statmsg = NULL;
		}
	}
	if (qf->ctime == 0)
		(void)fputs(" (no control file)", out);
	(void)putc('\n', out);
}

/* One queue directory: gather, sort, print; returns its requests. */
static long
list_one(const struct queue_dirs *d, size_t qi,
    const struct queue_list_opts *o, FILE *out)
{
	struct work *v = NULL;
	size_t n = 0, cap = 0, i;
	long overflow = 0, nreq;
	struct buf dir, path, label;
	struct dirent *de;
	struct stat st;
	DIR *dp;

	buf_init(&dir, 0);
	buf_init(&path, 0);
	buf_init(&label, 0);
	dir_path(d, qi, QUEUE_SUBQF, "qf", &dir);
	queue_dirs_label(d, qi, &label);
	dp = opendir(buf_cstr(&dir));
	if (dp == NULL)
		(void)fprintf(out, "gatherq: cannot open \"%s\": %s\n",
		    buf_cstr(&label), strerror(errno));
	while (dp != NULL && (de = readdir(dp)) != NULL) {
		struct work w;
		size_t k;
		int hit;

		if (!wanted_name(o, de->d_name))
			continue;
		if (strlen(de->d_name) >= QFNAME_MAX) {
			if (o->verbose)
				(void)fprintf(out, "gatherq: %s too long, %d "
				    "max characters\n", de->d_name,
				    QFNAME_MAX);
			continue;
		}
		for (k = 0, hit = 0; k < o->nids && !hit; k++)
			if (contained(0, o->ids[k].text, de->d_name) !=
			    o->ids[k].negate)
				hit = 1;
		if (o->nids > 0 && !hit)
			continue;
		if (o->max_run > 0 && (long)n >= o->max_run) {
			overflow++;
			continue;
		}
		buf_reset(&path);
		(void)buf_printf(&path, "%s/%s", buf_cstr(&dir), de->d_name);
		if (stat(buf_cstr(&path), &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		memset(&w, 0, sizeof(w));
		w.name = xstrdup(de->d_name);
		if (gather_one(o, buf_cstr(&path), &w) == -1) {
			work_free(&w);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = w;
	}
	if (dp != NULL)
		(void)closedir(dp);
	sort_work(v, n);
	nreq = (long)n + overflow;
	if (nreq <= 0)
		(void)fprintf(out, "%s is empty\n", buf_cstr(&label));
	else {
		(void)fprintf(out, "\t\t%s (%ld request%s", buf_cstr(&label),
		    nreq, nreq == 1 ? "" : "s");
		if (o->max_run > 0 && nreq > o->max_run)
			(void)fprintf(out, ", only %ld printed", o->max_run);
		(void)fputs(o->verbose ?
		    ")\n-----Q-ID----- --Size-- -Priority- ---Q-Time--- "
		    "--------Sender/Recipient--------\n" :
		    ")\n-----Q-ID----- --Size-- -----Q-Time----- "
		    "------------Sender/Recipient-----------\n", out);
		for (i = 0; i < n; i++) {
			/* the file may have gone since it was read */
			buf_reset(&path);
			(void)buf_printf(&path, "%s/%s", buf_cstr(&dir),
			    v[i].name);
			if (faccessat(AT_FDCWD, buf_cstr(&path), R_OK,
			    AT_EACCESS) == -1)
				v[i].open_errno = errno;
			print_one(d, qi, o, &v[i], out);
		}
	}
	for (i = 0; i < n; i++)
		work_free(&v[i]);
	free(v);
	buf_free(&dir);
	buf_free(&path);
	buf_free(&label);
	return nreq;
}

long
queue_list(const struct queue_dirs *d, const struct queue_list_opts *o,
    FILE *out)
{
	long total = 0;
	size_t i, g;

	if (o->group != NULL) {
		/* -qGname: that group's folders, without the total */
		if ((g = queue_group_find(d, o->group)) == QUEUE_GROUP_NONE) {
			(void)fprintf(out, "Queue group %s unknown\n",
			    o->group);
			return 0;
		}
		for (i = 0; i < d->groups[g].npaths; i++)
			total += list_one(d, d->groups[g].first + i, o, out);
		return total;
	}
	for (i = 0; i < d->npaths; i++)
		total += list_one(d, i, o, out);
	(void)fprintf(out, "\t\tTotal requests: %ld\n", total);
	return total;
}

/*
 * Whether a queue run takes this message under the -qI -qS -qR filters
 * of o (the same matching as the listing's).
 */
int
queue_filter_wants(const struct queue_list_opts *o, const char *id,
    const struct qf *qf)
{
	size_t k;
	int hit = 0;

	for (k = 0; k < o->nids && !hit; k++)
		if (contained(0, o->ids[k].text, id) != o->ids[k].negate)
			hit = 1;
	if (o->nids > 0 && !hit)
		return 0;
	if (o->nsenders > 0 && (qf->sender == NULL || !matches(o->senders,
	    o->nsenders, 1, qf->sender, GATHER_LINE - 2)))
		return 0;
	if (o->nrcpts > 0 && !rcpt_matches(o, qf))
		return 0;
	return 1;
}
