/*
 * str.c -- small string helpers.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

int
str_casecmp(const char *a, const char *b)
{
	int ca, cb;

	do {
		ca = tolower((unsigned char)*a++);
		cb = tolower((unsigned char)*b++);
	} while (ca == cb && ca != '\0');
	return ca - cb;
}

int
str_ncasecmp(const char *a, const char *b, size_t n)
{
	int ca = 0, cb = 0;

	while (n-- > 0) {
		ca = tolower((unsigned char)*a++);
		cb = tolower((unsigned char)*b++);
		if (ca != cb || ca == '\0')
			break;
	}
	return ca - cb;
}

int
str_has_prefix_nocase(const char *s, const char *prefix)
{
	return str_ncasecmp(s, prefix, strlen(prefix)) == 0;
}

void
str_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

int
str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size == 0)
		return -1;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

const char *
str_shorten(const char *s, size_t max, char *out, size_t outsize)
{
	size_t len = strlen(s), half = max > 3 ? (max - 3) / 2 : 0;

	if (len < max || outsize < 2 * half + 4)
		return s;
	memcpy(out, s, half);
	memcpy(out + half, "...", 3);
	memcpy(out + half + 3, s + len - half, half);
	out[2 * half + 3] = '\0';
	return out;
}

const char *
str_skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

void
str_rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
}

void
str_split(const char *s, const char *sep, struct strarr *out)
{
	size_t n;

	for (;;) {
		s += strspn(s, sep);
		if (*s == '\0')
			break;
		n = strcspn(s, sep);
		strarr_pushn(out, s, n);
		s += n;
	}
}

int
str_to_long(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}
