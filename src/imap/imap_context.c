/*
 * imap_context.c -- CONTEXT=SEARCH (RFC 5267) as dovecot 2.3 has it:
 * SEARCH RETURN (UPDATE) keeps the search (its keys and the UIDs that
 * matched) under the command's tag, and after later commands the
 * selected mailbox's view is searched again and the differences sent
 * as "* ESEARCH (TAG t) [UID] REMOVEFROM (0 set) ADDTO (0 set)" (the
 * search runs again only when the view's UIDs, flags, keywords or
 * mod-sequences changed);
 * CANCELUPDATE drops kept searches; PARTIAL's result ranges are cut
 * here.  The kept searches end with the selection.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define UPDATES_MAX	10		/* as dovecot's client */

struct ctx_update {
	char		*tag;
	int		 uid;
	struct imap_arg	*args;		/* the search keys, copied */
	size_t		 nargs;
	uint32_t	*uids;		/* matching now, ascending */
	size_t		 n;
};

struct imap_ctxsearch {
	struct ctx_update	 v[UPDATES_MAX];
	size_t			 n;
	uint64_t		 sig;	/* of the view last searched */
};

/* FNV-1a over what a search result can depend on in the view. */
static uint64_t
view_sig(const struct imap_session *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < s->nknown; i++) {
		const struct imap_known *k = &s->known[i];
		uint64_t w[4] = { k->uid, k->flags, k->kw, k->modseq };
		size_t j;

		for (j = 0; j < 4; j++) {
			h ^= w[j] + ((uint64_t)k->recent << 40);
			h *= 0x100000001b3ULL;
		}
	}
	return h ^ s->nknown;
}

static void
args_copy(struct imap_arg **out, const struct imap_arg *in, size_t n)
{
	size_t i;

	*out = n ? xcalloc(n, sizeof(**out)) : NULL;
	for (i = 0; i < n; i++) {
		(*out)[i] = in[i];
		(*out)[i].str = NULL;
		if (in[i].str != NULL) {
			(*out)[i].str = xmalloc(in[i].len + 1);
			memcpy((*out)[i].str, in[i].str, in[i].len + 1);
		}
		args_copy(&(*out)[i].list, in[i].list, in[i].nlist);
	}
}

static void
update_free(struct ctx_update *u)
{
	free(u->tag);
	imap_args_free(u->args, u->nargs);
	free(u->uids);
	memset(u, 0, sizeof(*u));
}

void
imap_ctx_free(struct imap_session *s)
{
	size_t i;

	if (s->ctxsearch == NULL)
		return;
	for (i = 0; i < s->ctxsearch->n; i++)
		update_free(&s->ctxsearch->v[i]);
	free(s->ctxsearch);
	s->ctxsearch = NULL;
}

static struct ctx_update *
find(struct imap_session *s, const char *tag, size_t *at)
{
	size_t i;

	for (i = 0; s->ctxsearch != NULL && i < s->ctxsearch->n; i++)
		if (strcmp(s->ctxsearch->v[i].tag, tag) == 0) {
			if (at != NULL)
				*at = i;
			return &s->ctxsearch->v[i];
		}
	return NULL;
}

int
imap_ctx_has(struct imap_session *s, const char *tag)
{
	return find(s, tag, NULL) != NULL;
}

int
imap_ctx_keep(struct imap_session *s, const char *tag, int uid,
    const struct imap_arg *args, size_t nargs, const uint32_t *uids,
    size_t n)
{
	struct ctx_update *u;

	if (s->ctxsearch == NULL)
		s->ctxsearch = xcalloc(1, sizeof(*s->ctxsearch));
	if (s->ctxsearch->n == UPDATES_MAX) {
		struct buf b;

		buf_init(&b, 0);
		(void)buf_adds(&b, "NO [NOUPDATE ");
		imap_cstr_out(&b, tag);
		(void)buf_addc(&b, ']');
		imap_reply(s, "%s", b.data);
		buf_free(&b);
		return -1;
	}
	u = &s->ctxsearch->v[s->ctxsearch->n++];
	s->ctxsearch->sig = view_sig(s);
	u->tag = xstrdup(tag);
	u->uid = uid;
	args_copy(&u->args, args, nargs);
	u->nargs = nargs;
	u->uids = xreallocarray(NULL, n ? n : 1, sizeof(*u->uids));
	memcpy(u->uids, uids, n * sizeof(*uids));
	u->n = n;
	return 0;
}

/* UIDs in a and not in b (both ascending), as sequence numbers of the
 * view when seq is set (UIDs no longer known are left out then). */
static void
minus(struct imap_session *s, const uint32_t *a, size_t na,
    const uint32_t *b, size_t nb, int seq, uint32_t **out, size_t *n_out)
{
	size_t i = 0, j = 0, k = 0, n = 0;

	*out = xreallocarray(NULL, na ? na : 1, sizeof(**out));
	for (i = 0; i < na; i++) {
		while (j < nb && b[j] < a[i])
			j++;
		if (j < nb && b[j] == a[i])
			continue;
		if (!seq) {
			(*out)[n++] = a[i];
			continue;
		}
		while (k < s->nknown && s->known[k].uid < a[i])
			k++;
		if (k < s->nknown && s->known[k].uid == a[i])
			(*out)[n++] = (uint32_t)k + 1;
	}
	*n_out = n;
}

int
imap_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* "* ESEARCH (TAG t) [UID] REMOVEFROM (0 rem) ADDTO (0 add)" */
static void
update_out(struct imap_session *s, const struct ctx_update *u,
    const uint32_t *rem, size_t nrem, const uint32_t *add, size_t nadd)
{
	struct buf b;

	if (nrem == 0 && nadd == 0)
		return;
	buf_init(&b, 0);
	(void)buf_adds(&b, "ESEARCH (TAG ");
	imap_cstr_out(&b, u->tag);
	(void)buf_addc(&b, ')');
	if (u->uid)
		(void)buf_adds(&b, " UID");
	if (nrem > 0) {
		(void)buf_adds(&b, " REMOVEFROM (0 ");
		imap_set_out(&b, rem, nrem);
		(void)buf_addc(&b, ')');
	}
	if (nadd > 0) {
		(void)buf_adds(&b, " ADDTO (0 ");
		imap_set_out(&b, add, nadd);
		(void)buf_addc(&b, ')');
	}
	imap_reply(s, "%s", b.data);
	buf_free(&b);
}

static void
notify_one(struct imap_session *s, struct ctx_update *u)
{
	size_t *seqs, n, i, nrem, nadd;
	uint32_t *now, *rem, *add;

	if (imap_search_run(s, NULL, "SEARCH", u->args, u->nargs, &seqs, &n,
	    NULL) == -1)
		return;
	now = xreallocarray(NULL, n ? n : 1, sizeof(*now));
	for (i = 0; i < n; i++)
		now[i] = s->known[seqs[i] - 1].uid;
	free(seqs);
	qsort(now, n, sizeof(*now), imap_u32_cmp);
	minus(s, u->uids, u->n, now, n, !u->uid, &rem, &nrem);
	minus(s, now, n, u->uids, u->n, !u->uid, &add, &nadd);
	update_out(s, u, rem, nrem, add, nadd);
	free(rem);
	free(add);
	free(u->uids);
	u->uids = now;
	u->n = n;
}

void
imap_ctx_gone(struct imap_session *s, const uint32_t *gone, size_t ngone)
{
	size_t i, k, nrem, nleft;
	uint32_t *rem, *left;

	for (i = 0; s->ctxsearch != NULL && ngone > 0 &&
	    i < s->ctxsearch->n; i++) {
		struct ctx_update *u = &s->ctxsearch->v[i];

		/* what leaves the result: the gone UIDs it held */
		minus(s, u->uids, u->n, gone, ngone, 0, &left, &nleft);
		minus(s, u->uids, u->n, left, nleft, !u->uid, &rem, &nrem);
		update_out(s, u, rem, nrem, NULL, 0);
		for (k = 0; k < nleft; k++)
			u->uids[k] = left[k];
		u->n = nleft;
		free(rem);
		free(left);
	}
}

void
imap_ctx_notify(struct imap_session *s)
{
	uint64_t sig;
	size_t i;

	if (s->ctxsearch == NULL || s->state != IMAP_SELECTED)
		return;
	if ((sig = view_sig(s)) == s->ctxsearch->sig)
		return;
	s->ctxsearch->sig = sig;
	for (i = 0; i < s->ctxsearch->n; i++)
		notify_one(s, &s->ctxsearch->v[i]);
}

void
imap_cmd_cancelupdate(struct imap_session *s, struct imap_cmd *c)
{
	size_t i, at;

	for (i = 0; i < c->nargs; i++)
		if (c->args[i].type != IMAP_ARG_QUOTED)
			break;
	if (i < c->nargs || c->nargs == 0) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command "
		    "CANCELUPDATE: Invalid parameters.");
		return;
	}
	for (i = 0; i < c->nargs; i++) {
		if (find(s, c->args[i].str, &at) == NULL) {
			imap_tagged(s, c->tag, "NO Unknown tag.");
			return;
		}
		update_free(&s->ctxsearch->v[at]);
		memmove(&s->ctxsearch->v[at], &s->ctxsearch->v[at + 1],
		    (s->ctxsearch->n - at - 1) * sizeof(s->ctxsearch->v[0]));
		s->ctxsearch->n--;
	}
	imap_tagged(s, c->tag, "OK Updates cancelled.");
}

int
imap_partial_parse(const char *str, uint32_t range[2])
{
	uint64_t a = 0, b = 0;
	const char *p = str;

	for (; *p >= '0' && *p <= '9'; p++)
		if ((a = a * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return -1;
	if (*p != ':' || a == 0)
		return -1;
	for (p++; *p >= '0' && *p <= '9'; p++)
		if ((b = b * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return -1;
	if (*p != '\0' || b == 0)
		return -1;
	range[0] = (uint32_t)(a < b ? a : b);
	range[1] = (uint32_t)(a < b ? b : a);
	return 0;
}

void
imap_partial_out(struct buf *out, const uint32_t range[2], const uint32_t *v,
    size_t n)
{
	buf_printf(out, " PARTIAL (%" PRIu32 ":%" PRIu32 " ", range[0],
	    range[1]);
	if (n < range[0])
		(void)buf_adds(out, "NIL");
	else {
		size_t hi = range[1] < n ? range[1] : n;

		imap_set_out(out, v + range[0] - 1, hi - range[0] + 1);
	}
	(void)buf_addc(out, ')');
}

void
imap_esearch_ret_out(struct buf *out, const struct imap_session *s,
    const char *tag, int uid, unsigned ret, const uint32_t *v, size_t n)
{
	if (!(ret & IMAP_RET_PARTIAL)) {
		imap_esearch_out(out, tag, uid, ret, v, n);
		return;
	}
	/* dovecot's order: MIN MAX PARTIAL COUNT */
	imap_esearch_out(out, tag, uid, ret & ~(unsigned)IMAP_RET_COUNT, v,
	    n);
	imap_partial_out(out, s->ret_partial, v, n);
	if (ret & IMAP_RET_COUNT)
		buf_printf(out, " COUNT %zu", n);
}
