/*
 * wire.c -- the length-prefixed records of wire.h.
 */
#include <string.h>

#include "lib/wire.h"

void
wire_put32(struct buf *b, uint32_t v)
{
	(void)buf_add(b, &v, sizeof(v));
}

void
wire_putstr(struct buf *b, const char *s, size_t max, int nul)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (s == NULL || n > max) {
		wire_put32(b, WIRE_NONE);
		return;
	}
	wire_put32(b, (uint32_t)n);
	(void)buf_add(b, s, n + (nul ? 1 : 0));
}
