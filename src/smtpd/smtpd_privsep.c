/*
 * smtpd_privsep.c -- privilege separation of the daemon's workers
 * (doc/privsep.md).  Without RunAsUser and with a queue folder only
 * root may write (CentOS's default), a worker would keep root while it
 * parses SMTP from the network.  With separation on, each worker, still
 * root just after its fork, opens the cf's map files, forks its queue
 * writer, and gives root up for DefaultUser before it accepts a
 * connection.  The writer keeps root and never holds a client's socket:
 * it creates and commits the worker's queue files (queue_remote.c),
 * adds the worker's counts to the statistics file, runs the SASL
 * library's calls of an AUTH exchange (smtpd_authsep.c), and forks the
 * delivery child of DeliveryMode background when no agent is idle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "smtpd_daemon.h"
#include "smtpd_int.h"
#include "cf/cf.h"
#include "deliver/deliver.h"
#include "queue/queue.h"
#include "qrun/qrun.h"
#include "stats/stats.h"
#include "lib/log.h"

static int on;			/* this worker is separated */
static pid_t writer;		/* its queue writer */
static int help_fd = -1;	/* the HelpFile, opened while root */
static uid_t file_uid;		/* whom its queue files are written as */
static gid_t file_gid;

int
smtpd_privsep_wanted(const struct smtpd_pool *pool)
{
	return dlv_privsep() && geteuid() == 0 && pool->uid == 0;
}

int
smtpd_privsep_on(void)
{
	return on;
}

void
smtpd_privsep_file_ids(uid_t *uid, gid_t *gid)
{
	*uid = on ? file_uid : geteuid();
	*gid = on ? file_gid : getegid();
}

/* ---- the writer, root ---- */

struct writer {
	struct smtpd_pool	*pool;
	int			 fd;
};

static void
writer_stats(void *arg, const unsigned char *p, size_t n)
{
	struct writer *w = arg;

	if (stats_add_pending(p, n) == 0)
		stats_flush(w->pool->cf);
}

/* The delivery child a worker would have forked (smtpd_deliver.c). */
static int
writer_deliver(void *arg, size_t path, const char *id)
{
	struct writer *w = arg;
	struct qrun_opts qo;
	pid_t pid;

	pid = fork();
	if (pid != 0)
		return pid == -1 ? -1 : 0;
	(void)close(w->fd);
	memset(&qo, 0, sizeof(qo));
	qo.after_smtp = w->pool->ctx->delivery_mode;
	(void)qrun_message(w->pool->cf, w->pool->ctx->qdirs, path, id, &qo);
	_exit(0);
}

/* A worker's AUTH exchange, run as root (smtpd_authsep.c). */
static int
writer_call(void *arg, const unsigned char *p, size_t n, struct buf *out)
{
	(void)arg;
	return smtpd_authsep_serve(p, n, out);
}

static void
writer_idle(void *arg)
{
	(void)arg;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;	/* delivery children */
}

static void __attribute__((noreturn))
writer_main(struct smtpd_pool *pool, int fd)
{
	struct queue_remote_hooks h;
	struct writer w;
	size_t i;

	/* it never serves a client: no ports, no pipe to the master, and
	 * the agents must see their socket's writers go with the workers */
	for (i = 0; i < pool->nports; i++)
		(void)close(pool->listen_fds[i]);
	(void)close(pool->notify[1]);
	if (pool->agent_fds[1] != -1)
		(void)close(pool->agent_fds[1]);
	w.pool = pool;
	w.fd = fd;
	memset(&h, 0, sizeof(h));
	h.stats = writer_stats;
	h.deliver = writer_deliver;
	h.idle = writer_idle;
	h.call = writer_call;
	h.arg = &w;
	(void)queue_remote_serve(pool->ctx->qdirs, fd, pool->ctx->file_mode,
	    &h);
	_exit(0);
}

/* ---- the worker ---- */

static void
worker_stats(const unsigned char *p, size_t n, void *arg)
{
	struct err err;

	if (queue_remote_stats(arg, p, n, &err) == -1)
		log_plain(LOG_INFO, "poststats: %s", err.msg);
}

void
smtpd_privsep_start(struct smtpd_pool *pool)
{
	struct queue_dirs *d = pool->ctx->qdirs;
	uid_t uid;
	gid_t gid;
	const char *help;
	int sv[2];
	pid_t pid = -1;

	dlv_default_ids(pool->cf, &uid, &gid);
	if (uid == 0 || gid == 0) {
		log_plain(LOG_ERR, "SYSERR(root): DefaultUser is root: "
		    "workers keep root");
		return;
	}
	/* what a worker reads from files, opened now: maps, HelpFile */
	cf_maps_preopen(pool->cf);
	if ((help = cf_option_value(pool->cf, "HelpFile")) != NULL)
		help_fd = open(help, O_RDONLY | O_CLOEXEC);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1 ||
	    (pid = fork()) == -1) {
		log_plain(LOG_ERR, "SYSERR(root): daemon: no queue writer: %s",
		    strerror(errno));
		_exit(71);
	}
	if (pid == 0) {
		(void)close(sv[0]);
		writer_main(pool, sv[1]);
	}
	(void)close(sv[1]);
	writer = pid;
	queue_dirs_remote(d, sv[0]);
	stats_set_sink(worker_stats, d);
	file_uid = geteuid();
	file_gid = getegid();
	if (dlv_become_default_user(pool->cf) == -1) {
		log_plain(LOG_ERR, "SYSERR(root): cannot drop privileges to "
		    "uid %ld: %s", (long)uid, strerror(errno));
		_exit(71);
	}
	smtpd_rearm_deathsig(pool);
	on = 1;
}

FILE *
smtpd_help_open(const char *path)
{
	FILE *f;
	int fd;

	if (!on || help_fd == -1)
		return fopen(path, "r");
	if ((fd = dup(help_fd)) == -1)
		return NULL;
	/* one offset for both descriptors: each HELP reads from the top */
	if (lseek(fd, 0, SEEK_SET) == -1 || (f = fdopen(fd, "r")) == NULL) {
		(void)close(fd);
		return NULL;
	}
	return f;
}

int
smtpd_privsep_deliver(const struct smtpd_ctx *ctx, size_t path,
    const char *id)
{
	struct err err;

	if (!on)
		return -1;
	/* not started: the message waits in the queue for the next run */
	if (queue_remote_deliver(ctx->qdirs, path, id, &err) == -1)
		log_msg(LOG_ERR, id, "SYSERR(root): %s", err.msg);
	return 0;
}

int
smtpd_privsep_stale(struct smtpd_pool *pool)
{
	pid_t pid;
	int gone = 0;

	if (!on)
		return 0;
	/* a separated worker's only child is its writer */
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		if (pid == writer)
			gone = 1;
	if (gone)
		log_plain(LOG_ERR, "SYSERR(root): daemon: queue writer %ld "
		    "ended", (long)writer);
	return gone || cf_maps_changed(pool->cf);
}
