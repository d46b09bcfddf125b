/*
 * smtpd_agent.c -- the daemon's delivery agents: long-lived processes
 * that deliver each message right after its 250 (DeliveryMode
 * background), so neither the session nor the delivery pays a fork per
 * message, and an agent's SMTP client keeps its connections open for
 * the next message to the same host.
 *
 * A worker hands over a queued message by sending one datagram, "path
 * id", on a socket whose other end all agents read.  It does so only
 * while an agent is idle (a byte per agent in shared memory); otherwise,
 * or when the send fails, it forks a delivery child as before, so a
 * stalled remote host never keeps a message waiting for an agent.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtpd_daemon.h"
#include "deliver/deliver.h"
#include "qrun/qrun.h"

#define AGENT_MSG_MAX	256	/* "path id": a number and a queue id */
#define AGENT_TICK_MS	1000	/* how often idle cached connections are
				   checked for ConnectionCacheTimeout */

int
smtpd_agent_handoff(const struct smtpd_ctx *ctx, size_t path,
    const char *id)
{
	char msg[AGENT_MSG_MAX];
	size_t i;
	int n;

	if (ctx->agent_fd < 0 || ctx->agent_slots == NULL)
		return -1;
	for (i = 0; i < ctx->nagents; i++)
		if (ctx->agent_slots[i] == SLOT_IDLE)
			break;
	if (i == ctx->nagents)
		return -1;		/* all busy: fork instead */
	n = snprintf(msg, sizeof(msg), "%zu %s", path, id);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	if (send(ctx->agent_fd, msg, (size_t)n, MSG_DONTWAIT) != n)
		return -1;
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

void
smtpd_agent(struct smtpd_pool *pool, size_t slot)
{
	const struct smtpd_ctx *ctx = pool->ctx;
	char msg[AGENT_MSG_MAX];
	struct qrun_opts qo;
	struct pollfd pfd;
	const char *id;
	long served = 0;
	size_t i, path;
	ssize_t n;

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
	dlv_smtp_cache_open(ctx->cf);
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
		msg[n] = '\0';
		if (parse_handoff(msg, &path, &id) == -1 ||
		    path >= ctx->qdirs->npaths)
			continue;
		memset(&qo, 0, sizeof(qo));
		(void)qrun_message(ctx->cf, ctx->qdirs, path, id, &qo);
		served++;
	}
	pool->agent_slots[slot] = SLOT_FREE;
	dlv_smtp_cache_close();
	_exit(0);
}
