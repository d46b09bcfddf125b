/*
 * smtpd_agent.c -- the daemon's delivery agents: long-lived processes
 * that deliver each message right after its 250 (DeliveryMode
 * background), so neither the session nor the delivery pays a fork per
 * message, and an agent's SMTP client keeps its connections open for
 * the next message to the same host.
 *
 * A worker hands over a queued message by sending one datagram, "path
 * id", on a socket whose other end all agents read.  It does so while
 * an agent is idle (a byte per agent in shared memory), or, when all
 * are busy, into a backlog as long as the agents keep taking messages
 * and at their pace the backlog goes within AGENT_WAIT_MAX_US: a burst
 * for the local mailer, whose deliveries wait for each other on the
 * mailbox lock anyway, is then delivered by the agents one after the
 * other instead of by a forked child per message (doc/process-model.md).
 * When the backlog would wait longer, no agent has taken a message for
 * AGENT_STALL_US (a stalled remote host), or the send fails (the
 * socket's buffer is full), the worker forks a delivery child as
 * before; and what already waits behind agents that got stuck is taken
 * by rescue agents the master forks, which end once the backlog is
 * empty.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "smtpd_daemon.h"
#include "deliver/deliver.h"
#include "qrun/qrun.h"

#define AGENT_MSG_MAX	256	/* "path id": a number and a queue id */
#define AGENT_TICK_MS	1000	/* how often idle cached connections are
				   checked for ConnectionCacheTimeout */
#define AGENT_WAIT_MAX_US 2000000L /* a message waits for an agent about
				   this long at most, else a child is forked */
#define AGENT_STALL_US	1000000L /* no take for this long: the agents are
				   stuck (a slow remote host), fork */
#define AGENT_GAP_MAX_US 10000000L

static long
now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Whether the agents can take one more message now: one is idle, or
 * they are taking messages and the ones already waiting will be taken
 * within AGENT_WAIT_MAX_US at the pace they go.  Should they get stuck
 * after all, the master's rescue agents take the backlog.
 */
static int
agents_can_take(const struct smtpd_ctx *ctx)
{
	struct smtpd_agent_board *b = ctx->agent_board;
	long pending = __atomic_load_n(&b->pending, __ATOMIC_RELAXED);
	long gap = __atomic_load_n(&b->gap_us, __ATOMIC_RELAXED);
	size_t i;

	for (i = 0; i < ctx->nagents; i++)
		if (ctx->agent_slots[i] == SLOT_IDLE)
			return 1;
	if (now_us() - __atomic_load_n(&b->last_take_us, __ATOMIC_RELAXED) >
	    AGENT_STALL_US)
		return 0;
	if (gap <= 0)		/* pace not known yet: one each */
		return pending < (long)ctx->nagents;
	return pending < AGENT_WAIT_MAX_US / gap;
}

/* An agent took a message: the backlog's count and pace. */
static void
agent_took(struct smtpd_agent_board *b)
{
	long left = __atomic_sub_fetch(&b->pending, 1, __ATOMIC_RELAXED);
	long now = now_us(), prev, gap, mean;

	prev = __atomic_exchange_n(&b->last_take_us, now, __ATOMIC_RELAXED);
	if (left <= 0 || prev == 0)
		return;		/* not a backlog: says nothing of its pace */
	gap = now - prev > AGENT_GAP_MAX_US ? AGENT_GAP_MAX_US : now - prev;
	mean = __atomic_load_n(&b->gap_us, __ATOMIC_RELAXED);
	__atomic_store_n(&b->gap_us, mean + (gap - mean) / 8,
	    __ATOMIC_RELAXED);
}

int
smtpd_agent_handoff(const struct smtpd_ctx *ctx, size_t path,
    const char *id)
{
	char msg[AGENT_MSG_MAX];
	int n;

	if (ctx->agent_fd < 0 || ctx->agent_slots == NULL ||
	    ctx->agent_board == NULL || !agents_can_take(ctx))
		return -1;		/* fork instead */
	n = snprintf(msg, sizeof(msg), "%zu %s", path, id);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	(void)__atomic_add_fetch(&ctx->agent_board->pending, 1,
	    __ATOMIC_RELAXED);
	if (send(ctx->agent_fd, msg, (size_t)n, MSG_DONTWAIT) != n) {
		(void)__atomic_sub_fetch(&ctx->agent_board->pending, 1,
		    __ATOMIC_RELAXED);
		return -1;
	}
	return 0;
}

/* "path id" as sent above; -1 for anything else. */
static int
parse_handoff(char *msg, size_t *path, const char **id)
{
	char *end;
	unsigned long p;

	errno = 0;
	p = strtoul(msg, &end, 10);
	if (errno != 0 || end == msg || *end != ' ' || end[1] == '\0' ||
	    strchr(end + 1, '/') != NULL || strchr(end + 1, ' ') != NULL)
		return -1;
	*path = (size_t)p;
	*id = end + 1;
	return 0;
}

/* What every agent does first: the default signals, none of the
 * master's descriptors but the socket it reads, not root. */
static void
agent_setup(struct smtpd_pool *pool)
{
	size_t i;

	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	(void)signal(SIGCHLD, SIG_DFL);	/* its mailers are waited for */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != pool->master)
		_exit(0);
	(void)close(pool->notify[0]);
	(void)close(pool->notify[1]);
	(void)close(pool->agent_fds[1]);
	/* a long delivery must not keep the daemon's ports bound */
	for (i = 0; i < pool->nports; i++)
		(void)close(pool->listen_fds[i]);
	smtpd_drop_privileges(pool);
	dlv_smtp_cache_open(pool->ctx->cf);
}

/* Delivers the message of a handoff datagram of n bytes in msg. */
static void
agent_deliver(struct smtpd_pool *pool, char *msg, size_t n)
{
	const struct smtpd_ctx *ctx = pool->ctx;
	struct qrun_opts qo;
	const char *id;
	size_t path;

	agent_took(pool->agent_board);
	msg[n] = '\0';
	if (parse_handoff(msg, &path, &id) == -1 ||
	    path >= ctx->qdirs->npaths)
		return;
	memset(&qo, 0, sizeof(qo));
	qo.after_smtp = ctx->delivery_mode;
	(void)qrun_message(ctx->cf, ctx->qdirs, path, id, &qo);
}

void
smtpd_agent(struct smtpd_pool *pool, size_t slot)
{
	char msg[AGENT_MSG_MAX];
	struct pollfd pfd;
	long served = 0;
	ssize_t n;

	agent_setup(pool);
	pfd.fd = pool->agent_fds[0];
	pfd.events = POLLIN;
	while (served < pool->per_worker) {
		pool->agent_slots[slot] = SLOT_IDLE;
		if (dlv_smtp_cache_count() > 0 &&
		    poll(&pfd, 1, AGENT_TICK_MS) == 0) {
			dlv_smtp_cache_expire();
			continue;
		}
		n = recv(pool->agent_fds[0], msg, sizeof(msg) - 1, 0);
		if (n <= 0) {
			if (n == 0 || errno != EINTR)
				break;
			continue;
		}
		pool->agent_slots[slot] = SLOT_BUSY;
		agent_deliver(pool, msg, (size_t)n);
		served++;
	}
	pool->agent_slots[slot] = SLOT_FREE;
	dlv_smtp_cache_close();
	_exit(0);
}

/*
 * A rescue agent: takes what waits in the backlog while the agents are
 * stuck, and ends when nothing is left.
 */
static void __attribute__((noreturn))
agent_rescue(struct smtpd_pool *pool)
{
	char msg[AGENT_MSG_MAX];
	ssize_t n;

	agent_setup(pool);
	while ((n = recv(pool->agent_fds[0], msg, sizeof(msg) - 1,
	    MSG_DONTWAIT)) > 0 || (n == -1 && errno == EINTR))
		if (n > 0)
			agent_deliver(pool, msg, (size_t)n);
	dlv_smtp_cache_close();
	_exit(0);
}

void
smtpd_agent_rescue(struct smtpd_pool *pool)
{
	struct smtpd_agent_board *b = pool->agent_board;
	struct pollfd pfd;
	long pending;
	size_t i;
	pid_t pid;

	if (b == NULL || now_us() - __atomic_load_n(&b->last_take_us,
	    __ATOMIC_RELAXED) <= AGENT_STALL_US)
		return;
	/* the socket itself says whether messages wait (the count is a
	 * hint: a worker killed between its count and its send) */
	pfd.fd = pool->agent_fds[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 1)
		return;
	pending = __atomic_load_n(&b->pending, __ATOMIC_RELAXED);
	if (pending <= 0)
		pending = 1;
	for (i = 0; i < SMTPD_RESCUE_MAX && pending > 0; i++) {
		if (pool->rescue_pids[i] != 0)
			continue;
		pid = smtpd_fork_child();
		if (pid == 0)
			agent_rescue(pool);
		if (pid == -1)
			return;
		pool->rescue_pids[i] = pid;
		pending--;
	}
}
