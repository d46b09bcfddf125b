/*
 * buf.h -- growable byte buffers with a hard maximum.  Everything a peer
 * or a file controls is held in a struct buf; appends past `max` fail
 * instead of growing, so every length is bounded.  data is always
 * NUL-terminated after len (the NUL is not counted).
 */
#ifndef LIB_BUF_H
#define LIB_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* 0: SIZE_MAX/2 */
};

void	buf_init(struct buf *, size_t max);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
/* 0 on success, -1 (buffer unchanged) when len would pass max. */
int	buf_add(struct buf *, const void *, size_t);
int	buf_adds(struct buf *, const char *);
int	buf_addc(struct buf *, int);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
int	buf_set(struct buf *, const char *);
void	buf_truncate(struct buf *, size_t);
/* The contents as a C string; never NULL. */
const char *buf_cstr(struct buf *);
/* Hands the contents to the caller (free()) and resets the buffer. */
char	*buf_steal(struct buf *);

#endif
