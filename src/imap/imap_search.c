/*
 * imap_search.c -- SEARCH and UID SEARCH: the RFC 3501 search keys
 * parsed into a tree of typed keys (bounded depth), then tested against
 * each message of the client's view; a message's text is read only for
 * the header, body and text keys.  Strings match as substrings under
 * i;unicode-casemap (I18NLEVEL=1) of the decoded text (imap_msgtext.c),
 * the key taken from the command's CHARSET; dates compare whole days.
 * A message another session expunged (the client not told yet) still
 * has its flags, UID and number; a key that needs more is unknown for
 * it, and when that leaves the answer unknown the message is left out
 * and the reply says [EXPUNGEISSUED], as dovecot's does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define DEPTH_MAX	32

enum skind {
	K_ALL, K_FLAG, K_UNFLAG, K_KEYWORD, K_UNKEYWORD, K_NEW, K_OLD,
	K_RECENT, K_HEADER, K_BODY, K_TEXT, K_BEFORE, K_ON, K_SINCE,
	K_SENTBEFORE, K_SENTON, K_SENTSINCE, K_LARGER, K_SMALLER, K_UID,
	K_SEQ, K_NOT, K_OR, K_AND, K_MODSEQ, K_OLDER, K_YOUNGER,
	K_SAVEDBEFORE, K_SAVEDON, K_SAVEDSINCE, K_SAVEDATESUPPORTED
};

struct skey {
	enum skind	 kind;
	unsigned	 flag;
	char		*kw;
	char		*hdr;
	char		*str;
	time_t		 t;
	uint64_t	 n;
	struct imap_seqset set;
	struct skey	*kids;
	size_t		 nkids;
};

struct sparse {
	struct imap_session	*s;
	const struct imap_arg	*v;
	size_t			 n, pos;
	const char		*why;
	int			 modseq;	/* a MODSEQ key was used */
	const char		*charset;	/* of the string keys */
};

static void
skey_free(struct skey *k)
{
	size_t i;

	for (i = 0; i < k->nkids; i++)
		skey_free(&k->kids[i]);
	free(k->kids);
	free(k->kw);
	free(k->hdr);
	free(k->str);
	imap_seqset_free(&k->set);
}

static struct skey *
kid(struct skey *k)
{
	k->kids = xreallocarray(k->kids, k->nkids + 1, sizeof(*k->kids));
	memset(&k->kids[k->nkids], 0, sizeof(k->kids[0]));
	return &k->kids[k->nkids++];
}

static const char *
next_str(struct sparse *p)
{
	const char *s;

	if (p->pos >= p->n || (s = imap_arg_string(&p->v[p->pos])) == NULL) {
		p->why = "Missing argument";
		return NULL;
	}
	p->pos++;
	return s;
}

static int parse_key(struct sparse *, struct skey *, int depth);

/* A string key in the form the text is compared in: from the command's
 * charset to UTF-8, then i;unicode-casemap (I18NLEVEL=1). */
static char *
key_text(struct sparse *p, const char *v)
{
	struct buf u, c;
	char *r;
	size_t i, k;

	/* UTF-8 that is not: as dovecot, a bad key */
	if (p->charset == NULL || imap_charset_utf8(p->charset))
		for (i = 0; v[i] != '\0'; i += k)
			if ((k = imap_utf8_len((const unsigned char *)v + i,
			    strlen(v + i))) == 0) {
				p->why = "Invalid search key.";
				return NULL;
			}
	buf_init(&u, 0);
	buf_init(&c, 0);
	if (imap_utf8_from(p->charset, v, strlen(v), &u) == -1)
		(void)imap_utf8_from(NULL, v, strlen(v), &u);
	imap_casemap(buf_cstr(&u), u.len, &c);
	r = xstrdup(buf_cstr(&c));
	buf_free(&u);
	buf_free(&c);
	return r;
}

static int
parse_list(struct sparse *p, const struct imap_arg *v, size_t n,
    struct skey *k, int depth)
{
	struct sparse sub = { p->s, v, n, 0, NULL, 0, p->charset };

	k->kind = K_AND;
	if (n == 0) {
		p->why = "Empty list";
		return -1;
	}
	while (sub.pos < sub.n)
		if (parse_key(&sub, kid(k), depth + 1) == -1) {
			p->why = sub.why;
			return -1;
		}
	p->modseq |= sub.modseq;
	return 0;
}

static int
parse_key(struct sparse *p, struct skey *k, int depth)
{
	static const struct {
		const char	*name;
		enum skind	 kind;
		unsigned	 flag;
	} simple[] = {
		{ "ALL", K_ALL, 0 },
		{ "ANSWERED", K_FLAG, MSG_ANSWERED },
		{ "DELETED", K_FLAG, MSG_DELETED },
		{ "DRAFT", K_FLAG, MSG_DRAFT },
		{ "FLAGGED", K_FLAG, MSG_FLAGGED },
		{ "SEEN", K_FLAG, MSG_SEEN },
		{ "UNANSWERED", K_UNFLAG, MSG_ANSWERED },
		{ "UNDELETED", K_UNFLAG, MSG_DELETED },
		{ "UNDRAFT", K_UNFLAG, MSG_DRAFT },
		{ "UNFLAGGED", K_UNFLAG, MSG_FLAGGED },
		{ "UNSEEN", K_UNFLAG, MSG_SEEN },
		{ "NEW", K_NEW, 0 },
		{ "OLD", K_OLD, 0 },
		{ "RECENT", K_RECENT, 0 },
		{ "SAVEDATESUPPORTED", K_SAVEDATESUPPORTED, 0 },
	};
	static const struct {
		const char	*name;
		enum skind	 kind;
		const char	*hdr;
	} strs[] = {
		{ "BCC", K_HEADER, "Bcc" }, { "CC", K_HEADER, "Cc" },
		{ "FROM", K_HEADER, "From" }, { "TO", K_HEADER, "To" },
		{ "SUBJECT", K_HEADER, "Subject" },
		{ "BODY", K_BODY, NULL }, { "TEXT", K_TEXT, NULL },
	};
	static const struct {
		const char	*name;
		enum skind	 kind;
	} dates[] = {
		{ "BEFORE", K_BEFORE }, { "ON", K_ON }, { "SINCE", K_SINCE },
		{ "SENTBEFORE", K_SENTBEFORE }, { "SENTON", K_SENTON },
		{ "SENTSINCE", K_SENTSINCE },
		{ "SAVEDBEFORE", K_SAVEDBEFORE }, { "SAVEDON", K_SAVEDON },
		{ "SAVEDSINCE", K_SAVEDSINCE },
	};
	const struct imap_arg *a;
	const char *w, *v;
	size_t i;

	if (depth > DEPTH_MAX) {
		p->why = "Too deep";
		return -1;
	}
	if (p->pos >= p->n) {
		p->why = "Missing search key";
		return -1;
	}
	a = &p->v[p->pos++];
	if (a->type == IMAP_ARG_LIST)
		return parse_list(p, a->list, a->nlist, k, depth);
	if ((w = imap_arg_string(a)) == NULL) {
		p->why = "Invalid search key";
		return -1;
	}
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (str_casecmp(w, simple[i].name) == 0) {
			k->kind = simple[i].kind;
			k->flag = simple[i].flag;
			return 0;
		}
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (str_casecmp(w, strs[i].name) == 0) {
			if ((v = next_str(p)) == NULL)
				return -1;
			k->kind = strs[i].kind;
			k->hdr = strs[i].hdr ? xstrdup(strs[i].hdr) : NULL;
			/* address keys match the parsed addresses too */
			k->flag = strs[i].hdr != NULL &&
			    strcmp(strs[i].hdr, "Subject") != 0;
			k->str = key_text(p, v);
			return k->str == NULL ? -1 : 0;
		}
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
		if (str_casecmp(w, dates[i].name) == 0) {
			if ((v = next_str(p)) == NULL)
				return -1;
			if (imap_date_parse(v, &k->t) == -1) {
				p->why = "Invalid search date parameter.";
				return -1;
			}
			k->kind = dates[i].kind;
			return 0;
		}
	if (str_casecmp(w, "HEADER") == 0) {
		const char *h;

		if ((h = next_str(p)) == NULL || (v = next_str(p)) == NULL)
			return -1;
		k->kind = K_HEADER;
		k->hdr = xstrdup(h);
		k->str = key_text(p, v);
		return k->str == NULL ? -1 : 0;
	}
	if (str_casecmp(w, "KEYWORD") == 0 ||
	    str_casecmp(w, "UNKEYWORD") == 0) {
		if ((v = next_str(p)) == NULL)
			return -1;
		k->kind = w[0] == 'K' || w[0] == 'k' ? K_KEYWORD : K_UNKEYWORD;
		k->kw = xstrdup(v);
		return 0;
	}
	/* WITHIN (RFC 5032): OLDER/YOUNGER seconds, by INTERNALDATE */
	if (str_casecmp(w, "OLDER") == 0 || str_casecmp(w, "YOUNGER") == 0) {
		char *end;

		if ((v = next_str(p)) == NULL)
			return -1;
		k->n = strtoull(v, &end, 10);
		if (end == v || *end != '\0' || k->n == 0) {
			p->why = "Invalid interval";
			return -1;
		}
		k->kind = w[0] == 'O' || w[0] == 'o' ? K_OLDER : K_YOUNGER;
		k->t = time(NULL);
		return 0;
	}
	if (str_casecmp(w, "LARGER") == 0 || str_casecmp(w, "SMALLER") == 0) {
		char *end;

		if ((v = next_str(p)) == NULL)
			return -1;
		k->n = strtoull(v, &end, 10);
		if (end == v || *end != '\0') {
			p->why = "Invalid size";
			return -1;
		}
		k->kind = w[0] == 'L' || w[0] == 'l' ? K_LARGER : K_SMALLER;
		return 0;
	}
	if (str_casecmp(w, "MODSEQ") == 0) {
		char *end;

		/* MODSEQ ["/flags/\\Seen" all|shared|priv] n */
		if (p->pos + 2 < p->n && p->v[p->pos].type == IMAP_ARG_QUOTED)
			p->pos += 2;
		if ((v = next_str(p)) == NULL)
			return -1;
		k->n = strtoull(v, &end, 10);
		if (end == v || *end != '\0') {
			p->why = "Invalid modseq";
			return -1;
		}
		k->kind = K_MODSEQ;
		p->modseq = 1;
		imap_condstore_on(p->s);
		return 0;
	}
	if (str_casecmp(w, "NOT") == 0) {
		k->kind = K_NOT;
		return parse_key(p, kid(k), depth + 1);
	}
	if (str_casecmp(w, "OR") == 0) {
		k->kind = K_OR;
		if (parse_key(p, kid(k), depth + 1) == -1)
			return -1;
		return parse_key(p, kid(k), depth + 1);
	}
	if (str_casecmp(w, "UID") == 0) {
		if ((v = next_str(p)) == NULL)
			return -1;
		k->kind = K_UID;
		return imap_set_resolve(p->s, NULL, v, 1, &k->set) == -1 ?
		    (p->why = "Invalid UID set", -1) : 0;
	}
	if (strcmp(w, "$") == 0) {
		/* SEARCHRES: the saved result, by UID */
		k->kind = K_UID;
		return imap_set_resolve(p->s, NULL, w, 1, &k->set);
	}
	if ((*w >= '0' && *w <= '9') || *w == '*') {
		struct imap_seqset in;
		size_t r;

		if (imap_seqset_parse(w, strlen(w), &in) == -1) {
			p->why = "Invalid messageset";
			return -1;
		}
		/* out-of-range numbers just match nothing */
		k->kind = K_SEQ;
		k->set = in;
		for (r = 0; r < in.n; r++) {
			if (k->set.v[r].lo == 0)
				k->set.v[r].lo = (uint32_t)p->s->nknown;
			if (k->set.v[r].hi == 0)
				k->set.v[r].hi = (uint32_t)p->s->nknown;
		}
		return 0;
	}
	p->why = "Unknown search key";
	return -1;
}

/* ---- matching */

struct sctx {
	struct imap_session	*s;
	size_t			 seq;
	long			 x;		/* -1: expunged by another */
	struct imap_msg		 msg;
	int			 loaded, failed;
	struct imap_msgtext	 txt;		/* when have_txt */
	int			 have_txt;
};

static int
load(struct sctx *c)
{
	struct buf raw;
	struct err err;

	if (c->loaded)
		return !c->failed;
	c->loaded = 1;
	buf_init(&raw, 0);
	err_clear(&err);
	if (mailbox_msg_read(c->s->mb, (size_t)c->x, &raw, &err) == -1) {
		c->failed = 1;
		buf_free(&raw);
		return 0;
	}
	imap_msg_init(&c->msg, raw.data ? raw.data : "", raw.len);
	imap_msg_parse(&c->msg);
	buf_free(&raw);
	return 1;
}

/* 1 when the message's text (bodies only, or headers too) holds the
 * casemapped key */
static int
text_has(struct sctx *c, const char *key, int headers)
{
	size_t m = strlen(key);

	if (m == 0)
		return 1;
	if (!c->have_txt) {
		imap_msgtext_make(&c->msg, &c->txt);
		c->have_txt = 1;
	}
	return (c->txt.bodies.len >= m && memmem(c->txt.bodies.data,
	    c->txt.bodies.len, key, m) != NULL) || (headers &&
	    c->txt.hdrs.len >= m && memmem(c->txt.hdrs.data, c->txt.hdrs.len,
	    key, m) != NULL);
}

static time_t
day_of(time_t t)
{
	return t - ((t % 86400) + 86400) % 86400;
}

/* The Date: header's day ("Tue, 1 Feb 1994 ..."); -1 if unreadable. */
static time_t
sent_day(struct sctx *c)
{
	struct buf v;
	const char *p;
	char tmp[64];
	time_t t = -1;
	int d, y;
	char mon[4];

	if (!load(c))
		return -1;
	buf_init(&v, 0);
	if (imap_hdr_get(c->msg.text.data, c->msg.root.hdr_len, "Date", &v)) {
		p = strchr(v.data, ',');
		p = p ? p + 1 : v.data;
		if (sscanf(p, " %2d %3s %4d", &d, mon, &y) == 3) {
			(void)snprintf(tmp, sizeof(tmp), "%d-%s-%d", d, mon,
			    y < 100 ? y + (y < 50 ? 2000 : 1900) : y);
			if (imap_date_parse(tmp, &t) == -1)
				t = -1;
		}
	}
	buf_free(&v);
	return t;
}

/* What a key needs: 0 the flags, UID and number the client knows, 1
 * the message in the mailbox (size, arrival), 2 its text too. */
static int
key_needs(enum skind kind)
{
	switch (kind) {
	case K_HEADER: case K_BODY: case K_TEXT: case K_SENTBEFORE:
	case K_SENTON: case K_SENTSINCE:
		return 2;
	case K_BEFORE: case K_ON: case K_SINCE: case K_LARGER: case K_SMALLER:
	case K_OLDER: case K_YOUNGER:
		return 1;
	default:
		return 0;
	}
}

/* 1 match, 0 no match, -1 unknown (the key needs what is gone: the
 * message, or its text that can no longer be read), kept through NOT,
 * OR and AND. */
static int
match(struct sctx *c, const struct skey *k)
{
	const struct imap_known *kn = &c->s->known[c->seq - 1];
	const struct mailbox_msg *m;
	size_t i;
	time_t t;
	int idx, r, any;

	r = key_needs(k->kind);
	if (r > 0 && (c->x < 0 || (r == 2 && !load(c))))
		return -1;
	m = c->x < 0 ? NULL : &c->s->mb->msgs[c->x];
	switch (k->kind) {
	case K_ALL:
		return 1;
	case K_FLAG:
		return (kn->flags & k->flag) != 0;
	case K_UNFLAG:
		return (kn->flags & k->flag) == 0;
	case K_KEYWORD:
	case K_UNKEYWORD:
		idx = mailbox_kw_index(c->s->mb, k->kw, 0);
		i = idx >= 0 && (kn->kw & ((uint32_t)1 << idx));
		return k->kind == K_KEYWORD ? i != 0 : i == 0;
	case K_NEW:
		return kn->recent && !(kn->flags & MSG_SEEN);
	case K_OLD:
		return !kn->recent;
	case K_RECENT:
		return kn->recent != 0;
	case K_HEADER:
		return imap_hdr_search(c->msg.text.data, c->msg.root.hdr_len,
		    k->hdr, k->str, k->flag);
	case K_BODY:
		return text_has(c, k->str, 0);
	case K_TEXT:
		return text_has(c, k->str, 1);
	case K_BEFORE:
		return day_of(mailbox_msg_received(c->s->mb,
		    (size_t)c->x)) < k->t;
	case K_ON:
		return day_of(mailbox_msg_received(c->s->mb,
		    (size_t)c->x)) == k->t;
	case K_SINCE:
		return day_of(mailbox_msg_received(c->s->mb,
		    (size_t)c->x)) >= k->t;
	case K_SENTBEFORE:
		return (t = sent_day(c)) != -1 && t < k->t;
	case K_SENTON:
		return (t = sent_day(c)) != -1 && t == k->t;
	case K_SENTSINCE:
		return (t = sent_day(c)) != -1 && t >= k->t;
	case K_LARGER:		/* m: key_needs made sure of it */
		return m != NULL && m->vsize > k->n;
	case K_SMALLER:
		return m != NULL && m->vsize < k->n;
	case K_UID:
	case K_SEQ:
		for (i = 0; i < k->set.n; i++) {
			uint32_t lo = k->set.v[i].lo, hi = k->set.v[i].hi;

			if (lo > hi) {
				uint32_t x = lo;

				lo = hi;
				hi = x;
			}
			if (c->seq >= lo && c->seq <= hi)
				return 1;
		}
		return 0;
	case K_MODSEQ:
		return kn->modseq >= k->n;
	case K_OLDER:
	case K_YOUNGER:
		t = mailbox_msg_received(c->s->mb, (size_t)c->x);
		return k->kind == K_OLDER ? k->t - t >= (time_t)k->n :
		    k->t - t <= (time_t)k->n;
	case K_SAVEDBEFORE:
	case K_SAVEDON:
	case K_SAVEDSINCE:
	case K_SAVEDATESUPPORTED: {
		int shown;

		if ((t = imap_savedate_get(c->s, (size_t)c->x, &shown)) == 0)
			return 0;
		t = day_of(t);
		return k->kind == K_SAVEDATESUPPORTED ? shown :
		    k->kind == K_SAVEDBEFORE ? t < k->t :
		    k->kind == K_SAVEDON ? t == k->t : t >= k->t;
	}
	case K_NOT:
		r = match(c, &k->kids[0]);
		return r == -1 ? -1 : !r;
	case K_OR:
		if ((r = match(c, &k->kids[0])) == 1)
			return 1;
		any = match(c, &k->kids[1]);
		return any == 1 ? 1 : (r == -1 || any == -1) ? -1 : 0;
	case K_AND:
		any = 1;
		for (i = 0; i < k->nkids; i++)
			if ((r = match(c, &k->kids[i])) == 0)
				return 0;
			else if (r == -1)
				any = -1;
		return any;
	}
	return 0;
}

int
imap_charset_known(const char *cs)
{
	struct buf b;
	int ok;

	buf_init(&b, 0);
	ok = imap_utf8_from(cs, "", 0, &b) == 0;
	buf_free(&b);
	return ok;
}

int
imap_search_run(struct imap_session *s, const char *tag, const char *verb,
    const struct imap_arg *args, size_t nargs, size_t **seqs_out,
    size_t *n_out, int *modseq_out)
{
	return imap_search_run_cs(s, tag, verb, NULL, args, nargs, seqs_out,
	    n_out, modseq_out);
}

int
imap_search_run_cs(struct imap_session *s, const char *tag, const char *verb,
    const char *charset, const struct imap_arg *args, size_t nargs,
    size_t **seqs_out, size_t *n_out, int *modseq_out)
{
	struct sparse p = { s, args, nargs, 0, NULL, 0, charset };
	struct skey root;
	size_t seq, *v = NULL, n = 0;

	*seqs_out = NULL;
	*n_out = 0;
	memset(&root, 0, sizeof(root));
	root.kind = K_AND;
	if (p.n >= 2 && imap_arg_string(&p.v[0]) != NULL &&
	    str_casecmp(p.v[0].str, "CHARSET") == 0) {
		const char *cs = imap_arg_string(&p.v[1]);

		if (cs == NULL || !imap_charset_known(cs)) {
			imap_tagged(s, tag, "%s", IMAP_BADCHARSET);
			return -1;
		}
		p.charset = cs;
		p.pos = 2;
	}
	if (p.pos >= p.n) {
		imap_tagged(s, tag, "BAD Error in IMAP command %s: "
		    "Missing search parameters", verb);
		return -1;
	}
	while (p.pos < p.n)
		if (parse_key(&p, kid(&root), 0) == -1) {
			imap_tagged(s, tag, "BAD Error in IMAP command %s: %s",
			    verb, p.why ? p.why : "Invalid arguments");
			skey_free(&root);
			return -1;
		}
	{
		struct err err;

		err_clear(&err);
		(void)mailbox_hold(s->mb, &err);
	}
	s->search_lost = 0;
	for (seq = 1; seq <= s->nknown; seq++) {
		struct sctx ctx;
		int r;

		memset(&ctx, 0, sizeof(ctx));
		ctx.s = s;
		ctx.seq = seq;
		ctx.x = imap_msg_index(s, seq);
		if ((r = match(&ctx, &root)) == -1)
			s->search_lost = 1;
		else if (r) {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = seq;
		}
		if (ctx.have_txt)
			imap_msgtext_free(&ctx.txt);
		if (ctx.loaded && !ctx.failed)
			imap_msg_free(&ctx.msg);
	}
	mailbox_release(s->mb);
	skey_free(&root);
	if (modseq_out != NULL)
		*modseq_out = p.modseq;
	*seqs_out = v;
	*n_out = n;
	return 0;
}

void
imap_set_out(struct buf *b, const uint32_t *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		if (i > 0)
			(void)buf_addc(b, ',');
		if (j > i)
			buf_printf(b, "%" PRIu32 ":%" PRIu32, v[i], v[j]);
		else
			buf_printf(b, "%" PRIu32, v[i]);
		i = j + 1;
	}
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
imap_saved_set(struct imap_session *s, const uint32_t *uids, size_t n)
{
	free(s->saved);
	s->saved = NULL;
	s->nsaved = 0;
	if (n == 0)
		return;
	s->saved = xreallocarray(NULL, n, sizeof(*s->saved));
	memcpy(s->saved, uids, n * sizeof(*uids));
	qsort(s->saved, n, sizeof(*s->saved), u32_cmp);
	s->nsaved = n;
}

int
imap_return_opts(struct imap_session *s, const char *tag, const char *verb,
    const struct imap_arg **args, size_t *nargs, unsigned *ret_out)
{
	static const char *const names[] = { "MIN", "MAX", "COUNT", "ALL",
	    "SAVE" };
	const struct imap_arg *a = *args;
	unsigned ret = 0;
	size_t i, j;

	*ret_out = 0;
	if (*nargs < 2 || imap_arg_string(&a[0]) == NULL ||
	    str_casecmp(a[0].str, "RETURN") != 0 ||
	    a[1].type != IMAP_ARG_LIST)
		return 0;
	ret = IMAP_RET_GIVEN;
	for (i = 0; i < a[1].nlist; i++) {
		const struct imap_arg *l = a[1].list;
		const char *o = l[i].type == IMAP_ARG_ATOM ? l[i].str : NULL;
		const char *why = NULL;

		for (j = 0; o != NULL && j < sizeof(names) / sizeof(names[0]);
		    j++)
			if (str_casecmp(o, names[j]) == 0)
				break;
		if (o == NULL)
			why = "SEARCH return options contain non-atoms.";
		else if (j < sizeof(names) / sizeof(names[0]))
			ret |= 1u << j;
		else if (str_casecmp(o, "CONTEXT") == 0)
			;		/* CONTEXT=SEARCH: nothing to do */
		else if (str_casecmp(o, "UPDATE") == 0) {
			if (ret & IMAP_RET_UPDATE)
				why = "SEARCH return options have duplicate "
				    "UPDATE.";
			else if (i + 1 < a[1].nlist &&
			    l[i + 1].type == IMAP_ARG_LIST)
				why = "SEARCH UPDATE fetch-att: not supported.";
			ret |= IMAP_RET_UPDATE;
		} else if (str_casecmp(o, "PARTIAL") == 0) {
			if (ret & IMAP_RET_PARTIAL)
				why = "PARTIAL can be used only once.";
			else if (++i >= a[1].nlist ||
			    l[i].type != IMAP_ARG_ATOM)
				why = "PARTIAL range missing.";
			else if (imap_partial_parse(l[i].str,
			    s->ret_partial) == -1)
				why = "PARTIAL range broken.";
			ret |= IMAP_RET_PARTIAL;
		} else
			why = "Unknown SEARCH return option.";
		if (why != NULL) {
			imap_tagged(s, tag, "BAD Error in IMAP command %s: "
			    "%s", verb, why);
			return -1;
		}
	}
	if ((ret & IMAP_RET_UPDATE) && imap_ctx_has(s, tag)) {
		imap_tagged(s, tag, "BAD Error in IMAP command %s: Duplicate "
		    "search update tag.", verb);
		return -1;
	}
	if ((ret & IMAP_RET_PARTIAL) && (ret & IMAP_RET_ALL)) {
		imap_tagged(s, tag, "BAD Error in IMAP command %s: PARTIAL "
		    "conflicts with ALL.", verb);
		return -1;
	}
	/* RETURN () is ALL */
	if ((ret & ~IMAP_RET_GIVEN) == 0)
		ret |= IMAP_RET_ALL;
	*args += 2;
	*nargs -= 2;
	*ret_out = ret;
	return 0;
}

void
imap_ret_save(struct imap_session *s, unsigned ret, const uint32_t *uids,
    size_t n, const uint32_t *min, const uint32_t *max)
{
	uint32_t two[2];
	size_t k = 0;

	if (!(ret & IMAP_RET_SAVE))
		return;
	/* SAVE with MIN and/or MAX alone keeps just those (RFC 5182) */
	if (!(ret & (IMAP_RET_ALL | IMAP_RET_COUNT)) &&
	    (ret & (IMAP_RET_MIN | IMAP_RET_MAX))) {
		if ((ret & IMAP_RET_MIN) && min != NULL)
			two[k++] = *min;
		if ((ret & IMAP_RET_MAX) && max != NULL &&
		    (k == 0 || two[0] != *max))
			two[k++] = *max;
		imap_saved_set(s, two, k);
	} else
		imap_saved_set(s, uids, n);
}

/* SAVE with PARTIAL (and no COUNT): the results in the range, and
 * what MIN and MAX name. */
static void
partial_save(struct imap_session *s, unsigned ret, const uint32_t *u,
    size_t n)
{
	uint32_t *keep = xreallocarray(NULL, n + 2, sizeof(*keep));
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if ((i + 1 >= s->ret_partial[0] && i + 1 <=
		    s->ret_partial[1]) || (i == 0 && (ret & IMAP_RET_MIN)) ||
		    (i == n - 1 && (ret & IMAP_RET_MAX)))
			keep[k++] = u[i];
	imap_saved_set(s, keep, k);
	free(keep);
}

void
imap_cmd_search(struct imap_session *s, struct imap_cmd *c, int uid)
{
	const struct imap_arg *args = c->args;
	size_t nargs = c->nargs, *seqs, n, i;
	unsigned ret;
	uint64_t maxmod = 0;
	int modseq = 0;
	struct buf out;
	uint32_t *v, *u;

	/* ESEARCH: SEARCH RETURN (MIN MAX COUNT ALL SAVE) ... */
	if (imap_return_opts(s, c->tag, uid ? "UID SEARCH" : "SEARCH", &args,
	    &nargs, &ret) == -1)
		return;
	if (imap_search_run(s, c->tag, uid ? "UID SEARCH" : "SEARCH", args,
	    nargs, &seqs, &n, &modseq) == -1)
		return;		/* $ stays, as dovecot keeps it */
	v = xreallocarray(NULL, n ? n : 1, sizeof(*v));
	u = xreallocarray(NULL, n ? n : 1, sizeof(*u));
	for (i = 0; i < n; i++) {
		u[i] = s->known[seqs[i] - 1].uid;
		v[i] = uid ? u[i] : (uint32_t)seqs[i];
		if (s->known[seqs[i] - 1].modseq > maxmod)
			maxmod = s->known[seqs[i] - 1].modseq;
	}
	if ((ret & IMAP_RET_PARTIAL) && (ret & IMAP_RET_SAVE) &&
	    !(ret & IMAP_RET_COUNT))
		partial_save(s, ret, u, n);
	else
		imap_ret_save(s, ret, u, n, n ? &u[0] : NULL, n ? &u[n - 1] :
		    NULL);
	/* CONTEXT=SEARCH: kept before the answer, as dovecot does */
	if ((ret & IMAP_RET_UPDATE) && imap_ctx_keep(s, c->tag, uid, args,
	    nargs, u, n) == -1)
		ret &= ~IMAP_RET_UPDATE;
	buf_init(&out, 0);
	if (ret == 0) {
		(void)buf_adds(&out, "* SEARCH");
		for (i = 0; i < n; i++)
			buf_printf(&out, " %" PRIu32, v[i]);
		if (modseq && n > 0)
			buf_printf(&out, " (MODSEQ %" PRIu64 ")", maxmod);
	} else if ((ret & ~(IMAP_RET_GIVEN | IMAP_RET_SAVE)) != 0) {
		imap_esearch_ret_out(&out, s, c->tag, uid, ret, v, n);
		if (modseq && n > 0) {
			/* MIN/MAX alone: the mod-sequence of what they
			 * name */
			if (!(ret & (IMAP_RET_COUNT | IMAP_RET_ALL))) {
				maxmod = 0;
				if ((ret & IMAP_RET_MIN) &&
				    s->known[seqs[0] - 1].modseq > maxmod)
					maxmod = s->known[seqs[0] - 1].modseq;
				if ((ret & IMAP_RET_MAX) && s->known[seqs[n -
				    1] - 1].modseq > maxmod)
					maxmod = s->known[seqs[n -
					    1] - 1].modseq;
			}
			buf_printf(&out, " MODSEQ %" PRIu64, maxmod);
		}
	}
	/* SAVE alone: no ESEARCH reply */
	if (out.len > 0) {
		(void)buf_adds(&out, "\r\n");
		(void)buf_add(&s->out, out.data, out.len);
	}
	buf_free(&out);
	free(seqs);
	free(v);
	free(u);
	imap_tagged(s, c->tag, "OK %sSearch completed.", s->search_lost ?
	    "[EXPUNGEISSUED] " : "");
}

void
imap_esearch_out(struct buf *out, const char *tag, int uid, unsigned ret,
    const uint32_t *v, size_t n)
{
	(void)buf_adds(out, "* ESEARCH (TAG ");
	imap_cstr_out(out, tag);
	(void)buf_addc(out, ')');
	if (uid)
		(void)buf_adds(out, " UID");
	if ((ret & IMAP_RET_MIN) && n > 0)
		buf_printf(out, " MIN %" PRIu32, v[0]);
	if ((ret & IMAP_RET_MAX) && n > 0)
		buf_printf(out, " MAX %" PRIu32, v[n - 1]);
	/* dovecot's order: ALL before COUNT */
	if ((ret & IMAP_RET_ALL) && n > 0) {
		(void)buf_adds(out, " ALL ");
		imap_set_out(out, v, n);
	}
	if (ret & IMAP_RET_COUNT)
		buf_printf(out, " COUNT %zu", n);
}
