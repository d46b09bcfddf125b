/*
 * imap_catenate.c -- APPEND's CATENATE (RFC 4469) with URL-PARTIAL
 * (RFC 5550), as dovecot 2.3 does them: the message is made of TEXT
 * literals and of URL parts naming this user's own messages (a part
 * and a byte range of it, as FETCH BODY[section]<o.l> gives them).
 * A URL's mailbox goes through the same name checks SELECT uses; a
 * URL that does not lead to a message answers NO [BADURL url].  A
 * literal8 first part makes the whole message binary input (literal8
 * later on is NO [UNKNOWN-CTE]).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "imap_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

/* NO [BADURL url] why. -- the URL echoed printable and bounded */
static void
badurl(struct imap_session *s, const char *tag, const char *url, size_t len,
    const char *pre, const char *why)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < len && i < IMAP_URL_MAX; i++)
		(void)buf_addc(&b, (unsigned char)url[i] < 0x20 ||
		    url[i] == 0x7f ? '?' : url[i]);
	imap_tagged(s, tag, "NO [BADURL %s] %s%s.", buf_cstr(&b), pre, why);
	buf_free(&b);
}

/* The URL's mailbox name as an IMAP (modified UTF-7) name: printable
 * US-ASCII only, "&" as "&-"; NULL for anything else. */
static char *
url_mailbox(const char *name)
{
	struct buf b;
	const char *p;

	buf_init(&b, 0);
	for (p = name; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			buf_free(&b);
			return NULL;
		}
		(void)buf_adds(&b, *p == '&' ? "&-" : (char[]){ *p, '\0' });
	}
	return buf_steal(&b);
}

/* The raw message uid of mailbox mb (s's view when it is the selected
 * one) into raw; 0, or -1 with *why. */
static int
read_uid(struct imap_session *s, struct mailbox *mb, uint32_t uid,
    struct buf *raw, const char **why)
{
	struct err err;
	size_t i;
	long x = -1;

	if (mb == s->mb) {
		for (i = 0; i < s->nknown; i++)
			if (s->known[i].uid == uid) {
				x = imap_msg_index(s, i + 1);
				break;
			}
	} else
		for (i = 0; i < mb->n; i++)
			if (mb->msgs[i].uid == uid) {
				x = (long)i;
				break;
			}
	if (x < 0) {
		*why = "Message not found";
		return -1;
	}
	err_clear(&err);
	if (mailbox_msg_read(mb, (size_t)x, raw, &err) == -1) {
		*why = "Message not found";
		return -1;
	}
	return 0;
}

/* One URL part appended to out; -1 with the answer given. */
static int
url_part(struct imap_session *s, const char *tag, const struct imap_arg *a,
    struct buf *out)
{
	struct imap_url u;
	struct mailbox *mb = NULL, *opened = NULL;
	struct buf path, raw, sec;
	struct imap_msg msg;
	struct err err;
	const char *why = NULL, *pre = "";
	char *name = NULL;
	int rc = -1;

	buf_init(&path, 0);
	buf_init(&raw, 0);
	buf_init(&sec, 0);
	if (imap_url_parse(a->str, a->len, &u, &why) == -1) {
		pre = strcmp(why, "Invalid messagepart IMAP URL") == 0 ? "" :
		    "Invalid IMAP URL: ";
		goto out;
	}
	if (u.mailbox == NULL) {
		if (s->mb == NULL) {
			why = "Mailbox-relative IMAP URL, but no mailbox "
			    "selected";
			goto out;
		}
		mb = s->mb;
		name = xstrdup(s->mbname);
	} else if ((name = url_mailbox(u.mailbox)) == NULL ||
	    !imap_mutf7_valid(name)) {
		why = "Invalid mailbox name";
		goto out;
	} else if ((err_clear(&err), mailbox_path(&s->loc, name, s->sep,
	    &path, &err)) == -1) {
		/* SELECT's check, and its reason */
		pre = "Invalid mailbox name: ";
		why = err.msg;
		goto out;
	} else if (!imap_selectable(s, name, path.data)) {
		free(name);
		name = xstrdup(u.mailbox);
		why = NULL;
		pre = "Mailbox doesn't exist: ";
		goto out;
	} else if (s->mb != NULL && strcmp(s->mb->path, path.data) == 0)
		mb = s->mb;
	else {
		struct buf ip;

		buf_init(&ip, 0);
		(void)mailbox_state_path(&s->loc, path.data,
		    mailbox_is_inbox(name) ? "INBOX" : name, s->sep,
		    MAILBOX_INDEX_FILE, &ip);
		err_clear(&err);
		mb = opened = mailbox_open_index(s->loc.format, path.data,
		    ip.data, s->cfg->locks, &err);
		buf_free(&ip);
		if (mb == NULL) {
			imap_log(s, LOG_ERR, "imap(%s): %s: %s", s->user,
			    name, err.msg);
			imap_tagged(s, tag, "NO [SERVERBUG] Internal error "
			    "occurred. Refer to server log for more "
			    "information.");
			rc = -2;
			goto out;
		}
	}
	if (u.uidvalidity != 0 && u.uidvalidity != mb->uidvalidity) {
		why = "Invalid UIDVALIDITY";
		goto out;
	}
	if (read_uid(s, mb, u.uid, &raw, &why) == -1)
		goto out;
	imap_msg_init(&msg, raw.data ? raw.data : "", raw.len);
	if (imap_fetch_section(&msg, u.section ? u.section : "", &sec) == -1)
		why = "Invalid section";
	else {
		size_t off = 0, len = sec.len;

		if (u.partial) {
			off = u.off < len ? u.off : len;
			len -= off;
			if (u.len != 0 && u.len < len)
				len = u.len;
		}
		if (buf_add(out, sec.data ? sec.data + off : "", len) == -1) {
			imap_tagged(s, tag, "NO [TOOBIG] Composed "
			    "message grows too big.");
			rc = -2;
		} else
			rc = 0;
	}
	imap_msg_free(&msg);
out:
	if (rc == -1) {
		if (why == NULL)	/* "Mailbox doesn't exist: NAME" */
			why = name;
		badurl(s, tag, a->str, a->len, pre, why);
	}
	if (opened != NULL)
		mailbox_free(opened);
	free(name);
	imap_url_free(&u);
	buf_free(&path);
	buf_free(&raw);
	buf_free(&sec);
	return rc == 0 ? 0 : -1;
}

int
imap_catenate(struct imap_session *s, const char *tag,
    const struct imap_arg *parts, struct buf *out)
{
	const struct imap_arg *v = parts->list;
	size_t i, n = parts->nlist;
	int binary = 0;

	if (n == 0) {
		imap_tagged(s, tag, "BAD Error in IMAP command APPEND: Empty "
		    "CATENATE list.");
		return -1;
	}
	for (i = 0; i < n; i += 2) {
		const char *kind = v[i].type == IMAP_ARG_ATOM ? v[i].str : NULL;

		if (kind != NULL && i + 1 < n &&
		    str_casecmp(kind, "URL") == 0 &&
		    imap_arg_string(&v[i + 1]) != NULL) {
			if (url_part(s, tag, &v[i + 1], out) == -1)
				return -1;
			continue;
		}
		if (kind == NULL || i + 1 >= n || str_casecmp(kind, "TEXT") !=
		    0 || v[i + 1].type != IMAP_ARG_LITERAL) {
			imap_tagged(s, tag, "BAD Error in IMAP command APPEND: "
			    "Invalid arguments.");
			return -1;
		}
		if (v[i + 1].literal8 && i == 0)
			binary = 1;
		else if (v[i + 1].literal8 && !binary) {
			imap_tagged(s, tag, "NO [UNKNOWN-CTE] Binary input "
			    "allowed only when the first part is binary.");
			return -1;
		}
		if (buf_add(out, v[i + 1].str, v[i + 1].len) == -1) {
			imap_tagged(s, tag, "NO [TOOBIG] Composed message "
			    "grows too big.");
			return -1;
		}
	}
	if (binary) {
		struct buf conv;

		buf_init(&conv, 0);	/* 4/3 of what out holds */
		imap_binary_convert(out->data ? out->data : "", out->len,
		    &conv);
		buf_reset(out);
		(void)buf_add(out, conv.data ? conv.data : "", conv.len);
		buf_free(&conv);
	}
	return 0;
}
