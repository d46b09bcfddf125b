/*
 * map_regex.c -- the "regex" map class: a POSIX regular expression
 * (extended unless -b, case-insensitive unless -f) matched against the
 * key.  -n negates the match; on a match the value is empty, or with
 * -s the chosen subexpressions joined by -d (default sendmail's $|
 * operator byte, MAP_OPDELIM); -m and -a are the generic ones.  Owns the
 * compiled pattern and the -s list.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

#define REGEX_MAXSUB	10

struct regex_map {
	regex_t	 re;
	int	 compiled;
	size_t	 nsub;			/* number of -s indices */
	size_t	 sub[REGEX_MAXSUB];
	char	 delim;
};

/* Parses "1,2" (the part after -s) into rm; -1 on junk. */
static int
regex_parse_subs(struct regex_map *rm, const char *p)
{
	unsigned long v;
	char *end;

	rm->nsub = 0;
	while (*p != '\0') {
		if (*p < '0' || *p > '9' || rm->nsub >= REGEX_MAXSUB)
			return -1;
		v = strtoul(p, &end, 10);
		if (v >= REGEX_MAXSUB)
			return -1;
		rm->sub[rm->nsub++] = (size_t)v;
		p = end;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return -1;
	}
	if (rm->nsub == 0) {		/* bare -s: the first group */
		rm->sub[0] = 1;
		rm->nsub = 1;
	}
	return 0;
}

static void
regex_free(struct regex_map *rm)
{
	if (rm == NULL)
		return;
	if (rm->compiled)
		regfree(&rm->re);
	free(rm);
}

static int
regex_parse(struct map *m, int argc, char **argv, struct err *err)
{
	struct regex_map *rm;
	int i, cflags, rc;
	size_t k;
	char msg[256];

	rm = xcalloc(1, sizeof(*rm));
	rm->delim = MAP_OPDELIM;
	for (i = 0; i < argc; i++) {
		const char *w = argv[i];

		switch (w[1]) {
		case 'n':
			m->flags |= MF_REGEX_NOT;
			break;
		case 'b':
			m->flags |= MF_REGEX_BASIC;
			break;
		case 's':
			if (regex_parse_subs(rm, w + 2) == -1) {
				regex_free(rm);
				return err_set(err, ERR_CONFIG, "regex map "
				    "\"%s\": bad -s list %s", m->name, w + 2);
			}
			break;
		case 'd':
			rm->delim = w[2];
			break;
		default:
			break;		/* sendmail ignores unknown flags */
		}
	}
	cflags = 0;
	if (!(m->flags & MF_REGEX_BASIC))
		cflags |= REG_EXTENDED;
	if (!(m->flags & MF_NOFOLDCASE))
		cflags |= REG_ICASE;
	if (rm->nsub == 0)
		cflags |= REG_NOSUB;
	rc = regcomp(&rm->re, m->rest != NULL ? m->rest : "", cflags);
	if (rc != 0) {
		(void)regerror(rc, &rm->re, msg, sizeof(msg));
		regex_free(rm);
		return err_set(err, ERR_CONFIG, "pattern-compile-error: %s",
		    msg);
	}
	rm->compiled = 1;
	for (k = 0; k < rm->nsub; k++)
		if (rm->sub[k] > rm->re.re_nsub) {
			regex_free(rm);
			return err_set(err, ERR_CONFIG, "regex map \"%s\": "
			    "substring %zu out of range", m->name, k);
		}
	m->pstate = rm;
	return 0;
}

static enum map_result
regex_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	struct regex_map *rm = m->pstate;
	regmatch_t pm[REGEX_MAXSUB];
	size_t k, n;
	int matched, first = 1;

	if (rm == NULL)
		return MAP_NOTFOUND;
	matched = regexec(&rm->re, key, rm->nsub ? REGEX_MAXSUB : 0,
	    rm->nsub ? pm : NULL, 0) == 0;
	if (m->flags & MF_REGEX_NOT)
		return matched ? MAP_NOTFOUND : MAP_FOUND;
	if (!matched)
		return MAP_NOTFOUND;
	for (k = 0; k < rm->nsub; k++) {
		n = rm->sub[k];
		if (pm[n].rm_so < 0)
			continue;
		if (!first && buf_addc(val_out, rm->delim) == -1)
			return MAP_NOTFOUND;
		first = 0;
		if (buf_add(val_out, key + pm[n].rm_so,
		    (size_t)(pm[n].rm_eo - pm[n].rm_so)) == -1)
			return MAP_NOTFOUND;
	}
	return MAP_FOUND;
}

static void
regex_parse_free(struct map *m)
{
	regex_free(m->pstate);
	m->pstate = NULL;
}

const struct map_class map_class_regex = {
	"regex", MAPCLASS_NOFILE,
	regex_parse, NULL, regex_lookup, NULL, NULL, NULL, regex_parse_free
};
