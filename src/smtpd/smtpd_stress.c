/*
 * smtpd_stress.c -- the daemon's stress mode (a deliberate difference
 * from sendmail, which has none; doc/differences.md).  The master looks
 * at the pool about once a second: when (nearly) every worker has a
 * client and connections wait in a listen queue, it sets a byte in
 * memory shared with the workers, and keeps it set for a few seconds
 * after the last such look (clients in the workers' waiting rooms count
 * as waiting: smtpd_room.c).  While it is set, a session whose client
 * has not completed a command line within SMTPD_STRESS_LINE_MS of the
 * line's start ends as a command timeout does (smtpd_io.c), so slow
 * clients cannot hold every worker while others wait.  Like Postfix's
 * stress-adaptive smtpd_timeout with its per-request deadline.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <syslog.h>
#include <time.h>

#include "smtpd_daemon.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define STRESS_HOLD_S	5	/* stays on after the last stressed look */
#define STRESS_LOG_S	60	/* the master says so at most this often */
#define STRESS_LOOK_MS	1000	/* the master's next look, */
#define STRESS_FULL_LOOK_MS 100	/* ... and with every worker busy */

int
smtpd_stress_init(struct smtpd_pool *pool)
{
	void *p = mmap(NULL, sizeof(*pool->stress) + (pool->nslots + 1) *
	    sizeof(pool->stress->roomed[0]), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		pool->stress = NULL;
		return -1;
	}
	pool->stress = p;
	pool->stress->on = 0;	/* and roomed[] zeroes, as mapped */
	return 0;
}

/* 1 when a connection waits to be accepted on one of the ports. */
static int
backlog_waiting(const struct smtpd_pool *pool)
{
	struct pollfd *pfd;
	size_t i;
	int n;

	pfd = xcalloc(pool->nports, sizeof(*pfd));
	for (i = 0; i < pool->nports; i++) {
		pfd[i].fd = pool->ports[i].fd;
		pfd[i].events = POLLIN;
	}
	n = poll(pfd, pool->nports, 0);
	free(pfd);
	return n > 0;
}

int
smtpd_stress_look(struct smtpd_pool *pool)
{
	static time_t until, said;
	size_t i, busy = 0, roomed = 0, margin = pool->nslots / 32;
	time_t now = time(NULL);

	if (pool->stress == NULL || pool->nslots == 0)
		return STRESS_LOOK_MS;
	for (i = 0; i < pool->nslots; i++) {
		if (pool->pids[i] == 0) {
			/* a worker gone with clients in its room */
			pool->stress->roomed[i] = 0;
			continue;
		}
		if (pool->slots[i] == SLOT_BUSY)
			busy++;
		roomed += pool->stress->roomed[i];
	}
	if (busy + margin < pool->nslots) {
		if (pool->stress->on && now >= until)
			pool->stress->on = 0;
		return STRESS_LOOK_MS;
	}
	if (roomed > 0 || backlog_waiting(pool)) {
		if (!pool->stress->on && now - said >= STRESS_LOG_S) {
			said = now;
			log_plain(LOG_NOTICE, "daemon %s: stress: %zu of %zu "
			    "children busy and connections waiting; command "
			    "lines must complete within %d ms",
			    pool->ports[0].name, busy, pool->nslots,
			    SMTPD_STRESS_LINE_MS);
		}
		until = now + STRESS_HOLD_S;
		pool->stress->on = 1;
	} else if (pool->stress->on && now >= until)
		pool->stress->on = 0;
	return STRESS_FULL_LOOK_MS;
}
