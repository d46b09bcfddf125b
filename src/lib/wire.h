/*
 * wire.h -- writing the length-prefixed records that the privileged
 * and unprivileged processes of one program send each other
 * (doc/privsep.md): native byte order, a u32 length before each string
 * or byte run.  The readers are the protocols' own strict decoders.
 */
#ifndef LIB_WIRE_H
#define LIB_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define WIRE_NONE	UINT32_MAX	/* the length of a NULL string */

void	wire_put32(struct buf *, uint32_t);
/* s as its length and bytes (and its NUL when nul), or WIRE_NONE alone
 * for NULL or a string longer than max. */
void	wire_putstr(struct buf *, const char *s, size_t max, int nul);

#endif
