/*
 * smtpd_room.c -- a worker's waiting room in the daemon's stress mode
 * (smtpd_stress.c; a deliberate difference from sendmail, which has no
 * such mode: doc/differences.md).  With every worker held by a client
 * that never finishes a line, the ones that would finish theirs wait in
 * the listen queue behind the rest.  So under stress a worker greets
 * each client it accepts and keeps up to ROOM_MAX of them at once,
 * serves first whichever completes a command line (with what it sent
 * so far), and ends, as a command timeout does, the session of one that
 * has not within SMTPD_STRESS_LINE_MS of its greeting.  A client that
 * talks before the greeting is refused as greet_pause refuses it.  The
 * worker owns its guests: their sockets, their bytes read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "smtpd_daemon.h"
#include "smtpd_int.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define ROOM_MAX	128	/* clients one worker keeps waiting */

struct guest {
	int		 fd;
	size_t		 port;
	long long	 since;		/* greeted, ms */
	struct buf	 in;		/* read since the greeting */
	char		 addr[NI_MAXHOST];
};

struct room {
	struct smtpd_pool	*pool;
	size_t			 slot;		/* the worker's */
	struct guest		 g[ROOM_MAX];
	size_t			 n;
	struct buf		 greeting;
};

static int
stressed(const struct smtpd_pool *pool)
{
	return pool->stress != NULL && pool->stress->on;
}

int
smtpd_room_wanted(const struct smtpd_pool *pool, size_t port)
{
	/* on SMTPS the client speaks first (TLS): no room */
	return stressed(pool) && strchr(pool->ports[port].modifiers,
	    's') == NULL;
}

static const char *
jname_of(struct cf *cf)
{
	const char *j = cf_macro_value(cf, "j");

	return j != NULL ? j : "localhost";
}

static void
say(int fd, const struct buf *b)
{
	ssize_t n = write(fd, b->data, b->len);

	(void)n;	/* a client gone already hears nothing */
}

/* Tells the master how many wait in the room (smtpd_stress.c). */
static void
roomed(struct room *r)
{
	if (r->pool->stress != NULL)
		r->pool->stress->roomed[r->slot] = (unsigned)r->n;
}

/* Takes guest i out of the room (its fd stays open). */
static struct guest
leave(struct room *r, size_t i)
{
	struct guest g = r->g[i];

	r->g[i] = r->g[--r->n];
	roomed(r);
	return g;
}

static void
drop(struct room *r, size_t i)
{
	struct guest g = leave(r, i);

	(void)close(g.fd);
	buf_free(&g.in);
}

/*
 * Greets a client just accepted, or refuses it when it has talked
 * already (sendmail's greet_pause words; under stress it is hung up).
 */
static void
admit(struct room *r, size_t port, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct pollfd pfd;
	struct guest *g;
	struct buf b;

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		(void)close(fd);
		return;
	}
	g = &r->g[r->n];
	memset(g, 0, sizeof(*g));
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sl, g->addr,
	    sizeof(g->addr), NULL, 0, NI_NUMERICHOST) != 0)
		(void)snprintf(g->addr, sizeof(g->addr), "0");
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) == 1) {
		/* read, so that the close is no reset losing the reply */
		char tmp[4096];
		ssize_t n = read(fd, tmp, sizeof(tmp));

		(void)n;
		log_msg(LOG_NOTICE, NULL, "rejecting commands from [%s] [%s] due "
		    "to pre-greeting traffic after 0 seconds", g->addr,
		    g->addr);
		buf_init(&b, 0);
		reply_to(&b, "554 %s ESMTP not accepting messages",
		    jname_of(r->pool->cf));
		say(fd, &b);
		buf_free(&b);
		(void)close(fd);
		return;
	}
	buf_reset(&r->greeting);
	smtpd_greeting(r->pool->cf, &r->greeting);	/* its $b is now */
	say(fd, &r->greeting);
	g->fd = fd;
	g->port = port;
	g->since = tls_now_ms();
	buf_init(&g->in, 0);
	r->n++;
	roomed(r);
}

/* What a command timeout gives (smtpd_io.c), to a guest. */
static void
expire(struct room *r, size_t i)
{
	struct guest *g = &r->g[i];
	struct buf b;

	if (cf_log_level(r->pool->cf) > 1)
		log_msg(LOG_NOTICE, NULL, "timeout waiting for input from [%s] "
		    "during server cmd read", g->addr);
	buf_init(&b, 0);
	reply_to(&b, "421 4.4.1 %s Lost input channel from [%s]",
	    jname_of(r->pool->cf), g->addr);
	say(g->fd, &b);
	buf_free(&b);
	drop(r, i);
}

/* Reads what guest i sent; -1 when it hung up (it is gone then). */
static int
take_input(struct room *r, size_t i)
{
	struct guest *g = &r->g[i];
	char tmp[4096];
	ssize_t n = read(g->fd, tmp, sizeof(tmp));

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		drop(r, i);
		return -1;
	}
	(void)buf_add(&g->in, tmp, (size_t)n);
	return 0;
}

static int
line_complete(const struct guest *g)
{
	return g->in.len >= SMTPD_MAXCMD ||
	    (g->in.len > 0 && memchr(g->in.data, '\n', g->in.len) != NULL);
}

/* Serves guest i's whole session (blocking, as outside the room). */
static void
serve(struct room *r, size_t i)
{
	struct guest g = leave(r, i);

	(void)fcntl(g.fd, F_SETFL, fcntl(g.fd, F_GETFL) & ~O_NONBLOCK);
	smtpd_serve(r->pool, g.port, g.fd, 1, g.in.data, g.in.len);
	(void)close(g.fd);
	buf_free(&g.in);
}

/* Accepts waiting clients while stressed and there is room (not at
 * RefuseLA, where they wait in the listen queue as elsewhere). */
static void
accept_more(struct room *r)
{
	double la;
	size_t i;
	int fd;

	if (r->pool->refuse_la > 0 && getloadavg(&la, 1) == 1 &&
	    la >= (double)r->pool->refuse_la)
		return;
	for (i = 0; i < r->pool->nports; i++)
		while (r->n < ROOM_MAX && smtpd_room_wanted(r->pool, i) &&
		    (fd = accept4(r->pool->ports[i].fd, NULL, NULL,
		    SOCK_CLOEXEC)) != -1)
			admit(r, i, fd);
}

/* Waits for input (or a new client) until the next deadline. */
static void
wait_room(struct room *r, struct pollfd *pfd)
{
	long long now = tls_now_ms(), wait = 500, left;
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		pfd[n].fd = r->g[i].fd;
		pfd[n++].events = POLLIN;
		left = r->g[i].since + SMTPD_STRESS_LINE_MS - now;
		if (left < wait)
			wait = left < 0 ? 0 : left;
	}
	for (i = 0; r->n < ROOM_MAX && i < r->pool->nports; i++) {
		pfd[n].fd = r->pool->ports[i].fd;
		pfd[n++].events = POLLIN;
	}
	(void)poll(pfd, n, (int)wait);
	for (i = r->n; i-- > 0;)
		if (pfd[i].revents != 0)
			(void)take_input(r, i);
}

static size_t
oldest(const struct room *r)
{
	size_t i, o = 0;

	for (i = 1; i < r->n; i++)
		if (r->g[i].since < r->g[o].since)
			o = i;
	return o;
}

long
smtpd_room(struct smtpd_pool *pool, size_t slot, size_t port, int fd)
{
	struct room *r = xcalloc(1, sizeof(*r));
	struct pollfd *pfd = xcalloc(ROOM_MAX + pool->nports, sizeof(*pfd));
	long served = 0;
	size_t i;

	r->pool = pool;
	r->slot = slot;
	buf_init(&r->greeting, 0);
	admit(r, port, fd);
	while (r->n > 0) {
		accept_more(r);
		wait_room(r, pfd);
		for (i = 0; i < r->n && !line_complete(&r->g[i]); i++)
			;
		if (i < r->n) {
			serve(r, i);
			served++;
			continue;
		}
		if (!stressed(pool)) {
			/* the stress is over: the oldest, as usual */
			if (r->n > 0) {
				serve(r, oldest(r));
				served++;
			}
			continue;
		}
		for (i = r->n; i-- > 0;)
			if (tls_now_ms() - r->g[i].since >= SMTPD_STRESS_LINE_MS)
				expire(r, i);
	}
	buf_free(&r->greeting);
	free(pfd);
	free(r);
	return served;
}
