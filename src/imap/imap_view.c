/*
 * imap_view.c -- the client's view of the selected mailbox: s->known
 * holds the sequence numbers, flags, keywords and \Recent the client has
 * been told; refresh compares it with the storage by UID and reports the
 * difference (EXPUNGE, FETCH FLAGS, EXISTS, RECENT, new keywords in
 * FLAGS); sequence sets resolve against it; \Recent is claimed through
 * the mailboxd-recent file; commits keep keyword numbers in step.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define SYSFLAGS (MSG_SEEN | MSG_ANSWERED | MSG_FLAGGED | MSG_DELETED | \
	MSG_DRAFT)

unsigned
imap_cur_flags(const struct mailbox_msg *m)
{
	return ((m->flags | m->set_flags) & ~m->clr_flags) & SYSFLAGS;
}

uint32_t
imap_cur_kw(const struct mailbox_msg *m)
{
	return (m->kw | m->set_kw) & ~m->clr_kw;
}

void
imap_flags_out(struct imap_session *s, struct buf *b, unsigned f,
    uint32_t kw, int recent)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} names[] = {
		{ MSG_ANSWERED, "\\Answered" }, { MSG_FLAGGED, "\\Flagged" },
		{ MSG_DELETED, "\\Deleted" }, { MSG_SEEN, "\\Seen" },
		{ MSG_DRAFT, "\\Draft" }
	};
	size_t i, n = 0;

	(void)buf_addc(b, '(');
	for (i = 0; i < 5; i++)
		if (f & names[i].bit)
			buf_printf(b, "%s%s", n++ ? " " : "", names[i].name);
	if (recent)
		buf_printf(b, "%s\\Recent", n++ ? " " : "");
	for (i = 0; s->mb != NULL && i < s->mb->nkw; i++)
		if (kw & ((uint32_t)1 << i))
			buf_printf(b, "%s%s", n++ ? " " : "", s->mb->kw[i]);
	(void)buf_addc(b, ')');
}

static long
find_uid(const struct mailbox *mb, uint32_t uid)
{
	size_t lo = 0, hi = mb->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mb->msgs[mid].uid == uid)
			return (long)mid;
		if (mb->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

long
imap_msg_index(struct imap_session *s, size_t seq)
{
	if (seq == 0 || seq > s->nknown || s->mb == NULL)
		return -1;
	return find_uid(s->mb, s->known[seq - 1].uid);
}

void
imap_known_push(struct imap_known **v, size_t *n, size_t *cap,
    const struct imap_known *k)
{
	if (*n == *cap) {
		*cap = *cap ? xmul(*cap, 2) : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = *k;
}

/* A commit or reload may renumber the mailbox's keywords (another
 * session added some meanwhile): the client's view follows by name. */
static int
keep_keywords(struct imap_session *s, int reload, struct err *err)
{
	char *old[MAILBOX_KW_MAX];
	int map[MAILBOX_KW_MAX];
	size_t nold = s->mb->nkw, i, b;
	int rc, same = 1;

	for (i = 0; i < nold; i++)
		old[i] = xstrdup(s->mb->kw[i]);
	rc = reload ? mailbox_reload(s->mb, err) :
	    mailbox_commit(s->mb, err);
	for (i = 0; i < nold; i++) {
		map[i] = mailbox_kw_index(s->mb, old[i], 0);
		same &= map[i] == (int)i;
		free(old[i]);
	}
	for (i = 0; !same && i < s->nknown; i++) {
		uint32_t out = 0;

		for (b = 0; b < nold; b++)
			if ((s->known[i].kw & ((uint32_t)1 << b)) &&
			    map[b] >= 0)
				out |= (uint32_t)1 << map[b];
		s->known[i].kw = out;
	}
	if (!same)
		s->nkw_told = 0;	/* FLAGS again */
	return rc;
}

/* \Recent belongs to one session: a small file beside the mailbox
 * (dovecot keeps first_recent_uid in its index) holds the first UID no
 * session has claimed yet; claiming moves it to UIDNEXT.  Returns the
 * previous value (messages from there on are ours), 0 when there is no
 * such file to use (then Status: O / new/ decide). */
void
imap_condstore_on(struct imap_session *s)
{
	if (s->condstore)
		return;
	s->condstore = 1;
	if (s->mb != NULL)
		imap_reply(s, "OK [HIGHESTMODSEQ %" PRIu64 "] Highest",
		    s->highestmodseq);
}

void
imap_state_path(struct imap_session *s, const struct mailbox *mb,
    const char *name, const char *file, struct buf *p)
{
	(void)mailbox_state_path(&s->loc, mb->path, name, s->sep, file, p);
}

int
imap_state_open(struct imap_session *s, const struct mailbox *mb,
    const char *name, const char *file, int write)
{
	struct buf p;
	int fd;

	buf_init(&p, 0);
	imap_state_path(s, mb, name, file, &p);
	fd = open(p.data, (write ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	buf_free(&p);
	if (fd != -1 && flock(fd, write ? LOCK_EX : LOCK_SH) == -1) {
		(void)close(fd);
		fd = -1;
	}
	return fd;
}

uint32_t
imap_recent_first(struct imap_session *s, struct mailbox *mb,
    const char *name, int claim)
{
	struct buf p;
	char num[64];
	ssize_t n;
	uint32_t first = 0;
	int fd;

	buf_init(&p, 0);
	imap_state_path(s, mb, name, "mailboxd-recent", &p);
	fd = open(p.data, (claim ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	buf_free(&p);
	if (fd == -1)
		return 0;
	if (flock(fd, claim ? LOCK_EX : LOCK_SH) == 0) {
		char *end;
		uint32_t uv;

		n = pread(fd, num, sizeof(num) - 1, 0);
		num[n > 0 ? n : 0] = '\0';
		/* "<uidvalidity> <first recent uid>" */
		uv = (uint32_t)strtoul(num, &end, 10);
		first = (uint32_t)strtoul(end, NULL, 10);
		if (uv != mb->uidvalidity)
			first = 0;
		/* a new file: Status: O and new/ decided until now */
		if (claim && (first == 0 || mb->uidnext > first)) {
			n = snprintf(num, sizeof(num), "%" PRIu32 " %" PRIu32
			    "\n", mb->uidvalidity, mb->uidnext);
			if (pwrite(fd, num, (size_t)n, 0) == n) {
				/* a tail a failed cut leaves follows the
				 * newline; only the first line is read */
				int cut = ftruncate(fd, n);

				(void)cut;
			}
		}
	}
	(void)close(fd);
	return first;
}

/* Compares the client's view with the storage by UID and reports the
 * difference: EXPUNGE (when allowed; else the message stays as a ghost
 * the client can still name), FETCH FLAGS, EXISTS and RECENT. */
/* CONTEXT=SEARCH: the known messages the mailbox lost leave kept
 * search results before the EXPUNGE replies, as in dovecot. */
static void
ctx_gone(struct imap_session *s)
{
	uint32_t *gone = NULL;
	size_t i, j = 0, n = 0;

	for (i = 0; i < s->nknown; i++) {
		while (j < s->mb->n && s->mb->msgs[j].uid < s->known[i].uid)
			j++;
		if (j < s->mb->n && s->mb->msgs[j].uid == s->known[i].uid)
			continue;
		gone = xreallocarray(gone, n + 1, sizeof(*gone));
		gone[n++] = s->known[i].uid;
	}
	imap_ctx_gone(s, gone, n);
	free(gone);
}

static void
diff(struct imap_session *s, int allow_expunge)
{
	struct imap_known *nv = NULL;
	size_t nn = 0, ncap = 0, i = 0, j = 0, added = 0, recent = 0;
	size_t claimed = 0, *changed = NULL, nchanged = 0, nbump = 0;
	size_t nvanished = 0, nexp = 0, *exp = NULL, recent_gone = 0;
	size_t nold = s->nknown;
	uint32_t *bump = NULL, *vanished = NULL;
	uint32_t first = 0;
	int claimed_now = 0;
	const struct mailbox *mb = s->mb;
	struct buf b;

	s->reloaded = 0;
	imap_announce_keywords(s);
	/* with the storage just read under the shared publication lock
	 * (imap_refresh): flags and mod-sequences of one moment */
	imap_modseq_load(s);
	imap_modseq_unlock(s);
	buf_init(&b, 0);
	if (allow_expunge && s->ctxsearch != NULL)
		ctx_gone(s);
	while (i < s->nknown || j < mb->n) {
		struct imap_known k;

		if (i < s->nknown && (j == mb->n ||
		    s->known[i].uid < mb->msgs[j].uid)) {
			if (allow_expunge && s->qresync) {
				vanished = xreallocarray(vanished,
				    nvanished + 1, sizeof(*vanished));
				vanished[nvanished++] = s->known[i].uid;
			} else if (allow_expunge) {
				/* told after the walk, highest first */
				exp = xreallocarray(exp, nexp + 1,
				    sizeof(*exp));
				exp[nexp++] = i + 1;
				recent_gone += s->known[i].recent != 0;
			} else
				imap_known_push(&nv, &nn, &ncap, &s->known[i]);
			i++;
			continue;
		}
		if (i < s->nknown && s->known[i].uid == mb->msgs[j].uid) {
			uint64_t fm;

			k = s->known[i];
			fm = imap_modseq_of(s, k.uid);
			if (k.flags == imap_cur_flags(&mb->msgs[j]) &&
			    k.kw == imap_cur_kw(&mb->msgs[j]) &&
			    fm > k.modseq) {
				/* another session's change that left the
				 * flags as we knew them, or one whose flags
				 * we have not read yet */
				k.modseq = fm;
				k.early = 1;
				if (s->condstore) {
					changed = xreallocarray(changed,
					    nchanged + 1, sizeof(*changed));
					changed[nchanged++] = nn;
				}
			} else if (k.flags != imap_cur_flags(&mb->msgs[j]) ||
			    k.kw != imap_cur_kw(&mb->msgs[j])) {
				uint64_t ms = imap_modseq_of(s, k.uid);

				k.flags = imap_cur_flags(&mb->msgs[j]);
				k.kw = imap_cur_kw(&mb->msgs[j]);
				/* a change no mailboxd session recorded
				 * (another program's) gets a modseq now */
				if (ms <= k.modseq && !k.early) {
					bump = xreallocarray(bump, nbump + 1,
					    sizeof(*bump));
					bump[nbump++] = k.uid;
				} else if (ms > k.modseq)
					k.modseq = ms;
				k.early = 0;
				/* reported after the expunges, with the
				 * final sequence numbers */
				changed = xreallocarray(changed, nchanged + 1,
				    sizeof(*changed));
				changed[nchanged++] = nn;
			}
			imap_known_push(&nv, &nn, &ncap, &k);
			i++;
			j++;
			continue;
		}
		/* a message the client does not know yet */
		if (nn == 0 || mb->msgs[j].uid > nv[nn - 1].uid) {
			memset(&k, 0, sizeof(k));
			k.uid = mb->msgs[j].uid;
			k.flags = imap_cur_flags(&mb->msgs[j]);
			k.kw = imap_cur_kw(&mb->msgs[j]);
			/* new to the session: \Recent here, old for the
			 * others (unless someone else claimed it first) */
			/* EXAMINE only looks: what nobody has claimed */
			if (!claimed_now) {
				first = imap_recent_first(s, s->mb, s->mbname,
				    !s->readonly);
				claimed_now = 1;
			}
			k.recent = first > 0 ? mb->msgs[j].uid >= first :
			    !(mb->msgs[j].flags & MSG_OLD);
			k.modseq = imap_modseq_of(s, k.uid);
			if (k.recent && !s->readonly) {
				mb->msgs[j].set_flags |= MSG_OLD;
				claimed++;
			}
			recent += k.recent != 0;
			imap_known_push(&nv, &nn, &ncap, &k);
			added++;
		}
		j++;
	}
	free(s->known);
	s->known = nv;
	s->nknown = nn;
	s->capknown = ncap;
	/* as dovecot: the highest sequence number first, so that none of
	 * them moves */
	while (nexp > 0)
		imap_reply(s, "%zu EXPUNGE", exp[--nexp]);
	free(exp);
	if (nvanished > 0) {
		/* QRESYNC: expunges by UID (ascending, as walked) */
		buf_reset(&b);
		imap_set_out(&b, vanished, nvanished);
		imap_reply(s, "VANISHED %s", b.data);
	}
	free(vanished);
	if (nbump > 0 && !s->readonly) {
		uint64_t h = imap_modseq_bump(s, s->mb, s->mbname, bump,
		    nbump, 0);

		for (i = 0; i < nchanged && h != 0; i++)
			if (imap_modseq_of(s, s->known[changed[i]].uid) == h)
				s->known[changed[i]].modseq = h;
	}
	for (i = 0; i < nchanged; i++) {
		const struct imap_known *k = &s->known[changed[i]];

		buf_reset(&b);
		imap_flags_out(s, &b, k->flags, k->kw, k->recent);
		if (s->condstore)
			imap_reply(s, "%zu FETCH (UID %" PRIu32 " FLAGS %s "
			    "MODSEQ (%" PRIu64 "))", changed[i] + 1, k->uid,
			    b.data, k->modseq);
		else
			imap_reply(s, "%zu FETCH (UID %" PRIu32 " FLAGS %s)",
			    changed[i] + 1, k->uid, b.data);
	}
	free(changed);
	free(bump);
	if (added > 0 || recent_gone > 0) {
		/* EXISTS for new messages; RECENT for them and when
		 * expunges took \Recent ones, as dovecot does */
		if (added > 0 || nn > nold)
			imap_reply(s, "%zu EXISTS", nn);
		recent = 0;
		for (i = 0; i < nn; i++)
			recent += s->known[i].recent != 0;
		imap_reply(s, "%zu RECENT", recent);
	}
	buf_free(&b);
	if (claimed > 0 && mb->format == MAILBOX_MAILDIR) {
		/* others see them as old now: Status: O, or cur/ */
		struct err err;

		err_clear(&err);
		if (keep_keywords(s, 0, &err) == -1)
			imap_log(s, LOG_ERR, "imap(%s): %s: %s", s->user,
			    s->mbname, err.msg);
	}
}

int
imap_publish(struct imap_session *s, const char *tag, const uint32_t *uids,
    size_t n, uint64_t *modseq_out)
{
	struct err err;
	uint32_t *gone = NULL;
	size_t i, ngone = 0;
	int todo = s->dirty;

	if (modseq_out != NULL)
		*modseq_out = 0;
	if (s->mb == NULL || s->readonly)
		return 0;
	for (i = 0; i < s->mb->n && !todo; i++)
		todo = s->mb->msgs[i].expunge;
	if (!todo && n == 0)
		return 0;
	err_clear(&err);
	for (i = 0; i < s->mb->n; i++)
		if (s->mb->msgs[i].expunge) {
			gone = xreallocarray(gone, ngone + 1, sizeof(*gone));
			gone[ngone++] = s->mb->msgs[i].uid;
		}
	/* nobody reads the new flags before their mod-sequences */
	(void)imap_modseq_lock(s, s->mb->path, s->mbname, 1);
	if (todo && keep_keywords(s, 0, &err) == -1) {
		imap_modseq_unlock(s);
		free(gone);
		imap_log(s, LOG_ERR, "imap(%s): %s: %s", s->user, s->mbname,
		    err.msg);
		if (tag != NULL)
			imap_tagged(s, tag, "NO [SERVERBUG] Internal error "
			    "occurred. Refer to server log for more "
			    "information.");
		return -1;
	}
	if (todo) {
		s->dirty = 0;
		s->reloaded = 1;
	}
	if (n > 0) {
		uint64_t h = imap_modseq_bump(s, s->mb, s->mbname, uids, n,
		    0);

		if (modseq_out != NULL)
			*modseq_out = h;
	}
	/* expunges raise HIGHESTMODSEQ too */
	if (ngone > 0)
		(void)imap_modseq_bump(s, s->mb, s->mbname, gone, ngone, 1);
	imap_modseq_unlock(s);
	free(gone);
	return 0;
}

void
imap_known_early(struct imap_session *s, const size_t *seqs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct imap_known *k = &s->known[seqs[i] - 1];
		long x = imap_msg_index(s, seqs[i]);

		if (x >= 0 && (imap_cur_flags(&s->mb->msgs[x]) != k->flags ||
		    imap_cur_kw(&s->mb->msgs[x]) != k->kw))
			k->early = 1;
	}
}

int
imap_commit(struct imap_session *s, const char *tag)
{
	return imap_publish(s, tag, NULL, 0, NULL);
}

/* 1 when the client knows a UID the mailbox no longer has.  Both lists
 * ascend by UID, so one walk over each does, not a search per message
 * after every command; an unordered list could only give a false 1,
 * which costs a diff. */
static int
has_ghosts(const struct imap_session *s)
{
	const struct mailbox *mb = s->mb;
	size_t i, j = 0;

	for (i = 0; i < s->nknown; i++) {
		uint32_t u = s->known[i].uid;

		while (j < mb->n && mb->msgs[j].uid < u)
			j++;
		if (j == mb->n || mb->msgs[j].uid != u)
			return 1;
	}
	return 0;
}

void
imap_refresh(struct imap_session *s, int allow_expunge)
{
	struct err err;
	uint32_t uv;
	size_t i;
	int expunges = 0;

	if (s->mb == NULL || !imap_notify_selected(s))
		return;
	for (i = 0; i < s->mb->n && !expunges; i++)
		expunges = s->mb->msgs[i].expunge;
	/* a STORE that changed no flags on disk (another session had set
	 * them) still gave a mod-sequence: that is a change too */
	if (!expunges && !s->reloaded && !mailbox_changed(s->mb) &&
	    imap_modseq_peek(s) == s->highestmodseq) {
		/* nothing new; ghosts can go now */
		if (allow_expunge && has_ghosts(s))
			diff(s, 1);
		return;
	}
	if (s->dirty && imap_commit(s, NULL) == -1)
		return;
	err_clear(&err);
	uv = s->mb->uidvalidity;
	/* released by diff once it has read the mod-sequences */
	(void)imap_modseq_lock(s, s->mb->path, s->mbname, 0);
	if (mailbox_changed(s->mb) && keep_keywords(s, 1, &err) == -1) {
		imap_modseq_unlock(s);
		imap_log(s, LOG_ERR, "imap(%s): %s: %s", s->user, s->mbname,
		    err.msg);
		return;
	}
	if (s->mb->uidvalidity != uv) {
		/* the UIDs the client holds mean nothing now */
		imap_log(s, LOG_ERR, "imap(%s): %s: UIDVALIDITY changed "
		    "(%" PRIu32 " -> %" PRIu32 ")", s->user, s->mbname, uv,
		    s->mb->uidvalidity);
		imap_modseq_unlock(s);
		imap_reply(s, "BYE Mailbox UIDVALIDITY changed");
		imap_unselect(s);
		imap_set_state(s, IMAP_LOGOUT);
		return;
	}
	diff(s, allow_expunge);
}

/* ---- sequence sets */

static int
range_cmp(const void *a, const void *b)
{
	const struct imap_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* First known index (0-based) with uid >= u. */
static size_t
known_lower(const struct imap_session *s, uint32_t u)
{
	size_t lo = 0, hi = s->nknown;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->known[mid].uid < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
imap_set_resolve(struct imap_session *s, const char *tag, const char *set,
    int uid, struct imap_seqset *out)
{
	struct imap_seqset in;
	size_t i, n = 0;

	out->v = NULL;
	out->n = 0;
	if (strcmp(set, "$") == 0) {
		/* SEARCHRES: the saved UIDs still known, in either command */
		out->v = xreallocarray(NULL, s->nsaved ? s->nsaved : 1,
		    sizeof(*out->v));
		for (i = 0; i < s->nsaved; i++) {
			size_t a = known_lower(s, s->saved[i]);

			if (a < s->nknown && s->known[a].uid == s->saved[i])
				out->v[n].lo = out->v[n].hi = (uint32_t)a + 1,
				    n++;
		}
		goto merge;
	}
	if (imap_seqset_parse(set, strlen(set), &in) == -1) {
		imap_tagged(s, tag, "BAD Error in IMAP command: Invalid "
		    "messageset");
		return -1;
	}
	out->v = xreallocarray(NULL, in.n ? in.n : 1, sizeof(*out->v));
	for (i = 0; i < in.n; i++) {
		uint32_t lo = in.v[i].lo, hi = in.v[i].hi, t;

		if (uid) {
			uint32_t max = s->nknown ?
			    s->known[s->nknown - 1].uid : 0;
			size_t a, b;

			lo = lo == 0 ? max : lo;
			hi = hi == 0 ? max : hi;
			if (lo > hi) {
				t = lo;
				lo = hi;
				hi = t;
			}
			a = known_lower(s, lo);
			b = hi == UINT32_MAX ? s->nknown : known_lower(s,
			    hi + 1);
			if (a >= b)
				continue;
			out->v[n].lo = (uint32_t)a + 1;
			out->v[n++].hi = (uint32_t)b;
		} else {
			lo = lo == 0 ? (uint32_t)s->nknown : lo;
			hi = hi == 0 ? (uint32_t)s->nknown : hi;
			if (lo > hi) {
				t = lo;
				lo = hi;
				hi = t;
			}
			if (lo == 0 || hi > s->nknown) {
				imap_seqset_free(&in);
				imap_seqset_free(out);
				imap_tagged(s, tag, "BAD Error in IMAP "
				    "command: Invalid messageset");
				return -1;
			}
			out->v[n].lo = lo;
			out->v[n++].hi = hi;
		}
	}
	imap_seqset_free(&in);
merge:
	/* sorted, overlaps merged: each message once, in order */
	if (n > 1)
		qsort(out->v, n, sizeof(*out->v), range_cmp);
	out->n = 0;
	for (i = 0; i < n; i++) {
		if (out->n > 0 && out->v[i].lo <= out->v[out->n - 1].hi + 1) {
			if (out->v[i].hi > out->v[out->n - 1].hi)
				out->v[out->n - 1].hi = out->v[i].hi;
		} else
			out->v[out->n++] = out->v[i];
	}
	return 0;
}

void
imap_flags_line(struct imap_session *s, struct buf *b, int perm)
{
	size_t i;

	(void)buf_adds(b, "(\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (i = 0; i < s->mb->nkw; i++)
		buf_printf(b, " %s", s->mb->kw[i]);
	if (perm)
		(void)buf_adds(b, " \\*");
	(void)buf_addc(b, ')');
}

void
imap_announce_keywords(struct imap_session *s)
{
	struct buf b;

	if (s->mb == NULL || s->mb->nkw <= s->nkw_told)
		return;
	buf_init(&b, 0);
	imap_flags_line(s, &b, 0);
	imap_reply(s, "FLAGS %s", b.data);
	buf_reset(&b);
	if (!s->readonly) {
		imap_flags_line(s, &b, 1);
		imap_reply(s, "OK [PERMANENTFLAGS %s] Flags permitted.",
		    b.data);
	}
	buf_free(&b);
	s->nkw_told = s->mb->nkw;
}
