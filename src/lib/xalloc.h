/*
 * xalloc.h -- allocation that cannot fail (it ends the process with a
 * message on exhaustion) and overflow-checked size arithmetic.
 */
#ifndef LIB_XALLOC_H
#define LIB_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* a + b, or fatal on overflow */
size_t	 xadd(size_t, size_t);
size_t	 xmul(size_t, size_t);
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
