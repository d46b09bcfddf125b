/*
 * imap_savedate.c -- SAVEDATE (RFC 8514): when a message was saved to
 * its mailbox.  mbox and Maildir do not keep it, so, as dovecot keeps
 * it in its index cache, mailboxd keeps a file mailboxd-savedate beside
 * the \Recent file: "V<uidvalidity>" and then "<uid> <time>" lines,
 * appended under an flock.  APPEND, COPY and MOVE write the time they
 * stored a message; a message first asked about gets, as in dovecot,
 * its Maildir file's ctime, or in an mbox the time of asking, and keeps
 * it from then on.  As dovecot 2.3 answers, an mbox message's FETCH
 * SAVEDATE is NIL and SAVEDATESUPPORTED matches no mbox message, while
 * SAVEDBEFORE/SAVEDON/SAVEDSINCE compare the kept time in both.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap_int.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define SAVEDATE_FILE	"mailboxd-savedate"
#define SAVEDATE_MAX	((size_t)64 << 20)	/* bytes read of it */

struct imap_savedate {
	uint32_t	*uid;		/* ascending */
	time_t		*t;
	size_t		 n, cap;
	/* times given out now, not in the file yet */
	uint32_t	*new_uid;
	time_t		*new_t;
	size_t		 nnew;
};

static void
sd_clear(struct imap_savedate *d)
{
	free(d->uid);
	free(d->t);
	free(d->new_uid);
	free(d->new_t);
	memset(d, 0, sizeof(*d));
}

static int
sd_open(struct imap_session *s, const struct mailbox *mb, const char *name,
    int write)
{
	return imap_state_open(s, mb, name, SAVEDATE_FILE, write);
}

/* The file's text; -1 when it belongs to another UIDVALIDITY (or is
 * not one of ours). */
static int
sd_read(int fd, uint32_t uidvalidity, struct buf *out)
{
	char chunk[8192];
	ssize_t r;
	char *end;

	buf_init(out, SAVEDATE_MAX);
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(out, chunk, (size_t)r) == -1)
			break;
	if (out->len == 0)
		return -1;
	if (out->data[0] != 'V' || strtoul(out->data + 1, &end, 10) !=
	    uidvalidity || *end != '\n')
		return -1;
	return 0;
}

static int
u32_find(const uint32_t *v, size_t n, uint32_t x, size_t *at)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < n && v[lo] == x;
}

static void
sd_put(struct imap_savedate *d, uint32_t uid, time_t t)
{
	size_t at;

	if (u32_find(d->uid, d->n, uid, &at))
		return;			/* the first time kept wins */
	if (d->n == d->cap) {
		d->cap = d->cap ? xmul(d->cap, 2) : 64;
		d->uid = xreallocarray(d->uid, d->cap, sizeof(*d->uid));
		d->t = xreallocarray(d->t, d->cap, sizeof(*d->t));
	}
	memmove(d->uid + at + 1, d->uid + at, (d->n - at) * sizeof(*d->uid));
	memmove(d->t + at + 1, d->t + at, (d->n - at) * sizeof(*d->t));
	d->uid[at] = uid;
	d->t[at] = t;
	d->n++;
}

static void
sd_parse(struct imap_savedate *d, const struct buf *b)
{
	const char *p = memchr(b->data, '\n', b->len), *end = b->data + b->len;

	while (p != NULL && ++p < end) {
		unsigned long long u, t;
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		/* a line cut short by a crash is left out */
		if (nl != NULL && sscanf(p, "%llu %llu", &u, &t) == 2 &&
		    u > 0 && u <= UINT32_MAX)
			sd_put(d, (uint32_t)u, (time_t)t);
		p = nl;
	}
}

/* Adds lines for uids/times to the store of mailbox mb. */
static void
sd_append(struct imap_session *s, const struct mailbox *mb,
    const char *name, const uint32_t *uids, const time_t *t, size_t n)
{
	struct buf old, b;
	size_t i;
	int fd;

	if (n == 0 || (fd = sd_open(s, mb, name, 1)) == -1)
		return;
	buf_init(&b, 0);
	if (sd_read(fd, mb->uidvalidity, &old) == -1) {
		/* a new store (or one of an older UIDVALIDITY) */
		if (ftruncate(fd, 0) == -1) {
			buf_free(&old);
			buf_free(&b);
			(void)close(fd);
			return;
		}
		buf_printf(&b, "V%" PRIu32 "\n", mb->uidvalidity);
	}
	buf_free(&old);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%" PRIu32 " %lld\n", uids[i], (long long)t[i]);
	if (lseek(fd, 0, SEEK_END) == -1 || write(fd, b.data, b.len) !=
	    (ssize_t)b.len)
		imap_log(s, LOG_ERR, "imap(%s): %s: cannot write save dates",
		    s->user ? s->user : "", name);
	buf_free(&b);
	(void)close(fd);
}

void
imap_savedate_new(struct imap_session *s, const struct mailbox *mb,
    const char *name, const uint32_t *uids, size_t n)
{
	time_t now = time(NULL), *t;
	size_t i;

	if (n == 0)
		return;
	t = xreallocarray(NULL, n, sizeof(*t));
	for (i = 0; i < n; i++)
		t[i] = now;
	sd_append(s, mb, name, uids, t, n);
	free(t);
}

/* The Maildir file's ctime; 0 when it is gone. */
static time_t
maildir_ctime(const struct mailbox *mb, size_t x)
{
	struct buf p;
	struct stat st;
	time_t t = 0;

	buf_init(&p, 0);
	buf_printf(&p, "%s/%s", mb->path, mb->msgs[x].name);
	if (stat(p.data, &st) == 0)
		t = st.st_ctime;
	buf_free(&p);
	return t;
}

time_t
imap_savedate_get(struct imap_session *s, size_t x, int *supported_out)
{
	struct imap_savedate *d = s->savedate;
	uint32_t uid = s->mb->msgs[x].uid;
	size_t at;
	time_t t;

	*supported_out = s->mb->format == MAILBOX_MAILDIR;
	if (d == NULL) {
		struct buf b;
		int fd;

		d = s->savedate = xcalloc(1, sizeof(*d));
		if ((fd = sd_open(s, s->mb, s->mbname, 0)) != -1) {
			if (sd_read(fd, s->mb->uidvalidity, &b) == 0)
				sd_parse(d, &b);
			buf_free(&b);
			(void)close(fd);
		}
	}
	if (u32_find(d->uid, d->n, uid, &at))
		return d->t[at];
	t = s->mb->format == MAILBOX_MAILDIR ? maildir_ctime(s->mb, x) :
	    time(NULL);
	if (t == 0)
		return 0;
	sd_put(d, uid, t);
	d->new_uid = xreallocarray(d->new_uid, d->nnew + 1,
	    sizeof(*d->new_uid));
	d->new_t = xreallocarray(d->new_t, d->nnew + 1, sizeof(*d->new_t));
	d->new_uid[d->nnew] = uid;
	d->new_t[d->nnew++] = t;
	return t;
}

void
imap_savedate_done(struct imap_session *s)
{
	struct imap_savedate *d = s->savedate;

	if (d == NULL)
		return;
	if (d->nnew > 0 && s->mb != NULL)
		sd_append(s, s->mb, s->mbname, d->new_uid, d->new_t, d->nnew);
	sd_clear(d);
	free(d);
	s->savedate = NULL;
}
