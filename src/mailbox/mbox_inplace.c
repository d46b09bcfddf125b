/*
 * mbox_inplace.c -- committing flag changes and expunges without copying
 * the whole mbox.  A whole rewrite (a temporary file renamed over the
 * mbox) held the write locks for tens of milliseconds per megabyte and
 * sent every waiting session back to open the new file, so on a busy
 * mailbox every STORE and EXPUNGE stalled the others.  Here a message's
 * storage headers are overwritten where they stand when they have room
 * (mbox_patch_hdrs; our writers pad X-Keywords), and the file from the
 * first message that must move (an expunge, headers without room) is
 * rewritten over its own tail through a journal (mbox_journal.c).  The
 * inode stays, so lock waiters keep their place.  A tail that is most
 * of a large file is left to the whole rewrite.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "lib/xalloc.h"

/* Tails above this, or above half of a file above TAIL_HALF_FROM, are
 * cheaper (and safer) to write as a whole new file. */
#define TAIL_MAX	((size_t)16 << 20)
#define TAIL_HALF_FROM	((size_t)1 << 20)

struct patch {
	size_t	 off, at, n;	/* file offset; bytes in the patch buffer */
};

int
mbox_commit_inplace(struct mailbox *cur, const char *p, size_t len, int fd,
    uint32_t base_last, size_t *tail_out, struct err *err)
{
	struct buf one, all, tail;
	struct patch *pv = NULL;
	struct mbox_journal j;
	struct stat st;
	size_t i, k = cur->n, np = 0, from = len;
	int rc = 0;

	*tail_out = SIZE_MAX;
	buf_init(&one, 0);
	buf_init(&all, 0);
	buf_init(&tail, 0);
	pv = xcalloc(cur->n + 2, sizeof(*pv));
	for (i = 0; i < cur->n; i++) {
		const struct mailbox_msg *m = &cur->msgs[i];
		unsigned f = (m->flags | m->set_flags) & ~m->clr_flags;
		uint32_t kw = (m->kw | m->set_kw) & ~m->clr_kw;
		size_t off;
		int same;

		if (m->expunge) {
			k = i;
			break;
		}
		if (f == m->flags && kw == m->kw && base_last == 0)
			continue;
		if (f != m->flags || kw != m->kw)
			f |= MSG_OLD;	/* as a rewrite writes it */
		if (mbox_patch_hdrs(cur, m, p, len, f, kw, &one, &off,
		    &same) == -1) {
			k = i;
			break;
		}
		if (same)
			continue;
		pv[np].off = off;
		pv[np].at = all.len;
		pv[np].n = one.len;
		np++;
		(void)buf_add(&all, one.data, one.len);
	}
	if (k < cur->n) {
		/* X-IMAPbase must stay before the tail */
		if (k == 0 && !cur->has_pseudo)
			goto out;
		from = (size_t)cur->msgs[k].from_off;
		if (len - from > TAIL_MAX ||
		    (len > TAIL_HALF_FROM && (len - from) * 2 > len))
			goto out;
		for (i = k; i < cur->n; i++) {
			size_t a, b;

			if (cur->msgs[i].expunge)
				continue;
			mbox_render_head(&tail, cur, &cur->msgs[i], p, 0, &a,
			    &b);
			(void)buf_add(&tail, p + a, b - a);
			(void)buf_addc(&tail, '\n');
		}
	}
	if (base_last != 0) {
		char digits[16];

		if (cur->base_next_len != 10 ||
		    (size_t)cur->base_next_off + 10 > from)
			goto out;
		(void)snprintf(digits, sizeof(digits), "%010" PRIu32,
		    base_last);
		pv[np].off = (size_t)cur->base_next_off;
		pv[np].at = all.len;
		pv[np].n = 10;
		np++;
		(void)buf_add(&all, digits, 10);
	}
	if (fstat(fd, &st) == -1) {
		rc = err_sys(err, ERR_TEMPFAIL, "fstat %s", cur->path);
		goto out;
	}
	if (k < cur->n) {
		memset(&j, 0, sizeof(j));
		j.dev = (uint64_t)st.st_dev;
		j.ino = (uint64_t)st.st_ino;
		j.from = from;
		j.oldlen = len;
		j.newlen = from + tail.len;
		j.lefthash = j.newlen <= len ? mailbox_index_hash(p +
		    j.newlen, (size_t)(len - j.newlen), 0) :
		    mailbox_index_hash(p + from, len - from, 0);
		j.tail = tail.data;
		j.tail_len = tail.len;
		if (mbox_journal_write(cur->path, cur->locks.privileged_gid,
		    &j, err) == -1) {
			rc = -1;
			goto out;
		}
	}
	for (i = 0; i < np; i++)
		if (pwrite(fd, all.data + pv[i].at, pv[i].n,
		    (off_t)pv[i].off) != (ssize_t)pv[i].n) {
			rc = err_sys(err, ERR_TEMPFAIL, "write %s", cur->path);
			goto out;
		}
	/* a failure from here leaves the journal for the next writer; a
	 * file that grows is extended first (mbox_journal.c tells the two
	 * cases apart by it) */
	if (k < cur->n && ((from + tail.len > len &&
	    ftruncate(fd, (off_t)(from + tail.len)) == -1) ||
	    pwrite(fd, tail.data, tail.len, (off_t)from) !=
	    (ssize_t)tail.len || ftruncate(fd, (off_t)(from + tail.len)) ==
	    -1)) {
		rc = err_sys(err, ERR_TEMPFAIL, "write %s", cur->path);
		goto out;
	}
	if (fsync(fd) == -1) {
		rc = err_sys(err, ERR_TEMPFAIL, "fsync %s", cur->path);
		goto out;
	}
	if (k < cur->n)
		mbox_journal_remove(cur->path, cur->locks.privileged_gid);
	/* cur now says what the file holds before the tail */
	for (i = 0; i < k; i++) {
		struct mailbox_msg *m = &cur->msgs[i];
		unsigned f = (m->flags | m->set_flags) & ~m->clr_flags;
		uint32_t kw = (m->kw | m->set_kw) & ~m->clr_kw;

		if (f != m->flags || kw != m->kw)
			f |= MSG_OLD;
		m->flags = f;
		m->kw = kw;
		m->set_flags = m->clr_flags = 0;
		m->set_kw = m->clr_kw = 0;
	}
	if (k < cur->n) {
		cur->n = k;
		*tail_out = from;
	}
	rc = 1;
out:
	free(pv);
	buf_free(&one);
	buf_free(&all);
	buf_free(&tail);
	return rc;
}
