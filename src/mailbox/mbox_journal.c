/*
 * mbox_journal.c -- the journal of an mbox tail rewritten in place
 * (mbox_inplace.c): a file .NAME.tail beside the mbox holding one header
 * line (which file, where the new tail starts, the old and new lengths,
 * a hash of the old bytes the rewrite cuts off, or of the old tail when
 * the new one is longer, and of the new tail) and
 * the new tail's bytes.  It is written and fsync'ed before the mbox is
 * touched and removed after the mbox is fsync'ed, so one that is found
 * means a writer died in between; whoever next holds the write locks
 * finishes the rewrite (mbox_tail_recover), keeping what a delivery may
 * have appended since.  Parsing is here too, without I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "lib/fdio.h"

#define MAGIC		"MBXDTAIL 1 "
#define JOURNAL_MAX	((size_t)1 << 30)

/* One unsigned decimal (or, hex, 16 hex digits) followed by sep. */
static int
num(const char **pp, const char *end, int hex, char sep, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	size_t n = 0;

	for (; p < end && n < (hex ? 16 : 20); p++, n++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (hex && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else
			break;
		if (!hex && v > (UINT64_MAX - d) / 10)
			return -1;
		v = hex ? v << 4 | d : v * 10 + d;
	}
	if (n == 0 || (hex && n != 16) || p >= end || *p != sep)
		return -1;
	*pp = p + 1;
	*out = v;
	return 0;
}

int
mbox_journal_parse(const char *p, size_t len, struct mbox_journal *out)
{
	const char *q = p, *end = p + len;
	uint64_t th;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(MAGIC) - 1 || memcmp(p, MAGIC, sizeof(MAGIC) - 1))
		return -1;
	q += sizeof(MAGIC) - 1;
	if (num(&q, end, 0, ' ', &out->dev) == -1 ||
	    num(&q, end, 0, ' ', &out->ino) == -1 ||
	    num(&q, end, 0, ' ', &out->from) == -1 ||
	    num(&q, end, 0, ' ', &out->oldlen) == -1 ||
	    num(&q, end, 0, ' ', &out->newlen) == -1 ||
	    num(&q, end, 1, ' ', &out->lefthash) == -1 ||
	    num(&q, end, 1, '\n', &th) == -1)
		return -1;
	/* a tail starting in the file, and all of it here */
	if (out->from > out->newlen || out->from > out->oldlen ||
	    (uint64_t)(end - q) != out->newlen - out->from ||
	    mailbox_index_hash(q, (size_t)(end - q), 0) != th)
		return -1;
	out->tail = q;
	out->tail_len = (size_t)(end - q);
	return 0;
}

void
mbox_journal_format(struct buf *b, const struct mbox_journal *j)
{
	buf_printf(b, MAGIC "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
	    " %" PRIu64 " %016" PRIx64 " %016" PRIx64 "\n", j->dev, j->ino,
	    j->from, j->oldlen, j->newlen, j->lefthash,
	    mailbox_index_hash(j->tail, j->tail_len, 0));
}

void
mbox_journal_path(const char *mbox, struct buf *out)
{
	const char *slash = strrchr(mbox, '/');

	buf_reset(out);
	if (slash != NULL)
		buf_printf(out, "%.*s/.%s.tail", (int)(slash - mbox), mbox,
		    slash + 1);
	else
		buf_printf(out, ".%s.tail", mbox);
}

/* fsync of the folder holding path (its new or removed entry) */
static void
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct buf d;
	int fd;

	buf_init(&d, 0);
	if (slash == NULL)
		buf_set(&d, ".");
	else if (slash == path)
		buf_set(&d, "/");
	else
		buf_printf(&d, "%.*s", (int)(slash - path), path);
	fd = open(d.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		(void)fsync(fd);
		(void)close(fd);
	}
	buf_free(&d);
}

int
mbox_journal_write(const char *mbox, long privileged_gid,
    const struct mbox_journal *j, struct err *err)
{
	struct mbox_priv priv = { 0, 0 };
	struct buf path, head;
	int fd, rc = -1;

	buf_init(&path, 0);
	buf_init(&head, 0);
	mbox_journal_path(mbox, &path);
	fd = open(path.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1 && errno == EACCES) {
		/* a root:mail spool folder: mail_privileged_group */
		mbox_priv_enter(privileged_gid, &priv);
		fd = open(path.data, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd == -1) {
		err_sys(err, ERR_TEMPFAIL, "create %s", path.data);
		goto out;
	}
	mbox_journal_format(&head, j);
	if (fdio_write_all(fd, head.data, head.len) == -1 ||
	    fdio_write_all(fd, j->tail, j->tail_len) == -1 ||
	    fsync(fd) == -1) {
		err_sys(err, ERR_TEMPFAIL, "write %s", path.data);
		(void)close(fd);
		(void)unlink(path.data);
		goto out;
	}
	if (close(fd) == -1) {
		err_sys(err, ERR_TEMPFAIL, "close %s", path.data);
		(void)unlink(path.data);
		goto out;
	}
	sync_dir(path.data);
	rc = 0;
out:
	mbox_priv_leave(&priv);
	buf_free(&path);
	buf_free(&head);
	return rc;
}

void
mbox_journal_remove(const char *mbox, long privileged_gid)
{
	struct mbox_priv priv = { 0, 0 };
	struct buf path;

	buf_init(&path, 0);
	mbox_journal_path(mbox, &path);
	if (unlink(path.data) == -1 && errno == EACCES) {
		mbox_priv_enter(privileged_gid, &priv);
		(void)unlink(path.data);
		mbox_priv_leave(&priv);
	}
	buf_free(&path);
}

int
mbox_journal_pending(const char *mbox)
{
	struct buf path;
	int rc;

	buf_init(&path, 0);
	mbox_journal_path(mbox, &path);
	rc = access(path.data, F_OK) == 0;
	buf_free(&path);
	return rc;
}

/* n bytes of fd from off appended to out */
static int
read_range(int fd, uint64_t off, size_t n, struct buf *out)
{
	char chunk[65536];
	size_t got = 0;

	while (got < n) {
		size_t want = n - got < sizeof(chunk) ? n - got :
		    sizeof(chunk);
		ssize_t r = pread(fd, chunk, want, (off_t)(off + got));

		if (r <= 0 || buf_add(out, chunk, (size_t)r) == -1)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Moves fd's bytes [src, end) down to dst (dst < src). */
static int
move_down(int fd, uint64_t dst, uint64_t src, uint64_t end)
{
	char chunk[65536];

	while (src < end) {
		size_t n = end - src < sizeof(chunk) ? (size_t)(end - src) :
		    sizeof(chunk);
		ssize_t r = pread(fd, chunk, n, (off_t)src);

		if (r <= 0 || pwrite(fd, chunk, (size_t)r, (off_t)dst) != r)
			return -1;
		src += (uint64_t)r;
		dst += (uint64_t)r;
	}
	return 0;
}

/* Moves fd's bytes [src, end) up to dst (dst > src), last chunk first. */
static int
move_up(int fd, uint64_t dst, uint64_t src, uint64_t end)
{
	char chunk[65536];
	uint64_t n = end - src;

	while (n > 0) {
		size_t k = n < sizeof(chunk) ? (size_t)n : sizeof(chunk);

		n -= k;
		if (pread(fd, chunk, k, (off_t)(src + n)) != (ssize_t)k ||
		    pwrite(fd, chunk, k, (off_t)(dst + n)) != (ssize_t)k)
			return -1;
	}
	return 0;
}

/* A tail that grows the file: the writer extends the file to newlen
 * (zeros) before it writes the tail, so the old tail still whole
 * (lefthash) and no zero byte at the old end mean it had not; what
 * follows the end the file had then was appended since.  0 done, 1 the
 * file is too short to be either, -1 I/O error. */
static int
grown(int fd, const struct mbox_journal *j, uint64_t size, struct buf *tmp)
{
	int extended = 1;

	buf_reset(tmp);
	if (size >= j->oldlen) {
		if (read_range(fd, j->from, (size_t)(j->oldlen - j->from),
		    tmp) == -1)
			return -1;
		if (mailbox_index_hash(tmp->data, tmp->len, 0) ==
		    j->lefthash) {
			char c = 'F';

			if (size > j->oldlen && pread(fd, &c, 1,
			    (off_t)j->oldlen) != 1)
				return -1;
			extended = c == '\0';
		}
	}
	if (!extended) {
		if (move_up(fd, j->newlen, j->oldlen, size) == -1)
			return -1;
	} else if (size < j->newlen)
		return 1;
	return pwrite(fd, j->tail, j->tail_len, (off_t)j->from) ==
	    (ssize_t)j->tail_len ? 0 : -1;
}

int
mbox_tail_recover(const char *mbox, int fd, long privileged_gid,
    struct err *err)
{
	struct mbox_journal j;
	struct stat st, jst;
	struct buf path, data, left;
	int jfd, rc = -1;

	buf_init(&path, 0);
	buf_init(&data, 0);
	buf_init(&left, 0);
	mbox_journal_path(mbox, &path);
	jfd = open(path.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (jfd == -1) {
		rc = errno == ENOENT ? 0 : err_sys(err, ERR_TEMPFAIL,
		    "open %s", path.data);
		goto out;
	}
	if (fstat(jfd, &jst) == -1 || fstat(fd, &st) == -1 ||
	    (size_t)jst.st_size > JOURNAL_MAX) {
		(void)close(jfd);
		err_set(err, ERR_TEMPFAIL, "%s: cannot be read", path.data);
		goto out;
	}
	if (read_range(jfd, 0, (size_t)jst.st_size, &data) == -1) {
		(void)close(jfd);
		err_sys(err, ERR_TEMPFAIL, "read %s", path.data);
		goto out;
	}
	(void)close(jfd);
	/* unfinished (the mbox was not touched yet) or another file's */
	if (mbox_journal_parse(data.data, data.len, &j) == -1 ||
	    j.dev != (uint64_t)st.st_dev || j.ino != (uint64_t)st.st_ino)
		goto done;
	if (j.newlen > j.oldlen) {
		rc = grown(fd, &j, (uint64_t)st.st_size, &left);
		if (rc == -1)
			goto io;
		if (rc == 1) {
			rc = -1;
			err_set(err, ERR_TEMPFAIL, "%s: shorter than its "
			    "journal %s says; left alone", mbox, path.data);
			goto out;
		}
		goto synced;
	}
	if ((uint64_t)st.st_size >= j.oldlen) {
		size_t n = (size_t)(j.oldlen - j.newlen);

		if (read_range(fd, j.newlen, n, &left) == -1)
			goto io;
	}
	if ((uint64_t)st.st_size >= j.oldlen &&
	    mailbox_index_hash(left.data, left.len, 0) == j.lefthash) {
		/* not cut yet: what follows the old end was appended */
		if (pwrite(fd, j.tail, j.tail_len, (off_t)j.from) !=
		    (ssize_t)j.tail_len ||
		    move_down(fd, j.newlen, j.oldlen,
		    (uint64_t)st.st_size) == -1 ||
		    ftruncate(fd, (off_t)(j.newlen + ((uint64_t)st.st_size -
		    j.oldlen))) == -1)
			goto io;
	} else if ((uint64_t)st.st_size >= j.newlen) {
		/* cut already: the tail again unless it is there (after a
		 * power loss it may not be), keep what follows */
		buf_reset(&left);
		if (read_range(fd, j.from, j.tail_len, &left) == -1)
			goto io;
		if (j.tail_len > 0 && memcmp(left.data, j.tail,
		    j.tail_len) != 0 && pwrite(fd, j.tail, j.tail_len,
		    (off_t)j.from) != (ssize_t)j.tail_len)
			goto io;
	} else {
		err_set(err, ERR_TEMPFAIL, "%s: shorter than its journal %s "
		    "says; left alone", mbox, path.data);
		goto out;
	}
synced:
	if (fsync(fd) == -1)
		goto io;
done:
	mbox_journal_remove(mbox, privileged_gid);
	rc = 0;
	goto out;
io:
	err_sys(err, ERR_TEMPFAIL, "finishing %s from %s", mbox, path.data);
out:
	buf_free(&path);
	buf_free(&data);
	buf_free(&left);
	return rc;
}
