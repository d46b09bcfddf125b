/*
 * stats.c -- the statistics file: sendmail 8.17's struct statistics at
 * its LP64 offsets (int magic, int version, time_t start, short size,
 * then longs: connections from/to/rejected and seven arrays of 25 per
 * mailer), this process's pending counts, and their merge into the file
 * (open without creating, flock LOCK_EX, read, add, write back at 0), as
 * sendmail's poststats does.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

/* byte offsets inside the file */
#define OFF_MAGIC	0
#define OFF_VERSION	4
#define OFF_ITIME	8
#define OFF_SIZE	16
#define OFF_CF		24
#define OFF_CT		32
#define OFF_CR		40
#define OFF_ARRAYS	48
#define ARRAY_BYTES	(STATS_MAILERS * 8)

static struct stats pending;
static int have_pending;

static int32_t
get32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));	/* the host's order, as sendmail */
	return v;
}

static int64_t
get64(const unsigned char *p)
{
	int64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void
put32(unsigned char *p, int32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void
put64(unsigned char *p, int64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The seven per-mailer arrays in file order. */
static int64_t *
array_n(struct stats *s, int i)
{
	int64_t *a[7] = { s->nf, s->bf, s->nt, s->bt, s->nr, s->nd, s->nq };

	return a[i];
}

enum stats_decode
stats_decode(const unsigned char *p, size_t len, struct stats *out,
    int *version_out)
{
	int16_t size;
	int i, k;

	memset(out, 0, sizeof(*out));
	*version_out = 0;
	if (len == 0)
		return STATS_EMPTY;
	if (len < OFF_VERSION || get32(p + OFF_MAGIC) != STATS_MAGIC)
		return STATS_BADMAGIC;
	*version_out = len >= OFF_ITIME ? get32(p + OFF_VERSION) : -1;
	if (*version_out != STATS_VERSION)
		return STATS_BADVERSION;
	if (len != STATS_SIZE)
		return STATS_BADSIZE;
	memcpy(&size, p + OFF_SIZE, sizeof(size));
	if (size != STATS_SIZE)
		return STATS_BADSIZE;
	out->itime = get64(p + OFF_ITIME);
	out->cf = get64(p + OFF_CF);
	out->ct = get64(p + OFF_CT);
	out->cr = get64(p + OFF_CR);
	for (i = 0; i < 7; i++)
		for (k = 0; k < STATS_MAILERS; k++)
			array_n(out, i)[k] = get64(p + OFF_ARRAYS +
			    i * ARRAY_BYTES + k * 8);
	return STATS_OK;
}

void
stats_encode(const struct stats *s, unsigned char *out)
{
	struct stats c = *s;
	int16_t size = STATS_SIZE;
	int i, k;

	memset(out, 0, STATS_SIZE);
	put32(out + OFF_MAGIC, STATS_MAGIC);
	put32(out + OFF_VERSION, STATS_VERSION);
	put64(out + OFF_ITIME, c.itime);
	memcpy(out + OFF_SIZE, &size, sizeof(size));
	put64(out + OFF_CF, c.cf);
	put64(out + OFF_CT, c.ct);
	put64(out + OFF_CR, c.cr);
	for (i = 0; i < 7; i++)
		for (k = 0; k < STATS_MAILERS; k++)
			put64(out + OFF_ARRAYS + i * ARRAY_BYTES + k * 8,
			    array_n(&c, i)[k]);
}

int64_t
stats_kbytes(uint64_t bytes)
{
	return (int64_t)((bytes + 999) / 1000);
}

static int
mailer_ok(int mno)
{
	return mno >= 0 && mno < STATS_MAILERS;
}

void
stats_mark_from(int mno, uint64_t msgsize)
{
	if (mailer_ok(mno)) {
		pending.nf[mno]++;
		pending.bf[mno] += stats_kbytes(msgsize);
	}
	have_pending = 1;
}

void
stats_mark_to(int mno, uint64_t msgsize)
{
	if (mailer_ok(mno)) {
		pending.nt[mno]++;
		pending.bt[mno] += stats_kbytes(msgsize);
	}
	have_pending = 1;
}

void
stats_mark_reject(int mno, int discard)
{
	if (mailer_ok(mno)) {
		if (discard)
			pending.nd[mno]++;
		else
			pending.nr[mno]++;
	}
	pending.cr++;
	have_pending = 1;
}

void
stats_mark_quarantine(int mno)
{
	if (mailer_ok(mno))
		pending.nq[mno]++;
	have_pending = 1;
}

void
stats_mark_connect(int outbound)
{
	if (outbound)
		pending.ct++;
	else
		pending.cf++;
	have_pending = 1;
}

int
stats_pending(void)
{
	return have_pending;
}

static void
add(struct stats *into, const struct stats *d)
{
	int i, k;

	into->cf += d->cf;
	into->ct += d->ct;
	into->cr += d->cr;
	for (i = 0; i < 7; i++)
		for (k = 0; k < STATS_MAILERS; k++)
			array_n(into, i)[k] += array_n((struct stats *)d, i)[k];
}

/* Reads up to STATS_SIZE bytes from offset 0; the count, or -1. */
static ssize_t
read_all(int fd, unsigned char *buf)
{
	size_t got = 0;
	ssize_t n;

	while (got < STATS_SIZE) {
		n = pread(fd, buf + got, STATS_SIZE - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
stats_take_pending(unsigned char out[STATS_SIZE])
{
	if (!have_pending)
		return 0;
	stats_encode(&pending, out);
	memset(&pending, 0, sizeof(pending));
	have_pending = 0;
	return 1;
}

int
stats_add_pending(const unsigned char *p, size_t n)
{
	struct stats d;
	int version;

	if (stats_decode(p, n, &d, &version) != STATS_OK)
		return -1;
	add(&pending, &d);
	have_pending = 1;
	return 0;
}

int
stats_post(const char *path, struct err *err)
{
	unsigned char buf[STATS_SIZE];
	struct stats file;
	struct stat st;
	ssize_t n;
	int fd, version, rc = 0;

	if (path == NULL || *path == '\0' || !have_pending)
		return 0;
	fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			goto clear;	/* sendmail's rule: no file, no stats */
		rc = err_set(err, ERR_OSFILE, "poststats: %s: %s", path,
		    strerror(errno));
		goto clear;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		rc = err_set(err, ERR_OSFILE, "poststats: %s: not a regular "
		    "file with one link", path);
		goto out;
	}
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			rc = err_set(err, ERR_TEMPFAIL, "poststats: %s: %s",
			    path, strerror(errno));
			goto out;
		}
	n = read_all(fd, buf);
	if (n == STATS_SIZE &&
	    stats_decode(buf, (size_t)n, &file, &version) == STATS_OK) {
		add(&file, &pending);
	} else {
		file = pending;		/* unknown content: start over */
		file.itime = (int64_t)time(NULL);
	}
	stats_encode(&file, buf);
	if (pwrite(fd, buf, STATS_SIZE, 0) != STATS_SIZE)
		rc = err_set(err, ERR_IOERR, "poststats: %s: write: %s", path,
		    strerror(errno));
out:
	if (close(fd) == -1 && rc == 0)
		rc = err_set(err, ERR_IOERR, "poststats: %s: close: %s", path,
		    strerror(errno));
clear:
	memset(&pending, 0, sizeof(pending));
	have_pending = 0;
	return rc;
}
