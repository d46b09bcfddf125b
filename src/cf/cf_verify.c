/*
 * cf_verify.c -- sendmail -bv: the recipient list built as sendmail
 * builds it (comma lists, aliases, ruleset 5 for local names, the
 * passwd check, duplicates dropped), then one "deliverable" line per
 * surviving address, ordered by host as sendmail's queue is.
 */
#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_DATAERR	65
#define EX_NOUSER	67
#define EX_NOHOST	68
#define EX_UNAVAILABLE	69
#define EX_OSERR	71
#define EX_PROTOCOL	76
#define EX_CONFIG	78

#define MAXALIASDEPTH	10
#define MAXSHORTSTR	203	/* sendmail's shortenstring length */

enum rstate { RS_OK, RS_EXPANDED, RS_BAD };

struct rcpt {
	struct cf_addr	 a;
	char		*paddr;		/* as written */
	enum rstate	 state;
	struct rcpt	*parent;	/* the alias it came from */
};

struct vctx {
	struct cf	*cf;
	struct ptrarr	 list;		/* struct rcpt *, queue order */
	int		 verbose;
	int		 rc;		/* first delivery status: 67, 65 ... */
	int		 usage;		/* a syntax or usage error was said */
	FILE		*out;
};

/*
 * As in sendmail, a status from the address itself (unknown user,
 * $#error) is the exit code; syntax complaints only give 64 when
 * nothing else went wrong.
 */
static void
setstat(struct vctx *v, int stat)
{
	if (stat == EX_USAGE)
		v->usage = 1;
	else if (v->rc == EX_OK)
		v->rc = stat;
}

/* sendmail's reading of a DSN status as a sysexits value */
static int
dsn_exitstat(const char *d)
{
	int c2, c3;

	if (*d == '2')
		return EX_OK;
	if (*d == '4')
		return 75;
	if (*++d == '.')
		d++;
	c2 = atoi(d);
	while (*d != '\0' && *d != '.')
		d++;
	if (*d != '\0')
		d++;
	c3 = atoi(d);
	switch (c2) {
	case 0:
		return EX_UNAVAILABLE;
	case 1:
		switch (c3) {
		case 0: return EX_DATAERR;
		case 1: case 6: return EX_NOUSER;
		case 2: case 8: return EX_NOHOST;
		case 3: case 7: return EX_USAGE;
		case 4: return EX_UNAVAILABLE;
		case 5: return EX_CONFIG;
		}
		break;
	case 2:
		return c3 == 3 ? EX_DATAERR : EX_UNAVAILABLE;
	case 3:
		return EX_OSERR;
	case 4:
		return EX_NOHOST;
	case 5:
		return EX_PROTOCOL;
	case 6:
	case 7:
		return EX_DATAERR;
	}
	return EX_UNAVAILABLE;
}

static const struct {
	const char	*name;
	int		 code;
} errcodes[] = {
	{ "usage", 64 }, { "nouser", 67 }, { "nohost", 68 },
	{ "unavailable", 69 }, { "software", 70 }, { "tempfail", 75 },
	{ "protocol", 76 }, { "config", 78 }, { NULL, 69 }
};

/* the status a $#error triple's host part stands for */
static int
error_exitstat(const char *host)
{
	int i;

	if (host == NULL)
		return EX_UNAVAILABLE;
	if (strchr(host, '.') != NULL)
		return dsn_exitstat(host);
	if (isdigit((unsigned char)host[0]))
		return atoi(host);
	for (i = 0; errcodes[i].name != NULL; i++)
		if (str_casecmp(errcodes[i].name, host) == 0)
			break;
	return errcodes[i].code;
}

static int
same_addr(const struct cf_addr *x, const struct cf_addr *y)
{
	if (x->mailer != y->mailer || x->mailer == NULL)
		return 0;
	if ((x->host == NULL) != (y->host == NULL))
		return 0;
	if (x->host != NULL && str_casecmp(x->host, y->host) != 0)
		return 0;
	return strcmp(x->user, y->user) == 0;
}

static void rcpt_add(struct vctx *, struct rcpt *, int depth);

/*
 * "[to... ]aliased to value" under -v: the address being aliased as
 * prefix, unless reading the text version of the aliases just now left
 * none (sendmail's readaliases clears it); both shortened as sendmail's
 * shortenstring does.
 */
static void
say_aliased(struct vctx *v, const char *val)
{
	char shortto[MAXSHORTSTR + 1], shortval[MAXSHORTSTR + 1];

	if (v->cf->e_to != NULL && v->cf->e_to[0] != '\0')
		(void)fprintf(v->out, "%s... ", str_shorten(v->cf->e_to,
		    MAXSHORTSTR, shortto, sizeof(shortto)));
	(void)fprintf(v->out, "aliased to %s\n", str_shorten(val,
	    MAXSHORTSTR, shortval, sizeof(shortval)));
}

/* The passwd check, quotes and backslashes taken out as sendmail does. */
static int
user_known(const char *user)
{
	char *name = xstrdup(user), *p, *q;
	int known;

	for (p = q = name; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			continue;
		*q++ = *p;
	}
	*q = '\0';
	known = getpwnam(name) != NULL;
	free(name);
	return known;
}

/*
 * A comma-separated list, parsed left to right and handed on right to
 * left, as sendmail's sendtolist does.
 */
static void
sendtolist(struct vctx *v, const char *list, struct rcpt *parent, int depth)
{
	struct cf *cf = v->cf;
	struct ptrarr got = { 0 };
	struct rcpt *r;
	const char *p = list;
	size_t end, i;
	int before, before_sys;

	while (*p != '\0') {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		end = 0;
		r = xcalloc(1, sizeof(*r));
		before = cf->nusrerr;
		before_sys = cf->nerrors;
		if (cf_parseaddr(cf, p, 0, ',', &end, &r->a) == -1 ||
		    (r->a.bad && r->a.mailer == NULL)) {
			/* an empty item ("joe,\\") fails without a word */
			if (r->a.bad && r->a.host)
				setstat(v, error_exitstat(r->a.host));
			else if (cf->nusrerr != before ||
			    cf->nerrors != before_sys)
				setstat(v, EX_USAGE);
			cf_addr_free(&r->a);
			free(r);
		} else {
			if (cf->nusrerr != before)
				setstat(v, EX_USAGE);
			r->paddr = xstrndup(p, end);
			r->parent = parent;
			ptrarr_push(&got, r);
		}
		if (end == 0)
			end = strlen(p);
		p += end;
	}
	for (i = got.n; i-- > 0; )
		rcpt_add(v, got.v[i], depth);
	ptrarr_free(&got);
}

static void
rcpt_free(struct rcpt *r)
{
	cf_addr_free(&r->a);
	free(r->paddr);
	free(r);
}

/* Ruleset 5 may send a local name elsewhere; 1 when it did. */
static int
localaddr(struct vctx *v, struct rcpt *r, int depth)
{
	struct cf *cf = v->cf;
	struct rcpt *n;
	char **pvp;
	int rc = 0;

	if (cf->rules[RS_LOCALADDR] == NULL || !r->a.mailer->flags['5'])
		return 0;
	pvp = cf_pvp_new(cf);
	if (cf_prescan(cf, r->a.user, '\0', &cf->tok_ext, pvp, NULL,
	    NULL) == 0 && pvp[0] != NULL &&
	    cf_rewrite(cf, pvp, RS_LOCALADDR, 0, ADDR_MAXATOM) == 0 &&
	    pvp[0] != NULL && (unsigned char)pvp[0][0] == META_CANONNET) {
		n = xcalloc(1, sizeof(*n));
		cf_buildaddr(cf, pvp, 0, &n->a);
		if (n->a.mailer == NULL || same_addr(&n->a, &r->a)) {
			rcpt_free(n);
		} else {
			n->paddr = xstrdup(r->paddr);
			n->parent = r->parent;
			r->state = RS_EXPANDED;
			rcpt_add(v, n, depth + 1);
			rc = 1;
		}
	}
	cf_pvp_free(cf, pvp);
	return rc;
}

static void
rcpt_add(struct vctx *v, struct rcpt *r, int depth)
{
	struct cf *cf = v->cf;
	struct cf_mailer *m = r->a.mailer;
	struct buf val;
	struct rcpt *q, *p;
	size_t i;
	int found, selfref = 0;

	cf->e_to = r->paddr;
	if (r->parent == NULL && m == cf_mailer_find(cf, "prog")) {
		cf_usrerr(cf, r->paddr, "550 5.7.1 Cannot mail directly to programs");
		setstat(v, EX_USAGE);
		rcpt_free(r);
		return;
	}
	if (r->parent == NULL && m == cf_mailer_find(cf, "*file*")) {
		cf_usrerr(cf, r->paddr, "550 5.7.1 Cannot mail directly to files");
		setstat(v, EX_USAGE);
		rcpt_free(r);
		return;
	}
	/* a duplicate is dropped; an alias naming itself is delivered */
	for (i = 0; i < v->list.n; i++) {
		q = v->list.v[i];
		if (!same_addr(&q->a, &r->a))
			continue;
		for (p = r->parent; p != NULL && p != q; p = p->parent)
			;
		if (p == q && q->state == RS_EXPANDED) {
			selfref = 1;	/* deliver to the name itself */
			break;
		}
		/* -v notes it unless the first came from the command line */
		if (v->verbose && q->parent != NULL)
			(void)fprintf(v->out, "%s... duplicate suppressed\n",
			    r->paddr);
		rcpt_free(r);
		return;
	}
	ptrarr_push(&v->list, r);
	if (depth > MAXALIASDEPTH)
		return;
	/* a backslash anywhere in the name stops aliasing (sendmail's quoted) */
	if (m->flags['A'] && strchr(r->a.user, '\\') == NULL && !selfref) {
		int before = cf->exitstat;

		buf_init(&val, 0);
		found = cf_alias_lookup(cf, r->a.user, &val, v->verbose);
		/* reading the text version may have said something */
		if (cf->exitstat != before)
			setstat(v, cf->exitstat);
		if (found == 1) {
			if (v->verbose)
				say_aliased(v, buf_cstr(&val));
			r->state = RS_EXPANDED;
			sendtolist(v, buf_cstr(&val), r, depth + 1);
			buf_free(&val);
			return;
		}
		buf_free(&val);
	}
	if (localaddr(v, r, depth))
		return;
	if (m->flags['w'] && str_casecmp(r->a.user, "postmaster") != 0 &&
	    !user_known(r->a.user)) {
		cf_usrerr(cf, r->paddr, "550 5.1.1 User unknown");
		r->state = RS_BAD;
		setstat(v, EX_NOUSER);
	}
}

int
cf_verify(struct cf *cf, char **addrs, int verbose, FILE *out)
{
	struct vctx v;
	struct rcpt *r, **sorted;
	size_t i;
	int k;

	memset(&v, 0, sizeof(v));
	v.cf = cf;
	v.verbose = verbose;
	v.out = out;
	cf->out = out;
	cf->holderrs = 1;
	for (k = 0; addrs[k] != NULL; k++)
		sendtolist(&v, addrs[k], NULL, 0);

	/* queue order by host, ties kept in the order they were added */
	sorted = xcalloc(v.list.n + 1, sizeof(*sorted));
	for (i = 0; i < v.list.n; i++)
		sorted[i] = v.list.v[i];
	for (i = 1; i < v.list.n; i++) {	/* insertion sort: stable */
		size_t j = i;

		r = sorted[i];
		while (j > 0 && str_casecmp(sorted[j - 1]->a.host ?
		    sorted[j - 1]->a.host : "", r->a.host ? r->a.host : "") > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = r;
	}
	for (i = 0; i < v.list.n; i++) {
		r = sorted[i];
		if (r->state != RS_OK)
			continue;
		if (r->a.host != NULL && r->a.host[0] != '\0')
			(void)fprintf(out, "%s... deliverable: mailer %s, host "
			    "%s, user %s\n", r->paddr, r->a.mailer->name,
			    r->a.host, r->a.user);
		else
			(void)fprintf(out, "%s... deliverable: mailer %s, "
			    "user %s\n", r->paddr, r->a.mailer->name,
			    r->a.user);
	}
	for (i = 0; i < v.list.n; i++)
		rcpt_free(v.list.v[i]);
	ptrarr_free(&v.list);
	free(sorted);
	cf_arena_reset(cf);
	cf->holderrs = 0;
	return v.rc != EX_OK ? v.rc : v.usage ? EX_USAGE : EX_OK;
}
