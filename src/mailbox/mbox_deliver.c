/*
 * mbox_deliver.c -- the stored form of a delivered message and its
 * append to an mbox (see mbox_deliver.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mailbox/mbox_deliver.h"

#define CLEN_NAME	"Content-Length:"
#define CLEN_NAMELEN	(sizeof(CLEN_NAME) - 1)

static int
add_from_line(struct buf *out, const char *from, time_t when)
{
	char date[64];
	struct tm tm;
	size_t start = out->len, i;

	if (localtime_r(&when, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		(void)snprintf(date, sizeof(date), "%lld", (long long)when);
	if (buf_printf(out, "From %s %s\n", from, date) == -1)
		return -1;
	/* the sender must not end the line early */
	for (i = start + 5; i < out->len - 1; i++)
		if (out->data[i] == '\n' || out->data[i] == '\r')
			out->data[i] = ' ';
	return 0;
}

/* Puts "Content-Length: n\n" at offset at, moving what follows. */
static int
insert_clen(struct buf *out, size_t at, size_t n)
{
	char line[64];
	int k = snprintf(line, sizeof(line), "%s %zu\n", CLEN_NAME, n);
	size_t tail = out->len - at;

	if (buf_add(out, line, (size_t)k) == -1)
		return -1;
	memmove(out->data + at + (size_t)k, out->data + at, tail);
	memcpy(out->data + at, line, (size_t)k);
	return 0;
}

int
mbox_format_message(struct buf *out, const char *from, time_t when,
    const char *msg, size_t len, unsigned flags)
{
	size_t start = out->len, pos = 0, hdr_end = 0, body = 0;
	int in_hdr = 1, rc = 0;

	if (add_from_line(out, from, when) == -1)
		return -1;
	if (len == 0)
		rc |= buf_addc(out, '\n');
	while (pos < len && rc == 0) {
		const char *nl = memchr(msg + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - msg) : len, n = end - pos;

		if (nl != NULL && n > 0 && msg[end - 1] == '\r')
			n--;
		if (in_hdr && n == 0) {
			in_hdr = 0;
			hdr_end = out->len;
			rc |= buf_addc(out, '\n');
			body = out->len;
		} else if (in_hdr && n >= CLEN_NAMELEN &&
		    strncasecmp(msg + pos, CLEN_NAME, CLEN_NAMELEN) == 0) {
			/* ours replaces it */
		} else {
			if (n >= 5 && memcmp(msg + pos, "From ", 5) == 0)
				rc |= buf_addc(out, '>');
			rc |= buf_add(out, msg + pos, n);
			rc |= buf_addc(out, '\n');
		}
		pos = nl ? end + 1 : len;
	}
	if (rc == 0 && in_hdr)
		hdr_end = body = out->len;
	if (rc == 0 && !(flags & MBOX_FMT_NO_CLEN))
		rc |= insert_clen(out, hdr_end, out->len - body);
	if (rc == 0)
		rc |= buf_addc(out, '\n');
	if (rc != 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int
mbox_append_fd(int fd, const char *img, size_t len, int sync,
    off_t *off_out)
{
	struct stat st;
	size_t done = 0;
	off_t old;
	int e, rc;

	if (fstat(fd, &st) == -1)
		return MBOX_APPEND_EWRITE;
	old = st.st_size;
	if (lseek(fd, 0, SEEK_END) == (off_t)-1)
		return MBOX_APPEND_EWRITE;
	if (off_out != NULL)
		*off_out = old;
	while (done < len) {
		ssize_t w = write(fd, img + done, len - done);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w == 0 ? ENOSPC : errno;
			rc = ftruncate(fd, old) == -1 ? MBOX_APPEND_EPARTIAL :
			    MBOX_APPEND_EWRITE;
			errno = e;
			return rc;
		}
		done += (size_t)w;
	}
	if (sync && fsync(fd) == -1) {
		e = errno;
		rc = ftruncate(fd, old) == -1 ? MBOX_APPEND_EPARTIAL :
		    MBOX_APPEND_EFSYNC;
		errno = e;
		return rc;
	}
	return 0;
}
