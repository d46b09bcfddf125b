/*
 * base64.h -- decoding RFC 4648 base64 (SASL responses, password
 * hashes), strictly: padding only at the end, nothing else ignored;
 * and encoding (SASL challenges and client responses).
 */
#ifndef LIB_BASE64_H
#define LIB_BASE64_H

#include <stddef.h>
#include "buf.h"

/* The value of one base64 character, -1 for any other. */
int	base64_value(unsigned char c);
/* Appends the bytes s encodes to out; -1 on bad input or out's max. */
int	base64_decode(const char *s, size_t n, struct buf *out);
/* Appends the base64 text of n bytes to out (no line breaks); -1 on
 * out's max. */
int	base64_encode(const void *p, size_t n, struct buf *out);

#endif
