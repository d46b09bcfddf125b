/*
 * base64.c -- strict base64 decoding into a bounded buffer, and encoding.
 */
#include "base64.h"

int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
base64_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int v[4], k, pad = 0;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		for (k = 0; k < 4; k++) {
			/* "=" only in the last group, as its last one or two */
			if (s[i + k] == '=' && i + 4 == n && k >= 2 &&
			    (k == 3 || s[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = base64_value((unsigned char)
			    s[i + k])) < 0)
				return -1;
		}
		if (buf_addc(out, v[0] << 2 | v[1] >> 4) == -1 ||
		    (pad < 2 && buf_addc(out, (v[1] << 4 | v[2] >> 2) & 0xff)
		    == -1) ||
		    (pad < 1 && buf_addc(out, (v[2] << 6 | v[3]) & 0xff) == -1))
			return -1;
	}
	return 0;
}

int
base64_encode(const void *p, size_t n, struct buf *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *b = p;
	char q[4];
	size_t i;
	unsigned v;

	for (i = 0; i < n; i += 3) {
		v = (unsigned)b[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)b[i + 1] << 8;
		if (i + 2 < n)
			v |= b[i + 2];
		q[0] = abc[v >> 18 & 63];
		q[1] = abc[v >> 12 & 63];
		q[2] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? abc[v & 63] : '=';
		if (buf_add(out, q, 4) == -1)
			return -1;
	}
	return 0;
}
