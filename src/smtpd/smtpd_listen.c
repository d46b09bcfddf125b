/*
 * smtpd_listen.c -- the doors of the daemon: DaemonPortOptions parsed
 * into typed values (Port, Addr, Family, Name, Modifiers, the port's
 * own InputMailFilters; several options add up) and the listening
 * sockets bound from them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtpd_daemon.h"
#include "lib/str.h"
#include "lib/xalloc.h"

static void
port_defaults(struct smtpd_port *p)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->port = 25;
	(void)snprintf(p->name, sizeof(p->name), "MTA");
	p->fd = -1;
}

/* "Port=smtp, Addr=127.0.0.1, Name=MTA, M=Ea": 0, or -1 with why. */
int
smtpd_port_parse(const char *spec, struct smtpd_port *p, struct err *err)
{
	struct strarr parts = { 0 };
	struct servent *se;
	size_t i;
	int rc = 0;

	port_defaults(p);
	str_split(spec, ",", &parts);
	for (i = 0; i < parts.n && rc == 0; i++) {
		char *k = parts.v[i], *v = strchr(k, '=');

		while (*k == ' ' || *k == '\t')
			k++;
		if (v == NULL) {
			if (*k != '\0')
				rc = err_set(err, ERR_CONFIG, "DaemonPortOptions:"
				    " %s: missing '='", k);
			continue;
		}
		*v++ = '\0';
		str_rtrim(k);
		v = (char *)str_skip_ws(v);
		str_rtrim(v);
		if (str_casecmp(k, "Port") == 0 || str_casecmp(k, "P") == 0) {
			char *end;
			long n = strtol(v, &end, 10);

			if (*end == '\0' && n > 0 && n < 65536)
				p->port = (int)n;
			else if ((se = getservbyname(v, "tcp")) != NULL)
				p->port = ntohs((unsigned short)se->s_port);
			else
				rc = err_set(err, ERR_CONFIG, "DaemonPortOptions:"
				    " unknown port \"%s\"", v);
		} else if (str_casecmp(k, "Addr") == 0 ||
		    str_casecmp(k, "A") == 0) {
			(void)snprintf(p->addr, sizeof(p->addr), "%s", v);
		} else if (str_casecmp(k, "Family") == 0 ||
		    str_casecmp(k, "F") == 0) {
			if (str_casecmp(v, "inet") == 0)
				p->family = AF_INET;
			else if (str_casecmp(v, "inet6") == 0)
				p->family = AF_INET6;
			else
				rc = err_set(err, ERR_CONFIG, "DaemonPortOptions:"
				    " unknown address family \"%s\"", v);
		} else if (str_casecmp(k, "Name") == 0 ||
		    str_casecmp(k, "N") == 0) {
			(void)snprintf(p->name, sizeof(p->name), "%s", v);
		} else if (str_casecmp(k, "Modifiers") == 0 ||
		    str_casecmp(k, "M") == 0) {
			(void)snprintf(p->modifiers, sizeof(p->modifiers), "%s",
			    v);
		} else if (str_casecmp(k, "InputMailFilters") == 0 ||
		    str_casecmp(k, "I") == 0) {
			/* the list is ';'-separated, ',' ends the field */
			if (str_copy(p->filters, v, sizeof(p->filters)) == -1)
				rc = err_set(err, ERR_CONFIG, "DaemonPortOptions:"
				    " InputMailFilters too long");
			p->has_filters = 1;
		}
		/* Listen=, SndBufSize=, RcvBufSize=: accepted and not used */
	}
	strarr_free(&parts);
	return rc;
}

/* ${daemon_flags}: the modifier letters separated by spaces. */
void
smtpd_port_flags(const struct smtpd_port *p, char *out, size_t size)
{
	size_t i, n = 0;

	for (i = 0; p->modifiers[i] != '\0' && n + 2 < size; i++) {
		if (p->modifiers[i] == ' ' || p->modifiers[i] == ',')
			continue;
		if (n > 0)
			out[n++] = ' ';
		out[n++] = p->modifiers[i];
	}
	out[n] = '\0';
}

/* Binds and listens; -1 with sendmail's wording of the failure. */
int
smtpd_port_open(struct smtpd_port *p, int backlog, struct err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (p->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)p->port);
		if (p->addr[0] != '\0' &&
		    inet_pton(AF_INET6, p->addr, &s6->sin6_addr) != 1)
			return err_set(err, ERR_CONFIG, "DaemonPortOptions: "
			    "bad address %s", p->addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)p->port);
		if (p->addr[0] != '\0' &&
		    inet_pton(AF_INET, p->addr, &s4->sin_addr) != 1)
			return err_set(err, ERR_CONFIG, "DaemonPortOptions: "
			    "bad address %s", p->addr);
		sl = sizeof(*s4);
	}
	fd = socket(p->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return err_set(err, ERR_OSERR, "daemon %s: can't create "
		    "server SMTP socket: %s", p->name, strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (p->family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		err_set(err, ERR_OSERR, "daemon %s: cannot bind: %s", p->name,
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (listen(fd, backlog) == -1) {
		err_set(err, ERR_OSERR, "daemon %s: cannot listen: %s",
		    p->name, strerror(errno));
		(void)close(fd);
		return -1;
	}
	p->fd = fd;
	return 0;
}
