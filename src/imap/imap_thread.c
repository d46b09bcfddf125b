/*
 * imap_thread.c -- THREAD and UID THREAD (RFC 5256): ORDEREDSUBJECT,
 * REFERENCES and REFS over the messages SEARCH keys select.  REFS
 * (draft-ietf-morg-inthread, as dovecot has it) is REFERENCES without
 * the subject grouping, threads ordered by their latest message's date
 * rather than their first's.  REFERENCES links
 * containers by Message-ID, References and In-Reply-To (a hash table,
 * so linking is linear but for the loop checks), prunes empty
 * containers, groups roots by base subject and sorts siblings by sent
 * date; the answer is nested lists such as "(3 2)(1 (4)(5))".
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define NONE		((size_t)-1)
#define DEPTH_MAX	10000

struct cont {
	size_t		 msg;		/* index into msgs, NONE: dummy */
	size_t		 parent, child, next;
	char		*id;
};

struct tmsg {
	size_t		 seq;
	int64_t		 date;
	char		*subject;	/* base subject */
	int		 reply;
	char		*id;
	struct strarr	 refs;
};

struct thr {
	struct cont	*c;
	size_t		 n, cap;
	struct tmsg	*m;
	size_t		 nm;
	size_t		*hash;		/* container index by id, NONE */
	size_t		 hcap;
};

static size_t
hash_str(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static size_t
cont_new(struct thr *t, const char *id)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? xmul(t->cap, 2) : 64;
		t->c = xreallocarray(t->c, t->cap, sizeof(*t->c));
	}
	t->c[t->n].msg = NONE;
	t->c[t->n].parent = t->c[t->n].child = t->c[t->n].next = NONE;
	t->c[t->n].id = id ? xstrdup(id) : NULL;
	return t->n++;
}

/* The container of id, made when missing. */
static size_t
cont_of(struct thr *t, const char *id)
{
	size_t h = hash_str(id) & (t->hcap - 1);

	while (t->hash[h] != NONE) {
		if (strcmp(t->c[t->hash[h]].id, id) == 0)
			return t->hash[h];
		h = (h + 1) & (t->hcap - 1);
	}
	t->hash[h] = cont_new(t, id);
	return t->hash[h];
}

static void
unlink_child(struct thr *t, size_t c)
{
	size_t p = t->c[c].parent, *pp;

	if (p == NONE)
		return;
	for (pp = &t->c[p].child; *pp != NONE; pp = &t->c[*pp].next)
		if (*pp == c) {
			*pp = t->c[c].next;
			break;
		}
	t->c[c].parent = t->c[c].next = NONE;
}

static void
add_child(struct thr *t, size_t p, size_t c)
{
	size_t *pp;

	unlink_child(t, c);
	for (pp = &t->c[p].child; *pp != NONE; pp = &t->c[*pp].next)
		;
	*pp = c;
	t->c[c].parent = p;
	t->c[c].next = NONE;
}

/* c is p or one of p's ancestors: linking would make a loop */
static int
is_ancestor(const struct thr *t, size_t c, size_t p)
{
	size_t d = 0;

	for (; p != NONE && d < DEPTH_MAX; p = t->c[p].parent, d++)
		if (p == c)
			return 1;
	return d >= DEPTH_MAX;
}

/* "<a@b> <c@d>" into ids */
static void
msgids(const char *v, struct strarr *out)
{
	const char *p = v;

	while ((p = strchr(p, '<')) != NULL) {
		const char *e = strchr(p, '>');

		if (e == NULL)
			break;
		if (e > p + 1)
			strarr_pushn(out, p + 1, (size_t)(e - p - 1));
		p = e + 1;
	}
}

static int64_t
cont_date(const struct thr *t, size_t c)
{
	if (t->c[c].msg != NONE)
		return t->m[t->c[c].msg].date;
	if (t->c[c].child != NONE)
		return cont_date(t, t->c[c].child);
	return 0;
}

static size_t
cont_seq(const struct thr *t, size_t c)
{
	if (t->c[c].msg != NONE)
		return t->m[t->c[c].msg].seq;
	if (t->c[c].child != NONE)
		return cont_seq(t, t->c[c].child);
	return 0;
}

static const struct thr *sort_t;

static int
by_date(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int64_t dx = cont_date(sort_t, x), dy = cont_date(sort_t, y);
	size_t sx, sy;

	if (dx != dy)
		return dx < dy ? -1 : 1;
	sx = cont_seq(sort_t, x);
	sy = cont_seq(sort_t, y);
	return sx < sy ? -1 : sx > sy;
}

static int
by_subject_date(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int r = strcmp(sort_t->m[sort_t->c[x].msg].subject,
	    sort_t->m[sort_t->c[y].msg].subject);

	return r != 0 ? r : by_date(a, b);
}

/* Sorts c's children (recursively first, so a dummy's date is its
 * first child's). */
static void
sort_children(struct thr *t, size_t c, int depth)
{
	size_t *v = NULL, n = 0, k, i;

	for (k = t->c[c].child; k != NONE; k = t->c[k].next) {
		if (depth < 256)
			sort_children(t, k, depth + 1);
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = k;
	}
	if (n > 1) {
		sort_t = t;
		qsort(v, n, sizeof(*v), by_date);
	}
	t->c[c].child = n ? v[0] : NONE;
	for (i = 0; i < n; i++)
		t->c[v[i]].next = i + 1 < n ? v[i + 1] : NONE;
	free(v);
}

/* the latest date in c's subtree */
static int64_t
cont_latest(const struct thr *t, size_t c, int depth)
{
	int64_t d = t->c[c].msg != NONE ? t->m[t->c[c].msg].date : 0, x;
	size_t k;

	for (k = t->c[c].child; k != NONE && depth < 512; k = t->c[k].next)
		if ((x = cont_latest(t, k, depth + 1)) > d)
			d = x;
	return d;
}

struct latest {
	int64_t		 date;
	size_t		 seq;		/* 0: a dummy root */
	size_t		 c;
};

static int
by_latest(const void *a, const void *b)
{
	const struct latest *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* REFS: root's children by the latest date of each thread, then by the
 * root's own sequence number (a dummy's counts as 0), as dovecot does. */
static void
sort_latest(struct thr *t, size_t root)
{
	struct latest *v = NULL;
	size_t n = 0, k, i;

	for (k = t->c[root].child; k != NONE; k = t->c[k].next) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].date = cont_latest(t, k, 0);
		v[n].seq = t->c[k].msg != NONE ? t->m[t->c[k].msg].seq : 0;
		v[n++].c = k;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), by_latest);
	t->c[root].child = n ? v[0].c : NONE;
	for (i = 0; i < n; i++)
		t->c[v[i].c].next = i + 1 < n ? v[i + 1].c : NONE;
	free(v);
}

static void
emit(const struct thr *t, size_t c, struct buf *out, int uid,
    const struct imap_session *s, int depth)
{
	size_t k, nkids = 0;

	for (k = t->c[c].child; k != NONE; k = t->c[k].next)
		nkids++;
	if (t->c[c].msg != NONE) {
		size_t seq = t->m[t->c[c].msg].seq;

		buf_printf(out, "%" PRIu32, uid ? s->known[seq - 1].uid :
		    (uint32_t)seq);
		if (nkids == 1) {
			(void)buf_addc(out, ' ');
			emit(t, t->c[c].child, out, uid, s, depth + 1);
			return;
		}
		if (nkids > 1)
			(void)buf_addc(out, ' ');
	}
	for (k = t->c[c].child; k != NONE && depth < 512; k = t->c[k].next) {
		(void)buf_addc(out, '(');
		emit(t, k, out, uid, s, depth + 1);
		(void)buf_addc(out, ')');
	}
}

static void
thr_free(struct thr *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->c[i].id);
	for (i = 0; i < t->nm; i++) {
		free(t->m[i].subject);
		free(t->m[i].id);
		strarr_free(&t->m[i].refs);
	}
	free(t->c);
	free(t->m);
	free(t->hash);
}

/* Reads what threading needs from each selected message. */
static void
load(struct imap_session *s, struct thr *t, const size_t *seqs, size_t n)
{
	struct buf raw, v, dec;
	size_t i;

	buf_init(&raw, 0);
	buf_init(&v, 0);
	buf_init(&dec, 0);
	t->m = xcalloc(n ? n : 1, sizeof(*t->m));
	t->nm = n;
	for (i = 0; i < n; i++) {
		struct tmsg *m = &t->m[i];
		long x = imap_msg_index(s, seqs[i]);
		struct imap_msg msg;
		struct err err;
		const char *h;
		size_t hl;

		m->seq = seqs[i];
		buf_reset(&raw);
		err_clear(&err);
		if (x < 0 || mailbox_msg_read(s->mb, (size_t)x, &raw,
		    &err) == -1)
			buf_reset(&raw);
		imap_msg_init(&msg, raw.data ? raw.data : "", raw.len);
		imap_msg_parse(&msg);
		h = msg.text.data ? msg.text.data : "";
		hl = msg.root.hdr_len;
		m->date = imap_hdr_get(h, hl, "Date", &v) ?
		    imap_rfc822_date(v.data ? v.data : "") : -1;
		if (m->date == -1 && x >= 0)
			m->date = (int64_t)mailbox_msg_received(s->mb,
			    (size_t)x);
		/* compared by i;unicode-casemap (I18NLEVEL=1) */
		if (imap_hdr_get(h, hl, "Subject", &v) && v.data != NULL)
			imap_decode_words_utf8(v.data, &dec);
		else
			buf_reset(&dec);
		buf_reset(&v);
		imap_casemap(buf_cstr(&dec), dec.len, &v);
		m->subject = imap_base_subject(buf_cstr(&v), &m->reply);
		if (imap_hdr_get(h, hl, "Message-ID", &v) && v.data) {
			struct strarr ids = { 0 };

			msgids(v.data, &ids);
			if (ids.n > 0)
				m->id = xstrdup(ids.v[0]);
			strarr_free(&ids);
		}
		if (imap_hdr_get(h, hl, "References", &v) && v.data)
			msgids(v.data, &m->refs);
		if (m->refs.n == 0 && imap_hdr_get(h, hl, "In-Reply-To", &v) &&
		    v.data) {
			struct strarr ids = { 0 };

			msgids(v.data, &ids);
			if (ids.n > 0)
				strarr_push(&m->refs, ids.v[0]);
			strarr_free(&ids);
		}
		imap_msg_free(&msg);
	}
	buf_free(&raw);
	buf_free(&v);
	buf_free(&dec);
}

/* The roots, linked as children of one invisible container. */
static size_t
references(struct thr *t)
{
	size_t i, j, root, c, next;

	t->hcap = 64;
	while (t->hcap < t->nm * 4 + 64)
		t->hcap *= 2;
	t->hash = xreallocarray(NULL, t->hcap, sizeof(*t->hash));
	for (i = 0; i < t->hcap; i++)
		t->hash[i] = NONE;
	for (i = 0; i < t->nm; i++) {
		struct tmsg *m = &t->m[i];
		size_t me, prev = NONE;

		/* a missing or repeated Message-ID gets a container of
		 * its own */
		me = m->id != NULL ? cont_of(t, m->id) : cont_new(t, NULL);
		if (t->c[me].msg != NONE)
			me = cont_new(t, NULL);
		t->c[me].msg = i;
		for (j = 0; j < m->refs.n; j++) {
			size_t r = cont_of(t, m->refs.v[j]);

			if (prev != NONE && t->c[r].parent == NONE &&
			    !is_ancestor(t, r, prev) && r != prev)
				add_child(t, prev, r);
			prev = r;
		}
		/* the message's own References decide its parent: the
		 * one presumed from others' References goes */
		unlink_child(t, me);
		if (prev != NONE && prev != me && !is_ancestor(t, me, prev))
			add_child(t, prev, me);
	}
	/* the root set */
	root = cont_new(t, NULL);
	for (i = 0; i < root; i++)
		if (t->c[i].parent == NONE)
			add_child(t, root, i);
	/* prune dummies: childless ones go, others give their children
	 * to their parent unless they are roots with several */
	for (i = 0; i < root; i++) {
		size_t p = t->c[i].parent, kids = 0;

		if (t->c[i].msg != NONE || p == NONE)
			continue;
		for (c = t->c[i].child; c != NONE; c = t->c[c].next)
			kids++;
		if (kids == 0) {
			unlink_child(t, i);
			continue;
		}
		if (p == root && kids > 1)
			continue;
		for (c = t->c[i].child; c != NONE; c = next) {
			next = t->c[c].next;
			add_child(t, p, c);
		}
		unlink_child(t, i);
	}
	return root;
}

static const char *
cont_subject(const struct thr *t, size_t c, int *reply)
{
	if (t->c[c].msg == NONE)
		c = t->c[c].child;
	if (c == NONE || t->c[c].msg == NONE)
		return "";
	*reply = t->m[t->c[c].msg].reply;
	return t->m[t->c[c].msg].subject;
}

/* Roots with one base subject become one thread. */
static void
group_subjects(struct thr *t, size_t root)
{
	size_t *v = NULL, n = 0, i, j, c, next;

	for (c = t->c[root].child; c != NONE; c = t->c[c].next) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = c;
	}
	for (i = 0; i < n; i++) {
		int ri = 0, rj = 0;
		const char *si = cont_subject(t, v[i], &ri);

		if (*si == '\0' || t->c[v[i]].parent != root)
			continue;
		for (j = 0; j < i; j++) {
			const char *sj;

			if (t->c[v[j]].parent != root)
				continue;
			sj = cont_subject(t, v[j], &rj);
			if (strcmp(si, sj) == 0)
				break;
		}
		if (j == i)
			continue;
		/* v[j] holds the subject first */
		if (t->c[v[j]].msg == NONE && t->c[v[i]].msg == NONE) {
			for (c = t->c[v[i]].child; c != NONE; c = next) {
				next = t->c[c].next;
				add_child(t, v[j], c);
			}
			unlink_child(t, v[i]);
		} else if (t->c[v[j]].msg == NONE)
			add_child(t, v[j], v[i]);
		else if (t->c[v[i]].msg == NONE) {
			add_child(t, v[i], v[j]);
			v[j] = v[i];
		} else if (!rj && ri)
			add_child(t, v[j], v[i]);
		else {
			size_t d = cont_new(t, NULL);

			add_child(t, root, d);
			add_child(t, d, v[j]);
			add_child(t, d, v[i]);
			v[j] = d;
		}
	}
	free(v);
}

void
imap_cmd_thread(struct imap_session *s, struct imap_cmd *c, int uid)
{
	const char *verb = uid ? "UID THREAD" : "THREAD", *alg, *cs;
	struct thr t;
	struct buf out;
	size_t *seqs, n, root, i, k;

	if (c->nargs < 3 || (alg = imap_arg_string(&c->args[0])) == NULL ||
	    (cs = imap_arg_string(&c->args[1])) == NULL) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %s: Invalid "
		    "arguments.", verb);
		return;
	}
	if (str_casecmp(alg, "REFERENCES") != 0 &&
	    str_casecmp(alg, "REFS") != 0 &&
	    str_casecmp(alg, "ORDEREDSUBJECT") != 0) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %s: Unknown "
		    "thread algorithm", verb);
		return;
	}
	if (!imap_charset_known(cs)) {
		imap_tagged(s, c->tag, "%s", IMAP_BADCHARSET);
		return;
	}
	if (imap_search_run_cs(s, c->tag, verb, cs, c->args + 2,
	    c->nargs - 2, &seqs, &n, NULL) == -1)
		return;
	memset(&t, 0, sizeof(t));
	{
		struct err err;

		err_clear(&err);
		(void)mailbox_hold(s->mb, &err);
	}
	load(s, &t, seqs, n);
	mailbox_release(s->mb);
	free(seqs);
	if (str_casecmp(alg, "REFERENCES") == 0) {
		root = references(&t);
		sort_children(&t, root, 0);
		group_subjects(&t, root);
	} else if (str_casecmp(alg, "REFS") == 0) {
		root = references(&t);
	} else {
		/* ORDEREDSUBJECT: by subject, the earliest message the
		 * parent of the rest; sorted, so O(n log n) */
		size_t *v = xreallocarray(NULL, n ? n : 1, sizeof(*v));
		size_t parent = NONE;

		root = cont_new(&t, NULL);
		for (i = 0; i < n; i++) {
			v[i] = cont_new(&t, NULL);
			t.c[v[i]].msg = i;
		}
		sort_t = &t;
		if (n > 1)
			qsort(v, n, sizeof(*v), by_subject_date);
		for (i = 0; i < n; i++) {
			if (i == 0 || strcmp(t.m[t.c[v[i]].msg].subject,
			    t.m[t.c[v[i - 1]].msg].subject) != 0) {
				parent = v[i];
				add_child(&t, root, v[i]);
			} else
				add_child(&t, parent, v[i]);
		}
		free(v);
	}
	sort_children(&t, root, 0);
	if (str_casecmp(alg, "REFS") == 0)
		sort_latest(&t, root);
	buf_init(&out, 0);
	(void)buf_adds(&out, "* THREAD ");
	for (k = t.c[root].child; k != NONE; k = t.c[k].next) {
		(void)buf_addc(&out, '(');
		emit(&t, k, &out, uid, s, 0);
		(void)buf_addc(&out, ')');
	}
	(void)buf_adds(&out, "\r\n");
	(void)buf_add(&s->out, out.data, out.len);
	buf_free(&out);
	thr_free(&t);
	imap_tagged(s, c->tag, "OK Thread completed.");
}
