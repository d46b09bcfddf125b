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
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "deliver.h"
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
	optind = 0;	/* glibc: start over, reading the new environment */
	opterr = 1;
	for (argc = 0; argv[argc] != NULL; argc++)
		;
	ml_exit(ml_main(argc, argv));
}
