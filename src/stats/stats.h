/*
 * stats.h -- sendmail's statistics file (the StatusFile option, read by
 * mailstats): the binary "struct statistics" of sendmail 8.17 as an
 * LP64 Linux build lays it out, decoded and encoded at fixed offsets;
 * the counts one process gathers (messages from and to each mailer,
 * rejections, discards, quarantines, connections) and their merge into
 * the file under an exclusive flock, only when the file exists; and
 * the reading of a cf as mailstats does it (mailer names, StatusFile).
 */
#ifndef STATS_STATS_H
#define STATS_STATS_H

#include <stddef.h>
#include <stdint.h>

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

#endif
