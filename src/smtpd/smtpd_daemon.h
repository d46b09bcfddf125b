/*
 * smtpd_daemon.h -- the daemon's parts shared by its files: the ports
 * it listens on, and the worker pool's scoreboard.
 */
#ifndef SMTPD_SMTPD_DAEMON_H
#define SMTPD_SMTPD_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"
#include "smtpd.h"

struct smtpd_port {
	char	 name[64];		/* Name= ("MTA", "MSA") */
	char	 addr[64];		/* Addr=, "" for any */
	char	 modifiers[32];		/* M= letters */
	char	 filters[256];		/* InputMailFilters=, ';'-separated */
	int	 has_filters;		/* InputMailFilters= given (may be
					   empty: no filters on this port) */
	int	 family;		/* AF_INET, AF_INET6 */
	int	 port;
	int	 fd;
};

int	smtpd_port_parse(const char *spec, struct smtpd_port *, struct err *);
void	smtpd_port_flags(const struct smtpd_port *, char *out, size_t size);
int	smtpd_port_open(struct smtpd_port *, int backlog, struct err *);

/* Counts shared by the pool (smtpd_rate.c). */
struct smtpd_rate;
struct smtpd_rate_figures {
	unsigned	 client_conns;	/* ${client_connections} */
	unsigned	 client_rate;	/* ${client_rate} */
	unsigned	 total_rate;	/* ${total_rate} */
};
struct smtpd_rate *smtpd_rate_new(long window);
void	smtpd_rate_open(struct smtpd_rate *, const char *addr,
	    struct smtpd_rate_figures *);
void	smtpd_rate_close(struct smtpd_rate *, const char *addr);
void	smtpd_rate_throttle(struct smtpd_rate *, long per_second);

/* agents forked at most at once to empty a backlog behind stuck ones */
#define SMTPD_RESCUE_MAX	8

/* The stress mode's shared state (smtpd_stress.c, smtpd_room.c). */
struct smtpd_stress {
	volatile unsigned char	 on;
	volatile unsigned	 roomed[];	/* per worker slot: clients in
						   its waiting room */
};

/* One byte per worker slot, in memory shared by the pool. */
enum { SLOT_FREE, SLOT_IDLE, SLOT_BUSY };

struct smtpd_pool {
	struct cf		*cf;
	const struct smtpd_ctx	*ctx;		/* copied per session */
	pid_t			 master;
	uid_t			 uid;		/* workers run as */
	gid_t			 gid;
	struct smtpd_port	*ports;
	size_t			 nports;
	int			*listen_fds;	/* the ports' sockets */
	volatile unsigned char	*slots;		/* shared */
	pid_t			*pids;
	size_t			 nslots;	/* MaxDaemonChildren */
	int			 notify[2];	/* workers -> master */
	long			 per_worker;	/* sessions before exit */
	size_t			 keep_idle;	/* idle workers that stay */
	int			 idle_exit_ms;	/* idle longer: may exit */
	struct smtpd_rate	*rate;
	long			 throttle;	/* ConnectionRateThrottle */
	long			 refuse_la;	/* RefuseLA */
	struct smtpd_stress	*stress;	/* shared, smtpd_stress.c */
	/* delivery agents (DeliveryMode background), smtpd_agent.c */
	int			 agent_fds[2];	/* [0] agents read, [1] workers
						   write; -1 when none */
	volatile unsigned char	*agent_slots;	/* shared */
	struct smtpd_agent_board *agent_board;	/* shared */
	pid_t			*agent_pids;
	size_t			 nagents;
	pid_t			 rescue_pids[SMTPD_RESCUE_MAX];
	/* queue runs per queue group (smtpd_qsched.c) */
	struct smtpd_qsched	*qsched;
	size_t			 nqsched;
};

/* fork with the daemon's signals blocked until the child has the
 * default handlers (smtpd_daemon.c). */
pid_t	smtpd_fork_child(void);
/* Starts the queue runs that are due (once a second); forgets a
 * runner the master has reaped. */
void	smtpd_qsched_tick(struct smtpd_pool *);
void	smtpd_qsched_reaped(struct smtpd_pool *, pid_t);

/*
 * Stress mode (smtpd_stress.c): _init maps the byte the workers read
 * (-1, and no stress mode, when it cannot); _look, by the master about
 * once a second, sets it while (nearly) all workers are busy and
 * connections wait, and clears it a few seconds after; it returns the
 * milliseconds until it wants its next look.
 */
int	smtpd_stress_init(struct smtpd_pool *);
int	smtpd_stress_look(struct smtpd_pool *);
/*
 * The waiting room (smtpd_room.c): in stress mode the worker in `slot'
 * that accepted fd on `port' greets it and further clients at once and serves first
 * whichever completes a command line; the others wait without a worker
 * each, and end after SMTPD_STRESS_LINE_MS without one.  Returns when
 * the room is empty; the sessions served.
 */
int	smtpd_room_wanted(const struct smtpd_pool *, size_t port);
long	smtpd_room(struct smtpd_pool *, size_t slot, size_t port, int fd);
/* One session on fd (smtpd_worker.c); greeted: the room sent the
 * greeting and read `preread' since. */
void	smtpd_serve(struct smtpd_pool *, size_t port, int fd, int greeted,
	    const char *preread, size_t npreread);

/* Runs a worker in slot i until it has served its share; never returns. */
void	smtpd_worker(struct smtpd_pool *, size_t slot) __attribute__((noreturn));
/* Gives up root for RunAsUser or the queue's owner, as workers do. */
void	smtpd_drop_privileges(const struct smtpd_pool *);
/* PR_SET_PDEATHSIG again after a change of uid (exits when the master
 * is gone already). */
void	smtpd_rearm_deathsig(const struct smtpd_pool *);

/*
 * Privilege separation of the workers (smtpd_privsep.c): wanted when
 * MAILSYS_PRIVSEP=1 and they would otherwise keep root.  _start, in a
 * worker still root: opens the maps, forks its queue writer and becomes
 * DefaultUser (exits 71 when it cannot).  _deliver: the writer starts
 * the delivery of a message it committed; -1 when not separated.
 * _stale: a map file was rebuilt since (the worker should leave, for a
 * fresh one to open it).  _file_ids: who writes the queue files.
 */
int	smtpd_privsep_wanted(const struct smtpd_pool *);
void	smtpd_privsep_start(struct smtpd_pool *);
int	smtpd_privsep_on(void);
int	smtpd_privsep_deliver(const struct smtpd_ctx *, size_t path,
	    const char *id);
int	smtpd_privsep_stale(struct smtpd_pool *);
void	smtpd_privsep_file_ids(uid_t *, gid_t *);

/* Runs delivery agent i until it has delivered its share; never returns. */
void	smtpd_agent(struct smtpd_pool *, size_t slot) __attribute__((noreturn));
/* The master, once a second: when messages wait and no agent has taken
 * one for a while, forks agents that deliver them and end. */
void	smtpd_agent_rescue(struct smtpd_pool *);
/* Hands a queued message to the agents (one idle, or the backlog while
 * they keep taking messages); -1 when they cannot take it now. */
int	smtpd_agent_handoff(const struct smtpd_ctx *, size_t path,
	    const char *id);

#endif
