/*
 * deliver_ml.c -- the local mailer run without exec when it is our own
 * mail.local: its delivery code (ml_main, src/maillocal) is linked into
 * the agent, and a forked child calls it with the argument vector, the
 * environment, descriptors 0-2, ids and working folder the program
 * would have had.  That saves the program's start-up (exec, the dynamic
 * loader, relocations) on every local delivery; what the recipient,
 * the mailbox and the agent see is the same.
 *
 * "Our own" is by identity, not by name: P= must be the same file
 * (device and inode) as the mail.local beside the running agent
 * (bin/ of a build tree, or the installed sbin/), a regular file
 * without set-user-ID or set-group-ID bits (which the exec would
 * honour and a fork cannot).  Anything else is executed as before.
 *
 * When the child would keep the agent's ids (F=S, or an agent not
 * root) and mail.local would not speak LMTP, the agent runs ml_main
 * itself (dlv_ml_inproc): no child at all.  That is safe because
 * mail.local then runs as the agent anyway, switches only its
 * effective ids and back (a failure to switch back ends the process,
 * as in the child), takes its input from memory and says its errors
 * into memory instead of a pipe, keeps no file open after it returns,
 * and its one exit on a usage error comes back here as a status;
 * whatever of the process it changes (stdio, environment, getopt,
 * umask, working folder, the log's ident, the SIGALRM of a lock wait)
 * is put back.  SIGTERM, SIGHUP and SIGINT wait until it returns, so a
 * stopped agent leaves no half-written message and no dotlock (its own
 * child would have finished the same way).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "deliver.h"
#include "lib/log.h"
#include "maillocal/maillocal.h"

/* the mail.local beside /proc/self/exe; set once, NULL when none */
static int beside_done;
static struct stat beside_st;
static int beside_ok;

static void
find_beside(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n;
	char *slash;

	beside_done = 1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return;
	*slash = '\0';
	n = snprintf(path, sizeof(path), "%s/mail.local", exe);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	beside_ok = stat(path, &beside_st) == 0 &&
	    S_ISREG(beside_st.st_mode);
}

int
dlv_ml_ours(const char *path)
{
	struct stat st;

	if (!beside_done)
		find_beside();
	if (!beside_ok || stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_ISUID | S_ISGID)) != 0 ||
	    (st.st_mode & 0111) == 0)
		return 0;
	return st.st_dev == beside_st.st_dev && st.st_ino == beside_st.st_ino;
}

/*
 * What an exec would do to the rest of the process: caught signals back
 * to their defaults (ignored ones stay ignored, the mask stays), the
 * program's environment and time zone, fresh stdio streams on 0-2 with
 * the buffering a new program gets, getopt from the start, no syslog
 * connection of ours.
 */
void
dlv_ml_run(char **argv, char **envp)
{
	struct sigaction sa, old;
	int sig, argc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN && old.sa_handler != SIG_DFL)
			(void)sigaction(sig, &sa, NULL);
	closelog();
	environ = envp;
	tzset();
	/* the agent's FILEs were flushed before the fork; these start
	 * with empty buffers on the new descriptors */
	stdin = fdopen(0, "r");
	stdout = fdopen(1, "w");
	stderr = fdopen(2, "w");
	if (stdin == NULL || stdout == NULL || stderr == NULL)
		_exit(71);
	(void)setvbuf(stderr, NULL, _IONBF, 0);
	ml_stdin_buffer();
	optind = 0;	/* glibc: start over, reading the new environment */
	opterr = 1;
	for (argc = 0; argv[argc] != NULL; argc++)
		;
	ml_exit(ml_main(argc, argv));
}

static int
collect(void *arg, const char *p, size_t n)
{
	return buf_add(arg, p, n);
}

/* Whether an option word of argv could ask for LMTP (-l): then the
 * program runs in a child, which LMTP needs. */
static int
maybe_lmtp(char **argv)
{
	size_t i;

	for (i = 1; argv[i] != NULL; i++)
		if (argv[i][0] == '-' && strchr(argv[i], 'l') != NULL)
			return 1;
	return 0;
}

/*
 * What the process is made to look like for ml_main, and made again
 * after: stdio, environment and time zone, getopt, umask, working
 * folder (/ for the call), the log's ident.
 */
struct saved {
	FILE	*in, *out, *err;
	char	**env;
	int	 optind, opterr;
	mode_t	 mask;
	int	 cwd;
	sigset_t sigs;
};

static void
enter(struct saved *sv, FILE *in, FILE *said, char **envp)
{
	(void)fflush(stdout);
	(void)fflush(stderr);
	sigset_t stop;

	*sv = (struct saved){ .in = stdin, .out = stdout, .err = stderr,
	    .env = environ, .optind = optind, .opterr = opterr,
	    .mask = umask(077), .cwd = sv->cwd };
	/* a stop request waits for the append and the unlock: the agent
	 * then ends with no half message and no dotlock left behind */
	(void)sigemptyset(&stop);
	(void)sigaddset(&stop, SIGTERM);
	(void)sigaddset(&stop, SIGHUP);
	(void)sigaddset(&stop, SIGINT);
	(void)sigprocmask(SIG_BLOCK, &stop, &sv->sigs);
	stdin = in;
	stdout = said;		/* both into one, as into the one pipe */
	stderr = said;
	environ = envp;
	tzset();
	optind = 0;
	opterr = 1;
}

static void
leave(const struct saved *sv)
{
	(void)fflush(stdout);
	stdin = sv->in;
	stdout = sv->out;
	stderr = sv->err;
	environ = sv->env;
	tzset();
	optind = sv->optind;
	opterr = sv->opterr;
	(void)umask(sv->mask);
	log_reopen();
	(void)sigprocmask(SIG_SETMASK, &sv->sigs, NULL);
}

/* ml_main, its exit on a usage error coming back as the status */
static int
call_ml(int argc, char **argv)
{
	jmp_buf jb;
	volatile int status;
	int j;

	ml_exit_jump = &jb;
	if ((j = setjmp(jb)) == 0)
		status = ml_main(argc, argv);
	else
		status = j - 1;		/* ml_exit(j - 1) */
	ml_exit_jump = NULL;
	return status;
}

int
dlv_ml_inproc(const struct dlv_msg *dm, const struct cf_mailer_info *m,
    const char *sender, char **argv, char **envp, struct buf *said)
{
	struct saved sv;
	struct buf msg;
	struct err err;
	FILE *in = NULL, *out = NULL;
	char *text = NULL;
	size_t tlen = 0;
	int status = -1, argc;

	if (m->flags['z'] || maybe_lmtp(argv))
		return -1;
	buf_init(&msg, 0);
	err_clear(&err);
	sv.cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sv.cwd == -1 || dlv_write_message_cb(dm, m, sender, collect,
	    &msg, &err) == -1 || (in = msg.len > 0 ? fmemopen(msg.data,
	    msg.len, "r") : fopen("/dev/null", "re")) == NULL ||
	    (out = open_memstream(&text, &tlen)) == NULL || chdir("/") == -1)
		goto out;
	for (argc = 0; argv[argc] != NULL; argc++)
		;
	enter(&sv, in, out, envp);
	status = call_ml(argc, argv);
	leave(&sv);
	if (fchdir(sv.cwd) == -1)
		log_msg(LOG_ERR, dm->id, "SYSERR(root): fchdir: %s",
		    strerror(errno));
out:
	if (out != NULL && fclose(out) == 0 && text != NULL)
		(void)buf_add(said, text, tlen);
	free(text);
	if (in != NULL)
		(void)fclose(in);
	if (sv.cwd != -1)
		(void)close(sv.cwd);
	buf_free(&msg);
	return status;
}
