/*
 * imap_modseq.c -- CONDSTORE's mod-sequences (RFC 7162), which mbox and
 * Maildir do not keep: a file mailboxd-modseq beside the \Recent file
 * holds "V<uidvalidity> H<highestmodseq>" and then "<uid> <modseq>"
 * lines (ascending UIDs) for messages changed since, "<uid> <modseq> x"
 * for expunged ones (QRESYNC's VANISHED); others have modseq 1.
 * Changes take an flock on the file, so sessions never hand
 * out one modseq twice.  A file of another UIDVALIDITY starts over.
 *
 * The same flock publishes flags and mod-sequences together: a writer
 * holds it exclusive from before it writes flags (or messages) to the
 * storage until their new mod-sequences are in the file, a reader holds
 * it shared from before it reads the storage until it has read the file
 * (imap_modseq_lock).  Otherwise a reader could see a message's new
 * mod-sequence with its old flags, report that pair, and on seeing the
 * flags later take them for another program's change and give the
 * message one more mod-sequence.  Order: this lock, then the mailbox's.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "imap_int.h"
#include "lib/fdio.h"
#include "lib/xalloc.h"

#define MODSEQ_FILE	"mailboxd-modseq"

struct ms {
	uint64_t	 highest;
	uint32_t	*uid;
	uint64_t	*mod;
	unsigned char	*gone;		/* expunged */
	size_t		 n, cap;
};

static void
ms_free(struct ms *m)
{
	free(m->uid);
	free(m->mod);
	free(m->gone);
	memset(m, 0, sizeof(*m));
}

static void
ms_add(struct ms *m, uint32_t uid, uint64_t mod, int gone)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? xmul(m->cap, 2) : 64;
		m->uid = xreallocarray(m->uid, m->cap, sizeof(*m->uid));
		m->mod = xreallocarray(m->mod, m->cap, sizeof(*m->mod));
		m->gone = xreallocarray(m->gone, m->cap, sizeof(*m->gone));
	}
	m->uid[m->n] = uid;
	m->gone[m->n] = gone != 0;
	m->mod[m->n++] = mod;
}

/* Reads the open file; a missing, broken or other-UIDVALIDITY file is
 * an empty store with HIGHESTMODSEQ 1. */
static void
ms_read(int fd, uint32_t uidvalidity, struct ms *m)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int first = 1, ok = 0;
	int dfd = dup(fd);

	memset(m, 0, sizeof(*m));
	m->highest = 1;
	if (dfd == -1 || (f = fdopen(dfd, "r")) == NULL) {
		if (dfd != -1)
			(void)close(dfd);
		return;
	}
	rewind(f);
	while (getline(&line, &cap, f) != -1) {
		unsigned long long a, b;

		if (first) {
			first = 0;
			if (sscanf(line, "V%llu H%llu", &a, &b) == 2 &&
			    a == uidvalidity && b > 0) {
				m->highest = b;
				ok = 1;
			}
			if (!ok)
				break;
			continue;
		}
		if (sscanf(line, "%llu %llu", &a, &b) == 2 && a > 0 &&
		    a <= UINT32_MAX && (m->n == 0 || a > m->uid[m->n - 1]))
			ms_add(m, (uint32_t)a, b, strchr(line, 'x') != NULL);
	}
	free(line);
	(void)fclose(f);
}

static int
ms_write(int fd, uint32_t uidvalidity, const struct ms *m)
{
	struct buf b;
	size_t i;
	int rc = 0;

	buf_init(&b, 0);
	buf_printf(&b, "V%" PRIu32 " H%" PRIu64 "\n", uidvalidity, m->highest);
	for (i = 0; i < m->n; i++)
		buf_printf(&b, "%" PRIu32 " %" PRIu64 "%s\n", m->uid[i],
		    m->mod[i], m->gone[i] ? " x" : "");
	if (ftruncate(fd, 0) == -1 || pwrite(fd, b.data, b.len, 0) !=
	    (ssize_t)b.len)
		rc = -1;
	buf_free(&b);
	return rc;
}

/* the publication lock imap_modseq_lock holds */
struct imap_mslock {
	int	 fd;
	int	 write;
	char	*path;
};

/* The store's file, flocked; *own is 0 when it is the held publication
 * lock's (then not closed by the caller, see ms_close). */
static int
ms_open(struct imap_session *s, const struct mailbox *mb, const char *name,
    int write, int *own)
{
	struct imap_mslock *l = s->ms_lock;
	struct buf p;
	int same;

	*own = 1;
	if (l == NULL)
		return imap_state_open(s, mb, name, MODSEQ_FILE, write);
	buf_init(&p, 0);
	imap_state_path(s, mb, name, MODSEQ_FILE, &p);
	same = strcmp(p.data, l->path) == 0;
	buf_free(&p);
	if (!same)
		return imap_state_open(s, mb, name, MODSEQ_FILE, write);
	/* a second flock of our own would wait for us forever */
	assert(l->write || !write);
	*own = 0;
	return l->fd;
}

static void
ms_close(int fd, int own)
{
	if (own)
		(void)close(fd);
}

int
imap_modseq_lock(struct imap_session *s, const char *mbpath,
    const char *name, int write)
{
	struct imap_mslock *l;
	struct mailbox t;
	struct buf p;
	int fd;

	imap_modseq_unlock(s);
	memset(&t, 0, sizeof(t));
	t.format = s->loc.format;
	t.path = (char *)mbpath;
	fd = imap_state_open(s, &t, name, MODSEQ_FILE, write);
	if (fd == -1)
		return -1;
	buf_init(&p, 0);
	imap_state_path(s, &t, name, MODSEQ_FILE, &p);
	l = xmalloc(sizeof(*l));
	l->fd = fd;
	l->write = write;
	l->path = xstrdup(p.data);
	buf_free(&p);
	s->ms_lock = l;
	return 0;
}

void
imap_modseq_unlock(struct imap_session *s)
{
	struct imap_mslock *l = s->ms_lock;

	if (l == NULL)
		return;
	(void)close(l->fd);
	free(l->path);
	free(l);
	s->ms_lock = NULL;
}

uint64_t
imap_modseq_highest(struct imap_session *s, const struct mailbox *mb,
    const char *name)
{
	struct ms m;
	uint64_t h;
	int own, fd = ms_open(s, mb, name, 0, &own);

	if (fd == -1)
		return 1;
	ms_read(fd, mb->uidvalidity, &m);
	ms_close(fd, own);
	h = m.highest;
	ms_free(&m);
	return h;
}

void
imap_modseq_free(struct imap_session *s)
{
	free(s->ms_uid);
	free(s->ms_mod);
	free(s->ms_gone);
	s->ms_uid = NULL;
	s->ms_mod = NULL;
	s->ms_gone = NULL;
	s->ms_n = 0;
	s->highestmodseq = 0;
}

void
imap_modseq_load(struct imap_session *s)
{
	struct ms m;
	int own, fd;

	imap_modseq_free(s);
	s->highestmodseq = 1;
	if (s->mb == NULL || (fd = ms_open(s, s->mb, s->mbname, 0,
	    &own)) == -1)
		return;
	ms_read(fd, s->mb->uidvalidity, &m);
	ms_close(fd, own);
	s->highestmodseq = m.highest;
	s->ms_uid = m.uid;
	s->ms_mod = m.mod;
	s->ms_gone = m.gone;
	s->ms_n = m.n;
}

uint64_t
imap_modseq_peek(struct imap_session *s)
{
	struct buf p;
	char head[64];
	unsigned long long uv, h;
	ssize_t n;
	int fd;

	if (s->mb == NULL)
		return 0;
	buf_init(&p, 0);
	imap_state_path(s, s->mb, s->mbname, MODSEQ_FILE, &p);
	fd = open(p.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	buf_free(&p);
	if (fd == -1)
		return 1;	/* no file: every message has modseq 1 */
	n = pread(fd, head, sizeof(head) - 1, 0);
	(void)close(fd);
	head[n > 0 ? n : 0] = '\0';
	/* a file being rewritten reads as changed */
	if (sscanf(head, "V%llu H%llu", &uv, &h) != 2 ||
	    uv != s->mb->uidvalidity)
		return 0;
	return h;
}

uint64_t
imap_modseq_of(const struct imap_session *s, uint32_t uid)
{
	size_t lo = 0, hi = s->ms_n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ms_uid[mid] == uid)
			return s->ms_mod[mid];
		if (s->ms_uid[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 1;
}

static int
by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t
imap_modseq_bump(struct imap_session *s, const struct mailbox *mb,
    const char *name, const uint32_t *uids, size_t n, int expunged)
{
	struct ms m, out;
	uint32_t *v;
	size_t i = 0, j = 0;
	uint64_t h;
	int own, fd;

	if (n == 0 || (fd = ms_open(s, mb, name, 1, &own)) == -1)
		return 0;
	ms_read(fd, mb->uidvalidity, &m);
	h = ++m.highest;
	v = xreallocarray(NULL, n, sizeof(*v));
	memcpy(v, uids, n * sizeof(*v));
	qsort(v, n, sizeof(*v), by_u32);
	/* merge: O(lines + n log n) */
	memset(&out, 0, sizeof(out));
	out.highest = h;
	while (i < m.n || j < n) {
		if (j == n || (i < m.n && m.uid[i] < v[j])) {
			ms_add(&out, m.uid[i], m.mod[i], m.gone[i]);
			i++;
		} else {
			if (out.n == 0 || out.uid[out.n - 1] != v[j])
				ms_add(&out, v[j], h, expunged);
			if (i < m.n && m.uid[i] == v[j])
				i++;
			j++;
		}
	}
	if (ms_write(fd, mb->uidvalidity, &out) == -1)
		h = 0;
	ms_close(fd, own);
	free(v);
	ms_free(&m);
	ms_free(&out);
	if (h != 0 && s->mb == mb) {
		s->highestmodseq = h;
		imap_modseq_load(s);
	}
	return h;
}

void
imap_vanished_since(const struct imap_session *s, uint64_t modseq,
    const struct imap_seqset *uids, struct buf *out)
{
	uint32_t *v = NULL;
	size_t i, n = 0;

	for (i = 0; i < s->ms_n; i++) {
		if (!s->ms_gone[i] || s->ms_mod[i] <= modseq)
			continue;
		if (uids != NULL && !imap_seqset_has(uids, s->ms_uid[i],
		    UINT32_MAX))
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = s->ms_uid[i];
	}
	imap_set_out(out, v, n);
	free(v);
}
