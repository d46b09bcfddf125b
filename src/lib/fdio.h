/*
 * fdio.h -- buffered reading of lines from a file descriptor with a
 * caller-chosen limit, complete writes, and closing what a child
 * must not inherit.
 */
#ifndef LIB_FDIO_H
#define LIB_FDIO_H

#include <stddef.h>
#include <sys/types.h>
#include "buf.h"

enum line_result {
	LINE_OK,		/* line in buf, without its LF (CR kept) */
	LINE_EOF,		/* no more data; buf empty */
	LINE_PARTIAL,		/* EOF after bytes without a LF; buf holds them */
	LINE_TOO_LONG,		/* longer than the limit; rest of line skipped */
	LINE_ERROR		/* read error, errno set */
};

struct fdin {
	int	 fd;
	char	*rbuf;
	size_t	 rlen, roff, rcap;
};

void	fdin_init(struct fdin *, int fd);
void	fdin_free(struct fdin *);
/* Reads one line of at most `limit` bytes (excluding the LF) into line. */
enum line_result fdio_getline(struct fdin *, struct buf *line, size_t limit);
/* Writes all of it, retrying on EINTR and short writes; -1 on error. */
int	fdio_write_all(int fd, const void *, size_t);
/* Closes every descriptor from `lowfd` up (before an exec). */
void	fdio_close_from(int lowfd);

#endif
