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

/* ---- mbox_write.c: what we write, without I/O */

/* Spaces after X-Keywords' names, room for later flag changes */
#define MBOX_KW_PAD	50

/* X-UID (when uid is not 0), Status, X-Status when needed and X-Keywords
 * followed by pad spaces, each line ended by eol. */
void	mbox_storage_hdrs(struct buf *, const struct mailbox *, uint32_t uid,
	    unsigned flags, uint32_t kw, const char *eol, size_t pad);
/* Message m of image p as a rewrite writes it: the From_ line, the
 * headers other than ours, X-IMAPbase when base, our storage headers
 * with the changes of m applied (and Status: O) and, for a message
 * without one, the blank line; the caller then copies p[*copy_from_out,
 * *copy_to_out) and writes the separating LF. */
void	mbox_render_head(struct buf *, const struct mailbox *,
	    const struct mailbox_msg *m, const char *p, int base,
	    size_t *copy_from_out, size_t *copy_to_out);
/* Our storage headers of m (in image p of len bytes) rendered for uid,
 * flags and kw into b, padded to exactly the bytes they take in p at
 * *off_out; *same_out when those bytes are already right.  -1 when they
 * are not one run of lines or the new ones do not fit. */
int	mbox_patch_hdrs(const struct mailbox *, const struct mailbox_msg *m,
	    const char *p, size_t len, unsigned flags, uint32_t kw,
	    struct buf *b, size_t *off_out, int *same_out);

/* ---- mbox_journal.c: the journal of a tail rewritten in place */
struct mbox_journal {
	uint64_t	 dev, ino;	/* the mbox's */
	uint64_t	 from;		/* where the new tail starts */
	uint64_t	 oldlen, newlen;
	uint64_t	 lefthash;	/* of the old bytes [newlen, oldlen),
					   or [from, oldlen) when growing */
	const char	*tail;		/* newlen - from bytes */
	size_t		 tail_len;
};
/* 0 and out (tail pointing into p) when p is a whole, sound journal */
int	mbox_journal_parse(const char *p, size_t len, struct mbox_journal *);
void	mbox_journal_format(struct buf *, const struct mbox_journal *);
void	mbox_journal_path(const char *mbox, struct buf *out);
int	mbox_journal_write(const char *mbox, long privileged_gid,
	    const struct mbox_journal *, struct err *);
void	mbox_journal_remove(const char *mbox, long privileged_gid);
int	mbox_journal_pending(const char *mbox);
/* Under the write locks on fd: finishes a tail rewrite a dead writer
 * left in its journal (keeping what was appended since) and removes the
 * journal; 0 also when there is none. */
int	mbox_tail_recover(const char *mbox, int fd, long privileged_gid,
	    struct err *);

/* ---- mbox_inplace.c */
/* cur, parsed from the image p[0..len) of fd (write-locked), with its
 * changes set (expunge, flags, keywords; base_last: X-IMAPbase's last
 * UID to write, 0 to leave it) written in place: 1 when done (cur then
 * holds the file's messages before *tail_out, SIZE_MAX when no tail was
 * rewritten, and the caller parses from there), 0 when only a whole
 * rewrite will do (nothing written), -1 on error. */
int	mbox_commit_inplace(struct mailbox *cur, const char *p, size_t len,
	    int fd, uint32_t base_last, size_t *tail_out, struct err *);

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
/* 1 when a file with the times ts[0..n) could be changed again
 * without changing them (they are of the current clock tick) */
int	mailbox_ts_fresh(const struct timespec *ts, size_t n);
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
/* The offset of the From_ line after the message whose From_ line is
 * at from (len at the last one), and of the last message's From_ line
 * (0 for one message or none); no I/O, as mbox_parse splits. */
size_t	mbox_msg_next(const char *p, size_t len, size_t from);
size_t	mbox_last_from(const char *p, size_t len);
/* out (zeroed but for path and locks) filled from the image p of the
 * file old was parsed from before: messages still at old's offsets with
 * the same X-UID only have their storage headers read again (the bodies
 * are not scanned), from the first that moved on a normal parse.
 * Returns as mbox_parse; -1 also when X-IMAPbase or the first message
 * changed (then the caller parses the whole image). */
int	mbox_reparse(struct mailbox *out, const struct mailbox *old,
	    const char *p, size_t len, time_t now, struct err *);
/* Continues a parse at pos (a From_ line) with base_next the UID state
 * of X-IMAPbase; 1 when UIDs would have to be assigned. */
int	mbox_parse_tail(struct mailbox *, const char *p, size_t len,
	    size_t pos, uint32_t base_next, struct err *);

int	maildir_load(struct mailbox *, struct err *);
int	maildir_read(struct mailbox *, size_t, struct buf *, struct err *);
int	maildir_commit(struct mailbox *, struct err *);

#endif
