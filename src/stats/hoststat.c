/*
 * hoststat.c -- sendmail's host status directory (HostStatusDirectory):
 * after each attempt to reach a host, a file at the host's labels
 * reversed ("com./example./mx") holding "V0", "E<errno>", "H<h_errno>",
 * "S<exit>", "D<dsn>", "R<reply>", "U<epoch>" and "."; written under a
 * non-blocking exclusive flock (a busy one is left as it is), listed by
 * hoststat (-bh) in sendmail 8.17's columns and expired by purgestat
 * (-bH).  The record's parser does no I/O.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "stats.h"
#include "cf/cf.h"
#include "lib/xalloc.h"

#define EX_TEMPFAIL	75
#define FIELD_MAX	80	/* D and R keep this much, as sendmail */

void
hoststat_free(struct hoststat *h)
{
	if (h == NULL)
		return;
	free(h->dsn);
	free(h->reply);
	h->dsn = h->reply = NULL;
}

int
hoststat_parse(const char *text, size_t len, struct hoststat *out)
{
	size_t off = 0, n;
	int lineno = 0;
	char *line;

	memset(out, 0, sizeof(*out));
	out->version = -1;
	while (off < len) {
		lineno++;
		for (n = 0; off + n < len && text[off + n] != '\n'; n++)
			continue;
		line = xstrndup(text + off, n);	/* a NUL ends it early */
		off += n + (off + n < len);
		switch (line[0]) {
		case 'V':
			out->version = atoi(line + 1);
			out->vline = lineno;
			break;
		case 'E':
			out->errnum = atoi(line + 1);
			break;
		case 'H':
			out->herrno = atoi(line + 1);
			break;
		case 'S':
			out->exitstat = atoi(line + 1);
			break;
		case 'D':
			free(out->dsn);
			out->dsn = xstrdup(line + 1);
			break;
		case 'R':
			free(out->reply);
			out->reply = xstrdup(line + 1);
			break;
		case 'U':
			out->lastuse = atol(line + 1);
			break;
		case '.':
			free(line);
			return 0;
		default:
			free(line);
			return -1;
		}
		free(line);
	}
	return out->version < 0 ? -1 : 0;
}

/* A D or R value: one line, 80 bytes at most. */
static void
add_field(struct buf *out, int c, const char *v)
{
	size_t i;

	(void)buf_addc(out, c);
	for (i = 0; i < FIELD_MAX && v[i] != '\0'; i++)
		(void)buf_addc(out, v[i] == '\n' || v[i] == '\r' ? ' ' : v[i]);
	(void)buf_addc(out, '\n');
}

void
hoststat_format(const struct hoststat *h, struct buf *out)
{
	(void)buf_printf(out, "V0\nE%d\nH%d\nS%d\n", h->errnum, h->herrno,
	    h->exitstat);
	if (h->dsn != NULL)
		add_field(out, 'D', h->dsn);
	if (h->reply != NULL)
		add_field(out, 'R', h->reply);
	(void)buf_printf(out, "U%lld\n.\n", h->lastuse);
}

int
hoststat_path(const char *dir, const char *host, struct buf *out)
{
	char *t, *end, *lab;
	size_t len;
	int bracket = host[0] == '[';

	if (*host == '\0' || *host == '.')
		return -1;
	t = xstrdup(host + bracket);
	len = strlen(t);
	while (len > 0 && (t[len - 1] == '.' || (bracket && t[len - 1] == ']')))
		t[--len] = '\0';
	if (bracket) {
		struct in6_addr a6;
		struct in_addr a4;
		const char *v6 = strncasecmp(t, "IPv6:", 5) == 0 ? t + 5 : t;

		if (inet_pton(AF_INET6, v6, &a6) != 1 &&
		    inet_pton(AF_INET, t, &a4) != 1) {
			free(t);
			return -1;
		}
	}
	if (len == 0 || strstr(t, "..") != NULL) {
		free(t);
		return -1;
	}
	buf_reset(out);
	(void)buf_adds(out, dir);
	end = t + len;
	while (end > t) {
		for (lab = end; lab > t && lab[-1] != '.'; lab--)
			continue;
		(void)buf_addc(out, '/');
		for (char *p = lab; p < end; p++) {
			char c = isascii((unsigned char)*p) ?
			    (char)tolower((unsigned char)*p) : *p;

			(void)buf_addc(out, c == '/' ? ':' : c);
		}
		if (lab > t)
			(void)buf_addc(out, '.');
		end = lab > t ? lab - 1 : t;
	}
	free(t);
	return 0;
}

char *
hoststat_dir(struct cf *cf)
{
	const char *d = cf_option_value(cf, "HostStatusDirectory");
	const char *q = cf_option_value(cf, "QueueDirectory");
	struct buf b;

	if (d == NULL || *d == '\0')
		return NULL;
	if (d[0] == '/' || q == NULL)
		return xstrdup(d);
	buf_init(&b, 0);
	(void)buf_printf(&b, "%s/%s", q, d);
	return buf_steal(&b);
}

/* The folders above path (not path itself), made as needed. */
static int
make_parents(char *path, size_t base)
{
	char *p;

	for (p = path + base + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

int
hoststat_store(const char *dir, const char *host, const struct hoststat *h,
    struct err *err)
{
	struct buf path, text;
	int fd = -1, rc = -1;

	buf_init(&path, 0);
	buf_init(&text, 0);
	if (hoststat_path(dir, host, &path) == -1) {
		rc = err_set(err, ERR_DATAERR, "%s: no host status path", host);
		goto out;
	}
	(void)buf_cstr(&path);
	if (make_parents(path.data, strlen(dir)) == -1 ||
	    (fd = open(buf_cstr(&path), O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		rc = err_set(err, ERR_CANTCREAT, "%s: %s", buf_cstr(&path),
		    strerror(errno));
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		rc = 0;		/* another delivery to it writes its own */
		goto out;
	}
	hoststat_format(h, &text);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, text.data, text.len, 0) !=
	    (ssize_t)text.len) {
		rc = err_set(err, ERR_IOERR, "%s: %s", buf_cstr(&path),
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1 && close(fd) == -1 && rc == 0)
		rc = err_set(err, ERR_IOERR, "%s: %s", buf_cstr(&path),
		    strerror(errno));
	buf_free(&path);
	buf_free(&text);
	return rc;
}

/* The host a record's path stands for: its "x." folders reversed. */
static char *
host_of(const char *path)
{
	const char *end = path + strlen(path) - 1, *start;
	struct buf b;

	buf_init(&b, 0);
	do {
		if (b.len > 0)
			(void)buf_addc(&b, '.');
		for (start = end; start > path && start[-1] != '/'; start--)
			continue;
		if (*end == '.')
			end--;
		if (end >= start)
			(void)buf_add(&b, start, (size_t)(end - start) + 1);
		end = start - 2;
	} while (end > path && *end == '.');
	(void)buf_adds(&b, "");
	return buf_steal(&b);
}

/* "1+02:03:04" or "02:03:04", as sendmail's pintvl(.., brief). */
static void
interval(long long secs, char *out, size_t size)
{
	int se = (int)(secs % 60), mi, hr, dy;

	secs /= 60;
	mi = (int)(secs % 60);
	secs /= 60;
	hr = (int)(secs % 24);
	dy = (int)(secs / 24);
	if (dy > 0)
		(void)snprintf(out, size, "%d+%02d:%02d:%02d", dy, hr, mi, se);
	else
		(void)snprintf(out, size, "%02d:%02d:%02d", hr, mi, se);
}

/* sendmail's words for an exit status, after the reply code. */
static const char *
exit_words(int st)
{
	static const char *const w[] = {
		"5.0.0 Command line usage error", "5.6.0 Data format error",
		"5.3.0 Cannot open input", "5.1.1 User unknown",
		"5.1.2 Host unknown", "5.0.0 Service unavailable",
		"5.3.0 Internal error", "4.0.0 Operating system error",
		"5.3.5 System file missing", "5.0.0 Can't create output",
		"4.0.0 I/O error", "4.0.0 Deferred",
		"5.5.0 Remote protocol error", "5.0.0 Insufficient permission",
		"5.3.5 Local configuration error",
	};

	return st >= 64 && st <= 78 ? w[st - 64] : NULL;
}

struct walk {
	int		 purge;
	int		 verbose;
	int		 header;	/* the column line is out */
	long		 maxage;
	long long	 now;
	FILE		*out;
};

static void
print_one(struct walk *w, const char *path, const char *host)
{
	struct hoststat h;
	struct buf text;
	char chunk[4096], ago[64];
	ssize_t n;
	int fd, width = w->verbose ? 78 : 25, locked;

	if (!w->header) {
		w->header = 1;
		(void)fputs(" -------------- Hostname --------------- How long "
		    "ago ---------Results---------\n", w->out);
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return;
	buf_init(&text, 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && text.len < 65536)
		(void)buf_add(&text, chunk, (size_t)n);
	if (hoststat_parse(text.data ? text.data : "", text.len, &h) == -1) {
		(void)fprintf(w->out, "%s: could not read status file\n", path);
		(void)close(fd);
		buf_free(&text);
		hoststat_free(&h);
		return;
	}
	if (h.vline > 0 && h.version != 0)
		(void)fprintf(w->out, "%s: line %d: Unknown host status "
		    "version %d: 0 max\n", path, h.vline, h.version);
	locked = flock(fd, LOCK_SH | LOCK_NB) == -1;
	(void)close(fd);
	buf_free(&text);
	interval(w->now - h.lastuse, ago, sizeof(ago));
	(void)fprintf(w->out, "%c%-39s %12s ", locked ? '*' : ' ', host, ago);
	if (h.reply != NULL)
		(void)fprintf(w->out, "%.*s\n", width, h.reply);
	else if (h.exitstat == EX_TEMPFAIL && h.errnum != 0)
		(void)fprintf(w->out, "Deferred: %.*s\n", width - 10,
		    strerror(h.errnum));
	else if (h.exitstat != 0 && exit_words(h.exitstat) == NULL) {
		(void)snprintf(chunk, sizeof(chunk), "Unknown mailer error %d",
		    h.exitstat);
		(void)fprintf(w->out, "%.*s\n", width, chunk);
	} else if (h.exitstat != 0)
		(void)fprintf(w->out, "%.*s\n", width, exit_words(h.exitstat));
	else if (h.errnum == 0)
		(void)fputs("OK\n", w->out);
	else
		(void)fprintf(w->out, "OK: %.*s\n", width - 4,
		    strerror(h.errnum));
	hoststat_free(&h);
}

/* 0 removed, 1 kept, -1 error; host NULL for a folder. */
static int
purge_one(struct walk *w, const char *path, const char *host)
{
	struct stat st;
	size_t len = strlen(path);

	if (stat(path, &st) == -1)
		return -1;
	if (w->now - (long long)st.st_mtime <= w->maxage)
		return 1;
	if (host != NULL)
		return unlink(path);
	if (len == 0 || path[len - 1] != '.')
		return 1;
	return rmdir(path);
}

static int
action(struct walk *w, const char *path, const char *host)
{
	if (w->purge)
		return purge_one(w, path, host);
	if (host != NULL)
		print_one(w, path, host);
	return 0;
}

/* sendmail's traversal: readdir order, dot names skipped, a folder
 * read again after something in it was removed. */
static int
walk(struct walk *w, const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int ret, leftone, removed;

	if (stat(path, &st) == -1)
		return -1;
	if (S_ISREG(st.st_mode)) {
		char *host = host_of(path);

		ret = action(w, path, host);
		free(host);
		return ret;
	}
	if (!S_ISDIR(st.st_mode) || (d = opendir(path)) == NULL)
		return S_ISDIR(st.st_mode) ? -1 : 0;
	ret = 0;
	do {
		leftone = removed = 0;
		while ((e = readdir(d)) != NULL) {
			struct buf sub;

			if (e->d_name[0] == '.')
				continue;
			buf_init(&sub, 0);
			(void)buf_printf(&sub, "%s/%s", path, e->d_name);
			ret = walk(w, buf_cstr(&sub));
			buf_free(&sub);
			if (ret < 0)
				break;
			if (ret == 1)
				leftone = 1;
			if (ret == 0 && w->purge)
				removed = 1;
		}
		if (ret < 0)
			break;
		if (removed)
			rewinddir(d);
	} while (removed);
	if (!leftone)
		ret = action(w, path, NULL);
	(void)closedir(d);
	return ret;
}

void
hoststat_print(const char *dir, int verbose, long long now, FILE *out)
{
	struct walk w = { 0, verbose, 0, 0, now, out };

	(void)walk(&w, dir);
}

void
hoststat_purge(const char *dir, long maxage, long long now)
{
	struct walk w = { 1, 0, 0, maxage, now, NULL };

	(void)walk(&w, dir);
}
