/*
 * smtpd.h -- the SMTP server: one session over a pair of descriptors
 * (a TCP connection from the daemon, or stdin/stdout for -bs), and the
 * daemon that listens on the cf's DaemonPortOptions and runs sessions
 * in a pool of unprivileged worker processes.
 */
#ifndef SMTPD_SMTPD_H
#define SMTPD_SMTPD_H

#include <sys/types.h>

#include "cf/cf.h"
#include "queue/queue.h"

/* Who is at the other end and through which door they came. */
struct smtpd_peer {
	const char	*addr;		/* "127.0.0.1"; NULL for -bs */
	const char	*cf_addr;	/* ${client_addr}: "IPv6:::1"; NULL:
					   as addr */
	const char	*name;		/* resolved name or "[addr]" */
	const char	*port;
	const char	*family;	/* "inet", "inet6", "unix" */
	const char	*ident;		/* -bs: "user@localhost" */
	const char	*if_addr;	/* our address of the connection */
	const char	*daemon_name;	/* Name= of the port, "MTA" */
	const char	*daemon_flags;	/* ${daemon_flags} */
	const char	*input_filters;	/* the port's InputMailFilters=, or
					   NULL: the cf's option */
	unsigned	 client_conns;	/* daemon only; 0 = not counted */
	unsigned	 client_rate;
	unsigned	 total_rate;
	const char	*resolve;	/* ${client_resolve}: OK, FAIL,
					   FORGED (name does not map back),
					   TEMP (lookup failed for now) */
};

/*
 * What the daemon's processes share about its delivery agents (in
 * memory mapped by the master; updated with atomic operations).
 */
struct smtpd_agent_board {
	long	pending;	/* handed over, not yet taken by an agent */
	long	last_take_us;	/* CLOCK_MONOTONIC when one was last taken */
	long	gap_us;		/* mean time between takes while messages
				   were waiting: how fast the backlog goes */
};

struct smtpd_ctx {
	struct cf		*cf;
	struct queue_dirs	*qdirs;
	struct queue_idgen	*idgen;
	int			 fd_in, fd_out;
	int			 bs;		/* sendmail -bs */
	int			 delivery_mode;	/* 'b', 'i', 'q', 'd' */
	int			 file_mode;	/* QueueFileMode */
	size_t			 max_hdr_len;	/* MaxHeadersLength */
	long			 queue_interval; /* -q1h with -bd, 0 none */
	int			 queue_only;	/* -q1h without -bd: no ports,
						   only the queue runs */
	const int		*listen_fds;	/* the daemon's, closed in
						   delivery children */
	size_t			 nlisten;
	int			 agent_fd;	/* to the delivery agents;
						   -1: none (fork) */
	volatile unsigned char	*agent_slots;	/* their idle/busy bytes */
	struct smtpd_agent_board *agent_board;	/* shared */
	size_t			 nagents;
	const volatile unsigned char *stress;	/* the daemon's stress byte
						   (smtpd_stress.c); NULL:
						   none (-bs) */
	int			 greeted;	/* the waiting room sent the
						   greeting (smtpd_room.c) */
	const char		*preread;	/* what it read since */
	size_t			 npreread;
};

/* Under stress, a command line must be complete this long after its
 * start, however its bytes trickle in. */
#define SMTPD_STRESS_LINE_MS	1000
#define smtpd_stressed(ctx)	((ctx)->stress != NULL && *(ctx)->stress)
/* a worker waiting for a line looks at the stress byte this often */
#define SMTPD_STRESS_SLICE_MS	250

/*
 * DeliveryMode background or interactive: a child delivers the message
 * just queued while the caller goes on (sendmail's fork after the 250).
 */
void	smtpd_deliver_now(struct smtpd_ctx *, size_t path, const char *id);

/* PrivacyOptions, as bits. */
#define PRIV_NEEDMAILHELO	0x001
#define PRIV_NOEXPN		0x002
#define PRIV_NOVRFY		0x004
#define PRIV_NOETRN		0x008
#define PRIV_NOVERB		0x010
#define PRIV_AUTHWARNINGS	0x020
#define PRIV_NORECEIPTS		0x040
#define PRIV_NOBODYRETURN	0x080
#define PRIV_NEEDEXPNHELO	0x100
#define PRIV_NEEDVRFYHELO	0x200
#define PRIV_RESTRICTMAILQ	0x400	/* mailq only for the queue's group */
#define PRIV_RESTRICTQRUN	0x800	/* -q only for the queue's owner */
#define PRIV_GOAWAY		(PRIV_NEEDMAILHELO | PRIV_NOEXPN | \
				 PRIV_NOVRFY | PRIV_NOETRN | PRIV_NOVERB | \
				 PRIV_AUTHWARNINGS | PRIV_NORECEIPTS | \
				 PRIV_NEEDEXPNHELO | PRIV_NEEDVRFYHELO)

unsigned smtpd_privacy(const char *value);

/* Runs one SMTP session to its end; returns 0, or 1 after an I/O error. */
int	smtpd_session(struct smtpd_ctx *, const struct smtpd_peer *);

/*
 * Loads the STARTTLS server context of the cf (ServerCertFile ...) into
 * this process, so that workers started from it need not read the key
 * after giving up root; -1 when the cf has none (no STARTTLS).
 */
int	smtpd_tls_preload(struct cf *);
/* Sets up the SASL library (Sendmail.conf, plugins) in this process,
 * before the workers are started from it. */
void	smtpd_auth_preload(void);

/* RunAsUser as ids; 0 when the cf does not set it. */
int	smtpd_runas_user(struct cf *, uid_t *, gid_t *);

/*
 * sendmail -bd: binds every DaemonPortOptions of the cf, goes into the
 * background (not with foreground set: -bD), writes the PidFile, and
 * serves with a pool of workers running without root until SIGTERM;
 * SIGHUP starts the program again with argv.  Returns a sysexits status.
 */
int	smtpd_daemon(const struct smtpd_ctx *, char **argv, int foreground);

#endif
