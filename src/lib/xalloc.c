/*
 * xalloc.c -- allocation that ends the process on exhaustion, and
 * overflow-checked size arithmetic.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)fputs("sendmail: fatal: ", stderr);
	(void)vfprintf(stderr, fmt, ap);
	(void)fputc('\n', stderr);
	va_end(ap);
	exit(71);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t sz)
{
	void *p = realloc(old, xmul(n ? n : 1, sz ? sz : 1));

	if (p == NULL)
		fatal("out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(xadd(n, 1));

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t
xadd(size_t a, size_t b)
{
	if (a > SIZE_MAX - b)
		fatal("size overflow");
	return a + b;
}

size_t
xmul(size_t a, size_t b)
{
	if (b != 0 && a > SIZE_MAX / b)
		fatal("size overflow");
	return a * b;
}
