/*
 * smtpd_deliver.c -- delivery right after a message is queued
 * (DeliveryMode background, sendmail's default): an idle delivery agent
 * of the daemon takes it (smtpd_agent.c), else a child process takes
 * the message through the queue run code while the session goes on.
 * Finished children are reaped before the next one is forked (so their
 * time is accounted to us, and a session's own waitpid calls still
 * work); a message whose child dies stays queued for the next run.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smtpd_daemon.h"
#include "qrun/qrun.h"

void
smtpd_deliver_now(struct smtpd_ctx *ctx, size_t path, const char *id)
{
	struct qrun_opts qo;
	size_t i;
	pid_t pid;

	if (smtpd_agent_handoff(ctx, path, id) == 0 ||
	    smtpd_privsep_deliver(ctx, path, id) == 0)
		return;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	pid = fork();
	if (pid != 0)
		return;		/* the session goes on; -1: the queue run will */
	(void)signal(SIGTERM, SIG_DFL);
	(void)close(ctx->fd_in);
	if (ctx->fd_out != ctx->fd_in)
		(void)close(ctx->fd_out);
	/* a long delivery must not keep the daemon's ports (a restart
	 * binds them again) */
	for (i = 0; i < ctx->nlisten; i++)
		(void)close(ctx->listen_fds[i]);
	if (ctx->agent_slots != NULL)	/* agents end when no one writes */
		(void)close(ctx->agent_fd);
	memset(&qo, 0, sizeof(qo));
	qo.out = NULL;
	qo.after_smtp = ctx->delivery_mode;
	(void)qrun_message(ctx->cf, ctx->qdirs, path, id, &qo);
	_exit(0);
}
