/*
 * queue.h -- the mail queue in sendmail 8.17's own format: qf control
 * files as a typed value (parse without I/O, write into a buffer),
 * queue IDs, the queue directories of a cf (one directory, qf/ df/ xf/
 * subdirectories, several "mqueue*" directories), the lock test, and
 * the -bp / mailq listing.
 */
#ifndef QUEUE_QUEUE_H
#define QUEUE_QUEUE_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/err.h"

#define QF_VERSION	8	/* the V line sendmail 8.17 writes */

/* F line: envelope flags, written in this order */
#define QF_F_WARNING	0x01	/* w: delay warning sent */
#define QF_F_RESPONSE	0x02	/* r: this is a response (bounce) */
#define QF_F_8BIT	0x04	/* 8: body has 8-bit data */
#define QF_F_DELBCC	0x08	/* b: delete Bcc: when sending */
#define QF_F_RETPARAM	0x10	/* d: DSN RET= was given */
#define QF_F_NOBODY	0x20	/* n: RET=HDRS, return no body */
#define QF_F_SPLIT	0x40	/* s: envelope was split */
#define QF_F_SMTPUTF8	0x80	/* e: needs SMTPUTF8 */

/* R line: recipient flags before the colon, written in this order */
#define QF_R_PRIMARY	0x01	/* P: given by the sender */
#define QF_R_NOTIFY	0x02	/* N: NOTIFY= given */
#define QF_R_SUCCESS	0x04	/* S: NOTIFY=SUCCESS */
#define QF_R_FAILURE	0x08	/* F: NOTIFY=FAILURE */
#define QF_R_DELAY	0x10	/* D: NOTIFY=DELAY */
#define QF_R_INTBCC	0x20	/* B: internal Bcc */
#define QF_R_ALIAS	0x40	/* A: the controlling address is an alias */
#define QF_R_DYNMAILER	0x80	/* Y: dynamic mailer */

/* A persisted macro: "$x value" or "${name}value". */
struct qf_macro {
	char	*name;		/* without braces */
	int	 braced;	/* written as ${name} */
	char	*value;
};

/*
 * One recipient and the records that precede its R line: the message
 * (M), controlling user (C), original (Q) and final (r) recipient.
 */
struct qf_rcpt {
	unsigned	 flags;		/* QF_R_* */
	char		*addr;		/* after "flags:" */
	char		*status;	/* M line before it, or NULL */
	char		*ctl;		/* C line text (may be ""), or NULL */
	char		*orcpt;		/* Q */
	char		*final;		/* r */
};

/* An H line: "H?cond?Name:value"; value keeps its leading space and
 * continuation lines ("\n\t...").  cond NULL: written without ?..?. */
struct qf_header {
	char	*cond;
	char	*name;
	char	*value;
};

struct qf {
	int		 version;	/* V */
	long long	 ctime;		/* T: created */
	int		 has_ctime;
	long long	 dtime;		/* K: last attempt, 0 never */
	long		 ntries;	/* N */
	long		 priority;	/* P */
	int		 has_priority;
	char		*dfdir;		/* d: df in another queue dir */
	int		 has_inode;	/* I<major>/<minor>/<inode> */
	long		 df_major, df_minor;
	unsigned long long df_inode;
	char		*bodytype;	/* B */
	char		*quarantine;	/* q */
	char		*message;	/* M before the S line */
	unsigned	 flags;		/* F: QF_F_* */
	struct qf_macro	*macros;	/* $ lines, in order */
	size_t		 nmacros;
	char		*sender;	/* S */
	char		*envid;		/* Z */
	char		*auth;		/* A */
	int		 dlvr_flag;	/* !<flag> <time>, 0 none */
	long long	 deliver_by;
	char		*errorto;	/* E (read only by sendmail) */
	char		*content_length; /* L (Solaris) */
	struct qf_rcpt	*rcpts;
	size_t		 nrcpts;
	struct qf_header *headers;
	size_t		 nheaders;
	int		 terminated;	/* the "." line was seen */
};

struct qf_limits {
	size_t		 record_max;	/* bytes in one record, folded */
	size_t		 rcpt_max;
	size_t		 header_max;
	size_t		 macro_max;
	int		 lenient;	/* as mailq reads: skip what is odd */
};

enum qf_parse {
	QF_OK,
	QF_NEED_MORE,		/* no "." line yet, or a line without LF */
	QF_BAD			/* err says what and on which line */
};

void	queue_qf_limits_default(struct qf_limits *);
/*
 * Parses a whole qf file.  Strict (the default): every record must be
 * known and well formed, the file must end with ".\n" and nothing may
 * follow it.  Lenient: unknown or malformed records are skipped and a
 * missing terminator is accepted (terminated tells).  On QF_OK the
 * caller owns out (queue_qf_free); otherwise out is left empty.
 */
enum qf_parse queue_qf_parse(const char *, size_t, const struct qf_limits *,
	    struct qf *out, struct err *);
/* Appends the qf text; -1 (err) when the buffer's maximum is reached. */
int	queue_qf_format(const struct qf *, struct buf *, struct err *);
void	queue_qf_free(struct qf *);

/*
 * Queue IDs: YMDhmsNN then the pid as %06d (time in UTC, base 60
 * digits 0-9A-Za-x, NN a two-digit sequence from a random start).
 */
#define QUEUE_ID_MAX	24	/* room for any pid */

struct queue_idgen {
	time_t		 last;		/* the second of the current run */
	long		 pid;
	unsigned	 count;		/* ids given in this second */
	unsigned	 offset;	/* random start of the sequence */
};

void	queue_id_init(struct queue_idgen *, unsigned random_offset);
/* Formats one id for (t, seq, pid); returns its length. */
size_t	queue_id_format(time_t, unsigned seq, long pid,
	    char out[QUEUE_ID_MAX]);
/*
 * The next id at time now for pid.  Returns 0, or 1 when this second's
 * 3600 ids are used up (or the clock went back to the same second for
 * the same pid): the caller waits for the next second and asks again.
 */
int	queue_id_next(struct queue_idgen *, time_t now, long pid,
	    char out[QUEUE_ID_MAX]);

/*
 * The next id for pid at the current time, waiting (sleeping in 50 ms
 * steps) while this second's ids are used up.  Never fails.
 */
void	queue_id_new(struct queue_idgen *, long pid, char out[QUEUE_ID_MAX]);

/* The queue directories named by QueueDirectory. */
#define QUEUE_SUBQF	0x1
#define QUEUE_SUBDF	0x2
#define QUEUE_SUBXF	0x4

struct queue_path {
	char		*name;		/* relative to the base: "." or "q1" */
	char		*dir;		/* the whole folder: "/v/s/mqueue/q1" */
	size_t		 group;		/* index in queue_dirs.groups */
	unsigned	 subdirs;	/* QUEUE_SUB* */
	int		 qfdir, dfdir;	/* open folders (queue_dirs_hold) */
	int		 statfd;	/* remote: the df folder as O_PATH,
					   for its free space only */
};

/*
 * A queue group (a cf's Q line; group 0 is "mqueue", the folders of
 * QueueDirectory).  Its folders are paths first .. first+npaths-1.
 */
#define QUEUE_GROUP_NONE	((size_t)-1)

struct queue_group {
	char		*name;
	char		*path;		/* P=, NULL: QueueDirectory */
	int		 fork;		/* F=f: runners fork per group */
	int		 nice;		/* N= */
	long		 interval;	/* I= in seconds, 0: the -q one */
	int		 runners;	/* R=, 0: MaxRunnersPerQueue */
	long		 maxrcpt;	/* r=: recipients per envelope, 0 any */
	long		 jobs;		/* J=: messages per run, 0 any */
	size_t		 first, npaths;
};

struct queue_dirs {
	char		*base;		/* QueueDirectory without wildcard,
					   with a trailing slash */
	char		*qdir;		/* the mqueue group's directory: base
					   without the slash */
	struct queue_path *paths;	/* group by group, each in readdir
					   order */
	size_t		 npaths;
	struct queue_group *groups;	/* [0] is mqueue */
	size_t		 ngroups;
	int		 held;		/* the paths' folders are open */
	int		 remote;	/* written through a queue writer
					   (queue_dirs_remote) */
	int		 remote_fd;	/* its socket, when remote */
};

/*
 * Finds the directories of QueueDirectory (a trailing '*' selects every
 * directory of the base folder whose name starts with the prefix) and
 * their qf/df/xf subdirectories.  -1 with a message worded as sendmail
 * words it ("can not chdir(/var/spool/mqueue/): No such file ...").
 */
int	queue_dirs_open(const char *queuedir, struct queue_dirs *out,
	    struct err *);
void	queue_dirs_free(struct queue_dirs *);
/* Queue groups (queue_group.c). */
void	queue_group_free(struct queue_group *);
/*
 * Opens QueueDirectory as group "mqueue" and each of groups (the cf's Q
 * lines, copied; their first and npaths are set here) after it, in
 * their order ("Qmqueue" sets the default group's equates and may move
 * it with P=).  Groups without P= share QueueDirectory's folders.  -1
 * (err) as queue_dirs_open.
 */
int	queue_dirs_open_groups(const char *queuedir,
	    const struct queue_group *groups, size_t n,
	    struct queue_dirs *out, struct err *);
/* The group named name (case as sendmail: insensitive), or
 * QUEUE_GROUP_NONE. */
size_t	queue_group_find(const struct queue_dirs *, const char *name);
/* The folder of group g a new message n goes to (taking turns). */
size_t	queue_group_path(const struct queue_dirs *, size_t g, unsigned n);
/* For queue_dir.c: group 0 with its defaults; the folders of one
 * QueueDirectory-like spec added to group g. */
void	queue_dirs_group_default(struct queue_dirs *);
int	queue_dirs_add(struct queue_dirs *, size_t g, const char *spec,
	    char **base_out, char **qdir_out, struct err *);
/* Directory of path i as mailq names it ("/var/spool/mqueue/q1/df"). */
void	queue_dirs_label(const struct queue_dirs *, size_t i, struct buf *);

/*
 * Whether another process holds a lock on the open qf: sendmail built
 * with flock (Debian) or with fcntl (upstream Linux, CentOS) -- both
 * are tested.  1 locked, 0 free.
 */
int	queue_qf_locked(int fd);

/* What -bp lists. */
enum queue_mode {
	QUEUE_MODE_NORMAL,	/* qf files */
	QUEUE_MODE_QUARANTINE,	/* hf files (-qQ) */
	QUEUE_MODE_LOST		/* Qf files (-qL) */
};

struct queue_match {
	char	*text;
	int	 negate;	/* -q!R... */
};

struct queue_list_opts {
	enum queue_mode	 mode;
	int		 verbose;		/* -v */
	char		*group;			/* -qGname, or NULL */
	struct queue_match *ids, *senders, *rcpts, *quarantines;
	size_t		 nids, nsenders, nrcpts, nquarantines;
	long		 max_run;		/* MaxQueueRunSize, 0 none */
	long		 min_age, max_age;	/* MinQueueAge, MaxQueueAge */
	int		 load;			/* current load average */
	long		 queue_la;		/* QueueLA */
	long		 queue_factor;		/* QueueFactor */
	time_t		 now;
};

/* Adds one -q filter ("Rtext", "!Sx", "Ifoo", "Q", "Qreason", "L",
 * "Gname": one queue group).
 * Returns 0, or -1 if the argument is no filter (a queue interval). */
int	queue_list_filter(struct queue_list_opts *, const char *arg);
void	queue_list_opts_free(struct queue_list_opts *);
/* Whether a queue run takes message id under the -qI -qS -qR filters. */
int	queue_filter_wants(const struct queue_list_opts *, const char *id,
	    const struct qf *);
/*
 * Prints the listing of every directory (of o->group's only, without
 * the total) as sendmail -bp does; returns the number of requests.
 */
long	queue_list(const struct queue_dirs *, const struct queue_list_opts *,
	    FILE *out);

/*
 * Writing the queue (queue_write.c).  A new message is a df<id> body
 * file, created first, and a qf<id> control file that appears by
 * rename(tf<id>, qf<id>): the qf is the commit record, so a message
 * exists exactly when its qf does.  Paths follow the queue_dirs
 * layout (qf/ and df/ subdirectories when present).  Files get `mode'
 * (sendmail's QueueFileMode, 0640 by default) minus the umask.
 */
struct queue_tx;

/*
 * Starts a message in path pathidx of dirs: creates df<id> with
 * O_EXCL.  0 with *out set; 1 when df<id> exists already (the caller
 * takes the next id); -1 (err, ERR_TEMPFAIL) on any other failure.
 */
int	queue_tx_begin(struct queue_tx **out, const struct queue_dirs *,
	    size_t pathidx, const char *id, int mode, struct err *);
/*
 * Like queue_tx_begin with a fresh id from g for pid: ids whose df
 * exists are skipped and an exhausted second is waited out.  The id
 * is copied to id_out.
 */
int	queue_tx_begin_new(struct queue_tx **out, const struct queue_dirs *,
	    size_t pathidx, struct queue_idgen *g, long pid, int mode,
	    char id_out[QUEUE_ID_MAX], struct err *);
/* Appends body bytes (buffered; written when the buffer fills). */
int	queue_tx_write(struct queue_tx *, const void *, size_t,
	    struct err *);
/* Body bytes so far, and whether any had the 8th bit set. */
/* What was written so far out to the df (not synced), to be read back. */
int	queue_tx_flush(struct queue_tx *, struct err *);
size_t	queue_tx_size(const struct queue_tx *);
/*
 * Empties the df for a new body (a mail filter replaced it): what is
 * buffered is dropped, the file truncated, size and the 8-bit mark
 * start again.  Before the commit only.
 */
int	queue_tx_truncate(struct queue_tx *, struct err *);
int	queue_tx_8bit(const struct queue_tx *);
const char *queue_tx_id(const struct queue_tx *);
/*
 * Makes the message durable: the rest of the df is written, the qf
 * text (queue_qf_format) goes to tf<id>, locked (flock and fcntl, so
 * sendmail built with either sees it locked), both are fdatasynced
 * (df first), the tf is renamed to qf<id> and the folder fsynced
 * (the df's too if it is another).  After 0 the message survives
 * a crash; the qf stays open and locked until queue_tx_close.  On -1
 * (err, ERR_TEMPFAIL with the errno text) nothing of the message is
 * left and the only call allowed is queue_tx_abort (or _close).
 * Note: fcntl locks go away when the process closes ANY fd of the qf.
 */
int	queue_tx_commit(struct queue_tx *, const struct qf *, struct err *);
/*
 * Before the commit: moves the df into path i of d (the queue group
 * its first envelope goes to), by rename or, across file systems, a
 * copy.  -1 (err): the tx is as it was.
 */
int	queue_tx_move(struct queue_tx *, const struct queue_dirs *, size_t i,
	    struct err *);
/*
 * Another envelope of the message in tx (a split by queue group):
 * the body, written so far, gets a second name df<id> in path i (a
 * hard link, a copy across file systems) and qf<id> is committed as
 * queue_tx_commit does, then closed.  0; 1 when df<id> exists (take
 * another id); -1 (err) with nothing of it left.  tx stays open.
 */
int	queue_tx_commit_as(struct queue_tx *, const struct queue_dirs *,
	    size_t i, const char *id, const struct qf *, struct err *);
/* The open, locked qf after a commit (-1 before); the df, open. */
int	queue_tx_qf_fd(const struct queue_tx *);
int	queue_tx_df_fd(const struct queue_tx *);
/*
 * After a failed write, commit or move: the first letter of the file it
 * failed on ('d' the df, 't' the tf, 'q' or 'h' the qf), the call as
 * err words it ("cannot write", "cannot fsync" ...) in *what_out, its
 * errno in *errno_out, and in *written_out whether body bytes had gone to the df before the commit
 * (sendmail's buffered file had spilled).  0 when nothing failed.
 */
int	queue_tx_failure(const struct queue_tx *, const char **what_out,
	    int *errno_out, int *written_out);
/* Releases the locks and closes; the files stay.  Accepts NULL. */
void	queue_tx_close(struct queue_tx *);
/* Removes an uncommitted message's files and frees (after a commit it
 * only closes).  Accepts NULL. */
void	queue_tx_abort(struct queue_tx *);

/*
 * Replaces qf<id> with qf's text: tf<id> is written, locked, fsynced
 * and renamed over the qf.  The caller holds the lock on the old qf;
 * the lock of the new one is handed over in *fd_out (close it when
 * done).  The new qf keeps the old one's mode.  The rename is not synced:
 * after a crash the old or the new qf is there, whole.  -1 (err):
 * the old qf is untouched.
 */
int	queue_qf_rewrite(const struct queue_dirs *, size_t pathidx,
	    const char *id, const struct qf *, int *fd_out, struct err *);
/*
 * Removes a finished message: qf first (the commit record: once it is
 * gone nothing delivers the message again), then df and xf.  A crash
 * in between leaves only an orphan df, never a qf without its body.
 * Missing files are not an error.
 */
int	queue_remove(const struct queue_dirs *, size_t pathidx,
	    const char *id, struct err *);
/*
 * Opens the qf and df folders of every path and keeps them open (close
 * on exec) until queue_dirs_free, so that queue_tx_begin need not open
 * and close a folder per message.  For a process writing many messages
 * (the SMTP server, before it forks its workers).
 */
int	queue_dirs_hold(struct queue_dirs *, struct err *);
/* The file system of path i's df folder (or of the queue folder). */
struct statvfs;
int	queue_dirs_statvfs(const struct queue_dirs *, size_t i,
	    struct statvfs *);
/* The folder of a file kind ('q' qf/tf, 'd' df, 'x' xf) in path i. */
void	queue_dirs_path(const struct queue_dirs *, size_t i, int kind,
	    struct buf *);

/*
 * The privileged queue writer (queue_remote.c), for a process that may
 * not write the queue folders itself: the daemon's workers under
 * privilege separation (doc/privsep.md).  After queue_dirs_remote(d,
 * fd) the queue_tx_* calls and queue_remove on d go over fd, a stream
 * socket to a process in queue_remote_serve: it creates each df and
 * hands its descriptor back (the body is written here), and it parses,
 * checks, writes, syncs and renames the qf itself.  The folders d held
 * open are closed.  Nothing but what the writer checks is trusted: the
 * path index, the queue id's characters, sizes, that the df is one it
 * created for this message, and the qf's records (no controlling user,
 * no alias or dynamic-mailer flag, no df in another folder).
 */
void	queue_dirs_remote(struct queue_dirs *, int fd);

/* What the writer does besides the queue, for its caller. */
struct queue_remote_hooks {
	/* the statistics a worker counted (stats_take_pending's bytes) */
	void	(*stats)(void *arg, const unsigned char *, size_t);
	/* deliver message (path, id), committed here; -1: could not */
	int	(*deliver)(void *arg, size_t path, const char *id);
	/* before each wait for a request, and once a second */
	void	(*idle)(void *arg);
	/* a QR_CALL's bytes (at most QR_CALL_MAX); the answer's bytes go
	 * into out (at most QR_CALL_MAX); -1: none (the caller fails) */
	int	(*call)(void *arg, const unsigned char *, size_t,
		    struct buf *out);
	void	*arg;
};

/*
 * Serves the worker on fd until it closes its end: files in d (which
 * must not be remote) with mode.  0 at the end of the stream; -1 when
 * the peer sent something that is not a request (the writer stops).
 */
int	queue_remote_serve(struct queue_dirs *, int fd, int mode,
	    const struct queue_remote_hooks *);
/* The writer's hooks from the worker's side: -1 (err) when it failed. */
int	queue_remote_stats(const struct queue_dirs *, const unsigned char *,
	    size_t, struct err *);
int	queue_remote_deliver(const struct queue_dirs *, size_t path,
	    const char *id, struct err *);
/* n bytes to the writer's call hook; its answer into out. */
int	queue_remote_call(const struct queue_dirs *, const void *, size_t,
	    struct buf *out, struct err *);

/* The wire format of one request: this header, then len bytes. */
enum queue_remote_op {
	QR_CREATE = 1,		/* df<id> in path: its fd comes back */
	QR_MOVE,		/* df<id> of path into path2 */
	QR_COMMIT,		/* qf text: check, write, sync, rename */
	QR_COMMIT_AS,		/* df<id> linked as df<id2> in path2, and
				   the qf text committed for it */
	QR_ABORT,		/* the uncommitted df<id> goes */
	QR_REMOVE,		/* a qf<id> committed for this message goes */
	QR_STATS,		/* len bytes of statistics */
	QR_DELIVER,		/* deliver a message committed here */
	QR_CALL,		/* len bytes for the call hook; its answer's
				   bytes follow the answer */
	QR_NOPS
};

struct queue_remote_req {
	unsigned	 op;
	unsigned	 path, path2;
	unsigned	 len;
	char		 id[QUEUE_ID_MAX], id2[QUEUE_ID_MAX];
};

#define QR_QF_MAX	(32 * 1024 * 1024)	/* qf text of one request */
#define QR_STATS_MAX	65536
#define QR_CALL_MAX	65536	/* a QR_CALL's bytes, and its answer's */

/*
 * Decodes and checks a request header (n bytes at p) against a queue of
 * npaths folders; no I/O.  0 with *out set, -1 (err) for anything else.
 */
int	queue_remote_req_parse(const void *p, size_t n, size_t npaths,
	    struct queue_remote_req *out, struct err *);

#endif
