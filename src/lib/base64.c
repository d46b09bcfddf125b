/*
 * base64.c -- strict base64 decoding into a bounded buffer.
 */
#include "base64.h"

static int
b64val(unsigned char c)
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
			} else if (pad || (v[k] = b64val((unsigned char)
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
