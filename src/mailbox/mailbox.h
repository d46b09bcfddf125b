/*
 * mailbox.h -- mbox and Maildir storage shared by local delivery and
 * mailboxd: opening a mailbox, its messages with dovecot-compatible UIDs
 * (X-IMAPbase/X-UID headers in mbox, dovecot-uidlist in Maildir),
 * reading a message as clients see it, expunging and flag updates,
 * and the locks (dotlock, fcntl, flock) in a configured order.
 */
#ifndef MAILBOX_MAILBOX_H
#define MAILBOX_MAILBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "lib/arr.h"
#include "lib/buf.h"
#include "lib/err.h"

enum mailbox_format {
	MAILBOX_MBOX,
	MAILBOX_MAILDIR
};

enum mbox_lock_method {
	MBOX_LOCK_FCNTL,
	MBOX_LOCK_DOTLOCK,
	MBOX_LOCK_FLOCK
};

#define MBOX_LOCK_MAX	4

/* Lock methods in the order they are taken (dovecot's mbox_*_locks). */
struct mbox_lock_cfg {
	enum mbox_lock_method	 read[MBOX_LOCK_MAX];
	size_t			 nread;
	enum mbox_lock_method	 write[MBOX_LOCK_MAX];
	size_t			 nwrite;
	unsigned		 timeout_secs;		/* mbox_lock_timeout */
	unsigned		 dotlock_change_secs;	/* stale dotlock age */
	long			 privileged_gid;	/* mail_privileged_group:
							   saved gid for dotlocks
							   and rewrites; -1 none */
};

/* Debian dovecot's defaults: read fcntl; write fcntl then dotlock. */
void	mbox_lock_cfg_default(struct mbox_lock_cfg *);
/* Parses "fcntl dotlock" into methods; -1 on an unknown name. */
int	mbox_lock_parse(const char *, enum mbox_lock_method *out,
	    size_t *n_out, struct err *);
const char *mbox_lock_name(enum mbox_lock_method);

/* Locks held on one mbox file. */
struct mbox_lock {
	int	 fd;
	char	*dotlock;		/* path of our dotlock, NULL if none */
	int	 fcntl_held;
	int	 flock_held;
	long	 privileged_gid;
};

/* Takes every method in order; on failure releases what it took.
 * ERR_TEMPFAIL when another holder kept a lock past the timeout.  1
 * (nothing held) when path was renamed over while we waited for a lock
 * on fd and a dotlock was still to come: open the path again and retry. */
int	mbox_lock_take(const char *path, int fd, int write,
	    const struct mbox_lock_cfg *, struct mbox_lock *out,
	    struct err *);
void	mbox_lock_release(struct mbox_lock *);

/* Message flags, as IMAP system flags */
#define MSG_SEEN	0x01
#define MSG_ANSWERED	0x02
#define MSG_FLAGGED	0x04
#define MSG_DELETED	0x08
#define MSG_DRAFT	0x10
#define MSG_OLD		0x20	/* not \Recent (mbox Status: O) */

struct mailbox_msg {
	uint32_t	 uid;
	unsigned	 flags;
	uint64_t	 vsize;		/* as clients see it: CRLF, no
					   storage headers */
	/* mbox: byte offsets in the file */
	off_t		 from_off;	/* the From_ line */
	off_t		 hdr_off;	/* first header line */
	off_t		 body_off;	/* after the blank line */
	off_t		 end_off;	/* end of the message's bytes */
	/* Maildir: the file name under new/ or cur/ */
	char		*name;
	int		 in_new;
	/* set by the caller, applied by mailbox_commit() */
	int		 expunge;
	unsigned	 set_flags;
	/* added for IMAP: flags taken away, keywords (bits index
	 * mailbox.kw), the arrival time (0: not known yet, see
	 * mailbox_msg_received) */
	unsigned	 clr_flags;
	uint32_t	 kw;
	uint32_t	 set_kw, clr_kw;
	time_t		 received;
};

/* Keywords a mailbox can hold: Maildir names them a-z in file names. */
#define MAILBOX_KW_MAX	26

struct mailbox {
	enum mailbox_format	 format;
	char			*path;		/* mbox file or Maildir */
	struct mbox_lock_cfg	 locks;
	uint32_t		 uidvalidity;
	uint32_t		 uidnext;
	struct mailbox_msg	*msgs;
	size_t			 n, cap;
	uint64_t		 total_vsize;
	/* mbox */
	dev_t			 dev;
	ino_t			 ino;
	char			*imapbase_kw;	/* keywords after X-IMAPbase */
	int			 has_pseudo;	/* X-IMAP first message */
	/* Maildir */
	char			*guid;
	/* keyword names, in the order of the bits of mailbox_msg.kw */
	char			*kw[MAILBOX_KW_MAX];
	size_t			 nkw;
	/* mbox: flag changes alone are written by mailbox_commit at once
	 * (IMAP), not left for the next expunge (POP3) */
	int			 write_flags;
	/* mbox: where X-IMAPbase's last-UID digits are */
	off_t			 base_next_off;
	size_t			 base_next_len;
	/* mailbox_hold's locks and mapping (mbox), or NULL */
	void			*hold;
	/* what the files looked like when loaded (mailbox_changed) */
	struct timespec		 stamp[2];
	off_t			 stamp_size;
	/* the stamps were of the current clock tick: a change in the same
	 * tick would leave them as they are, so the next mailbox_changed
	 * says yes */
	int			 stamp_fresh;
	/* our index file (mailbox_open_index), or NULL */
	struct mailbox_index	*idx;
};

/* Opens the mailbox at path: reads it, gives every message a UID and
 * writes UIDs that were missing (so they survive the session).  An
 * mbox that does not exist is an empty mailbox.  NULL with err set on
 * failure (ERR_TEMPFAIL for a lock timeout). */
struct mailbox *mailbox_open(enum mailbox_format, const char *path,
	    const struct mbox_lock_cfg *, struct err *);
void	mailbox_free(struct mailbox *);

/* mailbox_open with an index of our own at index_path (NULL: none; see
 * mailbox_state_path): a cache of the last load, used when the files
 * are as it recorded them (an mbox that only grew at its end is parsed
 * from where it ended), rebuilt when missing, stale or broken.  UIDs
 * and flags never live only there. */
struct mailbox *mailbox_open_index(enum mailbox_format, const char *path,
	    const char *index_path, const struct mbox_lock_cfg *,
	    struct err *);

/* The message's bytes as a client sees them (storage headers left out,
 * line ends as stored), appended to out.  -1 with err when the mailbox
 * changed under us or I/O failed. */
int	mailbox_msg_read(struct mailbox *, size_t idx, struct buf *out,
	    struct err *);

/* Stores the UIDVALIDITY of a mailbox that has none on disk yet (an
 * empty or missing mbox gets its pseudo message), so that sessions that
 * open it at once agree on it.  A no-op for Maildir. */
int	mailbox_settle(struct mailbox *, struct err *);

/* Keeps an mbox read-locked and mapped from now until mailbox_release,
 * so that many mailbox_msg_read calls (a FETCH or SEARCH over the whole
 * mailbox) do not lock and map the file once each.  No commit, reload
 * or append to the same file in between.  A no-op for Maildir. */
int	mailbox_hold(struct mailbox *, struct err *);
void	mailbox_release(struct mailbox *);

/* Expunges the messages marked `expunge` and adds `set_flags`, under the
 * write lock; messages that arrived meanwhile are kept.  In an mbox,
 * flag changes alone wait for the next expunge (as dovecot's lazy
 * writes); in a Maildir they are renames at once. */
int	mailbox_commit(struct mailbox *, struct err *);

/* Keyword index of name (compared without case), adding it when create
 * is set and there is room; -1 when absent or full. */
int	mailbox_kw_index(struct mailbox *, const char *name, int create);

/* The message's arrival time (INTERNALDATE): the From_ line's date in an
 * mbox, the file's mtime in a Maildir; 0 when unknown (a Maildir file
 * another process expunged meanwhile). */
time_t	mailbox_msg_received(struct mailbox *, size_t idx);

/* 1 when another process changed the mailbox's files since it was loaded
 * (so a reload would see new, expunged or re-flagged messages). */
int	mailbox_changed(const struct mailbox *);

/* Reads the mailbox again into mb (after mailbox_commit of pending
 * changes by the caller); UIDVALIDITY stays unless the storage changed
 * it. */
int	mailbox_reload(struct mailbox *, struct err *);

/* One message for mailbox_append_batch: the client's bytes, flags,
 * keyword names and arrival time (0: now); uid is filled in. */
struct mailbox_new {
	const char		*data;
	size_t			 len;
	unsigned		 flags;
	const char *const	*kw;
	size_t			 nkw;
	time_t			 received;
	uint32_t		 uid;
};

/* Stores messages in one go (one lock, one read of the mailbox), as
 * mailbox_append does for one. */
int	mailbox_append_batch(enum mailbox_format, const char *path,
	    const struct mbox_lock_cfg *, struct mailbox_new *, size_t n,
	    uint32_t *uidvalidity_out, struct err *);

/* Stores one message (as a client sent it, CRLF or LF lines) at the end
 * of the mailbox at path with flags and keywords, under the write locks,
 * giving it the next UID.  received 0 means now.  *uidvalidity_out and
 * *uid_out tell what it got. */
int	mailbox_append(enum mailbox_format, const char *path,
	    const struct mbox_lock_cfg *, const char *data, size_t len,
	    unsigned flags, const char *const *kw, size_t nkw,
	    time_t received, uint32_t *uidvalidity_out, uint32_t *uid_out,
	    struct err *);

/* A POP3 UIDL in pop3_uidl_format (%u uid, %v uidvalidity, %08Xu ...);
 * -1 on a format we do not support. */
int	mailbox_uidl(const struct mailbox *, size_t idx, const char *fmt,
	    struct buf *out);

/* "From " line check used by the splitter: a sender and a date. */
int	mbox_from_line_ok(const char *line, size_t len);

/* mail_location: "mbox:~/mail:INBOX=/var/mail/%u", "maildir:~/Maildir" */
struct mail_location {
	enum mailbox_format	 format;
	char			*root;		/* expanded */
	char			*inbox;		/* expanded path of INBOX */
	char			*index;		/* INDEX=, or NULL */
};

/* Expands %u %n %d %h %% and ~ for the user; -1 with err when the
 * location is malformed or names a format we do not serve. */
int	mail_location_parse(const char *spec, const char *user,
	    const char *home, struct mail_location *out, struct err *);
void	mail_location_free(struct mail_location *);

/* ---- folders by IMAP mailbox name (mailbox_list.c); sep is the
 * namespace's hierarchy separator */

int	mailbox_is_inbox(const char *name);
/* The path of file (e.g. "mailboxd-index") in the state folder of the
 * mailbox name at mbpath: the Maildir folder itself, or for mbox
 * <INDEX= or root>/.imap/<name>/ (created; dovecot's own index files
 * there are named dovecot.*). */
#define MAILBOX_INDEX_FILE	"mailboxd-index"
int	mailbox_state_path(const struct mail_location *, const char *mbpath,
	    const char *name, char sep, const char *file, struct buf *out);
/* The file or directory of mailbox name; -1 (ERR_DATAERR) for a name
 * that could leave the mail root: empty, absolute, "~", "." or ".."
 * components, control characters, '/' inside a component, a leading
 * '.' in mbox or a '.' in a Maildir++ component. */
int	mailbox_path(const struct mail_location *, const char *name,
	    char sep, struct buf *out, struct err *);

#define MAILBOX_NOSELECT	0x01
#define MAILBOX_NOINFERIORS	0x02
#define MAILBOX_HASCHILDREN	0x04
#define MAILBOX_HASNOCHILDREN	0x08

struct mailbox_entry {
	char		*name;		/* with sep between levels */
	unsigned	 flags;
};

/* Every folder, INBOX first, the rest sorted by name. */
int	mailbox_list(const struct mail_location *, char sep,
	    struct mailbox_entry **out, size_t *n_out, struct err *);
void	mailbox_list_free(struct mailbox_entry *, size_t);
/* A name ending in sep makes an mbox directory (for children only). */
int	mailbox_create(const struct mail_location *, const char *name,
	    char sep, struct err *);
int	mailbox_delete(const struct mail_location *, const char *name,
	    char sep, struct err *);
int	mailbox_rename(const struct mail_location *, const char *from,
	    const char *to, char sep, struct err *);
int	mailbox_subs_read(const struct mail_location *, char sep,
	    struct strarr *out, struct err *);
int	mailbox_subs_write(const struct mail_location *, char sep,
	    const struct strarr *, struct err *);

#endif
