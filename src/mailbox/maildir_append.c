/*
 * maildir_append.c -- new messages into a Maildir as dovecot does it:
 * written to tmp/ (LF line ends, ,S= and ,W= sizes in the name, mtime
 * the arrival time), renamed into new/ or, with flags, into cur/, then
 * given UIDs in dovecot-uidlist under its lock; and the uidlist of a new
 * folder, which fixes its UIDVALIDITY.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "lib/fdio.h"
#include "lib/xalloc.h"

/* One message into tmp/ as name base (LF line ends, mtime = received);
 * the file name is the caller's to free. */
static int
write_tmp(const char *dir, const struct mailbox_new *m, struct buf *base,
    struct err *err)
{
	static unsigned seq;
	struct buf body, tmp;
	struct timespec now;
	char host[256];
	uint64_t vsize = 0;
	size_t i, pos = 0;
	int fd = -1, rc = -1;

	buf_init(&body, 0);
	buf_init(&tmp, 0);
	/* LF line ends on disk; W= counts them as CRLF */
	while (pos < m->len) {
		const char *nl = memchr(m->data + pos, '\n', m->len - pos);
		size_t end = nl ? (size_t)(nl - m->data) : m->len;
		size_t n = end - pos;

		if (n > 0 && m->data[pos + n - 1] == '\r')
			n--;
		if (buf_add(&body, m->data + pos, n) == -1 ||
		    (nl != NULL && buf_addc(&body, '\n') == -1)) {
			err_set(err, ERR_TEMPFAIL, "message too big");
			goto out;
		}
		vsize += n + (nl != NULL ? 2 : 0);
		pos = nl ? end + 1 : m->len;
	}
	if (gethostname(host, sizeof(host)) == -1)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] != '\0'; i++)
		if (host[i] == '/' || host[i] == ':')
			host[i] = '_';
	(void)clock_gettime(CLOCK_REALTIME, &now);
	buf_reset(base);
	buf_printf(base, "%lld.M%ldP%ldQ%u.%s,S=%zu,W=%" PRIu64,
	    (long long)now.tv_sec, now.tv_nsec / 1000, (long)getpid(),
	    ++seq, host, body.len, vsize);
	buf_printf(&tmp, "%s/tmp/%s", dir, base->data);
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		err_sys(err, ERR_TEMPFAIL, "create %s", tmp.data);
		goto out;
	}
	if (fdio_write_all(fd, body.data, body.len) == -1 ||
	    fsync(fd) == -1) {
		err_sys(err, ERR_TEMPFAIL, "write %s", tmp.data);
		(void)close(fd);
		(void)unlink(tmp.data);
		goto out;
	}
	if (m->received != 0) {
		struct timespec t[2] = { { m->received, 0 },
		    { m->received, 0 } };

		(void)futimens(fd, t);
	}
	if (close(fd) == -1) {
		err_sys(err, ERR_TEMPFAIL, "close %s", tmp.data);
		(void)unlink(tmp.data);
		goto out;
	}
	rc = 0;
out:
	buf_free(&body);
	buf_free(&tmp);
	return rc;
}

struct name_idx {
	char	*name;
	size_t	 idx;
};

static int
by_name_idx(const void *a, const void *b)
{
	return strcmp(((const struct name_idx *)a)->name,
	    ((const struct name_idx *)b)->name);
}

int
maildir_append(const char *dir, struct mailbox_new *v, size_t n,
    uint32_t *uv_out, struct err *err)
{
	struct mailbox mb;
	struct buf lock, base, tmp, dst;
	struct name_idx *sorted;
	char **bases;
	size_t i, j, had, done = 0;
	int lfd = -1, rc = -1, lock_gone = 0;

	memset(&mb, 0, sizeof(mb));
	mb.format = MAILBOX_MAILDIR;
	mb.path = (char *)dir;
	buf_init(&lock, 0);
	buf_init(&base, 0);
	buf_init(&tmp, 0);
	buf_init(&dst, 0);
	bases = xcalloc(n ? n : 1, sizeof(*bases));
	sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	if (maildir_ensure_dirs(dir, err) == -1)
		goto out;
	for (done = 0; done < n; done++) {
		if (write_tmp(dir, &v[done], &base, err) == -1)
			goto out;
		bases[done] = xstrdup(base.data);
	}
	/* keywords and the UIDs under the uidlist lock */
	if ((lfd = maildir_uidlist_lock(dir, &lock, err)) == -1)
		goto out;
	maildir_read_keywords(&mb);
	had = mb.nkw;
	for (i = 0; i < n; i++) {
		char letters[MAILBOX_KW_MAX + 1];
		unsigned f = v[i].flags;
		size_t nl = 0;
		uint32_t kw = 0;

		for (j = 0; j < v[i].nkw; j++) {
			int k = mailbox_kw_index(&mb, v[i].kw[j], 1);

			if (k >= 0)
				kw |= (uint32_t)1 << k;
		}
		for (j = 0; j < MAILBOX_KW_MAX; j++)
			if (kw & ((uint32_t)1 << j))
				letters[nl++] = (char)('a' + j);
		letters[nl] = '\0';
		buf_reset(&tmp);
		buf_reset(&dst);
		buf_printf(&tmp, "%s/tmp/%s", dir, bases[i]);
		if (f == 0 && kw == 0)
			buf_printf(&dst, "%s/new/%s", dir, bases[i]);
		else
			buf_printf(&dst, "%s/cur/%s:2,%s%s%s%s%s%s", dir,
			    bases[i], f & MSG_DRAFT ? "D" : "",
			    f & MSG_FLAGGED ? "F" : "",
			    f & MSG_ANSWERED ? "R" : "",
			    f & MSG_SEEN ? "S" : "", f & MSG_DELETED ? "T" : "",
			    letters);
		if (rename(tmp.data, dst.data) == -1) {
			err_sys(err, ERR_TEMPFAIL, "rename %s", tmp.data);
			goto out;
		}
		free(bases[i]);
		bases[i] = NULL;
		sorted[i].name = xstrdup(strrchr(dst.data, '/') + 1);
		sorted[i].name[maildir_base_len(sorted[i].name)] = '\0';
		sorted[i].idx = i;
		v[i].uid = 0;
	}
	if (mb.nkw != had && maildir_write_keywords(&mb, err) == -1)
		goto out;
	rc = maildir_load_once(&mb, err);
	if (rc == 1 && maildir_write_uidlist(&mb, lfd, lock.data, err) == -1)
		rc = -1;
	else if (rc == 1)
		lock_gone = 1;
	if (rc != -1) {
		/* our files by base name: sorted, so O(n log n) */
		size_t found = 0;

		qsort(sorted, n, sizeof(*sorted), by_name_idx);
		for (i = 0; i < mb.n; i++) {
			struct name_idx key, *hit;
			const char *b = strchr(mb.msgs[i].name, '/') + 1;

			key.name = xstrndup(b, maildir_base_len(b));
			key.idx = 0;
			hit = bsearch(&key, sorted, n, sizeof(*sorted),
			    by_name_idx);
			if (hit != NULL && v[hit->idx].uid == 0) {
				v[hit->idx].uid = mb.msgs[i].uid;
				found++;
			}
			free(key.name);
		}
		*uv_out = mb.uidvalidity;
		rc = found == n ? 0 : err_set(err, ERR_TEMPFAIL,
		    "appended message vanished");
	}
out:
	for (i = 0; i < done; i++)
		if (bases[i] != NULL) {
			buf_reset(&tmp);
			buf_printf(&tmp, "%s/tmp/%s", dir, bases[i]);
			(void)unlink(tmp.data);
			free(bases[i]);
		}
	for (i = 0; i < n; i++)
		free(sorted[i].name);
	free(bases);
	free(sorted);
	if (lfd != -1) {
		(void)close(lfd);
		if (!lock_gone)
			(void)unlink(lock.data);
	}
	for (i = 0; i < mb.nkw; i++)
		free(mb.kw[i]);
	mailbox_msgs_clear(&mb);
	free(mb.msgs);
	free(mb.guid);
	buf_free(&lock);
	buf_free(&base);
	buf_free(&tmp);
	buf_free(&dst);
	return rc == -1 ? -1 : 0;
}

/* A new folder's dovecot-uidlist, so its UIDVALIDITY is fixed now. */
int
maildir_create_uidlist(const char *path, uint32_t uidvalidity,
    struct err *err)
{
	struct mailbox mb;
	struct buf lock;
	int fd, rc;

	memset(&mb, 0, sizeof(mb));
	mb.format = MAILBOX_MAILDIR;
	mb.path = (char *)path;
	mb.uidvalidity = uidvalidity;
	mb.uidnext = 1;
	buf_init(&lock, 0);
	if ((fd = maildir_uidlist_lock(path, &lock, err)) == -1) {
		buf_free(&lock);
		return -1;
	}
	rc = maildir_write_uidlist(&mb, fd, lock.data, err);
	(void)close(fd);
	if (rc == -1)
		(void)unlink(lock.data);
	free(mb.guid);
	buf_free(&lock);
	return rc;
}
