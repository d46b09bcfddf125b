/*
 * mailbox_index.c -- mailboxd's own index of a mailbox ("mailboxd-index"
 * in the mailbox's state folder): what a load found (UIDVALIDITY, the
 * next UID, keyword names, per message its UID, flags, keywords, size,
 * mbox offsets and arrival time or Maildir file name) and what the
 * files looked like then (device, inode, size, mtime and ctime), so
 * that loading an unchanged mailbox is a few stat calls and one read.
 *
 * The index is a cache: UIDs and flags live in the mailbox (X-IMAPbase,
 * X-UID, Status ..., dovecot-uidlist, file names).  Deleting it costs
 * one parse.  It is never trusted blindly: a magic, a version, the
 * format, its length and a checksum over everything, and then every
 * value checked (ascending UIDs below UIDNEXT, offsets in order inside
 * the file, keyword bits of known names, safe file names); anything odd
 * and the caller parses the mailbox as if there were no index.  Written
 * to a temporary file renamed over the old one, without fsync: a torn
 * file after a crash fails its checksum.
 *
 * Layout (little-endian): "MBXDIDX\n", u32 version, u32 format, u64 body
 * length, u64 body checksum; the body: u32 stamp count, the stamps (u64
 * dev ino size, i64 mtime s ns, ctime s ns), u64 fingerprint, u32
 * uidvalidity uidnext has_pseudo nkw, u64 base_next_off base_next_len,
 * strings imapbase_kw and guid, nkw keyword names, u32 count, then per
 * message u32 uid flags kw, u64 vsize, and for mbox u64 from hdr body
 * end, i64 received, for Maildir the string name ("new/..." or
 * "cur/...").  A string is a u32 length (0xffffffff: none) and its
 * bytes.
 *
 * Decoding does no I/O (fuzzed: regress/fuzz/mbindex).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "lib/fdio.h"
#include "lib/xalloc.h"

#define IDX_MAGIC	"MBXDIDX\n"
#define IDX_VERSION	1
#define IDX_HEAD	32		/* magic, version, format, len, sum */
#define IDX_NOSTR	0xffffffffu
#define IDX_MAX		((size_t)1 << 30)
/* message records: 3 u32 and a u64, then mbox 5 u64, Maildir a string */
#define IDX_MBOX_MSG	(3 * 4 + 6 * 8)
#define IDX_MAILDIR_MSG	(3 * 4 + 8 + 4)

#define KNOWN_FLAGS	(MSG_SEEN | MSG_ANSWERED | MSG_FLAGGED | \
			    MSG_DELETED | MSG_DRAFT | MSG_OLD)

/* Little-endian loads, whatever the host. */
static inline uint32_t
ld32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t
ld64(const unsigned char *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static inline uint64_t
mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* Not cryptographic: catches torn and damaged files.  Four lanes so
 * that an index of a large mailbox hashes in a fraction of a
 * millisecond. */
uint64_t
mailbox_index_hash(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t a, b, c, d, w;
	size_t i;

	a = seed ^ len ^ 0x9e3779b97f4a7c15ULL;
	b = seed ^ len ^ 0xc2b2ae3d27d4eb4fULL;
	c = seed ^ len ^ 0x165667b19e3779f9ULL;
	d = seed ^ len ^ 0x27d4eb2f165667c5ULL;
	for (; len >= 32; p += 32, len -= 32) {
		a = mix(a, ld64(p));
		b = mix(b, ld64(p + 8));
		c = mix(c, ld64(p + 16));
		d = mix(d, ld64(p + 24));
	}
	for (; len >= 8; p += 8, len -= 8)
		a = mix(a, ld64(p));
	w = 0;
	for (i = 0; i < len; i++)
		w |= (uint64_t)p[i] << (8 * i);
	a = mix(a, w ^ len);
	w = mix(mix(mix(a, b), c), d);
	w ^= w >> 32;
	return w * 0xff51afd7ed558ccdULL;
}

void
mailbox_fstamp_of(const struct stat *st, struct mailbox_fstamp *f)
{
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->size = (uint64_t)st->st_size;
	f->msec = (int64_t)st->st_mtim.tv_sec;
	f->mnsec = (int64_t)st->st_mtim.tv_nsec;
	f->csec = (int64_t)st->st_ctim.tv_sec;
	f->cnsec = (int64_t)st->st_ctim.tv_nsec;
}

int
mailbox_fstamp_eq(const struct mailbox_fstamp *a,
    const struct mailbox_fstamp *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].dev != b[i].dev || a[i].ino != b[i].ino ||
		    a[i].size != b[i].size || a[i].msec != b[i].msec ||
		    a[i].mnsec != b[i].mnsec || a[i].csec != b[i].csec ||
		    a[i].cnsec != b[i].cnsec)
			return 0;
	return 1;
}

/* The kernel stamps files from the coarse clock: a change made in the
 * same tick as the stamp we saw could leave mtime and ctime as they
 * were.  Stamps are safe to record once that tick is over (a whole
 * second on file systems that keep no nanoseconds). */
int
mailbox_fstamp_settled(const struct mailbox_fstamp *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct timespec ts[2];

		ts[0].tv_sec = (time_t)f[i].msec;
		ts[0].tv_nsec = (long)f[i].mnsec;
		ts[1].tv_sec = (time_t)f[i].csec;
		ts[1].tv_nsec = (long)f[i].cnsec;
		if (mailbox_ts_fresh(ts, 2))
			return 0;
	}
	return 1;
}

/* A change we made ourselves a moment ago (Maildir renames) leaves
 * stamps of the current tick: waiting for the tick to pass costs less
 * than a full load in the next session.  Sleeps at most ~20 ms; 0 when
 * the stamps are settled now, -1 when not (whole-second stamps, or the
 * clock will not say). */
int
mailbox_fstamp_wait(const struct mailbox_fstamp *f, size_t n)
{
	struct timespec res, now, d;
	int64_t newest = 0, left;
	size_t i;
	int tries;

	if (clock_getres(CLOCK_REALTIME_COARSE, &res) == -1 ||
	    res.tv_sec != 0)
		return -1;
	for (i = 0; i < n; i++) {
		int64_t m = f[i].msec * 1000000000 + f[i].mnsec;
		int64_t c = f[i].csec * 1000000000 + f[i].cnsec;

		if ((f[i].mnsec == 0 && f[i].msec != 0) ||
		    (f[i].cnsec == 0 && f[i].csec != 0))
			return mailbox_fstamp_settled(f, n) ? 0 : -1;
		newest = m > newest ? m : newest;
		newest = c > newest ? c : newest;
	}
	for (tries = 0; tries < 4; tries++) {
		if (mailbox_fstamp_settled(f, n))
			return 0;
		if (clock_gettime(CLOCK_REALTIME, &now) == -1)
			return -1;
		left = newest + 2 * (int64_t)res.tv_nsec -
		    ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
		if (left > 20000000)
			return -1;
		if (left < 1000000)
			left = 1000000;
		d.tv_sec = 0;
		d.tv_nsec = (long)left;
		(void)nanosleep(&d, NULL);
	}
	return mailbox_fstamp_settled(f, n) ? 0 : -1;
}

/* ---- encoding */

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char c[4];
	int i;

	for (i = 0; i < 4; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	(void)buf_add(b, c, 4);
}

static void
put64(struct buf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static void
putstr(struct buf *b, const char *s)
{
	size_t n;

	if (s == NULL) {
		put32(b, IDX_NOSTR);
		return;
	}
	n = strlen(s);
	put32(b, (uint32_t)n);
	(void)buf_add(b, s, n);
}

int
mailbox_index_encode(const struct mailbox *mb,
    const struct mailbox_fstamp *keys, uint64_t finger, struct buf *out)
{
	uint64_t sum;
	size_t i, start;

	buf_reset(out);
	(void)buf_add(out, IDX_MAGIC, 8);
	put32(out, IDX_VERSION);
	put32(out, (uint32_t)mb->format);
	put64(out, 0);			/* length and checksum, below */
	put64(out, 0);
	start = out->len;
	put32(out, MAILBOX_NSTAMP);
	for (i = 0; i < MAILBOX_NSTAMP; i++) {
		put64(out, keys[i].dev);
		put64(out, keys[i].ino);
		put64(out, keys[i].size);
		put64(out, (uint64_t)keys[i].msec);
		put64(out, (uint64_t)keys[i].mnsec);
		put64(out, (uint64_t)keys[i].csec);
		put64(out, (uint64_t)keys[i].cnsec);
	}
	put64(out, finger);
	put32(out, mb->uidvalidity);
	put32(out, mb->uidnext);
	put32(out, (uint32_t)(mb->has_pseudo != 0));
	put32(out, (uint32_t)mb->nkw);
	put64(out, (uint64_t)mb->base_next_off);
	put64(out, (uint64_t)mb->base_next_len);
	putstr(out, mb->imapbase_kw);
	putstr(out, mb->guid);
	for (i = 0; i < mb->nkw; i++)
		putstr(out, mb->kw[i]);
	put32(out, (uint32_t)mb->n);
	for (i = 0; i < mb->n; i++) {
		const struct mailbox_msg *m = &mb->msgs[i];

		put32(out, m->uid);
		put32(out, m->flags);
		put32(out, m->kw);
		put64(out, m->vsize);
		if (mb->format == MAILBOX_MBOX) {
			put64(out, (uint64_t)m->from_off);
			put64(out, (uint64_t)m->hdr_off);
			put64(out, (uint64_t)m->body_off);
			put64(out, (uint64_t)m->end_off);
			put64(out, (uint64_t)m->received);
		} else if (m->name == NULL)
			return -1;
		else
			putstr(out, m->name);
	}
	if (out->len > IDX_MAX || mb->n > UINT32_MAX)
		return -1;
	sum = mailbox_index_hash(out->data + start, out->len - start, 0);
	{
		struct buf tail;

		buf_init(&tail, 0);
		put64(&tail, (uint64_t)(out->len - start));
		put64(&tail, sum);
		memcpy(out->data + 16, tail.data, 16);
		buf_free(&tail);
	}
	return 0;
}

/* ---- decoding, without I/O */

struct cur {
	const unsigned char	*p;
	size_t			 len, off;
	int			 bad;
};

static uint32_t
get32(struct cur *c)
{
	if (c->bad || c->len - c->off < 4) {
		c->bad = 1;
		return 0;
	}
	c->off += 4;
	return ld32(c->p + c->off - 4);
}

static uint64_t
get64(struct cur *c)
{
	uint64_t lo = get32(c);

	return lo | (uint64_t)get32(c) << 32;
}

/* A string without NUL bytes (NULL for none); *ok_out 0 when broken. */
static char *
getstr(struct cur *c, int *ok_out)
{
	uint32_t n = get32(c);
	char *s;

	*ok_out = 0;
	if (c->bad)
		return NULL;
	if (n == IDX_NOSTR) {
		*ok_out = 1;
		return NULL;
	}
	if (c->len - c->off < n || memchr(c->p + c->off, '\0', n) != NULL) {
		c->bad = 1;
		return NULL;
	}
	s = xstrndup((const char *)c->p + c->off, n);
	c->off += n;
	*ok_out = 1;
	return s;
}

/* A Maildir name at the cursor: "new/<base>" or "cur/<base>", the base
 * without '/', NUL or a leading '.'; NULL when not. */
static char *
getname(struct cur *c)
{
	uint32_t n = get32(c);
	const unsigned char *p = c->p + c->off;
	char *s;

	if (c->bad || n < 5 || c->len - c->off < n ||
	    (memcmp(p, "new/", 4) != 0 && memcmp(p, "cur/", 4) != 0) ||
	    p[4] == '.' || memchr(p + 4, '/', n - 4) != NULL ||
	    memchr(p + 4, '\0', n - 4) != NULL) {
		c->bad = 1;
		return NULL;
	}
	s = xstrndup((const char *)p, n);
	c->off += n;
	return s;
}

void
mailbox_index_parts_free(struct mailbox *mb)
{
	size_t i;

	mailbox_msgs_clear(mb);
	free(mb->msgs);
	mb->msgs = NULL;
	mb->cap = 0;
	free(mb->imapbase_kw);
	mb->imapbase_kw = NULL;
	free(mb->guid);
	mb->guid = NULL;
	for (i = 0; i < mb->nkw; i++)
		free(mb->kw[i]);
	mb->nkw = 0;
}

/* One mbox record after the common part at r: offsets in order inside
 * the file, after the previous message. */
static int
decode_mbox_msg(const unsigned char *r, struct mailbox_msg *m,
    uint64_t *prev_end, uint64_t fsize)
{
	uint64_t from = ld64(r), hdr = ld64(r + 8), body = ld64(r + 16);
	uint64_t end = ld64(r + 24);

	if (from < *prev_end || hdr <= from || body < hdr || end < body ||
	    end > fsize)
		return -1;
	*prev_end = end;
	m->from_off = (off_t)from;
	m->hdr_off = (off_t)hdr;
	m->body_off = (off_t)body;
	m->end_off = (off_t)end;
	m->received = (time_t)(int64_t)ld64(r + 32);
	return 0;
}

static int
decode_msgs(struct cur *c, struct mailbox *mb, uint64_t fsize)
{
	size_t fixed = mb->format == MAILBOX_MBOX ? IDX_MBOX_MSG :
	    IDX_MAILDIR_MSG;
	uint32_t n = get32(c), i, kwmask;
	uint64_t prev_end = 0;

	kwmask = mb->nkw >= 32 ? UINT32_MAX : ((uint32_t)1 << mb->nkw) - 1;
	if (c->bad || n > (c->len - c->off) / fixed)
		return -1;
	mb->cap = n ? n : 1;
	mb->msgs = xreallocarray(NULL, mb->cap, sizeof(*mb->msgs));
	for (i = 0; i < n; i++) {
		struct mailbox_msg *m = mailbox_msg_add(mb);
		const unsigned char *r = c->p + c->off;

		if (c->len - c->off < fixed)
			return -1;
		m->uid = ld32(r);
		m->flags = ld32(r + 4);
		m->kw = ld32(r + 8);
		m->vsize = ld64(r + 12);
		if (m->uid == 0 || m->uid >= mb->uidnext ||
		    (i > 0 && m->uid <= mb->msgs[i - 1].uid) ||
		    (m->flags & ~KNOWN_FLAGS) != 0 || (m->kw & ~kwmask) != 0 ||
		    m->vsize > (uint64_t)INT64_MAX)
			return -1;
		if (mb->format == MAILBOX_MBOX) {
			c->off += fixed;
			if (decode_mbox_msg(r + 20, m, &prev_end, fsize) == -1)
				return -1;
		} else {
			c->off += fixed - 4;
			if ((m->name = getname(c)) == NULL)
				return -1;
			m->in_new = m->name[0] == 'n';
		}
		mb->total_vsize += m->vsize;
	}
	return 0;
}

int
mailbox_index_decode(const char *data, size_t len, enum mailbox_format fmt,
    struct mailbox *mb, struct mailbox_fstamp *keys, uint64_t *finger_out,
    struct err *err)
{
	struct cur c = { (const unsigned char *)data, len, 8, 0 };
	uint64_t blen, sum, base_off, base_len;
	uint32_t i, nkw;
	int ok;

	mb->format = fmt;
	if (len < IDX_HEAD || memcmp(data, IDX_MAGIC, 8) != 0)
		return err_set(err, ERR_DATAERR, "index: no magic");
	if (get32(&c) != IDX_VERSION || get32(&c) != (uint32_t)fmt)
		return err_set(err, ERR_DATAERR, "index: other version or "
		    "format");
	blen = get64(&c);
	sum = get64(&c);
	if (blen != len - IDX_HEAD ||
	    mailbox_index_hash(data + IDX_HEAD, len - IDX_HEAD, 0) != sum)
		return err_set(err, ERR_DATAERR, "index: bad checksum");
	if (get32(&c) != MAILBOX_NSTAMP)
		return err_set(err, ERR_DATAERR, "index: bad stamps");
	for (i = 0; i < MAILBOX_NSTAMP; i++) {
		keys[i].dev = get64(&c);
		keys[i].ino = get64(&c);
		keys[i].size = get64(&c);
		keys[i].msec = (int64_t)get64(&c);
		keys[i].mnsec = (int64_t)get64(&c);
		keys[i].csec = (int64_t)get64(&c);
		keys[i].cnsec = (int64_t)get64(&c);
	}
	*finger_out = get64(&c);
	mb->uidvalidity = get32(&c);
	mb->uidnext = get32(&c);
	mb->has_pseudo = (int)get32(&c);
	nkw = get32(&c);
	base_off = get64(&c);
	base_len = get64(&c);
	if (c.bad || mb->uidvalidity == 0 || mb->uidnext == 0 ||
	    mb->has_pseudo < 0 || mb->has_pseudo > 1 ||
	    nkw > MAILBOX_KW_MAX || keys[0].size > (uint64_t)INT64_MAX ||
	    base_len > 10 || base_off > keys[0].size ||
	    base_len > keys[0].size - base_off ||
	    (fmt == MAILBOX_MAILDIR && (base_off | base_len)))
		return err_set(err, ERR_DATAERR, "index: bad header values");
	mb->base_next_off = (off_t)base_off;
	mb->base_next_len = (size_t)base_len;
	mb->imapbase_kw = getstr(&c, &ok);
	if (ok)
		mb->guid = getstr(&c, &ok);
	for (i = 0; ok && i < nkw; i++) {
		mb->kw[i] = getstr(&c, &ok);
		if (mb->kw[i] == NULL)
			ok = 0;
		else
			mb->nkw++;
	}
	if (!ok || decode_msgs(&c, mb, keys[0].size) == -1 || c.bad ||
	    c.off != len) {
		mailbox_index_parts_free(mb);
		return err_set(err, ERR_DATAERR, "index: bad message records");
	}
	return 0;
}

/* ---- the file */

/* Mapped, not read: in a session's fresh process, copying a large
 * index into new heap pages costs more than the decode. */
int
mailbox_index_read(const char *path, enum mailbox_format fmt,
    struct mailbox *out, struct mailbox_fstamp *keys, uint64_t *finger_out)
{
	struct stat st;
	struct err err;
	void *p;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < IDX_HEAD || (uint64_t)st.st_size > IDX_MAX) {
		(void)close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	(void)close(fd);
	if (p == MAP_FAILED)
		return -1;
	rc = mailbox_index_decode(p, (size_t)st.st_size, fmt, out, keys,
	    finger_out, &err);
	(void)munmap(p, (size_t)st.st_size);
	return rc;
}

void
mailbox_index_write(const char *path, const struct mailbox *mb,
    const struct mailbox_fstamp *keys, uint64_t finger)
{
	struct buf b, tmp;
	int fd;

	buf_init(&b, 0);
	if (mailbox_index_encode(mb, keys, finger, &b) == -1) {
		buf_free(&b);
		return;
	}
	buf_init(&tmp, 0);
	buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	/* a cache: no fsync, a torn file fails its checksum */
	if (fd == -1 || fdio_write_all(fd, b.data, b.len) == -1 ||
	    close(fd) == -1 || rename(tmp.data, path) == -1)
		(void)unlink(tmp.data);
	buf_free(&tmp);
	buf_free(&b);
}

/* Moves what a decode filled in from into mb (whose own are freed). */
void
mailbox_index_adopt(struct mailbox *mb, struct mailbox *from)
{
	size_t i;

	mailbox_index_parts_free(mb);
	mb->msgs = from->msgs;
	mb->n = from->n;
	mb->cap = from->cap;
	mb->total_vsize = from->total_vsize;
	mb->uidvalidity = from->uidvalidity;
	mb->uidnext = from->uidnext;
	mb->has_pseudo = from->has_pseudo;
	mb->base_next_off = from->base_next_off;
	mb->base_next_len = from->base_next_len;
	mb->imapbase_kw = from->imapbase_kw;
	mb->guid = from->guid;
	for (i = 0; i < from->nkw; i++)
		mb->kw[i] = from->kw[i];
	mb->nkw = from->nkw;
	memset(from, 0, sizeof(*from));
}

int
mailbox_ts_fresh(const struct timespec *ts, size_t n)
{
	struct timespec now;
	size_t i;

	if (clock_gettime(CLOCK_REALTIME_COARSE, &now) == -1)
		return 1;
	for (i = 0; i < n; i++) {
		/* whole seconds only: the rest of that second */
		if (ts[i].tv_nsec == 0 && now.tv_sec <= ts[i].tv_sec)
			return 1;
		if (now.tv_sec < ts[i].tv_sec || (now.tv_sec ==
		    ts[i].tv_sec && now.tv_nsec <= ts[i].tv_nsec))
			return 1;
	}
	return 0;
}

/* ---- where the index lives */

int
mailbox_state_path(const struct mail_location *loc, const char *mbpath,
    const char *name, char sep, const char *file, struct buf *p)
{
	const char *c;

	buf_reset(p);
	if (loc->format == MAILBOX_MAILDIR)
		buf_printf(p, "%s", mbpath);
	else {
		buf_printf(p, "%s/.imap", loc->index ? loc->index :
		    loc->root);
		(void)mkdir(p->data, 0700);
		(void)buf_addc(p, '/');
		for (c = name; *c; c++) {
			if (*c == sep) {
				(void)mkdir(p->data, 0700);
				(void)buf_addc(p, '/');
			} else
				(void)buf_addc(p, *c);
		}
		(void)mkdir(p->data, 0700);
	}
	return buf_printf(p, "/%s", file);
}
