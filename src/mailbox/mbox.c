/*
 * mbox.c -- mbox files as dovecot 2.3 keeps them, on disk: opening under
 * the read or write locks, UIDs written when missing, reads that follow
 * another session's rewrite, commits of expunges and flags, appends
 * (in place when X-IMAPbase allows) and new empty folders.  Changes go
 * in place where mbox_inplace.c can write them; otherwise they are
 * written to a temporary file beside the mbox, fsync'ed and renamed
 * over it under the write locks, so an interrupted rewrite leaves the
 * old file whole.  Parsing is mbox_parse.c, rendering mbox_write.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "lib/fdio.h"
#include "lib/str.h"
#include "lib/xalloc.h"

/* ---- writing */

struct out {
	int		 fd;
	struct buf	 b;
	int		 failed;
};

static void
out_flush(struct out *o)
{
	if (o->b.len > 0 && !o->failed &&
	    fdio_write_all(o->fd, o->b.data, o->b.len) == -1)
		o->failed = errno ? errno : EIO;
	buf_reset(&o->b);
}

static void
out_add(struct out *o, const void *p, size_t n)
{
	if (n >= 65536) {
		out_flush(o);
		if (!o->failed && fdio_write_all(o->fd, p, n) == -1)
			o->failed = errno ? errno : EIO;
		return;
	}
	if (o->b.len + n > 65536)
		out_flush(o);
	(void)buf_add(&o->b, p, n);
}

static void
out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)buf_vprintf(&o->b, fmt, ap);
	va_end(ap);
	if (o->b.len > 65536)
		out_flush(o);
}

static void
write_pseudo(struct out *o, const struct mailbox *mb, time_t now)
{
	char host[256], date[64], fdate[64];
	struct tm tm;

	if (gethostname(host, sizeof(host)) == -1)
		(void)str_copy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	(void)gmtime_r(&now, &tm);
	(void)strftime(fdate, sizeof(fdate), "%a %b %e %H:%M:%S %Y", &tm);
	(void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    &tm);
	out_printf(o, "From MAILER_DAEMON  %s\n"
	    "Date: %s\n"
	    "From: Mail System Internal Data <MAILER-DAEMON@%s>\n"
	    "Subject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA\n"
	    "Message-ID: <%ld@%s>\n"
	    "X-IMAP: %" PRIu32 " %010" PRIu32 "%s%s\n"
	    "Status: RO\n"
	    "\n"
	    "This text is part of the internal format of your mail folder, "
	    "and is not\n"
	    "a real message.  It is created automatically by the mail "
	    "system software.\n"
	    "If deleted, important folder data will be lost, and it will be "
	    "re-created\n"
	    "with the data reset to initial values.\n"
	    "\n", fdate, date, host, (long)now, host, mb->uidvalidity,
	    mb->uidnext - 1, mb->imapbase_kw ? " " : "",
	    mb->imapbase_kw ? mb->imapbase_kw : "");
}

/* One message: From_ line, its own headers, ours, the body, and the
 * separating blank line. */
static void
write_msg(struct out *o, const struct mailbox *mb,
    const struct mailbox_msg *m, const char *p, int base)
{
	size_t from, to;

	mbox_render_head(&o->b, mb, m, p, base, &from, &to);
	out_add(o, p + from, to - from);
	/* the separator: a body without a final LF keeps lacking it, as
	 * dovecot reads the LF before From_ (or at EOF) as not its own */
	out_add(o, "\n", 1);
}

struct image {
	int	 fd;
	char	*p;
	size_t	 len;
};

/* mailbox_hold: the read locks and the mapped file kept between reads */
struct mbox_hold {
	struct mbox_lock	 l;
	struct image		 im;
};

static int
image_map(const char *path, int fd, struct image *im, struct err *err)
{
	struct stat st;

	im->fd = fd;
	im->p = NULL;
	im->len = 0;
	if (fstat(fd, &st) == -1)
		return err_sys(err, ERR_TEMPFAIL, "fstat %s", path);
	if (!S_ISREG(st.st_mode))
		return err_set(err, ERR_NOPERM, "%s: not a regular file",
		    path);
	if (st.st_size == 0)
		return 0;
	im->p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (im->p == MAP_FAILED) {
		im->p = NULL;
		return err_sys(err, ERR_TEMPFAIL, "mmap %s", path);
	}
	im->len = (size_t)st.st_size;
	return 0;
}

static void
image_unmap(struct image *im)
{
	if (im->p != NULL)
		(void)munmap(im->p, im->len);
	im->p = NULL;
	im->len = 0;
}

/* imapbase_kw from the keyword list (names dovecot keeps there). */
static void
kw_string(struct mailbox *mb)
{
	struct buf b;
	size_t i;

	if (mb->nkw == 0)
		return;
	buf_init(&b, 0);
	for (i = 0; i < mb->nkw; i++)
		buf_printf(&b, "%s%s", i ? " " : "", mb->kw[i]);
	free(mb->imapbase_kw);
	mb->imapbase_kw = buf_steal(&b);
}

/* Writes mb's surviving messages from the image to a temporary file,
 * then renames it over the mbox. */
static int
rewrite(struct mailbox *mb, const struct image *im, struct err *err)
{
	struct mbox_priv priv = { 0, 0 };
	struct stat st;
	struct out o;
	struct buf tmp;
	const char *slash;
	size_t i, kept = 0;
	int fd, dfd, base_done;

	if (fstat(im->fd, &st) == -1)
		return err_sys(err, ERR_TEMPFAIL, "fstat %s", mb->path);
	buf_init(&tmp, 0);
	slash = strrchr(mb->path, '/');
	if (slash != NULL)
		buf_printf(&tmp, "%.*s/.%s.%ld.tmp",
		    (int)(slash - mb->path), mb->path, slash + 1,
		    (long)getpid());
	else
		buf_printf(&tmp, ".%s.%ld.tmp", mb->path, (long)getpid());
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    st.st_mode & 07777);
	if (fd == -1 && errno == EACCES) {
		/* a root:mail spool folder: mail_privileged_group */
		mbox_priv_enter(mb->locks.privileged_gid, &priv);
		fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    st.st_mode & 07777);
		if (!priv.on || fd == -1)
			mbox_priv_leave(&priv);
	}
	if (fd == -1) {
		err_sys(err, ERR_TEMPFAIL, "create %s", tmp.data);
		buf_free(&tmp);
		return -1;
	}
	if (fchown(fd, st.st_uid, st.st_gid) == -1 && errno == EPERM) {
		/* user:mail 0660 spool files keep their group (without
		 * the privileged group the new file stays in ours) */
		struct mbox_priv p2;
		int kept;

		mbox_priv_enter(mb->locks.privileged_gid, &p2);
		kept = fchown(fd, st.st_uid, st.st_gid);
		mbox_priv_leave(&p2);
		(void)kept;
	}
	(void)fchmod(fd, st.st_mode & 07777);
	o.fd = fd;
	o.failed = 0;
	buf_init(&o.b, 0);
	for (i = 0; i < mb->n; i++)
		kept += !mb->msgs[i].expunge;
	kw_string(mb);
	/* UID state: the pseudo message, or the first kept message */
	base_done = mb->has_pseudo || kept == 0;
	if (base_done)
		write_pseudo(&o, mb, time(NULL));
	for (i = 0; i < mb->n; i++) {
		if (mb->msgs[i].expunge)
			continue;
		write_msg(&o, mb, &mb->msgs[i], im->p, !base_done);
		base_done = 1;
	}
	out_flush(&o);
	buf_free(&o.b);
	if (o.failed) {
		errno = o.failed;
		err_sys(err, ERR_TEMPFAIL, "write %s", tmp.data);
		goto fail;
	}
	if (fsync(fd) == -1) {
		err_sys(err, ERR_TEMPFAIL, "fsync %s", tmp.data);
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		err_sys(err, ERR_TEMPFAIL, "close %s", tmp.data);
		goto fail;
	}
	fd = -1;
	if (rename(tmp.data, mb->path) == -1) {
		err_sys(err, ERR_TEMPFAIL, "rename %s", tmp.data);
		goto fail;
	}
	mbox_priv_leave(&priv);
	/* the directory entry, too */
	if (slash != NULL) {
		buf_reset(&tmp);
		buf_printf(&tmp, "%.*s", (int)(slash - mb->path), mb->path);
	} else
		buf_set(&tmp, ".");
	dfd = open(tmp.len ? tmp.data : "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (dfd != -1) {
		(void)fsync(dfd);
		(void)close(dfd);
	}
	buf_free(&tmp);
	return 0;
fail:
	if (fd != -1)
		(void)close(fd);
	(void)unlink(tmp.data);
	mbox_priv_leave(&priv);
	buf_free(&tmp);
	return -1;
}

static void
stamp(struct mailbox *mb, const struct stat *st)
{
	mb->dev = st->st_dev;
	mb->ino = st->st_ino;
	mb->stamp[0] = st->st_mtim;
	mb->stamp[1] = st->st_ctim;
	mb->stamp_size = st->st_size;
	mb->stamp_fresh = mailbox_ts_fresh(mb->stamp, 2);
}

int
mbox_changed(const struct mailbox *mb)
{
	struct stat st;

	if (stat(mb->path, &st) == -1)
		return mb->ino != 0;
	return mb->stamp_fresh || st.st_ino != mb->ino || st.st_dev != mb->dev ||
	    st.st_size != mb->stamp_size ||
	    st.st_mtim.tv_sec != mb->stamp[0].tv_sec ||
	    st.st_mtim.tv_nsec != mb->stamp[0].tv_nsec ||
	    st.st_ctim.tv_sec != mb->stamp[1].tv_sec ||
	    st.st_ctim.tv_nsec != mb->stamp[1].tv_nsec;
}

/* Re-reads the (new) file at mb->path under the locks still held. */
static int
reload(struct mailbox *mb, struct err *err)
{
	struct image im;
	struct stat st;
	int fd, rc;

	fd = open(mb->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return err_sys(err, ERR_TEMPFAIL, "open %s", mb->path);
	if (image_map(mb->path, fd, &im, err) == -1) {
		(void)close(fd);
		return -1;
	}
	rc = mbox_parse(mb, im.p, im.len, time(NULL), err);
	if (fstat(fd, &st) == 0) {
		stamp(mb, &st);
		if (rc == 0)
			mbox_index_store(mb, im.p, im.len, &st);
	}
	image_unmap(&im);
	(void)close(fd);
	return rc == -1 ? -1 : 0;
}

static void close_locked(struct mbox_lock *, struct image *);

/* Opens, locks and maps the mbox; im->fd is -1 when it does not exist.
 * A file replaced (renamed over) while we waited for the locks is opened
 * again, so we never hold locks on a stale inode.  FIFOs, devices,
 * symlinks and hard-linked files are refused. */
static int
open_locked(struct mailbox *mb, int write, struct mbox_lock *l,
    struct image *im, struct err *err)
{
	struct stat fst, pst;
	int fd, rc, tries, journal = 1;

	im->fd = -1;
	im->p = NULL;
	im->len = 0;
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	for (tries = 0;; tries++) {
		fd = open(mb->path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC |
		    O_NOFOLLOW | O_NONBLOCK);
		if (fd == -1 && errno == ENOENT)
			return 0;
		if (fd == -1)
			return err_sys(err, errno == ELOOP ? ERR_NOPERM :
			    ERR_TEMPFAIL, "open %s", mb->path);
		if (fstat(fd, &fst) == -1 || !S_ISREG(fst.st_mode) ||
		    fst.st_nlink > 1) {
			(void)close(fd);
			return err_set(err, ERR_NOPERM, "%s: not a regular "
			    "file with one link", mb->path);
		}
		rc = mbox_lock_take(mb->path, fd, write, &mb->locks, l, err);
		if (rc == -1) {
			(void)close(fd);
			return -1;
		}
		if (rc == 0 && stat(mb->path, &pst) == 0 &&
		    pst.st_ino == fst.st_ino && pst.st_dev == fst.st_dev) {
			if (!journal || !mbox_journal_pending(mb->path))
				break;
			if (write) {
				/* a writer died in a tail rewrite */
				if (mbox_tail_recover(mb->path, fd,
				    mb->locks.privileged_gid, err) == 0)
					break;
				mbox_lock_release(l);
				(void)close(fd);
				return -1;
			}
			/* a reader has the write locks finish it first
			 * (or, without write access, reads as it is) */
			mbox_lock_release(l);
			(void)close(fd);
			if (open_locked(mb, 1, l, im, err) == 0 &&
			    im->fd != -1)
				close_locked(l, im);
			journal = 0;
			continue;
		}
		if (rc == 0)
			mbox_lock_release(l);
		(void)close(fd);
		/* busy sessions rewrite the file often: each try waits
		 * for the locks, so this ends with the lock timeouts */
		if (tries == 1000)
			return err_set(err, ERR_TEMPFAIL, "%s keeps being "
			    "replaced", mb->path);
	}
	if (image_map(mb->path, fd, im, err) == -1) {
		mbox_lock_release(l);
		(void)close(fd);
		return -1;
	}
	return 0;
}

static void
close_locked(struct mbox_lock *l, struct image *im)
{
	image_unmap(im);
	mbox_lock_release(l);
	if (im->fd != -1)
		(void)close(im->fd);
	im->fd = -1;
}

static int write_changes(struct mailbox *, struct mailbox *,
	    struct image *, int, struct err *);

/* into out, the file im (as st says) parsed again from old's view of
 * it when that is of the same file; -1 (nothing left in out) when it is
 * not, or when mbox_reparse finds the start changed.  out may be old. */
static int
parse_again(struct mailbox *out, const struct mailbox *old,
    const struct image *im, const struct stat *st, struct err *err)
{
	struct mailbox tmp;
	int rc;

	if (old->n == 0 || old->ino != st->st_ino || old->dev != st->st_dev)
		return -1;
	memset(&tmp, 0, sizeof(tmp));
	tmp.format = MAILBOX_MBOX;
	tmp.path = old->path;
	tmp.locks = old->locks;
	rc = mbox_reparse(&tmp, old, im->p, im->len, time(NULL), err);
	if (rc == -1) {
		mailbox_index_parts_free(&tmp);
		return -1;
	}
	mailbox_index_adopt(out, &tmp);
	return rc;
}

int
mbox_load(struct mailbox *mb, struct err *err)
{
	struct mbox_lock l;
	struct image im;
	struct stat st;
	int rc, write;

	for (write = 0; write < 2; write++) {
		if (open_locked(mb, write, &l, &im, err) == -1)
			return -1;
		if (im.fd == -1) {
			/* no file: an empty mailbox, created on demand */
			mailbox_msgs_clear(mb);
			if (mb->uidvalidity == 0)
				mb->uidvalidity = (uint32_t)time(NULL);
			if (mb->uidnext == 0)
				mb->uidnext = 1;
			mb->ino = 0;
			return 0;
		}
		if (fstat(im.fd, &st) == -1) {
			close_locked(&l, &im);
			return err_sys(err, ERR_TEMPFAIL, "fstat %s", mb->path);
		}
		/* our index, when the file is as it says (or grew) */
		rc = parse_again(mb, mb, &im, &st, err);
		if (rc == -1)
			rc = !write && mbox_index_use(mb, im.p, im.len,
			    &st) == 0 ? 0 : mbox_parse(mb, im.p, im.len,
			    time(NULL), err);
		stamp(mb, &st);
		if (rc == 0)
			mbox_index_store(mb, im.p, im.len, &st);
		if (rc == 1 && write) {
			/* messages new to us stay \Recent in memory after
			 * their UIDs (and Status: O) are written */
			size_t i, n = mb->n;
			unsigned char *fresh = xcalloc(n ? n : 1, 1);

			for (i = 0; i < n; i++)
				fresh[i] = !(mb->msgs[i].flags & MSG_OLD);
			rc = write_changes(mb, mb, &im, 1, err);
			for (i = 0; rc == 0 && i < n && i < mb->n; i++)
				if (fresh[i])
					mb->msgs[i].flags &= ~MSG_OLD;
			free(fresh);
		}
		close_locked(&l, &im);
		if (rc <= 0)
			return rc;
		/* UIDs to write: again under the write locks */
	}
	return 0;
}

static const struct mailbox_msg *find_uid(const struct mailbox_msg *,
	    size_t, uint32_t);

static void
kw_free(struct mailbox *mb)
{
	size_t i;

	for (i = 0; i < mb->nkw; i++)
		free(mb->kw[i]);
	mb->nkw = 0;
}

/* Keyword bits of from's list as bits of to's list (names added). */
static uint32_t
kw_map(struct mailbox *to, const struct mailbox *from, uint32_t bits)
{
	uint32_t out = 0;
	size_t i;

	for (i = 0; i < from->nkw; i++) {
		int k;

		if (!(bits & ((uint32_t)1 << i)))
			continue;
		if ((k = mailbox_kw_index(to, from->kw[i], 1)) >= 0)
			out |= (uint32_t)1 << k;
	}
	return out;
}

/* The file was rewritten by another process (another session's
 * expunge): find our messages again by UID in the current image.  A
 * message no longer there gets from_off -1. */
static int
resync(struct mailbox *mb, const struct image *im, struct err *err)
{
	struct mailbox cur;
	struct stat st;
	size_t i;
	int rc;

	memset(&cur, 0, sizeof(cur));
	cur.format = MAILBOX_MBOX;
	cur.path = mb->path;
	cur.locks = mb->locks;
	rc = mbox_parse(&cur, im->p, im->len, time(NULL), err);
	if (rc != -1 && cur.uidvalidity != mb->uidvalidity)
		rc = err_set(err, ERR_TEMPFAIL, "%s: UIDVALIDITY changed by "
		    "another process", mb->path);
	if (rc != -1) {
		for (i = 0; i < mb->n; i++) {
			struct mailbox_msg *m = &mb->msgs[i];
			const struct mailbox_msg *c = find_uid(cur.msgs, cur.n,
			    m->uid);

			if (c == NULL) {
				m->from_off = -1;
				continue;
			}
			m->from_off = c->from_off;
			m->hdr_off = c->hdr_off;
			m->body_off = c->body_off;
			m->end_off = c->end_off;
		}
		if (fstat(im->fd, &st) == 0) {
			mb->dev = st.st_dev;
			mb->ino = st.st_ino;
		}
	}
	free(cur.imapbase_kw);
	kw_free(&cur);
	mailbox_msgs_clear(&cur);
	free(cur.msgs);
	return rc == -1 ? -1 : 0;
}

static int
still_there(const struct mailbox *mb, const struct mailbox_msg *m,
    const struct image *im)
{
	struct stat st;
	size_t off, end;

	if (fstat(im->fd, &st) == -1 || st.st_ino != mb->ino ||
	    st.st_dev != mb->dev || m->from_off < 0 ||
	    (size_t)m->end_off > im->len || m->body_off > m->end_off ||
	    memcmp(im->p + m->from_off, "From ", 5) != 0)
		return 0;
	/* an inode number comes back for the next rewrite's file, so the
	 * message there must also end where ours ended, have its blank line
	 * where ours had it, and carry our UID */
	end = (size_t)m->end_off;
	if (!(end == im->len || (end + 1 == im->len && im->p[end] == '\n') ||
	    (end + 6 <= im->len && im->p[end] == '\n' &&
	    memcmp(im->p + end + 1, "From ", 5) == 0) ||
	    (end + 7 <= im->len && im->p[end] == '\r' &&
	    im->p[end + 1] == '\n' &&
	    memcmp(im->p + end + 2, "From ", 5) == 0)))
		return 0;
	off = (size_t)m->body_off;
	if (off > (size_t)m->hdr_off + 1 && off < end &&
	    (im->p[off - 1] != '\n' || (im->p[off - 2] != '\n' &&
	    im->p[off - 2] != '\r')))
		return 0;
	off = (size_t)m->hdr_off;
	end = (size_t)m->body_off;
	while (off < end) {
		const char *nl = memchr(im->p + off, '\n', end - off);
		size_t eol = nl ? (size_t)(nl - im->p) + 1 : end;

		if (mbox_hdr_kind(im->p + off, eol - off) == MBOX_HDR_XUID) {
			const char *v = memchr(im->p + off, ':', eol - off);
			unsigned long long u = 0;

			for (v++; v < im->p + eol && (*v == ' ' || *v == '\t');
			    v++)
				;
			while (v < im->p + eol && *v >= '0' && *v <= '9')
				u = u * 10 + (unsigned long long)(*v++ - '0');
			return u == m->uid;
		}
		off = eol;
	}
	return 1;	/* UIDs not written (a spool we cannot rewrite) */
}

int
mbox_read(struct mailbox *mb, size_t idx, struct buf *out, struct err *err)
{
	const struct mailbox_msg *m = &mb->msgs[idx];
	struct mbox_lock l;
	struct image im;
	size_t body;
	int rc = 0;

	struct mbox_hold *h = mb->hold;
	/* cppcheck-suppress uninitvar ; &im only; open_locked() fills im */
	struct image *imp = h != NULL ? &h->im : &im;

	if (h == NULL) {
		if (open_locked(mb, 0, &l, &im, err) == -1)
			return -1;
		if (im.fd == -1)
			return err_set(err, ERR_TEMPFAIL, "%s vanished",
			    mb->path);
	}
	if (!still_there(mb, m, imp) && (resync(mb, imp, err) == -1 ||
	    !still_there(mb, m, imp)))
		rc = m->from_off < 0 ? err_set(err, ERR_NOINPUT, "%s: UID %"
		    PRIu32 " was expunged by another session", mb->path,
		    m->uid) : err_set(err, ERR_TEMPFAIL, "%s was changed by "
		    "another process", mb->path);
	else
		(void)mbox_visible(imp->p + m->hdr_off,
		    (size_t)(m->end_off - m->hdr_off), out, &body);
	if (h == NULL)
		close_locked(&l, &im);
	return rc;
}

int
mbox_hold(struct mailbox *mb, struct err *err)
{
	struct mbox_hold *h;

	if (mb->hold != NULL)
		return 0;
	h = xcalloc(1, sizeof(*h));
	if (open_locked(mb, 0, &h->l, &h->im, err) == -1) {
		free(h);
		return -1;
	}
	if (h->im.fd == -1) {
		free(h);
		return 0;
	}
	mb->hold = h;
	return 0;
}

void
mbox_release(struct mailbox *mb)
{
	struct mbox_hold *h = mb->hold;

	if (h == NULL)
		return;
	close_locked(&h->l, &h->im);
	free(h);
	mb->hold = NULL;
}

/* Binary search of the session's messages by UID. */
static const struct mailbox_msg *
find_uid(const struct mailbox_msg *v, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].uid == uid)
			return &v[mid];
		if (v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* cur (parsed from im, the write-locked file, with changes set) written
 * in place when it can be, else by a whole rewrite; mb then holds the
 * file as written.  assigned: cur gave messages new UIDs. */
static int
write_changes(struct mailbox *mb, struct mailbox *cur, struct image *im,
    int assigned, struct err *err)
{
	char *old_kw = cur->imapbase_kw ? xstrdup(cur->imapbase_kw) : NULL;
	struct stat st;
	size_t tail;
	int rc = 0;

	kw_string(cur);
	/* new keyword names go into X-IMAPbase: a whole rewrite */
	if ((old_kw == NULL) == (cur->imapbase_kw == NULL) &&
	    (old_kw == NULL || strcmp(old_kw, cur->imapbase_kw) == 0))
		rc = mbox_commit_inplace(cur, im->p, im->len, im->fd,
		    assigned ? cur->uidnext - 1 : 0, &tail, err);
	free(old_kw);
	if (rc == 0) {
		if (rewrite(cur, im, err) == -1)
			return -1;
		return reload(mb, err);
	}
	if (rc == -1)
		return -1;
	/* the file as it is now, parsed from the tail on only */
	image_unmap(im);
	if (image_map(mb->path, im->fd, im, err) == -1)
		return -1;
	if (tail < im->len && mbox_parse_tail(cur, im->p, im->len, tail,
	    cur->uidnext, err) == -1)
		return -1;
	cur->total_vsize = 0;
	for (tail = 0; tail < cur->n; tail++)
		cur->total_vsize += cur->msgs[tail].vsize;
	if (cur != mb)
		mailbox_index_adopt(mb, cur);
	if (fstat(im->fd, &st) == 0) {
		stamp(mb, &st);
		mbox_index_store(mb, im->p, im->len, &st);
	}
	return 0;
}

int
mbox_commit(struct mailbox *mb, struct err *err)
{
	struct mailbox cur;
	struct mbox_lock l;
	struct image im;
	struct stat st;
	size_t i;
	int rc, todo = 0;

	/* flags alone do not rewrite the file (dovecot's mbox_lazy_writes):
	 * they are written with the next expunge, unless the caller asks
	 * for them now */
	for (i = 0; i < mb->n; i++) {
		const struct mailbox_msg *m = &mb->msgs[i];

		if (m->expunge)
			todo = 1;
		else if (mb->write_flags &&
		    ((((m->flags | m->set_flags) & ~m->clr_flags) ^
		    m->flags) != 0 ||
		    (((m->kw | m->set_kw) & ~m->clr_kw) ^ m->kw) != 0))
			todo = 1;
	}
	if (!todo)
		return 0;
	if (open_locked(mb, 1, &l, &im, err) == -1)
		return -1;
	if (im.fd == -1)
		return err_set(err, ERR_TEMPFAIL, "%s vanished", mb->path);
	memset(&cur, 0, sizeof(cur));
	cur.format = MAILBOX_MBOX;
	cur.path = mb->path;
	cur.locks = mb->locks;
	if (fstat(im.fd, &st) == -1 ||
	    (rc = parse_again(&cur, mb, &im, &st, err)) == -1)
		rc = mbox_parse(&cur, im.p, im.len, time(NULL), err);
	if (rc != -1 && cur.uidvalidity != mb->uidvalidity)
		rc = err_set(err, ERR_TEMPFAIL,
		    "%s: UIDVALIDITY changed by another process", mb->path);
	if (rc != -1) {
		for (i = 0; i < cur.n; i++) {
			const struct mailbox_msg *s = find_uid(mb->msgs,
			    mb->n, cur.msgs[i].uid);

			if (s != NULL) {
				cur.msgs[i].expunge = s->expunge;
				cur.msgs[i].set_flags = s->set_flags;
				cur.msgs[i].clr_flags = s->clr_flags;
				cur.msgs[i].set_kw = kw_map(&cur, mb,
				    s->set_kw);
				cur.msgs[i].clr_kw = kw_map(&cur, mb,
				    s->clr_kw);
			}
		}
		rc = write_changes(mb, &cur, &im, rc == 1, err);
	}
	close_locked(&l, &im);
	free(cur.imapbase_kw);
	kw_free(&cur);
	mailbox_msgs_clear(&cur);
	free(cur.msgs);
	return rc == -1 ? -1 : 0;
}

/* ---- appending */

/* The message as stored: LF line ends, body lines "From " escaped as
 * ">From ", a final LF; our headers (X-UID when uid is not 0, Status,
 * X-Status, X-Keywords, X-IMAPbase when base) after the client's. */
static void
append_image(struct buf *b, const struct mailbox *mb, const char *data,
    size_t len, unsigned flags, uint32_t kw, time_t received, uint32_t uid,
    uint32_t base_last)
{
	char date[64];
	struct tm tm;
	size_t pos = 0;
	int in_hdr = 1;

	(void)gmtime_r(&received, &tm);
	(void)strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	buf_printf(b, "From MAILER-DAEMON %s\n", date);
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len, n = end - pos;

		if (n > 0 && data[pos + n - 1] == '\r')
			n--;
		if (in_hdr && n == 0)
			break;
		if (in_hdr && mbox_hdr_kind(data + pos, n) != MBOX_HDR_OTHER &&
		    mbox_hdr_kind(data + pos, n) != MBOX_HDR_CLEN) {
			/* a client's X-UID or Status would be taken as ours */
			pos = nl ? end + 1 : len;
			while (pos < len && (data[pos] == ' ' ||
			    data[pos] == '\t')) {
				nl = memchr(data + pos, '\n', len - pos);
				pos = nl ? (size_t)(nl - data) + 1 : len;
			}
			continue;
		}
		(void)buf_add(b, data + pos, n);
		(void)buf_addc(b, '\n');
		pos = nl ? end + 1 : len;
	}
	if (base_last)
		buf_printf(b, "X-IMAPbase: %" PRIu32 " %010" PRIu32 "%s%s\n",
		    mb->uidvalidity, base_last, mb->imapbase_kw ? " " : "",
		    mb->imapbase_kw ? mb->imapbase_kw : "");
	/* X-UID only with a UID known now (see mbox_append) */
	mbox_storage_hdrs(b, mb, uid, flags & ~MSG_OLD, kw, "\n", MBOX_KW_PAD);
	(void)buf_addc(b, '\n');
	/* the body */
	if (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);

		pos = nl ? (size_t)(nl - data) + 1 : len;
	}
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len, n = end - pos;

		if (n > 0 && data[pos + n - 1] == '\r')
			n--;
		if (n >= 5 && memcmp(data + pos, "From ", 5) == 0)
			(void)buf_addc(b, '>');
		(void)buf_add(b, data + pos, n);
		(void)buf_addc(b, '\n');
		pos = nl ? end + 1 : len;
	}
	(void)buf_addc(b, '\n');	/* the separator */
}

/* What an append needs of the file: X-IMAPbase (UIDVALIDITY, last UID,
 * keywords) and whether every message has its UID.  Messages without
 * one are only ever added at the end (deliveries), so when the first
 * and the last message have theirs, the ones between are not parsed:
 * a full parse held the write locks ~6 ms per 14 MB on each APPEND.
 * Returns as mbox_parse. */
static int
append_state(struct mailbox *cur, const char *p, size_t len,
    struct err *err)
{
	size_t second, last;
	int rc;

	if (len > 0 && len >= 5 && memcmp(p, "From ", 5) == 0) {
		second = mbox_msg_next(p, len, 0);
		last = mbox_last_from(p, len);
		rc = mbox_parse(cur, p, second, time(NULL), err);
		if (rc == 0 && cur->base_next_len > 0 && (second == len ||
		    (last >= second && mbox_parse_tail(cur, p, len, last,
		    cur->uidnext, err) == 0)))
			return 0;
	}
	return mbox_parse(cur, p, len, time(NULL), err);
}

int
mbox_append(const char *path, const struct mbox_lock_cfg *locks,
    struct mailbox_new *v, size_t n, uint32_t *uv_out, struct err *err)
{
	struct mailbox cur;
	struct mbox_lock l;
	struct image im;
	struct buf b;
	uint32_t *kw, first;
	size_t i, j;
	int fd, rc, inplace;

	memset(&cur, 0, sizeof(cur));
	cur.format = MAILBOX_MBOX;
	cur.path = (char *)path;
	if (locks != NULL)
		cur.locks = *locks;
	else
		mbox_lock_cfg_default(&cur.locks);
	if (n == 0)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd != -1)
		(void)close(fd);
	else if (errno != EEXIST)
		return err_sys(err, ERR_TEMPFAIL, "create %s", path);
	if (open_locked(&cur, 1, &l, &im, err) == -1)
		return -1;
	if (im.fd == -1)
		return err_set(err, ERR_TEMPFAIL, "%s vanished", path);
	rc = append_state(&cur, im.p, im.len, err);
	buf_init(&b, 0);
	kw = xcalloc(n, sizeof(*kw));
	if (rc == -1)
		goto out;
	for (i = 0; i < n; i++)
		for (j = 0; j < v[i].nkw; j++) {
			int k = mailbox_kw_index(&cur, v[i].kw[j], 1);

			if (k >= 0)
				kw[i] |= (uint32_t)1 << k;
		}
	kw_string(&cur);
	/* in place when the UID state can be bumped where it stands */
	inplace = rc == 0 && cur.base_next_len == 10 && im.len > 0;
	first = im.len == 0 ? 1 : cur.uidnext;
	for (i = 0; i < n; i++) {
		time_t when = v[i].received ? v[i].received : time(NULL);

		/* a new file: the first message carries X-IMAPbase */
		append_image(&b, &cur, v[i].data, v[i].len, v[i].flags, kw[i],
		    when, im.len == 0 || inplace ? first + (uint32_t)i : 0,
		    im.len == 0 && i == 0 ? first + (uint32_t)n - 1 : 0);
		v[i].uid = first + (uint32_t)i;
	}
	if (im.len > 0 && im.p[im.len - 1] != '\n') {
		/* a last message without its separator */
		if (pwrite(im.fd, "\n", 1, (off_t)im.len) != 1) {
			rc = err_sys(err, ERR_TEMPFAIL, "write %s", path);
			goto out;
		}
		im.len++;
	}
	if (pwrite(im.fd, b.data, b.len, (off_t)im.len) != (ssize_t)b.len) {
		rc = err_sys(err, ERR_TEMPFAIL, "write %s", path);
		if (ftruncate(im.fd, (off_t)im.len) == -1)
			err_sys(err, ERR_TEMPFAIL, "write %s (a partial "
			    "message could not be cut off)", path);
		goto out;
	}
	if (inplace) {
		char digits[16];

		(void)snprintf(digits, sizeof(digits), "%010" PRIu32,
		    first + (uint32_t)n - 1);
		if (pwrite(im.fd, digits, 10, cur.base_next_off) != 10) {
			rc = err_sys(err, ERR_TEMPFAIL, "write %s", path);
			goto out;
		}
	}
	if (fsync(im.fd) == -1) {
		rc = err_sys(err, ERR_TEMPFAIL, "fsync %s", path);
		goto out;
	}
	rc = 0;
	if (!inplace && im.len > 0) {
		/* UIDs to assign: rewrite from the new image; ours are
		 * the last n messages */
		struct image im2;

		if (image_map(path, im.fd, &im2, err) == -1) {
			rc = -1;
			goto out;
		}
		rc = mbox_parse(&cur, im2.p, im2.len, time(NULL), err);
		if (rc != -1)
			rc = rewrite(&cur, &im2, err);
		image_unmap(&im2);
		if (rc != -1)
			rc = reload(&cur, err);
		for (i = 0; rc != -1 && i < n && cur.n >= n; i++)
			v[i].uid = cur.msgs[cur.n - n + i].uid;
	}
	*uv_out = cur.uidvalidity;
out:
	free(kw);
	close_locked(&l, &im);
	buf_free(&b);
	free(cur.imapbase_kw);
	kw_free(&cur);
	mailbox_msgs_clear(&cur);
	free(cur.msgs);
	return rc == -1 ? -1 : 0;
}

/* A new, empty mbox that already holds its UID state (dovecot writes
 * the same pseudo message when a folder has no messages). */
int
mbox_create_empty(const char *path, uint32_t uidvalidity, struct err *err)
{
	struct mailbox mb;
	struct out o;
	int fd;

	memset(&mb, 0, sizeof(mb));
	mb.uidvalidity = uidvalidity;
	mb.uidnext = 1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return err_sys(err, ERR_TEMPFAIL, "create %s", path);
	o.fd = fd;
	o.failed = 0;
	buf_init(&o.b, 0);
	write_pseudo(&o, &mb, time(NULL));
	out_flush(&o);
	buf_free(&o.b);
	if (o.failed || fsync(fd) == -1) {
		(void)close(fd);
		return err_sys(err, ERR_TEMPFAIL, "write %s", path);
	}
	if (close(fd) == -1)
		return err_sys(err, ERR_TEMPFAIL, "close %s", path);
	return 0;
}

/* An mbox that is missing or empty has no UIDVALIDITY on disk yet, so
 * two sessions could each make up their own: write the pseudo message
 * now (under the write locks, if still empty), as dovecot does. */
int
mbox_settle(struct mailbox *mb, struct err *err)
{
	struct mbox_lock l;
	struct image im;
	struct out o;
	int fd, rc = 0;

	if (mb->n > 0 || mb->stamp_size > 0)
		return 0;
	fd = open(mb->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd != -1)
		(void)close(fd);
	else if (errno != EEXIST)
		return 0;	/* a spool we may not write: stays in memory */
	if (open_locked(mb, 1, &l, &im, err) == -1)
		return -1;
	if (im.fd != -1 && im.len == 0) {
		o.fd = im.fd;
		o.failed = 0;
		buf_init(&o.b, 0);
		write_pseudo(&o, mb, time(NULL));
		out_flush(&o);
		buf_free(&o.b);
		if (o.failed || fsync(im.fd) == -1)
			rc = err_sys(err, ERR_TEMPFAIL, "write %s", mb->path);
	}
	close_locked(&l, &im);
	if (rc == 0)
		rc = reload(mb, err);
	return rc;
}
