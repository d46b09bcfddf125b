/*
 * mailbox_int.h -- what mailbox.c, mbox.c and maildir.c share inside
 * src/mailbox.
 */
#ifndef MAILBOX_MAILBOX_INT_H
#define MAILBOX_MAILBOX_INT_H

#include "mailbox.h"

/* mbox headers dovecot owns and hides from clients */
enum mbox_hdr {
	MBOX_HDR_OTHER,
	MBOX_HDR_XUID,
	MBOX_HDR_IMAPBASE,
	MBOX_HDR_XIMAP,
	MBOX_HDR_STATUS,
	MBOX_HDR_XSTATUS,
	MBOX_HDR_KEYWORDS,
	MBOX_HDR_CLEN
};

/* Takes the privileged group as effective gid for an operation in a
 * shared spool folder (dovecot's mail_privileged_group); leave restores
 * it.  No-ops when gid is -1 or already effective. */
struct mbox_priv {
	gid_t	 old;
	int	 on;
};
void	mbox_priv_enter(long gid, struct mbox_priv *);
void	mbox_priv_leave(struct mbox_priv *);

/* Writes a small file whole: a temporary file beside it, fsync'ed and
 * renamed over it. */
int	mailbox_file_replace(const char *path, const void *, size_t,
	    struct err *);

enum mbox_hdr mbox_hdr_kind(const char *line, size_t len);

/* Walks one message's bytes (headers, blank line, body): appends what a
 * client sees to out (may be NULL) and returns its size with CRLF line
 * ends; *body_out gets the body's offset in p. */
uint64_t mbox_visible(const char *p, size_t len, struct buf *out,
	    size_t *body_out);

struct mailbox_msg *mailbox_msg_add(struct mailbox *);
void	mailbox_msgs_clear(struct mailbox *);

int	mbox_load(struct mailbox *, struct err *);
int	mbox_read(struct mailbox *, size_t, struct buf *, struct err *);
int	mbox_commit(struct mailbox *, struct err *);
/* Parses an mbox image into mb's message list and UID state; returns 1
 * when UIDs had to be assigned (the file should be rewritten). */
int	mbox_parse(struct mailbox *, const char *p, size_t len, time_t now,
	    struct err *);

int	mbox_hold(struct mailbox *, struct err *);
int	mbox_settle(struct mailbox *, struct err *);
void	mbox_release(struct mailbox *);
int	mbox_create_empty(const char *, uint32_t, struct err *);
int	maildir_create_uidlist(const char *, uint32_t, struct err *);
int	mbox_changed(const struct mailbox *);
int	mbox_append(const char *, const struct mbox_lock_cfg *,
	    struct mailbox_new *, size_t, uint32_t *, struct err *);
int	maildir_changed(const struct mailbox *);
int	maildir_append(const char *, struct mailbox_new *, size_t,
	    uint32_t *, struct err *);
time_t	maildir_received(struct mailbox *, size_t);

/* maildir.c's pieces that maildir_append.c uses */
int	maildir_ensure_dirs(const char *, struct err *);
int	maildir_uidlist_lock(const char *, struct buf *lock, struct err *);
void	maildir_read_keywords(struct mailbox *);
int	maildir_write_keywords(const struct mailbox *, struct err *);
/* 1 when dovecot-uidlist must be written, 0 not, -1 error */
int	maildir_load_once(struct mailbox *, struct err *);
int	maildir_write_uidlist(struct mailbox *, int fd, const char *lock,
	    struct err *);
size_t	maildir_base_len(const char *name);

int	maildir_load(struct mailbox *, struct err *);
int	maildir_read(struct mailbox *, size_t, struct buf *, struct err *);
int	maildir_commit(struct mailbox *, struct err *);

#endif
