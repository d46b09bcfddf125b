/*
 * stats.h -- sendmail's two records of traffic.  First the statistics file (the StatusFile option, read by
 * mailstats): the binary "struct statistics" of sendmail 8.17 as an
 * LP64 Linux build lays it out, decoded and encoded at fixed offsets;
 * the counts one process gathers (messages from and to each mailer,
 * rejections, discards, quarantines, connections) and their merge into
 * the file under an exclusive flock, only when the file exists; and
 * the reading of a cf as mailstats does it (mailer names, StatusFile).
 * Then the host status directory (HostStatusDirectory): one small text
 * file per remote host after each connection attempt, listed by
 * hoststat (-bh) and expired by purgestat (-bH).
 */
#ifndef STATS_STATS_H
#define STATS_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/buf.h"
#include "lib/err.h"

#define STATS_MAILERS	25		/* sendmail's MAXMAILERS */
#define STATS_MAGIC	0x1B1DE
#define STATS_VERSION	4
#define STATS_SIZE	1448		/* sizeof(struct statistics) */
#define STATS_NAMELEN	20		/* mailstats keeps this much */

struct stats {
	int64_t	 itime;			/* since when (epoch) */
	int64_t	 cf, ct, cr;		/* connections from, to, rejected */
	int64_t	 nf[STATS_MAILERS];	/* messages from each mailer */
	int64_t	 bf[STATS_MAILERS];	/* their kilobytes (1000 bytes) */
	int64_t	 nt[STATS_MAILERS];	/* messages to each mailer */
	int64_t	 bt[STATS_MAILERS];
	int64_t	 nr[STATS_MAILERS];	/* rejected, by the sender's mailer */
	int64_t	 nd[STATS_MAILERS];	/* discarded */
	int64_t	 nq[STATS_MAILERS];	/* quarantined */
};

enum stats_decode {
	STATS_OK,
	STATS_EMPTY,		/* no bytes at all */
	STATS_BADMAGIC,
	STATS_BADVERSION,	/* *version_out says which */
	STATS_BADSIZE		/* short, or stat_size is not ours */
};

/* The file's bytes as read (len of them); checks in mailstats' order. */
enum stats_decode stats_decode(const unsigned char *p, size_t len,
	    struct stats *out, int *version_out);
/* The STATS_SIZE bytes sendmail would write for s. */
void	 stats_encode(const struct stats *s, unsigned char *out);
/* Bytes as the file counts them: kilobytes of 1000, rounded up. */
int64_t	 stats_kbytes(uint64_t bytes);

/*
 * This process's counts since the last stats_post.  mno is the mailer
 * number (cf order: prog 0, *file* 1, *include* 2, then the M lines);
 * out of range (e.g. -1: no mailer known) only the connection counts
 * change, as in sendmail.
 */
void	 stats_mark_from(int mno, uint64_t msgsize);
void	 stats_mark_to(int mno, uint64_t msgsize);
/* A message refused (discard: dropped silently) by the sender's mailer;
 * also counts a rejected connection, as sendmail does. */
void	 stats_mark_reject(int mno, int discard);
void	 stats_mark_quarantine(int mno);
void	 stats_mark_connect(int outbound);
int	 stats_pending(void);

/*
 * Merges the pending counts into the file at path and clears them.  The
 * file must exist (it is never created), be a regular file and not a
 * link; one whose magic, version or size is not ours is started over.
 * Nothing to do (NULL or empty path, nothing pending, no file): 0.
 */
int	 stats_post(const char *path, struct err *);
/*
 * For a process that may not write the file (a worker without root):
 * its pending counts as STATS_SIZE bytes, cleared (0: none pending, 1
 * taken), and on the writer's side their addition to its own pending
 * counts (-1: the bytes do not decode).
 */
int	 stats_take_pending(unsigned char out[STATS_SIZE]);
int	 stats_add_pending(const unsigned char *, size_t);
/* Where stats_flush sends the pending counts instead of the file. */
void	 stats_set_sink(void (*fn)(const unsigned char *, size_t, void *),
	    void *arg);

/* What mailstats learns from a cf. */
struct stats_cf {
	char	 names[STATS_MAILERS][STATS_NAMELEN + 1];
	int	 nmailers;
	char	*statusfile;		/* the last StatusFile / OS line's
					   value (malloc'ed), or NULL */
};
enum stats_cf_result {
	STATS_CF_OK,
	STATS_CF_TOOMANY,	/* more than STATS_MAILERS M lines */
	STATS_CF_LONGPATH	/* a StatusFile value too long: its start
				   in statusfile */
};
/* Scans cf text (len bytes) as mailstats reads it; no I/O. */
enum stats_cf_result stats_cf_scan(const char *text, size_t len,
	    struct stats_cf *out);
void	 stats_cf_free(struct stats_cf *);

/* ---- host status (hoststat.c) ---- */

struct cf;
/* The mailer's number as sendmail counts them, -1 if there is none. */
int	 stats_mailer(struct cf *, const char *mailer);
/* The mailer the envelope sender resolves to (rulesets 3 and 0), the
 * one its messages count under; the cf's error hook is left unset. */
int	 stats_sender_mailer(struct cf *, const char *sender);
/* stats_post to the cf's StatusFile; a failure is logged. */
void	 stats_flush(struct cf *);

/* One host's record: the lines V0 E H S D R U and ".". */
struct hoststat {
	int		 version;	/* V: 0; -1 when absent */
	int		 vline;		/* the V line's number */
	int		 errnum;	/* E: errno of the attempt */
	int		 herrno;	/* H: resolver error */
	int		 exitstat;	/* S: sysexits value */
	char		*dsn;		/* D: "4.4.1", or NULL */
	char		*reply;		/* R: the SMTP reply, or NULL */
	long long	 lastuse;	/* U: epoch */
};
/* 0 (another version is read all the same), or -1 for an unknown
 * line or one without V that does not end in ".". */
int	 hoststat_parse(const char *text, size_t len, struct hoststat *out);
void	 hoststat_free(struct hoststat *);
/* The file's text for h. */
void	 hoststat_format(const struct hoststat *h, struct buf *out);
/* dir/com./example./mx for "mx.example.com" (lower case, "[a.b.c.d]"
 * bare); -1 for a name that cannot be one (empty, "..", leading dot). */
int	 hoststat_path(const char *dir, const char *host, struct buf *out);

/* The cf's HostStatusDirectory as a path (a relative one is under the
 * QueueDirectory), or NULL when unset. Caller frees. */
char	*hoststat_dir(struct cf *);
/* Writes h for host under dir (folders made as needed), under an
 * exclusive lock; -1 with err. */
int	 hoststat_store(const char *dir, const char *host,
	    const struct hoststat *h, struct err *);
/* -bh: the listing, as sendmail prints it (verbose: whole texts). */
void	 hoststat_print(const char *dir, int verbose, long long now,
	    FILE *out);
/* -bH: removes records (and emptied "x." folders) older than maxage. */
void	 hoststat_purge(const char *dir, long maxage, long long now);

#endif
