/*
 * main.c -- smrsh, the restricted shell sendmail's prog mailer runs
 * instead of /bin/sh: `smrsh -c command`.  Every command word of the
 * line must name a program present in the smrsh folder (SMRSH_CMDDIR,
 * /etc/smrsh as on CentOS; a leading path is dropped, so that
 * "|/usr/bin/vacation" finds <dir>/vacation); the words exec, exit and
 * echo are let through, && and || join commands, and every other shell
 * control character (< > | ^ ; & ` $ ( ) CR LF, also with the eighth
 * bit set) refuses the whole line.  The line is rebuilt with the full
 * paths and run by /bin/sh with PATH alone in the environment and only
 * fds 0-2 open.  Texts and exit codes are sendmail 8.17 smrsh's.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fdio.h"

#ifndef SMRSH_CMDDIR
#define SMRSH_CMDDIR	"/etc/smrsh"
#endif
#ifndef SMRSH_PATH
#define SMRSH_PATH	"/usr/bin:/bin"
#endif
#define SPECIALS	"<|>^();&`$\r\n"
#define LINE_MAX_LEN	998	/* the longest command line we build */

static const char *prg;
static const char *par;

/* A program that may not run: told on stderr and to syslog. */
static void __attribute__((noreturn))
refuse(const char *name, const char *why)
{
	fprintf(stderr, "%s: \"%s\" not available for sendmail programs%s\n",
	    prg, name, why);
	syslog(LOG_CRIT, "uid %d: attempt to use \"%s\"%s", (int)getuid(),
	    name, why);
	exit(EX_UNAVAILABLE);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "Usage: %s -c command\n", prg);
	syslog(LOG_ERR, "usage");
	exit(EX_USAGE);
}

static void
add(struct buf *out, const char *s, size_t len)
{
	if (out->len + len > LINE_MAX_LEN || buf_add(out, s, len) == -1) {
		fprintf(stderr, "%s: command too long: %s\n", prg, par);
		syslog(LOG_WARNING, "command too long: %.40s", par);
		exit(EX_UNAVAILABLE);
	}
}

/* The first character of s that the shell would act on, or NULL. */
static const char *
special(const char *s)
{
	for (; *s != '\0'; s++)
		if (strchr(SPECIALS, *s & 0x7f) != NULL &&
		    (*s & 0x7f) != '\0')
			return s;
	return NULL;
}

/* Checks the program name (the last part of the word) and adds its
 * path in the smrsh folder. */
static void
add_program(struct buf *out, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	const char *why = NULL;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", SMRSH_CMDDIR,
	    name) >= sizeof(path))
		why = " (filename too long)";
	else if (stat(path, &st) == -1)
		why = " (stat failed)";
	else if (!S_ISREG(st.st_mode))
		why = " (not a file)";
	else if (access(path, X_OK) == -1)
		why = "";
	if (why != NULL)
		refuse(name, why);
	add(out, path, strlen(path));
}

int
main(int argc, char **argv)
{
	struct buf out;
	char *line, *q, *p, *cmd;
	const char *r;
	int isexec = 0;

	openlog("smrsh", LOG_ODELAY | LOG_CONS, LOG_MAIL);
	prg = argv[0] != NULL ? argv[0] : "smrsh";
	if (argc != 3 || strcmp(argv[1], "-c") != 0)
		usage();
	par = argv[2];
	buf_init(&out, 0);
	line = q = strdup(par);
	if (line == NULL)
		exit(EX_OSERR);
	while (*q != '\0') {
		while (*q != '\0' && isascii((unsigned char)*q) &&
		    isspace((unsigned char)*q))
			q++;
		if (*q == '\0')
			break;
		p = strpbrk(q, " \t");
		if (p != NULL)
			*p = '\0';
		cmd = q + strlen(q);
		while (cmd > q && (cmd[-1] & 0x7f) != '/')
			cmd--;
		if (strcmp(q, "exec") == 0 && p != NULL) {
			add(&out, "exec ", 5);
			q = p + 1;
			isexec = 1;
			continue;
		}
		if (strcmp(q, "exit") == 0 || strcmp(q, "echo") == 0)
			add(&out, cmd, strlen(cmd));
		else
			add_program(&out, cmd);
		isexec = 0;
		if (p == NULL)
			break;
		*p = ' ';
		if ((r = special(p)) == NULL) {
			add(&out, p, strlen(p));
			break;
		}
		if ((r[0] == '&' && r[1] == '&') ||
		    (r[0] == '|' && r[1] == '|')) {
			add(&out, p, (size_t)(r - p) + 2);
			q = (char *)r + 2;
			continue;
		}
		fprintf(stderr, "%s: cannot use %c in command\n", prg, *r);
		syslog(LOG_CRIT, "uid %d: attempt to use %c in command: %s",
		    (int)getuid(), *r, par);
		exit(EX_UNAVAILABLE);
	}
	if (isexec) {
		fprintf(stderr, "%s: missing command to exec\n", prg);
		syslog(LOG_CRIT, "uid %d: missing command to exec",
		    (int)getuid());
		exit(EX_UNAVAILABLE);
	}
	if (out.len == 0)
		usage();
	free(line);
	{
		char *env[] = { "PATH=" SMRSH_PATH, NULL };

		fdio_close_from(3);	/* only 0-2 go on to the program */
		(void)execle("/bin/sh", "/bin/sh", "-c", out.data,
		    (char *)NULL, env);
		syslog(LOG_CRIT, "Cannot exec /bin/sh: %s", strerror(errno));
		perror("/bin/sh");
	}
	return EX_OSFILE;
}
