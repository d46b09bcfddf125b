/*
 * mailboxd.c -- main() of the POP3/IMAP server that replaces dovecot: flags,
 * the dovecot.conf it reads, the listeners, and one forked child per
 * connection (see mailboxd_session.c).  SIGTERM stops the listener and
 * its sessions.
 *
 *   mailboxd [-F] [-c dovecot.conf]     serve (-F: stay in foreground)
 *   mailboxd -n [-c dovecot.conf]       print the configuration
 *   mailboxd -a user [-c ...]           check user's password from stdin
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mailboxd.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static FILE *logf;

void
mbd_log_open(const char *log_path)
{
	if (log_path != NULL && strcmp(log_path, "syslog") != 0) {
		logf = fopen(log_path, "a");
		if (logf != NULL)
			setvbuf(logf, NULL, _IOLBF, 0);
	}
	/* through lib/log.c, so that the lines of the imap/ and pop3/
	 * libraries (log_plain) carry the same tag instead of opening the
	 * log again as "sendmail" */
	log_open("dovecot");
	/* the sessions' state changes are debugging (dovecot writes such
	 * lines only with mail_debug): rsyslog's mail.* would keep them */
	(void)setlogmask(LOG_UPTO(LOG_INFO));
}

void
mbd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (logf != NULL) {
		char ts[64];
		time_t now = time(NULL);
		struct tm tm;
		const char *lvl = prio <= LOG_ERR ? "Error" :
		    prio == LOG_WARNING ? "Warning" : "Info";
		char *line = NULL;

		(void)localtime_r(&now, &tm);
		(void)strftime(ts, sizeof(ts), "%b %d %H:%M:%S", &tm);
		if (vasprintf(&line, fmt, ap) != -1) {
			/* "pop3-login: Info: text" as dovecot writes */
			const char *colon = strstr(line, ": ");

			if (colon != NULL)
				fprintf(logf, "%s %.*s: %s: %s\n", ts,
				    (int)(colon - line), line, lvl, colon + 2);
			else
				fprintf(logf, "%s %s: %s\n", ts, lvl, line);
			free(line);
		}
	} else
		vsyslog(prio, fmt, ap);
	va_end(ap);
}

static volatile sig_atomic_t stop;
/* who stopped us, for dovecot's "Killed with signal N (by pid=P uid=U
 * code=kill)" */
static volatile sig_atomic_t stop_sig, stop_pid, stop_uid, stop_user;

static void
on_term(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	stop_sig = sig;
	if (si != NULL) {
		stop_pid = si->si_pid;
		stop_uid = (sig_atomic_t)si->si_uid;
		stop_user = si->si_code == SI_USER;
	}
	stop = 1;
}

static void
on_chld(int sig)
{
	(void)sig;
}

static int
bind_one(const struct mbd_listener *l)
{
	struct addrinfo hints, *res, *ai;
	char port[16];
	const char *host = l->address;
	int fd = -1, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	if (strcmp(host, "*") == 0) {
		host = "0.0.0.0";
		hints.ai_family = AF_INET;
	} else if (strcmp(host, "::") == 0 || strcmp(host, "[::]") == 0) {
		host = "::";
		hints.ai_family = AF_INET6;
	}
	(void)snprintf(port, sizeof(port), "%d", l->port);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		if (rc == EAI_ADDRFAMILY || rc == EAI_FAMILY) {
			fprintf(stderr, "mailboxd: Warning: listen %s: no "
			    "such address family here, skipped\n",
			    l->address);
			return -2;
		}
		fprintf(stderr, "mailboxd: listen %s: %s\n", l->address,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1 && errno == EAFNOSUPPORT) {
			/* "listen = *, ::" on a host without IPv6 */
			fprintf(stderr, "mailboxd: Warning: listen %s: "
			    "address family not supported, skipped\n",
			    l->address);
			freeaddrinfo(res);
			return -2;
		}
		if (fd == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		if (ai->ai_family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			    sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 128) == 0)
			break;
		fprintf(stderr, "mailboxd: bind(%s, %d) failed: %s\n",
		    l->address, l->port, strerror(errno));
		(void)close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static struct ssl_ctx_st *
tls_context(const struct mbd_cfg *c)
{
	struct tls_cfg tc;
	struct err err;
	struct ssl_ctx_st *ctx;

	if (c->ssl == POP3_SSL_NO)
		return NULL;
	memset(&tc, 0, sizeof(tc));
	tc.cert_file = c->ssl_cert;
	tc.key_file = c->ssl_key;
	tc.min_version = strcmp(c->ssl_min_protocol, "TLSv1") == 0 ?
	    TLS_V_1_0 : strcmp(c->ssl_min_protocol, "TLSv1.1") == 0 ?
	    TLS_V_1_1 : strcmp(c->ssl_min_protocol, "TLSv1.3") == 0 ?
	    TLS_V_1_3 : TLS_V_1_2;
	if ((ctx = tls_ctx_server(&tc, &err)) == NULL)
		fprintf(stderr, "mailboxd: ssl_cert %s / ssl_key %s: %s\n",
		    c->ssl_cert, c->ssl_key, err.msg);
	return ctx;
}

#define CHILD_MAX	1024

int
mbd_serve(struct mbd_cfg *c, int foreground)
{
	struct pollfd pfd[MBD_LISTEN_MAX];
	int tls[MBD_LISTEN_MAX];		/* per pfd: implicit TLS */
	int imap[MBD_LISTEN_MAX];		/* per pfd: IMAP */
	pid_t kids[CHILD_MAX];
	size_t i, n = 0, nkids = 0;
	struct sigaction sa;
	struct ssl_ctx_st *ctx = NULL;

	if (!c->pop3 && !c->imap) {
		fprintf(stderr, "mailboxd: neither imap nor pop3 is in "
		    "protocols: nothing to serve\n");
		return 78;
	}
	if (c->ssl != POP3_SSL_NO && (ctx = tls_context(c)) == NULL)
		return 78;
	for (i = 0; i < c->nlisten; i++) {
		int fd = bind_one(&c->listen[i]);

		if (fd == -2)
			continue;
		if (fd == -1)
			return 71;
		tls[n] = c->listen[i].ssl;
		imap[n] = c->listen[i].imap;
		pfd[n].fd = fd;
		pfd[n++].events = POLLIN;
	}
	if (n == 0) {
		fprintf(stderr, "mailboxd: no listeners\n");
		return 78;
	}
	if (!foreground && daemon(0, 0) == -1) {
		perror("mailboxd: daemon");
		return 71;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_term;
	sa.sa_flags = SA_SIGINFO;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = on_chld;
	(void)sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	mbd_log(LOG_INFO, "master: mailboxd starting up for%s%s",
	    c->imap ? " imap" : "", c->pop3 ? " pop3" : "");
	while (!stop) {
		pid_t pid;
		int status;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < nkids; i++)
				if (kids[i] == pid) {
					kids[i] = kids[--nkids];
					break;
				}
		if (poll(pfd, n, 1000) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			int fd;
			size_t j;

			if (!(pfd[i].revents & POLLIN))
				continue;
			fd = accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd == -1)
				continue;
			if (nkids == CHILD_MAX) {
				(void)close(fd);
				continue;
			}
			pid = fork();
			if (pid == 0) {
				int implicit = tls[i], is_imap = imap[i];

				for (j = 0; j < n; j++)
					(void)close(pfd[j].fd);
				sa.sa_handler = SIG_DFL;
				(void)sigaction(SIGTERM, &sa, NULL);
				(void)sigaction(SIGINT, &sa, NULL);
				(void)sigaction(SIGCHLD, &sa, NULL);
				if (is_imap)
					mbd_imap_session(c, fd, implicit, ctx);
				else
					mbd_session(c, fd, implicit, ctx);
				_exit(0);
			}
			if (pid > 0)
				kids[nkids++] = pid;
			(void)close(fd);
		}
	}
	for (i = 0; i < n; i++)
		(void)close(pfd[i].fd);
	for (i = 0; i < nkids; i++)
		(void)kill(kids[i], SIGTERM);
	if (stop_sig != 0 && stop_user)
		mbd_log(LOG_WARNING, "master: Killed with signal %d (by pid=%ld "
		    "uid=%ld code=kill)", (int)stop_sig, (long)stop_pid,
		    (long)stop_uid);
	else if (stop_sig != 0)
		mbd_log(LOG_WARNING, "master: Killed with signal %d",
		    (int)stop_sig);
	tls_ctx_free(ctx);
	return 0;
}

static int
auth_test(struct mbd_cfg *c, const char *user)
{
	struct auth_user u;
	struct err err;
	char *pass = NULL;
	size_t cap = 0;

	/* no line: an empty password (getline may have left its buffer
	 * allocated but unterminated) */
	if (getline(&pass, &cap, stdin) < 0 && pass != NULL)
		pass[0] = '\0';
	if (pass == NULL)
		pass = xstrdup("");
	pass[strcspn(pass, "\r\n")] = '\0';
	err_clear(&err);
	switch (auth_verify(&c->auth, user, pass, &u, &err)) {
	case AUTH_OK:
		printf("passdb: %s auth succeeded\nuid=%lu gid=%lu home=%s\n",
		    u.name, (unsigned long)u.uid, (unsigned long)u.gid,
		    u.home ? u.home : "");
		auth_user_free(&u);
		free(pass);
		return 0;
	case AUTH_FAILED:
		printf("passdb: %s auth failed%s%s\n", user,
		    err.msg[0] ? ": " : "", err.msg);
		free(pass);
		return 77;
	default:
		printf("passdb: %s temporary failure: %s\n", user, err.msg);
		free(pass);
		return 75;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: mailboxd [-Fn] [-c dovecot.conf] "
	    "[-a user]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	const char *conf = "/etc/dovecot/dovecot.conf", *auth_user = NULL;
	struct mbd_cfg cfg;
	struct err err;
	char *ign;
	int ch, print = 0, fg = 0, rc;

	while ((ch = getopt(argc, argv, "a:c:Fn")) != -1) {
		switch (ch) {
		case 'a':
			auth_user = optarg;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'F':
			fg = 1;
			break;
		case 'n':
			print = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	mbd_auth_init();
	err_clear(&err);
	if (mbd_conf_load(&cfg, conf, &err) == -1) {
		fprintf(stderr, "mailboxd: Fatal: %s\n", err.msg);
		mbd_conf_free(&cfg);
		return 78;
	}
	if (print) {
		mbd_conf_print(&cfg, stdout);
		mbd_conf_free(&cfg);
		return 0;
	}
	if (auth_user != NULL) {
		rc = auth_test(&cfg, auth_user);
		mbd_conf_free(&cfg);
		return rc;
	}
	mbd_log_open(cfg.log_path);
	if ((ign = mbd_conf_ignored(&cfg)) != NULL) {
		fprintf(stderr, "mailboxd: Warning: settings not implemented, "
		    "ignored: %s\n", ign);
		mbd_log(LOG_WARNING, "config: settings not implemented, "
		    "ignored: %s", ign);
		free(ign);
	}
	rc = mbd_serve(&cfg, fg);
	mbd_conf_free(&cfg);
	return rc;
}
