/*
 * addr_prescan.c -- the address tokeniser.  A small state machine over
 * character types (operator, atom, quote, space, one-shot, illegal)
 * decides where tokens break; parentheses may open comments, angle
 * brackets and quotes are counted so a delimiter inside them does not
 * end the address, and unbalanced input is patched the way sendmail
 * patches it, with a message for each patch.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "lib/xalloc.h"

/* bits over the next state: M drops the character, B breaks the token */
#define ST_TYPE	017
#define ST_M	020
#define ST_B	040

static const unsigned char state_tab[6][6] = {
	/* from OPR */ { ADDR_OPR|ST_B, ADDR_ATM|ST_B, ADDR_QST|ST_B,
			 ADDR_SPC|ST_M|ST_B, ADDR_ONE|ST_B, ADDR_ILL|ST_M|ST_B },
	/* from ATM */ { ADDR_OPR|ST_B, ADDR_ATM, ADDR_QST|ST_B,
			 ADDR_SPC|ST_M|ST_B, ADDR_ONE|ST_B, ADDR_ILL|ST_M|ST_B },
	/* from QST */ { ADDR_QST, ADDR_QST, ADDR_OPR, ADDR_QST, ADDR_QST,
			 ADDR_QST },
	/* from SPC */ { ADDR_OPR, ADDR_ATM, ADDR_QST, ADDR_SPC|ST_M,
			 ADDR_ONE, ADDR_ILL|ST_M|ST_B },
	/* from ONE */ { ADDR_OPR, ADDR_OPR, ADDR_OPR, ADDR_OPR, ADDR_OPR,
			 ADDR_ILL|ST_M|ST_B },
	/* from ILL */ { ADDR_OPR|ST_B, ADDR_ATM|ST_B, ADDR_QST|ST_B,
			 ADDR_SPC|ST_M|ST_B, ADDR_ONE|ST_B, ADDR_ILL|ST_M },
};

static void
toktab_base(struct addr_toktab *t, const char *ops)
{
	int c;

	for (c = 0; c < 256; c++)
		t->type[c] = ADDR_ATM;
	for (c = '\t'; c <= '\r'; c++)
		t->type[c] = ADDR_SPC;
	t->type[' '] = ADDR_SPC;
	t->type['"'] = ADDR_QST;
	t->type['('] = ADDR_SPC;
	t->type[')'] = ADDR_SPC;
	for (; ops != NULL && *ops != '\0'; ops++)
		if (t->type[(unsigned char)*ops] == ADDR_ATM)
			t->type[(unsigned char)*ops] = ADDR_OPR;
	for (ops = "()<>,;"; *ops != '\0'; ops++)
		if (t->type[(unsigned char)*ops] == ADDR_ATM)
			t->type[(unsigned char)*ops] = ADDR_OPR;
}

void
addr_toktab_ext(struct addr_toktab *t, const char *ops)
{
	toktab_base(t, ops);
}

void
addr_toktab_int(struct addr_toktab *t, const char *ops)
{
	int c;

	toktab_base(t, ops);
	for (c = 0200; c < 0240; c++)
		t->type[c] = ADDR_OPR;
	t->type[META_MACROEXPAND] = ADDR_ONE;
	t->type[META_MACRODEXPAND] = ADDR_ONE;
	t->type[META_MATCHCLASS] = ADDR_ONE;
	t->type[META_MATCHNCLASS] = ADDR_ONE;
	t->type[META_MATCHREPL] = ADDR_ONE;
}

void
addr_toktab_nocomment(struct addr_toktab *t, const char *ops)
{
	addr_toktab_int(t, ops);
	t->type['('] = ADDR_OPR;
	t->type[')'] = ADDR_OPR;
}

void
addr_tokens_free(struct addr_tokens *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t->store);
	t->v = NULL;
	t->store = NULL;
	t->n = 0;
}

void
addr_tokens_copy(struct addr_tokens *t, char *const *v, size_t n)
{
	size_t i, len = 0, off = 0, l;

	for (i = 0; i < n; i++)
		len = xadd(len, strlen(v[i]) + 1);
	t->store = xmalloc(len + 1);
	t->v = xreallocarray(NULL, n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		l = strlen(v[i]) + 1;
		memcpy(t->store + off, v[i], l);
		t->v[i] = t->store + off;
		off += l;
	}
	t->v[n] = NULL;
	t->n = n;
}

struct scan {
	const struct addr_toktab *tab;
	void		(*errfn)(void *, const char *);
	void		 *errarg;
	int		  failed;
};

static void
scan_err(struct scan *s, const char *msg)
{
	if (s->errfn != NULL)
		s->errfn(s->errarg, msg);
}

enum addr_scan
addr_prescan(const char *addr, int delim, const struct addr_toktab *tab,
    int ignore, struct addr_tokens *out, size_t *end_out,
    void (*errfn)(void *, const char *), void *errarg)
{
	struct scan sc = { tab, errfn, errarg, 0 };
	size_t cap, q = 0, tok, ntok = 0, i;
	size_t *offs = NULL, offcap = 0;
	const char *p = addr;
	char *store;
	int c = META_NOCHAR, state = ADDR_ATM, newstate;
	int bslash = 0, cmnt = 0, angle = 0, route = 0;
	char illbuf[64];

	out->v = NULL;
	out->store = NULL;
	out->n = 0;
	/* sendmail's bound: every write below checks q against it */
	cap = ADDR_PSBUFSIZE + 8;
	store = xmalloc(cap);
	do {
		tok = q;
		for (;;) {
			if (c != META_NOCHAR && !bslash) {
				if (q >= ADDR_PSBUFSIZE - 5) {
					scan_err(&sc, "553 5.1.1 Address too long");
					goto fail;
				}
				store[q++] = (char)c;
			}
			c = (unsigned char)*p++;
			if (c == '\0') {
				if (ignore)
					break;
				else if (state == ADDR_QST) {
					scan_err(&sc, "553 Unbalanced '\"'");
					c = '"';
				} else if (cmnt > 0) {
					scan_err(&sc, "553 Unbalanced '('");
					c = ')';
				} else if (angle > 0) {
					c = '>';
					scan_err(&sc, "553 Unbalanced '<'");
				} else
					break;
				p--;
			} else if (c == delim && cmnt <= 0 && state != ADDR_QST) {
				if (angle <= 0)
					break;
				if (delim == ',' && !route) {
					scan_err(&sc, "553 Unbalanced '<'");
					c = '>';
					p--;
				}
			}

			/* the special characters */
			if (bslash) {
				bslash = 0;
				if (cmnt > 0) {
					c = META_NOCHAR;
					continue;
				} else if (c != '!' || state == ADDR_QST) {
					if (q >= ADDR_PSBUFSIZE - 5) {
						scan_err(&sc, "553 5.1.1 Address too long");
						goto fail;
					}
					store[q++] = '\\';
					continue;
				}
			}
			if (c == '\\')
				bslash = 1;
			else if (state == ADDR_QST)
				;
			else if (c == '(' && tab->type['('] == ADDR_SPC) {
				cmnt++;
				c = META_NOCHAR;
			} else if (c == ')' && tab->type['('] == ADDR_SPC) {
				if (cmnt <= 0) {
					scan_err(&sc, "553 Unbalanced ')'");
					c = META_NOCHAR;
				} else
					cmnt--;
			} else if (cmnt > 0)
				c = META_NOCHAR;
			else if (c == '<') {
				const char *r = p;

				angle++;
				while (isascii((unsigned char)*r) &&
				    isspace((unsigned char)*r))
					r++;
				if (*r == '@')
					route = 1;
			} else if (c == '>') {
				/* a rule side keeps its stray '>' silently */
				if (angle <= 0 && !ignore) {
					scan_err(&sc, "553 Unbalanced '>'");
					c = META_NOCHAR;
				} else if (angle > 0)
					angle--;
			} else if (delim == ' ' && isascii(c) && isspace(c))
				c = ' ';

			if (c == META_NOCHAR)
				continue;
			if (c == delim && angle <= 0 && state != ADDR_QST)
				break;

			newstate = state_tab[state][tab->type[c & 0xff]];
			state = newstate & ST_TYPE;
			if (state == ADDR_ILL) {
				if (isascii(c) && isprint(c))
					(void)snprintf(illbuf, sizeof(illbuf),
					    "553 Illegal character %c", c);
				else
					(void)snprintf(illbuf, sizeof(illbuf),
					    "553 Illegal character 0x%02x",
					    c & 0xff);
				scan_err(&sc, illbuf);
			}
			if (newstate & ST_M)
				c = META_NOCHAR;
			if (newstate & ST_B)
				break;
		}
		if (tok != q) {
			store[q++] = '\0';
			if (ntok >= ADDR_MAXATOM) {
				scan_err(&sc, "553 5.1.0 prescan: too many tokens");
				goto fail;
			}
			if (q - tok > ADDR_MAXNAME) {
				scan_err(&sc, "553 5.1.0 prescan: token too long");
				goto fail;
			}
			if (ntok + 1 >= offcap) {
				offcap = offcap ? offcap * 2 : 16;
				offs = xreallocarray(offs, offcap, sizeof(*offs));
			}
			offs[ntok++] = tok;
		}
	} while (c != '\0' && (c != delim || angle > 0));

	if (end_out != NULL) {
		if (p > addr)
			p--;
		*end_out = (size_t)(p - addr);
	}
	out->store = store;
	out->v = xreallocarray(NULL, ntok + 1, sizeof(char *));
	for (i = 0; i < ntok; i++)
		out->v[i] = store + offs[i];
	out->v[ntok] = NULL;
	out->n = ntok;
	free(offs);
	return ADDR_SCAN_OK;

fail:
	if (end_out != NULL) {
		if (p > addr)
			p--;
		*end_out = (size_t)(p - addr);
	}
	free(offs);
	free(store);
	return ADDR_SCAN_ERROR;
}
