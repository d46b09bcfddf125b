/*
 * cf_check.c -- the calls an SMTP session or a submission makes into
 * the cf: parsing and resolving an envelope address (rulesets 3, 0),
 * the policy rulesets (check_relay, check_mail, check_rcpt ...) with
 * their $#error / $#discard verdicts, and whether a local recipient
 * exists (alias, ruleset 5, the passwd entry) as sendmail checks it at
 * RCPT time when it only queues.  Errors reach the user through the
 * error hook (cf_set_errfn) with their reply codes.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define EX_TEMPFAIL	75

static const char *
mailer_name(const struct cf_addr *a)
{
	return a->mailer != NULL ? a->mailer->name : "error";
}

/* Two strings equal, NULL taken as "". */
static int
same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

int
cf_addr_resolve(struct cf *cf, const char *s, int isrcpt, int delim,
    size_t *end_out, struct cf_resolved *out)
{
	struct cf_addr a;
	size_t end = 0;
	int before = cf->nusrerr + cf->nerrors;

	memset(out, 0, sizeof(*out));
	if (cf_parseaddr(cf, s, isrcpt ? 0 : RF_SENDERADDR, delim, &end,
	    &a) == -1) {
		if (end_out != NULL)
			*end_out = end ? end : strlen(s);
		cf_arena_reset(cf);
		return -1;
	}
	if (end_out != NULL)
		*end_out = end ? end : strlen(s);
	out->mailer = xstrdup(mailer_name(&a));
	out->host = a.host ? xstrdup(a.host) : NULL;
	out->user = a.user ? xstrdup(a.user) : NULL;
	out->tempfail = a.queueup;
	out->bad = a.bad || cf->nusrerr + cf->nerrors != before;
	if (a.mailer != NULL) {
		out->local = a.mailer->flags['l'];
		out->aliasable = a.mailer->flags['A'];
	}
	cf_addr_free(&a);
	cf_arena_reset(cf);
	return out->bad ? -1 : 0;
}

void
cf_resolved_free(struct cf_resolved *r)
{
	free(r->mailer);
	free(r->host);
	free(r->user);
	memset(r, 0, sizeof(*r));
}

int
cf_has_ruleset(struct cf *cf, const char *name)
{
	int rs = cf_rwset(cf, name, 0, NULL);

	return rs >= 0 && cf->rules[rs] != NULL;
}

/*
 * Runs ruleset `name` over "arg1" or "arg1 $| arg2".  A ruleset the cf
 * does not have accepts.  $#error gives its reply through the hook
 * about `to`; a temporary map failure gives sendmail's 451.
 */
enum cf_verdict
cf_rscheck(struct cf *cf, const char *name, const char *arg1,
    const char *arg2, const char *to)
{
	return cf_rscheck_value(cf, name, arg1, arg2, to, NULL);
}

/* As cf_rscheck; *value gets the word after $# (greet_pause's delay),
 * or with all set every word after it, blank separated (authinfo's). */
static enum cf_verdict
rscheck(struct cf *cf, const char *name, const char *arg1,
    const char *arg2, const char *to, char **value, int all)
{
	enum cf_verdict v = CF_ACCEPT;
	struct buf in;
	struct cf_addr a;
	char **pvp;
	int rs, rstat;

	if (value != NULL)
		*value = NULL;
	rs = cf_rwset(cf, name, 0, NULL);
	if (rs < 0 || cf->rules[rs] == NULL)
		return CF_ACCEPT;
	buf_init(&in, 0);
	buf_adds(&in, arg1 ? arg1 : "");
	if (arg2 != NULL) {
		buf_addc(&in, (char)META_CONDELSE);
		buf_adds(&in, arg2);
	}
	cf->e_to = to;
	pvp = cf_pvp_new(cf);
	if (cf_prescan(cf, buf_cstr(&in), '\0', &cf->tok_int, pvp, NULL,
	    to) == -1) {
		v = CF_REJECT;
		goto out;
	}
	rstat = cf_rewrite(cf, pvp, rs, 0, ADDR_MAXATOM);
	if (value != NULL && pvp[0] != NULL &&
	    (unsigned char)pvp[0][0] == META_CANONNET && pvp[1] != NULL) {
		struct buf w;
		size_t i;

		buf_init(&w, 0);
		for (i = 1; pvp[i] != NULL && (all || i == 1); i++) {
			if (i > 1)
				(void)buf_addc(&w, ' ');
			(void)buf_adds(&w, pvp[i]);
		}
		*value = buf_steal(&w);
	}
	if (pvp[0] != NULL && (unsigned char)pvp[0][0] == META_CANONNET &&
	    pvp[1] != NULL) {
		if (str_casecmp(pvp[1], "discard") == 0) {
			v = CF_DISCARD;
			goto out;
		}
		if (str_casecmp(pvp[1], "error") == 0) {
			cf_buildaddr(cf, pvp, 0, &a);
			v = a.queueup ? CF_TEMPFAIL : CF_REJECT;
			cf_addr_free(&a);
			goto out;
		}
	}
	if (rstat == EX_TEMPFAIL) {
		cf_usrerr(cf, NULL, "451 4.3.0 Temporary system failure. "
		    "Please try again later.");
		v = CF_TEMPFAIL;
	}
out:
	cf_pvp_free(cf, pvp);
	cf_arena_reset(cf);
	buf_free(&in);
	cf->e_to = NULL;
	return v;
}

enum cf_verdict
cf_rscheck_value(struct cf *cf, const char *name, const char *arg1,
    const char *arg2, const char *to, char **value)
{
	return rscheck(cf, name, arg1, arg2, to, value, 0);
}

enum cf_verdict
cf_rscheck_words(struct cf *cf, const char *name, const char *arg1,
    char **words)
{
	return rscheck(cf, name, arg1, NULL, NULL, words, 1);
}

int
cf_localaddr(struct cf *cf, const struct cf_resolved *r,
    struct cf_resolved *out)
{
	struct cf_mailer *m = cf_mailer_find(cf, r->mailer);
	struct cf_addr n;
	char **pvp;
	int moved = 0;

	if (m == NULL || !m->flags['5'] || cf->rules[RS_LOCALADDR] == NULL ||
	    r->user == NULL)
		return 0;
	cf_macro_define(cf, "h", r->host);
	pvp = cf_pvp_new(cf);
	if (cf_prescan(cf, r->user, '\0', &cf->tok_ext, pvp, NULL,
	    NULL) == 0 && pvp[0] != NULL &&
	    cf_rewrite(cf, pvp, RS_LOCALADDR, 0, ADDR_MAXATOM) == 0 &&
	    pvp[0] != NULL && (unsigned char)pvp[0][0] == META_CANONNET) {
		cf_buildaddr(cf, pvp, 0, &n);
		moved = n.mailer != NULL && (n.mailer != m ||
		    !same_str(n.user, r->user) || !same_str(n.host, r->host));
		if (moved && out != NULL) {
			memset(out, 0, sizeof(*out));
			out->mailer = xstrdup(n.mailer->name);
			out->host = n.host ? xstrdup(n.host) : NULL;
			out->user = n.user ? xstrdup(n.user) : NULL;
			out->tempfail = n.queueup;
			out->local = n.mailer->flags['l'];
			out->aliasable = n.mailer->flags['A'];
		}
		cf_addr_free(&n);
	}
	cf_pvp_free(cf, pvp);
	cf_arena_reset(cf);
	return moved;
}

/*
 * Whether a resolved recipient can be accepted: an alias, a name that
 * ruleset 5 routes elsewhere, or a user the passwd file knows (for a
 * mailer with F=w).  "User unknown" goes through the hook about `to`.
 */
int
cf_rcpt_known(struct cf *cf, const struct cf_resolved *r, const char *to)
{
	struct cf_mailer *m = cf_mailer_find(cf, r->mailer);
	struct buf val;
	int found;

	if (m == NULL || r->user == NULL)
		return 1;
	/* only an alias or .forward may name a program, file or :include: */
	if (strcmp(m->name, "prog") == 0) {
		cf_usrerr(cf, to, "550 5.7.1 Cannot mail directly to programs");
		return 0;
	}
	if (strcmp(m->name, "*file*") == 0) {
		cf_usrerr(cf, to, "550 5.7.1 Cannot mail directly to files");
		return 0;
	}
	if (strcmp(m->name, "*include*") == 0) {
		cf_usrerr(cf, to, "550 5.7.1 Cannot mail directly to "
		    ":include:s");
		return 0;
	}
	if (m->flags['A'] && r->user[0] != '"') {
		buf_init(&val, 0);
		cf->e_to = to;
		found = cf_alias_lookup(cf, r->user, &val, 0);
		cf->e_to = NULL;
		buf_free(&val);
		if (found == 1)
			return 1;
	}
	if (m->flags['l'] && cf_localaddr(cf, r, NULL))
		return 1;
	if (m->flags['w'] && str_casecmp(r->user, "postmaster") != 0 &&
	    getpwnam(r->user) == NULL) {
		cf_usrerr(cf, to, "550 5.1.1 User unknown");
		return 0;
	}
	return 1;
}

/*
 * The macros a queue file keeps: the macro ids named by the words of
 * class {persistentMacros} (exactly: "s" is not "S"), those that have a
 * value (an empty one counts), in id order as sendmail writes them.
 */
void
cf_macros_persistent(struct cf *cf,
    void (*fn)(void *arg, const char *name, const char *value), void *arg)
{
	unsigned char want[CF_MAXMACROID + 1];
	const struct cf_word *w;
	const char *end;
	char bare[64], tmp[4];
	size_t i, n;
	int cls, id;

	memset(want, 0, sizeof(want));
	cls = cf_macid(cf, "{persistentMacros}", &end);
	for (i = 0; i < cf->words.cap; i++) {
		w = cf->words.slot[i];
		if (w == NULL || !(w->bits[cls / 8] & (1u << (cls % 8))))
			continue;
		n = strlen(w->name);
		if (n > 2 && w->name[0] == '{' && n - 2 < sizeof(bare)) {
			memcpy(bare, w->name + 1, n - 2);
			bare[n - 2] = '\0';
			id = cf_macid_find(cf, bare);
		} else
			id = cf_macid_find(cf, w->name);
		if (id > 0 && id <= CF_MAXMACROID)
			want[id] = 1;
	}
	for (id = 1; id <= CF_MAXMACROID; id++)
		if (want[id] && cf->macro[id] != NULL)
			fn(arg, cf_macname(cf, id, tmp), cf->macro[id]);
}

/* Whether word is in class cls ("t", "{name}"), matched without case. */
int
cf_class_member(struct cf *cf, const char *cls, const char *word)
{
	const char *end;
	int id = cf_macid(cf, cls, &end);

	return id > 0 && cf_class_has(cf, id, word);
}

static void
quiet(void *arg, int kind, const char *to, const char *text)
{
	(void)arg;
	(void)kind;
	(void)to;
	(void)text;
}

/*
 * Walks a comma-separated address list ("a, Joe <b@c>, (x) d") as the
 * address scanner sees it (a comma inside quotes or <> is no separator),
 * calling fn with each item as written, trimmed.  Scanning says nothing:
 * whoever takes an item reports its problems.
 */
void
cf_addr_list(struct cf *cf, const char *list,
    void (*fn)(void *arg, const char *item), void *arg)
{
	cf_errfn *saved = cf->errfn;
	void *savedarg = cf->errarg;
	const char *p = list;
	char **pvp, *item;
	size_t end;

	cf->errfn = quiet;
	while (*p != '\0') {
		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		end = 0;
		pvp = cf_pvp_new(cf);
		(void)cf_prescan(cf, p, ',', &cf->tok_ext, pvp, &end, NULL);
		cf_pvp_free(cf, pvp);
		cf_arena_reset(cf);
		if (end == 0)
			end = strlen(p);
		item = xstrndup(p, end);
		str_rtrim(item);
		cf->errfn = saved;
		cf->errarg = savedarg;
		if (*item != '\0')
			fn(arg, item);
		cf->errfn = quiet;
		free(item);
		p += end;
	}
	cf->errfn = saved;
	cf->errarg = savedarg;
}
