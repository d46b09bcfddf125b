/*
 * imap_notify.c -- the NOTIFY command (RFC 5465) and what it sends:
 * for the selected mailbox the untagged replies IDLE gives (with
 * MessageNew's FETCH attributes), between commands too; for the other
 * mailboxes of its groups "* STATUS" when their messages change and
 * "* LIST" when they are created, deleted, renamed (OLDNAME) or
 * (un)subscribed.  Changes are found the way IDLE finds them, by
 * polling on the session's tick: the folder list is read once a tick
 * and kept sorted (merged with the last one, never compared pairwise);
 * a mailbox is opened for its STATUS only when its file's or Maildir
 * folders' stat changed.  At most NOTIFY_MAX_BOXES mailboxes are
 * watched: more refuses the NOTIFY (or stops it, NOTIFICATIONOVERFLOW).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "imap_int.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define NOTIFY_MAX_BOXES	1000
#define MSG_EVENTS	(IMAP_NOTIFY_NEW | IMAP_NOTIFY_EXPUNGE | \
	    IMAP_NOTIFY_FLAGS)

/* what a mailbox's storage looked like: stat of the mbox file, or of a
 * Maildir's new/ and cur/ */
struct nsig {
	int64_t		 v[6];
};

/* a mailbox's STATUS values (ST_* bits name them) */
#define ST_MESSAGES	0x01
#define ST_UIDNEXT	0x02
#define ST_UIDVALIDITY	0x04
#define ST_UNSEEN	0x08
#define ST_HMS		0x10

struct nvals {
	uint64_t	 v[5];		/* in the order of the bits */
};

struct nbox {
	char		*name;
	unsigned	 flags;		/* MAILBOX_* */
	int		 sub;
	unsigned	 events;
	int		 have_sig;
	struct nsig	 sig;
	int		 have_vals;
	struct nvals	 vals;		/* the STATUS values last seen */
	int		 modseq;	/* there at NOTIFY SET */
	int		 renamed;	/* reported with OLDNAME this scan */
};

struct imap_notify {
	struct imap_notify_set	 set;
	struct nbox		*v;
	size_t			 n;
};

int
imap_session_notifying(const struct imap_session *s)
{
	return s->notify != NULL;
}

int
imap_notify_selected(const struct imap_session *s)
{
	return s->notify == NULL || s->notify->set.sel_events != 0;
}

static void
boxes_free(struct nbox *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

void
imap_notify_free(struct imap_session *s)
{
	if (s->notify == NULL)
		return;
	imap_notify_set_free(&s->notify->set);
	boxes_free(s->notify->v, s->notify->n);
	free(s->notify);
	s->notify = NULL;
}

/* INBOX first, the rest by bytes (mailbox_list's order) */
static int
name_cmp(const char *a, const char *b)
{
	int ia = strcmp(a, "INBOX") == 0, ib = strcmp(b, "INBOX") == 0;

	if (ia || ib)
		return ib - ia;
	return strcmp(a, b);
}

static int
box_cmp(const void *a, const void *b)
{
	return name_cmp(((const struct nbox *)a)->name,
	    ((const struct nbox *)b)->name);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
needs_subs(const struct imap_notify_set *set)
{
	size_t i;

	for (i = 0; i < set->ngroups; i++)
		if (set->groups[i].kind == IMAP_NOTIFY_SUBSCRIBED ||
		    (set->groups[i].events & IMAP_NOTIFY_SUBSCRIPTION))
			return 1;
	return 0;
}

static int
group_has(const struct imap_notify_group *g, const char *name, int sub,
    char sep)
{
	size_t i, len;

	switch (g->kind) {
	case IMAP_NOTIFY_PERSONAL:
	case IMAP_NOTIFY_INBOXES:	/* dovecot: every mailbox here */
		return 1;
	case IMAP_NOTIFY_SUBSCRIBED:
		return sub;
	case IMAP_NOTIFY_SUBTREE:
		for (i = 0; i < g->nnames; i++) {
			len = strlen(g->names[i]);
			if (strncmp(name, g->names[i], len) == 0 &&
			    (name[len] == '\0' || name[len] == sep))
				return 1;
		}
		return 0;
	case IMAP_NOTIFY_MAILBOXES:
		for (i = 0; i < g->nnames; i++)
			if (strcmp(name, g->names[i]) == 0)
				return 1;
		return 0;
	}
	return 0;
}

static unsigned
events_for(const struct imap_session *s, const char *name, int sub)
{
	const struct imap_notify_set *set = &s->notify->set;
	unsigned ev = 0;
	size_t i;

	for (i = 0; i < set->ngroups; i++)
		if (group_has(&set->groups[i], name, sub, s->sep))
			ev |= set->groups[i].events;
	return ev;
}

static void
sig_of(struct imap_session *s, const char *name, struct nsig *out)
{
	static const char *const md[] = { "/new", "/cur" };
	struct buf path;
	struct err err;
	struct stat st;
	size_t i, k = 0;

	memset(out, 0, sizeof(*out));
	buf_init(&path, 0);
	err_clear(&err);
	if (mailbox_path(&s->loc, name, s->sep, &path, &err) == -1) {
		buf_free(&path);
		return;
	}
	for (i = 0; i < (s->loc.format == MAILBOX_MBOX ? 1 : 2); i++) {
		struct buf p;

		buf_init(&p, 0);
		(void)buf_adds(&p, buf_cstr(&path));
		if (s->loc.format != MAILBOX_MBOX)
			(void)buf_adds(&p, md[i]);
		if (stat(buf_cstr(&p), &st) == 0) {
			out->v[k++] = (int64_t)st.st_mtim.tv_sec;
			out->v[k++] = (int64_t)st.st_mtim.tv_nsec;
			out->v[k++] = s->loc.format == MAILBOX_MBOX ?
			    (int64_t)st.st_size : (int64_t)st.st_ino;
		}
		buf_free(&p);
	}
	buf_free(&path);
}

static int
sig_settled(const struct nsig *sig)
{
	time_t now = time(NULL);

	return sig->v[0] < (int64_t)now - 2 && sig->v[3] < (int64_t)now - 2;
}

static int
is_selected(const struct imap_session *s, const char *name)
{
	return s->state == IMAP_SELECTED && s->mbname != NULL &&
	    strcmp(s->mbname, name) == 0;
}

static const char *const st_names[] = {
	"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ"
};

/* name's values as mailboxd's STATUS gives them; -1 when it cannot */
static int
status_get(struct imap_session *s, const char *name, struct nvals *out)
{
	static char m[] = "MESSAGES", un[] = "UIDNEXT", uv[] = "UIDVALIDITY",
	    us[] = "UNSEEN", hm[] = "HIGHESTMODSEQ";
	struct imap_arg items[5], list;
	struct buf save = s->out;
	const char *p;
	size_t i;
	int rc = -1;

	memset(items, 0, sizeof(items));
	memset(&list, 0, sizeof(list));
	items[0].str = m;
	items[1].str = un;
	items[2].str = uv;
	items[3].str = us;
	items[4].str = hm;
	list.type = IMAP_ARG_LIST;
	list.list = items;
	list.nlist = 5;
	buf_init(&s->out, 0);
	/* the values follow the name, which may hold anything */
	p = NULL;
	if (imap_status_reply(s, NULL, name, &list) == 0) {
		const char *q = buf_cstr(&s->out);

		while ((q = strstr(q, " (MESSAGES ")) != NULL)
			p = q++;
	}
	if (p != NULL) {
		for (i = 0; i < 5; i++) {
			char *end;

			p = strstr(p, st_names[i]);
			if (p == NULL)
				break;
			p += strlen(st_names[i]) + 1;
			out->v[i] = strtoull(p, &end, 10);
			p = end;
		}
		rc = i == 5 ? 0 : -1;
	}
	buf_free(&s->out);
	s->out = save;
	return rc;
}

static void
status_out(struct buf *out, const char *name, const struct nvals *v,
    unsigned items)
{
	size_t i;
	const char *sp = "";

	(void)buf_adds(out, "* STATUS ");
	imap_cstr_out(out, name);
	(void)buf_adds(out, " (");
	for (i = 0; i < 5; i++)
		if (items & (1u << i)) {
			buf_printf(out, "%s%s %" PRIu64, sp, st_names[i],
			    v->v[i]);
			sp = " ";
		}
	(void)buf_adds(out, ")\r\n");
}

/*
 * STATUS into out when the messages of b changed since the last look
 * (report: send it; created: b is new and was empty at the last look).
 * The items are dovecot's: where mod-sequences are followed (CONDSTORE
 * enabled, or FlagChange asked for a mailbox that was there at NOTIFY
 * SET) what changed and HIGHESTMODSEQ, else the four of a new message;
 * flag changes only for FlagChange.
 */
static void
look(struct imap_session *s, struct nbox *b, struct buf *out, int report,
    int created)
{
	struct nsig sig;
	struct nvals nv, old;
	unsigned items;
	int news, gone, flags;

	if (!(b->events & MSG_EVENTS) || (b->flags & MAILBOX_NOSELECT) ||
	    is_selected(s, b->name))
		return;
	sig_of(s, b->name, &sig);
	if (b->have_sig && memcmp(&sig, &b->sig, sizeof(sig)) == 0)
		return;
	b->sig = sig;
	/* a change within the clock tick of the last one leaves the same
	 * mtime: a storage changed in the last two seconds is read again
	 * next time */
	b->have_sig = sig_settled(&sig);
	if (status_get(s, b->name, &nv) == -1)
		return;
	memset(&old, 0, sizeof(old));
	if ((!created && !b->have_vals) || (created && nv.v[0] == 0)) {
		b->vals = nv;
		b->have_vals = 1;
		return;
	}
	if (!created)
		old = b->vals;
	b->vals = nv;
	b->have_vals = 1;
	news = nv.v[1] != old.v[1];
	gone = nv.v[0] < old.v[0] + (nv.v[1] - old.v[1]);
	flags = nv.v[3] != old.v[3] || nv.v[4] != old.v[4];
	if (!report || !(((b->events & IMAP_NOTIFY_NEW) && news) ||
	    ((b->events & IMAP_NOTIFY_EXPUNGE) && gone) ||
	    ((b->events & IMAP_NOTIFY_FLAGS) && (news || gone || flags))))
		return;
	if (s->condstore || (b->modseq && (b->events & IMAP_NOTIFY_FLAGS))) {
		items = ST_HMS;
		if (news || gone || nv.v[0] != old.v[0])
			items |= ST_MESSAGES | ST_UIDNEXT;
		if (nv.v[3] != old.v[3])
			items |= ST_UNSEEN;
	} else if (news || gone || nv.v[0] != old.v[0] ||
	    nv.v[3] != old.v[3])
		items = ST_MESSAGES | ST_UIDNEXT | ST_UIDVALIDITY | ST_UNSEEN;
	else
		return;
	status_out(out, b->name, &nv, items);
}

static void
list_out(struct imap_session *s, const struct nbox *b, unsigned extra,
    const char *oldname)
{
	imap_list_line(s, "LIST", b->flags | extra,
	    NULL, b->name, 0, oldname);
}

/*
 * Reads the folder list again and reports what changed since the last
 * scan (report 0: the first scan, which only looks).  -1 when there
 * are more mailboxes than NOTIFY watches.
 */
static int
scan(struct imap_session *s, int report)
{
	struct imap_notify *n = s->notify;
	struct mailbox_entry *v = NULL;
	struct strarr subs = { 0 };
	struct nbox *nv, *gone_one = NULL, *new_one = NULL;
	struct buf st;
	struct err err;
	size_t cnt = 0, i, o, ngone = 0, nnew = 0;
	int want_subs = needs_subs(&n->set);

	err_clear(&err);
	if (mailbox_list(&s->loc, s->sep, &v, &cnt, &err) == -1)
		return 0;	/* tried again next tick */
	if (cnt > NOTIFY_MAX_BOXES) {
		mailbox_list_free(v, cnt);
		return -1;
	}
	if (want_subs) {
		(void)mailbox_subs_read(&s->loc, s->sep, &subs, &err);
		if (subs.n > 0)
			qsort(subs.v, subs.n, sizeof(*subs.v), str_cmp);
	}
	nv = xcalloc(cnt ? cnt : 1, sizeof(*nv));
	for (i = 0; i < cnt; i++) {
		nv[i].name = v[i].name;
		v[i].name = NULL;
		nv[i].flags = v[i].flags;
		nv[i].sub = subs.n > 0 && bsearch(&nv[i].name, subs.v,
		    subs.n, sizeof(*subs.v), str_cmp) != NULL;
	}
	mailbox_list_free(v, cnt);
	strarr_free(&subs);
	qsort(nv, cnt, sizeof(*nv), box_cmp);
	for (i = 0; i < cnt; i++)
		nv[i].events = events_for(s, nv[i].name, nv[i].sub);
	/* the two sorted lists side by side: what went, what came */
	for (i = o = 0; report && (i < cnt || o < n->n); ) {
		int c = i == cnt ? 1 : o == n->n ? -1 :
		    name_cmp(nv[i].name, n->v[o].name);

		if (c < 0) {
			nnew++;
			new_one = &nv[i++];
		} else if (c > 0) {
			ngone++;
			gone_one = &n->v[o++];
		} else {
			i++;
			o++;
		}
	}
	if (report && nnew == 1 && ngone == 1 &&
	    (new_one->events & IMAP_NOTIFY_NAME)) {
		list_out(s, new_one, 0, gone_one->name);
		new_one->renamed = 1;
	} else
		for (o = 0; report && ngone > 0 && o < n->n; o++) {
			struct nbox *b = &n->v[o];

			if ((b->events & IMAP_NOTIFY_NAME) &&
			    bsearch(b, nv, cnt, sizeof(*nv), box_cmp) == NULL)
				imap_list_line(s, "LIST",
				    IMAP_LIST_NONEXISTENT, NULL, b->name, 0,
				    NULL);
		}
	/* LIST lines first, then STATUS, as dovecot orders them */
	buf_init(&st, 0);
	for (i = o = 0; i < cnt; i++) {
		struct nbox *b = &nv[i];
		int renamed = b->renamed, created;

		while (o < n->n && name_cmp(n->v[o].name, b->name) < 0)
			o++;
		created = !(o < n->n && name_cmp(n->v[o].name, b->name) == 0);
		if (!created) {
			struct nbox *old = &n->v[o];

			b->have_sig = old->have_sig;
			b->sig = old->sig;
			b->have_vals = old->have_vals;
			b->vals = old->vals;
			b->modseq = old->modseq;
			if (report && b->sub != old->sub &&
			    (b->events & IMAP_NOTIFY_SUBSCRIPTION))
				list_out(s, b, b->sub ? IMAP_LIST_SUBSCRIBED :
				    0, NULL);
		} else if (report && !renamed &&
		    (b->events & IMAP_NOTIFY_NAME))
			list_out(s, b, 0, NULL);
		if (created && report && b->sub &&
		    (b->events & IMAP_NOTIFY_SUBSCRIPTION))
			list_out(s, b, IMAP_LIST_SUBSCRIBED, NULL);
		if (!report)
			b->modseq = 1;
		/* a renamed mailbox keeps its messages: nothing to say */
		look(s, b, &st, report && !renamed, created && report);
	}
	if (st.len > 0)
		(void)buf_add(&s->out, st.data, st.len);
	buf_free(&st);
	boxes_free(n->v, n->n);
	n->v = nv;
	n->n = cnt;
	return 0;
}

/* MessageNew's FETCH attributes for the messages from..to (sequence
 * numbers), as FETCH answers them, without its tagged line */
static void
fetch_new(struct imap_session *s, size_t from, size_t to)
{
	char set[64];
	struct imap_arg args[2];
	struct imap_cmd c;
	char tag[] = "*", name[] = "FETCH";
	size_t start = s->out.len, last;

	if (snprintf(set, sizeof(set), "%zu:%zu", from, to) >=
	    (int)sizeof(set))
		return;
	memset(args, 0, sizeof(args));
	args[0].type = IMAP_ARG_ATOM;
	args[0].str = set;
	args[0].len = strlen(set);
	args[1] = *s->notify->set.fetch;
	memset(&c, 0, sizeof(c));
	c.tag = tag;
	c.name = name;
	c.args = args;
	c.nargs = 2;
	imap_cmd_fetch(s, &c, 0);
	/* the last line is FETCH's own answer */
	last = s->out.len >= 2 ? s->out.len - 2 : 0;
	while (last > start && !(s->out.data[last - 1] == '\n' &&
	    s->out.data[last - 2] == '\r'))
		last--;
	buf_truncate(&s->out, last > start ? last : start);
}

void
imap_notify_tick(struct imap_session *s)
{
	struct imap_notify *n = s->notify;
	int idle = s->idle_tag != NULL;

	if (n == NULL || s->auth_tag != NULL || (!idle && s->in.len > 0))
		return;
	if (s->state == IMAP_SELECTED && n->set.sel_events) {
		size_t before = s->nknown;

		imap_refresh(s, idle ||
		    n->set.selected != IMAP_NOTIFY_SEL_DELAYED);
		imap_ctx_notify(s);
		if (n->set.fetch != NULL && s->nknown > before &&
		    (n->set.sel_events & IMAP_NOTIFY_NEW))
			fetch_new(s, before + 1, s->nknown);
	}
	if (n->set.ngroups > 0 && scan(s, 1) == -1) {
		imap_reply(s, "OK [NOTIFICATIONOVERFLOW] Too many mailboxes "
		    "to notify about; NOTIFY is off.");
		imap_notify_free(s);
	}
}

static void
bad_events(struct imap_session *s, const char *tag, unsigned used)
{
	struct buf b;
	unsigned bit;

	buf_init(&b, 0);
	(void)buf_adds(&b, "NO [BADEVENT");
	for (bit = 1; bit <= IMAP_NOTIFY_SRVMETA; bit <<= 1)
		if (used & bit & IMAP_NOTIFY_UNSUPPORTED)
			buf_printf(&b, " %s", imap_notify_event_name(bit));
	(void)buf_adds(&b, "] Unsupported NOTIFY events.");
	imap_tagged(s, tag, "%s", buf_cstr(&b));
	buf_free(&b);
}

void
imap_cmd_notify(struct imap_session *s, struct imap_cmd *c)
{
	struct imap_notify_set set;
	struct imap_notify *n;
	const char *why;
	size_t i;

	if (imap_notify_parse(c->args, c->nargs, &set, &why) == -1) {
		if (why != NULL && set.why_item != NULL)
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "NOTIFY: %s: Unknown parameter: %s.", why,
			    set.why_item);
		else
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "NOTIFY: %s.", why ? why : "Invalid arguments");
		imap_notify_set_free(&set);
		return;
	}
	if (set.used & IMAP_NOTIFY_UNSUPPORTED) {
		bad_events(s, c->tag, set.used);
		imap_notify_set_free(&set);
		return;
	}
	imap_notify_free(s);
	if (set.none) {
		imap_notify_set_free(&set);
		imap_tagged(s, c->tag, "OK NOTIFY completed.");
		return;
	}
	n = xcalloc(1, sizeof(*n));
	n->set = set;
	s->notify = n;
	if (set.ngroups > 0 && scan(s, 0) == -1) {
		imap_notify_free(s);
		imap_tagged(s, c->tag, "NO [NOTIFICATIONOVERFLOW] NOTIFY not "
		    "supported for these mailboxes.");
		return;
	}
	for (i = 0; set.status && i < n->n; i++) {
		struct nbox *b = &n->v[i];
		struct nvals v;

		if (!(b->events & MSG_EVENTS) ||
		    (b->flags & MAILBOX_NOSELECT) || is_selected(s, b->name) ||
		    status_get(s, b->name, &v) == -1)
			continue;
		status_out(&s->out, b->name, &v, ST_MESSAGES | ST_UIDNEXT |
		    ST_UIDVALIDITY | ST_UNSEEN |
		    ((b->events & IMAP_NOTIFY_FLAGS) ? ST_HMS : 0));
	}
	imap_tagged(s, c->tag, "OK NOTIFY completed.");
}
