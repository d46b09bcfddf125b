/*
 * imap_url.c -- the IMAP URLs (RFC 5092) CATENATE (RFC 4469) and
 * URL-PARTIAL (RFC 5550) take, as dovecot 2.3 takes them there: no
 * server part (a relative URL only, so always this user's own mail),
 * "/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=o[.l]]" or,
 * against the selected mailbox, ";UID=n[...]".  Parsed into a typed
 * value without I/O; %-escapes decoded; lengths bounded.  The mailbox
 * name it yields is only a name: the caller takes it through the same
 * checks SELECT does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

void
imap_url_free(struct imap_url *u)
{
	if (u == NULL)
		return;
	/* why[] stays: a failed parse's reason may be there */
	free(u->mailbox);
	free(u->section);
	u->mailbox = u->section = NULL;
}

/* %-decodes s[0..n) into a new string; NULL on a bad escape or NUL. */
static char *
decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		int h, l;

		if (s[i] != '%') {
			out[k++] = s[i];
			continue;
		}
		if (i + 2 >= n) {
			free(out);
			return NULL;
		}
		if ((h = imap_hexval(s[i + 1])) < 0 ||
		    (l = imap_hexval(s[i + 2])) < 0 || (h == 0 && l == 0)) {
			free(out);
			return NULL;
		}
		out[k++] = (char)(h << 4 | l);
		i += 2;
	}
	out[k] = '\0';
	return out;
}

/* A decimal number below 2^32; -1 with why set. */
static int
number(const char *s, size_t n, uint32_t *out, const char **why)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0) {
		*why = "Empty value";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			*why = "Value is not a valid IMAP number";
			return -1;
		}
		if ((v = v * 10 + (uint64_t)(s[i] - '0')) > UINT32_MAX) {
			*why = "IMAP number is too high";
			return -1;
		}
	}
	*out = (uint32_t)v;
	return 0;
}

static int
is_scheme_char(char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' ||
	    c == '.');
}

/* One ";NAME=value" path segment; value and its length, or NULL. */
static const char *
param(const char *seg, size_t n, const char *name, size_t *vlen)
{
	size_t k = strlen(name);

	if (n < k || str_ncasecmp(seg, name, k) != 0)
		return NULL;
	*vlen = n - k;
	return seg + k;
}

/* "Unexpected IMAP URL path segment: `seg'" (at most 80 bytes of it,
 * printable) into out->why; -1. */
static int
unexpected(struct imap_url *out, const char *seg, size_t n, const char **why)
{
	size_t i, k = 0, at;

	at = (size_t)snprintf(out->why, sizeof(out->why),
	    "Unexpected IMAP URL path segment: `");
	for (i = 0; i < n && i < 80 && at + k + 3 < sizeof(out->why); i++)
		out->why[at + k++] = (unsigned char)seg[i] < 0x20 ||
		    seg[i] == 0x7f ? '?' : seg[i];
	out->why[at + k] = '\'';
	out->why[at + k + 1] = '\0';
	*why = out->why;
	return -1;
}

static int url_parse(const char *, size_t, struct imap_url *,
	    const char **);

int
imap_url_parse(const char *url, size_t len, struct imap_url *out,
    const char **why)
{
	int r = url_parse(url, len, out, why);

	if (r == -1)
		imap_url_free(out);
	return r;
}

static int
url_parse(const char *url, size_t len, struct imap_url *out,
    const char **why)
{
	const char *p = url, *end = url + len, *seg, *semi, *v;
	size_t i, vlen;
	int relative;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (len > IMAP_URL_MAX) {
		*why = "IMAP URL too long";
		return -1;
	}
	if (memchr(url, '\0', len) != NULL) {
		*why = "Invalid characters in IMAP URL";
		return -1;
	}
	for (i = 0; i < len && is_scheme_char(url[i], i == 0); i++)
		;
	if (i > 0 && i < len && url[i] == ':') {
		if (i != 4 || str_ncasecmp(url, "imap", 4) != 0)
			*why = "Not an IMAP URL";
		else if (len < 7 || url[5] != '/' || url[6] != '/')
			*why = "Absolute IMAP URL requires `//' after `imap:'";
		else
			*why = "Relative URL required";
		return -1;
	}
	if (len >= 2 && p[0] == '/' && p[1] == '/') {
		*why = "Relative URL required";
		return -1;
	}
	if (memchr(url, '?', len) != NULL) {
		*why = "Search query part only valid for messagelist-type "
		    "IMAP URL";
		return -1;
	}
	if (memchr(url, '#', len) != NULL) {
		*why = "Fragment component not allowed in IMAP URL";
		return -1;
	}
	relative = *p != '/';
	if (!relative) {
		/* the mailbox: segments up to one with ';' */
		const char *mb = ++p;

		while (p < end && *p != ';')
			p++;
		semi = p;
		if (p == mb) {
			*why = "Empty mailbox name";
			return -1;
		}
		if ((out->mailbox = decode(mb, (size_t)(semi - mb))) == NULL) {
			*why = "Invalid %-encoding in mailbox name";
			return -1;
		}
		/* ";UIDVALIDITY=n" ends the last mailbox segment */
		if (semi < end && semi[-1] != '/') {
			const char *e = memchr(semi, '/', (size_t)(end -
			    semi));

			if (e == NULL)
				e = end;
			if ((v = param(semi, (size_t)(e - semi),
			    ";UIDVALIDITY=", &vlen)) == NULL) {
				*why = "Encountered stray ';' in mailbox "
				    "reference";
				return -1;
			}
			if (memchr(v, ';', vlen) != NULL) {
				*why = "Encountered stray ';' after "
				    "UIDVALIDITY";
				return -1;
			}
			if (number(v, vlen, &out->uidvalidity, why) == -1)
				return -1;
			if (out->uidvalidity == 0) {
				*why = "UIDVALIDITY cannot be zero";
				return -1;
			}
			p = e;
		} else if (semi < end) {
			/* "/mailbox/;UID=": the slash was the mailbox's
			 * end, not part of its name */
			out->mailbox[strlen(out->mailbox) - 1] = '\0';
			p = semi - 1;
		}
		if (p < end)
			p++;		/* the '/' before ";UID=" */
	}
	/* the rest: ";UID=n" ["/;SECTION=s"] ["/;PARTIAL=o[.l]"] */
	for (i = 0; p < end; i++) {
		const char *e = memchr(p, '/', (size_t)(end - p));
		size_t n;

		seg = p;
		if (e == NULL)
			e = end;
		/* a section may hold '/' of its own: up to ";PARTIAL=" */
		if (i == 1 && param(seg, (size_t)(end - seg), ";SECTION=",
		    &vlen) != NULL) {
			const char *pp = seg + 9;

			e = end;
			while ((pp = memchr(pp, '/', (size_t)(end - pp))) !=
			    NULL) {
				if (param(pp + 1, (size_t)(end - pp - 1),
				    ";PARTIAL=", &vlen) != NULL) {
					e = pp;
					break;
				}
				pp++;
			}
		}
		n = (size_t)(e - seg);
		if (i == 0 && (v = param(seg, n, ";UID=", &vlen)) != NULL) {
			if (number(v, vlen, &out->uid, why) == -1)
				return -1;
			if (out->uid == 0) {
				*why = "UID cannot be zero";
				return -1;
			}
		} else if (i == 1 && out->section == NULL &&
		    (v = param(seg, n, ";SECTION=", &vlen)) != NULL) {
			if (vlen == 0) {
				*why = "Empty SECTION value";
				return -1;
			}
			if ((out->section = decode(v, vlen)) == NULL) {
				*why = "Invalid %-encoding in section";
				return -1;
			}
		} else if (i >= 1 && !out->partial &&
		    (v = param(seg, n, ";PARTIAL=", &vlen)) != NULL) {
			const char *dot = memchr(v, '.', vlen);

			if (vlen == 0) {
				*why = "Empty PARTIAL value";
				return -1;
			}
			if (number(v, dot ? (size_t)(dot - v) : vlen,
			    &out->off, why) == -1)
				return -1;
			out->len = 0;
			if (dot != NULL) {
				size_t k = vlen - (size_t)(dot + 1 - v);

				if (number(dot + 1, k, &out->len, why) == -1)
					return -1;
				if (out->len == 0) {
					*why = "PARTIAL size cannot be zero";
					return -1;
				}
			}
			out->partial = 1;
			i++;		/* nothing but the end after it */
		} else
			return unexpected(out, seg, n, why);
		/* a '/' at the end ends an empty segment, as dovecot
		 * takes it */
		p = e < end ? e + 1 : end;
	}
	if (out->uid == 0) {
		*why = "Invalid messagepart IMAP URL";
		return -1;
	}
	return 0;
}
