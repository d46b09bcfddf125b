/*
 * imap_folder.c -- the commands that name mailboxes (LIST and LSUB are
 * imap_list.c): STATUS,
 * CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, APPEND (UIDPLUS's
 * APPENDUID), COPY and MOVE (COPYUID).  Every name goes through
 * mailbox_path(), which refuses names that could leave the mail root.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "imap_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static int
args_ok(struct imap_session *s, struct imap_cmd *c, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < c->nargs; i++)
		if (imap_arg_string(&c->args[i]) == NULL)
			break;
	if (c->nargs == n && i == n)
		return 1;
	imap_tagged(s, c->tag, "BAD Error in IMAP command %s: Invalid "
	    "arguments.", c->name);
	return 0;
}

/*
 * 1 when name is valid modified UTF-7; else 0, answered (when tag is
 * given) as dovecot answers before it looks any further.
 */
static int
name_ok(struct imap_session *s, const char *tag, const char *name)
{
	if (imap_mutf7_valid(name))
		return 1;
	if (tag != NULL)
		imap_tagged(s, tag, "NO Mailbox name is not valid mUTF-7");
	return 0;
}

int
imap_mailbox_path(struct imap_session *s, const char *tag, const char *name,
    struct buf *out)
{
	struct err err;

	if (!name_ok(s, tag, name))
		return -1;
	err_clear(&err);
	if (mailbox_path(&s->loc, name, s->sep, out, &err) == -1) {
		imap_tagged(s, tag, "NO Invalid mailbox name: %s", err.msg);
		return -1;
	}
	return 0;
}

/* A mailbox that can hold messages exists at path. */
int
imap_selectable(struct imap_session *s, const char *name, const char *path)
{
	struct stat st;

	if (mailbox_is_inbox(name))
		return 1;
	if (stat(path, &st) == -1)
		return 0;
	return s->loc.format == MAILBOX_MBOX ? S_ISREG(st.st_mode) :
	    S_ISDIR(st.st_mode);
}

/* One STATUS reply for name and items; -1 with a tagged answer (when
 * tag is given) on a bad name or item. */
int
imap_status_reply(struct imap_session *s, const char *tag, const char *name,
    const struct imap_arg *items)
{
	struct buf path, b;
	struct mailbox *mb = NULL;
	struct err err;
	size_t i, msgs = 0, recent = 0, unseen = 0;
	uint32_t uidnext = 0, uidvalidity = 0;
	uint64_t size = 0;
	int rc = -1;

	buf_init(&path, 0);
	buf_init(&b, 0);
	err_clear(&err);
	if (!name_ok(s, tag, name))
		goto out;
	if (mailbox_path(&s->loc, name, s->sep, &path, &err) == -1) {
		if (tag != NULL)
			imap_tagged(s, tag, "NO Invalid mailbox name: %s",
			    err.msg);
		goto out;
	}
	if (!imap_selectable(s, name, path.data)) {
		if (tag != NULL)
			imap_tagged(s, tag, "NO [NONEXISTENT] Mailbox doesn't "
			    "exist: %s.", name);
		goto out;
	}
	if (s->mb != NULL && strcmp(s->mb->path, path.data) == 0) {
		imap_refresh(s, 0);
		msgs = s->nknown;
		for (i = 0; i < s->nknown; i++) {
			recent += s->known[i].recent != 0;
			unseen += !(s->known[i].flags & MSG_SEEN);
		}
		uidnext = s->mb->uidnext;
		uidvalidity = s->mb->uidvalidity;
		size = s->mb->total_vsize;
	} else {
		struct buf ipath;
		uint32_t first;

		buf_init(&ipath, 0);
		(void)mailbox_state_path(&s->loc, path.data,
		    mailbox_is_inbox(name) ? "INBOX" : name, s->sep,
		    MAILBOX_INDEX_FILE, &ipath);
		mb = mailbox_open_index(s->loc.format, path.data, ipath.data,
		    s->cfg->locks, &err);
		buf_free(&ipath);
		if (mb == NULL) {
			imap_log(s, LOG_ERR, "imap(%s): %s: %s", s->user, name,
			    err.msg);
			if (tag != NULL)
				imap_tagged(s, tag, "NO [SERVERBUG] Internal "
				    "error occurred. Refer to server log for "
				    "more information.");
			goto out;
		}
		first = imap_recent_first(s, mb, mailbox_is_inbox(name) ?
		    "INBOX" : name, 0);
		msgs = mb->n;
		for (i = 0; i < mb->n; i++) {
			recent += first > 0 ? mb->msgs[i].uid >= first :
			    !(mb->msgs[i].flags & MSG_OLD);
			unseen += !(mb->msgs[i].flags & MSG_SEEN);
		}
		uidnext = mb->uidnext;
		uidvalidity = mb->uidvalidity;
		size = mb->total_vsize;
	}
	for (i = 0; i < items->nlist; i++) {
		const char *it = imap_arg_string(&items->list[i]);
		const char *sp = b.len ? " " : "";

		if (it == NULL)
			it = "";
		if (str_casecmp(it, "MESSAGES") == 0)
			buf_printf(&b, "%sMESSAGES %zu", sp, msgs);
		else if (str_casecmp(it, "RECENT") == 0)
			buf_printf(&b, "%sRECENT %zu", sp, recent);
		else if (str_casecmp(it, "UIDNEXT") == 0)
			buf_printf(&b, "%sUIDNEXT %" PRIu32, sp, uidnext);
		else if (str_casecmp(it, "UIDVALIDITY") == 0)
			buf_printf(&b, "%sUIDVALIDITY %" PRIu32, sp,
			    uidvalidity);
		else if (str_casecmp(it, "UNSEEN") == 0)
			buf_printf(&b, "%sUNSEEN %zu", sp, unseen);
		else if (str_casecmp(it, "SIZE") == 0)
			buf_printf(&b, "%sSIZE %" PRIu64, sp, size);
		else if (str_casecmp(it, "HIGHESTMODSEQ") == 0)
			buf_printf(&b, "%sHIGHESTMODSEQ %" PRIu64, sp,
			    mb != NULL ? imap_modseq_highest(s, mb,
			    mailbox_is_inbox(name) ? "INBOX" : name) :
			    s->highestmodseq);
		else {
			if (tag != NULL)
				imap_tagged(s, tag, "BAD Error in IMAP command "
				    "STATUS: Invalid status item %s", it);
			goto out;
		}
	}
	{
		struct buf line;

		buf_init(&line, 0);
		(void)buf_adds(&line, "* STATUS ");
		imap_cstr_out(&line, mailbox_is_inbox(name) ? "INBOX" : name);
		buf_printf(&line, " (%s)\r\n", b.data ? b.data : "");
		(void)buf_add(&s->out, line.data, line.len);
		buf_free(&line);
	}
	rc = 0;
out:
	mailbox_free(mb);
	buf_free(&path);
	buf_free(&b);
	return rc;
}

void
imap_cmd_status(struct imap_session *s, struct imap_cmd *c)
{
	const char *name;

	if (c->nargs != 2 || (name = imap_arg_string(&c->args[0])) == NULL ||
	    c->args[1].type != IMAP_ARG_LIST) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command STATUS: "
		    "Invalid arguments.");
		return;
	}
	if (imap_status_reply(s, c->tag, name, &c->args[1]) == 0)
		imap_tagged(s, c->tag, "OK Status completed.");
}

static void
folder_error(struct imap_session *s, const char *tag, const struct err *err)
{
	switch (err->kind) {
	case ERR_DATAERR:
		imap_tagged(s, tag, "NO %s", err->msg);
		break;
	case ERR_CANTCREAT:
		imap_tagged(s, tag, "NO [ALREADYEXISTS] %s", err->msg);
		break;
	case ERR_NOINPUT:
		imap_tagged(s, tag, "NO [NONEXISTENT] %s", err->msg);
		break;
	case ERR_NOPERM:
		imap_tagged(s, tag, "NO %s", err->msg);
		break;
	default:
		imap_log(s, LOG_ERR, "imap(%s): %s", s->user, err->msg);
		imap_tagged(s, tag, "NO [SERVERBUG] Internal error occurred. "
		    "Refer to server log for more information.");
	}
}

void
imap_cmd_create(struct imap_session *s, struct imap_cmd *c)
{
	struct err err;

	if (!args_ok(s, c, 1) || !name_ok(s, c->tag, c->args[0].str))
		return;
	err_clear(&err);
	if (mailbox_create(&s->loc, c->args[0].str, s->sep, &err) == -1)
		folder_error(s, c->tag, &err);
	else
		imap_tagged(s, c->tag, "OK Create completed.");
}

void
imap_cmd_delete(struct imap_session *s, struct imap_cmd *c)
{
	struct err err;
	struct buf path;

	if (!args_ok(s, c, 1) || !name_ok(s, c->tag, c->args[0].str))
		return;
	err_clear(&err);
	buf_init(&path, 0);
	if (s->mb != NULL && mailbox_path(&s->loc, c->args[0].str, s->sep,
	    &path, &err) == 0 && strcmp(path.data, s->mb->path) == 0) {
		imap_tagged(s, c->tag, "NO Can't delete the selected "
		    "mailbox.");
		buf_free(&path);
		return;
	}
	buf_free(&path);
	err_clear(&err);
	if (mailbox_delete(&s->loc, c->args[0].str, s->sep, &err) == -1)
		folder_error(s, c->tag, &err);
	else
		imap_tagged(s, c->tag, "OK Delete completed.");
}

void
imap_cmd_rename(struct imap_session *s, struct imap_cmd *c)
{
	struct err err;

	if (!args_ok(s, c, 2) || !name_ok(s, c->tag, c->args[0].str) ||
	    !name_ok(s, c->tag, c->args[1].str))
		return;
	err_clear(&err);
	if (mailbox_rename(&s->loc, c->args[0].str, c->args[1].str, s->sep,
	    &err) == -1)
		folder_error(s, c->tag, &err);
	else
		imap_tagged(s, c->tag, "OK Rename completed.");
}

static int
subscribe(struct imap_session *s, const char *name, int on, struct err *err)
{
	struct strarr subs = { 0 }, out = { 0 };
	size_t i;
	int found = 0, rc;

	if (mailbox_is_inbox(name))
		name = "INBOX";
	(void)mailbox_subs_read(&s->loc, s->sep, &subs, err);
	for (i = 0; i < subs.n; i++) {
		if (strcmp(subs.v[i], name) == 0) {
			found = 1;
			if (!on)
				continue;
		}
		strarr_push(&out, subs.v[i]);
	}
	if (on && !found)
		strarr_push(&out, name);
	rc = (on && found) || (!on && !found) ? 0 :
	    mailbox_subs_write(&s->loc, s->sep, &out, err);
	strarr_free(&subs);
	strarr_free(&out);
	return rc;
}

void
imap_cmd_subscribe(struct imap_session *s, struct imap_cmd *c, int on)
{
	struct err err;
	struct buf path;

	if (!args_ok(s, c, 1))
		return;
	buf_init(&path, 0);
	if (imap_mailbox_path(s, c->tag, c->args[0].str, &path) == -1) {
		buf_free(&path);
		return;
	}
	buf_free(&path);
	err_clear(&err);
	if (subscribe(s, c->args[0].str, on, &err) == -1)
		folder_error(s, c->tag, &err);
	else
		imap_tagged(s, c->tag, on ? "OK Subscribe completed." :
		    "OK Unsubscribe completed.");
}

void
imap_autocreate(struct imap_session *s)
{
	struct buf path;
	struct err err;
	size_t i;

	buf_init(&path, 0);
	for (i = 0; i < s->cfg->nspecial; i++) {
		const struct imap_special *sp = &s->cfg->special[i];

		if (sp->autowhat == 0)
			continue;
		err_clear(&err);
		if (mailbox_path(&s->loc, sp->name, s->sep, &path, &err) == -1)
			continue;
		if (!imap_selectable(s, sp->name, path.data))
			(void)mailbox_create(&s->loc, sp->name, s->sep, &err);
		if (sp->autowhat == 2)
			(void)subscribe(s, sp->name, 1, &err);
	}
	buf_free(&path);
}

/* ---- APPEND, COPY, MOVE */

/* flag names of a known message, for the target mailbox */
static void
kw_names(const struct mailbox *mb, uint32_t kw, struct strarr *out)
{
	size_t i;

	for (i = 0; i < mb->nkw; i++)
		if (kw & ((uint32_t)1 << i))
			strarr_push(out, mb->kw[i]);
}

/* New messages get a mod-sequence in the target's store. */
static void
modseq_new(struct imap_session *s, const char *path, const char *name,
    uint32_t uv, const uint32_t *uids, size_t n)
{
	struct mailbox t;

	memset(&t, 0, sizeof(t));
	t.format = s->loc.format;
	t.path = (char *)path;
	t.uidvalidity = uv;
	(void)imap_modseq_bump(s, &t, mailbox_is_inbox(name) ? "INBOX" : name,
	    uids, n, 0);
	imap_savedate_new(s, &t, mailbox_is_inbox(name) ? "INBOX" : name,
	    uids, n);
}

/* Stores v[0..n) at the end of the mailbox at path and gives them
 * mod-sequences under one exclusive publication lock, so that no other
 * session reads the new messages before theirs. */
static int
append_published(struct imap_session *s, const char *path, const char *name,
    struct mailbox_new *v, size_t n, uint32_t *uv, struct err *err)
{
	uint32_t *u;
	size_t i;
	int rc;

	(void)imap_modseq_lock(s, path, mailbox_is_inbox(name) ? "INBOX" :
	    name, 1);
	rc = mailbox_append_batch(s->loc.format, path, s->cfg->locks, v, n,
	    uv, err);
	if (rc == 0) {
		u = xcalloc(n, sizeof(*u));
		for (i = 0; i < n; i++)
			u[i] = v[i].uid;
		modseq_new(s, path, name, *uv, u, n);
		free(u);
	}
	imap_modseq_unlock(s);
	return rc;
}

/* MULTIAPPEND: each message as [flags] [date-time] string */
struct app_msg {
	struct strarr		 kw;
	struct mailbox_new	 m;
	struct buf		 text;	/* literal8 or CATENATE made */
	const struct imap_arg	*cat;	/* CATENATE's parts */
};

void
imap_cmd_append(struct imap_session *s, struct imap_cmd *c)
{
	struct app_msg *v = NULL;
	struct mailbox_new *nv = NULL;
	struct buf path, b;
	struct err err;
	const char *name;
	uint32_t uv, *uids = NULL;
	size_t a = 1, i, n = 0;

	buf_init(&path, 0);
	if (c->nargs < 2 || (name = imap_arg_string(&c->args[0])) == NULL)
		goto bad;
	while (a < c->nargs) {
		struct app_msg *m;

		v = xreallocarray(v, n + 1, sizeof(*v));
		m = &v[n++];
		memset(m, 0, sizeof(*m));
		if (a < c->nargs - 1 && c->args[a].type == IMAP_ARG_LIST) {
			for (i = 0; i < c->args[a].nlist; i++) {
				const struct imap_arg *f = &c->args[a].list[i];
				unsigned bit;
				int k;

				if (f->type != IMAP_ARG_ATOM ||
				    (k = imap_flag_parse(f->str, &bit)) == -1)
					goto bad;
				if (k == 1)
					m->m.flags |= bit;
				else
					strarr_push(&m->kw, f->str);
			}
			a++;
		}
		if (a < c->nargs - 1 && c->args[a].type == IMAP_ARG_QUOTED) {
			if (imap_datetime_parse(c->args[a].str,
			    &m->m.received) == -1)
				goto bad;
			a++;
		}
		m->m.kw = (const char *const *)m->kw.v;
		m->m.nkw = m->kw.n;
		if (a + 1 < c->nargs && c->args[a].type == IMAP_ARG_ATOM &&
		    str_casecmp(c->args[a].str, "CATENATE") == 0 &&
		    c->args[a + 1].type == IMAP_ARG_LIST) {
			m->cat = &c->args[a + 1];
			a += 2;
			continue;
		}
		if (a >= c->nargs || c->args[a].type == IMAP_ARG_LIST ||
		    c->args[a].type == IMAP_ARG_ATOM)
			goto bad;
		m->m.data = c->args[a].str;
		m->m.len = c->args[a].len;
		if (c->args[a].literal8) {
			/* bounded by the literal's size: 4/3 of it */
			buf_init(&m->text, 0);
			imap_binary_convert(c->args[a].str, c->args[a].len,
			    &m->text);
			m->m.data = buf_cstr(&m->text);
			m->m.len = m->text.len;
		}
		a++;
	}
	if (imap_mailbox_path(s, c->tag, name, &path) == -1)
		goto out;
	if (!imap_selectable(s, name, path.data)) {
		imap_tagged(s, c->tag, "NO [TRYCREATE] Mailbox doesn't "
		    "exist: %s.", name);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (v[i].cat == NULL)
			continue;
		buf_init(&v[i].text, s->lim.max_literal);
		if (imap_catenate(s, c->tag, v[i].cat, &v[i].text) == -1)
			goto out;
		v[i].m.data = buf_cstr(&v[i].text);
		v[i].m.len = v[i].text.len;
	}
	/* dovecot saves an empty CATENATE, not an empty literal */
	for (i = 0; i < n; i++)
		if (v[i].m.len == 0 && v[i].cat == NULL) {
			imap_tagged(s, c->tag, "NO Can't save a zero byte "
			    "message.");
			goto out;
		}
	nv = xcalloc(n, sizeof(*nv));
	for (i = 0; i < n; i++)
		nv[i] = v[i].m;
	err_clear(&err);
	if (append_published(s, path.data, name, nv, n, &uv, &err) == -1) {
		imap_log(s, LOG_ERR, "imap(%s): append %s: %s", s->user, name,
		    err.msg);
		imap_tagged(s, c->tag, "NO [SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
		goto out;
	}
	uids = xcalloc(n, sizeof(*uids));
	for (i = 0; i < n; i++)
		uids[i] = nv[i].uid;
	buf_init(&b, 0);
	imap_set_out(&b, uids, n);
	imap_tagged(s, c->tag, "OK [APPENDUID %" PRIu32 " %s] Append "
	    "completed.", uv, b.data);
	buf_free(&b);
	goto out;
bad:
	imap_tagged(s, c->tag, "BAD Error in IMAP command APPEND: Invalid "
	    "arguments.");
out:
	for (i = 0; i < n; i++) {
		strarr_free(&v[i].kw);
		buf_free(&v[i].text);
	}
	free(v);
	free(nv);
	free(uids);
	buf_free(&path);
}

#define COPY_BATCH_MSGS		1000
#define COPY_BATCH_BYTES	((size_t)32 << 20)

struct copy_item {
	struct buf		 raw;
	struct strarr		 kw;
	struct mailbox_new	 m;
	uint32_t		 src_uid;
	size_t			 x;
};

struct copy_batch {
	struct copy_item	*v;
	size_t			 n, cap, bytes;
};

static void
batch_init(struct copy_batch *b)
{
	memset(b, 0, sizeof(*b));
}

static void
batch_clear(struct copy_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		buf_free(&b->v[i].raw);
		strarr_free(&b->v[i].kw);
	}
	b->n = 0;
	b->bytes = 0;
}

static void
batch_free(struct copy_batch *b)
{
	batch_clear(b);
	free(b->v);
}

static struct copy_item *
batch_add(struct copy_batch *b)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? xmul(b->cap, 2) : 16;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	memset(&b->v[b->n], 0, sizeof(b->v[0]));
	buf_init(&b->v[b->n].raw, 0);
	return &b->v[b->n++];
}

/* Appends the batch to the target; records source and new UIDs. */
static int
batch_flush(struct imap_session *s, struct copy_batch *b, const char *path,
    const char *name, int move, uint32_t **src, uint32_t **dst, size_t *n,
    uint32_t *uv)
{
	struct mailbox_new *v;
	struct err err;
	size_t i;
	int rc;

	if (b->n == 0)
		return 0;
	v = xcalloc(b->n, sizeof(*v));
	for (i = 0; i < b->n; i++)
		v[i] = b->v[i].m;
	err_clear(&err);
	rc = append_published(s, path, name, v, b->n, uv, &err);
	if (rc == -1)
		imap_log(s, LOG_ERR, "imap(%s): copy to %s: %s", s->user, name,
		    err.msg);
	for (i = 0; rc == 0 && i < b->n; i++) {
		*src = xreallocarray(*src, *n + 1, sizeof(**src));
		*dst = xreallocarray(*dst, *n + 1, sizeof(**dst));
		(*src)[*n] = b->v[i].src_uid;
		(*dst)[(*n)++] = v[i].uid;
		if (move)
			s->mb->msgs[b->v[i].x].expunge = 1;
	}
	free(v);
	batch_clear(b);
	return rc;
}


void
imap_cmd_copy(struct imap_session *s, struct imap_cmd *c, int uid, int move)
{
	struct imap_seqset set;
	struct copy_batch bt;
	struct buf path, b;
	struct err err;
	const char *name;
	uint32_t *src = NULL, *dst = NULL, uv = 0;
	size_t n = 0, r, i;
	int gone = 0, failed = 0;

	if (c->nargs != 2 || c->args[0].type != IMAP_ARG_ATOM ||
	    (name = imap_arg_string(&c->args[1])) == NULL) {
		imap_tagged(s, c->tag, "BAD Error in IMAP command %s: Invalid "
		    "arguments.", move ? "MOVE" : "COPY");
		return;
	}
	if (move && s->readonly) {
		imap_tagged(s, c->tag, "NO [CANNOT] Mailbox is read-only.");
		return;
	}
	buf_init(&path, 0);
	if (imap_mailbox_path(s, c->tag, name, &path) == -1) {
		buf_free(&path);
		return;
	}
	if (!imap_selectable(s, name, path.data)) {
		imap_tagged(s, c->tag, "NO [TRYCREATE] Mailbox doesn't "
		    "exist: %s.", name);
		buf_free(&path);
		return;
	}
	if (imap_set_resolve(s, c->tag, c->args[0].str, uid, &set) == -1) {
		buf_free(&path);
		return;
	}
	/* in batches: one lock and one read of the target per batch,
	 * memory bounded by COPY_BATCH_BYTES */
	batch_init(&bt);
	for (r = 0; r < set.n && !failed; r++)
		for (i = set.v[r].lo; i <= set.v[r].hi && !failed; i++) {
			long x = imap_msg_index(s, i);
			struct copy_item *it;

			if (x < 0) {
				gone = 1;
				continue;
			}
			it = batch_add(&bt);
			err_clear(&err);
			kw_names(s->mb, s->known[i - 1].kw, &it->kw);
			it->src_uid = s->known[i - 1].uid;
			it->x = (size_t)x;
			if (mailbox_msg_read(s->mb, (size_t)x, &it->raw,
			    &err) == -1) {
				imap_log(s, LOG_ERR, "imap(%s): copy to %s: %s",
				    s->user, name, err.msg);
				failed = 1;
				break;
			}
			it->m.data = it->raw.data ? it->raw.data : "";
			it->m.len = it->raw.len;
			it->m.flags = s->known[i - 1].flags;
			it->m.kw = (const char *const *)it->kw.v;
			it->m.nkw = it->kw.n;
			it->m.received = mailbox_msg_received(s->mb,
			    (size_t)x);
			bt.bytes += it->raw.len;
			if (bt.n >= COPY_BATCH_MSGS ||
			    bt.bytes >= COPY_BATCH_BYTES)
				failed = batch_flush(s, &bt, path.data, name,
				    move, &src, &dst, &n, &uv) == -1;
		}
	if (!failed)
		failed = batch_flush(s, &bt, path.data, name, move, &src, &dst,
		    &n, &uv) == -1;
	batch_free(&bt);
	imap_seqset_free(&set);
	buf_free(&path);
	if (failed) {
		for (i = 0; i < s->mb->n; i++)
			s->mb->msgs[i].expunge = 0;
		imap_tagged(s, c->tag, "NO [SERVERBUG] Internal error "
		    "occurred. Refer to server log for more information.");
		goto out;
	}
	buf_init(&b, 0);
	if (n > 0) {
		buf_printf(&b, "[COPYUID %" PRIu32 " ", uv);
		imap_set_out(&b, src, n);
		(void)buf_addc(&b, ' ');
		imap_set_out(&b, dst, n);
		(void)buf_adds(&b, "] ");
	}
	if (move) {
		if (n > 0)
			imap_reply(s, "OK %sMoved UIDs.", b.data);
		if (imap_commit(s, c->tag) == 0) {
			imap_refresh(s, 1);
			imap_tagged(s, c->tag, gone ? "NO [EXPUNGEISSUED] Some "
			    "of the requested messages no longer exist." :
			    n == 0 ? "OK No messages found." :
			    "OK Move completed.");
		}
	} else if (gone)
		imap_tagged(s, c->tag, "NO [EXPUNGEISSUED] Some of the "
		    "requested messages no longer exist.");
	else
		imap_tagged(s, c->tag, "OK %s%s", n == 0 ? "" : b.data,
		    n == 0 ? "No messages found." : "Copy completed.");
	buf_free(&b);
out:
	free(src);
	free(dst);
}
