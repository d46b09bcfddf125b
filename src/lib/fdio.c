/*
 * fdio.c -- bounded line reading from a descriptor, full writes, and
 * closing descriptors before an exec.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "xalloc.h"

#define FDIN_CHUNK	16384

void
fdin_init(struct fdin *in, int fd)
{
	in->fd = fd;
	in->rbuf = NULL;
	in->rlen = in->roff = in->rcap = 0;
}

void
fdin_free(struct fdin *in)
{
	if (in == NULL)
		return;
	free(in->rbuf);
	in->rbuf = NULL;
}

/* Refills the read buffer; 1 data, 0 EOF, -1 error. */
static int
fdin_fill(struct fdin *in)
{
	ssize_t n;

	if (in->rbuf == NULL) {
		in->rcap = FDIN_CHUNK;
		in->rbuf = xmalloc(in->rcap);
	}
	in->roff = in->rlen = 0;
	do
		n = read(in->fd, in->rbuf, in->rcap);
	while (n == -1 && errno == EINTR);
	if (n < 0)
		return -1;
	in->rlen = (size_t)n;
	return n > 0;
}

enum line_result
fdio_getline(struct fdin *in, struct buf *line, size_t limit)
{
	int toolong = 0, r;
	char *nl;
	size_t n;

	buf_reset(line);
	for (;;) {
		if (in->roff >= in->rlen) {
			r = fdin_fill(in);
			if (r < 0)
				return LINE_ERROR;
			if (r == 0) {
				if (toolong)
					return LINE_TOO_LONG;
				return line->len ? LINE_PARTIAL : LINE_EOF;
			}
		}
		nl = memchr(in->rbuf + in->roff, '\n', in->rlen - in->roff);
		n = nl ? (size_t)(nl - (in->rbuf + in->roff))
		    : in->rlen - in->roff;
		if (!toolong) {
			if (line->len + n > limit ||
			    buf_add(line, in->rbuf + in->roff, n) == -1) {
				toolong = 1;
				buf_reset(line);
			}
		}
		in->roff += n;
		if (nl != NULL) {
			in->roff++;
			return toolong ? LINE_TOO_LONG : LINE_OK;
		}
	}
}

int
fdio_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

void
fdio_close_from(int lowfd)
{
	long max;
	int fd;

	/* one system call instead of one per possible descriptor */
	if (close_range((unsigned)lowfd, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = lowfd; fd < (int)max; fd++)
		(void)close(fd);
}
