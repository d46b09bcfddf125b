/*
 * mode_smtp.c -- the receiving modes of sendmail: -bs (one SMTP
 * session on stdin/stdout, as inetd or a local program runs it) and
 * -bd (the daemon).  Both take the queue directories and the options
 * the session needs from the cf.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg/msg.h"
#include "modes.h"
#include "qrun/qrun.h"
#include "smtpd/smtpd.h"

/*
 * Root running -bs or a submission gives up root for RunAsUser (the
 * MSP's submit.cf names smmsp) before it touches the queue.  -1 when
 * that fails.
 */
int
drop_to_runasuser(struct cf *cf)
{
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0 || !smtpd_runas_user(cf, &uid, &gid) || uid == 0)
		return 0;
	if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1) {
		(void)printf("Cannot change to RunAsUser %ld: %s\n", (long)uid,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The session settings every receiving mode shares. */
int
smtp_ctx_init(struct cf *cf, struct smtpd_ctx *ctx, struct queue_dirs *qd,
    struct queue_idgen *g)
{
	const char *q = cf_option_value(cf, "QueueDirectory");
	const char *v;
	struct err err;

	memset(ctx, 0, sizeof(*ctx));
	if (q == NULL) {
		(void)cf_check_queue(cf);
		return -1;
	}
	if (msg_qdirs_open(cf, qd, &err) == -1 ||
	    queue_dirs_hold(qd, &err) == -1) {
		(void)printf("451 4.0.0 %s\n", err.msg);
		return -1;
	}
	queue_id_init(g, (unsigned)(time(NULL) ^ (getpid() << 8)));
	ctx->cf = cf;
	ctx->qdirs = qd;
	ctx->idgen = g;
	ctx->file_mode = 0600;
	if ((v = cf_option_value(cf, "QueueFileMode")) != NULL && *v)
		ctx->file_mode = (int)strtol(v, NULL, 8);
	ctx->max_hdr_len = 32768;
	if ((v = cf_option_value(cf, "MaxHeadersLength")) != NULL && *v)
		ctx->max_hdr_len = (size_t)strtoul(v, NULL, 10);
	v = cf_option_value(cf, "DeliveryMode");
	ctx->delivery_mode = v != NULL && *v ? v[0] : 'b';
	return 0;
}

/* sendmail -bs: the invoking user talks SMTP on stdin and stdout. */
int
mode_bs(struct cf *cf)
{
	struct smtpd_ctx ctx;
	struct smtpd_peer peer;
	struct queue_dirs qd;
	struct queue_idgen g;
	struct passwd *pw = getpwuid(getuid());
	char ident[300];
	int rc;

	if (drop_to_runasuser(cf) == -1)
		return 71;	/* EX_OSERR */
	if (smtp_ctx_init(cf, &ctx, &qd, &g) == -1)
		return 78;	/* EX_CONFIG */
	ctx.fd_in = 0;
	ctx.fd_out = 1;
	ctx.bs = 1;
	memset(&peer, 0, sizeof(peer));
	(void)snprintf(ident, sizeof(ident), "%s@localhost",
	    pw != NULL ? pw->pw_name : "unknown");
	peer.ident = ident;
	peer.daemon_flags = "c u";	/* canonify, allow unqualified */
	rc = smtpd_session(&ctx, &peer);
	queue_dirs_free(&qd);
	return rc == 0 ? 0 : 74;	/* EX_IOERR */
}

/* The daemon: with ports (-bd, -bD in the foreground), or without any
 * when only the queue runs (queue_only). */
static int
daemon_run(struct cf *cf, char **argv, int foreground, long queue_interval,
    int queue_only)
{
	static struct smtpd_ctx ctx;
	static struct queue_dirs qd;
	static struct queue_idgen g;

	if (smtp_ctx_init(cf, &ctx, &qd, &g) == -1)
		return 78;	/* EX_CONFIG */
	ctx.queue_interval = queue_interval;
	ctx.queue_only = queue_only;
	return smtpd_daemon(&ctx, argv, foreground);
}

/* sendmail -bd (in the background) and -bD (in the foreground). */
int
mode_bd(struct cf *cf, char **argv, int foreground, long queue_interval)
{
	return daemon_run(cf, argv, foreground, queue_interval, 0);
}

/* sendmail -q1h without -bd: the daemon with no ports, running the
 * queue at each interval (CentOS's sm-client, DAEMON=no). */
int
mode_queue_daemon(struct cf *cf, char **argv, long queue_interval)
{
	return daemon_run(cf, argv, 0, queue_interval, 1);
}

int
mode_queue_run(struct cf *cf, int verbose, char **qargs, int nqargs)
{
	struct queue_list_opts lo;
	struct qrun_opts qo;
	int i, rc;

	memset(&lo, 0, sizeof(lo));
	for (i = 0; i < nqargs; i++)
		(void)queue_list_filter(&lo, qargs[i]);	/* or an interval */
	memset(&qo, 0, sizeof(qo));
	qo.verbose = verbose;
	qo.out = stdout;
	qo.filter = &lo;
	rc = qrun_queue(cf, &qo);
	queue_list_opts_free(&lo);
	return rc;
}
