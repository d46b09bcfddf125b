/*
 * stats_cf.c -- a sendmail.cf as mailstats reads it: not through the cf
 * reader but line by line (in pieces of at most 2047 bytes, as its fgets
 * buffer cuts them), each cut at its first '#' and trailing blanks;
 * "M" lines name the mailers after prog, *file* and *include* (a name
 * ends at ',' or a blank, 20 bytes at most, a repeated name keeps its
 * number), "O StatusFile=..." and the old "OS..." give the statistics
 * file, the last one winning.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stats.h"
#include "lib/xalloc.h"

#define PIECE_MAX	2047	/* fgets into sendmail's MAXLINE buffer */
#define PATH_LIMIT	4096	/* MAXPATHLEN: longer is an error */

static int
is_space(int c)
{
	return isascii(c) && isspace(c);
}

static void
set_name(struct stats_cf *cf, int i, const char *name, size_t len)
{
	if (len > STATS_NAMELEN)
		len = STATS_NAMELEN;
	memcpy(cf->names[i], name, len);
	cf->names[i][len] = '\0';
}

/* One M line's name; -1 when the table is already full. */
static int
mailer_line(struct stats_cf *cf, const char *b)
{
	char name[STATS_NAMELEN + 1];
	size_t len = 0;
	int i;

	if (cf->nmailers >= STATS_MAILERS)
		return -1;
	while (b[len] != '\0' && b[len] != ',' && !is_space(b[len]) &&
	    len < STATS_NAMELEN)
		len++;
	memcpy(name, b, len);
	name[len] = '\0';
	for (i = 0; i < cf->nmailers; i++)
		if (strcmp(cf->names[i], name) == 0)
			return 0;
	set_name(cf, cf->nmailers++, name, len);
	return 0;
}

/* An O line (b after the 'O'); -1 when the path is too long. */
static int
option_line(struct stats_cf *cf, const char *b)
{
	if (strncasecmp(b, " StatusFile", 11) == 0 &&
	    !(isascii(b[11]) && isalnum(b[11]))) {
		b = strchr(b, '=');
		if (b == NULL)
			return 0;
		b++;
		while (is_space(*b))
			b++;
	} else if (*b++ != 'S')
		return 0;
	free(cf->statusfile);
	if (strlen(b) >= PATH_LIMIT) {
		cf->statusfile = xstrndup(b, 30);
		return -1;
	}
	cf->statusfile = xstrdup(b);
	return 0;
}

/* One piece of text (NUL-free copy), comment and blanks cut. */
static enum stats_cf_result
piece(struct stats_cf *cf, char *buf)
{
	char *e = strchr(buf, '#');

	if (e == NULL)
		e = strchr(buf, '\n');
	if (e == NULL)
		e = buf + strlen(buf);
	while (e > buf && is_space(e[-1]))
		e--;
	*e = '\0';
	switch (buf[0]) {
	case 'M':
		if (mailer_line(cf, buf + 1) == -1)
			return STATS_CF_TOOMANY;
		break;
	case 'O':
		if (option_line(cf, buf + 1) == -1)
			return STATS_CF_LONGPATH;
		break;
	default:
		break;
	}
	return STATS_CF_OK;
}

enum stats_cf_result
stats_cf_scan(const char *text, size_t len, struct stats_cf *out)
{
	enum stats_cf_result rc = STATS_CF_OK;
	char buf[PIECE_MAX + 1];
	size_t off = 0, n;

	memset(out, 0, sizeof(*out));
	set_name(out, out->nmailers++, "prog", 4);
	set_name(out, out->nmailers++, "*file*", 6);
	set_name(out, out->nmailers++, "*include*", 9);
	while (off < len && rc == STATS_CF_OK) {
		/* what one fgets call returns: up to a newline or full */
		for (n = 0; off + n < len && n < PIECE_MAX; n++)
			if (text[off + n] == '\n') {
				n++;
				break;
			}
		memcpy(buf, text + off, n);
		buf[n] = '\0';	/* a NUL inside ends the line early */
		off += n;
		rc = piece(out, buf);
	}
	return rc;
}

void
stats_cf_free(struct stats_cf *cf)
{
	if (cf == NULL)
		return;
	free(cf->statusfile);
	cf->statusfile = NULL;
}
