/*
 * cf_ruleset.c -- S and R lines: ruleset names and numbers (named
 * rulesets without a number count down from 199), rules compiled into
 * token vectors with the checks sendmail makes on each side, and the
 * =S listing of a ruleset.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define RSHASH	512	/* > 2 * CF_MAXRWSETS, a power of two */

static unsigned
rsname_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (RSHASH - 1);
}

/*
 * The ruleset a name stands for, -1 if none; `$>name` asks this often.
 * Names are case-sensitive as in sendmail ("bcc" and "BCC" are two).
 */
static int
rsname_find(struct cf *cf, const char *name)
{
	unsigned h;
	int i, n;

	if (cf->rshash == NULL) {
		cf->rshash = xcalloc(RSHASH, sizeof(*cf->rshash));
		for (i = 0; i < CF_MAXRWSETS; i++) {
			if (cf->rsname[i] == NULL)
				continue;
			h = rsname_hash(cf->rsname[i]);
			while (cf->rshash[h] != 0)
				h = (h + 1) & (RSHASH - 1);
			cf->rshash[h] = i + 1;
		}
	}
	for (h = rsname_hash(name); (n = cf->rshash[h]) != 0;
	    h = (h + 1) & (RSHASH - 1))
		if (strcmp(cf->rsname[n - 1], name) == 0)
			return n - 1;
	return -1;
}

/*
 * Looks up (enter: creates) a ruleset by number or name, "name=N"
 * binding a name to a number.  Returns the number or -1.
 */
int
cf_rwset(struct cf *cf, const char *p, int enter, const char **end_out)
{
	const char *q;
	char name[256];
	size_t n;
	long num = -1;
	int found = -1;
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	if (end_out != NULL)
		*end_out = p;
	if (isdigit((unsigned char)*p)) {
		num = strtol(p, &end, 10);
		if (end_out != NULL)
			*end_out = end;
		if (num >= CF_MAXRWSETS / 2 || num < 0) {
			cf_syserr(cf, "bad ruleset %ld (%d max)", num,
			    CF_MAXRWSETS / 2);
			return -1;
		}
		return (int)num;
	}
	q = p;
	while (*p != '\0' && isascii((unsigned char)*p) &&
	    (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	if (q == p || !isalpha((unsigned char)*q)) {
		cf_syserr(cf, "invalid ruleset name: \"%.20s\"", q);
		return -1;
	}
	n = (size_t)(p - q);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, q, n);
	name[n] = '\0';
	found = rsname_find(cf, name);
	if (found < 0 && !enter)
		return -1;
	if (enter && *p == '=') {
		p++;
		while (isspace((unsigned char)*p))
			p++;
		if (!isdigit((unsigned char)*p)) {
			cf_syserr(cf, "bad ruleset definition \"%s\" (number "
			    "required after `=')", q);
			return -1;
		}
		num = strtol(p, &end, 10);
		if (end_out != NULL)
			*end_out = end;
		if (num >= CF_MAXRWSETS / 2 || num < 0) {
			cf_syserr(cf, "bad ruleset number %ld in \"%s\" "
			    "(%d max)", num, q, CF_MAXRWSETS / 2);
			return -1;
		}
	} else {
		if (end_out != NULL)
			*end_out = p;
		if (found >= 0)
			num = found;
		else {
			num = --cf->nextruleset;
			if (num < CF_MAXRWSETS / 2) {
				cf_syserr(cf, "%s: too many named rulesets "
				    "(%d max)", name, CF_MAXRWSETS / 2);
				return -1;
			}
		}
	}
	if (found >= 0 && num != found) {
		cf_syserr(cf, "%s: ruleset changed value (old %d, new %ld)",
		    name, found, num);
		num = found;
	}
	if (enter) {
		if (found >= 0 && found != num)
			;
		else {
			free(cf->rsname[num]);
			cf->rsname[num] = xstrdup(name);
			free(cf->rshash);	/* rebuilt on the next lookup */
			cf->rshash = NULL;
		}
	}
	return (int)num;
}

const char *
cf_rwset_name(struct cf *cf, int n, char *tmp, size_t len)
{
	if (n >= 0 && n < CF_MAXRWSETS && cf->rsname[n] != NULL)
		return cf->rsname[n];
	(void)snprintf(tmp, len, "%d", n);
	return tmp;
}

/* -bt and -bC (sendmail's test and check modes): the reader warns */
static int
cf_checking(struct cf *cf)
{
	const char *m;

	if (cf->testmode)
		return 1;
	m = cf_macro_value(cf, "{opMode}");
	return m != NULL && (strcmp(m, "t") == 0 || strcmp(m, "C") == 0);
}

void
cf_ruleset_start(struct cf *cf, const char *line)
{
	int rs;

	rs = cf_rwset(cf, line, 1, NULL);
	if (rs < 0) {
		cf->cur_rwset = -1;
		return;
	}
	if (cf->rules[rs] != NULL && cf_checking(cf)) {
		size_t n = strlen(line);

		/* sendmail shows the line without trailing blanks */
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			n--;
		(void)fprintf(cf->out, "WARNING: Ruleset %.*s has multiple "
		    "definitions\n", (int)n, line);
	}
	cf->cur_rwset = rs;
}

/*
 * The line as sendmail quotes it in messages: each "$" became its macro
 * byte 0201 and the high bit is lost on output, so "$+" shows as
 * "\001+"; a {name} shows as its id without the high bit.
 */
static void
sendmail_form(struct cf *cf, const char *raw, struct buf *out)
{
	const char *end;
	int id;

	for (; *raw != '\0'; raw++) {
		if (*raw != '$' || raw[1] == '\0') {
			buf_addc(out, *raw);
			continue;
		}
		if (raw[1] == '$') {
			buf_addc(out, '$');
			raw++;
			continue;
		}
		buf_addc(out, 0001);
		raw++;
		if (strchr("=~&?", *raw) != NULL) {
			buf_addc(out, *raw);
			raw++;
		}
		if (*raw == '\0')
			break;		/* "$=" at the end: no class name */
		if (*raw == '{') {
			id = cf_macid_find_braced(cf, raw, &end);
			buf_addc(out, id & 0177);
			raw = end - 1;
		} else
			buf_addc(out, *raw);
	}
}

static void
scan_err(void *arg, const char *msg)
{
	struct cf *cf = arg;

	cf_usrerr(cf, NULL, "%s", msg);
}

static const char *
lhs_botch(int c)
{
	switch (c) {
	case META_MATCHREPL: return "$1-$9";
	case META_CANONUSER: return "$:";
	case META_CALLSUBR: return "$>";
	case META_CONDIF: return "$?";
	case META_CONDFI: return "$.";
	case META_HOSTBEGIN: return "$[";
	case META_HOSTEND: return "$]";
	case META_LOOKUPBEGIN: return "$(";
	case META_LOOKUPEND: return "$)";
	}
	return NULL;
}

static const char *
rhs_botch(int c)
{
	switch (c) {
	case META_MATCHZANY: return "$*";
	case META_MATCHANY: return "$+";
	case META_MATCHONE: return "$-";
	case META_MATCHCLASS: return "$=";
	case META_MATCHNCLASS: return "$~";
	}
	return NULL;
}

static const struct addr_toktab *
rule_toktab(struct cf *cf)
{
	cf_tokens_prepare(cf);
	return cf->level >= 9 ? &cf->tok_noc : &cf->tok_int;
}

/* R line (without the 'R'), dollars already translated. */
void
cf_rule_add(struct cf *cf, const char *line)
{
	struct cf_rule *r;
	struct buf side, ex;
	const char *p, *q, *botch;
	int nfuzzy = 0, rs = cf->cur_rwset < 0 ? 0 : cf->cur_rwset;
	size_t i;

	p = strchr(line, '\t');
	if (p == NULL) {
		struct buf shown;

		buf_init(&shown, 0);
		sendmail_form(cf, cf->rawline ? cf->rawline : "", &shown);
		cf_syserr(cf, "invalid rewrite line \"%s\" (tab expected)",
		    buf_cstr(&shown));
		buf_free(&shown);
		return;
	}
	r = xcalloc(1, sizeof(*r));
	r->line = cf->line;
	buf_init(&side, 0);
	buf_init(&ex, 0);

	buf_add(&side, line, (size_t)(p - line));
	cf_expand(cf, buf_cstr(&side), &ex);
	/* rule sides are not patched or complained about, as in sendmail */
	(void)addr_prescan(buf_cstr(&ex), '\t', rule_toktab(cf), 1,
	    &r->lhs, NULL, scan_err, cf);
	if (r->lhs.n == 0) {
		cf_syserr(cf, "R line: null LHS");
	}
	for (i = 0; i < r->lhs.n; i++) {
		int c = (unsigned char)r->lhs.v[i][0];

		switch (c) {
		case META_MATCHZANY: case META_MATCHANY: case META_MATCHONE:
		case META_MATCHCLASS: case META_MATCHNCLASS:
			nfuzzy++;
			break;
		}
		botch = lhs_botch(c);
		if (botch != NULL)
			cf_syserr(cf, "Inappropriate use of %s on LHS", botch);
		switch (c) {
		case META_MATCHZANY: case META_MATCHANY: case META_MATCHONE:
		case META_MATCHCLASS: case META_MATCHNCLASS:
		case META_CANONHOST: case META_MACRODEXPAND:
			break;
		default:
			r->need |= cf_token_bits(r->lhs.v[i]);
		}
	}

	while (*p == '\t')
		p++;
	q = p;
	while (*p != '\0' && *p != '\t')
		p++;
	buf_reset(&side);
	buf_add(&side, q, (size_t)(p - q));
	cf_expand(cf, buf_cstr(&side), &ex);
	(void)addr_prescan(buf_cstr(&ex), '\t', rule_toktab(cf), 1,
	    &r->rhs, NULL, scan_err, cf);
	if (r->rhs.n == 0)
		cf_syserr(cf, "R line: null RHS");
	for (i = 0; i < r->rhs.n; i++) {
		const char *t = r->rhs.v[i];
		int c = (unsigned char)t[0];

		if (c == META_MATCHREPL &&
		    (t[1] <= '0' || t[1] > '0' + nfuzzy))
			cf_syserr(cf, "replacement $%c out of bounds", t[1]);
		botch = rhs_botch(c);
		if (botch != NULL)
			cf_syserr(cf, "Inappropriate use of %s on RHS", botch);
	}
	buf_free(&side);
	buf_free(&ex);

	if (cf->ruletail[rs] == NULL)
		cf->ruletail[rs] = &cf->rules[rs];
	*cf->ruletail[rs] = r;
	cf->ruletail[rs] = &r->next;
	cf_rsvec_drop(&cf->rsvec[rs]);
}

void
cf_print_ruleset(struct cf *cf, int rs, FILE *out)
{
	struct cf_rule *r;
	size_t i;

	for (r = cf->rules[rs]; r != NULL; r = r->next) {
		(void)fputc('R', out);
		for (i = 0; i < r->lhs.n; i++) {
			cf_xputs(cf, out, r->lhs.v[i]);
			(void)fputc(' ', out);
		}
		(void)fputs("\t\t", out);
		for (i = 0; i < r->rhs.n; i++) {
			cf_xputs(cf, out, r->rhs.v[i]);
			(void)fputc(' ', out);
		}
		(void)fputc('\n', out);
	}
}
