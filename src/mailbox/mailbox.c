/*
 * mailbox.c -- the format-independent face of src/mailbox: opening a
 * mailbox by format, the message list, UIDL strings in dovecot's
 * pop3_uidl_format, and mail_location strings.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcntl.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "lib/fdio.h"
#include "lib/str.h"
#include "lib/xalloc.h"

int
mailbox_file_replace(const char *path, const void *data, size_t len,
    struct err *err)
{
	struct buf tmp;
	int fd, rc = 0;

	buf_init(&tmp, 0);
	buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || fdio_write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1 || close(fd) == -1 ||
	    rename(tmp.data, path) == -1) {
		rc = err_sys(err, ERR_TEMPFAIL, "write %s", path);
		(void)unlink(tmp.data);
	}
	buf_free(&tmp);
	return rc;
}

struct mailbox_msg *
mailbox_msg_add(struct mailbox *mb)
{
	if (mb->n == mb->cap) {
		mb->cap = mb->cap ? xmul(mb->cap, 2) : 64;
		mb->msgs = xreallocarray(mb->msgs, mb->cap,
		    sizeof(*mb->msgs));
	}
	memset(&mb->msgs[mb->n], 0, sizeof(mb->msgs[0]));
	return &mb->msgs[mb->n++];
}

void
mailbox_msgs_clear(struct mailbox *mb)
{
	size_t i;

	for (i = 0; i < mb->n; i++)
		free(mb->msgs[i].name);
	mb->n = 0;
	mb->total_vsize = 0;
}

struct mailbox *
mailbox_open(enum mailbox_format fmt, const char *path,
    const struct mbox_lock_cfg *locks, struct err *err)
{
	return mailbox_open_index(fmt, path, NULL, locks, err);
}

struct mailbox *
mailbox_open_index(enum mailbox_format fmt, const char *path,
    const char *index_path, const struct mbox_lock_cfg *locks,
    struct err *err)
{
	struct mailbox *mb = xcalloc(1, sizeof(*mb));
	int rc;

	mb->format = fmt;
	mb->path = xstrdup(path);
	if (index_path != NULL) {
		mb->idx = xcalloc(1, sizeof(*mb->idx));
		mb->idx->path = xstrdup(index_path);
	}
	if (locks != NULL)
		mb->locks = *locks;
	else
		mbox_lock_cfg_default(&mb->locks);
	rc = fmt == MAILBOX_MBOX ? mbox_load(mb, err) :
	    maildir_load(mb, err);
	if (rc == -1) {
		mailbox_free(mb);
		return NULL;
	}
	return mb;
}

void
mailbox_free(struct mailbox *mb)
{
	if (mb == NULL)
		return;
	mailbox_release(mb);
	mailbox_msgs_clear(mb);
	free(mb->msgs);
	free(mb->path);
	free(mb->imapbase_kw);
	free(mb->guid);
	for (size_t i = 0; i < mb->nkw; i++)
		free(mb->kw[i]);
	if (mb->idx != NULL)
		free(mb->idx->path);
	free(mb->idx);
	free(mb);
}

int
mailbox_kw_index(struct mailbox *mb, const char *name, int create)
{
	size_t i;

	for (i = 0; i < mb->nkw; i++)
		if (str_casecmp(mb->kw[i], name) == 0)
			return (int)i;
	if (!create || mb->nkw == MAILBOX_KW_MAX || *name == '\0')
		return -1;
	mb->kw[mb->nkw] = xstrdup(name);
	return (int)mb->nkw++;
}

time_t
mailbox_msg_received(struct mailbox *mb, size_t idx)
{
	if (idx >= mb->n)
		return 0;
	if (mb->msgs[idx].received == 0 && mb->format == MAILBOX_MAILDIR)
		return maildir_received(mb, idx);
	return mb->msgs[idx].received;
}

int
mailbox_changed(const struct mailbox *mb)
{
	return mb->format == MAILBOX_MBOX ? mbox_changed(mb) :
	    maildir_changed(mb);
}

int
mailbox_reload(struct mailbox *mb, struct err *err)
{
	mailbox_release(mb);
	return mb->format == MAILBOX_MBOX ? mbox_load(mb, err) :
	    maildir_load(mb, err);
}

int
mailbox_append_batch(enum mailbox_format fmt, const char *path,
    const struct mbox_lock_cfg *locks, struct mailbox_new *v, size_t n,
    uint32_t *uidvalidity_out, struct err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i].flags &= MSG_SEEN | MSG_ANSWERED | MSG_FLAGGED |
		    MSG_DELETED | MSG_DRAFT;
	return fmt == MAILBOX_MBOX ? mbox_append(path, locks, v, n,
	    uidvalidity_out, err) : maildir_append(path, v, n,
	    uidvalidity_out, err);
}

int
mailbox_append(enum mailbox_format fmt, const char *path,
    const struct mbox_lock_cfg *locks, const char *data, size_t len,
    unsigned flags, const char *const *kw, size_t nkw, time_t received,
    uint32_t *uidvalidity_out, uint32_t *uid_out, struct err *err)
{
	struct mailbox_new m;

	memset(&m, 0, sizeof(m));
	m.data = data;
	m.len = len;
	m.flags = flags;
	m.kw = kw;
	m.nkw = nkw;
	m.received = received;
	if (mailbox_append_batch(fmt, path, locks, &m, 1, uidvalidity_out,
	    err) == -1)
		return -1;
	*uid_out = m.uid;
	return 0;
}

int
mailbox_msg_read(struct mailbox *mb, size_t idx, struct buf *out,
    struct err *err)
{
	if (idx >= mb->n)
		return err_set(err, ERR_SOFTWARE, "no message %zu", idx + 1);
	return mb->format == MAILBOX_MBOX ? mbox_read(mb, idx, out, err) :
	    maildir_read(mb, idx, out, err);
}

int
mailbox_settle(struct mailbox *mb, struct err *err)
{
	return mb->format == MAILBOX_MBOX ? mbox_settle(mb, err) : 0;
}

int
mailbox_hold(struct mailbox *mb, struct err *err)
{
	return mb->format == MAILBOX_MBOX ? mbox_hold(mb, err) : 0;
}

void
mailbox_release(struct mailbox *mb)
{
	if (mb != NULL && mb->format == MAILBOX_MBOX)
		mbox_release(mb);
}

int
mailbox_commit(struct mailbox *mb, struct err *err)
{
	mailbox_release(mb);
	return mb->format == MAILBOX_MBOX ? mbox_commit(mb, err) :
	    maildir_commit(mb, err);
}

/* %[0][width][X]{u,v,f,g,%}: dovecot's variables for pop3_uidl_format
 * that need no message contents. */
int
mailbox_uidl(const struct mailbox *mb, size_t idx, const char *fmt,
    struct buf *out)
{
	const struct mailbox_msg *m = &mb->msgs[idx];
	const char *p;

	for (p = fmt; *p != '\0'; p++) {
		unsigned width = 0;
		int zero = 0, hex = 0;
		uint32_t v;

		if (*p != '%') {
			(void)buf_addc(out, *p);
			continue;
		}
		p++;
		if (*p == '0') {
			zero = 1;
			p++;
		}
		while (*p >= '0' && *p <= '9' && width < 100)
			width = width * 10 + (unsigned)(*p++ - '0');
		if (*p == 'X') {
			hex = 1;
			p++;
		}
		switch (*p) {
		case '%':
			(void)buf_addc(out, '%');
			continue;
		case 'u':
			v = m->uid;
			break;
		case 'v':
			v = mb->uidvalidity;
			break;
		case 'f':
			if (m->name == NULL)
				return -1;
			{
				const char *b = strrchr(m->name, '/');
				const char *c;

				b = b ? b + 1 : m->name;
				c = strstr(b, ":2,");
				(void)buf_add(out, b, c ? (size_t)(c - b) :
				    strlen(b));
			}
			continue;
		case 'g':
			if (mb->guid == NULL)
				return -1;
			(void)buf_adds(out, mb->guid);
			continue;
		default:
			return -1;
		}
		(void)buf_printf(out, hex ? (zero ? "%0*" PRIx32 : "%*" PRIx32)
		    : (zero ? "%0*" PRIu32 : "%*" PRIu32), (int)width, v);
	}
	return 0;
}

/* Expands ~ and %-variables of one mail_location field. */
static int
expand(const char *s, size_t n, const char *user, const char *home,
    struct buf *out, struct err *err)
{
	size_t i;

	if (n > 0 && s[0] == '~' && (n == 1 || s[1] == '/')) {
		if (home == NULL || *home == '\0')
			return err_set(err, ERR_CONFIG,
			    "mail_location uses ~ but the user has no home");
		(void)buf_adds(out, home);
		s++;
		n--;
	}
	for (i = 0; i < n; i++) {
		const char *at;

		if (s[i] != '%' || i + 1 == n) {
			(void)buf_addc(out, s[i]);
			continue;
		}
		i++;
		/* modifiers dovecot allows before the letter: L (lower) */
		if (s[i] == 'L' && i + 1 < n)
			i++;
		switch (s[i]) {
		case 'u':
			(void)buf_adds(out, user);
			break;
		case 'n':
			at = strchr(user, '@');
			(void)buf_add(out, user, at ? (size_t)(at - user) :
			    strlen(user));
			break;
		case 'd':
			at = strchr(user, '@');
			if (at != NULL)
				(void)buf_adds(out, at + 1);
			break;
		case 'h':
			(void)buf_adds(out, home ? home : "");
			break;
		case '%':
			(void)buf_addc(out, '%');
			break;
		default:
			return err_set(err, ERR_CONFIG,
			    "mail_location: unknown variable %%%c", s[i]);
		}
	}
	return 0;
}

int
mail_location_parse(const char *spec, const char *user, const char *home,
    struct mail_location *loc, struct err *err)
{
	const char *p, *colon;
	struct buf b;

	memset(loc, 0, sizeof(*loc));
	if (strncmp(spec, "mbox:", 5) == 0) {
		loc->format = MAILBOX_MBOX;
		p = spec + 5;
	} else if (strncmp(spec, "maildir:", 8) == 0) {
		loc->format = MAILBOX_MAILDIR;
		p = spec + 8;
	} else
		return err_set(err, ERR_CONFIG,
		    "mail_location %s: only mbox: and maildir: are served",
		    spec);
	buf_init(&b, 4096);
	for (;;) {
		size_t n;

		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		buf_reset(&b);
		if (loc->root == NULL) {
			if (expand(p, n, user, home, &b, err) == -1)
				goto fail;
			loc->root = xstrdup(buf_cstr(&b));
		} else if (n > 6 && strncmp(p, "INBOX=", 6) == 0) {
			if (expand(p + 6, n - 6, user, home, &b, err) == -1)
				goto fail;
			free(loc->inbox);
			loc->inbox = xstrdup(buf_cstr(&b));
		} else if (n > 6 && strncmp(p, "INDEX=", 6) == 0) {
			if (expand(p + 6, n - 6, user, home, &b, err) == -1)
				goto fail;
			free(loc->index);
			loc->index = xstrdup(buf_cstr(&b));
		}
		/* LAYOUT=, CONTROL=, ... are index matters: ignored */
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	if (loc->root == NULL || loc->root[0] == '\0') {
		err_set(err, ERR_CONFIG, "mail_location %s: no root", spec);
		goto fail;
	}
	if (loc->inbox == NULL) {
		buf_reset(&b);
		buf_printf(&b, "%s%s", loc->root,
		    loc->format == MAILBOX_MBOX ? "/inbox" : "");
		loc->inbox = xstrdup(buf_cstr(&b));
	}
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	mail_location_free(loc);
	return -1;
}

void
mail_location_free(struct mail_location *loc)
{
	if (loc == NULL)
		return;
	free(loc->root);
	free(loc->inbox);
	free(loc->index);
	memset(loc, 0, sizeof(*loc));
}
