/*
 * map_misc.c -- the small computed map classes that own no file:
 * "dequote" (strip RFC 5322 quotes), "macro" (set or clear a macro of
 * the configuration), "arith" (integer arithmetic on $@ arguments),
 * "null" (never matches) and "syslog" (log the key).  Their results
 * and statuses follow sendmail 8.17 as observed with -bt.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/xalloc.h"
#include "map.h"
#include "map_int.h"

/*
 * dequote: removes the double quotes of key.  No match (status 0) when
 * there was nothing to dequote, when parentheses, angle brackets or
 * quotes are unbalanced, when a backslash ends the key, and when the
 * result would hold a blank that no -s character replaces.  A
 * backslash and the byte after it are copied unchanged.
 */
static enum map_result
dequote_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	const char *p;
	int angles = 0, comments = 0, quoted = 0, bslash = 0;
	int dequoted = 0, blanks = 0, c;

	for (p = key; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (bslash) {
			bslash = 0;
			if (buf_addc(val_out, c) == -1)
				return MAP_NOTFOUND;
			continue;
		}
		if (c == ' ' && m->spacesub != '\0')
			c = (unsigned char)m->spacesub;
		switch (c) {
		case '\\':
			bslash = 1;
			break;
		case '(':
			comments++;
			break;
		case ')':
			if (comments-- <= 0)
				return MAP_NOTFOUND;
			break;
		case ' ':
		case '\t':
			blanks++;
			break;
		}
		if (comments > 0) {
			if (buf_addc(val_out, c) == -1)
				return MAP_NOTFOUND;
			continue;
		}
		switch (c) {
		case '"':
			quoted = !quoted;
			dequoted = 1;
			continue;
		case '<':
			angles++;
			break;
		case '>':
			if (angles-- <= 0)
				return MAP_NOTFOUND;
			break;
		}
		if (buf_addc(val_out, c) == -1)
			return MAP_NOTFOUND;
	}
	if (angles != 0 || comments != 0 || bslash || quoted || !dequoted ||
	    blanks != 0)
		return MAP_NOTFOUND;
	return MAP_FOUND;
}

/*
 * dequote's own -s is the space substitute (sendmail's -S as well); its
 * keys keep their quotes (-q), or there would be nothing to dequote.
 */
static int
dequote_parse(struct map *m, int argc, char **argv, struct err *err)
{
	int i;

	m->flags |= MF_KEEPQUOTES;
	for (i = 0; i < argc; i++)
		if (argv[i][1] == 's')
			m->spacesub = argv[i][2];
	return 0;
}

/*
 * macro: key is the macro name, "x" or "{name}"; the first argument is
 * the new value, none undefines it.  Always found, with an empty value.
 */
static enum map_result
macro_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	const struct map_env *env = map_set_env(m->set);
	size_t n = strlen(key);
	char *name;

	if (n >= 2 && key[0] == '{' && key[n - 1] == '}')
		name = xstrndup(key + 1, n - 2);
	else
		name = xstrdup(key);
	if (env->macro_set != NULL && name[0] != '\0')
		env->macro_set(env->arg, name,
		    nargs > 0 && args[0] != NULL ? args[0] : NULL);
	free(name);
	return MAP_FOUND;
}

/* Integer arithmetic without undefined behaviour on overflow (wraps). */
static long
arith_wrap(unsigned long v)
{
	if (v <= (unsigned long)LONG_MAX)
		return (long)v;
	return -(long)(~v) - 1;
}

/*
 * arith: key is the operator (+ - * / % | & l = r), the first two
 * arguments the operands (decimal; junk counts as 0).  l and = answer
 * TRUE or FALSE, r a random number from the first to the second.  A
 * missing operand or unknown operator is not found with status 78,
 * division by zero not found with status 0, as sendmail does.
 */
static enum map_result
arith_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	long a, b, r;
	const char *word = NULL;

	if (nargs < 2 || args[0] == NULL || args[1] == NULL ||
	    key[0] == '\0' || key[1] != '\0' ||
	    strchr("+-*/%|&l=r", key[0]) == NULL) {
		*stat_out = MAPST_CONFIG;
		return MAP_NOTFOUND;
	}
	a = strtol(args[0], NULL, 10);
	b = strtol(args[1], NULL, 10);
	switch (key[0]) {
	case '+':
		r = arith_wrap((unsigned long)a + (unsigned long)b);
		break;
	case '-':
		r = arith_wrap((unsigned long)a - (unsigned long)b);
		break;
	case '*':
		r = arith_wrap((unsigned long)a * (unsigned long)b);
		break;
	case '/':
	case '%':
		if (b == 0)
			return MAP_NOTFOUND;
		if (a == LONG_MIN && b == -1)
			r = key[0] == '/' ? LONG_MIN : 0;
		else
			r = key[0] == '/' ? a / b : a % b;
		break;
	case '|':
		r = a | b;
		break;
	case '&':
		r = a & b;
		break;
	case 'l':
		word = a < b ? "TRUE" : "FALSE";
		r = 0;
		break;
	case '=':
		word = a == b ? "TRUE" : "FALSE";
		r = 0;
		break;
	default:	/* 'r' */
		if (b < a)
			return MAP_NOTFOUND;
		r = a + (long)((unsigned long)random() %
		    ((unsigned long)b - (unsigned long)a + 1UL));
		break;
	}
	if (word != NULL)
		return buf_adds(val_out, word) == -1 ? MAP_NOTFOUND : MAP_FOUND;
	return buf_printf(val_out, "%ld", r) == -1 ? MAP_NOTFOUND : MAP_FOUND;
}

static enum map_result
null_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	*stat_out = MAPST_NOTFOUND;
	return MAP_NOTFOUND;
}

/* syslog: -L level (a number or a name such as "notice") */
struct syslog_level {
	const char	*name;
	int		 prio;
};

static const struct syslog_level syslog_levels[] = {
	{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT },
	{ "err", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

static int
syslog_parse(struct map *m, int argc, char **argv, struct err *err)
{
	int i, *prio;
	size_t k;
	long n;
	const char *v;

	prio = xmalloc(sizeof(*prio));
	*prio = LOG_NOTICE;
	for (i = 0; i < argc; i++) {
		if (argv[i][1] != 'L')
			continue;
		v = argv[i] + 2;
		if (str_has_prefix_nocase(v, "LOG_"))
			v += 4;
		if (str_to_long(v, &n) == 0 && n >= 0 && n <= LOG_DEBUG)
			*prio = (int)n;
		for (k = 0; k < sizeof(syslog_levels) /
		    sizeof(syslog_levels[0]); k++)
			if (str_casecmp(syslog_levels[k].name, v) == 0)
				*prio = syslog_levels[k].prio;
	}
	m->pstate = prio;
	return 0;
}

static void
syslog_parse_free(struct map *m)
{
	free(m->pstate);
	m->pstate = NULL;
}

static enum map_result
syslog_lookup(struct map *m, const char *key, const char *const *args,
    size_t nargs, struct buf *val_out, int *stat_out, struct err *err)
{
	const int *prio = m->pstate;

	log_plain(prio != NULL ? *prio : LOG_NOTICE, "%s", key);
	return MAP_FOUND;
}

const struct map_class map_class_dequote = {
	"dequote", MAPCLASS_NOFILE,
	dequote_parse, NULL, dequote_lookup, NULL, NULL, NULL, NULL
};

const struct map_class map_class_macro = {
	"macro", MAPCLASS_NOFILE | MAPCLASS_RAWARGS,
	NULL, NULL, macro_lookup, NULL, NULL, NULL, NULL
};

const struct map_class map_class_arith = {
	"arith", MAPCLASS_NOFILE | MAPCLASS_RAWARGS,
	NULL, NULL, arith_lookup, NULL, NULL, NULL, NULL
};

const struct map_class map_class_null = {
	"null", MAPCLASS_NOFILE,
	NULL, NULL, null_lookup, NULL, NULL, NULL, NULL
};

const struct map_class map_class_syslog = {
	"syslog", MAPCLASS_NOFILE,
	syslog_parse, NULL, syslog_lookup, NULL, NULL, NULL, syslog_parse_free
};
