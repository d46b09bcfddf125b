/*
 * imap_select.c -- the commands that open and close the selected
 * mailbox and act on it as a whole: SELECT and EXAMINE with dovecot's
 * untagged replies, IDLE (its periodic check is imap_session_tick),
 * CLOSE, UNSELECT, EXPUNGE and UID EXPUNGE, and the UID prefix; plus the
 * small adapters the command table needs for handlers that take a UID
 * flag.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "imap_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

/* SELECT's QRESYNC parameters */
struct qresync {
	int			 given;
	uint32_t		 uidvalidity;
	uint64_t		 modseq;
	struct imap_seqset	 known;		/* empty: all */
};

static int
qresync_args(const struct imap_arg *a, struct qresync *q)
{
	const char *v, *m;
	char *end;
	unsigned long long x;

	if (a->type != IMAP_ARG_LIST || a->nlist < 2 ||
	    (v = imap_arg_string(&a->list[0])) == NULL ||
	    (m = imap_arg_string(&a->list[1])) == NULL)
		return -1;
	x = strtoull(v, &end, 10);
	if (*end != '\0' || x == 0 || x > UINT32_MAX)
		return -1;
	q->uidvalidity = (uint32_t)x;
	q->modseq = strtoull(m, &end, 10);
	if (*end != '\0' || q->modseq == 0)
		return -1;
	if (a->nlist >= 3 && a->list[2].type == IMAP_ARG_ATOM &&
	    imap_seqset_parse(a->list[2].str, a->list[2].len, &q->known) == -1)
		return -1;
	q->given = 1;
	return 0;
}

/* What changed since the client's modseq: VANISHED (EARLIER) and FETCH
 * FLAGS of what changed. */
static void
qresync_report(struct imap_session *s, const struct qresync *q)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	imap_vanished_since(s, q->modseq, q->known.n ? &q->known : NULL, &b);
	if (b.len > 0)
		imap_reply(s, "VANISHED (EARLIER) %s", b.data);
	for (i = 0; i < s->nknown; i++) {
		const struct imap_known *k = &s->known[i];

		if (k->modseq <= q->modseq || (q->known.n &&
		    !imap_seqset_has(&q->known, k->uid, UINT32_MAX)))
			continue;
		buf_reset(&b);
		imap_flags_out(s, &b, k->flags, k->kw, k->recent);
		imap_reply(s, "%zu FETCH (UID %" PRIu32 " FLAGS %s MODSEQ (%"
		    PRIu64 "))", i + 1, k->uid, b.data, k->modseq);
	}
	buf_free(&b);
}

static void
select_common(struct imap_session *s, struct imap_cmd *c, int readonly)
{
	struct mailbox *mb;
	struct buf path, ipath, b;
	struct err err;
	struct stat st;
	const char *name;
	size_t i, recent = 0, unseen = 0;
	uint32_t first;
	struct qresync q;
	int condstore = 0;

	memset(&q, 0, sizeof(q));

	if (c->nargs < 1 || c->nargs > 2 ||
	    (name = imap_arg_string(&c->args[0])) == NULL ||
	    (c->nargs == 2 && c->args[1].type != IMAP_ARG_LIST)) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %s: "
		    "Invalid arguments.", c->name);
		return;
	}
	/* SELECT box (CONDSTORE) or (QRESYNC (uidvalidity modseq
	 * [known-uids])) */
	for (i = 0; c->nargs == 2 && i < c->args[1].nlist; i++) {
		const struct imap_arg *a = &c->args[1].list[i];
		const char *p = imap_arg_string(a);

		if (p != NULL && str_casecmp(p, "CONDSTORE") == 0) {
			condstore = 1;
			continue;
		}
		if (p != NULL && str_casecmp(p, "QRESYNC") == 0 &&
		    s->qresync && i + 1 < c->args[1].nlist &&
		    qresync_args(&c->args[1].list[i + 1], &q) == 0) {
			i++;
			continue;
		}
		imap_tagged(s, c->tag, "BAD Error in IMAP command %s: "
		    "Invalid select parameter", c->name);
		imap_seqset_free(&q.known);
		return;
	}
	if (s->mb != NULL) {
		(void)imap_commit(s, NULL);
		imap_unselect(s);
		if (s->condstore)
			imap_reply(s, "OK [CLOSED] Previous mailbox closed.");
	}
	if (condstore)
		imap_condstore_on(s);
	buf_init(&path, 0);
	if (imap_mailbox_path(s, c->tag, name, &path) == -1) {
		buf_free(&path);
		return;
	}
	if (!mailbox_is_inbox(name) && (stat(path.data, &st) == -1 ||
	    (s->loc.format == MAILBOX_MBOX && !S_ISREG(st.st_mode)) ||
	    (s->loc.format == MAILBOX_MAILDIR && !S_ISDIR(st.st_mode)))) {
		if (stat(path.data, &st) == 0)
			imap_tagged(s, c->tag, "NO Mailbox isn't selectable");
		else
			imap_tagged(s, c->tag, "NO [NONEXISTENT] Mailbox "
			    "doesn't exist: %s", name);
		buf_free(&path);
		return;
	}
	err_clear(&err);
	buf_init(&ipath, 0);
	(void)mailbox_state_path(&s->loc, path.data, mailbox_is_inbox(name) ?
	    "INBOX" : name, s->sep, MAILBOX_INDEX_FILE, &ipath);
	/* flags and mod-sequences of one moment (imap_modseq.c) */
	(void)imap_modseq_lock(s, path.data, mailbox_is_inbox(name) ?
	    "INBOX" : name, 0);
	mb = mailbox_open_index(s->loc.format, path.data, ipath.data,
	    s->cfg->locks, &err);
	buf_free(&ipath);
	buf_free(&path);
	if (mb == NULL) {
		imap_modseq_unlock(s);
		imap_log(s, LOG_ERR, "imap(%s): %s: %s", s->user, name,
		    err.msg);
		imap_tagged(s, c->tag, "NO [SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
		return;
	}
	if (!readonly && mailbox_settle(mb, &err) == -1)
		imap_log(s, LOG_ERR, "imap(%s): %s: %s", s->user, name,
		    err.msg);
	mb->write_flags = 1;
	s->mb = mb;
	s->mbname = xstrdup(mailbox_is_inbox(name) ? "INBOX" : name);
	s->readonly = readonly;
	imap_set_state(s, IMAP_SELECTED);
	/* SELECT claims \Recent; EXAMINE sees what is unclaimed */
	first = imap_recent_first(s, s->mb, s->mbname, !readonly);
	imap_modseq_load(s);
	imap_modseq_unlock(s);
	if (s->capknown < mb->n) {
		/* one allocation for a large mailbox, not a doubling */
		s->capknown = mb->n;
		s->known = xreallocarray(s->known, s->capknown,
		    sizeof(*s->known));
	}
	for (i = 0; i < mb->n; i++) {
		struct imap_known k;

		memset(&k, 0, sizeof(k));
		k.uid = mb->msgs[i].uid;
		k.flags = imap_cur_flags(&mb->msgs[i]);
		k.kw = imap_cur_kw(&mb->msgs[i]);
		k.recent = first > 0 ? k.uid >= first :
		    !(mb->msgs[i].flags & MSG_OLD);
		k.modseq = imap_modseq_of(s, k.uid);
		recent += k.recent != 0;
		if (unseen == 0 && !(k.flags & MSG_SEEN))
			unseen = i + 1;
		imap_known_push(&s->known, &s->nknown, &s->capknown, &k);
		/* \Recent is ours now: others see these as old */
		if (k.recent && !readonly)
			mb->msgs[i].set_flags |= MSG_OLD;
	}
	if (recent > 0 && !readonly && mb->format == MAILBOX_MAILDIR &&
	    mailbox_commit(mb, &err) == -1)
		imap_log(s, LOG_ERR, "imap(%s): %s: %s", s->user, name,
		    err.msg);
	s->nkw_told = mb->nkw;
	buf_init(&b, 0);
	imap_flags_line(s, &b, 0);
	imap_reply(s, "FLAGS %s", b.data);
	buf_reset(&b);
	if (readonly)
		imap_reply(s, "OK [PERMANENTFLAGS ()] Read-only mailbox.");
	else {
		imap_flags_line(s, &b, 1);
		imap_reply(s, "OK [PERMANENTFLAGS %s] Flags permitted.",
		    b.data);
	}
	buf_free(&b);
	imap_reply(s, "%zu EXISTS", s->nknown);
	imap_reply(s, "%zu RECENT", recent);
	if (unseen > 0)
		imap_reply(s, "OK [UNSEEN %zu] First unseen.", unseen);
	imap_reply(s, "OK [UIDVALIDITY %" PRIu32 "] UIDs valid",
	    mb->uidvalidity);
	imap_reply(s, "OK [UIDNEXT %" PRIu32 "] Predicted next UID",
	    mb->uidnext);
	imap_reply(s, "OK [HIGHESTMODSEQ %" PRIu64 "] Highest",
	    s->highestmodseq);
	if (q.given && q.uidvalidity == mb->uidvalidity)
		qresync_report(s, &q);
	imap_seqset_free(&q.known);
	imap_tagged(s, c->tag, readonly ? "OK [READ-ONLY] Examine completed." :
	    "OK [READ-WRITE] Select completed.");
}

void
imap_cmd_select(struct imap_session *s, struct imap_cmd *c)
{
	select_common(s, c, 0);
}

void
imap_cmd_examine(struct imap_session *s, struct imap_cmd *c)
{
	select_common(s, c, 1);
}

void
imap_cmd_idle(struct imap_session *s, struct imap_cmd *c)
{
	if (s->dirty)
		(void)imap_commit(s, NULL);
	imap_refresh(s, 1);
	s->idle_tag = xstrdup(c->tag);
	(void)buf_adds(&s->out, "+ idling\r\n");
}

void
imap_session_tick(struct imap_session *s)
{
	if (s->notify != NULL) {
		imap_notify_tick(s);
		return;
	}
	if (s->idle_tag != NULL && s->state == IMAP_SELECTED) {
		imap_refresh(s, 1);
		imap_ctx_notify(s);
	}
}

/* Marks \Deleted messages (in set, when given) for expunge. */
static int
expunge(struct imap_session *s, const char *tag,
    const struct imap_seqset *set)
{
	size_t i, r;

	if (s->readonly)
		return 0;
	if (set == NULL) {
		for (i = 0; i < s->mb->n; i++)
			if (imap_cur_flags(&s->mb->msgs[i]) & MSG_DELETED)
				s->mb->msgs[i].expunge = 1;
	} else
		for (r = 0; r < set->n; r++)
			for (i = set->v[r].lo; i <= set->v[r].hi; i++) {
				long x = imap_msg_index(s, i);

				if (x >= 0 && (imap_cur_flags(&s->mb->msgs[x]) &
				    MSG_DELETED))
					s->mb->msgs[x].expunge = 1;
			}
	return imap_commit(s, tag);
}

void
imap_cmd_close(struct imap_session *s, struct imap_cmd *c)
{
	if (expunge(s, c->tag, NULL) == -1)
		return;
	imap_unselect(s);
	imap_tagged(s, c->tag, "OK Close completed.");
}

void
imap_cmd_unselect(struct imap_session *s, struct imap_cmd *c)
{
	(void)imap_commit(s, NULL);
	imap_unselect(s);
	imap_tagged(s, c->tag, "OK Unselect completed.");
}

void
imap_cmd_expunge(struct imap_session *s, struct imap_cmd *c)
{
	if (s->readonly) {
		imap_tagged(s, c->tag, "NO Mailbox is read-only.");
		return;
	}
	if (expunge(s, c->tag, NULL) == -1)
		return;
	imap_refresh(s, 1);
	imap_tagged(s, c->tag, "OK Expunge completed.");
}

void
imap_cmd_uid(struct imap_session *s, struct imap_cmd *c)
{
	struct imap_cmd sub;
	const char *verb;

	if (c->nargs < 1 || c->args[0].type != IMAP_ARG_ATOM) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command UID: "
		    "Invalid arguments.");
		return;
	}
	verb = c->args[0].str;
	sub = *c;
	sub.name = c->args[0].str;
	sub.args = c->args + 1;
	sub.nargs = c->nargs - 1;
	if (str_casecmp(verb, "FETCH") == 0)
		imap_cmd_fetch(s, &sub, 1);
	else if (str_casecmp(verb, "STORE") == 0)
		imap_cmd_store(s, &sub, 1);
	else if (str_casecmp(verb, "SEARCH") == 0)
		imap_cmd_search(s, &sub, 1);
	else if (str_casecmp(verb, "SORT") == 0)
		imap_cmd_sort(s, &sub, 1);
	else if (str_casecmp(verb, "THREAD") == 0)
		imap_cmd_thread(s, &sub, 1);
	else if (str_casecmp(verb, "COPY") == 0)
		imap_cmd_copy(s, &sub, 1, 0);
	else if (str_casecmp(verb, "MOVE") == 0)
		imap_cmd_copy(s, &sub, 1, 1);
	else if (str_casecmp(verb, "EXPUNGE") == 0) {
		struct imap_seqset set;

		if (s->readonly) {
			imap_tagged(s, c->tag, "NO Mailbox is read-only.");
			return;
		}
		if (sub.nargs != 1 || sub.args[0].type != IMAP_ARG_ATOM) {
			imap_tagged(s, c->tag, "BAD Error in IMAP command "
			    "UID EXPUNGE: Invalid arguments.");
			return;
		}
		if (imap_set_resolve(s, c->tag, sub.args[0].str, 1,
		    &set) == -1)
			return;
		if (expunge(s, c->tag, &set) == 0) {
			imap_refresh(s, 1);
			imap_tagged(s, c->tag, "OK Expunge completed.");
		}
		imap_seqset_free(&set);
	} else
		imap_tagged(s, c->tag, "BAD Error in IMAP command UID: "
		    "Unknown command %s", verb);
}

/* the command table's handlers for verbs that share a function */
#define ADAPTER(name, call)						\
	void								\
	name(struct imap_session *s, struct imap_cmd *c)		\
	{								\
		call;							\
	}

ADAPTER(imap_cmd_fetch_seq, imap_cmd_fetch(s, c, 0))
ADAPTER(imap_cmd_store_seq, imap_cmd_store(s, c, 0))
ADAPTER(imap_cmd_search_seq, imap_cmd_search(s, c, 0))
ADAPTER(imap_cmd_sort_seq, imap_cmd_sort(s, c, 0))
ADAPTER(imap_cmd_thread_seq, imap_cmd_thread(s, c, 0))
ADAPTER(imap_cmd_copy_seq, imap_cmd_copy(s, c, 0, 0))
ADAPTER(imap_cmd_move_seq, imap_cmd_copy(s, c, 0, 1))
ADAPTER(imap_cmd_list_all, imap_cmd_list(s, c, 0))
ADAPTER(imap_cmd_lsub, imap_cmd_list(s, c, 1))
ADAPTER(imap_cmd_subscribe_on, imap_cmd_subscribe(s, c, 1))
ADAPTER(imap_cmd_unsubscribe, imap_cmd_subscribe(s, c, 0))
