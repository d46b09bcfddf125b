/*
 * cf_token.c -- the token workspaces rewriting runs on: vectors from a
 * free list, strings in a per-operation arena, the configuration's
 * token tables and the prescan wrapper that words its complaints.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cf_int.h"
#include "lib/xalloc.h"

/* Workspaces come from a free list: rewriting takes and drops many. */
char **
cf_pvp_new(struct cf *cf)
{
	char **v;

	if (cf->pvpool.n > 0)
		v = cf->pvpool.v[--cf->pvpool.n];
	else
		v = xreallocarray(NULL, ADDR_MAXATOM + 2, sizeof(char *));
	v[0] = NULL;	/* writers keep it NULL-terminated */
	return v;
}

void
cf_pvp_free(struct cf *cf, char **v)
{
	if (v != NULL)
		ptrarr_push(&cf->pvpool, v);
}

#define ARENA_CHUNK	65536

/*
 * Strings live in chunks handed out by bumping an offset and dropped
 * together; one standard chunk is kept for the next operation.
 */
char *
cf_arena_str(struct cf *cf, const char *s, size_t n)
{
	struct ptrarr *a = &cf->arena;
	size_t need = n + 1, size;
	char *p;

	if (a->n == 0 || cf->arena_used + need > cf->arena_size) {
		size = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		ptrarr_push(a, xmalloc(size));
		cf->arena_size = size;
		cf->arena_used = 0;
		if (a->n == 1)
			cf->arena_first = size;
	}
	p = (char *)a->v[a->n - 1] + cf->arena_used;
	memcpy(p, s, n);
	p[n] = '\0';
	cf->arena_used += need;
	return p;
}

void
cf_arena_reset(struct cf *cf)
{
	size_t i, keep;

	keep = cf->arena.n > 0 && cf->arena_first == ARENA_CHUNK;
	for (i = keep; i < cf->arena.n; i++)
		free(cf->arena.v[i]);
	cf->arena.n = keep;
	cf->arena_used = 0;
	cf->arena_size = keep ? ARENA_CHUNK : 0;
}

void
cf_tokens_prepare(struct cf *cf)
{
	const char *ops;

	if (cf->tok_ready)
		return;
	ops = cf_macvalue(cf, 'o');
	if (ops == NULL)
		ops = ".:@[]";
	addr_toktab_ext(&cf->tok_ext, ops);
	addr_toktab_int(&cf->tok_int, ops);
	addr_toktab_nocomment(&cf->tok_noc, ops);
	cf->tok_ready = 1;
}

struct scanctx {
	struct cf	*cf;
	const char	*to;
};

static void
prescan_err(void *arg, const char *msg)
{
	struct scanctx *sc = arg;

	cf_usrerr(sc->cf, sc->to, "%s", msg);
}

/*
 * The length of s when it is one plain word (letters, digits, - and _,
 * all atom characters in tab) up to delim or its end, else 0: prescan
 * would make it one token, say nothing and stop at the delimiter, so
 * the scanner is not needed (newaliases' names, most map answers).
 */
static size_t
plain_word(const char *s, int delim, const struct addr_toktab *tab)
{
	size_t n = 0;
	int c;

	for (; (c = (unsigned char)s[n]) != '\0' && c != delim; n++)
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') ||
		    tab->type[c] != ADDR_ATM || n >= ADDR_MAXNAME - 1)
			return 0;
	return n;
}

int
cf_prescan(struct cf *cf, const char *s, int delim,
    const struct addr_toktab *tab, char **pvp, size_t *end_out,
    const char *to)
{
	struct addr_tokens t;
	struct scanctx sc = { cf, to };
	size_t i;

	cf_tokens_prepare(cf);
	if (tab == NULL)
		tab = &cf->tok_ext;
	if ((i = plain_word(s, delim, tab)) > 0) {
		pvp[0] = cf_arena_str(cf, s, i);
		pvp[1] = NULL;
		if (end_out != NULL)
			*end_out = i;
		return 0;
	}
	if (addr_prescan(s, delim, tab, 0, &t, end_out, prescan_err,
	    &sc) != ADDR_SCAN_OK) {
		pvp[0] = NULL;
		return -1;
	}
	for (i = 0; i < t.n; i++)
		pvp[i] = cf_arena_str(cf, t.v[i], strlen(t.v[i]));
	pvp[t.n] = NULL;
	addr_tokens_free(&t);
	return 0;
}

/* Joins tokens as sendmail's cataddr: BlankSub between two atoms. */
void
cf_cataddr(struct cf *cf, char *const *pvp, char *const *evp,
    struct buf *out, int spacesub, int external)
{
	const struct addr_toktab *tab;
	int oatom = 0, natom;

	cf_tokens_prepare(cf);
	tab = external ? &cf->tok_ext : &cf->tok_int;
	buf_reset(out);
	/* 0 means the configuration's BlankSub; anything else is literal */
	if (spacesub == '\0')
		spacesub = cf->spacesub;
	if (pvp == NULL)
		return;
	for (; *pvp != NULL; pvp++) {
		natom = tab->type[(unsigned char)**pvp] == ADDR_ATM;
		if (oatom && natom)
			buf_addc(out, spacesub);
		buf_adds(out, *pvp);
		oatom = natom;
		if (pvp == evp)
			break;
	}
}
