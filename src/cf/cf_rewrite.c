/*
 * cf_rewrite.c -- the rewriting engine: a ruleset's rules applied to a
 * token workspace.  The LHS is matched with backtracking ($* $+ $- $@
 * $=X $~X $&x and literal tokens without case); the RHS substitutes $n,
 * then $[ $] and $( $) lookups, then $> subroutine calls; $: and $@
 * prefixes and the 100-pass loop limit work as in sendmail, and -bt
 * traces each ruleset's input and result.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/xalloc.h"

#define EX_OK		0
#define EX_DATAERR	65
#define EX_TEMPFAIL	75
#define EX_CONFIG	78
#define EX_UNAVAILABLE	69

/* ---- the engine */

/*
 * Every literal token of a rule's LHS must equal some input token
 * (case aside), so a rule whose literal bits are not all among the
 * input's bits cannot match and is skipped without trying.
 */
unsigned long long
cf_token_bits(const char *t)
{
	unsigned h = 2166136261u;

	/* ASCII case folding by hand: this runs for every token */
	for (; *t != '\0'; t++)
		h = (h ^ ((unsigned char)*t | 0x20)) * 16777619u;
	return (1ULL << (h & 63)) | (1ULL << ((h >> 6) & 63));
}

static unsigned long long
input_bits(char **pvp)
{
	unsigned long long m = 0;

	for (; *pvp != NULL; pvp++)
		m |= cf_token_bits(*pvp);
	return m;
}

/*
 * The ruleset's rules as an array with their need bits side by side, so
 * that skipping the rules that cannot match reads one small dense array
 * instead of following the list.  Made on first use; adding a rule to
 * the ruleset drops it (cf_ruleset.c).
 */
static const struct cf_rsvec *
rsvec(struct cf *cf, int rs)
{
	struct cf_rsvec *v = &cf->rsvec[rs];
	struct cf_rule *r;
	size_t n = 0;

	if (v->built)
		return v;
	for (r = cf->rules[rs]; r != NULL; r = r->next)
		n++;
	v->need = xreallocarray(NULL, n + 1, sizeof(*v->need));
	v->rule = xreallocarray(NULL, n + 1, sizeof(*v->rule));
	for (n = 0, r = cf->rules[rs]; r != NULL; r = r->next, n++) {
		v->need[n] = r->need;
		v->rule[n] = r;
	}
	v->n = n;
	v->built = 1;
	return v;
}

void
cf_rsvec_drop(struct cf_rsvec *v)
{
	free(v->need);
	free(v->rule);
	memset(v, 0, sizeof(*v));
}

struct match {
	char	**pattern;	/* the LHS position of the operator */
	char	**first;
	char	**last;
};

#define MLIST_STACK	64	/* LHS tokens matched without the heap */

static int callsubr(struct cf *, char **pvp, int reclevel, int maxatom);
static int do_lookups(struct cf *, char **npvp, int maxatom, int *rstat);

static int
pvp_len(char **pvp)
{
	int n = 0;

	while (pvp[n] != NULL)
		n++;
	return n;
}

/* -bt's trace line; rulename is NULL outside test mode (not traced). */
static void
trace(struct cf *cf, const char *rulename, const char *what, char **pvp)
{
	size_t n;

	if (!cf->testmode || rulename == NULL)
		return;
	n = strlen(rulename);
	/* "%-16.16s %s" then the tokens, built and written in one go */
	buf_reset(&cf->linebuf);
	buf_add(&cf->linebuf, rulename, n > 16 ? 16 : n);
	while (n++ < 16)
		buf_addc(&cf->linebuf, ' ');
	buf_addc(&cf->linebuf, ' ');
	buf_adds(&cf->linebuf, what);
	cf_printav_buf(cf, &cf->linebuf, pvp);
	(void)fwrite(cf->linebuf.data, 1, cf->linebuf.len, cf->out);
}

/*
 * A phrase being grown one token at a time while a $=X looks for the
 * longest match: joined text and length kept, so each step appends.
 */
struct phrase {
	char		**first, **last;
	struct buf	  cat;
	size_t		  len;		/* token bytes, separators aside */
	int		  oatom;
};

/* One more token of a phrase: atoms apart by BlankSub, as sendmail. */
static void
phrase_add(struct cf *cf, const struct addr_toktab *tab, struct buf *cat,
    int *oatom, const char *tok)
{
	int natom = tab->type[(unsigned char)*tok] == ADDR_ATM;

	if (*oatom && natom)
		buf_addc(cat, cf->spacesub);
	buf_adds(cat, tok);
	*oatom = natom;
}

/* The tokens joined as $=X joins a phrase, into out. */
void
cf_phrase_join(struct cf *cf, char **tokens, struct buf *out)
{
	int oatom = 0;

	buf_reset(out);
	for (; *tokens != NULL; tokens++)
		phrase_add(cf, &cf->tok_ext, out, &oatom, *tokens);
}

/* Is the phrase first..last (joined) a word of class id? */
static int
phrase_test(struct cf *cf, int id, char **first, char **last,
    struct phrase *ph)
{
	const struct addr_toktab *tab = &cf->tok_ext;
	char **p;

	if (first == last) {
		ph->first = NULL;
		return cf_class_has(cf, id, *first);
	}
	if (ph->first != first || ph->last + 1 != last) {
		/* start again from the first token */
		ph->first = first;
		ph->len = 0;
		ph->oatom = 0;
		buf_reset(&ph->cat);
		p = first;
	} else
		p = last;
	for (; p <= last; p++) {
		ph->len += strlen(*p);
		if (ph->len > cf->words.maxlen) {
			/* no class word is that long: stop joining */
			ph->first = NULL;
			return 0;
		}
		phrase_add(cf, tab, &ph->cat, &ph->oatom, *p);
	}
	ph->last = last;
	return cf_class_has(cf, id, buf_cstr(&ph->cat));
}

/* phrase_test, with the outcome told to a recording memo. */
static int
class_has_phrase(struct cf *cf, int id, char **first, char **last,
    struct phrase *ph)
{
	int r = phrase_test(cf, id, first, last, ph);

	if (cf->memo_x != NULL)
		cf_memo_class(cf, id, first, last, r);
	return r;
}

/*
 * Is the whole of tokens (joined as $=X joins them) a word of class id?
 * scratch is the caller's buffer for the joined text.
 */
int
cf_class_phrase(struct cf *cf, int id, char **tokens, struct buf *scratch)
{
	struct phrase ph;
	size_t n = 0;
	int r;

	while (tokens[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if (n == 1)
		return cf_class_has(cf, id, tokens[0]);
	memset(&ph, 0, sizeof(ph));
	ph.cat = *scratch;
	r = phrase_test(cf, id, tokens, tokens + n - 1, &ph);
	*scratch = ph.cat;
	return r;
}

/* Tries the LHS against pvp; 1 with mlist filled and *nmatch set. */
static int
match_lhs(struct cf *cf, char **lhs, char **pvp, struct match *mlist,
    int *nmatch)
{
	struct match *mlp = mlist;
	char **rvp = lhs, **avp = pvp, *ap, *rp;
	const char *mv;
	struct phrase cat;
	int ok;

	memset(&cat, 0, sizeof(cat));
	buf_init(&cat.cat, 0);
	while ((ap = *avp) != NULL || *rvp != NULL) {
		rp = *rvp;
		if (rp == NULL)
			goto backup;
		if (ap == NULL &&
		    (unsigned char)rp[0] != META_MATCHZANY &&
		    (unsigned char)rp[0] != META_CANONHOST)
			break;
		switch ((unsigned char)rp[0]) {
		case META_MATCHCLASS:
			mlp->pattern = rvp;
			mlp->first = avp;
extendclass:
			ap = *avp;
			if (ap == NULL)
				goto backup;
			mlp->last = avp++;
			if (!class_has_phrase(cf, (unsigned char)rp[1],
			    mlp->first, mlp->last, &cat))
				goto extendclass;
			mlp++;
			break;
		case META_MATCHNCLASS:
			ok = cf_class_has(cf, (unsigned char)rp[1], ap);
			if (cf->memo_x != NULL)
				cf_memo_class(cf, (unsigned char)rp[1], avp,
				    avp, ok);
			if (ok)
				goto backup;
			/* FALLTHROUGH */
		case META_MATCHONE:
		case META_MATCHANY:
			mlp->pattern = rvp;
			mlp->first = avp;
			mlp->last = avp++;
			mlp++;
			break;
		case META_MATCHZANY:
			mlp->pattern = rvp;
			mlp->first = avp;
			mlp->last = avp - 1;
			mlp++;
			break;
		case META_CANONHOST:	/* $@ on the LHS: zero tokens */
			break;
		case META_MACRODEXPAND:
			mv = cf_macvalue(cf, (unsigned char)rp[1]);
			if (cf->memo_x != NULL)
				cf_memo_macro(cf, (unsigned char)rp[1], mv);
			if (cf->debug21 >= 2) {
				(void)fputs("rewrite: LHS $&", cf->out);
				cf_put_macname(cf, cf->out, (unsigned char)rp[1]);
				(void)fprintf(cf->out, " => \"%s\"\n",
				    mv ? mv : "(NULL)");
			}
			if (mv == NULL)
				break;
			{
				char **start = avp;

				ok = 1;
				while (*mv != '\0') {
					size_t l;

					if (*avp == NULL) {
						ok = 0;
						break;
					}
					if (*avp == cf->memo_x)
						cf_memo_fail(cf);
					l = strlen(*avp);
					if (strncasecmp(mv, *avp, l) != 0) {
						ok = 0;
						break;
					}
					mv += l;
					avp++;
				}
				if (!ok) {
					avp = start;
					goto backup;
				}
			}
			break;
		default:
			if (ap == cf->memo_x) {
				/* the recorded name: the outcome is kept */
				ok = strcasecmp(rp, ap) == 0;
				cf_memo_lit(cf, rp, ok);
				if (!ok)
					goto backup;
				avp++;
				break;
			}
			/* first bytes differ: most literal tokens stop here */
			if (tolower((unsigned char)rp[0]) !=
			    tolower((unsigned char)ap[0]) ||
			    strcasecmp(rp, ap) != 0)
				goto backup;
			avp++;
			break;
		}
		rvp++;
		continue;
backup:
		while (--mlp >= mlist) {
			rvp = mlp->pattern;
			rp = *rvp;
			avp = mlp->last + 1;
			ap = *avp;
			if (ap == NULL)
				continue;
			if ((unsigned char)rp[0] == META_MATCHANY ||
			    (unsigned char)rp[0] == META_MATCHZANY) {
				mlp->last = avp++;
				rvp++;
				mlp++;
				break;
			}
			if ((unsigned char)rp[0] == META_MATCHCLASS) {
				/* extend the phrase and try the class again */
				mlp->last = avp++;
				ok = class_has_phrase(cf, (unsigned char)rp[1],
				    mlp->first, mlp->last, &cat);
				while (!ok && *avp != NULL) {
					mlp->last = avp++;
					ok = class_has_phrase(cf,
					    (unsigned char)rp[1], mlp->first,
					    mlp->last, &cat);
				}
				if (ok) {
					rvp++;
					mlp++;
					break;
				}
				continue;
			}
		}
		if (mlp < mlist)
			break;
	}
	buf_free(&cat.cat);
	*nmatch = (int)(mlp - mlist);
	return !(mlp < mlist || *rvp != NULL);
}

int
cf_rewrite(struct cf *cf, char **pvp, int ruleset, int reclevel,
    int maxatom)
{
	char tmp[16], **npvp, **avp, **rvp, *rp;
	const char *rulename;
	const struct cf_rsvec *v;
	struct cf_rule *rwr;
	/*
	 * The match list: on the stack for the rules cfs have (newaliases
	 * spent 7 % of its time reallocating it on the heap per call).
	 */
	struct match mstack[MLIST_STACK], *mlist = mstack, *mheap = NULL;
	size_t mcap = 0, k;
	int rstat = EX_OK, status, loopcount, nmatch, i;
	unsigned long long have;

	if (ruleset < 0 || ruleset >= CF_MAXRWSETS) {
		cf_syserr(cf, "554 5.3.5 rewrite: illegal ruleset number %d",
		    ruleset);
		return EX_CONFIG;
	}
	/* its name is formatted only when shown (snprintf for a number) */
#define RULENAME() cf_rwset_name(cf, ruleset, tmp, sizeof(tmp))
	rulename = cf->testmode ? RULENAME() : NULL;
	trace(cf, rulename, "  input:", pvp);
	/*
	 * A cf can make the work exponential (a ruleset calling itself
	 * twice per level: 2^50 calls); sendmail follows it for ever.  The
	 * first too deep call, or too many rules tried, ends the whole
	 * top-level call (doc/differences.md).
	 */
	if (reclevel == 0)
		cf->rw_tries = 0, cf->rw_abort = 0;
	if (cf->rw_abort)
		return EX_CONFIG;
	if (reclevel++ > CF_MAXRULERECURSION) {
		cf_syserr(cf, "rewrite: excessive recursion (max %d), "
		    "ruleset %s", CF_MAXRULERECURSION, RULENAME());
		cf->rw_abort = 1;
		return EX_CONFIG;
	}
	npvp = cf_pvp_new(cf);
	v = rsvec(cf, ruleset);
	loopcount = 0;
	have = input_bits(pvp);
	for (k = 0; k < v->n; ) {	/* rule number k + 1 */
		if (pvp[0] != NULL &&
		    (unsigned char)pvp[0][0] == META_CANONNET)
			break;
		/*
		 * cannot match: skip, unless -d21 wants to see it tried or
		 * a memo records every test of the name (cf_memo.c)
		 */
		if ((v->need[k] & ~have) != 0 && cf->debug21 < 10 &&
		    cf->memo_x == NULL) {
			while (++k < v->n && (v->need[k] & ~have) != 0)
				;
			loopcount = 0;
			continue;
		}
		rwr = v->rule[k];
		if (cf->rw_abort)
			break;
		/* a rule tried only for a memo's record is not counted */
		if ((cf->memo_x == NULL || (v->need[k] & ~have) == 0) &&
		    ++cf->rw_tries > CF_MAXRULETRIES) {
			cf_syserr(cf, "554 5.3.5 rewrite: over %d rules tried, "
			    "ruleset %s", CF_MAXRULETRIES, RULENAME());
			cf->rw_abort = 1;
			break;
		}
		if (++loopcount > 100) {
			cf_syserr(cf, "554 5.3.5 Infinite loop in ruleset %s, "
			    "rule %zu", RULENAME(), k + 1);
			break;
		}
		if (rwr->lhs.n + 1 > MLIST_STACK) {
			if (rwr->lhs.n + 1 > mcap) {
				mcap = rwr->lhs.n + 1;
				mheap = xreallocarray(mheap, mcap,
				    sizeof(*mheap));
			}
			mlist = mheap;
		} else
			mlist = mstack;
		if (cf->debug21 >= 15) {
			(void)fprintf(cf->out, "-----trying rule (line %d):",
			    rwr->line);
			cf_printav(cf, cf->out, rwr->lhs.v);
		} else if (cf->debug21 >= 12) {
			(void)fputs("-----trying rule:", cf->out);
			cf_printav(cf, cf->out, rwr->lhs.v);
		}
		if (!match_lhs(cf, rwr->lhs.v, pvp, mlist, &nmatch)) {
			if (cf->debug21 >= 10)
				(void)fputs("----- rule fails\n", cf->out);
			k++;
			loopcount = 0;
			continue;
		}

		rvp = rwr->rhs.v;
		if (cf->debug21 >= 12) {
			(void)fputs("-----rule matches:", cf->out);
			cf_printav(cf, cf->out, rvp);
		}
		rp = *rvp;
		if (rp != NULL) {
			if ((unsigned char)rp[0] == META_CANONUSER) {
				rvp++;
				k++;
				loopcount = 0;
			} else if ((unsigned char)rp[0] == META_CANONHOST) {
				rvp++;
				k = v->n;
			}
		}

		/* substitute */
		for (avp = npvp; *rvp != NULL; rvp++) {
			rp = *rvp;
			if ((unsigned char)rp[0] == META_MATCHREPL) {
				struct match *m;
				char **pp;

				i = rp[1] - '1';
				if (i < 0 || i >= nmatch) {
					cf_syserr(cf, "554 5.3.5 rewrite: ruleset "
					    "%s: replacement $%c out of bounds",
					    RULENAME(), rp[1]);
					cf_pvp_free(cf, npvp);
					free(mheap);
					return EX_CONFIG;
				}
				m = &mlist[i];
				for (pp = m->first; pp <= m->last; pp++) {
					if (avp >= &npvp[maxatom])
						goto toolong;
					*avp++ = *pp;
				}
				continue;
			}
			if (avp >= &npvp[maxatom])
				goto toolong;
			if ((unsigned char)rp[0] != META_MACRODEXPAND) {
				*avp++ = rp;
				continue;
			}
			{
				const char *mval;
				char **xpvp;

				mval = cf_macvalue(cf, (unsigned char)rp[1]);
				if (cf->memo_x != NULL)
					cf_memo_macro(cf,
					    (unsigned char)rp[1], mval);
				if (cf->debug21 >= 2) {
					(void)fputs("rewrite: RHS $&", cf->out);
					cf_put_macname(cf, cf->out,
					    (unsigned char)rp[1]);
					(void)fprintf(cf->out, " => \"%s\"\n",
					    mval ? mval : "(NULL)");
				}
				if (mval == NULL || *mval == '\0')
					continue;
				xpvp = cf_pvp_new(cf);
				if (cf_prescan(cf, mval, '\0', NULL, xpvp, NULL,
				    NULL) == -1) {
					cf_pvp_free(cf, xpvp);
					cf_pvp_free(cf, npvp);
					free(mheap);
					return EX_DATAERR;
				}
				for (i = 0; xpvp[i] != NULL; i++) {
					*avp++ = xpvp[i];
					if (avp >= &npvp[maxatom]) {
						cf_pvp_free(cf, xpvp);
						goto toolong;
					}
				}
				cf_pvp_free(cf, xpvp);
			}
		}
		*avp = NULL;

		if (do_lookups(cf, npvp, maxatom, &rstat) == -1)
			goto toolong;

		status = callsubr(cf, npvp, reclevel, maxatom);
		if (rstat == EX_OK || status == EX_TEMPFAIL)
			rstat = status;

		for (i = 0; npvp[i] != NULL; i++)
			pvp[i] = npvp[i];
		pvp[i] = NULL;
		have = input_bits(pvp);
		if (cf->debug21 >= 4) {
			(void)fputs("rewritten as:", cf->out);
			cf_printav(cf, cf->out, pvp);
		}
	}
	cf_pvp_free(cf, npvp);
	free(mheap);
	if (cf->rw_abort)
		rstat = EX_CONFIG;
	trace(cf, rulename, "returns:", pvp);
	return rstat;
#undef RULENAME

toolong:
	cf_syserr(cf, "554 5.3.0 rewrite: expansion too long");
	cf_pvp_free(cf, npvp);
	free(mheap);
	return EX_DATAERR;
}

/*
 * A map key loses its double quotes, and a backslash keeps the next
 * character, unless the map says -q (sendmail's stripquotes): the key
 * "TLS_Clt":host is looked up as TLS_Clt:host.
 */
static void
key_stripquotes(struct buf *key)
{
	char *p, *q;

	if (key->len == 0)
		return;		/* and maybe no buffer: NULL + 0 */
	for (p = q = key->data; p < key->data + key->len; p++) {
		if (*p == '\\') {
			if (++p == key->data + key->len)
				break;	/* a last backslash goes */
			*q++ = *p;
		} else if (*p != '"')
			*q++ = *p;
	}
	buf_truncate(key, (size_t)(q - key->data));
}

/* The key of a lookup: key_rvp's tokens joined, quotes stripped. */
void
cf_lookup_key(struct cf *cf, struct map *map, char **key_rvp,
    struct buf *key)
{
	cf_cataddr(cf, key_rvp, NULL, key,
	    map != NULL ? map->spacesub : '\0', 1);
	if (map != NULL && !(map->flags & MF_KEEPQUOTES))
		key_stripquotes(key);
}

/* Whether the recorded name is among a lookup's arguments or default. */
static int
memo_in_args(struct cf *cf, char **rvp, int endtoken)
{
	int args = 0;

	for (; *rvp != NULL && (unsigned char)rvp[0][0] != endtoken; rvp++) {
		if ((unsigned char)rvp[0][0] == META_CANONHOST ||
		    (unsigned char)rvp[0][0] == META_CANONUSER)
			args = 1;
		else if (args && *rvp == cf->memo_x)
			return 1;
	}
	return 0;
}

#define TAIL_STACK	64	/* workspace tails saved without the heap */

/*
 * Replaces each $[ ... $] and $( map ... $) in npvp by the lookup's
 * result; -1 when the result would be too long.
 */
static int
do_lookups(struct cf *cf, char **npvp, int maxatom, int *rstat)
{
	char **rvp, **hbrvp, **key_rvp, **default_rvp, **xpvp, **avp;
	char **tail, **scanned, *tailstack[TAIL_STACK];
	const char *mapname, *args[CF_MAX_MAP_ARGS];
	struct buf key, val, argbuf[CF_MAX_MAP_ARGS];
	struct map *map;
	enum map_result mr;
	struct err err;
	int endtoken, nargs, stat, external, ntail, i, fail, mothers, mid;
	const char *replac;

	for (rvp = npvp; *rvp != NULL; rvp++) {
		hbrvp = rvp;
		if ((unsigned char)rvp[0][0] == META_HOSTBEGIN) {
			endtoken = META_HOSTEND;
			mapname = "host";
		} else if ((unsigned char)rvp[0][0] == META_LOOKUPBEGIN) {
			endtoken = META_LOOKUPEND;
			mapname = *++rvp;
			if (mapname != NULL && mapname == cf->memo_x)
				cf_memo_fail(cf);	/* a map named by it */
			if (mapname == NULL) {
				cf_syserr(cf, "554 5.3.0 rewrite: missing "
				    "mapname");
				return 0;
			}
		} else
			continue;

		map = map_find(cf->maps, mapname);
		if (map == NULL)
			cf_syserr(cf, "554 5.3.0 rewrite: map %s not found",
			    mapname);

		key_rvp = ++rvp;
		mothers = cf->memo_x != NULL &&
		    memo_in_args(cf, key_rvp, endtoken);
		default_rvp = NULL;
		xpvp = NULL;
		nargs = 0;
		/* argbuf[0..nargs) are initialised as they are used */
		while (*rvp != NULL &&
		    (unsigned char)rvp[0][0] != endtoken) {
			int nodetype = (unsigned char)rvp[0][0];

			if (nodetype != META_CANONHOST &&
			    nodetype != META_CANONUSER) {
				rvp++;
				continue;
			}
			*rvp++ = NULL;
			if (xpvp != NULL) {
				if (nargs < CF_MAX_MAP_ARGS - 1) {
					buf_init(&argbuf[nargs], 0);
					cf_cataddr(cf, xpvp, NULL,
					    &argbuf[nargs], '\0', 1);
					nargs++;
				}
				xpvp = NULL;
			}
			if (nodetype == META_CANONHOST)
				xpvp = rvp;
			else
				default_rvp = rvp;
		}
		if (*rvp != NULL)
			*rvp++ = NULL;
		if (xpvp != NULL && nargs < CF_MAX_MAP_ARGS - 1) {
			buf_init(&argbuf[nargs], 0);
			cf_cataddr(cf, xpvp, NULL, &argbuf[nargs], '\0', 1);
			nargs++;
		}
		for (i = 0; i < nargs; i++)
			args[i] = buf_cstr(&argbuf[i]);

		/* save the rest of the workspace */
		ntail = pvp_len(rvp);
		tail = ntail < TAIL_STACK ? tailstack :
		    xcalloc((size_t)ntail + 1, sizeof(char *));
		memcpy(tail, rvp, (size_t)ntail * sizeof(char *));
		tail[ntail] = NULL;

		buf_init(&key, 0);
		buf_init(&val, 0);
		cf_lookup_key(cf, map, key_rvp, &key);
		replac = NULL;
		external = 0;
		mr = MAP_NOTFOUND;
		err_clear(&err);
		if (map != NULL) {
			int first = !(map->flags & MF_OPENTRIED);

			err_clear(&err);
			stat = 0;
			mr = map_lookup(map, buf_cstr(&key), args,
			    (size_t)nargs, &val, &stat, &err);
			if (mr == MAP_FOUND) {
				replac = buf_cstr(&val);
				external = 1;
			} else if (mr == MAP_TEMPFAIL) {
				*rstat = EX_TEMPFAIL;
				if (val.len > 0) {	/* -T */
					replac = buf_cstr(&val);
					external = 1;
				}
			}
			if (err.kind != ERR_NONE && err.msg[0] != '\0' &&
			    (!(map->flags & MF_OPENFAILED) || first)) {
				cf_message(cf, "%s", err.msg);
				/* sendmail's syserr at the open: EX_OSERR */
				if ((map->flags & MF_OPENFAILED) &&
				    cf->exitstat == 0)
					cf->exitstat = 71;
			}
		}
		mid = cf->memo_x != NULL && cf_memo_lookup(cf, map, key_rvp,
		    mothers, args, nargs, mr, replac != NULL ? replac : "",
		    err.kind != ERR_NONE);
		if (replac == NULL && default_rvp != NULL) {
			cf_cataddr(cf, default_rvp, NULL, &val, '\0', 0);
			replac = buf_cstr(&val);
		}

		scanned = cf_pvp_new(cf);
		fail = 0;
		if (replac == NULL)
			xpvp = key_rvp;
		else {
			/* tokens of an empty or unparsable result: none */
			if (*replac != '\0')
				(void)cf_prescan(cf, replac, '\0', external ?
				    NULL : &cf->tok_int, scanned, NULL, NULL);
			/* the key given back: still the recorded name */
			if (mid && scanned[0] != NULL && scanned[1] == NULL)
				scanned[0] = cf->memo_x;
			else if (mid)
				cf_memo_fail(cf);
			xpvp = scanned;
		}
		/* the strings already belong to the rules or the arena */
		for (avp = hbrvp; *xpvp != NULL && !fail; xpvp++) {
			*avp++ = *xpvp;
			fail = avp >= &npvp[maxatom];
		}
		rvp = avp - 1;
		for (i = 0; i <= ntail && !fail; i++) {
			*avp++ = tail[i];
			fail = avp >= &npvp[maxatom + 1] && i < ntail;
		}
		if (tail != tailstack)
			free(tail);
		cf_pvp_free(cf, scanned);
		buf_free(&key);
		buf_free(&val);
		for (i = 0; i < nargs; i++)
			buf_free(&argbuf[i]);
		if (fail)
			return -1;
	}
	return 0;
}

/* Strips double quotes (not escaped ones) from s in place. */
static void
stripquotes(char *s)
{
	char *q = s;
	int c;

	if (s == NULL)
		return;
	do {
		c = *s++;
		if (c == '\\') {
			c = *s++;
			if (c == '\0')
				break;
		} else if (c == '"')
			continue;
		*q++ = (char)c;
	} while (c != '\0');
}

static int
callsubr(struct cf *cf, char **pvp, int reclevel, int maxatom)
{
	int subrnum[CF_MAXSUBR], subridx[CF_MAXSUBR];
	int nsubr = 0, j, i, subr, status, rstat = EX_OK;
	char **avp, *name;

	for (avp = pvp, j = 0; *avp != NULL; avp++, j++) {
		if ((unsigned char)avp[0][0] != META_CALLSUBR ||
		    avp[1] == NULL)
			continue;
		/* in place, as sendmail does: the rule itself loses them */
		name = avp[1];
		if (name == cf->memo_x)
			cf_memo_fail(cf);
		stripquotes(name);
		subr = cf_rwset(cf, name, 0, NULL);
		if (subr < 0) {
			cf_syserr(cf, "554 5.3.5 Unknown ruleset %s", name);
			return EX_CONFIG;
		}
		if (cf->rules[subr] == NULL) {
			/* an empty ruleset: drop the call */
			if (cf->debug21 >= 3)
				(void)fprintf(cf->out, "-----skip subr %s "
				    "(%d)\n", name, subr);
			for (i = 2; avp[i] != NULL; i++)
				avp[i - 2] = avp[i];
			avp[i - 2] = NULL;
			avp--;
			j--;
			continue;
		}
		if (++nsubr >= CF_MAXSUBR) {
			cf_syserr(cf, "554 5.3.0 Too many subroutine calls "
			    "(%d max)", CF_MAXSUBR);
			return EX_CONFIG;
		}
		subrnum[nsubr] = subr;
		subridx[nsubr] = j;
	}
	while (nsubr > 0) {
		subr = subrnum[nsubr];
		avp = pvp + subridx[nsubr];
		for (i = 2; avp[i] != NULL; i++)
			avp[i - 2] = avp[i];
		avp[i - 2] = NULL;
		status = cf_rewrite(cf, avp, subr, reclevel,
		    maxatom - subridx[nsubr]);
		if (status != EX_OK && status != EX_TEMPFAIL)
			return status;
		if (rstat == EX_OK || status == EX_TEMPFAIL)
			rstat = status;
		nsubr--;
	}
	return rstat;
}
