/*
 * map_line.c -- makemap's input format as a parser without I/O: cutting
 * a stream into the pieces sendmail's makemap reads (fgets into 1024
 * bytes) and turning one piece into a key/value entry, a skipped line
 * or a typed error.  Owns nothing but the key buffer the caller lends.
 *
 * As sendmail 8.17 (checked against it): a line starting with the
 * comment character or empty is skipped; without -t a line starting
 * with white space is a syntax error; the key ends at the first white
 * space (or the -t character); without -t the white space after it is
 * skipped, with -t only the separator itself; the value is the rest,
 * trailing spaces and CRs kept.  A piece without its newline (longer
 * than 1023 bytes, or holding a NUL) is "too long" unless it is the
 * last of the input.  Keys are folded in ASCII only.
 */
#include <string.h>

#include "map.h"

#define ISSPACE(c)	((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))

int
map_line_split(const char *data, size_t len, int at_eof, size_t piece,
    size_t *piece_out, int *nl_out)
{
	const char *nl;
	size_t n;

	if (piece == 0)
		piece = MAP_LINE_PIECE;
	n = len < piece ? len : piece;
	nl = memchr(data, '\n', n);
	if (nl != NULL) {
		*piece_out = (size_t)(nl - data) + 1;
		*nl_out = 1;
		return 1;
	}
	if (n == piece || (at_eof && len > 0)) {
		*piece_out = n;
		*nl_out = 0;
		return 1;
	}
	return 0;
}

enum map_line_kind
map_line_parse(const char *line, size_t len, int last,
    const struct map_line_opts *o, struct map_line *out)
{
	size_t piece = o->piece ? o->piece : MAP_LINE_PIECE;
	const char *end, *p, *k;
	size_t n;

	out->val = NULL;
	out->vallen = 0;
	buf_reset(&out->key);
	/* the line as a C string: up to a NUL or the newline */
	n = strnlen(line, len);
	if (n == len && (len == 0 || line[len - 1] != '\n')) {
		/* no newline seen: fgets filled its buffer, or a NUL hid it */
		if (!last || len >= piece)
			return out->kind = MAP_LINE_TOO_LONG;
	} else if (n < len && line[n] != '\n') {
		if (!last)
			return out->kind = MAP_LINE_TOO_LONG;
	}
	end = line + n;
	if (n > 0 && end[-1] == '\n')
		end--;
	if (line == end || (unsigned char)line[0] == (unsigned char)o->comment)
		return out->kind = MAP_LINE_SKIP;
	if (o->sep == 0 && ISSPACE((unsigned char)line[0]))
		return out->kind = MAP_LINE_LEADING_SPACE;
	for (p = line; p < end; p++) {
		if (o->sep == 0 ? ISSPACE((unsigned char)*p) :
		    (unsigned char)*p == (unsigned char)o->sep)
			break;
	}
	k = p;
	if (buf_add(&out->key, line, (size_t)(k - line)) == -1)
		return out->kind = MAP_LINE_TOO_LONG;
	if (o->foldcase) {
		char *c;

		for (c = out->key.data; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	}
	if (p < end)
		p++;
	if (o->sep == 0)
		while (p < end && ISSPACE((unsigned char)*p))
			p++;
	if (p == end && !o->allowempty)
		return out->kind = MAP_LINE_NO_RHS;
	out->val = p;
	out->vallen = (size_t)(end - p);
	return out->kind = MAP_LINE_ENTRY;
}
