/*
 * queue_write.c -- putting messages into the queue and taking them out:
 * a new message's df and qf made durable before the SMTP 250
 * (queue_tx_*), a qf rewritten after a delivery attempt, and a finished
 * message removed.  This is the receiving hot path, so it keeps the
 * system calls per message few: the body is buffered and written in one
 * go, the qf is formatted in memory and written with one write(2), and
 * files are opened relative to an open directory.
 *
 * A queue written through the privileged writer (queue_dirs_remote,
 * queue_remote.c) keeps the body side here: the df's descriptor comes
 * from the writer, the body is buffered and written into it as below;
 * what touches a folder (create, move, link, the qf, unlink) is a
 * request to the writer, which runs this same code on its side.
 *
 * Crash safety rests on two orders.  Creation: the df and the tf are
 * written and synced, then the tf is renamed to qf and the directory
 * synced; a qf never names a body that is not on disk, and a crash
 * before the rename leaves only a df and a tf, which no queue run
 * reads.  Removal: the qf goes first, so a crash leaves an orphan df at
 * worst, never a qf whose body is gone.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "queue_int.h"

/* body bytes gathered before a write(2); a typical message is one write */
#define TX_BUFSIZE	(64 * 1024)
/* qf text is bounded by the parser's limits long before this */
#define TX_QF_MAX	(64 * 1024 * 1024)

struct queue_tx {
	int		 dfdir;		/* folder of the df */
	int		 qfdir;		/* of the tf/qf, or dfdir */
	int		 owndirs;	/* close them (not held) */
	int		 dffd;
	int		 qffd;		/* tf, then the locked qf */
	int		 mode;
	int		 committed;
	int		 failed;	/* commit failed, files gone */
	int		 eightbit;
	char		 ctl;		/* 'q', or 'h' when quarantined */
	char		 fail_kind;	/* the file of the last failure */
	const char	*fail_what;	/* and the call ("cannot write") */
	int		 fail_errno;
	int		 df_written;	/* body bytes reached the df */
	size_t		 size;		/* body bytes accepted */
	char		 name[2 + QUEUE_ID_MAX];	/* "df<id>" ... */
	char		*buf;
	size_t		 blen;
	struct buf	 qf;		/* formatted control file */
	const struct queue_dirs *rd;	/* remote: its writer's */
	size_t		 path;		/* remote: the df's path */
};

/* The tx's file name with the given first letter ("df<id>" ...). */
static const char *
fname(struct queue_tx *tx, char kind)
{
	tx->name[0] = kind;
	return tx->name;
}

void
queue_dirs_path(const struct queue_dirs *d, size_t i, int kind,
    struct buf *out)
{
	const struct queue_path *p = &d->paths[i];
	unsigned bit = kind == 'q' ? QUEUE_SUBQF : kind == 'd' ? QUEUE_SUBDF :
	    QUEUE_SUBXF;

	(void)buf_adds(out, p->dir);
	if (p->subdirs & bit) {
		(void)buf_addc(out, '/');
		(void)buf_addc(out, kind);
		(void)buf_addc(out, 'f');
	}
}

static int
open_dir(const struct queue_dirs *d, size_t i, int kind, struct err *err)
{
	struct buf p;
	int fd;

	buf_init(&p, 0);
	queue_dirs_path(d, i, kind, &p);
	fd = open(buf_cstr(&p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		err_sys(err, ERR_TEMPFAIL, "cannot open queue directory %s",
		    buf_cstr(&p));
	buf_free(&p);
	return fd;
}

/* The qf and df folders of path i; one fd for both when they are one. */
static int
open_dirs(const struct queue_dirs *d, size_t i, int *qf_out, int *df_out,
    struct err *err)
{
	if ((*df_out = open_dir(d, i, 'd', err)) == -1)
		return -1;
	if ((d->paths[i].subdirs & (QUEUE_SUBQF | QUEUE_SUBDF)) == 0) {
		*qf_out = *df_out;
		return 0;
	}
	if ((*qf_out = open_dir(d, i, 'q', err)) == -1) {
		(void)close(*df_out);
		*df_out = -1;
		return -1;
	}
	return 0;
}

int
queue_dirs_hold(struct queue_dirs *d, struct err *err)
{
	size_t i, k;

	if (d->held)
		return 0;
	for (i = 0; i < d->npaths; i++) {
		if (open_dirs(d, i, &d->paths[i].qfdir, &d->paths[i].dfdir,
		    err) == -1) {
			for (k = 0; k < i; k++) {
				if (d->paths[k].dfdir != d->paths[k].qfdir)
					(void)close(d->paths[k].dfdir);
				(void)close(d->paths[k].qfdir);
			}
			return -1;
		}
	}
	d->held = 1;
	return 0;
}

/* Both lock kinds: Debian's sendmail tests flock, CentOS's fcntl. */
static int
lock_qf(int fd)
{
	struct flock fl;

	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		return -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_SETLK, &fl);
}

/*
 * Creates and locks tf<id> in dirfd.  A tf left by a crash (unlocked)
 * is removed and the create retried once; one that is locked belongs
 * to a live process.
 */
static int
open_tf(int dirfd, const char *tf, int mode)
{
	int fd, tries;

	for (tries = 0; tries < 2; tries++) {
		fd = openat(dirfd, tf, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, mode);
		if (fd != -1)
			break;
		if (errno != EEXIST || tries > 0)
			return -1;
		fd = openat(dirfd, tf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd != -1) {
			int busy = queue_qf_locked(fd);

			(void)close(fd);
			if (busy) {
				errno = EAGAIN;
				return -1;
			}
		}
		if (unlinkat(dirfd, tf, 0) == -1 && errno != ENOENT)
			return -1;
	}
	if (lock_qf(fd) == -1) {
		int e = errno;

		(void)close(fd);
		(void)unlinkat(dirfd, tf, 0);
		errno = e;
		return -1;
	}
	return fd;
}

/* Writes iov completely, retrying short writes and EINTR. */
static int
write_iov(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int
tx_fail(struct queue_tx *tx, char kind, const char *what, struct err *err)
{
	int e = errno;

	tx->fail_kind = kind;
	tx->fail_what = what;
	tx->fail_errno = e;
	err_set(err, ERR_TEMPFAIL, "%s %s: %s", what, fname(tx, kind),
	    strerror(e));
	errno = e;
	return -1;
}

/*
 * A request about tx's df to the writer; its failure becomes tx's as a
 * local one would (queue_tx_failure), errno set.
 */
static int
remote_tx(struct queue_tx *tx, unsigned op, size_t path2, const char *id2,
    const void *data, size_t len, int *fd_out, struct err *err)
{
	struct qr_result res;
	int rc;

	rc = qr_call(tx->rd, op, tx->path, tx->name + 2, path2, id2, data,
	    len, fd_out, &res, err);
	if (rc == -1 && res.fail_kind != '\0') {
		tx->fail_kind = res.fail_kind;
		tx->fail_what = res.fail_what;
		tx->fail_errno = res.err_no;
	}
	errno = res.err_no;
	return rc;
}

int
queue_tx_failure(const struct queue_tx *tx, const char **what_out,
    int *errno_out, int *written_out)
{
	if (tx == NULL || tx->fail_kind == '\0')
		return 0;
	*what_out = tx->fail_what;
	*errno_out = tx->fail_errno;
	*written_out = tx->df_written;
	return tx->fail_kind;
}

int
queue_tx_begin(struct queue_tx **out, const struct queue_dirs *d,
    size_t pathidx, const char *id, int mode, struct err *err)
{
	struct queue_tx *tx;
	size_t idlen = strlen(id);
	int rc;

	*out = NULL;
	if (pathidx >= d->npaths || idlen == 0 || idlen >= QUEUE_ID_MAX ||
	    strchr(id, '/') != NULL)
		return err_set(err, ERR_SOFTWARE, "bad queue id or path");
	tx = xcalloc(1, sizeof(*tx));
	tx->dffd = tx->qffd = tx->qfdir = tx->dfdir = -1;
	tx->mode = mode;
	tx->name[1] = 'f';
	memcpy(tx->name + 2, id, idlen + 1);
	if (d->remote) {
		tx->rd = d;
		tx->path = pathidx;
		rc = remote_tx(tx, QR_CREATE, 0, NULL, NULL, 0, &tx->dffd, err);
		if (rc == 1) {
			queue_tx_close(tx);
			return 1;
		}
		if (rc == -1)
			goto fail;
	} else if (d->held) {
		tx->dfdir = d->paths[pathidx].dfdir;
		tx->qfdir = d->paths[pathidx].qfdir;
	} else if (open_dirs(d, pathidx, &tx->qfdir, &tx->dfdir, err) == -1)
		goto fail;
	else
		tx->owndirs = 1;
	if (!d->remote)
		tx->dffd = openat(tx->dfdir, fname(tx, 'd'), O_RDWR |
		    O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (tx->dffd == -1) {
		if (errno == EEXIST) {
			tx->dffd = -1;
			queue_tx_close(tx);
			return 1;
		}
		tx_fail(tx, 'd', "cannot create", err);
		goto fail;
	}
	tx->buf = xmalloc(TX_BUFSIZE);
	buf_init(&tx->qf, TX_QF_MAX);
	*out = tx;
	return 0;
fail:
	queue_tx_close(tx);
	return -1;
}

int
queue_tx_begin_new(struct queue_tx **out, const struct queue_dirs *d,
    size_t pathidx, struct queue_idgen *g, long pid, int mode,
    char id_out[QUEUE_ID_MAX], struct err *err)
{
	unsigned tries;
	int r;

	/* a second has 3600 ids; more clashes than that is a broken dir */
	for (tries = 0; tries < 4 * 3600; tries++) {
		queue_id_new(g, pid, id_out);
		r = queue_tx_begin(out, d, pathidx, id_out, mode, err);
		if (r != 1)
			return r;
	}
	return err_set(err, ERR_TEMPFAIL, "no free queue id");
}

/* Whether any byte has the 8th bit set; a loop the compiler vectorises. */
static int
has_8bit(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return (acc & 0x80) != 0;
}

int
queue_tx_write(struct queue_tx *tx, const void *p, size_t n, struct err *err)
{
	struct iovec iov[2];

	if (tx->committed || tx->failed)
		return err_set(err, ERR_SOFTWARE, "queue_tx_write after "
		    "commit");
	if (n == 0)
		return 0;
	if (!tx->eightbit && has_8bit(p, n))
		tx->eightbit = 1;
	if (n <= TX_BUFSIZE - tx->blen) {
		memcpy(tx->buf + tx->blen, p, n);
		tx->blen += n;
		tx->size += n;
		return 0;
	}
	/* full: the buffer and the new bytes in one writev */
	iov[0].iov_base = tx->buf;
	iov[0].iov_len = tx->blen;
	iov[1].iov_base = (void *)(uintptr_t)p;
	iov[1].iov_len = n;
	tx->df_written = 1;
	if (write_iov(tx->dffd, tx->blen ? iov : iov + 1,
	    tx->blen ? 2 : 1) == -1)
		return tx_fail(tx, 'd', "cannot write", err);
	tx->blen = 0;
	tx->size += n;
	return 0;
}

int
queue_tx_flush(struct queue_tx *tx, struct err *err)
{
	struct iovec iov;

	if (tx->committed || tx->failed)
		return err_set(err, ERR_SOFTWARE, "queue_tx_flush after "
		    "commit");
	if (tx->blen == 0)
		return 0;
	iov.iov_base = tx->buf;
	iov.iov_len = tx->blen;
	tx->df_written = 1;
	if (write_iov(tx->dffd, &iov, 1) == -1)
		return tx_fail(tx, 'd', "cannot write", err);
	tx->blen = 0;
	return 0;
}

int
queue_tx_truncate(struct queue_tx *tx, struct err *err)
{
	if (tx->committed || tx->failed)
		return err_set(err, ERR_SOFTWARE, "queue_tx_truncate after "
		    "commit");
	tx->blen = 0;
	if (ftruncate(tx->dffd, 0) == -1 || lseek(tx->dffd, 0, SEEK_SET)
	    == (off_t)-1)
		return tx_fail(tx, 'd', "cannot truncate", err);
	tx->size = 0;
	tx->eightbit = 0;
	return 0;
}

size_t
queue_tx_size(const struct queue_tx *tx)
{
	return tx->size;
}

int
queue_tx_8bit(const struct queue_tx *tx)
{
	return tx->eightbit;
}

const char *
queue_tx_id(const struct queue_tx *tx)
{
	return tx->name + 2;
}

/* Undoes a failed commit: unlinks what exists, keeps err's reason. */
static int
commit_undo(struct queue_tx *tx, int renamed, struct err *err)
{
	int e = errno;
	struct err e2;

	if (tx->rd != NULL) {
		/* a failure on this side: the writer removes the df (one
		 * on its side it has undone itself) */
		if (tx->dffd != -1)
			(void)remote_tx(tx, QR_ABORT, 0, NULL, NULL, 0, NULL,
			    &e2);
		(void)close(tx->dffd);
		tx->dffd = -1;
		tx->failed = 1;
		errno = e;
		return -1;
	}
	if (tx->qffd != -1) {
		(void)unlinkat(tx->qfdir, fname(tx, renamed ? tx->ctl : 't'),
		    0);
		(void)close(tx->qffd);
		tx->qffd = -1;
	}
	(void)unlinkat(tx->dfdir, fname(tx, 'd'), 0);
	(void)close(tx->dffd);
	tx->dffd = -1;
	tx->failed = 1;
	errno = e;
	return -1;
}

/*
 * Starts writing a file's dirty pages without waiting (Linux
 * sync_file_range).  Only a hint: durability still comes from the
 * fdatasync that follows; failure or absence costs speed, not safety.
 */
static void
start_writeback(int fd)
{
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

/*
 * The order, and why it is cheaper than "sync df, then write and sync
 * tf" while promising the same: the tf is written before anything is
 * synced and its writeback started, so the df's fdatasync commits the
 * journal with both files' blocks in it and the tf's fdatasync finds
 * its metadata already committed and only waits for its data and a
 * cache flush (measured: ~80 us instead of ~210 us).  Nothing
 * names the message until the rename, and the rename comes only after
 * both files are durable; the directory fsync then makes the rename
 * (and, in the flat layout, the df's entry) durable.  Two journal
 * commits per message, the least a create-then-rename can take.
 */
static int
commit_qf(struct queue_tx *tx, int quarantined, struct err *err)
{
	struct iovec iov;
	char qfname[2 + QUEUE_ID_MAX];

	/* 1. the rest of the body, and the control file under its lock */
	if (tx->blen > 0) {
		iov.iov_base = tx->buf;
		iov.iov_len = tx->blen;
		if (write_iov(tx->dffd, &iov, 1) == -1) {
			tx_fail(tx, 'd', "cannot write", err);
			return commit_undo(tx, 0, err);
		}
		tx->blen = 0;
	}
	if (tx->rd != NULL) {
		/* the writer checks, writes, syncs and renames; on a failure
		 * it has removed the files itself */
		if (remote_tx(tx, QR_COMMIT, 0, NULL, tx->qf.data, tx->qf.len,
		    NULL, err) != 0) {
			int e = errno;

			(void)close(tx->dffd);
			tx->dffd = -1;
			tx->failed = 1;
			errno = e;
			return -1;
		}
		tx->ctl = quarantined ? 'h' : 'q';
		tx->committed = 1;
		return 0;
	}
	if ((tx->qffd = open_tf(tx->qfdir, fname(tx, 't'), tx->mode)) == -1) {
		tx_fail(tx, 't', "cannot create", err);
		return commit_undo(tx, 0, err);
	}
	iov.iov_base = tx->qf.data;
	iov.iov_len = tx->qf.len;
	if (write_iov(tx->qffd, &iov, 1) == -1) {
		tx_fail(tx, 't', "cannot write", err);
		return commit_undo(tx, 0, err);
	}
	/* 2. both durable, the body first (its fdatasync starts its own
	 * writeback; the tf's must be under way before that commits) */
	start_writeback(tx->qffd);
	if (fdatasync(tx->dffd) == -1) {
		tx_fail(tx, 'd', "cannot fsync", err);
		return commit_undo(tx, 0, err);
	}
	/* a df/ folder of its own: its entry before the qf can name it */
	if (tx->dfdir != tx->qfdir && fsync(tx->dfdir) == -1) {
		tx_fail(tx, 'd', "cannot fsync the folder of", err);
		return commit_undo(tx, 0, err);
	}
	if (fdatasync(tx->qffd) == -1) {
		tx_fail(tx, 't', "cannot fsync", err);
		return commit_undo(tx, 0, err);
	}
	/* 3. the name: from here on the message exists (as an hf when a
	 * filter quarantined it, which queue runs leave alone) */
	memcpy(qfname, tx->name, sizeof(qfname));
	tx->ctl = quarantined ? 'h' : 'q';
	qfname[0] = tx->ctl;
	if (renameat(tx->qfdir, tx->name, tx->qfdir, qfname) == -1) {
		tx_fail(tx, 't', "cannot rename", err);
		return commit_undo(tx, 0, err);
	}
	/*
	 * 4. the rename durable.  In the flat layout this sync also covers
	 * the df's entry: a journalling file system commits the df's
	 * creation no later than the rename that follows it.
	 */
	if (fsync(tx->qfdir) == -1) {
		tx_fail(tx, tx->ctl, "cannot fsync the folder of", err);
		return commit_undo(tx, 1, err);
	}
	tx->committed = 1;
	return 0;
}

int
queue_tx_commit(struct queue_tx *tx, const struct qf *qf, struct err *err)
{
	if (tx->committed || tx->failed)
		return err_set(err, ERR_SOFTWARE, "queue_tx_commit twice");
	buf_reset(&tx->qf);
	if (queue_qf_format(qf, &tx->qf, err) == -1) {
		errno = EFBIG;
		return commit_undo(tx, 0, err);
	}
	return commit_qf(tx, qf->quarantine != NULL, err);
}

int
queue_tx_commit_text(struct queue_tx *tx, const char *text, size_t len,
    int quarantined, struct err *err)
{
	if (tx->committed || tx->failed)
		return err_set(err, ERR_SOFTWARE, "queue_tx_commit twice");
	buf_reset(&tx->qf);
	if (buf_add(&tx->qf, text, len) == -1) {
		errno = EFBIG;
		err_set(err, ERR_TEMPFAIL, "qf too large");
		return commit_undo(tx, 0, err);
	}
	return commit_qf(tx, quarantined, err);
}

/* A copy of the body in srcfd as a new file name in dirfd (O_EXCL:
 * -1 with EEXIST when it is there); the new fd, or -1 (errno). */
static int
copy_body(int srcfd, int dirfd, const char *name, int mode)
{
	char buf[16384];
	off_t off = 0;
	ssize_t r;
	int fd, e;

	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1)
		return -1;
	for (;;) {
		struct iovec iov;

		r = pread(srcfd, buf, sizeof(buf), off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		iov.iov_base = buf;
		iov.iov_len = (size_t)r;
		if (write_iov(fd, &iov, 1) == -1) {
			r = -1;
			break;
		}
		off += r;
	}
	if (r == -1) {
		e = errno;
		(void)close(fd);
		(void)unlinkat(dirfd, name, 0);
		errno = e;
		return -1;
	}
	return fd;
}

/* The folders of path i: held ones, or opened (*own set). */
static int
path_dirs(const struct queue_dirs *d, size_t i, int *qf_out, int *df_out,
    int *own, struct err *err)
{
	*own = 0;
	if (i >= d->npaths)
		return err_set(err, ERR_SOFTWARE, "bad queue path");
	if (d->held) {
		*qf_out = d->paths[i].qfdir;
		*df_out = d->paths[i].dfdir;
		return 0;
	}
	if (open_dirs(d, i, qf_out, df_out, err) == -1)
		return -1;
	*own = 1;
	return 0;
}

static void
close_dirs(int qfdir, int dfdir, int own)
{
	if (!own)
		return;
	if (qfdir != dfdir)
		(void)close(qfdir);
	(void)close(dfdir);
}

static int
same_dir(int a, int b)
{
	struct stat sa, sb;

	return a == b || (fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

int
queue_tx_move(struct queue_tx *tx, const struct queue_dirs *d, size_t i,
    struct err *err)
{
	int qfdir, dfdir, own, fd;

	if (tx->committed || tx->failed)
		return err_set(err, ERR_SOFTWARE, "queue_tx_move after "
		    "commit");
	if (tx->rd != NULL) {
		if (i >= d->npaths)
			return err_set(err, ERR_SOFTWARE, "bad queue path");
		if (i == tx->path)
			return 0;	/* where it is: nothing written yet */
		if (queue_tx_flush(tx, err) == -1 ||
		    remote_tx(tx, QR_MOVE, i, NULL, NULL, 0, NULL, err) != 0)
			return -1;
		tx->path = i;
		return 0;
	}
	if (path_dirs(d, i, &qfdir, &dfdir, &own, err) == -1)
		return -1;
	if (same_dir(dfdir, tx->dfdir) && same_dir(qfdir, tx->qfdir)) {
		close_dirs(qfdir, dfdir, own);
		return 0;
	}
	if (queue_tx_flush(tx, err) == -1)
		goto fail;
	if (renameat(tx->dfdir, fname(tx, 'd'), dfdir, fname(tx, 'd')) == 0)
		;
	else if (errno != EXDEV) {
		tx_fail(tx, 'd', "cannot move", err);
		goto fail;
	} else {
		/* another file system: a copy, then the old one goes */
		if ((fd = copy_body(tx->dffd, dfdir, fname(tx, 'd'),
		    tx->mode)) == -1) {
			tx_fail(tx, 'd', "cannot copy", err);
			goto fail;
		}
		(void)unlinkat(tx->dfdir, fname(tx, 'd'), 0);
		(void)close(tx->dffd);
		tx->dffd = fd;
	}
	close_dirs(tx->qfdir, tx->dfdir, tx->owndirs);
	tx->qfdir = qfdir;
	tx->dfdir = dfdir;
	tx->owndirs = own;
	return 0;
fail:
	close_dirs(qfdir, dfdir, own);
	return -1;
}

int
queue_tx_commit_as(struct queue_tx *tx, const struct queue_dirs *d,
    size_t i, const char *id, const struct qf *qf, struct err *err)
{
	struct buf text;
	int rc;

	buf_init(&text, TX_QF_MAX);
	if (queue_qf_format(qf, &text, err) == -1) {
		buf_free(&text);
		return -1;
	}
	rc = queue_tx_commit_as_text(tx, d, i, id, text.data, text.len,
	    qf->quarantine != NULL, err);
	buf_free(&text);
	return rc;
}

int
queue_tx_commit_as_text(struct queue_tx *tx, const struct queue_dirs *d,
    size_t i, const char *id, const char *text, size_t len, int quarantined,
    struct err *err)
{
	struct queue_tx *t;
	size_t idlen = strlen(id);
	struct qr_result res;
	int rc;

	if (tx->committed || tx->failed)
		return err_set(err, ERR_SOFTWARE, "queue_tx_commit_as after "
		    "commit");
	if (idlen == 0 || idlen >= QUEUE_ID_MAX || strchr(id, '/') != NULL)
		return err_set(err, ERR_SOFTWARE, "bad queue id");
	if (queue_tx_flush(tx, err) == -1)
		return -1;
	if (tx->rd != NULL) {
		if (i >= d->npaths)
			return err_set(err, ERR_SOFTWARE, "bad queue path");
		return qr_call(tx->rd, QR_COMMIT_AS, tx->path, tx->name + 2, i,
		    id, text, len, NULL, &res, err);
	}
	t = xcalloc(1, sizeof(*t));
	t->dffd = t->qffd = -1;
	t->mode = tx->mode;
	t->name[1] = 'f';
	memcpy(t->name + 2, id, idlen + 1);
	if (path_dirs(d, i, &t->qfdir, &t->dfdir, &t->owndirs, err) == -1) {
		free(t);
		return -1;
	}
	/* the same body under a second name; a copy across file systems */
	if (linkat(tx->dfdir, fname(tx, 'd'), t->dfdir, fname(t, 'd'),
	    0) == 0)
		t->dffd = openat(t->dfdir, fname(t, 'd'), O_RDWR | O_CLOEXEC);
	else if (errno != EEXIST)
		t->dffd = copy_body(tx->dffd, t->dfdir, fname(t, 'd'),
		    t->mode);
	if (t->dffd == -1) {
		rc = errno == EEXIST ? 1 : tx_fail(t, 'd', "cannot create",
		    err);
		if (rc == -1)
			(void)unlinkat(t->dfdir, fname(t, 'd'), 0);
		queue_tx_close(t);
		return rc;
	}
	t->size = tx->size;
	t->eightbit = tx->eightbit;
	buf_init(&t->qf, TX_QF_MAX);
	rc = queue_tx_commit_text(t, text, len, quarantined, err);
	queue_tx_close(t);
	return rc;
}

int
queue_tx_qf_fd(const struct queue_tx *tx)
{
	return tx->committed ? tx->qffd : -1;
}

int
queue_tx_df_fd(const struct queue_tx *tx)
{
	return tx->dffd;
}

void
queue_tx_close(struct queue_tx *tx)
{
	if (tx == NULL)
		return;
	if (tx->qffd != -1)
		(void)close(tx->qffd);
	if (tx->dffd != -1)
		(void)close(tx->dffd);
	if (tx->owndirs) {
		if (tx->qfdir != tx->dfdir)
			(void)close(tx->qfdir);
		(void)close(tx->dfdir);
	}
	free(tx->buf);
	buf_free(&tx->qf);
	free(tx);
}

void
queue_tx_abort(struct queue_tx *tx)
{
	if (tx == NULL)
		return;
	if (tx->rd != NULL && !tx->committed && !tx->failed &&
	    tx->dffd != -1) {
		struct err e2;

		(void)remote_tx(tx, QR_ABORT, 0, NULL, NULL, 0, NULL, &e2);
	} else if (!tx->committed && !tx->failed) {
		if (tx->qffd != -1)
			(void)unlinkat(tx->qfdir, fname(tx, 't'), 0);
		if (tx->dffd != -1)
			(void)unlinkat(tx->dfdir, fname(tx, 'd'), 0);
	}
	queue_tx_close(tx);
}

/* "<folder>/<kind>f<id>" into out. */
static void
file_path(const struct queue_dirs *d, size_t i, int kind, char letter,
    const char *id, struct buf *out)
{
	buf_reset(out);
	queue_dirs_path(d, i, kind, out);
	(void)buf_addc(out, '/');
	(void)buf_addc(out, letter);
	(void)buf_addc(out, 'f');
	(void)buf_adds(out, id);
}

static int
bad_id(const struct queue_dirs *d, size_t i, const char *id, struct err *err)
{
	if (i >= d->npaths || id[0] == '\0' || strlen(id) >= QUEUE_ID_MAX ||
	    strchr(id, '/') != NULL)
		return err_set(err, ERR_SOFTWARE, "bad queue id or path");
	return 0;
}

int
queue_qf_rewrite(const struct queue_dirs *d, size_t i, const char *id,
    const struct qf *qf, int *fd_out, struct err *err)
{
	struct buf text, tf, qfp;
	struct iovec iov;
	int fd = -1, dirfd = -1, ret = -1;

	*fd_out = -1;
	if (bad_id(d, i, id, err) == -1)
		return -1;
	buf_init(&text, TX_QF_MAX);
	buf_init(&tf, 0);
	buf_init(&qfp, 0);
	if (queue_qf_format(qf, &text, err) == -1)
		goto out;
	file_path(d, i, 'q', 't', id, &tf);
	file_path(d, i, 'q', 'q', id, &qfp);
	if ((dirfd = open_dir(d, i, 'q', err)) == -1)
		goto out;
	if ((fd = open_tf(dirfd, strrchr(buf_cstr(&tf), '/') + 1,
	    0600)) == -1) {
		err_sys(err, ERR_TEMPFAIL, "cannot create %s", buf_cstr(&tf));
		goto out;
	}
	iov.iov_base = text.data;
	iov.iov_len = text.len;
	/* the new qf takes the old one's mode */
	{
		struct stat st;

		if (stat(buf_cstr(&qfp), &st) == 0)
			(void)fchmod(fd, st.st_mode & 07777);
	}
	if (write_iov(fd, &iov, 1) == -1 || fdatasync(fd) == -1) {
		err_sys(err, ERR_TEMPFAIL, "cannot write %s", buf_cstr(&tf));
		goto undo;
	}
	if (rename(buf_cstr(&tf), buf_cstr(&qfp)) == -1) {
		err_sys(err, ERR_TEMPFAIL, "cannot rename %s", buf_cstr(&tf));
		goto undo;
	}
	*fd_out = fd;
	fd = -1;
	ret = 0;
	goto out;
undo:
	(void)unlink(buf_cstr(&tf));
out:
	if (fd != -1)
		(void)close(fd);
	if (dirfd != -1)
		(void)close(dirfd);
	buf_free(&text);
	buf_free(&tf);
	buf_free(&qfp);
	return ret;
}

int
queue_remove(const struct queue_dirs *d, size_t i, const char *id,
    struct err *err)
{
	static const struct { int kind; char letter; } order[] = {
		{ 'q', 'q' }, { 'd', 'd' }, { 'x', 'x' }
	};
	struct buf p;
	size_t k;
	int ret = 0;

	if (bad_id(d, i, id, err) == -1)
		return -1;
	if (d->remote) {
		struct qr_result res;

		return qr_call(d, QR_REMOVE, i, id, 0, NULL, NULL, 0, NULL,
		    &res, err) == 0 ? 0 : -1;
	}
	buf_init(&p, 0);
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		file_path(d, i, order[k].kind, order[k].letter, id, &p);
		if (unlink(buf_cstr(&p)) == -1 && errno != ENOENT) {
			err_sys(err, ERR_TEMPFAIL, "cannot remove %s",
			    buf_cstr(&p));
			ret = -1;
			/* a qf that stays keeps its df */
			if (k == 0)
				break;
		}
	}
	buf_free(&p);
	return ret;
}
