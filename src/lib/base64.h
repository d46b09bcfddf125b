/*
 * base64.h -- decoding RFC 4648 base64 (SASL responses, password
 * hashes), strictly: padding only at the end, nothing else ignored.
 */
#ifndef LIB_BASE64_H
#define LIB_BASE64_H

#include <stddef.h>
#include "buf.h"

/* Appends the bytes s encodes to out; -1 on bad input or out's max. */
int	base64_decode(const char *s, size_t n, struct buf *out);

#endif
