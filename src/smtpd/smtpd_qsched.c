/*
 * smtpd_qsched.c -- the daemon's queue runs (-q1h with -bd, or the
 * queue-only daemon): each queue group is run on its own interval (its
 * Q line's I=, else the -q interval) by a child that runs that group
 * only, at its N= nice, with at most R= (else MaxRunnersPerQueue, 1
 * without either) runners of the group alive at once.  Owns the
 * per-group schedule and runner pids; the master calls tick once a
 * second and reaped for each child it reaps.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "smtpd_daemon.h"
#include "qrun/qrun.h"
#include "lib/xalloc.h"

struct smtpd_qsched {
	time_t	 next;		/* the group's next run */
	long	 interval;
	size_t	 max;		/* runners at once */
	pid_t	*pids;		/* max of them, 0 free */
};

/* A child that runs group g once, then exits. */
static pid_t
run_group(struct smtpd_pool *pool, size_t g)
{
	const struct queue_group *qg = &pool->ctx->qdirs->groups[g];
	struct queue_list_opts lo;
	struct qrun_opts qo;
	uid_t uid;
	gid_t gid;
	pid_t pid = smtpd_fork_child();

	if (pid != 0)
		return pid;	/* -1: tried again at the next interval */
	(void)signal(SIGCHLD, SIG_DFL);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (pool->agent_fds[0] != -1) {
		(void)close(pool->agent_fds[0]);
		(void)close(pool->agent_fds[1]);
	}
	if (qg->nice != 0) {
		int prio = nice(qg->nice);

		(void)prio;	/* a failed nice: the daemon's priority */
	}
	/* RunAsUser: queue runs too, as sendmail's, are not root */
	if (smtpd_runas_user(pool->cf, &uid, &gid))
		smtpd_drop_privileges(pool);
	memset(&lo, 0, sizeof(lo));
	memset(&qo, 0, sizeof(qo));
	/* one group alone only when there are several */
	if (pool->ctx->qdirs->ngroups > 1) {
		lo.group = xstrdup(qg->name);
		qo.filter = &lo;
	}
	(void)qrun_queue(pool->cf, &qo);
	_exit(0);
}

static void
setup(struct smtpd_pool *pool)
{
	const struct queue_dirs *d = pool->ctx->qdirs;
	const char *v = cf_option_value(pool->cf, "MaxRunnersPerQueue");
	long dflt = v != NULL && atol(v) > 0 ? atol(v) : 1;
	size_t g;

	pool->nqsched = d->ngroups;
	pool->qsched = xcalloc(d->ngroups, sizeof(*pool->qsched));
	for (g = 0; g < d->ngroups; g++) {
		struct smtpd_qsched *s = &pool->qsched[g];

		s->interval = d->groups[g].interval > 0 ?
		    d->groups[g].interval : pool->ctx->queue_interval;
		s->max = (size_t)(d->groups[g].runners > 0 ?
		    d->groups[g].runners : dflt);
		s->pids = xcalloc(s->max, sizeof(*s->pids));
	}
}

void
smtpd_qsched_tick(struct smtpd_pool *pool)
{
	time_t now = time(NULL);
	size_t g, i;

	if (pool->ctx->queue_interval <= 0)
		return;
	if (pool->qsched == NULL)
		setup(pool);
	for (g = 0; g < pool->nqsched; g++) {
		struct smtpd_qsched *s = &pool->qsched[g];

		if (now < s->next)
			continue;
		s->next = now + s->interval;
		for (i = 0; i < s->max && s->pids[i] != 0; i++)
			;
		if (i == s->max)
			continue;	/* R= runners still at work */
		if ((s->pids[i] = run_group(pool, g)) == -1)
			s->pids[i] = 0;
	}
}

void
smtpd_qsched_reaped(struct smtpd_pool *pool, pid_t pid)
{
	size_t g, i;

	for (g = 0; g < pool->nqsched; g++)
		for (i = 0; i < pool->qsched[g].max; i++)
			if (pool->qsched[g].pids[i] == pid)
				pool->qsched[g].pids[i] = 0;
}
