/*
 * mailbox_int.h -- what mailbox.c, mbox.c and maildir.c share inside
 * src/mailbox.
 */
#ifndef MAILBOX_MAILBOX_INT_H
#define MAILBOX_MAILBOX_INT_H

#include <sys/stat.h>

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

/* ---- our index (mailbox_index.c; format there) */

/* What one file or folder looked like: mbox uses [0] (the file),
 * Maildir new/, cur/, dovecot-uidlist and dovecot-keywords. */
#define MAILBOX_NSTAMP	4
struct mailbox_fstamp {
	uint64_t	 dev, ino, size;
	int64_t		 msec, mnsec, csec, cnsec;
};

struct mailbox_index {
	char			*path;
	/* the files as the index file on disk records them, when stored */
	struct mailbox_fstamp	 keys[MAILBOX_NSTAMP];
	int			 stored;
	/* Maildir: the stamps taken as a load began, and whether they
	 * were settled then */
	struct mailbox_fstamp	 seen[MAILBOX_NSTAMP];
	int			 seen_settled;
};

void	mailbox_fstamp_of(const struct stat *, struct mailbox_fstamp *);
int	mailbox_fstamp_eq(const struct mailbox_fstamp *,
	    const struct mailbox_fstamp *, size_t);
int	mailbox_fstamp_settled(const struct mailbox_fstamp *, size_t);
int	mailbox_fstamp_wait(const struct mailbox_fstamp *, size_t);
uint64_t mailbox_index_hash(const void *, size_t, uint64_t seed);
int	mailbox_index_encode(const struct mailbox *,
	    const struct mailbox_fstamp *, uint64_t finger, struct buf *);
/* Fills the zeroed mb (format, UID state, keywords, messages); -1 with
 * err and nothing left allocated when the bytes are not a sound index. */
int	mailbox_index_decode(const char *, size_t, enum mailbox_format,
	    struct mailbox *mb, struct mailbox_fstamp *keys_out,
	    uint64_t *finger_out, struct err *);
int	mailbox_index_read(const char *path, enum mailbox_format,
	    struct mailbox *out, struct mailbox_fstamp *keys_out,
	    uint64_t *finger_out);
void	mailbox_index_write(const char *path, const struct mailbox *,
	    const struct mailbox_fstamp *, uint64_t finger);
void	mailbox_index_adopt(struct mailbox *mb, struct mailbox *from);
void	mailbox_index_parts_free(struct mailbox *);

/* mbox_index.c: 0 when mb was filled from the index (plus the messages
 * appended since), -1 when the image must be parsed */
int	mbox_index_use(struct mailbox *, const char *p, size_t len,
	    const struct stat *);
/* records a parse of the image p (the file as st says), if settled */
void	mbox_index_store(struct mailbox *, const char *p, size_t len,
	    const struct stat *);
/* Continues a parse at pos (a From_ line) with base_next the UID state
 * of X-IMAPbase; 1 when UIDs would have to be assigned. */
int	mbox_parse_tail(struct mailbox *, const char *p, size_t len,
	    size_t pos, uint32_t base_next, struct err *);

int	maildir_load(struct mailbox *, struct err *);
int	maildir_read(struct mailbox *, size_t, struct buf *, struct err *);
int	maildir_commit(struct mailbox *, struct err *);

#endif
