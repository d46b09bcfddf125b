/*
 * deliver_exec.c -- the program mailers (P=/path): the local mailer
 * (procmail, mail.local), prog (smrsh) and any other.  The argument
 * vector is the M line's A= with $u, $h, $f and $g expanded for the
 * recipients (all of them in one process when the mailer has F=m, else
 * one process each); the program gets the message on its standard
 * input, only descriptors 0-2, the cf's E= environment, and runs as U=,
 * the user of the .forward or :include: that named it, or DefaultUser
 * unless the mailer has F=S (dlv_run_as).  Its exit status says how
 * each recipient fared.  Our own mail.local is not executed but run in
 * a forked child (deliver_ml.c) set up the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deliver.h"
#include "lib/arr.h"
#include "lib/fdio.h"
#include "lib/str.h"
#include "lib/xalloc.h"

#define EX_OK		0
#define EX_TEMPFAIL	75

static const struct {
	int		 status;
	const char	*text;
	const char	*dsn;
} exits[] = {
	{ 0, "Sent", "2.0.0" },
	{ 64, "Bad usage", "5.5.4" },
	{ 65, "Data format error", "5.6.0" },
	{ 66, "Cannot open input", "5.3.0" },
	{ 67, "User unknown", "5.1.1" },
	{ 68, "Host unknown", "5.1.2" },
	{ 69, "Service unavailable", "5.5.0" },
	{ 70, "Internal error", "5.3.0" },
	{ 71, "Operating system error", "4.0.0" },
	{ 72, "System file missing", "5.3.0" },
	{ 73, "Can't create output", "5.3.0" },
	{ 74, "I/O error", "4.0.0" },
	{ 75, "Deferred", "4.0.0" },
	{ 76, "Remote protocol error", "5.5.0" },
	{ 77, "Insufficient permission", "5.7.1" },
	{ 78, "Local configuration error", "5.3.5" },
	{ -1, "Unknown mailer error", "5.0.0" }
};

const char *
dlv_exit_text(int status)
{
	int i;

	for (i = 0; exits[i].status != -1; i++)
		if (exits[i].status == status)
			break;
	return exits[i].text;
}

const char *
dlv_exit_dsn(int status)
{
	int i;

	for (i = 0; exits[i].status != -1; i++)
		if (exits[i].status == status)
			break;
	return exits[i].dsn;
}

/*
 * The A= vector for these recipients; $u words repeat with F=m.  F=f
 * (F=r) puts "-f $g" ("-r $g") after the program's name, as sendmail's
 * queue runs do.
 */
static void
build_argv(struct cf *cf, const struct cf_mailer_info *m,
    const struct dlv_rcpt *r, size_t n, int no_fflag, struct strarr *argv)
{
	struct buf ex;
	size_t i, k;

	buf_init(&ex, 0);
	for (i = 0; i < m->argc; i++) {
		const char *w = m->argv[i];
		int per_rcpt = strstr(w, "\201u") != NULL;

		if (i == 1 && !no_fflag && (m->flags['f'] || m->flags['r'])) {
			strarr_push(argv, m->flags['f'] ? "-f" : "-r");
			cf_macro_expand(cf, "\201g", &ex);
			strarr_push(argv, buf_cstr(&ex));
		}
		for (k = 0; k < (per_rcpt ? n : 1); k++) {
			cf_macro_define(cf, "u", r[k].user);
			cf_macro_define(cf, "h", r[k].host);
			cf_macro_expand(cf, w, &ex);
			strarr_push(argv, buf_cstr(&ex));
		}
	}
	buf_free(&ex);
}

/*
 * A pipe's ends moved to 3 and up: with 0, 1 or 2 closed (a delivery
 * child of -bs) a pipe may get one, and the child's dup2 onto itself
 * would keep its close-on-exec.
 */
static void
above_stdio(int fds[2])
{
	int i, fd;

	for (i = 0; i < 2; i++)
		if (fds[i] < 3 && (fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) !=
		    -1) {
			(void)close(fds[i]);
			fds[i] = fd;
		}
}

/* What the program runs as and with: worked out before the fork. */
struct spawn {
	char	**argv, **envp;
	const char *path;
	int	 in, out;
	int	 setids;		/* 0: keeps ours (not root, or F=S) */
	int	 ml;			/* our mail.local: fork, no exec */
	struct dlv_ids ids;		/* dlv_run_as */
};

/* The program's environment: AGENT and the cf's E lines. */
static void
build_env(struct cf *cf, struct strarr *env)
{
	const char *e;
	size_t i;

	strarr_push(env, "AGENT=sendmail");
	for (i = 0; (e = cf_env_line(cf, i)) != NULL; i++) {
		if (strchr(e, '=') != NULL)
			strarr_push(env, e);
		else if (getenv(e) != NULL) {	/* "E NAME": passed on */
			struct buf b;

			buf_init(&b, 0);
			(void)buf_printf(&b, "%s=%s", e, getenv(e));
			strarr_push(env, buf_cstr(&b));
			buf_free(&b);
		}
	}
}

/*
 * The child between vfork and exec shares the parent's memory: only
 * system calls here, no allocation, and the ids changed with the raw
 * calls (glibc's wrappers would look at the parent's threads).  For our
 * mail.local (a fork) the same steps come before its delivery code.
 */
static void __attribute__((noreturn))
child(const struct spawn *sp)
{
	struct sigaction sa;

	(void)dup2(sp->in, 0);
	(void)dup2(sp->out, 1);
	(void)dup2(sp->out, 2);
	fdio_close_from(3);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGPIPE, &sa, NULL);
	if (sp->setids && (syscall(SYS_setgroups, (size_t)sp->ids.ngroups,
	    sp->ids.groups) == -1 || syscall(SYS_setgid, sp->ids.gid) == -1 ||
	    syscall(SYS_setuid, sp->ids.uid) == -1))
		_exit(71);
	if (chdir("/") == -1)
		_exit(71);
	if (sp->ml)
		dlv_ml_run(sp->argv, sp->envp);
	(void)execve(sp->path, sp->argv, sp->envp);
	_exit(errno == ENOENT ? 69 : 71);
}

/* vfork: no copy of our page tables per delivery; the child execs.
 * Our mail.local needs a fork, which is still cheaper than its exec;
 * our buffered output is written first, not twice. */
static pid_t
spawn(const struct spawn *sp)
{
	pid_t pid;

	if (sp->ml) {
		(void)fflush(stdout);
		(void)fflush(stderr);
	}
	pid = sp->ml ? fork() : vfork();

	if (pid == 0)
		child(sp);
	return pid;
}

/* Runs one process for recipients r[0..n); sets their outcome. */
static void
run_one(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, struct dlv_rcpt *r, size_t n)
{
	struct strarr argv = { 0 }, env = { 0 };
	struct spawn sp;
	struct buf said;
	struct err err;
	int in[2], out[2], st, status;
	pid_t pid;
	char chunk[4096];
	ssize_t got;
	size_t i;

	buf_init(&said, 4096);
	cf_macro_define(dm->cf, "f", sender);
	cf_macro_define(dm->cf, "g", sender);	/* $g of the A= vector */
	build_argv(dm->cf, m, r, n, dm->no_fflag, &argv);
	build_env(dm->cf, &env);
	memset(&sp, 0, sizeof(sp));
	sp.argv = argv.v;
	sp.envp = env.v;
	sp.path = m->path;
	sp.setids = dlv_run_as(dm->cf, m, r, &sp.ids);
	sp.ml = dlv_ml_ours(m->path);
	/* our mail.local keeping our ids: no child at all */
	if (sp.ml && !sp.setids && (status = dlv_ml_inproc(dm, m, sender,
	    argv.v, env.v, &said)) >= 0) {
		dlv_ids_free(&sp.ids);
		goto done;
	}
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		dlv_ids_free(&sp.ids);
		status = EX_TEMPFAIL;
		goto set;
	}
	above_stdio(in);
	above_stdio(out);
	sp.in = in[0];
	sp.out = out[1];
	pid = spawn(&sp);
	dlv_ids_free(&sp.ids);
	(void)close(in[0]);
	(void)close(out[1]);
	if (pid == -1) {
		(void)close(in[1]);
		(void)close(out[0]);
		status = EX_TEMPFAIL;
		goto set;
	}
	err_clear(&err);
	(void)signal(SIGPIPE, SIG_IGN);
	if (m->flags['z']) {
		/* LMTP: each recipient's own reply decides */
		dlv_lmtp(dm, m, sender, in[1], out[0], r, n);
		(void)close(in[1]);
		(void)close(out[0]);
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
		strarr_free(&argv);
		strarr_free(&env);
		buf_free(&said);
		return;
	}
	(void)dlv_write_message(dm, m, sender, in[1], &err);
	(void)close(in[1]);
	while ((got = read(out[0], chunk, sizeof(chunk))) > 0 ||
	    (got == -1 && errno == EINTR))
		if (got > 0)
			(void)buf_add(&said, chunk, (size_t)got);
	(void)close(out[0]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(st)) {
		status = EX_TEMPFAIL;
		goto set;
	}
	status = WEXITSTATUS(st);
done:
	if (status == EX_TEMPFAIL) {
		/* sendmail says who deferred it, whatever the program said
		 * (that goes to a notice's transcript) */
		buf_reset(&said);
		(void)buf_printf(&said, "Deferred: %s mailer (%s) exited with "
		    "EX_TEMPFAIL", m->name, m->path);
	}
set:
	for (i = 0; i < n; i++) {
		r[i].status = status;
		(void)snprintf(r[i].dsn, sizeof(r[i].dsn), "%s",
		    dlv_exit_dsn(status));
		free(r[i].text);
		str_rtrim(said.data ? said.data : (char *)"");
		r[i].text = xstrdup(said.len > 0 && status != EX_OK ?
		    buf_cstr(&said) : dlv_exit_text(status));
	}
	strarr_free(&argv);
	strarr_free(&env);
	buf_free(&said);
}

void
dlv_exec(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, struct dlv_rcpt *r, size_t n)
{
	size_t i;

	if (m->flags['m'])
		run_one(dm, m, sender, r, n);
	else
		for (i = 0; i < n; i++)
			run_one(dm, m, sender, r + i, 1);
}
